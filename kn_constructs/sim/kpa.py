"""Knative's Pod Autoscaler (KPA), one piece at a time, as plain Python.

Each piece reproduces one part of Knative Serving's autoscaler so that it can be checked
on its own against Knative's rules:

- :func:`resolve_target`: the per-pod target and the per-pod capacity ("total") from the
  revision's annotations, its ``containerConcurrency`` and ``config-autoscaler``
  (``ResolveMetricTarget``);
- :func:`panic_window_seconds`: the panic window from the stable window and its percentage;
- :class:`LinearWindow` and :class:`WeightedExponentialWindow`: the averages over 1-second
  buckets, with Knative's partial-window and idle-gap behaviour;
  :class:`MetricWindows` pairs a stable and a panic window as the metric collector does;
- :func:`sample_size`: how many pods the scraper samples;
- :class:`Decider`: one ``Scale()`` per call, with panic mode, rate clamps, activation scale,
  the scale-down-delay window and the excess burst capacity, keeping state between calls;
- :class:`PodAutoscaler`: the reconciler step that applies min/max/initial scale and runs
  the scale-to-zero state machine (grace period, pod retention, ``enable-scale-to-zero``),
  decides whether the activator is in the request path, and says when the scaler asks to be
  reconciled again (the re-queue);
- :func:`resolve_autoscaling`: all of the above resolved from a manifest's annotations.

Times are seconds as floats, counted from any origin that is a multiple of two seconds
(Knative derives 1-second buckets and the 2-second scale-down-delay buckets from Unix
time). Floating-point arithmetic follows Knative's Go code operation by operation
(``ceil(S / target)`` and so on), so decisions match it also where rounding matters.

Knative facts come from ``knative/serving`` (``pkg/autoscaler/scaling/autoscaler.go``,
``pkg/autoscaler/aggregation``, ``pkg/reconciler/autoscaling/kpa``); the names of its
functions are given in each docstring. Nothing here imports cdk8s.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, Protocol

from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative import _go
from kn_constructs.knative import rules as kn
from kn_constructs.knative.annotations import check_autoscaling_annotations
from kn_constructs.knative.durations import SECOND, parse_go_duration_ns
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings

__all__ = [
    "ACTIVATION_TIMEOUT_BUFFER_SECONDS",
    "ACTIVATOR_QUEUE_DEPTH",
    "BUCKET_SECONDS",
    "QUEUE_PROXY_DEPTH_FACTOR",
    "RPS_TARGET_UTILIZATION",
    "SCALE_UNKNOWN",
    "SKS_PROXY_REQUEUE_SECONDS",
    "TICK_SECONDS",
    "Algorithm",
    "Decider",
    "DeciderSpec",
    "LinearWindow",
    "MaxTimeWindow",
    "MetricWindow",
    "MetricWindows",
    "PAState",
    "PodAutoscaler",
    "Reconciliation",
    "ResolvedTarget",
    "RevisionAutoscaling",
    "ScaleDecision",
    "ScalerSpec",
    "SksMode",
    "WeightedExponentialWindow",
    "apply_bounds",
    "excess_burst_capacity",
    "go_round",
    "make_window",
    "panic_window_seconds",
    "resolve_autoscaling",
    "resolve_target",
    "sample_size",
    "smoothing_coefficient",
]

#: The decider runs ``Scale()`` every 2 s (``multiscaler.go :: tickInterval``).
TICK_SECONDS: Final = 2
#: Metric bucket width, scrape period and report period: 1 s (``config.go :: BucketSize``).
BUCKET_SECONDS: Final = 1
#: Utilization used with the ``rps`` metric; no ConfigMap key sets it (``TargetUtilization``).
RPS_TARGET_UTILIZATION: Final = 0.7
#: Added to the progress deadline before activation gives up (``scaler.go``).
ACTIVATION_TIMEOUT_BUFFER_SECONDS: Final = 30
#: Re-queue of a revision that may go inactive while the activator is already in the path
#: (``scaler.go :: handleScaleToZero``: "long enough to ensure current iteration is finished").
SKS_PROXY_REQUEUE_SECONDS: Final = 3
#: Requests one activator queues per revision before answering 503 (``breakerQueueDepth``).
ACTIVATOR_QUEUE_DEPTH: Final = 10000
#: The queue-proxy queues ``10 x containerConcurrency`` requests before answering 503.
QUEUE_PROXY_DEPTH_FACTOR: Final = 10
#: The decider's desired scale before it has decided anything (``scaleUnknown``).
SCALE_UNKNOWN: Final = -1
#: Weighted-exponential averaging: weight precision and smallest smoothing coefficient.
_WEIGHT_PRECISION: Final = 0.9999
_MIN_SMOOTHING: Final = 0.2
#: Scraper sample size constants: 95 % confidence (z = 1.96), variance 100, margin of error 5.
_SAMPLE_X: Final = 1.96 * 1.96 * 100 / (5 * 5)

Algorithm = Literal["linear", "weighted-exponential"]
Metric = Literal["concurrency", "rps"]
PAState = Literal["activating", "active", "inactive"]
SksMode = Literal["serve", "proxy"]


def go_round(value: float) -> float:
    """Round half away from zero, like Go's ``math.Round``."""
    whole = math.trunc(value)
    if abs(value - whole) >= 0.5:
        return whole + math.copysign(1.0, value)
    return float(whole)


def _round6(value: float) -> float:
    """Knative's ``roundToNDigits(6, value)``."""
    return go_round(value * 1e6) / 1e6


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class ResolvedTarget:
    """What one pod should carry, as Knative resolves it (``ResolveMetricTarget``).

    Attributes:
        target_value: The per-pod target the decider divides by:
            ``max(0.01, total_value x utilization)``.
        total_value: The per-pod capacity before utilization: ``containerConcurrency``, the
            ``target`` annotation, or the ConfigMap default. Used for the excess burst capacity.
    """

    target_value: float
    total_value: float


def _lookup(annotations: Mapping[str, str], key: str) -> str | None:
    """An annotation by its kebab-case key, else its legacy camelCase alias (``kmap.KeyPriority``)."""
    if key in annotations:
        return annotations[key]
    alias = kn.ANNOTATION_ALIASES.get(key)
    if alias is not None and alias in annotations:
        return annotations[alias]
    return None


def _float_annotation(annotations: Mapping[str, str], key: str) -> float | None:
    text = _lookup(annotations, key)
    return None if text is None else _go.parse_float(text)


def _metric_of(annotations: Mapping[str, str]) -> Metric:
    return "rps" if annotations.get(kn.ANN_METRIC) == "rps" else "concurrency"


def resolve_target(
    annotations: Mapping[str, str],
    container_concurrency: int,
    cluster: ClusterSettings = DEFAULT_SETTINGS,
) -> ResolvedTarget:
    """The per-pod target and capacity of a revision, exactly as Knative resolves them.

    * metric ``rps``: capacity ``requests-per-second-target-default`` (200), utilization 0.7;
    * metric ``concurrency``: capacity ``containerConcurrency`` if > 0, else
      ``container-concurrency-target-default`` (100); utilization
      ``container-concurrency-target-percentage`` (70 %);
    * the ``target`` annotation replaces the capacity (for concurrency, at most
      ``containerConcurrency`` when that is > 0);
    * ``target-utilization-percentage`` replaces the utilization;
    * target value = ``max(0.01, capacity x utilization)``.

    Args:
        annotations: The revision template's annotations as written in YAML (strings).
        container_concurrency: ``spec.template.spec.containerConcurrency``; 0 = unlimited.
        cluster: The ``config-autoscaler`` values. Default: Knative's defaults.

    Raises:
        ValueError: An annotation is not a number (check the manifest with
            :func:`kn_constructs.knative.check_autoscaling_annotations` first).
    """
    metric = _metric_of(annotations)
    if metric == "rps":
        total = float(cluster.requests_per_second_target_default)
        utilization = RPS_TARGET_UTILIZATION
    else:
        total = float(
            container_concurrency
            if container_concurrency > 0
            else cluster.container_concurrency_target_default
        )
        utilization = cluster.container_concurrency_target_fraction
    target = _float_annotation(annotations, kn.ANN_TARGET)
    if target is not None:
        total = target
        if metric == "concurrency" and container_concurrency > 0:
            total = min(target, float(container_concurrency))
    percentage = _float_annotation(annotations, kn.ANN_TARGET_UTILIZATION)
    if percentage is not None:
        utilization = percentage / 100
    return ResolvedTarget(target_value=max(kn.TARGET_MIN, total * utilization), total_value=total)


def panic_window_seconds(stable_window_seconds: float, panic_window_percentage: float) -> int:
    """The panic window in whole seconds (``resources.MakeMetric``).

    ``stable x percentage / 100``, rounded to the second half away from zero (Go's
    ``Duration.Round``), and at least one bucket (1 s). Examples: 60 s at 10 % gives 6 s;
    60 s at 51 % gives 31 s; 10 s at 10 % gives 1 s.

    Args:
        stable_window_seconds: The stable window (Knative allows 6..3600 whole seconds).
        panic_window_percentage: The panic window percentage (Knative allows 1..100).
    """
    stable_ns = round(stable_window_seconds * SECOND)
    panic_ns = int(float(stable_ns) * panic_window_percentage / 100)  # Go's float -> Duration truncates
    whole, rest = divmod(panic_ns, SECOND)
    if rest * 2 >= SECOND:
        whole += 1
    return max(BUCKET_SECONDS, whole)


def sample_size(ready_pods: int) -> int:
    """How many pods the scraper samples (``populationMeanSampleSize``).

    All of them up to 3; then ``ceil(N x X / (N + X - 1))`` with
    ``X = 1.96^2 x 100 / 5^2 = 15.3664`` (95 % confidence, variance 100, error 5):
    10 pods give 7, 100 give 14, 1000 give 16. The simulator uses every ready pod (the
    expected value of the sample); this function documents what Knative samples.

    Args:
        ready_pods: The number of ready pods; negative counts as 0.
    """
    if ready_pods <= 3:
        return max(0, ready_pods)
    return math.ceil(ready_pods * _SAMPLE_X / (ready_pods + _SAMPLE_X - 1))


# --------------------------------------------------------------------------- windows


class MetricWindow(Protocol):
    """A window over 1-second buckets: the interface the decider's inputs come from."""

    window_seconds: int

    def record(self, time_seconds: float, value: float) -> None:
        """Add ``value`` to the bucket of the second ``time_seconds`` falls in."""
        ...

    def average(self, now_seconds: float) -> float:
        """The window average as of ``now_seconds``."""
        ...

    def is_empty(self, now_seconds: float) -> bool:
        """Whether nothing was written within one window of ``now_seconds``."""
        ...


class _Ring:
    """Knative's bucket ring (``TimedFloat64Buckets``): one slot per second, reused mod W."""

    __slots__ = ("_buckets", "_first", "_last", "_total", "window_seconds")

    def __init__(self, window_seconds: int) -> None:
        if window_seconds < 1:
            raise ValueError(f"expected 1 <= {window_seconds}: a window has at least one 1-second bucket")
        self.window_seconds = window_seconds
        self._buckets = [0.0] * window_seconds
        self._first: int | None = None
        self._last: int | None = None
        self._total = 0.0

    @property
    def first_write(self) -> int | None:
        """The earliest second written since the ring was last reset (``firstWrite``), or ``None``."""
        return self._first

    @property
    def last_write(self) -> int | None:
        """The second of the last write, or ``None``."""
        return self._last

    def record(self, time_seconds: float, value: float) -> None:
        """Add ``value`` to the bucket of second ``floor(time_seconds)`` (``TimedFloat64Buckets.Record``).

        With ``s`` the second written, ``L`` the last second written, ``F`` the first write
        and ``W`` the window, as Knative's ``Record`` does at knative-v1.23.0:

        * ``s == L``: added to the newest bucket (several writes to one second are summed);
        * ``s <= L - W``: ignored, a whole window older than the newest write (its slot
          ``s mod W`` is the newest bucket's);
        * ``s < F``: a late record still inside the window moves ``F`` back to ``s``, so the
          partial-window average counts its bucket;
        * ``s - L >= W``: the ring is reset and ``F = s``;
        * ``L < s < L + W``: the seconds ``(L, s]`` are zero-filled and ``L = s``;
        * ``L - W < s < L``: added to its bucket, ``L`` stays.
        """
        second = math.floor(time_seconds)
        last = self._last
        buckets = self._buckets
        size = self.window_seconds
        if second == last:
            buckets[second % size] += value
            self._total += value
            return
        if last is not None and second == last + 1:  # the usual case: the next second (F <= L < s)
            index = second % size
            total = self._total - buckets[index]
            buckets[index] = value
            self._total = total + value
            self._last = second
            return
        if last is not None and second <= last - size:  # not bucketTime + window > lastWrite
            return
        first = self._first
        if first is None or second < first:
            self._first = second
        if last is None or second - last >= size:
            for i in range(size):
                buckets[i] = 0.0
            self._total = 0.0
            self._first = second
            self._last = second
        elif second > last:
            total = self._total
            for s in range(last + 1, second + 1):
                index = s % size
                total -= buckets[index]
                buckets[index] = 0.0
            self._total = total
            self._last = second
        buckets[second % size] += value
        self._total += value

    def is_empty(self, now_seconds: float) -> bool:
        """Whether the last write is more than one window before ``now`` (``isEmptyLocked``)."""
        return self._last is None or math.floor(now_seconds) - self._last > self.window_seconds


class LinearWindow(_Ring):
    """The default average: the plain mean of the buckets in the window (``WindowAverage``).

    With ``L`` the last second written, ``F`` the first since the last reset (moved back by
    a late record, see :meth:`record`) and ``W`` the window, at ``now`` (truncated to the
    second):

    * ``now <= L``: sum / ``min(L - F + 1, W)``: a partial window is averaged only over the
      seconds since the first write;
    * ``0 < now - L < W``: the seconds after the last write are dropped, not counted as
      zeros: sum of ``(now - W, L]`` / ``min(L - F + 1, W - (now - L))``;
    * ``now - L >= W``: 0.

    The result is rounded to 6 decimals, as Knative does. The running sum is kept the way
    Knative keeps it (added on write, subtracted when a slot is reused).
    """

    __slots__ = ()

    def average(self, now_seconds: float) -> float:
        """The window average as of ``now_seconds``."""
        last = self._last
        first = self._first
        if last is None or first is None:
            return 0.0
        now = math.floor(now_seconds)
        size = self.window_seconds
        gap = now - last
        if gap <= 0:
            count = last - first + 1
            return _round6(self._total / (count if count < size else size))
        if gap >= size:
            return 0.0
        total = self._total
        buckets = self._buckets
        for s in range(last + 1, now + 1):
            total -= buckets[s % size]
        return _round6(total / min(last - first + 1, size - gap))


def smoothing_coefficient(buckets: int) -> float:
    """The weighted-exponential smoothing coefficient (``computeSmoothingCoeff``).

    ``max(1 - (1 - 0.9999)^(1 / buckets), 0.2)``: 60 buckets give the floor 0.2, 6 give
    about 0.7846, 5 about 0.8415.

    Args:
        buckets: The number of 1-second buckets in the window; >= 1.
    """
    return max(1.0 - math.pow(1.0 - _WEIGHT_PRECISION, 1.0 / buckets), _MIN_SMOOTHING)


class WeightedExponentialWindow(_Ring):
    """Weighted-exponential averaging (annotation ``metric-aggregation-algorithm``).

    ``sum over k < W - g of bucket[L - k] x c x (1 - c)^(g + k)`` with ``c`` the
    :func:`smoothing_coefficient` and ``g = now - L`` the idle seconds since the last write.
    Unlike :class:`LinearWindow`, missing history counts as zeros (no renormalisation of a
    partial window), idle seconds make the value decay instead of being dropped, and the
    result is not rounded. 0 when the ring is empty.
    """

    __slots__ = ("coefficient",)

    def __init__(self, window_seconds: int) -> None:
        super().__init__(window_seconds)
        self.coefficient = smoothing_coefficient(window_seconds)

    def average(self, now_seconds: float) -> float:
        """The weighted average as of ``now_seconds``."""
        last = self._last
        if last is None or self.is_empty(now_seconds):
            return 0.0
        now = math.floor(now_seconds)
        size = self.window_seconds
        c = self.coefficient
        multiplier = c
        count = size
        if now > last:
            idle = now - last
            multiplier *= (1 - c) ** idle
            count -= idle
        buckets = self._buckets
        total = 0.0
        for k in range(count):
            total += buckets[(last - k) % size] * multiplier
            multiplier *= 1 - c
        return total


def make_window(
    window_seconds: int, algorithm: Algorithm = "linear"
) -> LinearWindow | WeightedExponentialWindow:
    """A window of ``window_seconds`` 1-second buckets with the given averaging algorithm.

    Args:
        window_seconds: Number of buckets (``ceil(window / 1 s)``).
        algorithm: ``"linear"`` (Knative's default) or ``"weighted-exponential"``.
    """
    if algorithm == "weighted-exponential":
        return WeightedExponentialWindow(window_seconds)
    return LinearWindow(window_seconds)


class MetricWindows:
    """The stable and panic windows of one metric, as the metric collector keeps them.

    Every record goes into both windows (``collection.record``). :meth:`stable_and_panic`
    returns ``None`` when the stable window has had no write for more than a window and a
    scrape target exists (``ErrNoData``): the decider then makes no decision.

    Args:
        stable_seconds: The stable window in seconds.
        panic_seconds: The panic window in seconds (:func:`panic_window_seconds`).
        algorithm: The averaging algorithm of both windows.
    """

    __slots__ = ("panic", "stable")

    def __init__(self, stable_seconds: int, panic_seconds: int, algorithm: Algorithm = "linear") -> None:
        self.stable = make_window(stable_seconds, algorithm)
        self.panic = make_window(panic_seconds, algorithm)

    def record(self, time_seconds: float, value: float) -> None:
        """Add ``value`` to the bucket of ``time_seconds`` in both windows."""
        self.stable.record(time_seconds, value)
        self.panic.record(time_seconds, value)

    def stable_and_panic(
        self, now_seconds: float, *, scrape_target: bool = True
    ) -> tuple[float, float] | None:
        """The stable and panic averages, or ``None`` when there is no data to scale on.

        Args:
            now_seconds: The decision time.
            scrape_target: Whether the revision has a scrape target (false only with
                ``target-burst-capacity: -1``, where only the activator reports and an empty
                window simply averages to 0).
        """
        if scrape_target and self.stable.is_empty(now_seconds):
            return None
        return self.stable.average(now_seconds), self.panic.average(now_seconds)


# --------------------------------------------------------------------------- decider


@dataclass(frozen=True)
class DeciderSpec:
    """The values one revision's decider works with (``resources.MakeDecider``).

    Attributes:
        target_value: Per-pod target (:attr:`ResolvedTarget.target_value`); >= 0.01.
        total_value: Per-pod capacity (:attr:`ResolvedTarget.total_value`), for the excess
            burst capacity.
        target_burst_capacity: ``target-burst-capacity``: 0 (activator only at zero pods),
            -1 (activator always in the path) or a positive number of requests. Default 211.
        panic_threshold: ``panic-threshold-percentage / 100``. Default 2.0.
        max_scale_up_rate: ``max-scale-up-rate``. Default 1000.
        max_scale_down_rate: ``max-scale-down-rate``. Default 2.
        stable_window_seconds: The stable window; panic mode lasts at least this long.
        scale_down_delay_seconds: ``scale-down-delay``; 0 = none. Default 0.
        activation_scale: ``activation-scale``; 1 = not set. Default 1.
        reachable: Whether the revision is routed; the scale-down rate clamp applies only
            then. Default true.
    """

    target_value: float
    total_value: float
    target_burst_capacity: float = 211.0
    panic_threshold: float = 2.0
    max_scale_up_rate: float = 1000.0
    max_scale_down_rate: float = 2.0
    stable_window_seconds: float = 60.0
    scale_down_delay_seconds: float = 0.0
    activation_scale: int = 1
    reachable: bool = True


class ScaleDecision(NamedTuple):
    """What one ``Scale()`` returns.

    Attributes:
        desired: The desired pod count, or :data:`SCALE_UNKNOWN` when not valid.
        excess_burst_capacity: Spare capacity beyond the target burst capacity; negative
            means the activator must stay in the request path.
        valid: False when there was no data to decide on; the previous decision stands.
    """

    desired: int
    excess_burst_capacity: int
    valid: bool


class MaxTimeWindow:
    """The maximum of the values recorded over the last ``duration`` (``max.TimeWindow``).

    Values go into buckets of ``granularity`` seconds (index ``floor(t) // granularity``,
    Knative derives it from Unix seconds); a value falls out once a value is recorded
    ``ceil(duration / granularity)`` or more buckets later. The decider uses it for the
    scale-down delay with a granularity of 2 s.

    Args:
        duration_seconds: How far back the maximum looks; > 0.
        granularity_seconds: Bucket width in whole seconds. Default 2.
    """

    __slots__ = ("_entries", "_granularity", "_size")

    def __init__(self, duration_seconds: float, granularity_seconds: int = TICK_SECONDS) -> None:
        if not duration_seconds > 0:
            raise ValueError(f"expected 0 < {duration_seconds}: a max window needs a duration")
        self._size = math.ceil(duration_seconds / granularity_seconds)
        self._granularity = granularity_seconds
        self._entries: deque[tuple[int, float]] = deque()

    def record(self, time_seconds: float, value: float) -> None:
        """Record ``value`` at ``time_seconds`` (monotonic times)."""
        index = math.floor(time_seconds) // self._granularity
        entries = self._entries
        while entries and entries[-1][1] <= value:
            entries.pop()
        while entries and index - entries[0][0] >= self._size:
            entries.popleft()
        if entries and entries[-1][0] == index:
            value = max(value, entries.pop()[1])
        entries.append((index, value))

    def current(self) -> float:
        """The maximum of the values in the window (0 before the first record)."""
        return self._entries[0][1] if self._entries else 0.0


def excess_burst_capacity(
    ready_pods: int, total_value: float, target_burst_capacity: float, panic_value: float
) -> int:
    """Spare capacity beyond the target burst capacity (``autoscaler.Scale``).

    0 when the burst capacity is 0, -1 when it is negative (activator always in the path),
    else ``floor(ready x total - burst capacity - panic value)``.

    Args:
        ready_pods: Ready pods (0 allowed).
        total_value: Per-pod capacity.
        target_burst_capacity: The target burst capacity.
        panic_value: The panic-window average of the metric.
    """
    if target_burst_capacity == 0:
        return 0
    if target_burst_capacity < 0:
        return -1
    return math.floor(ready_pods * total_value - target_burst_capacity - panic_value)


class Decider:
    """One revision's autoscaling decider (``autoscaler.Scale``), state kept between calls.

    Each :meth:`scale` call is one decision:

    1. ``R = max(1, ready)``; the allowed range is ``[floor(R / max-scale-down-rate),
       ceil(max-scale-up-rate x R)]`` (the lower end is 0 when not reachable);
    2. raw demand ``dS = ceil(S / target)`` and ``dP = ceil(P / target)``, each clamped to
       that range; then, with an activation scale above 1, a non-zero demand is raised to it;
    3. panic starts (or is extended) when ``dP / R >= panic threshold`` (raw ``dP``); it ends
       on a decision not over the threshold that comes more than one stable window after the
       last one over it;
    4. in panic the result is ``max(stable, panic)`` and never goes down (a running maximum);
    5. with a scale-down delay, the result is the maximum of the decisions of the last
       ``delay`` seconds (:class:`MaxTimeWindow`, 2-second buckets);
    6. the excess burst capacity is computed from the raw ready count and the panic value.

    A new decider remembers the pods ready when it is created as its max panic pods, whatever
    their number (0 and 1 included), and starts in panic when more than one is ready, holding
    that many pods (``newAutoscaler``: ``maxPanicPods: int32(curC)``, panic only for
    ``curC > 1``), as Knative does after an autoscaler restart.

    Args:
        spec: The resolved values.
        ready_pods_at_start: Ready pods when the decider is created. Default 0.
        now_seconds: Creation time (the start of panic when starting in panic). Default 0.
    """

    def __init__(self, spec: DeciderSpec, *, ready_pods_at_start: int = 0, now_seconds: float = 0.0) -> None:
        self.spec = spec
        self.panic_time: float | None = now_seconds if ready_pods_at_start > 1 else None
        self.max_panic_pods = ready_pods_at_start
        self._delay: MaxTimeWindow | None = (
            MaxTimeWindow(spec.scale_down_delay_seconds) if spec.scale_down_delay_seconds > 0 else None
        )

    @property
    def in_panic(self) -> bool:
        """Whether the decider is in panic mode."""
        return self.panic_time is not None

    def scale(
        self,
        now_seconds: float,
        ready_pods: int,
        stable_concurrency: float | None,
        panic_concurrency: float | None,
    ) -> ScaleDecision:
        """Decide the desired pod count.

        Args:
            now_seconds: The decision time.
            ready_pods: Ready pods (Running, Ready, not terminating).
            stable_concurrency: The stable-window average of the metric (revision total),
                or ``None`` when there is no data (the decision is then not valid).
            panic_concurrency: The panic-window average, or ``None``.

        Returns:
            The desired pod count, the excess burst capacity and whether it is valid.
        """
        if stable_concurrency is None or panic_concurrency is None:
            return ScaleDecision(SCALE_UNKNOWN, 0, False)
        spec = self.spec
        ready = float(max(1, ready_pods))
        max_up = math.ceil(spec.max_scale_up_rate * ready)
        max_down = math.floor(ready / spec.max_scale_down_rate) if spec.reachable else 0
        raw_stable = math.ceil(stable_concurrency / spec.target_value)
        raw_panic = math.ceil(panic_concurrency / spec.target_value)
        stable_pods = min(max(raw_stable, max_down), max_up)
        panic_pods = min(max(raw_panic, max_down), max_up)
        if spec.activation_scale > 1:
            if raw_stable > 0 and stable_pods < spec.activation_scale:
                stable_pods = spec.activation_scale
            if raw_panic > 0 and panic_pods < spec.activation_scale:
                panic_pods = spec.activation_scale
        if raw_panic / ready >= spec.panic_threshold:
            self.panic_time = now_seconds
        elif self.panic_time is not None and self.panic_time + spec.stable_window_seconds < now_seconds:
            self.panic_time = None
            self.max_panic_pods = 0
        want = stable_pods
        if self.panic_time is not None:
            want = max(stable_pods, panic_pods)
            if want > self.max_panic_pods:
                self.max_panic_pods = want
            want = self.max_panic_pods
        if spec.reachable and self._delay is not None:
            self._delay.record(now_seconds, want)
            want = int(self._delay.current())
        ebc = excess_burst_capacity(
            ready_pods, spec.total_value, spec.target_burst_capacity, panic_concurrency
        )
        return ScaleDecision(want, ebc, True)


# --------------------------------------------------------------------------- reconciler


@dataclass(frozen=True)
class ScalerSpec:
    """The values the PodAutoscaler reconciler applies after the decider.

    Attributes:
        min_scale: ``min-scale``; ignored when not reachable. Default 0.
        max_scale: ``max-scale``, or ``None`` for unlimited (Knative's 0). Default ``None``.
        initial_scale: ``initial-scale``: the floor until the revision first reaches it. Default 1.
        enable_scale_to_zero: ``enable-scale-to-zero``; when false the floor is 1 pod.
        stable_window_seconds: The stable window: an Active revision must have been Active
            this long before it may go Inactive.
        grace_period_seconds: ``scale-to-zero-grace-period``. Default 30.
        retention_seconds: ``scale-to-zero-pod-retention-period``. Default 0.
        target_burst_capacity: ``target-burst-capacity`` (-1 skips the activator probe).
        progress_deadline_seconds: ``progress-deadline``; activation gives up after this
            plus 30 s. Default 600.
        reachable: Whether the revision is routed. Default true.
    """

    min_scale: int = 0
    max_scale: int | None = None
    initial_scale: int = 1
    enable_scale_to_zero: bool = True
    stable_window_seconds: float = 60.0
    grace_period_seconds: float = 30.0
    retention_seconds: float = 0.0
    target_burst_capacity: float = 211.0
    progress_deadline_seconds: float = 600.0
    reachable: bool = True


def apply_bounds(desired: int, min_scale: int, max_scale: int | None) -> int:
    """Knative's ``applyBounds`` (``scaler.go``, knative-v1.23.0), ``None`` standing for no max.

    Below the floor it returns the floor, without looking at the cap, so a floor above the
    cap (initial-scale above max-scale before the revision is initialized) wins; otherwise
    it caps at ``max_scale``. ``apply_bounds(1, 12, 3) == 12`` but ``apply_bounds(20, 12, 3) == 3``.
    """
    if desired < min_scale:
        return min_scale
    if max_scale is not None and desired > max_scale:
        return max_scale
    return desired


@dataclass(frozen=True)
class Reconciliation:
    """The outcome of one reconciler pass.

    Attributes:
        want: The scaler's result: a pod count, 0 (scaled or scaling to zero) or
            :data:`SCALE_UNKNOWN` (nothing decided yet, or waiting while activating).
        replicas: The Deployment's ``spec.replicas`` after this pass.
        patched: Whether this pass changed ``spec.replicas``.
        state: The PodAutoscaler's Active condition: ``activating``, ``active``, ``inactive``.
        mode: ``proxy`` (activator in the request path) or ``serve`` (direct to pods).
        requeue_after: Seconds after which the scaler asked for the revision to be reconciled
            again (``handleScaleToZero``'s ``enqueueCB``), or ``None`` when it asked for none.
    """

    want: int
    replicas: int
    patched: bool
    state: PAState
    mode: SksMode
    requeue_after: float | None = None


class _Scaled(NamedTuple):
    """What ``scaler.scale`` returns, and the re-queue it asked for."""

    want: int
    apply: bool
    requeue_after: float | None = None


class PodAutoscaler:
    """The KPA reconciler of one revision (``kpa.go :: ReconcileKind``, ``scaler.go :: scale``).

    Each :meth:`reconcile` pass takes the decider's latest desired scale and excess burst
    capacity and:

    1. applies the bounds (:func:`apply_bounds`): ``min-scale``, raised to ``initial-scale``
       until the revision is initialized, and ``max-scale``; below the floor the floor wins,
       even above max-scale;
    2. for a desired scale of 0 runs the scale-to-zero steps (``handleScaleToZero``): 1 pod
       when scale to zero is disabled; while activating, wait (or give up after the progress
       deadline + 30 s); while active, keep 1 pod until the revision has been active for a
       stable window, then go inactive without touching the replicas; while inactive, set 0
       replicas once inactive for ``max(grace, retention)``, or once the activator has been
       in the path for the grace period and no retention is pending;
    3. patches ``spec.replicas`` when it differs;
    4. puts the activator in the path when the result is 0, the excess burst capacity is
       negative, or nothing is decided while inactive;
    5. updates the Active condition from the ready pods: inactive at 0, activating below
       ``max(min-scale, initial-scale)`` (``max(min-scale, 1)`` once initialized), else
       active.

    Where Knative's scaler asks to be reconciled again, the pass says after how long
    (:attr:`Reconciliation.requeue_after`): while activating, after the whole activation
    timeout (progress deadline + 30 s); while active and waiting for the stable window, after
    what remains of it; once active for the stable window with the activator already in the
    path, after 3 s; while inactive, after what remains of the pod retention, else of the
    grace period counted from when the activator entered the path.

    The activator probe is taken to succeed at once, and the activator's endpoints count as
    populated from the moment the mode switches to proxy (conventions of the simulator).

    Args:
        spec: The resolved bounds and scale-to-zero settings.
        replicas: The Deployment's ``spec.replicas`` now.
        state: The Active condition now.
        state_since: When that condition last changed (``-inf``: long ago).
        mode: The data path now.
        proxy_since: Since when the activator has been in the path, if it is.
        initialized: Whether the revision has reached its initial scale once.
    """

    def __init__(
        self,
        spec: ScalerSpec,
        *,
        replicas: int,
        state: PAState,
        state_since: float = -math.inf,
        mode: SksMode = "proxy",
        proxy_since: float | None = -math.inf,
        initialized: bool = True,
    ) -> None:
        self.spec = spec
        self.replicas = replicas
        self.state: PAState = state
        self.state_since = state_since
        self.mode: SksMode = mode
        self.proxy_since = proxy_since if mode == "proxy" else None
        self.initialized = initialized

    def bounds(self) -> tuple[int, int | None]:
        """The ``(min, max)`` applied now.

        min-scale (0 when unreachable), raised to initial-scale until the revision is
        initialized (so it may exceed max-scale); max-scale (``None``: unlimited).
        """
        spec = self.spec
        low = spec.min_scale if spec.reachable else 0
        if spec.initial_scale > 1 and not self.initialized and spec.reachable:
            low = max(low, spec.initial_scale)
        return low, spec.max_scale

    def min_ready(self) -> int:
        """Ready pods needed to be Active (``activeThreshold``)."""
        low = self.spec.min_scale if self.spec.reachable else 0
        if not self.initialized:
            return max(low, self.spec.initial_scale)
        return max(low, 1)

    def _scale(self, now: float, desired: int) -> _Scaled:
        """``scaler.scale``: the scale to report, whether to apply it, and the re-queue."""
        if desired < 0 and self.state != "activating":
            return _Scaled(desired, False)
        low, high = self.bounds()
        desired = apply_bounds(desired, low, high)
        if desired != 0:
            return _Scaled(desired, True)
        return self._scale_to_zero(now)

    def _scale_to_zero(self, now: float) -> _Scaled:
        """``handleScaleToZero`` for a desired scale of 0."""
        spec = self.spec
        if not spec.enable_scale_to_zero:
            return _Scaled(1, True)
        since = now - self.state_since
        if self.state == "activating":
            timeout = spec.progress_deadline_seconds + ACTIVATION_TIMEOUT_BUFFER_SECONDS
            if since > timeout:  # CanFailActivation: strictly longer
                return _Scaled(0, True)
            return _Scaled(SCALE_UNKNOWN, False, timeout)  # enqueueCB(pa, activationTimeout)
        if self.state == "active":
            if since >= spec.stable_window_seconds:
                # the SKS mode as this pass found it: in proxy mode nothing else may re-trigger
                requeue = SKS_PROXY_REQUEUE_SECONDS if self.mode == "proxy" else None
                return _Scaled(0, False, requeue)
            return _Scaled(1, True, spec.stable_window_seconds - since)
        retention = spec.retention_seconds if spec.reachable else 0.0
        grace = spec.grace_period_seconds
        if since >= max(grace, retention):
            return _Scaled(0, True)
        if retention > 0 and since < retention:
            return _Scaled(0, False, retention - since)
        proxy_for = now - self.proxy_since if self.proxy_since is not None else 0.0  # ProxyFor: 0 if not
        wait = grace - proxy_for
        if wait <= 0:
            return _Scaled(0, True)
        return _Scaled(0, False, wait)

    def reconcile(
        self, now_seconds: float, desired: int, excess_burst_capacity: int, ready_pods: int
    ) -> Reconciliation:
        """One reconciler pass at ``now_seconds``.

        Args:
            now_seconds: The time of the pass.
            desired: The decider's latest desired scale (:data:`SCALE_UNKNOWN` if none).
            excess_burst_capacity: The decider's latest excess burst capacity.
            ready_pods: Ready pods now.
        """
        want, apply, requeue = self._scale(now_seconds, desired)
        patched = False
        if apply and want != self.replicas:
            self.replicas = want
            patched = True
        proxy = want == 0 or excess_burst_capacity < 0 or (want == SCALE_UNKNOWN and self.state == "inactive")
        mode: SksMode = "proxy" if proxy else "serve"
        if mode != self.mode:
            self.mode = mode
            self.proxy_since = now_seconds if mode == "proxy" else None
        self._update_state(now_seconds, want, ready_pods)
        return Reconciliation(want, self.replicas, patched, self.state, self.mode, requeue)

    def _update_state(self, now: float, want: int, ready: int) -> None:
        """``computeActiveCondition``."""
        min_ready = self.min_ready()
        if ready >= min_ready:
            self.initialized = True
        if want == 0 or min_ready == 0:
            self._set_state(now, "inactive")
        elif ready < min_ready:
            self._set_state(now, "activating" if want > 0 or self.state != "inactive" else "inactive")
        elif want > 0 or self.state != "inactive":
            self._set_state(now, "active")

    def _set_state(self, now: float, state: PAState) -> None:
        if state != self.state:
            self.state = state
            self.state_since = now


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class RevisionAutoscaling:
    """Everything the KPA needs about one revision, resolved from its annotations.

    Attributes:
        metric: ``concurrency`` or ``rps``.
        algorithm: ``linear`` or ``weighted-exponential``.
        container_concurrency: The hard limit; 0 = unlimited.
        target: The resolved per-pod target and capacity.
        stable_window_seconds: The stable window in seconds.
        panic_window_seconds: The panic window in whole seconds.
        decider: The decider's values.
        scaler: The reconciler's values.
    """

    metric: Metric
    algorithm: Algorithm
    container_concurrency: int
    target: ResolvedTarget
    stable_window_seconds: int
    panic_window_seconds: int
    decider: DeciderSpec
    scaler: ScalerSpec


def _duration_annotation(annotations: Mapping[str, str], key: str) -> float | None:
    text = _lookup(annotations, key)
    if text is None:
        return None
    return parse_go_duration_ns(text) / SECOND


def _int_annotation(annotations: Mapping[str, str], key: str) -> int | None:
    text = _lookup(annotations, key)
    return None if text is None else _go.parse_int(text, 32)


def resolve_autoscaling(
    annotations: Mapping[str, str],
    container_concurrency: int,
    cluster: ClusterSettings = DEFAULT_SETTINGS,
    *,
    path: str = "spec.template.metadata.annotations",
) -> RevisionAutoscaling:
    """Resolve every KPA value of a revision from its template annotations and the cluster.

    Each value comes from its annotation when present (kebab-case key first, then the
    legacy camelCase alias) and otherwise from ``config-autoscaler`` (``cluster``):
    window, panic window percentage and threshold, target burst capacity, min/max/initial
    and activation scale, scale-down delay, pod retention, aggregation algorithm, metric;
    the rates, grace period and ``enable-scale-to-zero`` are cluster-wide only. The progress
    deadline comes from ``serving.knative.dev/progress-deadline`` or ``config-deployment``.

    Args:
        annotations: The revision template's annotations, values as strings.
        container_concurrency: ``containerConcurrency``; 0 = unlimited.
        cluster: The cluster's settings. Default: Knative's defaults.
        path: Where the annotations are, for error paths.

    Raises:
        ValidationError: The annotations break Knative's rules (every problem, with
            Knative's wording and the annotation's path), or the class is not the KPA.
    """
    problems = check_autoscaling_annotations(annotations, settings=cluster, path=path)
    autoscaler_class = annotations.get(kn.ANN_CLASS, cluster.pod_autoscaler_class)
    if autoscaler_class != kn.KPA_CLASS:
        problems.append(
            Problem(
                "KNATIVE-ANNOTATION-VALUE",
                f"{path}.{kn.ANN_CLASS}",
                f"the simulator models the KPA only, not {autoscaler_class!r}",
                value=autoscaler_class,
                allowed=kn.KPA_CLASS,
                hint="simulate the revision with the KPA class (the default)",
            )
        )
    raise_for_errors(problems, subject="autoscaling annotations")
    metric = _metric_of(annotations)
    algorithm_text = _lookup(annotations, kn.ANN_METRIC_AGGREGATION)
    algorithm: Algorithm = (
        "weighted-exponential"
        if algorithm_text in ("weighted-exponential", "weightedExponential")
        else "linear"
    )
    window = _duration_annotation(annotations, kn.ANN_WINDOW)
    stable = int(window) if window is not None else cluster.stable_window_seconds
    panic_percentage = _float_annotation(annotations, kn.ANN_PANIC_WINDOW_PERCENTAGE)
    panic_percentage = cluster.panic_window_percentage if panic_percentage is None else panic_percentage
    threshold = _float_annotation(annotations, kn.ANN_PANIC_THRESHOLD_PERCENTAGE)
    threshold = cluster.panic_threshold_percentage if threshold is None else threshold
    tbc = _float_annotation(annotations, kn.ANN_TARGET_BURST_CAPACITY)
    tbc = cluster.target_burst_capacity if tbc is None else tbc
    delay = _duration_annotation(annotations, kn.ANN_SCALE_DOWN_DELAY)
    delay = float(cluster.scale_down_delay_seconds) if delay is None else delay
    retention = _duration_annotation(annotations, kn.ANN_SCALE_TO_ZERO_POD_RETENTION)
    retention = float(cluster.scale_to_zero_pod_retention_period_seconds) if retention is None else retention
    min_scale = _int_annotation(annotations, kn.ANN_MIN_SCALE)
    min_scale = cluster.min_scale if min_scale is None else min_scale
    max_scale = _int_annotation(annotations, kn.ANN_MAX_SCALE)
    max_scale = cluster.max_scale if max_scale is None else max_scale
    initial_text = _lookup(annotations, kn.ANN_INITIAL_SCALE)
    initial = cluster.initial_scale if initial_text is None else _go.parse_int(initial_text, 64, func="Atoi")
    activation = _int_annotation(annotations, kn.ANN_ACTIVATION_SCALE)
    deadline = annotations.get(kn.ANN_PROGRESS_DEADLINE)
    progress_deadline = (
        parse_go_duration_ns(deadline) / SECOND if deadline else float(cluster.progress_deadline_seconds)
    )
    target = resolve_target(annotations, container_concurrency, cluster)
    decider = DeciderSpec(
        target_value=target.target_value,
        total_value=target.total_value,
        target_burst_capacity=tbc,
        panic_threshold=threshold / 100,
        max_scale_up_rate=cluster.max_scale_up_rate,
        max_scale_down_rate=cluster.max_scale_down_rate,
        stable_window_seconds=float(stable),
        scale_down_delay_seconds=delay,
        activation_scale=activation if activation is not None else 1,
    )
    scaler = ScalerSpec(
        min_scale=min_scale,
        max_scale=max_scale if max_scale != 0 else None,
        initial_scale=initial,
        enable_scale_to_zero=cluster.enable_scale_to_zero,
        stable_window_seconds=float(stable),
        grace_period_seconds=float(cluster.scale_to_zero_grace_period_seconds),
        retention_seconds=retention,
        target_burst_capacity=tbc,
        progress_deadline_seconds=progress_deadline,
    )
    return RevisionAutoscaling(
        metric=metric,
        algorithm=algorithm,
        container_concurrency=container_concurrency,
        target=target,
        stable_window_seconds=stable,
        panic_window_seconds=panic_window_seconds(stable, panic_percentage),
        decider=decider,
        scaler=scaler,
    )
