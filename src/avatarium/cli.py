"""The `avatarium` command: thin over the services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.cache.stamps import make_stamps
from avatarium.config import Settings
from avatarium.db.engine import make_engine, make_sessionmaker
from avatarium.db.migrate import upgrade
from avatarium.errors import ApiError

app = typer.Typer(help="Avatarium: a self-hostable Avatarium API server.", no_args_is_help=True)
users = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
db = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(users, name="users")
app.add_typer(keys, name="keys")
app.add_typer(db, name="db")

T = TypeVar("T")


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate, then run `work` in one committed transaction; API errors become a clean exit."""
    settings = Settings()
    upgrade(settings.resolved_database_url)

    async def main() -> T:
        engine = make_engine(settings.resolved_database_url)
        stamps = make_stamps(settings.resolved_database_url, settings.redis_url)
        try:
            async with make_sessionmaker(engine, stamps).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()
            if stamps is not None:
                await stamps.close()

    try:
        return asyncio.run(main())
    except ApiError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Migrate the database if needed, load the presets and serve the API."""
    import uvicorn

    settings = Settings()
    upgrade(settings.resolved_database_url)
    if workers > 1 and not settings.redis_url:
        typer.echo(
            "warning: each worker keeps its own rate-limit counts and socket fan-out; "
            "set AVATARIUM_REDIS_URL so that they are shared",
            err=True,
        )
    uvicorn.run(
        "avatarium.server:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=settings.trust_proxy,
        ws_max_size=1024 * 1024,
    )


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (Alembic)."""
    settings = Settings()
    upgrade(settings.resolved_database_url)
    typer.echo("database is up to date")


TierOption = Annotated[str, typer.Option(help="free, creator, pro or enterprise.")]
RateOption = Annotated[int | None, typer.Option("--rate-limit", help="Requests per minute (enterprise).")]


@users.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email address.")],
    password: Annotated[str, typer.Option(help="Password (at least 8 characters).")],
    tier: TierOption = "free",
    rate_limit: RateOption = None,
) -> None:
    """Create a user account."""
    from avatarium.accounts import service

    user = _run(lambda s: service.create_user(s, email, password, tier, rate_limit))
    typer.echo(f"created user {user.id} ({user.email}, {user.tier})")


@users.command("set-tier")
def users_set_tier(email: str, tier: str, rate_limit: RateOption = None) -> None:
    """Change a user's tier (and optional custom rate limit)."""
    from avatarium.accounts import service

    user = _run(lambda s: service.set_tier(s, email, tier, rate_limit))
    limit = f", {user.rate_limit} requests/min" if user.rate_limit else ""
    typer.echo(f"{user.email} is now {user.tier}{limit}")


@keys.command("create")
def keys_create(
    email: Annotated[str, typer.Option(help="Owner's email address.")],
    name: Annotated[str, typer.Option(help="A name to recognise the key by.")] = "cli",
    mode: Annotated[str, typer.Option(help="live or test.")] = "live",
) -> None:
    """Create an API key and print its secret (shown only this once)."""
    from avatarium.accounts import repository
    from avatarium.apikeys import service

    if mode not in ("live", "test"):
        typer.echo("error: mode must be live or test", err=True)
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> str:
        user = await repository.by_email(session, email.strip().lower())
        if user is None:
            raise ApiError(404, f"no user with email {email}")
        _key, secret = await service.create(session, user.id, name, mode, None)
        return secret

    typer.echo(_run(work))
