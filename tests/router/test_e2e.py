"""The generated router, end to end: a real nginx in front of stub model servers.

nginx runs the files :func:`plan_router` produced (``nginx.conf``, with the OpenAI API's
``router.js`` and ``openai-models.json`` next to it, njs loaded), listening on 127.0.0.1,
with its runtime files in pytest's temporary directory. Model servers are threads in this
process (``tests/router/support.py``); a stub DNS server plays the cluster DNS, so the
Knative-style routes resolve their upstream names at request time as they do in a cluster.

Cancellation is shown twice: once with the generated configuration, and once with the one
directive that guarantees it switched to nginx's other behaviour (a "control"). The control
must show the opposite, which proves the test can tell. The streaming test checks itself:
the upstream holds its last chunk until the client has the first one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kn_constructs.router import RouterRoute
from tests.router.support import (
    LOOPBACK,
    WAIT,
    RunningNginx,
    StubDns,
    StubModel,
    free_port,
    nginx_binary,
    njs_module,
    read_until,
    router_files,
    running_nginx,
    stubs,
)

pytestmark = pytest.mark.slow

NAMESPACE = "models"
#: embed's route: typical 0.2 s, timeoutSeconds 1 -> max(3 x 0.2, 1) = 1 s (KN-CANCEL-1).
EMBED_TYPICAL, EMBED_TIMEOUT, EMBED_EXPECTED_READ_TIMEOUT = 0.2, 1, 1.0
#: What the slow stub waits before answering: well past embed's read timeout.
SLOW_SECONDS = 3.0


def host_of(name: str) -> str:
    """Knative's cluster-local host of a Service."""
    return f"{name}.{NAMESPACE}.svc.cluster.local"


@dataclasses.dataclass
class Fleet:
    """The running router and everything behind it."""

    nginx: RunningNginx
    models: dict[str, StubModel]
    dns: StubDns


StartFleet = Callable[..., Fleet]


@pytest.fixture
def start_fleet(tmp_path: Path) -> Iterator[StartFleet]:
    """Start stub models, a stub DNS and nginx; ``mutate`` edits the config (controls only)."""
    binary = nginx_binary()
    with contextlib.ExitStack() as stack:

        def start(mutate: Callable[[str], str] | None = None, resolver_valid_seconds: int = 10) -> Fleet:
            models = stubs(["chat", "embed"], slow_seconds=SLOW_SECONDS)
            for model in models.values():
                stack.callback(model.close)
            dns = StubDns(
                {
                    host_of("chat"): [LOOPBACK],
                    # Two answers for one name: two upstream addresses nginx could retry on.
                    host_of("twin"): [LOOPBACK, LOOPBACK],
                }
            ).start()
            stack.callback(dns.close)
            routes = [
                # Through DNS at request time, like a Knative Service (only the port differs).
                dataclasses.replace(
                    RouterRoute.for_knative_service("chat", NAMESPACE, timeout_seconds=12),
                    upstream=f"{host_of('chat')}:{models['chat'].port}",
                ),
                # An IP literal: no lookup at all.
                dataclasses.replace(
                    RouterRoute.for_knative_service(
                        "embed",
                        NAMESPACE,
                        timeout_seconds=EMBED_TIMEOUT,
                        typical_request_seconds=EMBED_TYPICAL,
                    ),
                    upstream=models["embed"].address,
                ),
                # A Knative Service that does not exist (yet): its name does not resolve.
                dataclasses.replace(
                    RouterRoute.for_knative_service("ghost", NAMESPACE, timeout_seconds=5),
                    upstream=f"{host_of('ghost')}:{models['embed'].port}",
                ),
                dataclasses.replace(
                    RouterRoute.for_knative_service("twin", NAMESPACE, timeout_seconds=5),
                    upstream=f"{host_of('twin')}:{models['embed'].port}",
                ),
            ]
            port = free_port()
            directory = Path(tempfile.mkdtemp(dir=tmp_path))
            files = router_files(
                routes,
                listen_address=LOOPBACK,
                listen_port=port,
                resolver=dns.address,
                resolver_valid_seconds=resolver_valid_seconds,
                runtime_dir=str(directory),
                worker_processes=1,
                njs_module_path=njs_module(),
            )
            if mutate is not None:
                changed = mutate(files["nginx.conf"])
                assert changed != files["nginx.conf"], "the control's mutation did not apply"
                files["nginx.conf"] = changed
            nginx = stack.enter_context(running_nginx(binary, files, directory, port))
            return Fleet(nginx, models, dns)

        yield start


def swap(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new)


# --------------------------------------------------------------------------- routing


def test_health_endpoint(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    status, headers, body = fleet.nginx.request("GET", "/healthz")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}


def test_kn_fleet_2_routes_by_path_with_host_header_and_prefix_stripped(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    chat, embed = fleet.models["chat"], fleet.models["embed"]

    status, _, body = fleet.nginx.request("GET", "/models/chat/v1/models?full=1")
    assert status == 200
    assert json.loads(body) == {"model": "chat", "path": "/v1/models?full=1"}

    payload = b'{"input": "hello"}'
    status, _, body = fleet.nginx.request(
        "POST", "/models/embed/v1/embeddings", body=payload, headers={"Content-Type": "application/json"}
    )
    assert status == 200
    assert json.loads(body)["model"] == "embed"

    assert [(r.method, r.path, r.headers["host"]) for r in chat.seen] == [
        ("GET", "/v1/models?full=1", host_of("chat"))
    ]
    assert [(r.method, r.path, r.headers["host"], r.body) for r in embed.seen] == [
        ("POST", "/v1/embeddings", host_of("embed"), payload)
    ]
    assert embed.seen[0].headers["x-forwarded-prefix"] == "/models/embed"


def test_kn_fleet_2_bare_model_path_reaches_the_model_root(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    status, _, body = fleet.nginx.request("GET", "/models/embed")
    assert status == 200
    assert json.loads(body) == {"model": "embed", "path": "/"}


@pytest.mark.parametrize("path", ["/models/nope/v1/x", "/models/chatty/v1", "/models/", "/", "/v1/unknown"])
def test_unknown_model_gets_json_404(start_fleet: StartFleet, path: str) -> None:
    fleet = start_fleet()
    status, headers, body = fleet.nginx.request("GET", path)
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == "unknown model"
    assert all(not model.seen for model in fleet.models.values())


# --------------------------------------------------------------------------- start-up without the models


def test_kn_fleet_2_starts_before_model_services_exist(start_fleet: StartFleet) -> None:
    fleet = start_fleet(resolver_valid_seconds=1)
    # nginx is up, and it has resolved no model's name yet: that happens per request.
    assert fleet.dns.queries == []

    status, headers, body = fleet.nginx.request("GET", "/models/ghost/v1/x")
    assert status == 502
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["model"] == "ghost"
    assert (host_of("ghost"), 1) in fleet.dns.queries

    # The Knative Service appears: the same nginx routes to it, without a reload.
    fleet.dns.records[host_of("ghost")] = [LOOPBACK]
    deadline = time.monotonic() + WAIT
    while True:
        status, _, body = fleet.nginx.request("GET", "/models/ghost/v1/x")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200
    assert json.loads(body)["path"] == "/v1/x"
    assert fleet.nginx.process.poll() is None


# --------------------------------------------------------------------------- streaming (KN-FLEET-3)


def open_stream(nginx: RunningNginx, path: str) -> socket.socket:
    sock = socket.create_connection((LOOPBACK, nginx.port), timeout=WAIT)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: router\r\n\r\n".encode())
    return sock


def test_kn_fleet_3_chunks_reach_the_client_before_the_upstream_finishes(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    chat = fleet.models["chat"]
    with open_stream(fleet.nginx, "/models/chat/stream") as sock:
        received = read_until(sock, b"data: first")
        # The upstream is still holding its last chunk until the client says it got the first.
        assert chat.last_chunk_after_release is None
        chat.release.set()
        received += read_until(sock, b"\r\n0\r\n\r\n")
    assert chat.last_chunk_after_release is True
    assert b"data: last" in received
    assert b"transfer-encoding: chunked" in received.lower()


# --------------------------------------------------------------------------- cancellation (KN-CANCEL-2)


def test_kn_cancel_2_client_abort_reaches_the_upstream(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    chat = fleet.models["chat"]
    with open_stream(fleet.nginx, "/models/chat/hold") as sock:
        read_until(sock, b"data: first")
    # The client is gone: the model sees its connection close while it is still streaming.
    assert chat.saw_close.wait(WAIT)


def test_kn_cancel_2_control_ignoring_aborts_keeps_the_upstream_busy(start_fleet: StartFleet) -> None:
    fleet = start_fleet(mutate=swap("proxy_ignore_client_abort off;", "proxy_ignore_client_abort on;"))
    chat = fleet.models["chat"]
    with open_stream(fleet.nginx, "/models/chat/hold") as sock:
        read_until(sock, b"data: first")
    assert not chat.saw_close.wait(1.5)


def test_kn_cancel_2_failed_request_is_not_retried_on_another_upstream(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    status, _, body = fleet.nginx.request("GET", "/models/twin/fail")
    assert status == 502
    assert json.loads(body)["model"] == "twin"
    # twin resolves to two addresses; the failed request went to exactly one of them.
    assert [r.path for r in fleet.models["embed"].seen] == ["/fail"]


def test_kn_cancel_2_control_default_retry_would_resend_it(start_fleet: StartFleet) -> None:
    fleet = start_fleet(mutate=swap("proxy_next_upstream off;", "proxy_next_upstream error timeout;"))
    status, _, _ = fleet.nginx.request("GET", "/models/twin/fail")
    assert status == 502
    assert [r.path for r in fleet.models["embed"].seen] == ["/fail", "/fail"]


# --------------------------------------------------------------------------- timeouts (KN-CANCEL-1)


def test_kn_cancel_1_slow_upstream_past_the_timeout_gives_504(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    started = time.monotonic()
    status, headers, body = fleet.nginx.request("GET", "/models/embed/slow")
    elapsed = time.monotonic() - started
    assert status == 504
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "model timed out", "model": "embed"}
    # The router gave up after its own read timeout, before the upstream would have answered.
    assert EMBED_EXPECTED_READ_TIMEOUT - 0.1 <= elapsed < SLOW_SECONDS - 0.5


def test_kn_cancel_1_request_within_the_timeout_is_answered(start_fleet: StartFleet) -> None:
    fleet = start_fleet()
    fleet.models["embed"].slow_seconds = EMBED_EXPECTED_READ_TIMEOUT / 2
    status, _, body = fleet.nginx.request("GET", "/models/embed/slow")
    assert status == 200
    assert json.loads(body)["late"] is True


# --------------------------------------------------------------------------- unprivileged


def test_runs_without_root(tmp_path: Path) -> None:
    """No root needed: as an ordinary user nginx starts, listens, answers and writes its pid."""
    binary = nginx_binary()
    user = None
    directory = tmp_path
    if os.geteuid() == 0:
        # Root in CI: drop to 'nobody' in a directory that user can reach.
        user = "nobody"
        directory = Path(tempfile.mkdtemp(prefix="kn-router-"))
        os.chown(directory, pwd.getpwnam(user).pw_uid, -1)
    try:
        port = free_port()
        files = router_files(
            [],
            listen_address=LOOPBACK,
            listen_port=port,
            resolver=LOOPBACK,
            runtime_dir=str(directory),
            njs_module_path=njs_module(),
        )
        with running_nginx(binary, files, directory, port, user=user) as nginx:
            status, _, _ = nginx.request("GET", "/healthz")
            assert status == 200
            pid = int((directory / "nginx.pid").read_text())
            assert pid == nginx.process.pid
            uid_line = next(
                line
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("Uid:")
            )
            assert all(int(uid) != 0 for uid in uid_line.split()[1:])
    finally:
        if user is not None:
            shutil.rmtree(directory, ignore_errors=True)
