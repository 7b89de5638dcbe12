"""Small formatting helpers shared by the value objects and constructs."""

from __future__ import annotations

__all__ = ["format_number"]


def format_number(value: float) -> str:
    """Format a number the way it should read in YAML: ``8``, not ``8.0``; ``82.5`` stays."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return repr(number)
