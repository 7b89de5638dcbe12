"""A small model server in the standard library, correct by default or broken in one way.

``python model_server.py [--broken KIND]``: listens on ``PORT`` (``HOST``, default 127.0.0.1) at
once, "loads a model" for ``--load-seconds``, then answers ``POST /v1/generate`` with
``{"prompt": ..., "max_tokens": N}`` by "generating" N tokens of ``--token-seconds`` each on one
"GPU" (a lock: one request works at a time). Readiness ``/v2/health/ready``, liveness
``/v2/health/live``. On SIGTERM it turns unready, keeps serving and exits once nothing is in flight.
A request whose client went away stops at the next token.

Each ``--broken`` kind breaks exactly one of those behaviours (see ``BROKEN``); conform must fail
exactly the matching check.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BROKEN = {
    "ready-before-load": "readiness passes before the model is loaded",
    "liveness-fails-while-loading": "liveness fails until the model is loaded",
    "ignores-cancellation": "a request goes on after its client went away",
    "exits-at-once": "SIGTERM ends the process at once (no handler)",
    "refuses-while-draining": "after SIGTERM new requests get 503",
    "stays-ready-on-sigterm": "readiness stays 200 after SIGTERM",
    "fetches-at-startup": "tries to reach a non-loopback address while loading (and goes on)",
}

#: An address from TEST-NET-2 (RFC 5737): never routed, so the attempt fails on any machine.
HUB = ("198.51.100.1", 443)


class State:
    def __init__(self, broken: str | None, token_seconds: float) -> None:
        self.broken = broken
        self.token_seconds = token_seconds
        self.loaded = threading.Event()
        self.draining = threading.Event()
        self.gpu = threading.Lock()
        self.lock = threading.Lock()
        self.in_flight = 0


def client_gone(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def answer(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/v2/health/live":
                if state.broken == "liveness-fails-while-loading" and not state.loaded.is_set():
                    self.answer(503, {"live": False})
                else:
                    self.answer(200, {"live": True})
            elif self.path == "/v2/health/ready":
                loaded = state.loaded.is_set() or state.broken == "ready-before-load"
                draining = state.draining.is_set() and state.broken != "stays-ready-on-sigterm"
                self.answer(200 if loaded and not draining else 503, {"ready": loaded and not draining})
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path != "/v1/generate":
                self.answer(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if not state.loaded.is_set():
                self.answer(503, {"error": "model not loaded"})
                return
            if state.draining.is_set() and state.broken == "refuses-while-draining":
                self.answer(503, {"error": "shutting down"})
                return
            with state.lock:
                state.in_flight += 1
            try:
                tokens = []
                with state.gpu:
                    for index in range(int(request.get("max_tokens", 1))):
                        time.sleep(state.token_seconds)
                        if state.broken != "ignores-cancellation" and client_gone(self.connection):
                            return  # the client went away: stop the work now
                        tokens.append(f"t{index}")
                self.answer(200, {"text": " ".join(tokens), "tokens": len(tokens)})
            finally:
                with state.lock:
                    state.in_flight -= 1

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broken", choices=sorted(BROKEN))
    parser.add_argument("--load-seconds", type=float, default=0.6)
    parser.add_argument("--token-seconds", type=float, default=0.03)
    parser.add_argument("--tag", default="", help="a marker for tests that look for leftover processes")
    args = parser.parse_args()
    state = State(args.broken, args.token_seconds)
    server = ThreadingHTTPServer(
        (os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), make_handler(state)
    )
    server.daemon_threads = True
    done = threading.Event()

    def drain() -> None:
        while True:
            with state.lock:
                if state.in_flight == 0:
                    break
            time.sleep(0.01)
        done.set()

    def on_sigterm(signum: int, frame: object) -> None:
        state.draining.set()
        threading.Thread(target=drain, daemon=True).start()

    if args.broken != "exits-at-once":
        signal.signal(signal.SIGTERM, on_sigterm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if args.broken == "fetches-at-startup":
        # A server that falls back quietly when the hub is unreachable: only the attempt shows.
        with contextlib.suppress(OSError):
            socket.create_connection(HUB, timeout=0.3).close()
    time.sleep(args.load_seconds)  # "load the weights" (SIGTERM while loading: exits once loaded)
    state.loaded.set()
    # Wake up often: a signal that the kernel delivers to another thread runs its Python handler
    # only when the main thread next runs bytecode, and a bare wait() would never return.
    while not done.wait(0.05):
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
