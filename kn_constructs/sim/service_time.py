"""Load-dependent service time: a request runs slower when its pod runs more sequences at once.

An engine that batches requests in flight (vLLM, TGI, TensorRT-LLM) serves every sequence of a
batch at once, and each one gets fewer tokens per second as the batch grows. A
:class:`ServiceCurve` says how much: the tokens per second *per request* at each concurrency, as
an engine benchmark reports them (``{1: 95, 8: 60, 32: 28}``). Between the points the rate is
interpolated linearly; below the first point it is the first point's rate; beyond the last point
the engine is taken as saturated: the pod's *total* token rate stays at the last point's
(``rate(k) = rate(K) x K / k``).

The simulator reads a trace's service time as the request's duration when it runs *alone*
(concurrency 1). A request that starts on a pod running ``k`` requests (itself included) takes
``service x rate(1) / rate(k)``: its rate is fixed by the batch it joins (a convention, see
``CONVENTIONS["service-curve"]``), so a pod's capacity at concurrency ``k`` is
``k x rate(k) / (rate(1) x mean service)`` requests per second, and queueing follows from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs.errors import Problem, raise_for_errors

__all__ = ["ServiceCurve"]

_CODE = "SIM-INPUT"


@checked_dataclass
@dataclass(frozen=True)
class ServiceCurve:
    """Tokens per second per request at each concurrency, from an engine benchmark.

    Build one with :meth:`from_points` (a ``{concurrency: tokens per second}`` mapping) or
    directly from two sequences of the same length.

    Attributes:
        concurrency: Concurrencies measured, strictly increasing, each >= 1.
        tokens_per_second: Tokens per second per request at each concurrency, each > 0.
    """

    concurrency: Sequence[int]
    tokens_per_second: Sequence[float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "concurrency", tuple(self.concurrency))
        object.__setattr__(self, "tokens_per_second", tuple(float(v) for v in self.tokens_per_second))
        raise_for_errors(self.problems(), subject="ServiceCurve")

    @classmethod
    @checked
    def from_points(cls, points: Mapping[int, float]) -> ServiceCurve:
        """From ``{concurrency: tokens per second per request}`` (any order; sorted here)."""
        ordered = sorted(points.items())
        return cls([k for k, _ in ordered], [v for _, v in ordered])

    def problems(self, path: str = "service_curve") -> list[Problem]:
        """One problem per bad point: lengths, increasing concurrency >= 1, positive finite rates."""
        found: list[Problem] = []
        if not self.concurrency or len(self.concurrency) != len(self.tokens_per_second):
            found.append(
                Problem(
                    _CODE,
                    path,
                    f"{len(self.concurrency)} concurrencies and {len(self.tokens_per_second)} rates",
                    value={
                        "concurrency": len(self.concurrency),
                        "tokens_per_second": len(self.tokens_per_second),
                    },
                    allowed="at least one point, as many rates as concurrencies",
                )
            )
            return found
        previous = 0
        for i, k in enumerate(self.concurrency):
            if k < 1 or k <= previous:
                found.append(
                    Problem(
                        _CODE,
                        f"{path}.concurrency[{i}]",
                        f"expected {previous + 1} <= {k}" if k >= 1 else f"expected 1 <= {k}",
                        value=k,
                        allowed=f">= {max(1, previous + 1)} (strictly increasing, >= 1)",
                        hint="list the benchmark's concurrencies in increasing order, once each",
                    )
                )
            previous = max(previous, k)
        for i, rate in enumerate(self.tokens_per_second):
            if not (math.isfinite(rate) and rate > 0):
                found.append(
                    Problem(
                        _CODE,
                        f"{path}.tokens_per_second[{i}]",
                        f"expected 0 < {rate}",
                        value=rate,
                        allowed="> 0 tokens per second, finite",
                    )
                )
        return found

    def rate(self, concurrency: int) -> float:
        """Tokens per second per request with ``concurrency`` requests on the pod (>= 1)."""
        ks = self.concurrency
        rates = self.tokens_per_second
        if concurrency <= ks[0]:
            return rates[0]
        last = ks[-1]
        if concurrency >= last:
            return rates[-1] * last / concurrency
        for i in range(1, len(ks)):
            if concurrency <= ks[i]:
                k0, k1 = ks[i - 1], ks[i]
                r0, r1 = rates[i - 1], rates[i]
                return r0 + (r1 - r0) * (concurrency - k0) / (k1 - k0)
        raise AssertionError("unreachable")  # pragma: no cover

    def slowdown(self, concurrency: int) -> float:
        """How much longer a request takes at ``concurrency`` than alone: ``rate(1) / rate(k)``."""
        return self.rate(1) / self.rate(concurrency)

    def capacity_per_second(self, concurrency: int, mean_service_seconds: float) -> float:
        """Requests per second a pod finishes at ``concurrency`` in flight: ``k / (service x slowdown)``."""
        return concurrency / (mean_service_seconds * self.slowdown(concurrency))

    def factors(self, up_to: int) -> list[float]:
        """``[1.0, slowdown(1), ..., slowdown(up_to)]`` (index = concurrency; index 0 unused)."""
        return [1.0] + [self.slowdown(k) for k in range(1, up_to + 1)]
