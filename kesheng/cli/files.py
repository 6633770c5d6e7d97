"""Transcribe, analyze and import files; list the complaint cases found in them."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from core.errors import KeshengError
from core.settings import parse_roles
from kesheng.cli.common import Roles, app, err, fail, load_settings, open_database, out

if TYPE_CHECKING:
    from store.models import Complaint


@app.command()
def transcribe(
    files: Annotated[list[Path], typer.Argument(help="audio files")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file and line")] = False,
    stereo_roles: Roles = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="branch code: its vocabulary section's terms become hotwords")
    ] = None,
) -> None:
    """Transcribe audio files (no database): stereo files are split per channel."""
    from transcribe import make_transcriber, transcribe_file

    settings = load_settings()
    try:
        roles = parse_roles(stereo_roles) if stereo_roles else None
        transcriber = make_transcriber(settings)
    except KeshengError as exc:
        raise fail(exc) from exc
    failed = 0
    for path in files:
        try:
            result = transcribe_file(path, transcriber, settings, roles, branch=branch)
        except KeshengError as exc:
            failed += 1
            err.print(f"[red]error:[/red] {exc}")
            if as_json:
                print(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False), flush=True)
            continue
        if as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            out.print(f"[bold]{path}[/bold] ({result.duration:.1f} s, {result.language})")
            for s in result.segments:
                out.print(f"  [{s.start:6.2f}-{s.end:6.2f}] ch{s.channel} {s.role:8s} {s.text}")
    if failed:
        raise typer.Exit(1)


@app.command()
def analyze(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per input line")] = False,
    cases: Annotated[
        bool, typer.Option("--cases", help="after each conversation's last line, its complaint case (JSON lines)")
    ] = False,
) -> None:
    """Analyse lines from stdin: plain text, or JSON {"conversation", "role", "text"} lines analysed as conversations.

    Blank lines are skipped. A line that cannot be analysed (malformed JSON, not UTF-8, binary, over
    10,000 characters) gets {"line": N, "error": ...} in its place and the rest are answered; the exit
    code is then 1.
    """
    from rich.markup import escape

    from nlp.analyzer import Analyzer
    from nlp.lines import analyse_stream

    settings = load_settings()
    try:
        analyzer = Analyzer.from_settings(
            settings.nlp_model_dir,
            settings.vocabulary_path,
            settings.trained_model_file,
            settings.complaint_threshold,
            settings.complaint_evidence_threshold,
        )
    except KeshengError as exc:
        raise fail(exc) from exc
    failed = 0
    for result in analyse_stream(analyzer, sys.stdin.buffer, cases=cases):
        if "error" in result:
            failed += 1
            err.print(f"[red]line {result['line']}:[/red] {result['error']}")
        if jsonl or cases:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif "case" in result:
            continue
        elif "error" not in result:
            c = result["complaint"]
            flag = (
                f"[red]complaint {c['severity']}/{c['category']} {c['score']:.2f}[/red]"
                if c["flag"]
                else "no complaint"
            )
            out.print(
                f"{escape(result['redacted'])}\n  {result['role']} · {result['sentiment']['label']} "
                f"{result['sentiment']['score']:.2f} · {result['intent']['label']} {result['intent']['score']:.2f} · "
                f"{flag} · {escape(' '.join(result['keywords']))}",
                highlight=False,
            )
    if failed:
        raise typer.Exit(1)


@app.command(name="import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="files, folders (recursive) or CSV manifests")],
    customer: Annotated[str | None, typer.Option(help="customer id in your CRM")] = None,
    branch: Annotated[str | None, typer.Option(help="branch code")] = None,
    channel: Annotated[str, typer.Option(help="call | counter | field")] = "call",
    stereo_roles: Roles = None,
    server: Annotated[str | None, typer.Option(help="upload to a running server instead")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="KESHENG_API_KEY", help="for --server")] = None,
) -> None:
    """Import recordings: processed here with a progress bar, or uploaded to --server."""
    from core.times import zone
    from kesheng.importing import import_local, import_remote
    from kesheng.sources import expand
    from pipeline.params import ImportRequest

    settings = load_settings()
    if channel not in ("call", "counter", "field"):
        raise fail(KeshengError("--channel must be call, counter or field"))
    try:
        defaults = ImportRequest(
            customer=customer, branch=branch, channel=channel, roles=parse_roles(stereo_roles) if stereo_roles else None
        )
        items = expand(paths, defaults, zone(settings.display_timezone))
    except KeshengError as exc:
        raise fail(exc) from exc
    if not items:
        raise fail(KeshengError("no audio files found in the given paths"))
    if server:
        rows = import_remote(items, server, api_key or settings.api_key, err)
    else:
        rows = import_local(items, settings, err)
    table = Table(title="import summary")
    for column in ("file", "status", "duration", "utterances", "complaints", "detail"):
        table.add_column(column)
    for row in rows:
        style = {"done": "green", "duplicate": "cyan", "failed": "red", "dead": "red"}.get(row.status, "")
        table.add_row(
            row.file,
            f"[{style}]{row.status}[/{style}]" if style else row.status,
            f"{row.duration:.1f} s" if row.duration else "",
            str(row.utterances or ""),
            str(row.complaints or ""),
            row.detail,
        )
    out.print(table)
    if any(r.status in ("failed", "dead") for r in rows):
        raise typer.Exit(1)


CASE_COLUMNS = ("id", "occurred_at", "due_at", "customer", "branch", "severity", "category", "status", "text")


def _case_json(c: Complaint) -> dict[str, object]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": c.id,
        "customer": c.customer.external_id if c.customer else None,
        "branch": c.branch.code if c.branch else None,
        "staff": c.interaction.staff,
        "severity": c.severity,
        "category": c.category,
        "status": c.status,
        "occurred_at": iso(c.occurred_at),
        "due_at": iso(c.due_at),
        "evidence": [e.utterance.text for e in c.evidence],
        "last_contact_at": iso(c.last_contact_at),
        "contacts": c.contacts,
        "assignee": c.assignee,
        "text": c.text,
        "interaction_id": c.interaction_id,
        "created_at": iso(c.created_at),
    }


@app.command()
def cases(
    status: Annotated[str | None, typer.Option(help="new | in_review | resolved | dismissed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """List complaint cases from the local database, the latest to have happened first."""
    from store.cases import ComplaintFilter, list_complaints

    settings = load_settings()
    db = open_database(settings)
    try:
        with db.transaction() as session:
            rows, _total = list_complaints(session, ComplaintFilter(status=status, limit=10_000))
            items = [_case_json(c) for c in rows]
    except KeshengError as exc:
        raise fail(exc) from exc
    if as_json:
        print(json.dumps(items, ensure_ascii=False))
        return
    table = Table(title=f"cases ({len(items)})")
    for column in CASE_COLUMNS:
        table.add_column(column)
    for c in items:
        when = {k: str(c[k] or "")[:16].replace("T", " ") for k in ("occurred_at", "due_at")}
        table.add_row(*(when.get(k) or str(c[k] or "") for k in CASE_COLUMNS))
    out.print(table)


@app.command(help="The same as `kesheng cases` (its name before complaints became cases).")
def complaints(
    status: Annotated[str | None, typer.Option(help="new | in_review | resolved | dismissed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    cases(status, as_json)
