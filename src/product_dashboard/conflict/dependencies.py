"""What resolving a conflict needs from the rest of the app, built once in `create_app`: the
conflict events, and (when sync is installed) a way to push the resolved product."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.events import ConflictEvents

ProductPush = Callable[[AsyncSession, int, int | None], Awaitable[str]]
"""Queues a push of one product in the session's transaction (session, product id, user id);
provided by sync/, which conflict/ does not import."""


@dataclass(frozen=True, slots=True)
class ConflictServices:
    events: ConflictEvents
    push_product: ProductPush | None = None

    async def queue_push(
        self, session: AsyncSession, product_id: int, created_by_id: int | None
    ) -> str | None:
        """Queue a push of one product when sync is installed; its job id, else None."""
        if self.push_product is None:
            return None
        return await self.push_product(session, product_id, created_by_id)


async def get_conflict_services(request: Request) -> ConflictServices:
    services: ConflictServices = request.app.state.conflicts
    return services


ConflictServicesDep = Annotated[ConflictServices, Depends(get_conflict_services)]
