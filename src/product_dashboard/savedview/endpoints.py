"""`/api/views`: saved views of the product list and bulk editor, personal or shared."""

from __future__ import annotations

from fastapi import APIRouter, status

from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.models import SavedView
from product_dashboard.savedview import service
from product_dashboard.savedview.schemas import SavedViewIn, SavedViewRead

router = APIRouter(prefix="/api/views", tags=["saved views"])


def _read(view: SavedView, owner_email: str, user_id: int) -> SavedViewRead:
    return SavedViewRead(
        id=view.id,
        name=view.name,
        shared=view.shared,
        mine=view.owner_id == user_id,
        owner_email=owner_email,
        filters=view.filters,
        sort=view.sort,
        columns=view.columns,
        updated_at=view.updated_at,
    )


@router.get("", response_model=Page[SavedViewRead])
async def list_views(
    session: SessionDep, principal: CurrentPrincipal, pagination: PaginationDep
) -> Page[SavedViewRead]:
    """Your views, then those your team shared."""
    user = principal.user
    rows, total = await service.list_visible(
        session, user, offset=pagination.offset, limit=pagination.per_page
    )
    return Page(
        items=[_read(view, email, user.id) for view, email in rows],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.post("", response_model=SavedViewRead, status_code=status.HTTP_201_CREATED)
async def create_view(
    body: SavedViewIn, session: SessionDep, principal: WriterPrincipal
) -> SavedViewRead:
    view = await service.create(session, principal.user, body)
    return _read(view, principal.user.email, principal.user.id)


@router.get("/{view_id}", response_model=SavedViewRead)
async def get_view(
    view_id: EntityId, session: SessionDep, principal: CurrentPrincipal
) -> SavedViewRead:
    view, email = await service.get_visible(session, principal.user, view_id)
    return _read(view, email, principal.user.id)


@router.put("/{view_id}", response_model=SavedViewRead)
async def update_view(
    view_id: EntityId, body: SavedViewIn, session: SessionDep, principal: WriterPrincipal
) -> SavedViewRead:
    """Only the view's owner (or an admin) may change it."""
    view = await service.update(session, principal.user, view_id, body)
    _, email = await service.get_visible(session, principal.user, view.id)
    return _read(view, email, principal.user.id)


@router.delete("/{view_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_view(view_id: EntityId, session: SessionDep, principal: WriterPrincipal) -> None:
    await service.delete(session, principal.user, view_id)
