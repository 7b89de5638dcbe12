"""A model moving to a new revision on GPUs, one Git commit per stage.

Each stage is what the repository would hold at one point of the rollout; change
``STAGE`` and synthesize (``cdk8s synth`` here, or ``scripts/synth examples/canary``):

1. ``pinned``: all traffic on the reviewed revision ``llama-v1``; the new template is
   created as ``llama-v2`` but gets no traffic, only a ``preview`` URL.
2. ``canary``: 10 % to ``llama-v2`` (tag ``canary``), 90 % stays on ``llama-v1``. The new
   revision starts with ``ceil(1.2 x 10)`` = 12 pods so it can carry the load it may get.
3. ``gradual``: ``llama-v3`` takes over by itself over 20 minutes. It starts at 1 % of the
   traffic, so it needs only ``ceil(1.2 x 10 x 1 %)`` = 1 pod to turn ready, which fits
   the 4 spare GPUs even while ``llama-v2``'s pods keep theirs (KN-ROLL-3).
"""

from cdk8s import App, Chart

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    GpuInferenceService,
    GpuPlacement,
    KnativeClusterConfig,
    ModelSource,
    Traffic,
)

STAGE = "canary"


def build(chart: Chart, stage: str) -> GpuInferenceService:
    """The llama service as it stands at ``stage`` (``pinned``, ``canary`` or ``gradual``)."""
    cluster = KnativeClusterConfig(chart, "knative")
    common = dict(
        image="registry.example.com/llm-server@sha256:" + "c" * 64,
        model=ModelSource.tensorizer(
            "s3://models/llama-3-8b/model.tensors",
            endpoint="https://object.lga1.example.com",
            credentials_secret="s3-credentials",
        ),
        gpu=GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"], count=1),
        batching=Batching.fixed(8),
        longest_request_seconds=10,
        autoscaling=AutoscalerProfile.from_startup(mean_seconds=20),
        min_scale=1,
        max_scale=16,
        cluster=cluster,
        current_pods=10,  # pods serving now: sizes the new revision (KN-SCALE-3)
        spare_gpus=14,  # GPUs free next to the running revision (KN-ROLL-3)
    )
    if stage == "pinned":
        return GpuInferenceService(
            chart,
            "llama",
            **common,
            revision_name="llama-v2",
            traffic=Traffic.pinned("llama-v1", latest_tag="preview"),
        )
    if stage == "canary":
        return GpuInferenceService(
            chart,
            "llama",
            **common,
            revision_name="llama-v2",
            traffic=Traffic.canary(stable_revision="llama-v1", percent=10, tag="canary"),
        )
    if stage == "gradual":
        common["spare_gpus"] = 4
        return GpuInferenceService(
            chart, "llama", **common, revision_name="llama-v3", traffic=Traffic.gradual(20 * 60)
        )
    raise ValueError(f"unknown stage {stage!r}: pinned, canary or gradual")


if __name__ == "__main__":
    app = App()
    build(Chart(app, "canary", namespace="models"), STAGE)
    app.synth()
