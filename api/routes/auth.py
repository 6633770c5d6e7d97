"""Signing in to the web UI (a session cookie plus a CSRF token) and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from api.deps import SESSION_COOKIE, CurrentPrincipal, SessionDep, SettingsDep
from api.schemas import LoginIn, MeOut
from core.settings import Settings
from store.audit import record
from store.auth import Principal, check_password, issue_token, principal_for, revoke_token
from store.repository import branch_codes

router = APIRouter(prefix="/auth", tags=["auth"])


def me(session: Session, principal: Principal) -> MeOut:
    """The caller as the UI shows them."""
    branches = None if principal.branch_ids is None else branch_codes(session, principal.branch_ids)
    return MeOut(username=principal.username, role=principal.role, branches=branches, csrf=principal.csrf)


def sign_in(session: Session, settings: Settings, response: Response, username: str, password: str) -> Principal:
    """Check the password, open a session and set its cookie (HttpOnly, SameSite=Strict)."""
    user = check_password(session, username, password)
    token, row = issue_token(session, user, "session", settings.session_hours)
    principal = principal_for(session, user, row.csrf)
    record(session, principal, "auth.login", "user", user.id)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    return principal


@router.post("/login", response_model=MeOut)
def login(body: LoginIn, session: SessionDep, settings: SettingsDep, response: Response) -> MeOut:
    """Username and password → session cookie; the body carries the CSRF token for later changes."""
    return me(session, sign_in(session, settings, response, body.username, body.password))


@router.post("/logout", status_code=204)
def logout(request: Request, session: SessionDep, caller: CurrentPrincipal, response: Response) -> None:
    """End the web session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        revoke_token(session, cookie)
    record(session, caller, "auth.logout", "user", caller.user_id)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def whoami(session: SessionDep, caller: CurrentPrincipal) -> MeOut:
    """Who the credentials belong to, their role and branches."""
    return me(session, caller)
