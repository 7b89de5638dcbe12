"""``GpuInferenceService``: one model as one Knative Service, correct by construction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from constructs import Construct

from kn_constructs._boundary import checked_construct
from kn_constructs._synth import HeldObject
from kn_constructs.batching import Batching
from kn_constructs.derivation import Derivation
from kn_constructs.errors import Problem, emit_warnings, raise_for_errors
from kn_constructs.inference import (
    ClusterConfigLike,
    InferencePlan,
    InferenceServiceProps,
    plan_inference_service,
    requested_rates,
    required_features,
    timeout_seconds_for,
)
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.placement import GpuPlacement
from kn_constructs.probes import Probes
from kn_constructs.profile import AutoscalerProfile
from kn_constructs.sources import ModelSource, SecretKeyRef
from kn_constructs.traffic import Traffic

if TYPE_CHECKING:  # the cold-start model loads the simulator's package: only when asked for
    from kn_constructs.coldstart import StartupEstimate

__all__ = ["GpuInferenceService"]


class GpuInferenceService(HeldObject):
    """One model served by one Knative Service (``serving.knative.dev/v1``) on GPUs.

    The construct is the Knative Service itself: its ``name`` is the Service's name. Its
    manifest is held in Python and written, byte for byte as cdk8s would write it, when the
    app synthesizes (``docs/synth.md``); it is a construct, not a cdk8s ``ApiObject``:
    ``add_json_patch`` (cdk8s ``JsonPatch`` operations), ``to_json()``, ``name``, ``kind`` and
    ``api_version`` work as on an ``ApiObject``; ``ApiObject.of(service)`` does not.

    Every prop's Python type is checked first (``KNC-TYPE``; unknown props are
    ``KNC-PROP`` with "did you mean"), then every prop's value; all problems are reported
    together in one :class:`~kn_constructs.errors.ValidationError` and nothing is
    added to the app. Risky choices raise :class:`~kn_constructs.errors.KnWarning`
    warnings, which ``acknowledge`` silences by code.

    Args:
        scope: The parent construct (usually a ``Chart``).
        id: The construct id; also the Knative Service's name unless ``name`` is given.
            Renaming it renames the Service.
        image: The server image; pin it by digest (KN-IMAGE-1 warns otherwise). The
            image holds the server, never the weights (KN-MODEL-1).
        model: Where the weights are (required; KN-MODEL-1..4).
        gpu: GPU classes, regions and GPUs per pod (KN-PLACE-1, KN-PLACE-2, KN-GPU-1).
        longest_request_seconds: The longest request you expect; ``timeoutSeconds`` is
            ``ceil(1.2 x`` this ``)`` (KN-SHUT-2) and must fit the cluster's
            max-revision-timeout-seconds (600 by default). Over 120 s warns (KN-LONG-1).
        batching: The server's batching mode; drives ``containerConcurrency`` and the
            target. Default :meth:`Batching.none` (KN-CONC-1).
        autoscaling: The autoscaling profile. Default ``AutoscalerProfile()`` (Knative's
            windows, 90 % utilization); prefer ``AutoscalerProfile.from_startup(...)``.
        min_scale: ``autoscaling.knative.dev/min-scale``. Default: the profile's, else 0
            (scale to zero; KN-SCALE-1).
        max_scale: ``autoscaling.knative.dev/max-scale``. Required here or in the
            profile (KN-SCALE-2).
        initial_scale: ``autoscaling.knative.dev/initial-scale``. Default: the profile's,
            else derived from ``current_pods`` (KN-SCALE-3) or 1 in a dev environment,
            else unset (Knative's 1). Above max-scale is refused: the revision would never
            turn ready.
        cold_start_budget_seconds: How long a first request may wait for a pod to
            start. With scale to zero and a longer mean startup, warns (KN-SCALE-1).
        name: The Knative Service's name (DNS-1035, <= 63). Default: ``id``.
        port: The container port. Default 8080; Knative's reserved ports are refused.
        protocol: ``"http1"`` (default) or ``"h2c"`` (gRPC), the port's name.
        probes: Probe settings (KN-PROBE-1..3). Default :class:`Probes`.
        cpu: CPU request. Default ``"4"``.
        memory: Memory request and limit. Default ``"32Gi"``.
        shared_memory: Size of a RAM-backed ``/dev/shm`` (for multi-GPU PyTorch), or
            ``None`` (default: none).
        env: Extra env vars: plain strings, or :class:`SecretKeyRef` for anything
            secret (literal secrets are refused; KN-MODEL-2).
        command: Container command override.
        args: Container args.
        labels: Extra labels on the Service and its pods.
        part_of: ``app.kubernetes.io/part-of`` label. Default: the service name.
        cluster: The cluster's settings (a ``KnativeClusterConfig`` or
            ``ClusterSettings``). Default: Knative's defaults (a stock install, as
            ``kn-constructs lint`` assumes), so a feature flag the service needs and
            Knative leaves off is an error (KN-PLACE-3, KN-MODEL-3).
        revision_name: Name of the revision this change creates (``spec.template.metadata.name``);
            must start with ``<name>-``. Default: Knative generates ``<name>-00001``, ...
        traffic: Where requests go (:class:`~kn_constructs.Traffic`). Default: all to the
            latest ready revision (no ``traffic`` block written).
        current_pods: Pods serving now, at a rollout: initial-scale becomes
            ``ceil(1.2 x current_pods)`` (KN-SCALE-3), or 1 % of that with a gradual rollout.
        spare_gpus: GPUs free for the new revision while the old one keeps serving. The
            new revision's ``max(min-scale, initial-scale) x GPUs per pod`` must fit, or the
            rollout deadlocks (KN-ROLL-3).
        environment: ``"production"`` (default: the old revision serves until the new one
            is ready, initial-scale from ``current_pods``) or ``"dev"`` (cut over at once with
            initial-scale 1, no gradual rollout; KN-ROLL-4).
        protect_from_gc: Keep this revision from Knative's revision GC
            (``serving.knative.dev/no-gc: "true"``).
        acknowledge: Warning codes to silence for this service (``["KN-IMAGE-1"]``).
        defer_errors: For fleets: instead of raising, append error problems to this list
            and add no manifest (the fleet raises them all together at synth); warnings are
            then kept in ``warnings`` for the fleet to emit, grouped by code.
        problem_path: For fleets: the root of problem paths (default: ``id``).
    """

    @checked_construct(
        "GpuInferenceService", root=("problem_path", "id"), hidden=("defer_errors", "problem_path")
    )
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        image: str,
        model: ModelSource | None,
        gpu: GpuPlacement,
        longest_request_seconds: float,
        batching: Batching | None = None,
        autoscaling: AutoscalerProfile | None = None,
        min_scale: int | None = None,
        max_scale: int | None = None,
        initial_scale: int | None = None,
        cold_start_budget_seconds: float | None = None,
        name: str | None = None,
        port: int = 8080,
        protocol: Literal["http1", "h2c"] = "http1",
        probes: Probes | None = None,
        cpu: str = "4",
        memory: str = "32Gi",
        shared_memory: str | None = None,
        env: Mapping[str, str | SecretKeyRef] | None = None,
        command: Sequence[str] | None = None,
        args: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        part_of: str | None = None,
        cluster: ClusterSettings | ClusterConfigLike | None = None,
        revision_name: str | None = None,
        traffic: Traffic | None = None,
        current_pods: int | None = None,
        spare_gpus: int | None = None,
        environment: Literal["production", "dev"] = "production",
        protect_from_gc: bool = False,
        acknowledge: Iterable[str] = (),
        defer_errors: list[Problem] | None = None,
        problem_path: str | None = None,
    ) -> None:
        props = InferenceServiceProps(
            name=name if name is not None else id,
            image=image,
            model=model,
            gpu=gpu,
            longest_request_seconds=longest_request_seconds,
            batching=batching if batching is not None else Batching.none(),
            autoscaling=autoscaling if autoscaling is not None else AutoscalerProfile(),
            min_scale=min_scale,
            max_scale=max_scale,
            initial_scale=initial_scale,
            cold_start_budget_seconds=cold_start_budget_seconds,
            port=port,
            protocol=protocol,
            probes=probes if probes is not None else Probes(),
            cpu=cpu,
            memory=memory,
            shared_memory=shared_memory,
            env=dict(env or {}),
            command=command,
            args=args,
            labels=dict(labels or {}),
            part_of=part_of,
            cluster=cluster if isinstance(cluster, ClusterSettings) else None,
            path=problem_path or id,
            revision_name=revision_name,
            traffic=traffic,
            current_pods=current_pods,
            spare_gpus=spare_gpus,
            environment=environment,
            protect_from_gc=protect_from_gc,
        )
        early: list[Problem] = []
        if cluster is not None and not isinstance(cluster, ClusterSettings):
            # A cluster config construct: say what this service needs, then check against it.
            early = cluster.request(
                problem_path or id,
                features=required_features(props),
                rates=requested_rates(props.autoscaling),
            )
            props = dataclasses.replace(props, cluster=cluster.settings)
        plan = plan_inference_service(props)
        problems = _merge(early, plan.problems)
        errors = [p for p in problems if p.severity == "error"]
        if defer_errors is None:
            raise_for_errors(errors, subject=f"GpuInferenceService {props.name!r}")
        manifest = plan.manifest
        metadata = manifest["metadata"] if manifest is not None else {"name": props.name}
        # One construct node (one jsii call); the manifest stays in Python and is rendered at
        # synth, when the chart's namespace is filled in.
        super().__init__(
            scope,
            id,
            api_version="serving.knative.dev/v1",
            kind="Service",
            metadata=cast("dict[str, Any]", metadata),
        )
        self.props = props
        self.plan: InferencePlan = plan
        #: The service's own error problems when they were deferred to a fleet; else empty.
        self.errors: list[Problem] = errors
        self.warnings: list[Problem] = []
        if errors:
            # Deferred to a fleet, which fails the synthesis: this object is never written.
            assert defer_errors is not None
            defer_errors.extend(errors)
            self._kn_hide()
            return
        if defer_errors is None:
            self.warnings = emit_warnings(problems, acknowledged=acknowledge)
        else:
            # In a fleet: the fleet emits its models' warnings grouped by code, once.
            skip = frozenset(acknowledge)
            self.warnings = [p for p in problems if p.severity == "warning" and p.code not in skip]
        assert manifest is not None
        self._kn_add_patch("add", "/spec", manifest["spec"])

    @property
    def timeout_seconds(self) -> int:
        """The derived ``timeoutSeconds`` (KN-SHUT-2)."""
        return timeout_seconds_for(self.props.longest_request_seconds)

    @property
    def startup_estimate(self) -> StartupEstimate:
        """The cold start as its phases, from the model source, image and placement (``docs/coldstart.md``).

        Read only: nothing of it is rendered. ``.startup_time()`` is what
        ``AutoscalerProfile.from_startup`` takes; a measured ``autoscaling.startup`` overrides the total.
        """
        from kn_constructs.coldstart import model_for_props

        return model_for_props(self.props).estimate()

    @property
    def manifest(self) -> dict[str, object]:
        """The rendered Knative Service as a plain dict (before the chart sets the namespace)."""
        assert self.plan.manifest is not None
        return self.plan.manifest

    @property
    def derivations(self) -> tuple[Derivation, ...]:
        """Each derived value, its inputs and the practice behind it."""
        return self.plan.derivations

    @property
    def required_features(self) -> frozenset[str]:
        """The ``config-features`` flags this service needs."""
        return self.plan.required_features


def _merge(first: Iterable[Problem], second: Iterable[Problem]) -> list[Problem]:
    """Both lists, without a second problem of the same code at the same path."""
    merged: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for problem in [*first, *second]:
        key = (problem.code, problem.path)
        if key not in seen:
            seen.add(key)
            merged.append(problem)
    return merged
