"""The pull's high-water mark: Shopify's `updatedAt` up to which every product has been pulled.

Kept as a row of `inbound_cursor` (a named timestamp), so no table of its own is needed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.time import as_utc
from product_dashboard.models import InboundCursor

PULL_CURSOR = "pull.products"


async def load_cursor(session: AsyncSession) -> datetime | None:
    row = await session.get(InboundCursor, PULL_CURSOR)
    return as_utc(row.position) if row is not None else None


async def save_cursor(session: AsyncSession, position: datetime, *, only_forward: bool) -> None:
    """Store `position`; with `only_forward`, never move an existing cursor back."""
    row = await session.get(InboundCursor, PULL_CURSOR)
    if row is None:
        session.add(InboundCursor(name=PULL_CURSOR, position=position))
    elif not only_forward or position > as_utc(row.position):
        row.position = position
