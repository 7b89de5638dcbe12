"""resolve_target, panic_window_seconds, sample_size and resolve_autoscaling against Knative's rules.

Each expected value is worked out in the test from the rule it checks (the arithmetic is in
the comments), never read off the implementation.
"""

from __future__ import annotations

import math

import pytest

from kn_constructs.errors import ValidationError
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.sim.kpa import (
    ResolvedTarget,
    panic_window_seconds,
    resolve_autoscaling,
    resolve_target,
    sample_size,
)

A = "autoscaling.knative.dev/"


# ----------------------------------------------------------------- resolve_target (ResolveMetricTarget)


def test_cc1_with_knative_default_utilization_targets_0_7_per_pod() -> None:
    # concurrency metric, containerConcurrency 1 -> capacity 1; utilization 70 % -> 1 x 0.7 = 0.7
    assert resolve_target({}, 1) == ResolvedTarget(target_value=0.7, total_value=1.0)


def test_target_times_utilization_annotation() -> None:
    # Knative's TestResolveMetricTarget "with target annotation 10 and TU=75%": 10 x 0.75 = 7.5
    got = resolve_target({A + "target": "10", A + "target-utilization-percentage": "75"}, 0)
    assert got.target_value == pytest.approx(7.5)
    assert got.total_value == 10


def test_cc0_uses_container_concurrency_target_default() -> None:
    # cc 0 -> capacity = container-concurrency-target-default 100; 100 x 0.7 = 70
    got = resolve_target({}, 0)
    assert got.total_value == 100
    assert got.target_value == pytest.approx(70)


def test_target_annotation_is_capped_by_container_concurrency() -> None:
    # target 12 with cc 8: capacity = min(12, 8) = 8; utilization 90 % -> 7.2
    got = resolve_target({A + "target": "12", A + "target-utilization-percentage": "90"}, 8)
    assert got.total_value == 8
    assert got.target_value == pytest.approx(7.2)


def test_rps_metric_default_and_fixed_utilization() -> None:
    # rps: capacity requests-per-second-target-default 200, utilization fixed 0.7 -> 140
    got = resolve_target({A + "metric": "rps"}, 4)
    assert (got.total_value, got.target_value) == (200, pytest.approx(140))
    # Knative's "RPS: with target annotation greater than default": 300 x 0.7 = 210 (cc does not cap rps)
    got = resolve_target({A + "metric": "rps", A + "target": "300"}, 4)
    assert got.target_value == pytest.approx(210)


def test_target_value_floor_is_0_01() -> None:
    # 0.01 x 1 % = 0.0001, raised to TargetMin 0.01
    got = resolve_target({A + "target": "0.01", A + "target-utilization-percentage": "1"}, 0)
    assert got.target_value == 0.01


def test_cluster_percentage_and_default_apply_without_annotations() -> None:
    cluster = ClusterSettings(
        container_concurrency_target_percentage=80, container_concurrency_target_default=50
    )
    # cc 0 -> 50; 50 x 0.8 = 40
    assert resolve_target({}, 0, cluster).target_value == pytest.approx(40)


def test_legacy_camel_case_alias_is_read_and_kebab_case_wins() -> None:
    # alias only: 4 x 50 % = 2
    assert resolve_target({A + "targetUtilizationPercentage": "50", A + "target": "4"}, 0).target_value == 2
    # both: the kebab-case key (100 %) wins -> 4 x 1.0 = 4
    both = {
        A + "targetUtilizationPercentage": "50",
        A + "target-utilization-percentage": "100",
        A + "target": "4",
    }
    assert resolve_target(both, 0).target_value == 4


# ----------------------------------------------------------------- panic window


@pytest.mark.parametrize(
    ("stable", "percentage", "expected"),
    [
        (60, 10, 6),  # Knative's default: 60 x 10 % = 6 s
        (60, 51, 31),  # 30.6 s rounds to 31 s (Knative's test)
        (10, 10, 1),  # 1 s exactly (Knative's test)
        (45, 50, 23),  # 22.5 s: Go rounds halves away from zero -> 23
        (6, 1, 1),  # 0.06 s rounds to 0, raised to one bucket: 1 s
        (40, 50, 20),  # from_startup(20): 40 x 50 % = 20
        (3600, 100, 3600),
    ],
)
def test_panic_window_seconds(stable: int, percentage: float, expected: int) -> None:
    assert panic_window_seconds(stable, percentage) == expected


# ----------------------------------------------------------------- sample size


def test_sample_size_takes_every_pod_up_to_three() -> None:
    assert [sample_size(n) for n in (-1, 0, 1, 2, 3)] == [0, 0, 1, 2, 3]


@pytest.mark.parametrize("pods", [4, 10, 100, 1000])
def test_sample_size_formula(pods: int) -> None:
    x = 1.96**2 * 100 / 5**2  # 15.3664
    assert sample_size(pods) == math.ceil(pods * x / (pods + x - 1))


def test_sample_size_matches_knatives_examples() -> None:
    # 10 -> ceil(153.664 / 24.3664) = ceil(6.31) = 7; 100 -> ceil(13.44) = 14; 1000 -> ceil(15.15) = 16
    assert (sample_size(10), sample_size(100), sample_size(1000)) == (7, 14, 16)


# ----------------------------------------------------------------- resolve_autoscaling


def test_defaults_come_from_the_cluster() -> None:
    auto = resolve_autoscaling({}, 1)
    assert auto.metric == "concurrency"
    assert auto.algorithm == "linear"
    assert auto.stable_window_seconds == 60
    assert auto.panic_window_seconds == 6  # 60 x 10 %
    d = auto.decider
    assert (d.target_burst_capacity, d.panic_threshold, d.max_scale_up_rate, d.max_scale_down_rate) == (
        211,
        2.0,
        1000,
        2,
    )
    assert (d.scale_down_delay_seconds, d.activation_scale) == (0, 1)
    s = auto.scaler
    assert (s.min_scale, s.max_scale, s.initial_scale) == (0, None, 1)  # max-scale 0 = unlimited -> None
    assert (s.grace_period_seconds, s.retention_seconds, s.progress_deadline_seconds) == (30, 0, 600)


def test_annotations_override_every_value() -> None:
    annotations = {
        A + "window": "40s",
        A + "panic-window-percentage": "50",
        A + "panic-threshold-percentage": "300",
        A + "target-burst-capacity": "-1",
        A + "scale-down-delay": "1m",
        A + "scale-to-zero-pod-retention-period": "90s",
        A + "min-scale": "1",
        A + "max-scale": "5",
        A + "initial-scale": "2",
        A + "activation-scale": "3",
        A + "metric-aggregation-algorithm": "weighted-exponential",
        "serving.knative.dev/progress-deadline": "900s",
    }
    auto = resolve_autoscaling(annotations, 1)
    assert (auto.stable_window_seconds, auto.panic_window_seconds) == (40, 20)
    assert auto.algorithm == "weighted-exponential"
    d = auto.decider
    assert (d.panic_threshold, d.target_burst_capacity, d.scale_down_delay_seconds, d.activation_scale) == (
        3.0,
        -1,
        60,
        3,
    )
    s = auto.scaler
    assert (s.min_scale, s.max_scale, s.initial_scale, s.retention_seconds) == (1, 5, 2, 90)
    assert s.progress_deadline_seconds == 900


def test_cluster_wide_values_come_from_the_cluster_only() -> None:
    cluster = ClusterSettings(
        max_scale_up_rate=10, max_scale_down_rate=4, scale_to_zero_grace_period_seconds=45
    )
    auto = resolve_autoscaling({}, 1, cluster)
    assert (auto.decider.max_scale_up_rate, auto.decider.max_scale_down_rate) == (10, 4)
    assert auto.scaler.grace_period_seconds == 45


def test_invalid_annotation_is_reported_with_knatives_code_path_and_bounds() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_autoscaling({A + "window": "2s", A + "min-scale": "x"}, 1)
    codes_paths = {(p.code, p.path) for p in caught.value.problems}
    assert ("KNATIVE-ANNOTATION-VALUE", f"spec.template.metadata.annotations.{A}window") in codes_paths
    assert ("KNATIVE-ANNOTATION-VALUE", f"spec.template.metadata.annotations.{A}min-scale") in codes_paths
    window = caught.value.find("KNATIVE-ANNOTATION-VALUE", f"spec.template.metadata.annotations.{A}window")[0]
    assert window.message == "expected 6s <= 2s <= 1h0m0s"


def test_hpa_class_is_refused_because_only_the_kpa_is_modelled() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_autoscaling({A + "class": "hpa.autoscaling.knative.dev", A + "metric": "cpu"}, 1)
    (problem,) = caught.value.find("KNATIVE-ANNOTATION-VALUE", f"spec.template.metadata.annotations.{A}class")
    assert problem.value == "hpa.autoscaling.knative.dev"
    assert problem.allowed == "kpa.autoscaling.knative.dev"
