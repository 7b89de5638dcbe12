"""The model router's ConfigMap, Deployment and Service as plain dicts, with no cdk8s import.

:class:`~kn_constructs.router_construct.ModelRouter` renders these dicts (one ``ApiObject``
each); :func:`router_manifests` returns them without any construct tree, for tools and
for the Node-free synthesis. The dicts are exactly what the earlier cdk8s-plus-27 (2.9.5)
version of the construct synthesized: the same keys, values and key order (each mapping
sorted as cdk8s' ``ApiObject.toJson`` sorts it), so the YAML is byte-identical. The
cdk8s-plus defaults that the router relied on are written out here, each from the
function that produced it (``cdk8s-team/cdk8s-plus``, tag ``cdk8s-plus-27/v2.9.5``):

* ``src/deployment.ts`` ``Deployment`` constructor and ``_toKube``: ``minReadySeconds: 0``,
  ``progressDeadlineSeconds: 600``; ``DeploymentStrategy.rollingUpdate``: ``RollingUpdate``
  with ``maxSurge``/``maxUnavailable`` ``25%``;
* ``src/pod.ts`` ``AbstractPod`` constructor and ``_toPodSpec``: ``restartPolicy: Always``,
  ``hostNetwork: false``, ``dnsPolicy: ClusterFirst`` and ``setHostnameAsFQDN: false``
  (``PodDns``), volumes in the order the container mounts them; ``PodSecurityContext._toKube``:
  ``fsGroupChangePolicy: Always``, ``runAsNonRoot``, ``runAsUser``/``runAsGroup``;
* ``src/workload.ts`` ``Workload`` constructor and ``podMetadata``: the pod template label
  ``cdk8s.io/metadata.addr`` = ``Names.toLabelValue(<the Deployment construct>)``
  (:func:`pod_address_label`), set before the router's own labels;
* ``src/container.ts`` ``Container._toKube``: ports, mounts (``name``, ``mountPath``,
  ``readOnly``, ``subPath``), resources as ``<n>m`` / ``<n>`` CPU (``Cpu.millis``/``Cpu.units``)
  and ``<n>Mi`` memory; ``ContainerSecurityContext._toKube``: ``privileged: false``,
  ``allowPrivilegeEscalation: false``, ``readOnlyRootFilesystem``;
* ``src/probe.ts`` ``Probe._toKube`` and ``src/_action.ts`` ``Action.fromHttpGet``:
  ``httpGet`` with ``scheme: HTTP``; ``src/handler.ts`` ``Handler._toKube``: ``exec``;
* ``src/volume.ts`` ``Volume.fromConfigMap``/``fromEmptyDir``: ``configMap.name``,
  ``emptyDir.sizeLimit: <n>Mi``;
* ``src/service.ts`` ``Service._toKube``: ``externalIPs: []``, ``type: ClusterIP``;
* ``src/config-map.ts`` ``ConfigMap`` constructor: ``immutable: false``.

The two patches the cdk8s-plus version needed (``capabilities.drop: [ALL]`` and the
``RuntimeDefault`` seccomp profile) are ordinary fields here. The router's own integers
(replicas, CPU, memory, user, drain time, worker processes) are refused above 2**53 - 1: cdk8s
carries numbers as JavaScript doubles, so a larger one would come out changed.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from kn_constructs._boundary import check_arguments
from kn_constructs._names import construct_addr, to_label_value
from kn_constructs.errors import Problem, ValidationError, emit_warnings, raise_for_errors
from kn_constructs.images import unpinned_image_reason
from kn_constructs.knative.names import dns1035_problems
from kn_constructs.router import (
    CONFIGMAP_MAX_BYTES,
    DEFAULT_NJS_MODULE_PATH,
    DEFAULT_OPENAI_MAX_BODY_KIB,
    DEFAULT_PREFIX,
    DEFAULT_RESOLVER,
    RouterPlan,
    RouterRoute,
    RouterSettings,
    plan_router,
)

__all__ = [
    "ADDRESS_LABEL",
    "CLIENT_SIDE_APPLY_MAX_BYTES",
    "CONFIG_HASH_ANNOTATION",
    "CONFIG_PATH",
    "DEFAULT_ROUTER_IMAGE",
    "DEFAULT_RUN_AS_USER",
    "JS_MAX_SAFE_INTEGER",
    "ROUTER_RUNTIME_DIR",
    "RouterManifests",
    "RouterObjectsPlan",
    "RouterProps",
    "construct_addr",
    "file_hash_annotation",
    "plan_router_objects",
    "pod_address_label",
    "router_manifests",
]

#: Default image: NGINX built to run as user 101 on port 8080. Pin a digest in production
#: (``nginxinc/nginx-unprivileged:1.27-alpine@sha256:...``); without one KN-IMAGE-1 warns.
DEFAULT_ROUTER_IMAGE: Final = "nginxinc/nginx-unprivileged:1.27-alpine"
#: The user (and group) the default image is built for.
DEFAULT_RUN_AS_USER: Final = 101
#: Where the configuration is mounted; the container command names it explicitly. The
#: router's other files (:attr:`~kn_constructs.router.RouterPlan.files`) sit next to it.
CONFIG_PATH: Final = "/etc/nginx/nginx.conf"
#: The emptyDir for NGINX's pid and temp files (the root filesystem is read-only).
ROUTER_RUNTIME_DIR: Final = "/tmp"
#: Pod template annotation holding the SHA-256 of ``nginx.conf``: a change rolls the pods.
CONFIG_HASH_ANNOTATION: Final = "kn-constructs.io/nginx-conf-sha256"
#: Kubernetes' limit on all annotations of an object: client-side ``kubectl apply`` stores the
#: whole object in one (``last-applied-configuration``), so a bigger ConfigMap needs server-side apply.
CLIENT_SIDE_APPLY_MAX_BYTES: Final = 256 * 1024
#: The pod template label cdk8s-plus-27 puts on every workload's pods (``Pod.ADDRESS_LABEL``,
#: ``src/pod.ts``); kept so that the manifests do not change.
ADDRESS_LABEL: Final = "cdk8s.io/metadata.addr"
#: JavaScript's ``Number.MAX_SAFE_INTEGER``: the largest integer cdk8s renders unchanged.
JS_MAX_SAFE_INTEGER: Final = 2**53 - 1
#: Grace period when no route is longer: Kubernetes' own default.
_BASE_GRACE_SECONDS: Final = 30
#: Room for the ConfigMap's metadata within Kubernetes' 1 MiB object limit.
_CONFIGMAP_METADATA_ALLOWANCE: Final = 16 * 1024
#: Size of the emptyDir at :data:`ROUTER_RUNTIME_DIR`, MiB.
_RUNTIME_VOLUME_MEBIBYTES: Final = 64
_CONFIG_VOLUME: Final = "nginx-conf"
_RUNTIME_VOLUME: Final = "runtime"

_ARRAY_INDEX_MAX: Final = 2**32 - 2


# --------------------------------------------------------------------------- cdk8s names


def pod_address_label(path: str, addr: str) -> str:
    """``Names.toLabelValue`` of the construct at ``path`` (cdk8s-core 2.70, its defaults).

    The pods' ``cdk8s.io/metadata.addr`` label that cdk8s-plus put on a workload's pods
    (:mod:`kn_constructs._names`; ``CDK8S_LEGACY_HASH`` is read as cdk8s reads it).

    Args:
        path: The construct's ``node.path`` (``fleet/router/Deployment``).
        addr: The construct's ``node.addr`` (:func:`construct_addr`).
    """
    return to_label_value(path, addr)


# --------------------------------------------------------------------------- key order


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or key[0] != "0") and int(key) <= _ARRAY_INDEX_MAX


def _js_key(key: str) -> tuple[int, int, bytes]:
    # JavaScript's Array.prototype.sort compares UTF-16 code units; an object then lists its
    # array-index keys first, in numeric order.
    if _is_array_index(key):
        return (0, int(key), b"")
    return (1, 0, key.encode("utf-16-be", "surrogatepass"))


def _js_sorted(mapping: Mapping[str, str]) -> dict[str, str]:
    """``mapping`` in the key order cdk8s' ``sanitizeValue`` (``sortKeys``) gives it."""
    return {key: mapping[key] for key in sorted(mapping, key=_js_key)}


# --------------------------------------------------------------------------- planning


def file_hash_annotation(file_name: str) -> str:
    """The pod template annotation holding the SHA-256 of one router file.

    ``kn-constructs.io/<name with '.' as '-'>-sha256``: :data:`CONFIG_HASH_ANNOTATION` for
    ``nginx.conf``. A change to any file rolls the pods.
    """
    return f"kn-constructs.io/{file_name.replace('.', '-')}-sha256"


@dataclass(frozen=True)
class RouterManifests:
    """The router's three manifests, as cdk8s synthesizes them (key order included).

    Attributes:
        config_map: The ConfigMap holding every file of :attr:`RouterPlan.files`.
        deployment: The NGINX Deployment.
        service: The ClusterIP Service.
    """

    config_map: dict[str, Any]
    deployment: dict[str, Any]
    service: dict[str, Any]

    def documents(self) -> list[dict[str, Any]]:
        """The manifests in the order the construct writes them: ConfigMap, Deployment, Service."""
        return [self.config_map, self.deployment, self.service]


#: The props that become the NGINX configuration's :class:`~kn_constructs.router.RouterSettings`.
_SETTINGS_PROPS: Final = (
    "prefix",
    "listen_port",
    "health_path",
    "resolver",
    "worker_processes",
    "max_body_megabytes",
    "access_log",
    "openai",
    "openai_max_body_kib",
    "njs_module_path",
)


@dataclass(frozen=True)
class RouterProps:
    """A router's props, as ``ModelRouter`` and :func:`router_manifests` take them.

    Their types are checked by the caller, their values not yet. The two public calls keep
    their keyword arguments and defaults (what users read and type); :meth:`pick` takes these
    from either call's arguments by name, so they are listed once more here and nowhere else.
    The meaning of each is in ``ModelRouter``'s docstring.
    """

    name: str
    image: str
    replicas: int
    prefix: str
    listen_port: int
    health_path: str
    resolver: str
    worker_processes: int
    max_body_megabytes: int
    access_log: bool
    openai: bool
    openai_max_body_kib: int
    njs_module_path: str
    labels: Mapping[str, str] | None
    part_of: str | None
    service_port: int
    cpu_millis: int
    memory_mebibytes: int
    run_as_user: int
    drain_seconds: int

    @classmethod
    def pick(cls, arguments: Mapping[str, Any], *, name: str) -> RouterProps:
        """The props among a call's ``arguments`` (its ``locals()``), with the objects' ``name``."""
        return cls(name=name, **{f.name: arguments[f.name] for f in fields(cls) if f.name != "name"})

    def settings(self) -> RouterSettings:
        """The NGINX configuration's settings (pid and temp files under :data:`ROUTER_RUNTIME_DIR`)."""
        return RouterSettings(
            runtime_dir=ROUTER_RUNTIME_DIR, **{k: getattr(self, k) for k in _SETTINGS_PROPS}
        )


@dataclass(frozen=True)
class RouterObjectsPlan:
    """Everything checked and derived for one router, before any object exists.

    Attributes:
        plan: The ``nginx.conf`` plan (:func:`~kn_constructs.router.plan_router`).
        problems: Every problem (errors and warnings) of the routes, settings and objects.
        props: The router's props.
        labels: The labels of every object and the pods.
        selector: The labels the Deployment and the Service select on.
    """

    plan: RouterPlan
    problems: tuple[Problem, ...]
    props: RouterProps
    labels: dict[str, str]
    selector: dict[str, str]

    @property
    def name(self) -> str:
        """The objects' name."""
        return self.props.name

    @property
    def ok(self) -> bool:
        """Whether there is no error (warnings allowed)."""
        return all(p.severity != "error" for p in self.problems)

    @property
    def termination_grace_seconds(self) -> int:
        """The pod's grace period: the longest read timeout (at least 30 s) plus :attr:`drain_seconds`."""
        return (
            max([_BASE_GRACE_SECONDS, *(r.read_timeout_seconds for r in self.plan.routes)])
            + self.props.drain_seconds
        )

    def manifests(self, *, pod_address: str, namespace: str | None = None) -> RouterManifests:
        """The three manifests; only for a plan without errors.

        Args:
            pod_address: The value of the pods' ``cdk8s.io/metadata.addr`` label
                (:func:`pod_address_label` of the Deployment construct).
            namespace: ``metadata.namespace`` of every object; ``None`` leaves it out (the
                chart's namespace then applies, as cdk8s adds it).
        """
        if not self.ok:
            raise ValidationError(
                [p for p in self.problems if p.severity == "error"], subject="router manifests"
            )
        files = self.plan.files
        metadata: dict[str, Any] = {"labels": _js_sorted(self.labels), "name": self.name}
        if namespace is not None:
            metadata["namespace"] = namespace
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata,
            "data": _js_sorted(files),
            "immutable": False,
        }
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {**metadata, "labels": dict(metadata["labels"])},
            "spec": self._deployment_spec(files, pod_address),
        }
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {**metadata, "labels": dict(metadata["labels"])},
            "spec": {
                "externalIPs": [],
                "ports": [
                    {
                        "name": "http",
                        "port": self.props.service_port,
                        "targetPort": self.plan.settings.listen_port,
                    }
                ],
                "selector": _js_sorted(self.selector),
                "type": "ClusterIP",
            },
        }
        return RouterManifests(config_map=config_map, deployment=deployment, service=service)

    def _deployment_spec(self, files: Mapping[str, str], pod_address: str) -> dict[str, Any]:
        settings = self.plan.settings
        annotations = {
            file_hash_annotation(name): hashlib.sha256(text.encode()).hexdigest()
            for name, text in files.items()
        }
        config_dir = posixpath.dirname(CONFIG_PATH)
        mounts: list[dict[str, Any]] = [
            {
                "mountPath": posixpath.join(config_dir, name),
                "name": _CONFIG_VOLUME,
                "readOnly": True,
                "subPath": name,
            }
            for name in files
        ]
        mounts.append({"mountPath": ROUTER_RUNTIME_DIR, "name": _RUNTIME_VOLUME})

        def probe(period: int, failures: int, timeout: int) -> dict[str, Any]:
            return {
                "failureThreshold": failures,
                "httpGet": {"path": settings.health_path, "port": settings.listen_port, "scheme": "HTTP"},
                "periodSeconds": period,
                "timeoutSeconds": timeout,
            }

        container: dict[str, Any] = {
            "command": ["nginx", "-e", "stderr", "-c", CONFIG_PATH, "-g", "daemon off;"],
            "image": self.props.image,
            "imagePullPolicy": "IfNotPresent",
        }
        if self.props.drain_seconds > 0:
            container["lifecycle"] = {
                "preStop": {"exec": {"command": ["sleep", str(self.props.drain_seconds)]}}
            }
        memory = f"{self.props.memory_mebibytes}Mi"
        container.update(
            {
                "livenessProbe": probe(10, 3, 2),
                "name": "nginx",
                "ports": [{"containerPort": settings.listen_port, "name": "http"}],
                "readinessProbe": probe(5, 2, 1),
                "resources": {
                    "limits": {"cpu": str(settings.worker_processes), "memory": memory},
                    "requests": {"cpu": f"{self.props.cpu_millis}m", "memory": memory},
                },
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                    "privileged": False,
                    "readOnlyRootFilesystem": True,
                    "runAsGroup": self.props.run_as_user,
                    "runAsNonRoot": True,
                    "runAsUser": self.props.run_as_user,
                },
                "startupProbe": probe(1, 30, 1),
                "volumeMounts": mounts,
            }
        )
        return {
            "minReadySeconds": 0,
            "progressDeadlineSeconds": 600,
            "replicas": self.props.replicas,
            "selector": {"matchLabels": _js_sorted(self.selector)},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": {
                "metadata": {
                    "annotations": _js_sorted(annotations),
                    "labels": _js_sorted({ADDRESS_LABEL: pod_address, **self.labels}),
                },
                "spec": {
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "dnsPolicy": "ClusterFirst",
                    "hostNetwork": False,
                    "restartPolicy": "Always",
                    "securityContext": {
                        "fsGroupChangePolicy": "Always",
                        "runAsGroup": self.props.run_as_user,
                        "runAsNonRoot": True,
                        "runAsUser": self.props.run_as_user,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "setHostnameAsFQDN": False,
                    "terminationGracePeriodSeconds": self.termination_grace_seconds,
                    "volumes": [
                        {"configMap": {"name": self.name}, "name": _CONFIG_VOLUME},
                        {
                            "emptyDir": {"sizeLimit": f"{_RUNTIME_VOLUME_MEBIBYTES}Mi"},
                            "name": _RUNTIME_VOLUME,
                        },
                    ],
                },
            },
        }


def plan_router_objects(routes: Iterable[RouterRoute], props: RouterProps, *, path: str) -> RouterObjectsPlan:
    """Check a router's props and derive its objects; every problem collected, none raised.

    ``path`` roots the problem paths.
    """
    plan = plan_router(routes, props.settings(), path=path)
    problems = list(plan.problems)
    problems += _deployment_problems(path, props)
    problems += _size_problems(plan, path)
    worker_processes = props.worker_processes
    if isinstance(worker_processes, int) and worker_processes > JS_MAX_SAFE_INTEGER:
        problems.append(_unsafe_integer(f"{path}.worker_processes", worker_processes, 1))
    name = props.name
    extra = dict(props.labels or {})
    object_labels = {
        **extra,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "router",
        "app.kubernetes.io/part-of": (
            props.part_of if props.part_of is not None else extra.get("app.kubernetes.io/part-of", name)
        ),
        "app.kubernetes.io/managed-by": "kn-constructs",
    }
    return RouterObjectsPlan(
        plan=plan,
        problems=tuple(problems),
        props=props,
        labels=object_labels,
        selector={"app.kubernetes.io/name": name, "app.kubernetes.io/component": "router"},
    )


def router_manifests(
    routes: Iterable[RouterRoute],
    *,
    name: str = "router",
    image: str = DEFAULT_ROUTER_IMAGE,
    replicas: int = 2,
    prefix: str = DEFAULT_PREFIX,
    listen_port: int = 8080,
    health_path: str = "/healthz",
    resolver: str = DEFAULT_RESOLVER,
    worker_processes: int = 2,
    max_body_megabytes: int = 64,
    access_log: bool = True,
    openai: bool = True,
    openai_max_body_kib: int = DEFAULT_OPENAI_MAX_BODY_KIB,
    njs_module_path: str = DEFAULT_NJS_MODULE_PATH,
    labels: Mapping[str, str] | None = None,
    part_of: str | None = None,
    service_port: int = 80,
    cpu_millis: int = 250,
    memory_mebibytes: int = 256,
    run_as_user: int = DEFAULT_RUN_AS_USER,
    drain_seconds: int = 5,
    construct_path: str | None = None,
    namespace: str | None = None,
    acknowledge: Iterable[str] = (),
) -> RouterManifests:
    """The router's ConfigMap, Deployment and Service without cdk8s: :class:`ModelRouter`'s output.

    The props and their checks are :class:`~kn_constructs.router_construct.ModelRouter`'s
    (problem paths start at ``name``); warnings are emitted the same way.

    Args:
        routes: The models behind the router.
        name: The objects' name (DNS-1035). Default ``router``.
        image: See ``ModelRouter``.
        replicas: See ``ModelRouter``.
        prefix: See ``ModelRouter``.
        listen_port: See ``ModelRouter``.
        health_path: See ``ModelRouter``.
        resolver: See ``ModelRouter``.
        worker_processes: See ``ModelRouter``.
        max_body_megabytes: See ``ModelRouter``.
        access_log: See ``ModelRouter``.
        openai: See ``ModelRouter``.
        openai_max_body_kib: See ``ModelRouter``.
        njs_module_path: See ``ModelRouter``.
        labels: See ``ModelRouter``.
        part_of: See ``ModelRouter``.
        service_port: See ``ModelRouter``.
        cpu_millis: See ``ModelRouter``.
        memory_mebibytes: See ``ModelRouter``.
        run_as_user: See ``ModelRouter``.
        drain_seconds: See ``ModelRouter``.
        construct_path: Where a ``ModelRouter`` would sit in a cdk8s app (its ``node.path``,
            ``fleet/router``; the app's root is an ``App``): the pods' ``cdk8s.io/metadata.addr``
            label is computed from it, so the output equals that construct's. Default: ``name``.
        namespace: ``metadata.namespace`` of every object (a chart's namespace). Default none.
        acknowledge: Warning codes to silence (``["KN-IMAGE-1"]``).

    Raises:
        ValidationError: Every problem found, as ``ModelRouter`` raises them.
    """
    found = check_arguments(
        router_manifests, (), dict(locals()), prefix=name if isinstance(name, str) else ""
    )
    if found:
        raise ValidationError(found, subject="router_manifests")
    objects = plan_router_objects(routes, RouterProps.pick(locals(), name=name), path=name)
    raise_for_errors(objects.problems, subject=f"router {name!r}")
    emit_warnings(objects.problems, acknowledged=acknowledge)
    deployment_path = f"{construct_path if construct_path is not None else name}/Deployment"
    addr = construct_addr(["", *deployment_path.split("/")])
    return objects.manifests(pod_address=pod_address_label(deployment_path, addr), namespace=namespace)


# --------------------------------------------------------------------------- checks


def _size_problems(plan: RouterPlan, path: str) -> list[Problem]:
    files = plan.files
    if not files:
        return []
    size = sum(len(text.encode()) for text in files.values())
    what = f"the generated {' and '.join(files)} {'is' if len(files) == 1 else 'are'}"
    limit = CONFIGMAP_MAX_BYTES - _CONFIGMAP_METADATA_ALLOWANCE
    found = []
    if CLIENT_SIDE_APPLY_MAX_BYTES < size <= limit:
        found.append(
            Problem(
                "KN-FLEET-2",
                f"{path}.routes",
                f"{what} {size:,} bytes for {len(plan.routes)} models: client-side"
                " 'kubectl apply' copies it into an annotation, which holds at most"
                f" {CLIENT_SIDE_APPLY_MAX_BYTES:,} bytes",
                value=len(plan.routes),
                allowed=f"at most {CLIENT_SIDE_APPLY_MAX_BYTES:,} bytes for client-side apply",
                hint="apply with server-side apply (kubectl apply --server-side; Argo CD"
                " ServerSideApply=true; Flux does by default), or split the models across routers",
                severity="warning",
            )
        )
    if size > limit:
        found.append(
            Problem(
                "KN-FLEET-2",
                f"{path}.routes",
                f"{what} {size:,} bytes for {len(plan.routes)} models; a"
                f" ConfigMap holds at most {CONFIGMAP_MAX_BYTES:,} bytes",
                value=len(plan.routes),
                allowed=f"a configuration of at most {limit:,} bytes",
                hint=_too_large_hint(plan),
            )
        )
    return found


def _too_large_hint(plan: RouterPlan) -> str:
    split = "split the models across several routers (a ModelFleet each)"
    if not plan.settings.openai:
        return f"{split}; shorter model names also help"
    # Path routes only take about 390 bytes a model, body routing about 170 more (docs/router.md).
    return (
        f"{split}, or route by path only (openai=False; router_openai=False on a ModelFleet),"
        " which holds about 2,600 models a router"
    )


def _deployment_problems(path: str, props: RouterProps) -> list[Problem]:
    name, image = props.name, props.image
    found = (
        dns1035_problems(name, path=f"{path}.name", code="KN-FLEET-2")
        if isinstance(name, str)
        else [Problem("KN-FLEET-2", f"{path}.name", "the name must be a string", name)]
    )
    if not isinstance(image, str) or not image or any(c.isspace() for c in image):
        found.append(
            Problem(
                "KN-FLEET-2",
                f"{path}.image",
                f"invalid image reference {image!r}",
                image,
                "registry/name:tag",
            )
        )
    elif unpinned_image_reason(image) is not None:
        found.append(
            Problem(
                "KN-IMAGE-1",
                f"{path}.image",
                "the router image is not pinned by digest: the tag can move",
                value=image,
                allowed="registry/name[:tag]@sha256:<64 hex>",
                hint="pin the digest (image=...@sha256:...) or acknowledge=['KN-IMAGE-1']",
                severity="warning",
            )
        )
    for field_name, value, low, high in (
        ("replicas", props.replicas, 1, None),
        ("service_port", props.service_port, 1, 65535),
        ("cpu_millis", props.cpu_millis, 1, None),
        ("memory_mebibytes", props.memory_mebibytes, 16, None),
        ("run_as_user", props.run_as_user, 1, None),
        ("drain_seconds", props.drain_seconds, 0, None),
    ):
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if not is_int or value < low or (high is not None and value > high):
            allowed = f"{low}..{high}" if high is not None else f">= {low}"
            bounds = f"{low} <= {value!r}" + (f" <= {high}" if high is not None else "")
            hint = "0 would run the router as root" if field_name == "run_as_user" else None
            found.append(
                Problem("KN-FLEET-2", f"{path}.{field_name}", f"expected {bounds}", value, allowed, hint)
            )
        elif value > JS_MAX_SAFE_INTEGER:
            found.append(_unsafe_integer(f"{path}.{field_name}", value, low))
    return found


def _unsafe_integer(path: str, value: int, low: int) -> Problem:
    return Problem(
        "KN-FLEET-2",
        path,
        f"expected {value!r} <= 2**53 - 1: cdk8s carries numbers as JavaScript doubles,"
        " so a larger one would come out changed",
        value,
        f"{low}..{JS_MAX_SAFE_INTEGER}",
    )
