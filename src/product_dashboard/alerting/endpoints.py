"""`/api/alerts`: the alerts raised, kept until acknowledged (editors and admins acknowledge)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.alerting import store
from product_dashboard.alerting.notices import KeptNotice
from product_dashboard.alerting.notifier import ACKNOWLEDGED_EVENT
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.eventstream import SYSTEM, EventBus
from product_dashboard.eventstream.dependencies import EventBusDep
from product_dashboard.job.commit_hooks import on_commit
from product_dashboard.kit.pagination import MAX_ID, EntityId, Page, PaginationDep

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


def _announce_on_commit(session: AsyncSession, bus: EventBus, data: dict[str, int]) -> None:
    def publish() -> None:
        bus.publish(SYSTEM, ACKNOWLEDGED_EVENT, data)

    on_commit(session, publish)


class AcknowledgeAll(BaseModel):
    model_config = ConfigDict(extra="forbid")

    through_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Only alerts up to this id (the newest one you saw); all when absent",
    )


class Acknowledged(BaseModel):
    acknowledged: int = Field(description="How many alerts this acknowledged")


@router.get("", response_model=Page[KeptNotice])
async def list_alerts(
    session: SessionDep,
    principal: CurrentPrincipal,
    pagination: PaginationDep,
    unacknowledged: Annotated[
        bool, Query(description="Only those nobody has acknowledged yet")
    ] = False,
) -> Page[KeptNotice]:
    """Newest first; `total` with `unacknowledged=true` is the count a page shows."""
    items, total = await store.list_alerts(
        session,
        unacknowledged=unacknowledged,
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    return Page(items=list(items), total=total, page=pagination.page, per_page=pagination.per_page)


@router.post("/acknowledge-all", response_model=Acknowledged)
async def acknowledge_all(
    session: SessionDep,
    principal: WriterPrincipal,
    bus: EventBusDep,
    body: AcknowledgeAll | None = None,
) -> Acknowledged:
    count = await store.acknowledge_all(
        session, principal.user, body.through_id if body is not None else None
    )
    if count:
        _announce_on_commit(session, bus, {"count": count})
    return Acknowledged(acknowledged=count)


@router.post("/{alert_id}/acknowledge", response_model=KeptNotice)
async def acknowledge(
    alert_id: EntityId, session: SessionDep, principal: WriterPrincipal, bus: EventBusDep
) -> KeptNotice:
    """Acknowledging an acknowledged alert changes nothing (who and when stay the first's)."""
    alert, changed = await store.acknowledge(session, alert_id, principal.user)
    if changed:
        _announce_on_commit(session, bus, {"count": 1, "id": alert_id})
    return alert
