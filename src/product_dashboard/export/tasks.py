"""The export job: write the selection to a file under `data_dir/exports/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from product_dashboard.batch.engine import where_for
from product_dashboard.export import source
from product_dashboard.export.formats import CONTENT_TYPES, EXTENSIONS
from product_dashboard.export.writers import write_file
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.kit.files import make_private_dir
from product_dashboard.kit.time import utcnow

EXPORT_JOB = "product.export"


def export_dir(data_dir: Path) -> Path:
    return make_private_dir(data_dir / "exports")


def filename(format: str, stamp: str) -> str:
    suffix = "-shopify" if format == "shopify_csv" else ""
    return f"products-{stamp}{suffix}.{EXTENSIONS[format]}"


def make_handler(data_dir: Path) -> Any:
    async def run_export(ctx: JobContext) -> dict[str, Any]:
        format = str(ctx.params["format"])
        path = export_dir(data_dir) / f"{ctx.job_id}.{EXTENSIONS[format]}"
        async with ctx.session() as session:
            where = await where_for(session, ctx.params["selection"])
            total = await source.count(session, where)
        await ctx.progress(total=total, done=0)

        async def progress(products: int, rows: int) -> None:
            ctx.report["rows"] = rows
            await ctx.progress(done=products)
            await ctx.check_stop()

        partial = path.with_suffix(path.suffix + ".part")
        try:
            await write_file(
                format,
                partial,
                source.products(ctx.session, where),
                progress,
                # Jobs stored before the option existed protect, as the default does.
                protect_formulas=bool(ctx.params.get("protect_formulas", True)),
            )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        return {
            "format": format,
            "path": str(path),
            "filename": filename(format, utcnow().strftime("%Y%m%d-%H%M%S")),
            "content_type": CONTENT_TYPES[format],
            "products": ctx.counters.done,
            "rows": ctx.report.get("rows", 0),
            "bytes": path.stat().st_size,
            "download_url": f"/api/exports/{ctx.job_id}/download",
        }

    return run_export


def register(runner: JobRunner, data_dir: Path) -> None:
    runner.register(EXPORT_JOB, make_handler(data_dir), concurrency=2)
