"""The server under test as a process: started by conform, or started elsewhere (``--pid``).

A server conform starts runs in its own process group (``start_new_session``), with its output
in a file (never a pipe that could fill up and block it), and is always ended: SIGTERM to the
process (what the kubelet sends to the container's first process), and SIGKILL to the whole group
when it does not exit in time, so nothing it started outlives the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["ExternalServer", "ServerProcess", "StartError", "free_port"]


class StartError(Exception):
    """The command cannot be started (not found, not executable): a usage error."""


def free_port() -> int:
    """A TCP port that is free on every address now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """A server started by conform: ``command`` with ``env``, output to ``log``."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.command = list(command)
        self.log = log
        if (
            shutil.which(self.command[0], path=env.get("PATH")) is None
            and not Path(self.command[0]).is_file()
        ):
            raise StartError(f"command not found: {self.command[0]}")
        self._log_file = log.open("ab")
        try:
            self._proc = subprocess.Popen(  # the user's own server command, as given
                self.command,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            self._log_file.close()
            raise StartError(f"cannot start {self.command[0]}: {error.strerror or error}") from error
        self.started = time.monotonic()
        self.exited_at: float | None = None

    @property
    def pid(self) -> int:
        """The server's process id (also its process group id)."""
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once it exited (negative: the signal that ended it)."""
        return self._proc.returncode

    def alive(self) -> bool:
        """Whether the process still runs; records when it was first seen gone."""
        if self._proc.poll() is None:
            return True
        if self.exited_at is None:
            self.exited_at = time.monotonic()
        return False

    def sigterm(self) -> None:
        """Send SIGTERM to the server process (not its group: the kubelet signals PID 1)."""
        if self.alive():
            self._proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the exit; ``True`` if it exited."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self, grace: float) -> None:
        """End the server and everything in its group: SIGTERM, then SIGKILL after ``grace``."""
        try:
            self.sigterm()
            self.wait(grace)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
            self.alive()
            self._log_file.close()

    def output_tail(self, lines: int = 15) -> str:
        """The last lines the server wrote (stdout and stderr), for reports."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


class ExternalServer:
    """A server started elsewhere (``--url ... --pid PID``): conform signals it, never kills it."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.exited_at: float | None = None
        self.returncode: int | None = None
        if not self.alive():
            raise StartError(f"--pid {pid}: no such process")

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._pid

    def alive(self) -> bool:
        """Whether the process still runs (a zombie counts as gone)."""
        try:
            os.kill(self._pid, 0)
            state = Path(f"/proc/{self._pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            running = state not in ("Z", "X")
        except ProcessLookupError:
            running = False
        except PermissionError:
            running = True  # it exists; signalling it later will say whether we may
        except (OSError, IndexError):
            running = True  # no /proc: os.kill said it exists
        if not running and self.exited_at is None:
            self.exited_at = time.monotonic()
        return running

    def sigterm(self) -> None:
        """Send SIGTERM to the process (nothing if it is gone).

        Raises:
            StartError: conform may not signal it (another user's process).
        """
        try:
            os.kill(self._pid, signal.SIGTERM)
        except ProcessLookupError:
            self.alive()
        except PermissionError as error:
            raise StartError(f"--pid {self._pid}: not allowed to send it SIGTERM") from error

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the exit; ``True`` if it exited."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def output_tail(self, lines: int = 15) -> str:
        """Nothing: conform does not see the output of a server it did not start."""
        return ""
