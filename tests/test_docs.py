"""The documentation: its Python runs, its links resolve, its generated pages are current.

* Every ```python block of every ``docs/*.md`` and of ``README.md`` runs. The blocks of one file
  run in order in one fresh namespace; each file gets its own working directory, and
  ``CDK8S_OUTDIR`` points ``app.synth()`` at a temporary folder. All files run in one child
  interpreter, so Node and jsii start once and no earlier test's cdk8s state leaks in.
  Blocks fenced as ```python-fragment or ```text are illustrations and are skipped.
* A ```yaml block whose info string says ``synth-excerpt`` must be an excerpt (lines in order,
  ``# ...`` lines marking cuts) of what that file's own Python synthesized.
* Every relative link in those files points at a file of the repository (and, into a Markdown
  file, at one of its headings).
* ``docs/practices.md`` and ``docs/errors.md`` match what ``scripts/gen_docs.py`` generates.

Run as a script (``python tests/test_docs.py --run-docs WORKDIR DOC...``), this file is the child
interpreter that executes the blocks; it writes ``WORKDIR/results.json``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
#: Info strings (first word) of the blocks that run.
RUNNABLE = frozenset({"python", "py", "python3"})
#: The word in a ```yaml info string that marks an excerpt of the synthesized output.
EXCERPT_MARK = "synth-excerpt"


# --------------------------------------------------------------------------- parsing Markdown


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced code block.

    Attributes:
        info: The whole info string (``python``, ``yaml synth-excerpt``, ...).
        line: 1-based line number of the block's first code line in the file.
        code: The code, with the fence's indentation removed.
    """

    info: str
    line: int
    code: str

    @property
    def lang(self) -> str:
        """The first word of the info string (``""`` when there is none)."""
        return self.info.split()[0] if self.info.split() else ""


_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def parse_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order (an unclosed fence runs to the end)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, indent = opened["fence"], len(opened["indent"])
        closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            line = lines[j]
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            j += 1
        blocks.append(Block(opened["info"].strip(), i + 2, "\n".join(body) + "\n"))
        i = j + 1
    return blocks


def doc_files() -> list[Path]:
    """Every ``docs/*.md`` (whoever wrote it) and ``README.md``."""
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def rel(path: Path) -> str:
    """A path relative to the repository root, with ``/``."""
    return path.resolve().relative_to(ROOT).as_posix()


def runnable(blocks: Sequence[Block]) -> list[Block]:
    """The blocks that run (``python``), leaving out ``python-fragment``, ``text``, ``yaml``..."""
    return [b for b in blocks if b.lang in RUNNABLE]


# --------------------------------------------------------------------------- the child interpreter


def run_docs(workdir: Path, docs: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Run the Python blocks of ``docs`` (in this interpreter) and collect what each synthesized.

    Each file: a fresh namespace, its own working directory under ``workdir``, an emptied
    ``CDK8S_OUTDIR``. The blocks of a file stop at the first exception.
    """
    outdir = Path(os.environ["CDK8S_OUTDIR"])
    results: dict[str, dict[str, Any]] = {}
    for index, doc in enumerate(docs):
        name = rel(doc)
        blocks = runnable(parse_blocks(doc.read_text(encoding="utf-8")))
        filedir = workdir / f"doc-{index}"
        filedir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(outdir, ignore_errors=True)
        os.chdir(filedir)
        namespace: dict[str, Any] = {"__name__": f"docs_block_{index}"}
        ran, error, error_line = 0, None, None
        for block in blocks:
            # Pad so that tracebacks name the line in the Markdown file.
            code = compile("\n" * (block.line - 1) + block.code, str(doc), "exec")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # KnWarnings are part of some examples
                    exec(code, namespace)
            except BaseException:
                error, error_line = traceback.format_exc(), block.line
                break
            ran += 1
        synth = {p.name: p.read_text(encoding="utf-8") for p in sorted(outdir.glob("*.yaml"))}
        results[name] = {
            "blocks": len(blocks),
            "ran": ran,
            "error": error,
            "line": error_line,
            "synth": synth,
        }
    os.chdir(workdir)
    return results


def _child_main(argv: Sequence[str]) -> int:
    workdir = Path(argv[0])
    results = run_docs(workdir, [Path(a) for a in argv[1:]])
    (workdir / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- links


_INLINE_LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+\"[^\"]*\")?[ \t]*$", re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def prose(text: str, *, code_spans: bool = False) -> str:
    """``text`` without fenced code blocks, and without inline code spans unless ``code_spans``."""
    lines = text.splitlines()
    keep: list[str] = []
    fence: re.Pattern[str] | None = None
    for line in lines:
        if fence is not None:
            if fence.match(line):
                fence = None
            keep.append("")
            continue
        opened = _OPEN.match(line)
        if opened:
            mark = opened["fence"]
            fence = re.compile(r"^[ \t]*" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}[ \t]*$")
            keep.append("")
            continue
        keep.append(line)
    joined = "\n".join(keep)
    return joined if code_spans else _CODE_SPAN.sub("", joined)


def links(text: str) -> list[str]:
    """Every link target in the prose of a Markdown text (inline and reference definitions)."""
    body = prose(text)
    return [m.group(1) for m in _INLINE_LINK.finditer(body)] + [m.group(1) for m in _REF_LINK.finditer(body)]


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text (``## KN-AS-3`` -> ``kn-as-3``)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose(text, code_spans=True).splitlines():
        heading = re.match(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", line)
        if not heading:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))
        slug = re.sub(r"[^\w\- ]", "", title.replace("`", "").strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """The relative links of ``doc`` that do not resolve inside ``root``, each with the reason."""
    text = doc.read_text(encoding="utf-8")
    root = root.resolve()
    broken = []
    for target in links(text):
        if _SCHEME.match(target):
            continue  # http(s), mailto: not checked here
        path_part, _, anchor = target.partition("#")
        resolved = (doc.parent / unquote(path_part)).resolve() if path_part else doc.resolve()
        if root not in (resolved, *resolved.parents):
            broken.append(f"{target}: points outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: {resolved.relative_to(root).as_posix()} does not exist")
        elif (
            anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved.read_text("utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(root).as_posix()}")
    return broken


def excerpt_lines(block: Block) -> list[str]:
    """The lines an excerpt claims, without blank lines and ``# ...`` cut marks."""
    return [line for line in block.code.splitlines() if line.strip() and not line.strip().startswith("#")]


def is_subsequence(needles: Sequence[str], haystack: Sequence[str]) -> bool:
    """Whether ``needles`` occur in ``haystack`` in the same order (gaps allowed)."""
    rest: Iterator[str] = iter(haystack)
    return all(any(line == candidate for candidate in rest) for line in needles)


@functools.cache
def load_gen_docs() -> ModuleType:
    """``scripts/gen_docs.py`` as a module (``scripts`` is not a package), loaded once."""
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_docs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__" and sys.argv[1:2] == ["--run-docs"]:
    sys.exit(_child_main(sys.argv[2:]))


# --------------------------------------------------------------------------- the tests

import pytest  # noqa: E402  (the child interpreter above does not need pytest)

DOCS_WITH_PYTHON = [d for d in doc_files() if d.exists() and runnable(parse_blocks(d.read_text("utf-8")))]
EXCERPTS = [
    pytest.param(doc, block, id=f"{rel(doc)}:{block.line}")
    for doc in doc_files()
    if doc.exists()
    for block in parse_blocks(doc.read_text("utf-8"))
    if block.lang == "yaml" and EXCERPT_MARK in block.info.split()
]


@pytest.fixture(scope="module")
def doc_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Run every doc's Python blocks once, in one child interpreter."""
    workdir = tmp_path_factory.mktemp("docs-run")
    env = dict(os.environ)
    env["CDK8S_OUTDIR"] = str(workdir / "cdk8s.out")
    env.setdefault("CDK8S_CHECK_UPGRADE", "false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    args = [str(d) for d in DOCS_WITH_PYTHON]
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--run-docs", str(workdir), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    results_file = workdir / "results.json"
    assert done.returncode == 0 and results_file.exists(), (
        f"the docs runner failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    results: dict[str, dict[str, Any]] = json.loads(results_file.read_text("utf-8"))
    return results


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS_WITH_PYTHON, ids=rel)
def test_python_blocks_run(doc: Path, doc_runs: dict[str, dict[str, Any]]) -> None:
    result = doc_runs[rel(doc)]
    assert result["error"] is None, (
        f"{rel(doc)}: the python block at line {result['line']} raised"
        f" (fence illustrations as ```python-fragment or ```text):\n{result['error']}"
    )
    assert result["ran"] == result["blocks"] == len(runnable(parse_blocks(doc.read_text("utf-8"))))


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "block"), EXCERPTS)
def test_yaml_excerpt_is_what_the_docs_python_synthesized(
    doc: Path, block: Block, doc_runs: dict[str, dict[str, Any]]
) -> None:
    result = doc_runs.get(rel(doc))
    assert result is not None and result["synth"], (
        f"{rel(doc)} has an excerpt but its Python synthesized nothing"
    )
    synthesized = "".join(result["synth"].values()).splitlines()
    claimed = excerpt_lines(block)
    assert claimed, "an empty excerpt proves nothing"
    assert is_subsequence(claimed, synthesized), (
        f"{rel(doc)}:{block.line}: the excerpt is not (in order) in the synthesized YAML;"
        f" first lines of the real output:\n" + "\n".join(synthesized[:60])
    )


@pytest.mark.parametrize("doc", DOCS_WITH_PYTHON, ids=rel)
def test_what_the_docs_python_synthesized_lints_clean(
    doc: Path, doc_runs: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    # The documented command, `kn-constructs lint dist/`, on each doc's output: no error. The
    # apps of one doc share one output folder here, so each chart's file is linted on its own.
    result = doc_runs.get(rel(doc))
    if result is None or not result["synth"]:
        return  # this doc's Python writes no manifests
    script = Path(sys.executable).with_name("kn-constructs")
    for name, text in result["synth"].items():
        (tmp_path / name).write_text(text)
        lint = subprocess.run(
            [str(script), "lint", "--no-config", "--min-severity", "error", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert lint.returncode == 0, f"{rel(doc)} {name}: {lint.stdout}{lint.stderr}"


@pytest.mark.parametrize("doc", [d for d in doc_files() if d.exists()], ids=rel)
def test_relative_links_resolve(doc: Path) -> None:
    assert broken_links(doc) == []


#: The repository, as pyproject.toml's project URLs name it; the README links into it absolutely.
REPO_URL = "https://github.com/kn-constructs/kn-constructs"
_REPO_LINK = re.compile(r"^" + re.escape(REPO_URL) + r"(?:/(blob|tree)/main/([^#]*))?(?:#(.*))?$")


def repository_link_problem(target: str, root: Path = ROOT) -> str | None:
    """Why an absolute link into the repository would not resolve on ``main``, or None."""
    match = _REPO_LINK.match(target)
    if match is None:
        return None  # another site, or the repository's issues and such: not checked here
    kind, path_part, anchor = match.groups()
    resolved = root / unquote(path_part) if kind else root / "README.md"
    if not resolved.exists():
        return f"{target}: {path_part} does not exist"
    if kind == "blob" and not resolved.is_file():
        return f"{target}: {path_part} is a folder (use /tree/main/)"
    if kind == "tree" and not resolved.is_dir():
        return f"{target}: {path_part} is a file (use /blob/main/)"
    if anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved.read_text("utf-8")):
        return f"{target}: no heading #{anchor} in {resolved.relative_to(root).as_posix()}"
    return None


def test_readme_links_are_absolute_and_resolve_on_main() -> None:
    # The README is also the package's page on an index, where relative links lead nowhere.
    targets = links((ROOT / "README.md").read_text("utf-8"))
    relative = [t for t in targets if not _SCHEME.match(t)]
    assert relative == [], f"README.md: make these links absolute ({REPO_URL}/blob/main/...)"
    problems = [problem for t in targets if (problem := repository_link_problem(t)) is not None]
    assert problems == []
    assert any(_REPO_LINK.match(t) for t in targets)  # the check above saw links into the repository


def test_repository_link_problems_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Page\n## Part two\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# Readme\n## Requirements\n", encoding="utf-8")
    ok = [
        f"{REPO_URL}/blob/main/docs/page.md#part-two",
        f"{REPO_URL}/tree/main/docs",
        f"{REPO_URL}#requirements",
        "https://cdk8s.io",
    ]
    assert [repository_link_problem(t, tmp_path) for t in ok] == [None] * len(ok)
    bad = [
        f"{REPO_URL}/blob/main/docs/gone.md",
        f"{REPO_URL}/blob/main/docs",
        f"{REPO_URL}/tree/main/docs/page.md",
        f"{REPO_URL}/blob/main/docs/page.md#part-three",
        f"{REPO_URL}#install",
    ]
    assert all(repository_link_problem(t, tmp_path) is not None for t in bad)


def test_project_urls_name_the_repository_the_docs_link_to() -> None:
    import tomllib

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["urls"]
    assert urls["Repository"] == REPO_URL
    for name in ("Documentation", "Changelog"):
        assert repository_link_problem(urls[name]) is None and urls[name].startswith(REPO_URL + "/")
    assert urls["Issues"] == f"{REPO_URL}/issues"


def _project_version() -> str:
    import tomllib

    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    return version


def test_pre_commit_snippet_rev_is_this_versions_tag() -> None:
    # Release X.Y.Z is tagged vX.Y.Z (docs/releasing.md); the snippet must name that tag.
    import kn_constructs

    version = _project_version()
    assert kn_constructs.__version__ == version
    snippets = [
        block.code
        for doc in doc_files()
        for block in parse_blocks(doc.read_text("utf-8"))
        if block.lang == "yaml" and "id: kn-constructs-lint" in block.code
    ]
    assert snippets, "no pre-commit snippet found in the docs"
    for code in snippets:
        assert re.findall(r"^\s*-?\s*repo:\s*(\S+)", code, re.MULTILINE) == [REPO_URL]
        assert re.findall(r"^\s*rev:\s*(\S+)", code, re.MULTILINE) == [f"v{version}"]


def test_git_installs_in_the_docs_name_this_versions_tag() -> None:
    found = [
        (rel(doc), ref)
        for doc in doc_files()
        for ref in re.findall(re.escape(f"git+{REPO_URL}") + r"@([^\s\"'#]+)", doc.read_text("utf-8"))
    ]
    assert found  # docs/lint.md's CI recipes install the linter this way
    assert {ref for _, ref in found} == {f"v{_project_version()}"}, found


#: ``pip install kn-constructs`` (or ``"kn_constructs[plot]"``): a name only, which needs an index.
_PIP_FROM_INDEX = re.compile(
    r"pip3?\s+install\s+(?:-\S+\s+)*[\"']?kn[-_]constructs(?:\[[^\]]*\])?(?:[<>=!~][^\s\"']*)?[\"']?(?=\s|$|`)",
    re.IGNORECASE,
)


def test_docs_never_install_from_a_package_index_where_it_is_not_published() -> None:
    offenders = [
        f"{rel(doc)}:{number}: {line.strip()}"
        for doc in doc_files()
        for number, line in enumerate(doc.read_text("utf-8").splitlines(), start=1)
        if _PIP_FROM_INDEX.search(line)
    ]
    assert offenders == [], "install from a checkout, a built wheel or git+URL@tag instead"


def test_the_index_install_pattern_matches_only_names() -> None:
    assert _PIP_FROM_INDEX.search("pip install kn-constructs")
    assert _PIP_FROM_INDEX.search('- run: pip install "kn-constructs[plot]"')
    assert _PIP_FROM_INDEX.search("`pip install -U kn_constructs==0.1.0`")
    assert not _PIP_FROM_INDEX.search('pip install "/path/to/kn-constructs[node]"')
    assert not _PIP_FROM_INDEX.search("pip install kn-constructs/dist/kn_constructs-0.1.0-py3-none-any.whl")
    assert not _PIP_FROM_INDEX.search(f'pip install "git+{REPO_URL}@v0.1.0"')


def test_generated_pages_are_current() -> None:
    stale = load_gen_docs().check(ROOT)
    assert not stale, "\n\n".join(stale)


# --------------------------------------------------------------------------- the machinery itself

SAMPLE = """\
# Title

Some text with [a link](other.md#part) and `[not a link](nowhere.md)`.

```python
x = 1
```

- a list item

    ```python
    y = x + 1
    ```

```python-fragment
GpuInferenceService(chart, "x", ...)
```

~~~text
not code
~~~

[ref]: ../README.md
"""


def test_parse_blocks_finds_each_fence_with_its_line_and_language() -> None:
    blocks = parse_blocks(SAMPLE)
    assert [(b.lang, b.line) for b in blocks] == [
        ("python", 6),
        ("python", 12),
        ("python-fragment", 16),
        ("text", 20),
    ]
    assert blocks[1].code == "y = x + 1\n"
    assert [b.code for b in runnable(blocks)] == ["x = 1\n", "y = x + 1\n"]


def test_links_skip_code_and_include_reference_definitions() -> None:
    assert links(SAMPLE) == ["other.md#part", "../README.md"]


def test_heading_anchors_follow_github() -> None:
    text = (
        "# Quick start\n## `GpuInferenceService` props\n### KN-ZZ-1\n### KN-ZZ-1\n```\n# not a heading\n```\n"
    )
    assert heading_anchors(text) == {"quick-start", "gpuinferenceservice-props", "kn-zz-1", "kn-zz-1-1"}


def test_broken_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n## Part two\n", encoding="utf-8")
    (tmp_path / "src.py").write_text("x = 1\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "[ok](other.md#part-two) [ok](../src.py#L1) [ok](#top) [web](https://example.com/x.md)\n"
        "[gone](missing.md) [anchor](other.md#part-three) [out](../../elsewhere.md)\n# Top\n",
        encoding="utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "missing.md: docs/missing.md does not exist",
        "other.md#part-three: no heading #part-three in docs/other.md",
        "../../elsewhere.md: points outside the repository",
    ]


def test_excerpt_must_keep_the_order_of_the_output() -> None:
    output = ["a:", "  b: 1", "  c: 2", "d: 3"]
    assert is_subsequence(["a:", "  c: 2"], output)
    assert not is_subsequence(["  c: 2", "a:"], output)
    assert not is_subsequence(["  b: 2"], output)
    assert excerpt_lines(Block("yaml synth-excerpt", 1, "a:\n  # ...\n  c: 2\n")) == ["a:", "  c: 2"]


def test_code_matching_is_whole_codes_only() -> None:
    gen = load_gen_docs()
    assert gen.text_mentions('find("KN-ZZ-3", path)', "KN-ZZ-3")
    assert not gen.text_mentions("KN-ZZ-30", "KN-ZZ-3")
    assert not gen.text_mentions("XKN-ZZ-3", "KN-ZZ-3")
    assert not gen.text_mentions("KNATIVE-ZZ-VALUE", "KNATIVE-ZZ")
    assert gen.name_mentions("test_windows_kn_zz_3_kn_zz_4", "KN-ZZ-4")
    assert not gen.name_mentions("test_kn_zz_30_window", "KN-ZZ-3")
    assert gen.case_id_mentions("kn-zz-3-window", "KN-ZZ-3")
    assert not gen.case_id_mentions("window-under-6s", "KN-ZZ-3")


FAKE_TESTS = '''\
import pytest

CASES = [
    pytest.param({"x": 1}, "KN-ZZ-1", id="first"),
    pytest.param({"x": 2}, "KN-ZZ-2", id="second"),
]


def test_named_kn_zz_1():
    pass


def test_body_asserts_the_code(errors):
    """Mentions KN-ZZ-2 in a docstring only."""
    assert errors.find("KN-ZZ-1")


def test_acknowledging_is_not_testing(build):
    build(acknowledge=["KN-ZZ-1"])


@pytest.mark.parametrize(("props", "code"), CASES)
def test_table(props, code):
    assert code


@pytest.mark.parametrize("code", ["KN-ZZ-2"])
def test_loop_over_the_catalogue(code):
    assert code
'''

FAKE_SOURCE = '''\
"""Module doc naming KN-ZZ-2."""

def check():
    """Docstring naming KN-ZZ-2."""
    # a comment naming KN-ZZ-2
    return "KN-ZZ-1"
'''


def test_find_tests_applies_the_documented_rules(tmp_path: Path) -> None:
    gen = load_gen_docs()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fake.py").write_text(FAKE_TESTS, encoding="utf-8")
    found = gen.find_tests(tmp_path, ["KN-ZZ-1", "KN-ZZ-2"])
    assert [r.node for r in found["KN-ZZ-1"]] == [
        "test_table[first]",
        "test_named_kn_zz_1",
        "test_body_asserts_the_code",
    ]
    assert [r.node for r in found["KN-ZZ-2"]] == ["test_table[second]"]
    assert all(r.path == "tests/test_fake.py" for refs in found.values() for r in refs)


def test_find_places_counts_code_not_docs_or_catalogues(tmp_path: Path) -> None:
    gen = load_gen_docs()
    (tmp_path / "kn_constructs" / "practices").mkdir(parents=True)
    (tmp_path / "kn_constructs" / "check.py").write_text(FAKE_SOURCE, encoding="utf-8")
    (tmp_path / "kn_constructs" / "practices" / "catalogue.py").write_text(
        'ID = "KN-ZZ-1"\n', encoding="utf-8"
    )
    found = gen.find_places(tmp_path, ["KN-ZZ-1", "KN-ZZ-2"])
    assert found == {"KN-ZZ-1": [gen.Place("kn_constructs/check.py", 6, "check")], "KN-ZZ-2": []}


def test_acknowledged_codes_in_a_dict_of_props_are_not_tests() -> None:
    gen = load_gen_docs()
    tree = ast.parse('build(props={"acknowledge": ["KN-ZZ-1"], "image": "KN-ZZ-2"}, acknowledge=["KN-ZZ-3"])')
    assert gen._strings(tree) == ["image", "KN-ZZ-2"]


def test_check_ignores_line_numbers_unless_strict() -> None:
    gen = load_gen_docs()
    a = "- [inference.py:251](../kn_constructs/inference.py#L251) `_Planner._check_props`"
    b = "- [inference.py:270](../kn_constructs/inference.py#L270) `_Planner._check_props`"
    assert gen.without_line_numbers(a) == gen.without_line_numbers(b)
    assert gen.without_line_numbers(a) != gen.without_line_numbers(a.replace("inference", "service"))


def test_check_names_the_command_that_fixes_a_stale_page(tmp_path: Path) -> None:
    stale = load_gen_docs().check(tmp_path)
    assert len(stale) == 3  # practices.md, errors.md, gpus.md
    assert all("run `python scripts/gen_docs.py`" in message for message in stale)
