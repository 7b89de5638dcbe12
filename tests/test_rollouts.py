"""Revisions, traffic and rollouts (KN-ROLL-1..4, KN-SCALE-3, KN-START-2)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart

from kn_constructs import (
    AutoscalerProfile,
    ClusterSettings,
    GpuInferenceService,
    GpuPlacement,
    KnativeClusterConfig,
    ModelFleet,
    ModelSource,
    Traffic,
    TrafficTarget,
    ValidationError,
)
from kn_constructs.knative import check_manifest, check_service
from kn_constructs.knative.durations import parse_go_duration
from tests.helpers import AFFINITY_CLUSTER, contract_props, synth, template_annotations
from tests.support.schema import assert_valid

ROOT = Path(__file__).resolve().parent.parent
AFFINITY_ON = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})


def one(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    _, docs = synth(
        tmp_path, lambda chart: GpuInferenceService(chart, "llama", **contract_props(**overrides))
    )
    (doc,) = docs
    return doc


def refused(tmp_path: Path, name: str = "llama", **overrides: Any) -> ValidationError:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference", namespace="models")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, name, **contract_props(**overrides))
    return info.value


# --------------------------------------------------------------------------- the contract


def test_canary_contract_revision_initial_scale_and_traffic(tmp_path: Path) -> None:
    doc = one(
        tmp_path,
        max_scale=16,
        revision_name="llama-v2",
        current_pods=10,
        traffic=Traffic.canary(stable_revision="llama-v1", percent=10, tag="canary"),
    )
    assert doc["spec"]["template"]["metadata"]["name"] == "llama-v2"
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == str(math.ceil(1.2 * 10))
    assert doc["spec"]["traffic"] == [
        {"revisionName": "llama-v1", "latestRevision": False, "percent": 90},
        {"tag": "canary", "latestRevision": True, "percent": 10},
    ]
    assert sum(t["percent"] for t in doc["spec"]["traffic"]) == 100
    assert check_service(doc, settings=AFFINITY_ON) == []
    assert_valid([doc])


def test_contract_props_with_max_scale_3_cannot_hold_initial_scale_12_kn_scale_3(tmp_path: Path) -> None:
    # The foundation contract caps max-scale at 3. Knative's scaler raises the floor to
    # initial-scale 12 until the revision first reaches it, and applyBounds returns the floor
    # even above max-scale: 12 pods start, past the cap. Refused as a budget breach.
    error = refused(
        tmp_path,
        revision_name="llama-v2",
        current_pods=10,
        traffic=Traffic.canary(stable_revision="llama-v1", percent=10, tag="canary"),
    )
    (problem,) = error.find("KN-SCALE-3", "llama.current_pods")
    assert problem.value == 12 and problem.allowed == "<= 3 (max-scale)"
    assert "starts 12 pods, past the cap of 3" in problem.message
    assert "never" not in problem.message


def test_deadlock_contract_500_running_300_spare_kn_roll_3(tmp_path: Path) -> None:
    error = refused(tmp_path, name="big", max_scale=1000, current_pods=500, spare_gpus=300)
    (problem,) = error.find("KN-ROLL-3", "big.spare_gpus")
    needed = math.ceil(1.2 * 500)  # 600 pods x 1 GPU
    assert f"{needed} ready pods" in problem.message and "300 are spare" in problem.message
    assert problem.allowed == f">= {needed} spare GPUs"
    assert "gradual" in (problem.hint or "") and "initial_scale" in (problem.hint or "")


@pytest.mark.parametrize(
    "fix",
    [
        pytest.param({"traffic": Traffic.gradual(1200)}, id="gradual"),
        pytest.param({"initial_scale": 250}, id="smaller-initial-scale"),
    ],
)
def test_deadlock_is_avoided_by_gradual_or_smaller_initial_scale(tmp_path: Path, fix: dict[str, Any]) -> None:
    doc = one(tmp_path, max_scale=1000, current_pods=500, spare_gpus=300, **fix)
    initial = int(template_annotations(doc)["autoscaling.knative.dev/initial-scale"])
    assert max(0, initial) * 1 <= 300


def test_gradual_rollout_writes_valid_rollout_duration_and_small_initial_scale(tmp_path: Path) -> None:
    doc = one(tmp_path, max_scale=1000, current_pods=500, traffic=Traffic.gradual(20 * 60))
    value = doc["metadata"]["annotations"]["serving.knative.dev/rollout-duration"]
    assert parse_go_duration(value) == 1200
    # Starts at 1 % of the traffic: ceil(1.2 x 500 x 1 %) pods.
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == str(
        math.ceil(1.2 * 500 * 0.01)
    )
    assert "serving.knative.dev/rollout-duration" not in template_annotations(doc)
    assert check_service(doc, settings=AFFINITY_ON) == []


def test_twenty_minute_startup_gives_progress_deadline_above_twenty_minutes_kn_start_2(
    tmp_path: Path,
) -> None:
    doc = one(tmp_path, autoscaling=AutoscalerProfile.from_startup(mean_seconds=20 * 60))
    deadline = parse_go_duration(template_annotations(doc)["serving.knative.dev/progress-deadline"])
    assert deadline > 20 * 60


@pytest.mark.parametrize(
    ("current", "expected"),
    [(10, 12), (1, 2), (5, 6), (100, 120), (0, 1)],
)
def test_initial_scale_is_ceil_1_2_current_pods_kn_scale_3(
    tmp_path: Path, current: int, expected: int
) -> None:
    doc = one(tmp_path, max_scale=200, current_pods=current)
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == str(expected)


def test_zero_initial_scale_only_where_cluster_allows(tmp_path: Path) -> None:
    allowed = AFFINITY_ON.__class__(allow_zero_initial_scale=True).with_features(
        {"kubernetes.podspec-affinity": "enabled"}
    )
    doc = one(tmp_path, current_pods=0, cluster=allowed)
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == "0"


# --------------------------------------------------------------------------- bad traffic


def test_bad_traffic_lists_every_problem(tmp_path: Path) -> None:
    traffic = Traffic.split(
        TrafficTarget(50, "llama-v1", "same"),
        TrafficTarget(101, "other-v1", "same"),
        TrafficTarget(0, None, "t" * 60),
    )
    error = refused(tmp_path, traffic=traffic)
    got = {(p.code, p.path) for p in error.problems}
    assert ("KNATIVE-TRAFFIC", "llama.traffic") in got  # sum is 151, want 100
    assert ("KNATIVE-TRAFFIC", "llama.traffic.targets[1].percent") in got  # 101
    assert any(code == "KNATIVE-TRAFFIC" and path.endswith(".tag") for code, path in got)  # duplicate tag
    assert ("KN-ROLL-1", "llama.traffic.targets[1].revision_name") in got  # not llama-*
    too_long = [p for p in error.problems if p.path == "llama.traffic.targets[2].tag"]
    assert too_long, got  # "ttt...-llama" over 63 characters


def test_traffic_sum_90_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, traffic=Traffic.split(TrafficTarget(90, "llama-v1"), TrafficTarget(0, None)))
    (problem,) = error.find("KNATIVE-TRAFFIC", "llama.traffic")
    assert "90" in problem.message and "100" in problem.message


def test_revision_name_must_carry_service_prefix(tmp_path: Path) -> None:
    error = refused(tmp_path, revision_name="v2")
    (problem,) = error.find("KNATIVE-NAME", "llama.revision_name")
    assert problem.message == 'invalid value: "v2" must have prefix "llama-"'


# --------------------------------------------------------------------------- environments and GC


def test_dev_environment_cuts_over_at_once_kn_roll_4(tmp_path: Path) -> None:
    doc = one(tmp_path, environment="dev", current_pods=50, max_scale=60)
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == "1"
    assert "traffic" not in doc["spec"]
    assert "serving.knative.dev/rollout-duration" not in doc["metadata"]["annotations"]
    error = refused(tmp_path, environment="dev", traffic=Traffic.gradual(600))
    assert error.find("KN-ROLL-4", "llama.traffic.rollout_duration_seconds")


def test_production_keeps_the_old_revision_until_ready_by_default(tmp_path: Path) -> None:
    doc = one(tmp_path, current_pods=2)
    # No traffic block: Knative routes to the latest *ready* revision only.
    assert "traffic" not in doc["spec"]
    assert template_annotations(doc)["autoscaling.knative.dev/initial-scale"] == "3"


def test_protect_from_gc_writes_no_gc_on_the_revision(tmp_path: Path) -> None:
    doc = one(tmp_path, protect_from_gc=True)
    assert template_annotations(doc)["serving.knative.dev/no-gc"] == "true"
    assert check_service(doc, settings=AFFINITY_ON) == []


def test_cluster_renders_config_gc_with_knative_checks(tmp_path: Path) -> None:
    settings = ClusterSettings(min_non_active_revisions=0, retain_since_create_time="1h")

    def build(chart: Chart) -> None:
        KnativeClusterConfig(chart, "knative", settings=settings, render_gc=True)

    _, docs = synth(tmp_path, build)
    (gc,) = [d for d in docs if d["metadata"]["name"] == "config-gc"]
    assert gc["data"]["min-non-active-revisions"] == "0"
    assert gc["data"]["retain-since-create-time"] == "1h"
    assert check_manifest(gc) == []
    with pytest.raises(ValidationError) as info:
        ClusterSettings(min_non_active_revisions=30, max_non_active_revisions=10)
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("KNATIVE-CONFIGMAP", "min_non_active_revisions")
    ]


# --------------------------------------------------------------------------- fleets


def test_fleet_checks_every_service_rolling_at_once_kn_roll_3(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "fleet", namespace="models")
    fleet = ModelFleet(
        chart,
        "models",
        gpu_budget=100,
        router=False,
        image="registry.example.com/srv@sha256:" + "d" * 64,
        gpu=GpuPlacement(classes=["A40"]),
        autoscaling=AutoscalerProfile.from_startup(20),
        longest_request_seconds=5,
        cluster=AFFINITY_CLUSTER,
    )
    # Each alone fits (30 held + 36 new per model), together they do not: 60 held, 72 new.
    for name in ("a", "b"):
        fleet.add_model(
            name, model=ModelSource.tensorizer(f"s3://m/{name}.tensors"), max_scale=40, current_pods=30
        )
    with pytest.raises(ValidationError) as info:
        fleet.validate()
    (problem,) = info.value.find("KN-ROLL-3", "models.gpu_budget")
    assert "need 72 GPUs" in problem.message and "hold 60" in problem.message


# --------------------------------------------------------------------------- the example


def _load_canary_example() -> Any:
    spec = importlib.util.spec_from_file_location("canary_example", ROOT / "examples" / "canary" / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stage", ["pinned", "canary", "gradual"])
def test_canary_example_stages(tmp_path: Path, stage: str, yaml_snapshot: Any) -> None:
    example = _load_canary_example()
    text, docs = synth(tmp_path, lambda chart: example.build(chart, stage))
    (service,) = [d for d in docs if d["kind"] == "Service"]
    traffic = service["spec"]["traffic"]
    assert sum(t["percent"] for t in traffic) == 100
    if stage == "pinned":
        assert traffic[0] == {"revisionName": "llama-v1", "latestRevision": False, "percent": 100}
        assert traffic[1] == {"tag": "preview", "latestRevision": True, "percent": 0}
    elif stage == "canary":
        assert {"tag": "canary", "latestRevision": True, "percent": 10} in traffic
        assert template_annotations(service)["autoscaling.knative.dev/initial-scale"] == "12"
    else:
        assert service["metadata"]["annotations"]["serving.knative.dev/rollout-duration"] == "1200s"
        assert template_annotations(service)["autoscaling.knative.dev/initial-scale"] == "1"
    settings = AFFINITY_ON
    for doc in docs:
        assert check_manifest(doc, settings=settings) == [], doc["metadata"]["name"]
    assert_valid(docs)
    assert text == yaml_snapshot
