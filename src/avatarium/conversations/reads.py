"""`GET /conversations/:id`, served from memory while the conversation's stamp is unchanged.

Clients poll their conversation; each poll would otherwise cost two database round
trips. Every write to a conversation (a message, its end) bumps its stamp after the
commit, on whichever instance made it (see `avatarium.cache`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from avatarium.auth.principal import Principal
from avatarium.cache.stamps import Stamps, conversation_key
from avatarium.cache.store import StampedCache
from avatarium.conversations import service
from avatarium.conversations.schemas import conversation_out, message_out

CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Serialized:
    owner: uuid.UUID
    data_json: bytes


class ConversationReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], stamps: Stamps | None) -> None:
        self._sessions = sessions
        self._cache: StampedCache[_Serialized] | None = StampedCache(stamps, CACHE_BYTES) if stamps else None

    def stamp_keys(self, conversation_id: str) -> tuple[str, ...]:
        """What `get` depends on, for the request to read with its rate limit (`deps.admit`)."""
        try:
            return (conversation_key(uuid.UUID(conversation_id)),) if self._cache else ()
        except ValueError:
            return ()

    async def get(self, caller: Principal, conversation_id: str, seen: Mapping[str, int] | None = None) -> bytes:
        """The conversation with its messages, serialised as the envelope's `data`; 404 as the service rules.

        `seen`: stamps this request has already read (`stamp_keys`), which need not be read again.
        """
        cid = service.parse_id(conversation_id)
        key = conversation_key(cid)
        cached = await self._cache.get(key, seen) if self._cache else None
        if cached is not None:
            service.check_visible(caller, cid, cached.owner)
            return cached.data_json
        stamp = await self._cache.stamp(key, seen) if self._cache else None
        async with self._sessions() as session:
            conversation, messages = await service.get_with_messages(session, caller, conversation_id)
        data = {**conversation_out(conversation), "messages": [message_out(m) for m in messages]}
        data_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        if self._cache is not None and stamp is not None:
            self._cache.put(key, key, stamp, _Serialized(conversation.user_id, data_json), len(data_json))
        return data_json
