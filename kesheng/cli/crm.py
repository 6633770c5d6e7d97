"""`kesheng crm pull` and `kesheng crm push`: customers and purchases from the CRM, cases to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import ConfigError, KeshengError
from kesheng.cli.common import app, fail, load_settings, open_database, out

if TYPE_CHECKING:
    import httpx

    from core.settings import Settings
    from crm.connector import Connector

crm_app = typer.Typer(help="The CRM: customers and their purchases in, complaint cases out.", no_args_is_help=True)
app.add_typer(crm_app, name="crm")
Crm = Annotated[str, typer.Option("--crm", help="which CRM: zoho or fxiaoke (纷享销客)")]


def connector(name: str, settings: Settings, http: httpx.Client) -> Connector:
    """The connector the settings configure for this CRM; a clear error naming what is missing."""
    from core.times import zone
    from crm.fxiaoke import FxiaokeConfig, FxiaokeConnector
    from crm.zoho import ZohoConfig, ZohoConnector

    if name == "fxiaoke":
        needed = ("app_id", "app_secret", "permanent_code", "open_user_id")
        _require(settings, "fxiaoke", needed, "a 纷享销客 app with CRM access")
        fx = FxiaokeConfig(
            settings.fxiaoke_url,
            settings.fxiaoke_app_id or "",
            settings.fxiaoke_app_secret or "",
            settings.fxiaoke_permanent_code or "",
            settings.fxiaoke_open_user_id or "",
            settings.fxiaoke_status_field,
        )
        return FxiaokeConnector(fx, http)
    if name != "zoho":
        raise ConfigError(f"--crm must be zoho or fxiaoke, not {name!r}")
    _require(settings, "zoho", ("client_id", "client_secret", "refresh_token"), "a Zoho self client with CRM scopes")
    config = ZohoConfig(
        settings.zoho_accounts_url,
        settings.zoho_client_id or "",
        settings.zoho_client_secret or "",
        settings.zoho_refresh_token or "",
        settings.zoho_customers,
    )
    return ZohoConnector(config, http, zone(settings.display_timezone))


def _require(settings: Settings, crm: str, keys: tuple[str, ...], what: str) -> None:
    missing = [f"KESHENG_{crm.upper()}_{key.upper()}" for key in keys if not getattr(settings, f"{crm}_{key}")]
    if missing:
        raise ConfigError(f"set {', '.join(missing)} ({what}) first")


@crm_app.command("pull")
def crm_pull(crm: Crm = "zoho") -> None:
    """Every customer and won deal the CRM has; then every customer's value and stage are scored again."""
    import httpx

    from crm.connector import CALL_ERRORS
    from crm.sync import pull

    settings = load_settings()
    try:
        with httpx.Client(timeout=30) as http:
            report = pull(open_database(settings), connector(crm, settings, http), settings.churn_days)
    except (KeshengError, *CALL_ERRORS) as exc:
        raise fail(exc if isinstance(exc, KeshengError) else KeshengError(f"{crm}: {exc}")) from exc
    out.print(f"{report.customers} customer(s), {report.purchases} new purchase(s); {report.scored} scored")


@crm_app.command("push")
def crm_push(crm: Crm = "zoho") -> None:
    """Cases the CRM has not got, and status changes of those it has (a case is created there once)."""
    import httpx

    from crm.sync import push

    settings = load_settings()
    try:
        with httpx.Client(timeout=30) as http:
            report = push(open_database(settings), connector(crm, settings, http))
    except KeshengError as exc:
        raise fail(exc) from exc
    out.print(f"{len(report.created)} case(s) created, {len(report.updated)} updated, {len(report.failed)} failed")
    for number, why in report.failed:
        out.print(f"  case {number}: {why}")
    if report.failed:
        raise typer.Exit(1)
