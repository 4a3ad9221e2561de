"""The product list against a reference computed in Python: totals, items and order for every
filter, through both access paths (walking the sort order, or letting a filter find the rows),
with tombstones and hard-deleted products in the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.kit.pagination import Page
from product_dashboard.models import Product
from product_dashboard.product import listing
from product_dashboard.product.schemas import ProductSummary

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
SummaryPage = TypeAdapter(Page[ProductSummary])


@dataclass
class Spec:
    title: str
    vendor: str
    product_type: str
    status: str
    tags: list[str]
    prices: list[str]
    fate: str = "live"  # or "tombstone" (deleted, Shopify knows it) or "gone" (deleted outright)
    id: int = 0
    skus: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        self.skus = [f"{self.title[:3].upper()}-{n}" for n in range(len(self.prices))]
        return {
            "title": self.title,
            "vendor": self.vendor,
            "product_type": self.product_type,
            "status": self.status,
            "tags": self.tags,
            "options": [{"name": "Size", "values": [str(n) for n in range(len(self.prices))]}],
            "variants": [
                {"sku": sku, "price": price, "option_values": [str(n)]}
                for n, (sku, price) in enumerate(zip(self.skus, self.prices, strict=True))
            ],
        }

    @property
    def search_text(self) -> str:
        return " | ".join([self.title, self.vendor, self.product_type, *self.tags, *self.skus])

    def matches(self, query: dict[str, str]) -> bool:
        low = min(Decimal(p) for p in self.prices)
        high = max(Decimal(p) for p in self.prices)
        checks = [
            all(t in self.search_text.lower() for t in query.get("q", "").lower().split()),
            "status" not in query or self.status in query["status"].split(","),
            "vendor" not in query or self.vendor == query["vendor"],
            "product_type" not in query or self.product_type == query["product_type"],
            "tag" not in query or query["tag"].lower() in [t.lower() for t in self.tags],
            "price_min" not in query or high >= Decimal(query["price_min"]),
            "price_max" not in query or low <= Decimal(query["price_max"]),
        ]
        return self.fate == "live" and all(checks)


CATALOG = [
    Spec("Blue Cotton Hoodie", "Acme", "Hoodies", "active", ["Winter", "cotton"], ["30", "45"]),
    Spec("Red Linen Shirt", "Globex", "Shirts", "draft", ["summer", "linen"], ["25"]),
    Spec("Green Cap", "Acme", "Hats", "archived", ["summer"], ["5"]),
    Spec("Classic Linen Trousers", "Initech", "Trousers", "active", ["classic"], ["60", "80"]),
    Spec("Cotton Socks", "Globex", "Socks", "active", ["cotton", "Summer"], ["8.50"]),
    Spec("Wool Scarf", "Initech", "Scarves", "draft", ["winter"], ["22"]),
    Spec("Classic Cotton Tee", "Acme", "Shirts", "active", ["cotton"], ["19.99", "21.50"]),
    Spec("Ghost Tee", "Acme", "Shirts", "active", ["cotton"], ["20"], fate="tombstone"),
    Spec("Gone Cotton Cap", "Acme", "Hats", "active", ["cotton"], ["9"], fate="gone"),
    Spec("Tagless Mug", "Globex", "Mugs", "active", [], ["12"]),
]

QUERIES = [
    "",
    "q=cotton",
    "q=classic linen",
    "q=ee",
    "q=cotton ee",
    "q=blu-1",
    "q=cla-1",
    "q=nothing-like-this",
    "status=draft",
    "status=active,archived",
    "vendor=Acme",
    "product_type=Shirts",
    "tag=COTTON",
    "tag=summer",
    "price_min=20&price_max=50",
    "price_max=10",
    "price_min=50",
    "q=cotton&status=active&price_max=25",
    "q=cotton&tag=winter",
    "tag=cotton&status=active",
    "tag=summer&vendor=Globex",
]


@pytest.fixture
async def catalog(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> list[Spec]:
    specs = [Spec(**{k: v for k, v in vars(s).items() if k != "skus"}) for s in CATALOG]
    for spec in specs:
        response = await client.post("/api/products", json=spec.payload(), headers=editor_headers)
        assert response.status_code == 201, response.text
        spec.id = response.json()["id"]
    for spec in specs:
        if spec.fate == "tombstone":
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    update(Product)
                    .where(Product.id == spec.id)
                    .values(shopify_product_id=f"gid://shopify/Product/{spec.id}")
                )
        if spec.fate != "live":
            deleted = await client.delete(f"/api/products/{spec.id}", headers=editor_headers)
            assert deleted.status_code == 204, deleted.text
    async with sessionmaker() as session:
        tombstones = await session.scalars(
            select(Product.id).where(Product.deleted_at.is_not(None))
        )
        assert list(tombstones) == [s.id for s in specs if s.fate == "tombstone"]
    return specs


@pytest.fixture(params=["natural", "walk sort order", "filter first"])
def access_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force each of the list's access paths (the natural choice depends on catalog size)."""
    if request.param != "natural":
        dense = request.param == "walk sort order"
        monkeypatch.setattr(listing, "is_dense", lambda *_: dense)
    return str(request.param)


async def _list(client: httpx.AsyncClient, headers: Headers, query: str) -> dict[str, Any]:
    response = await client.get(f"/api/products?{query}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # The endpoint serialises its rows without a pydantic pass: the shape must still hold.
    assert SummaryPage.validate_python(body).model_dump(mode="json") == body
    return body


async def test_total_and_items_match_the_reference(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[Spec], access_path: str
) -> None:
    for query in QUERIES:
        matching = (s for s in catalog if s.matches(dict(parse_qsl(query))))
        expected = sorted(matching, key=lambda s: (s.title, s.id))
        body = await _list(client, viewer_headers, f"{query}&sort=title&per_page=50")
        assert body["total"] == len(expected), query
        assert [item["title"] for item in body["items"]] == [s.title for s in expected], query


def _low(spec: Spec) -> Decimal:
    return min(Decimal(p) for p in spec.prices)


SORTS = [
    ("title", lambda s: (s.title, s.id), False),
    ("-title", lambda s: (s.title, s.id), True),
    ("-price", lambda s: (_low(s), s.id), True),
    ("price", lambda s: (_low(s), s.id), False),
    ("id", lambda s: s.id, False),
    ("-id", lambda s: s.id, True),
    ("vendor,title", lambda s: (s.vendor, s.title, s.id), False),
]


async def test_sort_orders_and_pages_agree(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[Spec], access_path: str
) -> None:
    for sort, key, descending in SORTS:
        for query in ["", "q=cotton", "tag=cotton", "status=active", "q=cotton&status=active"]:
            matching = (s for s in catalog if s.matches(dict(parse_qsl(query))))
            expected = [s.id for s in sorted(matching, key=key, reverse=descending)]
            whole = await _list(client, viewer_headers, f"{query}&sort={sort}")
            assert [i["id"] for i in whole["items"]] == expected, (sort, query)
            paged: list[int] = []
            for page in range(1, len(expected) // 2 + 2):
                body = await _list(
                    client, viewer_headers, f"{query}&sort={sort}&per_page=2&page={page}"
                )
                assert body["total"] == len(expected), (sort, query)
                paged.extend(i["id"] for i in body["items"])
            assert paged == expected, (sort, query)


async def test_newest_first_by_default(
    client: httpx.AsyncClient,
    viewer_headers: Headers,
    editor_headers: Headers,
    catalog: list[Spec],
    access_path: str,
) -> None:
    oldest = next(s for s in catalog if s.fate == "live")
    await client.put(
        f"/api/products/{oldest.id}", json={"vendor": "Umbrella"}, headers=editor_headers
    )
    body = await _list(client, viewer_headers, "per_page=3")
    assert body["items"][0]["id"] == oldest.id
    stamps = [i["updated_at"] for i in (await _list(client, viewer_headers, ""))["items"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_page_past_the_end_keeps_the_total(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[Spec]
) -> None:
    live = sum(1 for s in catalog if s.fate == "live")
    body = await _list(client, viewer_headers, "per_page=5&page=9")
    assert body == {"items": [], "total": live, "page": 9, "per_page": 5}


async def test_summary_fields_tags_in_position_order_and_variant_count(
    client: httpx.AsyncClient,
    viewer_headers: Headers,
    editor_headers: Headers,
    catalog: list[Spec],
    access_path: str,
) -> None:
    hoodie = catalog[0]
    # Reordering keeps the existing tag rows and moves their positions.
    reordered = ["cotton", "Fleece", "Winter"]
    r = await client.put(
        f"/api/products/{hoodie.id}", json={"tags": reordered}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    detail = r.json()
    item = next(
        i
        for i in (await _list(client, viewer_headers, "q=hoodie"))["items"]
        if i["id"] == hoodie.id
    )
    assert item["tags"] == reordered
    summary_keys = set(item)
    assert item == {k: detail[k] for k in summary_keys}
    assert item["variants_count"] == len(hoodie.prices) == len(detail["variants"])
    assert item["price_min"] == "30.00" and item["price_max"] == "45.00"
    mug = next(s for s in catalog if s.title == "Tagless Mug")
    (mug_item,) = (await _list(client, viewer_headers, "q=mug"))["items"]
    assert mug_item["id"] == mug.id and mug_item["tags"] == [] and mug_item["variants_count"] == 1


# The parametrized cases below share one catalog each: they only read it (one catalog per case
# was most of this module's time).
STATEMENTS_PER_LIST = [
    ("", 1),  # the total rides along with the page
    ("vendor=Acme", 2),  # the count decides how to find the page
    ("vendor=Nobody", 1),  # nothing matches: no page to look for
    ("vendor=Acme&sort=title", 2),  # the count decides how to find the page
    ("q=cotton", 2),
    ("tag=cotton", 2),
]


async def test_catalog_statements_per_list(
    app: FastAPI, client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[Spec]
) -> None:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "product" in statement.split("FROM", 1)[-1]:  # not the auth or job-runner queries
            seen.append(statement)

    engine = app.state.engine.sync_engine
    counted: list[tuple[str, int]] = []
    expected: list[tuple[str, int]] = []
    event.listen(engine, "before_cursor_execute", record)
    try:
        for query, statements in STATEMENTS_PER_LIST:
            seen.clear()
            await _list(client, viewer_headers, query)
            counted.append((query, len(seen)))
            # PostgreSQL plans the page alone: the total rides along.
            if engine.dialect.name != "sqlite":
                statements = 2 if "Nobody" in query else 1
            expected.append((query, statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert counted == expected


SHAPES = [
    ["vendor=Acme&status=active", "vendor=Globex&status=draft,active"],
    ["q=cotton&price_max=25", "q=linen&price_max=100"],
    ["q=ee&tag=cotton", "q=ap&tag=summer"],
    ["tag=cotton", "tag=winter"],  # the total stayed at the first tag's count
]


async def test_a_shape_reuses_its_statements_with_new_values(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[Spec]
) -> None:
    """Statements are built once per shape; each request's values are parameters, never baked
    into the statement reused by the next request of that shape."""
    for queries in SHAPES:
        built: list[int] = []
        for query in queries:
            matching = (s for s in catalog if s.matches(dict(parse_qsl(query))))
            expected = [s.id for s in sorted(matching, key=lambda s: (s.title, s.id))]
            assert expected, query  # each query must match something for the check to mean much
            body = await _list(client, viewer_headers, f"{query}&sort=title")
            assert [i["id"] for i in body["items"]] == expected, query
            assert body["total"] == len(expected), query
            built.append(len(listing._statements._built))
        assert built[1] == built[0], (
            "the second query of the same shape built new statements",
            queries,
        )
