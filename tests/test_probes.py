"""Probes: readiness, liveness and startup (KN-PROBE-1..3, KN-START-1)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.probes import Probes

# ----------------------------------------------------------------- defaults


def test_kn_probe_1_defaults_are_valid() -> None:
    probes = Probes()
    assert probes.problems() == []
    assert probes.readiness_path == "/v2/health/ready"
    assert probes.liveness_path == "/v2/health/live"
    assert 1 <= probes.readiness_period_seconds < 10


def test_kn_probe_2_default_liveness_is_far_more_tolerant_than_readiness() -> None:
    probes = Probes()
    readiness = probes.readiness_period_seconds * probes.readiness_failure_threshold
    liveness = probes.liveness_period_seconds * probes.liveness_failure_threshold
    assert probes.readiness_detection_seconds == readiness
    assert probes.liveness_detection_seconds == liveness
    assert liveness > readiness


def test_kn_probe_3_default_readiness_detection_is_at_most_10_seconds() -> None:
    assert Probes().readiness_detection_seconds <= 10


def test_single_path_uses_one_endpoint_for_both() -> None:
    probes = Probes.single_path()
    assert probes.readiness_path == probes.liveness_path == "/health"
    assert Probes.single_path("/healthz").readiness_path == "/healthz"
    assert probes.problems() == []


# ----------------------------------------------------------------- render


def test_kn_start_1_render_targets_the_paths_with_an_explicit_port() -> None:
    probes = Probes()
    rendered = probes.render(port=8080, startup_budget_seconds=600)
    assert set(rendered) == {"readinessProbe", "livenessProbe", "startupProbe"}
    assert rendered["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}
    assert rendered["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": 8080}
    # The startup probe waits for the model: it uses the readiness path, with the port named.
    assert rendered["startupProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}


def test_kn_probe_1_render_carries_the_settings() -> None:
    probes = Probes(
        readiness_period_seconds=3,
        readiness_failure_threshold=2,
        readiness_timeout_seconds=2,
        liveness_period_seconds=15,
        liveness_failure_threshold=4,
        liveness_timeout_seconds=3,
        startup_period_seconds=7,
    )
    rendered = probes.render(port=9000, startup_budget_seconds=70)
    readiness = rendered["readinessProbe"]
    assert (
        readiness["periodSeconds"],
        readiness["failureThreshold"],
        readiness["timeoutSeconds"],
    ) == (3, 2, 2)
    assert readiness["successThreshold"] == 1
    liveness = rendered["livenessProbe"]
    assert (
        liveness["periodSeconds"],
        liveness["failureThreshold"],
        liveness["timeoutSeconds"],
    ) == (15, 4, 3)
    assert rendered["startupProbe"]["periodSeconds"] == 7
    assert rendered["startupProbe"]["failureThreshold"] == math.ceil(70 / 7)


def test_kn_probe_1_rendered_readiness_is_never_aggressive_mode() -> None:
    # periodSeconds 0 is Knative's aggressive probing, which forbids failureThreshold.
    readiness = Probes().render(port=8080, startup_budget_seconds=60)["readinessProbe"]
    assert readiness["periodSeconds"] >= 1
    assert readiness["failureThreshold"] >= 1
    assert readiness["timeoutSeconds"] >= 1


@pytest.mark.parametrize(
    ("budget", "period"),
    [(600, 5), (601, 5), (599, 5), (1, 5), (5, 5), (3600, 7), (100, 30)],
)
def test_kn_start_2_startup_failure_threshold_is_ceil_budget_over_period(budget: int, period: int) -> None:
    rendered = Probes(startup_period_seconds=period).render(port=8080, startup_budget_seconds=budget)
    assert rendered["startupProbe"]["failureThreshold"] == math.ceil(budget / period)


def test_startup_failure_threshold_is_at_least_one() -> None:
    rendered = Probes().render(port=8080, startup_budget_seconds=0)
    assert rendered["startupProbe"]["failureThreshold"] == 1


@settings(max_examples=100, deadline=None)
@given(budget=st.integers(1, 7200), period=st.integers(1, 60))
def test_kn_start_2_startup_probe_tolerates_the_budget_and_no_more_than_one_period_over(
    budget: int, period: int
) -> None:
    startup = Probes(startup_period_seconds=period).render(port=8080, startup_budget_seconds=budget)[
        "startupProbe"
    ]
    threshold = startup["failureThreshold"]
    assert threshold * period >= budget
    assert (threshold - 1) * period < budget


# ----------------------------------------------------------------- failure table


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        ({"readiness_period_seconds": 10}, "KN-PROBE-1", "probes.readiness_period_seconds"),
        ({"readiness_period_seconds": 0}, "KN-PROBE-1", "probes.readiness_period_seconds"),
        ({"readiness_period_seconds": -1}, "KN-PROBE-1", "probes.readiness_period_seconds"),
        ({"readiness_period_seconds": 30}, "KN-PROBE-1", "probes.readiness_period_seconds"),
        ({"readiness_path": "v2/health/ready"}, "KN-PROBE-1", "probes.readiness_path"),
        ({"readiness_path": ""}, "KN-PROBE-1", "probes.readiness_path"),
        ({"liveness_path": "health"}, "KN-PROBE-1", "probes.liveness_path"),
        # Negative only: Knative defaults a readiness 0 (applyReadinessProbeDefaults), Kubernetes
        # a liveness/startup 0 (SetDefaults_Probe). Readiness is Knative's rule, the rest Pod validation.
        ({"readiness_failure_threshold": -1}, "KNATIVE-PROBE", "probes.readiness_failure_threshold"),
        ({"readiness_timeout_seconds": -1}, "KNATIVE-PROBE", "probes.readiness_timeout_seconds"),
        ({"liveness_period_seconds": -1}, "K8S-PROBE", "probes.liveness_period_seconds"),
        ({"liveness_failure_threshold": -1}, "K8S-PROBE", "probes.liveness_failure_threshold"),
        ({"liveness_timeout_seconds": -1}, "K8S-PROBE", "probes.liveness_timeout_seconds"),
        ({"startup_period_seconds": -1}, "K8S-PROBE", "probes.startup_period_seconds"),
        (
            {"liveness_period_seconds": 1, "liveness_failure_threshold": 3},
            "KN-PROBE-2",
            "probes.liveness_failure_threshold",
        ),
        (
            {"liveness_period_seconds": 2, "liveness_failure_threshold": 3},
            "KN-PROBE-2",
            "probes.liveness_failure_threshold",
        ),
    ],
    ids=[
        "readiness-period-10",
        "readiness-period-0",
        "readiness-period-negative",
        "readiness-period-30",
        "readiness-path-relative",
        "readiness-path-empty",
        "liveness-path-relative",
        "readiness-threshold-0",
        "readiness-timeout-0",
        "liveness-period-0",
        "liveness-threshold-0",
        "liveness-timeout-negative",
        "startup-period-0",
        "liveness-before-readiness",
        "liveness-equals-readiness",
    ],
)
def test_probe_failures(changes: dict[str, object], code: str, path: str) -> None:
    found = Probes(**changes).problems()  # type: ignore[arg-type]
    assert [(p.code, p.path, p.severity) for p in found] == [(code, path, "error")]


def test_kn_probe_1_period_message_names_value_and_range() -> None:
    (problem,) = Probes(readiness_period_seconds=10).problems("llama.probes")
    assert problem.path == "llama.probes.readiness_period_seconds"
    assert problem.message == "expected 1 <= 10 <= 9"
    assert problem.value == 10
    assert problem.allowed == "1..9 seconds"


def test_kn_probe_2_error_names_both_detection_times() -> None:
    probes = Probes(liveness_period_seconds=1)
    (problem,) = probes.problems()
    assert f"{probes.liveness_detection_seconds}s" in problem.message
    assert f"{probes.readiness_detection_seconds}s" in problem.message
    assert problem.value == probes.liveness_failure_threshold


def test_every_field_problem_reported_at_once() -> None:
    found = Probes(readiness_period_seconds=0, liveness_path="live", startup_period_seconds=-1).problems()
    assert sorted((p.code, p.path) for p in found) == [
        ("K8S-PROBE", "probes.startup_period_seconds"),
        ("KN-PROBE-1", "probes.liveness_path"),
        ("KN-PROBE-1", "probes.readiness_period_seconds"),
    ]


# ----------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        ({"readiness_period_seconds": 4}, "KN-PROBE-3", "probes.readiness_failure_threshold"),
        (
            {"readiness_failure_threshold": 11, "readiness_period_seconds": 1},
            "KN-PROBE-3",
            "probes.readiness_failure_threshold",
        ),
        (
            {"readiness_period_seconds": 9, "readiness_failure_threshold": 2},
            "KN-PROBE-3",
            "probes.readiness_failure_threshold",
        ),
    ],
    ids=["4s-x3", "1s-x11", "9s-x2"],
)
def test_probe_warnings(changes: dict[str, object], code: str, path: str) -> None:
    found = Probes(**changes).problems()  # type: ignore[arg-type]
    assert [(p.code, p.path, p.severity) for p in found] == [(code, path, "warning")]


def test_kn_probe_3_exactly_10_seconds_does_not_warn() -> None:
    assert Probes(readiness_period_seconds=5, readiness_failure_threshold=2).problems() == []


def test_kn_probe_3_warning_reports_the_detection_time() -> None:
    (problem,) = Probes(readiness_period_seconds=4).problems()
    assert "12s" in problem.message
    assert problem.value == 3


# ----------------------------------------------------------------- valid table


@pytest.mark.parametrize(
    "probes",
    [
        Probes(),
        Probes(readiness_period_seconds=1),
        Probes(readiness_period_seconds=9, readiness_failure_threshold=1),
        Probes(readiness_path="/ready", liveness_path="/live"),
        Probes(liveness_period_seconds=7, liveness_failure_threshold=1),
        Probes(startup_period_seconds=1),
    ],
    ids=["defaults", "period-1", "period-9", "custom-paths", "liveness-just-longer", "startup-1s"],
)
def test_valid_probes_have_no_problems(probes: Probes) -> None:
    assert probes.problems() == []


# ----------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(
    r_period=st.integers(1, 9),
    r_threshold=st.integers(1, 10),
    l_period=st.integers(1, 30),
    l_threshold=st.integers(1, 10),
)
def test_kn_probe_2_error_exactly_when_liveness_fires_no_later_than_readiness(
    r_period: int, r_threshold: int, l_period: int, l_threshold: int
) -> None:
    probes = Probes(
        readiness_period_seconds=r_period,
        readiness_failure_threshold=r_threshold,
        liveness_period_seconds=l_period,
        liveness_failure_threshold=l_threshold,
    )
    found = probes.problems()
    probe_2 = [p for p in found if p.code == "KN-PROBE-2"]
    assert bool(probe_2) == (l_period * l_threshold <= r_period * r_threshold)
    assert all(p.severity == "error" for p in probe_2)
    probe_3 = [p for p in found if p.code == "KN-PROBE-3"]
    assert bool(probe_3) == (r_period * r_threshold > 10)
    assert all(p.severity == "warning" for p in probe_3)


@settings(max_examples=50, deadline=None)
@given(period=st.integers(-5, 40))
def test_kn_probe_1_period_errors_exactly_outside_1_to_9(period: int) -> None:
    found = Probes(readiness_period_seconds=period, readiness_failure_threshold=1).problems()
    errors = [(p.code, p.path) for p in found if p.severity == "error"]
    if 1 <= period <= 9:
        assert errors == []
    else:
        assert errors == [("KN-PROBE-1", "probes.readiness_period_seconds")]


@pytest.mark.parametrize(
    "changes",
    [
        {"readiness_failure_threshold": 0},
        {"readiness_timeout_seconds": 0},
        {"liveness_period_seconds": 0},
        {"liveness_failure_threshold": 0},
        {"liveness_timeout_seconds": 0},
        {"startup_period_seconds": 0},
    ],
)
def test_zero_is_the_default_knative_or_kubernetes_applies(changes: dict[str, int]) -> None:
    # issue 10: readiness 0 is defaulted by Knative before it validates (revision_defaults.go
    # applyReadinessProbeDefaults: failureThreshold 3, timeoutSeconds 1); liveness and startup 0
    # by Kubernetes (SetDefaults_Probe: period 10, failure 3, timeout 1). Not refused.
    probes = Probes(**changes)  # type: ignore[arg-type]
    assert [p for p in probes.problems() if p.severity == "error"] == []
    rendered = probes.render(port=8080, startup_budget_seconds=600)
    assert rendered["startupProbe"]["failureThreshold"] >= 1
