"""The runtime's error type: every problem with a code, the env var or argument, the value.

The shape follows kn_constructs' ``Problem`` (code, path, message, value, allowed, hint) so a
startup error reads the same in the pod's log as a synth error does at build time; kn_serve does
not import kn_constructs (it is installed into model server images without cdk8s or Node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConfigError", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the runtime's configuration.

    Attributes:
        code: Stable identifier: a practice ID (``KN-BATCH-3``) or ``KN-SERVE-ENV`` for a
            malformed environment variable, ``KN-SERVE-ARG`` for a bad argument.
        path: The env var (``KN_SERVE_BATCH_SIZE``) or argument (``max_batch_size``).
        message: What is wrong.
        value: The offending value, as given.
        allowed: The allowed range or set, in words, or ``None``.
        hint: How to fix it, or ``None``.
    """

    code: str
    path: str
    message: str
    value: object = None
    allowed: str | None = None
    hint: str | None = None

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


class ConfigError(ValueError):
    """Bad configuration (env or arguments): carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def codes(self) -> tuple[str, ...]:
        """The problems' codes, in order."""
        return tuple(p.code for p in self.problems)
