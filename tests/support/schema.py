"""Check synthesized manifests with third-party validators installed from a registry.

"Valid" here means valid by somebody else's reading, not by our own:

* Kubernetes kinds (ConfigMap, Deployment, Service, Namespace, ...) are checked with the
  strict JSON schemas that `kubernetes-validate` (PyPI) ships for Kubernetes
  :data:`KUBERNETES_VERSION`. Strict means unknown properties are rejected.
* A Knative resource (``*.knative.dev``) is checked twice:

  - its pod spec (``spec.template.spec``; ``spec`` for a Revision) against the same
    strict Kubernetes ``PodSpec`` schema, after two Knative-specific adjustments on a
    copy (see :func:`knative_pod_spec`);
  - the whole manifest with ``@kubernetes-models/knative`` (npm, pinned in package.json)
    through ``scripts/validate-knative.mjs``: field types from the package's compiled
    validator, unknown fields outside the pod spec from the package's TypeScript types.

The Node process starts once per test session (start-up costs about 2 s) and answers
every later batch over a pipe. See ``tests/support/README.md`` for what each validator
catches and misses.
"""

from __future__ import annotations

import atexit
import copy
import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

__all__ = [
    "KNATIVE_ONLY_POD_KEYS",
    "KUBERNETES_VERSION",
    "assert_valid",
    "knative_pod_spec",
    "validate_manifest",
    "validate_manifests",
]

#: Kubernetes version whose schemas (bundled in kubernetes-validate) core kinds and pod
#: specs are checked against. One place to change it.
KUBERNETES_VERSION = "1.33"

#: Keys Knative adds to its pod spec (RevisionSpec inlines PodSpec); not PodSpec fields.
KNATIVE_ONLY_POD_KEYS = (
    "containerConcurrency",
    "timeoutSeconds",
    "responseStartTimeoutSeconds",
    "idleTimeoutSeconds",
)

#: Knative's default container name (config-deployment ``container-name-template``).
_KNATIVE_CONTAINER_NAME = "user-container"
#: Knative's default init container name (``init-container-name-template``).
_KNATIVE_INIT_CONTAINER_NAME = "init-container"
#: Knative's default user port when a container declares none.
_KNATIVE_DEFAULT_PORT = 8080
_PROBES = ("readinessProbe", "livenessProbe", "startupProbe")

_REPO_ROOT = Path(__file__).resolve().parents[2]
_NODE_SCRIPT = _REPO_ROOT / "scripts" / "validate-knative.mjs"
_KNATIVE_PACKAGE = "@kubernetes-models/knative"

_K8S_TAG = f"kubernetes-validate {KUBERNETES_VERSION} strict"
_POD_TAG = f"kubernetes-validate {KUBERNETES_VERSION} strict PodSpec"


# ---- Kubernetes schemas from kubernetes-validate ---------------------------------------


def _schema_dir() -> Path:
    root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    directory = Path(str(root)) / f"v{KUBERNETES_VERSION}.0-local-strict"
    if not directory.is_dir():
        version = metadata.version("kubernetes-validate")
        raise RuntimeError(
            f"kubernetes-validate {version} ships no strict schemas for Kubernetes "
            f"{KUBERNETES_VERSION} (looked for {directory})"
        )
    return directory


@functools.cache
def _registry() -> Registry:
    """Registry holding the shared ``_definitions.json`` every schema file refers to."""
    definitions = json.loads((_schema_dir() / "_definitions.json").read_text())
    registry: Registry = Resource.from_contents(definitions) @ Registry()
    return registry


@functools.cache
def _validator(filename: str) -> jsonschema.protocols.Validator | None:
    """Build a validator the way kubernetes-validate does, or None for an unknown kind."""
    path = _schema_dir() / filename
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    return validator


def _schema_filename(api_version: str, kind: str) -> str:
    # Same naming as kubernetes_validate.utils.validate: "apps/v1" -> "apps-v1",
    # "rbac.authorization.k8s.io/v1" -> "rbac-v1", "v1" -> "v1".
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


def _path(parts: Iterable[Any], prefix: str = "") -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def _schema_errors(validator: jsonschema.protocols.Validator, instance: Any, prefix: str = "") -> list[str]:
    found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.path])
    return [f"{_path(e.path, prefix)}: {e.message}" for e in found]


# ---- the Knative pod spec --------------------------------------------------------------


def knative_pod_spec(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a copy of a Knative pod spec that the Kubernetes PodSpec schema can judge.

    Two adjustments, both mirroring what Knative itself does before it makes the real
    Deployment, so that the copy is the pod Knative would create:

    * drop :data:`KNATIVE_ONLY_POD_KEYS` (Knative's own fields, not PodSpec fields);
    * fill what Knative's defaulting fills and PodSpec requires: a missing container
      ``name`` (Knative names it ``user-container``, ``user-container-N`` with several;
      init containers ``init-container``...), and a missing ``port`` in the serving
      container's httpGet/tcpSocket/grpc probes (Knative probes the container port).
      Without this, every Knative Service that leaves these out (legal, and common)
      would be reported invalid. Everything else is left as written.
    """
    pod = copy.deepcopy(dict(spec or {}))
    for key in KNATIVE_ONLY_POD_KEYS:
        pod.pop(key, None)
    for field, default_name in (
        ("containers", _KNATIVE_CONTAINER_NAME),
        ("initContainers", _KNATIVE_INIT_CONTAINER_NAME),
    ):
        containers = pod.get(field)
        if not isinstance(containers, list):
            continue
        for i, container in enumerate(containers):
            if isinstance(container, dict) and "name" not in container:
                container["name"] = default_name if len(containers) == 1 else f"{default_name}-{i}"
    _fill_serving_probe_ports(pod.get("containers"))
    return pod


def _fill_serving_probe_ports(containers: Any) -> None:
    if not isinstance(containers, list):
        return
    serving = [c for c in containers if isinstance(c, dict) and c.get("ports")]
    if not serving and len(containers) == 1 and isinstance(containers[0], dict):
        serving = containers
    for container in serving[:1]:
        ports = container.get("ports") or [{}]
        port = ports[0].get("containerPort") if isinstance(ports[0], dict) else None
        port = port if port is not None else _KNATIVE_DEFAULT_PORT
        for probe_name in _PROBES:
            probe = container.get(probe_name)
            if not isinstance(probe, dict):
                continue
            for handler in ("httpGet", "tcpSocket", "grpc"):
                action = probe.get(handler)
                if isinstance(action, dict) and "port" not in action:
                    action["port"] = port


def _pod_spec_location(doc: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Where a Knative kind keeps its pod spec, or None if it has none.

    scripts/validate-knative.mjs (POD_SPEC_AT) leaves the same places to this check.
    """
    kind = doc.get("kind")
    if kind in ("Service", "Configuration"):
        return ("spec", "template", "spec")
    if kind == "Revision":
        return ("spec",)
    return None


def _dig(doc: Mapping[str, Any], keys: Sequence[str]) -> Any:
    node: Any = doc
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


# ---- @kubernetes-models/knative through Node --------------------------------------------


class _KnativeValidatorProcess:
    """One long-lived ``validate-knative.mjs --serve`` process, started on first use."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH: run scripts/setup (Node 20 is needed)")
        package_dir = _REPO_ROOT / "node_modules" / _KNATIVE_PACKAGE
        if not package_dir.is_dir():
            raise RuntimeError(
                f"{_KNATIVE_PACKAGE} is not installed in {_REPO_ROOT / 'node_modules'}: "
                "run scripts/setup (npm ci)"
            )
        env = {**os.environ, "NODE_NO_WARNINGS": "1"}
        process = subprocess.Popen(
            [node, str(_NODE_SCRIPT), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=_REPO_ROOT,
            env=env,
        )
        atexit.register(self.close)
        return process

    def validate(self, items: list[dict[str, Any]]) -> list[list[str]]:
        if not items:
            return []
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(items) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            self._process = None
            raise RuntimeError(f"{_NODE_SCRIPT.name} exited with status {code} (see stderr)")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{_NODE_SCRIPT.name} failed: {answer['error']}")
        results: list[list[str]] = answer["results"]
        if len(results) != len(items):
            raise RuntimeError(f"{_NODE_SCRIPT.name} answered {len(results)} of {len(items)}")
        return results

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


_KNATIVE = _KnativeValidatorProcess()


@functools.cache
def _knative_tag() -> str:
    try:
        package = json.loads((_REPO_ROOT / "node_modules" / _KNATIVE_PACKAGE / "package.json").read_text())
        return f"{_KNATIVE_PACKAGE} {package['version']}"
    except (OSError, ValueError, KeyError):
        return _KNATIVE_PACKAGE


# ---- public API -------------------------------------------------------------------------


def _is_knative(doc: Mapping[str, Any]) -> bool:
    api_version = doc.get("apiVersion")
    return isinstance(api_version, str) and api_version.split("/")[0].endswith(".knative.dev")


def _name(doc: Mapping[str, Any]) -> str:
    metadata_ = doc.get("metadata")
    name = metadata_.get("name") if isinstance(metadata_, Mapping) else None
    return f"{doc.get('apiVersion')} {doc.get('kind')} {name or '<no name>'}"


def _kubernetes_errors(doc: Mapping[str, Any]) -> list[str]:
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return ["<root>: apiVersion and kind must both be strings"]
    validator = _validator(_schema_filename(api_version, kind))
    if validator is None:
        return [f"<root>: no Kubernetes {KUBERNETES_VERSION} schema for {api_version} {kind}"]
    return [f"[{_K8S_TAG}] {e}" for e in _schema_errors(validator, doc)]


def _knative_pod_errors(doc: Mapping[str, Any]) -> list[str]:
    location = _pod_spec_location(doc)
    if location is None:
        return []
    validator = _validator("podspec-v1.json")
    assert validator is not None, "kubernetes-validate always ships podspec-v1.json"
    pod = knative_pod_spec(_dig(doc, location))
    return [f"[{_POD_TAG}] {e}" for e in _schema_errors(validator, pod, ".".join(location))]


def validate_manifests(docs: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """Validate many manifests; one list of error strings per manifest, in order.

    All Knative manifests of the batch go to Node in one request.
    """
    docs = list(docs)
    errors: list[list[str]] = [[] for _ in docs]
    knative_items: list[dict[str, Any]] = []
    knative_index: list[int] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            errors[i].append(f"<root>: a manifest must be a mapping, got {type(doc).__name__}")
        elif _is_knative(doc):
            errors[i].extend(_knative_pod_errors(doc))
            knative_items.append(dict(doc))
            knative_index.append(i)
        else:
            errors[i].extend(_kubernetes_errors(doc))
    tag = _knative_tag()
    for i, found in zip(knative_index, _KNATIVE.validate(knative_items), strict=True):
        errors[i].extend(f"[{tag}] {e}" for e in found)
    return errors


def validate_manifest(doc: Mapping[str, Any]) -> list[str]:
    """Return human-readable problems with one manifest; an empty list means valid."""
    return validate_manifests([doc])[0]


def assert_valid(docs: Iterable[Mapping[str, Any]]) -> None:
    """Fail the running test, listing every problem in every manifest, if any is invalid."""
    import pytest

    docs = list(docs)
    report = [
        f"{_name(doc) if isinstance(doc, Mapping) else repr(doc)}:\n" + "\n".join(f"  - {e}" for e in found)
        for doc, found in zip(docs, validate_manifests(docs), strict=True)
        if found
    ]
    if not docs:
        pytest.fail("assert_valid got no manifests: nothing would be checked")
    if report:
        pytest.fail("schema validation failed:\n" + "\n".join(report), pytrace=False)
