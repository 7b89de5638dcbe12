"""The library's objects held in Python inside cdk8s apps: order, files, and what users' code sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import ApiObject, App, Chart, JsonPatch

from kn_constructs import GpuInferenceService, KnativeClusterConfig, ValidationError
from kn_constructs._synth import HeldObject
from tests.synth.programs import LAYOUTS, _service_props, build_mixed
from tests.synth.support import synthesize_all

#: (kind, name) of the mixed chart's documents, as cdk8s orders them (``first`` moves next to
#: ``last``, which depends on it).
MIXED_ORDER = [
    ("ConfigMap", "config-autoscaler"),
    ("ConfigMap", "config-features"),
    ("Service", "llama"),
    ("ConfigMap", "mixed-middle-c8693330"),
    ("Service", "chat"),
    ("Service", "embed"),
    ("ConfigMap", "models-router"),
    ("Deployment", "models-router"),
    ("Service", "models-router"),
    ("ConfigMap", "first"),
    ("ConfigMap", "last"),
]


def _names(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(d["kind"], d["metadata"]["name"]) for d in docs]


def _mixed(tmp_path: Path) -> tuple[App, Chart]:
    app = App(outdir=str(tmp_path / "dist"))
    return app, build_mixed(app)


def test_chart_to_json_merges_library_objects_with_native_ones_in_cdk8s_order(tmp_path: Path) -> None:
    _, chart = _mixed(tmp_path)
    docs = chart.to_json()
    assert _names(docs) == MIXED_ORDER
    llama = docs[2]
    assert llama["metadata"]["namespace"] == "models"
    assert llama["metadata"]["labels"]["team"] == "ml"  # the chart's labels
    assert llama["spec"]["template"]["metadata"]["labels"]["extra"] == "yes"  # the user's patch
    # Native, rendered by cdk8s: patched content keeps its order, integer-like keys first (JS).
    assert list(docs[-2]["data"]) == ["9", "10", "b", "a"]


def test_testing_synth_sees_the_library_objects(tmp_path: Path) -> None:
    from cdk8s import Testing as CdkTesting

    _, chart = _mixed(tmp_path)
    assert _names(CdkTesting.synth(chart)) == MIXED_ORDER


def test_app_synth_yaml_equals_the_files_of_every_chart(tmp_path: Path) -> None:
    app, _ = _mixed(tmp_path)
    app.synth()
    files = sorted((tmp_path / "dist").glob("*.k8s.yaml"))
    assert [f.name for f in files] == ["0000-mixed-inner-c89d1566.k8s.yaml", "0001-mixed.k8s.yaml"]
    text = app.synth_yaml()
    assert text == "---\n".join(f.read_text(encoding="utf-8") for f in files)
    assert _names([d for d in yaml.safe_load_all(files[1].read_text()) if d]) == MIXED_ORDER


def test_service_is_a_held_object_not_an_api_object(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "c", namespace="models")
    service = GpuInferenceService(
        chart, "llama", cluster=KnativeClusterConfig(chart, "k"), **_service_props()
    )
    assert isinstance(service, HeldObject)
    assert not isinstance(service, ApiObject)
    assert (service.name, service.kind, service.api_version) == ("llama", "Service", "serving.knative.dev/v1")
    doc = service.to_json()
    assert list(doc["metadata"]) == ["annotations", "labels", "name", "namespace"]  # sorted, as cdk8s
    assert (doc["metadata"]["name"], doc["metadata"]["namespace"]) == ("llama", "models")
    assert doc["spec"] == service.manifest["spec"]
    # ApiObject.of() finds no ApiObject under the service: the change the docs describe.
    with pytest.raises(RuntimeError, match="cannot find a \\(direct or indirect\\) child of type ApiObject"):
        ApiObject.of(service)


def test_user_json_patch_on_a_service_is_applied_by_cdk8s(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "c", namespace="models")
    service = GpuInferenceService(
        chart, "llama", cluster=KnativeClusterConfig(chart, "k"), **_service_props()
    )
    service.add_json_patch(
        JsonPatch.add("/status", {"note": "x"}), JsonPatch.replace("/spec/template/spec/timeoutSeconds", 30)
    )
    doc = service.to_json()
    assert list(doc)[:3] == ["apiVersion", "kind", "metadata"]
    assert doc["status"] == {"note": "x"}
    assert doc["spec"]["template"]["spec"]["timeoutSeconds"] == 30


def test_a_library_error_at_synth_writes_nothing(tmp_path: Path) -> None:
    from kn_constructs import ModelFleet

    app = App(outdir=str(tmp_path / "dist"))
    chart = Chart(app, "c", namespace="models")
    ApiObject(chart, "native", api_version="v1", kind="ConfigMap", metadata={"name": "native"})
    fleet = ModelFleet(
        chart,
        "models",
        gpu_budget=1,
        router=False,
        **{k: v for k, v in _service_props().items() if k != "model"},
    )
    fleet.add_model("chat", model=_service_props()["model"], acknowledge=["KN-PLACE-3"])
    with pytest.raises(ValidationError) as caught:
        app.synth()
    assert {p.code for p in caught.value.problems} >= {"KN-SCALE-2"}
    assert not (tmp_path / "dist").exists()


@pytest.mark.slow
def test_mixed_apps_are_byte_identical_in_every_layout_on_the_three_paths(tmp_path: Path) -> None:
    old = synthesize_all("old", tmp_path / "old", "mixed")
    new = synthesize_all("new", tmp_path / "new", "mixed")
    free = synthesize_all("nodefree", tmp_path / "nodefree", "mixed")
    assert {name.split("/")[0] for name in old} == set(LAYOUTS)
    assert "FILE_PER_RESOURCE/Service.llama.k8s.yaml" in old
    assert "FOLDER_PER_CHART_FILE_PER_RESOURCE/0000-mixed-inner-c89d1566/Service.inner-model.k8s.yaml" in old
    app_docs = [d for d in yaml.safe_load_all(old["FILE_PER_APP/app.k8s.yaml"]) if d]
    assert _names(app_docs)[:1] == [("Service", "inner-model")] and _names(app_docs)[1:] == MIXED_ORDER
    assert new == old
    assert free == old
