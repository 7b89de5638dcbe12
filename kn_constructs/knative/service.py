"""Whole-manifest checks: a Knative Service, or one of Knative's ConfigMaps.

:func:`check_service` runs everything Knative's webhook checks on a ``serving.knative.dev/v1``
Service (plus the reconcile-time tag length): names, metadata annotations, the revision template
(name, annotations, spec) and the traffic block. :func:`check_manifest` dispatches any manifest
dict to the right check, so a linter can feed it every document of a YAML stream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from kn_constructs.errors import Problem
from kn_constructs.knative import rules as kn
from kn_constructs.knative._go import quote
from kn_constructs.knative._problems import disallowed, invalid, join, problem, schema
from kn_constructs.knative.annotations import (
    check_no_autoscaling_annotations,
    check_rollout_duration,
    check_template_annotations,
)
from kn_constructs.knative.configmaps import CONFIG_NAMESPACE, CONFIGMAP_NAMES, check_configmap
from kn_constructs.knative.names import annotations_problems, dns1035_messages, labels_problems
from kn_constructs.knative.podspec import check_revision_spec
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings
from kn_constructs.knative.traffic import check_traffic

__all__ = ["check_configuration", "check_manifest", "check_revision", "check_route", "check_service"]

_NAME: Final = "KNATIVE-NAME"
_VISIBILITY_LABEL: Final = "networking.knative.dev/visibility"
_CLUSTER_LOCAL: Final = "cluster-local"
_NAME_ALLOWED: Final = "a DNS-1035 label: lower case, starts with a letter, <= 63 characters"


def _metadata_names(metadata: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    name = metadata.get("name")
    generate = metadata.get("generateName")
    if isinstance(generate, str) and generate:
        messages = dns1035_messages(generate, prefix=True)
        if messages:
            found.append(
                problem(
                    _NAME,
                    "metadata.generateName",
                    f"not a DNS 1035 label prefix: [{' '.join(messages)}]",
                    value=generate,
                    allowed=_NAME_ALLOWED,
                )
            )
    if isinstance(name, str) and name:
        messages = dns1035_messages(name)
        if messages:
            found.append(
                problem(
                    _NAME,
                    "metadata.name",
                    f"not a DNS 1035 label: [{' '.join(messages)}]",
                    value=name,
                    allowed=_NAME_ALLOWED,
                    hint="Knative Service names become host names: use e.g. 'llama-3-8b'",
                )
            )
    elif not (isinstance(generate, str) and generate):
        found.append(
            problem(_NAME, "metadata.name", "name or generateName is required", allowed=_NAME_ALLOWED)
        )
    return found


def _metadata(
    metadata: Mapping[str, Any], *, revision: bool = False, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """The object's own metadata. A Revision's may carry autoscaling annotations; others may not."""
    found = _metadata_names(metadata)
    annotations = metadata.get("annotations")
    if annotations is not None and not isinstance(annotations, Mapping):
        return [*found, schema("metadata.annotations", "object", annotations)]
    if isinstance(annotations, Mapping):
        found += [
            schema(join("metadata.annotations", str(key)), "string", value)
            for key, value in annotations.items()
            if not isinstance(value, str)
        ]
        if revision:
            found += check_template_annotations(
                {k: v for k, v in annotations.items() if isinstance(v, str)},
                settings=settings,
                path="metadata.annotations",
            )
        else:
            found += check_no_autoscaling_annotations(annotations, path="metadata.annotations")
            found += check_rollout_duration(annotations, path="metadata.annotations")
    found += annotations_problems("metadata.annotations", annotations)
    labels = metadata.get("labels")
    found += labels_problems("metadata.labels", labels)
    if isinstance(labels, Mapping):
        visibility = labels.get(_VISIBILITY_LABEL)
        if visibility is not None and visibility != _CLUSTER_LOCAL:
            # Knative stopped validating the value in v1.1 (serving#12397): any other value is
            # admitted and the Route stays public (config-domain LookupDomainForLabels).
            found.append(
                problem(
                    "KNATIVE-LABEL",
                    join("metadata.labels", _VISIBILITY_LABEL),
                    f"{quote(str(visibility))} has no effect: only cluster-local makes the service "
                    "cluster-local, any other value leaves it public",
                    value=visibility,
                    allowed=_CLUSTER_LOCAL,
                    hint="use cluster-local for a private service, or leave the label out",
                    severity="warning",
                )
            )
    elif labels is not None:
        found.append(schema("metadata.labels", "object", labels))
    return found


def _revision_name(template_meta: Mapping[str, Any], service_meta: Mapping[str, Any]) -> list[Problem]:
    generate = template_meta.get("generateName")
    if isinstance(generate, str) and generate:
        messages = dns1035_messages(generate, prefix=True)
        if messages:
            return [
                invalid(
                    _NAME,
                    "spec.template.metadata.generateName",
                    f"not a DNS 1035 label prefix: [{' '.join(messages)}]",
                    value=generate,
                    allowed=_NAME_ALLOWED,
                )
            ]
    name = template_meta.get("name")
    if not isinstance(name, str) or not name:
        return []
    at = "spec.template.metadata.name"
    messages = dns1035_messages(name)
    if messages:
        return [
            invalid(
                _NAME,
                at,
                f"not a DNS 1035 label: [{' '.join(messages)}]",
                value=name,
                allowed=_NAME_ALLOWED,
            )
        ]
    parent = service_meta.get("name")
    parent_name = parent if isinstance(parent, str) else ""
    if not parent_name and service_meta.get("generateName"):
        return [
            disallowed(
                _NAME,
                at,
                value=name,
                hint="a revision name cannot be chosen when the Service uses generateName",
            )
        ]
    prefix = f"{parent_name}-"
    if not name.startswith(prefix):
        return [
            invalid(
                _NAME,
                at,
                f"{quote(name)} must have prefix {quote(prefix)}",
                value=name,
                allowed=f"{prefix}<suffix>",
                hint=f"name revisions {prefix}<something>, e.g. {prefix}v2",
            )
        ]
    return []


def check_service(
    manifest: Mapping[str, Any], *, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """Every problem Knative finds in a ``serving.knative.dev/v1`` Service manifest.

    Checks apiVersion and kind; ``metadata.name`` (DNS-1035) or ``generateName``; no
    autoscaling annotations on the Service's own metadata; ``rollout-duration``; the template's
    revision name (``<service name>-`` prefix), annotations
    (:func:`~kn_constructs.knative.annotations.check_template_annotations`) and spec
    (:func:`~kn_constructs.knative.podspec.check_revision_spec`); and the traffic block
    (:func:`~kn_constructs.knative.traffic.check_traffic`).

    Args:
        manifest: The Service as a plain dict (one YAML document).
        settings: The cluster settings to check against.

    Returns:
        The problems; paths are Knative field paths (``spec.template.spec.timeoutSeconds``).
    """
    if not isinstance(manifest, Mapping):
        return [schema("", "object", manifest)]
    return _check_api_version(manifest) + _check_kind(manifest, "Service", settings=settings)


def _check_api_version(manifest: Mapping[str, Any]) -> list[Problem]:
    api_version = manifest.get("apiVersion")
    if api_version == kn.SERVING_API_VERSION:
        return []
    return [
        problem(
            "KNATIVE-SCHEMA",
            "apiVersion",
            f"unsupported apiVersion {quote(str(api_version))}",
            value=api_version,
            allowed=kn.SERVING_API_VERSION,
            hint="Knative Serving serves only serving.knative.dev/v1",
        )
    ]


def _kind_problems(manifest: Mapping[str, Any], kind: str) -> list[Problem]:
    if manifest.get("kind") == kind:
        return []
    return [
        problem(
            "KNATIVE-SCHEMA",
            "kind",
            f"expected kind {kind}, got {quote(str(manifest.get('kind')))}",
            value=manifest.get("kind"),
            allowed=kind,
        )
    ]


#: The fields of ``spec`` each kind allows.
_SPEC_FIELDS: Final = {
    "Service": ("template", "traffic"),
    "Configuration": ("template",),
    "Route": ("traffic",),
}


def _check_kind(manifest: Mapping[str, Any], kind: str, *, settings: ClusterSettings) -> list[Problem]:
    """A Service, Configuration or Route: metadata, template (if any) and traffic (if any)."""
    found: list[Problem] = []
    found += _kind_problems(manifest, kind)
    metadata = manifest.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        found.append(schema("metadata", "object", metadata))
        metadata = {}
    found += _metadata(metadata)
    spec = manifest.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        return [*found, schema("spec", "object", spec)]
    allowed_fields = _SPEC_FIELDS[kind]
    for key in spec:
        if key not in allowed_fields:
            found.append(
                problem(
                    "KNATIVE-SCHEMA",
                    join("spec", str(key)),
                    f"unknown field {str(key)!r}",
                    allowed=", ".join(allowed_fields),
                )
            )
    name = metadata.get("name")
    if "traffic" in allowed_fields:
        found += check_traffic(
            spec.get("traffic"),
            service_name=name if isinstance(name, str) and name else None,
            path="spec.traffic",
            in_service=kind == "Service",
        )
    if "template" not in allowed_fields:
        return found
    template = spec.get("template")
    if template is None:
        template = {}
    if not isinstance(template, Mapping):
        found.append(schema("spec.template", "object", template))
        template = {}
    template_meta = template.get("metadata")
    if template_meta is None:
        template_meta = {}
    if not isinstance(template_meta, Mapping):
        found.append(schema("spec.template.metadata", "object", template_meta))
        template_meta = {}
    found += _revision_name(template_meta, metadata)
    found += labels_problems("spec.template.metadata.labels", template_meta.get("labels"))
    found += annotations_problems("spec.template.metadata.annotations", template_meta.get("annotations"))
    found += check_template_annotations(
        template_meta.get("annotations") or {},
        settings=settings,
        path="spec.template.metadata.annotations",
    )
    found += check_revision_spec(template.get("spec") or {}, settings=settings, path="spec.template.spec")
    return found


def check_configuration(
    manifest: Mapping[str, Any], *, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """Every problem Knative finds in a ``serving.knative.dev/v1`` Configuration (a template, no traffic)."""
    if not isinstance(manifest, Mapping):
        return [schema("", "object", manifest)]
    return _check_api_version(manifest) + _check_kind(manifest, "Configuration", settings=settings)


def check_route(
    manifest: Mapping[str, Any], *, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """Every problem Knative finds in a ``serving.knative.dev/v1`` Route.

    Its traffic may name configurations as well as revisions.
    """
    if not isinstance(manifest, Mapping):
        return [schema("", "object", manifest)]
    return _check_api_version(manifest) + _check_kind(manifest, "Route", settings=settings)


def check_revision(
    manifest: Mapping[str, Any], *, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """Every problem Knative finds in a ``serving.knative.dev/v1`` Revision.

    A Revision carries its autoscaling annotations on its own metadata, and its ``spec`` is
    the revision spec itself (paths start at ``spec``).
    """
    if not isinstance(manifest, Mapping):
        return [schema("", "object", manifest)]
    found = _check_api_version(manifest) + _kind_problems(manifest, "Revision")
    metadata = manifest.get("metadata")
    if not isinstance(metadata, Mapping):
        metadata = {}
    found += _metadata(metadata, revision=True, settings=settings)
    spec = manifest.get("spec")
    if spec is not None and not isinstance(spec, Mapping):
        return [*found, schema("spec", "object", spec)]
    found += check_revision_spec(spec or {}, settings=settings, path="spec")
    return found


def check_manifest(
    manifest: Mapping[str, Any], *, settings: ClusterSettings = DEFAULT_SETTINGS
) -> list[Problem]:
    """Check any manifest dict that Knative validates; ``[]`` for everything else.

    - ``serving.knative.dev/*`` ``Service`` -> :func:`check_service`;
    - ``v1`` ``ConfigMap`` named ``config-autoscaler``, ``config-defaults``,
      ``config-deployment``, ``config-features`` or ``config-gc`` in namespace
      ``knative-serving`` -> the matching check of :mod:`kn_constructs.knative.configmaps`
      (paths start at ``data``).

    Args:
        manifest: One YAML document as a dict.
        settings: The cluster settings Services are checked against.
    """
    if not isinstance(manifest, Mapping):
        return []
    api_version = manifest.get("apiVersion")
    kind = manifest.get("kind")
    if isinstance(api_version, str) and api_version.startswith("serving.knative.dev/"):
        check = _BY_KIND.get(str(kind))
        if check is not None:
            return check(manifest, settings=settings)
    if kind == "ConfigMap" and api_version == "v1":
        metadata = manifest.get("metadata")
        if (
            isinstance(metadata, Mapping)
            and isinstance(metadata.get("name"), str)
            and metadata.get("name") in CONFIGMAP_NAMES
            and metadata.get("namespace") == CONFIG_NAMESPACE
        ):
            data = manifest.get("data")
            return check_configmap(str(metadata["name"]), data if data is not None else {})
    return []


#: The Knative Serving kinds :func:`check_manifest` checks, and how.
_BY_KIND: Final[Mapping[str, Callable[..., list[Problem]]]] = {
    "Service": check_service,
    "Configuration": check_configuration,
    "Route": check_route,
    "Revision": check_revision,
}
