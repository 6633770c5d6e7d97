"""Dependencies shared by the routes: settings, database session, services, the caller."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Header, Request
from sqlalchemy.orm import Session

from core.errors import ForbiddenError, NotAuthenticatedError
from core.settings import Settings
from pipeline.importer import Services
from store.auth import TOKEN_PREFIX, Principal, resolve_token


def get_services(request: Request) -> Services:
    """The process-wide services built at start-up."""
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_session(services: Annotated[Services, Depends(get_services)]) -> Iterator[Session]:
    """A session in one transaction per request: committed if the route returns, else rolled back."""
    with services.db.transaction() as session:
        yield session


# scope="function": the transaction commits when the route returns, before the response is sent,
# so a client acting on the response (a browser following a login redirect) sees what it changed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if that is what was sent."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


SESSION_COOKIE = "kesheng_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
API_KEY_PRINCIPAL = Principal("api-key", "admin", None)


def _same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())


def current_principal(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    session: SessionDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Principal:
    """A user's bearer token, the web session cookie (with X-CSRF-Token on changes), or the API key."""
    supplied = x_api_key if x_api_key is not None else bearer_token(authorization)
    if supplied:
        if settings.api_key and _same(supplied, settings.api_key):
            return API_KEY_PRINCIPAL  # the service key: full access, for scripts and the first setup
        if supplied.startswith(TOKEN_PREFIX):
            return resolve_token(session, supplied, "api")
        raise NotAuthenticatedError("unknown, expired or revoked token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        principal = resolve_token(session, cookie, "session")
        # The cookie rides along on any request the browser makes; a change must also prove it
        # came from our own page, which alone can read the CSRF token.
        if request.method not in SAFE_METHODS and not (
            x_csrf_token and principal.csrf and _same(x_csrf_token, principal.csrf)
        ):
            raise ForbiddenError("missing or wrong CSRF token; reload the page")
        return principal
    raise NotAuthenticatedError("sign in, or send Authorization: Bearer <token>")


def require(permission: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only roles carrying `permission` (403 for the others)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(permission)
        return principal

    return check


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Reviewer = Annotated[Principal, Depends(require("review"))]
Uploader = Annotated[Principal, Depends(require("upload"))]
Admin = Annotated[Principal, Depends(require("admin"))]
DeviceAdmin = Annotated[Principal, Depends(require("devices"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
DashboardViewer = Annotated[Principal, Depends(require("dashboard"))]


def notify_workers(request: Request, background: BackgroundTasks, job_id: int, priority: int) -> None:
    """Tell the job queue of a job (a Dramatiq message, or a wake-up for the embedded pool) once the
    request's transaction has committed it: background tasks run after that."""
    background.add_task(request.app.state.queue.announce, job_id, priority)
