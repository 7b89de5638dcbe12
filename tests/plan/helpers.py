"""Small fleets for the planner's tests: Knative Service dicts, no cdk8s."""

from __future__ import annotations

from typing import Any

import yaml


def service(
    name: str,
    *,
    min_scale: int = 0,
    container_concurrency: int = 10,
    target: int = 10,
    window: str = "60s",
    timeout_seconds: int = 300,
    gpu_class: str = "A40",
    region: str = "LGA1",
    gpus: int = 1,
) -> dict[str, Any]:
    """A Knative Service with the planner's inputs: autoscaling annotations, GPU class and region.

    Target ``target`` at 100 % utilization and ``containerConcurrency`` 10: one request asks for
    one pod, so a cold start starts exactly one pod (the hand-worked break-even cases use it).
    """
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "models"},
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {
                        "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
                        "autoscaling.knative.dev/metric": "concurrency",
                        "autoscaling.knative.dev/target": str(target),
                        "autoscaling.knative.dev/target-utilization-percentage": "100",
                        "autoscaling.knative.dev/window": window,
                        "autoscaling.knative.dev/min-scale": str(min_scale),
                        "autoscaling.knative.dev/max-scale": "4",
                    }
                },
                "spec": {
                    "containerConcurrency": container_concurrency,
                    "timeoutSeconds": timeout_seconds,
                    "containers": [
                        {
                            "name": "model-server",
                            "image": "registry.example.com/server@sha256:" + "a" * 64,
                            "resources": {"limits": {"nvidia.com/gpu": gpus}},
                        }
                    ],
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchExpressions": [
                                            {"key": "gpu.nvidia.com/class", "operator": "In", "values": [gpu_class]},
                                            {
                                                "key": "topology.kubernetes.io/region",
                                                "operator": "In",
                                                "values": [region],
                                            },
                                        ]
                                    }
                                ]
                            }
                        }
                    },
                },
            }
        },
    }


def write_yaml(path: Any, docs: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
