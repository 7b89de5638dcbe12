"""The ``lint`` and ``explain`` subcommands of ``kn-constructs``.

``kn-constructs lint PATH...`` exits 0 when no error-level finding is left after ``--ignore`` and
``--min-severity``, 1 when one is, and 2 on a usage error or an input that cannot be read (message
on standard error; the other inputs are still linted and reported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Final

import yaml

from kn_constructs.errors import ValidationError
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.lint.linter import STDIN, filter_findings, lint_paths

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "load_cluster_settings",
    "register",
    "run_explain",
    "run_lint",
]

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2


class UsageError(Exception):
    """Bad options or cluster file: reported on standard error, exit 2."""


def load_cluster_settings(path: str) -> ClusterSettings:
    """Read :class:`ClusterSettings` from a YAML file of Knative ConfigMaps.

    Raises:
        UsageError: The file cannot be read, is not YAML, holds no Knative ConfigMap, or a
            ConfigMap holds a value Knative refuses (every problem listed).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except OSError as error:
        raise UsageError(f"--cluster {path}: cannot read ({error.strerror or error})") from error
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"--cluster {path}: not valid YAML: {error}") from error
    from kn_constructs.knative.configmaps import CONFIG_NAMESPACE, CONFIGMAP_NAMES

    names = [
        d.get("metadata", {}).get("name")
        for d in docs
        if isinstance(d, dict) and d.get("kind") == "ConfigMap" and isinstance(d.get("metadata"), dict)
    ]
    if not any(name in CONFIGMAP_NAMES for name in names):
        raise UsageError(
            f"--cluster {path}: no Knative ConfigMap found (expected {', '.join(sorted(CONFIGMAP_NAMES))}"
            f" in namespace {CONFIG_NAMESPACE})"
        )
    try:
        return ClusterSettings.from_configmaps(docs)
    except ValidationError as error:
        raise UsageError(f"--cluster {path}: {error}") from error


def _codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def run_lint(args: argparse.Namespace) -> int:
    """Run ``kn-constructs lint`` with parsed arguments; returns the exit code."""
    from kn_constructs import __version__
    from kn_constructs.lint.output import format_json, format_sarif, format_text, summary

    try:
        settings = load_cluster_settings(args.cluster) if args.cluster else None
    except UsageError as error:
        print(f"kn-constructs lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if list(args.paths).count(STDIN) > 1:
        print("kn-constructs lint: error: '-' (standard input) given more than once", file=sys.stderr)
        return EXIT_USAGE
    stdin = [sys.stdin.buffer.read()] if STDIN in args.paths else None
    run = lint_paths(args.paths, settings=settings, stdin=stdin, stdin_name=args.stdin_name)
    findings = filter_findings(run.findings, ignore=_codes(args.ignore), min_severity=args.min_severity)
    if args.format == "json":
        out = format_json(findings)
    elif args.format == "sarif":
        out = format_sarif(findings, version=__version__, notifications=run.unreadable)
    else:
        out = format_text(findings)
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    for message in run.unreadable:
        print(f"kn-constructs lint: error: {message}", file=sys.stderr)
    print(summary(findings, files=len(run.files), documents=run.documents), file=sys.stderr)
    if run.unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    """Run ``kn-constructs explain`` with parsed arguments; returns the exit code."""
    from kn_constructs.lint.explain import AppError, explain_path

    path = Path(args.path)
    if not path.exists():
        print(f"kn-constructs explain: error: {path}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = explain_path(path)
    except AppError as error:
        print(f"kn-constructs explain: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        print(f"kn-constructs explain: error: {path}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``lint`` and ``explain`` to the ``kn-constructs`` parser."""
    lint = subparsers.add_parser(
        "lint",
        help="check Knative YAML against Knative's rules and the inference practices",
        description="Check Knative Services and Knative's ConfigMaps in YAML files, folders (recursively)"
        " or standard input (-) against Knative's rules and the inference practices. Exit 0: no error;"
        " 1: errors found; 2: usage error or unreadable input.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="YAML file, folder, or - for standard input")
    lint.add_argument(
        "--cluster",
        metavar="FILE",
        help="YAML with the cluster's config-autoscaler / config-defaults / config-features /"
        " config-deployment / config-gc ConfigMaps (default: Knative's defaults)",
    )
    lint.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="codes to ignore, comma-separated or repeated; patterns allowed (KN-PROBE-*)",
    )
    lint.add_argument(
        "--min-severity",
        choices=("info", "warning", "error"),
        default="info",
        help="report only findings at or above this severity (default: info; info never fails a run)",
    )
    lint.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)"
    )
    lint.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    lint.add_argument(
        "--stdin-name",
        default="<stdin>",
        metavar="NAME",
        help="file name to report standard input under (default: <stdin>)",
    )
    lint.set_defaults(func=run_lint)

    explain = subparsers.add_parser(
        "explain",
        help="show where each derived value of kn_constructs services came from (Markdown)",
        description="For a cdk8s app (a Python file, or a folder with cdk8s.yaml) or synthesized YAML"
        " (file or folder), print a Markdown report per Knative Service: each derived value, the inputs"
        " it came from and the practice behind it.",
    )
    explain.add_argument("path", metavar="PATH", help="app file, app folder, YAML file or folder")
    explain.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    explain.set_defaults(func=run_explain)
