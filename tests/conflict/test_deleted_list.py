"""`GET /api/products/deleted`: a page of product deletions by Shopify (the list envelope every
list returns), newest first, found by their partial index however long the audit log is, each
with what it was restored as (one statement for the page)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import AuditEvent, AuditSource
from product_dashboard.recovery.service import (
    DELETE_ACTION,
    RESTORE_ACTION,
    _deletions_by_shopify,
)

pytestmark = pytest.mark.postgres


def _deletion(product_id: int, source: AuditSource, title: str) -> dict[str, Any]:
    return {
        "source": source.value,
        "entity_type": "product",
        "entity_id": str(product_id),
        "action": DELETE_ACTION,
        "before": {"id": product_id, "title": title, "handle": f"h-{product_id}"},
    }


async def _seed(sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    """Five deletions by Shopify among other entries; the ids of those five, oldest first."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            insert(AuditEvent),
            [
                {
                    "source": AuditSource.batch.value,
                    "entity_type": "product",
                    "entity_id": str(n),
                    "action": "update",
                }
                for n in range(300)
            ],
        )
        await session.execute(
            insert(AuditEvent),
            [
                _deletion(1001, AuditSource.webhook, "Über „Schnee“"),
                _deletion(1002, AuditSource.ui, "deleted here: not listed"),
                _deletion(1003, AuditSource.sync, "Pulled away"),
                {**_deletion(1004, AuditSource.webhook, "x"), "before": {"unreadable": True}},
                _deletion(1005, AuditSource.webhook, "Five"),
                _deletion(1006, AuditSource.sync, "Six"),
                {**_deletion(1007, AuditSource.webhook, "x"), "entity_type": "collection"},
            ],
        )
        ids = list(
            await session.scalars(
                text(
                    "SELECT id FROM audit_event WHERE action = 'delete' AND entity_type = 'product'"
                    " AND source IN ('webhook', 'sync') ORDER BY id"
                )
            )
        )
        restored_from = ids[2]  # product 1004's entry, unreadable: listed, not restorable
        await session.execute(
            insert(AuditEvent),
            [
                {
                    "source": AuditSource.ui.value,
                    "entity_type": "product",
                    "entity_id": "1001",
                    "action": RESTORE_ACTION,
                    "after": {"audit_id": ids[0], "product_id": 77},
                },
                {  # a restore naming another entry of the same product is not this one's
                    "source": AuditSource.ui.value,
                    "entity_type": "product",
                    "entity_id": "1004",
                    "action": RESTORE_ACTION,
                    "after": {"audit_id": restored_from + 10_000, "product_id": 78},
                },
            ],
        )
    return ids


async def test_deleted_products_are_a_page_newest_first(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    viewer_headers: dict[str, str],
) -> None:
    ids = await _seed(sessionmaker)
    assert len(ids) == 5

    first = await client.get(
        "/api/products/deleted", params={"per_page": 2}, headers=viewer_headers
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 2)
    assert [e["product_id"] for e in body["items"]] == [1006, 1005]

    last = await client.get(
        "/api/products/deleted", params={"per_page": 2, "page": 3}, headers=viewer_headers
    )
    [oldest] = last.json()["items"]
    assert oldest["product_id"] == 1001
    assert oldest["title"] == "Über „Schnee“"
    assert oldest["restored_product_id"] == 77

    middle = (
        await client.get(
            "/api/products/deleted", params={"per_page": 2, "page": 2}, headers=viewer_headers
        )
    ).json()["items"]
    assert [e["product_id"] for e in middle] == [1004, 1003]
    unreadable = middle[0]
    assert unreadable["restorable"] is False
    assert unreadable["restored_product_id"] is None
    assert unreadable["title"] == "Product 1004"


async def test_bad_paging_is_a_422(
    client: httpx.AsyncClient, viewer_headers: dict[str, str]
) -> None:
    for params in ({"page": 0}, {"per_page": 201}, {"per_page": "many"}):
        answer = await client.get("/api/products/deleted", params=params, headers=viewer_headers)
        assert answer.status_code == 422, (params, answer.text)


async def test_the_deletions_are_read_by_their_index(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _seed(sessionmaker)
    statement = _deletions_by_shopify().order_by(AuditEvent.id.desc()).limit(20)
    async with sessionmaker() as session:
        connection = await session.connection()
        compiled = str(statement.compile(connection.engine, compile_kwargs={"literal_binds": True}))
        if database_url.startswith("sqlite"):
            plan = " ".join(
                str(row[-1])
                for row in await session.execute(text("EXPLAIN QUERY PLAN " + compiled))
            )
        else:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(
                str(row[0]) for row in await session.execute(text("EXPLAIN " + compiled))
            )
    assert "ix_audit_event_product_deletion" in plan, plan
