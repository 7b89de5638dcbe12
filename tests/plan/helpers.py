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
                                            {
                                                "key": "gpu.nvidia.com/class",
                                                "operator": "In",
                                                "values": [gpu_class],
                                            },
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


def figures_by_hand(trace: Any, manifest: dict[str, Any], startup: Any, seed: int) -> dict[str, float | None]:
    """A policy's per-day figures from one direct run of the single-model simulator.

    Written apart from the planner's code: the last hour of the day is replayed first (the
    day starts as it ended), then only the day's own requests and seconds count. A cold start is
    the first request arriving in a second that began with 0 replicas.
    """
    from kn_constructs.sim import simulate
    from kn_constructs.sim.traces import Trace

    arrivals = list(trace.arrival_seconds)
    services = list(trace.service_seconds)
    day = trace.duration_seconds
    warmup = 3600 if day >= 7200 else 0
    tail = [
        (a - (day - warmup), s)
        for a, s in zip(arrivals, services, strict=True)
        if warmup and a >= day - warmup
    ]
    pairs = tail + [(a + warmup, s) for a, s in zip(arrivals, services, strict=True)]
    warm = Trace([a for a, _ in pairs], [s for _, s in pairs], duration_seconds=day + warmup)
    result = simulate(warm, manifest, startup, seed=seed)
    scale = 86400 / day
    replicas = result.timeline.replicas
    first_latencies: list[float] = []
    failed_first = 0
    seen_seconds: set[int] = set()
    day_latencies = []
    for a, latency in zip(result.arrivals, result.latencies, strict=True):
        if not warmup <= a < warmup + day:
            continue
        day_latencies.append(latency)
        second = int(a)
        if second in seen_seconds:
            continue
        seen_seconds.add(second)
        if (second == 0 and result.autoscaling.scaler.min_scale == 0) or (
            second > 0 and replicas[second - 1] == 0
        ):
            if latency < 0:
                failed_first += 1
            else:
                first_latencies.append(latency)
    first_latencies.sort()

    def nearest_rank(values: list[float], q: float) -> float | None:
        if not values:
            return None
        import math

        return values[max(1, math.ceil(q / 100 * len(values))) - 1]

    pods = result.timeline.pods[warmup : warmup + int(day)]
    return {
        "requests_per_day": len(day_latencies) * scale,
        "cold_starts_per_day": (len(first_latencies) + failed_first) * scale,
        "first_request_p50_seconds": nearest_rank(first_latencies, 50),
        "first_request_p99_seconds": nearest_rank(first_latencies, 99),
        "rejected_per_day": sum(1 for v in day_latencies if v < 0) * scale,
        "gpu_hours_per_day": sum(pods) * result.gpus_per_pod / 3600 * scale,
    }
