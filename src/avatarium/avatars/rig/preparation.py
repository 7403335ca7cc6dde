"""An uploaded model made ready to serve: validated, its visemes baked, a thumbnail rendered."""

from __future__ import annotations

from dataclasses import dataclass

from avatarium.avatars.rig import arkit, portrait, vrm
from avatarium.avatars.rig.baking import bake
from avatarium.avatars.rig.targets import names_of, normalise_names, oculus_meshes, spell_visemes
from avatarium.gltf.accessors import Reader
from avatarium.gltf.container import Glb, GltfError, pack, parse
from avatarium.gltf.validation import validate
from avatarium.visemes import VISEMES

NO_FACE = (
    "No face mesh with morph targets to make visemes from. Looked for the 15 Oculus visemes "
    "(viseme_sil, viseme_PP … viseme_U), ARKit blend shapes (jawOpen, with mouthFunnel, mouthPucker, "
    "mouthClose, mouthStretchLeft …) and VRM expressions (aa ih ou ee oh, or a i u e o in VRM 0.x). "
    "Export the model with its shape keys (blend shapes) and their names"
)


@dataclass(frozen=True)
class Lipsync:
    """What the upload had and what was made of it (contract section 8)."""

    source: str  # oculus | arkit | vrm
    visemes: list[str]
    missing: list[str]
    expressions: list[str]


@dataclass(frozen=True)
class PreparedModel:
    glb: bytes
    thumbnail: bytes  # PNG
    morph_targets: list[str]  # of the face mesh, in order
    lipsync: Lipsync


def prepare(data: bytes) -> PreparedModel:
    """Validate a GLB or VRM and give its face meshes the 15 visemes; GltfError says what is wrong."""
    glb = parse(data)
    validate(glb)
    gltf = glb.gltf
    renamed = normalise_names(gltf)
    shapes = arkit.found(gltf)
    expressions = vrm.expressions(gltf)
    blinks = [blink for blink in arkit.BLINKS if blink not in shapes]
    if faces := oculus_meshes(gltf):
        # Served as uploaded, unless its names had to be moved or spelled where three.js looks for them.
        served = pack(gltf, glb.binary) if spell_visemes(gltf, faces) or renamed else data
        lipsync = Lipsync("oculus", list(VISEMES), blinks, _expressions(shapes, expressions))
        return _prepared(glb, served, faces, lipsync)
    if plans := arkit.plan(gltf):
        missing = sorted(set(arkit.INPUTS) - shapes) + blinks
        source = "arkit"
    elif plans := vrm.plan(expressions):
        missing = [name for name in (*vrm.VOWELS, vrm.BLINK) if not expressions.get(name)]
        source = "vrm"
    else:
        raise GltfError(NO_FACE)
    baked = bake(glb, plans)
    lipsync = Lipsync(source, list(VISEMES), missing, _expressions(shapes, expressions))
    return _prepared(baked, pack(baked.gltf, baked.binary), [plan.mesh for plan in plans], lipsync)


def _expressions(shapes: set[str], expressions: dict[str, list[vrm.Bind]]) -> list[str]:
    """Other shapes a client can drive: ARKit blend shapes, and VRM expressions other than the vowels."""
    return sorted(shapes) + sorted(name for name, binds in expressions.items() if binds and name not in vrm.VOWELS)


def _prepared(glb: Glb, served: bytes, faces: list[int], lipsync: Lipsync) -> PreparedModel:
    reader = Reader(glb)
    front = -1.0 if "VRM" in glb.gltf.get("extensions", {}) else 1.0  # VRM 0.x models face -Z
    face = max(faces, key=lambda mesh: len(names_of(glb.gltf["meshes"][mesh]) or []))
    morph_targets = names_of(glb.gltf["meshes"][face]) or []
    return PreparedModel(served, portrait.render(reader, faces, front), morph_targets, lipsync)
