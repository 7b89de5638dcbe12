"""``ModelRouter``: the NGINX router of a model fleet as a Deployment, a Service and a ConfigMap.

Built with cdk8s-plus-27. The configuration itself comes from
:func:`kn_constructs.router.plan_router`, which is pure Python; this module only deploys it:

* a ConfigMap holding the generated ``nginx.conf``;
* a Deployment running an unprivileged NGINX image that reads it from
  ``/etc/nginx/nginx.conf`` (mounted by ``subPath``, and named on the command line), with a
  read-only root filesystem, an emptyDir for the pid and temp files, probes on the health
  endpoint, and a hash of the configuration on the pod template so that a change rolls
  the pods;
* a ClusterIP Service on port 80 in front of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import cdk8s_plus_27 as kplus
from cdk8s import ApiObject, ApiObjectMetadata, Duration, JsonPatch, Size
from constructs import Construct

from kn_constructs._boundary import checked_construct
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, emit_warnings, raise_for_errors
from kn_constructs.images import unpinned_image_reason
from kn_constructs.knative.names import dns1035_problems
from kn_constructs.router import (
    CONFIGMAP_MAX_BYTES,
    DEFAULT_PREFIX,
    DEFAULT_RESOLVER,
    RouterPlan,
    RouterRoute,
    RouterSettings,
    plan_router,
)

__all__ = [
    "CLIENT_SIDE_APPLY_MAX_BYTES",
    "CONFIG_HASH_ANNOTATION",
    "CONFIG_PATH",
    "DEFAULT_ROUTER_IMAGE",
    "ROUTER_RUNTIME_DIR",
    "ModelRouter",
]

#: Default image: NGINX built to run as user 101 on port 8080. Pin a digest in production
#: (``nginxinc/nginx-unprivileged:1.27-alpine@sha256:...``); without one KN-IMAGE-1 warns.
DEFAULT_ROUTER_IMAGE: Final = "nginxinc/nginx-unprivileged:1.27-alpine"
#: The user (and group) the default image is built for.
DEFAULT_RUN_AS_USER: Final = 101
#: Where the configuration is mounted; the container command names it explicitly.
CONFIG_PATH: Final = "/etc/nginx/nginx.conf"
#: The emptyDir for NGINX's pid and temp files (the root filesystem is read-only).
ROUTER_RUNTIME_DIR: Final = "/tmp"
#: Pod template annotation holding the SHA-256 of ``nginx.conf``: a change rolls the pods.
CONFIG_HASH_ANNOTATION: Final = "kn-constructs.io/nginx-conf-sha256"
#: Kubernetes' limit on all annotations of an object: client-side ``kubectl apply`` stores the
#: whole object in one (``last-applied-configuration``), so a bigger ConfigMap needs server-side apply.
CLIENT_SIDE_APPLY_MAX_BYTES: Final = 256 * 1024
#: Grace period when no route is longer: Kubernetes' own default.
_BASE_GRACE_SECONDS: Final = 30
#: Room for the ConfigMap's metadata within Kubernetes' 1 MiB object limit.
_CONFIGMAP_METADATA_ALLOWANCE: Final = 16 * 1024


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
        path = problem_path or id
        settings = RouterSettings(
            prefix=prefix,
            listen_port=listen_port,
            health_path=health_path,
            resolver=resolver,
            runtime_dir=ROUTER_RUNTIME_DIR,
            worker_processes=worker_processes,
            max_body_megabytes=max_body_megabytes,
            access_log=access_log,
        )
        plan = plan_router(routes, settings, path=path)
        problems = list(plan.problems)
        problems += _deployment_problems(
            path,
            name=object_name,
            image=image,
            replicas=replicas,
            service_port=service_port,
            cpu_millis=cpu_millis,
            memory_mebibytes=memory_mebibytes,
            run_as_user=run_as_user,
            drain_seconds=drain_seconds,
        )
        if plan.conf_text is not None:
            size = len(plan.conf_text.encode())
            limit = CONFIGMAP_MAX_BYTES - _CONFIGMAP_METADATA_ALLOWANCE
            if CLIENT_SIDE_APPLY_MAX_BYTES < size <= limit:
                problems.append(
                    Problem(
                        "KN-FLEET-2",
                        f"{path}.routes",
                        f"the generated nginx.conf is {size} bytes for {len(plan.routes)} models: client-side"
                        " 'kubectl apply' copies it into an annotation, which holds at most"
                        f" {CLIENT_SIDE_APPLY_MAX_BYTES} bytes",
                        value=len(plan.routes),
                        allowed=f"at most {CLIENT_SIDE_APPLY_MAX_BYTES} bytes for client-side apply",
                        hint="apply with server-side apply (kubectl apply --server-side; Argo CD"
                        " ServerSideApply=true; Flux does by default), or split the models across routers",
                        severity="warning",
                    )
                )
            if size > limit:
                problems.append(
                    Problem(
                        "KN-FLEET-2",
                        f"{path}.routes",
                        f"the generated nginx.conf is {size} bytes for {len(plan.routes)} models; a"
                        f" ConfigMap holds at most {CONFIGMAP_MAX_BYTES} bytes",
                        value=len(plan.routes),
                        allowed=f"a configuration of at most {limit} bytes",
                        hint="split the models across several routers (shorter names also help)",
                    )
                )
        raise_for_errors(problems, subject=f"ModelRouter {object_name!r}")
        super().__init__(scope, id)
        assert plan.conf_text is not None
        self.plan: RouterPlan = plan
        self.warnings: list[Problem] = emit_warnings(problems, acknowledged=acknowledge)
        self._name = object_name
        extra = dict(labels or {})
        self.labels: dict[str, str] = {
            **extra,
            "app.kubernetes.io/name": object_name,
            "app.kubernetes.io/component": "router",
            "app.kubernetes.io/part-of": (
                part_of if part_of is not None else extra.get("app.kubernetes.io/part-of", object_name)
            ),
            "app.kubernetes.io/managed-by": "kn-constructs",
        }
        selector = {
            "app.kubernetes.io/name": object_name,
            "app.kubernetes.io/component": "router",
        }
        self.termination_grace_seconds: int = (
            max([_BASE_GRACE_SECONDS, *(r.read_timeout_seconds for r in plan.routes)]) + drain_seconds
        )

        self.config_map = kplus.ConfigMap(
            self,
            "Config",
            metadata=ApiObjectMetadata(name=object_name, labels=self.labels),
            data={"nginx.conf": plan.conf_text},
        )
        config_volume = kplus.Volume.from_config_map(self, "ConfigVolume", self.config_map, name="nginx-conf")
        runtime_volume = kplus.Volume.from_empty_dir(
            self, "RuntimeVolume", "runtime", size_limit=Size.mebibytes(64)
        )
        self.deployment = kplus.Deployment(
            self,
            "Deployment",
            metadata=ApiObjectMetadata(name=object_name, labels=self.labels),
            replicas=replicas,
            select=False,
            automount_service_account_token=False,
            termination_grace_period=Duration.seconds(self.termination_grace_seconds),
            security_context=kplus.PodSecurityContextProps(
                ensure_non_root=True, user=run_as_user, group=run_as_user
            ),
            containers=[
                kplus.ContainerProps(
                    name="nginx",
                    image=image,
                    image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
                    command=["nginx", "-e", "stderr", "-c", CONFIG_PATH, "-g", "daemon off;"],
                    ports=[kplus.ContainerPort(number=listen_port, name="http")],
                    security_context=kplus.ContainerSecurityContextProps(
                        ensure_non_root=True,
                        user=run_as_user,
                        group=run_as_user,
                        read_only_root_filesystem=True,
                        allow_privilege_escalation=False,
                        privileged=False,
                    ),
                    resources=kplus.ContainerResources(
                        cpu=kplus.CpuResources(
                            request=kplus.Cpu.millis(cpu_millis), limit=kplus.Cpu.units(worker_processes)
                        ),
                        memory=kplus.MemoryResources(
                            request=Size.mebibytes(memory_mebibytes), limit=Size.mebibytes(memory_mebibytes)
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
                            pre_stop=kplus.Handler.from_command(["sleep", str(drain_seconds)])
                        )
                        if drain_seconds > 0
                        else None
                    ),
                    volume_mounts=[
                        kplus.VolumeMount(
                            path=CONFIG_PATH, volume=config_volume, sub_path="nginx.conf", read_only=True
                        ),
                        kplus.VolumeMount(path=ROUTER_RUNTIME_DIR, volume=runtime_volume),
                    ],
                )
            ],
        )
        self.deployment.select(kplus.LabelSelector.of(labels=selector))
        for key, value in self.labels.items():
            self.deployment.pod_metadata.add_label(key, value)
        self.deployment.pod_metadata.add_annotation(CONFIG_HASH_ANNOTATION, plan.config_sha256 or "")
        deployment_object = ApiObject.of(self.deployment)
        # cdk8s-plus-27 has no "ALL" capability and no seccomp profile: patch them in
        # (Pod Security Standards, restricted profile).
        deployment_object.add_json_patch(
            JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", {"drop": ["ALL"]}),
            JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", {"type": "RuntimeDefault"}),
        )
        self.service = kplus.Service(
            self,
            "Service",
            metadata=ApiObjectMetadata(name=object_name, labels=self.labels),
            ports=[kplus.ServicePort(name="http", port=service_port, target_port=listen_port)],
        )
        for key, value in selector.items():
            self.service.select_label(key, value)

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


def _deployment_problems(
    path: str,
    *,
    name: str,
    image: str,
    replicas: int,
    service_port: int,
    cpu_millis: int,
    memory_mebibytes: int,
    run_as_user: int,
    drain_seconds: int,
) -> list[Problem]:
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
        ("replicas", replicas, 1, None),
        ("service_port", service_port, 1, 65535),
        ("cpu_millis", cpu_millis, 1, None),
        ("memory_mebibytes", memory_mebibytes, 16, None),
        ("run_as_user", run_as_user, 1, None),
        ("drain_seconds", drain_seconds, 0, None),
    ):
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if not is_int or value < low or (high is not None and value > high):
            allowed = f"{low}..{high}" if high is not None else f">= {low}"
            bounds = f"{low} <= {value!r}" + (f" <= {high}" if high is not None else "")
            hint = "0 would run the router as root" if field_name == "run_as_user" else None
            found.append(
                Problem("KN-FLEET-2", f"{path}.{field_name}", f"expected {bounds}", value, allowed, hint)
            )
    return found
