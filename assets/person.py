"""One preset avatar: the shaped MakeHuman bust with its eyes, teeth, tongue, lashes, brows, hair and clothes."""

from __future__ import annotations

import numpy as np

from assets import face, hair, outfit, textures
from assets.body import base_mesh
from assets.frame import Frame, frame, in_bust
from assets.look import Look, linear
from assets.part import F64, I64, Material, Part, sub_mesh
from assets.shell import smoothstep


def _helper(fr: Frame, groups: list[str], name: str, material: Material, units: dict[str, F64]) -> Part:
    triangles = np.concatenate([base_mesh().corners[fr.group[g], :, 0] for g in groups])
    used, local = sub_mesh(triangles)
    return Part(name, fr.positions[used], local, material, source=used, targets={k: v[used] for k, v in units.items()})


def skin(fr: Frame, look: Look, units: dict[str, F64], covered: F64, lip: F64) -> Part:
    mesh = base_mesh()
    body = mesh.corners[fr.group["body"]]
    keep = in_bust(fr)[body[:, :, 0]].all(axis=1) & ~(covered[body[:, :, 0]] > 0.99).all(axis=1)
    body = body[keep]
    pairs, local = np.unique(body.reshape(-1, 2), axis=0, return_inverse=True)
    source = pairs[:, 0]
    tone = linear(look.skin)
    colors = np.broadcast_to(tone, (len(source), 3)).copy()
    lips = lip[source]
    scalp = hair.scalp_tint(fr, look)[source][:, None]
    colors = colors * (1 - scalp) + linear(look.hair) * 0.6 * scalp
    if look.beard is not None:
        stubble = hair.beard(fr, look, lip)[source][:, None] * 0.9
        colors = colors * (1 - stubble) + linear(look.beard) * stubble
    colors *= 1 + lips[:, None] * (np.array([1.25, 0.72, 0.78]) - 1)
    colors *= 1 + _flush(units, source)[:, None] * (np.array([1.08, 0.93, 0.93]) - 1)
    material = Material("Skin", (1.0, 1.0, 1.0, 1.0), 0.55, texture=textures.skin(look.seed))
    return Part(
        "Skin",
        fr.positions[source],
        local.reshape(-1, 3),
        material,
        uvs=mesh.uvs[pairs[:, 1]],
        colors=colors,
        source=source,
        targets={k: v[source] for k, v in units.items()},
    )


def _flush(units: dict[str, F64], source: I64) -> F64:
    """A little warmth on the cheeks: where squinting lifts them."""
    motion = np.linalg.norm(units["cheekSquintLeft"], axis=1) + np.linalg.norm(units["cheekSquintRight"], axis=1)
    result: F64 = smoothstep(0.2, 0.7, motion / motion.max())[source]
    return result


def lips(units: dict[str, F64], positions: F64) -> F64:
    """How much each base vertex is lip: what rolling the lips in moves most, near the mouth's line
    (the roll drags the chin along too)."""
    motion = np.linalg.norm(units["mouthRollLower"], axis=1) + np.linalg.norm(units["mouthRollUpper"], axis=1)
    strength = motion / motion.max()
    mouth_y = float(np.average(positions[:, 1], weights=strength**8))
    result: F64 = smoothstep(0.35, 0.65, strength) * smoothstep(0.016, 0.009, np.abs(positions[:, 1] - mouth_y))
    return result


def eye(center: F64, radius: float, look: Look, name: str) -> Part:
    rings, segments = 16, 24
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    direction = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(-1, 3)
    uvs = 0.5 + (t / np.pi * 0.5)[..., None].reshape(-1, 1) * np.stack([np.cos(p), -np.sin(p)], -1).reshape(-1, 2)
    quads = []
    for r in range(rings):
        for s in range(segments):
            a = r * (segments + 1) + s
            b = a + segments + 1
            quads += [(a, b, a + 1), (a + 1, b, b + 1)]
    material = Material("Eye", (1.0, 1.0, 1.0, 1.0), 0.15, texture=textures.iris(look.eyes, look.seed + 7))
    return Part(name, center + direction * radius, np.asarray(quads, dtype=np.int64), material, uvs=uvs)


def assemble(look: Look) -> tuple[list[Part], list[Part]]:
    """The parts that morph with the face, and the static ones (eyes, hair, clothes)."""
    fr = frame(look.build)
    units = face.all_targets(len(fr.positions))
    clothes, covered = outfit.make(fr, look)
    teeth = Material("Teeth", (0.86, 0.82, 0.74, 1.0), 0.3)
    mouth = Material("Tongue", (0.42, 0.12, 0.13, 1.0), 0.45)
    lashes = Material("Lashes", (0.02, 0.015, 0.012, 1.0), 0.8, double_sided=True)
    lash_groups = [f"helper-{s}-eyelashes-2" for s in "lr"]  # the upper lashes: the lower ones read as eyeliner
    lip = lips(units, fr.positions)
    face_parts = [
        skin(fr, look, units, covered, lip),
        _helper(fr, ["helper-upper-teeth", "helper-lower-teeth"], "Teeth", teeth, units),
        _helper(fr, ["helper-tongue"], "Tongue", mouth, units),
        _helper(fr, lash_groups, "Lashes", lashes, units),
        hair.brows(fr, look, units),
    ]
    static = [
        eye(fr.eye_centers[0], fr.eye_radius, look, "EyeLeft"),
        eye(fr.eye_centers[1], fr.eye_radius, look, "EyeRight"),
    ]
    return face_parts, [*static, *hair.make(fr, look), *clothes]
