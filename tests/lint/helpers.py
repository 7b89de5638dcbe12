"""Shared by the linter tests: a clean GPU Service, mutations, and the installed console script."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.knative.settings import ClusterSettings
from tests.helpers import contract_props

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "lint"
BAD_SERVICE = EXAMPLES / "bad-gpu-service.yaml"
GPU_CLUSTER_FILE = EXAMPLES / "cluster-gpu.yaml"

#: A cluster whose config-features allows the affinity GPU placement needs (KN-PLACE-3).
GPU_CLUSTER = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})

ANN = "spec.template.metadata.annotations"
SPEC = "spec.template.spec"
C0 = f"{SPEC}.containers[0]"


def good_service(**overrides: Any) -> dict[str, Any]:
    """A GPU Service as the constructs plan it (the foundation contract example)."""
    props = contract_props(name="llama", namespace="models", cluster=GPU_CLUSTER)
    props.pop("acknowledge")
    props.update(overrides)
    plan = plan_inference_service(InferenceServiceProps(**props))
    assert plan.manifest is not None, plan.errors
    return copy.deepcopy(plan.manifest)


def annotations(service: dict[str, Any]) -> dict[str, str]:
    """The template annotations of a Service (mutable)."""
    result: dict[str, str] = service["spec"]["template"]["metadata"]["annotations"]
    return result


def pod_spec(service: dict[str, Any]) -> dict[str, Any]:
    """``spec.template.spec`` of a Service (mutable)."""
    result: dict[str, Any] = service["spec"]["template"]["spec"]
    return result


def container(service: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """A container of a Service (mutable)."""
    result: dict[str, Any] = pod_spec(service)["containers"][index]
    return result


def line_containing(text: str, needle: str, *, after: int = 0) -> int:
    """The 1-based number of the first line at or after line ``after`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in the text")


def cli() -> list[str]:
    """The installed ``kn-constructs`` console script of this interpreter's environment."""
    script = shutil.which("kn-constructs", path=os.path.dirname(sys.executable))
    assert script is not None, "kn-constructs is not installed: run scripts/setup (pip install -e .)"
    return [script]


def run(*args: str, input: str | bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``kn-constructs ARGS`` and capture its output as text."""
    data = input.encode() if isinstance(input, str) else input
    result = subprocess.run(
        [*cli(), *args],
        input=data,
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )
