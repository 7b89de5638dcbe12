"""Knative's rules for a revision's pod spec (``spec.template.spec`` of a Service).

:func:`check_revision_spec` mirrors ``RevisionSpec.Validate`` and ``ValidatePodSpec``:
containerConcurrency and timeoutSeconds against the cluster's config-defaults, the field masks
(fields Knative never accepts, fields gated by config-features), containers and the single
serving port, reserved names, env vars and ports, probes, volumes and mounts, init containers.

What is checked after Knative's *defaulting* webhook has run, since that is what its validation
sees: a readiness probe's ``successThreshold`` 0 becomes 1 (and ``failureThreshold`` /
``timeoutSeconds`` 0 become 3 / 1 when ``periodSeconds`` is set), and mounts of secret,
configMap and projected volumes are made ``readOnly``; none of those is reported.

Where Knative only fails later (the reconciler, or Kubernetes creating the Deployment), a
problem says so in its hint.

:func:`required_features` lists the config-features flags a pod spec needs, so the cluster's
``config-features`` can enable exactly those.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from kn_constructs.errors import Problem
from kn_constructs.images import image_problems
from kn_constructs.knative import rules as kn
from kn_constructs.knative._go import quote
from kn_constructs.knative._problems import (
    DISALLOWED,
    bounds,
    disallowed,
    index,
    invalid,
    join,
    missing,
    problem,
    schema,
)
from kn_constructs.knative.names import (
    dns1123_label_messages,
    dns1123_subdomain_messages,
    env_name_messages,
    env_name_problems,
    label_key_problems,
    labels_problems,
    qualified_name_messages,
)
from kn_constructs.knative.settings import DEFAULT_SETTINGS, STRICT_FLAGS, ClusterSettings

__all__ = ["check_revision_spec", "required_features"]

_CC: Final = "KNATIVE-CONTAINER-CONCURRENCY"
_CONTAINERS: Final = "KNATIVE-CONTAINERS"
_FIELD: Final = "KNATIVE-FIELD-VALUE"
_FLAG: Final = "KNATIVE-FEATURE-FLAG"
_FORBIDDEN: Final = "KNATIVE-FORBIDDEN-FIELD"
_PROBE: Final = "KNATIVE-PROBE"
_K8S_PROBE: Final = "K8S-PROBE"
_RESERVED: Final = "KNATIVE-RESERVED"
_TIMEOUT: Final = "KNATIVE-TIMEOUT"
_VOLUME: Final = "KNATIVE-VOLUME"

#: Pod fields that are Go pointers: any non-null value counts as set (``priority: 0`` is set).
_POINTER_POD_FIELDS: Final = frozenset(
    {
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "priority",
        "shareProcessNamespace",
        "automountServiceAccountToken",
        "enableServiceLinks",
        "setHostnameAsFQDN",
        "hostUsers",
        "runtimeClassName",
        "preemptionPolicy",
        "securityContext",
        "affinity",
        "dnsConfig",
        "os",
    }
)
_POD_FIELD_HINTS: Final = {
    "terminationGracePeriodSeconds": "Knative sets it to timeoutSeconds; raise timeoutSeconds "
    "for a longer shutdown window",
    "restartPolicy": "Knative pods always restart",
    "nodeName": "use affinity or nodeSelector (behind their config-features flags)",
    "priority": "use priorityClassName (behind kubernetes.podspec-priorityclassname)",
    "resources": "set resources per container",
    "serviceAccount": "use serviceAccountName",
}
_CONTAINER_FIELD_HINTS: Final = {
    "lifecycle": "Knative injects its own preStop hook that drains queue-proxy first",
    "restartPolicy": "sidecar-style init containers are not supported by Knative",
}
_PROBE_HANDLER_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "httpGet": frozenset({"host", "path", "scheme", "httpHeaders", "port"}),
    "tcpSocket": frozenset({"host", "port"}),
    "exec": frozenset({"command"}),
    "grpc": frozenset({"port", "service"}),
}
_SECURITY_CONTEXT_FIELDS: Final = frozenset(
    {
        "capabilities",
        "readOnlyRootFilesystem",
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "allowPrivilegeEscalation",
        "seccompProfile",
        "privileged",
    }
)
_KNOWN_SECURITY_CONTEXT_FIELDS: Final = _SECURITY_CONTEXT_FIELDS | {
    "seLinuxOptions",
    "windowsOptions",
    "procMount",
    "appArmorProfile",
}
_KNOWN_POD_SECURITY_CONTEXT_FIELDS: Final = kn.POD_SECURITY_CONTEXT_FIELDS | {
    "seLinuxOptions",
    "windowsOptions",
    "sysctls",
    "fsGroupChangePolicy",
    "supplementalGroupsPolicy",
    "appArmorProfile",
    "seLinuxChangePolicy",
}
_TERMINATION_MESSAGE_POLICIES: Final = frozenset({"", "File", "FallbackToLogsOnError"})
_MOUNT_PROPAGATIONS: Final = frozenset({"None", "HostToContainer"})
_KNOWN_MOUNT_FIELDS: Final = frozenset(
    {
        "name",
        "readOnly",
        "mountPath",
        "subPath",
        "mountPropagation",
        "subPathExpr",
        "recursiveReadOnly",
    }
)
_PROJECTIONS: Final = ("configMap", "downwardAPI", "secret", "serviceAccountToken")
#: The CRD schema's pattern for resource quantities in ``limits`` and ``requests``.
_QUANTITY: Final = re.compile(
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_VOLUME_FLAG_MESSAGES: Final = {
    "emptyDir": "EmptyDir volume support is disabled, but found EmptyDir volume {name}",
    "hostPath": "HostPath volume support is disabled, but found HostPath volume {name}",
    "csi": "CSI volume support is disabled, but found CSI volume {name}",
    "ephemeral": "Ephemeral volume support is disabled, but found Ephemeral volume {name}",
    "image": "Image volume support is disabled, but found Image volume {name}",
}
_DEFAULT_PORT_NAME: Final = "http"
_DEFAULT_PORT: Final = 8080

Kind = Literal["serving", "sidecar", "init"]


@dataclass
class _Check:
    """State of one :func:`check_revision_spec` call."""

    settings: ClusterSettings
    found: list[Problem]

    def add(self, item: Problem) -> None:
        self.found.append(item)

    def flag_off(self, path: str, flag: str, *, message: str = DISALLOWED, value: object = None) -> None:
        needed = "enabled" if flag in STRICT_FLAGS else "enabled or allowed"
        self.add(
            problem(
                _FLAG,
                path,
                message,
                value=value,
                allowed=f"config-features {flag}: {needed} (now {self.settings.feature(flag)})",
                hint=f'set {flag}: "enabled" in config-features (namespace knative-serving)',
            )
        )


# --------------------------------------------------------------------------- small helpers


def _scalar(value: object) -> object:
    """Return the value if it is small enough to show in a problem, else ``None``."""
    return value if isinstance(value, str | int | float | bool) else None


def _is_set(value: object, *, pointer: bool) -> bool:
    """Whether Go would see the field as set (non-zero; any non-null value for pointers)."""
    if value is None:
        return False
    if pointer:
        return True
    if isinstance(value, Mapping | list):
        return len(value) > 0
    return value not in (False, "", 0)


def _items(value: object, path: str, chk: _Check) -> list[tuple[int, Mapping[str, Any]]]:
    """Return the mapping entries of a list field; report non-lists and non-mappings."""
    if value is None:
        return []
    if not isinstance(value, list):
        chk.add(schema(path, "array", value))
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            out.append((i, item))
        else:
            chk.add(schema(index(path, i), "object", item))
    return out


def _mapping(value: object, path: str, chk: _Check) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        chk.add(schema(path, "object", value))
        return None
    return value


def _int(value: object, path: str, chk: _Check) -> int | None:
    """Return an integer field; ``None`` when absent or (reported) not an integer."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        chk.add(schema(path, "integer", value))
        return None
    return value


def _unknown(path: str, key: object) -> Problem:
    return problem(
        "KNATIVE-SCHEMA",
        join(path, str(key)),
        f"unknown field {str(key)!r}",
        value=None,
        allowed="a field of the Kubernetes/Knative API",
        hint="check the spelling; the API server rejects or drops unknown fields",
    )


def _mask(
    obj: Mapping[str, Any],
    path: str,
    chk: _Check,
    allowed: frozenset[str],
    known: frozenset[str] = frozenset(),
) -> None:
    """Report set fields outside ``allowed``: forbidden if ``known`` (or no ``known`` given)."""
    for key, value in obj.items():
        if key in allowed:
            continue
        if known and key not in known:
            chk.add(_unknown(path, key))
        elif _is_set(value, pointer=False):
            chk.add(disallowed(_FORBIDDEN, join(path, str(key)), value=_scalar(value)))


def _clean_path(path: str) -> str:
    """Go's ``path.Clean`` (Python keeps a leading ``//``; Go does not)."""
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


# --------------------------------------------------------------------------- pod-level fields


def _pod_fields(spec: Mapping[str, Any], path: str, chk: _Check) -> None:
    for key, value in spec.items():
        at = join(path, str(key))
        if key in kn.ALLOWED_POD_FIELDS:
            if key == "automountServiceAccountToken" and value is not None and value is not False:
                chk.add(
                    disallowed(
                        _FORBIDDEN,
                        at,
                        value=_scalar(value),
                        hint="Knative accepts automountServiceAccountToken only as false",
                    )
                )
            continue
        pointer = key in _POINTER_POD_FIELDS
        flag = kn.GATED_POD_FIELDS.get(key)
        if flag is not None:
            if (
                key != "initContainers"
                and _is_set(value, pointer=pointer)
                and not chk.settings.feature_enabled(flag)
            ):
                chk.flag_off(at, flag, value=_scalar(value))
            continue
        if key in kn.FORBIDDEN_POD_FIELDS:
            if _is_set(value, pointer=pointer):
                chk.add(disallowed(_FORBIDDEN, at, value=_scalar(value), hint=_POD_FIELD_HINTS.get(key)))
            continue
        chk.add(_unknown(path, key))


def _pod_security_context(spec: Mapping[str, Any], path: str, chk: _Check) -> None:
    at = join(path, "securityContext")
    sc = _mapping(spec.get("securityContext"), at, chk)
    if sc is None or not chk.settings.feature_enabled(kn.FLAG_SECURITY_CONTEXT):
        return  # when the flag is off the whole field was already reported
    _mask(sc, at, chk, kn.POD_SECURITY_CONTEXT_FIELDS, _KNOWN_POD_SECURITY_CONTEXT_FIELDS)
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        _id_range(sc.get(key), join(at, key), chk)
    groups = sc.get("supplementalGroups")
    if isinstance(groups, list):
        for i, gid in enumerate(groups):
            _id_range(gid, index(join(at, "supplementalGroups"), i), chk)


def _id_range(value: object, path: str, chk: _Check) -> None:
    number = _int(value, path, chk)
    if number is not None and (number < 0 or number > kn.INT32_MAX):
        chk.add(bounds(_FIELD, path, 0, number, kn.INT32_MAX, value=number))


def _timeouts(spec: Mapping[str, Any], path: str, chk: _Check) -> None:
    settings = chk.settings
    at = join(path, "timeoutSeconds")
    timeout = _int(spec.get("timeoutSeconds"), at, chk)
    max_timeout = settings.max_revision_timeout_seconds
    if timeout is not None and timeout != 0 and (timeout < 0 or timeout > max_timeout):
        chk.add(
            bounds(
                _TIMEOUT,
                at,
                0,
                timeout,
                max_timeout,
                value=timeout,
                allowed=f"1..{max_timeout} (0 or unset = {settings.revision_timeout_seconds})",
                hint="config-defaults max-revision-timeout-seconds sets the upper bound"
                if timeout > 0
                else None,
            )
        )
    for key in ("responseStartTimeoutSeconds", "idleTimeoutSeconds"):
        _int(spec.get(key), join(path, key), chk)  # no webhook bounds; type only
    at = join(path, "containerConcurrency")
    concurrency = _int(spec.get("containerConcurrency"), at, chk)
    defaulted = spec.get("containerConcurrency") is None
    if defaulted:
        # RevisionSpec.SetDefaults runs before Validate: an unset containerConcurrency becomes
        # config-defaults container-concurrency (0 unless changed), which is then validated.
        concurrency = settings.container_concurrency
    if concurrency is not None:
        low = 0 if settings.allow_container_concurrency_zero else 1
        high = settings.container_concurrency_max_limit
        if concurrency < low or concurrency > high:
            chk.add(
                bounds(
                    _CC,
                    at,
                    low,
                    concurrency,
                    high,
                    value=concurrency,
                    hint=(
                        f"unset, it is defaulted to config-defaults container-concurrency ({concurrency}),"
                        " which the cluster's bounds refuse: set it explicitly"
                        if defaulted
                        else "0 (unlimited) is not allowed by config-defaults "
                        "allow-container-concurrency-zero"
                        if concurrency == 0
                        else "config-defaults container-concurrency-max-limit sets the upper bound"
                        if concurrency > high
                        else None
                    ),
                )
            )


# --------------------------------------------------------------------------- volumes


def _mounted_names(containers: Sequence[tuple[int, Mapping[str, Any]]]) -> set[str]:
    names: set[str] = set()
    for _, container in containers:
        mounts = container.get("volumeMounts")
        if isinstance(mounts, list):
            names.update(
                m["name"] for m in mounts if isinstance(m, Mapping) and isinstance(m.get("name"), str)
            )
    return names


def _key_to_paths(items: object, path: str, chk: _Check) -> None:
    for i, item in _items(items, path, chk):
        at = index(path, i)
        _mask(item, at, chk, frozenset({"key", "path", "mode"}), frozenset({"key", "path", "mode"}))
        for key in ("key", "path"):
            if not item.get(key):
                chk.add(missing(_VOLUME, join(at, key)))


def _projected(source: Mapping[str, Any], at: str, chk: _Check) -> None:
    sources_path = join(at, "sources")
    for i, proj in _items(source.get("sources"), sources_path, chk):
        p_at = index(sources_path, i)
        specified = [k for k in _PROJECTIONS if proj.get(k) is not None]
        for key, value in proj.items():
            if key not in _PROJECTIONS and value is not None:
                chk.add(disallowed(_FORBIDDEN, join(p_at, str(key))))
        if not specified:
            chk.add(
                problem(
                    _VOLUME,
                    p_at,
                    "expected exactly one, got neither: " + ", ".join(_PROJECTIONS),
                    allowed="one of " + ", ".join(_PROJECTIONS),
                )
            )
        elif len(specified) > 1:
            chk.add(
                problem(
                    _VOLUME,
                    p_at,
                    "expected exactly one, got both: " + ", ".join(sorted(specified)),
                    allowed="one of " + ", ".join(_PROJECTIONS),
                )
            )
        for kind in ("secret", "configMap"):
            ref = _mapping(proj.get(kind), join(p_at, kind), chk)
            if ref is not None:
                if not ref.get("name"):
                    chk.add(missing(_VOLUME, join(join(p_at, kind), "name")))
                _key_to_paths(ref.get("items"), join(join(p_at, kind), "items"), chk)
        token = _mapping(proj.get("serviceAccountToken"), join(p_at, "serviceAccountToken"), chk)
        if token is not None and not token.get("path"):
            chk.add(missing(_VOLUME, join(join(p_at, "serviceAccountToken"), "path")))
        downward = _mapping(proj.get("downwardAPI"), join(p_at, "downwardAPI"), chk)
        if downward is not None:
            items_path = join(join(p_at, "downwardAPI"), "items")
            for j, item in _items(downward.get("items"), items_path, chk):
                i_at = index(items_path, j)
                refs = [k for k in ("fieldRef", "resourceFieldRef") if item.get(k) is not None]
                if not refs:
                    chk.add(
                        problem(
                            _VOLUME,
                            i_at,
                            "expected exactly one, got neither: fieldRef, resourceFieldRef",
                        )
                    )
                elif len(refs) == 2:
                    chk.add(
                        problem(
                            _VOLUME,
                            i_at,
                            "Within a single item, cannot set both: fieldRef, resourceFieldRef",
                        )
                    )
                if not item.get("path"):
                    chk.add(missing(_VOLUME, join(i_at, "path")))


def _volume(volume: Mapping[str, Any], at: str, chk: _Check) -> None:
    settings = chk.settings
    name = volume.get("name")
    specified: list[str] = []
    for key, value in volume.items():
        if key == "name" or value is None:
            continue
        if key in kn.ALLOWED_VOLUME_TYPES or key in kn.GATED_VOLUME_TYPES:
            specified.append(str(key))
        elif key in kn.FORBIDDEN_VOLUME_TYPES:
            chk.add(
                disallowed(
                    _FORBIDDEN,
                    join(at, str(key)),
                    hint="Knative volumes: secret, configMap, projected, emptyDir, "
                    "persistentVolumeClaim (and hostPath, csi, ephemeral, image behind flags)",
                )
            )
        else:
            chk.add(_unknown(at, key))
    if not isinstance(name, str) or name == "":
        chk.add(missing(_VOLUME, join(at, "name")))
    elif dns1123_label_messages(name):
        chk.add(invalid(_VOLUME, join(at, "name"), name, value=name, allowed="a DNS-1123 label"))
    shown = name if isinstance(name, str) else ""
    for kind in specified:
        flag = kn.GATED_VOLUME_TYPES.get(kind)
        if flag is None:
            continue
        if kind == "persistentVolumeClaim":
            pvc = _mapping(volume.get(kind), join(at, kind), chk) or {}
            claim = pvc.get("claimName", "")
            if not settings.feature_enabled(flag, strict=True):
                chk.flag_off(
                    join(at, kind),
                    flag,
                    message="Persistent volume claim support is disabled, but found persistent "
                    f"volume claim {claim}",
                    value=claim,
                )
            if pvc.get("readOnly") is not True and not settings.feature_enabled(
                kn.FLAG_PVC_WRITE, strict=True
            ):
                chk.flag_off(
                    join(at, kind),
                    kn.FLAG_PVC_WRITE,
                    message="Persistent volume write support is disabled, but found persistent "
                    f"volume claim {claim} that is not read-only",
                    value=claim,
                )
        elif not settings.feature_enabled(flag, strict=True):
            chk.flag_off(join(at, kind), flag, message=_VOLUME_FLAG_MESSAGES[kind].format(name=shown))
    if not specified:
        paths = ["configMap", "projected", "secret"]
        if settings.feature_enabled(kn.FLAG_VOLUMES_EMPTYDIR, strict=True):
            paths.append("emptyDir")
        if settings.feature_enabled(kn.FLAG_PVC, strict=True):
            paths.append("persistentVolumeClaim")
        chk.add(
            problem(
                _VOLUME,
                at,
                "expected exactly one, got neither: " + ", ".join(sorted(paths)),
                allowed="one volume source",
            )
        )
    elif len(specified) > 1:
        chk.add(
            problem(
                _VOLUME,
                at,
                "expected exactly one, got both: " + ", ".join(sorted(specified)),
                allowed="one volume source",
            )
        )
    for kind in ("secret", "configMap"):
        source = _mapping(volume.get(kind), join(at, kind), chk)
        if source is not None:
            _key_to_paths(source.get("items"), join(join(at, kind), "items"), chk)
    projected = _mapping(volume.get("projected"), join(at, "projected"), chk)
    if projected is not None:
        _projected(projected, join(at, "projected"), chk)
    empty_dir = _mapping(volume.get("emptyDir"), join(at, "emptyDir"), chk)
    if empty_dir is not None:
        medium = empty_dir.get("medium", "")
        if medium not in ("", "Memory"):
            chk.add(
                invalid(
                    _FIELD,
                    join(join(at, "emptyDir"), "medium"),
                    medium,
                    value=medium,
                    allowed='"" or Memory',
                )
            )
        size = empty_dir.get("sizeLimit")
        if size is not None and (
            (isinstance(size, str) and (not _QUANTITY.match(size) or size.startswith("-")))
            or (isinstance(size, int) and size < 0)
        ):
            chk.add(
                invalid(
                    _FIELD,
                    join(join(at, "emptyDir"), "sizeLimit"),
                    size,
                    value=size,
                    allowed="a non-negative quantity such as 1Gi",
                )
            )


def _volumes(
    spec: Mapping[str, Any], path: str, mounted: set[str], chk: _Check
) -> dict[str, Mapping[str, Any]]:
    vpath = join(path, "volumes")
    volumes: dict[str, Mapping[str, Any]] = {}
    for i, volume in _items(spec.get("volumes"), vpath, chk):
        at = index(vpath, i)
        name = volume.get("name")
        if isinstance(name, str):
            if name in volumes:
                chk.add(
                    problem(
                        _VOLUME,
                        join(at, "name"),
                        f"duplicate volume name {quote(name)}",
                        value=name,
                    )
                )
            if name not in mounted:
                chk.add(
                    problem(
                        _VOLUME,
                        join(at, "name"),
                        f'volume with name "{name}" not mounted',
                        value=name,
                        hint="mount it in a container (volumeMounts) or remove it",
                    )
                )
            volumes[name] = volume
        _volume(volume, at, chk)
    return volumes


def _volume_mounts(
    container: Mapping[str, Any], at: str, volumes: Mapping[str, Mapping[str, Any]], chk: _Check
) -> None:
    mpath = join(at, "volumeMounts")
    seen_paths: set[str] = set()
    for i, mount in _items(container.get("volumeMounts"), mpath, chk):
        m_at = index(mpath, i)
        name = mount.get("name")
        for key, value in mount.items():
            if key == "mountPropagation" or key in ("name", "readOnly", "mountPath", "subPath"):
                continue
            if key not in _KNOWN_MOUNT_FIELDS:
                chk.add(_unknown(m_at, key))
            elif _is_set(value, pointer=False):
                chk.add(disallowed(_FORBIDDEN, join(m_at, str(key)), value=_scalar(value)))
        propagation = mount.get("mountPropagation")
        if propagation is not None:
            if not chk.settings.feature_enabled(kn.FLAG_MOUNT_PROPAGATION, strict=True):
                chk.flag_off(
                    join(m_at, "mountPropagation"),
                    kn.FLAG_MOUNT_PROPAGATION,
                    message="Volume Mount Propagation support is disabled, but found volume mount "
                    f"{name} with mount propagation",
                    value=_scalar(propagation),
                )
            elif not isinstance(propagation, str) or propagation not in _MOUNT_PROPAGATIONS:
                chk.add(
                    invalid(
                        _VOLUME,
                        join(m_at, "mountPropagation"),
                        propagation,
                        value=_scalar(propagation),
                        allowed="None or HostToContainer",
                    )
                )
        volume = volumes.get(name) if isinstance(name, str) else None
        if volume is None:
            chk.add(
                problem(
                    _VOLUME,
                    join(m_at, "name"),
                    "volumeMount has no matching volume",
                    value=_scalar(name),
                    hint="add a volume with this name to spec.template.spec.volumes",
                )
            )
        mount_path = mount.get("mountPath")
        if not isinstance(mount_path, str) or mount_path == "":
            chk.add(missing(_VOLUME, join(m_at, "mountPath")))
        else:
            cleaned = _clean_path(mount_path)
            if cleaned in kn.RESERVED_MOUNT_PATHS:
                chk.add(
                    problem(
                        _RESERVED,
                        join(m_at, "mountPath"),
                        f'mountPath "{cleaned}" is a reserved path',
                        value=mount_path,
                        allowed="an absolute path other than /, /dev and /dev/log",
                    )
                )
            elif not mount_path.startswith("/"):
                chk.add(
                    invalid(
                        _VOLUME,
                        join(m_at, "mountPath"),
                        mount_path,
                        value=mount_path,
                        allowed="an absolute path",
                    )
                )
            elif cleaned in seen_paths:
                chk.add(
                    invalid(
                        _VOLUME,
                        join(m_at, "mountPath"),
                        f'"{mount_path}" must be unique',
                        value=mount_path,
                        allowed="a path not mounted twice in this container",
                    )
                )
            seen_paths.add(cleaned)
        if volume is not None:
            pvc = volume.get("persistentVolumeClaim")
            if isinstance(pvc, Mapping) and pvc.get("readOnly") is True and mount.get("readOnly") is not True:
                chk.add(
                    problem(
                        _VOLUME,
                        join(m_at, "readOnly"),
                        "volume is readOnly but volume mount is not",
                        value=_scalar(mount.get("readOnly")),
                        allowed="true",
                        hint="set readOnly: true on the mount too",
                    )
                )


# --------------------------------------------------------------------------- probes


def _probe(
    probe: object,
    at: str,
    chk: _Check,
    *,
    port_name: str | None,
    readiness: bool,
    require_port: bool,
) -> None:
    """``validateProbe`` (+ ``validateReadinessProbe``); ``port_name`` None skips the port match.

    A serving container's readiness probe without a handler is defaulted to ``tcpSocket: {}``
    by Knative (``applyProbes``), so no handler is not an error there.
    """
    p = _mapping(probe, at, chk)
    if p is None:
        return
    for key, value in p.items():
        if key not in kn.PROBE_FIELDS and value is not None:
            chk.add(disallowed(_FORBIDDEN, join(at, str(key)), value=_scalar(value)))
    handlers = [h for h in kn.PROBE_HANDLERS if p.get(h) is not None]
    if not handlers and not (readiness and port_name is not None):
        chk.add(
            problem(
                _PROBE,
                at,
                "expected exactly one, got neither: " + ", ".join(kn.PROBE_HANDLERS),
                allowed="one of " + ", ".join(kn.PROBE_HANDLERS),
                hint="an HTTP probe on the server's health path, e.g. httpGet: {path: /health}",
            )
        )
    elif len(handlers) > 1:
        chk.add(
            problem(
                _PROBE,
                at,
                "expected exactly one, got both: " + ", ".join(handlers),
                allowed="one of " + ", ".join(kn.PROBE_HANDLERS),
            )
        )
    for handler in handlers:
        h_at = join(at, handler)
        action = _mapping(p.get(handler), h_at, chk)
        if action is None:
            continue
        allowed_fields = _PROBE_HANDLER_FIELDS[handler]
        for key, value in action.items():
            if key not in allowed_fields and value is not None:
                chk.add(disallowed(_FORBIDDEN, join(h_at, str(key)), value=_scalar(value)))
        if handler == "exec":
            continue
        port = action.get("port")
        p_at = join(h_at, "port")
        if isinstance(port, str) and port_name is not None and port != port_name:
            chk.add(
                invalid(
                    _PROBE,
                    p_at,
                    port,
                    value=port,
                    allowed=f"{port_name!r} (the serving port's name) or a port number",
                    hint="Probe port must match container port",
                )
            )
        if require_port and (port is None or port == 0 or port == ""):
            chk.add(
                invalid(
                    _PROBE,
                    p_at,
                    0,
                    value=port,
                    allowed="the sidecar's port",
                    hint="Probe port must be specified",
                )
            )
    if readiness:
        _readiness_numbers(p, at, chk)
    elif port_name is not None:
        _kubernetes_probe_numbers(p, at, chk)


def _kubernetes_probe_numbers(p: Mapping[str, Any], at: str, chk: _Check) -> None:
    """Kubernetes' ``validateProbe`` + ``validateLivenessProbe``/``validateStartupProbe``.

    Knative passes liveness and startup probes of the serving container through to the
    Deployment (only their handler is its rule). Kubernetes defaults 0 first
    (``SetDefaults_Probe``: timeout 1, period 10, success 1, failure 3), then refuses negatives,
    a successThreshold other than 1 and a probe terminationGracePeriodSeconds <= 0.
    """
    hint = "Knative admits it, but the API server refuses the Deployment: the pods never start"
    numbers = {
        key: _int(p.get(key), join(at, key), chk)
        for key in (
            "initialDelaySeconds",
            "timeoutSeconds",
            "periodSeconds",
            "successThreshold",
            "failureThreshold",
        )
    }
    for key, value in numbers.items():
        if value is not None and value < 0:
            chk.add(
                problem(
                    _K8S_PROBE,
                    join(at, key),
                    f"Invalid value: {value}: must be greater than or equal to 0",
                    value=value,
                    allowed=">= 0 (0 = the Kubernetes default)",
                    hint=hint,
                )
            )
    success = numbers["successThreshold"]
    if success is not None and success > 1:
        chk.add(
            problem(
                _K8S_PROBE,
                join(at, "successThreshold"),
                f"Invalid value: {success}: must be 1",
                value=success,
                allowed="1",
                hint=hint,
            )
        )
    grace = _int(p.get("terminationGracePeriodSeconds"), join(at, "terminationGracePeriodSeconds"), chk)
    if grace is not None and grace <= 0:
        chk.add(
            problem(
                _K8S_PROBE,
                join(at, "terminationGracePeriodSeconds"),
                f"Invalid value: {grace}: must be greater than 0",
                value=grace,
                allowed="> 0",
                hint=hint,
            )
        )


def _readiness_numbers(p: Mapping[str, Any], at: str, chk: _Check) -> None:
    period = _int(p.get("periodSeconds"), join(at, "periodSeconds"), chk) or 0
    delay = _int(p.get("initialDelaySeconds"), join(at, "initialDelaySeconds"), chk) or 0
    success = _int(p.get("successThreshold"), join(at, "successThreshold"), chk) or 1
    failure = _int(p.get("failureThreshold"), join(at, "failureThreshold"), chk) or 0
    timeout = _int(p.get("timeoutSeconds"), join(at, "timeoutSeconds"), chk) or 0
    high = kn.INT32_MAX
    if period < 0:
        chk.add(bounds(_PROBE, join(at, "periodSeconds"), 0, period, high, value=period))
    if delay < 0:
        chk.add(bounds(_PROBE, join(at, "initialDelaySeconds"), 0, delay, high, value=delay))
    if success < 1:
        chk.add(bounds(_PROBE, join(at, "successThreshold"), 1, success, high, value=success))
    if period == 0:
        # periodSeconds 0 is Knative's aggressive probing: 100 ms attempts every 50 ms for 10 s.
        for key, value in (("failureThreshold", failure), ("timeoutSeconds", timeout)):
            if value != 0:
                chk.add(
                    problem(
                        _PROBE,
                        join(at, key),
                        f"{key} is disallowed when periodSeconds is zero",
                        value=value,
                        allowed="unset or 0 while periodSeconds is 0",
                        hint="set periodSeconds (1 or more) to use this threshold, or remove it",
                    )
                )
        return
    # Knative's defaulting sets 1 / 3 for 0 once periodSeconds is set; only negatives fail.
    timeout = timeout or 1
    failure = failure or 3
    if timeout < 1:
        chk.add(bounds(_PROBE, join(at, "timeoutSeconds"), 1, timeout, high, value=timeout))
    if failure < 1:
        chk.add(bounds(_PROBE, join(at, "failureThreshold"), 1, failure, high, value=failure))


def _probe_port(probe: object) -> object:
    if not isinstance(probe, Mapping):
        return None
    for handler in ("httpGet", "tcpSocket", "grpc"):
        action = probe.get(handler)
        if isinstance(action, Mapping):
            return action.get("port")
    return None


def _serving_probes(container: Mapping[str, Any], at: str, port: Mapping[str, Any], chk: _Check) -> None:
    port_name = port.get("name") or _DEFAULT_PORT_NAME
    container_port = port.get("containerPort") or _DEFAULT_PORT
    liveness = container.get("livenessProbe")
    _probe(
        liveness,
        join(at, "livenessProbe"),
        chk,
        port_name=port_name,
        readiness=False,
        require_port=False,
    )
    _probe(
        container.get("readinessProbe"),
        join(at, "readinessProbe"),
        chk,
        port_name=port_name,
        readiness=True,
        require_port=False,
    )
    startup = container.get("startupProbe")
    _probe(
        startup,
        join(at, "startupProbe"),
        chk,
        port_name=port_name,
        readiness=False,
        require_port=False,
    )
    live_port = _probe_port(liveness)
    if (
        isinstance(live_port, int)
        and live_port not in (0, container_port)
        and not chk.settings.feature_enabled(kn.FLAG_MULTI_CONTAINER_PROBING, strict=True)
    ):
        chk.add(
            problem(
                _PROBE,
                join(at, "livenessProbe"),
                f"liveness probe port {live_port} is replaced by the serving port "
                f"{container_port} at deploy time",
                value=live_port,
                allowed=f"{container_port}",
                hint="Knative keeps a custom liveness port only with multi-container-probing "
                "enabled (knative-v1.22.0+); probe the serving port instead",
                severity="warning",
            )
        )
    if isinstance(startup, Mapping):
        for handler in ("httpGet", "tcpSocket", "grpc"):
            action = startup.get(handler)
            if isinstance(action, Mapping) and action.get("port") in (None, 0, ""):
                chk.add(
                    problem(
                        _PROBE,
                        join(join(join(at, "startupProbe"), handler), "port"),
                        "startupProbe has no port: Knative passes it to Kubernetes unchanged",
                        value=None,
                        allowed=f"{container_port} or another port number",
                        hint="set the port explicitly; Kubernetes refuses port 0 when Knative "
                        "creates the Deployment (reconcile time, not admission)",
                        severity="warning",
                    )
                )


# --------------------------------------------------------------------------- containers


def _ports(container: Mapping[str, Any], at: str, kind: Kind, chk: _Check) -> None:
    ppath = join(at, "ports")
    entries = _items(container.get("ports"), ppath, chk)
    if kind != "init":
        entries = entries[:1]  # Knative looks only at the first port; more is an error anyway
    for i, port in entries:
        p_at = index(ppath, i)
        for key, value in port.items():
            if key in ("containerPort", "name", "protocol"):
                continue
            if key in ("hostIP", "hostPort"):
                if _is_set(value, pointer=False):
                    chk.add(
                        disallowed(
                            _FORBIDDEN,
                            join(p_at, str(key)),
                            value=_scalar(value),
                            hint="Knative routes traffic through queue-proxy; host ports are not supported",
                        )
                    )
            else:
                chk.add(_unknown(p_at, key))
        number = _int(port.get("containerPort"), join(p_at, "containerPort"), chk)
        if number is not None:
            if number in kn.RESERVED_PORTS:
                chk.add(
                    problem(
                        _RESERVED,
                        join(p_at, "containerPort"),
                        f"invalid value: {number} is a reserved port",
                        value=number,
                        allowed="a port other than " + ", ".join(map(str, sorted(kn.RESERVED_PORTS))),
                        hint=f"{number} is a reserved port, please use a different value",
                    )
                )
            if number < 0 or number > kn.PORT_MAX:
                chk.add(
                    bounds(
                        _CONTAINERS,
                        join(p_at, "containerPort"),
                        0,
                        number,
                        kn.PORT_MAX,
                        value=number,
                    )
                )
        if kind == "init":
            continue
        protocol = port.get("protocol", "")
        if protocol not in ("", "TCP"):
            chk.add(
                invalid(
                    _CONTAINERS,
                    join(p_at, "protocol"),
                    protocol,
                    value=_scalar(protocol),
                    allowed="TCP",
                )
            )
        name = port.get("name", "")
        if not isinstance(name, str) or name not in kn.VALID_PORT_NAMES:
            chk.add(
                problem(
                    _CONTAINERS,
                    join(p_at, "name"),
                    f"Port name {name} is not allowed",
                    value=_scalar(name),
                    allowed="'', 'h2c' or 'http1'",
                    hint="Name must be empty, or one of: 'h2c', 'http1'",
                )
            )


def _env(container: Mapping[str, Any], at: str, kind: Kind, chk: _Check) -> None:
    reserved = kn.RESERVED_ENV_VARS if kind == "serving" else kn.SIDECAR_RESERVED_ENV_VARS
    epath = join(at, "env")
    for i, env in _items(container.get("env"), epath, chk):
        e_at = index(epath, i)
        _mask(
            env,
            e_at,
            chk,
            frozenset({"name", "value", "valueFrom"}),
            frozenset({"name", "value", "valueFrom"}),
        )
        name = env.get("name")
        if not isinstance(name, str) or name == "":
            chk.add(missing(_FIELD, join(e_at, "name")))
        elif env_name_messages(name):
            # Kubernetes' IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, default
            # since 1.32, GA in 1.34): '1BAD' is fine, '=' or non-printable characters are not.
            for found in env_name_problems(join(e_at, "name"), name):
                chk.add(found)
        elif name in reserved:
            chk.add(
                problem(
                    _RESERVED,
                    join(e_at, "name"),
                    f'"{name}" is a reserved environment variable',
                    value=name,
                    allowed="any name but " + ", ".join(sorted(reserved)),
                    hint="Knative sets it itself (PORT is the serving port: read it, don't set it)",
                )
            )
        source = _mapping(env.get("valueFrom"), join(e_at, "valueFrom"), chk)
        if source is None:
            continue
        for key, value in source.items():
            if value is None or key in ("configMapKeyRef", "secretKeyRef"):
                continue
            s_at = join(join(e_at, "valueFrom"), str(key))
            if key in ("fieldRef", "resourceFieldRef"):
                if not chk.settings.feature_enabled(kn.FLAG_FIELDREF):
                    chk.flag_off(s_at, kn.FLAG_FIELDREF)
            else:
                chk.add(disallowed(_FORBIDDEN, s_at))
    fpath = join(at, "envFrom")
    for i, source in _items(container.get("envFrom"), fpath, chk):
        f_at = index(fpath, i)
        _mask(
            source,
            f_at,
            chk,
            frozenset({"prefix", "configMapRef", "secretRef"}),
            frozenset({"prefix", "configMapRef", "secretRef"}),
        )
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        if len(refs) != 1:
            chk.add(
                problem(
                    _FIELD,
                    f_at,
                    f"expected exactly one, got {'both' if refs else 'neither'}: configMapRef, secretRef",
                    allowed="configMapRef or secretRef",
                )
            )


def _container_security_context(container: Mapping[str, Any], at: str, chk: _Check) -> None:
    sc_at = join(at, "securityContext")
    sc = _mapping(container.get("securityContext"), sc_at, chk)
    if sc is None:
        return
    _mask(sc, sc_at, chk, _SECURITY_CONTEXT_FIELDS, _KNOWN_SECURITY_CONTEXT_FIELDS)
    if sc.get("privileged") is True:
        chk.add(
            disallowed(
                _FORBIDDEN,
                join(sc_at, "privileged"),
                value=True,
                hint="Knative accepts privileged only as false",
            )
        )
    caps_at = join(sc_at, "capabilities")
    caps = _mapping(sc.get("capabilities"), caps_at, chk)
    if caps is not None:
        _mask(caps, caps_at, chk, frozenset({"add", "drop"}), frozenset({"add", "drop"}))
        if _is_set(caps.get("add"), pointer=False) and not chk.settings.feature_enabled(
            kn.FLAG_ADD_CAPABILITIES
        ):
            chk.flag_off(join(caps_at, "add"), kn.FLAG_ADD_CAPABILITIES)
    for key in ("runAsUser", "runAsGroup"):
        _id_range(sc.get(key), join(sc_at, key), chk)


def _resources(container: Mapping[str, Any], at: str, chk: _Check) -> None:
    r_at = join(at, "resources")
    resources = _mapping(container.get("resources"), r_at, chk)
    if resources is None:
        return
    _mask(
        resources,
        r_at,
        chk,
        frozenset({"limits", "requests"}),
        frozenset({"limits", "requests", "claims"}),
    )
    for key in ("limits", "requests"):
        values = _mapping(resources.get(key), join(r_at, key), chk)
        for name, quantity in (values or {}).items():
            q_at = join(join(r_at, key), str(name))
            for found in resource_name_problems(q_at, str(name)):
                chk.add(found)
            if isinstance(quantity, bool) or not (
                isinstance(quantity, int) or (isinstance(quantity, str) and _QUANTITY.match(quantity))
            ):
                chk.add(
                    schema(
                        q_at,
                        "a Kubernetes quantity",
                        quantity,
                        hint="quantities look like 4, 500m, 32Gi or 1e3",
                    )
                )


_STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})


def resource_name_problems(path: str, name: str) -> list[Problem]:
    """``K8S-RESOURCE`` problems for a container resource name (Kubernetes' Pod validation).

    ``validateContainerResourceName``: a qualified name; without a ``/`` it must be a standard
    container resource (``cpu``, ``memory``, ``ephemeral-storage``, ``hugepages-<size>``);
    with one, outside ``kubernetes.io``, an extended resource name (``nvidia.com/gpu``): not
    ``requests.``-prefixed, and ``requests.<name>`` a qualified name.

    Args:
        path: The resource's path (``...resources.limits.nvidia.com/gpu``).
        name: The resource name.
    """
    hint = "Knative admits it, but the API server refuses the Deployment: the pods never start"
    messages = list(qualified_name_messages(name))
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            messages.append("must be a standard resource for containers")
    elif "kubernetes.io/" not in name and (
        name.startswith("requests.") or qualified_name_messages("requests." + name)
    ):
        messages.append("doesn't follow extended resource name standard")
    return [
        problem(
            "K8S-RESOURCE",
            path,
            f"Invalid value: {quote(name)}: {message}",
            value=name,
            allowed="cpu, memory, ephemeral-storage, hugepages-<size>, or <domain>/<name> (nvidia.com/gpu)",
            hint=hint,
        )
        for message in messages
    ]


def _container(
    container: Mapping[str, Any],
    at: str,
    kind: Kind,
    port: Mapping[str, Any],
    volumes: Mapping[str, Mapping[str, Any]],
    chk: _Check,
) -> None:
    if not container:
        chk.add(missing(_CONTAINERS, at))
        return
    for key, value in container.items():
        if key in kn.ALLOWED_CONTAINER_FIELDS:
            continue
        if key in kn.FORBIDDEN_CONTAINER_FIELDS:
            if kind == "init" and key == "lifecycle":
                continue  # reported below with the init-container text
            if _is_set(value, pointer=key in ("lifecycle", "restartPolicy")):
                chk.add(
                    disallowed(
                        _FORBIDDEN,
                        join(at, str(key)),
                        value=_scalar(value),
                        hint=_CONTAINER_FIELD_HINTS.get(key),
                    )
                )
            continue
        chk.add(_unknown(at, key))
    name = container.get("name")
    if isinstance(name, str) and name in kn.RESERVED_CONTAINER_NAMES:
        chk.add(
            problem(
                _RESERVED,
                join(at, "name"),
                f'"{name}" is a reserved container name',
                value=name,
                allowed="any name but queue-proxy",
            )
        )
    _env(container, at, kind, chk)
    image = container.get("image")
    if not isinstance(image, str) or image == "":
        chk.add(missing(_CONTAINERS, join(at, "image"), hint="every container needs an image"))
    else:
        for found in image_problems(join(at, "image"), image):
            chk.add(found)
    _ports(container, at, kind, chk)
    _resources(container, at, chk)
    _container_security_context(container, at, chk)
    policy = container.get("terminationMessagePolicy", "")
    if not isinstance(policy, str) or policy not in _TERMINATION_MESSAGE_POLICIES:
        chk.add(
            invalid(
                _FIELD,
                join(at, "terminationMessagePolicy"),
                policy,
                value=_scalar(policy),
                allowed="File or FallbackToLogsOnError",
            )
        )
    _volume_mounts(container, at, volumes, chk)
    if kind == "serving":
        _serving_probes(container, at, port, chk)
    elif kind == "sidecar":
        probing = chk.settings.feature_enabled(kn.FLAG_MULTI_CONTAINER_PROBING, strict=True)
        for key in ("livenessProbe", "readinessProbe"):
            probe = container.get(key)
            if probe is None:
                continue
            if probing:
                _probe(
                    probe,
                    join(at, key),
                    chk,
                    port_name=None,
                    readiness=key == "readinessProbe",
                    require_port=True,
                )
            else:
                chk.flag_off(join(at, key), kn.FLAG_MULTI_CONTAINER_PROBING)
        if container.get("startupProbe") is not None:
            _probe(
                container.get("startupProbe"),
                join(at, "startupProbe"),
                chk,
                port_name=None,
                readiness=False,
                require_port=False,
            )
    else:
        for key in ("livenessProbe", "readinessProbe", "startupProbe", "lifecycle"):
            if container.get(key) is not None:
                chk.add(
                    problem(
                        _PROBE if key != "lifecycle" else _FORBIDDEN,
                        join(at, key),
                        "field not allowed in an init container",
                        allowed="unset",
                        hint="init containers run to completion before the server starts",
                    )
                )


def _serving_port(
    containers: Sequence[tuple[int, Mapping[str, Any]]],
) -> tuple[int, Mapping[str, Any]]:
    """Knative's ``validateContainersPorts``: the port count and the serving port."""
    count = 0
    port: Mapping[str, Any] = {}
    for _, container in containers:
        ports = container.get("ports")
        if isinstance(ports, list) and ports:
            count += len(ports)
            port = ports[0] if isinstance(ports[0], Mapping) else {}
    return count, port


def _containers(
    spec: Mapping[str, Any],
    path: str,
    volumes: Mapping[str, Mapping[str, Any]],
    containers: list[tuple[int, Mapping[str, Any]]],
    chk: _Check,
) -> None:
    cpath = join(path, "containers")
    count, port = _serving_port(containers)
    raw = spec.get("containers")
    total = len(raw) if isinstance(raw, list) else 0
    ports_at = f"{cpath}[*].ports"
    if count == 0 and total > 1:
        chk.add(
            missing(
                _CONTAINERS,
                ports_at,
                hint="with several containers, the serving container must declare its port",
            )
        )
    if count > 1:
        chk.add(
            problem(
                _CONTAINERS,
                ports_at,
                "more than one container port is set",
                value=count,
                allowed="exactly one port, on the serving container",
                hint="Only a single port is allowed across all containers",
            )
        )
    if total == 0:
        chk.add(missing(_CONTAINERS, cpath, hint="a revision needs one serving container"))
        return
    if total == 1:
        for i, container in containers:
            _container(container, index(cpath, i), "serving", port, volumes, chk)
        return
    if not chk.settings.feature_enabled(kn.FLAG_MULTI_CONTAINER, strict=True):
        chk.flag_off(
            cpath,
            kn.FLAG_MULTI_CONTAINER,
            message=f"multi-container is off, but found {total} containers",
            value=total,
        )
        return
    seen: set[str] = set()
    for i, container in containers:
        at = index(cpath, i)
        _unique_name(container, at, seen, chk)
        ports = container.get("ports")
        kind: Kind = "serving" if isinstance(ports, list) and ports else "sidecar"
        _container(container, at, kind, port, volumes, chk)


def _init_containers(
    spec: Mapping[str, Any],
    path: str,
    volumes: Mapping[str, Mapping[str, Any]],
    init: list[tuple[int, Mapping[str, Any]]],
    containers: list[tuple[int, Mapping[str, Any]]],
    chk: _Check,
) -> None:
    raw = spec.get("initContainers")
    if not isinstance(raw, list) or not raw:
        return
    ipath = join(path, "initContainers")
    if not chk.settings.feature_enabled(kn.FLAG_INIT_CONTAINERS, strict=True):
        chk.flag_off(
            ipath,
            kn.FLAG_INIT_CONTAINERS,
            message=f"pod spec support for init-containers is off, but found {len(raw)} init containers",
            value=len(raw),
        )
        return
    names = {n for _, c in containers if isinstance(n := c.get("name"), str)}
    for i, container in init:
        at = index(ipath, i)
        _unique_name(container, at, names, chk)
        _container(container, at, "init", {}, volumes, chk)


def _unique_name(container: Mapping[str, Any], at: str, seen: set[str], chk: _Check) -> None:
    """Report a container name already used in the pod; remember this one."""
    name = container.get("name")
    if isinstance(name, str) and name and name in seen:
        chk.add(
            problem(_CONTAINERS, join(at, "name"), f'duplicate container name "{name}"', value=_scalar(name))
        )
    if isinstance(name, str):
        seen.add(name)


def check_revision_spec(
    spec: Mapping[str, Any],
    *,
    settings: ClusterSettings = DEFAULT_SETTINGS,
    path: str = "spec.template.spec",
) -> list[Problem]:
    """Every problem Knative's webhook finds in a revision's spec, plus reconcile-time warnings.

    Args:
        spec: The RevisionSpec as a plain dict (``spec.template.spec`` of a Service).
        settings: The cluster settings (config-defaults bounds, config-features flags).
        path: Path of the spec; problem paths extend it.

    Returns:
        The problems: containerConcurrency, timeoutSeconds, fields Knative forbids or gates
        behind a flag that is off, containers and the serving port, reserved names, ports and env
        vars, probes, volumes and mounts, init containers.
    """
    chk = _Check(settings, [])
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        return [schema(path, "object", spec)]
    containers = _items(spec.get("containers"), join(path, "containers"), chk)
    init = _items(spec.get("initContainers"), join(path, "initContainers"), chk)
    _pod_fields(spec, path, chk)
    _pod_security_context(spec, path, chk)
    volumes = _volumes(spec, path, _mounted_names([*init, *containers]), chk)
    _init_containers(spec, path, volumes, init, containers, chk)
    _containers(spec, path, volumes, containers, chk)
    account = spec.get("serviceAccountName")
    if isinstance(account, str) and account:
        messages = dns1123_subdomain_messages(account)
        if messages:
            chk.add(
                invalid(
                    _FIELD,
                    join(path, "serviceAccountName"),
                    account,
                    value=account,
                    allowed="a DNS-1123 subdomain",
                    hint="; ".join(messages),
                )
            )
    _timeouts(spec, path, chk)
    _node_placement(spec, path, chk)
    return chk.found


# --------------------------------------------------------------------------- node placement

_SELECTOR_OPERATORS: Final = frozenset({"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"})


def _match_expression(expr: Mapping[str, Any], at: str, chk: _Check) -> None:
    """Kubernetes' ``ValidateNodeSelectorRequirement`` (``K8S-NODE-AFFINITY``)."""
    code, hint = "K8S-NODE-AFFINITY", "Knative admits it, but the API server refuses the Deployment"
    operator, values = expr.get("operator"), expr.get("values") or []
    count = len(values) if isinstance(values, list) else 0
    rule: str | None = None
    if operator in ("In", "NotIn") and count == 0:
        rule = "Required value: must be specified when `operator` is 'In' or 'NotIn'"
    elif operator in ("Exists", "DoesNotExist") and count > 0:
        rule = "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
    elif operator in ("Gt", "Lt") and count != 1:
        rule = "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"
    if rule is not None:
        chk.add(problem(code, join(at, "values"), rule, value=values, allowed="see the operator", hint=hint))
    if operator not in _SELECTOR_OPERATORS:
        chk.add(
            problem(
                code,
                join(at, "operator"),
                f"Invalid value: {quote(str(operator))}: not a valid selector operator",
                value=_scalar(operator),
                allowed=", ".join(sorted(_SELECTOR_OPERATORS)),
                hint=hint,
            )
        )
    key = expr.get("key")
    if isinstance(key, str):
        for found in label_key_problems("", key, code=code):
            chk.add(dataclasses.replace(found, path=join(at, "key")))


def _node_placement(spec: Mapping[str, Any], path: str, chk: _Check) -> None:
    """``nodeSelector`` labels (``K8S-LABEL``) and node affinity terms (``K8S-NODE-AFFINITY``)."""
    for found in labels_problems(join(path, "nodeSelector"), spec.get("nodeSelector")):
        chk.add(found)
    affinity = spec.get("affinity")
    node = affinity.get("nodeAffinity") if isinstance(affinity, Mapping) else None
    if not isinstance(node, Mapping):
        return
    n_at = join(join(path, "affinity"), "nodeAffinity")
    terms: list[tuple[str, object]] = []
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
    if isinstance(required, Mapping) and isinstance(required.get("nodeSelectorTerms"), list):
        r_at = join(join(n_at, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms")
        terms += [(index(r_at, i), term) for i, term in enumerate(required["nodeSelectorTerms"])]
    preferred = node.get("preferredDuringSchedulingIgnoredDuringExecution")
    if isinstance(preferred, list):
        p_at = join(n_at, "preferredDuringSchedulingIgnoredDuringExecution")
        for i, item in enumerate(preferred):
            if isinstance(item, Mapping):
                terms.append((join(index(p_at, i), "preference"), item.get("preference")))
    for t_at, term in terms:
        if not isinstance(term, Mapping):
            continue
        exprs = term.get("matchExpressions")
        if isinstance(exprs, list):
            for i, expr in enumerate(exprs):
                if isinstance(expr, Mapping):
                    _match_expression(expr, index(join(t_at, "matchExpressions"), i), chk)


# --------------------------------------------------------------------------- required features


def _container_features(container: Mapping[str, Any], flags: set[str]) -> None:
    env = container.get("env")
    if isinstance(env, list):
        for item in env:
            source = item.get("valueFrom") if isinstance(item, Mapping) else None
            if isinstance(source, Mapping) and (
                source.get("fieldRef") is not None or source.get("resourceFieldRef") is not None
            ):
                flags.add(kn.FLAG_FIELDREF)
    sc = container.get("securityContext")
    caps = sc.get("capabilities") if isinstance(sc, Mapping) else None
    if isinstance(caps, Mapping) and _is_set(caps.get("add"), pointer=False):
        flags.add(kn.FLAG_ADD_CAPABILITIES)
    mounts = container.get("volumeMounts")
    if isinstance(mounts, list) and any(
        isinstance(m, Mapping) and m.get("mountPropagation") is not None for m in mounts
    ):
        flags.add(kn.FLAG_MOUNT_PROPAGATION)


def required_features(spec: Mapping[str, Any]) -> frozenset[str]:
    """Return the config-features flags this revision spec needs.

    For example ``affinity`` needs ``kubernetes.podspec-affinity``, a writable PVC needs both
    ``kubernetes.podspec-persistent-volume-claim`` and ``-persistent-volume-write``, several
    containers need ``multi-container`` and probes on a sidecar ``multi-container-probing``.
    Flags that are on by default (``multi-container``, ``kubernetes.podspec-volumes-emptydir``)
    are listed too when used, so a cluster config can keep them on deliberately.

    Args:
        spec: The RevisionSpec as a plain dict.

    Returns:
        The flag names (keys of :data:`~kn_constructs.knative.settings.FEATURE_DEFAULTS`).
    """
    flags: set[str] = set()
    if not isinstance(spec, Mapping):
        return frozenset()
    for key, flag in kn.GATED_POD_FIELDS.items():
        if _is_set(spec.get(key), pointer=key in _POINTER_POD_FIELDS):
            flags.add(flag)
    containers = [c for c in spec.get("containers") or () if isinstance(c, Mapping)]
    init = [c for c in spec.get("initContainers") or () if isinstance(c, Mapping)]
    if len(spec.get("containers") or ()) > 1:
        flags.add(kn.FLAG_MULTI_CONTAINER)
        for container in containers:
            if not container.get("ports") and (
                container.get("livenessProbe") is not None or container.get("readinessProbe") is not None
            ):
                flags.add(kn.FLAG_MULTI_CONTAINER_PROBING)
    for container in (*containers, *init):
        _container_features(container, flags)
    volumes = spec.get("volumes")
    if isinstance(volumes, list):
        for volume in volumes:
            if not isinstance(volume, Mapping):
                continue
            for kind, flag in kn.GATED_VOLUME_TYPES.items():
                if volume.get(kind) is not None:
                    flags.add(flag)
            pvc = volume.get("persistentVolumeClaim")
            if isinstance(pvc, Mapping) and pvc.get("readOnly") is not True:
                flags.add(kn.FLAG_PVC_WRITE)
    return frozenset(flags)
