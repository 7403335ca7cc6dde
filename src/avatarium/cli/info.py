"""`avatarium info`: the effective configuration, with every secret hidden."""

from __future__ import annotations

import typer

from avatarium import __version__, overview
from avatarium.auth.tokens import secret_file
from avatarium.cli.output import JsonOption, emit_json, pairs, table
from avatarium.cli.runtime import database_status, load_settings
from avatarium.config import Settings


def _jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        return "from AVATARIUM_JWT_SECRET"
    path = secret_file(settings).expanduser().resolve()
    return f"generated, kept in {path}" + ("" if path.exists() else " (on first start)")


def info(as_json: JsonOption = False) -> None:
    """Print the effective configuration (secrets hidden) and where the data lives."""
    settings = load_settings()
    summary = {
        "version": __version__,
        "dataDir": str(overview.data_dir(settings)),
        "database": overview.database_location(settings),
        "databaseStatus": database_status(settings),
        "redis": overview.hide_secrets(settings.redis_url) if settings.redis_url else None,
        "jwtSecret": _jwt_secret(settings),
    }
    variables = overview.variables(settings)
    if as_json:
        settings_json = {v.name: {"value": v.value or None, "default": v.default} for v in variables}
        emit_json({**summary, "settings": settings_json})
        return
    typer.echo(
        pairs(
            [
                ("version", __version__),
                ("data directory", f"{summary['dataDir']}"),
                ("database", f"{summary['database']} ({summary['databaseStatus']})"),
                ("redis", str(summary["redis"] or "none: in-process")),
                ("JWT secret", str(summary["jwtSecret"])),
            ]
        )
    )
    typer.echo("")
    rows = [[v.name, v.value or "-", "default" if v.default else "environment"] for v in variables]
    typer.echo(table(["VARIABLE", "VALUE", "FROM"], rows))
