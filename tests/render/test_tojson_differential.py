"""api_object_json (+ dump_documents) against what cdk8s' ``App.synth`` writes, byte for byte.

The Node reference builds each object with the JavaScript API (any props, any metadata field,
every JSON-patch op); the jsii reference builds it as a Python app must (``ApiObjectMetadata``,
``add_json_patch``) and also compares ``to_json()`` key order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kn_constructs._render import api_object_json, dump_documents
from tests.render.reference import NodeReference, jsii_chart
from tests.render.strategies import INDEX_KEYS, examples, keys, strings, values

# No shrinking: a failure already names the objects, and shrinking big documents takes minutes.
_SETTINGS = settings(
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def render(objects: list[dict[str, Any]], namespace: str | None, labels: dict[str, str] | None) -> str:
    """The chart's file as the Python renderer writes it."""
    docs = [
        api_object_json(
            api_version=o["apiVersion"],
            kind=o["kind"],
            metadata=o.get("metadata"),
            props=o.get("props"),
            patches=[tuple(p) for p in o.get("patches", ())],
            chart_namespace=namespace,
            chart_labels=labels,
        )
        for o in objects
    ]
    return dump_documents(docs)


# Built once: making a recursive strategy per draw costs about a second per example.
_KEYS = keys()
_STRINGS = strings()
_label_maps = st.dictionaries(_KEYS, _STRINGS, max_size=4)
_VALUES = {
    none_in_maps: values(none_in_maps=none_in_maps, beyond_doubles=False) for none_in_maps in (False, True)
}
#: None as a patch value is refused (cdk8s would write `key: null`; see api_object_json).
_PATCH_VALUES = {flag: strategy.filter(lambda v: v is not None) for flag, strategy in _VALUES.items()}
_PROP_MAPS = st.dictionaries(_KEYS, _VALUES[False], max_size=3)
_SPECS = {flag: st.dictionaries(_KEYS, _VALUES[flag], min_size=1, max_size=5) for flag in (False, True)}
_NAMES = st.one_of(st.sampled_from(["a", "model-0", "x.y", "0", "Ünïcode", "--- n", "yes"]), strings())


@st.composite
def objects(draw: st.DrawFn, *, python_app: bool) -> dict[str, Any]:
    """One ApiObject's inputs; ``python_app`` limits them to what cdk8s' Python API can take."""
    metadata: dict[str, Any] = {"name": draw(_NAMES)}
    if draw(st.booleans()):
        metadata["namespace"] = draw(_STRINGS)
    for field in ("labels", "annotations"):
        if draw(st.booleans()):
            metadata[field] = draw(_label_maps)
    if draw(st.booleans()):
        metadata["finalizers"] = draw(st.lists(_STRINGS, max_size=3))
    if not python_app and draw(st.booleans()):
        metadata.update(draw(_PROP_MAPS))
        metadata["name"] = draw(_NAMES)
    value = _PATCH_VALUES[python_app]
    spec = draw(_SPECS[python_app])
    patches: list[list[Any]] = [["add", "/spec", spec]]
    for key in draw(st.lists(_KEYS, max_size=3, unique=True)):
        patches.append(["add", "/spec" + _pointer(key), draw(value)])
    first = next(iter(spec))
    ops = (
        ["none", "replace", "remove"] if python_app else ["none", "replace", "remove", "copy", "move", "test"]
    )
    op = draw(st.sampled_from(ops))
    if op == "replace":
        patches.append(["replace", "/spec" + _pointer(first), draw(value)])
    elif op == "remove":
        patches.append(["remove", "/spec" + _pointer(first), None])
    elif op in ("copy", "move"):
        patches.append([op, "/zz" + op, "/spec" + _pointer(first)])
    elif op == "test":
        patches.append(["test", "/kind", draw(st.sampled_from(["ConfigMap", "Service"]))])
    if draw(st.booleans()):
        patches.append(["add", "/" + draw(st.sampled_from([*INDEX_KEYS[:4], "data", "aaa", "zzz"])), 1])
    result: dict[str, Any] = {
        "apiVersion": draw(st.sampled_from(["v1", "serving.knative.dev/v1"])),
        "kind": draw(st.sampled_from(["ConfigMap", "Service"])),
        "metadata": metadata,
        "patches": patches,
    }
    if not python_app and draw(st.booleans()):
        props = draw(_PROP_MAPS)
        result["props"] = {k: v for k, v in props.items() if k not in ("apiVersion", "kind", "metadata")}
    return result


def _test_ok(obj: dict[str, Any]) -> bool:
    return all(p[0] != "test" or p[2] == obj["kind"] for p in obj["patches"])


_charts = st.tuples(
    st.one_of(st.none(), strings()),
    st.one_of(st.none(), _label_maps),
)


@settings(_SETTINGS, max_examples=examples(15))
@given(st.lists(objects(python_app=False), min_size=1, max_size=4), _charts)
def test_random_objects_match_node(
    node_reference: NodeReference, objs: list[dict[str, Any]], chart: tuple[Any, Any]
) -> None:
    namespace, labels = chart
    objs = [o for o in objs if _test_ok(o)]
    want = node_reference.chart(objs, namespace=namespace, labels=labels)
    assert render(objs, namespace, labels) == want


def _js_json(value: Any) -> Any:
    """``to_json()`` as compared: every number a double (as in JavaScript), and no negative zero
    (JSON, which carries ``to_json()`` back to Python, has none)."""
    if isinstance(value, dict):
        return {k: _js_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_json(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) + 0.0
    return value


@pytest.mark.slow
@settings(_SETTINGS, max_examples=examples(6))
@given(st.lists(objects(python_app=True), min_size=1, max_size=8), _charts)
def test_random_objects_match_cdk8s_through_jsii(
    tmp_path_factory: pytest.TempPathFactory, objs: list[dict[str, Any]], chart: tuple[Any, Any]
) -> None:
    namespace, labels = chart
    outdir = tmp_path_factory.mktemp("jsii-chart")
    text, to_json = jsii_chart(outdir, objs, namespace=namespace, labels=labels)
    assert render(objs, namespace, labels) == text
    mine = [
        api_object_json(
            api_version=o["apiVersion"],
            kind=o["kind"],
            metadata=o["metadata"],
            patches=[tuple(p) for p in o["patches"]],
            chart_namespace=namespace,
            chart_labels=labels,
        )
        for o in objs
    ]
    assert json.dumps(_js_json(mine)) == json.dumps(_js_json(to_json))


def test_known_object_matches_both(node_reference: NodeReference, tmp_path: Path) -> None:
    """A Knative-like object with every merging rule at once, against both references."""
    objs: list[dict[str, Any]] = [
        {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {
                "name": "llama",
                "labels": {"team": "ml", "10": "ten", "2": "two"},
                "annotations": {"é": "1", "e": "2", "\U0001f600": "3", "\uffff": "4"},
                "finalizers": [],
            },
            "patches": [
                ["add", "/spec", {"template": {"z": 1, "a": -0.0, "3": [None, {}, []]}}],
                ["add", "/spec/template/b", 3],
                ["replace", "/spec/template/z", 9],
                ["remove", "/spec/template/a", None],
            ],
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "empty", "labels": {}}, "patches": []},
    ]
    labels = {"team": "override-me", "app": "fleet"}
    want = node_reference.chart(objs, namespace="models", labels=labels)
    text, _ = jsii_chart(tmp_path, objs, namespace="models", labels=labels)
    assert text == want
    assert render(objs, "models", labels) == want
    # The rules this object exercises, visible in the text.
    assert '    "2": two\n    "10": ten\n    app: fleet\n    team: ml\n' in want
    assert '    e: "2"\n    é: "1"\n    😀: "3"\n    \uffff: "4"\n' in want
    spec = 'spec:\n  template:\n    "3":\n      - null\n      - {}\n      - []\n    z: 9\n    b: 3\n'
    assert spec in want


def test_negative_zero_survives_props_but_not_patches(node_reference: NodeReference) -> None:
    """fast-json-patch clones patch values through JSON, which has no -0; props are not cloned,
    and ``copy`` clones objects only (a copied number keeps its sign)."""
    objs = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "z"},
            "props": {"p": -0.0},
            "patches": [["add", "/data", {"d": -0.0}], ["copy", "/q", "/p"]],
        }
    ]
    want = node_reference.chart(objs)
    assert render(objs, None, None) == want
    assert "p: -0\n" in want and "  d: 0\n" in want and "q: -0\n" in want
