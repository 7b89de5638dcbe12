"""Traces: CSV and token-count readers, generators, validation."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from kn_constructs.errors import ValidationError
from kn_constructs.sim import Distribution, TokenModel, Trace, traces

# ----------------------------------------------------------------- Trace


def test_trace_columns_and_derived_numbers() -> None:
    trace = Trace([0.0, 1.0, 3.0], [2.0, 2.0, 2.0], duration_seconds=6)
    assert len(trace) == 3
    assert list(trace) == [(0.0, 2.0), (1.0, 2.0), (3.0, 2.0)]
    assert trace.requests_per_second == 0.5  # 3 / 6
    assert trace.offered_load == 1.0  # 6 s of work / 6 s


def test_duration_defaults_to_the_last_arrival() -> None:
    assert Trace([0.0, 4.5], [1.0, 1.0]).duration_seconds == 4.5


def test_from_pairs_sorts_by_arrival() -> None:
    trace = Trace.from_pairs([(3.0, 1.0), (1.0, 2.0), (2.0, 3.0)])
    assert list(trace) == [(1.0, 2.0), (2.0, 3.0), (3.0, 1.0)]


def test_bad_columns_are_all_reported_with_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        Trace([1.0, 0.5, math.inf], [1.0, -2.0, 1.0], name="t")
    paths = {(p.code, p.path) for p in caught.value.problems}
    assert paths == {
        ("SIM-TRACE", "t[1].arrival_seconds"),
        ("SIM-TRACE", "t[1].service_seconds"),
        ("SIM-TRACE", "t[2].arrival_seconds"),
    }


def test_duration_before_the_last_arrival_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Trace([5.0], [1.0], duration_seconds=2, name="t")
    (problem,) = caught.value.problems
    assert (problem.path, problem.allowed) == ("t.duration_seconds", ">= 5.0")


def test_mismatched_columns() -> None:
    with pytest.raises(ValidationError) as caught:
        Trace([1.0, 2.0], [1.0], name="t")
    assert caught.value.find("SIM-TRACE", "t.service_seconds")


# ----------------------------------------------------------------- CSV


def test_read_csv_with_header_any_order_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    path.write_text("id,service_seconds,arrival_seconds\na,2.5,3\nb,1,0.5\n\nc,0.25,1\n")
    trace = traces.read_csv(path)
    assert list(trace) == [(0.5, 1.0), (1.0, 0.25), (3.0, 2.5)]
    assert trace.name == "trace.csv"


@pytest.mark.parametrize("header", ["arrival,duration", "timestamp,service_time", "t,service"])
def test_read_csv_column_aliases(header: str) -> None:
    trace = traces.read_csv(io.StringIO(f"{header}\n1,2\n"))
    assert list(trace) == [(1.0, 2.0)]


def test_read_csv_without_header() -> None:
    trace = traces.read_csv(io.StringIO("0,1.5\n2,0.5\n"), duration_seconds=10)
    assert list(trace) == [(0.0, 1.5), (2.0, 0.5)]
    assert trace.duration_seconds == 10


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    trace = traces.poisson(2, 30, service=Distribution.lognormal(1, 0.5), seed=3)
    path = tmp_path / "out.csv"
    trace.write_csv(path)
    again = traces.read_csv(path, duration_seconds=trace.duration_seconds)
    assert again == trace


def test_csv_errors_name_file_line_and_column() -> None:
    source = io.StringIO("arrival_seconds,service_seconds\n1,2\nx,1\n3,-1\n")
    source.name = "bad.csv"
    with pytest.raises(ValidationError) as caught:
        traces.read_csv(source)
    assert {(p.code, p.path) for p in caught.value.problems} == {
        ("SIM-TRACE", "bad.csv:3.arrival_seconds"),
        ("SIM-TRACE", "bad.csv:4.service_seconds"),
    }
    assert caught.value.find("SIM-TRACE", "bad.csv:3.arrival_seconds")[0].message == "invalid value: 'x'"


def test_csv_missing_column_lists_the_accepted_names() -> None:
    source = io.StringIO("when,how_long\n1,2\n")
    source.name = "cols.csv"
    with pytest.raises(ValidationError) as caught:
        traces.read_csv(source)
    (problem,) = caught.value.problems
    assert problem.path == "cols.csv:1"
    assert "arrival_seconds" in (problem.allowed or "")


def test_many_bad_rows_are_summarised() -> None:
    rows = "".join(f"{i},-1\n" for i in range(100))
    with pytest.raises(ValidationError) as caught:
        traces.read_csv(io.StringIO("arrival_seconds,service_seconds\n" + rows))
    assert len(caught.value.problems) == 21
    assert any("and 80 more problems" in p.message for p in caught.value.problems)


# ----------------------------------------------------------------- token traces


def test_token_trace_with_iso_timestamps_in_azure_column_names() -> None:
    text = (
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:15:46.500000,1000,200\n"
        "2023-11-16 18:15:46.000000,2000,100\n"
    )
    model = TokenModel(prefill_tokens_per_second=4000, decode_tokens_per_second=50, overhead_seconds=0.1)
    trace = traces.read_token_trace(io.StringIO(text), model)
    # arrivals from the earliest timestamp: 0 and 0.5 s
    # durations: 0.1 + 2000/4000 + 100/50 = 2.6 s; 0.1 + 1000/4000 + 200/50 = 4.35 s
    assert list(trace) == [(0.0, pytest.approx(2.6)), (0.5, pytest.approx(4.35))]


def test_token_trace_with_seconds_and_named_columns() -> None:
    text = "t,p,c\n100,400,40\n103,0,10\n"
    model = TokenModel(prefill_tokens_per_second=400, decode_tokens_per_second=20)
    trace = traces.read_token_trace(
        io.StringIO(text), model, timestamp_column="t", input_column="p", output_column="c"
    )
    # 400/400 + 40/20 = 3 s at 0; 0 + 10/20 = 0.5 s at 3
    assert list(trace) == [(0.0, 3.0), (3.0, 0.5)]


def test_token_trace_errors() -> None:
    model = TokenModel(0, 50)
    with pytest.raises(ValidationError) as caught:
        traces.read_token_trace(io.StringIO("timestamp,input_tokens,output_tokens\n1,2,3\n"), model)
    assert caught.value.find("SIM-TRACE", "token_model.prefill_tokens_per_second")
    source = io.StringIO("timestamp,input_tokens,output_tokens\nyesterday,2,3\n1,2,x\n")
    source.name = "tok.csv"
    with pytest.raises(ValidationError) as caught:
        traces.read_token_trace(source, TokenModel(1000, 50))
    assert {p.path for p in caught.value.problems} == {"tok.csv:2.timestamp", "tok.csv:3.output_tokens"}


# ----------------------------------------------------------------- generators


def test_generators_are_seeded() -> None:
    a = traces.poisson(3, 100, service=Distribution.exponential(1), seed=5)
    b = traces.poisson(3, 100, service=Distribution.exponential(1), seed=5)
    c = traces.poisson(3, 100, service=Distribution.exponential(1), seed=6)
    assert a == b
    assert a != c


def test_service_distribution_does_not_move_arrivals() -> None:
    fixed = traces.poisson(3, 100, service=1.0, seed=5)
    varied = traces.poisson(3, 100, service=Distribution.lognormal(1, 0.5), seed=5)
    assert fixed.arrival_seconds == varied.arrival_seconds
    assert set(fixed.service_seconds) == {1.0}


def test_poisson_rate_is_within_five_standard_deviations() -> None:
    rate, duration = 20.0, 5000.0
    trace = traces.poisson(rate, duration, seed=1)
    expected = rate * duration  # 100 000 arrivals, standard deviation sqrt(100 000) = 316
    assert abs(len(trace) - expected) < 5 * math.sqrt(expected)
    assert all(0 <= a < duration for a in trace.arrival_seconds)
    assert list(trace.arrival_seconds) == sorted(trace.arrival_seconds)


def test_bursts_raise_the_rate_only_inside_bursts() -> None:
    trace = traces.bursts(1, 50, burst_seconds=10, every_seconds=100, duration_seconds=1000, seed=2)
    inside = sum(1 for a in trace.arrival_seconds if a % 100 < 10 and a >= 100)
    outside = len(trace) - inside
    # 9 bursts x 10 s x 50/s = 4500 expected inside; 1000 - 90 s at 1/s = 910 outside
    assert abs(inside - 4500) < 5 * math.sqrt(4500)
    assert abs(outside - 910) < 5 * math.sqrt(910)


def test_on_off_has_no_arrivals_while_off() -> None:
    trace = traces.on_off(5, on_seconds=30, off_seconds=70, duration_seconds=500, seed=3)
    assert all(a % 100 < 30 for a in trace.arrival_seconds)
    assert trace.duration_seconds == 500


def test_diurnal_peaks_at_the_peak_and_troughs_at_the_trough() -> None:
    trace = traces.diurnal(10, duration_seconds=2000, period_seconds=1000, amplitude=0.8, seed=4)
    # rate 10 x (1 + 0.8 cos(2 pi (t - 500) / 1000)): 18/s around t = 500 and 1500, 2/s around 0 and 1000
    near_peak = sum(1 for a in trace.arrival_seconds if abs(a % 1000 - 500) < 50)
    near_trough = sum(1 for a in trace.arrival_seconds if a % 1000 < 50 or a % 1000 > 950)
    assert near_peak > 4 * near_trough
    # mean rate over whole periods is the mean: 20 000 expected
    assert abs(len(trace) - 20000) < 5 * math.sqrt(20000)


def test_generator_arguments_are_checked() -> None:
    with pytest.raises(ValidationError) as caught:
        traces.poisson(-1, 0)
    assert {p.path for p in caught.value.problems} == {"rate_per_second", "duration_seconds"}
    with pytest.raises(ValidationError) as caught:
        traces.bursts(1, 2, burst_seconds=20, every_seconds=10, duration_seconds=100)
    assert caught.value.find("SIM-TRACE", "every_seconds")
    with pytest.raises(ValidationError) as caught:
        traces.diurnal(1, duration_seconds=10, amplitude=2)
    assert caught.value.find("SIM-TRACE", "amplitude")
    with pytest.raises(ValidationError) as caught:
        traces.piecewise_poisson([(10, 1), (0, 2)], 100)
    assert caught.value.find("SIM-TRACE", "segments")
