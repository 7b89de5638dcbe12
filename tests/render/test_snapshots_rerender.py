"""Every reviewed snapshot (what ``cdk8s synth`` wrote for the examples) re-renders identically.

The snapshots under ``tests/**/__snapshots__`` are cdk8s' own output for the library's real
manifests (Knative Services, the router's Deployment, ConfigMaps with multi-line NGINX config).
Read back as data and written by :func:`~kn_constructs._render.dump_documents`, each must give its
exact bytes: a check of the renderer on the documents users get, without starting Node.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kn_constructs._render import dump_documents

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = sorted(ROOT.glob("tests/**/__snapshots__/**/*.yaml"))


def test_there_are_snapshots() -> None:
    assert len(SNAPSHOTS) >= 5


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_snapshot_rerenders_byte_for_byte(snapshot: Path) -> None:
    text = snapshot.read_text(encoding="utf-8")
    docs = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    assert docs
    assert dump_documents(docs) == text
