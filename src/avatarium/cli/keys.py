"""`avatarium keys …`: API keys of any account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.accounts import service as account_rules
from avatarium.apikeys import repository, service
from avatarium.apikeys.schemas import key_out
from avatarium.cli.output import JsonOption, check, emit_json, table
from avatarium.cli.runtime import open_database, transact
from avatarium.db.models import ApiKey
from avatarium.envelope import iso

app = typer.Typer(help="Manage API keys.", no_args_is_help=True)

EmailOption = Annotated[str, typer.Option(help="The owner's email address.", show_default=False)]


@app.command("create")
def create(
    email: EmailOption,
    name: Annotated[str, typer.Option(help="A name to recognise the key by.")] = "cli",
    mode: Annotated[str, typer.Option(help="live or test (test keys only reach the embedded models).")] = "live",
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print its secret (shown only this once)."""
    check(lambda: account_rules.normalise_email(email), lambda: service.check_key(name, mode))

    async def work(session: AsyncSession) -> tuple[ApiKey, str]:
        user = await account_rules.find(session, email)
        return await service.create(session, user.id, name, mode, None)

    key, secret = transact(open_database(create=False), work)
    if as_json:
        emit_json({**key_out(key), "key": secret})
    else:
        typer.echo(secret)


def _when(value: datetime | None) -> str:
    return iso(value) if value is not None else "-"


def _times(key: ApiKey) -> list[datetime | None]:
    return [key.created_at, key.last_used_at, key.expires_at, key.revoked_at]


@app.command("list")
def list_keys(email: EmailOption, as_json: JsonOption = False) -> None:
    """List an account's keys, revoked ones included, newest first (never their secrets)."""
    check(lambda: account_rules.normalise_email(email))

    async def work(session: AsyncSession) -> list[ApiKey]:
        user = await account_rules.find(session, email)
        return await repository.list_for(session, user.id)

    found = transact(open_database(create=False), work)
    if as_json:
        emit_json([key_out(k) for k in found])
        return
    rows = [[str(k.id), k.name, k.mode, f"{k.prefix}…{k.last4}", *map(_when, _times(k))] for k in found]
    typer.echo(table(["ID", "NAME", "MODE", "KEY", "CREATED", "LAST USED", "EXPIRES", "REVOKED"], rows))


@app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id (see `keys list`) or its secret.", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Revoke a key of any account; it fails at once on every running server. Revoking twice is harmless."""

    async def work(session: AsyncSession) -> ApiKey:
        found = await service.find(session, key)
        return await service.revoke(session, found.user_id, str(found.id))

    revoked = transact(open_database(create=False), work)
    if as_json:
        emit_json(key_out(revoked))
    else:
        typer.echo(f"revoked key {revoked.id} ({revoked.name}, {revoked.prefix}…{revoked.last4})")
