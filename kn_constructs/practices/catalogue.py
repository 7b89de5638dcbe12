"""The practice catalogue as data: every practice ID, what it asks, and how it is enforced.

The IDs are the ones of the project's practice catalogue (``KN-…``). Problem codes,
docs, lint findings and test names use them, so a reader can go from a practice to
the code that enforces it and the test that proves it. The wording is the
project's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["PRACTICES", "Enforcement", "Practice", "practice"]

Enforcement = Literal["default", "derived", "error", "warn", "lint", "docs"]


@dataclass(frozen=True)
class Practice:
    """One practice.

    Attributes:
        id: The stable ID (``KN-AS-3``).
        area: The catalogue section (``Autoscaling``).
        title: The practice in a few words.
        enforcement: How kn_constructs enforces it.
        summary: What the library does about it, in one or two sentences.
    """

    id: str
    area: str
    title: str
    enforcement: tuple[Enforcement, ...]
    summary: str


def _p(id_: str, area: str, title: str, enforcement: str, summary: str) -> Practice:
    kinds = tuple(k.strip() for k in enforcement.split(","))
    return Practice(id_, area, title, kinds, summary)  # type: ignore[arg-type]


_MODELS = "Models and images"
_START = "Startup, probes, shutdown"
_CONC = "Concurrency and batching"
_AS = "Autoscaling"
_FLEET = "Fleet and routing"
_ROLL = "Rollouts and revisions"
_PLACE = "Placement"
_OPS = "Operations"

_ALL = (
    _p(
        "KN-MODEL-1",
        _MODELS,
        "Weights stay out of the image",
        "error",
        "A service needs a ModelSource separate from the image.",
    ),
    _p(
        "KN-MODEL-2",
        _MODELS,
        "Object storage with Tensorizer for weights",
        "default, error, lint",
        "Typed model sources; the location reaches the server through documented env vars and"
        " credentials only through secretKeyRef (literal secrets in env are refused).",
    ),
    _p(
        "KN-MODEL-3",
        _MODELS,
        "PVC as a same-region fallback",
        "error, warn",
        "PVC sources need Knative's PVC flag (and the write flag unless read-only); a data"
        " region outside the placement regions warns. Knative >= 1.2 mounts PVCs in a ksvc.",
    ),
    _p(
        "KN-MODEL-4",
        _MODELS,
        "No downloads from public hubs at run time",
        "default, error, lint",
        "HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE and HF_DATASETS_OFFLINE are set to 1; a model URI on"
        " a public hub is refused unless explicitly allowed.",
    ),
    _p(
        "KN-IMAGE-1",
        _MODELS,
        "Small images, pinned",
        "warn, lint",
        "An image without a digest (or tagged latest) warns.",
    ),
    _p(
        "KN-ENGINE-1",
        _MODELS,
        "Engines with in-flight batching and tensor parallelism",
        "derived",
        "The batching mode drives concurrency; GPUs per pod is the tensor-parallel degree.",
    ),
    _p(
        "KN-START-1",
        _START,
        "Start in order, report ready last",
        "docs",
        "The readiness probe targets a path the server passes only once the model is loaded.",
    ),
    _p(
        "KN-PROBE-1",
        _START,
        "Fast HTTP readiness probe",
        "default, error, lint",
        "An HTTP readiness probe with a period of 1..9 s and a small failure threshold.",
    ),
    _p(
        "KN-PROBE-2",
        _START,
        "Liveness is a safety net",
        "default, error",
        "Liveness far more tolerant than readiness; a startup probe covers the model load;"
        " liveness that would fire before readiness is refused.",
    ),
    _p(
        "KN-PROBE-3",
        _START,
        "Short unready-but-routed time",
        "warn",
        "Readiness period x failure threshold above 10 s warns.",
    ),
    _p(
        "KN-START-2",
        _START,
        "Long loads survive the progress deadline",
        "derived",
        "serving.knative.dev/progress-deadline = max(cluster default, ceil(1.5 x worst-case startup)).",
    ),
    _p(
        "KN-SHUT-1",
        _START,
        "Drain on SIGTERM; no grace period of your own",
        "error, docs",
        "terminationGracePeriodSeconds and lifecycle are never written (Knative forbids them).",
    ),
    _p(
        "KN-SHUT-2",
        _START,
        "timeoutSeconds = 1.2 x longest request",
        "derived, error",
        "Derived with ceil; above max-revision-timeout-seconds is refused with a hint to KN-LONG-1.",
    ),
    _p(
        "KN-CANCEL-1",
        _START,
        "Client and middleware timeouts >= 3 x inference time",
        "derived",
        "Router timeouts are derived from it.",
    ),
    _p(
        "KN-CANCEL-2",
        _START,
        "Stop work when the client cancels",
        "default, docs",
        "The router passes client aborts upstream and never retries inference elsewhere.",
    ),
    _p(
        "KN-LONG-1",
        _START,
        "Requests over ~2 minutes don't belong on Knative",
        "warn, error",
        "Over 120 s warns; over the timeout limit is refused.",
    ),
    _p(
        "KN-CONC-1",
        _CONC,
        "containerConcurrency 1 when unknown",
        "default",
        "Batching.none() gives containerConcurrency 1.",
    ),
    _p(
        "KN-CONC-2",
        _CONC,
        "Soft target equals hard limit",
        "default, error",
        "The target follows containerConcurrency unless batching says otherwise.",
    ),
    _p(
        "KN-CONC-3",
        _CONC,
        "Target utilization 90-95 %, written explicitly",
        "default, warn, lint, error",
        "90 % by default and always written (Knative's 70 % asks for two pods per request at"
        " concurrency 1); below 70 % warns.",
    ),
    _p(
        "KN-BATCH-1",
        _CONC,
        "Fixed batching: hard in [batch, 2 x batch]",
        "derived, error, warn",
        "Target = batch size; hard limit outside [batch, 2 x batch] is refused, above 1.5 x warns.",
    ),
    _p(
        "KN-BATCH-2",
        _CONC,
        "In-flight batching: high soft target clear of the hard limit",
        "derived, error, warn",
        "Hard = max sequences, soft = 80 % by default; soft above hard is refused, within 5 % warns.",
    ),
    _p(
        "KN-BATCH-3",
        _CONC,
        "Batch wait + processing fits the timeouts",
        "error",
        "Batch wait + longest request above timeoutSeconds is refused.",
    ),
    _p(
        "KN-CONC-4",
        _CONC,
        "containerConcurrency is not a queue",
        "lint",
        "The linter flags hard limits far above what batching justifies; for fixed batching"
        " the construct refuses them under KN-BATCH-1.",
    ),
    _p(
        "KN-AS-1",
        _AS,
        "KPA on concurrency for GPUs",
        "default, lint, error, warn",
        "Class KPA and metric concurrency are written explicitly.",
    ),
    _p(
        "KN-AS-2",
        _AS,
        "Decide the goal, measure startup",
        "default, warn, error",
        "Presets per goal and a constructor from measured startup; no measurement warns.",
    ),
    _p(
        "KN-AS-3",
        _AS,
        "Stable window ~ 2 x mean startup",
        "derived, warn, error",
        "ceil(2 x p95 startup) whole seconds within 6 s..1 h; clamping warns.",
    ),
    _p(
        "KN-AS-4",
        _AS,
        "Panic window 50 %, not shorter than startup",
        "derived, warn, error",
        "50 % when derived; a panic window shorter than the mean startup warns.",
    ),
    _p(
        "KN-AS-5",
        _AS,
        "Panic threshold 200 % or more",
        "default, error",
        "200 % by default; outside Knative's 110..1000 is refused.",
    ),
    _p(
        "KN-AS-6",
        _AS,
        "Scale rates are cluster-wide; change after measuring",
        "error",
        "Only the cluster construct writes them (> 1.0); conflicting fleet requests are refused.",
    ),
    _p(
        "KN-AS-7",
        _AS,
        "Aggressive up goes with gentle down",
        "warn, error",
        "A profile aggressive on both sides warns.",
    ),
    _p(
        "KN-AS-8",
        _AS,
        "Spiky traffic scales 5-10 points earlier",
        "derived",
        "traffic='spiky' takes 10 points off the utilization.",
    ),
    _p(
        "KN-SCALE-1",
        _AS,
        "min-scale by intent; 0 to scale to zero",
        "default, warn, error",
        "0 by default; a startup longer than the cold-start budget warns.",
    ),
    _p(
        "KN-SCALE-2",
        _AS,
        "max-scale fits the GPUs you have",
        "error",
        "Required (or derived from a fleet's GPU budget); fleets over budget are refused.",
    ),
    _p(
        "KN-SCALE-3",
        _AS,
        "initial-scale ~ 1.2 x pods serving now",
        "derived, error",
        "Derived from current_pods at rollout; 0 only where the cluster allows it.",
    ),
    _p(
        "KN-SCALE-4",
        _FLEET,
        "Scale to zero per model",
        "default",
        "ModelFleet makes one Knative Service per model.",
    ),
    _p(
        "KN-FLEET-1",
        _FLEET,
        "One Knative Service per model",
        "error",
        "Unique, DNS-1035-valid names across the fleet.",
    ),
    _p(
        "KN-FLEET-2",
        _FLEET,
        "A path-based NGINX router in front",
        "default",
        "Generated router that passes nginx -t.",
    ),
    _p(
        "KN-FLEET-3",
        _FLEET,
        "No external queue in front of Knative",
        "default, lint",
        "The router neither buffers nor queues.",
    ),
    _p(
        "KN-ROLL-1",
        _ROLL,
        "The old revision serves until the new one is ready",
        "default, error",
        "Typed, validated traffic blocks; gradual shift via rollout-duration.",
    ),
    _p(
        "KN-ROLL-2",
        _ROLL,
        "No 'readiness percentage' in Knative",
        "docs",
        "A revision is ready at max(min-scale, initial-scale) ready pods; the real knobs are exposed.",
    ),
    _p(
        "KN-ROLL-3",
        _ROLL,
        "No rollout deadlock on scarce GPUs",
        "error",
        "Required ready pods x GPUs per pod above the declared spare GPUs is refused.",
    ),
    _p(
        "KN-ROLL-4",
        _ROLL,
        "Non-production cuts over at once",
        "default",
        "A dev environment intent gives immediate cut-over settings.",
    ),
    _p(
        "KN-PLACE-1",
        _PLACE,
        "GPU class with fallbacks",
        "default, error, lint",
        "Required affinity on all acceptable classes, preferred terms weighted by order; each class"
        " is a value its label's catalogue knows (else an error, and a lint warning, with 'did you"
        " mean') with enough memory for gpu_memory_gib.",
    ),
    _p(
        "KN-PLACE-2",
        _PLACE,
        "Region fallbacks",
        "default, error",
        "Preferred region terms, each a valid self-contained term, weights decreasing.",
    ),
    _p(
        "KN-PLACE-3",
        _PLACE,
        "Affinity needs Knative's feature flag",
        "error, warn",
        "A service whose cluster config disables the flags it needs is refused; without a"
        " declared cluster config a warning names the flags.",
    ),
    _p(
        "KN-GPU-1",
        _PLACE,
        "Request GPUs explicitly",
        "default, error",
        "nvidia.com/gpu limits = GPUs per pod; CPU and memory requests set.",
    ),
    _p(
        "KN-OPS-1",
        _OPS,
        "Monitor startup and revisions",
        "default",
        "Standard app.kubernetes.io labels and the model name on every object.",
    ),
    _p(
        "KN-OPS-2",
        _OPS,
        "Change cluster scale rates only after measuring",
        "docs",
        "The cluster construct documents each knob's default and why it changed.",
    ),
)

#: Every practice by ID, in catalogue order.
PRACTICES: Mapping[str, Practice] = MappingProxyType({p.id: p for p in _ALL})


def practice(practice_id: str) -> Practice:
    """The practice with this ID; ``KeyError`` if there is none."""
    return PRACTICES[practice_id]
