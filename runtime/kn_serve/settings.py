"""What the runtime reads from its environment, with the names the construct writes.

``GpuInferenceService`` (kn_constructs) writes these variables into the container; Knative sets
``PORT`` to the container port. Every value is checked once, here, and a malformed one is a
:class:`~kn_serve.errors.ConfigError` naming the variable (code ``KN-SERVE-ENV``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from kn_serve.errors import ConfigError, Problem

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_LIVE_PATH",
    "DEFAULT_PORT",
    "DEFAULT_READY_PATH",
    "ENV_BATCH_MAX_WAIT",
    "ENV_BATCH_SIZE",
    "ENV_LONGEST_REQUEST",
    "ENV_TIMEOUT",
    "OFFLINE_ENV",
    "Settings",
    "set_offline_env",
]

#: Knative's default container port, and the port ``GpuInferenceService`` declares.
DEFAULT_PORT = 8080
#: Listen on every interface: queue-proxy reaches the container on the pod's address.
DEFAULT_HOST = "0.0.0.0"
#: Readiness path of ``kn_constructs.probes.Probes`` (KServe/Triton's v2 protocol path).
DEFAULT_READY_PATH = "/v2/health/ready"
#: Liveness path of ``kn_constructs.probes.Probes``.
DEFAULT_LIVE_PATH = "/v2/health/live"

#: Knative's ``timeoutSeconds`` for the revision (also the pod's termination grace period).
ENV_TIMEOUT = "KN_SERVE_TIMEOUT_SECONDS"
#: The longest request the service expects, in seconds (the construct's ``longest_request_seconds``).
ENV_LONGEST_REQUEST = "KN_SERVE_LONGEST_REQUEST_SECONDS"
#: Fixed batching: the batch size.
ENV_BATCH_SIZE = "KN_SERVE_BATCH_SIZE"
#: Fixed batching: how long to wait to fill a batch, in seconds.
ENV_BATCH_MAX_WAIT = "KN_SERVE_BATCH_MAX_WAIT_SECONDS"

#: Env vars that keep Hugging Face libraries off the hub (KN-MODEL-4); the same names as
#: ``kn_constructs.inference.OFFLINE_ENV`` (a test checks that the two agree).
OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")

_T = TypeVar("_T")


def set_offline_env(environ: dict[str, str] | None = None) -> None:
    """Set the Hugging Face offline variables to ``1`` (KN-MODEL-4).

    A value the deployment set on purpose (the construct writes ``1``) is kept. Called by
    :class:`~kn_serve.ModelServer` and ``kn-serve`` before any user callback or engine starts.
    """
    env = os.environ if environ is None else environ
    for name in OFFLINE_ENV:
        env.setdefault(name, "1")


def _parse_int(text: str) -> int:
    return int(text.strip(), 10)


def _parse_float(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError(text)
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """The runtime's configuration, read from the environment.

    Attributes:
        port: ``PORT`` (set by Knative to the container port). Default 8080. Range 1..65535.
        host: ``HOST``. Default ``0.0.0.0``.
        model_source: ``MODEL_SOURCE``: ``tensorizer``, ``object-storage`` or ``pvc``, or
            ``None`` when unset.
        model_uri: ``MODEL_URI``: ``s3://bucket/prefix``, ``https://…`` or a local path.
        model_endpoint: ``MODEL_ENDPOINT``, else ``S3_ENDPOINT_URL``: the object storage
            endpoint URL, or ``None``.
        timeout_seconds: ``KN_SERVE_TIMEOUT_SECONDS``: Knative's ``timeoutSeconds``, an integer
            >= 1, or ``None`` when unset.
        longest_request_seconds: ``KN_SERVE_LONGEST_REQUEST_SECONDS``: finite, > 0, or ``None``.
        batch_size: ``KN_SERVE_BATCH_SIZE``: >= 1, or ``None`` (no fixed batching configured).
        batch_max_wait_seconds: ``KN_SERVE_BATCH_MAX_WAIT_SECONDS``: finite, >= 0, or ``None``.
    """

    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    model_source: str | None = None
    model_uri: str | None = None
    model_endpoint: str | None = None
    timeout_seconds: int | None = None
    longest_request_seconds: float | None = None
    batch_size: int | None = None
    batch_max_wait_seconds: float | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise :class:`ConfigError` with all problems found."""
        env = os.environ if environ is None else environ
        problems: list[Problem] = []

        def number(
            name: str,
            parse: Callable[[str], _T],
            ok: Callable[[_T], bool],
            allowed: str,
        ) -> _T | None:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return None
            try:
                value = parse(raw)
            except ValueError:
                value = None
            if value is None or not ok(value):
                problems.append(
                    Problem(
                        "KN-SERVE-ENV",
                        name,
                        f"expected {allowed}, got {raw!r}",
                        value=raw,
                        allowed=allowed,
                    )
                )
                return None
            return value

        port = number("PORT", _parse_int, lambda v: 1 <= v <= 65535, "an integer 1..65535")
        timeout = number(ENV_TIMEOUT, _parse_int, lambda v: v >= 1, "an integer >= 1 (seconds)")
        longest = number(ENV_LONGEST_REQUEST, _parse_float, lambda v: v > 0, "a number > 0 (seconds)")
        batch = number(ENV_BATCH_SIZE, _parse_int, lambda v: v >= 1, "an integer >= 1")
        wait = number(ENV_BATCH_MAX_WAIT, _parse_float, lambda v: v >= 0, "a number >= 0 (seconds)")
        if problems:
            raise ConfigError(problems)
        host = env.get("HOST", "").strip() or DEFAULT_HOST
        endpoint = env.get("MODEL_ENDPOINT") or env.get("S3_ENDPOINT_URL") or None
        return cls(
            port=DEFAULT_PORT if port is None else port,
            host=host,
            model_source=env.get("MODEL_SOURCE") or None,
            model_uri=env.get("MODEL_URI") or None,
            model_endpoint=endpoint,
            timeout_seconds=timeout,
            longest_request_seconds=longest,
            batch_size=batch,
            batch_max_wait_seconds=wait,
        )
