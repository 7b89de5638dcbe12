"""``KnativeClusterConfig``: the cluster-wide Knative ConfigMaps some practices need.

Some knobs exist only cluster-wide, in namespace ``knative-serving``: the scale
rates (KN-AS-6), the feature flags that gate affinity and PVCs (KN-PLACE-3,
KN-MODEL-3), and the longest allowed ``timeoutSeconds`` (KN-SHUT-2). This construct
owns them as code:

* ``config-autoscaler``: every autoscaler key, written explicitly with Knative's key
  names and value syntax;
* ``config-features``: exactly the flags the services built against it need
  (``auto_features``), plus any the user sets;
* ``config-defaults``: only when a value differs from Knative's default (for example
  a longer ``max-revision-timeout-seconds``);
* ``config-gc``: only when asked (``render_gc=True``).

Each rendered ConfigMap passes the Knative layer's ConfigMap checks. A knob changed
from Knative's default should say why (``reasons``): the reasons are written into
a ``kn-constructs.io/changes`` annotation, and a change without one warns (KN-OPS-2).

Services check themselves against the config: a service that needs a flag the
config explicitly disables is an error naming the flag. The ConfigMaps are rendered
when the app synthesizes, after every service has said what it needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from constructs import Construct

from kn_constructs._boundary import checked_construct
from kn_constructs._format import format_number, format_seconds
from kn_constructs._synth import HeldObject, add_finalizer, chart_of, outdir_existed, remove_empty_outdir
from kn_constructs.errors import Problem, emit_warnings, raise_for_errors
from kn_constructs.knative import configmaps as cm
from kn_constructs.knative.settings import ClusterSettings

__all__ = [
    "AUTOSCALER_KEYS",
    "CLUSTER_WIDE_RATES",
    "DEFAULTS_KEYS",
    "GC_KEYS",
    "KnativeClusterConfig",
    "configmap_data",
]

_Formatter = Callable[[Any], str]


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _seconds(value: Any) -> str:
    return format_seconds(value)


def _int(value: Any) -> str:
    return str(int(value))


def _num(value: Any) -> str:
    return format_number(value)


def _str(value: Any) -> str:
    return str(value)


def _disabled_or_int(value: Any) -> str:
    return "disabled" if value is None else str(int(value))


#: config-autoscaler: (ClusterSettings field, ConfigMap key, formatter), in Knative's order.
AUTOSCALER_KEYS: Final[tuple[tuple[str, str, _Formatter], ...]] = (
    ("pod_autoscaler_class", "pod-autoscaler-class", _str),
    ("container_concurrency_target_percentage", "container-concurrency-target-percentage", _num),
    ("container_concurrency_target_default", "container-concurrency-target-default", _num),
    ("requests_per_second_target_default", "requests-per-second-target-default", _num),
    ("target_burst_capacity", "target-burst-capacity", _num),
    ("stable_window_seconds", "stable-window", _seconds),
    ("panic_window_percentage", "panic-window-percentage", _num),
    ("panic_threshold_percentage", "panic-threshold-percentage", _num),
    ("max_scale_up_rate", "max-scale-up-rate", _num),
    ("max_scale_down_rate", "max-scale-down-rate", _num),
    ("enable_scale_to_zero", "enable-scale-to-zero", _bool),
    ("scale_to_zero_grace_period_seconds", "scale-to-zero-grace-period", _seconds),
    ("scale_to_zero_pod_retention_period_seconds", "scale-to-zero-pod-retention-period", _seconds),
    ("activator_capacity", "activator-capacity", _num),
    ("initial_scale", "initial-scale", _int),
    ("allow_zero_initial_scale", "allow-zero-initial-scale", _bool),
    ("min_scale", "min-scale", _int),
    ("max_scale", "max-scale", _int),
    ("max_scale_limit", "max-scale-limit", _int),
    ("scale_down_delay_seconds", "scale-down-delay", _seconds),
)
#: config-defaults keys kn_constructs manages.
DEFAULTS_KEYS: Final[tuple[tuple[str, str, _Formatter], ...]] = (
    ("revision_timeout_seconds", "revision-timeout-seconds", _int),
    ("max_revision_timeout_seconds", "max-revision-timeout-seconds", _int),
    ("container_concurrency", "container-concurrency", _int),
    ("container_concurrency_max_limit", "container-concurrency-max-limit", _int),
    ("allow_container_concurrency_zero", "allow-container-concurrency-zero", _bool),
)
#: config-gc keys.
GC_KEYS: Final[tuple[tuple[str, str, _Formatter], ...]] = (
    ("retain_since_create_time", "retain-since-create-time", _str),
    ("retain_since_last_active_time", "retain-since-last-active-time", _str),
    ("min_non_active_revisions", "min-non-active-revisions", _int),
    ("max_non_active_revisions", "max-non-active-revisions", _disabled_or_int),
)
#: The scale rates: cluster-wide only (KN-AS-6). Profile field -> ClusterSettings field.
CLUSTER_WIDE_RATES: Final[Mapping[str, str]] = {
    "max_scale_up_rate": "max_scale_up_rate",
    "max_scale_down_rate": "max_scale_down_rate",
}
_KNATIVE_DEFAULTS = ClusterSettings()
_CHANGES_ANNOTATION = "kn-constructs.io/changes"


def _render(settings: ClusterSettings, keys: Iterable[tuple[str, str, _Formatter]]) -> dict[str, str]:
    return {key: fmt(getattr(settings, field)) for field, key, fmt in keys}


def configmap_data(
    settings: ClusterSettings, *, features: Mapping[str, str], render_gc: bool = False
) -> dict[str, dict[str, str]]:
    """The ``data`` of each ConfigMap to write, by ConfigMap name.

    ``config-autoscaler`` always; ``config-features`` with ``features`` (flag -> state);
    ``config-defaults`` only with the keys that differ from Knative's defaults (none: not
    written); ``config-gc`` when ``render_gc``.
    """
    data: dict[str, dict[str, str]] = {cm.CONFIG_AUTOSCALER: _render(settings, AUTOSCALER_KEYS)}
    defaults = _render(settings, DEFAULTS_KEYS)
    knative = _render(_KNATIVE_DEFAULTS, DEFAULTS_KEYS)
    changed = {k: v for k, v in defaults.items() if v != knative[k]}
    if changed:
        data[cm.CONFIG_DEFAULTS] = changed
    data[cm.CONFIG_FEATURES] = dict(sorted(features.items()))
    if render_gc:
        data[cm.CONFIG_GC] = _render(settings, GC_KEYS)
    return data


class KnativeClusterConfig(Construct):
    """The ``knative-serving`` ConfigMaps, as code, and the settings services check against.

    Args:
        scope: The parent construct (a ``Chart``; the ConfigMaps go to ``knative-serving``
            whatever the chart's namespace).
        id: The construct id.
        settings: The cluster's settings; default Knative v1.23's defaults
            (:class:`~kn_constructs.ClusterSettings`). Every ``config-autoscaler`` key is
            written from it.
        features: ``config-features`` flags set explicitly (flag -> ``"enabled"``,
            ``"disabled"`` or ``"allowed"``). They win over ``auto_features``; a service
            needing a flag set here to ``"disabled"`` is an error.
        auto_features: Enable every flag a service built against this config needs
            (default ``True``). With ``False``, flags keep ``settings``' values.
        reasons: Why a knob differs from Knative's default, by ConfigMap key
            (``{"max-scale-down-rate": "cost: give GPUs back faster"}``). Written into
            the ``kn-constructs.io/changes`` annotation; a change without a reason warns
            (KN-OPS-2).
        render_gc: Also write ``config-gc`` (revision retention).
        acknowledge: Warning codes to silence.
    """

    @checked_construct("KnativeClusterConfig")
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: ClusterSettings | None = None,
        features: Mapping[str, str] | None = None,
        auto_features: bool = True,
        reasons: Mapping[str, str] | None = None,
        render_gc: bool = False,
        acknowledge: Iterable[str] = (),
    ) -> None:
        base = settings if settings is not None else ClusterSettings()
        # Knative ignores unknown flags and values (asFlag): warnings, from the config-features check.
        explicit = dict(features or {})
        problems: list[Problem] = []
        base = base.with_features(explicit)
        self._base = base
        self._explicit_features = explicit
        self._auto_features = auto_features
        self._reasons = dict(reasons or {})
        self._render_gc = render_gc
        self._acknowledge = tuple(acknowledge)
        self._needed: dict[str, list[str]] = {}
        self._rate_requests: dict[str, tuple[float, str]] = {}
        self._finalized = False
        self._settings_cache: tuple[object, ClusterSettings] | None = None
        problems += self._configmap_problems(base, path=id)
        raise_for_errors(problems, subject=f"KnativeClusterConfig {id!r}")
        super().__init__(scope, id)
        self.warnings: list[Problem] = emit_warnings(
            self._reason_problems(base, path=id), acknowledged=self._acknowledge
        )
        self._outdir_existed = outdir_existed(self)
        add_finalizer(self, self._finalize)

    # ------------------------------------------------------------------ settings

    @property
    def settings(self) -> ClusterSettings:
        """The effective settings: the given ones, plus needed flags and adopted rate requests."""
        key = (frozenset(self._needed), tuple(sorted(self._rate_requests.items())))
        if self._settings_cache is None or self._settings_cache[0] != key:
            self._settings_cache = (key, self._effective_settings())
        return self._settings_cache[1]

    def _effective_settings(self) -> ClusterSettings:
        changes: dict[str, Any] = {field: value for field, (value, _) in self._rate_requests.items()}
        settings = dataclasses.replace(self._base, **changes) if changes else self._base
        if self._auto_features and self._needed:
            auto = {flag: "enabled" for flag in self._needed if flag not in self._explicit_features}
            if auto:
                settings = settings.with_features(auto)
        return settings

    @property
    def rendered_features(self) -> dict[str, str]:
        """The ``config-features`` data to write: explicit flags and the needed ones."""
        out = dict(self._explicit_features)
        if self._auto_features:
            for flag in self._needed:
                out.setdefault(flag, "enabled")
        else:
            for flag in self._needed:
                out.setdefault(flag, self._base.feature(flag))
        return dict(sorted(out.items()))

    def request(
        self, requester: str, *, features: Iterable[str] = (), rates: Mapping[str, float] | None = None
    ) -> list[Problem]:
        """Record what a service needs; return the conflicts (KN-AS-6).

        Args:
            requester: The service's path (for messages), e.g. ``chat``.
            features: The ``config-features`` flags the service needs.
            rates: Cluster-wide scale rates the service's profile asks for, by
                :class:`ClusterSettings` field (``max_scale_down_rate``).

        A rate request is adopted when the cluster's value is still Knative's default
        and no other service asked for a different one; a request that disagrees with
        an adopted or explicitly set value is a KN-AS-6 error.
        """
        if self._finalized:
            raise RuntimeError("KnativeClusterConfig: services must be added before the app synthesizes")
        for flag in features:
            self._needed.setdefault(flag, []).append(requester)
        problems = []
        for field_name, value in (rates or {}).items():
            key = field_name.replace("_", "-")
            adopted = self._rate_requests.get(field_name)
            current = getattr(self._base, field_name)
            default = getattr(_KNATIVE_DEFAULTS, field_name)
            if adopted is not None and adopted[0] != value:
                problems.append(
                    Problem(
                        "KN-AS-6",
                        f"{requester}.autoscaling.{field_name}",
                        f"{key} is cluster-wide: {adopted[1]} asks for {format_number(adopted[0])},"
                        f" this service for {format_number(value)}",
                        value=value,
                        allowed=format_number(adopted[0]),
                        hint="agree on one value for the whole cluster (config-autoscaler), or leave"
                        " it to the cluster config",
                    )
                )
            elif adopted is None and current != default and current != value:
                problems.append(
                    Problem(
                        "KN-AS-6",
                        f"{requester}.autoscaling.{field_name}",
                        f"{key} is cluster-wide and the cluster config sets {format_number(current)};"
                        f" this service asks for {format_number(value)}",
                        value=value,
                        allowed=format_number(current),
                        hint="drop the per-service request or change the cluster config",
                    )
                )
            elif adopted is None:
                self._rate_requests[field_name] = (value, requester)
        return problems

    # ------------------------------------------------------------------ rendering

    def configmaps(self) -> dict[str, dict[str, str]]:
        """The ConfigMap data this config renders, by name (what synth will write)."""
        return configmap_data(self.settings, features=self.rendered_features, render_gc=self._render_gc)

    def _finalize(self) -> None:
        if self._finalized:
            return
        self._finalized = True
        settings = self.settings
        problems = self._configmap_problems(settings, path=self.node.id)
        if any(p.severity == "error" for p in problems):
            remove_empty_outdir(self, existed=self._outdir_existed)
            raise_for_errors(problems, subject=f"KnativeClusterConfig {self.node.id!r}")
        chart_of(self)  # once, for every ConfigMap below
        for name, data in self.configmaps().items():
            metadata: dict[str, Any] = {
                "name": name,
                "namespace": cm.CONFIG_NAMESPACE,
                "labels": {
                    "app.kubernetes.io/part-of": "knative-serving",
                    "app.kubernetes.io/managed-by": "kn-constructs",
                },
            }
            changes = self._changes(settings, name)
            if changes:
                metadata["annotations"] = {_CHANGES_ANNOTATION: changes}
            obj = HeldObject(self, name, api_version="v1", kind="ConfigMap", metadata=metadata)
            obj._kn_add_patch("add", "/data", data)

    def _changes(self, settings: ClusterSettings, name: str) -> str:
        """One line per key that differs from Knative's default: ``key: default -> value (why)``."""
        keys = {
            cm.CONFIG_AUTOSCALER: AUTOSCALER_KEYS,
            cm.CONFIG_DEFAULTS: DEFAULTS_KEYS,
            cm.CONFIG_GC: GC_KEYS,
        }.get(name)
        lines = []
        if keys is not None:
            for field_name, key, fmt in keys:
                now, was = fmt(getattr(settings, field_name)), fmt(getattr(_KNATIVE_DEFAULTS, field_name))
                if now != was:
                    lines.append(f"{key}: {was} -> {now}{self._why(key, field_name)}")
        else:
            for flag, state in self.rendered_features.items():
                default = _KNATIVE_DEFAULTS.feature(flag)
                if state != default:
                    users = self._needed.get(flag)
                    why = f" (needed by {', '.join(sorted(set(users)))})" if users else self._why(flag, "")
                    lines.append(f"{flag}: {default} -> {state}{why}")
        return "\n".join(lines) + "\n" if lines else ""

    def _why(self, key: str, field_name: str) -> str:
        if key in self._reasons:
            return f" ({self._reasons[key]})"
        request = self._rate_requests.get(field_name)
        if request is not None:
            return f" (requested by {request[1]})"
        return ""

    # ------------------------------------------------------------------ checks

    def _configmap_problems(self, settings: ClusterSettings, *, path: str) -> list[Problem]:
        found: list[Problem] = []
        data = configmap_data(settings, features=self._explicit_features, render_gc=True)
        for name, values in data.items():
            found.extend(p.under(path) for p in cm.check_configmap(name, values, path=f"{name}.data"))
        if settings.max_revision_timeout_seconds > _KNATIVE_DEFAULTS.max_revision_timeout_seconds:
            found.append(
                Problem(
                    "KN-LONG-1",
                    f"{path}.settings.max_revision_timeout_seconds",
                    f"max-revision-timeout-seconds raised to {settings.max_revision_timeout_seconds}:"
                    " the activator's terminationGracePeriodSeconds must be raised to match",
                    value=settings.max_revision_timeout_seconds,
                    hint="patch the activator Deployment in knative-serving, or keep requests short",
                    severity="warning",
                )
            )
        return found

    def _reason_problems(self, settings: ClusterSettings, *, path: str) -> list[Problem]:
        found = []
        for field_name, key, fmt in AUTOSCALER_KEYS + DEFAULTS_KEYS:
            if fmt(getattr(settings, field_name)) != fmt(getattr(_KNATIVE_DEFAULTS, field_name)) and (
                key not in self._reasons
            ):
                found.append(
                    Problem(
                        "KN-OPS-2",
                        f"{path}.settings.{field_name}",
                        f"{key} differs from Knative's default"
                        f" ({fmt(getattr(_KNATIVE_DEFAULTS, field_name))}) without a stated reason",
                        value=getattr(settings, field_name),
                        hint=f'say why in reasons={{"{key}": "..."}} (measured in staging first?)',
                        severity="warning",
                    )
                )
        return found + [p for p in self._configmap_problems(settings, path=path) if p.severity == "warning"]
