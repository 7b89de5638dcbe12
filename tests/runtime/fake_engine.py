"""A small fake inference engine (OpenAI-style) for kn-serve's tests and benchmark.

``python fake_engine.py --port N [--start-seconds S] [--token-seconds T] [--events FILE]``

- waits ``--start-seconds`` before listening (an engine loading weights), then ``GET /health``;
- ``GET /v1/models`` lists ``fake-model``;
- ``POST /v1/completions`` generates ``max_tokens`` tokens, one per ``--token-seconds``,
  streamed as server-sent events when ``"stream": true``; it checks for a client disconnect
  between tokens and stops, recording ``disconnected <request id>``;
- ``POST /v1/echo`` answers its JSON body at once (the benchmark's non-generating request);
- on SIGTERM it records ``sigterm <in-flight count>`` and exits 0 after its requests finish.
Events go to ``--events`` (one per line) when given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ARGS = argparse.Namespace()
INFLIGHT = 0


def record(event: str) -> None:
    if ARGS.events:
        with Path(ARGS.events).open("a") as f:
            f.write(event + "\n")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def completions(request: Request) -> Response:
    global INFLIGHT
    body = await request.json()
    rid = str(body.get("id") or body.get("user") or f"r{time.monotonic_ns()}")
    tokens = int(body.get("max_tokens", 16))
    record(f"start {rid} model={body.get('model')}")
    if body.get("stream"):

        async def events() -> AsyncIterator[bytes]:
            global INFLIGHT
            INFLIGHT += 1
            try:
                for i in range(tokens):
                    await asyncio.sleep(ARGS.token_seconds)
                    chunk = {"id": rid, "choices": [{"index": 0, "text": f" t{i}"}]}
                    yield f"data: {json.dumps(chunk)}\n\n".encode()
                yield b"data: [DONE]\n\n"
                record(f"done {rid}")
            except asyncio.CancelledError:
                record(f"disconnected {rid}")
                raise
            finally:
                INFLIGHT -= 1

        return StreamingResponse(events(), media_type="text/event-stream")
    INFLIGHT += 1
    try:
        text = []
        for i in range(tokens):
            await asyncio.sleep(ARGS.token_seconds)
            if await request.is_disconnected():
                record(f"disconnected {rid}")
                return Response(status_code=499)
            text.append(f" t{i}")
        record(f"done {rid}")
        return JSONResponse(
            {"id": rid, "object": "text_completion", "choices": [{"index": 0, "text": "".join(text)}]}
        )
    finally:
        INFLIGHT -= 1


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        record(f"sigterm {INFLIGHT}")
        super().handle_exit(sig, frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--start-seconds", type=float, default=0.0)
    parser.add_argument("--token-seconds", type=float, default=0.01)
    parser.add_argument("--events", default="")
    parser.parse_args(namespace=ARGS)
    record("spawned")
    time.sleep(ARGS.start_seconds)
    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/models", models),
            Route("/v1/echo", echo, methods=["POST"]),
            Route("/v1/completions", completions, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=ARGS.port, log_level="warning", access_log=False)
    _Server(config).run()
    record("exited")


if __name__ == "__main__":
    main()
