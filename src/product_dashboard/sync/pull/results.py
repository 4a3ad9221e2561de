"""What a pull changed here, one results row per product: its local shape before and after, in
the transaction that changed it (an undo puts the before-values back where nothing moved since).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ProductChange
from product_dashboard.sync.push.items import load_push_items


async def local_shape(session: AsyncSession, product_id: int) -> dict[str, Any] | None:
    """The product as a push would send it (None: gone); what the diff and the undo compare."""
    await session.flush()  # read with Core: the session's pending changes first
    items = await load_push_items(session, [product_id])
    if not items or items[0].deleted:
        return None
    shape: dict[str, Any] = orjson.loads(items[0].snapshot_json)
    return shape


class PullResults:
    """Writes a pull job's results rows."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    async def before(self, session: AsyncSession, product_id: int | None) -> dict[str, Any] | None:
        return None if product_id is None else await local_shape(session, product_id)

    async def record(
        self,
        session: AsyncSession,
        product_id: int,
        before: dict[str, Any] | None,
        shopify_id: str | None,
    ) -> None:
        after = await local_shape(session, product_id)
        change = ProductChange.between(
            before,
            after,
            product_id=product_id,
            handle=(after or before or {}).get("handle"),
            shopify_product_id=shopify_id,
        )
        if change.changes:
            await results.write(session, self.job_id, ResultStage.done, [change])
