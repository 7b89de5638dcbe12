"""Hooks into ``app.synth()`` shared by constructs that finish their work late.

A fleet or a cluster config learns what it must render only once every model has
been added, so it renders when cdk8s validates the tree, just before writing. cdk8s
creates the output folder before it validates; on failure these helpers remove it
again when it was created by this synthesis and is still empty, so bad input never
leaves a partial output folder behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import jsii
from constructs import Construct, IValidation

__all__ = ["add_finalizer", "outdir_existed", "remove_empty_outdir"]


@jsii.implements(IValidation)
class _Finalizer:
    def __init__(self, finalize: Callable[[], None]) -> None:
        self._finalize = finalize

    def validate(self) -> list[str]:
        self._finalize()
        return []


def add_finalizer(scope: Construct, finalize: Callable[[], None]) -> None:
    """Run ``finalize`` when the app validates (cdk8s may validate more than once: make it idempotent)."""
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
