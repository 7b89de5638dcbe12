"""The renderer's own behaviour: its boundary (one clear problem per mistake), numbers, caches."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs._render import PatchError, RenderInputError, api_object_json, dump_document, dump_documents
from kn_constructs._render._jsvalue import is_array_index, js_number, order_keys
from tests.render.reference import NodeReference


def _problem(error: RenderInputError) -> tuple[str, str]:
    assert len(error.problems) == 1
    return error.problems[0].code, error.problems[0].path


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"a": {"b": [1, math.nan]}}, "a.b[1]"),
        ({"a": math.inf}, "a"),
        ([{"x": -math.inf}], "[0].x"),
        ({"a": {1: "one"}}, "a.1"),
        ({"a": {None: "none"}}, "a.None"),
        ({"when": datetime.date(2024, 1, 1)}, "when"),
        ({"s": {1, 2}}, "s"),
        ({"o": object()}, "o"),
        ({"b": b"bytes"}, "b"),
    ],
)
def test_dump_refuses_what_cdk8s_cannot_take(doc: Any, path: str) -> None:
    with pytest.raises(RenderInputError) as caught:
        dump_documents([doc])
    assert _problem(caught.value) == ("KNC-TYPE", path)


@pytest.mark.parametrize("docs", ["apiVersion: v1", {"a": 1}, b"x", 5])
def test_dump_documents_wants_a_sequence(docs: Any) -> None:
    with pytest.raises(RenderInputError) as caught:
        dump_documents(docs)
    assert _problem(caught.value) == ("KNC-TYPE", "docs")


def test_values_none_are_dropped_from_maps_and_kept_in_lists() -> None:
    # What jsii does to a Python dict (verified against cdk8s by the differential corpus).
    assert dump_document({"a": None, "b": [None], "c": {"d": None}}) == "b:\n  - null\nc: {}\n"
    docs: list[Any] = [None, {"a": 1}]
    assert dump_documents(docs) == "\n---\na: 1\n"


def test_tuples_render_as_lists() -> None:
    assert dump_document({"a": (1, "x")}) == dump_document({"a": [1, "x"]}) == "a:\n  - 1\n  - x\n"


def test_integers_beyond_doubles() -> None:
    assert dump_document({"a": 2**64, "b": 10**400, "c": -(10**400)}) == (
        "a: 18446744073709552000\nb: .inf\nc: -.inf\n"
    )


def test_cached_strings_keep_their_context() -> None:
    """A document marker is quoted or blocked by position; caching must not leak one into another."""
    assert dump_document({"a": "--- x"}) == "a: --- x\n"
    assert dump_document("--- x") == "|-\n  --- x\n"
    assert dump_document({"---": {"---": 1}}) == '"---":\n  ---: 1\n'
    assert dump_document({"a": "--- x"}) == "a: --- x\n"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_round_trips_and_reads_like_javascript(value: float) -> None:
    text = js_number(value)
    assert float(text) == value
    assert math.copysign(1.0, float(text)) == math.copysign(1.0, value)
    if value.is_integer() and abs(value) < 1e21:
        assert "." not in text and "e" not in text
    if value != 0 and not 1e-7 <= abs(value) < 1e21:
        assert "e" in text
    digits = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    assert len(digits) <= len(repr(abs(value)).split("e")[0].replace(".", "").strip("0"))


@given(st.lists(st.one_of(st.integers(0, 2**33).map(str), st.text(max_size=4)), unique=True))
def test_array_index_keys_come_first_in_numeric_order(keys: list[str]) -> None:
    ordered = order_keys(keys)
    index = [k for k in ordered if is_array_index(k)]
    assert ordered == index + [k for k in keys if not is_array_index(k)]
    assert [int(k) for k in index] == sorted(int(k) for k in index)
    assert all(int(k) < 2**32 - 1 and str(int(k)) == k for k in index)


def _obj(**kwargs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"api_version": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}
    base.update(kwargs)
    return api_object_json(**base)


def test_tojson_orders_and_merges_like_cdk8s() -> None:
    out = _obj(
        metadata={"name": "cm", "labels": {"b": "1", "10": "x"}, "annotations": {}},
        patches=[("add", "/data", {"z": "1", "a": "2"})],
        chart_namespace="ns",
        chart_labels={"b": "chart", "a": "chart"},
    )
    assert list(out) == ["apiVersion", "kind", "metadata", "data"]
    assert out["metadata"] == {"labels": {"10": "x", "a": "chart", "b": "1"}, "name": "cm", "namespace": "ns"}
    assert list(out["metadata"]["labels"]) == ["10", "a", "b"]
    assert list(out["data"]) == ["z", "a"]  # patch content keeps its order


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"metadata": {}}, "metadata.name"),
        ({"metadata": None}, "metadata.name"),
        ({"metadata": {"name": 3}}, "metadata.name"),
        ({"metadata": ["name"]}, "metadata"),
        ({"chart_namespace": 5}, "chart_namespace"),
        ({"chart_labels": "a=b"}, "chart_labels"),
        ({"api_version": "a/b/c"}, "apiVersion"),
        ({"kind": ""}, "kind"),
        ({"props": {"kind": "Other"}}, "props.kind"),
        ({"props": {"x": math.nan}}, "x"),
        ({"patches": [("add", "/spec", {"a": [math.inf]})]}, "patches[0]/a/0"),
        ({"patches": [("add", "/spec", {2: "two"})]}, "patches[0]"),
        ({"patches": [("add", "/spec", 10**400)]}, "patches[0]"),
        ({"patches": [("add", "/spec", None)]}, "patches[0]"),
        ({"patches": [("frobnicate", "/spec", 1)]}, "patches[0]"),
        ({"patches": "add /spec"}, "patches"),
    ],
)
def test_tojson_refuses_bad_input(kwargs: dict[str, Any], path: str) -> None:
    with pytest.raises(RenderInputError) as caught:
        _obj(**kwargs)
    assert _problem(caught.value) == ("KNC-TYPE", path)


@pytest.mark.parametrize(
    ("patches", "words"),
    [
        ([("add", "/spec/template/x", 1)], "no key 'spec'"),
        ([("add", "spec", 1)], "must start with '/'"),
        ([("test", "/kind", "Service")], "Test operation failed"),
        ([("add", "/__proto__/x", 1)], "banned"),
        ([("add", "/l", [1]), ("replace", "/l/5", 2)], "no element 5"),
        ([("remove", "", None)], "whole document"),
    ],
)
def test_patches_cdk8s_would_fail_on_are_errors(patches: list[tuple[str, str, Any]], words: str) -> None:
    with pytest.raises(PatchError, match=words):
        _obj(patches=patches)


def test_patch_ops(node_reference: NodeReference) -> None:
    patches: list[tuple[str, str, Any]] = [
        ("add", "/data", {"a": "1", "b": "2"}),
        ("add", "/list", [1, 2]),
        ("add", "/list/-", 3),
        ("add", "/list/0", 0),
        ("copy", "/copy", "/data"),
        ("move", "/moved", "/data/a"),
        ("replace", "/data/b", "two"),
        ("remove", "/list/1", None),
        ("test", "/copy", {"b": "2", "a": "1"}),
        ("add", "/data/7", "seven"),
    ]
    out = _obj(patches=patches)
    spec = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "patches": patches}
    assert dump_documents([out]) == node_reference.chart([spec])
    assert out["list"] == [0, 2, 3]
    assert out["copy"] == {"a": "1", "b": "2"}
    assert out["moved"] == "1"
    assert list(out["data"].items()) == [("7", "seven"), ("b", "two")]
    assert list(out)[:3] == ["apiVersion", "kind", "metadata"]
