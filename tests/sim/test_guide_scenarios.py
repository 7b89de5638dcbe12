"""The guide's scenarios, as docs/simulator.md shows them (kn_constructs.sim.figures)."""

from __future__ import annotations

import pytest

from kn_constructs.sim.figures import cold_start_scenario, overscaling_scenario, spiky_scenario


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_kn_as_4_panic_window_shorter_than_startup_over_scales(seed: int) -> None:
    """KN-AS-4: 30 s startup; 30 s window with a 10 % panic window vs the derived windows."""
    scenario = overscaling_scenario(seed)
    short, derived = scenario.profiles.values()
    # the guide's case: stable 30 s, panic 10 % of it = 3 s, at or below the 30 s startup
    assert (short.window_seconds, short.panic_window_seconds) == (30, 3)
    assert scenario.startup.mean_seconds == 30 and scenario.startup.kind == "fixed"
    # the suggested windows: stable 2 x 30 = 60 s, panic 50 % = 30 s, no longer below the startup
    assert (derived.window_seconds, derived.panic_window_seconds) == (60, 30)
    (_, short_run), (_, derived_run) = scenario.run(seed)
    # same trace for both, and the short panic window ends with more pods at the peak
    assert short_run.summary.requests == derived_run.summary.requests == len(scenario.trace)
    assert short_run.summary.peak_pods > derived_run.summary.peak_pods


def test_kn_scale_1_scale_from_zero_with_a_20s_startup_meets_cold_starts() -> None:
    scenario = cold_start_scenario()
    ((_, result),) = scenario.run()
    s, tl = result.summary, result.timeline
    # the revision is at zero between the two on periods (120 s on, 600 s off)
    assert min(tl.pods[300:700]) == 0
    # the first requests of each on period wait for a pod: at least the 20 s startup
    assert s.cold_start_requests > 0
    assert s.latency_max_seconds is not None and s.latency_max_seconds >= 20


def test_kn_as_8_spiky_traffic_scenario_runs_every_request() -> None:
    scenario = spiky_scenario()
    ((_, result),) = scenario.run()
    assert result.summary.completed + result.summary.rejected == len(scenario.trace)
    # bursts are six times the base rate: the revision scales up for them and back down after
    assert max(result.timeline.ready) > 3 * min(result.timeline.ready[60:])
