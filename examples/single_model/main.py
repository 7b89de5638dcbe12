"""One GPU model as one Knative Service: the quick-start example.

Run with ``cdk8s synth`` in this folder (or ``scripts/synth examples/single_model``
from the repository root); the manifest lands in ``dist/``.
"""

from cdk8s import App, Chart

from kn_constructs import (
                           AutoscalerProfile,
                           Batching,
                           GpuInferenceService,
                           GpuPlacement,
                           KnativeClusterConfig,
                           ModelSource,
)

app = App()
chart = Chart(app, "inference", namespace="models")
# The cluster: writes config-features with the flags the service needs (affinity for the GPU
# placement), so construct and linter check against the same cluster.
cluster = KnativeClusterConfig(chart, "knative")
GpuInferenceService(
    chart, "llama",
    image="registry.example.com/llm-server@sha256:" + "a" * 64,
    model=ModelSource.tensorizer("s3://models/llama-3-8b/model.tensors",
                                 endpoint="https://object.lga1.example.com",
                                 credentials_secret="s3-credentials"),
    gpu=GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"], count=1),
    batching=Batching.fixed(8),          # target 8; containerConcurrency in [8, 16]
    longest_request_seconds=10,          # timeoutSeconds 12
    autoscaling=AutoscalerProfile.from_startup(mean_seconds=20),  # window 40s, panic 50%
    min_scale=0, max_scale=3,
    cluster=cluster,
)
app.synth()
