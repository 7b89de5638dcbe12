"""The decider (Knative's ``autoscaler.Scale``) on hand-worked cases.

Every expected pod count is derived in the test from the decision rules:
``R = max(1, ready)``, clamp to ``[floor(R / down-rate), ceil(up-rate x R)]``,
``ceil(value / target)``, panic when ``ceil(P / target) / R >= threshold``, exit after a
calm decision more than one stable window after the last panicky one, the running maximum
in panic, activation scale after the clamp, the scale-down-delay max window, and
``EBC = floor(ready x total - TBC - P)``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.sim.kpa import SCALE_UNKNOWN, Decider, DeciderSpec, excess_burst_capacity


def spec(**changes: object) -> DeciderSpec:
    """Target 1 per pod (target 1 x 100 % utilization), capacity 1, Knative's other defaults."""
    values: dict[str, object] = {"target_value": 1.0, "total_value": 1.0}
    values.update(changes)
    return DeciderSpec(**values)  # type: ignore[arg-type]


def test_stable_mode_asks_for_ceil_of_concurrency_over_target() -> None:
    d = Decider(spec())
    # S = P = 3, target 1 -> 3 pods; 3 / R(2) = 1.5 < 2: no panic
    decision = d.scale(2, 2, 3.0, 3.0)
    assert decision.desired == 3
    assert decision.valid
    assert not d.in_panic


def test_target_times_utilization_asks_two_pods_for_one_request() -> None:
    # containerConcurrency 1 at Knative's 70 %: target 0.7; one request -> ceil(1 / 0.7) = ceil(1.43) = 2
    d = Decider(spec(target_value=0.7))
    assert d.scale(2, 1, 1.0, 1.0).desired == 2


def test_panic_entry_when_panic_demand_reaches_threshold_times_ready() -> None:
    # target 1 x 100 %, ready 1, threshold 200 %, panic concurrency 2.0: dP = 2 >= 2 x 1 -> panic
    d = Decider(spec())
    decision = d.scale(2, 1, 1.0, 2.0)
    assert d.in_panic
    assert d.panic_time == 2
    # in panic: max(desS, desP) = max(1, 2) = 2
    assert decision.desired == 2


def test_just_under_the_threshold_is_not_panic() -> None:
    # ready 2: dP = 3 -> 3 / 2 = 1.5 < 2
    d = Decider(spec())
    d.scale(2, 2, 1.0, 3.0)
    assert not d.in_panic


def test_panic_uses_the_raw_demand_not_the_clamped_one() -> None:
    # up-rate 1.5, ready 1: clamp to ceil(1.5) = 2, but raw dP = 3 -> 3 / 1 >= 2 -> panic anyway
    d = Decider(spec(max_scale_up_rate=1.5))
    decision = d.scale(2, 1, 3.0, 3.0)
    assert d.in_panic
    assert decision.desired == 2


def test_panic_holds_for_a_stable_window_after_the_last_panicky_decision_and_never_scales_down() -> None:
    d = Decider(spec(stable_window_seconds=60))
    # t=0: ready 1, P = 10 -> dP = 10 >= 2: panic; clamp [floor(1/2)=0, ceil(1000)] -> 10
    assert d.scale(0, 1, 10.0, 10.0).desired == 10
    # t=30: ready 10, S = P = 1: calm (1/10 < 2) but 0 + 60 < 30 is false -> still panic, running max 10
    assert d.scale(30, 10, 1.0, 1.0).desired == 10
    assert d.in_panic
    # t=60: 0 + 60 < 60 is false -> still panic
    assert d.scale(60, 10, 1.0, 1.0).desired == 10
    # t=62: calm and 60 < 62 -> panic ends; stable: dS = 1, clamped up to floor(10 / 2) = 5
    decision = d.scale(62, 10, 1.0, 1.0)
    assert not d.in_panic
    assert decision.desired == 5
    assert d.max_panic_pods == 0


def test_a_panicky_decision_extends_panic() -> None:
    d = Decider(spec(stable_window_seconds=60))
    d.scale(0, 1, 4.0, 4.0)  # panic at 0
    d.scale(50, 1, 4.0, 4.0)  # over the threshold again: panic time 50
    assert d.panic_time == 50
    d.scale(100, 4, 1.0, 1.0)  # calm, but 50 + 60 < 100 is false
    assert d.in_panic
    d.scale(112, 4, 1.0, 1.0)  # 110 < 112 -> ends
    assert not d.in_panic


def test_panic_takes_the_stable_value_when_it_is_larger() -> None:
    d = Decider(spec())
    # ready 1, S = 5, P = 2: panic (dP 2 >= 2); max(desS 5, desP 2) = 5
    assert d.scale(2, 1, 5.0, 2.0).desired == 5


def test_scale_up_rate_clamp_is_relative_to_ready_pods() -> None:
    # up-rate 1.1, ready 2: ceil(1.1 x 2) = ceil(2.2) = 3 even though S asks for 10 (Knative's test)
    d = Decider(spec(max_scale_up_rate=1.1, panic_threshold=10.0))
    assert d.scale(2, 2, 10.0, 10.0).desired == 3


def test_scale_up_always_allows_one_pod_from_zero_ready() -> None:
    # ready 0 -> R = 1; up-rate 1.1 -> ceil(1.1) = 2
    d = Decider(spec(max_scale_up_rate=1.1, panic_threshold=10.0))
    assert d.scale(2, 0, 10.0, 10.0).desired == 2


def test_scale_down_rate_clamp_halves_at_most() -> None:
    # down-rate 2, ready 10, S = 1 -> dS = 1 raised to floor(10 / 2) = 5
    d = Decider(spec())
    assert d.scale(2, 10, 1.0, 1.0).desired == 5


def test_unreachable_revision_may_drop_straight_to_demand() -> None:
    d = Decider(spec(reachable=False))
    # no scale-down clamp when unreachable: dS = 1
    assert d.scale(2, 10, 1.0, 1.0).desired == 1


def test_scale_down_delay_holds_the_highest_decision_of_the_delay() -> None:
    # delay 10 s -> ceil(10 / 2) = 5 buckets of 2 s; no rate clamp (down-rate 1000)
    d = Decider(spec(scale_down_delay_seconds=10, max_scale_down_rate=1000.0, panic_threshold=10.0))
    assert d.scale(0, 5, 5.0, 5.0).desired == 5  # bucket 0
    assert d.scale(2, 5, 1.0, 1.0).desired == 5  # wants 1, held by the 5 of bucket 0
    assert d.scale(8, 5, 1.0, 1.0).desired == 5  # bucket 4: 4 - 0 < 5
    assert d.scale(10, 5, 1.0, 1.0).desired == 1  # bucket 5: the 5 is 5 buckets old -> out
    assert d.scale(12, 1, 7.0, 7.0).desired == 7  # scale-up passes at once


def test_scale_down_delay_also_delays_the_step_to_zero() -> None:
    d = Decider(spec(scale_down_delay_seconds=4, max_scale_down_rate=1000.0))
    d.scale(0, 1, 1.0, 1.0)  # 1 pod, bucket 0
    assert d.scale(2, 1, 0.0, 0.0).desired == 1  # bucket 1: 1 - 0 < 2 -> still 1
    assert d.scale(4, 1, 0.0, 0.0).desired == 0  # bucket 2: the 1 is 2 buckets old -> 0


def test_activation_scale_raises_non_zero_demand_after_the_rate_clamp() -> None:
    # activation 5, ready 1, up-rate 2: clamp ceil(2 x 1) = 2, then raised to 5
    d = Decider(spec(activation_scale=5, max_scale_up_rate=2.0, panic_threshold=10.0))
    assert d.scale(2, 1, 1.0, 1.0).desired == 5


def test_activation_scale_does_not_hold_pods_without_demand() -> None:
    d = Decider(spec(activation_scale=3, max_scale_down_rate=1000.0))
    assert d.scale(2, 3, 0.0, 0.0).desired == 0


def test_excess_burst_capacity() -> None:
    # floor(ready x total - TBC - P): 2 x 10 - 10 - 5 = 5
    assert excess_burst_capacity(2, 10.0, 10.0, 5.0) == 5
    assert excess_burst_capacity(2, 10.0, 0.0, 50.0) == 0  # TBC 0 -> 0
    assert excess_burst_capacity(2, 10.0, -1.0, 0.0) == -1  # TBC -1 -> -1
    # raw ready 0 (not max(1, .)): 0 - 10 - 5 = -15
    assert excess_burst_capacity(0, 10.0, 10.0, 5.0) == -15
    # GPU default: cc 1, TBC 211, 5 ready, P 3: floor(5 - 211 - 3) = -209 -> activator stays in the path
    assert excess_burst_capacity(5, 1.0, 211.0, 3.0) == -209


def test_decision_reports_excess_burst_capacity_from_raw_ready_and_panic_value() -> None:
    d = Decider(spec(total_value=10.0, target_burst_capacity=10.0, target_value=10.0))
    decision = d.scale(2, 2, 5.0, 5.5)
    assert decision.excess_burst_capacity == 4  # floor(20 - 10 - 5.5) = floor(4.5)


def test_no_data_is_an_invalid_decision() -> None:
    d = Decider(spec())
    decision = d.scale(2, 1, None, None)
    assert decision == (SCALE_UNKNOWN, 0, False)


@pytest.mark.parametrize("ready", [0, 1, 2, 5])
def test_a_new_decider_remembers_its_ready_pods_as_max_panic_pods(ready: int) -> None:
    """``newAutoscaler`` (``pkg/autoscaler/scaling/autoscaler.go``, knative-v1.23.0).

    ``maxPanicPods: int32(curC)`` whatever the ready count ``curC``; the panic time is set
    only when ``curC > 1`` (Knative's ``TestStartInPanicMode``: 0 and 1 pods give no panic
    and max panic pods 0 and 1; 2 pods give panic).
    """
    d = Decider(spec(), ready_pods_at_start=ready, now_seconds=10)
    assert d.max_panic_pods == ready
    assert d.in_panic is (ready > 1)
    assert d.panic_time == (10 if ready > 1 else None)


def test_a_decider_created_with_several_ready_pods_starts_in_panic() -> None:
    d = Decider(spec(stable_window_seconds=60), ready_pods_at_start=3, now_seconds=0)
    assert d.in_panic
    # no demand, but panic holds the 3 pods until a calm decision after 0 + 60
    assert d.scale(2, 3, 0.0, 0.0).desired == 3
    assert d.scale(62, 3, 0.0, 0.0).desired == 1  # panic over; clamp floor(3 / 2) = 1


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=50), st.floats(min_value=0, max_value=200)),
        min_size=1,
        max_size=30,
    ),
    threshold=st.floats(min_value=1.1, max_value=10),
)
def test_panic_never_lowers_the_desired_count(steps: list[tuple[int, float]], threshold: float) -> None:
    d = Decider(spec(panic_threshold=threshold))
    previous_in_panic = False
    previous = 0
    for k, (ready, value) in enumerate(steps):
        decision = d.scale(2 * k, ready, value, value)
        assert decision.desired >= 0
        if previous_in_panic and d.in_panic:
            assert decision.desired >= previous
        previous_in_panic = d.in_panic
        previous = decision.desired


@settings(max_examples=80, deadline=None)
@given(
    ready=st.integers(min_value=0, max_value=100),
    value=st.floats(min_value=0, max_value=1000),
    up=st.floats(min_value=1.01, max_value=10),
    down=st.floats(min_value=1.01, max_value=10),
)
def test_decisions_stay_within_the_rate_clamps(ready: int, value: float, up: float, down: float) -> None:
    d = Decider(spec(max_scale_up_rate=up, max_scale_down_rate=down))
    decision = d.scale(2, ready, value, value)
    r = max(1, ready)
    # first decision of a new decider: stable and panic values are both clamped to the same range
    assert math.floor(r / down) <= decision.desired <= math.ceil(up * r)
