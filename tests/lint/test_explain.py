"""``kn-constructs explain``: the derivations annotation read back, and the Markdown report."""

from __future__ import annotations

import math
import re
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs.derivation import Derivation
from kn_constructs.inference import DERIVATIONS_ANNOTATION
from kn_constructs.lint.explain import explain_documents, parse_derivation, parse_derivations, render_markdown
from kn_constructs.practices import PRACTICES
from tests.lint.helpers import ROOT, good_service, run

EXAMPLE = ROOT / "examples" / "single_model"


def table(markdown: str) -> dict[str, list[str]]:
    """The rows of the report's tables, by derived value (first column, backticks removed)."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


# --------------------------------------------------------------------------- parsing


def test_the_planned_annotation_parses_back_to_the_derivations() -> None:
    service = good_service()
    annotation = service["metadata"]["annotations"][DERIVATIONS_ANNOTATION]
    parsed = parse_derivations(annotation)
    assert [d.describe() for d in parsed] == annotation.splitlines()
    timeout = next(d for d in parsed if d.target == "spec.template.spec.timeoutSeconds")
    assert (timeout.value, timeout.practice, dict(timeout.inputs)) == (
        "12",
        "KN-SHUT-2",
        {"longest_request_seconds": "10"},
    )
    assert timeout.rule == "ceil(1.2 x longest_request_seconds)"


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x85\u2028\u2029"), max_size=20
)


@given(
    target=st.from_regex(r"[a-z][a-zA-Z0-9./\[\]-]{0,30}", fullmatch=True),
    value=_text.filter(lambda v: "  [" not in v),
    practice=st.from_regex(r"(KN-[A-Z]+-[0-9])?", fullmatch=True),
    rule=_text,
    inputs=st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True), _text | st.none(), max_size=4
    ),
)
def test_parse_is_the_inverse_of_describe(
    target: str, value: str, practice: str, rule: str, inputs: dict[str, str | None]
) -> None:
    line = Derivation(target, value, inputs, practice, rule).describe()
    parsed = parse_derivation(line)
    assert parsed.describe() == line
    assert (parsed.target, parsed.value, parsed.practice) == (target, value, practice)


@pytest.mark.parametrize(
    "line", ["", "no colon here", "target: value [KN-X-1] one space only", "x: 1  KN-AS-3 rule"]
)
def test_lines_of_another_shape_are_refused(line: str) -> None:
    with pytest.raises(ValueError, match="not a derivation line"):
        parse_derivation(line)


# --------------------------------------------------------------------------- the report


def test_report_on_synthesized_yaml_and_a_service_without_derivations(tmp_path: Path) -> None:
    handwritten = textwrap.dedent(
        """\
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: handmade}
        spec: {template: {spec: {containers: [{image: nginx}]}}}
        """
    )
    (tmp_path / "planned.yaml").write_text(yaml.safe_dump(good_service()))
    (tmp_path / "handmade.yaml").write_text(handwritten)
    result = run("explain", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "## Service `models/llama`" in result.stdout
    assert "## Service `handmade`" in result.stdout
    handmade = result.stdout.split("## Service `handmade`", 1)[1].split("## Service", 1)[0]
    assert "Not produced by kn_constructs" in handmade
    rows = table(result.stdout)
    value, rule, inputs, practice = rows["spec.template.spec.timeoutSeconds"]
    assert value == "`12`"
    assert rule == "ceil(1.2 x longest_request_seconds)"
    assert inputs == "`longest_request_seconds=10`"
    assert practice == f"KN-SHUT-2: {PRACTICES['KN-SHUT-2'].title}"


def test_unreadable_annotation_is_said() -> None:
    service = good_service()
    service["metadata"]["annotations"][DERIVATIONS_ANNOTATION] = "garbage\n"
    (explained,) = explain_documents([("x.yaml", service)])
    assert explained.error is not None
    assert "could not be read" in render_markdown([explained])


def test_no_service_at_all(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    result = run("explain", str(tmp_path / "cm.yaml"))
    assert result.returncode == 0
    assert "No Knative Service found." in result.stdout


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    result = run("explain", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("target", [EXAMPLE, EXAMPLE / "main.py"], ids=["app folder", "app file"])
def test_explain_single_model_shows_where_the_values_came_from(target: Path) -> None:
    result = run("explain", str(target))
    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    # The example's inputs: longest_request_seconds=10, Batching.fixed(8), from_startup(mean_seconds=20).
    timeout = rows["spec.template.spec.timeoutSeconds"]
    assert timeout[0] == f"`{math.ceil(1.2 * 10)}`"
    assert "`longest_request_seconds=10`" in timeout[2]
    assert timeout[3].startswith("KN-SHUT-2: ")
    window = rows["autoscaling.knative.dev/window"]
    assert window[0] == f"`{math.ceil(2 * 20)}s`"
    assert "`mean_seconds=20`" in window[2]
    assert window[3].startswith("KN-AS-3: ")
    panic = rows["autoscaling.knative.dev/panic-window-percentage"]
    assert panic[0] == "`50`"
    assert panic[3].startswith("KN-AS-4: ")
    concurrency = rows["spec.template.spec.containerConcurrency"]
    assert concurrency[0] == "`8`"
    assert "`batch_size=8`" in concurrency[2]
    assert concurrency[3].startswith("KN-BATCH-1: ")
    target_row = rows["autoscaling.knative.dev/target"]
    assert target_row[0] == "`8`"
    assert target_row[3].startswith("KN-CONC-2: ")


@pytest.mark.slow
def test_explain_a_failing_app_is_exit_2(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text("raise SystemExit('no GPUs today')\n")
    result = run("explain", str(app))
    assert result.returncode == 2
    assert "the app failed" in result.stderr
    assert "no GPUs today" in result.stderr


# ---------------------------------------------------------------- the parser on hostile lines

#: The line pattern ``Derivation.parse`` used to match with (it backtracks: quadratic on long lines).
REFERENCE_LINE = re.compile(
    r"^(?P<target>[^\s:][^:]*?): (?P<value>.*?)  \[(?P<practice>[^\]]*)\] (?P<rest>.*)$"
)


@given(st.text(alphabet=": [] ab\t;=,", max_size=40))
def test_the_parser_reads_exactly_what_the_reference_pattern_matched(line: str) -> None:
    match = REFERENCE_LINE.match(line)
    try:
        parsed = Derivation.parse(line)
    except ValueError:
        assert match is None
        return
    assert match is not None
    assert (parsed.target, parsed.value, parsed.practice) == (
        match.group("target"),
        match.group("value"),
        match.group("practice"),
    )


@pytest.mark.parametrize(
    "line",
    [
        "t: v" + "  [" * 40_000,  # 120 KB: no "]" at all
        "t: v" + "  [x" * 30_000 + "]",  # one "]" at the end, not followed by a space
        "t: v" + "  [x]" * 24_000,  # many "]" none followed by a space
        "t: " + ": " * 60_000,
        "t: v  [P] r; from " + "a=1, " * 24_000,
        "t: v  [P] r; from " + ", a" * 40_000,
    ],
)
def test_a_long_hostile_line_is_read_in_linear_time(line: str) -> None:
    started = time.perf_counter()
    message = ""
    try:
        Derivation.parse(line)
    except ValueError as error:
        message = str(error)
    assert time.perf_counter() - started < 0.5
    assert len(message) < 400  # a refusal does not echo 120 KB


def test_the_app_command_pattern_is_linear() -> None:
    started = time.perf_counter()
    assert re.fullmatch(r"python3\.\d+", "python3." + "1" * 100_000 + "x") is None
    assert time.perf_counter() - started < 0.5
