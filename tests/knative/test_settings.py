"""ClusterSettings: Knative's defaults, feature flags, reading the ConfigMaps."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from kn_constructs.errors import ValidationError
from kn_constructs.knative import rules as kn
from kn_constructs.knative.settings import (
    DEFAULT_SETTINGS,
    FEATURE_DEFAULTS,
    STRICT_FLAGS,
    ClusterSettings,
)


def configmap(name: str, data: dict[str, Any], namespace: str = "knative-serving") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def test_defaults_are_knatives() -> None:
    s = DEFAULT_SETTINGS
    assert s.pod_autoscaler_class == "kpa.autoscaling.knative.dev"
    assert (s.stable_window_seconds, s.target_burst_capacity, s.initial_scale) == (60, 211, 1)
    assert (s.revision_timeout_seconds, s.max_revision_timeout_seconds) == (300, 600)
    assert (s.container_concurrency, s.container_concurrency_max_limit) == (0, 1000)
    assert s.progress_deadline_seconds == 600
    assert s.max_non_active_revisions == 1000
    assert s.container_concurrency_target_fraction == pytest.approx(0.7)
    assert dict(s.features) == dict(FEATURE_DEFAULTS)


def test_field_names_are_exactly_the_brief() -> None:
    names = [f.name for f in dataclasses.fields(ClusterSettings)]
    assert names == [
        "pod_autoscaler_class",
        "enable_scale_to_zero",
        "allow_zero_initial_scale",
        "max_scale_limit",
        "container_concurrency_target_percentage",
        "container_concurrency_target_default",
        "requests_per_second_target_default",
        "target_burst_capacity",
        "stable_window_seconds",
        "panic_window_percentage",
        "panic_threshold_percentage",
        "max_scale_up_rate",
        "max_scale_down_rate",
        "activator_capacity",
        "initial_scale",
        "min_scale",
        "max_scale",
        "scale_down_delay_seconds",
        "scale_to_zero_grace_period_seconds",
        "scale_to_zero_pod_retention_period_seconds",
        "revision_timeout_seconds",
        "max_revision_timeout_seconds",
        "container_concurrency",
        "container_concurrency_max_limit",
        "allow_container_concurrency_zero",
        "progress_deadline_seconds",
        "retain_since_create_time",
        "retain_since_last_active_time",
        "min_non_active_revisions",
        "max_non_active_revisions",
        "features",
        "ignored_features",
    ]


def test_frozen_hashable_and_equal_by_value() -> None:
    a = ClusterSettings().with_features({"kubernetes.podspec-affinity": "Enabled"})
    b = ClusterSettings(features={"kubernetes.podspec-affinity": "enabled"})
    assert a == b
    assert hash(a) == hash(b)
    assert a != DEFAULT_SETTINGS
    assert len({a, b, DEFAULT_SETTINGS}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.max_scale_limit = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.features["multi-container"] = "disabled"  # type: ignore[index]


def test_features_are_complete_and_normalized() -> None:
    s = ClusterSettings(features={"kubernetes.podspec-tolerations": "ALLOWED"})
    assert s.feature("kubernetes.podspec-tolerations") == "allowed"
    assert s.feature("multi-container") == "enabled"
    assert set(s.features) == set(FEATURE_DEFAULTS)


def test_feature_unknown_flag() -> None:
    with pytest.raises(KeyError, match="unknown config-features flag"):
        DEFAULT_SETTINGS.feature("kubernetes.podspec-nope")


def test_with_features_ignores_what_knative_ignores() -> None:
    # features.go NewFeaturesConfigFromMap: unknown keys are never read; asFlag keeps the
    # default for a value that is not EqualFold to Enabled, Allowed or Disabled.
    s = DEFAULT_SETTINGS.with_features(
        {
            "kubernetes.podspec-nope": "enabled",
            "kubernetes.podspec-affinity": "yes",
            "multi-container": "DISABLED",
        }
    )
    assert s.features == {**FEATURE_DEFAULTS, "multi-container": "disabled"}
    assert dict(s.ignored_features) == {
        "kubernetes.podspec-nope": "enabled",
        "kubernetes.podspec-affinity": "yes",
    }
    warnings = s.feature_warnings()
    assert sorted((p.code, p.severity, p.path) for p in warnings) == [
        ("KNATIVE-CONFIGMAP", "warning", "features.kubernetes.podspec-affinity"),
        ("KNATIVE-CONFIGMAP", "warning", "features.kubernetes.podspec-nope"),
    ]
    assert s == DEFAULT_SETTINGS.with_features({"multi-container": "disabled"})


@pytest.mark.parametrize("value", ["ENABLED", "Enabled", "enabled", "di\u017fabled", "\u212a"])
def test_flag_values_fold_case_like_go(value: str) -> None:
    # strings.EqualFold: simple Unicode case folding (the long s folds to s); the Kelvin sign
    # folds to k, which no flag value is.
    read = DEFAULT_SETTINGS.with_features({"kubernetes.podspec-affinity": value}).feature(
        "kubernetes.podspec-affinity"
    )
    expected = {"ENABLED": "enabled", "Enabled": "enabled", "enabled": "enabled", "di\u017fabled": "disabled"}
    assert read == expected.get(value, "disabled")


def test_non_string_feature_value_is_a_validation_error() -> None:
    # A Python value of the wrong type is the library's boundary check (KNC-TYPE), as on every
    # other public constructor; YAML ConfigMaps are checked by configmaps.py with Knative's words.
    with pytest.raises(ValidationError) as info:
        DEFAULT_SETTINGS.with_features({"kubernetes.podspec-affinity": True})  # type: ignore[dict-item]
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("KNC-TYPE", "features.kubernetes.podspec-affinity")
    ]


@pytest.mark.parametrize(
    ("value", "loose", "strict"),
    [("enabled", True, True), ("allowed", True, False), ("disabled", False, False)],
)
def test_feature_enabled_allowed_counts_unless_strict(value: str, loose: bool, strict: bool) -> None:
    s = DEFAULT_SETTINGS.with_features({"kubernetes.podspec-persistent-volume-claim": value})
    assert s.feature_enabled("kubernetes.podspec-persistent-volume-claim") is loose
    assert s.feature_enabled("kubernetes.podspec-persistent-volume-claim", strict=True) is strict


def test_strict_flags() -> None:
    assert kn.FLAG_PVC in STRICT_FLAGS
    assert kn.FLAG_INIT_CONTAINERS in STRICT_FLAGS
    assert kn.FLAG_MULTI_CONTAINER in STRICT_FLAGS
    assert kn.FLAG_AFFINITY not in STRICT_FLAGS


def test_from_configmaps_reads_all_five_and_ignores_the_rest() -> None:
    docs = [
        configmap(
            "config-autoscaler",
            {
                "max-scale-limit": "10",
                "max-scale": "5",
                "stable-window": "2m",
                "allow-zero-initial-scale": "true",
                "container-concurrency-target-percentage": "0.9",
                "scale-to-zero-grace-period": "1.5s",
                "_example": "ignored",
            },
        ),
        configmap("config-defaults", {"max-revision-timeout-seconds": "900"}),
        configmap("config-deployment", {"progress-deadline": "20m", "queue-sidecar-image": "q"}),
        configmap("config-gc", {"max-non-active-revisions": "disabled"}),
        configmap("config-features", {"kubernetes.podspec-affinity": "Enabled", "bogus": "x"}),
        configmap("config-autoscaler", {"max-scale-limit": "99"}, namespace="default"),
        configmap("config-network", {"rollout-duration": "x"}),
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "x"}},
        "not a manifest",
    ]
    s = ClusterSettings.from_configmaps(docs)  # type: ignore[arg-type]
    assert s.max_scale_limit == 10
    assert s.max_scale == 5
    assert s.stable_window_seconds == 120
    assert s.allow_zero_initial_scale is True
    assert s.container_concurrency_target_percentage == pytest.approx(90)
    assert s.scale_to_zero_grace_period_seconds == 2
    assert s.max_revision_timeout_seconds == 900
    assert s.progress_deadline_seconds == 1200
    assert s.max_non_active_revisions is None
    assert s.feature_enabled("kubernetes.podspec-affinity", strict=True)


def test_from_configmaps_raises_with_every_error() -> None:
    docs = [
        configmap("config-autoscaler", {"stable-window": "1s", "max-scale-up-rate": "1"}),
        configmap("config-defaults", {"container-concurrency": "2000"}),
    ]
    with pytest.raises(ValidationError) as info:
        ClusterSettings.from_configmaps(docs)
    assert info.value.codes == ["KNATIVE-CONFIGMAP"] * 3
    paths = [p.path for p in info.value.problems]
    assert paths == [
        "config-autoscaler.data.max-scale-up-rate",
        "config-autoscaler.data.stable-window",
        "config-defaults.data.container-concurrency",
    ]


def test_from_configmaps_warnings_do_not_raise() -> None:
    s = ClusterSettings.from_configmaps(
        [configmap("config-features", {"kubernetes.podspec-affinity": "maybe"})]
    )
    assert s.feature("kubernetes.podspec-affinity") == "disabled"


def test_pickle_copy_and_replace_keep_the_value() -> None:
    s = ClusterSettings(max_scale_limit=7, max_scale=7).with_features(
        {"kubernetes.podspec-affinity": "allowed"}
    )
    assert pickle.loads(pickle.dumps(s)) == s
    assert copy.deepcopy(s) == s
    assert copy.copy(s) == s
    assert (
        dataclasses.replace(s, max_scale_limit=8, max_scale=8).feature("kubernetes.podspec-affinity")
        == "allowed"
    )
