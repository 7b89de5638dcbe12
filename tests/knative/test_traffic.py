"""Traffic blocks (route_validation.go validateTrafficList, TrafficTarget.Validate)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative.traffic import check_traffic

from .conftest import only

T = "spec.traffic"

# (id, traffic, in_service, code, path, message)
INVALID: list[tuple[str, list[dict[str, Any]], bool, str, str, str]] = [
    (
        "TestRouteValidation/invalid traffic sum",
        [{"latestRevision": True, "percent": 90}],
        True,
        "KNATIVE-TRAFFIC",
        T,
        "Traffic targets sum to 90, want 100",
    ),
    (
        "missing percent counts as 0",
        [{"revisionName": "llama-00001", "latestRevision": False}],
        True,
        "KNATIVE-TRAFFIC",
        T,
        "Traffic targets sum to 0, want 100",
    ),
    (
        "TestServiceValidation/configurationName in a Service",
        [{"configurationName": "llama", "percent": 100}],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[0].configurationName",
        "must not set the field(s)",
    ),
    (
        "TestTrafficTargetValidation/both names (Route)",
        [{"configurationName": "c", "revisionName": "r", "percent": 100}],
        False,
        "KNATIVE-TRAFFIC",
        f"{T}[0]",
        "expected exactly one, got both: configurationName, revisionName",
    ),
    (
        "TestTrafficTargetValidation/neither name (Route)",
        [{"percent": 100}],
        False,
        "KNATIVE-TRAFFIC",
        f"{T}[0]",
        "expected exactly one, got neither: configurationName, revisionName",
    ),
    (
        "TestTrafficTargetValidation/latestRevision true with revisionName",
        [{"revisionName": "valid", "latestRevision": True, "percent": 100}],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[0].latestRevision",
        'may not set revisionName "valid" when latestRevision is true',
    ),
    (
        "TestTrafficTargetValidation/latestRevision false without revisionName",
        [{"latestRevision": False, "percent": 100}],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[0].latestRevision",
        'may not set revisionName "" when latestRevision is false',
    ),
    (
        "TestRouteValidation/duplicate tags",
        [
            {"latestRevision": True, "percent": 50, "tag": "foo"},
            {"revisionName": "llama-00001", "percent": 50, "tag": "foo"},
        ],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[1].tag",
        'Multiple definitions for "foo"',
    ),
    (
        "TestTrafficTargetValidation/url in spec",
        [{"latestRevision": True, "percent": 100, "tag": "a", "url": "http://a.example.com"}],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[0].url",
        "must not set the field(s)",
    ),
    (
        "TestTrafficTargetValidation/invalid revisionName",
        [{"revisionName": "b ar", "percent": 100}],
        True,
        "KNATIVE-TRAFFIC",
        f"{T}[0].revisionName",
        'invalid key name "b ar"',
    ),
    (
        "percent as a string",
        [{"latestRevision": True, "percent": "100"}, {"revisionName": "x-1", "percent": 100}],
        True,
        "KNATIVE-SCHEMA",
        f"{T}[0].percent",
        "expected integer, got string",
    ),
]


@pytest.mark.parametrize(
    ("traffic", "in_service", "code", "path", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID],
)
def test_invalid(traffic: list[dict[str, Any]], in_service: bool, code: str, path: str, message: str) -> None:
    problem = only(check_traffic(traffic, service_name="llama", in_service=in_service))
    assert (problem.code, problem.path, problem.message) == (code, path, message)
    assert problem.hint, "every problem says how to fix it"


def test_percent_bounds() -> None:
    problems = check_traffic(
        [{"latestRevision": True, "percent": 101}, {"revisionName": "llama-1", "percent": -1}],
        service_name="llama",
    )
    assert [(p.path, p.message) for p in problems] == [
        (f"{T}[0].percent", "expected 0 <= 101 <= 100"),
        (f"{T}[1].percent", "expected 0 <= -1 <= 100"),
    ]


def test_bad_tag() -> None:
    problem = only(check_traffic([{"latestRevision": True, "percent": 100, "tag": "Foo"}], service_name="x"))
    assert problem.path == f"{T}[0].tag"
    assert problem.message.startswith("invalid value: not a DNS 1035 label: [a DNS-1035 label must")


def test_tag_and_service_name_must_fit_a_dns_label() -> None:
    traffic = [{"latestRevision": True, "percent": 100, "tag": "t" * 30}]
    problem = only(check_traffic(traffic, service_name="s" * 33))
    assert problem.code == "KNATIVE-RECONCILE-TAG-HOST"
    assert problem.path == f"{T}[0].tag"
    assert problem.severity == "error"
    assert "64 characters, more than 63" in problem.message
    assert "reconcile time" in (problem.hint or "")
    assert check_traffic(traffic, service_name="s" * 32) == []
    assert check_traffic(traffic, service_name=None) == []


@pytest.mark.parametrize(
    "traffic",
    [
        pytest.param(None, id="default traffic"),
        pytest.param([], id="empty list in a Service is defaulted"),
        pytest.param([{"latestRevision": True, "percent": 100}], id="latest"),
        pytest.param([{"percent": 100}], id="latestRevision defaulted"),
        pytest.param(
            [
                {"revisionName": "llama-00001", "percent": 90},
                {"latestRevision": True, "percent": 10, "tag": "canary"},
            ],
            id="canary",
        ),
        pytest.param(
            [
                {"latestRevision": True, "percent": 100},
                {"revisionName": "llama-00001", "latestRevision": False, "tag": "previous"},
            ],
            id="tag with 0 percent",
        ),
    ],
)
def test_valid(traffic: list[dict[str, Any]] | None) -> None:
    assert check_traffic(traffic, service_name="llama") == []


def test_route_needs_names() -> None:
    assert (
        check_traffic([{"configurationName": "c", "percent": 100}], service_name="r", in_service=False) == []
    )


def test_not_a_list() -> None:
    problem = only(check_traffic({"percent": 100}, service_name="x"))  # type: ignore[arg-type]
    assert (problem.code, problem.path) == ("KNATIVE-SCHEMA", T)


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=5))
def test_sum_must_be_exactly_100(percents: list[int]) -> None:
    traffic = [{"latestRevision": True, "percent": percents[0]}] + [
        {"revisionName": f"llama-{i:05d}", "percent": p} for i, p in enumerate(percents[1:])
    ]
    problems = check_traffic(traffic, service_name="llama")
    assert bool(problems) == (sum(percents) != 100)
