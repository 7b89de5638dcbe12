"""A small reader of nginx's configuration grammar, so tests can query directives.

nginx's syntax: words separated by whitespace, ``'...'`` and ``"..."`` strings with
backslash escapes, ``#`` comments to the end of the line, directives ending in ``;`` and
blocks in ``{ ... }``. This reader follows that grammar only; whether nginx accepts the
directives is what ``nginx -t`` checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Directive:
    """One directive: its name, its arguments (quotes removed) and its block, if any."""

    name: str
    args: list[str]
    block: list[Directive] | None = None
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        """Direct children with this name."""
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str, *args: str) -> Directive:
        """The single direct child with this name (and leading args)."""
        found = [d for d in self.all(name) if d.args[: len(args)] == list(args)]
        assert len(found) == 1, f"expected one {name} {args} in {self.name} {self.args}, found {len(found)}"
        return found[0]

    def value(self, name: str) -> list[str]:
        """The args of the single direct child with this name."""
        return self.one(name).args

    def walk(self) -> Iterator[Directive]:
        """This directive's block, depth first."""
        for child in self.block or []:
            yield child
            yield from child.walk()


def _tokens(text: str) -> Iterator[tuple[str, bool]]:
    """(token, quoted) pairs; ``;``, ``{`` and ``}`` come as unquoted tokens."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in ";{}":
            yield c, False
            i += 1
        elif c in "'\"":
            quote, i, out = c, i + 1, []
            while i < n and text[i] != quote:
                if text[i] == "\\" and i + 1 < n:
                    out.append(text[i : i + 2])
                    i += 2
                else:
                    out.append(text[i])
                    i += 1
            if i >= n:
                raise ValueError("unterminated string")
            i += 1
            yield "".join(out), True
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in ";{}":
                i += 1
            yield text[start:i], False


def parse(text: str) -> Directive:
    """Parse a whole configuration into a root directive named ``main``."""
    root = Directive("main", [], [])
    stack = [root]
    words: list[str] = []
    for token, quoted in _tokens(text):
        if not quoted and token == ";":
            if not words:
                raise ValueError("empty directive")
            assert stack[-1].block is not None
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif not quoted and token == "{":
            directive = Directive(words[0], words[1:], [])
            assert stack[-1].block is not None
            stack[-1].block.append(directive)
            stack.append(directive)
            words = []
        elif not quoted and token == "}":
            if words or len(stack) == 1:
                raise ValueError("unbalanced '}' or missing ';'")
            stack.pop()
        else:
            words.append(token)
    if words or len(stack) != 1:
        raise ValueError("unterminated directive or block")
    return root


def server(conf: Directive) -> Directive:
    """The (single) ``http > server`` block."""
    return conf.one("http").one("server")


def model_locations(conf: Directive) -> list[Directive]:
    """The path routes: ``location`` blocks that proxy (with ``proxy_pass``) and are not named
    (``@kn_openai_<model>`` proxies body-routed requests), in file order."""
    return [d for d in server(conf).all("location") if d.all("proxy_pass") and not d.args[0].startswith("@")]


def openai_locations(conf: Directive) -> list[Directive]:
    """The named locations that proxy body-routed (OpenAI API) requests, in file order."""
    return [d for d in server(conf).all("location") if d.all("proxy_pass") and d.args[0].startswith("@")]
