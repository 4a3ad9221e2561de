"""The push publishes or unpublishes a product on the online store where its local `published`
differs from what Shopify last reported, after productSet, never when it is unknown; the
results say what was sent, and a second push sends nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import Product
from product_dashboard.sync.preview import push_change, stored_bases
from product_dashboard.sync.push.engine import PushConfig, PushHooks, PushReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.recorder import PushOutcome
from tests.fixtures.emulator import API
from tests.sync.conftest import (
    Emulator,
    bump_versions,
    dialect_of,
    local_products,
    make_client,
    push,
    seed,
    unlinked_variants,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
PUBLISHED = "detail.published_online_store"


class Recorded(PushHooks):
    """What each pushed product's outcome said it sent, and the results row's publication."""

    def __init__(self) -> None:
        self.sent: dict[str, bool | None] = {}
        self.rows: dict[str, list[tuple[object, object]]] = {}

    async def on_record(self, session: AsyncSession, outcomes: Sequence[PushOutcome]) -> None:
        bases = await stored_bases(session, [o.item.product_id for o in outcomes])
        for outcome in outcomes:
            assert outcome.ok, outcome.error
            self.sent[outcome.item.handle] = outcome.published
            change = push_change(outcome.item, bases.get(outcome.item.product_id))
            self.rows[outcome.item.handle] = [
                (c.old, c.new) for c in change.changes if c.field == PUBLISHED
            ]


def on_online_store(emulator: Emulator) -> dict[str, bool]:
    body = emulator.http.post(
        API,
        json={
            "query": "{ publications(first: 5) { nodes { id } } "
            "products(first: 50) { nodes { handle publishedAt } } }"
        },
    ).json()
    return {p["handle"]: p["publishedAt"] is not None for p in body["data"]["products"]["nodes"]}


def sent(report: PushReport) -> dict[str, int]:
    assert report.publications is not None
    return {k: v for k, v in report.publications.items() if k != "requests"}


async def set_published(sessions: Sessions, ids: dict[int, bool | None]) -> None:
    async with sessions() as session, session.begin():
        for product_id, value in ids.items():
            await session.execute(
                update(Product)
                .where(Product.id == product_id)
                .values(published_online_store=value, status="active")
            )


@pytest.mark.parametrize("mode", [PushMode.batch, PushMode.bulk])
async def test_publish_unpublish_unknown_not_sent_and_nothing_the_second_time(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator, mode: PushMode
) -> None:
    a, b, c, d = await seed(app, 4)
    await set_published(sessionmaker, {a: True, b: False, c: None, d: True})
    handles = {p.id: p.handle for p in await local_products(sessionmaker)}
    dialect = dialect_of(app)

    # One bulk operation: its products' answers come together, so one request aliases them all.
    config = PushConfig(bulk_poll_interval=0.05, bulk_slots=1)
    hooks = Recorded()
    first = await push(sessionmaker, emulator, mode, hooks=hooks, config=config, dialect=dialect)

    assert first.failed == 0
    assert sent(first) == {"published": 2, "unpublished": 1, "failed": 0}
    assert first.publications is not None
    assert first.publications["requests"] == 1 or mode != PushMode.bulk
    assert hooks.sent == {handles[a]: True, handles[b]: False, handles[c]: None, handles[d]: True}
    # New active products are on the online store from their creation (Shopify's auto-publish):
    # unknown here, so not sent, and the store keeps it.
    assert on_online_store(emulator) == {
        handles[a]: True,
        handles[b]: False,
        handles[c]: True,
        handles[d]: True,
    }

    again = await push(sessionmaker, emulator, mode, dialect=dialect)
    assert (again.total, again.pushed, again.api_calls) == (0, 0, 0)
    assert again.publications == {"published": 0, "unpublished": 0, "failed": 0, "requests": 0}

    # Unpublish one, publish another, make a third unknown (Shopify's stays as it is).
    await bump_versions(sessionmaker, [a], published_online_store=False)
    await bump_versions(sessionmaker, [b], published_online_store=True)
    await bump_versions(sessionmaker, [d], published_online_store=None, title="Renamed")
    hooks = Recorded()
    third = await push(sessionmaker, emulator, mode, hooks=hooks, config=config, dialect=dialect)

    assert (third.pushed, third.failed) == (3, 0)
    assert sent(third) == {"published": 1, "unpublished": 1, "failed": 0}
    assert hooks.sent == {handles[a]: False, handles[b]: True, handles[d]: None}
    # The results row says what was sent: a change for those sent, none for the unknown one.
    assert hooks.rows == {handles[a]: [(True, False)], handles[b]: [(False, True)], handles[d]: []}
    assert on_online_store(emulator) == {
        handles[a]: False,
        handles[b]: True,
        handles[c]: True,
        handles[d]: True,
    }

    last = await push(sessionmaker, emulator, mode, dialect=dialect)
    assert (last.total, last.api_calls) == (0, 0)


async def test_published_changed_by_itself_costs_one_product_set_and_one_publication(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    (only,) = await seed(app, 1)
    await set_published(sessionmaker, {only: True})
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    await bump_versions(sessionmaker, [only], published_online_store=False)

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.publications == {"published": 0, "unpublished": 1, "failed": 0, "requests": 1}
    assert report.inventory is not None
    # productSet, the publications read (once a push), the unpublish
    assert report.api_calls - report.retries - report.inventory["api_calls"] == 3
    assert list(on_online_store(emulator).values()) == [False]


class RefusingPublications(httpx.AsyncBaseTransport):
    """Loopback HTTP to the emulator, with each publication request asking for a publication
    the store does not have while `refusing`: Shopify refuses it (a userError) after the
    product's productSet has saved it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.refusing = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        body = json.loads(request.content) if request.url.path.endswith("graphql.json") else {}
        if self.refusing and "publishable" in body.get("query", ""):
            body["variables"]["publication"] = "gid://shopify/Publication/999"
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = httpx.Request(
                request.method, request.url, headers=headers, content=json.dumps(body).encode()
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("mode", [PushMode.sequential, PushMode.bulk])
async def test_a_refused_publication_keeps_the_new_products_ids_and_the_next_push_publishes_it(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator, mode: PushMode
) -> None:
    (new,) = await seed(app, 1)
    await set_published(sessionmaker, {new: False})  # Shopify publishes a new active product
    transport = RefusingPublications()
    dialect = dialect_of(app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = make_client(emulator, http=http)
        refused = await push(sessionmaker, emulator, mode, client=client, dialect=dialect)
        assert (refused.pushed, refused.failed) == (0, 1)
        assert sent(refused) == {"published": 0, "unpublished": 0, "failed": 1}
        (product,) = await local_products(sessionmaker)
        assert product.sync_error is not None
        assert "Publication does not exist" in product.sync_error
        assert "online store publication was not changed" in product.sync_error
        # productSet saved it: its Shopify ids are kept here, and it is still to push.
        ((shopify_id, handle),) = [(p["id"], p["handle"]) for p in store_products(emulator)]
        assert product.shopify_product_id == shopify_id
        assert await unlinked_variants(sessionmaker) == 0
        assert product.synced_version is None
        assert on_online_store(emulator) == {handle: True}

        # Renamed here before the retry: found by its id, not created again under the new handle.
        await bump_versions(sessionmaker, [new], handle="renamed-before-the-retry")
        transport.refusing = False
        retried = await push(sessionmaker, emulator, mode, client=client, dialect=dialect)
    assert (retried.pushed, retried.failed) == (1, 0)
    assert sent(retried) == {"published": 0, "unpublished": 1, "failed": 0}
    assert [(p["id"], p["handle"]) for p in store_products(emulator)] == [
        (shopify_id, "renamed-before-the-retry")
    ]
    assert on_online_store(emulator) == {"renamed-before-the-retry": False}
    (product,) = await local_products(sessionmaker)
    assert (product.sync_error, product.synced_version) == (None, product.version)


def store_products(emulator: Emulator) -> list[dict[str, str]]:
    body = emulator.http.post(
        API, json={"query": "{ products(first: 50) { nodes { id handle } } }"}
    ).json()
    nodes: list[dict[str, str]] = body["data"]["products"]["nodes"]
    return nodes
