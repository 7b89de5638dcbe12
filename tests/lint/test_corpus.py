"""The regression corpus: realistic Knative YAML, and the exact findings the linter reports on it.

``tests/lint/corpus/`` holds YAML written in the shapes public repositories use (tutorial services,
GPU inference services with vLLM, TGI and SGLang arguments, Knative's shipped ConfigMaps, a
serving-core-style release file, objects as the API server writes them back), each with a
``<name>.expected.json`` listing every finding: document, line, code, severity and path. A change
that adds noise or loses a finding fails here, with the difference shown.

Two properties hold on every file, whatever the expected lists say: a Service that is not an
inference service gets no practice finding (``KN-...``), and an inference service gets at most one
practice finding per code. Knative's own rules (``KNATIVE-...``) are reported once per refused
field, as Knative's webhook reports them (``nodeSelector`` and ``tolerations`` without their flags
are two errors).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kn_constructs.lint import lint_paths
from kn_constructs.lint.linter import Finding
from kn_constructs.lint.practices import declares_inference, is_gpu_service, is_knative_service

CORPUS = Path(__file__).parent / "corpus"
INPUTS = sorted(CORPUS.glob("*.yaml"))
_KEYS = ("document", "line", "code", "severity", "path")


def _expected(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return data


def _found(path: Path) -> list[Finding]:
    run = lint_paths([str(path)])
    assert run.unreadable == []
    return run.findings


def _services(path: Path) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """``(document, path prefix, service)`` of every Knative Service in a file, List items included."""
    for index, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
        if not isinstance(doc, Mapping):
            continue
        items = doc.get("items") if str(doc.get("kind", "")).endswith("List") else None
        candidates = (
            [(f"items[{i}].", item) for i, item in enumerate(items)]
            if isinstance(items, list)
            else [("", doc)]
        )
        for prefix, item in candidates:
            if is_knative_service(item):
                yield index, prefix, item


def _is_inference(service: Mapping[str, Any]) -> bool:
    spec = service.get("spec", {}).get("template", {}).get("spec", {})
    return is_gpu_service(spec) or declares_inference(service)


def test_the_corpus_is_there() -> None:
    names = {p.name for p in INPUTS}
    assert len(names) >= 8, names
    for path in INPUTS:
        assert path.with_suffix(".expected.json").is_file(), path


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_exact_findings(path: Path) -> None:
    found = [{key: getattr(f, key) for key in _KEYS} for f in _found(path)]
    assert found == _expected(path)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_services_that_are_not_inference_get_no_practice_finding(path: Path) -> None:
    findings = _found(path)
    for document, prefix, service in _services(path):
        if _is_inference(service):
            continue
        mine = [f for f in findings if f.document == document and f.path.startswith(prefix)]
        assert not [f.code for f in mine if f.code.startswith("KN-")], service["metadata"]["name"]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_inference_services_get_at_most_one_practice_finding_per_code(path: Path) -> None:
    findings = _found(path)
    for document, prefix, service in _services(path):
        mine = [f for f in findings if f.document == document and (not prefix or f.path.startswith(prefix))]
        counts = Counter(f.code for f in mine if f.code.startswith("KN-"))
        assert all(count == 1 for count in counts.values()), (service["metadata"]["name"], counts)


def test_the_corpus_has_both_kinds_of_service() -> None:
    services = [service for path in INPUTS for _, _, service in _services(path)]
    inference = [s for s in services if _is_inference(s)]
    assert len(inference) >= 4 and len(services) - len(inference) >= 5
