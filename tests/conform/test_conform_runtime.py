"""conform meets the runtime: the example server on kn_serve and kn-serve in front of an engine.

Both run as real processes, probed over real HTTP with real signals, and must pass every check
(``no-network`` is skipped, with its reason, only where the machine allows no network namespace).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from kn_constructs.cli import main
from kn_constructs.conform import CHECKS
from kn_constructs.conform.netns import namespace_prefix
from kn_constructs.conform.process import free_port
from kn_constructs.inference import OFFLINE_ENV, RUNTIME_ENV, InferenceServiceProps
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile
from tests.conform.helpers import FAST

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "model_server"
FAKE_ENGINE = ROOT / "tests" / "runtime" / "fake_engine.py"


def _all_pass() -> dict[str, str]:
    expected = {check: "pass" for check in CHECKS}
    if isinstance(namespace_prefix(), str):
        expected["no-network"] = "skipped"
    return expected


def _conform(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["conform", *FAST, "--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_runtime_constants_are_the_constructs_defaults() -> None:
    import kn_serve
    from kn_serve import settings

    probes = Probes()
    assert probes.readiness_path == kn_serve.DEFAULT_READY_PATH
    assert probes.liveness_path == kn_serve.DEFAULT_LIVE_PATH
    assert kn_serve.DEFAULT_PORT == InferenceServiceProps.__dataclass_fields__["port"].default == 8080
    assert tuple(kn_serve.OFFLINE_ENV) == OFFLINE_ENV
    read = {
        settings.ENV_TIMEOUT,
        settings.ENV_LONGEST_REQUEST,
        settings.ENV_BATCH_SIZE,
        settings.ENV_BATCH_MAX_WAIT,
    }
    assert read == set(RUNTIME_ENV)


def test_the_runtime_reads_what_the_construct_writes() -> None:
    from kn_constructs import Batching
    from kn_serve import Settings
    from tests.conform.test_construct_meets_runtime import _container, _props

    container = _container(
        _props(longest_request_seconds=20, batching=Batching.fixed(4, max_wait_seconds=0.5))
    )
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    read = Settings.from_env({**env, "PORT": str(container["ports"][0]["containerPort"])})
    assert read.timeout_seconds == 24
    assert read.longest_request_seconds == 20
    assert read.batch_size == 4
    assert read.batch_max_wait_seconds == 0.5
    assert read.port == 8080
    assert read.model_uri == "s3://models/llama/model.tensors"


@pytest.mark.slow
def test_the_example_server_passes_every_check_with_the_default_requests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # conform's default requests are the example's (60 tokens for the long one): 0.02 s a token.
    code, report = _conform(
        capsys,
        "--starts",
        "2",
        "--env",
        "EXAMPLE_LOAD_SECONDS=0.5",
        "--env",
        "EXAMPLE_TOKEN_SECONDS=0.02",
        "--",
        sys.executable,
        str(EXAMPLE / "server.py"),
    )
    found = {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined, index]
    assert found == _all_pass(), report
    assert code == 0
    profile = eval(str(report["profile"]), {"AutoscalerProfile": AutoscalerProfile})
    assert isinstance(profile, AutoscalerProfile)


@pytest.mark.slow
def test_kn_serve_in_front_of_the_fake_engine_passes_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    engine_port = free_port()
    completion = '{"model": "fake-model", "prompt": "x", "max_tokens": %d}'
    code, report = _conform(
        capsys,
        "--starts",
        "1",
        "--request",
        "POST",
        "/v1/completions",
        completion % 2,
        "--long-request",
        "POST",
        "/v1/completions",
        completion % 60,
        "--",
        sys.executable,
        "-m",
        "kn_serve.cli",
        "--engine-port",
        str(engine_port),
        "--",
        sys.executable,
        str(FAKE_ENGINE),
        "--port",
        str(engine_port),
        "--start-seconds",
        "0.5",
        "--token-seconds",
        "0.02",
    )
    found = {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined, index]
    assert found == _all_pass(), report
    assert code == 0


def test_the_dockerfile_keeps_weights_out_of_the_image() -> None:
    dockerfile = (EXAMPLE / "Dockerfile").read_text()
    steps = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    copies = [line.split()[1:] for line in steps if line.startswith("COPY")]
    from_context = [parts[:-1] for parts in copies if not parts[0].startswith("--from")]
    from_stage = [parts for parts in copies if parts[0].startswith("--from")]
    # From the build context: the runtime and the server only; from the build stage: its wheels.
    assert from_context == [["runtime/"], ["examples/model_server/server.py"]]
    assert from_stage == [["--from=wheels", "/wheels", "/wheels"]]
    assert not re.search(r"\b(wget|curl|huggingface-cli|snapshot_download)\b", dockerfile)
    assert "kn-constructs" not in dockerfile.replace("kn_constructs", "")  # no cdk8s, jsii or Node
    cmd = next(line for line in steps if line.startswith("CMD"))
    assert json.loads(cmd.removeprefix("CMD").strip()) == ["python", "/app/server.py"]  # exec form: PID 1
    ignore = (EXAMPLE / "Dockerfile.dockerignore").read_text().split()
    assert [line for line in ignore if not line.startswith("#") and line in {"**", "!runtime/"}] == [
        "**",
        "!runtime/",
    ]
