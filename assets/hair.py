"""Hair and brows, grown procedurally from the scalp and brow skin of the base mesh."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from assets import textures
from assets.frame import EYE_LEVEL, Frame
from assets.look import Look
from assets.part import F64, Material, Part, sub_mesh
from assets.shell import body_triangles, covered_triangles, smoothstep, vertex_normals


@dataclass(frozen=True)
class Style:
    thickness: float  # metres above the scalp
    length: float  # metres below the eyes that the hair reaches at the back (0: above the nape)
    front: float  # hairline above the eyes, metres
    bun: float = 0.0  # radius of a bun at the back of the head
    volume: float = 0.0  # extra roundness (curls, afro)


STYLES = {
    "cropped": Style(0.005, 0.0, 0.058),
    "short": Style(0.009, 0.0, 0.056, volume=0.004),
    "bob": Style(0.012, 0.11, 0.06),
    "long": Style(0.012, 0.24, 0.06),
    "bun": Style(0.008, 0.0, 0.062, bun=0.038),
    "afro": Style(0.03, 0.0, 0.05, volume=0.02),
    "receding": Style(0.004, 0.0, 0.085),
}


def _head_axis(fr: Frame) -> tuple[float, float]:
    """The vertical axis through the skull: its z, and the skull's height of greatest width."""
    top = fr.positions[:, 1] > EYE_LEVEL + 0.03
    z = fr.positions[top, 2]
    return float((z.min() + z.max()) / 2), EYE_LEVEL + 0.03


def hairline(fr: Frame, style: Style) -> tuple[F64, F64]:
    """How far each base vertex is inside the hair (positive = under hair), and its angle around the head."""
    axis_z, _ = _head_axis(fr)
    x, y, z = fr.positions.T
    facing = np.cos(np.arctan2(x, z - axis_z))  # 1 at the face, -1 at the back
    line = np.interp(
        facing, [-1.0, -0.4, 0.0, 0.5, 0.8, 1.0], [-0.075, -0.03, 0.02, 0.035, style.front - 0.006, style.front]
    )
    line = line + EYE_LEVEL
    hang = EYE_LEVEL - style.length
    if style.length > 0:  # long styles fall down the back and sides, behind the cheeks
        behind = smoothstep(0.35, 0.05, facing)
        line = np.minimum(line, line + (hang - line) * behind)
    inside = y - line
    normals = vertex_normals(fr.positions)
    radial = np.stack([x, np.zeros_like(x), z - axis_z], axis=1)
    outward = (normals * radial).sum(axis=1) / np.maximum(np.linalg.norm(radial, axis=1), 1e-9) > 0.1
    in_head = (
        (y > EYE_LEVEL - 0.14 - style.length) & (np.abs(x) < 0.16 - style.length * 0.2) & (outward | (y > EYE_LEVEL))
    )
    return np.where(in_head, inside, -1.0), line


def make(fr: Frame, look: Look) -> list[Part]:
    style = STYLES[look.hair_style]
    inside, line = hairline(fr, style)
    used, local = covered_triangles((inside > 0).astype(float), partly=True, outside=inside < -0.5)
    if not len(used):
        return []
    axis_z, widest = _head_axis(fr)
    normals = vertex_normals(fr.positions)
    p = fr.positions[used].copy()
    p[:, 1] = np.where(inside[used] < 0, line[used], p[:, 1])
    depth = smoothstep(0.0, 0.025, inside[used])  # thin at the hairline, full a little above it
    grown = p + normals[used] * (0.0015 + style.thickness * depth)[:, None]
    if style.volume:
        center = np.array([0.0, widest, axis_z])
        grown += (grown - center) * (style.volume * depth / 0.1)[:, None]
    if style.length:
        grown = _hang(grown, axis_z, widest, fr, style)
    theta = np.arctan2(grown[:, 0], grown[:, 2] - axis_z)
    # v is the distance from the hair's edge (hairline, or tips of hanging hair): the texture's strands end there.
    edge = np.clip(inside[used], 0.0, None) / 0.05
    uvs = np.stack([(theta / (2 * np.pi) + 0.5) * 6.0, np.minimum(edge, 0.999)], axis=1)
    material = Material(
        "Hair",
        (1.0, 1.0, 1.0, 1.0),
        0.6,
        texture=textures.hair(look.hair, look.seed + 3),
        alpha_cutoff=0.5,
        double_sided=True,
        mipmaps=False,
    )
    parts = [Part("Hair", grown, local, material, uvs=uvs)]
    if style.bun:
        parts.append(_bun(axis_z, fr, style, material))
    return parts


def _hang(grown: F64, axis_z: float, widest: float, fr: Frame, style: Style) -> F64:
    """Below the skull's widest point hair falls straight instead of hugging the neck."""
    skull = fr.positions[(fr.positions[:, 1] > widest - 0.01) & (fr.positions[:, 1] < widest + 0.01)]
    angle = np.arctan2(skull[:, 0], skull[:, 2] - axis_z)
    radius = np.hypot(skull[:, 0], skull[:, 2] - axis_z)
    bins = np.linspace(-np.pi, np.pi, 37)
    envelope = np.array([radius[(angle >= a) & (angle < b)].max(initial=0.08) for a, b in itertools.pairwise(bins)])
    theta = np.arctan2(grown[:, 0], grown[:, 2] - axis_z)
    r = np.hypot(grown[:, 0], grown[:, 2] - axis_z)
    limit = np.interp(theta, (bins[:-1] + bins[1:]) / 2, envelope, period=2 * np.pi) + style.thickness
    below = grown[:, 1] < widest
    target = np.where(below, np.maximum(r, limit), r)
    scale = target / np.maximum(r, 1e-9)
    out = grown.copy()
    out[:, 0] *= scale
    out[:, 2] = axis_z + (grown[:, 2] - axis_z) * scale
    return out


def _bun(axis_z: float, fr: Frame, style: Style, material: Material) -> Part:
    back = fr.positions[fr.positions[:, 1] > EYE_LEVEL, 2].min()
    center = np.array([0.0, EYE_LEVEL + 0.045, back - style.bun * 0.55])
    rings, segments = 12, 20
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], axis=-1).reshape(-1, 3)
    positions = center + unit * np.array([style.bun, style.bun * 0.85, style.bun * 0.9])
    triangles = []
    for r in range(rings):
        for s in range(segments):
            a = r * (segments + 1) + s
            b = a + segments + 1
            triangles += [(a, b, a + 1), (a + 1, b, b + 1)]
    uvs = np.stack([p.reshape(-1) / np.pi * 2, 0.5 + 0.49 * t.reshape(-1) / np.pi], axis=1)  # opaque rows
    return Part("Bun", positions, np.asarray(triangles, dtype=np.int64), material, uvs=uvs)


def brows(fr: Frame, look: Look, units: dict[str, F64]) -> Part:
    """A band of skin above each eye, lifted a hair's breadth, textured with alpha-tested brow hairs."""
    x, y, z = fr.positions.T
    along = np.zeros(len(x))
    across = np.full(len(x), 9.0)
    for center in fr.eye_centers:
        side = np.sign(center[0])
        u = ((x - center[0]) * side + 0.022) / 0.05  # 0 at the inner end, 1 at the tail
        arc = center[1] + fr.eye_radius + 0.011 + 0.005 * np.sin(np.pi * np.clip(u, 0, 1) * 0.8)
        v = (y - arc) / 0.009
        near = (u > 0.0) & (u < 1.0) & (np.abs(v) < 1.6) & (z > center[2] - 0.01)
        along = np.where(near, u, along)
        across = np.where(near, v, across)
    mask = (np.abs(across) < 1.5).astype(float)
    triangles = body_triangles()
    keep = (mask[triangles] > 0.5).all(axis=1)
    used, local = sub_mesh(triangles[keep])
    normals = vertex_normals(fr.positions)
    positions = fr.positions[used] + normals[used] * 0.0007
    uvs = np.stack([along[used], 0.5 + across[used] / 3.0], axis=1)
    red, green, blue = look.hair
    texture = textures.brow((red * 0.8, green * 0.8, blue * 0.8), look.seed + 5)  # brows a shade darker
    material = Material("Brows", (1.0, 1.0, 1.0, 1.0), 0.7, texture=texture, alpha_cutoff=0.5, mipmaps=False)
    return Part(
        "Brows", positions, local, material, uvs=uvs, source=used, targets={k: v[used] for k, v in units.items()}
    )


def scalp_tint(fr: Frame, look: Look) -> F64:
    """How much of the hair colour shows on the skin under the hair, per base vertex (0..1)."""
    inside, _ = hairline(fr, STYLES[look.hair_style])
    result: F64 = smoothstep(-0.004, 0.012, inside) * 0.85
    return result


def beard(fr: Frame, look: Look, lips: F64) -> F64:
    """How much short beard covers each base vertex (0..1): jaw, chin and upper lip, drawn on the skin."""
    if look.beard is None:
        return np.zeros(len(fr.positions))
    axis_z, _ = _head_axis(fr)
    x, y, z = fr.positions.T
    facing = np.cos(np.arctan2(x, z - axis_z))
    mouth_y = float(np.average(y, weights=lips + 1e-9))
    top = np.interp(
        facing, [-0.2, 0.3, 0.75, 1.0], [EYE_LEVEL - 0.03, EYE_LEVEL - 0.05, mouth_y + 0.004, mouth_y + 0.014]
    )
    edge = smoothstep(0.0, 0.008, top - y) * smoothstep(EYE_LEVEL - 0.16, EYE_LEVEL - 0.13, y)
    result: F64 = edge * smoothstep(-0.1, 0.1, facing) * (1 - smoothstep(0.05, 0.3, lips))
    return result
