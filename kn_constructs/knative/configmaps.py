"""Checks over the ``data`` of Knative's cluster-wide ConfigMaps (namespace ``knative-serving``).

``config-autoscaler``, ``config-defaults``, ``config-gc`` and ``config-deployment`` are validated
at admission by Knative's ConfigMap webhook (``cmd/webhook/main.go``
``newConfigValidationController``): a bad value is refused. ``config-features`` is registered
there too, but its parser never fails: an unknown value is silently ignored and the default kept,
so those findings are **warnings** here.

Knative's parsers stop at the first error and return only that one. These checks list *every*
problem they find, in Knative's order, each with Knative's own text, so one run fixes them all.

Parse errors read like Knative's: ``failed to parse data: failed to parse "stable-window":
time: invalid duration "sixty"`` for config-autoscaler and config-gc, ``failed to parse
"revision-timeout-seconds": strconv.ParseInt: parsing "asdf": invalid syntax`` for
config-defaults and config-deployment.

The ``_example`` key is documentation, never configuration, and is ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

from kn_constructs.errors import Problem
from kn_constructs.knative import _go
from kn_constructs.knative import rules as kn
from kn_constructs.knative._gotemplate import TemplateFinding, template_error
from kn_constructs.knative._problems import bounds, join, problem, schema
from kn_constructs.knative.durations import SECOND, format_go_duration_ns, parse_go_duration_ns
from kn_constructs.knative.names import dns1123_subdomain_messages

__all__ = [
    "CONFIGMAP_NAMES",
    "CONFIG_AUTOSCALER",
    "CONFIG_DEFAULTS",
    "CONFIG_DEPLOYMENT",
    "CONFIG_FEATURES",
    "CONFIG_GC",
    "CONFIG_NAMESPACE",
    "check_config_autoscaler",
    "check_config_defaults",
    "check_config_deployment",
    "check_config_features",
    "check_config_gc",
    "check_configmap",
    "did_you_mean",
    "feature_problems",
    "feature_value",
    "parse_configmap",
]

CONFIG_NAMESPACE: Final = "knative-serving"
CONFIG_AUTOSCALER: Final = "config-autoscaler"
CONFIG_DEFAULTS: Final = "config-defaults"
CONFIG_DEPLOYMENT: Final = "config-deployment"
CONFIG_FEATURES: Final = "config-features"
CONFIG_GC: Final = "config-gc"
#: The ConfigMaps these checks understand.
CONFIGMAP_NAMES: Final = frozenset(
    {CONFIG_AUTOSCALER, CONFIG_DEFAULTS, CONFIG_DEPLOYMENT, CONFIG_FEATURES, CONFIG_GC}
)

_CODE: Final = "KNATIVE-CONFIGMAP"
_WRAP_DATA: Final = 'failed to parse data: failed to parse "{key}": {err}'
_WRAP_PLAIN: Final = 'failed to parse "{key}": {err}'
_DISABLED: Final = "disabled"

_T = TypeVar("_T")

# Settings field names are the ClusterSettings ones; the values are what Knative parsed.
Parsed = dict[str, Any]


class _Reader:
    """Reads typed values from ConfigMap data the way ``knative.dev/pkg/configmap`` does."""

    def __init__(self, data: Mapping[str, object] | None, path: str, wrap: str) -> None:
        self.path = path
        self.wrap = wrap
        self.problems: list[Problem] = []
        self.data: dict[str, str] = {}
        if data is None:
            return
        if not isinstance(data, Mapping):
            self.problems.append(schema(path, "object", data))
            return
        for key, value in data.items():
            if key == "_example":
                continue
            if isinstance(value, str):
                self.data[str(key)] = value
            else:
                self.problems.append(
                    schema(
                        join(path, str(key)),
                        "string",
                        value,
                        hint="ConfigMap data values are strings: quote the value in YAML",
                    )
                )

    def has(self, key: str) -> bool:
        return key in self.data

    def at(self, key: str) -> str:
        return join(self.path, key)

    def fail(self, key: str, message: str, *, allowed: str | None, hint: str | None) -> None:
        self.problems.append(
            problem(_CODE, self.at(key), message, value=self.data.get(key), allowed=allowed, hint=hint)
        )

    def _read(self, key: str, default: _T, parse: Callable[[str], _T], allowed: str) -> _T:
        raw = self.data.get(key)
        if raw is None:
            return default
        try:
            return parse(raw)
        except ValueError as err:
            self.fail(
                key,
                self.wrap.format(key=key, err=err),
                allowed=allowed,
                hint="Knative refuses the whole ConfigMap until this parses",
            )
            return default

    def string(self, key: str, default: str) -> str:
        raw = self.data.get(key)
        return default if raw is None else raw.strip()

    def boolean(self, key: str, default: bool) -> bool:
        return self._read(key, default, _go.parse_bool, "true or false")

    def number(self, key: str, default: float) -> float:
        return self._read(key, default, _go.parse_float, "a number")

    def int32(self, key: str, default: int) -> int:
        return self._read(key, default, lambda raw: _go.parse_int(raw, 32), "a 32-bit integer")

    def int64(self, key: str, default: int) -> int:
        return self._read(key, default, _go.parse_int, "a 64-bit integer")

    def duration(self, key: str, default_ns: int) -> int:
        return self._read(key, default_ns, parse_go_duration_ns, "a Go duration such as 60s")

    def quantity(self, key: str) -> None:
        raw = self.data.get(key)
        if raw is None:
            return
        err = _go.quantity_error(raw)
        if err is not None:
            self.fail(
                key,
                self.wrap.format(key=key, err=err),
                allowed="a Kubernetes quantity such as 500m or 1Gi",
                hint="Knative refuses the whole ConfigMap until this parses",
            )


def _d(ns: int) -> str:
    return format_go_duration_ns(ns)


def _ceil_seconds(ns: int) -> int:
    return -(-ns // SECOND)


# --------------------------------------------------------------------------- config-autoscaler


def _autoscaler(data: Mapping[str, object] | None, path: str) -> tuple[Parsed, list[Problem]]:
    r = _Reader(data, path, _WRAP_DATA)
    pod_class = r.string("pod-autoscaler-class", kn.KPA_CLASS)
    enable_stz = r.boolean("enable-scale-to-zero", True)
    allow_zero_initial = r.boolean("allow-zero-initial-scale", False)
    up_rate = r.number("max-scale-up-rate", 1000.0)
    down_rate = r.number("max-scale-down-rate", 2.0)
    cc_percentage = r.number("container-concurrency-target-percentage", 70.0)
    cc_default = r.number("container-concurrency-target-default", 100.0)
    rps_default = r.number("requests-per-second-target-default", 200.0)
    tbc = r.number("target-burst-capacity", 211.0)
    panic_window = r.number("panic-window-percentage", 10.0)
    activator_capacity = r.number("activator-capacity", 100.0)
    panic_threshold = r.number("panic-threshold-percentage", 200.0)
    initial_scale = r.int32("initial-scale", 1)
    min_scale = r.int32("min-scale", 0)
    max_scale = r.int32("max-scale", 0)
    max_scale_limit = r.int32("max-scale-limit", 0)
    stable_window = r.duration("stable-window", 60 * SECOND)
    scale_down_delay = r.duration("scale-down-delay", 0)
    grace = r.duration("scale-to-zero-grace-period", 30 * SECOND)
    retention = r.duration("scale-to-zero-pod-retention-period", 0)

    # Values greater than 1 are percentages, values up to 1 are fractions (legacy).
    fraction = cc_percentage / 100.0 if cc_percentage > 1.0 else cc_percentage

    def fail(key: str, message: str, allowed: str, hint: str | None = None) -> None:
        r.fail(key, message, allowed=allowed, hint=hint)

    if grace <= 0:
        fail(
            "scale-to-zero-grace-period",
            f"scale-to-zero-grace-period must be positive, was: {_d(grace)}",
            "> 0s",
        )
    if scale_down_delay < 0:
        fail(
            "scale-down-delay",
            f"scale-down-delay cannot be negative, was: {_d(scale_down_delay)}",
            ">= 0s, whole seconds",
        )
    if scale_down_delay % SECOND:
        fail(
            "scale-down-delay",
            f"scale-down-delay = {_d(scale_down_delay)}, must be specified with at most second precision",
            ">= 0s, whole seconds",
        )
    if retention < 0:
        fail(
            "scale-to-zero-pod-retention-period",
            f"scale-to-zero-pod-retention-period cannot be negative, was: {_d(retention)}",
            ">= 0s",
        )
    if tbc < 0 and tbc != -1:
        fail(
            "target-burst-capacity",
            "target-burst-capacity must be either non-negative or -1 (for unlimited), was: "
            f"{_go.format_f(tbc)}",
            ">= 0 or -1",
        )
    if fraction <= 0 or fraction > 1:
        fail(
            "container-concurrency-target-percentage",
            f"container-concurrency-target-percentage = {_go.format_f(fraction)} is outside of "
            "valid range of (0, 100]",
            "(0, 100]",
            hint="values above 1 are percentages, values up to 1 are fractions: 1 means 100%",
        )
    elif fraction * cc_default < kn.TARGET_MIN:
        fail(
            "container-concurrency-target-default",
            "container-concurrency-target-percentage and container-concurrency-target-default "
            f"yield target concurrency of {_go.format_v(fraction * cc_default)}, can't be less "
            f"than {_go.format_v(kn.TARGET_MIN)}",
            "percentage x default >= 0.01",
        )
    if rps_default < kn.TARGET_MIN:
        fail(
            "requests-per-second-target-default",
            f"requests-per-second-target-default must be at least {_go.format_v(kn.TARGET_MIN)}, "
            f"was: {_go.format_v(rps_default)}",
            ">= 0.01",
        )
    if activator_capacity < 1:
        fail(
            "activator-capacity",
            f"activator-capacity = {_go.format_v(activator_capacity)}, must be at least 1",
            ">= 1",
        )
    if up_rate <= 1.0:
        fail(
            "max-scale-up-rate",
            f"max-scale-up-rate = {_go.format_v(up_rate)}, must be greater than 1.0",
            "> 1.0",
        )
    if down_rate <= 1.0:
        fail(
            "max-scale-down-rate",
            f"max-scale-down-rate = {_go.format_v(down_rate)}, must be greater than 1.0",
            "> 1.0",
        )
    window_lo, window_hi = kn.WINDOW_MIN_SECONDS * SECOND, kn.WINDOW_MAX_SECONDS * SECOND
    if stable_window < window_lo or stable_window > window_hi:
        fail(
            "stable-window",
            f"stable-window = {_d(stable_window)}, must be in [{_d(window_lo)}; {_d(window_hi)}] range",
            "6s..1h, whole seconds",
        )
    if stable_window % SECOND:
        fail(
            "stable-window",
            f"stable-window = {_d(stable_window)}, must be specified with at most second precision",
            "6s..1h, whole seconds",
        )
    if panic_window < kn.PANIC_WINDOW_PERCENTAGE_MIN or panic_window > kn.PANIC_WINDOW_PERCENTAGE_MAX:
        fail(
            "panic-window-percentage",
            f"panic-window-percentage = {_go.format_v(panic_window)}, must be in "
            f"[{_go.format_v(kn.PANIC_WINDOW_PERCENTAGE_MIN)}, "
            f"{_go.format_v(kn.PANIC_WINDOW_PERCENTAGE_MAX)}] interval",
            "1..100",
        )
    if initial_scale < 0 or (initial_scale == 0 and not allow_zero_initial):
        fail(
            "initial-scale",
            f"initial-scale = {initial_scale}, must be at least 0 (or at least 1 when "
            "allow-zero-initial-scale is false)",
            ">= 1 (>= 0 with allow-zero-initial-scale: true)",
        )
    if min_scale < 0:
        fail("min-scale", f"min-scale = {min_scale}, must be at least 0", ">= 0")
    min_max_scale = 1 if max_scale_limit > 0 else 0
    if max_scale < min_max_scale or (max_scale_limit > 0 and max_scale > max_scale_limit):
        fail(
            "max-scale",
            f"max-scale = {max_scale}, must be in [{min_max_scale}, "
            f"max-scale-limit({max_scale_limit})] range",
            f"{min_max_scale}..{max_scale_limit}" if max_scale_limit > 0 else ">= 0",
            hint="with max-scale-limit set, the default max-scale must be 1..max-scale-limit"
            if max_scale_limit > 0
            else None,
        )
    if max_scale > 0 and min_scale > max_scale:
        fail(
            "min-scale",
            f"min-scale ({min_scale}) must be less than max-scale ({max_scale})",
            f"0..{max_scale}",
        )
    if max_scale_limit < 0:
        fail("max-scale-limit", f"max-scale-limit = {max_scale_limit}, must be at least 0", ">= 0")

    parsed: Parsed = {
        "pod_autoscaler_class": pod_class,
        "enable_scale_to_zero": enable_stz,
        "allow_zero_initial_scale": allow_zero_initial,
        "max_scale_limit": max_scale_limit,
        "container_concurrency_target_percentage": fraction * 100.0,
        "container_concurrency_target_default": cc_default,
        "requests_per_second_target_default": rps_default,
        "target_burst_capacity": tbc,
        "stable_window_seconds": stable_window // SECOND,
        "panic_window_percentage": panic_window,
        "panic_threshold_percentage": panic_threshold,
        "max_scale_up_rate": up_rate,
        "max_scale_down_rate": down_rate,
        "activator_capacity": activator_capacity,
        "initial_scale": initial_scale,
        "min_scale": min_scale,
        "max_scale": max_scale,
        "scale_down_delay_seconds": scale_down_delay // SECOND,
        "scale_to_zero_grace_period_seconds": _ceil_seconds(grace),
        "scale_to_zero_pod_retention_period_seconds": _ceil_seconds(retention),
    }
    return parsed, r.problems


def check_config_autoscaler(data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Every problem in the data of ``config-autoscaler``, with Knative's texts.

    Note what Knative does *not* check here: ``panic-threshold-percentage`` has no bounds, and
    ``scale-down-delay`` / ``scale-to-zero-pod-retention-period`` have no upper bound (the
    annotations do), and ``requests-per-second-target-default`` needs only >= 0.01.

    Args:
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.

    Returns:
        Errors (code ``KNATIVE-CONFIGMAP``, or ``KNATIVE-SCHEMA`` for non-string values).
    """
    return _autoscaler(data, path)[1]


# --------------------------------------------------------------------------- config-defaults

_RESOURCE_DEFAULT_KEYS: Final = tuple(
    f"revision-{resource}-{kind}"
    for kind in ("request", "limit")
    for resource in ("cpu", "memory", "ephemeral-storage")
)


_TEMPLATE_KEYS: Final = ("init-container-name-template", "container-name-template")
_TEMPLATE_ALLOWED: Final = "a Go text/template over the revision's ObjectMeta, e.g. {{.Name}}"
_TEMPLATE_HINT: Final = "fields are ObjectMeta's: .Name, .Namespace, .Labels.<key>, .Annotations.<key>, ..."


def _template_finding(raw: str) -> TemplateFinding | None:
    return template_error(raw)


def _defaults(data: Mapping[str, object] | None, path: str) -> tuple[Parsed, list[Problem]]:
    r = _Reader(data, path, _WRAP_PLAIN)
    allow_zero = r.boolean("allow-container-concurrency-zero", True)
    timeout = r.int64("revision-timeout-seconds", 300)
    max_timeout = r.int64("max-revision-timeout-seconds", 600)
    response_start = r.int64("revision-response-start-timeout-seconds", timeout)
    idle = r.int64("revision-idle-timeout-seconds", 0)
    concurrency = r.int64("container-concurrency", 0)
    max_limit = r.int64("container-concurrency-max-limit", 1000)
    for key in _RESOURCE_DEFAULT_KEYS:
        r.quantity(key)
    templates = [(key, _template_finding(r.data[key])) for key in _TEMPLATE_KEYS if key in r.data]
    for key, finding in templates:
        if finding is not None and finding.kind == "parse":
            r.fail(key, finding.message, allowed=_TEMPLATE_ALLOWED, hint=_TEMPLATE_HINT)

    if timeout > max_timeout:
        r.fail(
            "revision-timeout-seconds",
            f"revision-timeout-seconds ({timeout}) cannot be greater than "
            f"max-revision-timeout-seconds ({max_timeout})",
            allowed=f"<= {max_timeout}",
            hint="raise max-revision-timeout-seconds too (and the activator's "
            "terminationGracePeriodSeconds with it)",
        )
    if max_limit < 1:
        r.problems.append(
            bounds(
                _CODE,
                r.at("container-concurrency-max-limit"),
                1,
                max_limit,
                kn.INT32_MAX,
                value=r.data.get("container-concurrency-max-limit"),
            )
        )
    if concurrency < 0 or concurrency > max_limit:
        r.problems.append(
            bounds(
                _CODE,
                r.at("container-concurrency"),
                0,
                concurrency,
                max_limit,
                value=r.data.get("container-concurrency"),
            )
        )
    if response_start > 0 and response_start > timeout:
        r.fail(
            "revision-response-start-timeout-seconds",
            f"revision-response-start-timeout-seconds ({response_start}) cannot be greater than "
            f"revision-timeout-seconds ({timeout})",
            allowed=f"<= {timeout}",
            hint=None,
        )
    if idle > 0 and idle > timeout:
        r.fail(
            "revision-idle-timeout-seconds",
            f"revision-idle-timeout-seconds ({idle}) cannot be greater than "
            f"revision-timeout-seconds ({timeout})",
            allowed=f"<= {timeout}",
            hint=None,
        )
    for key, finding in templates:
        if finding is not None and finding.kind == "execute":
            r.fail(
                key,
                f"error executing template: {finding.message}",
                allowed=_TEMPLATE_ALLOWED,
                hint=_TEMPLATE_HINT,
            )
        elif finding is not None and finding.kind == "unsupported":
            r.problems.append(
                problem(
                    _CODE,
                    r.at(key),
                    finding.message,
                    value=r.data[key],
                    allowed=_TEMPLATE_ALLOWED,
                    hint="Knative executes it against an empty ObjectMeta and refuses the ConfigMap "
                    "if that fails: check it on a test cluster",
                    severity="warning",
                )
            )
    parsed: Parsed = {
        "revision_timeout_seconds": timeout,
        "max_revision_timeout_seconds": max_timeout,
        "container_concurrency": concurrency,
        "container_concurrency_max_limit": max_limit,
        "allow_container_concurrency_zero": allow_zero,
    }
    return parsed, r.problems


def check_config_defaults(data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Every problem in the data of ``config-defaults``, with Knative's texts.

    ``revision-response-start-timeout-seconds`` defaults to ``revision-timeout-seconds``;
    ``enable-service-links`` never fails (anything but true/false means "Kubernetes default").
    ``container-name-template`` and ``init-container-name-template`` are parsed as Go templates
    and executed against an empty ``ObjectMeta``, as Knative does (default ``user-container``
    and ``init-container``, plain text); an action this port does not evaluate is a warning.

    Args:
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.

    Returns:
        Errors (code ``KNATIVE-CONFIGMAP``, or ``KNATIVE-SCHEMA`` for non-string values).
    """
    return _defaults(data, path)[1]


# --------------------------------------------------------------------------- config-features


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""`` when none is close."""
    close = difflib.get_close_matches(word.lower(), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def feature_value(flag: str, raw: str) -> str | None:
    """The value Knative reads for ``flag`` from ``raw``, lower case; ``None`` when it ignores it.

    ``asFlag`` compares with ``strings.EqualFold`` against ``Enabled``, ``Allowed`` and
    ``Disabled`` (``asSecurePodDefaultsFlag``: ``Disabled``, ``AllowRootBounded``, ``Enabled``):
    Unicode case folding, so ``ENABLED`` counts; anything else (``on``, ``true``, `` enabled``
    with a space) is ignored and the default kept.
    """
    allowed = kn.SECURE_POD_DEFAULTS_VALUES if flag == kn.FLAG_SECURE_POD_DEFAULTS else kn.FEATURE_VALUES
    folded = raw.casefold()
    return folded if folded in allowed else None


def feature_problems(flag: str, raw: object, path: str) -> list[Problem]:
    """Warnings for one config-features entry Knative ignores (an unknown flag or value).

    Args:
        flag: The key.
        raw: Its value.
        path: The entry's path (``config-features.data.<flag>``).
    """
    default = kn.FEATURE_DEFAULTS.get(flag)
    if default is None:
        return [
            problem(
                _CODE,
                path,
                f"unknown feature flag {_go.quote(flag)}{did_you_mean(flag, kn.FEATURE_DEFAULTS)}",
                value=raw,
                allowed=", ".join(sorted(kn.FEATURE_DEFAULTS)),
                hint="Knative ignores keys it does not know; check the spelling",
                severity="warning",
            )
        ]
    if not isinstance(raw, str):
        return [schema(path, "string", raw)]
    if feature_value(flag, raw) is not None:
        return []
    allowed_values = (
        kn.SECURE_POD_DEFAULTS_VALUES if flag == kn.FLAG_SECURE_POD_DEFAULTS else kn.FEATURE_VALUES
    )
    return [
        problem(
            _CODE,
            path,
            f"invalid value: {raw}{did_you_mean(raw.strip(), allowed_values)}",
            value=raw,
            allowed=", ".join(sorted(allowed_values)) + " (any case)",
            hint=f"Knative silently ignores it and keeps the default ({default})",
            severity="warning",
        )
    ]


def _features(data: Mapping[str, object] | None, path: str) -> tuple[Parsed, list[Problem]]:
    r = _Reader(data, path, _WRAP_PLAIN)
    found = r.problems
    features = dict(kn.FEATURE_DEFAULTS)
    for key, raw in r.data.items():
        found += feature_problems(key, raw, r.at(key))
        value = feature_value(key, raw) if key in kn.FEATURE_DEFAULTS else None
        if value is not None:
            features[key] = value
    return {"features": features}, found


def check_config_features(data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Problems in the data of ``config-features``: all **warnings**.

    Knative parses each flag case-insensitively as ``Enabled``, ``Disabled`` or ``Allowed``
    (``secure-pod-defaults``: ``Disabled``, ``AllowRootBounded`` or ``Enabled``). Anything else
    is silently ignored and the default kept, and unknown keys are ignored too, so nothing here
    is refused by the cluster; each finding is a warning that the setting has no effect.

    Args:
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.

    Returns:
        Warnings (code ``KNATIVE-CONFIGMAP``); ``KNATIVE-SCHEMA`` errors for non-string values.
    """
    return _features(data, path)[1]


# --------------------------------------------------------------------------- config-gc


def _gc_duration(raw: str) -> int | None:
    if raw.lower() == _DISABLED:
        return None
    ns = parse_go_duration_ns(raw)
    if ns < 0:
        raise ValueError("must be non-negative")
    return ns


def _gc(data: Mapping[str, object] | None, path: str) -> tuple[Parsed, list[Problem]]:
    r = _Reader(data, path, _WRAP_DATA)
    min_revisions = r.int64("min-non-active-revisions", 20)
    parsed: Parsed = {"min_non_active_revisions": min_revisions}
    for key, field, default in (
        ("retain-since-create-time", "retain_since_create_time", "48h"),
        ("retain-since-last-active-time", "retain_since_last_active_time", "15h"),
    ):
        raw = r.data.get(key, "")
        parsed[field] = default
        if raw == "":
            continue
        try:
            _gc_duration(raw)
        except ValueError as err:
            r.fail(
                key,
                f"failed to parse {key}: {err}",
                allowed='a duration >= 0 or "disabled"',
                hint=None,
            )
        else:
            parsed[field] = _DISABLED if raw.lower() == _DISABLED else raw
    max_revisions: int | None = 1000
    raw_max = r.data.get("max-non-active-revisions", "")
    if raw_max.lower() == _DISABLED:
        max_revisions = None
    elif raw_max != "":
        try:
            max_revisions = _go.parse_uint(raw_max)
            if max_revisions > (1 << 63) - 1:
                raise ValueError(f"value should be lower than {(1 << 63) - 1}")
        except ValueError as err:
            max_revisions = 1000
            r.fail(
                "max-non-active-revisions",
                f"failed to parse max-non-active-revisions: {err}",
                allowed='an integer >= 0 or "disabled"',
                hint=None,
            )
    parsed["max_non_active_revisions"] = max_revisions
    if min_revisions < 0:
        r.fail(
            "min-non-active-revisions",
            f"min-non-active-revisions must be non-negative, was: {min_revisions}",
            allowed=">= 0",
            hint=None,
        )
    if max_revisions is not None and min_revisions > max_revisions:
        r.fail(
            "min-non-active-revisions",
            f"min-non-active-revisions({min_revisions}) must be <= max-non-active-revisions({max_revisions})",
            allowed=f"0..{max_revisions}",
            hint=None,
        )
    return parsed, r.problems


def check_config_gc(data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Every problem in the data of ``config-gc``, with Knative's texts.

    Durations and ``max-non-active-revisions`` accept the special value ``disabled``.

    Args:
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.

    Returns:
        Errors (code ``KNATIVE-CONFIGMAP``, or ``KNATIVE-SCHEMA`` for non-string values).
    """
    return _gc(data, path)[1]


# --------------------------------------------------------------------------- config-deployment

_QUEUE_QUANTITY_KEYS: Final = tuple(
    f"queue-sidecar-{resource}-{kind}"
    for kind in ("request", "limit")
    for resource in ("cpu", "memory", "ephemeral-storage")
) + tuple(
    f"queueSidecar{resource}{kind}"
    for kind in ("Request", "Limit")
    for resource in ("CPU", "Memory", "EphemeralStorage")
)
_AFFINITY_TYPES: Final = frozenset({"none", "prefer-spread-revision-over-nodes"})


def _runtime_class_names(r: _Reader) -> None:
    raw = r.data.get("runtime-class-name")
    if raw is None or raw.strip() == "":
        return
    import yaml  # PyYAML is a project dependency; imported here to keep import time low

    key = "runtime-class-name"
    try:
        loaded = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        r.fail(
            key,
            f"runtime-class-name cannot be parsed, please check the format: {err}",
            allowed="a YAML map of class -> {selector: {label: value}}",
            hint=None,
        )
        return
    if loaded is None:
        return
    if not isinstance(loaded, Mapping):
        r.fail(
            key,
            "runtime-class-name cannot be parsed, please check the format: expected a map, got "
            f"{type(loaded).__name__}",
            allowed="a YAML map of class -> {selector: {label: value}}",
            hint=None,
        )
        return
    for cls, spec in loaded.items():
        messages = dns1123_subdomain_messages(str(cls))
        if messages:
            r.fail(
                key,
                f"runtime-class-name {cls} selector not valid DNSSubdomain: [{' '.join(messages)}]",
                allowed="class names that are DNS-1123 subdomains",
                hint=None,
            )
        if spec is not None and not (
            isinstance(spec, Mapping)
            and set(spec) <= {"selector"}
            and (spec.get("selector") is None or isinstance(spec.get("selector"), Mapping))
        ):
            r.fail(
                key,
                f"runtime-class-name cannot be parsed, please check the format: class {cls} must "
                "map to {selector: {label: value}}",
                allowed="a YAML map of class -> {selector: {label: value}}",
                hint=None,
            )


def _deployment(data: Mapping[str, object] | None, path: str) -> tuple[Parsed, list[Problem]]:
    r = _Reader(data, path, _WRAP_PLAIN)
    legacy_deadline = r.duration("progressDeadline", 600 * SECOND)
    deadline = r.duration("progress-deadline", legacy_deadline)
    legacy_digest = r.duration("digestResolutionTimeout", 10 * SECOND)
    digest = r.duration("digest-resolution-timeout", legacy_digest)
    for key in _QUEUE_QUANTITY_KEYS:
        r.quantity(key)
    r.boolean("pod-is-always-schedulable", False)
    image = r.data.get("queue-sidecar-image", r.data.get("queueSidecarImage", ""))
    if image == "":
        r.problems.append(
            problem(
                _CODE,
                r.at("queue-sidecar-image"),
                "queue-sidecar-image cannot be empty or unset",
                value=r.data.get("queue-sidecar-image"),
                allowed="the queue-proxy image of your Knative release",
                hint="Knative refuses a config-deployment without it; with kubectl apply the "
                "live value is kept when the key was never applied, so this is only a warning",
                severity="warning",
            )
        )
    if deadline <= 0:
        r.fail(
            "progress-deadline",
            f"progress-deadline cannot be a non-positive duration, was {_d(deadline)}",
            allowed="> 0s, whole seconds",
            hint=None,
        )
    if deadline % SECOND:
        r.fail(
            "progress-deadline",
            f"progress-deadline must be rounded to a whole second, was: {_d(deadline)}",
            allowed="> 0s, whole seconds",
            hint=None,
        )
    if digest <= 0:
        r.fail(
            "digest-resolution-timeout",
            f"digest-resolution-timeout cannot be a non-positive duration, was {_d(digest)}",
            allowed="> 0s",
            hint=None,
        )
    affinity = r.data.get("default-affinity-type")
    if affinity is not None and affinity not in _AFFINITY_TYPES:
        r.fail(
            "default-affinity-type",
            f"unsupported default-affinity-type value: {_go.quote(affinity)}",
            allowed="none, prefer-spread-revision-over-nodes",
            hint=None,
        )
    _runtime_class_names(r)
    return {"progress_deadline_seconds": _ceil_seconds(max(deadline, 0))}, r.problems


def check_config_deployment(data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Every problem in the data of ``config-deployment``, with Knative's texts.

    A missing ``queue-sidecar-image`` is a warning, not an error: Knative refuses the final
    object without it, but ``kubectl apply`` keeps a live key that was never applied.

    Args:
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.

    Returns:
        Errors (code ``KNATIVE-CONFIGMAP``, or ``KNATIVE-SCHEMA`` for non-string values).
    """
    return _deployment(data, path)[1]


# --------------------------------------------------------------------------- dispatch

_PARSERS: Final[Mapping[str, Callable[[Mapping[str, object] | None, str], tuple[Parsed, list[Problem]]]]] = {
    CONFIG_AUTOSCALER: _autoscaler,
    CONFIG_DEFAULTS: _defaults,
    CONFIG_DEPLOYMENT: _deployment,
    CONFIG_FEATURES: _features,
    CONFIG_GC: _gc,
}


def parse_configmap(
    name: str, data: Mapping[str, object] | None, *, path: str = "data"
) -> tuple[Parsed, list[Problem]]:
    """Parse one of the five ConfigMaps: ``(ClusterSettings field values, problems)``.

    Used by :meth:`ClusterSettings.from_configmaps
    <kn_constructs.knative.settings.ClusterSettings.from_configmaps>`; values that fail to parse
    keep Knative's default.

    Raises:
        KeyError: ``name`` is not one of :data:`CONFIGMAP_NAMES`.
    """
    return _PARSERS[name](data, path)


def check_configmap(name: str, data: Mapping[str, str], *, path: str = "data") -> list[Problem]:
    """Run the check for the ConfigMap called ``name``; ``[]`` for a name not known here.

    Args:
        name: ``config-autoscaler``, ``config-defaults``, ``config-deployment``,
            ``config-features`` or ``config-gc``.
        data: The ConfigMap's ``data``.
        path: Prefix of the problem paths.
    """
    parser = _PARSERS.get(name)
    return [] if parser is None else parser(data, path)[1]
