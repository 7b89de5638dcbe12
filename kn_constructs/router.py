"""The model router: one NGINX in front of a fleet of per-model Knative Services (KN-FLEET-2).

A fleet serves each model from its own Knative Service (KN-FLEET-1), so clients need one
address that sends ``/models/<name>/...`` to the right model. This module is the pure half
of that router: :class:`RouterRoute` (one model behind the router, with the timeouts
derived for it), :class:`RouterSettings` (the router's own knobs) and
:func:`render_nginx_conf` (the complete ``nginx.conf``). Nothing here imports cdk8s, so the
linter and the tests can render and check a configuration in milliseconds.

The construct that deploys the configuration (:class:`~kn_constructs.router_construct.ModelRouter`:
a Deployment, a Service and a ConfigMap, from the plain dicts of
:mod:`kn_constructs.router_manifests`) lives in
:mod:`kn_constructs.router_construct`; ``from kn_constructs.router import ModelRouter``
also works and loads cdk8s only then.

What the generated configuration guarantees, and the practice behind each part:

* one ``location`` per model under the prefix, which strips the prefix and proxies to the
  model's cluster-local Knative address with the Host header Knative routes on (KN-FLEET-2);
* upstream names resolved per request through ``resolver``, so NGINX starts even when a
  model's Knative Service does not exist yet (KN-FLEET-2);
* read and send timeouts of at least 3 x the model's typical inference time and never
  shorter than its ``timeoutSeconds`` (KN-CANCEL-1);
* no request or response buffering, so tokens stream as the model writes them, and no
  queue: no ``limit_req``/``limit_conn`` delay, no waiting room (KN-FLEET-3);
* client aborts close the upstream connection and an inference request is never retried
  on another upstream (KN-CANCEL-2);
* an unprivileged process (no ``user`` directive, a port above 1024, pid and temp files
  under ``runtime_dir``, logs on stdout/stderr), a health endpoint for its probes, and JSON
  bodies for unknown models (404), unreachable models (502) and timeouts (504).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from kn_constructs._format import format_number
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative.names import (
    DNS1035_MAX_LENGTH,
    dns1035_problems,
    dns1123_label_messages,
    dns1123_subdomain_messages,
)

if TYPE_CHECKING:
    from kn_constructs.router_construct import ModelRouter

__all__ = [
    "CONFIGMAP_MAX_BYTES",
    "DEFAULT_NJS_MODULE_PATH",
    "DEFAULT_OPENAI_MAX_BODY_KIB",
    "DEFAULT_PREFIX",
    "DEFAULT_RESOLVER",
    "OPENAI_BODY_PATHS",
    "OPENAI_MODELS_FILE",
    "OPENAI_MODELS_PATH",
    "READ_TIMEOUT_FACTOR",
    "ROUTER_JS_FILE",
    "TYPICAL_FROM_TIMEOUT_DIVISOR",
    "ModelRouter",
    "RouterPlan",
    "RouterRoute",
    "RouterSettings",
    "model_name_problems",
    "plan_router",
    "render_nginx_conf",
    "router_js_text",
    "router_problems",
]

#: Router timeouts are at least this multiple of the typical inference time (KN-CANCEL-1).
READ_TIMEOUT_FACTOR: Final = 3.0
#: ``timeoutSeconds`` is 1.2 x the longest request (KN-SHUT-2); dividing by this recovers
#: the longest request, used as the typical one when the typical time is unknown.
TYPICAL_FROM_TIMEOUT_DIVISOR: Final = 1.2
#: Default path prefix: model ``chat`` is served under ``/models/chat/``.
DEFAULT_PREFIX: Final = "/models/"
#: Default DNS server for request-time resolution: the cluster DNS Service.
DEFAULT_RESOLVER: Final = "kube-dns.kube-system.svc.cluster.local"
#: Default cluster domain of in-cluster Service addresses.
DEFAULT_CLUSTER_DOMAIN: Final = "cluster.local"
#: The most data a ConfigMap holds (Kubernetes' ``MaxSecretSize``, also enforced for ConfigMaps).
CONFIGMAP_MAX_BYTES: Final = 1024 * 1024

#: Where njs, NGINX's JavaScript module, lives in the default image
#: (``nginxinc/nginx-unprivileged:1.27-alpine``, which installs nginx.org's ``nginx-module-njs``
#: package: modules under ``/usr/lib/nginx/modules``, linked as ``/etc/nginx/modules``).
#: Debian's ``libnginx-mod-http-js`` puts it at ``/usr/lib/nginx/modules/ngx_http_js_module.so``.
DEFAULT_NJS_MODULE_PATH: Final = "/etc/nginx/modules/ngx_http_js_module.so"
#: The OpenAI endpoints routed by the ``model`` member of their JSON body (POST only).
#: Left out on purpose: ``/v1/audio/transcriptions``, ``/v1/audio/translations`` and
#: ``/v1/images/edits`` (multipart bodies, not JSON: use the path routes), ``/v1/batches``
#: and ``/v1/files`` (no ``model``; they name uploaded files), ``/v1/fine_tuning/jobs``
#: (training, not inference).
OPENAI_BODY_PATHS: Final = (
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/responses",
    "/v1/moderations",
    "/v1/audio/speech",
    "/v1/images/generations",
    "/v1/rerank",
    "/v1/score",
)
#: ``GET`` lists the fleet's public model names; ``GET <path>/<name>`` shows one.
OPENAI_MODELS_PATH: Final = "/v1/models"
#: The njs code, a file next to ``nginx.conf`` (shipped with the package).
ROUTER_JS_FILE: Final = "router.js"
#: The fleet's public model names for the njs code, generated, next to ``nginx.conf``.
OPENAI_MODELS_FILE: Final = "openai-models.json"
#: Default largest body of a body-routed request, in KiB: see :attr:`RouterSettings.openai_max_body_kib`.
DEFAULT_OPENAI_MAX_BODY_KIB: Final = 2048
#: The most :attr:`RouterSettings.openai_max_body_kib` may be (64 MiB, the default ``max_body_megabytes``).
OPENAI_MAX_BODY_KIB_LIMIT: Final = 64 * 1024
#: Longest public or engine model name (characters).
MODEL_NAME_MAX_LENGTH: Final = 256

_SEGMENT: Final = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
#: Public model names: Hugging Face ids (``meta-llama/Llama-3.1-8B-Instruct``), ``llama3:8b``,
#: ``gpt-4o-mini``. No quotes, backslashes, ``$``, spaces or control characters, so a name is
#: the same in JSON, in nginx.conf and in a URL path.
_MODEL_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
#: Engine names may also start with ``/`` (vLLM's default is the model's path, ``/mnt/models``).
_ENGINE_NAME_RE: Final = re.compile(r"[A-Za-z0-9._:/@+=~-]+")
_PREFIX_RE: Final = re.compile(rf"/(?:{_SEGMENT}/)*")
_PATH_RE: Final = re.compile(rf"(?:/{_SEGMENT})+")


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_positive_number(value: object) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def _ceil_seconds(value: float) -> int:
    """Whole seconds, rounding up, without float noise (``3 x 0.1`` is 1 s, not 2)."""
    return math.ceil(round(value, 9))


def _host_port_messages(address: object, *, need_port: bool) -> list[str]:
    """Why ``address`` is not ``host[:port]`` (a DNS name, an IPv4 or a bracketed IPv6 literal)."""
    if not isinstance(address, str) or not address:
        return ["must be a non-empty string"]
    host, port = address, None
    if address.startswith("["):
        end = address.find("]")
        if end < 0:
            return ["an IPv6 literal must be written in brackets: [::1]:8080"]
        host, rest = address[1:end], address[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                return [f"unexpected text {rest!r} after the IPv6 literal"]
            port = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return [f"{host!r} is not an IPv6 address"]
    else:
        if ":" in address:
            host, port = address.rsplit(":", 1)
        if not _is_ipv4(host):
            found = dns1123_subdomain_messages(host)
            if found:
                return [f"{host!r} is not a DNS name: {'; '.join(found)}"]
    if port is None:
        return ["a port is required: host:port"] if need_port else []
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return [f"expected 1 <= port <= 65535, got {port!r}"]
    return []


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _as_names(names: object) -> Any:
    """A sequence of names as a tuple (hashable, frozen); anything else as given, for the checks."""
    if isinstance(names, list | tuple):
        return tuple(names)
    return names


def _model_name_messages(name: object) -> list[str]:
    if not isinstance(name, str):
        return [f"expected a str, got {type(name).__name__}"]
    if len(name) > MODEL_NAME_MAX_LENGTH:
        return [f"{len(name)} characters, at most {MODEL_NAME_MAX_LENGTH}"]
    if _MODEL_NAME_RE.fullmatch(name) is None:
        return ["starts with a letter or digit; letters, digits and . _ : / @ + - only"]
    return []


def model_name_problems(model_names: object, engine_model: object, path: str) -> list[Problem]:
    """Check a model's public names and engine name (one problem per mistake).

    Args:
        model_names: ``None`` (the model's name) or a list/tuple of public names.
        engine_model: ``None`` or the name the engine expects.
        path: The route's (or fleet model's) problem path.

    Returns:
        Problems at ``<path>.model_names[i]`` and ``<path>.engine_model`` (KN-FLEET-1).
    """
    found: list[Problem] = []
    allowed = (
        f"1..{MODEL_NAME_MAX_LENGTH} characters: a letter or digit, then letters, digits and . _ : / @ + -"
    )
    if model_names is not None:
        if not isinstance(model_names, list | tuple):
            found.append(
                Problem(
                    "KN-FLEET-1",
                    f"{path}.model_names",
                    f"expected a list of model names, got {type(model_names).__name__} {model_names!r}",
                    value=model_names,
                    allowed="a list of str, or None (the model's name)",
                    hint='a single name still goes in a list: model_names=["llama-3-8b"]',
                )
            )
        elif not model_names:
            found.append(
                Problem(
                    "KN-FLEET-1",
                    f"{path}.model_names",
                    "no public model names: OpenAI clients could not reach this model",
                    value=list(model_names),
                    allowed="at least one name, or None (the model's name)",
                )
            )
        else:
            first: dict[str, int] = {}
            for index, name in enumerate(model_names):
                where = f"{path}.model_names[{index}]"
                messages = _model_name_messages(name)
                if messages:
                    found.append(
                        Problem(
                            "KN-FLEET-1",
                            where,
                            f"invalid model name {name!r}: {'; '.join(messages)}",
                            value=name,
                            allowed=allowed,
                        )
                    )
                    continue
                assert isinstance(name, str)
                if name in first:
                    found.append(
                        Problem(
                            "KN-FLEET-1",
                            where,
                            f"model name {name!r} is listed twice (model_names[{first[name]}])",
                            value=name,
                            allowed="each name once",
                        )
                    )
                else:
                    first[name] = index
    if engine_model is not None:
        bad = (
            not isinstance(engine_model, str)
            or len(engine_model) > MODEL_NAME_MAX_LENGTH
            or _ENGINE_NAME_RE.fullmatch(engine_model) is None
        )
        if bad:
            found.append(
                Problem(
                    "KN-FLEET-1",
                    f"{path}.engine_model",
                    f"invalid engine model name {engine_model!r}",
                    value=engine_model,
                    allowed=f"1..{MODEL_NAME_MAX_LENGTH} characters: letters, digits and . _ : / @ + = ~ -;"
                    " or None (forward the body unchanged)",
                    hint="the name the engine serves, e.g. vLLM's --served-model-name",
                )
            )
    return found


class _NamedService(Protocol):
    """What :meth:`RouterRoute.for_inference_service` reads from a ``GpuInferenceService``."""

    @property
    def name(self) -> str: ...

    @property
    def manifest(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class RouterRoute:
    """One model behind the router: where its requests go and how long the router waits.

    Build it with :meth:`for_knative_service` (or :meth:`for_inference_service`); the
    plain constructor is for addresses outside Knative's defaults (a test server, another
    ingress), and :func:`dataclasses.replace` makes variants.

    Attributes:
        name: The model's name: the URL path segment (``<prefix><name>/``) and, in a
            fleet, the Knative Service's name. A DNS-1035 label (lower case, starts with a
            letter, at most 63 characters); unique within a router (KN-FLEET-1).
        namespace: The namespace of the model's Knative Service (a DNS-1123 label).
        upstream: ``host:port`` the router connects to. For Knative:
            ``<name>.<namespace>.svc.<cluster domain>:80``, the Service's cluster-local
            address, resolved per request. A DNS name, an IPv4 literal or a bracketed IPv6
            literal; the port is required (KN-FLEET-2).
        host_header: The ``Host`` header sent upstream: what Knative's cluster-local
            ingress routes on, ``<name>.<namespace>.svc.<cluster domain>`` (KN-FLEET-2).
        timeout_seconds: The Knative Service's ``spec.template.spec.timeoutSeconds``
            (whole seconds, >= 1). The router never gives up before Knative does.
        typical_request_seconds: The model's typical inference time in seconds (> 0,
            at most ``timeout_seconds``), or ``None`` (default) when unknown: then the
            longest request, ``timeout_seconds / 1.2`` (KN-SHUT-2), stands in for it.
        model_names: The public model names OpenAI clients send in the body's ``model``
            and ``GET /v1/models`` lists, or ``None`` (default): the model's ``name`` only.
            Unique across the router (KN-FLEET-1); each starts with a letter or digit and
            holds letters, digits and ``. _ : / @ + -``, at most 256 characters.
        engine_model: The model name the upstream engine expects (vLLM's
            ``--served-model-name``), written into the forwarded body's ``model``; or
            ``None`` (default): the body goes upstream as the client sent it.
    """

    name: str
    namespace: str
    upstream: str
    host_header: str
    timeout_seconds: int
    typical_request_seconds: float | None = None
    model_names: tuple[str, ...] | None = None
    engine_model: str | None = None

    @classmethod
    def for_knative_service(
        cls,
        name: str,
        namespace: str,
        *,
        timeout_seconds: int,
        typical_request_seconds: float | None = None,
        cluster_domain: str = DEFAULT_CLUSTER_DOMAIN,
        model_names: Sequence[str] | None = None,
        engine_model: str | None = None,
    ) -> RouterRoute:
        """The route to a Knative Service through its cluster-local address.

        Args:
            name: The Knative Service's name; also the model's path segment.
            namespace: The Knative Service's namespace.
            timeout_seconds: The Service's ``spec.template.spec.timeoutSeconds``.
            typical_request_seconds: Typical inference time, or ``None`` (use the
                longest request, ``timeout_seconds / 1.2``).
            cluster_domain: The cluster's DNS domain. Default ``cluster.local``.
            model_names: See :attr:`model_names`. Default: ``name`` only.
            engine_model: See :attr:`engine_model`. Default: none (the body is not changed).

        Returns:
            A route to ``<name>.<namespace>.svc.<cluster_domain>:80`` with that Host header.
        """
        host = f"{name}.{namespace}.svc.{cluster_domain}"
        return cls(
            name=name,
            namespace=namespace,
            upstream=f"{host}:80",
            host_header=host,
            timeout_seconds=timeout_seconds,
            typical_request_seconds=typical_request_seconds,
            model_names=_as_names(model_names),
            engine_model=engine_model,
        )

    @classmethod
    def for_inference_service(
        cls,
        service: _NamedService,
        namespace: str,
        *,
        typical_request_seconds: float | None = None,
        cluster_domain: str = DEFAULT_CLUSTER_DOMAIN,
    ) -> RouterRoute:
        """The route to a ``GpuInferenceService``: its name and its ``timeoutSeconds``.

        Args:
            service: A ``GpuInferenceService`` (anything with ``name`` and the rendered
                ``manifest``).
            namespace: The namespace the service is synthesized into (the chart's).
            typical_request_seconds: Typical inference time, or ``None`` (use the
                longest request, ``timeoutSeconds / 1.2``).
            cluster_domain: The cluster's DNS domain. Default ``cluster.local``.

        Returns:
            The same as :meth:`for_knative_service` with the service's values.
        """
        spec: Any = service.manifest["spec"]
        timeout = spec["template"]["spec"]["timeoutSeconds"]
        return cls.for_knative_service(
            service.name,
            namespace,
            timeout_seconds=timeout,
            typical_request_seconds=typical_request_seconds,
            cluster_domain=cluster_domain,
        )

    @property
    def upstream_override(self) -> str | None:
        """:attr:`upstream` unless it is Knative's address (the Host header's name, port 80)."""
        return None if self.upstream == f"{self.host_header}:80" else self.upstream

    @property
    def public_names(self) -> tuple[str, ...]:
        """The names OpenAI clients use for this model: :attr:`model_names`, else ``(name,)``."""
        return self.model_names if self.model_names is not None else (self.name,)

    @property
    def effective_typical_seconds(self) -> float:
        """The typical inference time used for the timeouts: the given one, else ``timeout_seconds / 1.2``."""
        if self.typical_request_seconds is not None:
            return float(self.typical_request_seconds)
        return self.timeout_seconds / TYPICAL_FROM_TIMEOUT_DIVISOR

    @property
    def read_timeout_seconds(self) -> int:
        """``proxy_read_timeout`` and ``proxy_send_timeout``, whole seconds (KN-CANCEL-1).

        ``ceil(max(3 x typical, timeout_seconds))``: at least three times the typical
        inference time, and never shorter than Knative's own ``timeoutSeconds``. NGINX
        applies it between two reads (or writes), so a stream that keeps producing tokens
        is never cut by it.
        """
        return _ceil_seconds(max(READ_TIMEOUT_FACTOR * self.effective_typical_seconds, self.timeout_seconds))

    def derivation(self, prefix: str = DEFAULT_PREFIX) -> Derivation:
        """How :attr:`read_timeout_seconds` was derived, for reviewers and ``explain``."""
        return Derivation(
            target=f"nginx.conf location {prefix}{self.name} proxy_read_timeout/proxy_send_timeout",
            value=f"{self.read_timeout_seconds}s",
            inputs={
                "typical_request_seconds": self.typical_request_seconds,
                "timeout_seconds": self.timeout_seconds,
            },
            practice="KN-CANCEL-1",
            rule="ceil(max(3 x typical_request_seconds, timeoutSeconds)); typical defaults to"
            " timeoutSeconds / 1.2 (the longest request)",
        )

    def problems(self, path: str = "route") -> list[Problem]:
        """Check this route; every problem found, with paths under ``path``."""
        found: list[Problem] = []
        if not isinstance(self.name, str):
            found.append(Problem("KN-FLEET-1", f"{path}.name", "the model name must be a string", self.name))
        else:
            found.extend(dns1035_problems(self.name, path=f"{path}.name", code="KN-FLEET-1"))
        namespace_messages = (
            dns1123_label_messages(self.namespace) if isinstance(self.namespace, str) else ["not a string"]
        )
        if namespace_messages:
            found.append(
                Problem(
                    "KN-FLEET-2",
                    f"{path}.namespace",
                    f"not a DNS 1123 label: [{' '.join(namespace_messages)}]",
                    value=self.namespace,
                    allowed=f"lower-case letters, digits and '-', at most {DNS1035_MAX_LENGTH} characters",
                )
            )
        for field_name, need_port in (("upstream", True), ("host_header", False)):
            value = getattr(self, field_name)
            messages = _host_port_messages(value, need_port=need_port)
            if messages:
                found.append(
                    Problem(
                        "KN-FLEET-2",
                        f"{path}.{field_name}",
                        f"invalid {field_name.replace('_', ' ')} {value!r}: {'; '.join(messages)}",
                        value=value,
                        allowed="host:port" if need_port else "host or host:port",
                        hint="use RouterRoute.for_knative_service(name, namespace, ...) for Knative's"
                        " cluster-local address",
                    )
                )
        timeout_ok = _is_positive_int(self.timeout_seconds)
        if not timeout_ok:
            found.append(
                Problem(
                    "KN-CANCEL-1",
                    f"{path}.timeout_seconds",
                    f"expected 1 <= {self.timeout_seconds!r} (whole seconds)",
                    value=self.timeout_seconds,
                    allowed="an integer >= 1 (the Knative Service's timeoutSeconds)",
                )
            )
        typical = self.typical_request_seconds
        if typical is not None:
            if not _is_positive_number(typical):
                found.append(
                    Problem(
                        "KN-CANCEL-1",
                        f"{path}.typical_request_seconds",
                        f"expected 0 < {typical!r}",
                        value=typical,
                        allowed="a finite number of seconds > 0, or None (unknown)",
                    )
                )
            elif timeout_ok and typical > self.timeout_seconds:
                found.append(
                    Problem(
                        "KN-CANCEL-1",
                        f"{path}.typical_request_seconds",
                        f"expected {format_number(typical)} <= {self.timeout_seconds}: Knative cuts every"
                        " request at timeoutSeconds, so a typical request would fail",
                        value=typical,
                        allowed=f"0 < typical_request_seconds <= {self.timeout_seconds} (timeoutSeconds)",
                        hint="raise longest_request_seconds on the service (timeoutSeconds = 1.2 x it,"
                        " KN-SHUT-2) or correct the typical time",
                    )
                )
        found.extend(model_name_problems(self.model_names, self.engine_model, path))
        return found


@dataclass(frozen=True)
class RouterSettings:
    """The router's own knobs; the same for every model behind it.

    Attributes:
        prefix: The path prefix; model ``chat`` is served under ``<prefix>chat/`` and the
            prefix is stripped before proxying. Default ``/models/``. Starts and ends with
            ``/``; segments of letters, digits, ``.``, ``_``, ``~`` and ``-``, not starting
            with ``.``; ``/`` serves models at the root (KN-FLEET-2).
        listen_port: The port NGINX listens on; above 1024 so no privilege is needed.
            Default 8080. Allowed 1025..65535.
        listen_address: The IPv4 address to listen on, or ``None`` (default: all).
        health_path: The router's own health endpoint (liveness/readiness probes).
            Default ``/healthz``; must not fall inside a model's location.
        resolver: The DNS server (``host`` or ``host:port``) that resolves upstream names
            at request time. Default: the cluster DNS, ``kube-dns.kube-system.svc.cluster.local``
            (NGINX resolves this one name once, at start-up, with the pod's resolv.conf).
        resolver_valid_seconds: How long NGINX caches an answer. Default 10. Allowed >= 1.
        resolver_timeout_seconds: How long a lookup may take. Default 5. Allowed >= 1.
        connect_timeout_seconds: ``proxy_connect_timeout``. Default 5: connecting to the
            Knative ingress is fast even when the model is scaled to zero (the activator
            accepts the request and holds it). Allowed >= 1.
        runtime_dir: Where the pid file and NGINX's temp directories go; a writable
            emptyDir in the pod. Default ``/tmp``. An absolute path.
        worker_processes: NGINX worker processes. Default 2. Allowed >= 1.
        worker_connections: Connections per worker; each proxied request uses two.
            Default 4096. Allowed >= 16.
        max_body_megabytes: ``client_max_body_size`` in MiB (NGINX's own default of 1 MiB
            is too small for prompts with images). Default 64. Allowed >= 1.
        access_log: Log each request to stdout. Default ``True``.
        openai: Speak the OpenAI API beside the path routes (default ``True``): the
            endpoints in :data:`OPENAI_BODY_PATHS` go to the model named in the JSON body's
            ``model``, and ``GET /v1/models`` lists the public model names. Needs njs,
            NGINX's JavaScript module (in the default image); ``False`` renders path routes
            only and loads no module.
        openai_max_body_kib: The largest body of a body-routed request, in KiB (default
            2048; 1..65536). The router must hold the whole body in
            memory to read ``model``, for as long as the request lasts; 2 MiB holds a
            128k-token prompt (about 0.5 MB of JSON) with room to spare, and keeps a pod's
            256 MiB enough for a hundred such requests at once. Larger bodies get
            ``413``; send them through the path route, which streams the body.
        njs_module_path: The ``load_module`` path of njs (``ngx_http_js_module.so``).
            Default :data:`DEFAULT_NJS_MODULE_PATH`, right for the default image; Debian's
            package puts it at ``/usr/lib/nginx/modules/ngx_http_js_module.so``.
    """

    prefix: str = DEFAULT_PREFIX
    listen_port: int = 8080
    listen_address: str | None = None
    health_path: str = "/healthz"
    resolver: str = DEFAULT_RESOLVER
    resolver_valid_seconds: int = 10
    resolver_timeout_seconds: int = 5
    connect_timeout_seconds: int = 5
    runtime_dir: str = "/tmp"
    worker_processes: int = 2
    worker_connections: int = 4096
    max_body_megabytes: int = 64
    access_log: bool = True
    openai: bool = True
    openai_max_body_kib: int = DEFAULT_OPENAI_MAX_BODY_KIB
    njs_module_path: str = DEFAULT_NJS_MODULE_PATH

    def problems(self, path: str = "router") -> list[Problem]:
        """Check the settings; every problem found, with paths under ``path``."""
        found: list[Problem] = []

        def add(field_name: str, message: str, allowed: str, hint: str | None = None) -> None:
            value = getattr(self, field_name)
            found.append(Problem("KN-FLEET-2", f"{path}.{field_name}", message, value, allowed, hint))

        prefix = self.prefix
        if not isinstance(prefix, str) or _PREFIX_RE.fullmatch(prefix) is None:
            add(
                "prefix",
                f"invalid path prefix {prefix!r}",
                "'/' or '/seg/.../': segments of letters, digits, '.', '_', '~', '-', not starting with '.'",
                "start and end with '/', e.g. '/models/'",
            )
        port = self.listen_port
        if not _is_positive_int(port) or not 1025 <= port <= 65535:
            add(
                "listen_port",
                f"expected 1025 <= {port!r} <= 65535",
                "1025..65535",
                "ports below 1025 need root; the Service maps port 80 to this one",
            )
        if self.listen_address is not None and not (
            isinstance(self.listen_address, str) and _is_ipv4(self.listen_address)
        ):
            add(
                "listen_address", f"{self.listen_address!r} is not an IPv4 address", "an IPv4 address or None"
            )
        health = self.health_path
        if not isinstance(health, str) or _PATH_RE.fullmatch(health) is None:
            add(
                "health_path",
                f"invalid health path {health!r}",
                "'/seg[/seg...]': segments of letters, digits, '.', '_', '~', '-', not starting with '.'",
            )
        messages = _host_port_messages(self.resolver, need_port=False)
        if messages:
            add("resolver", f"invalid resolver {self.resolver!r}: {'; '.join(messages)}", "host or host:port")
        for field_name, low in (
            ("resolver_valid_seconds", 1),
            ("resolver_timeout_seconds", 1),
            ("connect_timeout_seconds", 1),
            ("worker_processes", 1),
            ("worker_connections", 16),
            ("max_body_megabytes", 1),
        ):
            value = getattr(self, field_name)
            if not _is_positive_int(value) or value < low:
                add(field_name, f"expected {low} <= {value!r}", f"an integer >= {low}")
        runtime = self.runtime_dir
        if (
            not isinstance(runtime, str)
            or not runtime.startswith("/")
            or re.search(r"[\s;{}'\"$\\]", runtime)
        ):
            add(
                "runtime_dir",
                f"invalid runtime directory {runtime!r}",
                "an absolute path without spaces, quotes, ';', '{', '}', '$' or '\\'",
            )
        if not isinstance(self.access_log, bool):
            add("access_log", f"expected a bool, got {self.access_log!r}", "True or False")
        if not isinstance(self.openai, bool):
            add("openai", f"expected a bool, got {self.openai!r}", "True or False")
        limit = self.openai_max_body_kib
        if not _is_positive_int(limit) or limit > OPENAI_MAX_BODY_KIB_LIMIT:
            add(
                "openai_max_body_kib",
                f"expected 1 <= {limit!r} <= {OPENAI_MAX_BODY_KIB_LIMIT}",
                f"an integer of KiB, 1..{OPENAI_MAX_BODY_KIB_LIMIT}",
                "the router holds each body-routed request whole in memory; bigger bodies belong on"
                " the path routes, which stream them",
            )
        module = self.njs_module_path
        if not isinstance(module, str) or not module.startswith("/") or re.search(r"[\s;{}'\"$\\]", module):
            add(
                "njs_module_path",
                f"invalid module path {module!r}",
                "an absolute path without spaces, quotes, ';', '{', '}', '$' or '\\'",
                f"the image's ngx_http_js_module.so: {DEFAULT_NJS_MODULE_PATH} in nginx.org's images,"
                " /usr/lib/nginx/modules/ngx_http_js_module.so on Debian",
            )
        return found


@dataclass(frozen=True)
class RouterPlan:
    """Everything the router's checks and rendering produced.

    Attributes:
        routes: The routes, sorted by name (the order of the locations).
        settings: The settings used.
        problems: Every problem found (errors and warnings), paths under the plan's path.
        conf_text: The ``nginx.conf``, or ``None`` when there are errors.
        derivations: How each model's timeouts were derived (KN-CANCEL-1).
        extra_files: The files ``nginx.conf`` reads from its own directory, as
            ``(name, text)`` pairs: with ``openai``, :data:`ROUTER_JS_FILE` (the njs code)
            and :data:`OPENAI_MODELS_FILE` (the model table body routing reads); else none.
    """

    routes: tuple[RouterRoute, ...]
    settings: RouterSettings
    problems: tuple[Problem, ...]
    conf_text: str | None
    derivations: tuple[Derivation, ...]
    extra_files: tuple[tuple[str, str], ...] = ()

    @property
    def config_sha256(self) -> str | None:
        """The SHA-256 of :attr:`conf_text` (hex), or ``None`` without a configuration."""
        if self.conf_text is None:
            return None
        return hashlib.sha256(self.conf_text.encode()).hexdigest()

    @property
    def files(self) -> dict[str, str]:
        """The router's files by name: the ConfigMap's ``data``, each one mounted next to ``nginx.conf``.

        ``{"nginx.conf": conf_text}`` plus :attr:`extra_files` (``router.js`` and
        ``openai-models.json`` with ``openai``); empty when there are errors (no
        configuration).
        """
        if self.conf_text is None:
            return {}
        return {"nginx.conf": self.conf_text, **dict(self.extra_files)}


def router_problems(
    routes: Iterable[RouterRoute], settings: RouterSettings | None = None, *, path: str = "router"
) -> list[Problem]:
    """Check routes and settings together; every problem, none raised.

    A fleet calls this to report router problems alongside its own.

    Args:
        routes: The routes, in the caller's order (paths use these indexes).
        settings: The router settings. Default :class:`RouterSettings`.
        path: The path prefix of the problems. Default ``router``.

    Returns:
        Problems at paths like ``router.routes[1].name`` and ``router.prefix``.
    """
    settings = settings if settings is not None else RouterSettings()
    routes = list(routes)
    found = settings.problems(path)
    first_index: dict[str, int] = {}
    for index, route in enumerate(routes):
        where = f"{path}.routes[{index}]"
        if not isinstance(route, RouterRoute):
            found.append(
                Problem(
                    "KN-FLEET-2",
                    where,
                    f"expected a RouterRoute, got {type(route).__name__}",
                    value=route,
                    allowed="RouterRoute",
                    hint="build routes with RouterRoute.for_knative_service(name, namespace, ...)",
                )
            )
            continue
        found.extend(route.problems(where))
        if not isinstance(route.name, str):
            continue
        if route.name in first_index:
            found.append(
                Problem(
                    "KN-FLEET-1",
                    f"{where}.name",
                    f"duplicate model name {route.name!r}: routes[{first_index[route.name]}] already"
                    f" serves {settings.prefix}{route.name}/",
                    value=route.name,
                    allowed="a name not used by another route",
                    hint="give each model its own name (one Knative Service per model)",
                )
            )
        else:
            first_index[route.name] = index
    found.extend(_public_name_problems(routes, path))
    if settings.openai is True:
        found.extend(_openai_path_problems(routes, settings, path))
    health = settings.health_path
    if isinstance(health, str) and isinstance(settings.prefix, str):
        for name, index in first_index.items():
            location = f"{settings.prefix}{name}"
            if health == location or health.startswith(location + "/"):
                found.append(
                    Problem(
                        "KN-FLEET-2",
                        f"{path}.health_path",
                        f"the health path {health!r} falls inside model {name!r}'s location {location}/",
                        value=health,
                        allowed=f"a path outside {settings.prefix}<model>/",
                        hint=f"routes[{index}] serves {location}/; move the health path, e.g. /healthz",
                    )
                )
    return found


def _public_name_problems(routes: Sequence[object], path: str) -> list[Problem]:
    """Each public model name on one model only (KN-FLEET-1): the body's ``model`` picks one upstream."""
    found: list[Problem] = []
    owner: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()  # route names so far (a scan of routes[:index] made this quadratic)
    for index, route in enumerate(routes):
        if not isinstance(route, RouterRoute) or not isinstance(route.name, str):
            continue
        duplicate = route.name in seen
        seen.add(route.name)
        names = route.model_names
        if names is None:
            if duplicate:
                continue  # a duplicate model name, reported as one
            pairs: list[tuple[str, str]] = [(route.name, f"{path}.routes[{index}].name")]
        elif isinstance(names, tuple) and not model_name_problems(names, None, ""):
            pairs = [(name, f"{path}.routes[{index}].model_names[{i}]") for i, name in enumerate(names)]
        else:
            continue  # reported by the route's own checks
        for name, where in pairs:
            if name in owner and owner[name][0] != index:
                other, other_where = owner[name]
                found.append(
                    Problem(
                        "KN-FLEET-1",
                        where,
                        f"model name {name!r} is already a name of model {_route_name(routes[other])!r}"
                        f" ({other_where}): a request naming it could reach either",
                        value=name,
                        allowed="a public model name no other model uses",
                        hint="give each model its own names (model_names=[...])",
                    )
                )
            else:
                owner.setdefault(name, (index, where))
    return found


def _route_name(route: object) -> object:
    return route.name if isinstance(route, RouterRoute) else route


def _openai_path_problems(routes: Sequence[object], settings: RouterSettings, path: str) -> list[Problem]:
    """Paths the OpenAI locations take that a model or the health endpoint would also want."""
    found: list[Problem] = []
    taken = (*OPENAI_BODY_PATHS, OPENAI_MODELS_PATH)
    if isinstance(settings.prefix, str):
        for index, route in enumerate(routes):
            if not isinstance(route, RouterRoute) or not isinstance(route.name, str):
                continue
            location = f"{settings.prefix}{route.name}"
            clash = [p for p in taken if p == location or p.startswith(location + "/")]
            if location.startswith(OPENAI_MODELS_PATH + "/"):
                clash.append(f"{OPENAI_MODELS_PATH}/<name>")
            if clash:
                found.append(
                    Problem(
                        "KN-FLEET-2",
                        f"{path}.routes[{index}].name",
                        f"model {route.name!r} is served under {location}/, where the OpenAI API"
                        f" answers {clash[0]}: those requests would never reach the model's path route",
                        value=route.name,
                        allowed=f"a name whose location {settings.prefix}<name>/ holds no OpenAI endpoint",
                        hint="keep the default prefix /models/, rename the model, or set openai=False",
                    )
                )
    health = settings.health_path
    if isinstance(health, str) and (health in taken or health.startswith(OPENAI_MODELS_PATH + "/")):
        found.append(
            Problem(
                "KN-FLEET-2",
                f"{path}.health_path",
                f"the health path {health!r} is an OpenAI endpoint",
                value=health,
                allowed=f"a path other than {', '.join(taken)} and {OPENAI_MODELS_PATH}/...",
                hint="use /healthz",
            )
        )
    return found


def plan_router(
    routes: Iterable[RouterRoute], settings: RouterSettings | None = None, *, path: str = "router"
) -> RouterPlan:
    """Check and render: the routes sorted, every problem, and the ``nginx.conf`` if valid.

    Args:
        routes: The models behind the router.
        settings: The router settings. Default :class:`RouterSettings`.
        path: The path prefix of the problems. Default ``router``.

    Returns:
        The plan; ``conf_text`` is ``None`` when any problem is an error.
    """
    settings = settings if settings is not None else RouterSettings()
    routes = list(routes)
    found = router_problems(routes, settings, path=path)
    if any(p.severity == "error" for p in found):
        return RouterPlan(tuple(routes), settings, tuple(found), None, ())
    ordered = tuple(sorted(routes, key=lambda r: r.name))
    extra = _openai_files(ordered) if settings.openai else ()
    text = _render(ordered, settings)
    derivations = tuple(route.derivation(settings.prefix) for route in ordered)
    return RouterPlan(ordered, settings, tuple(found), text, derivations, extra)


def render_nginx_conf(
    routes: Iterable[RouterRoute],
    *,
    prefix: str = DEFAULT_PREFIX,
    listen_port: int = 8080,
    listen_address: str | None = None,
    health_path: str = "/healthz",
    resolver: str = DEFAULT_RESOLVER,
    resolver_valid_seconds: int = 10,
    resolver_timeout_seconds: int = 5,
    connect_timeout_seconds: int = 5,
    runtime_dir: str = "/tmp",
    worker_processes: int = 2,
    worker_connections: int = 4096,
    max_body_megabytes: int = 64,
    access_log: bool = True,
    openai: bool = True,
    openai_max_body_kib: int = DEFAULT_OPENAI_MAX_BODY_KIB,
    njs_module_path: str = DEFAULT_NJS_MODULE_PATH,
) -> str:
    """Render a complete ``nginx.conf`` (``events`` + ``http``) for the router (KN-FLEET-2).

    The keyword arguments are the fields of :class:`RouterSettings`; see there for each
    one's meaning, default and range. The output is deterministic: locations sorted by
    model name, one directive per line.

    Args:
        routes: The models behind the router (at least zero; names unique).
        prefix: See :attr:`RouterSettings.prefix`.
        listen_port: See :attr:`RouterSettings.listen_port`.
        listen_address: See :attr:`RouterSettings.listen_address`.
        health_path: See :attr:`RouterSettings.health_path`.
        resolver: See :attr:`RouterSettings.resolver`.
        resolver_valid_seconds: See :attr:`RouterSettings.resolver_valid_seconds`.
        resolver_timeout_seconds: See :attr:`RouterSettings.resolver_timeout_seconds`.
        connect_timeout_seconds: See :attr:`RouterSettings.connect_timeout_seconds`.
        runtime_dir: See :attr:`RouterSettings.runtime_dir`.
        worker_processes: See :attr:`RouterSettings.worker_processes`.
        worker_connections: See :attr:`RouterSettings.worker_connections`.
        max_body_megabytes: See :attr:`RouterSettings.max_body_megabytes`.
        access_log: See :attr:`RouterSettings.access_log`.
        openai: See :attr:`RouterSettings.openai`.
        openai_max_body_kib: See :attr:`RouterSettings.openai_max_body_kib`.
        njs_module_path: See :attr:`RouterSettings.njs_module_path`.

    Returns:
        The configuration text. With ``openai`` (the default) it reads ``router.js`` and
        ``openai-models.json`` from its own directory: deploy all of
        ``plan_router(...).files``, not this text alone.

    Raises:
        ValidationError: Every problem with the routes or settings (codes KN-FLEET-1,
            KN-FLEET-2, KN-CANCEL-1; paths like ``router.routes[1].name``).
    """
    settings = RouterSettings(
        prefix=prefix,
        listen_port=listen_port,
        listen_address=listen_address,
        health_path=health_path,
        resolver=resolver,
        resolver_valid_seconds=resolver_valid_seconds,
        resolver_timeout_seconds=resolver_timeout_seconds,
        connect_timeout_seconds=connect_timeout_seconds,
        runtime_dir=runtime_dir,
        worker_processes=worker_processes,
        worker_connections=worker_connections,
        max_body_megabytes=max_body_megabytes,
        access_log=access_log,
        openai=openai,
        openai_max_body_kib=openai_max_body_kib,
        njs_module_path=njs_module_path,
    )
    plan = plan_router(routes, settings)
    raise_for_errors(plan.problems, subject="router")
    assert plan.conf_text is not None
    return plan.conf_text


# ---- rendering -----------------------------------------------------------------------


def _regex_literal(text: str) -> str:
    """``text`` as a PCRE literal: of the characters prefixes and names may hold, only ``.`` is special."""
    return text.replace(".", "\\.")


def _json_body(**fields: str) -> str:
    """A one-line JSON object for ``return``; values are trusted (validated names, NGINX variables)."""
    inner = ", ".join(f'"{key}": "{value}"' for key, value in fields.items())
    return "{" + inner + "}\\n"


def router_js_text() -> str:
    """The njs code of body-model routing (``router.js``), as shipped with the package."""
    return importlib.resources.files("kn_constructs").joinpath("njs", ROUTER_JS_FILE).read_text()


def _openai_location(route: RouterRoute) -> str:
    """The shared named location that proxies ``route``'s body-routed requests.

    One per read timeout, because ``proxy_read_timeout`` and ``proxy_send_timeout`` take no
    variables, and per "the body is rewritten or not", because ``proxy_set_body`` with an
    empty variable would send an empty body: ``@kn_openai_72s`` forwards the client's body,
    ``@kn_openai_72s_rewrite`` the body with ``model`` set to the engine's name.
    """
    suffix = "_rewrite" if route.engine_model is not None else ""
    return f"@kn_openai_{route.read_timeout_seconds}s{suffix}"


def _openai_files(routes: Sequence[RouterRoute]) -> tuple[tuple[str, str], ...]:
    """``router.js`` and the model table it reads: every per-model fact of body routing.

    A file, not ``nginx.conf`` text: NGINX reads no configuration token longer than 4096
    bytes, and a fleet's model list is longer; and nginx.conf holds no per-model body-routing
    lines at all, only one shared location per group (:func:`_openai_location`). nginx.conf
    preloads the table once (``js_preload_object``) and freezes it.

    ``models``, in route order, holds per model (keyed by its name, the Knative Service's):
    ``names`` (its public names, in order), ``host`` (the Host header), ``location`` (its
    group), ``owned_by`` (the namespace), and only when the route has them ``upstream`` (when
    not ``<host>:80``) and ``engine`` (:attr:`RouterRoute.engine_model`). ``routes`` maps each
    public name to its model. One line per model and per name, so a change reads as a small
    diff. The ``GET /v1/models`` list and the known names of the error messages are built from
    ``models`` by router.js when asked for, not stored twice.
    """
    compact = {"separators": (",", ":")}
    models = []
    names = []
    for route in routes:
        facts: dict[str, object] = {
            "names": list(route.public_names),
            "host": route.host_header,
            "location": _openai_location(route),
            "owned_by": route.namespace,
        }
        if route.upstream_override is not None:
            facts["upstream"] = route.upstream_override
        if route.engine_model is not None:
            facts["engine"] = route.engine_model
        models.append(f"    {json.dumps(route.name)}: {json.dumps(facts, **compact)}")  # type: ignore[arg-type]
        names += [f"    {json.dumps(name)}: {json.dumps(route.name)}" for name in route.public_names]
    text = "\n".join(
        ["{", '  "models": {', *_joined(models), "  },", '  "routes": {', *_joined(names), "  }", "}", ""]
    )
    return ((ROUTER_JS_FILE, router_js_text()), (OPENAI_MODELS_FILE, text))


def _joined(members: list[str]) -> list[str]:
    """JSON members one a line: a comma after each but the last (none at all for no members)."""
    return [f"{member}," for member in members[:-1]] + members[-1:]


def _openai_error(status: int, code: str, message: str, param: str | None = None) -> str:
    """``return <status> '<OpenAI error JSON>'``; ``message`` may hold NGINX variables, never quotes."""
    body = json.dumps(
        {
            "error": {
                "message": message,
                "type": "invalid_request_error" if status < 500 else "server_error",
                "param": param,
                "code": code,
            }
        }
    )
    assert "'" not in body, body
    assert "\\" not in body, body
    return f"            return {status} '{body}\\n';"


def _render(routes: Sequence[RouterRoute], s: RouterSettings, extra: Sequence[tuple[str, str]] = ()) -> str:
    runtime = s.runtime_dir.rstrip("/") or ""
    listen = f"{s.listen_address}:{s.listen_port}" if s.listen_address else str(s.listen_port)
    count = len(routes)
    noun = "model" if count == 1 else "models"
    lines = [
        "# nginx.conf of a kn-constructs model router (KN-FLEET-2).",
        "# Generated by kn_constructs.router.render_nginx_conf: change the routes in code, not here.",
        f"# {count} {noun} under {s.prefix}<name>/. Runs unprivileged: no user directive,",
        f"# port {s.listen_port}, pid and temp files under {runtime or '/'}, logs on stdout/stderr.",
    ]
    if s.openai:
        lines += [
            "# OpenAI API: the POST endpoints below go to the model named in the JSON body's",
            '# "model" (njs code in router.js, the fleet\'s names in openai-models.json, both next',
            "# to this file); GET /v1/models lists the public model names.",
            "",
            f"load_module {s.njs_module_path};",
        ]
    lines += [
        "",
        f"worker_processes {s.worker_processes};",
        f"pid {runtime}/nginx.pid;",
        "error_log stderr notice;",
        "",
        "events {",
        f"    worker_connections {s.worker_connections};",
        "}",
        "",
        "http {",
        "    server_tokens off;",
        "    default_type application/json;",
        "    log_format kn_router '$remote_addr \"$request\" $status $body_bytes_sent $request_time'",
        "                         ' model=$kn_model upstream=$upstream_addr $upstream_status'",
        "                         ' $upstream_response_time request_id=$kn_request_id';",
        "    access_log " + ("/dev/stdout kn_router;" if s.access_log else "off;"),
        f"    client_body_temp_path {runtime}/client_temp;",
        f"    proxy_temp_path {runtime}/proxy_temp;",
        f"    fastcgi_temp_path {runtime}/fastcgi_temp;",
        f"    uwsgi_temp_path {runtime}/uwsgi_temp;",
        f"    scgi_temp_path {runtime}/scgi_temp;",
        f"    client_max_body_size {s.max_body_megabytes}m;",
        "",
        *(
            [
                "    # OpenAI API: njs reads the model from the JSON body (paths relative to this file).",
                f"    js_import kn_router from {ROUTER_JS_FILE};",
                f"    js_preload_object kn_models from {OPENAI_MODELS_FILE};",
                "    # Set by njs for a body-routed request: the name the client sent, the body with the",
                "    # engine's name (only for a model that has one), and the model's facts from the table.",
                "    js_var $kn_requested_model;",
                "    js_var $kn_body;",
                "    js_var $kn_openai_service;",
                "    js_var $kn_openai_host;",
                "    js_var $kn_openai_upstream;",
                "",
            ]
            if s.openai
            else []
        ),
        "    # Upstream names are resolved per request, not at start-up: NGINX starts even when a",
        "    # model's Knative Service does not exist yet (that model answers 502 until it does).",
        f"    resolver {s.resolver} valid={s.resolver_valid_seconds}s;",
        f"    resolver_timeout {s.resolver_timeout_seconds}s;",
        "",
        "    # Stream both ways, never queue (KN-FLEET-3): tokens reach the client as the model",
        "    # writes them, request bodies go upstream as they arrive, nothing is spooled to disk.",
        "    proxy_http_version 1.1;",
        "    proxy_buffering off;",
        "    proxy_request_buffering off;",
        "    proxy_cache off;",
        "    gzip off;",
        "    # A model cannot switch buffering (or anything else) back on through X-Accel-* headers;",
        "    # X-Accel-Buffering: no tells proxies in front of this one not to buffer either.",
        "    proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering"
        " X-Accel-Charset;",
        "    add_header X-Accel-Buffering no always;",
        "",
        "    # Cancellation (KN-CANCEL-2): a client that goes away closes the upstream connection,",
        "    # and an inference request is never retried on another upstream.",
        "    proxy_ignore_client_abort off;",
        "    proxy_next_upstream off;",
        "    proxy_intercept_errors off;",
        f"    proxy_connect_timeout {s.connect_timeout_seconds}s;",
        "",
        "    # Knative's cluster-local ingress routes on the Host header.",
        "    proxy_set_header Host $kn_host;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    proxy_set_header X-Forwarded-Host $host;",
        (
            "    proxy_set_header X-Forwarded-Prefix $kn_forwarded_prefix;"
            if s.openai
            else f"    proxy_set_header X-Forwarded-Prefix {s.prefix.rstrip('/')}/$kn_model;"
        ),
        "    proxy_set_header X-Request-ID $kn_request_id;",
        "",
        *(
            [
                "    # The prefix a path route stripped; a body-routed request keeps its path, so none.",
                "    map $kn_requested_model $kn_forwarded_prefix {",
                f'        "" {s.prefix.rstrip("/")}/$kn_model;',
                '        default "";',
                "    }",
                "",
            ]
            if s.openai
            else []
        ),
        "    map $http_x_request_id $kn_request_id {",
        '        "" $request_id;',
        "        default $http_x_request_id;",
        "    }",
        "",
        "    server {",
        f"        listen {listen} default_server;",
        "        server_name _;",
        "        # Defaults for requests no model location takes; each model location sets its own.",
        "        set $kn_model -;",
        "        set $kn_host -;",
        "",
        "        error_page 404 @kn_unknown_model;",
        "        error_page 502 @kn_bad_gateway;",
        "        error_page 504 @kn_gateway_timeout;",
        "",
        f"        location = {s.health_path} {{",
        "            access_log off;",
        "            return 200 '" + _json_body(status="ok") + "';",
        "        }",
        "",
        "        location / {",
        "            return 404;",
        "        }",
        "",
        "        location @kn_unknown_model {",
        "            return 404 '"
        + _json_body(error="unknown model", hint=f"send requests to {s.prefix}<model>/...")
        + "';",
        "        }",
        "",
        "        location @kn_bad_gateway {",
        "            return 502 '"
        + _json_body(error="model unavailable", model="$kn_model", hint="is its Knative Service ready?")
        + "';",
        "        }",
        "",
        "        location @kn_gateway_timeout {",
        "            return 504 '" + _json_body(error="model timed out", model="$kn_model") + "';",
        "        }",
    ]
    if s.openai:
        lines += _openai_server_lines(routes, s)
    if routes:
        lines += [
            "",
            f"        # One location per model. The rewrite strips {s.prefix}<name> and stops there",
            "        # (break); a path that only starts with the name (<name>x/...) does not match it",
            "        # and gets the 404. Read/send timeouts (KN-CANCEL-1): max(3 x typical inference",
            "        # time, timeoutSeconds) in whole seconds; an unknown typical time is taken to be the",
            "        # longest request, timeoutSeconds/1.2. Without $kn_upstream, the upstream is",
            "        # $kn_host on port 80: the Knative Service's cluster-local address.",
        ]
    for route in routes:
        lines += _location(route, s.prefix)
    lines += ["    }", "}", ""]
    return "\n".join(lines)


def _openai_server_lines(routes: Sequence[RouterRoute], s: RouterSettings) -> list[str]:
    kib = s.openai_max_body_kib
    lines = [
        "",
        "        # OpenAI API errors: the same shape as OpenAI's, answered without any upstream.",
        "        location @kn_openai_too_large {",
        _openai_error(
            413,
            "request_too_large",
            f"The request body is larger than the {kib} KiB limit of the router for OpenAI requests;"
            f" send it through the path route {s.prefix}<model>/v1/... instead.",
        ),
        "        }",
        "",
        "        location @kn_openai_bad_gateway {",
        _openai_error(
            502,
            "model_unavailable",
            "The model `$kn_requested_model` (Knative Service $kn_model) is unavailable; is it ready?",
            "model",
        ),
        "        }",
        "",
        "        location @kn_openai_gateway_timeout {",
        _openai_error(
            504, "model_timeout", "The model `$kn_requested_model` did not answer in time.", "model"
        ),
        "        }",
        "",
        f"        # The public model names, from the synth-time table: {OPENAI_MODELS_PATH}[/<name>].",
        f"        location = {OPENAI_MODELS_PATH} {{",
        "            js_content kn_router.listModels;",
        "        }",
        "",
        f"        location {OPENAI_MODELS_PATH}/ {{",
        "            js_content kn_router.retrieveModel;",
        "        }",
        "",
        '        # Routed by the body\'s "model". Only these locations read a body before proxying:',
        f"        # at most {kib} KiB, in one memory buffer (never a temp file), so njs can parse it;",
        "        # larger bodies get 413. njs answers 400/404/405 itself, or sets the model's Service,",
        "        # Host and upstream from openai-models.json and hands the request to its group below.",
    ]
    for endpoint in OPENAI_BODY_PATHS:
        lines += [
            f"        location = {endpoint} {{",
            f"            client_max_body_size {kib}k;",
            f"            client_body_buffer_size {kib}k;",
            "            client_body_in_single_buffer on;",
            "            error_page 413 @kn_openai_too_large;",
            "            js_content kn_router.route;",
            "        }",
            "",
        ]
    groups: dict[str, list[RouterRoute]] = {}
    for route in sorted(routes, key=lambda r: (r.read_timeout_seconds, r.engine_model is not None)):
        groups.setdefault(_openai_location(route), []).append(route)
    if groups:
        lines += [
            "        # Body-routed requests, one location per read timeout (proxy_*_timeout take no",
            "        # variables) and per body kept or rewritten, whatever the number of models: the",
            "        # same proxying as the path locations (Host, timeouts, streaming, aborts, no retry),",
            "        # the request's own path, no X-Forwarded-Prefix.",
        ]
    for location, members in groups.items():
        timeout = members[0].read_timeout_seconds
        rewrite = members[0].engine_model is not None
        count = len(members)
        lines += [
            f"        # {timeout}s: {count} {'model' if count == 1 else 'models'}"
            + (", the body's \"model\" set to the engine's name" if rewrite else ", the body as sent"),
            f"        location {location} {{",
            "            set $kn_model $kn_openai_service;",
            "            set $kn_host $kn_openai_host;",
        ]
        if rewrite:
            lines.append("            proxy_set_body $kn_body;")
        lines += [
            "            error_page 502 @kn_openai_bad_gateway;",
            "            error_page 504 @kn_openai_gateway_timeout;",
            f"            proxy_read_timeout {timeout}s;",
            f"            proxy_send_timeout {timeout}s;",
            "            proxy_pass http://$kn_openai_upstream;",
            "        }",
            "",
        ]
    return lines[:-1] if lines[-1] == "" else lines


def _location(route: RouterRoute, prefix: str) -> list[str]:
    location = f"{prefix}{route.name}"
    timeout = route.read_timeout_seconds
    if route.typical_request_seconds is not None:
        typical = f"{format_number(round(route.typical_request_seconds, 3))}s"
    else:
        typical = f"{route.timeout_seconds}s/1.2"
    lines = [
        "",
        f"        # {route.name}: {timeout}s = max(3 x {typical}, {route.timeout_seconds}s)",
        f"        location {location} {{",
        f"            set $kn_model {route.name};",
        f"            set $kn_host {route.host_header};",
    ]
    if route.upstream_override is None:
        target = "$kn_host"  # Knative's address: the Host header's name, port 80
    else:
        lines.append(f"            set $kn_upstream {route.upstream_override};")
        target = "$kn_upstream"
    return [
        *lines,
        f"            rewrite ^{_regex_literal(location)}(?:/(.*))?$ /$1 break;",
        "            return 404;",
        f"            proxy_read_timeout {timeout}s;",
        f"            proxy_send_timeout {timeout}s;",
        f"            proxy_pass http://{target};",
        "        }",
    ]


def __getattr__(name: str) -> Any:
    """Load :class:`~kn_constructs.router_construct.ModelRouter` (and cdk8s) on first use."""
    if name == "ModelRouter":
        from kn_constructs.router_construct import ModelRouter

        return ModelRouter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
