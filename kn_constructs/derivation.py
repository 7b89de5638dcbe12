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

#: ``target: value  [PRACTICE] rule`` with an optional ``; from k=v, k=v`` tail.
_LINE: Final = re.compile(
    r"^(?P<target>[^\s:][^:]*?): (?P<value>.*?)  \[(?P<practice>[^\]]*)\] (?P<rest>.*)$"
)
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
        match = _LINE.match(line.rstrip("\n"))
        if match is None:
            raise ValueError(f"not a derivation line (target: value  [PRACTICE] rule; from inputs): {line!r}")
        rest = match.group("rest")
        inputs: dict[str, str] = {}
        cut = rest.rfind(_FROM)
        if cut >= 0:
            parsed = _inputs(rest[cut + len(_FROM) :])
            if parsed is not None:
                inputs, rest = parsed, rest[:cut]
        return cls(match.group("target"), match.group("value"), inputs, match.group("practice"), rest)


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
