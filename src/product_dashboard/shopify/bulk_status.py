"""The statuses of every bulk operation being waited on, read together: one request a tick.

    board = StatusBoard(client)
    operation = await board.next_status(operation_id)   # None: Shopify has no such operation

An export waits on up to ten operations at once (its products parts and its variants parts).
Each polling its own status, backing off to a second, would notice an end up to a second late,
on the pull's critical path, and send a request per part. The board instead reads every awaited
operation in one `nodes(ids:)` request every `interval`: an end is noticed within `interval`,
at one request a tick however many parts wait. `until_one_ends` lets a part waiting for a bulk
slot try again as soon as one of ours ends rather than after a fixed pause.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from functools import partial

from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import BULK_OPERATIONS_STATUS
from product_dashboard.shopify.patience import patiently

__all__ = ["STATUS_INTERVAL", "StatusBoard"]

STATUS_INTERVAL = 0.25
"""Seconds between reads: a part's end is noticed within this (one request for all parts)."""
_MAX_IDS = 250  # Shopify's limit on `nodes(ids:)`


class StatusBoard:
    def __init__(self, client: ShopifyClient, *, interval: float = STATUS_INTERVAL) -> None:
        self.client = client
        self.interval = interval
        self._wanted: Counter[str] = Counter()
        # Reads begun: a waiter takes a status only from a read begun after it asked.
        self._reads = 0
        self._latest: dict[str, tuple[int, BulkOperation | None]] = {}
        self._last_read: float | None = None
        self._reading = asyncio.Lock()  # one read at a time; whoever holds it reads for all
        self._ended = asyncio.Event()

    async def next_status(self, operation_id: str) -> BulkOperation | None:
        """The operation's status from the next read (shared by every waiter on the board)."""
        self._wanted[operation_id] += 1
        asked = self._reads
        try:
            async with self._reading:
                latest = self._latest.get(operation_id)
                if latest is None or latest[0] <= asked:
                    await self._read()
                    latest = self._latest[operation_id]
                return latest[1]
        finally:
            self._wanted[operation_id] -= 1
            if not self._wanted[operation_id]:
                del self._wanted[operation_id]
                self._latest.pop(operation_id, None)

    async def until_one_ends(self, timeout: float) -> None:
        """Return once a read sees an operation ended (a bulk slot freed), or after `timeout`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ended.wait(), timeout)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        if self._last_read is not None:
            await asyncio.sleep(self._last_read + self.interval - loop.time())
        self._last_read = loop.time()
        self._reads += 1
        read = self._reads
        ids = list(self._wanted)
        found: dict[str, BulkOperation] = {}
        for start in range(0, len(ids), _MAX_IDS):
            response = await patiently(
                partial(
                    self.client.execute,
                    BULK_OPERATIONS_STATUS,
                    {"ids": ids[start : start + _MAX_IDS]},
                )
            )
            for node in response.data.get("nodes") or []:
                # A gid of another type matches no fragment and comes back as {}.
                if node and "id" in node:
                    found[node["id"]] = BulkOperation.from_payload(node)
        ended = False
        for operation_id in ids:
            status = found.get(operation_id)
            previous = self._latest.get(operation_id)
            was_done = previous is not None and previous[1] is not None and previous[1].done
            ended = ended or (status is not None and status.done and not was_done)
            self._latest[operation_id] = (read, status)
        if ended:
            self._ended.set()
            self._ended = asyncio.Event()
