"""API key secrets: generation, hashing, shape checks."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

KEY_PATTERN = re.compile(r"^av_(live|test)_[A-Za-z0-9_-]{32,}$")


@dataclass(frozen=True)
class NewKey:
    secret: str
    prefix: str
    last4: str
    key_hash: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(("av_live_", "av_test_"))


def is_well_formed(token: str) -> bool:
    return KEY_PATTERN.match(token) is not None


def generate(mode: str) -> NewKey:
    secret = f"av_{mode}_{secrets.token_urlsafe(32)}"
    return NewKey(secret=secret, prefix=secret[:12], last4=secret[-4:], key_hash=hash_key(secret))
