"""KnativeClusterConfig: the knative-serving ConfigMaps and what services check against."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart

from kn_constructs import (
    AutoscalerProfile,
    ClusterSettings,
    GpuInferenceService,
    KnativeClusterConfig,
    KnWarning,
    ModelSource,
    ValidationError,
)
from kn_constructs.cluster import AUTOSCALER_KEYS, configmap_data
from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.knative import check_manifest
from kn_constructs.knative.settings import FEATURE_DEFAULTS
from tests.helpers import contract_props, synth
from tests.support.schema import assert_valid


def configmaps(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}


def test_default_config_renders_autoscaler_and_the_features_services_need(tmp_path: Path) -> None:
    def build(chart: Chart) -> None:
        cluster = KnativeClusterConfig(chart, "knative")
        GpuInferenceService(chart, "llama", **contract_props(cluster=cluster, acknowledge=["KN-SCALE-1"]))

    _, docs = synth(tmp_path, build)
    maps = configmaps(docs)
    assert set(maps) == {"config-autoscaler", "config-features"}  # config-defaults only when changed
    for doc in maps.values():
        assert doc["metadata"]["namespace"] == "knative-serving"
    autoscaler = maps["config-autoscaler"]["data"]
    # Every key is written, with Knative's names, and Knative's defaults where nothing changed.
    assert set(autoscaler) == {key for _, key, _ in AUTOSCALER_KEYS}
    assert autoscaler["max-scale-down-rate"] == "2"
    assert autoscaler["stable-window"] == "60s"
    assert autoscaler["enable-scale-to-zero"] == "true"
    # Exactly the flags the service uses (affinity for GPU placement), enabled.
    assert maps["config-features"]["data"] == {"kubernetes.podspec-affinity": "enabled"}
    assert maps["config-features"]["metadata"]["annotations"]["kn-constructs.io/changes"] == (
        "kubernetes.podspec-affinity: disabled -> enabled (needed by llama)\n"
    )
    for doc in maps.values():
        assert check_manifest(doc) == [], doc["metadata"]["name"]
    assert_valid(list(maps.values()))


def test_pvc_service_enables_pvc_flags_it_needs_only(tmp_path: Path) -> None:
    def build(chart: Chart) -> None:
        cluster = KnativeClusterConfig(chart, "knative")
        GpuInferenceService(
            chart,
            "ro",
            **contract_props(cluster=cluster, model=ModelSource.pvc("weights"), acknowledge=["KN-SCALE-1"]),
        )

    _, docs = synth(tmp_path, build)
    features = configmaps(docs)["config-features"]["data"]
    assert features == {
        "kubernetes.podspec-affinity": "enabled",
        "kubernetes.podspec-persistent-volume-claim": "enabled",
    }


def test_explicitly_disabled_flag_is_an_error_naming_the_flag_kn_place_3(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "c", namespace="models")
    cluster = KnativeClusterConfig(chart, "knative", features={"kubernetes.podspec-affinity": "disabled"})
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(cluster=cluster))
    (problem,) = info.value.find("KN-PLACE-3", "llama.gpu")
    assert "kubernetes.podspec-affinity" in problem.message


def test_changed_knob_needs_a_reason_kn_ops_2(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "c")
    settings = ClusterSettings(max_scale_down_rate=4)
    with pytest.warns(KnWarning) as record:
        KnativeClusterConfig(chart, "knative", settings=settings)
    assert [w.message.code for w in record if isinstance(w.message, KnWarning)] == ["KN-OPS-2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", KnWarning)
        KnativeClusterConfig(
            chart, "knative2", settings=settings, reasons={"max-scale-down-rate": "cost: release GPUs"}
        )


def test_reason_is_written_into_the_changes_annotation(tmp_path: Path) -> None:
    def build(chart: Chart) -> None:
        KnativeClusterConfig(
            chart,
            "knative",
            settings=ClusterSettings(max_scale_down_rate=4),
            reasons={"max-scale-down-rate": "cost: release GPUs"},
        )

    _, docs = synth(tmp_path, build)
    autoscaler = configmaps(docs)["config-autoscaler"]
    assert autoscaler["data"]["max-scale-down-rate"] == "4"
    changes = autoscaler["metadata"]["annotations"]["kn-constructs.io/changes"]
    assert changes == "max-scale-down-rate: 2 -> 4 (cost: release GPUs)\n"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"max_scale_up_rate": 1.0},
            "max_scale_up_rate",
            "max-scale-up-rate = 1, must be greater than 1.0",
            id="up-rate-1",
        ),
        pytest.param(
            {"max_scale_down_rate": 0.5},
            "max_scale_down_rate",
            "max-scale-down-rate = 0.5, must be greater than 1.0",
            id="down-rate-below-1",
        ),
        pytest.param(
            {"stable_window_seconds": 5},
            "stable_window_seconds",
            "stable-window = 5s, must be in [6s; 1h0m0s] range",
            id="window-5s",
        ),
        pytest.param(
            {"panic_window_percentage": 0.5},
            "panic_window_percentage",
            "panic-window-percentage = 0.5, must be in [1, 100] interval",
            id="panic-0.5",
        ),
        pytest.param(
            {"min_scale": 4, "max_scale": 3},
            "min_scale",
            "min-scale (4) must be less than max-scale (3)",
            id="min-above-max",
        ),
        pytest.param(
            {"revision_timeout_seconds": 900},
            "revision_timeout_seconds",
            "revision-timeout-seconds (900) cannot be greater than max-revision-timeout-seconds (600)",
            id="timeout-over-max",
        ),
        pytest.param(
            {"max_revision_timeout_seconds": 1000, "container_concurrency": 1001},
            "container_concurrency",
            "expected 0 <= 1001 <= 1000",
            id="issue-10-concurrency-over-limit",
        ),
        pytest.param(
            {"max_scale_limit": 10},
            "max_scale",
            "max-scale = 0, must be in [1, max-scale-limit(10)] range",
            id="limit-needs-default-max-scale",
        ),
    ],
)
def test_invalid_settings_are_refused_like_knative(
    changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ClusterSettings(**changes)  # type: ignore[arg-type]
    assert [(p.code, p.path, p.message) for p in info.value.problems] == [
        ("KNATIVE-CONFIGMAP", field, message)
    ]


def test_max_scale_up_rate_inf_is_accepted_like_knative() -> None:
    # config.go validate: only `MaxScaleUpRate <= 1.0` fails; strconv.ParseFloat reads "+Inf".
    assert ClusterSettings(max_scale_up_rate=float("inf")).max_scale_up_rate == float("inf")


def test_unknown_or_invalid_feature_flag_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "c")
    with pytest.warns(KnWarning) as record:
        config = KnativeClusterConfig(
            chart,
            "knative",
            features={"kubernetes.podspec-afinity": "enabled", "kubernetes.podspec-tolerations": "on"},
        )
    found = {w.message.problem.path: w.message.problem for w in record if isinstance(w.message, KnWarning)}
    typo = found["knative.config-features.data.kubernetes.podspec-afinity"]
    assert (typo.code, typo.severity) == ("KNATIVE-CONFIGMAP", "warning")
    assert "did you mean 'kubernetes.podspec-affinity'?" in typo.message
    value = found["knative.config-features.data.kubernetes.podspec-tolerations"]
    assert (value.code, value.severity, value.message) == (
        "KNATIVE-CONFIGMAP",
        "warning",
        "invalid value: on",
    )
    assert (
        config.settings.feature("kubernetes.podspec-tolerations") == "disabled"
    )  # Knative keeps the default


def test_longer_timeout_renders_config_defaults_and_lets_the_service_through(tmp_path: Path) -> None:
    settings = ClusterSettings(max_revision_timeout_seconds=1800)

    def build(chart: Chart) -> None:
        cluster = KnativeClusterConfig(
            chart,
            "knative",
            settings=settings,
            reasons={"max-revision-timeout-seconds": "batch embeddings"},
            acknowledge=["KN-LONG-1"],
        )
        GpuInferenceService(
            chart,
            "slow",
            **contract_props(cluster=cluster, longest_request_seconds=1000, acknowledge=["KN-LONG-1"]),
        )

    _, docs = synth(tmp_path, build)
    defaults = configmaps(docs)["config-defaults"]["data"]
    assert defaults == {"max-revision-timeout-seconds": "1800"}
    (service,) = [d for d in docs if d["kind"] == "Service"]
    assert service["spec"]["template"]["spec"]["timeoutSeconds"] == 1200


def test_rate_wish_is_adopted_then_conflicts_are_refused_kn_as_6(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "c", namespace="models")
    cluster = KnativeClusterConfig(chart, "knative")
    profile = AutoscalerProfile.from_startup(20)
    GpuInferenceService(
        chart, "a", **contract_props(cluster=cluster, autoscaling=profile.replace(max_scale_down_rate=4))
    )
    assert cluster.settings.max_scale_down_rate == 4
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(
            chart, "b", **contract_props(cluster=cluster, autoscaling=profile.replace(max_scale_down_rate=3))
        )
    (problem,) = info.value.find("KN-AS-6", "b.autoscaling.max_scale_down_rate")
    assert "a asks for 4" in problem.message


def test_explicit_cluster_rate_beats_a_differing_wish(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "out"))
    chart = Chart(app, "c", namespace="models")
    cluster = KnativeClusterConfig(
        chart,
        "knative",
        settings=ClusterSettings(max_scale_up_rate=10),
        reasons={"max-scale-up-rate": "registry"},
    )
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(
            chart,
            "a",
            **contract_props(
                cluster=cluster, autoscaling=AutoscalerProfile.from_startup(20).replace(max_scale_up_rate=50)
            ),
        )
    assert info.value.find("KN-AS-6", "a.autoscaling.max_scale_up_rate")


def test_rate_wish_without_a_cluster_config_warns() -> None:
    props = contract_props(
        name="a", cluster=None, autoscaling=AutoscalerProfile.from_startup(20).replace(max_scale_down_rate=4)
    )
    props.pop("acknowledge")
    plan = plan_inference_service(InferenceServiceProps(**props))
    assert ("KN-AS-6", "warning") in [(p.code, p.severity) for p in plan.problems]


def test_configmap_data_round_trips_through_knatives_parser() -> None:
    settings = dataclasses.replace(ClusterSettings(), max_scale_down_rate=4, stable_window_seconds=90)
    data = configmap_data(settings, features={"kubernetes.podspec-affinity": "enabled"}, render_gc=True)
    docs = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "knative-serving"},
            "data": values,
        }
        for name, values in data.items()
    ]
    parsed = ClusterSettings.from_configmaps(docs)
    assert parsed.max_scale_down_rate == 4
    assert parsed.stable_window_seconds == 90
    assert parsed.feature("kubernetes.podspec-affinity") == "enabled"
    # Flags not written keep Knative's defaults.
    assert (
        parsed.feature("kubernetes.podspec-tolerations") == FEATURE_DEFAULTS["kubernetes.podspec-tolerations"]
    )
