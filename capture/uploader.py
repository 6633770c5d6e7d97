"""Send spooled utterances to the server; an entry is deleted only once the server has acknowledged it.

Every request carries the idempotency key (device:session:seq) and the audio's sha256, so a retry
after a lost acknowledgement is recognised by the server and stored once. Transient failures
(network down, 5xx, 503 with Retry-After, 429) back off with full jitter; a refusal that will never
change (4xx: malformed, too big, a key taken by other audio) moves the entry to quarantine, and a
refused token stops the uploader, loudly.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from capture.client import server_detail
from capture.spool import Spool, SpooledUtterance
from core.errors import KeshengError

log = logging.getLogger(__name__)


class DeviceRefusedError(KeshengError):
    """The server refuses this device's token (revoked or unknown): re-enrol the device."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: a fleet of agents coming back does not arrive in step."""

    base: float = 0.5
    cap: float = 60.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        """Seconds to wait before the next try."""
        delay = self.rng.uniform(0, min(self.cap, self.base * 2**self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """A success: start again from the shortest wait."""
        self.attempt = 0


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass
class Round:
    """What one pass over the spool did; `wait` is how long to back off before the next pass."""

    sent: int = 0
    duplicates: int = 0
    rejected: int = 0
    left: int = 0
    wait: float = 0.0
    error: str | None = None


class Uploader:
    """One device's uploads to one server."""

    def __init__(
        self,
        server: str,
        token: str,
        spool: Spool,
        *,
        timeout: float = 30.0,
        backoff: Backoff | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = server.rstrip("/") + "/api/v1/devices/utterances"
        self.spool = spool
        self.backoff = backoff or Backoff()
        self.client = client or httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})
        self.last_upload_at: datetime | None = None
        self.wake = threading.Event()

    def send(self, meta: SpooledUtterance, audio: bytes) -> httpx.Response:
        """POST one utterance (raises httpx errors for the network)."""
        data = {
            "session": meta.session,
            "seq": str(meta.seq),
            "started_at": meta.started_at,
            "session_started_at": meta.session_started_at or meta.started_at,
            "sha256": meta.sha256,
            "role": meta.role,
            "mode": meta.mode,
        }
        if meta.customer:
            data["customer"] = meta.customer
        return self.client.post(
            self.url,
            headers={"Idempotency-Key": meta.key},
            data=data,
            files={"audio": (f"{meta.stem}.wav", audio, "audio/wav")},
        )

    def upload_pass(self) -> Round:
        """Send what the spool holds, oldest first; stop at the first transient failure."""
        result = Round()
        entries = self.spool.entries()
        for position, (meta, audio_path) in enumerate(entries):
            try:
                response = self.send(meta, audio_path.read_bytes())
            except FileNotFoundError:  # acknowledged by an earlier pass of another process
                continue
            except httpx.HTTPError as exc:
                return self._transient(result, entries, position, f"server unreachable: {exc.__class__.__name__}")
            if response.status_code in (200, 201, 202):
                self.spool.acknowledge(meta)
                self.last_upload_at = datetime.now(UTC)
                self.backoff.reset()
                result.sent += 1
                result.duplicates += bool(response.json().get("duplicate"))
            elif response.status_code in (401, 403):
                message = f"server refused the device token: {server_detail(response)}"
                self.spool.note_error(message)
                raise DeviceRefusedError(message)
            elif response.status_code in (408, 425, 429) or response.status_code >= 500:
                result = self._transient(result, entries, position, f"server busy: HTTP {response.status_code}")
                result.wait = retry_after(response) or result.wait
                return result
            else:  # 4xx: this entry will never be accepted as it is; keep it aside and go on
                self.spool.reject(meta, f"server refused it: HTTP {response.status_code} {server_detail(response)}")
                result.rejected += 1
        return result

    def _transient(self, result: Round, entries: list, position: int, error: str) -> Round:
        result.left = len(entries) - position
        result.error = error
        result.wait = self.backoff.next()
        self.spool.note_error(error)
        log.warning("%s; %d utterance(s) wait in the spool, retrying in %.1f s", error, result.left, result.wait)
        return result

    def run(self, stop: threading.Event, idle: float = 0.5) -> None:
        """Upload until `stop` is set; new spool entries are picked up within `idle` (or at once on wake)."""
        while not stop.is_set():
            result = self.upload_pass()
            self.wake.wait(result.wait if result.error else idle)
            self.wake.clear()

    def drain(self, deadline: float) -> Round:
        """Try to empty the spool before the monotonic `deadline` (shutdown, `kesheng agent upload`)."""
        import time

        total = Round()
        while True:
            result = self.upload_pass()
            total.sent += result.sent
            total.duplicates += result.duplicates
            total.rejected += result.rejected
            total.left, total.error = result.left, result.error
            if not result.error or time.monotonic() + result.wait > deadline:
                return total
            time.sleep(result.wait)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()
