"""A job's results as files: CSV (one row per product, changes as `path: old → new` lines) and
JSONL (one JSON object per product)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.formulas import neutralise
from product_dashboard.models import JobResult, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.diff import ChangeKind, FieldChange

CSV_COLUMNS = (
    "action",
    "product_id",
    "handle",
    "row",
    "shopify_product_id",
    "shopify_variant_ids",
    "fields_changed",
    "changes",
    "error",
)


class ResultsFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


CONTENT_TYPES = {ResultsFormat.csv: "text/csv", ResultsFormat.jsonl: "application/x-ndjson"}


def describe(change: FieldChange) -> str:
    """`variants[M].price: 10.00 → 12.00`; an element added or removed shows as such."""
    if change.kind == ChangeKind.added:
        return f"{change.path}: added"
    if change.kind == ChangeKind.removed:
        return f"{change.path}: removed"
    return f"{change.path}: {_text(change.old)} → {_text(change.new)}"


def _text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _csv_row(row: JobResult) -> list[str]:
    changes = [FieldChange.of(c) for c in row.changes]
    return [
        row.action,
        "" if row.product_id is None else str(row.product_id),
        row.handle or "",
        "" if row.row is None else str(row.row),
        row.shopify_product_id or "",
        " ".join(v for v in row.shopify_variant_ids or [] if v),
        " ".join(sorted({c.field for c in changes})),
        "\n".join(describe(c) for c in changes),
        row.error or "",
    ]


def _json_row(row: JobResult) -> dict[str, Any]:
    return results.ResultRead.model_validate(row).model_dump(mode="json")


async def lines(
    session: AsyncSession, job_id: str, stage: ResultStage, format: ResultsFormat
) -> AsyncIterator[str]:
    """The file, a chunk at a time."""
    if format == ResultsFormat.jsonl:
        async for row in results.stream(session, job_id, stage):
            yield json.dumps(_json_row(row), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for row in results.stream(session, job_id, stage):
        # A spreadsheet must not run a merchant's "=…" title as a formula.
        writer.writerow([neutralise(cell) for cell in _csv_row(row)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
