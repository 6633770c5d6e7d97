"""Logging without personal data: phone, ID and card numbers are redacted from every record, and the
access log drops query strings (a search for a phone number must not land in a log file)."""

from __future__ import annotations

import logging

from nlp.pii import redact


class PiiFilter(logging.Filter):
    """Rewrites each record's message with personal data replaced by placeholders."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            # Its formatter unpacks the arguments: clean the path in place, keep the shape.
            path = redact(str(record.args[2]).split("?", 1)[0])
            record.args = (*record.args[:2], path, *record.args[3:])
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it itself when formatting
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Add the filter to every handler of the root and uvicorn loggers (handlers see propagated records too)."""
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PiiFilter) for f in handler.filters):
                handler.addFilter(PiiFilter())
