"""Knative's rules for a traffic block (``spec.traffic`` of a Service or Route).

Mirrors ``validateTrafficList`` and ``TrafficTarget.Validate``: the percents sum to exactly 100,
each is 0..100, a target names a revision or (in a Route) a configuration, ``latestRevision``
agrees with ``revisionName``, tags are unique DNS-1035 labels, and ``url`` is never set in spec.

One more rule is checked that Knative only enforces at *reconcile* time: the tagged host name
``<tag>-<service>`` (config-network ``tag-template`` default ``{{.Tag}}-{{.Name}}``) is a DNS
label, so it must fit 63 characters. The webhook accepts a longer one; the Route then never
becomes ready.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kn_constructs.errors import Problem
from kn_constructs.knative._go import quote
from kn_constructs.knative._problems import bounds, disallowed, index, join, problem, schema
from kn_constructs.knative.names import (
    DNS1035_MAX_LENGTH,
    dns1035_messages,
    qualified_name_messages,
)

__all__ = ["check_traffic"]

_CODE: Final = "KNATIVE-TRAFFIC"
#: Knative admits a long tag; the Route reconciler fails it (``RECONCILE_RULES``).
_RECONCILE_TAG_HOST: Final = "KNATIVE-RECONCILE-TAG-HOST"
_FIELDS: Final = frozenset({"tag", "revisionName", "configurationName", "latestRevision", "percent", "url"})


def _name_field(target: Mapping[str, Any], key: str) -> str:
    value = target.get(key)
    return value if isinstance(value, str) else ""


def _target_names(target: Mapping[str, Any], at: str, *, in_service: bool) -> list[Problem]:
    revision = _name_field(target, "revisionName")
    configuration = _name_field(target, "configurationName")
    if in_service and configuration:
        return [
            disallowed(
                _CODE,
                join(at, "configurationName"),
                value=configuration,
                hint="a Service's traffic targets its own configuration implicitly: use "
                "latestRevision: true or a revisionName",
            )
        ]
    if revision and configuration:
        return [
            problem(
                _CODE,
                at,
                "expected exactly one, got both: configurationName, revisionName",
                allowed="revisionName or configurationName",
            )
        ]
    for key, name in (("revisionName", revision), ("configurationName", configuration)):
        if name:
            messages = qualified_name_messages(name)
            if messages:
                return [
                    problem(
                        _CODE,
                        join(at, key),
                        f"invalid key name {quote(name)}",
                        value=name,
                        allowed="a Kubernetes name",
                        hint="; ".join(messages),
                    )
                ]
            return []
    if in_service:
        return []
    return [
        problem(
            _CODE,
            at,
            "expected exactly one, got neither: configurationName, revisionName",
            allowed="revisionName or configurationName",
        )
    ]


def check_traffic(
    traffic: Sequence[Mapping[str, Any]] | None,
    *,
    service_name: str | None,
    path: str = "spec.traffic",
    in_service: bool = True,
) -> list[Problem]:
    """Every problem with a traffic block.

    Args:
        traffic: The ``traffic`` list; ``None`` or empty in a Service means Knative's default
            (100 % to the latest revision).
        service_name: The Service's (or Route's) name, for the reconcile-time check that
            ``<tag>-<name>`` fits 63 characters; ``None`` skips it (e.g. with generateName).
        path: Path of the traffic list.
        in_service: ``True`` for a Service (``configurationName`` is forbidden, a target without
            ``revisionName`` means the Service's own configuration); ``False`` for a Route.

    Returns:
        ``KNATIVE-TRAFFIC`` problems (``KNATIVE-SCHEMA`` for wrong types;
        ``KNATIVE-RECONCILE-TAG-HOST``, an error, for a host label Knative admits and then fails).
    """
    if traffic is None or (in_service and isinstance(traffic, list) and not traffic):
        return []
    if not isinstance(traffic, list):
        return [schema(path, "array", traffic)]
    found: list[Problem] = []
    total = 0
    tags: dict[str, int] = {}
    for i, target in enumerate(traffic):
        at = index(path, i)
        if not isinstance(target, Mapping):
            found.append(schema(at, "object", target))
            continue
        for key in target:
            if key not in _FIELDS:
                found.append(
                    problem(
                        "KNATIVE-SCHEMA",
                        join(at, str(key)),
                        f"unknown field {str(key)!r}",
                        allowed=", ".join(sorted(_FIELDS)),
                    )
                )
        for key in ("revisionName", "configurationName"):
            value = target.get(key)
            if value is not None and not isinstance(value, str):
                found.append(schema(join(at, key), "string", value))
        revision = _name_field(target, "revisionName")
        latest = target.get("latestRevision")
        if latest is not None:
            if not isinstance(latest, bool):
                found.append(schema(join(at, "latestRevision"), "boolean", latest))
            elif bool(revision) == latest:
                found.append(
                    problem(
                        _CODE,
                        join(at, "latestRevision"),
                        f"may not set revisionName {quote(revision)} when latestRevision is "
                        f"{'true' if latest else 'false'}",
                        value=latest,
                        allowed="true without revisionName, false with one",
                        hint="latestRevision: true follows the newest ready revision; "
                        "pin a revision with revisionName and latestRevision: false",
                    )
                )
        found += _target_names(target, at, in_service=in_service)
        percent = target.get("percent")
        if percent is not None:
            if isinstance(percent, bool) or not isinstance(percent, int):
                found.append(schema(join(at, "percent"), "integer", percent))
            else:
                if percent < 0 or percent > 100:
                    found.append(bounds(_CODE, join(at, "percent"), 0, percent, 100, value=percent))
                total += percent
        if target.get("url"):
            found.append(
                disallowed(
                    _CODE,
                    join(at, "url"),
                    value=target.get("url"),
                    hint="url is reported in status; remove it from spec",
                )
            )
        tag = target.get("tag")
        if tag is None or tag == "":
            continue
        if not isinstance(tag, str):
            found.append(schema(join(at, "tag"), "string", tag))
            continue
        messages = dns1035_messages(tag)
        if messages:
            found.append(
                problem(
                    _CODE,
                    join(at, "tag"),
                    f"invalid value: not a DNS 1035 label: [{' '.join(messages)}]",
                    value=tag,
                    allowed="a DNS-1035 label",
                    hint="tags become host names: lower case, start with a letter",
                )
            )
        if tag in tags:
            found.append(
                problem(
                    _CODE,
                    join(at, "tag"),
                    f"Multiple definitions for {quote(tag)}",
                    value=tag,
                    allowed="unique tags",
                    hint=f"{index(path, tags[tag])}.tag uses the same tag",
                )
            )
        else:
            tags[tag] = i
        if service_name is not None and not messages:
            host = f"{tag}-{service_name}"
            if len(host) > DNS1035_MAX_LENGTH:
                found.append(
                    problem(
                        _RECONCILE_TAG_HOST,
                        join(at, "tag"),
                        f"tagged host label {host!r} is {len(host)} characters, more than "
                        f"{DNS1035_MAX_LENGTH}",
                        value=tag,
                        allowed=f"tag + '-' + service name <= {DNS1035_MAX_LENGTH} characters",
                        hint="Knative's webhook accepts it but only fails at reconcile time: the "
                        "Route never becomes ready; shorten the tag or the service name",
                    )
                )
    if total != 100:
        found.append(
            problem(
                _CODE,
                path,
                f"Traffic targets sum to {total}, want 100",
                value=total,
                allowed="percents summing to exactly 100",
                hint="an entry without percent counts as 0",
            )
        )
    return found
