"""create_app(settings): wiring only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware

from avatarium import __version__, errors, idempotency, metrics, openapi
from avatarium.accounts.routes import router as accounts_router
from avatarium.ai.routes import router as ai_router
from avatarium.apikeys.routes import router as apikeys_router
from avatarium.auth.principal import Authenticator
from avatarium.auth.tokens import TokenSigner, load_or_create_secret
from avatarium.avatars.downloads import router as avatar_downloads
from avatarium.avatars.routes import assets as avatar_assets
from avatarium.avatars.routes import router as avatars_router
from avatarium.cache.lru import LRU
from avatarium.cache.stamps import make_stamps
from avatarium.config import MAX_MODEL_BYTES, Settings
from avatarium.conversations.reads import ConversationReads
from avatarium.conversations.routes import router as conversations_router
from avatarium.db.engine import make_engine, make_sessionmaker
from avatarium.health.routes import router as health_router
from avatarium.middleware import ApiMiddleware, BodyRule
from avatarium.personas.routes import router as personas_router
from avatarium.presets.catalog import Catalog
from avatarium.providers.factory import build_providers
from avatarium.providers.registry import Providers
from avatarium.ratelimit import RateLimiter
from avatarium.realtime.fanout import make_fanout
from avatarium.realtime.routes import router as realtime_router
from avatarium.routing import index_routes, parse_json_strictly
from avatarium.state import AppState
from avatarium.storage.factory import make_storage
from avatarium.stt.routes import BODY_RULE as STT_BODY_RULE
from avatarium.stt.routes import router as stt_router
from avatarium.tts.routes import router as tts_router
from avatarium.tts.routes import vendor_routes
from avatarium.web import routes as web

log = logging.getLogger("avatarium")

# Routes whose bodies are not JSON of at most 1 MiB (uploads, audio) declare what they take here.
BODY_RULES: tuple[BodyRule, ...] = (
    BodyRule("POST", "/v1/avatars", MAX_MODEL_BYTES, ("multipart/form-data",)),
    STT_BODY_RULE,
)


def build_state(settings: Settings, providers: Providers | None = None) -> AppState:
    engine = make_engine(settings.resolved_database_url, settings.database_pool_size)
    stamps = make_stamps(settings.resolved_database_url, settings.redis_url)
    sessions = make_sessionmaker(engine, stamps)
    signer = TokenSigner(load_or_create_secret(settings), settings.jwt_audience, settings.jwt_ttl_seconds)
    catalog = Catalog.load()
    return AppState(
        settings=settings,
        engine=engine,
        sessions=sessions,
        limiter=RateLimiter.from_url(settings.redis_url),
        signer=signer,
        stamps=stamps,
        auth=Authenticator(sessions, signer, stamps),
        conversation_reads=ConversationReads(sessions, stamps),
        catalog=catalog,
        providers=providers or build_providers(settings),
        fanout=make_fanout(settings.redis_url, settings.socket_max_pending_events),
        previews=LRU(),
        storage=make_storage(settings),
    )


def create_app(settings: Settings | None = None, providers: Providers | None = None) -> FastAPI:
    """The ASGI app. `providers` replaces the configured providers (tests pass scripted ones)."""
    settings = settings or Settings()
    state = build_state(settings, providers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warming = asyncio.create_task(state.providers.warm()) if settings.preload_models else None
        yield
        if warming is not None:
            warming.cancel()
        await state.fanout.close()
        await state.limiter.close()
        if state.stamps is not None:
            await state.stamps.close()
        await state.providers.close()
        await state.storage.close()
        await state.engine.dispose()

    app = FastAPI(
        title="Avatarium API",
        version=__version__,
        description="Spoken, lip-synced conversations with 3D avatars.",
        lifespan=lifespan,
        docs_url=None,  # served offline by avatarium.web
        redoc_url=None,
    )
    app.state.avatarium = state
    errors.install(app)

    v1 = APIRouter(prefix="/v1")
    for router in (
        health_router,
        avatars_router,
        avatar_assets,
        avatar_downloads,
        personas_router,
        ai_router,
        conversations_router,
        realtime_router,
        tts_router,
        vendor_routes(state.providers),
        stt_router,
        apikeys_router,
        accounts_router,
    ):
        v1.include_router(router)
    app.include_router(health_router)
    app.include_router(v1)
    openapi.install(app)
    metrics.install(app)
    parse_json_strictly(app)
    web.install(app)
    index_routes(app)

    idempotency.install(app)
    app.add_middleware(ApiMiddleware, rules=BODY_RULES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-Id",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Retry-After",
            ],
        )
    return app
