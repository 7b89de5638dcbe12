"""Synthesizes every example (and optionally the benchmark fleet) through one path, into a folder.

Run as ``python -m tests.synth.driver MODE OUTDIR [MODELS | mixed]`` from the repository root, with
``MODE`` one of ``old`` (cdk8s ``ApiObject``\\ s and cdk8s-plus, as before issue 12), ``new``
(Python rendering in a cdk8s app) or ``nodefree`` (the pure tree: start it with
``KN_CONSTRUCTS_NODE_FREE=1`` and the boot folder on ``PYTHONPATH``). ``OUTDIR/<case>/`` gets
what each case writes; with ``MODELS`` > 0 only the benchmark fleet of that many models is built,
with ``mixed`` only :func:`tests.synth.programs.build_layouts`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import runpy
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("pinned", "canary", "gradual")


@contextlib.contextmanager
def _path(mode: str) -> Iterator[None]:
    if mode != "old":
        yield
        return
    from kn_constructs._synth import legacy_rendering
    from kn_constructs.router_construct import _cdk8s_plus_rendering

    with legacy_rendering(), _cdk8s_plus_rendering():
        yield


def main(argv: list[str]) -> int:
    mode, outdir = argv[0], Path(argv[1])
    case = argv[2] if len(argv) > 2 else "0"
    models = int(case) if case.isdigit() else 0
    import cdk8s
    from cdk8s import App, Chart

    from kn_constructs._tree.hook import is_pure

    if (mode == "nodefree") != is_pure(cdk8s) or (mode == "nodefree") == ("jsii" in sys.modules):
        raise SystemExit(f"mode {mode}, but cdk8s is {cdk8s!r} and jsii loaded: {'jsii' in sys.modules}")

    warnings.simplefilter("ignore")  # the examples' KnWarnings are part of them
    with _path(mode):
        if case == "mixed":
            sys.path.insert(0, str(ROOT))
            from tests.synth.programs import build_layouts

            build_layouts(outdir)
            return 0
        if models:
            sys.path.insert(0, str(ROOT))
            from benchmarks.fleets import build_fleets

            app = App(outdir=str(outdir / f"fleet-{models}"))
            build_fleets(app, models)
            app.synth()
            return 0
        # The examples as their own programs: App() writes to CDK8S_OUTDIR (set by the caller).
        for example in ("single_model", "fleet"):
            runpy.run_path(str(ROOT / "examples" / example / "main.py"), run_name="__main__")
        spec = importlib.util.spec_from_file_location("canary_example", ROOT / "examples/canary/main.py")
        assert spec is not None and spec.loader is not None
        canary = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(canary)
        for stage in STAGES:
            app = App(outdir=str(outdir / f"canary-{stage}"))
            canary.build(Chart(app, "canary", namespace="models"), stage)
            app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
