"""The router's nginx.conf, read back with nginx's grammar: routes, timeouts, directives, errors.

Pure Python: no cdk8s, no nginx binary (``test_nginx_t.py`` and ``test_e2e.py`` run nginx).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.errors import ValidationError
from kn_constructs.router import (
    RouterRoute,
    RouterSettings,
    plan_router,
    render_nginx_conf,
    router_problems,
)
from tests.router.nginxconf import Directive, model_locations, parse, server

# Knative's cluster-local address of a Service: <name>.<namespace>.svc.cluster.local.
CHAT = RouterRoute.for_knative_service("chat", "models", timeout_seconds=72)
EMBED = RouterRoute.for_knative_service("embed", "models", timeout_seconds=3, typical_request_seconds=0.5)
RARE = RouterRoute.for_knative_service("rare", "models", timeout_seconds=24, typical_request_seconds=5)


def conf_of(*routes: RouterRoute, **settings: object) -> Directive:
    return parse(render_nginx_conf(routes, **settings))  # type: ignore[arg-type]


def location(conf: Directive, path: str) -> Directive:
    return server(conf).one("location", path)


def forwarded_prefix(conf: Directive) -> str:
    """The X-Forwarded-Prefix a path route sends: with the OpenAI API on, the map's value for
    requests that carry no body model (body-routed ones send none)."""
    headers = {d.args[0]: d.args[1] for d in conf.one("http").all("proxy_set_header")}
    value = headers["X-Forwarded-Prefix"]
    if value != "$kn_forwarded_prefix":
        return value
    mapping = conf.one("http").one("map", "$kn_requested_model")
    entries = {d.name: d.args for d in mapping.block or []}
    assert entries["default"] == [""]
    return entries[""][0]


def json_of(return_directive: Directive) -> dict[str, object]:
    """The JSON body of ``return <code> '<json>'`` (nginx turns the two characters \\n into a newline)."""
    body = return_directive.args[1].replace("\\n", "\n")
    decoded: dict[str, object] = json.loads(body)
    return decoded


# --------------------------------------------------------------------------- routes


def test_knative_route_targets_the_cluster_local_address_and_host() -> None:
    route = RouterRoute.for_knative_service("chat", "models", timeout_seconds=72)
    assert route.upstream == "chat.models.svc.cluster.local:80"
    assert route.host_header == "chat.models.svc.cluster.local"
    other = RouterRoute.for_knative_service(
        "chat", "team-a", timeout_seconds=72, cluster_domain="k8s.example"
    )
    assert other.upstream == "chat.team-a.svc.k8s.example:80"
    assert other.host_header == "chat.team-a.svc.k8s.example"


def test_kn_fleet_2_one_location_per_model_sorted_by_name() -> None:
    conf = conf_of(RARE, CHAT, EMBED)
    paths = [d.args[0] for d in model_locations(conf)]
    assert paths == ["/models/chat", "/models/embed", "/models/rare"]


def test_kn_fleet_2_location_sets_model_host_and_upstream() -> None:
    local = dataclasses.replace(EMBED, upstream="10.0.0.7:8012")
    conf = conf_of(CHAT, local)
    chat = location(conf, "/models/chat")
    sets = {d.args[0]: d.args[1] for d in chat.all("set")}
    assert sets == {"$kn_model": "chat", "$kn_host": "chat.models.svc.cluster.local"}
    # Knative's address is the Host name on port 80 (http:// without a port).
    assert chat.value("proxy_pass") == ["http://$kn_host"]
    embed = location(conf, "/models/embed")
    sets = {d.args[0]: d.args[1] for d in embed.all("set")}
    assert sets == {
        "$kn_model": "embed",
        "$kn_host": "embed.models.svc.cluster.local",
        "$kn_upstream": "10.0.0.7:8012",
    }
    assert embed.value("proxy_pass") == ["http://$kn_upstream"]
    # The Host header Knative routes on is the variable each location sets.
    headers = {d.args[0]: d.args[1] for d in conf.one("http").all("proxy_set_header")}
    assert headers["Host"] == "$kn_host"
    assert forwarded_prefix(conf) == "/models/$kn_model"


@pytest.mark.parametrize(
    ("request_path", "upstream_path"),
    [
        ("/models/chat/v1/completions", "/v1/completions"),
        ("/models/chat/", "/"),
        ("/models/chat", "/"),
        ("/models/chat/a/b/c", "/a/b/c"),
        ("/models/chatty/v1", None),  # only starts with the name: not this model
    ],
)
def test_kn_fleet_2_rewrite_strips_the_prefix(request_path: str, upstream_path: str | None) -> None:
    chat = location(conf_of(CHAT), "/models/chat")
    pattern, replacement, flag = chat.value("rewrite")
    assert flag == "break"
    # The regex is plain PCRE that Python's re reads the same way.
    match = re.fullmatch(pattern.lstrip("^").rstrip("$"), request_path)
    if upstream_path is None:
        assert match is None
        # A path the rewrite does not take falls through to the 404 right after it.
        names = [d.name for d in chat.block or []]
        assert names.index("return") == names.index("rewrite") + 1
        assert chat.value("return") == ["404"]
    else:
        assert match is not None
        assert replacement.replace("$1", match.group(1) or "") == upstream_path


def test_kn_fleet_2_prefix_root_serves_models_at_the_top() -> None:
    conf = conf_of(CHAT, prefix="/")
    chat = location(conf, "/chat")
    assert chat.value("rewrite")[0] == r"^/chat(?:/(.*))?$"
    assert forwarded_prefix(conf) == "/$kn_model"
    assert forwarded_prefix(conf_of(CHAT, prefix="/", openai=False)) == "/$kn_model"


def test_prefix_dots_are_literal_in_the_rewrite() -> None:
    conf = conf_of(CHAT, prefix="/v1.0/")
    pattern = location(conf, "/v1.0/chat").value("rewrite")[0]
    assert re.fullmatch(pattern.lstrip("^").rstrip("$"), "/v1.0/chat/x") is not None
    assert re.fullmatch(pattern.lstrip("^").rstrip("$"), "/v1x0/chat/x") is None


def test_output_is_deterministic_and_independent_of_route_order() -> None:
    first = render_nginx_conf([RARE, CHAT, EMBED])
    assert render_nginx_conf([EMBED, RARE, CHAT]) == first
    assert render_nginx_conf([RARE, CHAT, EMBED]) == first


# --------------------------------------------------------------------------- KN-CANCEL-1


@pytest.mark.parametrize(
    ("typical", "timeout", "expected"),
    [
        # unknown typical: the longest request (72 / 1.2 = 60 s) stands in; 3 x 60 = 180 > 72
        (None, 72, 180),
        # 3 x 0.5 = 1.5 < 3: never shorter than timeoutSeconds
        (0.5, 3, 3),
        # 3 x 5 = 15 < 24
        (5, 24, 24),
        # 3 x 10 = 30 > 12
        (10, 12, 30),
        # 3 x 0.35 = 1.05 -> whole seconds round up to 2
        (0.35, 1, 2),
        # 3 x 0.1 = 0.30000000000000004 in floating point: still 1, not 2
        (0.1, 1, 1),
        # 3 x (1/3) = 1 exactly
        (1 / 3, 1, 1),
        # unknown typical, 12 / 1.2 = 10 -> 30
        (None, 12, 30),
    ],
)
def test_kn_cancel_1_timeouts_at_least_3x_typical_and_timeout_seconds(
    typical: float | None, timeout: int, expected: int
) -> None:
    route = RouterRoute.for_knative_service(
        "chat", "models", timeout_seconds=timeout, typical_request_seconds=typical
    )
    assert route.read_timeout_seconds == expected
    chat = location(conf_of(route), "/models/chat")
    assert chat.value("proxy_read_timeout") == [f"{expected}s"]
    assert chat.value("proxy_send_timeout") == [f"{expected}s"]


@given(
    typical=st.floats(min_value=0.001, max_value=600, allow_nan=False, allow_infinity=False),
    timeout=st.integers(min_value=1, max_value=3600),
)
def test_kn_cancel_1_read_timeout_bounds(typical: float, timeout: int) -> None:
    typical = min(typical, timeout)
    route = RouterRoute.for_knative_service(
        "m", "ns", timeout_seconds=timeout, typical_request_seconds=typical
    )
    seconds = route.read_timeout_seconds
    assert isinstance(seconds, int)
    assert seconds >= timeout
    assert seconds >= 3 * typical - 1e-6
    assert seconds < max(3 * typical, timeout) + 1


def test_kn_cancel_1_derivation_names_inputs_and_practice() -> None:
    plan = plan_router([EMBED, CHAT])
    by_target = {d.target: d for d in plan.derivations}
    chat = by_target["nginx.conf location /models/chat proxy_read_timeout/proxy_send_timeout"]
    assert chat.value == "180s"
    assert chat.practice == "KN-CANCEL-1"
    assert dict(chat.inputs) == {"typical_request_seconds": None, "timeout_seconds": 72}
    assert [d.target.split()[2] for d in plan.derivations] == ["/models/chat", "/models/embed"]


def test_kn_cancel_1_connect_timeout_short_and_configurable() -> None:
    http = conf_of(CHAT).one("http")
    assert http.value("proxy_connect_timeout") == ["5s"]
    assert conf_of(CHAT, connect_timeout_seconds=2).one("http").value("proxy_connect_timeout") == ["2s"]


# --------------------------------------------------------------------------- streaming, queues, cancellation


def test_kn_fleet_3_streaming_no_buffering_no_compression() -> None:
    http = conf_of(CHAT).one("http")
    assert http.value("proxy_http_version") == ["1.1"]
    assert http.value("proxy_buffering") == ["off"]
    assert http.value("proxy_request_buffering") == ["off"]
    assert http.value("gzip") == ["off"]
    # A model cannot turn buffering back on with X-Accel-Buffering: yes ...
    assert "X-Accel-Buffering" in http.value("proxy_ignore_headers")
    # ... and proxies in front of the router are told not to buffer.
    assert http.value("add_header") == ["X-Accel-Buffering", "no", "always"]


def test_kn_fleet_3_no_queueing_directives_anywhere() -> None:
    conf = conf_of(CHAT, EMBED, RARE)
    names = {d.name for d in conf.walk()}
    assert not {n for n in names if n.startswith(("limit_req", "limit_conn", "queue"))}
    assert "upstream" not in names  # no upstream block, hence no queue or backup servers


def test_kn_cancel_2_client_abort_propagates_and_no_retry() -> None:
    conf = conf_of(CHAT, EMBED)
    http = conf.one("http")
    assert http.value("proxy_ignore_client_abort") == ["off"]
    assert http.value("proxy_next_upstream") == ["off"]
    for directive in conf.walk():
        if directive.name == "proxy_ignore_client_abort":
            assert directive.args == ["off"]
        if directive.name == "proxy_next_upstream":
            assert directive.args == ["off"]


# --------------------------------------------------------------------------- start-up and privileges


def test_kn_fleet_2_upstreams_resolved_per_request() -> None:
    conf = conf_of(CHAT, EMBED)
    http = conf.one("http")
    assert http.value("resolver") == ["kube-dns.kube-system.svc.cluster.local", "valid=10s"]
    # proxy_pass through a variable is what defers resolution to request time.
    for loc in model_locations(conf):
        assert loc.value("proxy_pass")[0].startswith("http://$")
    resolver = conf_of(CHAT, resolver="10.96.0.10:53", resolver_valid_seconds=30).one("http")
    assert resolver.value("resolver") == ["10.96.0.10:53", "valid=30s"]


def test_runs_unprivileged_everything_under_runtime_dir() -> None:
    conf = conf_of(CHAT, runtime_dir="/run/router")
    names = [d.name for d in conf.walk()]
    assert "user" not in names
    assert "daemon" not in names  # the command line says 'daemon off;'
    assert conf.value("pid") == ["/run/router/nginx.pid"]
    http = conf.one("http")
    temps = (
        "client_body_temp_path",
        "proxy_temp_path",
        "fastcgi_temp_path",
        "uwsgi_temp_path",
        "scgi_temp_path",
    )
    for temp in temps:
        assert http.value(temp)[0].startswith("/run/router/"), temp
    assert conf.value("error_log")[0] == "stderr"
    assert http.value("access_log")[0] == "/dev/stdout"
    assert server(conf).value("listen") == ["8080", "default_server"]


def test_listen_address_and_port() -> None:
    conf = conf_of(CHAT, listen_address="127.0.0.1", listen_port=18080)
    assert server(conf).value("listen") == ["127.0.0.1:18080", "default_server"]


def test_access_log_can_be_turned_off() -> None:
    assert conf_of(CHAT, access_log=False).one("http").value("access_log") == ["off"]


# --------------------------------------------------------------------------- health and unknown paths


def test_health_endpoint_answers_200_json() -> None:
    health = server(conf_of(CHAT)).one("location", "=", "/healthz")
    assert health.value("return")[0] == "200"
    assert json_of(health.one("return")) == {"status": "ok"}
    custom = server(conf_of(CHAT, health_path="/-/ready")).one("location", "=", "/-/ready")
    assert custom.value("return")[0] == "200"


def test_unknown_paths_get_json_404() -> None:
    conf = conf_of(CHAT)
    srv = server(conf)
    assert srv.one("location", "/").value("return") == ["404"]
    assert srv.one("error_page", "404").args == ["404", "@kn_unknown_model"]
    unknown = srv.one("location", "@kn_unknown_model").one("return")
    assert unknown.args[0] == "404"
    body = json_of(unknown)
    assert body["error"] == "unknown model"
    assert "/models/<model>/" in str(body["hint"])
    # return bodies are sent with the default type
    assert conf.one("http").value("default_type") == ["application/json"]
    assert srv.all("default_type") == []


def test_upstream_errors_get_json_bodies_naming_the_model() -> None:
    srv = server(conf_of(CHAT))
    assert srv.one("error_page", "502").args == ["502", "@kn_bad_gateway"]
    assert srv.one("error_page", "504").args == ["504", "@kn_gateway_timeout"]
    bad = srv.one("location", "@kn_bad_gateway").one("return")
    timeout = srv.one("location", "@kn_gateway_timeout").one("return")
    assert bad.args[0] == "502"
    assert timeout.args[0] == "504"
    assert json_of(bad)["model"] == "$kn_model"
    assert json_of(timeout)["error"] == "model timed out"


def test_no_routes_still_renders_a_router_that_answers_404() -> None:
    conf = conf_of()
    assert model_locations(conf) == []
    assert server(conf).one("location", "/").value("return") == ["404"]


# --------------------------------------------------------------------------- errors


def raised(routes: list[RouterRoute], **settings: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        render_nginx_conf(routes, **settings)  # type: ignore[arg-type]
    return info.value


def chat_with(**changes: object) -> list[RouterRoute]:
    return [dataclasses.replace(CHAT, **changes)]  # type: ignore[arg-type]


R0 = "router.routes[0]"
BAD_ROUTES = [
    ("name-upper", [CHAT, dataclasses.replace(EMBED, name="Embed")], "KN-FLEET-1", "router.routes[1].name"),
    ("name-dot", chat_with(name="chat.v2"), "KN-FLEET-1", f"{R0}.name"),
    ("name-digit", chat_with(name="3b"), "KN-FLEET-1", f"{R0}.name"),
    ("name-64", chat_with(name="m" * 64), "KN-FLEET-1", f"{R0}.name"),
    ("name-injection", chat_with(name="a;b"), "KN-FLEET-1", f"{R0}.name"),
    ("duplicate", [CHAT, EMBED, CHAT], "KN-FLEET-1", "router.routes[2].name"),
    ("namespace", chat_with(namespace="Models"), "KN-FLEET-2", f"{R0}.namespace"),
    ("upstream-no-port", chat_with(upstream="chat.models"), "KN-FLEET-2", f"{R0}.upstream"),
    ("upstream-port", chat_with(upstream="chat:70000"), "KN-FLEET-2", f"{R0}.upstream"),
    ("upstream-space", chat_with(upstream="a b:80"), "KN-FLEET-2", f"{R0}.upstream"),
    ("upstream-ipv6", chat_with(upstream="::1:80"), "KN-FLEET-2", f"{R0}.upstream"),
    ("host-semicolon", chat_with(host_header="x;y"), "KN-FLEET-2", f"{R0}.host_header"),
    ("timeout-zero", chat_with(timeout_seconds=0), "KN-CANCEL-1", f"{R0}.timeout_seconds"),
    ("timeout-float", chat_with(timeout_seconds=1.5), "KN-CANCEL-1", f"{R0}.timeout_seconds"),
    (
        "typical-negative",
        chat_with(typical_request_seconds=-1),
        "KN-CANCEL-1",
        f"{R0}.typical_request_seconds",
    ),
    (
        "typical-nan",
        chat_with(typical_request_seconds=math.nan),
        "KN-CANCEL-1",
        f"{R0}.typical_request_seconds",
    ),
    (
        "typical-over-timeout",
        chat_with(typical_request_seconds=90),
        "KN-CANCEL-1",
        f"{R0}.typical_request_seconds",
    ),
]


@pytest.mark.parametrize(("case", "routes", "code", "path"), BAD_ROUTES, ids=[c[0] for c in BAD_ROUTES])
def test_bad_routes_are_refused(case: str, routes: list[RouterRoute], code: str, path: str) -> None:
    error = raised(routes)
    assert [(p.code, p.path) for p in error.problems] == [(code, path)]


BAD_SETTINGS = [
    ("prefix-no-leading-slash", {"prefix": "models/"}, "router.prefix"),
    ("prefix-no-trailing-slash", {"prefix": "/models"}, "router.prefix"),
    ("prefix-double-slash", {"prefix": "/a//b/"}, "router.prefix"),
    ("prefix-dotdot", {"prefix": "/../"}, "router.prefix"),
    ("prefix-regex", {"prefix": "/a(b)/"}, "router.prefix"),
    ("port-privileged", {"listen_port": 80}, "router.listen_port"),
    ("port-high", {"listen_port": 70000}, "router.listen_port"),
    ("listen-address", {"listen_address": "localhost"}, "router.listen_address"),
    ("health-root", {"health_path": "/"}, "router.health_path"),
    ("health-relative", {"health_path": "healthz"}, "router.health_path"),
    ("health-in-model", {"health_path": "/models/chat/health"}, "router.health_path"),
    ("health-is-model", {"health_path": "/models/chat"}, "router.health_path"),
    ("resolver-space", {"resolver": "kube dns"}, "router.resolver"),
    ("resolver-valid-zero", {"resolver_valid_seconds": 0}, "router.resolver_valid_seconds"),
    ("connect-timeout-zero", {"connect_timeout_seconds": 0}, "router.connect_timeout_seconds"),
    ("runtime-relative", {"runtime_dir": "tmp"}, "router.runtime_dir"),
    ("runtime-semicolon", {"runtime_dir": "/tmp;x"}, "router.runtime_dir"),
    ("workers-zero", {"worker_processes": 0}, "router.worker_processes"),
    ("connections-few", {"worker_connections": 8}, "router.worker_connections"),
    ("body-zero", {"max_body_megabytes": 0}, "router.max_body_megabytes"),
]


@pytest.mark.parametrize(("case", "settings", "path"), BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_settings_are_refused(case: str, settings: dict[str, object], path: str) -> None:
    error = raised([CHAT], **settings)
    assert [(p.code, p.path) for p in error.problems] == [("KN-FLEET-2", path)]


def test_not_a_route_is_refused() -> None:
    error = raised([CHAT, ("embed", "models")])  # type: ignore[list-item]
    assert [(p.code, p.path) for p in error.problems] == [("KN-FLEET-2", "router.routes[1]")]


def test_all_problems_reported_at_once() -> None:
    routes = [
        CHAT,
        dataclasses.replace(EMBED, name="Embed", timeout_seconds=0),
        CHAT,
        dataclasses.replace(RARE, upstream="rare"),
    ]
    error = raised(routes, prefix="models", listen_port=80)
    assert sorted((p.code, p.path) for p in error.problems) == [
        ("KN-CANCEL-1", "router.routes[1].timeout_seconds"),
        ("KN-FLEET-1", "router.routes[1].name"),
        ("KN-FLEET-1", "router.routes[2].name"),
        ("KN-FLEET-2", "router.listen_port"),
        ("KN-FLEET-2", "router.prefix"),
        ("KN-FLEET-2", "router.routes[3].upstream"),
    ]


def test_duplicate_message_format() -> None:
    error = raised([CHAT, EMBED, CHAT])
    assert str(error) == (
        "router: 1 problem found\n"
        "  [KN-FLEET-1] router.routes[2].name: duplicate model name 'chat': routes[0] already serves"
        " /models/chat/ (value: 'chat'; allowed: a name not used by another route)\n"
        "    hint: give each model its own name (one Knative Service per model)"
    )


def test_bad_timeout_message_echoes_value_and_range() -> None:
    problem = raised([dataclasses.replace(CHAT, typical_request_seconds=90)]).problems[0]
    assert problem.message.startswith("expected 90 <= 72")
    assert problem.value == 90
    assert problem.allowed == "0 < typical_request_seconds <= 72 (timeoutSeconds)"


def test_router_problems_collects_without_raising_and_plan_has_no_text() -> None:
    routes = [CHAT, CHAT]
    found = router_problems(routes, RouterSettings(prefix="/x"), path="fleet.router")
    assert sorted((p.code, p.path) for p in found) == [
        ("KN-FLEET-1", "fleet.router.routes[1].name"),
        ("KN-FLEET-2", "fleet.router.prefix"),
    ]
    plan = plan_router(routes)
    assert plan.conf_text is None
    assert plan.config_sha256 is None
    assert [p.code for p in plan.problems] == ["KN-FLEET-1"]


def test_valid_input_has_no_problems() -> None:
    assert router_problems([CHAT, EMBED, RARE]) == []
    ipv6 = dataclasses.replace(CHAT, upstream="[::1]:8080", host_header="chat.example")
    ipv4 = dataclasses.replace(EMBED, upstream="127.0.0.1:9000", host_header="embed:9000")
    assert router_problems([ipv6, ipv4]) == []
