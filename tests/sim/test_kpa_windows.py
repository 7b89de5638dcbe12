"""Window averages over 1-second buckets, and the max window behind scale-down delay.

Expected values follow Knative's rules (linear: partial windows averaged over the seconds
since the first write, idle seconds after the last write dropped, reset after a whole window
of silence, 6-decimal rounding; weighted-exponential: ``c (1 - c)^k`` weights, no
renormalisation, decay over idle seconds).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.sim.kpa import (
    LinearWindow,
    MaxTimeWindow,
    MetricWindows,
    WeightedExponentialWindow,
    smoothing_coefficient,
)

# ----------------------------------------------------------------- linear


def test_partial_window_averages_over_the_seconds_since_the_first_write() -> None:
    w = LinearWindow(60)
    for second, value in ((1, 1.0), (2, 2.0), (3, 3.0)):
        w.record(second, value)
    # 3 seconds written out of 60: (1 + 2 + 3) / 3 = 2, not 6 / 60
    assert w.average(3) == 2.0


def test_full_window_is_the_plain_mean_of_the_last_w_seconds() -> None:
    w = LinearWindow(4)
    for second in range(1, 9):
        w.record(second, float(second))
    # window (4, 8]: (5 + 6 + 7 + 8) / 4 = 6.5
    assert w.average(8) == 6.5


def test_idle_seconds_after_the_last_write_are_dropped_not_zero_filled() -> None:
    w = LinearWindow(10)
    for second in range(1, 6):
        w.record(second, 2.0)
    # now 8, last write 5: seconds 6..8 are dropped; 5 written seconds of 2 -> 10 / min(5, 10 - 3) = 2.0
    assert w.average(8) == 2.0
    # now 12: the window is (2, 12]; of the writes only seconds 3, 4, 5 remain -> 6 / min(5, 10 - 7) = 2.0
    assert w.average(12) == 2.0
    # now 15: a whole window since the last write -> 0
    assert w.average(15) == 0.0


def test_gaps_between_writes_count_as_zero() -> None:
    w = LinearWindow(10)
    w.record(1, 4.0)
    w.record(4, 4.0)
    # seconds 2 and 3 are zero-filled: (4 + 0 + 0 + 4) / 4 = 2.0
    assert w.average(4) == 2.0


def test_a_write_after_a_whole_window_of_silence_starts_afresh() -> None:
    w = LinearWindow(10)
    w.record(1, 10.0)
    w.record(12, 3.0)  # 11 s later >= 10: reset, first write = 12
    assert w.average(12) == 3.0


def test_writes_to_the_same_second_are_summed() -> None:
    w = LinearWindow(10)
    w.record(5.2, 2.0)  # the scraper
    w.record(5.9, 3.0)  # the activator, same second
    assert w.average(5) == 5.0


def test_average_is_rounded_to_six_decimals() -> None:
    w = LinearWindow(10)
    w.record(1, 1.0)
    w.record(2, 0.0)
    w.record(3, 0.0)
    # 1/3 = 0.3333333... -> 0.333333
    assert w.average(3) == 0.333333


def test_writes_older_than_the_window_are_ignored() -> None:
    w = LinearWindow(5)
    for second in range(10, 16):
        w.record(second, 1.0)
    w.record(3, 100.0)  # 12 s before the last write (15), more than a window: ignored
    assert w.average(15) == 1.0


def test_a_late_record_inside_the_window_moves_the_first_write_back() -> None:
    """``TimedFloat64Buckets.Record`` (``aggregation/bucketing.go``, knative-v1.23.0).

    Window 10 s; writes at 5 and 6 (F = 5, L = 6), then a late one at 3: 3 + 10 > 6, so it is
    kept, and ``firstWrite.After(bucketTime)`` moves F to 3. ``WindowAverage(6)``: L - F + 1 =
    4 buckets (second 4 holds 0): (8 + 0 + 2 + 2) / min(4, 10) = 3.0, not 12 / 2 = 6.0.
    """
    w = LinearWindow(10)
    w.record(5, 2.0)
    w.record(6, 2.0)
    assert w.average(6) == 2.0  # (2 + 2) / 2
    w.record(3.4, 8.0)
    assert (w.first_write, w.last_write) == (3, 6)
    assert w.average(6) == 3.0
    # two idle seconds later: the slots of 7 and 8 hold nothing; min(6 - 3 + 1, 10 - 2) = 4 -> 12 / 4
    assert w.average(8) == 3.0


def test_a_record_a_whole_window_older_than_the_newest_is_ignored() -> None:
    """``Record`` keeps a write only if ``bucketTime + window > lastWrite`` (knative-v1.23.0).

    Window 5 s, writes of 1 at 10..15 (L = 15). A write at 10 = L - W is not kept (10 + 5 > 15
    is false); its slot, 10 mod 5 = 0, is second 15's, the newest bucket, which must stay 1:
    average (1 x 5) / 5 = 1.0, not 105 / 5 = 21.0. A write at 11 (11 + 5 > 15) is kept, in
    second 11's slot: (5 + 100) / 5 = 21.0.
    """
    w = LinearWindow(5)
    for second in range(10, 16):
        w.record(second, 1.0)
    w.record(10, 100.0)
    assert w.average(15) == 1.0
    assert (w.first_write, w.last_write) == (10, 15)
    w.record(11, 100.0)
    assert w.average(15) == 21.0


def test_weighted_window_ignores_a_record_a_whole_window_old_too() -> None:
    """``WeightedFloat64Buckets`` records through the same ``TimedFloat64Buckets.Record``.

    Window 5 (c = 1 - 10^(-4/5)), writes of 1 at 10..15, then 100 at 10 (ignored):
    sum over k < 5 of 1 x c (1 - c)^k = 1 - (1 - c)^5 = 1 - 10^-4 = 0.9999.
    """
    w = WeightedExponentialWindow(5)
    for second in range(10, 16):
        w.record(second, 1.0)
    w.record(10, 100.0)
    assert w.average(15) == pytest.approx(0.9999)


def test_empty_means_no_write_within_a_window() -> None:
    w = LinearWindow(10)
    assert w.is_empty(0)
    w.record(5, 1.0)
    assert not w.is_empty(15)  # exactly a window old: not yet empty (but averages to 0)
    assert w.average(15) == 0.0
    assert w.is_empty(16)


@settings(max_examples=60, deadline=None)
@given(
    window=st.integers(min_value=1, max_value=20),
    values=st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), min_size=1, max_size=60),
)
def test_consecutive_writes_average_to_the_mean_of_the_last_w_values(
    window: int, values: list[float]
) -> None:
    w = LinearWindow(window)
    for second, value in enumerate(values, start=1):
        w.record(second, value)
    tail = values[-window:]
    expected = math.fsum(tail) / len(tail)
    # Knative keeps a running sum (float drift) and rounds to 6 decimals
    assert w.average(len(values)) == pytest.approx(expected, abs=1e-6 + 1e-9 * max(values))


def _knative_linear_average(records: list[tuple[int, float]], window: int, now: int) -> float:
    """Knative's ``Record`` and ``WindowAverage`` (knative-v1.23.0) restated over absolute seconds.

    No ring: the kept values are a map from second to sum; the window is applied when averaging.
    """
    kept: dict[int, float] = {}
    first: int | None = None
    last: int | None = None
    for second, value in records:
        if second != last:
            if last is not None and second <= last - window:
                continue  # a whole window older than the newest write
            if first is None or second < first:
                first = second
            if last is None or second > last:
                if last is None or second - last >= window:
                    kept, first = {}, second
                last = second
        kept[second] = kept.get(second, 0.0) + value
    if last is None or first is None or now - last >= window:
        return 0.0
    gap = max(0, now - last)
    total = math.fsum(v for k, v in kept.items() if now - window < k <= last)
    return round(total / min(last - first + 1, window - gap), 6)


@settings(max_examples=200, deadline=None)
@given(
    window=st.integers(min_value=1, max_value=8),
    records=st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=100)),
        min_size=1,
        max_size=30,
    ),
    idle=st.integers(min_value=0, max_value=10),
)
def test_records_in_any_order_average_as_knatives_record_and_window_average(
    window: int, records: list[tuple[int, int]], idle: int
) -> None:
    """Late, stale and out-of-order records: the ring agrees with Knative's rules restated without a ring."""
    w = LinearWindow(window)
    for second, value in records:
        w.record(second, float(value))
    assert w.last_write is not None
    now = w.last_write + idle
    expected = _knative_linear_average([(s, float(v)) for s, v in records], window, now)
    assert w.average(now) == pytest.approx(expected, abs=1e-6)


# ----------------------------------------------------------------- weighted exponential


def test_smoothing_coefficient() -> None:
    # max(1 - 0.0001^(1/n), 0.2): 60 -> 1 - 0.8577 = 0.142 -> floor 0.2; 6 -> 1 - 10^(-4/6) = 0.78456
    assert smoothing_coefficient(60) == 0.2
    assert smoothing_coefficient(6) == pytest.approx(1 - 10 ** (-4 / 6))
    assert smoothing_coefficient(6) == pytest.approx(0.7846, abs=1e-4)
    assert smoothing_coefficient(5) == pytest.approx(0.8415, abs=1e-4)
    assert smoothing_coefficient(40) == pytest.approx(0.20567, abs=1e-5)


def test_weighted_average_does_not_renormalise_a_partial_window() -> None:
    w = WeightedExponentialWindow(60)  # c = 0.2
    w.record(1, 10.0)
    w.record(2, 10.0)
    # 10 x 0.2 + 10 x 0.2 x 0.8 = 2 + 1.6 = 3.6 (the missing 58 seconds weigh as zeros)
    assert w.average(2) == pytest.approx(3.6)


def test_weighted_average_decays_over_idle_seconds() -> None:
    w = WeightedExponentialWindow(6)
    c = 1 - 10 ** (-4 / 6)
    w.record(10, 10.0)
    assert w.average(10) == pytest.approx(10 * c)
    # two idle seconds: weight c (1 - c)^2
    assert w.average(12) == pytest.approx(10 * c * (1 - c) ** 2)
    # a whole window idle: 0
    assert w.average(16) == 0.0


def test_weighted_window_is_zero_when_empty() -> None:
    assert WeightedExponentialWindow(10).average(100) == 0.0


# ----------------------------------------------------------------- collector


def test_stable_and_panic_share_records_and_report_no_data_when_empty() -> None:
    windows = MetricWindows(10, 2)
    assert windows.stable_and_panic(5) is None  # nothing recorded and a scrape target exists
    assert windows.stable_and_panic(5, scrape_target=False) == (0.0, 0.0)  # TBC -1: no ErrNoData
    for second, value in ((1, 1.0), (2, 1.0), (3, 4.0), (4, 6.0)):
        windows.record(second, value)
    # stable: (1 + 1 + 4 + 6) / 4 = 3; panic (2 s): (4 + 6) / 2 = 5
    assert windows.stable_and_panic(4) == (3.0, 5.0)


# ----------------------------------------------------------------- max window (scale-down delay)


def test_max_window_keeps_the_largest_value_of_the_last_duration() -> None:
    w = MaxTimeWindow(10)  # ceil(10 / 2) = 5 buckets of 2 s
    w.record(0, 5)  # bucket 0
    w.record(2, 3)  # bucket 1
    assert w.current() == 5
    w.record(8, 1)  # bucket 4: 4 - 0 < 5, the 5 stays
    assert w.current() == 5
    w.record(10, 1)  # bucket 5: 5 - 0 >= 5, the 5 falls out; 3 (bucket 1) remains
    assert w.current() == 3
    w.record(12, 1)  # bucket 6: 6 - 1 >= 5, the 3 falls out
    assert w.current() == 1


def test_max_window_same_bucket_keeps_the_larger_value() -> None:
    w = MaxTimeWindow(4)
    w.record(6.0, 2)
    w.record(7.5, 1)  # same 2-second bucket (index 3): the larger value (2) stays
    assert w.current() == 2
    w.record(8, 7)
    assert w.current() == 7
