"""Accounts, login, logout, one's own password, and ending a user's sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor, record
from product_dashboard.auth.repository import RevokedTokenRepository, UserRepository
from product_dashboard.auth.security import (
    TokenClaims,
    create_access_token,
    hash_password,
    needs_rehash,
    verify_password,
)
from product_dashboard.config import Settings
from product_dashboard.exceptions import Conflict, Forbidden, Unauthorized, Unprocessable
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Role, User

USER_ENTITY = "user"


async def _add_user(
    session: AsyncSession, email: str, password_hash: str, role: Role
) -> User | None:
    """The new account, or None when the address is taken."""
    users = UserRepository(session)
    if await users.get_by_email(email) is not None:
        return None
    user = User(email=email.lower(), password_hash=password_hash, role=role.value)
    try:
        async with session.begin_nested():
            await users.add(user)
    except IntegrityError:
        return None
    return user


async def create_user(
    session: AsyncSession, email: str, password: str, role: Role = Role.viewer
) -> User:
    user = await _add_user(session, email, await hash_password(password), role)
    if user is None:
        raise Conflict(f"An account with email {email.lower()} already exists.")
    return user


async def register(session: AsyncSession, settings: Settings, email: str, password: str) -> None:
    """Open a viewer account, if registration is on. Says nothing about whether the address was
    taken: the password is hashed either way, so the answer takes as long too."""
    if not settings.allow_registration:
        raise Forbidden("Self-registration is switched off; ask an administrator for an account.")
    await _add_user(session, email, await hash_password(password), Role.viewer)


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    user = await UserRepository(session).get_by_email(email)
    if not await verify_password(password, user.password_hash if user else None) or user is None:
        raise Unauthorized("Incorrect email or password.")
    if not user.is_active:
        raise Forbidden("This account is disabled.")
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    return user


def issue_token(user: User, settings: Settings) -> tuple[str, TokenClaims]:
    return create_access_token(
        user.id,
        secret=settings.jwt_secret,
        algorithm=settings.jwt_algorithm,
        expires_in=timedelta(minutes=settings.access_token_expire_minutes),
    )


async def logout(session: AsyncSession, claims: TokenClaims) -> None:
    await RevokedTokenRepository(session).revoke(claims.jti, claims.expires_at)


def end_sessions(user: User) -> None:
    """Refuse every token issued to the user so far (checked per request by resolve_token)."""
    user.sessions_revoked_at = utcnow()


async def set_password(user: User, password: str) -> None:
    """A new password ends every session the user had."""
    user.password_hash = await hash_password(password)
    end_sessions(user)


async def change_own_password(
    session: AsyncSession, settings: Settings, user: User, current: str, new: str
) -> tuple[str, TokenClaims]:
    """Check the current password, set the new one, end every other session; the caller's own
    session continues with the fresh token returned."""
    if not await verify_password(current, user.password_hash):
        raise Unprocessable(
            "The current password is not right.",
            fields=[{"loc": ["current_password"], "msg": "Not your current password"}],
        )
    await set_password(user, new)
    record(
        session,
        Actor.for_user(user),
        entity_type=USER_ENTITY,
        entity_id=user.id,
        action="change_password",
        before=None,
        after=None,
    )
    await session.flush()
    return issue_token(user, settings)
