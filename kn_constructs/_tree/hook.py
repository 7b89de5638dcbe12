"""The import hook of Node-free synth: ``cdk8s`` and ``constructs`` become the pure tree.

Enabled by the environment switch :data:`ENV_SWITCH` (``KN_CONSTRUCTS_NODE_FREE=1``) in a Python
process that has :func:`boot_path` on its ``PYTHONPATH``: that folder holds a
``sitecustomize`` module which installs :class:`NodeFreeFinder` before the app's first import
(and then runs any other ``sitecustomize`` further down the path). ``kn-constructs synth`` sets
both for the app's command. The finder maps:

* ``cdk8s`` to :mod:`kn_constructs._tree.cdk8s` and ``constructs`` to
  :mod:`kn_constructs._tree.constructs` (the same module objects, so ``isinstance`` agrees);
* ``cdk8s_plus_<N>`` (any version) and ``cdk8s_plus`` to a module whose every attribute raises
  :class:`~kn_constructs._tree.unsupported.NodeFreeUnsupportedError`, so importing it is
  harmless and using it is a clear error;
* ``jsii`` to a module with ``jsii.implements`` (a no-op decorator: apps write validations as
  ``@jsii.implements(IValidation)``) whose every other attribute is refused the same way: what
  else uses jsii is generated bindings (``cdk8s import`` output such as ``imports/k8s``),
  which need Node.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kn_constructs._tree.unsupported import unsupported_module_getattr

__all__ = ["ENV_SWITCH", "NodeFreeFinder", "boot_path", "install", "is_node_free"]

#: The environment switch: ``1`` runs cdk8s apps on the pure-Python tree.
ENV_SWITCH = "KN_CONSTRUCTS_NODE_FREE"
_ALIASES = {"cdk8s": "kn_constructs._tree.cdk8s", "constructs": "kn_constructs._tree.constructs"}
_PLUS = re.compile(r"^cdk8s_plus(_\d+)?$")
_JSII_FEATURE = "jsii (generated bindings: `cdk8s import` output, cdk8s-plus)"


def boot_path() -> str:
    """The folder to put on ``PYTHONPATH`` so that :data:`ENV_SWITCH` takes effect at start-up."""
    return str(Path(__file__).resolve().parent / "boot")


def is_node_free() -> bool:
    """Whether this process runs on the pure tree (the ``constructs`` in use is the pure one)."""
    module = sys.modules.get("constructs")
    return bool(getattr(module, "KN_NODE_FREE", False))


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str | None) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self._target is not None:
            return importlib.import_module(self._target)
        stub = types.ModuleType(spec.name, f"{spec.name}: not covered by Node-free synth")
        stub.KN_NODE_FREE = True  # type: ignore[attr-defined]
        if spec.name == "jsii":
            stub.implements = _implements  # type: ignore[attr-defined]
            stub.__getattr__ = unsupported_module_getattr(_JSII_FEATURE, qualify=False)  # type: ignore[method-assign]
            return stub
        label = spec.name.replace("_", "-")
        stub.__getattr__ = unsupported_module_getattr(label)  # type: ignore[method-assign]
        return stub

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _implements(*interfaces: object) -> Any:
    """``jsii.implements`` on the pure tree: the interfaces are protocols, nothing to register."""

    def decorate(cls: Any) -> Any:
        return cls

    return decorate


class NodeFreeFinder(importlib.abc.MetaPathFinder):
    """Finds the pure tree for ``cdk8s``/``constructs`` and a refusing stub for cdk8s-plus."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The alias spec for the modules this finder replaces, else ``None``."""
        if fullname in _ALIASES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(_ALIASES[fullname]))
        if _PLUS.match(fullname) or fullname == "jsii":
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(None))
        return None


def install() -> None:
    """Install the finder first on ``sys.meta_path`` (once); refuse if real cdk8s is loaded."""
    if any(isinstance(f, NodeFreeFinder) for f in sys.meta_path):
        return
    loaded = [name for name in (*_ALIASES, "jsii") if name in sys.modules and not is_pure(sys.modules[name])]
    if loaded:
        raise RuntimeError(
            f"{ENV_SWITCH}=1, but {', '.join(loaded)} (with jsii and Node) is already imported:"
            " the switch must be set before the process starts"
        )
    sys.meta_path.insert(0, NodeFreeFinder())


def is_pure(module: types.ModuleType) -> bool:
    """Whether ``module`` is one of the pure tree's modules."""
    return bool(getattr(module, "KN_NODE_FREE", False))


def switch_on() -> bool:
    """Whether :data:`ENV_SWITCH` asks for the pure tree."""
    return os.environ.get(ENV_SWITCH, "") == "1"
