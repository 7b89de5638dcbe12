"""conform against real processes: a correct server passes every check, each broken one fails one.

Real processes (the standard-library server in ``servers/model_server.py``), real HTTP, real
SIGTERM; every run has short timeouts (``FAST``) and conform ends each server's process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from kn_constructs.cli import main
from kn_constructs.conform import CHECKS
from kn_constructs.conform.netns import namespace_prefix
from kn_constructs.profile import AutoscalerProfile
from tests.conform.helpers import FAST, LONG, server_command

pytestmark = pytest.mark.slow

#: Each broken server and the one check it must fail (all the others pass).
BROKEN = {
    "ready-before-load": "not-ready-before-load",
    "liveness-fails-while-loading": "liveness-while-loading",
    "ignores-cancellation": "cancel-stops-work",
    "exits-at-once": "sigterm-drain",
    "refuses-while-draining": "sigterm-drain",
    "stays-ready-on-sigterm": "sigterm-unready",
    "fetches-at-startup": "no-network",
}
NETNS = not isinstance(namespace_prefix(), str)


def conform_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["conform", *FAST, *LONG, "--json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


def statuses(report: dict[str, object]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined, index]


def _processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_a_correct_server_passes_every_check_and_prints_a_valid_startup_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag = f"conform-test-{uuid.uuid4().hex}"
    code, report = conform_json(capsys, "--starts", "5", "--", *server_command("--tag", tag))
    assert _processes_with(tag) == []  # every start (and the no-network one) was ended
    expected = {check: "pass" for check in CHECKS}
    if not NETNS:
        expected["no-network"] = "skipped"
    assert statuses(report) == expected, report
    assert code == 0
    assert report["passed"] is True
    startups = report["startup_seconds"]
    assert isinstance(startups, list)
    assert len(startups) == 5
    assert all(0.6 <= s < 30 for s in startups)  # the server loads for 0.6 s
    line = report["profile"]
    assert isinstance(line, str)
    profile = eval(line, {"AutoscalerProfile": AutoscalerProfile})  # the line to paste
    assert isinstance(profile, AutoscalerProfile)
    assert profile.startup is not None
    assert profile.startup.spread_seconds is not None
    assert abs(profile.startup.mean_seconds - sum(startups) / 5) < 0.01


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_each_broken_server_fails_exactly_its_check(broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    if BROKEN[broken] == "no-network" and not NETNS:
        pytest.skip(f"no network namespace on this machine: {namespace_prefix()}")
    code, report = conform_json(capsys, "--starts", "1", "--", *server_command("--broken", broken))
    expected = {check: "pass" for check in CHECKS}
    expected[BROKEN[broken]] = "fail"
    if not NETNS:
        expected["no-network"] = "skipped"
    assert statuses(report) == expected, report
    assert code == 1
    assert report["passed"] is False


def test_the_text_report_names_each_check_with_numbers_and_practices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "conform",
            *FAST,
            *LONG,
            "--starts",
            "1",
            "--no-network-check",
            "--",
            *server_command("--broken", "stays-ready-on-sigterm"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("kn-constructs conform: ")
    row = next(line for line in lines if " sigterm-unready " in line)
    assert row.startswith("FAIL")
    assert "readiness still 2xx when the drain ended" in row
    assert "(allowed: one probe period, 2s)" in row
    assert row.endswith("[KN-SHUT-1, KN-PROBE-1]")
    assert "SKIP  no-network" in out
    assert "  AutoscalerProfile.from_startup(mean_seconds=" in out
    assert lines[-1] == "5 passed, 1 failed, 1 skipped"


def test_a_server_started_elsewhere_is_checked_by_url_and_pid(capsys: pytest.CaptureFixture[str]) -> None:
    from kn_constructs.conform.process import free_port

    port = free_port()
    server = subprocess.Popen(
        server_command(),
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code, report = conform_json(capsys, "--url", f"http://127.0.0.1:{port}", "--pid", str(server.pid))
        found = statuses(report)
        assert found["no-network"] == "skipped"
        assert found["sigterm-drain"] == "pass"
        assert found["cancel-stops-work"] == "pass"
        assert found["ready-after-load"] == "pass"
        assert report["startup_seconds"] == []
        assert report["profile"] is None
        assert code == 0
        assert server.wait(timeout=10) == 0  # conform's SIGTERM ended it after the drain
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
