"""Where a model's weights come from (KN-MODEL-1..4), and how secrets are referenced.

Weights never live in the image (KN-MODEL-1). A :class:`ModelSource` says where they
are: Tensorizer files on S3-compatible object storage (the preferred way, KN-MODEL-2),
plain files on object storage, or a PersistentVolumeClaim (the fallback, KN-MODEL-3).
The server learns the location from environment variables with fixed, documented
names; credentials reach it only through ``secretKeyRef``.

Environment variables set for every source:

========================  =====================================================
``MODEL_SOURCE``          ``tensorizer``, ``object-storage`` or ``pvc``
``MODEL_URI``             the model's URI (``s3://…`` or ``https://…``), or the
                          local path for a PVC (``/models/…``)
``MODEL_ENDPOINT``        object storage endpoint URL (object storage only)
``S3_ENDPOINT_URL``       same value, under the name boto3-based servers read
``AWS_ACCESS_KEY_ID``     ``secretKeyRef`` to the credentials Secret
``AWS_SECRET_ACCESS_KEY`` ``secretKeyRef`` to the credentials Secret
========================  =====================================================
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs.errors import Problem
from kn_constructs.knative.rules import RESERVED_MOUNT_PATHS

__all__ = [
    "EXTERNAL_HUB_HOSTS",
    "SECRET_NAME",
    "SECRET_VALUE",
    "ModelSource",
    "SecretKeyRef",
    "clean_path",
    "is_external_hub_uri",
    "is_literal_secret",
]

SourceKind = Literal["tensorizer", "object_storage", "pvc"]

#: Hosts of public model hubs that a production pod must not download from (KN-MODEL-4).
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
_HUB_SCHEMES = frozenset({"hf", "huggingface", "modelscope", "ollama", "kaggle"})
_OBJECT_SCHEMES = frozenset({"s3", "https", "http"})
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


#: Words that make an env var's name look like a credential (matched as words of their own).
SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.IGNORECASE
)
#: Values shaped like a known key: AWS access key, Hugging Face, OpenAI or GitHub token.
SECRET_VALUE = re.compile(
    r"^(AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|ghp_[A-Za-z0-9]{30,})$"
)


def is_literal_secret(name: str, value: str) -> bool:
    """Whether an env var with a literal value looks like a credential written into the manifest.

    The value has the shape of a known key, or the name has a secret word (``SECRET``,
    ``PASSWORD``, ``TOKEN``, ``API_KEY``, ``ACCESS_KEY``, ``PRIVATE_KEY``, ``CREDENTIAL``) as a
    word of its own (``HF_TOKEN``, not ``MAX_TOTAL_TOKENS`` or ``TOKENIZERS_PARALLELISM``) and
    the value is not empty, a number, a boolean or a file path. One rule for the constructs
    and the linter (KN-MODEL-2).

    Args:
        name: The env var's name.
        value: Its literal value.
    """
    if SECRET_VALUE.match(value):
        return True
    text = value.strip()
    if not text or text.startswith("/") or text.lower() in ("true", "false"):
        return False
    try:
        float(text)
    except ValueError:
        pass
    else:
        return False
    for match in SECRET_NAME.finditer(name):
        before = name[match.start() - 1] if match.start() > 0 else ""
        after = name[match.end() :]
        word = match.group(0).upper()
        if word in ("SECRET", "CREDENTIAL") and after[:1] in ("S", "s"):
            after = after[1:]
        if not before.isalnum() and not after[:1].isalnum():
            return True
    return False


def clean_path(path: str) -> str:
    """Go's ``path.Clean``: the shortest path naming the same file (``/dev/./log`` -> ``/dev/log``).

    Knative compares mount paths after ``filepath.Clean`` (``validateVolumeMounts`` in
    ``pkg/apis/serving/k8s_validation.go``), so the library does too. Python's
    ``posixpath.normpath`` is the same function except that it keeps a leading ``//``.
    """
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def is_external_hub_uri(uri: str) -> bool:
    """True when ``uri`` points at a public model hub (Hugging Face, ModelScope, …)."""
    parts = urlsplit(uri)
    if parts.scheme.lower() in _HUB_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    return any(host == hub or host.endswith("." + hub) for hub in EXTERNAL_HUB_HOSTS)


@checked_dataclass
@dataclass(frozen=True)
class SecretKeyRef:
    """A reference to one key of a Kubernetes Secret; the only way secrets reach a pod.

    Attributes:
        name: The Secret's name (in the service's namespace).
        key: The key inside the Secret.
    """

    name: str
    key: str

    def to_env_source(self) -> dict[str, object]:
        """The ``valueFrom`` block of an env var."""
        return {"secretKeyRef": {"name": self.name, "key": self.key}}

    def problems(self, path: str) -> list[Problem]:
        """Check the Secret name and key syntax."""
        found = []
        if not _K8S_NAME.match(self.name) or len(self.name) > 253:
            found.append(
                Problem(
                    "KN-MODEL-2",
                    f"{path}.name",
                    f"invalid Secret name {self.name!r}",
                    value=self.name,
                    allowed="a DNS-1123 subdomain",
                )
            )
        if not _SECRET_KEY.match(self.key):
            found.append(
                Problem(
                    "KN-MODEL-2",
                    f"{path}.key",
                    f"invalid Secret key {self.key!r}",
                    value=self.key,
                    allowed="letters, digits, '-', '_' and '.'",
                )
            )
        return found


@checked_dataclass
@dataclass(frozen=True)
class ModelSource:
    """Where the weights are. Build it with :meth:`tensorizer`, :meth:`object_storage` or :meth:`pvc`.

    Attributes:
        kind: ``"tensorizer"``, ``"object_storage"`` or ``"pvc"``.
        uri: Object storage URI (``s3://bucket/key`` or ``https://…``); ``None`` for a PVC.
        endpoint: The S3-compatible endpoint URL; ``None`` for a PVC or the default AWS endpoint.
        credentials_secret: Name of the Secret holding the access keys, or ``None`` for a
            public bucket. Referenced with ``secretKeyRef`` only.
        access_key_id_key: Key of the access key ID inside that Secret (default ``access_key``).
        secret_access_key_key: Key of the secret access key (default ``secret_key``).
        claim_name: The PVC's name (PVC only).
        path: Path of the model inside the PVC (PVC only; default: the PVC's root).
        mount_path: Where the PVC is mounted in the container (default ``/models``).
        read_only: Mount the PVC read-only (default ``True``; writable needs the
            ``kubernetes.podspec-persistent-volume-write`` flag).
        region: The region the data lives in, if known (KN-MODEL-3: placement should
            include it; a mismatch warns).
        allow_external_hub: Allow a URI on a public model hub (default ``False``;
            KN-MODEL-4).
        size_gib: Size of the weights in GiB (> 0), if known. Not rendered: it feeds the
            cold-start estimate (:mod:`kn_constructs.coldstart`, the weight-load phase).
            Default ``None`` (the estimate assumes 16 GiB).
    """

    kind: SourceKind
    uri: str | None = None
    endpoint: str | None = None
    credentials_secret: str | None = None
    access_key_id_key: str = "access_key"
    secret_access_key_key: str = "secret_key"
    claim_name: str | None = None
    path: str = ""
    mount_path: str = "/models"
    read_only: bool = True
    region: str | None = None
    allow_external_hub: bool = False
    size_gib: float | None = None

    @classmethod
    @checked
    def tensorizer(
        cls,
        uri: str,
        *,
        endpoint: str | None = None,
        credentials_secret: str | None = None,
        access_key_id_key: str = "access_key",
        secret_access_key_key: str = "secret_key",
        region: str | None = None,
        allow_external_hub: bool = False,
        size_gib: float | None = None,
    ) -> ModelSource:
        """Tensorizer-serialized weights on S3-compatible object storage (KN-MODEL-2).

        Args:
            uri: ``s3://bucket/path/model.tensors`` (or an ``https://`` URL).
            endpoint: The object storage endpoint, e.g. ``https://object.lga1.example.com``.
            credentials_secret: Secret with the access keys, referenced by name.
            access_key_id_key: Key of the access key ID in that Secret.
            secret_access_key_key: Key of the secret key in that Secret.
            region: The bucket's region, if placement should follow it.
            allow_external_hub: Allow a URI on a public hub (not recommended).
            size_gib: Size of the weights in GiB, for the cold-start estimate (not rendered).
        """
        return cls(
            kind="tensorizer",
            uri=uri,
            endpoint=endpoint,
            credentials_secret=credentials_secret,
            access_key_id_key=access_key_id_key,
            secret_access_key_key=secret_access_key_key,
            region=region,
            allow_external_hub=allow_external_hub,
            size_gib=size_gib,
        )

    @classmethod
    @checked
    def object_storage(
        cls,
        uri: str,
        *,
        endpoint: str | None = None,
        credentials_secret: str | None = None,
        access_key_id_key: str = "access_key",
        secret_access_key_key: str = "secret_key",
        region: str | None = None,
        allow_external_hub: bool = False,
        size_gib: float | None = None,
    ) -> ModelSource:
        """Plain weight files on S3-compatible object storage.

        Same arguments as :meth:`tensorizer`; the server downloads the files itself.
        """
        return cls(
            kind="object_storage",
            uri=uri,
            endpoint=endpoint,
            credentials_secret=credentials_secret,
            access_key_id_key=access_key_id_key,
            secret_access_key_key=secret_access_key_key,
            region=region,
            allow_external_hub=allow_external_hub,
            size_gib=size_gib,
        )

    @classmethod
    @checked
    def pvc(
        cls,
        claim_name: str,
        *,
        path: str = "",
        mount_path: str = "/models",
        read_only: bool = True,
        region: str | None = None,
        size_gib: float | None = None,
    ) -> ModelSource:
        """Weights on a PersistentVolumeClaim in the pods' region (KN-MODEL-3).

        Knative mounts PVCs only when the cluster enables
        ``kubernetes.podspec-persistent-volume-claim`` (and, for ``read_only=False``,
        ``kubernetes.podspec-persistent-volume-write``). The guide's claim that a
        Knative Service cannot mount a PVC is out of date (Knative >= 1.2).

        Args:
            claim_name: The PVC's name.
            path: The model's path inside the volume (default: its root).
            mount_path: Where to mount it (default ``/models``).
            read_only: Mount read-only (default ``True``).
            region: The volume's region, if known.
            size_gib: Size of the weights in GiB, for the cold-start estimate (not rendered).
        """
        return cls(
            kind="pvc",
            claim_name=claim_name,
            path=path,
            mount_path=mount_path,
            read_only=read_only,
            region=region,
            size_gib=size_gib,
        )

    @property
    def volume_name(self) -> str:
        """Name of the pod volume for a PVC source."""
        return "model-weights"

    @property
    def model_location(self) -> str:
        """What ``MODEL_URI`` says: the object URI, or the path inside the container."""
        if self.kind == "pvc":
            sub = self.path.strip("/")
            return clean_path(f"{self.mount_path}/{sub}") if sub else self.clean_mount_path
        return self.uri or ""

    @property
    def clean_mount_path(self) -> str:
        """``mount_path`` as Knative compares it (Go's ``path.Clean``); this is what is written."""
        return clean_path(self.mount_path)

    def env(self) -> list[dict[str, object]]:
        """The env vars that tell the server where the model is (see the module docs)."""
        source_name = {"tensorizer": "tensorizer", "object_storage": "object-storage", "pvc": "pvc"}
        env: list[dict[str, object]] = [
            {"name": "MODEL_SOURCE", "value": source_name[self.kind]},
            {"name": "MODEL_URI", "value": self.model_location},
        ]
        if self.endpoint:
            env.append({"name": "MODEL_ENDPOINT", "value": self.endpoint})
            env.append({"name": "S3_ENDPOINT_URL", "value": self.endpoint})
        if self.credentials_secret:
            for name, key in (
                ("AWS_ACCESS_KEY_ID", self.access_key_id_key),
                ("AWS_SECRET_ACCESS_KEY", self.secret_access_key_key),
            ):
                env.append(
                    {
                        "name": name,
                        "valueFrom": SecretKeyRef(self.credentials_secret, key).to_env_source(),
                    }
                )
        return env

    def volumes(self) -> list[dict[str, object]]:
        """Pod volumes this source needs (a PVC, or nothing)."""
        if self.kind != "pvc":
            return []
        return [
            {
                "name": self.volume_name,
                "persistentVolumeClaim": {"claimName": self.claim_name, "readOnly": self.read_only},
            }
        ]

    def volume_mounts(self) -> list[dict[str, object]]:
        """Container volume mounts this source needs."""
        if self.kind != "pvc":
            return []
        return [{"name": self.volume_name, "mountPath": self.clean_mount_path, "readOnly": self.read_only}]

    def required_features(self) -> frozenset[str]:
        """The ``config-features`` flags Knative needs for this source."""
        if self.kind != "pvc":
            return frozenset()
        flags = {"kubernetes.podspec-persistent-volume-claim"}
        if not self.read_only:
            flags.add("kubernetes.podspec-persistent-volume-write")
        return frozenset(flags)

    def problems(self, path: str = "model") -> list[Problem]:
        """Check the source: URI scheme, external hubs, endpoint, Secret and PVC names, size."""
        size: list[Problem] = []
        if self.size_gib is not None and not self.size_gib > 0:
            size.append(
                Problem(
                    "KN-MODEL-1",
                    f"{path}.size_gib",
                    f"expected 0 < {self.size_gib}",
                    value=self.size_gib,
                    allowed="> 0 GiB",
                    hint="the size of the weight files, e.g. 16 for an 8B model in 16-bit",
                )
            )
        if self.kind == "pvc":
            return size + self._pvc_problems(path)
        found: list[Problem] = size
        uri = self.uri or ""
        scheme = urlsplit(uri).scheme.lower()
        if is_external_hub_uri(uri):
            if not self.allow_external_hub:
                found.append(
                    Problem(
                        "KN-MODEL-4",
                        f"{path}.uri",
                        "model URI is on an external hub: pods would download weights at run time",
                        value=uri,
                        allowed="s3:// or https:// on your own object storage",
                        hint="copy the weights to object storage near the pods (Tensorizer),"
                        " or pass allow_external_hub=True to accept the risk",
                    )
                )
        elif scheme not in _OBJECT_SCHEMES or not urlsplit(uri).netloc:
            found.append(
                Problem(
                    "KN-MODEL-2",
                    f"{path}.uri",
                    f"invalid value: {uri}",
                    value=uri,
                    allowed="s3://bucket/key or https://host/path",
                    hint="give the full object URI, e.g. s3://models/llama/model.tensors",
                )
            )
        if self.endpoint is not None:
            parts = urlsplit(self.endpoint)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                found.append(
                    Problem(
                        "KN-MODEL-2",
                        f"{path}.endpoint",
                        f"invalid value: {self.endpoint}",
                        value=self.endpoint,
                        allowed="an http(s):// URL",
                        hint="e.g. https://object.lga1.example.com",
                    )
                )
        if self.credentials_secret is not None:
            for problem in SecretKeyRef(self.credentials_secret, self.access_key_id_key).problems(path):
                found.append(
                    problem.with_path(
                        problem.path.replace(f"{path}.name", f"{path}.credentials_secret").replace(
                            f"{path}.key", f"{path}.access_key_id_key"
                        )
                    )
                )
            for problem in SecretKeyRef(self.credentials_secret, self.secret_access_key_key).problems(path):
                if problem.path == f"{path}.key":
                    found.append(problem.with_path(f"{path}.secret_access_key_key"))
        return found

    def _pvc_problems(self, path: str) -> list[Problem]:
        found = []
        claim = self.claim_name or ""
        if not _K8S_NAME.match(claim) or len(claim) > 253:
            found.append(
                Problem(
                    "KN-MODEL-3",
                    f"{path}.claim_name",
                    f"invalid PVC name {claim!r}",
                    value=claim,
                    allowed="a DNS-1123 subdomain",
                )
            )
        cleaned = self.clean_mount_path
        if cleaned in RESERVED_MOUNT_PATHS:
            found.append(
                Problem(
                    "KNATIVE-RESERVED",
                    f"{path}.mount_path",
                    f'mountPath "{cleaned}" is a reserved path',
                    value=self.mount_path,
                    allowed="an absolute path other than /, /dev and /dev/log",
                    hint="mount the weights somewhere like /models",
                )
            )
        elif not self.mount_path.startswith("/"):
            found.append(
                Problem(
                    "KNATIVE-VOLUME",
                    f"{path}.mount_path",
                    f"invalid value: {self.mount_path}",
                    value=self.mount_path,
                    allowed="an absolute path",
                    hint="mount the weights somewhere like /models",
                )
            )
        return found
