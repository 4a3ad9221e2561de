"""Images uploaded to the dashboard reach Shopify through staged uploads, once (#16 item 2).

Over loopback HTTP against the emulator: an image file uploaded through the API is pushed with
stagedUploadsCreate (IMAGE, POST) → a multipart POST to the target → productSet `files` naming
the resourceUrl; the store then holds one image with exactly those bytes, the media id is
recorded, and a push of the product again uploads nothing and keeps that one image.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.models import ProductImage
from product_dashboard.product.image_store import image_store_in
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.sync.push.engine import PushConfig
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from tests.fixtures.emulator import API
from tests.fixtures.emulator import EMULATOR_TOKEN as TOKEN
from tests.product.factories import png
from tests.sync.conftest import Emulator, dialect_of, push

pytestmark = pytest.mark.integration


class Recorder:
    """The requests a push made: staged-upload mutations and file POSTs."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def _creates(self, resource: str) -> int:
        return sum(
            f'"resource":"{resource}"'.encode() in r.content
            for r in self.requests
            if r.method == "POST" and r.url.path.endswith("/graphql.json")
        )

    @property
    def image_creates(self) -> int:
        """stagedUploadsCreate requests for images."""
        return self._creates("IMAGE")

    @property
    def image_posts(self) -> int:
        """Files POSTed to an upload target, less a bulk push's own JSONL uploads."""
        posts = sum(r.url.path == "/_staged_uploads" for r in self.requests if r.method == "POST")
        return posts - self._creates("BULK_MUTATION_VARIABLES")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield Recorder()


def recording_client(emulator: Emulator, recorder: Recorder) -> ShopifyClient:
    http = httpx.AsyncClient(event_hooks={"request": [recorder]}, timeout=10)
    return ShopifyClient(emulator.base_url, TOKEN, http=http, pacer=CostPacer())


async def create_product(client: httpx.AsyncClient, headers: dict[str, str], title: str) -> int:
    response = await client.post("/api/products", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    product_id: int = response.json()["id"]
    return product_id


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], product_id: int, content: bytes
) -> httpx.Response:
    return await client.post(
        f"/api/products/{product_id}/images",
        files={"file": ("photo.png", content, "application/octet-stream")},
        data={"alt": "Front"},
        headers=headers,
    )


def store_media(emulator: Emulator, handle: str) -> list[dict[str, Any]]:
    body = emulator.http.post(
        API,
        json={
            "query": "query($q: String) { products(first: 1, query: $q) { nodes { media(first: 10)"
            " { nodes { id alt status mediaContentType ... on MediaImage { mimeType image { url } }"
            " } } } } }",
            "variables": {"q": f"handle:{handle}"},
        },
    ).json()
    nodes = body["data"]["products"]["nodes"]
    assert len(nodes) == 1, body
    media: list[dict[str, Any]] = nodes[0]["media"]["nodes"]
    return media


async def images_of(
    sessionmaker: async_sessionmaker[AsyncSession], product_id: int
) -> list[ProductImage]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(ProductImage).where(ProductImage.product_id == product_id)
        )
        return list(rows.all())


def config_for(settings: Settings) -> PushConfig:
    return PushConfig(bulk_poll_interval=0.05, images=image_store_in(settings.data_dir))


@pytest.mark.parametrize("mode", [PushMode.sequential, PushMode.bulk])
async def test_an_uploaded_image_reaches_the_store_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    emulator: Emulator,
    recorder: Recorder,
    mode: PushMode,
) -> None:
    content = png(1)
    product_id = await create_product(client, editor_headers, "Lamp")
    uploaded = await upload(client, editor_headers, product_id, content)
    assert uploaded.status_code == 201, uploaded.text
    (image,) = uploaded.json()["images"]
    assert image["local"] is True and image["alt"] == "Front"
    served = await client.get(image["src"], headers=editor_headers)
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "image/png"

    shopify = recording_client(emulator, recorder)
    try:
        config = config_for(settings)
        report = await push(
            sessionmaker, emulator, mode, config=config, client=shopify, dialect=dialect_of(app)
        )
        assert (report.pushed, report.failed) == (1, 0), report.errors
        assert (recorder.image_creates, recorder.image_posts) == (1, 1)
        (media,) = store_media(emulator, "lamp")
        assert media["mediaContentType"] == "IMAGE" and media["status"] == "READY"
        assert media["alt"] == "Front" and media["mimeType"] == "image/png"
        assert (await shopify.http.get(media["image"]["url"])).content == content
        (row,) = await images_of(sessionmaker, product_id)
        assert row.shopify_media_id == media["id"] and row.local_file is not None

        # Pushed again in full: Shopify's media by id, nothing uploaded, still one image.
        recorder.requests.clear()
        again = await push(
            sessionmaker,
            emulator,
            mode,
            PushScope(only_changed=False),
            config=config,
            client=shopify,
            dialect=dialect_of(app),
        )
        assert (again.pushed, again.failed) == (1, 0), again.errors
        assert (recorder.image_creates, recorder.image_posts) == (0, 0)
        assert [m["id"] for m in store_media(emulator, "lamp")] == [media["id"]]
    finally:
        await shopify.aclose()


async def test_a_page_of_uploads_is_one_staged_uploads_request(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    emulator: Emulator,
    recorder: Recorder,
) -> None:
    for n in range(3):
        product_id = await create_product(client, editor_headers, f"Vase {n}")
        for k in range(2):
            response = await upload(client, editor_headers, product_id, png(10 * n + k))
            assert response.status_code == 201, response.text
    shopify = recording_client(emulator, recorder)
    try:
        report = await push(
            sessionmaker,
            emulator,
            PushMode.batch,
            config=config_for(settings),
            client=shopify,
            dialect=dialect_of(app),
        )
    finally:
        await shopify.aclose()
    assert (report.pushed, report.failed) == (3, 0), report.errors
    assert (recorder.image_creates, recorder.image_posts) == (1, 6)
    for n in range(3):
        assert len(store_media(emulator, f"vase-{n}")) == 2


async def test_a_missing_file_fails_its_product_alone(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    emulator: Emulator,
) -> None:
    lost = await create_product(client, editor_headers, "Lost")
    kept = await create_product(client, editor_headers, "Kept")
    await upload(client, editor_headers, lost, png(3))
    await upload(client, editor_headers, kept, png(4))
    (row,) = await images_of(sessionmaker, lost)
    assert row.local_file is not None
    path = image_store_in(settings.data_dir).path_of(row.local_file)
    assert isinstance(path, Path)
    path.unlink()

    report = await push(
        sessionmaker,
        emulator,
        PushMode.sequential,
        config=config_for(settings),
        dialect=dialect_of(app),
    )
    assert (report.pushed, report.failed) == (1, 1)
    assert report.errors[0]["product_id"] == lost
    assert "missing from the media folder" in str(report.errors[0]["error"])
    assert len(store_media(emulator, "kept")) == 1


def test_the_emulator_refuses_a_staged_source_with_no_file(emulator: Emulator) -> None:
    def run(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = emulator.http.post(
            API, json={"query": query, "variables": variables}
        ).json()
        return body["data"]

    staged = run(
        "mutation($i: [StagedUploadInput!]!) { stagedUploadsCreate(input: $i) { "
        "stagedTargets { resourceUrl } userErrors { field message } } }",
        {
            "i": [
                {
                    "resource": "IMAGE",
                    "filename": "a.png",
                    "mimeType": "image/png",
                    "httpMethod": "POST",
                    "fileSize": "10",
                },
                {
                    "resource": "IMAGE",
                    "filename": "b.txt",
                    "mimeType": "text/plain",
                    "httpMethod": "POST",
                    "fileSize": "10",
                },
            ]
        },
    )["stagedUploadsCreate"]
    assert staged["userErrors"] == [
        {
            "field": ["input", "1", "mimeType"],
            "message": "Mime type text/plain is not supported for IMAGE",
        }
    ]
    (target,) = run(
        "mutation($i: [StagedUploadInput!]!) { stagedUploadsCreate(input: $i) { "
        "stagedTargets { resourceUrl } } }",
        {
            "i": [
                {
                    "resource": "IMAGE",
                    "filename": "a.png",
                    "mimeType": "image/png",
                    "httpMethod": "POST",
                    "fileSize": "10",
                }
            ]
        },
    )["stagedUploadsCreate"]["stagedTargets"]
    result = run(
        "mutation($i: ProductSetInput!) { productSet(input: $i, synchronous: true) { "
        "product { id } userErrors { field message code } } }",
        {
            "i": {
                "title": "Never uploaded",
                "files": [{"originalSource": target["resourceUrl"], "contentType": "IMAGE"}],
            }
        },
    )["productSet"]
    assert result["product"] is None
    assert result["userErrors"][0]["field"] == ["input", "files", "0", "originalSource"]
    assert result["userErrors"][0]["code"] == "INVALID_INPUT"
