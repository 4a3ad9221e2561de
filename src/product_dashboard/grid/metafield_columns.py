"""The editor's metafield columns: one per product metafield definition the last full pull read
(`metafield_definition`), keyed `metafield.<namespace>.<key>`, holding the product's value as
text (empty: the product has none). Written with the type Shopify defines for it; a product whose
metafields the dashboard has not read in full refuses the edit (a push could not send it)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Conflict
from product_dashboard.grid.columns import CellError, CellValue, GridColumn, register_source
from product_dashboard.kit.text import NUL_MESSAGE
from product_dashboard.models import (
    MetafieldDefinition,
    MetafieldOwner,
    Product,
    ProductMetafield,
    ProductVariant,
)

KEY_PREFIX = "metafield."
MAX_VALUE = 512_000  # as the product API takes a metafield's value
METAFIELDS = (Product.metafields,)


def _own(product: Product, namespace: str, key: str) -> ProductMetafield | None:
    return next(
        (
            m
            for m in product.metafields
            if m.variant_id is None and (m.namespace, m.key) == (namespace, key)
        ),
        None,
    )


def _parse(value: object) -> CellValue:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if not isinstance(value, str | int):
        raise CellError("must be text")
    text = str(value)
    if "\x00" in text:
        raise CellError(NUL_MESSAGE)
    if len(text) > MAX_VALUE:
        raise CellError(f"is longer than {MAX_VALUE:,} characters")
    return text


def _reader(namespace: str, key: str) -> Callable[[Product, ProductVariant], CellValue]:
    def read(product: Product, variant: ProductVariant) -> CellValue:
        found = _own(product, namespace, key)
        return found.value if found is not None else None

    return read


def _writer(
    namespace: str, key: str, type: str
) -> Callable[[Product, ProductVariant, CellValue], None]:
    def write(product: Product, variant: ProductVariant, value: CellValue) -> None:
        if not product.metafields_complete:
            raise Conflict(
                f"Product {product.id}: Shopify holds more metafields than the dashboard has "
                "read; pull it before editing its metafields."
            )
        found = _own(product, namespace, key)
        if value is None:
            if found is not None:
                product.metafields.remove(found)
        elif found is None:
            product.metafields.append(
                ProductMetafield(namespace=namespace, key=key, type=type, value=str(value))
            )
        else:
            found.value = str(value)

    return write


@register_source
async def metafield_columns(session: AsyncSession) -> list[GridColumn]:
    definitions = await session.scalars(
        select(MetafieldDefinition)
        .where(MetafieldDefinition.owner_type == MetafieldOwner.product.value)
        .order_by(MetafieldDefinition.namespace, MetafieldDefinition.key)
    )
    return [
        GridColumn(
            key=f"{KEY_PREFIX}{d.namespace}.{d.key}",
            label=d.name,
            level="product",
            kind="text",
            read=_reader(d.namespace, d.key),
            parse=_parse,
            write=_writer(d.namespace, d.key, d.type),
            width=160,
            relations=METAFIELDS,
        )
        for d in definitions
        if len(KEY_PREFIX) + len(d.namespace) + 1 + len(d.key) <= 64  # a column key's limit
    ]
