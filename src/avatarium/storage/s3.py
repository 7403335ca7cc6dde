"""S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, Ceph, …) over plain HTTP with SigV4."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

from avatarium.storage.base import Storage, StorageError
from avatarium.storage.signature import EMPTY_SHA256, Credentials, sign


class S3Storage(Storage):
    """Objects under `prefix` in `bucket`. With an endpoint, path-style URLs (`<endpoint>/<bucket>/<key>`),
    which every S3-compatible server accepts; without, AWS's virtual-hosted URLs in `region`."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        region: str,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.base = f"{endpoint.rstrip('/')}/{bucket}" if endpoint else f"https://{bucket}.s3.{region}.amazonaws.com"
        self.credentials = credentials
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))

    def _request(
        self, method: str, key: str, content: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Request:
        url = self.base + quote("/" + self.prefix + key, safe="/-_.~")
        parts = urlsplit(url)
        all_headers = dict(headers or {})
        if self.credentials is not None:
            digest = hashlib.sha256(content).hexdigest() if content else EMPTY_SHA256
            all_headers |= sign(self.credentials, method, parts.netloc, parts.path, digest, datetime.now(UTC))
        return self.client.build_request(method, url, content=content or None, headers=all_headers)

    async def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        try:
            return await self.client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise StorageError(f"object storage unreachable: {type(exc).__name__}") from None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        response = await self._send(self._request("PUT", key, data, {"content-type": content_type}))
        if response.status_code != 200:
            raise StorageError(f"object storage refused PUT {key}: HTTP {response.status_code}")

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        request = self._request("GET", key, headers={"range": f"bytes={start}-{end - 1}"})
        response = await self._send(request, stream=True)
        try:
            if response.status_code not in (200, 206):
                raise StorageError(f"object storage answered GET {key}: HTTP {response.status_code}")
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.HTTPError as exc:
                raise StorageError(f"object storage broke off GET {key}: {type(exc).__name__}") from None
        finally:
            await response.aclose()

    async def delete(self, *keys: str) -> None:
        for key in keys:
            response = await self._send(self._request("DELETE", key))
            if response.status_code not in (200, 204, 404):
                raise StorageError(f"object storage refused DELETE {key}: HTTP {response.status_code}")

    async def close(self) -> None:
        await self.client.aclose()
