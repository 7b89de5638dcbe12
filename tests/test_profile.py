"""AutoscalerProfile and StartupTime (KN-AS-1..8, KN-CONC-3, KN-SCALE-1..3).

Expected values are derived from the rules in the practice catalogue:

* stable window = ceil(2 x p95) whole seconds, p95 = measured, else mean + 1.645 x spread,
  else the mean; x 1.5 for smooth traffic; clamped to Knative's 6 s..1 h;
* panic window 50 % of it; utilization 90 % (80 % for spiky traffic); panic threshold 200 %.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.errors import Problem, ValidationError
from kn_constructs.knative.durations import SECOND, parse_go_duration_ns
from kn_constructs.knative.rules import KNATIVE_RULES
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.profile import AutoscalerProfile, StartupTime

# Knative's own annotation keys (spelled out, not taken from the code under test).
CLASS = "autoscaling.knative.dev/class"
METRIC = "autoscaling.knative.dev/metric"
TARGET = "autoscaling.knative.dev/target"
UTILIZATION = "autoscaling.knative.dev/target-utilization-percentage"
WINDOW = "autoscaling.knative.dev/window"
PANIC_WINDOW = "autoscaling.knative.dev/panic-window-percentage"
PANIC_THRESHOLD = "autoscaling.knative.dev/panic-threshold-percentage"
SCALE_DOWN_DELAY = "autoscaling.knative.dev/scale-down-delay"
ACTIVATION_SCALE = "autoscaling.knative.dev/activation-scale"
BURST = "autoscaling.knative.dev/target-burst-capacity"
AGGREGATION = "autoscaling.knative.dev/metric-aggregation-algorithm"
MIN_SCALE = "autoscaling.knative.dev/min-scale"
KPA = "kpa.autoscaling.knative.dev"

WINDOW_MIN, WINDOW_MAX = 6, 3600
Z95 = 1.645


def p95_of(mean: float, spread: float | None = None, p95: float | None = None) -> float:
    if p95 is not None:
        return p95
    if spread is not None:
        return mean + Z95 * spread
    return mean


def raw_window(
    mean: float, spread: float | None = None, p95: float | None = None, traffic: str = "steady"
) -> float:
    return 2 * p95_of(mean, spread, p95) * (1.5 if traffic == "smooth" else 1)


def expected_window(
    mean: float, spread: float | None = None, p95: float | None = None, traffic: str = "steady"
) -> int:
    return min(WINDOW_MAX, max(WINDOW_MIN, math.ceil(raw_window(mean, spread, p95, traffic))))


def errors(found: list[Problem]) -> list[Problem]:
    return [p for p in found if p.severity == "error"]


def warnings_of(found: list[Problem]) -> list[Problem]:
    return [p for p in found if p.severity == "warning"]


def clamp_warnings(found: list[Problem]) -> list[Problem]:
    return [p for p in warnings_of(found) if p.code == "KN-AS-3" and "clamped" in p.message]


# ----------------------------------------------------------------- defaults


def test_kn_as_1_defaults_are_explicit_and_valid() -> None:
    profile = AutoscalerProfile()
    assert profile.metric == "concurrency"
    assert profile.target is None
    assert profile.target_utilization_percentage == 90
    assert profile.window_seconds == 60
    assert profile.panic_window_percentage == 10
    assert profile.panic_threshold_percentage == 200
    assert profile.scale_down_delay_seconds == 0
    assert (profile.min_scale, profile.max_scale, profile.initial_scale) == (None, None, None)
    assert profile.startup is None
    assert profile.problems() == []
    assert profile.derivations() == []


def test_kn_as_1_default_annotations_write_class_metric_and_utilization() -> None:
    ann = AutoscalerProfile().annotations()
    assert ann[CLASS] == KPA
    assert ann[METRIC] == "concurrency"
    assert ann[UTILIZATION] == "90"
    assert ann[WINDOW] == "60s"
    assert TARGET not in ann
    assert SCALE_DOWN_DELAY not in ann
    assert all(isinstance(v, str) for v in ann.values())


# ----------------------------------------------------------------- from_startup


def test_kn_as_3_from_startup_20_derives_window_panic_utilization_threshold() -> None:
    profile = AutoscalerProfile.from_startup(20)
    assert profile.window_seconds == 2 * 20
    assert profile.panic_window_percentage == 50
    assert profile.target_utilization_percentage == 90
    assert profile.panic_threshold_percentage == 200
    assert profile.metric == "concurrency"
    assert profile.startup == StartupTime(20)
    assert profile.traffic == "steady"
    assert profile.problems() == []


def test_kn_as_3_from_startup_20_annotations_exactly() -> None:
    assert AutoscalerProfile.from_startup(20).annotations() == {
        CLASS: KPA,
        METRIC: "concurrency",
        UTILIZATION: "90",
        WINDOW: "40s",
        PANIC_WINDOW: "50",
        PANIC_THRESHOLD: "200",
    }


def test_kn_conc_2_annotations_write_the_given_target_unless_the_profile_has_one() -> None:
    assert AutoscalerProfile().annotations(target=8)[TARGET] == "8"
    assert AutoscalerProfile(target=4).annotations(target=8)[TARGET] == "4"
    assert AutoscalerProfile(target=2.5).annotations()[TARGET] == "2.5"


def test_optional_annotations_are_written_only_when_set() -> None:
    ann = AutoscalerProfile(
        scale_down_delay_seconds=90,
        activation_scale=3,
        target_burst_capacity=-1,
        aggregation="weighted-exponential",
        metric="rps",
        target_utilization_percentage=82.5,
    ).annotations()
    assert ann[SCALE_DOWN_DELAY] == "90s"
    assert ann[ACTIVATION_SCALE] == "3"
    assert ann[BURST] == "-1"
    assert ann[AGGREGATION] == "weighted-exponential"
    assert ann[METRIC] == "rps"
    assert ann[UTILIZATION] == "82.5"
    assert MIN_SCALE not in AutoscalerProfile(min_scale=1).annotations()


@pytest.mark.parametrize(
    ("mean", "spread", "p95", "traffic"),
    [
        (20, None, None, "steady"),
        (20, 5, None, "steady"),
        (20, 0, None, "steady"),
        (20, None, 30, "steady"),
        (20, 5, 25, "steady"),  # a measured p95 wins over the spread
        (20, None, None, "smooth"),
        (20.3, None, None, "smooth"),
        (20, 5, None, "smooth"),
        (20, None, None, "spiky"),
        (45.5, 3.2, None, "steady"),
        (90, None, 150, "smooth"),
    ],
)
def test_kn_as_3_window_is_ceil_of_twice_p95(
    mean: float, spread: float | None, p95: float | None, traffic: str
) -> None:
    profile = AutoscalerProfile.from_startup(
        mean,
        spread_seconds=spread,
        p95_seconds=p95,
        traffic=traffic,  # type: ignore[arg-type]
    )
    assert profile.window_seconds == expected_window(mean, spread, p95, traffic)
    assert parse_go_duration_ns(profile.annotations()[WINDOW]) == profile.window_seconds * SECOND
    assert profile.panic_window_percentage == 50


def test_kn_as_3_spread_lengthens_the_window() -> None:
    steady = AutoscalerProfile.from_startup(20)
    spread = AutoscalerProfile.from_startup(20, spread_seconds=5)
    assert spread.window_seconds == math.ceil(2 * (20 + Z95 * 5))
    assert spread.window_seconds > steady.window_seconds


def test_kn_as_3_smooth_traffic_multiplies_the_window_by_1_5() -> None:
    assert AutoscalerProfile.from_startup(20, traffic="smooth").window_seconds == math.ceil(2 * 20 * 1.5)


def test_kn_as_8_spiky_traffic_lowers_utilization_only() -> None:
    steady = AutoscalerProfile.from_startup(20)
    spiky = AutoscalerProfile.from_startup(20, traffic="spiky")
    assert spiky.target_utilization_percentage == 80
    assert steady.target_utilization_percentage - spiky.target_utilization_percentage == 10
    assert spiky.window_seconds == steady.window_seconds
    assert spiky.annotations()[UTILIZATION] == "80"


@pytest.mark.parametrize(
    ("mean", "clamped_to"),
    [(2, WINDOW_MIN), (0.5, WINDOW_MIN), (2000, WINDOW_MAX), (1801, WINDOW_MAX)],
)
def test_kn_as_3_window_is_clamped_to_knative_range_with_a_warning(mean: float, clamped_to: int) -> None:
    profile = AutoscalerProfile.from_startup(mean)
    assert profile.window_seconds == clamped_to
    found = profile.problems()
    assert errors(found) == []
    (warning,) = clamp_warnings(found)
    assert (warning.code, warning.path, warning.severity) == (
        "KN-AS-3",
        "autoscaling.window_seconds",
        "warning",
    )
    assert warning.value == math.ceil(2 * mean)
    assert warning.allowed == "6..3600 seconds"


@pytest.mark.parametrize("mean", [3, 1800, 20])
def test_kn_as_3_window_at_the_edges_is_not_a_clamp(mean: float) -> None:
    profile = AutoscalerProfile.from_startup(mean)
    assert profile.window_seconds == 2 * mean
    assert clamp_warnings(profile.problems()) == []


@pytest.mark.parametrize("mean", [2.9, 2.6])
def test_kn_as_3_no_clamp_warning_when_the_whole_second_window_is_in_range(mean: float) -> None:
    assert math.ceil(2 * mean) == WINDOW_MIN  # the derived window needs no clamping
    assert clamp_warnings(AutoscalerProfile.from_startup(mean).problems()) == []


@settings(max_examples=100, deadline=None)
@given(mean=st.floats(0.01, 10_000))
def test_kn_as_3_from_startup_window_always_within_knative_range(mean: float) -> None:
    profile = AutoscalerProfile.from_startup(mean)
    window = profile.window_seconds
    assert isinstance(window, int)
    assert WINDOW_MIN <= window <= WINDOW_MAX
    assert window == expected_window(mean)
    if WINDOW_MIN <= 2 * mean <= WINDOW_MAX:
        assert window >= 2 * mean
    assert parse_go_duration_ns(profile.annotations()[WINDOW]) == window * SECOND
    found = profile.problems()
    assert errors(found) == []
    raw = 2 * mean
    if math.ceil(raw) < WINDOW_MIN or math.ceil(raw) > WINDOW_MAX:
        assert len(clamp_warnings(found)) == 1
    if WINDOW_MIN <= raw <= WINDOW_MAX:
        assert clamp_warnings(found) == []


@settings(max_examples=80, deadline=None)
@given(
    mean=st.floats(0.5, 1000),
    spread=st.floats(0, 500),
    traffic=st.sampled_from(["steady", "smooth", "spiky"]),
)
def test_kn_as_3_from_startup_with_spread_follows_the_rule(mean: float, spread: float, traffic: str) -> None:
    profile = AutoscalerProfile.from_startup(mean, spread_seconds=spread, traffic=traffic)  # type: ignore[arg-type]
    assert profile.window_seconds == expected_window(mean, spread, None, traffic)
    assert profile.target_utilization_percentage == (80 if traffic == "spiky" else 90)
    assert errors(profile.problems()) == []


@settings(max_examples=100, deadline=None)
@given(
    mean=st.floats(-1e6, 1e6),
    spread=st.none() | st.floats(-1e6, 1e6),
    p95=st.none() | st.floats(-1e6, 1e6),
    traffic=st.sampled_from(["steady", "smooth", "spiky"]),
)
def test_kn_as_2_profile_building_never_raises(
    mean: float, spread: float | None, p95: float | None, traffic: str
) -> None:
    profiles = [
        AutoscalerProfile.from_startup(mean, spread_seconds=spread, p95_seconds=p95, traffic=traffic),  # type: ignore[arg-type]
        AutoscalerProfile.latency_first(mean, spread_seconds=spread, p95_seconds=p95),
        AutoscalerProfile.cost_first(mean, spread_seconds=spread, p95_seconds=p95),
        AutoscalerProfile.spiky_traffic(mean, spread_seconds=spread, p95_seconds=p95),
    ]
    for profile in profiles:
        assert WINDOW_MIN <= profile.window_seconds <= WINDOW_MAX
        profile.problems()
        profile.annotations()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mean_seconds": math.inf}, "mean_seconds"),
        ({"mean_seconds": 20, "p95_seconds": math.nan}, "p95_seconds"),
        ({"mean_seconds": 20, "spread_seconds": math.nan}, "spread_seconds"),
    ],
    ids=["mean-inf", "p95-nan", "spread-nan"],
)
def test_kn_as_2_non_finite_startup_is_refused_at_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AutoscalerProfile.from_startup(**kwargs)
    assert [(p.code, p.path) for p in caught.value.problems] == [("KNC-TYPE", field)]
    assert caught.value.problems[0].allowed == "a finite number"


def test_kn_as_2_startup_spread_that_overflows_the_p95_is_reported_not_raised() -> None:
    profile = AutoscalerProfile.from_startup(20, spread_seconds=1e308)
    found = errors(profile.problems())
    assert [(p.code, p.path) for p in found] == [("KN-AS-2", "autoscaling.startup.spread_seconds")]


def test_kn_as_2_missing_measurement_falls_back_to_knative_window_and_reports() -> None:
    profile = AutoscalerProfile.from_startup(0)
    assert profile.window_seconds == 60
    found = errors(profile.problems())
    assert [(p.code, p.path) for p in found] == [("KN-AS-2", "autoscaling.startup.mean_seconds")]


# ----------------------------------------------------------------- presets


def test_kn_as_2_latency_first_keeps_a_warm_pod_and_slow_scale_down() -> None:
    base = AutoscalerProfile.from_startup(20)
    profile = AutoscalerProfile.latency_first(20)
    assert profile.goal == "latency"
    assert profile.min_scale == 1
    assert profile.target_utilization_percentage == base.target_utilization_percentage - 5 == 85
    assert profile.window_seconds == base.window_seconds
    assert profile.scale_down_delay_seconds == profile.window_seconds
    assert profile.annotations()[SCALE_DOWN_DELAY] == "40s"
    assert profile.problems() == []


def test_kn_as_2_latency_first_with_spiky_traffic_stacks_both_drops() -> None:
    profile = AutoscalerProfile.latency_first(20, traffic="spiky")
    assert profile.target_utilization_percentage == 90 - 10 - 5


def test_kn_as_2_cost_first_scales_to_zero_and_runs_pods_full() -> None:
    profile = AutoscalerProfile.cost_first(20)
    assert profile.goal == "cost"
    assert profile.min_scale == 0
    assert profile.target_utilization_percentage == 95
    assert profile.panic_threshold_percentage == 300
    assert profile.window_seconds == 40
    assert profile.problems() == []


def test_kn_as_7_spiky_traffic_preset_keeps_pods_through_the_dip() -> None:
    profile = AutoscalerProfile.spiky_traffic(20)
    assert profile.goal == "spiky"
    assert profile.traffic == "spiky"
    assert profile.target_utilization_percentage == 80
    assert profile.scale_down_delay_seconds == math.ceil(2 * 20)
    assert profile.problems() == []


def test_kn_as_7_spiky_traffic_delay_capped_at_one_hour() -> None:
    profile = AutoscalerProfile.spiky_traffic(2500)
    assert profile.scale_down_delay_seconds == 3600
    assert errors(profile.problems()) == []


@settings(max_examples=60, deadline=None)
@given(mean=st.floats(0.5, 5000), spread=st.none() | st.floats(0, 100))
def test_kn_as_2_presets_never_have_errors(mean: float, spread: float | None) -> None:
    for build in (
        AutoscalerProfile.latency_first,
        AutoscalerProfile.cost_first,
        AutoscalerProfile.spiky_traffic,
        AutoscalerProfile.from_startup,
    ):
        assert errors(build(mean, spread_seconds=spread).problems()) == []


def test_replace_returns_a_changed_copy() -> None:
    profile = AutoscalerProfile.from_startup(20)
    changed = profile.replace(min_scale=1, panic_threshold_percentage=250)
    assert (changed.min_scale, changed.panic_threshold_percentage) == (1, 250)
    assert (profile.min_scale, profile.panic_threshold_percentage) == (None, 200)
    assert changed.window_seconds == profile.window_seconds
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.min_scale = 3  # type: ignore[misc]


# ----------------------------------------------------------------- derivations


@pytest.mark.parametrize(("traffic", "utilization_practice"), [("steady", "KN-CONC-3"), ("spiky", "KN-AS-8")])
def test_derivations_record_each_derived_value_and_its_practice(
    traffic: str, utilization_practice: str
) -> None:
    profile = AutoscalerProfile.from_startup(20, traffic=traffic)  # type: ignore[arg-type]
    ann = profile.annotations()
    by_target = {d.target: d for d in profile.derivations()}
    assert set(by_target) == {WINDOW, PANIC_WINDOW, UTILIZATION}
    for key, derivation in by_target.items():
        assert derivation.value == ann[key]
    assert by_target[WINDOW].practice == "KN-AS-3"
    assert by_target[PANIC_WINDOW].practice == "KN-AS-4"
    assert by_target[UTILIZATION].practice == utilization_practice
    assert by_target[WINDOW].inputs["mean_seconds"] == 20


# ----------------------------------------------------------------- failure table


@pytest.mark.parametrize(
    ("profile", "code", "path", "rule"),
    [
        (
            AutoscalerProfile(window_seconds=2),
            "KN-AS-3",
            "autoscaling.window_seconds",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(window_seconds=5),
            "KN-AS-3",
            "autoscaling.window_seconds",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(window_seconds=3601),
            "KN-AS-3",
            "autoscaling.window_seconds",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(panic_threshold_percentage=105),
            "KN-AS-5",
            "autoscaling.panic_threshold_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(panic_threshold_percentage=1001),
            "KN-AS-5",
            "autoscaling.panic_threshold_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(target_utilization_percentage=0),
            "KN-CONC-3",
            "autoscaling.target_utilization_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(target_utilization_percentage=101),
            "KN-CONC-3",
            "autoscaling.target_utilization_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(panic_window_percentage=0),
            "KN-AS-4",
            "autoscaling.panic_window_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(panic_window_percentage=101),
            "KN-AS-4",
            "autoscaling.panic_window_percentage",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(scale_down_delay_seconds=3601),
            "KN-AS-7",
            "autoscaling.scale_down_delay_seconds",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(target=0),
            "KN-CONC-2",
            "autoscaling.target",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(min_scale=2, max_scale=1),
            "KN-SCALE-2",
            "autoscaling.max_scale",
            "KNATIVE-SCALE-BOUNDS",
        ),
        (
            AutoscalerProfile(initial_scale=0),
            "KN-SCALE-3",
            "autoscaling.initial_scale",
            "KNATIVE-SCALE-BOUNDS",
        ),
        (
            AutoscalerProfile(activation_scale=1),
            "KN-SCALE-1",
            "autoscaling.activation_scale",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (
            AutoscalerProfile(target_burst_capacity=-2),
            "KN-AS-1",
            "autoscaling.target_burst_capacity",
            "KNATIVE-ANNOTATION-VALUE",
        ),
        (AutoscalerProfile.from_startup(0), "KN-AS-2", "autoscaling.startup.mean_seconds", None),
        (AutoscalerProfile.from_startup(-3), "KN-AS-2", "autoscaling.startup.mean_seconds", None),
        (
            AutoscalerProfile.from_startup(20, spread_seconds=-1),
            "KN-AS-2",
            "autoscaling.startup.spread_seconds",
            None,
        ),
        (
            AutoscalerProfile.from_startup(20, p95_seconds=10),
            "KN-AS-2",
            "autoscaling.startup.p95_seconds",
            None,
        ),
    ],
    ids=[
        "window-2",
        "window-5",
        "window-3601",
        "panic-threshold-105",
        "panic-threshold-1001",
        "utilization-0",
        "utilization-101",
        "panic-window-0",
        "panic-window-101",
        "scale-down-delay-3601",
        "target-0",
        "max-below-min",
        "initial-scale-0",
        "activation-scale-1",
        "burst-capacity-minus-2",
        "startup-mean-0",
        "startup-mean-negative",
        "startup-spread-negative",
        "startup-p95-below-mean",
    ],
)
def test_profile_failures(profile: AutoscalerProfile, code: str, path: str, rule: str | None) -> None:
    found = errors(profile.problems())
    assert [(p.code, p.path, p.rule) for p in found] == [(code, path, rule)]


def test_kn_as_3_window_2_reads_like_knative() -> None:
    (problem,) = AutoscalerProfile(window_seconds=2).problems()
    assert problem.code == "KN-AS-3"
    assert problem.path == "autoscaling.window_seconds"
    assert problem.severity == "error"
    assert problem.rule == "KNATIVE-ANNOTATION-VALUE"
    assert problem.rule in KNATIVE_RULES
    assert problem.message == "expected 6s <= 2s <= 1h0m0s"


def test_kn_as_5_panic_threshold_105_reads_like_knative() -> None:
    (problem,) = AutoscalerProfile(panic_threshold_percentage=105).problems()
    assert (problem.code, problem.path, problem.severity) == (
        "KN-AS-5",
        "autoscaling.panic_threshold_percentage",
        "error",
    )
    assert problem.message == "expected 110 <= 105 <= 1000"
    assert problem.allowed == "110..1000"


@pytest.mark.parametrize(
    ("profile", "given"),
    [
        (AutoscalerProfile(window_seconds=2), 2),
        (AutoscalerProfile(panic_threshold_percentage=105), 105),
    ],
    ids=["window", "panic-threshold"],
)
def test_knative_problem_value_is_the_prop_value_as_given(profile: AutoscalerProfile, given: float) -> None:
    (problem,) = profile.problems()
    assert problem.value == given


def test_every_knative_rule_on_a_profile_is_a_known_rule() -> None:
    bad = AutoscalerProfile(
        window_seconds=2,
        panic_threshold_percentage=105,
        target_utilization_percentage=0,
        min_scale=3,
        max_scale=1,
        initial_scale=0,
    )
    rules = {p.rule for p in bad.problems() if p.rule is not None}
    assert rules
    assert rules <= set(KNATIVE_RULES)


def test_problems_use_the_given_path_prefix() -> None:
    (problem,) = AutoscalerProfile(window_seconds=2).problems("llama.autoscaling")
    assert problem.path == "llama.autoscaling.window_seconds"


def test_annotation_paths_and_extra_annotations_redirect_problems() -> None:
    found = AutoscalerProfile().problems(
        "llama.autoscaling",
        annotation_paths={MIN_SCALE: "llama.min_scale"},
        extra_annotations={MIN_SCALE: "-1"},
    )
    assert [(p.code, p.path, p.severity) for p in found] == [("KN-SCALE-1", "llama.min_scale", "error")]


@pytest.mark.parametrize(
    ("cluster", "errs"),
    [
        (ClusterSettings(), [("KN-SCALE-3", "autoscaling.initial_scale")]),
        (ClusterSettings(allow_zero_initial_scale=True), []),
    ],
    ids=["default-cluster", "zero-initial-scale-allowed"],
)
def test_kn_scale_3_initial_scale_zero_depends_on_the_cluster(
    cluster: ClusterSettings, errs: list[tuple[str, str]]
) -> None:
    found = errors(AutoscalerProfile(initial_scale=0).problems(settings=cluster))
    assert [(p.code, p.path) for p in found] == errs


def test_kn_scale_2_max_scale_above_cluster_limit() -> None:
    found = AutoscalerProfile(max_scale=5).problems(settings=ClusterSettings(max_scale_limit=3, max_scale=3))
    assert [(p.code, p.path, p.rule) for p in found] == [
        ("KN-SCALE-2", "autoscaling.max_scale", "KNATIVE-SCALE-BOUNDS")
    ]
    assert (
        AutoscalerProfile(max_scale=3).problems(settings=ClusterSettings(max_scale_limit=3, max_scale=3))
        == []
    )


# ----------------------------------------------------------------- valid table


@pytest.mark.parametrize(
    "profile",
    [
        AutoscalerProfile(),
        AutoscalerProfile(window_seconds=6),
        AutoscalerProfile(window_seconds=3600),
        AutoscalerProfile(panic_threshold_percentage=110, window_seconds=60),
        AutoscalerProfile(panic_threshold_percentage=1000),
        AutoscalerProfile(target_utilization_percentage=70),
        AutoscalerProfile(target_utilization_percentage=100),
        AutoscalerProfile(panic_window_percentage=1),
        AutoscalerProfile(panic_window_percentage=100),
        AutoscalerProfile(scale_down_delay_seconds=3600),
        AutoscalerProfile(target=0.01),
        AutoscalerProfile(min_scale=1, max_scale=4, initial_scale=2, activation_scale=2),
        AutoscalerProfile(target_burst_capacity=-1),
        AutoscalerProfile(aggregation="linear"),
        AutoscalerProfile.from_startup(20),
    ],
    ids=[
        "defaults",
        "window-6",
        "window-3600",
        "panic-threshold-110",
        "panic-threshold-1000",
        "utilization-70",
        "utilization-100",
        "panic-window-1",
        "panic-window-100",
        "scale-down-delay-1h",
        "target-0.01",
        "scale-bounds",
        "burst-unlimited",
        "aggregation-linear",
        "from-startup-20",
    ],
)
def test_valid_profiles_have_no_problems(profile: AutoscalerProfile) -> None:
    assert profile.problems() == []


# ----------------------------------------------------------------- warnings table


@pytest.mark.parametrize(
    ("profile", "code", "path"),
    [
        (
            AutoscalerProfile(target_utilization_percentage=60),
            "KN-CONC-3",
            "autoscaling.target_utilization_percentage",
        ),
        (
            AutoscalerProfile(target_utilization_percentage=69.5),
            "KN-CONC-3",
            "autoscaling.target_utilization_percentage",
        ),
        (
            AutoscalerProfile(target_utilization_percentage=1),
            "KN-CONC-3",
            "autoscaling.target_utilization_percentage",
        ),
        (
            AutoscalerProfile.from_startup(20).replace(panic_window_percentage=20),
            "KN-AS-4",
            "autoscaling.panic_window_percentage",
        ),
        (
            AutoscalerProfile(window_seconds=10, startup=StartupTime(20)),
            "KN-AS-3",
            "autoscaling.window_seconds",
        ),
        (
            AutoscalerProfile(panic_threshold_percentage=150, window_seconds=30),
            "KN-AS-7",
            "autoscaling",
        ),
        (
            AutoscalerProfile(panic_threshold_percentage=110, window_seconds=6),
            "KN-AS-7",
            "autoscaling",
        ),
        (AutoscalerProfile(metric="rps"), "KN-AS-1", "autoscaling.metric"),
        (AutoscalerProfile.from_startup(2), "KN-AS-3", "autoscaling.window_seconds"),
    ],
    ids=[
        "utilization-60",
        "utilization-69.5",
        "utilization-1",
        "panic-window-shorter-than-startup",
        "window-shorter-than-startup",
        "aggressive-both-ways",
        "aggressive-both-ways-min",
        "metric-rps",
        "window-clamped",
    ],
)
def test_profile_warnings(profile: AutoscalerProfile, code: str, path: str) -> None:
    found = profile.problems()
    assert errors(found) == []
    assert (code, path, "warning") in [(p.code, p.path, p.severity) for p in found]


def test_kn_conc_3_low_utilization_warning_details() -> None:
    (problem,) = AutoscalerProfile(target_utilization_percentage=60).problems()
    assert problem.value == 60
    assert problem.allowed is not None
    assert problem.allowed.startswith("70..100")


def test_kn_as_4_warning_names_both_times() -> None:
    profile = AutoscalerProfile.from_startup(20).replace(panic_window_percentage=20)
    (problem,) = profile.problems()
    panic_seconds = profile.window_seconds * 20 / 100
    assert panic_seconds.is_integer()
    assert f"panic window {int(panic_seconds)}s" in problem.message
    assert "20s" in problem.message
    assert problem.value == 20


def test_kn_as_4_panic_window_equal_to_startup_does_not_warn() -> None:
    profile = AutoscalerProfile.from_startup(20)
    assert profile.window_seconds * profile.panic_window_percentage / 100 == 20
    assert [p for p in profile.problems() if p.code == "KN-AS-4"] == []


@pytest.mark.parametrize(
    "changes",
    [
        {"scale_down_delay_seconds": 30},
        {"window_seconds": 31},
        {"panic_threshold_percentage": 151},
    ],
    ids=["gentle-delay", "longer-window", "higher-threshold"],
)
def test_kn_as_7_one_gentle_side_is_enough(changes: dict[str, object]) -> None:
    profile = AutoscalerProfile(panic_threshold_percentage=150, window_seconds=30).replace(**changes)
    assert [p for p in profile.problems() if p.code == "KN-AS-7"] == []


def test_kn_as_7_warning_reports_the_three_knobs() -> None:
    (problem,) = AutoscalerProfile(panic_threshold_percentage=150, window_seconds=30).problems()
    assert problem.value == {
        "panic_threshold_percentage": 150,
        "window_seconds": 30,
        "scale_down_delay_seconds": 0,
    }


@pytest.mark.parametrize(("window", "percentage"), [(9, 50), (25, 10), (45, 10)])
def test_kn_as_4_panic_window_seconds_rounds_like_knative(window: int, percentage: float) -> None:
    exact = window * percentage / 100
    assert exact % 1 == 0.5  # a halfway case
    expected = max(1, math.floor(exact + 0.5))
    profile = AutoscalerProfile(window_seconds=window, panic_window_percentage=percentage)
    assert profile.panic_window_seconds == expected


@settings(max_examples=50, deadline=None)
@given(window=st.integers(6, 3600), percentage=st.integers(1, 100))
def test_kn_as_4_panic_window_seconds_is_the_share_of_the_window(window: int, percentage: int) -> None:
    exact = window * percentage / 100
    seconds = AutoscalerProfile(
        window_seconds=window, panic_window_percentage=percentage
    ).panic_window_seconds
    assert seconds >= 1
    assert abs(seconds - exact) <= 0.5 or (exact < 1 and seconds == 1)


# ----------------------------------------------------------------- validate


def test_validate_raises_once_listing_every_error() -> None:
    profile = AutoscalerProfile(
        window_seconds=2,
        panic_threshold_percentage=105,
        target_utilization_percentage=101,
    )
    with pytest.raises(ValidationError) as caught:
        profile.validate()
    error = caught.value
    assert sorted(error.codes) == ["KN-AS-3", "KN-AS-5", "KN-CONC-3"]
    assert error.find("KN-AS-3", "autoscaling.window_seconds")
    assert error.find("KN-AS-5", "autoscaling.panic_threshold_percentage")
    assert error.find("KN-CONC-3", "autoscaling.target_utilization_percentage")
    message = str(error)
    assert message.startswith("AutoscalerProfile: 3 problems found")
    for problem in error.problems:
        assert str(problem) in message


def test_validate_returns_the_profile_and_ignores_warnings() -> None:
    profile = AutoscalerProfile(target_utilization_percentage=60)
    assert warnings_of(profile.problems())
    assert profile.validate() is profile


def test_validate_uses_the_cluster_settings() -> None:
    profile = AutoscalerProfile(initial_scale=0)
    assert profile.validate(settings=ClusterSettings(allow_zero_initial_scale=True)) is profile
    with pytest.raises(ValidationError) as caught:
        profile.validate()
    assert caught.value.codes == ["KN-SCALE-3"]


def test_building_an_invalid_profile_does_not_raise() -> None:
    profile = AutoscalerProfile(window_seconds=2, panic_threshold_percentage=105)
    assert len(errors(profile.problems())) == 2


# ----------------------------------------------------------------- StartupTime


@pytest.mark.parametrize(
    ("startup", "p95", "worst"),
    [
        (StartupTime(20), 20, 40),
        (StartupTime(20, spread_seconds=5), 20 + Z95 * 5, 20 + Z95 * 5),
        (StartupTime(20, p95_seconds=35), 35, 35),
        (StartupTime(20, spread_seconds=5, p95_seconds=26), 26, 26),
    ],
    ids=["mean-only", "spread", "p95", "p95-wins"],
)
def test_kn_as_2_startup_p95_and_worst_case(startup: StartupTime, p95: float, worst: float) -> None:
    assert startup.p95_estimate_seconds == pytest.approx(p95)
    assert startup.worst_case_seconds == pytest.approx(worst)
    assert startup.problems() == []


@pytest.mark.parametrize(
    ("startup", "path"),
    [
        (StartupTime(0), "startup.mean_seconds"),
        (StartupTime(-1), "startup.mean_seconds"),
        (StartupTime(20, spread_seconds=-0.5), "startup.spread_seconds"),
        (StartupTime(20, p95_seconds=19.9), "startup.p95_seconds"),
    ],
    ids=["mean-0", "mean-negative", "spread-negative", "p95-below-mean"],
)
def test_kn_as_2_startup_failures(startup: StartupTime, path: str) -> None:
    assert [(p.code, p.path, p.severity) for p in startup.problems()] == [("KN-AS-2", path, "error")]
