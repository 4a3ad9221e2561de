"""A new product as plain rows, not ORM objects: for creating many at once (sync.pull.create_set).

Building a product as ORM objects costs an instrumented attribute set per column (about a hundred
per pulled product, most of a full pull's time). These rows (`create_rows.new_rows` makes them)
name their fields as the models' columns, so the functions reading a product just made (its audit
snapshot, its local side in `conflict.shapes`, the notes of what Shopify told) read these too.
A row's `id` stays None until the row is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from product_dashboard.kit.hs_codes import HsCodesText
from product_dashboard.kit.json_column import JsonText
from product_dashboard.kit.unit_price import UnitPriceMeasure, set_unit_price, unit_price_of
from product_dashboard.models import ProductMetafield, ProductVariant
from product_dashboard.models.inventory import whole_grams


@dataclass(eq=False)
class NewImage:
    position: int
    src: str
    alt: str | None
    local_file: str | None
    shopify_media_id: str | None
    media_content_type: str | None = None
    media_status: str | None = None
    product_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class NewVariant:
    position: int
    title: str
    sku: str | None
    barcode: str | None
    price_cents: int
    compare_at_price_cents: int | None
    inventory_quantity: int
    option1: str | None
    option2: str | None
    option3: str | None
    weight_value: Decimal | None = None
    weight_unit: str | None = None
    taxable: bool | None = None
    tax_code: str | None = None
    requires_shipping: bool | None = None
    fulfillment_service: str | None = None
    inventory_tracked: bool | None = None
    inventory_policy: str | None = None
    cost_cents: int | None = None
    country_of_origin: str | None = None
    hs_code: str | None = None
    unit_price_quantity_value: Decimal | None = None
    unit_price_quantity_unit: str | None = None
    unit_price_reference_value: int | None = None
    unit_price_reference_unit: str | None = None
    show_unit_price: bool | None = None
    requires_components: bool | None = None
    province_code_of_origin: str | None = None
    country_hs_codes_text: str | None = None
    country_hs_codes = HsCodesText()  # not annotated: no dataclass field, a view of the above
    shopify_inventory_item_id: str | None = None
    shopify_variant_id: str | None = None
    extra_columns: dict[str, str] | None = None
    image: NewImage | None = None
    image_id: int | None = None
    product_id: int | None = None
    id: int | None = None

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]

    @property
    def weight_grams(self) -> int | None:
        return whole_grams(self.weight_value, self.weight_unit)

    @property
    def unit_price_measurement(self) -> UnitPriceMeasure | None:
        return unit_price_of(self)

    @unit_price_measurement.setter
    def unit_price_measurement(self, measure: UnitPriceMeasure | None) -> None:
        set_unit_price(self, measure)


@dataclass(eq=False)
class NewOption:
    position: int
    name: str
    values: list[str]
    linked_metafield_namespace: str | None
    linked_metafield_key: str | None
    linked_metafield_values: dict[str, str] | None
    product_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class NewTag:
    position: int
    name: str
    tag_key: str
    product_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class NewMetafield:
    namespace: str
    key: str
    type: str
    value: str
    variant: NewVariant | None
    """The variant it belongs to (None: the product's own); `variant_id` once that is written."""
    shopify_metafield_id: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class NewProduct:
    title: str
    handle: str
    status: str
    description_html: str = ""
    vendor: str = ""
    product_type: str = ""
    category_id: str | None = None
    category_name: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    template_suffix: str | None = None
    gift_card: bool | None = None
    published_online_store: bool | None = None
    gift_card_template_suffix: str | None = None
    requires_selling_plan: bool | None = None
    combined_listing_role: str | None = None
    media_complete: bool = True
    metafields_complete: bool = True
    variant_metafields_complete: bool = True
    icon_path: str | None = None
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    total_inventory: int = 0
    search_text: str = ""
    version: int = 1
    synced_version: int | None = None
    synced_hash: str | None = None
    synced_snapshot: dict[str, Any] | JsonText | None = None
    """Its text as it is when `conflict.apply.record_base` made it (`JsonText`)."""
    synced_at: Any = None
    sync_error: str | None = None
    open_conflicts: int = 0
    shopify_product_id: str | None = None
    shopify_updated_at: Any = None
    extra_columns: dict[str, str] | None = None
    deleted_at: Any = None
    images: list[NewImage] = field(default_factory=list)
    variants: list[NewVariant] = field(default_factory=list)
    options: list[NewOption] = field(default_factory=list)
    tags: list[NewTag] = field(default_factory=list)
    metafields: list[NewMetafield] = field(default_factory=list)
    id: int | None = None


def pending_owner(metafield: ProductMetafield | NewMetafield) -> ProductVariant | NewVariant | None:
    """The variant a metafield not written yet was given (its `variant_id` is not known)."""
    if isinstance(metafield, NewMetafield):
        return metafield.variant
    owner: ProductVariant | None = metafield.__dict__.get("variant")  # set, never loaded
    return owner


def pending_image_src(variant: ProductVariant | NewVariant) -> str | None:
    """The src of the image a variant not written yet was given (its `image_id` is not known)."""
    image = variant.image if isinstance(variant, NewVariant) else variant.__dict__.get("image")
    return image.src if image is not None else None
