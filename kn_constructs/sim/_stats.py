"""The latency summary of a run without sorting every latency: selection.

A day at 20 requests per second has 1.7 million latencies; sorting them for five percentiles
took about a quarter of a simulation. Selection gives the *same numbers*, bit for bit:

- **percentiles** (nearest rank: the value at rank ``ceil(q / 100 x n)``) are order statistics,
  found by ``numpy.partition`` (introselect, linear time) at every rank at once; an order
  statistic is one of the values, so it is the value a full sort would put at that rank;
- **the mean** is ``math.fsum`` (the exactly rounded sum, whatever the order) over ``n``.

numpy is used when it is installed (it is with the ``plot`` extra, and wherever matplotlib is);
without it the same numbers come from ``sort`` and ``fsum``. ``tests/sim/test_stats.py``
checks both paths against each other.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from array import array
from collections.abc import Sequence
from typing import Any, Final

#: Whether the fast path is available (numpy is imported on first use: the CLI starts fast).
HAVE_NUMPY: Final = importlib.util.find_spec("numpy") is not None

__all__ = ["HAVE_NUMPY", "PERCENTILES", "LatencyStats", "latency_stats"]

#: The percentiles of the summary.
PERCENTILES: Final = (50.0, 90.0, 95.0, 99.0, 99.9)

#: (completed, the percentiles in PERCENTILES order, max, mean); ``None`` entries when empty.
LatencyStats = tuple[int, tuple[float | None, ...], float | None, float | None]


def _rank(q: float, n: int) -> int:
    """The 0-based index of the nearest-rank percentile ``q`` of ``n`` values (as ``percentile``)."""
    return min(max(1, math.ceil(q / 100 * n)), n) - 1


def latency_stats(latencies: array[float], *, any_rejected: bool, use_numpy: bool = True) -> LatencyStats:
    """Completed count, nearest-rank percentiles, maximum and mean of the non-negative latencies.

    Args:
        latencies: Each request's latency, or -1 for a rejected one.
        any_rejected: Whether any entry is -1 (else every entry counts, without a filter pass).
        use_numpy: Use the selection path when numpy is installed (``False``: sort and fsum).
    """
    if use_numpy and HAVE_NUMPY:
        return _with_numpy(latencies, any_rejected)
    values = latencies.tolist() if not any_rejected else [v for v in latencies if v >= 0.0]
    values.sort()
    n = len(values)
    if n == 0:
        return 0, tuple(None for _ in PERCENTILES), None, None
    return n, tuple(values[_rank(q, n)] for q in PERCENTILES), values[-1], math.fsum(values) / n


def _with_numpy(latencies: array[float], any_rejected: bool) -> LatencyStats:
    np: Any = importlib.import_module("numpy")
    data = np.frombuffer(latencies, dtype=np.float64) if len(latencies) else np.zeros(0)
    if any_rejected:
        data = data[data >= 0.0]
    n = int(data.size)
    if n == 0:
        return 0, tuple(None for _ in PERCENTILES), None, None
    ranks = [_rank(q, n) for q in PERCENTILES]
    kth = sorted({*ranks, n - 1})
    part = np.partition(data, kth)
    values = tuple(float(part[r]) for r in ranks)
    total = math.fsum(latencies) if not any_rejected else math.fsum(data.tolist())
    return n, values, float(part[n - 1]), total / n


def sorted_stats(values: Sequence[float]) -> LatencyStats:
    """The reference: sort and fsum (for tests)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return 0, tuple(None for _ in PERCENTILES), None, None
    return n, tuple(ordered[_rank(q, n)] for q in PERCENTILES), ordered[-1], math.fsum(ordered) / n
