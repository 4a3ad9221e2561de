"""Shopify's product as a local create request: how a product unknown here arrives."""

from __future__ import annotations

from product_dashboard.product.schemas import ProductCreate
from product_dashboard.shopify.mapping import SyncProduct, cents_to_money


def create_request(product: SyncProduct) -> ProductCreate:
    """Shopify's product as our validated create request (tags lose commas, as ours must)."""
    return ProductCreate.model_validate(
        {
            "title": product.title or product.handle or "Untitled",
            "description_html": product.description_html,
            "vendor": product.vendor,
            "product_type": product.product_type,
            "status": product.status,
            "handle": product.handle or None,
            "tags": [t.replace(",", " ").strip() for t in product.tags if t.strip()],
            "options": [{"name": o.name, "values": o.values} for o in product.options],
            "variants": [
                {
                    "sku": v.sku,
                    "barcode": v.barcode,
                    "price": cents_to_money(v.price_cents),
                    "compare_at_price": (
                        cents_to_money(v.compare_at_price_cents)
                        if v.compare_at_price_cents is not None
                        else None
                    ),
                    "inventory_quantity": v.inventory_quantity or 0,
                    "weight_grams": v.weight_grams,
                    "option_values": v.option_values,
                }
                for v in product.variants
            ]
            or None,
        }
    )
