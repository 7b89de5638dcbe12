"""Per-object suppression: the ``kn-constructs.io/ignore`` annotation.

On any object the linter reads (its own ``metadata.annotations``)::

    metadata:
      annotations:
        kn-constructs.io/ignore: "KN-IMAGE-1,KN-AS-1"
        # or, one line per reason:
        kn-constructs.io/ignore: |
          KN-IMAGE-1: pinned by Flux image automation
          KN-PROBE-*: the server has no HTTP health endpoint

Each line is a comma-separated list of codes or shell patterns, optionally followed by ``:`` and
a reason (which applies to the codes of that line). The findings of those codes on that object
(and only that object) are dropped. A code no finding can have, or an empty entry, is a
``LINT-IGNORE`` error at the annotation, with "did you mean"; ``LINT-IGNORE`` itself cannot be
ignored.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from kn_constructs.errors import Problem
from kn_constructs.lint.config import unknown_code_problems

__all__ = ["IGNORE_ANNOTATION", "LINT_IGNORE", "Suppression", "apply_suppressions", "parse_ignore"]

#: The annotation that suppresses codes on one object.
IGNORE_ANNOTATION: Final = "kn-constructs.io/ignore"
#: The code of a bad ``kn-constructs.io/ignore`` annotation.
LINT_IGNORE: Final = "LINT-IGNORE"
_PATH: Final = f"metadata.annotations.{IGNORE_ANNOTATION}"


@dataclass(frozen=True)
class Suppression:
    """One code (or pattern) of the annotation and the reason given for it (``None``: none)."""

    code: str
    reason: str | None


def parse_ignore(value: str) -> tuple[list[Suppression], list[Problem]]:
    """The entries of an annotation value, and a ``LINT-IGNORE`` problem per bad entry."""
    entries: list[Suppression] = []
    problems: list[Problem] = []
    for line in value.splitlines():
        if not line.strip():
            continue
        codes, _, reason = line.partition(":")
        for code in (c.strip() for c in codes.split(",")):
            if not code:
                problems.append(_problem(f"empty code in {line.strip()!r}", value))
                continue
            entries.append(Suppression(code, reason.strip() or None))
    if not entries and not problems:
        problems.append(_problem("the annotation names no code", value))
    unknown = unknown_code_problems(e.code for e in entries if e.code != LINT_IGNORE)
    problems += [_problem(message, value) for message in unknown]
    if any(e.code == LINT_IGNORE for e in entries):
        problems.append(_problem(f"{LINT_IGNORE} cannot be ignored", value))
    return [e for e in entries if e.code != LINT_IGNORE], problems


def _problem(message: str, value: str) -> Problem:
    return Problem(
        LINT_IGNORE,
        _PATH,
        message,
        value=value,
        allowed="CODE[,CODE...][: reason], one line per reason; codes as in docs/lint.md#rules",
        hint="fix or remove the entry; until then the annotation suppresses only its known codes",
    )


def _annotation(manifest: Mapping[str, object]) -> object:
    metadata = manifest.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    annotations = metadata.get("annotations")
    return annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, Mapping) else None


def apply_suppressions(manifest: Mapping[str, object], problems: Sequence[Problem]) -> list[Problem]:
    """``problems`` of one object without the codes its annotation suppresses, plus its own problems."""
    value = _annotation(manifest)
    if value is None:
        return list(problems)
    if not isinstance(value, str):
        return [*problems, _problem(f"must be a string, not {type(value).__name__}", str(value))]
    entries, own = parse_ignore(value)
    kept = [p for p in problems if not any(fnmatch.fnmatchcase(p.code, e.code) for e in entries)]
    return kept + own
