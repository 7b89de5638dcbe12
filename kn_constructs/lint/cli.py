"""The ``lint`` and ``explain`` subcommands of ``kn-constructs``.

Exit status of ``kn-constructs lint``: 0 when no error-level finding is left after ``--ignore`` and
``--min-severity``; 1 when one is; 2 on a usage error or an input that cannot be read (message on
standard error; the other inputs are still linted and reported); 3 on an internal error (one line
on standard error, the traceback only with ``--debug``). A reader that closes the pipe early
(``| head``) ends the run quietly with 141, as a process killed by SIGPIPE would.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from kn_constructs._stdio import EXIT_BROKEN_PIPE, silence_stdout
from kn_constructs.errors import Severity
from kn_constructs.knative.settings import ClusterSettings, settings_per_configmap
from kn_constructs.lint.config import LintConfig
from kn_constructs.lint.linter import (
    STDIN,
    Finding,
    filter_findings,
    knative_configmaps,
    lint_paths,
    lint_text,
)
from kn_constructs.lint.practices import LINT_YAML
from kn_constructs.lint.source import DEFAULT_MAX_FILE_BYTES, InputError, read_bytes_limited, read_input

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "load_cluster",
    "load_cluster_settings",
    "parse_size",
    "register",
    "run_explain",
    "run_lint",
]

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2
#: A bug or an exhausted resource (MemoryError, RecursionError): never read as "findings".
EXIT_INTERNAL: Final = 3
_SIZE: Final = re.compile(r"(?P<number>\d+)\s*(?P<unit>[KMG]i?B?|B)?", re.IGNORECASE)
_UNITS: Final = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


class UsageError(Exception):
    """Bad options, inputs or output: reported on standard error, exit 2."""


def parse_size(text: str) -> int:
    """A size in bytes: ``16777216``, ``16M``, ``16MiB``, ``512K`` (powers of 1024).

    Raises:
        argparse.ArgumentTypeError: ``text`` is not such a size, or is 0.
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match.group("number")) == 0:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: expected bytes, or a number with K, M or G")
    unit = (match.group("unit") or "").upper()[:1]
    return int(match.group("number")) * _UNITS[unit]


def load_cluster(
    path: str | Sequence[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[ClusterSettings, list[Finding]]:
    """Read :class:`ClusterSettings` from YAML files of Knative ConfigMaps, as Knative applies them.

    ``path`` is one file (``--cluster``) or several (a config file's ``cluster`` list). Each valid
    ConfigMap applies; an invalid one falls back to Knative's defaults and its problems (and any
    document that does not parse or is refused) are returned as findings of its file.

    Raises:
        UsageError: A file cannot be read (missing, not a regular file, too large, not UTF-8),
            or it holds no Knative ConfigMap and no finding explains why.
    """
    paths = [path] if isinstance(path, str) else list(path)
    named: list[Mapping[str, Any]] = []
    findings: list[Finding] = []
    for one in paths:
        docs, found = _cluster_file(one, max_bytes)
        named += docs
        findings += found
    settings, _ = settings_per_configmap(named)
    return settings, findings


def _cluster_file(path: str, max_bytes: int) -> tuple[list[Mapping[str, Any]], list[Finding]]:
    """The Knative ConfigMaps of one cluster file, and the findings about it."""
    from kn_constructs.knative.configmaps import CONFIG_NAMESPACE, CONFIGMAP_NAMES

    try:
        text = read_input(path, name=f"--cluster {path}", max_bytes=max_bytes)
    except InputError as error:
        raise UsageError(str(error)) from error
    findings = [f for f in lint_text(text, file=path)[0] if f.code == LINT_YAML or f.kind == "ConfigMap"]
    docs = [data for _, data in knative_configmaps(text)]
    named = [
        d
        for d in docs
        if isinstance(d.get("metadata"), dict) and d["metadata"].get("name") in CONFIGMAP_NAMES
    ]
    if not named and not findings:
        raise UsageError(
            f"--cluster {path}: no Knative ConfigMap found (expected {', '.join(sorted(CONFIGMAP_NAMES))}"
            f" in namespace {CONFIG_NAMESPACE})"
        )
    return named, findings


def load_cluster_settings(path: str | Sequence[str]) -> ClusterSettings:
    """The settings of :func:`load_cluster` (its findings dropped).

    Raises:
        UsageError: See :func:`load_cluster`.
    """
    return load_cluster(path)[0]


def _codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _stdout_write(text: str) -> None:
    """Write to standard output now; a closed or full one is a usage error, a broken pipe propagates."""
    if sys.stdout is None:
        raise UsageError("standard output is closed: nowhere to write the report (use --output FILE)")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise UsageError(f"cannot write to standard output ({reason})") from error


def _read_stdin(name: str, max_bytes: int) -> bytes:
    if sys.stdin is None:
        raise UsageError("'-' given but standard input is closed")
    try:
        return read_bytes_limited(sys.stdin.buffer, name, max_bytes)
    except InputError as error:
        raise UsageError(str(error)) from error
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise UsageError(f"cannot read standard input ({reason})") from error


def _write_output(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--output {path}: cannot write ({error.strerror or error})") from error


def _guard(command: str, body: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand under the exit-code contract: no traceback, no crash read as "findings"."""
    try:
        return body(args)
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except UsageError as error:
        print(f"kn-constructs {command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except (Exception, MemoryError, RecursionError) as error:  # the contract: a crash never exits 1
        if getattr(args, "debug", False):
            traceback.print_exc()
        detail = str(error).splitlines()[0][:200] if str(error) else ""
        print(
            f"kn-constructs {command}: internal error: {type(error).__name__}"
            + (f": {detail}" if detail else "")
            + ("" if getattr(args, "debug", False) else " (run with --debug for the traceback)"),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


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


def _cluster_of(
    args: argparse.Namespace, config: LintConfig, max_bytes: int
) -> tuple[ClusterSettings | None, list[Finding], list[str]]:
    """``--cluster``, else the config file's cluster files, else ``None`` (the inputs, or defaults).

    Returns the settings, the findings about the cluster files, and the messages of cluster files
    that could not be read (the inputs are then checked under Knative's defaults).
    """
    paths: str | list[str] | None = args.cluster or ([str(p) for p in config.cluster] or None)
    if paths is None:
        return None, [], []
    try:
        settings, findings = load_cluster(paths, max_bytes=max_bytes)
    except UsageError as error:
        return ClusterSettings(), [], [str(error)]
    return settings, findings, []


def _filter(ignore: list[str], min_severity: Severity) -> Callable[[list[Finding]], list[Finding]]:
    """The findings a group's settings keep (its ignores, its lowest severity)."""

    def keep(found: list[Finding]) -> list[Finding]:
        return filter_findings(found, ignore=ignore, min_severity=min_severity)

    return keep


def _printer(keep: Callable[[list[Finding]], list[Finding]]) -> Callable[[str, list[Finding]], None]:
    """Print one file's kept findings as soon as the file is done (text output streams)."""
    from kn_constructs.lint.output import format_text

    def on_file(_name: str, found: list[Finding]) -> None:
        _stdout_write(format_text(keep(found)))

    return on_file


def run_lint(args: argparse.Namespace) -> int:
    """Run ``kn-constructs lint`` with parsed arguments; returns the exit code."""
    return _guard("lint", _lint, args)


def _lint(args: argparse.Namespace) -> int:
    from kn_constructs import __version__
    from kn_constructs.lint.config import ConfigError, unknown_code_problems
    from kn_constructs.lint.output import format_json, format_sarif, format_text, summary

    max_bytes: int = getattr(args, "max_file_size", DEFAULT_MAX_FILE_BYTES)
    try:
        groups = _config_groups(args)
    except ConfigError as error:
        raise UsageError(str(error)) from error
    unknown = unknown_code_problems(_codes(args.ignore))
    if unknown:
        raise UsageError("--ignore: " + "; ".join(unknown))
    if list(args.paths).count(STDIN) > 1:
        raise UsageError("'-' (standard input) given more than once")
    problems: list[str] = []
    stdin: list[bytes] | None = None
    if STDIN in args.paths:
        try:
            stdin = [_read_stdin(args.stdin_name, max_bytes)]
        except UsageError as error:  # the other inputs are still checked
            problems.append(str(error))
            groups = [(config, [p for p in paths if p != STDIN]) for config, paths in groups]

    stream = args.format == "text" and not args.output
    findings: list[Finding] = []
    files = documents = 0
    for config, paths in groups:
        settings, cluster_findings, cluster_problems = _cluster_of(args, config, max_bytes)
        problems += cluster_problems
        ignore = [*config.ignore, *_codes(args.ignore)]
        min_severity: Severity = args.min_severity or config.min_severity or "info"
        keep = _filter(ignore, min_severity)

        if stream and cluster_findings:
            _stdout_write(format_text(keep(cluster_findings)))
        if not paths:
            findings += keep(cluster_findings)
            continue
        run = lint_paths(
            paths,
            settings=settings,
            stdin=stdin,
            stdin_name=args.stdin_name,
            max_file_bytes=max_bytes,
            on_file=_printer(keep) if stream else None,
        )
        findings += keep(cluster_findings + run.findings)
        problems += run.unreadable
        files += len(run.files)
        documents += run.documents
    unreadable = problems
    if not stream:
        if args.format == "json":
            out = format_json(findings)
        elif args.format == "sarif":
            out = format_sarif(findings, version=__version__, notifications=unreadable)
        else:
            out = format_text(findings)
        if args.output:
            _write_output(args.output, out)
        else:
            _stdout_write(out)
    for message in unreadable:
        print(f"kn-constructs lint: error: {message}", file=sys.stderr)
    print(summary(findings, files=files, documents=documents), file=sys.stderr)
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    """Run ``kn-constructs explain`` with parsed arguments; returns the exit code."""
    return _guard("explain", _explain, args)


def _explain(args: argparse.Namespace) -> int:
    from kn_constructs.lint.explain import AppError, explain_path

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    try:
        report, errors = explain_path(path, max_bytes=getattr(args, "max_file_size", DEFAULT_MAX_FILE_BYTES))
    except AppError as error:
        raise UsageError(str(error)) from error
    if args.output:
        _write_output(args.output, report)
    else:
        _stdout_write(report)
    for message in errors:
        print(f"kn-constructs explain: error: {message}", file=sys.stderr)
    return EXIT_USAGE if errors else EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``lint`` and ``explain`` to the ``kn-constructs`` parser."""
    lint = subparsers.add_parser(
        "lint",
        help="check Knative YAML against Knative's rules and the inference practices",
        description="Check Knative Services and Knative's ConfigMaps in YAML files, folders (recursively)"
        " or standard input (-) against Knative's rules and the inference practices. Exit 0: no error;"
        " 1: errors found; 2: usage error or unreadable input; 3: internal error.",
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
        choices=("info", "warning", "error"),
        default=None,
        help="report only findings at or above this severity (default: the config file's, else info;"
        " info never fails a run)",
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
    _add_reader_options(lint)
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
    _add_reader_options(explain)
    explain.set_defaults(func=run_explain)


def _add_reader_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-file-size",
        type=parse_size,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="SIZE",
        help="largest YAML file read, in bytes or with K, M, G (default: 16M); larger files are refused",
    )
    parser.add_argument(
        "--debug", action="store_true", help="on an internal error, print the traceback (exit 3)"
    )
