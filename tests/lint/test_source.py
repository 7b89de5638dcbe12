"""Reading YAML for the linter: documents, broken documents, and field paths mapped to lines."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from kn_constructs.lint import source
from kn_constructs.lint.source import BrokenDocument, Document, InputError, read_documents, read_input
from tests.lint.helpers import line_containing

SERVICE = textwrap.dedent(
    """\
    # leading comment
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata:
      name: llama
    spec:
      template:
        metadata:
          annotations:
            autoscaling.knative.dev/window: 5s
            autoscaling.knative.dev/min-scale: "1"
        spec:
          containers:
            - name: server
              image: example/server
              env:
                - name: A
                  value: "1"
                - name: HF_TOKEN
                  value: secret
    """
)


def _only(text: str) -> Document:
    (doc,) = read_documents(text)
    assert isinstance(doc, Document)
    return doc


def test_documents_hold_the_same_data_as_safe_load_all() -> None:
    text = SERVICE + "---\n---\napiVersion: v1\nkind: ConfigMap\n"
    docs = read_documents(text)
    assert [d.data for d in docs if isinstance(d, Document)] == list(yaml.safe_load_all(text))
    assert [d.index for d in docs] == [0, 1, 2]


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        # map keys that contain dots and slashes: the longest key wins
        (
            "spec.template.metadata.annotations.autoscaling.knative.dev/window",
            "autoscaling.knative.dev/window",
        ),
        ("spec.template.metadata.annotations.autoscaling.knative.dev/min-scale", "min-scale"),
        # list items and keys inside them
        ("spec.template.spec.containers[0].env[1].name", "name: HF_TOKEN"),
        ("spec.template.spec.containers[0].env[1].value", "value: secret"),
        ("spec.template.spec.containers[0].env[1]", "name: HF_TOKEN"),
        ("spec.template.spec.containers[0].image", "image:"),
        ("spec.template.spec.containers[0]", "- name: server"),
        ("metadata.name", "name: llama"),
    ],
)
def test_a_path_points_at_its_key(path: str, needle: str) -> None:
    assert _only(SERVICE).line_of(path) == line_containing(SERVICE, needle)


@pytest.mark.parametrize(
    ("path", "parent"),
    [
        # missing keys and indices fall back to the closest parent that exists
        ("spec.template.spec.timeoutSeconds", "    spec:"),
        ("spec.template.metadata.annotations.autoscaling.knative.dev/metric", "annotations:"),
        ("spec.template.spec.containers[3].image", "containers:"),
        ("spec.template.spec.containers[0].readinessProbe.periodSeconds", "- name: server"),
        ("spec.traffic.tag[0]", "spec:"),
    ],
)
def test_a_missing_path_falls_back_to_its_closest_parent(path: str, parent: str) -> None:
    assert _only(SERVICE).line_of(path) == line_containing(SERVICE, parent)


def test_the_empty_path_is_the_document_start() -> None:
    doc = _only(SERVICE)
    assert doc.line_of("") == doc.line == line_containing(SERVICE, "apiVersion")


def test_lines_count_from_the_file_in_later_documents() -> None:
    text = "a: 1\n---\n" + SERVICE
    docs = read_documents(text)
    second = docs[1]
    assert isinstance(second, Document)
    assert second.line_of("metadata.name") == line_containing(text, "name: llama")


def test_a_broken_document_is_reported_and_the_others_are_read() -> None:
    text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n"
    docs = read_documents(text)
    assert [type(d).__name__ for d in docs] == ["Document", "BrokenDocument", "Document"]
    broken = docs[1]
    assert isinstance(broken, BrokenDocument)
    assert broken.index == 1
    # the parser stops where the flow sequence cannot go on: line 4 ("c: 3"), within the document
    assert line_containing(text, "b: [") <= broken.line <= line_containing(text, "c: 3")
    assert broken.message
    last = docs[2]
    assert isinstance(last, Document)
    assert last.data == {"d": 4}
    assert last.index == 2
    assert last.line_of("d") == line_containing(text, "d: 4")


def test_a_broken_first_document_without_a_marker() -> None:
    text = "key: value: other\n---\nok: 1\n"
    docs = read_documents(text)
    assert isinstance(docs[0], BrokenDocument)
    assert docs[0].line == 1
    assert isinstance(docs[1], Document)
    assert (docs[1].index, docs[1].data) == (1, {"ok": 1})


def test_comment_only_preamble_and_document_end_markers() -> None:
    text = "# Source: chart/templates/a.yaml\n---\na: [\n...\n---\nb: 2\n"
    docs = read_documents(text)
    assert isinstance(docs[0], BrokenDocument)
    assert docs[0].index == 0
    assert isinstance(docs[1], Document)
    assert (docs[1].index, docs[1].data) == (1, {"b": 2})


def test_no_documents() -> None:
    assert read_documents("") == []
    assert read_documents("# only a comment\n") == []


# ---------------------------------------------------------------- hostile and odd YAML


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_without_being_built_and_the_next_document_is_read() -> None:
    broken, after = read_documents("---\n" + _bomb(9) + "---\nok: 1\n")
    assert isinstance(broken, BrokenDocument) and broken.refused
    assert "aliases expand the document to 1,234,567,909 nodes (29 written)" in broken.message
    assert isinstance(after, Document) and after.data == {"ok": 1}


def test_a_few_aliases_are_fine() -> None:
    (doc,) = read_documents(_bomb(4))  # 10,000 nodes once expanded: below MAX_ALIAS_NODES
    assert isinstance(doc, Document)
    assert len(doc.data["a3"]) == 10


@pytest.mark.parametrize(("levels", "refused"), [(source.MAX_DEPTH - 1, False), (source.MAX_DEPTH, True)])
def test_nesting_is_bounded(levels: int, refused: bool) -> None:
    # ``levels`` mappings, then a scalar one level deeper
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + f"{'  ' * levels}leaf\n"
    (doc,) = read_documents(text)
    assert isinstance(doc, BrokenDocument) is refused
    if refused:
        assert doc.message == f"nested deeper than {source.MAX_DEPTH} levels"  # type: ignore[union-attr]


def test_aliases_count_towards_the_depth() -> None:
    deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(60)) + f"{'  ' * 60}leaf\n"
    text = (
        "a: &a\n"
        + textwrap.indent(deep, "  ")
        + "b:\n  c:\n"
        + "".join(f"{'  ' * (i + 2)}d{i}:\n" for i in range(50))
        + f"{'  ' * 52}*a\n"
    )
    (doc,) = read_documents(text)
    assert isinstance(doc, BrokenDocument)
    assert doc.message.startswith(f"nested deeper than {source.MAX_DEPTH} levels")
    # each part alone is within the bound: only the alias, expanded, goes past it
    assert isinstance(_only(text.replace("*a", "leaf")), Document)


def test_a_recursive_alias_is_refused() -> None:
    (doc,) = read_documents("a: &a [1, *a]\n")
    assert isinstance(doc, BrokenDocument)
    assert "recursive" in doc.message


def test_duplicate_keys_name_both_lines_and_the_last_one_counts() -> None:
    text = "metadata:\n  name: a\nspec: {x: 1}\nspec:\n  y: 2\n"
    doc = _only(text)
    assert doc.data["spec"] == {"y": 2}  # as PyYAML and Go's non-strict decoding keep it
    (issue,) = doc.issues
    assert issue.severity == "error"
    assert issue.line + 1 == 4
    assert "duplicate key 'spec' (first at line 3, again at line 4)" in issue.message
    # the line of a path follows the data: the last occurrence
    assert doc.line_of("spec.y") == 5


def test_duplicate_keys_in_a_flow_mapping_on_one_line() -> None:
    (issue,) = _only("a: {w: 1, w: 2}\n").issues
    assert "duplicate key 'w' (first at line 1, again at line 1)" in issue.message


def test_merge_keys_are_not_duplicates() -> None:
    doc = _only("base: &b {x: 1}\nother:\n  <<: *b\n  <<: *b\n  y: 2\n")
    assert doc.issues == ()
    assert doc.data["other"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("text", "shape"),
    [("- a\n- b\n", "a list"), ("just text\n", "a scalar ('just text')"), ("3\n", "a scalar")],
)
def test_a_document_that_is_not_a_mapping_is_noted(text: str, shape: str) -> None:
    (issue,) = _only(text).issues
    assert issue.severity == "warning"
    assert f"the document is {shape}" in issue.message


def test_an_empty_document_is_not_noted() -> None:
    assert read_documents("---\n---\na: 1\n")[0].issues == ()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.0", 1), ("-2.0", -2), ("1.0e+3", 1000), ("0.5", 0.5), ("1.5e-3", 0.0015), ("1.0e+21", 1e21)],
)
def test_integral_floats_are_read_as_go_sends_them(text: str, value: object) -> None:
    # sigs.k8s.io/yaml YAMLToJSON: yaml.v2 decodes 1.0 as float64(1), encoding/json writes it as 1
    data = _only(f"cpu: {text}\n").data["cpu"]
    assert data == value and type(data) is type(value)


def test_inf_and_nan_stay_floats() -> None:
    data = _only("a: .inf\nb: .nan\n").data
    assert data["a"] == float("inf") and data["b"] != data["b"]


def test_line_lookup_is_linear_in_the_mapping() -> None:
    text = "data:\n" + "".join(f"  k{i}: v\n" for i in range(20_000))
    doc = _only(text)
    started = time.perf_counter()
    lines = [doc.line_of(f"data.k{i}") for i in range(20_000)]
    elapsed = time.perf_counter() - started
    assert lines == list(range(2, 20_002))
    assert elapsed < 2.0  # the quadratic lookup took minutes here


@pytest.mark.parametrize(
    "line",
    [
        "-" * 100_000 + "x",
        "---" + " " * 100_000 + "x",
        " " * 100_000 + "x",
        "#" + " " * 100_000,
        "[" + "1" * 100_000,
    ],
)
def test_reader_patterns_are_linear_on_long_lines(line: str) -> None:
    started = time.perf_counter()
    for pattern in (source._MARKER, source._NO_CONTENT, source._INDEX):
        pattern.match(line)
        list(pattern.finditer(line))
    assert time.perf_counter() - started < 1.0


def test_read_input_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(InputError, match=r"pipe.yaml: not a regular file \(a named pipe \(FIFO\)\)"):
        read_input(tmp_path / "pipe.yaml")
    with pytest.raises(InputError, match=r"not a regular file \(a folder\)"):
        read_input(tmp_path)
    (tmp_path / "big.yaml").write_text("x" * 11)
    with pytest.raises(InputError, match=r"larger than the limit of 10 bytes \(11 bytes or more\)"):
        read_input(tmp_path / "big.yaml", max_bytes=10)
    (tmp_path / "latin.yaml").write_bytes(b"a: \xe9\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_input(tmp_path / "latin.yaml")
    assert read_input(tmp_path / "big.yaml", max_bytes=11) == "x" * 11
