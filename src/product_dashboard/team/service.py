"""User management for admins. Every change is audited, and the team is never left without an
active admin: nobody can disable or demote the last one, and an admin cannot lock themself out."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor, record
from product_dashboard.auth.repository import UserRepository
from product_dashboard.auth.security import generate_password
from product_dashboard.auth.service import USER_ENTITY, create_user, end_sessions, set_password
from product_dashboard.exceptions import Conflict, NotFound
from product_dashboard.models import Role, User


async def get_member(session: AsyncSession, user_id: int) -> User:
    user = await UserRepository(session).get_by_id(user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


async def find_member(session: AsyncSession, email: str) -> User:
    user = await UserRepository(session).get_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {email.lower()}.")
    return user


def _audit(
    session: AsyncSession,
    actor: Actor,
    user: User,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor,
        entity_type=USER_ENTITY,
        entity_id=user.id,
        action=action,
        before=before,
        after=after,
    )


def _not_yourself(actor: Actor, user: User, message: str) -> None:
    if actor.user_id == user.id:
        raise Conflict(message)


async def _keep_an_active_admin(session: AsyncSession, user: User, change: str) -> None:
    admins = await UserRepository(session).lock_active_admin_ids()
    if admins == [user.id]:
        raise Conflict(
            f"{user.email} is the last active admin and cannot be {change}: "
            "make another user an admin first."
        )


async def invite(
    session: AsyncSession, actor: Actor, email: str, role: Role, password: str | None
) -> tuple[User, str | None]:
    """A new account; without a password one is generated and returned (to hand over once)."""
    generated = None
    if password is None:
        password = generated = generate_password()
    user = await create_user(session, email, password, role)
    _audit(session, actor, user, "create", after={"email": user.email, "role": user.role})
    return user, generated


async def set_role(session: AsyncSession, actor: Actor, user: User, role: Role) -> User:
    if user.role == role.value:
        return user
    if user.role == Role.admin.value:
        _not_yourself(actor, user, "You cannot change your own role: ask another admin.")
        await _keep_an_active_admin(session, user, "demoted")
    before = {"role": user.role}
    user.role = role.value
    _audit(session, actor, user, "set_role", before, {"role": user.role})
    return user


async def set_active(session: AsyncSession, actor: Actor, user: User, active: bool) -> User:
    """Disabling also ends the user's sessions, so enabling them later revives no old token."""
    if user.is_active == active:
        return user
    if not active:
        _not_yourself(actor, user, "You cannot disable your own account.")
        if user.role == Role.admin.value:
            await _keep_an_active_admin(session, user, "disabled")
        end_sessions(user)
    user.is_active = active
    action = "enable" if active else "disable"
    _audit(session, actor, user, action, {"is_active": not active}, {"is_active": active})
    return user


async def reset_password(
    session: AsyncSession, actor: Actor, user: User, password: str | None
) -> tuple[User, str | None]:
    """A new password (generated unless given) and every session of the user ended."""
    _not_yourself(
        actor, user, "Change your own password with your current one (POST /api/auth/password)."
    )
    generated = None
    if password is None:
        password = generated = generate_password()
    await set_password(user, password)
    _audit(session, actor, user, "reset_password")
    return user, generated


async def revoke_sessions(session: AsyncSession, actor: Actor, user: User) -> User:
    _not_yourself(
        actor,
        user,
        "That would sign you out too: to end your other sessions, change your password.",
    )
    end_sessions(user)
    _audit(session, actor, user, "revoke_sessions")
    return user
