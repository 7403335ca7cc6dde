"""The long-lived objects of one app instance, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from avatarium.auth.tokens import TokenSigner
from avatarium.config import Settings
from avatarium.ratelimit import RateLimiter
from avatarium.tts.preview import PreviewCache

if TYPE_CHECKING:
    from avatarium.presets.catalog import Catalog
    from avatarium.providers.registry import Providers
    from avatarium.realtime.fanout import Fanout


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    signer: TokenSigner
    catalog: Catalog
    providers: Providers
    fanout: Fanout
    previews: PreviewCache
