"""The planner's inputs are checked strictly: one problem per mistake, at file:line.column."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.errors import ValidationError
from kn_constructs.plan.inputs import (
    PLAN_CODE,
    TRAFFIC_COLUMNS,
    load_models,
    model_from_manifest,
    parse_startups,
    read_prices,
    read_traffic,
)
from kn_constructs.plan.policies import parse_policies
from tests.plan.helpers import service, write_yaml

HEADER = ",".join(TRAFFIC_COLUMNS)


def traffic_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "traffic.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def problems(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    assert all(p.code == PLAN_CODE for p in error.value.problems)
    return {p.path: p.message for p in error.value.problems}


def test_each_kind_of_traffic_is_read(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("arrival_seconds,service_seconds\n0.5,1\n3,2\n", encoding="utf-8")
    path = traffic_file(
        tmp_path,
        "# a comment line",
        "a,rate,,0.5,2,",
        "b,hourly,0,3600,1.5,0.5",
        "b,hourly,23,7200,1.5,0.5",
        "c,trace,,t.csv,,",
    )
    traffic = read_traffic(path)
    assert traffic["a"].hourly_requests == (1800.0,) * 24
    assert traffic["a"].service_mean_seconds == 2.0
    assert traffic["b"].hourly_requests[0] == 3600 and traffic["b"].hourly_requests[23] == 7200
    assert sum(traffic["b"].hourly_requests[1:23]) == 0
    assert traffic["b"].service_spread_seconds == 0.5
    assert traffic["c"].kind == "trace" and Path(traffic["c"].trace_path) == trace
    built = traffic["c"].build(0)
    assert list(built.arrival_seconds) == [0.5, 3.0]


def test_every_bad_row_is_one_problem_at_its_line(tmp_path: Path) -> None:
    path = traffic_file(
        tmp_path,
        "a,rate,,-1,2,",  # line 2: negative rate
        "b,hourly,24,10,1,",  # line 3: hour out of range
        "c,hourly,1,nan,1,",  # line 4: NaN
        "D,rate,,1,1,",  # line 5: not a Service name
        "e,weekly,,1,1,",  # line 6: unknown kind
        "f,rate,,1,0,",  # line 7: service time 0
        "g,rate,,1,1",  # line 8: five columns
        "h,rate,,inf,1,",  # line 9: infinite
        "i,trace,,missing.csv,,",  # line 10: no such file
    )
    with pytest.raises(ValidationError) as error:
        read_traffic(path)
    found = problems(error)
    name = str(path)
    assert set(found) == {
        f"{name}:2.value",
        f"{name}:3.hour",
        f"{name}:4.value",
        f"{name}:5.model",
        f"{name}:6.kind",
        f"{name}:7.service_seconds",
        f"{name}:8",
        f"{name}:9.value",
        f"{name}:10.value",
    }


def test_a_model_with_two_kinds_or_twice_the_same_hour_is_refused(tmp_path: Path) -> None:
    path = traffic_file(tmp_path, "a,rate,,1,1,", "a,hourly,0,1,1,", "b,hourly,3,1,1,", "b,hourly,3,2,1,")
    with pytest.raises(ValidationError) as error:
        read_traffic(path)
    found = problems(error)
    assert set(found) == {f"{path}:3.kind", f"{path}:5.hour"}
    assert "already has 'rate' traffic (line 2)" in found[f"{path}:3.kind"]


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "traffic.csv"
    path.write_text(
        "model,kind,hour,rate,service_seconds,service_spread_seconds\na,rate,,1,1,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as error:
        read_traffic(path)
    assert list(problems(error)) == [f"{path}:1"]


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(allow_nan=True, allow_infinity=True, width=32))
def test_a_rate_is_taken_exactly_when_it_is_finite_and_not_negative(rate: float) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = traffic_file(Path(tmp), f"a,rate,,{rate!r},1,")
        if math.isfinite(rate) and rate >= 0:
            assert read_traffic(path)["a"].hourly_requests[0] == pytest.approx(rate * 3600)
        else:
            with pytest.raises(ValidationError) as error:
                read_traffic(path)
            assert list(problems(error)) == [f"{path}:2.value"]


def test_prices_are_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "currency: EUR\nper_gpu_hour:\n  A40: 1.5\ninventory:\n  LGA1:\n    A40: 4\n"
        "gpu_budget: 3\ncold_start_cost: 0.2\n",
        encoding="utf-8",
    )
    prices = read_prices(good)
    assert prices.currency == "EUR" and prices.per_gpu_hour == {"A40": 1.5}
    assert (
        prices.inventory == {"LGA1": {"A40": 4}} and prices.gpu_budget == 3 and prices.cold_start_cost == 0.2
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "per_gpu_hour:\n  A40: -1\n  H100: .nan\ninventory:\n  LGA1:\n    A40: 2.5\n"
        "gpu_budget: 0\nprice: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as error:
        read_prices(bad)
    found = problems(error)
    assert set(found) == {
        f"{bad}:2.per_gpu_hour.A40",
        f"{bad}:3.per_gpu_hour.H100",
        f"{bad}:6.inventory.LGA1.A40",
        f"{bad}:7.gpu_budget",
        f"{bad}:8.price",
    }


def test_the_example_prices_say_they_are_examples() -> None:
    prices = read_prices(Path(__file__).parents[2] / "examples" / "fleet" / "prices.yaml")
    assert prices.example is True
    text = (Path(__file__).parents[2] / "examples" / "fleet" / "prices.yaml").read_text(encoding="utf-8")
    assert "EXAMPLE PRICES, NOT FACTS" in text


def test_policies_are_parsed_and_checked_with_knatives_bounds() -> None:
    names = [p.name for p in parse_policies("retention=90s, delay=5m")]
    assert names == ["retention=90s", "delay=5m", "scale-to-zero", "min-scale-1"]
    with pytest.raises(ValidationError) as error:
        parse_policies("retention=2h,delay=1.5s,sometimes")
    found = {p.path: p for p in error.value.problems}
    assert set(found) == {"--policies[0]", "--policies[1]", "--policies[2]"}
    assert "1h0m0s" in found["--policies[0]"].message  # Knative's WindowMax
    assert "second precision" in found["--policies[1]"].message


def test_startups_are_parsed_and_checked() -> None:
    given_startups, found = parse_startups(["a=20", "b=30:5", "c=-1", "d", "e=1:nan"])
    assert given_startups["a"].mean_seconds == 20 and given_startups["a"].kind == "fixed"
    assert given_startups["b"].kind == "lognormal"
    assert [p.path for p in found] == ["--startup[2]", "--startup[3]", "--startup[4]"]


def test_a_manifest_gives_class_region_and_recorded_startup() -> None:
    doc = service("m", gpu_class="H100_NVLINK_80GB", region="ORD1")
    doc["metadata"]["annotations"] = {
        "kn-constructs.io/derivations": "autoscaling.knative.dev/window: 90s  [KN-AS-3]"
        " ceil(2 x p95 startup), within 6s..1h; from mean_seconds=40, spread_seconds=5, traffic=steady\n"
    }
    model = model_from_manifest(doc)
    assert (model.gpu_class, model.region) == ("H100_NVLINK_80GB", "ORD1")
    assert model.startup is not None and model.startup.mean_seconds == pytest.approx(40)
    assert model.startup.kind == "lognormal"


def test_startups_come_from_the_flag_else_the_cold_start_estimate(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    write_yaml(
        path,
        [service("a"), service("b"), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}],
    )
    with pytest.raises(ValidationError) as error:
        load_models(path, parse_startups(["a=20", "zz=3"])[0])
    assert {p.path for p in error.value.problems} == {"--startup.zz"}
    a, b = load_models(path, parse_startups(["a=20"])[0])
    assert a.startup == parse_startups(["a=20"])[0]["a"]
    assert a.startup_source == "--startup"
    # b records no startup: the cold-start phases estimate it from what the manifest says
    from kn_constructs.coldstart import model_for_manifest

    assert b.startup == model_for_manifest(b.manifest).estimate().distribution()
    assert b.startup_source.startswith("estimated from the manifest")
