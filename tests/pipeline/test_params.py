"""Job parameters: typed in code, JSON on the job row, and rows written before the type still read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from core.kinds import CaptureMode, Channel, Role, one_of
from pipeline.params import ImportRequest, JobParams, LiveUtterancePart


def test_a_file_import_round_trips_through_json() -> None:
    request = ImportRequest(
        customer="C-1",
        branch="BJ01",
        channel="counter",
        roles=("staff", "customer"),
        occurred_at=datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
        original_name="柜台.wav",
    )
    stored = json.loads(json.dumps(JobParams(request).to_json()))  # what the JSON column gives back
    assert JobParams.from_json(stored) == JobParams(request)


def test_a_live_utterance_round_trips_and_rows_written_before_the_type_still_read() -> None:
    params = JobParams(ImportRequest(channel="field", roles=("customer",)), LiveUtterancePart(7, 12.5, "3:visit:4"))
    assert JobParams.from_json(json.loads(json.dumps(params.to_json()))) == params
    old_live_row = {
        "channel": "counter",
        "roles": ["staff"],
        "branch": None,
        "live": {"capture_session_id": 2, "offset": 0.0, "key": "1:s:0"},
    }
    read = JobParams.from_json(old_live_row)
    assert read.live == LiveUtterancePart(2, 0.0, "1:s:0") and read.request.roles == ("staff",)
    old_file_row = {"customer": "C9", "branch": "SH02", "channel": "call", "roles": None, "occurred_at": None}
    assert JobParams.from_json(old_file_row) == JobParams(ImportRequest(customer="C9", branch="SH02"))
    assert JobParams.from_json({}) == JobParams(ImportRequest())  # every key has its default


def test_form_patterns_accept_exactly_the_kinds_values() -> None:
    for kind, good, bad in ((Role, "staff", "boss"), (Channel, "call", "fax"), (CaptureMode, "field", "call")):
        pattern = re.compile(one_of(kind))
        assert pattern.match(good) and not pattern.match(bad) and not pattern.match(good + "x")
    assert "staff" in tuple(Role) and Role.staff == "staff"  # a member is its string in rows and JSON
