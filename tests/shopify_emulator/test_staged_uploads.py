"""Staged uploads: signed targets and the GCS-like multipart endpoint over loopback HTTP."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from starlette.applications import Starlette

from shopify_emulator.staged_uploads import StagedUploadError, StagedUploads
from tests.shopify_emulator._fixtures_e2 import serve_app

pytestmark = pytest.mark.integration

JSONL = b'{"input":{"title":"A"}}\n{"input":{"title":"B"}}\n'


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Server:
    uploads: StagedUploads
    base: str
    clock: Clock


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    max_bytes = getattr(request, "param", 100 * 1024 * 1024)
    base = {"url": ""}
    clock = Clock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    uploads = StagedUploads(tmp_path / "staged", lambda: base["url"], max_bytes, now=clock)
    with serve_app(Starlette(routes=uploads.routes())) as url:
        base["url"] = url
        yield Server(uploads, url, clock)


def form_of(target: dict[str, object]) -> dict[str, str]:
    parameters = target["parameters"]
    assert isinstance(parameters, list)
    return {p["name"]: p["value"] for p in parameters}


def xml_code(response: httpx.Response) -> str:
    return ElementTree.fromstring(response.content).findtext("Code") or ""


def incoming_files(uploads: StagedUploads) -> list[Path]:
    return list((uploads.directory / ".incoming").iterdir())


async def post(
    target: dict[str, object], fields: dict[str, str], content: bytes | object
) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            str(target["url"]),
            data=fields,
            files={"file": ("bulk_op_vars.jsonl", content, "text/jsonl")},  # type: ignore[dict-item]
        )


async def test_target_shape_and_successful_upload(server: Server) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "bulk_op_vars", "text/jsonl")
    fields = form_of(target)
    assert target["url"] == f"{server.base}/_staged_uploads"
    assert target["resourceUrl"] is None
    assert list(fields) == [
        "key",
        "Content-Type",
        "success_action_status",
        "acl",
        "policy",
        "x-goog-credential",
        "x-goog-algorithm",
        "x-goog-date",
        "x-goog-signature",
    ]
    assert fields["key"].startswith("tmp/1/bulk/") and fields["key"].endswith("/bulk_op_vars")

    response = await post(target, fields, JSONL)
    assert response.status_code == 201, response.text
    xml = ElementTree.fromstring(response.content)
    assert xml.tag == "PostResponse"
    assert xml.findtext("Key") == fields["key"]
    assert xml.findtext("Bucket") == "shopify-staged-uploads"
    assert xml.findtext("ETag") == f'"{hashlib.md5(JSONL).hexdigest()}"'
    assert server.uploads.path_for(fields["key"]).read_bytes() == JSONL
    stored = server.uploads.stored(fields["key"])
    assert stored is not None and stored.size == len(JSONL)
    assert incoming_files(server.uploads) == []


@pytest.mark.parametrize("missing", ["acl", "Content-Type", "x-goog-date", "key", "policy"])
async def test_every_parameter_is_required(server: Server, missing: str) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    fields = form_of(target)
    del fields[missing]
    response = await post(target, fields, JSONL)
    assert response.status_code in (400, 403)
    assert xml_code(response) in ("InvalidArgument", "AccessDenied")
    assert not server.uploads.path_for(form_of(target)["key"]).exists()


async def test_tampered_signature_and_key_are_rejected(server: Server) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    fields = form_of(target)
    bad_signature = {**fields, "x-goog-signature": "0" * 64}
    response = await post(target, bad_signature, JSONL)
    assert (response.status_code, xml_code(response)) == (403, "SignatureDoesNotMatch")
    other_key = fields["key"].replace("/v.jsonl", "/other.jsonl")
    response = await post(target, {**fields, "key": other_key}, JSONL)
    assert (response.status_code, xml_code(response)) == (403, "AccessDenied")
    assert not server.uploads.path_for(other_key).exists()


async def test_file_must_be_the_last_part(server: Server) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    fields = form_of(target)
    boundary = "b0undary"
    parts = [("file", JSONL, True), *((k, v.encode(), False) for k, v in fields.items())]
    body = b""
    for name, value, is_file in parts:
        filename = '; filename="v.jsonl"' if is_file else ""
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{filename}\r\n\r\n'
            ).encode()
            + value
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    async with httpx.AsyncClient() as client:
        response = await client.post(
            str(target["url"]),
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert (response.status_code, xml_code(response)) == (400, "InvalidArgument")


async def test_expired_policy_is_rejected(server: Server) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    server.clock.now += timedelta(hours=2)
    response = await post(target, form_of(target), JSONL)
    assert (response.status_code, xml_code(response)) == (403, "AccessDenied")


@pytest.mark.parametrize("server", [1000], indirect=True)
async def test_size_limit_streams_then_refuses(server: Server) -> None:
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    fields = form_of(target)
    exactly = b"x" * 1000
    assert (await post(target, fields, exactly)).status_code == 201

    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "v.jsonl", "text/jsonl")
    fields = form_of(target)
    response = await post(target, fields, b"x" * 5000)
    assert (response.status_code, xml_code(response)) == (400, "EntityTooLarge")
    assert not server.uploads.path_for(fields["key"]).exists()
    assert incoming_files(server.uploads) == []

    response = await post(target, fields, b"x" * 200_000)
    assert (response.status_code, xml_code(response)) == (413, "EntityTooLarge")


async def test_large_upload_is_streamed_not_buffered(server: Server, tmp_path: Path) -> None:
    size = 24 * 1024 * 1024
    source = tmp_path / "big.jsonl"
    with source.open("wb") as handle:
        line = b'{"input":{"title":"' + b"t" * 1000 + b'"}}\n'
        for _ in range(size // len(line)):
            handle.write(line)
    target = server.uploads.create_target("BULK_MUTATION_VARIABLES", "big.jsonl", "text/jsonl")
    tracemalloc.start()
    try:
        with source.open("rb") as upload:
            response = await post(target, form_of(target), upload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 201
    stored = server.uploads.path_for(form_of(target)["key"])
    assert stored.stat().st_size == source.stat().st_size
    assert peak < size // 4


async def test_image_target_has_resource_url_serving_the_object(server: Server) -> None:
    target = server.uploads.create_target("IMAGE", "shirt photo.png", "image/png")
    fields = form_of(target)
    assert fields["key"].endswith("/shirt_photo.png")
    assert (await post(target, fields, b"\x89PNG...")).status_code == 201
    async with httpx.AsyncClient() as client:
        response = await client.get(str(target["resourceUrl"]))
        missing = await client.get(f"{server.base}/_staged_uploads/tmp/1/image/nope")
    assert response.status_code == 200 and response.content == b"\x89PNG..."
    assert response.headers["content-type"] == "image/png"
    assert (missing.status_code, xml_code(missing)) == (404, "NoSuchKey")


@pytest.mark.parametrize(
    ("resource", "mime_type", "size", "field"),
    [
        ("IMAGE", "text/plain", 10, "mimeType"),
        ("IMAGE", "image/png", 20 * 1024 * 1024 + 1, "fileSize"),
        ("IMAGE", "image/png", -1, "fileSize"),
        ("VIDEO", "video/mp4", None, "fileSize"),
        ("IMAGE", "image/png", 10, "filename"),
    ],
)
def test_image_inputs_are_checked_as_shopify_does(
    tmp_path: Path, resource: str, mime_type: str, size: int | None, field: str
) -> None:
    uploads = StagedUploads(tmp_path, lambda: "http://x")
    filename = " " if field == "filename" else "a.png"
    with pytest.raises(StagedUploadError) as error:
        uploads.create_target(resource, filename, mime_type, "POST", size)
    assert error.value.field == field


async def test_a_declared_file_size_caps_the_upload(server: Server) -> None:
    target = server.uploads.create_target("IMAGE", "a.png", "image/png", "POST", 4)
    response = await post(target, form_of(target), b"\x89PNG and more")
    assert (response.status_code, xml_code(response)) == (400, "EntityTooLarge")


async def test_a_staged_image_becomes_a_file_of_its_own(server: Server) -> None:
    target = server.uploads.create_target("IMAGE", "a.png", "image/png", "POST", 7)
    assert server.uploads.media_source("https://cdn.example.com/a.png") is None
    with pytest.raises(ValueError, match="holds no file"):
        server.uploads.media_source(str(target["resourceUrl"]))
    assert (await post(target, form_of(target), b"\x89PNG..")).status_code == 201
    first = server.uploads.media_source(str(target["resourceUrl"]))
    second = server.uploads.media_source(str(target["resourceUrl"]))
    assert first is not None and second is not None and first[0] != second[0]
    assert first[1] == "image/png" and first[0].endswith("/a.png")
    async with httpx.AsyncClient() as client:
        served = await client.get(first[0])
        outside = await client.get(f"{server.base}/cdn/shop/files/{'0' * 32}/..")
    assert served.status_code == 200 and served.content == b"\x89PNG.."
    assert served.headers["content-type"] == "image/png"
    assert outside.status_code == 404


def test_create_target_and_path_for_reject_bad_input(tmp_path: Path) -> None:
    uploads = StagedUploads(tmp_path, lambda: "http://x")
    with pytest.raises(StagedUploadError) as error:
        uploads.create_target("BULK_MUTATION_VARIABLES", "v", "text/jsonl", http_method="PATCH")
    assert error.value.field == "httpMethod"
    with pytest.raises(StagedUploadError):
        uploads.create_target("SPREADSHEET", "v", "text/csv")
    for bad in ("../../etc/passwd", "tmp/1/bulk/../../x", "/abs", "tmp/1/bulk/nouuid/x"):
        with pytest.raises(ValueError):
            uploads.path_for(bad)


@pytest.mark.parametrize("server", [1000], indirect=True)
async def test_put_target_with_signed_url(server: Server) -> None:
    target = server.uploads.create_target("IMAGE", "a.png", "image/png", http_method="PUT")
    assert target["parameters"] == [
        {"name": "content_type", "value": "image/png"},
        {"name": "acl", "value": "private"},
    ]
    url = str(target["url"])
    assert "X-Goog-Signature=" in url
    async with httpx.AsyncClient() as client:
        wrong_type = await client.put(url, content=b"png", headers={"Content-Type": "image/gif"})
        too_big = await client.put(url, content=b"x" * 1001, headers={"Content-Type": "image/png"})
        ok = await client.put(url, content=b"png", headers={"Content-Type": "image/png"})
        fetched = await client.get(str(target["resourceUrl"]))
        server.clock.now += timedelta(hours=2)
        expired = await client.put(url, content=b"png", headers={"Content-Type": "image/png"})
    assert (wrong_type.status_code, xml_code(wrong_type)) == (403, "SignatureDoesNotMatch")
    assert (too_big.status_code, xml_code(too_big)) == (400, "EntityTooLarge")
    assert ok.status_code == 200 and ok.headers["etag"] == f'"{hashlib.md5(b"png").hexdigest()}"'
    assert fetched.content == b"png"
    assert (expired.status_code, xml_code(expired)) == (400, "ExpiredToken")
    assert incoming_files(server.uploads) == []
