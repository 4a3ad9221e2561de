"""`product-dashboard backup` and `restore`: every row and file back, refused where it loses."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from product_dashboard import migrate
from product_dashboard.backup.archive import MANIFEST
from product_dashboard.backup.scheduled import Backups
from product_dashboard.cli import app
from product_dashboard.config import Settings
from product_dashboard.db import create_engine
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.inbound.spool import own_spool_lock, spool_path
from tests.fixtures.database import recreate_database

pytestmark = pytest.mark.integration

runner = CliRunner()
SPOOLED_EVENT = '{"webhook_id": "spooled-1", "topic": "products/update"}\n'


def _seed(url: str, products: int) -> None:
    async def seed() -> None:
        engine = create_engine(url)
        try:
            await seed_demo_catalog(engine, products, seed=7)
            async with engine.begin() as connection:  # awkward values beside the demo's
                await connection.execute(
                    text(
                        "UPDATE product SET title = :title, handle = :handle, "
                        "description_html = :html WHERE id = 1"
                    ),
                    {
                        "title": "Tè verde 日本 🍵",
                        "handle": "tè-verde-日本",
                        "html": '<p style="color:#c00">Fine &amp; <b>strong</b></p>',
                    },
                )
        finally:
            await engine.dispose()

    asyncio.run(seed())


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in key order: what a restore must give back to the letter."""

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                names = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
                tables = {}
                for name in sorted(names):
                    rows = (await connection.execute(text(f'SELECT * FROM "{name}"'))).all()
                    tables[name] = sorted((tuple(row) for row in rows), key=repr)
                return tables
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _files(data_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(data_dir).as_posix(): path.read_bytes()
        for folder in ("media", "icons")
        for path in sorted((data_dir / folder).rglob("*"))
        if path.is_file() and ".incoming" not in path.parts
    }


def _put_files(data_dir: Path) -> None:
    (data_dir / "media" / "ab").mkdir(parents=True)
    (data_dir / "media" / "ab" / "café.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(2000))
    (data_dir / "icons" / "0f").mkdir(parents=True)
    (data_dir / "icons" / "0f" / "0f1e.png").write_bytes(b"\x89PNG" + os.urandom(500))
    (data_dir / "media" / ".incoming").mkdir()
    (data_dir / "media" / ".incoming" / "tmpab12").write_bytes(b"an upload half written")
    (data_dir / "exports").mkdir()
    (data_dir / "exports" / "old.csv").write_text("made again from the catalog")


def _backup(out: Path) -> None:
    result = runner.invoke(app, ["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_a_sqlite_backup_restores_every_row_file_and_spooled_webhook(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'dashboard.db'}"
    env.setenv("DATABASE_URL", url)
    (tmp_path / "data").mkdir()
    migrate.upgrade(url)
    _seed(url, 30)
    _put_files(tmp_path / "data")
    spool = spool_path(make_url(url))
    assert spool is not None
    spool.write_text(SPOOLED_EVENT)
    before_rows, before_files = _rows(url), _files(tmp_path / "data")

    out = tmp_path / "backups" / "b.tar.gz"
    _backup(out)
    assert oct(out.stat().st_mode & 0o777) == "0o600"  # it holds password hashes
    with tarfile.open(out) as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert "exports/old.csv" not in names and "media/.incoming/tmpab12" not in names
    assert manifest["products"] == 30 and manifest["files"] == 2
    assert manifest["schema_revision"] == migrate.head_revision()

    checked = runner.invoke(app, ["restore", str(out), "--check"])
    assert checked.exit_code == 0, checked.output
    assert "is whole: 30 products" in checked.output

    elsewhere = tmp_path / "elsewhere"
    other_url = f"sqlite+aiosqlite:///{elsewhere / 'data' / 'restored.db'}"
    env.setenv("DATABASE_URL", other_url)
    env.setenv("DATA_DIR", str(elsewhere / "data"))
    result = runner.invoke(app, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "Restored 30 products and 2 files" in result.output
    assert _rows(other_url) == before_rows
    assert _files(elsewhere / "data") == before_files
    restored_spool = spool_path(make_url(other_url))
    assert restored_spool is not None and restored_spool.read_text() == SPOOLED_EVENT


def test_a_backup_is_taken_while_another_connection_writes(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "dashboard.db"
    url = f"sqlite+aiosqlite:///{database}"
    env.setenv("DATABASE_URL", url)
    database.parent.mkdir()
    migrate.upgrade(url)
    _seed(url, 5)
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the app's write lock, held through the backup
        writer.execute("UPDATE product SET title = 'not committed' WHERE id = 2")
        out = tmp_path / "b.tar.gz"
        _backup(out)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with tarfile.open(out) as archive:
        archive.extract("database.sqlite", tmp_path / "x", filter="data")
    copy = sqlite3.connect(tmp_path / "x" / "database.sqlite")
    titles = [row[0] for row in copy.execute("SELECT title FROM product")]
    copy.close()
    assert len(titles) == 5 and "not committed" not in titles


def test_restore_refuses_while_the_dashboard_runs_and_over_data_without_force(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{data / 'dashboard.db'}"
    env.setenv("DATABASE_URL", url)
    data.mkdir()
    migrate.upgrade(url)
    _seed(url, 3)
    _put_files(data)
    out = tmp_path / "b.tar.gz"
    _backup(out)
    _seed(url, 4)  # the catalog moves on after the backup
    # ... and its last commit is still in the WAL, as a dashboard that crashed leaves it.
    database = data / "dashboard.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("UPDATE product SET title = 'in the WAL only' WHERE id = 1")
    family = ("dashboard.db", "dashboard.db-wal", "dashboard.db-shm")
    crashed = {name: (data / name).read_bytes() for name in family}
    holder.close()  # checkpoints and removes the WAL: put the crashed files back
    probe = tmp_path / "probe"
    probe.mkdir()
    for name in family:
        (data / name).write_bytes(crashed[name])
        (probe / name).write_bytes(crashed[name])
    assert len(crashed["dashboard.db-wal"]) > 0
    newer = _rows(f"sqlite+aiosqlite:///{probe / 'dashboard.db'}")  # read from a copy
    assert "in the WAL only" in {row[1] for row in newer["product"]}

    spool = spool_path(make_url(url))
    assert spool is not None
    running = own_spool_lock(spool)  # what a running dashboard holds
    try:
        result = runner.invoke(app, ["restore", str(out), "--force"])
    finally:
        os.close(running)
    assert result.exit_code == 1
    assert "running" in result.output and "Nothing restored" in result.output
    assert {name: (data / name).read_bytes() for name in family} == crashed

    result = runner.invoke(app, ["restore", str(out)])
    assert result.exit_code == 1 and "--force" in result.output
    assert {name: (data / name).read_bytes() for name in family} == crashed

    result = runner.invoke(app, ["restore", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert _rows(url)["product"] != newer["product"] and len(_rows(url)["product"]) == 3
    kept = sorted(p.name for p in data.iterdir() if ".before-restore-" in p.name)
    stamp = kept[0].split(".before-restore-")[1]
    assert kept == [
        f"dashboard.db.before-restore-{stamp}",
        f"dashboard.db.before-restore-{stamp}-shm",
        f"dashboard.db.before-restore-{stamp}-wal",
        f"icons.before-restore-{stamp}",
        f"media.before-restore-{stamp}",
    ]
    aside = data / kept[0]
    assert _rows(f"sqlite+aiosqlite:///{aside}") == newer  # what was here, its WAL's commit too


def _archive_with(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_restore_refuses_what_is_not_its_own_backup(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{data / 'dashboard.db'}")
    manifest = {
        "format": 1,
        "created_at": "2026-12-07T10:00:00Z",
        "app_version": "9.9",
        "database": "sqlite",
        "schema_revision": "0099_from_the_future",
        "products": 0,
        "files": 0,
    }
    cases = {
        "escape.tar.gz": {MANIFEST: json.dumps(manifest).encode(), "../evil.txt": b"x"},
        "newer.tar.gz": {MANIFEST: json.dumps(manifest).encode(), "database.sqlite": b""},
        "nodb.tar.gz": {MANIFEST: json.dumps(manifest | {"schema_revision": None}).encode()},
    }
    current = manifest | {"schema_revision": migrate.head_revision()}
    cases["damaged.tar.gz"] = {
        MANIFEST: json.dumps(current).encode(),
        "database.sqlite": b"SQLite format 3\x00" + b"\x00" * 200,
    }
    reasons = {}
    for name, members in cases.items():
        _archive_with(tmp_path / name, members)
        result = runner.invoke(app, ["restore", str(tmp_path / name), "--force"])
        assert result.exit_code == 1, result.output
        reasons[name] = result.output
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar file")
    result = runner.invoke(app, ["restore", str(tmp_path / "junk.tar.gz")])
    assert result.exit_code == 1
    assert "not a dashboard backup" in reasons["escape.tar.gz"]
    assert "newer version" in reasons["newer.tar.gz"]
    assert "lacks its database" in reasons["nodb.tar.gz"]
    assert "backup's database" in reasons["damaged.tar.gz"]
    checked = runner.invoke(app, ["restore", str(tmp_path / "damaged.tar.gz"), "--check"])
    assert checked.exit_code == 1 and "not usable" in checked.output
    assert "cannot be read" in result.output
    assert not (tmp_path / "evil.txt").exists()
    assert not (data / "dashboard.db").exists()


def _fresh_postgres_database(url: str) -> str:
    target = make_url(url)
    fresh = target.set(database=f"{target.database}_restore").render_as_string(hide_password=False)
    asyncio.run(recreate_database(url, fresh))
    return fresh


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_postgres_backup_restores_into_an_empty_database(
    env: pytest.MonkeyPatch, tmp_path: Path, clean_database: str
) -> None:
    env.setenv("DATABASE_URL", clean_database)
    _seed(clean_database, 20)
    _put_files(tmp_path / "data")
    before_rows, before_files = _rows(clean_database), _files(tmp_path / "data")
    out = tmp_path / "pg.tar.gz"
    _backup(out)

    result = runner.invoke(app, ["restore", str(out), "--force"])
    assert result.exit_code == 1 and "has tables already" in result.output
    checked = runner.invoke(app, ["restore", str(out), "--check"])
    assert checked.exit_code == 0 and "is whole: 20 products (postgresql" in checked.output

    empty = _fresh_postgres_database(clean_database)
    env.setenv("DATABASE_URL", empty)
    env.setenv("DATA_DIR", str(tmp_path / "restored-data"))
    result = runner.invoke(app, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert _rows(empty) == before_rows
    assert _files(tmp_path / "restored-data") == before_files


async def test_the_app_backs_up_on_schedule_and_keeps_the_newest(
    env: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "data" / "dashboard.db"
    url = f"sqlite+aiosqlite:///{database}"
    database.parent.mkdir()
    await asyncio.to_thread(migrate.upgrade, url)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "mine.tar.gz").write_bytes(b"a file of the merchant's own: never touched")
    settings = Settings(
        _env_file=None,
        database_url=url,
        data_dir=tmp_path / "data",
        backup_dir=folder,
        backup_keep=2,
    )
    backups = Backups(settings)
    made = []
    for hour in range(3):
        summary = await backups.run(datetime(2026, 12, 7, hour, tzinfo=UTC))
        assert summary is not None
        made.append(summary.path.name)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*made[1:], "mine.tar.gz"])

    database.unlink()
    with caplog.at_level("ERROR"):
        assert await backups.run() is None
    assert "backup failed: no database at" in caplog.text
    assert backups.last_error is not None and "no database at" in backups.last_error
