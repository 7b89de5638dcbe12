"""The real implementations the Python renderer is compared with.

* :class:`NodeReference`: one ``node`` process per test session running ``harness.cjs`` on
  the cdk8s and constructs code extracted from the jsii tarballs of the installed Python
  packages (so the very ``yaml`` and ``fast-json-patch`` that cdk8s bundles, and no npm package
  of our own to keep in step). Documents go over stdin as JSON, one request per line.
* :func:`jsii_yaml` and :func:`jsii_chart`: the same through cdk8s' Python bindings, batched
  (one ``Yaml.stringify`` call, or one ``App.synth``, checks many documents), for what jsii
  itself does to Python values on the way.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("harness.cjs")
#: How long one request may take before the reference is declared hung.
TIMEOUT_SECONDS = 60


def jsii_tarball(package: str) -> Path:
    """The ``<name>@<version>.jsii.tgz`` shipped inside an installed jsii Python package."""
    module = __import__(package)
    folder = Path(str(module.__file__)).parent / "_jsii"
    found = sorted(folder.glob("*.jsii.tgz"))
    if len(found) != 1:
        raise RuntimeError(f"expected one jsii tarball in {folder}, found {found}")
    return found[0]


def extract_modules(dest: Path) -> Path:
    """``dest/node_modules`` with ``cdk8s`` and ``constructs`` from the jsii tarballs."""
    modules = dest / "node_modules"
    for package in ("cdk8s", "constructs"):
        target = modules / package
        with tarfile.open(jsii_tarball(package)) as tar:
            tar.extractall(dest / f"_{package}", filter="data")
        shutil.move(str(dest / f"_{package}" / "package"), target)
    return modules


class ReferenceFailedError(AssertionError):
    """The reference implementation failed on a request (its stack trace is the message)."""


class NodeReference:
    """A running ``node harness.cjs``; ask it with :meth:`yaml` and :meth:`chart`."""

    def __init__(self, workdir: Path) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH")
        extract_modules(workdir)
        # Run a copy next to the extracted node_modules: Node resolves `require('cdk8s')` from
        # the script's folder upwards before NODE_PATH, and the project's own node_modules (the
        # cdk8s CLI's cdk8s) must not be the one found.
        script = workdir / HARNESS.name
        shutil.copyfile(HARNESS, script)
        env = {k: v for k, v in os.environ.items() if k != "NODE_PATH"}
        self.process = subprocess.Popen(
            [node, str(script)],
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
            start_new_session=True,
        )

    def ask(self, request: Mapping[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        # One reply line per request, so nothing is left buffered between requests: waiting on
        # the pipe itself is exact.
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_SECONDS)
        if not ready:
            self.kill()
            raise ReferenceFailedError(f"the Node reference gave no answer in {TIMEOUT_SECONDS}s")
        line = self.process.stdout.readline()
        if not line:
            raise ReferenceFailedError(f"the Node reference exited (status {self.process.poll()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise ReferenceFailedError(reply["error"])
        return reply

    def yaml(self, docs: Sequence[Any]) -> str:
        """``Yaml.stringify(...docs)`` as cdk8s runs it."""
        return str(self.ask({"yaml": list(docs)})["text"])

    def chart(
        self,
        objects: Sequence[Mapping[str, Any]],
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """The file ``App.synth`` writes for one chart holding ``objects``."""
        spec = {"namespace": namespace, "labels": labels, "objects": list(objects)}
        return str(self.ask({"chart": spec})["text"])

    def versions(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.ask({"versions": True}).items()}

    def kill(self) -> None:
        """Stop the process group now."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


def jsii_yaml(docs: Sequence[Any]) -> str:
    """``cdk8s.Yaml.stringify(*docs)`` through jsii (one call for all documents)."""
    import cdk8s

    return str(cdk8s.Yaml.stringify(*docs))


def jsii_chart(
    outdir: Path,
    objects: Sequence[Mapping[str, Any]],
    *,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The file a Python cdk8s app writes for one chart, and each object's ``to_json()``.

    Each object is ``ApiObject(chart, id, api_version=, kind=, metadata=ApiObjectMetadata(...))``
    plus its patches through ``add_json_patch``: what a Python app can do (jsii gives Python no
    way to pass further top-level props).
    """
    from cdk8s import ApiObject, ApiObjectMetadata, App, Chart, JsonPatch

    app = App(outdir=str(outdir))
    chart = Chart(app, "chart", namespace=namespace, labels=dict(labels) if labels is not None else None)
    made = []
    for i, spec in enumerate(objects):
        meta = dict(spec.get("metadata") or {})
        metadata = ApiObjectMetadata(
            name=meta.pop("name", None),
            namespace=meta.pop("namespace", None),
            labels=meta.pop("labels", None),
            annotations=meta.pop("annotations", None),
            finalizers=meta.pop("finalizers", None),
        )
        if meta:
            raise ValueError(f"metadata fields a Python app cannot set directly: {sorted(meta)}")
        obj = ApiObject(chart, f"o{i}", api_version=spec["apiVersion"], kind=spec["kind"], metadata=metadata)
        for op, pointer, value in spec.get("patches", ()):
            if op == "add":
                obj.add_json_patch(JsonPatch.add(pointer, value))
            elif op == "replace":
                obj.add_json_patch(JsonPatch.replace(pointer, value))
            elif op == "remove":
                obj.add_json_patch(JsonPatch.remove(pointer))
            else:
                raise ValueError(op)
        made.append(obj)
    app.synth()
    text = (outdir / "chart.k8s.yaml").read_text(encoding="utf-8")
    return text, [obj.to_json() for obj in made]
