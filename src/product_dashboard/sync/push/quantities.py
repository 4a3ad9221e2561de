"""A bulk push's quantities, part by part: each part's products' levels are sent as soon as the
part's outcomes are recorded, while the push's other bulk operations still run, instead of all
of them after the last operation (reading and sending 20,000 products' levels took longer than
recording them). The levels the bulk lines read with the write (`PushOutcome.inventory_levels`)
are merged first where none was known, so those are compared with rather than read again.
One part at a time: the first learns the store's locations if needed, which two runs must not
do at once, and a run may hold SQLite's write lock across its requests (inventory items still to
look up), which can make runs side by side wait past the busy timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inventory.push import InventoryPusher, InventoryPushReport
from product_dashboard.inventory.read import known_locations, level_report, merge_unseen
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.sync.push.recorder import PushOutcome


class PartQuantities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: ShopifyClient,
        stopping: Callable[[], bool],
    ) -> None:
        self._sessionmaker = sessionmaker
        self._pusher = InventoryPusher(sessionmaker, client)
        self._stopping = stopping
        self._one_at_a_time = asyncio.Lock()
        self._learnt = False
        self.report = InventoryPushReport()

    async def send(self, outcomes: Sequence[PushOutcome]) -> None:
        """Send the pending quantities of these recorded outcomes' products (those pushed);
        nothing once stopping (the resumed push's final pass sends them)."""
        pushed = [o for o in outcomes if o.ok]
        if not pushed or self._stopping():
            return
        async with self._one_at_a_time:
            if not self._learnt:
                await self._pusher.learn_locations()
                self._learnt = True
            await self._send(pushed)

    async def _send(self, pushed: Sequence[PushOutcome]) -> None:
        await self._merge_read_with_the_write(pushed)
        if not self._stopping():
            self.report.add(await self._pusher.run([o.item.product_id for o in pushed]))

    async def _merge_read_with_the_write(self, pushed: Sequence[PushOutcome]) -> None:
        async with self._sessionmaker() as session:
            locations = await known_locations(session)
            reports = [
                report
                for o in pushed
                for row_id, levels in zip(o.item.variant_row_ids, o.inventory_levels, strict=False)
                for level in levels
                if (report := level_report(row_id, level, locations)) is not None
            ]
            await merge_unseen(session, reports)
            await session.commit()
