"""Accounts, login and logout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.auth.repository import RevokedTokenRepository, UserRepository
from product_dashboard.auth.security import (
    TokenClaims,
    create_access_token,
    hash_password,
    needs_rehash,
    verify_password,
)
from product_dashboard.config import Settings
from product_dashboard.exceptions import Conflict, Forbidden, Unauthorized
from product_dashboard.models import Role, User


async def create_user(
    session: AsyncSession, email: str, password: str, role: Role = Role.viewer
) -> User:
    users = UserRepository(session)
    if await users.get_by_email(email) is not None:
        raise Conflict(f"An account with email {email.lower()} already exists.")
    user = User(email=email.lower(), password_hash=await hash_password(password), role=role.value)
    try:
        async with session.begin_nested():
            await users.add(user)
    except IntegrityError as exc:
        raise Conflict(f"An account with email {email.lower()} already exists.") from exc
    return user


async def register(session: AsyncSession, settings: Settings, email: str, password: str) -> User:
    """The first account becomes admin; later ones are viewers, if registration is open."""
    users = UserRepository(session)
    is_first = await users.count() == 0
    if not is_first and not settings.allow_registration:
        raise Forbidden("Self-registration is switched off; ask an administrator for an account.")
    return await create_user(session, email, password, Role.admin if is_first else Role.viewer)


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
