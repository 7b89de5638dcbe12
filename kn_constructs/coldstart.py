"""A pod's cold start as its parts: GPU node, image pull, weight load, engine start (KN-AS-2).

A cold start is the time from the reconciler asking for a pod to the pod being ready. It is
made of phases that a team can act on one by one, and that add up:

========================  ====================================================================
``node``                  a new GPU node is provisioned, only when no node of the GPU class has
                          a free GPU (with probability ``node.probability``), taking
                          ``node.time`` (a :class:`~kn_constructs.sim.Distribution`)
``image``                 the server image is pulled: ``image_size_gib / registry bandwidth``,
                          skipped when the node has it cached (``image_cached_probability``)
``weights``               the weights are read: ``model_size_gib / the source's bandwidth``
                          (Tensorizer from object storage, plain object storage, a PVC; another
                          region caps it at the cross-region bandwidth)
``engine``                the engine starts: CUDA init, CUDA-graph capture, warm-up
                          (a :class:`~kn_constructs.sim.Distribution`)
========================  ====================================================================

Each phase is a random duration, and the phases are independent, so the total's mean is the sum
of the means and its variance the sum of the variances. A phase that happens with probability
``p`` (the node, the image pull) contributes ``p x mean`` and ``p x s^2 + p(1 - p) x mean^2``.
Transfers (image, weights) get a spread of ``transfer_spread_fraction`` of their mean.

Every default is a documented number (:data:`DEFAULTS`, with its source, most are assumptions:
measure yours); a measured :class:`~kn_constructs.StartupTime` (``measured``) overrides the
derived total while the breakdown stays for reading. :meth:`ColdStartModel.estimate` gives the
:class:`StartupEstimate`; its :meth:`~StartupEstimate.startup_time` is what
:meth:`AutoscalerProfile.from_startup <kn_constructs.AutoscalerProfile.from_startup>` takes, and
:meth:`~StartupEstimate.distribution` what the simulator takes. :func:`model_for_props` and
:func:`model_for_manifest` fill in what a ``GpuInferenceService`` or a Service manifest knows.

Pure Python: no cdk8s import. Worked examples: ``docs/coldstart.md``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from kn_constructs._boundary import checked_dataclass
from kn_constructs._format import format_number
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.profile import AutoscalerProfile, StartupTime, TrafficShape
from kn_constructs.sim.distributions import Distribution

if TYPE_CHECKING:
    from kn_constructs.inference import InferenceServiceProps

__all__ = [
    "DEFAULTS",
    "ColdStartModel",
    "NodeProvisioning",
    "PhaseEstimate",
    "StartupEstimate",
    "WeightSource",
    "model_for_manifest",
    "model_for_props",
    "region_of_manifest",
]

#: Where the weights are read from (the ``ModelSource`` kinds).
WeightSource = Literal["tensorizer", "object_storage", "pvc"]

#: Problem code of a bad cold-start input (the practice of measuring startup).
CODE: Final = "KN-AS-2"

#: Each default: (value, unit, where it comes from). "assumption" marks a number of ours.
DEFAULTS: Final[Mapping[str, tuple[float, str, str]]] = {
    "model_size_gib": (
        16.0,
        "GiB",
        "assumption: a 7-8B-parameter model in 16-bit weights (2 bytes x 8e9 = 16 GB);"
        " used only when the source does not say (ModelSource.size_gib)",
    ),
    "tensorizer_gib_per_second": (
        4.0,
        "GiB/s",
        "assumption below the figure of the tensorizer README (pypi.org/project/tensorizer):"
        " GPT-J (20 GB) at wire speed, ~5 GB/s = 4.66 GiB/s, on a 40GbE network",
    ),
    "object_storage_gib_per_second": (
        1.0,
        "GiB/s",
        "assumption: the server downloads plain files, then loads them (no streaming)",
    ),
    "pvc_gib_per_second": (
        0.5,
        "GiB/s",
        "assumption: one client of a network file system in the pods' region",
    ),
    "cross_region_gib_per_second": (
        0.125,
        "GiB/s",
        "assumption: about 1 Gbit/s for one transfer between regions; caps any source in another region",
    ),
    "image_size_gib": (
        8.0,
        "GiB",
        "assumption: an inference server image with CUDA and PyTorch (compressed layers)",
    ),
    "registry_gib_per_second": (
        0.25,
        "GiB/s",
        "assumption: pull and unpack from a registry in the region",
    ),
    "image_cached_probability": (
        0.0,
        "",
        "assumption: the image is not cached on the node (the worst case; set it from your nodes)",
    ),
    "transfer_spread_fraction": (
        0.2,
        "",
        "assumption: transfers vary by 20 % (standard deviation over mean)",
    ),
    "engine_mean_seconds": (
        30.0,
        "s",
        "assumption: CUDA init (a few seconds), CUDA-graph capture (tens of seconds in vLLM)"
        " and warm-up together",
    ),
    "engine_spread_seconds": (10.0, "s", "assumption"),
    "node_probability": (
        0.0,
        "",
        "assumption: a node of the class has a free GPU (set it per class from your cluster)",
    ),
    "node_mean_seconds": (
        300.0,
        "s",
        "assumption: a cloud autoscaler adds a GPU node, boots it and installs the GPU driver in minutes",
    ),
    "node_spread_seconds": (60.0, "s", "assumption"),
}


def _default(name: str) -> float:
    return DEFAULTS[name][0]


def _default_engine() -> Distribution:
    return Distribution.lognormal(_default("engine_mean_seconds"), _default("engine_spread_seconds"))


def _default_node_time() -> Distribution:
    return Distribution.lognormal(_default("node_mean_seconds"), _default("node_spread_seconds"))


def _check_number(
    found: list[Problem], path: str, value: float, *, low: float, high: float | None = None, strict: bool
) -> None:
    ok = math.isfinite(value) and (value > low if strict else value >= low)
    if high is not None:
        ok = ok and value <= high
    if not ok:
        sign = "<" if strict else "<="
        upper = f" <= {format_number(high)}" if high is not None else ""
        found.append(
            Problem(
                CODE,
                path,
                f"expected {format_number(low)} {sign} {value}{upper}",
                value=value,
                allowed=f"{sign.replace('<', '>')} {format_number(low)}"
                + (f" and <= {format_number(high)}" if high is not None else ""),
            )
        )


@checked_dataclass
@dataclass(frozen=True)
class NodeProvisioning:
    """How often a pod of one GPU class waits for a new node, and how long.

    Attributes:
        probability: Chance that no node of the class has a free GPU when a pod starts
            (0..1). Default 0 (:data:`DEFAULTS` ``node_probability``).
        time: How long a new node takes to be ready for the pod. Default log-normal mean
            300 s, spread 60 s (an assumption).
    """

    probability: float = _default("node_probability")
    time: Distribution = field(default_factory=_default_node_time)

    def problems(self, path: str = "node") -> list[Problem]:
        """Check the probability and the time distribution."""
        found: list[Problem] = []
        _check_number(found, f"{path}.probability", self.probability, low=0.0, high=1.0, strict=False)
        found.extend(self.time.problems(f"{path}.time", code=CODE))
        return found


@dataclass(frozen=True)
class PhaseEstimate:
    """One phase of a cold start.

    Attributes:
        name: ``node``, ``image``, ``weights`` or ``engine``.
        probability: Chance the phase happens at all (1 for weights and engine).
        mean_seconds: Its duration when it happens (mean).
        spread_seconds: Its standard deviation when it happens.
        detail: How the figure was reached (``16 GiB / 4 GiB/s (tensorizer, same region)``).
    """

    name: str
    probability: float
    mean_seconds: float
    spread_seconds: float
    detail: str

    @property
    def contribution_mean_seconds(self) -> float:
        """What the phase adds to the mean startup: ``probability x mean``."""
        return self.probability * self.mean_seconds

    @property
    def contribution_variance(self) -> float:
        """What it adds to the startup's variance: ``p s^2 + p (1 - p) mean^2``."""
        p, m, s = self.probability, self.mean_seconds, self.spread_seconds
        return p * s * s + p * (1.0 - p) * m * m


@dataclass(frozen=True)
class StartupEstimate:
    """The phases of a cold start and their total.

    Attributes:
        phases: The phases in order (node, image, weights, engine).
        measured: The measured startup that overrides the derived total, if any.
        distributions: Each phase's duration distribution (for :meth:`distribution` with samples).
    """

    phases: tuple[PhaseEstimate, ...]
    measured: StartupTime | None = None
    distributions: tuple[Distribution, ...] = ()

    @property
    def derived_mean_seconds(self) -> float:
        """Sum of the phases' mean contributions."""
        return math.fsum(p.contribution_mean_seconds for p in self.phases)

    @property
    def derived_spread_seconds(self) -> float:
        """Square root of the sum of the phases' variances (the phases are independent)."""
        return math.sqrt(math.fsum(p.contribution_variance for p in self.phases))

    @property
    def mean_seconds(self) -> float:
        """The startup's mean: the measured one, else the derived one."""
        return self.measured.mean_seconds if self.measured is not None else self.derived_mean_seconds

    @property
    def p95_seconds(self) -> float:
        """The 95th percentile as :class:`~kn_constructs.StartupTime` estimates it."""
        return self.startup_time().p95_estimate_seconds

    def startup_time(self) -> StartupTime:
        """What :meth:`AutoscalerProfile.from_startup` takes: the measured startup, else mean and spread."""
        if self.measured is not None:
            return self.measured
        return StartupTime(self.derived_mean_seconds, spread_seconds=self.derived_spread_seconds)

    def profile(self, traffic: TrafficShape = "steady") -> AutoscalerProfile:
        """:meth:`AutoscalerProfile.from_startup` on :meth:`startup_time` (windows from the p95)."""
        startup = self.startup_time()
        return AutoscalerProfile.from_startup(
            startup.mean_seconds,
            spread_seconds=startup.spread_seconds,
            p95_seconds=startup.p95_seconds,
            traffic=traffic,
        )

    def distribution(self, *, samples: int | None = None, seed: int = 0) -> Distribution:
        """A startup distribution for the simulator.

        Args:
            samples: ``None`` (default): the log-normal with the total's mean and spread (or
                the measured startup's distribution). A number: that many seeded draws of the
                sum of the phases (each optional phase drawn with its probability), resampled
                (``Distribution.empirical``): keeps the long tail a node provisioning adds.
            seed: Seed of the draws.
        """
        if self.measured is not None:
            return Distribution.from_startup(self.measured)
        if samples is None:
            return Distribution.lognormal(self.derived_mean_seconds, self.derived_spread_seconds)
        if samples < 1:
            raise_for_errors(
                [Problem(CODE, "samples", f"invalid value: {samples}", value=samples, allowed=">= 1")],
                subject="StartupEstimate.distribution",
            )
        rng = random.Random(seed)
        drawers = [d.sampler(rng, path=f"phases.{p.name}", code=CODE) for p, d in self._pairs()]
        chances = [p.probability for p, _ in self._pairs()]
        values = []
        for _ in range(samples):
            total = 0.0
            for chance, draw in zip(chances, drawers, strict=True):
                if chance >= 1.0 or rng.random() < chance:
                    total += draw()
            values.append(total)
        return Distribution.empirical(values)

    def _pairs(self) -> list[tuple[PhaseEstimate, Distribution]]:
        if len(self.distributions) == len(self.phases):
            return list(zip(self.phases, self.distributions, strict=True))
        return [(p, Distribution.lognormal(p.mean_seconds, p.spread_seconds)) for p in self.phases]

    def breakdown(self) -> list[str]:
        """One line per phase and the total, for people (``kn-constructs explain``)."""
        lines = []
        for p in self.phases:
            chance = "" if p.probability >= 1.0 else f" x {format_number(round(p.probability, 4))} chance"
            lines.append(
                f"{p.name}: {p.mean_seconds:.1f} s (spread {p.spread_seconds:.1f} s){chance}"
                f" -> {p.contribution_mean_seconds:.1f} s; {p.detail}"
            )
        lines.append(
            f"derived total: mean {self.derived_mean_seconds:.1f} s, spread"
            f" {self.derived_spread_seconds:.1f} s"
        )
        if self.measured is not None:
            lines.append(
                f"measured startup overrides it: mean {format_number(self.measured.mean_seconds)} s,"
                f" p95 {self.measured.p95_estimate_seconds:.1f} s"
            )
        return lines


@checked_dataclass
@dataclass(frozen=True)
class ColdStartModel:
    """The inputs of a cold-start estimate; every field has a documented default (:data:`DEFAULTS`).

    Attributes:
        weights: Where the weights are read from: ``tensorizer`` (default), ``object_storage``
            or ``pvc`` (``ModelSource.kind``).
        model_size_gib: Size of the weights in GiB (> 0). Default ``None``: 16 GiB, an assumption.
        weights_in_other_region: The weights are in another region than the pods (caps the
            bandwidth at ``cross_region_gib_per_second``). Default ``False``.
        weight_gib_per_second: The source's bandwidth in GiB/s (> 0), overriding the default of
            its kind (Tensorizer 4, object storage 1, PVC 0.5).
        cross_region_gib_per_second: Bandwidth between regions (> 0). Default 0.125.
        image_size_gib: The server image's size in GiB (>= 0). Default 8.
        registry_gib_per_second: Pull bandwidth from the registry (> 0). Default 0.25.
        image_cached_probability: Chance the node already has the image (0..1). Default 0.
        engine: Engine start (CUDA init, graph capture, warm-up). Default log-normal mean 30 s,
            spread 10 s.
        gpu_class: The GPU class the pod lands on (the placement's first), for ``node_provisioning``.
        node_provisioning: Per GPU class, how often and how long a new node is needed; a class
            not listed uses ``default_node``.
        default_node: Node provisioning for any other class. Default: never (probability 0).
        transfer_spread_fraction: Spread of a transfer over its mean (>= 0). Default 0.2.
        measured: A measured startup: overrides the derived total (the breakdown is still shown).
    """

    weights: WeightSource = "tensorizer"
    model_size_gib: float | None = None
    weights_in_other_region: bool = False
    weight_gib_per_second: float | None = None
    cross_region_gib_per_second: float = _default("cross_region_gib_per_second")
    image_size_gib: float = _default("image_size_gib")
    registry_gib_per_second: float = _default("registry_gib_per_second")
    image_cached_probability: float = _default("image_cached_probability")
    engine: Distribution = field(default_factory=_default_engine)
    gpu_class: str | None = None
    node_provisioning: Mapping[str, NodeProvisioning] = field(default_factory=dict)
    default_node: NodeProvisioning = field(default_factory=NodeProvisioning)
    transfer_spread_fraction: float = _default("transfer_spread_fraction")
    measured: StartupTime | None = None

    def problems(self, path: str = "coldstart") -> list[Problem]:
        """Every out-of-range input, one problem each."""
        found: list[Problem] = []
        if self.weights not in ("tensorizer", "object_storage", "pvc"):
            found.append(
                Problem(
                    CODE,
                    f"{path}.weights",
                    f"invalid value: {self.weights}",
                    value=self.weights,
                    allowed="tensorizer, object_storage, pvc",
                )
            )
        for name in ("model_size_gib", "weight_gib_per_second"):
            value = getattr(self, name)
            if value is not None:
                _check_number(found, f"{path}.{name}", value, low=0.0, strict=True)
        _check_number(
            found,
            f"{path}.cross_region_gib_per_second",
            self.cross_region_gib_per_second,
            low=0.0,
            strict=True,
        )
        _check_number(found, f"{path}.image_size_gib", self.image_size_gib, low=0.0, strict=False)
        _check_number(
            found, f"{path}.registry_gib_per_second", self.registry_gib_per_second, low=0.0, strict=True
        )
        _check_number(
            found,
            f"{path}.image_cached_probability",
            self.image_cached_probability,
            low=0.0,
            high=1.0,
            strict=False,
        )
        _check_number(
            found, f"{path}.transfer_spread_fraction", self.transfer_spread_fraction, low=0.0, strict=False
        )
        found.extend(self.engine.problems(f"{path}.engine", code=CODE))
        found.extend(self.default_node.problems(f"{path}.default_node"))
        for name, node in self.node_provisioning.items():
            found.extend(node.problems(f"{path}.node_provisioning.{name}"))
        if self.measured is not None:
            found.extend(self.measured.problems(f"{path}.measured"))
        return found

    @property
    def node(self) -> NodeProvisioning:
        """The node provisioning of ``gpu_class`` (``default_node`` when not listed)."""
        if self.gpu_class is not None and self.gpu_class in self.node_provisioning:
            return self.node_provisioning[self.gpu_class]
        return self.default_node

    def weight_bandwidth_gib_per_second(self) -> float:
        """The bandwidth the weights load at: the override, else the kind's default, capped across regions."""
        if self.weight_gib_per_second is not None:
            rate = self.weight_gib_per_second
        else:
            rate = _default(f"{self.weights}_gib_per_second")
        if self.weights_in_other_region:
            rate = min(rate, self.cross_region_gib_per_second)
        return rate

    def estimate(self) -> StartupEstimate:
        """The phases and their total.

        Raises:
            ValidationError: An input out of range (code ``KN-AS-2``), all listed together.
        """
        raise_for_errors(self.problems(), subject="ColdStartModel")
        spread = self.transfer_spread_fraction
        node = self.node
        node_detail = (
            f"no free {self.gpu_class} GPU" if self.gpu_class is not None else "no free GPU of the class"
        )
        size = self.model_size_gib if self.model_size_gib is not None else _default("model_size_gib")
        size_note = "" if self.model_size_gib is not None else " (size assumed)"
        rate = self.weight_bandwidth_gib_per_second()
        where = "another region" if self.weights_in_other_region else "same region"
        weights_seconds = size / rate
        image_seconds = self.image_size_gib / self.registry_gib_per_second
        phases = (
            PhaseEstimate(
                "node",
                node.probability,
                node.time.mean_seconds,
                node.time.spread_seconds,
                f"a new node when {node_detail}: {node.time.describe()}",
            ),
            PhaseEstimate(
                "image",
                1.0 - self.image_cached_probability,
                image_seconds,
                spread * image_seconds,
                f"{format_number(self.image_size_gib)} GiB / {format_number(self.registry_gib_per_second)}"
                " GiB/s from the registry, unless cached on the node",
            ),
            PhaseEstimate(
                "weights",
                1.0,
                weights_seconds,
                spread * weights_seconds,
                f"{format_number(size)} GiB{size_note} / {format_number(rate)} GiB/s"
                f" ({self.weights.replace('_', ' ')}, {where})",
            ),
            PhaseEstimate(
                "engine",
                1.0,
                self.engine.mean_seconds,
                self.engine.spread_seconds,
                f"CUDA init, graph capture, warm-up: {self.engine.describe()}",
            ),
        )
        distributions = (
            node.time,
            Distribution.lognormal(image_seconds, spread * image_seconds),
            Distribution.lognormal(weights_seconds, spread * weights_seconds),
            self.engine,
        )
        return StartupEstimate(phases, self.measured, distributions)


_KIND_OF_ENV: Final = {"tensorizer": "tensorizer", "object-storage": "object_storage", "pvc": "pvc"}


def _other_region(source_region: str | None, regions: Sequence[str]) -> bool:
    """Weights are in another region when both are known and the pods' preferred region differs."""
    return source_region is not None and bool(regions) and regions[0] != source_region


def model_for_props(props: InferenceServiceProps, **overrides: Any) -> ColdStartModel:
    """What a ``GpuInferenceService``'s props say about its cold start.

    The model source gives the kind, ``size_gib`` and region; the placement the GPU class
    (the first) and the pods' region (the first listed); the autoscaler profile's measured
    ``startup`` becomes ``measured``. Anything else takes the defaults, or ``overrides``
    (any :class:`ColdStartModel` field).
    """
    values: dict[str, Any] = {}
    source = props.model
    if source is not None:
        values["weights"] = source.kind
        values["model_size_gib"] = source.size_gib
        values["weights_in_other_region"] = _other_region(source.region, tuple(props.gpu.regions))
    if props.gpu.classes:
        values["gpu_class"] = props.gpu.classes[0]
    if props.autoscaling.startup is not None:
        values["measured"] = props.autoscaling.startup
    values.update(overrides)
    return ColdStartModel(**values)


def _in_values(term: object, key: str) -> list[str]:
    """The values of the ``key In [...]`` expressions of a node selector term."""
    values: list[str] = []
    expressions = term.get("matchExpressions") if isinstance(term, Mapping) else None
    for expr in expressions if isinstance(expressions, list) else []:
        if isinstance(expr, Mapping) and expr.get("key") == key and expr.get("operator") == "In":
            raw = expr.get("values")
            if isinstance(raw, list):
                values.extend(str(v) for v in raw if isinstance(v, str))
    return values


def _pod_spec(manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = manifest.get("spec") if isinstance(manifest, Mapping) else None
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    return pod if isinstance(pod, Mapping) else {}


def _node_affinity(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    affinity = pod.get("affinity")
    node = affinity.get("nodeAffinity") if isinstance(affinity, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def region_of_manifest(
    manifest: Mapping[str, Any], *, region_label: str = "topology.kubernetes.io/region"
) -> str | None:
    """The pods' region in a Service manifest: the heaviest preferred term's, else a required one's."""
    node = _node_affinity(_pod_spec(manifest))
    best: tuple[int, str] | None = None
    preferred = node.get("preferredDuringSchedulingIgnoredDuringExecution")
    for item in preferred if isinstance(preferred, list) else []:
        if not isinstance(item, Mapping):
            continue
        weight = item.get("weight")
        regions = _in_values(item.get("preference"), region_label)
        if regions and isinstance(weight, int) and (best is None or weight > best[0]):
            best = (weight, regions[0])
    if best is not None:
        return best[1]
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
    terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    for term in terms if isinstance(terms, list) else []:
        regions = _in_values(term, region_label)
        if regions:
            return regions[0]
    return None


def model_for_manifest(
    manifest: Mapping[str, Any],
    *,
    source_region: str | None = None,
    class_label: str = "gpu.nvidia.com/class",
    region_label: str = "topology.kubernetes.io/region",
    **overrides: Any,
) -> ColdStartModel:
    """What a Knative Service manifest says about its cold start.

    Read: the ``MODEL_SOURCE`` env (``tensorizer``, ``object-storage``, ``pvc``; else the
    default, Tensorizer), the GPU class (the first value of a required ``In`` term on
    ``class_label``) and the pods' region (:func:`region_of_manifest`). A manifest says
    neither the model's size nor where the weights are: give ``source_region`` (compared with
    the pods' region) and ``model_size_gib`` (in ``overrides``), else the defaults apply.
    """
    pod = _pod_spec(manifest)
    values: dict[str, Any] = {}
    containers = pod.get("containers")
    for container in containers if isinstance(containers, list) else []:
        env_list = container.get("env") if isinstance(container, Mapping) else None
        for env in env_list if isinstance(env_list, list) else []:
            if isinstance(env, Mapping) and env.get("name") == "MODEL_SOURCE":
                kind = _KIND_OF_ENV.get(str(env.get("value")))
                if kind is not None:
                    values["weights"] = kind
    required = _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
    terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    for term in terms if isinstance(terms, list) else []:
        classes = _in_values(term, class_label)
        if classes and "gpu_class" not in values:
            values["gpu_class"] = classes[0]
    region = region_of_manifest(manifest, region_label=region_label)
    values["weights_in_other_region"] = _other_region(source_region, (region,) if region else ())
    values.update(overrides)
    return ColdStartModel(**values)
