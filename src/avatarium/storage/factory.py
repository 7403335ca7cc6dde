"""The configured storage: `AVATARIUM_STORAGE_URL` (`s3://bucket/prefix`, `file:///path`), else `<data dir>/files`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from avatarium.config import Settings
from avatarium.storage.base import Storage
from avatarium.storage.local import LocalStorage
from avatarium.storage.s3 import S3Storage
from avatarium.storage.signature import Credentials


def make_storage(settings: Settings) -> Storage:
    if not settings.storage_url:
        return LocalStorage(settings.data_dir.resolve() / "files")
    url = urlsplit(settings.storage_url)
    if url.scheme == "file":
        return LocalStorage(Path(url.path))
    credentials = None
    if settings.storage_access_key_id and settings.storage_secret_access_key:
        secret = settings.storage_secret_access_key.get_secret_value()
        credentials = Credentials(settings.storage_access_key_id, secret, settings.storage_region)
    return S3Storage(url.netloc, url.path, settings.storage_region, settings.storage_endpoint_url, credentials)
