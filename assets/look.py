"""What a preset looks like: its body build, colours, hair style and outfit (the `look` in assets/looks.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assets.body import Build
from assets.part import F64

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Look:
    build: Build
    skin: RGB  # sRGB
    eyes: RGB
    hair: RGB
    hair_style: str
    outfit: str
    outfit_colors: tuple[RGB, RGB]
    seed: int
    beard: RGB | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Look:
        """From an avatar's `look` in assets/looks.json."""
        colors, beard = raw["outfitColors"], raw.get("beard")
        return cls(
            build=Build(**raw["build"]),
            skin=_rgb(raw["skin"]),
            eyes=_rgb(raw["eyes"]),
            hair=_rgb(raw["hair"]),
            hair_style=str(raw["hairStyle"]),
            outfit=str(raw["outfit"]),
            outfit_colors=(_rgb(colors[0]), _rgb(colors[1])),
            seed=int(raw["seed"]),
            beard=_rgb(beard) if beard is not None else None,
        )


def _rgb(values: list[float]) -> RGB:
    red, green, blue = (float(v) for v in values)
    return red, green, blue


def linear(color: RGB) -> F64:
    c = np.asarray(color, dtype=np.float64)
    result: F64 = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return result
