"""The private Go-compatibility helpers: strconv parsing and fmt printing."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative import _go


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.1, "0.1"),
        (200.0, "200"),
        (1.424, "1.424"),
        (0.001, "0.001"),
        (1e-05, "1e-05"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (-5.25, "-5.25"),
        (0.95, "0.95"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (math.nan, "NaN"),
    ],
)
def test_format_v_matches_go(value: float, text: str) -> None:
    assert _go.format_v(value) == text


def test_format_f_matches_go() -> None:
    assert _go.format_f(-11.0) == "-11.000000"
    assert _go.format_f(1.424) == "1.424000"


@pytest.mark.parametrize(
    "text", ["1", "-1.5", "+.5", "5.", "1e3", "1E-3", "inf", "-Infinity", "NaN", "0x1p-2"]
)
def test_parse_float_accepts_go_syntax(text: str) -> None:
    _go.parse_float(text)


@pytest.mark.parametrize("text", ["", " 1", "1 ", "1_000", "+nan", "0x1", "1e", "e3", "\u0661"])
def test_parse_float_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(_go.GoNumError, match="invalid syntax"):
        _go.parse_float(text)


def test_parse_float_overflow_is_a_range_error() -> None:
    with pytest.raises(_go.GoNumError, match="value out of range") as info:
        _go.parse_float("1e400")
    assert info.value.out_of_range


@pytest.mark.parametrize(("text", "value"), [("5", 5), ("+5", 5), ("-5", -5), ("05", 5)])
def test_parse_int(text: str, value: int) -> None:
    assert _go.parse_int(text, 32) == value


@pytest.mark.parametrize("text", ["", "1.0", " 1", "1_0", "\u0663", "0x10"])
def test_parse_int_syntax(text: str) -> None:
    with pytest.raises(_go.GoNumError) as info:
        _go.parse_int(text, 32)
    assert str(info.value) == f'strconv.ParseInt: parsing "{text}": invalid syntax'
    assert not info.value.out_of_range


def test_parse_int_range() -> None:
    with pytest.raises(_go.GoNumError) as info:
        _go.parse_int("2147483648", 32)
    assert info.value.out_of_range
    assert _go.parse_int("-2147483648", 32) == -2147483648


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_parse_bool_true(text: str) -> None:
    assert _go.parse_bool(text) is True


@pytest.mark.parametrize("text", ["yes", "on", "tRUE", ""])
def test_parse_bool_rejects(text: str) -> None:
    with pytest.raises(_go.GoNumError, match=r"strconv\.ParseBool"):
        _go.parse_bool(text)


@pytest.mark.parametrize("text", ["0", "1", "500m", "32Gi", "1.5", "1e3", "-1", "100M", "1.", "4"])
def test_quantities(text: str) -> None:
    assert _go.quantity_error(text) is None


@pytest.mark.parametrize("text", ["", "100mx", "1Gb", "abc", "1 Gi", "1e", "1.2.3"])
def test_bad_quantities(text: str) -> None:
    assert _go.quantity_error(text) is not None


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_v_round_trips(value: float) -> None:
    assert float(_go.format_v(value)) == value
