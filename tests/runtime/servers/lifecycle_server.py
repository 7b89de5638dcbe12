"""A model server on kn_serve that records what happens, for the runtime's tests.

Env: EVENTS_FILE (one event per line, appended), LOAD_SECONDS (default 0.5), FAIL_STEP
(configure, load or self_test: that step raises), BATCH (1: the /batch route batches).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from kn_serve import Batcher, ModelServer, RequestContext, Settings
from kn_serve.settings import OFFLINE_ENV

EVENTS = Path(os.environ["EVENTS_FILE"])
FAIL_STEP = os.environ.get("FAIL_STEP", "")


def record(event: str) -> None:
    with EVENTS.open("a") as f:
        f.write(event + "\n")


def configure(settings: Settings) -> None:
    record("configure " + " ".join(f"{n}={os.environ.get(n, '')}" for n in OFFLINE_ENV))
    if FAIL_STEP == "configure":
        raise RuntimeError("configure broke on purpose")


def load(settings: Settings) -> dict[str, object]:
    record("load-start")
    time.sleep(float(os.environ.get("LOAD_SECONDS", "0.5")))
    if FAIL_STEP == "load":
        raise RuntimeError("load broke on purpose")
    record("load-done")
    model: dict[str, object] = {"name": "toy"}
    if os.environ.get("BATCH") == "1":

        def run_batch(items: list[int]) -> list[int]:
            record(f"batch {len(items)} {','.join(map(str, items))}")
            time.sleep(0.05)
            return [i * 2 for i in items]

        model["batcher"] = Batcher(run_batch)
    return model


def self_test(model: dict[str, object]) -> None:
    record("self-test")
    if FAIL_STEP == "self_test":
        raise RuntimeError("self_test broke on purpose")


server: ModelServer[dict[str, object]] = ModelServer(load=load, self_test=self_test, configure=configure)


@server.post("/echo")
async def echo(ctx: RequestContext[dict[str, object]]) -> object:
    return {"model": ctx.model["name"], "input": ctx.json()}


@server.post("/work")
async def work(ctx: RequestContext[dict[str, object]]) -> object:
    seconds = float(ctx.json()["seconds"])
    tag = ctx.json().get("tag", "")
    record(f"async-start {tag}")
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        record(f"async-cancelled {tag}")
        raise
    record(f"async-done {tag}")
    return {"slept": seconds}


@server.post("/work-sync")
def work_sync(ctx: RequestContext[dict[str, object]]) -> object:
    seconds = float(ctx.json()["seconds"])
    tag = ctx.json().get("tag", "")
    record(f"sync-start {tag}")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ctx.token.cancelled:
            record(f"sync-cancelled {tag}")
            ctx.token.raise_if_cancelled()
        time.sleep(0.01)
    record(f"sync-done {tag}")
    return {"slept": seconds}


@server.post("/batch")
async def batch(ctx: RequestContext[dict[str, object]]) -> object:
    batcher = ctx.model["batcher"]
    assert isinstance(batcher, Batcher)
    return {"result": await batcher.submit(int(ctx.json()["x"]))}


if __name__ == "__main__":
    server.run()
