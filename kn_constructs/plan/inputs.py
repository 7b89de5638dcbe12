"""What ``kn-constructs plan`` reads: the fleet's models, their traffic, GPU prices and inventory.

* **Models**: every Knative Service (``serving.knative.dev/*``, ``kind: Service``) of a cdk8s app
  (run with ``CDK8S_OUTDIR`` pointing at a temporary folder) or of synthesized YAML, read with the
  linter's bounded reader (:func:`kn_constructs.lint.explain.load_path`). Its GPU class and region
  come from its node affinity, its pod startup from ``--startup``, else from the startup the
  library recorded when it derived the windows (the ``KN-AS-3`` line of
  ``kn-constructs.io/derivations``), else from the estimate of its cold-start phases.
* **Traffic** (:func:`read_traffic`): one CSV, columns ``model,kind,hour,value,service_seconds,
  service_spread_seconds``; ``kind`` is ``rate`` (requests per second all day), ``hourly``
  (requests in hour ``hour`` of the day) or ``trace`` (``value`` is a trace CSV).
* **Prices** (:func:`read_prices`): a YAML file with the price of a GPU-hour per class, and
  optionally the inventory (GPUs per region and class), the fleet's GPU budget and what one cold
  start costs you. The library ships no prices as fact.

Every reader checks strictly and reports one problem per mistake (code ``PLAN-INPUT``, path
``file:line.column``), all at once.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from kn_constructs.errors import Problem, raise_for_errors
from kn_constructs.gpus import COREWEAVE_CLASS_LABEL
from kn_constructs.knative import rules as kn
from kn_constructs.lint.source import BrokenDocument, InputError, iter_documents, read_input
from kn_constructs.sim.distributions import Distribution
from kn_constructs.sim.traces import Trace, piecewise_poisson, poisson, read_csv

__all__ = [
    "DAY_SECONDS",
    "PLAN_CODE",
    "REGION_LABEL",
    "Model",
    "Prices",
    "Traffic",
    "model_from_manifest",
    "read_prices",
    "read_traffic",
]

#: Problem code of a plan input that cannot be used.
PLAN_CODE: Final = "PLAN-INPUT"
#: Seconds in the planned day.
DAY_SECONDS: Final = 86400
#: The node label holding the region (``GpuPlacement``'s default, Kubernetes' well-known label).
REGION_LABEL: Final = "topology.kubernetes.io/region"
#: Columns of the traffic CSV, in order.
TRAFFIC_COLUMNS: Final = ("model", "kind", "hour", "value", "service_seconds", "service_spread_seconds")
TrafficKind = Literal["rate", "hourly", "trace"]
_KINDS: Final = ("rate", "hourly", "trace")
_MAX_PROBLEMS: Final = 50
_DNS1035: Final = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Model:
    """One Knative Service of the fleet, as the planner uses it.

    Attributes:
        name: ``metadata.name``.
        namespace: ``metadata.namespace`` (``""`` when absent).
        manifest: The Service document as read.
        gpu_class: The GPU class its pods most prefer (highest-weight preferred term of the class
            label, else the first required value; ``"unknown"`` when the manifest names none).
        region: Its region, the same way (``"any"`` when the manifest names none).
        startup: Pod startup distribution (``None`` when nothing says it).
        startup_source: Where the startup came from, in words.
    """

    name: str
    namespace: str
    manifest: Mapping[str, Any]
    gpu_class: str
    region: str
    startup: Distribution | None
    startup_source: str


def _terms(affinity: Mapping[str, Any], label: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    node = (affinity or {}).get("nodeAffinity") or {}
    required: list[str] = []
    for term in (
        (node.get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms")
    ) or []:
        for expr in (term or {}).get("matchExpressions") or []:
            if expr.get("key") == label and expr.get("operator") == "In":
                required.extend(str(v) for v in expr.get("values") or [])
    preferred: list[tuple[int, list[str]]] = []
    for pref in node.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        weight = int((pref or {}).get("weight") or 0)
        for expr in ((pref or {}).get("preference") or {}).get("matchExpressions") or []:
            if expr.get("key") == label and expr.get("operator") == "In":
                preferred.append((weight, [str(v) for v in expr.get("values") or []]))
    return required, preferred


def _placement_value(spec: Mapping[str, Any], label: str, default: str) -> str:
    selector = spec.get("nodeSelector") or {}
    if label in selector:
        return str(selector[label])
    required, preferred = _terms(spec.get("affinity") or {}, label)
    allowed = set(required)
    for _, values in sorted(preferred, key=lambda item: -item[0]):
        for value in values:
            if not allowed or value in allowed:
                return value
    return required[0] if required else default


_STARTUP_LINE: Final = re.compile(r"\[KN-AS-3\][^\n]*?; from (?P<inputs>[^\n]*)")


def _recorded_startup(annotations: Mapping[str, Any]) -> Distribution | None:
    """The startup the library recorded in ``kn-constructs.io/derivations`` (KN-AS-3 line)."""
    text = annotations.get("kn-constructs.io/derivations")
    if not isinstance(text, str):
        return None
    match = _STARTUP_LINE.search(text)
    if match is None:
        return None
    values: dict[str, float] = {}
    for part in match.group("inputs").split(","):
        key, _, raw = part.strip().partition("=")
        try:
            values[key] = float(raw)
        except ValueError:
            continue
    mean = values.get("mean_seconds")
    if mean is None or not math.isfinite(mean) or mean <= 0:
        return None
    spread = values.get("spread_seconds")
    if spread is not None and math.isfinite(spread) and spread > 0:
        return Distribution.lognormal(mean, spread)
    p95 = values.get("p95_seconds")
    if p95 is not None and math.isfinite(p95) and p95 > mean:
        return Distribution.from_percentiles(mean_seconds=mean, p95_seconds=p95)
    return Distribution.fixed(mean)


def _estimated_startup(manifest: Mapping[str, Any]) -> tuple[Distribution | None, str]:
    """The cold-start phases' estimate from what the manifest says (:mod:`kn_constructs.coldstart`)."""
    from kn_constructs.coldstart import model_for_manifest
    from kn_constructs.errors import ValidationError

    try:
        estimate = model_for_manifest(manifest).estimate()
    except (ValidationError, TypeError, ValueError):
        return None, "none"
    distribution = estimate.distribution()
    if distribution.problems():
        return None, "none"
    return distribution, "estimated from the manifest's cold-start phases (kn_constructs.coldstart; defaults)"


def model_from_manifest(manifest: Mapping[str, Any], startup: Distribution | None = None) -> Model:
    """The :class:`Model` of one Knative Service document.

    Args:
        manifest: The Service (``kind: Service``, ``apiVersion: serving.knative.dev/v1``).
        startup: The pod startup; default: the one the library recorded in the manifest, else
            the estimate of its cold-start phases (:func:`kn_constructs.coldstart.model_for_manifest`:
            weight source, GPU class and region from the manifest, documented defaults for the rest).
    """
    meta = manifest.get("metadata") or {}
    template = (manifest.get("spec") or {}).get("template") or {}
    spec = template.get("spec") or {}
    source = "--startup"
    if startup is None:
        startup = _recorded_startup(meta.get("annotations") or {})
        source = "recorded by AutoscalerProfile.from_startup (kn-constructs.io/derivations)"
    if startup is None:
        startup, source = _estimated_startup(manifest)
    return Model(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or ""),
        manifest=manifest,
        gpu_class=_placement_value(spec, COREWEAVE_CLASS_LABEL, "unknown"),
        region=_placement_value(spec, REGION_LABEL, "any"),
        startup=startup,
        startup_source=source,
    )


def is_knative_service(doc: object) -> bool:
    """Whether a document is a Knative Service."""
    return (
        isinstance(doc, Mapping)
        and doc.get("kind") == "Service"
        and str(doc.get("apiVersion", "")).startswith("serving.knative.dev/")
    )


# --------------------------------------------------------------------------- traffic


@dataclass(frozen=True)
class Traffic:
    """One model's traffic for the planned day.

    Attributes:
        model: The model (Knative Service name).
        kind: ``rate``, ``hourly`` or ``trace``.
        hourly_requests: ``hourly``: requests in each hour of the day (24 values); ``rate``: the
            rate x 3600 in each; ``trace``: empty.
        service_mean_seconds: Mean service time (``rate``, ``hourly``).
        service_spread_seconds: Its standard deviation (0: fixed).
        trace_path: ``trace``: the trace CSV.
        source: ``file:line`` of the row(s) that gave it.
    """

    model: str
    kind: TrafficKind
    hourly_requests: tuple[float, ...] = ()
    service_mean_seconds: float = 0.0
    service_spread_seconds: float = 0.0
    trace_path: str = ""
    source: str = ""

    @property
    def requests_per_day(self) -> float:
        """Expected requests per day (``rate``, ``hourly``)."""
        return math.fsum(self.hourly_requests)

    def build(self, seed: int) -> Trace:
        """The trace: Poisson arrivals at the hourly rates (seeded), or the trace file.

        A trace file covers whole hours: its length is its last arrival rounded up to the hour
        (at least one hour).
        """
        if self.kind == "trace":
            trace = read_csv(self.trace_path, name=self.model)
            last = trace.arrival_seconds[-1] if len(trace) else 0.0
            hours = max(1, math.ceil(last / 3600)) if last % 3600 or last == 0 else int(last // 3600) + 1
            trace.duration_seconds = float(hours * 3600)
            return trace
        service: Distribution | float = (
            Distribution.lognormal(self.service_mean_seconds, self.service_spread_seconds)
            if self.service_spread_seconds > 0
            else self.service_mean_seconds
        )
        rates = self.hourly_requests
        if self.kind == "rate":
            return poisson(rates[0] / 3600, DAY_SECONDS, service=service, seed=seed, name=self.model)
        segments = [(h * 3600.0, r / 3600) for h, r in enumerate(rates)]
        return piecewise_poisson(segments, DAY_SECONDS, service=service, seed=seed, name=self.model)


def model_seed(seed: int, model: str) -> int:
    """The seed of one model's trace and startups: ``crc32("<seed>:<model>")``.

    Each model gets its own stream (models with the same rate do not get the same arrivals),
    and the same ``--seed`` repeats every model exactly.
    """
    return zlib.crc32(f"{seed}:{model}".encode())


def _number(
    text: str, path: str, found: list[Problem], *, low: float, what: str, strict_low: bool = False
) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < low or (strict_low and value == low):
        found.append(Problem(PLAN_CODE, path, f"not {what}: {text!r}", value=text, allowed=what))
        return None
    return value


def read_traffic(path: str | Path, *, max_bytes: int = 64 * 1024 * 1024) -> dict[str, Traffic]:
    """Read the traffic CSV (see the module docs); one :class:`Traffic` per model.

    Rules: the header is exactly :data:`TRAFFIC_COLUMNS` (extra columns after them are
    refused too: a typo'd column would be ignored silently); ``model`` a DNS-1035 name; ``kind``
    one of ``rate``, ``hourly``, ``trace``; one kind per model; ``rate``: one row, ``value``
    requests per second >= 0, ``hour`` empty; ``hourly``: ``hour`` 0..23 once each (hours not
    given have no traffic), ``value`` requests in that hour >= 0; ``rate`` and ``hourly`` need
    ``service_seconds`` > 0 (``service_spread_seconds`` >= 0, default 0: fixed); ``trace``: one
    row, ``value`` the trace CSV's path (relative to the traffic file), no service columns.
    ``#`` starts a comment line; blank lines are skipped.

    Raises:
        ValidationError: Every bad row, each at ``file:line.column`` (code ``PLAN-INPUT``).
    """
    file = Path(path)
    label = str(path)
    try:
        text = read_input(file, max_bytes=max_bytes)
    except InputError as error:
        raise_for_errors([Problem(PLAN_CODE, label, str(error), allowed="a readable CSV file")])
        raise AssertionError("unreachable") from error  # pragma: no cover
    found: list[Problem] = []
    rows = [
        (n, row)
        for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise_for_errors(
            [Problem(PLAN_CODE, label, "no header and no rows", allowed=",".join(TRAFFIC_COLUMNS))]
        )
    header_line, header = rows[0]
    names = [c.strip() for c in header]
    if names != list(TRAFFIC_COLUMNS):
        raise_for_errors(
            [
                Problem(
                    PLAN_CODE,
                    f"{label}:{header_line}",
                    "the header is not the traffic CSV's",
                    value=",".join(names),
                    allowed=",".join(TRAFFIC_COLUMNS),
                    hint="columns: model,kind,hour,value,service_seconds,service_spread_seconds",
                )
            ],
            subject=f"traffic {label!r}",
        )
    kinds: dict[str, tuple[str, int]] = {}
    hourly: dict[str, list[float]] = {}
    hours_seen: dict[str, set[int]] = {}
    service: dict[str, tuple[float, float]] = {}
    traces: dict[str, str] = {}
    sources: dict[str, list[int]] = {}
    for line, raw in rows[1:]:
        if len(found) >= _MAX_PROBLEMS:
            break
        where = f"{label}:{line}"
        if len(raw) != len(TRAFFIC_COLUMNS):
            found.append(
                Problem(PLAN_CODE, where, f"{len(raw)} columns", value=raw, allowed=f"{len(TRAFFIC_COLUMNS)}")
            )
            continue
        model, kind, hour_text, value_text, svc_text, spread_text = (c.strip() for c in raw)
        before = len(found)
        if not _DNS1035.fullmatch(model) or len(model) > 63:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{where}.model",
                    f"not a Knative Service name: {model!r}",
                    value=model,
                    allowed="a DNS-1035 label (lower-case letters, digits, '-'; at most 63)",
                )
            )
        if kind not in _KINDS:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{where}.kind",
                    f"unknown kind {kind!r}",
                    value=kind,
                    allowed="rate, hourly, trace",
                )
            )
        if len(found) > before:
            continue
        first = kinds.setdefault(model, (kind, line))
        if first[0] != kind:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{where}.kind",
                    f"model {model!r} already has {first[0]!r} traffic (line {first[1]})",
                    value=kind,
                    allowed=first[0],
                    hint="give each model one kind of traffic",
                )
            )
            continue
        sources.setdefault(model, []).append(line)
        if kind == "trace":
            for col, cell in (
                ("hour", hour_text),
                ("service_seconds", svc_text),
                ("service_spread_seconds", spread_text),
            ):
                if cell:
                    found.append(
                        Problem(
                            PLAN_CODE,
                            f"{where}.{col}",
                            f"a trace row takes no {col}",
                            value=cell,
                            allowed="empty",
                        )
                    )
            if model in traces:
                found.append(
                    Problem(PLAN_CODE, f"{where}.model", f"a second trace row for {model!r}", value=model)
                )
            elif not value_text:
                found.append(Problem(PLAN_CODE, f"{where}.value", "no trace file", allowed="a CSV path"))
            else:
                target = Path(value_text)
                if not target.is_absolute():
                    target = file.parent / target
                if not target.is_file():
                    found.append(
                        Problem(
                            PLAN_CODE, f"{where}.value", f"no such trace file: {target}", value=value_text
                        )
                    )
                traces[model] = str(target)
            continue
        svc = _number(
            svc_text, f"{where}.service_seconds", found, low=0.0, what="seconds > 0", strict_low=True
        )
        spread = 0.0
        if spread_text:
            spread_value = _number(
                spread_text, f"{where}.service_spread_seconds", found, low=0.0, what="seconds >= 0"
            )
            spread = spread_value if spread_value is not None else 0.0
        if svc is not None:
            known = service.setdefault(model, (svc, spread))
            if known != (svc, spread):
                found.append(
                    Problem(
                        PLAN_CODE,
                        f"{where}.service_seconds",
                        f"model {model!r} has another service time on line {sources[model][0]}",
                        value=f"{svc_text},{spread_text}",
                        allowed=f"{known[0]},{known[1]}",
                    )
                )
        if kind == "rate":
            if hour_text:
                found.append(
                    Problem(
                        PLAN_CODE,
                        f"{where}.hour",
                        "a rate row holds all day: no hour",
                        value=hour_text,
                        allowed="empty",
                    )
                )
            rate = _number(value_text, f"{where}.value", found, low=0.0, what="requests per second >= 0")
            if model in hourly:
                found.append(
                    Problem(PLAN_CODE, f"{where}.model", f"a second rate row for {model!r}", value=model)
                )
            elif rate is not None:
                hourly[model] = [rate * 3600] * 24
            continue
        hour = None
        if not re.fullmatch(r"\d{1,2}", hour_text) or int(hour_text) > 23:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{where}.hour",
                    f"not an hour of the day: {hour_text!r}",
                    value=hour_text,
                    allowed="0..23",
                )
            )
        else:
            hour = int(hour_text)
            if hour in hours_seen.setdefault(model, set()):
                found.append(
                    Problem(
                        PLAN_CODE, f"{where}.hour", f"hour {hour} of {model!r} given twice", value=hour_text
                    )
                )
                hour = None
        count = _number(value_text, f"{where}.value", found, low=0.0, what="requests in the hour >= 0")
        if hour is not None and count is not None:
            hours_seen[model].add(hour)
            hourly.setdefault(model, [0.0] * 24)[hour] = count
    if len(found) >= _MAX_PROBLEMS:
        found.append(Problem(PLAN_CODE, label, f"stopped after {_MAX_PROBLEMS} problems"))
    raise_for_errors(found, subject=f"traffic {label!r}")
    out: dict[str, Traffic] = {}
    for model, (kind, _) in kinds.items():
        where = ",".join(str(n) for n in sources.get(model, []))
        src = f"{label}:{where}"
        if kind == "trace":
            out[model] = Traffic(model, "trace", trace_path=traces[model], source=src)
        else:
            mean, spread = service[model]
            out[model] = Traffic(
                model,
                "rate" if kind == "rate" else "hourly",
                hourly_requests=tuple(hourly[model]),
                service_mean_seconds=mean,
                service_spread_seconds=spread,
                source=src,
            )
    return out


# --------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Prices:
    """GPU prices and what the fleet may use.

    Attributes:
        currency: A label for money (``USD``); the planner does no conversion.
        per_gpu_hour: Price of one GPU-hour per GPU class.
        inventory: GPUs available per region and class (empty: not declared).
        gpu_budget: The most GPUs the whole fleet may hold at once (``None``: not declared).
        cold_start_cost: What one cold start costs you, in ``currency`` (default 0): a user
            kept waiting, a request retried. The recommendation weighs it against GPU time.
        example: The file says it holds example prices (``example: true``).
    """

    currency: str
    per_gpu_hour: Mapping[str, float]
    inventory: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    gpu_budget: int | None = None
    cold_start_cost: float = 0.0
    example: bool = False


_PRICE_KEYS: Final = ("currency", "example", "per_gpu_hour", "inventory", "gpu_budget", "cold_start_cost")


def _yaml_line(doc: Any, path: str) -> int:
    try:
        return int(doc.line_of(path))
    except (KeyError, IndexError, ValueError):  # pragma: no cover - line_of falls back to a parent
        return int(doc.line)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_prices(path: str | Path) -> Prices:
    """Read the prices YAML.

    Keys: ``per_gpu_hour`` (class: price > 0), and optionally ``currency``, ``inventory``
    (region: class: GPUs), ``gpu_budget`` (GPUs), ``cold_start_cost`` (>= 0) and ``example``
    (true for example figures). Unknown keys are refused (a typo would be ignored).

    Raises:
        ValidationError: Every problem, each at ``file:line.key`` (code ``PLAN-INPUT``).
    """
    label = str(path)
    try:
        text = read_input(Path(path), max_bytes=1024 * 1024)
    except InputError as error:
        raise_for_errors([Problem(PLAN_CODE, label, str(error), allowed="a readable YAML file")])
        raise AssertionError("unreachable") from error  # pragma: no cover
    docs = list(iter_documents(text))
    broken = [d for d in docs if isinstance(d, BrokenDocument)]
    if broken:
        raise_for_errors(
            [Problem(PLAN_CODE, f"{label}:{d.line}", f"YAML does not parse: {d.message}") for d in broken],
            subject=f"prices {label!r}",
        )
    real = [d for d in docs if not isinstance(d, BrokenDocument) and d.data is not None]
    if len(real) != 1 or not isinstance(real[0].data, Mapping):
        raise_for_errors(
            [Problem(PLAN_CODE, label, "expected one YAML mapping", allowed="per_gpu_hour: {CLASS: price}")],
            subject=f"prices {label!r}",
        )
    doc = real[0]
    data: Mapping[str, Any] = doc.data
    found: list[Problem] = []

    def at(key: str) -> str:
        return f"{label}:{_yaml_line(doc, key)}.{key}"

    for issue in doc.issues:
        if issue.severity == "error":
            found.append(Problem(PLAN_CODE, f"{label}:{issue.line + 1}", issue.message))
    for key in data:
        if key not in _PRICE_KEYS:
            found.append(
                Problem(
                    PLAN_CODE, at(str(key)), f"unknown key {key!r}", value=key, allowed=", ".join(_PRICE_KEYS)
                )
            )
    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not currency.strip():
        found.append(
            Problem(PLAN_CODE, at("currency"), "not a currency label", value=currency, allowed="a string")
        )
        currency = "USD"
    example = data.get("example", False)
    if not isinstance(example, bool):
        found.append(
            Problem(PLAN_CODE, at("example"), "not a boolean", value=example, allowed="true or false")
        )
        example = False
    prices: dict[str, float] = {}
    raw_prices = data.get("per_gpu_hour")
    if not isinstance(raw_prices, Mapping) or not raw_prices:
        found.append(
            Problem(
                PLAN_CODE,
                at("per_gpu_hour") if "per_gpu_hour" in data else f"{label}:{doc.line}.per_gpu_hour",
                "no GPU prices",
                value=raw_prices,
                allowed="a mapping of GPU class to the price of one GPU-hour",
            )
        )
    else:
        for name, price in raw_prices.items():
            if not _finite(price) or price <= 0:
                found.append(
                    Problem(
                        PLAN_CODE,
                        at(f"per_gpu_hour.{name}"),
                        f"not a price: {price!r}",
                        value=price,
                        allowed="a finite number > 0 per GPU-hour",
                    )
                )
            else:
                prices[str(name)] = float(price)
    inventory: dict[str, dict[str, int]] = {}
    raw_inv = data.get("inventory", {})
    if not isinstance(raw_inv, Mapping):
        found.append(
            Problem(
                PLAN_CODE, at("inventory"), "not a mapping", value=raw_inv, allowed="REGION: {CLASS: GPUs}"
            )
        )
    else:
        for region, classes in raw_inv.items():
            if not isinstance(classes, Mapping):
                found.append(
                    Problem(
                        PLAN_CODE,
                        at(f"inventory.{region}"),
                        "not a mapping",
                        value=classes,
                        allowed="CLASS: GPUs",
                    )
                )
                continue
            for name, count in classes.items():
                if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                    found.append(
                        Problem(
                            PLAN_CODE,
                            at(f"inventory.{region}.{name}"),
                            f"not a GPU count: {count!r}",
                            value=count,
                            allowed="a whole number >= 0",
                        )
                    )
                else:
                    inventory.setdefault(str(region), {})[str(name)] = count
    budget = data.get("gpu_budget")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
        found.append(
            Problem(
                PLAN_CODE, at("gpu_budget"), "not a GPU count", value=budget, allowed="a whole number >= 1"
            )
        )
        budget = None
    cold = data.get("cold_start_cost", 0.0)
    if not _finite(cold) or cold < 0:
        found.append(
            Problem(
                PLAN_CODE, at("cold_start_cost"), "not a cost", value=cold, allowed="a finite number >= 0"
            )
        )
        cold = 0.0
    raise_for_errors(found, subject=f"prices {label!r}")
    return Prices(
        currency=currency,
        per_gpu_hour=prices,
        inventory=inventory,
        gpu_budget=budget,
        cold_start_cost=float(cold),
        example=example,
    )


def price_problems(models: Sequence[Model], prices: Prices, *, label: str) -> list[Problem]:
    """One problem per model whose GPU class has no price."""
    return [
        Problem(
            PLAN_CODE,
            f"{m.name}.gpu_class",
            f"no price for GPU class {m.gpu_class!r} in {label}",
            value=m.gpu_class,
            allowed=", ".join(sorted(prices.per_gpu_hour)) or "(none)",
            hint=f"add per_gpu_hour: {{{m.gpu_class}: PRICE}}",
        )
        for m in models
        if m.gpu_class not in prices.per_gpu_hour
    ]


#: Annotation keys a policy sets (kept here so inputs and policies agree).
POLICY_KEYS: Final = (kn.ANN_MIN_SCALE, kn.ANN_SCALE_TO_ZERO_POD_RETENTION, kn.ANN_SCALE_DOWN_DELAY)


def parse_startups(items: Sequence[str]) -> tuple[dict[str, Distribution], list[Problem]]:
    """``MODEL=MEAN`` or ``MODEL=MEAN:SPREAD`` (seconds; log-normal with a spread) per item."""
    out: dict[str, Distribution] = {}
    found: list[Problem] = []
    for i, item in enumerate(items):
        path = f"--startup[{i}]"
        name, sep, rest = item.partition("=")
        mean_text, _, spread_text = rest.partition(":")
        try:
            mean = float(mean_text)
            spread = float(spread_text) if spread_text else 0.0
        except ValueError:
            mean = spread = math.nan
        if (
            not sep
            or not name
            or not (math.isfinite(mean) and mean > 0)
            or not (math.isfinite(spread) and spread >= 0)
        ):
            found.append(
                Problem(
                    PLAN_CODE,
                    path,
                    f"not a startup: {item!r}",
                    value=item,
                    allowed="MODEL=MEAN or MODEL=MEAN:SPREAD, seconds, mean > 0, spread >= 0",
                )
            )
            continue
        out[name] = Distribution.lognormal(mean, spread) if spread > 0 else Distribution.fixed(mean)
    return out, found


def load_models(path: Path, startups: Mapping[str, Distribution] | None = None) -> list[Model]:
    """Every Knative Service of a cdk8s app or of synthesized YAML.

    An app is a folder with ``cdk8s.yaml`` or a ``.py`` file; YAML is a file or a folder, read
    with the linter's bounded reader.

    Raises:
        ValidationError: Files that cannot be read, no Knative Service, two with one name,
            ``--startup`` for an unknown model, a model with no startup (code ``PLAN-INPUT``).
        kn_constructs.lint.explain.AppError: The app failed.
    """
    from kn_constructs.lint.explain import load_path

    given = dict(startups or {})
    label = str(path)
    if not path.exists():
        raise_for_errors([Problem(PLAN_CODE, label, "no such file or folder")], subject="plan")
    documents, errors = load_path(path)
    found = [Problem(PLAN_CODE, label, message) for message in errors]
    models: list[Model] = []
    seen: set[str] = set()
    for source, doc in documents:
        if not is_knative_service(doc):
            continue
        model = model_from_manifest(doc, given.get(str((doc.get("metadata") or {}).get("name") or "")))
        if not model.name or model.name in seen:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{source}.metadata.name",
                    f"Knative Service name {model.name!r} missing or repeated",
                )
            )
            continue
        seen.add(model.name)
        if model.startup is None:
            found.append(
                Problem(
                    PLAN_CODE,
                    f"{model.name}.startup",
                    "no pod startup: the manifest records none (KN-AS-2: measure it)",
                    allowed="--startup MODEL=MEAN[:SPREAD]",
                    hint=f"pass --startup {model.name}=SECONDS, or use AutoscalerProfile.from_startup",
                )
            )
        models.append(model)
    for name in sorted(set(given) - seen):
        found.append(
            Problem(PLAN_CODE, f"--startup.{name}", f"no Knative Service named {name!r}", value=name)
        )
    if not models and not found:
        found.append(
            Problem(PLAN_CODE, label, "no Knative Service (serving.knative.dev/v1, kind: Service) found")
        )
    raise_for_errors(found, subject="plan")
    return models
