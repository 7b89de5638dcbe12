"""``kn-constructs plan``: the example fleet's table against the single-model simulator, the JSON,
bad input (exit 2, nothing written), and the HTML report in a real headless Chromium."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kn_constructs.cli import main
from kn_constructs.plan.inputs import load_models, model_seed, parse_startups, read_traffic
from kn_constructs.plan.policies import DEFAULT_POLICIES
from kn_constructs.plan.report import SCHEMA
from tests.plan.helpers import figures_by_hand, service, write_yaml

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "fleet"
CHROMIUM = "/usr/bin/chromium"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plan", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The command of the issue, run once: its printed table and its HTML report."""
    html = tmp_path_factory.mktemp("plan") / "report.html"
    code, out, err = run(
        str(EXAMPLE),
        "--traffic",
        str(EXAMPLE / "traffic.csv"),
        "--prices",
        str(EXAMPLE / "prices.yaml"),
        "--html",
        str(html),
    )
    assert code == 0, err
    return out, html


def table_rows(text: str) -> dict[tuple[str, str], list[str]]:
    """``(model, policy) -> cells`` from the printed per-model tables."""
    rows: dict[tuple[str, str], list[str]] = {}
    model = ""
    for line in text.splitlines():
        head = re.match(r"^(\S+): ", line)
        if head:
            model = head.group(1)
            continue
        cells = re.split(r"\s{2,}", line.strip())
        if model and len(cells) == 9 and cells[0] != "policy":
            name = cells[0].lstrip("* ").split(" (=")[0]
            rows[(model, name)] = cells
    return rows


@pytest.mark.slow
def test_the_example_table_matches_runs_of_the_single_model_simulator(example: tuple[str, Path]) -> None:
    out, html = example
    rows = table_rows(out)
    models = load_models(EXAMPLE)
    traffic = read_traffic(EXAMPLE / "traffic.csv")
    assert {m for m, _ in rows} == {"chat", "embed", "rare"}
    assert f"HTML report: {html}" in out
    for model in models:
        seed = model_seed(0, model.name)
        trace = traffic[model.name].build(seed)
        for policy in DEFAULT_POLICIES:
            cells = rows[(model.name, policy.name)]
            same = re.search(r"\(= (\S+)\)", cells[0])
            if same:  # a policy that leaves the Service as another one does shares its run
                assert (
                    policy.apply(model.manifest)
                    == next(p for p in DEFAULT_POLICIES if p.name == same.group(1)).apply(model.manifest)
                    or policy.as_deployed
                )
                assert cells[1:] == rows[(model.name, same.group(1))][1:]
                continue
            hand = figures_by_hand(trace, policy.apply(model.manifest), model.startup, seed)
            assert cells[1] == f"{hand['cold_starts_per_day']:.1f}", (model.name, policy.name)
            for column, key in ((2, "first_request_p50_seconds"), (3, "first_request_p99_seconds")):
                value = hand[key]
                assert cells[column] == ("-" if value is None else f"{value:.1f} s"), (
                    model.name,
                    policy.name,
                    key,
                )
            assert cells[4] == f"{hand['rejected_per_day']:.1f}"
            gpu_hours = hand["gpu_hours_per_day"]
            assert gpu_hours is not None
            assert cells[5] == f"{gpu_hours:.2f}"
            assert cells[6] == f"{gpu_hours * 2.5:.2f}"  # the example's A100_PCIE_80GB price
            assert cells[7] == f"{gpu_hours * 2.5 * 30:.2f}"
    # every model gets a recommendation, and the lines to paste or "keep"
    recommended = re.findall(r"^  recommended: (\S+)$", out, flags=re.MULTILINE)
    assert len(recommended) == 3 and set(recommended) <= {p.name for p in DEFAULT_POLICIES}
    assert "Fleet: peak GPUs in use per hour under the recommended policies (budget 16)" in out


@pytest.mark.slow
def test_the_html_report_opens_in_headless_chromium_without_errors(
    example: tuple[str, Path], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs chromium")
        pytest.skip(f"{CHROMIUM} is not installed here (Debian package chromium)")
    _, html = example
    text = html.read_text(encoding="utf-8")
    assert text.count("<svg") >= 2  # both plots are inline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing fetched from outside
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            html.as_uri(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        dom, log = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, log[-2000:]
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    assert "<h1>kn-constructs plan:" in dom
    assert dom.count("<svg") >= 2
    for name in ("chat", "embed", "rare"):
        assert f'id="model-{name}"' in dom


def small_fleet(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two models with three-hour traces (scaled to a day: x 8): a rare one and a busy hour."""
    fleet = tmp_path / "fleet.yaml"
    write_yaml(fleet, [service("a"), service("b", min_scale=1, gpus=2)])
    (tmp_path / "a.csv").write_text(
        "arrival_seconds,service_seconds\n" + "".join(f"{600 + 1500 * k},2\n" for k in range(7)),
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        "arrival_seconds,service_seconds\n" + "".join(f"{3600 + 7.5 * k},3\n" for k in range(480)),
        encoding="utf-8",
    )
    traffic = tmp_path / "traffic.csv"
    traffic.write_text(
        "model,kind,hour,value,service_seconds,service_spread_seconds\na,trace,,a.csv,,\nb,trace,,b.csv,,\n",
        encoding="utf-8",
    )
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "per_gpu_hour: {A40: 1.2}\ninventory: {LGA1: {A40: 2}}\ngpu_budget: 2\ncold_start_cost: 0.01\n",
        encoding="utf-8",
    )
    return fleet, traffic, prices


def test_the_json_figures_match_runs_of_the_single_model_simulator(tmp_path: Path) -> None:
    fleet, traffic_path, prices = small_fleet(tmp_path)
    code, out, err = run(
        str(fleet),
        "--traffic",
        str(traffic_path),
        "--prices",
        str(prices),
        "--json",
        "--no-html",
        "--startup",
        "a=20",
        "--startup",
        "b=10:2",
        "--policies",
        "scale-to-zero,min-scale-1",
        "--jobs",
        "1",
    )
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    assert doc["schema"] == SCHEMA
    assert [m["name"] for m in doc["models"]] == ["a", "b"]
    models = {m.name: m for m in load_models(fleet, parse_startups(["a=20", "b=10:2"])[0])}
    traffic = read_traffic(traffic_path)
    for entry in doc["models"]:
        model = models[entry["name"]]
        assert entry["seed"] == model_seed(0, model.name)
        trace = traffic[model.name].build(entry["seed"])
        # a trace covers whole hours: a's last request at 9600 s makes 3 hours, b's at 7192.5 s 2 hours
        assert trace.duration_seconds == {"a": 3 * 3600, "b": 2 * 3600}[model.name]
        for policy_doc in entry["policies"]:
            policy = next(p for p in DEFAULT_POLICIES if p.name == policy_doc["name"])
            hand = figures_by_hand(trace, policy.apply(model.manifest), model.startup, entry["seed"])
            for key, value in hand.items():
                assert policy_doc[key] == pytest.approx(value, abs=1e-6), (model.name, policy.name, key)
            gpu_hours = hand["gpu_hours_per_day"]
            assert gpu_hours is not None
            assert policy_doc["cost_per_day"] == pytest.approx(gpu_hours * 1.2)
    b = doc["models"][1]
    assert b["gpus_per_pod"] == 2
    # b holds 2 GPUs per pod: min-scale 1 is 48 GPU-hours a day
    assert b["policies"][1]["gpu_hours_per_day"] == pytest.approx(48.0)
    # a: 7 requests in 3 hours, 25 minutes apart, each a cold start: 56 a day (x 8)
    assert doc["models"][0]["policies"][0]["cold_starts_per_day"] == 56
    recommended = doc["fleet"][0]
    assert recommended["policies"] == "recommended" and recommended["gpu_budget"] == 2
    # min-scale 1 on both: a's pod and b's 2 GPUs pass the budget of 2 and the inventory of 2, all day
    every_min_1 = next(f for f in doc["fleet"] if f["policies"] == "min-scale-1")
    assert every_min_1["peak_gpus_by_hour"] == [3] * 24
    assert every_min_1["over_budget_hours"] == list(range(24))
    assert every_min_1["pools"][0]["over_inventory_hours"] == list(range(24))


def test_bad_input_exits_2_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    fleet, traffic_path, prices = small_fleet(tmp_path)
    traffic_path.write_text(
        "model,kind,hour,value,service_seconds,service_spread_seconds\na,rate,,-3,2,\nb,hourly,30,1,1,\n",
        encoding="utf-8",
    )
    prices.write_text("per_gpu_hour: {A40: 0}\n", encoding="utf-8")
    html = tmp_path / "report.html"
    code, out, err = run(
        str(fleet), "--traffic", str(traffic_path), "--prices", str(prices), "--html", str(html)
    )
    assert code == 2
    assert out == ""
    assert not html.exists()
    assert f"{traffic_path}:2.value" in err and f"{traffic_path}:3.hour" in err
    assert f"{prices}:1.per_gpu_hour.A40" in err


def test_a_model_without_traffic_or_price_is_refused(tmp_path: Path) -> None:
    fleet, traffic_path, prices = small_fleet(tmp_path)
    write_yaml(fleet, [service("a"), service("b"), service("c", gpu_class="H100")])
    code, out, err = run(
        str(fleet),
        "--traffic",
        str(traffic_path),
        "--prices",
        str(prices),
        "--no-html",
        "--startup",
        "a=5",
        "--startup",
        "b=5",
        "--startup",
        "c=5",
    )
    assert code == 2 and out == ""
    assert "no traffic for model 'c'" in err
    assert "no price for GPU class 'H100'" in err


def test_the_progress_bar_goes_to_stderr_only(tmp_path: Path) -> None:
    fleet, traffic_path, prices = small_fleet(tmp_path)
    code, out, err = run(
        str(fleet),
        "--traffic",
        str(traffic_path),
        "--prices",
        str(prices),
        "--json",
        "--no-html",
        "--policies",
        "scale-to-zero,min-scale-1",
        "--jobs",
        "1",
        "--progress",
    )
    assert code == 0, err
    assert json.loads(out)["schema"] == SCHEMA  # stdout is the JSON alone
    assert "plan [" in err
    assert err.rstrip().endswith("s") and "100%" in err
