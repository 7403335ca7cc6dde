"""Avatars with 3D models, personas, models and voices."""

from __future__ import annotations

import struct

import httpx
import pygltflib
import pytest

from avatarium.visemes import VISEMES
from tests.conftest import Account


async def test_avatars_list_filters_and_details(client: httpx.AsyncClient) -> None:
    avatars = (await client.get("/v1/avatars")).json()["data"]
    assert len(avatars) >= 6
    assert {a["gender"] for a in avatars} >= {"female", "male", "neutral"}
    assert len({a["style"] for a in avatars}) >= 3
    fields = {"id", "name", "description", "style", "gender", "tags", "thumbnailUrl", "defaultVoiceId"}
    assert fields | {"defaultPersonaId", "modelUrl", "createdAt"} == set(avatars[0])
    stylized = (await client.get("/v1/avatars", params={"style": "stylized"})).json()["data"]
    assert stylized and all(a["style"] == "stylized" for a in stylized)
    tagged = (await client.get("/v1/avatars", params={"tag": "support"})).json()["data"]
    assert tagged and all("support" in a["tags"] for a in tagged)
    one = (await client.get(f"/v1/avatars/{avatars[0]['id']}")).json()["data"]
    assert one == avatars[0]


async def test_unknown_avatar_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/v1/avatars/nobody", "/v1/avatars/nobody/model", "/v1/avatars/nobody/model.glb"):
        assert (await client.get(path)).status_code == 404


async def test_avatar_model_is_a_valid_glb_with_viseme_targets(client: httpx.AsyncClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    info = (await client.get("/v1/avatars/ava/model")).json()["data"]
    assert info["format"] == "glb" and info["contentType"] == "model/gltf-binary"
    assert info["morphTargets"] == list(VISEMES)
    assert info["url"].startswith("http://testserver/")
    download = await client.get(info["url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "model/gltf-binary"
    assert len(download.content) == info["sizeBytes"]
    import hashlib

    assert hashlib.sha256(download.content).hexdigest() == info["sha256"]
    magic, version, length = struct.unpack("<4sII", download.content[:12])
    assert (magic, version, length) == (b"glTF", 2, len(download.content))

    path = tmp_path / "ava.glb"
    path.write_bytes(download.content)
    gltf = pygltflib.GLTF2().load_binary(str(path))
    head = next(m for m in gltf.meshes if m.extras.get("targetNames"))
    assert head.extras["targetNames"][:15] == list(VISEMES)
    primitive = head.primitives[0]
    assert len(primitive.targets) == len(head.extras["targetNames"])
    blob = gltf.binary_blob()
    for accessor in gltf.accessors:
        if accessor.bufferView is None:  # morph targets are sparse: only moved vertices are stored
            continue
        view = gltf.bufferViews[accessor.bufferView]
        width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[accessor.type] * {5123: 2, 5125: 4, 5126: 4}[
            accessor.componentType
        ]
        assert view.byteOffset + view.byteLength <= len(blob)
        assert accessor.count * width == view.byteLength
    vertex_count = gltf.accessors[primitive.attributes.POSITION].count
    assert all(gltf.accessors[t["POSITION"]].count == vertex_count for t in primitive.targets)
    # An open-jaw viseme must actually move the mouth; silence must not.
    sil, aa = primitive.targets[VISEMES.index("viseme_sil")], primitive.targets[VISEMES.index("viseme_aa")]
    assert gltf.accessors[aa["POSITION"]].min[1] < -0.005
    assert gltf.accessors[sil["POSITION"]].min == [0.0, 0.0, 0.0]


async def test_model_download_supports_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/avatars/kai/model.glb")
    assert "max-age" in first.headers["Cache-Control"]
    cached = await client.get("/v1/avatars/kai/model.glb", headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304 and cached.content == b""
    other = await client.get("/v1/avatars/ava/model.glb", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


async def test_thumbnail_is_served(client: httpx.AsyncClient) -> None:
    avatar = (await client.get("/v1/avatars/pip")).json()["data"]
    response = await client.get(avatar["thumbnailUrl"])
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


async def test_personas_by_vertical_and_id(client: httpx.AsyncClient) -> None:
    personas = (await client.get("/v1/personas")).json()["data"]
    assert len(personas) >= 10
    verticals = {p["vertical"] for p in personas}
    assert verticals >= {"education", "support", "sales", "healthcare", "entertainment"}
    assert all(len(p["systemPrompt"]) > 100 and p["greeting"] for p in personas)
    education = (await client.get("/v1/personas/education")).json()["data"]
    assert education and all(p["vertical"] == "education" for p in education)
    one = (await client.get(f"/v1/personas/id/{personas[0]['id']}")).json()["data"]
    assert one == personas[0]
    assert (await client.get("/v1/personas/id/nobody")).status_code == 404


async def test_unknown_vertical_names_the_known_ones(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/personas/astrology")
    assert response.status_code == 404
    assert "education" in response.json()["error"]["message"]


async def test_models_show_local_available_and_cloud_not(client: httpx.AsyncClient) -> None:
    models = {m["id"]: m for m in (await client.get("/v1/models")).json()["data"]}
    local = models["local/smollm2-135m-instruct"]
    assert local["available"] is True and local["provider"] == "local"
    assert set(local) == {"id", "provider", "name", "contextWindow", "streaming", "available"}
    assert models["openai/gpt-4o-mini"]["available"] is False
    assert {m["provider"] for m in models.values()} >= {"local", "openai", "anthropic", "google", "xai", "groq"}


async def test_ai_providers_need_a_key(client: httpx.AsyncClient, account: Account) -> None:
    assert (await client.get("/v1/ai/providers")).status_code == 401
    providers = {p["id"]: p for p in (await client.get("/v1/ai/providers", headers=account.key_headers)).json()["data"]}
    assert providers["local"]["configured"] is True
    assert providers["local"]["capabilities"] == {"chat": True, "streaming": True, "tts": True}
    assert providers["anthropic"]["configured"] is False
    assert providers["local"]["models"][0]["id"] == "local/smollm2-135m-instruct"


@pytest.mark.parametrize("path", ["/v1/tts/voices"])
async def test_voices_list(client: httpx.AsyncClient, path: str) -> None:
    voices = (await client.get(path)).json()["data"]
    joe = next(v for v in voices if v["id"] == "piper-en-us-joe")
    assert joe == {
        "id": "piper-en-us-joe",
        "name": "Joe (US English)",
        "provider": "local",
        "language": "en-US",
        "gender": "male",
        "available": True,
        "previewText": joe["previewText"],
    }
