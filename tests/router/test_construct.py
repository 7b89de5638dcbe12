"""ModelRouter: the Deployment, Service and ConfigMap that run the generated nginx.conf."""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdk8s import App, Chart

from kn_constructs import GpuInferenceService, KnWarning, ValidationError
from kn_constructs.router import ModelRouter, RouterRoute, plan_router, render_nginx_conf, router_js_text
from kn_constructs.router_construct import (
    CONFIG_HASH_ANNOTATION,
    CONFIG_PATH,
    DEFAULT_ROUTER_IMAGE,
)
from tests.helpers import contract_props
from tests.router.nginxconf import model_locations, parse, server
from tests.support.schema import assert_valid

PINNED = "nginxinc/nginx-unprivileged:1.27-alpine@sha256:" + "c" * 64
CHAT = RouterRoute.for_knative_service("chat", "models", timeout_seconds=72)
EMBED = RouterRoute.for_knative_service("embed", "models", timeout_seconds=3, typical_request_seconds=0.5)


def synth_router(tmp_path: Path, **props: Any) -> tuple[ModelRouter, list[dict[str, Any]], str]:
    props.setdefault("routes", [CHAT, EMBED])
    props.setdefault("image", PINNED)
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    router = ModelRouter(chart, "router", **props)
    app.synth()
    text = "".join(f.read_text() for f in sorted(tmp_path.glob("*.yaml")))
    return router, [d for d in yaml.safe_load_all(text) if d], text


def by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = [d["kind"] for d in docs]
    assert len(kinds) == len(set(kinds)), kinds
    return {d["kind"]: d for d in docs}


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelRouter, dict[str, dict[str, Any]]]:
    router, docs, _ = synth_router(tmp_path_factory.mktemp("router"))
    return router, by_kind(docs)


def pod_spec(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objects["Deployment"]["spec"]["template"]["spec"]
    return spec


def nginx_container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    containers = pod_spec(objects)["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


# --------------------------------------------------------------------------- objects


def test_kn_fleet_2_one_deployment_service_and_configmap(tmp_path: Path) -> None:
    _, docs, _ = synth_router(tmp_path)
    assert sorted(d["kind"] for d in docs) == ["ConfigMap", "Deployment", "Service"]
    assert {d["metadata"]["name"] for d in docs} == {"router"}
    assert {d["metadata"]["namespace"] for d in docs} == {"models"}
    assert_valid(docs)


def test_configmap_holds_the_generated_config(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, objects = default
    expected = render_nginx_conf([CHAT, EMBED], runtime_dir="/tmp")
    assert router.config_text == expected
    assert objects["ConfigMap"]["data"] == {
        "nginx.conf": expected,
        "router.js": router_js_text(),
        "openai-models.json": router.plan.files["openai-models.json"],
    }


def test_config_is_mounted_where_nginx_reads_it(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    _, objects = default
    container = nginx_container(objects)
    volumes = {v["name"]: v for v in pod_spec(objects)["volumes"]}
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/etc/nginx/nginx.conf")
    assert mount["subPath"] == "nginx.conf"
    assert mount["readOnly"] is True
    assert volumes[mount["name"]]["configMap"]["name"] == objects["ConfigMap"]["metadata"]["name"]
    # The command names the file, so the image's own default configuration is never used.
    command = container["command"]
    assert command[0] == "nginx"
    assert command[command.index("-c") + 1] == "/etc/nginx/nginx.conf" == CONFIG_PATH
    assert command[command.index("-g") + 1] == "daemon off;"


def test_runtime_dir_is_a_writable_empty_dir(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, objects = default
    container = nginx_container(objects)
    volumes = {v["name"]: v for v in pod_spec(objects)["volumes"]}
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
    assert "emptyDir" in volumes[mount["name"]]
    assert not mount.get("readOnly", False)
    # Every file nginx writes is under that mount.
    conf = parse(router.config_text)
    assert conf.value("pid") == ["/tmp/nginx.pid"]
    http = conf.one("http")
    for temp in ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path"):
        assert http.value(temp)[0].startswith("/tmp/")


def test_unprivileged_security_context(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    _, objects = default
    pod = pod_spec(objects)["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == 101  # the user nginx-unprivileged is built for
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    context = nginx_container(objects)["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == 101
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert pod_spec(objects)["automountServiceAccountToken"] is False
    # Port above 1024: no NET_BIND_SERVICE needed.
    assert nginx_container(objects)["ports"] == [{"containerPort": 8080, "name": "http"}]


def test_probes_use_the_health_endpoint(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, objects = default
    container = nginx_container(objects)
    health = server(parse(router.config_text)).one("location", "=", "/healthz").args[1]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == health == "/healthz", probe
        assert container[probe]["httpGet"]["port"] == 8080, probe
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    # Liveness is the more tolerant of the two.
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > readiness["periodSeconds"] * readiness["failureThreshold"]
    )


def test_resources_have_requests_and_limits(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    _, objects = default
    resources = nginx_container(objects)["resources"]
    assert resources["requests"] == {"cpu": "250m", "memory": "256Mi"}
    # CPU limit = worker processes (2); memory limit = request.
    assert resources["limits"] == {"cpu": "2", "memory": "256Mi"}


def test_standard_labels_and_selector(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    _, objects = default
    expected = {
        "app.kubernetes.io/name": "router",
        "app.kubernetes.io/component": "router",
        "app.kubernetes.io/part-of": "router",
        "app.kubernetes.io/managed-by": "kn-constructs",
    }
    for kind in ("ConfigMap", "Deployment", "Service"):
        assert objects[kind]["metadata"]["labels"] == expected, kind
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    selector = objects["Deployment"]["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "router", "app.kubernetes.io/component": "router"}
    assert objects["Service"]["spec"]["selector"] == selector
    assert selector.items() <= pod_labels.items()


def test_service_maps_port_80_to_the_listen_port(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, objects = default
    assert router.service_name == objects["Service"]["metadata"]["name"] == "router"
    assert objects["Service"]["spec"]["type"] == "ClusterIP"
    assert objects["Service"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080}]


def test_replicas_default_two(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    _, objects = default
    assert objects["Deployment"]["spec"]["replicas"] == 2


def test_grace_period_outlasts_the_longest_route(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, objects = default
    spec = pod_spec(objects)
    # chat: max(3 x 72/1.2, 72) = 180 s; plus the 5 s drain.
    assert spec["terminationGracePeriodSeconds"] == 180 + 5 == router.termination_grace_seconds
    pre_stop = nginx_container(objects)["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop == ["sleep", "5"]


def test_config_hash_annotation_rolls_pods_on_change(tmp_path: Path) -> None:
    first, docs, _ = synth_router(tmp_path / "a")
    changed = dataclasses.replace(EMBED, typical_request_seconds=2)
    second, docs2, _ = synth_router(tmp_path / "b", routes=[CHAT, changed])
    annotation = by_kind(docs)["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    annotation2 = by_kind(docs2)["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotation[CONFIG_HASH_ANNOTATION] == hashlib.sha256(first.config_text.encode()).hexdigest()
    assert annotation2[CONFIG_HASH_ANNOTATION] == hashlib.sha256(second.config_text.encode()).hexdigest()
    assert annotation[CONFIG_HASH_ANNOTATION] != annotation2[CONFIG_HASH_ANNOTATION]


def test_props_reach_the_config_and_objects(tmp_path: Path) -> None:
    router, docs, _ = synth_router(
        tmp_path,
        name="gateway",
        prefix="/api/models/",
        listen_port=9000,
        replicas=3,
        labels={"team": "ml", "app.kubernetes.io/part-of": "llm-fleet"},
    )
    objects = by_kind(docs)
    assert router.service_name == "gateway"
    assert {d["metadata"]["name"] for d in docs} == {"gateway"}
    assert objects["Deployment"]["spec"]["replicas"] == 3
    assert objects["Service"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 9000}]
    assert objects["Service"]["metadata"]["labels"]["team"] == "ml"
    assert objects["Service"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "llm-fleet"
    conf = parse(router.config_text)
    assert server(conf).value("listen") == ["9000", "default_server"]
    assert [d.args[0] for d in model_locations(conf)] == [
        "/api/models/chat",
        "/api/models/embed",
    ]
    assert_valid(docs)


def test_derivations_and_routes_exposed(default: tuple[ModelRouter, dict[str, Any]]) -> None:
    router, _ = default
    assert [r.name for r in router.routes] == ["chat", "embed"]
    assert [(d.practice, d.value) for d in router.derivations] == [
        ("KN-CANCEL-1", "180s"),
        ("KN-CANCEL-1", "3s"),
    ]


def test_route_from_a_gpu_inference_service(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    service = GpuInferenceService(chart, "llama", **contract_props(longest_request_seconds=10))
    route = RouterRoute.for_inference_service(service, "models")
    # timeoutSeconds = ceil(1.2 x 10) = 12 (KN-SHUT-2); the longest request (10 s) stands in
    # for the typical one: max(3 x 10, 12) = 30.
    assert route.timeout_seconds == 12
    assert route.upstream == "llama.models.svc.cluster.local:80"
    assert route.read_timeout_seconds == 30


# --------------------------------------------------------------------------- warnings and errors


def test_kn_image_1_unpinned_default_image_warns(tmp_path: Path) -> None:
    with pytest.warns(KnWarning) as record:
        _, docs, _ = synth_router(tmp_path, image=DEFAULT_ROUTER_IMAGE)
    assert [(w.message.code, w.message.path) for w in record.list if isinstance(w.message, KnWarning)] == [
        ("KN-IMAGE-1", "router.image")
    ]
    assert nginx_container(by_kind(docs))["image"] == DEFAULT_ROUTER_IMAGE


def test_kn_image_1_acknowledged_or_pinned_is_silent(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", KnWarning)
        ack, _, _ = synth_router(tmp_path / "a", image=DEFAULT_ROUTER_IMAGE, acknowledge=["KN-IMAGE-1"])
        pinned, _, _ = synth_router(tmp_path / "b", image=PINNED)
    assert ack.warnings == []
    assert pinned.warnings == []


def test_errors_collected_and_nothing_added(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    with pytest.raises(ValidationError) as info:
        ModelRouter(
            chart,
            "router",
            routes=[CHAT, CHAT, dataclasses.replace(EMBED, timeout_seconds=0)],
            image=PINNED,
            prefix="models",
            replicas=0,
            run_as_user=0,
        )
    assert sorted((p.code, p.path) for p in info.value.problems) == [
        ("KN-CANCEL-1", "router.routes[2].timeout_seconds"),
        ("KN-FLEET-1", "router.routes[1].name"),
        ("KN-FLEET-2", "router.prefix"),
        ("KN-FLEET-2", "router.replicas"),
        ("KN-FLEET-2", "router.run_as_user"),
    ]
    assert chart.node.children == []


def test_name_must_be_dns_1035(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    with pytest.raises(ValidationError) as info:
        ModelRouter(chart, "Router", routes=[CHAT], image=PINNED)
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-FLEET-2", "Router.name")]


def test_config_too_big_for_a_configmap_is_refused(tmp_path: Path) -> None:
    # 63-character names: each location is about 600 bytes, so 2,000 of them exceed 1 MiB.
    routes = [
        RouterRoute.for_knative_service(f"m{i:04d}-" + "x" * 57, "models", timeout_seconds=10)
        for i in range(2000)
    ]
    assert len(render_nginx_conf(routes).encode()) > 1024 * 1024
    app = App(outdir=str(tmp_path))
    chart = Chart(app, "fleet", namespace="models")
    with pytest.raises(ValidationError) as info:
        ModelRouter(chart, "router", routes=routes, image=PINNED)
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-FLEET-2", "router.routes")]
    (problem,) = info.value.problems
    assert problem.hint is not None and "split the models across several routers" in problem.hint
    # With body routing on, path routes alone are the way to more models per router.
    assert "openai=False" in problem.hint
    with pytest.raises(ValidationError) as path_only:
        ModelRouter(chart, "paths", routes=routes, image=PINNED, openai=False)
    (problem,) = path_only.value.problems
    assert problem.hint is not None and "openai=False" not in problem.hint


def test_config_over_256_kib_warns_about_client_side_apply(tmp_path: Path) -> None:
    # About 560 bytes per model with the OpenAI API (a path location and two lines of
    # openai-models.json; body routing adds no per-model nginx.conf lines) plus about 17 KB of
    # fixed text: 500 models make about 300 KB, between 256 KiB and 1 MiB.
    routes = [
        RouterRoute.for_knative_service(f"model-{i:04d}", "models", timeout_seconds=12) for i in range(500)
    ]
    size = sum(len(text.encode()) for text in plan_router(routes).files.values())
    assert 256 * 1024 < size < 1024 * 1024
    with pytest.warns(KnWarning) as record:
        synth_router(tmp_path, routes=routes)
    found = [w.message for w in record.list if isinstance(w.message, KnWarning)]
    assert [(w.code, w.path) for w in found] == [("KN-FLEET-2", "router.routes")]
    assert "server-side" in str(found[0])


# --------------------------------------------------------------------------- snapshot


def test_router_objects_match_snapshot(tmp_path: Path, yaml_snapshot: Any) -> None:
    router, docs, text = synth_router(tmp_path)
    assert len(docs) == 3
    assert f"{CONFIG_HASH_ANNOTATION}: {router.config_sha256}" in text
    assert text == yaml_snapshot
