"""Rendering manifests in Python, byte for byte as cdk8s writes them (no cdk8s or jsii import).

* :func:`~kn_constructs._render.tojson.api_object_json`: what ``ApiObject.toJson()`` returns.
* :func:`~kn_constructs._render.yaml.dump_documents`: the text ``App.synth`` writes for a chart.

The versions these were verified against are :data:`CDK8S_VERSION` and :data:`YAML_VERSION`
(the npm ``yaml`` bundled in cdk8s' jsii tarball); ``docs/rendering.md`` says what to do when
cdk8s is upgraded.
"""

from __future__ import annotations

from kn_constructs._render._jsvalue import RenderInputError
from kn_constructs._render.tojson import PatchError, api_object_json
from kn_constructs._render.yaml import dump_document, dump_documents

__all__ = [
    "CDK8S_VERSION",
    "FAST_JSON_PATCH_VERSION",
    "YAML_VERSION",
    "PatchError",
    "RenderInputError",
    "api_object_json",
    "dump_document",
    "dump_documents",
]

#: The cdk8s release whose ``ApiObject.toJson`` and ``Yaml.stringify`` this package reproduces.
CDK8S_VERSION = "2.70.115"
#: The npm ``yaml`` release bundled in that cdk8s' jsii tarball.
YAML_VERSION = "2.9.1"
#: The fast-json-patch release bundled in that cdk8s' jsii tarball.
FAST_JSON_PATCH_VERSION = "3.1.1"
