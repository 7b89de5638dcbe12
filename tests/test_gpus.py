"""GPU classes are known (KN-PLACE-1): the catalogue, GpuPlacement's checks against it, and the linter's.

The catalogue is data with sources (kn_constructs.gpus); these tests pin what it promises: every
entry is a valid label value with a source and a memory size, every listed class is accepted,
anything else is refused with "did you mean", ``gpu_memory_gib`` refuses classes too small, and
the escape hatch (``allow_unknown_classes``, or a label without a catalogue) stays open.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kn_constructs.errors import ValidationError
from kn_constructs.gpus import (
    COREWEAVE_CLASS_LABEL,
    GFD_PRODUCT_LABEL,
    GKE_ACCELERATOR_LABEL,
    VOCABULARIES,
    vocabulary,
)
from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.lint import lint_manifest, lint_text
from kn_constructs.placement import GpuPlacement
from tests.helpers import contract_props
from tests.lint.helpers import GPU_CLUSTER, good_service, pod_spec

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
ALL_CLASSES = [(label, name) for label, vocab in VOCABULARIES.items() for name in vocab.classes]
COREWEAVE = VOCABULARIES[COREWEAVE_CLASS_LABEL]


def codes_and_paths(placement: GpuPlacement) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in placement.problems()]


# --------------------------------------------------------------------------- the catalogue


def test_the_three_vocabularies_are_catalogued() -> None:
    assert set(VOCABULARIES) == {COREWEAVE_CLASS_LABEL, GFD_PRODUCT_LABEL, GKE_ACCELERATOR_LABEL}
    assert vocabulary("example.com/gpu") is None


@pytest.mark.parametrize(("label", "name"), ALL_CLASSES)
def test_every_entry_is_a_label_value_with_memory_and_a_source(label: str, name: str) -> None:
    entry = VOCABULARIES[label].classes[name]
    assert entry.name == name
    assert len(name) <= 63 and _LABEL_VALUE.match(name)
    assert entry.memory_gib > 0 and math.isfinite(entry.memory_gib)
    assert entry.source and entry.product


def test_coreweave_lists_the_classes_its_own_manifests_use() -> None:
    # coreweave/kubernetes-cloud's manifests select these gpu.nvidia.com/class values.
    used = {
        "A40",
        "RTX_A5000",
        "RTX_A6000",
        "Quadro_RTX_5000",
        "Tesla_V100",
        "A100_PCIE_80GB",
        "A100_NVLINK_80GB",
    }
    assert used <= set(COREWEAVE.classes)


@pytest.mark.parametrize(
    ("name", "memory"),
    [("A40", 48), ("RTX_A5000", 24), ("RTX_A6000", 48), ("A100_NVLINK", 40), ("H100_NVLINK_80GB", 80)],
)
def test_coreweave_memory_is_the_node_types_table(name: str, memory: int) -> None:
    assert COREWEAVE.classes[name].memory_gib == memory


def test_gfd_names_are_nvml_names_sanitised_the_way_gfd_does() -> None:
    # internal/lm/resource.go: drop characters outside [A-Za-z0-9-_. ], join the words with "-".
    for entry in VOCABULARIES[GFD_PRODUCT_LABEL].classes.values():
        assert entry.name == "-".join(re.sub(r"[^A-Za-z0-9\-_. ]", "", entry.product).split())
    assert "NVIDIA-H100-80GB-HBM3" in VOCABULARIES[GFD_PRODUCT_LABEL].classes
    assert "Tesla-V100-SXM2-16GB" in VOCABULARIES[GFD_PRODUCT_LABEL].classes


def test_gfd_memory_read_from_the_name_is_the_size_in_the_name() -> None:
    from_name = [
        e for e in VOCABULARIES[GFD_PRODUCT_LABEL].classes.values() if "memory: in the name" in e.source
    ]
    assert len(from_name) >= 10
    for entry in from_name:
        assert f"{entry.memory_gib:g}GB" in entry.name


@pytest.mark.parametrize(
    ("value", "memory"),
    [
        ("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", 5),
        ("NVIDIA-A100-SXM4-80GB-MIG-3g.40gb", 40),
        ("Tesla-T4-SHARED", 16),
        ("A100-SXM4-40GB-MIG-1g.5gb-SHARED", 5),  # the GFD README's own example
    ],
)
def test_gfd_mig_and_sharing_suffixes_name_a_known_gpu(value: str, memory: int) -> None:
    found = VOCABULARIES[GFD_PRODUCT_LABEL].lookup(value)
    assert found is not None and found.memory_gib == memory


@pytest.mark.parametrize(
    "value", ["NVIDIA-X1-MIG-1g.5gb", "Tesla-T4-SHARED-SHARED", "Tesla-T4-MIG-", "-SHARED"]
)
def test_gfd_suffixes_on_unknown_gpus_stay_unknown(value: str) -> None:
    assert VOCABULARIES[GFD_PRODUCT_LABEL].lookup(value) is None


def test_suffixes_belong_to_gfd_only() -> None:
    assert COREWEAVE.lookup("A40-SHARED") is None


# --------------------------------------------------------------------------- GpuPlacement: typos


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("A4O", ["A40"]),
        ("a40", ["A40"]),
        ("a100", ["A100_NVLINK", "A100_PCIE_40GB", "A100_PCIE_80GB", "A100_NVLINK_80GB"]),
        ("A5000", ["RTX_A5000"]),
        ("rtx-a5000", ["RTX_A5000"]),
        ("h100", ["H100_PCIE", "H100_NVLINK_80GB"]),
        ("V100", ["Tesla_V100", "Tesla_V100_PCIE", "Tesla_V100_NVLINK"]),
    ],
    ids=["A4O", "lower-a40", "a100", "guide-A5000", "dashes", "h100", "V100"],
)
def test_kn_place_1_unknown_class_is_an_error_with_did_you_mean(typo: str, meant: list[str]) -> None:
    (problem,) = GpuPlacement(classes=["A40", typo] if typo.lower() != "a40" else [typo]).problems()
    assert (problem.code, problem.severity, problem.value) == ("KN-PLACE-1", "error", typo)
    assert problem.path == ("gpu.classes[1]" if typo.lower() != "a40" else "gpu.classes[0]")
    assert f"did you mean {' or '.join(meant)}?" in problem.message
    assert problem.hint is not None and "allow_unknown_classes=True" in problem.hint


def test_kn_place_1_a_class_that_is_no_label_value_gets_did_you_mean_in_its_one_problem() -> None:
    (problem,) = GpuPlacement(classes=["RTX A6000"]).problems()
    assert (problem.code, problem.path) == ("KN-PLACE-1", "gpu.classes[0]")
    assert problem.message == "invalid label value 'RTX A6000'"
    assert problem.hint == "did you mean RTX_A6000?"


def test_kn_place_1_the_guide_spelling_a5000_is_explained() -> None:
    (problem,) = GpuPlacement(classes=["A5000"]).problems("llama.gpu")
    assert problem.path == "llama.gpu.classes[0]"
    assert "did you mean RTX_A5000?" in problem.message
    assert "the guide's example spells it A5000, but CoreWeave's node labels say RTX_A5000" in problem.message


def test_kn_place_1_the_message_format() -> None:
    (problem,) = GpuPlacement(classes=["A4O"]).problems()
    assert problem.message == (
        "unknown GPU class 'A4O': no node carries gpu.nvidia.com/class=A4O; did you mean A40?"
    )
    assert (
        problem.hint == "write 'A40'; for a class the catalogue does not list, set allow_unknown_classes=True"
    )
    assert problem.allowed is not None and "RTX_A5000" in problem.allowed


def test_kn_place_1_nothing_close_still_names_the_catalogue() -> None:
    (problem,) = GpuPlacement(classes=["zzzz"]).problems()
    assert "did you mean" not in problem.message
    assert problem.hint is not None and "docs/gpus.md" in problem.hint


@pytest.mark.parametrize(
    ("label", "typo", "meant"),
    [
        (GKE_ACCELERATOR_LABEL, "nvidia-t4", "nvidia-tesla-t4"),
        (GKE_ACCELERATOR_LABEL, "nvidia-h100", "nvidia-h100-80gb"),
        (GFD_PRODUCT_LABEL, "NVIDIA-H100", "NVIDIA-H100-80GB-HBM3"),
        (GFD_PRODUCT_LABEL, "nvidia-l4", "NVIDIA-L4"),
    ],
)
def test_kn_place_1_other_vocabularies_check_their_own_label(label: str, typo: str, meant: str) -> None:
    (problem,) = GpuPlacement(classes=[typo], class_label=label).problems()
    assert (problem.code, problem.path) == ("KN-PLACE-1", "gpu.classes[0]")
    assert f"no node carries {label}={typo}" in problem.message
    assert meant in problem.message


def test_kn_place_1_a_coreweave_class_is_unknown_under_the_gke_label() -> None:
    assert codes_and_paths(GpuPlacement(classes=["A40"], class_label=GKE_ACCELERATOR_LABEL)) == [
        ("KN-PLACE-1", "gpu.classes[0]")
    ]


def test_kn_place_1_one_problem_per_mistake_invalid_label_value_is_not_also_unknown() -> None:
    assert codes_and_paths(GpuPlacement(classes=["A 40", "A40", "A40"])) == [
        ("KN-PLACE-1", "gpu.classes[0]"),
        ("KN-PLACE-1", "gpu.classes[2]"),
    ]


# --------------------------------------------------------------------------- the escape hatch


@pytest.mark.parametrize(
    "placement",
    [
        GpuPlacement(classes=["A40", "L40S"], allow_unknown_classes=True),
        GpuPlacement(classes=["my-gpu", "A5000"], class_label="example.com/gpu"),
        GpuPlacement(classes=["anything"], class_label="example.com/gpu", allow_unknown_classes=True),
        GpuPlacement(
            classes=["nvidia-rtx-pro-6000"], class_label=GKE_ACCELERATOR_LABEL, allow_unknown_classes=True
        ),
    ],
    ids=["allow-unknown", "label-without-catalogue", "both", "new-gke-type"],
)
def test_kn_place_1_escape_hatch_accepts_classes_the_catalogue_lacks(placement: GpuPlacement) -> None:
    assert placement.problems() == []


def test_kn_place_1_escape_hatch_still_checks_label_values_and_duplicates() -> None:
    placement = GpuPlacement(classes=["my gpu", "x", "x"], class_label="example.com/gpu")
    assert codes_and_paths(placement) == [("KN-PLACE-1", "gpu.classes[0]"), ("KN-PLACE-1", "gpu.classes[2]")]


def test_kn_place_1_escape_hatch_renders_the_classes_as_given() -> None:
    placement = GpuPlacement(classes=["my-gpu"], class_label="example.com/gpu")
    required = placement.affinity()["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]  # type: ignore[index]
    assert required == {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "example.com/gpu", "operator": "In", "values": ["my-gpu"]}]}
        ]
    }


def test_kn_place_1_defaults_check_against_the_coreweave_catalogue() -> None:
    placement = GpuPlacement(classes=["A40"])
    assert placement.class_label == COREWEAVE_CLASS_LABEL
    assert placement.allow_unknown_classes is False
    assert placement.gpu_memory_gib is None


# --------------------------------------------------------------------------- gpu_memory_gib


def test_kn_place_1_gpu_memory_refuses_classes_too_small() -> None:
    (problem,) = GpuPlacement(classes=["A40", "RTX_A5000"], gpu_memory_gib=40).problems()
    assert (problem.code, problem.path, problem.value) == ("KN-PLACE-1", "gpu.classes[1]", "RTX_A5000")
    assert problem.message == "GPU class RTX_A5000 has 24 GiB of GPU memory; the model needs 40 GiB per GPU"
    assert problem.allowed is not None and "A40" in problem.allowed and "RTX_A5000" not in problem.allowed


@pytest.mark.parametrize("need", [1, 24, 24.0, 0.5])
def test_kn_place_1_gpu_memory_that_fits_is_accepted(need: float) -> None:
    assert GpuPlacement(classes=["A40", "RTX_A5000"], gpu_memory_gib=need).problems() == []


@pytest.mark.parametrize("need", [0, -1])
def test_kn_place_1_gpu_memory_must_be_a_positive_number(need: Any) -> None:
    assert codes_and_paths(GpuPlacement(classes=["A40", "RTX_A5000"], gpu_memory_gib=need)) == [
        ("KN-PLACE-1", "gpu.gpu_memory_gib")
    ]


@pytest.mark.parametrize("need", [math.nan, math.inf, True])
def test_gpu_memory_that_is_not_a_finite_number_is_refused_at_the_boundary(need: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        GpuPlacement(classes=["A40", "RTX_A5000"], gpu_memory_gib=need)
    assert [(p.code, p.path) for p in caught.value.problems] == [("KNC-TYPE", "gpu_memory_gib")]


def test_kn_place_1_gpu_memory_needs_classes_with_known_memory() -> None:
    placement = GpuPlacement(classes=["A40", "my-gpu"], class_label="example.com/gpu", gpu_memory_gib=16)
    (first, second) = placement.problems()
    assert [first.path, second.path] == ["gpu.classes[0]", "gpu.classes[1]"]
    assert "memory of GPU class 'my-gpu' is not in the catalogue" in second.message


def test_kn_place_1_gpu_memory_uses_the_mig_slice_memory() -> None:
    placement = GpuPlacement(
        classes=["NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-SXM4-80GB-MIG-3g.40gb"],
        class_label=GFD_PRODUCT_LABEL,
        gpu_memory_gib=48,
    )
    assert codes_and_paths(placement) == [("KN-PLACE-1", "gpu.classes[1]")]


def test_kn_place_1_an_unknown_class_is_not_also_too_small() -> None:
    assert codes_and_paths(GpuPlacement(classes=["A5000"], gpu_memory_gib=80)) == [
        ("KN-PLACE-1", "gpu.classes[0]")
    ]


@settings(max_examples=100, deadline=None)
@given(
    classes=st.lists(st.sampled_from(list(COREWEAVE.classes)), min_size=1, max_size=6, unique=True),
    need=st.floats(min_value=0.25, max_value=200, allow_nan=False),
)
def test_kn_place_1_exactly_the_classes_below_the_need_are_refused(classes: list[str], need: float) -> None:
    refused = {p.value for p in GpuPlacement(classes=classes, gpu_memory_gib=need).problems()}
    assert refused == {c for c in classes if COREWEAVE.classes[c].memory_gib < need}


# --------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(entry=st.sampled_from(ALL_CLASSES))
def test_kn_place_1_every_catalogue_class_is_accepted_under_its_label(entry: tuple[str, str]) -> None:
    label, name = entry
    assert GpuPlacement(classes=[name], class_label=label).problems() == []


_VALUE = st.from_regex(r"\A[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?\Z")


@settings(max_examples=200, deadline=None)
@given(label=st.sampled_from(list(VOCABULARIES)), value=_VALUE)
def test_kn_place_1_any_other_label_value_is_refused_with_catalogue_suggestions(
    label: str, value: str
) -> None:
    vocab = VOCABULARIES[label]
    assume(vocab.lookup(value) is None)
    (problem,) = GpuPlacement(classes=[value], class_label=label).problems()
    assert (problem.code, problem.path, problem.severity) == ("KN-PLACE-1", "gpu.classes[0]", "error")
    suggested = vocab.suggestions(value)
    assert all(s in vocab.classes for s in suggested)
    assert ("did you mean" in problem.message) == bool(suggested)
    assert GpuPlacement(classes=[value], class_label=label, allow_unknown_classes=True).problems() == []


@settings(max_examples=100, deadline=None)
@given(entry=st.sampled_from([e for e in ALL_CLASSES if e[1].lower() != e[1]]))
def test_kn_place_1_a_class_in_the_wrong_case_suggests_the_right_one(entry: tuple[str, str]) -> None:
    label, name = entry
    assume(VOCABULARIES[label].lookup(name.lower()) is None)
    assert VOCABULARIES[label].suggestions(name.lower()) == (name,)


# --------------------------------------------------------------------------- through the construct


def test_kn_place_1_the_service_refuses_the_guide_spelling() -> None:
    props = contract_props(name="llama", namespace="models", cluster=GPU_CLUSTER)
    props.pop("acknowledge")
    props["gpu"] = GpuPlacement(classes=["A40", "A5000"], regions=["LGA1"])
    plan = plan_inference_service(InferenceServiceProps(**props))
    assert plan.manifest is None
    assert [(p.code, p.path) for p in plan.errors] == [("KN-PLACE-1", "llama.gpu.classes[1]")]


# --------------------------------------------------------------------------- the linter


def _with_classes(values: list[str], label: str = COREWEAVE_CLASS_LABEL) -> dict[str, Any]:
    service = good_service()
    terms = pod_spec(service)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    terms["nodeSelectorTerms"][0]["matchExpressions"][0] = {"key": label, "operator": "In", "values": values}
    return service


def _place_findings(service: dict[str, Any]) -> list[Any]:
    return [p for p in lint_manifest(service, settings=GPU_CLUSTER) if p.code == "KN-PLACE-1"]


def test_kn_place_1_lint_the_planned_service_uses_known_classes() -> None:
    assert _place_findings(good_service()) == []


def test_kn_place_1_lint_warns_on_an_unknown_affinity_class() -> None:
    (problem,) = _place_findings(_with_classes(["A40", "A5000"]))
    assert problem.severity == "warning"
    assert problem.path == (
        "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
        ".nodeSelectorTerms[0].matchExpressions[0].values[1]"
    )
    assert "did you mean RTX_A5000?" in problem.message
    assert "the guide's example spells it A5000" in problem.message


def test_kn_place_1_lint_reports_a_typo_once_even_when_preferred_terms_repeat_it() -> None:
    service = _with_classes(["A40", "a40"])
    preferred = pod_spec(service)["affinity"]["nodeAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    preferred.append(
        {
            "weight": 1,
            "preference": {
                "matchExpressions": [{"key": COREWEAVE_CLASS_LABEL, "operator": "In", "values": ["a40"]}]
            },
        }
    )
    (problem,) = _place_findings(service)
    assert problem.value == "a40" and "matchExpressions[0].values[1]" in problem.path


def test_kn_place_1_lint_reads_preferred_terms_alone() -> None:
    service = good_service()
    preferred = pod_spec(service)["affinity"]["nodeAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    preferred[0]["preference"]["matchExpressions"][0]["values"] = ["A4O"]
    (problem,) = _place_findings(service)
    assert problem.path.startswith(
        "spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference"
    )
    assert "did you mean A40?" in problem.message


@pytest.mark.parametrize(
    ("label", "value", "expected"),
    [
        (GKE_ACCELERATOR_LABEL, "nvidia-t4", 1),
        (GKE_ACCELERATOR_LABEL, "nvidia-tesla-t4", 0),
        (GFD_PRODUCT_LABEL, "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", 0),
        (GFD_PRODUCT_LABEL, "NVIDIA-A100", 1),
        ("example.com/gpu", "anything", 0),
    ],
)
def test_kn_place_1_lint_reads_node_selectors(label: str, value: str, expected: int) -> None:
    service = good_service()
    pod_spec(service)["nodeSelector"] = {label: value}
    found = _place_findings(service)
    assert len(found) == expected
    assert all(p.path == f"spec.template.spec.nodeSelector.{label}" for p in found)


def test_kn_place_1_lint_ignores_not_in_and_custom_labels() -> None:
    service = _with_classes(["whatever"], label="example.com/gpu")
    expressions = pod_spec(service)["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    expressions["nodeSelectorTerms"][0]["matchExpressions"].append(
        {"key": COREWEAVE_CLASS_LABEL, "operator": "NotIn", "values": ["A5000"]}
    )
    assert _place_findings(service) == []


def test_kn_place_1_lint_text_shows_the_warning_with_its_line() -> None:
    text = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: llama}
spec:
  template:
    spec:
      nodeSelector:
        gpu.nvidia.com/class: A5000
      containers:
        - image: registry.example.com/llm-server@sha256:%s
""" % ("a" * 64)
    findings, documents = lint_text(text, file="svc.yaml", settings=GPU_CLUSTER)
    (finding,) = [f for f in findings if f.code == "KN-PLACE-1"]
    assert documents == 1
    assert (finding.severity, finding.path) == (
        "warning",
        "spec.template.spec.nodeSelector.gpu.nvidia.com/class",
    )
    assert "did you mean RTX_A5000?" in finding.message
