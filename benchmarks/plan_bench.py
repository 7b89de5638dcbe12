"""Planner benchmark: a 40-model fleet, a day of traffic each, every default policy.

It builds 40 Knative Services (plain dicts: the benchmark is about planning, not synthesis) of
four shapes (``containerConcurrency`` 1, 4, 16 and 64, startups of 15 to 90 s), with traffic
from a few requests a day to 2 requests a second (log-spaced means; half steady, half with a
daily cycle), and times, interleaved, ``--repeat`` times each (medians reported):

* **plan**: :func:`kn_constructs.plan.plan_models` with the default policies and ``--jobs``
  worker processes (default 2): every model's day under every policy, the break-even rates,
  the recommendations, plus the fleet totals (:func:`kn_constructs.plan.report.build_report`);
* **baseline**: the same simulations (one :func:`kn_constructs.sim.simulate` call per model
  and distinct policy, the same traces and seeds) run one after another in this process.

The ratio plan / baseline shows what the worker processes buy (about 1/jobs at best) and what
the planner adds. The target (issue 15): the whole plan under 60 s on this machine (2 cores).
Run it from the repository root::

    .venv/bin/python benchmarks/plan_bench.py [--models 40] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from typing import Any

from kn_constructs.plan.engine import plan_models, warmed_trace
from kn_constructs.plan.inputs import Prices, Traffic, model_from_manifest, model_seed
from kn_constructs.plan.policies import DEFAULT_POLICIES
from kn_constructs.plan.report import build_report
from kn_constructs.sim import simulate
from kn_constructs.sim.distributions import Distribution

PRICES = Prices(
    currency="USD", per_gpu_hour={"A100_PCIE_80GB": 2.5, "A40": 1.0}, gpu_budget=40, cold_start_cost=0.05
)
#: (containerConcurrency, target, window, startup mean s, service mean s)
SHAPES = (
    (1, 1, "60s", 20.0, 2.0),
    (4, 3, "90s", 45.0, 4.0),
    (16, 12, "120s", 60.0, 6.0),
    (64, 51, "180s", 90.0, 8.0),
)
#: A daily cycle: share of the day's requests in each hour (quiet at night, busy by day).
CYCLE = (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 14, 12, 10, 8, 6, 4, 3, 2, 1)


def service(i: int) -> dict[str, Any]:
    """Model ``i``: a Knative Service of shape ``i % 4`` on A100s or A40s."""
    cc, target, window, _, _ = SHAPES[i % len(SHAPES)]
    gpu_class = "A100_PCIE_80GB" if i % 3 else "A40"
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": f"model-{i:02d}", "namespace": "models"},
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {
                        "autoscaling.knative.dev/target": str(target),
                        "autoscaling.knative.dev/window": window,
                        "autoscaling.knative.dev/min-scale": "0",
                        "autoscaling.knative.dev/max-scale": "8",
                    }
                },
                "spec": {
                    "containerConcurrency": cc,
                    "timeoutSeconds": 600,
                    "containers": [{"name": "server", "resources": {"limits": {"nvidia.com/gpu": 1}}}],
                    "nodeSelector": {
                        "gpu.nvidia.com/class": gpu_class,
                        "topology.kubernetes.io/region": "LGA1",
                    },
                },
            }
        },
    }


def fleet(n: int) -> tuple[list[Any], dict[str, Traffic]]:
    """``n`` models and their traffic: means log-spaced from 2 a day to 2 a second."""
    models = []
    traffic: dict[str, Traffic] = {}
    for i in range(n):
        _, _, _, startup, svc = SHAPES[i % len(SHAPES)]
        model = model_from_manifest(service(i), Distribution.lognormal(startup, startup / 4))
        models.append(model)
        per_hour = (2 / 24) * (7200 * 12) ** (i / max(1, n - 1))  # 2/day .. 2/s
        cycle = tuple(per_hour * 24 * share / sum(CYCLE) for share in CYCLE)
        hourly = cycle if i % 2 else (per_hour,) * 24
        traffic[model.name] = Traffic(
            model.name,
            "hourly",
            hourly_requests=hourly,
            service_mean_seconds=svc,
            service_spread_seconds=svc / 3,
        )
    return models, traffic


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_plan(models: list[Any], traffic: dict[str, Traffic], jobs: int) -> tuple[float, float, Any]:
    start, cpu = time.perf_counter(), _cpu_seconds()
    plans = plan_models(models, traffic, PRICES, DEFAULT_POLICIES, seed=0, jobs=jobs)
    report = build_report(plans, PRICES, budget=PRICES.gpu_budget, seed=0, source="bench")
    return time.perf_counter() - start, _cpu_seconds() - cpu, report


def run_baseline(models: list[Any], traffic: dict[str, Traffic]) -> tuple[float, int]:
    start = time.perf_counter()
    runs = 0
    for model in models:
        seed = model_seed(0, model.name)
        trace, _ = warmed_trace(traffic[model.name].build(seed))
        seen: set[str] = set()
        for policy in DEFAULT_POLICIES:
            manifest = policy.apply(model.manifest)
            key = repr(sorted(manifest["spec"]["template"]["metadata"]["annotations"].items()))
            if key in seen:
                continue
            seen.add(key)
            simulate(trace, manifest, model.startup, seed=seed)
            runs += 1
    return time.perf_counter() - start, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true", help="time the plan only")
    args = parser.parse_args()
    models, traffic = fleet(args.models)
    requests = sum(t.requests_per_day for t in traffic.values())
    print(
        f"{args.models} models, {requests:,.0f} requests a day in all, policies: "
        + ", ".join(p.name for p in DEFAULT_POLICIES)
    )
    plan_times: list[float] = []
    cpu_times: list[float] = []
    base_times: list[float] = []
    runs = 0
    report = None
    for round_ in range(args.repeat):
        seconds, cpu, report = run_plan(models, traffic, args.jobs)
        plan_times.append(seconds)
        cpu_times.append(cpu)
        print(
            f"  round {round_ + 1}: plan {seconds:.1f} s (jobs {args.jobs}), {cpu:.1f} CPU seconds",
            flush=True,
        )
        if args.no_baseline:
            continue
        base, runs = run_baseline(models, traffic)
        base_times.append(base)
        print(f"  round {round_ + 1}: baseline {base:.1f} s ({runs} runs, one process)", flush=True)
    plan_s = statistics.median(plan_times)
    assert report is not None
    chosen = {p.recommended for p in report.plans}
    days = sum(len({o.same_as or o.policy for o in p.outcomes}) for p in report.plans)
    print(
        f"target: under 60 s: {'met' if plan_s < 60 else 'NOT met'}; recommended policies: {sorted(chosen)}"
    )
    cpu_s = statistics.median(cpu_times)
    print(
        f"plan: median {plan_s:.1f} s wall, {cpu_s:.1f} CPU seconds ({cpu_s / args.jobs:.1f} s on {args.jobs}"
        f" idle cores); {days} simulated days, {86400 * days / cpu_s:,.0f} simulated seconds per CPU second"
    )
    if not base_times:
        return
    base_s = statistics.median(base_times)
    print(
        f"baseline (the {runs} simulations one after another): median {base_s:.1f} s;"
        f" plan / baseline {plan_s / base_s:.2f}"
    )


if __name__ == "__main__":
    main()
