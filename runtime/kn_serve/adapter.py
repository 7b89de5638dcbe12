"""``kn-serve -- <engine command>``: the guide's lifecycle in front of an inference engine.

The engine (vLLM, TGI, Triton, ...) runs as a child process in its own process group, listening
on ``--engine-port`` on loopback; kn-serve listens on ``PORT`` and proxies every request to it
(httpx, streaming both ways as bytes arrive). Readiness answers 200 only after the engine's health
endpoint answered 200 and one tiny self-test request succeeded (KN-START-1). On SIGTERM readiness
turns 503 at once, requests keep flowing through, and when none is in flight the engine gets
SIGTERM; kn-serve exits with the engine's status (KN-SHUT-1). A client that disconnects closes its
upstream request, which engines such as vLLM treat as an abort (KN-CANCEL-2). An engine that
exits on its own makes kn-serve exit non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kn_serve._serving import SIGINT_EXIT, DrainingServer, Lifecycle, Phase, track_inflight
from kn_serve.server import _wait_for_disconnect
from kn_serve.settings import DEFAULT_LIVE_PATH, DEFAULT_READY_PATH, Settings, set_offline_env

__all__ = ["DEFAULT_SELF_TEST", "EngineAdapter", "SelfTest"]

log = logging.getLogger("kn_serve")

#: Headers that belong to one connection, not to the request (RFC 9110 section 7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
#: Answers up to this size with a Content-Length are read whole and sent in one piece.
WHOLE_BODY_BYTES = 1 << 20
#: How often the engine's health endpoint is polled while it starts.
HEALTH_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class SelfTest:
    """One request that must answer 2xx before kn-serve reports ready.

    Attributes:
        method: HTTP method (``POST``).
        path: Path on the engine (``/v1/completions``).
        body: JSON body, or ``None`` for none.
        openai_model: Fill in ``body["model"]`` from the engine's ``GET /v1/models`` (first id)
            when the body has no ``model`` (OpenAI-compatible engines need the served name).
    """

    method: str
    path: str
    body: Any = None
    openai_model: bool = False


#: The default self-test: a 1-token completion on an OpenAI-compatible engine (vLLM, TGI, SGLang).
DEFAULT_SELF_TEST = SelfTest(
    "POST", "/v1/completions", {"prompt": "Hello", "max_tokens": 1}, openai_model=True
)


def _set_parent_death_signal() -> None:
    """In the child, before exec: SIGTERM if kn-serve dies without stopping it (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _status_of(returncode: int) -> int:
    """A child's return code as a process exit status (128 + signal when it was killed)."""
    return 128 - returncode if returncode < 0 else returncode


@dataclass
class EngineAdapter:
    """Runs one engine command behind the lifecycle (see the module docstring).

    Attributes:
        command: The engine's command line (``["vllm", "serve", ...]``).
        engine_port: The port the engine listens on (loopback).
        engine_health: The engine's health path (``/health`` for vLLM and TGI).
        self_test: The self-test request, or ``None`` for none.
        settings: Port, host and the rest of the env.
        ready_path: kn-serve's readiness path.
        live_path: kn-serve's liveness path.
        engine_host: Where the engine listens. Default ``127.0.0.1``.
    """

    command: Sequence[str]
    engine_port: int
    engine_health: str = "/health"
    self_test: SelfTest | None = DEFAULT_SELF_TEST
    settings: Settings = field(default_factory=Settings)
    ready_path: str = DEFAULT_READY_PATH
    live_path: str = DEFAULT_LIVE_PATH
    engine_host: str = "127.0.0.1"
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    def __post_init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._client: httpx.AsyncClient | None = None
        self._server: DrainingServer | None = None
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def engine_url(self) -> str:
        """Base URL of the engine."""
        return f"http://{self.engine_host}:{self.engine_port}"

    # ---- the engine process ---------------------------------------------------------------

    async def _spawn(self) -> asyncio.subprocess.Process:
        env = dict(os.environ)
        # The engine must not bind kn-serve's port; engines that read PORT (TGI) get theirs.
        env["PORT"] = str(self.engine_port)
        env["KN_SERVE_ENGINE_PORT"] = str(self.engine_port)
        return await asyncio.create_subprocess_exec(
            *self.command,
            env=env,
            start_new_session=True,
            preexec_fn=_set_parent_death_signal,
        )

    def _signal_engine(self, sig: int) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def _stop_engine(self) -> None:
        """Drained: forward SIGTERM to the engine's process group; its exit ends kn-serve."""
        self._stopping = True
        log.info("forwarding SIGTERM to the engine (pid %s)", self._proc.pid if self._proc else "?")
        self._signal_engine(signal.SIGTERM)

    async def _watch_engine(self) -> None:
        assert self._proc is not None
        returncode = await self._proc.wait()
        status = _status_of(returncode)
        if self._stopping:
            log.info("the engine exited with status %d", status)
            # Dying of the SIGTERM it was sent is a clean stop (uvicorn-based engines such as
            # vLLM re-raise SIGTERM after their graceful shutdown).
            self.lifecycle.exit_code = 0 if returncode == -signal.SIGTERM else status
        else:
            log.error("the engine exited on its own with status %d: stopping", status)
            self.lifecycle.phase = Phase.FAILED
            self.lifecycle.exit_code = status or 1
        if self._server is not None:
            self._server.should_exit = True

    # ---- start: health, self-test, ready ----------------------------------------------------

    async def _start(self) -> None:
        lc = self.lifecycle
        client = self._client
        assert client is not None
        lc.phase = Phase.LOADING
        loop = asyncio.get_running_loop()
        began = loop.time()
        while True:
            if lc.draining or lc.phase is Phase.FAILED:
                return
            try:
                health = await client.get(self.engine_health, timeout=5.0)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(HEALTH_POLL_SECONDS)
        log.info("engine health %s passed after %.3fs", self.engine_health, loop.time() - began)
        lc.phase = Phase.SELF_TESTING
        if self.self_test is not None:
            try:
                await self._run_self_test(client, self.self_test)
            except Exception as exc:
                log.error("self-test failed: %s", exc)
                lc.phase = Phase.FAILED
                lc.exit_code = 1
                if self._server is not None:
                    self._server.should_exit = True
                return
        if lc.draining or lc.phase is Phase.FAILED:
            return
        lc.phase = Phase.READY
        log.info("ready after %.3fs (readiness %s now answers 200)", loop.time() - began, self.ready_path)

    async def _run_self_test(self, client: httpx.AsyncClient, test: SelfTest) -> None:
        body = test.body
        if test.openai_model and isinstance(body, dict) and "model" not in body:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
                models = await client.get("/v1/models", timeout=30.0)
                if models.status_code == 200:
                    body = {**body, "model": models.json()["data"][0]["id"]}
        response = await client.request(
            test.method, test.path, json=body if body is not None else None, timeout=None
        )
        if not 200 <= response.status_code < 300:
            raise RuntimeError(
                f"{test.method} {test.path} answered {response.status_code}: {response.text[:500]!r}"
            )
        log.info("self-test %s %s answered %d", test.method, test.path, response.status_code)

    # ---- the proxy ------------------------------------------------------------------------

    async def _proxy(self, request: Request) -> Response:
        if self.lifecycle.phase is not Phase.READY:
            return JSONResponse(
                {"error": "the engine is not ready yet", "phase": self.lifecycle.phase.value},
                status_code=503,
            )
        client = self._client
        assert client is not None
        body = await request.body()
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        upstream_request = client.build_request(
            request.method,
            request.url.path,
            params=request.url.query or None,
            headers=headers,
            content=body,
        )
        sending = asyncio.ensure_future(client.send(upstream_request, stream=True))
        watcher = asyncio.ensure_future(_wait_for_disconnect(request.receive))
        try:
            await asyncio.wait({sending, watcher}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            sending.cancel()
            raise
        finally:
            watcher.cancel()
        if not sending.done():
            # The client left before the engine answered: drop the upstream connection.
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await sending
            log.info("%s %s: client disconnected, upstream request closed", request.method, request.url.path)
            return Response(status_code=499)
        try:
            upstream = sending.result()
        except httpx.HTTPError as exc:
            log.error("%s %s: the engine did not answer: %s", request.method, request.url.path, exc)
            return JSONResponse({"error": f"the engine did not answer: {exc}"}, status_code=502)

        response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
        length = upstream.headers.get("content-length", "")
        if length.isdigit() and int(length) <= WHOLE_BODY_BYTES:
            # A whole (non-streaming) answer of known, small size: one read, one plain response.
            try:
                content = await upstream.aread()
            except httpx.HTTPError as exc:
                return JSONResponse({"error": f"the engine's answer broke off: {exc}"}, status_code=502)
            finally:
                await upstream.aclose()
            return Response(content, status_code=upstream.status_code, headers=response_headers)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                # On a client disconnect Starlette cancels this iteration; closing an unfinished
                # response closes the engine's connection, which the engine sees as an abort.
                await upstream.aclose()

        return StreamingResponse(chunks(), status_code=upstream.status_code, headers=response_headers)

    # ---- run ------------------------------------------------------------------------------

    def build_app(self) -> Starlette:
        """The Starlette app: probes plus the catch-all proxy route."""

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self._tasks = [
                asyncio.create_task(self._watch_engine()),
                asyncio.create_task(self._start()),
            ]
            try:
                yield
            finally:
                for task in self._tasks:
                    if not task.done():
                        task.cancel()

        return Starlette(
            routes=[
                Route(self.ready_path, self.lifecycle.readiness, methods=["GET"]),
                Route(self.live_path, self.lifecycle.liveness, methods=["GET"]),
                Route("/{path:path}", self._proxy, methods=_METHODS),
            ],
            lifespan=lifespan,
        )

    async def run(self) -> int:
        """Start the engine, serve until it is stopped or fails, return the exit status."""
        set_offline_env()
        try:
            self._proc = await self._spawn()
        except OSError as exc:
            log.error("cannot start the engine %r: %s", list(self.command), exc)
            return 2
        log.info("engine started (pid %d): %s", self._proc.pid, " ".join(self.command))
        self._client = httpx.AsyncClient(
            base_url=self.engine_url,
            timeout=httpx.Timeout(None),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            trust_env=False,
        )
        app = track_inflight(self.build_app(), self.lifecycle, exempt=(self.ready_path, self.live_path))
        config = uvicorn.Config(
            app,
            host=self.settings.host,
            port=self.settings.port,
            lifespan="on",
            access_log=False,
            log_config=None,
            # The engine's own Server and Date headers pass through; uvicorn would add a second pair.
            server_header=False,
            date_header=False,
        )
        self._server = DrainingServer(config, self.lifecycle, on_idle_after_sigterm=self._stop_engine)
        try:
            await self._server.serve()
        finally:
            await self._client.aclose()
            await self._reap()
        if self._server.sigint:
            return SIGINT_EXIT
        if not self._server.started and self.lifecycle.exit_code == 0:
            return 1
        return self.lifecycle.exit_code

    async def _reap(self) -> None:
        """Make sure the engine is gone when kn-serve returns (SIGINT, failure, bind error)."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        self._stopping = True
        self._signal_engine(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=30)
        except TimeoutError:
            log.error("the engine ignored SIGTERM for 30s after kn-serve stopped: killing it")
            self._signal_engine(signal.SIGKILL)
            await proc.wait()


def parse_self_test(values: Sequence[str]) -> SelfTest:
    """``METHOD PATH [JSON]`` → :class:`SelfTest` (``ValueError`` with the reason)."""
    if len(values) not in (2, 3):
        raise ValueError("expected METHOD PATH [JSON]")
    method, path = values[0].upper(), values[1]
    if method not in _METHODS:
        raise ValueError(f"unknown HTTP method {values[0]!r} (one of {', '.join(_METHODS)})")
    if not path.startswith("/"):
        raise ValueError(f"the path must start with '/', got {path!r}")
    body: Any = None
    if len(values) == 3:
        try:
            body = json.loads(values[2])
        except ValueError as exc:
            raise ValueError(f"the body is not JSON: {exc}") from exc
    return SelfTest(method, path, body)
