"""``nginx -t`` on every kind of configuration the router generates (KN-FLEET-2).

The real nginx binary checks the syntax, every directive's context and arguments, the
regexes, the variables and the paths. It runs as the current user with every runtime
file under pytest's temporary directory, so no root and no /etc/nginx are needed.

Under ``CI=true`` a missing nginx fails these tests; elsewhere they skip with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from kn_constructs.router import DEFAULT_NJS_MODULE_PATH, DEFAULT_RESOLVER, RouterRoute
from tests.router.support import nginx_binary, nginx_test, njs_module, router_files

CHAT = RouterRoute.for_knative_service("chat", "models", timeout_seconds=72)
EMBED = RouterRoute.for_knative_service("embed", "models", timeout_seconds=3, typical_request_seconds=0.5)
RARE = RouterRoute.for_knative_service("rare", "models", timeout_seconds=24)
#: A resolver address nginx can parse without DNS. The default resolver is the cluster DNS
#: Service's name, which only resolves inside a cluster, and nginx looks it up at start-up.
LOCAL_RESOLVER = "127.0.0.1:53"


@pytest.fixture(scope="module")
def nginx() -> str:
    return nginx_binary()


def local(files: dict[str, str], runtime_dir: str, tmp_path: Path) -> dict[str, str]:
    """The files with their in-cluster parts pointed at this machine.

    Only three things change: the cluster DNS name (resolvable only in a cluster) becomes a
    local address, the runtime directory moves into ``tmp_path``, and njs is loaded from
    Debian's path instead of the image's. Each is asserted to occur, so the rest of the text
    is tested exactly as generated; the other files (``router.js``, ``openai-models.json``)
    are written unchanged next to it.
    """
    text = files["nginx.conf"]
    module_line = f"load_module {DEFAULT_NJS_MODULE_PATH};"
    if module_line in text:
        assert text.count(module_line) == 1
        text = text.replace(module_line, f"load_module {njs_module()};")
    resolver_line = f"resolver {DEFAULT_RESOLVER} "
    if resolver_line in text:
        assert text.count(resolver_line) == 1
        text = text.replace(resolver_line, f"resolver {LOCAL_RESOLVER} ")
    assert f" {runtime_dir}/nginx.pid;" in text
    return {**files, "nginx.conf": text.replace(f" {runtime_dir}/", f" {tmp_path}/")}


def many_routes(count: int) -> list[RouterRoute]:
    return [
        RouterRoute.for_knative_service(f"model-{i:04d}", f"team-{i % 7}", timeout_seconds=1 + i % 600)
        for i in range(count)
    ]


CONFIGS: dict[str, Callable[[], dict[str, str]]] = {
    "defaults": lambda: router_files([CHAT, EMBED, RARE]),
    "no-routes": lambda: router_files([]),
    "prefix-root": lambda: router_files([CHAT, EMBED], prefix="/"),
    "prefix-nested": lambda: router_files([CHAT], prefix="/api/v1.0/models/"),
    "health-path": lambda: router_files([CHAT], health_path="/-/ready"),
    "ip-upstreams": lambda: router_files(
        [
            dataclasses.replace(CHAT, upstream="127.0.0.1:9001"),
            dataclasses.replace(EMBED, upstream="[::1]:9002", host_header="embed.example:9002"),
        ]
    ),
    "resolver-ip": lambda: router_files([CHAT], resolver="10.96.0.10", resolver_valid_seconds=30),
    "listen-address": lambda: router_files([CHAT], listen_address="127.0.0.1", listen_port=18080),
    "tuned": lambda: router_files(
        [CHAT],
        worker_processes=1,
        worker_connections=16,
        max_body_megabytes=1,
        connect_timeout_seconds=1,
        resolver_timeout_seconds=1,
        access_log=False,
    ),
    "runtime-dir": lambda: router_files([CHAT], runtime_dir="/var/run/router"),
    "300-models": lambda: router_files(many_routes(300)),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_kn_fleet_2_generated_config_passes_nginx_t(case: str, nginx: str, tmp_path: Path) -> None:
    files = CONFIGS[case]()
    runtime_dir = "/var/run/router" if case == "runtime-dir" else "/tmp"
    result = nginx_test(nginx, local(files, runtime_dir, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_kn_fleet_2_model_router_config_passes_nginx_t(nginx: str, tmp_path: Path) -> None:
    """The text the construct puts in its ConfigMap, as deployed."""
    from cdk8s import App, Chart

    from kn_constructs.router import ModelRouter

    chart = Chart(App(outdir=str(tmp_path / "out")), "fleet", namespace="models")
    router = ModelRouter(chart, "router", routes=[CHAT, EMBED, RARE], acknowledge=["KN-IMAGE-1"])
    result = nginx_test(nginx, local(router.plan.files, "/tmp", tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr


def test_nginx_t_catches_a_broken_config(nginx: str, tmp_path: Path) -> None:
    """The harness itself: a configuration nginx rejects makes ``nginx -t`` fail here."""
    files = local(router_files([CHAT]), "/tmp", tmp_path)
    broken = files["nginx.conf"].replace("proxy_buffering off;", "proxy_buffering sometimes;")
    assert broken != files["nginx.conf"]
    result = nginx_test(nginx, {**files, "nginx.conf": broken}, tmp_path)
    assert result.returncode != 0
    assert "proxy_buffering" in result.stderr


def test_default_resolver_is_looked_up_at_start_up(nginx: str, tmp_path: Path) -> None:
    """Why ``local()`` swaps the resolver: nginx resolves the resolver's own name when it starts.

    In a pod that name resolves through the pod's resolv.conf; outside a cluster it does
    not, and nginx says so. Everything else in the file is checked by the test above.
    """
    files = router_files([CHAT], runtime_dir=str(tmp_path), njs_module_path=njs_module())
    result = nginx_test(nginx, files, tmp_path)
    if result.returncode == 0:  # a machine whose DNS knows the cluster name
        return
    assert f'host not found in resolver "{DEFAULT_RESOLVER}"' in result.stderr
