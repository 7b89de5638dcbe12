"""GpuInferenceService fits the runtime with no configuration: probe paths, port and the env it reads.

Planned through the pure planner (what the construct renders), so no cdk8s or Node is needed.
"""

from __future__ import annotations

from typing import Any

import pytest

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    ClusterSettings,
    GpuPlacement,
    ModelSource,
    SecretKeyRef,
)
from kn_constructs.inference import RUNTIME_ENV, InferenceServiceProps, plan_inference_service


def _props(**overrides: Any) -> InferenceServiceProps:
    fields: dict[str, Any] = {
        "name": "llama",
        "image": "registry.example.com/llm-server@sha256:" + "a" * 64,
        "model": ModelSource.tensorizer(
            "s3://models/llama/model.tensors",
            endpoint="https://object.lga1.example.com",
            credentials_secret="s3-credentials",
        ),
        "gpu": GpuPlacement(classes=["A40"], count=1),
        "longest_request_seconds": 10,
        "autoscaling": AutoscalerProfile.from_startup(mean_seconds=20),
        "min_scale": 1,
        "max_scale": 3,
        "cluster": ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"}),
    }
    fields.update(overrides)
    return InferenceServiceProps(**fields)


def _container(props: InferenceServiceProps) -> dict[str, Any]:
    plan = plan_inference_service(props)
    assert plan.errors == []
    assert plan.manifest is not None
    container: dict[str, Any] = plan.manifest["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    return container


def _env(container: dict[str, Any]) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_timeout_and_longest_request_reach_the_runtime() -> None:
    env = _env(_container(_props(longest_request_seconds=2.5)))
    assert env["KN_SERVE_TIMEOUT_SECONDS"] == "3"  # ceil(1.2 x 2.5), the Service's timeoutSeconds
    assert env["KN_SERVE_LONGEST_REQUEST_SECONDS"] == "2.5"
    assert "KN_SERVE_BATCH_SIZE" not in env
    assert "KN_SERVE_BATCH_MAX_WAIT_SECONDS" not in env


def test_timeout_env_is_the_rendered_timeout_seconds() -> None:
    plan = plan_inference_service(_props(longest_request_seconds=50))
    assert plan.manifest is not None
    spec = plan.manifest["spec"]["template"]["spec"]  # type: ignore[index]
    env = _env(spec["containers"][0])
    assert env["KN_SERVE_TIMEOUT_SECONDS"] == str(spec["timeoutSeconds"]) == "60"


def test_fixed_batching_writes_batch_size_and_wait() -> None:
    env = _env(_container(_props(batching=Batching.fixed(8, max_wait_seconds=0.25))))
    assert env["KN_SERVE_BATCH_SIZE"] == "8"
    assert env["KN_SERVE_BATCH_MAX_WAIT_SECONDS"] == "0.25"


def test_in_flight_batching_writes_no_batch_env() -> None:
    env = _env(_container(_props(batching=Batching.in_flight(64))))
    assert "KN_SERVE_BATCH_SIZE" not in env
    assert "KN_SERVE_TIMEOUT_SECONDS" in env


def test_runtime_env_comes_after_the_offline_and_model_env_and_before_the_users() -> None:
    names = [e["name"] for e in _container(_props(env={"LOG_LEVEL": "info"}))["env"]]
    assert names[:3] == ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"]
    assert names.index("MODEL_URI") < names.index("KN_SERVE_TIMEOUT_SECONDS")
    assert names[-1] == "LOG_LEVEL"


@pytest.mark.parametrize(("name", "code"), sorted(RUNTIME_ENV.items()))
def test_user_env_cannot_set_the_runtime_env(name: str, code: str) -> None:
    plan = plan_inference_service(_props(env={name: "5"}))
    found = [(p.code, p.path) for p in plan.errors]
    assert found == [(code, f"llama.env.{name}")]
    assert plan.errors[0].message == f"{name} is set by the library"


def test_a_secret_ref_for_a_runtime_name_is_refused_too() -> None:
    plan = plan_inference_service(_props(env={"KN_SERVE_TIMEOUT_SECONDS": SecretKeyRef("s", "k")}))
    assert [(p.code, p.path) for p in plan.errors] == [("KN-SHUT-2", "llama.env.KN_SERVE_TIMEOUT_SECONDS")]


def test_default_probes_and_port_are_the_runtimes() -> None:
    container = _container(_props())
    assert container["ports"] == [{"containerPort": 8080, "name": "http1"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}
    assert container["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": 8080}
    assert container["startupProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}
