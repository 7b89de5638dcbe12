"""The rule catalogue and constants are data that match Knative v1.23."""

from __future__ import annotations

import pytest

from kn_constructs.knative import rules as kn

REQUIRED_CODES = [
    "KNATIVE-ANNOTATION-LOCATION",
    "KNATIVE-ANNOTATION-VALUE",
    "KNATIVE-SCALE-BOUNDS",
    "KNATIVE-CONTAINER-CONCURRENCY",
    "KNATIVE-TIMEOUT",
    "KNATIVE-RESERVED",
    "KNATIVE-FORBIDDEN-FIELD",
    "KNATIVE-FEATURE-FLAG",
    "KNATIVE-PROBE",
    "KNATIVE-NAME",
    "KNATIVE-DURATION",
    "KNATIVE-TRAFFIC",
    "KNATIVE-VOLUME",
    "KNATIVE-CONTAINERS",
    "KNATIVE-CONFIGMAP",
    "KNATIVE-SCHEMA",
]


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_required_codes_exist(code: str) -> None:
    rule = kn.KNATIVE_RULES[code]
    assert rule.code == code
    assert rule.title
    assert rule.source


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        kn.KNATIVE_RULES["X"] = kn.KNATIVE_RULES["KNATIVE-NAME"]  # type: ignore[index]


def test_bounds() -> None:
    assert (kn.WINDOW_MIN_SECONDS, kn.WINDOW_MAX_SECONDS) == (6, 3600)
    assert (kn.PANIC_THRESHOLD_PERCENTAGE_MIN, kn.PANIC_THRESHOLD_PERCENTAGE_MAX) == (110, 1000)
    assert (kn.PANIC_WINDOW_PERCENTAGE_MIN, kn.PANIC_WINDOW_PERCENTAGE_MAX) == (1, 100)
    assert (kn.TARGET_UTILIZATION_MIN, kn.TARGET_UTILIZATION_MAX) == (1, 100)
    assert kn.TARGET_MIN == 0.01
    assert kn.INT32_MAX == 2**31 - 1
    assert kn.SCALE_DOWN_DELAY_MAX_SECONDS == kn.SCALE_TO_ZERO_POD_RETENTION_MAX_SECONDS == 3600


def test_reserved() -> None:
    assert {8008, 8012, 8013, 8022, 9090, 9091} == kn.RESERVED_PORTS
    assert {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"} == kn.RESERVED_ENV_VARS
    assert "PORT" not in kn.SIDECAR_RESERVED_ENV_VARS
    assert {"queue-proxy"} == kn.RESERVED_CONTAINER_NAMES


def test_annotation_keys_and_aliases() -> None:
    assert kn.ANN_PROGRESS_DEADLINE == "serving.knative.dev/progress-deadline"
    assert kn.ANN_ROLLOUT_DURATION == "serving.knative.dev/rollout-duration"
    assert kn.ANN_NO_GC == "serving.knative.dev/no-gc"
    assert kn.ANNOTATION_ALIASES[kn.ANN_MIN_SCALE] == "autoscaling.knative.dev/minScale"
    assert kn.ANN_CLASS not in kn.ANNOTATION_ALIASES  # class, metric, target, window: no alias
    for key in kn.ANNOTATION_ALIASES:
        assert key.startswith(kn.AUTOSCALING_PREFIX)


def test_gated_fields_name_real_flags() -> None:
    for flag in (*kn.GATED_POD_FIELDS.values(), *kn.GATED_VOLUME_TYPES.values()):
        assert flag in kn.FEATURE_DEFAULTS
    assert kn.GATED_POD_FIELDS["affinity"] == "kubernetes.podspec-affinity"
    assert kn.GATED_VOLUME_TYPES["persistentVolumeClaim"] == ("kubernetes.podspec-persistent-volume-claim")


def test_field_sets_do_not_overlap() -> None:
    assert not kn.ALLOWED_POD_FIELDS & kn.FORBIDDEN_POD_FIELDS
    assert not kn.ALLOWED_POD_FIELDS & set(kn.GATED_POD_FIELDS)
    assert not kn.FORBIDDEN_POD_FIELDS & set(kn.GATED_POD_FIELDS)
    assert not kn.ALLOWED_CONTAINER_FIELDS & kn.FORBIDDEN_CONTAINER_FIELDS
    assert "terminationGracePeriodSeconds" in kn.FORBIDDEN_POD_FIELDS
    assert "lifecycle" in kn.FORBIDDEN_CONTAINER_FIELDS


def test_feature_defaults_match_the_shipped_configmap() -> None:
    on = {flag for flag, value in kn.FEATURE_DEFAULTS.items() if value == "enabled"}
    assert on == {"multi-container", "kubernetes.podspec-volumes-emptydir"}
    assert set(kn.FEATURE_DEFAULTS.values()) <= {"enabled", "disabled"}
