"""``kn-constructs synth APP_DIR``: synthesize a cdk8s app without Node.

Reads ``APP_DIR/cdk8s.yaml`` as the cdk8s CLI does (``app``: the command that runs the app;
``output``: the output folder, default ``dist``, relative to ``APP_DIR``), runs the command
in ``APP_DIR`` with the pure-Python construct tree in place of ``cdk8s`` and ``constructs``
(:mod:`kn_constructs._tree`, switched on by ``KN_CONSTRUCTS_NODE_FREE=1``), and writes the same
files ``cdk8s synth`` writes. The app writes into a temporary folder; only when it succeeds is
the output folder replaced (as ``cdk8s synth`` replaces it), so a failing app leaves the old
output as it was and no partial file behind.

Exit codes: 0 written; 1 the app failed (a cdk8s feature Node-free synth does not cover, a
validation error, any exception; its messages are shown); 2 usage error (no ``cdk8s.yaml``,
no ``app`` command, a bad option).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kn_constructs._tree.hook import ENV_SWITCH, boot_path
from kn_constructs._tree.unsupported import DOCS

__all__ = ["register", "run_synth"]

#: The cdk8s CLI's default output folder.
DEFAULT_OUTPUT = "dist"
#: The marker of :class:`~kn_constructs._tree.unsupported.NodeFreeUnsupportedError` messages.
_UNSUPPORTED = "Node-free synth does not cover "


class _UsageError(Exception):
    pass


def _read_config(app_dir: Path) -> tuple[str, str]:
    """The ``app`` command and the ``output`` folder from ``APP_DIR/cdk8s.yaml``."""
    import yaml

    config_file = app_dir / "cdk8s.yaml"
    if not app_dir.is_dir():
        raise _UsageError(f"{app_dir}: no such folder")
    if not config_file.is_file():
        raise _UsageError(f"{config_file}: not found (the folder of a cdk8s app holds its cdk8s.yaml)")
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise _UsageError(f"{config_file}: not valid YAML ({error})") from error
    if not isinstance(config, dict):
        raise _UsageError(f"{config_file}: expected a mapping with an 'app' command")
    command = config.get("app")
    if not isinstance(command, str) or not command.strip():
        raise _UsageError(f"{config_file}: 'app' must be the command that runs the app (app: python main.py)")
    output = config.get("output", DEFAULT_OUTPUT)
    if not isinstance(output, str) or not output.strip():
        raise _UsageError(f"{config_file}: 'output' must be a folder name (default {DEFAULT_OUTPUT})")
    return command, output


def _environment(outdir: str) -> dict[str, str]:
    env = dict(os.environ)
    env[ENV_SWITCH] = "1"
    env["CDK8S_OUTDIR"] = outdir
    env["CDK8S_RECORD_CONSTRUCT_METADATA"] = "false"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [boot_path(), env.get("PYTHONPATH")]))
    return env


def _manifests(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".yaml", ".yml")))


def run_synth(app_dir: Path, *, output: str | None = None, timeout: float | None = None) -> int:
    """Synthesize the app in ``app_dir`` Node-free; returns the exit code (0, 1 or 2)."""
    try:
        command, configured = _read_config(app_dir)
    except _UsageError as error:
        print(f"kn-constructs synth: {error}", file=sys.stderr)
        return 2
    # --output is relative to where the command runs, the configured folder to the app's.
    outdir = (Path(output) if output is not None else app_dir / configured).resolve()
    with tempfile.TemporaryDirectory(prefix="kn-synth-") as scratch:
        staged = Path(scratch) / "out"
        try:
            result = subprocess.run(
                command,
                shell=True,
                cwd=app_dir,
                env=_environment(str(staged)),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"kn-constructs synth: the app did not finish within {timeout} s", file=sys.stderr)
            return 1
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            print(_failure(result.stderr, result.returncode), file=sys.stderr)
            return 1
        if not staged.is_dir():
            print(
                f'kn-constructs synth: synthesis failed, the app was expected to create "{outdir}"'
                " (does it call app.synth()?)",
                file=sys.stderr,
            )
            return 1
        files = _manifests(staged)
        if outdir.is_dir():
            shutil.rmtree(outdir)
        elif outdir.exists():
            outdir.unlink()
        outdir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), str(outdir))
    if not files:
        print("No manifests synthesized", file=sys.stderr)
    for file in files:
        print(f"  - {os.path.relpath(outdir / file.relative_to(staged))}")
    return 0


def _failure(stderr: str, code: int) -> str:
    for line in reversed(stderr.splitlines()):
        at = line.find(_UNSUPPORTED)
        if at >= 0:
            feature = line[at + len(_UNSUPPORTED) :].split(":", 1)[0]
            return (
                f"kn-constructs synth: the app uses {feature}, which Node-free synth does not cover"
                f" (see {DOCS}); nothing was written. Synthesize it with `cdk8s synth` instead."
            )
    return f"kn-constructs synth: the app failed (exit status {code}); nothing was written"


def _command(args: argparse.Namespace) -> int:
    return run_synth(Path(args.app_dir), output=args.output)


def register(subparsers: Any) -> None:
    """Add ``synth`` to the ``kn-constructs`` parser."""
    parser = subparsers.add_parser(
        "synth",
        help="synthesize a cdk8s app without Node (the library's constructs on a pure-Python tree)",
        description="Run the cdk8s app in APP_DIR (its cdk8s.yaml names the command and the output"
        f" folder) with {ENV_SWITCH}=1: cdk8s and constructs become a pure-Python subset, so no Node"
        " is needed, and the files are the ones `cdk8s synth` writes, byte for byte. An app using"
        f" a cdk8s feature outside the subset ({DOCS}) fails with the feature named, writing nothing."
        " Exit 0: written; 1: the app failed; 2: usage error.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", nargs="?", default=".", help="folder with cdk8s.yaml")
    parser.add_argument("-o", "--output", metavar="DIR", help="output folder (default: cdk8s.yaml's output)")
    parser.set_defaults(func=_command)
