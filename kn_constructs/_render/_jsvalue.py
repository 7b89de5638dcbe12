"""How a Python value looks once it has crossed jsii into Node: the shared rules of the emitter.

cdk8s runs in Node; a Python app hands it dicts, lists, strings and numbers through jsii
(``jsii/_kernel/__init__.py``, ``_make_reference_for_native`` at jsii 1.142.0: a ``dict`` becomes
``{"$jsii.map": ...}``, the rest is ``json.dumps``-ed). What Node then holds, and therefore what
cdk8s writes, differs from the Python value in four ways this module reproduces:

* **Object key order.** Every JavaScript object lists its *array-index* keys (canonical decimal
  strings of integers ``0 <= n < 2**32 - 1``) first, in numeric order, then the other keys in
  insertion order (ECMA-262 ``OrdinaryOwnPropertyKeys``). ``{"b": 1, "10": 2, "2": 3}`` reaches
  cdk8s as ``{"2": 3, "10": 2, "b": 1}``.
* **``None`` values in dicts vanish** (the jsii kernel drops ``null`` map values); ``None`` in a
  list stays ``null``.
* **Strings are UTF-16.** A pair of surrogate code points in a Python ``str`` is one astral
  character in JavaScript; a lone surrogate stays lone. Lengths and sort orders count UTF-16
  code units.
* **Numbers are doubles.** Integers beyond 2**53 round to the nearest double, integers beyond the
  double range become ``Infinity``; ``NaN`` and infinite floats stop the jsii kernel outright
  (Python's ``json.dumps`` writes ``NaN``, which Node's ``JSON.parse`` refuses), so the emitter
  refuses them with a clear error instead.

Keys must be ``str`` (jsii would silently turn ``1``, ``True`` or ``None`` keys into ``"1"``,
``"true"``, ``"null"``); values must be ``dict``/``Mapping``, ``list``/``tuple``, ``str``,
``bool``, ``int``, ``float`` or ``None``. Anything else is a ``KNC-TYPE`` problem.
"""

from __future__ import annotations

import math
import re
from typing import Any, NoReturn

from kn_constructs.errors import Problem, ValidationError

__all__ = [
    "MAX_SAFE_INT",
    "RenderInputError",
    "is_array_index",
    "js_number",
    "js_string",
    "order_keys",
    "reject",
    "utf16_len",
    "utf16_sort_key",
]

#: Integers up to this magnitude are exact doubles and print as Python prints them.
MAX_SAFE_INT = 2**53
_INDEX_LIMIT = 2**32 - 1
_DIGITS = frozenset("0123456789")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class RenderInputError(ValidationError):
    """A value the renderer cannot write as cdk8s would (``KNC-TYPE``)."""


def reject(path: str, value: object, message: str, hint: str) -> NoReturn:
    """Raise one ``KNC-TYPE`` problem at ``path``."""
    raise RenderInputError(
        [
            Problem(
                "KNC-TYPE",
                path or "(document)",
                message,
                value=value,
                allowed="dict with str keys, list, str, bool, int, finite float, None",
                hint=hint,
            )
        ],
        subject="render",
    )


def is_array_index(key: str) -> bool:
    """Whether JavaScript treats ``key`` as an array index (listed first, numerically)."""
    if not key or key[0] not in _DIGITS:
        return False
    if not key.isascii() or not key.isdigit():
        return False
    if key[0] == "0" and len(key) > 1:
        return False
    return int(key) < _INDEX_LIMIT


def order_keys(keys: list[str]) -> list[str]:
    """``keys`` (in insertion order) in the order a JavaScript object lists them."""
    index = [k for k in keys if is_array_index(k)]
    if not index:
        return keys
    index.sort(key=int)
    rest = [k for k in keys if not is_array_index(k)]
    return index + rest


def js_string(value: str) -> str:
    """``value`` as JavaScript holds it: surrogate pairs joined into one character."""
    if _SURROGATE.search(value) is None:
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def utf16_len(value: str) -> int:
    """``value.length`` in JavaScript: UTF-16 code units."""
    if value.isascii():
        return len(value)
    return len(value) + len(_ASTRAL.findall(value))


def utf16_sort_key(value: str) -> Any:
    """A sort key ordering strings as ``Array.prototype.sort`` does (by UTF-16 code units)."""
    return value.encode("utf-16-be", "surrogatepass")


_number_cache: dict[float, str] = {}


def js_number(value: float, path: str = "") -> str:
    """``value`` printed as npm ``yaml`` prints a JavaScript number.

    ``stringifyNumber`` (``yaml/dist/stringify/stringifyNumber.js``, yaml 2.9.1): ``.nan``,
    ``.inf``/``-.inf``, ``-0`` for negative zero, else ``JSON.stringify(value)``, i.e.
    ``Number.prototype.toString`` (ECMA-262 ``Number::toString``): the shortest digits that
    round-trip, plain for exponents -7 < e < 21, else ``1e+21`` / ``1.5e-7``.
    """
    if isinstance(value, int):
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            return ".inf" if value > 0 else "-.inf"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
    cached = _number_cache.get(value)
    if cached is not None and (value != 0 or math.copysign(1.0, value) > 0):
        return cached
    if value != value or math.isinf(value):
        reject(
            path,
            value,
            f"{value!r} cannot reach cdk8s: jsii stops on a float that is not finite",
            "give a finite number, or a string such as '.inf' if the text is meant",
        )
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = _format_double(value)
    if len(_number_cache) < 65536:
        _number_cache[value] = text
    return text


def _format_double(value: float) -> str:
    sign = "-" if value < 0 else ""
    if value.is_integer() and abs(value) <= 9007199254740992.0:
        return sign + str(int(abs(value)))
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    stripped = digits.rstrip("0")
    power = (int(exponent) if exponent else 0) - len(fraction) + (len(digits) - len(stripped))
    k = len(stripped)
    n = k + power
    if k <= n <= 21:
        body = stripped + "0" * (n - k)
    elif 0 < n <= 21:
        body = stripped[:n] + "." + stripped[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + stripped
    else:
        e = n - 1
        head = stripped[0] + ("." + stripped[1:] if k > 1 else "")
        body = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def check_key(key: object, path: str) -> str:
    """``key`` if it is a ``str``; a ``KNC-TYPE`` problem otherwise."""
    if isinstance(key, str):
        return key
    reject(
        path,
        key,
        f"a mapping key must be a str, got {type(key).__name__} {key!r}",
        "write the key as a string (jsii would silently turn it into one)",
    )
