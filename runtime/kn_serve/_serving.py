"""The parts ModelServer and the engine adapter share: phases, probes, in-flight count, signals.

uvicorn's own SIGTERM handling stops accepting connections at once. Knative's queue-proxy may
still send requests after SIGTERM (the guide: keep accepting while draining; the grace period is
``timeoutSeconds``), so :class:`DrainingServer` replaces it: SIGTERM turns readiness to 503 and
the server exits only when no request is in flight, with no timer of its own (KN-SHUT-1).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import signal
import threading
from collections.abc import Callable, Collection, Generator

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["DrainingServer", "Lifecycle", "Phase", "track_inflight"]

log = logging.getLogger("kn_serve")

#: Exit status after SIGINT (the shell's 128 + 2).
SIGINT_EXIT = 130


class Phase(enum.Enum):
    """Where the process is in the guide's start order (KN-START-1)."""

    STARTING = "starting"
    CONFIGURING = "configuring"
    LOADING = "loading"
    SELF_TESTING = "self-testing"
    READY = "ready"
    FAILED = "failed"


class Lifecycle:
    """Phase, drain flag and in-flight count of one serving process (event-loop thread only)."""

    def __init__(self) -> None:
        self.phase = Phase.STARTING
        self.draining = False
        self.inflight = 0
        self.exit_code = 0
        self._on_idle: list[Callable[[], None]] = []

    @property
    def ready(self) -> bool:
        """Readiness: every start step passed and no SIGTERM yet (KN-PROBE-1, KN-SHUT-1)."""
        return self.phase is Phase.READY and not self.draining

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` as soon as no request is in flight (now, if none is)."""
        if self.inflight == 0:
            callback()
        else:
            self._on_idle.append(callback)

    def enter(self) -> None:
        """A request started."""
        self.inflight += 1

    def leave(self) -> None:
        """A request finished (answered, failed or cancelled)."""
        self.inflight -= 1
        if self.inflight == 0 and self._on_idle:
            callbacks, self._on_idle = self._on_idle, []
            for callback in callbacks:
                callback()

    async def readiness(self, request: Request) -> JSONResponse:
        """``GET`` readiness: 200 when ready, else 503 with the phase."""
        if self.ready:
            return JSONResponse({"status": "ready"})
        status = "draining" if self.draining else self.phase.value
        return JSONResponse({"status": status}, status_code=503)

    async def liveness(self, request: Request) -> JSONResponse:
        """``GET`` liveness: 200 while the process runs, loading and draining included (KN-PROBE-2)."""
        return JSONResponse({"status": "live", "phase": self.phase.value, "draining": self.draining})


def track_inflight(app: ASGIApp, lifecycle: Lifecycle, exempt: Collection[str]) -> ASGIApp:
    """Wrap ``app`` so every HTTP request outside ``exempt`` paths counts as in flight."""
    exempt_paths = frozenset(exempt)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in exempt_paths:
            await app(scope, receive, send)
            return
        lifecycle.enter()
        try:
            await app(scope, receive, send)
        finally:
            lifecycle.leave()

    return wrapped


class DrainingServer(uvicorn.Server):
    """uvicorn with the guide's SIGTERM behaviour: not ready, keep serving, exit when idle.

    SIGINT stops at once (a developer's Ctrl-C), without waiting for requests.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        lifecycle: Lifecycle,
        on_idle_after_sigterm: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self._on_idle_after_sigterm = on_idle_after_sigterm
        self.sigint = False

    def begin_drain(self) -> None:
        """SIGTERM: readiness 503 now; exit once no request is in flight."""
        if self.lifecycle.draining:
            return
        self.lifecycle.draining = True
        log.info(
            "SIGTERM: readiness is 503 from now; draining %d in-flight request(s)",
            self.lifecycle.inflight,
        )
        self.lifecycle.when_idle(self._idle)

    def _idle(self) -> None:
        log.info("drained: no request in flight, shutting down")
        if self._on_idle_after_sigterm is not None:
            self._on_idle_after_sigterm()
        else:
            self.should_exit = True

    def stop_now(self) -> None:
        """SIGINT: stop without draining."""
        self.sigint = True
        self.should_exit = True
        self.force_exit = True

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install the runtime's SIGTERM/SIGINT handlers instead of uvicorn's (see the class)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.begin_drain)
        loop.add_signal_handler(signal.SIGINT, self.stop_now)
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            loop.remove_signal_handler(signal.SIGINT)
