"""Times as people write them in manifests, uploads and filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.times import parse_bound, parse_time, zone
from kesheng.sources import read_manifest
from pipeline.params import ImportRequest

SHANGHAI = zone("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-11-28T23:30:00+08:00", datetime(2026, 11, 28, 15, 30, tzinfo=UTC)),
        ("2026-11-28T23:30:00Z", datetime(2026, 11, 28, 23, 30, tzinfo=UTC)),
        ("2026-11-28 23:30", datetime(2026, 11, 28, 15, 30, tzinfo=UTC)),  # no zone: the display zone's
        ("2026-11-28 23:30:15", datetime(2026, 11, 28, 15, 30, 15, tzinfo=UTC)),
        ("2026/11/28 23:30", datetime(2026, 11, 28, 15, 30, tzinfo=UTC)),
        (" 2026-11-28 ", datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),  # a date: its midnight there
    ],
)
def test_a_time_without_a_zone_is_in_the_display_zone(text: str, utc: datetime) -> None:
    assert parse_time(text, SHANGHAI) == utc


@pytest.mark.parametrize("text", ["28/11/2026", "0.5", "yesterday", "", "2026-13-01"])
def test_a_bad_time_names_the_accepted_formats(text: str) -> None:
    with pytest.raises(ValueError, match="accepted: ISO 8601"):
        parse_time(text, SHANGHAI)


def test_until_a_date_includes_that_whole_day_where_the_managers_are() -> None:
    assert parse_bound("2026-11-28", SHANGHAI) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert parse_bound("2026-11-28", SHANGHAI, end=True) == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
    assert parse_bound("2026-11-28 12:00", SHANGHAI, end=True) == datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


def test_a_manifest_row_with_a_bad_date_fails_alone(tmp_path: Path) -> None:
    manifest = tmp_path / "calls.csv"
    manifest.write_text(
        "path,customer,occurred_at,agent\n"
        "a.wav,C1,2026-11-28 23:30,工号1024\n"
        "b.wav,C2,28/11/2026\n"
        "c.wav,C3,2026-10-15T09:00:00+08:00\n"
        "d.wav,C4,\n",
        encoding="utf-8",
    )
    items = read_manifest(manifest, ImportRequest(), SHANGHAI)
    assert [i.path.name for i in items] == ["a.wav", "b.wav", "c.wav", "d.wav"]
    assert [i.error is None for i in items] == [True, False, True, True]
    assert items[1].error is not None and "calls.csv:3" in items[1].error and "accepted: ISO 8601" in items[1].error
    assert items[0].request.occurred_at == datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
    assert items[0].request.staff == "工号1024" and items[2].request.staff is None  # the call's agent
    assert items[2].request.occurred_at == datetime(2026, 10, 15, 1, 0, tzinfo=UTC)
    assert items[3].request.occurred_at is None and items[3].request.customer == "C4"
