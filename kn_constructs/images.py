"""Container image references, parsed as Knative parses them, and pinned by digest or not.

One parser for the constructs, the router and the linter.

Knative's webhook refuses a container whose ``image`` go-containerregistry cannot parse
(``pkg/apis/serving/k8s_validation.go`` ``validate``: ``name.ParseReference(image,
name.WeakValidation)``, go-containerregistry v0.20.3 ``pkg/name``). :func:`image_reference_error`
ports that parser: ``ParseReference`` tries a tag reference (``NewTag``), then a digest
reference (``NewDigest``):

- a tag is what follows the last ``:`` when that part has no ``/``; when given it has 1..128
  characters of ``[A-Za-z0-9_.-]`` (an empty tag means ``latest``);
- a digest follows the only ``@`` and is ``sha256:`` plus exactly 64 lower-case hex digits
  (``digest.Canonical``; ``sha512`` and upper-case hex are refused);
- the first ``/``-separated part is the registry when it holds a ``.`` or a ``:``; it must be
  an RFC 3986 authority (``url.Parse("//" + registry).Host == registry``);
- the repository has 2..255 characters of ``[a-z0-9_./-]`` (no upper case); on Docker Hub a
  one-part repository counts with its implicit ``library/``.

The pinned-or-not rule (KN-IMAGE-1) reads the same parse: an image is pinned when it is a
valid digest reference.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from kn_constructs.errors import Problem

__all__ = [
    "IMAGE_DIGEST",
    "ImageReference",
    "image_problems",
    "image_reference_error",
    "parse_image_reference",
    "unpinned_image_reason",
]

#: A digest-pinned reference ends like this (``sha256`` is the only algorithm Knative parses).
IMAGE_DIGEST: Final = re.compile(r"@sha256:[0-9a-f]{64}$")

_TAG_CHARS: Final = "abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_REPOSITORY_CHARS: Final = "abcdefghijklmnopqrstuvwxyz0123456789_-./"
_DEFAULT_REGISTRY: Final = "index.docker.io"
_DEFAULT_REGISTRY_ALIAS: Final = "docker.io"
_DIGEST_PREFIX: Final = "sha256:"
_DIGEST_HEX: Final = re.compile(r"[a-f0-9]{64}")
# Characters Go's net/url accepts unescaped in a host (shouldEscape(c, encodeHost) is false).
_HOST_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]<>\""
)


class _BadNameError(ValueError):
    """go-containerregistry's ``ErrBadName``."""


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference.

    Attributes:
        registry: The registry host (``index.docker.io`` when none is given).
        repository: The repository path, as written (without Docker Hub's ``library/``).
        tag: The tag (``latest`` when none is given); ``None`` for a digest reference.
        digest: ``sha256:<hex>`` for a digest reference, else ``None``.
    """

    registry: str
    repository: str
    tag: str | None
    digest: str | None


def _check_element(name: str, element: str, allowed: str, low: int, high: int) -> None:
    """``checkElement``: a length in runes, then the character set."""
    if not low <= len(element) <= high:
        raise _BadNameError(f"{name} must be between {low} and {high} characters in length: {element}")
    if any(ch not in allowed for ch in element):
        raise _BadNameError(f"{name} can only contain the characters `{allowed}`: {element}")


def _valid_optional_port(port: str) -> bool:
    """Go's ``validOptionalPort``: empty, or ``:`` followed by digits only."""
    if port == "":
        return True
    return port.startswith(":") and all("0" <= ch <= "9" for ch in port[1:])


def _host_error(host: str) -> bool:
    """Whether Go's ``url.Parse("//" + host)`` fails or yields another ``Host``."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in host):
        return True  # stringContainsCTLByte
    if any(ch in "#?@/%" for ch in host):
        return True  # fragment, query, user info, path, escapes: Host differs (or fails)
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0 or not _valid_optional_port(host[end + 1 :]):
            return True
    else:
        colon = host.rfind(":")
        if colon >= 0 and not _valid_optional_port(host[colon:]):
            return True
    return any(ord(ch) < 0x80 and ch not in _HOST_CHARS for ch in host)


def _registry(name: str) -> str:
    """``NewRegistry`` (weak): an RFC 3986 authority; ``docker.io`` means Docker Hub."""
    if _host_error(name):
        raise _BadNameError(f"registries must be valid RFC 3986 URI authorities: {name}")
    if name == "":
        return _DEFAULT_REGISTRY
    return _DEFAULT_REGISTRY if name == _DEFAULT_REGISTRY_ALIAS else name


def _repository(name: str) -> tuple[str, str]:
    """``NewRepository`` (weak): ``(registry, repository)``."""
    if not name:
        raise _BadNameError("a repository name must be specified")
    registry, repo = "", name
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first):
        registry, repo = first, rest
    _check_element("repository", repo, _REPOSITORY_CHARS, 2, 255)
    return _registry(registry), repo


def _repository_name(registry: str, repo: str) -> str:
    """``Repository.Name``: Docker Hub's one-part repositories live under ``library/``."""
    if registry == _DEFAULT_REGISTRY and "/" not in repo:
        repo = f"library/{repo}"
    return f"{registry}/{repo}"


def _tag(name: str) -> ImageReference:
    """``NewTag`` (weak)."""
    base, tag = name, ""
    parts = name.split(":")
    if len(parts) > 1 and "/" not in parts[-1]:
        base, tag = ":".join(parts[:-1]), parts[-1]
    if tag:
        _check_element("tag", tag, _TAG_CHARS, 1, 128)
    registry, repo = _repository(base)
    return ImageReference(registry, repo, tag or "latest", None)


def _digest(name: str) -> ImageReference:
    """``NewDigest`` (weak), with go-digest's ``Canonical.Validate``."""
    parts = name.split("@")
    if len(parts) != 2:
        raise _BadNameError(
            f"a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: {name}"
        )
    base, dig = parts
    if not dig.startswith(_DIGEST_PREFIX):
        raise _BadNameError(f"unsupported digest algorithm: {dig}")
    hex_part = dig[len(_DIGEST_PREFIX) :]
    if len(hex_part) != 64:
        raise _BadNameError("invalid checksum digest length")
    if _DIGEST_HEX.fullmatch(hex_part) is None:
        raise _BadNameError("invalid checksum digest format")
    try:
        tagged = _tag(base)
    except _BadNameError:
        pass
    else:
        base = _repository_name(tagged.registry, tagged.repository)
    registry, repo = _repository(base)
    return ImageReference(registry, repo, None, dig)


def parse_image_reference(image: str) -> ImageReference:
    """Parse ``image`` as go-containerregistry's ``name.ParseReference`` (weak validation).

    Raises:
        ValueError: The reference does not parse; the message is the reason the digest form
            failed when the image has an ``@``, else the reason the tag form failed.
    """
    try:
        return _tag(image)
    except _BadNameError as tag_error:
        try:
            return _digest(image)
        except _BadNameError as digest_error:
            raise ValueError(str(digest_error if "@" in image else tag_error)) from None


@functools.lru_cache(maxsize=4096)
def image_reference_error(image: str) -> str | None:
    """Why Knative's webhook refuses ``image``, or ``None`` when it parses.

    The reason names the part that fails (``repository can only contain ...``); Knative's own
    detail is always ``could not parse reference: <image>``. Verdicts are cached: a fleet's
    manifests repeat the same few images.
    """
    try:
        parse_image_reference(image)
    except ValueError as err:
        return str(err)
    return None


def image_problems(path: str, image: str) -> list[Problem]:
    """``KNATIVE-IMAGE`` for an image Knative cannot parse, worded like Knative's webhook.

    An empty image is not reported here (Knative's ``missing field(s)``; the caller's rule).
    """
    if image == "":
        return []
    why = image_reference_error(image)
    if why is None:
        return []
    return [
        Problem(
            "KNATIVE-IMAGE",
            path,
            f'Failed to parse image reference: image: "{image}", error: could not parse reference: {image}',
            value=image,
            allowed="[registry/]repository[:tag][@sha256:<64 lower-case hex>], repository in lower case",
            hint=f"{why}; Knative's webhook refuses the revision",
        )
    ]


def unpinned_image_reason(image: str) -> str | None:
    """Why ``image`` is not reproducible, or ``None`` when it is pinned by a valid digest.

    Examples: ``"the tag 'latest' moves"`` (no tag or ``latest``), ``"the tag 'v1' can move"``.
    An image that does not parse at all is reported by :func:`image_problems`; here it is
    judged by its written tag.
    """
    try:
        ref = parse_image_reference(image)
    except ValueError:
        ref = None
    if ref is not None:
        if ref.digest is not None:
            return None
        tag: str | None = ref.tag
    else:
        tail = image.rsplit("/", 1)[-1].split("@", 1)[0]
        tag = tail.rsplit(":", 1)[1] if ":" in tail else None
    if tag in (None, "", "latest"):
        return "the tag 'latest' moves"
    return f"the tag {tag!r} can move"
