"""Console accounts: argon2id password hashes, users, server-side sessions, login throttling and
the audit log. Session first; nothing here commits (the caller's transaction does)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from yuqing.config.errors import YuqingError
from yuqing.service.accounts import ROLES, AuditEntry, User, WebSession

_HASHER = PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters
MIN_PASSWORD = 10


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, so a login for an unknown name costs as much as for a known one.

    Made on the first login, not at import: argon2 takes 64 MiB, and every CLI command imports this.
    """
    return _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(YuqingError):
    """A user command that cannot be done: unknown or duplicate name, bad role, weak password."""


@dataclass(frozen=True)
class SessionUser:
    """Who a valid session belongs to."""

    user_id: int
    name: str
    role: str
    session_hash: str


def hash_password(password: str) -> str:
    """The argon2id hash of a password (AccountError when it is too short)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash (a missing hash still costs one verification)."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_session_id(session_id: str) -> str:
    """What the table stores of a cookie's session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def get_user(session: Session, name: str) -> User | None:
    """The user of that name, or None."""
    return session.scalar(select(User).where(User.name == name))


def _require(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise AccountError(f"no user {name!r}; see `yuqing user list`")
    return user


def save_user(session: Session, name: str, role: str, password: str, now: datetime) -> User:
    """Add a user with that role and password."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 100:
        raise AccountError("a user name must have 1 to 100 characters")
    if get_user(session, name) is not None:
        raise AccountError(f"user {name!r} exists; use `yuqing user passwd {name}` to change the password")
    user = User(name=name, role=role, password_hash=hash_password(password), disabled=False,
                created_at=now, password_changed_at=now)
    session.add(user)
    session.flush()
    return user


def mark_password(session: Session, name: str, password: str, now: datetime) -> User:
    """Change a user's password; their sessions end."""
    user = _require(session, name)
    user.password_hash, user.password_changed_at = hash_password(password), now
    end_user_sessions(session, user.id)
    return user


def mark_disabled(session: Session, name: str) -> User:
    """Disable a user; their sessions end."""
    user = _require(session, name)
    user.disabled = True
    end_user_sessions(session, user.id)
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def check_login(session: Session, name: str, password: str) -> User | None:
    """The enabled user whose password this is, or None."""
    user = get_user(session, name)
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and not user.disabled else None


def save_session(session: Session, user: User, now: datetime, ttl: timedelta, ip: str | None) -> str:
    """Start a login; return the new random session id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=hash_session_id(session_id), user_id=user.id, created_at=now,
                           last_seen_at=now, expires_at=now + ttl, ip=ip))
    return session_id


def get_session_user(session: Session, session_id: str, now: datetime) -> SessionUser | None:
    """The user of a live session (not expired, user enabled), marking it seen; None otherwise."""
    id_hash = hash_session_id(session_id)
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.id_hash == id_hash)
    ).first()
    if row is None:
        return None
    web_session, user = row
    if web_session.expires_at <= now or user.disabled:
        session.delete(web_session)
        return None
    if now - web_session.last_seen_at > timedelta(minutes=1):  # one write a minute, not one per request
        web_session.last_seen_at = now
    return SessionUser(user.id, user.name, user.role, id_hash)


def end_session(session: Session, id_hash: str) -> None:
    """Logout: the session row goes."""
    session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))


def end_user_sessions(session: Session, user_id: int) -> None:
    """Every session of a user ends (disable, password change)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def record_audit(session: Session, at: datetime, action: str, *, actor: str | None = None, ip: str | None = None,
                 target: str | None = None, detail: str | None = None, user_id: int | None = None) -> None:
    """Add a line to the audit log."""
    session.add(AuditEntry(at=at, actor=actor, ip=ip, action=action, target=target, detail=detail,
                           user_id=user_id))


def count_failed_logins(session: Session, name: str, ip: str | None, since: datetime) -> int:
    """Failed logins since `since` for this name or from this address: the throttle's count."""
    who = or_(AuditEntry.target == name, AuditEntry.ip == ip) if ip else AuditEntry.target == name
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "login_failed", AuditEntry.at >= since, who)) or 0


def list_audit(session: Session, limit: int = 200) -> list[AuditEntry]:
    """The newest lines of the audit log."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                .limit(limit)))
