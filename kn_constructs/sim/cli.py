"""``kn-constructs simulate`` and ``kn-constructs recommend``.

Both take a trace (a CSV, a token-count CSV, or a generator such as ``--poisson 2
--duration 3600 --service-time 1.5``) and a pod startup (``--startup-mean 20
--startup-spread 5``). ``simulate`` also takes the revision: a synthesized Knative Service
(``--service service.yaml``) or profile flags (``--window 40 --utilization 90 ...`` on top
of ``AutoscalerProfile.from_startup``). ``recommend`` takes a goal (``--p99 8 --goal
cost``) and searches the profile space.

Output is a text summary, or JSON with ``--json``; ``--plot FILE.png`` draws the run (needs
the ``plot`` extra). A progress bar goes to stderr when it is a terminal or with
``--progress``. Exit codes: 0 done (for ``recommend``: goal met), 1 goal not met, 2 bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from kn_constructs._format import format_number
from kn_constructs.batching import Batching
from kn_constructs.errors import KnConstructsError, Problem, ValidationError
from kn_constructs.knative.settings import DEFAULT_SETTINGS, ClusterSettings
from kn_constructs.profile import AutoscalerProfile, StartupTime
from kn_constructs.sim import traces
from kn_constructs.sim._progress import ProgressBar
from kn_constructs.sim.distributions import Distribution
from kn_constructs.sim.recommend import Goal, Recommendation, recommend
from kn_constructs.sim.simulate import INPUT_CODE, SimulationResult, simulate

__all__ = ["register"]

_PRESETS: dict[str, Callable[..., AutoscalerProfile]] = {
    "balanced": AutoscalerProfile.from_startup,
    "latency": AutoscalerProfile.latency_first,
    "cost": AutoscalerProfile.cost_first,
    "spiky": AutoscalerProfile.spiky_traffic,
}


class _UsageError(KnConstructsError):
    """A command-line combination that cannot work; reported with exit code 2."""


# --------------------------------------------------------------------------- arguments


def _add_trace_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("trace (one of)")
    source = group.add_mutually_exclusive_group(required=True)
    source.add_argument("--trace", metavar="FILE.csv", help="CSV with arrival_seconds,service_seconds")
    source.add_argument(
        "--token-trace",
        metavar="FILE.csv",
        help="CSV with timestamp, input and output tokens (needs --prefill-tps)",
    )
    source.add_argument("--poisson", type=float, metavar="RATE", help="steady Poisson traffic, requests/s")
    source.add_argument(
        "--bursts", type=float, nargs=2, metavar=("BASE", "BURST"), help="base and burst rates"
    )
    source.add_argument("--diurnal", type=float, metavar="MEAN", help="daily cycle around this mean rate")
    source.add_argument("--on-off", type=float, metavar="RATE", help="this rate while on, nothing while off")
    group.add_argument(
        "--duration", type=float, default=3600.0, help="generated trace length, s (default 3600)"
    )
    group.add_argument("--service-time", type=float, default=1.0, help="mean service time, s (default 1)")
    group.add_argument(
        "--service-spread",
        type=float,
        default=0.0,
        help="service time std dev, s (log-normal; default 0: fixed)",
    )
    group.add_argument(
        "--burst-seconds", type=float, default=60.0, help="--bursts: burst length (default 60)"
    )
    group.add_argument("--burst-every", type=float, default=600.0, help="--bursts: period (default 600)")
    group.add_argument("--amplitude", type=float, default=0.8, help="--diurnal: swing 0..1 (default 0.8)")
    group.add_argument(
        "--period", type=float, default=86400.0, help="--diurnal: cycle length (default 86400)"
    )
    group.add_argument("--on-seconds", type=float, default=300.0, help="--on-off: on period (default 300)")
    group.add_argument("--off-seconds", type=float, default=600.0, help="--on-off: off period (default 600)")
    group.add_argument("--prefill-tps", type=float, help="--token-trace: input tokens per second")
    group.add_argument("--decode-tps", type=float, help="--token-trace: output tokens per second")
    group.add_argument("--overhead", type=float, default=0.0, help="--token-trace: fixed seconds per request")


def _add_startup_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pod startup (KN-AS-2: measure it)")
    group.add_argument("--startup-mean", type=float, help="mean pod startup, s")
    group.add_argument("--startup-spread", type=float, help="its standard deviation, s (log-normal)")
    group.add_argument("--startup-p95", type=float, help="its 95th percentile, s")
    group.add_argument(
        "--startup-p50", type=float, help="its median, s (with --startup-p95, instead of the mean)"
    )


#: How to get matplotlib for ``--plot`` (the ``plot`` extra's one requirement), as a command that
#: works whether kn_constructs came from a package index, a wheel or a checkout.
MATPLOTLIB_INSTALL = 'pip install "matplotlib>=3.8"'


def _plot_path(value: str) -> str:
    """``--plot``'s type: refuses the option before the run when matplotlib is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        raise argparse.ArgumentTypeError(
            f"needs matplotlib, which is not installed; install it with: {MATPLOTLIB_INSTALL}"
        )
    return value


def _add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated trace and the startups")
    parser.add_argument("--cluster", metavar="FILE.yaml", help="Knative ConfigMaps (config-autoscaler...)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        type=_plot_path,
        help="draw load, pods, queue and latency over time (needs matplotlib)",
    )
    parser.add_argument(
        "--progress", action="store_true", help="show a progress bar even when not on a terminal"
    )


def _add_batching_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server")
    group.add_argument(
        "--container-concurrency", type=int, default=1, help="hard limit per pod (default 1, KN-CONC-1)"
    )
    group.add_argument(
        "--target", type=float, help="soft target per pod (default: the hard limit, KN-CONC-2)"
    )
    group.add_argument("--max-scale", type=int, help="max-scale (the GPU budget, KN-SCALE-2)")


def register(subparsers: Any) -> None:
    """Add ``simulate`` and ``recommend`` to the ``kn-constructs`` command line."""
    sim = subparsers.add_parser(
        "simulate",
        help="simulate Knative's autoscaler on a trace",
        description="Run a request trace through a model of one Knative revision and its autoscaler.",
    )
    _add_trace_arguments(sim)
    _add_startup_arguments(sim)
    _add_batching_arguments(sim)
    profile = sim.add_argument_group("revision (a Service YAML, or profile flags)")
    profile.add_argument(
        "--service", metavar="FILE.yaml", help="a synthesized Knative Service (first one in the file)"
    )
    profile.add_argument("--preset", choices=sorted(_PRESETS), default="balanced", help="starting profile")
    profile.add_argument("--traffic", choices=("steady", "smooth", "spiky"), default="steady")
    profile.add_argument("--window", type=int, help="stable window, s")
    profile.add_argument("--panic-window-percentage", type=float)
    profile.add_argument("--panic-threshold", type=float, help="panic threshold percentage")
    profile.add_argument("--utilization", type=float, help="target utilization percentage")
    profile.add_argument("--min-scale", type=int)
    profile.add_argument("--initial-scale", type=int)
    profile.add_argument("--scale-down-delay", type=int, help="s")
    profile.add_argument("--activation-scale", type=int)
    profile.add_argument("--target-burst-capacity", type=float)
    profile.add_argument("--aggregation", choices=("linear", "weighted-exponential"))
    run = sim.add_argument_group("run")
    run.add_argument("--initial-pods", type=int, help="ready pods at time 0 (default: min-scale)")
    run.add_argument("--rollout", action="store_true", help="start as a new revision at initial-scale")
    run.add_argument(
        "--timeout", type=float, help="request timeout, s (default: the Service's timeoutSeconds)"
    )
    run.add_argument("--gpus-per-pod", type=int)
    run.add_argument(
        "--tail", type=float, help="seconds simulated after the trace (default: scale-to-zero tail)"
    )
    run.add_argument("--timeline", action="store_true", help="with --json: include the per-second timeline")
    _add_common_arguments(sim)
    sim.set_defaults(func=_run_simulate)

    rec = subparsers.add_parser(
        "recommend",
        help="search autoscaling profiles for a latency or cost goal",
        description="Simulate candidate profiles on a trace and recommend the best for a goal.",
    )
    _add_trace_arguments(rec)
    _add_startup_arguments(rec)
    _add_batching_arguments(rec)
    goal = rec.add_argument_group("goal")
    goal.add_argument(
        "--p99", type=float, required=True, help="p99 latency budget (latency) or ceiling (cost), s"
    )
    goal.add_argument("--goal", choices=("latency", "cost"), default="latency")
    goal.add_argument("--strategy", choices=("coordinate", "grid"), default="coordinate")
    goal.add_argument(
        "--rounds", type=int, default=3, help="most rounds of the coordinate search (default 3)"
    )
    _add_common_arguments(rec)
    rec.set_defaults(func=_run_recommend)


# --------------------------------------------------------------------------- inputs


def _trace(args: argparse.Namespace) -> traces.Trace:
    service: Distribution | float = (
        Distribution.lognormal(args.service_time, args.service_spread)
        if args.service_spread
        else args.service_time
    )
    common: dict[str, Any] = {"service": service, "seed": args.seed}
    if args.trace:
        return traces.read_csv(args.trace)
    if args.token_trace:
        if args.prefill_tps is None or args.decode_tps is None:
            raise _UsageError("--token-trace needs --prefill-tps and --decode-tps (tokens per second)")
        model = traces.TokenModel(args.prefill_tps, args.decode_tps, args.overhead)
        return traces.read_token_trace(args.token_trace, model)
    if args.poisson is not None:
        return traces.poisson(args.poisson, args.duration, **common)
    if args.bursts is not None:
        base, burst = args.bursts
        return traces.bursts(
            base,
            burst,
            burst_seconds=args.burst_seconds,
            every_seconds=args.burst_every,
            duration_seconds=args.duration,
            **common,
        )
    if args.diurnal is not None:
        return traces.diurnal(
            args.diurnal,
            duration_seconds=args.duration,
            amplitude=args.amplitude,
            period_seconds=args.period,
            **common,
        )
    return traces.on_off(
        args.on_off,
        on_seconds=args.on_seconds,
        off_seconds=args.off_seconds,
        duration_seconds=args.duration,
        **common,
    )


def _startup(args: argparse.Namespace) -> Distribution | StartupTime | None:
    if args.startup_p50 is not None:
        if args.startup_p95 is None:
            raise _UsageError("--startup-p50 needs --startup-p95")
        return Distribution.from_percentiles(p50_seconds=args.startup_p50, p95_seconds=args.startup_p95)
    if args.startup_mean is None:
        if args.startup_spread is not None or args.startup_p95 is not None:
            raise _UsageError("give --startup-mean with --startup-spread or --startup-p95")
        return None
    return StartupTime(args.startup_mean, args.startup_spread, args.startup_p95)


def _cluster(args: argparse.Namespace) -> ClusterSettings:
    if not args.cluster:
        return DEFAULT_SETTINGS
    import yaml

    with open(args.cluster, encoding="utf-8") as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc]
    return ClusterSettings.from_configmaps(docs)


def _batching(args: argparse.Namespace) -> Batching:
    cc = args.container_concurrency
    target = args.target if args.target is not None else float(max(cc, 1))
    if cc > 1:
        return Batching(mode="in_flight", container_concurrency=cc, target=target, max_sequences=cc)
    return Batching(mode="none", container_concurrency=cc, target=target)


def _service_manifest(path: str) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc]
    for doc in docs:
        if (
            isinstance(doc, dict)
            and doc.get("kind") == "Service"
            and str(doc.get("apiVersion", "")).startswith("serving.knative.dev/")
        ):
            return doc
    raise _UsageError(
        f"{path}: no Knative Service (apiVersion serving.knative.dev/v1, kind Service) in the file"
    )


def _profile(args: argparse.Namespace, startup: Distribution | StartupTime | None) -> AutoscalerProfile:
    if startup is None:
        raise _UsageError("give the pod startup: --startup-mean (with --startup-spread or --startup-p95)")
    if isinstance(startup, StartupTime):
        mean, spread, p95 = startup.mean_seconds, startup.spread_seconds, startup.p95_seconds
    else:
        mean, spread, p95 = startup.mean_seconds, startup.spread_seconds or None, None
    preset = _PRESETS[args.preset]
    kwargs: dict[str, Any] = {"spread_seconds": spread, "p95_seconds": p95}
    if args.preset in ("balanced", "latency"):
        kwargs["traffic"] = args.traffic
    profile = preset(mean, **kwargs)
    changes: dict[str, Any] = {}
    for flag, name in (
        ("window", "window_seconds"),
        ("panic_window_percentage", "panic_window_percentage"),
        ("panic_threshold", "panic_threshold_percentage"),
        ("utilization", "target_utilization_percentage"),
        ("min_scale", "min_scale"),
        ("max_scale", "max_scale"),
        ("initial_scale", "initial_scale"),
        ("scale_down_delay", "scale_down_delay_seconds"),
        ("activation_scale", "activation_scale"),
        ("target_burst_capacity", "target_burst_capacity"),
        ("aggregation", "aggregation"),
    ):
        value = getattr(args, flag)
        if value is not None:
            changes[name] = value
    return dataclasses.replace(profile, **changes)


def _progress(args: argparse.Namespace, label: str) -> ProgressBar | None:
    stream = sys.stderr
    if args.progress or (hasattr(stream, "isatty") and stream.isatty()):
        return ProgressBar(label, stream)
    return None


def _report_error(command: str, error: Exception, stream: TextIO) -> int:
    if isinstance(error, ValidationError):
        stream.write(f"kn-constructs {command}: {error}\n")
    else:
        stream.write(f"kn-constructs {command}: error: {error}\n")
    return 2


def _plot(result: SimulationResult, path: str, title: str | None = None) -> None:
    from kn_constructs.sim.plot import plot_result

    plot_result(result, path, title=title)


# --------------------------------------------------------------------------- simulate


def _run_simulate(args: argparse.Namespace) -> int:
    bar: ProgressBar | None = None
    try:
        trace = _trace(args)
        startup = _startup(args)
        cluster = _cluster(args)
        subject: Any
        batching: Batching | None = None
        if args.service:
            subject = _service_manifest(args.service)
            if startup is None:
                raise ValidationError(
                    [
                        Problem(
                            INPUT_CODE,
                            "--startup-mean",
                            "a Service YAML carries no pod startup time",
                            allowed="--startup-mean (with --startup-spread or --startup-p95)",
                            hint="measure pod startup on your cluster (KN-AS-2)",
                        )
                    ],
                    subject="simulate",
                )
        else:
            subject = _profile(args, startup)
            batching = _batching(args)
        bar = _progress(args, "simulate")
        began = time.perf_counter()
        result = simulate(
            trace,
            subject,
            startup,
            batching=batching,
            min_scale=args.min_scale if args.service else None,
            max_scale=args.max_scale if args.service else None,
            initial_scale=args.initial_scale if args.service else None,
            cluster=cluster,
            seed=args.seed,
            initial_pods=args.initial_pods,
            rollout=args.rollout,
            timeout_seconds=args.timeout,
            gpus_per_pod=args.gpus_per_pod,
            tail_seconds=args.tail,
            progress=bar,
        )
        wall = time.perf_counter() - began
        if bar is not None:
            bar.close()
        if args.plot:
            _plot(result, args.plot)
    except (KnConstructsError, OSError, ValueError) as error:
        if bar is not None:
            bar.close()
        return _report_error("simulate", error, sys.stderr)
    if args.json:
        out = result.to_dict(timeline=args.timeline)
        out["wall_seconds"] = wall
        if args.plot:
            out["plot"] = args.plot
        print(json.dumps(out, indent=2))
    else:
        print(_summary_text(result, wall, len(trace)))
        if args.plot:
            print(f"plot       {args.plot}")
    return 0


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"


def _summary_text(result: SimulationResult, wall: float, requests: int) -> str:
    s = result.summary
    auto = result.autoscaling
    d = auto.decider
    speed = f"{s.simulated_seconds / wall:,.0f}x real time" if wall > 0 else "instant"
    max_scale = "unlimited" if auto.scaler.max_scale is None else str(auto.scaler.max_scale)
    lines = [
        f"simulated  {s.simulated_seconds} s of {result.trace_name!r} ({requests} requests)"
        f" in {wall:.2f} s ({speed})",
        f"revision   {auto.metric} target {format_number(round(d.target_value, 4))}/pod"
        f" (capacity {format_number(d.total_value)}), containerConcurrency {auto.container_concurrency},"
        f" window {auto.stable_window_seconds}s, panic window {auto.panic_window_seconds}s"
        f" at {format_number(d.panic_threshold * 100)}%, scale {auto.scaler.min_scale}..{max_scale},"
        f" scale-down delay {format_number(d.scale_down_delay_seconds)}s",
        f"startup    {result.startup.describe()} (seed {result.seed})",
        f"requests   {s.completed} completed, {s.rejected} rejected ({s.overflowed} queue full,"
        f" {s.timed_out} timed out), {s.cold_start_requests} met a cold start",
        f"latency    p50 {_fmt(s.latency_p50_seconds)}  p90 {_fmt(s.latency_p90_seconds)}"
        f"  p95 {_fmt(s.latency_p95_seconds)}  p99 {_fmt(s.latency_p99_seconds)}"
        f"  p99.9 {_fmt(s.latency_p999_seconds)}  max {_fmt(s.latency_max_seconds)}"
        f"  mean {_fmt(s.latency_mean_seconds)}",
        f"waiting    {s.waited_requests} requests waited, mean {_fmt(s.wait_mean_seconds)}"
        f" (over all), max {_fmt(s.wait_max_seconds)}",
        f"pods       peak {s.peak_pods} (ready {s.peak_ready_pods}), {s.pods_started} started,"
        f" panic {s.panic_seconds} s, activator in the path {s.proxy_seconds} s",
        f"GPU        {s.gpu_seconds:,.0f} GPU-seconds ({s.gpu_hours:.2f} GPU-hours),"
        f" {s.startup_gpu_seconds:,.0f} of them starting pods",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- recommend


def _run_recommend(args: argparse.Namespace) -> int:
    bar: ProgressBar | None = None
    try:
        trace = _trace(args)
        startup = _startup(args)
        if startup is None:
            raise _UsageError("give the pod startup: --startup-mean (with --startup-spread or --startup-p95)")
        cluster = _cluster(args)
        bar = _progress(args, "recommend")
        began = time.perf_counter()
        rec = recommend(
            trace,
            startup,
            Goal(args.goal, args.p99),
            batching=_batching(args),
            max_scale=args.max_scale,
            strategy=args.strategy,
            max_rounds=args.rounds,
            cluster=cluster,
            seed=args.seed,
            progress=bar,
        )
        wall = time.perf_counter() - began
        if bar is not None:
            bar.close()
        if args.plot:
            best = simulate(
                trace, rec.profile, startup, batching=rec.batching, cluster=cluster, seed=args.seed
            )
            _plot(best, args.plot, title=f"recommended for {args.goal} (p99 {format_number(args.p99)}s)")
    except (KnConstructsError, OSError, ValueError) as error:
        if bar is not None:
            bar.close()
        return _report_error("recommend", error, sys.stderr)
    if args.json:
        out = rec.to_dict()
        out["wall_seconds"] = wall
        print(json.dumps(out, indent=2))
    else:
        print(_recommend_text(rec, wall))
    return 0 if rec.met else 1


def _recommend_text(rec: Recommendation, wall: float) -> str:
    goal = rec.goal
    aim = "lowest p99" if goal.kind == "latency" else "fewest GPU-seconds"
    status = "met" if rec.met else "NOT met (showing the lowest p99 found)"
    s = rec.best.summary
    lines = [
        f"goal       {aim} with p99 <= {format_number(goal.p99_seconds)}s: {status}",
        f"best       p99 {_fmt(s.latency_p99_seconds)}, p50 {_fmt(s.latency_p50_seconds)},"
        f" {s.cold_start_requests} cold-start requests, {s.rejected} rejected, peak {s.peak_pods} pods,"
        f" {s.gpu_seconds:,.0f} GPU-seconds",
        f"searched   {len(rec.candidates)} candidates in {wall:.1f} s",
        "",
        "window panic% thresh% util% min delay |      p99  cold  rej  peak  GPU-seconds  goal  varied",
    ]
    for row in rec.table():
        knobs = (
            f"{row['window_seconds']:>6} {row['panic_window_percentage']:>6g}"
            f" {row['panic_threshold_percentage']:>7g} {row['target_utilization_percentage']:>5g}"
            f" {row['min_scale'] or 0:>3} {row['scale_down_delay_seconds']:>5}"
        )
        lines.append(
            f"{knobs} | {_fmt(row['p99_seconds']):>8} {row['cold_start_requests']:>5} {row['rejected']:>4}"
            f" {row['peak_pods']:>5} {row['gpu_seconds']:>12,.0f}  {'yes' if row['meets_goal'] else 'no':>4}"
            f"  {row['varied']}"
        )
    lines += ["", "# paste this:", rec.python().rstrip()]
    return "\n".join(lines)
