"""Output formats of ``kn-constructs lint``: text, JSON and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import quote

from kn_constructs._project import REPOSITORY_URL, code_url
from kn_constructs.lint.catalogue import RuleInfo, all_rules
from kn_constructs.lint.linter import Finding

__all__ = ["SARIF_SCHEMA", "format_json", "format_sarif", "format_text", "sarif_log", "summary"]

#: The ``$schema`` of the SARIF logs written (OASIS SARIF 2.1.0, errata 01).
SARIF_SCHEMA: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_TOOL: Final = "kn-constructs"
#: SARIF ``level`` of each severity (SARIF 2.1.0 §3.27.10: ``note`` is for opinions, never a failure).
SARIF_LEVELS: Final = {"error": "error", "warning": "warning", "info": "note"}


def format_text(findings: Sequence[Finding]) -> str:
    """Per finding ``file:line: CODE severity path: message``, then ``    hint: ...`` when it has one.

    Empty for no findings.
    """
    return "".join(
        f"{finding.text()}\n" + (f"    hint: {finding.hint}\n" if finding.hint else "")
        for finding in findings
    )


def _help(rule: RuleInfo) -> dict[str, str]:
    """The SARIF ``help`` of a rule: what it reports and where it is documented."""
    url = code_url(rule.code)
    lines = "; ".join(rule.titles)
    return {
        "text": f"{lines}. Source: {rule.source}. Documentation: {url}",
        "markdown": f"{lines}.\n\nSource: {rule.source}.\n\n[{rule.code} in docs/errors.md]({url})",
    }


def format_json(findings: Sequence[Finding]) -> str:
    """A JSON list of findings (the keys of :meth:`Finding.to_dict`).

    Each finding has ``file``, ``line``, ``document``, ``kind``, ``name``, ``code``, ``severity``,
    ``path``, ``message`` and ``hint``.
    """
    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"


def _uri(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(PurePosixPath(*path.parts).as_posix() if path.parts else file, safe="/")


def _message(finding: Finding) -> str:
    where = finding.path or "document"
    subject = f"{finding.kind} {finding.name}: " if finding.kind and finding.name else ""
    text = f"{subject}{where}: {finding.message}"
    if finding.hint:
        text += f" Hint: {finding.hint}."
    return text


def _tag(code: str) -> str:
    """The SARIF rule tag naming who would refuse the code: Knative, Kubernetes, or a practice."""
    if code.startswith("KNATIVE-"):
        return "knative"
    if code.startswith("K8S-"):
        return "kubernetes"
    return "practice"


def sarif_log(
    findings: Sequence[Finding], *, version: str, notifications: Sequence[str] = ()
) -> dict[str, Any]:
    """The findings as a SARIF 2.1.0 log (one run; every rule the linter knows is listed).

    Args:
        findings: The findings to report.
        version: The tool version written in the log.
        notifications: Problems with the run itself (unreadable inputs), reported as tool
            execution notifications; the invocation is then marked unsuccessful.
    """
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    descriptors = [
        {
            "id": rule.code,
            "shortDescription": {"text": rule.titles[0]},
            "fullDescription": {"text": "; ".join(rule.titles) + f". Source: {rule.source}."},
            "helpUri": code_url(rule.code),
            "help": _help(rule),
            "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
            "properties": {"tags": [_tag(rule.code)]},
        }
        for rule in rules
    ]
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": SARIF_LEVELS[finding.severity],
            "message": {"text": _message(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.file)},
                        "region": {"startLine": finding.line},
                    },
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": ".".join(
                                part
                                for part in (
                                    f"{finding.kind}/{finding.name}" if finding.name else None,
                                    finding.path,
                                )
                                if part
                            )
                            or f"document {finding.document}",
                            "kind": "object",
                        }
                    ],
                }
            ],
            "properties": {"document": finding.document},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": _TOOL,
                        "version": version,
                        "informationUri": REPOSITORY_URL,
                        "rules": descriptors,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": text}} for text in notifications
                        ],
                    }
                ],
                "results": results,
            }
        ],
    }


def format_sarif(findings: Sequence[Finding], *, version: str, notifications: Sequence[str] = ()) -> str:
    """The SARIF log of :func:`sarif_log` as JSON text."""
    return json.dumps(sarif_log(findings, version=version, notifications=notifications), indent=2) + "\n"


def summary(findings: Sequence[Finding], *, files: int, documents: int) -> str:
    """``2 errors, 5 warnings in 3 files (12 documents)``; ``, 1 info`` after the warnings if any."""
    errors = sum(1 for f in findings if f.severity == "error")
    infos = sum(1 for f in findings if f.severity == "info")
    warnings = len(findings) - errors - infos

    def plural(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    notes = f", {infos} info" if infos else ""
    return (
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')}{notes} in {plural(files, 'file')}"
        f" ({plural(documents, 'document')})"
    )
