"""Bad input gets a 4xx with a JSON body saying what is wrong, never a 500 (#19, finding 9)."""

from __future__ import annotations

import httpx
import pytest

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
