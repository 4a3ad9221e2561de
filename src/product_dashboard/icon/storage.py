"""Icon files on disk, content-addressed: `DATA_DIR/icons/<ab>/<sha256>.png` plus a 128 px twin.

Equal icons share one file; a file, once written, never changes (so it can be cached forever),
and writes are atomic (temporary file, then rename), so a crash never leaves half an icon.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from product_dashboard.icon.subject import ICON_SIZE, THUMB_SIZE
from product_dashboard.kit.files import make_private_dir

SIZES = (ICON_SIZE, THUMB_SIZE)
ROOT_NAME = "icons"


@dataclass(frozen=True, slots=True)
class StoredIcon:
    digest: str  # sha256 of the full-size PNG
    relative_path: str  # what the product row keeps: "icons/ab/<digest>.png"


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def thumbnail(image: Image.Image, size: int = THUMB_SIZE) -> Image.Image:
    """Downscale with premultiplied alpha, so transparent surroundings don't darken the edges."""
    return image.convert("RGBa").resize((size, size), Image.Resampling.LANCZOS).convert("RGBA")


class IconStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / ROOT_NAME

    def save(self, image: Image.Image) -> StoredIcon:
        """Store a square RGBA icon of ICON_SIZE and its thumbnail; blocking (call in a thread)."""
        if image.size != (ICON_SIZE, ICON_SIZE) or image.mode != "RGBA":
            raise ValueError(f"icons are {ICON_SIZE} px RGBA, got {image.size} {image.mode}")
        full = encode_png(image)
        digest = hashlib.sha256(full).hexdigest()
        relative = f"{ROOT_NAME}/{digest[:2]}/{digest}.png"
        target = self.data_dir / relative
        if not target.exists() or not self._thumb_path(target).exists():
            self._write(self._thumb_path(target), encode_png(thumbnail(image)))
            self._write(target, full)  # last: its presence means both are complete
        return StoredIcon(digest=digest, relative_path=relative)

    def path_for(self, relative_path: str, size: int = ICON_SIZE) -> Path | None:
        """The file for a stored path at a size, or None if missing or outside the icon folder."""
        if size not in SIZES:
            raise ValueError(f"icon sizes are {SIZES}")
        root = self.root.resolve()
        path = (self.data_dir / relative_path).resolve()
        if not path.is_relative_to(root) or path.suffix != ".png":
            return None
        if size == THUMB_SIZE:
            path = self._thumb_path(path)
        return path if path.is_file() else None

    def prune(self, referenced: set[str], *, older_than_seconds: float = 3600.0) -> int:
        """Delete icon files no product points at; blocking. Returns how many icons went.

        Only files older than `older_than_seconds` go, so an icon stored by a running job but not
        yet attached to its product is never taken.
        """
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for full in self.root.glob("??/*.png"):
            if full.stem.endswith(f"-{THUMB_SIZE}") or full.name.startswith(".tmp-"):
                continue
            relative = full.relative_to(self.data_dir).as_posix()
            if relative in referenced:
                continue
            try:
                if full.stat().st_mtime > cutoff:
                    continue
                full.unlink()
                self._thumb_path(full).unlink(missing_ok=True)
            except FileNotFoundError:
                continue  # pruned concurrently by another process
            removed += 1
        return removed

    @staticmethod
    def digest_of(relative_path: str) -> str:
        return Path(relative_path).stem

    @staticmethod
    def _thumb_path(full: Path) -> Path:
        return full.with_name(f"{full.stem}-{THUMB_SIZE}.png")

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        make_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
