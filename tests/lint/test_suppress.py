"""Per-object suppression with the kn-constructs.io/ignore annotation (console script)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kn_constructs.lint.suppress import parse_ignore
from tests.lint.helpers import C0, GPU_CLUSTER_FILE, good_service, run

ANNOTATION = "kn-constructs.io/ignore"


def _unpinned(name: str, ignore: str | None = None) -> dict[str, Any]:
    service = good_service()
    service["metadata"]["name"] = name
    service["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/example/server:v1"
    if ignore is not None:
        service["metadata"].setdefault("annotations", {})[ANNOTATION] = ignore
    return service


def _lint(tmp_path: Path, *services: dict[str, Any]) -> tuple[int, list[tuple[str | None, str, str]]]:
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump_all(services))
    result = run("lint", "--format", "json", "--cluster", str(GPU_CLUSTER_FILE), str(tmp_path / "svc.yaml"))
    return result.returncode, [(f["name"], f["code"], f["path"]) for f in json.loads(result.stdout)]


def test_annotation_suppresses_its_codes_on_that_object_only(tmp_path: Path) -> None:
    status, found = _lint(tmp_path, _unpinned("a", "KN-IMAGE-1,KN-AS-1"), _unpinned("b"))
    assert status == 0
    assert found == [("b", "KN-IMAGE-1", f"{C0}.image")]


def test_reasons_one_line_each_and_patterns(tmp_path: Path) -> None:
    ignore = "KN-IMAGE-1: pinned by Flux image automation\nKN-PROBE-*, KN-OPS-1: no HTTP health endpoint\n"
    status, found = _lint(tmp_path, _unpinned("a", ignore))
    assert (status, found) == (0, [])
    entries, problems = parse_ignore(ignore)
    assert problems == []
    assert [(e.code, e.reason) for e in entries] == [
        ("KN-IMAGE-1", "pinned by Flux image automation"),
        ("KN-PROBE-*", "no HTTP health endpoint"),
        ("KN-OPS-1", "no HTTP health endpoint"),
    ]


@pytest.mark.parametrize(
    ("ignore", "message"),
    [
        ("KN-IMAGE-9", "unknown code 'KN-IMAGE-9' (did you mean KN-IMAGE-1"),
        ("KN-IMAGE-1,,KN-OPS-1", "empty code"),
        ("", "names no code"),
        ("KN-NOPE-*", "unknown code 'KN-NOPE-*'"),
        ("LINT-IGNORE", "LINT-IGNORE cannot be ignored"),
    ],
)
def test_bad_annotation_is_a_finding_at_the_annotation(tmp_path: Path, ignore: str, message: str) -> None:
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(_unpinned("a", ignore)))
    result = run("lint", "--format", "json", "--cluster", str(GPU_CLUSTER_FILE), str(tmp_path / "svc.yaml"))
    assert result.returncode == 1
    (bad,) = [f for f in json.loads(result.stdout) if f["code"] == "LINT-IGNORE"]
    assert bad["path"] == f"metadata.annotations.{ANNOTATION}" and bad["severity"] == "error"
    assert message in bad["message"]


def test_known_codes_of_a_bad_annotation_still_apply(tmp_path: Path) -> None:
    status, found = _lint(tmp_path, _unpinned("a", "KN-IMAGE-1,KN-IMAGE-9"))
    assert status == 1
    assert [code for _, code, _ in found] == ["LINT-IGNORE"]
