"""How commands answer: results on stdout (text or `--json`), notes and one-line errors on stderr.

Exit codes: 0 done; 1 failed (nothing to act on, a conflict, a missing database, a refusal);
2 usage (an option or value the command cannot take, including an invalid configuration).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy.exc import DBAPIError

from avatarium.errors import ApiError

T = TypeVar("T")

FAILURE = 1
USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON, for scripts.")]


def fail(message: str, code: int = FAILURE) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def note(message: str) -> None:
    typer.echo(message, err=True)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, *rows]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def pairs(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def refuse(exc: ApiError) -> NoReturn:
    """A service's refusal: a 400 means the command was given a value it cannot take."""
    fail(exc.message, USAGE if exc.status == 400 else FAILURE)


def check(*rules: Callable[[], object]) -> None:
    """Run the services' checks of the values given, before the database or a prompt is touched."""
    try:
        for rule in rules:
            rule()
    except ApiError as exc:
        refuse(exc)


def guarded(database: str, call: Callable[[], T]) -> T:
    """`call()`; the service's refusals and an unreachable database become one line and an exit code."""
    try:
        return call()
    except ApiError as exc:
        refuse(exc)
    except (DBAPIError, OSError) as exc:
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
        fail(f"cannot use the database {database}: {reason[0] if reason else type(exc).__name__}")
