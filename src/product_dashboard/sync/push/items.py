"""What the push loads of a product: identity, versions, and its `SyncedSnapshot`.

Seven queries whatever the number of products (product, options, images, metafields, variants,
tags).

Snapshots are built from Core rows (not ORM objects) so that hashing tens of thousands of products
to find the few that really changed stays cheap. Ids (ours and Shopify's) are kept beside the
snapshot, never in it, so they do not move the snapshot hash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.snapshot import (
    SnapshotDetail,
    SnapshotImage,
    SnapshotOption,
    SnapshotVariant,
    SyncedSnapshot,
    snapshot_hash_of,
)
from product_dashboard.kit.hs_codes import hs_codes_of_text
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.models import (
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.shopify.mapping import SyncMetafield, SyncOption, SyncProduct, SyncVariant

__all__ = ["PushItem", "load_push_items"]


@dataclass(slots=True)
class PushItem:
    """One product as the push sees it: identity, versions, and the snapshot to send.

    `synced_hash` is what the catalog stored at the last sync; `snapshot_hash` is the hash of the
    snapshot now (equal: nothing to push).
    """

    product_id: int
    version: int
    handle: str
    shopify_product_id: str | None
    synced_hash: str | None
    deleted: bool
    snapshot: SyncedSnapshot | None = None
    """None for a tombstone."""
    variant_row_ids: list[int] = field(default_factory=list)
    shopify_variant_ids: list[str | None] = field(default_factory=list)
    snapshot_json: str = ""
    """The snapshot's canonical JSON (what was hashed); stored as the synced snapshot."""
    snapshot_hash: str = ""
    shopify_media_ids: list[str | None] = field(default_factory=list)
    """Beside `snapshot.images`, in order: the media Shopify already holds (None: to create)."""
    media_complete: bool = True
    """The dashboard holds the store's whole media list: productSet may be given `files`."""
    metafields_complete: bool = True
    """The same for the product's own metafields: productSet may be given `metafields`."""
    variant_metafields_complete: bool = True
    """The same for every variant's metafields: a variant Shopify holds may be given its list."""
    local_files: list[str | None] = field(default_factory=list)
    """Beside `snapshot.images`: the stored file of an image uploaded here (None: by URL)."""
    staged_sources: dict[int, str] = field(default_factory=dict)
    """Image index -> the staged upload's resourceUrl its file was sent to for this push."""
    linked_values: list[dict[str, str] | None] = field(default_factory=list)
    """Beside `snapshot.options`: a linked option's value names -> metaobject gids (pulled)."""
    redirects_handle: bool = False
    """Shopify holds the product under another handle (its synced base's): the push renames it."""

    @classmethod
    def of(
        cls,
        snapshot: SyncedSnapshot,
        *,
        product_id: int,
        version: int,
        shopify_product_id: str | None = None,
        synced_hash: str | None = None,
        variant_row_ids: list[int] | None = None,
        shopify_variant_ids: list[str | None] | None = None,
        shopify_media_ids: list[str | None] | None = None,
        media_complete: bool = True,
        metafields_complete: bool = True,
        local_files: list[str | None] | None = None,
        linked_values: list[dict[str, str] | None] | None = None,
        variant_metafields_complete: bool = True,
        synced_handle: str | None = None,
    ) -> PushItem:
        """A live product's item, its snapshot encoded and hashed."""
        canonical = snapshot.canonical_json()
        return cls(
            product_id=product_id,
            version=version,
            handle=snapshot.handle,
            shopify_product_id=shopify_product_id,
            synced_hash=synced_hash,
            deleted=False,
            snapshot=snapshot,
            variant_row_ids=variant_row_ids or [],
            shopify_variant_ids=shopify_variant_ids or [None] * len(snapshot.variants),
            snapshot_json=canonical,
            snapshot_hash=snapshot_hash_of(canonical),
            shopify_media_ids=shopify_media_ids or [None] * len(snapshot.images),
            media_complete=media_complete,
            metafields_complete=metafields_complete,
            local_files=local_files or [None] * len(snapshot.images),
            linked_values=linked_values or [None] * len(snapshot.options),
            variant_metafields_complete=variant_metafields_complete,
            redirects_handle=(
                shopify_product_id is not None
                and synced_handle is not None
                and synced_handle != snapshot.handle
            ),
        )

    @property
    def variant_count(self) -> int:
        return len(self.snapshot.variants) if self.snapshot is not None else 0


_PRODUCT_COLUMNS = (
    Product.id,
    Product.version,
    Product.handle,
    Product.title,
    Product.description_html,
    Product.vendor,
    Product.product_type,
    Product.status,
    Product.category_id,
    Product.shopify_product_id,
    Product.synced_hash,
    Product.deleted_at,
    Product.seo_title,
    Product.seo_description,
    Product.template_suffix,
    Product.gift_card,
    Product.published_online_store,
    Product.media_complete,
    Product.metafields_complete,
    Product.variant_metafields_complete,
    Product.gift_card_template_suffix,
    Product.requires_selling_plan,
    Product.combined_listing_role,
    # The handle Shopify last held (the base's): a push that changes it asks for a redirect.
    Product.synced_snapshot["handle"].as_string(),
)
_VARIANT_COLUMNS = (
    ProductVariant.product_id,
    ProductVariant.id,
    ProductVariant.shopify_variant_id,
    ProductVariant.sku,
    ProductVariant.barcode,
    ProductVariant.price_cents,
    ProductVariant.compare_at_price_cents,
    ProductVariant.option1,
    ProductVariant.option2,
    ProductVariant.option3,
    ProductVariant.taxable,
    ProductVariant.requires_shipping,
    ProductVariant.tax_code,
    ProductVariant.image_id,
    ProductVariant.inventory_tracked,
    ProductVariant.inventory_policy,
    ProductVariant.cost_cents,
    ProductVariant.country_of_origin,
    ProductVariant.hs_code,
    ProductVariant.weight_value,
    ProductVariant.weight_unit,
    ProductVariant.unit_price_quantity_value,
    ProductVariant.unit_price_quantity_unit,
    ProductVariant.unit_price_reference_value,
    ProductVariant.unit_price_reference_unit,
    ProductVariant.show_unit_price,
    ProductVariant.requires_components,
    ProductVariant.province_code_of_origin,
    ProductVariant.country_hs_codes_text,
)


@dataclass(slots=True)
class _Variants:
    """One product's variant rows: their ids (ours and Shopify's) beside their snapshots."""

    row_ids: list[int] = field(default_factory=list)
    shopify_ids: list[str | None] = field(default_factory=list)
    snapshots: list[SnapshotVariant] = field(default_factory=list)
    details: list[SyncVariant] = field(default_factory=list)
    """The fields that go into the snapshot's detail (the rest of each is left empty)."""


_NO_VARIANTS = _Variants()


async def load_push_items(session: AsyncSession, product_ids: Sequence[int]) -> list[PushItem]:
    """Snapshots of these products (in id order), with five queries whatever their number.

    Rows are unpacked into named variables (in the order of the selected columns): as fast as
    reading by position, where attribute access on a Row costs more than building the snapshot.
    """
    if not product_ids:
        return []
    ids = list(product_ids)
    # Core rows straight from the connection: the ORM's result machinery is not needed here.
    connection = await session.connection()
    products: Sequence[Any] = (
        await connection.execute(
            select(*_PRODUCT_COLUMNS).where(Product.id.in_(ids)).order_by(Product.id)
        )
    ).all()
    options: dict[int, list[SnapshotOption]] = defaultdict(list)
    links: dict[int, list[SyncOption]] = defaultdict(list)
    linked_values: dict[int, list[dict[str, str] | None]] = defaultdict(list)
    for product_id, name, values, linked_namespace, linked_key, linked in await connection.execute(
        select(
            ProductOption.product_id,
            ProductOption.name,
            ProductOption.values,
            ProductOption.linked_metafield_namespace,
            ProductOption.linked_metafield_key,
            ProductOption.linked_metafield_values,
        )
        .where(ProductOption.product_id.in_(ids))
        .order_by(ProductOption.product_id, ProductOption.position)
    ):
        options[product_id].append(SnapshotOption(name=name, values=tuple(values)))
        links[product_id].append(SyncOption(name, [], linked_namespace, linked_key))
        linked_values[product_id].append(linked)
    images: dict[int, list[SnapshotImage]] = defaultdict(list)
    media_ids: dict[int, list[str | None]] = defaultdict(list)
    local_files: dict[int, list[str | None]] = defaultdict(list)
    image_srcs: dict[int, str] = {}
    for product_id, image_id, src, alt, media_id, local_file in await connection.execute(
        select(
            ProductImage.product_id,
            ProductImage.id,
            ProductImage.src,
            ProductImage.alt,
            ProductImage.shopify_media_id,
            ProductImage.local_file,
        )
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position)
    ):
        images[product_id].append(SnapshotImage(alt=alt, src=src))
        media_ids[product_id].append(media_id)
        local_files[product_id].append(local_file)
        image_srcs[image_id] = src
    metafields: dict[int | None, list[SyncMetafield]] = defaultdict(list)
    product_metafields: dict[int, list[SyncMetafield]] = defaultdict(list)
    for product_id, variant_id, namespace, key, type_, value in await connection.execute(
        select(
            ProductMetafield.product_id,
            ProductMetafield.variant_id,
            ProductMetafield.namespace,
            ProductMetafield.key,
            ProductMetafield.type,
            ProductMetafield.value,
        ).where(ProductMetafield.product_id.in_(ids))
    ):
        metafield = SyncMetafield(namespace, key, type_, value)
        if variant_id is None:
            product_metafields[product_id].append(metafield)
        else:
            metafields[variant_id].append(metafield)
    variants: dict[int, _Variants] = defaultdict(_Variants)
    for (
        product_id,
        variant_id,
        shopify_variant_id,
        sku,
        barcode,
        price_cents,
        compare_at_price_cents,
        option1,
        option2,
        option3,
        taxable,
        requires_shipping,
        tax_code,
        image_id,
        inventory_tracked,
        inventory_policy,
        cost_cents,
        country_of_origin,
        hs_code,
        weight_value,
        weight_unit,
        unit_price_quantity_value,
        unit_price_quantity_unit,
        unit_price_reference_value,
        unit_price_reference_unit,
        show_unit_price,
        requires_components,
        province_code_of_origin,
        country_hs_codes,
    ) in await connection.execute(
        select(*_VARIANT_COLUMNS)
        .where(ProductVariant.product_id.in_(ids))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    ):
        entry = variants[product_id]
        entry.row_ids.append(variant_id)
        entry.shopify_ids.append(shopify_variant_id)
        entry.snapshots.append(
            SnapshotVariant.of(
                sku=sku,
                barcode=barcode,
                price_cents=price_cents,
                compare_at_price_cents=compare_at_price_cents,
                option_values=[x for x in (option1, option2, option3) if x is not None],
            )
        )
        entry.details.append(
            SyncVariant(
                sku=None,
                barcode=None,
                price_cents=0,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=[],
                taxable=taxable,
                requires_shipping=requires_shipping,
                tax_code=tax_code,
                image_src=image_srcs.get(image_id) if image_id is not None else None,
                metafields=metafields.get(variant_id, []),
                inventory_tracked=inventory_tracked,
                inventory_policy=inventory_policy,
                cost_cents=cost_cents,
                country_of_origin=country_of_origin,
                hs_code=hs_code,
                weight_value=None if weight_value is None else Decimal(weight_value),
                weight_unit=weight_unit,
                unit_price_measurement=UnitPriceMeasure.of_columns(
                    unit_price_quantity_value,
                    unit_price_quantity_unit,
                    unit_price_reference_value,
                    unit_price_reference_unit,
                ),
                show_unit_price=show_unit_price,
                requires_components=requires_components,
                province_code_of_origin=province_code_of_origin,
                country_hs_codes=hs_codes_of_text(country_hs_codes),
            )
        )
    tags: dict[int, list[str]] = defaultdict(list)
    for product_id, name in await connection.execute(
        select(ProductTag.product_id, ProductTag.name)
        .where(ProductTag.product_id.in_(ids))
        .order_by(ProductTag.product_id, ProductTag.position)
    ):
        tags[product_id].append(name)

    items: list[PushItem] = []
    for (
        product_id,
        version,
        handle,
        title,
        description_html,
        vendor,
        product_type,
        status,
        category_id,
        shopify_product_id,
        synced_hash,
        deleted_at,
        seo_title,
        seo_description,
        template_suffix,
        gift_card,
        published_online_store,
        media_complete,
        metafields_complete,
        variant_metafields_complete,
        gift_card_template_suffix,
        requires_selling_plan,
        combined_listing_role,
        synced_handle,
    ) in products:
        if deleted_at is not None:
            items.append(
                PushItem(
                    product_id=product_id,
                    version=version,
                    handle=handle,
                    shopify_product_id=shopify_product_id,
                    synced_hash=synced_hash,
                    deleted=True,
                )
            )
            continue
        product_variants = variants.get(product_id, _NO_VARIANTS)
        detail = SnapshotDetail.of(
            SyncProduct.blank(
                options=links.get(product_id, []),
                variants=product_variants.details,
                seo_title=seo_title,
                seo_description=seo_description,
                template_suffix=template_suffix,
                gift_card=gift_card,
                published_online_store=published_online_store,
                gift_card_template_suffix=gift_card_template_suffix,
                requires_selling_plan=requires_selling_plan,
                combined_listing_role=combined_listing_role,
                metafields=product_metafields.get(product_id, []),
            )
        )
        snapshot = SyncedSnapshot.build(
            title=title,
            handle=handle,
            description_html=description_html,
            vendor=vendor,
            product_type=product_type,
            status=status,
            category_id=category_id,
            tags=tags.get(product_id, ()),
            options=options.get(product_id, ()),
            variants=product_variants.snapshots,
            images=images.get(product_id, ()),
            detail=detail,
        )
        items.append(
            PushItem.of(
                snapshot,
                product_id=product_id,
                version=version,
                shopify_product_id=shopify_product_id,
                synced_hash=synced_hash,
                variant_row_ids=product_variants.row_ids,
                shopify_variant_ids=product_variants.shopify_ids,
                shopify_media_ids=media_ids.get(product_id, []),
                media_complete=media_complete,
                metafields_complete=metafields_complete,
                local_files=local_files.get(product_id, []),
                linked_values=linked_values.get(product_id, []),
                variant_metafields_complete=variant_metafields_complete,
                synced_handle=synced_handle,
            )
        )
    return items
