"""The ``kn-serve`` command: ``kn-serve [options] -- <engine command>``.

Exit status: the engine's when it was stopped after a drain (0 when it died of that SIGTERM);
non-zero when it exited on its own or the self-test failed; 2 for usage errors (bad options, no
command, the command not found, a malformed env), with nothing started.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import shutil
import sys
from collections.abc import Sequence

from kn_serve.adapter import DEFAULT_SELF_TEST, EngineAdapter, SelfTest, parse_self_test
from kn_serve.errors import ConfigError
from kn_serve.settings import DEFAULT_LIVE_PATH, DEFAULT_READY_PATH, Settings

__all__ = ["build_parser", "main"]

log = logging.getLogger("kn_serve")


def _port(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer 1..65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected an integer 1..65535, got {value}")
    return value


def _path(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"expected a path starting with '/', got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (options before ``--``)."""
    parser = argparse.ArgumentParser(
        prog="kn-serve",
        usage="kn-serve [options] -- ENGINE_COMMAND [ARG ...]",
        description=(
            "Run an inference engine behind Knative's container lifecycle: readiness only after "
            "the engine's health and a self-test pass, SIGTERM drains through the proxy, client "
            "disconnects close the upstream request."
        ),
    )
    parser.add_argument(
        "--engine-port",
        type=_port,
        default=8000,
        help="port the engine listens on, on loopback (default 8000; must differ from PORT)",
    )
    parser.add_argument("--engine-host", default="127.0.0.1", help="engine address (default 127.0.0.1)")
    parser.add_argument(
        "--engine-health", type=_path, default="/health", help="engine health path (default /health)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--self-test",
        nargs="+",
        metavar="ARG",
        help=(
            "METHOD PATH [JSON]: the request that must answer 2xx before ready "
            "(default: POST /v1/completions, 1 token, model from GET /v1/models)"
        ),
    )
    group.add_argument("--no-self-test", action="store_true", help="report ready after the health check")
    parser.add_argument("--host", help="address to listen on (default: HOST, else 0.0.0.0)")
    parser.add_argument("--port", type=_port, help="port to listen on (default: PORT, else 8080)")
    parser.add_argument("--ready-path", type=_path, default=DEFAULT_READY_PATH)
    parser.add_argument("--live-path", type=_path, default=DEFAULT_LIVE_PATH)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``kn-serve``; return its exit status."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if "--" not in args_in:
        if any(a in ("-h", "--help") for a in args_in):
            parser.print_help()
            return 0
        parser.print_usage(sys.stderr)
        print("kn-serve: error: give the engine command after '--'", file=sys.stderr)
        return 2
    split = args_in.index("--")
    options, command = args_in[:split], args_in[split + 1 :]
    try:
        args = parser.parse_args(options)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not command:
        parser.print_usage(sys.stderr)
        print("kn-serve: error: the engine command after '--' is empty", file=sys.stderr)
        return 2
    if shutil.which(command[0]) is None:
        print(f"kn-serve: error: engine command not found: {command[0]!r}", file=sys.stderr)
        return 2
    self_test: SelfTest | None = DEFAULT_SELF_TEST
    if args.no_self_test:
        self_test = None
    elif args.self_test is not None:
        try:
            self_test = parse_self_test(args.self_test)
        except ValueError as exc:
            print(f"kn-serve: error: --self-test: {exc}", file=sys.stderr)
            return 2
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"kn-serve: error: bad environment:\n{exc}", file=sys.stderr)
        return 2
    if args.host is not None:
        settings = dataclasses.replace(settings, host=args.host)
    if args.port is not None:
        settings = dataclasses.replace(settings, port=args.port)
    if settings.port == args.engine_port:
        print(
            f"kn-serve: error: --engine-port {args.engine_port} is kn-serve's own port (PORT); "
            "give the engine another port",
            file=sys.stderr,
        )
        return 2
    if args.ready_path == args.live_path:
        print("kn-serve: error: --ready-path and --live-path must differ", file=sys.stderr)
        return 2
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    adapter = EngineAdapter(
        command=command,
        engine_port=args.engine_port,
        engine_host=args.engine_host,
        engine_health=args.engine_health,
        self_test=self_test,
        settings=settings,
        ready_path=args.ready_path,
        live_path=args.live_path,
    )
    return asyncio.run(adapter.run())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
