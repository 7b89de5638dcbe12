"""Reading YAML for the linter: documents, broken documents, and field paths mapped to lines."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from kn_constructs.lint.source import BrokenDocument, Document, read_documents
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
