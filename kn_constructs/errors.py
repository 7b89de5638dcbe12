"""The error and warning family of kn_constructs.

Every check in the library produces :class:`Problem` values. A problem names the
field (``path``), a stable ``code`` (a practice ID such as ``KN-AS-3`` from the
practice catalogue, or a Knative rule ID such as ``KNATIVE-ANNOTATION-VALUE``), the
offending ``value``, what is ``allowed``, and a ``hint`` on how to fix it. The
``message`` reads like Knative's own webhook errors (``expected 6s <= 2s <= 1h0m0s``).

Errors are collected, never raised one by one: a construct gathers every problem
it can find and raises one :class:`ValidationError` listing all of them. Risky
but legal choices become :class:`KnWarning` warnings, which users acknowledge by
code (``acknowledge=["KN-LONG-1"]`` on a construct).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

__all__ = [
    "LIBRARY_CODES",
    "KnConstructsError",
    "KnWarning",
    "Problem",
    "RenderDefectError",
    "Severity",
    "ValidationError",
    "emit_warnings",
    "raise_for_errors",
]

#: ``"error"``: refused; ``"warning"``: legal but risky; ``"info"``: an opinion (a default written
#: implicitly, a missing label). The linter reports info but never fails on it; the constructs do
#: not emit it as a :class:`KnWarning` (:func:`emit_warnings` warns ``"warning"`` problems only).
Severity = Literal["error", "warning", "info"]

#: Codes that are neither practice IDs (``KN-…``) nor Knative rules (``KNATIVE-…``): input the
#: library's own tools refuse. Code -> what it means.
LIBRARY_CODES = {
    "KNC-PROP": "a constructor, factory or construct was given a keyword argument it does not know"
    ' (with "did you mean"), or not given a required one',
    "KNC-TYPE": "an argument of the wrong Python type (a str for a number or a list, a bool for an int,"
    " a float for an int, a dict for a value object), a number that is not finite (NaN, infinities),"
    " or an int beyond 64 bits: checked at every public constructor and factory",
    "SIM-TRACE": "a simulator trace that cannot be read (CSV columns, negative times, unsorted arrivals)",
    "SIM-INPUT": "a simulator input that is not a Knative Service or a profile, or an argument out of range",
    "PLAN-INPUT": "a `kn-constructs plan` input that cannot be used (a traffic CSV row, a prices file key,"
    " a policy, a startup, a model without traffic or price), at file:line.column",
    "SIM-GOAL": "a recommendation goal that cannot be met or makes no sense (a p99 budget of 0)",
    "CONFORM-INPUT": "a `conform` option out of range (a time that is not above 0, fewer than 1 start,"
    " an empty command)",
}


@dataclass(frozen=True)
class Problem:
    """One finding of a check.

    Attributes:
        code: Stable identifier: a practice ID (``KN-AS-3``) or a Knative rule ID
            (``KNATIVE-ANNOTATION-VALUE``). Users filter and acknowledge by it.
        path: Where the problem is, dotted. For construct props it starts with the
            construct id (``llama.autoscaling.window_seconds``); for manifests it is
            Knative's field path (``spec.template.spec.timeoutSeconds``).
        message: What is wrong, worded like Knative's webhook.
        value: The offending value, as given.
        allowed: The allowed range or set, in words (``6s..1h``), or ``None``.
        hint: How to fix it, or ``None``.
        severity: ``"error"`` (refused), ``"warning"`` (legal but risky) or ``"info"`` (an
            opinion: reported by the linter, never failing a run, never a :class:`KnWarning`).
        rule: The Knative rule ID behind a practice-coded problem, when there is one.
    """

    code: str
    path: str
    message: str
    value: object = None
    allowed: str | None = None
    hint: str | None = None
    severity: Severity = "error"
    rule: str | None = None

    def with_path(self, path: str) -> Problem:
        """Return a copy of this problem at another path."""
        return replace(self, path=path)

    def under(self, prefix: str) -> Problem:
        """Return a copy whose path is nested under ``prefix``."""
        if not prefix:
            return self
        return replace(self, path=f"{prefix}.{self.path}" if self.path else prefix)

    def as_warning(self) -> Problem:
        """Return a copy of this problem with warning severity."""
        return replace(self, severity="warning")

    def __str__(self) -> str:
        text = f"[{self.code}] {self.path}: {self.message}"
        details = []
        if self.value is not None:
            details.append(f"value: {self.value!r}")
        if self.allowed is not None:
            details.append(f"allowed: {self.allowed}")
        if details:
            text += f" ({'; '.join(details)})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class KnConstructsError(Exception):
    """Base class of every exception kn_constructs raises on purpose."""


class ValidationError(KnConstructsError, ValueError):
    """Bad input: carries every problem found, not only the first.

    Attributes:
        problems: The error-level problems, sorted by path then code.
    """

    def __init__(self, problems: Iterable[Problem], *, subject: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.path, p.code, p.message))
        )
        self.subject = subject
        count = len(self.problems)
        head = f"{subject}: " if subject else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{head}{count} {noun} found"]
        lines.extend(f"  {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))

    @property
    def codes(self) -> list[str]:
        """The codes of all problems, in report order."""
        return [p.code for p in self.problems]

    def find(self, code: str, path: str | None = None) -> list[Problem]:
        """Problems with this code (and, if given, this exact path)."""
        return [p for p in self.problems if p.code == code and (path is None or p.path == path)]


class RenderDefectError(KnConstructsError, AssertionError):
    """A manifest the library rendered fails the Knative layer's own checks.

    This is a bug in kn_constructs, not in the user's input: every user-facing rule
    is checked on the props before rendering. Nothing is written when it happens.
    """

    def __init__(self, problems: Sequence[Problem], *, subject: str) -> None:
        self.problems = tuple(problems)
        lines = [
            f"{subject}: kn_constructs rendered a manifest Knative would reject (a bug; please report it)"
        ]
        lines.extend(f"  {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class KnWarning(UserWarning):
    """A legal but risky choice, with a stable code users can acknowledge.

    Attributes:
        problem: The warning-level :class:`Problem` behind this warning.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))

    @property
    def code(self) -> str:
        """The warning's stable code."""
        return self.problem.code

    @property
    def path(self) -> str:
        """Where the risky choice was made."""
        return self.problem.path


def raise_for_errors(problems: Iterable[Problem], *, subject: str | None = None) -> None:
    """Raise one :class:`ValidationError` if any problem has error severity."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(errors, subject=subject)


def emit_warnings(problems: Iterable[Problem], *, acknowledged: Iterable[str] = ()) -> list[Problem]:
    """Emit each warning-level problem as a :class:`KnWarning`, skipping acknowledged codes.

    Errors are raised elsewhere (:func:`raise_for_errors`); ``"info"`` problems are opinions and
    are not emitted as warnings.

    Returns the warnings that were emitted.
    """
    skip = frozenset(acknowledged)
    emitted = []
    level = _user_stacklevel()
    for problem in problems:
        if problem.severity != "warning" or problem.code in skip:
            continue
        warnings.warn(KnWarning(problem), stacklevel=level)
        emitted.append(problem)
    return emitted


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the user's line.

    Skips frames inside kn_constructs, the jsii runtime (constructs are created
    through jsii's metaclass) and cdk8s/constructs (constructs built while the app
    synthesizes), so the warning names the user's line.
    """
    package_dir = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        inside = filename.startswith(package_dir + os.sep) or any(
            f"{os.sep}{library}{os.sep}" in filename for library in ("jsii", "cdk8s", "constructs")
        )
        if not inside:
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
