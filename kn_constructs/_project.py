"""Where the project lives: the one place its public URLs are spelled."""

from __future__ import annotations

from typing import Final

__all__ = ["DOCS_URL", "REPOSITORY_URL", "code_url"]

#: The source repository.
REPOSITORY_URL: Final = "https://github.com/kn-constructs/kn-constructs"
#: The documentation folder, as rendered by the repository host.
DOCS_URL: Final = f"{REPOSITORY_URL}/blob/main/docs"


def code_url(code: str) -> str:
    """The documentation of one finding code: its section of ``docs/errors.md``."""
    return f"{DOCS_URL}/errors.md#{code.lower()}"
