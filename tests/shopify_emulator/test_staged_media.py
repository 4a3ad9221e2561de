"""Media from staged uploads (#16 item 2): stagedUploadsCreate (IMAGE, POST) → the multipart
POST → `originalSource` = the resourceUrl in productSet files and productCreate media. Over
loopback HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.shopify_emulator.conftest import Emulator

STAGE = (
    "mutation($i: [StagedUploadInput!]!) { stagedUploadsCreate(input: $i) { "
    "stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }"
)
MEDIA = "media(first: 5) { nodes { alt status ... on MediaImage { mimeType image { url } } } }"
CREATE = (
    "mutation($p: ProductCreateInput!, $m: [CreateMediaInput!]) { "
    f"productCreate(product: $p, media: $m) {{ product {{ {MEDIA} }} userErrors {{ message }} }} }}"
)
SET = (
    "mutation($i: ProductSetInput!) { productSet(input: $i, synchronous: true) { "
    f"product {{ {MEDIA} }} userErrors {{ field message code }} }} }}"
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"


def _staged(emulator: Emulator, content: bytes) -> str:
    payload = emulator.data(
        STAGE,
        {
            "i": [
                {
                    "resource": "IMAGE",
                    "filename": "dot.gif",
                    "mimeType": "image/gif",
                    "httpMethod": "POST",
                    "fileSize": str(len(content)),
                }
            ]
        },
    )["stagedUploadsCreate"]
    assert payload["userErrors"] == []
    (target,) = payload["stagedTargets"]
    fields = {p["name"]: p["value"] for p in target["parameters"]}
    posted = httpx.post(
        target["url"], data=fields, files={"file": ("dot.gif", content, "image/gif")}
    )
    assert posted.status_code == 201, posted.text
    resource_url: str = target["resourceUrl"]
    return resource_url


def _media(product: dict[str, Any]) -> dict[str, Any]:
    (media,) = product["media"]["nodes"]
    assert media["status"] == "READY" and media["mimeType"] == "image/gif"
    assert httpx.get(media["image"]["url"]).content == GIF
    return dict(media)


def test_a_staged_upload_becomes_a_product_image(emulator: Emulator) -> None:
    source = _staged(emulator, GIF)
    created = emulator.data(
        CREATE,
        {
            "p": {"title": "Dot"},
            "m": [{"originalSource": source, "alt": "Dot", "mediaContentType": "IMAGE"}],
        },
    )["productCreate"]
    assert created["userErrors"] == []
    first = _media(created["product"])
    assert first["alt"] == "Dot" and first["image"]["url"] != source

    result = emulator.data(
        SET, {"i": {"title": "Dot 2", "files": [{"originalSource": source, "alt": "Two"}]}}
    )["productSet"]
    assert result["userErrors"] == []
    second = _media(result["product"])
    assert second["image"]["url"] != first["image"]["url"]  # a file of its own
