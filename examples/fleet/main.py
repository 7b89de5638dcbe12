"""Three models, one Knative Service each, behind one NGINX router: the fleet example.

The router serves each model by path (``/models/chat/...``) and by the OpenAI API's body
``model`` (``POST /v1/chat/completions`` with ``"model": "llama-3.1-8b-instruct"``), and
lists the public names at ``GET /v1/models``. Run with ``cdk8s synth`` in this folder (or
``scripts/synth examples/fleet`` from the repository root); the manifests land in ``dist/``.
"""

from cdk8s import App, Chart
from kn_constructs import (AutoscalerProfile, Batching, GpuPlacement, KnativeClusterConfig,
                           ModelFleet, ModelSource)

def weights(name):
    return ModelSource.tensorizer(f"s3://models/{name}/model.tensors",
                                  endpoint="https://object.lga1.example.com",
                                  credentials_secret="s3-credentials")

app = App()
chart = Chart(app, "fleet", namespace="models")
cluster = KnativeClusterConfig(chart, "knative")
fleet = ModelFleet(chart, "models", cluster=cluster, gpu_budget=16,
                   image="registry.example.com/llm-server@sha256:" + "b" * 64,
                   gpu=GpuPlacement(classes=["A100_PCIE_80GB", "A40"], regions=["LGA1"], count=1))
# OpenAI clients may say "chat" or "llama-3.1-8b-instruct"; vLLM serves it under its HF id.
fleet.add_model("chat", model=weights("chat"), batching=Batching.in_flight(max_sequences=64),
                model_names=["chat", "llama-3.1-8b-instruct"],
                engine_model="meta-llama/Llama-3.1-8B-Instruct",
                longest_request_seconds=60,
                autoscaling=AutoscalerProfile.from_startup(mean_seconds=45), max_scale=8)
fleet.add_model("embed", model=weights("embed"), batching=Batching.fixed(32),
                model_names=["embed", "bge-m3"], engine_model="BAAI/bge-m3",
                longest_request_seconds=2,
                autoscaling=AutoscalerProfile.from_startup(mean_seconds=15), max_scale=4)
fleet.add_model("rare", model=weights("rare"), longest_request_seconds=20,
                autoscaling=AutoscalerProfile.from_startup(mean_seconds=30), max_scale=2)
app.synth()
