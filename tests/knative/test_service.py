"""Whole Service manifests and the manifest dispatcher."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.knative import DEFAULT_SETTINGS, ClusterSettings, check_manifest, check_service
from kn_constructs.knative.rules import RULES

from .conftest import errors, only

AFFINITY_ON = DEFAULT_SETTINGS.with_features({"kubernetes.podspec-affinity": "enabled"})


def test_gpu_service_is_valid_with_affinity_enabled(gpu_service: dict[str, Any]) -> None:
    assert check_service(gpu_service, settings=AFFINITY_ON) == []


def test_gpu_service_needs_the_affinity_flag(gpu_service: dict[str, Any]) -> None:
    problems = check_service(gpu_service)
    assert len(problems) == 1
    (problem,) = problems
    assert problem.code == "KNATIVE-FEATURE-FLAG"
    assert problem.path == "spec.template.spec.affinity"
    assert problem.message == "must not set the field(s)"
    assert problem.severity == "error"


def test_gpu_service_with_allowed_affinity(gpu_service: dict[str, Any]) -> None:
    settings = DEFAULT_SETTINGS.with_features({"kubernetes.podspec-affinity": "allowed"})
    assert check_service(gpu_service, settings=settings) == []


def test_message_format_is_pinned(gpu_service: dict[str, Any]) -> None:
    annotations = gpu_service["spec"]["template"]["metadata"]["annotations"]
    annotations["autoscaling.knative.dev/window"] = "2s"
    gpu_service["spec"]["template"]["spec"]["timeoutSeconds"] = 601
    rendered = [str(p) for p in check_service(gpu_service, settings=AFFINITY_ON)]
    assert rendered == [
        "[KNATIVE-ANNOTATION-VALUE] spec.template.metadata.annotations."
        "autoscaling.knative.dev/window: expected 6s <= 2s <= 1h0m0s "
        "(value: '2s'; allowed: 6s..1h, whole seconds)\n"
        "    hint: the stable window: 6s..1h in whole seconds (about 2 x pod startup)",
        "[KNATIVE-TIMEOUT] spec.template.spec.timeoutSeconds: expected 0 <= 601 <= 600 "
        "(value: 601; allowed: 1..600 (0 or unset = 300))\n"
        "    hint: config-defaults max-revision-timeout-seconds sets the upper bound",
    ]


def mutate(service: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    node = service
    for key in parents:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


# (id, path to set ("/"-separated), value (None deletes), code, problem path, message)
INVALID: list[tuple[str, str, Any, str, str, str]] = [
    (
        "old apiVersion",
        "apiVersion",
        "serving.knative.dev/v1beta1",
        "KNATIVE-SCHEMA",
        "apiVersion",
        'unsupported apiVersion "serving.knative.dev/v1beta1"',
    ),
    ("wrong kind", "kind", "Route", "KNATIVE-SCHEMA", "kind", 'expected kind Service, got "Route"'),
    (
        "TestValidateObjectMetadata/invalid name",
        "metadata/name",
        "Llama.3",
        "KNATIVE-NAME",
        "metadata.name",
        "not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric "
        "characters or '-', "
        "start with an alphabetic character, and end with an alphanumeric character (e.g. "
        "'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]",
    ),
    (
        "TestRouteValidation/invalid name - too long",
        "metadata/name",
        "a" * 64,
        "KNATIVE-NAME",
        "metadata.name",
        "not a DNS 1035 label: [must be no more than 63 characters]",
    ),
    (
        "TestValidateObjectMetadata/missing name",
        "metadata/name",
        None,
        "KNATIVE-NAME",
        "metadata.name",
        "name or generateName is required",
    ),
    (
        "autoscaling annotation on the Service (#9358)",
        "metadata/annotations",
        {"autoscaling.knative.dev/min-scale": "1"},
        "KNATIVE-ANNOTATION-LOCATION",
        "metadata.annotations.autoscaling.knative.dev/min-scale",
        'invalid key name "autoscaling.knative.dev/min-scale"',
    ),
    (
        "rollout duration",
        "metadata/annotations",
        {"serving.knative.dev/rollout-duration": "211s44ms"},
        "KNATIVE-DURATION",
        "metadata.annotations.serving.knative.dev/rollout-duration",
        "rollout-duration=211s44ms is not at second precision",
    ),
    (
        "TestValidateRevisionName/BYO name without the service prefix",
        "spec/template/metadata/name",
        "foo",
        "KNATIVE-NAME",
        "spec.template.metadata.name",
        'invalid value: "foo" must have prefix "llama-"',
    ),
    (
        "BYO name not a DNS label",
        "spec/template/metadata/name",
        "llama-V2",
        "KNATIVE-NAME",
        "spec.template.metadata.name",
        "invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case "
        "alphanumeric "
        "characters or '-', start with an alphabetic character, and end with an alphanumeric "
        "character "
        "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')]",
    ),
    (
        "template annotation",
        "spec/template/metadata/annotations",
        {"autoscaling.knative.dev/max-scale": "-3"},
        "KNATIVE-ANNOTATION-VALUE",
        "spec.template.metadata.annotations.autoscaling.knative.dev/max-scale",
        "expected 0 <= -3 <= 2147483647",
    ),
    (
        "traffic sum",
        "spec/traffic",
        [{"latestRevision": True, "percent": 90}],
        "KNATIVE-TRAFFIC",
        "spec.traffic",
        "Traffic targets sum to 90, want 100",
    ),
    (
        "unknown spec field",
        "spec/templates",
        {},
        "KNATIVE-SCHEMA",
        "spec.templates",
        "unknown field 'templates'",
    ),
    (
        "pod spec",
        "spec/template/spec/containerConcurrency",
        1001,
        "KNATIVE-CONTAINER-CONCURRENCY",
        "spec.template.spec.containerConcurrency",
        "expected 0 <= 1001 <= 1000",
    ),
]


@pytest.mark.parametrize(
    ("where", "value", "code", "path", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID],
)
def test_invalid(
    gpu_service: dict[str, Any], where: str, value: Any, code: str, path: str, message: str
) -> None:
    mutate(gpu_service, where, value)
    problem = only(check_service(gpu_service, settings=AFFINITY_ON))
    assert (problem.code, problem.path, problem.message) == (code, path, message)
    assert problem.hint, "every problem says how to fix it"


def test_generate_name(gpu_service: dict[str, Any]) -> None:
    del gpu_service["metadata"]["name"]
    gpu_service["metadata"]["generateName"] = "llama-"
    assert check_service(gpu_service, settings=AFFINITY_ON) == []
    gpu_service["metadata"]["generateName"] = "Llama-"
    problem = only(check_service(gpu_service, settings=AFFINITY_ON))
    assert (problem.path, problem.message.split(":")[0]) == (
        "metadata.generateName",
        "not a DNS 1035 label prefix",
    )


def test_byo_name_with_generate_name_is_refused(gpu_service: dict[str, Any]) -> None:
    """Knative test: TestValidateRevisionName/generateName parent with BYO name."""
    del gpu_service["metadata"]["name"]
    gpu_service["metadata"]["generateName"] = "llama-"
    gpu_service["spec"]["template"]["metadata"]["name"] = "llama-v2"
    problem = only(check_service(gpu_service, settings=AFFINITY_ON))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-NAME",
        "spec.template.metadata.name",
        "must not set the field(s)",
    )


def test_byo_name_with_prefix(gpu_service: dict[str, Any]) -> None:
    gpu_service["spec"]["template"]["metadata"]["name"] = "llama-v2"
    assert check_service(gpu_service, settings=AFFINITY_ON) == []


def test_traffic_tag_length_uses_the_service_name(gpu_service: dict[str, Any]) -> None:
    gpu_service["metadata"]["name"] = "l" * 60
    gpu_service["spec"]["traffic"] = [{"latestRevision": True, "percent": 100, "tag": "canary"}]
    problem = only(check_service(gpu_service, settings=AFFINITY_ON))
    assert (problem.code, problem.path) == ("KNATIVE-RECONCILE-TAG-HOST", "spec.traffic[0].tag")
    assert problem.severity == "error"


def test_everything_at_once(gpu_service: dict[str, Any]) -> None:
    gpu_service["metadata"]["name"] = "Llama"
    gpu_service["metadata"]["annotations"] = {"autoscaling.knative.dev/window": "40s"}
    template = gpu_service["spec"]["template"]
    template["metadata"]["annotations"]["autoscaling.knative.dev/window"] = "2s"
    template["spec"]["timeoutSeconds"] = 9000
    template["spec"]["containers"][0]["ports"][0]["containerPort"] = 8012
    gpu_service["spec"]["traffic"] = [{"percent": 50}]
    problems = check_service(gpu_service)
    assert only(problems, severity="warning").code == "KNATIVE-PROBE"  # liveness port 8080 != 8012
    codes = sorted(p.code for p in errors(problems))
    assert codes == [
        "KNATIVE-ANNOTATION-LOCATION",
        "KNATIVE-ANNOTATION-VALUE",
        "KNATIVE-FEATURE-FLAG",
        "KNATIVE-NAME",
        "KNATIVE-RESERVED",
        "KNATIVE-TIMEOUT",
        "KNATIVE-TRAFFIC",
    ]


@pytest.mark.parametrize("manifest", [None, [], "x", {}])
def test_garbage_is_schema_problems(manifest: Any) -> None:
    problems = check_service(manifest)
    assert problems
    assert {p.code for p in problems} <= {"KNATIVE-SCHEMA", "KNATIVE-NAME", "KNATIVE-CONTAINERS"}


# ------------------------------------------------------------------ check_manifest


def configmap(name: str, data: dict[str, str], namespace: str = "knative-serving") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def test_manifest_dispatches_services(gpu_service: dict[str, Any]) -> None:
    assert check_manifest(gpu_service) == check_service(gpu_service)
    assert check_manifest(gpu_service, settings=AFFINITY_ON) == []
    gpu_service["apiVersion"] = "serving.knative.dev/v1alpha1"
    assert only(check_manifest(gpu_service, settings=AFFINITY_ON)).path == "apiVersion"


def test_manifest_dispatches_configmaps() -> None:
    problem = only(check_manifest(configmap("config-autoscaler", {"stable-window": "1s"})))
    assert (problem.code, problem.path) == ("KNATIVE-CONFIGMAP", "data.stable-window")
    assert check_manifest(configmap("config-autoscaler", {"stable-window": "1s"}, namespace="default")) == []
    assert check_manifest(configmap("config-network", {"x": "y"})) == []


@pytest.mark.parametrize(
    "manifest",
    [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}},
        None,
        "text",
    ],
)
def test_manifest_ignores_everything_else(manifest: Any) -> None:
    assert check_manifest(manifest) == []


def test_settings_change_the_outcome(gpu_service: dict[str, Any]) -> None:
    strict = ClusterSettings(
        max_scale_limit=2, max_scale=2, max_revision_timeout_seconds=10, revision_timeout_seconds=10
    ).with_features({"kubernetes.podspec-affinity": "enabled"})
    paths = [p.path for p in check_service(gpu_service, settings=strict)]
    assert paths == [
        "spec.template.metadata.annotations.autoscaling.knative.dev/max-scale",
        "spec.template.spec.timeoutSeconds",
    ]


def test_fast_enough_for_a_fleet(gpu_service: dict[str, Any]) -> None:
    start = time.perf_counter()
    for _ in range(2000):
        check_service(gpu_service, settings=AFFINITY_ON)
    assert time.perf_counter() - start < 5.0  # about 0.2 ms each on a laptop


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "containers",
                    "volumes",
                    "volumeMounts",
                    "ports",
                    "env",
                    "name",
                    "image",
                    "readinessProbe",
                    "httpGet",
                    "port",
                    "traffic",
                    "percent",
                    "tag",
                    "annotations",
                    "metadata",
                    "spec",
                    "template",
                    "persistentVolumeClaim",
                    "securityContext",
                    "initContainers",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_JSON)
def test_never_raises_on_arbitrary_yaml(garbage: Any) -> None:
    manifest = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"template": {"spec": garbage, "metadata": garbage}, "traffic": garbage},
    }
    check_manifest(manifest)
    check_manifest(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "config-gc", "namespace": "knative-serving"},
            "data": garbage,
        }
    )


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**33), 2**33) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=5), children, max_size=2)
    ),
    max_leaves=6,
)


def _objects(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(keys), _ANY | st.dictionaries(st.sampled_from(keys), _ANY), max_size=5
    )


_PROBE = _objects(["httpGet", "tcpSocket", "exec", "grpc", "port", "periodSeconds", "failureThreshold"])
_CONTAINER = st.fixed_dictionaries(
    {},
    optional={
        "name": _ANY,
        "image": _ANY,
        "ports": st.lists(_objects(["containerPort", "name", "protocol", "hostPort"]), max_size=2) | _ANY,
        "env": st.lists(_objects(["name", "value", "valueFrom", "fieldRef"]), max_size=2) | _ANY,
        "envFrom": st.lists(_objects(["configMapRef", "secretRef", "prefix"]), max_size=2),
        "readinessProbe": _PROBE | _ANY,
        "livenessProbe": _PROBE,
        "startupProbe": _PROBE,
        "volumeMounts": st.lists(_objects(["name", "mountPath", "readOnly", "mountPropagation"]), max_size=2),
        "resources": _objects(["limits", "requests", "claims"]),
        "securityContext": _objects(["capabilities", "add", "runAsUser", "privileged"]),
        "terminationMessagePolicy": _ANY,
        "lifecycle": _ANY,
    },
)
_SPEC = st.fixed_dictionaries(
    {"containers": st.lists(_CONTAINER, max_size=3)},
    optional={
        "initContainers": st.lists(_CONTAINER, max_size=2),
        "volumes": st.lists(
            _objects(
                [
                    "name",
                    "secret",
                    "emptyDir",
                    "persistentVolumeClaim",
                    "projected",
                    "items",
                    "sources",
                ]
            ),
            max_size=2,
        ),
        "containerConcurrency": _ANY,
        "timeoutSeconds": _ANY,
        "securityContext": _ANY,
        "serviceAccountName": _ANY,
        "affinity": _ANY,
    },
)
_TRAFFIC = st.lists(
    _objects(["revisionName", "configurationName", "latestRevision", "percent", "tag", "url"])
)
_EVERYTHING_ON = DEFAULT_SETTINGS.with_features(
    {flag: "enabled" for flag in DEFAULT_SETTINGS.features if flag != "secure-pod-defaults"}
)


@settings(max_examples=50, deadline=None)
@given(
    _SPEC,
    _TRAFFIC,
    st.dictionaries(st.sampled_from(["autoscaling.knative.dev/min-scale", "x"]), _ANY),
)
def test_never_raises_on_structured_garbage(
    spec: dict[str, Any], traffic: list[dict[str, Any]], annotations: dict[str, Any]
) -> None:
    manifest = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "x", "annotations": annotations},
        "spec": {
            "template": {"metadata": {"annotations": annotations}, "spec": spec},
            "traffic": traffic,
        },
    }
    for settings_ in (DEFAULT_SETTINGS, _EVERYTHING_ON):
        for problem in check_service(manifest, settings=settings_):
            assert problem.code in RULES
            assert problem.path
