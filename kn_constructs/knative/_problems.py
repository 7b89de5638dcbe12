"""Private helpers that build :class:`~kn_constructs.errors.Problem` values with Knative's words.

Knative's ``apis.FieldError`` texts used here (``knative.dev/pkg/apis/field_error.go``):

- ``ErrOutOfBoundsValue``: ``expected <lo> <= <v> <= <hi>``
- ``ErrInvalidValue``: ``invalid value: <v>``
- ``ErrDisallowedFields``: ``must not set the field(s)``
- ``ErrMissingField``: ``missing field(s)``
- ``ErrMissingOneOf`` / ``ErrMultipleOneOf``: ``expected exactly one, got neither|both``
- ``ErrInvalidKeyName``: ``invalid key name "<key>"``

Knative appends ``: <path>`` to each message; here the path lives in :attr:`Problem.path`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from kn_constructs.errors import Problem, Severity
from kn_constructs.knative.rules import DEFAULT_HINTS

__all__ = [
    "DISALLOWED",
    "MISSING",
    "bounds",
    "disallowed",
    "index",
    "invalid",
    "join",
    "missing",
    "problem",
    "schema",
    "type_name",
]

DISALLOWED: Final = "must not set the field(s)"
MISSING: Final = "missing field(s)"


def join(path: str, key: str) -> str:
    """Append a field or map key to a dotted path (keys with dots/slashes are appended as-is)."""
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    """Append a list index to a path."""
    return f"{path}[{i}]"


def problem(
    code: str,
    path: str,
    message: str,
    *,
    value: object = None,
    allowed: str | None = None,
    hint: str | None = None,
    severity: Severity = "error",
) -> Problem:
    """Build a problem; without a ``hint`` the rule's default hint is used."""
    return Problem(
        code,
        path,
        message,
        value=value,
        allowed=allowed,
        hint=hint if hint is not None else DEFAULT_HINTS.get(code),
        severity=severity,
    )


def bounds(
    code: str,
    path: str,
    lo: object,
    shown: object,
    hi: object,
    *,
    value: object,
    allowed: str | None = None,
    hint: str | None = None,
) -> Problem:
    """Build ``expected <lo> <= <shown> <= <hi>`` (``ErrOutOfBoundsValue``)."""
    return problem(
        code,
        path,
        f"expected {lo} <= {shown} <= {hi}",
        value=value,
        allowed=allowed if allowed is not None else f"{lo}..{hi}",
        hint=hint,
    )


def invalid(
    code: str,
    path: str,
    shown: object,
    *,
    value: object,
    allowed: str | None = None,
    hint: str | None = None,
    severity: Severity = "error",
) -> Problem:
    """Build ``invalid value: <shown>`` (``ErrInvalidValue``)."""
    return problem(
        code,
        path,
        f"invalid value: {shown}",
        value=value,
        allowed=allowed,
        hint=hint,
        severity=severity,
    )


def disallowed(code: str, path: str, *, value: object = None, hint: str | None = None) -> Problem:
    """Build ``must not set the field(s)`` (``ErrDisallowedFields``)."""
    return problem(code, path, DISALLOWED, value=value, allowed="unset", hint=hint)


def missing(code: str, path: str, *, hint: str | None = None) -> Problem:
    """Build ``missing field(s)`` (``ErrMissingField``)."""
    return problem(code, path, MISSING, hint=hint)


def type_name(value: object) -> str:
    """Return the JSON type name of a decoded YAML value, for schema messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, Sequence):
        return "array"
    return type(value).__name__


def schema(path: str, expected: str, value: object, *, hint: str | None = None) -> Problem:
    """Report a value of the wrong JSON type (``KNATIVE-SCHEMA``)."""
    return problem(
        "KNATIVE-SCHEMA",
        path,
        f"expected {expected}, got {type_name(value)}",
        value=value,
        allowed=expected,
        hint=hint,
    )
