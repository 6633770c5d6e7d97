"""The capture agent (`kesheng agent`) and the devices it records from or is enrolled as (`kesheng devices`)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated

import typer
from rich.table import Table

from core.errors import KeshengError
from core.settings import Settings
from kesheng.cli.common import app, err, fail, load_settings, open_database, out, redact_logs

devices_app = typer.Typer(help="Audio input devices on this machine.", no_args_is_help=True)
app.add_typer(devices_app, name="devices")
agent_app = typer.Typer(help="The capture agent on a counter PC or field laptop.", no_args_is_help=True)
app.add_typer(agent_app, name="agent")


@devices_app.command("list")
def devices_list(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Input devices: PortAudio's, then the sound server's sources (Bluetooth headsets flagged)."""
    from audio_inputs import list_input_devices

    try:
        found = list_input_devices()
    except KeshengError as exc:
        raise fail(exc) from exc
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
    from store.devices import add_device

    settings = load_settings()
    db = open_database(settings)
    try:
        with db.transaction() as session:
            device, code = add_device(session, branch, counter, staff, settings.enrolment_hours)
            device_id = device.id
    except KeshengError as exc:
        raise fail(exc) from exc
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
    from capture.client import enrol
    from capture.enrolment import save_enrolment

    settings = load_settings()
    try:
        device_id, token = enrol(server, code, name)
    except KeshengError as exc:
        raise fail(exc) from exc
    path = save_enrolment(settings.agent_dir, server, device_id, token)
    err.print(f"enrolled; token stored in {path}")
    print(device_id)


@agent_app.command("status")
def agent_status(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON object")] = False,
) -> None:
    """What the agent's spool holds: utterances waiting, uploaded, quarantined, and the last error."""
    from capture.spool import Spool

    settings = load_settings()
    status = Spool(settings.agent_dir / "spool").status()
    if as_json:
        print(json.dumps(status, ensure_ascii=False))
        return
    for key, value in status.items():
        out.print(f"{key:12s} {value if value is not None else '-'}")


def _agent_credentials(settings: Settings, server: str | None, token: str | None) -> tuple[str, str, int]:
    """Server, token and device id: the options, else what `kesheng devices enrol` stored."""
    from capture.client import device_of_token
    from capture.enrolment import load_enrolment

    enrolment = load_enrolment(settings.agent_dir)
    server = server or (enrolment.server if enrolment else None)
    if not server:
        raise KeshengError("no --server given and this machine is not enrolled (`kesheng devices enrol`)")
    if token is None or (enrolment is not None and token == enrolment.token):
        if enrolment is None:
            raise KeshengError(f"not enrolled: run `kesheng devices enrol` or pass --token ({settings.agent_dir})")
        return server, enrolment.token, enrolment.device_id
    # A token given by hand: ask the server whose it is (needed for the idempotency keys).
    return server, token, device_of_token(server, token)


def _agent_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact_logs()


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
    settings = load_settings()
    if mode not in ("counter", "field"):
        raise fail(KeshengError("--mode must be counter or field"))
    if combine not in ("delay-sum", "best"):
        raise fail(KeshengError("--combine must be delay-sum or best"))
    try:
        mapping = ChannelMap.parse(channels) if channels else None
        url, device_token, device_id = _agent_credentials(settings, server, token)
    except KeshengError as exc:
        raise fail(exc) from exc
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
    settings = load_settings()
    try:
        url, device_token, _device_id = _agent_credentials(settings, server, token)
        spool = Spool(settings.agent_dir / "spool")
        spool.recover()
        uploader = Uploader(url, device_token, spool)
        result = uploader.drain(time.monotonic() + wait)
    except KeshengError as exc:
        raise fail(exc) from exc
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
