"""The public boundary: every constructor and factory checks its inputs (issue 9 items 1, 3, 4; issue 10).

Each wrong input gives one ``ValidationError`` naming the field (path), the value, what is
allowed and a hint, never a raw ``TypeError``/``ValueError``/``OverflowError`` and never
output. The fuzz tests run most examples through the pure planner (what the construct runs)
and only a few through cdk8s, to keep the suite fast.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    ClusterSettings,
    GpuInferenceService,
    GpuPlacement,
    KnativeClusterConfig,
    ModelFleet,
    ModelRouter,
    ModelSource,
    Probes,
    RouterRoute,
    SecretKeyRef,
    StartupTime,
    Traffic,
    TrafficTarget,
    ValidationError,
)
from kn_constructs._boundary import check_arguments
from kn_constructs.errors import LIBRARY_CODES
from kn_constructs.inference import InferencePlan, InferenceServiceProps, plan_inference_service
from kn_constructs.knative.service import check_service
from kn_constructs.sources import clean_path
from tests.helpers import AFFINITY_CLUSTER, IMAGE, contract_props
from tests.support.schema import validate_manifest

#: Affinity and PVCs enabled: the mount-path cases are about the path, not the flags.
PVC_CLUSTER = AFFINITY_CLUSTER.with_features({"kubernetes.podspec-persistent-volume-claim": "enabled"})

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Chart:
    app = App(outdir=str(tmp_path_factory.mktemp("boundary") / "out"))
    return Chart(app, "inference", namespace="models")


def _service(chart: Chart, construct_id: str, **overrides: Any) -> GpuInferenceService:
    props = contract_props(**overrides)
    for key in [k for k, v in props.items() if v is _DROP]:
        del props[key]
    return GpuInferenceService(chart, construct_id, **props)


_DROP = object()


def _refusal(build: Callable[[], object]) -> ValidationError | None:
    """The ValidationError ``build`` raises, or ``None``; any other exception fails the test."""
    try:
        build()
    except ValidationError as error:
        return error
    return None


def _raises(build: Callable[[], object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build()
    return caught.value


# --------------------------------------------------------------------------- each mistake once

VALUE_OBJECT_MISTAKES = [
    pytest.param(lambda: GpuPlacement(classes="A40"), "KNC-TYPE", "classes", id="classes-str"),
    pytest.param(
        lambda: GpuPlacement(classes=["A40"], regions="LGA1"), "KNC-TYPE", "regions", id="regions-str"
    ),
    pytest.param(lambda: GpuPlacement(classes=["A40"], count=2.5), "KNC-TYPE", "count", id="count-float"),
    pytest.param(lambda: GpuPlacement(classes=["A40"], count=True), "KNC-TYPE", "count", id="count-bool"),
    pytest.param(lambda: GpuPlacement(classes=[40]), "KNC-TYPE", "classes[0]", id="class-int"),
    pytest.param(
        lambda: AutoscalerProfile(window_seconds="40"), "KNC-TYPE", "window_seconds", id="window-str"
    ),
    pytest.param(
        lambda: AutoscalerProfile(window_seconds="40s"), "KNC-TYPE", "window_seconds", id="window-40s"
    ),
    pytest.param(
        lambda: AutoscalerProfile(window_seconds=40.5), "KNC-TYPE", "window_seconds", id="window-frac"
    ),
    pytest.param(lambda: AutoscalerProfile(target=math.nan), "KNC-TYPE", "target", id="target-nan"),
    pytest.param(
        lambda: AutoscalerProfile(panic_threshold_percentage=math.inf),
        "KNC-TYPE",
        "panic_threshold_percentage",
        id="panic-inf",
    ),
    pytest.param(lambda: AutoscalerProfile(metric="cpu"), "KNC-TYPE", "metric", id="metric-cpu"),
    pytest.param(lambda: AutoscalerProfile(min_scale=2**63), "KNC-TYPE", "min_scale", id="min-scale-huge"),
    pytest.param(
        lambda: AutoscalerProfile().replace(min_scale="1"), "KNC-TYPE", "min_scale", id="replace-str"
    ),
    pytest.param(lambda: AutoscalerProfile().replace(min_scal=1), "KNC-PROP", "min_scal", id="replace-typo"),
    pytest.param(
        lambda: AutoscalerProfile.spiky_traffic(math.nan), "KNC-TYPE", "mean_seconds", id="spiky-nan"
    ),
    pytest.param(
        lambda: AutoscalerProfile.from_startup(mean_seconds="20"),
        "KNC-TYPE",
        "mean_seconds",
        id="startup-str",
    ),
    pytest.param(
        lambda: AutoscalerProfile.from_startup(20, traffic="bursty"),
        "KNC-TYPE",
        "traffic",
        id="traffic-shape",
    ),
    pytest.param(lambda: StartupTime(10**400), "KNC-TYPE", "mean_seconds", id="startup-huge-int"),
    pytest.param(lambda: Batching.fixed("8"), "KNC-TYPE", "batch_size", id="batch-str"),
    pytest.param(
        lambda: Batching.fixed(8, max_wait_seconds=None), "KNC-TYPE", "max_wait_seconds", id="wait-none"
    ),
    pytest.param(lambda: Batching.in_flight(64, targt=50), "KNC-PROP", "targt", id="in-flight-typo"),
    pytest.param(lambda: ModelSource.tensorizer(None), "KNC-TYPE", "uri", id="uri-none"),
    pytest.param(lambda: ModelSource.pvc("w", read_only="yes"), "KNC-TYPE", "read_only", id="read-only-str"),
    pytest.param(lambda: SecretKeyRef("creds"), "KNC-PROP", "key", id="secret-missing-key"),
    pytest.param(
        lambda: Probes(readiness_period_seconds="2"), "KNC-TYPE", "readiness_period_seconds", id="probe"
    ),
    pytest.param(lambda: Probes.single_path(["/health"]), "KNC-TYPE", "path", id="probe-path-list"),
    pytest.param(lambda: Traffic.canary("llama-v1", "10"), "KNC-TYPE", "percent", id="canary-str"),
    pytest.param(lambda: Traffic.split({"percent": 100}), "KNC-TYPE", "targets[0]", id="split-dict"),
    pytest.param(lambda: Traffic.gradual(1e400), "KNC-TYPE", "duration_seconds", id="gradual-inf"),
    pytest.param(lambda: TrafficTarget(percent=True), "KNC-TYPE", "percent", id="target-bool"),
]


@pytest.mark.parametrize(("build", "code", "path"), VALUE_OBJECT_MISTAKES)
def test_each_value_object_mistake_is_one_problem_at_the_field(
    build: Callable[[], object], code: str, path: str
) -> None:
    error = _raises(build)
    assert [(p.code, p.path) for p in error.problems] == [(code, path)]
    (problem,) = error.problems
    assert problem.allowed
    assert problem.hint
    assert problem.code in LIBRARY_CODES


def test_str_for_a_list_is_refused_with_the_fix() -> None:
    (problem,) = _raises(lambda: GpuPlacement(classes="A40")).problems
    assert problem.message == "expected a list of str, got str 'A40'"
    assert problem.value == "A40"
    assert problem.hint == "a str is a sequence of characters: write ['A40'] for one item"


def test_window_40s_hint_is_python() -> None:
    (problem,) = _raises(lambda: AutoscalerProfile(window_seconds="40s")).problems
    assert problem.hint == "write 40 (seconds, without the unit): a number, not the string '40s'"


def test_nan_is_refused_never_written() -> None:
    (problem,) = _raises(lambda: AutoscalerProfile(target_utilization_percentage=math.nan)).problems
    assert problem.allowed == "a finite number"
    assert "nan" in problem.message


def test_all_type_problems_of_one_call_are_collected() -> None:
    error = _raises(lambda: GpuPlacement(classes="A40", regions="LGA1", count="2", rank_by="gpu"))
    assert [p.path for p in error.problems] == ["classes", "count", "rank_by", "regions"]
    assert error.subject == "GpuPlacement"


def test_unknown_keyword_says_did_you_mean(chart: Chart) -> None:
    error = _raises(lambda: _service(chart, "typo", longest_request_seconds=_DROP, longest_request_second=10))
    # One mistake, one problem: the misspelled name, not also "missing longest_request_seconds".
    assert [(p.code, p.path) for p in error.problems] == [("KNC-PROP", "typo.longest_request_second")]
    assert error.problems[0].hint == "did you mean 'longest_request_seconds'?"
    assert "defer_errors" not in str(error.problems[0].allowed)


CONSTRUCT_MISTAKES = [
    pytest.param({"longest_request_seconds": "10"}, "KNC-TYPE", "longest_request_seconds", id="longest-str"),
    pytest.param(
        {"longest_request_seconds": math.inf}, "KNC-TYPE", "longest_request_seconds", id="longest-inf"
    ),
    pytest.param(
        {"longest_request_seconds": math.nan}, "KNC-TYPE", "longest_request_seconds", id="longest-nan"
    ),
    pytest.param({"max_scale": "3"}, "KNC-TYPE", "max_scale", id="max-scale-str"),
    pytest.param({"min_scale": False}, "KNC-TYPE", "min_scale", id="min-scale-bool"),
    pytest.param({"port": 8080.0}, "KNC-TYPE", "port", id="port-float"),
    pytest.param({"command": "serve"}, "KNC-TYPE", "command", id="command-str"),
    pytest.param({"env": {"A": 1}}, "KNC-TYPE", "env.A", id="env-int"),
    pytest.param({"labels": ["team"]}, "KNC-TYPE", "labels", id="labels-list"),
    pytest.param({"gpu": {"classes": ["A40"]}}, "KNC-TYPE", "gpu", id="gpu-dict"),
    pytest.param({"acknowledge": "KN-PLACE-3"}, "KNC-TYPE", "acknowledge", id="acknowledge-str"),
    pytest.param({"environment": "staging"}, "KNC-TYPE", "environment", id="environment"),
    pytest.param({"batching": Batching.fixed(0)}, "KN-BATCH-1", "batching.batch_size", id="batch-0"),
    pytest.param({"min_scale": 3, "max_scale": 2}, "KN-SCALE-2", "max_scale", id="max-below-min"),
    pytest.param(
        {"model": ModelSource.pvc("w", mount_path="/dev/./log"), "cluster": PVC_CLUSTER},
        "KNATIVE-RESERVED",
        "model.mount_path",
        id="dev-log",
    ),
    pytest.param(
        {
            "model": ModelSource.pvc("w", mount_path="/dev//shm/"),
            "shared_memory": "8Gi",
            "cluster": PVC_CLUSTER,
        },
        "KNATIVE-VOLUME",
        "model.mount_path",
        id="pvc-on-shm",
    ),
]


@pytest.mark.parametrize(("overrides", "code", "path"), CONSTRUCT_MISTAKES)
def test_each_construct_mistake_is_one_problem_at_the_prop(
    chart: Chart, overrides: dict[str, Any], code: str, path: str, request: pytest.FixtureRequest
) -> None:
    construct_id = "m" + str(abs(hash(request.node.callspec.id)) % 10**8)
    error = _raises(lambda: _service(chart, construct_id, **overrides))
    assert [(p.code, p.path) for p in error.problems] == [(code, f"{construct_id}.{path}")]
    (problem,) = error.problems
    assert problem.hint
    assert problem.allowed
    assert "values are strings" not in problem.hint
    assert "0 for unlimited" not in problem.allowed


def test_fleet_defaults_and_models_are_checked_at_the_call(chart: Chart) -> None:
    error = _raises(
        lambda: ModelFleet(chart, "f1", image=IMAGE, gpu=GpuPlacement(classes=["A40"]), max_scale="2")
    )
    assert [(p.code, p.path) for p in error.problems] == [("KNC-TYPE", "f1.max_scale")]
    fleet = ModelFleet(chart, "f2", image=IMAGE, gpu=GpuPlacement(classes=["A40"]), longest_request_seconds=5)
    error = _raises(lambda: fleet.add_model("chat", model=ModelSource.tensorizer("s3://m/c"), max_scale=True))
    assert [(p.code, p.path) for p in error.problems] == [("KNC-TYPE", "f2.chat.max_scale")]
    error = _raises(lambda: fleet.add_model(7, max_scale=1))
    assert [(p.code, p.path) for p in error.problems] == [("KNC-TYPE", "f2.name")]


def test_cluster_config_checks_its_arguments(chart: Chart) -> None:
    error = _raises(lambda: KnativeClusterConfig(chart, "kn", features=["kubernetes.podspec-affinity"]))
    assert [(p.code, p.path) for p in error.problems] == [("KNC-TYPE", "kn.features")]
    error = _raises(lambda: KnativeClusterConfig(chart, "kn", feature={}))
    assert error.problems[0].hint == "did you mean 'features'?"


def test_fleet_error_at_synth_is_a_python_validation_error(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    app = App(outdir=str(outdir))
    chart = Chart(app, "fleet", namespace="models")
    fleet = ModelFleet(
        chart,
        "models",
        image=IMAGE,
        gpu=GpuPlacement(classes=["A40"]),
        gpu_budget=1,
        cluster=AFFINITY_CLUSTER,
    )
    fleet.add_model("chat", model=ModelSource.tensorizer("s3://m/c"), longest_request_seconds=5, max_scale=2)
    with pytest.raises(ValidationError) as caught:
        app.synth()
    assert caught.type is ValidationError  # not jsii's RuntimeError
    assert [(p.code, p.path) for p in caught.value.problems] == [("KN-SCALE-2", "models.gpu_budget")]
    assert str(caught.value).count("KN-SCALE-2") == 1
    assert not outdir.exists()


@pytest.mark.parametrize(
    ("given_path", "cleaned"),
    [
        ("/dev/./log", "/dev/log"),
        ("//dev//log/", "/dev/log"),
        ("/models/../dev", "/dev"),
        ("/../..", "/"),
        ("models/./a", "models/a"),
        ("", "."),
        ("/a/b/../../..", "/"),
    ],
)
def test_clean_path_is_go_path_clean(given_path: str, cleaned: str) -> None:
    # Expected values from Go's path.Clean documentation and its tests (path/path_test.go).
    assert clean_path(given_path) == cleaned


# --------------------------------------------------------------------------- as a program

_PROGRAM = """
from cdk8s import App, Chart
from kn_constructs import GpuInferenceService, GpuPlacement, ModelSource

app = App(outdir={outdir!r})
chart = Chart(app, "inference", namespace="models")
{body}
app.synth()
"""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            'GpuInferenceService(chart, "llama", image="r.example.com/s@sha256:" + "a" * 64,'
            ' model=ModelSource.tensorizer("s3://m/l"), gpu=GpuPlacement(classes="A40"),'
            " longest_request_seconds=10, max_scale=3)",
            "[KNC-TYPE] classes",
        ),
        (
            "from kn_constructs import ModelFleet\n"
            'fleet = ModelFleet(chart, "models", image="r.example.com/s@sha256:" + "a" * 64,'
            ' gpu=GpuPlacement(classes=["A40"]), gpu_budget=1, longest_request_seconds=5)\n'
            'fleet.add_model("chat", model=ModelSource.tensorizer("s3://m/c"), max_scale=2)',
            "[KN-SCALE-2] models.gpu_budget",
        ),
    ],
    ids=["type-mistake", "fleet-at-synth"],
)
def test_a_program_with_a_mistake_exits_1_and_writes_nothing(tmp_path: Path, body: str, code: str) -> None:
    outdir = tmp_path / "dist"
    program = tmp_path / "main.py"
    program.write_text(textwrap.dedent(_PROGRAM).format(outdir=str(outdir), body=body))
    done = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert done.returncode == 1
    assert not outdir.exists()
    assert "ValidationError" in done.stderr
    assert done.stderr.count(code) == 1
    assert "RuntimeError" not in done.stderr


# --------------------------------------------------------------------------- wrong types, every boundary

WRONG = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["10", "40s", "A40", "", "nan"]),
    st.booleans(),
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1.5, 2.5]),
    st.sampled_from([2**64, -(2**64), 10**400, -1, 0]),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)

#: Every public factory with valid arguments; one argument at a time is replaced by a wrong value.
FACTORIES: dict[str, tuple[Callable[..., object], dict[str, Any]]] = {
    "StartupTime": (StartupTime, {"mean_seconds": 20.0, "spread_seconds": 2.0, "p95_seconds": 25.0}),
    "AutoscalerProfile": (
        AutoscalerProfile,
        {"window_seconds": 60, "target": 4.0, "min_scale": 0, "max_scale": 3, "metric": "concurrency"},
    ),
    "AutoscalerProfile.from_startup": (
        AutoscalerProfile.from_startup,
        {"mean_seconds": 20.0, "traffic": "smooth"},
    ),
    "AutoscalerProfile.latency_first": (AutoscalerProfile.latency_first, {"mean_seconds": 20.0}),
    "AutoscalerProfile.cost_first": (
        AutoscalerProfile.cost_first,
        {"mean_seconds": 20.0, "p95_seconds": 30.0},
    ),
    "AutoscalerProfile.spiky_traffic": (AutoscalerProfile.spiky_traffic, {"mean_seconds": 20.0}),
    "AutoscalerProfile.replace": (AutoscalerProfile().replace, {"min_scale": 1, "window_seconds": 30}),
    "Batching.fixed": (
        Batching.fixed,
        {"batch_size": 8, "container_concurrency": 10, "max_wait_seconds": 0.5},
    ),
    "Batching.in_flight": (Batching.in_flight, {"max_sequences": 64, "target": 50.0}),
    "GpuPlacement": (GpuPlacement, {"classes": ["A40"], "regions": ["LGA1"], "count": 1, "rank_by": "class"}),
    "ModelSource.tensorizer": (
        ModelSource.tensorizer,
        {
            "uri": "s3://m/l",
            "endpoint": "https://o.example.com",
            "credentials_secret": "s3",
            "region": "LGA1",
        },
    ),
    "ModelSource.object_storage": (
        ModelSource.object_storage,
        {"uri": "s3://m/l", "allow_external_hub": False},
    ),
    "ModelSource.pvc": (
        ModelSource.pvc,
        {"claim_name": "w", "path": "l", "mount_path": "/models", "read_only": True},
    ),
    "SecretKeyRef": (SecretKeyRef, {"name": "s", "key": "k"}),
    "Probes": (
        Probes,
        {"readiness_path": "/ready", "readiness_period_seconds": 2, "liveness_failure_threshold": 6},
    ),
    "Probes.single_path": (Probes.single_path, {"path": "/health"}),
    "TrafficTarget": (TrafficTarget, {"percent": 100, "revision_name": "llama-v1", "tag": "stable"}),
    "Traffic.latest": (Traffic.latest, {"tag": "current"}),
    "Traffic.pinned": (Traffic.pinned, {"revision": "llama-v1", "latest_tag": "next"}),
    "Traffic.canary": (Traffic.canary, {"stable_revision": "llama-v1", "percent": 10, "tag": "canary"}),
    "Traffic.blue_green": (Traffic.blue_green, {"blue": "llama-v1", "green": "llama-v2", "live": "green"}),
    "Traffic.gradual": (Traffic.gradual, {"duration_seconds": 300}),
}


def _accepts(annotation: str, value: object) -> bool:
    """Whether a wrong value happens to be right for this parameter (None where optional, int for float)."""
    if value is None:
        return "None" in annotation
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and "float" in annotation:
        try:
            return math.isfinite(float(value))  # type: ignore[arg-type]
        except OverflowError:
            return False
    if isinstance(value, int) and not isinstance(value, bool) and "int" in annotation:
        return abs(value) < 2**63
    if isinstance(value, str) and ("str" in annotation or "Literal" in annotation or "Metric" in annotation):
        return True
    if isinstance(value, list):
        return ("Iterable" in annotation or "Sequence" in annotation) and all(
            isinstance(v, str) for v in value
        )
    if isinstance(value, dict):
        return "Mapping" in annotation and not value
    return isinstance(value, bool) and "bool" in annotation


def _annotation(factory: Callable[..., object], name: str) -> str:
    import inspect

    target = getattr(factory, "__wrapped__", factory)
    if isinstance(factory, type):
        hints = {f: str(t) for f, t in factory.__annotations__.items()}
        return hints.get(name, "")
    if getattr(factory, "__name__", "") == "replace":
        return str(AutoscalerProfile.__annotations__[name])
    return str(inspect.signature(target).parameters[name].annotation)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(FACTORIES)), data=st.data(), wrong=WRONG)
def test_wrong_types_into_every_factory_give_a_validation_error(
    name: str, data: st.DataObject, wrong: object
) -> None:
    factory, good = FACTORIES[name]
    field = data.draw(st.sampled_from(sorted(good)), label="field")
    kwargs = {**good, field: wrong}
    error = _refusal(lambda: factory(**kwargs))
    if error is not None:
        assert error.problems
        assert all(p.path.split(".")[0].split("[")[0] == field for p in error.problems), error
        return
    annotation = _annotation(factory, field)
    assert _accepts(annotation, wrong) or (isinstance(wrong, str) and "Literal" not in annotation), (
        f"{name}({field}={wrong!r}) accepted for {annotation}"
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prop=st.sampled_from(sorted(contract_props())), wrong=WRONG)
def test_wrong_types_into_the_construct_give_a_validation_error_at_the_prop(
    chart: Chart, prop: str, wrong: object
) -> None:
    hints = GpuInferenceService.__init__.__wrapped__.__annotations__  # type: ignore[attr-defined]
    problems = check_arguments(
        GpuInferenceService.__init__.__wrapped__,  # type: ignore[attr-defined]
        (chart, "llama"),
        {**contract_props(), prop: wrong},
        prefix="llama",
        skip=1,
    )
    if _accepts(str(hints[prop]), wrong):
        return
    assert problems, f"{prop}={wrong!r} passed the boundary"
    assert all(p.path.startswith(f"llama.{prop}") for p in problems), problems
    assert {p.code for p in problems} == {"KNC-TYPE"}


# --------------------------------------------------------------------------- issue 10: random props

EDGE_INTS = st.one_of(
    st.sampled_from([0, 1, -1, 2, 3, 6, 100, 1000, 1001, 3600, 3601, 2**31 - 1, 2**31, 2**63 - 1, 2**63]),
    st.integers(-5, 50),
)
EDGE_FLOATS = st.one_of(
    st.sampled_from(
        [0.0, -0.0, 0.01, 0.5, 1.0, 100.0, 500.0, 501.0, 600.0, 1e308, math.nan, math.inf, -math.inf]
    ),
    st.floats(-10, 1000, allow_nan=False),
    EDGE_INTS,
)
ODD_STRINGS = st.one_of(
    st.sampled_from(
        ["", " ", "llama", "Llama", "a" * 64, "-x", "x-", "é", "4", "500m", "32Gi", "1e3", "/dev/log"]
    ),
    st.text(max_size=8),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


#: The contract example's props (valid), in the raw form :func:`_build` reads.
_GOOD_RAW: dict[str, Any] = {
    "name": "llama",
    "longest_request_seconds": 10,
    "min_scale": 0,
    "max_scale": 3,
    "initial_scale": None,
    "port": 8080,
    "cpu": "4",
    "memory": "32Gi",
    "shared_memory": None,
    "current_pods": None,
    "spare_gpus": None,
    "cold_start_budget_seconds": None,
    "_batch": ("fixed", 8, None),
    "_profile": {},
    "_startup": 20,
    "_count": 1,
    "_traffic": ("none", 0, None),
    "_mount": None,
}


@st.composite
def _random_props(draw: st.DrawFn) -> dict[str, Any]:
    """The contract's props with up to three set to edge values (so both verdicts are common).

    Value objects are built inside the test from the raw draws (a factory may refuse them).
    """
    edges: dict[str, st.SearchStrategy[Any]] = {
        "name": st.one_of(st.just("llama"), ODD_STRINGS),
        "longest_request_seconds": EDGE_FLOATS,
        "min_scale": _maybe(EDGE_INTS),
        "max_scale": _maybe(EDGE_INTS),
        "initial_scale": _maybe(EDGE_INTS),
        "port": st.one_of(st.sampled_from([8080, 0, 1, 8012, 65535, 65536]), EDGE_INTS),
        "cpu": st.one_of(st.just("4"), ODD_STRINGS),
        "memory": st.one_of(st.just("32Gi"), ODD_STRINGS),
        "shared_memory": _maybe(ODD_STRINGS),
        "current_pods": _maybe(EDGE_INTS),
        "spare_gpus": _maybe(EDGE_INTS),
        "cold_start_budget_seconds": _maybe(EDGE_FLOATS),
        "_batch": st.tuples(st.sampled_from(["none", "fixed", "in_flight"]), EDGE_INTS, _maybe(EDGE_FLOATS)),
        "_profile": st.fixed_dictionaries(
            {},
            optional={
                "window_seconds": EDGE_INTS,
                "target": EDGE_FLOATS,
                "target_utilization_percentage": EDGE_FLOATS,
                "panic_window_percentage": EDGE_FLOATS,
                "panic_threshold_percentage": EDGE_FLOATS,
                "scale_down_delay_seconds": EDGE_INTS,
                "activation_scale": EDGE_INTS,
                "target_burst_capacity": EDGE_FLOATS,
                "max_scale_up_rate": EDGE_FLOATS,
            },
        ),
        "_startup": _maybe(EDGE_FLOATS),
        "_count": EDGE_INTS,
        "_traffic": st.tuples(st.sampled_from(["none", "canary", "gradual"]), EDGE_INTS, _maybe(ODD_STRINGS)),
        "_mount": _maybe(
            st.one_of(st.sampled_from(["/models", "/dev/shm", "/dev/./log", "/tmp/../m"]), ODD_STRINGS)
        ),
    }
    changed = draw(st.sets(st.sampled_from(sorted(edges)), max_size=3))
    return {**_GOOD_RAW, **{key: draw(edges[key], label=key) for key in sorted(changed)}}


def _build(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The construct's props from raw draws; value-object factories run here (and may raise)."""
    props = {k: v for k, v in raw.items() if not k.startswith("_")}
    mode, size, target = raw["_batch"]
    props["batching"] = (
        Batching.none()
        if mode == "none"
        else Batching.fixed(size)
        if mode == "fixed"
        else Batching.in_flight(size, target=target)
    )
    profile = AutoscalerProfile(**raw["_profile"])
    if raw["_startup"] is not None:
        startup = AutoscalerProfile.from_startup(raw["_startup"])
        profile = startup.replace(**raw["_profile"])
    props["autoscaling"] = profile
    props["gpu"] = GpuPlacement(classes=["A40"], count=raw["_count"])
    mount = raw["_mount"]
    props["model"] = (
        ModelSource.tensorizer("s3://models/llama")
        if mount is None
        else ModelSource.pvc("w", mount_path=mount)
    )
    mode, number, tag = raw["_traffic"]
    if mode == "canary":
        props["traffic"] = Traffic.canary("llama-v1", number, tag=tag)
    elif mode == "gradual":
        props["traffic"] = Traffic.gradual(number, tag=tag)
    props["image"] = IMAGE
    props["acknowledge"] = ["KN-PLACE-3"]
    return props


def _plan(chart: Chart, construct_id: str, props: dict[str, Any]) -> InferencePlan:
    """What the construct does, without cdk8s: the boundary, then the planner."""
    init = GpuInferenceService.__init__.__wrapped__  # type: ignore[attr-defined]
    problems = check_arguments(init, (chart, construct_id), props, prefix=construct_id, skip=1)
    if problems:
        raise ValidationError(problems)
    fields = {k: v for k, v in props.items() if k != "acknowledge"}
    fields.setdefault("name", construct_id)
    plan = plan_inference_service(InferenceServiceProps(**fields, path=construct_id))
    if plan.errors:
        raise ValidationError(plan.errors)
    return plan


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_random_props())
def test_random_props_give_one_validation_error_or_manifests_knative_accepts(
    chart: Chart, raw: dict[str, Any]
) -> None:
    planned: list[InferencePlan] = []
    error = _refusal(lambda: planned.append(_plan(chart, "llama", _build(raw))))
    if error is not None:
        assert error.problems
        return
    (plan,) = planned
    assert plan.manifest is not None
    manifest = {**plan.manifest, "metadata": {**plan.manifest["metadata"], "namespace": "models"}}  # type: ignore[dict-item]
    # The settings the construct assumed (Knative's defaults plus the flags it needs, KN-PLACE-3).
    assert [p for p in check_service(manifest, settings=plan.settings) if p.severity == "error"] == []
    assert validate_manifest(manifest) == []


@pytest.mark.filterwarnings("ignore::kn_constructs.KnWarning")  # legal findings of random props
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_random_props())
def test_random_props_through_cdk8s_raise_only_validation_errors(
    tmp_path_factory: pytest.TempPathFactory, raw: dict[str, Any]
) -> None:
    outdir = tmp_path_factory.mktemp("synth") / "out"
    app = App(outdir=str(outdir))
    chart = Chart(app, "inference", namespace="models")
    error = _refusal(lambda: GpuInferenceService(chart, "llama", **_build(raw)))
    if error is not None:
        assert error.problems
        assert not outdir.exists()
        return
    app.synth()
    assert list(outdir.glob("*.yaml"))


_CONSTRUCT_GOOD: dict[str, tuple[str, dict[str, Any]]] = {
    "ModelFleet": (
        "ModelFleet",
        {"gpu_budget": 8, "router_prefix": "/models/", "router_replicas": 2, "router": True, "max_scale": 2},
    ),
    "KnativeClusterConfig": (
        "KnativeClusterConfig",
        {"features": {"kubernetes.podspec-affinity": "enabled"}, "auto_features": True, "render_gc": False},
    ),
}
_ids = iter(range(10**9))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(_CONSTRUCT_GOOD)), data=st.data(), wrong=WRONG)
def test_wrong_types_into_fleet_and_cluster_config_give_a_validation_error(
    chart: Chart, kind: str, data: st.DataObject, wrong: object
) -> None:
    cls: Any = ModelFleet if kind == "ModelFleet" else KnativeClusterConfig
    _, good = _CONSTRUCT_GOOD[kind]
    field = data.draw(st.sampled_from(sorted(good)), label="field")
    construct_id = f"c{next(_ids)}"
    error = _refusal(lambda: cls(chart, construct_id, **{**good, field: wrong}))
    if error is not None:
        assert error.problems
        assert all(p.path.startswith(f"{construct_id}.{field}") for p in error.problems), error
        return
    hints = typing.get_type_hints(cls.__init__)
    annotation = str(hints.get(field, GpuInferenceService.__init__.__annotations__.get(field, "")))
    assert _accepts(annotation, wrong), f"{kind}({field}={wrong!r}) accepted for {annotation}"


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        pytest.param({"container_concurrency": "10"}, "KNC-TYPE", "container_concurrency", id="str-int"),
        pytest.param(
            {"max_revision_timeout_seconds": math.nan}, "KNC-TYPE", "max_revision_timeout_seconds", id="nan"
        ),
        pytest.param({"max_scale_up_rate": math.nan}, "KNC-TYPE", "max_scale_up_rate", id="rate-nan"),
        pytest.param({"max_scale_up_rate": True}, "KNC-TYPE", "max_scale_up_rate", id="rate-bool"),
        pytest.param({"container_concurency": 10}, "KNC-PROP", "container_concurency", id="typo"),
    ],
)
def test_cluster_settings_check_their_arguments(kwargs: dict[str, Any], code: str, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ClusterSettings(**kwargs)
    assert [(p.code, p.path) for p in caught.value.problems] == [(code, path)]


def test_cluster_settings_typo_suggests_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        ClusterSettings(container_concurency=10)  # type: ignore[call-arg]
    assert "container_concurrency" in str(caught.value)


def test_cluster_settings_accept_an_infinite_scale_rate() -> None:
    # Knative reads max-scale-up-rate with strconv.ParseFloat ("inf" parses) and only asks for a
    # rate above 1 (pkg/autoscaler/config/config.go validate): inf means no limit.
    assert ClusterSettings(max_scale_up_rate=math.inf).max_scale_up_rate == math.inf


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        pytest.param({"routes": "chat"}, "KNC-TYPE", "router.routes", id="routes-str"),
        pytest.param({"replicas": "2"}, "KNC-TYPE", "router.replicas", id="replicas-str"),
        pytest.param({"replica": 2}, "KNC-PROP", "router.replica", id="typo"),
    ],
)
def test_model_router_checks_its_arguments(
    chart: Chart, kwargs: dict[str, Any], code: str, path: str
) -> None:
    route = RouterRoute.for_knative_service("chat", "models", timeout_seconds=12)
    with pytest.raises(ValidationError) as caught:
        ModelRouter(chart, "router", **{"routes": [route], **kwargs})
    assert [(p.code, p.path) for p in caught.value.problems] == [(code, path)]
