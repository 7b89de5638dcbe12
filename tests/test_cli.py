"""The ``kn-constructs`` entry point: quiet in a pipeline, and ``--plot`` refused up front."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kn_constructs.cli import EXIT_BROKEN_PIPE, main

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_service"
SNAPSHOT = SNAPSHOTS / "test_single_model_example_runs_and_matches_snapshot.yaml"
BAD_SERVICE = ROOT / "examples" / "lint" / "bad-gpu-service.yaml"
BROKEN = EXIT_BROKEN_PIPE
SIMULATE = ["--poisson", "2", "--duration", "60", "--service-time", "1", "--startup-mean", "20"]

#: One invocation per subcommand that writes to standard output, with the status expected when
#: nobody reads it: EXIT_BROKEN_PIPE, or 0 where argparse prints and exits itself (it ignores the
#: write error).
PIPED = [
    pytest.param(["lint", str(BAD_SERVICE)], BROKEN, id="lint"),
    pytest.param(["lint", "--format", "json", str(BAD_SERVICE.parent)], BROKEN, id="lint-json"),
    pytest.param(["explain", str(SNAPSHOT)], BROKEN, id="explain"),
    pytest.param(["simulate", *SIMULATE], BROKEN, id="simulate"),
    pytest.param(["simulate", "--json", *SIMULATE], BROKEN, id="simulate-json"),
    pytest.param(["recommend", "--rounds", "1", "--p99", "30", *SIMULATE], BROKEN, id="recommend"),
    pytest.param(["--help"], 0, id="help"),
    pytest.param(["lint", "--help"], 0, id="lint-help"),
    pytest.param(["--version"], 0, id="version"),
]


def _console_script() -> list[str]:
    script = Path(sys.executable).parent / "kn-constructs"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kn_constructs.cli"]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "status"), PIPED)
def test_a_closed_pipe_ends_the_command_quietly(args: list[str], status: int) -> None:
    # `kn-constructs ... | head` with head already gone: the first write meets a closed pipe.
    proc = subprocess.Popen(
        [*_console_script(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == status
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == ""


def test_a_whole_pipe_keeps_the_commands_own_exit_status() -> None:
    done = subprocess.run(
        [*_console_script(), "lint", str(BAD_SERVICE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1  # error-level findings
    assert "KN-" in done.stdout
    assert re.match(r"\d+ errors?, \d+ warnings?(, \d+ info)? in ", done.stderr)
    assert "Traceback" not in done.stderr


def test_plot_without_matplotlib_fails_before_the_run_with_the_install_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    out = tmp_path / "run.png"
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", *SIMULATE, "--plot", str(out)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before the run: no summary
    assert "argument --plot: needs matplotlib" in captured.err
    assert 'pip install "matplotlib>=3.8"' in captured.err
    assert not out.exists()


def test_plot_with_matplotlib_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "run.png"
    assert main(["simulate", *SIMULATE, "--plot", str(out)]) == 0
    assert out.stat().st_size > 0
    assert f"plot       {out}" in capsys.readouterr().out
