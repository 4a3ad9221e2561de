"""A backup of the dashboard's data as one .tar.gz, and its restore.

What a backup holds: the database (SQLite: an online snapshot taken by SQLite's backup API, which
a running dashboard keeps writing beside; PostgreSQL: `pg_dump`'s custom format), the webhook
deliveries answered 200 but still in the spool beside a SQLite database (Shopify never sends
them again), and the files the database points at: images uploaded here and not yet on Shopify
(`media/`) and generated icons (`icons/`). Exports and uploaded import files are left out: they
are made again from the catalog. A manifest (`backup.json`) says what is inside.

The spool is copied before the database: an event the spool hands to the table in between is then
in both (its webhook id makes the second copy a no-op), never in neither.

A restore puts the data of a backup in place of the configured database and data folder, then
migrates it to this version's schema. It refuses while the dashboard runs on that database
(SQLite: the spool's lock is held), over existing data without `force` (which keeps the old files
beside, renamed), and into a PostgreSQL database that has tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from product_dashboard import migrate
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, safe_url
from product_dashboard.inbound.spool import SUFFIX as SPOOL_SUFFIX
from product_dashboard.inbound.spool import SpoolTaken, own_spool_lock, spool_path

FORMAT = 1
MANIFEST = "backup.json"
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.pgdump"
SPOOL_MEMBER = "webhooks.spool"
FILE_DIRS = ("media", "icons")
"""Folders of the data folder that hold what the database points at."""

Kind = Literal["sqlite", "postgresql"]


class BackupError(Exception):
    """Why a backup or restore could not be made; nothing was changed."""


class Manifest(BaseModel):
    format: int
    created_at: datetime
    app_version: str
    database: Kind
    schema_revision: str | None
    products: int
    files: int


@dataclass(frozen=True)
class Summary:
    path: Path
    manifest: Manifest
    set_aside: tuple[Path, ...] = ()
    """What a forced restore renamed instead of overwriting."""


def default_path(now: datetime | None = None) -> Path:
    """backups/dashboard-<UTC time, to the millisecond>.tar.gz: names sort by time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    return Path("backups") / f"dashboard-{stamp}.tar.gz"


def make_backup(settings: Settings, out: Path) -> Summary:
    """Write a backup of the configured database and data folder to `out` (a new file)."""
    try:
        return _make_backup(settings, out)
    except OSError as exc:  # a full disk, a folder that cannot be made or read
        raise BackupError(f"could not write {out}: {exc}") from None


def _make_backup(settings: Settings, out: Path) -> Summary:
    if out.exists():
        raise BackupError(f"{out} exists already: name a new file")
    url = make_url(settings.database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        staging = Path(work)
        members: list[tuple[Path, str]] = []
        if _kind(url) == "sqlite":
            database = _sqlite_file(url)
            spool = spool_path(url)
            if spool is not None and spool.exists():  # first: see the module's docstring
                shutil.copyfile(spool, staging / SPOOL_MEMBER)
                members.append((staging / SPOOL_MEMBER, SPOOL_MEMBER))
            snapshot = staging / SQLITE_MEMBER
            _sqlite_snapshot(database, snapshot)
            _check_sqlite(snapshot)  # a damaged copy is found now, not on the day it is needed
            revision, products = _sqlite_facts(snapshot, shown=database)
            members.append((snapshot, SQLITE_MEMBER))
        else:
            dump = staging / POSTGRES_MEMBER
            _pg_dump(url, dump)
            revision, products = asyncio.run(_database_facts(settings.database_url))
            members.append((dump, POSTGRES_MEMBER))
        partial = staging / "backup.tar.gz"
        # Level 1: a 100k-product SQLite file (382 MB) in 6.8 s of CPU and 116 MB, against
        # 16.7 s and 101 MB at gzip's default 6 (measured with gzip(1)): the app runs meanwhile.
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            for path, name in members:
                archive.add(path, name)
            files = 0
            for path, name in _data_files(settings.data_dir):
                try:
                    archive.add(path, name, recursive=False)
                except FileNotFoundError:  # deleted meanwhile (an image replaced, an icon redone)
                    continue
                if path.is_file():
                    files += 1
            manifest = Manifest(
                format=FORMAT,
                created_at=datetime.now(UTC),
                app_version=_app_version(),
                database=_kind(url),
                schema_revision=revision,
                products=products,
                files=files,
            )
            (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
            archive.add(staging / MANIFEST, MANIFEST)
        os.chmod(partial, 0o600)  # it holds the team's password hashes
        os.replace(partial, out)
    return Summary(out, manifest)


def check_backup(archive_path: Path) -> Manifest:
    """Read a backup whole without restoring it: every member, the database's integrity (SQLite:
    `quick_check` and its products counted again; PostgreSQL: `pg_restore --list`)."""
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} is not a file")
    with tempfile.TemporaryDirectory(prefix="dashboard-check-") as work:
        staging = Path(work)
        manifest = _unpack(archive_path, staging)
        if manifest.database == "sqlite":
            _check_sqlite(staging / SQLITE_MEMBER)
            _, products = _sqlite_facts(staging / SQLITE_MEMBER, shown=archive_path)
            if products != manifest.products:
                raise BackupError(
                    f"{archive_path} says {manifest.products} products but holds {products}"
                )
        else:
            _pg_tool("pg_restore", None, ["--list", str(staging / POSTGRES_MEMBER)])
    return manifest


def restore_backup(settings: Settings, archive_path: Path, *, force: bool = False) -> Summary:
    """Put a backup in place of the configured database and data files, then migrate it."""
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} is not a file")
    url = make_url(settings.database_url)
    kind = _kind(url)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as work:
        staging = Path(work)
        manifest = _unpack(archive_path, staging)
        if manifest.database != kind:
            raise BackupError(
                f"{archive_path} holds a {manifest.database} database; this dashboard is "
                f"configured for {kind} ({safe_url(url)})"
            )
        if manifest.schema_revision is not None and not migrate.knows(manifest.schema_revision):
            raise BackupError(
                f"{archive_path} was made by a newer version of the dashboard "
                f"({manifest.app_version}, migration {manifest.schema_revision}): upgrade first"
            )
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        with _dashboard_stopped(url):
            if kind == "sqlite":
                _check_sqlite(staging / SQLITE_MEMBER)
                family = _sqlite_family(url)
                present = [p for p in family if p.exists()]
            elif asyncio.run(_has_tables(settings.database_url)):
                raise BackupError(
                    f"{safe_url(settings.database_url)} has tables already: restore into a new, "
                    "empty database (createdb), then point DATABASE_URL at it"
                )
            else:
                family, present = [], []
            files_present = [data_dir / d for d in FILE_DIRS if _not_empty(data_dir / d)]
            if (present or files_present) and not force:
                raise BackupError(_occupied(present + files_present))
            set_aside: list[Path] = []
            if kind == "sqlite":
                database = _sqlite_file(url)
                database.parent.mkdir(parents=True, exist_ok=True)
                aside = _sqlite_family(url, f"{database.name}.before-restore-{stamp}")
                for path, target in zip(family, aside, strict=True):
                    if path.exists():
                        os.replace(path, target)
                        set_aside.append(target)
                shutil.move(staging / SQLITE_MEMBER, database)
                spool = spool_path(url)
                if spool is not None and (staging / SPOOL_MEMBER).exists():
                    shutil.move(staging / SPOOL_MEMBER, spool)
            else:
                _pg_restore(url, staging / POSTGRES_MEMBER)
            set_aside += _set_aside(files_present, stamp)
            _move_files(staging, data_dir)
            migrate.upgrade(settings.database_url)
    return Summary(archive_path, manifest, tuple(set_aside))


# -- the database ----------------------------------------------------------------------------------


def _kind(url: URL) -> Kind:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"backups know SQLite and PostgreSQL, not {backend}")


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up or restore")
    return Path(url.database)


def _sqlite_family(url: URL, name: str | None = None) -> list[Path]:
    """The database file and what SQLite and the dashboard keep beside it, named by the file's
    name (or `name`: a family renamed together stays one database, its WAL included)."""
    database = _sqlite_file(url)
    name = name or database.name
    suffixes = ["", "-wal", "-shm", *([SPOOL_SUFFIX] if spool_path(url) is not None else [])]
    return [database.with_name(name + suffix) for suffix in suffixes]


def _sqlite_snapshot(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    source = sqlite3.connect(database, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            # One step: a read transaction for the whole copy (writers go on, in WAL mode).
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"could not read {database}: {exc}") from None
    finally:
        source.close()


def _sqlite_facts(database: Path, *, shown: Path) -> tuple[str | None, int]:
    connection = sqlite3.connect(database)
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        products = connection.execute(
            "SELECT count(*) FROM product WHERE deleted_at IS NULL"
        ).fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"{shown} is not a dashboard database: {exc}") from None
    finally:
        connection.close()
    return (revision[0] if revision else None), int(products[0])


def _check_sqlite(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"the backup's database cannot be read: {exc}") from None
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"the backup's database is damaged: {verdict}")


async def _database_facts(database_url: str) -> tuple[str | None, int]:
    engine = create_engine(database_url)
    try:
        revision = await migrate.current_revision(engine)
        async with engine.connect() as connection:
            products = await connection.scalar(
                text("SELECT count(*) FROM product WHERE deleted_at IS NULL")
            )
        return revision, int(products or 0)
    finally:
        await engine.dispose()


async def _has_tables(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            )
        return bool(count)
    finally:
        await engine.dispose()


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore; the password goes in the environment."""
    arguments = [f"--dbname={url.database or ''}"]
    if url.host:
        arguments.append(f"--host={url.host}")
    if url.port:
        arguments.append(f"--port={url.port}")
    if url.username:
        arguments.append(f"--username={url.username}")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return arguments, environment


def _pg_tool(name: str, url: URL | None, arguments: list[str]) -> None:
    """Run a PostgreSQL program (on the database at `url`, if one is named)."""
    connection, environment = _libpq(url) if url is not None else ([], dict(os.environ))
    program = shutil.which(name) or _debian_pg_tool(name)
    if program is None:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    result = subprocess.run(
        [program, "--no-password", *connection, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip() or f"exit {result.returncode}").splitlines()[-1]
        raise BackupError(f"{name} failed{f' on {safe_url(url)}' if url else ''}: {reason}")


def _debian_pg_tool(name: str) -> str | None:
    """Debian keeps each server version's programs off PATH; the newest dumps any older server."""
    found = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.parts[-3].isdigit()]
    newest = max(found, key=lambda p: int(p.parts[-3]), default=None)
    return str(newest) if newest is not None else None


def _pg_dump(url: URL, target: Path) -> None:
    _pg_tool(
        "pg_dump", url, ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    )


def _pg_restore(url: URL, dump: Path) -> None:
    _pg_tool(
        "pg_restore",
        url,
        ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump)],
    )


# -- the files -------------------------------------------------------------------------------------


def _data_files(data_dir: Path) -> Iterator[tuple[Path, str]]:
    """Each folder and regular file under the backed-up folders, with its name in the archive;
    hidden ones left out (files being written: `.incoming/`, `.tmp-…`)."""
    for folder in FILE_DIRS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        yield root, folder
        for directory, subfolders, names in os.walk(root):
            subfolders[:] = sorted(sub for sub in subfolders if not sub.startswith("."))
            here = Path(directory)
            for sub in subfolders:
                yield here / sub, (here / sub).relative_to(data_dir).as_posix()
            for name in sorted(names):
                path = here / name
                if not name.startswith(".") and path.is_file() and not path.is_symlink():
                    yield path, path.relative_to(data_dir).as_posix()


def _not_empty(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _move_files(staging: Path, data_dir: Path) -> None:
    for folder in FILE_DIRS:
        source = staging / folder
        if source.is_dir():
            target = data_dir / folder
            if target.exists():  # empty (a non-empty one was set aside)
                shutil.rmtree(target)
            shutil.move(source, target)


def _set_aside(paths: list[Path], stamp: str) -> list[Path]:
    moved = []
    for path in paths:
        target = path.with_name(f"{path.name}.before-restore-{stamp}")
        os.replace(path, target)
        moved.append(target)
    return moved


def _occupied(paths: list[Path]) -> str:
    names = ", ".join(str(p) for p in paths)
    return (
        f"{names} hold data already: restore with --force to replace them "
        "(they are kept beside, renamed …before-restore-<time>)"
    )


# -- the archive -----------------------------------------------------------------------------------


def _unpack(archive_path: Path, staging: Path) -> Manifest:
    """Extract only what a backup holds: regular files and folders under known names."""
    allowed_files = {MANIFEST, SQLITE_MEMBER, POSTGRES_MEMBER, SPOOL_MEMBER}
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                name = member.name
                parts = Path(name).parts
                inside = (
                    not Path(name).is_absolute()
                    and ".." not in parts
                    and (name in allowed_files or (parts and parts[0] in FILE_DIRS))
                )
                if not inside or not (member.isfile() or member.isdir()):
                    raise BackupError(f"{archive_path} is not a dashboard backup (holds {name!r})")
            for member in members:
                target = staging / member.name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None  # a regular file
                with source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive_path} cannot be read as a backup: {exc}") from None
    try:
        manifest = Manifest.model_validate_json((staging / MANIFEST).read_bytes())
    except (OSError, ValidationError) as exc:
        raise BackupError(f"{archive_path} has no readable {MANIFEST}: {exc}") from None
    if manifest.format > FORMAT:
        raise BackupError(f"{archive_path} was made by a newer version (format {manifest.format})")
    database = SQLITE_MEMBER if manifest.database == "sqlite" else POSTGRES_MEMBER
    if not (staging / database).is_file():
        raise BackupError(f"{archive_path} lacks its database ({database})")
    return manifest


@contextmanager
def _dashboard_stopped(url: URL) -> Iterator[None]:
    """Hold the spool's lock (a running dashboard on this SQLite database holds it) meanwhile;
    PostgreSQL has no spool (and a restore there goes into a database with no tables)."""
    spool = spool_path(url)
    if spool is None:
        yield
        return
    spool.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = own_spool_lock(spool)
    except SpoolTaken:
        raise BackupError(f"the dashboard is running on {safe_url(url)}: stop it first") from None
    try:
        yield
    finally:
        os.close(lock)


def _app_version() -> str:
    try:
        return version("product-dashboard")
    except PackageNotFoundError:
        return "unknown"
