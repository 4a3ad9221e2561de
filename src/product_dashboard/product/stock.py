"""A product's stock per location, read and edited as the API and the product page show it.

A level the dashboard has no number for is null, never 0 (inventory.levels); editing one sets the
merchant's intent at that location, which the next push sends with compare-and-set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import Conflict, Unprocessable
from product_dashboard.inventory.levels import LevelKey, audited, intents_of, set_intents
from product_dashboard.models import InventoryLevel, Location, Product
from product_dashboard.product import service as products

QUANTITY_LIMIT = 1_000_000_000


class LocationRead(BaseModel):
    id: int
    name: str
    shopify_location_id: str | None
    is_primary: bool
    is_active: bool


class LevelRead(BaseModel):
    location_id: int
    available: int | None
    """The merchant's number here (null: not known, e.g. never read from Shopify)."""
    on_hand: int | None
    shopify_available: int | None
    """What Shopify last reported here: differs from `available` while an edit is unsent."""


class VariantStock(BaseModel):
    variant_id: int
    title: str
    sku: str | None
    inventory_quantity: int
    tracked: bool | None
    levels: list[LevelRead]


class ProductStock(BaseModel):
    product_id: int
    version: int
    total_inventory: int
    locations: list[LocationRead]
    variants: list[VariantStock]


class LevelEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: int
    location_id: int
    available: int = Field(ge=-QUANTITY_LIMIT, le=QUANTITY_LIMIT)


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="The version edited (409 if stale).")
    levels: list[LevelEdit] = Field(min_length=1, max_length=2_000)


async def locations(session: AsyncSession, *, active_only: bool = True) -> list[LocationRead]:
    """The store's locations, the primary first."""
    query = select(Location).order_by(Location.is_primary.desc(), Location.id)
    if active_only:
        query = query.where(Location.is_active.is_(True))
    return [
        LocationRead(
            id=row.id,
            name=row.name,
            shopify_location_id=row.shopify_location_id,
            is_primary=row.is_primary,
            is_active=row.is_active,
        )
        for row in await session.scalars(query)
    ]


async def product_stock(session: AsyncSession, product_id: int) -> ProductStock:
    product = await products.get(session, product_id)
    shown = await locations(session)
    variant_ids = [v.id for v in product.variants]
    levels = {
        (level.variant_id, level.location_id): level
        for level in await session.scalars(
            select(InventoryLevel).where(InventoryLevel.variant_id.in_(variant_ids))
        )
    }

    def level_read(variant_id: int, location_id: int) -> LevelRead:
        level = levels.get((variant_id, location_id))
        return LevelRead(
            location_id=location_id,
            available=level.available if level else None,
            on_hand=level.on_hand if level else None,
            shopify_available=level.shopify_available if level else None,
        )

    return ProductStock(
        product_id=product.id,
        version=product.version,
        total_inventory=product.total_inventory,
        locations=shown,
        variants=[
            VariantStock(
                variant_id=v.id,
                title=v.title,
                sku=v.sku,
                inventory_quantity=v.inventory_quantity,
                tracked=v.inventory_tracked,
                levels=[level_read(v.id, loc.id) for loc in shown],
            )
            for v in sorted(product.variants, key=lambda v: v.position)
        ],
    )


async def set_levels(
    session: AsyncSession, product_id: int, update: StockUpdate, actor: Actor
) -> None:
    """Set the available quantity of some variants at some locations (one audited change)."""
    product = await products.get(session, product_id)
    if update.version is not None and update.version != product.version:
        raise Conflict(
            f"Product {product.id} is at version {product.version}, not {update.version}: "
            "reload it and apply your edit again.",
            extra={"current_version": product.version},
        )
    variant_ids = {v.id for v in product.variants}
    known = set(await session.scalars(select(Location.id).where(Location.is_active.is_(True))))
    wrong = [
        e for e in update.levels if e.variant_id not in variant_ids or e.location_id not in known
    ]
    if wrong:
        raise Unprocessable(
            "Each level must name a variant of this product and an active location: "
            + ", ".join(f"variant {e.variant_id} at location {e.location_id}" for e in wrong)
        )
    wanted = {(e.variant_id, e.location_id): e.available for e in update.levels}
    await write_levels(session, product, wanted, actor)


async def write_levels(
    session: AsyncSession,
    product: Product,
    wanted: Mapping[LevelKey, int | None],
    actor: Actor,
) -> bool:
    """Set these levels of the product's variants (`inventory.levels.set_intents`): when any
    changed, the product's version is bumped and the change audited. Whether any changed. The
    caller has checked that each names a variant of the product and a location it may stock."""
    changed = await set_intents(session, wanted)
    if not changed:
        return False
    await products.bump_version(session, product)
    before, after = audited(changed)
    audit.record(
        session,
        actor,
        entity_type="product",
        entity_id=product.id,
        action="update",
        before=before,
        after=after,
    )
    return True


async def put_back_levels(
    session: AsyncSession,
    product_id: int,
    restored: Sequence[Mapping[str, Any]],
    now: Sequence[Mapping[str, Any]],
    actor: Actor,
) -> None:
    """The product's levels as a restored shape's `stock` holds them (`level_shapes`' elements,
    `now` the product's as they are): a level gone from the restored shape back to no number
    (unknown); a variant made again (a new id) gets its levels back (levels are told apart by
    option values and location); levels of variants or locations no longer here are left."""
    product = await products.get(session, product_id)
    variants = {tuple(variant.option_values): variant.id for variant in product.variants}
    locations = set(await session.scalars(select(Location.id)))
    wanted = {key: n for key, n in intents_of(restored, variants).items() if key[1] in locations}
    for key in intents_of(now, variants):
        wanted.setdefault(key, None)
    await write_levels(session, product, wanted, actor)
