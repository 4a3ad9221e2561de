"""One product of Shopify's through the three-way decision, every failure kept with its reason.

Detection and reconciliation both read Shopify in bulk (`bulk_read`) and decide product by
product (each in a transaction of its own, so one failure costs only that product); detection
first tries a chunk of linked products in one transaction, loaded at once (`decide_together`),
and only when that fails goes one by one. `Tally` is what their job reports and checkpoints
carry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import (
    InboundResult,
    apply_remote,
    apply_remote_delete,
    apply_remotes,
)
from product_dashboard.db import SessionFactory
from product_dashboard.exceptions import AppError
from product_dashboard.job.typed import JobModel
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.kit.time import earliest
from product_dashboard.shopify.bulk_read import Remote

logger = logging.getLogger(__name__)

Payload = dict[str, Any]
KEPT = 1000  # failures and conflicts listed in a report (all are counted)
MAX_REASON = 500


class Tally(JobModel):
    """What a check found so far: outcomes counted, conflicts and failures listed."""

    outcomes: dict[str, int] = Field(default_factory=dict)
    conflicts: list[Payload] = Field(default_factory=list)
    errors: list[Payload] = Field(default_factory=list)

    @property
    def checked(self) -> int:
        return sum(self.outcomes.values())

    @property
    def failed(self) -> int:
        return self.outcomes.get("error", 0)

    def count(self, product_id: int | None, result: InboundResult) -> None:
        outcome = result.outcome.value
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if result.conflict_id is not None and len(self.conflicts) < KEPT:
            self.conflicts.append(
                {
                    "product_id": product_id,
                    "conflict_id": result.conflict_id,
                    "fields": result.fields,
                }
            )

    def fail(self, product_id: int | None, shopify_id: str, reason: str) -> None:
        self.outcomes["error"] = self.outcomes.get("error", 0) + 1
        if len(self.errors) < KEPT:
            self.errors.append(
                {"product_id": product_id, "shopify_id": shopify_id, "error": reason[:MAX_REASON]}
            )


class CheckRecorder(Protocol):
    """Writes a detection's results rows (sync's `CheckResults`: the shapes are sync's)."""

    async def read_before(self, sessions: SessionFactory, product_ids: Sequence[int]) -> None:
        """Before a page or chunk is checked: its products' local shapes."""

    async def record(
        self, session: AsyncSession, product_id: int, shopify_id: str, result: InboundResult
    ) -> None:
        """In the transaction that applied `result`."""

    async def failed(
        self, sessions: SessionFactory, product_id: int | None, shopify_id: str, reason: str
    ) -> None:
        """A product that could not be checked."""


class _NoRecorder:
    async def read_before(self, sessions: SessionFactory, product_ids: Sequence[int]) -> None:
        return None

    async def record(
        self, session: AsyncSession, product_id: int, shopify_id: str, result: InboundResult
    ) -> None:
        return None

    async def failed(
        self, sessions: SessionFactory, product_id: int | None, shopify_id: str, reason: str
    ) -> None:
        return None


NO_RECORDER: CheckRecorder = _NoRecorder()


def _reason(exc: Exception) -> str:
    if isinstance(exc, AppError):
        fields = "; ".join(f"{f.get('field')}: {f.get('message')}" for f in exc.fields)
        return f"{exc.detail} ({fields})" if fields else exc.detail
    return f"{type(exc).__name__}: {exc}"


async def decide(
    sessions: SessionFactory,
    remote: Remote,
    *,
    product_id: int | None,
    source: str,
    events: ConflictEvents,
    create_missing: bool,
    tally: Tally,
    job_id: str,
    recorder: CheckRecorder = NO_RECORDER,
) -> None:
    """Apply Shopify's `remote` here (merge, conflict, echo, …), or note why it could not be."""
    if remote.product is None:
        reason = remote.error or "unreadable"
        tally.fail(product_id, remote.shopify_id, reason)
        await recorder.failed(sessions, product_id, remote.shopify_id, reason)
        return
    try:
        async with sessions() as session:
            result = await apply_remote(
                session,
                remote.product,
                remote_updated_at=remote.updated_at,
                source=source,
                events=events,
                create_missing=create_missing,
                read_at=remote.read_at,
            )
            if product_id is not None:
                await recorder.record(session, product_id, remote.shopify_id, result)
    except (AppError, SQLAlchemyError, ValueError, KeyError) as exc:
        reason = _reason(exc)
        logger.warning(
            "%s could not apply a product: %s",
            source,
            reason,
            extra=log_fields(job=job_id, product=product_id or remote.shopify_id, reason=reason),
        )
        tally.fail(product_id, remote.shopify_id, reason)
        await recorder.failed(sessions, product_id, remote.shopify_id, reason)
        return
    tally.count(product_id, result)


async def decide_together(
    sessions: SessionFactory,
    targets: Sequence[tuple[Remote, int]],
    *,
    source: str,
    events: ConflictEvents,
    tally: Tally,
    job_id: str,
    recorder: CheckRecorder = NO_RECORDER,
) -> None:
    """`decide` over (remote, local product id) pairs of products linked here, in one transaction
    with the products loaded at once (each decided as alone). When any of them fails nothing is
    kept and they are decided one by one, so the failing one costs only itself."""
    readable = [(remote, remote.product, pid) for remote, pid in targets if remote.product]
    results: list[tuple[int, InboundResult]] = []
    try:
        async with sessions() as session:
            outcomes = await apply_remotes(
                session,
                [(product, remote.updated_at) for remote, product, _ in readable],
                source=source,
                events=events,
                create_missing=False,
                read_at=earliest(remote.read_at for remote, _, _ in readable),
            )
            results = [
                (pid, result) for (_, _, pid), result in zip(readable, outcomes, strict=True)
            ]
            for (remote, _, pid), (_, result) in zip(readable, results, strict=True):
                await recorder.record(session, pid, remote.shopify_id, result)
    except (AppError, SQLAlchemyError, ValueError, KeyError) as exc:
        logger.info(
            "%s: deciding %d products at once failed (%s): one by one", source, len(readable), exc
        )
        await recorder.read_before(sessions, [pid for _, _, pid in readable])  # rolled back
        results = []
        readable = []
    for pid, result in results:
        tally.count(pid, result)
    decided = {id(remote) for remote, _, _ in readable}
    for remote, pid in targets:
        if id(remote) not in decided:
            await decide(
                sessions,
                remote,
                product_id=pid,
                source=source,
                events=events,
                create_missing=False,
                tally=tally,
                job_id=job_id,
                recorder=recorder,
            )


async def decide_deleted(
    sessions: SessionFactory,
    shopify_id: str,
    *,
    product_id: int,
    events: ConflictEvents,
    tally: Tally,
    recorder: CheckRecorder = NO_RECORDER,
) -> None:
    """Shopify no longer has the product: the same decision as its delete webhook."""
    try:
        async with sessions() as session:
            result = await apply_remote_delete(session, shopify_id, source="detect", events=events)
            await recorder.record(session, product_id, shopify_id, result)
    except (AppError, SQLAlchemyError) as exc:
        reason = _reason(exc)
        tally.fail(product_id, shopify_id, reason)
        await recorder.failed(sessions, product_id, shopify_id, reason)
        return
    tally.count(product_id, result)
