"""Latency that ``kn-serve`` adds in front of an engine, against direct calls in the same run.

Run from the repository root::

    python benchmarks/serve_bench.py                 # 400 requests per kind and path
    python benchmarks/serve_bench.py --requests 100

It starts ``kn-serve -- python tests/runtime/fake_engine.py`` (the engine answers at once:
``--token-seconds 0``), waits for readiness, then times, interleaved (direct, proxied, proxied,
direct, ...) over one keep-alive connection per path:

- **echo**: ``POST /v1/echo`` with a small JSON body (a non-streaming request, whole response);
- **stream first**: ``POST /v1/completions`` with ``"stream": true``, 16 tokens: time to the
  first server-sent event;
- **stream all**: the same request, time to ``[DONE]``.

Direct calls go to the engine's own port, proxied ones to kn-serve's port: the same engine
process answers both. It prints p50 and p99 in milliseconds for each, the added p50 latency and
the ratio of the p50s. No target is asserted (the figures are recorded in docs/runtime.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "tests" / "runtime" / "fake_engine.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def kn_serve() -> Iterator[tuple[str, str]]:
    port, engine_port = free_port(), free_port()
    argv = [
        sys.executable, "-m", "kn_serve.cli", "--engine-port", str(engine_port), "--no-self-test",
        "--", sys.executable, str(ENGINE), "--port", str(engine_port), "--token-seconds", "0",
    ]  # fmt: skip
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen(argv, env=env, stdout=quiet, stderr=quiet, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/v2/health/ready", timeout=1, trust_env=False).status_code == 200:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("kn-serve did not become ready")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{engine_port}", base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def echo(client: httpx.Client) -> tuple[float, float]:
    began = time.perf_counter()
    response = client.post("/v1/echo", json={"inputs": [1, 2, 3], "parameters": {"max_tokens": 1}})
    response.read()
    assert response.status_code == 200
    took = time.perf_counter() - began
    return took, took


def stream(client: httpx.Client) -> tuple[float, float]:
    body = {"prompt": "Hello", "max_tokens": 16, "stream": True}
    began = time.perf_counter()
    first = 0.0
    with client.stream("POST", "/v1/completions", json=body) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: ") and not first:
                first = time.perf_counter() - began
    return first, time.perf_counter() - began


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per kind and path")
    args = parser.parse_args()
    with kn_serve() as (direct_url, proxied_url):
        clients = {
            "direct": httpx.Client(base_url=direct_url, timeout=30, trust_env=False),
            "kn-serve": httpx.Client(base_url=proxied_url, timeout=30, trust_env=False),
        }
        kinds: dict[str, Callable[[httpx.Client], tuple[float, float]]] = {"echo": echo, "stream": stream}
        samples: dict[tuple[str, str], list[float]] = {}
        for kind, call in kinds.items():
            for client in clients.values():  # warm-up: connections, code paths
                for _ in range(20):
                    call(client)
            for i in range(args.requests):
                order = ("direct", "kn-serve") if i % 2 == 0 else ("kn-serve", "direct")
                for path in order:
                    first, total = call(clients[path])
                    if kind == "echo":
                        samples.setdefault(("echo", path), []).append(total)
                    else:
                        samples.setdefault(("stream first", path), []).append(first)
                        samples.setdefault(("stream all", path), []).append(total)
        for client in clients.values():
            client.close()
    print(f"{args.requests} requests per kind and path, interleaved; milliseconds")
    print("| request | direct p50 | direct p99 | kn-serve p50 | kn-serve p99 | added p50 | ratio p50 |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("echo", "stream first", "stream all"):
        direct, proxied = samples[(kind, "direct")], samples[(kind, "kn-serve")]
        d50, p50 = statistics.median(direct) * 1000, statistics.median(proxied) * 1000
        print(
            f"| {kind} | {d50:.2f} | {pct(direct, 0.99):.2f} | {p50:.2f} | {pct(proxied, 0.99):.2f} "
            f"| {p50 - d50:+.2f} | {p50 / d50:.2f} |"
        )


if __name__ == "__main__":
    main()
