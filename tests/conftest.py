"""Shared fixtures: the YAML snapshot extension and the cdk8s environment."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CDK8S_CHECK_UPGRADE", "false")

pytest_plugins = ["tests.support.fixtures"]
