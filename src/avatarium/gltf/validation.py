"""Checks that a glTF binary can be read safely: every reference, accessor and buffer view in bounds.

Messages name the object at fault (by index and name) and say what to do, since they reach the
user who uploaded the file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from avatarium.gltf.accessors import COMPONENT_TYPES, INDEX_COMPONENTS, WIDTHS, Reader, element_size
from avatarium.gltf.container import Glb, GltfError

_COMPRESSION = {
    "KHR_draco_mesh_compression": "Draco mesh compression",
    "EXT_meshopt_compression": "meshoptimizer compression",
    "KHR_meshopt_compression": "meshoptimizer compression",
}
_SELF_CONTAINED = "export a single self-contained .glb (in Blender: glTF Binary)"
_DAMAGED = "the file is damaged or was exported incompletely"
_VEC3_ATTRIBUTES = ("POSITION", "NORMAL")
# Accessors without a buffer view are zeros the reader must allocate: a few bytes of JSON could ask for gigabytes.
MAX_IMPLICIT_BYTES = 64 * 1024 * 1024


# The type of each property this code reads, by array; checked before anything else is.
_SHAPES: dict[str, dict[str, type]] = {
    "buffers": {"byteLength": int, "uri": str},
    "bufferViews": {"buffer": int, "byteOffset": int, "byteLength": int, "byteStride": int},
    "accessors": {
        "bufferView": int,
        "byteOffset": int,
        "componentType": int,
        "count": int,
        "type": str,
        "sparse": dict,
    },
    "meshes": {"primitives": list, "weights": list},
    "nodes": {"children": list, "mesh": int, "skin": int, "camera": int, "matrix": list, "rotation": list},
    "skins": {"joints": list, "inverseBindMatrices": int, "skeleton": int},
    "scenes": {"nodes": list},
    "images": {"bufferView": int, "uri": str},
    "textures": {"source": int, "sampler": int},
    "materials": {"pbrMetallicRoughness": dict},
    "animations": {"channels": list, "samplers": list},
    "samplers": {},
    "cameras": {},
}
_PRIMITIVE = {"attributes": dict, "targets": list, "indices": int, "material": int, "mode": int}


def validate(glb: Glb) -> None:
    """Raise GltfError on the first problem that would make reading or rendering the file unsafe."""
    gltf = glb.gltf
    for key, shape in _SHAPES.items():
        for index, item in enumerate(items(gltf, key)):
            _check_shape(item, shape, f"{key}[{index}]")
    _check_extensions(gltf)
    _check_buffers(gltf, len(glb.binary))
    _check_views(gltf)
    implicit = 0
    for index, accessor in enumerate(items(gltf, "accessors")):
        _check_accessor(gltf, index, accessor)
        if "bufferView" not in accessor:
            implicit += accessor["count"] * element_size(accessor["componentType"], accessor["type"])
    if implicit > MAX_IMPLICIT_BYTES:
        raise GltfError(f"The file's accessors without data add up to {implicit} bytes; {_DAMAGED}")
    reader = Reader(glb)
    for index, accessor in enumerate(items(gltf, "accessors")):
        if accessor.get("sparse"):
            _check_sparse_indices(reader, index, accessor)
    for index, mesh in enumerate(items(gltf, "meshes")):
        _check_mesh(gltf, reader, index, mesh)
    _check_nodes(gltf)
    _check_skins(gltf)
    _check_scenes(gltf)
    _check_textures(gltf)
    _check_animations(gltf)


def items(gltf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = gltf.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise GltfError(f"'{key}' must be an array of objects; {_DAMAGED}")
    return value


def _check_shape(item: dict[str, Any], shape: dict[str, type], what: str) -> None:
    for name, kind in shape.items():
        value = item.get(name)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise GltfError(f"{what}.{name} must be {'an' if kind is int else 'a'} {kind.__name__}; {_DAMAGED}")


def describe(gltf: dict[str, Any], key: str, index: int) -> str:
    """`mesh 3 ('Face')`: how messages name an object."""
    noun = key[:-1] if key.endswith("s") else key
    noun = {"bufferView": "buffer view", "meshe": "mesh"}.get(noun, noun)
    name = gltf[key][index].get("name") if isinstance(gltf.get(key), list) else None
    return f"{noun} {index} ('{name}')" if isinstance(name, str) and name else f"{noun} {index}"


def integer(value: Any, what: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise GltfError(f"{what} must be an integer of at least {minimum}, not {value!r}; {_DAMAGED}")
    return value


def reference(gltf: dict[str, Any], key: str, value: Any, what: str) -> int:
    """An index into `gltf[key]`, checked."""
    count = len(gltf.get(key) or [])
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < count:
        raise GltfError(f"{what} refers to {key} {value!r}, but the file has {count}; {_DAMAGED}")
    return value


def _check_extensions(gltf: dict[str, Any]) -> None:
    if not isinstance(gltf.get("extensions", {}), dict):
        raise GltfError(f"'extensions' must be an object; {_DAMAGED}")
    used = gltf.get("extensionsUsed", [])
    if not isinstance(used, list) or not all(isinstance(name, str) for name in used):
        raise GltfError(f"'extensionsUsed' must be an array of names; {_DAMAGED}")
    for name, what in _COMPRESSION.items():
        if isinstance(used, list) and name in used:
            raise GltfError(f"The file uses {what} ({name}), which cannot be read here; export it without compression")


def _check_buffers(gltf: dict[str, Any], binary_length: int) -> None:
    for index, buffer in enumerate(items(gltf, "buffers")):
        length = integer(buffer.get("byteLength"), f"buffers[{index}].byteLength")
        if "uri" in buffer or index > 0:
            raise GltfError(f"Buffer {index} is stored outside the file's binary chunk; {_SELF_CONTAINED}")
        if length > binary_length:
            raise GltfError(
                f"The binary chunk is truncated: buffer 0 declares {length} bytes but the chunk has {binary_length}"
            )


def _check_views(gltf: dict[str, Any]) -> None:
    for index, view in enumerate(items(gltf, "bufferViews")):
        what = describe(gltf, "bufferViews", index)
        buffer = reference(gltf, "buffers", view.get("buffer"), what)
        offset = integer(view.get("byteOffset", 0), f"{what} byteOffset")
        length = integer(view.get("byteLength"), f"{what} byteLength", 1)
        available = gltf["buffers"][buffer]["byteLength"]
        if offset + length > available:
            raise GltfError(
                f"{what} covers bytes {offset}..{offset + length} of a buffer of {available} bytes; {_DAMAGED}"
            )
        stride = view.get("byteStride")
        if stride is not None and (integer(stride, f"{what} byteStride", 4) > 252 or stride % 4):
            raise GltfError(f"{what} has byteStride {stride}; it must be a multiple of 4 from 4 to 252")


def _check_range(gltf: dict[str, Any], what: str, part: dict[str, Any], count: int, size: int) -> None:
    """`count` elements of `size` bytes at a part's `bufferView` and `byteOffset` (its stride apart) fit in the view."""
    view_index = reference(gltf, "bufferViews", part.get("bufferView"), what)
    offset = integer(part.get("byteOffset", 0), f"{what} byteOffset")
    view = gltf["bufferViews"][view_index]
    stride = view.get("byteStride") or size
    if stride < size:
        raise GltfError(f"{what} has elements of {size} bytes but its buffer view's stride is {stride}; {_DAMAGED}")
    end = offset + stride * (count - 1) + size
    if end > view["byteLength"]:
        view_name = describe(gltf, "bufferViews", view_index)
        raise GltfError(f"{what} reads {end} bytes of {view_name}, which has {view['byteLength']}; {_DAMAGED}")


def _check_alignment(what: str, view: dict[str, Any], offset: int, item: int) -> None:
    if (view.get("byteOffset", 0) + offset) % item or (view.get("byteStride") or item) % item:
        raise GltfError(f"{what} is not aligned to its {item}-byte components, which browsers cannot read")


def _check_accessor(gltf: dict[str, Any], index: int, accessor: dict[str, Any]) -> None:
    what = describe(gltf, "accessors", index)
    component, kind = accessor.get("componentType"), accessor.get("type")
    if component not in COMPONENT_TYPES:
        raise GltfError(f"{what} has an unknown componentType {component!r}; {_DAMAGED}")
    if kind not in WIDTHS:
        raise GltfError(f"{what} has an unknown type {kind!r}; {_DAMAGED}")
    count = integer(accessor.get("count"), f"{what} count", 1)
    size = element_size(component, kind)
    if "bufferView" in accessor:
        _check_range(gltf, what, accessor, count, size)
        view = gltf["bufferViews"][accessor["bufferView"]]
        _check_alignment(what, view, accessor.get("byteOffset", 0), COMPONENT_TYPES[component].itemsize)
    sparse = accessor.get("sparse")
    if sparse is not None:
        _check_sparse(gltf, what, sparse, count, size)


def _check_sparse(gltf: dict[str, Any], what: str, sparse: Any, count: int, size: int) -> None:
    if (
        not isinstance(sparse, dict)
        or not isinstance(sparse.get("indices"), dict)
        or not isinstance(sparse.get("values"), dict)
    ):
        raise GltfError(f"{what} has a malformed sparse section; {_DAMAGED}")
    substituted = integer(sparse.get("count"), f"{what} sparse count", 1)
    if substituted > count:
        raise GltfError(f"{what} substitutes {substituted} sparse values in an accessor of {count}; {_DAMAGED}")
    indices, values = sparse["indices"], sparse["values"]
    if indices.get("componentType") not in INDEX_COMPONENTS:
        raise GltfError(f"{what} has sparse indices of componentType {indices.get('componentType')!r}; {_DAMAGED}")
    item = COMPONENT_TYPES[indices["componentType"]].itemsize
    _check_range(gltf, f"{what} sparse indices", indices, substituted, item)
    _check_range(gltf, f"{what} sparse values", values, substituted, size)


def _check_sparse_indices(reader: Reader, index: int, accessor: dict[str, Any]) -> None:
    highest = int(reader.sparse_indices(accessor["sparse"]).max())
    if highest >= accessor["count"]:
        what = describe(reader.gltf, "accessors", index)
        raise GltfError(f"{what} has a sparse index {highest} past its {accessor['count']} elements; {_DAMAGED}")


def _accessor(gltf: dict[str, Any], value: Any, what: str) -> dict[str, Any]:
    accessor: dict[str, Any] = gltf["accessors"][reference(gltf, "accessors", value, what)]
    return accessor


def _check_attributes(gltf: dict[str, Any], attributes: Any, what: str, vertices: int | None) -> int:
    """Every attribute refers to an accessor of the same count; VEC3 ones are VEC3. Returns the count."""
    if not isinstance(attributes, dict) or (vertices is None and "POSITION" not in attributes):
        raise GltfError(f"{what} has no POSITION attribute; {_DAMAGED}")
    quantized = "KHR_mesh_quantization" in gltf.get("extensionsUsed", [])
    for name, value in attributes.items():
        accessor = _accessor(gltf, value, f"{what} attribute {name}")
        if vertices is None:
            vertices = accessor["count"]
        if accessor["count"] != vertices:
            raise GltfError(
                f"{what} attribute {name} has {accessor['count']} elements but the primitive has {vertices} vertices"
            )
        floats = accessor["componentType"] == 5126 or quantized
        if name in _VEC3_ATTRIBUTES and (accessor["type"] != "VEC3" or not floats):
            raise GltfError(f"{what} attribute {name} must be a VEC3 of floats; {_DAMAGED}")
    assert vertices is not None
    return vertices


def _check_mesh(gltf: dict[str, Any], reader: Reader, index: int, mesh: dict[str, Any]) -> None:
    what = describe(gltf, "meshes", index)
    primitives = mesh.get("primitives")
    if not isinstance(primitives, list) or not primitives or not all(isinstance(p, dict) for p in primitives):
        raise GltfError(f"{what} has no primitives; {_DAMAGED}")
    target_counts = set()
    for number, primitive in enumerate(primitives):
        where = f"{what} primitive {number}"
        _check_shape(primitive, _PRIMITIVE, where)
        vertices = _check_attributes(gltf, primitive.get("attributes"), where, None)
        if "indices" in primitive:
            _check_indices(gltf, reader, primitive["indices"], where, vertices)
        if "material" in primitive:
            reference(gltf, "materials", primitive["material"], where)
        targets = primitive.get("targets", [])
        for target_number, target in enumerate(targets):
            _check_attributes(gltf, target, f"{where} morph target {target_number}", vertices)
        target_counts.add(len(targets))
    if len(target_counts) > 1:
        raise GltfError(f"The primitives of {what} have different numbers of morph targets; {_DAMAGED}")
    _check_target_lists(mesh, what, target_counts.pop())


def _check_target_lists(mesh: dict[str, Any], what: str, targets: int) -> None:
    weights = mesh.get("weights")
    if weights is not None and len(weights) != targets:
        raise GltfError(f"{what} has {targets} morph targets but {len(weights)} default weights; {_DAMAGED}")
    extras = mesh.get("extras")
    names = extras.get("targetNames") if isinstance(extras, dict) else None
    if names is not None and (
        not isinstance(names, list) or len(names) != targets or not all(isinstance(n, str) for n in names)
    ):
        raise GltfError(f"{what} has {targets} morph targets but its extras.targetNames do not name each once")


def _check_indices(gltf: dict[str, Any], reader: Reader, value: Any, where: str, vertices: int) -> None:
    accessor = _accessor(gltf, value, f"{where} indices")
    if accessor["type"] != "SCALAR" or accessor["componentType"] not in INDEX_COMPONENTS or accessor.get("normalized"):
        raise GltfError(f"{where} indices must be unsigned integer scalars; {_DAMAGED}")
    highest = int(reader.raw(value).max())
    if highest >= vertices:
        raise GltfError(f"{where} has a triangle index {highest} but only {vertices} vertices; {_DAMAGED}")


def _check_nodes(gltf: dict[str, Any]) -> None:
    nodes = items(gltf, "nodes")
    parents: dict[int, int] = {}
    for index, node in enumerate(nodes):
        what = describe(gltf, "nodes", index)
        for key in ("mesh", "skin", "camera"):
            if key in node:
                reference(gltf, {"mesh": "meshes", "skin": "skins", "camera": "cameras"}[key], node[key], what)
        for child in node.get("children", []):
            reference(gltf, "nodes", child, what)
            if child in parents or child == index:
                raise GltfError(f"Node {child} has more than one parent; the node hierarchy must be a tree")
            parents[child] = index
        _check_transform(node, what)
    # Each node has at most one parent, so a node that no walk down from the roots reaches is on a cycle.
    reached = [index for index in range(len(nodes)) if index not in parents]
    for index in reached:
        reached.extend(nodes[index].get("children", []))
    if len(reached) < len(nodes):
        raise GltfError("The node hierarchy has a cycle; it must be a tree")


def _check_transform(node: dict[str, Any], what: str) -> None:
    for key, length in (("matrix", 16), ("translation", 3), ("rotation", 4), ("scale", 3)):
        value = node.get(key)
        if value is not None and (
            not isinstance(value, list)
            or len(value) != length
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or not np.all(np.isfinite(value))
        ):
            raise GltfError(f"{what} has a malformed {key}; {_DAMAGED}")


def _check_skins(gltf: dict[str, Any]) -> None:
    for index, skin in enumerate(items(gltf, "skins")):
        what = describe(gltf, "skins", index)
        joints = skin.get("joints")
        if not isinstance(joints, list) or not joints:
            raise GltfError(f"{what} has no joints; {_DAMAGED}")
        for joint in joints:
            reference(gltf, "nodes", joint, f"{what} joint")
        if "skeleton" in skin:
            reference(gltf, "nodes", skin["skeleton"], f"{what} skeleton")
        if "inverseBindMatrices" in skin:
            matrices = _accessor(gltf, skin["inverseBindMatrices"], f"{what} inverseBindMatrices")
            if matrices["type"] != "MAT4" or matrices["componentType"] != 5126 or matrices["count"] < len(joints):
                raise GltfError(f"{what} needs a float MAT4 inverse bind matrix per joint; {_DAMAGED}")


def _check_scenes(gltf: dict[str, Any]) -> None:
    for index, scene in enumerate(items(gltf, "scenes")):
        for node in scene.get("nodes", []):
            reference(gltf, "nodes", node, describe(gltf, "scenes", index))
    if "scene" in gltf:
        reference(gltf, "scenes", gltf["scene"], "The default scene")


def _check_textures(gltf: dict[str, Any]) -> None:
    for index, image in enumerate(items(gltf, "images")):
        what = describe(gltf, "images", index)
        if "bufferView" in image:
            reference(gltf, "bufferViews", image["bufferView"], what)
        elif not str(image.get("uri", "")).startswith("data:"):
            raise GltfError(f"{what} refers to the external file '{image.get('uri', '')}'; {_SELF_CONTAINED}")
    for index, texture in enumerate(items(gltf, "textures")):
        what = describe(gltf, "textures", index)
        if "source" in texture:
            reference(gltf, "images", texture["source"], what)
        if "sampler" in texture:
            reference(gltf, "samplers", texture["sampler"], what)
    for index, material in enumerate(items(gltf, "materials")):
        what = describe(gltf, "materials", index)
        for holder in (material, material.get("pbrMetallicRoughness", {})):
            for key, info in holder.items():
                if key.endswith("Texture") and isinstance(info, dict):
                    reference(gltf, "textures", info.get("index"), f"{what} {key}")


def _check_animations(gltf: dict[str, Any]) -> None:
    for index, animation in enumerate(items(gltf, "animations")):
        what = describe(gltf, "animations", index)
        samplers, channels = animation.get("samplers", []), animation.get("channels", [])
        if not all(isinstance(item, dict) for item in samplers + channels):
            raise GltfError(f"{what} has malformed samplers or channels; {_DAMAGED}")
        for sampler in samplers:
            _accessor(gltf, sampler.get("input"), f"{what} sampler input")
            _accessor(gltf, sampler.get("output"), f"{what} sampler output")
        for channel in channels:
            target = channel.get("target")
            if isinstance(target, dict) and "node" in target:
                reference(gltf, "nodes", target["node"], f"{what} channel")
            sampler = channel.get("sampler")
            if not isinstance(sampler, int) or not 0 <= sampler < len(samplers):
                raise GltfError(f"{what} has a channel with an unknown sampler; {_DAMAGED}")
