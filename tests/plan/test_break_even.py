"""The break-even rate between scale to zero and min-scale 1, on hand-worked cases.

The model (``tests/plan/helpers.service``): ``containerConcurrency`` 10, target 10 at 100 %
utilization, a 60 s stable window, ``timeoutSeconds`` 300; pods start in exactly 20 s and each
request takes exactly 2 s. One request asks for one pod, so a cold start starts one pod: the
extra pod-seconds per cold start ``E`` are 0 (the new pod's startup costs min-scale 1 the same:
its idle pod is there over those seconds). Prices: 3.6 per GPU-hour (0.001 a second), and a cold
start weighed at 0.1. By the closed form (docs/plan.md, "Break-even"):

    λ* = 1 / (E + 3600 x 0.1 / 3.6) = 1 / (0 + 100 s) = 36 requests per hour.

* 1 request an hour (24 a day, far below 36/h): every request meets a cold start; scale to zero
  holds a pod for startup + request + the 60 s stable window before it goes back to zero (the
  grace period has run meanwhile: the activator is in the path), 20 + 2 + 60 = 82 s per request:
  24 x 82 s = 0.55 GPU-hours, 2.0 + 24 x 0.1 = 4.4 a day; min-scale 1 holds one pod all day:
  24 GPU-hours, 86.4 a day. Scale to zero must win. (Seed 11: 22 requests, 0.51 GPU-hours, 4.04.)
* 120 requests an hour (one every 30 s, above 36/h): a gap outlasts the 2 s request and the 60 s
  window with probability e^(-62/30) = 0.127: 2880 x 0.127 = 365 cold starts a day, 36.5 in
  cold-start cost, while each saves only 1/λ = 30 pod-seconds on average: 3.0 GPU-hours, 11.0.
  Scale to zero costs ~25 a day more: min-scale 1 must win. (Seed 11: 318 cold starts,
  21.53 GPU-hours: 109.32 a day against 86.40.)
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.plan.engine import ModelPlan, ModelTask, _assemble, break_even_rate, run_model
from kn_constructs.plan.inputs import Prices, Traffic, model_from_manifest
from kn_constructs.plan.policies import MIN_SCALE_1, SCALE_TO_ZERO
from kn_constructs.sim.distributions import Distribution
from tests.plan.helpers import service

PRICES = Prices(currency="USD", per_gpu_hour={"A40": 3.6}, cold_start_cost=0.1)


def plan_at(requests_per_hour: float) -> ModelPlan:
    model = model_from_manifest(service("m"), Distribution.fixed(20.0))
    traffic = Traffic("m", "rate", hourly_requests=(requests_per_hour,) * 24, service_mean_seconds=2.0)
    task = ModelTask(model, traffic, (SCALE_TO_ZERO, MIN_SCALE_1), seed=11)
    _, outcomes, gpus = run_model(task)
    return _assemble(task, outcomes, gpus, PRICES)


def test_the_closed_form_of_the_hand_worked_model() -> None:
    rate = break_even_rate(0.0, price_per_gpu_hour=3.6, gpus_per_pod=1, cold_start_cost=0.1)
    assert rate * 3600 == pytest.approx(36.0)
    # two GPUs per pod: a pod-second costs twice as much, cold starts are worth it twice as early
    assert break_even_rate(
        0.0, price_per_gpu_hour=3.6, gpus_per_pod=2, cold_start_cost=0.1
    ) * 3600 == pytest.approx(72)
    # no cold-start cost and no extra pods: scale to zero never costs more GPU time
    assert math.isinf(break_even_rate(0.0, price_per_gpu_hour=3.6, gpus_per_pod=1, cold_start_cost=0.0))
    # E = 20 pod-seconds: 1 / (20 + 100) s
    assert break_even_rate(
        20.0, price_per_gpu_hour=3.6, gpus_per_pod=1, cold_start_cost=0.1
    ) == pytest.approx(1 / 120)


def test_one_request_an_hour_scale_to_zero_must_win() -> None:
    plan = plan_at(1.0)
    zero, one = plan.outcome("scale-to-zero"), plan.outcome("min-scale-1")
    assert plan.recommended == "scale-to-zero"
    # 24 requests a day, each a cold start (a Poisson count: within 4 sigma of 24)
    assert zero.cold_starts_per_day == zero.requests_per_day
    assert 5 <= zero.cold_starts_per_day <= 45
    # the first request waits the whole 20 s startup, then runs 2 s
    assert zero.first_request_p50_seconds is not None and 22.0 <= zero.first_request_p50_seconds <= 24.0
    assert zero.gpu_hours_per_day <= zero.cold_starts_per_day * 150 / 3600
    assert one.gpu_hours_per_day == pytest.approx(24.0)
    assert one.cold_starts_per_day == 0
    assert plan.total_per_day("scale-to-zero") < plan.total_per_day("min-scale-1") / 5
    # one pod per cold start: nothing extra beyond the pod min-scale 1 would hold; break-even 36/h
    assert plan.extra_pod_seconds["scale-to-zero"] < 3.0
    assert 33.0 <= plan.break_even_per_hour["scale-to-zero"] <= 36.0
    assert plan.requests_per_hour < plan.break_even_per_hour["scale-to-zero"]


def test_one_hundred_twenty_requests_an_hour_min_scale_1_must_win() -> None:
    plan = plan_at(120.0)
    zero = plan.outcome("scale-to-zero")
    assert plan.recommended == "min-scale-1"
    assert 100 <= zero.cold_starts_per_day <= 450
    assert plan.total_per_day("min-scale-1") == pytest.approx(86.4, rel=1e-3)
    assert plan.total_per_day("scale-to-zero") > plan.total_per_day("min-scale-1") + 5
    assert plan.requests_per_hour > plan.break_even_per_hour["scale-to-zero"]


@given(
    extra=st.floats(0, 1e4),
    price=st.floats(0.01, 1e3),
    gpus=st.integers(1, 8),
    cost=st.floats(1e-6, 1e3),
)
def test_scale_to_zero_is_cheaper_exactly_below_the_break_even(
    extra: float, price: float, gpus: int, cost: float
) -> None:
    rate = break_even_rate(extra, price_per_gpu_hour=price, gpus_per_pod=gpus, cold_start_cost=cost)
    pod_second = price * gpus / 3600

    # per long gap: saves 1/λ pod-seconds, pays E pod-seconds and the cold start's cost
    def gain(lam: float) -> float:
        return pod_second * (1 / lam - extra) - cost

    assert gain(rate * 0.9) > 0 > gain(rate * 1.1)
    assert (
        break_even_rate(extra * 2 + 1, price_per_gpu_hour=price, gpus_per_pod=gpus, cold_start_cost=cost)
        < rate
    )
