"""``ModelFleet``: many models, one Knative Service each, an NGINX router in front.

One Knative Service per model (KN-FLEET-1, KN-SCALE-4), so each model scales to zero
on its own; shared defaults that each model can override; a path-based router
(KN-FLEET-2); and checks only a whole fleet can make, all collected and reported
together when the app synthesizes (or on :meth:`ModelFleet.validate`):

* unique model names (refused at ``add_model``) that stay valid DNS-1035 labels with Knative's revision suffix
  (KN-FLEET-1);
* a GPU budget: the sum of max-scale x GPUs per pod must fit (KN-SCALE-2);
* cluster-wide settings the models disagree on (KN-AS-6);
* every model's own problems, including flags the cluster config disables.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdk8s import Chart
from constructs import Construct

from kn_constructs._boundary import check_arguments, check_value, checked_construct
from kn_constructs._synth import add_finalizer, chart_of, outdir_existed, remove_empty_outdir
from kn_constructs.errors import Problem, ValidationError, emit_warnings
from kn_constructs.inference import ClusterConfigLike, requested_rates
from kn_constructs.knative import rules as kn
from kn_constructs.knative.names import dns1035_problems
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.profile import AutoscalerProfile
from kn_constructs.router import RouterRoute, RouterSettings, model_name_problems, router_problems
from kn_constructs.service import GpuInferenceService

if TYPE_CHECKING:
    from kn_constructs.router_construct import ModelRouter

__all__ = ["MAX_MODEL_NAME_LENGTH", "ModelFleet"]

#: Knative names revisions ``<service>-00001``; keeping that within 63 characters
#: keeps revision names readable (longer ones are truncated and hashed by Knative).
REVISION_SUFFIX = "-00001"
MAX_MODEL_NAME_LENGTH = 63 - len(REVISION_SUFFIX)
#: How many problem paths a grouped warning lists before "and N more".
_GROUP_LISTING = 8
#: Props a fleet passes to every model unless the model overrides them.
SHARED_PROPS = (
    "image",
    "gpu",
    "autoscaling",
    "batching",
    "probes",
    "cpu",
    "memory",
    "shared_memory",
    "longest_request_seconds",
    "max_scale",
    "min_scale",
    "port",
    "protocol",
    "cold_start_budget_seconds",
)


@dataclass(frozen=True)
class _Model:
    name: str
    service: GpuInferenceService
    typical_request_seconds: float | None
    model_names: tuple[str, ...] | None = None
    engine_model: str | None = None

    @property
    def public_names(self) -> tuple[str, ...]:
        return self.model_names if self.model_names is not None else (self.name,)


def _biggest(gpus_by_model: Mapping[str, int], count: int = 5) -> str:
    """The biggest GPU users, biggest first: ``chat 8, embed 4``."""
    ranked = sorted(gpus_by_model.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {gpus}" for name, gpus in ranked[:count])


def _ready_pods(service: GpuInferenceService) -> int:
    """Ready pods a new revision needs before it turns ready: max(min-scale, initial-scale)."""
    manifest = service.plan.manifest
    assert manifest is not None
    annotations = manifest["spec"]["template"]["metadata"]["annotations"]  # type: ignore[index]
    min_scale = int(annotations.get(kn.ANN_MIN_SCALE, "0"))
    initial = int(annotations.get(kn.ANN_INITIAL_SCALE, str(service.plan.settings.initial_scale)))
    return max(min_scale, initial)


def _default_type_problems(defaults: Mapping[str, Any], *, path: str) -> list[Problem]:
    """Each fleet default checked against the type of the ``GpuInferenceService`` prop it fills."""
    hints = typing.get_type_hints(GpuInferenceService.__init__)
    found: list[Problem] = []
    for name, value in defaults.items():
        if name in hints and (name in SHARED_PROPS or name == "env"):
            found.extend(check_value(value, hints[name], f"{path}.{name}"))
    return found


class ModelFleet(Construct):
    """A namespace-scoped set of models, each its own Knative Service, behind one router.

    Args:
        scope: The parent construct (a ``Chart``).
        id: The construct id (also the router's name prefix and the models' ``part-of`` label).
        cluster: The cluster config the models are checked against and report their
            needs to (a ``KnativeClusterConfig``, or plain ``ClusterSettings``).
        gpu_budget: GPUs the fleet may use at max scale, or ``None`` for no check.
            The sum over models of ``max_scale x gpu.count`` must fit (KN-SCALE-2).
        namespace: The models' namespace; default the chart's. The router needs it.
        router: Put an NGINX router in front (default ``True``; KN-FLEET-2).
        router_prefix: URL prefix of the router's locations (default ``/models/``; a model
            is served under ``/models/<name>/``).
        router_image: The router's image (default: the router's own default; pin a digest).
        router_replicas: Router replicas (default 2).
        router_openai: The router also speaks the OpenAI API (default ``True``): requests
            to ``/v1/chat/completions`` and the other OpenAI endpoints go to the model named
            in the body's ``model``, and ``GET /v1/models`` lists the models' public names
            (``add_model(model_names=...)``). Needs njs in the router image (the default
            image has it); ``False`` keeps path routes only.
        acknowledge: Warning codes silenced for every model and the router.
        **defaults: Shared defaults for every model, any of ``image``, ``gpu``,
            ``autoscaling``, ``batching``, ``probes``, ``cpu``, ``memory``,
            ``shared_memory``, ``longest_request_seconds``, ``max_scale``, ``min_scale``,
            ``port``, ``protocol``, ``cold_start_budget_seconds``, and ``env``
            (merged with each model's env). Each model can override them.
    """

    @checked_construct("ModelFleet")
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ClusterSettings | ClusterConfigLike | None = None,
        gpu_budget: int | None = None,
        namespace: str | None = None,
        router: bool = True,
        router_prefix: str = "/models/",
        router_image: str | None = None,
        router_replicas: int = 2,
        router_openai: bool = True,
        acknowledge: Iterable[str] = (),
        **defaults: Any,
    ) -> None:
        unknown = sorted(set(defaults) - set(SHARED_PROPS) - {"env"})
        problems = [
            Problem(
                "KNC-PROP",
                f"{id}.{name}",
                f"unknown fleet default {name!r}",
                value=name,
                allowed=", ".join((*SHARED_PROPS, "env")),
                hint="per-model props go to add_model()",
            )
            for name in unknown
        ]
        problems += _default_type_problems(defaults, path=id)
        if gpu_budget is not None and gpu_budget < 1:
            problems.append(
                Problem(
                    "KN-SCALE-2",
                    f"{id}.gpu_budget",
                    f"expected 1 <= {gpu_budget}",
                    value=gpu_budget,
                    allowed=">= 1 GPUs",
                )
            )
        chart = scope if isinstance(scope, Chart) else chart_of(scope)
        ns = namespace if namespace is not None else chart.namespace
        if router and not ns:
            problems.append(
                Problem(
                    "KN-FLEET-2",
                    f"{id}.namespace",
                    "the router needs the models' namespace to reach their cluster-local addresses",
                    hint='give the chart a namespace (Chart(app, "fleet", namespace="models"))'
                    " or pass namespace=",
                )
            )
        if problems:
            raise ValidationError(problems, subject=f"ModelFleet {id!r}")
        super().__init__(scope, id)
        self._kn_chart = chart  # the models' chart, known without a jsii round trip each
        self._id = id  # kept here: reading node.id is a jsii round trip
        self.cluster = cluster
        self.gpu_budget = gpu_budget
        self.namespace = ns
        self._defaults = dict(defaults)
        self._acknowledge = tuple(acknowledge)
        self._router_enabled = router
        self._router_prefix = router_prefix
        self._router_image = router_image
        self._router_replicas = router_replicas
        self._router_openai = router_openai
        self._models: dict[str, _Model] = {}
        #: Each public model name -> the model that has it (kept as models are added: one lookup
        #: per name instead of a scan of the fleet, which made ``add_model`` quadratic).
        self._public_owner: dict[str, str] = {}
        self._deferred: list[Problem] = []
        self._finalized = False
        #: The fleet's router, built when the app synthesizes (``None`` before, or without one).
        self.router: ModelRouter | None = None
        self._outdir_existed = outdir_existed(self)
        add_finalizer(self, self._finalize)

    # ------------------------------------------------------------------ models

    @property
    def models(self) -> Mapping[str, GpuInferenceService]:
        """The models' services, by model name, in the order they were added."""
        return {name: model.service for name, model in self._models.items()}

    def add_model(
        self,
        name: str,
        *,
        typical_request_seconds: float | None = None,
        model_names: Sequence[str] | None = None,
        engine_model: str | None = None,
        acknowledge: Iterable[str] = (),
        **props: Any,
    ) -> GpuInferenceService:
        """Add one model as its own Knative Service named ``name``.

        Props are those of :class:`~kn_constructs.GpuInferenceService`; the fleet's
        defaults fill in what is not given (``env`` is merged). Scale to zero is the
        default (min-scale 0); pass ``min_scale=1`` for a model that must stay warm.
        A name already in the fleet, a public model name another model has (KN-FLEET-1)
        and props of the wrong type or unknown props (``KNC-TYPE``, ``KNC-PROP``) raise a
        :class:`~kn_constructs.errors.ValidationError` here; every other problem is
        reported with all the others when the app synthesizes (or on :meth:`validate`).

        Args:
            name: The model's name: the Knative Service's name and the router path.
            typical_request_seconds: Typical inference time, for the router's timeouts
                (KN-CANCEL-1); default: the longest request.
            model_names: The names OpenAI clients use for this model in the body's
                ``model`` (the router's body routing; ``GET /v1/models`` lists them), e.g.
                ``["llama-3-8b", "llama-3-8b-instruct"]``. Default: ``[name]``. Unique across
                the fleet; letters, digits and ``. _ : / @ + -``, at most 256 characters.
            engine_model: The model name the model server expects (vLLM's
                ``--served-model-name``); the router writes it into the body's ``model``
                before forwarding. Default: none (the body goes as the client sent it).
            acknowledge: Warning codes silenced for this model (added to the fleet's).
            **props: ``GpuInferenceService`` props.

        Returns:
            The model's ``GpuInferenceService``.
        """
        if self._finalized:
            raise RuntimeError(f"ModelFleet {self._id!r}: add models before the app synthesizes")
        own = {
            "name": name,
            "typical_request_seconds": typical_request_seconds,
            "model_names": model_names,
            "engine_model": engine_model,
            "acknowledge": acknowledge,
        }
        problems = check_arguments(ModelFleet.add_model, (), own, prefix=self._id, skip=1)
        names = tuple(model_names) if model_names is not None and not problems else None
        if not problems:
            problems = model_name_problems(names, engine_model, f"{self._id}.{name}")
        if not problems:
            problems = self._public_name_problems(name, names)
        if not problems and name in self._models:
            problems.append(
                Problem(
                    "KN-FLEET-1",
                    f"{self._id}.{name}",
                    f"model {name!r} is added twice: one Knative Service per model",
                    value=name,
                    allowed="a name not yet in the fleet: " + ", ".join(self._models),
                    hint="give each model a unique name",
                )
            )
        if problems:
            raise ValidationError(problems, subject=f"ModelFleet {self._id!r}")
        merged = {key: value for key, value in self._defaults.items() if key != "env"}
        merged.update(props)
        own_env = props.get("env")
        if own_env is None or isinstance(own_env, Mapping):
            env = {**self._defaults.get("env", {}), **(own_env or {})}
            if env:
                merged["env"] = env
        merged.setdefault("cluster", self.cluster)
        merged.setdefault("part_of", self._id)
        service = GpuInferenceService(
            self,
            name,
            name=name,
            acknowledge=(*self._acknowledge, *acknowledge),
            defer_errors=self._deferred,
            problem_path=f"{self._id}.{name}",
            **merged,
        )
        model = _Model(name, service, typical_request_seconds, names, engine_model)
        self._models[name] = model
        for public in model.public_names:
            self._public_owner[public] = name
        return service

    def _public_name_problems(self, name: str, names: tuple[str, ...] | None) -> list[Problem]:
        """A new model's public names against the other models' (KN-FLEET-1): one model per name."""
        taken = self._public_owner
        found = []
        for index, public in enumerate(names if names is not None else (name,)):
            owner = taken.get(public)
            if owner is None or owner == name:
                continue
            found.append(
                Problem(
                    "KN-FLEET-1",
                    f"{self._id}.{name}" + (f".model_names[{index}]" if names is not None else ""),
                    f"model name {public!r} is already a name of model {owner!r}: a request naming it"
                    " could reach either",
                    value=public,
                    allowed="a public model name no other model of the fleet uses",
                    hint="give each model its own names (model_names=[...])",
                )
            )
        return found

    # ------------------------------------------------------------------ checks

    def problems(self) -> list[Problem]:
        """Every error of the fleet and its models, collected."""
        fleet_id = self._id
        found = list(self._deferred)
        for name in self._models:
            if len(name) > MAX_MODEL_NAME_LENGTH and not dns1035_problems(name, path=""):
                found.append(
                    Problem(
                        "KN-FLEET-1",
                        f"{fleet_id}.{name}",
                        f"name is {len(name)} characters: with Knative's revision suffix"
                        f" {REVISION_SUFFIX!r} it exceeds 63",
                        value=name,
                        allowed=f"<= {MAX_MODEL_NAME_LENGTH} characters",
                        hint="shorten the model name",
                    )
                )
        found.extend(self._budget_problems())
        found.extend(self._rollout_problems())
        found.extend(self._rate_problems())
        if self._router_enabled and self._models and not self._deferred:
            found.extend(
                p
                for p in router_problems(
                    self._routes(),
                    RouterSettings(prefix=self._router_prefix, openai=self._router_openai),
                    path=f"{fleet_id}.router",
                )
                if p.severity == "error"
            )
        return found

    def validate(self) -> None:
        """Raise one :class:`~kn_constructs.errors.ValidationError` listing every problem."""
        errors = [p for p in self.problems() if p.severity == "error"]
        if errors:
            raise ValidationError(errors, subject=f"ModelFleet {self._id!r}")

    def gpus_at_max_scale(self) -> dict[str, int]:
        """GPUs each model may hold at max scale (max-scale x GPUs per pod), by model name."""
        out = {}
        for name, model in self._models.items():
            props = model.service.props
            max_scale = props.max_scale if props.max_scale is not None else props.autoscaling.max_scale
            if max_scale is not None:
                out[name] = max_scale * props.gpu.count
        return out

    def _budget_problems(self) -> list[Problem]:
        if self.gpu_budget is None:
            return []
        usage = self.gpus_at_max_scale()
        total = sum(usage.values())
        if total <= self.gpu_budget:
            return []
        listing = _biggest(usage)
        return [
            Problem(
                "KN-SCALE-2",
                f"{self._id}.gpu_budget",
                f"the models need {total} GPUs at max scale, the budget is {self.gpu_budget}"
                f" (biggest: {listing})",
                value=self.gpu_budget,
                allowed=f">= {total}, or lower max_scale",
                hint="lower max_scale of the biggest consumers, or raise gpu_budget to what you have",
            )
        ]

    def _rollout_problems(self) -> list[Problem]:
        """Every model rolling out at once must fit the GPUs the old revisions leave free (KN-ROLL-3).

        Old revisions keep their ``current_pods`` until the new ones are ready; the new
        ones need ``max(min-scale, initial-scale)`` ready pods each before they turn ready.
        """
        if self.gpu_budget is None:
            return []
        rolling = [m for m in self._models.values() if m.service.props.current_pods is not None]
        if not rolling or any(m.service.plan.manifest is None for m in rolling):
            return []
        held = sum((m.service.props.current_pods or 0) * m.service.props.gpu.count for m in rolling)
        spare = self.gpu_budget - held
        needs = {m.name: _ready_pods(m.service) * m.service.props.gpu.count for m in rolling}
        needed = sum(needs.values())
        if needed <= spare:
            return []
        listing = _biggest(needs)
        return [
            Problem(
                "KN-ROLL-3",
                f"{self._id}.gpu_budget",
                f"rollout deadlock: the new revisions need {needed} GPUs to turn ready ({listing}),"
                f" but the old ones hold {held} of the {self.gpu_budget} in the budget,"
                f" leaving {max(spare, 0)}",
                value=self.gpu_budget,
                allowed=f">= {held + needed}",
                hint="roll fewer models at once, lower initial-scale, use Traffic.gradual(...), or"
                " retire old revisions first",
            )
        ]

    def _rate_problems(self) -> list[Problem]:
        """Models wishing for different cluster-wide scale rates (KN-AS-6).

        With a ``KnativeClusterConfig`` each service already reported its conflict to the
        cluster; this covers fleets checked against plain settings or no cluster at all.
        """
        if self.cluster is not None and not isinstance(self.cluster, ClusterSettings):
            return []
        wishes: dict[str, dict[float, list[str]]] = {}
        for name, model in self._models.items():
            profile: AutoscalerProfile = model.service.props.autoscaling
            for field_name, value in requested_rates(profile).items():
                wishes.setdefault(field_name, {}).setdefault(value, []).append(name)
        found = []
        for field_name, by_value in sorted(wishes.items()):
            if len(by_value) > 1:
                listing = "; ".join(
                    f"{value:g}: {', '.join(names)}" for value, names in sorted(by_value.items())
                )
                found.append(
                    Problem(
                        "KN-AS-6",
                        f"{self._id}.models",
                        f"{field_name.replace('_', '-')} is cluster-wide, but the models ask for"
                        f" different values ({listing})",
                        value={value: names for value, names in by_value.items()},
                        hint="agree on one value and set it in the KnativeClusterConfig",
                    )
                )
        return found

    # ------------------------------------------------------------------ synthesis

    def _finalize(self) -> None:
        if self._finalized:
            return
        self._finalized = True
        errors = [p for p in self.problems() if p.severity == "error"]
        if errors:
            remove_empty_outdir(self, existed=self._outdir_existed)
            raise ValidationError(errors, subject=f"ModelFleet {self._id!r}")
        emit_warnings(self.grouped_warnings())
        if self._router_enabled and self._models:
            self.router = self._build_router()

    def grouped_warnings(self) -> list[Problem]:
        """The models' warnings, one per code: a fleet of 500 alike models warns once, not 500 times.

        Each model's own warnings stay in its ``GpuInferenceService.warnings``.
        """
        by_code: dict[str, list[Problem]] = {}
        for model in self._models.values():
            for problem in model.service.warnings:
                by_code.setdefault(problem.code, []).append(problem)
        grouped = []
        for code, found in by_code.items():
            if len(found) == 1:
                grouped.append(found[0])
                continue
            names = [p.path for p in found]
            listing = ", ".join(names[:_GROUP_LISTING]) + (
                f" and {len(names) - _GROUP_LISTING} more" if len(names) > _GROUP_LISTING else ""
            )
            grouped.append(
                Problem(
                    code,
                    f"{self._id}.models",
                    f"{len(found)} models: {listing}. First: {found[0].message}",
                    allowed=found[0].allowed,
                    hint=found[0].hint,
                    severity="warning",
                )
            )
        return grouped

    def _routes(self) -> list[RouterRoute]:
        """One route per model to its cluster-local Knative address."""
        return [
            RouterRoute.for_knative_service(
                name,
                str(self.namespace),
                timeout_seconds=model.service.timeout_seconds,
                typical_request_seconds=model.typical_request_seconds,
                model_names=model.model_names,
                engine_model=model.engine_model,
            )
            for name, model in self._models.items()
        ]

    def _build_router(self) -> ModelRouter:
        from kn_constructs.router_construct import ModelRouter

        routes = self._routes()
        options: dict[str, Any] = {
            "replicas": self._router_replicas,
            "prefix": self._router_prefix,
            "openai": self._router_openai,
        }
        if self._router_image is not None:
            options["image"] = self._router_image
        router = ModelRouter(
            self,
            "router",
            routes=routes,
            name=f"{self._id}-router",
            labels={"app.kubernetes.io/part-of": self._id},
            acknowledge=self._acknowledge,
            problem_path=f"{self._id}.router",
            **options,
        )
        return router
