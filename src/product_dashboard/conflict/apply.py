"""Write a target SyncProduct into the local product (validated, audited) and record the base."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.create import (
    details_in,
    images_in,
    linked_metafield_in,
    variant_detail_in,
)
from product_dashboard.conflict.shapes import local_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.conflict.threeway import variant_key
from product_dashboard.kit.custom_plans import planned_for_its_parameters
from product_dashboard.kit.time import utcnow
from product_dashboard.kit.weights import whole_grams
from product_dashboard.models import Product, ProductImage, ProductMetafield, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.rows import (
    NewImage,
    NewMetafield,
    NewProduct,
    NewVariant,
    pending_owner,
)
from product_dashboard.product.schemas import OptionIn, ProductUpdate, VariantIn
from product_dashboard.product.service import ProductWrites
from product_dashboard.shopify.mapping import (
    DETAIL_FIELDS,
    ITEM_FIELDS,
    MEDIA,
    METAFIELDS,
    VARIANT_METAFIELDS,
    SyncProduct,
    SyncVariant,
    cents_to_money,
    item_values,
)

# What the comparison reads of a product.
_COMPARED = (
    selectinload(Product.options),
    selectinload(Product.variants),
    selectinload(Product.tags),
    selectinload(Product.images),
    selectinload(Product.metafields),
)


async def load_product(
    session: AsyncSession,
    *,
    product_id: int | None = None,
    shopify_id: str | None = None,
    include_deleted: bool = False,
) -> Product | None:
    """A product with everything the comparison reads, locked for update where supported."""
    statement = select(Product).options(*_COMPARED)
    if product_id is not None:
        statement = statement.where(Product.id == product_id)
    else:
        statement = statement.where(Product.shopify_product_id == shopify_id)
    if not include_deleted:
        statement = statement.where(Product.deleted_at.is_(None))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Product)
    return (await session.execute(statement)).scalar_one_or_none()


async def load_products(session: AsyncSession, shopify_ids: Sequence[str]) -> dict[str, Product]:
    """`load_product` of each of these (not deleted), at once, by Shopify id."""
    statement = select(Product).options(*_COMPARED)
    statement = statement.where(
        Product.shopify_product_id.in_(list(shopify_ids)), Product.deleted_at.is_(None)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Product)
    async with planned_for_its_parameters(session):  # its eager loads too
        products = (await session.execute(statement.order_by(Product.id))).scalars()
    return {product.shopify_product_id or "": product for product in products}


def _variant_row(v: SyncVariant) -> tuple[object, ...]:
    return (
        v.option_values,
        v.sku,
        v.barcode,
        v.price_cents,
        v.compare_at_price_cents,
        v.weight_grams,
        v.taxable,
        v.requires_shipping,
        v.tax_code,
        v.image_src,
        sorted(m.key_value() for m in v.metafields),
        item_values(v),
    )


def _local_id(variant: SyncVariant, by_id: dict[str, int], by_values: dict[str, int]) -> int | None:
    return by_id.get(variant.shopify_variant_id or "") or by_values.get(
        variant_key(variant.option_values)
    )


def _update_for(product: Product, target: SyncProduct, current: SyncProduct) -> ProductUpdate:
    """Only the fields of `current` (the product's local side) that differ, so the audit entry
    shows exactly what came in."""
    data: dict[str, object] = {}
    for name in ("title", "description_html", "vendor", "product_type", "status", "handle"):
        if getattr(target, name) != getattr(current, name):
            data[name] = getattr(target, name)
    if sorted(target.tags) != sorted(current.tags):
        data["tags"] = [t.replace(",", " ").strip() for t in target.tags if t.strip()]
    if target.category_id != current.category_id:
        data["category"] = (
            {"id": target.category_id, "name": target.category_name or target.category_id}
            if target.category_id
            else None
        )
    wanted, have = details_in(target), details_in(current)
    for name, value in wanted.items():
        if name == "images":
            if [(i["src"], i["alt"]) for i in value] != [
                (i["src"], i["alt"]) for i in have.get(name, images_in(current))
            ]:
                data[name] = images_in(target)
        elif name == "metafields":
            if sorted(m.key_value() for m in target.metafields) != sorted(
                m.key_value() for m in current.metafields
            ):
                data[name] = value
        elif value != have.get(name):
            data[name] = value
    same_options = [(o.name, o.values) for o in target.options] == [
        (o.name, o.values) for o in current.options
    ]
    same_variants = [_variant_row(v) for v in target.variants] == [
        _variant_row(v) for v in current.variants
    ]
    if not (same_options and same_variants):
        by_id = {v.shopify_variant_id: v.id for v in product.variants if v.shopify_variant_id}
        # A quantity the target does not know stays what it is here (never taken for 0); a
        # variant it makes gets no number (`quantity_unknown` below).
        quantities = {v.id: v.inventory_quantity for v in product.variants}
        by_values = {variant_key(v.option_values): v.id for v in product.variants}
        data["options"] = [
            OptionIn(name=o.name, values=list(o.values), linked_metafield=linked_metafield_in(o))
            for o in target.options
        ]
        data["variants"] = [
            VariantIn(
                id=(local_id := _local_id(v, by_id, by_values)),
                sku=v.sku,
                barcode=v.barcode,
                price=cents_to_money(v.price_cents),
                compare_at_price=(
                    cents_to_money(v.compare_at_price_cents)
                    if v.compare_at_price_cents is not None
                    else None
                ),
                inventory_quantity=(
                    v.inventory_quantity
                    if v.inventory_quantity is not None
                    else quantities.get(local_id or 0, 0)
                ),
                # Where the weight was read, its grams are its value's (none when Shopify has
                # none), not grams kept from before beside a weight read as none.
                weight_grams=(
                    whole_grams(v.weight_value, v.weight_unit)
                    if target.knows("weight_value")
                    else v.weight_grams
                ),
                option_values=list(v.option_values),
                **variant_detail_in(v, target),
            )
            for v in target.variants
        ]
    return ProductUpdate.model_validate(data)


async def apply_to_local(
    session: AsyncSession,
    product: Product,
    target: SyncProduct,
    actor: Actor,
    *,
    read: SyncProduct | None = None,
    writes: ProductWrites | None = None,
    current: SyncProduct | None = None,
) -> bool:
    """Make the local product equal to `target` on the synced fields; True if anything changed.

    `read` is what Shopify itself told (never a merge made here, which carries the local lists
    as if known): only where the local lists now equal its whole lists are they marked as held
    in full. Without it nothing is marked. `writes`: the version's compare-and-set and the audit
    entry written with other products' (and the change flushed with theirs, unless a new variant
    needs its id now). `current`: the product's local side as the caller just read it
    (`local_product`), instead of reading it again."""
    update = _update_for(product, target, current or local_product(product))
    changed = bool(update.model_fields_set)
    if changed:
        await product_service.update(
            session,
            product.id,
            update,
            actor,
            loaded=product,
            later=writes,
            quantity_unknown=[
                v.option_values for v in target.variants if v.inventory_quantity is None
            ],
        )
        if writes is None or any(v.id is None for v in product.variants):
            await session.flush()
    ids = {variant_key(v.option_values): v.shopify_variant_id for v in target.variants}
    for variant in product.variants:
        remote_id = ids.get(variant_key(variant.option_values))
        if variant.shopify_variant_id is None and remote_id:
            variant.shopify_variant_id = remote_id
    if read is not None:
        note_remote_lists(product, read)
    return changed


def link_items(product: Product | NewProduct, remote: SyncProduct) -> dict[str, int]:
    """Each linked variant's Shopify inventory item, where `remote` (a read of Shopify's) tells
    it: what `inventory_levels/update` names, so a level event finds its variant. Not an edit.

    Returns the items newly recorded for variants already stored (item gid -> variant id):
    level events held for them meanwhile wait to be merged (`inventory.inbound`)."""
    items = {v.shopify_variant_id: v.inventory_item_id for v in remote.variants}
    recorded: dict[str, int] = {}
    for variant in product.variants:
        item = items.get(variant.shopify_variant_id) if variant.shopify_variant_id else None
        if item is not None and variant.shopify_inventory_item_id != item:
            variant.shopify_inventory_item_id = item
            if variant.id is not None:
                recorded[item] = variant.id
    return recorded


def note_remote_lists(product: Product | NewProduct, remote: SyncProduct) -> None:
    """Where the local lists now equal Shopify's whole lists: their Shopify ids, and that they
    are known in full (so a push may send them). Not an edit: no version bump."""
    rows: Sequence[ProductImage | NewImage] = product.images
    if remote.knows(MEDIA) and [i.src for i in rows] == [i.src for i in remote.images]:
        for row, image in zip(rows, remote.images, strict=True):
            row.shopify_media_id = image.media_id or row.shopify_media_id
            row.media_content_type = image.content_type or row.media_content_type
        product.media_complete = True
    if remote.category_id and remote.category_id == product.category_id and remote.category_name:
        product.category_name = remote.category_name
    if not remote.knows(METAFIELDS):
        return
    local = {(m.namespace, m.key): m for m in product.metafields if is_product_own(m)}
    if set(local) == {(m.namespace, m.key) for m in remote.metafields}:
        for metafield in remote.metafields:
            local[(metafield.namespace, metafield.key)].shopify_metafield_id = metafield.shopify_id
        product.metafields_complete = True


def note_variant_metafields(product: Product | NewProduct, remote: SyncProduct) -> None:
    """Where Shopify's `remote` (as read, never a merge made here) told every variant's
    metafields in full and they equal the local ones: their Shopify ids, and that they are known
    (only then may a push give productSet a variant's list, which replaces it). Never unset: a
    source that does not carry them (a webhook) leaves the mark as it is."""
    if not (remote.knows(METAFIELDS) and remote.knows(VARIANT_METAFIELDS)):
        return
    told = {v.shopify_variant_id: v for v in remote.variants if v.shopify_variant_id}
    # Keyed by the variant object: a product built in memory (set-based create) has no ids yet.
    by_id: dict[int, ProductVariant | NewVariant] = {
        v.id: v for v in product.variants if v.id is not None
    }
    rows: dict[int, dict[tuple[str, str], ProductMetafield | NewMetafield]] = {
        id(v): {} for v in product.variants
    }
    for row in product.metafields:
        if is_product_own(row):
            continue
        owner = pending_owner(row) or by_id.get(row.variant_id or 0)
        if owner is None:
            return  # a variant's metafield whose variant is not this product's: not sure
        rows.setdefault(id(owner), {})[(row.namespace, row.key)] = row
    pairs = [(rows[id(v)], told.get(v.shopify_variant_id or "")) for v in product.variants]
    if len(told) != len(remote.variants) or len(pairs) != len(told):
        return
    for local, variant in pairs:
        if variant is None or set(local) != {(m.namespace, m.key) for m in variant.metafields}:
            return
    for local, variant in pairs:
        assert variant is not None
        for metafield in variant.metafields:
            local[(metafield.namespace, metafield.key)].shopify_metafield_id = metafield.shopify_id
    product.variant_metafields_complete = True


def is_product_own(metafield: ProductMetafield | NewMetafield) -> bool:
    """The product's own metafield, not a variant's (stored rows and rows not yet written)."""
    return metafield.variant_id is None and pending_owner(metafield) is None


def has_unsynced_changes(product: Product) -> bool:
    """Local edits not yet pushed: a newer version whose content differs from the last sync."""
    if product.synced_version is None or product.synced_hash is None:
        return True
    if product.version <= product.synced_version:
        return False
    return SyncedSnapshot.of(local_product(product)).snapshot_hash() != product.synced_hash


def link_created(
    product: Product | NewProduct, remote: SyncProduct, remote_updated_at: datetime | None
) -> None:
    """A product just made here of Shopify's `remote`: its category, Shopify ids and lists, and
    its base. A list counts as Shopify's whole list only where `remote` read it in full (a
    webhook's body carries no metafields)."""
    product.category_id = remote.category_id
    product.category_name = remote.category_name
    product.media_complete = product.metafields_complete = False
    product.variant_metafields_complete = False
    ids = {variant_key(v.option_values): v.shopify_variant_id for v in remote.variants}
    for variant in product.variants:
        variant.shopify_variant_id = ids.get(variant_key(variant.option_values))
    link_items(product, remote)
    note_remote_lists(product, remote)
    note_variant_metafields(product, remote)
    record_base(product, remote, in_sync=True, remote_updated_at=remote_updated_at)


def record_base(
    product: Product | NewProduct,
    remote: SyncProduct,
    *,
    in_sync: bool,
    remote_updated_at: datetime | None,
) -> None:
    """After inbound changes: the base becomes what Shopify now has.

    `in_sync` (local equals Shopify, nothing left to push) records the local snapshot at the
    current version exactly as the push recorder would, so the next push skips the product;
    otherwise the product stays pending and the next push sends the local side.
    """
    now = utcnow()
    if in_sync:
        snapshot = SyncedSnapshot.of(local_product(product))
        product.synced_version = product.version
        product.sync_error = None
    else:
        images_kept = local_product(product).images
        snapshot = SyncedSnapshot.of(replace(remote, images=images_kept))
    if isinstance(product, NewProduct):  # not read before `write_rows` writes it
        product.synced_snapshot, product.synced_hash = snapshot.written_and_hash()
    else:
        product.synced_snapshot, product.synced_hash = snapshot.stored_and_hash()
    product.synced_at = now
    if remote.shopify_product_id:
        product.shopify_product_id = remote.shopify_product_id
    if remote_updated_at is not None:
        product.shopify_updated_at = remote_updated_at


def learn_unset(product: Product, remote: SyncProduct, remote_updated_at: datetime | None) -> bool:
    """Values Shopify tells that the product never held here (None: not known), taken as they
    are: not an edit (no version, no audit). A product in sync has its base recorded again, so
    what was learned is part of it; one with edits waiting keeps them pending. Whether it
    learned anything."""
    in_sync = not has_unsynced_changes(product)
    learned = False
    for name in DETAIL_FIELDS:
        value = getattr(remote, name)
        if remote.knows(name) and value is not None and getattr(product, name) is None:
            setattr(product, name, value)
            learned = True
    by_id = {v.shopify_variant_id: v for v in remote.variants if v.shopify_variant_id}
    for variant in product.variants:
        told = by_id.get(variant.shopify_variant_id or "")
        if told is None:
            continue
        for name in ("taxable", "requires_shipping", *ITEM_FIELDS):
            value = getattr(told, name)
            if remote.knows(name) and value is not None and getattr(variant, name) is None:
                setattr(variant, name, value)
                learned = True
                if name == "weight_value":
                    variant.weight_unit = told.weight_unit
    if not product.media_complete and remote.knows(MEDIA) and not product.images:
        product.images = [
            ProductImage(
                position=position,
                src=image.src,
                alt=image.alt,
                shopify_media_id=image.media_id,
                media_content_type=image.content_type,
            )
            for position, image in enumerate(remote.images, start=1)
        ]
        learned = True
    if not product.metafields_complete and remote.knows(METAFIELDS) and not product.metafields:
        product.metafields = [
            ProductMetafield(
                namespace=m.namespace,
                key=m.key,
                type=m.type,
                value=m.value,
                shopify_metafield_id=m.shopify_id,
            )
            for m in remote.metafields
        ]  # the variants' metafields come with a full comparison, not learned here
        learned = True
    note_remote_lists(product, remote)
    note_variant_metafields(product, remote)
    if learned and in_sync:
        record_base(product, remote, in_sync=True, remote_updated_at=remote_updated_at)
    return learned
