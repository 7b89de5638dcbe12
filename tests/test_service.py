"""GpuInferenceService: the contract example, each prop, the failure table, warnings."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    ClusterSettings,
    GpuInferenceService,
    GpuPlacement,
    KnWarning,
    ModelSource,
    Probes,
    SecretKeyRef,
    ValidationError,
)
from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.knative import check_service
from tests.helpers import container, contract_props, synth, template_annotations
from tests.support.schema import assert_valid

ROOT = Path(__file__).resolve().parent.parent
AFFINITY_ON = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})


def build_one(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    _text, docs = synth(
        tmp_path, lambda chart: GpuInferenceService(chart, "llama", **contract_props(**overrides))
    )
    assert len(docs) == 1
    return docs[0]


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_one(tmp_path_factory.mktemp("contract"))


# --------------------------------------------------------------------------- contract


def test_contract_autoscaling_annotations_only_on_the_template(contract: dict[str, Any]) -> None:
    assert not any(
        k.startswith("autoscaling.knative.dev/") for k in contract["metadata"].get("annotations", {})
    )
    ann = template_annotations(contract)
    assert ann["autoscaling.knative.dev/class"] == "kpa.autoscaling.knative.dev"
    assert ann["autoscaling.knative.dev/metric"] == "concurrency"


def test_contract_concurrency_from_fixed_batch_kn_batch_1(contract: dict[str, Any]) -> None:
    ann = template_annotations(contract)
    assert ann["autoscaling.knative.dev/target"] == "8"
    cc = contract["spec"]["template"]["spec"]["containerConcurrency"]
    assert 8 <= cc <= 16


def test_contract_utilization_written_kn_conc_3(contract: dict[str, Any]) -> None:
    assert (
        90
        <= float(template_annotations(contract)["autoscaling.knative.dev/target-utilization-percentage"])
        <= 95
    )


def test_contract_windows_from_startup_kn_as_3_kn_as_4(contract: dict[str, Any]) -> None:
    ann = template_annotations(contract)
    assert ann["autoscaling.knative.dev/window"] == "40s"  # 2 x 20 s mean startup
    assert ann["autoscaling.knative.dev/panic-window-percentage"] == "50"
    assert ann["autoscaling.knative.dev/panic-threshold-percentage"] == "200"


def test_contract_scale_bounds(contract: dict[str, Any]) -> None:
    ann = template_annotations(contract)
    assert ann["autoscaling.knative.dev/min-scale"] == "0"
    assert ann["autoscaling.knative.dev/max-scale"] == "3"


def test_contract_timeout_kn_shut_2(contract: dict[str, Any]) -> None:
    assert contract["spec"]["template"]["spec"]["timeoutSeconds"] == 12  # ceil(1.2 x 10)


def test_contract_gpu_limit_kn_gpu_1(contract: dict[str, Any]) -> None:
    resources = container(contract)["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]


def test_contract_affinity_kn_place_1_kn_place_2(contract: dict[str, Any]) -> None:
    node_affinity = contract["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
    required = node_affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert required == [
        {
            "matchExpressions": [
                {"key": "gpu.nvidia.com/class", "operator": "In", "values": ["A40", "RTX_A5000"]}
            ]
        }
    ]
    preferred = node_affinity["preferredDuringSchedulingIgnoredDuringExecution"]
    weight = {}
    for term in preferred:
        assert set(term) == {"weight", "preference"}
        (expression,) = term["preference"]["matchExpressions"]
        assert expression["operator"] == "In" and len(expression["values"]) == 1
        weight[(expression["key"], expression["values"][0])] = term["weight"]
        assert 1 <= term["weight"] <= 100
    cls, region = "gpu.nvidia.com/class", "topology.kubernetes.io/region"
    assert weight[(cls, "A40")] > weight[(cls, "RTX_A5000")]
    assert weight[(region, "LGA1")] > weight[(region, "ORD1")]
    # The class matters more than the region: an A40 in ORD1 beats an RTX_A5000 in LGA1.
    assert (
        weight[(cls, "A40")] + weight[(region, "ORD1")]
        > weight[(cls, "RTX_A5000")] + weight[(region, "LGA1")]
    )


def test_contract_env_offline_model_and_secret_refs_kn_model_2_kn_model_4(
    contract: dict[str, Any],
) -> None:
    env = container(contract)["env"]
    by_name = {e["name"]: e for e in env}
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        assert by_name[name]["value"] == "1"
    assert by_name["MODEL_URI"]["value"] == "s3://models/llama-3-8b/model.tensors"
    assert by_name["MODEL_ENDPOINT"]["value"] == "https://object.lga1.example.com"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert "value" not in by_name[name]
        assert by_name[name]["valueFrom"]["secretKeyRef"]["name"] == "s3-credentials"
    # Nothing that looks like a credential carries a literal value.
    for e in env:
        if any(word in e["name"] for word in ("KEY", "SECRET", "TOKEN", "PASSWORD")):
            assert "value" not in e, e


def test_contract_probes_kn_probe_1_kn_probe_2(contract: dict[str, Any]) -> None:
    c = container(contract)
    readiness, liveness = c["readinessProbe"], c["livenessProbe"]
    assert "httpGet" in readiness and readiness["periodSeconds"] < 10
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > readiness["periodSeconds"] * readiness["failureThreshold"]
    )
    startup = c["startupProbe"]
    assert startup["httpGet"]["port"] == c["ports"][0]["containerPort"]


def test_contract_no_forbidden_fields_kn_shut_1(contract: dict[str, Any]) -> None:
    pod = contract["spec"]["template"]["spec"]
    assert "terminationGracePeriodSeconds" not in pod
    assert all("lifecycle" not in c for c in pod["containers"])


def test_contract_namespace_name_and_labels_kn_ops_1(contract: dict[str, Any]) -> None:
    assert contract["metadata"]["name"] == "llama"
    assert contract["metadata"]["namespace"] == "models"
    for labels in (
        contract["metadata"]["labels"],
        contract["spec"]["template"]["metadata"]["labels"],
    ):
        assert labels["app.kubernetes.io/name"] == "llama"
        assert labels["kn-constructs.io/model"] == "llama"
        assert labels["app.kubernetes.io/managed-by"] == "kn-constructs"


def test_contract_passes_knative_layer_and_third_party_schemas(contract: dict[str, Any]) -> None:
    assert check_service(contract, settings=AFFINITY_ON) == []
    assert_valid([contract])


def test_contract_progress_deadline_covers_startup_kn_start_2(contract: dict[str, Any]) -> None:
    from kn_constructs.knative.durations import parse_go_duration

    deadline = parse_go_duration(template_annotations(contract)["serving.knative.dev/progress-deadline"])
    assert deadline >= 600  # never below Knative's default
    assert deadline >= 2 * 20  # the worst case assumed for a mean-only measurement


# --------------------------------------------------------------------------- examples


def _run_example(example: Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=example,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_single_model_example_runs_and_matches_snapshot(tmp_path: Path, yaml_snapshot: Any) -> None:
    result = _run_example(ROOT / "examples" / "single_model", tmp_path)
    assert result.returncode == 0, result.stderr
    (out,) = sorted(tmp_path.glob("*.yaml"))
    text = out.read_text()
    import yaml

    docs = [d for d in yaml.safe_load_all(text) if d]
    (service,) = [d for d in docs if d["kind"] == "Service"]
    (features,) = [d for d in docs if d["metadata"]["name"] == "config-features"]
    assert features["data"] == {"kubernetes.podspec-affinity": "enabled"}  # what the service needs
    assert template_annotations(service)["autoscaling.knative.dev/window"] == "40s"
    assert service["spec"]["template"]["spec"]["timeoutSeconds"] == 12
    assert "KN-PLACE-3" not in result.stderr  # the example declares its cluster (KnativeClusterConfig)
    assert_valid([service])
    assert text == yaml_snapshot


@pytest.mark.slow
def test_bad_example_writes_nothing(tmp_path: Path) -> None:
    example = tmp_path / "app"
    example.mkdir()
    source = (ROOT / "examples" / "single_model" / "main.py").read_text()
    bad = source.replace("longest_request_seconds=10", "longest_request_seconds=900")
    assert bad != source
    (example / "main.py").write_text(bad)
    outdir = tmp_path / "dist"
    result = _run_example(example, outdir)
    assert result.returncode != 0
    assert "KN-SHUT-2" in result.stderr and "llama.longest_request_seconds" in result.stderr
    assert not outdir.exists()


def test_error_leaves_app_without_the_service(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference", namespace="models")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(max_scale=-1))
    assert info.value.find("KN-SCALE-2", "llama.max_scale")
    assert chart.node.try_find_child("llama") is None
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- failure table

BAD_INPUTS = [
    pytest.param(
        {"autoscaling": AutoscalerProfile(window_seconds=5)},
        "KN-AS-3",
        "llama.autoscaling.window_seconds",
        id="window-under-6s",
    ),
    pytest.param(
        {"autoscaling": AutoscalerProfile(panic_threshold_percentage=105)},
        "KN-AS-5",
        "llama.autoscaling.panic_threshold_percentage",
        id="panic-threshold-105",
    ),
    pytest.param(
        {"autoscaling": AutoscalerProfile(target_utilization_percentage=0)},
        "KN-CONC-3",
        "llama.autoscaling.target_utilization_percentage",
        id="utilization-0",
    ),
    pytest.param(
        {"autoscaling": AutoscalerProfile(target_utilization_percentage=101)},
        "KN-CONC-3",
        "llama.autoscaling.target_utilization_percentage",
        id="utilization-101",
    ),
    pytest.param(
        {"batching": Batching.fixed(8, container_concurrency=17)},
        "KN-BATCH-1",
        "llama.batching.container_concurrency",
        id="cc-above-2x-batch",
    ),
    pytest.param(
        {"batching": Batching.fixed(8, container_concurrency=7)},
        "KN-BATCH-1",
        "llama.batching.container_concurrency",
        id="cc-below-batch",
    ),
    pytest.param(
        {"longest_request_seconds": 501},
        "KN-SHUT-2",
        "llama.longest_request_seconds",
        id="timeout-above-600",
    ),
    pytest.param(
        {"longest_request_seconds": 0},
        "KN-SHUT-2",
        "llama.longest_request_seconds",
        id="longest-request-zero",
    ),
    pytest.param({"min_scale": 5, "max_scale": 3}, "KN-SCALE-2", "llama.max_scale", id="max-below-min"),
    pytest.param({"max_scale": None}, "KN-SCALE-2", "llama.max_scale", id="max-scale-missing"),
    pytest.param(
        {"model": ModelSource.tensorizer("hf://meta-llama/Llama-3-8B")},
        "KN-MODEL-4",
        "llama.model.uri",
        id="hub-uri",
    ),
    pytest.param(
        {"model": ModelSource.object_storage("https://huggingface.co/meta/llama/resolve/main/x")},
        "KN-MODEL-4",
        "llama.model.uri",
        id="hub-https-uri",
    ),
    pytest.param({"model": None}, "KN-MODEL-1", "llama.model", id="no-model-source"),
    pytest.param(
        {"env": {"HF_TOKEN": "hf_" + "x" * 34}},
        "KN-MODEL-2",
        "llama.env.HF_TOKEN",
        id="literal-secret-env",
    ),
    pytest.param(
        {"env": {"EXTRA": "AKIA" + "A" * 16}},
        "KN-MODEL-2",
        "llama.env.EXTRA",
        id="literal-aws-key-value",
    ),
    pytest.param(
        {"model": ModelSource.pvc("llama-weights"), "cluster": AFFINITY_ON},
        "KN-MODEL-3",
        "llama.model",
        id="pvc-flag-off",
    ),
    pytest.param(
        {
            "model": ModelSource.pvc("llama-weights", read_only=False),
            "cluster": AFFINITY_ON.with_features({"kubernetes.podspec-persistent-volume-claim": "enabled"}),
        },
        "KN-MODEL-3",
        "llama.model.read_only",
        id="pvc-write-flag-off",
    ),
    pytest.param({"cluster": ClusterSettings()}, "KN-PLACE-3", "llama.gpu", id="affinity-flag-off"),
    pytest.param({"name": "Llama_3"}, "KNATIVE-NAME", "llama.name", id="name-not-dns-1035"),
    pytest.param({"name": "a" * 64}, "KNATIVE-NAME", "llama.name", id="name-too-long"),
    pytest.param({"port": 8012}, "KNATIVE-RESERVED", "llama.port", id="reserved-port"),
    pytest.param({"env": {"PORT": "9000"}}, "KNATIVE-RESERVED", "llama.env.PORT", id="reserved-env"),
    pytest.param(
        {"env": {"HF_HUB_OFFLINE": "0"}},
        "KN-MODEL-4",
        "llama.env.HF_HUB_OFFLINE",
        id="offline-env-overridden",
    ),
    pytest.param(
        {"batching": Batching.in_flight(2000)},
        "KN-CONC-1",
        "llama.batching.container_concurrency",
        id="cc-above-knative-limit",
    ),
    pytest.param(
        {"batching": Batching.fixed(8, max_wait_seconds=3)},
        "KN-BATCH-3",
        "llama.batching.max_wait_seconds",
        id="batch-wait-plus-request-over-timeout",
    ),
    pytest.param(
        {"probes": Probes(readiness_period_seconds=10)},
        "KN-PROBE-1",
        "llama.probes.readiness_period_seconds",
        id="readiness-period-10",
    ),
    pytest.param(
        {"probes": Probes(liveness_period_seconds=1, liveness_failure_threshold=2)},
        "KN-PROBE-2",
        "llama.probes.liveness_failure_threshold",
        id="liveness-before-readiness",
    ),
    pytest.param({"gpu": GpuPlacement(classes=[])}, "KN-PLACE-1", "llama.gpu.classes", id="no-gpu-class"),
    pytest.param({"cpu": "four"}, "KN-GPU-1", "llama.cpu", id="bad-cpu-quantity"),
    pytest.param(
        {
            "cluster": AFFINITY_ON.__class__(max_scale_limit=2, max_scale=2).with_features(
                {"kubernetes.podspec-affinity": "enabled"}
            )
        },
        "KN-SCALE-2",
        "llama.max_scale",
        id="max-scale-over-cluster-limit",
    ),
    pytest.param({"initial_scale": 0}, "KN-SCALE-3", "llama.initial_scale", id="initial-scale-0-not-allowed"),
    pytest.param({"protocol": "grpc"}, "KNC-TYPE", "llama.protocol", id="bad-port-name"),
    pytest.param({"max_scale": 0}, "KN-SCALE-2", "llama.max_scale", id="max-scale-0-unlimited"),
    pytest.param(
        {"autoscaling": AutoscalerProfile(target=0.001)},
        "KN-CONC-2",
        "llama.autoscaling.target",
        id="profile-target-below-0.01",
    ),
    pytest.param(
        {
            "shared_memory": "8Gi",
            "cluster": AFFINITY_ON.with_features({"kubernetes.podspec-volumes-emptydir": "disabled"}),
        },
        "KN-GPU-1",
        "llama.shared_memory",
        id="shm-without-emptydir-flag",
    ),
]


@pytest.mark.parametrize(("overrides", "code", "path"), BAD_INPUTS)
def test_bad_input_is_refused_with_code_and_path(
    tmp_path: Path, overrides: dict[str, Any], code: str, path: str
) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference", namespace="models")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(**overrides))
    found = info.value.find(code, path)
    assert found, f"expected {code} at {path}, got {[(p.code, p.path) for p in info.value.problems]}"
    problem = found[0]
    assert problem.severity == "error"
    assert problem.message
    assert code in str(info.value) and path in str(info.value)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference", namespace="models")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(
            chart,
            "llama",
            **contract_props(
                name="Bad_Name",
                autoscaling=AutoscalerProfile(
                    window_seconds=2,
                    panic_threshold_percentage=105,
                    target_utilization_percentage=101,
                ),
                batching=Batching.fixed(8, container_concurrency=20),
                longest_request_seconds=900,
                min_scale=4,
                max_scale=2,
                model=ModelSource.pvc("weights"),
                env={"API_TOKEN": "plaintext"},
                cluster=AFFINITY_ON,
            ),
        )
    got = {(p.code, p.path) for p in info.value.problems}
    expected = {
        ("KNATIVE-NAME", "llama.name"),
        ("KN-AS-3", "llama.autoscaling.window_seconds"),
        ("KN-AS-5", "llama.autoscaling.panic_threshold_percentage"),
        ("KN-CONC-3", "llama.autoscaling.target_utilization_percentage"),
        ("KN-BATCH-1", "llama.batching.container_concurrency"),
        ("KN-SHUT-2", "llama.longest_request_seconds"),
        ("KN-SCALE-2", "llama.max_scale"),
        ("KN-MODEL-3", "llama.model"),
        ("KN-MODEL-2", "llama.env.API_TOKEN"),
    }
    assert expected <= got, expected - got
    # Literal secrets are never echoed back.
    assert "plaintext" not in str(info.value)


def test_message_format_reads_like_knative(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(autoscaling=AutoscalerProfile(window_seconds=2)))
    (problem,) = info.value.find("KN-AS-3")
    assert problem.message == "expected 6s <= 2s <= 1h0m0s"
    assert problem.value == 2
    assert str(problem).startswith("[KN-AS-3] llama.autoscaling.window_seconds: expected 6s <= 2s <= 1h0m0s")


# --------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"image": "registry.example.com/llm-server:latest"}, "KN-IMAGE-1", id="image-latest"),
        pytest.param({"image": "registry.example.com/llm-server:v1"}, "KN-IMAGE-1", id="image-tag"),
        pytest.param({"longest_request_seconds": 150}, "KN-LONG-1", id="long-request"),
        pytest.param({"autoscaling": AutoscalerProfile()}, "KN-AS-2", id="no-startup-measurement"),
        pytest.param(
            {"batching": Batching.fixed(8, container_concurrency=13)},
            "KN-BATCH-1",
            id="cc-above-1.5x",
        ),
        pytest.param(
            {"cold_start_budget_seconds": 5, "acknowledge": ["KN-PLACE-3"]},
            "KN-SCALE-1",
            id="cold-start-over-budget",
        ),
        pytest.param(
            {"model": ModelSource.tensorizer("s3://m/x.tensors", region="LAS1")},
            "KN-MODEL-3",
            id="weights-in-other-region",
        ),
        pytest.param(
            {"autoscaling": AutoscalerProfile.from_startup(20).replace(target=20)},
            "KN-CONC-2",
            id="profile-target-above-container-concurrency",
        ),
    ],
)
def test_risky_choices_warn_with_code(tmp_path: Path, overrides: dict[str, Any], code: str) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    with pytest.warns(KnWarning) as record:
        service = GpuInferenceService(chart, "llama", **contract_props(**overrides))
    codes = [w.message.code for w in record if isinstance(w.message, KnWarning)]
    assert code in codes
    assert code in [p.code for p in service.warnings]


def test_acknowledged_warning_is_silent(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    with warnings.catch_warnings():
        warnings.simplefilter("error", KnWarning)
        service = GpuInferenceService(
            chart,
            "llama",
            **contract_props(
                image="registry.example.com/llm-server:v1",
                acknowledge=["KN-IMAGE-1", "KN-PLACE-3", "KN-SCALE-1"],
            ),
        )
    assert service.warnings == []


def test_contract_example_warns_only_that_a_cold_request_outlives_its_timeout_kn_scale_1(
    tmp_path: Path,
) -> None:
    # 20 s startup, timeoutSeconds 12, min-scale 0: the activator counts the wait for a pod
    # against timeoutSeconds, so the request that wakes the model times out.
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    with pytest.warns(KnWarning) as record:
        service = GpuInferenceService(chart, "llama", **contract_props(acknowledge=["KN-PLACE-3"]))
    assert [w.message.code for w in record if isinstance(w.message, KnWarning)] == ["KN-SCALE-1"]
    (problem,) = service.warnings
    assert problem.path == "llama.min_scale" and "timeoutSeconds 12" in problem.message


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"min_scale": 1}, id="one-warm-pod"),
        pytest.param(
            {"autoscaling": AutoscalerProfile.from_startup(mean_seconds=8)}, id="startup-under-timeout"
        ),
    ],
)
def test_no_cold_start_timeout_warning_when_it_cannot_happen(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    with warnings.catch_warnings():
        warnings.simplefilter("error", KnWarning)
        GpuInferenceService(chart, "llama", **contract_props(**overrides))


# --------------------------------------------------------------------------- props


def test_construct_id_is_the_service_name_and_name_overrides_it(tmp_path: Path) -> None:
    def build(chart: Chart) -> None:
        GpuInferenceService(chart, "llama", **contract_props())
        GpuInferenceService(chart, "other", **contract_props(name="llama-b"))

    _, docs = synth(tmp_path, build)
    assert sorted(d["metadata"]["name"] for d in docs) == ["llama", "llama-b"]


def test_no_batching_gives_concurrency_one_kn_conc_1(tmp_path: Path) -> None:
    doc = build_one(tmp_path, batching=None)
    assert doc["spec"]["template"]["spec"]["containerConcurrency"] == 1
    assert template_annotations(doc)["autoscaling.knative.dev/target"] == "1"


def test_in_flight_batching_kn_batch_2(tmp_path: Path) -> None:
    doc = build_one(tmp_path, batching=Batching.in_flight(max_sequences=64))
    assert doc["spec"]["template"]["spec"]["containerConcurrency"] == 64
    assert template_annotations(doc)["autoscaling.knative.dev/target"] == str(math.floor(0.8 * 64))


def test_pvc_source_with_flag_mounts_read_only_kn_model_3(tmp_path: Path) -> None:
    cluster = AFFINITY_ON.with_features({"kubernetes.podspec-persistent-volume-claim": "enabled"})
    doc = build_one(tmp_path, model=ModelSource.pvc("llama-weights", path="llama-3"), cluster=cluster)
    pod = doc["spec"]["template"]["spec"]
    (volume,) = pod["volumes"]
    assert volume["persistentVolumeClaim"] == {"claimName": "llama-weights", "readOnly": True}
    (mount,) = pod["containers"][0]["volumeMounts"]
    assert mount["readOnly"] is True and mount["name"] == volume["name"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["MODEL_URI"] == "/models/llama-3"
    assert check_service(doc, settings=cluster) == []
    assert_valid([doc])


def test_extra_env_and_secret_refs(tmp_path: Path) -> None:
    doc = build_one(tmp_path, env={"LOG_LEVEL": "info", "HF_TOKEN": SecretKeyRef("hf", "token")})
    env = {e["name"]: e for e in container(doc)["env"]}
    assert env["LOG_LEVEL"]["value"] == "info"
    assert env["HF_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "hf", "key": "token"}}


def test_shared_memory_and_multi_gpu(tmp_path: Path) -> None:
    doc = build_one(tmp_path, gpu=GpuPlacement(classes=["H100_NVLINK_80GB"], count=4), shared_memory="16Gi")
    pod = doc["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 4
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}} in pod["volumes"]
    # A single class needs no preferred terms.
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in pod["affinity"]["nodeAffinity"]
    assert_valid([doc])


def test_profile_scale_intent_used_when_service_does_not_say(tmp_path: Path) -> None:
    profile = AutoscalerProfile.latency_first(20).replace(max_scale=5)
    doc = build_one(tmp_path, autoscaling=profile, min_scale=None, max_scale=None)
    ann = template_annotations(doc)
    assert ann["autoscaling.knative.dev/min-scale"] == "1"
    assert ann["autoscaling.knative.dev/max-scale"] == "5"
    assert ann["autoscaling.knative.dev/scale-down-delay"] == "40s"


def test_derivations_name_inputs_and_practice(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "inference")
    service = GpuInferenceService(chart, "llama", **contract_props())
    by_target = {d.target: d for d in service.derivations}
    timeout = by_target["spec.template.spec.timeoutSeconds"]
    assert timeout.value == 12 and timeout.practice == "KN-SHUT-2"
    assert timeout.inputs["longest_request_seconds"] == 10
    assert by_target["autoscaling.knative.dev/window"].practice == "KN-AS-3"
    assert by_target["spec.template.spec.containerConcurrency"].practice == "KN-BATCH-1"


def test_long_startup_extends_progress_deadline_and_startup_probe_kn_start_2(
    tmp_path: Path,
) -> None:
    from kn_constructs.knative.durations import parse_go_duration

    doc = build_one(tmp_path, autoscaling=AutoscalerProfile.from_startup(mean_seconds=1200, p95_seconds=1500))
    deadline = parse_go_duration(template_annotations(doc)["serving.knative.dev/progress-deadline"])
    assert deadline >= 1500 * 1.5
    probe = container(doc)["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= deadline


# --------------------------------------------------------------------------- properties


def _props(longest: float) -> InferenceServiceProps:
    p = contract_props(longest_request_seconds=longest)
    p.pop("acknowledge")
    p.pop("min_scale")
    return InferenceServiceProps(name="llama", min_scale=0, **p)


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=0.01, max_value=500, allow_nan=False))
def test_timeout_is_ceil_of_1_2_longest_request(longest: float) -> None:
    plan = plan_inference_service(_props(longest))
    assert plan.manifest is not None, plan.errors
    timeout = plan.manifest["spec"]["template"]["spec"]["timeoutSeconds"]  # type: ignore[index]
    assert timeout >= 1.2 * longest - 1e-6
    assert timeout < 1.2 * longest + 1


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=500.01, max_value=10_000, allow_nan=False))
def test_timeout_over_limit_is_refused(longest: float) -> None:
    plan = plan_inference_service(_props(longest))
    assert plan.manifest is None
    assert [p.code for p in plan.errors] == ["KN-SHUT-2"]


def test_derivations_annotation_on_service_metadata_not_template(contract: dict[str, Any]) -> None:
    text = contract["metadata"]["annotations"]["kn-constructs.io/derivations"]
    lines = text.strip().splitlines()
    timeout_lines = [line for line in lines if line.startswith("spec.template.spec.timeoutSeconds: 12 ")]
    assert len(timeout_lines) == 1 and "[KN-SHUT-2]" in timeout_lines[0]
    assert any(line.startswith("autoscaling.knative.dev/window: 40s ") for line in lines)
    # On the template it would roll a new revision whenever the wording changed.
    assert "kn-constructs.io/derivations" not in template_annotations(contract)
