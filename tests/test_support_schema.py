"""The third-party validators in tests/support/schema.py really catch things."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.support import schema
from tests.support.schema import (
    assert_valid,
    knative_pod_spec,
    validate_manifest,
    validate_manifests,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
K8S_TAG = "[kubernetes-validate 1.33 strict]"
POD_TAG = "[kubernetes-validate 1.33 strict PodSpec]"
KNATIVE_TAG = "[@kubernetes-models/knative 2.4.4]"

GPU_SERVICE = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: llama, namespace: models, labels: {app.kubernetes.io/name: llama}}
spec:
  template:
    metadata:
      labels: {app.kubernetes.io/name: llama}
      annotations: {autoscaling.knative.dev/target: "8", autoscaling.knative.dev/window: 40s}
    spec:
      containerConcurrency: 8
      timeoutSeconds: 12
      containers:
        - name: model-server
          image: registry.example.com/llm-server@sha256:aaaaaaaa
          ports: [{containerPort: 8080, name: http1}]
          env:
            - {name: HF_HUB_OFFLINE, value: "1"}
            - name: AWS_ACCESS_KEY_ID
              valueFrom: {secretKeyRef: {name: s3-credentials, key: access_key}}
          resources:
            limits: {nvidia.com/gpu: 1, memory: 32Gi}
            requests: {cpu: "4", memory: 32Gi}
          readinessProbe:
            httpGet: {path: /health/ready, port: 8080}
            periodSeconds: 2
            failureThreshold: 3
            timeoutSeconds: 1
          livenessProbe:
            httpGet: {path: /health/live, port: 8080}
            periodSeconds: 10
            failureThreshold: 6
          startupProbe:
            httpGet: {path: /health/ready, port: 8080}
            periodSeconds: 5
            failureThreshold: 60
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: gpu.nvidia.com/class, operator: In, values: [A40, RTX_A5000]}
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              preference:
                matchExpressions: [{key: gpu.nvidia.com/class, operator: In, values: [A40]}]
  traffic:
    - {latestRevision: true, percent: 100}
"""

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: config-autoscaler, namespace: knative-serving}
data: {enable-scale-to-zero: "true", stable-window: 60s}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: router, namespace: models}
spec:
  replicas: 2
  selector: {matchLabels: {app: router}}
  template:
    metadata: {labels: {app: router}}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports: [{containerPort: 8080}]
"""


def gpu_service() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(GPU_SERVICE)
    return doc


def pod(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def container(doc: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = pod(doc)["containers"][0]
    return first


def errors_with(errors: list[str], tag: str, text: str) -> list[str]:
    return [e for e in errors if e.startswith(tag) and text in e]


# ---- valid manifests pass ----------------------------------------------------------------


def test_valid_gpu_service_passes() -> None:
    doc = gpu_service()
    assert validate_manifest(doc) == []
    assert_valid([doc])


def test_valid_config_map_and_deployment_pass() -> None:
    docs = [yaml.safe_load(CONFIG_MAP), yaml.safe_load(DEPLOYMENT)]
    assert validate_manifests(docs) == [[], []]
    assert_valid(docs)


def test_validation_does_not_change_the_manifest() -> None:
    doc = gpu_service()
    del container(doc)["name"]
    before = json.dumps(doc, sort_keys=True)
    validate_manifest(doc)
    assert json.dumps(doc, sort_keys=True) == before


# ---- invalid Knative Services are rejected, by the right validator ------------------------


def _misspelled_resources(doc: dict[str, Any]) -> None:
    container(doc)["resource"] = container(doc).pop("resources")


def _unknown_pod_field(doc: dict[str, Any]) -> None:
    pod(doc)["gpuCount"] = 1


def _concurrency_as_string(doc: dict[str, Any]) -> None:
    pod(doc)["containerConcurrency"] = "8"


def _timeout_as_string(doc: dict[str, Any]) -> None:
    pod(doc)["timeoutSeconds"] = "12"


def _percent_as_string(doc: dict[str, Any]) -> None:
    doc["spec"]["traffic"][0]["percent"] = "100"


def _latest_revision_as_string(doc: dict[str, Any]) -> None:
    doc["spec"]["traffic"][0]["latestRevision"] = "true"


def _annotation_as_number(doc: dict[str, Any]) -> None:
    doc["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/target"] = 8


def _misspelled_traffic(doc: dict[str, Any]) -> None:
    doc["spec"]["trafic"] = doc["spec"].pop("traffic")


def _unknown_traffic_field(doc: dict[str, Any]) -> None:
    doc["spec"]["traffic"][0]["weight"] = 100


def _unknown_template_metadata_field(doc: dict[str, Any]) -> None:
    doc["spec"]["template"]["metadata"]["annotation"] = {"a": "b"}


def _unknown_metadata_field(doc: dict[str, Any]) -> None:
    doc["metadata"]["label"] = {"a": "b"}


def _port_as_string(doc: dict[str, Any]) -> None:
    container(doc)["ports"][0]["containerPort"] = "8080"


def _unknown_probe_field(doc: dict[str, Any]) -> None:
    container(doc)["readinessProbe"]["periodSecond"] = 2


def _bad_quantity(doc: dict[str, Any]) -> None:
    container(doc)["resources"]["limits"]["memory"] = "lots"


@pytest.mark.parametrize(
    ("mutate", "tag", "expected"),
    [
        pytest.param(
            _misspelled_resources,
            POD_TAG,
            "spec.template.spec.containers[0]: Additional properties are not allowed "
            "('resource' was unexpected)",
            id="container-resource-misspelled",
        ),
        pytest.param(
            _unknown_pod_field,
            POD_TAG,
            "spec.template.spec: Additional properties are not allowed ('gpuCount'",
            id="unknown-pod-field",
        ),
        pytest.param(
            _unknown_probe_field,
            POD_TAG,
            "spec.template.spec.containers[0].readinessProbe: Additional properties",
            id="unknown-probe-field",
        ),
        pytest.param(
            _port_as_string,
            POD_TAG,
            "spec.template.spec.containers[0].ports[0].containerPort: '8080' is not of type",
            id="container-port-string",
        ),
        pytest.param(
            _bad_quantity,
            KNATIVE_TAG,
            "spec.template.spec.containers[0].resources.limits.memory: must match pattern",
            id="quantity-not-a-quantity",
        ),
        pytest.param(
            _concurrency_as_string,
            KNATIVE_TAG,
            "spec.template.spec.containerConcurrency: must be integer",
            id="containerConcurrency-string",
        ),
        pytest.param(
            _timeout_as_string,
            KNATIVE_TAG,
            "spec.template.spec.timeoutSeconds: must be integer",
            id="timeoutSeconds-string",
        ),
        pytest.param(
            _percent_as_string,
            KNATIVE_TAG,
            "spec.traffic[0].percent: must be integer",
            id="traffic-percent-string",
        ),
        pytest.param(
            _latest_revision_as_string,
            KNATIVE_TAG,
            "spec.traffic[0].latestRevision: must be boolean",
            id="latestRevision-string",
        ),
        pytest.param(
            _annotation_as_number,
            KNATIVE_TAG,
            "spec.template.metadata.annotations.autoscaling.knative.dev/target: must be string",
            id="annotation-number",
        ),
        pytest.param(
            _misspelled_traffic,
            KNATIVE_TAG,
            'spec.trafic: unknown field "trafic"',
            id="spec-traffic-misspelled",
        ),
        pytest.param(
            _unknown_traffic_field,
            KNATIVE_TAG,
            'spec.traffic[0].weight: unknown field "weight"',
            id="unknown-traffic-field",
        ),
        pytest.param(
            _unknown_template_metadata_field,
            KNATIVE_TAG,
            'spec.template.metadata.annotation: unknown field "annotation"',
            id="unknown-template-metadata-field",
        ),
        pytest.param(
            _unknown_metadata_field,
            KNATIVE_TAG,
            'metadata.label: unknown field "label"',
            id="unknown-metadata-field",
        ),
    ],
)
def test_invalid_knative_service_is_rejected(
    mutate: Callable[[dict[str, Any]], None], tag: str, expected: str
) -> None:
    doc = gpu_service()
    mutate(doc)
    errors = validate_manifest(doc)
    assert errors_with(errors, tag, expected), errors


def test_every_problem_is_reported_at_once() -> None:
    doc = gpu_service()
    for mutate in (
        _misspelled_resources,
        _unknown_pod_field,
        _concurrency_as_string,
        _percent_as_string,
        _unknown_traffic_field,
        _unknown_metadata_field,
    ):
        mutate(doc)
    errors = validate_manifest(doc)
    assert len(errors_with(errors, POD_TAG, "Additional properties")) == 2, errors
    assert len(errors_with(errors, KNATIVE_TAG, "must be integer")) == 2, errors
    assert len(errors_with(errors, KNATIVE_TAG, "unknown field")) == 2, errors


# ---- invalid Kubernetes manifests are rejected ---------------------------------------------


def test_deployment_with_unknown_field_is_rejected() -> None:
    doc = yaml.safe_load(DEPLOYMENT)
    doc["spec"]["replica"] = 2
    doc["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    assert validate_manifest(doc) == [
        f"{K8S_TAG} spec: Additional properties are not allowed ('replica' was unexpected)",
        f"{K8S_TAG} spec.template.spec.containers[0]: Additional properties are not allowed "
        "('resource' was unexpected)",
    ]


def test_deployment_quantities_are_not_parsed_a_known_gap() -> None:
    """kubernetes-validate types Quantity as string-or-number, with no pattern."""
    doc = yaml.safe_load(DEPLOYMENT)
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"memory": "lots"}}
    assert validate_manifest(doc) == []


def test_config_map_with_number_value_is_rejected() -> None:
    doc = yaml.safe_load(CONFIG_MAP)
    doc["data"]["stable-window"] = 60
    assert validate_manifest(doc) == [f"{K8S_TAG} data.stable-window: 60 is not of type 'string', 'null'"]


@pytest.mark.parametrize(
    "doc",
    [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        {"apiVersion": "serving.knative.dev/v1", "kind": "Widget", "metadata": {"name": "w"}},
        {"kind": "ConfigMap"},
    ],
    ids=["unknown-crd", "unknown-knative-kind", "no-apiVersion"],
)
def test_kind_without_schema_is_an_error_not_a_pass(doc: dict[str, Any]) -> None:
    (error,) = validate_manifest(doc)
    assert "<root>:" in error


@pytest.mark.parametrize(
    ("text", "mutate"),
    [
        (CONFIG_MAP, lambda d: None),
        (CONFIG_MAP, lambda d: d["data"].update({"x": 1})),
        (CONFIG_MAP, lambda d: d.update({"dta": {}})),
        (DEPLOYMENT, lambda d: None),
        (DEPLOYMENT, lambda d: d["spec"].update({"replica": 1})),
        (DEPLOYMENT, lambda d: d["spec"]["template"]["spec"].update({"hostNetwork": "yes"})),
    ],
)
def test_core_kinds_agree_with_kubernetes_validate_itself(
    text: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    """Our validator is built from the package's files: same verdict as its own API."""
    doc = yaml.safe_load(text)
    mutate(doc)
    try:
        kubernetes_validate.validate(doc, schema.KUBERNETES_VERSION, strict=True)
        rejected_by_package = False
    except kubernetes_validate.ValidationError:
        rejected_by_package = True
    assert bool(validate_manifest(doc)) is rejected_by_package


# ---- the Knative pod spec adjustments -------------------------------------------------------


def test_pod_spec_copy_drops_knative_keys_and_fills_knative_defaults() -> None:
    spec: dict[str, Any] = {
        "containerConcurrency": 8,
        "timeoutSeconds": 12,
        "responseStartTimeoutSeconds": 10,
        "idleTimeoutSeconds": 30,
        "containers": [
            {
                "image": "x",
                "ports": [{"containerPort": 9000}],
                "readinessProbe": {"httpGet": {"path": "/ready"}},
                "livenessProbe": {"tcpSocket": {}},
                "startupProbe": {"httpGet": {"path": "/ready", "port": "http1"}},
            },
        ],
    }
    copied = knative_pod_spec(spec)
    assert set(copied) == {"containers"}
    (c,) = copied["containers"]
    assert c["name"] == "user-container"
    assert c["readinessProbe"]["httpGet"]["port"] == 9000
    assert c["livenessProbe"]["tcpSocket"]["port"] == 9000
    assert c["startupProbe"]["httpGet"]["port"] == "http1"  # given ports are kept
    assert "name" not in spec["containers"][0]  # the input is not touched


def test_pod_spec_copy_names_several_containers_like_knative() -> None:
    copied = knative_pod_spec({"containers": [{"image": "a"}, {"image": "b", "name": "side"}]})
    assert [c["name"] for c in copied["containers"]] == ["user-container-0", "side"]


def test_service_may_omit_container_name_and_probe_port_as_knative_allows() -> None:
    doc = gpu_service()
    c = container(doc)
    del c["name"]
    del c["readinessProbe"]["httpGet"]["port"]
    c["livenessProbe"] = {"tcpSocket": {}, "periodSeconds": 10}
    assert validate_manifest(doc) == []


def test_without_the_adjustments_the_podspec_schema_would_reject_a_valid_service() -> None:
    """Why knative_pod_spec exists: raw Knative pod specs fail the PodSpec schema."""
    doc = gpu_service()
    del container(doc)["name"]
    del container(doc)["readinessProbe"]["httpGet"]["port"]
    validator = schema._validator("podspec-v1.json")
    assert validator is not None
    messages = sorted(e.message for e in validator.iter_errors(pod(doc)))
    assert "'name' is a required property" in messages
    assert "'port' is a required property" in messages
    assert any("'containerConcurrency', 'timeoutSeconds' were unexpected" in m for m in messages)


def test_service_without_pod_spec_is_rejected() -> None:
    doc = gpu_service()
    del doc["spec"]["template"]["spec"]
    errors = validate_manifest(doc)
    assert errors_with(errors, POD_TAG, "'containers' is a required property"), errors


# ---- documented gaps: these pass although Knative would reject them ---------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: pod(d).update({"containerConcurrency": -1}), id="negative-cc"),
        pytest.param(lambda d: pod(d).update({"timeoutSeconds": 100000}), id="huge-timeout"),
        pytest.param(lambda d: d["spec"]["traffic"][0].update({"percent": 90}), id="sum-90"),
        pytest.param(lambda d: pod(d).update({"containerConcurrency": None}), id="null-cc"),
        pytest.param(lambda d: pod(d).update({"nodeName": "gpu-1"}), id="non-knative-pod-field"),
        pytest.param(
            lambda d: d["spec"]["traffic"][0].update({"revisionName": "llama-00001"}),
            id="latestRevision-with-revisionName",
        ),
        pytest.param(
            lambda d: d["spec"]["template"]["metadata"]["annotations"].update(
                {"autoscaling.knative.dev/window": "forever"}
            ),
            id="bad-annotation-value",
        ),
    ],
)
def test_known_gaps_are_left_to_the_library_rules(
    mutate: Callable[[dict[str, Any]], None],
) -> None:
    """Ranges, sums, annotation values and Knative's pod-field subset are not schema facts.

    If one of these starts failing, a validator got stricter: update tests/support/README.md.
    """
    doc = gpu_service()
    mutate(doc)
    assert validate_manifest(doc) == []


# ---- assert_valid and the batch API ---------------------------------------------------------


def test_assert_valid_lists_every_error_of_every_manifest() -> None:
    service = gpu_service()
    _concurrency_as_string(service)
    _misspelled_resources(service)
    config_map = yaml.safe_load(CONFIG_MAP)
    config_map["dta"] = {}
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_valid([service, yaml.safe_load(DEPLOYMENT), config_map])
    message = str(failure.value)
    assert "serving.knative.dev/v1 Service llama:" in message
    assert "containerConcurrency: must be integer" in message
    assert "'resource' was unexpected" in message
    assert "v1 ConfigMap config-autoscaler:" in message
    assert "'dta' was unexpected" in message
    assert "Deployment router" not in message


def test_assert_valid_refuses_an_empty_batch() -> None:
    with pytest.raises(pytest.fail.Exception, match="no manifests"):
        assert_valid([])


def test_batch_keeps_order_with_several_knative_manifests() -> None:
    good, bad = gpu_service(), gpu_service()
    _percent_as_string(bad)
    route = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": {"name": "r"},
        "spec": {"traffic": [{"revisionName": "llama-00001", "percent": 100}]},
    }
    results = validate_manifests([good, yaml.safe_load(CONFIG_MAP), bad, route])
    assert results[0] == results[1] == results[3] == []
    assert results[2] == [f"{KNATIVE_TAG} spec.traffic[0].percent: must be integer"]


def test_node_script_reads_a_json_array_on_stdin() -> None:
    service = gpu_service()
    _percent_as_string(service)
    run = subprocess.run(
        ["node", str(REPO_ROOT / "scripts" / "validate-knative.mjs")],
        input=json.dumps([service, gpu_service()]),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert json.loads(run.stdout) == [["spec.traffic[0].percent: must be integer"], []]


def test_pinned_versions_are_the_installed_ones() -> None:
    package = json.loads((REPO_ROOT / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    pinned = package["devDependencies"]["@kubernetes-models/knative"]
    assert pinned == "2.4.4"  # 4.x rejects valid services; see tests/support/README.md
    assert lock["packages"]["node_modules/@kubernetes-models/knative"]["version"] == pinned
    assert schema._knative_tag() == f"@kubernetes-models/knative {pinned}"
    assert isinstance(schema._validator("configmap-v1.json"), jsonschema.Draft202012Validator)
