"""Signed tokens: user JWTs and per-conversation WebSocket client tokens."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from avatarium.clock import utcnow
from avatarium.config import Settings

ALGORITHM = "HS256"
_CLIENT_AUDIENCE_SUFFIX = ":ws"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def secret_file(settings: Settings) -> Path:
    """Where the generated secret is kept when none is configured."""
    return Path(settings.data_dir) / "jwt_secret"


def load_or_create_secret(settings: Settings) -> str:
    """The configured secret, or one generated on first start and kept in the data directory."""
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        return settings.jwt_secret.get_secret_value()
    path = secret_file(settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret.encode())
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return secret


class TokenSigner:
    def __init__(self, secret: str, audience: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._audience = audience
        self._ttl = ttl_seconds

    def _issue(self, claims: dict[str, object], audience: str, ttl: int) -> IssuedToken:
        now = utcnow().replace(microsecond=0)
        expires = now + timedelta(seconds=ttl)
        payload = {**claims, "aud": audience, "iat": now, "exp": expires}
        return IssuedToken(jwt.encode(payload, self._secret, algorithm=ALGORITHM), expires)

    def _decode(self, token: str, audience: str) -> dict[str, object] | None:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        return claims

    def issue_user(self, user_id: str) -> IssuedToken:
        return self._issue({"sub": user_id}, self._audience, self._ttl)

    def user_id(self, token: str) -> str | None:
        claims = self._decode(token, self._audience)
        return str(claims["sub"]) if claims else None

    def issue_client(self, user_id: str, conversation_id: str, ttl: int) -> IssuedToken:
        return self._issue({"sub": user_id, "cid": conversation_id}, self._audience + _CLIENT_AUDIENCE_SUFFIX, ttl)

    def client(self, token: str) -> tuple[str, str] | None:
        """(user id, conversation id) of a valid client token."""
        claims = self._decode(token, self._audience + _CLIENT_AUDIENCE_SUFFIX)
        if not claims or "cid" not in claims:
            return None
        return str(claims["sub"]), str(claims["cid"])
