"""The ``kn-constructs`` command line: ``lint``, ``explain``, ``simulate``, ``recommend``, ``plan``.

Each subcommand lives in its own module and registers itself through a
``register(subparsers)`` function; its module is imported only when it is listed
here, and nothing imports cdk8s unless a subcommand needs it (``explain`` on an app),
so ``kn-constructs lint`` starts in milliseconds.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kn_constructs._stdio import EXIT_BROKEN_PIPE, silence_stdout

__all__ = ["EXIT_BROKEN_PIPE", "main"]

#: Modules that define subcommands, each with ``register(subparsers) -> None``; the
#: parser they add sets ``func`` (``args -> int`` exit code) as its default.
SUBCOMMAND_MODULES = (
    "kn_constructs.lint.cli",
    "kn_constructs.sim.cli",
    "kn_constructs.synth_cli",
    "kn_constructs.conform.cli",
    "kn_constructs.plan.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="kn-constructs",
        description="Check Knative YAML against Knative's rules and the inference practices,"
        " explain derived values, and simulate the autoscaler.",
    )
    from kn_constructs import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings, 2 usage error).

    When standard output is a pipe that its reader closed early (``kn-constructs ... | head``),
    the command stops quietly with :data:`EXIT_BROKEN_PIPE`, like a command ended by SIGPIPE,
    instead of printing a ``BrokenPipeError`` traceback.
    """
    try:
        code = _run(argv)
        if sys.stdout is not None:  # None when the command was started with stdout closed
            sys.stdout.flush()  # a broken pipe shows here, inside the handler, not at exit
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    return code


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
