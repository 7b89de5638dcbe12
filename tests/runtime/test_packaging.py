"""kn-serve is its own distribution: no cdk8s, jsii, constructs or Node, and no kn_constructs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("cdk8s", "jsii", "constructs", "nodejs", "node")


def _forbidden(name: str) -> bool:
    name = name.lower().replace("_", "-")
    return any(name == f or name.startswith(f + "-") for f in FORBIDDEN) or name.startswith("kn-constructs")


def test_importing_every_runtime_module_pulls_no_construct_code() -> None:
    code = (
        "import sys, kn_serve, kn_serve.cli, kn_serve.adapter, kn_serve.loader, kn_serve.batching;"
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    roots = json.loads(out.stdout.replace("'", '"'))
    assert "kn_serve" in roots
    assert [r for r in roots if r in ("kn_constructs", "cdk8s", "jsii", "constructs", "cdk8s_plus_27")] == []


def test_the_distribution_declares_only_its_http_stack_and_boto3_for_s3() -> None:
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    declared = [Requirement(r) for r in requires("kn-serve") or []]
    plain = sorted(r.name for r in declared if r.marker is None)
    s3 = sorted(r.name for r in declared if r.marker is not None and r.marker.evaluate({"extra": "s3"}))
    assert plain == ["httpx", "starlette", "uvicorn"]
    assert s3 == ["boto3"]


@pytest.mark.slow
def test_a_fresh_venv_install_pulls_no_cdk8s_jsii_constructs_or_node(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run(
        [
            *pip,
            "install",
            "--quiet",
            "--no-compile",
            "--disable-pip-version-check",
            str(ROOT / "runtime"),
        ],
        check=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )
    listed = subprocess.run(
        [*pip, "list", "--format=json", "--disable-pip-version-check"],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"kn-serve", "starlette", "uvicorn", "httpx"} <= names
    assert sorted(n for n in names if _forbidden(n)) == []
    # The console script runs from the fresh venv, outside this repository.
    helped = subprocess.run(
        [str(venv / "bin" / "kn-serve"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert helped.returncode == 0
    assert "ENGINE_COMMAND" in helped.stdout
