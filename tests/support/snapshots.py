"""A syrupy extension that keeps each snapshot as one reviewable YAML file.

The snapshot is the exact text handed in (what ``cdk8s synth`` writes): nothing is
re-serialized, re-ordered or normalized, so the file under review is the output itself.
Files live at ``tests/__snapshots__/<test_module>/<test_name>.yaml`` (a second snapshot
in the same test gets ``<test_name>.1.yaml``).

syrupy fails an assertion whose snapshot file is missing ("Snapshot '...' does not
exist!") unless pytest runs with ``--snapshot-update``, which CI never passes; and it
fails the session on snapshot files no test used. So CI cannot create, change or
silently drop a snapshot.
"""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

__all__ = ["YamlSnapshotExtension"]


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    """One ``.yaml`` file per snapshot, holding the given string verbatim."""

    file_extension = "yaml"
    _write_mode = WriteMode.TEXT

    def serialize(self, data: Any, **_: Any) -> str:
        """Return ``data`` unchanged; only strings (synthesized YAML text) are accepted."""
        if not isinstance(data, str):
            raise TypeError(
                f"yaml_snapshot takes the YAML text as a str, got {type(data).__name__}; "
                "pass the text cdk8s synth wrote, e.g. Path(outdir, 'x.k8s.yaml').read_text()"
            )
        return data
