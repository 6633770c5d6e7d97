"""`kesheng users` and `kesheng privacy`: the contract, run as real processes on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kesheng.harness import kesheng_env, run_cli
from store.auth import resolve_token
from store.db import Database
from store.models import AuditEntry, Branch
from tests.cli import invoke


@pytest.fixture
def env(tmp_path: Path, model_cache: Path) -> dict[str, str]:
    return kesheng_env(tmp_path / "data", model_cache)


def _db(env: dict[str, str]) -> Database:
    return Database(f"sqlite:///{Path(env['KESHENG_DATA_DIR']) / 'kesheng.db'}")


@pytest.mark.process
def test_add_users_and_issue_tokens(env: dict[str, str]) -> None:
    added = run_cli(
        [
            "users",
            "add",
            "li.na",
            "--role",
            "cx_manager",
            "--branch",
            "SZ01",
            "--branch",
            "SZ02",
            "--password",
            "pw-12345678",
        ],
        env,
    )
    assert added.returncode == 0, added.stderr
    assert "li.na" in added.stdout and "SZ01, SZ02" in added.stdout
    # No --password: it is asked for twice, hidden.
    prompted = run_cli(["users", "add", "zhao", "--role", "auditor"], env, stdin="hunter2-pass\nhunter2-pass\n")
    assert prompted.returncode == 0, prompted.stderr + prompted.stdout

    token = run_cli(["users", "token", "li.na"], env)
    assert token.returncode == 0, token.stderr
    last = token.stdout.strip().splitlines()[-1]
    db = _db(env)
    with db.transaction() as session:
        principal = resolve_token(session, last, "api")
    assert (principal.username, principal.role) == ("li.na", "cx_manager")
    with db.transaction() as session:
        actions = [(e.action, e.actor.startswith("cli:")) for e in session.scalars(select(AuditEntry))]
    assert actions == [("user.create", True), ("user.create", True), ("user.token", True)]
    listed = run_cli(["users", "list"], env)
    assert "li.na" in listed.stdout and "zhao" in listed.stdout and "auditor" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "a", "--role", "boss", "--password", "pw-12345678"], "role must be one of"),
        (["users", "add", "a", "--role", "cx_manager", "--password", "pw-12345678"], "needs at least one --branch"),
        (["users", "add", "a", "--role", "admin", "--branch", "X", "--password", "pw-12345678"], "do not apply"),
        (["users", "add", "a", "--role", "admin", "--password", "short"], "at least 8 characters"),
        (["users", "add", "a b", "--role", "admin", "--password", "pw-12345678"], "without spaces"),
        (["users", "add", "", "--role", "admin", "--password", "pw-12345678"], "without spaces"),
        (["users", "token", "nobody"], "not found"),
        (["privacy", "delete-customer", "NOBODY", "--yes"], "not found"),
        (["privacy", "purge-audio"], "--days"),
    ],
)
def test_bad_arguments_get_clear_errors_and_change_nothing(env: dict[str, str], args: list[str], message: str) -> None:
    result = invoke(args, env)
    assert result.returncode != 0
    assert message in result.stderr + result.stdout, result.stderr + result.stdout
    assert "│ a " not in invoke(["users", "list"], env).stdout  # nothing half-added


def test_duplicate_user_is_refused(env: dict[str, str]) -> None:
    args = ["users", "add", "wang", "--role", "admin", "--password", "pw-12345678"]
    assert invoke(args, env).returncode == 0
    again = invoke(args, env)
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.process
def test_region_scope_covers_the_regions_branches(env: dict[str, str]) -> None:
    for code in ("GZ01", "GZ02"):
        done = run_cli(["branches", "set", code, "--name", f"广州{code[-1]}", "--region", "华南"], env)
        assert done.returncode == 0 and "华南" in done.stdout, done.stderr
    assert run_cli(["branches", "set", "BJ01", "--region", "华北"], env).returncode == 0
    added = run_cli(
        ["users", "add", "chen", "--role", "cx_manager", "--region", "华南", "--password", "pw-12345678"], env
    )
    assert added.returncode == 0 and "region:华南" in added.stdout, added.stderr
    token = run_cli(["users", "token", "chen"], env).stdout.strip().splitlines()[-1]
    with _db(env).transaction() as session:
        principal = resolve_token(session, token, "api")
        codes = {session.get(Branch, i).code for i in principal.branch_ids or ()}  # type: ignore[union-attr]
    assert codes == {"GZ01", "GZ02"}
    assert run_cli(["branches", "set", " "], env).returncode == 1
