"""The `kesheng` command line."""

from __future__ import annotations

import json
import logging
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.errors import KeshengError
from core.settings import Settings, get_settings, parse_roles

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts fast
    import threading

    from pipeline.importer import Services
    from pipeline.worker import Lane
    from store.auth import Principal
    from store.db import Database

app = typer.Typer(
    help="kesheng (客声): voice of the customer for Mandarin-speaking businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
nlp_app = typer.Typer(help="NLP models.", no_args_is_help=True)
app.add_typer(nlp_app, name="nlp")
devices_app = typer.Typer(help="Audio input devices on this machine.", no_args_is_help=True)
app.add_typer(devices_app, name="devices")
users_app = typer.Typer(help="People who sign in: roles, branches, API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
branches_app = typer.Typer(help="Branches and the regions managers can be scoped to.", no_args_is_help=True)
app.add_typer(branches_app, name="branches")
privacy_app = typer.Typer(help="Data protection (PIPL): retention and deletion requests.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
agent_app = typer.Typer(help="The capture agent on a counter PC or field laptop.", no_args_is_help=True)
app.add_typer(agent_app, name="agent")
err = Console(stderr=True)
out = Console()

Roles = Annotated[str | None, typer.Option("--stereo-roles", help="role per channel, e.g. staff,customer")]


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic's ValidationError: show it, not a traceback
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _open_database(settings: Settings) -> Database:
    from pipeline.services import open_database

    return open_database(settings)


def _cli_principal() -> Principal:
    """Who acts from the command line, for the audit log: the operating-system user."""
    import getpass

    from store.auth import Principal

    return Principal(f"cli:{getpass.getuser()}"[:64], "admin", None)


def _fail(exc: KeshengError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


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

    settings = _settings()
    try:
        roles = parse_roles(stereo_roles) if stereo_roles else None
        transcriber = make_transcriber(settings)
    except KeshengError as exc:
        raise _fail(exc) from exc
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

    settings = _settings()
    try:
        analyzer = Analyzer.from_settings(
            settings.nlp_model_dir,
            settings.vocabulary_path,
            settings.trained_model_file,
            settings.complaint_threshold,
            settings.complaint_evidence_threshold,
        )
    except KeshengError as exc:
        raise _fail(exc) from exc
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
    from kesheng.importing import import_local, import_remote
    from kesheng.sources import expand
    from pipeline.importer import ImportRequest

    settings = _settings()
    if channel not in ("call", "counter", "field"):
        raise _fail(KeshengError("--channel must be call, counter or field"))
    try:
        defaults = ImportRequest(
            customer=customer, branch=branch, channel=channel, roles=parse_roles(stereo_roles) if stereo_roles else None
        )
        items = expand(paths, defaults)
    except KeshengError as exc:
        raise _fail(exc) from exc
    if not items:
        raise _fail(KeshengError("no audio files found in the given paths"))
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Run the API (docs at /docs) with the embedded worker pool."""
    import uvicorn

    from api.app import create_app

    settings = _settings()
    if not settings.api_key:
        key_file = settings.data_dir / "api_key"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(24))
            key_file.chmod(0o600)
        settings = settings.model_copy(update={"api_key": key_file.read_text().strip()})
        err.print(f"API key (from {key_file}; set KESHENG_API_KEY to choose one): {settings.api_key}")
    _hint_first_user(settings, host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from core import logs
    from nlp.pii import redact

    logs.install(redact)
    uvicorn.run(create_app(settings), host=host, port=port)


def _hint_first_user(settings: Settings, host: str, port: int) -> None:
    from sqlalchemy import func, select

    from store.models import User

    with _open_database(settings).transaction() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
    err.print(f"review workspace: http://{host}:{port}/")
    if not users:
        err.print("no users yet; add the first one with: kesheng users add admin --role admin")


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="worker threads per process")] = 1,
    processes: Annotated[int, typer.Option(help="worker processes on this machine")] = 1,
    queue: Annotated[
        str,
        typer.Option(
            help="which jobs: all (live utterances first, then imports), live (keeps counters fast "
            "next to long imports), or imports"
        ),
    ] = "all",
) -> None:
    """Run workers without the API, against KESHENG_DATABASE_URL; run it on as many machines as you like."""
    import signal
    import subprocess
    import threading

    from pipeline.worker import Lane

    if threads < 1 or processes < 1:
        raise _fail(KeshengError("--threads and --processes must be at least 1"))
    if queue not in Lane.__members__:
        raise _fail(KeshengError(f"--queue must be all, live or imports, not {queue!r}"))
    lane = Lane(queue)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from core import logs
    from nlp.pii import redact

    logs.install(redact)
    if processes > 1:  # one process each: every process loads its own model and decodes in parallel
        command = [sys.executable, "-m", "kesheng.cli", "worker", "--threads", str(threads), "--queue", queue]
        children = [subprocess.Popen(command) for _ in range(processes)]

        def forward(signum: int, _frame: object) -> None:
            for child in children:
                child.send_signal(signum)

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, forward)
        codes = [c.wait() for c in children]
        raise typer.Exit(max(codes))
    from pipeline.services import build_services
    from pipeline.worker import WorkerPool

    settings = _settings()
    try:
        services = build_services(settings)
    except KeshengError as exc:
        raise _fail(exc) from exc
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    where = services.db.engine.url.render_as_string()
    if settings.broker_url:
        _dramatiq_worker(services, threads, stop, lane)
        return
    pool = WorkerPool(services, threads, settings.poll_interval, lane)
    pool.start()
    err.print(f"worker: {threads} thread(s) polling {where} for {lane.value} jobs; Ctrl-C stops")
    stop.wait()
    err.print("stopping: finishing the current job(s)")
    pool.stop(timeout=600)


def _dramatiq_worker(services: Services, threads: int, stop: threading.Event, lane: Lane) -> None:
    """Consume the Dramatiq queues; re-send messages for jobs that waited too long (lost or orphaned)."""
    import dramatiq

    from pipeline.broker import lane_queues, resend_stale, setup

    settings = services.settings
    broker = setup(settings, services_factory=lambda: services, lane=lane)
    consumer = dramatiq.Worker(broker, queues=lane_queues(lane), worker_threads=threads)
    consumer.start()
    err.print(f"worker: {threads} thread(s) on {settings.broker_url} (Dramatiq) for {lane.value} jobs; Ctrl-C stops")
    while not stop.wait(settings.job_lease_seconds / 2):
        try:
            resent = resend_stale(services, older_than=settings.job_lease_seconds)
        except Exception:  # the database or the broker is down for a moment; try at the next round
            logging.getLogger(__name__).warning("could not re-send stale jobs", exc_info=True)
            continue
        if resent:
            logging.getLogger(__name__).info("re-sent %d job(s) that waited too long", resent)
    err.print("stopping: finishing the current job(s)")
    consumer.stop(timeout=600_000)


@app.command()
def complaints(
    status: Annotated[str | None, typer.Option(help="new | in_review | resolved | dismissed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """List complaints from the local database, newest first."""
    from pipeline.services import open_database
    from store.repository import ComplaintFilter, list_complaints

    settings = _settings()
    db = open_database(settings)
    try:
        with db.transaction() as session:
            rows, _total = list_complaints(session, ComplaintFilter(status=status, limit=10_000))
            items = [
                {
                    "id": c.id,
                    "customer": c.customer.external_id if c.customer else None,
                    "branch": c.branch.code if c.branch else None,
                    "severity": c.severity,
                    "category": c.category,
                    "status": c.status,
                    "assignee": c.assignee,
                    "text": c.text,
                    "interaction_id": c.interaction_id,
                    "created_at": c.created_at.isoformat(),
                }
                for c in rows
            ]
    except KeshengError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(json.dumps(items, ensure_ascii=False))
        return
    table = Table(title=f"complaints ({len(items)})")
    for column in ("id", "customer", "branch", "severity", "category", "status", "text"):
        table.add_column(column)
    for c in items:
        table.add_row(
            *(str(c[k] or "") for k in ("id", "customer", "branch", "severity", "category", "status", "text"))
        )
    out.print(table)


@devices_app.command("list")
def devices_list(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Input devices: PortAudio's, then the sound server's sources (Bluetooth headsets flagged)."""
    from devices import list_input_devices

    try:
        found = list_input_devices()
    except KeshengError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(json.dumps([d.to_json() for d in found], ensure_ascii=False))
        return
    table = Table(title=f"input devices ({len(found)})")
    for column in ("index", "name", "host API", "channels", "rate", "bluetooth"):
        table.add_column(column)
    for d in found:
        table.add_row(
            "" if d.index is None else str(d.index),
            d.name,
            d.hostapi,
            str(d.channels),
            f"{d.default_samplerate:.0f}",
            "yes" if d.bluetooth else "",
        )
    out.print(table)


@devices_app.command("add")
def devices_add(
    branch: Annotated[str, typer.Option(help="branch code")],
    counter: Annotated[str | None, typer.Option(help="counter / window")] = None,
    staff: Annotated[str | None, typer.Option(help="staff member")] = None,
) -> None:
    """Register a device in the local database; prints its one-time enrolment code on the last line."""
    from pipeline.services import open_database
    from store.devices import add_device

    settings = _settings()
    db = open_database(settings)
    try:
        with db.transaction() as session:
            device, code = add_device(session, branch, counter, staff, settings.enrolment_hours)
            device_id = device.id
    except KeshengError as exc:
        raise _fail(exc) from exc
    err.print(f"device {device_id} for branch {branch}; enrol it within {settings.enrolment_hours:g} h with:")
    err.print(f"  kesheng devices enrol --server URL --code {code}")
    print(code)


@devices_app.command("enrol")
def devices_enrol(
    server: Annotated[str, typer.Option(help="the kesheng server, e.g. http://kesheng:8000")],
    code: Annotated[str, typer.Option(help="the one-time enrolment code")],
    name: Annotated[str | None, typer.Option(help="a name for this device")] = None,
) -> None:
    """Enrol this machine: stores the device token in KESHENG_AGENT_DIR and prints the device id."""
    import httpx

    from kesheng.agent_store import save_enrolment
    from kesheng.importing import server_detail

    settings = _settings()
    try:
        response = httpx.post(
            f"{server.rstrip('/')}/api/v1/devices/enrol", json={"code": code, "name": name}, timeout=30
        )
    except httpx.HTTPError as exc:
        raise _fail(KeshengError(f"cannot reach {server}: {exc}")) from exc
    if response.status_code != 200:
        raise _fail(KeshengError(f"enrolment refused ({response.status_code}): {server_detail(response)}"))
    body = response.json()
    path = save_enrolment(settings.agent_dir, server, body["device_id"], body["token"])
    err.print(f"enrolled; token stored in {path}")
    print(body["device_id"])


@agent_app.command("status")
def agent_status(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON object")] = False,
) -> None:
    """What the agent's spool holds: utterances waiting, uploaded, quarantined, and the last error."""
    from capture.spool import Spool

    settings = _settings()
    status = Spool(settings.agent_dir / "spool").status()
    if as_json:
        print(json.dumps(status, ensure_ascii=False))
        return
    for key, value in status.items():
        out.print(f"{key:12s} {value if value is not None else '-'}")


def _agent_credentials(settings: Settings, server: str | None, token: str | None) -> tuple[str, str, int]:
    """Server, token and device id: the options, else what `kesheng devices enrol` stored."""
    import httpx

    from kesheng.agent_store import load_enrolment
    from kesheng.importing import server_detail

    enrolment = load_enrolment(settings.agent_dir)
    server = server or (enrolment.server if enrolment else None)
    if not server:
        raise KeshengError("no --server given and this machine is not enrolled (`kesheng devices enrol`)")
    if token is None or (enrolment is not None and token == enrolment.token):
        if enrolment is None:
            raise KeshengError(f"not enrolled: run `kesheng devices enrol` or pass --token ({settings.agent_dir})")
        return server, enrolment.token, enrolment.device_id
    try:  # a token given by hand: ask the server whose it is (needed for the idempotency keys)
        response = httpx.get(
            f"{server.rstrip('/')}/api/v1/devices/me", headers={"Authorization": f"Bearer {token}"}, timeout=15
        )
    except httpx.HTTPError as exc:
        raise KeshengError(f"cannot reach {server} to check --token ({exc}); enrol once online instead") from exc
    if response.status_code != 200:
        raise KeshengError(f"the server refused --token ({response.status_code}): {server_detail(response)}")
    return server, token, int(response.json()["id"])


def _agent_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from core import logs
    from nlp.pii import redact

    logs.install(redact)


@agent_app.command("run")
def agent_run(
    device: Annotated[str, typer.Option(help="input device NAME or INDEX (see `kesheng devices list`)")],
    server: Annotated[str | None, typer.Option(help="the kesheng server; default: the enrolled one")] = None,
    token: Annotated[str | None, typer.Option(help="device token; default: the enrolled one")] = None,
    mode: Annotated[str, typer.Option(help="counter | field")] = "counter",
    channels: Annotated[
        str | None,
        typer.Option(help="channel map for a mic array, e.g. 'staff=0;customer=1,2,3' (channels from 0)"),
    ] = None,
    combine: Annotated[str, typer.Option(help="how one side's channels are combined: delay-sum | best")] = "delay-sum",
    customer: Annotated[
        str | None, typer.Option(help="customer id (queue ticket / CRM id); type a new one on stdin to switch")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Capture from a device, cut utterances, spool them durably and upload them; stops on SIGTERM/SIGINT."""
    import signal
    import threading

    from capture.agent import Agent, AgentConfig
    from capture.channels import ChannelMap
    from capture.source import DeviceSource
    from capture.spool import Spool
    from capture.uploader import Uploader

    _agent_logging(verbose)
    settings = _settings()
    if mode not in ("counter", "field"):
        raise _fail(KeshengError("--mode must be counter or field"))
    if combine not in ("delay-sum", "best"):
        raise _fail(KeshengError("--combine must be delay-sum or best"))
    try:
        mapping = ChannelMap.parse(channels) if channels else None
        url, device_token, device_id = _agent_credentials(settings, server, token)
    except KeshengError as exc:
        raise _fail(exc) from exc
    spool = Spool(settings.agent_dir / "spool")
    source = DeviceSource(device, channels=mapping.width if mapping else None)
    config = AgentConfig(device_id=device_id, mode=mode, channel_map=mapping, combine=combine, customer=customer)  # type: ignore[arg-type]
    agent = Agent(config, spool, source, Uploader(url, device_token, spool))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: agent.stop())
    if mode == "counter":  # staff type the next customer's ticket / CRM id, one per line

        def read_customers() -> None:
            for line in sys.stdin:
                if line.strip():
                    agent.set_customer(line.strip())

        threading.Thread(target=read_customers, name="kesheng-customers", daemon=True).start()
    err.print(f"agent for device {device_id}: {device} → {url} (spool {spool.root}); Ctrl-C stops")
    code = agent.run()
    status = spool.status()
    err.print(f"stopped: {agent.spooled} utterance(s) captured, {status['spooled']} waiting in the spool")
    if code:
        err.print(f"[red]error:[/red] {status['last_error']}")
    raise typer.Exit(code)


@agent_app.command("upload")
def agent_upload(
    server: Annotated[str | None, typer.Option(help="the kesheng server; default: the enrolled one")] = None,
    token: Annotated[str | None, typer.Option(help="device token; default: the enrolled one")] = None,
    wait: Annotated[float, typer.Option(help="keep retrying this many seconds while the server is unreachable")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON summary")] = False,
) -> None:
    """Upload what the spool holds (after a field visit with no network); exit 1 if anything is left."""
    import time

    from capture.spool import Spool
    from capture.uploader import Uploader

    _agent_logging(False)
    settings = _settings()
    try:
        url, device_token, _device_id = _agent_credentials(settings, server, token)
        spool = Spool(settings.agent_dir / "spool")
        spool.recover()
        uploader = Uploader(url, device_token, spool)
        result = uploader.drain(time.monotonic() + wait)
    except KeshengError as exc:
        raise _fail(exc) from exc
    status = spool.status()
    summary = {"uploaded": result.sent, "rejected": result.rejected} | {
        k: status[k] for k in ("spooled", "quarantined", "last_error")
    }
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        err.print(
            f"uploaded {result.sent}, quarantined {result.rejected}, {status['spooled']} left"
            + (f" ({result.error})" if result.error else "")
        )
    raise typer.Exit(1 if status["spooled"] else 0)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="the sign-in name")],
    role: Annotated[str, typer.Option("--role", help="admin | cx_manager | counter_staff | auditor")],
    branch: Annotated[
        list[str] | None, typer.Option("--branch", help="branch code a cx_manager/counter_staff sees (repeatable)")
    ] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="every branch of a region (repeatable)")] = None,
    password: Annotated[str | None, typer.Option("--password", help="prompted for (hidden) when not given")] = None,
) -> None:
    """Add a user to the local database."""
    from store.audit import record
    from store.auth import add_user, scope_names

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    db = _open_database(_settings())
    try:
        with db.transaction() as session:
            user = add_user(session, username, role, password, branch or [], region or [])
            scopes = ", ".join(scope_names(user)) or "every branch"
            record(session, _cli_principal(), "user.create", "user", user.id, None, role=role, scopes=scope_names(user))
    except KeshengError as exc:
        raise _fail(exc) from exc
    out.print(f"added {user.username} ({user.role}; {scopes})")


@branches_app.command("set")
def branches_set(
    code: Annotated[str, typer.Argument(help="branch code, as devices and imports name it")],
    name: Annotated[str | None, typer.Option("--name", help="display name")] = None,
    region: Annotated[str | None, typer.Option("--region", help="region; `users add --region` scopes to it")] = None,
) -> None:
    """Create a branch or change its name and region."""
    from store.repository import set_branch

    try:
        with _open_database(_settings()).transaction() as session:
            branch = set_branch(session, code, name, region)
            out.print(f"{branch.code}: {branch.name or '-'} ({branch.region or 'no region'})")
    except KeshengError as exc:
        raise _fail(exc) from exc


@users_app.command("token")
def users_token(username: Annotated[str, typer.Argument(help="whose token")]) -> None:
    """Print a new API bearer token for a user (on the last line; shown once, stored hashed)."""
    from store.audit import record
    from store.auth import get_user, issue_token

    db = _open_database(_settings())
    try:
        with db.transaction() as session:
            user = get_user(session, username)
            token, row = issue_token(session, user, "api")
            record(session, _cli_principal(), "user.token", "user", user.id, None, token_id=row.id)
    except KeshengError as exc:
        raise _fail(exc) from exc
    err.print(f"API token for {username} (send as Authorization: Bearer ...):")
    print(token)


@users_app.command("list")
def users_list() -> None:
    """Every user with role and branches."""
    from sqlalchemy import select

    from store.auth import scope_names
    from store.models import User

    db = _open_database(_settings())
    table = Table("user", "role", "scope", "active")
    with db.transaction() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            table.add_row(user.username, user.role, ", ".join(scope_names(user)) or "all", str(user.active))
    out.print(table)


@privacy_app.command("purge-audio")
def privacy_purge_audio(
    days: Annotated[float | None, typer.Option("--days", help="default: KESHENG_AUDIO_RETENTION_DAYS")] = None,
) -> None:
    """Delete audio older than the retention period now (the server also does this hourly)."""
    from pipeline.services import build_storage
    from store.privacy import purge_expired_audio

    settings = _settings()
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
    db, store = build_storage(_settings())
    try:
        with db.transaction() as session:
            report, keys = delete_customer(session, customer, _cli_principal())
    except KeshengError as exc:
        raise _fail(exc) from exc
    for key in keys:
        store.delete(key)
    out.print(
        f"deleted {report.interactions} interaction(s), {report.utterances} utterance(s), "
        f"{report.complaints} complaint(s), {report.recordings} audio file(s)"
    )


@nlp_app.command("train")
def nlp_train(
    output: Annotated[
        Path | None, typer.Option("--output", help="default: DATA_DIR/models/nlp.joblib, which the service loads")
    ] = None,
    corrections: Annotated[
        bool, typer.Option("--corrections/--no-corrections", help="learn from reviewers' tag fixes in the database")
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="replace the models even if worse on the held-out sets")
    ] = False,
) -> None:
    """Retrain with the reviewers' tag fixes; the new models replace the current ones only if not worse.

    Works offline. The replaced models are kept (`kesheng nlp restore` brings them back); refused
    ones are written beside them as *.refused.joblib. Exit code 1 when the new models were refused.
    """
    from nlp.evaluate import measured_on
    from nlp.train import retrain
    from store.corrections import labelled_corrections

    settings = _settings()
    output = output or settings.trained_model_file
    data: dict[str, list[tuple[str, str]]] = {}
    if corrections:
        with _open_database(settings).transaction() as session:
            data = labelled_corrections(session)
    count = sum(len(pairs) for pairs in data.values())
    err.print(f"{count} reviewer correction(s): " + ", ".join(f"{k} {len(v)}" for k, v in data.items() if v))
    with err.status("training and measuring on the held-out sets (a few minutes)..."):
        result = retrain(output, data, force=force)
    table = Table("measured on", "metric", "before", "after", "change")
    for name, values in result.after.items():
        for metric, value in values.items():
            if metric == "n":
                continue
            old = result.before[name][metric]
            table.add_row(measured_on(name), metric, f"{old:.4f}", f"{value:.4f}", f"{value - old:+.4f}")
    out.print(table)
    if not result.accepted:
        err.print(
            f"[red]refused:[/red] worse on {', '.join(result.worse)}; current models kept, new ones in {result.written}"
        )
        raise typer.Exit(1)
    out.print(f"wrote {output}; the service uses it from its next start (`kesheng nlp restore` undoes this)")


@nlp_app.command("restore")
def nlp_restore(
    output: Annotated[Path | None, typer.Option("--output", help="default: DATA_DIR/models/nlp.joblib")] = None,
) -> None:
    """Put back the models the last `kesheng nlp train` replaced."""
    from nlp.train import restore

    settings = _settings()
    restored = restore(output or settings.trained_model_file)
    out.print(f"restored {restored}" if restored else "the shipped models are active again")


if __name__ == "__main__":
    app()
