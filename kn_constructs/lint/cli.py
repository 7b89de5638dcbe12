"""The ``lint`` and ``explain`` subcommands of ``kn-constructs``.

``kn-constructs lint PATH...`` exits 0 when no error-level finding is left after ``--ignore`` and
``--min-severity``, 1 when one is, and 2 on a usage error or an input that cannot be read (message
on standard error; the other inputs are still linted and reported).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import yaml

from kn_constructs.errors import ValidationError
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.lint.config import LintConfig
from kn_constructs.lint.linter import STDIN, LintRun, filter_findings, lint_paths

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


def load_cluster_settings(path: str | Sequence[str]) -> ClusterSettings:
    """Read :class:`ClusterSettings` from YAML files of Knative ConfigMaps (one path or several).

    Raises:
        UsageError: A file cannot be read, is not YAML, holds no Knative ConfigMap, or a
            ConfigMap holds a value Knative refuses (every problem listed).
    """
    if not isinstance(path, str):
        docs = [doc for one in path for doc in _configmap_docs(one)]
        try:
            return ClusterSettings.from_configmaps(docs)
        except ValidationError as error:
            raise UsageError(f"cluster {', '.join(path)}: {error}") from error
    try:
        return ClusterSettings.from_configmaps(_configmap_docs(path))
    except ValidationError as error:
        raise UsageError(f"--cluster {path}: {error}") from error


def _configmap_docs(path: str) -> list[Any]:
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
    return docs


def _codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _config_groups(args: argparse.Namespace) -> list[tuple[LintConfig, list[str]]]:
    """The inputs grouped by the config file that applies to each, in input order.

    ``--config FILE`` or ``--no-config``: one group. Otherwise each input finds its own file,
    walking up from its folder (standard input: from the current folder), so a file gets the same
    settings whichever other files it is linted with.
    """
    from kn_constructs.lint.config import find_config, load_config

    if args.no_config:
        return [(LintConfig(), list(args.paths))]
    if args.config:
        return [(load_config(Path(args.config)), list(args.paths))]
    groups: dict[Path | None, list[str]] = {}
    for raw in args.paths:
        groups.setdefault(find_config(Path.cwd() if raw == STDIN else Path(raw)), []).append(raw)
    return [(load_config(path) if path else LintConfig(), paths) for path, paths in groups.items()]


def _settings(args: argparse.Namespace, config: LintConfig) -> ClusterSettings | None:
    """``--cluster``, else the config file's cluster files, else ``None`` (the inputs, or defaults)."""
    if args.cluster:
        return load_cluster_settings(args.cluster)
    if config.cluster:
        return load_cluster_settings([str(p) for p in config.cluster])
    return None


def run_lint(args: argparse.Namespace) -> int:
    """Run ``kn-constructs lint`` with parsed arguments; returns the exit code."""
    from kn_constructs import __version__
    from kn_constructs.lint.config import ConfigError, unknown_code_problems
    from kn_constructs.lint.output import format_json, format_sarif, format_text, summary

    try:
        groups = _config_groups(args)
        unknown = unknown_code_problems(_codes(args.ignore))
        if unknown:
            raise UsageError("--ignore: " + "; ".join(unknown))
        plans = [(config, paths, _settings(args, config)) for config, paths in groups]
    except (UsageError, ConfigError) as error:
        print(f"kn-constructs lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if list(args.paths).count(STDIN) > 1:
        print("kn-constructs lint: error: '-' (standard input) given more than once", file=sys.stderr)
        return EXIT_USAGE
    stdin = [sys.stdin.buffer.read()] if STDIN in args.paths else None
    run = LintRun()
    findings = []
    for config, paths, settings in plans:
        part = lint_paths(paths, settings=settings, stdin=stdin, stdin_name=args.stdin_name)
        run.files += part.files
        run.documents += part.documents
        run.unreadable += part.unreadable
        findings += filter_findings(
            part.findings,
            ignore=[*config.ignore, *_codes(args.ignore)],
            min_severity=args.min_severity or config.min_severity or "warning",
        )
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
        help="codes to ignore, comma-separated or repeated, added to the config file's; patterns allowed"
        " (KN-PROBE-*); an unknown code is a usage error",
    )
    lint.add_argument(
        "--min-severity",
        choices=("warning", "error"),
        default=None,
        help="report only findings at or above this severity (default: the config file's, else warning)",
    )
    lint.add_argument(
        "--config",
        metavar="FILE",
        help="the project config file (.kn-constructs.yaml or pyproject.toml with [tool.kn-constructs]);"
        " default: the first found walking up from each input's folder",
    )
    lint.add_argument("--no-config", action="store_true", help="use no config file")
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
