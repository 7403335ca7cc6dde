"""The `avatarium` command: thin over the services, one module per group of commands."""

from __future__ import annotations

import typer

from avatarium.cli import info, keys, serve, users

app = typer.Typer(
    help="Avatarium: a self-hostable Avatarium API server.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
db = typer.Typer(help="Database maintenance.", no_args_is_help=True)
db.command("upgrade")(serve.db_upgrade)
app.command()(serve.serve)
app.command()(info.info)
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(db, name="db")
