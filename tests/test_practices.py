"""The practice catalogue (PRACTICES) against the IDs of the project's practice catalogue.

The expected IDs are copied from shared/design/practices.md so that this test runs on a
machine without that file. Keep both in step: a new practice there is a new row here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType

import pytest

from kn_constructs.batching import Batching
from kn_constructs.errors import Problem
from kn_constructs.knative.rules import KNATIVE_RULES
from kn_constructs.placement import GpuPlacement
from kn_constructs.practices import PRACTICES, Practice, practice
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile, StartupTime
from kn_constructs.sources import ModelSource

#: Every ID of shared/design/practices.md, in its order.
EXPECTED_IDS = (
    # Models and images
    "KN-MODEL-1",
    "KN-MODEL-2",
    "KN-MODEL-3",
    "KN-MODEL-4",
    "KN-IMAGE-1",
    "KN-ENGINE-1",
    # Startup, probes, shutdown, cancellation
    "KN-START-1",
    "KN-PROBE-1",
    "KN-PROBE-2",
    "KN-PROBE-3",
    "KN-START-2",
    "KN-SHUT-1",
    "KN-SHUT-2",
    "KN-CANCEL-1",
    "KN-CANCEL-2",
    "KN-LONG-1",
    # Concurrency and batching
    "KN-CONC-1",
    "KN-CONC-2",
    "KN-CONC-3",
    "KN-BATCH-1",
    "KN-BATCH-2",
    "KN-BATCH-3",
    "KN-CONC-4",
    # Autoscaling
    "KN-AS-1",
    "KN-AS-2",
    "KN-AS-3",
    "KN-AS-4",
    "KN-AS-5",
    "KN-AS-6",
    "KN-AS-7",
    "KN-AS-8",
    "KN-SCALE-1",
    "KN-SCALE-2",
    "KN-SCALE-3",
    "KN-SCALE-4",
    # Fleet, routing, queues
    "KN-FLEET-1",
    "KN-FLEET-2",
    "KN-FLEET-3",
    # Rollouts and revisions
    "KN-ROLL-1",
    "KN-ROLL-2",
    "KN-ROLL-3",
    "KN-ROLL-4",
    # Placement
    "KN-PLACE-1",
    "KN-PLACE-2",
    "KN-PLACE-3",
    "KN-GPU-1",
    # Operations
    "KN-OPS-1",
    "KN-OPS-2",
)

#: The enforcement kinds of practices.md, plus "docs" (server-side advice the docs give).
ENFORCEMENT_KINDS = {"default", "derived", "error", "warn", "lint", "docs"}


def test_expected_ids_are_unique() -> None:
    assert len(EXPECTED_IDS) == len(set(EXPECTED_IDS))


def test_every_catalogue_id_is_in_practices() -> None:
    missing = [i for i in EXPECTED_IDS if i not in PRACTICES]
    assert missing == []


def test_practices_has_no_id_outside_the_catalogue() -> None:
    extra = [i for i in PRACTICES if i not in EXPECTED_IDS]
    assert extra == []


def test_practices_are_in_catalogue_order() -> None:
    assert tuple(PRACTICES) == EXPECTED_IDS


@pytest.mark.parametrize("practice_id", EXPECTED_IDS)
def test_practice_entry_is_well_formed(practice_id: str) -> None:
    entry = PRACTICES[practice_id]
    assert isinstance(entry, Practice)
    assert entry.id == practice_id
    assert re.fullmatch(r"KN-[A-Z]+-[1-9][0-9]*", entry.id)
    assert entry.title.strip()
    assert entry.summary.strip()
    assert entry.area.strip()
    assert entry.enforcement, "at least one enforcement kind"
    assert set(entry.enforcement) <= ENFORCEMENT_KINDS
    assert len(entry.enforcement) == len(set(entry.enforcement))


def test_practice_lookup() -> None:
    assert practice("KN-AS-3") is PRACTICES["KN-AS-3"]
    with pytest.raises(KeyError):
        practice("KN-NOPE-1")


def test_practices_mapping_is_read_only() -> None:
    assert isinstance(PRACTICES, MappingProxyType)
    with pytest.raises(TypeError):
        PRACTICES["KN-X-1"] = PRACTICES["KN-AS-3"]  # type: ignore[index]


def test_practice_ids_do_not_collide_with_knative_rule_codes() -> None:
    assert not set(PRACTICES) & set(KNATIVE_RULES)


# ----------------------------------------------------------------- codes used by the checks

#: Inputs that make the value objects report problems, one family of codes each.
PROBLEM_SOURCES: dict[str, Callable[[], list[Problem]]] = {
    "batching-fixed-error": lambda: Batching.fixed(8, container_concurrency=17).problems(),
    "batching-fixed-warn": lambda: Batching.fixed(8, container_concurrency=13).problems(),
    "batching-in-flight-error": lambda: Batching.in_flight(64, target=70).problems(),
    "batching-in-flight-warn": lambda: Batching.in_flight(64, target=62).problems(),
    "batching-wait": lambda: Batching.fixed(8, max_wait_seconds=-1).problems(),
    "source-scheme": lambda: ModelSource.tensorizer("ftp://x/y").problems(),
    "source-hub": lambda: ModelSource.tensorizer("hf://org/model").problems(),
    "source-pvc": lambda: ModelSource.pvc("Bad_Name", mount_path="/").problems(),
    "placement": lambda: GpuPlacement(classes=["A40", "A40"], regions=["a b"], count=0).problems(),
    "probes-fields": lambda: Probes(readiness_period_seconds=10, startup_period_seconds=0).problems(),
    "probes-liveness": lambda: Probes(liveness_period_seconds=1, liveness_failure_threshold=1).problems(),
    "probes-slow": lambda: Probes(readiness_period_seconds=5, readiness_failure_threshold=3).problems(),
    "profile-ranges": lambda: AutoscalerProfile(
        window_seconds=2,
        panic_window_percentage=0,
        panic_threshold_percentage=105,
        target_utilization_percentage=0,
        scale_down_delay_seconds=4000,
        target=0,
        min_scale=3,
        max_scale=1,
        initial_scale=0,
        activation_scale=1,
        target_burst_capacity=-5,
    ).problems(),
    "profile-warnings": lambda: AutoscalerProfile(
        target_utilization_percentage=60,
        panic_threshold_percentage=150,
        window_seconds=10,
        startup=StartupTime(20),
        metric="rps",
    ).problems(),
    "profile-startup": lambda: AutoscalerProfile.from_startup(20, p95_seconds=5).problems(),
    "profile-clamped": lambda: AutoscalerProfile.from_startup(1).problems(),
}


def observed() -> dict[tuple[str, str], str]:
    """(code, severity) -> the input that produced it."""
    seen: dict[tuple[str, str], str] = {}
    for name, make in PROBLEM_SOURCES.items():
        for problem in make():
            seen.setdefault((problem.code, problem.severity), name)
    return seen


@pytest.mark.parametrize("name", list(PROBLEM_SOURCES))
def test_every_problem_code_is_a_practice_or_a_knative_rule(name: str) -> None:
    found = PROBLEM_SOURCES[name]()
    assert found, "the input must produce problems"
    for problem in found:
        assert problem.code in PRACTICES or problem.code in KNATIVE_RULES, problem.code
        assert problem.rule is None or problem.rule in KNATIVE_RULES, problem.rule


_KIND = {"error": "error", "warning": "warn"}

#: (code, severity) pairs the checks produce, and whether the catalogue lists that kind.
#: Pairs the catalogue omits would be marked as known bugs (none today).
_CATALOGUE_GAPS: set[tuple[str, str]] = set()


def _severity_rows() -> list[object]:
    rows: list[object] = []
    for (code, severity), source in sorted(observed().items()):
        if code not in PRACTICES:
            continue  # Knative rule codes have no enforcement kinds
        marks = []
        if (code, severity) in _CATALOGUE_GAPS:
            marks.append(
                pytest.mark.xfail(
                    strict=True,
                    reason=f"BUG: practices/catalogue.py lists {code} without"
                    f" '{_KIND[severity]}', but the checks report {code} problems with severity"
                    f" '{severity}'",
                )
            )
        rows.append(pytest.param(code, severity, source, marks=marks, id=f"{code}-{severity}"))
    return rows


@pytest.mark.parametrize(("code", "severity", "source"), _severity_rows())
def test_catalogue_enforcement_lists_every_severity_a_practice_is_reported_with(
    code: str, severity: str, source: str
) -> None:
    assert _KIND[severity] in PRACTICES[code].enforcement, (
        f"{code} is reported as {severity} (by {source!r}) but the catalogue says"
        f" {PRACTICES[code].enforcement}"
    )


def test_the_severity_table_covers_what_it_claims() -> None:
    seen = set(observed())
    missing = _CATALOGUE_GAPS - seen
    assert not missing, sorted(missing)
