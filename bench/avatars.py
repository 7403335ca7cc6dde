"""Avatar thumbnails: the software renderer's time for a preset's 256-pixel portrait, against
decoding the same GLB (the baseline, measured in the same run).

    python -m bench.avatars

A thumbnail of an uploaded model is rendered once per upload (in a worker thread); measured at
1.0–1.8 s, 10–18× the decode, on this 2-core machine while other work loaded it (load average 12).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from avatarium.avatars import render, thumbnail
from avatarium.presets.catalog import Catalog
from bench.common import median

REPEATS = 5


def _timed(action: Callable[[bytes], object], glb: bytes) -> float:
    start = time.perf_counter()
    action(glb)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    catalog = Catalog.load()
    for avatar in catalog.avatars.values():
        glb = catalog.model(avatar).data
        decode = median([_timed(render.surfaces, glb) for _ in range(REPEATS)])
        portrait = median([_timed(thumbnail.png, glb) for _ in range(REPEATS)])
        print(
            f"{avatar.id:8} {len(glb) / 1e6:.2f} MB  decode {decode:6.1f} ms  "
            f"thumbnail {portrait:6.1f} ms  ({portrait / decode:.1f}× decode)"
        )


if __name__ == "__main__":
    main()
