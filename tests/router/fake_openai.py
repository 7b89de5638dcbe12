"""A fake OpenAI-compatible model server, run as its own process on 127.0.0.1.

``python -m tests.router.fake_openai --name chat --port 0 --log events.jsonl`` prints
``listening <port>`` on stdout once it accepts connections, then serves:

* ``POST /v1/chat/completions``: with ``"stream": true``, server-sent events, one token
  every ``--token-delay`` seconds (the body's ``max_tokens``, else ``--tokens`` of them),
  then ``data: [DONE]``; without it, one ``chat.completion`` object;
* ``POST /v1/completions``: the same for ``text_completion``;
* ``POST /v1/embeddings``: one vector per input;
* anything else: ``200`` with a JSON echo of the method and path (the path routes' check).

Every response's ``model`` is the ``model`` of the body received, and ``served_by`` is
``--name``, so a test sees which upstream answered and what name it was sent. Each request,
each finished stream and each client abort is appended to ``--log`` as one JSON line
(``{"event": "request", "path": ..., "headers": ..., "body": <raw text>}``,
``{"event": "stream_done"}``, ``{"event": "aborted", "sent": <tokens>}``), flushed at once so
the test can read it while the server runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True)
    parser.add_argument("--tokens", type=int, default=5)
    parser.add_argument("--token-delay", type=float, default=0.2)
    args = parser.parse_args(argv)
    lock = threading.Lock()
    log = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 - open for the server's lifetime

    def record(event: dict[str, Any]) -> None:
        with lock:
            log.write(json.dumps(event) + "\n")
            log.flush()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: without TCP_NODELAY the second waits for the
        # client's delayed ACK (40 ms on Linux) whenever the client keeps the connection open.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *log_args: Any) -> None:
            return

        def do_GET(self) -> None:
            record(
                {
                    "event": "request",
                    "method": "GET",
                    "path": self.path,
                    "headers": self._headers(),
                    "body": "",
                }
            )
            self._json(200, {"served_by": args.name, "method": "GET", "path": self.path})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            text = raw.decode("utf-8", errors="replace")
            record(
                {
                    "event": "request",
                    "method": "POST",
                    "path": self.path,
                    "headers": self._headers(),
                    "body": text,
                }
            )
            try:
                body = json.loads(text) if text else {}
            except ValueError:
                body = {}
            model = body.get("model") if isinstance(body, dict) else None
            path = self.path.split("?", 1)[0]
            if path in ("/v1/chat/completions", "/v1/completions"):
                chat = path == "/v1/chat/completions"
                tokens = body.get("max_tokens")
                if body.get("stream"):
                    self._stream(model, chat, tokens if isinstance(tokens, int) else args.tokens)
                else:
                    self._json(200, self._completion(model, chat))
            elif path == "/v1/embeddings":
                inputs = body.get("input", [])
                inputs = inputs if isinstance(inputs, list) else [inputs]
                self._json(
                    200,
                    {
                        "object": "list",
                        "model": model,
                        "served_by": args.name,
                        "data": [
                            {"object": "embedding", "index": i, "embedding": [float(i), 0.5, -0.5]}
                            for i in range(len(inputs))
                        ],
                        "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
                    },
                )
            else:
                self._json(200, {"served_by": args.name, "method": "POST", "path": self.path, "model": model})

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _completion(self, model: object, chat: bool) -> dict[str, Any]:
            text = " ".join(f"tok{i}" for i in range(args.tokens))
            choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            return {
                "id": f"{args.name}-1",
                "object": "chat.completion" if chat else "text_completion",
                "created": 0,
                "model": model,
                "served_by": args.name,
                "choices": [choice],
            }

        def _stream(self, model: object, chat: bool, tokens: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            try:
                for i in range(tokens):
                    delta: dict[str, Any] = {"index": 0, "finish_reason": None}
                    if chat:
                        delta["delta"] = {"content": f"tok{i} "}
                    else:
                        delta["text"] = f"tok{i} "
                    chunk = {
                        "id": f"{args.name}-1",
                        "object": "chat.completion.chunk" if chat else "text_completion",
                        "created": 0,
                        "model": model,
                        "served_by": args.name,
                        "sent_at": time.time(),
                        "choices": [delta],
                    }
                    self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())
                    sent += 1
                    time.sleep(args.token_delay)
                self._chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                record({"event": "aborted", "sent": sent})
                return
            record({"event": "stream_done", "sent": sent, "done_at": time.time()})

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
