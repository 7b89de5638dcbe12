"""Small formatting helpers shared by the value objects and constructs."""

from __future__ import annotations

__all__ = ["format_number"]


def format_number(value: float) -> str:
    """Format a number the way it should read in YAML: ``8``, not ``8.0``; ``82.5`` stays.

    Whole numbers beyond 1e16 (where floats stop being exact integers) read ``1e+20``.
    """
    number = float(value)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def format_seconds(seconds: float) -> str:
    """A whole-second duration as Knative reads it and people read it best: ``90s``, not ``1m30s``.

    Sub-second values keep their fraction (``1.5s``) so Knative's own precision checks see them.
    """
    number = float(seconds)
    return f"{int(number)}s" if number.is_integer() else f"{number!r}s"
