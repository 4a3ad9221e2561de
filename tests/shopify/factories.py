"""Plain factories for SyncProduct and ProductSetInput test data."""

from __future__ import annotations

from typing import Any

from product_dashboard.shopify.mapping import SyncOption, SyncProduct, SyncVariant


def make_product(index: int, *, sizes: tuple[str, ...] = ("S", "M", "L")) -> SyncProduct:
    return SyncProduct(
        title=f"Product {index}",
        handle=f"product-{index}",
        description_html=f"<p>Description {index}</p>",
        vendor="Acme",
        product_type="Shirts",
        status="active" if index % 3 else "draft",
        tags=["sync", f"batch-{index % 4}"],
        category_id=None,
        options=[SyncOption("Size", list(sizes))],
        variants=[
            SyncVariant(
                sku=f"SKU-{index}-{size}",
                barcode=None if n else f"BC{index}",
                price_cents=1000 + index * 10 + n,
                compare_at_price_cents=None if n else 2500 + index,
                inventory_quantity=index + n,
                weight_grams=100 * (n + 1),
                option_values=[size],
            )
            for n, size in enumerate(sizes)
        ],
    )


def product_input(index: int, *, sizes: tuple[str, ...] = ("S", "M", "L")) -> dict[str, Any]:
    """A ProductSetInput for a product with one variant per size."""
    return {
        "title": f"Product {index}",
        "handle": f"product-{index}",
        "status": "ACTIVE",
        "vendor": "Acme",
        "productType": "Shirts",
        "tags": ["sync"],
        "productOptions": [{"name": "Size", "values": [{"name": size} for size in sizes]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": size}],
                "price": f"{10 + index}.{n:02d}",
                "sku": f"SKU-{index}-{size}",
            }
            for n, size in enumerate(sizes)
        ],
    }
