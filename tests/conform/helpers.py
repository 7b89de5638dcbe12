"""Shared settings for the conform tests: short timeouts and the test server's requests."""

from __future__ import annotations

import sys
from pathlib import Path

SERVER = Path(__file__).parent / "servers" / "model_server.py"

#: Timeouts that keep a broken server from holding a test for long.
FAST = ["--start-timeout", "30", "--request-timeout", "20", "--exit-timeout", "5"]
#: The test server makes 40 tokens of 0.03 s: a long request of about 1.2 s.
LONG = ["--long-request", "POST", "/v1/generate", '{"prompt": "x", "max_tokens": 40}']


def server_command(*extra: str) -> list[str]:
    """The stdlib test server, correct or ``--broken KIND``."""
    return [sys.executable, str(SERVER), *extra]
