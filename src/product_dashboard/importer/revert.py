"""Taking back the chunks an `on_error=abort` import committed before a product failed.

The abort mode checks the whole file first (every chunk rolled back), then commits it chunk by
chunk. A product can still fail in that second pass only when the catalog changed between the
two (an edit, a deletion, a handle taken meanwhile). The chunk it is in is rolled back; what the
chunks before it committed is taken back here, newest first, from what the import noted as it
wrote each product (`UndoLog`, kept in a temporary file, not in memory):

- a product it created (new, never synced) is deleted;
- a product it updated gets back the fields the file named, as they were before, through the
  same product update an edit makes (versioned and audited).

Only a product still at the version the import left is taken back: one changed since (an edit
made after the import wrote it) keeps that change and is reported, as is one whose fields cannot
be put back exactly (its shape afterwards is compared with the shape before the import: a
variant the import removed, with its ids, cannot come back).
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

import orjson
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import AppError
from product_dashboard.models import JobResult, Product, ResultStage
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductUpdate
from product_dashboard.product.serialize import audit_snapshot

MAX_NOT_REVERTED = 1_000

_PLAIN = ("title", "description_html", "vendor", "product_type", "status")
"""Fields an update leaves alone when given None: a None before cannot be written back (the
shape check afterwards reports the product)."""
_NULLABLE = (
    "seo_title",
    "seo_description",
    "template_suffix",
    "gift_card",
    "published_online_store",
    "handle",
)


@dataclass
class Written:
    """A product the import wrote: its version afterwards and, when it updated one, its shape
    before (`audit_snapshot`) and the update input that writes the file's fields back."""

    product_id: int
    handle: str
    row: int
    version: int
    created: bool
    before: dict[str, Any] | None = None
    restore: dict[str, Any] | None = None


def restoring_input(product: Product, keys: Collection[str]) -> dict[str, Any]:
    """The update input that writes the fields `keys` back as `product` holds them now (before
    the import's update changes it)."""
    data: dict[str, Any] = {}
    for key in keys:
        if key in _PLAIN:
            if getattr(product, key) is not None:
                data[key] = getattr(product, key)
        elif key in _NULLABLE:
            data[key] = getattr(product, key)
        elif key == "category":
            data[key] = (
                {"id": product.category_id, "name": product.category_name}
                if product.category_name
                else None
            )
        elif key == "tags":
            data[key] = [tag.name for tag in product.tags]
        elif key in ("options", "variants"):
            data["options"] = [
                o.model_dump(mode="json") for o in product_service.options_as_input(product)
            ]
            data["variants"] = [
                v.model_dump(mode="json") for v in product_service.variants_as_input(product)
            ]
        elif key == "images":
            data[key] = [{"src": image.src, "alt": image.alt} for image in product.images]
        elif key == "extra_columns":
            data[key] = dict(product.extra_columns or {})
        # metafields and anything else: left as they are; the shape check says if that differs
    return data


class UndoLog:
    """What the commit pass wrote, chunk by chunk: `note` while a chunk is written, `keep` once
    it is committed, `drop` when it is rolled back."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="import-undo-")  # noqa: SIM115
        self._pending: list[Written] = []
        self.kept = 0

    def note(self, written: Written) -> None:
        self._pending.append(written)

    def keep(self) -> None:
        for written in self._pending:
            self._file.write(orjson.dumps(asdict(written)) + b"\n")
        self.kept += len(self._pending)
        self._pending = []

    def drop(self) -> None:
        self._pending = []

    def newest_first(self) -> Iterator[Written]:
        self._file.seek(0)
        lines = self._file.read().splitlines()
        for line in reversed(lines):
            yield Written(**orjson.loads(line))

    def close(self) -> None:
        self._file.close()


class NotReverted(Exception):
    pass


def _plain(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, default=str))


async def revert_one(session: AsyncSession, written: Written, actor: Actor) -> None:
    """Take back one product the import wrote; NotReverted (or the update's AppError) when it
    cannot be, with nothing written."""
    product = await product_service.get(session, written.product_id)
    if product.version != written.version:
        raise NotReverted(
            f"changed since the import wrote it (version {written.version}, now "
            f"{product.version}): left as it is"
        )
    if written.created:
        await product_service.delete(
            session, written.product_id, actor, expected_version=written.version
        )
        return
    data = dict(written.restore or {})
    # Kept columns merge (an empty value removes one): those the import added go again.
    if "extra_columns" in data:
        added = {key: "" for key in product.extra_columns or {}}
        data["extra_columns"] = {**added, **data["extra_columns"]}
    if "variants" in data:
        current = {variant.id: variant.extra_columns or {} for variant in product.variants}
        data["variants"] = [
            {
                **variant,
                "extra_columns": {
                    **{key: "" for key in current.get(variant.get("id"), {})},
                    **(variant.get("extra_columns") or {}),
                },
            }
            for variant in data["variants"]
        ]
    after = await product_service.update(
        session,
        written.product_id,
        ProductUpdate.model_validate(data),
        actor,
        expected_version=written.version,
        loaded=product,
    )
    now, before = _plain(audit_snapshot(after)), _plain(written.before)
    if now != before:
        differ = sorted(k for k in {**now, **before} if now.get(k) != before.get(k))
        raise NotReverted("cannot be put back exactly (" + ", ".join(differ) + "): left as it is")


async def revert_chunk(
    session: AsyncSession,
    chunk: list[Written],
    actor: Actor,
    not_reverted: list[dict[str, Any]],
    job_id: str | None,
) -> int:
    """Take back these products, each in a savepoint; the job's results rows of those taken
    back go with them. How many were taken back; the others are added to `not_reverted`."""
    reverted: list[int] = []
    for written in chunk:
        try:
            async with session.begin_nested():
                await revert_one(session, written, actor)
        except (NotReverted, AppError, ValidationError, SQLAlchemyError) as exc:
            reason = exc.detail if isinstance(exc, AppError) else str(exc)
            if isinstance(exc, ValidationError):
                reason = f"cannot be put back: {exc.errors()[0]['msg']}"
            elif isinstance(exc, SQLAlchemyError):
                reason = f"cannot be put back: {type(exc).__name__}: {exc}"[:500]
            not_reverted.append(
                {
                    "row": written.row,
                    "handle": written.handle,
                    "product_id": written.product_id,
                    "outcome": "created" if written.created else "updated",
                    "reason": reason,
                }
            )
        else:
            reverted.append(written.product_id)
    if job_id is not None and reverted:
        await session.execute(
            delete(JobResult).where(
                JobResult.job_id == job_id,
                JobResult.stage == ResultStage.done.value,
                JobResult.product_id.in_(reverted),
            )
        )
    return len(reverted)
