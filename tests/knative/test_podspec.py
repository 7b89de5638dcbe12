"""The revision pod spec against Knative's webhook rules (k8s_validation.go, fieldmask.go)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative import rules as kn
from kn_constructs.knative.podspec import check_revision_spec, required_features
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings

from .conftest import errors, minimal_spec, only

S = "spec.template.spec"
IMAGE = "registry.example.com/app:1"


def c(**fields: Any) -> dict[str, Any]:
    """A container with an image (and whatever else is given)."""
    return {"image": IMAGE, **fields}


def serving(**fields: Any) -> dict[str, Any]:
    """A serving container: image and port 8080."""
    return c(ports=[{"containerPort": 8080}], **fields)


def one(container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"containers": [container], **spec}


def features(**flags: str) -> ClusterSettings:
    """Settings with flags given as affinity="enabled" -> kubernetes.podspec-affinity."""
    mapping = {}
    for name, value in flags.items():
        flag = name.replace("_", "-")
        mapping[flag if flag in kn.FEATURE_DEFAULTS else f"kubernetes.podspec-{flag}"] = value
    return DEFAULT_SETTINGS.with_features(mapping)


def secret_volume(name: str = "v") -> dict[str, Any]:
    return {"name": name, "secret": {"secretName": "s"}}


def mount(name: str = "v", path: str = "/data", **extra: Any) -> dict[str, Any]:
    return {"name": name, "mountPath": path, **extra}


PVC_ON = features(persistent_volume_claim="enabled")
INIT_ON = features(init_containers="enabled")
PROBING_ON = features(**{"multi-container-probing": "enabled"})
D = DEFAULT_SETTINGS

# (id, spec, settings, code, path below spec.template.spec, message)
INVALID: list[tuple[str, dict[str, Any], ClusterSettings, str, str, str]] = [
    (
        "TestServiceValidation/invalid container concurrency",
        minimal_spec(containerConcurrency=-10),
        D,
        "KNATIVE-CONTAINER-CONCURRENCY",
        "containerConcurrency",
        "expected 0 <= -10 <= 1000",
    ),
    (
        "container concurrency over the max limit",
        minimal_spec(containerConcurrency=1001),
        D,
        "KNATIVE-CONTAINER-CONCURRENCY",
        "containerConcurrency",
        "expected 0 <= 1001 <= 1000",
    ),
    (
        "TestValidateContainerConcurrency/zero not allowed",
        minimal_spec(containerConcurrency=0),
        ClusterSettings(allow_container_concurrency_zero=False),
        "KNATIVE-CONTAINER-CONCURRENCY",
        "containerConcurrency",
        "expected 1 <= 0 <= 1000",
    ),
    (
        "container concurrency over a custom limit",
        minimal_spec(containerConcurrency=51),
        ClusterSettings(container_concurrency_max_limit=50),
        "KNATIVE-CONTAINER-CONCURRENCY",
        "containerConcurrency",
        "expected 0 <= 51 <= 50",
    ),
    (
        "TestServiceSubresourceUpdate/non-status sub resource update with invalid revision template",
        minimal_spec(timeoutSeconds=601),
        D,
        "KNATIVE-TIMEOUT",
        "timeoutSeconds",
        "expected 0 <= 601 <= 600",
    ),
    (
        "negative timeout",
        minimal_spec(timeoutSeconds=-1),
        D,
        "KNATIVE-TIMEOUT",
        "timeoutSeconds",
        "expected 0 <= -1 <= 600",
    ),
    (
        "timeout over a raised max",
        minimal_spec(timeoutSeconds=901),
        ClusterSettings(max_revision_timeout_seconds=900),
        "KNATIVE-TIMEOUT",
        "timeoutSeconds",
        "expected 0 <= 901 <= 900",
    ),
    ("no containers", {}, D, "KNATIVE-CONTAINERS", "containers", "missing field(s)"),
    (
        "empty containers",
        {"containers": []},
        D,
        "KNATIVE-CONTAINERS",
        "containers",
        "missing field(s)",
    ),
    (
        "two containers, no port",
        {"containers": [c(name="a"), c(name="b")]},
        D,
        "KNATIVE-CONTAINERS",
        "containers[*].ports",
        "missing field(s)",
    ),
    (
        "two ports on one container",
        one(c(ports=[{"containerPort": 8080}, {"containerPort": 8081}])),
        D,
        "KNATIVE-CONTAINERS",
        "containers[*].ports",
        "more than one container port is set",
    ),
    (
        "ports on two containers",
        {"containers": [serving(name="a"), c(name="b", ports=[{"containerPort": 9000}])]},
        D,
        "KNATIVE-CONTAINERS",
        "containers[*].ports",
        "more than one container port is set",
    ),
    (
        "multi-container off",
        {"containers": [serving(name="a"), c(name="b")]},
        features(**{"multi-container": "disabled"}),
        "KNATIVE-FEATURE-FLAG",
        "containers",
        "multi-container is off, but found 2 containers",
    ),
    (
        "multi-container allowed is not enough",
        {"containers": [serving(name="a"), c(name="b")]},
        features(**{"multi-container": "allowed"}),
        "KNATIVE-FEATURE-FLAG",
        "containers",
        "multi-container is off, but found 2 containers",
    ),
    (
        "TestContainerValidation/reserved port",
        one(c(ports=[{"containerPort": 8012}])),
        D,
        "KNATIVE-RESERVED",
        "containers[0].ports[0].containerPort",
        "invalid value: 8012 is a reserved port",
    ),
    (
        "TestContainerValidation/port name not allowed",
        one(c(ports=[{"containerPort": 8080, "name": "foobar"}])),
        D,
        "KNATIVE-CONTAINERS",
        "containers[0].ports[0].name",
        "Port name foobar is not allowed",
    ),
    (
        "UDP port",
        one(c(ports=[{"containerPort": 8080, "protocol": "UDP"}])),
        D,
        "KNATIVE-CONTAINERS",
        "containers[0].ports[0].protocol",
        "invalid value: UDP",
    ),
    (
        "host port",
        one(c(ports=[{"containerPort": 8080, "hostPort": 80}])),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].ports[0].hostPort",
        "must not set the field(s)",
    ),
    (
        "port out of range",
        one(c(ports=[{"containerPort": 70000}])),
        D,
        "KNATIVE-CONTAINERS",
        "containers[0].ports[0].containerPort",
        "expected 0 <= 70000 <= 65535",
    ),
    (
        "reserved env var PORT",
        one(serving(env=[{"name": "PORT", "value": "1"}])),
        D,
        "KNATIVE-RESERVED",
        "containers[0].env[0].name",
        '"PORT" is a reserved environment variable',
    ),
    (
        "reserved env var K_SERVICE in a sidecar",
        {"containers": [serving(name="a"), c(name="b", env=[{"name": "K_SERVICE", "value": "x"}])]},
        D,
        "KNATIVE-RESERVED",
        "containers[1].env[0].name",
        '"K_SERVICE" is a reserved environment variable',
    ),
    (
        "env without name",
        one(serving(env=[{"value": "1"}])),
        D,
        "KNATIVE-FIELD-VALUE",
        "containers[0].env[0].name",
        "missing field(s)",
    ),
    (
        "fieldRef without its flag",
        one(serving(env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}])),
        D,
        "KNATIVE-FEATURE-FLAG",
        "containers[0].env[0].valueFrom.fieldRef",
        "must not set the field(s)",
    ),
    (
        "envFrom with both refs",
        one(serving(envFrom=[{"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}])),
        D,
        "KNATIVE-FIELD-VALUE",
        "containers[0].envFrom[0]",
        "expected exactly one, got both: configMapRef, secretRef",
    ),
    (
        "reserved container name",
        one(serving(name="queue-proxy")),
        D,
        "KNATIVE-RESERVED",
        "containers[0].name",
        '"queue-proxy" is a reserved container name',
    ),
    (
        "lifecycle",
        one(serving(lifecycle={"preStop": {"exec": {"command": ["sleep", "5"]}}})),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].lifecycle",
        "must not set the field(s)",
    ),
    (
        "stdin",
        one(serving(stdin=True)),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].stdin",
        "must not set the field(s)",
    ),
    (
        "volumeDevices",
        one(serving(volumeDevices=[{"name": "d", "devicePath": "/dev/x"}])),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].volumeDevices",
        "must not set the field(s)",
    ),
    (
        "TestPodSpecValidation/extra field",
        minimal_spec(terminationGracePeriodSeconds=30),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "terminationGracePeriodSeconds",
        "must not set the field(s)",
    ),
    (
        "automountServiceAccountToken true",
        minimal_spec(automountServiceAccountToken=True),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "automountServiceAccountToken",
        "must not set the field(s)",
    ),
    (
        "nodeName",
        minimal_spec(nodeName="gpu-1"),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "nodeName",
        "must not set the field(s)",
    ),
    (
        "priority 0 is still set (pointer)",
        minimal_spec(priority=0),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "priority",
        "must not set the field(s)",
    ),
    (
        "resource claims",
        one(serving(resources={"claims": [{"name": "gpu"}]})),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].resources.claims",
        "must not set the field(s)",
    ),
    (
        "bad quantity",
        one(serving(resources={"limits": {"memory": "32 Gi"}})),
        D,
        "KNATIVE-SCHEMA",
        "containers[0].resources.limits.memory",
        "expected a Kubernetes quantity, got string",
    ),
    (
        "no image",
        one({"ports": [{"containerPort": 8080}]}),
        D,
        "KNATIVE-CONTAINERS",
        "containers[0].image",
        "missing field(s)",
    ),
    (
        "termination message policy",
        one(serving(terminationMessagePolicy="Sometimes")),
        D,
        "KNATIVE-FIELD-VALUE",
        "containers[0].terminationMessagePolicy",
        "invalid value: Sometimes",
    ),
    (
        "privileged",
        one(serving(securityContext={"privileged": True})),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].securityContext.privileged",
        "must not set the field(s)",
    ),
    (
        "seLinuxOptions",
        one(serving(securityContext={"seLinuxOptions": {"level": "s0"}})),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].securityContext.seLinuxOptions",
        "must not set the field(s)",
    ),
    (
        "capabilities.add without its flag",
        one(serving(securityContext={"capabilities": {"add": ["NET_ADMIN"]}})),
        D,
        "KNATIVE-FEATURE-FLAG",
        "containers[0].securityContext.capabilities.add",
        "must not set the field(s)",
    ),
    (
        "runAsUser negative",
        one(serving(securityContext={"runAsUser": -1})),
        D,
        "KNATIVE-FIELD-VALUE",
        "containers[0].securityContext.runAsUser",
        "expected 0 <= -1 <= 2147483647",
    ),
    (
        "probe without handler",
        one(serving(livenessProbe={"periodSeconds": 5})),
        D,
        "KNATIVE-PROBE",
        "containers[0].livenessProbe",
        "expected exactly one, got neither: exec, grpc, httpGet, tcpSocket",
    ),
    (
        "probe with two handlers",
        one(serving(livenessProbe={"httpGet": {"port": 8080}, "tcpSocket": {"port": 8080}})),
        D,
        "KNATIVE-PROBE",
        "containers[0].livenessProbe",
        "expected exactly one, got both: httpGet, tcpSocket",
    ),
    (
        "TestContainerValidation/probe port must match container port",
        one(serving(livenessProbe={"tcpSocket": {"port": "imap"}})),
        D,
        "KNATIVE-PROBE",
        "containers[0].livenessProbe.tcpSocket.port",
        "invalid value: imap",
    ),
    (
        "named port http on an http1 port",
        one(
            c(
                ports=[{"containerPort": 8080, "name": "http1"}],
                readinessProbe={"httpGet": {"port": "http"}},
            )
        ),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.httpGet.port",
        "invalid value: http",
    ),
    (
        "readiness failureThreshold with periodSeconds 0",
        one(serving(readinessProbe={"httpGet": {"path": "/"}, "failureThreshold": 3})),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.failureThreshold",
        "failureThreshold is disallowed when periodSeconds is zero",
    ),
    (
        "readiness timeoutSeconds with periodSeconds 0",
        one(serving(readinessProbe={"tcpSocket": {}, "timeoutSeconds": 1, "periodSeconds": 0})),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.timeoutSeconds",
        "timeoutSeconds is disallowed when periodSeconds is zero",
    ),
    (
        "readiness negative period",
        one(serving(readinessProbe={"tcpSocket": {}, "periodSeconds": -1})),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.periodSeconds",
        "expected 0 <= -1 <= 2147483647",
    ),
    (
        "readiness negative successThreshold",
        one(serving(readinessProbe={"tcpSocket": {}, "successThreshold": -1})),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.successThreshold",
        "expected 1 <= -1 <= 2147483647",
    ),
    (
        "readiness negative failureThreshold",
        one(serving(readinessProbe={"tcpSocket": {}, "periodSeconds": 5, "failureThreshold": -2})),
        D,
        "KNATIVE-PROBE",
        "containers[0].readinessProbe.failureThreshold",
        "expected 1 <= -2 <= 2147483647",
    ),
    (
        "probe field outside the mask",
        one(serving(livenessProbe={"tcpSocket": {}, "foo": 1})),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "containers[0].livenessProbe.foo",
        "must not set the field(s)",
    ),
    (
        "sidecar probe without multi-container-probing",
        {
            "containers": [
                serving(name="a"),
                c(name="b", livenessProbe={"tcpSocket": {"port": 9000}}),
            ]
        },
        D,
        "KNATIVE-FEATURE-FLAG",
        "containers[1].livenessProbe",
        "must not set the field(s)",
    ),
    (
        "sidecar probe without a port",
        {"containers": [serving(name="a"), c(name="b", readinessProbe={"httpGet": {"path": "/"}})]},
        PROBING_ON,
        "KNATIVE-PROBE",
        "containers[1].readinessProbe.httpGet.port",
        "invalid value: 0",
    ),
    (
        "sidecar readiness probe without handler is not defaulted",
        {"containers": [serving(name="a"), c(name="b", readinessProbe={"periodSeconds": 5})]},
        PROBING_ON,
        "KNATIVE-PROBE",
        "containers[1].readinessProbe",
        "expected exactly one, got neither: exec, grpc, httpGet, tcpSocket",
    ),
    (
        "init containers off",
        minimal_spec(initContainers=[c(name="init")]),
        D,
        "KNATIVE-FEATURE-FLAG",
        "initContainers",
        "pod spec support for init-containers is off, but found 1 init containers",
    ),
    (
        "init containers allowed is not enough",
        minimal_spec(initContainers=[c(name="init")]),
        features(init_containers="allowed"),
        "KNATIVE-FEATURE-FLAG",
        "initContainers",
        "pod spec support for init-containers is off, but found 1 init containers",
    ),
    (
        "init container with a probe",
        minimal_spec(initContainers=[c(name="init", readinessProbe={"tcpSocket": {"port": 1}})]),
        INIT_ON,
        "KNATIVE-PROBE",
        "initContainers[0].readinessProbe",
        "field not allowed in an init container",
    ),
    (
        "init container with lifecycle",
        minimal_spec(initContainers=[c(name="init", lifecycle={"postStart": {}})]),
        INIT_ON,
        "KNATIVE-FORBIDDEN-FIELD",
        "initContainers[0].lifecycle",
        "field not allowed in an init container",
    ),
    (
        "init container named like a container",
        {"containers": [serving(name="app")], "initContainers": [c(name="app")]},
        INIT_ON,
        "KNATIVE-CONTAINERS",
        "initContainers[0].name",
        'duplicate container name "app"',
    ),
    (
        "duplicate container names",
        {"containers": [serving(name="app"), c(name="app")]},
        D,
        "KNATIVE-CONTAINERS",
        "containers[1].name",
        'duplicate container name "app"',
    ),
    (
        "volume not mounted",
        minimal_spec(volumes=[secret_volume()]),
        D,
        "KNATIVE-VOLUME",
        "volumes[0].name",
        'volume with name "v" not mounted',
    ),
    (
        "duplicate volume name",
        one(serving(volumeMounts=[mount()]), volumes=[secret_volume(), secret_volume()]),
        D,
        "KNATIVE-VOLUME",
        "volumes[1].name",
        'duplicate volume name "v"',
    ),
    (
        "mount without a volume",
        one(serving(volumeMounts=[mount()])),
        D,
        "KNATIVE-VOLUME",
        "containers[0].volumeMounts[0].name",
        "volumeMount has no matching volume",
    ),
    (
        "reserved mount path",
        one(serving(volumeMounts=[mount(path="/dev/")]), volumes=[secret_volume()]),
        D,
        "KNATIVE-RESERVED",
        "containers[0].volumeMounts[0].mountPath",
        'mountPath "/dev" is a reserved path',
    ),
    (
        "relative mount path",
        one(serving(volumeMounts=[mount(path="data")]), volumes=[secret_volume()]),
        D,
        "KNATIVE-VOLUME",
        "containers[0].volumeMounts[0].mountPath",
        "invalid value: data",
    ),
    (
        "mount path twice",
        one(
            serving(volumeMounts=[mount(), mount(name="w", path="/data/")]),
            volumes=[secret_volume(), secret_volume("w")],
        ),
        D,
        "KNATIVE-VOLUME",
        "containers[0].volumeMounts[1].mountPath",
        'invalid value: "/data/" must be unique',
    ),
    (
        "volume without a source",
        one(serving(volumeMounts=[mount()]), volumes=[{"name": "v"}]),
        D,
        "KNATIVE-VOLUME",
        "volumes[0]",
        "expected exactly one, got neither: configMap, emptyDir, projected, secret",
    ),
    (
        "volume with two sources",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "secret": {"secretName": "s"}, "configMap": {"name": "c"}}],
        ),
        D,
        "KNATIVE-VOLUME",
        "volumes[0]",
        "expected exactly one, got both: configMap, secret",
    ),
    (
        "nfs volume",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "secret": {"secretName": "s"}, "nfs": {"server": "x", "path": "/"}}],
        ),
        D,
        "KNATIVE-FORBIDDEN-FIELD",
        "volumes[0].nfs",
        "must not set the field(s)",
    ),
    (
        "PVC allowed is not enough",
        one(
            serving(volumeMounts=[mount(readOnly=True)]),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "weights", "readOnly": True}}],
        ),
        features(persistent_volume_claim="allowed"),
        "KNATIVE-FEATURE-FLAG",
        "volumes[0].persistentVolumeClaim",
        "Persistent volume claim support is disabled, but found persistent volume claim weights",
    ),
    (
        "TestVolumeValidation/PVC write needs its flag",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "weights"}}],
        ),
        PVC_ON,
        "KNATIVE-FEATURE-FLAG",
        "volumes[0].persistentVolumeClaim",
        "Persistent volume write support is disabled, but found persistent volume claim weights "
        "that is not read-only",
    ),
    (
        "read-only PVC with a writable mount",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "weights", "readOnly": True}}],
        ),
        PVC_ON,
        "KNATIVE-VOLUME",
        "containers[0].volumeMounts[0].readOnly",
        "volume is readOnly but volume mount is not",
    ),
    (
        "emptyDir disabled",
        one(serving(volumeMounts=[mount("cache")]), volumes=[{"name": "cache", "emptyDir": {}}]),
        features(volumes_emptydir="disabled"),
        "KNATIVE-FEATURE-FLAG",
        "volumes[0].emptyDir",
        "EmptyDir volume support is disabled, but found EmptyDir volume cache",
    ),
    (
        "hostPath disabled",
        one(
            serving(volumeMounts=[mount("host")]),
            volumes=[{"name": "host", "hostPath": {"path": "/x"}}],
        ),
        D,
        "KNATIVE-FEATURE-FLAG",
        "volumes[0].hostPath",
        "HostPath volume support is disabled, but found HostPath volume host",
    ),
    (
        "mount propagation disabled",
        one(
            serving(volumeMounts=[mount(mountPropagation="HostToContainer")]),
            volumes=[secret_volume()],
        ),
        D,
        "KNATIVE-FEATURE-FLAG",
        "containers[0].volumeMounts[0].mountPropagation",
        "Volume Mount Propagation support is disabled, but found volume mount v with mount propagation",
    ),
    (
        "secret item without key",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "secret": {"secretName": "s", "items": [{"path": "p"}]}}],
        ),
        D,
        "KNATIVE-VOLUME",
        "volumes[0].secret.items[0].key",
        "missing field(s)",
    ),
    (
        "projected source without a kind",
        one(serving(volumeMounts=[mount()]), volumes=[{"name": "v", "projected": {"sources": [{}]}}]),
        D,
        "KNATIVE-VOLUME",
        "volumes[0].projected.sources[0]",
        "expected exactly one, got neither: configMap, downwardAPI, secret, serviceAccountToken",
    ),
    (
        "bad volume name",
        one(serving(volumeMounts=[mount("Bad_Name")]), volumes=[secret_volume("Bad_Name")]),
        D,
        "KNATIVE-VOLUME",
        "volumes[0].name",
        "invalid value: Bad_Name",
    ),
    (
        "emptyDir medium",
        one(
            serving(volumeMounts=[mount("c")]),
            volumes=[{"name": "c", "emptyDir": {"medium": "Disk"}}],
        ),
        D,
        "KNATIVE-FIELD-VALUE",
        "volumes[0].emptyDir.medium",
        "invalid value: Disk",
    ),
    (
        "service account name",
        minimal_spec(serviceAccountName="Bad_Name"),
        D,
        "KNATIVE-FIELD-VALUE",
        "serviceAccountName",
        "invalid value: Bad_Name",
    ),
    (
        "unknown pod field",
        minimal_spec(contianers=[]),
        D,
        "KNATIVE-SCHEMA",
        "contianers",
        "unknown field 'contianers'",
    ),
    (
        "containerConcurrency as a string",
        minimal_spec(containerConcurrency="8"),
        D,
        "KNATIVE-SCHEMA",
        "containerConcurrency",
        "expected integer, got string",
    ),
]


@pytest.mark.parametrize(
    ("spec", "settings", "code", "path", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID],
)
def test_invalid(spec: dict[str, Any], settings: ClusterSettings, code: str, path: str, message: str) -> None:
    problem = only(check_revision_spec(spec, settings=settings))
    assert (problem.code, problem.path, problem.message) == (code, f"{S}.{path}", message)
    assert problem.hint, "every problem says how to fix it"


GATED = [(field, flag) for field, flag in kn.GATED_POD_FIELDS.items() if field != "initContainers"]
GATED_VALUES: dict[str, object] = {
    "affinity": {"nodeAffinity": {}},
    "topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}
    ],
    "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["x"]}],
    "nodeSelector": {"gpu": "a40"},
    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    "runtimeClassName": "nvidia",
    "priorityClassName": "high",
    "schedulerName": "volcano",
    "securityContext": {"runAsNonRoot": True},
    "shareProcessNamespace": True,
    "dnsPolicy": "None",
    "dnsConfig": {"nameservers": ["1.1.1.1"]},
    "hostIPC": True,
    "hostPID": True,
    "hostNetwork": True,
}


@pytest.mark.parametrize(("field", "flag"), GATED, ids=[f for f, _ in GATED])
def test_gated_pod_fields_need_their_flag(field: str, flag: str) -> None:
    spec = minimal_spec(**{field: GATED_VALUES[field]})
    problem = only(check_revision_spec(spec))
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-FEATURE-FLAG",
        f"{S}.{field}",
        "must not set the field(s)",
    )
    assert flag in (problem.hint or "")
    for value in ("enabled", "allowed"):
        assert check_revision_spec(spec, settings=DEFAULT_SETTINGS.with_features({flag: value})) == []


def test_pod_security_context_fields_when_enabled() -> None:
    settings = features(securitycontext="enabled")
    spec = minimal_spec(securityContext={"runAsUser": -1, "sysctls": [{"name": "x", "value": "1"}]})
    problems = check_revision_spec(spec, settings=settings)
    assert [(p.code, p.path) for p in problems] == [
        ("KNATIVE-FORBIDDEN-FIELD", f"{S}.securityContext.sysctls"),
        ("KNATIVE-FIELD-VALUE", f"{S}.securityContext.runAsUser"),
    ]


VALID: list[tuple[str, dict[str, Any], ClusterSettings]] = [
    ("minimal", minimal_spec(), D),
    ("no port on a single container", one(c()), D),
    ("timeout 0 means the default", minimal_spec(timeoutSeconds=0, containerConcurrency=0), D),
    ("timeout at the max", minimal_spec(timeoutSeconds=600, containerConcurrency=1000), D),
    (
        "PORT env var in a sidecar",
        {"containers": [serving(name="a"), c(name="b", env=[{"name": "PORT", "value": "9"}])]},
        D,
    ),
    (
        "readiness probe with Knative's aggressive probing",
        one(serving(readinessProbe={"tcpSocket": {}})),
        D,
    ),
    (
        "unnamed containers get distinct default names",
        {"containers": [serving(name=""), c(name="")], "initContainers": [c(name="")]},
        INIT_ON,
    ),
    (
        "serving readiness probe without handler gets tcpSocket (applyProbes)",
        one(serving(readinessProbe={"periodSeconds": 5})),
        D,
    ),
    (
        "readiness thresholds defaulted once periodSeconds is set",
        one(serving(readinessProbe={"httpGet": {"path": "/"}, "periodSeconds": 5, "successThreshold": 0})),
        D,
    ),
    (
        "named port http on an unnamed port",
        one(serving(livenessProbe={"httpGet": {"port": "http"}})),
        D,
    ),
    (
        "named port h2c",
        one(
            c(
                ports=[{"containerPort": 8080, "name": "h2c"}],
                readinessProbe={"tcpSocket": {"port": "h2c"}},
            )
        ),
        D,
    ),
    (
        "exec and grpc probes",
        one(
            serving(
                livenessProbe={"exec": {"command": ["true"]}},
                readinessProbe={"grpc": {"port": 8080}},
            )
        ),
        D,
    ),
    ("automountServiceAccountToken false", minimal_spec(automountServiceAccountToken=False), D),
    ("zero values of gated booleans are unset", minimal_spec(hostNetwork=False, dnsPolicy=""), D),
    (
        "fieldRef with the flag allowed",
        one(serving(env=[{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}])),
        features(fieldref="allowed"),
    ),
    (
        "capabilities.drop needs no flag",
        one(serving(securityContext={"capabilities": {"drop": ["ALL"]}})),
        D,
    ),
    (
        "capabilities.add with the flag allowed (mask is != Disabled)",
        one(serving(securityContext={"capabilities": {"add": ["NET_BIND_SERVICE"]}})),
        features(**{"kubernetes.containerspec-addcapabilities": "allowed"}),
    ),
    (
        "secret volume mount without readOnly (defaulting sets it)",
        one(serving(volumeMounts=[mount()]), volumes=[secret_volume()]),
        D,
    ),
    (
        "emptyDir is enabled by default",
        one(
            serving(volumeMounts=[mount("c")]),
            volumes=[{"name": "c", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}],
        ),
        D,
    ),
    (
        "TestPodSpecValidation/PVC read-only, write disabled by default",
        one(
            serving(volumeMounts=[mount(readOnly=True)]),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "w", "readOnly": True}}],
        ),
        PVC_ON,
    ),
    (
        "TestPodSpecValidation/PVC not read-only, write enabled",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "w"}}],
        ),
        features(persistent_volume_claim="enabled", persistent_volume_write="enabled"),
    ),
    (
        "init container with PORT",
        minimal_spec(initContainers=[c(name="init", env=[{"name": "PORT", "value": "1"}])]),
        INIT_ON,
    ),
    (
        "volume mounted only by an init container",
        one(
            serving(),
            volumes=[secret_volume()],
            initContainers=[c(name="init", volumeMounts=[mount()])],
        ),
        INIT_ON,
    ),
    (
        "sidecar probes with multi-container-probing",
        {
            "containers": [
                serving(name="a"),
                c(name="b", livenessProbe={"tcpSocket": {"port": 9000}}),
            ]
        },
        PROBING_ON,
    ),
    (
        "sidecar startup probe",
        {"containers": [serving(name="a"), c(name="b", startupProbe={"exec": {"command": ["x"]}})]},
        D,
    ),
    (
        "projected volume with every source kind",
        one(
            serving(volumeMounts=[mount()]),
            volumes=[
                {
                    "name": "v",
                    "projected": {
                        "sources": [
                            {"secret": {"name": "s"}},
                            {"configMap": {"name": "c"}},
                            {"serviceAccountToken": {"path": "token", "audience": "x"}},
                            {
                                "downwardAPI": {
                                    "items": [
                                        {
                                            "path": "labels",
                                            "fieldRef": {"fieldPath": "metadata.labels"},
                                        }
                                    ]
                                }
                            },
                        ]
                    },
                }
            ],
        ),
        D,
    ),
    (
        "response and idle timeouts are not validated",
        minimal_spec(responseStartTimeoutSeconds=9999, idleTimeoutSeconds=9999),
        D,
    ),
    (
        "GPU resources",
        one(
            serving(
                resources={
                    "limits": {"nvidia.com/gpu": 1, "memory": "32Gi"},
                    "requests": {"cpu": "500m"},
                }
            )
        ),
        D,
    ),
]


@pytest.mark.parametrize(("spec", "settings"), [pytest.param(*case[1:], id=case[0]) for case in VALID])
def test_valid(spec: dict[str, Any], settings: ClusterSettings) -> None:
    assert check_revision_spec(spec, settings=settings) == []


def test_gpu_spec(gpu_spec: dict[str, Any]) -> None:
    assert check_revision_spec(gpu_spec, settings=features(affinity="enabled")) == []
    problem = only(check_revision_spec(gpu_spec))
    assert (problem.code, problem.path) == ("KNATIVE-FEATURE-FLAG", f"{S}.affinity")


def test_pvc_with_default_flags_gives_both_pvc_problems() -> None:
    spec = one(
        serving(volumeMounts=[mount()]),
        volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "w"}}],
    )
    problems = check_revision_spec(spec)
    assert [p.message for p in problems] == [
        "Persistent volume claim support is disabled, but found persistent volume claim w",
        "Persistent volume write support is disabled, but found persistent volume claim w "
        "that is not read-only",
    ]
    assert {p.code for p in problems} == {"KNATIVE-FEATURE-FLAG"}


def test_custom_liveness_port_warns() -> None:
    spec = one(serving(livenessProbe={"httpGet": {"port": 9000}}))
    problem = only(check_revision_spec(spec), severity="warning")
    assert problem.code == "KNATIVE-PROBE"
    assert problem.message == "liveness probe port 9000 is replaced by the serving port 8080 at deploy time"
    assert errors(check_revision_spec(spec)) == []
    assert check_revision_spec(spec, settings=PROBING_ON) == []


def test_startup_probe_without_port_warns() -> None:
    spec = one(serving(startupProbe={"httpGet": {"path": "/ready"}, "failureThreshold": 60}))
    problem = only(check_revision_spec(spec), severity="warning")
    assert problem.path == f"{S}.containers[0].startupProbe.httpGet.port"
    assert "reconcile time" in (problem.hint or "")


def test_everything_at_once() -> None:
    spec = {
        "containerConcurrency": -1,
        "timeoutSeconds": 700,
        "terminationGracePeriodSeconds": 30,
        "affinity": {"nodeAffinity": {}},
        "containers": [
            {
                "name": "queue-proxy",
                "ports": [{"containerPort": 8012, "name": "grpc"}],
                "env": [{"name": "PORT", "value": "1"}],
                "lifecycle": {"preStop": {}},
            }
        ],
    }
    codes = sorted(p.code for p in check_revision_spec(spec, path="x"))
    assert codes == sorted(
        [
            "KNATIVE-CONTAINER-CONCURRENCY",
            "KNATIVE-TIMEOUT",
            "KNATIVE-FORBIDDEN-FIELD",
            "KNATIVE-FEATURE-FLAG",
            "KNATIVE-RESERVED",
            "KNATIVE-CONTAINERS",
            "KNATIVE-RESERVED",
            "KNATIVE-RESERVED",
            "KNATIVE-FORBIDDEN-FIELD",
            "KNATIVE-CONTAINERS",
        ]
    )


def test_not_a_mapping() -> None:
    problem = only(check_revision_spec([]))  # type: ignore[arg-type]
    assert (problem.code, problem.path) == ("KNATIVE-SCHEMA", S)


@given(st.integers(min_value=-5000, max_value=5000))
def test_container_concurrency_range(value: int) -> None:
    problems = check_revision_spec(minimal_spec(containerConcurrency=value))
    assert bool(problems) == (not 0 <= value <= 1000)


@given(st.integers(min_value=-5000, max_value=5000))
def test_timeout_range(value: int) -> None:
    problems = check_revision_spec(minimal_spec(timeoutSeconds=value))
    assert bool(problems) == (not 0 <= value <= 600)


# --------------------------------------------------------------------------- required_features

PVC_VOLUME = {"name": "v", "persistentVolumeClaim": {"claimName": "w"}}


@pytest.mark.parametrize(
    ("spec", "flags"),
    [
        pytest.param(minimal_spec(), set(), id="minimal"),
        pytest.param(minimal_spec(affinity={"nodeAffinity": {}}), {kn.FLAG_AFFINITY}, id="affinity"),
        pytest.param(
            minimal_spec(nodeSelector={"a": "b"}, tolerations=[{"key": "k"}]),
            {kn.FLAG_NODE_SELECTOR, kn.FLAG_TOLERATIONS},
            id="placement",
        ),
        pytest.param(minimal_spec(volumes=[PVC_VOLUME]), {kn.FLAG_PVC, kn.FLAG_PVC_WRITE}, id="writable PVC"),
        pytest.param(
            minimal_spec(
                volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "w", "readOnly": True}}]
            ),
            {kn.FLAG_PVC},
            id="read-only PVC",
        ),
        pytest.param(minimal_spec(initContainers=[c()]), {kn.FLAG_INIT_CONTAINERS}, id="init containers"),
        pytest.param(
            {"containers": [serving(), c(readinessProbe={"tcpSocket": {"port": 1}})]},
            {kn.FLAG_MULTI_CONTAINER, kn.FLAG_MULTI_CONTAINER_PROBING},
            id="sidecar probe",
        ),
        pytest.param(
            one(serving(env=[{"name": "N", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}])),
            {kn.FLAG_FIELDREF},
            id="resourceFieldRef",
        ),
        pytest.param(
            minimal_spec(volumes=[{"name": "c", "emptyDir": {}}]),
            {kn.FLAG_VOLUMES_EMPTYDIR},
            id="emptyDir",
        ),
        pytest.param(
            one(serving(securityContext={"capabilities": {"add": ["X"]}})),
            {kn.FLAG_ADD_CAPABILITIES},
            id="capabilities",
        ),
        pytest.param(minimal_spec(hostNetwork=False), set(), id="zero value needs nothing"),
    ],
)
def test_required_features(spec: dict[str, Any], flags: set[str]) -> None:
    assert required_features(spec) == flags


def test_required_features_of_the_gpu_service(gpu_spec: dict[str, Any]) -> None:
    assert required_features(gpu_spec) == {"kubernetes.podspec-affinity"}


@pytest.mark.parametrize(
    "spec",
    [
        minimal_spec(volumes=[PVC_VOLUME]),
        minimal_spec(initContainers=[c(name="i")], nodeSelector={"a": "b"}),
        {"containers": [serving(name="a"), c(name="b", readinessProbe={"tcpSocket": {"port": 1}})]},
    ],
)
def test_enabling_the_required_features_removes_the_flag_problems(spec: dict[str, Any]) -> None:
    settings = DEFAULT_SETTINGS.with_features(dict.fromkeys(required_features(spec), "enabled"))
    assert not [p for p in check_revision_spec(spec, settings=settings) if p.code == "KNATIVE-FEATURE-FLAG"]
