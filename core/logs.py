"""Logging without personal data: every record goes through a redactor (the NLP's, which replaces
phone, ID and card numbers), and the access log drops query strings (a search for a phone number
must not land in a log file). The redactor is passed in, so the floor imports no stage."""

from __future__ import annotations

import logging
from collections.abc import Callable

Redact = Callable[[str], str]


class PiiFilter(logging.Filter):
    """Rewrites each record's message with personal data replaced by placeholders."""

    def __init__(self, redact: Redact) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            # Its formatter unpacks the arguments: clean the path in place, keep the shape.
            path = self.redact(str(record.args[2]).split("?", 1)[0])
            record.args = (*record.args[:2], path, *record.args[3:])
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it itself when formatting
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(redact: Redact) -> None:
    """Add the filter to every handler of the root and uvicorn loggers (handlers see propagated records too)."""
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PiiFilter) for f in handler.filters):
                handler.addFilter(PiiFilter(redact))
