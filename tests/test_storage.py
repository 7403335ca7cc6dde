"""Uploaded files in S3-compatible object storage (moto on a loopback port) and in a directory."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from avatarium.app import create_app
from avatarium.config import Settings
from avatarium.storage.signature import Credentials, sign
from testkit import gltf
from tests.conftest import Account, make_providers, new_account, set_tier
from tests.support import s3
from tests.test_custom_avatars import assert_nothing_stored, upload, uploaded


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3.s3_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"avatars-{uuid.uuid4().hex[:8]}"
    s3.client(endpoint).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3.REGION})
    return name


def _s3_settings(settings: Settings, data_dir: Path, endpoint: str, bucket: str) -> Settings:
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "storage_url": f"s3://{bucket}/shared/files",
            "storage_endpoint_url": endpoint,
            "storage_region": s3.REGION,
            "storage_access_key_id": s3.ACCESS_KEY,
            "storage_secret_access_key": SecretStr(s3.SECRET_KEY),
        }
    )


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.avatarium.storage.close()
    await app.state.avatarium.engine.dispose()


@pytest.fixture
async def instances(
    settings: Settings, tmp_path: Path, endpoint: str, bucket: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two instances sharing a database and a bucket, and nothing else (each its own data dir)."""
    first = create_app(_s3_settings(settings, tmp_path / "one", endpoint, bucket), make_providers())
    second = create_app(_s3_settings(settings, tmp_path / "two", endpoint, bucket), make_providers())
    async for one in _client(first):
        async for two in _client(second):
            yield one, two


def _objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = s3.client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


async def test_every_instance_serves_files_from_the_bucket(
    instances: tuple[httpx.AsyncClient, httpx.AsyncClient], endpoint: str, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    one, two = instances
    acct = await new_account(one)
    avatar = await uploaded(one, acct, gltf.vrm_model(1))
    stored = _objects(endpoint, bucket)
    prefix = f"shared/files/avatars/{avatar['id']}/"
    assert sorted(stored) == [
        prefix + f"{avatar['modelUrl'].split('/')[-2]}/{name}" for name in ("model.glb", "thumbnail.png")
    ]

    model = next(data for key, data in stored.items() if key.endswith("model.glb"))
    served = await two.get(avatar["modelUrl"])  # the other instance, which never saw the upload
    assert served.status_code == 200 and served.content == model
    info = (await two.get(f"/v1/avatars/{avatar['id']}/model", headers=acct.key_headers)).json()["data"]
    assert info["sha256"] == hashlib.sha256(model).hexdigest()
    part = await two.get(avatar["modelUrl"], headers={"Range": "bytes=4-7"})
    assert part.status_code == 206 and part.content == model[4:8]
    assert (await two.head(avatar["thumbnailUrl"])).headers["content-type"] == "image/png"

    assert (await two.delete(f"/v1/avatars/{avatar['id']}", headers=acct.key_headers)).status_code == 200
    assert _objects(endpoint, bucket) == {}
    assert (await one.get(avatar["modelUrl"])).status_code == 404
    assert s3.SECRET_KEY not in caplog.text


async def test_storage_down_is_503_and_nothing_is_kept(
    settings: Settings, tmp_path: Path, endpoint: str, app: FastAPI
) -> None:
    # A bucket that does not exist: the server answers every PUT with an error.
    broken = create_app(_s3_settings(settings, tmp_path / "x", endpoint, "no-such-bucket"), make_providers())
    async for client in _client(broken):
        acct = await new_account(client)
        response = await upload(client, acct, gltf.arkit_model())
        assert response.status_code == 503 and response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert s3.SECRET_KEY not in response.text and "no-such-bucket" not in response.text
    unreachable = _s3_settings(settings, tmp_path / "y", "http://127.0.0.1:9", "b")
    async for client in _client(create_app(unreachable, make_providers())):
        acct = await new_account(client)
        assert (await upload(client, acct, gltf.arkit_model())).status_code == 503
    await assert_nothing_stored(app, settings.model_copy(update={"data_dir": tmp_path / "x"}))


async def test_a_directory_named_by_url(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    app = create_app(settings.model_copy(update={"storage_url": f"file://{root}"}), make_providers())
    async for client in _client(app):
        acct: Account = await new_account(client)
        avatar = await uploaded(client, acct, gltf.arkit_model())
        files = sorted(p.name for p in root.rglob("*") if p.is_file())
        assert files == ["model.glb", "thumbnail.png"]
        assert (await client.get(avatar["modelUrl"])).content == (next(root.rglob("model.glb"))).read_bytes()


@pytest.mark.parametrize("url", ["ftp://x/y", "s3://", "bucket/prefix", "file://relative"])
def test_storage_url_must_be_s3_or_file(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(storage_url=url)


@pytest.mark.parametrize(
    ("method", "key", "body"), [("PUT", "avatars/a b/model.glb", b"glTF..."), ("GET", "x/y.png", b"")]
)
def test_signature_is_the_one_botocore_computes(method: str, key: str, body: bytes) -> None:
    now = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    host, path = "objects.example.com:9000", "/bucket/" + key.replace(" ", "%20")
    digest = hashlib.sha256(body).hexdigest()
    ours = sign(Credentials(s3.ACCESS_KEY, s3.SECRET_KEY, s3.REGION), method, host, path, digest, now)

    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    request: Any = AWSRequest(
        method=method,
        url=f"http://{host}{path}",
        headers={"x-amz-date": stamp, "x-amz-content-sha256": digest},
        data=body,
    )
    request.context["timestamp"] = stamp
    auth = S3SigV4Auth(BotoCredentials(s3.ACCESS_KEY, s3.SECRET_KEY), "s3", s3.REGION)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    assert ours["authorization"].endswith(f"Signature={expected}")
    assert f"Credential={s3.ACCESS_KEY}/20260504/{s3.REGION}/s3/aws4_request" in ours["authorization"]


async def test_an_upload_counts_once_against_the_rate_limit(client: httpx.AsyncClient, app: FastAPI) -> None:
    acct = await new_account(client)
    await set_tier(app, acct.email, "free")
    before = await client.get("/v1/avatars", headers=acct.key_headers)
    response = await upload(client, acct, gltf.arkit_model())
    assert response.status_code == 201
    remaining = int(before.headers["x-ratelimit-remaining"]) - 1
    assert response.headers["x-ratelimit-remaining"] == str(remaining)
