"""Go durations: parse like time.ParseDuration, print like Duration.String()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative.durations import (
    format_go_duration,
    format_go_duration_ns,
    is_whole_seconds,
    parse_go_duration,
    parse_go_duration_ns,
)

MAX_NS = (1 << 63) - 1


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("300ms", 0.3),
        ("1.5h", 5400.0),
        ("1h2m3s", 3723.0),
        ("-1m", -60.0),
        ("+5s", 5.0),
        ("0", 0.0),
        ("-0", 0.0),
        ("40s", 40.0),
        ("1m1.984s", 61.984),
        ("311m", 18660.0),
        (".5s", 0.5),
        ("1.s", 1.0),
        ("1us", 1e-6),
        ("1\u00b5s", 1e-6),
        ("1\u03bcs", 1e-6),
        ("2ns", 2e-9),
        ("1h0m0s", 3600.0),
    ],
)
def test_parse_valid(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("40", 'time: missing unit in duration "40"'),
        ("120000000000", 'time: missing unit in duration "120000000000"'),
        ("", 'time: invalid duration ""'),
        (".s", 'time: invalid duration ".s"'),
        ("-", 'time: invalid duration "-"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("1h1", 'time: missing unit in duration "1h1"'),
        ("jerry-was-a-racecar-driver", 'time: invalid duration "jerry-was-a-racecar-driver"'),
        (" 1s", 'time: invalid duration " 1s"'),
        ("1 s", 'time: unknown unit " s" in duration "1 s"'),
        ("9999999999999h", 'time: invalid duration "9999999999999h"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
    ],
)
def test_parse_invalid_has_go_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^time: ") as info:
        parse_go_duration(text)
    assert str(info.value) == message


def test_parse_is_exact_in_nanoseconds() -> None:
    assert parse_go_duration_ns("1h2m3.000000001s") == 3_723_000_000_001
    assert parse_go_duration_ns("1.0000000001s") == 1_000_000_000  # Go truncates the fraction


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (40, "40s"),
        (90, "1m30s"),
        (3600, "1h0m0s"),
        (0, "0s"),
        (1.5, "1.5s"),
        (0.5, "500ms"),
        (61.984, "1m1.984s"),
        (-83, "-1m23s"),
        (6, "6s"),
        (360000, "100h0m0s"),
        (1e-6, "1\u00b5s"),
        (1.5e-9, "2ns"),
    ],
)
def test_format_like_go(seconds: float, text: str) -> None:
    assert format_go_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "whole"),
    [(40, True), (40.0, True), (1.5, False), (0, True), (-3, True), (1e-9, False)],
)
def test_is_whole_seconds(seconds: float, whole: bool) -> None:
    assert is_whole_seconds(seconds) is whole


@given(st.integers(min_value=-MAX_NS, max_value=MAX_NS))
def test_format_then_parse_round_trips_nanoseconds(ns: int) -> None:
    assert parse_go_duration_ns(format_go_duration_ns(ns)) == ns


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_then_parse_round_trips_whole_seconds(seconds: int) -> None:
    text = format_go_duration(seconds)
    assert parse_go_duration(text) == seconds
    assert is_whole_seconds(parse_go_duration(text))


@given(st.integers(min_value=1, max_value=10**6).map(str))
def test_bare_numbers_are_invalid_except_zero(text: str) -> None:
    with pytest.raises(ValueError, match="missing unit"):
        parse_go_duration(text)
