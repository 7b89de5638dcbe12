"""The three synthesis paths write the same bytes: old (cdk8s ApiObjects and cdk8s-plus), new
(Python rendering inside a cdk8s app) and Node-free (the pure tree), for every example and the
benchmark fleet. Each path runs in its own process (the old path needs its switches from the
start; the Node-free one must never load jsii)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.synth.support import synthesize_all

EXPECTED_FILES = {
    "examples/inference.k8s.yaml",
    "examples/fleet.k8s.yaml",
    "canary-pinned/canary.k8s.yaml",
    "canary-canary/canary.k8s.yaml",
    "canary-gradual/canary.k8s.yaml",
}


def _kinds(text: bytes) -> list[str]:
    return [d["kind"] for d in yaml.safe_load_all(text) if d]


@pytest.mark.slow
def test_every_example_is_byte_identical_through_old_new_and_node_free_paths(tmp_path: Path) -> None:
    old = synthesize_all("old", tmp_path / "old")
    new = synthesize_all("new", tmp_path / "new")
    free = synthesize_all("nodefree", tmp_path / "nodefree")
    assert set(old) == EXPECTED_FILES
    # The comparison is not vacuous: each example wrote its objects.
    assert _kinds(old["examples/inference.k8s.yaml"]) == ["ConfigMap", "ConfigMap", "Service"]
    assert _kinds(old["examples/fleet.k8s.yaml"]).count("Service") == 4  # 3 models + the router's
    for name in sorted(EXPECTED_FILES):
        assert new[name] == old[name], f"new path differs in {name}"
        assert free[name] == old[name], f"Node-free path differs in {name}"
    assert set(new) == set(old) == set(free)


@pytest.mark.slow
def test_1000_model_benchmark_fleet_is_byte_identical_through_the_three_paths(tmp_path: Path) -> None:
    old = synthesize_all("old", tmp_path / "old", models=1000)
    new = synthesize_all("new", tmp_path / "new", models=1000)
    free = synthesize_all("nodefree", tmp_path / "nodefree", models=1000)
    name = "fleet-1000/fleet.k8s.yaml"
    kinds = _kinds(old[name])
    assert kinds.count("Service") == 1001 and kinds.count("Deployment") == 1
    assert new[name] == old[name]
    assert free[name] == old[name]
