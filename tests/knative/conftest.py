"""Shared fixtures for the Knative layer tests: the GPU service from the brief, helpers."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import yaml

from kn_constructs.errors import Problem

GPU_SERVICE_YAML = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: llama, namespace: models, labels: {app.kubernetes.io/name: llama}}
spec:
  template:
    metadata:
      labels: {app.kubernetes.io/name: llama}
      annotations:
        autoscaling.knative.dev/class: kpa.autoscaling.knative.dev
        autoscaling.knative.dev/metric: concurrency
        autoscaling.knative.dev/target: "8"
        autoscaling.knative.dev/target-utilization-percentage: "90"
        autoscaling.knative.dev/window: 40s
        autoscaling.knative.dev/panic-window-percentage: "50"
        autoscaling.knative.dev/panic-threshold-percentage: "200"
        autoscaling.knative.dev/min-scale: "0"
        autoscaling.knative.dev/max-scale: "3"
        serving.knative.dev/progress-deadline: 600s
    spec:
      containerConcurrency: 8
      timeoutSeconds: 12
      containers:
        - name: model-server
          image: registry.example.com/llm-server@sha256:{digest}
          ports: [{containerPort: 8080, name: http1}]
          env:
            - {name: HF_HUB_OFFLINE, value: "1"}
            - name: AWS_ACCESS_KEY_ID
              valueFrom: {secretKeyRef: {name: s3-credentials, key: access_key}}
          resources:
            limits: {nvidia.com/gpu: 1, memory: 32Gi}
            requests: {cpu: "4", memory: 32Gi}
          readinessProbe:
            httpGet: {path: /health/ready, port: 8080}
            periodSeconds: 2
            failureThreshold: 3
            timeoutSeconds: 1
          livenessProbe:
            httpGet: {path: /health/live, port: 8080}
            periodSeconds: 10
            failureThreshold: 6
            timeoutSeconds: 5
          startupProbe:
            httpGet: {path: /health/ready, port: 8080}
            periodSeconds: 5
            failureThreshold: 60
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: gpu.nvidia.com/class, operator: In, values: [A40, RTX_A5000]}
"""

_GPU_SERVICE: dict[str, Any] = yaml.safe_load(GPU_SERVICE_YAML.replace("{digest}", "a" * 64))


@pytest.fixture
def gpu_service() -> dict[str, Any]:
    """A fresh copy of the GPU service from the brief (valid once affinity is enabled)."""
    return copy.deepcopy(_GPU_SERVICE)


@pytest.fixture
def gpu_spec(gpu_service: dict[str, Any]) -> dict[str, Any]:
    """The revision spec of the GPU service."""
    spec: dict[str, Any] = gpu_service["spec"]["template"]["spec"]
    return spec


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The error-level problems."""
    return [p for p in problems if p.severity == "error"]


def only(problems: Iterable[Problem], *, severity: str = "error") -> Problem:
    """The single problem of this severity; fails the test if there are none or several."""
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, "\n".join(str(p) for p in found) or "no problems"
    return found[0]


def minimal_spec(**overrides: Any) -> dict[str, Any]:
    """The smallest valid revision spec: one container with an image and port 8080."""
    spec: dict[str, Any] = {
        "containers": [{"image": "registry.example.com/app:1", "ports": [{"containerPort": 8080}]}]
    }
    spec.update(overrides)
    return spec


SpecFactory = Callable[..., dict[str, Any]]
