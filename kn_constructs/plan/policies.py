"""The scaling policies the planner compares, and the annotations each one writes.

A policy sets three annotations of the revision template and leaves the rest of the Service as
synthesized (its windows, target, bounds): ``autoscaling.knative.dev/min-scale``,
``scale-to-zero-pod-retention-period`` and ``scale-down-delay`` (KN-SCALE-1). ``as-deployed``
changes nothing.

Names on the command line (``--policies``): ``as-deployed``, ``scale-to-zero``, ``min-scale-1``,
``retention=DURATION`` and ``delay=DURATION`` (Go durations as Knative reads them, ``10m``,
``300s``), checked with Knative's own bounds for the annotation
(:func:`kn_constructs.knative.annotations.check_autoscaling_annotations`, which mirrors
``ValidateAnnotations`` of ``pkg/apis/autoscaling`` at knative-v1.23.0: 0s..1h, and whole seconds
for ``scale-down-delay``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative import rules as kn
from kn_constructs.knative.annotations import check_autoscaling_annotations
from kn_constructs.knative.durations import format_go_duration, parse_go_duration
from kn_constructs.plan.inputs import PLAN_CODE

__all__ = ["AS_DEPLOYED", "DEFAULT_POLICIES", "Policy", "parse_policies"]


@dataclass(frozen=True)
class Policy:
    """One way to scale a model.

    Attributes:
        name: How reports name it (``scale-to-zero``, ``retention=10m``).
        min_scale: ``min-scale`` (0 or 1); ``None`` for ``as-deployed``.
        retention_seconds: ``scale-to-zero-pod-retention-period``, or ``None`` (not set).
        delay_seconds: ``scale-down-delay``, or ``None`` (not set).
    """

    name: str
    min_scale: int | None
    retention_seconds: float | None = None
    delay_seconds: float | None = None

    @property
    def as_deployed(self) -> bool:
        """Whether the policy keeps the Service as synthesized."""
        return self.min_scale is None

    @property
    def scales_to_zero(self) -> bool | None:
        """Whether the revision may go to zero pods (``None``: as deployed, see the manifest)."""
        return None if self.min_scale is None else self.min_scale == 0

    def annotations(self) -> dict[str, str]:
        """The annotation lines to paste into ``spec.template.metadata.annotations``."""
        if self.min_scale is None:
            return {}
        out = {kn.ANN_MIN_SCALE: str(self.min_scale)}
        if self.retention_seconds is not None:
            out[kn.ANN_SCALE_TO_ZERO_POD_RETENTION] = format_go_duration(self.retention_seconds)
        if self.delay_seconds is not None:
            out[kn.ANN_SCALE_DOWN_DELAY] = format_go_duration(self.delay_seconds)
        return out

    def apply(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of the Service with this policy's annotations (and its aliases removed)."""
        out: dict[str, Any] = copy.deepcopy(dict(manifest))
        if self.min_scale is None:
            return out
        template = out.setdefault("spec", {}).setdefault("template", {})
        meta = template.setdefault("metadata", {})
        annotations = dict(meta.get("annotations") or {})
        for key in (kn.ANN_MIN_SCALE, kn.ANN_SCALE_TO_ZERO_POD_RETENTION, kn.ANN_SCALE_DOWN_DELAY):
            annotations.pop(key, None)
            annotations.pop(kn.ANNOTATION_ALIASES.get(key, ""), None)
        annotations.update(self.annotations())
        meta["annotations"] = annotations
        return out


AS_DEPLOYED: Final = Policy("as-deployed", None)
SCALE_TO_ZERO: Final = Policy("scale-to-zero", 0)
MIN_SCALE_1: Final = Policy("min-scale-1", 1)
#: ``as-deployed, scale-to-zero, min-scale-1, retention=10m, delay=5m``.
DEFAULT_POLICIES: Final = (
    AS_DEPLOYED,
    SCALE_TO_ZERO,
    MIN_SCALE_1,
    Policy("retention=10m", 0, retention_seconds=600.0),
    Policy("delay=5m", 0, delay_seconds=300.0),
)


def _duration(kind: str, text: str, path: str, found: list[Problem]) -> float | None:
    key = kn.ANN_SCALE_TO_ZERO_POD_RETENTION if kind == "retention" else kn.ANN_SCALE_DOWN_DELAY
    problems = check_autoscaling_annotations({key: text}, path="annotations")
    if problems:
        found.extend(replace(p, code=PLAN_CODE, path=path) for p in problems)
        return None
    return parse_go_duration(text)


def parse_policies(text: str | Sequence[str]) -> tuple[Policy, ...]:
    """Policies from ``as-deployed,scale-to-zero,min-scale-1,retention=10m,delay=5m``.

    ``scale-to-zero`` and ``min-scale-1`` are always compared (the break-even is between
    them), so they are added when missing.

    Raises:
        ValidationError: Unknown names, bad durations (code ``PLAN-INPUT``, path ``--policies``).
    """
    items = [text] if isinstance(text, str) else list(text)
    names = [part.strip() for item in items for part in item.split(",") if part.strip()]
    found: list[Problem] = []
    out: list[Policy] = []
    for i, name in enumerate(names):
        path = f"--policies[{i}]"
        kind, sep, value = name.partition("=")
        if name == AS_DEPLOYED.name:
            policy: Policy | None = AS_DEPLOYED
        elif name == SCALE_TO_ZERO.name:
            policy = SCALE_TO_ZERO
        elif name == MIN_SCALE_1.name:
            policy = MIN_SCALE_1
        elif sep and kind in ("retention", "delay"):
            seconds = _duration(kind, value, path, found)
            policy = None
            if seconds is not None:
                label = f"{kind}={value}"
                policy = (
                    Policy(label, 0, retention_seconds=seconds)
                    if kind == "retention"
                    else Policy(label, 0, delay_seconds=seconds)
                )
        else:
            found.append(
                Problem(
                    PLAN_CODE,
                    path,
                    f"unknown policy {name!r}",
                    value=name,
                    allowed="as-deployed, scale-to-zero, min-scale-1, retention=DURATION, delay=DURATION",
                )
            )
            policy = None
        if policy is not None and policy.name not in {p.name for p in out}:
            out.append(policy)
    raise_for_errors(found, subject="--policies")
    for needed in (SCALE_TO_ZERO, MIN_SCALE_1):
        if needed.name not in {p.name for p in out}:
            out.append(needed)
    return tuple(out)
