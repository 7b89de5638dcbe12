"""Benchmark of the autoscaler simulator: one simulated day at 20 requests per second.

Run from the repository root::

    python benchmarks/sim_bench.py                  # a day at 20 req/s, median of 3
    python benchmarks/sim_bench.py --hours 2 --repeat 1

It generates the trace (Poisson arrivals at ``--rate`` per second, log-normal service times
of mean 1 s and spread 0.3 s; about 1.73 million requests for a day), then, in the same run:

- **baseline**: one pass over the trace in Python (``for a, s in zip(arrivals, services)``
  summing the service times): the least any per-request simulator written in Python pays;
- **simulate**: :func:`kn_constructs.sim.simulate` with ``AutoscalerProfile.from_startup(20,
  spread_seconds=5)``, ``containerConcurrency`` 1, log-normal 20 s startups, starting warm
  with 25 pods (the activator is in the path, requests queue in it while pods start).

The two are timed ``--repeat`` times, interleaved (baseline, simulate, baseline, ...), so that
both see the same load from whatever else runs on the machine; the medians count. Reported:
simulated seconds per wall second and per CPU second (the target is at least 20,000 x real
time; on a machine others share, the CPU-time figure is the one that load moves least), the
simulation's cost as a multiple of the baseline pass (the figure that load does not move
much), whether numpy's selection served the percentiles, and memory: how much the simulation
raised the process's peak resident set size (``resource.getrusage``; the trace is already in
memory before it starts) and, with ``--tracemalloc``, the peak of Python allocations during
one more simulation (tracing slows that run down some 40 times: minutes for a day).
``--check`` exits 1 when the real-time ratio is under the target (never used by tests:
timings belong here, not in unit tests).
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from kn_constructs import AutoscalerProfile
from kn_constructs.sim import Distribution, Trace, simulate, traces
from kn_constructs.sim._stats import HAVE_NUMPY

TARGET_REALTIME = 20_000


#: CPU seconds of each timed run of the simulation (``time.process_time``), by ``timed``.
CPU_TIMES: list[float] = []


def timed(work: Callable[[], Any], *, cpu: bool = False) -> tuple[float, Any]:
    """The wall time of one run, and its result; with ``cpu``, its CPU time goes to ``CPU_TIMES``."""
    gc.collect()
    began_cpu = time.process_time()
    began = time.perf_counter()
    result = work()
    wall = time.perf_counter() - began
    if cpu:
        CPU_TIMES.append(time.process_time() - began_cpu)
    return wall, result


def interleaved(
    repeat: int, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[list[float], list[float], Any]:
    """``repeat`` rounds of ``first`` then ``second``: both lists of times, and ``second``'s last result."""
    times_first: list[float] = []
    times_second: list[float] = []
    result: Any = None
    for _ in range(repeat):
        t, _ = timed(first)
        times_first.append(t)
        t, result = timed(second, cpu=True)
        times_second.append(t)
    return times_first, times_second, result


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
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved rounds; the medians count (default 3)"
    )
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

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    base_times, sim_times, result = interleaved(args.repeat, lambda: baseline(trace), run)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base_time = statistics.median(base_times)
    sim_time = statistics.median(sim_times)
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
    print(
        f"baseline (one pass over the trace): median {base_time:.3f} s"
        f" ({', '.join(f'{t:.3f}' for t in base_times)})"
    )
    print(
        f"simulate: median {sim_time:.3f} s ({', '.join(f'{t:.3f}' for t in sim_times)})"
        f" = {sim_time / base_time:.1f} x the baseline pass"
    )
    print(f"percentiles: {'numpy selection' if HAVE_NUMPY else 'sort (numpy not installed)'}")
    print(
        f"speed: {realtime:,.0f} simulated seconds per wall second (target >= {TARGET_REALTIME:,}):"
        f" {'met' if realtime >= TARGET_REALTIME else 'NOT met'}"
    )
    cpu_time = statistics.median(CPU_TIMES)
    print(
        f"speed in CPU time: {simulated / cpu_time:,.0f} simulated seconds per CPU second (median"
        f" {cpu_time:.3f} s): what an idle machine gives, about, when other work shares the cores"
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
