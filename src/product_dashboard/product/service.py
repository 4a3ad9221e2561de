"""Create, update and delete products: validated, audited, version-tracked. Never commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Integer, column, inspect, select, table, tuple_
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import Conflict, NotFound
from product_dashboard.inventory.levels import (
    LevelChanges,
    QuantityEdit,
    apply_local_edits,
    audited,
)
from product_dashboard.kit.assign import assign
from product_dashboard.kit.money import from_cents, to_cents
from product_dashboard.kit.time import utcnow
from product_dashboard.models import (
    AuditEvent,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.models.inventory import WeightUnit
from product_dashboard.product.create_rows import DETAIL_NAMES, new_rows
from product_dashboard.product.image_store import local_name_of
from product_dashboard.product.normalize import (
    FieldErrors,
    NormalOption,
    NormalVariant,
    check_handle,
    handle_from_title,
    normalize_images,
    normalize_options_and_variants,
    normalize_tags,
)
from product_dashboard.product.repository import ProductRepository
from product_dashboard.product.schemas import (
    ImageIn,
    LinkedMetafield,
    MetafieldIn,
    OptionIn,
    ProductCreate,
    ProductFields,
    ProductUpdate,
    VariantIn,
    hs_codes_in,
)
from product_dashboard.product.serialize import audit_snapshot, item_fields
from product_dashboard.product.stored_variants import StoredVariants
from product_dashboard.product.write_rows import Creation, write_new
from product_dashboard.product.write_rules import (
    linked_values,
    merge_extra_columns,
    refresh_derived,
    weight_given,
)


async def get(session: AsyncSession, product_id: int) -> Product:
    product = await ProductRepository(session).get(product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    return product


async def _unique_handle(repo: ProductRepository, base: str, exclude_id: int | None) -> str:
    if not await repo.handle_taken(base, exclude_id=exclude_id):
        return base
    taken = await repo.handles_with_prefix(base + "-")
    suffix = 1
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def apply_tags(product: Product, tags: list[str]) -> None:
    """Set the product's tags in order, keeping the rows of tags it already had."""
    existing = {t.tag_key: t for t in product.tags}
    result = []
    for position, name in enumerate(normalize_tags(tags)):
        tag = existing.get(name.lower()) or ProductTag(tag_key=name.lower())
        assign(tag, "name", name)
        assign(tag, "position", position)
        result.append(tag)
    if result != list(product.tags):
        product.tags = result


def _apply_options(
    product: Product, options: list[NormalOption], given: list[OptionIn] | None
) -> None:
    existing = {o.name.lower(): o for o in product.options}
    # An option given without `linked_metafield` says nothing of its link (an import's rows,
    # a client that does not know links): the option of that name keeps its own.
    links = {
        o.name.strip().lower(): o.linked_metafield
        for o in given or []
        if "linked_metafield" in o.model_fields_set
    }
    result = []
    for position, normal in enumerate(options, start=1):
        option = existing.get(normal.name.lower()) or ProductOption()
        assign(option, "name", normal.name)
        assign(option, "position", position)
        assign(option, "values", list(normal.values))
        if given is not None:
            link = links.get(normal.name.lower(), _stored_link(option))
            assign(option, "linked_metafield_values", linked_values(option, link, normal.values))
            assign(option, "linked_metafield_namespace", link.namespace if link else None)
            assign(option, "linked_metafield_key", link.key if link else None)
        result.append(option)
    if result != list(product.options):
        product.options = result


def _stored_link(option: ProductOption) -> LinkedMetafield | None:
    if option.linked_metafield_namespace and option.linked_metafield_key:
        return LinkedMetafield(
            namespace=option.linked_metafield_namespace, key=option.linked_metafield_key
        )
    return None


def _apply_images(product: Product, images: list[ImageIn]) -> None:
    """The product's images in this order; one kept by src keeps its row and Shopify media id."""
    existing = {i.src: i for i in product.images}
    result = []
    for position, given in enumerate(normalize_images(images), start=1):
        image = existing.pop(given.src, None) or ProductImage(
            src=given.src, local_file=local_name_of(given.src)
        )
        image.position, image.alt = position, given.alt
        if given.shopify_media_id is not None:
            image.shopify_media_id = given.shopify_media_id
        result.append(image)
    product.images = result


def _by_id(variants: list[ProductVariant]) -> dict[int, ProductVariant]:
    """Stored variants by id, for `_owner`: made once per write, not a scan of the variants per
    metafield and variant (an update of 120 variants with metafields read ~120 x 26 x 120
    variant ids)."""
    return {v.id: v for v in variants if v.id is not None}


def _owner(metafield: ProductMetafield, by_id: dict[int, ProductVariant]) -> ProductVariant | None:
    """The variant a metafield belongs to (None: the product's), for stored and new rows alike
    (`by_id`: the variants it may belong to, from `_by_id`)."""
    if metafield.variant_id is not None:
        return by_id.get(metafield.variant_id)
    # A row made in this request: its variant is set on it, maybe not flushed yet.
    variant: ProductVariant | None = inspect(metafield).dict.get("variant")
    return variant


def _set_metafields(
    product: Product,
    variant: ProductVariant | None,
    given: list[MetafieldIn],
    by_id: dict[int, ProductVariant],
) -> None:
    """The metafields of the product (variant None) or of one variant become exactly `given`
    (`by_id`: the product's variants, from `_by_id`)."""
    mine = {(m.namespace, m.key): m for m in product.metafields if _owner(m, by_id) is variant}
    others = [m for m in product.metafields if _owner(m, by_id) is not variant]
    rows = []
    for item in {(m.namespace, m.key): m for m in given}.values():
        row = mine.get((item.namespace, item.key)) or ProductMetafield(
            namespace=item.namespace, key=item.key, variant=variant
        )
        row.type, row.value = item.type, item.value
        rows.append(row)
    _set_metafield_rows(product, [*others, *rows])


def _set_metafield_rows(product: Product, rows: list[ProductMetafield]) -> None:
    """The product's metafield rows become `rows`; the same rows in the same order are left
    as they are (replacing a collection costs its events even when nothing changes)."""
    if rows != list(product.metafields):
        product.metafields = rows


VARIANT_DETAILS = ("taxable", "tax_code", "requires_shipping", "fulfillment_service")
# A variant's columns given as they are stored (`_apply_variant_details`).
_DETAIL_COLUMNS = (
    *VARIANT_DETAILS,
    "inventory_tracked",
    "inventory_policy",
    "country_of_origin",
    "hs_code",
    "show_unit_price",
    "requires_components",
    "province_code_of_origin",
)


def _apply_variant_details(
    variant: ProductVariant,
    given: VariantIn,
    images: dict[str, ProductImage],
    index: int,
    errors: FieldErrors,
) -> None:
    """Tax, shipping and image as given; on a variant kept, a field not given keeps its value
    (a client that does not know these fields never clears them)."""
    new = variant.id is None
    for name in _DETAIL_COLUMNS:
        if new or name in given.model_fields_set:
            assign(variant, name, getattr(given, name))
    if new or "country_hs_codes" in given.model_fields_set:
        variant.country_hs_codes = hs_codes_in(given.country_hs_codes)
    if new or "cost" in given.model_fields_set:
        assign(variant, "cost_cents", to_cents(given.cost) if given.cost is not None else None)
    if new or "unit_price_measurement" in given.model_fields_set:
        measure = given.unit_price_measurement
        variant.unit_price_measurement = measure.to_measure() if measure is not None else None
    if weight_given(given, new):
        assign(variant, "weight_value", given.weight_value)
        unit = (given.weight_unit or WeightUnit.grams) if given.weight_value is not None else None
        assign(variant, "weight_unit", unit)
    if new or "image_src" in given.model_fields_set:
        image = images.get(given.image_src or "")
        if given.image_src is not None and image is None:
            errors.add(["variants", index, "image_src"], "must be the src of one of the images")
        if not _holds_image(variant, image):
            variant.image = image


def _holds_image(variant: ProductVariant, image: ProductImage | None) -> bool:
    """Whether `variant` already shows `image` (None: none), without loading its `image`: by
    the one set in this session, else by the stored `image_id` (a stored image's id)."""
    held = variant.__dict__.get("image", _NOT_SET)
    if held is not _NOT_SET:
        return held is image
    if variant.id is None or "image_id" not in variant.__dict__:
        return False
    if image is None:
        return variant.image_id is None
    return image.id is not None and image.id == variant.image_id


_NOT_SET = object()


def _apply_variants(product: Product, variants: list[NormalVariant], errors: FieldErrors) -> None:
    by_id = {v.id: v for v in product.variants}
    by_values = {tuple(v.option_values): v for v in product.variants}
    result = []
    images = {i.src: i for i in product.images}
    for index, normal in enumerate(variants):
        if normal.id is not None and normal.id not in by_id:
            errors.add(
                ["variants", index, "id"], f"variant {normal.id} is not part of this product"
            )
            continue
        variant = by_id.get(normal.id) if normal.id is not None else None
        variant = variant or by_values.pop(normal.option_values, None) or ProductVariant()
        by_values.pop(tuple(variant.option_values), None)
        assign(variant, "position", index + 1)
        assign(variant, "title", normal.title)
        assign(variant, "sku", normal.sku)
        assign(variant, "barcode", normal.barcode)
        assign(variant, "price_cents", normal.price_cents)
        assign(variant, "compare_at_price_cents", normal.compare_at_price_cents)
        assign(variant, "inventory_quantity", normal.inventory_quantity)
        variant.weight_grams = normal.weight_grams
        extra = merge_extra_columns(variant.extra_columns, normal.extra_columns)
        assign(variant, "extra_columns", extra)
        padded = [*normal.option_values, None, None, None]
        assign(variant, "option1", padded[0])
        assign(variant, "option2", padded[1])
        assign(variant, "option3", padded[2])
        _apply_variant_details(variant, normal.given, images, index, errors)
        result.append(variant)
    old_variants = list(product.variants)
    if result != old_variants:  # the same rows in the same order: no collection events
        product.variants = result
    # Metafields of variants no longer there go with them.
    kept = {id(v) for v in result}
    old_by_id = _by_id(old_variants)
    _set_metafield_rows(
        product,
        [
            m
            for m in product.metafields
            if (owner := _owner(m, old_by_id)) is None or id(owner) in kept
        ],
    )
    by_id = _by_id(result)
    for variant, normal in zip(result, variants, strict=False):
        if normal.given.metafields is not None:
            _set_metafields(product, variant, normal.given.metafields, by_id)


def variant_as_input(v: ProductVariant, image_srcs: Mapping[int, str]) -> VariantIn:
    """A stored variant as the input that would write it again unchanged (`image_srcs`: the
    product's image ids to their src)."""
    return VariantIn(
        id=v.id,
        sku=v.sku,
        barcode=v.barcode,
        price=from_cents(v.price_cents) or "0.00",
        compare_at_price=from_cents(v.compare_at_price_cents),
        inventory_quantity=v.inventory_quantity,
        weight_grams=v.weight_grams,
        option_values=v.option_values,
        taxable=v.taxable,
        tax_code=v.tax_code,
        requires_shipping=v.requires_shipping,
        fulfillment_service=v.fulfillment_service,
        image_src=image_srcs.get(v.image_id) if v.image_id is not None else None,
        extra_columns=v.extra_columns,
        **item_fields(v),
    )


def _variants_as_input(product: Product) -> list[VariantIn]:
    images = {i.id: i.src for i in product.images}
    return [variant_as_input(v, images) for v in product.variants]


# A kept variant's fields that a request may leave out: the stored value stays (the details,
# weight value and image already keep theirs in `_apply_variant_details`).
_KEPT_WHEN_LEFT_OUT = ("sku", "barcode", "price", "compare_at_price", "inventory_quantity")


def _stored_filled_in(given: list[VariantIn], product: Product) -> list[VariantIn]:
    """The variants given, each kept one (by id, else by its option values, as `_apply_variants`
    keeps them) with the stored values of the fields it leaves out: a variant sent without its
    SKU, price or stock is not one without them (its stock set to 0 would be pushed)."""
    kept = StoredVariants.of(product)
    result = []
    for variant in given:
        stored = kept.matching(variant.id, variant.option_values)
        left_out = [name for name in _KEPT_WHEN_LEFT_OUT if name not in variant.model_fields_set]
        if "weight_grams" not in variant.model_fields_set and not weight_given(variant, False):
            left_out.append("weight_grams")
        if stored is None or not left_out:
            result.append(variant)
            continue
        stored_in = variant_as_input(stored, kept.images)
        filled = variant.model_copy(update={name: getattr(stored_in, name) for name in left_out})
        result.append(filled)
    return result


def _options_as_input(product: Product) -> list[OptionIn]:
    return [
        OptionIn(
            name=o.name,
            values=o.values,
            linked_metafield=_stored_link(o),
        )
        for o in product.options
    ]


async def _apply(session: AsyncSession, product: Product, data: ProductFields) -> None:
    """Validate everything first, then write: a bad request changes nothing."""
    errors = FieldErrors()
    handle: str | None = None
    if data.handle is not None:
        handle = await checked_handle(
            session, data.handle, errors, exclude_id=product.id, held=product.handle
        )
    write_fields(product, data, errors)
    if handle is not None:
        product.handle = handle
    refresh_derived(product)


async def checked_handle(
    session: AsyncSession,
    handle: str,
    errors: FieldErrors,
    *,
    exclude_id: int | None,
    held: str | None = None,
    free: Collection[str] = (),
) -> str:
    """`handle` as stored, with an error in `errors` if it is not a handle or another product
    (deleted or not) holds it. Taken without a look-up: `held`, the handle product `exclude_id`
    holds (no other can: handles are unique), and those in `free`, which the caller found no
    product holding in this transaction (a chunk of an import, read at once)."""
    handle = check_handle(handle, errors)
    if (
        not errors.errors
        and handle != held
        and handle not in free
        and await ProductRepository(session).handle_taken(handle, exclude_id=exclude_id)
    ):
        errors.add(["handle"], f"'{handle}' is already used by another product")
    return handle


async def new_handle(
    session: AsyncSession, data: ProductCreate, errors: FieldErrors, *, free: Collection[str] = ()
) -> str:
    """The handle a new product gets: the one given (checked, as `checked_handle`), else a
    free one made of its title."""
    if data.handle is not None:
        return await checked_handle(session, data.handle, errors, exclude_id=None, free=free)
    base = handle_from_title(data.title.strip())
    return await _unique_handle(ProductRepository(session), base, None)


def write_fields(product: Product, data: ProductFields, errors: FieldErrors) -> None:
    """Validate `data` (with `errors` found so far), then write all of it but the handle and
    the derived columns; raises when anything is invalid, before any write."""
    fields = data.model_fields_set
    structure_changes = "options" in fields or "variants" in fields
    options_in: list[OptionIn] = (
        data.options if data.options is not None else _options_as_input(product)
    )
    variants_in: list[VariantIn] = (
        _stored_filled_in(data.variants, product)
        if data.variants is not None
        else _variants_as_input(product)
    )
    options: list[NormalOption] = []
    variants: list[NormalVariant] = []
    if structure_changes:
        options, variants = normalize_options_and_variants(options_in, variants_in, errors)
    errors.raise_if_any()

    title = getattr(data, "title", None)
    if title is not None:
        product.title = title.strip()
    if data.description_html is not None:
        # Kept exactly as written: it is sanitised where it is rendered, never in storage.
        product.description_html = data.description_html
    if data.vendor is not None:
        product.vendor = data.vendor.strip()
    if data.product_type is not None:
        product.product_type = data.product_type.strip()
    if "category" in fields:
        product.category_id = data.category.id if data.category else None
        product.category_name = data.category.name if data.category else None
    if data.status is not None:
        product.status = data.status
    if data.tags is not None:
        apply_tags(product, data.tags)
    for name in DETAIL_NAMES:
        if name in fields:
            setattr(product, name, getattr(data, name))
    if data.extra_columns is not None:
        product.extra_columns = merge_extra_columns(product.extra_columns, data.extra_columns)
    if data.images is not None:
        _apply_images(product, data.images)
    if structure_changes:
        _apply_options(product, options, data.options)
        _apply_variants(product, variants, errors)
        errors.raise_if_any()
    if data.metafields is not None:
        _set_metafields(product, None, data.metafields, _by_id(list(product.variants)))


async def create(
    session: AsyncSession, data: ProductCreate, actor: Actor, *, free: Collection[str] = ()
) -> int:
    """The new product's id; Unprocessable (the fields' errors) when `data` is not a valid
    product, with nothing written. `free`: as `checked_handle`'s."""
    errors = FieldErrors()
    handle = await new_handle(session, data, errors, free=free)
    (product_id,) = await write_new(session, [Creation.of(new_rows(data, handle, errors))], actor)
    return product_id


async def update(
    session: AsyncSession,
    product_id: int,
    data: ProductUpdate,
    actor: Actor,
    *,
    expected_version: int | None = None,
    loaded: Product | None = None,
    later: ProductWrites | None = None,
    quantity_unknown: Collection[Sequence[str]] = (),
) -> Product:
    """`loaded`: the product as the caller already holds it, with every relationship `get`
    loads, in this session (not read again); `later`: where its version's compare-and-set and
    its audit entry wait to be written with others' (`ProductWrites.write`);
    `quantity_unknown`: the option values of variants `data` makes whose quantity is not known
    (a pull's read that did not say it): they get no number at any location (unknown, not an
    intent of 0 the push would send over Shopify's)."""
    held = loaded is not None and loaded.id == product_id and loaded.deleted_at is None
    product = loaded if held and loaded is not None else await get(session, product_id)
    expected = data.version or expected_version
    if expected is not None and expected != product.version:
        raise _stale(product, expected)
    before = audit_snapshot(product)
    quantities = {v.id: v.inventory_quantity for v in product.variants}
    await _apply(session, product, data)
    after = audit_snapshot(product)
    if before == after:
        return product
    unknown = {tuple(values) for values in quantity_unknown}
    edited = [
        (variant, quantities.get(variant.id) if variant.id is not None else None)
        for variant in product.variants
        if (variant.id is None and tuple(variant.option_values) not in unknown)
        or (variant.id is not None and quantities.get(variant.id) != variant.inventory_quantity)
    ]
    levels: LevelChanges = {}
    if edited:
        await session.flush()  # new variants get their ids
        levels = await apply_local_edits(
            session, [QuantityEdit(v.id, before, v.inventory_quantity) for v, before in edited]
        )
    await bump_version(session, product, later)
    old, new = audit.changed_fields(before, after)
    if levels:  # the levels the quantities set, as the stock API's entry records them
        stock_before, stock_after = audited(levels)
        old, new = {**old, **stock_before}, {**new, **stock_after}
    entry = audit.entry(
        actor, entity_type="product", entity_id=product.id, action="update", before=old, after=new
    )
    if later is None:
        session.add(entry)
    else:
        later.audit.append(entry)
    return product


async def delete(
    session: AsyncSession, product_id: int, actor: Actor, *, expected_version: int | None = None
) -> None:
    """Remove a product; one that Shopify knows stays as a tombstone until the deletion syncs."""
    product = await get(session, product_id)
    if expected_version is not None and expected_version != product.version:
        raise _stale(product, expected_version)
    before = audit_snapshot(product)
    if product.shopify_product_id is None:
        await session.delete(product)
    else:
        await bump_version(session, product)
        product.deleted_at = utcnow()
        # Free the handle for a new product; the Shopify id is what the deletion needs.
        product.handle = f"{product.handle}--deleted-{product.id}"[:255]
    audit.record(
        session,
        actor,
        entity_type="product",
        entity_id=product_id,
        action="delete",
        before=before,
        after=None,
    )
    await session.flush()


async def bump_version(
    session: AsyncSession, product: Product, later: ProductWrites | None = None
) -> None:
    """Compare-and-set the version, so a concurrent writer's change is never silently lost;
    `later`: made with the others' there when it says (the product reads as bumped now)."""
    current = product.version
    if later is not None:
        later.versions.append((product, current))
        # Written from `current` by the compare-and-set (SQLite), or by the flush once the
        # compare-and-set says so (PostgreSQL; `ProductWrites.write`). The flush writes
        # `updated_at` once, with the product's other changes.
        set_committed_value(product, "version", current + 1)
        product.updated_at = utcnow()
        return
    result = await session.execute(
        sql_update(Product)
        .where(Product.id == product.id, Product.version == current)
        .values(version=current + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        now = await session.scalar(select(Product.version).where(Product.id == product.id))
        raise Conflict(
            f"Product {product.id} was changed by someone else meanwhile; reload it and retry.",
            extra={"current_version": now},  # as a stale version's 409 says it
        )
    product.version = current + 1


# `product` as the compare-and-set reads (PostgreSQL) or writes (SQLite) it: its version alone.
# Through the model the UPDATE would also set `updated_at` (its onupdate), which the flush then
# sets again: a second write of `ix_product_live_updated`.
_VERSIONS = table("product", column("id", Integer), column("version", Integer))


@dataclass(slots=True)
class ProductWrites:
    """What products changed together in one transaction write at once: one version
    compare-and-set for all (all bumped, or Conflict and none), one INSERT of their audit
    entries.

    On PostgreSQL the compare is a `SELECT … FOR UPDATE` of the rows still at the versions they
    were changed from, and the bumped version is written by the flush with the products' other
    changes: one new row version per product, not two (each non-HOT, so each an entry in every
    index of `product`). The row locks held to the commit make that a compare-and-set."""

    versions: list[tuple[Product, int]] = field(default_factory=list)
    """(product, the version it was changed from)."""
    audit: list[AuditEvent] = field(default_factory=list)

    async def write(self, session: AsyncSession) -> None:
        pending = [(product.id, version) for product, version in self.versions]
        products = [product for product, _ in self.versions]
        self.versions = []
        entries, self.audit = self.audit, []
        await audit.insert_entries(session, entries)
        if not pending:
            return
        # The ids alone as well: SQLite finds rows by a row-value list only by scanning the
        # table, by the ids through the primary key.
        current = (
            _VERSIONS.c.id.in_([product_id for product_id, _ in pending]),
            tuple_(_VERSIONS.c.id, _VERSIONS.c.version).in_(pending),
        )
        if session.get_bind().dialect.name == "postgresql":
            held = await session.execute(select(_VERSIONS.c.id).where(*current).with_for_update())
            matched = len(held.all())
            for product in products:
                flag_modified(product, "version")  # bumped already; written by the flush
        else:
            result = await session.execute(
                sql_update(_VERSIONS).where(*current).values(version=_VERSIONS.c.version + 1)
            )
            matched = getattr(result, "rowcount", 0)
        if matched != len(pending):
            raise Conflict(
                "Some of products "
                + ", ".join(str(product_id) for product_id, _ in pending)
                + " were changed by someone else meanwhile; reload them and retry.",
            )


def _stale(product: Product, expected: int) -> Conflict:
    return Conflict(
        f"Product {product.id} is at version {product.version}, not {expected}: "
        "it was changed since you loaded it. Reload it and apply your edit again.",
        extra={"current_version": product.version},
    )
