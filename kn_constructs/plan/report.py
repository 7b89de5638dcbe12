"""The plan as text tables, as JSON (schema ``kn-constructs/plan/v1``), and as one HTML file.

The HTML report is self-contained: its plots are SVG drawn by matplotlib (the ``plot``
extra) and inlined, with no script and no external resource. Without matplotlib the report
has its tables and says how to get the plots.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from kn_constructs.plan.engine import DAYS_PER_MONTH, FleetHours, ModelPlan, fleet_hours
from kn_constructs.plan.inputs import Prices, model_seed

__all__ = ["SCHEMA", "Report", "build_report", "render_html", "render_text", "to_json"]

#: The JSON document's ``schema`` value; a change that removes or renames a field bumps it.
SCHEMA: Final = "kn-constructs/plan/v1"
_MATPLOTLIB_INSTALL: Final = 'pip install "kn-constructs[plot]"'


@dataclass(frozen=True)
class Report:
    """Everything the outputs show.

    Attributes:
        plans: One per model.
        prices: The prices file as read.
        fleet: Fleet hours under the recommended policies, then under each policy for all models.
        seed: The seed of the run.
        source: The app or YAML path planned.
    """

    plans: tuple[ModelPlan, ...]
    prices: Prices
    fleet: tuple[FleetHours, ...]
    seed: int
    source: str


def build_report(
    plans: Sequence[ModelPlan], prices: Prices, *, budget: int | None, seed: int, source: str
) -> Report:
    """The fleet totals under the recommended policies and under each policy for every model."""
    fleet = [fleet_hours(plans, {p.model.name: p.recommended for p in plans}, "recommended", prices, budget)]
    if plans:
        for policy in plans[0].policies:
            fleet.append(
                fleet_hours(plans, {p.model.name: policy.name for p in plans}, policy.name, prices, budget)
            )
    return Report(tuple(plans), prices, tuple(fleet), seed, source)


def paste_annotations(plan: ModelPlan) -> dict[str, str]:
    """The annotations to paste for the recommended policy (``{}``: keep the Service as it is)."""
    name = plan.recommended
    outcome = plan.outcome(name)
    policy = plan.policy(outcome.same_as or name)
    return policy.annotations()


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def _rate(value: float) -> str:
    """A break-even rate per hour; infinite: scale to zero never costs more."""
    return "none (never costs more)" if math.isinf(value) else f"{value:.1f} requests/hour"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _hours(hours: Sequence[int]) -> str:
    if not hours:
        return "none"
    return ", ".join(f"{h:02d}:00" for h in hours)


# --------------------------------------------------------------------------- JSON


def _clean(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def to_json(report: Report) -> dict[str, Any]:
    """The plan as a JSON-ready dict (``docs/plan.md`` describes every field)."""
    prices = report.prices
    models = []
    for plan in report.plans:
        m = plan.model
        policies = []
        for o in plan.outcomes:
            cost = o.gpu_hours_per_day * plan.price_per_gpu_hour
            policies.append(
                {
                    "name": o.policy,
                    "same_as": o.same_as or None,
                    "annotations": plan.policy(o.policy).annotations()
                    if not plan.policy(o.policy).as_deployed
                    else None,
                    "requests_per_day": _clean(o.requests_per_day),
                    "cold_starts_per_day": _clean(o.cold_starts_per_day),
                    "first_request_p50_seconds": _clean(o.first_request_p50_seconds),
                    "first_request_p99_seconds": _clean(o.first_request_p99_seconds),
                    "first_request_failed_per_day": _clean(o.first_request_failed_per_day),
                    "rejected_per_day": _clean(o.rejected_per_day),
                    "latency_p50_seconds": _clean(o.latency_p50_seconds),
                    "latency_p99_seconds": _clean(o.latency_p99_seconds),
                    "gpu_hours_per_day": _clean(o.gpu_hours_per_day),
                    "cost_per_day": _clean(cost),
                    "cost_per_month": _clean(cost * DAYS_PER_MONTH),
                    "total_per_day": _clean(plan.total_per_day(o.policy)),
                    "zero_seconds_per_day": _clean(o.zero_seconds * 86400 / o.trace_seconds),
                    "pods_started": o.pods_started,
                }
            )
        models.append(
            {
                "name": m.name,
                "namespace": m.namespace,
                "gpu_class": m.gpu_class,
                "region": m.region,
                "seed": model_seed(report.seed, m.name),
                "gpus_per_pod": plan.gpus_per_pod,
                "price_per_gpu_hour": plan.price_per_gpu_hour,
                "startup": m.startup.describe() if m.startup is not None else None,
                "startup_mean_seconds": m.startup.mean_seconds if m.startup is not None else None,
                "startup_source": m.startup_source,
                "traffic": {
                    "kind": plan.traffic.kind,
                    "source": plan.traffic.source,
                    "requests_per_hour": _clean(plan.requests_per_hour),
                },
                "policies": policies,
                "break_even_requests_per_hour": {k: _clean(v) for k, v in plan.break_even_per_hour.items()},
                "extra_pod_seconds_per_cold_start": {
                    k: {"value": _clean(v), "measured": plan.measured[k]}
                    for k, v in plan.extra_pod_seconds.items()
                },
                "recommended": plan.recommended,
                "paste_annotations": paste_annotations(plan),
            }
        )
    fleet = []
    for f in report.fleet:
        pools = []
        for (gpu_class, region), peaks in f.by_pool.items():
            have = prices.inventory.get(region, {}).get(gpu_class) if prices.inventory else None
            if prices.inventory and have is None:
                have = 0
            pools.append(
                {
                    "gpu_class": gpu_class,
                    "region": region,
                    "peak_gpus_by_hour": list(peaks),
                    "inventory": have,
                    "over_inventory_hours": list(f.over_inventory.get((gpu_class, region), ())),
                }
            )
        fleet.append(
            {
                "policies": f.label,
                "peak_gpus": f.peak,
                "peak_gpus_by_hour": list(f.total),
                "gpu_budget": f.budget,
                "over_budget_hours": list(f.over_budget_hours),
                "pools": pools,
            }
        )
    return {
        "schema": SCHEMA,
        "source": report.source,
        "seed": report.seed,
        "currency": prices.currency,
        "example_prices": prices.example,
        "cold_start_cost": prices.cold_start_cost,
        "days_per_month": DAYS_PER_MONTH,
        "policies": [p.name for p in report.plans[0].policies] if report.plans else [],
        "models": models,
        "fleet": fleet,
    }


# --------------------------------------------------------------------------- text


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    for row in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return out


def render_text(report: Report) -> str:
    """The per-model tables, the break-even rates and recommendations, and the fleet totals."""
    prices = report.prices
    cur = prices.currency
    lines: list[str] = []
    if prices.example:
        lines.append("NOTE: the prices file says it holds EXAMPLE prices (example: true); use your own.")
        lines.append("")
    for plan in report.plans:
        m = plan.model
        startup = m.startup.describe() if m.startup is not None else "-"
        lines.append(
            f"{m.name}: {m.gpu_class} in {m.region}, {plan.gpus_per_pod} GPU/pod"
            f" at {plan.price_per_gpu_hour:g} {cur}/GPU-hour; startup {startup};"
            f" {plan.requests_per_hour:.1f} requests/hour ({plan.traffic.kind})"
        )
        rows = []
        for o in plan.outcomes:
            cost = o.gpu_hours_per_day * plan.price_per_gpu_hour
            mark = "*" if o.policy == plan.recommended else " "
            name = f"{mark} {o.policy}" + (f" (= {o.same_as})" if o.same_as else "")
            rows.append(
                [
                    name,
                    _num(o.cold_starts_per_day),
                    _seconds(o.first_request_p50_seconds),
                    _seconds(o.first_request_p99_seconds),
                    _num(o.rejected_per_day),
                    _num(o.gpu_hours_per_day, 2),
                    _num(cost, 2),
                    _num(cost * DAYS_PER_MONTH, 2),
                    _num(plan.total_per_day(o.policy), 2),
                ]
            )
        header = [
            "  policy",
            "cold starts/day",
            "first req p50",
            "first req p99",
            "failed/day",
            "GPU-h/day",
            f"{cur}/day",
            f"{cur}/month",
            f"{cur}/day incl. cold",
        ]
        lines.extend("  " + row for row in _table(rows, header))
        if plan.break_even_per_hour:
            parts = []
            for name, rate in plan.break_even_per_hour.items():
                how = "" if plan.measured[name] else " (no cold start: E = 0)"
                parts.append(f"{name} {_rate(rate)}{how}")
            lines.append("  break-even vs min-scale-1 (steady traffic): " + ", ".join(parts))
        annotations = paste_annotations(plan)
        lines.append(f"  recommended: {plan.recommended}")
        if annotations:
            lines.append("  paste into spec.template.metadata.annotations:")
            lines.extend(f'    {k}: "{v}"' for k, v in annotations.items())
        else:
            lines.append("  keep the Service's annotations as they are")
        lines.append("")
    lines.extend(_fleet_text(report))
    return "\n".join(lines) + "\n"


def _fleet_text(report: Report) -> list[str]:
    if not report.fleet:
        return []
    prices = report.prices
    rec = report.fleet[0]
    budget = f"budget {rec.budget}" if rec.budget is not None else "no GPU budget declared"
    lines = [f"Fleet: peak GPUs in use per hour under the recommended policies ({budget})"]
    header = ["pool", *(f"{h:02d}" for h in range(24)), "peak", "have"]
    rows = []
    for (gpu_class, region), peaks in rec.by_pool.items():
        have = prices.inventory.get(region, {}).get(gpu_class, 0) if prices.inventory else None
        rows.append(
            [
                f"{gpu_class}/{region}",
                *(str(p) for p in peaks),
                str(max(peaks)),
                "-" if have is None else str(have),
            ]
        )
    rows.append(
        ["total", *(str(p) for p in rec.total), str(rec.peak), "-" if rec.budget is None else str(rec.budget)]
    )
    lines.extend("  " + row for row in _table(rows, header))
    for f in report.fleet:
        fits = []
        if f.budget is not None:
            fits.append(f"over budget at {_hours(f.over_budget_hours)}")
        if prices.inventory:
            over = "; ".join(f"{c}/{r} at {_hours(h)}" for (c, r), h in f.over_inventory.items()) or "none"
            fits.append(f"over inventory: {over}")
        tail = f"; {'; '.join(fits)}" if fits else ""
        lines.append(f"  {f.label}: peak {f.peak} GPUs{tail}")
    return lines


# --------------------------------------------------------------------------- HTML

_POLICY_MARKERS: Final = ("o", "s", "^", "D", "v", "P", "X", "*")


def _svg(figure: Any) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _cost_plot(report: Report) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5))
    axes = figure.add_subplot()
    names = [p.name for p in report.plans[0].policies]
    for plan in report.plans:
        xs = [o.cold_starts_per_day for o in plan.outcomes]
        ys = [o.gpu_hours_per_day * plan.price_per_gpu_hour for o in plan.outcomes]
        axes.plot(xs, ys, color="#bbbbbb", linewidth=0.8, zorder=1)
        best = plan.outcome(plan.recommended)
        axes.annotate(
            plan.model.name,
            (best.cold_starts_per_day, best.gpu_hours_per_day * plan.price_per_gpu_hour),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    for i, name in enumerate(names):
        xs = [p.outcome(name).cold_starts_per_day for p in report.plans]
        ys = [p.outcome(name).gpu_hours_per_day * p.price_per_gpu_hour for p in report.plans]
        axes.scatter(xs, ys, marker=_POLICY_MARKERS[i % len(_POLICY_MARKERS)], label=name, zorder=2, s=30)
    axes.set_xscale("symlog", linthresh=1)
    axes.set_xlabel("cold starts per day")
    axes.set_ylabel(f"GPU cost per day ({report.prices.currency})")
    axes.set_title("Cost against cold starts, per model and policy")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _svg(figure)


def _fleet_plot(report: Report) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4))
    axes = figure.add_subplot()
    minutes = [m / 60 for m in range(1440)]
    for f in report.fleet:
        main = f.label == "recommended"
        axes.step(
            minutes,
            f.per_minute,
            where="post",
            label=f.label,
            linewidth=2.0 if main else 0.9,
            alpha=1.0 if main else 0.7,
        )
    budget = report.fleet[0].budget
    if budget is not None:
        axes.axhline(budget, color="#c44e52", linestyle="--", label=f"GPU budget {budget}")
    axes.set_xlim(0, 24)
    axes.set_xticks(range(0, 25, 3))
    axes.set_xlabel("hour of the day")
    axes.set_ylabel("GPUs in use (peak per minute)")
    axes.set_title("Fleet GPUs over the day")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _svg(figure)


_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.recommended td { background: #e8f4e8; font-weight: bold; }
.note { background: #fff4d6; padding: 0.5em 1em; border-left: 4px solid #e0a800; }
pre { background: #f4f4f4; padding: 0.5em 1em; }
svg { max-width: 100%; height: auto; }
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (inline SVG plots, no script)."""
    e = html.escape
    cur = e(report.prices.currency)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>kn-constructs plan: {e(report.source)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>kn-constructs plan: {e(report.source)}</h1>",
        f"<p>Seed {report.seed}; a month is {DAYS_PER_MONTH} days; a cold start is weighed at"
        f" {report.prices.cold_start_cost:g} {cur}.</p>",
    ]
    if report.prices.example:
        parts.append('<p class="note">The prices file says it holds <b>example</b> prices: use your own.</p>')
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parts.append(f'<p class="note">Plots need matplotlib: <code>{e(_MATPLOTLIB_INSTALL)}</code></p>')
    else:
        if report.plans:
            parts.append(f'<figure id="cost-plot">{_cost_plot(report)}</figure>')
            parts.append(f'<figure id="fleet-plot">{_fleet_plot(report)}</figure>')
    parts.append("<h2>Models</h2>")
    for plan in report.plans:
        m = plan.model
        startup = m.startup.describe() if m.startup is not None else "-"
        parts.append(f'<h3 id="model-{e(m.name)}">{e(m.name)}</h3>')
        parts.append(
            f"<p>{e(m.gpu_class)} in {e(m.region)}, {plan.gpus_per_pod} GPU per pod at"
            f" {plan.price_per_gpu_hour:g} {cur} per GPU-hour; startup {e(startup)};"
            f" {plan.requests_per_hour:.1f} requests per hour ({e(plan.traffic.kind)}).</p>"
        )
        parts.append(
            "<table><tr><th>policy</th><th>cold starts/day</th><th>first request p50</th>"
            "<th>first request p99</th><th>failed/day</th><th>GPU-hours/day</th>"
            f"<th>{cur}/day</th><th>{cur}/month</th><th>{cur}/day incl. cold starts</th></tr>"
        )
        for o in plan.outcomes:
            cost = o.gpu_hours_per_day * plan.price_per_gpu_hour
            cls = ' class="recommended"' if o.policy == plan.recommended else ""
            name = e(o.policy) + (f" (= {e(o.same_as)})" if o.same_as else "")
            cells = [
                _num(o.cold_starts_per_day),
                _seconds(o.first_request_p50_seconds),
                _seconds(o.first_request_p99_seconds),
                _num(o.rejected_per_day),
                _num(o.gpu_hours_per_day, 2),
                _num(cost, 2),
                _num(cost * DAYS_PER_MONTH, 2),
                _num(plan.total_per_day(o.policy), 2),
            ]
            parts.append(f"<tr{cls}><td>{name}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
        if plan.break_even_per_hour:
            items = ", ".join(
                f"{e(k)}: {_rate(v)}" + ("" if plan.measured[k] else " (no cold start: E = 0)")
                for k, v in plan.break_even_per_hour.items()
            )
            parts.append(f"<p>Break-even against min-scale-1 (steady traffic): {items}.</p>")
        annotations = paste_annotations(plan)
        parts.append(f"<p>Recommended: <b>{e(plan.recommended)}</b>.</p>")
        if annotations:
            block = "\n".join(f'{k}: "{v}"' for k, v in annotations.items())
            parts.append(f"<pre>{e(block)}</pre>")
    parts.append("<h2>Fleet</h2>")
    parts.append(f"<pre>{e(chr(10).join(_fleet_text(report)))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
