"""Users, roles, branch scopes, passwords (argon2id), bearer tokens and web sessions.

Roles and what they may do:
    admin          everything, every branch; users, devices, deleting a customer's data
    cx_manager     the review workspace (complaints, transcripts, audio, customers, search, export,
                   tag corrections, dashboard) for the branches and regions they are scoped to
    counter_staff  uploads and capture sessions of their own branches; no review workspace
    auditor        the audit log and the dashboard's aggregates, every branch; no transcripts or audio

Tokens are random and stored as SHA-256 hashes only, like device tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.errors import ConflictError, ForbiddenError, InvalidRequestError, NotAuthenticatedError, NotFoundError
from core.kinds import UserRole
from store.devices import hash_secret
from store.models import USER_ROLES, Branch, User, UserScope, UserToken, utcnow

TOKEN_PREFIX = "ksu_"
SCOPED_ROLES = (UserRole.cx_manager, UserRole.counter_staff)
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"review", "upload", "devices", "audit", "dashboard", "admin"}),
    "cx_manager": frozenset({"review", "upload", "dashboard"}),
    "counter_staff": frozenset({"upload"}),
    "auditor": frozenset({"audit", "dashboard"}),
}
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class Principal:
    """Who is calling and what they may see: `branch_ids` None means every branch."""

    username: str
    role: str
    branch_ids: frozenset[int] | None
    user_id: int | None = None
    csrf: str | None = None  # set when signed in through the web (cookie)

    def may(self, permission: str) -> bool:
        """Whether the role carries this permission."""
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        """Raise ForbiddenError unless the role carries the permission."""
        if not self.may(permission):
            raise ForbiddenError(f"the {self.role} role may not do this")

    def sees(self, branch_id: int | None) -> bool:
        """Whether a record of this branch is visible; branchless records only to unscoped users."""
        return self.branch_ids is None or (branch_id is not None and branch_id in self.branch_ids)

    def check(self, branch_id: int | None, kind: str, key: object) -> None:
        """404 (not 403) for another branch's record: its existence is not the caller's business."""
        if not self.sees(branch_id):
            raise NotFoundError(kind, key)


def add_user(
    session: Session,
    username: str,
    role: str,
    password: str | None,
    branches: list[str] | tuple[str, ...] = (),
    regions: list[str] | tuple[str, ...] = (),
) -> User:
    """Create a user; scoped roles need at least one branch or region."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise InvalidRequestError("a username is 1-64 characters without spaces")
    if role not in USER_ROLES:
        raise InvalidRequestError(f"role must be one of {', '.join(USER_ROLES)}")
    if role in SCOPED_ROLES and not (branches or regions):
        raise InvalidRequestError(f"a {role} needs at least one --branch (or --region)")
    if role not in SCOPED_ROLES and (branches or regions):
        raise InvalidRequestError(f"a {role} sees every branch; --branch/--region do not apply")
    if password is not None and len(password) < 8:
        raise InvalidRequestError("a password needs at least 8 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"user {username!r} already exists")
    user = User(username=username, role=role, password_hash=_hasher.hash(password) if password else None)
    user.scopes = [UserScope(kind="branch", value=b) for b in dict.fromkeys(branches)] + [
        UserScope(kind="region", value=r) for r in dict.fromkeys(regions)
    ]
    session.add(user)
    session.flush()
    return user


def user_count(session: Session) -> int:
    """How many users there are."""
    return session.scalar(select(func.count()).select_from(User)) or 0


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, username: str) -> User:
    """A user by name."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError("user", username)
    return user


def principal_for(session: Session, user: User, csrf: str | None = None) -> Principal:
    """The user's role and the branch ids their scopes name today (new branches of a region count)."""
    if user.role not in SCOPED_ROLES:
        return Principal(user.username, user.role, None, user.id, csrf)
    codes = [s.value for s in user.scopes if s.kind == "branch"]
    regions = [s.value for s in user.scopes if s.kind == "region"]
    ids = session.scalars(select(Branch.id).where(or_(Branch.code.in_(codes), Branch.region.in_(regions)))).all()
    return Principal(user.username, user.role, frozenset(ids), user.id, csrf)


def reviewers_for(session: Session, branch_id: int | None) -> list[str]:
    """Active users who may review a record of this branch: the people a complaint can be assigned to."""
    names = []
    for user in session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)):
        principal = principal_for(session, user)
        if principal.may("review") and principal.sees(branch_id):
            names.append(user.username)
    return names


def scope_names(user: User) -> list[str]:
    """The user's scopes as text: branch codes, and regions as region:NAME."""
    return [s.value if s.kind == "branch" else f"region:{s.value}" for s in user.scopes]


def check_password(session: Session, username: str, password: str) -> User:
    """The active user with this password; one message for every failure, so names cannot be probed."""
    user = session.scalar(select(User).where(User.username == username))
    failure = NotAuthenticatedError("wrong username or password")
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise failure from exc
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_token(session: Session, user: User, kind: str = "api", hours: float | None = None) -> tuple[str, UserToken]:
    """A new bearer token (kind api) or web session (kind session, with a CSRF token); shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = UserToken(
        user_id=user.id,
        kind=kind,
        token_hash=hash_secret(token),
        csrf=secrets.token_urlsafe(24) if kind == "session" else None,
        expires_at=utcnow() + timedelta(hours=hours) if hours else None,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_token(session: Session, token: str, kind: str) -> Principal:
    """The principal behind a live token of this kind."""
    row = session.scalar(select(UserToken).where(UserToken.token_hash == hash_secret(token), UserToken.kind == kind))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise NotAuthenticatedError("sign in again" if kind == "session" else "unknown, expired or revoked token")
    if not row.user.active:
        raise NotAuthenticatedError("this user is disabled")
    return principal_for(session, row.user, row.csrf)


def revoke_token(session: Session, token: str) -> None:
    """End a session or revoke a token (sign-out); unknown tokens are ignored."""
    row = session.scalar(select(UserToken).where(UserToken.token_hash == hash_secret(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
