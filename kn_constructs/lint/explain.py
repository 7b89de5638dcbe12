"""``kn-constructs explain``: where each derived value of a service came from, as Markdown.

The constructs record every value they derive in the Service annotation
``kn-constructs.io/derivations``, one :meth:`Derivation.describe
<kn_constructs.derivation.Derivation.describe>` line per value
(``target: value  [PRACTICE] rule; from inputs``). :func:`parse_derivation` reads such a line
back; :func:`explain_documents` renders one section per Knative Service, with the practice title
from :data:`~kn_constructs.practices.PRACTICES`.

An app is explained by running it (:func:`synth_app`) with ``CDK8S_OUTDIR`` pointing at a
temporary folder and reading what it wrote; nothing in this module imports cdk8s itself.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kn_constructs.coldstart import StartupEstimate, model_for_manifest, region_of_manifest
from kn_constructs.derivation import Derivation
from kn_constructs.errors import KnConstructsError
from kn_constructs.inference import DERIVATIONS_ANNOTATION
from kn_constructs.lint.linter import collect_files
from kn_constructs.lint.practices import is_knative_service
from kn_constructs.lint.source import (
    DEFAULT_MAX_FILE_BYTES,
    BrokenDocument,
    InputError,
    iter_documents,
    read_input,
)
from kn_constructs.practices import PRACTICES

__all__ = [
    "AppError",
    "ExplainedService",
    "explain_documents",
    "explain_path",
    "load_path",
    "parse_derivation",
    "parse_derivations",
    "render_markdown",
    "synth_app",
]

#: The app runs at most this long.
APP_TIMEOUT_SECONDS: Final = 300


class AppError(KnConstructsError):
    """A cdk8s app could not be run, or wrote no manifests."""


def parse_derivation(line: str) -> Derivation:
    """Read one ``Derivation.describe`` line back (see :meth:`Derivation.parse`)."""
    return Derivation.parse(line)


def parse_derivations(annotation: str) -> list[Derivation]:
    """Every derivation of a ``kn-constructs.io/derivations`` annotation (blank lines skipped).

    Raises:
        ValueError: A line is not a derivation line.
    """
    return [parse_derivation(line) for line in annotation.splitlines() if line.strip()]


@dataclass(frozen=True)
class ExplainedService:
    """One Knative Service found in the input.

    Attributes:
        name: ``metadata.name`` (``<unnamed>`` without one).
        namespace: ``metadata.namespace`` or ``None``.
        source: The file it was read from.
        derivations: Its recorded derivations; ``None`` when it has no derivations annotation
            (not produced by kn_constructs).
        error: Why the annotation could not be read, if it could not.
        coldstart: The cold-start estimate from what the manifest says (``MODEL_SOURCE``, the
            GPU class, the region; the rest are the documented defaults of
            :mod:`kn_constructs.coldstart`).
        coldstart_inputs: What was read from the manifest for it.
    """

    name: str
    namespace: str | None
    source: str
    derivations: tuple[Derivation, ...] | None
    error: str | None = None
    coldstart: StartupEstimate | None = None
    coldstart_inputs: tuple[tuple[str, str], ...] = ()


def explain_documents(documents: Iterable[tuple[str, object]]) -> list[ExplainedService]:
    """The Knative Services among ``(source file, document)`` pairs, with their derivations."""
    found: list[ExplainedService] = []
    for source, doc in documents:
        if not is_knative_service(doc):
            continue
        assert isinstance(doc, Mapping)
        metadata = doc.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        name = metadata.get("name")
        namespace = metadata.get("namespace")
        annotations = metadata.get("annotations")
        annotation = annotations.get(DERIVATIONS_ANNOTATION) if isinstance(annotations, Mapping) else None
        derivations: tuple[Derivation, ...] | None = None
        error = None
        if isinstance(annotation, str):
            try:
                derivations = tuple(parse_derivations(annotation))
            except ValueError as problem:
                derivations, error = (), str(problem)
        model = model_for_manifest(doc)
        region = region_of_manifest(doc)
        inputs = (
            ("MODEL_SOURCE", model.weights.replace("_", "-")),
            ("GPU class", model.gpu_class or "not required"),
            ("region", region or "not preferred"),
        )
        found.append(
            ExplainedService(
                name if isinstance(name, str) else "<unnamed>",
                namespace if isinstance(namespace, str) else None,
                source,
                derivations,
                error,
                model.estimate(),
                inputs,
            )
        )
    return found


def _coldstart_lines(service: ExplainedService) -> list[str]:
    """The cold-start breakdown of one service, as a Markdown table."""
    estimate = service.coldstart
    if estimate is None:
        return []
    read = ", ".join(f"{k} `{_cell(v)}`" for k, v in service.coldstart_inputs)
    lines = [
        "### Cold start, estimated",
        "",
        f"From the manifest: {read}. A manifest says neither the model's size nor the image's, nor"
        " where the weights are: those are the defaults of `docs/coldstart.md` (assumptions; measure"
        " your startup and give it to `AutoscalerProfile.from_startup`).",
        "",
        "| Phase | Chance | Duration | Spread | Adds to the mean | How |",
        "|---|---|---|---|---|---|",
    ]
    for p in estimate.phases:
        lines.append(
            f"| {p.name} | {p.probability:.3g} | {p.mean_seconds:.1f} s | {p.spread_seconds:.1f} s"
            f" | {p.contribution_mean_seconds:.1f} s | {_cell(p.detail)} |"
        )
    lines += [
        f"| **total** | | **{estimate.derived_mean_seconds:.1f} s** |"
        f" **{estimate.derived_spread_seconds:.1f} s** | | p95 {estimate.p95_seconds:.1f} s |",
        "",
    ]
    return lines


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(services: Iterable[ExplainedService], *, title: str = "kn-constructs explain") -> str:
    """The Markdown report: a section per service, a table of its derived values."""
    services = list(services)
    lines = [f"# {title}", ""]
    if not services:
        lines += ["No Knative Service found.", ""]
    for service in services:
        full = f"{service.namespace}/{service.name}" if service.namespace else service.name
        lines += [f"## Service `{full}`", "", f"Source: `{service.source}`", ""]
        if service.derivations is None:
            lines += [
                f"Not produced by kn_constructs: no `{DERIVATIONS_ANNOTATION}` annotation, so nothing"
                " records where its values came from.",
                "",
                *_coldstart_lines(service),
            ]
            continue
        if service.error is not None:
            lines += [
                f"The `{DERIVATIONS_ANNOTATION}` annotation could not be read: {service.error}",
                "",
                *_coldstart_lines(service),
            ]
            continue
        if not service.derivations:
            lines += ["The construct recorded no derived values.", "", *_coldstart_lines(service)]
            continue
        lines += [
            "| Derived value | Value | Rule | Inputs | Practice |",
            "|---|---|---|---|---|",
        ]
        for d in service.derivations:
            inputs = ", ".join(f"`{k}={v}`" for k, v in d.inputs.items()) or "-"
            entry = PRACTICES.get(d.practice)
            practice = f"{d.practice}: {entry.title}" if entry is not None else d.practice or "-"
            cells = (
                f"`{_cell(d.target)}`",
                f"`{_cell(d.value)}`",
                _cell(d.rule),
                _cell(inputs),
                _cell(practice),
            )
            lines.append(f"| {' | '.join(cells)} |")
        lines.append("")
        lines += _coldstart_lines(service)
    return "\n".join(lines)


def _app_command(path: Path) -> tuple[list[str], Path]:
    """The command that runs a cdk8s app, and the folder to run it in."""
    if path.is_file():
        return [sys.executable, path.name], path.parent
    config_file = path / "cdk8s.yaml"
    try:
        documents = list(iter_documents(read_input(config_file)))
    except InputError as error:
        raise AppError(str(error)) from error
    config = documents[0] if documents else None
    if isinstance(config, BrokenDocument):
        raise AppError(f"{config_file}:{config.line}: {config.message}")
    app = config.data.get("app") if config is not None and isinstance(config.data, Mapping) else None
    if not isinstance(app, str) or not app.strip():
        raise AppError(f"{path / 'cdk8s.yaml'}: no 'app' command (e.g. app: python main.py)")
    command = shlex.split(app)
    if command[0] in ("python", "python3") or re.fullmatch(r"python3\.\d+", command[0]):
        command[0] = sys.executable  # the interpreter that has kn_constructs installed
    return command, path


def synth_app(path: Path, outdir: Path) -> list[Path]:
    """Run a cdk8s app with ``CDK8S_OUTDIR=outdir``; return the YAML files it wrote.

    Args:
        path: The app's Python file, or a folder with ``cdk8s.yaml``.
        outdir: Where the app writes its manifests.

    Raises:
        AppError: The app failed (its standard error is in the message) or wrote nothing.
    """
    command, cwd = _app_command(path)
    env = dict(os.environ)
    env["CDK8S_OUTDIR"] = str(outdir)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("CDK8S_CHECK_UPGRADE", "false")
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=APP_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AppError(f"{path}: could not run {shlex.join(command)}: {error}") from error
    if result.returncode != 0:
        raise AppError(
            f"{path}: the app failed (exit {result.returncode}) running {shlex.join(command)}\n"
            + result.stderr.strip()
        )
    files = collect_files(outdir) if outdir.is_dir() else []
    if not files:
        raise AppError(f"{path}: the app wrote no manifests to CDK8S_OUTDIR (does it call app.synth()?)")
    return files


def _is_app(path: Path) -> bool:
    return (path.is_file() and path.suffix == ".py") or (path.is_dir() and (path / "cdk8s.yaml").is_file())


def read_yaml_files(
    files: Iterable[Path], *, names: Callable[[Path], str] = str, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[list[tuple[str, Any]], list[str]]:
    """``(source, document)`` of every document of ``files``, and one message per file or document not read.

    Files are read with the linter's bounds (regular files of at most ``max_bytes``; documents not
    too deep and without alias bombs), so one bad file is reported and the others are explained.
    """
    documents: list[tuple[str, Any]] = []
    errors: list[str] = []
    for file in files:
        name = names(file)
        try:
            text = read_input(file, name=name, max_bytes=max_bytes)
        except InputError as error:
            errors.append(str(error))
            continue
        for doc in iter_documents(text):
            if isinstance(doc, BrokenDocument):
                verb = "not read" if doc.refused else "does not parse"
                errors.append(f"{name}:{doc.line}: YAML {verb}: {doc.message}")
            else:
                documents.append((name, doc.data))
    return documents, errors


def load_path(
    path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[list[tuple[str, Any]], list[str]]:
    """``(source, document)`` for every document of a YAML file or folder, or of an app's output.

    Returns:
        The documents, and one message per file or document that could not be read.

    Raises:
        AppError: ``path`` is an app that failed.
    """
    if _is_app(path):
        with tempfile.TemporaryDirectory(prefix="kn-explain-") as tmp:
            outdir = Path(tmp)
            files = synth_app(path, outdir)
            return read_yaml_files(files, names=lambda f: str(f.relative_to(outdir)), max_bytes=max_bytes)
    files = collect_files(path) if path.is_dir() else [path]
    return read_yaml_files(files, max_bytes=max_bytes)


def explain_path(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[str, list[str]]:
    """The Markdown report for an app (``.py`` file or folder with ``cdk8s.yaml``) or YAML files.

    Returns:
        The report, and one message per file or document that could not be read (the report
        explains the others).

    Raises:
        AppError: The app failed.
    """
    documents, errors = load_path(path, max_bytes=max_bytes)
    return render_markdown(explain_documents(documents), title=f"kn-constructs explain: {path}"), errors
