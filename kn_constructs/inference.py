"""The pure core of :class:`~kn_constructs.GpuInferenceService`: props in, manifest out.

:func:`plan_inference_service` checks every prop (all problems collected), derives
the values the practices call for (each recorded as a
:class:`~kn_constructs.derivation.Derivation`), renders one plain dict for the
Knative Service, and runs the Knative layer over it. It imports neither cdk8s nor
Node, so fleets, the linter and tests use it directly; the construct only wraps
the dict in one ``ApiObject``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol

from kn_constructs._format import format_number, format_seconds
from kn_constructs.batching import Batching
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, RenderDefectError
from kn_constructs.images import image_problems, unpinned_image_reason
from kn_constructs.knative import rules as kn
from kn_constructs.knative.names import dns1035_problems, env_name_problems
from kn_constructs.knative.service import check_service
from kn_constructs.knative.settings import DEFAULT_SETTINGS, STRICT_FLAGS, ClusterSettings
from kn_constructs.placement import AFFINITY_FLAG, GpuPlacement
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile
from kn_constructs.sources import ModelSource, SecretKeyRef, is_literal_secret
from kn_constructs.traffic import GRADUAL_FIRST_STEP, Traffic

__all__ = [
    "DERIVATIONS_ANNOTATION",
    "OFFLINE_ENV",
    "RUNTIME_ENV",
    "STANDARD_LABELS",
    "ClusterConfigLike",
    "InferencePlan",
    "InferenceServiceProps",
    "plan_inference_service",
    "requested_rates",
    "required_features",
    "rollout_deadlock_problem",
    "timeout_seconds_for",
]

#: Env vars that keep Hugging Face libraries from reaching the hub at run time (KN-MODEL-4).
OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
#: What the serving runtime (``kn_serve``) reads, each with the practice behind its value: the
#: timeout and the longest request always, the batch size and wait for fixed batching only.
RUNTIME_ENV: Mapping[str, str] = MappingProxyType(
    {
        "KN_SERVE_TIMEOUT_SECONDS": "KN-SHUT-2",
        "KN_SERVE_LONGEST_REQUEST_SECONDS": "KN-SHUT-2",
        "KN_SERVE_BATCH_SIZE": "KN-BATCH-3",
        "KN_SERVE_BATCH_MAX_WAIT_SECONDS": "KN-BATCH-3",
    }
)
#: Label keys set on every object (KN-OPS-1).
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "kn-constructs.io/model",
)
#: Timeout factor over the longest request (KN-SHUT-2).
TIMEOUT_FACTOR = 1.2
#: Requests longer than this belong elsewhere (KN-LONG-1).
LONG_REQUEST_WARN_SECONDS = 120
#: initial-scale over the pods serving now, at a rollout (KN-SCALE-3).
INITIAL_SCALE_FACTOR = 1.2
#: Margin of the progress deadline over the worst-case startup (KN-START-2).
PROGRESS_DEADLINE_FACTOR = 1.5
#: The config-features flag for emptyDir volumes (enabled by default since Knative 1.8).
EMPTYDIR_FLAG = "kubernetes.podspec-volumes-emptydir"
#: Service annotation listing every derived value, its inputs and practice (one per line).
DERIVATIONS_ANNOTATION = "kn-constructs.io/derivations"
#: Where ``shared_memory`` mounts its RAM-backed volume.
SHARED_MEMORY_PATH = "/dev/shm"
#: The serving container's name.
CONTAINER_NAME = "model-server"

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_FLAG_PROP = {
    AFFINITY_FLAG: ("gpu", "KN-PLACE-3"),
    EMPTYDIR_FLAG: ("shared_memory", "KN-GPU-1"),
    "kubernetes.podspec-persistent-volume-claim": ("model", "KN-MODEL-3"),
    "kubernetes.podspec-persistent-volume-write": ("model.read_only", "KN-MODEL-3"),
}


class ClusterConfigLike(Protocol):
    """A cluster config construct (``KnativeClusterConfig``) that services report their needs to."""

    @property
    def settings(self) -> ClusterSettings:
        """The cluster's effective settings."""
        ...

    def request(
        self, requester: str, *, features: Iterable[str] = (), rates: Mapping[str, float] | None = None
    ) -> list[Problem]:
        """Record a service's needs; return conflicts."""
        ...


@dataclass(frozen=True)
class InferenceServiceProps:
    """The props of one GPU inference service. See ``GpuInferenceService`` for each one.

    ``path`` is the root of problem paths (the construct id); default: ``name``.
    """

    name: str
    image: str
    model: ModelSource | None
    gpu: GpuPlacement
    longest_request_seconds: float
    batching: Batching = field(default_factory=Batching.none)
    autoscaling: AutoscalerProfile = field(default_factory=AutoscalerProfile)
    min_scale: int | None = None
    max_scale: int | None = None
    initial_scale: int | None = None
    cold_start_budget_seconds: float | None = None
    port: int = 8080
    protocol: Literal["http1", "h2c"] = "http1"
    probes: Probes = field(default_factory=Probes)
    cpu: str = "4"
    memory: str = "32Gi"
    shared_memory: str | None = None
    env: Mapping[str, str | SecretKeyRef] = field(default_factory=dict)
    command: Sequence[str] | None = None
    args: Sequence[str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    part_of: str | None = None
    namespace: str | None = None
    cluster: ClusterSettings | None = None
    path: str | None = None
    revision_name: str | None = None
    traffic: Traffic | None = None
    current_pods: int | None = None
    spare_gpus: int | None = None
    environment: Literal["production", "dev"] = "production"
    protect_from_gc: bool = False


@dataclass(frozen=True)
class InferencePlan:
    """The outcome of planning one service.

    Attributes:
        manifest: The Knative Service as a plain dict (``None`` if there are errors).
        problems: Every error and warning found, paths rooted at the service name.
        derivations: Each derived value with its inputs and practice.
        required_features: The ``config-features`` flags the service needs.
        settings: The cluster settings the manifest was checked against.
    """

    manifest: dict[str, object] | None
    problems: tuple[Problem, ...]
    derivations: tuple[Derivation, ...]
    required_features: frozenset[str]
    settings: ClusterSettings

    @property
    def errors(self) -> list[Problem]:
        """The error-level problems."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The warning-level problems."""
        return [p for p in self.problems if p.severity == "warning"]


def plan_inference_service(props: InferenceServiceProps) -> InferencePlan:
    """Check the props, derive values, render and self-check the Knative Service.

    Never raises for bad input: errors are returned in the plan. Raises
    :class:`~kn_constructs.errors.RenderDefectError` only if a manifest rendered from
    valid props fails the Knative layer (a library bug).
    """
    return _Planner(props).plan()


class _Planner:
    def __init__(self, props: InferenceServiceProps) -> None:
        self.p = props
        self.root = props.path or props.name
        self.problems: list[Problem] = []
        self.derivations: list[Derivation] = []
        self._batching_failed = False

    # ------------------------------------------------------------------ flow

    def plan(self) -> InferencePlan:
        p = self.p
        required = self._required_features()
        settings = self._settings(required)
        self.settings = settings
        self._check_props(settings)
        errors = [x for x in self.problems if x.severity == "error"]
        if errors:
            return InferencePlan(None, tuple(self.problems), (), required, settings)
        manifest = self._render(settings)
        defects = [x for x in check_service(manifest, settings=settings) if x.severity == "error"]
        if defects:
            raise RenderDefectError(defects, subject=p.name)
        return InferencePlan(manifest, tuple(self.problems), tuple(self.derivations), required, settings)

    def _add(self, problems: Sequence[Problem], prefix: str | None = None) -> None:
        base = self.root if prefix is None else f"{self.root}.{prefix}" if prefix else self.root
        self.problems.extend(x.under(base) for x in problems)

    # ------------------------------------------------------------------ settings

    def _required_features(self) -> frozenset[str]:
        return required_features(self.p)

    def _settings(self, required: frozenset[str]) -> ClusterSettings:
        """The settings to check against: the declared cluster, else Knative's defaults.

        The linter makes the same assumption (docs/lint.md, "Which cluster"): a flag the service
        needs and the cluster leaves off is an error either way.
        """
        p = self.p
        cluster = DEFAULT_SETTINGS if p.cluster is None else p.cluster
        for flag in sorted(required):
            if not cluster.feature_enabled(flag, strict=flag in STRICT_FLAGS):
                prop, code = _FLAG_PROP.get(flag, ("", "KNATIVE-FEATURE-FLAG"))
                self.problems.append(
                    Problem(
                        code,
                        f"{self.root}.{prop}" if prop else self.root,
                        f"needs config-features flag {flag}, which "
                        + (
                            f"the cluster config leaves {cluster.feature(flag)}"
                            if p.cluster is not None
                            else f"Knative leaves {cluster.feature(flag)} by default (no cluster declared)"
                        ),
                        value=cluster.feature(flag),
                        allowed="enabled",
                        hint=f'enable it: KnativeClusterConfig(features={{"{flag}": "enabled"}})'
                        if p.cluster is not None
                        else 'declare the cluster: cluster=KnativeClusterConfig(chart, "knative") writes'
                        f" config-features with {flag} enabled; or a ClusterSettings that enables it",
                        rule="KNATIVE-FEATURE-FLAG",
                    )
                )
        return cluster

    # ------------------------------------------------------------------ checks

    def _check_props(self, settings: ClusterSettings) -> None:
        p = self.p
        self._add(dns1035_problems(p.name, path="name"))
        self._check_image()
        if p.model is None:
            self._add(
                [
                    Problem(
                        "KN-MODEL-1",
                        "model",
                        "a model source is required: weights never live in the image",
                        allowed="ModelSource.tensorizer(...), .object_storage(...) or .pvc(...)",
                        hint="put the weights on object storage: model=ModelSource.tensorizer(uri, ...)",
                    )
                ]
            )
        else:
            self._add(p.model.problems("model"))
            self._check_region()
        self._add(p.gpu.problems("gpu"))
        batching = p.batching.problems("batching")
        # A wrong batching input is reported once, at its field: the hard limit and target
        # derived from it are not judged again (one problem per mistake).
        self._batching_failed = any(x.severity == "error" for x in batching)
        self._add(batching)
        self._add(p.probes.problems("probes"))
        self._check_timeout(settings)
        self._check_rates(settings)
        self._check_scale_and_profile(settings)
        self._check_rollout(settings)
        self._check_concurrency(settings)
        self._check_container(settings)

    def _check_image(self) -> None:
        self._add(_image_verdict(self.p.image))

    def _check_region(self) -> None:
        model, gpu = self.p.model, self.p.gpu
        assert model is not None
        if model.region and gpu.regions and model.region not in gpu.regions:
            self._add(
                [
                    Problem(
                        "KN-MODEL-3",
                        "model.region",
                        f"the weights live in {model.region}, which is not among the placement regions"
                        f" {list(gpu.regions)}: every cold start loads them across regions",
                        value=model.region,
                        allowed=", ".join(gpu.regions),
                        hint="add the region to gpu.regions (first), or move the weights",
                        severity="warning",
                    )
                ]
            )

    def _check_rates(self, settings: ClusterSettings) -> None:
        """Scale rates are cluster-wide (KN-AS-6): a wish must match the cluster's value."""
        for name, value in requested_rates(self.p.autoscaling).items():
            if not value > 1.0:
                continue  # reported by the profile
            key = name.replace("_", "-")
            current = getattr(settings, name)
            if self.p.cluster is None:
                problem = Problem(
                    "KN-AS-6",
                    f"autoscaling.{name}",
                    f"{key} is cluster-wide: this service cannot set it, and no cluster config"
                    " was declared to carry it",
                    value=value,
                    hint="build the service against a KnativeClusterConfig (or a ModelFleet with one),"
                    " which writes it to config-autoscaler",
                    severity="warning",
                )
            elif current != value:
                problem = Problem(
                    "KN-AS-6",
                    f"autoscaling.{name}",
                    f"{key} is cluster-wide and the cluster's value is {format_number(current)};"
                    f" this service asks for {format_number(value)}",
                    value=value,
                    allowed=format_number(current),
                    hint="drop the per-service wish or change the cluster config",
                )
            else:
                continue
            self._add([problem])

    def _timeout_seconds(self) -> int:
        return timeout_seconds_for(self.p.longest_request_seconds)

    def _check_timeout(self, settings: ClusterSettings) -> None:
        p = self.p
        longest = p.longest_request_seconds
        if not longest > 0:
            self._add(
                [
                    Problem(
                        "KN-SHUT-2",
                        "longest_request_seconds",
                        f"expected 0 < {format_number(longest)}",
                        value=longest,
                        allowed="> 0 seconds",
                        hint="the longest request you expect to serve",
                    )
                ]
            )
            return
        timeout = self._timeout_seconds()
        limit = settings.max_revision_timeout_seconds
        if timeout > limit:
            self._add(
                [
                    Problem(
                        "KN-SHUT-2",
                        "longest_request_seconds",
                        f"expected 0 <= {timeout} <= {limit}: timeoutSeconds = ceil(1.2 x"
                        f" {format_number(longest)}) exceeds max-revision-timeout-seconds",
                        value=longest,
                        allowed=f"<= {format_number(limit / TIMEOUT_FACTOR)} seconds",
                        hint="requests this long don't belong on Knative (KN-LONG-1): use a queue or"
                        " batch job, or raise max-revision-timeout-seconds in config-defaults",
                        rule="KNATIVE-TIMEOUT",
                    )
                ]
            )
        elif longest > LONG_REQUEST_WARN_SECONDS:
            self._add(
                [
                    Problem(
                        "KN-LONG-1",
                        "longest_request_seconds",
                        f"requests of {format_number(longest)}s are long for Knative (over 2 minutes)",
                        value=longest,
                        allowed=f"<= {LONG_REQUEST_WARN_SECONDS} seconds recommended",
                        hint="consider a queue or batch job for long work",
                        severity="warning",
                    )
                ]
            )
        wait = p.batching.max_wait_seconds
        if wait > 0 and wait + longest > timeout:
            self._add(
                [
                    Problem(
                        "KN-BATCH-3",
                        "batching.max_wait_seconds",
                        f"batch wait {format_number(wait)}s + longest request {format_number(longest)}s"
                        f" exceeds timeoutSeconds {timeout}",
                        value=wait,
                        allowed=f"<= {format_number(timeout - longest)} seconds",
                        hint="shorten the batch wait so a waiting request still finishes in time",
                    )
                ]
            )

    def _scale_values(self) -> tuple[int, int | None, int | None]:
        p, prof = self.p, self.p.autoscaling
        min_scale = _first(p.min_scale, prof.min_scale) or 0
        max_scale = _first(p.max_scale, prof.max_scale)
        initial = _first(p.initial_scale, prof.initial_scale)
        if initial is None:
            initial = self._derived_initial_scale(max_scale)
        return min_scale, max_scale, initial

    def _gradual(self) -> bool:
        traffic = self.p.traffic
        return traffic is not None and bool(traffic.rollout_duration_seconds)

    def _derived_initial_scale(self, max_scale: int | None) -> int | None:
        """initial-scale for a rollout (KN-SCALE-3, KN-ROLL-4), or ``None`` to leave Knative's default.

        Production: ``ceil(1.2 x current_pods)``, so the new revision can take today's
        traffic the moment it turns ready; with a gradual rollout it only takes 1 % at
        first, so ``ceil(1.2 x current_pods x 1 %)``. 0 only where the cluster allows a
        zero initial scale. Dev: 1 (cut over at once, keep nothing). Not capped at
        max-scale: a larger value is reported instead (see ``_check_rollout``).
        """
        p = self.p
        if p.environment == "dev":
            return 1
        if p.current_pods is None or p.current_pods < 0:
            return None
        share = GRADUAL_FIRST_STEP if self._gradual() else 1.0
        wanted = math.ceil(INITIAL_SCALE_FACTOR * p.current_pods * share - 1e-9)
        if wanted == 0 and not self.settings.allow_zero_initial_scale:
            wanted = 1
        return wanted

    def _scale_annotations(self) -> dict[str, str]:
        min_scale, max_scale, initial = self._scale_values()
        ann = {kn.ANN_MIN_SCALE: str(min_scale)}
        if max_scale is not None:
            ann[kn.ANN_MAX_SCALE] = str(max_scale)
        if initial is not None:
            ann[kn.ANN_INITIAL_SCALE] = str(initial)
        return ann

    def _check_scale_and_profile(self, settings: ClusterSettings) -> None:
        p = self.p
        min_scale, max_scale, initial = self._scale_values()
        paths = {
            key: f"{self.root}.{prop}"
            for key, prop, given in (
                (kn.ANN_MIN_SCALE, "min_scale", p.min_scale),
                (kn.ANN_MAX_SCALE, "max_scale", p.max_scale),
                (kn.ANN_INITIAL_SCALE, "initial_scale", p.initial_scale),
            )
            if given is not None
        }
        target = p.autoscaling.target if p.autoscaling.target is not None else p.batching.target
        if p.autoscaling.target is None:
            paths[kn.ANN_TARGET] = f"{self.root}.batching.target"
        extra = self._scale_annotations()
        extra[kn.ANN_TARGET] = format_number(target)
        derived_target = paths.get(kn.ANN_TARGET) if self._batching_failed else None
        self.problems.extend(
            x
            for x in p.autoscaling.problems(
                f"{self.root}.autoscaling",
                settings=settings,
                annotation_paths=paths,
                extra_annotations=extra,
                extra_values={
                    kn.ANN_MIN_SCALE: min_scale,
                    kn.ANN_MAX_SCALE: max_scale,
                    kn.ANN_INITIAL_SCALE: initial,
                    kn.ANN_TARGET: target,
                },
            )
            if x.path != derived_target
        )
        cc = p.batching.container_concurrency
        if p.autoscaling.target is not None and target > cc >= 1:
            self._add(
                [
                    Problem(
                        "KN-CONC-2",
                        "autoscaling.target",
                        f"target {format_number(target)} is above containerConcurrency {cc}: Knative"
                        f" scales on min(target, containerConcurrency) = {cc}",
                        value=target,
                        allowed=f"<= {cc}",
                        hint="leave target unset to derive it from batching",
                        severity="warning",
                    )
                ]
            )
        if max_scale == 0:
            self._add(
                [
                    Problem(
                        "KN-SCALE-2",
                        "max_scale" if p.max_scale is not None else "autoscaling.max_scale",
                        "max-scale 0 means unlimited in Knative: nothing caps GPU spend",
                        value=0,
                        allowed=f"1..{settings.max_scale_limit or 2147483647}",
                        hint="set the most pods your GPU quota can hold",
                    )
                ]
            )
        if max_scale is None:
            self._add(
                [
                    Problem(
                        "KN-SCALE-2",
                        "max_scale",
                        "max_scale is required: it caps GPU spend",
                        allowed=f"1..{settings.max_scale_limit or 2147483647}",
                        hint="what your GPU quota can hold (a ModelFleet derives it from its budget)",
                    )
                ]
            )
        startup = p.autoscaling.startup
        budget = p.cold_start_budget_seconds
        if min_scale == 0 and budget is not None and startup is not None and startup.mean_seconds > budget:
            self._add(
                [
                    Problem(
                        "KN-SCALE-1",
                        "min_scale",
                        f"scale to zero with a {format_number(startup.mean_seconds)}s startup misses the"
                        f" cold-start budget of {format_number(budget)}s",
                        value=0,
                        allowed="1 (always one warm pod)",
                        severity="warning",
                        hint="set min_scale=1 for a rarely used model that must answer fast",
                    )
                ]
            )
        elif (
            min_scale == 0
            and startup is not None
            and p.longest_request_seconds > 0
            and startup.p95_estimate_seconds >= self._timeout_seconds()
        ):
            timeout = self._timeout_seconds()
            self._add(
                [
                    Problem(
                        "KN-SCALE-1",
                        "min_scale",
                        f"scale to zero with a {format_number(startup.p95_estimate_seconds)}s startup and"
                        f" timeoutSeconds {timeout}: the activator counts the wait for a pod against"
                        " timeoutSeconds, so a request that wakes the model times out",
                        value=0,
                        allowed=f"1 (one warm pod), or a startup under {timeout}s",
                        hint="keep one warm pod (min_scale=1), or have clients retry the first request"
                        " after a cold start",
                        severity="warning",
                    )
                ]
            )
        if startup is None:
            self._add(
                [
                    Problem(
                        "KN-AS-2",
                        "autoscaling",
                        "no pod startup measurement: the windows are Knative's generic defaults",
                        hint="measure pod startup and use AutoscalerProfile.from_startup(mean_seconds=...)",
                        severity="warning",
                    )
                ]
            )

    def _check_rollout(self, settings: ClusterSettings) -> None:
        """Revision name, traffic, environment and the rollout capacity guard (KN-ROLL-*)."""
        p = self.p
        if p.revision_name is not None:
            self._add(dns1035_problems(p.revision_name, path="revision_name"))
            if not p.revision_name.startswith(f"{p.name}-"):
                self._add(
                    [
                        Problem(
                            "KNATIVE-NAME",
                            "revision_name",
                            f'invalid value: "{p.revision_name}" must have prefix "{p.name}-"',
                            value=p.revision_name,
                            allowed=f"{p.name}-<suffix>",
                            hint=f"name revisions {p.name}-v2, {p.name}-v3, ...",
                        )
                    ]
                )
        if p.traffic is not None:
            self._add(p.traffic.problems("traffic", service_name=p.name))
            if p.environment == "dev" and p.traffic.rollout_duration_seconds:
                self._add(
                    [
                        Problem(
                            "KN-ROLL-4",
                            "traffic.rollout_duration_seconds",
                            "a dev environment cuts over at once: no gradual rollout",
                            value=p.traffic.rollout_duration_seconds,
                            hint='use Traffic.latest() in dev, or environment="production"',
                        )
                    ]
                )
        if p.current_pods is not None and p.current_pods < 0:
            self._add(
                [
                    Problem(
                        "KN-SCALE-3",
                        "current_pods",
                        f"expected 0 <= {p.current_pods}",
                        value=p.current_pods,
                        allowed=">= 0",
                    )
                ]
            )
        min_scale, max_scale, initial = self._scale_values()
        if initial is not None and max_scale and initial > max_scale:
            self._add(
                [
                    Problem(
                        "KN-SCALE-3",
                        "initial_scale" if p.initial_scale is not None else "current_pods",
                        f"initial-scale {initial} is above max-scale {max_scale}: until the revision"
                        f" first reaches {initial} pods Knative raises its floor to initial-scale, and"
                        f" the bounds step returns that floor even above max-scale, so it starts"
                        f" {initial} pods, past the cap of {max_scale}, before it comes back under it",
                        value=initial,
                        allowed=f"<= {max_scale} (max-scale)",
                        hint="raise max_scale to hold the traffic you have, or roll out gradually"
                        " (Traffic.gradual(...))",
                    )
                ]
            )
        if p.spare_gpus is None:
            return
        if p.spare_gpus < 0:
            self._add(
                [Problem("KN-ROLL-3", "spare_gpus", f"expected 0 <= {p.spare_gpus}", value=p.spare_gpus)]
            )
            return
        ready_pods = max(min_scale, initial if initial is not None else settings.initial_scale)
        needed = ready_pods * p.gpu.count
        if needed > p.spare_gpus:
            self._add(
                [
                    rollout_deadlock_problem(
                        "spare_gpus",
                        ready_pods=ready_pods,
                        gpus_per_pod=p.gpu.count,
                        spare_gpus=p.spare_gpus,
                        current_pods=p.current_pods,
                    )
                ]
            )

    def _check_concurrency(self, settings: ClusterSettings) -> None:
        if self._batching_failed:
            return
        cc = self.p.batching.container_concurrency
        limit = settings.container_concurrency_max_limit
        # ValidateContainerConcurrency: 0 is Knative's "unlimited", allowed while
        # allow-container-concurrency-zero is true; only then is KN-CONC-1 the guide's rule alone.
        knative_low = 0 if settings.allow_container_concurrency_zero else 1
        knative_refuses = not knative_low <= cc <= limit
        if not 1 <= cc <= limit:
            self._add(
                [
                    Problem(
                        "KN-CONC-1",
                        "batching.container_concurrency",
                        f"expected 1 <= {cc} <= {limit}",
                        value=cc,
                        allowed=f"1..{limit} (container-concurrency-max-limit)",
                        hint="containerConcurrency is the hard per-pod limit; 1 when unsure",
                        rule="KNATIVE-CONTAINER-CONCURRENCY" if knative_refuses else None,
                    )
                ]
            )

    def _check_container(self, settings: ClusterSettings) -> None:
        p = self.p
        if p.protocol not in ("http1", "h2c"):
            self._add(
                [
                    Problem(
                        "KNATIVE-CONTAINERS",
                        "protocol",
                        f"Port name {p.protocol} is not allowed",
                        value=p.protocol,
                        allowed="http1, h2c",
                        hint="http1 for HTTP/1.1 servers, h2c for gRPC",
                    )
                ]
            )
        if not 1 <= p.port <= 65535 or p.port in kn.RESERVED_PORTS:
            self._add(
                [
                    Problem(
                        "KNATIVE-RESERVED",
                        "port",
                        f"{p.port} is a reserved port"
                        if p.port in kn.RESERVED_PORTS
                        else f"expected 1 <= {p.port} <= 65535",
                        value=p.port,
                        allowed="1..65535 except " + ", ".join(map(str, sorted(kn.RESERVED_PORTS))),
                        hint="8080 is the usual choice",
                    )
                ]
            )
        for name in ("cpu", "memory"):
            value = getattr(p, name)
            if not _QUANTITY.match(str(value)):
                self._add(
                    [
                        Problem(
                            "KN-GPU-1",
                            name,
                            f"invalid quantity {value!r}",
                            value=value,
                            allowed="a Kubernetes quantity such as 4, 500m, 32Gi",
                        )
                    ]
                )
        if (
            p.shared_memory is not None
            and p.model is not None
            and p.model.kind == "pvc"
            and p.model.clean_mount_path == SHARED_MEMORY_PATH
        ):
            self._add(
                [
                    Problem(
                        "KNATIVE-VOLUME",
                        "model.mount_path",
                        f'invalid value: "{p.model.mount_path}" must be unique: shared_memory mounts'
                        f" {SHARED_MEMORY_PATH}",
                        value=p.model.mount_path,
                        allowed=f"a path other than {SHARED_MEMORY_PATH} (shared_memory is set)",
                        hint="mount the weights somewhere like /models",
                    )
                ]
            )
        if p.shared_memory is not None and not _QUANTITY.match(p.shared_memory):
            self._add(
                [
                    Problem(
                        "KN-GPU-1",
                        "shared_memory",
                        f"invalid quantity {p.shared_memory!r}",
                        value=p.shared_memory,
                        allowed="a Kubernetes quantity such as 8Gi",
                    )
                ]
            )
        own = set(OFFLINE_ENV) | set(RUNTIME_ENV) | {e["name"] for e in (p.model.env() if p.model else [])}
        for name, value in p.env.items():
            path = f"env.{name}"
            if name in kn.RESERVED_ENV_VARS:
                self._add(
                    [
                        Problem(
                            "KNATIVE-RESERVED",
                            path,
                            f'"{name}" is a reserved environment variable',
                            value=name,
                            hint="Knative sets it itself",
                        )
                    ]
                )
            elif env_name_problems(path, name):
                self._add(env_name_problems(path, name))
            elif name in own:
                code = "KN-MODEL-4" if name in OFFLINE_ENV else RUNTIME_ENV.get(name, "KN-MODEL-2")
                self._add(
                    [
                        Problem(
                            code,
                            path,
                            f"{name} is set by the library",
                            value=name,
                            hint="the model source, the offline settings and the runtime settings"
                            " (KN_SERVE_*) own this variable",
                        )
                    ]
                )
            if isinstance(value, SecretKeyRef):
                self._add(value.problems(path))
            elif is_literal_secret(name, str(value)):
                self._add(
                    [
                        Problem(
                            "KN-MODEL-2",
                            path,
                            "literal secret in env: credentials must come from a Secret",
                            value="<redacted>",
                            allowed="SecretKeyRef(name, key)",
                            hint=f'use env={{"{name}": SecretKeyRef("my-secret", "key")}}',
                        )
                    ]
                )

    # ------------------------------------------------------------------ rendering

    def _labels(self) -> dict[str, str]:
        p = self.p
        labels = dict(p.labels)
        labels.update(
            {
                "app.kubernetes.io/name": p.name,
                "app.kubernetes.io/component": "model-server",
                "app.kubernetes.io/part-of": p.part_of or p.name,
                "app.kubernetes.io/managed-by": "kn-constructs",
                "kn-constructs.io/model": p.name,
            }
        )
        return labels

    def _derive(
        self, target: str, value: object, inputs: Mapping[str, object], practice: str, rule: str
    ) -> None:
        self.derivations.append(Derivation(target, value, inputs, practice, rule))

    def _progress_deadline_seconds(self, settings: ClusterSettings) -> int:
        startup = self.p.autoscaling.startup
        floor = settings.progress_deadline_seconds
        if startup is None:
            return floor
        return max(floor, math.ceil(PROGRESS_DEADLINE_FACTOR * startup.worst_case_seconds))

    def _render(self, settings: ClusterSettings) -> dict[str, object]:
        p = self.p
        model = p.model
        assert model is not None
        spec_path = "spec.template.spec"
        timeout = self._timeout_seconds()
        self._derive(
            f"{spec_path}.timeoutSeconds",
            timeout,
            {"longest_request_seconds": p.longest_request_seconds},
            "KN-SHUT-2",
            "ceil(1.2 x longest_request_seconds)",
        )
        batching = p.batching
        self._derive(
            f"{spec_path}.containerConcurrency",
            batching.container_concurrency,
            {
                "mode": batching.mode,
                "batch_size": batching.batch_size,
                "max_sequences": batching.max_sequences,
            },
            {"none": "KN-CONC-1", "fixed": "KN-BATCH-1", "in_flight": "KN-BATCH-2"}[batching.mode],
            {
                "none": "1 when concurrency is unknown",
                "fixed": "batch_size (allowed up to 2 x)",
                "in_flight": "max_sequences",
            }[batching.mode],
        )
        annotations = p.autoscaling.annotations(target=batching.target)
        if p.autoscaling.target is None:
            self._derive(
                kn.ANN_TARGET,
                annotations[kn.ANN_TARGET],
                {"mode": batching.mode, "container_concurrency": batching.container_concurrency},
                "KN-CONC-2" if batching.mode != "in_flight" else "KN-BATCH-2",
                {
                    "none": "target = containerConcurrency",
                    "fixed": "target = batch_size",
                    "in_flight": "floor(0.8 x max_sequences) unless given",
                }[batching.mode],
            )
        self.derivations.extend(p.autoscaling.derivations())
        annotations.update(self._scale_annotations())
        if (
            p.initial_scale is None
            and p.autoscaling.initial_scale is None
            and kn.ANN_INITIAL_SCALE in annotations
        ):
            self._derive(
                kn.ANN_INITIAL_SCALE,
                annotations[kn.ANN_INITIAL_SCALE],
                {"current_pods": p.current_pods, "environment": p.environment, "gradual": self._gradual()},
                "KN-ROLL-4" if p.environment == "dev" else "KN-SCALE-3",
                "dev: 1"
                if p.environment == "dev"
                else "ceil(1.2 x current_pods x (1 % if gradual else 100 %))",
            )
        if p.protect_from_gc:
            annotations[kn.ANN_NO_GC] = "true"
        deadline = self._progress_deadline_seconds(settings)
        annotations[kn.ANN_PROGRESS_DEADLINE] = format_seconds(deadline)
        startup = p.autoscaling.startup
        self._derive(
            kn.ANN_PROGRESS_DEADLINE,
            annotations[kn.ANN_PROGRESS_DEADLINE],
            {
                "worst_case_startup_seconds": startup.worst_case_seconds if startup else None,
                "cluster_progress_deadline_seconds": settings.progress_deadline_seconds,
            },
            "KN-START-2",
            "max(cluster default, ceil(1.5 x worst-case startup))",
        )

        labels = self._labels()
        env: list[dict[str, object]] = [{"name": name, "value": "1"} for name in OFFLINE_ENV]
        env += model.env()
        env += _runtime_env(timeout, p.longest_request_seconds, batching)
        for name, value in p.env.items():
            if isinstance(value, SecretKeyRef):
                env.append({"name": name, "valueFrom": value.to_env_source()})
            else:
                env.append({"name": name, "value": str(value)})
        resources = {
            "requests": {"cpu": p.cpu, "memory": p.memory},
            "limits": {"memory": p.memory, p.gpu.resource_name: p.gpu.count},
        }
        container: dict[str, object] = {
            "name": CONTAINER_NAME,
            "image": p.image,
            "ports": [{"containerPort": p.port, "name": p.protocol}],
            "env": env,
            "resources": resources,
        }
        if p.command:
            container["command"] = list(p.command)
        if p.args:
            container["args"] = list(p.args)
        container.update(p.probes.render(port=p.port, startup_budget_seconds=deadline))
        self._derive(
            f"{spec_path}.containers[0].startupProbe.failureThreshold",
            container["startupProbe"]["failureThreshold"],  # type: ignore[index]
            {
                "progress_deadline_seconds": deadline,
                "startup_period_seconds": p.probes.startup_period_seconds,
            },
            "KN-PROBE-2",
            "ceil(progress deadline / period): liveness waits for the load",
        )
        mounts = model.volume_mounts()
        volumes = model.volumes()
        if p.shared_memory is not None:
            mounts.append({"name": "dshm", "mountPath": SHARED_MEMORY_PATH})
            volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": p.shared_memory}})
        if mounts:
            container["volumeMounts"] = mounts
        pod_spec: dict[str, object] = {
            "containerConcurrency": batching.container_concurrency,
            "timeoutSeconds": timeout,
            "containers": [container],
            "affinity": p.gpu.affinity(),
        }
        if volumes:
            pod_spec["volumes"] = volumes
        service_annotations = dict(p.traffic.service_annotations()) if p.traffic is not None else {}
        # Service metadata, not the template: a change here never rolls a new revision.
        service_annotations[DERIVATIONS_ANNOTATION] = "\n".join(d.describe() for d in self.derivations) + "\n"
        metadata: dict[str, object] = {"name": p.name, "labels": labels, "annotations": service_annotations}
        if p.namespace:
            metadata["namespace"] = p.namespace
        template_metadata: dict[str, object] = {"labels": dict(labels), "annotations": annotations}
        if p.revision_name is not None:
            template_metadata = {"name": p.revision_name, **template_metadata}
        return {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": metadata,
            "spec": {
                "template": {"metadata": template_metadata, "spec": pod_spec},
                **({"traffic": p.traffic.to_manifest()} if p.traffic is not None else {}),
            },
        }


def rollout_deadlock_problem(
    path: str, *, ready_pods: int, gpus_per_pod: int, spare_gpus: int, current_pods: int | None
) -> Problem:
    """KN-ROLL-3: the new revision cannot become ready on the spare GPUs."""
    needed = ready_pods * gpus_per_pod
    running = f" while {current_pods} pods of the old revision hold their GPUs" if current_pods else ""
    return Problem(
        "KN-ROLL-3",
        path,
        f"rollout deadlock: the new revision needs {ready_pods} ready pods x {gpus_per_pod} GPU"
        f" = {needed} GPUs before it takes traffic, but only {spare_gpus} are spare{running}",
        value=spare_gpus,
        allowed=f">= {needed} spare GPUs",
        hint="lower initial_scale (the revision is ready at max(min-scale, initial-scale) pods),"
        " roll out gradually (Traffic.gradual(...): it starts at 1 %), or retire the old revision"
        " first",
    )


def _runtime_env(timeout: int, longest_request_seconds: float, batching: Batching) -> list[dict[str, object]]:
    """The ``KN_SERVE_*`` variables the runtime reads (:data:`RUNTIME_ENV`), as env entries."""
    values = {
        "KN_SERVE_TIMEOUT_SECONDS": str(timeout),
        "KN_SERVE_LONGEST_REQUEST_SECONDS": format_number(longest_request_seconds),
    }
    if batching.mode == "fixed" and batching.batch_size is not None:
        values["KN_SERVE_BATCH_SIZE"] = str(batching.batch_size)
        values["KN_SERVE_BATCH_MAX_WAIT_SECONDS"] = format_number(batching.max_wait_seconds)
    return [{"name": name, "value": value} for name, value in values.items()]


def timeout_seconds_for(longest_request_seconds: float) -> int:
    """``timeoutSeconds`` for a longest request: ``ceil(1.2 x longest)`` (KN-SHUT-2).

    Capped at 2**63 seconds, so a huge (finite) request length gives a timeout that the
    range check refuses rather than an overflow.
    """
    return math.ceil(min(TIMEOUT_FACTOR * longest_request_seconds, float(2**63)) - 1e-9)


def required_features(props: InferenceServiceProps) -> frozenset[str]:
    """The ``config-features`` flags a service with these props needs."""
    flags = {AFFINITY_FLAG}
    if props.model is not None:
        flags |= props.model.required_features()
    if props.shared_memory is not None:
        flags.add(EMPTYDIR_FLAG)
    return frozenset(flags)


def requested_rates(profile: AutoscalerProfile) -> dict[str, float]:
    """The cluster-wide scale rates a profile wishes for, by ClusterSettings field (KN-AS-6)."""
    return {
        name: value
        for name in ("max_scale_up_rate", "max_scale_down_rate")
        if (value := getattr(profile, name)) is not None
    }


def _first(*values: int | None) -> int | None:
    for value in values:
        if value is not None:
            return value
    return None


@functools.lru_cache(maxsize=256)
def _image_verdict(image: str) -> tuple[Problem, ...]:
    """The problems of one image reference at path ``image`` (a fleet shares one image: judged once)."""
    if not image or len(image.split()) != 1:
        return (Problem("KNATIVE-SCHEMA", "image", f"invalid image reference {image!r}", value=image),)
    bad = image_problems("image", image)
    if bad:
        return tuple(bad)
    why = unpinned_image_reason(image)
    if why is None:
        return ()
    return (
        Problem(
            "KN-IMAGE-1",
            "image",
            f"image is not pinned by digest: {why}",
            value=image,
            allowed="registry/name@sha256:<64 hex>",
            hint="pin the digest so GitOps deploys exactly what was reviewed",
            severity="warning",
        ),
    )
