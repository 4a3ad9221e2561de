"""Schedules API: recurring pull, push, export and detect jobs, with their next and last runs."""

from __future__ import annotations

from fastapi import APIRouter, status

from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.schedule import service
from product_dashboard.schedule.schemas import ScheduleIn, ScheduleRead, ScheduleUpdate

router = APIRouter(prefix="/api/schedules", tags=["schedules"])


@router.get("", response_model=Page[ScheduleRead])
async def list_schedules(
    _: CurrentPrincipal, session: SessionDep, pagination: PaginationDep
) -> Page[ScheduleRead]:
    schedules, total = await service.list_schedules(session, pagination)
    return Page[ScheduleRead](
        items=await service.read(session, schedules),
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.post("", response_model=ScheduleRead, status_code=status.HTTP_201_CREATED)
async def create_schedule(
    body: ScheduleIn, principal: WriterPrincipal, session: SessionDep
) -> ScheduleRead:
    """A recurring job; a push schedule may carry its own guard rules."""
    schedule = await service.create(session, body, created_by_id=principal.user.id)
    return (await service.read(session, [schedule]))[0]


@router.get("/{schedule_id}", response_model=ScheduleRead)
async def get_schedule(
    schedule_id: EntityId, _: CurrentPrincipal, session: SessionDep
) -> ScheduleRead:
    return (await service.read(session, [await service.get(session, schedule_id)]))[0]


@router.put("/{schedule_id}", response_model=ScheduleRead)
async def update_schedule(
    schedule_id: EntityId, body: ScheduleUpdate, _: WriterPrincipal, session: SessionDep
) -> ScheduleRead:
    schedule = await service.update(session, schedule_id, body)
    return (await service.read(session, [schedule]))[0]


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(schedule_id: EntityId, _: WriterPrincipal, session: SessionDep) -> None:
    await service.delete(session, schedule_id)
