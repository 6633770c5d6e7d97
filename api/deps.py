"""Dependencies shared by the routes: settings, database session, services, the caller."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from kesheng.settings import Settings
from pipeline.importer import Services


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


@dataclass(frozen=True)
class Principal:
    """Who is calling. One API key for now; users and roles replace this dependency later."""

    name: str


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if that is what was sent."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def current_principal(
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    """Accept `X-API-Key: K` or `Authorization: Bearer K`."""
    supplied = x_api_key if x_api_key is not None else bearer_token(authorization)
    expected = settings.api_key
    if not supplied or not expected or not secrets.compare_digest(supplied.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong API key", headers={"WWW-Authenticate": "Bearer"})
    return Principal("api-key")


SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def notify_workers(request: Request, job_id: int, priority: int) -> None:
    """A job was committed: send its message (Dramatiq) or wake the embedded pool."""
    if request.app.state.broker is not None:
        from pipeline.broker import send

        send(job_id, priority)
    elif request.app.state.pool is not None:
        request.app.state.pool.notify()
