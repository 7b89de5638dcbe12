"""Configuration, Route and Revision: the other Knative Serving kinds check_manifest knows."""

from __future__ import annotations

import copy
from typing import Any

from kn_constructs.knative import (
    ClusterSettings,
    check_configuration,
    check_manifest,
    check_revision,
    check_route,
)

AFFINITY_ON = ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"})


def configuration_from(service: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(service)
    doc["kind"] = "Configuration"
    doc["spec"].pop("traffic", None)
    return doc


def revision_from(service: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(service["spec"]["template"])
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Revision",
        "metadata": {"name": "llama-00001", **template["metadata"]},
        "spec": template["spec"],
    }


def codes_at(problems: list[Any]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in problems if p.severity == "error"}


def test_gpu_configuration_is_valid_and_dispatched(gpu_service: dict[str, Any]) -> None:
    doc = configuration_from(gpu_service)
    assert check_configuration(doc, settings=AFFINITY_ON) == []
    assert check_manifest(doc, settings=AFFINITY_ON) == []
    # The same gating as a Service: affinity needs the flag.
    assert ("KNATIVE-FEATURE-FLAG", "spec.template.spec.affinity") in codes_at(check_manifest(doc))


def test_configuration_has_no_traffic_and_no_autoscaling_annotations_on_metadata(
    gpu_service: dict[str, Any],
) -> None:
    doc = configuration_from(gpu_service)
    doc["spec"]["traffic"] = [{"latestRevision": True, "percent": 100}]
    doc["metadata"]["annotations"] = {"autoscaling.knative.dev/min-scale": "1"}
    got = codes_at(check_configuration(doc, settings=AFFINITY_ON))
    assert ("KNATIVE-SCHEMA", "spec.traffic") in got
    assert ("KNATIVE-ANNOTATION-LOCATION", "metadata.annotations.autoscaling.knative.dev/min-scale") in got


def test_route_may_name_configurations_and_must_sum_to_100() -> None:
    route = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": {"name": "llama"},
        "spec": {
            "traffic": [
                {"configurationName": "llama", "latestRevision": True, "percent": 90},
                {"revisionName": "llama-00001", "percent": 10, "tag": "old"},
            ]
        },
    }
    assert check_route(route) == []
    assert check_manifest(route) == []
    route["spec"]["traffic"][1]["percent"] = 5
    (problem,) = [p for p in check_route(route) if p.severity == "error"]
    assert problem.code == "KNATIVE-TRAFFIC" and problem.path == "spec.traffic"
    assert "95" in problem.message and "100" in problem.message


def test_route_has_no_template() -> None:
    route = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": {"name": "llama"},
        "spec": {"template": {}, "traffic": [{"configurationName": "llama", "percent": 100}]},
    }
    assert ("KNATIVE-SCHEMA", "spec.template") in codes_at(check_route(route))


def test_revision_carries_autoscaling_annotations_on_its_own_metadata(gpu_service: dict[str, Any]) -> None:
    doc = revision_from(gpu_service)
    assert check_revision(doc, settings=AFFINITY_ON) == []
    assert check_manifest(doc, settings=AFFINITY_ON) == []
    doc["metadata"]["annotations"]["autoscaling.knative.dev/window"] = "5s"
    doc["spec"]["containerConcurrency"] = -1
    got = codes_at(check_revision(doc, settings=AFFINITY_ON))
    assert ("KNATIVE-ANNOTATION-VALUE", "metadata.annotations.autoscaling.knative.dev/window") in got
    assert any(
        code == "KNATIVE-CONTAINER-CONCURRENCY" and path == "spec.containerConcurrency" for code, path in got
    )


def test_other_kinds_outside_knative_serving_are_not_checked() -> None:
    assert check_manifest({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}) == []
    assert check_manifest({"apiVersion": "serving.knative.dev/v1", "kind": "DomainMapping"}) == []
