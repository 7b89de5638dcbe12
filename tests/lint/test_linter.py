"""The linter's Python API: documents to findings, filtering, and the rule catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from kn_constructs.errors import Problem
from kn_constructs.knative import check_manifest
from kn_constructs.knative.rules import RULES
from kn_constructs.lint import (
    LINT_RULES,
    Finding,
    all_rules,
    filter_findings,
    lint_manifest,
    lint_paths,
    lint_text,
)
from kn_constructs.lint.output import format_text, summary
from tests.lint.helpers import BAD_SERVICE, GPU_CLUSTER, good_service, line_containing, pod_spec


def _finding(code: str, severity: str = "error", path: str = "spec") -> Finding:
    problem = Problem(code, path, "m", severity=severity)  # type: ignore[arg-type]
    return Finding("f.yaml", 3, 0, "Service", "x", problem)


def test_lint_manifest_is_knatives_rules_then_the_practices() -> None:
    service = good_service()
    pod_spec(service)["terminationGracePeriodSeconds"] = 30  # Knative refuses it
    del pod_spec(service)["timeoutSeconds"]  # a practice: no timeout
    problems = lint_manifest(service, settings=GPU_CLUSTER)
    knative = check_manifest(service, settings=GPU_CLUSTER)
    assert problems[: len(knative)] == knative
    assert [p.code for p in knative] == ["KNATIVE-FORBIDDEN-FIELD"]
    assert [p.code for p in problems[len(knative) :]] == ["KN-SHUT-2"]


def test_knative_checks_are_not_repeated_by_practice_rules() -> None:
    service = good_service()
    problems = lint_manifest(service)  # Knative's defaults: affinity is not allowed
    assert [(p.code, p.path) for p in problems] == [("KNATIVE-FEATURE-FLAG", "spec.template.spec.affinity")]


@pytest.mark.parametrize("document", [None, "text", 3, ["a", "b"]])
def test_documents_that_are_not_maps_have_no_findings(document: object) -> None:
    assert lint_manifest(document) == []


def test_lint_text_places_findings() -> None:
    text = BAD_SERVICE.read_text()
    findings, documents = lint_text(text, file="bad.yaml")
    assert documents == 1
    window = next(f for f in findings if f.path.endswith("autoscaling.knative.dev/window"))
    assert (window.file, window.line, window.document) == ("bad.yaml", line_containing(text, "window: 5s"), 0)
    assert (window.kind, window.name) == ("Service", "llama-chat")
    assert [f.line for f in findings] == sorted(f.line for f in findings)


def test_finding_dict_has_the_documented_keys() -> None:
    assert list(_finding("KN-AS-1").to_dict()) == [
        "file",
        "line",
        "document",
        "kind",
        "name",
        "code",
        "severity",
        "path",
        "message",
        "hint",
    ]


def test_text_line_of_a_document_level_finding() -> None:
    finding = _finding("LINT-YAML", path="")
    assert format_text([finding]) == "f.yaml:3: LINT-YAML error <document>: m\n"


def test_filter_findings() -> None:
    findings = [
        _finding("KN-PROBE-1", "warning"),
        _finding("KN-PROBE-3", "warning"),
        _finding("KNATIVE-TIMEOUT"),
    ]
    assert [f.code for f in filter_findings(findings, ignore=["KN-PROBE-*"])] == ["KNATIVE-TIMEOUT"]
    assert [f.code for f in filter_findings(findings, min_severity="error")] == ["KNATIVE-TIMEOUT"]
    assert [f.code for f in filter_findings(findings, ignore=[" KN-PROBE-1 ", ""])] == [
        "KN-PROBE-3",
        "KNATIVE-TIMEOUT",
    ]
    assert filter_findings(findings, ignore=["KN-PROBE"]) == findings  # codes match whole, patterns need *


def test_summary_counts() -> None:
    findings = [_finding("A"), _finding("B", "warning"), _finding("C", "warning")]
    assert summary(findings, files=1, documents=2) == "1 error, 2 warnings in 1 file (2 documents)"


def test_lint_paths_records_unreadable_inputs(tmp_path: Path) -> None:
    run = lint_paths([str(tmp_path / "missing.yaml"), str(BAD_SERVICE)])
    assert run.unreadable == [f"{tmp_path / 'missing.yaml'}: no such file or folder"]
    assert run.files == [str(BAD_SERVICE)]
    assert run.documents == 1
    assert run.findings


def test_lint_paths_reads_standard_input() -> None:
    run = lint_paths(["-"], stdin=[BAD_SERVICE.read_bytes()], stdin_name="piped.yaml")
    assert run.files == ["piped.yaml"]
    assert {f.file for f in run.findings} == {"piped.yaml"}


def test_every_code_is_in_the_catalogue_once() -> None:
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(RULES) | {rule.id for rule in LINT_RULES}
    merged = {rule.code: rule for rule in all_rules()}
    # KN-MODEL-4 has two error rules (hub URI, hub model id) and a warning rule (offline): the
    # code can be an error; KN-OPS-1 is only ever an opinion
    assert merged["KN-MODEL-4"].severity == "error"
    assert len(merged["KN-MODEL-4"].titles) == 3
    assert merged["KN-OPS-1"].severity == "info"


def test_info_is_shown_by_default_and_filtered_by_min_severity() -> None:
    text = (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: llm}\n"
        "spec: {template: {spec: {containers: [{image: vllm/vllm-openai:v0.9.1,"
        " resources: {limits: {nvidia.com/gpu: 1}}}]}}}\n"
    )
    findings, _ = lint_text(text)
    severities = {f.code: f.severity for f in findings}
    # the opinions: no timeoutSeconds, the autoscaler defaults, no name label
    assert sorted(c for c, s in severities.items() if s == "info") == ["KN-AS-1", "KN-OPS-1", "KN-SHUT-2"]
    assert filter_findings(findings) == findings
    assert {f.severity for f in filter_findings(findings, min_severity="warning")} == {"warning"}
    assert filter_findings(findings, min_severity="error") == []


def test_constructs_never_warn_info() -> None:
    import warnings

    from kn_constructs.errors import emit_warnings, raise_for_errors

    opinion = Problem("KN-OPS-1", "metadata.labels", "no name label", severity="info")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert emit_warnings([opinion]) == []
    raise_for_errors([opinion])  # not an error: nothing raised
