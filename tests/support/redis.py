"""The Redis server tests use: the machine's, or another one named by AVATARIUM_TEST_REDIS (host:port).

Tests flush the databases they use, so runs that share a machine point at servers of their own.
"""

from __future__ import annotations

import os

SERVER = os.environ.get("AVATARIUM_TEST_REDIS", "127.0.0.1:6379")


def redis_url(database: int) -> str:
    return f"redis://{SERVER}/{database}"
