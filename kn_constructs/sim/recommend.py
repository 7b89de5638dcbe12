"""Search the autoscaling profile space for the best profile for a trace and a goal.

:func:`recommend` simulates candidate :class:`~kn_constructs.AutoscalerProfile` values on
one trace with one startup distribution (the same seed for every candidate, so they are
compared on identical pod startups) and returns the best with every candidate tried.

Goals (:class:`Goal`):

- ``Goal.latency(p99_seconds)``: the lowest p99 latency; p99 values within 5 % of each
  other count as equal and the cheaper candidate wins. The budget must be met.
- ``Goal.cost(p99_seconds)``: the fewest GPU-seconds among candidates whose p99 stays
  under the ceiling.

A candidate meets the goal when its p99 is within the budget and it rejected no request.
When no candidate does, the one with the lowest p99 is returned and ``met`` is false.

The search (``strategy="coordinate"``) starts from :meth:`AutoscalerProfile.from_startup`
and improves one knob at a time (window, panic window, panic threshold, utilization,
min-scale, scale-down delay), trying every value of that knob with the others fixed, in
rounds until a round changes nothing; ``strategy="grid"`` tries every combination.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from kn_constructs._format import format_number
from kn_constructs.batching import Batching
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative import rules as kn
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings
from kn_constructs.profile import AutoscalerProfile, StartupTime
from kn_constructs.sim.distributions import Distribution, as_distribution
from kn_constructs.sim.simulate import Summary, simulate
from kn_constructs.sim.traces import Trace

__all__ = [
    "GOAL_CODE",
    "KNOBS",
    "Candidate",
    "Goal",
    "Recommendation",
    "SearchSpace",
    "profile_source",
    "recommend",
]

#: Problem code of a bad goal or search space.
GOAL_CODE: Final = "SIM-GOAL"
#: The profile fields the search varies, in the order it tries them.
KNOBS: Final = (
    "window_seconds",
    "panic_window_percentage",
    "panic_threshold_percentage",
    "target_utilization_percentage",
    "min_scale",
    "scale_down_delay_seconds",
)
#: p99 values within this fraction of each other are equal for the latency goal.
LATENCY_TOLERANCE: Final = 0.05


@dataclass(frozen=True)
class Goal:
    """What the recommended profile should achieve.

    Attributes:
        kind: ``"latency"`` (lowest p99, cheaper among near-equals) or ``"cost"`` (fewest
            GPU-seconds under the p99 ceiling).
        p99_seconds: The p99 latency budget (latency) or ceiling (cost); > 0.
    """

    kind: Literal["latency", "cost"]
    p99_seconds: float

    @classmethod
    def latency(cls, p99_seconds: float) -> Goal:
        """Lowest p99 latency; the p99 must stay within ``p99_seconds``."""
        return cls("latency", p99_seconds)

    @classmethod
    def cost(cls, p99_seconds: float) -> Goal:
        """Fewest GPU-seconds with the p99 latency at most ``p99_seconds``."""
        return cls("cost", p99_seconds)

    def problems(self, path: str = "goal") -> list[Problem]:
        """Check the kind and the budget."""
        found = []
        if self.kind not in ("latency", "cost"):
            found.append(
                Problem(
                    GOAL_CODE,
                    f"{path}.kind",
                    f"invalid value: {self.kind}",
                    value=self.kind,
                    allowed="latency, cost",
                )
            )
        if not (math.isfinite(self.p99_seconds) and self.p99_seconds > 0):
            found.append(
                Problem(
                    GOAL_CODE,
                    f"{path}.p99_seconds",
                    f"expected 0 < {self.p99_seconds}",
                    value=self.p99_seconds,
                    allowed="> 0 seconds",
                )
            )
        return found

    def met_by(self, summary: Summary) -> bool:
        """Whether a run meets the goal: p99 within the budget and nothing rejected."""
        p99 = summary.latency_p99_seconds
        return p99 is not None and p99 <= self.p99_seconds and summary.rejected == 0

    def key(self, summary: Summary) -> tuple[float, ...]:
        """Sort key: lower is better. Candidates meeting the goal come first."""
        p99 = summary.latency_p99_seconds if summary.latency_p99_seconds is not None else math.inf
        if not self.met_by(summary):
            return (1.0, float(summary.rejected), p99, summary.gpu_seconds)
        if self.kind == "cost":
            return (0.0, summary.gpu_seconds, p99)
        band = math.floor(math.log(max(p99, 1e-9)) / math.log1p(LATENCY_TOLERANCE))
        return (0.0, float(band), summary.gpu_seconds, p99)


@dataclass(frozen=True)
class SearchSpace:
    """The values tried for each knob.

    Attributes:
        window_seconds: Stable windows (whole seconds, 6..3600).
        panic_window_percentage: Panic windows, % of the stable window (1..100).
        panic_threshold_percentage: Panic thresholds (110..1000).
        target_utilization_percentage: Target utilizations (1..100).
        min_scale: Min-scales (>= 0, at most max-scale).
        scale_down_delay_seconds: Scale-down delays (whole seconds, 0..3600).
    """

    window_seconds: tuple[int, ...]
    panic_window_percentage: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0)
    panic_threshold_percentage: tuple[float, ...] = (200.0, 300.0)
    target_utilization_percentage: tuple[float, ...] = (70.0, 80.0, 90.0, 100.0)
    min_scale: tuple[int, ...] = (0, 1, 2)
    scale_down_delay_seconds: tuple[int, ...] = (0,)

    @classmethod
    def around(
        cls,
        startup: Distribution,
        *,
        max_scale: int | None = None,
        trace: Trace | None = None,
        per_pod: float = 1.0,
    ) -> SearchSpace:
        """A space scaled to the pod startup (KN-AS-3, KN-AS-4) and, if given, the trace.

        Windows of 1, 2, 3 and 4 x the mean startup and Knative's 60 s (within 6..3600);
        scale-down delays of 0, 1 and 2 x the mean startup; min-scales 0, 1, 2 and, with a
        trace, the pods its mean load and its busiest minute need (load / ``per_pod``), all
        capped at ``max_scale``; panic windows 10..100 %, thresholds 200 and 300 %,
        utilization 70..100 %.

        Args:
            startup: The pod startup distribution.
            max_scale: The largest min-scale to try.
            trace: The traffic, for min-scales sized to its load.
            per_pod: Requests one pod serves at once (the soft target).
        """
        mean = startup.mean_seconds
        windows = {
            min(kn.WINDOW_MAX_SECONDS, max(kn.WINDOW_MIN_SECONDS, math.ceil(k * mean))) for k in (1, 2, 3, 4)
        }
        delays = sorted({min(kn.SCALE_DOWN_DELAY_MAX_SECONDS, math.ceil(k * mean)) for k in (0, 1, 2)})
        scales = {0, 1, 2}
        if trace is not None and len(trace) and trace.duration_seconds > 0:
            minutes: dict[int, float] = {}
            for arrival, service in trace:
                minute = int(arrival // 60)
                minutes[minute] = minutes.get(minute, 0.0) + service
            busiest = max(minutes.values()) / 60
            scales |= {math.ceil(trace.offered_load / per_pod), math.ceil(busiest / per_pod)}
        allowed = tuple(sorted(m for m in scales if max_scale is None or m <= max_scale))
        return cls(tuple(sorted(windows | {60})), min_scale=allowed, scale_down_delay_seconds=tuple(delays))

    def problems(self, path: str = "space") -> list[Problem]:
        """Every value outside Knative's ranges, and empty knobs."""
        ranges: Mapping[str, tuple[float, float]] = {
            "window_seconds": (kn.WINDOW_MIN_SECONDS, kn.WINDOW_MAX_SECONDS),
            "panic_window_percentage": (kn.PANIC_WINDOW_PERCENTAGE_MIN, kn.PANIC_WINDOW_PERCENTAGE_MAX),
            "panic_threshold_percentage": (
                kn.PANIC_THRESHOLD_PERCENTAGE_MIN,
                kn.PANIC_THRESHOLD_PERCENTAGE_MAX,
            ),
            "target_utilization_percentage": (kn.TARGET_UTILIZATION_MIN, kn.TARGET_UTILIZATION_MAX),
            "min_scale": (0, kn.INT32_MAX),
            "scale_down_delay_seconds": (0, kn.SCALE_DOWN_DELAY_MAX_SECONDS),
        }
        found = []
        for name, (low, high) in ranges.items():
            values = getattr(self, name)
            if not values:
                found.append(
                    Problem(
                        GOAL_CODE, f"{path}.{name}", "no values to try", value=values, allowed="1 or more"
                    )
                )
            for i, value in enumerate(values):
                if not low <= value <= high:
                    found.append(
                        Problem(
                            GOAL_CODE,
                            f"{path}.{name}[{i}]",
                            f"expected {format_number(low)} <= {format_number(value)}"
                            f" <= {format_number(high)}",
                            value=value,
                            allowed=f"{format_number(low)}..{format_number(high)}",
                        )
                    )
        return found


@dataclass(frozen=True)
class Candidate:
    """One profile tried, and what it did.

    Attributes:
        profile: The profile simulated.
        summary: Its simulated outcome.
        meets_goal: Whether it meets the goal.
        varied: The knob changed from the profile it was derived from (``"start"`` for the
            starting profile, ``"grid"`` in a grid search).
    """

    profile: AutoscalerProfile
    summary: Summary
    meets_goal: bool
    varied: str

    def row(self) -> dict[str, Any]:
        """The knobs and the outcome as one flat table row."""
        p = self.profile
        s = self.summary
        return {
            "window_seconds": p.window_seconds,
            "panic_window_percentage": p.panic_window_percentage,
            "panic_threshold_percentage": p.panic_threshold_percentage,
            "target_utilization_percentage": p.target_utilization_percentage,
            "min_scale": p.min_scale,
            "scale_down_delay_seconds": p.scale_down_delay_seconds,
            "p99_seconds": s.latency_p99_seconds,
            "p50_seconds": s.latency_p50_seconds,
            "cold_start_requests": s.cold_start_requests,
            "rejected": s.rejected,
            "peak_pods": s.peak_pods,
            "gpu_seconds": s.gpu_seconds,
            "meets_goal": self.meets_goal,
            "varied": self.varied,
        }


@dataclass(frozen=True)
class Recommendation:
    """The outcome of :func:`recommend`.

    Attributes:
        profile: The recommended profile.
        best: The candidate behind it.
        candidates: Every candidate simulated, in the order tried.
        goal: The goal.
        met: Whether the recommended profile meets the goal.
        batching: The batching the candidates were simulated with.
    """

    profile: AutoscalerProfile
    best: Candidate
    candidates: tuple[Candidate, ...]
    goal: Goal
    met: bool
    batching: Batching = field(default_factory=Batching.none)

    def table(self) -> list[dict[str, Any]]:
        """The candidates as rows, best first (goal order)."""
        ranked = sorted(self.candidates, key=lambda c: self.goal.key(c.summary))
        return [c.row() for c in ranked]

    def python(self) -> str:
        """Ready-to-paste Python that builds the recommended profile (``profile = ...``)."""
        return profile_source(self.profile)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: goal, profile fields, the Python source, the table."""
        return {
            "goal": {"kind": self.goal.kind, "p99_seconds": self.goal.p99_seconds},
            "met": self.met,
            "profile": _profile_fields(self.profile),
            "python": self.python(),
            "summary": self.best.summary.to_dict(),
            "candidates": self.table(),
        }


def _profile_fields(profile: AutoscalerProfile) -> dict[str, Any]:
    out = dataclasses.asdict(profile)
    return out


def _literal(value: object) -> str:
    if isinstance(value, StartupTime):
        args = [f"mean_seconds={value.mean_seconds!r}"]
        if value.spread_seconds is not None:
            args.append(f"spread_seconds={value.spread_seconds!r}")
        if value.p95_seconds is not None:
            args.append(f"p95_seconds={value.p95_seconds!r}")
        return f"StartupTime({', '.join(args)})"
    return repr(value)


def profile_source(profile: AutoscalerProfile, *, name: str = "profile") -> str:
    """Python source that rebuilds ``profile`` exactly: imports, then ``name = AutoscalerProfile(...)``.

    Fields equal to the class defaults are left out.
    """
    defaults = AutoscalerProfile()
    args = [
        f"    {f.name}={_literal(getattr(profile, f.name))},"
        for f in dataclasses.fields(AutoscalerProfile)
        if getattr(profile, f.name) != getattr(defaults, f.name)
    ]
    names = "AutoscalerProfile, StartupTime" if profile.startup is not None else "AutoscalerProfile"
    body = "\n".join(args)
    call = f"{name} = AutoscalerProfile(\n{body}\n)" if args else f"{name} = AutoscalerProfile()"
    return f"from kn_constructs import {names}\n\n{call}\n"


def _startup_time(distribution: Distribution, given: Distribution | StartupTime | float) -> StartupTime:
    if isinstance(given, StartupTime):
        return given
    spread = distribution.spread_seconds
    return StartupTime(distribution.mean_seconds, spread if spread > 0 else None)


def recommend(
    trace: Trace,
    startup: Distribution | StartupTime | float,
    goal: Goal,
    *,
    base: AutoscalerProfile | None = None,
    batching: Batching | None = None,
    max_scale: int | None = None,
    space: SearchSpace | None = None,
    strategy: Literal["coordinate", "grid"] = "coordinate",
    max_rounds: int = 3,
    cluster: ClusterSettings = DEFAULT_SETTINGS,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    simulate_options: Mapping[str, Any] | None = None,
) -> Recommendation:
    """Find the best autoscaling profile for ``trace`` and ``goal`` by simulation.

    Args:
        trace: The traffic to tune for (use a representative slice: every candidate
            simulates all of it).
        startup: Pod startup: a distribution, a measured startup, or fixed seconds.
        goal: The goal and its p99 budget.
        base: The starting profile. Default :meth:`AutoscalerProfile.from_startup` of the
            startup's mean and spread. Its fields outside the searched knobs are kept.
        batching: The server's batching. Default :meth:`Batching.none`.
        max_scale: max-scale of every candidate (the GPU budget, KN-SCALE-2). Default: the
            base profile's.
        space: The values to try. Default :meth:`SearchSpace.around` the startup and the
            trace.
        strategy: ``"coordinate"`` (one knob at a time, in rounds) or ``"grid"`` (all
            combinations; the product of the value counts can be large).
        max_rounds: Most rounds of the coordinate search. Default 3.
        cluster: The cluster's settings. Default: Knative's.
        seed: Seed of the startup draws, the same for every candidate.
        progress: Called with the fraction done (an estimate for the coordinate search).
        simulate_options: More keyword arguments for :func:`simulate` (``initial_pods``...).

    Returns:
        The best profile, the candidates, and whether the goal is met.

    Raises:
        ValidationError: A bad goal, space or startup, or a base profile Knative refuses.
    """
    distribution = as_distribution(startup)
    problems = goal.problems()
    problems.extend(distribution.problems())
    raise_for_errors(problems, subject="recommend")
    startup_time = _startup_time(distribution, startup)
    if base is None:
        base = AutoscalerProfile.from_startup(
            startup_time.mean_seconds,
            spread_seconds=startup_time.spread_seconds,
            p95_seconds=startup_time.p95_seconds,
        )
    base = dataclasses.replace(base, goal=goal.kind, startup=startup_time)
    if max_scale is not None:
        base = dataclasses.replace(base, max_scale=max_scale)
    if base.min_scale is None:
        base = dataclasses.replace(base, min_scale=0)
    serving = batching if batching is not None else Batching.none()
    if space is None:
        space = SearchSpace.around(
            distribution, max_scale=base.max_scale, trace=trace, per_pod=serving.target
        )
    problems = space.problems()
    problems.extend(p for p in base.problems(settings=cluster) if p.severity == "error")
    raise_for_errors(problems, subject="recommend")
    options = dict(simulate_options or {})
    results: dict[AutoscalerProfile, Candidate] = {}
    order: list[Candidate] = []

    def evaluate(profile: AutoscalerProfile, varied: str) -> Candidate:
        found = results.get(profile)
        if found is None:
            result = simulate(
                trace, profile, distribution, batching=serving, cluster=cluster, seed=seed, **options
            )
            found = Candidate(profile, result.summary, goal.met_by(result.summary), varied)
            results[profile] = found
            order.append(found)
        return found

    def best_of(candidates: Iterable[Candidate]) -> Candidate:
        return min(candidates, key=lambda c: goal.key(c.summary))

    values: Mapping[str, Sequence[Any]] = {name: getattr(space, name) for name in KNOBS}
    if strategy == "grid":
        combos = list(itertools.product(*(values[name] for name in KNOBS)))
        for done, combo in enumerate(combos, start=1):
            profile = dataclasses.replace(base, **dict(zip(KNOBS, combo, strict=True)))
            if _valid(profile, cluster):
                evaluate(profile, "grid")
            if progress is not None:
                progress(done / len(combos))
        current = best_of(order) if order else evaluate(base, "start")
    else:
        current = evaluate(base, "start")
        per_round = sum(len(v) for v in values.values())
        estimate = per_round * max_rounds
        tried = 0
        for _ in range(max_rounds):
            start_of_round = current
            for name in KNOBS:
                options_for_knob = [current]
                for value in values[name]:
                    tried += 1
                    profile = dataclasses.replace(current.profile, **{name: value})
                    if profile != current.profile and _valid(profile, cluster):
                        options_for_knob.append(evaluate(profile, f"{name}={format_number(value)}"))
                    if progress is not None:
                        progress(min(1.0, tried / estimate))
                current = best_of(options_for_knob)
            if current.profile == start_of_round.profile:
                break
        if progress is not None:
            progress(1.0)
    return Recommendation(current.profile, current, tuple(order), goal, current.meets_goal, serving)


def _valid(profile: AutoscalerProfile, cluster: ClusterSettings) -> bool:
    return not any(p.severity == "error" for p in profile.problems(settings=cluster))
