"""Autoscaling as a typed, validated object: :class:`AutoscalerProfile`.

The knobs of Knative's KPA (metric, utilization, stable and panic windows, panic
threshold, scale-down delay, scale bounds) with safe defaults, presets for the goals
of KN-AS-2, and :meth:`AutoscalerProfile.from_startup`, which derives the windows
from measured pod startup (KN-AS-3, KN-AS-4).

Profiles are plain values: building one checks only the argument types (``KNC-TYPE``,
``KNC-PROP``; see :mod:`kn_constructs._boundary`). Their range problems are reported
when a construct uses them (so that every problem of a service is listed at once),
or on demand with :meth:`AutoscalerProfile.validate`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs._format import format_number, format_seconds
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.knative import rules as kn
from kn_constructs.knative.annotations import check_autoscaling_annotations
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings

__all__ = ["AutoscalerProfile", "Metric", "StartupTime", "TrafficShape"]

Metric = Literal["concurrency", "rps"]
TrafficShape = Literal["steady", "smooth", "spiky"]

#: Default target utilization (KN-CONC-3: start at 90-95 %, always written).
DEFAULT_UTILIZATION = 90.0
#: A target utilization below this warns (KN-CONC-3): many GPUs would sit idle.
UTILIZATION_WARN_BELOW = 70.0
#: Points taken off the utilization for spiky traffic (KN-AS-8: 5-10 points).
SPIKY_UTILIZATION_DROP = 10.0
#: Panic window percentage when the stable window is derived from startup (KN-AS-4).
DERIVED_PANIC_WINDOW_PERCENTAGE = 50.0
#: Default panic threshold (KN-AS-5: 200 % or more until scaling is stable).
DEFAULT_PANIC_THRESHOLD = 200.0
#: Smooth traffic lengthens the derived stable window by this factor (KN-AS-3).
SMOOTH_WINDOW_FACTOR = 1.5
#: z-score of the 95th percentile of a normal distribution (spread -> p95 estimate).
_Z95 = 1.645

#: Each autoscaling annotation, the profile field it comes from, and its practice.
ANNOTATION_FIELDS: Mapping[str, tuple[str, str]] = {
    kn.ANN_CLASS: ("metric", "KN-AS-1"),
    kn.ANN_METRIC: ("metric", "KN-AS-1"),
    kn.ANN_TARGET: ("target", "KN-CONC-2"),
    kn.ANN_TARGET_UTILIZATION: ("target_utilization_percentage", "KN-CONC-3"),
    kn.ANN_WINDOW: ("window_seconds", "KN-AS-3"),
    kn.ANN_PANIC_WINDOW_PERCENTAGE: ("panic_window_percentage", "KN-AS-4"),
    kn.ANN_PANIC_THRESHOLD_PERCENTAGE: ("panic_threshold_percentage", "KN-AS-5"),
    kn.ANN_MIN_SCALE: ("min_scale", "KN-SCALE-1"),
    kn.ANN_MAX_SCALE: ("max_scale", "KN-SCALE-2"),
    kn.ANN_INITIAL_SCALE: ("initial_scale", "KN-SCALE-3"),
    kn.ANN_ACTIVATION_SCALE: ("activation_scale", "KN-SCALE-1"),
    kn.ANN_SCALE_DOWN_DELAY: ("scale_down_delay_seconds", "KN-AS-7"),
    kn.ANN_TARGET_BURST_CAPACITY: ("target_burst_capacity", "KN-AS-1"),
    kn.ANN_METRIC_AGGREGATION: ("aggregation", "KN-AS-1"),
}


@checked_dataclass
@dataclass(frozen=True)
class StartupTime:
    """Measured pod startup: scheduling, image pull, model load, until ready.

    Measure it in the scenario that matters (one pod alone starts faster than many at
    once, KN-AS-2). Give the mean, and the spread or the 95th percentile if known.

    Attributes:
        mean_seconds: Mean startup in seconds; > 0.
        spread_seconds: Standard deviation in seconds, if known; >= 0.
        p95_seconds: 95th percentile in seconds, if known; >= mean.
    """

    mean_seconds: float
    spread_seconds: float | None = None
    p95_seconds: float | None = None

    @property
    def p95_estimate_seconds(self) -> float:
        """The 95th percentile: as given, else ``mean + 1.645 x spread``, else the mean."""
        if self.p95_seconds is not None:
            return float(self.p95_seconds)
        if self.spread_seconds is not None:
            return self.mean_seconds + _Z95 * self.spread_seconds
        return float(self.mean_seconds)

    @property
    def worst_case_seconds(self) -> float:
        """A pessimistic startup for deadlines.

        With a measured p95 or spread: that p95 estimate. With only a mean: twice the
        mean (nothing is known of the tail, so assume a long one).
        """
        if self.p95_seconds is None and self.spread_seconds is None:
            return 2.0 * self.mean_seconds
        return self.p95_estimate_seconds

    def problems(self, path: str = "startup") -> list[Problem]:
        """Check that the measurements are positive and consistent."""
        found = []
        for name in ("mean_seconds", "spread_seconds", "p95_seconds"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                found.append(
                    Problem(
                        "KN-AS-2",
                        f"{path}.{name}",
                        f"invalid value: {value}",
                        value=value,
                        allowed="a finite number of seconds",
                    )
                )
        if not found and not math.isfinite(2 * self.p95_estimate_seconds):
            found.append(
                Problem(
                    "KN-AS-2",
                    f"{path}.spread_seconds",
                    f"invalid value: {self.spread_seconds}",
                    value=self.spread_seconds,
                    allowed="a spread that gives a finite p95",
                )
            )
        if found:
            return found
        if not self.mean_seconds > 0:
            found.append(
                Problem(
                    "KN-AS-2",
                    f"{path}.mean_seconds",
                    f"expected 0 < {format_number(self.mean_seconds)}",
                    value=self.mean_seconds,
                    allowed="> 0 seconds",
                    hint="measure the time from pod creation to ready",
                )
            )
        if self.spread_seconds is not None and self.spread_seconds < 0:
            found.append(
                Problem(
                    "KN-AS-2",
                    f"{path}.spread_seconds",
                    f"expected 0 <= {format_number(self.spread_seconds)}",
                    value=self.spread_seconds,
                    allowed=">= 0 seconds",
                )
            )
        if self.p95_seconds is not None and self.p95_seconds < self.mean_seconds:
            found.append(
                Problem(
                    "KN-AS-2",
                    f"{path}.p95_seconds",
                    f"p95 {format_number(self.p95_seconds)}s is below the mean"
                    f" {format_number(self.mean_seconds)}s",
                    value=self.p95_seconds,
                    allowed=f">= {format_number(self.mean_seconds)}",
                )
            )
        return found


@checked_dataclass
@dataclass(frozen=True)
class AutoscalerProfile:
    """Knative KPA settings for one service, with the practice behind each default.

    The knobs that shape scaling (class, metric, target, utilization, windows, panic
    threshold) are always written explicitly as ``spec.template.metadata.annotations``,
    so the YAML never depends on cluster defaults nobody chose. Optional knobs are
    written only when set (scale-down delay when not 0, activation scale, burst
    capacity, aggregation); the scale bounds are written by the service; ``goal``,
    ``startup``, ``traffic`` and the rate wishes are inputs, never annotations.

    Attributes:
        goal: A label for the intent: ``"balanced"`` (default), ``"latency"``,
            ``"cost"`` or ``"spiky"``. Informational.
        metric: ``"concurrency"`` (default; KN-AS-1) or ``"rps"``.
            Becomes ``autoscaling.knative.dev/metric``; the class is always KPA.
        target: The soft target per pod, or ``None`` (default) to derive it from the
            service's batching (KN-CONC-2). Becomes ``autoscaling.knative.dev/target``;
            Knative requires >= 0.01.
        target_utilization_percentage: Share of the target at which Knative scales up.
            Default 90 (KN-CONC-3; Knative's own default is 70). Allowed 1..100;
            below 70 warns. Becomes ``autoscaling.knative.dev/target-utilization-percentage``.
        window_seconds: The stable window in whole seconds. Default 60 (Knative's).
            Allowed 6..3600. Becomes ``autoscaling.knative.dev/window`` (KN-AS-3).
        panic_window_percentage: The panic window as a percentage of the stable
            window. Default 10 (Knative's). Allowed 1..100. Becomes
            ``autoscaling.knative.dev/panic-window-percentage`` (KN-AS-4).
        panic_threshold_percentage: Demand over capacity that triggers panic mode.
            Default 200 (KN-AS-5). Allowed 110..1000. Becomes
            ``autoscaling.knative.dev/panic-threshold-percentage``.
        scale_down_delay_seconds: How long a scale-down decision must hold before it
            acts. Default 0. Allowed 0..3600 whole seconds. Becomes
            ``autoscaling.knative.dev/scale-down-delay``.
        min_scale: Intended min-scale, or ``None`` to leave it to the service (which
            defaults to 0: scale to zero, KN-SCALE-1).
        max_scale: Intended max-scale, or ``None`` to leave it to the service (KN-SCALE-2).
        initial_scale: Intended initial-scale, or ``None`` (Knative's default of 1).
        activation_scale: Pods to start when scaling from zero, or ``None``. Knative
            requires >= 2. Becomes ``autoscaling.knative.dev/activation-scale``.
        target_burst_capacity: Spare capacity kept before the activator leaves the
            request path, or ``None`` (Knative's default, 211). ``-1`` means the
            activator is always in the path.
        aggregation: ``"linear"`` or ``"weighted-exponential"`` window averaging, or
            ``None`` (Knative's default, linear).
        startup: The measured pod startup the windows were derived from, if any. Also
            used for the progress deadline and the startup probe.
        traffic: ``"steady"`` (default), ``"smooth"`` or ``"spiky"`` (KN-AS-8).
        max_scale_up_rate: A wish for the cluster-wide ``max-scale-up-rate``, or ``None``
            (default: no wish). Knative has no per-service knob (KN-AS-6): the value goes
            to ``config-autoscaler`` through a ``KnativeClusterConfig``, and services that
            wish for different values are an error. Knative requires > 1.0.
        max_scale_down_rate: The same for ``max-scale-down-rate`` (> 1.0).
    """

    goal: str = "balanced"
    metric: Metric = "concurrency"
    target: float | None = None
    target_utilization_percentage: float = DEFAULT_UTILIZATION
    window_seconds: int = 60
    panic_window_percentage: float = 10.0
    panic_threshold_percentage: float = DEFAULT_PANIC_THRESHOLD
    scale_down_delay_seconds: int = 0
    min_scale: int | None = None
    max_scale: int | None = None
    initial_scale: int | None = None
    activation_scale: int | None = None
    target_burst_capacity: float | None = None
    aggregation: Literal["linear", "weighted-exponential"] | None = None
    startup: StartupTime | None = None
    traffic: TrafficShape = "steady"
    max_scale_up_rate: float | None = None
    max_scale_down_rate: float | None = None

    # ----------------------------------------------------------------- presets

    @classmethod
    @checked
    def from_startup(
        cls,
        mean_seconds: float,
        *,
        spread_seconds: float | None = None,
        p95_seconds: float | None = None,
        traffic: TrafficShape = "steady",
    ) -> AutoscalerProfile:
        """Derive the windows from measured pod startup (KN-AS-2, KN-AS-3, KN-AS-4).

        * stable window = ``ceil(2 x p95 startup)`` whole seconds, where the p95 is
          the measured one, else ``mean + 1.645 x spread``, else the mean; x 1.5 for
          smooth traffic; kept within Knative's 6 s..1 h (a warning says when);
        * panic window = 50 % of the stable window (so about the startup time);
        * target utilization 90 %, or 80 % for spiky traffic (KN-AS-8);
        * panic threshold 200 % (KN-AS-5).

        Args:
            mean_seconds: Mean pod startup in seconds.
            spread_seconds: Its standard deviation, if measured.
            p95_seconds: Its 95th percentile, if measured.
            traffic: ``"steady"``, ``"smooth"`` or ``"spiky"``.
        """
        startup = StartupTime(mean_seconds, spread_seconds, p95_seconds)
        return cls(
            goal="balanced",
            window_seconds=_derived_window(startup, traffic),
            panic_window_percentage=DERIVED_PANIC_WINDOW_PERCENTAGE,
            target_utilization_percentage=_utilization_for(traffic),
            startup=startup,
            traffic=traffic,
        )

    @classmethod
    @checked
    def latency_first(
        cls,
        mean_seconds: float,
        *,
        spread_seconds: float | None = None,
        p95_seconds: float | None = None,
        traffic: TrafficShape = "steady",
    ) -> AutoscalerProfile:
        """Latency first: one warm pod always, headroom, slow to give pods back.

        :meth:`from_startup` plus min-scale 1 (no cold start, KN-SCALE-1), 5 points
        less utilization for headroom, and a scale-down delay of one stable window.
        """
        base = cls.from_startup(
            mean_seconds, spread_seconds=spread_seconds, p95_seconds=p95_seconds, traffic=traffic
        )
        return dataclasses.replace(
            base,
            goal="latency",
            min_scale=1,
            target_utilization_percentage=base.target_utilization_percentage - 5,
            scale_down_delay_seconds=base.window_seconds,
        )

    @classmethod
    @checked
    def cost_first(
        cls,
        mean_seconds: float,
        *,
        spread_seconds: float | None = None,
        p95_seconds: float | None = None,
    ) -> AutoscalerProfile:
        """Cost first: scale to zero, run pods full, panic only on a real surge.

        :meth:`from_startup` plus min-scale 0, utilization 95 % (the top of KN-CONC-3's
        starting range) and a panic threshold of 300 %.
        """
        base = cls.from_startup(mean_seconds, spread_seconds=spread_seconds, p95_seconds=p95_seconds)
        return dataclasses.replace(
            base,
            goal="cost",
            min_scale=0,
            target_utilization_percentage=95.0,
            panic_threshold_percentage=300.0,
        )

    @classmethod
    @checked
    def spiky_traffic(
        cls,
        mean_seconds: float,
        *,
        spread_seconds: float | None = None,
        p95_seconds: float | None = None,
    ) -> AutoscalerProfile:
        """Spiky traffic: scale 10 points earlier (KN-AS-8) and keep pods through the dip.

        :meth:`from_startup` with ``traffic="spiky"`` (utilization 80 %) and a
        scale-down delay of twice the mean startup, so a pod started for one spike is
        still there for the next (KN-AS-7: gentle scale-down after aggressive scale-up).
        """
        base = cls.from_startup(
            mean_seconds, spread_seconds=spread_seconds, p95_seconds=p95_seconds, traffic="spiky"
        )
        twice = min(2 * mean_seconds, float(kn.SCALE_DOWN_DELAY_MAX_SECONDS))  # 2 x 1e308 is inf
        delay = min(kn.SCALE_DOWN_DELAY_MAX_SECONDS, max(0, math.ceil(twice)))
        return dataclasses.replace(base, goal="spiky", scale_down_delay_seconds=delay)

    def replace(self, **changes: object) -> AutoscalerProfile:
        """A copy with some fields changed (``profile.replace(min_scale=1)``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- rendering

    @property
    def panic_window_seconds(self) -> int:
        """The panic window in seconds, rounded as Knative rounds it (at least 1)."""
        # Go's Duration.Round rounds halves away from zero; Python's round() would not.
        return max(1, math.floor(self.window_seconds * self.panic_window_percentage / 100 + 0.5))

    def annotations(self, *, target: float | None = None) -> dict[str, str]:
        """The template annotations for this profile (scale bounds excluded).

        Args:
            target: The soft target to write when the profile has none of its own.
        """
        effective_target = self.target if self.target is not None else target
        ann = {
            kn.ANN_CLASS: kn.KPA_CLASS,
            kn.ANN_METRIC: self.metric,
        }
        if effective_target is not None:
            ann[kn.ANN_TARGET] = format_number(effective_target)
        ann[kn.ANN_TARGET_UTILIZATION] = format_number(self.target_utilization_percentage)
        ann[kn.ANN_WINDOW] = format_seconds(self.window_seconds)
        ann[kn.ANN_PANIC_WINDOW_PERCENTAGE] = format_number(self.panic_window_percentage)
        ann[kn.ANN_PANIC_THRESHOLD_PERCENTAGE] = format_number(self.panic_threshold_percentage)
        if self.scale_down_delay_seconds:
            ann[kn.ANN_SCALE_DOWN_DELAY] = format_seconds(self.scale_down_delay_seconds)
        if self.activation_scale is not None:
            ann[kn.ANN_ACTIVATION_SCALE] = str(self.activation_scale)
        if self.target_burst_capacity is not None:
            ann[kn.ANN_TARGET_BURST_CAPACITY] = format_number(self.target_burst_capacity)
        if self.aggregation is not None:
            ann[kn.ANN_METRIC_AGGREGATION] = self.aggregation
        return ann

    def derivations(self) -> list[Derivation]:
        """How the derived windows and utilization came about (empty without a startup)."""
        if self.startup is None:
            return []
        s = self.startup
        inputs = {
            "mean_seconds": s.mean_seconds,
            "spread_seconds": s.spread_seconds,
            "p95_seconds": s.p95_seconds,
            "traffic": self.traffic,
        }
        factor = " x 1.5 (smooth traffic)" if self.traffic == "smooth" else ""
        return [
            Derivation(
                kn.ANN_WINDOW,
                format_seconds(self.window_seconds),
                inputs,
                "KN-AS-3",
                f"ceil(2 x p95 startup){factor}, within 6s..1h",
            ),
            Derivation(
                kn.ANN_PANIC_WINDOW_PERCENTAGE,
                format_number(self.panic_window_percentage),
                {"window_seconds": self.window_seconds},
                "KN-AS-4",
                "50 % of a stable window of 2 x startup: panic window ~ startup",
            ),
            Derivation(
                kn.ANN_TARGET_UTILIZATION,
                format_number(self.target_utilization_percentage),
                {"traffic": self.traffic},
                "KN-CONC-3" if self.traffic != "spiky" else "KN-AS-8",
                "90 %, 10 points lower for spiky traffic",
            ),
        ]

    # ----------------------------------------------------------------- checks

    def problems(
        self,
        path: str = "autoscaling",
        *,
        settings: ClusterSettings = DEFAULT_SETTINGS,
        annotation_paths: Mapping[str, str] | None = None,
        extra_annotations: Mapping[str, str] | None = None,
        extra_values: Mapping[str, object] | None = None,
    ) -> list[Problem]:
        """Every problem with this profile: Knative's ranges and the practices.

        Args:
            path: Prefix of the problem paths (``llama.autoscaling``).
            settings: The cluster settings to check against.
            annotation_paths: Overrides of where an annotation's problem is reported
                (annotation key -> full path), for values the caller set (a service's
                ``min_scale`` prop). Keys not listed map to ``<path>.<field>``.
            extra_annotations: More template annotations to check together with the
                profile's (target, scale bounds), so cross-field rules see them all.
            extra_values: The values as given behind ``extra_annotations``, by key.
        """
        ann = self.annotations(target=1)
        ann.update(extra_annotations or {})
        for key, value in (
            (kn.ANN_MIN_SCALE, self.min_scale),
            (kn.ANN_MAX_SCALE, self.max_scale),
            (kn.ANN_INITIAL_SCALE, self.initial_scale),
        ):
            if value is not None and key not in ann:
                ann[key] = str(value)
        given: dict[str, object] = {
            key: getattr(self, field_name)
            for key, (field_name, _) in ANNOTATION_FIELDS.items()
            if key not in (kn.ANN_CLASS, kn.ANN_METRIC)
        }
        given.update(extra_values or {})
        found = knative_problems(
            ann, path=path, settings=settings, annotation_paths=annotation_paths, values=given
        )
        if self.startup is not None:
            found.extend(self.startup.problems(f"{path}.startup"))
        found.extend(self._practice_problems(path))
        return found

    def validate(self, *, settings: ClusterSettings = DEFAULT_SETTINGS) -> AutoscalerProfile:
        """Raise :class:`~kn_constructs.errors.ValidationError` if the profile has errors; else return it."""
        raise_for_errors(self.problems(settings=settings), subject="AutoscalerProfile")
        return self

    def _practice_problems(self, path: str) -> list[Problem]:
        found: list[Problem] = []
        if 1 <= self.target_utilization_percentage < UTILIZATION_WARN_BELOW:
            found.append(
                Problem(
                    "KN-CONC-3",
                    f"{path}.target_utilization_percentage",
                    f"target utilization {format_number(self.target_utilization_percentage)} % keeps"
                    " many GPUs idle",
                    value=self.target_utilization_percentage,
                    allowed="70..100 (start at 90..95)",
                    hint="raise it toward 90-95 % and tune from measurements",
                    severity="warning",
                )
            )
        if self.metric != "concurrency":
            found.append(
                Problem(
                    "KN-AS-1",
                    f"{path}.metric",
                    f"metric {self.metric!r}: GPU services scale best on concurrency",
                    value=self.metric,
                    allowed="concurrency",
                    severity="warning",
                )
            )
        startup = self.startup
        if startup is not None and not startup.problems():
            if kn.WINDOW_MIN_SECONDS <= self.window_seconds < math.ceil(startup.mean_seconds):
                found.append(
                    Problem(
                        "KN-AS-3",
                        f"{path}.window_seconds",
                        f"stable window {self.window_seconds}s is shorter than the mean pod"
                        f" startup {format_number(startup.mean_seconds)}s",
                        value=self.window_seconds,
                        allowed=f">= {math.ceil(startup.mean_seconds)} (the mean startup);"
                        f" {math.ceil(2 * startup.mean_seconds)} (2 x) recommended",
                        hint="use AutoscalerProfile.from_startup(...) to derive it",
                        severity="warning",
                    )
                )
            raw = _raw_window(startup, self.traffic)
            whole = math.ceil(raw) if math.isfinite(raw) else raw
            if self.window_seconds == kn.WINDOW_MAX_SECONDS and whole > kn.WINDOW_MAX_SECONDS:
                found.append(_clamp_warning(path, raw, kn.WINDOW_MAX_SECONDS))
            elif self.window_seconds == kn.WINDOW_MIN_SECONDS and whole < kn.WINDOW_MIN_SECONDS:
                found.append(_clamp_warning(path, raw, kn.WINDOW_MIN_SECONDS))
            window_ok = kn.WINDOW_MIN_SECONDS <= self.window_seconds <= kn.WINDOW_MAX_SECONDS
            if (
                window_ok
                and 1 <= self.panic_window_percentage <= 100
                and self.panic_window_seconds < startup.mean_seconds
            ):
                found.append(
                    Problem(
                        "KN-AS-4",
                        f"{path}.panic_window_percentage",
                        f"panic window {self.panic_window_seconds}s is shorter than the mean pod"
                        f" startup {format_number(startup.mean_seconds)}s: the autoscaler keeps"
                        " adding pods while earlier ones are still starting",
                        value=self.panic_window_percentage,
                        allowed=f">= {math.ceil(100 * startup.mean_seconds / self.window_seconds)}",
                        hint="start at 50 % with a stable window of 2 x startup",
                        severity="warning",
                    )
                )
        for name in ("max_scale_up_rate", "max_scale_down_rate"):
            rate = getattr(self, name)
            if rate is not None and not (math.isfinite(rate) and rate > 1.0):
                found.append(
                    Problem(
                        "KN-AS-6",
                        f"{path}.{name}",
                        f"{name.replace('_', '-')} = {format_number(rate)}, must be greater than 1.0",
                        value=rate,
                        allowed="> 1.0",
                        rule="KNATIVE-CONFIGMAP",
                    )
                )
        if (
            self.panic_threshold_percentage <= 150
            and self.scale_down_delay_seconds == 0
            and self.window_seconds <= 30
        ):
            found.append(
                Problem(
                    "KN-AS-7",
                    path,
                    "aggressive on both sides: panics early (threshold <= 150 %) and scales down"
                    " fast (short window, no scale-down delay); pods will bounce",
                    value={
                        "panic_threshold_percentage": self.panic_threshold_percentage,
                        "window_seconds": self.window_seconds,
                        "scale_down_delay_seconds": self.scale_down_delay_seconds,
                    },
                    hint="keep scale-down gentle: add a scale-down delay or lengthen the window",
                    severity="warning",
                )
            )
        return found


def knative_problems(
    annotations: Mapping[str, str],
    *,
    path: str,
    settings: ClusterSettings,
    annotation_paths: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> list[Problem]:
    """Check autoscaling annotations with the Knative layer; report them at prop paths.

    Each Knative problem keeps its message and becomes the practice's code, with the
    Knative rule kept in ``rule``; its path becomes the profile field (or the override
    in ``annotation_paths``), and its value the one given (``values``, by annotation
    key) rather than the annotation text.
    """
    overrides = annotation_paths or {}
    given = values or {}
    found = []
    for problem in check_autoscaling_annotations(annotations, settings=settings, path=""):
        key = problem.path.lstrip(".")
        field_name, practice = ANNOTATION_FIELDS.get(key, (key, problem.code))
        new_path = overrides.get(key, f"{path}.{field_name}")
        value = given.get(key, problem.value)
        found.append(
            dataclasses.replace(
                problem,
                path=new_path,
                code=practice,
                rule=problem.code,
                value=value,
                allowed=_python_allowed(problem.allowed),
                hint=_python_hint(problem.hint),
            )
        )
    return found


def _python_allowed(allowed: str | None) -> str | None:
    """Knative's allowed range in the words of the Python props.

    Knative's own range for max-scale includes ``0 for unlimited``; the library refuses 0
    (KN-SCALE-2: nothing would cap GPU spend), so it is not offered here.
    """
    if allowed is None:
        return None
    return allowed.replace(", or 0 for unlimited", "")


def _python_hint(hint: str | None) -> str | None:
    """Knative's hint for an annotation, without what only YAML writers need (values are strings)."""
    if hint is None:
        return None
    for yaml_only in (" (values are strings)",):
        hint = hint.replace(yaml_only, "")
    return hint


def _raw_window(startup: StartupTime, traffic: TrafficShape) -> float:
    factor = SMOOTH_WINDOW_FACTOR if traffic == "smooth" else 1.0
    return 2.0 * startup.p95_estimate_seconds * factor


def _derived_window(startup: StartupTime, traffic: TrafficShape) -> int:
    """The derived stable window; Knative's 60 s when the measurement is unusable.

    An unusable measurement (not positive, not finite) is reported by
    :meth:`StartupTime.problems`; NaN and infinities are refused when the profile is built.
    """
    raw_seconds = _raw_window(startup, traffic)
    if not startup.mean_seconds > 0 or not math.isfinite(raw_seconds):
        return 60
    raw = math.ceil(raw_seconds)
    return min(kn.WINDOW_MAX_SECONDS, max(kn.WINDOW_MIN_SECONDS, raw))


def _utilization_for(traffic: TrafficShape) -> float:
    return DEFAULT_UTILIZATION - (SPIKY_UTILIZATION_DROP if traffic == "spiky" else 0.0)


def _clamp_warning(path: str, raw: float, clamped: int) -> Problem:
    return Problem(
        "KN-AS-3",
        f"{path}.window_seconds",
        f"derived stable window {format_number(math.ceil(raw))}s is outside Knative's 6s..1h;"
        f" clamped to {format_seconds(clamped)}",
        value=math.ceil(raw),
        allowed="6..3600 seconds",
        hint="check the startup measurement; acknowledge KN-AS-3 if it is right",
        severity="warning",
    )
