"""The log filter: personal data never reaches a log line, and access logs lose their query strings."""

from __future__ import annotations

import logging

from core.logs import PiiFilter
from nlp.pii import redact


def _record(name: str, msg: str, args: tuple | None) -> logging.LogRecord:  # type: ignore[type-arg]
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


def test_messages_and_access_paths_are_cleaned() -> None:
    pii = PiiFilter(redact)
    record = _record("pipeline.importer", "customer said %s", ("我的手机号是13812345678",))
    assert pii.filter(record) and record.getMessage() == "customer said 我的手机号是[手机号]"
    access = _record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/customers/13812345678/timeline?q=110101199003074514", "1.1", 200),
    )
    assert pii.filter(access)
    assert access.getMessage() == '127.0.0.1:5000 - "GET /api/v1/customers/[手机号]/timeline HTTP/1.1" 200'
    broken = _record("x", "%d apples", ("many",))
    assert pii.filter(broken)  # a malformed call is let through for logging to report, not raised here
    plain = _record("x", "job %s done", (7,))
    assert pii.filter(plain) and plain.getMessage() == "job 7 done"
