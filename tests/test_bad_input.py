"""Bad input gets a 4xx with a JSON body saying what is wrong, never a 500 (#19, finding 9)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from product_dashboard.config import Settings
from product_dashboard.main import create_app

pytestmark = pytest.mark.integration

Headers = dict[str, str]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/products", {"q": "a\x00b"}),
        ("/api/products", {"vendor": "\x00"}),
        ("/api/collections", {"q": "\x00"}),
    ],
)
async def test_nul_in_a_query_is_a_400(
    client: httpx.AsyncClient, viewer_headers: Headers, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers=viewer_headers)
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("price", ["1e308", 1e308, "NaN", "Infinity", "-Infinity", "1e300000"])
async def test_runaway_prices_are_a_422(
    client: httpx.AsyncClient, editor_headers: Headers, price: object
) -> None:
    response = await client.post(
        "/api/products", json={"title": "x", "variants": [{"price": price}]}, headers=editor_headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["loc"] == ["variants", 0, "price"]


def _csv(description: str) -> bytes:
    return f'Handle,Title,Body (HTML)\nlong,Long,"{description}"\n'.encode()


async def test_csv_cells_past_the_csv_modules_default_limit(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    long = "<p>" + "x" * 200_000 + "</p>"  # over the csv module's default 128 KiB cap
    files = {"file": ("p.csv", _csv(long), "text/csv")}
    response = await client.post(
        "/api/products/import", files=files, data={"dry_run": "true"}, headers=editor_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["failed"] == 0

    files = {"file": ("p.csv", _csv("x" * (4 * 1024 * 1024 + 1)), "text/csv")}
    response = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert response.status_code == 422, response.text
    assert "Row 2 is not readable CSV" in response.json()["detail"]


def _lenient_request_models(spec: dict[str, Any]) -> dict[str, str]:
    """Every object model a request body reaches that would take a key it does not know,
    with the first operation reaching it."""
    models = spec["components"]["schemas"]
    seen: set[str] = set()
    lenient: dict[str, str] = {}

    def walk(node: object, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    model = models[name]
                    if "properties" in model and model.get("additionalProperties") is not False:
                        lenient[name] = where
                    walk(model, where)
                return
            for value in node.values():
                walk(value, where)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                walk(operation["requestBody"], f"{method.upper()} {path}")
    return lenient


def test_every_request_body_refuses_keys_it_does_not_know(settings: Settings) -> None:
    # A misspelt key left out silently takes the default: `{"dryrun": true}` undid a job for
    # real, a stock edit's `"verison"` skipped its stale check, a variant's `"weight"` was lost.
    spec = create_app(settings).openapi()
    assert _lenient_request_models(spec) == {}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": "x", "variants": [{"price": "1.00", "weight": 0.5}]}, ["variants", 0, "weight"]),
        ({"title": "x", "options": [{"name": "Size", "valeus": ["S"]}]}, ["options", 0, "valeus"]),
        ({"title": "x", "images": [{"src": "https://x.test/a.png", "alt_text": "a"}]}, None),
        ({"title": "x", "category": {"id": "aa-1", "name": "Apparel"}}, ["category", "id"]),
    ],
)
async def test_a_product_with_a_key_or_id_it_cannot_take_is_a_422(
    client: httpx.AsyncClient, editor_headers: Headers, body: dict[str, Any], loc: list[Any] | None
) -> None:
    response = await client.post("/api/products", json=body, headers=editor_headers)
    assert response.status_code == 422, response.text
    fields = response.json()["fields"]
    if loc is not None:
        assert fields[0]["loc"] == loc
    listed = await client.get("/api/products", headers=editor_headers)
    assert listed.json()["total"] == 0
