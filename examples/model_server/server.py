"""A model server on the kn_serve runtime: configure, load, self-test, then serve (KN-START-1).

The "model" is a toy that generates one word per decoding step of ``EXAMPLE_TOKEN_SECONDS``
(default 0.05 s), standing in for a GPU model. Its weights (a vocabulary file) come from where the
construct says, ``MODEL_URI`` (object storage, downloaded at start by ``kn_serve.loader``, or a
mounted PVC path); without ``MODEL_URI`` (a local run, or ``kn-constructs conform``) it uses a
built-in vocabulary and waits ``EXAMPLE_LOAD_SECONDS`` (default 1 s) as if reading weights.

The runtime gives it the rest: readiness ``/v2/health/ready`` 503 until the self-test passed and
again from SIGTERM, liveness ``/v2/health/live`` 200 throughout, the drain, the Hugging Face
offline variables, and a cancellation token per request that the generation loop checks between
steps, so a client that goes away frees the "GPU" at once (KN-CANCEL-2).

    PORT=8080 python examples/model_server/server.py
    curl -s localhost:8080/v1/generate -d '{"prompt": "Hello", "max_tokens": 5}'
    kn-constructs conform -- python examples/model_server/server.py
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import JSONResponse

from kn_serve import CancelToken, ModelServer, RequestContext, Settings
from kn_serve.loader import model_path

log = logging.getLogger("example")

TOKEN_SECONDS = float(os.environ.get("EXAMPLE_TOKEN_SECONDS", "0.05"))
LOAD_SECONDS = float(os.environ.get("EXAMPLE_LOAD_SECONDS", "1"))
CACHE_DIR = Path(os.environ.get("EXAMPLE_CACHE_DIR", "/tmp/model"))
MAX_TOKENS = 512
BUILT_IN = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]


@dataclass
class TinyModel:
    """One word per decoding step; one request at a time on the one "GPU"."""

    vocabulary: list[str]
    gpu: threading.Lock

    def generate(self, prompt: str, max_tokens: int, token: CancelToken) -> list[str]:
        words: list[str] = []
        with self.gpu:
            for step in range(max_tokens):
                token.raise_if_cancelled()  # the client went away: stop now, free the GPU
                time.sleep(TOKEN_SECONDS)  # one decoding step
                words.append(self.vocabulary[(len(prompt) + step) % len(self.vocabulary)])
        return words


def configure(settings: Settings) -> None:
    """Step 1: read the configuration (the runtime already read and checked the env)."""
    where = settings.model_uri or "the built-in vocabulary (no MODEL_URI)"
    log.info("model from %s; timeoutSeconds %s", where, settings.timeout_seconds)


def load(settings: Settings) -> TinyModel:
    """Step 2: load the weights from object storage or a PVC, never from a hub (KN-MODEL-4)."""
    if settings.model_uri is None:
        time.sleep(LOAD_SECONDS)  # stands for reading the weights
        return TinyModel(BUILT_IN, threading.Lock())
    root = model_path(CACHE_DIR, settings)
    return TinyModel((root / "vocab.txt").read_text().split(), threading.Lock())


def self_test(model: TinyModel) -> None:
    """Step 3: one tiny generation before the server reports ready."""
    if len(model.generate("self-test", 1, CancelToken())) != 1:
        raise RuntimeError("the model generated nothing")


server: ModelServer[TinyModel] = ModelServer(configure=configure, load=load, self_test=self_test)


@server.post("/v1/generate")
def generate(ctx: RequestContext[TinyModel]) -> object:
    """``{"prompt": str, "max_tokens": 1..512}`` -> ``{"text": ..., "tokens": n}``."""
    body = ctx.json()  # a body that is not JSON: the runtime answers 400
    prompt = body.get("prompt") if isinstance(body, dict) else None
    max_tokens = body.get("max_tokens", 16) if isinstance(body, dict) else None
    if not isinstance(prompt, str) or type(max_tokens) is not int or not 1 <= max_tokens <= MAX_TOKENS:
        return JSONResponse(
            {"error": f'expected {{"prompt": str, "max_tokens": 1..{MAX_TOKENS}}}'}, status_code=400
        )
    words = ctx.model.generate(prompt, max_tokens, ctx.token)
    return {"text": " ".join(words), "tokens": len(words)}


if __name__ == "__main__":
    server.run()
