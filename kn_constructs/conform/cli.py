"""``kn-constructs conform -- CMD...`` (or ``--url URL --pid PID``).

Exit status: 0 when every check passed (skipped ones aside), 1 when one failed, 2 on a usage
error (bad options, command not found, a server that never answers on ``PORT``), with the message
on standard error and nothing on standard output.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from kn_constructs.conform.http import RequestSpec
from kn_constructs.conform.run import (
    CHECKS,
    ConformOptions,
    ConformReport,
    ConformUsageError,
    run_conform,
)

__all__ = ["format_report", "register", "run"]

_DEFAULTS = ConformOptions()
_MARK = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP"}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds > 0, got {text!r}")
    return value


def _starts(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of starts {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected 1 <= starts <= 1000, got {value}")
    return value


def _pid(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid pid {text!r}") from None
    if value <= 1:
        raise argparse.ArgumentTypeError(f"expected a process id > 1, got {value}")
    return value


def _path(text: str) -> str:
    if not text.startswith("/") or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"expected an absolute HTTP path such as /v2/health/ready, got {text!r}"
        )
    return text


def _env(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if (
        not sep
        or not name
        or not (name[0].isalpha() or name[0] == "_")
        or not name.replace("_", "a").isalnum()
    ):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if name == "PORT":
        raise argparse.ArgumentTypeError("PORT is conform's to set (a free port), as it is Knative's")
    return name, value


def register(subparsers: Any) -> None:
    """Add ``conform`` to the ``kn-constructs`` command line."""
    parser = subparsers.add_parser(
        "conform",
        help="check a model server's startup, probes, cancellation and SIGTERM drain",
        description="Start a model server locally (PORT set, as Knative does) and check the container"
        " practices with real HTTP and real signals: not ready before the model is loaded, the time"
        " to ready, liveness while loading, cancellation, the SIGTERM drain, and a start with no"
        " network. Exit 0: all passed; 1: a check failed; 2: usage error.",
        usage="%(prog)s [options] -- CMD [ARG...]  |  %(prog)s [options] --url URL --pid PID",
    )
    parser.add_argument("command", nargs="*", metavar="CMD", help="the server command, after --")
    where = parser.add_argument_group("a server started elsewhere")
    where.add_argument("--url", help="http://HOST:PORT of a server that is starting or running")
    where.add_argument("--pid", type=_pid, help="its process id (conform sends it SIGTERM)")
    what = parser.add_argument_group("requests")
    default, long = _DEFAULTS.request, _DEFAULTS.long_request
    what.add_argument(
        "--request",
        nargs="+",
        metavar="WORD",
        help=f"METHOD PATH [JSON]: a short request (default: {default.describe()})",
    )
    what.add_argument(
        "--long-request",
        nargs="+",
        metavar="WORD",
        help="METHOD PATH [JSON]: a request that takes a few seconds, for the cancel and drain"
        f" checks (default: {long.describe()})",
    )
    probes = parser.add_argument_group("probes (defaults: GpuInferenceService's Probes())")
    probes.add_argument("--ready-path", type=_path, default=_DEFAULTS.ready_path)
    probes.add_argument("--live-path", type=_path, default=_DEFAULTS.live_path)
    probes.add_argument(
        "--probe-period",
        type=_seconds,
        default=_DEFAULTS.probe_period,
        help=f"readiness period: SIGTERM must fail readiness within it (default {_DEFAULTS.probe_period:g})",
    )
    probes.add_argument("--probe-timeout", type=_seconds, default=_DEFAULTS.probe_timeout)
    probes.add_argument("--liveness-timeout", type=_seconds, default=_DEFAULTS.liveness_timeout)
    running = parser.add_argument_group("run")
    running.add_argument(
        "--starts",
        type=_starts,
        default=_DEFAULTS.starts,
        help=f"starts to time (default {_DEFAULTS.starts})",
    )
    running.add_argument(
        "--start-timeout",
        type=_seconds,
        default=_DEFAULTS.start_timeout,
        help=f"seconds one start may take (default {_DEFAULTS.start_timeout:g})",
    )
    running.add_argument("--request-timeout", type=_seconds, default=_DEFAULTS.request_timeout)
    running.add_argument(
        "--exit-timeout",
        type=_seconds,
        default=_DEFAULTS.exit_timeout,
        help=f"seconds the process may take to exit after the drain (default {_DEFAULTS.exit_timeout:g})",
    )
    running.add_argument(
        "--env", type=_env, action="append", default=[], metavar="NAME=VALUE", help="extra server environment"
    )
    running.add_argument("--no-network-check", action="store_true", help="skip the start with no network")
    running.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run, conform_parser=parser)


def _options(args: argparse.Namespace) -> ConformOptions:
    parser: argparse.ArgumentParser = args.conform_parser
    if args.pid is not None and not args.url:
        parser.error("--pid goes with --url")
    if args.command and args.url:
        parser.error("give either a command (after --) or --url, not both")
    if not args.command and not args.url:
        parser.error("give the server command after --, or --url URL --pid PID")
    if args.url and args.pid is None:
        parser.error("--url needs --pid (conform sends the server SIGTERM)")
    if args.url and args.starts != _DEFAULTS.starts:
        parser.error("--starts needs a command conform can start (after --)")
    requests = {}
    for name in ("request", "long_request"):
        words = getattr(args, name)
        if words is None:
            continue
        try:
            requests[name] = RequestSpec.parse(words)
        except ValueError as error:
            parser.error(f"--{name.replace('_', '-')}: {error}")
    return ConformOptions(
        command=tuple(args.command) or None,
        url=args.url,
        pid=args.pid,
        request=requests.get("request", _DEFAULTS.request),
        long_request=requests.get("long_request", _DEFAULTS.long_request),
        ready_path=args.ready_path,
        live_path=args.live_path,
        probe_period=args.probe_period,
        probe_timeout=args.probe_timeout,
        liveness_timeout=args.liveness_timeout,
        starts=args.starts,
        start_timeout=args.start_timeout,
        request_timeout=args.request_timeout,
        exit_timeout=args.exit_timeout,
        env=dict(args.env),
        network_check=not args.no_network_check,
    )


def format_report(report: ConformReport) -> str:
    """The text report: one line per check, the time to ready, the line to paste."""
    width = max(len(check) for check in CHECKS)
    lines = [f"kn-constructs conform: {report.target}"]
    for check in report.checks:
        practices = ", ".join(check.practices)
        lines.append(f"{_MARK[check.status]}  {check.id:<{width}}  {check.summary}  [{practices}]")
    if report.profile is not None:
        lines += [
            "",
            f"time to ready over {len(report.startup_seconds)} starts:"
            f" {', '.join(f'{s:.2f}' for s in report.startup_seconds)} s",
            "paste into your app (KN-AS-2; the pod's startup in the cluster adds scheduling, the image"
            " pull and the weights download: measure it there too):",
            f"  {report.profile}",
        ]
    counts = {
        status: sum(c.status == status for c in report.checks) for status in ("pass", "fail", "skipped")
    }
    lines += ["", f"{counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped"]
    return "\n".join(lines) + "\n"


def _json(report: ConformReport) -> str:
    return (
        json.dumps(
            {
                "target": report.target,
                "passed": report.passed,
                "checks": [
                    {
                        "id": c.id,
                        "status": c.status,
                        "summary": c.summary,
                        "practices": list(c.practices),
                        "measured": dict(c.measured),
                    }
                    for c in report.checks
                ],
                "startup_seconds": list(report.startup_seconds),
                "profile": report.profile,
            },
            indent=2,
        )
        + "\n"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``kn-constructs conform`` with parsed arguments; returns the exit code."""
    options = _options(args)
    progress = (lambda line: print(f"conform: {line}", file=sys.stderr)) if sys.stderr.isatty() else None
    try:
        report = run_conform(options, progress=progress)
    except ConformUsageError as error:
        print(f"kn-constructs conform: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(_json(report) if args.json else format_report(report))
    return 0 if report.passed else 1
