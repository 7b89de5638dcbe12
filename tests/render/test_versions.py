"""The renderer was verified against exact cdk8s, yaml and fast-json-patch releases: pin them."""

from __future__ import annotations

import json
import tarfile
from importlib.metadata import version

from kn_constructs import _render
from tests.render.reference import NodeReference, jsii_tarball

_UPGRADE = """\
{what} is {found}, but kn_constructs._render was verified against {pinned}.
Before bumping the pin (kn_constructs/_render/__init__.py), follow docs/rendering.md "Upgrading cdk8s":
  1. read the changes of cdk8s' api-object.js, _util.js, metadata.js, json-patch.js, yaml.js and of
     the bundled yaml's stringify/*.js and schema/yaml-1.1/*.js between the two versions;
  2. run the differential suite at higher example counts:
     KN_RENDER_EXAMPLES=2000 python -m pytest -p no:cacheprovider tests/render
  3. fix kn_constructs/_render until it agrees byte for byte, then bump the pinned versions."""


def _bundled(package_json_path: str) -> str:
    with tarfile.open(jsii_tarball("cdk8s")) as tar:
        member = tar.extractfile(package_json_path)
        assert member is not None, package_json_path
        return str(json.load(member)["version"])


def test_cdk8s_version_is_the_verified_one() -> None:
    found = version("cdk8s")
    assert found == _render.CDK8S_VERSION, _UPGRADE.format(
        what="the installed cdk8s", found=found, pinned=_render.CDK8S_VERSION
    )


def test_bundled_yaml_version_is_the_verified_one() -> None:
    found = _bundled("package/node_modules/yaml/package.json")
    assert found == _render.YAML_VERSION, _UPGRADE.format(
        what="the yaml bundled in cdk8s", found=found, pinned=_render.YAML_VERSION
    )


def test_bundled_fast_json_patch_version_is_the_verified_one() -> None:
    found = _bundled("package/node_modules/fast-json-patch/package.json")
    assert found == _render.FAST_JSON_PATCH_VERSION, _UPGRADE.format(
        what="the fast-json-patch bundled in cdk8s", found=found, pinned=_render.FAST_JSON_PATCH_VERSION
    )


def test_node_reference_runs_the_installed_cdk8s(node_reference: NodeReference) -> None:
    """The Node side really loads the jsii tarball's cdk8s, not the project's node_modules one."""
    found = node_reference.versions()
    assert found["cdk8s"] == version("cdk8s")
    assert found["yaml"] == _render.YAML_VERSION
    assert found["fastJsonPatch"] == _render.FAST_JSON_PATCH_VERSION
    assert "/node_modules/cdk8s" in found["resolved"]
    assert not found["resolved"].startswith(str(__import__("pathlib").Path(__file__).parents[2]))
