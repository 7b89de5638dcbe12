"""The YAML snapshot extension round-trips text and never writes outside --snapshot-update.

Each scenario runs pytest in a subprocess on a throw-away project in tmp_path, loading the
fixture the way tests/conftest.py does, so the real tests/__snapshots__ is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.snapshots import YamlSnapshotExtension

REPO_ROOT = Path(__file__).resolve().parents[1]

SYNTH_TEXT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-autoscaler
  namespace: knative-serving
data:
  stable-window: 60s
  target: "8"
---
apiVersion: v1
kind: Namespace
metadata:
  name: models
"""

TEST_MODULE = """
from pathlib import Path

def test_synth(yaml_snapshot):
    assert Path("synth.k8s.yaml").read_text() == yaml_snapshot

def test_two_snapshots(yaml_snapshot):
    assert "a: 1\\n" == yaml_snapshot
    assert "b: 2\\n" == yaml_snapshot
"""

pytestmark = pytest.mark.slow


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    for name in [n for n in env if n.startswith("PYTEST_XDIST_")]:
        env.pop(name)  # under `-n 2` the inner run is not an xdist worker (syrupy would stay silent)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(project),
            "-q",
            *args,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.support.fixtures"]\n')
    (tmp_path / "test_demo.py").write_text(TEST_MODULE)
    (tmp_path / "synth.k8s.yaml").write_text(SYNTH_TEXT)
    return tmp_path


def snapshot_file(project: Path, name: str) -> Path:
    return project / "__snapshots__" / "test_demo" / f"{name}.yaml"


def test_missing_snapshot_fails_and_writes_nothing(project: Path) -> None:
    run = run_pytest(project)
    assert run.returncode == 1, run.stdout
    assert "Snapshot 'test_synth' does not exist!" in run.stdout
    assert "2 snapshots failed" in run.stdout  # a test stops at its first miss
    assert not (project / "__snapshots__").exists()


def test_round_trip_stores_the_exact_text_one_file_per_snapshot(project: Path) -> None:
    update = run_pytest(project, "--snapshot-update")
    assert update.returncode == 0, update.stdout
    assert snapshot_file(project, "test_synth").read_text() == SYNTH_TEXT
    assert snapshot_file(project, "test_two_snapshots").read_text() == "a: 1\n"
    assert snapshot_file(project, "test_two_snapshots.1").read_text() == "b: 2\n"
    assert sorted(p.name for p in (project / "__snapshots__" / "test_demo").iterdir()) == [
        "test_synth.yaml",
        "test_two_snapshots.1.yaml",
        "test_two_snapshots.yaml",
    ]

    check = run_pytest(project)
    assert check.returncode == 0, check.stdout
    assert "3 snapshots passed" in check.stdout


def test_changed_output_fails_with_a_diff_and_keeps_the_snapshot(project: Path) -> None:
    assert run_pytest(project, "--snapshot-update").returncode == 0
    (project / "synth.k8s.yaml").write_text(SYNTH_TEXT.replace("60s", "90s"))

    run = run_pytest(project)
    assert run.returncode == 1, run.stdout
    assert "1 snapshot failed" in run.stdout
    assert "90s" in run.stdout
    assert snapshot_file(project, "test_synth").read_text() == SYNTH_TEXT


def test_unused_snapshot_fails_the_session(project: Path) -> None:
    assert run_pytest(project, "--snapshot-update").returncode == 0
    stale = snapshot_file(project, "test_removed")
    stale.write_text("old: output\n")

    run = run_pytest(project)
    assert run.returncode == 1, run.stdout
    assert "1 snapshot unused" in run.stdout
    assert stale.exists()


def test_only_text_is_accepted() -> None:
    with pytest.raises(TypeError, match="takes the YAML text as a str, got dict"):
        YamlSnapshotExtension().serialize({"kind": "ConfigMap"})
    assert YamlSnapshotExtension().serialize(SYNTH_TEXT) == SYNTH_TEXT
