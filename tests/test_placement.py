"""GpuPlacement: GPU classes and regions with fallbacks (KN-PLACE-1, KN-PLACE-2, KN-GPU-1).

Node scores are computed the way the Kubernetes scheduler does for node affinity: the sum
of the weights of the preferred terms whose matchExpressions all match the node's labels.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kn_constructs.gpus import VOCABULARIES
from kn_constructs.placement import AFFINITY_FLAG, GpuPlacement

CLASS = "gpu.nvidia.com/class"
REGION = "topology.kubernetes.io/region"


def contract() -> GpuPlacement:
    return GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"])


def node_affinity(placement: GpuPlacement) -> dict[str, Any]:
    affinity = placement.affinity()
    assert set(affinity) == {"nodeAffinity"}
    return affinity["nodeAffinity"]  # type: ignore[return-value]


def matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    assert expression["operator"] == "In"
    return labels.get(expression["key"]) in expression["values"]


def schedulable(placement: GpuPlacement, labels: Mapping[str, str]) -> bool:
    terms = node_affinity(placement)["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return any(all(matches(e, labels) for e in term["matchExpressions"]) for term in terms)


def score(placement: GpuPlacement, labels: Mapping[str, str]) -> int:
    preferred = node_affinity(placement).get("preferredDuringSchedulingIgnoredDuringExecution", [])
    return sum(
        int(term["weight"])
        for term in preferred
        if all(matches(e, labels) for e in term["preference"]["matchExpressions"])
    )


def node(gpu: str, region: str) -> dict[str, str]:
    return {CLASS: gpu, REGION: region}


# ----------------------------------------------------------------- the contract case


def test_kn_place_1_required_affinity_admits_every_class() -> None:
    required = node_affinity(contract())["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required == {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": CLASS, "operator": "In", "values": ["A40", "RTX_A5000"]}]}
        ]
    }


def test_kn_place_2_each_preferred_term_is_self_contained() -> None:
    preferred = node_affinity(contract())["preferredDuringSchedulingIgnoredDuringExecution"]
    assert len(preferred) == 4
    seen = set()
    for term in preferred:
        assert set(term) == {"weight", "preference"}
        assert isinstance(term["weight"], int)
        assert 1 <= term["weight"] <= 100
        assert set(term["preference"]) == {"matchExpressions"}
        (expression,) = term["preference"]["matchExpressions"]
        assert expression["operator"] == "In"
        (value,) = expression["values"]
        seen.add((expression["key"], value))
    assert seen == {(CLASS, "A40"), (CLASS, "RTX_A5000"), (REGION, "LGA1"), (REGION, "ORD1")}
    weights = [term["weight"] for term in preferred]
    assert weights == sorted(weights, reverse=True)


def test_kn_place_1_better_class_in_worse_region_outscores_worse_class_in_better_region() -> None:
    placement = contract()
    assert score(placement, node("A40", "ORD1")) > score(placement, node("RTX_A5000", "LGA1"))


@pytest.mark.parametrize("gpu", ["A40", "RTX_A5000"])
def test_kn_place_2_first_region_outranks_second_for_the_same_class(gpu: str) -> None:
    placement = contract()
    assert score(placement, node(gpu, "LGA1")) > score(placement, node(gpu, "ORD1"))


def test_kn_place_2_rank_by_region_flips_the_order() -> None:
    placement = GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"], rank_by="region")
    assert score(placement, node("RTX_A5000", "LGA1")) > score(placement, node("A40", "ORD1"))
    assert score(placement, node("A40", "LGA1")) > score(placement, node("RTX_A5000", "LGA1"))


def test_kn_place_1_unlisted_class_is_not_schedulable_listed_ones_are() -> None:
    placement = contract()
    assert schedulable(placement, node("A40", "ORD1"))
    assert schedulable(placement, node("RTX_A5000", "SJC1"))
    assert not schedulable(placement, node("H100_PCIE", "LGA1"))
    assert not schedulable(placement, {REGION: "LGA1"})


def test_kn_place_1_weights_follow_the_documented_rule() -> None:
    class_w, region_w = contract().weights()
    m = 2  # regions: the minor dimension
    assert region_w == [m, m - 1]
    assert class_w == [100, 100 - (m + 1)]


def test_kn_place_2_require_regions_adds_a_region_expression_to_the_same_term() -> None:
    placement = GpuPlacement(classes=["A40"], regions=["LGA1", "ORD1"], require_regions=True)
    (term,) = node_affinity(placement)["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"] == [
        {"key": CLASS, "operator": "In", "values": ["A40"]},
        {"key": REGION, "operator": "In", "values": ["LGA1", "ORD1"]},
    ]
    assert schedulable(placement, node("A40", "ORD1"))
    assert not schedulable(placement, node("A40", "SJC1"))


def test_regions_are_only_preferred_by_default() -> None:
    assert schedulable(contract(), node("A40", "SJC1"))


def test_single_class_without_regions_has_no_preferred_terms() -> None:
    affinity = node_affinity(GpuPlacement(classes=["A40"]))
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in affinity
    assert GpuPlacement(classes=["A40"]).problems() == []


def test_custom_labels_are_used() -> None:
    placement = GpuPlacement(
        classes=["A40", "RTX_A5000"],
        regions=["LGA1"],
        class_label="gpu/type",
        region_label="example.com/region",
    )
    labels = {"gpu/type": "A40", "example.com/region": "LGA1"}
    assert schedulable(placement, labels)
    assert score(placement, labels) == sum(w[0] for w in placement.weights())


def test_defaults() -> None:
    placement = GpuPlacement(classes=["A40"])
    assert placement.count == 1
    assert placement.rank_by == "class"
    assert placement.regions == ()
    assert placement.require_regions is False
    assert placement.resource_name == "nvidia.com/gpu"
    assert placement.class_label == CLASS
    assert placement.region_label == REGION
    assert AFFINITY_FLAG == "kubernetes.podspec-affinity"


def test_sequences_are_frozen_to_tuples() -> None:
    classes = ["A40", "RTX_A5000"]
    placement = GpuPlacement(classes=classes)
    classes.append("H100_PCIE")
    assert placement.classes == ("A40", "RTX_A5000")


# ----------------------------------------------------------------- failure table


@pytest.mark.parametrize(
    ("placement", "code", "path"),
    [
        (GpuPlacement(classes=[]), "KN-PLACE-1", "gpu.classes"),
        (GpuPlacement(classes=["A40", ""]), "KN-PLACE-1", "gpu.classes[1]"),
        (GpuPlacement(classes=["A 40"]), "KN-PLACE-1", "gpu.classes[0]"),
        (GpuPlacement(classes=["-A40"]), "KN-PLACE-1", "gpu.classes[0]"),
        (GpuPlacement(classes=["A40-"]), "KN-PLACE-1", "gpu.classes[0]"),
        (GpuPlacement(classes=["A" * 64], allow_unknown_classes=True), "KN-PLACE-1", "gpu.classes[0]"),
        (GpuPlacement(classes=["A40", "RTX_A5000", "A40"]), "KN-PLACE-1", "gpu.classes[2]"),
        (GpuPlacement(classes=["A40"], regions=["LGA1", "ORD 1"]), "KN-PLACE-2", "gpu.regions[1]"),
        (GpuPlacement(classes=["A40"], regions=["lga1/a"]), "KN-PLACE-2", "gpu.regions[0]"),
        (GpuPlacement(classes=["A40"], regions=["LGA1", "LGA1"]), "KN-PLACE-2", "gpu.regions[1]"),
        (GpuPlacement(classes=["A40"], count=0), "KN-GPU-1", "gpu.count"),
        (GpuPlacement(classes=["A40"], count=17), "KN-GPU-1", "gpu.count"),
        (GpuPlacement(classes=["A40"], count=-1), "KN-GPU-1", "gpu.count"),
        (
            GpuPlacement(
                classes=[f"C{i}" for i in range(12)],
                regions=[f"R{i}" for i in range(9)],
                allow_unknown_classes=True,
            ),
            "KN-PLACE-1",
            "gpu",
        ),
    ],
    ids=[
        "no-classes",
        "empty-class",
        "class-space",
        "class-leading-dash",
        "class-trailing-dash",
        "class-too-long",
        "duplicate-class",
        "region-space",
        "region-slash",
        "duplicate-region",
        "count-0",
        "count-17",
        "count-negative",
        "too-many-to-rank",
    ],
)
def test_placement_failures(placement: GpuPlacement, code: str, path: str) -> None:
    found = placement.problems()
    assert [(p.code, p.path, p.severity) for p in found] == [(code, path, "error")]


def test_kn_gpu_1_count_message_reads_like_knative_bounds() -> None:
    (problem,) = GpuPlacement(classes=["A40"], count=17).problems("llama.gpu")
    assert problem.path == "llama.gpu.count"
    assert problem.message == "expected 1 <= 17 <= 16"
    assert problem.value == 17


def test_duplicate_problem_echoes_the_value() -> None:
    (problem,) = GpuPlacement(classes=["A40", "A40"]).problems()
    assert problem.value == "A40"
    assert "duplicate" in problem.message


def test_every_placement_problem_reported_at_once() -> None:
    placement = GpuPlacement(classes=["A40", "A40", "bad class"], regions=["ORD 1"], count=0)
    assert sorted((p.code, p.path) for p in placement.problems()) == [
        ("KN-GPU-1", "gpu.count"),
        ("KN-PLACE-1", "gpu.classes[1]"),
        ("KN-PLACE-1", "gpu.classes[2]"),
        ("KN-PLACE-2", "gpu.regions[0]"),
    ]


# ----------------------------------------------------------------- valid table


@pytest.mark.parametrize(
    "placement",
    [
        GpuPlacement(classes=["A40"]),
        GpuPlacement(classes=["A40", "RTX_A5000"], regions=["LGA1", "ORD1"]),
        GpuPlacement(classes=["A40"], count=1),
        GpuPlacement(classes=["A40"], count=16),
        GpuPlacement(classes=["NVIDIA-A100-SXM4-80GB", "H100_PCIe", "a.b"], allow_unknown_classes=True),
        GpuPlacement(classes=["A" * 63], allow_unknown_classes=True),
        GpuPlacement(
            classes=[f"C{i}" for i in range(10)],
            regions=[f"R{i}" for i in range(10)],
            allow_unknown_classes=True,
        ),
        GpuPlacement(classes=["A40"], regions=[f"R{i}" for i in range(99)]),
    ],
    ids=[
        "one-class",
        "contract",
        "count-1",
        "count-16",
        "label-chars",
        "63-chars",
        "10x10-fits",
        "99-regions",
    ],
)
def test_valid_placements_have_no_problems(placement: GpuPlacement) -> None:
    assert placement.problems() == []


# ----------------------------------------------------------------- properties

CLASS_POOL = list(VOCABULARIES[CLASS].classes)
REGION_POOL = [
    "LGA1",
    "ORD1",
    "LAS1",
    "SJC1",
    "EWR1",
    "ATL1",
    "DFW1",
    "SEA1",
    "IAD1",
    "PHX1",
    "RNO2",
    "CHI1",
    "US-EAST-04",
]


@st.composite
def placements(draw: st.DrawFn) -> GpuPlacement:
    classes = draw(st.lists(st.sampled_from(CLASS_POOL), min_size=1, max_size=12, unique=True))
    regions = draw(st.lists(st.sampled_from(REGION_POOL), max_size=12, unique=True))
    rank_by = draw(st.sampled_from(["class", "region"]))
    return GpuPlacement(classes=classes, regions=regions, rank_by=rank_by)


def dimensions(placement: GpuPlacement) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(major, minor) lists of the placement."""
    if placement.rank_by == "class":
        return tuple(placement.classes), tuple(placement.regions)
    return tuple(placement.regions), tuple(placement.classes)


def fits(placement: GpuPlacement) -> bool:
    """The documented rule: minor m..1, major 100 - i(m+1); all must stay >= 1."""
    major, minor = dimensions(placement)
    return not major or 100 - (len(major) - 1) * (len(minor) + 1) >= 1


@settings(max_examples=100, deadline=None)
@given(placement=placements())
def test_kn_place_1_too_many_fallbacks_is_reported_exactly_when_weights_do_not_fit(
    placement: GpuPlacement,
) -> None:
    ranking = [p for p in placement.problems() if p.path == "gpu"]
    assert bool(ranking) == (not fits(placement))


@settings(max_examples=100, deadline=None)
@given(placement=placements())
def test_kn_place_1_weights_in_range_and_strictly_decreasing(placement: GpuPlacement) -> None:
    assume(fits(placement))
    assert placement.problems() == []
    class_w, region_w = placement.weights()
    assert len(class_w) == len(placement.classes)
    assert len(region_w) == len(placement.regions)
    for weights in (class_w, region_w):
        assert all(1 <= w <= 100 for w in weights)
        assert all(a > b for a, b in itertools.pairwise(weights))
    major_w, _ = (class_w, region_w) if placement.rank_by == "class" else (region_w, class_w)
    if major_w:
        assert major_w[0] == 100


@settings(max_examples=100, deadline=None)
@given(placement=placements(), data=st.data())
def test_kn_place_1_major_rank_beats_any_minor_choice(placement: GpuPlacement, data: st.DataObject) -> None:
    assume(fits(placement))
    major, minor = dimensions(placement)
    assume(len(major) >= 2)
    i = data.draw(st.integers(0, len(major) - 2), label="major rank")
    # The minor choice may be any listed value or one that matches no preferred term.
    minor_choices = [*minor, "UNLISTED"]
    worse_minor = data.draw(st.sampled_from(minor_choices), label="minor of the better node")
    better_minor = data.draw(st.sampled_from(minor_choices), label="minor of the worse node")

    def labels_for(major_value: str, minor_value: str) -> dict[str, str]:
        if placement.rank_by == "class":
            return node(major_value, minor_value)
        return node(minor_value, major_value)

    better = labels_for(major[i], worse_minor)
    worse = labels_for(major[i + 1], better_minor)
    assert score(placement, better) > score(placement, worse)


@settings(max_examples=60, deadline=None)
@given(placement=placements(), data=st.data())
def test_kn_place_2_minor_rank_decides_within_the_same_major_value(
    placement: GpuPlacement, data: st.DataObject
) -> None:
    assume(fits(placement))
    major, minor = dimensions(placement)
    assume(major and len(minor) >= 2)
    j = data.draw(st.integers(0, len(minor) - 2))
    major_value = data.draw(st.sampled_from(major))
    if placement.rank_by == "class":
        a, b = node(major_value, minor[j]), node(major_value, minor[j + 1])
    else:
        a, b = node(minor[j], major_value), node(minor[j + 1], major_value)
    assert score(placement, a) > score(placement, b)


@settings(max_examples=50, deadline=None)
@given(count=st.integers(-5, 40))
def test_kn_gpu_1_count_errors_exactly_outside_1_to_16(count: int) -> None:
    found = GpuPlacement(classes=["A40"], count=count).problems()
    assert bool(found) == (not 1 <= count <= 16)
    assert all((p.code, p.path) == ("KN-GPU-1", "gpu.count") for p in found)
