"""Pytest fixtures shared by the test suite.

Load with ``pytest_plugins = ["tests.support.fixtures"]`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.support.snapshots import YamlSnapshotExtension

__all__ = ["yaml_snapshot"]


@pytest.fixture
def yaml_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot assertion storing the compared YAML text as one ``.yaml`` file.

    Use: ``assert yaml_text == yaml_snapshot``. The file is
    ``tests/__snapshots__/<test_module>/<test_name>.yaml``; create or update it with
    ``scripts/test --snapshot-update`` and review the diff (CI never updates).
    """
    return snapshot.use_extension(YamlSnapshotExtension)
