"""Test helpers shared by the test suite: schema validation and YAML snapshots."""
