"""The planner's figures against the simulator's own cold-start summary, and the fleet's hours."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from kn_constructs.plan.engine import ModelTask, Outcome, fleet_hours, run_model, warmed_trace
from kn_constructs.plan.inputs import Prices, Traffic, model_from_manifest, model_seed
from kn_constructs.plan.policies import DEFAULT_POLICIES
from kn_constructs.sim import simulate
from kn_constructs.sim.distributions import Distribution
from tests.plan.helpers import service


def test_cold_starts_agree_with_the_simulators_summary(tmp_path: Path) -> None:
    """A one-hour trace has no warm-up, so the planner's count covers the same run as the summary's."""
    trace_file = tmp_path / "t.csv"
    # bursts of 3 requests every 7 minutes: each burst after the 60 s window is a cold start
    arrivals = [420 * k + d for k in range(8) for d in (0.0, 0.4, 1.1)]
    trace_file.write_text(
        "arrival_seconds,service_seconds\n" + "".join(f"{a},2\n" for a in arrivals), encoding="utf-8"
    )
    model = model_from_manifest(
        service("m", container_concurrency=1, target=1), Distribution.lognormal(20, 5)
    )
    traffic = Traffic("m", "trace", trace_path=str(trace_file))
    _, outcomes, _ = run_model(ModelTask(model, traffic, DEFAULT_POLICIES, seed=4))
    seed = model_seed(4, "m")
    trace, warmup = warmed_trace(traffic.build(seed))
    assert warmup == 0 and trace.duration_seconds == 3600
    for policy, outcome in zip(DEFAULT_POLICIES, outcomes, strict=True):
        summary = simulate(trace, policy.apply(model.manifest), model.startup, seed=seed).summary
        assert outcome.cold_starts_per_day == summary.cold_starts * 24, policy.name
        assert outcome.first_request_p50_seconds == summary.first_request_latency_p50_seconds
        assert outcome.first_request_p99_seconds == summary.first_request_latency_p99_seconds
        assert outcome.rejected_per_day == summary.rejected * 24
    assert outcomes[1].cold_starts_per_day == 8 * 24  # scale-to-zero: every burst
    assert outcomes[2].cold_starts_per_day == 0  # min-scale-1


def outcome(pods: list[int]) -> Outcome:
    return Outcome(
        policy="p",
        same_as="",
        requests_per_day=0.0,
        cold_starts_per_day=0.0,
        first_request_p50_seconds=None,
        first_request_p99_seconds=None,
        first_request_failed_per_day=0.0,
        rejected_per_day=0.0,
        latency_p50_seconds=None,
        latency_p99_seconds=None,
        gpu_hours_per_day=0.0,
        zero_seconds=0,
        pods_started=0,
        pods=array("l", pods),
        trace_seconds=float(len(pods)),
    )


class _Plan:
    """The two attributes fleet_hours reads of a ModelPlan, and its outcome lookup."""

    def __init__(self, name: str, gpu_class: str, pods: list[int], gpus: int = 1) -> None:
        self.model = model_from_manifest(service(name, gpu_class=gpu_class), Distribution.fixed(1.0))
        self.gpus_per_pod = gpus
        self._outcome = outcome(pods)

    def outcome(self, policy: str) -> Outcome:
        return self._outcome


def test_fleet_hours_add_models_per_second_against_budget_and_inventory() -> None:
    day = 86400
    # a: one pod all day; b: two 2-GPU pods from 09:00 to 10:00; c (H100): one pod 09:30-09:31 only
    a = _Plan("a", "A40", [1] * day)
    b = _Plan("b", "A40", [0] * (9 * 3600) + [2] * 3600 + [0] * (14 * 3600), gpus=2)
    c = _Plan("c", "H100", [0] * (9 * 3600 + 1800) + [1] * 60 + [0] * (14 * 3600 + 1740))
    prices = Prices(currency="USD", per_gpu_hour={"A40": 1, "H100": 2}, inventory={"LGA1": {"A40": 4}})
    hours = fleet_hours([a, b, c], {"a": "p", "b": "p", "c": "p"}, "recommended", prices, budget=5)  # type: ignore[list-item]
    assert hours.by_pool[("A40", "LGA1")] == tuple(5 if h == 9 else 1 for h in range(24))
    assert hours.by_pool[("H100", "LGA1")] == tuple(1 if h == 9 else 0 for h in range(24))
    assert hours.total == tuple(6 if h == 9 else 1 for h in range(24))
    assert hours.over_budget_hours == (9,)
    # A40: 5 > 4 at 09:00; H100: not in the declared inventory, so 0 available
    assert hours.over_inventory == {("A40", "LGA1"): (9,), ("H100", "LGA1"): (9,)}
    assert hours.per_minute[9 * 60 + 30] == 6 and hours.per_minute[9 * 60 + 31] == 5


def test_a_short_trace_repeats_over_the_day_in_the_fleet_hours() -> None:
    # one hour: a pod in its first half only; repeated, every hour of the day peaks at 1
    a = _Plan("a", "A40", [1] * 1800 + [0] * 1800)
    prices = Prices(currency="USD", per_gpu_hour={"A40": 1})
    hours = fleet_hours([a], {"a": "p"}, "x", prices, budget=None)  # type: ignore[list-item]
    assert hours.total == (1,) * 24
    assert hours.per_minute[:60] == (1,) * 30 + (0,) * 30
    assert hours.over_budget_hours == () and hours.over_inventory == {}


@pytest.mark.slow
def test_worker_processes_give_the_same_plan_as_one_process(tmp_path: Path) -> None:
    from kn_constructs.plan.engine import plan_models

    models = [model_from_manifest(service(name), Distribution.lognormal(15, 3)) for name in ("a", "b", "c")]
    traffic = {}
    for model, gap in zip(models, (300.0, 40.0, 2.0), strict=True):
        path = tmp_path / f"{model.name}.csv"
        count = int(3500 / gap)
        path.write_text(
            "arrival_seconds,service_seconds\n" + "".join(f"{gap * k},2\n" for k in range(count)),
            encoding="utf-8",
        )
        traffic[model.name] = Traffic(model.name, "trace", trace_path=str(path))
    prices = Prices(currency="USD", per_gpu_hour={"A40": 1.0}, cold_start_cost=0.01)
    policies = DEFAULT_POLICIES[1:3]
    one = plan_models(models, traffic, prices, policies, jobs=1)
    two = plan_models(models, traffic, prices, policies, jobs=2)
    assert [p.model.name for p in two] == ["a", "b", "c"]
    assert [p.outcomes for p in one] == [p.outcomes for p in two]
    assert [p.recommended for p in one] == [p.recommended for p in two]
    assert one[0].outcome("scale-to-zero").cold_starts_per_day > 0
