"""Records of derived values: what the library computed, from what, and why.

Every value a construct derives (``timeoutSeconds`` from the longest request, the
stable window from pod startup, …) is recorded as a :class:`Derivation`, so that a
reviewer (or ``kn-constructs explain``) can trace each number in the YAML back to
the inputs and the practice that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["Derivation"]

#: Between the value and the practice of a :meth:`Derivation.describe` line.
_OPEN: Final = "  ["
#: Where one ``name=value`` input starts inside the ``from`` list.
_INPUT: Final = re.compile(r"(?:^|, )(?P<name>[A-Za-z_][A-Za-z0-9_]*)=")
_FROM: Final = "; from "


@dataclass(frozen=True)
class Derivation:
    """One derived value.

    Attributes:
        target: Where the value lands in the manifest (a Knative field path or
            annotation key, e.g. ``spec.template.spec.timeoutSeconds``).
        value: The value written, as it appears in the manifest.
        inputs: The inputs it came from, by prop name.
        practice: The practice ID behind the rule (``KN-SHUT-2``).
        rule: The rule in words (``ceil(1.2 x longest_request_seconds)``).
    """

    target: str
    value: object
    inputs: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    practice: str = ""
    rule: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))

    def __hash__(self) -> int:
        return hash((self.target, repr(self.value), self.practice, self.rule))

    def describe(self) -> str:
        """One line: ``target: value  [practice] rule; from inputs`` (unset inputs left out)."""
        args = ", ".join(f"{k}={v}" for k, v in self.inputs.items() if v is not None)
        source = f"{_FROM}{args}" if args else ""
        return f"{self.target}: {self.value}  [{self.practice}] {self.rule}{source}"

    @classmethod
    def parse(cls, line: str) -> Derivation:
        """Read one :meth:`describe` line back (``kn-constructs explain`` reads manifests with it).

        ``Derivation.parse(d.describe()).describe() == d.describe()``; values and inputs come
        back as the strings ``describe`` wrote (``"12"``, ``"40s"``).

        Raises:
            ValueError: The line does not have the shape ``target: value  [PRACTICE] rule; from ...``.
        """
        parts = _split(line.rstrip("\n"))
        if parts is None:
            raise ValueError(
                f"not a derivation line (target: value  [PRACTICE] rule; from inputs): {_clip(line)!r}"
            )
        target, value, practice, rest = parts
        inputs: dict[str, str] = {}
        cut = rest.rfind(_FROM)
        if cut >= 0:
            parsed = _inputs(rest[cut + len(_FROM) :])
            if parsed is not None:
                inputs, rest = parsed, rest[:cut]
        return cls(target, value, inputs, practice, rest)


def _clip(line: str, limit: int = 200) -> str:
    return line if len(line) <= limit else f"{line[:limit]}... ({len(line):,} characters)"


def _split(line: str) -> tuple[str, str, str, str] | None:
    """``(target, value, practice, rest)`` of ``target: value  [practice] rest``, or ``None``.

    The target runs to the first ``:`` (and is followed by a space); the value is the shortest
    text followed by ``  [``, a practice without ``]``, and ``] ``. One pass over the line, without
    backtracking: each ``]`` is looked for once, so a long hostile line costs its length.
    """
    if "\n" in line or not line or line[0].isspace() or line[0] == ":":
        return None
    colon = line.find(":")
    if colon <= 0 or line[colon + 1 : colon + 2] != " ":
        return None
    start = colon + 2
    search = start
    while True:
        opening = line.find(_OPEN, search)
        if opening < 0:
            return None
        closing = line.find("]", opening + len(_OPEN))
        if closing < 0:
            return None
        if line[closing + 1 : closing + 2] == " ":
            value, practice = line[start:opening], line[opening + len(_OPEN) : closing]
            return line[:colon], value, practice, line[closing + 2 :]
        # every "  [" before this "]" closes at it too: go on after it
        search = max(opening + 1, closing - len(_OPEN) + 1)


def _inputs(text: str) -> dict[str, str] | None:
    """``name=value, name=value`` as a dict, or ``None`` if ``text`` is not such a list."""
    starts = list(_INPUT.finditer(text))
    if not starts or starts[0].start() != 0:
        return None
    inputs: dict[str, str] = {}
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        inputs[match.group("name")] = text[match.end() : end]
    return inputs
