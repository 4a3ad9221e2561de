"""`/api/users`: user management, for admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import AdminPrincipal, Principal
from product_dashboard.auth.repository import UserRepository
from product_dashboard.auth.schemas import RoleName
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.models import Role, User
from product_dashboard.team import service
from product_dashboard.team.schemas import (
    InviteRequest,
    MemberWithPassword,
    PasswordReset,
    RoleChange,
    TeamMember,
)

router = APIRouter(prefix="/api/users", tags=["users"])


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor.for_request(principal.user, request.headers)


def _member(user: User) -> TeamMember:
    return TeamMember.model_validate(user)


def _with_password(user: User, password: str | None, response: Response) -> MemberWithPassword:
    response.headers["Cache-Control"] = "no-store"  # a generated password is in the body
    return MemberWithPassword(user=_member(user), password=password)


@router.get("", response_model=Page[TeamMember])
async def list_users(
    principal: AdminPrincipal,
    session: SessionDep,
    pagination: PaginationDep,
    role: Annotated[RoleName | None, Query()] = None,
    active: Annotated[bool | None, Query(description="true: enabled only; false: disabled")] = None,
    q: Annotated[str | None, Query(max_length=320, description="Email contains")] = None,
) -> Page[TeamMember]:
    users, total = await UserRepository(session).page(
        role=Role(role) if role else None,
        is_active=active,
        email_contains=q.strip() if q else None,
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    return Page(
        items=[_member(u) for u in users],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.post("", response_model=MemberWithPassword, status_code=status.HTTP_201_CREATED)
async def invite_user(
    body: InviteRequest,
    principal: AdminPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MemberWithPassword:
    """Add a user. Without `password` one is generated and returned in this answer only: there is
    no mail server, so the admin hands it over."""
    user, generated = await service.invite(
        session, _actor(principal, request), body.email, Role(body.role), body.password
    )
    await session.flush()
    return _with_password(user, generated, response)


@router.get("/{user_id:int}", response_model=TeamMember)
async def get_user(user_id: EntityId, principal: AdminPrincipal, session: SessionDep) -> TeamMember:
    return _member(await service.get_member(session, user_id))


@router.put("/{user_id:int}/role", response_model=TeamMember)
async def set_role(
    user_id: EntityId,
    body: RoleChange,
    principal: AdminPrincipal,
    session: SessionDep,
    request: Request,
) -> TeamMember:
    """409 for your own role, or for the last active admin."""
    user = await service.get_member(session, user_id)
    await service.set_role(session, _actor(principal, request), user, Role(body.role))
    return _member(user)


@router.post("/{user_id:int}/disable", response_model=TeamMember)
async def disable_user(
    user_id: EntityId, principal: AdminPrincipal, session: SessionDep, request: Request
) -> TeamMember:
    """Refuse the user's logins and end their sessions. 409 for yourself or the last admin."""
    user = await service.get_member(session, user_id)
    await service.set_active(session, _actor(principal, request), user, False)
    return _member(user)


@router.post("/{user_id:int}/enable", response_model=TeamMember)
async def enable_user(
    user_id: EntityId, principal: AdminPrincipal, session: SessionDep, request: Request
) -> TeamMember:
    user = await service.get_member(session, user_id)
    await service.set_active(session, _actor(principal, request), user, True)
    return _member(user)


@router.post("/{user_id:int}/reset-password", response_model=MemberWithPassword)
async def reset_password(
    user_id: EntityId,
    body: PasswordReset,
    principal: AdminPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MemberWithPassword:
    """Set a new password (generated and returned once unless given) and end the user's sessions."""
    user = await service.get_member(session, user_id)
    _, generated = await service.reset_password(
        session, _actor(principal, request), user, body.password
    )
    return _with_password(user, generated, response)


@router.post("/{user_id:int}/revoke-sessions", response_model=TeamMember)
async def revoke_sessions(
    user_id: EntityId, principal: AdminPrincipal, session: SessionDep, request: Request
) -> TeamMember:
    """Sign the user out everywhere: every token issued to them so far is refused."""
    user = await service.get_member(session, user_id)
    await service.revoke_sessions(session, _actor(principal, request), user)
    return _member(user)
