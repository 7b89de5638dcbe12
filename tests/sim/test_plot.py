"""The run figure: four labelled panels sharing the time axis."""

from __future__ import annotations

from pathlib import Path

import pytest

from kn_constructs import AutoscalerProfile
from kn_constructs.sim import Distribution, simulate, traces

pytest.importorskip("matplotlib")


def run() -> object:
    trace = traces.bursts(1, 5, burst_seconds=30, every_seconds=200, duration_seconds=400, seed=1)
    return simulate(trace, AutoscalerProfile.from_startup(15), Distribution.lognormal(15, 3), seed=1)


def test_the_figure_shows_load_pods_queue_and_latency() -> None:
    from kn_constructs.sim.plot import result_figure

    result = run()
    figure = result_figure(result)  # type: ignore[arg-type]
    axes = figure.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["load", "pods", "requests", "latency (s)"]
    labels = [{text.get_text() for text in ax.get_legend().get_texts()} for ax in axes]
    assert "requests arriving per second" in labels[0]
    assert {"desired pods (replicas)", "ready pods"} <= labels[1]
    assert "requests waiting (activator + queue-proxy)" in labels[2]
    assert "mean latency (by arrival second)" in labels[3]
    # the series are the timeline's
    ready_line = next(line for line in axes[1].get_lines() if line.get_label() == "ready pods")
    assert list(ready_line.get_ydata()) == list(result.timeline.ready)  # type: ignore[attr-defined]


def test_plot_result_and_comparison_write_pngs(tmp_path: Path) -> None:
    from kn_constructs.sim.plot import plot_comparison, plot_result

    result = run()
    plot_result(result, tmp_path / "one.png")  # type: ignore[arg-type]
    plot_comparison([("a", result), ("b", result)], tmp_path / "two.png")  # type: ignore[list-item]
    for name in ("one.png", "two.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 20_000
