"""`/api/conflicts/detect` and `/api/conflicts/reconcile`: ask Shopify now, rather than wait for
a webhook or the next reconciliation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from product_dashboard.auth.dependencies import WriterPrincipal
from product_dashboard.conflict.schemas import DetectRequest, DetectResult
from product_dashboard.db import SessionDep, committing
from product_dashboard.exceptions import AppError
from product_dashboard.inbound.dependencies import InboundDep
from product_dashboard.inbound.detect import DETECT_JOB, DetectParams, detect_many, linked_products
from product_dashboard.inbound.reconciler import Reconciler
from product_dashboard.inbound.remote import TruncatedProduct
from product_dashboard.models import Product
from product_dashboard.shopify.errors import ShopifyError

router = APIRouter(prefix="/api/conflicts", tags=["conflicts"])


@router.post("/detect", response_model=DetectResult)
async def detect_conflicts(
    inbound: InboundDep,
    session: SessionDep,
    principal: WriterPrincipal,
    body: DetectRequest | None = None,
) -> DetectResult:
    """Compare products with Shopify now; scopes above CONFLICT_DETECT_INLINE_LIMIT run as a job."""
    client = inbound.shopify()
    ids = body.product_ids if body is not None else None
    statement = linked_products()
    if ids is not None:
        statement = statement.where(Product.id.in_(ids))
    limit = inbound.settings.conflict_detect_inline_limit
    targets = [
        (row.id, row.shopify_product_id)
        for row in await session.execute(statement.order_by(Product.id).limit(limit + 1))
    ]
    if len(targets) > limit:
        job_id = await DETECT_JOB.submit(
            inbound.runner,
            DetectParams(product_ids=ids),
            created_by_id=principal.user.id,
            session=session,
        )
        return DetectResult(job_id=job_id, checked=0, outcomes={}, conflicts=[], errors=[])
    summary = await detect_many(
        committing(inbound.sessionmaker), client, inbound.conflict_events, targets
    )
    return DetectResult(job_id=None, **summary.model_dump())


@router.post("/reconcile")
async def reconcile_now(inbound: InboundDep, _: WriterPrincipal) -> dict[str, Any]:
    """Run one incremental pull now (what the scheduler does every RECONCILE_INTERVAL_SECONDS)."""
    reconciler = inbound.reconciler or Reconciler(
        inbound.sessionmaker, inbound.shopify(), inbound.conflict_events, 0
    )
    try:
        return await reconciler.run_once()
    except (ShopifyError, TruncatedProduct) as exc:
        raise ShopifyUnavailable(f"Reading changes from Shopify failed: {exc}") from exc


class ShopifyUnavailable(AppError):
    status_code = 502
    kind = "shopify_error"
