"""Fleet synthesis benchmark: kn_constructs end to end versus writing the same YAML directly.

For each fleet size N (default 10, 100, 1000 and 2000 models) it runs, each in a fresh
``python`` process and in the same run:

* **kn_constructs**: import, a ``KnativeClusterConfig``, a ``ModelFleet`` with N models
  (checks, derivations, the NGINX router), and ``app.synth()`` into a temporary folder;
* **floor**: the same documents (read back from that run's output beforehand, so they are
  exactly the same) held as plain dicts, written with ``yaml.CSafeDumper``.

Each side runs three times, interleaved, and keeps its best run (the machine's speed drifts).
It reports wall seconds, the ratio to the floor, and the peak resident memory of the
Python process and of its largest child (Node, for cdk8s). Run it with::

    .venv/bin/python benchmarks/fleet_bench.py            # all sizes
    .venv/bin/python benchmarks/fleet_bench.py 10 1000    # chosen sizes

The target for 1,000 models is at most 4x the floor and under 400 MB peak; the figures
of the last recorded run are in ``docs/fleet.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 100, 1000, 2000)
#: Runs per side and size; each side keeps its best (the least disturbed) run.
REPEAT = 3

FLEET_PROGRAM = r"""
import json, resource, sys, time
start = time.perf_counter()
from cdk8s import App, Chart
from kn_constructs import (AutoscalerProfile, Batching, GpuPlacement, KnativeClusterConfig,
                           ModelFleet, ModelSource)

n, outdir = int(sys.argv[1]), sys.argv[2]
app = App(outdir=outdir)
chart = Chart(app, "fleet", namespace="models")
cluster = KnativeClusterConfig(chart, "knative")
fleet = ModelFleet(chart, "models", cluster=cluster, gpu_budget=8 * n,
                   image="registry.example.com/llm-server@sha256:" + "b" * 64,
                   gpu=GpuPlacement(classes=["A100_PCIE_80GB", "A40"], regions=["LGA1", "ORD1"], count=1))
shapes = [
    dict(batching=Batching.in_flight(max_sequences=64), longest_request_seconds=60,
         autoscaling=AutoscalerProfile.from_startup(mean_seconds=45), max_scale=8),
    dict(batching=Batching.fixed(32), longest_request_seconds=2,
         autoscaling=AutoscalerProfile.from_startup(mean_seconds=15), max_scale=4),
    dict(longest_request_seconds=20, autoscaling=AutoscalerProfile.from_startup(mean_seconds=30),
         max_scale=2),
]
for i in range(n):
    name = f"model-{i}"
    fleet.add_model(name, model=ModelSource.tensorizer(
        f"s3://models/{name}/model.tensors", endpoint="https://object.lga1.example.com",
        credentials_secret="s3-credentials"), **shapes[i % len(shapes)])
app.synth()
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# The jsii Node process is still running: read its peak resident set (VmHWM) from /proc.
import glob
node_kb = 0
for children in glob.glob("/proc/self/task/*/children"):
    for pid in open(children).read().split():
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                node_kb = max(node_kb, int(line.split()[1]))
print(json.dumps({"seconds": elapsed, "python_kb": usage, "node_kb": node_kb}))
"""

FLOOR_PROGRAM = r"""
import json, pickle, resource, sys, time
start = time.perf_counter()
import yaml
with open(sys.argv[1], "rb") as handle:
    documents = pickle.load(handle)
with open(sys.argv[2], "w") as out:
    yaml.dump_all(documents, out, Dumper=yaml.CSafeDumper, sort_keys=False)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "python_kb": usage, "node_kb": 0}))
"""


def _run(program: str, *args: str) -> dict[str, float]:
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK8S_CHECK_UPGRADE": "false",
        "PYTHONWARNINGS": "ignore",
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"benchmark program failed:\n{result.stderr[-4000:]}")
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    return data


def measure(n: int, repeat: int = REPEAT) -> dict[str, float]:
    """Run both programs for a fleet of ``n`` models, ``repeat`` times each, interleaved.

    The machine's speed drifts (shared cores), so each side keeps its best run, and the runs
    alternate (ours, floor, ours, floor, ...) so both sides see the same conditions.
    """
    import pickle

    import yaml

    ours_runs: list[dict[str, float]] = []
    floor_runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="kn-fleet-bench-") as folder:
        dump = Path(folder) / "documents.pickle"
        documents: list[object] = []
        for attempt in range(repeat):
            out = Path(folder) / f"dist-{attempt}"
            ours_runs.append(_run(FLEET_PROGRAM, str(n), str(out)))
            if attempt == 0:
                documents = [
                    doc
                    for file in sorted(out.glob("*.yaml"))
                    for doc in yaml.load_all(file.read_text(), Loader=yaml.CSafeLoader)
                    if doc
                ]
                dump.write_bytes(pickle.dumps(documents))
            floor_runs.append(_run(FLOOR_PROGRAM, str(dump), str(Path(folder) / "floor.yaml")))
    ours = min(ours_runs, key=lambda r: r["wall"])
    floor = min(floor_runs, key=lambda r: r["wall"])
    return {
        "models": n,
        "documents": len(documents),
        "seconds": ours["wall"],
        "floor_seconds": floor["wall"],
        "ratio": ours["wall"] / floor["wall"],
        "python_mb": max(r["python_kb"] for r in ours_runs) / 1024,
        "node_mb": max(r["node_kb"] for r in ours_runs) / 1024,
    }


def main(argv: list[str]) -> int:
    """Print the table for the sizes given (default: 10, 100, 1000, 2000)."""
    sizes = [int(a) for a in argv] or list(SIZES)
    header = ("models", "docs", "seconds", "floor s", "ratio", "python MB", "node MB")
    widths = (7, 6, 8, 8, 6, 10, 8)
    print(f"best of {REPEAT} interleaved runs per side")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for n in sizes:
        row = measure(n)
        print(
            f"{row['models']:>7} {row['documents']:>6} {row['seconds']:>8.2f} {row['floor_seconds']:>8.2f}"
            f" {row['ratio']:>6.2f} {row['python_mb']:>10.0f} {row['node_mb']:>8.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
