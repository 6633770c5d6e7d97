"""Expand `kesheng import` arguments into import items: files, folders (recursive), CSV manifests."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import UTC, tzinfo
from pathlib import Path

from core.errors import ConfigError, InvalidRequestError
from core.settings import parse_roles
from core.times import parse_time
from pipeline.params import ImportRequest
from store.customer_value import PurchaseRow

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".aac", ".wma", ".amr", ".webm"})
MANIFEST_COLUMNS = ("path", "customer", "branch", "channel", "stereo_roles", "occurred_at", "agent")


@dataclass(frozen=True)
class ImportItem:
    """One file to import with its metadata; `error` where its manifest row cannot be used (the rest go on)."""

    path: Path
    request: ImportRequest
    error: str | None = None


def expand(paths: list[Path], defaults: ImportRequest, where: tzinfo = UTC) -> list[ImportItem]:
    """Files as given, folders searched recursively for audio, .csv files read as manifests (their
    times without a zone are in `where`)."""
    items: list[ImportItem] = []
    for path in paths:
        if path.is_dir():
            items += [
                ImportItem(p, replace(defaults, original_name=p.name))
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
            ]
        elif path.suffix.lower() == ".csv":
            items += read_manifest(path, defaults, where)
        else:
            items.append(ImportItem(path, replace(defaults, original_name=path.name)))
    return items


def read_manifest(manifest: Path, defaults: ImportRequest, where: tzinfo = UTC) -> list[ImportItem]:
    """A CSV with a `path` column (relative to the CSV) and optional metadata columns.

    A row whose time or roles cannot be read becomes an item with its error, so the other rows are
    still imported and the summary names what to fix.
    """
    try:
        with manifest.open(encoding="utf-8-sig", newline="") as src:
            reader = csv.DictReader(src)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise InvalidRequestError(
                    f"{manifest}: a manifest needs a 'path' column (columns: {', '.join(MANIFEST_COLUMNS)})"
                )
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidRequestError(f"{manifest}: cannot read manifest: {exc}") from exc
    items = []
    for line, row in enumerate(rows, start=2):
        if not (row.get("path") or "").strip():
            raise InvalidRequestError(f"{manifest}:{line}: empty path")
        path = (manifest.parent / row["path"].strip()).resolve()
        try:
            occurred = parse_time(row["occurred_at"], where) if (row.get("occurred_at") or "").strip() else None
            roles = parse_roles(row["stereo_roles"]) if row.get("stereo_roles") else defaults.roles
        except (ValueError, ConfigError) as exc:
            items.append(ImportItem(path, replace(defaults, original_name=path.name), f"{manifest.name}:{line}: {exc}"))
            continue
        items.append(
            ImportItem(
                path,
                ImportRequest(
                    customer=row.get("customer") or defaults.customer,
                    branch=row.get("branch") or defaults.branch,
                    channel=row.get("channel") or defaults.channel,
                    roles=roles,
                    occurred_at=occurred or defaults.occurred_at,
                    original_name=path.name,
                    staff=(row.get("agent") or "").strip()[:128] or defaults.staff,
                ),
            )
        )
    return items


PURCHASE_COLUMNS = ("customer", "occurred_at", "amount", "id")


def read_purchases(path: Path, where: tzinfo = UTC) -> tuple[list[PurchaseRow], list[str]]:
    """Purchases from a CSV (customer, occurred_at, amount, optional id), and what was wrong with the
    rows that could not be read (each names its line)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as src:
            reader = csv.DictReader(src)
            missing = [c for c in PURCHASE_COLUMNS[:3] if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidRequestError(
                    f"{path}: needs the columns {', '.join(PURCHASE_COLUMNS)} (missing: {', '.join(missing)})"
                )
            lines = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidRequestError(f"{path}: cannot read it: {exc}") from exc
    rows, problems = [], []
    for line, row in enumerate(lines, start=2):
        try:
            customer = (row.get("customer") or "").strip()
            if not customer:
                raise ValueError("no customer")
            amount = float((row.get("amount") or "").replace(",", ""))
            if amount != amount or abs(amount) > 1e12:  # NaN or absurd
                raise ValueError(f"amount {row.get('amount')!r}")
            when = parse_time(row.get("occurred_at") or "", where)
        except ValueError as exc:
            problems.append(f"{path.name}:{line}: {exc}")
            continue
        rows.append(PurchaseRow(customer[:128], when, amount, (row.get("id") or "").strip()[:128] or None))
    return rows, problems
