"""`avatarium users …`: accounts, as an operator sees them."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from avatarium.accounts import repository, service
from avatarium.accounts.repository import Holdings
from avatarium.accounts.schemas import user_out
from avatarium.cli.output import FAILURE, USAGE, JsonOption, check, emit_json, fail, pairs, table
from avatarium.cli.runtime import open_database, transact
from avatarium.config import Settings
from avatarium.db.models import User
from avatarium.envelope import iso

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)

EmailArgument = Annotated[str, typer.Argument(help="The account's email address.", show_default=False)]
TierOption = Annotated[str, typer.Option(help="free, creator, pro or enterprise.")]
RateOption = Annotated[
    int | None, typer.Option("--rate-limit", help="Requests per minute; enterprise tier only.", show_default=False)
]


def _read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        fail("give --password or --password-stdin, not both", USAGE)
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("no password on standard input", USAGE)
        return line
    if password is not None:
        return password
    if not sys.stdin.isatty():
        fail("no terminal to ask for a password on: pass --password-stdin (or --password)", USAGE)
    secret: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return secret


def _wire(settings: Settings, user: User, held: Holdings | None = None) -> dict[str, object]:
    data = user_out(user, settings.enterprise_rate_limit)
    if held is not None:
        data |= {"apiKeys": held.keys, "activeApiKeys": held.active_keys, "conversations": held.conversations}
    return data


def _describe(settings: Settings, user: User, held: Holdings) -> str:
    wire = _wire(settings, user)
    return pairs(
        [
            ("email", user.email),
            ("id", str(user.id)),
            ("tier", f"{user.tier}, {wire['rateLimit']} requests/min"),
            ("created", iso(user.created_at)),
            ("API keys", f"{held.keys} ({held.active_keys} active)"),
            ("conversations", str(held.conversations)),
        ]
    )


@app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Email address.", show_default=False)],
    password: Annotated[
        str | None, typer.Option(help="At least 8 characters; leave out to be asked twice.", show_default=False)
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    tier: TierOption = "free",
    rate_limit: RateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user account (and the database, if there is none yet)."""
    check(lambda: service.normalise_email(email), lambda: service.check_tier(tier, rate_limit))
    secret = _read_password(password, password_stdin)
    settings = open_database(create=True)
    user = transact(settings, lambda s: service.create_user(s, email, secret, tier, rate_limit))
    if as_json:
        emit_json(_wire(settings, user))
    else:
        typer.echo(f"created user {user.id} ({user.email}, {user.tier})")


@app.command("set-tier")
def set_tier(email: EmailArgument, tier: str, rate_limit: RateOption = None, as_json: JsonOption = False) -> None:
    """Change a user's tier (and, on enterprise, the requests per minute)."""
    check(lambda: service.normalise_email(email), lambda: service.check_tier(tier, rate_limit))
    settings = open_database(create=False)
    user = transact(settings, lambda s: service.set_tier(s, email, tier, rate_limit))
    if as_json:
        emit_json(_wire(settings, user))
    else:
        typer.echo(f"{user.email} is now {user.tier}, {_wire(settings, user)['rateLimit']} requests/min")


@app.command("list")
def list_users(as_json: JsonOption = False) -> None:
    """List every account."""
    settings = open_database(create=False)
    users = transact(settings, repository.every)
    if as_json:
        emit_json([_wire(settings, u) for u in users])
        return
    rows = [[u.email, u.tier, str(_wire(settings, u)["rateLimit"]), iso(u.created_at), str(u.id)] for u in users]
    typer.echo(table(["EMAIL", "TIER", "LIMIT/MIN", "CREATED", "ID"], rows))


async def _with_holdings(session: AsyncSession, email: str) -> tuple[User, Holdings]:
    user = await service.find(session, email)
    return user, await repository.holdings(session, user.id)


@app.command("show")
def show(email: EmailArgument, as_json: JsonOption = False) -> None:
    """Show an account: tier, limit, how many keys and conversations it has."""
    check(lambda: service.normalise_email(email))
    settings = open_database(create=False)
    user, held = transact(settings, lambda s: _with_holdings(s, email))
    if as_json:
        emit_json(_wire(settings, user, held))
    else:
        typer.echo(_describe(settings, user, held))


@app.command("delete")
def delete(
    email: EmailArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete an account with its API keys and conversations; its keys and tokens stop working at once."""
    check(lambda: service.normalise_email(email))
    settings = open_database(create=False)
    user, held = transact(settings, lambda s: _with_holdings(s, email))
    if not yes:
        question = (
            f"Delete {user.email} with its {held.keys} API keys and {held.conversations} conversations? "
            "This cannot be undone"
        )
        try:
            confirmed = typer.confirm(question, default=False)
        except typer.Abort:
            confirmed = False
        if not confirmed:
            fail("nothing deleted (pass --yes to skip the question)", FAILURE)
    transact(settings, lambda s: service.delete_user(s, email))
    if as_json:
        emit_json(_wire(settings, user, held))
    else:
        typer.echo(f"deleted {user.email}, {held.keys} API keys and {held.conversations} conversations")
