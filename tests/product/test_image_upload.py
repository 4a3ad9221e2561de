"""`POST /api/products/<id>/images`: an image file added to a product's media, stored once by
content, its type read from the bytes; `GET /api/media/<name>` serves it to signed-in users."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.models import Product, ProductImage
from product_dashboard.product.image_store import MAX_IMAGE_BYTES, image_store_in
from tests.product.factories import png

pytestmark = pytest.mark.integration

Headers = dict[str, str]
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88"
    b"\xfe\x07\x00"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


async def new_product(client: httpx.AsyncClient, headers: Headers, title: str = "Lamp") -> int:
    response = await client.post("/api/products", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    product_id: int = response.json()["id"]
    return product_id


async def upload(
    client: httpx.AsyncClient,
    headers: Headers,
    product_id: int,
    content: bytes,
    name: str = "photo.jpg",
    **form: str,
) -> httpx.Response:
    return await client.post(
        f"/api/products/{product_id}/images",
        files={"file": (name, content, "image/jpeg")},
        data=form,
        headers=headers,
    )


def stored_files(settings: Settings) -> list[str]:
    root = image_store_in(settings.data_dir).root
    return sorted(p.name for p in root.glob("??/*") if p.is_file())


@pytest.mark.parametrize(
    ("content", "extension", "content_type"),
    [
        (JPEG, "jpg", "image/jpeg"),
        (png(1), "png", "image/png"),
        (GIF, "gif", "image/gif"),
        (WEBP, "webp", "image/webp"),
    ],
)
async def test_the_type_is_read_from_the_bytes_not_the_name(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    content: bytes,
    extension: str,
    content_type: str,
) -> None:
    product_id = await new_product(client, editor_headers)
    response = await upload(client, editor_headers, product_id, content, name="x.jpg", alt="Lit")
    assert response.status_code == 201, response.text
    body = response.json()
    (image,) = body["images"]
    assert image["src"].startswith("/api/media/") and image["src"].endswith(f".{extension}")
    assert image["alt"] == "Lit" and image["local"] is True and image["shopify_media_id"] is None
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    served = await client.get(image["src"], headers=editor_headers)
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == content_type
    etag = served.headers["ETag"]
    again = await client.get(image["src"], headers={**editor_headers, "If-None-Match": etag})
    assert again.status_code == 304


async def test_the_same_bytes_are_stored_once_and_added_once(
    client: httpx.AsyncClient, editor_headers: Headers, settings: Settings
) -> None:
    first, second = (
        await new_product(client, editor_headers),
        await new_product(client, editor_headers, "Vase"),
    )
    assert (await upload(client, editor_headers, first, JPEG)).status_code == 201
    repeated = await upload(client, editor_headers, first, JPEG)
    assert repeated.status_code == 200 and len(repeated.json()["images"]) == 1
    assert repeated.json()["version"] == 2  # nothing changed
    assert (await upload(client, editor_headers, second, JPEG)).status_code == 201
    other = await upload(client, editor_headers, first, png(2))
    assert [i["local"] for i in other.json()["images"]] == [True, True]
    assert len(stored_files(settings)) == 2
    assert not list((image_store_in(settings.data_dir).root / ".incoming").iterdir())


async def test_a_product_saved_with_its_images_keeps_the_uploaded_one(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await new_product(client, editor_headers)
    images = (await upload(client, editor_headers, product_id, JPEG)).json()["images"]
    given = [{"src": i["src"], "alt": "Now with alt"} for i in images]
    given.append({"src": "https://cdn.example.com/b.jpg", "alt": None})
    saved = await client.put(
        f"/api/products/{product_id}", json={"images": given}, headers=editor_headers
    )
    assert saved.status_code == 200, saved.text
    assert [(i["alt"], i["local"]) for i in saved.json()["images"]] == [
        ("Now with alt", True),
        (None, False),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not an image at all", "not a JPEG, PNG, GIF or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a JPEG, PNG, GIF or WebP"),
    ],
)
async def test_a_file_that_is_not_an_image_is_refused_saying_why(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    settings: Settings,
    content: bytes,
    message: str,
) -> None:
    product_id = await new_product(client, editor_headers)
    response = await upload(client, editor_headers, product_id, content, name="photo.jpg")
    assert response.status_code == 422
    body = response.json()
    assert message in body["detail"]
    assert body["fields"] == [{"loc": ["body", "file"], "msg": body["detail"]}]
    product = (await client.get(f"/api/products/{product_id}", headers=editor_headers)).json()
    assert product["images"] == [] and product["version"] == 1
    assert stored_files(settings) == []


async def test_an_image_over_the_limit_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers, settings: Settings
) -> None:
    product_id = await new_product(client, editor_headers)
    too_big = JPEG + b"\0" * (MAX_IMAGE_BYTES + 1 - len(JPEG))
    response = await upload(client, editor_headers, product_id, too_big)
    assert response.status_code == 422
    assert "larger than 20 MB" in response.json()["detail"]
    assert stored_files(settings) == []
    far_too_big = await client.post(
        f"/api/products/{product_id}/images",
        content=b"x" * 16,
        headers={**editor_headers, "Content-Length": str(MAX_IMAGE_BYTES * 2)},
    )
    assert far_too_big.status_code == 413
    assert far_too_big.json()["error"] == "payload_too_large"


async def test_a_form_without_a_file_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await new_product(client, editor_headers)
    response = await client.post(
        f"/api/products/{product_id}/images", data={"alt": "x"}, headers=editor_headers
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "file"]


async def test_viewers_cannot_upload_and_strangers_cannot_see(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    product_id = await new_product(client, editor_headers)
    assert (await upload(client, viewer_headers, product_id, JPEG)).status_code == 403
    src = (await upload(client, editor_headers, product_id, JPEG)).json()["images"][0]["src"]
    assert (await client.get(src)).status_code == 401
    assert (await client.get(src, headers=viewer_headers)).status_code == 200
    missing = await client.get("/api/media/" + "0" * 64 + ".png", headers=viewer_headers)
    assert missing.status_code == 404
    assert (await client.get("/api/media/..%2Fsecret", headers=viewer_headers)).status_code == 404
    assert (await upload(client, editor_headers, 999_999, JPEG)).status_code == 404


async def test_media_not_read_in_full_takes_no_upload(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product_id = await new_product(client, editor_headers)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product).where(Product.id == product_id).values(media_complete=False)
        )
    response = await upload(client, editor_headers, product_id, JPEG)
    assert response.status_code == 409
    assert "pull it" in response.json()["detail"]


async def test_a_stale_version_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await new_product(client, editor_headers)
    response = await client.post(
        f"/api/products/{product_id}/images",
        files={"file": ("a.png", png(5), "image/png")},
        headers={**editor_headers, "If-Match": '"7"'},
    )
    assert response.status_code == 409


async def test_an_image_an_edit_could_not_give_is_kept_beside_the_upload(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product_id = await new_product(client, editor_headers)
    async with sessionmaker() as session, session.begin():
        session.add(ProductImage(product_id=product_id, position=1, src="cdn.example.com/a.jpg"))
    response = await upload(client, editor_headers, product_id, JPEG)
    assert response.status_code == 201, response.text
    assert [i["local"] for i in response.json()["images"]] == [False, True]
    assert response.json()["images"][0]["src"] == "cdn.example.com/a.jpg"
