"""The router speaks the OpenAI API, end to end: real nginx + njs, real OpenAI client.

nginx runs the files :func:`plan_router` generates (``nginx.conf``, ``router.js``,
``openai-models.json``) with Debian's njs module, on 127.0.0.1. Behind it, one fake
OpenAI server per model (``tests/router/fake_openai.py``), each its own process on a free
port, logging every request body, finished stream and client abort. The client is the
official ``openai`` package pointed at the router's ``/v1``, as a user's code would be.

Models: ``chat`` answers to ``chat`` and the alias ``llama-3-8b-instruct`` and its engine
expects ``meta-llama/Meta-Llama-3-8B-Instruct``; ``embed`` answers to its own name and gets
bodies unchanged. Two more have no server: ``down`` points at a closed port (502) and shares
``embed``'s read timeout, so both go through one named location; ``stuck`` points at a socket
that accepts connections and never answers (504 after its 1 s read timeout).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types import CreateEmbeddingResponse

from kn_constructs.router import RouterRoute
from tests.router.support import (
    LOOPBACK,
    WAIT,
    RunningNginx,
    free_port,
    nginx_binary,
    njs_module,
    router_files,
    running_nginx,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = "models"
ALIAS = "llama-3-8b-instruct"
ENGINE = "meta-llama/Meta-Llama-3-8B-Instruct"
#: The body-routing limit for these tests (KiB): small, so the 413 case stays small.
BODY_LIMIT_KIB = 16
#: Seconds between two streamed tokens of the fake servers.
TOKEN_DELAY = 0.15
#: stuck's read timeout: typical 0.1 s, timeoutSeconds 1 -> max(3 x 0.1, 1) = 1 s (KN-CANCEL-1).
STUCK_READ_TIMEOUT = 1.0


@dataclasses.dataclass
class Upstream:
    """One fake OpenAI server process and its event log."""

    name: str
    process: subprocess.Popen[str]
    port: int
    log: Path

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def requests(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["event"] == "request"]

    def wait_for(self, event: str, timeout: float = WAIT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["event"] == event]
            if found:
                return found[-1]
            time.sleep(0.05)
        pytest.fail(f"{self.name}: no {event!r} event within {timeout}s: {self.events()}")


@dataclasses.dataclass
class Router:
    nginx: RunningNginx
    upstreams: dict[str, Upstream]
    client: openai.OpenAI

    def counts(self) -> dict[str, int]:
        return {name: len(u.requests()) for name, u in self.upstreams.items()}


def start_upstream(name: str, directory: Path, stack: contextlib.ExitStack) -> Upstream:
    log = directory / f"{name}.jsonl"
    log.touch()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.router.fake_openai",
            "--name",
            name,
            "--log",
            str(log),
            "--token-delay",
            str(TOKEN_DELAY),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    stack.callback(stop_process, process)
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=10):
            pytest.fail(f"fake OpenAI server {name!r} did not start within 10s")
    line = process.stdout.readline().split()
    assert line[:1] == ["listening"], line
    return Upstream(name, process, int(line[1]), log)


def stop_process(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(WAIT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(WAIT)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    binary = nginx_binary()
    module = njs_module()
    directory = tmp_path_factory.mktemp("openai-router")
    with contextlib.ExitStack() as stack:
        upstreams = {name: start_upstream(name, directory, stack) for name in ("chat", "embed")}
        # Listens (the kernel completes the handshakes) but never accepts or answers.
        silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        silent.bind((LOOPBACK, 0))
        silent.listen(8)
        routes = [
            dataclasses.replace(
                RouterRoute.for_knative_service(
                    "chat", NAMESPACE, timeout_seconds=12, model_names=["chat", ALIAS], engine_model=ENGINE
                ),
                upstream=f"{LOOPBACK}:{upstreams['chat'].port}",
            ),
            dataclasses.replace(
                RouterRoute.for_knative_service("embed", NAMESPACE, timeout_seconds=3),
                upstream=f"{LOOPBACK}:{upstreams['embed'].port}",
            ),
            dataclasses.replace(
                RouterRoute.for_knative_service("down", NAMESPACE, timeout_seconds=3),
                upstream=f"{LOOPBACK}:{free_port()}",
            ),
            dataclasses.replace(
                RouterRoute.for_knative_service(
                    "stuck", NAMESPACE, timeout_seconds=1, typical_request_seconds=0.1
                ),
                upstream=f"{LOOPBACK}:{silent.getsockname()[1]}",
            ),
        ]
        port = free_port()
        files = router_files(
            routes,
            listen_address=LOOPBACK,
            listen_port=port,
            resolver=LOOPBACK,
            runtime_dir=str(directory),
            worker_processes=1,
            njs_module_path=module,
            openai_max_body_kib=BODY_LIMIT_KIB,
        )
        nginx = stack.enter_context(running_nginx(binary, files, directory, port))
        client = openai.OpenAI(
            base_url=f"http://{LOOPBACK}:{port}/v1", api_key="not-used", max_retries=0, timeout=WAIT
        )
        stack.callback(client.close)
        yield Router(nginx, upstreams, client)


def last_request(upstream: Upstream) -> dict[str, Any]:
    found = upstream.requests()
    assert found, f"{upstream.name} saw no request"
    return found[-1]


# --------------------------------------------------------------------------- routing by body model


def test_kn_fleet_2_chat_reaches_the_model_named_in_the_body(router: Router) -> None:
    reply = router.client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.model_extra is not None
    assert reply.model_extra["served_by"] == "chat"
    assert reply.choices[0].message.content == "tok0 tok1 tok2 tok3 tok4"
    seen = last_request(router.upstreams["chat"])
    assert seen["path"] == "/v1/chat/completions"
    assert seen["headers"]["host"] == f"chat.{NAMESPACE}.svc.cluster.local"
    # chat has an engine name: the body's "model" is rewritten to it.
    assert json.loads(seen["body"])["model"] == ENGINE
    # A body-routed request keeps its own path: nothing was stripped, so no X-Forwarded-Prefix.
    assert "x-forwarded-prefix" not in seen["headers"]


def test_kn_fleet_2_embeddings_reach_their_model_with_the_body_unchanged(router: Router) -> None:
    before = router.counts()
    result = router.client.embeddings.create(model="embed", input=["a", "b"])
    assert [item.embedding for item in result.data] == [[0.0, 0.5, -0.5], [1.0, 0.5, -0.5]]
    assert result.model == "embed"
    seen = last_request(router.upstreams["embed"])
    assert seen["path"] == "/v1/embeddings"
    assert seen["headers"]["host"] == f"embed.{NAMESPACE}.svc.cluster.local"
    sent = json.loads(seen["body"])
    assert (sent["model"], sent["input"]) == ("embed", ["a", "b"])
    assert router.counts() == {"chat": before["chat"], "embed": before["embed"] + 1}


def test_kn_fleet_1_alias_reaches_its_model_and_the_engine_sees_its_own_name(router: Router) -> None:
    reply = router.client.completions.create(model=ALIAS, prompt="hi")
    assert reply.model_extra is not None
    assert reply.model_extra["served_by"] == "chat"
    assert reply.model == ENGINE  # the engine answered for the name it was sent
    assert json.loads(last_request(router.upstreams["chat"])["body"])["model"] == ENGINE


def test_only_the_model_value_is_rewritten_byte_for_byte(router: Router) -> None:
    # A seed beyond a double's precision, odd spacing, non-ASCII text, a nested "model" and a
    # duplicate top-level "model" (JSON.parse keeps the last): everything but that last value
    # must reach the engine exactly as sent.
    sent = (
        '{ "model" : "chat", "seed": 123456789012345678901234567890, "messages": [{"role": "user",'
        ' "content": "h\u00e9llo \U0001f999", "model": "not-this-one"}],\n "model":"' + ALIAS + '" }'
    )
    status, _, _ = router.nginx.request(
        "POST", "/v1/chat/completions", body=sent.encode(), headers={"Content-Type": "application/json"}
    )
    assert status == 200
    received = last_request(router.upstreams["chat"])
    expected = (
        sent[: sent.rindex(ALIAS) - 1] + json.dumps(ENGINE) + sent[sent.rindex(ALIAS) + len(ALIAS) + 1 :]
    )
    assert received["body"] == expected
    assert int(received["headers"]["content-length"]) == len(expected.encode())


def test_access_log_names_the_service_of_a_body_routed_request(router: Router) -> None:
    request_id = "openai-log-check-1"
    status, _, _ = router.nginx.request(
        "POST",
        "/v1/completions",
        body=json.dumps({"model": ALIAS, "prompt": "hi"}).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
    )
    assert status == 200
    deadline = time.monotonic() + WAIT
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        lines = [line for line in router.nginx.stdout_text.splitlines() if f"request_id={request_id}" in line]
        time.sleep(0.02)
    assert len(lines) == 1, router.nginx.stdout_text[-2000:]
    # The alias was asked for; the log names the model's Knative Service and its address.
    assert '"POST /v1/completions HTTP/1.1" 200 ' in lines[0]
    assert f" model=chat upstream={LOOPBACK}:{router.upstreams['chat'].port} 200 " in lines[0]


# --------------------------------------------------------------------------- streaming and aborts


def test_kn_fleet_3_stream_chunks_arrive_before_the_upstream_finishes(router: Router) -> None:
    chat = router.upstreams["chat"]
    done_before = len([e for e in chat.events() if e["event"] == "stream_done"])
    stream = router.client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "count"}], stream=True, max_tokens=5
    )
    with stream:
        chunks = iter(stream)
        first = next(chunks)
        # The upstream still has four tokens to write (0.15 s apart) when the first arrives.
        still_running = len([e for e in chat.events() if e["event"] == "stream_done"]) == done_before
        rest = list(chunks)
    assert still_running
    assert first.choices[0].delta.content == "tok0 "
    assert [c.choices[0].delta.content for c in rest] == ["tok1 ", "tok2 ", "tok3 ", "tok4 "]
    assert chat.wait_for("stream_done")["sent"] == 5


def test_kn_cancel_2_client_abort_reaches_the_upstream(router: Router) -> None:
    chat = router.upstreams["chat"]
    aborted_before = len([e for e in chat.events() if e["event"] == "aborted"])
    stream = router.client.chat.completions.create(
        model=ALIAS, messages=[{"role": "user", "content": "go on"}], stream=True, max_tokens=200
    )
    first = next(iter(stream))
    assert first.choices[0].delta.content == "tok0 "
    stream.close()  # the client goes away after one token of 200
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        aborted = [e for e in chat.events() if e["event"] == "aborted"]
        if len(aborted) > aborted_before:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the upstream never saw the client go away: {chat.events()[-3:]}")
    # It stopped long before the 200 tokens (30 s) it was asked for.
    assert aborted[-1]["sent"] < 50


# --------------------------------------------------------------------------- /v1/models


def test_models_lists_every_public_name(router: Router) -> None:
    before = router.counts()
    listed = router.client.models.list()
    assert [(m.id, m.object, m.owned_by) for m in listed.data] == [
        ("chat", "model", NAMESPACE),
        (ALIAS, "model", NAMESPACE),
        ("down", "model", NAMESPACE),
        ("embed", "model", NAMESPACE),
        ("stuck", "model", NAMESPACE),
    ]
    one = router.client.models.retrieve(ALIAS)
    assert (one.id, one.owned_by) == (ALIAS, NAMESPACE)
    with pytest.raises(openai.NotFoundError) as info:
        router.client.models.retrieve("Chat")  # names are case-sensitive
    assert info.value.body["code"] == "model_not_found"  # type: ignore[index]
    assert router.counts() == before  # answered by the router itself


# --------------------------------------------------------------------------- OpenAI-shaped errors


def test_unknown_model_is_404_naming_it_and_the_known_ones(router: Router) -> None:
    before = router.counts()
    with pytest.raises(openai.NotFoundError) as info:
        router.client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "x"}])
    error = info.value
    assert error.status_code == 404
    body: Any = error.body
    assert body["code"] == "model_not_found"
    assert body["type"] == "invalid_request_error"
    assert body["param"] == "model"
    assert "`gpt-9`" in body["message"]
    assert f"Known models: chat, down, embed, {ALIAS}, stuck." in body["message"]
    assert router.counts() == before


def test_missing_model_is_400(router: Router) -> None:
    before = router.counts()
    with pytest.raises(openai.BadRequestError) as info:
        router.client.post("/embeddings", body={"input": "x"}, cast_to=CreateEmbeddingResponse)
    body: Any = info.value.body
    assert (info.value.status_code, body["code"], body["param"]) == (400, "missing_model", "model")
    assert router.counts() == before


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b'{"model": 7}', b""])
def test_bad_json_is_400_in_openai_shape(router: Router, payload: bytes) -> None:
    before = router.counts()
    status, headers, body = router.nginx.request(
        "POST", "/v1/chat/completions", body=payload, headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] in {"invalid_json", "missing_model"}
    assert router.counts() == before


def test_oversize_body_is_413_in_openai_shape(router: Router) -> None:
    before = router.counts()
    with pytest.raises(openai.APIStatusError) as info:
        router.client.embeddings.create(model="embed", input="x" * (BODY_LIMIT_KIB * 1024 + 1))
    assert info.value.status_code == 413
    body: Any = info.value.body
    assert body["code"] == "request_too_large"
    assert f"{BODY_LIMIT_KIB} KiB" in body["message"]
    assert router.counts() == before


def test_kn_fleet_2_unreachable_model_is_502_naming_the_model_and_its_service(router: Router) -> None:
    # down shares embed's read timeout, so one named location proxies both: embed still
    # reaches its own server, down its own (closed) port.
    router.client.embeddings.create(model="embed", input="x")
    before = router.counts()
    with pytest.raises(openai.InternalServerError) as info:
        router.client.embeddings.create(model="down", input="x")
    assert info.value.status_code == 502
    assert info.value.response.headers["content-type"] == "application/json"
    body: Any = info.value.body
    assert (body["code"], body["type"], body["param"]) == ("model_unavailable", "server_error", "model")
    assert "`down` (Knative Service down)" in body["message"]
    assert router.counts() == before


def test_kn_cancel_1_model_past_its_read_timeout_is_504_in_openai_shape(router: Router) -> None:
    started = time.monotonic()
    status, headers, data = router.nginx.request(
        "POST",
        "/v1/chat/completions",
        body=json.dumps({"model": "stuck", "messages": []}).encode(),
        headers={"Content-Type": "application/json"},
    )
    elapsed = time.monotonic() - started
    assert status == 504
    assert headers["content-type"] == "application/json"
    error = json.loads(data)["error"]
    assert (error["code"], error["type"], error["param"]) == ("model_timeout", "server_error", "model")
    assert "`stuck`" in error["message"]
    # The router gave up after stuck's own read timeout, not another group's (8 s or 30 s).
    assert STUCK_READ_TIMEOUT - 0.1 <= elapsed < WAIT


def test_get_on_a_body_route_is_405(router: Router) -> None:
    status, headers, body = router.nginx.request("GET", "/v1/chat/completions")
    assert status == 405
    assert headers["allow"] == "POST"
    assert json.loads(body)["error"]["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- path routes as before


def test_kn_fleet_2_path_routes_behave_as_before(router: Router) -> None:
    status, _, body = router.nginx.request("GET", "/models/chat/v1/anything?x=1")
    assert status == 200
    assert json.loads(body) == {"served_by": "chat", "method": "GET", "path": "/v1/anything?x=1"}
    seen = last_request(router.upstreams["chat"])
    assert seen["headers"]["x-forwarded-prefix"] == "/models/chat"
    # A path route streams the body and takes more than the body-routing limit, untouched:
    # its "model" is whatever the client wrote (no rewrite, no lookup).
    big = json.dumps({"model": "anything", "input": "x" * (BODY_LIMIT_KIB * 1024 * 2)})
    status, _, body = router.nginx.request("POST", "/models/embed/v1/embeddings", body=big.encode())
    assert status == 200
    assert json.loads(body)["model"] == "anything"
    assert last_request(router.upstreams["embed"])["body"] == big
