"""Plain factories for SyncProduct test data."""

from __future__ import annotations

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
