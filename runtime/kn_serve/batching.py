"""Micro-batching for servers without their own (fixed batching, KN-BATCH-1..3).

Requests call ``await batcher.submit(item)``; items are collected until ``max_batch_size`` are
waiting or the first has waited ``max_wait_seconds``, then ``fn(items)`` runs once for all of
them. Batches run one at a time (one model, one GPU). A request cancelled while its item waits
(its client disconnected) leaves the pending batch, so the model never computes it; one cancelled
while its batch runs only loses its result.

The defaults come from the env the construct writes for ``Batching.fixed(...)``:
``KN_SERVE_BATCH_SIZE`` and ``KN_SERVE_BATCH_MAX_WAIT_SECONDS``. At construction the wait is
checked against ``KN_SERVE_TIMEOUT_SECONDS`` and ``KN_SERVE_LONGEST_REQUEST_SECONDS``: a request
that waits for its batch and is then the longest must still finish within Knative's
``timeoutSeconds`` (KN-BATCH-3, the same rule the construct applies at synth time).
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kn_serve.errors import ConfigError, Problem
from kn_serve.settings import ENV_BATCH_MAX_WAIT, ENV_BATCH_SIZE, Settings

__all__ = ["Batcher", "check_batch_wait"]

InT = TypeVar("InT")
OutT = TypeVar("OutT")


def _fmt(value: float) -> str:
    return f"{value:g}"


def check_batch_wait(
    max_wait_seconds: float, longest_request_seconds: float | None, timeout_seconds: int | None
) -> list[Problem]:
    """KN-BATCH-3: batch wait + longest request must fit in ``timeoutSeconds``.

    Returns no problem when either bound is unknown or the wait is 0 (nothing waits).
    """
    if longest_request_seconds is None or timeout_seconds is None or max_wait_seconds <= 0:
        return []
    if max_wait_seconds + longest_request_seconds <= timeout_seconds:
        return []
    return [
        Problem(
            "KN-BATCH-3",
            "max_wait_seconds",
            f"batch wait {_fmt(max_wait_seconds)}s + longest request "
            f"{_fmt(longest_request_seconds)}s exceeds timeoutSeconds {timeout_seconds}",
            value=max_wait_seconds,
            allowed=f"<= {_fmt(max(0.0, timeout_seconds - longest_request_seconds))} seconds",
            hint="shorten the batch wait so a request that waited still finishes in time",
        )
    ]


@dataclass(slots=True)
class _Entry(Generic[InT, OutT]):
    item: InT
    future: asyncio.Future[OutT]


class Batcher(Generic[InT, OutT]):
    """Collects items into batches for one batch function.

    Args:
        fn: ``fn(items) -> results``, one result per item in order; sync (runs in a thread) or
            async.
        max_batch_size: Items per batch, >= 1. Default: ``KN_SERVE_BATCH_SIZE``; required when
            that is unset.
        max_wait_seconds: How long the first item waits for the batch to fill, finite, >= 0.
            Default: ``KN_SERVE_BATCH_MAX_WAIT_SECONDS``, else 0 (run what is there).
        settings: Where the defaults and the KN-BATCH-3 bounds come from. Default: the env.

    Raises:
        ConfigError: ``KN-SERVE-ARG`` for a wrong argument, ``KN-BATCH-3`` when the wait does not
            fit ``timeoutSeconds`` (all problems at once).
    """

    def __init__(
        self,
        fn: Callable[[list[InT]], Sequence[OutT] | Awaitable[Sequence[OutT]]],
        *,
        max_batch_size: int | None = None,
        max_wait_seconds: float | None = None,
        settings: Settings | None = None,
    ) -> None:
        settings = Settings.from_env() if settings is None else settings
        problems: list[Problem] = []
        if not callable(fn):
            problems.append(
                Problem("KN-SERVE-ARG", "fn", f"expected a callable, got {type(fn).__name__}", value=repr(fn))
            )
        size = settings.batch_size if max_batch_size is None else max_batch_size
        if size is None:
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "max_batch_size",
                    f"no batch size: pass max_batch_size or set {ENV_BATCH_SIZE}",
                    allowed="an integer >= 1",
                    hint="Batching.fixed(batch_size=...) on the construct sets the env",
                )
            )
        elif isinstance(size, bool) or not isinstance(size, int) or size < 1:
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "max_batch_size",
                    "expected an integer >= 1",
                    value=size,
                    allowed="an integer >= 1",
                )
            )
        wait = settings.batch_max_wait_seconds if max_wait_seconds is None else max_wait_seconds
        wait = 0.0 if wait is None else wait
        if isinstance(wait, bool) or not isinstance(wait, int | float) or not math.isfinite(wait) or wait < 0:
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "max_wait_seconds",
                    f"expected a finite number >= 0 (or {ENV_BATCH_MAX_WAIT})",
                    value=wait,
                    allowed="0 <= seconds, finite",
                )
            )
        else:
            problems.extend(
                check_batch_wait(wait, settings.longest_request_seconds, settings.timeout_seconds)
            )
        if problems:
            raise ConfigError(problems)
        assert isinstance(size, int)
        self._fn = fn
        self._is_async = inspect.iscoroutinefunction(fn)
        self.max_batch_size: int = size
        self.max_wait_seconds: float = float(wait)
        self._pending: list[_Entry[InT, OutT]] = []
        self._timer: asyncio.Handle | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Sizes of the batches run so far, oldest first (for logs and tests).
        self.batch_sizes: list[int] = []

    @property
    def pending(self) -> int:
        """Items waiting for their batch."""
        return len(self._pending)

    async def submit(self, item: InT) -> OutT:
        """Add ``item`` to the next batch and return its result.

        Cancelling the awaiting task (client disconnect) removes a still-waiting item from the
        batch.
        """
        loop = asyncio.get_running_loop()
        entry: _Entry[InT, OutT] = _Entry(item, loop.create_future())
        self._pending.append(entry)
        if len(self._pending) >= self.max_batch_size:
            self._flush()
        elif self._timer is None:
            if self.max_wait_seconds == 0:
                self._timer = loop.call_soon(self._flush)
            else:
                self._timer = loop.call_later(self.max_wait_seconds, self._flush)
        try:
            return await asyncio.shield(entry.future)
        except asyncio.CancelledError:
            if entry in self._pending:
                self._pending.remove(entry)
                if not self._pending and self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            entry.future.cancel()
            raise

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        batch = self._pending[: self.max_batch_size]
        del self._pending[: self.max_batch_size]
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self._pending:
            # More than a batch was waiting: the rest starts its own wait now.
            self._timer = asyncio.get_running_loop().call_later(self.max_wait_seconds, self._flush)

    async def _run(self, batch: list[_Entry[InT, OutT]]) -> None:
        async with self._lock:
            live = [e for e in batch if not e.future.cancelled()]
            if not live:
                return
            items = [e.item for e in live]
            self.batch_sizes.append(len(items))
            try:
                results: Any
                if self._is_async:
                    results = await self._fn(items)  # type: ignore[misc]
                else:
                    results = await asyncio.to_thread(self._fn, items)
                results = list(results)
                if len(results) != len(items):
                    raise ValueError(
                        f"the batch function returned {len(results)} results for {len(items)} items"
                    )
            except Exception as exc:
                for e in live:
                    if not e.future.done():
                        e.future.set_exception(exc)
                return
            for e, result in zip(live, results, strict=True):
                if not e.future.done():
                    e.future.set_result(result)
