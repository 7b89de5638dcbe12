"""ModelFleet: one Knative Service per model, shared defaults, fleet-wide checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import App, Chart

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    ClusterSettings,
    GpuPlacement,
    KnativeClusterConfig,
    KnWarning,
    ModelFleet,
    ModelSource,
    ValidationError,
)
from kn_constructs.knative import check_manifest
from tests.helpers import AFFINITY_CLUSTER, template_annotations
from tests.support.schema import assert_valid

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "registry.example.com/llm-server@sha256:" + "b" * 64


def weights(name: str) -> ModelSource:
    return ModelSource.tensorizer(
        f"s3://models/{name}/model.tensors",
        endpoint="https://object.lga1.example.com",
        credentials_secret="s3-credentials",
    )


def contract_fleet(
    chart: Chart, *, gpu_budget: int = 16, router: bool = False, cluster: Any = "default", **fleet_props: Any
) -> ModelFleet:
    """The fleet issue's contract program, parameterised for the failure cases."""
    if cluster == "default":
        cluster = KnativeClusterConfig(chart, "knative")
    fleet = ModelFleet(
        chart,
        "models",
        cluster=cluster,
        gpu_budget=gpu_budget,
        image=IMAGE,
        gpu=GpuPlacement(classes=["A100_PCIE_80GB", "A40"], regions=["LGA1"], count=1),
        router=router,
        **fleet_props,
    )
    fleet.add_model(
        "chat",
        model=weights("chat"),
        batching=Batching.in_flight(max_sequences=64),
        longest_request_seconds=60,
        autoscaling=AutoscalerProfile.from_startup(mean_seconds=45),
        max_scale=8,
    )
    fleet.add_model(
        "embed",
        model=weights("embed"),
        batching=Batching.fixed(32),
        longest_request_seconds=2,
        autoscaling=AutoscalerProfile.from_startup(mean_seconds=15),
        max_scale=4,
    )
    fleet.add_model(
        "rare",
        model=weights("rare"),
        longest_request_seconds=20,
        autoscaling=AutoscalerProfile.from_startup(mean_seconds=30),
        max_scale=2,
    )
    return fleet


def synth_docs(tmp_path: Path, build: Any) -> list[dict[str, Any]]:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    build(chart)
    app.synth()
    return [d for f in sorted(tmp_path.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def services(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        d["metadata"]["name"]: d
        for d in docs
        if d["kind"] == "Service" and "serving.knative.dev" in d["apiVersion"]
    }


# --------------------------------------------------------------------------- the contract


@pytest.fixture(scope="module")
def fleet_docs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    # embed and rare scale to zero with startups longer than their timeouts (KN-SCALE-1): true, and
    # tested on its own below; acknowledged here.
    return synth_docs(
        tmp_path_factory.mktemp("fleet"), lambda chart: contract_fleet(chart, acknowledge=["KN-SCALE-1"])
    )


def test_one_knative_service_per_model_scaling_to_zero_kn_fleet_1_kn_scale_4(
    fleet_docs: list[dict[str, Any]],
) -> None:
    svc = services(fleet_docs)
    assert sorted(svc) == ["chat", "embed", "rare"]
    for doc in svc.values():
        assert doc["metadata"]["namespace"] == "models"
        assert template_annotations(doc)["autoscaling.knative.dev/min-scale"] == "0"
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "models"


def test_fleet_defaults_reach_every_model_and_model_props_win(fleet_docs: list[dict[str, Any]]) -> None:
    svc = services(fleet_docs)
    for doc in svc.values():
        container = doc["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == IMAGE
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert svc["chat"]["spec"]["template"]["spec"]["containerConcurrency"] == 64
    assert svc["embed"]["spec"]["template"]["spec"]["containerConcurrency"] == 32
    assert svc["rare"]["spec"]["template"]["spec"]["containerConcurrency"] == 1
    assert template_annotations(svc["chat"])["autoscaling.knative.dev/max-scale"] == "8"


def test_cluster_configmaps_enable_exactly_what_the_models_use(fleet_docs: list[dict[str, Any]]) -> None:
    maps = {
        d["metadata"]["name"]: d
        for d in fleet_docs
        if d["kind"] == "ConfigMap" and d["metadata"].get("namespace") == "knative-serving"
    }
    assert set(maps) == {"config-autoscaler", "config-features"}
    assert maps["config-features"]["data"] == {"kubernetes.podspec-affinity": "enabled"}


def test_every_manifest_passes_knative_layer_and_schemas(fleet_docs: list[dict[str, Any]]) -> None:
    settings = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})
    for doc in fleet_docs:
        assert check_manifest(doc, settings=settings) == [], doc["metadata"]["name"]
    assert_valid(fleet_docs)


# --------------------------------------------------------------------------- fleet checks


def _problems_of(build: Any, tmp_path: Path) -> ValidationError:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "fleet", namespace="models")
    fleet = build(chart)
    with pytest.raises(ValidationError) as info:
        fleet.validate()
    return info.value


def test_over_gpu_budget_fails_listing_biggest_consumers_kn_scale_2(tmp_path: Path) -> None:
    error = _problems_of(lambda chart: contract_fleet(chart, gpu_budget=10), tmp_path)
    (problem,) = error.find("KN-SCALE-2", "models.gpu_budget")
    # 8 + 4 + 2 pods x 1 GPU each
    assert "14 GPUs" in problem.message and "budget is 10" in problem.message
    assert (
        problem.message.index("chat 8") < problem.message.index("embed 4") < problem.message.index("rare 2")
    )


def test_duplicate_model_is_refused_at_add_model_kn_fleet_1(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    fleet = contract_fleet(Chart(app, "fleet", namespace="models"))
    with pytest.raises(ValidationError) as info:
        fleet.add_model("chat", model=weights("chat"), longest_request_seconds=5, max_scale=1)
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-FLEET-1", "models.chat")]
    assert list(fleet.models) == ["chat", "embed", "rare"]


def test_name_too_long_for_revision_suffix_kn_fleet_1(tmp_path: Path) -> None:
    name = "m" * 58

    def build(chart: Chart) -> ModelFleet:
        fleet = contract_fleet(chart)
        fleet.add_model(name, model=weights("x"), longest_request_seconds=5, max_scale=1)
        return fleet

    (problem,) = _problems_of(build, tmp_path).find("KN-FLEET-1", f"models.{name}")
    assert problem.allowed == "<= 57 characters"


def test_every_fleet_problem_is_reported_together(tmp_path: Path) -> None:
    def build(chart: Chart) -> ModelFleet:
        cluster = KnativeClusterConfig(chart, "knative", features={"kubernetes.podspec-affinity": "disabled"})
        fleet = contract_fleet(chart, gpu_budget=10, cluster=cluster)
        fleet.add_model("m" * 58, model=weights("long"), longest_request_seconds=5, max_scale=1)
        profile = AutoscalerProfile.from_startup(20)
        fleet.add_model(
            "fast",
            model=weights("fast"),
            longest_request_seconds=5,
            max_scale=1,
            autoscaling=profile.replace(max_scale_down_rate=4),
        )
        fleet.add_model(
            "faster",
            model=weights("faster"),
            longest_request_seconds=5,
            max_scale=1,
            autoscaling=profile.replace(max_scale_down_rate=8),
        )
        return fleet

    error = _problems_of(build, tmp_path)
    codes = {(p.code, p.path) for p in error.problems}
    assert ("KN-SCALE-2", "models.gpu_budget") in codes
    assert ("KN-FLEET-1", "models." + "m" * 58) in codes
    assert ("KN-PLACE-3", "models.rare.gpu") in codes
    assert ("KN-AS-6", "models.faster.autoscaling.max_scale_down_rate") in codes


def test_rate_disagreement_without_cluster_construct_kn_as_6(tmp_path: Path) -> None:
    def build(chart: Chart) -> ModelFleet:
        fleet = ModelFleet(
            chart,
            "models",
            image=IMAGE,
            gpu=GpuPlacement(classes=["A40"]),
            router=False,
            acknowledge=["KN-PLACE-3", "KN-AS-6"],
        )
        profile = AutoscalerProfile.from_startup(20)
        for name, rate in (("a", 4.0), ("b", 3.0)):
            fleet.add_model(
                name,
                model=weights(name),
                longest_request_seconds=5,
                max_scale=1,
                autoscaling=profile.replace(max_scale_up_rate=rate),
            )
        return fleet

    (problem,) = _problems_of(build, tmp_path).find("KN-AS-6", "models.models")
    assert "max-scale-up-rate" in problem.message and "a" in problem.message and "b" in problem.message


def test_max_scale_is_required_per_model_or_as_a_fleet_default(tmp_path: Path) -> None:
    def build(chart: Chart) -> ModelFleet:
        fleet = ModelFleet(
            chart, "models", image=IMAGE, gpu=GpuPlacement(classes=["A40"]), router=False, gpu_budget=4
        )
        fleet.add_model("a", model=weights("a"), longest_request_seconds=5)
        return fleet

    assert _problems_of(build, tmp_path).find("KN-SCALE-2", "models.a.max_scale")


def test_unknown_fleet_default_is_refused(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "fleet", namespace="models")
    with pytest.raises(ValidationError) as info:
        ModelFleet(chart, "models", imagee=IMAGE)
    assert info.value.find("KNC-PROP", "models.imagee")


def test_env_defaults_merge_with_model_env(tmp_path: Path) -> None:
    def build(chart: Chart) -> None:
        fleet = ModelFleet(
            chart,
            "models",
            image=IMAGE,
            gpu=GpuPlacement(classes=["A40"]),
            router=False,
            env={"LOG_LEVEL": "info", "TIER": "gold"},
            cluster=AFFINITY_CLUSTER,
            acknowledge=["KN-AS-2"],
        )
        fleet.add_model(
            "a", model=weights("a"), longest_request_seconds=5, max_scale=1, env={"TIER": "silver"}
        )

    (doc,) = services(synth_docs(tmp_path, build)).values()
    env = {e["name"]: e.get("value") for e in doc["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["LOG_LEVEL"] == "info" and env["TIER"] == "silver"


# ------------------------------------------------------------------ synthesis writes nothing on failure


def _run(program: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    (tmp_path / "main.py").write_text(program)
    outdir = tmp_path / "dist"
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir)}
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, outdir


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "code"),
    [
        pytest.param(("gpu_budget=16", "gpu_budget=10"), "KN-SCALE-2", id="over-budget"),
        pytest.param(
            (
                "app.synth()",
                'fleet.add_model("chat", model=weights("chat"), longest_request_seconds=5,'
                " max_scale=1)\napp.synth()",
            ),
            "KN-FLEET-1",
            id="duplicate",
        ),
    ],
)
def test_contract_failures_write_nothing(tmp_path: Path, edit: tuple[str, str], code: str) -> None:
    source = (ROOT / "examples" / "fleet" / "main.py").read_text()
    program = source.replace(*edit)
    assert program != source
    result, outdir = _run(program, tmp_path)
    assert result.returncode != 0
    assert code in result.stderr
    assert not outdir.exists()


# ------------------------------------------------------------------ the example, end to end


@pytest.mark.slow
def test_fleet_example_synthesizes_services_router_and_cluster_config(
    tmp_path: Path, yaml_snapshot: Any
) -> None:
    from tests.router.support import nginx_binary, nginx_test
    from tests.router.test_nginx_t import local

    outdir = tmp_path / "dist"
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir)}
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT / "examples" / "fleet",
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (out,) = sorted(outdir.glob("*.yaml"))
    text = out.read_text()
    docs = [d for d in yaml.safe_load_all(text) if d]
    kinds = sorted((d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in docs)
    knative = [k for k in kinds if k[0] == "serving.knative.dev/v1"]
    assert [k[2] for k in knative] == ["chat", "embed", "rare"]
    assert [k for k in kinds if k[1] == "Deployment"] and len([k for k in kinds if k[1] == "Deployment"]) == 1
    assert len([k for k in kinds if k[0] == "v1" and k[1] == "Service"]) == 1
    cluster_maps = {
        d["metadata"]["name"]: d for d in docs if d["metadata"].get("namespace") == "knative-serving"
    }
    assert sorted(cluster_maps) == ["config-autoscaler", "config-features"]
    assert cluster_maps["config-features"]["data"] == {"kubernetes.podspec-affinity": "enabled"}
    router_maps = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"].get("namespace") == "models"]
    assert len(router_maps) == 1
    files = router_maps[0]["data"]
    conf = files["nginx.conf"]
    for name in ("chat", "embed", "rare"):
        assert f"location /models/{name} " in conf and f"{name}.models.svc.cluster.local" in conf
    # Body-routed too (OpenAI API): each model through the shared location of its read timeout.
    table = json.loads(files["openai-models.json"])
    models = table["models"]
    assert {
        public: (name, models[name]["location"], models[name].get("engine"))
        for public, name in table["routes"].items()
    } == {
        "chat": ("chat", "@kn_openai_180s_rewrite", "meta-llama/Llama-3.1-8B-Instruct"),
        "llama-3.1-8b-instruct": ("chat", "@kn_openai_180s_rewrite", "meta-llama/Llama-3.1-8B-Instruct"),
        "embed": ("embed", "@kn_openai_8s_rewrite", "BAAI/bge-m3"),
        "bge-m3": ("embed", "@kn_openai_8s_rewrite", "BAAI/bge-m3"),
        "rare": ("rare", "@kn_openai_60s", None),
    }
    for location in ("@kn_openai_8s_rewrite", "@kn_openai_60s", "@kn_openai_180s_rewrite"):
        assert f"location {location} " in conf
    settings = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})
    for doc in docs:
        assert check_manifest(doc, settings=settings) == [], doc["metadata"]["name"]
    assert_valid(docs)
    runtime = tmp_path / "nginx"
    runtime.mkdir()
    checked = nginx_test(nginx_binary(), local(files, "/tmp", runtime), runtime)
    assert checked.returncode == 0, checked.stderr
    assert text == yaml_snapshot


def test_model_warnings_are_emitted_once_per_code_for_the_fleet(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "fleet", namespace="models")
    fleet = ModelFleet(
        chart,
        "models",
        image="registry.example.com/srv:v1",
        gpu=GpuPlacement(classes=["A40"]),
        router=False,
        max_scale=1,
        longest_request_seconds=5,
        autoscaling=AutoscalerProfile.from_startup(20),
        cluster=AFFINITY_CLUSTER,
    )
    for i in range(12):
        fleet.add_model(f"m{i}", model=weights(f"m{i}"))
    with pytest.warns(KnWarning) as record:
        app.synth()
    by_code = {w.message.code: w.message for w in record if isinstance(w.message, KnWarning)}
    # Every model has the tag-only image (KN-IMAGE-1) and a cold start longer than its 6 s timeout.
    assert sorted(by_code) == ["KN-IMAGE-1", "KN-SCALE-1"]
    assert len([w for w in record if isinstance(w.message, KnWarning)]) == 2
    image = by_code["KN-IMAGE-1"].problem
    assert image.path == "models.models" and image.message.startswith("12 models: models.m0.image")
    assert "and 4 more" in image.message
    # Each model keeps its own warnings.
    assert [p.code for p in fleet.models["m3"].warnings] == ["KN-IMAGE-1", "KN-SCALE-1"]
