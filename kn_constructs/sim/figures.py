"""The scenarios of ``docs/simulator.md`` and the script that draws their figures.

Run ``python -m kn_constructs.sim.figures docs/img`` (needs the ``plot`` extra) to write
``sim-spiky.png``, ``sim-cold-start.png`` and ``sim-overscaling.png`` and print the numbers
quoted in the docs. Each scenario is a function, so the tests run the same cases.

- **Spiky traffic** (KN-AS-8): a base load with bursts six times higher, served with
  :meth:`AutoscalerProfile.spiky_traffic`.
- **Scale from zero with a 20 s startup** (KN-SCALE-1): traffic that stops for ten
  minutes at a time, so the revision scales to zero and every restart is a cold start.
- **Over-scaling when the panic window is shorter than the startup** (KN-AS-4): pods take
  30 s to start; a 30 s stable window with a 10 % (3 s) panic window against the windows
  :meth:`AutoscalerProfile.from_startup` derives (60 s, 50 %), on the same trace of sharp
  spikes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kn_constructs.profile import AutoscalerProfile
from kn_constructs.sim.distributions import Distribution
from kn_constructs.sim.simulate import SimulationResult, simulate
from kn_constructs.sim.traces import Trace, bursts, on_off

__all__ = ["Scenario", "cold_start_scenario", "main", "overscaling_scenario", "spiky_scenario", "table_row"]

#: The seed of every scenario (trace and startups).
SEED = 7


@dataclass(frozen=True)
class Scenario:
    """A trace, a startup distribution and the profiles to compare on them.

    Attributes:
        name: Short name (also the figure's file name stem).
        title: One line for the figure.
        trace: The requests.
        startup: Pod startup.
        profiles: Label -> profile, in the order drawn.
        max_scale: max-scale of every run (``None``: the profile's, unlimited here).
        initial_pods: Ready pods at time 0 (``None``: min-scale).
    """

    name: str
    title: str
    trace: Trace
    startup: Distribution
    profiles: dict[str, AutoscalerProfile]
    max_scale: int | None = None
    initial_pods: int | None = None

    def run(self, seed: int = SEED) -> list[tuple[str, SimulationResult]]:
        """Simulate every profile on the trace (same startup seed for all)."""
        return [
            (
                label,
                simulate(
                    self.trace,
                    profile,
                    self.startup,
                    max_scale=self.max_scale,
                    initial_pods=self.initial_pods,
                    seed=seed,
                ),
            )
            for label, profile in self.profiles.items()
        ]


def spiky_scenario() -> Scenario:
    """Bursts to 6 req/s for a minute every 10 minutes over 1 req/s; 2 s requests; 20 s startup."""
    startup = Distribution.lognormal(20, 5)
    trace = bursts(
        1.0,
        6.0,
        burst_seconds=60,
        every_seconds=600,
        duration_seconds=1800,
        first_burst_seconds=300,
        service=Distribution.lognormal(2.0, 0.5),
        seed=SEED,
        name="spiky",
    )
    profile = AutoscalerProfile.spiky_traffic(20, spread_seconds=5).replace(min_scale=2)
    return Scenario(
        "spiky",
        "Spiky traffic: AutoscalerProfile.spiky_traffic(20, spread_seconds=5), min-scale 2, max-scale 20",
        trace,
        startup,
        {"spiky_traffic": profile},
        max_scale=20,
        initial_pods=3,
    )


def cold_start_scenario() -> Scenario:
    """2 req/s for 2 minutes, then 10 minutes of nothing, twice; 1.5 s requests; 20 s startup."""
    startup = Distribution.fixed(20)
    trace = on_off(
        2.0,
        on_seconds=120,
        off_seconds=600,
        duration_seconds=1440,
        service=Distribution.lognormal(1.5, 0.4),
        seed=SEED,
        name="on-off",
    )
    return Scenario(
        "cold-start",
        "Scale from zero, 20 s startup: AutoscalerProfile.from_startup(20), min-scale 0",
        trace,
        startup,
        {"from_startup(20)": AutoscalerProfile.from_startup(20).replace(min_scale=0)},
        max_scale=20,
    )


def overscaling_scenario(seed: int = SEED) -> Scenario:
    """The guide's over-scaling case: 30 s startup, 30 s window with a 10 % (3 s) panic window.

    Sharp spikes, much shorter than the startup: 5 s at 8 req/s every 3 minutes over
    2 req/s, 2 s requests, starting warm with 5 pods, no max-scale. Compared with
    :meth:`AutoscalerProfile.from_startup` for the same startup (60 s window, 50 %: 30 s).

    Args:
        seed: Seed of the trace.
    """
    startup = Distribution.fixed(30)
    trace = bursts(
        2.0,
        8.0,
        burst_seconds=5,
        every_seconds=180,
        duration_seconds=1200,
        service=2.0,
        seed=seed,
        name="spikes",
    )
    short_panic = AutoscalerProfile(window_seconds=30, panic_window_percentage=10.0, min_scale=1)
    derived = AutoscalerProfile.from_startup(30).replace(min_scale=1)
    return Scenario(
        "overscaling",
        "Over-scaling: panic window 3 s (30 s x 10 %) with a 30 s startup, vs from_startup(30): 30 s",
        trace,
        startup,
        {"window 30s, panic 10% (3s)": short_panic, "from_startup(30): 60s, 50% (30s)": derived},
        initial_pods=5,
    )


def table_row(label: str, result: SimulationResult) -> str:
    """One row of the docs' table: p50, p99, cold-start requests, rejected, peak pods, GPU-hours."""
    s = result.summary
    p99 = "-" if s.latency_p99_seconds is None else f"{s.latency_p99_seconds:.1f}"
    p50 = "-" if s.latency_p50_seconds is None else f"{s.latency_p50_seconds:.1f}"
    return (
        f"| {label} | {p50} | {p99} | {s.cold_start_requests} | {s.rejected} | {s.peak_pods}"
        f" | {s.gpu_hours:.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write the three figures into the folder given (default ``docs/img``) and print the numbers."""
    from kn_constructs.sim.plot import plot_comparison, plot_result

    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else "docs/img")
    folder.mkdir(parents=True, exist_ok=True)
    print(
        "| scenario / profile | p50 (s) | p99 (s) | cold-start requests | rejected | peak pods | GPU-hours |"
    )
    print("|---|---|---|---|---|---|---|")
    for scenario in (spiky_scenario(), cold_start_scenario(), overscaling_scenario()):
        runs = scenario.run()
        path = folder / f"sim-{scenario.name}.png"
        if len(runs) == 1:
            plot_result(runs[0][1], path, title=scenario.title)
        else:
            plot_comparison(runs, path, title=scenario.title)
        for label, result in runs:
            print(table_row(f"{scenario.name}: {label}", result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
