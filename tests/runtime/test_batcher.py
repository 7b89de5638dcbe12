"""Batcher in process: batch size, wait, cancellation, KN-BATCH-3 and its argument checks."""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_serve import Batcher, ConfigError, Settings
from kn_serve.batching import check_batch_wait

NO_ENV = Settings()


def _doubler(calls: list[list[int]]):  # type: ignore[no-untyped-def]
    def run(items: list[int]) -> list[int]:
        calls.append(list(items))
        return [i * 2 for i in items]

    return run


def test_a_full_batch_runs_at_once() -> None:
    calls: list[list[int]] = []

    async def scenario() -> tuple[list[int], float]:
        batcher = Batcher(_doubler(calls), max_batch_size=3, max_wait_seconds=5, settings=NO_ENV)
        began = time.monotonic()
        results = await asyncio.gather(*(batcher.submit(i) for i in (1, 2, 3)))
        return list(results), time.monotonic() - began

    results, took = asyncio.run(scenario())
    assert results == [2, 4, 6]
    assert calls == [[1, 2, 3]]
    assert took < 1.0


def test_a_partial_batch_runs_after_the_wait() -> None:
    calls: list[list[int]] = []

    async def scenario() -> tuple[list[int], float]:
        batcher = Batcher(_doubler(calls), max_batch_size=8, max_wait_seconds=0.2, settings=NO_ENV)
        began = time.monotonic()
        results = await asyncio.gather(batcher.submit(5), batcher.submit(6))
        return list(results), time.monotonic() - began

    results, took = asyncio.run(scenario())
    assert results == [10, 12]
    assert calls == [[5, 6]]
    assert 0.18 <= took < 2.0


def test_more_than_a_batch_splits_in_order() -> None:
    calls: list[list[int]] = []

    async def scenario() -> list[int]:
        batcher = Batcher(_doubler(calls), max_batch_size=2, max_wait_seconds=0.05, settings=NO_ENV)
        return list(await asyncio.gather(*(batcher.submit(i) for i in range(5))))

    assert asyncio.run(scenario()) == [0, 2, 4, 6, 8]
    assert calls == [[0, 1], [2, 3], [4]]


def test_a_cancelled_request_leaves_its_pending_batch() -> None:
    calls: list[list[int]] = []

    async def scenario() -> tuple[int, int]:
        batcher = Batcher(_doubler(calls), max_batch_size=4, max_wait_seconds=0.2, settings=NO_ENV)
        gone = asyncio.create_task(batcher.submit(1))
        kept = asyncio.create_task(batcher.submit(2))
        await asyncio.sleep(0.02)
        assert batcher.pending == 2
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        pending_after_cancel = batcher.pending
        return pending_after_cancel, await kept

    pending, kept = asyncio.run(scenario())
    assert pending == 1
    assert kept == 4
    assert calls == [[2]]  # the model never computed the cancelled item


def test_when_every_request_is_cancelled_nothing_runs() -> None:
    calls: list[list[int]] = []

    async def scenario() -> int:
        batcher = Batcher(_doubler(calls), max_batch_size=4, max_wait_seconds=0.05, settings=NO_ENV)
        task = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.15)
        return batcher.pending

    assert asyncio.run(scenario()) == 0
    assert calls == []


def test_async_batch_function_and_errors_reach_every_caller() -> None:
    async def broken(items: list[int]) -> list[int]:
        return items[:-1]  # one result short

    async def scenario() -> list[BaseException | int]:
        batcher = Batcher(broken, max_batch_size=2, max_wait_seconds=0, settings=NO_ENV)
        return list(await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True))

    results = asyncio.run(scenario())
    assert len(results) == 2
    for r in results:
        assert isinstance(r, ValueError)
        assert "returned 1 results for 2 items" in str(r)


def test_defaults_come_from_the_env_the_construct_writes() -> None:
    settings = Settings.from_env({"KN_SERVE_BATCH_SIZE": "6", "KN_SERVE_BATCH_MAX_WAIT_SECONDS": "0.25"})
    batcher = Batcher(lambda items: items, settings=settings)
    assert batcher.max_batch_size == 6
    assert batcher.max_wait_seconds == 0.25
    explicit = Batcher(lambda items: items, max_batch_size=2, max_wait_seconds=0, settings=settings)
    assert (explicit.max_batch_size, explicit.max_wait_seconds) == (2, 0.0)


def test_kn_batch_3_wait_plus_longest_request_must_fit_timeout_seconds() -> None:
    settings = Settings(timeout_seconds=10, longest_request_seconds=8.0)
    Batcher(lambda items: items, max_batch_size=4, max_wait_seconds=2, settings=settings)  # 2 + 8 = 10 fits
    with pytest.raises(ConfigError) as info:
        Batcher(lambda items: items, max_batch_size=4, max_wait_seconds=2.5, settings=settings)
    (problem,) = info.value.problems
    assert (problem.code, problem.path, problem.value, problem.allowed) == (
        "KN-BATCH-3",
        "max_wait_seconds",
        2.5,
        "<= 2 seconds",
    )
    assert problem.message == "batch wait 2.5s + longest request 8s exceeds timeoutSeconds 10"


@given(
    wait=st.floats(min_value=0, max_value=600, allow_nan=False),
    longest=st.floats(min_value=0.001, max_value=600, allow_nan=False),
    timeout=st.integers(min_value=1, max_value=600),
)
def test_kn_batch_3_refuses_exactly_the_waits_that_do_not_fit(
    wait: float, longest: float, timeout: int
) -> None:
    problems = check_batch_wait(wait, longest, timeout)
    assert bool(problems) == (wait > 0 and wait + longest > timeout)
    if problems:
        # The bound the problem offers is itself accepted.
        assert check_batch_wait(max(0.0, timeout - longest), longest, timeout) == []


def test_kn_batch_3_needs_both_bounds() -> None:
    assert check_batch_wait(100.0, None, 10) == []
    assert check_batch_wait(100.0, 9.0, None) == []


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"max_batch_size": 0}, "max_batch_size"),
        ({"max_batch_size": True}, "max_batch_size"),
        ({"max_batch_size": "4"}, "max_batch_size"),
        ({"max_batch_size": 2.0}, "max_batch_size"),
        ({}, "max_batch_size"),  # no size and no KN_SERVE_BATCH_SIZE
        ({"max_batch_size": 2, "max_wait_seconds": math.nan}, "max_wait_seconds"),
        ({"max_batch_size": 2, "max_wait_seconds": math.inf}, "max_wait_seconds"),
        ({"max_batch_size": 2, "max_wait_seconds": -0.1}, "max_wait_seconds"),
        ({"max_batch_size": 2, "max_wait_seconds": "0.1"}, "max_wait_seconds"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        Batcher(lambda items: items, settings=NO_ENV, **kwargs)  # type: ignore[arg-type]
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-SERVE-ARG", path)]


def test_every_bad_argument_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        Batcher("not a function", max_batch_size=0, max_wait_seconds=math.nan, settings=NO_ENV)  # type: ignore[arg-type]
    assert [p.path for p in info.value.problems] == ["fn", "max_batch_size", "max_wait_seconds"]
