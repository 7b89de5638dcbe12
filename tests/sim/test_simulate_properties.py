"""Invariants of simulate() under Hypothesis: every request accounted for, bounds kept, runs repeatable."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kn_constructs import AutoscalerProfile, Batching
from kn_constructs.sim import Distribution, Trace, simulate


@st.composite
def traces_(draw: st.DrawFn) -> Trace:
    gaps = draw(st.lists(st.floats(min_value=0, max_value=6), min_size=0, max_size=40))
    services = draw(st.lists(st.floats(min_value=0, max_value=8), min_size=len(gaps), max_size=len(gaps)))
    arrivals = []
    t = 0.0
    for gap in gaps:
        t += gap
        arrivals.append(t)
    return Trace(arrivals, services, duration_seconds=t + draw(st.floats(min_value=0, max_value=30)))


@st.composite
def setups(draw: st.DrawFn) -> dict[str, Any]:
    min_scale = draw(st.integers(min_value=0, max_value=2))
    max_scale = draw(st.one_of(st.none(), st.integers(min_value=max(1, min_scale), max_value=min_scale + 4)))
    profile = AutoscalerProfile(
        window_seconds=draw(st.integers(min_value=6, max_value=60)),
        panic_window_percentage=draw(st.floats(min_value=1, max_value=100)),
        panic_threshold_percentage=draw(st.floats(min_value=110, max_value=1000)),
        target_utilization_percentage=draw(st.floats(min_value=50, max_value=100)),
        scale_down_delay_seconds=draw(st.sampled_from([0, 4, 10])),
        target_burst_capacity=draw(st.sampled_from([None, -1, 0, 5])),
        aggregation=draw(st.sampled_from([None, "weighted-exponential"])),
        min_scale=min_scale,
        max_scale=max_scale,
    )
    cc = draw(st.sampled_from([0, 1, 2, 4]))
    batching = Batching(mode="none", container_concurrency=cc, target=float(max(cc, 1)))
    startup = draw(
        st.one_of(
            st.builds(Distribution.fixed, st.floats(min_value=0, max_value=30)),
            st.builds(
                Distribution.lognormal,
                st.floats(min_value=1, max_value=30),
                st.floats(min_value=0, max_value=10),
            ),
        )
    )
    rollout = draw(st.booleans())
    return {
        "profile": profile,
        "batching": batching,
        "startup": startup,
        "seed": draw(st.integers(min_value=0, max_value=2**16)),
        "timeout_seconds": draw(st.floats(min_value=3, max_value=300)),
        "rollout": rollout,
        "initial_scale": draw(st.integers(min_value=1, max_value=3)) if rollout else None,
        "initial_pods": None if rollout else draw(st.integers(min_value=min_scale, max_value=max_scale or 3)),
    }


def run(trace: Trace, setup: dict[str, Any]) -> Any:
    options = dict(setup)
    profile = options.pop("profile")
    startup = options.pop("startup")
    return simulate(trace, profile, startup, **options)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trace=traces_(), setup=setups())
def test_every_request_completes_or_is_rejected(trace: Trace, setup: dict[str, Any]) -> None:
    result = run(trace, setup)
    s = result.summary
    assert s.completed + s.rejected == s.requests == len(trace)
    assert s.completed == sum(1 for latency in result.latencies if latency >= 0)
    assert sum(result.timeline.arrivals) == len(trace)
    timeout = setup["timeout_seconds"]
    for (_, service), latency in zip(trace, result.latencies, strict=True):
        if latency >= 0:
            # a completed request took at least its service time and finished within the timeout
            assert service - 1e-9 <= latency <= timeout + 1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trace=traces_(), setup=setups())
def test_pods_stay_within_the_bounds_knatives_scaler_applies(trace: Trace, setup: dict[str, Any]) -> None:
    """The replicas stay within the bounds of ``scaler.scale`` / ``applyBounds`` (knative-v1.23.0).

    Until the revision is first initialized (``max(min-scale, initial-scale)`` pods ready),
    ``scale()`` raises the floor to ``max(min-scale, initial-scale)`` when initial-scale > 1,
    and ``applyBounds`` returns the floor whenever the wish is below it, before it looks at
    max-scale: so the replicas are either that floor (possibly above max-scale) or within
    ``[min-scale, max-scale]`` (a wish above the floor is capped). Once initialized, the
    replicas stay within ``[min-scale, max-scale]``.
    """
    result = run(trace, setup)
    tl = result.timeline
    profile = setup["profile"]
    high = profile.max_scale
    low = profile.min_scale or 0
    initial = setup["initial_scale"] or 0
    threshold = max(low, initial) if setup["rollout"] else low  # activeThreshold before initialization
    floor = max(low, initial) if setup["rollout"] and initial > 1 else low  # scale()'s raised min-scale
    # entry k is the state after the pass of second k + 1, which has seen the pods ready at entry k - 1
    initialized_before = not setup["rollout"]
    initialized = initialized_before
    for replicas, ready in zip(tl.replicas, tl.ready, strict=True):
        # starting and ready pods are the Deployment's replicas
        assert ready <= replicas
        if high is not None:
            if initialized_before:
                assert replicas <= high
            else:
                assert replicas <= high or replicas == floor
        initialized = initialized or ready >= max(threshold, 1)
        if initialized:
            assert replicas >= low
            assert ready >= low
        initialized_before = initialized
    if high is not None:
        assert result.summary.peak_ready_pods <= max(high, floor)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trace=traces_(), setup=setups())
def test_seeded_runs_repeat_exactly(trace: Trace, setup: dict[str, Any]) -> None:
    first = run(trace, setup)
    second = run(trace, setup)
    assert first.summary == second.summary
    assert first.timeline.to_dict() == second.timeline.to_dict()
    assert list(first.latencies) == list(second.latencies)
