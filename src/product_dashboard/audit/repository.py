from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import AuditEvent


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_entity(
        self, entity_type: str, entity_id: str | int, *, offset: int, limit: int
    ) -> tuple[list[AuditEvent], int]:
        where = (AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        total = await self.session.scalar(
            select(func.count()).select_from(AuditEvent).where(*where)
        )
        rows = await self.session.execute(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total or 0)
