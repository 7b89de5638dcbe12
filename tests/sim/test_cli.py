"""``kn-constructs simulate`` and ``kn-constructs recommend``, run as the installed command line."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kn_constructs import AutoscalerProfile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kn_constructs.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


GENERATED = [
    "--poisson",
    "2",
    "--duration",
    "300",
    "--service-time",
    "1.5",
    "--startup-mean",
    "20",
    "--seed",
    "3",
]


def test_simulate_prints_a_text_summary() -> None:
    done = cli("simulate", *GENERATED)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert set(lines) >= {"simulated", "revision", "startup", "requests", "latency", "waiting", "pods", "GPU"}
    # from_startup(20): window 40 s, panic window 20 s, target 1 x 90 %
    assert "window 40s, panic window 20s" in lines["revision"]
    assert "target 0.9/pod" in lines["revision"]
    assert done.stderr == ""  # no progress bar: stderr is not a terminal


def test_simulate_json_matches_the_flags() -> None:
    done = cli(
        "simulate",
        *GENERATED,
        "--window",
        "60",
        "--panic-window-percentage",
        "25",
        "--utilization",
        "80",
        "--container-concurrency",
        "2",
        "--max-scale",
        "4",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    revision = data["revision"]
    # target = containerConcurrency 2 (KN-CONC-2) x 80 % = 1.6; panic 60 x 25 % = 15 s
    assert revision["target_value"] == pytest.approx(1.6)
    assert (revision["stable_window_seconds"], revision["panic_window_seconds"]) == (60, 15)
    assert (revision["container_concurrency"], revision["max_scale"]) == (2, 4)
    summary = data["summary"]
    assert summary["completed"] + summary["rejected"] == summary["requests"]
    assert summary["peak_ready_pods"] <= 4
    assert "timeline" not in data


def test_simulate_plot_writes_a_readable_png(tmp_path: Path) -> None:
    out = tmp_path / "run.png"
    done = cli("simulate", *GENERATED, "--plot", str(out))
    assert done.returncode == 0, done.stderr
    width, height = png_size(out)
    assert width >= 800 and height >= 600
    assert out.stat().st_size > 20_000  # four panels of lines and text, not an empty canvas


def test_simulate_a_service_yaml_and_a_trace_csv(tmp_path: Path) -> None:
    annotations = AutoscalerProfile.from_startup(20).annotations(target=8)
    annotations["autoscaling.knative.dev/max-scale"] = "3"
    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "llama"},
        "spec": {
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {"containerConcurrency": 8, "timeoutSeconds": 60, "containers": [{"image": "x"}]},
            }
        },
    }
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump_all([other, service]))
    (tmp_path / "trace.csv").write_text("arrival_seconds,service_seconds\n0.5,2\n")
    done = cli(
        "simulate",
        "--trace",
        "trace.csv",
        "--service",
        "svc.yaml",
        "--startup-mean",
        "20",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    # target 8 x 90 % = 7.2; one request at 0.5 waits for the pod (20 s) and runs 2 s
    assert data["revision"]["target_value"] == pytest.approx(7.2)
    assert data["revision"]["max_scale"] == 3
    assert data["summary"]["latency_max_seconds"] == pytest.approx(22.0)


def test_simulate_timeline_in_json() -> None:
    done = cli("simulate", *GENERATED, "--json", "--timeline")
    data: dict[str, Any] = json.loads(done.stdout)
    timeline = data["timeline"]
    assert len(timeline["ready"]) == data["summary"]["simulated_seconds"]
    assert sum(timeline["arrivals"]) == data["summary"]["requests"]


def test_progress_bar_goes_to_stderr_when_asked() -> None:
    done = cli("simulate", *GENERATED, "--progress")
    assert done.returncode == 0
    assert "simulate [" in done.stderr
    assert "100%" in done.stderr


def test_bad_input_exits_2_with_the_path_and_the_rule() -> None:
    done = cli("simulate", *GENERATED, "--window", "2")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "[KN-AS-3] autoscaling.window_seconds: expected 6s <= 2s <= 1h0m0s" in done.stderr
    done = cli("simulate", "--poisson", "2", "--duration", "60")
    assert done.returncode == 2
    assert "--startup-mean" in done.stderr
    done = cli("simulate", "--trace", "missing.csv", "--startup-mean", "20")
    assert done.returncode == 2
    assert "missing.csv" in done.stderr


def test_recommend_returns_a_profile_within_the_budget(tmp_path: Path) -> None:
    trace = ["--on-off", "1", "--on-seconds", "120", "--off-seconds", "240", "--duration", "720"]
    done = cli(
        "recommend",
        *trace,
        "--service-time",
        "1.5",
        "--startup-mean",
        "20",
        "--p99",
        "8",
        "--max-scale",
        "10",
        "--rounds",
        "1",
        "--json",
        "--plot",
        str(tmp_path / "best.png"),
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["met"] is True
    assert data["summary"]["latency_p99_seconds"] <= 8
    namespace: dict[str, object] = {}
    exec(data["python"], namespace)
    profile = namespace["profile"]
    assert isinstance(profile, AutoscalerProfile)
    assert profile.window_seconds == data["profile"]["window_seconds"]
    assert data["candidates"][0]["p99_seconds"] == data["summary"]["latency_p99_seconds"]
    png_size(tmp_path / "best.png")


def test_recommend_text_and_goal_not_met_exit_code() -> None:
    done = cli(
        "recommend",
        "--poisson",
        "1",
        "--duration",
        "200",
        "--startup-mean",
        "20",
        "--p99",
        "0.01",
        "--rounds",
        "1",
        "--max-scale",
        "3",
    )
    assert done.returncode == 1
    assert "NOT met" in done.stdout
    assert "# paste this:" in done.stdout
    assert "profile = AutoscalerProfile(" in done.stdout
