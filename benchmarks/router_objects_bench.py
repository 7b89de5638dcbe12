"""How long building a ``ModelRouter`` takes in a cdk8s app: plain dicts against cdk8s-plus-27.

Run from the repository root: ``python benchmarks/router_objects_bench.py [--rounds N] [MODELS ...]``
(default 15 rounds, 2 and 1000 models). In one process (jsii's Node started once, before
timing), each round builds, interleaved and each in a new ``App``/``Chart``:

* the **floor**: the same manifests from :func:`kn_constructs.router_manifests.plan_router_objects`
  with no construct tree (pure Python: planning, ``nginx.conf``, the three dicts);
* the router as it renders now (three ``ApiObject`` with the dicts);
* the router through the old cdk8s-plus-27 path (kept for the comparison tests).

Each step is timed twice: the construction alone, and the construction plus ``chart.to_json()``
(cdk8s resolving the objects, as a synth does before writing YAML). It prints medians and the
ratios to the floor. No target: the figures are recorded in ``changes/routerdict.md``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable

from cdk8s import App, Chart

from kn_constructs import KnWarning
from kn_constructs.router import RouterRoute
from kn_constructs.router_construct import ModelRouter, _cdk8s_plus_rendering
from kn_constructs.router_manifests import plan_router_objects

IMAGE = "nginxinc/nginx-unprivileged:1.27-alpine@sha256:" + "c" * 64


def _routes(count: int) -> list[RouterRoute]:
    return [
        RouterRoute.for_knative_service(f"model-{i:04d}", "models", timeout_seconds=60) for i in range(count)
    ]


def _floor(routes: list[RouterRoute], outdir: str, synth: bool) -> None:
    objects = plan_router_objects(routes, path="router", name="router", image=IMAGE)
    objects.manifests(pod_address="fleet-router-Deployment-c89c42ff", namespace="models").documents()


def _construct(old: bool) -> Callable[[list[RouterRoute], str, bool], None]:
    def run(routes: list[RouterRoute], outdir: str, synth: bool) -> None:
        chart = Chart(App(outdir=outdir), "fleet", namespace="models")
        if old:
            with _cdk8s_plus_rendering():
                ModelRouter(chart, "router", routes=routes, image=IMAGE)
        else:
            ModelRouter(chart, "router", routes=routes, image=IMAGE)
        if synth:
            chart.to_json()

    return run


def main() -> None:
    """Print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=int, default=[2, 1000])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    warnings.simplefilter("ignore", KnWarning)  # 1,000 models warn about client-side apply
    steps = {
        "floor (pure dicts)": _floor,
        "dicts (now)": _construct(False),
        "cdk8s-plus (before)": _construct(True),
    }
    with tempfile.TemporaryDirectory() as outdir:
        _construct(False)(_routes(1), outdir, True)  # start jsii's Node before timing
        for count in args.models:
            routes = _routes(count)
            for synth in (False, True):
                times: dict[str, list[float]] = {name: [] for name in steps}
                for _ in range(args.rounds):
                    for name, step in steps.items():
                        gc.collect()
                        start = time.perf_counter()
                        step(routes, outdir, synth)
                        times[name].append(time.perf_counter() - start)
                floor = statistics.median(times["floor (pure dicts)"])
                what = "construct + chart.to_json()" if synth else "construct"
                print(f"{count} models, {what}, median of {args.rounds}:")
                for name, values in times.items():
                    median = statistics.median(values)
                    print(f"  {name:22s} {median * 1000:9.2f} ms  {median / floor:7.2f} x floor")


if __name__ == "__main__":
    main()
