"""The HTTP side of ``conform``: one request, timed, with a timeout; and a request cut off mid-way.

Standard library only (:mod:`http.client`), so ``kn-constructs conform`` starts without cdk8s or
Node and needs nothing the server under test might not have. Every call has a timeout: no check
can hang on a server that stops answering.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from dataclasses import dataclass
from typing import Final

__all__ = ["RequestSpec", "Response", "cut_off", "get", "send"]

#: An HTTP method token (RFC 9110 ``token``), upper case as servers expect it.
_METHOD: Final = re.compile(r"[A-Z][A-Z0-9!#$%&'*+.^_`|~-]*")


@dataclass(frozen=True)
class RequestSpec:
    """One request conform sends: method, path and an optional JSON body.

    Attributes:
        method: ``GET``, ``POST``... (upper case).
        path: The path and query, starting with ``/``.
        body: The JSON text of the body, or ``None`` for no body (sent as ``application/json``).
    """

    method: str
    path: str
    body: str | None = None

    @classmethod
    def parse(cls, words: list[str]) -> RequestSpec:
        """``METHOD PATH [JSON]`` from the command line.

        Raises:
            ValueError: Not two or three words, a method that is not an HTTP token, a path that
                does not start with ``/`` or contains whitespace, or a body that is not JSON.
        """
        if not 2 <= len(words) <= 3:
            raise ValueError(f"expected METHOD PATH [JSON], got {len(words)} words: {' '.join(words)!r}")
        method, path = words[0], words[1]
        if not _METHOD.fullmatch(method):
            raise ValueError(f"invalid method {method!r}: expected an upper-case HTTP method such as POST")
        if not path.startswith("/") or any(c.isspace() for c in path):
            raise ValueError(f"invalid path {path!r}: expected an absolute path such as /v1/generate")
        body = words[2] if len(words) == 3 else None
        if body is not None:
            try:
                json.loads(body)
            except ValueError as error:
                raise ValueError(f"invalid JSON body {body!r}: {error}") from error
        return cls(method, path, body)

    def describe(self) -> str:
        """``POST /v1/generate {"prompt": ...}`` for reports."""
        return " ".join(part for part in (self.method, self.path, self.body) if part is not None)

    def raw(self, host: str, port: int) -> bytes:
        """The request as bytes on the wire (HTTP/1.1, connection closed after it)."""
        body = (self.body or "").encode()
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        if self.body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@dataclass(frozen=True)
class Response:
    """What came back: a status (``None`` when no HTTP answer came), timing, and the error if any.

    Attributes:
        status: The HTTP status, or ``None`` (refused, reset, timed out).
        started: ``time.monotonic()`` when the request was sent.
        ended: ``time.monotonic()`` when the answer was read in full or the request failed.
        error: Why no answer came (``"connection refused"``, ``"timed out after 5s"``...).
        body: The first bytes of the body, for reports.
    """

    status: int | None
    started: float
    ended: float
    error: str | None = None
    body: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer read in full."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def seconds(self) -> float:
        """How long the request took."""
        return self.ended - self.started

    def outcome(self) -> str:
        """``200 in 0.12s``, ``503 in 0.01s``, ``connection refused after 0.00s``."""
        what = str(self.status) if self.status is not None else (self.error or "no answer")
        return (
            f"{what} in {self.seconds:.2f}s"
            if self.status is not None
            else f"{what} after {self.seconds:.2f}s"
        )


def _reason(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g}s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "connection reset"
    if isinstance(error, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "connection closed before the answer was complete"
    return f"{type(error).__name__}: {error}"


def send(host: str, port: int, spec: RequestSpec, *, timeout: float) -> Response:
    """Send ``spec`` and read the whole answer, within ``timeout`` seconds per socket operation."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if spec.body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(spec.method, spec.path, body=spec.body, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        return Response(answer.status, started, time.monotonic(), body=body[:200].decode(errors="replace"))
    except (OSError, http.client.HTTPException) as error:
        return Response(None, started, time.monotonic(), error=_reason(error, timeout))
    finally:
        connection.close()


def get(host: str, port: int, path: str, *, timeout: float) -> Response:
    """``GET path``: a probe."""
    return send(host, port, RequestSpec("GET", path), timeout=timeout)


def cut_off(host: str, port: int, spec: RequestSpec, *, after: float, timeout: float) -> str | None:
    """Send ``spec``, wait ``after`` seconds, then close the connection: a client that gives up.

    What the server sends meanwhile (headers, streamed tokens) is read and dropped. Returns
    ``None`` when the request was cut off before the server finished it, or why not
    (``"finished before the cut-off"``, ``"connection refused"``).
    """
    deadline = time.monotonic() + after
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(spec.raw(host, port))
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    break
                if not chunk:
                    return "the server finished (closed the connection) before the cut-off"
            return None
    except OSError as error:
        return _reason(error, timeout)
