"""Load-dependent service time (ServiceCurve): hand-worked one-pod cases and invariants."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs import AutoscalerProfile, Batching
from kn_constructs.errors import ValidationError
from kn_constructs.sim import ServiceCurve, Trace, simulate, traces

PROFILE = AutoscalerProfile.from_startup(20)


def one_pod(trace: Trace, concurrency: int, curve: ServiceCurve | None) -> Any:
    """One warm pod that stays the only one (min = max = 1)."""
    return simulate(
        trace,
        PROFILE,
        20.0,
        batching=Batching.fixed(concurrency),
        min_scale=1,
        max_scale=1,
        initial_pods=1,
        service_curve=curve,
    )


# ------------------------------------------------------------------ the curve


def test_rate_interpolates_and_saturates() -> None:
    curve = ServiceCurve.from_points({4: 50.0, 1: 100.0, 2: 80.0})
    assert curve.concurrency == (1, 2, 4)
    assert curve.rate(1) == 100.0
    assert curve.rate(3) == pytest.approx(65.0)  # halfway between 80 and 50
    assert curve.rate(8) == pytest.approx(25.0)  # saturated: total 4 x 50 = 200 tokens/s, over 8
    assert curve.slowdown(2) == pytest.approx(1.25)
    assert curve.capacity_per_second(4, 1.0) == pytest.approx(2.0)  # 4 / (1 s x 2)
    below = ServiceCurve([2, 4], [60.0, 30.0])
    assert below.rate(1) == 60.0 and below.slowdown(1) == 1.0


@pytest.mark.parametrize(
    ("args", "paths"),
    [
        (([1, 1], [10.0, 9.0]), ["service_curve.concurrency[1]"]),
        (([2, 1], [10.0, 9.0]), ["service_curve.concurrency[1]"]),
        (([0], [10.0]), ["service_curve.concurrency[0]"]),
        (([1, 2], [10.0, 0.0]), ["service_curve.tokens_per_second[1]"]),
        (([1, 2], [-1.0, 5.0]), ["service_curve.tokens_per_second[0]"]),
        (([1, 2], [10.0]), ["service_curve"]),
        (([], []), ["service_curve"]),
    ],
)
def test_bad_curves_are_refused_one_problem_each(
    args: tuple[list[int], list[float]], paths: list[str]
) -> None:
    with pytest.raises(ValidationError) as info:
        ServiceCurve(*args)
    assert [(p.code, p.path) for p in info.value.problems] == [("SIM-INPUT", path) for path in paths]


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("1,2", [1.0, 2.0]), "concurrency"),
        (([1, 2], [1.0, math.nan]), "tokens_per_second[1]"),
        (([1.5, 2], [1.0, 2.0]), "concurrency[0]"),
    ],
)
def test_wrong_types_are_refused(args: tuple[Any, Any], path: str) -> None:
    with pytest.raises(ValidationError) as info:
        ServiceCurve(*args)
    assert [(p.code, p.path) for p in info.value.problems] == [("KNC-TYPE", path)]


def test_simulate_refuses_a_mapping_for_the_curve() -> None:
    with pytest.raises(ValidationError) as info:
        simulate(Trace([0.5], [1.0], duration_seconds=5), PROFILE, 20.0, service_curve={1: 10.0})  # type: ignore[arg-type]
    assert [(p.code, p.path) for p in info.value.problems] == [("SIM-INPUT", "service_curve")]


# ------------------------------------------------------------------ hand-worked runs


def test_requests_joining_a_batch_run_slower() -> None:
    """Three 1 s requests (alone) at 0.5, 0.6, 0.7 on one pod with containerConcurrency 4.

    Curve 1 -> 100, 2 -> 80, 4 -> 50 tokens/s per request: the first runs alone (1 s), the second
    joins a batch of 2 (100 / 80 = 1.25 s), the third a batch of 3 (rate 65: 100 / 65 = 1.538 s).
    """
    curve = ServiceCurve([1, 2, 4], [100.0, 80.0, 50.0])
    result = one_pod(Trace([0.5, 0.6, 0.7], [1.0] * 3, duration_seconds=10), 4, curve)
    assert list(result.latencies) == pytest.approx([1.0, 1.25, 100 / 65])
    constant = one_pod(Trace([0.5, 0.6, 0.7], [1.0] * 3, duration_seconds=10), 4, None)
    assert list(constant.latencies) == pytest.approx([1.0, 1.0, 1.0])


def test_a_full_pod_queues_at_its_real_capacity() -> None:
    """containerConcurrency 2, curve 1 -> 10, 2 -> 5 (a batch of 2 runs each at half speed).

    Four 1 s requests at 0.5: the first two start at once (batch 1, then 2): 1 s and 2 s; the third
    waits for the first slot (1.5) and joins a batch of 2 (2 s: done at 3.5, latency 3); the fourth
    waits for the slot freed at 2.5, joins a batch of 2 (2 s): done 4.5, latency 4.
    """
    curve = ServiceCurve([1, 2], [10.0, 5.0])
    result = one_pod(Trace([0.5] * 4, [1.0] * 4, duration_seconds=10), 2, curve)
    assert list(result.latencies) == pytest.approx([1.0, 2.0, 3.0, 4.0])
    assert result.summary.waited_requests == 2
    assert result.summary.wait_max_seconds == pytest.approx(2.0)


# ------------------------------------------------------------------ invariants


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0.2, 3.0), cc=st.integers(1, 8))
def test_a_flat_curve_changes_nothing(seed: int, rate: float, cc: int) -> None:
    """A constant rate up to containerConcurrency means slowdown 1: the same run, bit for bit."""
    trace = traces.poisson(rate, 120, service=1.5, seed=seed)
    flat = ServiceCurve([1, cc], [40.0, 40.0]) if cc > 1 else ServiceCurve([1], [40.0])
    batching = Batching.fixed(cc)
    a = simulate(trace, PROFILE, 20.0, batching=batching, seed=seed)
    b = simulate(trace, PROFILE, 20.0, batching=batching, seed=seed, service_curve=flat)
    assert a.summary == b.summary
    assert a.latencies == b.latencies


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0.2, 3.0))
def test_with_one_request_per_pod_the_curve_has_no_effect(seed: int, rate: float) -> None:
    trace = traces.poisson(rate, 120, service=1.5, seed=seed)
    steep = ServiceCurve([1, 8], [50.0, 5.0])
    a = simulate(trace, PROFILE, 20.0, batching=Batching.fixed(1), seed=seed)
    b = simulate(trace, PROFILE, 20.0, batching=Batching.fixed(1), seed=seed, service_curve=steep)
    assert a.summary == b.summary


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0.5, 6.0), cc=st.integers(2, 8))
def test_no_request_runs_faster_than_alone(seed: int, rate: float, cc: int) -> None:
    """With rates that fall as the batch grows, every latency is at least the request's service alone."""
    trace = traces.poisson(rate, 120, service=1.0, seed=seed)
    curve = ServiceCurve([1, cc], [60.0, 60.0 / cc])  # a batch of cc runs each at 1/cc speed
    result = simulate(trace, PROFILE, 20.0, batching=Batching.fixed(cc), seed=seed, service_curve=curve)
    for service, latency in zip(trace.service_seconds, result.latencies, strict=True):
        assert latency < 0 or latency >= service - 1e-9
    # and the batch never finishes more than one request per second alone would: a pod's capacity
    # is k / (k x 1 s) = 1 request per second at any k
    assert curve.capacity_per_second(cc, 1.0) == pytest.approx(1.0)
