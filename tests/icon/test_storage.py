from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from product_dashboard.icon.local import render
from product_dashboard.icon.storage import IconStore
from product_dashboard.icon.subject import IconSubject

pytestmark = pytest.mark.quick

MUG = IconSubject(title="Camp Mug", product_type="Mugs")


def test_content_addressed_and_deduplicated(tmp_path: Path) -> None:
    store = IconStore(tmp_path)
    first = store.save(render(MUG))
    again = store.save(render(MUG))
    other = store.save(render(IconSubject(title="Tee", product_type="T-Shirts")))
    assert first == again
    assert first.digest != other.digest
    assert first.relative_path == f"icons/{first.digest[:2]}/{first.digest}.png"
    files = sorted(p.name for p in (tmp_path / "icons").rglob("*.png"))
    assert len(files) == 4  # two icons, each with its 128 px twin
    assert not list((tmp_path / "icons").rglob(".tmp-*"))


def test_both_sizes_readable(tmp_path: Path) -> None:
    store = IconStore(tmp_path)
    stored = store.save(render(MUG))
    for size in (512, 128):
        path = store.path_for(stored.relative_path, size)
        assert path is not None
        with Image.open(path) as image:
            assert image.size == (size, size)
            assert image.mode == "RGBA"
            assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_missing_and_escaping_paths(tmp_path: Path) -> None:
    store = IconStore(tmp_path)
    (tmp_path / "secret.png").write_bytes(b"x")
    assert store.path_for("icons/ab/" + "0" * 64 + ".png") is None
    assert store.path_for("icons/../secret.png") is None
    assert store.path_for("/etc/passwd") is None
    with pytest.raises(ValueError):
        store.path_for("icons/x.png", 300)


def test_rejects_wrong_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        IconStore(tmp_path).save(Image.new("RGB", (512, 512)))


def test_prune_keeps_referenced_and_recent_files(tmp_path: Path) -> None:
    store = IconStore(tmp_path)
    kept = store.save(render(MUG))
    dropped = store.save(render(IconSubject(title="Tee", product_type="T-Shirts")))
    assert store.prune({kept.relative_path}) == 0  # too recent: maybe a job is about to use it
    assert store.prune({kept.relative_path}, older_than_seconds=-1) == 1
    assert store.path_for(kept.relative_path) is not None
    assert store.path_for(kept.relative_path, 128) is not None
    assert store.path_for(dropped.relative_path) is None
    assert not (tmp_path / f"icons/{dropped.digest[:2]}/{dropped.digest}-128.png").exists()
