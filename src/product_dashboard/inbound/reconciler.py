"""Reconciliation: a periodic incremental pull that catches webhooks Shopify never delivered.

Every `interval` seconds, products updated in Shopify since the cursor (minus a small overlap,
since Shopify's search is by second) go through the same decision as a webhook. Stale and echo
outcomes make re-reading the overlap harmless. The cursor is stored, so a restart resumes.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import apply_remote
from product_dashboard.inbound.remote import TruncatedProduct, changed_since
from product_dashboard.kit.periodic import Periodic
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import InboundCursor
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError

logger = logging.getLogger(__name__)

CURSOR = "reconcile.products"
OVERLAP = timedelta(seconds=5)
FIRST_LOOKBACK = timedelta(days=1)


class Reconciler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: ShopifyClient,
        events: ConflictEvents,
        interval: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.events = events
        self.interval = interval
        self.last_run: dict[str, Any] | None = None
        self._periodic = Periodic("reconciler", self._run_noting_failures, interval)

    def start(self) -> None:
        self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    async def _run_noting_failures(self) -> None:
        try:
            await self.run_once()
        except (ShopifyError, TruncatedProduct) as exc:
            logger.warning("reconciliation pull failed: %s", exc)
            self.last_run = {"at": utcnow().isoformat(), "error": str(exc)}

    async def _cursor(self) -> datetime:
        async with self.sessionmaker() as session:
            row = await session.get(InboundCursor, CURSOR)
            return as_utc(row.position) if row is not None else utcnow() - FIRST_LOOKBACK

    async def _save_cursor(self, position: datetime) -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(InboundCursor, CURSOR)
            if row is None:
                session.add(InboundCursor(name=CURSOR, position=position))
            elif position > as_utc(row.position):
                row.position = position

    async def run_once(self) -> dict[str, Any]:
        """One pull; a summary of outcomes. Also what `POST /api/conflicts/reconcile` runs."""
        since = await self._cursor()
        started = utcnow()
        outcomes: Counter[str] = Counter()
        newest = since
        async for remote, updated_at in changed_since(self.client, since - OVERLAP):
            async with self.sessionmaker() as session, session.begin():
                result = await apply_remote(
                    session,
                    remote,
                    remote_updated_at=updated_at,
                    source="pull",
                    events=self.events,
                )
            outcomes[result.outcome.value] += 1
            if updated_at is not None and updated_at > newest:
                newest = updated_at
        await self._save_cursor(newest)
        self.last_run = {
            "at": started.isoformat(),
            "since": since.isoformat(),
            "seen": sum(outcomes.values()),
            "outcomes": dict(outcomes),
        }
        return self.last_run
