"""Documents full of YAML's edge cases, for the render differential tests.

:data:`EDGE_STRINGS` is a fixed corpus (every rule of ``plainString``, ``quotedString`` and
``blockString`` has strings on both sides of it); :func:`documents` draws random documents whose
strings mix that corpus with random text over an alphabet of the characters that matter.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from hypothesis import strategies as st

_BOOLS = [
    v
    for word in ("y", "n", "yes", "no", "on", "off", "true", "false", "null")
    for v in (word, word.upper(), word.capitalize())
]
_NUMBERS = [
    "0", "7", "-1", "+1", "007", "0o7", "0o17", "017", "08", "0x1F", "0X1F", "-0x1f", "0b101", "0b2",
    "1_000", "1__0", "1.5", "-1.5", "+.5", ".5", "5.", "1e3", "1E3", "1e+3", "-1.5e-3", "1.0e10",
    "1:20", "1:20:30", "-1:20", "1:20.5", "190:20:30", "1:60", ".inf", "-.inf", "+.Inf", ".INF", ".nan",
    ".NaN", ".NAN", "inf", "nan", "Infinity", "0.", "-0", "1,000", "1 000", "12e", "e3", "0x", "0b",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z",
    "2002-1-1", "2002-13-45", "2001-12-14 21:59:43", "12:30:45", "2001-12-14T21:59", "~", "null", "",
]  # fmt: skip
_INDICATORS = [
    "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`",
    "- a", "? a", ": a", "-a", "?a", ":a", "a:", "a: b", "a:b", "a #b", "a#b", "#a", "&a", "*a", "!a",
    "|a", ">a", "'a", '"a', "%a", "@a", "`a", ",a", "a,", "[a]", "{a}", "a ", " a", "\ta", "a\t", "a\t#",
    "<<", "<< ", "=", "a=b", "---", "...", "--- a", "... a", "----", "a\n---", "a\n...", "a\n%b", "%YAML",
    "a\r---", "a\u2028---", "a\u2029...", "a\x85---", "-- -", "- -",
    'say "hi"', "it's", "both ' and \"", "''", '""', "'a'", '"a"', "\\", "a\\b", "\\n", "a/b", "x=1,y=2",
]  # fmt: skip
_CONTROL = [
    "\x00", "\x01", "\x07", "\x08", "\t", "\x0b", "\x0c", "\r", "\x0e", "\x1b", "\x1f", "\x7f", "\x80",
    "\x85", "\x9f", "\xa0", "\u2028", "\u2029", "\ufeff", "\ud800", "\udfff", "\ud83d\ude00", "\U0001f600",
    "a\x00b", "a\rb", "a\r\nb", "\ue000", "\uffff", "é", "ß", "日本",
]  # fmt: skip
_MULTILINE = [
    "a\nb", "a\nb\n", "a\nb\n\n", "a\nb\n\n\n", "\na", "\n\na", " a\nb", "  a\nb", "a\n b", "a \nb",
    "a\n\nb", "a\n\n\nb", "\n", "\n\n", " \n", "\n ", "a\n ", "a\n\t", "a\n  \n", "\t\na", " \n a",
    "a\n#b", "a\n- b", "a\n: b", "a:\nb", "a\n'b'", "line one\nline two that is long enough to matter " * 2,
    "x" * 45 + "\n" + "y", "x" * 45 + " \n y", "x" * 45 + "\n\n\n z", "'q'\n\"r\"", "a\n\x07",
    "a\u2028b\nc", "#!/bin/sh\necho hi\n", "{\n  \"json\": true\n}\n",
]  # fmt: skip
_LONG = ["k" * 1024, "k" * 1025, "k" * 1023 + "é", "a b" * 400, '"' * 1030, "x\n" * 600]

EDGE_STRINGS: list[str] = list(
    dict.fromkeys(itertools.chain(_BOOLS, _NUMBERS, _INDICATORS, _CONTROL, _MULTILINE, _LONG))
)
#: Keys JavaScript lists first (array indexes) and some that only look like them.
INDEX_KEYS = ["0", "1", "2", "10", "9", "007", "01", "-1", "1.0", "4294967294", "4294967295", "1e3", " 1"]
EDGE_NUMBERS: list[Any] = [
    0, 1, -1, 7, 2**31, 2**32, 2**53, 2**53 + 1, -(2**53) - 3, 2**63, 2**64, 10**21, 10**22, 10**300, 10**400,
    -(10**400), 0.0, -0.0, 0.5, -0.5, 1.0, 5.0, 1e20, 1e21, 1e-6, 1e-7, 1.5e-7, 123456789.123, 0.1 + 0.2,
    1 / 3, 2.5e300, 5e-324, 1.7976931348623157e308, -1e21, 100.0, 1e16, 12345678901234567890.0,
    True, False,
]  # fmt: skip

_ALPHABET = st.sampled_from(
    [
        *"ab -:#?,[]{}&*!|>'\"%@`\n\t\\.0159eExy~<=",
        "\r",
        "\x00",
        "\x07",
        "\x85",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\ud800",
        "\U0001f600",
        "é",
        "\x7f",
    ]
)


def strings() -> st.SearchStrategy[str]:
    """Corpus strings, random text over the interesting alphabet, and mixtures of both."""
    corpus = st.sampled_from(EDGE_STRINGS)
    random = st.text(alphabet=_ALPHABET, max_size=12)
    mixed = st.tuples(random, corpus, random).map("".join)
    return st.one_of(corpus, random, mixed, st.text(max_size=8))


def keys() -> st.SearchStrategy[str]:
    return st.one_of(strings(), st.sampled_from(INDEX_KEYS), st.integers(0, 30).map(str))


_MAX_DOUBLE = 1.7976931348623157e308


def scalars(*, beyond_doubles: bool = True) -> st.SearchStrategy[Any]:
    """Strings, edge numbers, random ints and floats, booleans.

    ``beyond_doubles=False`` leaves out ints beyond the double range (which the ``toJson``
    emulation refuses: cdk8s writes them as ``.inf`` or, inside patches, ``null``).
    """
    numbers = st.sampled_from(
        EDGE_NUMBERS if beyond_doubles else [n for n in EDGE_NUMBERS if abs(n) <= _MAX_DOUBLE]
    )
    return st.one_of(
        strings(),
        numbers,
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
    )


def values(*, none_in_maps: bool = True, beyond_doubles: bool = True) -> st.SearchStrategy[Any]:
    """Nested plain data: maps, lists, scalars; ``None`` in lists (and in maps if asked)."""
    scalar = scalars(beyond_doubles=beyond_doubles)
    leaf = st.one_of(scalar, st.none()) if none_in_maps else scalar
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(st.one_of(inner, st.none()), max_size=4),
            st.dictionaries(keys(), inner, max_size=5),
        ),
        max_leaves=24,
    )


def documents(*, none_in_maps: bool = True) -> st.SearchStrategy[Any]:
    """A whole document: usually a map, sometimes a list or a bare scalar."""
    inner = values(none_in_maps=none_in_maps)
    return st.one_of(
        st.dictionaries(keys(), inner, min_size=1, max_size=6),
        st.lists(inner, min_size=1, max_size=4),
        scalars(),
        st.just({}),
        st.just([]),
    )


def corpus_documents() -> list[Any]:
    """Every edge string and number as a value, a key, a list item and a whole document,
    at the top level and nested (indentation changes what some of them become)."""
    docs: list[Any] = []
    for s in EDGE_STRINGS:
        docs.append(s)
        docs.append({s: s})
        docs.append({"top": {"nested": {s: [s, {s: s}]}}, "list": [[s], {"k": s}]})
        docs.append([s, [s]])
    for n in EDGE_NUMBERS:
        if isinstance(n, int) and not isinstance(n, bool) and abs(n) > 1.7976931348623157e308:
            docs.append({"n": n})
            continue
        docs.append(n)
        docs.append({"n": n, "l": [n]})
    docs.append({k: k for k in [*INDEX_KEYS, "b", "a", "z"]})
    docs.append({"nested": {"z": 1, "10": 2, "2": {"b": 1, "0": 0}}})
    docs.append({"empty": {}, "none": [], "deep": {"a": {"b": {}}}, "lists": [[], {}, [[]], [{}]]})
    docs.append({"dropped": None, "kept": [None, {"x": None}], "n": {"only": None}})
    docs.append(None)
    return docs


def examples(default: int) -> int:
    """Hypothesis examples for a differential test: ``default``, or ``$KN_RENDER_EXAMPLES``
    (raise it when upgrading cdk8s, see docs/rendering.md)."""
    return int(os.environ.get("KN_RENDER_EXAMPLES", default))
