"""The closed sets of names the product speaks in: who talks, where, how a complaint or a job stands.

StrEnums: a member is its string, so rows, JSON and forms hold plain text, while code names the
member. (Python 3.11 cannot ask `"staff" in Role`; compare with the tuple of members instead.)
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who said an utterance."""

    staff = "staff"
    customer = "customer"
    unknown = "unknown"


class Channel(StrEnum):
    """Where an interaction happened."""

    counter = "counter"
    field = "field"
    call = "call"


class CaptureMode(StrEnum):
    """How a capture agent records: at a counter, or on a field visit."""

    counter = "counter"
    field = "field"


class ComplaintStatus(StrEnum):
    new = "new"
    in_review = "in_review"
    resolved = "resolved"
    dismissed = "dismissed"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    dead = "dead"  # gave up after KESHENG_JOB_MAX_ATTEMPTS


class UserRole(StrEnum):
    """What a person who signs in may do."""

    admin = "admin"
    cx_manager = "cx_manager"
    counter_staff = "counter_staff"
    auditor = "auditor"


def one_of(kind: type[StrEnum]) -> str:
    """A regular expression that matches exactly the kind's values (for form fields)."""
    return "^(" + "|".join(member.value for member in kind) + ")$"
