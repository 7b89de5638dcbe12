"""The project config file, --ignore with unknown codes, and one cluster assumption (console script)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kn_constructs.inference import InferenceServiceProps, plan_inference_service
from kn_constructs.lint.config import ConfigError, find_config, load_config
from tests.helpers import contract_props
from tests.lint.helpers import SPEC, annotations, good_service, run

FEATURES: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "config-features", "namespace": "knative-serving"},
    "data": {"kubernetes.podspec-affinity": "enabled"},
}


def codes(result: Any) -> list[tuple[str, str]]:
    return [(f["code"], f["path"]) for f in json.loads(result.stdout)]


def codes_of(result: Any) -> list[str]:
    return [line.split()[1] for line in result.stdout.splitlines() if not line.startswith(" ")]


def _project(tmp_path: Path, config: str, *, name: str = ".kn-constructs.yaml") -> Path:
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "features.yaml").write_text(yaml.safe_dump(FEATURES))
    (tmp_path / name).write_text(config)
    deploy = tmp_path / "deploy" / "models"
    deploy.mkdir(parents=True)
    service = good_service()
    service["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/example/server:v1"
    (deploy / "llama.yaml").write_text(yaml.safe_dump(service))
    return deploy / "llama.yaml"


def test_config_file_found_walking_up_names_the_cluster(tmp_path: Path) -> None:
    service = _project(tmp_path, "cluster: cluster/features.yaml\n")
    # Run from elsewhere, with only the service: the cluster still comes from the config file.
    found = run("lint", "--format", "json", str(service), cwd=tmp_path / "deploy")
    assert found.returncode == 0, found.stderr
    assert codes(found) == [("KN-IMAGE-1", f"{SPEC}.containers[0].image")]
    ignored = run("lint", "--format", "json", "--no-config", str(service))
    assert ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity") in codes(ignored)


def test_pyproject_table_is_a_config_file_and_the_cli_wins(tmp_path: Path) -> None:
    text = '[tool.kn-constructs]\ncluster = ["cluster/features.yaml"]\nignore = ["KN-IMAGE-*"]\n'
    service = _project(tmp_path, text, name="pyproject.toml")
    assert find_config(service) == tmp_path / "pyproject.toml"
    assert codes(run("lint", "--format", "json", str(service))) == []
    # CLI flag > config file: --cluster replaces the file's cluster; --min-severity its severity.
    stock = tmp_path / "stock.yaml"
    stock.write_text(yaml.safe_dump({**FEATURES, "data": {}}))
    result = run("lint", "--format", "json", "--cluster", str(stock), str(service))
    assert (result.returncode, codes(result)) == (1, [("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity")])


def test_config_min_severity_applies_unless_the_cli_says_otherwise(tmp_path: Path) -> None:
    service = _project(tmp_path, "cluster: [cluster/features.yaml]\nmin-severity: error\n")
    assert codes(run("lint", "--format", "json", str(service))) == []
    warned = run("lint", "--format", "json", "--min-severity", "warning", str(service))
    assert codes(warned) == [("KN-IMAGE-1", f"{SPEC}.containers[0].image")]


def test_yaml_config_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.kn-constructs]\nignore = ['KN-IMAGE-1']\n")
    (tmp_path / ".kn-constructs.yaml").write_text("ignore: [KN-OPS-1]\n")
    assert find_config(tmp_path) == tmp_path / ".kn-constructs.yaml"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    assert find_config(tmp_path / "sub") == tmp_path / ".kn-constructs.yaml"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("ignor: [KN-IMAGE-1]\n", "unknown key 'ignor' (did you mean 'ignore'?)"),
        ("ignore: [KN-IMAGE-9]\n", "unknown code 'KN-IMAGE-9' (did you mean KN-IMAGE-1"),
        ("ignore: ['KN-NOPE-*']\n", "unknown code 'KN-NOPE-*'"),
        ("cluster: missing.yaml\n", "cluster file(s) not found"),
        ("min-severity: fatal\n", "min-severity must be one of info, warning, error"),
        ("ignore: 3\n", "ignore must be a string or a list of strings"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_bad_config_file_is_exit_2(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / ".kn-constructs.yaml").write_text(config)
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(good_service()))
    result = run("lint", str(tmp_path / "svc.yaml"))
    assert result.returncode == 2
    assert message in result.stderr
    with pytest.raises(ConfigError, match=r"kn-constructs\.yaml"):
        load_config(tmp_path / ".kn-constructs.yaml")


def test_ignore_with_an_unknown_code_is_exit_2_with_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(good_service()))
    result = run("lint", "--no-config", "--ignore", "KN-IMAGE-1,KN-NOPE", str(tmp_path / "svc.yaml"))
    assert result.returncode == 2
    assert "unknown code 'KN-NOPE'" in result.stderr and result.stdout == ""
    typo = run("lint", "--no-config", "--ignore", "KN-PROBE1", str(tmp_path / "svc.yaml"))
    assert typo.returncode == 2 and "did you mean KN-PROBE-1" in typo.stderr
    pattern = run("lint", "--no-config", "--ignore", "KN-PROBE-*", str(tmp_path / "svc.yaml"))
    # A pattern matching known codes is fine (exit 1: the affinity error of Knative's defaults).
    assert (pattern.returncode, codes_of(pattern)) == (1, ["KNATIVE-FEATURE-FLAG"]), pattern.stderr


# --------------------------------------------------------------------------- one cluster assumption


@pytest.mark.parametrize(
    ("cluster", "verdict"),
    [
        pytest.param(None, "error", id="no-cluster-declared"),
        pytest.param({"kubernetes.podspec-affinity": "enabled"}, "clean", id="affinity-enabled"),
        pytest.param({"kubernetes.podspec-affinity": "disabled"}, "error", id="affinity-disabled"),
    ],
)
def test_construct_and_linter_agree_on_the_cluster_kn_place_3(
    tmp_path: Path, cluster: dict[str, str] | None, verdict: str
) -> None:
    from kn_constructs import ClusterSettings

    settings = None if cluster is None else ClusterSettings().with_features(cluster)
    props = contract_props(name="llama", cluster=settings)
    props.pop("acknowledge")
    plan = plan_inference_service(InferenceServiceProps(**props))
    construct = "error" if any(p.code == "KN-PLACE-3" for p in plan.errors) else "clean"
    # The same service, for the linter: the manifest as the construct renders it given the flag,
    # and the same cluster, told the linter's way (a ConfigMap file, or none).
    manifest = good_service()
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(manifest))
    args = ["lint", "--format", "json", "--no-config", str(tmp_path / "svc.yaml")]
    if cluster is not None:
        (tmp_path / "cluster.yaml").write_text(yaml.safe_dump({**FEATURES, "data": cluster}))
        args[1:1] = ["--cluster", str(tmp_path / "cluster.yaml")]
    result = run(*args)
    flagged = ("KNATIVE-FEATURE-FLAG", f"{SPEC}.affinity") in codes(result)
    linter = "error" if flagged and result.returncode == 1 else "clean"
    assert construct == linter == verdict


def test_windows_problem_is_not_hidden_by_the_cluster(tmp_path: Path) -> None:
    service = good_service()
    annotations(service)["autoscaling.knative.dev/window"] = "5s"
    (tmp_path / "svc.yaml").write_text(yaml.safe_dump(service))
    (tmp_path / ".kn-constructs.yaml").write_text("cluster: features.yaml\n")
    (tmp_path / "features.yaml").write_text(yaml.safe_dump(FEATURES))
    result = run("lint", "--format", "json", str(tmp_path / "svc.yaml"))
    window = "spec.template.metadata.annotations.autoscaling.knative.dev/window"
    assert codes(result) == [("KNATIVE-ANNOTATION-VALUE", window)]
