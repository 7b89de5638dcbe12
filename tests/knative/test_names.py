"""DNS-1035 names with Kubernetes' and Knative's texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.knative.names import (
    DNS1035_MAX_LENGTH,
    dns1035_messages,
    dns1035_problems,
    is_dns1035_label,
    qualified_name_messages,
)

REGEX_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


@pytest.mark.parametrize("name", ["a", "llama", "llama-3-8b", "a" * 63, "x1"])
def test_valid_labels(name: str) -> None:
    assert is_dns1035_label(name)
    assert dns1035_problems(name, path="metadata.name") == []


@pytest.mark.parametrize(
    "name", ["", "Llama", "1llama", "llama-", "llama.3", "llama_3", "a" * 64, "-a", "lläma"]
)
def test_invalid_labels(name: str) -> None:
    assert not is_dns1035_label(name)


def test_too_long_message() -> None:
    """Knative test: TestRouteValidation/invalid name - too long."""
    (problem,) = dns1035_problems("a" * 64, path="metadata.name")
    assert problem.code == "KNATIVE-NAME"
    assert problem.path == "metadata.name"
    assert problem.message == "not a DNS 1035 label: [must be no more than 63 characters]"
    assert problem.value == "a" * 64


def test_regex_message_keeps_kubernetes_double_space() -> None:
    """Knative test: TestValidateObjectMetadata (the two spaces after 'my-name',)."""
    (problem,) = dns1035_problems("Bad_Name", path="metadata.name", code="KN-FLEET-1")
    assert problem.code == "KN-FLEET-1"
    assert problem.message == f"not a DNS 1035 label: [{REGEX_MSG}]"


def test_both_messages_are_joined_with_a_space() -> None:
    assert dns1035_messages("A" * 64) == ["must be no more than 63 characters", REGEX_MSG]


def test_generate_name_prefix_may_end_with_dash() -> None:
    assert dns1035_messages("llama-", prefix=True) == []
    assert dns1035_messages("llama-") == [REGEX_MSG]


def test_qualified_names() -> None:
    assert qualified_name_messages("llama-00001") == []
    assert qualified_name_messages("My.Name_1") == []
    (message,) = qualified_name_messages("b ar")
    assert message.startswith("name part must consist of alphanumeric characters")


@given(st.from_regex(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True))
def test_generated_labels_are_valid(name: str) -> None:
    assert len(name) <= DNS1035_MAX_LENGTH
    assert is_dns1035_label(name)


@given(st.text(alphabet="abc-", min_size=64, max_size=80))
def test_long_names_are_invalid(name: str) -> None:
    assert not is_dns1035_label(name)
    assert "must be no more than 63 characters" in dns1035_messages(name)
