"""What a job needs to know besides its audio: typed values in code, JSON on the job row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ImportRequest:
    """Metadata that comes with a recording."""

    customer: str | None = None
    branch: str | None = None
    channel: str = "call"
    roles: tuple[str, ...] | None = None  # channel→role; None: the settings' stereo map
    occurred_at: datetime | None = None
    original_name: str | None = None
    staff: str | None = None  # who served the customer: the call's agent, the counter's staff member


@dataclass(frozen=True)
class LiveUtterancePart:
    """A live utterance's place: which capture session it joins, and where on that session's timeline."""

    capture_session_id: int
    offset: float  # seconds from the session's start to the utterance's
    key: str  # the agent's idempotency key


@dataclass(frozen=True)
class JobParams:
    """A job's parameters: the recording's metadata, plus its live part for a counter's utterance."""

    request: ImportRequest
    live: LiveUtterancePart | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON stored on the job row (flat, as rows written before this type have it)."""
        data = asdict(self.request)
        data["occurred_at"] = self.request.occurred_at.isoformat() if self.request.occurred_at else None
        data["roles"] = list(self.request.roles) if self.request.roles else None
        data["live"] = asdict(self.live) if self.live else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobParams:
        """Read a job row's JSON back; missing keys take their defaults."""
        occurred = data.get("occurred_at")
        request = ImportRequest(
            customer=data.get("customer"),
            branch=data.get("branch"),
            channel=data.get("channel") or "call",
            roles=tuple(data["roles"]) if data.get("roles") else None,
            occurred_at=datetime.fromisoformat(occurred) if occurred else None,
            original_name=data.get("original_name"),
            staff=data.get("staff"),
        )
        live = data.get("live")
        if not live:
            return cls(request)
        return cls(request, LiveUtterancePart(int(live["capture_session_id"]), float(live["offset"]), str(live["key"])))
