"""Map the KeshengError hierarchy to HTTP responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError

from core.errors import (
    AudioError,
    AudioTooLargeError,
    BusyError,
    ConfigError,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    KeshengError,
    NotAuthenticatedError,
    NotFoundError,
    UnsupportedAudioError,
)

_STATUS: tuple[tuple[type[KeshengError], int], ...] = (
    (GoneError, 410),
    (NotFoundError, 404),
    (NotAuthenticatedError, 401),
    (ForbiddenError, 403),
    (AudioTooLargeError, 413),
    (UnsupportedAudioError, 415),
    (BusyError, 503),
    (ConflictError, 409),
    (AudioError, 422),
    (InvalidRequestError, 422),
    (ConfigError, 422),
)


def status_for(exc: KeshengError) -> int:
    """The HTTP status of an error (500 for anything unexpected)."""
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def install(app: FastAPI) -> None:
    """Register the handlers: every KeshengError becomes {"detail": message, "error": kind}.

    Validation errors say which field is wrong and why, but never echo the value sent: it may be
    a phone or ID number typed into the wrong box.
    """

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
        return JSONResponse({"detail": errors, "error": "RequestValidationError"}, status_code=422)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
        # A number the database cannot hold (an id ≥ 2^63, say): the caller's mistake, not the server's.
        return JSONResponse({"detail": "a number or value is out of range", "error": "OutOfRange"}, status_code=422)

    @app.exception_handler(KeshengError)
    async def _handle(request: Request, exc: KeshengError) -> Response:
        # AudioError messages name a server-side path; clients only need the reason.
        message = exc.reason if isinstance(exc, AudioError) else str(exc)
        if _wants_page(request):  # a person in the workspace, not a program: a page in their language
            from api.web.pages import error_page

            return error_page(request, status_for(exc), message)
        headers = {"Retry-After": str(round(exc.retry_after))} if isinstance(exc, BusyError) else None
        if isinstance(exc, NotAuthenticatedError):
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse(
            {"detail": message, "error": exc.__class__.__name__}, status_code=status_for(exc), headers=headers
        )


def _wants_page(request: Request) -> bool:
    """A browser asking for a workspace page (not the API, health checks or static files)."""
    api = request.url.path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/static/", "/docs", "/openapi"))
    return not api and "text/html" in request.headers.get("accept", "")
