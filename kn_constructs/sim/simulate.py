"""Run a request trace through a model of one Knative revision and its autoscaler.

:func:`simulate` takes a :class:`~kn_constructs.sim.traces.Trace`, the revision (an
:class:`~kn_constructs.AutoscalerProfile` with its :class:`~kn_constructs.Batching`, a
Knative Service manifest, or anything with a ``.manifest`` such as a
``GpuInferenceService``) and a pod startup distribution, and returns a per-second
:class:`Timeline` and a :class:`Summary` (latency percentiles including queueing, requests
that met a cold start, rejected requests, peak pods, GPU-seconds).

What is modelled, following Knative Serving (see :mod:`kn_constructs.sim.kpa`):

- **Data path.** The activator is in the path while the reconciler says so (desired 0,
  negative excess burst capacity, or nothing decided while inactive) and whenever no pod is
  ready. It sends each pod at most ``containerConcurrency`` requests and queues the rest
  (up to 10 000, then 503). Otherwise requests go straight to ready pods, spread without
  regard to load; each queue-proxy runs ``containerConcurrency`` at once and queues
  ``10 x containerConcurrency`` more (then 503). ``containerConcurrency`` 0 means no limit.
- **Metrics.** Each second, the time-weighted number of requests in the revision, waiting
  or served, is recorded: the pods' direct requests (only while a pod is ready, and never
  with ``target-burst-capacity: -1``) plus what the activator holds. The activator's first
  request after an idle period is reported at once as 1 and triggers an immediate decision
  when the last desired scale was 0; its next report subtracts that 1. With the ``rps``
  metric, request counts are recorded instead.
- **Decisions.** The decider runs every 2 s on the stable and panic windows; the reconciler
  runs every second, after each immediate decision and when its scaler asked to be re-queued
  (the stable-window, grace-period and pod-retention waits); its replica count creates pods
  (ready after a drawn startup time) or removes them. Until a new revision first has its
  initial-scale pods ready, the floor is initial-scale, even above max-scale (Knative's
  ``applyBounds``).
- **Pods.** A removed pod stops taking requests at once, finishes what it holds, and keeps
  its GPU until then (plus ``termination_seconds``). GPU-seconds run from pod creation,
  so startup and the idle tail before scale-down are counted.

Whatever Knative leaves open is a documented convention (:data:`CONVENTIONS`).
"""

from __future__ import annotations

import gc
import math
import random
from array import array
from collections import deque
from collections.abc import Callable, Mapping, MutableSequence
from dataclasses import asdict, dataclass, field, fields
from heapq import heappop, heappush
from typing import Any, Final, Protocol, cast

from kn_constructs.batching import Batching
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative import rules as kn
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings
from kn_constructs.profile import AutoscalerProfile, StartupTime
from kn_constructs.sim._stats import latency_stats
from kn_constructs.sim.distributions import Distribution, as_distribution
from kn_constructs.sim.kpa import (
    ACTIVATOR_QUEUE_DEPTH,
    QUEUE_PROXY_DEPTH_FACTOR,
    SCALE_UNKNOWN,
    TICK_SECONDS,
    Decider,
    MetricWindows,
    PodAutoscaler,
    RevisionAutoscaling,
    excess_burst_capacity,
    resolve_autoscaling,
)
from kn_constructs.sim.service_time import ServiceCurve
from kn_constructs.sim.traces import Trace

__all__ = [
    "CONVENTIONS",
    "INPUT_CODE",
    "TIMELINE_SERIES",
    "HasManifest",
    "Revision",
    "SimulationResult",
    "Summary",
    "Timeline",
    "percentile",
    "revision_of",
    "simulate",
]

#: Problem code of bad simulator arguments.
INPUT_CODE: Final = "SIM-INPUT"

#: Internal switch: fast-forward over quiet stretches (see ``_Engine.run``). Results are the
#: same either way, bit for bit; tests turn it off to prove that.
_SKIP_QUIET = True

#: Every choice the simulator makes where Knative's behaviour is not fixed, by name.
CONVENTIONS: Final[Mapping[str, str]] = {
    "clock": "Time 0 is the start of the trace and falls on an even second: 1-second buckets and the"
    " 2-second scale-down-delay buckets start there.",
    "ordering": "At a whole second: pods that become ready, then requests that time out in the activator,"
    " then the metric record, the decision (even seconds) and the reconciler pass; then requests that"
    " finish, then requests that arrive. A request arriving exactly on the second is counted in the"
    " next second's record.",
    "reports": "Queue-proxy and activator reports, the scrape and the record all happen on the whole second"
    " and cover the second before it; the activator's immediate report of a first request is stamped"
    " with that request's arrival time.",
    "scrape": "The scraper reads every ready pod (the expected value of Knative's sample), including young"
    " pods.",
    "ticks": "The decider ticks at every even second; an immediate decision (activator report while the"
    " last desired scale is 0) comes on top. The reconciler runs every second, after each immediate"
    " decision, and at each re-queue the scaler asks for (the earliest pending one, as Knative's work"
    " queue keeps it), so the stable-window, grace-period and pod-retention waits end when Knative's"
    " re-queue ends them; the activation timeout, which Knative re-queues for its whole length, is"
    " noticed at the first pass after it.",
    "activator": "The activators are modelled as one pool: per-pod capacity containerConcurrency, one"
    " first-in first-out queue of 10000 requests. Requests go through it whenever no pod is ready.",
    "activator-probe": "The activator probe succeeds at once, and the activator counts as in the path from"
    " the moment the reconciler switches the mode to proxy.",
    "routing": "Without the activator, requests go round-robin to ready pods regardless of load.",
    "startup": "A pod is ready a drawn startup time after the reconciler asks for it; the draw covers"
    " scheduling, image pull, model load and the readiness probe. Draws come in pod-creation order"
    " from one seeded stream.",
    "removal": "On scale-down, pods still starting go first (youngest first), then ready pods with the"
    " fewest requests (youngest first among equals). A removed pod drains what it holds.",
    "timeout": "A request that has not finished timeout_seconds after it arrived is cut off and counted as"
    " timed out (rejected), wherever it is; a request waiting in a queue-proxy queue is noticed when"
    " the pod next takes from its queue.",
    "cold-start": "A request met a cold start when the pod that served it became ready after the request"
    " arrived.",
    "start": "The revision starts scaled to zero (initial_pods 0, the default with min-scale 0), with"
    " initial_pods ready pods and a new decider (which, like Knative's after a restart, remembers"
    " them as its max panic pods and starts in panic when more than one pod is ready), or, with"
    " rollout=True, as a new revision whose initial-scale pods are starting.",
    "end": "The simulation runs to the end of the trace plus the scale-to-zero tail (stable window +"
    " scale-down delay + max(grace, retention) + 4 s), and on until every request has finished.",
    "percentiles": "Latency percentiles are nearest-rank over the completed requests (the value at rank"
    " ceil(q/100 x n)).",
    "service-curve": "With a ServiceCurve, a trace's service time is the request's duration alone on a pod;"
    " a request that starts while its pod runs k requests (itself included) takes service x rate(1) /"
    " rate(k), fixed when it starts: requests that join or leave the batch later do not change it.",
    "cold-starts": "A cold start is a scale-up from zero: the reconciler creates pods while no pod is"
    " starting or ready (draining pods take no requests). Its first request is the oldest request"
    " waiting in the activator then, or, when none waits, the request whose arrival woke the revision.",
    "gpu": "GPU-seconds = pod lifetime from creation to the end of its drain (plus termination_seconds)"
    " x GPUs per pod (1 when the manifest requests no nvidia.com/gpu).",
}


class HasManifest(Protocol):
    """Anything with a rendered Knative Service (a ``GpuInferenceService``)."""

    @property
    def manifest(self) -> Mapping[str, object]:
        """The Knative Service as a plain dict."""
        ...


@dataclass(frozen=True)
class Revision:
    """The revision to simulate, reduced to what the simulator reads.

    Attributes:
        annotations: The template's annotations as in YAML (strings).
        container_concurrency: ``containerConcurrency``; 0 = unlimited.
        timeout_seconds: ``timeoutSeconds``.
        gpus_per_pod: GPUs each pod holds (``nvidia.com/gpu`` limits; 1 if none).
        startup: A measured startup carried by the input (a profile's ``startup``), if any.
    """

    annotations: Mapping[str, str]
    container_concurrency: int
    timeout_seconds: float
    gpus_per_pod: int
    startup: StartupTime | None = None


def _gpus(spec: Mapping[str, Any]) -> int:
    total = 0
    for container in spec.get("containers") or []:
        limits = ((container or {}).get("resources") or {}).get("limits") or {}
        value = limits.get("nvidia.com/gpu")
        if value is not None:
            try:
                total += int(str(value))
            except ValueError:
                continue
    return total or 1


def revision_of(
    service_or_profile: AutoscalerProfile | Mapping[str, Any] | HasManifest,
    *,
    batching: Batching | None = None,
    min_scale: int | None = None,
    max_scale: int | None = None,
    initial_scale: int | None = None,
    cluster: ClusterSettings = DEFAULT_SETTINGS,
) -> Revision:
    """Reduce a profile, a Service manifest or a construct to a :class:`Revision`.

    A profile is rendered as :class:`~kn_constructs.GpuInferenceService` renders it: its
    annotations with the batching's target, ``containerConcurrency`` from the batching
    (default :meth:`Batching.none`), the scale bounds from the arguments, else the profile,
    else min-scale 0. A manifest is read as Knative reads it; the arguments override its
    scale annotations.

    Args:
        service_or_profile: The profile, the manifest dict, or an object with ``.manifest``.
        batching: With a profile: the server's batching.
        min_scale: Override of ``min-scale``.
        max_scale: Override of ``max-scale`` (``None`` keeps the input's).
        initial_scale: Override of ``initial-scale``.
        cluster: Cluster settings (``timeoutSeconds`` and ``containerConcurrency`` defaults).

    Raises:
        ValidationError: Not a Knative Service or a profile (code ``SIM-INPUT``).
    """
    startup: StartupTime | None = None
    if isinstance(service_or_profile, AutoscalerProfile):
        profile = service_or_profile
        serving = batching if batching is not None else Batching.none()
        annotations = profile.annotations(target=serving.target)
        for key, value in (
            (kn.ANN_MIN_SCALE, profile.min_scale if profile.min_scale is not None else 0),
            (kn.ANN_MAX_SCALE, profile.max_scale),
            (kn.ANN_INITIAL_SCALE, profile.initial_scale),
        ):
            if value is not None:
                annotations[key] = str(value)
        cc = serving.container_concurrency
        timeout = float(cluster.revision_timeout_seconds)
        gpus = 1
        startup = profile.startup
    else:
        manifest: object = service_or_profile
        props = getattr(service_or_profile, "props", None)
        if not isinstance(service_or_profile, Mapping) and hasattr(service_or_profile, "manifest"):
            manifest = service_or_profile.manifest
            autoscaling = getattr(props, "autoscaling", None)
            startup = getattr(autoscaling, "startup", None)
        template = _template(manifest)
        meta = template.get("metadata") or {}
        annotations = {str(k): v for k, v in (meta.get("annotations") or {}).items()}
        spec = template.get("spec") or {}
        cc_raw = spec.get("containerConcurrency")
        cc = int(cc_raw) if cc_raw is not None else cluster.container_concurrency
        timeout_raw = spec.get("timeoutSeconds")
        timeout = float(timeout_raw) if timeout_raw else float(cluster.revision_timeout_seconds)
        gpus = _gpus(spec)
    for key, value in (
        (kn.ANN_MIN_SCALE, min_scale),
        (kn.ANN_MAX_SCALE, max_scale),
        (kn.ANN_INITIAL_SCALE, initial_scale),
    ):
        if value is not None:
            annotations.pop(kn.ANNOTATION_ALIASES.get(key, ""), None)
            annotations[key] = str(value)
    return Revision(annotations, cc, timeout, gpus, startup)


def _template(manifest: object) -> Mapping[str, Any]:
    if isinstance(manifest, Mapping):
        spec = manifest.get("spec")
        if manifest.get("kind", "Service") == "Service" and isinstance(spec, Mapping):
            template = spec.get("template")
            if isinstance(template, Mapping):
                return template
    kind = manifest.get("kind") if isinstance(manifest, Mapping) else type(manifest).__name__
    raise_for_errors(
        [
            Problem(
                INPUT_CODE,
                "service_or_profile",
                f"expected an AutoscalerProfile or a Knative Service, got {kind}",
                value=kind,
                allowed="AutoscalerProfile, a serving.knative.dev/v1 Service dict,"
                " or an object with .manifest",
                hint="pass the Service document (kind: Service) with spec.template",
            )
        ],
        subject="simulate",
    )
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Summary:
    """What a simulated trace did, in numbers.

    Attributes:
        requests: Requests in the trace.
        completed: Requests that finished in time.
        rejected: Requests that did not: ``overflowed + timed_out``.
        overflowed: Requests refused because a queue was full (503).
        timed_out: Requests cut off at ``timeout_seconds``.
        cold_start_requests: Requests served by a pod that became ready after they arrived.
        latency_p50_seconds: Median latency (arrival to finish, queueing included).
        latency_p90_seconds: 90th percentile latency.
        latency_p95_seconds: 95th percentile latency.
        latency_p99_seconds: 99th percentile latency.
        latency_p999_seconds: 99.9th percentile latency.
        latency_max_seconds: Longest latency.
        latency_mean_seconds: Mean latency.
        wait_mean_seconds: Mean time waiting for a slot (activator and queue-proxy queues).
        wait_max_seconds: Longest wait.
        waited_requests: Completed requests that waited at all.
        peak_pods: Most pods holding a GPU at once (starting, ready or draining).
        peak_ready_pods: Most ready pods at once.
        pods_started: Pods created during the run.
        gpu_seconds: GPU time used, startup and idle time included.
        startup_gpu_seconds: The part of ``gpu_seconds`` spent starting pods.
        simulated_seconds: Seconds simulated.
        panic_seconds: Seconds the decider spent in panic mode.
        proxy_seconds: Seconds the activator was in the request path.
        cold_starts: Scale-ups from zero: pods created while no pod was starting or ready
            (convention ``cold-starts``).
        first_request_latency_p50_seconds: Median latency of each cold start's first request
            (the one that woke the revision, or the oldest waiting in the activator); ``None``
            when none completed.
        first_request_latency_p99_seconds: Its 99th percentile (nearest rank).
        first_request_latency_max_seconds: Its longest.
        first_requests_rejected: Cold starts whose first request was rejected (timed out or 503).
        activator_timeouts: Requests cut off at ``timeout_seconds`` while still waiting in the
            activator's queue (part of ``timed_out``): no pod was ready for them in time.
    """

    requests: int
    completed: int
    rejected: int
    overflowed: int
    timed_out: int
    cold_start_requests: int
    latency_p50_seconds: float | None
    latency_p90_seconds: float | None
    latency_p95_seconds: float | None
    latency_p99_seconds: float | None
    latency_p999_seconds: float | None
    latency_max_seconds: float | None
    latency_mean_seconds: float | None
    wait_mean_seconds: float | None
    wait_max_seconds: float | None
    waited_requests: int
    peak_pods: int
    peak_ready_pods: int
    pods_started: int
    gpu_seconds: float
    startup_gpu_seconds: float
    simulated_seconds: int
    panic_seconds: int
    proxy_seconds: int
    cold_starts: int = 0
    first_request_latency_p50_seconds: float | None = None
    first_request_latency_p99_seconds: float | None = None
    first_request_latency_max_seconds: float | None = None
    first_requests_rejected: int = 0
    activator_timeouts: int = 0

    @property
    def gpu_hours(self) -> float:
        """``gpu_seconds`` in hours."""
        return self.gpu_seconds / 3600

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for JSON)."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Timeline:
    """Per-second state of the revision; index ``k`` is the state at second ``k + 1``.

    Attributes:
        arrivals: Requests that arrived during the second.
        desired: The decider's desired pod count after the second (-1: none yet).
        replicas: The Deployment's replicas (what the reconciler asked for).
        ready: Ready pods.
        pods: Pods holding a GPU (starting, ready or draining).
        in_flight: Requests being served.
        queued: Requests waiting (activator and queue-proxy queues).
        concurrency: Time-weighted requests in the revision during the second (the metric).
        panic: 1 while the decider is in panic mode.
        proxy: 1 while the activator is in the request path.
    """

    arrivals: array[int] = field(default_factory=lambda: array("l"))
    desired: array[int] = field(default_factory=lambda: array("l"))
    replicas: array[int] = field(default_factory=lambda: array("l"))
    ready: array[int] = field(default_factory=lambda: array("l"))
    pods: array[int] = field(default_factory=lambda: array("l"))
    in_flight: array[int] = field(default_factory=lambda: array("l"))
    queued: array[int] = field(default_factory=lambda: array("l"))
    concurrency: array[float] = field(default_factory=lambda: array("d"))
    panic: array[int] = field(default_factory=lambda: array("b"))
    proxy: array[int] = field(default_factory=lambda: array("b"))

    def __len__(self) -> int:
        return len(self.ready)

    @property
    def seconds(self) -> range:
        """The second each entry describes (1, 2, ...)."""
        return range(1, len(self) + 1)

    def to_dict(self) -> dict[str, list[float] | list[int]]:
        """Every series as a list, plus ``second``."""
        out: dict[str, list[float] | list[int]] = {"second": list(self.seconds)}
        for name in TIMELINE_SERIES:
            out[name] = getattr(self, name).tolist()
        return out


#: The names of :class:`Timeline`'s series (its fields), in order.
TIMELINE_SERIES: Final = tuple(f.name for f in fields(Timeline))


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The outcome of :func:`simulate`.

    Attributes:
        summary: The numbers.
        timeline: The per-second state.
        autoscaling: The KPA values the revision resolved to.
        startup: The startup distribution used.
        trace_name: The trace's label.
        seed: The seed of the startup draws.
        timeout_seconds: The request timeout used.
        gpus_per_pod: GPUs per pod used for GPU-seconds.
        latencies: Each request's latency in trace order (arrival to finish, queueing
            included), or -1 for a rejected request.
        arrivals: The trace's arrival times (for :meth:`latency_by_second`).
    """

    summary: Summary
    timeline: Timeline
    autoscaling: RevisionAutoscaling
    startup: Distribution
    trace_name: str
    seed: int
    timeout_seconds: float
    gpus_per_pod: int
    latencies: array[float]
    arrivals: array[float]

    def latency_by_second(self) -> tuple[array[float], array[float]]:
        """Mean and maximum latency of the requests arriving in each second of the timeline.

        Entry ``k`` covers arrivals in ``[k, k + 1)``; seconds without a completed request
        give 0 in both.
        """
        size = len(self.timeline)
        sums = array("d", [0.0]) * size
        counts = array("l", [0]) * size
        maxima = array("d", [0.0]) * size
        for a, latency in zip(self.arrivals, self.latencies, strict=True):
            if latency < 0:
                continue
            k = int(a)
            if k >= size:
                continue
            sums[k] += latency
            counts[k] += 1
            if latency > maxima[k]:
                maxima[k] = latency
        means = array(
            "d", (total / count if count else 0.0 for total, count in zip(sums, counts, strict=True))
        )
        return means, maxima

    def to_dict(self, *, timeline: bool = False) -> dict[str, Any]:
        """A JSON-ready dict: inputs resolved, summary, and optionally the timeline."""
        auto = self.autoscaling
        out: dict[str, Any] = {
            "trace": self.trace_name,
            "seed": self.seed,
            "startup": self.startup.describe(),
            "revision": {
                "metric": auto.metric,
                "algorithm": auto.algorithm,
                "container_concurrency": auto.container_concurrency,
                "target_value": auto.target.target_value,
                "total_value": auto.target.total_value,
                "stable_window_seconds": auto.stable_window_seconds,
                "panic_window_seconds": auto.panic_window_seconds,
                "panic_threshold": auto.decider.panic_threshold,
                "target_burst_capacity": auto.decider.target_burst_capacity,
                "scale_down_delay_seconds": auto.decider.scale_down_delay_seconds,
                "activation_scale": auto.decider.activation_scale,
                "min_scale": auto.scaler.min_scale,
                "max_scale": auto.scaler.max_scale,
                "initial_scale": auto.scaler.initial_scale,
                "timeout_seconds": self.timeout_seconds,
                "gpus_per_pod": self.gpus_per_pod,
            },
            "summary": self.summary.to_dict(),
        }
        if timeline:
            series = self.timeline.to_dict()
            means, maxima = self.latency_by_second()
            series["latency_mean"] = means.tolist()
            series["latency_max"] = maxima.tolist()
            out["timeline"] = series
        return out


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values: the value at rank ``ceil(q / 100 x n)``.

    Args:
        sorted_values: Values in ascending order.
        q: The percentile, 0 < q <= 100.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, math.ceil(q / 100 * n))
    return sorted_values[min(rank, n) - 1]


# --------------------------------------------------------------------------- engine


class _Pod:
    __slots__ = (
        "act_in",
        "created",
        "direct",
        "id",
        "in_flight",
        "queue",
        "ready",
        "ready_at",
        "terminating",
    )

    def __init__(self, pod_id: int, created: float, ready_at: float) -> None:
        self.id = pod_id
        self.created = created
        self.ready_at = ready_at
        self.ready = False
        self.terminating = False
        self.in_flight = 0
        self.act_in = 0
        self.direct = 0
        self.queue: deque[tuple[float, float, int, int]] = deque()


def _removal_key(pod: _Pod) -> tuple[bool, int, float, int]:
    load = pod.in_flight + len(pod.queue) if pod.ready else 0
    return (pod.ready, load, -pod.created, -pod.id)


def simulate(
    trace: Trace,
    service_or_profile: AutoscalerProfile | Mapping[str, Any] | HasManifest,
    startup: Distribution | StartupTime | float | None = None,
    *,
    batching: Batching | None = None,
    min_scale: int | None = None,
    max_scale: int | None = None,
    initial_scale: int | None = None,
    cluster: ClusterSettings = DEFAULT_SETTINGS,
    seed: int = 0,
    initial_pods: int | None = None,
    rollout: bool = False,
    timeout_seconds: float | None = None,
    gpus_per_pod: int | None = None,
    termination_seconds: float = 0.0,
    tail_seconds: float | None = None,
    activator_queue_depth: int = ACTIVATOR_QUEUE_DEPTH,
    service_curve: ServiceCurve | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationResult:
    """Simulate ``trace`` against one revision with Knative's autoscaler.

    Args:
        trace: The requests.
        service_or_profile: An :class:`~kn_constructs.AutoscalerProfile` (with
            ``batching``), a Knative Service manifest dict, or an object with ``.manifest``.
        startup: Pod startup: a :class:`Distribution`, a measured
            :class:`~kn_constructs.StartupTime`, or fixed seconds. Default: the profile's
            ``startup`` (required when the input has none).
        batching: With a profile: the server's batching. Default :meth:`Batching.none`.
        min_scale: Override of ``min-scale``.
        max_scale: Override of ``max-scale``.
        initial_scale: Override of ``initial-scale``.
        cluster: The cluster's ``config-autoscaler`` (and defaults). Default: Knative's.
        seed: Seed of the startup draws; the same seed repeats the run exactly.
        initial_pods: Ready pods at time 0. Default: min-scale (0: scaled to zero).
        rollout: Start as a new revision whose initial-scale pods are starting.
        timeout_seconds: Request timeout. Default: the manifest's ``timeoutSeconds``, else
            the cluster's ``revision-timeout-seconds`` (300).
        gpus_per_pod: GPUs per pod. Default: the manifest's ``nvidia.com/gpu``, else 1.
        termination_seconds: Extra GPU time a removed pod holds after draining. Default 0.
        tail_seconds: Seconds simulated after the trace ends. Default: the scale-to-zero
            tail (stable window + scale-down delay + max(grace, retention) + 4 s).
        activator_queue_depth: Requests the activator queues before 503. Default 10000.
        service_curve: Load-dependent service time: tokens per second per request at each
            concurrency (:class:`~kn_constructs.sim.ServiceCurve`); a request starting on a pod
            with ``k`` in flight takes its trace service time x ``rate(1) / rate(k)``. Default
            ``None``: the trace's service times as they are.
        progress: Called with the fraction done (0..1) as the run goes.

    Returns:
        The summary, the timeline and the resolved inputs.

    Raises:
        ValidationError: Every problem with the inputs (Knative's annotation rules, startup
            ``KN-AS-2``, arguments ``SIM-INPUT``), listed together.
    """
    problems: list[Problem] = []
    if isinstance(service_or_profile, AutoscalerProfile):
        # a profile's problems are reported at its own fields (autoscaling.window_seconds), as constructs do
        problems.extend(p for p in service_or_profile.problems(settings=cluster) if p.severity == "error")
    revision: Revision | None = None
    auto: RevisionAutoscaling | None = None
    if not problems:
        revision = revision_of(
            service_or_profile,
            batching=batching,
            min_scale=min_scale,
            max_scale=max_scale,
            initial_scale=initial_scale,
            cluster=cluster,
        )
        auto = resolve_autoscaling(revision.annotations, revision.container_concurrency, cluster)
    distribution: Distribution | None = None
    source = startup if startup is not None or revision is None else revision.startup
    if source is None:
        problems.append(
            Problem(
                INPUT_CODE,
                "startup",
                "no pod startup time: the input carries none",
                allowed="a Distribution, a StartupTime or seconds",
                hint="pass startup=Distribution.lognormal(mean, spread) measured on your cluster (KN-AS-2)",
            )
        )
    elif isinstance(source, StartupTime) and source.problems():
        problems.extend(source.problems())
    else:
        distribution = as_distribution(source)
        problems.extend(distribution.problems())
    if revision is None or auto is None:
        raise_for_errors(problems, subject="simulate")
        raise AssertionError("unreachable: a profile without errors resolves")  # pragma: no cover
    timeout = revision.timeout_seconds if timeout_seconds is None else float(timeout_seconds)
    gpus = revision.gpus_per_pod if gpus_per_pod is None else gpus_per_pod
    scaler = auto.scaler
    low = scaler.min_scale if scaler.enable_scale_to_zero else max(1, scaler.min_scale)
    pods_at_start = low if initial_pods is None else initial_pods
    checks: list[tuple[str, object, bool, str]] = [
        ("timeout_seconds", timeout, math.isfinite(timeout) and timeout > 0, "> 0 seconds, finite"),
        ("gpus_per_pod", gpus, gpus >= 0, ">= 0"),
        (
            "termination_seconds",
            termination_seconds,
            math.isfinite(termination_seconds) and termination_seconds >= 0,
            ">= 0",
        ),
        ("activator_queue_depth", activator_queue_depth, activator_queue_depth >= 0, ">= 0"),
    ]
    if tail_seconds is not None:
        checks.append(
            ("tail_seconds", tail_seconds, math.isfinite(tail_seconds) and tail_seconds >= 0, ">= 0")
        )
    if not rollout:
        high = scaler.max_scale
        ok = pods_at_start >= low and (high is None or pods_at_start <= high)
        checks.append(
            ("initial_pods", pods_at_start, ok, f"{low}..{high if high is not None else 'unlimited'}")
        )
    elif initial_pods is not None:
        checks.append(
            ("initial_pods", initial_pods, False, "unset with rollout=True (initial-scale pods start)")
        )
    if service_curve is not None and not isinstance(service_curve, ServiceCurve):
        checks.append(("service_curve", type(service_curve).__name__, False, "a ServiceCurve or None"))
    for name, value, ok, allowed in checks:
        if not ok:
            problems.append(
                Problem(INPUT_CODE, name, f"invalid value: {value}", value=value, allowed=allowed)
            )
    raise_for_errors(problems, subject="simulate")
    assert distribution is not None
    if tail_seconds is None:
        tail_seconds = (
            auto.stable_window_seconds
            + auto.decider.scale_down_delay_seconds
            + max(scaler.grace_period_seconds, scaler.retention_seconds)
            + 2 * TICK_SECONDS
        )
    draw = distribution.sampler(random.Random(seed))
    # The run allocates millions of short-lived tuples and makes no reference cycles: the cyclic
    # collector would only scan them (about 8 % of a run). Reference counting still frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        summary, timeline, latencies = _Engine(
            trace,
            auto,
            draw,
            pods_at_start=pods_at_start,
            rollout=rollout,
            timeout=timeout,
            gpus=gpus,
            termination=termination_seconds,
            end_seconds=math.ceil(trace.duration_seconds + tail_seconds),
            queue_depth=activator_queue_depth,
            progress=progress,
            curve=service_curve,
        ).run()
    finally:
        if collecting:
            gc.enable()
    return SimulationResult(
        summary,
        timeline,
        auto,
        distribution,
        trace.name,
        seed,
        timeout,
        gpus,
        latencies,
        trace.arrival_seconds,
    )


class _Engine:
    """One simulation run; :meth:`run` is the event loop (hot paths kept inline for speed)."""

    def __init__(
        self,
        trace: Trace,
        auto: RevisionAutoscaling,
        draw: Callable[[], float],
        *,
        pods_at_start: int,
        rollout: bool,
        timeout: float,
        gpus: int,
        termination: float,
        end_seconds: int,
        queue_depth: int,
        progress: Callable[[float], None] | None,
        curve: ServiceCurve | None = None,
        skip_quiet: bool | None = None,
    ) -> None:
        self.skip_quiet = _SKIP_QUIET if skip_quiet is None else skip_quiet
        self.trace = trace
        self.auto = auto
        self.draw = draw
        self.pods_at_start = pods_at_start
        self.rollout = rollout
        self.timeout = timeout
        self.gpus = gpus
        self.termination = termination
        self.end_seconds = end_seconds
        self.queue_depth = queue_depth
        self.progress = progress
        self.curve = curve

    def run(self) -> tuple[Summary, Timeline, array[float]]:
        """Run the trace to the end; return the summary, the timeline and each request's latency.

        One event loop, kept in one piece for speed: the common paths (a request arriving at
        the activator and finding a free slot, a request finishing with nothing waiting) are
        inline; the rest goes through the helper functions. Concurrency is integrated per
        second incrementally: each request entering at ``t`` adds ``ns - t`` (``ns`` is the
        end of the current second) and each one leaving subtracts it.
        """
        inf = math.inf
        auto = self.auto
        trace = self.trace
        n = len(trace.arrival_seconds)
        arr = array("d", trace.arrival_seconds)
        arr.append(inf)
        svc = trace.service_seconds
        cc = auto.container_concurrency
        pod_depth = QUEUE_PROXY_DEPTH_FACTOR * cc
        conc_metric = auto.metric == "concurrency"
        tbc = auto.decider.target_burst_capacity
        total_value = auto.target.total_value
        scrape_target = tbc >= 0
        timeout = self.timeout
        termination = self.termination
        depth = self.queue_depth
        draw = self.draw
        end_seconds = self.end_seconds
        progress = self.progress
        progress_step = max(1, end_seconds // 100)
        curve = self.curve
        loaded = curve is not None  # load-dependent service time
        slow: Callable[[int], float] = float
        if curve is not None:
            table = curve.factors(cc if cc else max(64, curve.concurrency[-1]))
            if cc:
                slow = table.__getitem__  # in flight never exceeds containerConcurrency
            else:
                top = len(table)
                slowdown = curve.slowdown

                def slow(k: int) -> float:
                    return table[k] if k < top else slowdown(k)

        windows = MetricWindows(auto.stable_window_seconds, auto.panic_window_seconds, auto.algorithm)
        record = windows.record

        sentinel = _Pod(-1, inf, inf)
        heap: list[tuple[float, int, _Pod, int]] = [(inf, -1, sentinel, 0)]
        ready_heap: list[tuple[float, int, _Pod]] = []
        act_queue: deque[tuple[float, float, int]] = deque()
        free: list[_Pod] = []
        ready_list: list[_Pod] = []
        pods: list[_Pod] = []
        latencies = array("d", [-1.0]) * n
        # each request's latency is written through a memoryview: its item assignment converts
        # the float directly, the array's goes through argument parsing (a third slower); typeshed
        # types a memoryview's items as int, whatever its format ("d" here)
        view = memoryview(latencies)
        lat = cast("MutableSequence[float]", view)

        tl = Timeline()
        tl_arrivals, tl_desired, tl_replicas = tl.arrivals.append, tl.desired.append, tl.replicas.append
        tl_ready, tl_pods, tl_busy = tl.ready.append, tl.pods.append, tl.in_flight.append
        tl_queued, tl_conc, tl_panic, tl_proxy = (
            tl.queued.append,
            tl.concurrency.append,
            tl.panic.append,
            tl.proxy.append,
        )

        n_a = 0  # requests held by the activator (queued there, or proxied to a pod)
        n_d = 0  # requests sent straight to ready pods (queued or served there)
        ns = 1.0  # end of the current second
        area_a = 0.0
        area_d = 0.0
        pod_queued = 0
        cold = 0
        waited = 0
        wait_total = 0.0
        wait_max = 0.0
        timeouts = 0
        act_timeouts = 0
        overflow = 0
        cold_firsts: list[int] = []  # each cold start's first request (-1: none)
        arriving = -1  # the request being handled by the arrival branch
        cnt_a = 0
        cnt_d = 0
        act_stat = False
        credit = 0.0
        ready_count = 0
        alive = 0
        peak = 0
        peak_ready = 0
        started = 0
        pod_seconds = 0.0
        startup_seconds = 0.0
        panic_seconds = 0
        proxy_seconds = 0
        rr = 0
        next_pod_id = 0
        next_misc = 1.0
        proxy = True

        # ---------------------------------------------------------------- helpers

        def start(pod: _Pod, now: float, a: float, s: float, idx: int, via: int) -> None:
            """Begin serving request ``idx`` (arrived at ``a``) on ``pod`` at ``now``."""
            nonlocal cold, waited, wait_total, wait_max
            pod.in_flight += 1
            if loaded:
                s = s * slow(pod.in_flight)
            end = now + s
            deadline = a + timeout
            if end > deadline:
                heappush(heap, (deadline, idx, pod, via | 2))
            else:
                heappush(heap, (end, idx, pod, via))
                lat[idx] = end - a
                if now > a:
                    wait = now - a
                    waited += 1
                    wait_total += wait
                    if wait > wait_max:
                        wait_max = wait
                if pod.ready_at > a:
                    cold += 1

        def act_dispatch(pod: _Pod, now: float, a: float, s: float, idx: int) -> None:
            """The activator hands request ``idx`` to ``pod``."""
            nonlocal pod_queued
            pod.act_in += 1
            if cc == 0 or pod.in_flight < cc:
                start(pod, now, a, s, idx, 1)
            else:
                pod.queue.append((a, s, idx, 1))
                pod_queued += 1

        def act_slot(pod: _Pod, now: float) -> None:
            """The activator has one more free slot on ``pod``."""
            if act_queue:
                a, s, idx = act_queue.popleft()
                act_dispatch(pod, now, a, s, idx)
            else:
                free.append(pod)

        def take_free() -> _Pod | None:
            """A pod with a free activator slot, skipping pods removed since."""
            while free:
                pod = free.pop()
                if not pod.terminating:
                    return pod
            return None

        def pod_next(pod: _Pod, now: float) -> None:
            """The pod takes the next requests from its queue-proxy queue (skipping timed-out ones)."""
            nonlocal pod_queued, timeouts, n_a, n_d, area_a, area_d
            queue = pod.queue
            while queue and (cc == 0 or pod.in_flight < cc):
                a, s, idx, via = queue.popleft()
                pod_queued -= 1
                if a + timeout <= now:
                    timeouts += 1
                    if via:
                        n_a -= 1
                        area_a -= ns - now
                        pod.act_in -= 1
                        if cc and not pod.terminating:
                            act_slot(pod, now)
                    else:
                        pod.direct -= 1
                        if not pod.terminating:
                            n_d -= 1
                            area_d -= ns - now
                    continue
                start(pod, now, a, s, idx, via)

        def finish(pod: _Pod, now: float, extra: float = termination) -> None:
            """The pod is gone (``extra`` seconds after ``now``): count its GPU time."""
            nonlocal pod_seconds, startup_seconds, alive
            pod_seconds += now + extra - pod.created
            startup_seconds += min(pod.ready_at, now) - pod.created
            alive -= 1

        def complete(pod: _Pod, flag: int, now: float) -> None:
            """A request on ``pod`` ends (any case the inline path does not handle)."""
            nonlocal timeouts, n_a, n_d, area_a, area_d
            if flag & 2:
                timeouts += 1
            if flag & 1:
                n_a -= 1
                area_a -= ns - now
                pod.act_in -= 1
            else:
                pod.direct -= 1
                if not pod.terminating:
                    n_d -= 1
                    area_d -= ns - now
            if pod.queue:
                pod_next(pod, now)
            if pod.terminating:
                if pod.in_flight == 0 and not pod.queue:
                    finish(pod, now)
            elif flag & 1 and cc:
                act_slot(pod, now)

        def make_ready(now: float) -> None:
            """Pods whose startup ends by ``now`` become ready and take waiting requests."""
            nonlocal ready_count, peak_ready
            while ready_heap and ready_heap[0][0] <= now:
                at, _, pod = heappop(ready_heap)
                if pod.terminating:
                    continue
                pod.ready = True
                ready_list.append(pod)
                ready_count += 1
                if ready_count > peak_ready:
                    peak_ready = ready_count
                if cc:
                    for _ in range(cc):
                        act_slot(pod, at)
                else:
                    while act_queue:
                        a, s, idx = act_queue.popleft()
                        act_dispatch(pod, at, a, s, idx)

        def set_replicas(now: float, target: int) -> None:
            """Create or remove pods so that ``target`` pods are starting or ready."""
            nonlocal alive, peak, started, next_pod_id, ready_count, n_d, area_d, next_misc
            current = len(pods)
            if target > current:
                if current == 0:
                    cold_firsts.append(act_queue[0][2] if act_queue else arriving)
                for _ in range(target - current):
                    pod = _Pod(next_pod_id, now, now + draw())
                    next_pod_id += 1
                    pods.append(pod)
                    alive += 1
                    started += 1
                    heappush(ready_heap, (pod.ready_at, pod.id, pod))
                    if pod.ready_at < next_misc:
                        next_misc = pod.ready_at
                if alive > peak:
                    peak = alive
            elif target < current:
                for pod in sorted(pods, key=_removal_key)[: current - target]:
                    pod.terminating = True
                    pods.remove(pod)
                    if pod.ready:
                        ready_list.remove(pod)
                        ready_count -= 1
                        n_d -= pod.direct
                        area_d -= pod.direct * (ns - now)
                        if pod.in_flight == 0 and not pod.queue:
                            finish(pod, now)
                    else:
                        finish(pod, now)

        # ---------------------------------------------------------------- initial state

        spec = auto.decider
        if self.rollout:
            initial = auto.scaler.initial_scale
            decider = Decider(spec)
            last_desired = SCALE_UNKNOWN
            last_ebc = int(initial * total_value - tbc) if tbc > 0 else int(tbc)
            pa = PodAutoscaler(
                auto.scaler,
                replicas=initial,
                state="activating",
                state_since=0.0,
                mode="proxy",
                proxy_since=0.0,
                initialized=False,
            )
            set_replicas(0.0, initial)
        else:
            initial = self.pods_at_start
            decider = Decider(spec, ready_pods_at_start=initial, now_seconds=0.0)
            last_desired = initial
            last_ebc = excess_burst_capacity(initial, total_value, tbc, 0.0)
            pa = PodAutoscaler(
                auto.scaler,
                replicas=initial,
                state="active" if initial > 0 else "inactive",
                mode="proxy" if initial == 0 or last_ebc < 0 else "serve",
                initialized=True,
            )
            for pod_id in range(initial):
                pod = _Pod(pod_id, 0.0, 0.0)
                pods.append(pod)
                heappush(ready_heap, (0.0, pod_id, pod))
            next_pod_id = alive = peak = initial
            make_ready(0.0)

        delay = decider._delay  # the scale-down-delay window, read (never written) by the quiet check
        quiet_tick = -1.0  # the time of the last decision that is its own fixed point (see decide)

        def decide(now: float) -> None:
            """One decision; notes in ``quiet_tick`` whether the next one, on the same inputs, repeats it.

            ``Decider.scale`` reads the time only through the panic window and the
            scale-down-delay window. Out of panic before and after the call, the panic test
            (``raw_panic / ready >= threshold``) failed on its inputs alone, so it fails again
            on the same inputs. The delay window (``MaxTimeWindow.record``) only compares bucket
            indices with each other: a call that took it from ``[(j - 1, v)]`` to ``[(j, v)]``
            takes it from ``[(j, v)]`` to ``[(j + 1, v)]`` on the same value, and the same
            value is recorded when the other inputs are the same. With no data (``None``)
            the decider is not called at all.
            """
            nonlocal last_desired, last_ebc, quiet_tick
            averages = windows.stable_and_panic(now, scrape_target=scrape_target)
            if averages is None:
                quiet_tick = now
                return
            calm = decider.panic_time is None
            before = list(delay._entries) if delay is not None else None
            decision = decider.scale(now, ready_count, averages[0], averages[1])
            if decision.valid:
                last_desired = decision.desired
                last_ebc = decision.excess_burst_capacity
            quiet = calm and decider.panic_time is None
            if quiet and delay is not None and before is not None:
                after = list(delay._entries)
                quiet = (
                    len(before) == 1
                    and len(after) == 1
                    and after[0][0] == before[0][0] + 1
                    and after[0][1] == before[0][1]
                )
            quiet_tick = now if quiet else -1.0

        settled: tuple[int, int, int] | None = None
        requeue_at = inf  # the earliest re-queue the scaler asked for (the work queue keeps only that)

        def reconcile(now: float) -> None:
            """One reconciler pass, skipped when it provably changes nothing.

            A pass that changed nothing (no patch, same state, initialization and mode) and
            asked for no re-queue involves no timer: the same inputs again would leave
            everything as it is, so the pass is skipped until an input changes. A re-queue
            is kept as Knative's work queue keeps it (``AddAfter``: the earliest pending time
            wins) and brings a pass at that time.
            """
            nonlocal proxy, settled, requeue_at, next_misc
            inputs = (last_desired, last_ebc, ready_count)
            if inputs == settled:
                return
            before = (pa.state, pa.initialized, pa.mode)
            result = pa.reconcile(now, last_desired, last_ebc, ready_count)
            proxy = result.mode == "proxy"
            if result.patched:
                set_replicas(now, result.replicas)
            if result.requeue_after is not None:
                at = now + result.requeue_after
                if at < requeue_at:
                    requeue_at = at
                if at < next_misc:
                    next_misc = at
            unchanged = not result.patched and before == (pa.state, pa.initialized, pa.mode)
            settled = inputs if unchanged and result.requeue_after is None else None

        def poke(now: float) -> None:
            """The activator's first request after an idle period: report 1 at once."""
            nonlocal act_stat, credit
            act_stat = True
            credit = 1.0
            record(now, 1.0)
            if last_desired == 0:
                decide(now)
                reconcile(now)

        reconcile(0.0)

        # ---------------------------------------------------------------- quiet stretches

        skip_quiet = self.skip_quiet
        rings = (windows.stable, windows.panic)

        def windows_still(now: int) -> bool:
            """Whether the windows give the same averages at every later second, as they are fed.

            When the seconds to come each record 0 (a scrape target and a ready pod), every
            bucket must already be 0 and the last write this second: ``_Ring.record`` then
            writes 0 over 0 (the running sum minus 0 plus 0 keeps its exact value) and moves
            only the last write, so the linear average, over a full window or of a sum that is
            exactly 0, and the weighted average (a sum of zeros) stay what they are. When
            nothing is recorded, both windows must be empty (``is_empty``: no write within a
            window), which later seconds keep: no data for the decider with a scrape target,
            averages of 0 without one.
            """
            feeds = scrape_target and ready_count > 0
            for ring in rings:
                if feeds:
                    first = ring.first_write
                    if ring.last_write != now or first is None or any(ring._buckets):
                        return False
                    if ring._total != 0.0 and now - first + 1 < ring.window_seconds:
                        return False
                elif not ring.is_empty(now):
                    return False
            return True

        def feed_zeros(upto: int) -> None:
            """Record the 0 of each second up to ``upto`` in both windows, as the seconds would.

            Writes are spaced less than a window apart so that ``_Ring.record`` zero-fills the
            seconds between (as writing each second does) instead of resetting the ring.
            """
            for ring in rings:
                step = max(1, ring.window_seconds - 1)
                last = ring.last_write
                assert last is not None
                while last < upto:
                    last = min(upto, last + step)
                    ring.record(last, 0.0)

        def fast_forward(first: int, stop: int) -> None:
            """Seconds ``first .. stop - 1`` at the fixed point: their state and timeline in bulk.

            Each of them would record 0 (with a scrape target and a ready pod), decide on even
            seconds the decision :func:`decide` proved repeats itself, skip the reconciler pass
            (its inputs are the settled ones) and append the same values to the timeline. The
            windows are fed up to the last even second, that decision is made for real (it
            leaves the delay window exactly as the decisions before it would), and the windows
            are fed to the end.
            """
            nonlocal proxy_seconds
            feeds = scrape_target and ready_count > 0
            last_even = (stop - 1) // TICK_SECONDS * TICK_SECONDS
            if last_even >= first:
                if feeds:
                    feed_zeros(last_even)
                decide(last_even)
            if feeds:
                feed_zeros(stop - 1)
            count = stop - first
            tl.arrivals.extend(array("l", [0]) * count)
            tl.desired.extend(array("l", [last_desired]) * count)
            tl.replicas.extend(array("l", [pa.replicas]) * count)
            tl.ready.extend(array("l", [ready_count]) * count)
            tl.pods.extend(array("l", [alive]) * count)
            tl.in_flight.extend(array("l", [0]) * count)
            tl.queued.extend(array("l", [0]) * count)
            tl.concurrency.extend(array("d", [0.0]) * count)
            tl.panic.extend(array("b", [0]) * count)
            tl.proxy.extend(array("b", [proxy]) * count)
            proxy_seconds += proxy * count
            if progress is not None:
                for second in range(-(-first // progress_step) * progress_step, stop, progress_step):
                    progress(min(1.0, second / end_seconds))

        # ---------------------------------------------------------------- event loop

        i = 0
        ta = arr[0]  # the next arrival: changes only when one is taken
        while True:
            tc = heap[0][0]
            # the earlier of the next arrival and the next finish, unless the next whole second
            # (or a pod becoming ready, or an activator timeout) comes first: then the block below
            if ta < tc:
                if ta < next_misc:
                    t = ta
                    # ---------------------------------------------- a request arrives
                    s = svc[i]
                    idx = i
                    i += 1
                    ta = arr[i]
                    if proxy or not ready_count:
                        cnt_a += 1
                        if not act_stat:
                            arriving = idx
                            poke(t)
                            arriving = -1
                        n_a += 1
                        area_a += ns - t
                        chosen = free.pop() if free else None
                        if chosen is not None and chosen.terminating:
                            chosen = take_free()
                        if chosen is None and cc == 0 and ready_count:
                            chosen = ready_list[rr % ready_count]
                            rr += 1
                        if chosen is not None:
                            pod = chosen
                            pod.act_in += 1
                            if cc == 0 or pod.in_flight < cc:
                                pod.in_flight += 1
                                if loaded:
                                    s = s * slow(pod.in_flight)
                                if s <= timeout:
                                    heappush(heap, (t + s, idx, pod, 1))
                                    lat[idx] = s
                                else:
                                    heappush(heap, (t + timeout, idx, pod, 3))
                            else:
                                pod.queue.append((t, s, idx, 1))
                                pod_queued += 1
                        elif len(act_queue) < depth:
                            act_queue.append((t, s, idx))
                            if t + timeout < next_misc:
                                next_misc = t + timeout
                        else:
                            n_a -= 1
                            area_a -= ns - t
                            overflow += 1
                    else:
                        cnt_d += 1
                        pod = ready_list[rr % ready_count]
                        rr += 1
                        if cc == 0 or pod.in_flight < cc:
                            n_d += 1
                            area_d += ns - t
                            pod.direct += 1
                            start(pod, t, t, s, idx, 0)
                        elif len(pod.queue) < pod_depth:
                            n_d += 1
                            area_d += ns - t
                            pod.direct += 1
                            pod.queue.append((t, s, idx, 0))
                            pod_queued += 1
                        else:
                            overflow += 1
                    continue
            elif tc < next_misc:
                t = tc
                # ---------------------------------------------- a request finishes
                _, _, pod, flag = heappop(heap)
                if flag == 1 and cc and not pod.terminating and not pod.queue:
                    n_a -= 1
                    area_a -= ns - t
                    if act_queue:
                        # the slot goes to the oldest waiting request (inline act_slot/start). One
                        # request leaves the pod and one enters, so in_flight and act_in stay: with
                        # containerConcurrency > 0 in_flight never exceeds it, so the slot is free
                        a, s, idx = act_queue.popleft()
                        end = t + (s * slow(pod.in_flight) if loaded else s)
                        if end > a + timeout:
                            heappush(heap, (a + timeout, idx, pod, 3))
                        else:
                            heappush(heap, (end, idx, pod, 1))
                            lat[idx] = end - a
                            wait = t - a
                            if wait > 0:
                                waited += 1
                                wait_total += wait
                                if wait > wait_max:
                                    wait_max = wait
                            if pod.ready_at > a:
                                cold += 1
                    else:
                        pod.in_flight -= 1
                        pod.act_in -= 1
                        free.append(pod)
                else:
                    pod.in_flight -= 1
                    complete(pod, flag, t)
                continue
            # ---------------------------------------------- pods ready, timeouts, whole seconds
            x = next_misc
            if ready_heap and ready_heap[0][0] <= x:
                make_ready(x)
            while act_queue and act_queue[0][0] + timeout <= x:
                act_queue.popleft()
                n_a -= 1
                area_a -= ns - x
                timeouts += 1
                act_timeouts += 1
            if requeue_at <= x:
                # a re-queued pass; on a whole second the second's own pass below is that pass
                requeue_at = inf
                if x < ns:
                    reconcile(x)
            if x >= ns:
                second = int(ns)
                # the metric record of the second that ends now
                if scrape_target and ready_count:
                    record(second, area_d if conc_metric else float(cnt_d))
                poke_now = False
                if act_stat:
                    value = area_a - credit if area_a > credit else 0.0
                    record(second, value if conc_metric else float(cnt_a) - credit)
                    poke_now = value > 0 and last_desired == 0
                    if area_a == 0:
                        act_stat = False
                    credit = 0.0
                concurrency = area_a + area_d
                arrived = cnt_a + cnt_d
                area_a = float(n_a)
                area_d = float(n_d)
                ns += 1.0
                cnt_a = cnt_d = 0
                if second % TICK_SECONDS == 0 or poke_now:
                    decide(second)
                reconcile(second)
                if ready_heap and ready_heap[0][0] <= second:
                    make_ready(second)
                in_panic = decider.panic_time is not None
                panic_seconds += in_panic
                proxy_seconds += proxy
                tl_arrivals(arrived)
                tl_desired(last_desired)
                tl_replicas(pa.replicas)
                tl_ready(ready_count)
                tl_pods(alive)
                tl_busy(len(heap) - 1)  # one heap entry per request in service
                tl_queued(len(act_queue) + pod_queued)
                tl_conc(concurrency)
                tl_panic(in_panic)
                tl_proxy(proxy)
                if progress is not None and second % progress_step == 0:
                    progress(min(1.0, second / end_seconds))
                if second >= end_seconds and i >= n and len(heap) == 1 and not act_queue:
                    break
                if (
                    skip_quiet
                    and quiet_tick == second
                    and len(heap) == 1
                    and not act_queue
                    and not pod_queued
                    and not ready_heap
                    and not act_stat
                    and requeue_at == inf
                    and n_a == 0
                    and n_d == 0
                    and alive == ready_count
                    and settled == (last_desired, last_ebc, ready_count)
                ):
                    # a fixed point: nothing in flight, starting, draining or timed; the
                    # reconciler settled; the decision repeats itself; the windows stay
                    # put. Every second before the next arrival's is the same.
                    stop = end_seconds if ta == inf else min(int(ta), end_seconds)
                    if stop > second + 1 and windows_still(second):
                        fast_forward(second + 1, stop)
                        ns = float(stop)
            next_misc = ns
            if ready_heap and ready_heap[0][0] < next_misc:
                next_misc = ready_heap[0][0]
            if act_queue and act_queue[0][0] + timeout < next_misc:
                next_misc = act_queue[0][0] + timeout
            if requeue_at < next_misc:
                next_misc = requeue_at

        view.release()  # the array can be resized again
        end = ns - 1.0
        for pod in pods:
            finish(pod, end, 0.0)

        firsts = sorted(latencies[k] for k in cold_firsts if k >= 0 and latencies[k] >= 0)
        completed, (p50, p90, p95, p99, p999), latency_max, latency_mean = latency_stats(
            latencies, any_rejected=bool(overflow or timeouts)
        )
        summary = Summary(
            requests=n,
            completed=completed,
            rejected=overflow + timeouts,
            overflowed=overflow,
            timed_out=timeouts,
            cold_start_requests=cold,
            latency_p50_seconds=p50,
            latency_p90_seconds=p90,
            latency_p95_seconds=p95,
            latency_p99_seconds=p99,
            latency_p999_seconds=p999,
            latency_max_seconds=latency_max,
            latency_mean_seconds=latency_mean,
            wait_mean_seconds=wait_total / completed if completed else None,
            wait_max_seconds=wait_max if completed else None,
            waited_requests=waited,
            peak_pods=peak,
            peak_ready_pods=peak_ready,
            pods_started=started,
            gpu_seconds=pod_seconds * self.gpus,
            startup_gpu_seconds=startup_seconds * self.gpus,
            simulated_seconds=len(tl.ready),
            panic_seconds=panic_seconds,
            proxy_seconds=proxy_seconds,
            cold_starts=len(cold_firsts),
            first_request_latency_p50_seconds=percentile(firsts, 50),
            first_request_latency_p99_seconds=percentile(firsts, 99),
            first_request_latency_max_seconds=firsts[-1] if firsts else None,
            first_requests_rejected=sum(1 for k in cold_firsts if k >= 0 and latencies[k] < 0),
            activator_timeouts=act_timeouts,
        )
        return summary, tl, latencies
