"""Start-up hook of Node-free synth: with ``KN_CONSTRUCTS_NODE_FREE=1``, use the pure tree.

This folder is put on ``PYTHONPATH`` by ``kn-constructs synth``. Python imports
``sitecustomize`` at start-up; this one installs the import hook of
:mod:`kn_constructs._tree.hook`, then runs the next ``sitecustomize`` on the path, if any, so
that an environment's own start-up code still runs.
"""

import importlib.machinery
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))

if os.environ.get("KN_CONSTRUCTS_NODE_FREE", "") == "1":
    try:
        from kn_constructs._tree import hook as _hook
    except ImportError as _error:  # this Python has no kn_constructs: cdk8s would need Node
        raise SystemExit(
            f"KN_CONSTRUCTS_NODE_FREE=1, but kn_constructs cannot be imported: {_error}"
        ) from None
    _hook.install()
    # The app builds, renders and exits: without the cyclic collector (reference counting
    # still frees everything not in a cycle), building and rendering a large fleet is faster.
    import gc as _gc

    _gc.freeze()
    _gc.disable()


def _chain() -> None:
    rest = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin != __file__:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_chain()
