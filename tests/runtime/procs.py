"""Real processes for the runtime's tests: free ports, timeouts, process-group teardown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"
FAKE_ENGINE = HERE / "fake_engine.py"
#: Every wait in these tests is bounded by this many seconds.
DEADLINE = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Proc:
    """A started process in its own group, its log file and its port."""

    def __init__(self, popen: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.popen = popen
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"

    def status(self, path: str, timeout: float = 2.0) -> int | None:
        """GET path: the status code, or None when nothing answers."""
        try:
            return httpx.get(self.base + path, timeout=timeout, trust_env=False).status_code
        except httpx.HTTPError:
            return None

    def signal(self, sig: int) -> None:
        os.kill(self.popen.pid, sig)

    def wait(self, timeout: float = DEADLINE) -> int:
        return self.popen.wait(timeout=timeout)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def started(
    argv: Sequence[str], tmp_path: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[Proc]:
    """Start ``argv`` with PORT/HOST set; kill its process group (and reap it) on the way out."""
    port = free_port() if port is None else port
    log = tmp_path / f"proc-{port}.log"
    full_env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", **(env or {})}
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        if env is None or name not in env:
            full_env.pop(name, None)
    with log.open("wb") as out:
        popen = subprocess.Popen(
            list(argv), env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield Proc(popen, port, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=10)


def python(*args: str | Path) -> list[str]:
    return [sys.executable, *map(str, args)]


def wait_for(predicate: Callable[[], bool], timeout: float = DEADLINE, every: float = 0.02) -> float:
    """Poll until ``predicate()``; return the seconds it took; fail the test on timeout."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not true within {timeout}s: {predicate}")
        time.sleep(every)
    return time.monotonic() - began


def events(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def raw_request(port: int, method: str, path: str, body: bytes) -> socket.socket:
    """Send one HTTP/1.1 request on a plain socket (close it to disconnect like a client does)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body)
    return sock
