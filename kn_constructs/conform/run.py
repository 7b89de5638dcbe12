"""``conform``'s run: start the server, watch its starts, then cancel, SIGTERM and a start offline.

The checks, in the order they run:

1. ``--starts N`` starts, each watched from the process start until a request succeeds:
   ``not-ready-before-load``, ``ready-after-load`` (and the time to ready of every start) and
   ``liveness-while-loading`` are judged on the first start, ``ready-after-load`` on all.
2. On the first start, once it serves: the request alone, the long request alone, then
   ``cancel-stops-work`` (a long request cut off, the next request timed) and last the SIGTERM
   checks, ``sigterm-unready`` and ``sigterm-drain`` (the process must end by itself).
3. ``no-network``: one more start inside a fresh network namespace with only loopback.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from kn_constructs._boundary import checked_dataclass
from kn_constructs.conform.http import RequestSpec, Response, cut_off, get, send
from kn_constructs.conform.process import ExternalServer, ServerProcess, StartError, free_port
from kn_constructs.conform.startup import POLL_SECONDS, Endpoint, StartupObservation, watch_startup
from kn_constructs.errors import Problem, ValidationError
from kn_constructs.probes import Probes

__all__ = [
    "CHECKS",
    "CheckInfo",
    "CheckResult",
    "ConformOptions",
    "ConformReport",
    "ConformUsageError",
    "Status",
    "profile_line",
    "run_conform",
]

Status = Literal["pass", "fail", "skipped"]

_PROBES: Final = Probes()
#: The shortest long request that lets the cancel and drain checks cut in mid-way.
MIN_LONG_SECONDS: Final = 0.5
#: The most a request after a cancelled one may be delayed: this, or half the work left.
CANCEL_DELAY_SECONDS: Final = 1.0
#: How many starts give a p95 worth printing (below, the mean and spread only).
P95_MIN_STARTS: Final = 20
#: The default request: the example server's (``examples/model_server``), two tokens.
DEFAULT_REQUEST: Final = RequestSpec("POST", "/v1/generate", '{"prompt": "Hello", "max_tokens": 2}')
#: The default long request: 60 tokens, about 3 s on the example server.
DEFAULT_LONG_REQUEST: Final = RequestSpec("POST", "/v1/generate", '{"prompt": "Hello", "max_tokens": 60}')
#: The environment GpuInferenceService writes besides PORT (kn_constructs.inference.OFFLINE_ENV).
OFFLINE_ENV: Final = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


@dataclass(frozen=True)
class CheckInfo:
    """One check: what it asserts, the practices behind it, and what a failure means."""

    title: str
    practices: tuple[str, ...]
    failure_means: str


#: Every check, in report order.
CHECKS: Final[Mapping[str, CheckInfo]] = {
    "not-ready-before-load": CheckInfo(
        "readiness fails until the model can serve",
        ("KN-START-1", "KN-PROBE-1"),
        "readiness said 2xx but the request sent right after it failed: Knative would route"
        " traffic to a pod that cannot serve yet",
    ),
    "ready-after-load": CheckInfo(
        "readiness passes once loaded, on every start; the time to ready",
        ("KN-START-1", "KN-AS-2"),
        "the server never served (exited, or the start timeout passed): the revision never gets ready",
    ),
    "liveness-while-loading": CheckInfo(
        "liveness passes while the model loads",
        ("KN-PROBE-2",),
        "liveness failed during the load: without a startup probe covering the load, the kubelet"
        " restarts a pod that was only loading",
    ),
    "cancel-stops-work": CheckInfo(
        "a cancelled long request does not delay the next one",
        ("KN-CANCEL-2",),
        "the work of a request whose client went away went on: Knative sends the next request to"
        " the same pod at once, and it waits",
    ),
    "sigterm-unready": CheckInfo(
        "on SIGTERM, readiness fails within one probe period",
        ("KN-SHUT-1", "KN-PROBE-1"),
        "readiness stayed 2xx while the server was shutting down: new requests keep coming to a"
        " pod that is leaving",
    ),
    "sigterm-drain": CheckInfo(
        "on SIGTERM, in-flight and new requests are served, then the process exits by itself",
        ("KN-SHUT-1",),
        "requests were dropped at scale-down (the process exited early or refused requests while"
        " draining), or it never exited, so Kubernetes kills it at the grace period",
    ),
    "no-network": CheckInfo(
        "the server starts and serves with no network but loopback",
        ("KN-MODEL-4", "KN-MODEL-1"),
        "the server tried to reach the network while starting (a model hub, a download), or could"
        " not start without it",
    ),
}


class ConformUsageError(Exception):
    """conform cannot check this server as asked (exit 2): bad options, no server on PORT..."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        id: The check's id (a key of :data:`CHECKS`).
        status: ``"pass"``, ``"fail"`` or ``"skipped"``.
        summary: One line with the measured numbers (or why it was skipped).
        measured: The numbers behind the summary, for ``--json``.
    """

    id: str
    status: Status
    summary: str
    measured: Mapping[str, object] = field(default_factory=dict)

    @property
    def practices(self) -> tuple[str, ...]:
        """The practice ids behind the check."""
        return CHECKS[self.id].practices


@dataclass(frozen=True)
class ConformReport:
    """Every check's result, and the time to ready of each start.

    Attributes:
        target: What was checked (the command, or the URL and pid).
        checks: One result per check, in :data:`CHECKS` order.
        startup_seconds: The time to ready of each start conform made (empty for ``--url``).
    """

    target: str
    checks: tuple[CheckResult, ...]
    startup_seconds: tuple[float, ...]

    @property
    def passed(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return all(check.status != "fail" for check in self.checks)

    @property
    def profile(self) -> str | None:
        """The ``AutoscalerProfile.from_startup(...)`` line for the measured starts, if any."""
        return profile_line(self.startup_seconds) if self.startup_seconds else None


@checked_dataclass
@dataclass(frozen=True)
class ConformOptions:
    """What to check and how. Times in seconds.

    Attributes:
        command: The server command (conform starts it with ``PORT`` set); or ``None`` with ``url``.
        url: ``http://host:port`` of a server started elsewhere (with ``pid``).
        pid: Its process id, for SIGTERM.
        request: A request that proves the server can serve (short).
        long_request: A request that takes a while (at least 0.5 s; a few seconds is best), for the
            cancel and drain checks.
        ready_path: The readiness path (default: ``Probes().readiness_path``).
        live_path: The liveness path (default: ``Probes().liveness_path``).
        probe_period: One readiness probe period: SIGTERM must turn readiness non-2xx within it
            (default: ``Probes().readiness_period_seconds``, 2).
        probe_timeout: Readiness probe timeout (default ``Probes().readiness_timeout_seconds``).
        liveness_timeout: Liveness probe timeout (default ``Probes().liveness_timeout_seconds``).
        starts: How many starts to time (a command only); 1 or more.
        start_timeout: How long one start may take to serve.
        request_timeout: Timeout of one request.
        exit_timeout: How long after the drain the process may take to exit.
        env: Extra environment for the server (``MODEL_URI``...), on top of conform's own
            environment, ``PORT`` and the offline variables the construct writes.
        network_check: Run the ``no-network`` start (skipped with a reason where the machine
            allows no network namespace).
    """

    command: Sequence[str] | None = None
    url: str | None = None
    pid: int | None = None
    request: RequestSpec = DEFAULT_REQUEST
    long_request: RequestSpec = DEFAULT_LONG_REQUEST
    ready_path: str = _PROBES.readiness_path
    live_path: str = _PROBES.liveness_path
    probe_period: float = float(_PROBES.readiness_period_seconds)
    probe_timeout: float = float(_PROBES.readiness_timeout_seconds)
    liveness_timeout: float = float(_PROBES.liveness_timeout_seconds)
    starts: int = 3
    start_timeout: float = 300.0
    request_timeout: float = 120.0
    exit_timeout: float = 10.0
    env: Mapping[str, str] = field(default_factory=dict)
    network_check: bool = True


# --------------------------------------------------------------------------- helpers


def _number(value: float) -> str:
    """Three significant digits, as a Python literal (``1.23``, ``0.0456``, ``123``)."""
    return f"{max(value, 0.001):.3g}"


def profile_line(seconds: Sequence[float]) -> str:
    """``AutoscalerProfile.from_startup(mean_seconds=..., spread_seconds=...)`` for these starts.

    The spread (sample standard deviation) needs two starts; the p95 (nearest rank) needs
    :data:`P95_MIN_STARTS`.
    """
    mean = statistics.fmean(seconds)
    parts = [f"mean_seconds={_number(mean)}"]
    if len(seconds) >= 2:
        parts.append(f"spread_seconds={_number(statistics.stdev(seconds))}")
    if len(seconds) >= P95_MIN_STARTS:
        p95 = sorted(seconds)[math.ceil(0.95 * len(seconds)) - 1]
        parts.append(f"p95_seconds={_number(max(p95, mean))}")
    return f"AutoscalerProfile.from_startup({', '.join(parts)})"


def _result(check: str, ok: bool, summary: str, **measured: object) -> CheckResult:
    return CheckResult(check, "pass" if ok else "fail", summary, measured)


def _skip(check: str, reason: str) -> CheckResult:
    return CheckResult(check, "skipped", reason)


def _server_env(options: ConformOptions, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({name: "1" for name in OFFLINE_ENV})
    env.update(options.env)
    env["PORT"] = str(port)
    return env


def _endpoint(options: ConformOptions, host: str, port: int) -> Endpoint:
    return Endpoint(
        host=host,
        port=port,
        ready_path=options.ready_path,
        live_path=options.live_path,
        request=options.request,
        probe_timeout=options.probe_timeout,
        liveness_timeout=options.liveness_timeout,
        request_timeout=options.request_timeout,
    )


# --------------------------------------------------------------------------- startup checks


def _startup_checks(seen: StartupObservation, *, external: bool) -> list[CheckResult]:
    """``not-ready-before-load`` and ``liveness-while-loading`` from the first start."""
    if seen.ready_at is None:
        why = "not judged: the server never said ready"
        return [_skip("not-ready-before-load", why), _skip("liveness-while-loading", why)]
    if external and seen.not_ready_answers == 0 and seen.liveness_answers <= 1:
        why = (
            "not judged: the server was already ready when conform first asked; run"
            " `kn-constructs conform -- CMD` to watch the load"
        )
        return [_skip("not-ready-before-load", why), _skip("liveness-while-loading", why)]
    first = seen.first_request
    assert first is not None
    ready = (
        f"ready at {seen.ready_at:.2f}s after {seen.not_ready_answers} not-ready answers;"
        f" the request sent right after: {first.outcome()}"
    )
    checks = [
        _result(
            "not-ready-before-load",
            first.ok,
            ready if first.ok else f"{ready}: readiness said ready before the server could serve",
            ready_at_seconds=seen.ready_at,
            not_ready_answers=seen.not_ready_answers,
            first_request_status=first.status,
            first_request_error=first.error,
        )
    ]
    listening = seen.listening_at if seen.listening_at is not None else seen.ready_at
    loading = seen.ready_at - listening
    if seen.liveness_failures:
        shown = ", ".join(seen.liveness_failures[:3]) + (" ..." if len(seen.liveness_failures) > 3 else "")
        live = (
            f"{len(seen.liveness_failures)} of {seen.liveness_answers or len(seen.liveness_failures)}"
            f" liveness probes failed while loading: {shown}"
        )
    else:
        live = (
            f"{seen.liveness_answers} liveness probes while loading ({loading:.2f}s from the port"
            f" opening at {listening:.2f}s to ready), all 2xx"
        )
        if seen.liveness_answers <= 1 and listening > 1.0:
            live += (
                f"; the port opened only when ready, at {listening:.2f}s: a liveness probe before"
                " then finds it closed (GpuInferenceService's startup probe covers that)"
            )
    checks.append(
        _result(
            "liveness-while-loading",
            not seen.liveness_failures,
            live,
            liveness_answers=seen.liveness_answers,
            liveness_failures=list(seen.liveness_failures),
            listening_at_seconds=seen.listening_at,
        )
    )
    return checks


def _not_served(seen: StartupObservation, options: ConformOptions) -> str:
    if seen.exit_status is not None:
        return f"the process exited with status {seen.exit_status} before it served"
    if seen.ready_at is None:
        return f"readiness never said 2xx within {options.start_timeout:g}s"
    first = seen.first_request
    detail = f" (last: {first.outcome()})" if first is not None else ""
    return f"ready at {seen.ready_at:.2f}s but no request succeeded within {options.start_timeout:g}s{detail}"


# --------------------------------------------------------------------------- serving checks


def _median_request(endpoint: Endpoint, spec: RequestSpec, times: int) -> tuple[float | None, Response]:
    answers = [
        send(endpoint.host, endpoint.port, spec, timeout=endpoint.request_timeout) for _ in range(times)
    ]
    good = [a.seconds for a in answers if a.ok]
    return (statistics.median(good) if good else None), answers[-1]


def _long_baseline(endpoint: Endpoint, options: ConformOptions) -> float:
    answer = send(endpoint.host, endpoint.port, options.long_request, timeout=endpoint.request_timeout)
    if not answer.ok:
        raise ConformUsageError(
            f"the long request ({options.long_request.describe()}) got {answer.outcome()}: give"
            " --long-request a request the server answers with 2xx in a few seconds"
        )
    if answer.seconds < MIN_LONG_SECONDS:
        raise ConformUsageError(
            f"the long request ({options.long_request.describe()}) took {answer.seconds:.2f}s: the"
            f" cancel and drain checks need one that takes at least {MIN_LONG_SECONDS:g}s"
            " (ask for more tokens), best a few seconds"
        )
    return answer.seconds


def _cancel_check(
    endpoint: Endpoint, options: ConformOptions, short: float | None, long: float
) -> CheckResult:
    after = long / 3
    problem = cut_off(
        endpoint.host, endpoint.port, options.long_request, after=after, timeout=endpoint.request_timeout
    )
    if problem is not None:
        return _result("cancel-stops-work", False, f"could not cut off the long request: {problem}")
    following = send(endpoint.host, endpoint.port, options.request, timeout=endpoint.request_timeout)
    left = long - after
    allowed = min(CANCEL_DELAY_SECONDS, left / 2)
    alone = short if short is not None else 0.0
    delay = following.seconds - alone
    summary = (
        f"cut off a {long:.2f}s request after {after:.2f}s; the next request: {following.outcome()}"
        f" (alone {alone:.2f}s), delayed {max(delay, 0.0):.2f}s, allowed {allowed:.2f}s"
    )
    if following.ok and delay > allowed:
        summary += ": the cancelled request's work went on"
    return _result(
        "cancel-stops-work",
        following.ok and delay <= allowed,
        summary,
        long_seconds=long,
        cut_off_after_seconds=after,
        next_request_seconds=following.seconds,
        next_request_status=following.status,
        request_alone_seconds=short,
        delay_seconds=delay,
        allowed_delay_seconds=allowed,
    )


def _send_later(delay: float, endpoint: Endpoint, spec: RequestSpec) -> Response:
    time.sleep(delay)
    return send(endpoint.host, endpoint.port, spec, timeout=endpoint.request_timeout)


def _sigterm_checks(
    server: ServerProcess | ExternalServer, endpoint: Endpoint, options: ConformOptions, long: float
) -> list[CheckResult]:
    """SIGTERM during a long request; a new request right after; readiness watched meanwhile."""
    unready: Response | None = None
    with ThreadPoolExecutor(max_workers=2) as pool:
        in_flight = pool.submit(
            send, endpoint.host, endpoint.port, options.long_request, timeout=endpoint.request_timeout
        )
        time.sleep(long / 4)
        term_at = time.monotonic()
        server.sigterm()
        new = pool.submit(_send_later, 2 * POLL_SECONDS, endpoint, options.request)
        while not (in_flight.done() and new.done()):
            if unready is None:
                probe = get(endpoint.host, endpoint.port, endpoint.ready_path, timeout=endpoint.probe_timeout)
                if not probe.ok:
                    unready = probe
            time.sleep(POLL_SECONDS)
        first, second = in_flight.result(), new.result()
    drain_end = max(first.ended, second.ended)
    exited = server.wait(options.exit_timeout)
    exit_at = server.exited_at
    period = options.probe_period
    if unready is not None:
        after = unready.started - term_at
        what = str(unready.status) if unready.status is not None else unready.error
        summary = f"readiness {what} {after:.2f}s after SIGTERM (allowed: one probe period, {period:g}s)"
        ok = after <= period
    else:
        after = None
        summary = (
            f"readiness still 2xx when the drain ended {drain_end - term_at:.2f}s after SIGTERM"
            f" (allowed: one probe period, {period:g}s)"
        )
        ok = False
    results = [
        _result("sigterm-unready", ok, summary, unready_after_seconds=after, probe_period_seconds=period)
    ]
    parts = [
        f"in-flight request {first.outcome()}",
        f"new request during the drain {second.outcome()}",
    ]
    if exited and exit_at is not None:
        parts.append(
            f"exited {max(exit_at - drain_end, 0.0):.2f}s after the drain (status {server.returncode})"
        )
    else:
        parts.append(f"still running {options.exit_timeout:g}s after the drain")
    dropped = [name for name, answer in (("in-flight", first), ("new", second)) if not answer.ok]
    summary = "; ".join(parts)
    if dropped and exit_at is not None and exit_at <= drain_end:
        summary += ": the process exited before the drain"
    elif dropped:
        summary += (
            f": the {' and '.join(dropped)} request{'s were' if len(dropped) > 1 else ' was'} not served"
        )
    results.append(
        _result(
            "sigterm-drain",
            not dropped and exited,
            summary,
            in_flight_status=first.status,
            in_flight_seconds=first.seconds,
            new_request_status=second.status,
            new_request_seconds=second.seconds,
            exit_after_drain_seconds=None if exit_at is None else exit_at - drain_end,
            exit_status=server.returncode,
        )
    )
    return results


# --------------------------------------------------------------------------- no network


def _network_check(options: ConformOptions, tmp: Path, say: Callable[[str], None]) -> CheckResult:
    import json
    import signal
    import subprocess
    import sys

    from kn_constructs.conform.netns import namespace_prefix

    prefix = namespace_prefix()
    if isinstance(prefix, str):
        return _skip("no-network", f"skipped: {prefix}")
    say("a start with no network but loopback")
    log = tmp / "netns.log"
    config = {
        "command": list(options.command or ()),
        "env": {**_server_env(options, 0), "PORT": ""},
        "log": str(log),
        "ready_path": options.ready_path,
        "live_path": options.live_path,
        "request": {
            "method": options.request.method,
            "path": options.request.path,
            "body": options.request.body,
        },
        "probe_timeout": options.probe_timeout,
        "liveness_timeout": options.liveness_timeout,
        "request_timeout": options.request_timeout,
        "start_timeout": options.start_timeout,
        "exit_timeout": options.exit_timeout,
    }
    agent = subprocess.Popen(
        [*prefix, sys.executable, "-m", "kn_constructs.conform.netns", json.dumps(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    limit = options.start_timeout + options.exit_timeout + 30
    try:
        out, err = agent.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        out, err = "", f"the start with no network took over {limit:g}s"
    finally:
        if agent.poll() is None:  # timed out, or conform itself was interrupted
            agent.send_signal(signal.SIGTERM)  # the agent stops the server in its own finally
            try:
                agent.wait(timeout=options.exit_timeout + 5)
            except subprocess.TimeoutExpired:
                os.killpg(agent.pid, signal.SIGKILL)
                agent.wait(timeout=10)
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return _result("no-network", False, f"the namespace agent failed: {(err or out).strip()[-300:]}")
    if "error" in result:
        return _result("no-network", False, f"could not start the server with no network: {result['error']}")
    seen = result["startup"]
    tries = int(result["no_route"])
    if seen["served_at"] is not None:
        summary = f"served at {seen['served_at']:.2f}s with no network"
    elif seen["exit_status"] is not None:
        summary = f"exited with status {seen['exit_status']} before it served, with no network"
    else:
        summary = f"did not serve within {options.start_timeout:g}s with no network"
    if tries:
        summary += (
            f"; it tried to reach an address other than loopback {tries} time{'s' if tries > 1 else ''}"
            " (the kernel's no-route count): something fetches at startup"
        )
    else:
        summary += "; no attempt to reach the network"
    return _result(
        "no-network",
        seen["served_at"] is not None and tries == 0,
        summary,
        served_at_seconds=seen["served_at"],
        network_attempts=tries,
        exit_status=seen["exit_status"],
    )


# --------------------------------------------------------------------------- the runs


def _ordered(found: dict[str, CheckResult]) -> tuple[CheckResult, ...]:
    return tuple(found[check] for check in CHECKS if check in found)


def _serving_checks(
    server: ServerProcess | ExternalServer,
    endpoint: Endpoint,
    options: ConformOptions,
    say: Callable[[str], None],
) -> list[CheckResult]:
    short, _ = _median_request(endpoint, options.request, 3)
    long = _long_baseline(endpoint, options)
    say(f"cancelling a long request ({long:.2f}s)")
    checks = [_cancel_check(endpoint, options, short, long)]
    say("SIGTERM during a long request")
    return checks + _sigterm_checks(server, endpoint, options, long)


def _run_command(options: ConformOptions, tmp: Path, say: Callable[[str], None]) -> ConformReport:
    command = list(options.command or ())
    found: dict[str, CheckResult] = {}
    startups: list[float] = []
    failed_start: str | None = None
    for index in range(options.starts):
        port = free_port()
        say(f"start {index + 1} of {options.starts} on port {port}")
        server = ServerProcess(command, _server_env(options, port), tmp / f"start-{index + 1}.log")
        try:
            endpoint = _endpoint(options, "127.0.0.1", port)
            seen = watch_startup(server, server.started, endpoint, timeout=options.start_timeout)
            if index == 0 and seen.listening_at is None:
                tail = server.output_tail()
                output = f"; its last output:\n{tail}" if tail else ""
                if seen.exit_status is not None:
                    raise ConformUsageError(
                        f"the server exited with status {seen.exit_status} before it answered on"
                        f" PORT={port}{output}"
                    )
                raise ConformUsageError(
                    f"the server did not answer on port {port} within {options.start_timeout:g}s"
                    f" (conform gives it the port in PORT, as Knative does: does it read PORT?){output}"
                )
            if index == 0:
                found.update({c.id: c for c in _startup_checks(seen, external=False)})
            if seen.served_at is None or seen.ready_at is None:
                failed_start = f"start {index + 1} of {options.starts}: {_not_served(seen, options)}"
                tail = server.output_tail(5)
                if tail:
                    failed_start += f"; its last output: {' | '.join(tail.splitlines())}"
                break
            startups.append(seen.ready_at)
            if index == 0:
                found.update({c.id: c for c in _serving_checks(server, endpoint, options, say)})
        finally:
            server.stop(grace=options.exit_timeout)
    if failed_start is not None:
        found["ready-after-load"] = _result("ready-after-load", False, failed_start)
        for check in CHECKS:
            found.setdefault(check, _skip(check, "not judged: the server did not serve"))
        return ConformReport(" ".join(command), _ordered(found), tuple(startups))
    times = ", ".join(f"{s:.2f}" for s in startups)
    found["ready-after-load"] = _result(
        "ready-after-load",
        True,
        f"ready in {statistics.fmean(startups):.2f}s on average over {len(startups)}"
        f" start{'s' if len(startups) > 1 else ''} ({times} s)",
        startup_seconds=list(startups),
    )
    if options.network_check:
        found["no-network"] = _network_check(options, tmp, say)
    else:
        found["no-network"] = _skip("no-network", "skipped: --no-network-check")
    return ConformReport(" ".join(command), _ordered(found), tuple(startups))


def _run_external(options: ConformOptions, say: Callable[[str], None]) -> ConformReport:
    assert options.url is not None
    assert options.pid is not None
    parts = urlsplit(options.url)
    try:
        port = parts.port
    except ValueError as error:
        raise ConformUsageError(f"--url {options.url}: {error}") from error
    if parts.scheme != "http" or not parts.hostname or port is None:
        raise ConformUsageError(f"--url {options.url}: expected http://HOST:PORT (no port given?)")
    try:
        server = ExternalServer(options.pid)
    except StartError as error:
        raise ConformUsageError(str(error)) from error
    endpoint = _endpoint(options, parts.hostname, port)
    say(f"watching {options.url} (pid {options.pid})")
    seen = watch_startup(server, time.monotonic(), endpoint, timeout=options.start_timeout)
    if seen.listening_at is None:
        raise ConformUsageError(f"nothing answers at {options.url}")
    found = {c.id: c for c in _startup_checks(seen, external=True)}
    if seen.served_at is None:
        found["ready-after-load"] = _result("ready-after-load", False, _not_served(seen, options))
        for check in CHECKS:
            found.setdefault(check, _skip(check, "not judged: the server did not serve"))
        return ConformReport(f"{options.url} (pid {options.pid})", _ordered(found), ())
    found["ready-after-load"] = _result(
        "ready-after-load",
        True,
        "serving (time to ready not measured: conform did not start the server)",
    )
    found.update({c.id: c for c in _serving_checks(server, endpoint, options, say)})
    found["no-network"] = _skip(
        "no-network", "skipped: conform did not start the server (--url); `conform -- CMD` checks this"
    )
    return ConformReport(f"{options.url} (pid {options.pid})", _ordered(found), ())


def _check_ranges(options: ConformOptions) -> None:
    """The ranges the types do not say: every problem at once, as a ``ValidationError``."""
    times = (
        "probe_period",
        "probe_timeout",
        "liveness_timeout",
        "start_timeout",
        "request_timeout",
        "exit_timeout",
    )
    found = [
        Problem(
            "CONFORM-INPUT",
            name,
            f"expected 0 < {getattr(options, name)}",
            value=getattr(options, name),
            allowed="seconds > 0",
        )
        for name in times
        if not getattr(options, name) > 0
    ]
    if options.starts < 1:
        found.append(
            Problem(
                "CONFORM-INPUT",
                "starts",
                f"expected 1 <= {options.starts}",
                value=options.starts,
                allowed=">= 1",
            )
        )
    if options.command is not None and not options.command:
        found.append(
            Problem(
                "CONFORM-INPUT",
                "command",
                "expected a command, got an empty list",
                value=[],
                hint="None with url and pid for a server started elsewhere",
            )
        )
    if found:
        raise ValidationError(found, subject="ConformOptions")


def run_conform(options: ConformOptions, *, progress: Callable[[str], None] | None = None) -> ConformReport:
    """Run every check on the server of ``options``.

    Raises:
        ValidationError: A time that is not > 0, ``starts`` below 1, an empty command (the
            option types are checked when :class:`ConformOptions` is built).
        ConformUsageError: The server cannot be checked as asked (command not found, nothing on
            ``PORT``, a long request that is too short or fails, a bad ``--url``).
    """
    _check_ranges(options)
    say = progress or (lambda _: None)
    if options.command:
        with tempfile.TemporaryDirectory(prefix="kn-conform-") as tmp:
            try:
                return _run_command(options, Path(tmp), say)
            except StartError as error:
                raise ConformUsageError(str(error)) from error
    if options.url is None or options.pid is None:
        raise ConformUsageError("give the server command after --, or --url URL with --pid PID")
    try:
        return _run_external(options, say)
    except StartError as error:
        raise ConformUsageError(str(error)) from error
