"""A detection's results rows (`inbound.decide.CheckRecorder`): one per product it found not
as last synced.

Merged (Shopify's changes applied here: the local change field by field), in conflict (the
fields changed on both sides, in `error`; the fields merged beside them as changes), deleted
(gone from Shopify, deleted here too), or not checked (the reason, in `error`). Echoes and
unchanged products get no row. The local shapes before are read for a page or chunk at once
(set-based, as the push reads them), the shape after inside the transaction that changed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.remote_apply import InboundResult, Outcome
from product_dashboard.db import SessionFactory
from product_dashboard.models import ResultAction, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ProductChange
from product_dashboard.sync.pull.results import local_shape
from product_dashboard.sync.push.items import load_push_items

RECORDED = frozenset({Outcome.merged, Outcome.conflict, Outcome.deleted})


class CheckResults:
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self._before: dict[int, dict[str, Any] | None] = {}

    async def read_before(self, sessions: SessionFactory, product_ids: Sequence[int]) -> None:
        """The local shapes of the products about to be checked."""
        async with sessions() as session:
            for item in await load_push_items(session, product_ids):
                self._before[item.product_id] = (
                    None if item.deleted else orjson.loads(item.snapshot_json)
                )

    async def record(
        self, session: AsyncSession, product_id: int, shopify_id: str, result: InboundResult
    ) -> None:
        """In the transaction that applied `result`."""
        before = self._before.pop(product_id, None)
        if result.outcome not in RECORDED:
            return
        after = await local_shape(session, product_id)
        change = ProductChange.between(
            before,
            after,
            product_id=product_id,
            handle=(after or before or {}).get("handle"),
            shopify_product_id=shopify_id,
        )
        if result.outcome == Outcome.conflict:
            change.action = ResultAction.conflict
            change.error = (
                f"changed here and in Shopify: {', '.join(result.fields)} "
                f"(conflict {result.conflict_id})"
            )
        await results.write(session, self.job_id, ResultStage.done, [change])

    async def failed(
        self, sessions: SessionFactory, product_id: int | None, shopify_id: str, reason: str
    ) -> None:
        """A product that could not be checked, in a transaction of its own."""
        before = self._before.pop(product_id, None) if product_id is not None else None
        change = ProductChange(
            action=ResultAction.failed,
            product_id=product_id,
            handle=(before or {}).get("handle"),
            shopify_product_id=shopify_id,
            error=reason,
        )
        async with sessions() as session:
            await results.write(session, self.job_id, ResultStage.done, [change])
