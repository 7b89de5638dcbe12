"""Knative's ConfigMaps: config-autoscaler, -defaults, -features, -gc, -deployment."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Callable

import pytest
import yaml

from kn_constructs.errors import Problem
from kn_constructs.knative.configmaps import (
    check_config_autoscaler,
    check_config_defaults,
    check_config_deployment,
    check_config_features,
    check_config_gc,
    check_configmap,
)

from .conftest import errors, only

Check = Callable[..., list[Problem]]

# (id, check, data, key, message)
INVALID: list[tuple[str, Check, dict[str, str], str, str]] = [
    # config-autoscaler (texts from ASC validate)
    (
        "max-scale-up-rate",
        check_config_autoscaler,
        {"max-scale-up-rate": "1"},
        "max-scale-up-rate",
        "max-scale-up-rate = 1, must be greater than 1.0",
    ),
    (
        "max-scale-down-rate",
        check_config_autoscaler,
        {"max-scale-down-rate": "-55"},
        "max-scale-down-rate",
        "max-scale-down-rate = -55, must be greater than 1.0",
    ),
    (
        "cc target percentage",
        check_config_autoscaler,
        {"container-concurrency-target-percentage": "142.4"},
        "container-concurrency-target-percentage",
        "container-concurrency-target-percentage = 1.424000 is outside of valid range of (0, 100]",
    ),
    (
        "cc target too small",
        check_config_autoscaler,
        {
            "container-concurrency-target-percentage": "0.01",
            "container-concurrency-target-default": "0.1",
        },
        "container-concurrency-target-default",
        "container-concurrency-target-percentage and container-concurrency-target-default yield "
        "target "
        "concurrency of 0.001, can't be less than 0.01",
    ),
    (
        "rps default",
        check_config_autoscaler,
        {"requests-per-second-target-default": "-5.25"},
        "requests-per-second-target-default",
        "requests-per-second-target-default must be at least 0.01, was: -5.25",
    ),
    (
        "target burst capacity",
        check_config_autoscaler,
        {"target-burst-capacity": "-11"},
        "target-burst-capacity",
        "target-burst-capacity must be either non-negative or -1 (for unlimited), was: -11.000000",
    ),
    (
        "stable window range",
        check_config_autoscaler,
        {"stable-window": "1s"},
        "stable-window",
        "stable-window = 1s, must be in [6s; 1h0m0s] range",
    ),
    (
        "stable window precision",
        check_config_autoscaler,
        {"stable-window": "1m1.984s"},
        "stable-window",
        "stable-window = 1m1.984s, must be specified with at most second precision",
    ),
    (
        "panic window percentage",
        check_config_autoscaler,
        {"panic-window-percentage": "0.1"},
        "panic-window-percentage",
        "panic-window-percentage = 0.1, must be in [1, 100] interval",
    ),
    (
        "activator capacity",
        check_config_autoscaler,
        {"activator-capacity": "0.95"},
        "activator-capacity",
        "activator-capacity = 0.95, must be at least 1",
    ),
    (
        "initial scale 0",
        check_config_autoscaler,
        {"initial-scale": "0"},
        "initial-scale",
        "initial-scale = 0, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)",
    ),
    (
        "min scale negative",
        check_config_autoscaler,
        {"min-scale": "-1"},
        "min-scale",
        "min-scale = -1, must be at least 0",
    ),
    (
        "min scale above max scale",
        check_config_autoscaler,
        {"min-scale": "4", "max-scale": "3"},
        "min-scale",
        "min-scale (4) must be less than max-scale (3)",
    ),
    (
        "max scale above the limit",
        check_config_autoscaler,
        {"max-scale": "10", "max-scale-limit": "9"},
        "max-scale",
        "max-scale = 10, must be in [1, max-scale-limit(9)] range",
    ),
    (
        "max scale negative",
        check_config_autoscaler,
        {"max-scale": "-1"},
        "max-scale",
        "max-scale = -1, must be in [0, max-scale-limit(0)] range",
    ),
    (
        "max scale unlimited with a limit",
        check_config_autoscaler,
        {"max-scale-limit": "9"},
        "max-scale",
        "max-scale = 0, must be in [1, max-scale-limit(9)] range",
    ),
    (
        "max scale limit negative",
        check_config_autoscaler,
        {"max-scale-limit": "-9"},
        "max-scale-limit",
        "max-scale-limit = -9, must be at least 0",
    ),
    (
        "scale down delay negative",
        check_config_autoscaler,
        {"scale-down-delay": "-1m23s"},
        "scale-down-delay",
        "scale-down-delay cannot be negative, was: -1m23s",
    ),
    (
        "scale down delay precision",
        check_config_autoscaler,
        {"scale-down-delay": "1m1.984s"},
        "scale-down-delay",
        "scale-down-delay = 1m1.984s, must be specified with at most second precision",
    ),
    (
        "grace period",
        check_config_autoscaler,
        {"scale-to-zero-grace-period": "0s"},
        "scale-to-zero-grace-period",
        "scale-to-zero-grace-period must be positive, was: 0s",
    ),
    (
        "retention negative",
        check_config_autoscaler,
        {"scale-to-zero-pod-retention-period": "-4m11s"},
        "scale-to-zero-pod-retention-period",
        "scale-to-zero-pod-retention-period cannot be negative, was: -4m11s",
    ),
    (
        "bool parse error",
        check_config_autoscaler,
        {"enable-scale-to-zero": "yes"},
        "enable-scale-to-zero",
        'failed to parse data: failed to parse "enable-scale-to-zero": strconv.ParseBool: '
        'parsing "yes": '
        "invalid syntax",
    ),
    (
        "duration parse error",
        check_config_autoscaler,
        {"stable-window": "sixty"},
        "stable-window",
        'failed to parse data: failed to parse "stable-window": time: invalid duration "sixty"',
    ),
    (
        "numbers are not trimmed",
        check_config_autoscaler,
        {"max-scale": " 3"},
        "max-scale",
        'failed to parse data: failed to parse "max-scale": strconv.ParseInt: parsing " 3": invalid syntax',
    ),
    # config-defaults (DEF)
    (
        "revision timeout above max",
        check_config_defaults,
        {"revision-timeout-seconds": "456", "max-revision-timeout-seconds": "123"},
        "revision-timeout-seconds",
        "revision-timeout-seconds (456) cannot be greater than max-revision-timeout-seconds (123)",
    ),
    (
        "revision timeout parse",
        check_config_defaults,
        {"revision-timeout-seconds": "asdf"},
        "revision-timeout-seconds",
        'failed to parse "revision-timeout-seconds": strconv.ParseInt: parsing "asdf": invalid syntax',
    ),
    (
        "container concurrency",
        check_config_defaults,
        {"container-concurrency": "2000"},
        "container-concurrency",
        "expected 0 <= 2000 <= 1000",
    ),
    (
        "container concurrency max limit",
        check_config_defaults,
        {"container-concurrency-max-limit": "0"},
        "container-concurrency-max-limit",
        "expected 1 <= 0 <= 2147483647",
    ),
    (
        "response start timeout",
        check_config_defaults,
        {"revision-timeout-seconds": "123", "revision-response-start-timeout-seconds": "456"},
        "revision-response-start-timeout-seconds",
        "revision-response-start-timeout-seconds (456) cannot be greater than revision-timeout-seconds (123)",
    ),
    (
        "idle timeout",
        check_config_defaults,
        {"revision-timeout-seconds": "123", "revision-idle-timeout-seconds": "456"},
        "revision-idle-timeout-seconds",
        "revision-idle-timeout-seconds (456) cannot be greater than revision-timeout-seconds (123)",
    ),
    (
        "allow zero parse",
        check_config_defaults,
        {"allow-container-concurrency-zero": "maybe"},
        "allow-container-concurrency-zero",
        'failed to parse "allow-container-concurrency-zero": strconv.ParseBool: parsing "maybe": '
        "invalid syntax",
    ),
    (
        "quantity",
        check_config_defaults,
        {"revision-cpu-request": "100mx"},
        "revision-cpu-request",
        'failed to parse "revision-cpu-request": quantities must match the regular expression '
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ),
    # config-gc (pkg/gc/config.go)
    (
        "retain negative",
        check_config_gc,
        {"retain-since-create-time": "-1h"},
        "retain-since-create-time",
        "failed to parse retain-since-create-time: must be non-negative",
    ),
    (
        "retain parse",
        check_config_gc,
        {"retain-since-last-active-time": "x"},
        "retain-since-last-active-time",
        'failed to parse retain-since-last-active-time: time: invalid duration "x"',
    ),
    (
        "min negative",
        check_config_gc,
        {"min-non-active-revisions": "-1"},
        "min-non-active-revisions",
        "min-non-active-revisions must be non-negative, was: -1",
    ),
    (
        "min above max",
        check_config_gc,
        {"max-non-active-revisions": "10"},
        "min-non-active-revisions",
        "min-non-active-revisions(20) must be <= max-non-active-revisions(10)",
    ),
    (
        "max negative",
        check_config_gc,
        {"max-non-active-revisions": "-1"},
        "max-non-active-revisions",
        'failed to parse max-non-active-revisions: strconv.ParseUint: parsing "-1": invalid syntax',
    ),
    (
        "min parse",
        check_config_gc,
        {"min-non-active-revisions": "x"},
        "min-non-active-revisions",
        'failed to parse data: failed to parse "min-non-active-revisions": strconv.ParseInt: '
        'parsing "x": '
        "invalid syntax",
    ),
    # config-deployment (pkg/deployment/config.go)
    (
        "progress deadline zero",
        check_config_deployment,
        {"queue-sidecar-image": "q", "progress-deadline": "0s"},
        "progress-deadline",
        "progress-deadline cannot be a non-positive duration, was 0s",
    ),
    (
        "progress deadline precision",
        check_config_deployment,
        {"queue-sidecar-image": "q", "progress-deadline": "1.5s"},
        "progress-deadline",
        "progress-deadline must be rounded to a whole second, was: 1.5s",
    ),
    (
        "digest timeout",
        check_config_deployment,
        {"queue-sidecar-image": "q", "digest-resolution-timeout": "0s"},
        "digest-resolution-timeout",
        "digest-resolution-timeout cannot be a non-positive duration, was 0s",
    ),
    (
        "affinity type",
        check_config_deployment,
        {"queue-sidecar-image": "q", "default-affinity-type": "x"},
        "default-affinity-type",
        'unsupported default-affinity-type value: "x"',
    ),
    (
        "queue quantity",
        check_config_deployment,
        {"queue-sidecar-image": "q", "queue-sidecar-cpu-request": "lots"},
        "queue-sidecar-cpu-request",
        'failed to parse "queue-sidecar-cpu-request": quantities must match the regular expression '
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ),
    (
        "runtime class name",
        check_config_deployment,
        {"queue-sidecar-image": "q", "runtime-class-name": "Bad_Class: {}"},
        "runtime-class-name",
        "runtime-class-name Bad_Class selector not valid DNSSubdomain: [a lowercase RFC 1123 "
        "subdomain must "
        "consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
        "an alphanumeric "
        "character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')]",
    ),
]


@pytest.mark.parametrize(
    ("check", "data", "key", "message"), [pytest.param(*case[1:], id=case[0]) for case in INVALID]
)
def test_invalid(check: Check, data: dict[str, str], key: str, message: str) -> None:
    problem = only(check(data))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-CONFIGMAP",
        f"data.{key}",
        message,
    )
    assert problem.value == data.get(key)
    assert problem.hint, "every problem says how to fix it"


VALID: list[tuple[str, Check, dict[str, str]]] = [
    ("empty autoscaler", check_config_autoscaler, {}),
    ("only _example", check_config_autoscaler, {"_example": "stable-window: 1s"}),
    (
        "panic threshold is not validated",
        check_config_autoscaler,
        {"panic-threshold-percentage": "5000"},
    ),
    ("scale-down-delay has no upper bound", check_config_autoscaler, {"scale-down-delay": "2h"}),
    (
        "retention has no precision check",
        check_config_autoscaler,
        {"scale-to-zero-pod-retention-period": "1.5s"},
    ),
    (
        "percentage 1 means 100%",
        check_config_autoscaler,
        {"container-concurrency-target-percentage": "1"},
    ),
    ("fraction 0.7", check_config_autoscaler, {"container-concurrency-target-percentage": "0.7"}),
    (
        "unknown keys are ignored (TestNewConfig/overridden)",
        check_config_autoscaler,
        {"tick-interval": "2s"},
    ),
    (
        "zero initial scale when allowed",
        check_config_autoscaler,
        {"initial-scale": "0", "allow-zero-initial-scale": "true"},
    ),
    (
        "max scale within limit",
        check_config_autoscaler,
        {"max-scale": "5", "max-scale-limit": "9", "min-scale": "5"},
    ),
    ("unlimited tbc", check_config_autoscaler, {"target-burst-capacity": "-1"}),
    (
        "strings are trimmed",
        check_config_autoscaler,
        {"pod-autoscaler-class": " hpa.autoscaling.knative.dev "},
    ),
    (
        "defaults: response start defaults to the revision timeout",
        check_config_defaults,
        {"revision-timeout-seconds": "100"},
    ),
    (
        "defaults: idle equal to timeout",
        check_config_defaults,
        {"revision-idle-timeout-seconds": "300"},
    ),
    (
        "defaults: enable-service-links never fails",
        check_config_defaults,
        {"enable-service-links": "whatever"},
    ),
    (
        "gc disabled",
        check_config_gc,
        {
            "retain-since-create-time": "Disabled",
            "retain-since-last-active-time": "disabled",
            "max-non-active-revisions": "disabled",
            "min-non-active-revisions": "0",
        },
    ),
    (
        "gc min equals max",
        check_config_gc,
        {"min-non-active-revisions": "10", "max-non-active-revisions": "10"},
    ),
    ("deployment legacy image key", check_config_deployment, {"queueSidecarImage": "q"}),
    (
        "deployment runtime classes",
        check_config_deployment,
        {
            "queue-sidecar-image": "q",
            "runtime-class-name": "kata: {}\ngvisor:\n  selector:\n    use-gvisor: please\n",
        },
    ),
    (
        "features",
        check_config_features,
        {
            "kubernetes.podspec-affinity": "Enabled",
            "secure-pod-defaults": "AllowRootBounded",
            "multi-container": "ALLOWED",
        },
    ),
]


@pytest.mark.parametrize(("check", "data"), [pytest.param(*case[1:], id=case[0]) for case in VALID])
def test_valid(check: Check, data: dict[str, str]) -> None:
    assert check(data) == []


def test_all_errors_are_listed_not_only_the_first() -> None:
    problems = check_config_autoscaler(
        {"stable-window": "1s", "max-scale-up-rate": "1", "activator-capacity": "0"}
    )
    assert [p.path for p in problems] == [
        "data.activator-capacity",
        "data.max-scale-up-rate",
        "data.stable-window",
    ]


def test_non_string_values_are_schema_errors() -> None:
    problem = only(check_config_autoscaler({"max-scale": 3}))  # type: ignore[dict-item]
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-SCHEMA",
        "data.max-scale",
        "expected string, got integer",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"kubernetes.podspec-affinity": "maybe"},
            "invalid value: maybe",
            id="TestFeaturesConfiguration/invalid value is ignored",
        ),
        pytest.param(
            {"secure-pod-defaults": "Allowed"},
            "invalid value: Allowed (did you mean 'allowrootbounded'?)",
            id="TestFeaturesConfiguration/invalid secure-pod-defaults value",
        ),
        pytest.param(
            {"kubernetes.podspec-affinty": "enabled"},
            'unknown feature flag "kubernetes.podspec-affinty"'
            " (did you mean 'kubernetes.podspec-affinity'?)",
            id="unknown flag",
        ),
    ],
)
def test_features_problems_are_warnings(data: dict[str, str], message: str) -> None:
    problem = only(check_config_features(data), severity="warning")
    assert problem.code == "KNATIVE-CONFIGMAP"
    assert problem.message == message
    assert errors(check_config_features(data)) == []


def test_missing_queue_sidecar_image_is_a_warning() -> None:
    problem = only(check_config_deployment({"progress-deadline": "900s"}), severity="warning")
    assert problem.path == "data.queue-sidecar-image"
    assert problem.message == "queue-sidecar-image cannot be empty or unset"


def test_check_configmap_dispatch() -> None:
    assert only(check_configmap("config-gc", {"min-non-active-revisions": "-1"})).code == "KNATIVE-CONFIGMAP"
    assert check_configmap("config-network", {"anything": "x"}) == []


# ------------------------------------------------------------------ the shipped ConfigMaps

#: Verbatim copies of Knative's ConfigMaps at knative-v1.23.0 (see tests/data/knative-serving/README.md).
SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "data" / "knative-serving" / "configmaps"
CHECKS: dict[str, Check] = {
    "autoscaler.yaml": check_config_autoscaler,
    "defaults.yaml": check_config_defaults,
    "deployment.yaml": check_config_deployment,
    "features.yaml": check_config_features,
    "gc.yaml": check_config_gc,
}
_EXAMPLE_LINE = re.compile(r"^([a-z][a-zA-Z0-9.-]*): (.*)$")


@pytest.mark.parametrize("filename", sorted(CHECKS))
def test_the_shipped_example_values_are_valid(filename: str) -> None:
    """Knative's own _example blocks (every documented default) pass our checks."""
    path = SHIPPED / filename
    doc = yaml.safe_load(path.read_text())
    data = {k: v for k, v in doc["data"].items() if k != "_example"}
    for line in doc["data"]["_example"].splitlines():
        match = _EXAMPLE_LINE.match(line)
        if match:
            data[match.group(1)] = yaml.safe_load(match.group(2).split("  #")[0]) or ""
    data = {k: str(v) for k, v in data.items()}
    assert len(data) > 3
    assert CHECKS[filename](data) == []
