"""After productSet: the product's online-store publication, which productSet cannot set.

A product is published or unpublished only where its local `published_online_store` differs
from what Shopify last reported (the stored base, `synced_snapshot`), never where it is unknown
(None): unknown is never sent as false. The mutations go once the products' productSets are
answered (a new product has its id only then), up to `MAX_PER_REQUEST` aliased in one request.
Each outcome says what was sent (`PushOutcome.published`); a product Shopify refused to
(un)publish fails with the reason, its productSet write kept and recorded (its new Shopify ids
with it, so the next push updates rather than creates it), and is sent again by the next push.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.kit.time import parse_time
from product_dashboard.models import Product
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.shopify.publication import (
    MAX_PER_REQUEST,
    ONLINE_STORE,
    online_store_publication,
    parse_publication_payload,
    publication_batch_document,
)
from product_dashboard.sync.push.recorder import PushOutcome, RefusedPublication

# Shopify's last report of each product's publication, as the stored base holds it.
_BASE = Product.synced_snapshot[("detail", "published_online_store")].as_boolean()


@dataclass(slots=True)
class PublicationReport:
    published: int = 0
    unpublished: int = 0
    failed: int = 0
    requests: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "published": self.published,
            "unpublished": self.unpublished,
            "failed": self.failed,
            "requests": self.requests,
        }


@dataclass(frozen=True, slots=True)
class _Change:
    """A product to (un)publish: `local` differs from Shopify's last report, `base`."""

    outcome: PushOutcome
    local: bool
    base: bool | None


class PublicationPusher:
    """One push's publication step (`after_set` on each batch of productSet outcomes)."""

    def __init__(
        self, client: ShopifyClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self.client = client
        self.sessionmaker = sessionmaker
        self.report = PublicationReport()
        self._online_store: str | None = None
        self._looked_up = asyncio.Lock()

    async def after_set(self, outcomes: Sequence[PushOutcome]) -> None:
        """(Un)publish the products of these outcomes whose publication changed here."""
        known = {
            o.item.product_id: (o, local)
            for o in outcomes
            if o.ok and not o.item.deleted and (local := _local(o)) is not None
        }
        if not known:
            return
        async with self.sessionmaker() as session:
            rows = await session.execute(select(Product.id, _BASE).where(Product.id.in_(known)))
            bases: dict[int, bool | None] = {pid: base for pid, base in rows}
        changed = [
            _Change(o, local, bases.get(pid))
            for pid, (o, local) in known.items()
            if bases.get(pid) != local
        ]
        if not changed:
            return
        publication = await self._publication()
        if publication is None:
            for change in changed:
                self._fail(change, f"Shopify has no {ONLINE_STORE} publication to publish on.")
            return
        for start in range(0, len(changed), MAX_PER_REQUEST):
            await self._send(publication, changed[start : start + MAX_PER_REQUEST])

    async def _publication(self) -> str | None:
        async with self._looked_up:
            if self._online_store is None:
                response = await self.client.execute(documents.PUBLICATIONS)
                nodes = (response.data.get("publications") or {}).get("nodes") or []
                self._online_store = online_store_publication(nodes)
            return self._online_store

    async def _send(self, publication: str, batch: Sequence[_Change]) -> None:
        document = publication_batch_document(tuple(change.local for change in batch))
        variables: dict[str, str] = {"publication": publication}
        for n, change in enumerate(batch):
            assert change.outcome.shopify_product_id is not None
            variables[f"p{n}"] = change.outcome.shopify_product_id
        self.report.requests += 1
        try:
            response = await self.client.execute(document, variables)
        except ShopifyError as exc:
            for change in batch:
                self._fail(change, exc.message)
            return
        for n, change in enumerate(batch):
            outcome, local = change.outcome, change.local
            answer = parse_publication_payload(response.data.get(f"p{n}"))
            if not answer.ok or answer.published != local:
                reasons = "; ".join(e.message for e in answer.user_errors) or (
                    f"Shopify still reports it {'un' if local else ''}published"
                )
                self._fail(change, reasons)
                continue
            outcome.published = local
            if local:
                self.report.published += 1
            else:
                self.report.unpublished += 1
            changed_at = parse_time(answer.updated_at)
            if changed_at is not None and (
                outcome.shopify_updated_at is None or changed_at > outcome.shopify_updated_at
            ):
                outcome.shopify_updated_at = changed_at

    def _fail(self, change: _Change, reason: str) -> None:
        """Failed, with the reason; its productSet write is kept (recorder.RefusedPublication)."""
        self.report.failed += 1
        change.outcome.ok = False
        change.outcome.error = (
            "Saved in Shopify, but its online store publication was not changed: " + reason
        )
        change.outcome.refused_publication = RefusedPublication(reason, change.base)


def _local(outcome: PushOutcome) -> bool | None:
    snapshot = outcome.item.snapshot
    detail = snapshot.detail if snapshot is not None else None
    return detail.published_online_store if detail is not None else None
