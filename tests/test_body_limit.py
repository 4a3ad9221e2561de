"""Request bodies are limited per route before they are read, and uploads read after auth."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from product_dashboard.inbound.receiver import MAX_BODY_BYTES

pytestmark = pytest.mark.integration

MiB = 1024 * 1024


class Stream:
    """A request body that counts how much of it the server pulled."""

    def __init__(self, chunks: int, chunk: bytes) -> None:
        self.chunks = chunks
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield self.chunk


def multipart_head(boundary: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nHandle,Title\r\n"
    ).encode()


async def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    boundary = "b0undary"
    body = Stream(64, b"x" * MiB)

    async def content() -> AsyncIterator[bytes]:
        yield multipart_head(boundary)
        async for chunk in body:
            yield chunk

    response = await client.post(
        "/api/products/import",
        content=content(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 401, response.text
    assert body.pulled == 0  # FastAPI form parameters would have spooled all 64 MB first


async def test_a_body_announced_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    body = Stream(300, b"{" * MiB)
    response = await client.post(
        "/webhooks/shopify",
        content=body,
        headers={"content-length": str(300 * MiB), "x-shopify-topic": "products/update"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    assert body.pulled == 0


async def test_a_body_streaming_past_the_limit_is_cut_off(client: httpx.AsyncClient) -> None:
    body = Stream(300, b"{" * MiB)  # chunked: no length announced
    response = await client.post(
        "/webhooks/shopify", content=body, headers={"x-shopify-topic": "products/update"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    assert body.pulled <= MAX_BODY_BYTES // MiB + 1


async def test_json_routes_have_a_default_limit(
    client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    body = Stream(40, b" " * MiB)
    response = await client.post(
        "/api/products",
        content=body,
        headers={**editor_headers, "content-type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert body.pulled <= 11


async def test_the_import_form_is_checked_after_auth(
    client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    files = {"file": ("p.csv", b"Handle,Title\nh,T\n", "text/csv")}
    response = await client.post(
        "/api/products/import", files=files, data={"on_error": "explode"}, headers=editor_headers
    )
    assert response.status_code == 422, response.text
    assert "on_error" in response.text
    response = await client.post(
        "/api/products/import", data={"dry_run": "true"}, headers=editor_headers
    )
    assert response.status_code == 422 and "named 'file'" in response.json()["detail"]
    response = await client.post(
        "/api/products/import", files=files, data={"dry_run": "true"}, headers=editor_headers
    )
    assert response.status_code == 200 and response.json()["dry_run"] is True
