"""Run-time type checks at the public boundary, driven by the type hints.

A frozen dataclass does not check its field types, and ``str`` is a ``Sequence[str]``:
``GpuPlacement(classes="A40")`` would be split into characters. Every public
constructor and factory therefore checks its arguments against its own annotations
before it computes anything, and reports each wrong one as a :class:`Problem`:

* ``KNC-TYPE``: a value of the wrong Python type (``"40"`` for an ``int``, ``True`` for
  an ``int``, ``"A40"`` for a list of ``str``, ``2.5`` for an ``int``), a number that is
  not finite (NaN, infinities, an ``int`` too large for a ``float``), or an ``int``
  outside the 64-bit range Kubernetes and Knative hold;
* ``KNC-PROP``: a keyword argument the call does not know (with "did you mean"), a
  required one missing, or too many positional arguments.

All problems of one call are collected and raised as one
:class:`~kn_constructs.errors.ValidationError`; inside, the library trusts its inputs.

Hand-written rather than pydantic/typeguard/beartype: the library's style is frozen
dataclasses with named constructors, and the problems must be the library's own
(code, path, value, allowed, hint, every one collected). typeguard and beartype stop at
the first wrong argument with their own exception type, and accept ``str`` as a
``Sequence[str]`` like mypy; pydantic coerces (``"40"`` -> 40) unless strict, and would
turn the value objects into models. The subset of typing used by the public API
(``int``, ``float``, ``str``, ``bool``, ``None``, unions, ``Literal``, sequences, mappings,
tuples, classes and protocols) fits in one small function.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import difflib
import functools
import inspect
import math
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from kn_constructs.errors import Problem, ValidationError

__all__ = ["check_arguments", "check_value", "checked", "checked_construct", "checked_dataclass"]

#: Kubernetes and Knative integers are at most 64 bits (``int64``); beyond is no setting at all.
INT64_MAX = 2**63 - 1

_F = TypeVar("_F", bound=Callable[..., Any])
_C = TypeVar("_C", bound=type)


# --------------------------------------------------------------------------- values


class FloatOrInfinity(float):
    """Type-hint marker for a float field where ``inf`` is a real setting, not a mistake.

    Knative's scale rates parse with Go's ``strconv.ParseFloat``, which reads ``"inf"``, and its
    validation only asks for a rate above 1 (``pkg/autoscaler/config/config.go`` ``validate``):
    an infinite rate means "no limit". NaN is still refused. Name the fields in
    :func:`checked_dataclass`'s ``infinite``.
    """


def _type_name(hint: Any) -> str:
    """Python's spelling of a type hint: ``int``, ``list[str]``, ``'a' or 'b'``, ``X | None``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is type(None) or hint is None:
        return "None"
    if origin in (typing.Literal, typing.Union, types.UnionType):
        parts = _alternatives(hint)
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a tuple of {_type_name(args[0])}"
        return f"tuple[{', '.join(_type_name(a) for a in args)}]"
    if origin in (cabc.Sequence, list, cabc.Iterable, cabc.Collection):
        return f"a list of {_type_name(args[0])}" if args else "a list"
    if origin in (cabc.Mapping, dict):
        return f"a dict of {_type_name(args[0])} to {_type_name(args[1])}" if args else "a dict"
    if hint is FloatOrInfinity:
        return "float"
    if isinstance(hint, type):
        return hint.__name__
    return str(hint)


def _alternatives(hint: Any) -> list[str]:
    """The alternatives of a union or ``Literal``, flattened: ``['linear'", "'weighted'", "None"]``."""
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return [repr(a) for a in typing.get_args(hint)]
    if origin in (typing.Union, types.UnionType):
        return [part for arm in typing.get_args(hint) for part in _alternatives(arm)]
    return [_type_name(hint)]


def _describe(value: object) -> str:
    """``str '40'``, ``bool True``, ``float nan``: the type and the value, as Python shows them."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _problem(
    path: str,
    hint_type: Any,
    value: object,
    *,
    message: str | None = None,
    allowed: str | None = None,
    hint: str | None,
) -> Problem:
    expected = _type_name(hint_type)
    return Problem(
        "KNC-TYPE",
        path,
        message or f"expected {expected}, got {_describe(value)}",
        value=value,
        allowed=allowed or expected,
        hint=hint or f"give {expected}",
    )


def _number_hint(value: object, *, whole: bool) -> str | None:
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return f"{value!r} is a bool, not a number: give {kind}"
    if isinstance(value, str):
        text = value.strip()
        unit = text.endswith("s")
        try:
            number = float(text[:-1] if unit else text)
        except ValueError:
            return f"give {kind}, not a string"
        if not math.isfinite(number):
            return f"give {kind}, not a string"
        shown = int(number) if number.is_integer() else number
        if whole and not isinstance(shown, int):
            return f"give {kind}, not a string"
        where = " (seconds, without the unit)" if unit else ""
        return f"write {shown!r}{where}: a number, not the string {value!r}"
    if isinstance(value, float) and whole and math.isfinite(value):
        if value.is_integer():
            return f"write {int(value)} (an int, not a float)"
        return f"give a whole number (e.g. {math.floor(value)} or {math.ceil(value)})"
    return None


def _check_int(value: object, path: str, hint_type: Any) -> list[Problem]:
    if isinstance(value, int) and not isinstance(value, bool):
        if -INT64_MAX - 1 <= value <= INT64_MAX:
            return []
        return [
            _problem(
                path,
                hint_type,
                value,
                message=f"expected an int within the 64-bit range, got {_describe(value)}",
                allowed=f"{-INT64_MAX - 1}..{INT64_MAX}",
                hint="Kubernetes and Knative integers are 64-bit at most",
            )
        ]
    return [_problem(path, hint_type, value, hint=_number_hint(value, whole=True))]


def _check_float(value: object, path: str, hint_type: Any) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [_problem(path, hint_type, value, hint=_number_hint(value, whole=False))]
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if finite:
        return []
    return [
        _problem(
            path,
            hint_type,
            value,
            message=f"expected a finite number, got {_describe(value)}",
            allowed="a finite number",
            hint="NaN and infinities are not settings: give a finite number",
        )
    ]


def _sequence_items(value: cabc.Iterable[object], path: str, item: Any) -> list[Problem]:
    found: list[Problem] = []
    for i, element in enumerate(value):
        found.extend(check_value(element, item, f"{path}[{i}]"))
    return found


def _is_protocol(hint: Any) -> bool:
    return isinstance(hint, type) and bool(getattr(hint, "_is_protocol", False))


def _protocol_members(hint: type) -> Iterator[str]:
    for name in vars(hint):
        if not name.startswith("_"):
            yield name


def check_value(value: object, hint_type: Any, path: str) -> list[Problem]:
    """Problems of ``value`` against the type hint ``hint_type`` (empty when it fits).

    Args:
        value: The value given.
        hint_type: A resolved type hint (no strings).
        path: Where the value is (``classes``, ``classes[1]``).
    """
    if hint_type is Any or hint_type is object:
        return []
    if hint_type is None or hint_type is type(None):
        return [] if value is None else [_problem(path, None, value, hint="leave it out")]
    origin = typing.get_origin(hint_type)
    args = typing.get_args(hint_type)
    if origin in (typing.Union, types.UnionType):
        return _check_union(value, hint_type, args, path)
    if origin is typing.Literal:
        if any(type(value) is type(a) and value == a for a in args):
            return []
        close = (
            difflib.get_close_matches(str(value), [str(a) for a in args], n=1)
            if isinstance(value, str)
            else []
        )
        return [
            _problem(
                path,
                hint_type,
                value,
                hint=f"did you mean {close[0]!r}?" if close else f"choose {_type_name(hint_type)}",
            )
        ]
    if hint_type is bool:
        if isinstance(value, bool):
            return []
        return [_problem(path, hint_type, value, hint="give True or False")]
    if hint_type is int:
        return _check_int(value, path, hint_type)
    if hint_type is float:
        return _check_float(value, path, hint_type)
    if hint_type is FloatOrInfinity:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _check_float(value, path, float)
        if value == value:
            return []  # finite or infinite; not NaN
        return [
            _problem(
                path,
                float,
                value,
                message="expected a number or infinity, got float nan",
                allowed="a number, or inf for no limit",
                hint="NaN is not a setting: give a number (inf means no limit)",
            )
        ]
    if hint_type is str:
        if isinstance(value, str):
            return []
        return [_problem(path, hint_type, value, hint="give a string (in quotes)")]
    if origin is tuple:
        return _check_tuple(value, hint_type, args, path)
    if origin in (cabc.Sequence, list, cabc.Iterable, cabc.Collection):
        return _check_sequence(value, hint_type, args, path)
    if origin in (cabc.Mapping, dict):
        return _check_mapping(value, hint_type, args, path)
    if _is_protocol(hint_type):
        if all(hasattr(value, name) for name in _protocol_members(hint_type)):
            return []
        return [_problem(path, hint_type, value, hint=None)]
    if isinstance(hint_type, type):
        if isinstance(value, hint_type):
            return []
        return [_problem(path, hint_type, value, hint=_class_hint(hint_type, value))]
    return []


def _class_hint(hint_type: type, value: object) -> str | None:
    factories = [
        name
        for name, member in vars(hint_type).items()
        if isinstance(member, classmethod) and not name.startswith("_")
    ]
    if isinstance(value, dict) and dataclasses.is_dataclass(hint_type):
        return f"build it with {hint_type.__name__}(...) rather than a dict"
    if factories:
        return f"build one with {hint_type.__name__}.{factories[0]}(...)"
    return f"give a {hint_type.__name__}"


def _check_union(value: object, hint_type: Any, args: tuple[Any, ...], path: str) -> list[Problem]:
    per_arm = [check_value(value, arm, path) for arm in args]
    if any(not found for found in per_arm):
        return []
    arms = [found for found, arm in zip(per_arm, args, strict=True) if arm is not type(None)]
    if len(arms) == 1 and _right_type(arms[0], path):
        # The value has the right type but a wrong item or number: report that, not the union.
        return arms[0]
    hint = next((p.hint for found in arms for p in found if p.hint), None)
    return [_problem(path, hint_type, value, hint=hint)]


def _right_type(problems: list[Problem], path: str) -> bool:
    """Whether these problems are about the value's items or range, not its type."""
    return any(
        p.path != path or p.message.startswith(("expected a finite", "expected an int within"))
        for p in problems
    )


def _check_tuple(value: object, hint_type: Any, args: tuple[Any, ...], path: str) -> list[Problem]:
    if isinstance(value, str | bytes) or not isinstance(value, cabc.Sequence):
        fixed = not (len(args) == 2 and args[1] is Ellipsis)
        hint = f"give a tuple of {len(args)} items" if fixed else _sequence_hint(value)
        return [_problem(path, hint_type, value, hint=hint)]
    if len(args) == 2 and args[1] is Ellipsis:
        return _sequence_items(value, path, args[0])
    if len(value) != len(args):
        return [
            _problem(
                path,
                hint_type,
                value,
                message=f"expected {len(args)} items, got {len(value)}",
                hint=None,
            )
        ]
    found: list[Problem] = []
    for i, (element, item) in enumerate(zip(value, args, strict=True)):
        found.extend(check_value(element, item, f"{path}[{i}]"))
    return found


def _sequence_hint(value: object) -> str | None:
    if isinstance(value, str):
        return f"a str is a sequence of characters: write [{value!r}] for one item"
    return "give a list"


def _check_sequence(value: object, hint_type: Any, args: tuple[Any, ...], path: str) -> list[Problem]:
    iterable_ok = typing.get_origin(hint_type) is cabc.Iterable and isinstance(value, cabc.Set)
    if isinstance(value, str | bytes) or not isinstance(value, cabc.Sequence | cabc.Set):
        return [_problem(path, hint_type, value, hint=_sequence_hint(value))]
    if isinstance(value, cabc.Set) and not iterable_ok:
        return [_problem(path, hint_type, value, hint="give a list (a set has no order)")]
    return _sequence_items(value, path, args[0]) if args else []


def _check_mapping(value: object, hint_type: Any, args: tuple[Any, ...], path: str) -> list[Problem]:
    if not isinstance(value, cabc.Mapping):
        return [_problem(path, hint_type, value, hint="give a dict")]
    if not args:
        return []
    key_type, value_type = args
    found: list[Problem] = []
    for key, item in value.items():
        key_problems = check_value(key, key_type, f"{path}[{key!r}]")
        found.extend(key_problems)
        if not key_problems:
            found.extend(check_value(item, value_type, f"{path}.{key}"))
    return found


# --------------------------------------------------------------------------- calls


@functools.cache
def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    return typing.get_type_hints(func)


@functools.cache
def _signature(func: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(func)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _signature_problems(
    sig: inspect.Signature,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    prefix: str,
    skip: int,
    hints: dict[str, Any],
    hidden: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Unknown keywords (with "did you mean"), missing required arguments, extra positionals."""
    params = list(sig.parameters.values())[skip:]
    names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    has_var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    found: list[Problem] = []
    if not has_var_pos and len(args) > len(positional):
        found.append(
            Problem(
                "KNC-PROP",
                prefix,
                f"takes {len(positional)} positional arguments but {len(args)} were given",
                value=args[len(positional) :],
                allowed=", ".join(p.name for p in positional) or "keyword arguments only",
                hint="pass the others by keyword",
            )
        )
    given_positionally = {p.name for p in positional[: len(args)]}
    keyword_only = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
    public = [n for n in (keyword_only or names) if not n.startswith("_") and n not in hidden]
    suggested: set[str] = set()
    for key in kwargs:
        if key in given_positionally:
            found.append(
                Problem(
                    "KNC-PROP",
                    _join(prefix, key),
                    f"got multiple values for argument {key!r}",
                    value=kwargs[key],
                    hint="give it once",
                )
            )
        elif key not in names and not has_var_kw:
            close = difflib.get_close_matches(key, public, n=1, cutoff=0.6)
            suggested.update(close)
            found.append(
                Problem(
                    "KNC-PROP",
                    _join(prefix, key),
                    f"unexpected keyword argument {key!r}",
                    value=key,
                    allowed=", ".join(public),
                    hint=f"did you mean {close[0]!r}?" if close else "see the allowed arguments",
                )
            )
    for param in params:
        required = param.default is param.empty and param.kind not in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        )
        given = param.name in kwargs or param.name in given_positionally
        if required and not given and param.name not in suggested:
            found.append(
                Problem(
                    "KNC-PROP",
                    _join(prefix, param.name),
                    f"missing required argument {param.name!r}",
                    allowed=_type_name(hints.get(param.name, Any)),
                    hint=f"pass {param.name}=...",
                )
            )
    return found


@dataclasses.dataclass(frozen=True)
class _CallShape:
    """A signature's parameters after ``skip``, laid out for the fast path of :func:`check_arguments`."""

    params: tuple[inspect.Parameter, ...]
    positional: tuple[str, ...]
    names: frozenset[str]
    required: frozenset[str]
    var_positional: str | None
    var_keyword: str | None


@functools.cache
def _call_shape(func: Callable[..., Any], skip: int) -> _CallShape:
    params = tuple(_signature(func).parameters.values())[skip:]
    return _CallShape(
        params=params,
        positional=tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
        names=frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)),
        required=frozenset(
            p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ),
        var_positional=next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None),
        var_keyword=next((p.name for p in params if p.kind is p.VAR_KEYWORD), None),
    )


def _well_formed(shape: _CallShape, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether :func:`_signature_problems` would find nothing (the common case, decided cheaply)."""
    if len(args) > len(shape.positional) and shape.var_positional is None:
        return False
    given = shape.positional[: len(args)]
    for key in kwargs:
        if key in given or (key not in shape.names and shape.var_keyword is None):
            return False
    return all(name in kwargs or name in given for name in shape.required)


def _fitting(value: object, hint_type: Any) -> bool:
    """True only when :func:`check_value` would return no problem (a fast, conservative test)."""
    try:
        test = _fit_test(hint_type)
    except TypeError:  # an unhashable hint: no cached test
        return False
    return test is not None and test(value)


_Test = Callable[[object], bool]


@functools.cache
def _fit_test(hint_type: Any) -> _Test | None:
    """A predicate mirroring :func:`check_value`'s acceptance for ``hint_type`` (``None``: none)."""
    if hint_type is Any or hint_type is object:
        return lambda value: True
    if hint_type is None or hint_type is type(None):
        return lambda value: value is None
    origin = typing.get_origin(hint_type)
    args = typing.get_args(hint_type)
    if origin in (typing.Union, types.UnionType):
        arms = [_fit_test(arm) for arm in args]
        if any(arm is None for arm in arms):
            return None
        tests = tuple(typing.cast("list[_Test]", arms))
        if len(args) == 2 and args[1] is type(None):  # ``X | None``: the common optional argument
            first = tests[0]
            return lambda value: value is None or first(value)
        return lambda value: any(test(value) for test in tests)
    if origin is typing.Literal:
        return lambda value: any(type(value) is type(a) and value == a for a in args)
    if hint_type is bool:
        return lambda value: isinstance(value, bool)
    if hint_type is int:
        return lambda value: (
            isinstance(value, int) and not isinstance(value, bool) and -INT64_MAX - 1 <= value <= INT64_MAX
        )
    if hint_type is float:
        return _finite_number
    if hint_type is FloatOrInfinity:
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value == value
    if hint_type is str:
        return lambda value: isinstance(value, str)
    if origin is tuple or origin in (cabc.Sequence, list, cabc.Iterable, cabc.Collection):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None
        item = _fit_test(args[0]) if args else (lambda value: True)
        if item is None:
            return None
        item_test = item
        return lambda value: (
            isinstance(value, cabc.Sequence)
            and not isinstance(value, str | bytes)
            and all(item_test(element) for element in value)
        )
    if origin in (cabc.Mapping, dict):
        if not args:
            return lambda value: isinstance(value, cabc.Mapping)
        key, item = _fit_test(args[0]), _fit_test(args[1])
        if key is None or item is None:
            return None
        key_test, item_test = key, item
        return lambda value: (
            isinstance(value, cabc.Mapping) and all(key_test(k) and item_test(v) for k, v in value.items())
        )
    if _is_protocol(hint_type):
        members = tuple(_protocol_members(hint_type))
        return lambda value: all(hasattr(value, name) for name in members)
    if isinstance(hint_type, type):
        return lambda value: isinstance(value, hint_type)
    return lambda value: True


def _finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def check_arguments(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    prefix: str = "",
    skip: int = 0,
    hints: dict[str, Any] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem of one call: the signature first, then each argument's type.

    A well-formed call whose every argument fits its hint is settled by cached predicates
    (:func:`_fit_test`) without building a problem path; anything else takes the full checks,
    so the problems reported are the same either way.

    Args:
        func: The function (its signature and type hints are the contract).
        args: The positional arguments, without the first ``skip`` (``self``/``cls``).
        kwargs: The keyword arguments.
        prefix: Root of the problem paths (a construct id), or ``""``.
        skip: How many leading parameters are not the caller's (``self``, ``cls``).
        hints: The resolved type hints, if not those of ``func``.
        hidden: Parameter names not offered in "allowed".
    """
    type_hints = hints if hints is not None else _hints(func)
    shape = _call_shape(func, skip)
    if _well_formed(shape, args, kwargs):
        if _all_fit(shape, args, kwargs, type_hints):
            return []
    else:
        sig = _signature(func)
        found = _signature_problems(
            sig, args, kwargs, prefix=prefix, skip=skip, hints=type_hints, hidden=hidden
        )
        if found:
            return found
    sig = _signature(func)
    found = []
    bound = sig.bind_partial(*([None] * skip), *args, **kwargs)
    for name, value in list(bound.arguments.items())[skip:]:
        param = sig.parameters[name]
        hint_type = type_hints.get(name, Any)
        if param.kind is param.VAR_POSITIONAL:
            for i, element in enumerate(value):
                found.extend(check_value(element, hint_type, _join(prefix, f"{name}[{i}]")))
        elif param.kind is param.VAR_KEYWORD:
            for key, element in value.items():
                found.extend(check_value(element, hint_type, _join(prefix, key)))
        else:
            found.extend(check_value(value, hint_type, _join(prefix, name)))
    return found


def _all_fit(shape: _CallShape, args: tuple[Any, ...], kwargs: dict[str, Any], hints: dict[str, Any]) -> bool:
    for name, value in zip(shape.positional, args, strict=False):
        if not _fitting(value, hints.get(name, Any)):
            return False
    if len(args) > len(shape.positional):
        hint = hints.get(typing.cast("str", shape.var_positional), Any)
        if not all(_fitting(value, hint) for value in args[len(shape.positional) :]):
            return False
    for key, value in kwargs.items():
        name = key if key in shape.names else typing.cast("str", shape.var_keyword)
        if not _fitting(value, hints.get(name, Any)):
            return False
    return True


def checked(func: _F) -> _F:
    """Check a factory's or method's arguments against its type hints before it runs.

    The first parameter (``self`` or ``cls``) is skipped. Problems are raised as one
    :class:`ValidationError` whose subject is the function's qualified name
    (``Batching.fixed``).
    """

    @functools.wraps(func)
    def wrapper(first: Any, *args: Any, **kwargs: Any) -> Any:
        problems = check_arguments(func, args, kwargs, skip=1)
        if problems:
            raise ValidationError(problems, subject=func.__qualname__)
        return func(first, *args, **kwargs)

    return typing.cast("_F", wrapper)


@typing.overload
def checked_dataclass(cls: _C, /) -> _C: ...


@typing.overload
def checked_dataclass(*, infinite: tuple[str, ...]) -> Callable[[_C], _C]: ...


def checked_dataclass(cls: _C | None = None, /, *, infinite: tuple[str, ...] = ()) -> Any:
    """Make a dataclass check its constructor arguments (and so ``replace()``) against its field types.

    Args:
        cls: The dataclass (``@checked_dataclass``), or ``None`` when called with options.
        infinite: Float fields where ``inf`` is a valid setting (:class:`FloatOrInfinity`).
    """
    if cls is None:
        return functools.partial(_check_dataclass, infinite=infinite)
    return _check_dataclass(cls, infinite=infinite)


def _check_dataclass(cls: _C, *, infinite: tuple[str, ...]) -> _C:
    original = cls.__init__  # type: ignore[misc]
    hints = typing.get_type_hints(cls)
    hints.update(dict.fromkeys(infinite, FloatOrInfinity))

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        problems = check_arguments(original, args, kwargs, skip=1, hints=hints)
        if problems:
            raise ValidationError(problems, subject=cls.__name__)
        original(self, *args, **kwargs)

    cls.__init__ = __init__  # type: ignore[misc]
    return cls


def checked_construct(
    kind: str, *, root: tuple[str, ...] = ("id",), hidden: tuple[str, ...] = ()
) -> Callable[[_F], _F]:
    """Check a construct's ``__init__`` arguments against its type hints before it builds anything.

    Problem paths start at the first of ``root`` given as a ``str`` (``problem_path``, then
    ``id``), as the construct's other problems do; the error's subject is
    ``<kind> '<that root>'``.

    Args:
        kind: The construct's class name, for the error's subject.
        root: Parameter names whose value roots the problem paths, first given wins.
        hidden: Internal parameter names not offered in "allowed".
    """

    def decorate(func: _F) -> _F:
        sig = _signature(func)
        names = list(sig.parameters)

        def root_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
            for name in root:
                position = names.index(name) - 1
                value = kwargs.get(name, args[position] if 0 <= position < len(args) else None)
                if isinstance(value, str) and value:
                    return value
            return ""

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            prefix = root_of(args, kwargs)
            problems = check_arguments(func, args, kwargs, prefix=prefix, skip=1, hidden=frozenset(hidden))
            if problems:
                raise ValidationError(problems, subject=f"{kind} {prefix!r}" if prefix else kind)
            return func(self, *args, **kwargs)

        return typing.cast("_F", wrapper)

    return decorate
