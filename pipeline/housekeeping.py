"""Background upkeep beside the API: webhook deliveries every second, overdue cases every minute, audio
retention every hour."""

from __future__ import annotations

import logging
import threading
import time

import httpx

from pipeline.alerts import deliver_due
from pipeline.importer import Services
from store.cases import escalate_overdue
from store.privacy import purge_expired_audio

log = logging.getLogger(__name__)
RETENTION_INTERVAL = 3600.0
OVERDUE_INTERVAL = 60.0


class Housekeeper:
    """One daemon thread; stop() ends it between rounds."""

    def __init__(self, services: Services, interval: float = 1.0) -> None:
        self.services = services
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kesheng-housekeeping", daemon=True)
        self._last_retention = 0.0
        self._last_overdue = 0.0

    def start(self) -> None:
        """Begin the rounds."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the current round and end."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        settings = self.services.settings
        with httpx.Client(timeout=10.0) as client:
            while not self._stop.is_set():
                try:
                    deliver_due(self.services.db, settings, client)
                    if time.monotonic() - self._last_overdue > OVERDUE_INTERVAL:
                        self._last_overdue = time.monotonic()
                        with self.services.db.transaction() as session:
                            escalated = escalate_overdue(session, settings)
                        if escalated:
                            log.info("escalated %d overdue case(s)", len(escalated))
                    days = settings.audio_retention_days
                    if days and time.monotonic() - self._last_retention > RETENTION_INTERVAL:
                        self._last_retention = time.monotonic()
                        purged = purge_expired_audio(self.services.db, self.services.audio_store, days)
                        if purged:
                            log.info("retention: deleted the audio of %d recording(s)", purged)
                except Exception:  # the next round retries; a crash here must not end upkeep for good
                    log.exception("housekeeping round failed")
                self._stop.wait(self.interval)
