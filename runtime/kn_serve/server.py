"""ModelServer: the guide's container lifecycle around a few user callbacks.

Order (KN-START-1): the server listens at once with readiness 503 and liveness 200; then
``configure(settings)``, ``model = load(settings)``, ``self_test(model)``; only when all three
passed does readiness answer 200. A step that raises is logged with its traceback and the process
exits with status 1 (exit on non-recoverable errors rather than lean on liveness, KN-PROBE-2).
SIGTERM: readiness 503 at once, requests keep being served, exit when none is in flight
(KN-SHUT-1). A client that disconnects cancels its request's work (KN-CANCEL-2).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive

from kn_serve._serving import SIGINT_EXIT, DrainingServer, Lifecycle, Phase, track_inflight
from kn_serve.cancel import CancelToken, RequestCancelled
from kn_serve.errors import ConfigError, Problem
from kn_serve.settings import DEFAULT_LIVE_PATH, DEFAULT_READY_PATH, Settings, set_offline_env

__all__ = ["CLIENT_CLOSED_STATUS", "Handler", "InvalidJSON", "ModelServer", "RequestContext"]

log = logging.getLogger("kn_serve")

ModelT = TypeVar("ModelT")

#: Status logged for a request whose client disconnected (nginx's 499); nobody receives it.
CLIENT_CLOSED_STATUS = 499


@dataclass(slots=True)
class RequestContext(Generic[ModelT]):
    """What a handler receives.

    Attributes:
        request: The Starlette request; its body is already read (``await request.json()``
            still works in async handlers).
        body: The request body.
        model: What ``load`` returned.
        token: Set when the client disconnects; threaded (sync) handlers check it
            (``token.raise_if_cancelled()``); async handlers are also cancelled outright.
        settings: The runtime's settings (env).
    """

    request: Request
    body: bytes
    model: ModelT
    token: CancelToken
    settings: Settings
    _json: Any = field(default=None, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            InvalidJSON: the body is not JSON; uncaught, the client gets a 400 with the reason.
        """
        if self._json is None:
            try:
                self._json = json.loads(self.body)
            except ValueError as exc:
                raise InvalidJSON(400, f"request body is not JSON: {exc}") from exc
        return self._json


class InvalidJSON(HTTPException, ValueError):  # noqa: N818 - named like json's JSONDecodeError
    """The request body is not JSON: an HTTP 400 that ``except ValueError`` also catches."""


#: A handler: sync (runs in a worker thread, checks ``ctx.token``) or async (cancelled on
#: disconnect). It returns a Starlette ``Response`` or a JSON-serialisable value.
Handler = Callable[[RequestContext[ModelT]], Any]


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _as_response(result: object) -> Response:
    if isinstance(result, Response):
        return result
    return JSONResponse(result)


def _check_callable(name: str, value: object, *, required: bool) -> list[Problem]:
    if value is None and not required:
        return []
    if not callable(value):
        return [
            Problem(
                "KN-SERVE-ARG",
                name,
                f"expected a callable, got {type(value).__name__}",
                value=repr(value),
                allowed="a function or coroutine function",
            )
        ]
    return []


def _check_path(name: str, value: object) -> list[Problem]:
    if not isinstance(value, str) or not value.startswith("/"):
        return [
            Problem(
                "KN-SERVE-ARG",
                name,
                "expected an absolute URL path",
                value=value,
                allowed="a str starting with '/'",
            )
        ]
    return []


async def _in_daemon_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in a daemon thread and await its result.

    Not the loop's default executor: ``asyncio.run`` joins that executor's threads at exit, so a
    SIGTERM during a ten-minute load would wait for the load; a daemon thread does not hold the
    process.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=f"kn-serve-{getattr(fn, '__name__', 'step')}", daemon=True).start()
    return await future


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Await an async callback, or run a sync one in a thread (the event loop keeps serving)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await _in_daemon_thread(fn, *args)
    if inspect.isawaitable(result):
        return await result
    return result


class ModelServer(Generic[ModelT]):
    """A model server with the guide's lifecycle, probes, drain and cancellation.

    Example::

        server = ModelServer(load=load_model, self_test=check_model)

        @server.post("/v1/predict")
        def predict(ctx: RequestContext[MyModel]) -> dict[str, object]:
            ctx.token.raise_if_cancelled()
            return {"output": ctx.model.run(ctx.json()["input"])}

        server.run()

    Args:
        load: ``load(settings) -> model``; sync (run in a thread) or async. Read the model's
            location from ``settings.model_uri`` (see :mod:`kn_serve.loader`).
        self_test: ``self_test(model)``: raise to fail the start; default: none.
        configure: ``configure(settings)``: checks and set-up before loading; default: none.
        ready_path: Readiness path. Default ``/v2/health/ready`` (``kn_constructs`` Probes).
        live_path: Liveness path. Default ``/v2/health/live``.
        routes: Extra plain Starlette routes (they are not gated on readiness, but are
            counted for the drain).
        access_log: uvicorn's access log. Default off.

    Raises:
        ConfigError: ``KN-SERVE-ARG`` for a wrong argument (all problems at once).
    """

    def __init__(
        self,
        *,
        load: Callable[[Settings], ModelT | Awaitable[ModelT]],
        self_test: Callable[[ModelT], object] | None = None,
        configure: Callable[[Settings], object] | None = None,
        ready_path: str = DEFAULT_READY_PATH,
        live_path: str = DEFAULT_LIVE_PATH,
        routes: Sequence[BaseRoute] = (),
        access_log: bool = False,
    ) -> None:
        problems = [
            *_check_callable("load", load, required=True),
            *_check_callable("self_test", self_test, required=False),
            *_check_callable("configure", configure, required=False),
            *_check_path("ready_path", ready_path),
            *_check_path("live_path", live_path),
        ]
        if isinstance(routes, str | bytes) or not all(isinstance(r, BaseRoute) for r in routes):
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "routes",
                    "expected a sequence of Starlette routes",
                    value=repr(routes),
                    allowed="Sequence[starlette.routing.BaseRoute]",
                )
            )
        if not problems and ready_path == live_path:
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "live_path",
                    "readiness and liveness need different paths (KN-PROBE-2)",
                    value=live_path,
                    hint="liveness stays 200 while loading and draining; readiness does not",
                )
            )
        if problems:
            raise ConfigError(problems)
        self._load = load
        self._self_test = self_test
        self._configure = configure
        self.ready_path = ready_path
        self.live_path = live_path
        self._extra_routes = list(routes)
        self._handlers: list[Route] = []
        self._access_log = access_log
        self.lifecycle = Lifecycle()
        self._model: ModelT | None = None
        self._settings = Settings()
        self._server: DrainingServer | None = None
        self._start_task: asyncio.Task[None] | None = None

    # ---- routes ---------------------------------------------------------------------------

    def route(
        self, path: str, *, methods: Sequence[str] = ("POST",)
    ) -> Callable[[Handler[ModelT]], Handler[ModelT]]:
        """Register a handler for ``path`` (answers 503 until the model is ready)."""
        problems = _check_path("path", path)
        if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):
            problems.append(
                Problem(
                    "KN-SERVE-ARG",
                    "methods",
                    "expected a sequence of HTTP method names",
                    value=methods,
                    allowed='e.g. ("POST",)',
                )
            )
        if problems:
            raise ConfigError(problems)

        def register(handler: Handler[ModelT]) -> Handler[ModelT]:
            if not callable(handler):
                raise ConfigError(_check_callable("handler", handler, required=True))
            self._handlers.append(Route(path, self._endpoint(handler), methods=list(methods)))
            return handler

        return register

    def post(self, path: str) -> Callable[[Handler[ModelT]], Handler[ModelT]]:
        """Register a ``POST`` handler (see :meth:`route`)."""
        return self.route(path, methods=("POST",))

    def get(self, path: str) -> Callable[[Handler[ModelT]], Handler[ModelT]]:
        """Register a ``GET`` handler (see :meth:`route`)."""
        return self.route(path, methods=("GET",))

    def _endpoint(self, handler: Handler[ModelT]) -> Callable[[Request], Awaitable[Response]]:
        is_async = inspect.iscoroutinefunction(handler)
        name = getattr(handler, "__name__", repr(handler))

        async def endpoint(request: Request) -> Response:
            if self._model is None or self.lifecycle.phase is not Phase.READY:
                return JSONResponse(
                    {"error": "the model is not loaded yet", "phase": self.lifecycle.phase.value},
                    status_code=503,
                )
            body = await request.body()
            ctx = RequestContext(
                request=request,
                body=body,
                model=self._model,
                token=CancelToken(),
                settings=self._settings,
            )
            work: asyncio.Future[Any]
            if is_async:
                work = asyncio.ensure_future(handler(ctx))
            else:
                work = asyncio.ensure_future(anyio.to_thread.run_sync(handler, ctx))
            watcher = asyncio.ensure_future(_wait_for_disconnect(request.receive))
            try:
                await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                ctx.token.cancel()
                work.cancel()
                raise
            finally:
                watcher.cancel()
            if not work.done():
                # The client went away first: stop the work (KN-CANCEL-2).
                ctx.token.cancel()
                if is_async:
                    work.cancel()
                try:
                    await work
                except (asyncio.CancelledError, RequestCancelled):
                    pass
                except Exception:
                    log.exception("handler %s failed after its client disconnected", name)
                log.info("%s %s: client disconnected, work cancelled", request.method, request.url.path)
                return Response(status_code=CLIENT_CLOSED_STATUS)
            try:
                return _as_response(work.result())
            except RequestCancelled:
                return Response(status_code=CLIENT_CLOSED_STATUS)
            except HTTPException:
                raise
            except Exception as exc:
                log.exception("handler %s failed", name)
                return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=500)

        return endpoint

    # ---- the app and the lifecycle --------------------------------------------------------

    @property
    def model(self) -> ModelT | None:
        """The loaded model, or ``None`` before ``load`` returned."""
        return self._model

    def build_app(self, settings: Settings | None = None) -> ASGIApp:
        """The ASGI app: probes, handlers, and the ordered start in its lifespan."""
        if settings is not None:
            self._settings = settings

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self._start_task = asyncio.create_task(self._start())
            try:
                yield
            finally:
                if not self._start_task.done():
                    self._start_task.cancel()

        routes: list[BaseRoute] = [
            Route(self.ready_path, self.lifecycle.readiness, methods=["GET"]),
            Route(self.live_path, self.lifecycle.liveness, methods=["GET"]),
            *self._handlers,
            *self._extra_routes,
        ]
        app = Starlette(routes=routes, lifespan=lifespan)
        return track_inflight(app, self.lifecycle, exempt=(self.ready_path, self.live_path))

    async def _start(self) -> None:
        lc = self.lifecycle
        began = time.monotonic()
        steps: list[tuple[Phase, str]] = [
            (Phase.CONFIGURING, "configure"),
            (Phase.LOADING, "load"),
            (Phase.SELF_TESTING, "self-test"),
        ]
        for phase, label in steps:
            if lc.draining:
                return
            lc.phase = phase
            t0 = time.monotonic()
            try:
                if phase is Phase.CONFIGURING:
                    if self._configure is not None:
                        await _call(self._configure, self._settings)
                elif phase is Phase.LOADING:
                    self._model = cast(ModelT, await _call(self._load, self._settings))
                elif self._self_test is not None:
                    await _call(self._self_test, self._model)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                lc.phase = Phase.FAILED
                lc.exit_code = 1
                if isinstance(exc, ConfigError):
                    log.error("%s failed:\n%s", label, exc)
                else:
                    log.exception("%s failed: %s: %s", label, type(exc).__name__, exc)
                if self._server is not None:
                    self._server.should_exit = True
                return
            log.info("%s done in %.3fs", label, time.monotonic() - t0)
        if lc.draining:
            return
        lc.phase = Phase.READY
        log.info(
            "ready after %.3fs (readiness %s now answers 200)", time.monotonic() - began, self.ready_path
        )

    async def serve(self, settings: Settings | None = None) -> int:
        """Serve until drained (SIGTERM), stopped (SIGINT) or a start step fails; return the exit status."""
        set_offline_env()
        settings = Settings.from_env() if settings is None else settings
        app = self.build_app(settings)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            lifespan="on",
            access_log=self._access_log,
            log_config=None,
        )
        self._server = DrainingServer(config, self.lifecycle)
        await self._server.serve()
        if self._server.sigint:
            return SIGINT_EXIT
        if not self._server.started and self.lifecycle.exit_code == 0:
            return 1  # could not bind the port (uvicorn logged why)
        return self.lifecycle.exit_code

    def run(self, *, host: str | None = None, port: int | None = None) -> None:
        """Read the env, serve, and exit the process with the status (see :meth:`serve`).

        Args:
            host: Overrides ``HOST`` (default ``0.0.0.0``).
            port: Overrides ``PORT`` (default 8080).

        Exits with 2 (and serves nothing) when the env is malformed.

        Raises:
            ConfigError: ``KN-SERVE-ARG`` for a wrong ``host`` or ``port``.
        """
        problems: list[Problem] = []
        if host is not None and (not isinstance(host, str) or not host):
            problems.append(Problem("KN-SERVE-ARG", "host", "expected an address", value=host))
        if port is not None and (
            isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535
        ):
            problems.append(
                Problem(
                    "KN-SERVE-ARG", "port", "expected an integer 1..65535", value=port, allowed="1..65535"
                )
            )
        if problems:
            raise ConfigError(problems)
        _configure_logging()
        set_offline_env()
        try:
            settings = Settings.from_env()
        except ConfigError as exc:
            log.error("bad environment:\n%s", exc)
            sys.exit(2)
        overrides: dict[str, Any] = {}
        if host is not None:
            overrides["host"] = host
        if port is not None:
            overrides["port"] = port
        if overrides:
            import dataclasses

            settings = dataclasses.replace(settings, **overrides)
        sys.exit(asyncio.run(self.serve(settings)))


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
