"""What the cluster allows: the Knative ConfigMap values the checks depend on.

:class:`ClusterSettings` holds the values of ``config-autoscaler``, ``config-defaults``,
``config-deployment``, ``config-gc`` and ``config-features`` that decide whether a Service is
accepted, each defaulting to Knative v1.23's own default. Build one from the cluster's
ConfigMaps with :meth:`ClusterSettings.from_configmaps`, or state the differences directly::

    settings = ClusterSettings(max_scale_limit=10, max_scale=10).with_features(
        {"kubernetes.podspec-affinity": "enabled"}
    )
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from kn_constructs._boundary import checked_dataclass
from kn_constructs._format import format_number, format_seconds
from kn_constructs.errors import Problem, ValidationError
from kn_constructs.knative import rules as kn
from kn_constructs.knative._problems import schema
from kn_constructs.knative.configmaps import (
    CONFIG_AUTOSCALER,
    CONFIG_DEFAULTS,
    CONFIG_DEPLOYMENT,
    CONFIG_GC,
    CONFIG_NAMESPACE,
    CONFIGMAP_NAMES,
    feature_problems,
    feature_value,
    parse_configmap,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "FEATURE_DEFAULTS",
    "STRICT_FLAGS",
    "ClusterSettings",
    "settings_per_configmap",
    "settings_problems",
]

#: Every config-features flag with Knative's default, spelled in lower case.
FEATURE_DEFAULTS: Final[Mapping[str, str]] = kn.FEATURE_DEFAULTS

#: Flags whose extra checks in Knative require ``enabled``: ``allowed`` is not enough for them.
STRICT_FLAGS: Final = frozenset(
    {
        kn.FLAG_MULTI_CONTAINER,
        kn.FLAG_MULTI_CONTAINER_PROBING,
        kn.FLAG_INIT_CONTAINERS,
        kn.FLAG_MOUNT_PROPAGATION,
        *kn.GATED_VOLUME_TYPES.values(),
        kn.FLAG_PVC_WRITE,
    }
)


def _normalize_features(features: Mapping[str, object]) -> tuple[Mapping[str, str], Mapping[str, object]]:
    """``(all flags as Knative reads them, the entries it ignores)``.

    Knative's ``NewFeaturesConfigFromMap`` never fails: an unknown key is ignored, and so is a
    value ``asFlag`` does not recognize (the default is kept). Non-string values are refused:
    ConfigMap data are strings.

    Raises:
        ValidationError: A value that is not a string (``KNATIVE-SCHEMA``).
    """
    merged = dict(FEATURE_DEFAULTS)
    ignored: dict[str, object] = {}
    schema_problems: list[Problem] = []
    for flag, value in features.items():
        if not isinstance(flag, str) or not isinstance(value, str):
            schema_problems.append(schema(f"features.{flag}", "string", value))
            continue
        read = feature_value(flag, value) if flag in FEATURE_DEFAULTS else None
        if read is None:
            ignored[flag] = value
        else:
            merged[flag] = read
    if schema_problems:
        raise ValidationError(schema_problems, subject="ClusterSettings")
    return MappingProxyType(merged), MappingProxyType(ignored)


_Render = Callable[[Any], str]


def _fraction_or_percentage(value: Any) -> str:
    # Knative reads values above 1 as percentages and values up to 1 as fractions.
    number = float(value)
    return format_number(number) if number > 1 else format_number(number / 100.0)


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _disabled_or_int(value: Any) -> str:
    return "disabled" if value is None else str(value)


#: ClusterSettings field -> (ConfigMap, key, Python types accepted, how Knative would read it).
_SETTINGS_KEYS: Final[Mapping[str, tuple[str, str, tuple[type, ...], _Render]]] = MappingProxyType(
    {
        "pod_autoscaler_class": (CONFIG_AUTOSCALER, "pod-autoscaler-class", (str,), str),
        "enable_scale_to_zero": (CONFIG_AUTOSCALER, "enable-scale-to-zero", (bool,), _bool),
        "allow_zero_initial_scale": (CONFIG_AUTOSCALER, "allow-zero-initial-scale", (bool,), _bool),
        "max_scale_limit": (CONFIG_AUTOSCALER, "max-scale-limit", (int,), str),
        "container_concurrency_target_percentage": (
            CONFIG_AUTOSCALER,
            "container-concurrency-target-percentage",
            (int, float),
            _fraction_or_percentage,
        ),
        "container_concurrency_target_default": (
            CONFIG_AUTOSCALER,
            "container-concurrency-target-default",
            (int, float),
            format_number,
        ),
        "requests_per_second_target_default": (
            CONFIG_AUTOSCALER,
            "requests-per-second-target-default",
            (int, float),
            format_number,
        ),
        "target_burst_capacity": (CONFIG_AUTOSCALER, "target-burst-capacity", (int, float), format_number),
        "stable_window_seconds": (CONFIG_AUTOSCALER, "stable-window", (int,), format_seconds),
        "panic_window_percentage": (
            CONFIG_AUTOSCALER,
            "panic-window-percentage",
            (int, float),
            format_number,
        ),
        "panic_threshold_percentage": (
            CONFIG_AUTOSCALER,
            "panic-threshold-percentage",
            (int, float),
            format_number,
        ),
        "max_scale_up_rate": (CONFIG_AUTOSCALER, "max-scale-up-rate", (int, float), format_number),
        "max_scale_down_rate": (CONFIG_AUTOSCALER, "max-scale-down-rate", (int, float), format_number),
        "activator_capacity": (CONFIG_AUTOSCALER, "activator-capacity", (int, float), format_number),
        "initial_scale": (CONFIG_AUTOSCALER, "initial-scale", (int,), str),
        "min_scale": (CONFIG_AUTOSCALER, "min-scale", (int,), str),
        "max_scale": (CONFIG_AUTOSCALER, "max-scale", (int,), str),
        "scale_down_delay_seconds": (CONFIG_AUTOSCALER, "scale-down-delay", (int,), format_seconds),
        "scale_to_zero_grace_period_seconds": (
            CONFIG_AUTOSCALER,
            "scale-to-zero-grace-period",
            (int,),
            format_seconds,
        ),
        "scale_to_zero_pod_retention_period_seconds": (
            CONFIG_AUTOSCALER,
            "scale-to-zero-pod-retention-period",
            (int,),
            format_seconds,
        ),
        "revision_timeout_seconds": (CONFIG_DEFAULTS, "revision-timeout-seconds", (int,), str),
        "max_revision_timeout_seconds": (CONFIG_DEFAULTS, "max-revision-timeout-seconds", (int,), str),
        "container_concurrency": (CONFIG_DEFAULTS, "container-concurrency", (int,), str),
        "container_concurrency_max_limit": (CONFIG_DEFAULTS, "container-concurrency-max-limit", (int,), str),
        "allow_container_concurrency_zero": (
            CONFIG_DEFAULTS,
            "allow-container-concurrency-zero",
            (bool,),
            _bool,
        ),
        "progress_deadline_seconds": (CONFIG_DEPLOYMENT, "progress-deadline", (int,), format_seconds),
        "retain_since_create_time": (CONFIG_GC, "retain-since-create-time", (str,), str),
        "retain_since_last_active_time": (CONFIG_GC, "retain-since-last-active-time", (str,), str),
        "min_non_active_revisions": (CONFIG_GC, "min-non-active-revisions", (int,), str),
        "max_non_active_revisions": (
            CONFIG_GC,
            "max-non-active-revisions",
            (int, type(None)),
            _disabled_or_int,
        ),
    }
)


def _type_ok(value: object, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def settings_problems(settings: ClusterSettings) -> list[Problem]:
    """Every value or combination of ``settings`` that Knative's ConfigMap parsers refuse.

    Each value is written as Knative would read it from its ConfigMap and run through the same
    parser as :mod:`~kn_constructs.knative.configmaps` (``config-autoscaler`` ``validate``,
    ``config-defaults`` ``NewDefaultsConfigFromMap``, ``config-gc``, ``config-deployment``), so
    the messages are Knative's. Paths are the field names (``container_concurrency``).
    Warnings (a missing queue-sidecar-image) are not reported: they do not apply here.
    """
    found: list[Problem] = []
    data: dict[str, dict[str, str]] = {}
    where: dict[tuple[str, str], str] = {}
    for name, (configmap, key, types, render) in _SETTINGS_KEYS.items():
        value = getattr(settings, name)
        expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        if not _type_ok(value, types):
            found.append(schema(name, expected, value))
            continue
        data.setdefault(configmap, {})[key] = render(value)
        where[(configmap, key)] = name
    data.setdefault(CONFIG_DEPLOYMENT, {})["queue-sidecar-image"] = "queue-proxy"
    for configmap, values in data.items():
        _, problems = parse_configmap(configmap, values, path="")
        for item in problems:
            if item.severity != "error":
                continue
            name = where.get((configmap, item.path), item.path)
            found.append(dataclasses.replace(item, path=name))
    return found


@checked_dataclass(infinite=("max_scale_up_rate", "max_scale_down_rate"))
@dataclass(frozen=True, eq=True)
class ClusterSettings:
    """The Knative ConfigMap values that decide what a Service may contain.

    Every field defaults to Knative v1.23's default. The object is frozen and hashable:
    ``features`` is stored as a read-only mapping (all flags, normalized to lower case) and
    :meth:`__hash__` hashes its sorted items. Use :func:`dataclasses.replace` or
    :meth:`with_features` for variants.
    """

    # ---------------------------------------------------------------- config-autoscaler
    pod_autoscaler_class: str = kn.KPA_CLASS
    """``pod-autoscaler-class``: the class used when a template has no class annotation."""
    enable_scale_to_zero: bool = True
    """``enable-scale-to-zero``: when false the KPA never goes below 1 pod."""
    allow_zero_initial_scale: bool = False
    """``allow-zero-initial-scale``: whether ``initial-scale: "0"`` is accepted."""
    max_scale_limit: int = 0
    """``max-scale-limit``: upper bound of every max-scale; 0 = no limit."""
    container_concurrency_target_percentage: float = 70
    """``container-concurrency-target-percentage`` as a percentage in (0, 100]. Knative reads
    values up to 1 as fractions; :meth:`from_configmaps` converts them (``"0.7"`` -> 70)."""
    container_concurrency_target_default: float = 100
    """``container-concurrency-target-default``: the KPA target when containerConcurrency is 0."""
    requests_per_second_target_default: float = 200
    """``requests-per-second-target-default``: the KPA target for metric ``rps``; >= 0.01."""
    target_burst_capacity: float = 211
    """``target-burst-capacity``: >= 0, or -1 for "activator always in the path"."""
    stable_window_seconds: int = 60
    """``stable-window`` in seconds: 6..3600."""
    panic_window_percentage: float = 10
    """``panic-window-percentage``: panic window as a percentage of the stable window, 1..100."""
    panic_threshold_percentage: float = 200
    """``panic-threshold-percentage`` (not validated in the ConfigMap; 110..1000 as annotation)."""
    max_scale_up_rate: float = 1000
    """``max-scale-up-rate``: > 1.0."""
    max_scale_down_rate: float = 2
    """``max-scale-down-rate``: > 1.0."""
    activator_capacity: float = 100
    """``activator-capacity``: requests one activator handles; >= 1."""
    initial_scale: int = 1
    """``initial-scale``: pods a new revision starts with; >= 1 (0 if allowed)."""
    min_scale: int = 0
    """``min-scale``: default min-scale of every revision."""
    max_scale: int = 0
    """``max-scale``: default max-scale of every revision; 0 = unlimited."""
    scale_down_delay_seconds: int = 0
    """``scale-down-delay`` in seconds (no upper bound in the ConfigMap)."""
    scale_to_zero_grace_period_seconds: int = 30
    """``scale-to-zero-grace-period`` in seconds (rounded up); > 0."""
    scale_to_zero_pod_retention_period_seconds: int = 0
    """``scale-to-zero-pod-retention-period`` in seconds (rounded up); >= 0."""

    # ---------------------------------------------------------------- config-defaults
    revision_timeout_seconds: int = 300
    """``revision-timeout-seconds``: timeoutSeconds when a revision gives none (or 0)."""
    max_revision_timeout_seconds: int = 600
    """``max-revision-timeout-seconds``: upper bound of timeoutSeconds."""
    container_concurrency: int = 0
    """``container-concurrency``: containerConcurrency when a revision gives none; 0 = unlimited."""
    container_concurrency_max_limit: int = 1000
    """``container-concurrency-max-limit``: upper bound of containerConcurrency; >= 1."""
    allow_container_concurrency_zero: bool = True
    """``allow-container-concurrency-zero``: whether containerConcurrency 0 is allowed."""

    # ---------------------------------------------------------------- config-deployment
    progress_deadline_seconds: int = 600
    """``progress-deadline`` in seconds: how long a revision may take to become ready."""

    # ---------------------------------------------------------------- config-gc
    retain_since_create_time: str = "48h"
    """``retain-since-create-time``: a Go duration, or ``"disabled"``."""
    retain_since_last_active_time: str = "15h"
    """``retain-since-last-active-time``: a Go duration, or ``"disabled"``."""
    min_non_active_revisions: int = 20
    """``min-non-active-revisions``: non-active revisions always kept."""
    max_non_active_revisions: int | None = 1000
    """``max-non-active-revisions``: most non-active revisions kept; ``None`` = ``"disabled"``."""

    # ---------------------------------------------------------------- config-features
    features: Mapping[str, str] = field(default_factory=lambda: FEATURE_DEFAULTS)
    """``config-features``: every flag -> ``"enabled"``, ``"disabled"`` or ``"allowed"``
    (``secure-pod-defaults`` also ``"allowrootbounded"``). Flags not given keep their default;
    stored read-only and complete."""

    ignored_features: Mapping[str, object] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    """The config-features entries Knative ignores (unknown flags, unrecognized values), as
    given; not part of equality. :meth:`feature_warnings` describes them."""

    def __post_init__(self) -> None:
        if self.features is not FEATURE_DEFAULTS:
            features, ignored = _normalize_features(self.features)
            object.__setattr__(self, "features", features)
            if ignored:
                object.__setattr__(
                    self, "ignored_features", MappingProxyType({**self.ignored_features, **ignored})
                )
        problems = settings_problems(self)
        if problems:
            raise ValidationError(problems, subject="ClusterSettings")

    def feature_warnings(self, path: str = "features") -> list[Problem]:
        """Warnings for the config-features entries Knative ignores, with "did you mean".

        Args:
            path: Prefix of the problem paths.
        """
        found: list[Problem] = []
        for flag, value in self.ignored_features.items():
            found += feature_problems(flag, value, f"{path}.{flag}")
        return found

    def __hash__(self) -> int:
        values = tuple(
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("features", "ignored_features")
        )
        return hash((values, tuple(sorted(self.features.items()))))

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # The read-only features mapping cannot be pickled or deep-copied; rebuild from a dict.
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["features"] = dict(self.features)
        values["ignored_features"] = dict(self.ignored_features)
        return (_rebuild, (values,))

    @property
    def container_concurrency_target_fraction(self) -> float:
        """``container_concurrency_target_percentage`` as the fraction Knative uses (0.7)."""
        return self.container_concurrency_target_percentage / 100.0

    def feature(self, flag: str) -> str:
        """Return the value of a config-features flag, lower case.

        Raises:
            KeyError: ``flag`` is not a Knative v1.23 flag.
        """
        if flag not in FEATURE_DEFAULTS:
            raise KeyError(f"unknown config-features flag {flag!r}")
        return self.features[flag]

    def feature_enabled(self, flag: str, *, strict: bool = False) -> bool:
        """Whether ``flag`` lets a field through.

        Knative's field mask copies most gated fields when the flag is not ``disabled``, so
        ``allowed`` counts as on. Its extra checks for volumes, PVC write, init containers,
        multi-container, multi-container probing and mount propagation need ``enabled``:
        pass ``strict=True`` for those (see :data:`STRICT_FLAGS`).

        Raises:
            KeyError: ``flag`` is not a Knative v1.23 flag.
        """
        value = self.feature(flag)
        return value == "enabled" if strict else value in ("enabled", "allowed")

    def with_features(self, features: Mapping[str, str]) -> ClusterSettings:
        """Return a copy with these config-features flags changed (values case-insensitive).

        As in Knative, an unknown flag or a value ``asFlag`` does not recognize is ignored (the
        default is kept) and listed in :attr:`ignored_features`.

        Raises:
            ValidationError: A value that is not a string.
        """
        merged = dict(self.features)
        merged.update(features)
        return dataclasses.replace(self, features=merged)

    @classmethod
    def from_configmaps(cls, docs: Iterable[Mapping[str, Any]]) -> ClusterSettings:
        """Read the settings from Knative's ConfigMap manifests.

        Only ``v1`` ConfigMaps named ``config-autoscaler``, ``config-defaults``,
        ``config-deployment``, ``config-features`` or ``config-gc`` in namespace
        ``knative-serving`` are read; other documents are ignored, as are keys Knative does not
        read. Values not given keep Knative's default.

        Raises:
            ValidationError: A ConfigMap holds a value Knative's webhook would refuse (the
                checks of :mod:`kn_constructs.knative.configmaps`; warnings do not raise).
        """
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for doc in docs:
            if not isinstance(doc, Mapping) or doc.get("kind") != "ConfigMap":
                continue
            if doc.get("apiVersion", "v1") != "v1":
                continue
            metadata = doc.get("metadata")
            if not isinstance(metadata, Mapping):
                continue
            name = metadata.get("name")
            if not isinstance(name, str) or name not in CONFIGMAP_NAMES:
                continue
            if metadata.get("namespace") != CONFIG_NAMESPACE:
                continue
            parsed, found = parse_configmap(str(name), doc.get("data"), path=f"{name}.data")
            values.update(parsed)
            problems.extend(found)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ValidationError(errors, subject="Knative ConfigMaps")
        return cls(**values)


def settings_per_configmap(docs: Iterable[Mapping[str, Any]]) -> tuple[ClusterSettings, list[Problem]]:
    """The settings of each valid Knative ConfigMap; an invalid one falls back to Knative's defaults.

    Knative validates and applies each ConfigMap on its own (the webhook refuses an invalid one,
    the others still apply), so one bad ``config-gc`` does not discard a good ``config-features``.
    :meth:`ClusterSettings.from_configmaps` does the reading; this only isolates each ConfigMap.

    Returns:
        The settings, and the error-level problems of the ConfigMaps that were left out.
    """
    settings = DEFAULT_SETTINGS
    dropped: list[Problem] = []
    for doc in docs:
        try:
            candidate = ClusterSettings.from_configmaps([doc])
            values = {
                f.name: getattr(candidate, f.name)
                for f in dataclasses.fields(candidate)
                if getattr(candidate, f.name) != getattr(DEFAULT_SETTINGS, f.name)
            }
            settings = dataclasses.replace(settings, **values)
        except ValidationError as error:
            dropped.extend(error.problems)
        except (KeyError, TypeError, ValueError) as error:
            dropped.append(Problem("KNATIVE-CONFIGMAP", "data", str(error)))
    return settings, dropped


def _rebuild(values: dict[str, Any]) -> ClusterSettings:
    return ClusterSettings(**values)


#: Knative v1.23's defaults for every setting.
DEFAULT_SETTINGS: Final = ClusterSettings()
