"""Container image references: pinned by digest or not (KN-IMAGE-1).

One rule for the constructs, the router and the linter: an image is pinned when it ends
in ``@sha256:<64 hex digits>``; anything else can change under a GitOps deployment
without a change in the repository.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["IMAGE_DIGEST", "unpinned_image_reason"]

#: A digest-pinned reference ends like this.
IMAGE_DIGEST: Final = re.compile(r"@sha256:[0-9a-f]{64}$")


def unpinned_image_reason(image: str) -> str | None:
    """Why ``image`` is not reproducible, or ``None`` when it is pinned by digest.

    Examples: ``"the tag 'latest' moves"`` (no tag or ``latest``), ``"the tag 'v1' can move"``.
    """
    if IMAGE_DIGEST.search(image):
        return None
    tail = image.rsplit("/", 1)[-1].split("@", 1)[0]
    tag = tail.split(":", 1)[1] if ":" in tail else None
    if tag in (None, "latest"):
        return "the tag 'latest' moves"
    return f"the tag {tag!r} can move"
