"""``kn-constructs synth APP_DIR``: the files of ``cdk8s synth``, no Node, clear refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from kn_constructs.cli import main
from tests.synth.support import ROOT, run

SNAPSHOT = ROOT / "tests/__snapshots__/test_service/test_single_model_example_runs_and_matches_snapshot.yaml"


def _app(tmp_path: Path, program: str, *, config: str = "app: python main.py\n") -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "cdk8s.yaml").write_text(config, encoding="utf-8")
    (folder / "main.py").write_text(textwrap.dedent(program), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(None, "cdk8s.yaml: not found", id="no-config"),
        pytest.param("output: dist\n", "'app' must be the command", id="no-app"),
        pytest.param("app: [python, main.py]\n", "'app' must be the command", id="app-not-a-string"),
        pytest.param("app: python main.py\noutput: 3\n", "'output' must be a folder name", id="bad-output"),
        pytest.param("app: : :\n", "not valid YAML", id="bad-yaml"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str | None, message: str
) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    if config is not None:
        (folder / "cdk8s.yaml").write_text(config, encoding="utf-8")
    assert main(["synth", str(folder)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ([] if config is None else ["cdk8s.yaml"])


def test_missing_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.slow
def test_single_model_example_gives_the_cdk8s_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["synth", str(ROOT / "examples/single_model"), "--output", str(out)]) == 0
    assert "inference.k8s.yaml" in capsys.readouterr().out
    assert (out / "inference.k8s.yaml").read_bytes() == SNAPSHOT.read_bytes()


UNSUPPORTED = {
    "helm": ("from cdk8s import App, Chart, Helm\n", "cdk8s.Helm"),
    "include": (
        "import cdk8s\napp = cdk8s.App()\ncdk8s.Include(cdk8s.Chart(app, 'c'), 'i', url='x.yaml')\n",
        "cdk8s.Include",
    ),
    "lazy": ("from cdk8s import Lazy\n", "cdk8s.Lazy"),
    "cdk8s-plus": (
        "import cdk8s, cdk8s_plus_27 as kplus\napp = cdk8s.App()\n"
        "kplus.Deployment(cdk8s.Chart(app, 'c'), 'd')\n",
        "cdk8s-plus-27.Deployment",
    ),
    "resolvers": ("import cdk8s\napp = cdk8s.App(resolvers=[object()])\n", "cdk8s App(resolvers=...)"),
    "jsii-bindings": ("import jsii\nclass K8s(metaclass=jsii.JSIIMeta): pass\n", "jsii (generated bindings"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_features_fail_by_name_and_keep_the_old_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    program, feature = UNSUPPORTED[case]
    # The app writes one file before it reaches the unsupported feature: nothing may land.
    folder = _app(
        tmp_path,
        "import cdk8s\n_a = cdk8s.App()\ncdk8s.Chart(_a, 'early')\n_a.synth()\n"
        + program
        + "\napp.synth()\n",
    )
    dist = folder / "dist"
    dist.mkdir()
    (dist / "old.k8s.yaml").write_text("kept\n", encoding="utf-8")
    assert main(["synth", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"the app uses {feature}, which Node-free synth does not cover" in err
    assert sorted(p.name for p in dist.iterdir()) == ["old.k8s.yaml"]
    assert (dist / "old.k8s.yaml").read_text(encoding="utf-8") == "kept\n"


@pytest.mark.slow
def test_a_failing_app_exits_1_and_an_app_without_synth_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _app(tmp_path, "raise SystemExit(3)\n")
    assert main(["synth", str(folder)]) == 1
    assert "the app failed (exit status 3); nothing was written" in capsys.readouterr().err
    (folder / "main.py").write_text("import cdk8s\ncdk8s.App()\n", encoding="utf-8")
    assert main(["synth", str(folder)]) == 1
    assert "does it call app.synth()?" in capsys.readouterr().err
    assert not (folder / "dist").exists()


@pytest.mark.slow
def test_validations_written_with_jsii_implements_run_node_free(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _app(
        tmp_path,
        """\
        import jsii
        from cdk8s import ApiObject, App, Chart
        from constructs import IValidation

        @jsii.implements(IValidation)
        class NeedsLabel:
            def __init__(self, obj):
                self.obj = obj
            def validate(self):
                return [] if self.obj.metadata.get_label("team") else ["no team label"]

        app = App()
        chart = Chart(app, "c")
        obj = ApiObject(chart, "cm", api_version="v1", kind="ConfigMap", metadata={"name": "cm"})
        obj.node.add_validation(NeedsLabel(obj))
        app.synth()
        """,
    )
    assert main(["synth", str(folder)]) == 1
    assert "[c/cm] no team label" in capsys.readouterr().err
    assert not (folder / "dist").exists()
    main_py = folder / "main.py"
    main_py.write_text(
        main_py.read_text().replace('{"name": "cm"}', '{"name": "cm", "labels": {"team": "a"}}')
    )
    assert main(["synth", str(folder)]) == 0
    assert (folder / "dist" / "c.k8s.yaml").read_text() == (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    team: a\n  name: cm\n"
    )


@pytest.mark.slow
def test_the_switch_without_the_start_up_folder_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "KN_CONSTRUCTS_NODE_FREE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", "from kn_constructs import GpuInferenceService as G; G"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "KN_CONSTRUCTS_NODE_FREE=1, but cdk8s and constructs were imported from their packages" in (
        result.stderr
    )


def _without_node(venv_bin: Path) -> str:
    """A PATH with the fresh venv's bin and nothing else (this machine has node in /usr/bin)."""
    assert not (venv_bin / "node").exists()
    return str(venv_bin)


@pytest.mark.slow
def test_fleet_example_synthesizes_in_a_fresh_venv_without_node(tmp_path: Path) -> None:
    """Install the project (and its dependencies, from the package index) into a new venv, hide
    every ``node`` from PATH, and synthesize the fleet example: the same bytes as cdk8s writes."""
    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    app_dir = tmp_path / "fleet"
    shutil.copytree(ROOT / "examples/fleet", app_dir)
    env = {
        "PATH": _without_node(fresh / "bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    assert shutil.which("node", path=env["PATH"]) is None
    result = run(
        [str(fresh / "bin" / "kn-constructs"), "synth", str(app_dir)],
        node_free=False,
        cwd=tmp_path,
        env=env,
        timeout=300,
        repository=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    written = (app_dir / "dist" / "fleet.k8s.yaml").read_bytes()
    snapshot = ROOT / "tests/__snapshots__/test_fleet" / (
        "test_fleet_example_synthesizes_services_router_and_cluster_config.yaml"
    )
    assert written == snapshot.read_bytes()
    assert os.listdir(app_dir / "dist") == ["fleet.k8s.yaml"]
