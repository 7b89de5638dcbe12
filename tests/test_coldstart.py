"""Cold start as its phases (kn_constructs.coldstart): the hand-worked cases of docs/coldstart.md."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs import AutoscalerProfile, GpuPlacement, ModelSource, StartupTime
from kn_constructs.coldstart import (
    DEFAULTS,
    ColdStartModel,
    NodeProvisioning,
    model_for_manifest,
    model_for_props,
    region_of_manifest,
)
from kn_constructs.errors import ValidationError
from kn_constructs.inference import InferenceServiceProps
from kn_constructs.sim import Distribution
from tests.helpers import IMAGE, contract_props, synth

# The figures of docs/coldstart.md's worked example, from its arithmetic (16 GiB model, 8 GiB image
# at 0.25 GiB/s not cached, engine 30 s +- 10 s, transfers +- 20 %).
TENSORIZER_MEAN = 32 + 16 / 4 + 30  # 66 s
TENSORIZER_VARIANCE = 6.4**2 + 0.8**2 + 10**2  # 141.6
TENSORIZER_P95 = 85.57  # 66 + 1.645 x 11.8996
TENSORIZER_WINDOW = 172  # ceil(2 x 85.57)
PVC_OTHER_REGION_MEAN = 32 + 16 / 0.125 + 30  # 190 s
PVC_OTHER_REGION_VARIANCE = 6.4**2 + 25.6**2 + 10**2  # 796.32
PVC_OTHER_REGION_P95 = 236.42  # 190 + 1.645 x 28.2191
PVC_OTHER_REGION_WINDOW = 473  # ceil(2 x 236.42)
NODE_TENTH_MEAN = 96.0
NODE_TENTH_VARIANCE = 141.6 + 0.1 * 60**2 + 0.1 * 0.9 * 300**2  # 8601.6
NODE_TENTH_P95 = 248.57


def test_tensorizer_in_region_matches_the_worked_example() -> None:
    estimate = ColdStartModel(weights="tensorizer", model_size_gib=16).estimate()
    assert [p.name for p in estimate.phases] == ["node", "image", "weights", "engine"]
    assert estimate.derived_mean_seconds == pytest.approx(TENSORIZER_MEAN)
    assert estimate.derived_spread_seconds == pytest.approx(math.sqrt(TENSORIZER_VARIANCE))
    assert estimate.p95_seconds == pytest.approx(TENSORIZER_P95, abs=0.005)
    assert estimate.profile().window_seconds == TENSORIZER_WINDOW
    startup = estimate.startup_time()
    assert startup.mean_seconds == pytest.approx(TENSORIZER_MEAN)
    assert startup.spread_seconds == pytest.approx(math.sqrt(TENSORIZER_VARIANCE))
    assert startup.p95_seconds is None


def test_pvc_in_another_region_matches_the_worked_example() -> None:
    estimate = ColdStartModel(weights="pvc", model_size_gib=16, weights_in_other_region=True).estimate()
    weights = estimate.phases[2]
    assert weights.mean_seconds == pytest.approx(128.0)
    assert "another region" in weights.detail
    assert estimate.derived_mean_seconds == pytest.approx(PVC_OTHER_REGION_MEAN)
    assert estimate.derived_spread_seconds == pytest.approx(math.sqrt(PVC_OTHER_REGION_VARIANCE))
    assert estimate.p95_seconds == pytest.approx(PVC_OTHER_REGION_P95, abs=0.005)
    assert estimate.profile().window_seconds == PVC_OTHER_REGION_WINDOW


def test_an_occasional_new_node_adds_its_mixture_moments() -> None:
    model = ColdStartModel(
        weights="tensorizer",
        model_size_gib=16,
        gpu_class="A40",
        node_provisioning={"A40": NodeProvisioning(0.1, Distribution.lognormal(300, 60))},
    )
    estimate = model.estimate()
    assert estimate.phases[0].contribution_mean_seconds == pytest.approx(30.0)
    assert estimate.derived_mean_seconds == pytest.approx(NODE_TENTH_MEAN)
    assert estimate.derived_spread_seconds**2 == pytest.approx(NODE_TENTH_VARIANCE)
    assert estimate.p95_seconds == pytest.approx(NODE_TENTH_P95, abs=0.005)
    # another class falls back to default_node (never)
    other = ColdStartModel(model_size_gib=16, gpu_class="H100", node_provisioning=model.node_provisioning)
    assert other.estimate().derived_mean_seconds == pytest.approx(TENSORIZER_MEAN)


def test_sampled_distribution_keeps_the_mean_and_the_rare_node() -> None:
    model = ColdStartModel(model_size_gib=16, default_node=NodeProvisioning(0.1))
    sampled = model.estimate().distribution(samples=4000, seed=3)
    assert sampled.kind == "empirical"
    assert sampled.mean_seconds == pytest.approx(NODE_TENTH_MEAN, rel=0.06)
    slow = sum(1 for v in sampled.samples if v > 200) / len(sampled.samples)
    assert 0.07 < slow < 0.13  # about one start in ten waits for a node
    assert model.estimate().distribution(samples=50, seed=3) == model.estimate().distribution(
        samples=50, seed=3
    )
    lognormal = model.estimate().distribution()
    assert lognormal.kind == "lognormal"
    assert lognormal.mean_seconds == pytest.approx(NODE_TENTH_MEAN)


def test_measured_startup_overrides_the_derived_total() -> None:
    measured = StartupTime(20, p95_seconds=30)
    estimate = ColdStartModel(model_size_gib=16, measured=measured).estimate()
    assert estimate.startup_time() is measured
    assert estimate.mean_seconds == 20
    assert estimate.derived_mean_seconds == pytest.approx(TENSORIZER_MEAN)  # the breakdown stays
    assert estimate.distribution() == Distribution.from_startup(measured)
    assert any("measured startup overrides" in line for line in estimate.breakdown())


def test_unknown_size_uses_the_documented_default() -> None:
    estimate = ColdStartModel().estimate()
    size = DEFAULTS["model_size_gib"][0]
    assert estimate.phases[2].mean_seconds == pytest.approx(size / DEFAULTS["tensorizer_gib_per_second"][0])
    assert "size assumed" in estimate.phases[2].detail


def test_every_default_names_its_source() -> None:
    for name, (value, _unit, source) in DEFAULTS.items():
        assert math.isfinite(value) and value >= 0, name
        assert source.startswith("assumption") or "tensorizer" in source, name


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"model_size_gib": 0.0}, "coldstart.model_size_gib"),
        ({"weight_gib_per_second": -1.0}, "coldstart.weight_gib_per_second"),
        ({"registry_gib_per_second": 0.0}, "coldstart.registry_gib_per_second"),
        ({"image_cached_probability": 1.5}, "coldstart.image_cached_probability"),
        ({"image_size_gib": -0.5}, "coldstart.image_size_gib"),
        ({"transfer_spread_fraction": -0.1}, "coldstart.transfer_spread_fraction"),
        ({"engine": Distribution.fixed(-3)}, "coldstart.engine.mean_seconds"),
        ({"default_node": NodeProvisioning(probability=-0.2)}, "coldstart.default_node.probability"),
        ({"measured": StartupTime(-1)}, "coldstart.measured.mean_seconds"),
    ],
)
def test_out_of_range_inputs_are_refused(kwargs: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationError) as info:
        ColdStartModel(**kwargs).estimate()
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-AS-2", path)]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"model_size_gib": math.nan}, "model_size_gib"),
        ({"model_size_gib": "16"}, "model_size_gib"),
        ({"weights": "s3"}, "weights"),
        ({"engine": 30}, "engine"),
        ({"node_provisioning": {"A40": 0.5}}, "node_provisioning.A40"),
    ],
)
def test_wrong_types_are_refused_at_the_boundary(kwargs: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationError) as info:
        ColdStartModel(**kwargs)
    assert [(p.code, p.path) for p in info.value.problems] == [("KNC-TYPE", path)]


_rates = st.floats(min_value=0.01, max_value=100, allow_nan=False)
_sizes = st.floats(min_value=0.01, max_value=2000, allow_nan=False)
_chances = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _phase(model: ColdStartModel, name: str) -> float:
    return next(p for p in model.estimate().phases if p.name == name).contribution_mean_seconds


@settings(max_examples=60, deadline=None)
@given(size=_sizes, bigger=_sizes, rate=_rates, faster=_rates)
def test_weight_load_is_monotone_in_size_and_bandwidth(
    size: float, bigger: float, rate: float, faster: float
) -> None:
    small, large = sorted((size, bigger))
    slow, fast = sorted((rate, faster))
    base = ColdStartModel(model_size_gib=small, weight_gib_per_second=slow)
    assert _phase(base, "weights") <= _phase(
        ColdStartModel(model_size_gib=large, weight_gib_per_second=slow), "weights"
    )
    assert _phase(base, "weights") >= _phase(
        ColdStartModel(model_size_gib=small, weight_gib_per_second=fast), "weights"
    )
    far = ColdStartModel(model_size_gib=small, weight_gib_per_second=slow, weights_in_other_region=True)
    assert _phase(far, "weights") >= _phase(base, "weights")


@settings(max_examples=60, deadline=None)
@given(size=_sizes, bigger=_sizes, rate=_rates, faster=_rates, cached=_chances, more=_chances)
def test_image_pull_is_monotone(
    size: float, bigger: float, rate: float, faster: float, cached: float, more: float
) -> None:
    small, large = sorted((size, bigger))
    slow, fast = sorted((rate, faster))
    less_cached, more_cached = sorted((cached, more))
    base = ColdStartModel(
        image_size_gib=small, registry_gib_per_second=slow, image_cached_probability=less_cached
    )
    image = _phase(base, "image")
    assert image <= _phase(
        ColdStartModel(
            image_size_gib=large, registry_gib_per_second=slow, image_cached_probability=less_cached
        ),
        "image",
    )
    assert image >= _phase(
        ColdStartModel(
            image_size_gib=small, registry_gib_per_second=fast, image_cached_probability=less_cached
        ),
        "image",
    )
    assert image >= _phase(
        ColdStartModel(
            image_size_gib=small, registry_gib_per_second=slow, image_cached_probability=more_cached
        ),
        "image",
    )


@settings(max_examples=60, deadline=None)
@given(p=_chances, q=_chances, mean=st.floats(1, 3600), longer=st.floats(1, 3600))
def test_node_provisioning_is_monotone(p: float, q: float, mean: float, longer: float) -> None:
    low, high = sorted((p, q))
    short, long = sorted((mean, longer))

    def node(chance: float, seconds: float) -> float:
        return _phase(
            ColdStartModel(default_node=NodeProvisioning(chance, Distribution.lognormal(seconds, 1))), "node"
        )

    assert node(low, short) <= node(high, short)
    assert node(low, short) <= node(low, long)


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(0.5, 600), longer=st.floats(0.5, 600))
def test_engine_start_is_monotone_and_the_total_follows(mean: float, longer: float) -> None:
    short, long = sorted((mean, longer))
    a = ColdStartModel(engine=Distribution.lognormal(short, 1)).estimate()
    b = ColdStartModel(engine=Distribution.lognormal(long, 1)).estimate()
    assert a.phases[3].contribution_mean_seconds <= b.phases[3].contribution_mean_seconds
    assert a.derived_mean_seconds <= b.derived_mean_seconds


def test_model_source_size_is_checked_and_not_rendered(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        ModelSource.tensorizer("s3://models/m.tensors", size_gib=math.inf)
    assert [(p.code, p.path) for p in info.value.problems] == [("KNC-TYPE", "size_gib")]
    assert [(p.code, p.path) for p in ModelSource.pvc("weights", size_gib=0.0).problems()] == [
        ("KN-MODEL-1", "model.size_gib")
    ]

    from kn_constructs import GpuInferenceService

    def build(size: float | None) -> Any:
        def make(chart: Any) -> None:
            source = ModelSource.tensorizer("s3://models/llama-3-8b/model.tensors", size_gib=size)
            GpuInferenceService(chart, "llama", **contract_props(model=source))

        return make

    with_size, _ = synth(tmp_path / "a", build(16.0))
    without, _ = synth(tmp_path / "b", build(None))
    assert with_size == without


def test_service_startup_estimate_reads_source_placement_and_profile(tmp_path: Path) -> None:
    from cdk8s import App, Chart

    from kn_constructs import GpuInferenceService

    chart = Chart(App(outdir=str(tmp_path)), "c")
    source = ModelSource.pvc("weights", region="ORD1", size_gib=16)
    props = contract_props(
        model=source,
        gpu=GpuPlacement(classes=["A40"], regions=["LGA1"]),
        autoscaling=AutoscalerProfile(),
        cluster=contract_props()["cluster"].with_features(
            {"kubernetes.podspec-persistent-volume-claim": "enabled"}
        ),
        # the weights in ORD1, the pods in LGA1: the construct warns, the estimate prices it
        acknowledge=["KN-SCALE-1", "KN-MODEL-3", "KN-AS-2"],
    )
    service = GpuInferenceService(chart, "llama", **props)
    estimate = service.startup_estimate
    assert estimate.derived_mean_seconds == pytest.approx(PVC_OTHER_REGION_MEAN)
    assert estimate.measured is None
    # a measured startup on the profile wins
    measured = GpuInferenceService(chart, "measured", **contract_props())
    assert measured.startup_estimate.startup_time() == StartupTime(20)


def test_model_for_props_same_region_and_overrides() -> None:
    props = InferenceServiceProps(
        name="m",
        image=IMAGE,
        model=ModelSource.tensorizer("s3://models/m.tensors", region="LGA1", size_gib=16),
        gpu=GpuPlacement(classes=["A40"], regions=["LGA1", "ORD1"]),
        longest_request_seconds=10,
    )
    model = model_for_props(props)
    assert (model.weights, model.gpu_class, model.weights_in_other_region) == ("tensorizer", "A40", False)
    assert model.estimate().derived_mean_seconds == pytest.approx(TENSORIZER_MEAN)
    cached = model_for_props(props, image_cached_probability=1.0)
    assert cached.estimate().derived_mean_seconds == pytest.approx(TENSORIZER_MEAN - 32)


def test_model_for_manifest_reads_env_class_and_region() -> None:
    manifest = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"image": IMAGE, "env": [{"name": "MODEL_SOURCE", "value": "pvc"}]}],
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchExpressions": [
                                            {
                                                "key": "gpu.nvidia.com/class",
                                                "operator": "In",
                                                "values": ["A40"],
                                            }
                                        ]
                                    }
                                ]
                            },
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "weight": 10,
                                    "preference": {
                                        "matchExpressions": [
                                            {
                                                "key": "topology.kubernetes.io/region",
                                                "operator": "In",
                                                "values": ["ORD1"],
                                            }
                                        ]
                                    },
                                },
                                {
                                    "weight": 20,
                                    "preference": {
                                        "matchExpressions": [
                                            {
                                                "key": "topology.kubernetes.io/region",
                                                "operator": "In",
                                                "values": ["LGA1"],
                                            }
                                        ]
                                    },
                                },
                            ],
                        }
                    },
                }
            }
        },
    }
    assert region_of_manifest(manifest) == "LGA1"
    model = model_for_manifest(manifest, source_region="ORD1", model_size_gib=16)
    assert (model.weights, model.gpu_class, model.weights_in_other_region) == ("pvc", "A40", True)
    assert model.estimate().derived_mean_seconds == pytest.approx(PVC_OTHER_REGION_MEAN)
    assert model_for_manifest({"kind": "Service"}).weights == "tensorizer"


def test_explain_prints_the_breakdown_from_a_yaml_service() -> None:
    from kn_constructs.lint.explain import explain_documents, render_markdown

    manifest = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "handmade"},
        "spec": {
            "template": {
                "spec": {"containers": [{"image": IMAGE, "env": [{"name": "MODEL_SOURCE", "value": "pvc"}]}]}
            }
        },
    }
    (explained,) = explain_documents([("x.yaml", manifest)])
    assert explained.coldstart is not None
    # a PVC in the pods' region (nothing says otherwise), 16 GiB assumed: 32 + 16 / 0.5 + 30 = 94 s
    assert explained.coldstart.derived_mean_seconds == pytest.approx(94.0)
    report = render_markdown([explained])
    assert "### Cold start, estimated" in report
    assert "MODEL_SOURCE `pvc`" in report
    assert (
        "| weights | 1 | 32.0 s | 6.4 s | 32.0 s | 16 GiB (size assumed) / 0.5 GiB/s (pvc, same region) |"
        in report
    )
    assert "| **total** | | **94.0 s** |" in report


@pytest.mark.parametrize(
    "pod",
    [
        {"containers": 5},
        {"containers": [{"env": "MODEL_SOURCE=pvc"}]},
        {"containers": [None], "affinity": {"nodeAffinity": []}},
        {
            "affinity": {
                "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": 3}}
            }
        },
    ],
)
def test_model_for_manifest_survives_malformed_manifests(pod: dict[str, Any]) -> None:
    manifest = {"kind": "Service", "spec": {"template": {"spec": pod}}}
    assert model_for_manifest(manifest).estimate().derived_mean_seconds == pytest.approx(32 + 16 / 4 + 30)
