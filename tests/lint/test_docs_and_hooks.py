"""docs/lint.md stays in step with the linter, and the pre-commit hook runs the linter."""

from __future__ import annotations

import re
import shlex
import subprocess

import yaml

from kn_constructs.lint.catalogue import RULES_BEGIN, RULES_END, all_rules, rules_markdown, update_markdown
from kn_constructs.lint.practices import LINT_RULES
from tests.lint.helpers import BAD_SERVICE, ROOT, cli, run

DOC = ROOT / "docs" / "lint.md"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _between(text: str, begin: str, end: str) -> str:
    start, stop = text.index(begin), text.index(end)
    return text[start + len(begin) : stop]


def test_the_rule_list_in_the_docs_is_generated_from_the_tables() -> None:
    text = DOC.read_text()
    assert text == update_markdown(text), "run: python -m kn_constructs.lint.gendocs docs/lint.md"
    rules = _between(text, RULES_BEGIN, RULES_END)
    for rule in all_rules():
        assert f"| `{rule.code}` |" in rules
    for rule in LINT_RULES:
        assert rule.title in rules


def test_update_markdown_replaces_only_the_marked_part() -> None:
    text = f"before\n{RULES_BEGIN}\nstale\n{RULES_END}\nafter\n"
    updated = update_markdown(text)
    assert updated == f"before\n{rules_markdown()}\nafter\n"


def test_the_sample_output_in_the_docs_is_what_the_linter_prints() -> None:
    sample = _between(DOC.read_text(), "<!-- lint-sample:begin -->", "<!-- lint-sample:end -->")
    lines = [line for line in sample.splitlines() if line and not line.startswith("```")]
    assert len(lines) >= 5
    result = run("lint", str(BAD_SERVICE.relative_to(ROOT)))
    printed = [line for line in result.stdout.splitlines() if not line.startswith("    hint: ")]
    for line in lines:
        assert line in printed, line
    errors = sum(1 for line in printed if " error " in line)
    infos = sum(1 for line in printed if " info " in line)
    warnings = len(printed) - errors - infos
    assert f"`{errors} errors, {warnings} warnings, {infos} info in 1 file (1 document)`" in DOC.read_text()


def test_the_benchmark_figures_are_recorded() -> None:
    figures = _between(DOC.read_text(), "<!-- bench:begin -->", "<!-- bench:end -->")
    assert re.search(r"\| floor: .*\| 1\.00 \|", figures)
    ratio = re.search(r"\| lint \(API\)[^|]*\|[^|]*\|[^|]*\| (\d+\.\d+) \|", figures)
    assert ratio is not None
    readme = (ROOT / "benchmarks" / "README.md").read_text()
    assert "python benchmarks/lint_bench.py" in readme


def test_pre_commit_hook_definition() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "kn-constructs-lint"
    assert hook["language"] == "python"
    assert hook["types"] == ["yaml"]
    assert shlex.split(hook["entry"])[0] == "kn-constructs"
    # pre-commit runs: entry + args + the staged file names
    command = [*cli(), *shlex.split(hook["entry"])[1:], str(BAD_SERVICE), str(HOOKS)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1  # the bad service fails the commit
    assert "KNATIVE-FORBIDDEN-FIELD" in result.stdout
    clean = subprocess.run(
        [*command[:-2], str(HOOKS)], capture_output=True, text=True, timeout=60, check=False
    )
    # YAML that is not a manifest passes: a list document is only noted (a LINT-YAML warning)
    assert clean.returncode == 0
    findings = [line for line in clean.stdout.splitlines() if not line.startswith(" ")]
    assert [line.split()[1:3] for line in findings] == [["LINT-YAML", "warning"]]


def test_sarif_rules_link_to_their_section_of_the_docs() -> None:
    import json

    from kn_constructs._project import DOCS_URL

    log = json.loads(run("lint", "--format", "sarif", str(BAD_SERVICE)).stdout)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    headings = {
        line.removeprefix("### ").strip().lower()
        for line in (ROOT / "docs" / "errors.md").read_text().splitlines()
        if line.startswith("### ")
    }
    assert rules
    for rule in rules:
        url = rule["helpUri"]
        assert url.startswith(f"{DOCS_URL}/errors.md#") and url.split("#")[1] in headings, url
        assert rule["help"]["text"] and url in rule["help"]["markdown"]
