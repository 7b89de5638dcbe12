"""The router as plain dicts (kn_constructs/router_manifests.py) renders as cdk8s-plus-27 did.

The reference is the cdk8s-plus-27 version of ``ModelRouter``, kept private for these tests
(``_cdk8s_plus_rendering``). Each comparison builds both versions of many routers in one
``App`` per version and compares what cdk8s writes (the YAML text, the files, and each
chart's JSON with its key order), so jsii is paid once per batch, not per router.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import ApiObject, App, Chart, JsonPatch, Names
from constructs import Construct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kn_constructs import KnWarning, ValidationError
from kn_constructs.router import RouterPlan, RouterRoute, RouterSettings, plan_router
from kn_constructs.router_construct import ModelRouter, _cdk8s_plus_rendering
from kn_constructs.router_manifests import (
    ADDRESS_LABEL,
    CONFIG_HASH_ANNOTATION,
    JS_MAX_SAFE_INTEGER,
    RouterProps,
    construct_addr,
    file_hash_annotation,
    pod_address_label,
    router_manifests,
)

PINNED = "nginxinc/nginx-unprivileged:1.27-alpine@sha256:" + "c" * 64
UNPINNED = "nginxinc/nginx-unprivileged:1.27-alpine"
CHAT = RouterRoute.for_knative_service("chat", "models", timeout_seconds=72)
EMBED = RouterRoute.for_knative_service("embed", "models", timeout_seconds=3, typical_request_seconds=0.5)


@dataclasses.dataclass
class Case:
    """One router in a chart of its own."""

    router_id: str
    props: dict[str, Any]
    namespace: str | None = "models"
    chart_labels: dict[str, str] | None = None


@dataclasses.dataclass
class Synth:
    """What cdk8s wrote for one version of a batch of cases."""

    routers: list[ModelRouter]
    charts: list[str]  # each chart's to_json() as JSON text: key order included
    text: str  # app.synth_yaml()
    files: dict[str, bytes]  # app.synth(): file name -> bytes


def synth(cases: list[Case], outdir: Path, *, old: bool) -> Synth:
    app = App(outdir=str(outdir))
    routers, charts = [], []
    with _cdk8s_plus_rendering() if old else contextlib.nullcontext():
        for index, case in enumerate(cases):
            chart = Chart(app, f"chart{index}", namespace=case.namespace, labels=case.chart_labels)
            routers.append(ModelRouter(chart, case.router_id, **case.props))
            charts.append(chart)
    jsons = [json.dumps(chart.to_json()) for chart in charts]
    text = app.synth_yaml()
    app.synth()
    files = {path.name: path.read_bytes() for path in sorted(outdir.iterdir())}
    return Synth(routers, jsons, text, files)


def assert_same_output(cases: list[Case], outdir: Path) -> tuple[Synth, Synth]:
    old = synth(cases, outdir / "old", old=True)
    new = synth(cases, outdir / "new", old=False)
    for index, (before, after) in enumerate(zip(old.charts, new.charts, strict=True)):
        assert after == before, f"case {index}: {cases[index]}"
    assert new.text == old.text
    assert new.files == old.files
    return old, new


# --------------------------------------------------------------------------- the same bytes


def test_default_router_writes_the_same_files_as_cdk8s_plus(tmp_path: Path) -> None:
    cases = [
        Case("router", {"routes": [CHAT, EMBED], "image": PINNED}),
        Case("router", {"routes": [CHAT], "image": UNPINNED, "acknowledge": ["KN-IMAGE-1"]}, namespace=None),
        # Integer-like label keys come first in a JavaScript object, in numeric order.
        Case(
            "gateway",
            {
                "routes": [],
                "image": PINNED,
                "labels": {"team": "ml", "10": "a", "2": "b"},
                "drain_seconds": 0,
            },
            chart_labels={"3": "c", "env": "prod"},
        ),
    ]
    old, new = assert_same_output(cases, tmp_path)
    assert list(new.files) == ["chart0.k8s.yaml", "chart1.k8s.yaml", "chart2.k8s.yaml"]
    pod_labels = json.loads(new.charts[2])[1]["spec"]["template"]["metadata"]["labels"]
    assert list(pod_labels)[:2] == ["2", "10"]
    pure = router_manifests([], image=PINNED, labels={"team": "ml", "10": "a", "2": "b"})
    assert list(pure.service["metadata"]["labels"])[:2] == ["2", "10"]
    docs = [d for d in yaml.safe_load_all(new.files["chart0.k8s.yaml"]) if d]
    assert [d["kind"] for d in docs] == ["ConfigMap", "Deployment", "Service"]
    labels = docs[1]["spec"]["template"]["metadata"]["labels"]
    # The pod address label cdk8s-plus-27 always set, from the Deployment construct's path.
    assert (
        labels[ADDRESS_LABEL]
        == "chart0-router-Deployment-" + construct_addr(["", "chart0", "router", "Deployment"])[:8]
    )
    # The same construct paths, so construct-metadata.json and ApiObject.of() see the same tree.
    for before, after in zip(old.routers, new.routers, strict=True):
        for attribute in ("config_map", "deployment", "service"):
            assert ApiObject.of(getattr(after, attribute)).node.path == (
                ApiObject.of(getattr(before, attribute)).node.path
            )


LABEL_KEYS = st.sampled_from(
    [
        "team",
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/name",
        "example.com/tier",
        "1",
        "10",
        "2",
        "Z",
        "a_b",
    ]
)
LABEL_VALUES = st.sampled_from(["ml", "", "123", "true", "on", "null", "x-y.z", "Prod_1"])
DNS1035 = st.from_regex(r"[a-z]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
# Construct ids of every shape the address label treats specially: the hidden "Default",
# the dropped "resource", characters it removes, long ones that push the hash out.
ROUTER_IDS = st.one_of(
    st.sampled_from(["router", "Router_1", "resource", "Default", "a.b-c", "my router", "r" * 70, "-x-"]),
    st.text(alphabet="abcXYZ019-_. ", min_size=1, max_size=24).filter(lambda s: s.strip(" ") == s and s),
)


@st.composite
def routes(draw: st.DrawFn) -> list[RouterRoute]:
    names = draw(st.lists(DNS1035, min_size=0, max_size=3, unique=True))
    found = []
    for name in names:
        timeout = draw(st.integers(1, 3600))
        typical = draw(st.one_of(st.none(), st.floats(0.01, timeout)))
        found.append(
            RouterRoute.for_knative_service(
                name, "models", timeout_seconds=timeout, typical_request_seconds=typical
            )
        )
    return found


@st.composite
def cases(draw: st.DrawFn) -> Case:
    props: dict[str, Any] = {"routes": draw(routes())}
    optional = {
        "image": st.sampled_from([PINNED, "registry.example.com/nginx@sha256:" + "0" * 64, UNPINNED]),
        "replicas": st.one_of(st.integers(1, 10), st.just(JS_MAX_SAFE_INTEGER)),
        "prefix": st.sampled_from(["/models/", "/", "/api/v1/models/"]),
        "listen_port": st.integers(1025, 65535),
        "health_path": st.sampled_from(["/healthz", "/-/ready"]),
        "worker_processes": st.integers(1, 64),
        "max_body_megabytes": st.integers(1, 1024),
        "access_log": st.booleans(),
        "name": DNS1035,
        "labels": st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=4),
        "part_of": st.one_of(st.none(), LABEL_VALUES),
        "service_port": st.integers(1, 65535),
        "cpu_millis": st.one_of(st.integers(1, 64_000), st.just(JS_MAX_SAFE_INTEGER)),
        "memory_mebibytes": st.integers(16, 1 << 40),
        "run_as_user": st.integers(1, 2**31 - 1),
        "drain_seconds": st.one_of(st.just(0), st.integers(1, 3600)),
        "openai": st.booleans(),
        "openai_max_body_kib": st.integers(1, 65536),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            props[key] = draw(strategy)
    if props.get("image", UNPINNED) == UNPINNED:
        props["acknowledge"] = ["KN-IMAGE-1"]
    if props.get("prefix") == "/" and any(route.name == "v1" for route in props["routes"]):
        props["openai"] = False  # model v1's path location would hold the OpenAI endpoints

    router_id = draw(ROUTER_IDS)
    if "name" not in props:
        props["name"] = draw(DNS1035)  # the id is no DNS-1035 name in general
    return Case(
        router_id,
        props,
        namespace=draw(st.sampled_from([None, "models", "ml-prod"])),
        chart_labels=draw(st.one_of(st.none(), st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=2))),
    )


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(batch=st.lists(cases(), min_size=1, max_size=6))
def test_hypothesis_settings_render_as_cdk8s_plus(batch: list[Case]) -> None:
    with tempfile.TemporaryDirectory() as outdir:
        _, new = assert_same_output(batch, Path(outdir))
    # The pure function gives the same documents (chart labels are cdk8s' to merge, so only
    # cases without them), key order included.
    for index, case in enumerate(batch):
        if case.chart_labels:
            continue
        props = {k: v for k, v in case.props.items()}
        manifests = router_manifests(
            construct_path=f"chart{index}/{new.routers[index].node.id}", namespace=case.namespace, **props
        )
        assert json.dumps(manifests.documents()) == new.charts[index], case


# --------------------------------------------------------------------------- cdk8s' names


@settings(max_examples=8, deadline=None)
@given(paths=st.lists(st.lists(ROUTER_IDS, min_size=1, max_size=4), min_size=1, max_size=12))
def test_pod_address_label_and_addr_are_cdk8s_own(paths: list[list[str]]) -> None:
    app = App(outdir=tempfile.mkdtemp(prefix="kn-names-"))
    leaves = []
    for index, ids in enumerate(paths):
        scope: Construct = Chart(app, f"c{index}")
        for part in ids:
            scope = Construct(scope, part)
        leaves.append(scope)
    expected = [(Names.to_label_value(leaf), leaf.node.addr, leaf.node.path) for leaf in leaves]
    for index, (label, addr, path) in enumerate(expected):
        assert construct_addr(["", f"c{index}", *paths[index]]) == addr
        assert pod_address_label(path, addr) == label, path


def test_legacy_hash_is_the_sha256_of_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    path = "fleet/router/Deployment"
    digest = hashlib.sha256(path.encode()).hexdigest()[:8]
    monkeypatch.setenv("CDK8S_LEGACY_HASH", "1")
    assert pod_address_label(path, "c8" + "0" * 40) == f"fleet-router-Deployment-{digest}"
    assert pod_address_label("single", "c8" + "0" * 40) == "single"
    monkeypatch.setenv("CDK8S_LEGACY_HASH", "")  # set but empty: cdk8s takes the address
    assert pod_address_label(path, "c8" + "0" * 40) == "fleet-router-Deployment-c8000000"


# --------------------------------------------------------------------------- files


def test_every_file_goes_into_the_configmap_and_is_mounted_next_to_nginx_conf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = "export default { route };\n"

    def files(plan: RouterPlan) -> dict[str, str]:
        assert plan.conf_text is not None
        return {"nginx.conf": plan.conf_text, "router.js": script}

    monkeypatch.setattr(RouterPlan, "files", property(files))
    _, new = assert_same_output([Case("router", {"routes": [CHAT], "image": PINNED})], tmp_path)
    config_map, deployment, _ = json.loads(new.charts[0])
    assert set(config_map["data"]) == {"nginx.conf", "router.js"}
    assert config_map["data"]["router.js"] == script
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/etc/nginx/router.js"] == {
        "mountPath": "/etc/nginx/router.js",
        "name": "nginx-conf",
        "readOnly": True,
        "subPath": "router.js",
    }
    assert mounts["/etc/nginx/nginx.conf"]["subPath"] == "nginx.conf"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    # A change to either file rolls the pods.
    assert annotations[file_hash_annotation("router.js")] == hashlib.sha256(script.encode()).hexdigest()
    assert file_hash_annotation("nginx.conf") == CONFIG_HASH_ANNOTATION


def test_plan_files_is_the_nginx_conf_alone_without_the_openai_api() -> None:
    plan = plan_router([CHAT], RouterSettings(openai=False))
    assert plan.files == {"nginx.conf": plan.conf_text}
    assert plan_router([CHAT, CHAT]).files == {}  # errors: no configuration, no files
    manifests = router_manifests([CHAT], image=PINNED, openai=False)
    container = manifests.deployment["spec"]["template"]["spec"]["containers"][0]
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/etc/nginx/nginx.conf", "/tmp"]
    assert list(manifests.config_map["data"]) == ["nginx.conf"]


def test_openai_files_sit_next_to_nginx_conf() -> None:
    """With the OpenAI API (the default) the njs code and the model table are two more files."""
    plan = plan_router([CHAT])
    assert list(plan.files) == ["nginx.conf", "router.js", "openai-models.json"]
    manifests = router_manifests([CHAT], image=PINNED)
    container = manifests.deployment["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["mountPath"]: m["subPath"] for m in container["volumeMounts"] if "subPath" in m}
    assert mounts == {
        "/etc/nginx/nginx.conf": "nginx.conf",
        "/etc/nginx/router.js": "router.js",
        "/etc/nginx/openai-models.json": "openai-models.json",
    }
    assert manifests.config_map["data"] == plan.files


# --------------------------------------------------------------------------- the construct's objects


def test_objects_are_api_objects_users_can_patch(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet")
    router = ModelRouter(chart, "router", routes=[CHAT], image=PINNED)
    # The dicts the objects were made from are what cdk8s renders (a chart with no namespace).
    assert json.dumps(router.manifests.documents()) == json.dumps(chart.to_json())
    assert all(isinstance(o, ApiObject) for o in (router.config_map, router.deployment, router.service))
    assert ApiObject.of(router.deployment) is router.deployment
    assert router.deployment.node.path == "fleet/router/Deployment/Resource"
    assert [c.node.id for c in router.node.children] == ["Config", "Deployment", "Service"]
    router.deployment.add_json_patch(JsonPatch.replace("/spec/replicas", 4))
    deployment = next(d for d in chart.to_json() if d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 4


# --------------------------------------------------------------------------- router_manifests' checks


def test_the_construct_and_the_function_take_the_same_props_with_the_same_defaults() -> None:
    # RouterProps.pick reads both calls' arguments by name: a prop added to one call only, or a
    # default changed in one only, would make the two write different routers.
    def props_of(func: Any, own: set[str]) -> dict[str, object]:
        return {
            name: parameter.default
            for name, parameter in inspect.signature(func).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in own
        }

    fields = {f.name for f in dataclasses.fields(RouterProps)} - {"name"}
    construct = props_of(ModelRouter.__init__, {"routes", "acknowledge", "problem_path", "name"})
    function = props_of(router_manifests, {"acknowledge", "construct_path", "namespace", "name"})
    assert set(construct) == fields
    assert function == construct


def test_router_manifests_checks_types_and_values() -> None:
    with pytest.raises(ValidationError) as info:
        router_manifests("chat", image=PINNED)  # type: ignore[arg-type]
    assert [(p.code, p.path) for p in info.value.problems] == [("KNC-TYPE", "router.routes")]
    with pytest.raises(ValidationError) as info:
        router_manifests([CHAT, CHAT], name="gw", image=PINNED, replicas=0)
    assert sorted((p.code, p.path) for p in info.value.problems) == [
        ("KN-FLEET-1", "gw.routes[1].name"),
        ("KN-FLEET-2", "gw.replicas"),
    ]


def test_integers_cdk8s_cannot_carry_exactly_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        router_manifests(
            [CHAT],
            image=PINNED,
            replicas=JS_MAX_SAFE_INTEGER + 1,
            drain_seconds=2**60,
            worker_processes=2**62,
        )
    problems = {p.path: p for p in info.value.problems}
    assert sorted(problems) == ["router.drain_seconds", "router.replicas", "router.worker_processes"]
    assert {p.code for p in problems.values()} == {"KN-FLEET-2"}
    assert "2**53 - 1" in problems["router.replicas"].message
    assert problems["router.replicas"].value == JS_MAX_SAFE_INTEGER + 1
    deployment = router_manifests([CHAT], image=PINNED, replicas=JS_MAX_SAFE_INTEGER).deployment
    assert deployment["spec"]["replicas"] == JS_MAX_SAFE_INTEGER


def test_router_manifests_warns_like_the_construct() -> None:
    with pytest.warns(KnWarning) as record:
        router_manifests([CHAT])
    assert [(w.message.code, w.message.path) for w in record.list if isinstance(w.message, KnWarning)] == [
        ("KN-IMAGE-1", "router.image")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", KnWarning)
        router_manifests([CHAT], acknowledge=["KN-IMAGE-1"])


def test_the_pure_module_imports_no_cdk8s() -> None:
    code = (
        "import sys, kn_constructs.router_manifests as m\n"
        "m.router_manifests([], image='nginx@sha256:' + 'c' * 64)\n"
        "heavy = {'cdk8s', 'cdk8s_plus_27', 'constructs', 'jsii'}\n"
        "print(sorted({k.split('.')[0] for k in sys.modules} & heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_fleet_with_its_router_writes_the_same_file_both_ways(tmp_path: Path) -> None:
    from tests.test_fleet import contract_fleet

    texts = []
    for old in (True, False):
        app = App(outdir=str(tmp_path / str(old)))
        chart = Chart(app, "fleet", namespace="models")
        with _cdk8s_plus_rendering() if old else contextlib.nullcontext():
            fleet = contract_fleet(chart, router=True, acknowledge=["KN-IMAGE-1", "KN-SCALE-1"])
            app.synth()
        assert fleet.router is not None
        assert type(fleet.router.deployment).__name__ == ("Deployment" if old else "ApiObject")
        texts.append((tmp_path / str(old) / "fleet.k8s.yaml").read_bytes())
    assert texts[1] == texts[0]
    assert texts[1].count(b"kind: Deployment") == 1
