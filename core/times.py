"""Times as people write them: a time without a zone is in the display zone, a date is a whole day there.

A manifest written at a branch in Shanghai says 2026-11-28 23:30 and means Shanghai time, not UTC;
a date filter of 2026-11-28 means that day from midnight to midnight where the managers are.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
ACCEPTED = "ISO 8601 (2026-11-28T23:30:00+08:00), 2026-11-28 23:30[:00], 2026/11/28 23:30[:00] or 2026-11-28"


def zone(name: str) -> tzinfo:
    """The time zone of this name (e.g. Asia/Shanghai)."""
    return ZoneInfo(name)


def parse_time(text: str, where: tzinfo) -> datetime:
    """An aware datetime from what a person wrote; a time without a zone is in `where`, a date is its midnight."""
    value = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for pattern in FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"{text!r} is not a time; accepted: {ACCEPTED}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=where)


def parse_bound(text: str, where: tzinfo, *, end: bool = False) -> datetime:
    """A filter's bound: a time as parse_time reads it; a bare date its day's start, or with `end` the
    start of the next day (so `until` a date includes that whole date)."""
    moment = parse_time(text, where)
    bare_date = len(text.strip()) <= 10
    return day_end(moment.date(), where) if end and bare_date else moment


def in_zone(moment: datetime, where: tzinfo) -> datetime:
    """`moment` with a zone: its own, or `where` when it has none."""
    return moment if moment.tzinfo else moment.replace(tzinfo=where)


def day_start(day: date, where: tzinfo) -> datetime:
    """Midnight at the start of `day` in `where`."""
    return datetime.combine(day, time(), tzinfo=where)


def day_end(day: date, where: tzinfo) -> datetime:
    """The start of the next day: `until` a date includes all of that date."""
    return day_start(day + timedelta(days=1), where)
