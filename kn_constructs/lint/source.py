"""Reading YAML for the linter: every document once, with the parser's node tree kept for line numbers.

PyYAML's ``load_all`` composes each document into a node tree (in C with ``CSafeLoader``) and then
constructs Python objects from it. :func:`read_documents` does exactly the same work but keeps the
node of each document, so the linter can later map a problem's field path to a line without
parsing again (:func:`line_of`). Nothing is done with the nodes unless a document has findings.

A document that does not parse is reported as a :class:`BrokenDocument`, and the other documents of
the same file are still read: on a parse error the file is split at its ``---`` markers and each
part is parsed on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml

__all__ = ["YAML_LOADER", "BrokenDocument", "Document", "iter_documents", "line_of", "read_documents"]

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

#: The fastest safe loader PyYAML has here (libyaml's C loader when built with it).
YAML_LOADER = _Loader

#: A line that starts a new YAML document (``---``) or ends one (``...``) at column 0.
_MARKER: Final = re.compile(r"^(---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)
#: Lines that carry no content of their own (blank, comment or directive).
_NO_CONTENT: Final = re.compile(r"^\s*(#.*|%.*)?$")
_INDEX: Final = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Document:
    """One parsed YAML document.

    Attributes:
        index: Position of the document in its file, from 0 (empty documents count).
        data: The document as plain Python values (what ``yaml.safe_load`` returns).
        node: The parser's node tree of the document, for :func:`line_of`.
        line_offset: Lines before the part of the file the node's marks count from.
    """

    index: int
    data: Any
    node: yaml.Node
    line_offset: int = 0

    @property
    def line(self) -> int:
        """The 1-based line where the document's content starts."""
        return self.node.start_mark.line + 1 + self.line_offset

    def line_of(self, path: str) -> int:
        """The 1-based line of the field at ``path`` (or of its closest existing parent)."""
        return line_of(self.node, path) + 1 + self.line_offset


@dataclass(frozen=True)
class BrokenDocument:
    """A document the YAML parser refused.

    Attributes:
        index: Position of the document in its file, from 0.
        line: The 1-based line the parser points at.
        message: The parser's explanation (``mapping values are not allowed here``).
    """

    index: int
    line: int
    message: str


def _parse(text: str, first_index: int, line_offset: int) -> Iterator[Document]:
    loader = _Loader(text)
    try:
        index = first_index
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node() said a document follows
                break
            data = loader.construct_document(node)
            yield Document(index, data, node, line_offset)
            index += 1
    finally:
        loader.dispose()


def _error_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def _error_message(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem is None:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{problem} ({context})" if context else str(problem)


def _parts(text: str) -> Iterator[tuple[str, int, bool]]:
    """Split a YAML stream at its document markers: ``(text, first line offset, explicit start)``."""
    starts = [m.start() for m in _MARKER.finditer(text)]
    bounds = [0, *starts, len(text)]
    for i in range(len(bounds) - 1):
        begin, end = bounds[i], bounds[i + 1]
        part = text[begin:end]
        if part.startswith("..."):
            # A document end marker: what follows it (until the next marker) starts a new part.
            newline = part.find("\n")
            if newline < 0:
                continue
            begin += newline + 1
            part = text[begin:end]
            explicit = False
        else:
            explicit = part.startswith("---")
        yield part, text.count("\n", 0, begin), explicit


def _has_content(part: str) -> bool:
    return any(not _NO_CONTENT.match(line) for line in part.splitlines())


def _by_parts(text: str) -> Iterator[Document | BrokenDocument]:
    """Parse each ``---``-separated part on its own, so one broken document hides no other."""
    index = 0
    for part, offset, explicit in _parts(text):
        if not explicit and not _has_content(part):
            continue
        try:
            parsed = list(_parse(part, index, offset))
        except yaml.YAMLError as error:
            yield BrokenDocument(index, _error_line(error) + offset, _error_message(error))
            index += 1
            continue
        yield from parsed
        index += max(len(parsed), 1 if explicit else 0)


def iter_documents(text: str) -> Iterator[Document | BrokenDocument]:
    """Every document of a YAML stream, parsed once, one at a time; broken ones hide no others.

    Documents are produced as they are parsed, so a caller that is done with one drops its node
    tree before the next is built (keeping a whole file's trees alive costs more than parsing).
    When the stream does not parse, the documents after the last good one are read part by part
    (split at the ``---`` markers), and each part that still does not parse becomes a
    :class:`BrokenDocument`.

    Args:
        text: The whole file (a multi-document stream is fine).

    Yields:
        In file order, a :class:`Document` for each parsed document (empty documents included, with
        ``data`` ``None``) and a :class:`BrokenDocument` for each one that does not parse.
    """
    done = 0
    try:
        for document in _parse(text, 0, 0):
            yield document
            done += 1
        return
    except yaml.YAMLError:
        pass
    for item in _by_parts(text):
        if item.index >= done:
            yield item


def read_documents(text: str) -> list[Document | BrokenDocument]:
    """Every document of a YAML stream, as a list (see :func:`iter_documents`).

    Args:
        text: The whole file (a multi-document stream is fine).

    Returns:
        The documents in file order: a :class:`Document` for each parsed one (empty documents
        included, with ``data`` ``None``), a :class:`BrokenDocument` for each one that does not
        parse.
    """
    return list(iter_documents(text))


def line_of(node: yaml.Node, path: str) -> int:
    """The 0-based line of the field a dotted path names, counted from the node's stream.

    Map keys may themselves contain dots and slashes (``metadata.annotations.autoscaling.knative.dev/
    window``): at each mapping the longest key that the rest of the path starts with is taken.
    The line is the key's line for a map entry and the item's line for a list item (``env[1]``).
    When part of the path does not exist in the document, the line of the closest existing parent
    is returned.

    Args:
        node: The document's node tree (:attr:`Document.node`).
        path: A field path as the checks write it.

    Returns:
        A 0-based line number.
    """
    line: int = node.start_mark.line
    rest = path
    while rest:
        if rest.startswith("["):
            match = _INDEX.match(rest)
            if match is None or not isinstance(node, yaml.SequenceNode):
                break
            position = int(match.group(1))
            if position >= len(node.value):
                break
            node = node.value[position]
            line = node.start_mark.line
            rest = rest[match.end() :]
        elif isinstance(node, yaml.MappingNode):
            best: tuple[yaml.Node, yaml.Node] | None = None
            best_length = -1
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if not isinstance(name, str) or len(name) <= best_length:
                    continue
                if rest == name or (rest.startswith(name) and rest[len(name)] in ".["):
                    best, best_length = (key, value), len(name)
            if best is None:
                break
            line = best[0].start_mark.line
            node = best[1]
            rest = rest[best_length:]
        else:
            break
        if rest.startswith("."):
            rest = rest[1:]
    return line
