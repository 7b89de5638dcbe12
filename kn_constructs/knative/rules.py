"""What Knative Serving v1.23 accepts, as data: rule codes, keys, reserved names and bounds.

Everything here is read from Knative Serving's own validation code (tag ``knative-v1.23.0``);
``shared/reference/knative-rules.md`` gives the source of each fact. The checks in
:mod:`kn_constructs.knative` read these constants, and so do the constructs, so that a rule is
written once.

Three tables, by who refuses: :data:`KNATIVE_RULES` (Knative's admission webhook, after its
defaulting), :data:`K8S_RULES` (the Kubernetes API server: Knative admits, the pods never
start), :data:`RECONCILE_RULES` (Knative admits, its reconciler fails); :data:`RULES` is all of
them.

Short names written in ``source`` fields, expanded to the full paths when the tables are built
(so the docs show ``pkg/apis/serving/k8s_validation.go validate``):

- ``AV`` = ``pkg/apis/autoscaling/annotation_validation.go``
- ``ASC`` = ``pkg/autoscaler/config/config.go``
- ``DEF`` = ``pkg/apis/config/defaults.go``
- ``FEAT`` = ``pkg/apis/config/features.go``
- ``K8SV`` = ``pkg/apis/serving/k8s_validation.go``
- ``MASK`` = ``pkg/apis/serving/fieldmask.go``
- ``MDV`` = ``pkg/apis/serving/metadata_validation.go``
- ``RVV`` = ``pkg/apis/serving/v1/revision_validation.go``
- ``RTV`` = ``pkg/apis/serving/v1/route_validation.go``
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "ACTIVATION_SCALE_MIN",
    "AGGREGATION_ALGORITHMS",
    "ALLOWED_CONTAINER_FIELDS",
    "ALLOWED_POD_FIELDS",
    "ALLOWED_VOLUME_TYPES",
    "ANNOTATION_ALIASES",
    "ANN_ACTIVATION_SCALE",
    "ANN_CLASS",
    "ANN_INITIAL_SCALE",
    "ANN_INITIAL_SCALE_ALIAS",
    "ANN_MAX_SCALE",
    "ANN_MAX_SCALE_ALIAS",
    "ANN_METRIC",
    "ANN_METRIC_AGGREGATION",
    "ANN_METRIC_AGGREGATION_ALIAS",
    "ANN_MIN_SCALE",
    "ANN_MIN_SCALE_ALIAS",
    "ANN_NO_GC",
    "ANN_PANIC_THRESHOLD_PERCENTAGE",
    "ANN_PANIC_THRESHOLD_PERCENTAGE_ALIAS",
    "ANN_PANIC_WINDOW_PERCENTAGE",
    "ANN_PANIC_WINDOW_PERCENTAGE_ALIAS",
    "ANN_PROGRESS_DEADLINE",
    "ANN_QUEUE_RESOURCE_PERCENTAGE",
    "ANN_QUEUE_RESOURCE_PERCENTAGE_ALIAS",
    "ANN_ROLLOUT_DURATION",
    "ANN_ROLLOUT_DURATION_ALIAS",
    "ANN_SCALE_DOWN_DELAY",
    "ANN_SCALE_DOWN_DELAY_ALIAS",
    "ANN_SCALE_TO_ZERO_POD_RETENTION",
    "ANN_SCALE_TO_ZERO_POD_RETENTION_ALIAS",
    "ANN_TARGET",
    "ANN_TARGET_BURST_CAPACITY",
    "ANN_TARGET_BURST_CAPACITY_ALIAS",
    "ANN_TARGET_UTILIZATION",
    "ANN_TARGET_UTILIZATION_ALIAS",
    "ANN_WINDOW",
    "AUTOSCALING_PREFIX",
    "CONTAINER_CONCURRENCY_MIN",
    "DEFAULT_HINTS",
    "FEATURE_DEFAULTS",
    "FEATURE_VALUES",
    "FLAG_ADD_CAPABILITIES",
    "FLAG_AFFINITY",
    "FLAG_DNS_CONFIG",
    "FLAG_DNS_POLICY",
    "FLAG_FIELDREF",
    "FLAG_HOST_ALIASES",
    "FLAG_HOST_IPC",
    "FLAG_HOST_NETWORK",
    "FLAG_HOST_PID",
    "FLAG_INIT_CONTAINERS",
    "FLAG_MOUNT_PROPAGATION",
    "FLAG_MULTI_CONTAINER",
    "FLAG_MULTI_CONTAINER_PROBING",
    "FLAG_NODE_SELECTOR",
    "FLAG_PRIORITY_CLASS_NAME",
    "FLAG_PVC",
    "FLAG_PVC_WRITE",
    "FLAG_RUNTIME_CLASS_NAME",
    "FLAG_SCHEDULER_NAME",
    "FLAG_SECURE_POD_DEFAULTS",
    "FLAG_SECURITY_CONTEXT",
    "FLAG_SHARE_PROCESS_NAMESPACE",
    "FLAG_TOLERATIONS",
    "FLAG_TOPOLOGY_SPREAD",
    "FLAG_VOLUMES_CSI",
    "FLAG_VOLUMES_EMPTYDIR",
    "FLAG_VOLUMES_EPHEMERAL",
    "FLAG_VOLUMES_HOSTPATH",
    "FLAG_VOLUMES_IMAGE",
    "FORBIDDEN_CONTAINER_FIELDS",
    "FORBIDDEN_POD_FIELDS",
    "FORBIDDEN_VOLUME_TYPES",
    "GATED_POD_FIELDS",
    "GATED_VOLUME_TYPES",
    "HPA_CLASS",
    "INT32_MAX",
    "K8S_RULES",
    "KNATIVE_CLASS_SUFFIX",
    "KNATIVE_RULES",
    "KPA_CLASS",
    "KPA_METRICS",
    "NETWORKING_PREFIX",
    "NETWORKING_TEMPLATE_ANNOTATIONS",
    "PANIC_THRESHOLD_PERCENTAGE_MAX",
    "PANIC_THRESHOLD_PERCENTAGE_MIN",
    "PANIC_WINDOW_PERCENTAGE_MAX",
    "PANIC_WINDOW_PERCENTAGE_MIN",
    "POD_SECURITY_CONTEXT_FIELDS",
    "PORT_MAX",
    "PROBE_FIELDS",
    "PROBE_HANDLERS",
    "QUEUE_RESOURCE_PERCENTAGE_MAX",
    "QUEUE_RESOURCE_PERCENTAGE_MIN",
    "QUEUE_SIDECAR_RESOURCE_ANNOTATIONS",
    "RECONCILE_RULES",
    "RESERVED_CONTAINER_NAMES",
    "RESERVED_ENV_VARS",
    "RESERVED_MOUNT_PATHS",
    "RESERVED_PORTS",
    "RULES",
    "SCALE_DOWN_DELAY_MAX_SECONDS",
    "SCALE_TO_ZERO_POD_RETENTION_MAX_SECONDS",
    "SECURE_POD_DEFAULTS_VALUES",
    "SERVING_API_VERSION",
    "SIDECAR_RESERVED_ENV_VARS",
    "SOURCE_FILES",
    "TARGET_MIN",
    "TARGET_UTILIZATION_MAX",
    "TARGET_UTILIZATION_MIN",
    "VALID_PORT_NAMES",
    "WINDOW_MAX_SECONDS",
    "WINDOW_MIN_SECONDS",
    "KnativeRule",
]


@dataclass(frozen=True)
class KnativeRule:
    """One family of Knative validation rules, with a stable code.

    Attributes:
        code: Stable identifier used as :attr:`Problem.code <kn_constructs.errors.Problem.code>`.
        title: What the rule family covers, in a line.
        source: The file and function that enforce it (short names in the module doc); for
            ``K8S-…`` codes a Kubernetes file (``kubernetes/kubernetes`` or ``apimachinery``).
        authority: Who refuses it: ``"knative"`` (Knative's admission webhook, after its
            defaulting), ``"kubernetes"`` (the API server's validation of the object Knative
            creates, so the pods never start) or ``"reconcile"`` (Knative admits the object and
            its reconciler then fails it).
    """

    code: str
    title: str
    source: str
    authority: str = "knative"


#: Short name -> file of ``knative/serving`` at ``knative-v1.23.0``.
SOURCE_FILES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AV": "pkg/apis/autoscaling/annotation_validation.go",
        "ASC": "pkg/autoscaler/config/config.go",
        "DEF": "pkg/apis/config/defaults.go",
        "FEAT": "pkg/apis/config/features.go",
        "K8SV": "pkg/apis/serving/k8s_validation.go",
        "MASK": "pkg/apis/serving/fieldmask.go",
        "MDV": "pkg/apis/serving/metadata_validation.go",
        "RVV": "pkg/apis/serving/v1/revision_validation.go",
        "RTV": "pkg/apis/serving/v1/route_validation.go",
    }
)
_SHORT_NAME: Final = re.compile(r"\b(" + "|".join(SOURCE_FILES) + r")\b")


def _catalogue(*rules: KnativeRule) -> Mapping[str, KnativeRule]:
    expanded = (
        dataclasses.replace(rule, source=_SHORT_NAME.sub(lambda m: SOURCE_FILES[m.group(1)], rule.source))
        for rule in rules
    )
    return MappingProxyType({rule.code: rule for rule in expanded})


#: Every Knative rule family, by code. Problems produced by :mod:`kn_constructs.knative`
#: always carry one of these codes.
KNATIVE_RULES: Final[Mapping[str, KnativeRule]] = _catalogue(
    KnativeRule(
        "KNATIVE-ANNOTATION-LOCATION",
        "autoscaling annotations on Service, Configuration or Route metadata, not the template",
        "MDV ValidateHasNoAutoscalingAnnotation",
    ),
    KnativeRule(
        "KNATIVE-ANNOTATION-VALUE",
        "syntax or range of one annotation (autoscaling, queue sidecar)",
        "AV ValidateAnnotations; RVV RevisionSpec.Validate -> validateQueueSidecarResourceAnnotations",
    ),
    KnativeRule(
        "KNATIVE-ANNOTATION-KEY",
        "annotation key not allowed on the revision template (networking.knative.dev/* allow-list)",
        "vendor/knative.dev/networking/pkg/apis/networking/metadata_validation.go ValidateAnnotations",
    ),
    KnativeRule(
        "KNATIVE-SCALE-BOUNDS",
        "min/max/initial/activation scale cross-field rules and config-autoscaler max-scale-limit",
        "AV validateMinMaxScale (activation-scale too), validateMaxScaleWithinLimit, validateInitialScale",
    ),
    KnativeRule(
        "KNATIVE-CONTAINER-CONCURRENCY",
        "spec.containerConcurrency within [0 or 1, container-concurrency-max-limit] (0 only while "
        "allow-container-concurrency-zero is true, the default)",
        "MDV ValidateContainerConcurrency",
    ),
    KnativeRule(
        "KNATIVE-TIMEOUT",
        "spec.timeoutSeconds within (0, max-revision-timeout-seconds]",
        "RVV validateTimeoutSeconds",
    ),
    KnativeRule(
        "KNATIVE-RESERVED",
        "reserved ports, environment variables, container names and mount paths",
        "K8SV reservedPorts, reservedEnvVars, reservedContainerNames, reservedPaths",
    ),
    KnativeRule(
        "KNATIVE-FORBIDDEN-FIELD",
        "a field Knative never accepts (must not set the field(s))",
        "MASK PodSpecMask, ContainerMask, ProbeMask and friends",
    ),
    KnativeRule(
        "KNATIVE-FEATURE-FLAG",
        "a field gated by a config-features flag that is off",
        "MASK PodSpecMask; K8SV validateVolume, validateInitContainers, validateContainers; FEAT",
    ),
    KnativeRule(
        "KNATIVE-PROBE",
        "probe handler, fields, named ports, readiness thresholds (after Knative's defaulting: "
        "0 becomes 1 or 3 once periodSeconds is set), sidecar and init probes",
        "K8SV validateProbe, validateReadinessProbe, validateSidecarContainer, validateInitContainer; "
        "defaults: pkg/apis/serving/v1/revision_defaults.go applyReadinessProbeDefaults",
    ),
    KnativeRule(
        "KNATIVE-NAME",
        "DNS-1035 names, generateName, BYO revision name prefix",
        "vendor/knative.dev/pkg/apis/metadata_validation.go ValidateObjectMetadata; RVV validateRevisionName",
    ),
    KnativeRule(
        "KNATIVE-DURATION",
        "serving.knative.dev/progress-deadline and rollout-duration syntax and precision",
        "RVV validateProgressDeadlineAnnotation; MDV ValidateRolloutDurationAnnotation",
    ),
    KnativeRule(
        "KNATIVE-TRAFFIC",
        "traffic block: percents, targets, latestRevision, tags",
        "RTV validateTrafficList, TrafficTarget.Validate",
    ),
    KnativeRule(
        "KNATIVE-VOLUME",
        "volumes and volume mounts: types, names, mounted, readOnly, mountPath",
        "K8SV ValidateVolumes, validateVolume, validateVolumeMounts",
    ),
    KnativeRule(
        "KNATIVE-CONTAINERS",
        "container list and the serving port: count, exactly one port, port name ('' allowed), "
        "protocol, containerPort 0..65535 (0 allowed), unique names, image present",
        "K8SV ValidatePodSpec, validateContainersPorts, validateContainerPorts, validateContainerPortBasic",
    ),
    KnativeRule(
        "KNATIVE-FIELD-VALUE",
        "other PodSpec values Knative checks: env name present, envFrom, securityContext ids, "
        "terminationMessagePolicy, serviceAccountName, emptyDir medium",
        "K8SV validate, validateEnvVar, validateEnvFrom, validateSecurityContext",
    ),
    KnativeRule(
        "KNATIVE-LABEL",
        "the networking.knative.dev/visibility label: only cluster-local has an effect (a warning: "
        "Knative admits any value since serving#12397 and the Route stays public)",
        "pkg/reconciler/route/config/domain.go LookupDomainForLabels; "
        "pkg/reconciler/route/visibility/visibility.go routeVisibility",
    ),
    KnativeRule(
        "KNATIVE-IMAGE",
        "container image reference go-containerregistry cannot parse (weak validation): "
        "registry, lower-case repository of 2..255 characters, tag, sha256 digest of 64 lower-case hex",
        "K8SV validate (name.ParseReference(image, name.WeakValidation)); go-containerregistry "
        "v0.20.3 pkg/name ParseReference, NewTag, NewDigest, NewRepository, checkRegistry",
    ),
    KnativeRule(
        "KNATIVE-CONFIGMAP",
        "invalid value in config-autoscaler, config-defaults, config-gc or config-deployment "
        "(refused); config-features keys or values Knative ignores (warnings)",
        "ASC NewConfigFromMap -> validate; DEF NewDefaultsConfigFromMap (and its container-name-template "
        "check); FEAT NewFeaturesConfigFromMap -> asFlag (ignores unknown values); "
        "pkg/gc/config.go NewConfigFromConfigMapFunc; pkg/deployment/config.go NewConfigFromMap",
    ),
    KnativeRule(
        "KNATIVE-SCHEMA",
        "wrong apiVersion, kind or shape (a map for a list, a number for a string, unknown fields)",
        "the CRD schema in config/core/300-resources and the Kubernetes API types",
    ),
)

#: What the Kubernetes API server refuses in the objects Knative creates (the Deployment's pod
#: template) or in the Knative object's metadata: Knative admits these, the pods never start.
#: Sources are ``kubernetes/kubernetes`` files (``pkg/apis/core/validation/validation.go`` and
#: ``staging/src/k8s.io/apimachinery``).
_CORE: Final = "kubernetes pkg/apis/core/validation/validation.go"
_APIM: Final = "k8s.io/apimachinery"
K8S_RULES: Final[Mapping[str, KnativeRule]] = _catalogue(
    KnativeRule(
        "K8S-LABEL",
        "label keys (qualified names) and values (<= 63 characters, alphanumeric ends) in metadata "
        "and nodeSelector",
        f"{_APIM} pkg/apis/meta/v1/validation/validation.go ValidateLabels -> ValidateLabelName "
        f"(validation.IsQualifiedName), validation.IsValidLabelValue; {_CORE} ValidatePodSpec (nodeSelector)",
        "kubernetes",
    ),
    KnativeRule(
        "K8S-ANNOTATION",
        "annotation keys (qualified names, checked in lower case) and their total size (256 KiB)",
        f"{_APIM} pkg/api/validation/objectmeta.go ValidateAnnotations",
        "kubernetes",
    ),
    KnativeRule(
        "K8S-ENV",
        "environment variable names: printable ASCII other than '=' (RelaxedEnvironmentVariableValidation, "
        "on by default since Kubernetes 1.32, GA in 1.34)",
        f"{_CORE} ValidateEnv; {_APIM} pkg/util/validation/validation.go IsRelaxedEnvVarName",
        "kubernetes",
    ),
    KnativeRule(
        "K8S-PROBE",
        "liveness and startup probe numbers (Knative checks only their handler): non-negative, "
        "successThreshold 1",
        f"{_CORE} validateProbe (ValidateNonnegativeField), validateLivenessProbe, "
        "validateStartupProbe (after SetDefaults_Probe: 0 becomes the Kubernetes default)",
        "kubernetes",
    ),
    KnativeRule(
        "K8S-RESOURCE",
        "container resource names: a standard resource (cpu, memory, ephemeral-storage, hugepages-*) "
        "or an extended one with a domain (nvidia.com/gpu)",
        f"{_CORE} ValidateResourceRequirements -> validateContainerResourceName",
        "kubernetes",
    ),
    KnativeRule(
        "K8S-NODE-AFFINITY",
        "node affinity match expressions: label key, operator and the number of values (Kubernetes "
        "does not check the values themselves)",
        f"{_CORE} ValidateNodeSelectorRequirement, validateNodeSelectorTerm",
        "kubernetes",
    ),
)

#: What Knative's webhook admits but its reconcilers then fail: the object never becomes ready.
RECONCILE_RULES: Final[Mapping[str, KnativeRule]] = _catalogue(
    KnativeRule(
        "KNATIVE-RECONCILE-TAG-HOST",
        "a traffic tag whose '<tag>-<name>' host label passes 63 characters: the Route never becomes ready",
        "pkg/reconciler/route/domains/domains.go HostnameFromTemplate, DomainNameFromTemplate "
        "(validation.IsFullyQualifiedDomainName)",
        "reconcile",
    ),
)

#: Every rule code the checks of :mod:`kn_constructs.knative` can report, by code.
RULES: Final[Mapping[str, KnativeRule]] = MappingProxyType({**KNATIVE_RULES, **K8S_RULES, **RECONCILE_RULES})

#: A short, generic fix for each rule code, used when a check has nothing more specific to say.
DEFAULT_HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "KNATIVE-ANNOTATION-LOCATION": "move it under spec.template.metadata.annotations",
        "KNATIVE-ANNOTATION-VALUE": "use a value in the allowed range (values are strings)",
        "KNATIVE-ANNOTATION-KEY": "remove the key from the revision template",
        "KNATIVE-SCALE-BOUNDS": "keep min-scale <= activation-scale <= max-scale, within the "
        "cluster's max-scale-limit",
        "KNATIVE-CONTAINER-CONCURRENCY": "use 0 (unlimited) or 1..container-concurrency-max-limit",
        "KNATIVE-TIMEOUT": "use 1..max-revision-timeout-seconds (0 means the cluster default)",
        "KNATIVE-RESERVED": "Knative uses this name, port or path itself: pick another",
        "KNATIVE-FORBIDDEN-FIELD": "remove the field: Knative manages it or does not support it",
        "KNATIVE-FEATURE-FLAG": "enable the flag in config-features (namespace knative-serving) or "
        "remove the field",
        "KNATIVE-PROBE": "one handler per probe; a named port must be the serving port's name",
        "KNATIVE-NAME": "use a DNS-1035 label: lower-case letters, digits and '-', starting with a letter",
        "KNATIVE-DURATION": "use a Go duration in whole seconds, e.g. 600s or 10m",
        "KNATIVE-TRAFFIC": "percents sum to 100; pin with revisionName, follow the newest with "
        "latestRevision: true",
        "KNATIVE-VOLUME": "each volume needs one source and a mount; mount paths are absolute and unique",
        "KNATIVE-CONTAINERS": "one serving container declares exactly one port; every container "
        "needs an image",
        "KNATIVE-FIELD-VALUE": "use one of the allowed values",
        "KNATIVE-LABEL": "cluster-local, or no label for a public service",
        "KNATIVE-CONFIGMAP": "Knative refuses the whole ConfigMap until this is fixed",
        "KNATIVE-IMAGE": "use registry/repository[:tag][@sha256:<64 lower-case hex>], "
        "repository in lower case",
        "K8S-LABEL": "keys: [prefix/]name with alphanumerics, '-', '_', '.'; values: at most 63 such "
        "characters, starting and ending with an alphanumeric",
        "K8S-ANNOTATION": "keys: [prefix/]name with alphanumerics, '-', '_', '.'",
        "K8S-ENV": "use printable ASCII without '='",
        "K8S-PROBE": "use 0 or more (0 means the Kubernetes default); successThreshold 1",
        "K8S-RESOURCE": "use cpu, memory, ephemeral-storage or a vendor resource such as nvidia.com/gpu",
        "K8S-NODE-AFFINITY": "In/NotIn need values, Exists/DoesNotExist none, Gt/Lt exactly one",
        "KNATIVE-RECONCILE-TAG-HOST": "shorten the tag or the service name",
        "KNATIVE-SCHEMA": "match the Knative Service API (serving.knative.dev/v1) and YAML types",
    }
)

# --------------------------------------------------------------------------- API

#: The only Knative Serving API version a Service manifest may use.
SERVING_API_VERSION: Final = "serving.knative.dev/v1"

# --------------------------------------------------------------------------- annotations

#: Prefix of every autoscaling annotation (``REG`` ``GroupName``).
AUTOSCALING_PREFIX: Final = "autoscaling.knative.dev/"

ANN_CLASS: Final = "autoscaling.knative.dev/class"
ANN_METRIC: Final = "autoscaling.knative.dev/metric"
ANN_TARGET: Final = "autoscaling.knative.dev/target"
ANN_TARGET_UTILIZATION: Final = "autoscaling.knative.dev/target-utilization-percentage"
ANN_WINDOW: Final = "autoscaling.knative.dev/window"
ANN_PANIC_WINDOW_PERCENTAGE: Final = "autoscaling.knative.dev/panic-window-percentage"
ANN_PANIC_THRESHOLD_PERCENTAGE: Final = "autoscaling.knative.dev/panic-threshold-percentage"
ANN_MIN_SCALE: Final = "autoscaling.knative.dev/min-scale"
ANN_MAX_SCALE: Final = "autoscaling.knative.dev/max-scale"
ANN_INITIAL_SCALE: Final = "autoscaling.knative.dev/initial-scale"
ANN_ACTIVATION_SCALE: Final = "autoscaling.knative.dev/activation-scale"
ANN_SCALE_DOWN_DELAY: Final = "autoscaling.knative.dev/scale-down-delay"
ANN_SCALE_TO_ZERO_POD_RETENTION: Final = "autoscaling.knative.dev/scale-to-zero-pod-retention-period"
ANN_TARGET_BURST_CAPACITY: Final = "autoscaling.knative.dev/target-burst-capacity"
ANN_METRIC_AGGREGATION: Final = "autoscaling.knative.dev/metric-aggregation-algorithm"

# Legacy camelCase aliases (REG ``var (...)`` KeyPriority); the kebab-case key wins.
ANN_TARGET_UTILIZATION_ALIAS: Final = "autoscaling.knative.dev/targetUtilizationPercentage"
ANN_PANIC_WINDOW_PERCENTAGE_ALIAS: Final = "autoscaling.knative.dev/panicWindowPercentage"
ANN_PANIC_THRESHOLD_PERCENTAGE_ALIAS: Final = "autoscaling.knative.dev/panicThresholdPercentage"
ANN_MIN_SCALE_ALIAS: Final = "autoscaling.knative.dev/minScale"
ANN_MAX_SCALE_ALIAS: Final = "autoscaling.knative.dev/maxScale"
ANN_INITIAL_SCALE_ALIAS: Final = "autoscaling.knative.dev/initialScale"
ANN_SCALE_DOWN_DELAY_ALIAS: Final = "autoscaling.knative.dev/scaleDownDelay"
ANN_SCALE_TO_ZERO_POD_RETENTION_ALIAS: Final = "autoscaling.knative.dev/scaleToZeroPodRetentionPeriod"
ANN_TARGET_BURST_CAPACITY_ALIAS: Final = "autoscaling.knative.dev/targetBurstCapacity"
ANN_METRIC_AGGREGATION_ALIAS: Final = "autoscaling.knative.dev/metricAggregationAlgorithm"

#: Kebab-case key -> its legacy camelCase alias. Keys without an alias are not listed.
ANNOTATION_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        ANN_TARGET_UTILIZATION: ANN_TARGET_UTILIZATION_ALIAS,
        ANN_PANIC_WINDOW_PERCENTAGE: ANN_PANIC_WINDOW_PERCENTAGE_ALIAS,
        ANN_PANIC_THRESHOLD_PERCENTAGE: ANN_PANIC_THRESHOLD_PERCENTAGE_ALIAS,
        ANN_MIN_SCALE: ANN_MIN_SCALE_ALIAS,
        ANN_MAX_SCALE: ANN_MAX_SCALE_ALIAS,
        ANN_INITIAL_SCALE: ANN_INITIAL_SCALE_ALIAS,
        ANN_SCALE_DOWN_DELAY: ANN_SCALE_DOWN_DELAY_ALIAS,
        ANN_SCALE_TO_ZERO_POD_RETENTION: ANN_SCALE_TO_ZERO_POD_RETENTION_ALIAS,
        ANN_TARGET_BURST_CAPACITY: ANN_TARGET_BURST_CAPACITY_ALIAS,
        ANN_METRIC_AGGREGATION: ANN_METRIC_AGGREGATION_ALIAS,
    }
)

#: Overrides config-deployment ``progress-deadline`` for one revision (template annotation).
ANN_PROGRESS_DEADLINE: Final = "serving.knative.dev/progress-deadline"
#: Gradual traffic shift for ``latestRevision`` targets (Service or Route annotation).
ANN_ROLLOUT_DURATION: Final = "serving.knative.dev/rollout-duration"
ANN_ROLLOUT_DURATION_ALIAS: Final = "serving.knative.dev/rolloutDuration"
#: ``"true"`` protects a revision from garbage collection.
ANN_NO_GC: Final = "serving.knative.dev/no-gc"

#: Deprecated queue-proxy resource share (float 0.1..100; always a deprecation warning).
ANN_QUEUE_RESOURCE_PERCENTAGE: Final = "queue.sidecar.serving.knative.dev/resource-percentage"
ANN_QUEUE_RESOURCE_PERCENTAGE_ALIAS: Final = "queue.sidecar.serving.knative.dev/resourcePercentage"
QUEUE_RESOURCE_PERCENTAGE_MIN: Final = 0.1
QUEUE_RESOURCE_PERCENTAGE_MAX: Final = 100.0

#: Queue-proxy resource annotations whose values must be Kubernetes quantities.
QUEUE_SIDECAR_RESOURCE_ANNOTATIONS: Final = frozenset(
    f"queue.sidecar.serving.knative.dev/{resource}-resource-{kind}"
    for resource in ("cpu", "memory", "ephemeral-storage")
    for kind in ("request", "limit")
)

#: Keys starting with this are checked against :data:`NETWORKING_TEMPLATE_ANNOTATIONS`
#: on the revision template (knative-v1.21.0 and later; the check is a plain prefix match).
NETWORKING_PREFIX: Final = "networking.knative.dev"
#: The networking annotations allowed on the revision template, with their alternative keys.
NETWORKING_TEMPLATE_ANNOTATIONS: Final = frozenset(
    {
        "networking.knative.dev/ingress.class",
        "networking.knative.dev/ingress-class",
        "networking.knative.dev/certificate.class",
        "networking.knative.dev/certificate-class",
        "networking.knative.dev/disableAutoTLS",
        "networking.knative.dev/disable-auto-tls",
        "networking.knative.dev/disableExternalDomainTLS",
        "networking.knative.dev/disable-external-domain-tls",
        "networking.knative.dev/http-option",
        "networking.knative.dev/httpOption",
        "networking.knative.dev/http-protocol",
    }
)

# --------------------------------------------------------------------------- classes, metrics

KPA_CLASS: Final = "kpa.autoscaling.knative.dev"
HPA_CLASS: Final = "hpa.autoscaling.knative.dev"
#: A class ending in this suffix must be KPA or HPA; other classes are custom autoscalers.
KNATIVE_CLASS_SUFFIX: Final = ".knative.dev"
#: Metrics the KPA accepts. The HPA accepts any non-empty metric.
KPA_METRICS: Final = frozenset({"concurrency", "rps"})
#: Values of ``metric-aggregation-algorithm`` (checked only when the class is literally KPA).
AGGREGATION_ALGORITHMS: Final = frozenset({"linear", "weighted-exponential", "weightedExponential"})

# --------------------------------------------------------------------------- bounds

#: ``autoscaling.knative.dev/window`` and config ``stable-window`` lower bound (``WindowMin``).
WINDOW_MIN_SECONDS: Final = 6
#: Upper bound of the window (``WindowMax``), also of scale-down-delay and retention annotations.
WINDOW_MAX_SECONDS: Final = 3600
PANIC_WINDOW_PERCENTAGE_MIN: Final = 1.0
PANIC_WINDOW_PERCENTAGE_MAX: Final = 100.0
PANIC_THRESHOLD_PERCENTAGE_MIN: Final = 110.0
PANIC_THRESHOLD_PERCENTAGE_MAX: Final = 1000.0
TARGET_UTILIZATION_MIN: Final = 1.0
TARGET_UTILIZATION_MAX: Final = 100.0
#: Smallest ``target`` (``TargetMin``); also the floor of every effective target.
TARGET_MIN: Final = 0.01
INT32_MAX: Final = 2147483647
#: Annotation bound only: config-autoscaler ``scale-down-delay`` has no upper bound.
SCALE_DOWN_DELAY_MAX_SECONDS: Final = 3600
#: Annotation bound only: config-autoscaler has no upper bound either.
SCALE_TO_ZERO_POD_RETENTION_MAX_SECONDS: Final = 3600
#: ``activation-scale`` must be at least this.
ACTIVATION_SCALE_MIN: Final = 2
#: containerConcurrency lower bound when ``allow-container-concurrency-zero`` is true.
CONTAINER_CONCURRENCY_MIN: Final = 0
PORT_MAX: Final = 65535

# --------------------------------------------------------------------------- reserved

#: Ports queue-proxy and friends use (``knative/serving pkg/networking/constants.go``, profiling).
RESERVED_PORTS: Final = frozenset({8008, 8012, 8013, 8022, 9090, 9091})
#: Env vars Knative sets itself; ``PORT`` may be set in sidecars and init containers.
RESERVED_ENV_VARS: Final = frozenset({"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"})
SIDECAR_RESERVED_ENV_VARS: Final = RESERVED_ENV_VARS - {"PORT"}
RESERVED_CONTAINER_NAMES: Final = frozenset({"queue-proxy"})
#: Mount paths that may not be used (after ``path.Clean``).
RESERVED_MOUNT_PATHS: Final = frozenset({"/", "/dev", "/dev/log"})
#: The serving port's name selects the protocol: empty (HTTP/1), ``h2c`` or ``http1``.
VALID_PORT_NAMES: Final = frozenset({"", "h2c", "http1"})

# --------------------------------------------------------------------------- feature flags

FLAG_MULTI_CONTAINER: Final = "multi-container"
FLAG_MULTI_CONTAINER_PROBING: Final = "multi-container-probing"
FLAG_AFFINITY: Final = "kubernetes.podspec-affinity"
FLAG_TOPOLOGY_SPREAD: Final = "kubernetes.podspec-topologyspreadconstraints"
FLAG_HOST_ALIASES: Final = "kubernetes.podspec-hostaliases"
FLAG_NODE_SELECTOR: Final = "kubernetes.podspec-nodeselector"
FLAG_TOLERATIONS: Final = "kubernetes.podspec-tolerations"
FLAG_FIELDREF: Final = "kubernetes.podspec-fieldref"
FLAG_RUNTIME_CLASS_NAME: Final = "kubernetes.podspec-runtimeclassname"
FLAG_DNS_POLICY: Final = "kubernetes.podspec-dnspolicy"
FLAG_DNS_CONFIG: Final = "kubernetes.podspec-dnsconfig"
FLAG_SECURITY_CONTEXT: Final = "kubernetes.podspec-securitycontext"
FLAG_SHARE_PROCESS_NAMESPACE: Final = "kubernetes.podspec-shareprocessnamespace"
FLAG_HOST_IPC: Final = "kubernetes.podspec-hostipc"
FLAG_HOST_PID: Final = "kubernetes.podspec-hostpid"
FLAG_HOST_NETWORK: Final = "kubernetes.podspec-hostnetwork"
FLAG_PRIORITY_CLASS_NAME: Final = "kubernetes.podspec-priorityclassname"
FLAG_SCHEDULER_NAME: Final = "kubernetes.podspec-schedulername"
FLAG_ADD_CAPABILITIES: Final = "kubernetes.containerspec-addcapabilities"
FLAG_VOLUMES_EMPTYDIR: Final = "kubernetes.podspec-volumes-emptydir"
FLAG_VOLUMES_IMAGE: Final = "kubernetes.podspec-volumes-image"
FLAG_VOLUMES_HOSTPATH: Final = "kubernetes.podspec-volumes-hostpath"
FLAG_VOLUMES_EPHEMERAL: Final = "kubernetes.podspec-volumes-ephemeral"
FLAG_VOLUMES_CSI: Final = "kubernetes.podspec-volumes-csi"
FLAG_INIT_CONTAINERS: Final = "kubernetes.podspec-init-containers"
FLAG_PVC: Final = "kubernetes.podspec-persistent-volume-claim"
FLAG_PVC_WRITE: Final = "kubernetes.podspec-persistent-volume-write"
FLAG_MOUNT_PROPAGATION: Final = "kubernetes.podspec-volumes-mount-propagation"
FLAG_SECURE_POD_DEFAULTS: Final = "secure-pod-defaults"

#: Every config-features flag Knative v1.23 reads, with its default (lower case).
FEATURE_DEFAULTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        FLAG_SECURE_POD_DEFAULTS: "disabled",
        FLAG_MULTI_CONTAINER: "enabled",
        FLAG_MULTI_CONTAINER_PROBING: "disabled",
        FLAG_AFFINITY: "disabled",
        FLAG_TOPOLOGY_SPREAD: "disabled",
        FLAG_HOST_ALIASES: "disabled",
        FLAG_NODE_SELECTOR: "disabled",
        FLAG_TOLERATIONS: "disabled",
        FLAG_FIELDREF: "disabled",
        FLAG_RUNTIME_CLASS_NAME: "disabled",
        FLAG_DNS_POLICY: "disabled",
        FLAG_DNS_CONFIG: "disabled",
        FLAG_SECURITY_CONTEXT: "disabled",
        FLAG_SHARE_PROCESS_NAMESPACE: "disabled",
        FLAG_HOST_IPC: "disabled",
        FLAG_HOST_PID: "disabled",
        FLAG_HOST_NETWORK: "disabled",
        FLAG_PRIORITY_CLASS_NAME: "disabled",
        FLAG_SCHEDULER_NAME: "disabled",
        FLAG_ADD_CAPABILITIES: "disabled",
        "tag-header-based-routing": "disabled",
        "autodetect-http2": "disabled",
        FLAG_VOLUMES_EMPTYDIR: "enabled",
        FLAG_VOLUMES_IMAGE: "disabled",
        FLAG_VOLUMES_HOSTPATH: "disabled",
        FLAG_VOLUMES_EPHEMERAL: "disabled",
        FLAG_VOLUMES_CSI: "disabled",
        FLAG_INIT_CONTAINERS: "disabled",
        FLAG_PVC: "disabled",
        FLAG_PVC_WRITE: "disabled",
        FLAG_MOUNT_PROPAGATION: "disabled",
        "queueproxy.mount-podinfo": "disabled",
        "queueproxy.resource-defaults": "disabled",
    }
)
#: Values a flag may take (parsed case-insensitively).
FEATURE_VALUES: Final = frozenset({"enabled", "disabled", "allowed"})
#: Values ``secure-pod-defaults`` may take (parsed case-insensitively).
SECURE_POD_DEFAULTS_VALUES: Final = frozenset({"enabled", "disabled", "allowrootbounded"})

# --------------------------------------------------------------------------- pod spec shape

#: RevisionSpec fields that are always allowed (``MASK`` ``PodSpecMask`` plus the RevisionSpec
#: fields). ``automountServiceAccountToken`` is allowed only as ``false``.
ALLOWED_POD_FIELDS: Final = frozenset(
    {
        "containers",
        "volumes",
        "serviceAccountName",
        "imagePullSecrets",
        "enableServiceLinks",
        "automountServiceAccountToken",
        "containerConcurrency",
        "timeoutSeconds",
        "responseStartTimeoutSeconds",
        "idleTimeoutSeconds",
    }
)

#: PodSpec field -> the config-features flag that lets it through. The mask copies these when
#: the flag is not ``disabled`` (``allowed`` counts), except ``initContainers``, whose extra check
#: needs ``enabled``.
GATED_POD_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "affinity": FLAG_AFFINITY,
        "topologySpreadConstraints": FLAG_TOPOLOGY_SPREAD,
        "hostAliases": FLAG_HOST_ALIASES,
        "nodeSelector": FLAG_NODE_SELECTOR,
        "tolerations": FLAG_TOLERATIONS,
        "runtimeClassName": FLAG_RUNTIME_CLASS_NAME,
        "priorityClassName": FLAG_PRIORITY_CLASS_NAME,
        "schedulerName": FLAG_SCHEDULER_NAME,
        "securityContext": FLAG_SECURITY_CONTEXT,
        "shareProcessNamespace": FLAG_SHARE_PROCESS_NAMESPACE,
        "dnsPolicy": FLAG_DNS_POLICY,
        "dnsConfig": FLAG_DNS_CONFIG,
        "hostIPC": FLAG_HOST_IPC,
        "hostPID": FLAG_HOST_PID,
        "hostNetwork": FLAG_HOST_NETWORK,
        "initContainers": FLAG_INIT_CONTAINERS,
    }
)

#: Kubernetes PodSpec fields Knative never accepts (``must not set the field(s)``).
#: ``terminationGracePeriodSeconds`` is set by Knative to ``timeoutSeconds``.
FORBIDDEN_POD_FIELDS: Final = frozenset(
    {
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "nodeName",
        "hostname",
        "subdomain",
        "priority",
        "readinessGates",
        "restartPolicy",
        "preemptionPolicy",
        "overhead",
        "ephemeralContainers",
        "setHostnameAsFQDN",
        "os",
        "hostUsers",
        "schedulingGates",
        "resourceClaims",
        "resources",
        "serviceAccount",
        "hostnameOverride",
    }
)

#: Pod ``securityContext`` fields allowed once ``kubernetes.podspec-securitycontext`` is on.
POD_SECURITY_CONTEXT_FIELDS: Final = frozenset(
    {"runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups", "seccompProfile"}
)

#: Container fields Knative copies (``MASK`` ``ContainerMask``).
ALLOWED_CONTAINER_FIELDS: Final = frozenset(
    {
        "name",
        "args",
        "command",
        "env",
        "workingDir",
        "envFrom",
        "image",
        "imagePullPolicy",
        "livenessProbe",
        "ports",
        "readinessProbe",
        "startupProbe",
        "resources",
        "securityContext",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "volumeMounts",
    }
)

#: Kubernetes container fields Knative never accepts. ``lifecycle`` is forbidden because
#: Knative injects its own preStop hook.
FORBIDDEN_CONTAINER_FIELDS: Final = frozenset(
    {"lifecycle", "stdin", "stdinOnce", "tty", "volumeDevices", "resizePolicy", "restartPolicy"}
)

#: Probe fields Knative copies (``MASK`` ``ProbeMask``); the handler is one of
#: :data:`PROBE_HANDLERS`.
PROBE_FIELDS: Final = frozenset(
    {
        "exec",
        "httpGet",
        "tcpSocket",
        "grpc",
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
        "terminationGracePeriodSeconds",
    }
)
#: Probe handlers; exactly one must be set.
PROBE_HANDLERS: Final = ("exec", "grpc", "httpGet", "tcpSocket")

# --------------------------------------------------------------------------- volumes

#: Volume sources allowed without any flag.
ALLOWED_VOLUME_TYPES: Final = frozenset({"secret", "configMap", "projected"})
#: Volume source -> the flag it needs. All of these need the flag ``enabled``
#: (``allowed`` is not enough). A writable PVC also needs :data:`FLAG_PVC_WRITE`.
GATED_VOLUME_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "emptyDir": FLAG_VOLUMES_EMPTYDIR,
        "persistentVolumeClaim": FLAG_PVC,
        "hostPath": FLAG_VOLUMES_HOSTPATH,
        "csi": FLAG_VOLUMES_CSI,
        "ephemeral": FLAG_VOLUMES_EPHEMERAL,
        "image": FLAG_VOLUMES_IMAGE,
    }
)
#: Kubernetes volume sources Knative never accepts.
FORBIDDEN_VOLUME_TYPES: Final = frozenset(
    {
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "cephfs",
        "cinder",
        "downwardAPI",
        "fc",
        "flexVolume",
        "flocker",
        "gcePersistentDisk",
        "gitRepo",
        "glusterfs",
        "iscsi",
        "nfs",
        "photonPersistentDisk",
        "portworxVolume",
        "quobyte",
        "rbd",
        "scaleIO",
        "storageos",
        "vsphereVolume",
    }
)
