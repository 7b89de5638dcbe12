"""Fetch the model's files from S3-compatible object storage, never from a public hub (KN-MODEL-4).

The location comes from the env the construct writes (``MODEL_URI``, ``MODEL_ENDPOINT`` or
``S3_ENDPOINT_URL``); boto3 reads the credentials from ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY`` (``secretKeyRef`` in the manifest). Needs the ``s3`` extra:
``pip install 'kn-serve[s3]'``.

URIs accepted: ``s3://bucket/prefix``, or ``https://<endpoint host>/bucket/prefix`` (path-style on
the endpoint). A local path (``MODEL_SOURCE=pvc``) needs no download: :func:`model_path` returns it.
A URI on a public hub (``hf://…``, ``https://huggingface.co/…``) is refused: production pods load
weights from storage you run, so a hub outage or rate limit cannot stop a scale-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from kn_serve.errors import ConfigError, Problem
from kn_serve.settings import Settings

__all__ = [
    "EXTERNAL_HUB_HOSTS",
    "HUB_SCHEMES",
    "ObjectLocation",
    "download_prefix",
    "is_external_hub_uri",
    "model_path",
    "parse_object_uri",
]

#: Hosts of public model hubs (the same list as ``kn_constructs.sources.EXTERNAL_HUB_HOSTS``,
#: copied as data because kn_serve must not import kn_constructs; a test checks they agree).
EXTERNAL_HUB_HOSTS = frozenset(
    {
        "huggingface.co",
        "hf.co",
        "cdn-lfs.huggingface.co",
        "cdn-lfs.hf.co",
        "modelscope.cn",
        "modelscope.ai",
        "ollama.com",
        "registry.ollama.ai",
        "civitai.com",
        "kaggle.com",
        "replicate.com",
        "github.com",
        "raw.githubusercontent.com",
    }
)
#: URI schemes of hub clients (``hf://org/model``); the same set as kn_constructs'.
HUB_SCHEMES = frozenset({"hf", "huggingface", "modelscope", "ollama", "kaggle"})


def is_external_hub_uri(uri: str) -> bool:
    """True when ``uri`` points at a public model hub (or a subdomain of one)."""
    parts = urlsplit(uri)
    if parts.scheme.lower() in HUB_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    return any(host == hub or host.endswith("." + hub) for hub in EXTERNAL_HUB_HOSTS)


@dataclass(frozen=True, slots=True)
class ObjectLocation:
    """A bucket and a key prefix on S3-compatible storage."""

    bucket: str
    prefix: str


def _uri_problem(uri: object, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(
        [
            Problem(
                "KN-SERVE-ENV",
                "MODEL_URI",
                message,
                value=uri,
                allowed="s3://bucket/prefix, or https://<MODEL_ENDPOINT host>/bucket/prefix",
                hint=hint,
            )
        ]
    )


def parse_object_uri(uri: str, endpoint_url: str | None = None) -> ObjectLocation:
    """Split an object URI into bucket and prefix; refuse hubs and other hosts.

    Raises:
        ConfigError: ``KN-MODEL-4`` for a hub URI, ``KN-SERVE-ENV`` for anything else not
            understood.
    """
    if not isinstance(uri, str) or not uri:
        raise _uri_problem(uri, "expected an object storage URI")
    if is_external_hub_uri(uri):
        raise ConfigError(
            [
                Problem(
                    "KN-MODEL-4",
                    "MODEL_URI",
                    "refusing to download from a public model hub at run time",
                    value=uri,
                    allowed="your own object storage (s3://…)",
                    hint="copy the weights to object storage once, and point MODEL_URI there",
                )
            ]
        )
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == "s3":
        bucket, path = parts.netloc, parts.path
    elif scheme in ("https", "http"):
        endpoint_host = urlsplit(endpoint_url).netloc.lower() if endpoint_url else None
        if endpoint_host is None or parts.netloc.lower() != endpoint_host:
            raise _uri_problem(
                uri,
                "an https:// model URI must be on the object storage endpoint (MODEL_ENDPOINT)",
                hint="use s3://bucket/prefix with MODEL_ENDPOINT set",
            )
        bucket, _, path = parts.path.lstrip("/").partition("/")
    else:
        raise _uri_problem(uri, f"unsupported scheme {parts.scheme!r}")
    if not bucket:
        raise _uri_problem(uri, "no bucket in the URI")
    return ObjectLocation(bucket=bucket, prefix=path.lstrip("/"))


def _local_name(key: str, prefix: str) -> PurePosixPath:
    rest = key[len(prefix) :].lstrip("/") if prefix else key
    if not rest:
        # The prefix names one object: keep its file name.
        rest = PurePosixPath(key).name
    relative = PurePosixPath(rest)
    if relative.is_absolute() or ".." in relative.parts:
        raise ConfigError(
            [
                Problem(
                    "KN-SERVE-ENV",
                    "MODEL_URI",
                    "an object key would be written outside the destination directory",
                    value=key,
                )
            ]
        )
    return relative


def _client(endpoint_url: str | None) -> Any:
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("kn_serve.loader needs boto3: pip install 'kn-serve[s3]'") from exc
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


def download_prefix(
    dest: str | os.PathLike[str],
    uri: str | None = None,
    *,
    endpoint_url: str | None = None,
    settings: Settings | None = None,
    client: Any = None,
) -> list[Path]:
    """Download every object under the URI's prefix into ``dest``; return the files written.

    Args:
        dest: Local directory (created if missing). Keys below the prefix keep their
            relative paths.
        uri: ``s3://bucket/prefix``. Default: ``MODEL_URI``.
        endpoint_url: Object storage endpoint. Default: ``MODEL_ENDPOINT``, else
            ``S3_ENDPOINT_URL``, else AWS.
        settings: Where the defaults come from. Default: the env.
        client: A boto3 S3 client to use instead of one built here.

    Raises:
        ConfigError: no URI, a hub URI (``KN-MODEL-4``), an unsupported URI, or no object under
            the prefix.
    """
    settings = Settings.from_env() if settings is None else settings
    uri = settings.model_uri if uri is None else uri
    endpoint_url = settings.model_endpoint if endpoint_url is None else endpoint_url
    if uri is None:
        raise _uri_problem(None, "MODEL_URI is not set", hint="the construct's ModelSource sets it")
    location = parse_object_uri(uri, endpoint_url)
    s3 = _client(endpoint_url) if client is None else client
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=location.bucket, Prefix=location.prefix):
        for item in page.get("Contents", []):
            key: str = item["Key"]
            if key.endswith("/"):
                continue  # a "directory" marker
            # s3://b/models/llama must not match models/llama-2/…: whole path segments only.
            prefix = location.prefix
            if prefix and not prefix.endswith("/") and key != prefix and not key.startswith(prefix + "/"):
                continue
            target = root.joinpath(*_local_name(key, location.prefix).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(location.bucket, key, str(target))
            written.append(target)
    if not written:
        raise _uri_problem(uri, f"no object under s3://{location.bucket}/{location.prefix}")
    return written


def model_path(cache_dir: str | os.PathLike[str], settings: Settings | None = None) -> Path:
    """Where the model's files are, downloading them first when they are on object storage.

    ``MODEL_SOURCE=pvc``: ``MODEL_URI`` is a local path, returned as is. Otherwise the prefix is
    downloaded into ``cache_dir`` (see :func:`download_prefix`) and ``cache_dir`` is returned.
    """
    settings = Settings.from_env() if settings is None else settings
    if settings.model_source == "pvc" or (settings.model_uri or "").startswith("/"):
        if settings.model_uri is None:
            raise _uri_problem(None, "MODEL_URI is not set")
        return Path(settings.model_uri)
    download_prefix(cache_dir, settings=settings)
    return Path(cache_dir)
