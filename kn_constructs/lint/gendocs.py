"""Rewrite the generated rule list of ``docs/lint.md``: ``python -m kn_constructs.lint.gendocs [FILE...]``.

The part between :data:`~kn_constructs.lint.catalogue.RULES_BEGIN` and
:data:`~kn_constructs.lint.catalogue.RULES_END` is replaced by
:func:`~kn_constructs.lint.catalogue.rules_markdown`; the rest of the file is kept. A test fails
when the committed page differs from what this writes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kn_constructs.lint.catalogue import update_markdown

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the rule list of each Markdown file given (default ``docs/lint.md``); returns 0."""
    names = list(argv) if argv is not None else (sys.argv[1:] or ["docs/lint.md"])
    for name in names:
        path = Path(name)
        path.write_text(update_markdown(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
