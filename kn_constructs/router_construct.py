"""``ModelRouter``: the NGINX router of a model fleet as a Deployment, a Service and a ConfigMap.

The configuration comes from :func:`kn_constructs.router.plan_router` and the three manifests
from :mod:`kn_constructs.router_manifests`, both pure Python; this module only adds them to
the construct tree, one ``ApiObject`` each, under the same construct ids as before:

* a ConfigMap holding the generated ``nginx.conf`` (and every other file of
  :attr:`~kn_constructs.router.RouterPlan.files`);
* a Deployment running an unprivileged NGINX image that reads it from
  ``/etc/nginx/nginx.conf`` (mounted by ``subPath``, and named on the command line), with a
  read-only root filesystem, an emptyDir for the pid and temp files, probes on the health
  endpoint, and a hash of each file on the pod template so that a change rolls the pods;
* a ClusterIP Service on port 80 in front of it.

Earlier versions built the objects with cdk8s-plus-27 (44 jsii round trips per router against 17,
and no synthesis without Node); that version is kept, private, for the tests that show the
dicts render byte for byte the same (:func:`_cdk8s_plus_rendering`). Outside that, the module
uses only ``Construct``, ``ApiObject`` (``api_version``, ``kind``, ``metadata`` as a dict),
``JsonPatch.add``, ``add_json_patch``, ``node.path`` and ``node.addr``.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cdk8s import ApiObject, JsonPatch
from constructs import Construct

from kn_constructs._boundary import checked_construct
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, emit_warnings, raise_for_errors
from kn_constructs.router import (
    DEFAULT_NJS_MODULE_PATH,
    DEFAULT_OPENAI_MAX_BODY_KIB,
    DEFAULT_PREFIX,
    DEFAULT_RESOLVER,
    RouterPlan,
    RouterRoute,
)
from kn_constructs.router_manifests import (
    CLIENT_SIDE_APPLY_MAX_BYTES,
    CONFIG_HASH_ANNOTATION,
    CONFIG_PATH,
    DEFAULT_ROUTER_IMAGE,
    DEFAULT_RUN_AS_USER,
    ROUTER_RUNTIME_DIR,
    RouterManifests,
    RouterObjectsPlan,
    RouterProps,
    file_hash_annotation,
    plan_router_objects,
    pod_address_label,
)

__all__ = [
    "CLIENT_SIDE_APPLY_MAX_BYTES",
    "CONFIG_HASH_ANNOTATION",
    "CONFIG_PATH",
    "DEFAULT_ROUTER_IMAGE",
    "ROUTER_RUNTIME_DIR",
    "ModelRouter",
]

#: Which rendering new routers use: ``"dicts"`` (the default) or ``"cdk8s-plus"`` (the old
#: path, for comparison tests only).
_RENDERING: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kn_constructs_router_rendering", default="dicts"
)


@contextlib.contextmanager
def _cdk8s_plus_rendering() -> Iterator[None]:
    """Build routers with cdk8s-plus-27 inside this block (internal: comparison tests only)."""
    token = _RENDERING.set("cdk8s-plus")
    try:
        yield
    finally:
        _RENDERING.reset(token)


class ModelRouter(Construct):
    """The fleet's NGINX router (KN-FLEET-2): one location per model, streaming, no queue.

    All checks run before anything is added to the app: every problem (codes KN-FLEET-1,
    KN-FLEET-2, KN-CANCEL-1; paths like ``router.routes[1].name``) is reported together in
    one :class:`~kn_constructs.errors.ValidationError`. An image without a digest warns
    (KN-IMAGE-1) unless acknowledged. A configuration over 1 MiB (minus room for metadata)
    does not fit a ConfigMap (error, KN-FLEET-2); one over 256 KiB warns (KN-FLEET-2) that
    client-side ``kubectl apply`` cannot store it, so apply it server-side.

    Args:
        scope: The parent construct (usually the fleet's chart).
        id: The construct id; also the objects' name unless ``name`` is given, and the
            first part of problem paths.
        routes: The models behind the router (:class:`~kn_constructs.router.RouterRoute`).
        image: An NGINX image that runs as ``run_as_user`` and writes nothing outside
            ``/tmp``. Default ``nginxinc/nginx-unprivileged:1.27-alpine``; pin it by digest
            (``...:1.27-alpine@sha256:<digest>``) so GitOps deploys what was reviewed
            (KN-IMAGE-1 warns otherwise).
        replicas: Router pods. Default 2 (one can restart while the other serves). >= 1.
        prefix: Path prefix of the models. Default ``/models/`` (model ``chat`` is served
            under ``/models/chat/``).
        listen_port: The container port, above 1024. Default 8080. The Service maps
            ``service_port`` to it.
        health_path: The router's health endpoint for its probes. Default ``/healthz``.
        resolver: The DNS server NGINX asks at request time. Default
            ``kube-dns.kube-system.svc.cluster.local`` (the cluster DNS Service).
        worker_processes: NGINX workers; also the CPU limit in cores. Default 2.
        max_body_megabytes: Largest request body in MiB. Default 64.
        access_log: Log each request to stdout. Default ``True``.
        openai: Route the OpenAI API by the body's ``model`` and list the models at
            ``/v1/models`` (njs). Default ``True``; see :class:`~kn_constructs.router.RouterSettings`.
        openai_max_body_kib: Largest body-routed request in KiB. Default 2048.
        njs_module_path: ``load_module`` path of njs. Default: the default image's.
        name: Name of the Deployment, Service and ConfigMap (DNS-1035). Default: ``id``.
        labels: Extra labels on every object and the pods. ``app.kubernetes.io/name``,
            ``component`` and ``managed-by`` are always the router's own (the selector uses
            the first two); a ``part-of`` here is kept unless ``part_of`` is given.
        part_of: ``app.kubernetes.io/part-of``. Default: ``labels``' value, else the name.
        service_port: The Service's port. Default 80.
        cpu_millis: CPU request in millicores. Default 250.
        memory_mebibytes: Memory request and limit in MiB. Default 256.
        run_as_user: UID (and GID) of the NGINX process; must match the image (101 for
            nginx-unprivileged). Default 101.
        drain_seconds: How long a stopping pod keeps accepting connections (a ``preStop``
            sleep) while the Service stops sending it new ones. Default 5. 0 disables it
            (images without ``sleep``).
        acknowledge: Warning codes to silence (``["KN-IMAGE-1"]``).
        problem_path: Root of problem paths (default: ``id``); a fleet passes ``<fleet>.router``.

    Attributes:
        config_map: The ConfigMap's ``ApiObject`` (``<id>/Config/Resource``).
        deployment: The Deployment's ``ApiObject`` (``<id>/Deployment/Resource``); JSON patches
            added to it apply as to any ``ApiObject``.
        service: The Service's ``ApiObject`` (``<id>/Service/Resource``).
        manifests: The three dicts the objects were made from
            (:class:`~kn_constructs.router_manifests.RouterManifests`), before cdk8s adds the
            chart's namespace and labels, and before any patch of yours.
        plan: The ``nginx.conf`` plan (routes, settings, files, derivations).
        labels: The labels of every object and the pods.
        warnings: The warnings emitted (not acknowledged).
        termination_grace_seconds: The pods' grace period.
    """

    @checked_construct("ModelRouter", root=("problem_path", "id"), hidden=("problem_path",))
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Iterable[RouterRoute],
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
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        part_of: str | None = None,
        service_port: int = 80,
        cpu_millis: int = 250,
        memory_mebibytes: int = 256,
        run_as_user: int = DEFAULT_RUN_AS_USER,
        drain_seconds: int = 5,
        acknowledge: Iterable[str] = (),
        problem_path: str | None = None,
    ) -> None:
        object_name = name if name is not None else id
        props = RouterProps.pick(locals(), name=object_name)
        objects = plan_router_objects(routes, props, path=problem_path or id)
        raise_for_errors(objects.problems, subject=f"ModelRouter {object_name!r}")
        super().__init__(scope, id)
        assert objects.plan.conf_text is not None
        self.plan: RouterPlan = objects.plan
        self.warnings: list[Problem] = emit_warnings(objects.problems, acknowledged=acknowledge)
        self._name = object_name
        self.labels: dict[str, str] = dict(objects.labels)
        self.termination_grace_seconds: int = objects.termination_grace_seconds
        self.config_map: Any
        self.deployment: Any
        self.service: Any
        self.manifests: RouterManifests
        if _RENDERING.get() == "cdk8s-plus":
            self.config_map, self.deployment, self.service = _build_with_cdk8s_plus(self, objects)
            node = self.deployment.node
            self.manifests = objects.manifests(pod_address=pod_address_label(node.path, node.addr))
            return
        # One scope per object with the ids cdk8s-plus used (<id>/Config/Resource, ...), so
        # paths, the pods' address label and the document order stay what they were.
        config_scope = Construct(self, "Config")
        deployment_scope = Construct(self, "Deployment")
        service_scope = Construct(self, "Service")
        node = deployment_scope.node
        manifests = objects.manifests(pod_address=pod_address_label(node.path, node.addr))
        self.manifests = manifests
        self.config_map = _api_object(config_scope, manifests.config_map)
        self.deployment = _api_object(deployment_scope, manifests.deployment)
        self.service = _api_object(service_scope, manifests.service)

    @property
    def service_name(self) -> str:
        """The router Service's name (clients call ``http://<service_name>.<namespace>``)."""
        return self._name

    @property
    def config_text(self) -> str:
        """The generated ``nginx.conf``, as stored in the ConfigMap."""
        assert self.plan.conf_text is not None
        return self.plan.conf_text

    @property
    def config_sha256(self) -> str:
        """SHA-256 (hex) of :attr:`config_text`, the pod template annotation's value."""
        assert self.plan.config_sha256 is not None
        return self.plan.config_sha256

    @property
    def routes(self) -> tuple[RouterRoute, ...]:
        """The routes, sorted by model name."""
        return self.plan.routes

    @property
    def derivations(self) -> tuple[Derivation, ...]:
        """How each model's router timeouts were derived (KN-CANCEL-1)."""
        return self.plan.derivations


def _api_object(scope: Construct, manifest: Mapping[str, Any]) -> ApiObject:
    """One ``ApiObject`` named ``Resource`` rendering ``manifest`` (its metadata merged with the chart's)."""
    api_object = ApiObject(
        scope,
        "Resource",
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=manifest["metadata"],
    )
    api_object.add_json_patch(
        *(
            JsonPatch.add(f"/{key}", value)
            for key, value in manifest.items()
            if key not in ("apiVersion", "kind", "metadata")
        )
    )
    return api_object


def _build_with_cdk8s_plus(router: ModelRouter, objects: RouterObjectsPlan) -> tuple[Any, Any, Any]:
    """The cdk8s-plus-27 rendering the dicts replaced: the comparison tests' reference."""
    import cdk8s_plus_27 as kplus
    from cdk8s import ApiObjectMetadata, Duration, Size

    plan = objects.plan
    settings = plan.settings
    files = plan.files
    health_path, listen_port = settings.health_path, settings.listen_port
    config_map = kplus.ConfigMap(
        router,
        "Config",
        metadata=ApiObjectMetadata(name=objects.name, labels=objects.labels),
        data=files,
    )
    config_volume = kplus.Volume.from_config_map(router, "ConfigVolume", config_map, name="nginx-conf")
    runtime_volume = kplus.Volume.from_empty_dir(
        router, "RuntimeVolume", "runtime", size_limit=Size.mebibytes(64)
    )
    config_dir = posixpath.dirname(CONFIG_PATH)
    user = objects.props.run_as_user
    deployment = kplus.Deployment(
        router,
        "Deployment",
        metadata=ApiObjectMetadata(name=objects.name, labels=objects.labels),
        replicas=objects.props.replicas,
        select=False,
        automount_service_account_token=False,
        termination_grace_period=Duration.seconds(objects.termination_grace_seconds),
        security_context=kplus.PodSecurityContextProps(ensure_non_root=True, user=user, group=user),
        containers=[
            kplus.ContainerProps(
                name="nginx",
                image=objects.props.image,
                image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
                command=["nginx", "-e", "stderr", "-c", CONFIG_PATH, "-g", "daemon off;"],
                ports=[kplus.ContainerPort(number=listen_port, name="http")],
                security_context=kplus.ContainerSecurityContextProps(
                    ensure_non_root=True,
                    user=user,
                    group=user,
                    read_only_root_filesystem=True,
                    allow_privilege_escalation=False,
                    privileged=False,
                ),
                resources=kplus.ContainerResources(
                    cpu=kplus.CpuResources(
                        request=kplus.Cpu.millis(objects.props.cpu_millis),
                        limit=kplus.Cpu.units(settings.worker_processes),
                    ),
                    memory=kplus.MemoryResources(
                        request=Size.mebibytes(objects.props.memory_mebibytes),
                        limit=Size.mebibytes(objects.props.memory_mebibytes),
                    ),
                ),
                startup=kplus.Probe.from_http_get(
                    health_path,
                    port=listen_port,
                    period_seconds=Duration.seconds(1),
                    failure_threshold=30,
                    timeout_seconds=Duration.seconds(1),
                ),
                readiness=kplus.Probe.from_http_get(
                    health_path,
                    port=listen_port,
                    period_seconds=Duration.seconds(5),
                    failure_threshold=2,
                    timeout_seconds=Duration.seconds(1),
                ),
                liveness=kplus.Probe.from_http_get(
                    health_path,
                    port=listen_port,
                    period_seconds=Duration.seconds(10),
                    failure_threshold=3,
                    timeout_seconds=Duration.seconds(2),
                ),
                lifecycle=(
                    kplus.ContainerLifecycle(
                        pre_stop=kplus.Handler.from_command(["sleep", str(objects.props.drain_seconds)])
                    )
                    if objects.props.drain_seconds > 0
                    else None
                ),
                volume_mounts=[
                    *(
                        kplus.VolumeMount(
                            path=posixpath.join(config_dir, file_name),
                            volume=config_volume,
                            sub_path=file_name,
                            read_only=True,
                        )
                        for file_name in files
                    ),
                    kplus.VolumeMount(path=ROUTER_RUNTIME_DIR, volume=runtime_volume),
                ],
            )
        ],
    )
    deployment.select(kplus.LabelSelector.of(labels=objects.selector))
    for key, value in objects.labels.items():
        deployment.pod_metadata.add_label(key, value)
    for file_name, text in files.items():
        deployment.pod_metadata.add_annotation(file_hash_annotation(file_name), _sha256(text))
    # cdk8s-plus-27 has no "ALL" capability and no seccomp profile: patch them in
    # (Pod Security Standards, restricted profile).
    ApiObject.of(deployment).add_json_patch(
        JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", {"drop": ["ALL"]}),
        JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", {"type": "RuntimeDefault"}),
    )
    service = kplus.Service(
        router,
        "Service",
        metadata=ApiObjectMetadata(name=objects.name, labels=objects.labels),
        ports=[kplus.ServicePort(name="http", port=objects.props.service_port, target_port=listen_port)],
    )
    for key, value in objects.selector.items():
        service.select_label(key, value)
    return config_map, deployment, service


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
