"""Helpers shared by the construct tests: build an app, synthesize, read the YAML back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from cdk8s import App, Chart

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    ClusterSettings,
    GpuPlacement,
    ModelSource,
)

IMAGE = "registry.example.com/llm-server@sha256:" + "a" * 64
#: A cluster whose config-features enables the affinity GPU placement needs (KN-PLACE-3).
AFFINITY_CLUSTER = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})


def contract_props(**overrides: Any) -> dict[str, Any]:
    """The props of the foundation issue's contract example, with overrides."""
    props: dict[str, Any] = {
        "image": IMAGE,
        "model": ModelSource.tensorizer(
            "s3://models/llama-3-8b/model.tensors",
            endpoint="https://object.lga1.example.com",
            credentials_secret="s3-credentials",
        ),
        "gpu": GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"], count=1),
        "batching": Batching.fixed(8),
        "longest_request_seconds": 10,
        "autoscaling": AutoscalerProfile.from_startup(mean_seconds=20),
        "min_scale": 0,
        "max_scale": 3,
        "cluster": AFFINITY_CLUSTER,
        # Scale to zero with a 20 s startup against timeoutSeconds 12 (KN-SCALE-1): the tests that
        # are about it override this.
        "acknowledge": ["KN-SCALE-1"],
    }
    props.update(overrides)
    return props


def synth(
    outdir: Path, build: Callable[[Chart], object], *, namespace: str = "models"
) -> tuple[str, list[dict[str, Any]]]:
    """Build a one-chart app with ``build``, synthesize it into ``outdir``.

    Returns the YAML text cdk8s wrote and the parsed documents.
    """
    app = App(outdir=str(outdir))
    chart = Chart(app, "inference", namespace=namespace)
    build(chart)
    app.synth()
    files = sorted(outdir.glob("*.yaml"))
    text = "".join(f.read_text() for f in files)
    return text, [doc for doc in yaml.safe_load_all(text) if doc]


def template_annotations(service: dict[str, Any]) -> dict[str, str]:
    """The revision template's annotations of a Knative Service."""
    return service["spec"]["template"]["metadata"]["annotations"]


def container(service: dict[str, Any]) -> dict[str, Any]:
    """The serving container of a Knative Service."""
    return service["spec"]["template"]["spec"]["containers"][0]
