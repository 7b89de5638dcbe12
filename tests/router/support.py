"""Test doubles for the router's end-to-end tests: a real nginx, stub models, a stub DNS.

Everything listens on 127.0.0.1 only, every wait has a timeout, and every server stops in
its fixture's teardown.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kn_constructs.errors import raise_for_errors
from kn_constructs.router import RouterSettings, plan_router

LOOPBACK = "127.0.0.1"
#: Upper bound for any single wait in these tests (seconds).
WAIT = 5.0
#: Where Debian's libnginx-mod-http-js (njs 0.7.9 on Debian 12) puts the module; the router's
#: default path is the one of its image.
DEBIAN_NJS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"


def nginx_binary() -> str:
    """The nginx binary; fails under CI=true when it is missing, skips locally."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if os.path.exists(found) and os.access(found, os.X_OK):
        return found
    reason = (
        "nginx is not installed: the router tests need the real binary "
        "(apt-get install nginx; .ci/run installs it)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def njs_module() -> str:
    """Debian's njs module; fails under CI=true when it is missing, skips locally."""
    if os.path.exists(DEBIAN_NJS_MODULE):
        return DEBIAN_NJS_MODULE
    reason = f"njs is not installed ({DEBIAN_NJS_MODULE}): apt-get install libnginx-mod-http-js"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def router_files(routes: Any, **settings: Any) -> dict[str, str]:
    """Every file of a router (``nginx.conf``, ``router.js``, ``openai-models.json``), or raise."""
    plan = plan_router(routes, RouterSettings(**settings))
    raise_for_errors(plan.problems, subject="router")
    return plan.files


def write_router_files(conf: str | Mapping[str, str], directory: Path) -> None:
    """Write ``conf`` (the ``nginx.conf`` text, or every file by name) into ``directory``."""
    files = {"nginx.conf": conf} if isinstance(conf, str) else dict(conf)
    for name, text in files.items():
        (directory / name).write_text(text)


def nginx_test(
    binary: str, conf_text: str | Mapping[str, str], directory: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``nginx -t`` on ``conf_text`` (or every router file) written into ``directory`` (the prefix)."""
    conf = directory / "nginx.conf"
    write_router_files(conf_text, directory)
    return subprocess.run(
        [binary, "-t", "-p", str(directory), "-e", "stderr", "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


# ---- stub model servers ----------------------------------------------------------------


@dataclass
class SeenRequest:
    """One request as a stub model server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StubModel:
    """A stub model server and what it observed.

    Paths it understands:

    * ``/stream``: sends a first chunk, waits until the test sets ``release`` (the client
      got the first chunk), then sends the last chunk; ``last_chunk_after_release``
      records whether the release came before the upstream finished.
    * ``/hold``: sends a first chunk, then watches its socket; ``saw_close`` is set when
      the connection closes while the response is still unfinished.
    * ``/slow``: answers only after ``slow_seconds`` (or when ``stop`` is set).
    * ``/fail``: closes the connection without any response.
    * anything else: ``200`` with a JSON echo of what it received.
    """

    name: str
    slow_seconds: float = 3.0
    seen: list[SeenRequest] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    saw_close: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    last_chunk_after_release: bool | None = None
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.server_address[1]
        return port

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> StubModel:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                stub.seen.append(SeenRequest(self.command, self.path, headers, body))

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _start_stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._chunk(b"data: first\n\n")

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                self._record()
                path = self.path.split("?", 1)[0]
                with contextlib.suppress(OSError):
                    if path == "/stream":
                        self._start_stream()
                        released = stub.release.wait(WAIT)
                        stub.last_chunk_after_release = released
                        self._chunk(b"data: last\n\n")
                        self.wfile.write(b"0\r\n\r\n")
                    elif path == "/hold":
                        self._start_stream()
                        self._watch_for_close()
                    elif path == "/slow":
                        stub.stop.wait(stub.slow_seconds)
                        self._reply(200, {"model": stub.name, "late": True})
                    elif path == "/fail":
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                    else:
                        self._reply(200, {"model": stub.name, "path": self.path})

            def _watch_for_close(self) -> None:
                self.connection.settimeout(0.1)
                deadline = time.monotonic() + WAIT
                while time.monotonic() < deadline and not stub.stop.is_set():
                    try:
                        data = self.connection.recv(1)
                    except TimeoutError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        stub.saw_close.set()
                        return

            def _reply(self, status: int, payload: Mapping[str, object]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(WAIT)


# ---- stub DNS server -------------------------------------------------------------------


@dataclass
class StubDns:
    """A tiny DNS server on 127.0.0.1: A records from ``records``, NXDOMAIN for other names.

    AAAA and other queries for a known name get an empty answer. ``queries`` lists the
    (name, type) pairs asked, in order.
    """

    records: dict[str, list[str]]
    queries: list[tuple[str, int]] = field(default_factory=list)
    sock: socket.socket | None = None
    thread: threading.Thread | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> str:
        assert self.sock is not None
        return f"{LOOPBACK}:{self.sock.getsockname()[1]}"

    def start(self) -> StubDns:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.05)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def _serve(self) -> None:
        assert self.sock is not None
        while not self.stopping.is_set():
            try:
                packet, client = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._answer(packet)
            if reply is not None:
                self.sock.sendto(reply, client)

    def _answer(self, packet: bytes) -> bytes | None:
        if len(packet) < 12:
            return None
        query_id, _flags, qdcount = struct.unpack("!HHH", packet[:6])
        if qdcount != 1:
            return None
        labels, offset = [], 12
        while offset < len(packet) and packet[offset]:
            length = packet[offset]
            labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii").lower())
            offset += 1 + length
        question_end = offset + 5
        qtype = struct.unpack("!H", packet[offset + 1 : offset + 3])[0]
        name = ".".join(labels)
        self.queries.append((name, qtype))
        question = packet[12:question_end]
        addresses = self.records.get(name)
        if addresses is None:
            header = struct.pack("!HHHHHH", query_id, 0x8183, 1, 0, 0, 0)  # NXDOMAIN
            return header + question
        answers = b""
        if qtype == 1:
            for address in addresses:
                answers += struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + socket.inet_aton(address)
        count = len(addresses) if qtype == 1 else 0
        header = struct.pack("!HHHHHH", query_id, 0x8180, 1, count, 0, 0)
        return header + question + answers

    def close(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(WAIT)
        if self.sock is not None:
            self.sock.close()


# ---- a real nginx ----------------------------------------------------------------------


@dataclass
class RunningNginx:
    """An nginx started on a generated configuration, with its log files."""

    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def stdout_text(self) -> str:
        return (self.directory / "stdout.log").read_text(errors="replace")

    @property
    def stderr_text(self) -> str:
        return (self.directory / "stderr.log").read_text(errors="replace")

    def connection(self, timeout: float = WAIT) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = WAIT,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; returns status, headers (lower-case names) and the whole body."""
        connection = self.connection(timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()


@contextlib.contextmanager
def running_nginx(
    binary: str,
    conf_text: str | Mapping[str, str],
    directory: Path,
    port: int,
    *,
    user: str | None = None,
) -> Iterator[RunningNginx]:
    """Start nginx on ``conf_text`` (or every router file); wait until it listens; stop it after.

    ``user`` runs nginx as that user (only root can ask); ``directory`` must then be
    reachable and writable by that user.
    """
    conf = directory / "nginx.conf"
    write_router_files(conf_text, directory)
    for log in ("stdout.log", "stderr.log"):
        (directory / log).touch()
        if user is not None:
            shutil.chown(directory / log, user)
    with (directory / "stdout.log").open("wb") as out, (directory / "stderr.log").open("wb") as err:
        process = subprocess.Popen(
            [binary, "-p", str(directory), "-e", "stderr", "-c", str(conf), "-g", "daemon off;"],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            user=user,
        )
    running = RunningNginx(process, port, directory)
    try:
        _wait_until_up(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(WAIT)


def _wait_until_up(running: RunningNginx) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            pytest.fail(f"nginx exited with {running.process.returncode}:\n{running.stderr_text}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, running.port), timeout=0.2):
            return
        time.sleep(0.02)
    pytest.fail(f"nginx did not listen on {LOOPBACK}:{running.port} within {WAIT}s:\n{running.stderr_text}")


def read_until(sock: socket.socket, marker: bytes, limit: float = WAIT) -> bytes:
    """Read from ``sock`` until ``marker`` shows up; fails after ``limit`` seconds."""
    sock.settimeout(limit)
    data = b""
    deadline = time.monotonic() + limit
    while marker not in data:
        if time.monotonic() > deadline:
            pytest.fail(f"{marker!r} did not arrive within {limit}s; got {data!r}")
        chunk = sock.recv(4096)
        if not chunk:
            pytest.fail(f"connection closed before {marker!r} arrived; got {data!r}")
        data += chunk
    return data


def stubs(names: Sequence[str], **options: Any) -> dict[str, StubModel]:
    """Start one stub model server per name."""
    return {name: StubModel(name, **options).start() for name in names}
