"""dump_documents against the real cdk8s ``Yaml.stringify`` (npm ``yaml`` 2.9.1), byte for byte.

Two references: the cdk8s code of the installed Python package run directly by Node (volume:
hypothesis batches), and cdk8s through jsii (what a Python app gets, including what jsii does
to ``None``, surrogates and big ints on the way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kn_constructs._render import dump_document, dump_documents
from kn_constructs._render import yaml as render_yaml
from tests.render.reference import NodeReference, jsii_yaml
from tests.render.strategies import EDGE_STRINGS, corpus_documents, documents, examples

# No shrinking: `mismatches` already names the documents, and shrinking big ones takes minutes.
_SETTINGS = settings(
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def mismatches(
    docs: Sequence[Any], reference: Callable[[Sequence[Any]], str], *, limit: int = 10
) -> list[str]:
    """The documents whose Python rendering differs from the reference, described.

    One reference call checks the whole batch; only when it disagrees is each document asked
    on its own, to name the culprits.
    """
    if dump_documents(docs) == reference(docs):
        return []
    found = []
    for doc in docs:
        want = reference([doc])
        got = dump_document(doc)
        if want != got:
            found.append(f"doc={doc!r:.300}\n  cdk8s:  {want!r:.400}\n  python: {got!r:.400}")
            if len(found) >= limit:
                break
    return found or ["the documents agree one by one but not joined (the --- separator)"]


def test_corpus_matches_node(node_reference: NodeReference) -> None:
    docs = corpus_documents()
    assert len(docs) > 1000
    assert mismatches(docs, node_reference.yaml) == []


def test_corpus_matches_cdk8s_through_jsii() -> None:
    assert mismatches(corpus_documents(), jsii_yaml) == []


def test_documents_join_with_separator(node_reference: NodeReference) -> None:
    docs: list[Any] = [{"a": 1}, None, [], {}, "x", {"b": "--- c"}]
    text = dump_documents(docs)
    assert text == node_reference.yaml(docs)
    assert text.count("---\n") == len(docs) - 1
    assert dump_documents([]) == node_reference.yaml([]) == ""


@settings(_SETTINGS, max_examples=examples(40))
@given(st.lists(documents(), min_size=1, max_size=25))
def test_random_documents_match_node(node_reference: NodeReference, docs: list[Any]) -> None:
    assert mismatches(docs, node_reference.yaml) == []


@pytest.mark.slow
@settings(_SETTINGS, max_examples=examples(25))
@given(st.lists(documents(), min_size=1, max_size=40))
def test_random_documents_match_cdk8s_through_jsii(docs: list[Any]) -> None:
    assert mismatches(docs, jsii_yaml) == []


def _always_double_quotes(value: str, indent: str, implicit_key: bool) -> str:
    return render_yaml._double_quoted(value, indent, implicit_key)


_BROKEN_RULES: dict[str, tuple[str, object]] = {
    # quotedString: text holding only double quotes is single-quoted; pretend it is not.
    "single quotes for text with double quotes": ("_quoted", _always_double_quotes),
    # The YAML 1.1 boolean `y`/`n`/`on`/`off` would no longer be quoted (as if YAML 1.2).
    "yaml 1.1 booleans": (
        "_OTHER_TAG",
        re.compile(r"\A(?:(?:~|[Nn]ull|NULL)?|[Tt]rue|TRUE|[Ff]alse|FALSE|[-+]?[0-9][0-9_]*)\Z"),
    ),
    # JavaScript's multi-line ^ also matches after U+2028/U+2029 and \r; Python's does not.
    "document markers after JS line terminators": (
        "_DOC_MARKER",
        re.compile(r"^(?:%|---|\.\.\.)", re.MULTILINE),
    ),
}


@pytest.mark.parametrize("rule", sorted(_BROKEN_RULES))
def test_a_changed_quoting_rule_is_caught(
    rule: str, node_reference: NodeReference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard is live: break one decision of the emitter and the corpus check fails."""
    name, replacement = _BROKEN_RULES[rule]
    docs = corpus_documents()
    assert mismatches(docs, node_reference.yaml) == []
    monkeypatch.setattr(render_yaml, name, replacement)
    render_yaml.clear_caches()
    try:
        found = mismatches(docs, node_reference.yaml, limit=1)
    finally:
        monkeypatch.undo()
        render_yaml.clear_caches()
    assert found, f"breaking {rule!r} went unnoticed"


def test_corpus_covers_every_quoting_style() -> None:
    """The corpus reaches every output form, so the differential checks each of them."""
    rendered = {dump_document({"k": s}) for s in EDGE_STRINGS}
    starts = {text[3] for text in rendered}
    assert {'"', "'", "|"} <= starts
    assert any(text.startswith("k: |2") for text in rendered)
    assert any(text.startswith("k: |+") for text in rendered)
    assert any(text.startswith("k: |-") for text in rendered)
    assert any(text.startswith("? ") for text in (dump_document({s: 1}) for s in EDGE_STRINGS))
    # JSON.stringify leaves U+2028 raw, so yaml's \\L escape never appears; \\e and \\x01 do.
    assert any("\\e" in text for text in rendered) and any("\\x01" in text for text in rendered)
    assert any("\\ud800" in text for text in rendered)
