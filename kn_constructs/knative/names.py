"""Kubernetes name rules as Knative applies them, with Knative's error texts.

Knative Service, Configuration, Route and Revision names, BYO revision names and traffic tags
must be DNS-1035 labels (``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63 characters). The messages
are Kubernetes' ``validation.IsDNS1035Label`` texts wrapped the way Knative wraps them
(``not a DNS 1035 label: [...]``).
"""

from __future__ import annotations

import re
from typing import Final

from kn_constructs.errors import Problem

__all__ = [
    "DNS1035_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "dns1035_messages",
    "dns1035_problems",
    "dns1123_label_messages",
    "dns1123_subdomain_messages",
    "is_dns1035_label",
    "qualified_name_messages",
]

#: Longest DNS-1035 label (``validation.DNS1035LabelMaxLength``).
DNS1035_MAX_LENGTH: Final = 63
#: Longest DNS-1123 subdomain (``validation.DNS1123SubdomainMaxLength``).
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253

_DNS1035_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035: Final = re.compile(_DNS1035_FMT)
_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL: Final = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_FMT: Final = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN: Final = re.compile(_DNS1123_SUBDOMAIN_FMT)
_QUALIFIED_NAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME: Final = re.compile(_QUALIFIED_NAME_FMT)


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """Kubernetes' ``validation.RegexError`` text (note its double space before ``or``)."""
    shown = "".join(("" if i == 0 else " or ") + f"'{example}', " for i, example in enumerate(examples))
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


_DNS1035_REGEX_MSG: Final = _regex_error(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character",
    _DNS1035_FMT,
    "my-name",
    "abc-123",
)
_DNS1123_LABEL_REGEX_MSG: Final = _regex_error(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character",
    _DNS1123_LABEL_FMT,
    "my-name",
    "123-abc",
)
_DNS1123_SUBDOMAIN_REGEX_MSG: Final = _regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character",
    _DNS1123_SUBDOMAIN_FMT,
    "example.com",
)
_QUALIFIED_NAME_REGEX_MSG: Final = "name part " + _regex_error(
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character",
    _QUALIFIED_NAME_FMT,
    "MyName",
    "my.name",
    "123-abc",
)


def _max_len(limit: int) -> str:
    return f"must be no more than {limit} characters"


def is_dns1035_label(name: str) -> bool:
    """Whether ``name`` is a DNS-1035 label: lower case, starts with a letter, <= 63 characters."""
    return len(name) <= DNS1035_MAX_LENGTH and _DNS1035.fullmatch(name) is not None


def dns1035_messages(name: str, *, prefix: bool = False) -> list[str]:
    """Kubernetes' messages for a bad DNS-1035 label (``NameIsDNS1035Label``); empty if valid.

    Args:
        name: The name to check.
        prefix: Check a ``generateName`` prefix: a trailing ``-`` is allowed.
    """
    if prefix and len(name) > 1 and name.endswith("-"):
        name = name[:-1] + "a"
    found = []
    if len(name) > DNS1035_MAX_LENGTH:
        found.append(_max_len(DNS1035_MAX_LENGTH))
    if _DNS1035.fullmatch(name) is None:
        found.append(_DNS1035_REGEX_MSG)
    return found


def dns1035_problems(name: str, *, path: str, code: str = "KNATIVE-NAME") -> list[Problem]:
    """Problems for a name that must be a DNS-1035 label, worded like Knative's webhook.

    Args:
        name: The name to check (a Service name, a revision name, a traffic tag).
        path: Where the name is (``metadata.name``).
        code: The problem code; a practice ID when a construct checks its own props.

    Returns:
        One problem (``not a DNS 1035 label: [...]``) if the name is invalid, else none.
    """
    messages = dns1035_messages(name)
    if not messages:
        return []
    return [
        Problem(
            code,
            path,
            f"not a DNS 1035 label: [{' '.join(messages)}]",
            value=name,
            allowed=f"lower-case letters, digits and '-', starting with a letter, "
            f"at most {DNS1035_MAX_LENGTH} characters",
            hint="use a name like 'llama-3-8b': lower case, start with a letter, no dots",
        )
    ]


def dns1123_label_messages(name: str) -> list[str]:
    """Kubernetes' messages for a bad DNS-1123 label (volume names); empty if valid."""
    found = []
    if len(name) > DNS1035_MAX_LENGTH:
        found.append(_max_len(DNS1035_MAX_LENGTH))
    if _DNS1123_LABEL.fullmatch(name) is None:
        found.append(_DNS1123_LABEL_REGEX_MSG)
    return found


def dns1123_subdomain_messages(name: str) -> list[str]:
    """Kubernetes' messages for a bad DNS-1123 subdomain (service account names); empty if valid."""
    found = []
    if len(name) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        found.append(_max_len(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _DNS1123_SUBDOMAIN.fullmatch(name) is None:
        found.append(_DNS1123_SUBDOMAIN_REGEX_MSG)
    return found


def qualified_name_messages(name: str) -> list[str]:
    """Kubernetes' ``IsQualifiedName`` messages (traffic revisionName/configurationName)."""
    parts = name.split("/")
    if len(parts) == 1:
        prefix, short = "", parts[0]
    elif len(parts) == 2:
        prefix, short = parts
        if not prefix:
            return ["prefix part must be non-empty"]
    else:
        return [
            "a qualified name "
            + _regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                "end with an alphanumeric character",
                "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]",
                "MyName",
                "my.name",
                "123-abc",
            )
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    found = []
    if not short:
        found.append("name part must be non-empty")
    elif len(short) > DNS1035_MAX_LENGTH:
        found.append("name part " + _max_len(DNS1035_MAX_LENGTH))
    if short and _QUALIFIED_NAME.fullmatch(short) is None:
        found.append(_QUALIFIED_NAME_REGEX_MSG)
    if prefix:
        found.extend("prefix part " + msg for msg in dns1123_subdomain_messages(prefix))
    return found
