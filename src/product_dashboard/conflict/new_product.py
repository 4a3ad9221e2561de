"""A product unknown here made of Shopify's: built by the create rules, then linked.

The pull (one by one or a set at once) and a webhook make a product of Shopify's this way, and
write it with `product.write_rows.write_new` as every create does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.apply import link_created
from product_dashboard.conflict.create import create_request
from product_dashboard.conflict.threeway import variant_key
from product_dashboard.models import Product, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.create_rows import new_rows
from product_dashboard.product.normalize import FieldErrors
from product_dashboard.product.rows import NewProduct, NewVariant
from product_dashboard.product.schemas import ProductCreate
from product_dashboard.product.write_rows import Creation
from product_dashboard.shopify.mapping import SyncProduct


def built_from_remote(
    remote: SyncProduct,
    remote_updated_at: datetime | None,
    data: ProductCreate,
    handle: str,
    errors: FieldErrors,
) -> Creation:
    """The product made of `remote` (`data`: its create request; `handle` and `errors` as
    `product.service.new_handle` gives them), linked, not written; raises as the create does
    when it is not valid here."""
    product = new_rows(data, handle, errors)
    creation = Creation.of(product)
    link_created(product, remote, remote_updated_at)
    creation.reported = reported_quantities(product, remote)
    creation.reported_at = remote_updated_at
    creation.read = True
    return creation


async def build_from_remote(
    session: AsyncSession, remote: SyncProduct, remote_updated_at: datetime | None
) -> Creation:
    """`built_from_remote` of `remote`'s create request, its handle chosen as every create's."""
    data = create_request(remote)
    errors = FieldErrors()
    handle = await product_service.new_handle(session, data, errors)
    return built_from_remote(remote, remote_updated_at, data, handle, errors)


def reported_quantities(
    product: Product | NewProduct, remote: SyncProduct
) -> list[tuple[ProductVariant | NewVariant, int]]:
    """The local variants Shopify reported a quantity for (by Shopify id, else option values)."""
    by_id: dict[str | None, ProductVariant | NewVariant] = {
        v.shopify_variant_id: v for v in product.variants if v.shopify_variant_id
    }
    by_key: dict[str, ProductVariant | NewVariant] = {
        variant_key(v.option_values): v for v in product.variants
    }
    reported: list[tuple[ProductVariant | NewVariant, int]] = []
    for variant in remote.variants:
        if variant.inventory_quantity is None:
            continue
        local = by_id.get(variant.shopify_variant_id or "") or by_key.get(
            variant_key(variant.option_values)
        )
        if local is not None:
            reported.append((local, variant.inventory_quantity))
    return reported
