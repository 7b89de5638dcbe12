"""The error family: Problem, ValidationError, KnWarning, raise_for_errors, emit_warnings."""

from __future__ import annotations

import warnings

import pytest

from kn_constructs.errors import (
    KnConstructsError,
    KnWarning,
    Problem,
    ValidationError,
    emit_warnings,
    raise_for_errors,
)

WINDOW = Problem(
    "KN-AS-3",
    "llama.autoscaling.window_seconds",
    "expected 6s <= 2s <= 1h0m0s",
    value=2,
    allowed="6..3600 seconds",
    hint="derive it with AutoscalerProfile.from_startup(...)",
    rule="KNATIVE-ANNOTATION-VALUE",
)
THRESHOLD = Problem(
    "KN-AS-5",
    "llama.autoscaling.panic_threshold_percentage",
    "expected 110 <= 105 <= 1000",
    value=105.0,
    allowed="110..1000",
)
BATCH = Problem("KN-BATCH-1", "llama.batching.container_concurrency", "expected 8 <= 17 <= 16", value=17)
LONG = Problem(
    "KN-LONG-1",
    "llama.longest_request_seconds",
    "requests over 120s",
    value=300,
    severity="warning",
)
PROBE = Problem("KN-PROBE-3", "llama.probes.readiness_failure_threshold", "slow", severity="warning")


# ----------------------------------------------------------------- Problem


def test_problem_str_pins_the_message_format() -> None:
    assert str(WINDOW) == (
        "[KN-AS-3] llama.autoscaling.window_seconds: expected 6s <= 2s <= 1h0m0s"
        " (value: 2; allowed: 6..3600 seconds)\n"
        "    hint: derive it with AutoscalerProfile.from_startup(...)"
    )


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (Problem("KN-X-1", "a.b", "msg"), "[KN-X-1] a.b: msg"),
        (Problem("KN-X-1", "a.b", "msg", value="s3"), "[KN-X-1] a.b: msg (value: 's3')"),
        (Problem("KN-X-1", "a.b", "msg", allowed="1..9"), "[KN-X-1] a.b: msg (allowed: 1..9)"),
        (Problem("KN-X-1", "a.b", "msg", value=0), "[KN-X-1] a.b: msg (value: 0)"),
        (Problem("KN-X-1", "a.b", "msg", hint="fix"), "[KN-X-1] a.b: msg\n    hint: fix"),
    ],
    ids=["bare", "string-value-repr", "allowed-only", "zero-value-kept", "hint-only"],
)
def test_problem_str_shows_only_the_details_it_has(problem: Problem, expected: str) -> None:
    assert str(problem) == expected


def test_problem_defaults_to_error_severity_without_rule() -> None:
    problem = Problem("KN-X-1", "a", "msg")
    assert problem.severity == "error"
    assert problem.rule is None


def test_problem_under_nests_the_path_and_keeps_the_rest() -> None:
    nested = Problem("KN-AS-3", "autoscaling.window_seconds", "m", value=2).under("llama")
    assert nested.path == "llama.autoscaling.window_seconds"
    assert (nested.code, nested.value) == ("KN-AS-3", 2)


@pytest.mark.parametrize(
    ("path", "prefix", "expected"),
    [("a.b", "", "a.b"), ("", "llama", "llama"), ("a", "x.y", "x.y.a")],
)
def test_problem_under_edge_cases(path: str, prefix: str, expected: str) -> None:
    assert Problem("KN-X-1", path, "m").under(prefix).path == expected


def test_problem_with_path_and_as_warning_return_copies() -> None:
    moved = BATCH.with_path("other.path")
    assert moved.path == "other.path"
    assert BATCH.path == "llama.batching.container_concurrency"
    warned = BATCH.as_warning()
    assert warned.severity == "warning"
    assert BATCH.severity == "error"
    assert (warned.code, warned.path, warned.value) == (BATCH.code, BATCH.path, BATCH.value)


# ----------------------------------------------------------------- ValidationError


def test_validation_error_is_in_the_error_family() -> None:
    error = ValidationError([BATCH])
    assert isinstance(error, KnConstructsError)
    assert isinstance(error, ValueError)


def test_validation_error_sorts_problems_by_path_then_code() -> None:
    same_path_b = Problem("KN-B-1", "a.same", "second")
    same_path_a = Problem("KN-A-1", "a.same", "first")
    error = ValidationError([THRESHOLD, WINDOW, BATCH, same_path_b, same_path_a])
    paths_codes = [(p.path, p.code) for p in error.problems]
    assert paths_codes == sorted(paths_codes)
    assert error.problems[:2] == (same_path_a, same_path_b)
    assert error.codes == [p.code for p in error.problems]


def test_validation_error_lists_every_problem_in_its_message() -> None:
    problems = [THRESHOLD, WINDOW, BATCH]
    error = ValidationError(problems, subject="llama")
    message = str(error)
    lines = message.splitlines()
    assert lines[0] == "llama: 3 problems found"
    for problem in problems:
        assert f"  {problem}" in message
    # Every problem's first line appears in sorted order.
    firsts = [f"  {p}".splitlines()[0] for p in error.problems]
    positions = [lines.index(first) for first in firsts]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("problems", "subject", "head"),
    [
        ([BATCH], None, "1 problem found"),
        ([BATCH], "svc", "svc: 1 problem found"),
        ([BATCH, WINDOW], None, "2 problems found"),
    ],
)
def test_validation_error_head_line(problems: list[Problem], subject: str | None, head: str) -> None:
    assert str(ValidationError(problems, subject=subject)).splitlines()[0] == head


def test_validation_error_find_by_code_and_path() -> None:
    other_window = WINDOW.with_path("mistral.autoscaling.window_seconds")
    error = ValidationError([WINDOW, other_window, BATCH])
    assert error.find("KN-AS-3") == [WINDOW, other_window]
    assert error.find("KN-AS-3", "llama.autoscaling.window_seconds") == [WINDOW]
    assert error.find("KN-AS-3", "llama.autoscaling") == []
    assert error.find("KN-AS-5") == []


# ----------------------------------------------------------------- raise_for_errors


def test_raise_for_errors_ignores_warnings() -> None:
    raise_for_errors([LONG, PROBE])
    raise_for_errors([])


def test_raise_for_errors_raises_once_with_every_error_and_no_warning() -> None:
    with pytest.raises(ValidationError) as caught:
        raise_for_errors([LONG, WINDOW, PROBE, BATCH], subject="llama")
    assert sorted(caught.value.codes) == ["KN-AS-3", "KN-BATCH-1"]
    assert all(p.severity == "error" for p in caught.value.problems)
    assert caught.value.subject == "llama"
    assert "KN-LONG-1" not in str(caught.value)


# ----------------------------------------------------------------- warnings


def test_kn_warning_carries_code_path_and_problem() -> None:
    warning = KnWarning(LONG)
    assert isinstance(warning, UserWarning)
    assert (warning.code, warning.path) == ("KN-LONG-1", "llama.longest_request_seconds")
    assert warning.problem is LONG
    assert str(warning) == str(LONG)


def test_emit_warnings_emits_each_warning_as_kn_warning() -> None:
    with pytest.warns(KnWarning) as record:
        emitted = emit_warnings([LONG, WINDOW, PROBE])
    got = [(w.message.code, w.message.path) for w in record if isinstance(w.message, KnWarning)]
    assert got == [(LONG.code, LONG.path), (PROBE.code, PROBE.path)]
    assert emitted == [LONG, PROBE]


def test_emit_warnings_skips_acknowledged_codes() -> None:
    with pytest.warns(KnWarning) as record:
        emitted = emit_warnings([LONG, PROBE], acknowledged=["KN-LONG-1"])
    codes = [w.message.code for w in record if isinstance(w.message, KnWarning)]
    assert codes == ["KN-PROBE-3"]
    assert emitted == [PROBE]


def test_emit_warnings_with_everything_acknowledged_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emitted = emit_warnings([LONG, PROBE, BATCH], acknowledged={"KN-LONG-1", "KN-PROBE-3"})
    assert emitted == []


def test_emit_warnings_never_emits_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert emit_warnings([WINDOW, BATCH]) == []
