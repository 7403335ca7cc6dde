"""The shipped preset files are exactly what `assets/build.py` makes from its sources."""

from __future__ import annotations

from assets import build
from avatarium.avatars import thumbnail


def test_a_rebuilt_preset_matches_the_shipped_files() -> None:
    # One preset keeps the suite short; `python -m assets.build` rebuilds them all the same way.
    avatar = next(a for a in build.avatars() if a["id"] == "sam")
    glb = build.model(avatar)
    model, picture, sheet = build.outputs(avatar["id"])
    assert glb == build.model(avatar), "two builds from the same inputs differ"
    assert glb == model.read_bytes(), "the shipped model is stale: run `make presets`"
    assert thumbnail.png(glb) == picture.read_bytes()
    assert build.viseme_sheet(glb) == sheet.read_bytes()
