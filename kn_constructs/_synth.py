"""Hooks into ``app.synth()`` shared by constructs that finish their work late.

A fleet or a cluster config learns what it must render only once every model has
been added, so it finishes just before the app writes. Two hooks run the same
idempotent ``finalize``:

* **Python first.** The app's ``synth`` and ``synth_yaml`` are wrapped (on that app
  object only) to run every finalizer in Python before calling cdk8s. A
  :class:`~kn_constructs.errors.ValidationError` then reaches the caller as itself, with
  its report printed once, not inside a jsii ``RuntimeError`` with a JavaScript stack,
  and nothing is written (cdk8s has not created the output folder yet).
* **cdk8s validation**, for synthesis that does not go through the app's methods
  (``Testing.synth(chart)``, ``chart.to_json()``): the finalizer runs as a construct
  validation. cdk8s has created the output folder by then; on failure it is removed
  again when this synthesis created it and it is still empty.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import jsii
from constructs import Construct, IValidation

__all__ = ["add_finalizer", "outdir_existed", "remove_empty_outdir"]

#: Attribute on the app object holding its Python-side finalizers.
_FINALIZERS = "_kn_constructs_finalizers"


@jsii.implements(IValidation)
class _Finalizer:
    def __init__(self, finalize: Callable[[], None]) -> None:
        self._finalize = finalize

    def validate(self) -> list[str]:
        self._finalize()
        return []


def _run_first(method: Callable[[], Any], finalizers: list[Callable[[], None]]) -> Callable[[], Any]:
    @functools.wraps(method)
    def synth() -> Any:
        for finalize in list(finalizers):
            finalize()
        return method()

    return synth


def _python_finalizers(root: object) -> list[Callable[[], None]] | None:
    """The app's list of Python-side finalizers, wrapping its synth methods on first use."""
    found = getattr(root, _FINALIZERS, None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    methods = [name for name in ("synth", "synth_yaml") if callable(getattr(root, name, None))]
    if not methods:
        return None
    finalizers: list[Callable[[], None]] = []
    try:
        for name in methods:
            setattr(root, name, _run_first(getattr(root, name), finalizers))
        setattr(root, _FINALIZERS, finalizers)
    except AttributeError:  # pragma: no cover - an app object that refuses attributes
        return None
    return finalizers


def add_finalizer(scope: Construct, finalize: Callable[[], None]) -> None:
    """Run ``finalize`` before the app synthesizes (make it idempotent: it may run twice)."""
    finalizers = _python_finalizers(scope.node.root)
    if finalizers is not None:
        finalizers.append(finalize)
    scope.node.add_validation(_Finalizer(finalize))


def outdir_existed(scope: Construct) -> bool:
    """Whether the app's output folder exists now (call it before synthesis)."""
    outdir = getattr(scope.node.root, "outdir", None)
    return bool(outdir) and os.path.exists(str(outdir))


def remove_empty_outdir(scope: Construct, *, existed: bool) -> None:
    """Remove the app's output folder if this synthesis created it and it is still empty."""
    outdir = getattr(scope.node.root, "outdir", None)
    if outdir and not existed and os.path.isdir(outdir) and not os.listdir(outdir):
        os.rmdir(outdir)
