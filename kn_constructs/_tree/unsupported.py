"""The error Node-free synth raises for a cdk8s or constructs feature it does not cover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from kn_constructs.errors import KnConstructsError

__all__ = ["NodeFreeUnsupportedError", "unsupported_module_getattr"]

#: Where the covered subset is listed.
DOCS = "docs/synth.md"


class NodeFreeUnsupportedError(KnConstructsError, ImportError):
    """The app uses a cdk8s feature that Node-free synth does not cover.

    Raised at the first use (an import such as ``from cdk8s import Helm``, or an attribute of a
    covered class). It is an :class:`ImportError` too, so that ``from cdk8s import Helm`` fails
    with this message rather than Python's own "cannot import name".
    """

    def __init__(self, feature: str) -> None:
        self.feature = feature
        super().__init__(
            f"Node-free synth does not cover {feature}: run the app with cdk8s (`cdk8s synth`, which"
            f" needs Node), or keep to the subset listed in {DOCS}"
        )


def raise_unsupported(feature: str) -> NoReturn:
    """Raise :class:`NodeFreeUnsupportedError` for ``feature``."""
    raise NodeFreeUnsupportedError(feature)


def unsupported_module_getattr(module: str, *, qualify: bool = True) -> Callable[[str], Any]:
    """A module ``__getattr__`` that refuses every name the module does not define.

    The feature named is ``<module>.<name>``, or ``module`` alone with ``qualify=False``.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - a module's __getattr__
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise_unsupported(f"{module}.{name}" if qualify else f"{module} ({name})")

    return __getattr__
