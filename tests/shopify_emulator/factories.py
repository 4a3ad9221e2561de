"""Plain builders of emulator records for unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from shopify_emulator.models import Product, Variant

_ids = count(1000)
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_variant(product_id: int, title: str = "Default Title", **fields: object) -> Variant:
    values = {
        "id": next(_ids),
        "product_id": product_id,
        "inventory_item_id": next(_ids),
        "title": title,
        "option_values": [title],
        "price": Decimal("10.00"),
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    values.update(fields)
    return Variant(**values)  # type: ignore[arg-type]


def make_product(
    title: str = "Product", variants: list[dict[str, object]] | None = None, **fields: object
) -> Product:
    product_id = next(_ids)
    values: dict[str, object] = {
        "id": product_id,
        "title": title,
        "handle": title.lower().replace(" ", "-"),
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    values.update(fields)
    product = Product(**values)  # type: ignore[arg-type]
    product.variants = [make_variant(product_id, **v) for v in (variants or [{}])]  # type: ignore[arg-type]
    return product
