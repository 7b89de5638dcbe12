"""The summary's latency statistics: selection and the exact sum give what sort and fsum give."""

from __future__ import annotations

import sys
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.sim._stats import HAVE_NUMPY, latency_stats, sorted_stats

needs_numpy = pytest.mark.skipif(not HAVE_NUMPY, reason="numpy is not installed (the plot extra brings it)")

_latency = st.one_of(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.floats(min_value=0.0, max_value=1e-300, allow_nan=False),  # tiny and subnormal values
    st.sampled_from([0.0, 1.0, 0.1, 2.5, 1e-9, sys.float_info.min, 5e-324]),
)


@needs_numpy
@settings(max_examples=150, deadline=None)
@given(values=st.lists(_latency, max_size=400), rejected=st.lists(st.booleans(), max_size=400))
def test_selection_and_exact_sum_equal_sort_and_fsum(values: list[float], rejected: list[bool]) -> None:
    marks = rejected + [False] * (len(values) - len(rejected))
    lat = array("d", [-1.0 if r else v for v, r in zip(values, marks, strict=False)])
    kept = [v for v in lat if v >= 0.0]
    expected = sorted_stats(kept)
    fast = latency_stats(lat, any_rejected=any(marks[: len(values)]))
    slow = latency_stats(lat, any_rejected=any(marks[: len(values)]), use_numpy=False)
    assert fast == expected
    assert slow == expected


def test_empty_and_all_rejected() -> None:
    for use in (True, False):
        assert latency_stats(array("d"), any_rejected=False, use_numpy=use) == (0, (None,) * 5, None, None)
        assert latency_stats(array("d", [-1.0, -1.0]), any_rejected=True, use_numpy=use) == (
            0,
            (None,) * 5,
            None,
            None,
        )


def test_nearest_rank_by_hand() -> None:
    # 10 values 1..10: p50 rank ceil(5) = 5 -> 5; p90 rank 9 -> 9; p95 rank ceil(9.5) = 10 -> 10
    lat = array("d", [float(v) for v in (7, 3, 10, 1, 9, 2, 8, 4, 6, 5)])
    for use in (True, False):
        completed, (p50, p90, p95, p99, p999), top, mean = latency_stats(
            lat, any_rejected=False, use_numpy=use
        )
        assert (completed, p50, p90, p95, p99, p999, top, mean) == (10, 5.0, 9.0, 10.0, 10.0, 10.0, 10.0, 5.5)
