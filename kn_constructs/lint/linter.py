"""The linter: Knative's rules and the practices, run over every document of YAML files.

For each document, :func:`lint_manifest` runs :func:`kn_constructs.knative.check_manifest`
(Knative Services and Knative's ConfigMaps) and, for Knative Services, the practice rules of
:mod:`kn_constructs.lint.practices`. :func:`lint_text` and :func:`lint_paths` add where each
problem is: file, line (of the offending key where it exists, else its closest parent), document
index, kind and name.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from kn_constructs.errors import Problem, Severity
from kn_constructs.knative.configmaps import CONFIG_NAMESPACE
from kn_constructs.knative.service import check_manifest
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings, settings_per_configmap
from kn_constructs.lint.practices import LINT_YAML, practice_problems
from kn_constructs.lint.source import (
    DEFAULT_MAX_FILE_BYTES,
    BrokenDocument,
    Document,
    InputError,
    decode,
    iter_documents,
    read_input,
)
from kn_constructs.lint.suppress import apply_suppressions

__all__ = [
    "STDIN",
    "FileDone",
    "Finding",
    "LintRun",
    "collect_files",
    "filter_findings",
    "lint_manifest",
    "lint_paths",
    "lint_text",
]

#: The path argument that means standard input.
STDIN: Final = "-"
#: File name extensions read when a folder is given.
YAML_SUFFIXES: Final = (".yaml", ".yml")
_SEVERITY_RANK: Final = {"info": 0, "warning": 1, "error": 2}

#: Called with a file's name and findings as soon as the file is checked (streaming output).
FileDone = Callable[[str, list["Finding"]], None]


@dataclass(frozen=True)
class Finding:
    """A :class:`~kn_constructs.errors.Problem` and where it is.

    Attributes:
        file: The file as given on the command line (``<stdin>`` for standard input).
        line: 1-based line of the offending key (or of its closest existing parent).
        document: Position of the document in the file, from 0.
        kind: The document's ``kind`` (``None`` if it has none or does not parse).
        name: The document's ``metadata.name`` (``None`` if it has none).
        problem: What is wrong: code, path, message, value, allowed, hint, severity.
    """

    file: str
    line: int
    document: int
    kind: str | None
    name: str | None
    problem: Problem

    @property
    def code(self) -> str:
        """The rule code (``KNATIVE-…``, a practice ID, or ``LINT-YAML``)."""
        return self.problem.code

    @property
    def severity(self) -> Severity:
        """``"error"``, ``"warning"`` or ``"info"``."""
        return self.problem.severity

    @property
    def path(self) -> str:
        """The field path inside the document."""
        return self.problem.path

    @property
    def message(self) -> str:
        """What is wrong, in Knative's words where it is a Knative rule."""
        return self.problem.message

    @property
    def hint(self) -> str | None:
        """How to fix it."""
        return self.problem.hint

    def to_dict(self) -> dict[str, object]:
        """The finding as JSON-ready values (the keys of ``--format json``)."""
        return {
            "file": self.file,
            "line": self.line,
            "document": self.document,
            "kind": self.kind,
            "name": self.name,
            "code": self.code,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }

    def text(self) -> str:
        """One line: ``file:line: CODE severity path: message``."""
        where = self.path or "<document>"
        return f"{self.file}:{self.line}: {self.code} {self.severity} {where}: {self.message}"


@dataclass
class LintRun:
    """The outcome of linting some inputs.

    Attributes:
        findings: Every finding, in input order, then line order.
        files: The files read, as named in findings.
        documents: How many documents were read (parsed or not).
        unreadable: One message per input that could not be read (missing, unreadable, not
            UTF-8, a folder without YAML files).
    """

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    documents: int = 0
    unreadable: list[str] = field(default_factory=list)


def _items(manifest: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The manifest itself, or the items of a ``kind: List`` (``*List``) with their path prefix."""
    kind = manifest.get("kind")
    items = manifest.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                yield f"items[{i}]", item
    else:
        yield "", manifest


def lint_manifest(manifest: object, *, settings: ClusterSettings = DEFAULT_SETTINGS) -> list[Problem]:
    """Every problem in one document: Knative's rules, then the practices.

    Args:
        manifest: One YAML document as plain values (anything; only Knative Services and Knative's
            ConfigMaps have rules).
        settings: The cluster settings to check against.

    Returns:
        The problems, paths relative to the document.
    """
    if not isinstance(manifest, Mapping):
        return []
    return check_manifest(manifest, settings=settings) + practice_problems(manifest, settings=settings)


def _meta(manifest: object) -> tuple[str | None, str | None]:
    if not isinstance(manifest, Mapping):
        return None, None
    kind = manifest.get("kind")
    metadata = manifest.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return (kind if isinstance(kind, str) else None), (name if isinstance(name, str) else None)


def _issue_findings(doc: Document, file: str) -> list[Finding]:
    kind, name = _meta(doc.data)
    return [
        Finding(
            file,
            issue.line + 1 + doc.line_offset,
            doc.index,
            kind,
            name,
            Problem(
                LINT_YAML,
                "",
                issue.message,
                hint="write each key once" if issue.severity == "error" else "lint only manifests",
                severity=issue.severity,
            ),
        )
        for issue in doc.issues
    ]


def _broken_finding(doc: BrokenDocument, file: str) -> Finding:
    problem = Problem(
        LINT_YAML,
        "",
        f"YAML not read: {doc.message}" if doc.refused else f"YAML does not parse: {doc.message}",
        hint="not checked; the other documents of the file are"
        if doc.refused
        else "fix the syntax; the other documents of the file are still checked",
    )
    return Finding(file, doc.line, doc.index, None, None, problem)


def _document_findings(doc: Document, file: str, settings: ClusterSettings) -> list[Finding]:
    data = doc.data
    found: list[Finding] = _issue_findings(doc, file) if doc.issues else []
    if not isinstance(data, Mapping):
        return found
    for prefix, item in _items(data):
        problems = apply_suppressions(item, lint_manifest(item, settings=settings))
        if not problems:
            continue
        kind, name = _meta(item)
        for problem in problems:
            if prefix:
                problem = problem.under(prefix)
            found.append(Finding(file, doc.line_of(problem.path), doc.index, kind, name, problem))
    return found


def lint_text(
    text: str, *, file: str = "<string>", settings: ClusterSettings = DEFAULT_SETTINGS
) -> tuple[list[Finding], int]:
    """Lint one YAML stream.

    Args:
        text: The YAML text (one or more documents).
        file: The name to report findings under.
        settings: The cluster settings to check against.

    Returns:
        The findings (sorted by line, then code) and the number of documents read.
    """
    found: list[Finding] = []
    documents = 0
    for doc in iter_documents(text):
        documents += 1
        if isinstance(doc, BrokenDocument):
            found.append(_broken_finding(doc, file))
        else:
            found.extend(_document_findings(doc, file, settings))
    found.sort(key=lambda f: (f.document, f.line, f.code, f.path))
    return found, documents


def collect_files(path: Path) -> list[Path]:
    """The YAML files (``.yaml``, ``.yml``) under a folder, recursively, sorted; hidden folders skipped."""
    files: list[Path] = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(root) / n for n in sorted(names) if n.endswith(YAML_SUFFIXES))
    return files


def lint_paths(
    paths: Sequence[str],
    *,
    settings: ClusterSettings | None = None,
    stdin: Iterable[bytes] | None = None,
    stdin_name: str = "<stdin>",
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    on_file: FileDone | None = None,
) -> LintRun:
    """Lint files, folders (recursively) and standard input (``-``).

    An input that cannot be read (missing, not a regular file, larger than ``max_file_bytes``, not
    UTF-8) is recorded in :attr:`LintRun.unreadable`; the others are still linted. Files are read
    one at a time, so memory holds one file and one document's node tree at once (plus standard
    input, which can be read only once). When the settings come from the inputs, the files that
    mention ``knative-serving`` are read twice: once for their ConfigMaps, once to lint them.

    Args:
        paths: Files, folders, or ``-``.
        settings: The cluster settings to check against (``--cluster`` or the config file's
            ``cluster``, see :mod:`kn_constructs.lint.config`). ``None`` (the default): the Knative
            ConfigMaps found among the inputs (``config-features`` and friends in namespace
            ``knative-serving``, as a ``KnativeClusterConfig`` writes them next to the
            services), each valid one applied on its own; else Knative's defaults.
        stdin: The bytes of standard input (read only when ``-`` is among the paths).
        stdin_name: The file name findings from standard input are reported under.
        max_file_bytes: Largest file read; larger ones are unreadable inputs.
        on_file: Called with each file's name and findings as soon as it is checked.
    """
    run = LintRun()
    stdin_text: list[str] = []
    if STDIN in paths:
        data = b"".join(stdin) if stdin is not None else b""
        try:
            if len(data) > max_file_bytes:
                raise InputError(
                    f"{stdin_name}: larger than the limit of {max_file_bytes:,} bytes; raise it"
                    " with --max-file-size"
                )
            stdin_text.append(decode(data, stdin_name))
        except InputError as error:
            run.unreadable.append(str(error))
    if settings is None:
        texts = (text for _, text in _read_inputs(LintRun(), paths, stdin_text, stdin_name, max_file_bytes))
        settings = cluster_settings_from_inputs(texts)
    for name, text in _read_inputs(run, paths, stdin_text, stdin_name, max_file_bytes):
        findings = _lint_one(run, text, name, settings)
        if on_file is not None:
            on_file(name, findings)
    return run


def knative_configmaps(text: str) -> Iterator[tuple[Document, Mapping[str, Any]]]:
    """The Knative ConfigMaps (namespace ``knative-serving``) of a YAML stream, read with the bounds."""
    if CONFIG_NAMESPACE not in text:
        return
    for doc in iter_documents(text):
        if (
            isinstance(doc, Document)
            and isinstance(doc.data, Mapping)
            and doc.data.get("kind") == "ConfigMap"
        ):
            metadata = doc.data.get("metadata")
            if isinstance(metadata, Mapping) and metadata.get("namespace") == CONFIG_NAMESPACE:
                yield doc, doc.data


def cluster_settings_from_inputs(texts: Iterable[str]) -> ClusterSettings:
    """The cluster settings the Knative ConfigMaps among ``texts`` describe; Knative's defaults if none.

    Only texts that mention ``knative-serving`` are parsed for it. Each ConfigMap applies on its
    own, as in Knative: one with invalid values (reported by the lint itself) falls back to
    Knative's defaults, and the valid ones still apply.
    """
    docs = [data for text in texts for _, data in knative_configmaps(text)]
    if not docs:
        return DEFAULT_SETTINGS
    settings, _ = settings_per_configmap(docs)
    return settings


def _targets(run: LintRun, raw: str) -> list[tuple[str, Path]]:
    path = Path(raw)
    if not path.is_dir():
        return [(raw, path)]
    files = collect_files(path)
    if not files:
        run.unreadable.append(f"{raw}: no .yaml or .yml files in this folder")
    return [(str(f), f) for f in files]


def _read_inputs(
    run: LintRun, paths: Sequence[str], stdin: Sequence[str], stdin_name: str, max_bytes: int
) -> Iterator[tuple[str, str]]:
    """``(name, text)`` of every readable input, one at a time; the others go to ``run.unreadable``."""
    for raw in paths:
        if raw == STDIN:
            yield from ((stdin_name, text) for text in stdin)
            continue
        for name, target in _targets(run, raw):
            try:
                text = read_input(target, name=name, max_bytes=max_bytes)
            except InputError as error:
                run.unreadable.append(str(error))
                continue
            yield name, text


def _lint_one(run: LintRun, text: str, name: str, settings: ClusterSettings) -> list[Finding]:
    findings, count = lint_text(text, file=name, settings=settings)
    run.findings.extend(findings)
    run.files.append(name)
    run.documents += count
    return findings


def filter_findings(
    findings: Iterable[Finding], *, ignore: Iterable[str] = (), min_severity: Severity = "info"
) -> list[Finding]:
    """Drop ignored codes and findings below a severity.

    Args:
        findings: The findings.
        ignore: Codes to drop; shell-style patterns are allowed (``KN-PROBE-*``).
        min_severity: ``"info"`` keeps everything, ``"warning"`` drops info, ``"error"`` keeps
            only errors.
    """
    patterns = [p.strip() for p in ignore if p.strip()]
    floor = _SEVERITY_RANK[min_severity]
    return [
        f
        for f in findings
        if _SEVERITY_RANK[f.severity] >= floor and not any(fnmatch.fnmatchcase(f.code, p) for p in patterns)
    ]
