"""The viseme mappings documented in docs/custom-avatars.md are the ones the code bakes."""

from __future__ import annotations

import re
from pathlib import Path

from avatarium.avatars.rig import arkit, vrm

DOC = Path(__file__).parent.parent / "docs" / "custom-avatars.md"


def _table(heading: str) -> dict[str, dict[str, float]]:
    section = DOC.read_text("utf-8").split(heading, 1)[1]
    rows = re.findall(r"^\| `(viseme_\w+)` \| (.+) \|$", section, re.MULTILINE)[:15]
    return {viseme: {name: float(w) for name, w in re.findall(r"`(\w+)` ([\d.]+)", mix)} for viseme, mix in rows}


def test_documented_mappings_are_the_baked_ones() -> None:
    assert _table("### ARKit → viseme") == arkit.VISEME_MIX
    assert _table("### VRM vowels → viseme") == vrm.VISEME_MIX
