"""``kn-serve -- <engine>`` in front of the fake engine: real processes, HTTP and signals."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kn_serve.cli import main
from tests.runtime.procs import FAKE_ENGINE, Proc, events, free_port, raw_request, started, wait_for

KN_SERVE = [sys.executable, "-m", "kn_serve.cli"]


def _kn_serve(tmp_path: Path, *options: str, start_seconds: float = 0.0, token_seconds: float = 0.01):  # type: ignore[no-untyped-def]
    engine_port = free_port()
    argv = [
        *KN_SERVE,
        "--engine-port",
        str(engine_port),
        *options,
        "--",
        sys.executable,
        str(FAKE_ENGINE),
        "--port",
        str(engine_port),
        "--start-seconds",
        str(start_seconds),
        "--token-seconds",
        str(token_seconds),
        "--events",
        str(tmp_path / "engine-events"),
    ]
    return started(argv, tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Path]]:
    """One kn-serve + engine for the tests that leave it running (tokens every 0.1 s)."""
    tmp = tmp_path_factory.mktemp("shared-kn-serve")
    with _kn_serve(tmp, "--no-self-test", token_seconds=0.1) as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        yield proc, tmp


def _engine_events(tmp_path: Path) -> list[str]:
    return events(tmp_path / "engine-events")


def _completion(proc: Proc, body: dict[str, object]) -> httpx.Response:
    return httpx.post(proc.base + "/v1/completions", json=body, timeout=20, trust_env=False)


@pytest.mark.slow
def test_ready_only_after_engine_health_and_self_test(tmp_path: Path) -> None:
    with _kn_serve(tmp_path, start_seconds=1.5) as proc:
        wait_for(lambda: proc.status("/v2/health/live") == 200)
        assert proc.status("/v2/health/ready") == 503  # the engine is still "loading weights"
        assert _completion(proc, {"prompt": "x", "max_tokens": 1}).status_code == 503
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        log = _engine_events(tmp_path)
        # The self-test ran before ready, with the model name read from /v1/models.
        assert any(e.startswith("start ") and e.endswith("model=fake-model") for e in log)
        answer = _completion(proc, {"prompt": "x", "max_tokens": 3, "id": "plain"})
        assert answer.status_code == 200
        assert answer.json()["choices"][0]["text"] == " t0 t1 t2"
        # The engine's headers pass through once, not doubled by kn-serve's own server.
        assert answer.headers.get_list("server") == ["uvicorn"]
        assert len(answer.headers.get_list("date")) == 1


@pytest.mark.slow
def test_streaming_passes_through_as_tokens_arrive(shared: tuple[Proc, Path]) -> None:
    proc, _ = shared
    began = time.monotonic()
    arrivals: list[float] = []
    body = {"prompt": "x", "max_tokens": 8, "stream": True, "id": "s1"}
    with httpx.stream(
        "POST", proc.base + "/v1/completions", json=body, timeout=20, trust_env=False
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic() - began)
    assert len(arrivals) == 9  # 8 tokens + [DONE]
    # The first token came long before the last: nothing buffered the whole stream.
    assert arrivals[0] < arrivals[-1] - 0.4


@pytest.mark.slow
@pytest.mark.parametrize("stream", [True, False])
def test_client_disconnect_closes_the_upstream_request(shared: tuple[Proc, Path], stream: bool) -> None:
    proc, tmp_path = shared
    rid = f"gone-{stream}"
    body = {"prompt": "x", "max_tokens": 300, "stream": stream, "id": rid}
    sock = raw_request(proc.port, "POST", "/v1/completions", json.dumps(body).encode())
    wait_for(lambda: f"start {rid} model=None" in _engine_events(tmp_path))
    time.sleep(0.2)
    sock.close()
    took = wait_for(lambda: f"disconnected {rid}" in _engine_events(tmp_path), timeout=5.0)
    assert took < 1.5
    assert f"done {rid}" not in _engine_events(tmp_path)


@pytest.mark.slow
def test_sigterm_drains_through_the_proxy_then_stops_the_engine(tmp_path: Path) -> None:
    with _kn_serve(tmp_path, "--no-self-test", token_seconds=0.1) as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        result: dict[str, object] = {}

        def long_request() -> None:
            response = _completion(proc, {"prompt": "x", "max_tokens": 20, "id": "inflight"})
            result["status"] = response.status_code

        worker = threading.Thread(target=long_request)
        worker.start()
        wait_for(lambda: "start inflight model=None" in _engine_events(tmp_path))
        proc.signal(signal.SIGTERM)
        assert wait_for(lambda: proc.status("/v2/health/ready") == 503, timeout=2.0) < 1.0
        assert proc.status("/v2/health/live") == 200
        during = _completion(proc, {"prompt": "x", "max_tokens": 1, "id": "late"})
        assert during.status_code == 200
        assert proc.popen.poll() is None
        worker.join(timeout=20)
        assert result["status"] == 200
        assert proc.wait() == 0
        log = _engine_events(tmp_path)
        # The engine got SIGTERM only after both requests had finished, with none in flight.
        assert "sigterm 0" in log
        assert log.index("done inflight") < log.index("sigterm 0")
        assert log.index("done late") < log.index("sigterm 0")


@pytest.mark.slow
def test_engine_that_exits_early_makes_kn_serve_exit_non_zero(tmp_path: Path) -> None:
    argv = [*KN_SERVE, "--engine-port", str(free_port()), "--", sys.executable, "-c", "raise SystemExit(3)"]
    with started(argv, tmp_path) as proc:
        assert proc.wait() == 3
        assert "the engine exited on its own with status 3" in proc.text()


@pytest.mark.slow
def test_engine_killed_after_ready_makes_kn_serve_exit_non_zero(tmp_path: Path) -> None:
    with _kn_serve(tmp_path, "--no-self-test") as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        engine_pid = int(proc.text().split("engine started (pid ")[1].split(")")[0])
        import os

        os.kill(engine_pid, signal.SIGKILL)
        assert proc.wait() == 128 + signal.SIGKILL


@pytest.mark.slow
def test_failing_self_test_exits_non_zero(tmp_path: Path) -> None:
    with _kn_serve(tmp_path, "--self-test", "POST", "/v1/missing", "{}") as proc:
        assert proc.wait() == 1
        assert "self-test failed: POST /v1/missing answered 404" in proc.text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["python3"], "give the engine command after '--'"),
        (["--"], "the engine command after '--' is empty"),
        (["--", "no-such-engine-binary-xyz"], "engine command not found"),
        (["--engine-port", "0", "--", "python3"], "expected an integer 1..65535"),
        (["--engine-port", "8080", "--port", "8080", "--", "python3"], "is kn-serve's own port"),
        (["--self-test", "POST", "--", "python3"], "--self-test: expected METHOD PATH [JSON]"),
        (["--self-test", "POST", "v1", "--", "python3"], "must start with '/'"),
        (["--self-test", "POST", "/v1", "{bad", "--", "python3"], "the body is not JSON"),
        (["--self-test", "FETCH", "/v1", "--", "python3"], "unknown HTTP method"),
        (["--ready-path", "/h", "--live-path", "/h", "--", "python3"], "must differ"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_malformed_port_env_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "eighty")
    assert main(["--", "python3"]) == 2
    assert "[KN-SERVE-ENV] PORT" in capsys.readouterr().err
