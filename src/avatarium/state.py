"""The long-lived objects of one app instance, built once at start-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from avatarium.auth.principal import Authenticator
from avatarium.auth.tokens import TokenSigner
from avatarium.cache.lru import LRU
from avatarium.cache.stamps import Stamps
from avatarium.config import Settings
from avatarium.ratelimit import RateLimiter
from avatarium.realtime.drain import Drain
from avatarium.storage.base import Storage

if TYPE_CHECKING:
    from avatarium.conversations.reads import ConversationReads
    from avatarium.presets.catalog import Catalog
    from avatarium.providers.registry import Providers
    from avatarium.realtime.fanout import Fanout
    from avatarium.tts.service import Rendered


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    signer: TokenSigner
    stamps: Stamps | None
    auth: Authenticator
    conversation_reads: ConversationReads
    catalog: Catalog
    providers: Providers
    fanout: Fanout
    previews: LRU[tuple[str, str, str], Rendered]  # voice previews, rendered once
    storage: Storage
    # Uploaded models prepared at once (each holds up to ~100 MB and a core); the others wait their turn.
    preparing: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    drain: Drain = field(default_factory=Drain)  # the open sockets, told to leave on SIGTERM
