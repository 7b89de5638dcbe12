"""The practices that can be judged from a Knative Service's YAML, as lint rules.

Knative's own rules are not repeated here: the linter runs
:func:`kn_constructs.knative.check_manifest` for those (codes ``KNATIVE-…``). This module adds the
inference practices of :data:`kn_constructs.practices.PRACTICES` that a plain Service dict shows,
each as a :class:`LintRule` in :data:`LINT_RULES` (the table ``docs/lint.md`` lists). Every
problem a rule returns carries the practice ID as its code.

Thresholds are the ones the constructs use, imported from where they are defined (timeout factor,
long-request limit, probe detection time, utilization default, batching ceiling, secret and hub
detection), so a practice is judged the same way in both places.

The rules judge inference services only (:attr:`ServiceView.inference`): a GPU workload
(:func:`is_gpu_service`: an accelerator resource, or placement on GPU nodes) or a Service declared
with :data:`INFERENCE_LABEL`. Rules scoped ``"gpu"`` need the GPU to show in the manifest. A
document gets at most one finding per code (:func:`one_per_code`); opinions are ``"info"``.
"""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from kn_constructs._format import format_number
from kn_constructs.batching import FIXED_HARD_CEILING
from kn_constructs.errors import Problem, Severity
from kn_constructs.gpus import VOCABULARIES, unknown_class_problem
from kn_constructs.images import IMAGE_DIGEST
from kn_constructs.inference import (
    LONG_REQUEST_WARN_SECONDS,
    OFFLINE_ENV,
    TIMEOUT_FACTOR,
)
from kn_constructs.knative import rules as kn
from kn_constructs.knative.durations import parse_go_duration
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings
from kn_constructs.practices import PRACTICES
from kn_constructs.probes import READINESS_DETECTION_WARN_SECONDS
from kn_constructs.profile import DEFAULT_PANIC_THRESHOLD, DEFAULT_UTILIZATION, UTILIZATION_WARN_BELOW
from kn_constructs.sources import is_external_hub_uri, is_literal_secret

__all__ = [
    "GPU_NODE_LABELS",
    "GPU_RESOURCES",
    "INFERENCE_LABEL",
    "LINT_RULES",
    "LINT_YAML",
    "LintRule",
    "Scope",
    "ServiceView",
    "declares_inference",
    "is_gpu_service",
    "is_knative_service",
    "is_literal_secret",
    "one_per_code",
    "practice_problems",
]

Scope = Literal["inference", "gpu", "file"]

#: Code of a YAML document that does not parse.
LINT_YAML: Final = "LINT-YAML"

#: Utilization below this is called out even when written explicitly (KN-CONC-3).
#: Kubernetes' probe defaults (``periodSeconds``, ``failureThreshold``).
_K8S_PROBE_PERIOD: Final = 10
_K8S_PROBE_FAILURES: Final = 3
#: Readiness periods at or above this are slow (KN-PROBE-1: period in [1, 10)).
_SLOW_READINESS_PERIOD: Final = 10
#: timeoutSeconds above this means requests over ~2 minutes (KN-LONG-1 via KN-SHUT-2's factor).
LONG_TIMEOUT_SECONDS: Final = math.ceil(LONG_REQUEST_WARN_SECONDS * TIMEOUT_FACTOR)
#: Values Hugging Face libraries read as "on" for HF_HUB_OFFLINE.
_TRUTHY: Final = frozenset({"1", "on", "yes", "true"})
#: Resource names (shell patterns, lower case) of accelerators: NVIDIA's and AMD's device plugins
#: (``nvidia.com/gpu``, MIG slices ``nvidia.com/mig-1g.5gb``, ``amd.com/gpu``), Intel's
#: (``gpu.intel.com/i915``, ``gpu.intel.com/xe``), any other ``<vendor>/gpu``, Google TPUs, AWS
#: Neuron and Habana Gaudi.
GPU_RESOURCES: Final = (
    "*/gpu",
    "nvidia.com/*",
    "gpu.intel.com/*",
    "google.com/tpu",
    "aws.amazon.com/neuron*",
    "habana.ai/gaudi",
)
#: Node labels that only GPU nodes carry: NVIDIA GPU feature discovery and the GPU operator
#: (``nvidia.com/gpu.product``, ``nvidia.com/gpu.present``...), CoreWeave's GPU class, GKE's and
#: EKS's accelerator labels, Karpenter's GPU labels, AMD's node labeller.
GPU_NODE_LABELS: Final = frozenset(
    {
        "gpu.nvidia.com/class",
        "gpu.nvidia.com/model",
        "cloud.google.com/gke-accelerator",
        "cloud.google.com/gke-tpu-accelerator",
        "k8s.amazonaws.com/accelerator",
        "karpenter.k8s.aws/instance-gpu-name",
        "karpenter.k8s.aws/instance-gpu-count",
        "karpenter.k8s.aws/instance-gpu-manufacturer",
    }
)
#: Prefixes of GPU node labels (``nvidia.com/gpu.product``, ``nvidia.com/mig.config``,
#: ``amd.com/gpu.family``).
GPU_NODE_LABEL_PREFIXES: Final = ("nvidia.com/gpu", "nvidia.com/mig", "amd.com/gpu", "beta.amd.com/gpu")
#: Node-affinity operators that steer a pod towards nodes with the label.
_TOWARDS: Final = frozenset({"In", "Exists", "Gt", "Lt"})
#: The label ``GpuInferenceService`` writes on the Service and its template (the model's name); it
#: declares an inference service.
INFERENCE_LABEL: Final = "kn-constructs.io/model"
_URI: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"',;]+")
_LABEL_NAME: Final = "app.kubernetes.io/name"
#: Registries ko side-loads into (``publish.LocalDomain``, ``KindDomain``, ``K3sDomain``).
_KO_LOCAL_DOMAINS: Final = frozenset({"ko.local", "kind.local", "k3s.local"})
_HEX64: Final = re.compile(r"[0-9a-f]{64}")

_ANNOTATIONS: Final = "spec.template.metadata.annotations"
_SPEC: Final = "spec.template.spec"


# --------------------------------------------------------------------------- the view of a Service


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _resource_is_gpu(name: object) -> bool:
    text = str(name).lower()
    return any(fnmatch.fnmatchcase(text, pattern) for pattern in GPU_RESOURCES)


def _gpu_label(key: object) -> bool:
    text = str(key)
    return text in GPU_NODE_LABELS or text.startswith(GPU_NODE_LABEL_PREFIXES)


def _node_terms(affinity: object) -> Iterator[Mapping[str, Any]]:
    """The node selector terms of a pod's node affinity, required and preferred."""
    node = _mapping(_mapping(affinity).get("nodeAffinity"))
    required = _mapping(node.get("requiredDuringSchedulingIgnoredDuringExecution"))
    for term in _list(required.get("nodeSelectorTerms")):
        yield _mapping(term)
    for preferred in _list(node.get("preferredDuringSchedulingIgnoredDuringExecution")):
        yield _mapping(_mapping(preferred).get("preference"))


def _gpu_affinity(affinity: object) -> bool:
    """Whether node affinity steers the pod towards a GPU node label (``In``, ``Exists``, ``Gt``, ``Lt``)."""
    for term in _node_terms(affinity):
        for expression in (*_list(term.get("matchExpressions")), *_list(term.get("matchFields"))):
            expression = _mapping(expression)
            if _gpu_label(expression.get("key")) and expression.get("operator") in _TOWARDS:
                return True
    return False


def is_gpu_service(spec: Mapping[str, Any]) -> bool:
    """Whether a revision spec describes a GPU workload.

    True when a container (or init container) requests or limits an accelerator resource
    (:data:`GPU_RESOURCES`: ``nvidia.com/gpu``, ``amd.com/gpu``, any ``*/gpu``...), or the pod is
    placed on GPU nodes: a node selector on a GPU node label (:data:`GPU_NODE_LABELS`), node
    affinity that selects one (``In``, ``Exists``, ``Gt``, ``Lt``; ``NotIn`` and
    ``DoesNotExist`` keep a pod *off* GPU nodes), or the NVIDIA runtime class. Tolerations alone
    do not count: they let a pod onto GPU nodes, they do not put it there.

    Args:
        spec: ``spec.template.spec`` of a Knative Service.
    """
    for container in (*_list(spec.get("containers")), *_list(spec.get("initContainers"))):
        resources = _mapping(_mapping(container).get("resources"))
        for group in ("limits", "requests"):
            if any(_resource_is_gpu(name) for name in _mapping(resources.get(group))):
                return True
    if any(_gpu_label(key) for key in _mapping(spec.get("nodeSelector"))):
        return True
    if _gpu_affinity(spec.get("affinity")):
        return True
    runtime = spec.get("runtimeClassName")
    return isinstance(runtime, str) and "nvidia" in runtime.lower()


def declares_inference(manifest: Mapping[str, Any]) -> bool:
    """Whether a Service carries the label the library writes on inference services.

    :data:`INFERENCE_LABEL` (``kn-constructs.io/model``) on the Service or its template: every
    ``GpuInferenceService`` writes it (with the model's name), and hand-written YAML can add it to
    declare an inference service whose GPU the manifest does not show.
    """
    metadata = _mapping(manifest.get("metadata"))
    template = _mapping(_mapping(_mapping(manifest.get("spec")).get("template")).get("metadata"))
    return any(INFERENCE_LABEL in _mapping(meta.get("labels")) for meta in (metadata, template))


def is_knative_service(manifest: object) -> bool:
    """Whether a document is a Knative Service (``serving.knative.dev/*``, kind ``Service``)."""
    if not isinstance(manifest, Mapping) or manifest.get("kind") != "Service":
        return False
    api_version = manifest.get("apiVersion")
    return isinstance(api_version, str) and api_version.startswith("serving.knative.dev/")


@dataclass(frozen=True)
class ServiceView:
    """The parts of a Knative Service the practice rules read, looked up once.

    Attributes:
        manifest: The whole Service.
        settings: The cluster settings assumed.
        annotations: ``spec.template.metadata.annotations`` (string values only).
        spec: ``spec.template.spec``.
        containers: ``(index, container)`` for each container that is a map.
        serving: Index of the serving container (the one with ``ports``, else the first), or
            ``None`` when there is no container.
        gpu: Whether the Service is a GPU workload (:func:`is_gpu_service`).
        inference: Whether the Service is an inference service: a GPU workload, or declared with
            :data:`INFERENCE_LABEL` (:func:`declares_inference`).
    """

    manifest: Mapping[str, Any]
    settings: ClusterSettings
    annotations: Mapping[str, str]
    spec: Mapping[str, Any]
    containers: tuple[tuple[int, Mapping[str, Any]], ...]
    serving: int | None
    gpu: bool
    inference: bool

    @classmethod
    def of(cls, manifest: Mapping[str, Any], settings: ClusterSettings = DEFAULT_SETTINGS) -> ServiceView:
        """Build the view of a Service manifest (any shape: missing parts read as empty)."""
        template = _mapping(_mapping(manifest.get("spec")).get("template"))
        raw = _mapping(_mapping(template.get("metadata")).get("annotations"))
        annotations = {str(k): v for k, v in raw.items() if isinstance(v, str)}
        spec = _mapping(template.get("spec"))
        containers = tuple(
            (i, c) for i, c in enumerate(_list(spec.get("containers"))) if isinstance(c, Mapping)
        )
        serving = next((i for i, c in containers if c.get("ports")), containers[0][0] if containers else None)
        gpu = is_gpu_service(spec)
        inference = gpu or declares_inference(manifest)
        return cls(manifest, settings, annotations, spec, containers, serving, gpu, inference)

    def annotation(self, key: str) -> tuple[str, str] | None:
        """The template annotation ``key`` (or its legacy alias): ``(key used, value)``."""
        if key in self.annotations:
            return key, self.annotations[key]
        alias = kn.ANNOTATION_ALIASES.get(key)
        if alias is not None and alias in self.annotations:
            return alias, self.annotations[alias]
        return None

    def autoscaler_class(self) -> str:
        """The pod autoscaler class in effect (annotation, else the cluster default)."""
        return self.annotations.get(kn.ANN_CLASS) or self.settings.pod_autoscaler_class

    def metric(self) -> str:
        """The autoscaling metric in effect (annotation, else the class's default)."""
        metric = self.annotations.get(kn.ANN_METRIC)
        if metric:
            return metric
        return "concurrency" if self.autoscaler_class() == kn.KPA_CLASS else ""

    def container_concurrency(self) -> int:
        """``containerConcurrency`` in effect (the spec's, else config-defaults'); 0 = unlimited."""
        value = _int(self.spec.get("containerConcurrency"))
        return value if value is not None else self.settings.container_concurrency

    def serving_container(self) -> Mapping[str, Any] | None:
        """The serving container, if any."""
        if self.serving is None:
            return None
        return dict(self.containers)[self.serving]

    def serving_probe(self, field_name: str) -> tuple[Mapping[str, Any], str] | None:
        """The serving container's probe ``field_name`` (``livenessProbe``...) and its path, if set."""
        container = self.serving_container()
        probe = container.get(field_name) if container is not None else None
        if not isinstance(probe, Mapping) or self.serving is None:
            return None
        return probe, f"{self.container_path(self.serving)}.{field_name}"

    def container_path(self, index: int) -> str:
        """The field path of container ``index``."""
        return f"{_SPEC}.containers[{index}]"


# --------------------------------------------------------------------------- the rule table


Check = Callable[[ServiceView, "LintRule"], list[Problem]]


@dataclass(frozen=True)
class LintRule:
    """One practice rule the linter applies to YAML.

    Attributes:
        id: The code of the findings: a practice ID (``KN-CONC-3``) or ``LINT-YAML``. Several
            rules may share a practice ID (one practice, checks of different severities).
        severity: The severity of its findings.
        scope: ``"inference"`` (inference services: GPU workloads, or declared with
            :data:`INFERENCE_LABEL`), ``"gpu"`` (GPU workloads only) or ``"file"`` (the file
            itself, not a Service).
        title: What the rule reports, in a line.
        check: The function that judges one Service (``None`` for file-level rules).
    """

    id: str
    severity: Severity
    scope: Scope
    title: str
    check: Check | None = None

    @property
    def practice_title(self) -> str | None:
        """The title of the practice behind the rule (``None`` for ``LINT-…`` rules)."""
        entry = PRACTICES.get(self.id)
        return entry.title if entry is not None else None

    def problem(
        self,
        path: str,
        message: str,
        *,
        value: object = None,
        allowed: str | None = None,
        hint: str | None = None,
    ) -> Problem:
        """A finding of this rule: its code and severity, at ``path``."""
        return Problem(
            self.id, path, message, value=value, allowed=allowed, hint=hint, severity=self.severity
        )


# --------------------------------------------------------------------------- autoscaling and concurrency


def _utilization(view: ServiceView, rule: LintRule) -> list[Problem]:
    if view.autoscaler_class() != kn.KPA_CLASS or view.metric() not in ("concurrency", "rps"):
        return []
    at = f"{_ANNOTATIONS}.{kn.ANN_TARGET_UTILIZATION}"
    found = view.annotation(kn.ANN_TARGET_UTILIZATION)
    if found is not None:
        key, raw = found
        value = _float(raw)
        if value is None or not 1 <= value < UTILIZATION_WARN_BELOW:
            return []
        return [
            rule.problem(
                f"{_ANNOTATIONS}.{key}",
                f"target utilization {format_number(value)}% keeps {format_number(100 - value)}% of every"
                " pod's capacity idle: GPU pods are started long before they are needed",
                value=raw,
                allowed=f"{format_number(UTILIZATION_WARN_BELOW)}..100 (start at 90..95)",
                hint=f'set {kn.ANN_TARGET_UTILIZATION}: "{format_number(DEFAULT_UTILIZATION)}"',
            )
        ]
    # rps: Knative's fixed 70 % (no ConfigMap key sets it); concurrency: config-autoscaler's value.
    default = 70.0 if view.metric() == "rps" else view.settings.container_concurrency_target_percentage
    cc = view.container_concurrency()
    if default >= DEFAULT_UTILIZATION:
        return []
    message = f"target utilization is not set: the cluster default of {format_number(default)}% applies"
    if view.metric() == "concurrency" and cc > 0:
        target = _float(view.annotations.get(kn.ANN_TARGET, "")) or float(cc)
        per_pod = min(target, float(cc)) * default / 100
        message += (
            f"; with containerConcurrency {cc} the autoscaler aims at {format_number(round(per_pod, 3))}"
            f" requests per pod, so 10 requests in flight ask for {math.ceil(10 / per_pod - 1e-9)} pods"
        )
    return [
        rule.problem(
            at,
            message,
            allowed="written explicitly; 90..95 to start",
            hint=f'add {kn.ANN_TARGET_UTILIZATION}: "{format_number(DEFAULT_UTILIZATION)}" to {_ANNOTATIONS}',
        )
    ]


def _class_and_metric_implicit(view: ServiceView, rule: LintRule) -> list[Problem]:
    missing = [key for key in (kn.ANN_CLASS, kn.ANN_METRIC) if key not in view.annotations]
    if not missing:
        return []
    what = " and ".join({kn.ANN_CLASS: "autoscaler class", kn.ANN_METRIC: "metric"}[key] for key in missing)
    return [
        rule.problem(
            f"{_ANNOTATIONS}.{missing[0]}",
            f"{what} not written: the defaults apply (class {view.autoscaler_class()}, metric"
            f" {view.metric() or 'the class default'}), and a cluster change would silently change how this"
            " service scales",
            allowed=f"{kn.ANN_CLASS}: {kn.KPA_CLASS}, {kn.ANN_METRIC}: concurrency",
            hint="add "
            + " and ".join(
                f"{key}: {kn.KPA_CLASS if key == kn.ANN_CLASS else 'concurrency'}" for key in missing
            ),
        )
    ]


def _class_and_metric_wrong(view: ServiceView, rule: LintRule) -> list[Problem]:
    cls = view.annotations.get(kn.ANN_CLASS)
    metric = view.annotations.get(kn.ANN_METRIC)
    if cls is not None and cls != kn.KPA_CLASS:
        return [
            rule.problem(
                f"{_ANNOTATIONS}.{kn.ANN_CLASS}",
                f"inference services scale with the KPA on concurrency, not with {cls}",
                value=cls,
                allowed=kn.KPA_CLASS,
                hint="the KPA reacts to in-flight requests and can scale to zero",
            )
        ]
    if metric is not None and metric != "concurrency" and view.autoscaler_class() == kn.KPA_CLASS:
        return [
            rule.problem(
                f"{_ANNOTATIONS}.{kn.ANN_METRIC}",
                f"inference services scale on concurrency (requests in flight), not on {metric}",
                value=metric,
                allowed="concurrency",
                hint="a GPU serves a fixed number of requests at once: scale on that",
            )
        ]
    return []


def _target_above_limit(view: ServiceView, rule: LintRule) -> list[Problem]:
    cc = _int(view.spec.get("containerConcurrency"))
    target = _float(view.annotations.get(kn.ANN_TARGET, ""))
    if view.metric() != "concurrency" or cc is None or cc <= 0 or target is None or target <= cc:
        return []
    return [
        rule.problem(
            f"{_ANNOTATIONS}.{kn.ANN_TARGET}",
            f"target {format_number(target)} is above containerConcurrency {cc}: Knative uses"
            f" min(target, containerConcurrency) = {cc}",
            value=view.annotations[kn.ANN_TARGET],
            allowed=f"<= {cc}",
            hint="set the soft target to the hard limit (or below it for in-flight batching)",
        )
    ]


def _concurrency_queue(view: ServiceView, rule: LintRule) -> list[Problem]:
    cc = _int(view.spec.get("containerConcurrency"))
    if cc is None and view.spec.get("containerConcurrency") is not None:
        return []  # a wrong type: Knative's schema check reports it
    effective = view.container_concurrency()
    if effective == 0:
        source = "containerConcurrency 0" if cc == 0 else "no containerConcurrency (cluster default 0)"
        return [
            rule.problem(
                f"{_SPEC}.containerConcurrency",
                f"{source}: the pod accepts unlimited requests and queues them on the GPU",
                value=cc,
                allowed="1.. (1 when the engine does not batch)",
                hint="set containerConcurrency to what one pod serves at once",
            )
        ]
    target = _float(view.annotations.get(kn.ANN_TARGET, ""))
    if cc is not None and target is not None and target > 0 and cc > FIXED_HARD_CEILING * target:
        return [
            rule.problem(
                f"{_SPEC}.containerConcurrency",
                f"containerConcurrency {cc} is over {format_number(FIXED_HARD_CEILING)} x the target"
                f" {format_number(target)}: requests wait inside the pod instead of starting new pods",
                value=cc,
                allowed=f"<= {format_number(FIXED_HARD_CEILING * target)}",
                hint="keep the hard limit near what batching serves at once",
            )
        ]
    return []


def _panic_threshold(view: ServiceView, rule: LintRule) -> list[Problem]:
    found = view.annotation(kn.ANN_PANIC_THRESHOLD_PERCENTAGE)
    if found is None:
        return []
    key, raw = found
    value = _float(raw)
    if value is None or not kn.PANIC_THRESHOLD_PERCENTAGE_MIN <= value < DEFAULT_PANIC_THRESHOLD:
        return []
    return [
        rule.problem(
            f"{_ANNOTATIONS}.{key}",
            f"panic threshold {format_number(value)}% makes the autoscaler panic on ordinary bursts",
            value=raw,
            allowed=f">= {format_number(DEFAULT_PANIC_THRESHOLD)}",
            hint="keep 200 or more until scaling is measured to be stable",
        )
    ]


def _max_scale(view: ServiceView, rule: LintRule) -> list[Problem]:
    found = view.annotation(kn.ANN_MAX_SCALE)
    value = _float(found[1]) if found is not None else None
    if found is not None and value != 0:
        return []
    if found is None and view.settings.max_scale > 0:
        return []
    at = f"{_ANNOTATIONS}.{found[0] if found is not None else kn.ANN_MAX_SCALE}"
    why = "max-scale 0 is unlimited" if found is not None else "no max-scale (cluster default: unlimited)"
    return [
        rule.problem(
            at,
            f"{why}: nothing caps how many GPUs this service takes",
            value=found[1] if found is not None else None,
            allowed="1..the GPUs you can spend",
            hint=f'add {kn.ANN_MAX_SCALE}: "<pods your GPU quota holds>"',
        )
    ]


# --------------------------------------------------------------------------- timeouts and probes


def _timeout(view: ServiceView, rule: LintRule) -> list[Problem]:
    value = view.spec.get("timeoutSeconds")
    if value not in (None, 0):
        return []
    default = view.settings.revision_timeout_seconds
    return [
        rule.problem(
            f"{_SPEC}.timeoutSeconds",
            f"no timeoutSeconds: the cluster's revision-timeout-seconds ({default}s) applies, to every"
            " request and to the shutdown grace period",
            value=value,
            allowed=f"ceil({format_number(TIMEOUT_FACTOR)} x the longest request), 1.."
            f"{view.settings.max_revision_timeout_seconds}",
            hint="set timeoutSeconds from the longest request you expect",
        )
    ]


def _long_timeout(view: ServiceView, rule: LintRule) -> list[Problem]:
    value = _int(view.spec.get("timeoutSeconds"))
    if value is None or value <= LONG_TIMEOUT_SECONDS:
        return []
    longest = value / TIMEOUT_FACTOR
    return [
        rule.problem(
            f"{_SPEC}.timeoutSeconds",
            f"timeoutSeconds {value} is for requests of about {format_number(round(longest))}s: requests"
            f" over {LONG_REQUEST_WARN_SECONDS}s are long for Knative",
            value=value,
            allowed=f"<= {LONG_TIMEOUT_SECONDS}",
            hint="move long work to a queue or batch job",
        )
    ]


def _probe_numbers(probe: Mapping[str, Any]) -> tuple[int, int, int]:
    """``(initialDelaySeconds, periodSeconds, failureThreshold)`` with Kubernetes' defaults."""
    delay = _int(probe.get("initialDelaySeconds")) or 0
    period = _int(probe.get("periodSeconds"))
    failures = _int(probe.get("failureThreshold"))
    return (
        delay,
        period if period is not None else _K8S_PROBE_PERIOD,
        failures if failures is not None and failures > 0 else _K8S_PROBE_FAILURES,
    )


def time_to_liveness_kill(delay: int, period: int, failures: int) -> tuple[int, int]:
    """Seconds from container start until the kubelet restarts a container that never passes liveness.

    The kubelet's probe worker (``pkg/kubelet/prober/worker.go``, ``worker.doProbe``) skips every
    tick while the container has run for less than ``initialDelaySeconds``, then probes once per
    ``periodSeconds`` tick and reports a failure on the ``failureThreshold``-th failure in a row.
    The first probe falls on the first tick at or after the delay (ticks are not aligned with the
    container start), so the restart comes between ``delay + (failures - 1) x period`` and
    ``delay + failures x period`` seconds (each probe's own ``timeoutSeconds`` aside).

    Args:
        delay: ``initialDelaySeconds`` (0 when unset).
        period: ``periodSeconds`` (Kubernetes' default 10).
        failures: ``failureThreshold`` (Kubernetes' default 3).

    Returns:
        ``(earliest, latest)`` seconds after the container starts.
    """
    return delay + (failures - 1) * period, delay + failures * period


def _readiness(view: ServiceView, rule: LintRule) -> list[Problem]:
    container = view.serving_container()
    if container is None or view.serving is None:
        return []
    at = view.container_path(view.serving)
    probe = container.get("readinessProbe")
    if probe is None:
        return [
            rule.problem(
                f"{at}.readinessProbe",
                "no readiness probe: Knative's default TCP probe passes as soon as the port opens,"
                " which can be before the model is loaded",
                allowed="an httpGet probe on a path that answers only once the model can serve",
                hint="add readinessProbe: {httpGet: {path: /health}, periodSeconds: 2, failureThreshold: 3}",
            )
        ]
    if not isinstance(probe, Mapping):
        return []
    found: list[Problem] = []
    if probe.get("httpGet") is None:
        kind = next((k for k in ("tcpSocket", "exec", "grpc") if probe.get(k) is not None), "no handler")
        found.append(
            rule.problem(
                f"{at}.readinessProbe",
                f"readiness uses {kind}, not HTTP: it cannot tell a loaded model from an open port",
                value=kind,
                allowed="httpGet",
                hint="probe an HTTP path the server passes only once the model is loaded",
            )
        )
    period = _int(probe.get("periodSeconds"))
    if period is not None and period >= _SLOW_READINESS_PERIOD:
        found.append(
            rule.problem(
                f"{at}.readinessProbe.periodSeconds",
                f"readiness period {period}s is slow: a pod that stopped serving keeps getting requests",
                value=period,
                allowed=f"1..{_SLOW_READINESS_PERIOD - 1} (0 = Knative's aggressive probing)",
                hint="probe every 1-5 seconds",
            )
        )
    return found


def _unready_window(view: ServiceView, rule: LintRule) -> list[Problem]:
    found_probe = view.serving_probe("readinessProbe")
    if found_probe is None:
        return []
    probe, at = found_probe
    period = _int(probe.get("periodSeconds"))
    if period is None or not 0 < period < _SLOW_READINESS_PERIOD:
        return []  # 0 is Knative's aggressive probing; >= 10 is KN-PROBE-1's finding
    _, _, failures = _probe_numbers(probe)
    window = period * failures
    if window <= READINESS_DETECTION_WARN_SECONDS:
        return []
    given = probe.get("failureThreshold") is not None
    return [
        rule.problem(
            f"{at}.failureThreshold" if given else f"{at}.periodSeconds",
            f"an unready pod can look ready for {window}s ({period}s x {failures} failures"
            f"{'' if given else ', the default threshold'})",
            value=probe.get("failureThreshold") if given else period,
            allowed=f"periodSeconds x failureThreshold <= {READINESS_DETECTION_WARN_SECONDS}s",
            hint="shorten the period or lower the failure threshold",
        )
    ]


def _liveness(view: ServiceView, rule: LintRule) -> list[Problem]:
    found_probe = view.serving_probe("livenessProbe")
    if found_probe is None:
        return []
    liveness, at = found_probe
    found: list[Problem] = []
    container = view.serving_container()
    assert container is not None  # serving_probe found the liveness probe on it
    if container.get("startupProbe") is None:
        delay, period, failures = _probe_numbers(liveness)
        first, last = time_to_liveness_kill(delay, period, failures)
        counted = f"{failures} failed checks {period}s apart"
        if delay:
            counted = f"initialDelaySeconds {delay}, then {counted}"
        found.append(
            rule.problem(
                at,
                f"liveness probe without a startup probe: a pod whose model takes longer than {first}s to"
                f" load is restarted {first}-{last}s after its container starts ({counted}), and the load"
                " starts over",
                allowed="a startupProbe that covers the model load",
                hint="add a startupProbe (with an explicit port) whose period x failureThreshold covers"
                " the worst-case load",
            )
        )
    readiness = container.get("readinessProbe")
    if isinstance(readiness, Mapping) and _int(readiness.get("periodSeconds")):
        _, live_period, live_failures = _probe_numbers(liveness)
        _, ready_period, ready_failures = _probe_numbers(readiness)
        live, ready = live_period * live_failures, ready_period * ready_failures
        if live <= ready:
            found.append(
                rule.problem(
                    f"{at}.failureThreshold",
                    f"once running, liveness gives up after {live}s of failed checks, no later than readiness"
                    f" ({ready}s): pods are restarted before they can be marked unready",
                    value=liveness.get("failureThreshold"),
                    allowed=f"liveness period x threshold > {ready}s",
                    hint="make liveness far more tolerant than readiness (e.g. 10s x 6)",
                )
            )
    return found


def _progress_deadline(view: ServiceView, rule: LintRule) -> list[Problem]:
    found_probe = view.serving_probe("startupProbe")
    if found_probe is None:
        return []
    probe, _ = found_probe
    delay, period, failures = _probe_numbers(probe)
    budget = delay + period * failures
    raw = view.annotations.get(kn.ANN_PROGRESS_DEADLINE)
    if raw is not None:
        try:
            deadline = parse_go_duration(raw)
        except ValueError:
            return []  # Knative's check reports the syntax
        where = f"{kn.ANN_PROGRESS_DEADLINE} {raw}"
    else:
        deadline = float(view.settings.progress_deadline_seconds)
        where = f"the cluster's progress-deadline ({format_number(deadline)}s)"
    if budget <= deadline:
        return []
    return [
        rule.problem(
            f"{_ANNOTATIONS}.{kn.ANN_PROGRESS_DEADLINE}",
            f"the startup probe waits up to {budget}s for the model to load, but {where} fails the"
            " revision sooner",
            value=raw,
            allowed=f">= {budget}s",
            hint=f'set {kn.ANN_PROGRESS_DEADLINE}: "{budget}s" (or more) on the template',
        )
    ]


# --------------------------------------------------------------------------- env, images, resources


def _env_items(view: ServiceView) -> Iterator[tuple[str, str, str]]:
    """``(path, name, literal value)`` of every env entry with a literal value, in every container."""
    for group in ("containers", "initContainers"):
        for i, container in enumerate(_list(view.spec.get(group))):
            for j, item in enumerate(_list(_mapping(container).get("env"))):
                item = _mapping(item)
                name, value = item.get("name"), item.get("value")
                if isinstance(name, str) and isinstance(value, str):
                    yield f"{_SPEC}.{group}[{i}].env[{j}]", name, value


def _secrets(view: ServiceView, rule: LintRule) -> list[Problem]:
    return [
        rule.problem(
            f"{at}.value",
            f"literal secret in env {name}: credentials must come from a Secret",
            value="<redacted>",
            allowed="valueFrom.secretKeyRef",
            hint=f"use valueFrom: {{secretKeyRef: {{name: <secret>, key: <key>}}}} for {name}",
        )
        for at, name, value in _env_items(view)
        if is_literal_secret(name, value)
    ]


def _strings_with_uris(view: ServiceView) -> Iterator[tuple[str, str]]:
    for at, _name, value in _env_items(view):
        yield f"{at}.value", value
    for group in ("containers", "initContainers"):
        for i, container in enumerate(_list(view.spec.get(group))):
            for field in ("command", "args"):
                for j, item in enumerate(_list(_mapping(container).get(field))):
                    if isinstance(item, str):
                        yield f"{_SPEC}.{group}[{i}].{field}[{j}]", item


def _hub_uris(view: ServiceView, rule: LintRule) -> list[Problem]:
    found: list[Problem] = []
    for at, text in _strings_with_uris(view):
        if "://" not in text:
            continue
        for uri in _URI.findall(text):
            if is_external_hub_uri(uri):
                found.append(
                    rule.problem(
                        at,
                        f"the model is fetched from a public hub at run time: {uri}",
                        value=uri,
                        allowed="object storage (s3://, https:// on your own endpoint) or a PVC",
                        hint="copy the weights to object storage near the GPUs and load them from there",
                    )
                )
                break
    return found


@dataclass(frozen=True)
class Engine:
    """An inference server whose command line names a model the way the Hub does (KN-MODEL-4).

    Attributes:
        name: The engine, as the findings name it.
        images: Words in the image reference that mark the engine's images.
        programs: Command words (a program's base name, or a Python module) that start the engine.
        flags: Options whose value is a model (or tokenizer) name or path.
        env: Env vars the engine reads the model from.
    """

    name: str
    images: tuple[str, ...]
    programs: tuple[str, ...]
    flags: tuple[str, ...]
    env: tuple[str, ...] = ()


#: The engines whose model arguments the linter reads. vLLM: ``vllm serve [model_tag]``,
#: ``--model``, ``--tokenizer`` (``vllm serve --help``; the ``vllm/vllm-openai`` image's entrypoint
#: is ``vllm serve``, so its first argument is the model tag). TGI: ``text-generation-launcher
#: --model-id`` or env ``MODEL_ID`` (clap ``#[clap(long, env)] model_id`` in ``launcher/src/main.rs``).
#: SGLang: ``--model-path`` and its alias ``--model``, ``--tokenizer-path``
#: (``python/sglang/srt/server_args.py``).
ENGINES: Final = (
    Engine("vLLM", ("vllm",), ("vllm", "vllm.entrypoints.openai.api_server"), ("--model", "--tokenizer")),
    Engine(
        "SGLang",
        ("sglang",),
        ("sglang.launch_server", "sglang"),
        ("--model-path", "--model", "--tokenizer-path"),
    ),
    Engine(
        "TGI",
        ("text-generation-inference", "tgi-"),
        ("text-generation-launcher",),
        ("--model-id",),
        env=("MODEL_ID",),
    ),
)
#: Env vars that name a Hub model for any server: ``HF_MODEL_ID`` is what Hugging Face's SageMaker
#: and Inference Endpoints containers read (TGI's ``sagemaker-entrypoint.sh`` exports it as ``MODEL_ID``).
HUB_MODEL_ENV: Final = ("HF_MODEL_ID",)
#: Env vars that send every Hugging Face download elsewhere (a private mirror) or nowhere (offline).
_HF_ENDPOINT: Final = "HF_ENDPOINT"
_HF_OFFLINE: Final = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
#: A Hugging Face repository id: ``org/name`` of letters, digits, ``-``, ``_`` and ``.``.
_HUB_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
_FILE_SUFFIXES: Final = (".gguf", ".bin", ".safetensors", ".json", ".pt", ".pth", ".onnx", ".yaml", ".yml")
#: Longer strings are split at whitespace only: shlex reads one character at a time.
_SHELL_SPLIT_MAX: Final = 16_384
_K8S_VAR: Final = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_SHELL_VAR: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def is_hub_model_id(text: str) -> bool:
    """Whether ``text`` has the shape of a Hub repository id (``org/name``), not a path or a URL."""
    return (
        _HUB_ID.fullmatch(text) is not None
        and ".." not in text
        and "--" not in text
        and not text.lower().endswith(_FILE_SUFFIXES)
    )


def _literal_env(container: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in _list(container.get("env")):
        item = _mapping(item)
        name, value = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(value, str):
            found[name] = value
    return found


def _k8s_expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion of command and args (``$$`` escapes a ``$``; unknown names stay)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "$"
        return env.get(name, match.group(0))

    return _K8S_VAR.sub(one, text)


def _words(container: Mapping[str, Any], env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(field, index, word)`` of ``command`` then ``args``, shell strings split into words."""
    words: list[tuple[str, str, str]] = []
    for field in ("command", "args"):
        for j, item in enumerate(_list(container.get(field))):
            if not isinstance(item, str):
                continue
            text = _k8s_expand(item, env)
            if not any(space in text for space in " \t\n"):
                words.append((field, str(j), text))
                continue
            try:
                split = shlex.split(text) if len(text) <= _SHELL_SPLIT_MAX else text.split()
            except ValueError:
                split = text.split()
            for word in split:
                word = _SHELL_VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)
                words.append((field, str(j), word))
    return words


def _engine(image: str, words: Sequence[str]) -> Engine | None:
    image = image.lower()
    for engine in ENGINES:
        if any(marker in image for marker in engine.images):
            return engine
        if any(word.rsplit("/", 1)[-1] in engine.programs for word in words):
            return engine
    return None


_Word = tuple[str, str, str]


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _value_after(words: Sequence[_Word], i: int) -> _Word | None:
    """The word after ``words[i]`` when it is a value (not an option)."""
    following = words[i + 1] if i + 1 < len(words) else None
    return following if following is not None and not following[2].startswith("-") else None


def _flag_values(words: Sequence[_Word], i: int, engine: Engine) -> Iterator[tuple[_Word, str]]:
    field, index, word = words[i]
    for flag in engine.flags:
        if word.startswith(flag + "="):
            yield (field, index, word[len(flag) + 1 :]), flag
        elif word == flag and (value := _value_after(words, i)) is not None:
            yield value, flag
    serve = engine.name == "vLLM" and word == "serve" and i > 0 and _program(words[i - 1][2]) == "vllm"
    if serve and (value := _value_after(words, i)) is not None:
        yield value, "vllm serve"


def _model_words(
    words: Sequence[_Word], engine: Engine | None, image: str, has_command: bool
) -> Iterator[tuple[_Word, str]]:
    """Each model a command line names, with how it names it (``--model``, ``vllm serve``...)."""
    for i, (_, _, word) in enumerate(words):
        if word == "download" and i > 0 and _program(words[i - 1][2]) in ("huggingface-cli", "hf"):
            if (value := _value_after(words, i)) is not None:
                yield value, f"{words[i - 1][2]} download"
        elif engine is not None:
            yield from _flag_values(words, i, engine)
    if engine is not None and engine.name == "vLLM" and not has_command and "vllm-openai" in image.lower():
        args = [w for w in words if w[0] == "args"]
        if args and not args[0][2].startswith("-"):
            yield args[0], "vllm serve (the image's entrypoint)"


def _downloads_from_hub(env: Mapping[str, str]) -> bool:
    """False when Hugging Face libraries in the container are offline or pointed at a private mirror."""
    if any(env.get(name, "").strip().lower() in _TRUTHY for name in _HF_OFFLINE):
        return False
    endpoint = env.get(_HF_ENDPOINT)
    return endpoint is None or is_external_hub_uri(endpoint)


def _hub_model_ids(view: ServiceView, rule: LintRule) -> list[Problem]:
    found: list[Problem] = []
    for group in ("containers", "initContainers"):
        for i, container in enumerate(_list(view.spec.get(group))):
            container = _mapping(container)
            env = _literal_env(container)
            if not _downloads_from_hub(env):
                continue
            image = container.get("image")
            image = image if isinstance(image, str) else ""
            words = _words(container, env)
            engine = _engine(image, [w for _, _, w in words])
            at = f"{_SPEC}.{group}[{i}]"
            named = [
                (f"{at}.{field}[{index}]", model, how)
                for (field, index, model), how in _model_words(
                    words, engine, image, bool(container.get("command"))
                )
            ]
            env_names = (*HUB_MODEL_ENV, *(engine.env if engine is not None else ()))
            for j, item in enumerate(_list(container.get("env"))):
                item = _mapping(item)
                if item.get("name") in env_names and isinstance(item.get("value"), str):
                    named.append(
                        (f"{at}.env[{j}].value", _k8s_expand(item["value"], env), f"env {item['name']}")
                    )
            for path, model, how in named:
                if is_hub_model_id(model):
                    found.append(
                        rule.problem(
                            path,
                            f"the server downloads {model} from the Hugging Face Hub when it starts ({how}):"
                            " every cold start waits for the download, and fails when the Hub does",
                            value=model,
                            allowed="a local path (weights on a PVC or copied from object storage), or"
                            " HF_HUB_OFFLINE=1 with the weights already in the cache",
                            hint="copy the weights to object storage or a PVC near the GPUs; pass their path",
                        )
                    )
    return found


def _offline(view: ServiceView, rule: LintRule) -> list[Problem]:
    container = view.serving_container()
    if container is None or view.serving is None:
        return []
    at = f"{view.container_path(view.serving)}.env"
    position, entry = next(
        (
            (j, item)
            for j, item in enumerate(_list(container.get("env")))
            if isinstance(item, Mapping) and item.get("name") == OFFLINE_ENV[0]
        ),
        (None, None),
    )
    if entry is not None and entry.get("valueFrom") is not None:
        return []  # from a ConfigMap or Secret: cannot be judged here
    value = entry.get("value") if entry is not None else None
    if isinstance(value, str) and value.strip().lower() in _TRUTHY:
        return []
    return [
        rule.problem(
            at if position is None else f"{at}[{position}].value",
            f"{OFFLINE_ENV[0]} is not set to 1: Hugging Face libraries in the server may download"
            " models or files from the hub at run time",
            value=value,
            allowed="1",
            hint="set " + ", ".join(f"{name}=1" for name in OFFLINE_ENV) + " in the container's env",
        )
    ]


def is_resolved_later(image: str) -> bool:
    """Whether an image reference is pinned by a build tool rather than by its text (KN-IMAGE-1).

    - ``ko://<import path>`` (ko's ``build.StrictScheme``): ``ko resolve`` / ``ko apply`` build the
      Go program and replace the reference with ``<registry>/<name>@sha256:...``; any other
      ``<scheme>://`` is not an image reference either, but a placeholder some resolver fills in.
    - ``ko.local/...``, ``kind.local/...``, ``k3s.local/...`` tagged with 64 hex digits: what ko
      writes when it side-loads an image into a local daemon or cluster (``pkg/publish/daemon.go``
      and ``kind.go``): the tag is the image's digest, so the reference cannot move.
    """
    if "://" in image:
        return True
    head, _, tail = image.partition("/")
    name, _, tag = tail.rpartition(":")
    return head in _KO_LOCAL_DOMAINS and bool(name) and _HEX64.fullmatch(tag) is not None


def _images(view: ServiceView, rule: LintRule) -> list[Problem]:
    found: list[Problem] = []
    for group in ("containers", "initContainers"):
        for i, container in enumerate(_list(view.spec.get(group))):
            image = _mapping(container).get("image")
            if (
                not isinstance(image, str)
                or not image
                or IMAGE_DIGEST.search(image)
                or is_resolved_later(image)
            ):
                continue
            tail = image.rsplit("/", 1)[-1]
            tag = tail.split(":", 1)[1] if ":" in tail else None
            why = "the tag 'latest' moves" if tag in (None, "latest") else f"the tag {tag!r} can move"
            found.append(
                rule.problem(
                    f"{_SPEC}.{group}[{i}].image",
                    f"image is not pinned by digest: {why}",
                    value=image,
                    allowed="registry/name@sha256:<64 hex>",
                    hint="pin the digest so GitOps deploys exactly what was reviewed",
                )
            )
    return found


def _gpu_limits(view: ServiceView, rule: LintRule) -> list[Problem]:
    found: list[Problem] = []
    limited = False
    for i, container in view.containers:
        resources = _mapping(container.get("resources"))
        limits = _mapping(resources.get("limits"))
        if any(_resource_is_gpu(name) for name in limits):
            limited = True
        for name in _mapping(resources.get("requests")):
            if _resource_is_gpu(name) and name not in limits:
                found.append(
                    rule.problem(
                        f"{view.container_path(i)}.resources.requests.{name}",
                        f"{name} is requested but not limited: Kubernetes needs GPUs under limits",
                        allowed=f"resources.limits.{name}",
                        hint=f"move {name} to resources.limits",
                    )
                )
    if not limited and not found and view.serving is not None:
        found.append(
            rule.problem(
                f"{view.container_path(view.serving)}.resources.limits",
                "the service is placed on GPU nodes but asks for no GPU: the pod may get none, or share"
                " one with another pod",
                allowed="resources.limits.nvidia.com/gpu: <GPUs per pod>",
                hint="add nvidia.com/gpu (or your GPU resource) under resources.limits",
            )
        )
    return found


def _cpu_memory(view: ServiceView, rule: LintRule) -> list[Problem]:
    container = view.serving_container()
    if container is None or view.serving is None:
        return []
    requests = _mapping(_mapping(container.get("resources")).get("requests"))
    missing = [name for name in ("cpu", "memory") if name not in requests]
    if not missing:
        return []
    return [
        rule.problem(
            f"{view.container_path(view.serving)}.resources.requests",
            f"no {' or '.join(missing)} request: the scheduler may pack the GPU pod next to"
            " work that starves its host side",
            allowed="cpu and memory requests",
            hint="request the CPU and memory the server needs next to the GPU",
        )
    ]


def _labels(view: ServiceView, rule: LintRule) -> list[Problem]:
    own = _mapping(_mapping(view.manifest.get("metadata")).get("labels"))
    template = _mapping(
        _mapping(_mapping(_mapping(view.manifest.get("spec")).get("template")).get("metadata")).get("labels")
    )
    if _LABEL_NAME in own or _LABEL_NAME in template:
        return []
    return [
        rule.problem(
            "metadata.labels",
            f"no {_LABEL_NAME} label: dashboards cannot group this model's pods and revisions",
            allowed=f"{_LABEL_NAME}: <model name>",
            hint="label the Service (and its template) with app.kubernetes.io/name and part-of",
        )
    ]


# --------------------------------------------------------------------------- GPU classes (KN-PLACE-1)

_NODE_AFFINITY: Final = f"{_SPEC}.affinity.nodeAffinity"


def _node_label_values(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(path, label, value)`` for each value a pod asks of a node label.

    From ``nodeSelector`` and the ``In`` expressions of its node affinity (required terms first,
    then preferred ones).
    """
    for label, value in _mapping(spec.get("nodeSelector")).items():
        if isinstance(value, str):
            yield f"{_SPEC}.nodeSelector.{label}", str(label), value
    node_affinity = _mapping(_mapping(spec.get("affinity")).get("nodeAffinity"))
    required = _mapping(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
    terms = [
        (f"{_NODE_AFFINITY}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{t}]", term)
        for t, term in enumerate(_list(required.get("nodeSelectorTerms")))
    ]
    terms += [
        (
            f"{_NODE_AFFINITY}.preferredDuringSchedulingIgnoredDuringExecution[{t}].preference",
            _mapping(term).get("preference"),
        )
        for t, term in enumerate(_list(node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")))
    ]
    for at, term in terms:
        for e, expression in enumerate(_list(_mapping(term).get("matchExpressions"))):
            expression = _mapping(expression)
            key = expression.get("key")
            if expression.get("operator") != "In" or not isinstance(key, str):
                continue
            for v, item in enumerate(_list(expression.get("values"))):
                if isinstance(item, str):
                    yield f"{at}.matchExpressions[{e}].values[{v}]", key, item


def _gpu_classes(view: ServiceView, rule: LintRule) -> list[Problem]:
    found: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for at, label, value in _node_label_values(view.spec):
        vocab = VOCABULARIES.get(label)
        if vocab is None or vocab.lookup(value) is not None or (label, value) in seen:
            continue
        seen.add((label, value))  # one finding per unknown value, where it is first asked for
        problem = unknown_class_problem(
            vocab,
            value,
            at,
            code=rule.id,
            severity=rule.severity,
            escape="if your nodes do carry it, the catalogue (docs/gpus.md) lacks it: ignore this finding",
        )
        found.append(problem)
    return found


#: Every lint rule, in report order. ``docs/lint.md`` lists this table. Several rules may share a
#: code; a document gets at most one finding per code (:func:`one_per_code`).
LINT_RULES: Final[tuple[LintRule, ...]] = (
    LintRule(
        LINT_YAML,
        "error",
        "file",
        "a YAML document that does not parse, has a duplicate key, or is refused unread (aliases adding"
        " over 100,000 nodes, nesting over 100 deep, a recursive alias); the others are still checked",
    ),
    LintRule(LINT_YAML, "warning", "file", "a document that is a list or a scalar: not a Kubernetes object"),
    LintRule(
        "KN-MODEL-2", "error", "inference", "a literal secret in env instead of a secretKeyRef", _secrets
    ),
    LintRule(
        "KN-MODEL-4", "error", "inference", "a model URI on a public hub in env, command or args", _hub_uris
    ),
    LintRule(
        "KN-MODEL-4",
        "error",
        "inference",
        "a Hub model id (org/name) given to vLLM, TGI or SGLang, in HF_MODEL_ID, or to huggingface-cli"
        " download, while the container is not offline",
        _hub_model_ids,
    ),
    LintRule(
        "LINT-IGNORE", "error", "file", "a kn-constructs.io/ignore annotation with an unknown code or no code"
    ),
    LintRule(
        "KN-MODEL-4", "warning", "gpu", "HF_HUB_OFFLINE not set to 1 in the serving container", _offline
    ),
    LintRule(
        "KN-IMAGE-1",
        "warning",
        "inference",
        "an image without a digest (or tagged latest); ko:// and ko's digest-tagged local images excepted",
        _images,
    ),
    LintRule("KN-GPU-1", "error", "gpu", "a GPU service without GPU limits", _gpu_limits),
    LintRule("KN-GPU-1", "warning", "gpu", "a GPU service without CPU or memory requests", _cpu_memory),
    LintRule("KN-SHUT-2", "info", "inference", "no timeoutSeconds: the cluster default applies", _timeout),
    LintRule(
        "KN-LONG-1",
        "warning",
        "inference",
        f"timeoutSeconds above {LONG_TIMEOUT_SECONDS} (requests over {LONG_REQUEST_WARN_SECONDS}s)",
        _long_timeout,
    ),
    LintRule(
        "KN-PROBE-1",
        "warning",
        "inference",
        "no readiness probe, a non-HTTP one, or a period of 10s or more",
        _readiness,
    ),
    LintRule(
        "KN-PROBE-3",
        "warning",
        "inference",
        f"readiness period x failureThreshold above {READINESS_DETECTION_WARN_SECONDS}s",
        _unready_window,
    ),
    LintRule(
        "KN-PROBE-2",
        "warning",
        "inference",
        "liveness without a startup probe (restart time counts initialDelaySeconds), or liveness before"
        " readiness",
        _liveness,
    ),
    LintRule(
        "KN-START-2",
        "warning",
        "inference",
        "a startup probe that outlasts the progress deadline",
        _progress_deadline,
    ),
    LintRule(
        "KN-CONC-3",
        "warning",
        "inference",
        "target utilization set below 70 %, or left at a cluster default below 90 %",
        _utilization,
    ),
    LintRule(
        "KN-AS-1",
        "warning",
        "inference",
        "an autoscaler class other than KPA, or a metric other than concurrency",
        _class_and_metric_wrong,
    ),
    LintRule(
        "KN-AS-1",
        "info",
        "inference",
        "autoscaler class or metric not written (the defaults apply)",
        _class_and_metric_implicit,
    ),
    LintRule(
        "KN-CONC-2",
        "warning",
        "inference",
        "a concurrency target above containerConcurrency",
        _target_above_limit,
    ),
    LintRule(
        "KN-CONC-4",
        "warning",
        "inference",
        "containerConcurrency unlimited, or over 2 x the target (a queue inside the pod)",
        _concurrency_queue,
    ),
    LintRule("KN-AS-5", "warning", "inference", "a panic threshold below 200 %", _panic_threshold),
    LintRule("KN-SCALE-2", "warning", "inference", "no max-scale (or 0, unlimited)", _max_scale),
    LintRule(
        "KN-OPS-1", "info", "inference", "no app.kubernetes.io/name label on the Service or template", _labels
    ),
    LintRule(
        "KN-PLACE-1",
        "warning",
        "inference",
        "a node selector or node affinity asking for a GPU class its label's catalogue does not know",
        _gpu_classes,
    ),
)

_RANK: Final = {"info": 0, "warning": 1, "error": 2}


def one_per_code(problems: Sequence[Problem]) -> list[Problem]:
    """At most one finding per code: the most severe (first in rule order), the others folded into it.

    A folded finding keeps its path and message in the kept one's message (``...; also <path>:
    <message>``), so nothing is lost, and the report stays one line per code and document.
    """
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.code, []).append(problem)
    merged: list[Problem] = []
    for group in groups.values():
        first = max(group, key=lambda p: _RANK[p.severity])  # max keeps the first of equals
        others = [p for p in group if p is not first]
        if not others:
            merged.append(first)
            continue
        extra = "; ".join(p.message if p.path == first.path else f"{p.path}: {p.message}" for p in others)
        merged.append(replace(first, message=f"{first.message}; also {extra}"))
    return merged


def practice_problems(
    manifest: Mapping[str, Any],
    *,
    settings: ClusterSettings = DEFAULT_SETTINGS,
    rules: Sequence[LintRule] = LINT_RULES,
) -> list[Problem]:
    """The practice findings for one Knative Service (``[]`` for any other document).

    The practices judge inference services only (:attr:`ServiceView.inference`); rules scoped
    ``"gpu"`` judge GPU workloads only. Knative's own rules (``KNATIVE-...``, run by the linter
    next to these) apply to every Service.

    Args:
        manifest: One YAML document as a dict.
        settings: The cluster settings assumed (defaults, utilization, timeouts, max-scale).
        rules: The rules to apply (default: all of :data:`LINT_RULES`).

    Returns:
        Problems coded with practice IDs, at most one per code; paths are field paths in the Service.
    """
    if not is_knative_service(manifest):
        return []
    view = ServiceView.of(manifest, settings)
    if not view.inference:
        return []
    found: list[Problem] = []
    for rule in rules:
        if rule.check is None or (rule.scope == "gpu" and not view.gpu):
            continue
        found.extend(rule.check(view, rule))
    return one_per_code(found)
