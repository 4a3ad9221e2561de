"""Send a group of push operations as one request and turn the answer into per-product outcomes.

A refused product (userErrors) fails alone with Shopify's message; the others in the request still
count. A request-level GraphQL error or a cost cap breach splits the group so one bad product
cannot sink its neighbours. Transport failures have already been retried by the client; what
remains fails the group's products with a clear message (they stay pending for the next push).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import (
    GraphQLError,
    MaxCostExceeded,
    ShopifyError,
    UserError,
    user_errors_in,
)
from product_dashboard.shopify.patience import patiently
from product_dashboard.shopify.product_set import parse_product_set_payload
from product_dashboard.sync.push.documents import Operation, batch_request
from product_dashboard.sync.push.recorder import PushOutcome

_GONE = re.compile(r"does not exist|not found|could not be found", re.IGNORECASE)


def describe_user_errors(errors: Sequence[UserError]) -> str:
    parts = []
    for error in errors:
        path = [p for p in (error.field or ()) if p != "input"]
        parts.append(f"{'.'.join(path)}: {error.message}" if path else error.message)
    return "Shopify refused the product: " + "; ".join(parts)


class Sender:
    """Sends operations through one client; `stopping` cuts circuit-breaker waits short."""

    def __init__(self, client: ShopifyClient, stopping: Callable[[], bool] | None = None) -> None:
        self.client = client
        self._stopping = stopping or (lambda: False)
        self.requests = 0

    async def send(self, ops: Sequence[Operation]) -> list[PushOutcome]:
        document, variables = batch_request(ops)
        cost = sum(op.cost for op in ops)
        try:
            response = await self._execute(document, variables, cost)
        except MaxCostExceeded:
            if len(ops) == 1:
                return [_failed(ops[0], "The product is too large for one request.")]
            return await self._split(ops, halves=True)
        except GraphQLError as exc:
            if len(ops) > 1:
                return await self._split(ops, halves=False)
            return [_failed(ops[0], f"Shopify rejected the request: {exc.message}")]
        except ShopifyError as exc:
            return [_failed(op, f"Shopify request failed: {exc.message}") for op in ops]
        return [_outcome(op, response.data.get(f"p{n}")) for n, op in enumerate(ops)]

    async def _execute(self, document: str, variables: Mapping[str, Any], cost: int) -> Any:
        async def attempt() -> Any:
            self.requests += 1
            return await self.client.execute(document, variables, estimated_cost=cost)

        return await patiently(attempt, stopping=self._stopping)

    async def _split(self, ops: Sequence[Operation], *, halves: bool) -> list[PushOutcome]:
        if halves:
            middle = len(ops) // 2
            groups: list[Sequence[Operation]] = [ops[:middle], ops[middle:]]
        else:
            groups = [[op] for op in ops]
        outcomes: list[PushOutcome] = []
        for group in groups:
            outcomes.extend(await self.send(group))
        return outcomes


def _failed(op: Operation, message: str) -> PushOutcome:
    return PushOutcome(item=op.item, ok=False, error=message)


def _outcome(op: Operation, payload: Mapping[str, Any] | None) -> PushOutcome:
    if op.kind == "delete":
        errors = user_errors_in(payload)
        if errors and not all(_GONE.search(e.message) for e in errors):
            return _failed(op, describe_user_errors(errors))
        return PushOutcome(item=op.item, ok=True, shopify_product_id=op.item.shopify_product_id)
    if not (payload or {}).get("product") and not user_errors_in(payload):
        return _failed(op, "Shopify returned no product for this push.")
    result = parse_product_set_payload(payload)
    if not result.ok:
        return _failed(op, describe_user_errors(result.user_errors))
    # Only the bulk line reads the inventory items (a batch request would pay for them).
    read_items = any(variant.inventory_item_id for variant in result.variants)
    return PushOutcome(
        item=op.item,
        ok=True,
        shopify_product_id=result.product_id,
        variant_ids=[variant.id for variant in result.variants],
        media_ids=list(result.media_ids),
        shopify_updated_at=_shopify_time(result.updated_at),
        inventory_item_ids=[v.inventory_item_id for v in result.variants] if read_items else [],
        inventory_levels=[v.inventory_levels for v in result.variants] if read_items else [],
    )


def _shopify_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def outcome_from_bulk_line(op: Operation, line: Mapping[str, Any]) -> PushOutcome:
    """One JSONL result line of a bulk productSet run."""
    if line.get("errors"):
        messages = "; ".join(str(e.get("message", e)) for e in line["errors"])
        return _failed(op, f"Shopify rejected the product: {messages}")
    data = line.get("data") or {}
    return _outcome(op, data.get("productSet"))
