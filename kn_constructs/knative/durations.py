"""Go durations, as Knative reads and prints them.

Knative parses ``autoscaling.knative.dev/window``, ``scale-down-delay``, ``progress-deadline``,
``rollout-duration`` and the duration keys of its ConfigMaps with Go's ``time.ParseDuration``,
and prints bounds with ``time.Duration.String()`` (``1h0m0s``). These functions do the same.

Internally durations are whole nanoseconds (Go's ``time.Duration``), so precision checks are
exact; the float-seconds functions are the convenient public face.
"""

from __future__ import annotations

from typing import Final

from kn_constructs.knative._go import quote

__all__ = [
    "format_go_duration",
    "format_go_duration_ns",
    "is_whole_seconds",
    "parse_go_duration",
    "parse_go_duration_ns",
]

NANOSECOND: Final = 1
MICROSECOND: Final = 1000 * NANOSECOND
MILLISECOND: Final = 1000 * MICROSECOND
SECOND: Final = 1000 * MILLISECOND
MINUTE: Final = 60 * SECOND
HOUR: Final = 60 * MINUTE

_UNITS: Final = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "\u00b5s": MICROSECOND,  # U+00B5 micro sign
    "\u03bcs": MICROSECOND,  # U+03BC Greek mu
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}
_MAX_INT64: Final = (1 << 63) - 1
_DIGITS: Final = frozenset("0123456789")


def _invalid(orig: str) -> ValueError:
    return ValueError(f"time: invalid duration {quote(orig)}")


def parse_go_duration_ns(text: str) -> int:
    """Parse a Go duration string into whole nanoseconds, exactly as ``time.ParseDuration``.

    Args:
        text: A duration such as ``300ms``, ``1.5h``, ``1h2m3s``, ``-1m`` or ``0``.

    Returns:
        The duration in nanoseconds.

    Raises:
        ValueError: On bad syntax, a missing or unknown unit, or overflow; the message is Go's
            (``time: invalid duration "40"``, ``time: missing unit in duration "40"``).
    """
    orig = text
    s = text
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise _invalid(orig)
    total = 0
    while s:
        if not (s[0] == "." or s[0] in _DIGITS):
            raise _invalid(orig)
        # integer part
        i = 0
        while i < len(s) and s[i] in _DIGITS:
            i += 1
        pre = i > 0
        whole = int(s[:i]) if pre else 0
        if whole > _MAX_INT64 + 1:
            raise _invalid(orig)
        s = s[i:]
        # fraction part
        frac, scale, post = 0, 1.0, False
        if s and s[0] == ".":
            s = s[1:]
            i = 0
            overflow = False
            while i < len(s) and s[i] in _DIGITS:
                if not overflow:  # Go stops accumulating on overflow but keeps consuming
                    nxt = frac * 10 + int(s[i])
                    if frac > _MAX_INT64 // 10 or nxt > 1 << 63:
                        overflow = True
                    else:
                        frac = nxt
                        scale *= 10
                i += 1
            post = i > 0
            s = s[i:]
        if not pre and not post:
            raise _invalid(orig)
        # unit
        i = 0
        while i < len(s) and s[i] != "." and s[i] not in _DIGITS:
            i += 1
        if i == 0:
            raise ValueError(f"time: missing unit in duration {quote(orig)}")
        unit_text = s[:i]
        s = s[i:]
        unit = _UNITS.get(unit_text)
        if unit is None:
            raise ValueError(f"time: unknown unit {quote(unit_text)} in duration {quote(orig)}")
        if whole > (1 << 63) // unit:
            raise _invalid(orig)
        value = whole * unit
        if frac > 0:
            value += int(float(frac) * (float(unit) / scale))
            if value > 1 << 63:
                raise _invalid(orig)
        total += value
        if total > 1 << 63:
            raise _invalid(orig)
    if neg:
        return -total
    if total > _MAX_INT64:
        raise _invalid(orig)
    return total


def parse_go_duration(text: str) -> float:
    """Parse a Go duration string (``time.ParseDuration`` syntax) into seconds.

    Bare numbers other than ``"0"`` are invalid, as in Go: ``"40"`` has no unit.

    Args:
        text: A duration such as ``300ms``, ``1.5h``, ``1h2m3s``, ``-1m`` or ``0``.

    Returns:
        The duration in seconds.

    Raises:
        ValueError: On bad syntax; the message is Go's own.
    """
    return parse_go_duration_ns(text) / SECOND


def _fmt_frac(value: int, prec: int) -> tuple[str, int]:
    """Go's ``fmtFrac``: the fraction digits of ``value / 10**prec`` without trailing zeros."""
    digits: list[str] = []
    printed = False
    for _ in range(prec):
        digit = value % 10
        printed = printed or digit != 0
        if printed:
            digits.append(str(digit))
        value //= 10
    text = ("." + "".join(reversed(digits))) if printed else ""
    return text, value


def format_go_duration_ns(nanoseconds: int) -> str:
    """Format whole nanoseconds like Go's ``time.Duration.String()``.

    Examples: ``40s``, ``1m30s``, ``1h0m0s``, ``0s``, ``1.5s``, ``500ms``, ``1µs``.
    """
    neg = nanoseconds < 0
    u = -nanoseconds if neg else nanoseconds
    if u < SECOND:
        if u == 0:
            return "0s"
        if u < MICROSECOND:
            unit, prec = "ns", 0
        elif u < MILLISECOND:
            unit, prec = "\u00b5s", 3
        else:
            unit, prec = "ms", 6
        frac, whole = _fmt_frac(u, prec)
        text = f"{whole}{frac}{unit}"
    else:
        frac, whole_seconds = _fmt_frac(u, 9)
        text = f"{whole_seconds % 60}{frac}s"
        minutes = whole_seconds // 60
        if minutes > 0:
            text = f"{minutes % 60}m{text}"
            hours = minutes // 60
            if hours > 0:
                text = f"{hours}h{text}"
    return f"-{text}" if neg else text


def format_go_duration(seconds: float) -> str:
    """Format seconds like Go's ``time.Duration.String()``.

    Args:
        seconds: The duration; rounded to the nearest nanosecond.

    Returns:
        ``40s``, ``1m30s``, ``1h0m0s`` or ``0s`` for whole seconds; ``1.5s`` or ``500ms``
        for fractions, as Go prints them.
    """
    return format_go_duration_ns(round(seconds * SECOND))


def is_whole_seconds(seconds: float) -> bool:
    """Whether ``seconds`` is a whole number of seconds (what Knative calls second precision)."""
    return round(seconds * SECOND) % SECOND == 0
