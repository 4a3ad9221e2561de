"""A bulk push's quantities, part by part: each part's products' levels are sent as soon as the
part's outcomes are recorded, while the push's other bulk operations still run, instead of all
of them after the last operation (reading and sending 20,000 products' levels took longer than
recording them). Parts touch their own levels, so their runs go side by side, but only once the
first has ended: it may have to learn the store's locations, which two runs must not do at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inventory.push import InventoryPusher, InventoryPushReport
from product_dashboard.shopify.client import ShopifyClient


class PartQuantities:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: ShopifyClient,
        stopping: Callable[[], bool],
    ) -> None:
        self._pusher = InventoryPusher(sessionmaker, client)
        self._stopping = stopping
        self._first = asyncio.Lock()
        self._first_done = asyncio.Event()
        self.report = InventoryPushReport()

    async def send(self, product_ids: Sequence[int]) -> None:
        """Send these (recorded, pushed) products' pending quantities; nothing once stopping
        (the resumed push's final pass sends them)."""
        if not product_ids:
            return
        if not self._first_done.is_set():
            async with self._first:
                if not self._first_done.is_set():
                    try:
                        await self._run(product_ids)
                    finally:
                        self._first_done.set()
                    return
        await self._run(product_ids)

    async def _run(self, product_ids: Sequence[int]) -> None:
        if not self._stopping():
            self.report.add(await self._pusher.run(product_ids))
