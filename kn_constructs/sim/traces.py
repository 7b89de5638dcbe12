"""Request traces for the simulator: arrival times and service times.

A :class:`Trace` is two columns of seconds (when each request arrives, how long the model
server works on it once it has a slot) plus the trace's length. Get one by:

- reading a CSV of arrivals and service times (:func:`read_csv`), or a token-count trace
  (timestamp, input tokens, output tokens) with a :class:`TokenModel` that turns tokens into
  service time (:func:`read_token_trace`);
- generating one: steady Poisson traffic (:func:`poisson`), bursts on a base rate
  (:func:`bursts`), a daily cycle (:func:`diurnal`), traffic that switches on and off
  (:func:`on_off`), or any piecewise-constant rate (:func:`piecewise_poisson`).

Generators are seeded: arrivals and service times come from two independent streams
derived from ``seed``, so the same seed gives the same trace, and changing the service-time
distribution does not move the arrivals.

Bad input raises one :class:`~kn_constructs.errors.ValidationError` listing the problems
(code ``SIM-TRACE``; path ``file:line.column`` for files).
"""

from __future__ import annotations

import csv
import math
import random
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Final, TextIO, cast

from kn_constructs._format import format_number
from kn_constructs.errors import Problem, ValidationError, raise_for_errors
from kn_constructs.sim.distributions import Distribution

__all__ = [
    "TRACE_CODE",
    "TokenModel",
    "Trace",
    "bursts",
    "diurnal",
    "on_off",
    "piecewise_poisson",
    "poisson",
    "read_csv",
    "read_token_trace",
]

#: Problem code of every trace problem.
TRACE_CODE: Final = "SIM-TRACE"
#: At most this many problems are listed for one file (then a count of the rest).
_MAX_LISTED: Final = 20

_ARRIVAL_NAMES: Final = ("arrival_seconds", "arrival", "timestamp", "time", "t")
_SERVICE_NAMES: Final = ("service_seconds", "service", "service_time", "duration_seconds", "duration")
_TIMESTAMP_NAMES: Final = ("timestamp", "time", "arrival_seconds", "arrival", "created")
_INPUT_NAMES: Final = (
    "input_tokens",
    "contexttokens",
    "context_tokens",
    "prompt_tokens",
    "num_prefill_tokens",
)
_OUTPUT_NAMES: Final = (
    "output_tokens",
    "generatedtokens",
    "generated_tokens",
    "completion_tokens",
    "num_decode_tokens",
)

Source = str | PathLike[str] | TextIO


class Trace:
    """Requests to simulate: arrival times and service times, in seconds.

    Arrivals are sorted and >= 0; service times are finite and >= 0. The columns are
    ``array('d')`` so a day of traffic stays compact.

    Args:
        arrival_seconds: When each request arrives, non-decreasing, from 0.
        service_seconds: How long the server works on each request once it holds a slot.
        duration_seconds: The length of the trace (default: the last arrival); the
            simulation covers at least this long.
        name: A label for reports.
        validate: Check the columns (generators skip it: they build valid columns).

    Raises:
        ValidationError: Columns of different lengths, unsorted or negative arrivals, bad
            service times, or a duration shorter than the last arrival.
    """

    __slots__ = ("arrival_seconds", "duration_seconds", "name", "service_seconds")

    def __init__(
        self,
        arrival_seconds: Iterable[float],
        service_seconds: Iterable[float],
        *,
        duration_seconds: float | None = None,
        name: str = "trace",
        validate: bool = True,
    ) -> None:
        self.arrival_seconds = (
            arrival_seconds if isinstance(arrival_seconds, array) else array("d", arrival_seconds)
        )
        self.service_seconds = (
            service_seconds if isinstance(service_seconds, array) else array("d", service_seconds)
        )
        last = self.arrival_seconds[-1] if self.arrival_seconds else 0.0
        self.duration_seconds = float(last if duration_seconds is None else duration_seconds)
        self.name = name
        if validate:
            raise_for_errors(self.problems(), subject=f"trace {name!r}")

    @classmethod
    def from_pairs(
        cls,
        pairs: Iterable[tuple[float, float]],
        *,
        duration_seconds: float | None = None,
        name: str = "trace",
    ) -> Trace:
        """A trace from ``(arrival, service)`` pairs in any order (sorted by arrival, stably)."""
        ordered = sorted(pairs, key=lambda pair: pair[0])
        return cls(
            (a for a, _ in ordered),
            (s for _, s in ordered),
            duration_seconds=duration_seconds,
            name=name,
        )

    def __len__(self) -> int:
        return len(self.arrival_seconds)

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return zip(self.arrival_seconds, self.service_seconds, strict=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trace):
            return NotImplemented
        return (
            self.arrival_seconds == other.arrival_seconds
            and self.service_seconds == other.service_seconds
            and self.duration_seconds == other.duration_seconds
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Trace({self.name!r}, {len(self)} requests over {format_number(self.duration_seconds)}s)"

    @property
    def requests_per_second(self) -> float:
        """Mean arrival rate over the trace's duration (0 for an empty or instant trace)."""
        return len(self) / self.duration_seconds if self.duration_seconds > 0 else 0.0

    @property
    def offered_load(self) -> float:
        """Mean concurrency the trace asks for: total service time / duration (Little's law)."""
        return math.fsum(self.service_seconds) / self.duration_seconds if self.duration_seconds > 0 else 0.0

    def problems(self) -> list[Problem]:
        """Every problem with the columns (at most 20 listed, then a count)."""
        found: list[Problem] = []
        arrivals, services = self.arrival_seconds, self.service_seconds
        if len(arrivals) != len(services):
            return [
                Problem(
                    TRACE_CODE,
                    f"{self.name}.service_seconds",
                    f"{len(services)} service times for {len(arrivals)} arrivals",
                    value=len(services),
                    allowed=f"{len(arrivals)} (one per arrival)",
                )
            ]
        previous = 0.0
        for i, (a, s) in enumerate(zip(arrivals, services, strict=True)):
            if not (math.isfinite(a) and a >= previous):
                found.append(
                    Problem(
                        TRACE_CODE,
                        f"{self.name}[{i}].arrival_seconds",
                        f"arrival {a} is {'before' if math.isfinite(a) else 'not'} "
                        + (
                            f"the previous one ({previous})" if math.isfinite(a) and a >= 0 else "a time >= 0"
                        ),
                        value=a,
                        allowed=f">= {format_number(previous)}, finite",
                        hint="arrivals are seconds from the start of the trace, sorted",
                    )
                )
            else:
                previous = a
            if not (math.isfinite(s) and s >= 0):
                found.append(
                    Problem(
                        TRACE_CODE,
                        f"{self.name}[{i}].service_seconds",
                        f"expected 0 <= {s}",
                        value=s,
                        allowed="a finite number of seconds >= 0",
                    )
                )
            if len(found) > _MAX_LISTED:
                break
        if not found and arrivals and not self.duration_seconds >= arrivals[-1]:
            found.append(
                Problem(
                    TRACE_CODE,
                    f"{self.name}.duration_seconds",
                    f"duration {self.duration_seconds}s ends before the last arrival ({arrivals[-1]}s)",
                    value=self.duration_seconds,
                    allowed=f">= {arrivals[-1]}",
                )
            )
        return found

    def write_csv(self, target: Source) -> None:
        """Write ``arrival_seconds,service_seconds`` rows with a header (readable by :func:`read_csv`)."""
        with _Opened(target, "w") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(("arrival_seconds", "service_seconds"))
            for a, s in self:
                writer.writerow((repr(a), repr(s)))


class _Opened:
    """Open a path, or pass an open text file through without closing it."""

    def __init__(self, source: Source, mode: str) -> None:
        self._source = source
        self._mode = mode
        self._file: TextIO | None = None

    def __enter__(self) -> TextIO:
        if not isinstance(self._source, str | PathLike):
            return self._source
        opened = cast(TextIO, open(self._source, self._mode, newline="", encoding="utf-8"))
        self._file = opened
        return opened

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def _source_name(source: Source) -> str:
    if isinstance(source, str | PathLike):
        return Path(source).name
    return str(getattr(source, "name", "trace"))


def _column(header: Sequence[str], names: Sequence[str], given: str | None, what: str, source: str) -> int:
    lowered = [h.strip().lower() for h in header]
    wanted = [given.lower()] if given is not None else list(names)
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    raise ValidationError(
        [
            Problem(
                TRACE_CODE,
                f"{source}:1",
                f"no {what} column in the header {list(header)}",
                value=list(header),
                allowed=", ".join(wanted),
                hint=f"name the {what} column one of: {', '.join(wanted)}",
            )
        ],
        subject=f"trace {source!r}",
    )


def _parse_float(text: str, path: str, found: list[Problem], *, what: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        found.append(Problem(TRACE_CODE, path, f"invalid value: {text!r}", value=text, allowed=what))
        return None
    if not math.isfinite(value) or value < 0:
        found.append(Problem(TRACE_CODE, path, f"expected 0 <= {text}", value=text, allowed=what))
        return None
    return value


def _too_many(found: list[Problem], source: str) -> None:
    if len(found) > _MAX_LISTED:
        rest = len(found) - _MAX_LISTED
        del found[_MAX_LISTED:]
        found.append(Problem(TRACE_CODE, source, f"... and {rest} more problems", value=rest))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(source: Source, *, duration_seconds: float | None = None, name: str | None = None) -> Trace:
    """Read a CSV of arrival and service times (seconds).

    The header names the columns: arrival as ``arrival_seconds`` (or ``arrival``,
    ``timestamp``, ``time``, ``t``), service as ``service_seconds`` (or ``service``,
    ``service_time``, ``duration_seconds``, ``duration``); other columns are ignored. A file
    whose first row is numeric has no header: its first two columns are arrival and service.
    Rows may come in any order; blank lines are skipped.

    Args:
        source: A path or an open text file.
        duration_seconds: The trace's length (default: the last arrival).
        name: A label (default: the file name).

    Raises:
        ValidationError: Missing columns or bad values, each with ``file:line.column``.
    """
    label = name or _source_name(source)
    with _Opened(source, "r") as handle:
        rows = [
            (n, row)
            for n, row in enumerate(csv.reader(handle), start=1)
            if row and any(c.strip() for c in row)
        ]
    if not rows:
        return Trace([], [], duration_seconds=duration_seconds, name=label)
    first = rows[0][1]
    if len(first) >= 2 and _is_number(first[0]) and _is_number(first[1]):
        a_col, s_col, header, body = 0, 1, ["arrival_seconds", "service_seconds"], rows
    else:
        header, body = first, rows[1:]
        a_col = _column(header, _ARRIVAL_NAMES, None, "arrival", label)
        s_col = _column(header, _SERVICE_NAMES, None, "service time", label)
    found: list[Problem] = []
    pairs: list[tuple[float, float]] = []
    for line, row in body:
        if max(a_col, s_col) >= len(row):
            found.append(
                Problem(
                    TRACE_CODE,
                    f"{label}:{line}",
                    f"{len(row)} columns",
                    value=row,
                    allowed=f">= {len(header)}",
                )
            )
            continue
        a = _parse_float(row[a_col], f"{label}:{line}.{header[a_col]}", found, what="seconds >= 0")
        s = _parse_float(row[s_col], f"{label}:{line}.{header[s_col]}", found, what="seconds >= 0")
        if a is not None and s is not None:
            pairs.append((a, s))
    _too_many(found, label)
    raise_for_errors(found, subject=f"trace {label!r}")
    return Trace.from_pairs(pairs, duration_seconds=duration_seconds, name=label)


@dataclass(frozen=True)
class TokenModel:
    """Service time from token counts: ``overhead + input / prefill rate + output / decode rate``.

    Measure the rates on the GPU and engine you serve with (one request alone, or at the
    batch size the server runs): prefill is fast (thousands of tokens per second), decode is
    slow (tens per second per sequence).

    Attributes:
        prefill_tokens_per_second: Input tokens processed per second; > 0.
        decode_tokens_per_second: Output tokens generated per second; > 0.
        overhead_seconds: Fixed time per request (queue-proxy, tokenization); >= 0.
    """

    prefill_tokens_per_second: float
    decode_tokens_per_second: float
    overhead_seconds: float = 0.0

    def duration(self, input_tokens: float, output_tokens: float) -> float:
        """Seconds one request takes."""
        return (
            self.overhead_seconds
            + input_tokens / self.prefill_tokens_per_second
            + output_tokens / self.decode_tokens_per_second
        )

    def problems(self, path: str = "token_model") -> list[Problem]:
        """Check the rates (> 0, finite) and the overhead (>= 0)."""
        found = []
        for field_name in ("prefill_tokens_per_second", "decode_tokens_per_second"):
            value = getattr(self, field_name)
            if not (math.isfinite(value) and value > 0):
                found.append(
                    Problem(
                        TRACE_CODE,
                        f"{path}.{field_name}",
                        f"expected 0 < {value}",
                        value=value,
                        allowed="> 0 tokens per second",
                    )
                )
        if not (math.isfinite(self.overhead_seconds) and self.overhead_seconds >= 0):
            found.append(
                Problem(
                    TRACE_CODE,
                    f"{path}.overhead_seconds",
                    f"expected 0 <= {self.overhead_seconds}",
                    value=self.overhead_seconds,
                    allowed=">= 0 seconds",
                )
            )
        return found


def _timestamp(text: str) -> float | datetime | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def read_token_trace(
    source: Source,
    model: TokenModel,
    *,
    timestamp_column: str | None = None,
    input_column: str | None = None,
    output_column: str | None = None,
    name: str | None = None,
) -> Trace:
    """Read a trace of token counts (one request per row) and turn it into service times.

    Timestamps are seconds (any origin) or ISO 8601 date-times (without a zone they are read
    as UTC); arrivals are counted from the earliest one. Columns are found by name, case
    insensitive: timestamp ``timestamp``/``time``/...; input ``input_tokens``,
    ``ContextTokens`` (Azure LLM traces), ``prompt_tokens``...; output ``output_tokens``,
    ``GeneratedTokens``, ``completion_tokens``...; or give them explicitly.

    Args:
        source: A path or an open text file, with a header row.
        model: How tokens become seconds.
        timestamp_column: The timestamp column's name, if not a usual one.
        input_column: The input-token column's name, if not a usual one.
        output_column: The output-token column's name, if not a usual one.
        name: A label (default: the file name).

    Raises:
        ValidationError: A bad model, missing columns, or bad values (``file:line.column``).
    """
    label = name or _source_name(source)
    raise_for_errors(model.problems(), subject="TokenModel")
    with _Opened(source, "r") as handle:
        rows = [
            (n, row)
            for n, row in enumerate(csv.reader(handle), start=1)
            if row and any(c.strip() for c in row)
        ]
    if not rows:
        return Trace([], [], name=label)
    header, body = rows[0][1], rows[1:]
    t_col = _column(header, _TIMESTAMP_NAMES, timestamp_column, "timestamp", label)
    i_col = _column(header, _INPUT_NAMES, input_column, "input tokens", label)
    o_col = _column(header, _OUTPUT_NAMES, output_column, "output tokens", label)
    found: list[Problem] = []
    stamps: list[tuple[float | datetime, float]] = []
    kinds: set[type] = set()
    for line, row in body:
        if max(t_col, i_col, o_col) >= len(row):
            found.append(
                Problem(
                    TRACE_CODE,
                    f"{label}:{line}",
                    f"{len(row)} columns",
                    value=row,
                    allowed=f">= {len(header)}",
                )
            )
            continue
        stamp = _timestamp(row[t_col])
        if stamp is None or (isinstance(stamp, float) and not math.isfinite(stamp)):
            found.append(
                Problem(
                    TRACE_CODE,
                    f"{label}:{line}.{header[t_col]}",
                    f"invalid timestamp: {row[t_col]!r}",
                    value=row[t_col],
                    allowed="seconds, or an ISO 8601 date-time",
                )
            )
            continue
        tokens_in = _parse_float(row[i_col], f"{label}:{line}.{header[i_col]}", found, what="tokens >= 0")
        tokens_out = _parse_float(row[o_col], f"{label}:{line}.{header[o_col]}", found, what="tokens >= 0")
        if tokens_in is None or tokens_out is None:
            continue
        kinds.add(type(stamp))
        stamps.append((stamp, model.duration(tokens_in, tokens_out)))
    if len(kinds) > 1:
        found.append(
            Problem(
                TRACE_CODE,
                f"{label}.{header[t_col]}",
                "timestamps mix plain seconds and date-times",
                allowed="one kind of timestamp per file",
            )
        )
    _too_many(found, label)
    raise_for_errors(found, subject=f"trace {label!r}")
    if not stamps:
        return Trace([], [], name=label)
    if datetime in kinds:
        origin_dt = min(s for s, _ in stamps if isinstance(s, datetime))
        pairs = [((s - origin_dt).total_seconds() if isinstance(s, datetime) else 0.0, d) for s, d in stamps]
    else:
        origin = min(float(s) for s, _ in stamps if isinstance(s, float))
        pairs = [(float(s) - origin if isinstance(s, float) else 0.0, d) for s, d in stamps]
    return Trace.from_pairs(pairs, name=label)


# --------------------------------------------------------------------------- generators


def _service(service: Distribution | float) -> Distribution:
    return service if isinstance(service, Distribution) else Distribution.fixed(float(service))


def _generator_problems(duration_seconds: float, rates: Sequence[tuple[str, float]]) -> list[Problem]:
    found = []
    if not (math.isfinite(duration_seconds) and duration_seconds > 0):
        found.append(
            Problem(
                TRACE_CODE,
                "duration_seconds",
                f"expected 0 < {duration_seconds}",
                value=duration_seconds,
                allowed="> 0 seconds",
            )
        )
    for field_name, value in rates:
        if not (math.isfinite(value) and value >= 0):
            found.append(
                Problem(
                    TRACE_CODE,
                    field_name,
                    f"expected 0 <= {value}",
                    value=value,
                    allowed=">= 0 requests per second" if "rate" in field_name else ">= 0",
                )
            )
    return found


def _finish(
    arrivals: array[float], service: Distribution, seed: int, duration_seconds: float, name: str
) -> Trace:
    draw = service.sampler(random.Random(f"{seed}:service"), path="service", code=TRACE_CODE)
    services = array("d", (draw() for _ in range(len(arrivals))))
    return Trace(arrivals, services, duration_seconds=duration_seconds, name=name, validate=False)


def piecewise_poisson(
    segments: Sequence[tuple[float, float]],
    duration_seconds: float,
    *,
    service: Distribution | float = 1.0,
    seed: int = 0,
    name: str = "piecewise",
) -> Trace:
    """Poisson arrivals whose rate is constant within each segment.

    Args:
        segments: ``(start_seconds, rate_per_second)`` pairs; each rate holds until the next
            start (the first start is taken as 0). Sorted by start.
        duration_seconds: The trace's length.
        service: Service-time distribution, or fixed seconds. Default 1 s.
        seed: Seed of the arrival and service streams.
        name: A label.

    Raises:
        ValidationError: A duration that is not positive, negative rates, unsorted starts.
    """
    found = _generator_problems(
        duration_seconds, [(f"segments[{i}].rate", r) for i, (_, r) in enumerate(segments)]
    )
    starts = [s for s, _ in segments]
    if starts != sorted(starts):
        found.append(
            Problem(
                TRACE_CODE, "segments", "segment starts are not sorted", value=starts, allowed="sorted starts"
            )
        )
    if not segments:
        found.append(Problem(TRACE_CODE, "segments", "no segments", value=[], allowed="at least one"))
    raise_for_errors(found, subject=f"trace {name!r}")
    service_distribution = _service(service)
    rng = random.Random(f"{seed}:arrivals")
    expo = rng.expovariate
    arrivals: array[float] = array("d")
    append = arrivals.append
    bounds = [*[max(0.0, s) for s, _ in segments[1:]], duration_seconds]
    start = 0.0
    for (_, rate), end in zip(segments, bounds, strict=True):
        end = min(end, duration_seconds)
        if rate > 0 and end > start:
            t = start + expo(rate)
            while t < end:
                append(t)
                t += expo(rate)
        start = max(start, end)
    return _finish(arrivals, service_distribution, seed, duration_seconds, name)


def poisson(
    rate_per_second: float,
    duration_seconds: float,
    *,
    service: Distribution | float = 1.0,
    seed: int = 0,
    name: str = "poisson",
) -> Trace:
    """Steady Poisson traffic: exponential gaps with mean ``1 / rate``.

    Args:
        rate_per_second: Mean arrivals per second; >= 0.
        duration_seconds: The trace's length; > 0.
        service: Service-time distribution, or fixed seconds. Default 1 s.
        seed: Seed of the arrival and service streams.
        name: A label.
    """
    found = _generator_problems(duration_seconds, [("rate_per_second", rate_per_second)])
    raise_for_errors(found, subject=f"trace {name!r}")
    return piecewise_poisson(
        [(0.0, rate_per_second)], duration_seconds, service=service, seed=seed, name=name
    )


def bursts(
    base_rate: float,
    burst_rate: float,
    *,
    burst_seconds: float,
    every_seconds: float,
    duration_seconds: float,
    first_burst_seconds: float | None = None,
    service: Distribution | float = 1.0,
    seed: int = 0,
    name: str = "bursts",
) -> Trace:
    """Poisson traffic at ``base_rate`` with bursts at ``burst_rate`` (spiky traffic, KN-AS-8).

    Bursts last ``burst_seconds`` and start every ``every_seconds``, the first at
    ``first_burst_seconds`` (default: one period in, so the service is warm at base load).

    Args:
        base_rate: Requests per second between bursts.
        burst_rate: Requests per second during a burst.
        burst_seconds: Length of each burst; > 0.
        every_seconds: Period between burst starts; >= ``burst_seconds``.
        duration_seconds: The trace's length.
        first_burst_seconds: Start of the first burst.
        service: Service-time distribution, or fixed seconds. Default 1 s.
        seed: Seed of the arrival and service streams.
        name: A label.
    """
    found = _generator_problems(
        duration_seconds,
        [("base_rate", base_rate), ("burst_rate", burst_rate), ("burst_seconds", burst_seconds)],
    )
    if not (burst_seconds > 0 and every_seconds >= burst_seconds):
        found.append(
            Problem(
                TRACE_CODE,
                "every_seconds",
                f"bursts of {burst_seconds}s every {every_seconds}s",
                value=every_seconds,
                allowed=f">= burst_seconds ({burst_seconds}), burst_seconds > 0",
            )
        )
    raise_for_errors(found, subject=f"trace {name!r}")
    first = every_seconds if first_burst_seconds is None else first_burst_seconds
    segments = [(0.0, base_rate)]
    start = first
    while start < duration_seconds:
        segments.append((start, burst_rate))
        segments.append((start + burst_seconds, base_rate))
        start += every_seconds
    return piecewise_poisson(segments, duration_seconds, service=service, seed=seed, name=name)


def on_off(
    rate_per_second: float,
    *,
    on_seconds: float,
    off_seconds: float,
    duration_seconds: float,
    service: Distribution | float = 1.0,
    seed: int = 0,
    name: str = "on-off",
) -> Trace:
    """Traffic that alternates between ``rate_per_second`` (on) and nothing (off), starting on.

    Args:
        rate_per_second: Requests per second while on.
        on_seconds: Length of each on period; > 0.
        off_seconds: Length of each off period; >= 0.
        duration_seconds: The trace's length.
        service: Service-time distribution, or fixed seconds. Default 1 s.
        seed: Seed of the arrival and service streams.
        name: A label.
    """
    found = _generator_problems(
        duration_seconds,
        [("rate_per_second", rate_per_second), ("off_seconds", off_seconds)],
    )
    if not on_seconds > 0:
        found.append(
            Problem(
                TRACE_CODE,
                "on_seconds",
                f"expected 0 < {on_seconds}",
                value=on_seconds,
                allowed="> 0 seconds",
            )
        )
    raise_for_errors(found, subject=f"trace {name!r}")
    segments: list[tuple[float, float]] = []
    start = 0.0
    while start < duration_seconds:
        segments.append((start, rate_per_second))
        segments.append((start + on_seconds, 0.0))
        start += on_seconds + off_seconds
    return piecewise_poisson(segments, duration_seconds, service=service, seed=seed, name=name)


def diurnal(
    mean_rate: float,
    *,
    duration_seconds: float,
    amplitude: float = 0.8,
    period_seconds: float = 86400.0,
    peak_seconds: float | None = None,
    service: Distribution | float = 1.0,
    seed: int = 0,
    name: str = "diurnal",
) -> Trace:
    """A daily cycle: rate ``mean x (1 + amplitude x cos(2 pi (t - peak) / period))``.

    Generated by thinning a Poisson process at the peak rate, so arrivals follow the cycle
    exactly (a non-homogeneous Poisson process).

    Args:
        mean_rate: The rate averaged over a period; >= 0.
        duration_seconds: The trace's length.
        amplitude: Swing around the mean, 0..1 (0.8: trough 0.2 x mean, peak 1.8 x mean).
        period_seconds: Length of one cycle; > 0. Default a day.
        peak_seconds: When the rate peaks (default: half a period in, midday if the trace
            starts at midnight).
        service: Service-time distribution, or fixed seconds. Default 1 s.
        seed: Seed of the arrival and service streams.
        name: A label.
    """
    found = _generator_problems(duration_seconds, [("mean_rate", mean_rate)])
    if not 0 <= amplitude <= 1:
        found.append(
            Problem(
                TRACE_CODE, "amplitude", f"expected 0 <= {amplitude} <= 1", value=amplitude, allowed="0..1"
            )
        )
    if not (math.isfinite(period_seconds) and period_seconds > 0):
        found.append(
            Problem(
                TRACE_CODE,
                "period_seconds",
                f"expected 0 < {period_seconds}",
                value=period_seconds,
                allowed="> 0",
            )
        )
    raise_for_errors(found, subject=f"trace {name!r}")
    peak = period_seconds / 2 if peak_seconds is None else peak_seconds
    top = mean_rate * (1 + amplitude)
    arrivals: array[float] = array("d")
    if top > 0:
        rng = random.Random(f"{seed}:arrivals")
        expo, uniform = rng.expovariate, rng.random
        omega = 2 * math.pi / period_seconds
        cos = math.cos
        t = expo(top)
        while t < duration_seconds:
            if uniform() * top <= mean_rate * (1 + amplitude * cos(omega * (t - peak))):
                arrivals.append(t)
            t += expo(top)
    return _finish(arrivals, _service(service), seed, duration_seconds, name)
