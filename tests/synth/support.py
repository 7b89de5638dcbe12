"""Running the synthesis paths in their own processes, and comparing what they write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kn_constructs._tree.hook import ENV_SWITCH, boot_path

ROOT = Path(__file__).resolve().parents[2]


def run(
    argv: list[str],
    *,
    node_free: bool,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    repository: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (a Python program) in its own process group; killed on timeout.

    ``repository``: put the repository on ``PYTHONPATH`` (not for an installed copy).
    """
    environment = dict(os.environ if env is None else env)
    environment.setdefault("CDK8S_CHECK_UPGRADE", "false")
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(
            None,
            [
                boot_path() if node_free else None,
                str(ROOT) if repository else None,
                environment.get("PYTHONPATH"),
            ],
        )
    )
    if node_free:
        environment[ENV_SWITCH] = "1"
    else:
        environment.pop(ENV_SWITCH, None)
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def synthesize_all(mode: str, outdir: Path, models: int | str = 0) -> dict[str, bytes]:
    """Every file the driver writes in ``mode``, by path relative to ``outdir``."""
    outdir.mkdir(parents=True)
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir / "examples")}
    result = run(
        [sys.executable, "-m", "tests.synth.driver", mode, str(outdir), str(models)],
        node_free=mode == "nodefree",
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return tree(outdir)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path -> bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
