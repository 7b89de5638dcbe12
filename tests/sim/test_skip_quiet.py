"""Skipping quiet stretches changes nothing: the same Summary, Timeline and latencies, bit for bit."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kn_constructs import AutoscalerProfile, Batching
from kn_constructs.knative.settings import DEFAULT_SETTINGS
from kn_constructs.sim import Distribution, Trace, simulate, traces
from kn_constructs.sim import kpa as kpa_module

# the module, not the function kn_constructs.sim re-exports under the same name
simulate_module = importlib.import_module("kn_constructs.sim.simulate")

SERIES = simulate_module.TIMELINE_SERIES


def both(
    monkeypatch: pytest.MonkeyPatch, trace: Trace, profile: AutoscalerProfile, **options: Any
) -> tuple[Any, Any]:
    monkeypatch.setattr(simulate_module, "_SKIP_QUIET", False)
    plain = simulate(trace, profile, **options)
    monkeypatch.setattr(simulate_module, "_SKIP_QUIET", True)
    skipped = simulate(trace, profile, **options)
    return plain, skipped


def assert_identical(plain: Any, skipped: Any) -> None:
    # dataclass equality on floats is exact (== on each field); repr catches -0.0 against 0.0 too
    assert plain.summary == skipped.summary
    assert repr(plain.summary) == repr(skipped.summary)
    for name in SERIES:
        assert getattr(plain.timeline, name).tobytes() == getattr(skipped.timeline, name).tobytes(), name
    assert plain.latencies.tobytes() == skipped.latencies.tobytes()


STARTUP = Distribution.lognormal(20, 5)
SPARSE = traces.piecewise_poisson(
    [(0, 2.0), (600, 0.0), (4000, 0.01), (9000, 3.0), (9300, 0.0)], 12000, seed=3
)
BURSTY = traces.bursts(0.0, 30.0, burst_seconds=20, every_seconds=900, duration_seconds=5400, seed=4)
CASES: dict[str, tuple[Trace, AutoscalerProfile, dict[str, Any]]] = {
    "scale-to-zero": (SPARSE, AutoscalerProfile(), {}),
    "min-scale-1": (SPARSE, AutoscalerProfile(min_scale=1), {}),
    "min-scale-2-weighted": (SPARSE, AutoscalerProfile(min_scale=2, aggregation="weighted-exponential"), {}),
    "retention": (
        SPARSE,
        AutoscalerProfile(),
        {"cluster": dataclasses.replace(DEFAULT_SETTINGS, scale_to_zero_pod_retention_period_seconds=300)},
    ),
    "scale-down-delay": (SPARSE, AutoscalerProfile(scale_down_delay_seconds=120, min_scale=1), {}),
    "bursty": (
        BURSTY,
        AutoscalerProfile(window_seconds=20),
        {"batching": Batching(mode="none", container_concurrency=2, target=2.0)},
    ),
    "burst-capacity-off": (BURSTY, AutoscalerProfile(target_burst_capacity=-1), {}),
    "burst-capacity-0-min-1": (SPARSE, AutoscalerProfile(target_burst_capacity=0, min_scale=1), {}),
    "rollout": (SPARSE, AutoscalerProfile(initial_scale=3), {"rollout": True}),
    "warm-start": (BURSTY, AutoscalerProfile(), {"initial_pods": 4}),
    "small-panic-window": (
        SPARSE,
        AutoscalerProfile(window_seconds=6, panic_window_percentage=10, min_scale=1),
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_skipping_gives_the_same_results_bit_for_bit(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    trace, profile, options = CASES[case]
    progress_plain: list[float] = []
    progress_skipped: list[float] = []
    monkeypatch.setattr(simulate_module, "_SKIP_QUIET", False)
    plain = simulate(trace, profile, STARTUP, seed=7, progress=progress_plain.append, **options)
    monkeypatch.setattr(simulate_module, "_SKIP_QUIET", True)
    skipped = simulate(trace, profile, STARTUP, seed=7, progress=progress_skipped.append, **options)
    assert_identical(plain, skipped)
    assert progress_plain == progress_skipped


def test_quiet_stretches_are_skipped_not_simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A day with two requests at min-scale 1: the decider runs a few times, not every 2 s."""
    calls = 0
    scale = kpa_module.Decider.scale

    def counting(self: kpa_module.Decider, *args: Any) -> kpa_module.ScaleDecision:
        nonlocal calls
        calls += 1
        return scale(self, *args)

    monkeypatch.setattr(kpa_module.Decider, "scale", counting)
    trace = Trace([100.0, 50000.0], [1.0, 1.0], duration_seconds=86400)
    profile = AutoscalerProfile(min_scale=1)
    plain, skipped = both(monkeypatch, trace, profile, startup=STARTUP)
    assert_identical(plain, skipped)
    assert calls > 86400 // 2  # the run without skipping decides every 2 s
    assert calls < 86400 // 2 + 400  # the skipping run adds a few hundred at most


@st.composite
def sparse_traces(draw: st.DrawFn) -> Trace:
    gaps = draw(st.lists(st.one_of(st.floats(0, 3), st.floats(50, 900)), min_size=0, max_size=25))
    services = draw(st.lists(st.floats(0, 20), min_size=len(gaps), max_size=len(gaps)))
    arrivals = []
    t = 0.0
    for gap in gaps:
        t += gap
        arrivals.append(t)
    return Trace(arrivals, services, duration_seconds=t + draw(st.floats(0, 400)))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    trace=sparse_traces(),
    min_scale=st.integers(0, 2),
    window=st.sampled_from([6, 20, 60]),
    delay=st.sampled_from([0, 4, 30]),
    tbc=st.sampled_from([None, -1, 0, 5]),
    aggregation=st.sampled_from([None, "weighted-exponential"]),
    cc=st.sampled_from([0, 1, 3]),
    startup=st.floats(0, 40),
    retention=st.sampled_from([0, 45]),
    seed=st.integers(0, 2**16),
)
def test_skipping_is_exact_on_generated_sparse_traces(
    monkeypatch: pytest.MonkeyPatch,
    trace: Trace,
    min_scale: int,
    window: int,
    delay: int,
    tbc: float | None,
    aggregation: str | None,
    cc: int,
    startup: float,
    retention: int,
    seed: int,
) -> None:
    profile = AutoscalerProfile(
        min_scale=min_scale,
        window_seconds=window,
        scale_down_delay_seconds=delay,
        target_burst_capacity=tbc,
        aggregation=aggregation,  # type: ignore[arg-type]
    )
    cluster = dataclasses.replace(DEFAULT_SETTINGS, scale_to_zero_pod_retention_period_seconds=retention)
    batching = Batching(mode="none", container_concurrency=cc, target=float(max(cc, 1)))
    plain, skipped = both(
        monkeypatch,
        trace,
        profile,
        startup=Distribution.fixed(startup),
        batching=batching,
        cluster=cluster,
        seed=seed,
        timeout_seconds=60,
    )
    assert_identical(plain, skipped)
