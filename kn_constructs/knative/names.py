"""Kubernetes name rules as Knative applies them, with Knative's error texts.

Knative Service, Configuration, Route and Revision names, BYO revision names and traffic tags
must be DNS-1035 labels (``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63 characters). The messages
are Kubernetes' ``validation.IsDNS1035Label`` texts wrapped the way Knative wraps them
(``not a DNS 1035 label: [...]``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Final

from kn_constructs.errors import Problem
from kn_constructs.knative._go import quote

__all__ = [
    "ANNOTATIONS_MAX_BYTES",
    "DNS1035_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "LABEL_VALUE_MAX_LENGTH",
    "annotation_key_problems",
    "annotations_problems",
    "dns1035_messages",
    "dns1035_problems",
    "dns1123_label_messages",
    "dns1123_subdomain_messages",
    "env_name_messages",
    "env_name_problems",
    "is_dns1035_label",
    "label_key_problems",
    "label_value_messages",
    "label_value_problems",
    "labels_problems",
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
    return list(_qualified_name_messages(name))


@functools.lru_cache(maxsize=4096)
def _qualified_name_messages(name: str) -> tuple[str, ...]:
    # The same label and annotation keys recur in every manifest: remember their verdicts.
    return tuple(_qualified_name_check(name))


def _qualified_name_check(name: str) -> list[str]:
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


# --------------------------------------------------------------------------- labels and annotations

#: Longest label value (``validation.LabelValueMaxLength``).
LABEL_VALUE_MAX_LENGTH: Final = 63
#: Largest total size of an object's annotations (``TotalAnnotationSizeLimitB``, 256 KiB).
ANNOTATIONS_MAX_BYTES: Final = 256 * 1024
_LABEL_VALUE_FMT: Final = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE: Final = re.compile(_LABEL_VALUE_FMT)
_LABEL_VALUE_REGEX_MSG: Final = _regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character",
    _LABEL_VALUE_FMT,
    "MyValue",
    "my_value",
    "12345",
)
_K8S_HINT: Final = "Knative admits it, but the API server refuses the object: nothing is created"


def label_value_messages(value: str) -> list[str]:
    """Kubernetes' ``validation.IsValidLabelValue`` messages; empty when valid."""
    found = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        found.append(_max_len(LABEL_VALUE_MAX_LENGTH))
    if _LABEL_VALUE.fullmatch(value) is None:
        found.append(_LABEL_VALUE_REGEX_MSG)
    return found


def _invalid(code: str, path: str, value: str, message: str, allowed: str, hint: str) -> Problem:
    return Problem(
        code,
        path,
        f"Invalid value: {_quote(value)}: {message}",
        value=value,
        allowed=allowed,
        hint=hint,
    )


def _quote(value: str) -> str:
    return quote(value)


def label_key_problems(path: str, key: str, *, code: str = "K8S-LABEL") -> list[Problem]:
    """``K8S-LABEL`` problems for a label key (``ValidateLabelName``: ``IsQualifiedName``).

    Args:
        path: Where the labels are (``metadata.labels``); the key is appended.
        key: The label key.
        code: The problem code (``K8S-NODE-AFFINITY`` for a match expression's key).

    Returns:
        One problem per Kubernetes message, none when the key is valid.
    """
    return [
        _invalid(
            code,
            f"{path}.{key}" if path else key,
            key,
            message,
            "[DNS-1123 subdomain/]name: alphanumerics, '-', '_', '.', at most 63 characters",
            _K8S_HINT,
        )
        for message in qualified_name_messages(key)
    ]


def label_value_problems(path: str, value: str) -> list[Problem]:
    """``K8S-LABEL`` problems for a label value (``IsValidLabelValue``).

    Args:
        path: The label's path (``metadata.labels.app.kubernetes.io/part-of``).
        value: The label value.
    """
    return [
        _invalid(
            "K8S-LABEL",
            path,
            value,
            message,
            "empty, or at most 63 alphanumerics, '-', '_', '.', starting and ending with an alphanumeric",
            _K8S_HINT,
        )
        for message in label_value_messages(value)
    ]


def labels_problems(path: str, labels: object) -> list[Problem]:
    """``K8S-LABEL`` problems for a whole label map (``ValidateLabels``); non-strings are skipped."""
    if not isinstance(labels, Mapping):
        return []
    found: list[Problem] = []
    for key, value in labels.items():
        if not isinstance(key, str):
            continue
        found += label_key_problems(path, key)
        if isinstance(value, str):
            found += label_value_problems(f"{path}.{key}" if path else key, value)
    return found


def annotation_key_problems(path: str, key: str) -> list[Problem]:
    """``K8S-ANNOTATION`` problems for an annotation key.

    ``ValidateAnnotations`` checks ``IsQualifiedName(strings.ToLower(key))``: upper case is
    fine, the rest follows the label-key rules.
    """
    return [
        _invalid(
            "K8S-ANNOTATION",
            f"{path}.{key}" if path else key,
            key,
            message,
            "[DNS-1123 subdomain/]name: alphanumerics, '-', '_', '.', at most 63 characters",
            _K8S_HINT,
        )
        for message in qualified_name_messages(key.lower())
    ]


def annotations_problems(path: str, annotations: object) -> list[Problem]:
    """``K8S-ANNOTATION`` problems for an annotation map: each key, then the total size."""
    if not isinstance(annotations, Mapping):
        return []
    found: list[Problem] = []
    total = 0
    for key, value in annotations.items():
        if not isinstance(key, str):
            continue
        found += annotation_key_problems(path, key)
        total += len(key.encode()) + (len(value.encode()) if isinstance(value, str) else 0)
    if total > ANNOTATIONS_MAX_BYTES:
        found.append(
            Problem(
                "K8S-ANNOTATION",
                path,
                f"Too long: may not be more than {ANNOTATIONS_MAX_BYTES} bytes",
                value=total,
                allowed=f"<= {ANNOTATIONS_MAX_BYTES} bytes of keys and values",
                hint=_K8S_HINT,
            )
        )
    return found


#: A character ``IsRelaxedEnvVarName`` refuses: outside printable ASCII, or ``=``.
_ENV_NAME_BAD: Final = re.compile(r"[^\x20-\x7e]|=")


def env_name_messages(name: str) -> list[str]:
    """Kubernetes' ``validation.IsRelaxedEnvVarName`` messages (the rule since 1.32); empty if valid.

    Any printable ASCII character but ``=`` is allowed, so ``1BAD`` is a valid name.
    """
    found = []
    if name == "":
        found.append("environment variable name must be non-empty")
    if _ENV_NAME_BAD.search(name) is not None:
        found.append(
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        )
    return found


def env_name_problems(path: str, name: str) -> list[Problem]:
    """``K8S-ENV`` problems for an environment variable name (``ValidateEnv``).

    Args:
        path: The name's path (``spec.template.spec.containers[0].env[0].name``).
        name: The name.
    """
    return [
        Problem(
            "K8S-ENV",
            path,
            f"Invalid value: {quote(name)}: {message}",
            value=name,
            allowed="printable ASCII other than '='",
            hint="the API server refuses the Deployment Knative creates: the pods never start",
        )
        for message in env_name_messages(name)
    ]
