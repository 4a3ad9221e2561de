"""Images uploaded to the dashboard: kept once per content under the data directory.

A file is named by the SHA-256 of its bytes and the extension of its sniffed type
(`<64 hex>.png`), stored at `<root>/<first two hex>/<name>`: the same bytes uploaded twice, to
one product or to several, are stored once. Its type is read from the bytes (JPEG, PNG, GIF,
WebP), never from the file name or the client's content type. Every function that touches the
disk is blocking: call it from a thread (`asyncio.to_thread`).

An uploaded image's `src` in the catalog is `local_src(name)`, the authenticated route that
serves it back.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from product_dashboard.kit.files import make_private_dir

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # Shopify's limit for an image
LOCAL_SRC_PREFIX = "/api/media/"
CHUNK = 1024 * 1024

# extension -> content type; the extension is part of a stored name.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png|gif|webp)$")


class RejectedImage(ValueError):
    """The bytes are not an image the dashboard takes; the message says why."""


@dataclass(frozen=True, slots=True)
class StoredImage:
    name: str
    size: int

    @property
    def content_type(self) -> str:
        return content_type_of(self.name)


def sniff_extension(head: bytes) -> str | None:
    """The image type of these first bytes (at least 12), as a stored name's extension."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def content_type_of(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


def is_stored_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def local_src(name: str) -> str:
    return LOCAL_SRC_PREFIX + name


def local_name_of(src: str) -> str | None:
    """The stored name an image `src` points at, when it is an uploaded image's."""
    if not src.startswith(LOCAL_SRC_PREFIX):
        return None
    name = src.removeprefix(LOCAL_SRC_PREFIX)
    return name if is_stored_name(name) else None


class ImageStore:
    """The content-addressed folder of uploaded images."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, name: str) -> Path | None:
        """Where a stored image is, or None when the name is not one or the file is gone."""
        if not is_stored_name(name):
            return None
        path = self.root / name[:2] / name
        return path if path.is_file() else None

    def save(self, source: BinaryIO, max_bytes: int = MAX_IMAGE_BYTES) -> StoredImage:
        """Copy `source` in, hashing as it goes; RejectedImage when empty, too large or not a
        JPEG, PNG, GIF or WebP image. Nothing is left behind when refused."""
        incoming = make_private_dir(self.root / ".incoming")
        digest = hashlib.sha256()
        size = 0
        handle, temp_name = tempfile.mkstemp(dir=incoming)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                head = source.read(CHUNK)
                extension = sniff_extension(head[:12])
                if not head:
                    raise RejectedImage("The file is empty.")
                if extension is None:
                    raise RejectedImage(
                        "The file is not a JPEG, PNG, GIF or WebP image (read from its bytes)."
                    )
                chunk = head
                while chunk:
                    size += len(chunk)
                    if size > max_bytes:
                        raise RejectedImage(
                            f"The image is larger than {max_bytes // (1024 * 1024)} MB."
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    chunk = source.read(CHUNK)
            name = f"{digest.hexdigest()}.{extension}"
            folder = make_private_dir(self.root / name[:2])
            destination = folder / name
            if destination.is_file():
                temp.unlink()
            else:
                os.replace(temp, destination)
            return StoredImage(name=name, size=size)
        finally:
            temp.unlink(missing_ok=True)


def image_store_in(data_dir: Path) -> ImageStore:
    """The dashboard's image store under its data directory."""
    return ImageStore(data_dir / "media")
