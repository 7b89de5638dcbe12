"""One start with no network but loopback, in a fresh network namespace (KN-MODEL-4).

conform runs this module as an agent inside ``unshare --net`` (``--map-root-user`` too when it is
not root): the agent brings the namespace's loopback up, starts the server there, watches the start
like any other, stops the server, and prints what it saw as one JSON object. In such a namespace
every connection to an address other than loopback fails at once with "Network is unreachable",
and the kernel counts each attempt (``OutNoRoutes`` in ``/proc/net/snmp`` and ``Ip6OutNoRoutes`` in
``/proc/net/snmp6``, which are per namespace), so the agent reports how many times the server tried
to reach the network, even when it ignored the failure and went on.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kn_constructs.conform.http import RequestSpec
from kn_constructs.conform.process import ServerProcess, StartError
from kn_constructs.conform.startup import Endpoint, watch_startup

__all__ = ["namespace_prefix", "no_route_count", "run_agent"]

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = "16sH22x"  # struct ifreq: the name, then ifr_flags in the union (40 bytes on Linux)


def namespace_prefix() -> list[str] | str:
    """The ``unshare`` command that gives a fresh network namespace here, or why there is none."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "unshare (util-linux) is not installed"
    prefixes = [[unshare, "--net"]] if os.geteuid() == 0 else []
    prefixes.append([unshare, "--net", "--map-root-user"])
    reason = ""
    for prefix in prefixes:
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            reason = str(error)
            continue
        if done.returncode == 0:
            return prefix
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    return f"this machine does not allow a new network namespace ({reason})"


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack(_IFREQ, b"lo", 0)
        flags = struct.unpack(_IFREQ, fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | _IFF_UP))


def no_route_count() -> int:
    """Packets and connections this namespace could not route (IPv4 + IPv6)."""
    total = 0
    lines = Path("/proc/net/snmp").read_text().splitlines()
    ip = [line.split() for line in lines if line.startswith("Ip:")]
    if len(ip) >= 2 and "OutNoRoutes" in ip[0]:
        total += int(ip[1][ip[0].index("OutNoRoutes")])
    six = Path("/proc/net/snmp6")
    if six.exists():
        for line in six.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == "Ip6OutNoRoutes":
                total += int(value.strip())
    return total


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_agent(config: dict[str, Any]) -> dict[str, Any]:
    """Inside the namespace: one watched start; returns what the agent prints."""
    _loopback_up()
    before = no_route_count()
    port = _free_port()
    env = {**config["env"], "PORT": str(port)}
    server = ServerProcess(config["command"], env, Path(config["log"]))
    try:
        endpoint = Endpoint(
            host="127.0.0.1",
            port=port,
            ready_path=config["ready_path"],
            live_path=config["live_path"],
            request=RequestSpec(**config["request"]),
            probe_timeout=config["probe_timeout"],
            liveness_timeout=config["liveness_timeout"],
            request_timeout=config["request_timeout"],
        )
        seen = watch_startup(server, server.started, endpoint, timeout=config["start_timeout"])
    finally:
        server.stop(grace=config["exit_timeout"])
    return {"startup": seen.to_json(), "no_route": no_route_count() - before}


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run_agent's finally: the server is stopped


def main() -> int:
    """``python -m kn_constructs.conform.netns CONFIG_JSON``: print the result as JSON."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.monotonic()
    try:
        result = run_agent(json.loads(sys.argv[1]))
    except (OSError, StartError) as error:
        result = {"error": f"{type(error).__name__}: {error}"}
    result["agent_seconds"] = time.monotonic() - started
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
