"""Folders for the dashboard's own data (database, logs, exports, uploads, icons): owner only."""

from __future__ import annotations

from pathlib import Path


def make_private_dir(path: Path) -> Path:
    """Create `path` as 0700 when missing (its missing parents too); an existing one is left
    as it is, since it may be shared on purpose (`LOG_DIR=/var/log/…`)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


__all__ = ["make_private_dir"]
