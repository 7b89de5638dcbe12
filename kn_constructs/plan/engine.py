"""Simulate every model of a fleet under every policy, and work out what each costs.

Each model's day is simulated once per policy with :func:`kn_constructs.sim.simulate` (the
same trace and the same startup seed for every policy: common random numbers, so differences
between policies come from the policies), in worker processes (``jobs``). From each run:

* **cold starts**: scale-from-zero events, counted as the first request arriving in a second
  whose start had the Deployment at 0 replicas (the timeline's ``replicas``); the
  **first-request latency** is that request's latency (queueing for the pod included);
* **rejected**: requests cut off at ``timeoutSeconds`` (the activator counts the wait for a pod
  against it) or refused by a full queue;
* **GPU-hours**: pods holding a GPU at each whole second of the day (the timeline's ``pods``)
  x GPUs per pod; cost = GPU-hours x the class's price; a month is 30 days.

The day starts as it ended: the trace's last hour is replayed first (:func:`warmed_trace`) and
only the day's own requests and seconds are counted. Traces shorter or longer than a day are
scaled to a day (figures x 86400 / trace seconds).

**Break-even rate** (closed form, steady Poisson traffic at rate λ): a scale-to-zero policy goes
to zero after an idle time ``T`` (its stable window, scale-down delay and retention). Each gap
between requests longer than ``T`` is one cold start and, against min-scale 1, saves the
pod-seconds at zero, ``gap - T``: ``1/λ`` on average whatever ``T`` is (exponential gaps have
no memory). It costs ``c``, what you put on a cold start, and ``E`` extra pod-seconds: the
extra pods a cold start makes the autoscaler ask for (the requests waiting in the activator
count as demand). The new pod's own startup costs nothing extra: min-scale 1 holds its idle pod
over the same seconds. Both policies pay for the same gaps, so scale to zero is cheaper exactly
when ``1/λ > E + c / p`` (``p`` the price of a pod-second):

    λ* = 1 / (E + 3600 c / (P x GPUs per pod))      P: price per GPU-hour

``E`` is measured from the two runs at the model's own traffic: ``E = (G0 - G1 + Z) / N0``
(``G0``, ``G1``: pod-seconds of the day under the scale-to-zero policy and min-scale 1, ``Z``:
its seconds at zero pods, ``N0``: its cold starts), at least 0 (0 when there is no cold start to
measure). With ``c = 0`` and ``E = 0`` there is no break-even: scale to zero never costs more
GPU time (λ* is infinite). ``T`` cancels, so every scale-to-zero variant has about the same
break-even against min-scale 1; which of them is cheaper depends on how the gaps are spread,
which only the simulation of the real traffic tells.

**Recommendation**: among the policies with the fewest timed-out requests, the one with the
lowest ``GPU cost + c x cold starts`` per day; ties go to fewer cold starts, then to the order
given.
"""

from __future__ import annotations

import math
import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Final

from kn_constructs.plan.inputs import DAY_SECONDS, Model, Prices, Traffic, model_seed
from kn_constructs.plan.policies import Policy
from kn_constructs.sim.distributions import Distribution
from kn_constructs.sim.simulate import percentile, simulate
from kn_constructs.sim.traces import Trace

__all__ = [
    "DAYS_PER_MONTH",
    "FleetHours",
    "ModelPlan",
    "Outcome",
    "break_even_rate",
    "default_jobs",
    "fleet_hours",
    "plan_models",
    "run_model",
    "warmed_trace",
]

#: Days in the month of the monthly figures.
DAYS_PER_MONTH: Final = 30


def default_jobs() -> int:
    """``min(2, CPU count)``."""
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Outcome:
    """One model under one policy, for one simulated day (per-day figures scaled to 24 h).

    Attributes:
        policy: The policy's name.
        same_as: When the policy leaves the Service exactly as another one does, that one's
            name (the run is shared); else ``""``.
        requests_per_day: Requests.
        cold_starts_per_day: Scale-from-zero events.
        first_request_p50_seconds: Median latency of the first request of a cold start.
        first_request_p99_seconds: Its 99th percentile (nearest rank).
        first_request_failed_per_day: First requests of a cold start that were rejected.
        rejected_per_day: Requests that failed: cut off at ``timeoutSeconds`` (the activator
            counts the wait for a pod against it) or refused by a full queue.
        latency_p50_seconds: Median latency of the completed requests (queueing included).
        latency_p99_seconds: Their 99th percentile.
        gpu_hours_per_day: GPU-hours.
        zero_seconds: Seconds of the day with no pod holding a GPU.
        pods_started: Pods started in the run (warm-up included).
        pods: Pods holding a GPU at each whole second of the day (for the fleet totals).
        trace_seconds: Seconds of traffic planned (the trace's length; a day for generated traffic).
        warmup_seconds: Seconds replayed before the day (:func:`warmed_trace`).
    """

    policy: str
    same_as: str
    requests_per_day: float
    cold_starts_per_day: float
    first_request_p50_seconds: float | None
    first_request_p99_seconds: float | None
    first_request_failed_per_day: float
    rejected_per_day: float
    latency_p50_seconds: float | None
    latency_p99_seconds: float | None
    gpu_hours_per_day: float
    zero_seconds: int
    pods_started: int
    pods: array[int] = field(repr=False)
    trace_seconds: float = 0.0
    warmup_seconds: int = 0


@dataclass(frozen=True)
class ModelPlan:
    """Every policy's outcome for one model, its costs, break-even and recommendation.

    Attributes:
        model: The model.
        traffic: Its traffic.
        gpus_per_pod: GPUs per pod.
        price_per_gpu_hour: Its class's price.
        outcomes: One per policy, in the order given.
        policies: The policies, in the same order.
        recommended: The recommended policy's name.
        break_even_per_hour: Requests per hour at which each scale-to-zero policy costs as much as
            min-scale 1 (by policy name), with the cold start cost.
        extra_pod_seconds: ``E`` per scale-to-zero policy (by name).
        measured: By policy name: whether ``E`` was measured (no cold start: 0 was used).
        cold_start_cost: What a cold start is weighed at.
    """

    model: Model
    traffic: Traffic
    gpus_per_pod: int
    price_per_gpu_hour: float
    outcomes: tuple[Outcome, ...]
    policies: tuple[Policy, ...]
    recommended: str
    break_even_per_hour: Mapping[str, float]
    extra_pod_seconds: Mapping[str, float]
    measured: Mapping[str, bool]
    cold_start_cost: float

    def outcome(self, policy: str) -> Outcome:
        """The outcome of the named policy."""
        for o in self.outcomes:
            if o.policy == policy:
                return o
        raise KeyError(policy)

    def cost_per_day(self, policy: str) -> float:
        """GPU cost per day of a policy."""
        return self.outcome(policy).gpu_hours_per_day * self.price_per_gpu_hour

    def total_per_day(self, policy: str) -> float:
        """GPU cost plus cold starts x the cold start cost, per day."""
        o = self.outcome(policy)
        return o.gpu_hours_per_day * self.price_per_gpu_hour + self.cold_start_cost * o.cold_starts_per_day

    def policy(self, name: str) -> Policy:
        """The named policy."""
        return next(p for p in self.policies if p.name == name)

    @property
    def requests_per_hour(self) -> float:
        """Mean requests per hour of the day."""
        return self.outcomes[0].requests_per_day / 24


# --------------------------------------------------------------------------- one model


@dataclass(frozen=True)
class ModelTask:
    """What a worker needs to plan one model (picklable)."""

    model: Model
    traffic: Traffic
    policies: tuple[Policy, ...]
    seed: int


#: Seconds of the day's end replayed before it (a warm-up), so the day starts as it ended.
WARMUP_SECONDS: Final = 3600


def warmed_trace(trace: Trace) -> tuple[Trace, int]:
    """The trace with its last :data:`WARMUP_SECONDS` replayed before it, and the warm-up length.

    A day repeats: at midnight the revision holds what the end of the previous day left it
    (pods, the autoscaler's windows). Replaying the last hour first gives it that state; the
    figures count only the requests and seconds of the day itself. Traces shorter than two
    hours get no warm-up (they start scaled to min-scale).
    """
    duration = trace.duration_seconds
    if duration < 2 * WARMUP_SECONDS:
        return trace, 0
    cut = duration - WARMUP_SECONDS
    arrivals = trace.arrival_seconds
    services = trace.service_seconds
    first = bisect_left(arrivals, cut)
    warm_a = array("d", (a - cut for a in arrivals[first:]))
    warm_a.extend(a + WARMUP_SECONDS for a in arrivals)
    warm_s = array("d", services[first:])
    warm_s.extend(services)
    out = Trace(warm_a, warm_s, duration_seconds=duration + WARMUP_SECONDS, name=trace.name, validate=False)
    return out, WARMUP_SECONDS


def _first_requests(
    arrivals: array[float], replicas: array[int], begin: int, end: float, start_zero: bool
) -> list[int]:
    """Indices of the first request of each cold start among arrivals in ``[begin, end)``.

    A request is the first of a cold start when it is the first to arrive in a second that
    started with the Deployment at 0 replicas (second 0: when the run starts scaled to zero).
    """
    out: list[int] = []
    last = -1
    for i in range(bisect_left(arrivals, begin), bisect_left(arrivals, end)):
        k = int(arrivals[i])
        if k == last:
            continue
        last = k
        # timeline entry k - 1 is the state at second k, when this second starts
        if start_zero if k == 0 else replicas[k - 1] == 0:
            out.append(i)
    return out


def _outcome(policy: Policy, same_as: str, result: Any, trace_seconds: float, warmup: int) -> Outcome:
    tl = result.timeline
    day = max(1, math.ceil(trace_seconds))
    scale = DAY_SECONDS / trace_seconds if trace_seconds > 0 else 1.0
    replicas = tl.replicas
    arrivals = result.arrivals
    lat = result.latencies
    end = warmup + trace_seconds
    firsts = _first_requests(arrivals, replicas, warmup, end, result.autoscaling.scaler.min_scale == 0)
    lo, hi = bisect_left(arrivals, warmup), bisect_left(arrivals, end)
    day_lat = lat[lo:hi]
    done = sorted(lat[i] for i in firsts if lat[i] >= 0)
    failed = sum(1 for i in firsts if lat[i] < 0)
    ordered = sorted(day_lat)  # rejected requests (-1) sort first
    rejected = bisect_left(ordered, 0.0)
    completed = ordered[rejected:]
    pods = array("l", tl.pods[warmup : warmup + day])
    zero_seconds = sum(1 for p in pods if p == 0)
    gpu_seconds = float(sum(pods)) * result.gpus_per_pod
    return Outcome(
        policy=policy.name,
        same_as=same_as,
        requests_per_day=len(day_lat) * scale,
        cold_starts_per_day=len(firsts) * scale,
        first_request_p50_seconds=percentile(done, 50),
        first_request_p99_seconds=percentile(done, 99),
        first_request_failed_per_day=failed * scale,
        rejected_per_day=rejected * scale,
        latency_p50_seconds=percentile(completed, 50),
        latency_p99_seconds=percentile(completed, 99),
        gpu_hours_per_day=gpu_seconds / 3600 * scale,
        zero_seconds=zero_seconds,
        pods_started=result.summary.pods_started,
        pods=pods,
        trace_seconds=trace_seconds,
        warmup_seconds=warmup,
    )


def run_model(task: ModelTask) -> tuple[str, tuple[Outcome, ...], int]:
    """Simulate one model under each policy; policies that leave the same Service share a run.

    Returns:
        The model's name, one outcome per policy (in order) and its GPUs per pod.
    """
    model = task.model
    seed = model_seed(task.seed, model.name)
    day_trace = task.traffic.build(seed)
    trace, warmup = warmed_trace(day_trace)
    trace_seconds = float(day_trace.duration_seconds)
    startup = model.startup if model.startup is not None else Distribution.fixed(0.0)
    done: dict[str, tuple[str, Any]] = {}
    out: list[Outcome] = []
    gpus = 1
    for policy in task.policies:
        manifest = policy.apply(model.manifest)
        annotations = (((manifest.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
            "annotations"
        )
        key = repr(sorted((annotations or {}).items()))
        if key in done:
            first, result = done[key]
            out.append(_outcome(policy, first, result, trace_seconds, warmup))
            continue
        result = simulate(trace, manifest, startup, seed=seed)
        gpus = result.gpus_per_pod
        done[key] = (policy.name, result)
        out.append(_outcome(policy, "", result, trace_seconds, warmup))
    return model.name, tuple(out), gpus


# --------------------------------------------------------------------------- costs


def break_even_rate(
    extra_pod_seconds: float, *, price_per_gpu_hour: float, gpus_per_pod: int, cold_start_cost: float
) -> float:
    """λ* in requests per second: ``1 / (E + 3600 c / (P x GPUs per pod))`` (see the module docs)."""
    denominator = extra_pod_seconds + 3600 * cold_start_cost / (price_per_gpu_hour * gpus_per_pod)
    return math.inf if denominator <= 0 else 1 / denominator


def _extra_pod_seconds(zero: Outcome, one: Outcome) -> tuple[float, bool]:
    """``E = max(0, (G0 - G1 + Z) / N0)`` in pod-seconds from the two runs' days; 0 without a cold start."""
    cold = zero.cold_starts_per_day * zero.trace_seconds / DAY_SECONDS
    if cold <= 0:
        return 0.0, False
    g0 = float(sum(zero.pods))
    g1 = float(sum(one.pods))
    return max(0.0, (g0 - g1 + zero.zero_seconds) / cold), True


def _assemble(task: ModelTask, outcomes: tuple[Outcome, ...], gpus: int, prices: Prices) -> ModelPlan:
    model = task.model
    price = prices.per_gpu_hour[model.gpu_class]
    by_name = {o.policy: o for o in outcomes}
    one = by_name["min-scale-1"]
    break_even: dict[str, float] = {}
    extra: dict[str, float] = {}
    measured: dict[str, bool] = {}
    for policy in task.policies:
        if policy.scales_to_zero:
            e, ok = _extra_pod_seconds(by_name[policy.name], one)
            extra[policy.name] = e
            measured[policy.name] = ok
            rate = break_even_rate(
                e, price_per_gpu_hour=price, gpus_per_pod=gpus, cold_start_cost=prices.cold_start_cost
            )
            break_even[policy.name] = rate * 3600
    fewest = min(o.rejected_per_day for o in outcomes)

    def key(item: tuple[int, Outcome]) -> tuple[float, float, int]:
        index, o = item
        total = o.gpu_hours_per_day * price + prices.cold_start_cost * o.cold_starts_per_day
        return (round(total, 9), o.cold_starts_per_day, index)

    eligible = [(i, o) for i, o in enumerate(outcomes) if o.rejected_per_day <= fewest]
    best = min(eligible, key=key)[1]
    return ModelPlan(
        model=model,
        traffic=task.traffic,
        gpus_per_pod=gpus,
        price_per_gpu_hour=price,
        outcomes=outcomes,
        policies=task.policies,
        recommended=best.policy,
        break_even_per_hour=break_even,
        extra_pod_seconds=extra,
        measured=measured,
        cold_start_cost=prices.cold_start_cost,
    )


def plan_models(
    models: Sequence[Model],
    traffic: Mapping[str, Traffic],
    prices: Prices,
    policies: Sequence[Policy],
    *,
    seed: int = 0,
    jobs: int = 1,
    progress: Callable[[float], None] | None = None,
) -> list[ModelPlan]:
    """Plan every model (in the order given), in ``jobs`` worker processes (1: in this one)."""
    tasks = [ModelTask(m, traffic[m.name], tuple(policies), seed) for m in models]
    results: dict[str, tuple[tuple[Outcome, ...], int]] = {}
    # biggest first, so that the last task to start is a small one
    order = sorted(tasks, key=lambda t: -(t.traffic.requests_per_day or 1.0))
    done = 0
    if jobs <= 1 or len(tasks) <= 1:
        for task in order:
            name, outcomes, gpus = run_model(task)
            results[name] = (outcomes, gpus)
            done += 1
            if progress is not None:
                progress(done / len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = [pool.submit(run_model, task) for task in order]
            for future in as_completed(futures):
                name, outcomes, gpus = future.result()
                results[name] = (outcomes, gpus)
                done += 1
                if progress is not None:
                    progress(done / len(tasks))
    return [_assemble(t, *results[t.model.name], prices) for t in tasks]


# --------------------------------------------------------------------------- the fleet


@dataclass(frozen=True)
class FleetHours:
    """Peak GPUs in use in each hour of the day, under one choice of policies.

    Attributes:
        label: ``recommended`` or a policy's name (every model on it).
        by_pool: Peak GPUs per hour (24 values) by ``(gpu_class, region)``.
        total: Peak GPUs of the whole fleet per hour.
        per_minute: Peak GPUs of the whole fleet per minute (1440 values, for plots).
        budget: The fleet's GPU budget, if declared.
        over_budget_hours: Hours whose peak passes the budget.
        over_inventory: Hours whose peak passes the inventory, by ``(gpu_class, region)``.
    """

    label: str
    by_pool: Mapping[tuple[str, str], tuple[int, ...]]
    total: tuple[int, ...]
    per_minute: tuple[int, ...]
    budget: int | None
    over_budget_hours: tuple[int, ...]
    over_inventory: Mapping[tuple[str, str], tuple[int, ...]]

    @property
    def peak(self) -> int:
        """The day's peak."""
        return max(self.total, default=0)


def _day_series(series: Sequence[int]) -> Sequence[int]:
    """A trace's per-second series over one day.

    A shorter trace repeats (as its per-day figures assume); a longer one is folded onto the day
    by :func:`_peaks`.
    """
    if len(series) >= DAY_SECONDS or not series:
        return series
    repeats = -(-DAY_SECONDS // len(series))
    return (list(series) * repeats)[:DAY_SECONDS]


def _sum_series(series: Sequence[Sequence[int]]) -> list[int]:
    if not series:
        return [0] * DAY_SECONDS
    days = [_day_series(s) for s in series]
    length = max(len(s) for s in days)
    padded = [s if len(s) == length else list(s) + [0] * (length - len(s)) for s in days]
    return [sum(column) for column in zip(*padded, strict=True)]


def _peaks(values: Sequence[int], width: int, count: int) -> tuple[int, ...]:
    """Peak of each ``width``-second slot, folding a longer trace onto ``count`` slots."""
    out = [0] * count
    for start in range(0, len(values), width):
        slot = (start // width) % count
        peak = max(values[start : start + width])
        if peak > out[slot]:
            out[slot] = peak
    return tuple(out)


def fleet_hours(
    plans: Sequence[ModelPlan], choice: Mapping[str, str], label: str, prices: Prices, budget: int | None
) -> FleetHours:
    """Peak GPUs per hour under ``choice`` (model -> policy name), against budget and inventory."""
    pools: dict[tuple[str, str], list[Sequence[int]]] = {}
    for plan in plans:
        o = plan.outcome(choice[plan.model.name])
        series: Sequence[int] = o.pods if plan.gpus_per_pod == 1 else [p * plan.gpus_per_pod for p in o.pods]
        pools.setdefault((plan.model.gpu_class, plan.model.region), []).append(series)
    by_pool: dict[tuple[str, str], tuple[int, ...]] = {}
    sums: list[list[int]] = []
    for pool, series_list in sorted(pools.items()):
        summed = _sum_series(series_list)
        sums.append(summed)
        by_pool[pool] = _peaks(summed, 3600, 24)
    total_series = _sum_series(sums)
    total = _peaks(total_series, 3600, 24)
    over_budget = tuple(h for h, peak in enumerate(total) if budget is not None and peak > budget)
    over_inventory: dict[tuple[str, str], tuple[int, ...]] = {}
    if prices.inventory:
        for (gpu_class, region), peaks in by_pool.items():
            have = prices.inventory.get(region, {}).get(gpu_class, 0)
            hours = tuple(h for h, peak in enumerate(peaks) if peak > have)
            if hours:
                over_inventory[(gpu_class, region)] = hours
    return FleetHours(
        label=label,
        by_pool=by_pool,
        total=total,
        per_minute=_peaks(total_series, 60, 1440),
        budget=budget,
        over_budget_hours=over_budget,
        over_inventory=over_inventory,
    )
