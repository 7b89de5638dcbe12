r"""cdk8s' names of constructs, computed from a path and an address: no construct tree needed.

One implementation for the two places that need cdk8s' names without calling cdk8s: the
Node-free tree (:mod:`kn_constructs._tree`: ``Names``, ``Node.addr``) and the router's manifests
(:mod:`kn_constructs.router_manifests`: the pods' ``cdk8s.io/metadata.addr`` label). Each
function follows the code it names, read at the versions the library pins:

* :func:`construct_addr`: ``constructs@10`` ``lib/private/node-addr.js`` ``addressOf``: ``"c8"``
  and the hex SHA-1 of every id from the root down, each followed by ``"\n"``, skipping the id
  ``Default``. Node hashes a JavaScript string as UTF-8, a lone surrogate becoming U+FFFD
  (:func:`js_utf8`);
* :func:`to_dns_label` and :func:`to_label_value`: ``cdk8s-core`` 2.70 ``src/names.ts``
  ``toDnsLabel``/``toLabelValue``, with ``calcHash`` (the address, or the SHA-256 of the path
  when ``CDK8S_LEGACY_HASH`` is set) and ``toHumanForm``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

__all__ = ["HASH_LENGTH", "MAX_LENGTH", "construct_addr", "js_utf8", "to_dns_label", "to_label_value"]

#: ``maxLen``'s default: a DNS label's and a label value's limit.
MAX_LENGTH: Final = 63
#: The hash's length in a generated name (``HASH_LEN``).
HASH_LENGTH: Final = 8
#: The id ``addressOf`` skips (a default child does not change its parent's address).
_HIDDEN_ID: Final = "Default"

_DNS_LABEL: Final = re.compile(r"[0-9a-z-]+")
_LABEL_VALUE: Final = re.compile(r"(([0-9a-zA-Z][0-9a-zA-Z\-_.]*)?[0-9a-zA-Z])?")
_NOT_ALLOWED: Final = re.compile(r"[^0-9a-zA-Z\-_.]")
_LEADING_NON_ALNUM: Final = re.compile(r"^[^0-9a-zA-Z]+")


def js_utf8(text: str) -> bytes:
    """``text`` as Node encodes a JavaScript string to UTF-8 (``Buffer.from(text)``, ``hash.update``).

    A JavaScript string is UTF-16: two surrogates in a row are one character, and a lone one is
    written as U+FFFD. A Python string from a JSON round trip can hold either.
    """
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode()


def construct_addr(scope_ids: Iterable[str]) -> str:
    r"""The ``node.addr`` of the construct whose scopes, from the root down, have ``scope_ids``.

    A cdk8s ``App``'s id is ``""``, which still adds its ``"\n"``: the router's Deployment in
    chart ``fleet`` is ``["", "fleet", "router", "Deployment"]``.
    """
    digest = hashlib.sha1(usedforsecurity=False)  # the constructs library's address
    for ident in scope_ids:
        if ident == _HIDDEN_ID:
            continue
        digest.update(js_utf8(ident))
        digest.update(b"\n")
    return "c8" + digest.hexdigest()


def _calc_hash(path: str, addr: str) -> str:
    if os.environ.get("CDK8S_LEGACY_HASH"):
        return hashlib.sha256(js_utf8(path)).hexdigest()[:HASH_LENGTH]
    return addr[:HASH_LENGTH]


def _to_human_form(components: Sequence[str], delimiter: str, max_length: int) -> str:
    # The last components win when the result is too long; repeated neighbours (from the end)
    # and the parts "resource" and "default" are dropped.
    backwards = components[::-1]
    unique = [c for i, c in enumerate(backwards) if i == 0 or c != backwards[i - 1]]
    kept = [c for c in "/".join(unique)[:max_length].split("/")[::-1] if c]
    pieces = delimiter.join(kept).split(delimiter)
    return delimiter.join(p for p in pieces if p and p.lower() not in ("resource", "default"))


def _check_lengths(max_length: int, include_hash: bool, what: str) -> None:
    if max_length < HASH_LENGTH and include_hash:
        raise ValueError(f"minimum max length for {what} is {HASH_LENGTH} (required for hash)")


def _name(
    path: str,
    addr: str,
    *,
    valid: re.Pattern[str],
    normalize: Callable[[str], str],
    delimiter: str,
    extra: Sequence[str],
    include_hash: bool,
    max_length: int,
) -> str:
    # A single component that is already valid is kept as it is; otherwise every component is
    # normalized and cut to max_length, the hash appended and the result put in human form.
    components = [*path.split("/"), *extra]
    if len(components) == 1 and valid.fullmatch(components[0]) and len(components[0]) <= max_length:
        return components[0]
    normalized = [normalize(c)[:max_length] for c in components]
    if include_hash:
        normalized.append(_calc_hash(path, addr))
    return _to_human_form(normalized, delimiter, max_length)


def _dns_normalize(component: str) -> str:
    # toLocaleLowerCase in the root locale: the non-ASCII letters it changes are removed by the
    # filter right after, so str.lower() gives the same result.
    return _NOT_ALLOWED.sub("", component.lower())


def _label_normalize(component: str) -> str:
    return _NOT_ALLOWED.sub("", component)


def to_dns_label(
    path: str,
    addr: str,
    *,
    delimiter: str = "-",
    extra: Sequence[str] = (),
    include_hash: bool = True,
    max_length: int = MAX_LENGTH,
) -> str:
    """``Names.toDnsLabel`` of the construct at ``path`` with address ``addr``."""
    _check_lengths(max_length, include_hash, "object names")
    return _name(
        path,
        addr,
        valid=_DNS_LABEL,
        normalize=_dns_normalize,
        delimiter=delimiter,
        extra=extra,
        include_hash=include_hash,
        max_length=max_length,
    )


def to_label_value(
    path: str,
    addr: str,
    *,
    delimiter: str = "-",
    extra: Sequence[str] = (),
    include_hash: bool = True,
    max_length: int = MAX_LENGTH,
) -> str:
    """``Names.toLabelValue`` of the construct at ``path`` with address ``addr``.

    Cutting to ``max_length`` may leave a leading ``-``, ``_`` or ``.``: it is removed (a valid
    single component starts with a letter or digit, so this changes only decorated names).
    """
    _check_lengths(max_length, include_hash, "label")
    if _NOT_ALLOWED.search(delimiter):
        raise ValueError('delim should not contain "[^0-9a-zA-Z-_.]"')
    name = _name(
        path,
        addr,
        valid=_LABEL_VALUE,
        normalize=_label_normalize,
        delimiter=delimiter,
        extra=extra,
        include_hash=include_hash,
        max_length=max_length,
    )
    return _LEADING_NON_ALNUM.sub("", name)
