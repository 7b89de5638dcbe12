"""kn_constructs: typed cdk8s constructs for serving ML models on Knative Serving on GPUs.

The constructs (:class:`GpuInferenceService`) need cdk8s and Node at run time; the
value objects, the Knative layer (:mod:`kn_constructs.knative`) and the practice
catalogue (:mod:`kn_constructs.practices`) are pure Python. Construct classes are
imported lazily, so ``import kn_constructs`` for the value objects stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kn_constructs.batching import Batching
from kn_constructs.derivation import Derivation
from kn_constructs.errors import (
    KnConstructsError,
    KnWarning,
    Problem,
    RenderDefectError,
    ValidationError,
)
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.placement import GpuPlacement
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile, StartupTime
from kn_constructs.router import RouterRoute
from kn_constructs.sources import ModelSource, SecretKeyRef
from kn_constructs.traffic import Traffic, TrafficTarget

if TYPE_CHECKING:
    from kn_constructs.cluster import KnativeClusterConfig
    from kn_constructs.fleet import ModelFleet
    from kn_constructs.router_construct import ModelRouter
    from kn_constructs.service import GpuInferenceService

__all__ = [
    "AutoscalerProfile",
    "Batching",
    "ClusterSettings",
    "Derivation",
    "GpuInferenceService",
    "GpuPlacement",
    "KnConstructsError",
    "KnWarning",
    "KnativeClusterConfig",
    "ModelFleet",
    "ModelRouter",
    "ModelSource",
    "Probes",
    "Problem",
    "RenderDefectError",
    "RouterRoute",
    "SecretKeyRef",
    "StartupTime",
    "Traffic",
    "TrafficTarget",
    "ValidationError",
]

__version__ = "0.1.0"

_LAZY = {
    "GpuInferenceService": "kn_constructs.service",
    "KnativeClusterConfig": "kn_constructs.cluster",
    "ModelFleet": "kn_constructs.fleet",
    "ModelRouter": "kn_constructs.router_construct",
}


def __getattr__(name: str) -> Any:
    """Import construct classes (which load cdk8s and Node) on first use."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'kn_constructs' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
