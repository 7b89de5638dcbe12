"""Autoscaling and template annotations, against Knative's own test cases and texts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative.annotations import (
    check_autoscaling_annotations,
    check_no_autoscaling_annotations,
    check_rollout_duration,
    check_template_annotations,
)
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings

from .conftest import errors, only

A = "autoscaling.knative.dev/"
P = "metadata.annotations"
KPA = "kpa.autoscaling.knative.dev"
HPA = "hpa.autoscaling.knative.dev"
VALUE = "KNATIVE-ANNOTATION-VALUE"
SCALE = "KNATIVE-SCALE-BOUNDS"


def ann(**kw: str) -> dict[str, str]:
    """Annotations from keyword args: min_scale="1" -> autoscaling.knative.dev/min-scale."""
    return {A + key.replace("_", "-"): value for key, value in kw.items()}


# (id, annotations, settings, code, key as found, message)
INVALID: list[tuple[str, dict[str, str], ClusterSettings, str, str, str]] = [
    (
        "TestValidateAnnotations/invalid class",
        {A + "class": "unsupported.knative.dev"},
        DEFAULT_SETTINGS,
        VALUE,
        "class",
        "invalid value: unsupported.knative.dev",
    ),
    (
        "TestValidateAnnotations/invalid metric for default class(KPA)",
        ann(metric="cpu"),
        DEFAULT_SETTINGS,
        VALUE,
        "metric",
        "invalid value: cpu",
    ),
    (
        "TestValidateAnnotations/invalid metric for HPA class",
        {A + "class": HPA, A + "metric": ""},
        DEFAULT_SETTINGS,
        VALUE,
        "metric",
        "invalid value: ",
    ),
    (
        "cluster class HPA: empty metric",
        ann(metric=""),
        ClusterSettings(pod_autoscaler_class=HPA),
        VALUE,
        "metric",
        "invalid value: ",
    ),
    (
        "target below TargetMin",
        ann(target="-11"),
        DEFAULT_SETTINGS,
        VALUE,
        "target",
        "target -11 should be at least 0.01",
    ),
    (
        "target zero",
        ann(target="0"),
        DEFAULT_SETTINGS,
        VALUE,
        "target",
        "target 0 should be at least 0.01",
    ),
    (
        "target not a number",
        ann(target="100}"),
        DEFAULT_SETTINGS,
        VALUE,
        "target",
        "invalid value: 100}",
    ),
    (
        "TestValidateAnnotations/TU too small",
        ann(target_utilization_percentage="0"),
        DEFAULT_SETTINGS,
        VALUE,
        "target-utilization-percentage",
        "expected 1 <= 0 <= 100",
    ),
    (
        "TestValidateAnnotations/TU too big",
        ann(target_utilization_percentage="101"),
        DEFAULT_SETTINGS,
        VALUE,
        "target-utilization-percentage",
        "expected 1 <= 101 <= 100",
    ),
    (
        "TestValidateAnnotations/TU invalid",
        ann(target_utilization_percentage="junk"),
        DEFAULT_SETTINGS,
        VALUE,
        "target-utilization-percentage",
        "invalid value: junk",
    ),
    (
        "window too small",
        ann(window="1s"),
        DEFAULT_SETTINGS,
        VALUE,
        "window",
        "expected 6s <= 1s <= 1h0m0s",
    ),
    (
        "window too big",
        ann(window="61m"),
        DEFAULT_SETTINGS,
        VALUE,
        "window",
        "expected 6s <= 61m <= 1h0m0s",
    ),
    (
        "window not a duration",
        ann(window="jerry-was-a-racecar-driver"),
        DEFAULT_SETTINGS,
        VALUE,
        "window",
        "invalid value: jerry-was-a-racecar-driver",
    ),
    (
        "window bare number",
        ann(window="60"),
        DEFAULT_SETTINGS,
        VALUE,
        "window",
        "invalid value: 60",
    ),
    (
        "window sub-second",
        ann(window="60.5s"),
        DEFAULT_SETTINGS,
        VALUE,
        "window",
        "must be specified with at most second precision",
    ),
    (
        "panic window percentage too big",
        ann(panic_window_percentage="202"),
        DEFAULT_SETTINGS,
        VALUE,
        "panic-window-percentage",
        "expected 1 <= 202 <= 100",
    ),
    (
        "panic threshold too small",
        ann(panic_threshold_percentage="109"),
        DEFAULT_SETTINGS,
        VALUE,
        "panic-threshold-percentage",
        "expected 110 <= 109 <= 1000",
    ),
    (
        "min-scale negative",
        ann(min_scale="-1"),
        DEFAULT_SETTINGS,
        VALUE,
        "min-scale",
        "expected 0 <= -1 <= 2147483647",
    ),
    (
        "min-scale not an int",
        ann(min_scale="foo"),
        DEFAULT_SETTINGS,
        VALUE,
        "min-scale",
        "invalid value: foo",
    ),
    (
        "min-scale float",
        ann(min_scale="1.5"),
        DEFAULT_SETTINGS,
        VALUE,
        "min-scale",
        "invalid value: 1.5",
    ),
    (
        "max-scale over int32",
        ann(max_scale="2147483648"),
        DEFAULT_SETTINGS,
        VALUE,
        "max-scale",
        "expected 0 <= 2147483648 <= 2147483647",
    ),
    (
        "max-scale below min-scale",
        ann(min_scale="5", max_scale="2"),
        DEFAULT_SETTINGS,
        SCALE,
        "max-scale",
        "max-scale=2 is less than min-scale=5",
    ),
    (
        "max-scale above max-scale-limit",
        ann(max_scale="11"),
        ClusterSettings(max_scale_limit=10, max_scale=10),
        SCALE,
        "max-scale",
        "expected 1 <= 11 <= 10",
    ),
    (
        "max-scale unlimited with max-scale-limit",
        ann(max_scale="0"),
        ClusterSettings(max_scale_limit=10, max_scale=10),
        SCALE,
        "max-scale",
        "max-scale=0 (unlimited), must be less than 10",
    ),
    (
        "initial-scale 0 not allowed by cluster",
        ann(initial_scale="0"),
        DEFAULT_SETTINGS,
        SCALE,
        "initial-scale",
        "invalid value: 0: initial-scale=0 not allowed by cluster",
    ),
    (
        "initial-scale negative",
        ann(initial_scale="-1"),
        ClusterSettings(allow_zero_initial_scale=True),
        VALUE,
        "initial-scale",
        "invalid value: -1: initial-scale must be greater than 0",
    ),
    (
        "initial-scale not an int",
        ann(initial_scale="invalid"),
        DEFAULT_SETTINGS,
        VALUE,
        "initial-scale",
        "invalid value: invalid",
    ),
    (
        "activation-scale below min-scale",
        ann(min_scale="3", activation_scale="2"),
        DEFAULT_SETTINGS,
        SCALE,
        "activation-scale",
        "min-scale=3 is greater than activation-scale=2",
    ),
    (
        "activation-scale above max-scale",
        ann(max_scale="1", activation_scale="2"),
        DEFAULT_SETTINGS,
        SCALE,
        "activation-scale",
        "max-scale=1 is less than activation-scale=2",
    ),
    (
        "activation-scale of 1",
        ann(activation_scale="1"),
        DEFAULT_SETTINGS,
        VALUE,
        "activation-scale",
        "activation-scale=1 must be greater than 1",
    ),
    (
        "scale-down-delay too long",
        ann(scale_down_delay="311m"),
        DEFAULT_SETTINGS,
        VALUE,
        "scale-down-delay",
        "expected 0s <= 311m <= 1h0m0s",
    ),
    (
        "scale-down-delay sub-second",
        ann(scale_down_delay="1.5s"),
        DEFAULT_SETTINGS,
        VALUE,
        "scale-down-delay",
        "must be specified with at most second precision",
    ),
    (
        "retention negative",
        ann(scale_to_zero_pod_retention_period="-42s"),
        DEFAULT_SETTINGS,
        VALUE,
        "scale-to-zero-pod-retention-period",
        "expected 0s <= -42s <= 1h0m0s",
    ),
    (
        "target-burst-capacity below -1",
        ann(target_burst_capacity="-11"),
        DEFAULT_SETTINGS,
        VALUE,
        "target-burst-capacity",
        "invalid value: -11",
    ),
    (
        "TestValidateAnnotations/random algorithm on KPA",
        {A + "class": KPA, A + "metric-aggregation-algorithm": "random-selection"},
        DEFAULT_SETTINGS,
        VALUE,
        "metric-aggregation-algorithm",
        "invalid value: random-selection",
    ),
    (
        "legacy alias keeps its spelling in the path",
        {A + "minScale": "-1"},
        DEFAULT_SETTINGS,
        VALUE,
        "minScale",
        "expected 0 <= -1 <= 2147483647",
    ),
]

VALID: list[tuple[str, dict[str, str], ClusterSettings]] = [
    (
        "the GPU service's annotations",
        {
            A + "class": KPA,
            A + "metric": "concurrency",
            A + "target": "8",
            A + "target-utilization-percentage": "90",
            A + "window": "40s",
            A + "panic-window-percentage": "50",
            A + "panic-threshold-percentage": "200",
            A + "min-scale": "0",
            A + "max-scale": "3",
        },
        DEFAULT_SETTINGS,
    ),
    ("empty", {}, DEFAULT_SETTINGS),
    (
        "TestValidateAnnotations/non-knative.dev domain class",
        {A + "class": "some.other.domain"},
        DEFAULT_SETTINGS,
    ),
    (
        "custom class, any metric",
        {A + "class": "custom.example.com", A + "metric": "gpu"},
        DEFAULT_SETTINGS,
    ),
    (
        "TestValidateAnnotations/valid global class HPA with metric CPU",
        ann(metric="cpu"),
        ClusterSettings(pod_autoscaler_class=HPA),
    ),
    ("HPA custom pods metric", {A + "class": HPA, A + "metric": "queue-depth"}, DEFAULT_SETTINGS),
    ("rps on KPA", ann(metric="rps"), DEFAULT_SETTINGS),
    (
        "TestValidateAnnotations/random algorithm on non KPA",
        ann(metric_aggregation_algorithm="random-selection"),
        DEFAULT_SETTINGS,
    ),
    (
        "weightedExponential alias value",
        {A + "class": KPA, A + "metric-aggregation-algorithm": "weightedExponential"},
        DEFAULT_SETTINGS,
    ),
    (
        "empty algorithm on KPA",
        {A + "class": KPA, A + "metric-aggregation-algorithm": ""},
        DEFAULT_SETTINGS,
    ),
    ("window bounds", ann(window="6s"), DEFAULT_SETTINGS),
    ("window 1h", ann(window="1h"), DEFAULT_SETTINGS),
    (
        "retention without second precision",
        ann(scale_to_zero_pod_retention_period="1.5s"),
        DEFAULT_SETTINGS,
    ),
    ("retention zero", ann(scale_to_zero_pod_retention_period="0"), DEFAULT_SETTINGS),
    ("tbc unlimited", ann(target_burst_capacity="-1"), DEFAULT_SETTINGS),
    ("tbc zero", ann(target_burst_capacity="0"), DEFAULT_SETTINGS),
    ("target tiny", ann(target="0.01"), DEFAULT_SETTINGS),
    (
        "initial-scale zero when allowed",
        ann(initial_scale="0"),
        ClusterSettings(allow_zero_initial_scale=True),
    ),
    (
        "initial-scale above max-scale is not compared",
        ann(initial_scale="9", max_scale="2"),
        DEFAULT_SETTINGS,
    ),
    (
        "activation-scale in range",
        ann(min_scale="1", max_scale="5", activation_scale="3"),
        DEFAULT_SETTINGS,
    ),
    ("max-scale within limit", ann(max_scale="10"), ClusterSettings(max_scale_limit=10, max_scale=10)),
    (
        "max-scale 0 means unlimited without a limit",
        ann(min_scale="5", max_scale="0"),
        DEFAULT_SETTINGS,
    ),
    (
        "kebab-case wins over the alias",
        {A + "min-scale": "1", A + "minScale": "-5"},
        DEFAULT_SETTINGS,
    ),
    ("plus sign accepted by ParseInt", ann(min_scale="+2"), DEFAULT_SETTINGS),
    ("other annotations are not looked at", {"example.com/x": "y"}, DEFAULT_SETTINGS),
]


@pytest.mark.parametrize(
    ("annotations", "settings", "code", "key", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID],
)
def test_invalid(
    annotations: dict[str, str], settings: ClusterSettings, code: str, key: str, message: str
) -> None:
    problem = only(check_autoscaling_annotations(annotations, settings=settings, path=P))
    assert problem.code == code
    assert problem.path == f"{P}.{A}{key}"
    assert problem.message == message
    assert problem.value == annotations[A + key]
    assert problem.allowed
    assert problem.hint, "every problem says how to fix it"


@pytest.mark.parametrize(("annotations", "settings"), [pytest.param(*case[1:], id=case[0]) for case in VALID])
def test_valid(annotations: dict[str, str], settings: ClusterSettings) -> None:
    assert check_autoscaling_annotations(annotations, settings=settings, path=P) == []


def test_message_format_is_pinned() -> None:
    (problem,) = check_autoscaling_annotations(ann(window="2s"), path="spec.template.metadata.annotations")
    assert str(problem) == (
        "[KNATIVE-ANNOTATION-VALUE] spec.template.metadata.annotations."
        "autoscaling.knative.dev/window: expected 6s <= 2s <= 1h0m0s "
        "(value: '2s'; allowed: 6s..1h, whole seconds)\n"
        "    hint: the stable window: 6s..1h in whole seconds (about 2 x pod startup)"
    )
    (scale,) = check_autoscaling_annotations(ann(min_scale="5", max_scale="2"), path=P)
    assert str(scale).startswith(
        f"[KNATIVE-SCALE-BOUNDS] {P}.{A}max-scale: max-scale=2 is less than min-scale=5 "
        "(value: '2'; allowed: >= 5 (min-scale), or 0 for unlimited)"
    )


def test_empty_path_gives_bare_keys() -> None:
    (problem,) = check_autoscaling_annotations(ann(window="2s"), path="")
    assert problem.path == A + "window"


def test_all_problems_at_once_in_knatives_order() -> None:
    problems = check_autoscaling_annotations(
        {
            A + "class": "bogus.knative.dev",
            A + "min-scale": "5",
            A + "max-scale": "2",
            A + "target": "0",
            A + "window": "2s",
            A + "initial-scale": "0",
        },
        path=P,
    )
    assert [p.path.removeprefix(f"{P}.{A}") for p in problems] == [
        "class",
        "max-scale",
        "target",
        "window",
        "initial-scale",
    ]


def test_max_scale_parse_error_with_limit_reports_like_knative() -> None:
    problems = check_autoscaling_annotations(
        ann(max_scale="x"), settings=ClusterSettings(max_scale_limit=5, max_scale=5), path=P
    )
    assert [p.message for p in problems] == [
        "invalid value: x",
        "max-scale=0 (unlimited), must be less than 5",
    ]


def test_non_string_value_is_a_schema_problem() -> None:
    annotations: dict[str, Any] = {A + "min-scale": 3, "example.com/other": 1}
    problem = only(check_autoscaling_annotations(annotations, path=P))
    assert problem.code == "KNATIVE-SCHEMA"
    assert problem.path == f"{P}.{A}min-scale"
    assert problem.message == "expected string, got integer"


@given(st.integers(min_value=6, max_value=3600))
def test_windows_in_range_are_accepted(seconds: int) -> None:
    assert check_autoscaling_annotations(ann(window=f"{seconds}s"), path=P) == []


@given(st.integers(min_value=-(10**6), max_value=10**6).filter(lambda s: not 6 <= s <= 3600))
def test_windows_out_of_range_are_rejected(seconds: int) -> None:
    problem = only(check_autoscaling_annotations(ann(window=f"{seconds}s"), path=P))
    assert problem.message == f"expected 6s <= {seconds}s <= 1h0m0s"


@given(st.floats(min_value=110, max_value=1000))
def test_panic_thresholds_in_range_are_accepted(value: float) -> None:
    assert check_autoscaling_annotations(ann(panic_threshold_percentage=repr(value)), path=P) == []


@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=2**31 - 1))
def test_min_max_scale(low: int, high: int) -> None:
    problems = check_autoscaling_annotations(ann(min_scale=str(low), max_scale=str(high)), path=P)
    assert bool(problems) == (high != 0 and high < low)


# --------------------------------------------------------------------------- template annotations

T = "spec.template.metadata.annotations"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "1m3s34ms",
            "progress-deadline=1m3s34ms is not at second precision",
            id="TestRevisionTemplateSpecValidation/progress-deadline too precise",
        ),
        pytest.param("-1m3s", "progress-deadline=-1m3s must be positive", id="negative"),
        pytest.param("not-a-duration", "invalid value: not-a-duration", id="not a duration"),
        pytest.param("600", "invalid value: 600", id="bare number"),
    ],
)
def test_progress_deadline_invalid(value: str, message: str) -> None:
    key = "serving.knative.dev/progress-deadline"
    problem = only(check_template_annotations({key: value}, path=T))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-DURATION",
        f"{T}.{key}",
        message,
    )


@pytest.mark.parametrize("value", ["600s", "10m", "0s", "1h30m", ""])
def test_progress_deadline_valid(value: str) -> None:
    assert check_template_annotations({"serving.knative.dev/progress-deadline": value}, path=T) == []


def test_queue_sidecar_quantity() -> None:
    key = "queue.sidecar.serving.knative.dev/cpu-resource-limit"
    problem = only(check_template_annotations({key: "100mx"}, path=T))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-ANNOTATION-VALUE",
        f"{T}.{key}",
        "invalid value: 100mx",
    )
    assert check_template_annotations({key: "100m"}, path=T) == []


def test_queue_resource_percentage_is_deprecated_and_bounded() -> None:
    key = "queue.sidecar.serving.knative.dev/resource-percentage"
    problems = check_template_annotations({key: "200"}, path=T)
    assert only(problems).message == "expected 0.1 <= 200 <= 100"
    assert only(problems, severity="warning").message == f"{key} is deprecated"
    assert errors(check_template_annotations({key: "20"}, path=T)) == []


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(
            "networking.knative.dev/visibility",
            id="TestRevisionTemplateSpecValidation/invalid networking.knative.dev/visibility annotation",
        ),
        pytest.param("networking.knative.dev/rollout", id="any other networking key"),
    ],
)
def test_networking_allow_list(key: str) -> None:
    problem = only(check_template_annotations({key: "cluster-local"}, path=T))
    assert problem.code == "KNATIVE-ANNOTATION-KEY"
    assert problem.path == f"{T}.{key}"
    assert problem.message == f'invalid key name "{key}"'


@pytest.mark.parametrize(
    "key",
    [
        "networking.knative.dev/ingress.class",
        "networking.knative.dev/ingress-class",
        "networking.knative.dev/certificate.class",
        "networking.knative.dev/disableAutoTLS",
        "networking.knative.dev/disableExternalDomainTLS",
        "networking.knative.dev/http-option",
    ],
)
def test_networking_allowed_keys(key: str) -> None:
    assert check_template_annotations({key: "x"}, path=T) == []


def test_template_reports_non_string_values_once() -> None:
    annotations: dict[str, Any] = {A + "min-scale": 1, "example.com/flag": True}
    problems = check_template_annotations(annotations, path=T)
    assert sorted(p.path for p in problems) == [f"{T}.{A}min-scale", f"{T}.example.com/flag"]
    assert {p.code for p in problems} == {"KNATIVE-SCHEMA"}


# --------------------------------------------------------------------------- location, rollout


def test_autoscaling_annotations_on_service_metadata() -> None:
    problems = check_no_autoscaling_annotations(
        {A + "min-scale": "1", "example.com/keep": "x"}, path="metadata.annotations"
    )
    problem = only(problems)
    assert problem.code == "KNATIVE-ANNOTATION-LOCATION"
    assert problem.path == f"metadata.annotations.{A}min-scale"
    assert problem.message == f'invalid key name "{A}min-scale"'
    assert problem.hint == (
        'autoscaling annotations must be put under "spec.template.metadata.annotations" to work'
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        pytest.param(
            "serving.knative.dev/rollout-duration",
            "120000000000",
            "invalid value: 120000000000",
            id="TestValidateRolloutDurationAnnotation/bare number",
        ),
        pytest.param(
            "serving.knative.dev/rollout-duration",
            "-211s",
            "rollout-duration=-211s must be positive",
            id="TestValidateRolloutDurationAnnotation/negative",
        ),
        pytest.param(
            "serving.knative.dev/rollout-duration",
            "211s44ms",
            "rollout-duration=211s44ms is not at second precision",
            id="TestValidateRolloutDurationAnnotation/not second precision",
        ),
        pytest.param(
            "serving.knative.dev/rolloutDuration",
            "-1s",
            "rollout-duration=-1s must be positive",
            id="legacy alias",
        ),
    ],
)
def test_rollout_duration_invalid(key: str, value: str, message: str) -> None:
    problem = only(check_rollout_duration({key: value}, path="metadata.annotations"))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-DURATION",
        f"metadata.annotations.{key}",
        message,
    )


@pytest.mark.parametrize("value", ["0", "0s", "120s", "2m", "1h", ""])
def test_rollout_duration_valid(value: str) -> None:
    assert check_rollout_duration({"serving.knative.dev/rollout-duration": value}) == []
