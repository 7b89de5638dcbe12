"""Reading YAML for the linter: every document once, with the parser's node tree kept for line numbers.

PyYAML's ``load_all`` composes each document into a node tree (in C with ``CSafeLoader``) and then
constructs Python objects from it. :func:`read_documents` does exactly the same work but keeps the
node of each document, so the linter can later map a problem's field path to a line without
parsing again (:func:`line_of`). Nothing is done with the nodes unless a document has findings.

A document that does not parse is reported as a :class:`BrokenDocument`, and the other documents of
the same file are still read: on a parse error the file is split at its ``---`` markers and each
part is parsed on its own.

Hostile input is bounded before anything is built from it (:func:`inspect_node`, one pass over the
node tree, linear in its size): a document that aliases expand beyond :data:`MAX_ALIAS_NODES`
extra nodes (a "billion laughs"), that refers to itself, or that nests deeper than
:data:`MAX_DEPTH` is a :class:`BrokenDocument` and is never constructed. Duplicate keys and
documents that are not mappings are reported as :class:`DocumentIssue` values on the document.
Files are read by :func:`read_input`: regular files only, at most a given size.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from kn_constructs.errors import Severity

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "YAML_LOADER",
    "BrokenDocument",
    "Document",
    "DocumentIssue",
    "InputError",
    "inspect_node",
    "iter_documents",
    "line_of",
    "read_bytes_limited",
    "read_documents",
    "read_input",
]

try:
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader

#: Largest file read by default (``--max-file-size`` raises it): 16 MiB.
DEFAULT_MAX_FILE_BYTES: Final = 16 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted in a document. Kubernetes objects nest about 15
#: deep; the bound keeps every recursive step (checks, output) far from Python's recursion limit.
MAX_DEPTH: Final = 100
#: Most nodes that aliases may add to a document when expanded (beyond the nodes written). A
#: document over it is refused, as hardened loaders refuse "excessive aliasing" (yaml.v3).
MAX_ALIAS_NODES: Final = 100_000
#: Go's encoding/json writes a float64 without exponent below this magnitude (``1.0`` -> ``1``).
_GO_PLAIN_FLOAT_LIMIT: Final = 1e21

_FLOAT_TAG: Final = "tag:yaml.org,2002:float"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The fast safe loader, with numbers as they go on the wire (see :func:`_construct_float`)."""


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float | int:
    """A YAML float, as Kubernetes receives it: integral values become integers.

    kubectl turns YAML into JSON with ``sigs.k8s.io/yaml`` ``YAMLToJSON`` (yaml.v2 decodes ``1.0``
    as ``float64(1)``; ``encoding/json`` then writes it as ``1``), so the API server sees ``1``
    where the file says ``1.0``. ``0.5``, infinities and NaN stay floats.
    """
    value = loader.construct_yaml_float(node)
    if math.isfinite(value) and value.is_integer() and abs(value) < _GO_PLAIN_FLOAT_LIMIT:
        return int(value)
    return value


_Loader.add_constructor(_FLOAT_TAG, _construct_float)

#: The safe loader the linter reads YAML with (libyaml's C loader when PyYAML is built with it).
YAML_LOADER = _Loader

#: A line that starts a new YAML document (``---``) or ends one (``...``) at column 0.
_MARKER: Final = re.compile(r"^(---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)
#: Lines that carry no content of their own (blank, comment or directive).
_NO_CONTENT: Final = re.compile(r"^[ \t]*(?:[#%].*)?$")
_INDEX: Final = re.compile(r"\[(\d+)\]")


class InputError(Exception):
    """An input that is not read: not a regular file, too large, missing, unreadable, not UTF-8."""


@dataclass(frozen=True)
class DocumentIssue:
    """Something wrong with a document's YAML that does not stop it from being checked.

    Attributes:
        line: 0-based line in the node's stream (as the node marks count).
        message: What is wrong (``duplicate key "spec" (first at line 3)``).
        severity: ``"error"`` (duplicate keys), ``"warning"`` (a document that is not a mapping:
            Kubernetes refuses it, but YAML files that are not manifests are often linted along).
    """

    line: int
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Document:
    """One parsed YAML document.

    Attributes:
        index: Position of the document in its file, from 0 (empty documents count).
        data: The document as plain Python values (what ``yaml.safe_load`` returns, with integral
            floats as integers).
        node: The parser's node tree of the document, for :func:`line_of`.
        line_offset: Lines before the part of the file the node's marks count from.
        issues: Duplicate keys, or a document that is not a mapping.
    """

    index: int
    data: Any
    node: yaml.Node
    line_offset: int = 0
    issues: tuple[DocumentIssue, ...] = ()
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def line(self) -> int:
        """The 1-based line where the document's content starts."""
        return self.node.start_mark.line + 1 + self.line_offset

    def line_of(self, path: str) -> int:
        """The 1-based line of the field at ``path`` (or of its closest existing parent)."""
        return line_of(self.node, path, self._keys) + 1 + self.line_offset


@dataclass(frozen=True)
class BrokenDocument:
    """A document the YAML parser refused, or that is refused before it is built.

    Attributes:
        index: Position of the document in its file, from 0.
        line: The 1-based line the parser points at.
        message: The parser's explanation (``mapping values are not allowed here``).
        refused: The document parses but is not built (too deep, an alias bomb, recursive).
    """

    index: int
    line: int
    message: str
    refused: bool = False


class _RefusedError(Exception):
    """A node tree that is not built: too deep, too many alias nodes, or recursive."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _duplicates(node: yaml.MappingNode) -> list[DocumentIssue]:
    """Keys written twice in one mapping (merge keys ``<<`` aside), with both lines."""
    seen: dict[str, int] = {}
    issues = []
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        line = key.start_mark.line
        if key.value in seen:
            issues.append(_duplicate(key.value, seen[key.value], line))
        else:
            seen[key.value] = line
    return issues


def _duplicate(name: str, first: int, again: int) -> DocumentIssue:
    return DocumentIssue(
        again,
        f"duplicate key {name!r} (first at line {first + 1}, again at line {again + 1}):"
        " Kubernetes' strict field validation refuses it, and only the last one is kept",
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value)


def _without_aliases(root: yaml.Node, max_depth: int) -> list[DocumentIssue] | None:
    """The duplicate keys of a tree in which no node appears twice; ``None`` if one does (aliases).

    The common case, kept cheap: scalars are never pushed, and a mapping's keys are compared as a
    set first (the exact search only runs when the set is short).

    Raises:
        _RefusedError: The tree nests deeper than ``max_depth``.
    """
    mapping, scalar = yaml.MappingNode, yaml.ScalarNode
    seen: set[int] = set()
    issues: list[DocumentIssue] = []
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if node.__class__ is scalar:
            continue
        key = id(node)
        if key in seen:
            return None
        seen.add(key)
        if depth > max_depth or (depth == max_depth and node.value):
            raise _RefusedError(node.start_mark.line, f"nested deeper than {max_depth} levels")
        child = depth + 1
        if node.__class__ is mapping:
            pairs = node.value
            if len({k.value for k, _ in pairs if k.__class__ is scalar}) != len(pairs):
                issues.extend(_duplicates(node))
            for k, v in pairs:
                if k.__class__ is not scalar:
                    stack.append((k, child))
                if v.__class__ is not scalar:
                    stack.append((v, child))
        else:
            stack.extend((c, child) for c in node.value if c.__class__ is not scalar)
    return issues


def inspect_node(
    root: yaml.Node, *, max_depth: int = MAX_DEPTH, max_alias_nodes: int = MAX_ALIAS_NODES
) -> list[DocumentIssue]:
    """Check a document's node tree before anything is built from it.

    One pass without recursion, linear in the nodes written: every collection node is walked once,
    also when aliases repeat it; its expanded size and height are then known for every alias.

    Args:
        root: The document's node tree.
        max_depth: Deepest nesting accepted, aliases expanded.
        max_alias_nodes: Most nodes aliases may add when expanded.

    Returns:
        The duplicate keys.

    Raises:
        _RefusedError: The tree nests deeper than ``max_depth``, refers to itself, or its aliases
            expand to more than ``max_alias_nodes`` nodes beyond the ones written.
    """
    plain = _without_aliases(root, max_depth)
    if plain is not None:
        return plain
    issues: list[DocumentIssue] = []
    # (expanded size, height) of each finished collection node; None while it is being walked
    done: dict[int, tuple[int, int] | None] = {}
    written = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        if finished:
            size, height = 1, 0
            for child in _children(node):
                child_size, child_height = done.get(id(child)) or (1, 0)
                size += child_size
                height = max(height, child_height)
            done[id(node)] = (size, height + 1)
            continue
        if isinstance(node, yaml.ScalarNode):
            written += 1
            if depth > max_depth:
                raise _RefusedError(node.start_mark.line, f"nested deeper than {max_depth} levels")
            continue
        key = id(node)
        if key in done:
            known = done[key]
            if known is None:
                raise _RefusedError(
                    node.start_mark.line, "an alias refers to a node that contains it (a recursive structure)"
                )
            if depth + known[1] - 1 > max_depth:
                raise _RefusedError(
                    node.start_mark.line, f"nested deeper than {max_depth} levels (aliases expanded)"
                )
            continue
        if depth > max_depth:
            raise _RefusedError(node.start_mark.line, f"nested deeper than {max_depth} levels")
        done[key] = None
        written += 1
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode):
            issues.extend(_duplicates(node))
        stack.extend((child, depth + 1, False) for child in reversed(_children(node)))
    expanded = (done.get(id(root)) or (1, 0))[0]
    if expanded - written > max_alias_nodes:
        raise _RefusedError(
            root.start_mark.line,
            f"aliases expand the document to {expanded:,} nodes ({written:,} written), more than"
            f" {max_alias_nodes:,} added by aliases (an alias bomb?)",
        )
    return issues


def _shape_issue(node: yaml.Node) -> list[DocumentIssue]:
    if isinstance(node, yaml.MappingNode):
        return []
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    shape = "a list" if isinstance(node, yaml.SequenceNode) else f"a scalar ({node.value[:40]!r})"
    return [
        DocumentIssue(
            node.start_mark.line,
            f"the document is {shape}, not a mapping: not a Kubernetes object, not checked",
            "warning",
        )
    ]


def _parse(text: str, first_index: int, line_offset: int) -> Iterator[Document | BrokenDocument]:
    loader = _Loader(text)
    try:
        index = first_index
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node() said a document follows
                break
            try:
                issues = inspect_node(node) + _shape_issue(node)
            except _RefusedError as refused:
                yield BrokenDocument(index, refused.line + 1 + line_offset, refused.message, refused=True)
            else:
                data = loader.construct_document(node)
                yield Document(index, data, node, line_offset, tuple(issues))
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
    lines, counted = 0, 0  # newlines before ``counted``: each stretch of text is counted once
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
        lines += text.count("\n", counted, begin)
        counted = begin
        yield part, lines, explicit


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
    :class:`BrokenDocument`. A document refused by :func:`inspect_node` (too deep, an alias bomb,
    recursive) is a :class:`BrokenDocument` too, and the next documents are still read.

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


_KINDS: Final = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _not_regular(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"  # pragma: no cover - no other file types on POSIX


def _too_large(name: str, size: int, max_bytes: int) -> InputError:
    return InputError(
        f"{name}: larger than the limit of {max_bytes:,} bytes ({size:,} bytes or more); raise it with"
        " --max-file-size"
    )


def read_bytes_limited(stream: Any, name: str, max_bytes: int) -> bytes:
    """Read a binary stream to its end, refusing more than ``max_bytes``.

    Raises:
        InputError: The stream holds more than ``max_bytes`` bytes.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    return bytes(data)


def decode(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text.

    Raises:
        InputError: It is not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from error


def read_input(
    path: str | os.PathLike[str], *, name: str | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes.

    The file is opened without blocking and checked with ``fstat`` before anything is read, so a
    named pipe, a device (``/dev/zero``) or a socket is refused at once instead of read forever.

    Args:
        path: The file.
        name: The name to use in messages (default: ``path``).
        max_bytes: Largest size accepted.

    Raises:
        InputError: The file is missing, unreadable, not a regular file, too large or not UTF-8.
    """
    label = str(path) if name is None else name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as error:
        raise InputError(f"{label}: no such file or folder") from error
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket, or a FIFO nobody writes to, on some systems
            raise InputError(f"{label}: not a regular file (a socket or special file)") from error
        raise InputError(f"{label}: cannot read ({error.strerror or error})") from error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"{label}: not a regular file ({_not_regular(info.st_mode)}); not read")
    if info.st_size > max_bytes:
        os.close(fd)
        raise _too_large(label, info.st_size, max_bytes)
    with os.fdopen(fd, "rb") as stream:
        try:
            data = read_bytes_limited(stream, label, max_bytes)
        except OSError as error:
            raise InputError(f"{label}: cannot read ({error.strerror or error})") from error
    return decode(data, label)


def _mapping_index(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key -> (key node, value node); the last of duplicate keys wins, as in the data."""
    return {key.value: (key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _split_points(rest: str) -> Iterator[int]:
    """Lengths of the prefixes of ``rest`` that may be a key: at each ``.`` or ``[``, and all of it."""
    yield len(rest)
    for i in range(len(rest) - 1, 0, -1):
        if rest[i] in ".[":
            yield i


def line_of(
    node: yaml.Node, path: str, cache: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] | None = None
) -> int:
    """The 0-based line of the field a dotted path names, counted from the node's stream.

    Map keys may themselves contain dots and slashes (``metadata.annotations.autoscaling.knative.dev/
    window``): at each mapping the longest key that the rest of the path starts with is taken.
    The line is the key's line for a map entry and the item's line for a list item (``env[1]``).
    When part of the path does not exist in the document, the line of the closest existing parent
    is returned. Each mapping is indexed once (in ``cache``), so a lookup costs the length of the
    path, not the size of the mappings on it.

    Args:
        node: The document's node tree (:attr:`Document.node`).
        path: A field path as the checks write it.
        cache: Indexes of the mappings already seen, kept by the caller between lookups.

    Returns:
        A 0-based line number.
    """
    indexes = {} if cache is None else cache
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
            index = indexes.get(id(node))
            if index is None:
                index = indexes[id(node)] = _mapping_index(node)
            found = next(((n, index[rest[:n]]) for n in _split_points(rest) if rest[:n] in index), None)
            if found is None:
                break
            length, (key, value) = found
            line = key.start_mark.line
            node = value
            rest = rest[length:]
        else:
            break
        if rest.startswith("."):
            rest = rest[1:]
    return line
