"""A local S3-compatible server (moto in server mode) on a loopback port, for the object storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from testkit.fakes.server import free_port

REGION = "eu-west-1"
ACCESS_KEY = "AKIDTESTSTORAGE"
SECRET_KEY = "storage-secret-never-logged"


@contextmanager
def s3_server() -> Iterator[str]:
    """Serve S3 on 127.0.0.1; yields its endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> Any:
    """boto3's own client: an independent view of what the service stored."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
