"""ModelServer as a real process: start order, probes, SIGTERM drain, cancellation (KN-START-1,
KN-PROBE-1/2, KN-SHUT-1, KN-CANCEL-2, KN-MODEL-4, KN-BATCH-3)."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.runtime.procs import SERVERS, Proc, events, python, raw_request, started, wait_for

pytestmark = pytest.mark.slow

SERVER = SERVERS / "lifecycle_server.py"


def _start(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return started(python(SERVER), tmp_path, env={"EVENTS_FILE": str(tmp_path / "events"), **env})


def _post(proc: Proc, path: str, body: object, timeout: float = 20.0) -> httpx.Response:
    return httpx.post(proc.base + path, json=body, timeout=timeout, trust_env=False)


def test_lifecycle_order_probes_while_loading_and_offline_env(tmp_path: Path) -> None:
    with _start(tmp_path, LOAD_SECONDS="1.5") as proc:
        wait_for(lambda: proc.status("/v2/health/live") == 200)
        # Loading: liveness 200, readiness 503, model routes 503 (nothing served half-loaded).
        assert "load-done" not in events(tmp_path / "events")
        assert proc.status("/v2/health/ready") == 503
        assert proc.status("/v2/health/live") == 200
        assert _post(proc, "/echo", {"x": 1}).status_code == 503
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        log = events(tmp_path / "events")
        assert log[:4] == [
            "configure HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1",
            "load-start",
            "load-done",
            "self-test",
        ]
        answer = _post(proc, "/echo", {"x": 1})
        assert answer.status_code == 200
        assert answer.json() == {"model": "toy", "input": {"x": 1}}
        not_json = httpx.post(proc.base + "/echo", content=b"{nope", timeout=20, trust_env=False)
        assert not_json.status_code == 400
        assert "request body is not JSON" in not_json.text
        assert proc.status("/v2/health/live") == 200


@pytest.mark.parametrize("step", ["configure", "load", "self_test"])
def test_a_failing_step_logs_and_exits_non_zero(tmp_path: Path, step: str) -> None:
    with _start(tmp_path, FAIL_STEP=step, LOAD_SECONDS="0.1") as proc:
        assert proc.wait() == 1
        text = proc.text()
        assert f"{step.replace('_', '-')} failed" in text
        assert f"{step} broke on purpose" in text
        assert "ready after" not in text


def test_sigterm_readiness_503_keeps_serving_and_exits_after_the_drain(tmp_path: Path) -> None:
    with _start(tmp_path, LOAD_SECONDS="0.1") as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        result: dict[str, object] = {}

        def long_request() -> None:
            response = _post(proc, "/work", {"seconds": 2.0, "tag": "inflight"})
            result["status"] = response.status_code
            result["done_at"] = time.monotonic()

        worker = threading.Thread(target=long_request)
        worker.start()
        wait_for(lambda: "async-start inflight" in events(tmp_path / "events"))
        proc.signal(signal.SIGTERM)
        flipped = wait_for(lambda: proc.status("/v2/health/ready") == 503, timeout=2.0)
        assert flipped < 1.0
        assert proc.status("/v2/health/live") == 200
        # A request that arrives during the drain is still served (queue-proxy may send one).
        during = _post(proc, "/echo", {"late": True})
        assert during.status_code == 200
        assert proc.popen.poll() is None  # the in-flight request still runs: no exit yet
        worker.join(timeout=20)
        assert result["status"] == 200
        assert proc.wait() == 0
        exited_at = time.monotonic()
        assert exited_at >= result["done_at"]  # type: ignore[operator]
        assert "async-done inflight" in events(tmp_path / "events")


def test_sigterm_when_idle_exits_at_once(tmp_path: Path) -> None:
    with _start(tmp_path, LOAD_SECONDS="0.1") as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        began = time.monotonic()
        proc.signal(signal.SIGTERM)
        assert proc.wait() == 0
        assert time.monotonic() - began < 3.0


def test_sigterm_during_a_long_load_exits_without_waiting_for_it(tmp_path: Path) -> None:
    with _start(tmp_path, LOAD_SECONDS="60") as proc:
        wait_for(lambda: "load-start" in events(tmp_path / "events"))
        assert proc.status("/v2/health/ready") == 503
        began = time.monotonic()
        proc.signal(signal.SIGTERM)
        assert proc.wait() == 0
        assert time.monotonic() - began < 5.0
        assert "load-done" not in events(tmp_path / "events")


def test_sigint_stops_without_draining(tmp_path: Path) -> None:
    with _start(tmp_path, LOAD_SECONDS="0.1") as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        sock = raw_request(proc.port, "POST", "/work", json.dumps({"seconds": 30, "tag": "x"}).encode())
        try:
            wait_for(lambda: "async-start x" in events(tmp_path / "events"))
            began = time.monotonic()
            proc.signal(signal.SIGINT)
            assert proc.wait() == 130
            assert time.monotonic() - began < 5.0
        finally:
            sock.close()


@pytest.mark.parametrize(("path", "mark"), [("/work", "async"), ("/work-sync", "sync")])
def test_client_disconnect_cancels_the_work(tmp_path: Path, path: str, mark: str) -> None:
    with _start(tmp_path, LOAD_SECONDS="0.1") as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        sock = raw_request(proc.port, "POST", path, json.dumps({"seconds": 30, "tag": "gone"}).encode())
        wait_for(lambda: f"{mark}-start gone" in events(tmp_path / "events"))
        sock.close()
        took = wait_for(lambda: f"{mark}-cancelled gone" in events(tmp_path / "events"), timeout=5.0)
        assert took < 1.0
        assert f"{mark}-done gone" not in events(tmp_path / "events")
        # The next request is served at once, and the drain does not wait for the cancelled one.
        assert _post(proc, "/echo", {"x": 2}).status_code == 200
        proc.signal(signal.SIGTERM)
        assert proc.wait() == 0


def test_micro_batching_in_the_server(tmp_path: Path) -> None:
    env = {"BATCH": "1", "KN_SERVE_BATCH_SIZE": "3", "KN_SERVE_BATCH_MAX_WAIT_SECONDS": "2"}
    with _start(tmp_path, LOAD_SECONDS="0.1", **env) as proc:
        wait_for(lambda: proc.status("/v2/health/ready") == 200)
        results: list[int] = []

        def one(x: int) -> None:
            results.append(_post(proc, "/batch", {"x": x}).json()["result"])

        threads = [threading.Thread(target=one, args=(x,)) for x in (1, 2, 3)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        # A full batch runs at once, without waiting out the 2 s.
        assert time.monotonic() - began < 1.5
        assert sorted(results) == [2, 4, 6]
        batches = [e for e in events(tmp_path / "events") if e.startswith("batch ")]
        assert len(batches) == 1
        assert batches[0].startswith("batch 3 ")


def test_batch_wait_that_trips_timeout_seconds_fails_the_start(tmp_path: Path) -> None:
    env = {
        "BATCH": "1",
        "KN_SERVE_BATCH_SIZE": "4",
        "KN_SERVE_BATCH_MAX_WAIT_SECONDS": "2",
        "KN_SERVE_TIMEOUT_SECONDS": "10",
        "KN_SERVE_LONGEST_REQUEST_SECONDS": "9",
    }
    with _start(tmp_path, LOAD_SECONDS="0", **env) as proc:
        assert proc.wait() == 1
        text = proc.text()
        assert "[KN-BATCH-3] max_wait_seconds" in text
        assert "exceeds timeoutSeconds 10" in text


def test_malformed_env_exits_2_before_listening(tmp_path: Path) -> None:
    with _start(tmp_path, KN_SERVE_BATCH_SIZE="zero") as proc:
        assert proc.wait() == 2
        text = proc.text()
        assert "[KN-SERVE-ENV] KN_SERVE_BATCH_SIZE" in text
        assert "Uvicorn running" not in text
