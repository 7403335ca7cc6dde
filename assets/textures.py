"""Procedural textures (PNG): MakeHuman's own images are not in any package, so skin, hair, cloth,
irises and brows are drawn from seeded noise. Same seed, same bytes."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

F64 = npt.NDArray[np.float64]
RGB = tuple[float, float, float]


def noise(size: tuple[int, int], seed: int, falloff: float = 1.0, stretch: tuple[float, float] = (1.0, 1.0)) -> F64:
    """Tileable 1/f^falloff noise in [-1, 1]; `stretch` > 1 along an axis makes features longer along it."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(size)
    fy = np.fft.fftfreq(size[0])[:, None] * stretch[0]
    fx = np.fft.fftfreq(size[1])[None, :] * stretch[1]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.fft2(white) / radius**falloff
    spectrum[0, 0] = 0.0
    field = np.real(np.fft.ifft2(spectrum))
    result: F64 = field / max(float(np.abs(field).max()), 1e-12)
    return result


def encode(rgba: F64) -> bytes:
    """sRGB(A) values in [0, 1] as a PNG."""
    pixels = np.round(np.clip(rgba, 0.0, 1.0) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, mode="RGBA" if pixels.shape[-1] == 4 else "RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def skin(seed: int) -> bytes:
    """A light-grey pore and blotch pattern; the vertex colours carry the tone."""
    pores = noise((256, 256), seed, falloff=0.6)
    blotches = noise((256, 256), seed + 1, falloff=1.6)
    value = 0.93 + 0.025 * pores + 0.04 * blotches
    return encode(np.repeat(value[..., None], 3, axis=2))


def hair(color: RGB, seed: int) -> bytes:
    """Strands running along v: streaks of lighter and darker hair. Near v = 0 (the hair's edge) the
    strands end at random lengths (alpha), so hairlines and tips are ragged rather than cut."""
    streaks = noise((256, 256), seed, falloff=1.0, stretch=(0.08, 1.0))
    fine = noise((256, 256), seed + 1, falloff=0.5, stretch=(0.2, 1.0))
    shade = 1.0 + 0.28 * streaks + 0.12 * fine
    rgb = np.clip(np.asarray(color)[None, None, :] * shade[..., None], 0, 1)
    rng = np.random.default_rng(seed + 2)
    ends = 0.45 * rng.random(256) ** 0.7  # where each column's strand starts, from the edge
    rows = (np.arange(256)[:, None] + 0.5) / 256
    alpha = (rows > ends[None, :]).astype(float)
    return encode(np.concatenate([rgb, alpha[..., None]], axis=2))


CLOTH_EDGE = 0.5  # rows of the cloth texture above this v are transparent: the garment's edge


def cloth(color: RGB, seed: int, weave: float) -> bytes:
    """Woven fabric: a fine crosshatch of threads over a faint mottle, with a hem darker just inside the edge."""
    size = 512
    y, x = np.mgrid[0:size, 0:size]
    threads = 0.5 + 0.25 * (np.sin(x * np.pi / 2) + np.sin(y * np.pi / 2))
    mottle = noise((size, size), seed, falloff=1.2)
    v = (y + 0.5) / size
    hem = 1.0 - 0.18 * np.exp(-(((v - CLOTH_EDGE) / 0.006) ** 2)) * (v >= CLOTH_EDGE)
    shade = (1.0 - weave * (1.0 - threads) + 0.05 * mottle) * hem
    rgb = np.clip(np.asarray(color)[None, None, :] * shade[..., None], 0, 1)
    alpha = (v >= CLOTH_EDGE).astype(float)
    return encode(np.concatenate([rgb, alpha[..., None]], axis=2))


def iris(color: RGB, seed: int) -> bytes:
    """An eyeball seen from the front in polar UVs: pupil, iris fibres, limbal ring, sclera."""
    size = 256
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size - 0.5
    r = np.sqrt(x * x + y * y)  # 0.5 is the back of the eye
    angle = np.arctan2(y, x)
    fibres = noise((1, 512), seed, falloff=0.4)[0]
    fibre = fibres[((angle + np.pi) / (2 * np.pi) * 511).astype(int)]
    iris_color = np.asarray(color)[None, None, :] * (0.8 + 0.35 * fibre[..., None]) * (0.7 + 2.2 * r[..., None])
    sclera = np.array([0.93, 0.91, 0.88])[None, None, :] - 0.25 * np.clip(r - 0.25, 0, 1)[..., None] * [0, 0.4, 0.4]
    ring = np.clip(1 - np.abs(r - 0.135) / 0.012, 0, 1)[..., None]
    rgb = np.where((r < 0.14)[..., None], iris_color * (1 - 0.5 * ring), sclera)
    rgb = np.where((r < 0.055)[..., None], 0.02, rgb)
    return encode(rgb)


def brow(color: RGB, seed: int) -> bytes:
    """Alpha-tested brow hairs: u runs from the inner end (0) to the tail (1), v across the brow.

    Hairs are short strokes that rise steeply at the inner end and lie flatter towards the tail,
    inside an outline that tapers from about 9 mm to 3 mm.
    """
    rng = np.random.default_rng(seed)
    width, height = 256, 64
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(420):
        u = rng.random() ** 1.3  # denser towards the inner end
        half = (0.15 - 0.1 * u) * height
        x0 = u * width
        y0 = height / 2 + (rng.random() * 2 - 1) * half
        angle = np.radians(70 - 60 * u + rng.normal(0, 8))
        length = 14 + 10 * rng.random()
        x1, y1 = x0 + np.cos(angle) * length, y0 - np.sin(angle) * length * 0.35
        if abs(y1 - height / 2) <= half + 2:
            draw.line([(x0, y0), (x1, y1)], fill=255, width=2)
    alpha = np.asarray(mask, dtype=np.float64) / 255.0
    x = (np.arange(width) + 0.5) / width
    alpha *= np.clip(x * 10, 0, 1)[None, :] * np.clip((1 - x) * 6, 0, 1)[None, :]
    rgb = np.broadcast_to(np.asarray(color), (height, width, 3))
    return encode(np.concatenate([rgb, alpha[..., None]], axis=2))
