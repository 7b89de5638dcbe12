r"""The YAML text cdk8s writes, produced in Python.

cdk8s writes every chart with ``Yaml.save`` -> ``Yaml.stringify`` (``cdk8s/lib/yaml.js``,
cdk8s 2.70.115)::

    docs.map(r => r === undefined ? '\n'
             : YAML.stringify(r, { keepUndefined: true, lineWidth: 0, version: '1.1' }))
        .join('---\n')

with the npm ``yaml`` package **2.9.1** bundled inside cdk8s' jsii tarball. This module is a
rewrite of the parts of that stringifier such documents reach (a document made of plain
objects, arrays, strings, numbers, booleans and nulls; no comments, anchors, tags or flow
collections), each function naming the ``yaml/dist`` function it follows:

* ``stringify/stringifyDocument.js`` ``stringifyDocument``: no directives, no ``---`` start
  marker, the body and one ``\n``.
* ``stringify/stringifyCollection.js`` ``stringifyBlockCollection``, ``nodes/YAMLMap.js`` and
  ``nodes/YAMLSeq.js`` ``toString``: block maps and sequences, two-space indent, sequences
  indented under their key (``indentSeq: true``), empty collections as ``{}`` / ``[]``.
* ``stringify/stringifyPair.js`` ``stringifyPair``: ``key: value``; a key whose rendering is
  longer than 1,024 UTF-16 code units becomes an explicit ``? key`` / ``: value`` pair.
* ``stringify/stringifyString.js`` ``stringifyString``, ``plainString``, ``quotedString``,
  ``singleQuotedString``, ``doubleQuotedString``, ``blockString``: which strings stay plain,
  which are quoted (and how), and block literals (``|``, ``|-``, ``|+``, with an indentation
  indicator when the text starts with a space). ``lineWidth: 0`` turns folding off
  (``foldFlowLines`` returns its input), so block scalars are always literal.
* ``schema/yaml-1.1/*.js``: the YAML 1.1 tags whose ``test`` regexps force a string to be
  quoted (null, booleans ``y/n/yes/no/on/off`` in three cases, binary/octal/decimal/hex and
  sexagesimal ints, floats, ``.inf``/``.nan``, timestamps). The ``<<`` merge tag is *not* in the
  schema (``schema/tags.js`` adds it only with the ``merge`` option), so ``<<`` stays plain.
* ``stringify/stringifyNumber.js`` and ``schema/yaml-1.1/bool.js``: numbers in JavaScript's
  format (:func:`~kn_constructs._render._jsvalue.js_number`), ``true``/``false``, ``null``.

What Python values become on the way to Node (key order, ``None``, UTF-16, doubles) is in
:mod:`kn_constructs._render._jsvalue`. JavaScript regexps differ from Python's in two ways that
matter here, both handled: ``$`` without the ``m`` flag matches only at the very end (``\Z``),
and ``^`` with the ``m`` flag also matches after ``\r``, U+2028 and U+2029.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kn_constructs._render._jsvalue import (
    RenderInputError,
    check_key,
    is_array_index,
    js_number,
    js_string,
    order_keys,
    reject,
    utf16_len,
)

__all__ = ["dump_document", "dump_documents"]

_STEP = "  "
#: ``doubleQuotedMinMultiLineLength`` (``stringify/stringify.js`` defaults).
_MIN_MULTILINE = 40
#: stringifyString: force double quotes on control characters and unpaired surrogates.
_FORCE_DOUBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: plainString: what a plain scalar may not contain or start/end with.
_NOT_PLAIN = re.compile(
    r"^[\n\t ,\[\]{}#&*!|>'\"%@`]|^[?-]\Z|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]\Z"
)
#: containsDocumentMarker: /^(%|---|\.\.\.)/m, with JavaScript's line terminators.
_DOC_MARKER = re.compile("(?:^|(?<=[\n\r\u2028\u2029]))(?:%|---|\\.\\.\\.)")
#: The YAML 1.1 schema's default non-string tags with a ``test`` (schema/yaml-1.1/schema.js):
#: a plain string matching one would read back as something else, so it is quoted.
_OTHER_TAG = re.compile(
    "|".join(
        (
            r"(?:~|[Nn]ull|NULL)?",  # common/null.js
            r"(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)",  # yaml-1.1/bool.js trueTag
            r"(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)",  # falseTag
            r"[-+]?0b[0-1_]+",  # yaml-1.1/int.js intBin
            r"[-+]?0[0-7_]+",  # intOct
            r"[-+]?[0-9][0-9_]*",  # int
            r"[-+]?0x[0-9a-fA-F_]+",  # intHex
            r"(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)",  # yaml-1.1/float.js floatNaN
            r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+",  # floatExp
            r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*",  # float
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+",  # yaml-1.1/timestamp.js intTime
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",  # floatTime
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"  # timestamp
            r"(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?"
            r"(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?",
        )
    ).join(("\\A(?:", ")\\Z"))
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE_OR_NL_AT_NL = re.compile(r"[ \t]\n|\n[ \t]")
_TRAILING_BLANK_LINE = re.compile(r"\n[\t ]+\Z")
_NEWLINES = re.compile("\n+")
#: blockString's blockEndNewlines: (^|(?<!\n))\n+(?!\n|$)
_BLOCK_END_NEWLINES = re.compile(r"(?:^|(?<!\n))\n+(?!\n|\Z)")

#: Rendering of context-free strings (single-line, no document marker): text -> YAML.
_cache: dict[str, str] = {}
_CACHE_LIMIT = 1 << 17


def _double_quoted(value: str, indent: str, implicit_key: bool) -> str:
    """``doubleQuotedString``: ``JSON.stringify`` plus YAML escapes and folded line breaks."""
    jsn = json.dumps(value, ensure_ascii=False)
    if _LONE_SURROGATE.search(jsn):
        jsn = _js_json_escapes(jsn)
    ind = indent or ("  " if _DOC_MARKER.search(value) else "")
    if "\\" not in jsn:
        return jsn
    parts: list[str] = []
    start = 0
    i = 0
    n = len(jsn)
    multiline_ok = not implicit_key and utf16_len(jsn) >= _MIN_MULTILINE
    while i < n:
        ch = jsn[i]
        if ch == " " and jsn.startswith("\\n", i + 1):
            parts.append(jsn[start:i])
            parts.append("\\ ")
            i += 1
            start = i
            ch = "\\"
        if ch == "\\":
            nxt = jsn[i + 1] if i + 1 < n else ""
            if nxt == "u":
                parts.append(jsn[start:i])
                code = jsn[i + 2 : i + 6]
                short = _U_ESCAPES.get(code)
                if short is None:
                    short = "\\x" + code[2:] if code[:2] == "00" else jsn[i : i + 6]
                parts.append(short)
                i += 5
                start = i + 1
            elif nxt == "n":
                if not multiline_ok or jsn[i + 2 : i + 3] == '"':
                    i += 1
                else:
                    parts.append(jsn[start:i])
                    parts.append("\n\n")
                    while jsn[i + 2 : i + 4] == "\\n" and jsn[i + 4 : i + 5] != '"':
                        parts.append("\n")
                        i += 2
                    parts.append(ind)
                    if jsn[i + 2 : i + 3] == " ":
                        parts.append("\\")
                    i += 1
                    start = i + 1
            else:
                i += 1
        i += 1
    if not start:
        return jsn
    parts.append(jsn[start:])
    return "".join(parts)


_U_ESCAPES = {
    "0000": "\\0",
    "0007": "\\a",
    "000b": "\\v",
    "001b": "\\e",
    "0085": "\\N",
    "00a0": "\\_",
    "2028": "\\L",
    "2029": "\\P",
}


def _js_json_escapes(jsn: str) -> str:
    r"""Turn Python's ``json.dumps(ensure_ascii=False)`` into ``JSON.stringify``'s text.

    Both escape ``"``, ``\``, ``\b\f\n\r\t`` and other C0 controls as ``\u00xx`` (lowercase);
    ``JSON.stringify`` (ECMA-262 ``QuoteJSONString``, well-formed since ES2019) also escapes lone
    surrogates as ``\udxxx``, which Python leaves raw.
    """
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", jsn)


def _single_quoted(value: str, indent: str, implicit_key: bool) -> str:
    """``singleQuotedString``."""
    if (implicit_key and "\n" in value) or _SPACE_OR_NL_AT_NL.search(value):
        return _double_quoted(value, indent, implicit_key)
    ind = indent or ("  " if _DOC_MARKER.search(value) else "")
    body = value.replace("'", "''")
    if "\n" in body:
        body = _NEWLINES.sub(lambda m: m.group() + "\n" + ind, body)
    return "'" + body + "'"


def _quoted(value: str, indent: str, implicit_key: bool) -> str:
    """``quotedString`` with ``singleQuote: null``: single quotes only for text with ``"`` only."""
    if '"' in value and "'" not in value:
        return _single_quoted(value, indent, implicit_key)
    return _double_quoted(value, indent, implicit_key)


def _block(value: str, indent: str, force_indent: bool, implicit_key: bool) -> str:
    """``blockString`` with ``lineWidth: 0``: always a literal block scalar."""
    if _TRAILING_BLANK_LINE.search(value):
        return _quoted(value, indent, implicit_key)
    ind = indent or ("  " if force_indent or _DOC_MARKER.search(value) else "")
    if not value:
        return "|\n"
    end_start = len(value)
    while end_start > 0 and value[end_start - 1] in "\n\t ":
        end_start -= 1
    end = value[end_start:]
    nl = end.find("\n")
    if nl == -1:
        chomp = "-"
    elif value == end or nl != len(end) - 1:
        chomp = "+"
    else:
        chomp = ""
    if end:
        value = value[: -len(end)]
        if end[-1] == "\n":
            end = end[:-1]
        end = _BLOCK_END_NEWLINES.sub(lambda m: m.group() + ind, end)
    start_with_space = False
    start_nl = -1
    for pos, ch in enumerate(value):
        if ch == " ":
            start_with_space = True
        elif ch == "\n":
            start_nl = pos
        else:
            break
    start = value[: start_nl + 1]
    if start:
        value = value[len(start) :]
        start = _NEWLINES.sub(lambda m: m.group() + ind, start)
    header = ("2" if ind else "1") + chomp if start_with_space else chomp
    value = _NEWLINES.sub(lambda m: m.group() + ind, value)
    return f"|{header}\n{ind}{start}{value}{end}"


def _string(value: str, indent: str, implicit_key: bool) -> str:
    """``stringifyString`` for a string scalar (``actualString``), at ``indent`` (ctx.indent)."""
    if _FORCE_DOUBLE.search(value):
        return _double_quoted(value, indent, implicit_key)
    # plainString
    has_nl = "\n" in value
    if implicit_key and has_nl:
        return _quoted(value, indent, implicit_key)
    if _NOT_PLAIN.search(value):
        if implicit_key or not has_nl:
            return _quoted(value, indent, implicit_key)
        return _block(value, indent, False, implicit_key)
    if not implicit_key and has_nl:
        return _block(value, indent, False, implicit_key)
    if _DOC_MARKER.search(value):
        if indent == "":
            return _block(value, indent, True, implicit_key)
        if implicit_key and indent == _STEP:
            return _quoted(value, indent, implicit_key)
    if _OTHER_TAG.match(value):
        return _quoted(value, indent, implicit_key)
    return value


def _scalar_text(value: str, indent: str, implicit_key: bool) -> str:
    """A string's YAML, through the cache when its rendering cannot depend on the context."""
    cached = _cache.get(value)
    if cached is not None:
        return cached
    value = js_string(value)
    text = _string(value, indent, implicit_key)
    if "\n" not in value and _DOC_MARKER.search(value) is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[value] = text
    return text


def _warm() -> None:
    for word in ("", "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"):
        for variant in {word, word.upper(), word.capitalize()}:
            _scalar_text(variant, _STEP, False)


#: Context-free keys (single-line, no document marker): key -> (YAML, array index?, explicit?).
_key_cache: dict[str, tuple[str, bool, bool]] = {}


def _key_info(key: object, indent: str) -> tuple[str, bool, bool]:
    """A mapping key's YAML at ``indent``, whether it is an array index, whether it is explicit.

    JavaScript lists array-index keys first; a key over 1,024 UTF-16 code units is written as an
    explicit ``? key``.
    """
    if not isinstance(key, str):
        raise _Unrenderable
    key = str(key)
    js_key = js_string(key)
    text = _string(js_key, indent, True)
    info = (text, is_array_index(key), len(text) > 512 and utf16_len(text) > 1024)
    if "\n" not in js_key and _DOC_MARKER.search(js_key) is None:
        if len(_key_cache) >= _CACHE_LIMIT:
            _key_cache.clear()
        _key_cache[key] = info
    return info


def clear_caches() -> None:
    """Forget every cached rendering (tests that change a rule call this)."""
    _cache.clear()
    _key_cache.clear()
    _warm()


class _Unrenderable(Exception):  # noqa: N818 - internal signal, never escapes this module
    """Raised by the fast writer on a value it cannot render; :func:`_locate` then names it."""


_MAX_SAFE = 2**53


def _number(value: Any) -> str:
    try:
        return js_number(value)
    except RenderInputError:
        raise _Unrenderable from None


def _other_scalar(value: object, indent: str) -> str:
    """Scalars of unusual types: ``None`` (``null``), subclasses of ``str``/``int``/``float``."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _scalar_text(str(value), indent, False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _number(int(value))
    if isinstance(value, float):
        return _number(float(value))
    raise _Unrenderable


class _Writer:
    """Writes one document into ``out`` (a list of text pieces), mirroring ``stringify``."""

    __slots__ = ("out",)

    def __init__(self) -> None:
        self.out: list[str] = []

    def node(self, value: Any, indent: str) -> None:
        """Write ``value`` (ctx.indent = ``indent``) at the current position."""
        out = self.out
        t = type(value)
        if t is dict or (t is not list and t is not str and isinstance(value, Mapping)):
            mark = len(out)
            if not self.pairs(value, indent):
                del out[mark:]
                out.append("{}")
        elif t is list or t is tuple or (t is not str and isinstance(value, (list, tuple))):
            if value:
                self.seq(value, indent)
            else:
                out.append("[]")
        else:
            out.append(self.scalar(value, indent))

    @staticmethod
    def scalar(value: Any, indent: str) -> str:
        t = type(value)
        if t is str:
            text = _cache.get(value)
            return text if text is not None else _scalar_text(value, indent, False)
        if t is int:
            return str(value) if -_MAX_SAFE <= value <= _MAX_SAFE else _number(value)
        if t is bool:
            return "true" if value else "false"
        if t is float:
            return _number(value)
        return _other_scalar(value, indent)

    def pairs(self, mapping: Mapping[Any, Any], indent: str, ordered: bool = False) -> bool:
        """Write the pairs of a non-empty map; ``False`` (and partial output) when it is empty."""
        out = self.out
        mark = len(out)
        inner = indent + _STEP
        sep = "\n" + indent
        cache = _cache
        key_cache = _key_cache
        wrote = False
        items = mapping.items() if not ordered else _js_ordered(mapping)
        for key, value in items:
            if value is None:
                continue
            info = key_cache.get(key)
            if info is None:
                info = _key_info(key, inner)
            if info[1] and not ordered:
                del out[mark:]
                return self.pairs(mapping, indent, True)
            if wrote:
                out.append(sep)
            else:
                wrote = True
            if info[2]:
                out.append("? " + info[0] + "\n" + indent + ": ")
                self.node(value, inner)
                continue
            out.append(info[0])
            t = type(value)
            if t is str:
                text = cache.get(value)
                out.append(": " + (text if text is not None else _scalar_text(value, inner, False)))
            elif t is dict or (t is not list and isinstance(value, Mapping)):
                out.append(":\n" + inner)
                at = len(out)
                if not self.pairs(value, inner):
                    del out[at:]
                    out[at - 1] = ": {}"
            elif t is list or t is tuple or isinstance(value, (list, tuple)):
                if value:
                    out.append(":\n" + inner)
                    self.seq(value, inner)
                else:
                    out.append(": []")
            else:
                out.append(": " + self.scalar(value, inner))
        return wrote

    def seq(self, items: Sequence[Any], indent: str) -> None:
        out = self.out
        inner = indent + _STEP
        sep = "\n" + indent + "- "
        out.append("- ")
        node = self.node
        first = True
        for item in items:
            if first:
                first = False
            else:
                out.append(sep)
            node(item, inner)


def _js_ordered(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """The pairs of ``mapping`` in JavaScript's order (array-index keys first)."""
    for key in mapping:
        if not isinstance(key, str):
            raise _Unrenderable
    lookup = dict(mapping.items())
    return [(k, lookup[k]) for k in order_keys(list(lookup))]


def _locate(value: object, path: str) -> None:
    """Raise the ``KNC-TYPE`` problem for the first value the writer cannot render."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            check_key(key, sub)
            if item is not None:
                _locate(item, sub)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _locate(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        js_number(value, path)
    elif value is not None and not isinstance(value, (str, int, float)):
        reject(
            path,
            value,
            f"cannot render a {type(value).__name__} as YAML",
            "give plain data: dict, list, str, int, float, bool or None",
        )


def dump_document(doc: object) -> str:
    """The text ``YAML.stringify(doc, {keepUndefined: true, lineWidth: 0, version: '1.1'})`` returns.

    ``None`` is JavaScript's ``undefined`` here, as jsii passes a Python ``None`` document:
    ``Yaml.stringify`` writes it as an empty line.
    """
    if doc is None:
        return "\n"
    writer = _Writer()
    try:
        writer.node(doc, "")
    except (_Unrenderable, RecursionError):
        _locate(doc, "")
        raise
    writer.out.append("\n")
    return "".join(writer.out)


def dump_documents(docs: Sequence[Mapping[str, Any]]) -> str:
    r"""The text cdk8s writes for a chart with these documents.

    ``Yaml.stringify`` as ``App.synth`` calls it (``cdk8s/lib/yaml.js`` ``Yaml.stringify``,
    via ``Yaml.save`` in ``cdk8s/lib/app.js`` ``App.synth``, cdk8s 2.70.115): each document
    through npm ``yaml`` 2.9.1's ``stringify`` with ``keepUndefined: true, lineWidth: 0,
    version: '1.1'``, joined by ``---\n``. No documents give the empty string (an empty file).
    ``docs`` are the JSON-shaped values :func:`~kn_constructs._render.tojson.api_object_json`
    returns (or any plain data; what Node would see of it is rendered, see
    :mod:`kn_constructs._render._jsvalue`).
    """
    if isinstance(docs, (str, bytes, Mapping)) or not isinstance(docs, Sequence):
        reject(
            "docs",
            docs,
            f"docs must be a sequence of documents, got {type(docs).__name__}",
            "pass a list of documents, e.g. [manifest]",
        )
    return "---\n".join([dump_document(doc) for doc in docs])


_warm()
