"""Settings.from_env, the offline env, and ModelServer's argument checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_serve import DEFAULT_HOST, DEFAULT_PORT, ConfigError, ModelServer, Settings, set_offline_env
from kn_serve.settings import OFFLINE_ENV


def test_defaults_with_an_empty_env() -> None:
    settings = Settings.from_env({})
    assert (settings.port, settings.host) == (DEFAULT_PORT, DEFAULT_HOST) == (8080, "0.0.0.0")
    assert settings.timeout_seconds is None
    assert settings.batch_size is None


def test_every_variable_the_construct_writes() -> None:
    settings = Settings.from_env(
        {
            "PORT": "9000",
            "HOST": "127.0.0.1",
            "MODEL_SOURCE": "object-storage",
            "MODEL_URI": "s3://models/llama",
            "S3_ENDPOINT_URL": "https://object.example.com",
            "KN_SERVE_TIMEOUT_SECONDS": "300",
            "KN_SERVE_LONGEST_REQUEST_SECONDS": "42.5",
            "KN_SERVE_BATCH_SIZE": "8",
            "KN_SERVE_BATCH_MAX_WAIT_SECONDS": "0.05",
        }
    )
    assert settings == Settings(
        port=9000,
        host="127.0.0.1",
        model_source="object-storage",
        model_uri="s3://models/llama",
        model_endpoint="https://object.example.com",
        timeout_seconds=300,
        longest_request_seconds=42.5,
        batch_size=8,
        batch_max_wait_seconds=0.05,
    )


def test_model_endpoint_wins_over_s3_endpoint_url() -> None:
    env = {"MODEL_ENDPOINT": "https://a.example.com", "S3_ENDPOINT_URL": "https://b.example.com"}
    assert Settings.from_env(env).model_endpoint == "https://a.example.com"


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_port_range(port: int) -> None:
    if 1 <= port <= 65535:
        assert Settings.from_env({"PORT": str(port)}).port == port
    else:
        with pytest.raises(ConfigError) as info:
            Settings.from_env({"PORT": str(port)})
        assert info.value.codes == ("KN-SERVE-ENV",)
        assert info.value.problems[0].path == "PORT"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PORT", "http"),
        ("PORT", "80.5"),
        ("KN_SERVE_TIMEOUT_SECONDS", "0"),
        ("KN_SERVE_TIMEOUT_SECONDS", "1e3"),
        ("KN_SERVE_LONGEST_REQUEST_SECONDS", "nan"),
        ("KN_SERVE_LONGEST_REQUEST_SECONDS", "inf"),
        ("KN_SERVE_LONGEST_REQUEST_SECONDS", "0"),
        ("KN_SERVE_BATCH_SIZE", "0"),
        ("KN_SERVE_BATCH_SIZE", "[4]"),
        ("KN_SERVE_BATCH_MAX_WAIT_SECONDS", "-1"),
        ("KN_SERVE_BATCH_MAX_WAIT_SECONDS", "-inf"),
    ],
)
def test_malformed_values_name_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: raw})
    (problem,) = info.value.problems
    assert (problem.code, problem.path, problem.value) == ("KN-SERVE-ENV", name, raw)
    assert str(problem).startswith(f"[KN-SERVE-ENV] {name}: expected ")


def test_all_malformed_values_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"PORT": "x", "KN_SERVE_BATCH_SIZE": "y"})
    assert [p.path for p in info.value.problems] == ["PORT", "KN_SERVE_BATCH_SIZE"]


def test_offline_env_is_set_and_a_deliberate_value_kept() -> None:
    env = {"TRANSFORMERS_OFFLINE": "0"}
    set_offline_env(env)
    assert env == {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "0", "HF_DATASETS_OFFLINE": "1"}
    assert set(env) == set(OFFLINE_ENV)


def _load(settings: Settings) -> int:
    return 1


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"load": "model.bin"}, "load"),
        ({"load": _load, "self_test": 3}, "self_test"),
        ({"load": _load, "configure": "yes"}, "configure"),
        ({"load": _load, "ready_path": "ready"}, "ready_path"),
        ({"load": _load, "live_path": None}, "live_path"),
        ({"load": _load, "ready_path": "/h", "live_path": "/h"}, "live_path"),
        ({"load": _load, "routes": "/predict"}, "routes"),
    ],
)
def test_model_server_checks_its_arguments(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        ModelServer(**kwargs)  # type: ignore[arg-type]
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-SERVE-ARG", path)]


def test_route_checks_path_and_methods() -> None:
    server = ModelServer(load=_load)
    with pytest.raises(ConfigError) as info:
        server.route("predict", methods="POST")
    assert [p.path for p in info.value.problems] == ["path", "methods"]


@pytest.mark.parametrize(
    ("kwargs", "path"), [({"port": 0}, "port"), ({"port": "80"}, "port"), ({"host": ""}, "host")]
)
def test_run_checks_its_overrides_before_serving(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        ModelServer(load=_load).run(**kwargs)  # type: ignore[arg-type]
    assert [(p.code, p.path) for p in info.value.problems] == [("KN-SERVE-ARG", path)]
