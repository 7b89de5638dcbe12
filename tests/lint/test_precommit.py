"""The pre-commit hook through real pre-commit: one verdict however the files are batched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.lint.helpers import ROOT, annotations, cli, good_service, run

HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
FINDING = re.compile(r"^\S+:\d+: [A-Z0-9-]+ (error|warning) ")
SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings? in \d+ files? \(\d+ documents?\)$")
#: Enough files with long enough names that pre-commit must split them (its limit: 128 KiB).
FILES = 300
DEEP = "/".join(["d" * 60] * 6)


def _repo(tmp_path: Path) -> tuple[Path, list[str]]:
    """A git repository: a cluster ConfigMap named by .kn-constructs.yaml, and many services."""
    repo = tmp_path / "repo"
    (repo / "knative").mkdir(parents=True)
    features: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config-features", "namespace": "knative-serving"},
        "data": {"kubernetes.podspec-affinity": "enabled"},
    }
    (repo / "knative" / "config-features.yaml").write_text(yaml.safe_dump(features))
    (repo / ".kn-constructs.yaml").write_text("cluster: [knative/config-features.yaml]\n")
    names = ["knative/config-features.yaml"]
    for i in range(FILES):
        service = good_service()
        service["metadata"]["name"] = f"m{i}"
        if i % 50 == 7:  # a few Knative errors
            annotations(service)["autoscaling.knative.dev/window"] = "5s"
        name = f"{DEEP}/service-{i:03d}.yaml"
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(yaml.safe_dump(service))
        names.append(name)
    (hook,) = yaml.safe_load(HOOKS.read_text())
    # The hook as published, run from this checkout's console script (no network: repo: local).
    local = {k: v for k, v in hook.items() if k not in ("language", "minimum_pre_commit_version")}
    local.update(language="system", entry=" ".join([*cli(), *hook["entry"].split()[1:]]))
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo, names


@pytest.mark.slow
@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is in the test extras: pip install -e '.[dev]'")
def test_pre_commit_verdict_is_one_lint_over_the_same_files(tmp_path: Path) -> None:
    repo, names = _repo(tmp_path)
    assert PRE_COMMIT is not None
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    hooked = subprocess.run(
        [PRE_COMMIT, "run", "--all-files", "--verbose", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = hooked.stdout.splitlines()
    batches = [line for line in lines if SUMMARY.match(line)]
    assert len(batches) >= 2, hooked.stdout[-2000:]  # pre-commit really split the files
    once = run("lint", *names, cwd=repo)
    assert once.returncode == 1
    one_run = sorted(line for line in once.stdout.splitlines() if FINDING.match(line))
    assert len(one_run) == FILES // 50  # only the broken windows: the config's cluster allows affinity
    assert sorted(line for line in lines if FINDING.match(line)) == one_run
    assert hooked.returncode == 1


def test_hook_definition_lets_the_config_file_decide() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    # No cluster or severity in the hook itself: the project's config file is the one place.
    assert "--cluster" not in hook["entry"] and "args" not in hook
    assert hook["pass_filenames"] is True
