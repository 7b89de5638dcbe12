"""The Knative layer: what Knative Serving v1.23 accepts, as data plus checks over plain dicts.

Pure Python: nothing here imports cdk8s or needs Node, so the linter and the constructs share
it at no start-up cost.

- :mod:`~kn_constructs.knative.rules`: rule codes (:data:`KNATIVE_RULES`), annotation keys,
  reserved names, gated fields and numeric bounds;
- :mod:`~kn_constructs.knative.settings`: :class:`ClusterSettings`, the ConfigMap values that
  decide what a Service may contain;
- :mod:`~kn_constructs.knative.annotations`, :mod:`~kn_constructs.knative.podspec`,
  :mod:`~kn_constructs.knative.traffic`, :mod:`~kn_constructs.knative.configmaps`,
  :mod:`~kn_constructs.knative.service`: the checks, each returning every
  :class:`~kn_constructs.errors.Problem` with Knative's own wording;
- :mod:`~kn_constructs.knative.durations`, :mod:`~kn_constructs.knative.names`: Go durations
  and DNS names as Knative reads them.

Example::

    from kn_constructs.knative import ClusterSettings, check_manifest

    problems = check_manifest(service_dict, settings=ClusterSettings())
"""

from kn_constructs.knative.annotations import (
    check_autoscaling_annotations,
    check_no_autoscaling_annotations,
    check_rollout_duration,
    check_template_annotations,
)
from kn_constructs.knative.configmaps import (
    check_config_autoscaler,
    check_config_defaults,
    check_config_deployment,
    check_config_features,
    check_config_gc,
    check_configmap,
)
from kn_constructs.knative.durations import (
    format_go_duration,
    format_go_duration_ns,
    is_whole_seconds,
    parse_go_duration,
    parse_go_duration_ns,
)
from kn_constructs.knative.names import DNS1035_MAX_LENGTH, dns1035_problems, is_dns1035_label
from kn_constructs.knative.podspec import check_revision_spec, required_features
from kn_constructs.knative.rules import KNATIVE_RULES, KnativeRule
from kn_constructs.knative.service import (
    check_configuration,
    check_manifest,
    check_revision,
    check_route,
    check_service,
)
from kn_constructs.knative.settings import (
    DEFAULT_SETTINGS,
    FEATURE_DEFAULTS,
    STRICT_FLAGS,
    ClusterSettings,
)
from kn_constructs.knative.traffic import check_traffic

__all__ = [
    "DEFAULT_SETTINGS",
    "DNS1035_MAX_LENGTH",
    "FEATURE_DEFAULTS",
    "KNATIVE_RULES",
    "STRICT_FLAGS",
    "ClusterSettings",
    "KnativeRule",
    "check_autoscaling_annotations",
    "check_config_autoscaler",
    "check_config_defaults",
    "check_config_deployment",
    "check_config_features",
    "check_config_gc",
    "check_configmap",
    "check_configuration",
    "check_manifest",
    "check_no_autoscaling_annotations",
    "check_revision",
    "check_revision_spec",
    "check_rollout_duration",
    "check_route",
    "check_service",
    "check_template_annotations",
    "check_traffic",
    "dns1035_problems",
    "format_go_duration",
    "format_go_duration_ns",
    "is_dns1035_label",
    "is_whole_seconds",
    "parse_go_duration",
    "parse_go_duration_ns",
    "required_features",
]
