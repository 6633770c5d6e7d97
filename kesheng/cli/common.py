"""What every command module shares: the root app, consoles, settings and database access, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from core.errors import KeshengError
from core.settings import Settings, get_settings

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts fast
    from store.auth import Principal
    from store.db import Database


app = typer.Typer(
    help="kesheng (客声): voice of the customer for Mandarin-speaking businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

Roles = Annotated[str | None, typer.Option("--stereo-roles", help="role per channel, e.g. staff,customer")]


def load_settings() -> Settings:
    """The settings, or exit 2 with what is wrong in them."""
    try:
        return get_settings()
    except Exception as exc:  # pydantic's ValidationError: show it, not a traceback
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def redact_logs() -> None:
    """Every log handler set up so far drops personal data (the NLP's redactor)."""
    from core import logs
    from nlp.pii import redact

    logs.install(redact)


def open_database(settings: Settings) -> Database:
    """The configured database, migrated (imported on use: most commands need no database)."""
    from pipeline.services import open_database

    return open_database(settings)


def cli_principal() -> Principal:
    """Who acts from the command line, for the audit log: the operating-system user."""
    import getpass

    from store.auth import Principal

    return Principal(f"cli:{getpass.getuser()}"[:64], "admin", None)


def fail(exc: KeshengError) -> typer.Exit:
    """Print the error and give the exit to raise (status 1)."""
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)
