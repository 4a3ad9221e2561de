"""CSV imports as the import job runs them: rows/s and CPU per row, as a table.

Per size N, into a fresh, migrated database (a temporary SQLite file, or the given URL's database
emptied first), four runs of `importer.service.run_import` with the job's recorder, each reading
a file of N products (`Handle,Title,Variant Price`, one variant each), with `--on-error` (abort,
the default: a file of more than one chunk is checked, then committed; skip: committed at once).
It also runs the code before chunked commits (one transaction: the caller's session), found by
`run_import`'s signature, so old and new can be compared from one bench file:

- new, dry run: N products not in the catalog; rolled back, then the preview rows written;
- new, import: the same file, committed with its results rows;
- reprice, dry run / reprice, import: the N products again, each with another price;
- restock, dry run / restock, import: the N products again at the new price, each with another
  quantity (`Variant Inventory Qty`: its primary location's level moved, `set_intents`).

    .venv/bin/python bench/import_bench.py [--products 1000 10000] [--only new,reprice,restock]
        [--on-error abort|skip] [--inline] [--database-url postgresql+asyncpg://…]

Per run: products, products (rows) per second, CPU ms per row of this process (our code and, on
SQLite, the database), wall seconds, the machine's steal and load average.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_bench import cpu_seconds, steal_share
from product_dashboard.audit.service import Actor
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.importer import parse
from product_dashboard.importer.parse import open_rows, read_rows
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.service import run_import
from product_dashboard.models import AuditSource, Job
from pull_bench import fresh_database

KINDS = ("new", "reprice", "restock")
ON_ERROR: Any = "abort"
INLINE = False
"""--inline: as the request runs a file of at most SYNC_LIMIT rows (one chunk where `run_import`
takes `chunked`; a real import's results rows under a job of its own where `ImportResults` has
`in_request`, none before)."""


def write_file(path: Path, products: int, price_step: int, *, stock: bool = False) -> Path:
    lines = ["Handle,Title,Variant Price" + (",Variant Inventory Qty" if stock else "")]
    lines += [
        f"bench-{n},Bench Product {n},{10 + (n + price_step) % 7}.{price_step:02d}"
        + (f",{n % 50 + 1}" if stock else "")
        for n in range(products)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def _import(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    dry_run: bool,
    kept: ImportResults | None,
) -> Any:
    actor = Actor(source=AuditSource.import_, user_id=None, email=None)
    if "sessions" not in inspect.signature(run_import).parameters:
        # The import before chunked commits: the caller's one transaction.
        with open_rows(path) as rows:
            async with sessions() as session:
                report = await run_import(
                    session,  # type: ignore[arg-type]
                    read_rows(rows),
                    actor,
                    dry_run=dry_run,
                    on_error=ON_ERROR,
                    recorder=kept,
                )
                if report.committed:
                    await session.commit()
                return report
    extra: dict[str, Any] = {}
    if INLINE and "chunked" in inspect.signature(run_import).parameters:
        extra["chunked"] = False
    return await run_import(
        sessions,
        parse.ImportFile(path),  # type: ignore[attr-defined, unused-ignore]
        actor,
        dry_run=dry_run,
        on_error=ON_ERROR,
        recorder=kept,
        **extra,
    )


def _recorder(job_id: str, dry_run: bool) -> ImportResults | None:
    if not INLINE:
        return ImportResults(job_id, dry_run=dry_run)
    if dry_run:
        return ImportResults(None, dry_run=True)
    in_request = getattr(ImportResults, "in_request", None)
    if in_request is None:
        return None  # before an import in the request was a job: no results rows
    from product_dashboard.importer.results import RequestJob

    made: ImportResults = in_request(RequestJob("product.import", {}, None))
    return made


async def run(url: str, size: int, kinds: list[str], scratch: Path) -> None:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    files = {
        "new": write_file(scratch / f"new-{size}.csv", size, 0),
        "reprice": write_file(scratch / f"reprice-{size}.csv", size, 1),
        "restock": write_file(scratch / f"restock-{size}.csv", size, 1, stock=True),
    }
    for kind in KINDS:
        for dry_run in (True, False):
            if kind not in kinds and not (kind == "new" and not dry_run):
                continue  # a reprice or restock needs the products: the new import still runs
            job_id = f"{kind}-{'dry' if dry_run else 'import'}"
            async with sessions() as session, session.begin():
                session.add(Job(id=job_id, type="product.import", params={}))
            machine, cpu, wall = cpu_seconds(), time.process_time(), time.perf_counter()
            recorder = _recorder(job_id, dry_run)
            report = await _import(sessions, files[kind], dry_run, recorder)
            if recorder is not None and dry_run:
                async with sessions() as session, session.begin():
                    await recorder.write_preview(session)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            steal = steal_share(machine, cpu_seconds())
            assert report.failed == 0 and report.products == size, report
            assert recorder is None or recorder.counts.products == size, recorder
            if kind not in kinds:
                continue
            name = f"{kind}, {'dry run' if dry_run else 'import'}"
            print(
                f"{name:<20} {size:>9} {size / wall:>8.1f} {cpu / size * 1000:>11.2f}"
                f" {wall:>8.1f} {'' if steal is None else f'{steal:.1%}':>6}"
                f"  {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--only", default=",".join(KINDS), help="new,reprice,restock")
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use")
    parser.add_argument("--on-error", choices=["abort", "skip"], default="abort")
    parser.add_argument("--inline", action="store_true", help="as an import in the request")
    args = parser.parse_args()
    global ON_ERROR, INLINE
    ON_ERROR, INLINE = args.on_error, args.inline
    kinds = args.only.split(",")
    print(
        f"{'run':<20} {'products':>9} {'rows/s':>8} {'cpu ms/row':>11} {'wall s':>8}"
        f" {'steal':>6}  load"
    )
    with tempfile.TemporaryDirectory(prefix="import-bench-") as scratch:
        for size in args.products:
            url = fresh_database(args, Path(scratch))
            asyncio.run(run(url, size, kinds, Path(scratch)))


if __name__ == "__main__":
    main()
