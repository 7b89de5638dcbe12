"""``kn-constructs plan``: every model of a fleet, every policy, in money and in seconds.

``kn-constructs plan APP_OR_DIR --traffic traffic.csv --prices prices.yaml`` reads the fleet (a
cdk8s app or synthesized YAML), the traffic per model and the GPU prices, simulates each model
under each policy, prints the per-model tables and the fleet totals (``--json`` for JSON), and
writes the HTML report (``--html``, default ``plan.html``; ``--no-html`` to skip). Everything is
checked before anything runs: bad input prints every problem and exits 2, writing nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kn_constructs.errors import Problem, ValidationError
from kn_constructs.plan.engine import default_jobs, plan_models
from kn_constructs.plan.inputs import (
    PLAN_CODE,
    load_models,
    parse_startups,
    price_problems,
    read_prices,
    read_traffic,
)
from kn_constructs.plan.policies import DEFAULT_POLICIES, Policy, parse_policies
from kn_constructs.plan.report import build_report, render_html, render_text, to_json
from kn_constructs.sim._progress import ProgressBar

__all__ = ["register"]

#: Where the HTML report goes by default.
DEFAULT_HTML: str = "plan.html"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def register(subparsers: Any) -> None:
    """Add ``plan`` to the ``kn-constructs`` command line."""
    parser = subparsers.add_parser(
        "plan",
        help="cost and cold starts of every model of a fleet, per scaling policy",
        description="Simulate every Knative Service of a fleet under each scaling policy for a day of its"
        " traffic: cold starts, first-request latency, failed requests, GPU-hours and cost, the break-even"
        " request rate, the recommended policy, and the fleet's peak GPUs per hour.",
    )
    parser.add_argument(
        "path", metavar="APP_OR_DIR", help="a cdk8s app (folder with cdk8s.yaml, or .py) or YAML"
    )
    parser.add_argument(
        "--traffic", required=True, metavar="FILE.csv", help="traffic per model (docs/plan.md)"
    )
    parser.add_argument(
        "--prices", required=True, metavar="FILE.yaml", help="GPU prices per class (docs/plan.md)"
    )
    parser.add_argument(
        "--policies",
        action="append",
        metavar="LIST",
        help="policies to compare, comma-separated (default: "
        + ",".join(p.name for p in DEFAULT_POLICIES)
        + "); scale-to-zero and min-scale-1 are always included",
    )
    parser.add_argument(
        "--startup",
        action="append",
        default=[],
        metavar="MODEL=MEAN[:SPREAD]",
        help="a model's measured pod startup, seconds (default: the one the manifest records)",
    )
    parser.add_argument(
        "--gpu-budget", type=_positive_int, help="the fleet's GPU budget (default: the prices file's)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the traffic and startups (default 0)")
    parser.add_argument(
        "--jobs", type=_positive_int, default=default_jobs(), help="worker processes (default: min(2, CPUs))"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--html", metavar="FILE.html", default=DEFAULT_HTML, help="HTML report (default plan.html)"
    )
    parser.add_argument("--no-html", action="store_true", help="write no HTML report")
    parser.add_argument(
        "--progress", action="store_true", help="show a progress bar even when not on a terminal"
    )
    parser.set_defaults(func=_run)


def _fail(problems: list[Problem] | tuple[Problem, ...], subject: str) -> int:
    print(f"kn-constructs plan: {subject}: {len(problems)} problem(s)", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    from kn_constructs.lint.explain import AppError

    problems: list[Problem] = []
    policies: tuple[Policy, ...] = DEFAULT_POLICIES
    try:
        if args.policies:
            policies = parse_policies(args.policies)
    except ValidationError as error:
        problems.extend(error.problems)
    startups, startup_problems = parse_startups(args.startup)
    problems.extend(startup_problems)
    traffic = prices = None
    try:
        traffic = read_traffic(args.traffic)
    except ValidationError as error:
        problems.extend(error.problems)
    try:
        prices = read_prices(args.prices)
    except ValidationError as error:
        problems.extend(error.problems)
    if problems:
        return _fail(problems, "bad input")
    try:
        models = load_models(Path(args.path), startups)
    except ValidationError as error:
        return _fail(error.problems, str(args.path))
    except AppError as error:
        print(f"kn-constructs plan: {error}", file=sys.stderr)
        return 2
    assert traffic is not None
    assert prices is not None
    names = {m.name for m in models}
    for m in models:
        if m.name not in traffic:
            problems.append(
                Problem(
                    PLAN_CODE,
                    f"{args.traffic}.{m.name}",
                    f"no traffic for model {m.name!r}",
                    allowed="a rate, hourly or trace row for every model",
                    hint=f"add '{m.name},rate,,0,1,' for a model with no traffic",
                )
            )
    for name, t in traffic.items():
        if name not in names:
            problems.append(
                Problem(
                    PLAN_CODE,
                    f"{t.source}.model",
                    f"no Knative Service named {name!r} in {args.path}",
                    value=name,
                    allowed=", ".join(sorted(names)),
                )
            )
    problems.extend(price_problems(models, prices, label=str(args.prices)))
    if problems:
        return _fail(problems, "bad input")
    if not args.no_html:
        target = Path(args.html)
        if not target.parent.is_dir():
            return _fail(
                [Problem(PLAN_CODE, "--html", f"no such folder: {target.parent}", value=args.html)],
                "bad input",
            )
    bar = ProgressBar("plan", sys.stderr) if (args.progress or sys.stderr.isatty()) else None
    try:
        plans = plan_models(models, traffic, prices, policies, seed=args.seed, jobs=args.jobs, progress=bar)
    except ValidationError as error:
        return _fail(error.problems, "a model cannot be simulated")
    finally:
        if bar is not None:
            bar.close()
    budget = args.gpu_budget if args.gpu_budget is not None else prices.gpu_budget
    report = build_report(plans, prices, budget=budget, seed=args.seed, source=str(args.path))
    if not args.no_html:
        Path(args.html).write_text(render_html(report), encoding="utf-8")
    if args.json:
        print(json.dumps(to_json(report), indent=2))
    else:
        sys.stdout.write(render_text(report))
        if not args.no_html:
            print(f"HTML report: {args.html}")
    return 0
