"""Saved views: listed for their owner and, when shared, for the team; changed by the owner only
(or an admin). Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Conflict, Forbidden, NotFound, Unprocessable
from product_dashboard.grid.columns import available
from product_dashboard.models import Role, SavedView, User
from product_dashboard.savedview.schemas import SavedViewIn


def _visible_to(user: User) -> ColumnElement[bool]:
    return or_(SavedView.owner_id == user.id, SavedView.shared.is_(True))


async def list_visible(
    session: AsyncSession, user: User, *, offset: int, limit: int
) -> tuple[Sequence[tuple[SavedView, str]], int]:
    """The user's own views first, then the team's shared ones, by name."""
    visible = _visible_to(user)
    total = await session.scalar(select(func.count()).select_from(SavedView).where(visible))
    rows = await session.execute(
        select(SavedView, User.email)
        .join(User, User.id == SavedView.owner_id)
        .where(visible)
        .order_by((SavedView.owner_id != user.id), func.lower(SavedView.name), SavedView.id)
        .offset(offset)
        .limit(limit)
    )
    return [(view, email) for view, email in rows], int(total or 0)


async def get_visible(session: AsyncSession, user: User, view_id: int) -> tuple[SavedView, str]:
    row = (
        await session.execute(
            select(SavedView, User.email)
            .join(User, User.id == SavedView.owner_id)
            .where(SavedView.id == view_id, _visible_to(user))
        )
    ).first()
    if row is None:
        raise NotFound(f"No saved view {view_id} (or it is another person's and not shared).")
    return row[0], row[1]


async def _check_name_free(
    session: AsyncSession, owner_id: int, name: str, exclude_id: int | None
) -> None:
    statement = select(SavedView.id).where(SavedView.owner_id == owner_id, SavedView.name == name)
    if exclude_id is not None:
        statement = statement.where(SavedView.id != exclude_id)
    if await session.scalar(statement.limit(1)) is not None:
        raise Conflict(f"You already have a view named '{name}'; choose another name.")


async def _check_columns(session: AsyncSession, data: SavedViewIn) -> None:
    columns = await available(session)
    unknown = [key for key in data.columns if key not in columns]
    if unknown:
        raise Unprocessable(
            f"Unknown column(s): {', '.join(unknown)}.",
            fields=[{"loc": ["body", "columns"], "msg": f"unknown column {k!r}"} for k in unknown],
        )


def _write(view: SavedView, data: SavedViewIn) -> None:
    view.name = data.name
    view.shared = data.shared
    view.filters = data.filters.model_dump(mode="json", exclude_none=True)
    view.sort = data.sort
    view.columns = data.columns


async def create(session: AsyncSession, user: User, data: SavedViewIn) -> SavedView:
    await _check_name_free(session, user.id, data.name, None)
    await _check_columns(session, data)
    view = SavedView(owner_id=user.id)
    _write(view, data)
    session.add(view)
    await session.flush()
    return view


def _check_owner(user: User, view: SavedView) -> None:
    if view.owner_id != user.id and user.role != Role.admin:
        raise Forbidden("Only the owner of this view (who saved it) or an admin can change it.")


async def update(session: AsyncSession, user: User, view_id: int, data: SavedViewIn) -> SavedView:
    view, _ = await get_visible(session, user, view_id)
    _check_owner(user, view)
    await _check_name_free(session, view.owner_id, data.name, view.id)
    await _check_columns(session, data)
    _write(view, data)
    await session.flush()
    return view


async def delete(session: AsyncSession, user: User, view_id: int) -> None:
    view, _ = await get_visible(session, user, view_id)
    _check_owner(user, view)
    await session.delete(view)
