"""Conflict and merge events on the `conflicts` channel, published only once the data commits."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.eventstream.bus import CONFLICTS, EventBus
from product_dashboard.job.commit_hooks import on_commit
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.models import Product, ProductConflict

logger = logging.getLogger(__name__)


class ConflictEvents:
    def __init__(self, bus: EventBus | None) -> None:
        self.bus = bus

    def _publish(self, session: AsyncSession, type: str, data: dict[str, Any]) -> None:
        bus = self.bus
        if bus is None:
            return

        def publish() -> None:
            bus.publish(CONFLICTS, type, data)

        on_commit(session, publish)

    def detected(self, session: AsyncSession, record: ProductConflict, product: Product) -> None:
        paths = [f["path"] for f in record.fields]
        data = {
            "conflict_id": record.id,
            "product_id": product.id,
            "title": product.title,
            "fields": paths,
            "source": record.source,
        }

        # Values read now: after the commit the ORM objects are expired.
        fields = log_fields(
            conflict=record.id, product=product.id, source=record.source, fields=",".join(paths)
        )
        message = f"conflict on product {product.id} ({product.title}): changed on both sides"

        def log() -> None:  # once it commits, like the event: a rolled-back one never was
            logger.warning("%s", message, extra=fields)

        on_commit(session, log)
        self._publish(session, "conflict.detected", data)

    def merged(
        self, session: AsyncSession, product: Product, paths: list[str], source: str
    ) -> None:
        self._publish(
            session,
            "conflict.merged",
            {"product_id": product.id, "fields": paths, "source": source},
        )

    def deleted(self, session: AsyncSession, product_id: int, shopify_id: str) -> None:
        self._publish(
            session,
            "product.deleted_remotely",
            {"product_id": product_id, "shopify_id": shopify_id},
        )

    def resolved(
        self, session: AsyncSession, record: ProductConflict, push_job: str | None
    ) -> None:
        self._publish(
            session,
            "conflict.resolved",
            {
                "conflict_id": record.id,
                "product_id": record.product_id,
                "resolution": record.resolution,
                "push_job_id": push_job,
            },
        )
