"""The preset avatars' models, thumbnails and data, as a client downloads them."""

from __future__ import annotations

import io
import json
import re
import struct
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pygltflib
from PIL import Image

from avatarium.visemes import VISEMES
from tests.conftest import Account

MAX_BYTES = 3 * 1024 * 1024
_TYPES = {5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


class Model:
    """A downloaded GLB, decoded independently of the code that wrote it (sparse accessors included)."""

    def __init__(self, data: bytes, tmp_path: Path) -> None:
        path = tmp_path / "model.glb"
        path.write_bytes(data)
        self.gltf = pygltflib.GLTF2().load_binary(str(path))
        self.blob = self.gltf.binary_blob()
        self.doc: dict[str, Any] = json.loads(data[20 : 20 + struct.unpack_from("<I", data, 12)[0]])

    def _view(self, index: int, dtype: type, count: int) -> np.ndarray:
        view = self.doc["bufferViews"][index]
        assert view["byteOffset"] + view["byteLength"] <= len(self.blob)
        return np.frombuffer(self.blob, dtype=dtype, count=count, offset=view["byteOffset"])

    def accessor(self, index: int) -> np.ndarray:
        acc = self.doc["accessors"][index]
        width, dtype = _WIDTH[acc["type"]], _TYPES[acc["componentType"]]
        out = np.zeros((acc["count"], width), dtype=np.float64)
        if "bufferView" in acc:
            out = self._view(acc["bufferView"], dtype, acc["count"] * width).reshape(-1, width).astype(np.float64)
        if "sparse" in acc:
            sparse = acc["sparse"]
            index_type = _TYPES[sparse["indices"]["componentType"]]
            rows = self._view(sparse["indices"]["bufferView"], index_type, sparse["count"]).astype(np.int64)
            assert rows.max() < acc["count"]
            out = out.copy()
            out[rows] = self._view(sparse["values"]["bufferView"], dtype, sparse["count"] * width).reshape(-1, width)
        return out

    def head(self) -> dict[str, Any]:
        return next(m for m in self.doc["meshes"] if m.get("extras", {}).get("targetNames"))

    def primitive(self, material: str) -> dict[str, Any]:
        names = [m["name"] for m in self.doc["materials"]]
        return next(p for m in self.doc["meshes"] for p in m["primitives"] if names[p["material"]] == material)

    def offsets(self, material: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """A face primitive's rest positions, and each morph target's offsets by name."""
        primitive = self.primitive(material)
        names = self.head()["extras"]["targetNames"]
        targets = {n: self.accessor(t["POSITION"]) for n, t in zip(names, primitive["targets"], strict=True)}
        return self.accessor(primitive["attributes"]["POSITION"]), targets


async def _models(client: httpx.AsyncClient, tmp_path: Path) -> dict[str, Model]:
    out = {}
    for avatar in (await client.get("/v1/avatars")).json()["data"]:
        info = (await client.get(f"/v1/avatars/{avatar['id']}/model")).json()["data"]
        data = (await client.get(info["url"])).content
        assert len(data) == info["sizeBytes"] <= MAX_BYTES
        out[avatar["id"]] = Model(data, tmp_path)
    return out


async def test_every_preset_is_a_textured_talking_bust(client: httpx.AsyncClient, tmp_path: Path) -> None:
    models = await _models(client, tmp_path)
    assert len(models) >= 8
    for avatar_id, model in models.items():
        assert model.gltf.asset.version == "2.0" and not model.doc.get("extensionsRequired"), avatar_id
        names = model.head()["extras"]["targetNames"]
        assert names[:15] == list(VISEMES)
        assert {"eyeBlinkLeft", "eyeBlinkRight", "jawOpen", "mouthSmileLeft", "browInnerUp"} <= set(names)
        for primitive in model.head()["primitives"]:
            assert len(primitive["targets"]) == len(names)
        materials = {m["name"]: m for m in model.doc["materials"]}
        assert {"Skin", "Teeth", "Tongue", "Eye", "Lashes", "Brows", "Hair"} <= set(materials), avatar_id
        assert any(name.startswith("Cloth") for name in materials)
        textured = [m for m in materials.values() if "baseColorTexture" in m["pbrMetallicRoughness"]]
        assert len(textured) >= 4 and all(i["mimeType"] == "image/png" for i in model.doc["images"])
        everything = [p["attributes"]["POSITION"] for m in model.doc["meshes"] for p in m["primitives"]]
        low = np.min([model.doc["accessors"][i]["min"] for i in everything], axis=0)
        high = np.max([model.doc["accessors"][i]["max"] for i in everything], axis=0)
        # Metres, +Y up, facing +Z: the eyes at 1.6 m, the bust from the chest to the top of the head.
        assert 1.05 < low[1] < 1.25 and 1.65 < high[1] < 1.85 and high[0] - low[0] < 0.6, avatar_id
        skin, _ = model.offsets("Skin")
        nose = skin[np.argmax(skin[:, 2])]
        assert abs(nose[0]) < 0.01 and 1.5 < nose[1] < 1.6


def _mouth(model: Model) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Skin rest positions and offsets, with the lips' midline and corner vertices."""
    rest, targets = model.offsets("Skin")
    moved = np.linalg.norm(targets["viseme_aa"], axis=1) > 0.002
    center = rest[moved].mean(axis=0)
    front = rest[:, 2] > center[2]
    near = np.linalg.norm((rest - center)[:, :2], axis=1) < 0.03
    midline = near & front & (np.abs(rest[:, 0]) < 0.004)
    corners = near & front & (np.abs(rest[:, 0]) > 0.018) & (np.abs(rest[:, 1] - center[1]) < 0.01)
    return rest, targets, midline, corners


def _opening(rest: np.ndarray, offsets: np.ndarray, midline: np.ndarray) -> float:
    """How much further apart the lips' midline vertices above and below the mouth move."""
    lips_y = np.median(rest[midline, 1])
    above, below = midline & (rest[:, 1] > lips_y), midline & (rest[:, 1] <= lips_y)
    return float(offsets[above, 1].max() - offsets[below, 1].min())


def _widening(rest: np.ndarray, offsets: np.ndarray, corners: np.ndarray) -> float:
    return float((offsets[corners, 0] * np.sign(rest[corners, 0])).mean())


async def test_visemes_are_distinct_mouth_shapes(client: httpx.AsyncClient, tmp_path: Path) -> None:
    for avatar_id, model in (await _models(client, tmp_path)).items():
        rest, targets, midline, corners = _mouth(model)
        assert midline.sum() >= 4 and corners.sum() >= 2, avatar_id
        assert not targets["viseme_sil"].any()
        spoken = [v for v in VISEMES if v != "viseme_sil"]
        for viseme in spoken:
            assert np.abs(targets[viseme]).max() > 0.001, (avatar_id, viseme)
        for i, a in enumerate(spoken):
            for b in spoken[i + 1 :]:
                assert np.abs(targets[a] - targets[b]).max() > 0.0005, (avatar_id, a, b)
        opening = {v: _opening(rest, targets[v], midline) for v in spoken}
        widening = {v: _widening(rest, targets[v], corners) for v in spoken}
        assert opening["viseme_aa"] > 0.008 and opening["viseme_aa"] > 3 * max(opening["viseme_PP"], 0.001)
        assert opening["viseme_aa"] > opening["viseme_O"] > opening["viseme_PP"]
        assert max(widening["viseme_O"], widening["viseme_U"]) < min(widening["viseme_E"], widening["viseme_I"])
        assert widening["viseme_U"] < 0 < widening["viseme_I"], avatar_id


async def test_teeth_tongue_and_eyelids_move_with_the_face(client: httpx.AsyncClient, tmp_path: Path) -> None:
    for avatar_id, model in (await _models(client, tmp_path)).items():
        _, teeth = model.offsets("Teeth")
        _, tongue = model.offsets("Tongue")
        assert teeth["jawOpen"][:, 1].min() < -0.005 and tongue["viseme_TH"][:, 2].max() > 0.003, avatar_id
        rest, skin = model.offsets("Skin")
        for name, side in (("eyeBlinkLeft", 1), ("eyeBlinkRight", -1)):
            lid = skin[name]
            closing = lid[:, 1] < -0.004  # the upper lid comes down, on its own side only
            assert closing.sum() >= 10 and (rest[closing, 0] * side > 0).all(), (avatar_id, name)


async def test_thumbnails_are_renders_of_the_models(client: httpx.AsyncClient) -> None:
    seen = set()
    for avatar in (await client.get("/v1/avatars")).json()["data"]:
        assert avatar["thumbnailUrl"].endswith(f"/v1/avatars/{avatar['id']}/thumbnail.png")
        response = await client.get(avatar["thumbnailUrl"])
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        image = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.float64)
        assert image.shape == (256, 256, 3) and image.std() > 20
        seen.add(response.content)
        cached = await client.get(avatar["thumbnailUrl"], headers={"If-None-Match": response.headers["ETag"]})
        assert cached.status_code == 304
    assert len(seen) >= 8


def _first_name(persona: dict[str, Any]) -> str | None:
    match = re.match(r"([A-Z][a-z]+) (the|from) ", persona["name"])
    return match.group(1) if match else None


def _fits(voice_gender: str, avatar_gender: str) -> bool:
    return "neutral" in (voice_gender, avatar_gender) or voice_gender == avatar_gender


async def test_presets_agree_with_each_other(client: httpx.AsyncClient) -> None:
    avatars = {a["id"]: a for a in (await client.get("/v1/avatars")).json()["data"]}
    personas = {p["id"]: p for p in (await client.get("/v1/personas")).json()["data"]}
    voices = {v["id"]: v for v in (await client.get("/v1/tts/voices")).json()["data"]}
    for avatar in avatars.values():
        voice = voices[avatar["defaultVoiceId"]]
        assert voice["provider"] == "local" and _fits(voice["gender"], avatar["gender"]), avatar["id"]
        assert personas[avatar["defaultPersonaId"]]["defaultAvatarId"] == avatar["id"]
    for persona in personas.values():
        avatar = avatars[persona["defaultAvatarId"]]
        assert _fits(voices[persona["defaultVoiceId"]]["gender"], avatar["gender"]), persona["id"]
        name = _first_name(persona)
        named = {n for n in re.findall(r"\b[A-Z][a-z]+\b", persona["systemPrompt"] + " " + persona["greeting"])}
        if name is not None:
            assert name == avatar["name"], persona["id"]
            assert f"You are {name}" in persona["systemPrompt"]
        # Nobody speaks as another avatar.
        assert not (named & {a["name"] for a in avatars.values()}) - {avatar["name"]}, persona["id"]


def test_each_avatar_names_a_cloud_voice_that_fits() -> None:
    from assets.build import avatars as build_inputs
    from avatarium.config import Settings
    from avatarium.providers.factory import build_providers

    voices = {v.info.id: v.info for v in build_providers(Settings()).voices() if v.provider != "local"}
    for avatar in build_inputs():
        assert _fits(voices[avatar["cloudVoiceId"]].gender, avatar["gender"]), avatar["id"]


def _pitch(wav: bytes) -> float:
    """Median fundamental frequency (Hz) of the voiced 40 ms frames, by autocorrelation."""
    rate = struct.unpack_from("<I", wav, 24)[0]
    samples = np.frombuffer(wav[44:], dtype="<i2").astype(np.float64)
    frame = int(rate * 0.04)
    estimates = []
    for start in range(0, len(samples) - frame, frame):
        chunk = samples[start : start + frame] - samples[start : start + frame].mean()
        if np.sqrt((chunk**2).mean()) < 800:
            continue
        corr = np.correlate(chunk, chunk, "full")[frame - 1 :]
        lo, hi = rate // 400, rate // 70  # 70..400 Hz
        lag = lo + int(np.argmax(corr[lo:hi]))
        if corr[lag] > 0.4 * corr[0]:
            estimates.append(rate / lag)
    return float(np.median(estimates))


async def test_female_avatars_speak_higher_than_male_ones(client: httpx.AsyncClient, account: Account) -> None:
    pitch: dict[str, list[float]] = {"female": [], "male": [], "neutral": []}
    for avatar in (await client.get("/v1/avatars")).json()["data"]:
        text = f"Hello, my name is {avatar['name']}. How are you today?"
        response = await client.post(
            "/v1/tts",
            json={"text": text, "voiceId": avatar["defaultVoiceId"]},
            headers={**account.key_headers, "Accept": "audio/wav"},
        )
        assert response.status_code == 200 and response.headers["X-Voice-Id"] == avatar["defaultVoiceId"]
        pitch[avatar["gender"]].append(_pitch(response.content))
    assert min(pitch["female"]) > 1.4 * max(pitch["male"]), pitch
