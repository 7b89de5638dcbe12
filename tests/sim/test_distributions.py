"""Startup and service-time distributions."""

from __future__ import annotations

import math
import random
import statistics
from statistics import NormalDist

import pytest

from kn_constructs import StartupTime
from kn_constructs.errors import ValidationError
from kn_constructs.sim import Distribution
from kn_constructs.sim.distributions import as_distribution


def test_fixed_always_returns_its_value() -> None:
    draw = Distribution.fixed(20).sampler(random.Random(1))
    assert {draw() for _ in range(10)} == {20.0}


def test_lognormal_from_mean_and_spread() -> None:
    d = Distribution.lognormal(20, 5)
    # sigma^2 = ln(1 + (5/20)^2) = ln(1.0625)
    assert d.sigma == pytest.approx(math.sqrt(math.log(1.0625)))
    assert d.spread_seconds == pytest.approx(5)
    draw = d.sampler(random.Random(2))
    values = [draw() for _ in range(20000)]
    assert statistics.fmean(values) == pytest.approx(20, rel=0.02)
    assert statistics.stdev(values) == pytest.approx(5, rel=0.05)
    assert min(values) > 0


def test_zero_spread_is_fixed() -> None:
    assert Distribution.lognormal(20, 0) == Distribution.fixed(20)


def test_from_median_and_p95() -> None:
    d = Distribution.from_percentiles(p50_seconds=20, p95_seconds=30)
    # mu = ln 20, sigma = ln(30/20) / z95; the log-normal's 95th percentile is exp(mu + z95 sigma) = 30
    z95 = NormalDist().inv_cdf(0.95)
    assert d.sigma == pytest.approx(math.log(1.5) / z95)
    mu = math.log(d.mean_seconds) - d.sigma**2 / 2
    assert math.exp(mu) == pytest.approx(20)
    assert math.exp(mu + z95 * d.sigma) == pytest.approx(30)


def test_from_mean_and_p95() -> None:
    d = Distribution.from_percentiles(mean_seconds=20, p95_seconds=30)
    z95 = NormalDist().inv_cdf(0.95)
    mu = math.log(20) - d.sigma**2 / 2
    assert d.mean_seconds == 20
    assert math.exp(mu + z95 * d.sigma) == pytest.approx(30)


def test_percentiles_that_no_lognormal_fits_are_refused() -> None:
    # p95 / mean must be <= e^(z95^2 / 2) = 3.87
    with pytest.raises(ValidationError) as caught:
        Distribution.from_percentiles(mean_seconds=10, p95_seconds=50)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path) == ("KN-AS-2", "startup.p95_seconds")
    with pytest.raises(ValidationError) as caught:
        Distribution.from_percentiles(p50_seconds=10, p95_seconds=5)
    assert caught.value.find("KN-AS-2", "startup.p95_seconds")
    with pytest.raises(ValidationError):
        Distribution.from_percentiles(p95_seconds=5)


def test_exponential_and_empirical() -> None:
    assert Distribution.exponential(2).spread_seconds == 2
    d = Distribution.empirical([10, 20, 30])
    assert d.mean_seconds == 20
    draw = d.sampler(random.Random(3))
    assert {draw() for _ in range(200)} == {10.0, 20.0, 30.0}


def test_from_startup_time() -> None:
    assert Distribution.from_startup(StartupTime(20)) == Distribution.fixed(20)
    assert Distribution.from_startup(StartupTime(20, spread_seconds=5)) == Distribution.lognormal(20, 5)
    assert Distribution.from_startup(StartupTime(20, p95_seconds=30)) == Distribution.from_percentiles(
        mean_seconds=20, p95_seconds=30
    )
    assert as_distribution(12) == Distribution.fixed(12)


def test_unusable_distributions_are_reported() -> None:
    problems = Distribution.fixed(-1).problems()
    assert [(p.code, p.path) for p in problems] == [("KN-AS-2", "startup.mean_seconds")]
    problems = Distribution.empirical([1, math.nan]).problems("service", code="SIM-TRACE")
    assert [(p.code, p.path) for p in problems] == [("SIM-TRACE", "service.samples[1]")]
    with pytest.raises(ValidationError):
        Distribution.exponential(0).sampler(random.Random(0))
    # a negative spread is not a spread
    assert [p.path for p in Distribution.lognormal(20, -5).problems()] == ["startup.spread_seconds"]


def test_same_seed_same_draws() -> None:
    d = Distribution.lognormal(20, 5)
    a = d.sampler(random.Random(9))
    b = d.sampler(random.Random(9))
    assert [a() for _ in range(5)] == [b() for _ in range(5)]
