"""Importing the construct classes freezes what was loaded for the cyclic collector (issue 12 speed).

cdk8s, jsii and their bindings live as long as the process; frozen, the collector's full passes
do not re-walk them while an app builds its constructs (docs/fleet.md, Performance).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

PROGRAM = """
import gc, json
gc.collect()
before = gc.get_freeze_count()
import cdk8s
loaded = gc.get_freeze_count()
from kn_constructs import ModelFleet
print(json.dumps([before, loaded, gc.get_freeze_count(), len(gc.get_objects(generation=2))]))
"""


@pytest.mark.slow
def test_importing_a_construct_class_freezes_the_loaded_objects() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KN_CONSTRUCTS_NODE_FREE"}
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    proc = subprocess.Popen(
        [sys.executable, "-c", PROGRAM],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err
    before, loaded, after, old_generation = json.loads(out.strip().splitlines()[-1])
    assert before == loaded == 0  # nothing froze before the construct classes were imported
    assert after > 1000  # the modules' objects (cdk8s, jsii, kn_constructs) are now frozen
    assert old_generation < after  # ... and no longer in the generation full passes walk
