"""Records of derived values: what the library computed, from what, and why.

Every value a construct derives (``timeoutSeconds`` from the longest request, the
stable window from pod startup, …) is recorded as a :class:`Derivation`, so that a
reviewer (or ``kn-constructs explain``) can trace each number in the YAML back to
the inputs and the practice that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Derivation"]


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
        source = f"; from {args}" if args else ""
        return f"{self.target}: {self.value}  [{self.practice}] {self.rule}{source}"
