"""Knative's annotation rules: autoscaling, progress deadline, rollout, queue sidecar, networking.

Each check takes an annotations map as it appears in YAML (string values) and returns every
problem, in the order Knative's webhook checks them, with Knative's texts. Paths are
``f"{path}.{key}"`` with the key as found (a legacy camelCase alias keeps its own spelling), the
way Knative appends annotation keys to field paths.

Aliases: where Knative accepts both ``autoscaling.knative.dev/min-scale`` and the legacy
``autoscaling.knative.dev/minScale``, the kebab-case key wins when both are present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from kn_constructs.errors import Problem
from kn_constructs.knative import _go
from kn_constructs.knative import rules as kn
from kn_constructs.knative._problems import bounds, invalid, join, problem, schema
from kn_constructs.knative.durations import SECOND, format_go_duration_ns, parse_go_duration_ns
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings

__all__ = [
    "check_autoscaling_annotations",
    "check_no_autoscaling_annotations",
    "check_rollout_duration",
    "check_template_annotations",
]

_VALUE: Final = "KNATIVE-ANNOTATION-VALUE"
_SCALE: Final = "KNATIVE-SCALE-BOUNDS"
_DURATION: Final = "KNATIVE-DURATION"
_AUTOSCALING_GROUP: Final = kn.AUTOSCALING_PREFIX.rstrip("/")
_WINDOW_MIN_NS: Final = kn.WINDOW_MIN_SECONDS * SECOND
_WINDOW_MAX_NS: Final = kn.WINDOW_MAX_SECONDS * SECOND
_WINDOW_MAX_TEXT: Final = format_go_duration_ns(_WINDOW_MAX_NS)
_STRING_HINT: Final = 'annotation values are strings: quote the value in YAML (e.g. "3")'


#: What each bounded annotation means, for hints.
_KEY_HINTS: Final = {
    kn.ANN_WINDOW: "the stable window: 6s..1h in whole seconds (about 2 x pod startup)",
    kn.ANN_PANIC_WINDOW_PERCENTAGE: "the panic window as a % of the stable window: 1..100",
    kn.ANN_PANIC_THRESHOLD_PERCENTAGE: "panic mode starts at this % of capacity: 110..1000",
    kn.ANN_TARGET_UTILIZATION: "the share of the target each pod aims for: 1..100",
    kn.ANN_MIN_SCALE: "a whole number of pods, 0..2147483647",
    kn.ANN_MAX_SCALE: "a whole number of pods, 0..2147483647 (0 = unlimited)",
    kn.ANN_ACTIVATION_SCALE: "a whole number of pods, at least 2",
    kn.ANN_SCALE_DOWN_DELAY: "at most 1h, in whole seconds, e.g. 5m",
    kn.ANN_SCALE_TO_ZERO_POD_RETENTION: "at most 1h, e.g. 10m",
}


def _lookup(strs: Mapping[str, str], key: str) -> tuple[str, str] | None:
    """Knative's ``kmap.KeyPriority.Get``: the kebab-case key, else its legacy alias."""
    if key in strs:
        return key, strs[key]
    alias = kn.ANNOTATION_ALIASES.get(key)
    if alias is not None and alias in strs:
        return alias, strs[alias]
    return None


def _strings(
    annotations: Mapping[str, object] | None, path: str, *, autoscaling: bool
) -> tuple[dict[str, str], list[Problem]]:
    """Split off the string-valued annotations; report the others as schema problems.

    ``autoscaling`` selects which non-string values to report: the autoscaling ones or the rest.
    """
    if annotations is None:
        return {}, []
    if not isinstance(annotations, Mapping):
        return {}, ([schema(path, "object", annotations)] if autoscaling else [])
    strs: dict[str, str] = {}
    found: list[Problem] = []
    for key, value in annotations.items():
        if isinstance(value, str):
            strs[key] = value
        elif str(key).startswith(_AUTOSCALING_GROUP) == autoscaling:
            found.append(schema(join(path, str(key)), "string", value, hint=_STRING_HINT))
    return strs, found


# --------------------------------------------------------------------------- autoscaling


def _class(strs: Mapping[str, str], path: str) -> list[Problem]:
    value = strs.get(kn.ANN_CLASS)
    if value is None or not value.endswith(kn.KNATIVE_CLASS_SUFFIX):
        return []
    if value in (kn.KPA_CLASS, kn.HPA_CLASS):
        return []
    return [
        invalid(
            _VALUE,
            join(path, kn.ANN_CLASS),
            value,
            value=value,
            allowed=f"{kn.KPA_CLASS}, {kn.HPA_CLASS}, or a class outside *.knative.dev",
            hint="a *.knative.dev class must be the KPA or the HPA",
        )
    ]


def _int32_ge0(
    strs: Mapping[str, str], key: str, path: str, found: list[Problem]
) -> tuple[int, str | None, bool]:
    """Knative's ``getIntGE0``: ``(value or 0, key as found, parsed)``; appends problems."""
    got = _lookup(strs, key)
    if got is None:
        return 0, None, False
    k, v = got
    at = join(path, k)
    allowed = f"0..{kn.INT32_MAX}"
    hint = _KEY_HINTS.get(key)
    try:
        number = _go.parse_int(v, 32)
    except _go.GoNumError as err:
        if err.out_of_range:
            found.append(bounds(_VALUE, at, 0, v, kn.INT32_MAX, value=v, allowed=allowed, hint=hint))
        else:
            found.append(invalid(_VALUE, at, v, value=v, allowed=allowed, hint='a whole number, e.g. "3"'))
        return 0, k, False
    if number < 0:
        found.append(bounds(_VALUE, at, 0, v, kn.INT32_MAX, value=v, allowed=allowed, hint=hint))
        return 0, k, False
    return number, k, True


def _scale(strs: Mapping[str, str], settings: ClusterSettings, path: str) -> list[Problem]:
    found: list[Problem] = []
    low, _, _ = _int32_ge0(strs, kn.ANN_MIN_SCALE, path, found)
    high, high_key, _ = _int32_ge0(strs, kn.ANN_MAX_SCALE, path, found)
    if high != 0 and high < low and high_key is not None:
        found.append(
            problem(
                _SCALE,
                join(path, high_key),
                f"max-scale={high} is less than min-scale={low}",
                value=strs[high_key],
                allowed=f">= {low} (min-scale), or 0 for unlimited",
                hint="raise max-scale or lower min-scale",
            )
        )
    limit = settings.max_scale_limit
    if high_key is not None and limit != 0:
        at = join(path, high_key)
        if high > limit:
            found.append(
                bounds(
                    _SCALE,
                    at,
                    1,
                    high,
                    limit,
                    value=strs[high_key],
                    hint=f"config-autoscaler max-scale-limit is {limit}",
                )
            )
        if high == 0:
            found.append(
                problem(
                    _SCALE,
                    at,
                    f"max-scale=0 (unlimited), must be less than {limit}",
                    value=strs[high_key],
                    allowed=f"1..{limit}",
                    hint=f"config-autoscaler max-scale-limit is {limit}: unlimited is not allowed",
                )
            )
    activation, activation_key, parsed = _int32_ge0(strs, kn.ANN_ACTIVATION_SCALE, path, found)
    if activation_key is not None and parsed:
        at = join(path, activation_key)
        raw = strs[activation_key]
        if activation < kn.ACTIVATION_SCALE_MIN:
            found.append(
                problem(
                    _VALUE,
                    at,
                    f"activation-scale={activation} must be greater than 1",
                    value=raw,
                    allowed=">= 2",
                    hint="activation-scale 1 is the default behaviour: leave it out",
                )
            )
        elif low > activation:
            found.append(
                problem(
                    _SCALE,
                    at,
                    f"min-scale={low} is greater than activation-scale={activation}",
                    value=raw,
                    allowed=f">= {low} (min-scale)",
                )
            )
        elif high != 0 and high < activation:
            found.append(
                problem(
                    _SCALE,
                    at,
                    f"max-scale={high} is less than activation-scale={activation}",
                    value=raw,
                    allowed=f"<= {high} (max-scale)",
                )
            )
    return found


def _float_in_range(strs: Mapping[str, str], key: str, lo: float, hi: float, path: str) -> list[Problem]:
    got = _lookup(strs, key)
    if got is None:
        return []
    k, v = got
    try:
        number = _go.parse_float(v)
    except _go.GoNumError:
        number = None
    if number is not None and lo <= number <= hi:
        return []  # the common case: no formatting work
    at = join(path, k)
    allowed = f"{_go.format_v(lo)}..{_go.format_v(hi)}"
    if number is None:
        return [invalid(_VALUE, at, v, value=v, allowed=allowed, hint='a number, e.g. "70"')]
    if number < lo or number > hi:
        return [
            bounds(
                _VALUE,
                at,
                _go.format_v(lo),
                v,
                _go.format_v(hi),
                value=v,
                allowed=allowed,
                hint=_KEY_HINTS.get(key),
            )
        ]
    return []


def _floats(strs: Mapping[str, str], path: str) -> list[Problem]:
    found = _float_in_range(
        strs,
        kn.ANN_PANIC_WINDOW_PERCENTAGE,
        kn.PANIC_WINDOW_PERCENTAGE_MIN,
        kn.PANIC_WINDOW_PERCENTAGE_MAX,
        path,
    )
    found += _float_in_range(
        strs,
        kn.ANN_PANIC_THRESHOLD_PERCENTAGE,
        kn.PANIC_THRESHOLD_PERCENTAGE_MIN,
        kn.PANIC_THRESHOLD_PERCENTAGE_MAX,
        path,
    )
    target = strs.get(kn.ANN_TARGET)
    if target is not None:
        at = join(path, kn.ANN_TARGET)
        try:
            number = _go.parse_float(target)
        except _go.GoNumError:
            found.append(
                invalid(_VALUE, at, target, value=target, allowed=">= 0.01", hint='a number, e.g. "8"')
            )
        else:
            if number < kn.TARGET_MIN:
                found.append(
                    problem(
                        _VALUE,
                        at,
                        f"target {target} should be at least {_go.format_v(kn.TARGET_MIN)}",
                        value=target,
                        allowed=">= 0.01",
                    )
                )
    found += _float_in_range(
        strs,
        kn.ANN_TARGET_UTILIZATION,
        kn.TARGET_UTILIZATION_MIN,
        kn.TARGET_UTILIZATION_MAX,
        path,
    )
    got = _lookup(strs, kn.ANN_TARGET_BURST_CAPACITY)
    if got is not None:
        k, v = got
        try:
            number = _go.parse_float(v)
            bad = number < 0 and number != -1
        except _go.GoNumError:
            bad = True
        if bad:
            found.append(
                invalid(
                    _VALUE,
                    join(path, k),
                    v,
                    value=v,
                    allowed=">= 0, or -1 for unlimited",
                    hint="-1 keeps the activator always in the request path",
                )
            )
    return found


def _duration(
    strs: Mapping[str, str],
    key: str,
    path: str,
    lo_ns: int,
    *,
    whole_seconds: bool,
) -> list[Problem]:
    got = _lookup(strs, key)
    if got is None:
        return []
    k, v = got
    at = join(path, k)
    lo_text = format_go_duration_ns(lo_ns)
    allowed = f"{lo_text}..1h" + (", whole seconds" if whole_seconds else "")
    try:
        ns = parse_go_duration_ns(v)
    except ValueError:
        return [invalid(_VALUE, at, v, value=v, allowed=allowed, hint="a Go duration with a unit, e.g. 60s")]
    if ns < lo_ns or ns > _WINDOW_MAX_NS:
        return [
            bounds(
                _VALUE,
                at,
                lo_text,
                v,
                _WINDOW_MAX_TEXT,
                value=v,
                allowed=allowed,
                hint=_KEY_HINTS.get(key),
            )
        ]
    if whole_seconds and ns % SECOND:
        return [
            problem(
                _VALUE,
                at,
                "must be specified with at most second precision",
                value=v,
                allowed=allowed,
                hint="round to whole seconds, e.g. 40s",
            )
        ]
    return []


def _metric(strs: Mapping[str, str], settings: ClusterSettings, path: str) -> list[Problem]:
    metric = strs.get(kn.ANN_METRIC)
    if metric is None:
        return []
    cls = strs.get(kn.ANN_CLASS, settings.pod_autoscaler_class)
    at = join(path, kn.ANN_METRIC)
    if cls == kn.KPA_CLASS and metric not in kn.KPA_METRICS:
        return [
            invalid(
                _VALUE,
                at,
                metric,
                value=metric,
                allowed="concurrency or rps (KPA)",
                hint="cpu and memory need the HPA class (hpa.autoscaling.knative.dev)",
            )
        ]
    if cls == kn.HPA_CLASS and metric == "":
        return [invalid(_VALUE, at, metric, value=metric, allowed="a non-empty metric (HPA)")]
    return []


def _algorithm(strs: Mapping[str, str], path: str) -> list[Problem]:
    if strs.get(kn.ANN_CLASS) != kn.KPA_CLASS:
        return []  # only validated when the class annotation is literally the KPA
    got = _lookup(strs, kn.ANN_METRIC_AGGREGATION)
    if got is None or got[1] == "" or got[1] in kn.AGGREGATION_ALGORITHMS:
        return []
    k, v = got
    return [
        invalid(
            _VALUE,
            join(path, k),
            v,
            value=v,
            allowed=", ".join(sorted(kn.AGGREGATION_ALGORITHMS)),
        )
    ]


def _initial_scale(strs: Mapping[str, str], settings: ClusterSettings, path: str) -> list[Problem]:
    got = _lookup(strs, kn.ANN_INITIAL_SCALE)
    if got is None:
        return []
    k, v = got
    at = join(path, k)
    allowed = ">= 0" if settings.allow_zero_initial_scale else ">= 1"
    try:
        number = _go.parse_int(v, func="Atoi")
    except _go.GoNumError:
        return [invalid(_VALUE, at, v, value=v, allowed=allowed, hint='a whole number, e.g. "1"')]
    if number < 0:
        return [
            problem(
                _VALUE,
                at,
                f"invalid value: {v}: initial-scale must be greater than 0",
                value=v,
                allowed=allowed,
            )
        ]
    if number == 0 and not settings.allow_zero_initial_scale:
        return [
            problem(
                _SCALE,
                at,
                f"invalid value: {v}: initial-scale=0 not allowed by cluster",
                value=v,
                allowed=allowed,
                hint='config-autoscaler must set allow-zero-initial-scale: "true" for 0',
            )
        ]
    return []


def check_autoscaling_annotations(
    annotations: Mapping[str, str],
    *,
    settings: ClusterSettings = DEFAULT_SETTINGS,
    path: str = "metadata.annotations",
) -> list[Problem]:
    """Every problem with the ``autoscaling.knative.dev/*`` annotations of a revision template.

    Mirrors ``ValidateAnnotations`` (class, min/max/activation scale and max-scale-limit,
    panic window/threshold, target, utilization, burst capacity, window, retention,
    scale-down-delay, metric, aggregation algorithm, initial-scale), using the cluster's
    ``max-scale-limit``, ``allow-zero-initial-scale`` and ``pod-autoscaler-class``.

    Args:
        annotations: The annotations, values as strings (as in YAML).
        settings: The cluster settings.
        path: Path of the annotations map; problem paths are ``f"{path}.{key}"``.

    Returns:
        The problems, codes ``KNATIVE-ANNOTATION-VALUE``, ``KNATIVE-SCALE-BOUNDS`` or
        ``KNATIVE-SCHEMA`` (a value that is not a string).
    """
    strs, found = _strings(annotations, path, autoscaling=True)
    found += _class(strs, path)
    found += _scale(strs, settings, path)
    found += _floats(strs, path)
    found += _duration(strs, kn.ANN_WINDOW, path, _WINDOW_MIN_NS, whole_seconds=True)
    found += _duration(strs, kn.ANN_SCALE_TO_ZERO_POD_RETENTION, path, 0, whole_seconds=False)
    found += _duration(strs, kn.ANN_SCALE_DOWN_DELAY, path, 0, whole_seconds=True)
    found += _metric(strs, settings, path)
    found += _algorithm(strs, path)
    found += _initial_scale(strs, settings, path)
    return found


# --------------------------------------------------------------------------- other template keys


def _serving_duration(strs: Mapping[str, str], keys: tuple[str, ...], name: str, path: str) -> list[Problem]:
    """progress-deadline / rollout-duration: Go duration, whole seconds, not negative."""
    got = next(((k, strs[k]) for k in keys if k in strs), None)
    if got is None or got[1] == "":
        return []
    k, v = got
    at = join(path, k)
    allowed = ">= 0s, whole seconds"
    try:
        ns = parse_go_duration_ns(v)
    except ValueError:
        return [
            invalid(
                _DURATION,
                at,
                v,
                value=v,
                allowed=allowed,
                hint="a Go duration with a unit, e.g. 600s or 10m (a bare number is invalid)",
            )
        ]
    if ns % SECOND:
        return [
            problem(
                _DURATION,
                at,
                f"{name}={v} is not at second precision",
                value=v,
                allowed=allowed,
                hint="round to whole seconds",
            )
        ]
    if ns < 0:
        return [problem(_DURATION, at, f"{name}={v} must be positive", value=v, allowed=allowed)]
    return []


def _queue_sidecar(strs: Mapping[str, str], path: str) -> list[Problem]:
    found: list[Problem] = []
    for key in sorted(kn.QUEUE_SIDECAR_RESOURCE_ANNOTATIONS.intersection(strs)):
        v = strs[key]
        if _go.quantity_error(v) is not None:
            found.append(
                invalid(
                    _VALUE,
                    join(path, key),
                    v,
                    value=v,
                    allowed="a Kubernetes quantity such as 100m or 256Mi",
                )
            )
    got = next(
        (
            (k, strs[k])
            for k in (kn.ANN_QUEUE_RESOURCE_PERCENTAGE, kn.ANN_QUEUE_RESOURCE_PERCENTAGE_ALIAS)
            if k in strs
        ),
        None,
    )
    if got is not None:
        k, v = got
        at = join(path, k)
        allowed = "0.1..100"
        try:
            number = _go.parse_float(v)
        except _go.GoNumError:
            found.append(invalid(_VALUE, at, v, value=v, allowed=allowed))
        else:
            if number < kn.QUEUE_RESOURCE_PERCENTAGE_MIN or number > kn.QUEUE_RESOURCE_PERCENTAGE_MAX:
                found.append(
                    bounds(
                        _VALUE,
                        at,
                        _go.format_v(kn.QUEUE_RESOURCE_PERCENTAGE_MIN),
                        _go.format_v(number),
                        _go.format_v(kn.QUEUE_RESOURCE_PERCENTAGE_MAX),
                        value=v,
                        allowed=allowed,
                    )
                )
        found.append(
            problem(
                _VALUE,
                at,
                f"{k} is deprecated",
                value=v,
                allowed=None,
                hint="set queue-proxy resources with the queue.sidecar.serving.knative.dev/"
                "<resource>-resource-<request|limit> annotations or in config-deployment",
                severity="warning",
            )
        )
    return found


def _networking(annotations: Mapping[str, object], path: str) -> list[Problem]:
    return [
        problem(
            "KNATIVE-ANNOTATION-KEY",
            join(path, key),
            f"invalid key name {_go.quote(key)}",
            value=key,
            allowed=", ".join(sorted(kn.NETWORKING_TEMPLATE_ANNOTATIONS)),
            hint="set networking annotations such as visibility on the Service or Route, "
            "not on the revision template",
        )
        for key in annotations
        if isinstance(key, str)
        and key.startswith(kn.NETWORKING_PREFIX)
        and key not in kn.NETWORKING_TEMPLATE_ANNOTATIONS
    ]


def check_template_annotations(
    annotations: Mapping[str, str],
    *,
    settings: ClusterSettings = DEFAULT_SETTINGS,
    path: str = "spec.template.metadata.annotations",
) -> list[Problem]:
    """Every problem with the annotations of a revision template.

    The autoscaling checks of :func:`check_autoscaling_annotations`, plus
    ``serving.knative.dev/progress-deadline`` (Go duration, whole seconds, >= 0), the
    queue-proxy resource annotations (Kubernetes quantities; the deprecated
    ``resource-percentage`` 0.1..100 always warns) and the ``networking.knative.dev/*``
    allow-list.

    Args:
        annotations: The template's annotations, values as strings.
        settings: The cluster settings.
        path: Path of the annotations map.

    Returns:
        The problems, in Knative's order.
    """
    found = check_autoscaling_annotations(annotations, settings=settings, path=path)
    strs, schema_problems = _strings(annotations, path, autoscaling=False)
    found += schema_problems
    found += _serving_duration(strs, (kn.ANN_PROGRESS_DEADLINE,), "progress-deadline", path)
    found += _queue_sidecar(strs, path)
    if isinstance(annotations, Mapping):
        found += _networking(annotations, path)
    return found


def check_no_autoscaling_annotations(
    annotations: Mapping[str, str], *, path: str = "metadata.annotations"
) -> list[Problem]:
    """Autoscaling annotations where Knative refuses them: Service/Configuration/Route metadata.

    Args:
        annotations: The object's own ``metadata.annotations``.
        path: Path of the annotations map.

    Returns:
        One ``KNATIVE-ANNOTATION-LOCATION`` error per autoscaling key
        (``invalid key name "autoscaling.knative.dev/min-scale"``).
    """
    if not isinstance(annotations, Mapping):
        return []
    return [
        problem(
            "KNATIVE-ANNOTATION-LOCATION",
            join(path, key),
            f"invalid key name {_go.quote(key)}",
            value=annotations[key],
            allowed="spec.template.metadata.annotations",
            hint='autoscaling annotations must be put under "spec.template.metadata.annotations" to work',
        )
        for key in annotations
        if isinstance(key, str) and key.startswith(_AUTOSCALING_GROUP)
    ]


def check_rollout_duration(
    annotations: Mapping[str, str], *, path: str = "metadata.annotations"
) -> list[Problem]:
    """``serving.knative.dev/rollout-duration`` (alias ``rolloutDuration``) on a Service or Route.

    Args:
        annotations: The Service's or Route's own ``metadata.annotations``.
        path: Path of the annotations map.

    Returns:
        ``KNATIVE-DURATION`` errors: not a Go duration, not whole seconds, or negative.
    """
    strs, _ = _strings(annotations, path, autoscaling=False)
    return _serving_duration(
        strs, (kn.ANN_ROLLOUT_DURATION, kn.ANN_ROLLOUT_DURATION_ALIAS), "rollout-duration", path
    )
