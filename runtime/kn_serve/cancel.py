"""Cancellation for request work (KN-CANCEL-2): the client went away, so stop at once.

Async handlers are cancelled the asyncio way (their task gets ``CancelledError``). Code that runs
in a thread cannot be interrupted from outside, so it gets a :class:`CancelToken` to check between
steps (a generation loop checks it per token): ``token.raise_if_cancelled()``.
"""

from __future__ import annotations

import threading

__all__ = ["CancelToken", "RequestCancelled"]


class RequestCancelled(Exception):  # noqa: N818 - the name says what happened, like CancelledError
    """Raised by :meth:`CancelToken.raise_if_cancelled` once the client has disconnected."""


class CancelToken:
    """Set when the request's client disconnects; safe to read from any thread."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def cancelled(self) -> bool:
        """``True`` once the client has gone: stop the work and return."""
        return self._event.is_set()

    def cancel(self) -> None:
        """Mark the request cancelled (the runtime calls this on client disconnect)."""
        self._event.set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`RequestCancelled` if the client has gone, else return at once."""
        if self._event.is_set():
            raise RequestCancelled("the client disconnected")

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to ``timeout`` seconds for cancellation; return whether it happened.

        Useful in place of ``time.sleep`` in threaded code that should wake up when cancelled.
        """
        return self._event.wait(timeout)

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"
