"""docs/simulator.md states every convention and shows current figures and numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kn_constructs.sim import CONVENTIONS
from kn_constructs.sim.figures import cold_start_scenario, overscaling_scenario, spiky_scenario, table_row

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "simulator.md"


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_every_convention_is_stated_as_the_code_applies_it(text: str, name: str) -> None:
    rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
    assert rows == [f"| `{name}` | {CONVENTIONS[name]} |"]


def test_the_figures_exist_and_are_pngs(text: str) -> None:
    images = re.findall(r"!\[[^\]]*\]\((img/sim-[a-z-]+\.png)\)", text)
    assert sorted(images) == ["img/sim-cold-start.png", "img/sim-overscaling.png", "img/sim-spiky.png"]
    for image in images:
        data = (DOC.parent / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_scenario_numbers_are_current(text: str) -> None:
    # the table rows figures.py prints for each scenario and profile
    for scenario in (spiky_scenario(), cold_start_scenario(), overscaling_scenario()):
        for label, result in scenario.run():
            row = table_row(f"{scenario.name}: {label}", result)
            assert row in text, (
                f"docs/simulator.md is stale: rerun python -m kn_constructs.sim.figures docs/img\n{row}"
            )
