"""Pictures of simulated runs (needs matplotlib: ``pip install "kn-constructs[plot]"``).

:func:`plot_result` draws one run as four stacked panels sharing the time axis: load
(requests per second), pods (desired and ready, panic shaded), requests waiting, and
latency. :func:`plot_comparison` draws several runs of the same trace against each other.

matplotlib is imported only when a function here is called, and only its Agg (file)
backend is used: no window opens and no global pyplot state is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

from kn_constructs._format import format_number
from kn_constructs.sim.simulate import SimulationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_comparison", "plot_result", "result_figure"]

_COLORS = {
    "load": "#4c72b0",
    "desired": "#dd8452",
    "ready": "#55a868",
    "queued": "#c44e52",
    "latency": "#8172b3",
}


def _figure(rows: int, height: float) -> tuple[Figure, list[Axes]]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError('plotting needs matplotlib: pip install "kn-constructs[plot]"') from error
    figure = Figure(figsize=(11, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True)
    return figure, list(axes)


def _shade(ax: Axes, seconds: Sequence[int], flags: Sequence[int], color: str, label: str) -> None:
    start = None
    labelled = False
    for second, flag in zip(seconds, flags, strict=True):
        if flag and start is None:
            start = second - 1
        elif not flag and start is not None:
            ax.axvspan(start, second - 1, color=color, alpha=0.12, lw=0, label=None if labelled else label)
            labelled = True
            start = None
    if start is not None:
        ax.axvspan(start, seconds[-1], color=color, alpha=0.12, lw=0, label=None if labelled else label)


def _summary_line(result: SimulationResult) -> str:
    s = result.summary
    p99 = "-" if s.latency_p99_seconds is None else f"{s.latency_p99_seconds:.2f}s"
    return (
        f"p99 {p99}, cold-start requests {s.cold_start_requests}, rejected {s.rejected},"
        f" peak pods {s.peak_pods}, GPU-hours {s.gpu_hours:.2f}"
    )


def plot_result(result: SimulationResult, path: str | PathLike[str], *, title: str | None = None) -> None:
    """Draw one run into a PNG: load, desired and ready pods, queue, latency over time.

    Args:
        result: The run.
        path: The PNG to write.
        title: The figure's title. Default: the trace and the revision's windows.
    """
    result_figure(result, title=title).savefig(path, format="png")


def result_figure(result: SimulationResult, *, title: str | None = None) -> Figure:
    """The figure :func:`plot_result` writes (four panels: load, pods, requests, latency)."""
    figure, (load, pods, queue, latency) = _figure(4, 9.5)
    tl = result.timeline
    seconds = list(tl.seconds)
    auto = result.autoscaling
    heading = title or (
        f"{result.trace_name}: window {auto.stable_window_seconds}s, panic {auto.panic_window_seconds}s,"
        f" target {format_number(round(auto.target.target_value, 3))}/pod,"
        f" startup {result.startup.describe()}"
    )
    figure.suptitle(f"{heading}\n{_summary_line(result)}", fontsize=11)

    load.plot(seconds, tl.arrivals, color=_COLORS["load"], lw=0.8, label="requests arriving per second")
    load.plot(seconds, tl.concurrency, color="#937860", lw=0.8, alpha=0.8, label="concurrency (the metric)")
    load.set_ylabel("load")

    pods.step(
        seconds, tl.replicas, where="post", color=_COLORS["desired"], lw=1.3, label="desired pods (replicas)"
    )
    pods.step(
        seconds,
        tl.desired,
        where="post",
        color=_COLORS["desired"],
        lw=0.8,
        ls=":",
        label="autoscaler's wish (before min/max-scale)",
    )
    pods.step(seconds, tl.pods, where="post", color="#999999", lw=0.8, ls="--", label="pods holding a GPU")
    pods.step(seconds, tl.ready, where="post", color=_COLORS["ready"], lw=1.4, label="ready pods")
    _shade(pods, seconds, tl.panic, "#c44e52", "panic mode")
    pods.set_ylabel("pods")
    top = max([*tl.replicas, *tl.pods, 1])
    pods.set_ylim(0, top * 1.3 + 1)

    queue.plot(
        seconds,
        tl.queued,
        color=_COLORS["queued"],
        lw=0.9,
        label="requests waiting (activator + queue-proxy)",
    )
    queue.plot(seconds, tl.in_flight, color="#64b5cd", lw=0.8, alpha=0.8, label="requests being served")
    queue.set_ylabel("requests")
    queue.set_ylim(bottom=0)

    means, maxima = result.latency_by_second()
    latency.plot(
        seconds, maxima, color=_COLORS["latency"], lw=0.7, alpha=0.5, label="max latency (by arrival second)"
    )
    latency.plot(seconds, means, color=_COLORS["latency"], lw=1.2, label="mean latency (by arrival second)")
    p99 = result.summary.latency_p99_seconds
    if p99 is not None:
        latency.axhline(p99, color="black", lw=0.8, ls=":", label=f"p99 over the run ({p99:.2f}s)")
    latency.set_ylabel("latency (s)")
    latency.set_ylim(bottom=0)
    latency.set_xlabel("time (s)")

    for ax in (load, pods, queue, latency):
        _legend_above_data(ax)
    return figure


def _legend_above_data(ax: Any) -> None:
    """Grid, and a legend in head room added above the data, so it never hides a peak."""
    ax.grid(True, alpha=0.3)
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, top + (top - bottom) * 0.6)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85, ncol=2)


def plot_comparison(
    runs: Sequence[tuple[str, SimulationResult]], path: str | PathLike[str], *, title: str | None = None
) -> None:
    """Draw several runs of one trace: load, then pods and queue of each run, then latency.

    Args:
        runs: ``(label, result)`` pairs; the first run's load is drawn.
        path: The PNG to write.
        title: The figure's title.
    """
    figure, (load, pods, queue, latency) = _figure(4, 9.5)
    palette = ["#dd8452", "#4c72b0", "#55a868", "#8172b3"]
    first = runs[0][1].timeline
    load.plot(
        list(first.seconds), first.arrivals, color="#4c72b0", lw=0.8, label="requests arriving per second"
    )
    load.set_ylabel("load")
    lines: list[str] = []
    for (label, result), color in zip(runs, palette, strict=False):
        tl = result.timeline
        seconds: Any = list(tl.seconds)
        pods.step(seconds, tl.pods, where="post", color=color, lw=1.3, label=f"{label}: pods holding a GPU")
        pods.step(seconds, tl.ready, where="post", color=color, lw=0.8, ls=":", label=f"{label}: ready pods")
        queue.plot(seconds, tl.queued, color=color, lw=1.0, label=f"{label}: requests waiting")
        means, _ = result.latency_by_second()
        latency.plot(seconds, means, color=color, lw=1.0, label=f"{label}: mean latency")
        lines.append(f"{label}: {_summary_line(result)}")
    pods.set_ylabel("pods")
    queue.set_ylabel("requests")
    latency.set_ylabel("latency (s)")
    latency.set_xlabel("time (s)")
    for ax in (load, pods, queue, latency):
        ax.set_ylim(bottom=0)
        _legend_above_data(ax)
    figure.suptitle("\n".join([title or "comparison", *lines]), fontsize=10)
    figure.savefig(path, format="png")
