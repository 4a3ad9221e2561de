from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import Product
from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]


@pytest.fixture
async def catalog(client: httpx.AsyncClient, editor_headers: Headers) -> list[dict[str, object]]:
    return [
        await create_product(
            client,
            editor_headers,
            title="Blue Hoodie",
            vendor="Acme",
            product_type="Hoodies",
            tags=["winter", "Cotton"],
            status="active",
        ),
        await create_product(
            client,
            editor_headers,
            title="Red Tee",
            vendor="Globex",
            product_type="Shirts",
            tags=["summer"],
            status="draft",
        ),
        await create_product(
            client,
            editor_headers,
            title="Green Cap",
            vendor="Acme",
            product_type="Hats",
            tags=["summer"],
            status="archived",
            variants=[{"sku": "CAP-1", "price": "5.00", "option_values": ["S", "Red"]}],
        ),
    ]


async def _titles(client: httpx.AsyncClient, headers: Headers, query: str) -> list[str]:
    r = await client.get(f"/api/products?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return [item["title"] for item in r.json()["items"]]


@pytest.mark.postgres
async def test_envelope_and_pagination(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[dict[str, object]]
) -> None:
    r = await client.get("/api/products?per_page=2&page=2&sort=title", headers=viewer_headers)
    body = r.json()
    assert body["total"] == 3 and body["page"] == 2 and body["per_page"] == 2
    assert [i["title"] for i in body["items"]] == ["Red Tee"]


# Each case reads the same catalog: one catalog serves them all (each is still its own check).
SEARCH_CASES: list[tuple[str, list[str]]] = [
    ("q=hood", ["Blue Hoodie"]),
    ("q=HOODIE", ["Blue Hoodie"]),
    ("q=globex", ["Red Tee"]),
    ("q=cap-1", ["Green Cap"]),
    ("q=cotton", ["Blue Hoodie"]),
    ("q=ee", ["Green Cap", "Red Tee"]),
    ("q=acme summer", ["Green Cap"]),
    ("status=active,draft", ["Blue Hoodie", "Red Tee"]),
    ("vendor=Acme", ["Blue Hoodie", "Green Cap"]),
    ("product_type=Shirts", ["Red Tee"]),
    ("vendor=acme", ["Blue Hoodie", "Green Cap"]),  # whatever the case
    ("vendor=ACME&product_type=hats", ["Green Cap"]),
    ("vendor=Acm", []),  # a whole name, not a part of one
    ("tag=COTTON", ["Blue Hoodie"]),
    ("price_max=10", ["Green Cap"]),
    ("price_min=20&price_max=21", ["Blue Hoodie", "Red Tee"]),
    ("sync_state=never_synced", ["Blue Hoodie", "Green Cap", "Red Tee"]),
    ("sync_state=synced", []),
]


@pytest.mark.postgres
async def test_search_and_filters(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[dict[str, object]]
) -> None:
    found = [(q, await _titles(client, viewer_headers, q + "&sort=title")) for q, _ in SEARCH_CASES]
    assert found == SEARCH_CASES


@pytest.mark.postgres
async def test_sorting(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[dict[str, object]]
) -> None:
    assert await _titles(client, viewer_headers, "sort=-title") == [
        "Red Tee",
        "Green Cap",
        "Blue Hoodie",
    ]
    assert await _titles(client, viewer_headers, "sort=price,title") == [
        "Green Cap",
        "Blue Hoodie",
        "Red Tee",
    ]


@pytest.mark.postgres
async def test_sync_state_follows_versions(
    client: httpx.AsyncClient,
    viewer_headers: Headers,
    editor_headers: Headers,
    catalog: list[dict[str, object]],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Product).values(synced_version=Product.version))
    assert await _titles(client, viewer_headers, "sync_state=synced&sort=title") == [
        "Blue Hoodie",
        "Green Cap",
        "Red Tee",
    ]
    await client.put(
        f"/api/products/{catalog[1]['id']}", json={"title": "Red Tee v2"}, headers=editor_headers
    )
    assert await _titles(client, viewer_headers, "sync_state=pending") == ["Red Tee v2"]


# SQLite only: validation refuses these before any SQL is sent.
@pytest.mark.parametrize(
    "query",
    [
        "sort=nope",
        "per_page=0",
        "per_page=1000",
        "status=published",
        "price_min=5&price_max=1",
        "sync_state=weird",
        "price_min=-1",
        "page=0",
    ],
)
async def test_bad_list_queries_are_422(
    client: httpx.AsyncClient, viewer_headers: Headers, query: str
) -> None:
    r = await client.get(f"/api/products?{query}", headers=viewer_headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error" and r.json()["fields"]


@pytest.mark.postgres
async def test_search_text_follows_edits(
    client: httpx.AsyncClient, editor_headers: Headers, catalog: list[dict[str, object]]
) -> None:
    await client.put(
        f"/api/products/{catalog[0]['id']}", json={"title": "Fleece Jacket"}, headers=editor_headers
    )
    assert await _titles(client, editor_headers, "q=fleece") == ["Fleece Jacket"]
    assert await _titles(client, editor_headers, "q=blue") == []


@pytest.mark.postgres
async def test_vendor_and_type_suggestions_match_any_case_with_counts(
    client: httpx.AsyncClient, viewer_headers: Headers, catalog: list[dict[str, object]]
) -> None:
    async def suggested(field: str, q: str) -> list[dict[str, object]]:
        r = await client.get(
            "/api/products/suggestions", params={"field": field, "q": q}, headers=viewer_headers
        )
        assert r.status_code == 200, r.text
        items: list[dict[str, object]] = r.json()
        return items

    assert await suggested("vendor", "") == [
        {"value": "Acme", "count": 2},
        {"value": "Globex", "count": 1},
    ]
    assert await suggested("vendor", "cM") == [{"value": "Acme", "count": 2}]
    assert await suggested("product_type", "HAT") == [{"value": "Hats", "count": 1}]
    assert await suggested("product_type", "%") == []  # a wildcard is a character here
    bad = await client.get(
        "/api/products/suggestions", params={"field": "title"}, headers=viewer_headers
    )
    assert bad.status_code == 422


@pytest.mark.postgres
async def test_category_and_metafield_filters(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    """Category by id or by name in any case; a metafield by its whole value, also where two
    values share the first 64 characters the lookup index holds."""
    shared = "x" * 64
    for title, category, material in [
        ("Wool Hat", {"id": "gid://shopify/TaxonomyCategory/aa-2", "name": "Hats"}, "wool"),
        ("Long A", {"name": "Scarves"}, shared + "a"),
        ("Long B", None, shared + "b"),
        ("Plain", None, None),
    ]:
        metafields = [
            {"namespace": "custom", "key": "material", "type": "single_line_text_field", "value": v}
            for v in [material]
            if v is not None
        ]
        await create_product(
            client, editor_headers, title=title, category=category, metafields=metafields
        )
    for query, expected in [
        ("category=hats", ["Wool Hat"]),
        ("category=gid://shopify/TaxonomyCategory/aa-2", ["Wool Hat"]),
        ("category=SCARVES", ["Long A"]),
        ("category=Bags", []),
        ("metafield=custom.material=wool", ["Wool Hat"]),
        ("metafield=custom.material=WOOL", []),
        (f"metafield=custom.material={shared}b", ["Long B"]),
        (f"metafield=custom.material={shared}", []),
        ("metafield=custom.other=wool", []),
    ]:
        assert await _titles(client, editor_headers, query + "&sort=title") == expected, query
