"""Positive durations drawn at random: pod startup times and request service times.

A :class:`Distribution` is a frozen value: fixed, exponential, log-normal (from a mean and a
spread, or from percentiles) or empirical (resampled from measurements). Draws come from a
``random.Random`` the caller seeds, so a seeded simulation repeats exactly.

Log-normal is the default shape for measured startups and service times: positive and
skewed to the right, like real pod startups (a slow image pull or model load makes a long
tail, nothing makes a negative one).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final, Literal

from kn_constructs._format import format_number
from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.profile import StartupTime

__all__ = ["Distribution", "DistributionKind", "as_distribution"]

DistributionKind = Literal["fixed", "exponential", "lognormal", "empirical"]

#: z-score of the 95th percentile of the standard normal distribution.
Z95: Final = NormalDist().inv_cdf(0.95)


@dataclass(frozen=True)
class Distribution:
    """A distribution of positive durations, in seconds.

    Build one with a named constructor: :meth:`fixed`, :meth:`exponential`,
    :meth:`lognormal`, :meth:`from_percentiles`, :meth:`empirical` or
    :meth:`from_startup`.

    Attributes:
        kind: ``fixed``, ``exponential``, ``lognormal`` or ``empirical``.
        mean_seconds: The mean (for ``empirical``: the mean of the samples).
        sigma: For ``lognormal``: the standard deviation of ``ln X``; else 0.
        samples: For ``empirical``: the measured values; else empty.
    """

    kind: DistributionKind
    mean_seconds: float
    sigma: float = 0.0
    samples: tuple[float, ...] = ()

    # ------------------------------------------------------------------ constructors

    @classmethod
    def fixed(cls, seconds: float) -> Distribution:
        """Always ``seconds`` (>= 0)."""
        return cls("fixed", float(seconds))

    @classmethod
    def exponential(cls, mean_seconds: float) -> Distribution:
        """Exponential with this mean (> 0): memoryless, as for Poisson service."""
        return cls("exponential", float(mean_seconds))

    @classmethod
    def lognormal(cls, mean_seconds: float, spread_seconds: float) -> Distribution:
        """Log-normal with this mean and standard deviation (a spread of 0 gives :meth:`fixed`).

        ``sigma^2 = ln(1 + spread^2 / mean^2)``.

        Args:
            mean_seconds: The mean; > 0.
            spread_seconds: The standard deviation; >= 0.
        """
        if spread_seconds == 0:
            return cls.fixed(mean_seconds)
        usable = mean_seconds > 0 and spread_seconds > 0
        sigma = math.sqrt(math.log1p((spread_seconds / mean_seconds) ** 2)) if usable else math.nan
        return cls("lognormal", float(mean_seconds), sigma)

    @classmethod
    def from_percentiles(
        cls, *, p95_seconds: float, p50_seconds: float | None = None, mean_seconds: float | None = None
    ) -> Distribution:
        """Log-normal through the 95th percentile and either the median or the mean.

        * median and p95: ``mu = ln p50``, ``sigma = (ln p95 - ln p50) / 1.645``;
        * mean and p95: ``sigma`` solves ``ln(p95 / mean) = 1.645 sigma - sigma^2 / 2`` (the
          smaller root); it exists when ``p95 / mean <= e^(1.645^2 / 2)`` (about 3.87).

        Args:
            p95_seconds: The 95th percentile.
            p50_seconds: The median (give this or ``mean_seconds``).
            mean_seconds: The mean.

        Raises:
            ValidationError: Neither or both of median and mean, values not positive, p95
                below the median, or no log-normal through mean and p95.
        """
        problems: list[Problem] = []
        if (p50_seconds is None) == (mean_seconds is None):
            problems.append(
                Problem(
                    "KN-AS-2",
                    "startup",
                    "give the median or the mean together with the p95, not both or neither",
                    value={"p50_seconds": p50_seconds, "mean_seconds": mean_seconds},
                    allowed="exactly one of p50_seconds, mean_seconds",
                )
            )
            raise_for_errors(problems, subject="Distribution.from_percentiles")
        anchor_name = "p50_seconds" if p50_seconds is not None else "mean_seconds"
        anchor = p50_seconds if p50_seconds is not None else mean_seconds
        assert anchor is not None
        for name, value in ((anchor_name, anchor), ("p95_seconds", p95_seconds)):
            if not (math.isfinite(value) and value > 0):
                problems.append(
                    Problem(
                        "KN-AS-2",
                        f"startup.{name}",
                        f"expected 0 < {value}",
                        value=value,
                        allowed="> 0 seconds",
                    )
                )
        if not problems and p95_seconds < anchor:
            problems.append(
                Problem(
                    "KN-AS-2",
                    "startup.p95_seconds",
                    f"p95 {format_number(p95_seconds)}s is below the {anchor_name[:-8]}"
                    f" {format_number(anchor)}s",
                    value=p95_seconds,
                    allowed=f">= {format_number(anchor)}",
                )
            )
        raise_for_errors(problems, subject="Distribution.from_percentiles")
        if p50_seconds is not None:
            sigma = (math.log(p95_seconds) - math.log(p50_seconds)) / Z95
            mean = p50_seconds * math.exp(sigma * sigma / 2)
            return cls("lognormal", mean, sigma) if sigma > 0 else cls.fixed(p50_seconds)
        assert mean_seconds is not None
        ratio = math.log(p95_seconds / mean_seconds)
        discriminant = Z95 * Z95 - 2 * ratio
        if discriminant < 0:
            limit = mean_seconds * math.exp(Z95 * Z95 / 2)
            raise_for_errors(
                [
                    Problem(
                        "KN-AS-2",
                        "startup.p95_seconds",
                        f"no log-normal has mean {format_number(mean_seconds)}s and p95"
                        f" {format_number(p95_seconds)}s",
                        value=p95_seconds,
                        allowed=f"<= {limit:.1f} (3.87 x the mean)",
                        hint="give the median (p50_seconds) instead of the mean, or use empirical samples",
                    )
                ],
                subject="Distribution.from_percentiles",
            )
        sigma = Z95 - math.sqrt(discriminant)
        return cls("lognormal", float(mean_seconds), sigma) if sigma > 0 else cls.fixed(mean_seconds)

    @classmethod
    def empirical(cls, samples: Sequence[float]) -> Distribution:
        """Resample measured values uniformly (each draw picks one of them)."""
        values = tuple(float(v) for v in samples)
        mean = math.fsum(values) / len(values) if values else math.nan
        return cls("empirical", mean, samples=values)

    @classmethod
    def from_startup(cls, startup: StartupTime) -> Distribution:
        """The distribution behind a measured :class:`~kn_constructs.StartupTime` (KN-AS-2).

        Mean and spread give :meth:`lognormal`; mean and p95 give :meth:`from_percentiles`;
        a mean alone gives :meth:`fixed` (nothing is known about the spread).
        """
        if startup.spread_seconds is not None:
            return cls.lognormal(startup.mean_seconds, startup.spread_seconds)
        if startup.p95_seconds is not None:
            return cls.from_percentiles(p95_seconds=startup.p95_seconds, mean_seconds=startup.mean_seconds)
        return cls.fixed(startup.mean_seconds)

    # ------------------------------------------------------------------ use

    @property
    def spread_seconds(self) -> float:
        """The standard deviation."""
        if self.kind == "exponential":
            return self.mean_seconds
        if self.kind == "lognormal":
            return self.mean_seconds * math.sqrt(math.expm1(self.sigma * self.sigma))
        if self.kind == "empirical":
            n = len(self.samples)
            if n < 2:
                return 0.0
            return math.sqrt(math.fsum((v - self.mean_seconds) ** 2 for v in self.samples) / (n - 1))
        return 0.0

    def problems(self, path: str = "startup", *, code: str = "KN-AS-2") -> list[Problem]:
        """Check that draws are finite, positive durations.

        Args:
            path: Where the distribution was given, for problem paths.
            code: The problem code: ``KN-AS-2`` (measured startup) by default.
        """
        found: list[Problem] = []
        if self.kind == "empirical":
            if not self.samples:
                found.append(
                    Problem(code, f"{path}.samples", "no samples", value=[], allowed="at least one value")
                )
            for i, value in enumerate(self.samples):
                if not (math.isfinite(value) and value >= 0):
                    found.append(
                        Problem(
                            code,
                            f"{path}.samples[{i}]",
                            f"expected 0 <= {value}",
                            value=value,
                            allowed="a finite duration >= 0 seconds",
                        )
                    )
            return found
        low_ok = self.mean_seconds >= 0 if self.kind == "fixed" else self.mean_seconds > 0
        if not (math.isfinite(self.mean_seconds) and low_ok):
            found.append(
                Problem(
                    code,
                    f"{path}.mean_seconds",
                    f"expected {'0 <=' if self.kind == 'fixed' else '0 <'} {self.mean_seconds}",
                    value=self.mean_seconds,
                    allowed=">= 0 seconds" if self.kind == "fixed" else "> 0 seconds",
                )
            )
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            found.append(
                Problem(
                    code,
                    f"{path}.spread_seconds",
                    f"invalid spread (log sigma {self.sigma})",
                    value=self.sigma,
                    allowed="a finite spread >= 0",
                )
            )
        return found

    def sampler(
        self, rng: random.Random, *, path: str = "startup", code: str = "KN-AS-2"
    ) -> Callable[[], float]:
        """A function drawing one duration per call from ``rng``.

        Args:
            rng: The seeded random source.
            path: Where the distribution was given, for problem paths.
            code: The problem code if it is not usable.

        Raises:
            ValidationError: The distribution is not usable (see :meth:`problems`).
        """
        raise_for_errors(self.problems(path, code=code), subject="Distribution")
        if self.kind == "fixed":
            value = self.mean_seconds
            return lambda: value
        if self.kind == "exponential":
            rate = 1.0 / self.mean_seconds
            expo = rng.expovariate
            return lambda: expo(rate)
        if self.kind == "lognormal":
            mu = math.log(self.mean_seconds) - self.sigma * self.sigma / 2
            sigma = self.sigma
            lognorm = rng.lognormvariate
            return lambda: lognorm(mu, sigma)
        samples = self.samples
        choice = rng.choice
        return lambda: choice(samples)

    def describe(self) -> str:
        """A short human description (``lognormal mean 20s spread 5s``)."""
        if self.kind == "fixed":
            return f"fixed {format_number(self.mean_seconds)}s"
        if self.kind == "empirical":
            return f"empirical ({len(self.samples)} samples, mean {self.mean_seconds:.3g}s)"
        return f"{self.kind} mean {self.mean_seconds:.3g}s spread {self.spread_seconds:.3g}s"


def as_distribution(value: Distribution | StartupTime | float) -> Distribution:
    """A :class:`Distribution` from a distribution, a measured startup, or a fixed number of seconds."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, StartupTime):
        return Distribution.from_startup(value)
    return Distribution.fixed(float(value))
