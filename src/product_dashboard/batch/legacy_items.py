"""Apply one legacy batch item (one operation on one product) in the caller's transaction.

Edits the batch engine knows (status, category, pricing, collection, delete) run through it on a
one-product selection, so each item is audited and undoable like any batch edit; tag and field
edits go through the product service.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.batch import engine
from product_dashboard.exceptions import Unprocessable
from product_dashboard.models import LegacyBatchItem
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductUpdate

ENGINE_KINDS = {
    "update_status": "status",
    "update_category": "category",
    "update_pricing": "pricing",
    "add_to_collection": "add_to_collection",
    "delete": "delete",
}


def _engine_params(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    if operation == "update_pricing":
        return {"pricing": params}
    return dict(params)


async def apply_item(session: AsyncSession, item: LegacyBatchItem, actor: Actor) -> None:
    """Raise an AppError when the item cannot be applied (the caller records it)."""
    kind = ENGINE_KINDS.get(item.operation)
    if kind is not None:
        await product_service.get(session, item.product_id)  # 404 for a missing product
        batch = engine.new_batch(
            kind,
            _engine_params(item.operation, item.params),
            {"product_ids": [item.product_id]},
            actor,
        )
        session.add(batch)
        await session.flush()
        await engine.execute(session, batch)
        return
    product = await product_service.get(session, item.product_id)
    if item.operation in ("add_tags", "remove_tags"):
        current = [t.name for t in product.tags]
        change = {t.strip().lower() for t in item.params["tags"]}
        if item.operation == "add_tags":
            known = {t.lower() for t in current}
            tags = current + [t for t in item.params["tags"] if t.strip().lower() not in known]
        else:
            tags = [t for t in current if t.lower() not in change]
        update = ProductUpdate(tags=tags)
    elif item.operation == "update_fields":
        update = ProductUpdate.model_validate(
            {k: v for k, v in item.params.items() if v is not None}
        )
    else:
        raise Unprocessable(f"Unknown operation '{item.operation}'.")
    await product_service.update(session, item.product_id, update, actor)
