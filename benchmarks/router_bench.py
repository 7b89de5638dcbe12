"""What the router adds to a request: direct to the model server vs through nginx (path and body routes).

Run from the repository root: ``python benchmarks/router_bench.py [--rounds N] [--requests N]
[--concurrency N] [--njs-module PATH]``. Needs nginx and njs (Debian: ``nginx``,
``libnginx-mod-http-js``).

One fake OpenAI server (``tests/router/fake_openai.py``, its own process, no token delay)
and one nginx (one worker) on the router's generated files, both on 127.0.0.1. The client
keeps ``--concurrency`` keep-alive connections busy and times every request. Per round, in
turn (interleaved, so drift hits every target alike), each target gets ``--requests``
requests, non-streaming and streaming (5 server-sent events), in an order that rotates
from round to round:

* ``direct``: the model server itself, the baseline measured in the same run;
* ``path``: ``POST /models/chat/v1/chat/completions`` (prefix stripped, body streamed);
* ``body``: ``POST /v1/chat/completions`` with ``"model": "chat"`` (njs reads the body);
* ``body+engine``: the same with an alias whose engine name njs writes into the body.

It prints, per target and mode, the medians over rounds of p50 and p99 latency and of
requests per second, and what each route adds over ``direct``; the target is that ``body``
adds at most 1 ms p50 over ``path``. The exit status is 1 when it does not.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kn_constructs.router import RouterRoute, RouterSettings, plan_router

LOOPBACK = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 1.0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _upstream(directory: Path) -> Iterator[int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.router.fake_openai",
            "--name",
            "chat",
            "--log",
            os.devnull,
            "--token-delay",
            "0",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=10):
                raise RuntimeError("the fake OpenAI server did not start")
        yield int(process.stdout.readline().split()[1])
    finally:
        _stop(process)


@contextlib.contextmanager
def _nginx(directory: Path, upstream: int, module: str) -> Iterator[int]:
    port = _free_port()
    address = f"{LOOPBACK}:{upstream}"
    routes = [
        RouterRoute("chat", "models", address, "chat.models.svc.cluster.local", 60),
        RouterRoute(
            "engine",
            "models",
            address,
            "engine.models.svc.cluster.local",
            60,
            model_names=("alias",),
            engine_model="meta-llama/Meta-Llama-3-8B-Instruct",
        ),
    ]
    settings = RouterSettings(
        listen_address=LOOPBACK,
        listen_port=port,
        resolver=LOOPBACK,
        runtime_dir=str(directory),
        worker_processes=1,
        access_log=False,
        njs_module_path=module,
    )
    plan = plan_router(routes, settings)
    for name, text in plan.files.items():
        (directory / name).write_text(text)
    process = subprocess.Popen(
        [
            "nginx",
            "-p",
            str(directory),
            "-e",
            "stderr",
            "-c",
            str(directory / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = http.client.HTTPConnection(LOOPBACK, port, timeout=1)
            try:
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                probe.close()
            time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not start")
        yield port
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _run(port: int, path: str, body: bytes, requests: int, concurrency: int) -> tuple[list[float], float]:
    """``requests`` POSTs over ``concurrency`` keep-alive connections: latencies (ms) and requests/s."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    headers = {"Content-Type": "application/json"}

    def worker() -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
        mine = []
        try:
            while True:
                with lock:
                    if next(counter, None) is None:
                        break
                started = time.perf_counter()
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    raise RuntimeError(f"{path}: {response.status}")
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, requests / (time.perf_counter() - started)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--njs-module", default="/usr/lib/nginx/modules/ngx_http_js_module.so")
    args = parser.parse_args()
    messages = [{"role": "user", "content": "Say hello in five words."}]
    results: dict[tuple[str, str], dict[str, list[float]]] = {}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        upstream = stack.enter_context(_upstream(tmp))
        router = stack.enter_context(_nginx(tmp, upstream, args.njs_module))
        for round_index in range(args.rounds + 1):  # round 0 warms up and is dropped
            for stream in (False, True):
                mode = "stream" if stream else "json"
                targets = [
                    ("direct", upstream, "/v1/chat/completions", "chat"),
                    ("path", router, "/models/chat/v1/chat/completions", "chat"),
                    ("body", router, "/v1/chat/completions", "chat"),
                    ("body+engine", router, "/v1/chat/completions", "alias"),
                ]
                shift = round_index % len(targets)  # a different order each round
                for target, port, path, model in targets[shift:] + targets[:shift]:
                    payload = json.dumps({"model": model, "messages": messages, "stream": stream}).encode()
                    latencies, rate = _run(port, path, payload, args.requests, args.concurrency)
                    if round_index == 0:
                        continue
                    found = results.setdefault((target, mode), {"p50": [], "p99": [], "rps": []})
                    found["p50"].append(_percentile(latencies, 0.50))
                    found["p99"].append(_percentile(latencies, 0.99))
                    found["rps"].append(rate)
    median = {key: {k: statistics.median(v) for k, v in value.items()} for key, value in results.items()}
    print(f"{args.rounds} rounds x {args.requests} requests, concurrency {args.concurrency}, medians")
    print(f"{'mode':<7}{'target':<13}{'p50 ms':>8}{'p99 ms':>8}{'req/s':>8}{'+p50 ms':>9}{'+p99 ms':>9}")
    ok = True
    for mode in ("json", "stream"):
        base = median[("direct", mode)]
        for target in ("direct", "path", "body", "body+engine"):
            m = median[(target, mode)]
            print(
                f"{mode:<7}{target:<13}{m['p50']:8.2f}{m['p99']:8.2f}{m['rps']:8.0f}"
                f"{m['p50'] - base['p50']:9.2f}{m['p99'] - base['p99']:9.2f}"
            )
        over = median[("body", mode)]["p50"] - median[("path", mode)]["p50"]
        print(f"{mode:<7}body over path: {over:+.2f} ms p50 (target <= {TARGET_MS:.0f} ms)")
        ok = ok and over <= TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
