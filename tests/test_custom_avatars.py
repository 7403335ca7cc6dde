"""Bring-your-own avatars (contract section 8): upload, baked visemes, validation, ownership, edits, downloads."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from avatarium.avatars.rig import arkit, vrm
from avatarium.config import Settings
from avatarium.db.models import CustomAvatar
from avatarium.visemes import VISEMES
from testkit import gltf
from testkit.gltf import Served, pack
from tests.conftest import Account, new_account, set_tier

GLB = "model/gltf-binary"


async def upload(
    client: httpx.AsyncClient, acct: Account, data: bytes, filename: str = "me.glb", **fields: str
) -> httpx.Response:
    return await client.post(
        "/v1/avatars",
        headers=acct.key_headers,
        files={"model": (filename, data, GLB)},
        data={"name": "Me", **fields},
    )


async def uploaded(client: httpx.AsyncClient, acct: Account, data: bytes, **fields: str) -> dict[str, Any]:
    response = await upload(client, acct, data, **fields)
    assert response.status_code == 201, response.text
    avatar: dict[str, Any] = response.json()["data"]
    return avatar


async def served(client: httpx.AsyncClient, acct: Account, avatar: dict[str, Any]) -> tuple[Served, bytes]:
    info = (await client.get(f"/v1/avatars/{avatar['id']}/model", headers=acct.key_headers)).json()["data"]
    assert info["url"] == avatar["modelUrl"]
    download = await client.get(info["url"])  # no credentials: the URL itself is the secret
    assert download.status_code == 200 and download.headers["content-type"] == GLB
    assert len(download.content) == info["sizeBytes"]
    assert hashlib.sha256(download.content).hexdigest() == info["sha256"]
    assert set(VISEMES) <= set(info["morphTargets"])
    return Served(download.content), download.content


def assert_real_and_distinct(model: Served, mesh: dict[str, Any]) -> dict[str, np.ndarray]:
    """The 15 visemes are named, each moves vertices (the rest pose `sil` none), and no two are the same."""
    names = mesh["extras"]["targetNames"]
    assert names[-15:] == list(VISEMES) and len(mesh["weights"]) == len(names)
    deltas = {viseme: model.target(mesh, viseme) for viseme in VISEMES}
    assert not deltas["viseme_sil"].any()
    for viseme in VISEMES[1:]:
        assert np.abs(deltas[viseme]).max() > 1e-4, viseme
    for a, b in itertools.combinations(VISEMES[1:], 2):
        assert not np.allclose(deltas[a], deltas[b]), (a, b)
    return deltas


def mix(model: Served, mesh: dict[str, Any], recipe: dict[str, float], rename: dict[str, str] | None = None) -> Any:
    return sum(w * model.target(mesh, (rename or {}).get(name, name)) for name, w in recipe.items())


@pytest.fixture
async def owner(client: httpx.AsyncClient, account: Account) -> Account:
    return account


async def test_arkit_model_gets_baked_visemes_and_keeps_everything_else(
    client: httpx.AsyncClient, owner: Account
) -> None:
    original = gltf.arkit_model()
    avatar = await uploaded(client, owner, original, description="Mine", tags="me, custom ,me", gender="female")
    assert avatar["owner"] == "account" and avatar["tags"] == ["me", "custom"] and avatar["gender"] == "female"
    assert avatar["lipsync"] == {
        "source": "arkit",
        "visemes": list(VISEMES),
        "missing": ["mouthShrugUpper", "eyeBlinkRight"],
        "expressions": sorted(gltf.ARKIT),
    }
    model, _ = await served(client, owner, avatar)
    before = Served(original)
    head, teeth = model.mesh("Head"), model.mesh("Teeth")
    deltas = assert_real_and_distinct(model, head)
    # Baked by the documented mapping, from the model's own shapes (those it has).
    present = {name: w for name, w in arkit.VISEME_MIX["viseme_aa"].items() if name in gltf.ARKIT}
    np.testing.assert_allclose(deltas["viseme_aa"], mix(before, before.mesh("Head"), present), atol=1e-6)
    np.testing.assert_allclose(
        model.target(head, "viseme_O", "NORMAL"),
        mix(before, before.mesh("Head"), arkit.VISEME_MIX["viseme_O"]) * 0.5,
        atol=1e-6,
    )
    # The teeth open with the jaw; the hair has no shapes and stays as it was.
    jaw = arkit.VISEME_MIX["viseme_aa"]["jawOpen"]
    np.testing.assert_allclose(model.target(teeth, "viseme_aa"), jaw * before.target(before.mesh("Teeth"), "jawOpen"))
    assert model.mesh("Hair") == before.mesh("Hair")
    # Everything else is as uploaded: nodes, skin, materials, texture bytes, the original shapes.
    for key in ("nodes", "skins", "materials", "textures", "images", "scenes", "samplers"):
        assert model.gltf[key] == before.gltf[key], key
    assert model.view(model.gltf["images"][0]["bufferView"]) == gltf.tiny_png()
    for name in gltf.ARKIT:
        np.testing.assert_array_equal(model.target(head, name), before.target(before.mesh("Head"), name))
    assert head["extras"]["targetNames"][: len(gltf.ARKIT)] == gltf.ARKIT


async def test_big_meshes_get_sparse_targets_that_read_back_the_same(client: httpx.AsyncClient, owner: Account) -> None:
    original = gltf.arkit_model(rings=60, segments=100)
    model, _ = await served(client, owner, await uploaded(client, owner, original))
    head, before = model.mesh("Head"), Served(original)
    aa = head["primitives"][0]["targets"][head["extras"]["targetNames"].index("viseme_aa")]
    assert "sparse" in model.gltf["accessors"][aa["POSITION"]]
    present = {name: w for name, w in arkit.VISEME_MIX["viseme_aa"].items() if name in gltf.ARKIT}
    np.testing.assert_allclose(model.target(head, "viseme_aa"), mix(before, before.mesh("Head"), present), atol=1e-6)
    assert_real_and_distinct(model, head)
    assert len(model.blob) < len(before.blob) * 1.5  # dense, the 15 new targets would double the file


@pytest.mark.parametrize("version", [0, 1])
async def test_vrm_expressions_become_visemes_on_every_mesh_they_bind(
    client: httpx.AsyncClient, owner: Account, version: int
) -> None:
    original = gltf.vrm_model(version)
    avatar = await uploaded(client, owner, original, filename="me.vrm")
    assert avatar["lipsync"]["source"] == "vrm" and avatar["lipsync"]["missing"] == []
    assert set(avatar["lipsync"]["expressions"]) == {"blink", "happy"}
    model, _ = await served(client, owner, avatar)
    before = Served(original)
    face, teeth = model.mesh("Head"), model.mesh("Teeth")
    deltas = assert_real_and_distinct(model, face)
    vowels = dict(zip(vrm.VOWELS, gltf.VRM_MOUTH, strict=False))
    np.testing.assert_allclose(deltas["viseme_O"], 0.8 * before.target(before.mesh("Head"), "Fcl_MTH_O"), atol=1e-6)
    np.testing.assert_allclose(
        deltas["viseme_kk"], mix(before, before.mesh("Head"), vrm.VISEME_MIX["viseme_kk"], vowels), atol=1e-6
    )
    np.testing.assert_allclose(model.target(teeth, "viseme_O"), before.target(before.mesh("Teeth"), "Teeth_O"))
    assert not model.target(teeth, "viseme_I").any()  # the teeth take no part in "ih"
    assert model.gltf["extensions"] == before.gltf["extensions"]
    assert model.gltf["extensionsUsed"] == before.gltf["extensionsUsed"]


async def test_oculus_model_is_served_as_uploaded(client: httpx.AsyncClient, owner: Account) -> None:
    exact = gltf.oculus_model(names_on_primitive=False)
    avatar = await uploaded(client, owner, exact)
    assert avatar["lipsync"]["source"] == "oculus"
    assert avatar["lipsync"]["missing"] == ["eyeBlinkRight"] and avatar["lipsync"]["expressions"] == ["eyeBlinkLeft"]
    assert (await served(client, owner, avatar))[1] == exact

    # Names only on the primitive, in capitals: moved and spelled where three.js reads them, nothing else changed.
    elsewhere = gltf.oculus_model(names_on_primitive=True, spelling="upper")
    model, _ = await served(client, owner, await uploaded(client, owner, elsewhere))
    assert model.mesh("Head")["extras"]["targetNames"] == [*VISEMES, "eyeBlinkLeft"]
    assert model.blob == Served(elsewhere).blob


def _rewrite(data: bytes, change: Callable[[dict[str, Any], bytearray], None]) -> bytes:
    model = Served(data)
    blob = bytearray(model.blob)
    change(model.gltf, blob)
    return pack(model.gltf, bytes(blob))


def _out_of_bounds(document: dict[str, Any], _: bytearray) -> None:
    document["accessors"][0]["count"] += 1000


def _bad_index(document: dict[str, Any], blob: bytearray) -> None:
    indices = document["accessors"][document["meshes"][0]["primitives"][0]["indices"]]
    start = document["bufferViews"][indices["bufferView"]]["byteOffset"]
    blob[start : start + 2] = (60000).to_bytes(2, "little")


def _bad_bind(document: dict[str, Any], _: bytearray) -> None:
    document["extensions"]["VRMC_vrm"]["expressions"]["preset"]["aa"]["morphTargetBinds"][0]["index"] = 99


def _external(document: dict[str, Any], _: bytearray) -> None:
    document["images"][0] = {"uri": "skin.png"}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (gltf.plain_model(), ["No face mesh", "viseme_PP", "jawOpen", "aa ih ou ee oh"]),
        (b"GLTF" + gltf.plain_model()[4:], ["Not a glTF binary"]),
        (b'{"asset": {"version": "2.0"}}', [".gltf JSON file", ".glb"]),
        (gltf.arkit_model()[:-1000], ["truncated"]),
        (gltf.arkit_model()[:30], ["truncated"]),
        (_rewrite(gltf.arkit_model(), _out_of_bounds), ["accessor 0", "reads", "damaged"]),
        (_rewrite(gltf.arkit_model(), _bad_index), ["triangle index 60000"]),
        (_rewrite(gltf.vrm_model(1), _bad_bind), ["VRM expression 'aa'", "morph target 99"]),
        (_rewrite(gltf.arkit_model(), _external), ["external file 'skin.png'", "self-contained"]),
        (gltf.arkit_model()[:20] + b"{not json" + gltf.arkit_model()[29:], ["not valid JSON"]),
        (b"", ["too short"]),
    ],
    ids=[
        "no-face",
        "magic",
        "gltf-json",
        "truncated",
        "truncated-header",
        "accessor",
        "index",
        "vrm",
        "external",
        "json",
        "empty",
    ],
)
async def test_broken_files_are_400_and_nothing_is_stored(
    client: httpx.AsyncClient, owner: Account, app: FastAPI, settings: Settings, data: bytes, words: list[str]
) -> None:
    response = await upload(client, owner, data)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BAD_REQUEST" and error["details"] == [{"field": "model", "issue": "invalid"}]
    for word in words:
        assert word in error["message"]
    await assert_nothing_stored(app, settings)


async def assert_nothing_stored(app: FastAPI, settings: Settings) -> None:
    async with app.state.avatarium.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CustomAvatar)) == 0
    files = settings.data_dir / "files"
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]


async def test_form_problems_are_400_415_413(
    client: httpx.AsyncClient, owner: Account, app: FastAPI, settings: Settings
) -> None:
    model = gltf.arkit_model()
    cases = [
        ({"files": {"name": (None, "Me")}}, "model is required"),
        ({"files": {"model": ("a.glb", model)}}, "name is required"),
        ({"files": {"model": ("a.glb", model)}, "data": {"name": "x" * 101}}, "name must have at most 100"),
        (
            {"files": {"model": ("a.glb", model)}, "data": {"name": "Me", "tags": ",".join("abcdefghijklmnopqrstu")}},
            "tags",
        ),
        ({"files": {"model": ("a.glb", model)}, "data": {"name": "Me", "defaultVoiceId": "nobody"}}, "defaultVoiceId"),
        ({"files": {"model": ("a.glb", model)}, "data": {"name": "Me", "defaultPersonaId": "x"}}, "defaultPersonaId"),
    ]
    for request, message in cases:
        response = await client.post("/v1/avatars", headers=owner.key_headers, **request)
        assert response.status_code == 400 and message in response.json()["error"]["message"], response.text
    wrong_type = await client.post("/v1/avatars", headers=owner.key_headers, json={"name": "Me"})
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    raw = await client.post("/v1/avatars", headers={**owner.key_headers, "Content-Type": GLB}, content=model)
    assert raw.status_code == 415
    unauthenticated = await client.post("/v1/avatars", files={"model": ("a.glb", model)}, data={"name": "Me"})
    assert unauthenticated.status_code == 401
    await assert_nothing_stored(app, settings)


async def test_oversized_uploads_are_413_before_being_read(
    client: httpx.AsyncClient, owner: Account, app: FastAPI, settings: Settings
) -> None:
    big = b"glTF" + bytes(26 * 1024 * 1024)
    declared = await upload(client, owner, big)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    sent: list[int] = []

    async def chunked() -> Any:  # no Content-Length: the limit is enforced while reading
        boundary = b'--x\r\nContent-Disposition: form-data; name="model"; filename="a.glb"\r\n\r\n'
        yield boundary
        for _ in range(40):
            sent.append(1)
            yield bytes(1024 * 1024)

    streamed = await client.post(
        "/v1/avatars",
        headers={**owner.key_headers, "Content-Type": "multipart/form-data; boundary=x"},
        content=chunked(),
    )
    assert streamed.status_code == 413
    assert len(sent) < 40  # refused once past 25 MiB, not after reading everything
    await assert_nothing_stored(app, settings)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_listing_and_isolation_between_accounts(client: httpx.AsyncClient, owner: Account, app: FastAPI) -> None:
    mine = await uploaded(client, owner, gltf.arkit_model(), style="stylized", tags="support")
    other = await new_account(client)
    await set_tier(app, other.email, "enterprise", 100_000)

    anonymous = (await client.get("/v1/avatars")).json()["data"]
    assert anonymous and {a["owner"] for a in anonymous} == {"preset"}
    listed = (await client.get("/v1/avatars", headers=owner.key_headers)).json()["data"]
    assert [a for a in listed if a["owner"] == "account"] == [mine]
    assert listed[: len(anonymous)] == anonymous
    assert (await client.get("/v1/avatars", headers=owner.jwt_headers)).json()["data"] == listed
    filtered = await client.get(
        "/v1/avatars", params={"style": "stylized", "tag": "support"}, headers=owner.key_headers
    )
    assert mine in filtered.json()["data"]
    assert (
        mine
        not in (await client.get("/v1/avatars", params={"style": "anime"}, headers=owner.key_headers)).json()["data"]
    )
    assert [a["owner"] for a in (await client.get("/v1/avatars", headers=other.key_headers)).json()["data"]] == [
        "preset"
    ] * len(anonymous)

    assert (await client.get(f"/v1/avatars/{mine['id']}", headers=owner.key_headers)).json()["data"] == mine
    for headers in (other.key_headers, {}):
        assert (await client.get(f"/v1/avatars/{mine['id']}", headers=headers)).status_code == 404
        assert (await client.get(f"/v1/avatars/{mine['id']}/model", headers=headers)).status_code == 404
    for method, body in (("PATCH", {"name": "Mine now"}), ("DELETE", None)):
        response = await client.request(method, f"/v1/avatars/{mine['id']}", json=body, headers=other.key_headers)
        assert response.status_code == 404
    refused = await client.post("/v1/conversations", json={"avatarId": mine["id"]}, headers=other.key_headers)
    nobody = str(uuid.uuid4())
    nobodys = await client.post("/v1/conversations", json={"avatarId": nobody}, headers=owner.key_headers)
    # Another account's avatar is as unknown as nobody's: the contract's 400 for an unknown avatar, alike.
    assert (refused.status_code, nobodys.status_code) == (400, 400)
    assert refused.json()["error"]["message"] == f"Unknown avatarId '{mine['id']}'; see GET /v1/avatars"
    assert nobodys.json()["error"]["message"] == f"Unknown avatarId '{nobody}'; see GET /v1/avatars"
    assert (await client.get(f"/v1/avatars/{mine['id']}", headers=owner.key_headers)).json()["data"]["name"] == "Me"


async def test_conversations_use_the_accounts_own_avatars(client: httpx.AsyncClient, owner: Account) -> None:
    plain = await uploaded(client, owner, gltf.arkit_model(), name="Robo")
    bare = await client.post("/v1/conversations", json={"avatarId": plain["id"]}, headers=owner.key_headers)
    assert bare.status_code == 201, bare.text
    data = bare.json()["data"]
    assert data["avatarId"] == plain["id"] and data["personaId"] is None and data["messages"] == []
    assert data["voiceId"] == plain["defaultVoiceId"]
    reply = await client.post(
        f"/v1/conversations/{data['id']}/messages", json={"content": "Hi"}, headers=owner.key_headers
    )
    assert reply.status_code == 201

    tutor = await uploaded(client, owner, gltf.vrm_model(1), defaultPersonaId="math-tutor", defaultVoiceId="espeak-fr")
    created = await client.post("/v1/conversations", json={"avatarId": tutor["id"]}, headers=owner.key_headers)
    data = created.json()["data"]
    # The persona speaks as this avatar, with this avatar's voice.
    assert data["personaId"] == "math-tutor" and data["messages"][0]["content"].startswith(f"Hi, I'm {tutor['name']}")
    assert data["voiceId"] == "espeak-fr"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_owner_edits_and_deletes_presets_are_read_only(
    client: httpx.AsyncClient, owner: Account, settings: Settings
) -> None:
    avatar = await uploaded(client, owner, gltf.arkit_model())
    path = f"/v1/avatars/{avatar['id']}"
    change = {"name": "Renamed", "description": "New", "tags": ["a", " b "], "defaultPersonaId": "storyteller"}
    patched = await client.patch(path, json=change, headers=owner.key_headers)
    assert patched.status_code == 200, patched.text
    data = patched.json()["data"]
    assert (data["name"], data["description"], data["tags"]) == ("Renamed", "New", ["a", "b"])
    assert data["defaultPersonaId"] == "storyteller" and data["modelUrl"] == avatar["modelUrl"]
    assert data["lipsync"] == avatar["lipsync"]
    for bad in ({"name": ""}, {"name": None}, {"defaultVoiceId": "nobody"}, {"defaultPersonaId": "nobody"}):
        assert (await client.patch(path, json=bad, headers=owner.key_headers)).status_code == 400, bad
    cleared = await client.patch(path, json={"defaultPersonaId": None}, headers=owner.key_headers)
    assert cleared.json()["data"]["defaultPersonaId"] is None
    assert (await client.patch(path, json={"name": "x"})).status_code == 401

    for method in ("PATCH", "DELETE"):
        preset = await client.request(method, "/v1/avatars/ava", json={"name": "x"}, headers=owner.key_headers)
        assert preset.status_code == 403 and preset.json()["error"]["code"] == "FORBIDDEN"

    deleted = await client.delete(path, headers=owner.key_headers)
    assert deleted.status_code == 200 and deleted.json()["data"] == {"id": avatar["id"], "deleted": True}
    assert (await client.get(path, headers=owner.key_headers)).status_code == 404
    assert (await client.get(avatar["modelUrl"])).status_code == 404
    assert (await client.get(avatar["thumbnailUrl"])).status_code == 404
    assert (await client.delete(path, headers=owner.key_headers)).status_code == 404
    assert not [p for p in (settings.data_dir / "files").rglob("*") if p.is_file()]


async def test_files_are_served_like_a_cdn(client: httpx.AsyncClient, owner: Account) -> None:
    avatar = await uploaded(client, owner, gltf.arkit_model())
    url = avatar["modelUrl"]
    full = await client.get(url)
    etag = full.headers["etag"]
    assert "max-age" in full.headers["cache-control"] and full.headers["accept-ranges"] == "bytes"
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    assert (await client.get(url, headers={"If-None-Match": f'W/{etag}, "other"'})).status_code == 304
    head = await client.head(url)
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(full.content))
    size = len(full.content)
    for header, start, end in (("bytes=0-11", 0, 12), ("bytes=100-", 100, size), ("bytes=-20", size - 20, size)):
        part = await client.get(url, headers={"Range": header})
        assert part.status_code == 206 and part.content == full.content[start:end]
        assert part.headers["content-range"] == f"bytes {start}-{end - 1}/{size}"
    stale = await client.get(url, headers={"Range": "bytes=0-11", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == full.content
    beyond = await client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"

    token = url.split("/")[-2]
    assert token not in avatar["id"] and len(token) >= 32
    assert (await client.get(url.replace(token, "x" * len(token)))).status_code == 404

    png = await client.get(avatar["thumbnailUrl"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (await client.get(avatar["thumbnailUrl"], headers={"If-None-Match": png.headers["etag"]})).status_code == 304


async def test_preset_models_take_ranges_and_head_too(client: httpx.AsyncClient) -> None:
    full = await client.get("/v1/avatars/ava/model.glb")
    part = await client.get("/v1/avatars/ava/model.glb", headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"glTF" == full.content[:4]
    assert (await client.head("/v1/avatars/ava/model.glb")).headers["content-length"] == str(len(full.content))


async def test_upload_is_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    body = spec["paths"]["/v1/avatars"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["model", "name"] and body["properties"]["model"]["format"] == "binary"
    assert {"patch", "delete", "get"} <= set(spec["paths"]["/v1/avatars/{avatar_id}"])


def test_thumbnail_shows_the_model(tmp_path: Path) -> None:
    from avatarium.avatars.rig.preparation import prepare

    image = prepare(gltf.arkit_model()).thumbnail
    import struct
    import zlib

    width, height = struct.unpack(">II", image[16:24])
    raw = zlib.decompress(image[image.index(b"IDAT") + 4 : image.index(b"IEND") - 8])
    pixels = np.frombuffer(raw, np.uint8).reshape(height, width * 3 + 1)[:, 1:].reshape(height, width, 3)
    background = pixels[0, 0]
    assert (width, height) == (256, 256)
    centre = pixels[96:160, 96:160]
    assert (np.abs(centre.astype(int) - background).sum(axis=2) > 30).mean() > 0.9  # the face fills the middle
    assert len(np.unique(centre.reshape(-1, 3), axis=0)) > 20  # shaded, not flat
    red, green, blue = centre.reshape(-1, 3).astype(int).mean(axis=0)
    assert red > 2 * green and red > 2 * blue  # the skin factor times the model's red texture


async def test_a_retried_upload_is_replayed_not_stored_twice(
    client: httpx.AsyncClient, owner: Account, app: FastAPI
) -> None:
    model = gltf.oculus_model()
    # The same bytes: the request fingerprint covers the multipart boundary too.
    boundary = {"Content-Type": "multipart/form-data; boundary=retry"}
    headers = {**owner.key_headers, **boundary, "Idempotency-Key": "upload-1"}
    files = {"model": ("me.glb", model, GLB)}
    first = await client.post("/v1/avatars", headers=headers, files=files, data={"name": "Me"})
    again = await client.post("/v1/avatars", headers=headers, files=files, data={"name": "Me"})
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["data"] == first.json()["data"]
    async with app.state.avatarium.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CustomAvatar)) == 1


async def test_concurrent_uploads_all_succeed(client: httpx.AsyncClient, owner: Account) -> None:
    """More uploads than are prepared at once: the others wait their turn, none is lost."""
    models = [gltf.arkit_model(), gltf.vrm_model(0), gltf.vrm_model(1), gltf.oculus_model()]
    responses = await asyncio.gather(*(upload(client, owner, model, name=f"M{i}") for i, model in enumerate(models)))
    assert [r.status_code for r in responses] == [201] * 4
    listed = (await client.get("/v1/avatars", headers=owner.key_headers)).json()["data"]
    assert sorted(a["name"] for a in listed if a["owner"] == "account") == ["M0", "M1", "M2", "M3"]
