"""The router's OpenAI API, without traffic: names, checks, the generated files, ``nginx -t``.

``test_openai_e2e.py`` sends real requests through nginx + njs; this file checks what is
rendered (the table router.js reads, the locations, the limits) and that every kind of
OpenAI configuration passes the real ``nginx -t`` with njs loaded (njs compiles router.js
and nginx reads the table at that point, so a syntax error in either fails here).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs import GpuPlacement, ModelFleet, ValidationError
from kn_constructs.router import (
    DEFAULT_NJS_MODULE_PATH,
    OPENAI_BODY_PATHS,
    OPENAI_MODELS_FILE,
    ROUTER_JS_FILE,
    RouterRoute,
    RouterSettings,
    model_name_problems,
    plan_router,
    router_js_text,
    router_problems,
)
from tests.router.nginxconf import openai_locations, parse, server
from tests.router.support import nginx_binary, nginx_test, njs_module, router_files

CHAT = RouterRoute.for_knative_service(
    "chat", "models", timeout_seconds=72, model_names=["chat", "llama-3-8b"], engine_model="meta/llama-3"
)
EMBED = RouterRoute.for_knative_service("embed", "team-a", timeout_seconds=3, typical_request_seconds=0.5)
NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,40}", fullmatch=True)


def table(routes: list[RouterRoute], **settings: Any) -> dict[str, Any]:
    files = plan_router(routes, RouterSettings(**settings)).files
    decoded: dict[str, Any] = json.loads(files[OPENAI_MODELS_FILE])
    return decoded


# --------------------------------------------------------------------------- names


def test_kn_fleet_1_public_names_default_to_the_model_name() -> None:
    assert EMBED.public_names == ("embed",)
    assert CHAT.public_names == ("chat", "llama-3-8b")
    assert CHAT.model_names == ("chat", "llama-3-8b")  # a list is kept as a tuple (frozen)


@given(st.lists(NAME, min_size=1, max_size=5, unique=True))
def test_kn_fleet_1_valid_names_are_accepted(names: list[str]) -> None:
    assert model_name_problems(names, "/mnt/models", "m") == []


@pytest.mark.parametrize(
    ("names", "engine", "path"),
    [
        ("llama", None, "m.model_names"),  # a str where a list is meant
        ([], None, "m.model_names"),
        (["ok", "has space"], None, "m.model_names[1]"),
        (["-leading"], None, "m.model_names[0]"),
        (["quote'd"], None, "m.model_names[0]"),
        (["dollar$"], None, "m.model_names[0]"),
        (["x" * 257], None, "m.model_names[0]"),
        (["a", "b", "a"], None, "m.model_names[2]"),
        ([7], None, "m.model_names[0]"),
        (None, "", "m.engine_model"),
        (None, "two words", "m.engine_model"),
        (None, 3, "m.engine_model"),
    ],
)
def test_kn_fleet_1_bad_names_one_problem_each(names: object, engine: object, path: str) -> None:
    found = model_name_problems(names, engine, "m")
    assert [(p.code, p.path) for p in found] == [("KN-FLEET-1", path)]


def test_kn_fleet_1_a_public_name_on_two_models_is_refused() -> None:
    clash = RouterRoute.for_knative_service(
        "other", "models", timeout_seconds=5, model_names=["x", "llama-3-8b"]
    )
    named_like_alias = RouterRoute.for_knative_service("llama-3-8b", "models", timeout_seconds=5)
    found = router_problems([CHAT, clash, named_like_alias])
    assert [(p.code, p.path) for p in found] == [
        ("KN-FLEET-1", "router.routes[1].model_names[1]"),
        ("KN-FLEET-1", "router.routes[2].name"),
    ]
    assert "already a name of model 'chat' (router.routes[0].model_names[1])" in found[0].message


def test_duplicate_route_names_are_one_problem_not_two() -> None:
    found = router_problems([EMBED, EMBED])
    assert [(p.code, p.path) for p in found] == [("KN-FLEET-1", "router.routes[1].name")]


@pytest.mark.parametrize(
    ("prefix", "name", "health", "path"),
    [
        ("/", "v1", "/healthz", "router.routes[0].name"),  # /v1/... would shadow the model's path route
        ("/v1/", "chat", "/healthz", "router.routes[0].name"),  # /v1/chat/completions
        ("/v1/models/", "x", "/healthz", "router.routes[0].name"),  # /v1/models/<name>
        ("/models/", "x", "/v1/models", "router.health_path"),
        ("/models/", "x", "/v1/chat/completions", "router.health_path"),
    ],
)
def test_kn_fleet_2_openai_paths_must_stay_free(prefix: str, name: str, health: str, path: str) -> None:
    route = RouterRoute.for_knative_service(name, "models", timeout_seconds=5)
    settings = RouterSettings(prefix=prefix, health_path=health)
    assert [(p.code, p.path) for p in router_problems([route], settings)] == [("KN-FLEET-2", path)]
    # Without the OpenAI API the same router is fine.
    assert router_problems([route], dataclasses.replace(settings, openai=False)) == []


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        ({"openai": "yes"}, "router.openai"),
        ({"openai_max_body_kib": 0}, "router.openai_max_body_kib"),
        ({"openai_max_body_kib": 65537}, "router.openai_max_body_kib"),
        ({"openai_max_body_kib": 2.5}, "router.openai_max_body_kib"),
        ({"njs_module_path": "modules/ngx_http_js_module.so"}, "router.njs_module_path"),
        ({"njs_module_path": "/a b.so"}, "router.njs_module_path"),
    ],
)
def test_bad_openai_settings_are_refused(settings: dict[str, Any], path: str) -> None:
    found = RouterSettings(**settings).problems()
    assert [(p.code, p.path) for p in found] == [("KN-FLEET-2", path)]


# --------------------------------------------------------------------------- rendering


def test_files_are_the_conf_the_njs_code_and_the_table() -> None:
    plan = plan_router([EMBED, CHAT])
    assert list(plan.files) == ["nginx.conf", ROUTER_JS_FILE, OPENAI_MODELS_FILE]
    assert plan.files[ROUTER_JS_FILE] == router_js_text()
    assert list(plan_router([EMBED], RouterSettings(openai=False)).files) == ["nginx.conf"]


def test_the_table_holds_each_models_facts_and_maps_every_public_name_to_it() -> None:
    other = dataclasses.replace(EMBED, name="other", upstream="10.0.0.7:8012")
    models = table([EMBED, other, CHAT])
    assert models["models"] == {
        "chat": {
            "names": ["chat", "llama-3-8b"],
            "host": "chat.models.svc.cluster.local",
            "location": "@kn_openai_180s_rewrite",
            "owned_by": "models",
            "engine": "meta/llama-3",
        },
        "embed": {
            "names": ["embed"],
            "host": "embed.team-a.svc.cluster.local",
            "location": "@kn_openai_3s",
            "owned_by": "team-a",
        },
        # Only a route that is not Knative's <host>:80 carries its upstream.
        "other": {
            "names": ["other"],
            "host": "embed.team-a.svc.cluster.local",
            "location": "@kn_openai_3s",
            "owned_by": "team-a",
            "upstream": "10.0.0.7:8012",
        },
    }
    assert list(models["models"]) == ["chat", "embed", "other"]  # route order: GET /v1/models's order
    assert models["routes"] == {"chat": "chat", "llama-3-8b": "chat", "embed": "embed", "other": "other"}
    assert table([]) == {"models": {}, "routes": {}}


ROUTE = st.builds(
    lambda index, timeout, engine, upstream: (
        RouterRoute.for_knative_service(f"m{index}", "models", timeout_seconds=timeout, engine_model=engine)
        if upstream is None
        else dataclasses.replace(
            RouterRoute.for_knative_service(
                f"m{index}", "models", timeout_seconds=timeout, engine_model=engine
            ),
            upstream=upstream,
        )
    ),
    st.integers(0, 10**6),
    st.integers(1, 600),
    st.none() | st.just("/mnt/models"),
    st.none() | st.just("10.0.0.7:8012"),
)


@given(st.lists(ROUTE, max_size=12, unique_by=lambda r: r.name))
def test_kn_cancel_1_each_model_goes_to_the_group_of_its_own_timeout(routes: list[RouterRoute]) -> None:
    plan = plan_router(routes)
    conf = parse(plan.files["nginx.conf"])
    models = json.loads(plan.files[OPENAI_MODELS_FILE])["models"]
    named = {d.args[0]: d for d in openai_locations(conf)}
    # One location per (read timeout, body rewritten), whatever the number of models.
    assert len(named) == len({(r.read_timeout_seconds, r.engine_model is not None) for r in routes})
    for route in routes:
        group = named[models[route.name]["location"]]
        path = server(conf).one("location", f"/models/{route.name}")
        for directive in ("proxy_read_timeout", "proxy_send_timeout"):
            assert group.value(directive) == path.value(directive) == [f"{route.read_timeout_seconds}s"]
        # Only models with an engine name get the rewritten body; the others send the client's.
        assert [d.args for d in group.all("proxy_set_body")] == ([["$kn_body"]] if route.engine_model else [])
        assert models[route.name]["host"] == route.host_header
        assert models[route.name].get("upstream", f"{route.host_header}:80") == route.upstream


def test_nginx_conf_has_no_body_routing_lines_per_model() -> None:
    def lines(count: int, openai: bool) -> int:
        routes = [
            RouterRoute.for_knative_service(
                f"model-{i}", "models", timeout_seconds=(72, 3, 24)[i % 3], engine_model=(None, "e")[i % 2]
            )
            for i in range(count)
        ]
        return plan_router(routes, RouterSettings(openai=openai)).files["nginx.conf"].count("\n")

    # 6 groups (3 timeouts x body kept or rewritten) from 6 models on: more models add path
    # locations only, the same lines with and without the OpenAI API.
    assert lines(6, True) - lines(6, False) == lines(600, True) - lines(600, False)


def test_body_routes_read_a_bounded_body_in_memory_and_path_routes_stream() -> None:
    conf = parse(plan_router([CHAT], RouterSettings(openai_max_body_kib=512)).files["nginx.conf"])
    http = conf.one("http")
    assert http.value("proxy_request_buffering") == ["off"]  # every other request streams its body
    srv = server(conf)
    for endpoint in OPENAI_BODY_PATHS:
        location = srv.one("location", "=", endpoint)
        assert location.value("client_max_body_size") == ["512k"]
        assert location.value("client_body_buffer_size") == ["512k"]  # never a temp file
        assert location.value("client_body_in_single_buffer") == ["on"]
        assert location.value("error_page") == ["413", "@kn_openai_too_large"]
        assert location.value("js_content") == ["kn_router.route"]
    assert srv.one("location", "=", "/v1/models").value("js_content") == ["kn_router.listModels"]
    assert srv.one("location", "/v1/models/").value("js_content") == ["kn_router.retrieveModel"]


def test_kn_fleet_2_group_locations_proxy_like_the_path_routes() -> None:
    conf = parse(plan_router([CHAT, EMBED]).files["nginx.conf"])
    named = {d.args[0]: d for d in openai_locations(conf)}
    assert list(named) == ["@kn_openai_3s", "@kn_openai_180s_rewrite"]  # by read timeout
    http = conf.one("http")
    declared = [d.args[0] for d in http.all("js_var")]
    for location in named.values():
        # The model's facts come from njs (js_var, so an internal redirect keeps them); $kn_model
        # and $kn_host are the variables the access log, the error pages and the Host header read.
        sets = {d.args[0]: d.args[1] for d in location.all("set")}
        assert sets == {"$kn_model": "$kn_openai_service", "$kn_host": "$kn_openai_host"}
        assert set(sets.values()) <= set(declared)
        assert location.value("proxy_pass") == ["http://$kn_openai_upstream"]
        assert "$kn_openai_upstream" in declared
        assert [d.args for d in location.all("error_page")] == [
            ["502", "@kn_openai_bad_gateway"],
            ["504", "@kn_openai_gateway_timeout"],
        ]
    assert http.one("proxy_set_header", "Host").args == ["Host", "$kn_host"]


def test_module_is_loaded_from_the_image_path_by_default() -> None:
    text = plan_router([EMBED]).files["nginx.conf"]
    assert parse(text).value("load_module") == [DEFAULT_NJS_MODULE_PATH]
    other = plan_router(
        [EMBED], RouterSettings(njs_module_path="/usr/lib/nginx/modules/ngx_http_js_module.so")
    )
    assert parse(other.files["nginx.conf"]).value("load_module") == [
        "/usr/lib/nginx/modules/ngx_http_js_module.so"
    ]
    assert (
        parse(plan_router([EMBED], RouterSettings(openai=False)).files["nginx.conf"]).all("load_module") == []
    )


# --------------------------------------------------------------------------- nginx -t with njs


CONFIGS = {
    "defaults": lambda module: router_files([CHAT, EMBED], njs_module_path=module),
    "no-routes": lambda module: router_files([], njs_module_path=module),
    "ip-upstream": lambda module: router_files(
        [dataclasses.replace(CHAT, upstream="127.0.0.1:9001")], njs_module_path=module
    ),
    "small-limit": lambda module: router_files([EMBED], njs_module_path=module, openai_max_body_kib=1),
    "prefix-root": lambda module: router_files([CHAT, EMBED], prefix="/", njs_module_path=module),
    "200-models": lambda module: router_files(
        [
            RouterRoute.for_knative_service(
                f"m{i:03d}", "models", timeout_seconds=5, model_names=[f"m{i}", f"a/{i}"]
            )
            for i in range(200)
        ],
        njs_module_path=module,
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_kn_fleet_2_openai_config_passes_nginx_t_with_njs(case: str, tmp_path: Path) -> None:
    binary = nginx_binary()
    files = CONFIGS[case](njs_module())
    text = files["nginx.conf"].replace(
        "resolver kube-dns.kube-system.svc.cluster.local ", "resolver 127.0.0.1 "
    )
    text = text.replace(" /tmp/", f" {tmp_path}/")
    result = nginx_test(binary, {**files, "nginx.conf": text}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_nginx_t_rejects_broken_njs_code(tmp_path: Path) -> None:
    """The harness can tell: njs compiles router.js at nginx -t, so a syntax error fails it."""
    files = router_files(
        [EMBED], njs_module_path=njs_module(), resolver="127.0.0.1", runtime_dir=str(tmp_path)
    )
    broken = files[ROUTER_JS_FILE].replace("function route(r) {", "function route(r) {{", 1)
    result = nginx_test(nginx_binary(), {**files, ROUTER_JS_FILE: broken}, tmp_path)
    assert result.returncode != 0
    assert "router.js" in result.stderr


# --------------------------------------------------------------------------- the fleet


def fleet(tmp_path: Path) -> ModelFleet:
    chart = Chart(App(outdir=str(tmp_path)), "fleet", namespace="models")
    return ModelFleet(
        chart,
        "models",
        image="registry.example.com/llm@sha256:" + "b" * 64,
        gpu=GpuPlacement(classes=["A40"], count=1),
        max_scale=1,
        longest_request_seconds=10,
    )


def test_kn_fleet_1_fleet_refuses_a_public_name_twice_at_add_model(tmp_path: Path) -> None:
    models = fleet(tmp_path)
    models.add_model("chat", model=None, model_names=["chat", "llama-3-8b"])
    cases = [
        ("embed", {"model_names": ["llama-3-8b"]}, ("KN-FLEET-1", "models.embed.model_names[0]")),
        ("llama-3-8b", {}, ("KN-FLEET-1", "models.llama-3-8b")),
        ("embed", {"model_names": "embed"}, ("KNC-TYPE", "models.model_names")),
        ("embed", {"engine_model": "a b"}, ("KN-FLEET-1", "models.embed.engine_model")),
    ]
    for name, props, expected in cases:
        with pytest.raises(ValidationError) as info:
            models.add_model(name, model=None, **props)
        assert [(p.code, p.path) for p in info.value.problems] == [expected], (name, props)
    assert list(models.models) == ["chat"]  # nothing was added


def test_fleet_routes_carry_the_names_to_the_router(tmp_path: Path) -> None:
    models = fleet(tmp_path)
    models.add_model("chat", model=None, model_names=["chat", "llama-3-8b"], engine_model="meta/llama")
    models.add_model("embed", model=None)
    routes = {route.name: route for route in models._routes()}
    assert routes["chat"].public_names == ("chat", "llama-3-8b")
    assert routes["chat"].engine_model == "meta/llama"
    assert routes["embed"].public_names == ("embed",)
    assert routes["embed"].engine_model is None
