"""recommend(): the profile search, its goals, and the ready-to-paste Python."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from kn_constructs import AutoscalerProfile, StartupTime
from kn_constructs.errors import ValidationError
from kn_constructs.sim import Distribution, Summary, Trace, simulate, traces
from kn_constructs.sim.recommend import Goal, Recommendation, SearchSpace, profile_source, recommend

STARTUP = 20.0


@cache
def trace() -> Trace:
    """Two minutes on, four off, twice: scale to zero costs cold starts of >= 20 s."""
    return traces.on_off(
        1.0,
        on_seconds=120,
        off_seconds=240,
        duration_seconds=720,
        service=Distribution.lognormal(1.5, 0.4),
        seed=3,
    )


@cache
def latency_run() -> Recommendation:
    return recommend(trace(), STARTUP, Goal.latency(8), max_scale=10, seed=1)


@cache
def cost_run() -> Recommendation:
    return recommend(trace(), STARTUP, Goal.cost(8), max_scale=10, seed=1)


def test_recommended_profile_meets_the_p99_budget_on_its_trace() -> None:
    rec = latency_run()
    assert rec.met
    assert isinstance(rec.profile, AutoscalerProfile)
    # simulate the returned profile on the same trace, startup and seed: within the budget
    again = simulate(trace(), rec.profile, STARTUP, batching=rec.batching, seed=1)
    p99 = again.summary.latency_p99_seconds
    assert p99 is not None and p99 <= 8
    assert again.summary.rejected == 0
    assert again.summary == rec.best.summary


def test_ready_to_paste_python_rebuilds_the_profile() -> None:
    rec = latency_run()
    namespace: dict[str, object] = {}
    exec(rec.python(), namespace)
    assert namespace["profile"] == rec.profile
    assert rec.python().startswith("from kn_constructs import AutoscalerProfile")


def test_profile_source_round_trips_every_field_kind() -> None:
    profile = AutoscalerProfile.latency_first(20, spread_seconds=4.5).replace(
        max_scale=4, aggregation="weighted-exponential", target=2.5
    )
    namespace: dict[str, object] = {}
    exec(profile_source(profile, name="p"), namespace)
    assert namespace["p"] == profile
    assert (
        profile_source(AutoscalerProfile())
        == "from kn_constructs import AutoscalerProfile\n\nprofile = AutoscalerProfile()\n"
    )


def test_the_recommendation_carries_the_goal_the_bounds_and_the_startup() -> None:
    rec = latency_run()
    assert rec.profile.goal == "latency"
    assert rec.profile.max_scale == 10
    assert rec.profile.startup == StartupTime(20.0)


def test_the_candidate_table_is_ranked_by_the_goal() -> None:
    rec = latency_run()
    rows = rec.table()
    assert len(rows) == len(rec.candidates) > 1
    assert rows[0]["p99_seconds"] == rec.best.summary.latency_p99_seconds
    keys = [rec.goal.key(c.summary) for c in sorted(rec.candidates, key=lambda c: rec.goal.key(c.summary))]
    assert keys == sorted(keys)
    assert {row["meets_goal"] for row in rows} == {True, False}
    for candidate in rec.candidates:
        assert candidate.meets_goal == rec.goal.met_by(candidate.summary)
    assert rec.candidates[0].varied == "start"


def test_cost_goal_takes_the_cheapest_candidate_that_meets_the_ceiling() -> None:
    rec = cost_run()
    met = [c for c in rec.candidates if c.meets_goal]
    assert rec.best.summary.gpu_seconds == min(c.summary.gpu_seconds for c in met)
    # the latency goal pays for lower latency; the cost goal is never more expensive
    assert rec.best.summary.gpu_seconds <= latency_run().best.summary.gpu_seconds


def test_scale_to_zero_cannot_meet_a_budget_below_the_startup() -> None:
    # every cold start waits >= 20 s, and at 1 req/s each cold start catches about 20 of the 258
    # requests (far more than 1 %), so a p99 of 8 s needs a pod kept warm: min-scale >= 1
    assert (latency_run().profile.min_scale or 0) >= 1
    assert (cost_run().profile.min_scale or 0) >= 1


def test_an_unreachable_goal_returns_the_lowest_p99_found() -> None:
    rec = recommend(trace(), STARTUP, Goal.latency(0.1), max_scale=10, seed=1, max_rounds=1)
    assert not rec.met
    lowest = min(
        c.summary.latency_p99_seconds or float("inf") for c in rec.candidates if c.summary.rejected == 0
    )
    assert rec.best.summary.latency_p99_seconds == lowest


def _summary(p99: float, gpu: float, rejected: int = 0) -> Summary:
    base = simulate(Trace([], [], duration_seconds=1), AutoscalerProfile(), 1.0).summary
    return dataclasses.replace(base, latency_p99_seconds=p99, gpu_seconds=gpu, rejected=rejected)


def test_goal_order() -> None:
    latency, cost = Goal.latency(10), Goal.cost(10)
    fast_dear, slow_cheap, too_slow, rejecting = (
        _summary(2.0, 900),
        _summary(6.0, 300),
        _summary(12.0, 100),
        _summary(1.0, 100, rejected=1),
    )
    # meeting the goal comes first; a rejected request fails it whatever the p99
    assert not latency.met_by(rejecting) and not latency.met_by(too_slow)
    assert min([too_slow, rejecting, slow_cheap], key=latency.key) is slow_cheap
    # latency: lowest p99; cost: fewest GPU-seconds
    assert min([fast_dear, slow_cheap], key=latency.key) is fast_dear
    assert min([fast_dear, slow_cheap], key=cost.key) is slow_cheap
    # latency: p99 within 5 % counts as equal, the cheaper wins
    close = _summary(2.05, 500)
    assert min([fast_dear, close], key=latency.key) is close


def test_search_space_around_the_startup() -> None:
    space = SearchSpace.around(Distribution.fixed(20))
    # windows 1, 2, 3, 4 x 20 and Knative's 60; delays 0, 1, 2 x 20
    assert space.window_seconds == (20, 40, 60, 80)
    assert space.scale_down_delay_seconds == (0, 20, 40)
    assert space.min_scale == (0, 1, 2)
    assert SearchSpace.around(Distribution.fixed(2), max_scale=1).window_seconds == (6, 8, 60)  # 2, 4 -> 6
    assert SearchSpace.around(Distribution.fixed(2), max_scale=1).min_scale == (0, 1)


def test_search_space_min_scales_sized_to_the_trace() -> None:
    # 180 requests of 2 s in the first minute, none in the second: 360 s of work
    busy = Trace([k / 3 for k in range(180)], [2.0] * 180, duration_seconds=120)
    # mean load 360 / 120 = 3 pods' worth; busiest minute 360 / 60 = 6
    assert SearchSpace.around(Distribution.fixed(20), trace=busy).min_scale == (0, 1, 2, 3, 6)
    # two requests per pod (batching target 2): ceil(3 / 2) = 2, 6 / 2 = 3; max-scale 2 drops 3
    assert SearchSpace.around(Distribution.fixed(20), trace=busy, per_pod=2).min_scale == (0, 1, 2, 3)
    assert SearchSpace.around(Distribution.fixed(20), trace=busy, per_pod=2, max_scale=2).min_scale == (
        0,
        1,
        2,
    )


def test_grid_search_tries_every_combination() -> None:
    space = SearchSpace(
        window_seconds=(20, 40),
        panic_window_percentage=(50.0,),
        panic_threshold_percentage=(200.0,),
        target_utilization_percentage=(80.0, 100.0),
        min_scale=(0, 1),
        scale_down_delay_seconds=(0,),
    )
    rec = recommend(trace(), STARTUP, Goal.cost(30), space=space, strategy="grid", max_scale=10, seed=1)
    assert len(rec.candidates) == 2 * 2 * 2
    assert rec.best == min(rec.candidates, key=lambda c: rec.goal.key(c.summary))


def test_bad_goal_and_space_are_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        recommend(trace(), STARTUP, Goal.latency(-1))
    assert caught.value.find("SIM-GOAL", "goal.p99_seconds")
    space = SearchSpace(window_seconds=(3,), min_scale=())
    with pytest.raises(ValidationError) as caught:
        recommend(trace(), STARTUP, Goal.latency(5), space=space)
    assert {p.path for p in caught.value.problems} >= {"space.window_seconds[0]", "space.min_scale"}
    assert caught.value.find("SIM-GOAL", "space.window_seconds[0]")[0].message == "expected 6 <= 3 <= 3600"


def test_progress_is_reported() -> None:
    seen: list[float] = []
    recommend(trace(), STARTUP, Goal.cost(30), max_scale=10, seed=1, max_rounds=1, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0 <= f <= 1 for f in seen)
