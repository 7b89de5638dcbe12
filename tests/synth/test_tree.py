"""The pure-Python construct tree against the real constructs and cdk8s (through jsii).

The same random trees are built on both, and what cdk8s derives from a tree is compared:
paths, addresses, the order of children (integer-like ids first, as in a JavaScript object),
generated object names (``Names.toDnsLabel``/``toLabelValue``), the topological order of
dependencies and the validation messages.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import cdk8s
import constructs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kn_constructs._tree import cdk8s as pure_cdk8s
from kn_constructs._tree import constructs as pure_constructs
from kn_constructs._tree.unsupported import NodeFreeUnsupportedError

IDS = st.one_of(
    st.sampled_from(
        ["Default", "Resource", "0", "7", "10", "01", "4294967294", "4294967295", "a/b", "x\ny", "é-ü"]
    ),
    # Node hashes a JavaScript string as UTF-8 with a lone surrogate as U+FFFD.
    st.just("a\ud800b"),
    st.text(alphabet="abcXYZ019-_.: ", min_size=1, max_size=12),
)


@st.composite
def trees(draw: Any) -> list[tuple[int, str, str, list[int]]]:
    """Nodes as (parent index, id, kind, dependencies); index 0 is the chart (parent -1)."""
    nodes: list[tuple[int, str, str, list[int]]] = [
        (-1, draw(st.sampled_from(["chart", "c1", "5", "My Chart"])), "chart", [])
    ]
    seen: dict[int, set[str]] = {0: set()}
    for _ in range(draw(st.integers(1, 9))):
        parent = draw(st.integers(0, len(nodes) - 1))
        ident = draw(IDS)
        sanitized = ident.replace("/", "--").replace("\n", "--")
        if sanitized in seen.setdefault(parent, set()):
            continue
        seen[parent].add(sanitized)
        kind = draw(st.sampled_from(["construct", "object", "cronjob"]))
        nodes.append((parent, ident, kind, []))
    for index in range(1, len(nodes)):
        if draw(st.booleans()) and index > 1:
            nodes[index][3].append(draw(st.integers(1, index - 1)))
    return nodes


def _build(
    lib_cdk8s: Any, lib_constructs: Any, spec: list[tuple[int, str, str, list[int]]], outdir: str
) -> list[Any]:
    app = lib_cdk8s.App(outdir=outdir)
    built: list[Any] = []
    for parent, ident, kind, _ in spec:
        scope = app if parent < 0 else built[parent]
        if kind == "chart":
            built.append(lib_cdk8s.Chart(scope, ident, namespace="ns"))
        elif kind == "construct":
            built.append(lib_constructs.Construct(scope, ident))
        else:
            built.append(
                lib_cdk8s.ApiObject(
                    scope, ident, api_version="v1", kind="CronJob" if kind == "cronjob" else "ConfigMap"
                )
            )
    for index, (_, _, _, deps) in enumerate(spec):
        for dep in deps:
            built[index].node.add_dependency(built[dep])
    return built


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=trees())
def test_paths_addresses_children_names_and_order_match_cdk8s(tmp_path: Path, spec: Any) -> None:
    real = _build(cdk8s, constructs, spec, str(tmp_path / "real"))
    pure = _build(pure_cdk8s, pure_constructs, spec, str(tmp_path / "pure"))
    for r, p in zip(real, pure, strict=True):
        assert p.node.path == r.node.path
        assert p.node.addr == r.node.addr
        assert [c.node.id for c in p.node.children] == [c.node.id for c in r.node.children]
        assert pure_cdk8s.Names.to_dns_label(p) == cdk8s.Names.to_dns_label(r)
        assert pure_cdk8s.Names.to_label_value(p) == cdk8s.Names.to_label_value(r)
        if isinstance(r, cdk8s.ApiObject):
            assert p.name == r.name
    real_order = [c.node.path for c in cdk8s.DependencyGraph(real[0].node).topology()]
    pure_order = [c.node.path for c in pure_cdk8s.DependencyGraph(pure[0].node).topology()]
    assert pure_order == real_order


def test_an_id_with_a_surrogate_pair_has_the_address_node_gives_it(tmp_path: Path) -> None:
    # jsii hands the id back joined ("p\U0001f600q"), so only the address is comparable: Node
    # reads the two surrogates as one character and hashes its UTF-8 bytes.
    ident = "p\ud83d\ude00q"
    real = constructs.Construct(cdk8s.Chart(cdk8s.App(outdir=str(tmp_path / "r")), "c"), ident)
    pure = pure_constructs.Construct(pure_cdk8s.Chart(pure_cdk8s.App(outdir=str(tmp_path / "p")), "c"), ident)
    assert pure.node.addr == real.node.addr
    assert pure_cdk8s.Names.to_label_value(pure) == cdk8s.Names.to_label_value(real)


def test_validation_messages_and_duplicate_ids_match_cdk8s(tmp_path: Path) -> None:
    class Fails:
        def validate(self) -> list[str]:
            return ["broken"]

    for lib_cdk8s, lib_constructs in ((pure_cdk8s, pure_constructs),):
        app = lib_cdk8s.App(outdir=str(tmp_path / "v"))
        chart = lib_cdk8s.Chart(app, "c")
        lib_constructs.Construct(chart, "x").node.add_validation(Fails())
        with pytest.raises(
            RuntimeError, match=r"Validation failed with the following errors:\n  \[c/x\] broken"
        ):
            app.synth()
        with pytest.raises(ValueError, match=r"There is already a Construct with name 'x' in Chart \[c\]"):
            lib_constructs.Construct(chart, "x")
    assert not (tmp_path / "v" / "c.k8s.yaml").exists()


def test_random_tree_objects_render_as_cdk8s_renders_them(tmp_path: Path) -> None:
    rng = random.Random(12)
    for _ in range(5):
        spec = [(-1, "chart", "chart", [])] + [
            (rng.randrange(0, i), f"o{i}", "object", []) for i in range(1, 8)
        ]
        real = _build(cdk8s, constructs, spec, str(tmp_path / "real"))
        pure = _build(pure_cdk8s, pure_constructs, spec, str(tmp_path / "pure"))
        for i, (r, p) in enumerate(zip(real[1:], pure[1:], strict=True)):
            for obj in (r, p):
                obj.add_json_patch(_patch(obj, i))
        assert pure[0].to_json() == real[0].to_json()


def _patch(obj: Any, i: int) -> Any:
    lib = pure_cdk8s if isinstance(obj, pure_cdk8s.ApiObject) else cdk8s
    return lib.JsonPatch.add("/data", {"n": str(i), "10": "ten", "2": "two"})


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda: pure_cdk8s.Helm, id="Helm"),
        pytest.param(lambda: pure_cdk8s.Include, id="Include"),
        pytest.param(lambda: pure_cdk8s.Lazy, id="Lazy"),
        pytest.param(lambda: pure_cdk8s.Yaml.load("x.yaml"), id="Yaml.load"),
        pytest.param(lambda: pure_cdk8s.App(resolvers=[object()]), id="resolvers"),
        pytest.param(lambda: pure_constructs.Construct(None, "").node.metadata, id="node.metadata"),
    ],
)
def test_features_outside_the_subset_are_refused_by_name(use: Any) -> None:
    with pytest.raises(NodeFreeUnsupportedError, match="Node-free synth does not cover") as caught:
        use()
    assert caught.value.feature
    assert caught.value.feature.split(".")[-1].split(" ")[0].strip("(") in str(caught.value)
