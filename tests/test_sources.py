"""ModelSource and SecretKeyRef: where the weights are (KN-MODEL-1..4)."""

from __future__ import annotations

import pytest

from kn_constructs.sources import EXTERNAL_HUB_HOSTS, ModelSource, SecretKeyRef, is_external_hub_uri

PVC_FLAG = "kubernetes.podspec-persistent-volume-claim"
PVC_WRITE_FLAG = "kubernetes.podspec-persistent-volume-write"
CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

URI = "s3://models/llama-3-8b/model.tensors"
ENDPOINT = "https://object.lga1.example.com"


def env_by_name(source: ModelSource) -> dict[str, dict[str, object]]:
    env = source.env()
    names = [str(var["name"]) for var in env]
    assert len(names) == len(set(names)), f"duplicate env names: {names}"
    return {str(var["name"]): var for var in env}


# ----------------------------------------------------------------- tensorizer / object storage env


def test_kn_model_2_tensorizer_env_names_uri_endpoint_and_secret_refs() -> None:
    source = ModelSource.tensorizer(URI, endpoint=ENDPOINT, credentials_secret="s3-creds")
    env = env_by_name(source)
    assert env["MODEL_SOURCE"] == {"name": "MODEL_SOURCE", "value": "tensorizer"}
    assert env["MODEL_URI"] == {"name": "MODEL_URI", "value": URI}
    assert env["MODEL_ENDPOINT"] == {"name": "MODEL_ENDPOINT", "value": ENDPOINT}
    assert env["S3_ENDPOINT_URL"] == {"name": "S3_ENDPOINT_URL", "value": ENDPOINT}
    assert env["AWS_ACCESS_KEY_ID"] == {
        "name": "AWS_ACCESS_KEY_ID",
        "valueFrom": {"secretKeyRef": {"name": "s3-creds", "key": "access_key"}},
    }
    assert env["AWS_SECRET_ACCESS_KEY"] == {
        "name": "AWS_SECRET_ACCESS_KEY",
        "valueFrom": {"secretKeyRef": {"name": "s3-creds", "key": "secret_key"}},
    }
    assert source.problems() == []


def test_kn_model_2_credentials_are_never_literal_values() -> None:
    source = ModelSource.tensorizer(
        URI,
        endpoint=ENDPOINT,
        credentials_secret="s3-creds",
        access_key_id_key="id",
        secret_access_key_key="secret",
    )
    env = env_by_name(source)
    for name in CREDENTIAL_VARS:
        assert "value" not in env[name]
        assert set(env[name]) == {"name", "valueFrom"}
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"] == {"secretKeyRef": {"name": "s3-creds", "key": "id"}}
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"] == {
        "secretKeyRef": {"name": "s3-creds", "key": "secret"}
    }


def test_kn_model_2_public_bucket_has_no_credential_or_endpoint_vars() -> None:
    env = env_by_name(ModelSource.tensorizer(URI))
    assert set(env) == {"MODEL_SOURCE", "MODEL_URI"}


def test_kn_model_2_object_storage_names_its_kind() -> None:
    source = ModelSource.object_storage("https://object.lga1.example.com/models/llama/", endpoint=ENDPOINT)
    env = env_by_name(source)
    assert env["MODEL_SOURCE"]["value"] == "object-storage"
    assert env["MODEL_URI"]["value"] == "https://object.lga1.example.com/models/llama/"
    assert source.kind == "object_storage"
    assert source.problems() == []


@pytest.mark.parametrize(
    "source",
    [ModelSource.tensorizer(URI), ModelSource.object_storage(URI)],
    ids=["tensorizer", "object-storage"],
)
def test_object_sources_need_no_volumes_or_flags(source: ModelSource) -> None:
    assert source.volumes() == []
    assert source.volume_mounts() == []
    assert source.required_features() == frozenset()


def test_secret_key_ref_env_source() -> None:
    assert SecretKeyRef("creds", "token").to_env_source() == {
        "secretKeyRef": {"name": "creds", "key": "token"}
    }
    assert SecretKeyRef("creds", "token").problems("x") == []


# ----------------------------------------------------------------- KN-MODEL-4: external hubs

HUB_URIS = [
    "hf://meta-llama/Meta-Llama-3-8B",
    "huggingface://meta-llama/Meta-Llama-3-8B",
    "https://huggingface.co/meta-llama/Meta-Llama-3-8B",
    "https://HuggingFace.co/meta-llama/Meta-Llama-3-8B",
    "https://cdn-lfs.huggingface.co/repos/ab/cd/model.safetensors",
    "https://hf.co/meta-llama/Meta-Llama-3-8B",
    "https://modelscope.cn/models/qwen/Qwen2-7B",
    "https://raw.githubusercontent.com/org/repo/main/model.bin",
]


@pytest.mark.parametrize("uri", HUB_URIS)
@pytest.mark.parametrize("kind", ["tensorizer", "object_storage"])
def test_kn_model_4_hub_uri_is_an_error(uri: str, kind: str) -> None:
    source = getattr(ModelSource, kind)(uri)
    found = source.problems("llama.model")
    assert [(p.code, p.path, p.severity) for p in found] == [("KN-MODEL-4", "llama.model.uri", "error")]
    assert found[0].value == uri
    assert found[0].hint is not None
    assert "allow_external_hub" in found[0].hint


@pytest.mark.parametrize("uri", HUB_URIS)
def test_kn_model_4_hub_uri_allowed_explicitly(uri: str) -> None:
    assert ModelSource.tensorizer(uri, allow_external_hub=True).problems() == []


@pytest.mark.parametrize("uri", HUB_URIS)
def test_kn_model_4_is_external_hub_uri_true(uri: str) -> None:
    assert is_external_hub_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        URI,
        "https://object.lga1.example.com/models/llama",
        "https://nothuggingface.co/model",
        "https://huggingface.co.example.com/model",
        "s3://hf-mirror/llama",
    ],
)
def test_kn_model_4_own_storage_is_not_a_hub(uri: str) -> None:
    assert not is_external_hub_uri(uri)
    assert ModelSource.tensorizer(uri).problems() == []


def test_kn_model_4_every_listed_hub_host_is_detected_with_subdomains() -> None:
    for host in EXTERNAL_HUB_HOSTS:
        assert is_external_hub_uri(f"https://{host}/m")
        assert is_external_hub_uri(f"https://mirror.{host}/m")


# ----------------------------------------------------------------- failure table


@pytest.mark.parametrize(
    ("source", "code", "path"),
    [
        (ModelSource.tensorizer("ftp://host/model.tensors"), "KN-MODEL-2", "model.uri"),
        (ModelSource.tensorizer("gs://bucket/model.tensors"), "KN-MODEL-2", "model.uri"),
        (ModelSource.tensorizer("models/llama/model.tensors"), "KN-MODEL-2", "model.uri"),
        (ModelSource.tensorizer("s3://"), "KN-MODEL-2", "model.uri"),
        (ModelSource.tensorizer(""), "KN-MODEL-2", "model.uri"),
        (ModelSource.object_storage("file:///models/llama"), "KN-MODEL-2", "model.uri"),
        (
            ModelSource.tensorizer(URI, endpoint="object.lga1.example.com"),
            "KN-MODEL-2",
            "model.endpoint",
        ),
        (
            ModelSource.tensorizer(URI, endpoint="s3://object.example.com"),
            "KN-MODEL-2",
            "model.endpoint",
        ),
        (
            ModelSource.tensorizer(URI, credentials_secret="S3_Creds"),
            "KN-MODEL-2",
            "model.credentials_secret",
        ),
        (
            ModelSource.tensorizer(URI, credentials_secret="-creds"),
            "KN-MODEL-2",
            "model.credentials_secret",
        ),
        (
            ModelSource.tensorizer(URI, credentials_secret="c" * 254),
            "KN-MODEL-2",
            "model.credentials_secret",
        ),
        (
            ModelSource.tensorizer(URI, credentials_secret="creds", access_key_id_key="access key"),
            "KN-MODEL-2",
            "model.access_key_id_key",
        ),
        (
            ModelSource.tensorizer(URI, credentials_secret="creds", secret_access_key_key="a/b"),
            "KN-MODEL-2",
            "model.secret_access_key_key",
        ),
        (ModelSource.pvc("Llama_Weights"), "KN-MODEL-3", "model.claim_name"),
        (ModelSource.pvc(""), "KN-MODEL-3", "model.claim_name"),
        (ModelSource.pvc("weights", mount_path="models"), "KNATIVE-VOLUME", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/dev"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/dev/"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/dev/log"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/dev/./log"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="//dev//log/"), "KNATIVE-RESERVED", "model.mount_path"),
        (ModelSource.pvc("weights", mount_path="/models/../dev"), "KNATIVE-RESERVED", "model.mount_path"),
    ],
    ids=[
        "uri-ftp",
        "uri-gs",
        "uri-no-scheme",
        "uri-no-bucket",
        "uri-empty",
        "uri-file",
        "endpoint-no-scheme",
        "endpoint-s3-scheme",
        "secret-uppercase",
        "secret-leading-dash",
        "secret-too-long",
        "access-key-key-space",
        "secret-key-key-slash",
        "pvc-bad-name",
        "pvc-empty-name",
        "mount-relative",
        "mount-root",
        "mount-dev",
        "mount-dev-slash",
        "mount-dev-log",
        "mount-dev-dot-log",
        "mount-double-slashes",
        "mount-dotdot-to-dev",
    ],
)
def test_model_source_failures(source: ModelSource, code: str, path: str) -> None:
    found = source.problems()
    assert [(p.code, p.path, p.severity) for p in found] == [(code, path, "error")]


def test_kn_model_2_bad_scheme_echoes_the_value() -> None:
    (problem,) = ModelSource.tensorizer("ftp://host/model.tensors").problems("llama.model")
    assert problem.path == "llama.model.uri"
    assert problem.message == "invalid value: ftp://host/model.tensors"
    assert problem.value == "ftp://host/model.tensors"
    assert problem.allowed is not None


def test_kn_model_2_every_problem_reported_at_once() -> None:
    source = ModelSource.tensorizer(
        "ftp://host/x", endpoint="nope", credentials_secret="Bad_Name", access_key_id_key="a b"
    )
    found = source.problems()
    assert sorted(p.path for p in found) == [
        "model.access_key_id_key",
        "model.credentials_secret",
        "model.endpoint",
        "model.uri",
    ]
    assert {p.code for p in found} == {"KN-MODEL-2"}


def test_kn_model_2_bad_secret_keys_are_reported_at_their_own_props() -> None:
    source = ModelSource.tensorizer(
        URI, credentials_secret="creds", access_key_id_key="a b", secret_access_key_key="c d"
    )
    paths = [p.path for p in source.problems()]
    assert len(paths) == 2
    assert len(set(paths)) == 2


# ----------------------------------------------------------------- PVC (KN-MODEL-3)


def test_kn_model_3_pvc_defaults_read_only_at_models() -> None:
    source = ModelSource.pvc("llama-weights")
    assert source.volumes() == [
        {
            "name": "model-weights",
            "persistentVolumeClaim": {"claimName": "llama-weights", "readOnly": True},
        }
    ]
    assert source.volume_mounts() == [{"name": "model-weights", "mountPath": "/models", "readOnly": True}]
    env = env_by_name(source)
    assert env["MODEL_SOURCE"]["value"] == "pvc"
    assert env["MODEL_URI"]["value"] == "/models"
    assert not set(env) & {"MODEL_ENDPOINT", "S3_ENDPOINT_URL", *CREDENTIAL_VARS}
    assert source.problems() == []


def test_kn_model_3_pvc_volume_is_mounted_by_the_same_name() -> None:
    source = ModelSource.pvc("llama-weights", mount_path="/weights")
    (volume,) = source.volumes()
    (mount,) = source.volume_mounts()
    assert volume["name"] == mount["name"]
    assert mount["mountPath"] == "/weights"


@pytest.mark.parametrize(
    ("mount_path", "path", "expected"),
    [
        ("/models", "", "/models"),
        ("/models", "llama-3/8b", "/models/llama-3/8b"),
        ("/models", "/llama-3/8b/", "/models/llama-3/8b"),
        ("/models/", "llama", "/models/llama"),
        ("/mnt/weights", "llama", "/mnt/weights/llama"),
        ("/mnt/./weights/", "llama", "/mnt/weights/llama"),
        ("/mnt//weights/", "", "/mnt/weights"),
    ],
)
def test_kn_model_3_pvc_model_uri_is_the_path_inside_the_container(
    mount_path: str, path: str, expected: str
) -> None:
    source = ModelSource.pvc("weights", path=path, mount_path=mount_path)
    assert source.model_location == expected
    assert env_by_name(source)["MODEL_URI"]["value"] == expected


@pytest.mark.parametrize(
    ("read_only", "flags"),
    [
        (True, frozenset({PVC_FLAG})),
        (False, frozenset({PVC_FLAG, PVC_WRITE_FLAG})),
    ],
    ids=["read-only", "writable"],
)
def test_kn_model_3_pvc_required_features(read_only: bool, flags: frozenset[str]) -> None:
    source = ModelSource.pvc("weights", read_only=read_only)
    assert source.required_features() == flags
    (volume,) = source.volumes()
    (mount,) = source.volume_mounts()
    assert volume["persistentVolumeClaim"] == {"claimName": "weights", "readOnly": read_only}
    assert mount["readOnly"] is read_only


def test_kn_model_3_pvc_keeps_region() -> None:
    assert ModelSource.pvc("weights", region="LGA1").region == "LGA1"
    assert ModelSource.tensorizer(URI, region="ORD1").region == "ORD1"
