"""Apps the synthesis tests build on every path (cdk8s old, cdk8s new, Node-free).

Each function imports ``cdk8s`` when called, so the same code runs on whichever ``cdk8s`` the
process has (the real one, or the pure tree under ``KN_CONSTRUCTS_NODE_FREE=1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

IMAGE = "registry.example.com/llm-server@sha256:" + "a" * 64
LAYOUTS = ("FILE_PER_CHART", "FILE_PER_APP", "FILE_PER_RESOURCE", "FOLDER_PER_CHART_FILE_PER_RESOURCE")


def _service_props() -> dict[str, Any]:
    from kn_constructs import AutoscalerProfile, Batching, GpuPlacement, ModelSource

    return {
        "image": IMAGE,
        "model": ModelSource.tensorizer(
            "s3://models/llama/model.tensors",
            endpoint="https://object.lga1.example.com",
            credentials_secret="s3-credentials",
        ),
        "gpu": GpuPlacement(classes=["A40"], regions=["LGA1"], count=1),
        "batching": Batching.fixed(8),
        "longest_request_seconds": 10,
        "autoscaling": AutoscalerProfile.from_startup(mean_seconds=20),
        "min_scale": 1,
        "max_scale": 3,
    }


def build_mixed(app: Any) -> Any:
    """Native cdk8s objects between the library's, a user patch, and a nested chart.

    Tree order of the main chart: ``first`` (native), the cluster ConfigMaps, ``llama`` (a
    service, patched by the user), ``middle`` (native, unnamed: cdk8s generates its name),
    the fleet's two models and its router, ``last`` (native, depending on ``first``, which
    cdk8s therefore writes just before ``last``), and the nested chart ``inner`` (its own
    file; nesting makes cdk8s index the file names).
    """
    from cdk8s import ApiObject, Chart, JsonPatch

    from kn_constructs import GpuInferenceService, KnativeClusterConfig, ModelFleet

    chart = Chart(app, "mixed", namespace="models", labels={"team": "ml"})
    first = ApiObject(chart, "first", api_version="v1", kind="ConfigMap", metadata={"name": "first"})
    first.add_json_patch(JsonPatch.add("/data", {"b": "1", "a": "2", "10": "x", "9": "y"}))
    cluster = KnativeClusterConfig(chart, "knative")
    llama = GpuInferenceService(chart, "llama", cluster=cluster, **_service_props())
    llama.add_json_patch(JsonPatch.add("/spec/template/metadata/labels/extra", "yes"))
    middle = ApiObject(chart, "middle", api_version="v1", kind="ConfigMap")
    middle.add_json_patch(JsonPatch.add("/data", {"k": "v"}))
    fleet = ModelFleet(
        chart,
        "models",
        cluster=cluster,
        image=IMAGE,
        router_image="nginxinc/nginx-unprivileged:1.27-alpine@sha256:" + "c" * 64,
        **{k: v for k, v in _service_props().items() if k not in ("image", "model")},
    )
    for name in ("chat", "embed"):
        fleet.add_model(name, model=_service_props()["model"])
    last = ApiObject(chart, "last", api_version="v1", kind="ConfigMap", metadata={"name": "last"})
    last.add_dependency(first)
    inner = Chart(chart, "inner", namespace="inner")
    GpuInferenceService(inner, "inner-model", cluster=cluster, **_service_props())
    return chart


def build_layouts(outdir: Path) -> None:
    """The mixed app written in each ``YamlOutputType``, into ``outdir/<layout>``."""
    from cdk8s import App, YamlOutputType

    for layout in LAYOUTS:
        app = App(outdir=str(outdir / layout), yaml_output_type=getattr(YamlOutputType, layout))
        build_mixed(app)
        app.synth()
        (outdir / layout / "synth_yaml.txt").write_text(app.synth_yaml(), encoding="utf-8")
