"""Benchmark of ``kn-constructs lint`` against the floor of parsing the same YAML.

Run from the repository root::

    python benchmarks/lint_bench.py              # 10,000 Knative Services
    python benchmarks/lint_bench.py --docs 2000 --repeat 1

It writes N Knative Services (default 10,000) into a temporary folder as multi-document YAML
files, 100 documents per file: two thirds planned by ``plan_inference_service`` with varied
props (what the constructs write: long derivation annotations, probes, affinity), one third
hand-written style (a template with the usual mistakes and varied values, so the linter also
pays for findings and their line numbers). Then, in the same run, it measures

- **floor**: read every file and parse it with ``yaml.load_all(..., Loader=yaml.CSafeLoader)``;
- **lint (API)**: :func:`kn_constructs.lint.lint_paths` on the folder (read, parse, Knative rules,
  practice rules, line numbers of every finding);
- **lint (CLI)**: the installed ``kn-constructs lint --format json -o /dev/null`` on the folder,
  a fresh process (interpreter start-up and JSON output included).

Each is timed ``--repeat`` times; the best time counts. The ratio is time / floor time; the target
is at most 2. ``--check`` exits 1 when the API ratio is above the target (never used by tests).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from kn_constructs import AutoscalerProfile, Batching, GpuPlacement, ModelSource
from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.lint import lint_paths

TARGET_RATIO = 2.0
DOCS_PER_FILE = 100
DIGEST = "@sha256:" + "b" * 64


def planned_service(i: int) -> dict[str, Any]:
    """A Service as the constructs write it, with props varied by ``i``."""
    batching = (Batching.none(), Batching.fixed(4 + i % 8), Batching.in_flight(32 + i % 64))[i % 3]
    startup = 10 + (i * 7) % 170
    profile = (
        AutoscalerProfile.from_startup(startup, traffic=("steady", "smooth", "spiky")[i % 3]),
        AutoscalerProfile.latency_first(startup),
        AutoscalerProfile.cost_first(startup, spread_seconds=startup / 4),
    )[(i // 3) % 3]
    model = (
        ModelSource.tensorizer(
            f"s3://models/m{i}/model.tensors", endpoint="https://object.example.com", credentials_secret="s3"
        ),
        ModelSource.object_storage(f"s3://models/m{i}/", endpoint="https://object.example.com"),
    )[i % 2]
    props = InferenceServiceProps(
        name=f"model-{i}",
        image=f"registry.example.com/server-{i % 5}{DIGEST}",
        model=model,
        gpu=GpuPlacement(
            classes=["A40", "RTX_A5000", "RTX_A6000"][: 1 + i % 3], regions=["LGA1", "ORD1"], count=1 + i % 2
        ),
        longest_request_seconds=5 + i % 100,
        batching=batching,
        autoscaling=profile,
        min_scale=i % 2,
        max_scale=2 + i % 6,
        namespace="models",
        cluster=ClusterSettings().with_features({"kubernetes.podspec-affinity": "enabled"}),
    )
    plan = plan_inference_service(props)
    if plan.manifest is None:
        raise RuntimeError(f"variant {i} does not plan: {[str(p) for p in plan.errors]}")
    return plan.manifest


def handwritten_service(i: int) -> dict[str, Any]:
    """A hand-written GPU Service with some of the usual mistakes, varied by ``i``."""
    annotations = {"autoscaling.knative.dev/max-scale": str(2 + i % 8)}
    if i % 2:
        annotations["autoscaling.knative.dev/window"] = f"{(i % 12) + 3}s"
    if i % 3:
        annotations["autoscaling.knative.dev/target-utilization-percentage"] = str(60 + i % 40)
    container: dict[str, Any] = {
        "name": "server",
        "image": f"ghcr.io/example/server:{i % 9}" if i % 4 else f"ghcr.io/example/server{DIGEST}",
        "args": ["--model", f"/models/m{i}", "--port", "8080"],
        "ports": [{"containerPort": 8080}],
        "env": [
            {"name": "HF_HUB_OFFLINE", "value": "1" if i % 2 else "0"},
            {"name": "MAX_TOTAL_TOKENS", "value": str(1024 * (1 + i % 8))},
        ],
        "resources": {
            "requests": {"cpu": str(2 + i % 6), "memory": f"{16 + i % 48}Gi"},
            "limits": {"nvidia.com/gpu": 1 + i % 4} if i % 5 else {"memory": "32Gi"},
        },
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 1 + i % 12},
    }
    spec: dict[str, Any] = {"containerConcurrency": 1 + i % 4, "containers": [container]}
    if i % 7 == 0:
        spec["terminationGracePeriodSeconds"] = 600
    if i % 2 == 0:
        spec["timeoutSeconds"] = 30 + i % 500
    spec["nodeSelector"] = {"gpu.nvidia.com/class": ("A40", "RTX_A5000")[i % 2]}
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": f"chat-{i}",
            "namespace": "models",
            "labels": {"app.kubernetes.io/name": f"chat-{i}"},
        },
        "spec": {"template": {"metadata": {"annotations": annotations}, "spec": spec}},
    }


def write_corpus(folder: Path, docs: int) -> list[Path]:
    """Write ``docs`` Services into ``folder``, :data:`DOCS_PER_FILE` per file."""
    files = []
    planned: list[dict[str, Any]] = [planned_service(i) for i in range(min(docs, 300))]
    for start in range(0, docs, DOCS_PER_FILE):
        batch = []
        for i in range(start, min(start + DOCS_PER_FILE, docs)):
            if i % 3 == 2:
                batch.append(handwritten_service(i))
            else:
                service = dict(planned[i % len(planned)])
                service["metadata"] = {**service["metadata"], "name": f"model-{i}"}  # type: ignore[dict-item]
                batch.append(service)
        path = folder / f"services-{start // DOCS_PER_FILE:04d}.yaml"
        path.write_text(yaml.dump_all(batch, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
        files.append(path)
    return files


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The shortest wall time of ``repeat`` runs of ``action``."""
    times = []
    for _ in range(repeat):
        gc.collect()  # every step starts from the same heap
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(files: list[Path]) -> int:
    """Parse every file with the C loader; return the number of documents."""
    count = 0
    for path in files:
        count += sum(1 for _ in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    return count


def cli_command() -> list[str]:
    """The installed console script, else the module."""
    script = shutil.which("kn-constructs", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "kn_constructs.cli"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="Knative Services to lint (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step; the best counts")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if the API ratio is above {TARGET_RATIO}"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kn-lint-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = write_corpus(folder, args.docs)
        size = sum(f.stat().st_size for f in files)
        print(
            f"corpus: {args.docs} Knative Services in {len(files)} files, {size / 1e6:.1f} MB"
            f" (written in {time.perf_counter() - started:.1f}s)"
        )
        documents = floor(files)
        run = lint_paths([str(folder)])
        assert run.documents == documents == args.docs, (run.documents, documents)
        errors = sum(1 for f in run.findings if f.severity == "error")
        print(f"findings: {len(run.findings)} ({errors} errors) in {run.documents} documents")
        del run

        floor_s = best_of(args.repeat, lambda: floor(files))
        api_s = best_of(args.repeat, lambda: lint_paths([str(folder)]))
        command = [*cli_command(), "lint", "--format", "json", "-o", os.devnull, str(folder)]
        cli_s = best_of(args.repeat, lambda: subprocess.run(command, capture_output=True, check=False))

    print()
    print(f"| step | seconds | documents/s | ratio to floor (target <= {TARGET_RATIO:g}) |")
    print("|---|---|---|---|")
    for name, seconds in (
        ("floor: yaml.load_all, CSafeLoader", floor_s),
        ("lint (API): lint_paths", api_s),
        ("lint (CLI): kn-constructs lint, new process", cli_s),
    ):
        print(f"| {name} | {seconds:.2f} | {args.docs / seconds:,.0f} | {seconds / floor_s:.2f} |")
    ratio = api_s / floor_s
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"\nAPI ratio {ratio:.2f}: {verdict} the target of {TARGET_RATIO:g} x the floor")
    return 1 if args.check and ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
