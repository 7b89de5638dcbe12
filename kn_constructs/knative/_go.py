"""Private helpers that parse and print values the way Knative's Go code does.

Knative reads annotation and ConfigMap values with Go's ``strconv`` and ``time`` packages and
prints them with ``fmt``. Python's ``float()`` and ``int()`` accept more (spaces, underscores,
Unicode digits), and ``str(float)`` prints differently, so these helpers mirror Go:

- :func:`parse_float` is ``strconv.ParseFloat(s, 64)``;
- :func:`parse_int` is ``strconv.ParseInt(s, 10, bits)``; :func:`parse_uint` is ``ParseUint``;
- :func:`parse_bool` is ``strconv.ParseBool``;
- :func:`format_v` is ``fmt.Sprintf("%v", float64)``; :func:`format_f` is ``%f``;
- :func:`quote` is ``strconv.Quote``;
- :func:`quantity_error` is ``resource.ParseQuantity`` (Kubernetes quantities).

Errors are :class:`GoNumError` (a :class:`ValueError`) whose text is Go's own error text.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Final

__all__ = [
    "QUANTITY_FORMAT_ERROR",
    "GoNumError",
    "format_f",
    "format_v",
    "parse_bool",
    "parse_float",
    "parse_int",
    "parse_uint",
    "quantity_error",
    "quote",
]

_DECIMAL_FLOAT: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT: Final = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)")
_INF: Final = re.compile(r"[+-]?(?:inf|infinity)", re.IGNORECASE)
_NAN: Final = re.compile(r"nan", re.IGNORECASE)
_DIGITS: Final = re.compile(r"[0-9]+")
_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})

#: ``resource.ErrFormatWrong``: the text Kubernetes gives for a malformed quantity.
QUANTITY_FORMAT_ERROR: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_QUANTITY_SUFFIX_ERROR: Final = "unable to parse quantity's suffix"
_QUANTITY_SUFFIX_CHARS: Final = frozenset("eEinumkKMGTP")
_QUANTITY_SUFFIXES: Final = frozenset(
    {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"}
)


class GoNumError(ValueError):
    """A Go ``strconv`` error; ``str()`` is Go's text, ``out_of_range`` tells ErrRange apart."""

    def __init__(self, message: str, *, out_of_range: bool = False) -> None:
        super().__init__(message)
        self.out_of_range = out_of_range


def quote(text: str) -> str:
    """Quote ``text`` like Go's ``strconv.Quote`` (``%q``)."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def parse_float(text: str) -> float:
    """Parse like ``strconv.ParseFloat(text, 64)``.

    Raises:
        GoNumError: With Go's text, on bad syntax or overflow.
    """
    if _DECIMAL_FLOAT.fullmatch(text):
        value = float(text)
    elif match := _HEX_FLOAT.fullmatch(text):
        value = float.fromhex(match.group(1) + "0x" + match.group(2))
    elif _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    elif _NAN.fullmatch(text):
        return math.nan
    else:
        raise GoNumError(f"strconv.ParseFloat: parsing {quote(text)}: invalid syntax")
    if math.isinf(value):
        raise GoNumError(f"strconv.ParseFloat: parsing {quote(text)}: value out of range", out_of_range=True)
    return value


def parse_int(text: str, bits: int = 64, *, func: str = "ParseInt") -> int:
    """Parse like ``strconv.ParseInt(text, 10, bits)`` (``func="Atoi"`` names the error Atoi).

    Raises:
        GoNumError: With Go's text, on bad syntax or when out of the ``bits`` range.
    """
    body = text[1:] if text[:1] in ("+", "-") else text
    if not _DIGITS.fullmatch(body):
        raise GoNumError(f"strconv.{func}: parsing {quote(text)}: invalid syntax")
    value = -int(body) if text.startswith("-") else int(body)
    limit = 1 << (bits - 1)
    if value < -limit or value >= limit:
        raise GoNumError(f"strconv.{func}: parsing {quote(text)}: value out of range", out_of_range=True)
    return value


def parse_uint(text: str, bits: int = 64) -> int:
    """Parse like ``strconv.ParseUint(text, 10, bits)`` (no sign allowed).

    Raises:
        GoNumError: With Go's text, on bad syntax or overflow.
    """
    if not _DIGITS.fullmatch(text):
        raise GoNumError(f"strconv.ParseUint: parsing {quote(text)}: invalid syntax")
    value = int(text)
    if value >= 1 << bits:
        raise GoNumError(f"strconv.ParseUint: parsing {quote(text)}: value out of range", out_of_range=True)
    return value


def parse_bool(text: str) -> bool:
    """Parse like ``strconv.ParseBool``.

    Raises:
        GoNumError: With Go's text, for anything but the twelve spellings Go accepts.
    """
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GoNumError(f"strconv.ParseBool: parsing {quote(text)}: invalid syntax")


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return None


def format_v(value: float) -> str:
    """Format a float like Go's ``%v`` (shortest digits; ``%e`` form when exp < -4 or >= 6)."""
    special = _special(value)
    if special is not None:
        return special
    if isinstance(value, int):
        value = float(value)
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    digits_tuple = Decimal(repr(abs(value))).as_tuple()
    digits = list(digits_tuple.digits)
    exponent = int(digits_tuple.exponent)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if digits == [0]:
        return sign + "0"
    nd = len(digits)
    dp = nd + exponent  # position of the decimal point from the first digit
    exp = dp - 1
    text = "".join(str(d) for d in digits)
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if nd > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{text}"
    if dp >= nd:
        return sign + text + "0" * (dp - nd)
    return f"{sign}{text[:dp]}.{text[dp:]}"


def format_f(value: float) -> str:
    """Format a float like Go's ``%f`` (six decimals)."""
    special = _special(value)
    if special is not None:
        return special
    return f"{value:.6f}"


def quantity_error(text: str) -> str | None:
    """Return Kubernetes' error text if ``text`` is not a quantity, else ``None``.

    Mirrors ``resource.ParseQuantity``: an optional sign, digits with an optional fraction, then
    a suffix (binary ``Ki``..``Ei``, decimal ``n``..``E`` or an exponent ``e3``).
    """
    if not text:
        return QUANTITY_FORMAT_ERROR
    if text == "0":
        return None
    pos, end = 0, len(text)
    if text[0] in "+-":
        pos = 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
    suffix_start = pos
    while pos < end and text[pos] in _QUANTITY_SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos != end:
        return QUANTITY_FORMAT_ERROR
    suffix = text[suffix_start:]
    if suffix in _QUANTITY_SUFFIXES:
        return None
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            parse_int(suffix[1:])
        except GoNumError:
            return _QUANTITY_SUFFIX_ERROR
        return None
    return _QUANTITY_SUFFIX_ERROR
