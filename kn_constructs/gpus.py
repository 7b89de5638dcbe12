"""The GPU classes each node-label vocabulary knows, with their memory and where the facts come from.

A GPU cloud labels its nodes with the GPU they carry, and a pod steers to them with node affinity
on that label. A value the cloud never writes (``A4O``, ``a100``, the guide's ``A5000``) matches
no node, and the pods stay pending with no error anywhere. This module is the data the library
checks class names against: one :class:`GpuVocabulary` per node label, in :data:`VOCABULARIES`.

- ``gpu.nvidia.com/class``: CoreWeave's label. The values and memory sizes are those of
  CoreWeave's "Node Types" page (docs.coreweave.com/coreweave-kubernetes/node-types), whose
  source is ``coreweave-kubernetes/node-types.md`` in the public ``coreweave/kubernetes-cloud``
  repository; classes dropped from later versions of that page are kept (clusters still carry
  them; CoreWeave's own manifests still use ``Tesla_V100``) and say since when.
- ``nvidia.com/gpu.product``: written by NVIDIA GPU feature discovery (GFD). GFD takes the NVML
  device name (what ``nvidia-smi --query-gpu=name`` prints), drops every character outside
  ``[A-Za-z0-9-_. ]`` and joins the words with ``-`` (``sanitise`` and ``getProductName`` in
  ``internal/lm/resource.go`` of ``NVIDIA/k8s-device-plugin``): ``NVIDIA H100 80GB HBM3`` becomes
  ``NVIDIA-H100-80GB-HBM3``. With MIG it appends ``-MIG-<profile>``, with time-slicing (and no
  rename) ``-SHARED``; :meth:`GpuVocabulary.lookup` understands both suffixes.
- ``cloud.google.com/gke-accelerator``: GKE's label; the values are Compute Engine accelerator
  types, as Google's ``kubernetes-engine-samples`` manifests select them (older GPUs: Google's
  ``professional-services`` accelerator mapping), memory from Compute Engine's GPU page
  (cloud.google.com/compute/docs/gpus).

Only facts with a source are here; every entry names its source. Memory is the vendor's nominal
size per GPU, in GiB (the sources say "GB"; GPU memory comes in binary sizes, so 80 GB is
80 GiB of physical memory, of which the driver reports slightly less as usable).

This module is pure data plus lookups: no cdk8s import.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from kn_constructs.errors import Problem, Severity

__all__ = [
    "COREWEAVE_CLASS_LABEL",
    "GFD_PRODUCT_LABEL",
    "GKE_ACCELERATOR_LABEL",
    "VOCABULARIES",
    "GpuClass",
    "GpuVocabulary",
    "unknown_class_problem",
    "vocabulary",
]

#: CoreWeave's node label for the GPU class.
COREWEAVE_CLASS_LABEL: Final = "gpu.nvidia.com/class"
#: The node label NVIDIA GPU feature discovery writes with the product name.
GFD_PRODUCT_LABEL: Final = "nvidia.com/gpu.product"
#: GKE's node label for the accelerator type.
GKE_ACCELERATOR_LABEL: Final = "cloud.google.com/gke-accelerator"

#: How many "did you mean" suggestions a problem lists at most.
_MAX_SUGGESTIONS: Final = 4
#: difflib's similarity cutoff for close matches (its default).
_CUTOFF: Final = 0.6
#: Close matches this much less similar than the best one are left out (noise from shared prefixes).
_NEAR_BEST: Final = 0.15


@dataclass(frozen=True)
class GpuClass:
    """One value of a node-label vocabulary.

    Attributes:
        name: The label value, exactly as the nodes carry it (``RTX_A5000``).
        memory_gib: Nominal GPU memory per GPU, in GiB.
        product: The GPU in words (``NVIDIA RTX A5000``).
        source: Where the label value and its memory are published.
        note: Anything a user choosing it should know (a retired class, a driver dependency).
    """

    name: str
    memory_gib: float
    product: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class GpuVocabulary:
    """The GPU classes one node label can carry.

    Attributes:
        label: The node label (``gpu.nvidia.com/class``).
        title: Who writes it, in a few words.
        source: Where the vocabulary as a whole is documented.
        classes: The known values, by name.
        spellings: Known misspellings -> (the real value, why it is a common mistake).
        mig_and_sharing_suffixes: Whether values may carry GFD's ``-MIG-<profile>`` and
            ``-SHARED`` suffixes (only ``nvidia.com/gpu.product``).
    """

    label: str
    title: str
    source: str
    classes: Mapping[str, GpuClass]
    spellings: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    mig_and_sharing_suffixes: bool = False

    def lookup(self, value: str) -> GpuClass | None:
        """The class a label value names, or ``None`` when the vocabulary does not know it.

        Exact and case-sensitive, as Kubernetes compares label values. For GFD's vocabulary a
        ``-SHARED`` suffix names the same GPU, and ``-MIG-<n>g.<m>gb`` one MIG slice of it with
        ``m`` GiB of memory.
        """
        found = self.classes.get(value)
        if found is not None or not self.mig_and_sharing_suffixes:
            return found
        base = value.removesuffix(_SHARED)
        mig = _MIG.match(base)
        if mig is None:
            return self.classes.get(base) if base != value else None
        parent = self.classes.get(mig["parent"])
        if parent is None:
            return None
        return GpuClass(
            value,
            float(mig["memory"]),
            f"{parent.product}, MIG slice {mig['profile']}",
            parent.source,
            "a MIG slice: GFD's mixed strategy labels it this way",
        )

    def suggestions(self, value: str) -> tuple[str, ...]:
        """Known values a mistyped ``value`` probably means, best first (may be empty).

        Case, ``-``, ``_`` and spaces are ignored when comparing: a known misspelling first,
        then the same name in another case, then every class whose name contains the value as
        a word prefix (``a100`` -> the A100 classes), then difflib's close matches (``A4O`` ->
        ``A40``) that are nearly as close as the best one.
        """
        spelled = self.spellings.get(value)
        if spelled is not None:
            return (spelled[0],)
        wanted = _fold(value)
        if not wanted:
            return ()
        folded = {_fold(name): name for name in self.classes}
        if wanted in folded:
            return (folded[wanted],)
        containing = [name for key, name in folded.items() if _has_word_prefix(key, wanted)]
        if containing:
            return tuple(sorted(containing, key=lambda n: (len(n), n))[:_MAX_SUGGESTIONS])
        scored = sorted(
            ((difflib.SequenceMatcher(None, wanted, key).ratio(), key) for key in folded),
            key=lambda pair: (-pair[0], pair[1]),
        )
        best = scored[0][0] if scored else 0.0
        close = [key for score, key in scored if score >= _CUTOFF and score >= best - _NEAR_BEST]
        return tuple(folded[key] for key in close[:_MAX_SUGGESTIONS])

    def spelling_note(self, value: str) -> str | None:
        """Why ``value`` is a known misspelling, if it is one."""
        spelled = self.spellings.get(value)
        return spelled[1] if spelled is not None else None


_SHARED: Final = "-SHARED"
_MIG: Final = re.compile(r"^(?P<parent>.+)-MIG-(?P<profile>(?P<slices>\d+)g\.(?P<memory>\d+)gb)$")
_SEPARATORS: Final = re.compile(r"[-_ ]+")


def _fold(value: str) -> str:
    return _SEPARATORS.sub("_", value.strip().lower()).strip("_")


def _has_word_prefix(name: str, wanted: str) -> bool:
    """Whether ``wanted`` starts at a word boundary of ``name`` (both folded)."""
    return any(part.startswith(wanted) for part in _word_suffixes(name))


def _word_suffixes(name: str) -> list[str]:
    parts = name.split("_")
    return ["_".join(parts[i:]) for i in range(len(parts))]


def unknown_class_problem(
    vocab: GpuVocabulary,
    value: str,
    path: str,
    *,
    code: str = "KN-PLACE-1",
    severity: Severity = "error",
    escape: str = "for a class the catalogue does not list, set allow_unknown_classes=True",
) -> Problem:
    """The problem for a class ``vocab`` does not know: what it is, and what was probably meant.

    Args:
        vocab: The vocabulary of the label the value is matched against.
        value: The unknown value.
        path: Where the value was written.
        code: The problem code.
        severity: ``"error"`` (the construct) or ``"warning"`` (the linter).
        escape: The hint's last clause: how to accept a class the catalogue lacks.
    """
    guesses = vocab.suggestions(value)
    message = f"unknown GPU class {value!r}: no node carries {vocab.label}={value}"
    note = vocab.spelling_note(value)
    if guesses:
        message += f"; did you mean {' or '.join(guesses)}?"
    if note:
        message += f" ({note})"
    hint = (
        f"use a {vocab.label} value ({vocab.title}); see docs/gpus.md"
        if not guesses
        else f"write {' or '.join(repr(g) for g in guesses)}"
    )
    return Problem(
        code,
        path,
        message,
        value=value,
        allowed=f"a {vocab.label} value: {', '.join(vocab.classes)}",
        hint=f"{hint}; {escape}",
        severity=severity,
    )


# --------------------------------------------------------------------------- CoreWeave

_CW_REPO = "coreweave/kubernetes-cloud"
_CW_2023: Final = f"{_CW_REPO}@745ed9ecf19fb770aaeae342ebdc1dbf2256377b:coreweave-kubernetes/node-types.md"
_CW_2022: Final = (
    f"{_CW_REPO}@b08e64aba8fddf25d577119d82c7b4df555828a3:docs/coreweave-kubernetes/node-types.md"
)
_CW_2021: Final = (
    f"{_CW_REPO}@126e01c3264cbb66a57363d86f176a6e6c40db8a:docs/coreweave-kubernetes/node-types.md"
)
_CW_V100_MANIFEST: Final = (
    f"{_CW_REPO}@67ae991a24e94e8e064c3484bcba48f26e1cd671:"
    "online-inference/image-classifier/service/classifier-inferenceservice.yaml"
)


def _cw(name: str, memory: float, product: str, source: str = _CW_2023, note: str = "") -> GpuClass:
    return GpuClass(name, memory, product, source, note)


_COREWEAVE = GpuVocabulary(
    label=COREWEAVE_CLASS_LABEL,
    title="CoreWeave's GPU class",
    source="https://docs.coreweave.com/coreweave-kubernetes/node-types (source: "
    f"{_CW_REPO}, coreweave-kubernetes/node-types.md)",
    classes=MappingProxyType(
        {
            c.name: c
            for c in (
                _cw("H100_NVLINK_80GB", 80, "NVIDIA H100 HGX 80GB"),
                _cw("H100_PCIE", 80, "NVIDIA H100 PCIe 80GB"),
                _cw("A100_NVLINK_80GB", 80, "NVIDIA A100 HGX 80GB"),
                _cw("A100_NVLINK", 40, "NVIDIA A100 HGX 40GB"),
                _cw("A100_PCIE_80GB", 80, "NVIDIA A100 PCIe 80GB"),
                _cw("A100_PCIE_40GB", 40, "NVIDIA A100 PCIe 40GB"),
                _cw("A40", 48, "NVIDIA A40"),
                _cw("RTX_A6000", 48, "NVIDIA RTX A6000"),
                _cw("RTX_A5000", 24, "NVIDIA RTX A5000"),
                _cw("RTX_A4000", 16, "NVIDIA RTX A4000"),
                _cw("Tesla_V100_NVLINK", 16, "NVIDIA Tesla V100 NVLINK"),
                _cw("Quadro_RTX_5000", 16, "NVIDIA Quadro RTX 5000"),
                _cw("Quadro_RTX_4000", 8, "NVIDIA Quadro RTX 4000"),
                _cw(
                    "Tesla_V100_PCIE",
                    16,
                    "NVIDIA Tesla V100 PCIe",
                    _CW_2022,
                    "listed until 2022-01; gone from the 2023 table",
                ),
                _cw(
                    "Tesla_V100",
                    16,
                    "NVIDIA Tesla V100",
                    _CW_2021,
                    f"listed until 2021-08; CoreWeave's own manifests still use it ({_CW_V100_MANIFEST})",
                ),
                _cw("Quadro_RTX_6000", 24, "NVIDIA Quadro RTX 6000", _CW_2021, "listed until 2021-09"),
                _cw("Tesla_P100_NVLINK", 16, "NVIDIA Tesla P100", _CW_2021, "listed until 2021-08"),
                _cw(
                    "NV_Pascal",
                    8,
                    "NVIDIA multi-purpose Pascal",
                    _CW_2021,
                    "listed until 2021-08 (a mix of Pascal cards with 8 GB)",
                ),
            )
        }
    ),
    spellings=MappingProxyType(
        {
            "A5000": (
                "RTX_A5000",
                "the guide's example spells it A5000, but CoreWeave's node labels say RTX_A5000",
            ),
            "A6000": (
                "RTX_A6000",
                "CoreWeave's node-types table calls it A6000; the node label is RTX_A6000",
            ),
            "A4000": ("RTX_A4000", "the node label is RTX_A4000"),
        }
    ),
)

# --------------------------------------------------------------------------- GFD

_GFD_RULE: Final = (
    "NVIDIA/k8s-device-plugin@7699fe4d5d1cf8ba32db5e4117f4645640cd03d3:internal/lm/resource.go"
    " (getProductName, sanitise)"
)
_GFD_README: Final = (
    "NVIDIA/k8s-device-plugin@1b826acc6af3079d8923bac395c3124b8861a9a6:docs/gpu-feature-discovery/README.md"
)
_NVML: Final = f"label: sanitise(NVML device name) per {_GFD_RULE}"
#: Where each GFD entry's memory comes from.
_IN_NAME: Final = "memory: in the name"
_MEM_CW: Final = f"memory: {_CW_2023}"
_MEM_GCE: Final = "memory: https://cloud.google.com/compute/docs/gpus"
_MEM_NVIDIA: Final = "memory: NVIDIA's product specification"


def _gfd(
    nvml_name: str, memory: float, memory_source: str, *, source: str = _NVML, note: str = ""
) -> GpuClass:
    label = "-".join(re.sub(r"[^A-Za-z0-9\-_. ]", "", nvml_name).split())
    return GpuClass(label, memory, nvml_name, f"{source}; {memory_source}", note)


_GFD = GpuVocabulary(
    label=GFD_PRODUCT_LABEL,
    title="NVIDIA GPU feature discovery's product name",
    source=f"{_GFD_RULE}; {_GFD_README}",
    classes=MappingProxyType(
        {
            c.name: c
            for c in (
                _gfd("NVIDIA B200", 180, _MEM_GCE),
                _gfd("NVIDIA H200", 141, _MEM_GCE),
                _gfd("NVIDIA H100 80GB HBM3", 80, _IN_NAME),
                _gfd("NVIDIA H100 PCIe", 80, _MEM_CW),
                _gfd("NVIDIA H100 NVL", 94, _MEM_NVIDIA),
                _gfd("NVIDIA A100-SXM4-80GB", 80, _IN_NAME),
                _gfd("NVIDIA A100-SXM4-40GB", 40, _IN_NAME),
                _gfd(
                    "A100-SXM4-40GB",
                    40,
                    _IN_NAME,
                    source=f"label: {_GFD_README} (example labels)",
                    note="the name drivers before R470 report, without the NVIDIA prefix",
                ),
                _gfd("NVIDIA A100 80GB PCIe", 80, _IN_NAME),
                _gfd("NVIDIA A100-PCIE-40GB", 40, _IN_NAME),
                _gfd("NVIDIA A40", 48, _MEM_CW),
                _gfd("NVIDIA A10", 24, _MEM_NVIDIA),
                _gfd("NVIDIA A10G", 24, _MEM_NVIDIA),
                _gfd("NVIDIA L40S", 48, _MEM_NVIDIA),
                _gfd("NVIDIA L40", 48, _MEM_NVIDIA),
                _gfd("NVIDIA L4", 24, _MEM_GCE),
                _gfd("NVIDIA RTX A6000", 48, _MEM_CW),
                _gfd("NVIDIA RTX A5000", 24, _MEM_CW),
                _gfd("NVIDIA RTX A4000", 16, _MEM_CW),
                _gfd("Tesla T4", 16, _MEM_GCE, source=f"label: {_GFD_README} (label table example)"),
                _gfd("Tesla V100-SXM2-32GB", 32, _IN_NAME),
                _gfd("Tesla V100-SXM2-16GB", 16, _IN_NAME),
                _gfd("Tesla V100-PCIE-32GB", 32, _IN_NAME),
                _gfd("Tesla V100-PCIE-16GB", 16, _IN_NAME),
                _gfd("Tesla P100-PCIE-16GB", 16, _IN_NAME),
                _gfd("Tesla P4", 8, _MEM_GCE),
                _gfd("Tesla K80", 12, _MEM_GCE, note="one of the board's two GPUs: 12 of its 24 GB"),
            )
        }
    ),
    mig_and_sharing_suffixes=True,
)

# --------------------------------------------------------------------------- GKE

_GKE_SAMPLES: Final = "GoogleCloudPlatform/kubernetes-engine-samples@2b5036514162a489145c5e5570bc320efbcb37bf"
_GCE_GPUS: Final = "memory: https://cloud.google.com/compute/docs/gpus"
_GKE_DOCS: Final = "https://cloud.google.com/kubernetes-engine/docs/how-to/gpus (GPU types)"
#: Google's own mapping to Compute Engine accelerator types (the values GKE writes on the label).
_GCE_TYPES: Final = (
    "GoogleCloudPlatform/professional-services@9d9a9ea2fa3be1d0023b5095ea61b7506158f238:"
    "tools/instance_mapper/cmd/instance_mapper/gpu-mapping.yaml"
)
_OLDER: Final = "an older GPU: its name is Compute Engine's accelerator type; no GKE sample here uses it"


def _gke(name: str, memory: float, product: str, sample: str | None, note: str = "") -> GpuClass:
    where = f"{_GKE_SAMPLES}:{sample}" if sample is not None else _GCE_TYPES
    return GpuClass(name, memory, product, f"{where}; {_GCE_GPUS}", note or ("" if sample else _OLDER))


_GKE = GpuVocabulary(
    label=GKE_ACCELERATOR_LABEL,
    title="GKE's accelerator type",
    source=f"{_GKE_DOCS}; {_GCE_GPUS}",
    classes=MappingProxyType(
        {
            c.name: c
            for c in (
                _gke(
                    "nvidia-b200", 180, "NVIDIA B200", "ai-ml/nemo-rl-on-gke/nemoRL/gemma3-27b-it/values.yaml"
                ),
                _gke(
                    "nvidia-h200-141gb",
                    141,
                    "NVIDIA H200",
                    "ai-ml/llm-serving-llama/vllm/vllm-llama4-maverick-17b-128e-instruct.yaml",
                ),
                _gke(
                    "nvidia-h100-mega-80gb",
                    80,
                    "NVIDIA H100 (A3 Mega)",
                    "ai-ml/nemo-rl-on-gke/nemoRL/gemma3-27b-it/nim-gemma-deployment-local.yaml",
                ),
                _gke("nvidia-h100-80gb", 80, "NVIDIA H100", "ai-ml/llm-multihost-gpus-tensorrt-llm/lws.yaml"),
                _gke(
                    "nvidia-a100-80gb",
                    80,
                    "NVIDIA A100 80GB",
                    "ai-ml/llm-serving-gemma/tgi/tgi-2b-it-a100-80gb.yaml",
                ),
                _gke(
                    "nvidia-tesla-a100",
                    40,
                    "NVIDIA A100 40GB",
                    "ai-ml/axolotl-multimodal-finetuning-gemma/k8s/axolotl-training-job.yaml",
                ),
                _gke("nvidia-l4", 24, "NVIDIA L4", "ai-ml/adk-vllm/deploy-llm/deploy-llm.yaml"),
                _gke("nvidia-tesla-t4", 16, "NVIDIA T4", "batch/kueue-intro/job-team-a.yaml"),
                _gke("nvidia-tesla-v100", 16, "NVIDIA V100", None),
                _gke("nvidia-tesla-p100", 16, "NVIDIA P100", None),
                _gke("nvidia-tesla-p4", 8, "NVIDIA P4", None),
                _gke(
                    "nvidia-tesla-k80", 12, "NVIDIA K80", None, f"{_OLDER}; end of support on Compute Engine"
                ),
            )
        }
    ),
)

#: Every vocabulary the library knows, by node label.
VOCABULARIES: Mapping[str, GpuVocabulary] = MappingProxyType({v.label: v for v in (_COREWEAVE, _GFD, _GKE)})


def vocabulary(label: str) -> GpuVocabulary | None:
    """The vocabulary of a node label, or ``None`` for a label the library has no catalogue for."""
    return VOCABULARIES.get(label)
