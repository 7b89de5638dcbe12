"""Benchmark of the autoscaler simulator: one simulated day at 20 requests per second.

Run from the repository root::

    python benchmarks/sim_bench.py                  # a day at 20 req/s, best of 3
    python benchmarks/sim_bench.py --hours 2 --repeat 1

It generates the trace (Poisson arrivals at ``--rate`` per second, log-normal service times
of mean 1 s and spread 0.3 s; about 1.73 million requests for a day), then, in the same run:

- **baseline**: one pass over the trace in Python (``for a, s in zip(arrivals, services)``
  summing the service times): the least any per-request simulator written in Python pays;
- **simulate**: :func:`kn_constructs.sim.simulate` with ``AutoscalerProfile.from_startup(20,
  spread_seconds=5)``, ``containerConcurrency`` 1, log-normal 20 s startups, starting warm
  with 25 pods (the activator is in the path, requests queue in it while pods start).

Each is timed ``--repeat`` times; the best time counts. Reported: simulated seconds per wall
second (the target is at least 10,000 x real time), the simulation's cost as a multiple of
the baseline pass, and memory: how much the simulation raised the process's peak resident set
size (``resource.getrusage``; the trace is already in memory before it starts) and, with
``--tracemalloc``, the peak of Python allocations during one more simulation (tracing slows
that run down some 40 times: minutes for a day). ``--check`` exits 1 when the real-time ratio
is under the target (never used by tests: timings belong here, not in unit tests).
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from kn_constructs import AutoscalerProfile
from kn_constructs.sim import Distribution, Trace, simulate, traces

TARGET_REALTIME = 10_000


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The best wall time of ``repeat`` runs, and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    return best, result


def baseline(trace: Trace) -> float:
    """One pass over the trace: the floor of any per-request loop in Python."""
    total = 0.0
    for _, service in zip(trace.arrival_seconds, trace.service_seconds, strict=True):
        total += service
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts (default 3)")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations in one more (slow) run"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 below the real-time target")
    args = parser.parse_args(argv)

    duration = args.hours * 3600
    began = time.perf_counter()
    trace = traces.poisson(
        args.rate, duration, service=Distribution.lognormal(1.0, 0.3), seed=1, name="bench"
    )
    generate = time.perf_counter() - began
    profile = AutoscalerProfile.from_startup(20, spread_seconds=5)
    startup = Distribution.lognormal(20, 5)

    def run() -> Any:
        return simulate(trace, profile, startup, seed=1, initial_pods=25)

    base_time, _ = best_of(args.repeat, lambda: baseline(trace))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sim_time, result = best_of(args.repeat, run)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    simulated = result.summary.simulated_seconds
    realtime = simulated / sim_time

    peak = None
    if args.tracemalloc:
        gc.collect()
        tracemalloc.start()
        run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    s = result.summary
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(
        f"trace: {len(trace):,} requests over {duration:,.0f} s at {args.rate:g}/s"
        f" (generated in {generate:.2f} s)"
    )
    print(
        f"run: {s.pods_started:,} pods started, peak {s.peak_pods}, {s.waited_requests:,} requests waited,"
        f" p99 {s.latency_p99_seconds:.2f} s"
    )
    print(f"baseline (one pass over the trace): {base_time:.3f} s")
    print(f"simulate: {sim_time:.3f} s = {sim_time / base_time:.1f} x the baseline pass")
    print(
        f"speed: {realtime:,.0f} simulated seconds per wall second (target >= {TARGET_REALTIME:,}):"
        f" {'met' if realtime >= TARGET_REALTIME else 'NOT met'}"
    )
    print(f"per request: {sim_time / max(1, len(trace)) * 1e6:.2f} us")
    print(
        f"memory: simulate raised the peak RSS by {(rss_after - rss_before) / 1024:.0f} MiB"
        f" ({rss_before / 1024:.0f} MiB with the trace loaded -> {rss_after / 1024:.0f} MiB)"
    )
    if peak is not None:
        print(f"memory: peak Python allocations during simulate {peak / 2**20:.1f} MiB (tracemalloc)")
    if args.check and realtime < TARGET_REALTIME:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
