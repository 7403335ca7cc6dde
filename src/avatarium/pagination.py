"""Opaque cursors for keyset pagination (newest first)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from avatarium.errors import bad_request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            created, ident = json.loads(raw)
            return cls(datetime.fromisoformat(created), uuid.UUID(ident))
        except (ValueError, TypeError) as exc:
            raise bad_request("cursor is not valid; use meta.nextCursor from the previous page", "cursor") from exc
