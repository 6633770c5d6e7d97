"""People and places: `kesheng users`, `kesheng branches` and `kesheng customers`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.errors import KeshengError
from kesheng.cli.common import app, cli_principal, err, fail, load_settings, open_database, out

users_app = typer.Typer(help="People who sign in: roles, branches, API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
branches_app = typer.Typer(help="Branches and the regions managers can be scoped to.", no_args_is_help=True)
app.add_typer(branches_app, name="branches")
customers_app = typer.Typer(help="Customers' purchases, value tier and lifecycle stage.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")


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
    db = open_database(load_settings())
    try:
        with db.transaction() as session:
            user = add_user(session, username, role, password, branch or [], region or [])
            scopes = ", ".join(scope_names(user)) or "every branch"
            record(session, cli_principal(), "user.create", "user", user.id, None, role=role, scopes=scope_names(user))
    except KeshengError as exc:
        raise fail(exc) from exc
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
        with open_database(load_settings()).transaction() as session:
            branch = set_branch(session, code, name, region)
            out.print(f"{branch.code}: {branch.name or '-'} ({branch.region or 'no region'})")
    except KeshengError as exc:
        raise fail(exc) from exc


@users_app.command("token")
def users_token(username: Annotated[str, typer.Argument(help="whose token")]) -> None:
    """Print a new API bearer token for a user (on the last line; shown once, stored hashed)."""
    from store.audit import record
    from store.auth import get_user, issue_token

    db = open_database(load_settings())
    try:
        with db.transaction() as session:
            user = get_user(session, username)
            token, row = issue_token(session, user, "api")
            record(session, cli_principal(), "user.token", "user", user.id, None, token_id=row.id)
    except KeshengError as exc:
        raise fail(exc) from exc
    err.print(f"API token for {username} (send as Authorization: Bearer ...):")
    print(token)


@users_app.command("list")
def users_list() -> None:
    """Every user with role and branches."""
    from store.auth import list_users, scope_names

    db = open_database(load_settings())
    table = Table("user", "role", "scope", "active")
    with db.transaction() as session:
        for user in list_users(session):
            table.add_row(user.username, user.role, ", ".join(scope_names(user)) or "all", str(user.active))
    out.print(table)


@customers_app.command("import")
def customers_import(
    csv_file: Annotated[Path, typer.Argument(help="CSV: customer, occurred_at, amount, and optionally id")],
) -> None:
    """Add purchases (a row read before is skipped), then score every customer's value and stage."""
    from core.times import zone
    from kesheng.sources import read_purchases
    from store.customer_value import add_purchases, rescore

    settings = load_settings()
    try:
        rows, problems = read_purchases(csv_file, zone(settings.display_timezone))
    except KeshengError as exc:
        raise fail(exc) from exc
    for problem in problems:
        err.print(f"[yellow]skipped[/yellow] {problem}")
    db = open_database(settings)
    with db.transaction() as session:
        added = add_purchases(session, rows)
        scored = rescore(session, churn_days=settings.churn_days)
    out.print(f"{added} new purchase(s) of {len(rows)}; {scored} customer(s) scored; {len(problems)} row(s) skipped")
    if problems:
        raise typer.Exit(1)


@customers_app.command("score")
def customers_score() -> None:
    """Score every customer's value tier and lifecycle stage again (recency changes with time)."""
    from store.customer_value import rescore

    settings = load_settings()
    with open_database(settings).transaction() as session:
        scored = rescore(session, churn_days=settings.churn_days)
    out.print(f"{scored} customer(s) scored")
