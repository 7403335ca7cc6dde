"""Base colour textures, decoded small, sampled at each vertex (enough colour for a thumbnail)."""

from __future__ import annotations

import base64
import binascii
import io
import logging
import warnings

import numpy as np
from PIL import Image

from avatarium.gltf.accessors import Reader
from avatarium.gltf.scene import F64, Surface

log = logging.getLogger("avatarium.gltf")
SIDE = 256  # textures are sampled at this size at most
MAX_PIXELS = 4096 * 4096  # larger images are not decoded (a PNG of a few MB can hold a billion pixels)
FORMATS = ["PNG", "JPEG", "WEBP"]  # the image types glTF and its common extensions allow


class Textures:
    """The images of one file, each decoded once, to linear RGBA of at most SIDE×SIDE pixels."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._images: dict[int, F64 | None] = {}

    def colors(self, surface: Surface) -> F64:
        """A linear RGBA colour per vertex: base colour factor × vertex colour × the texture there, if any."""
        rgba = np.ones((len(surface.positions), 4))
        rgba[:, :3] = surface.look.color
        if surface.tint is not None:
            rgba[:, :3] *= np.nan_to_num(surface.tint)
        image = self._image(surface.look.image) if surface.look.image is not None else None
        if image is not None and surface.uv is not None:
            height, width, _ = image.shape
            uv = np.nan_to_num(surface.uv, nan=0.0, posinf=0.0, neginf=0.0) % 1.0  # REPEAT wrapping
            columns = np.clip((uv[:, 0] * width).astype(np.int64), 0, width - 1)
            rows = np.clip((uv[:, 1] * height).astype(np.int64), 0, height - 1)
            rgba *= image[rows, columns]
        return rgba

    def _image(self, index: int) -> F64 | None:
        if index not in self._images:
            self._images[index] = self._decode(index)
        return self._images[index]

    def _bytes(self, index: int) -> bytes | None:
        image = self.reader.gltf["images"][index]
        if "bufferView" in image:
            view = self.reader.gltf["bufferViews"][image["bufferView"]]
            start = view.get("byteOffset", 0)
            return self.reader.binary[start : start + view["byteLength"]]
        uri = str(image.get("uri", ""))
        try:
            return base64.b64decode(uri.split(",", 1)[1]) if ";base64," in uri else None
        except binascii.Error:
            return None

    def _decode(self, index: int) -> F64 | None:
        data = self._bytes(index)
        if not data:
            return None
        # Pillow raises many kinds of errors on damaged images; none of them may fail an upload.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
                    if opened.width * opened.height > MAX_PIXELS:
                        return None
                    opened.draft("RGB", (SIDE, SIDE))  # JPEGs decode at a fraction of their size
                    picture = opened.convert("RGBA")
                    picture.thumbnail((SIDE, SIDE))
                    decoded = np.asarray(picture, np.float64) / 255.0
                    decoded[:, :, :3] **= 2.2  # sRGB to linear; alpha is linear already
                    return decoded
        except Exception as exc:
            log.info("texture %d not decoded: %s", index, type(exc).__name__)
            return None
