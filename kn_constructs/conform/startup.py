"""Watching one start of the server: when it listens, when it says ready, when it really serves.

Used by the main run and by the agent that runs a start inside a network namespace. It polls
liveness, then readiness, every :data:`POLL_SECONDS`, with the probe timeouts of the construct's
probes; once readiness says 2xx it sends the user's request at once (a server that is ready must be
able to serve: KN-START-1, KN-PROBE-1) and keeps sending it each poll until one succeeds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from kn_constructs.conform.http import RequestSpec, Response, get, send

__all__ = ["POLL_SECONDS", "Endpoint", "Server", "StartupObservation", "watch_startup"]

#: How often a start is polled: fine enough to time a start to 50 ms.
POLL_SECONDS = 0.05


class Server(Protocol):
    """What conform needs of the server process."""

    exited_at: float | None

    @property
    def returncode(self) -> int | None:
        """The exit status once it exited."""
        ...

    def alive(self) -> bool:
        """Whether it still runs."""
        ...


@dataclass(frozen=True)
class Endpoint:
    """Where the server answers and what to ask it.

    Attributes:
        host: The address (loopback).
        port: The port it was given in ``PORT``.
        ready_path: The readiness path (the construct's ``Probes.readiness_path``).
        live_path: The liveness path.
        request: The request that proves it can serve.
        probe_timeout: Readiness probe timeout, seconds.
        liveness_timeout: Liveness probe timeout, seconds.
        request_timeout: Timeout of one request, seconds.
    """

    host: str
    port: int
    ready_path: str
    live_path: str
    request: RequestSpec
    probe_timeout: float
    liveness_timeout: float
    request_timeout: float


@dataclass
class StartupObservation:
    """What one start looked like; times in seconds since the process was started.

    Attributes:
        listening_at: The first HTTP answer on any probe path.
        ready_at: The first 2xx from readiness.
        not_ready_answers: Non-2xx readiness answers before that.
        first_request: The request sent right after the first 2xx readiness.
        served_at: When a request first succeeded.
        liveness_answers: Liveness probes answered (any status) before ``ready_at``.
        liveness_failures: Each liveness failure before ``ready_at`` (``"503 at 0.42s"``).
        exit_status: The exit status if the process ended before it served.
        timed_out: It did not serve within the start timeout.
    """

    listening_at: float | None = None
    ready_at: float | None = None
    not_ready_answers: int = 0
    first_request: Response | None = None
    served_at: float | None = None
    liveness_answers: int = 0
    liveness_failures: list[str] = field(default_factory=list)
    exit_status: int | None = None
    timed_out: bool = False

    def to_json(self) -> dict[str, object]:
        """A plain dict (the network-namespace agent sends it back as JSON)."""
        first = self.first_request
        return {
            "listening_at": self.listening_at,
            "ready_at": self.ready_at,
            "not_ready_answers": self.not_ready_answers,
            "first_request": None
            if first is None
            else {"status": first.status, "seconds": first.seconds, "error": first.error},
            "served_at": self.served_at,
            "liveness_answers": self.liveness_answers,
            "liveness_failures": list(self.liveness_failures),
            "exit_status": self.exit_status,
            "timed_out": self.timed_out,
        }


def watch_startup(
    server: Server, started: float, endpoint: Endpoint, *, timeout: float
) -> StartupObservation:
    """Poll one start until the server serves a request, exits, or ``timeout`` seconds pass."""
    seen = StartupObservation()
    host, port = endpoint.host, endpoint.port
    while True:
        now = time.monotonic()
        if now - started > timeout:
            seen.timed_out = True
            return seen
        if not server.alive():
            seen.exit_status = server.returncode
            return seen
        if seen.ready_at is None:
            live = get(host, port, endpoint.live_path, timeout=endpoint.liveness_timeout)
            listening = live.status is not None or live.error != "connection refused"
            if listening and seen.listening_at is None:
                seen.listening_at = live.started - started
            if seen.listening_at is not None:
                seen.liveness_answers += live.status is not None
                if not live.ok:
                    seen.liveness_failures.append(
                        f"{live.status or live.error} at {live.started - started:.2f}s"
                    )
            ready = get(host, port, endpoint.ready_path, timeout=endpoint.probe_timeout)
            if ready.status is not None and seen.listening_at is None:
                seen.listening_at = ready.started - started
            if not ready.ok:
                seen.not_ready_answers += ready.status is not None
                time.sleep(POLL_SECONDS)
                continue
            seen.ready_at = ready.started - started
        answer = send(host, port, endpoint.request, timeout=endpoint.request_timeout)
        if seen.first_request is None:
            seen.first_request = answer
        if answer.ok:
            seen.served_at = answer.ended - started
            return seen
        time.sleep(POLL_SECONDS)
