"""Catalog at scale: a price batch over every product, its undo, and streamed exports' peak memory.

Loads N products x 3 variants (default 100,000) into a fresh SQLite database (and, with
--postgres URL, into that PostgreSQL database too: it is wiped), then prints:
- the wall time of one pricing batch over all products (+5 %, .99 endings, sale compare-at),
  through the same engine as `POST /api/products/batch/update-pricing`, and of its undo, with
  the CPU time this process used meanwhile (the database work runs in it for SQLite; on a busy
  machine wall time exceeds CPU time by the wait for a core), and the 1-minute load average
  just before; --kinds adds the other edit batches (status, category, delete) on the same
  catalog; --profile lists each statement's wall time, rows and, for a PostgreSQL server on
  this machine, the CPU its backend spent; --synced seeds a catalog synced with Shopify: each
  product with its Shopify ids and the base a pull records (`conflict.apply.record_base`:
  `SyncedSnapshot.of(local_product(…))`, ~1.4 KB of JSON), written where the schema keeps it
  (`product.synced_snapshot`, or a `product_base` table where a schema keeps it apart: see
  docs/PERFORMANCE.md), so old and new layouts are measured by the same script; --staged-batches N
  first stages the rows of N earlier price batches over every product, as a catalog that ran
  them keeps (the new batch then writes beside them);
- for each export format, the peak RSS of a fresh process that streams the whole catalog to a
  file (its VmHWM high-water mark, read in that process), its time and the file size.

    .venv/bin/python bench/catalog_bench.py [--products 100000] [--postgres URL]
        [--kinds pricing,status,category,delete] [--profile] [--no-exports] [--synced]
        [--staged-batches N]

Bars: price batch <= 5 s; export peak RSS <= 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from api_bench import cpu_seconds, steal_share
from product_dashboard import migrate
from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine as batch_engine
from product_dashboard.conflict.shapes import local_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.kit.json_column import JsonText
from product_dashboard.models import AuditSource, Model
from product_dashboard.product import search_index
from product_dashboard.product.rows import NewOption, NewProduct, NewTag, NewVariant

FORMATS = ("csv", "shopify_csv", "json", "ndjson", "xlsx")
CHUNK = 5_000
PRICE_BAR_S = 5.0
RSS_BAR_MB = 250.0
PRICING = {
    "operation": "increase",
    "percent": "5",
    "rounding": {"ending": ".99"},
    "compare_at": "from_old_price",
}
VENDORS = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne"]
TYPES = ["Shirts", "Hoodies", "Mugs", "Posters", "Hats", "Socks", "Bags", "Stickers"]
SIZES = ["S", "M", "L"]
DESCRIPTION = "<p>Demo product.</p>"


# Where a synced product's base is kept: its own table where a schema has one, else its row.
BASE_TABLE = "product_base" if "product_base" in Model.metadata.tables else None


@dataclass
class Seeded:
    """What was seeded besides the rows: the bases' count and total size (--synced)."""

    bases: int = 0
    base_bytes: int = 0

    @property
    def average(self) -> float:
        return self.base_bytes / self.bases if self.bases else 0.0


def _synced(
    pid: int,
    title: str,
    vendor: str,
    kind: str,
    prices: list[int],
    skus: list[str],
    now: Any,
) -> tuple[tuple[Any, ...], str]:
    """The product's sync columns (Shopify ids, hash, version, time) and its base's JSON text,
    as a pull that created it records them (`conflict.apply.record_base`, in sync)."""
    variants = [
        NewVariant(
            position=index + 1,
            title=size,
            sku=sku,
            barcode=None,
            price_cents=price,
            compare_at_price_cents=None,
            inventory_quantity=10,
            option1=size,
            option2=None,
            option3=None,
            weight_value=Decimal(200),
            weight_unit="GRAMS",
            shopify_variant_id=f"gid://shopify/ProductVariant/{pid * 3 + index}",
        )
        for index, (size, price, sku) in enumerate(zip(SIZES, prices, skus, strict=True))
    ]
    product = NewProduct(
        title=title,
        handle=f"p-{pid}",
        status="active",
        description_html=DESCRIPTION,
        vendor=vendor,
        product_type=kind,
        shopify_product_id=f"gid://shopify/Product/{pid}",
        variants=variants,
        options=[NewOption(1, "Size", list(SIZES), None, None, None)],
        tags=[NewTag(0, "demo", "demo")],
    )
    written, digest = SyncedSnapshot.of(local_product(product)).written_and_hash()
    text = written.text if isinstance(written, JsonText) else json.dumps(written)
    return (1, digest, now, product.shopify_product_id), text


def _rows(
    start: int, count: int, now: Any, synced: bool, seeded: Seeded
) -> dict[str, list[tuple[Any, ...]]]:
    products, options, variants, tags = [], [], [], []
    bases: list[tuple[Any, ...]] = []
    for pid in range(start, start + count):
        vendor, kind = VENDORS[pid % len(VENDORS)], TYPES[pid % len(TYPES)]
        title = f"{kind[:-1]} {pid}"
        base = 500 + (pid * 37) % 9_500
        prices = [base, base + 100, base + 250]
        skus = [f"SKU-{pid}-{size}" for size in SIZES]
        search = search_index.build_search_text(title, vendor, kind, ["demo"], list(skus))
        sync: tuple[Any, ...] = ()
        if synced:
            sync, base = _synced(pid, title, vendor, kind, prices, skus, now)
            seeded.bases += 1
            seeded.base_bytes += len(base.encode())
            if BASE_TABLE is None:
                sync = (*sync, base)
            else:
                bases.append((pid, base))
        products.append(
            (
                pid,
                title,
                f"p-{pid}",
                DESCRIPTION,
                vendor,
                kind,
                "active",
                min(prices),
                max(prices),
                30,
                search,
                1,
                0,
                now,
                now,
                *sync,
            )
        )
        options.append((pid, pid, 1, "Size", json.dumps(SIZES), now, now))
        for index, (size, price, sku) in enumerate(zip(SIZES, prices, skus, strict=True)):
            variants.append(
                (
                    pid * 3 + index,
                    pid,
                    index + 1,
                    size,
                    sku,
                    price,
                    None,
                    10,
                    200,
                    "GRAMS",
                    size,
                    now,
                    now,
                    *((f"gid://shopify/ProductVariant/{pid * 3 + index}",) if synced else ()),
                )
            )
        tags.append((pid, pid, 0, "demo", "demo", now, now))
    rows = {
        "product": products,
        "product_option": options,
        "product_variant": variants,
        "product_tag": tags,
    }
    if bases:
        rows[BASE_TABLE or ""] = bases
    return rows


COLUMNS = {
    "product": (
        "id",
        "title",
        "handle",
        "description_html",
        "vendor",
        "product_type",
        "status",
        "price_min_cents",
        "price_max_cents",
        "total_inventory",
        "search_text",
        "version",
        "open_conflicts",
        "created_at",
        "updated_at",
    ),
    "product_option": (
        "id",
        "product_id",
        "position",
        "name",
        "values",
        "created_at",
        "updated_at",
    ),
    "product_variant": (
        "id",
        "product_id",
        "position",
        "title",
        "sku",
        "price_cents",
        "compare_at_price_cents",
        "inventory_quantity",
        "weight_value",
        "weight_unit",
        "option1",
        "created_at",
        "updated_at",
    ),
    "product_tag": ("id", "product_id", "position", "name", "tag_key", "created_at", "updated_at"),
}
SYNCED_COLUMNS = {
    "product": (
        "synced_version",
        "synced_hash",
        "synced_at",
        "shopify_product_id",
        *(("synced_snapshot",) if BASE_TABLE is None else ()),
    ),
    "product_variant": ("shopify_variant_id",),
    **({BASE_TABLE: ("product_id", "snapshot")} if BASE_TABLE else {}),
}


def _load(connection: Connection, count: int, synced: bool) -> Seeded:
    """Raw executemany in chunks (the ORM would take minutes for 400k rows)."""
    seeded = Seeded()
    sqlite = connection.dialect.name == "sqlite"
    now_dt = datetime.now(UTC)
    now: Any = now_dt.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now_dt
    quote = connection.dialect.identifier_preparer.quote
    if sqlite:  # index FTS once at the end instead of per row
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS product_fts_ai")
    for start in range(1, count + 1, CHUNK):
        chunk = _rows(start, min(CHUNK, count - start + 1), now, synced, seeded)
        for table, rows in chunk.items():
            columns = (*COLUMNS.get(table, ()), *(SYNCED_COLUMNS.get(table, ()) if synced else ()))
            marks = (
                ", ".join(f"${i}" for i in range(1, len(columns) + 1))
                if connection.dialect.paramstyle == "numeric_dollar"
                else ", ".join("?" for _ in columns)
            )
            sql = (
                f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES ({marks})"
            )
            connection.exec_driver_sql(sql, rows)
    if sqlite:
        connection.exec_driver_sql(
            "INSERT INTO product_fts(rowid, search_text) SELECT id, search_text FROM product"
        )
        search_index.install(connection)
    else:
        for table in COLUMNS:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {quote(table)}))"
            )
        connection.exec_driver_sql("ANALYZE")
    return seeded


def _stage_earlier(connection: Connection, batches: int) -> None:
    """Staged rows of `batches` earlier price batches over every product, as a catalog that ran
    them holds (nothing deletes a batch's staged rows: its undo reads them): a new batch's rows
    then go into tables, and indexes, that hold others."""
    for _ in range(batches):
        batch_id = uuid.uuid4().hex
        connection.execute(
            text(
                "INSERT INTO product_batch_variant (batch_id, variant_id, product_id, "
                "old_price_cents, old_compare_at_price_cents, new_price_cents, "
                "new_compare_at_price_cents) SELECT :batch, id, product_id, price_cents, "
                "compare_at_price_cents, price_cents, compare_at_price_cents FROM product_variant"
            ),
            {"batch": batch_id},
        )
        connection.execute(
            text(
                "INSERT INTO product_batch_item (batch_id, product_id, version_after, "
                "old_price_min_cents, old_price_max_cents, new_price_min_cents, "
                "new_price_max_cents) SELECT :batch, id, version, price_min_cents, "
                "price_max_cents, price_min_cents, price_max_cents FROM product"
            ),
            {"batch": batch_id},
        )
    if batches:
        connection.exec_driver_sql("ANALYZE")


async def prepare(url: str, count: int, synced: bool = False, staged: int = 0) -> Seeded:
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        seeded = await conn.run_sync(_load, count, synced)
        await conn.run_sync(_stage_earlier, staged)
    await engine.dispose()
    return seeded


KINDS: dict[str, dict[str, Any]] = {
    "pricing": {"pricing": PRICING},
    "status": {"status": "draft"},
    "category": {"category": {"id": None, "name": "Bench category"}},
    "delete": {},
}


class StatementLog:
    """Wall time, rows and (PostgreSQL on this machine) server CPU of each SQL statement."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.rows: list[tuple[float, float | None, int, str]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Connection, *_: Any) -> None:
        conn.info["bench_started"] = (time.perf_counter(), _server_cpu(conn))

    def _after(self, conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        started, cpu = conn.info.pop("bench_started")
        after = _server_cpu(conn)
        server = None if cpu is None or after is None else after - cpu
        head = " ".join(statement.split())[:90]
        self.rows.append((time.perf_counter() - started, server, cursor.rowcount, head))

    def take(self) -> list[tuple[float, float | None, int, str]]:
        rows, self.rows = self.rows, []
        return rows


def _server_cpu(conn: Connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, read from /proc (same machine)."""
    driver: Any = getattr(conn.connection.dbapi_connection, "_connection", None)
    if conn.dialect.name != "postgresql" or not hasattr(driver, "get_server_pid"):
        return None
    pid = driver.get_server_pid()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_seconds(rows: list[tuple[float, float | None, int, str]]) -> float | None:
    """CPU the PostgreSQL backend spent on these statements (None: not measurable here)."""
    spent = [server for _, server, _, _ in rows if server is not None]
    return sum(spent) if spent else None


async def run_batch(url: str, kind: str) -> dict[str, Any]:
    """Dry run, apply (committed) and undo (committed) of one batch over every product."""
    engine = create_engine(url)
    log = StatementLog(engine)
    sessions = create_sessionmaker(engine)
    actor = Actor(source=AuditSource.batch, email="bench@example.com")
    params = KINDS[kind]
    selection: dict[str, Any] = {"filter": {}}  # every product
    async with sessions() as session:
        started = time.perf_counter()
        await batch_engine.preview(session, kind, params, selection)
        dry_run = time.perf_counter() - started
    async with sessions() as session:
        batch = batch_engine.new_batch(kind, params, selection, actor)
        session.add(batch)
        await session.flush()
        log.take()
        ticks = cpu_seconds()
        started, cpu = time.perf_counter(), time.process_time()
        await batch_engine.execute(session, batch)
        await session.commit()
        apply, apply_cpu = time.perf_counter() - started, time.process_time() - cpu
        apply_steal = steal_share(ticks, cpu_seconds())
        apply_log = log.take()
    async with sessions() as session:
        batch = await batch_engine.get_batch(session, batch.id)
        started, cpu = time.perf_counter(), time.process_time()
        reverted = await batch_engine.undo(session, batch, actor)
        await session.commit()
        undo, undo_cpu = time.perf_counter() - started, time.process_time() - cpu
        undo_log = log.take()
    await engine.dispose()
    return {
        "kind": kind,
        "matched": batch.matched,
        "changed": batch.changed,
        "dry_run_s": dry_run,
        "apply_s": apply,
        "apply_cpu_s": apply_cpu,
        "apply_server_cpu_s": _server_seconds(apply_log),
        "apply_steal": apply_steal,
        "undo_s": undo,
        "undo_cpu_s": undo_cpu,
        "undo_server_cpu_s": _server_seconds(undo_log),
        "reverted": reverted,
        "apply_log": apply_log,
        "undo_log": undo_log,
    }


def print_profile(title: str, rows: list[tuple[float, float | None, int, str]]) -> None:
    total = sum(r[0] for r in rows) or 1.0
    print(f"  {title}: statements over 1% of the time (wall s, server CPU s, rows)")
    for wall, server, count, head in rows:
        if wall >= total / 100:
            cpu = "" if server is None else f"{server:6.2f}"
            print(f"    {wall:6.2f} {cpu:>6} {count:>8} {head}")


def _rss_mb() -> float:
    """Peak resident memory of this process. VmHWM, not getrusage's ru_maxrss: on Linux the
    latter carries the parent's peak over fork + exec, so a fresh child would look as big as us."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _export_child(url: str, format: str, out: Path) -> dict[str, Any]:
    from product_dashboard.export import source
    from product_dashboard.export.writers import write_file
    from product_dashboard.models import Product

    baseline = _rss_mb()
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    started = time.perf_counter()
    await write_file(format, out, source.products(sessions, Product.deleted_at.is_(None)))
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {
        "format": format,
        "baseline_mb": baseline,
        "peak_mb": _rss_mb(),
        "seconds": seconds,
        "bytes": await asyncio.to_thread(lambda: out.stat().st_size),
    }


def export_in_subprocess(url: str, format: str, folder: Path) -> dict[str, Any]:
    out = folder / f"export.{format}"
    result = subprocess.run(
        [sys.executable, __file__, "--export-child", url, format, str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    out.unlink(missing_ok=True)
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ratio(kind: str, sqlite: dict[str, Any], postgres: dict[str, Any]) -> str:
    """PostgreSQL against SQLite for one batch's apply: wall time, and CPU (both processes)."""
    cpu = postgres["apply_cpu_s"] + (postgres["apply_server_cpu_s"] or 0.0)
    return (
        f"{kind} apply, PostgreSQL / SQLite: wall {postgres['apply_s'] / sqlite['apply_s']:.1f}x, "
        f"CPU {cpu / sqlite['apply_cpu_s']:.1f}x (bar 1.5x)"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER BAR"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--postgres", help="also run the price batch on this (wiped) database")
    parser.add_argument("--no-exports", action="store_true", help="only the batches")
    parser.add_argument(
        "--kinds", default="pricing", help=f"batches to time, comma-separated: {','.join(KINDS)}"
    )
    parser.add_argument("--profile", action="store_true", help="per-statement times")
    parser.add_argument(
        "--synced", action="store_true", help="every product synced, with its base (see above)"
    )
    parser.add_argument(
        "--staged-batches",
        type=int,
        default=0,
        help="staged rows of this many earlier price batches over every product, seeded first",
    )
    parser.add_argument("--export-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        url, format, out = args.export_child
        print(json.dumps(asyncio.run(_export_child(url, format, Path(out)))))
        return
    Model.metadata  # noqa: B018 - models imported: the migration sees every table
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        targets = [("SQLite", f"sqlite+aiosqlite:///{folder / 'bench.db'}")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        seeded = {
            name: asyncio.run(prepare(url, args.products, args.synced, args.staged_batches))
            for name, url in targets
        }
        load_avg = os.getloadavg()[0]
        bases = seeded[targets[0][0]]
        synced = (
            f", synced: a base each, {bases.average:,.0f} bytes on average "
            f"({'product_base' if BASE_TABLE else 'product.synced_snapshot'})"
            if args.synced
            else ", never synced (no base)"
        )
        print(
            f"Catalog: {args.products:,} products x 3 variants{synced} "
            f"(load average {load_avg:.1f} on {os.cpu_count()} CPUs)\n"
        )
        print(
            f"{'database':<11} {'kind':<9} {'load avg':>8} {'dry run s':>9} {'batch s':>8} "
            f"{'cpu s':>6} {'db cpu s':>8} {'steal':>5} {'undo s':>7} {'cpu s':>6} "
            f"{'db cpu s':>8} {'changed':>9} {'bar 5 s':>8}"
        )
        applied: dict[tuple[str, str], dict[str, Any]] = {}
        for name, url in targets:
            for kind in args.kinds.split(","):
                load_avg = os.getloadavg()[0]
                r = applied[name, kind] = asyncio.run(run_batch(url, kind))
                bar = _verdict(r["apply_s"] <= PRICE_BAR_S) if kind == "pricing" else ""
                print(
                    f"{name:<11} {kind:<9} {load_avg:8.1f} {r['dry_run_s']:9.2f} "
                    f"{r['apply_s']:8.2f} {r['apply_cpu_s']:6.2f} "
                    f"{_seconds(r['apply_server_cpu_s']):>8} {_share(r['apply_steal']):>5} "
                    f"{r['undo_s']:7.2f} {r['undo_cpu_s']:6.2f} "
                    f"{_seconds(r['undo_server_cpu_s']):>8} {r['changed']:9,} {bar:>8}"
                )
                if args.profile:
                    print_profile("apply", r["apply_log"])
                    print_profile("undo", r["undo_log"])
        print(
            "\ncpu s: this process (where SQLite does its work); db cpu s: the PostgreSQL "
            "backend's, read from /proc; steal: the share of the machine's CPU time its "
            "hypervisor gave to other guests during the apply"
        )
        for kind in args.kinds.split(","):
            if ("PostgreSQL", kind) in applied:
                print(_ratio(kind, applied["SQLite", kind], applied["PostgreSQL", kind]))
        if args.no_exports:
            return
        sqlite_url = targets[0][1]
        print(f"\nStreamed export of all {args.products:,} products (fresh process each, SQLite)\n")
        print(
            f"{'format':<12} {'peak RSS MB':>11} {'at start MB':>11} {'seconds':>8} "
            f"{'file MB':>8} {'bar 250 MB':>10}"
        )
        for format in FORMATS:
            e = export_in_subprocess(sqlite_url, format, folder)
            print(
                f"{format:<12} {e['peak_mb']:11.1f} {e['baseline_mb']:11.1f} "
                f"{e['seconds']:8.1f} {e['bytes'] / 2**20:8.1f} "
                f"{_verdict(e['peak_mb'] <= RSS_BAR_MB):>10}"
            )


if __name__ == "__main__":
    main()
