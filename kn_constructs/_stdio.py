"""Standard output for the command line: the broken-pipe exit status and the quiet way out.

Shared by ``kn_constructs.cli`` (every subcommand) and ``kn_constructs.lint.cli`` (which streams
its findings and so meets a closed pipe mid-run).
"""

from __future__ import annotations

import os
import sys
from typing import Final

__all__ = ["EXIT_BROKEN_PIPE", "silence_stdout"]

#: The exit status when the reader of standard output went away (``kn-constructs lint | head``):
#: 128 + SIGPIPE, what a shell reports for a command that SIGPIPE ended.
EXIT_BROKEN_PIPE: Final = 141


def silence_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush cannot fail again.

    The recipe of the Python documentation (``signal``, "Note on SIGPIPE").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # stdout closed or replaced: nothing to flush
        pass
