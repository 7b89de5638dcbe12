"""The subset of Go's ``text/template`` that ``container-name-template`` needs.

Knative parses ``config-defaults`` ``container-name-template`` and ``init-container-name-template``
with ``template.New("container-template").Parse(raw)`` and then executes the result against an
empty ``metav1.ObjectMeta`` (``pkg/apis/config/defaults.go`` ``asTemplate`` and
``NewDefaultsConfigFromMap``); either error refuses the ConfigMap.

Ported exactly: text, comments, trim markers, an unclosed action, an undefined function name
(a parse error), and field chains (``{{.Name}}``, ``{{.Labels.app}}``): a field ``ObjectMeta``
does not have, or a field of a string, fails at execution with Go's message. Actions beyond
that (pipelines, ``if``/``range``, function calls) are not evaluated here: :func:`template_error`
says so instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["OBJECT_META_FIELDS", "TemplateFinding", "template_error"]

_NAME: Final = "container-template"

#: ``metav1.ObjectMeta``'s fields -> the Go type text/template names in its messages.
OBJECT_META_FIELDS: Final = {
    "Name": "string",
    "GenerateName": "string",
    "Namespace": "string",
    "SelfLink": "string",
    "UID": "types.UID",
    "ResourceVersion": "string",
    "Generation": "int64",
    "CreationTimestamp": "v1.Time",
    "DeletionTimestamp": "*v1.Time",
    "DeletionGracePeriodSeconds": "*int64",
    "Labels": "map[string]string",
    "Annotations": "map[string]string",
    "OwnerReferences": "[]v1.OwnerReference",
    "Finalizers": "[]string",
    "ManagedFields": "[]v1.ManagedFieldsEntry",
}
_STRINGS: Final = frozenset({"string", "types.UID"})
_BUILTINS: Final = frozenset(
    {
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
        "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
    }
)  # fmt: skip
_KEYWORDS: Final = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil"}
)
_FIELD_CHAIN: Final = re.compile(r"(\.[A-Za-z_][A-Za-z0-9_]*)+")
# A name not after '.' or '$' is a function (or keyword) to Go's parser.
_BARE_WORD: Final = re.compile(r"(?<![.$\w])[A-Za-z_][A-Za-z0-9_]*")
_QUOTED: Final = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'')


@dataclass(frozen=True)
class TemplateFinding:
    """Why a template fails, or why it was not evaluated.

    Attributes:
        message: Knative's error text (or, for ``"unsupported"``, what was not evaluated).
        kind: ``"parse"`` and ``"execute"`` are Knative's refusals; ``"unsupported"`` means
            this port does not evaluate the action.
    """

    message: str
    kind: Literal["parse", "execute", "unsupported"]


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return line, col


def _chain(text: str, body: str, offset: int) -> TemplateFinding | None:
    fields = body[1:].split(".")
    kind = "v1.ObjectMeta"
    for i, field in enumerate(fields):
        shown = "." + ".".join(fields[: i + 1])
        if kind == "v1.ObjectMeta":
            next_kind = OBJECT_META_FIELDS.get(field)
        elif kind == "map[string]string":
            next_kind = "string"  # a missing key yields the zero value
        elif kind in _STRINGS:
            next_kind = None
        else:
            return TemplateFinding(f"the field chain {body} is not evaluated by kn_constructs", "unsupported")
        if next_kind is None:
            line, col = _position(text, offset)
            return TemplateFinding(
                f'template: {_NAME}:{line}:{col}: executing "{_NAME}" at <{shown}>: '
                f"can't evaluate field {field} in type {kind}",
                "execute",
            )
        kind = next_kind
    return None


def template_error(text: str) -> TemplateFinding | None:
    """Parse ``text`` and execute it against an empty ``ObjectMeta`` as Knative does.

    Returns:
        ``None`` when Knative accepts it; otherwise what fails (see :class:`TemplateFinding`).
    """
    pos = 0
    pending: TemplateFinding | None = None
    executed: TemplateFinding | None = None  # Go parses the whole text before it executes
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return executed or pending
        end = text.find("}}", start + 2)
        if end < 0:
            line, _ = _position(text, start)
            return TemplateFinding(f"template: {_NAME}:{line}: unclosed action", "parse")
        body_start = start + 2
        body = text[body_start:end]
        if body.startswith("- ") or body == "-":
            body, body_start = body[2:], body_start + 2
        if body.endswith(" -"):
            body = body[:-2]
        stripped = body.strip()
        offset = body_start + (len(body) - len(body.lstrip()))
        pos = end + 2
        if stripped.startswith("/*") and stripped.endswith("*/"):
            continue
        if stripped == "":
            line, _ = _position(text, start)
            return TemplateFinding(f"template: {_NAME}:{line}: missing value for command", "parse")
        if _FIELD_CHAIN.fullmatch(stripped):
            found = _chain(text, stripped, offset)
            if found is not None and found.kind == "execute":
                executed = executed or found
            else:
                pending = pending or found
            continue
        unquoted = _QUOTED.sub('""', stripped)
        for word in _BARE_WORD.findall(unquoted):
            if word not in _BUILTINS and word not in _KEYWORDS and word not in ("true", "false"):
                line, _ = _position(text, start)
                return TemplateFinding(f'template: {_NAME}:{line}: function "{word}" not defined', "parse")
        pending = pending or TemplateFinding(
            f"the action {{{{{stripped}}}}} is not evaluated by kn_constructs", "unsupported"
        )
