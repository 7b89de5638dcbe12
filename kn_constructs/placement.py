"""GPU placement: which GPU classes and regions a model may run on, in order of preference.

KN-PLACE-1: a required node affinity admits every acceptable GPU class, and weighted
preferred terms rank them. KN-PLACE-2: regions are ranked the same way. The guide's
own region example is malformed Kubernetes (a ``preference`` that is a list); here
each preferred term carries its own ``matchExpressions``. KN-GPU-1: GPUs are requested
explicitly as ``nvidia.com/gpu`` limits. KN-PLACE-3: affinity needs Knative's
``kubernetes.podspec-affinity`` flag.

KN-PLACE-1 also checks the class names against the catalogue of the class label
(:mod:`kn_constructs.gpus`): a class no node carries is refused with "did you mean", and
``gpu_memory_gib`` refuses classes with too little memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kn_constructs._boundary import checked_dataclass
from kn_constructs.errors import Problem
from kn_constructs.gpus import GpuVocabulary, unknown_class_problem, vocabulary

__all__ = ["AFFINITY_FLAG", "GpuPlacement"]

#: The config-features flag Knative needs before it accepts ``affinity``.
AFFINITY_FLAG = "kubernetes.podspec-affinity"
#: Kubernetes preferred-term weights are 1..100.
_MAX_WEIGHT = 100
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@checked_dataclass
@dataclass(frozen=True)
class GpuPlacement:
    """Where a model may run.

    Attributes:
        classes: Acceptable GPU classes, best first (``["A40", "RTX_A5000"]``). Becomes a
            required node affinity ``<class_label> In [...]`` plus preferred terms
            ranking them in this order. At least one. Each must be a value of the class
            label's catalogue (``docs/gpus.md``) unless ``allow_unknown_classes``.
        regions: Acceptable regions, best first (``["LGA1", "ORD1"]``). Becomes
            preferred terms (required too when ``require_regions``). Default: none.
        count: GPUs per pod (tensor parallelism), written as the ``nvidia.com/gpu``
            limit (KN-GPU-1). Default 1; allowed 1..16.
        rank_by: ``"class"`` (default: the GPU class matters more than the region, as
            in the guide) or ``"region"``. The ranked dimension gets weights large
            enough that no preference on the other one can outvote it.
        require_regions: Also require one of ``regions`` (default ``False``: regions
            are only preferred).
        class_label: Node label holding the GPU class (default ``gpu.nvidia.com/class``).
        region_label: Node label holding the region (default ``topology.kubernetes.io/region``).
        resource_name: Extended resource name for GPUs (default ``nvidia.com/gpu``).
        gpu_memory_gib: GPU memory the model needs on each GPU, in GiB (for a model split over
            ``count`` GPUs, its share per GPU). Every class must have at least this much, by
            the catalogue's memory (KN-PLACE-1). Default ``None``: not checked. Needs classes
            the catalogue knows.
        allow_unknown_classes: Accept classes the catalogue of ``class_label`` does not list
            (a new GPU, a cluster's own labels). Default ``False``: an unknown class is an
            error with "did you mean". A ``class_label`` without a catalogue (any label
            other than ``gpu.nvidia.com/class``, ``nvidia.com/gpu.product`` and
            ``cloud.google.com/gke-accelerator``) is never checked against one; its classes
            need only be valid label values.
    """

    classes: Sequence[str]
    regions: Sequence[str] = ()
    count: int = 1
    rank_by: Literal["class", "region"] = "class"
    require_regions: bool = False
    class_label: str = "gpu.nvidia.com/class"
    region_label: str = "topology.kubernetes.io/region"
    resource_name: str = "nvidia.com/gpu"
    gpu_memory_gib: float | None = None
    allow_unknown_classes: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "regions", tuple(self.regions))

    def weights(self) -> tuple[list[int], list[int]]:
        """The preferred-term weights for classes and regions, in order.

        The minor dimension gets weights ``m, m-1, …, 1`` (m = its length); the major
        one steps down by ``m + 1`` from 100, so one rank on the major dimension always
        outweighs any preference on the minor one. Weights stay in 1..100.
        """
        major, minor = (
            (self.classes, self.regions) if self.rank_by == "class" else (self.regions, self.classes)
        )
        step = len(minor) + 1
        major_w = [_MAX_WEIGHT - i * step for i in range(len(major))]
        minor_w = [len(minor) - j for j in range(len(minor))]
        return (major_w, minor_w) if self.rank_by == "class" else (minor_w, major_w)

    def affinity(self) -> dict[str, object]:
        """The pod's ``affinity`` block (valid Kubernetes; each preferred term self-contained)."""
        required = [_in(self.class_label, list(self.classes))]
        if self.require_regions and self.regions:
            required.append(_in(self.region_label, list(self.regions)))
        class_w, region_w = self.weights()
        preferred = [
            {"weight": w, "preference": {"matchExpressions": [_in(self.class_label, [c])]}}
            for c, w in zip(self.classes, class_w, strict=True)
        ]
        preferred += [
            {"weight": w, "preference": {"matchExpressions": [_in(self.region_label, [r])]}}
            for r, w in zip(self.regions, region_w, strict=True)
        ]
        preferred.sort(key=lambda term: -int(term["weight"]))  # type: ignore[call-overload]
        node_affinity: dict[str, object] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": required}]
            }
        }
        if len(self.classes) > 1 or self.regions:
            node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
        return {"nodeAffinity": node_affinity}

    def problems(self, path: str = "gpu") -> list[Problem]:
        """Check classes, regions, count and that the weights fit in 1..100."""
        found: list[Problem] = []
        if not self.classes:
            found.append(
                Problem(
                    "KN-PLACE-1",
                    f"{path}.classes",
                    "at least one GPU class is required",
                    value=list(self.classes),
                    allowed="a non-empty list of GPU classes",
                    hint='e.g. classes=["A40", "RTX_A5000"]',
                )
            )
        for field_name, values, code in (
            ("classes", self.classes, "KN-PLACE-1"),
            ("regions", self.regions, "KN-PLACE-2"),
        ):
            seen: set[str] = set()
            for i, value in enumerate(values):
                if not value or len(value) > 63 or not _LABEL_VALUE.match(value):
                    found.append(
                        Problem(
                            code,
                            f"{path}.{field_name}[{i}]",
                            f"invalid label value {value!r}",
                            value=value,
                            allowed="a Kubernetes label value (<= 63 characters)",
                            hint=self._class_hint(value) if field_name == "classes" else None,
                        )
                    )
                elif value in seen:
                    found.append(
                        Problem(
                            code,
                            f"{path}.{field_name}[{i}]",
                            f"duplicate entry {value!r}",
                            value=value,
                            hint="list each class or region once, best first",
                        )
                    )
                seen.add(value)
        found.extend(self._class_problems(path))
        if not 1 <= self.count <= 16:
            found.append(
                Problem(
                    "KN-GPU-1",
                    f"{path}.count",
                    f"expected 1 <= {self.count} <= 16",
                    value=self.count,
                    allowed="1..16 GPUs per pod",
                )
            )
        if self.rank_by not in ("class", "region"):
            found.append(
                Problem(
                    "KN-PLACE-2",
                    f"{path}.rank_by",
                    f"invalid value: {self.rank_by}",
                    value=self.rank_by,
                    allowed="class, region",
                )
            )
        class_w, region_w = self.weights()
        if min(class_w + region_w, default=1) < 1:
            found.append(
                Problem(
                    "KN-PLACE-1",
                    path,
                    f"{len(self.classes)} classes x {len(self.regions)} regions cannot be ranked"
                    " with Kubernetes weights 1..100",
                    value={"classes": len(self.classes), "regions": len(self.regions)},
                    hint="list fewer fallbacks",
                )
            )
        return found

    def _class_problems(self, path: str) -> list[Problem]:
        """KN-PLACE-1: each valid class is one the label's catalogue knows, with memory enough."""
        found = self._memory_need_problems(path)
        need = self.gpu_memory_gib if not found else None
        vocab = vocabulary(self.class_label)
        for i, value in enumerate(self.classes):
            if not _is_label_value(value) or value in self.classes[:i]:
                continue  # reported above as an invalid label value or a duplicate
            at = f"{path}.classes[{i}]"
            known = vocab.lookup(value) if vocab is not None else None
            if known is None and vocab is not None and not self.allow_unknown_classes:
                found.append(unknown_class_problem(vocab, value, at))
            elif need is not None:
                found.extend(_memory_problems(vocab, value, known.memory_gib if known else None, need, at))
        return found

    def _class_hint(self, value: str) -> str | None:
        """The "did you mean" for a class that is not even a label value (``RTX A6000``)."""
        vocab = vocabulary(self.class_label)
        guesses = vocab.suggestions(value) if vocab is not None and not self.allow_unknown_classes else ()
        return f"did you mean {' or '.join(guesses)}?" if guesses else None

    def _memory_need_problems(self, path: str) -> list[Problem]:
        need = self.gpu_memory_gib
        if need is None or (
            isinstance(need, int | float) and not isinstance(need, bool) and math.isfinite(need) and need > 0
        ):
            return []
        return [
            Problem(
                "KN-PLACE-1",
                f"{path}.gpu_memory_gib",
                f"expected a GPU memory need > 0 GiB, got {need!r}",
                value=need,
                allowed="a finite number of GiB > 0, or None (not checked)",
            )
        ]


def _is_label_value(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 63 and _LABEL_VALUE.match(value) is not None


def _memory_problems(
    vocab: GpuVocabulary | None, value: str, memory: float | None, need: float, at: str
) -> list[Problem]:
    if memory is None:
        return [
            Problem(
                "KN-PLACE-1",
                at,
                f"cannot check gpu_memory_gib={need:g}: the memory of GPU class {value!r} is not in the"
                " catalogue",
                value=value,
                hint="list only catalogued classes (docs/gpus.md), or drop gpu_memory_gib",
            )
        ]
    if memory >= need:
        return []
    fitting = [c.name for c in vocab.classes.values() if c.memory_gib >= need] if vocab else []
    return [
        Problem(
            "KN-PLACE-1",
            at,
            f"GPU class {value} has {memory:g} GiB of GPU memory; the model needs {need:g} GiB per GPU",
            value=value,
            allowed=f"classes with >= {need:g} GiB" + (f": {', '.join(fitting)}" if fitting else ""),
            hint="drop the class, or split the model over more GPUs (count) and lower gpu_memory_gib",
        )
    ]


def _in(key: str, values: list[str]) -> dict[str, object]:
    return {"key": key, "operator": "In", "values": values}
