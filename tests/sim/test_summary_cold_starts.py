"""What the planner reads from one simulation: cold starts, their first requests, activator timeouts."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from kn_constructs import AutoscalerProfile, Batching
from kn_constructs.coldstart import ColdStartModel
from kn_constructs.sim import ServiceCurve, Summary, Trace, simulate, traces

PROFILE = AutoscalerProfile.from_startup(20)


def test_one_cold_start_and_its_first_request() -> None:
    # As in test_simulate.test_one_request_from_zero_every_step: the request at 0.5 wakes the
    # revision, waits for the pod ready at 20.5 and runs 2 s: latency 22 s.
    s = simulate(Trace([0.5], [2.0], duration_seconds=10), PROFILE, 20.0).summary
    assert s.cold_starts == 1
    assert s.first_request_latency_p50_seconds == pytest.approx(22.0)
    assert s.first_request_latency_p99_seconds == pytest.approx(22.0)
    assert s.first_request_latency_max_seconds == pytest.approx(22.0)
    assert (s.first_requests_rejected, s.activator_timeouts) == (0, 0)


def test_two_idle_gaps_make_two_cold_starts() -> None:
    """Requests at 0.5 and 500.5: the revision is back at zero at 65 s (see test_simulate), so the
    second request wakes it again; each waits 20 s for its pod and runs 2 s."""
    s = simulate(Trace([0.5, 500.5], [2.0, 2.0], duration_seconds=510), PROFILE, 20.0).summary
    assert s.cold_starts == 2
    assert s.first_request_latency_p50_seconds == pytest.approx(22.0)
    assert s.first_request_latency_max_seconds == pytest.approx(22.0)
    assert s.pods_started == 4


def test_first_request_is_the_one_that_woke_the_revision() -> None:
    # Three requests 0.5 s apart: the first wakes the revision and waits the longest (22 s);
    # the percentiles are over cold starts, not over the requests of one.
    s = simulate(Trace([0.5, 1.0, 1.5], [2.0] * 3, duration_seconds=10), PROFILE, 20.0).summary
    assert s.cold_starts == 1
    assert s.first_request_latency_max_seconds == pytest.approx(22.0)
    assert s.cold_start_requests == 3


def test_activator_timeouts_when_the_pod_is_slower_than_the_timeout() -> None:
    # timeoutSeconds 10, pods ready 20 s after asked: the request waits in the activator and is
    # cut off at 0.5 + 10 = 10.5, before any pod is ready.
    s = simulate(Trace([0.5], [2.0], duration_seconds=10), PROFILE, 20.0, timeout_seconds=10).summary
    assert (s.timed_out, s.activator_timeouts) == (1, 1)
    assert s.cold_starts == 1
    assert s.first_requests_rejected == 1
    assert s.first_request_latency_p50_seconds is None


def test_warm_start_has_no_cold_start() -> None:
    trace = traces.poisson(2.0, 300, service=1.0, seed=4)
    s = simulate(trace, PROFILE, 20.0, min_scale=1, initial_pods=1, seed=4).summary
    assert s.cold_starts == 0
    assert s.first_request_latency_p50_seconds is None


def _run(args: tuple[Trace, AutoscalerProfile, object, ServiceCurve, int]) -> Summary:
    trace, profile, startup, curve, seed = args
    return simulate(
        trace, profile, startup, batching=Batching.fixed(4), service_curve=curve, seed=seed
    ).summary  # type: ignore[arg-type]


@pytest.mark.slow
def test_inputs_and_results_cross_process_boundaries() -> None:
    """What a planner sends to worker processes pickles, and a worker gives the same summary."""
    trace = traces.poisson(0.5, 600, service=1.0, seed=2)
    startup = ColdStartModel(model_size_gib=16).estimate().distribution(samples=200, seed=2)
    curve = ServiceCurve.from_points({1: 90.0, 4: 50.0})
    args = (trace, PROFILE, startup, curve, 2)
    local = _run(args)
    result = simulate(trace, PROFILE, startup, batching=Batching.fixed(4), service_curve=curve, seed=2)
    assert pickle.loads(pickle.dumps(result)).summary == result.summary
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(_run, args).result(timeout=120)
    assert remote == local
