"""Data protection (PIPL): `kesheng privacy`."""

from __future__ import annotations

from typing import Annotated

import typer

from core.errors import KeshengError
from kesheng.cli.common import app, cli_principal, err, fail, load_settings, out

privacy_app = typer.Typer(help="Data protection (PIPL): retention and deletion requests.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("purge-audio")
def privacy_purge_audio(
    days: Annotated[float | None, typer.Option("--days", help="default: KESHENG_AUDIO_RETENTION_DAYS")] = None,
) -> None:
    """Delete audio older than the retention period now (the server also does this hourly)."""
    from pipeline.services import build_storage
    from store.privacy import purge_expired_audio

    settings = load_settings()
    days = days or settings.audio_retention_days
    if not days:
        err.print("[red]error:[/red] give --days or set KESHENG_AUDIO_RETENTION_DAYS")
        raise typer.Exit(2)
    db, store = build_storage(settings)
    out.print(f"deleted the audio of {purge_expired_audio(db, store, days)} recording(s) older than {days:g} days")


@privacy_app.command("delete-customer")
def privacy_delete_customer(
    customer: Annotated[str, typer.Argument(help="the customer's CRM id")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Delete one customer's audio, transcripts, tags and complaints (a PIPL deletion request)."""
    from pipeline.services import build_storage
    from store.privacy import delete_customer

    if not yes:
        typer.confirm(f"delete everything kept about customer {customer}?", abort=True)
    db, store = build_storage(load_settings())
    try:
        with db.transaction() as session:
            report, keys = delete_customer(session, customer, cli_principal())
    except KeshengError as exc:
        raise fail(exc) from exc
    for key in keys:
        store.delete(key)
    out.print(
        f"deleted {report.interactions} interaction(s), {report.utterances} utterance(s), "
        f"{report.complaints} complaint(s), {report.recordings} audio file(s)"
    )
