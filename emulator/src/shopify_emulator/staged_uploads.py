"""Staged uploads: `stagedUploadsCreate` targets and a GCS-like signed multipart POST endpoint.

`StagedUploads.create_target()` returns Shopify's `StagedMediaUploadTarget` shape with a Google
Cloud Storage style POST policy (base64 JSON conditions plus an HMAC signature). The upload route
checks the signature, the expiry and every condition, streams the file part to disk (never holding
it in memory), enforces the size limit and answers like GCS, including its XML error bodies.
The `key` parameter is the `stagedUploadPath` clients later pass to `bulkOperationRunMutation`.
`httpMethod: PUT` targets are signed URLs instead (`PUT /_staged_uploads/{key}`), as on Shopify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import os
import re
import secrets
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlencode
from xml.sax.saxutils import escape

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from shopify_emulator.gid import is_numeric_id

UPLOAD_PATH = "/_staged_uploads"
BUCKET = "shopify-staged-uploads"
ALGORITHM = "GOOG4-HMAC-SHA256"
RESOURCES = frozenset(
    {
        "BULK_MUTATION_VARIABLES",
        "COLLECTION_IMAGE",
        "FILE",
        "IMAGE",
        "MODEL_3D",
        "PRODUCT_IMAGE",
        "RETURN_LABEL",
        "SHOP_IMAGE",
        "URL_REDIRECT_IMPORT",
        "VIDEO",
    }
)
IMAGE_RESOURCES = frozenset({"COLLECTION_IMAGE", "IMAGE", "PRODUCT_IMAGE", "SHOP_IMAGE"})
IMAGE_MIME_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/svg+xml"}
)
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # Shopify's limit for an image
SIZE_REQUIRED = frozenset({"VIDEO", "MODEL_3D"})  # fileSize is required for these (2026-10)
FILES_PATH = "/cdn/shop/files"
# Multipart framing and the text fields ride on top of the file; beyond this a declared
# Content-Length cannot be within the limit, so we refuse with 413 before reading.
FORM_OVERHEAD_BYTES = 64 * 1024
MAX_FIELD_BYTES = 16 * 1024
_KEY_PATTERN = re.compile(r"^tmp/[A-Za-z0-9_]+/[a-z0-9_]+/[0-9a-f-]{36}/[A-Za-z0-9._-]+$")
_SIGNED_FIELDS = ("x-goog-credential", "x-goog-algorithm", "x-goog-date", "x-goog-signature")


class StagedUploadError(ValueError):
    """An input `stagedUploadsCreate` rejects; `field` names the offending input field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """A completed upload."""

    key: str
    path: Path
    size: int
    md5_hex: str
    content_type: str
    uploaded_at: datetime


class StagedUploads:
    """Issues signed upload targets and stores what clients post to them (one shop)."""

    def __init__(
        self,
        directory: Path,
        base_url_provider: Callable[[], str],
        max_bytes: int = 100 * 1024 * 1024,
        *,
        shop_id: int = 1,
        ttl: timedelta = timedelta(hours=1),
        signing_key: bytes | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._base_url = base_url_provider
        self._shop_id = shop_id
        self._ttl = ttl
        self._signing_key = signing_key or secrets.token_bytes(32)
        self._now = now
        self._objects = directory / "objects"
        self._incoming = directory / ".incoming"
        self._files = directory / "files"
        self._objects.mkdir(parents=True, exist_ok=True)
        self._incoming.mkdir(parents=True, exist_ok=True)
        self._stored: dict[str, StoredUpload] = {}

    @property
    def url(self) -> str:
        """Where clients POST the multipart form."""
        return self._base_url().rstrip("/") + UPLOAD_PATH

    def create_target(
        self,
        resource: str,
        filename: str,
        mime_type: str,
        http_method: str = "POST",
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """One `StagedMediaUploadTarget`: {"url", "resourceUrl", "parameters": [{name, value}]}.

        POST gives a signed form policy; PUT gives a signed URL whose parameters are the
        `content_type` and `acl` headers to send. Raises StagedUploadError for bad input. An
        image takes an image MIME type and at most 20 MB; a declared `fileSize` caps the
        upload's size in the policy.
        """
        if resource not in RESOURCES:
            raise StagedUploadError("resource", f"Resource {resource} is not supported")
        if http_method not in ("POST", "PUT"):
            raise StagedUploadError("httpMethod", f"Unsupported HTTP method {http_method}")
        if not filename.strip():
            raise StagedUploadError("filename", "Filename can't be blank")
        if file_size is None and resource in SIZE_REQUIRED:
            raise StagedUploadError("fileSize", f"File size is required for {resource}")
        if file_size is not None and file_size < 0:
            raise StagedUploadError("fileSize", "File size must be at least 0")
        limit = self.max_bytes if file_size is None else min(self.max_bytes, file_size)
        if resource in IMAGE_RESOURCES:
            if mime_type.lower() not in IMAGE_MIME_TYPES:
                raise StagedUploadError(
                    "mimeType", f"Mime type {mime_type} is not supported for {resource}"
                )
            if file_size is not None and file_size > MAX_IMAGE_BYTES:
                raise StagedUploadError(
                    "fileSize", "File size is too large: images can be at most 20 MB"
                )
            limit = min(limit, MAX_IMAGE_BYTES)
        folder = "bulk" if resource == "BULK_MUTATION_VARIABLES" else resource.lower()
        key = f"tmp/{self._shop_id}/{folder}/{uuid.uuid4()}/{_safe_filename(filename)}"
        now = self._now().astimezone(UTC)
        goog_date = now.strftime("%Y%m%dT%H%M%SZ")
        credential = f"emulator@shopify-emulator.local/{now:%Y%m%d}/auto/storage/goog4_request"
        object_url = f"{self.url}/{quote(key, safe='')}"
        resource_url = None if folder == "bulk" else object_url
        if http_method == "PUT":
            expires = str(int(self._ttl.total_seconds()))
            query = {
                "X-Goog-Algorithm": ALGORITHM,
                "X-Goog-Credential": credential,
                "X-Goog-Date": goog_date,
                "X-Goog-Expires": expires,
                "X-Goog-SignedHeaders": "content-type;host",
                "X-Goog-Signature": self._sign(_put_string(key, mime_type, goog_date, expires)),
            }
            return {
                "url": f"{self.url}/{quote(key)}?{urlencode(query)}",
                "resourceUrl": resource_url,
                "parameters": [
                    {"name": "content_type", "value": mime_type},
                    {"name": "acl", "value": "private"},
                ],
            }
        fields = {
            "key": key,
            "Content-Type": mime_type,
            "success_action_status": "201",
            "acl": "private",
        }
        signed = {
            "x-goog-credential": credential,
            "x-goog-algorithm": ALGORITHM,
            "x-goog-date": goog_date,
        }
        policy_document = {
            "expiration": (now + self._ttl).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [
                {"bucket": BUCKET},
                *({name: value} for name, value in {**fields, **signed}.items()),
                ["content-length-range", 0, limit],
            ],
        }
        policy = base64.b64encode(json.dumps(policy_document).encode()).decode()
        parameters = {**fields, "policy": policy, **signed, "x-goog-signature": self._sign(policy)}
        return {
            "url": self.url,
            "resourceUrl": resource_url,
            "parameters": [{"name": name, "value": value} for name, value in parameters.items()],
        }

    def path_for(self, staged_upload_path: str) -> Path:
        """Local path of an uploaded object (may not exist yet); ValueError for a malformed key."""
        if not _KEY_PATTERN.fullmatch(staged_upload_path):
            raise ValueError(f"invalid staged upload path: {staged_upload_path!r}")
        return self._objects / staged_upload_path

    def stored(self, staged_upload_path: str) -> StoredUpload | None:
        """Metadata of a completed upload, if any."""
        return self._stored.get(staged_upload_path)

    def media_source(self, source: str) -> tuple[str, str] | None:
        """For a media `originalSource`: None when it is not one of our resourceUrls; else the
        uploaded file copied to where the store serves its files (each use is a new file, as
        each makes a new media), as (URL, MIME type). ValueError when nothing was uploaded."""
        prefix = self.url + "/"
        if not source.startswith(prefix):
            return None
        key = unquote(source.removeprefix(prefix).split("?", 1)[0])
        stored = self._stored.get(key)
        if stored is None or not stored.path.is_file():
            raise ValueError(
                "The staged upload at originalSource holds no file: upload it to its target first"
            )
        name = f"{uuid.uuid4().hex}/{stored.path.name}"
        destination = self._files / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stored.path, destination)
        url = f"{self._base_url().rstrip('/')}{FILES_PATH}/{name}"
        return url, stored.content_type

    def routes(self) -> list[Route]:
        """`POST /_staged_uploads` (form upload), `PUT|GET /_staged_uploads/{key}`, and the
        files media were made from (`GET /cdn/shop/files/…`)."""
        return [
            Route(UPLOAD_PATH, self._handle_post, methods=["POST"]),
            Route(UPLOAD_PATH + "/{key:path}", self._handle_put, methods=["PUT"]),
            Route(UPLOAD_PATH + "/{key:path}", self._handle_get, methods=["GET"]),
            Route(FILES_PATH + "/{folder}/{name}", self._handle_file, methods=["GET"]),
        ]

    # -- policy ----------------------------------------------------------------------------------

    def _sign(self, policy: str) -> str:
        return hmac.new(self._signing_key, policy.encode(), hashlib.sha256).hexdigest()

    def check_form(self, fields: dict[str, str]) -> int:
        """Validate the fields that precede the file; return the allowed size or raise."""
        for name in ("key", "policy", *_SIGNED_FIELDS):
            if name not in fields:
                raise _UploadRejected(
                    400, "InvalidArgument", "Invalid argument.", f"Missing {name}"
                )
        if not hmac.compare_digest(self._sign(fields["policy"]), fields["x-goog-signature"]):
            raise _UploadRejected(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        document = json.loads(base64.b64decode(fields["policy"]))
        expiration = datetime.fromisoformat(document["expiration"])
        if self._now() > expiration:
            raise _UploadRejected(
                403, "AccessDenied", "Invalid according to Policy: Policy expired."
            )
        limit = self.max_bytes
        for condition in document["conditions"]:
            if isinstance(condition, list):
                if condition[0] == "content-length-range":
                    limit = min(limit, int(condition[2]))
                continue
            ((name, expected),) = condition.items()
            if name != "bucket" and fields.get(name) != expected:
                raise _UploadRejected(
                    403,
                    "AccessDenied",
                    "Invalid according to Policy: Policy Condition failed: "
                    f'["eq", "${name}", "{expected}"]',
                )
        return limit

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle_get(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            path = self.path_for(key)
        except ValueError:
            path = None
        if path is None or not path.is_file():
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
        stored = self._stored.get(key)
        media_type = stored.content_type if stored else "application/octet-stream"
        return FileResponse(path, media_type=media_type)

    async def _handle_file(self, request: Request) -> Response:
        folder, name = request.path_params["folder"], request.path_params["name"]
        path = self._files / folder / name
        if not re.fullmatch(r"[0-9a-f]{32}", folder) or name != _safe_filename(name):
            path = None
        if path is None or not path.is_file():
            return Response("Not Found", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=mimetypes.guess_type(name)[0])

    async def _handle_put(self, request: Request) -> Response:
        key = request.path_params["key"]
        query = request.query_params
        content_type = request.headers.get("content-type", "")
        date, expires = query.get("X-Goog-Date", ""), query.get("X-Goog-Expires", "0")
        expected = self._sign(_put_string(key, content_type, date, expires))
        if not hmac.compare_digest(expected, query.get("X-Goog-Signature", "")):
            return _xml_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        signed_at = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if self._now() > signed_at + timedelta(seconds=int(expires)):
            return _xml_error(400, "ExpiredToken", "The provided token has expired.")
        declared = request.headers.get("content-length")
        if declared and is_numeric_id(declared) and int(declared) > self.max_bytes:
            return _xml_error(400, "EntityTooLarge", "Your proposed upload is too large.")
        temp, handle = self._new_temp()
        size, md5 = 0, hashlib.md5(usedforsecurity=False)
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self.max_bytes:
                    return _xml_error(400, "EntityTooLarge", "Your proposed upload is too large.")
                md5.update(chunk)
                handle.write(chunk)
            handle.close()
            stored = self._store(key, temp, size, md5.hexdigest(), content_type)
        finally:
            handle.close()
            temp.unlink(missing_ok=True)
        self._stored[stored.key] = stored
        return Response(status_code=200, headers={"ETag": f'"{stored.md5_hex}"'})

    async def _handle_post(self, request: Request) -> Response:
        declared = request.headers.get("content-length")
        if (
            declared
            and is_numeric_id(declared)
            and int(declared) > self.max_bytes + FORM_OVERHEAD_BYTES
        ):
            return _xml_error(
                413,
                "EntityTooLarge",
                "Your proposed upload is larger than the maximum object size specified in your "
                "Policy Document.",
            )
        content_type, options = parse_options_header(request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            return _xml_error(400, "InvalidArgument", "Invalid argument.", "Not a multipart form")
        form = _StreamingForm(self, boundary)
        try:
            async for chunk in request.stream():
                form.feed(chunk)
                if form.rejection is not None and form.drained > self.max_bytes:
                    break  # stop reading a hostile stream; the connection will be closed
        finally:
            form.close()
        if form.rejection is not None:
            return form.rejection.response()
        if form.result is None:
            return _xml_error(400, "InvalidArgument", "Invalid argument.", "Missing file")
        stored = form.result
        self._stored[stored.key] = stored
        status = form.fields.get("success_action_status", "204")
        if status == "201":
            location = f"{self.url}/{quote(stored.key, safe='')}"
            body = (
                "<?xml version='1.0' encoding='UTF-8'?><PostResponse>"
                f"<Location>{escape(location)}</Location><Bucket>{BUCKET}</Bucket>"
                f'<Key>{escape(stored.key)}</Key><ETag>"{stored.md5_hex}"</ETag></PostResponse>'
            )
            return Response(body, status_code=201, media_type="application/xml")
        return Response(status_code=200 if status == "200" else 204)

    def _store(self, key: str, temp: Path, size: int, md5_hex: str, ctype: str) -> StoredUpload:
        destination = self.path_for(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, destination)
        return StoredUpload(key, destination, size, md5_hex, ctype, self._now())

    def _new_temp(self) -> tuple[Path, IO[bytes]]:
        path = self._incoming / uuid.uuid4().hex
        return path, path.open("wb")


class _UploadRejected(Exception):
    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def response(self) -> Response:
        return _xml_error(self.status, self.code, self.message, self.details)


class _StreamingForm:
    """Multipart state machine: text fields kept in memory, the file part streamed to disk.

    As on GCS the file must be the last part: the policy is checked against the fields seen when
    the file part starts, and parts after the file are ignored.
    """

    def __init__(self, uploads: StagedUploads, boundary: bytes) -> None:
        self.uploads = uploads
        self.fields: dict[str, str] = {}
        self.rejection: _UploadRejected | None = None
        self.result: StoredUpload | None = None
        self.drained = 0
        self._header_name = b""
        self._headers: dict[bytes, bytes] = {}
        self._part_kind = "ignore"  # "field" | "file" | "ignore"
        self._part_name = ""
        self._buffer = bytearray()
        self._file_seen = False
        self._limit = 0
        self._size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._temp: tuple[Path, IO[bytes]] | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        if self.rejection is not None:
            self.drained += len(chunk)
            return
        try:
            self._parser.write(chunk)
        except _UploadRejected as rejected:
            self._reject(rejected)
        except Exception as exc:  # malformed multipart framing
            self._reject(_UploadRejected(400, "InvalidArgument", "Invalid argument.", str(exc)))

    def close(self) -> None:
        """Discard a partial file (after a rejection or a truncated body)."""
        if self._temp is not None:
            path, handle = self._temp
            handle.close()
            path.unlink(missing_ok=True)
            self._temp = None

    def _reject(self, rejected: _UploadRejected) -> None:
        self.rejection = rejected
        self.close()

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._buffer.clear()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name = data[start:end].lower()

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        name = self._header_name
        self._headers[name] = self._headers.get(name, b"") + data[start:end]

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        self._part_name = options.get(b"name", b"").decode()
        if self._file_seen:
            self._part_kind = "ignore"
        elif b"filename" in options or self._part_name == "file":
            self._part_kind = "file"
            self._file_seen = True
            self._limit = self.uploads.check_form(self.fields)
            self._temp = self.uploads._new_temp()
        else:
            self._part_kind = "field"

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_kind == "field":
            self._buffer += data[start:end]
            if len(self._buffer) > MAX_FIELD_BYTES:
                raise _UploadRejected(400, "InvalidArgument", "Invalid argument.", "Field too big")
        elif self._part_kind == "file" and self._temp is not None:
            self._size += end - start
            if self._size > self._limit:
                raise _UploadRejected(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload is larger than the maximum object size specified in "
                    "your Policy Document.",
                    f"Content-length exceeds upper bound on range ({self._limit})",
                )
            chunk = data[start:end]
            self._md5.update(chunk)
            self._temp[1].write(chunk)

    def _on_part_end(self) -> None:
        if self._part_kind == "field":
            self.fields.setdefault(self._part_name, self._buffer.decode("utf-8", "replace"))
        elif self._part_kind == "file" and self._temp is not None:
            path, handle = self._temp
            handle.close()
            self._temp = None
            self.result = self.uploads._store(
                self.fields["key"],
                path,
                self._size,
                self._md5.hexdigest(),
                self.fields.get("Content-Type", "application/octet-stream"),
            )


def _put_string(key: str, content_type: str, date: str, expires: str) -> str:
    return f"PUT\n{key}\n{content_type}\n{date}\n{expires}"


def _safe_filename(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", filename.replace("\\", "/").rsplit("/", 1)[-1])
    return name.strip(".") or "file"


def _xml_error(status: int, code: str, message: str, details: str | None = None) -> Response:
    details_xml = f"<Details>{escape(details)}</Details>" if details else ""
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{details_xml}</Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


def staged_upload_routes(uploads: StagedUploads) -> list[Route]:
    """Routes to add to the emulator app (`app.router.routes.extend(...)`)."""
    return uploads.routes()
