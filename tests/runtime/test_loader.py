"""The object-storage loader against a local S3-compatible server (moto in server mode).

Also: the runtime's hub list and offline names agree with kn_constructs' (the runtime copies them
as data because it must not import kn_constructs).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kn_serve import ConfigError, Settings
from kn_serve import loader as kn_loader
from kn_serve.loader import download_prefix, is_external_hub_uri, model_path, parse_object_uri
from tests.runtime.procs import free_port, started, wait_for

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
FILES = {
    "models/toy/config.json": b'{"layers": 2}',
    "models/toy/weights/part-0.bin": b"\x00" * 1000,
    "models/toy/weights/part-1.bin": b"\x01" * 1000,
    "models/toy-2/config.json": b"{}",  # a sibling prefix that must not be picked up
}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("moto")
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with started(argv, tmp, env=CREDENTIALS, port=port) as proc:
        endpoint = f"http://127.0.0.1:{port}"
        wait_for(lambda: proc.status("/moto-api/") is not None, timeout=30)
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="weights")
    for key, data in FILES.items():
        client.put_object(Bucket="weights", Key=key, Body=data)
    return client


@pytest.mark.slow
def test_downloads_a_prefix_from_the_env_the_construct_writes(
    bucket: Any, s3_endpoint: str, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {
            "MODEL_SOURCE": "object-storage",
            "MODEL_URI": "s3://weights/models/toy",
            "MODEL_ENDPOINT": s3_endpoint,
        }
    )
    written = download_prefix(tmp_path / "model", settings=settings)
    assert sorted(p.relative_to(tmp_path / "model").as_posix() for p in written) == [
        "config.json",
        "weights/part-0.bin",
        "weights/part-1.bin",
    ]
    assert (tmp_path / "model/config.json").read_bytes() == b'{"layers": 2}'
    assert (tmp_path / "model/weights/part-1.bin").read_bytes() == b"\x01" * 1000


@pytest.mark.slow
def test_https_path_style_uri_on_the_endpoint_and_model_path(
    bucket: Any, s3_endpoint: str, tmp_path: Path
) -> None:
    settings = Settings(model_uri=f"{s3_endpoint}/weights/models/toy/", model_endpoint=s3_endpoint)
    assert model_path(tmp_path / "cache", settings=settings) == tmp_path / "cache"
    assert (tmp_path / "cache/weights/part-0.bin").stat().st_size == 1000


@pytest.mark.slow
def test_an_empty_prefix_is_an_error(bucket: Any, s3_endpoint: str, tmp_path: Path) -> None:
    settings = Settings(model_uri="s3://weights/models/missing", model_endpoint=s3_endpoint)
    with pytest.raises(ConfigError) as info:
        download_prefix(tmp_path, settings=settings)
    (problem,) = info.value.problems
    assert (problem.code, problem.path) == ("KN-SERVE-ENV", "MODEL_URI")
    assert "no object under s3://weights/models/missing" in problem.message


@pytest.mark.parametrize(
    "uri",
    [
        "hf://meta-llama/Llama-3-8B",
        "https://huggingface.co/meta-llama/Llama-3-8B/resolve/main/model.safetensors",
        "https://cdn-lfs.huggingface.co/repos/x",
        "https://www.kaggle.com/models/x",
        "ollama://llama3",
    ],
)
def test_hub_uris_are_refused_before_any_request(uri: str, tmp_path: Path) -> None:
    class NoClient:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError("the loader must not reach storage for a hub URI")

    with pytest.raises(ConfigError) as info:
        download_prefix(tmp_path, uri, settings=Settings(), client=NoClient())
    (problem,) = info.value.problems
    assert (problem.code, problem.path, problem.value) == ("KN-MODEL-4", "MODEL_URI", uri)


@pytest.mark.parametrize(
    ("uri", "endpoint", "message"),
    [
        (
            "https://other.example.com/b/p",
            "https://object.example.com",
            "must be on the object storage endpoint",
        ),
        ("https://object.example.com/b/p", None, "must be on the object storage endpoint"),
        ("gs://bucket/prefix", None, "unsupported scheme 'gs'"),
        ("s3:///prefix", None, "no bucket"),
        ("", None, "expected an object storage URI"),
    ],
)
def test_uris_it_does_not_understand(uri: str, endpoint: str | None, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_object_uri(uri, endpoint)
    (problem,) = info.value.problems
    assert (problem.code, problem.path) == ("KN-SERVE-ENV", "MODEL_URI")
    assert message in problem.message


def test_unset_model_uri(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        download_prefix(tmp_path, settings=Settings())
    assert info.value.problems[0].message == "MODEL_URI is not set"


def test_pvc_path_needs_no_download(tmp_path: Path) -> None:
    settings = Settings(model_source="pvc", model_uri="/models/llama")
    assert model_path(tmp_path, settings=settings) == Path("/models/llama")


def test_keys_outside_the_destination_are_refused() -> None:
    with pytest.raises(ConfigError):
        kn_loader._local_name("models/toy/../../etc/passwd", "models/toy")


def test_hub_lists_agree_with_kn_constructs() -> None:
    from kn_constructs import sources
    from kn_constructs.inference import OFFLINE_ENV
    from kn_serve.settings import OFFLINE_ENV as RUNTIME_OFFLINE_ENV

    assert kn_loader.EXTERNAL_HUB_HOSTS == sources.EXTERNAL_HUB_HOSTS
    assert kn_loader.HUB_SCHEMES == sources._HUB_SCHEMES
    assert RUNTIME_OFFLINE_ENV == OFFLINE_ENV
    for uri in ("hf://x/y", "https://sub.huggingface.co/x", "s3://bucket/x", "https://object.example.com/b"):
        assert is_external_hub_uri(uri) == sources.is_external_hub_uri(uri)
