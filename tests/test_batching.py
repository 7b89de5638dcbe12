"""Batching: the concurrency values that follow from the batching mode.

KN-CONC-1/2 (no batching), KN-BATCH-1 (fixed), KN-BATCH-2 (in-flight), KN-BATCH-3 (wait).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.batching import Batching
from kn_constructs.errors import Problem


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


# ----------------------------------------------------------------- defaults and derived values


def test_kn_conc_1_kn_conc_2_none_is_one_request_at_a_time() -> None:
    batching = Batching.none()
    assert batching.mode == "none"
    assert batching.container_concurrency == 1
    assert batching.target == batching.container_concurrency == 1
    assert batching.batch_size is None
    assert batching.max_sequences is None
    assert batching.problems() == []


def test_kn_batch_1_fixed_soft_is_batch_and_hard_defaults_to_batch() -> None:
    batching = Batching.fixed(8)
    assert batching.mode == "fixed"
    assert batching.target == 8
    assert batching.container_concurrency == 8
    assert batching.batch_size == 8
    assert batching.max_wait_seconds == 0
    assert batching.problems() == []


def test_kn_batch_1_fixed_keeps_explicit_hard_limit_and_wait() -> None:
    batching = Batching.fixed(8, container_concurrency=12, max_wait_seconds=0.5)
    assert (batching.container_concurrency, batching.target) == (12, 8)
    assert batching.max_wait_seconds == 0.5
    assert batching.problems() == []


def test_kn_batch_2_in_flight_defaults_target_to_80_percent() -> None:
    batching = Batching.in_flight(64)
    assert batching.mode == "in_flight"
    assert batching.container_concurrency == 64
    assert batching.max_sequences == 64
    assert batching.target == math.floor(0.8 * 64)
    assert batching.problems() == []


def test_kn_batch_2_in_flight_keeps_explicit_target() -> None:
    batching = Batching.in_flight(64, target=48)
    assert (batching.container_concurrency, batching.target) == (64, 48)
    assert batching.problems() == []


# ----------------------------------------------------------------- failure table


@pytest.mark.parametrize(
    ("batching", "code", "path"),
    [
        (
            Batching.fixed(8, container_concurrency=17),
            "KN-BATCH-1",
            "batching.container_concurrency",
        ),
        (
            Batching.fixed(8, container_concurrency=7),
            "KN-BATCH-1",
            "batching.container_concurrency",
        ),
        (
            Batching.fixed(8, container_concurrency=0),
            "KN-BATCH-1",
            "batching.container_concurrency",
        ),
        (Batching.fixed(0), "KN-BATCH-1", "batching.batch_size"),
        (Batching.fixed(-4), "KN-BATCH-1", "batching.batch_size"),
        (Batching.fixed(8, max_wait_seconds=-1), "KN-BATCH-3", "batching.max_wait_seconds"),
        (Batching.in_flight(64, target=70), "KN-BATCH-2", "batching.target"),
        (Batching.in_flight(64, target=64.5), "KN-BATCH-2", "batching.target"),
        (Batching.in_flight(0), "KN-BATCH-2", "batching.max_sequences"),
        (Batching.in_flight(-8), "KN-BATCH-2", "batching.max_sequences"),
    ],
    ids=[
        "fixed-hard-above-2x",
        "fixed-hard-below-batch",
        "fixed-hard-zero",
        "fixed-batch-zero",
        "fixed-batch-negative",
        "fixed-negative-wait",
        "in-flight-soft-above-hard",
        "in-flight-soft-just-above-hard",
        "in-flight-zero-sequences",
        "in-flight-negative-sequences",
    ],
)
def test_batching_failures(batching: Batching, code: str, path: str) -> None:
    found = errors(batching.problems())
    assert [(p.code, p.path) for p in found] == [(code, path)]


def test_kn_batch_1_error_message_reads_like_knative_bounds() -> None:
    (problem,) = Batching.fixed(8, container_concurrency=17).problems()
    assert problem.message == "expected 8 <= 17 <= 16"
    assert problem.value == 17
    assert problem.allowed is not None
    assert problem.allowed.startswith("8..16")


def test_kn_batch_2_soft_above_hard_reports_value_and_range() -> None:
    (problem,) = Batching.in_flight(64, target=70).problems()
    assert problem.severity == "error"
    assert problem.value == 70
    assert problem.allowed is not None
    assert problem.allowed.endswith("..64")


def test_problems_use_the_given_path_prefix() -> None:
    (problem,) = Batching.fixed(8, container_concurrency=17).problems("llama.batching")
    assert problem.path == "llama.batching.container_concurrency"


# ----------------------------------------------------------------- valid table


@pytest.mark.parametrize(
    "batching",
    [
        Batching.none(),
        Batching.fixed(1),
        Batching.fixed(8, container_concurrency=8),
        Batching.fixed(8, container_concurrency=12),
        Batching.fixed(8, max_wait_seconds=0.25),
        Batching.in_flight(2),
        Batching.in_flight(64, target=60),
        Batching.in_flight(256),
    ],
    ids=[
        "none",
        "fixed-1",
        "fixed-hard-eq-batch",
        "fixed-hard-1.5x",
        "fixed-wait",
        "in-flight-2",
        "in-flight-60-of-64",
        "in-flight-256",
    ],
)
def test_valid_batching_has_no_problems(batching: Batching) -> None:
    assert batching.problems() == []


# ----------------------------------------------------------------- warnings table


@pytest.mark.parametrize(
    ("batching", "code", "path"),
    [
        (
            Batching.fixed(8, container_concurrency=13),
            "KN-BATCH-1",
            "batching.container_concurrency",
        ),
        (
            Batching.fixed(8, container_concurrency=16),
            "KN-BATCH-1",
            "batching.container_concurrency",
        ),
        (Batching.in_flight(64, target=62), "KN-BATCH-2", "batching.target"),
        (Batching.in_flight(64, target=64), "KN-BATCH-2", "batching.target"),
    ],
    ids=["fixed-hard-13-of-8", "fixed-hard-2x", "in-flight-62-of-64", "in-flight-soft-eq-hard"],
)
def test_batching_warnings(batching: Batching, code: str, path: str) -> None:
    found = batching.problems()
    assert [(p.code, p.path, p.severity) for p in found] == [(code, path, "warning")]


def test_kn_batch_1_warning_names_the_recommended_ceiling() -> None:
    (problem,) = Batching.fixed(8, container_concurrency=13).problems()
    assert problem.value == 13
    assert problem.allowed is not None
    assert str(math.floor(1.5 * 8)) in problem.allowed


# ----------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(batch=st.integers(1, 500), hard=st.integers(0, 1200))
def test_kn_batch_1_fixed_errors_exactly_outside_batch_to_twice_batch(batch: int, hard: int) -> None:
    found = Batching.fixed(batch, container_concurrency=hard).problems()
    in_range = batch <= hard <= 2 * batch
    assert bool(errors(found)) == (not in_range)
    should_warn = in_range and hard > 1.5 * batch
    assert bool(warnings_of(found)) == should_warn
    assert all(p.code == "KN-BATCH-1" for p in found)


@settings(max_examples=100, deadline=None)
@given(sequences=st.integers(2, 4096))
def test_kn_batch_2_default_target_is_clear_of_hard_limit(sequences: int) -> None:
    batching = Batching.in_flight(sequences)
    assert batching.target == math.floor(0.8 * sequences)
    assert 1 <= batching.target < sequences
    assert batching.problems() == []


@settings(max_examples=100, deadline=None)
@given(sequences=st.integers(1, 4096), fraction=st.floats(0.01, 1.5))
def test_kn_batch_2_soft_target_severity_follows_the_rule(sequences: int, fraction: float) -> None:
    target = round(sequences * fraction, 2)
    found = Batching.in_flight(sequences, target=target).problems()
    if target > sequences:
        expected = [("KN-BATCH-2", "error")]
    elif sequences >= 2 and target > 0.95 * sequences:  # one sequence: target 1 is the only choice
        expected = [("KN-BATCH-2", "warning")]
    else:
        expected = []
    assert [(p.code, p.severity) for p in found] == expected
