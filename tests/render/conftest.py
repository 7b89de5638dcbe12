"""Fixtures of the render differential tests: the Node reference, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.render.reference import NodeReference


@pytest.fixture(scope="session")
def node_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeReference]:
    """``node harness.cjs`` on the cdk8s of the installed Python package; stopped at the end."""
    reference = NodeReference(Path(tmp_path_factory.mktemp("render-node")))
    try:
        yield reference
    finally:
        reference.close()
