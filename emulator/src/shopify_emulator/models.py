"""The emulated store's records: plain dataclasses, ids as ints, money as Decimal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from shopify_emulator.gid import make_gid


@dataclass
class Location:
    """A place stock is kept. Exactly one ships inventory (2026-10: `shipsInventory` tells the
    fallback location; `isPrimary` is deprecated): the primary, where a quantity given for the
    whole variant lands."""

    id: int
    name: str
    created_at: datetime
    ships_inventory: bool = False
    fulfills_online_orders: bool = True
    is_active: bool = True
    graphql_type = "Location"

    @property
    def gid(self) -> str:
        return make_gid("Location", self.id)


@dataclass
class Metafield:
    id: int
    namespace: str
    key: str
    type: str
    value: str
    created_at: datetime
    updated_at: datetime
    graphql_type = "Metafield"

    @property
    def gid(self) -> str:
        return make_gid("Metafield", self.id)


@dataclass
class MetafieldDefinition:
    """What a namespace.key of an owner type (PRODUCT, PRODUCTVARIANT) holds."""

    id: int
    owner_type: str
    namespace: str
    key: str
    name: str
    type: str
    description: str | None = None
    # MetafieldDefinitionValidation: {"name": …, "value": …}
    validations: list[dict[str, str]] = field(default_factory=list)
    pinned_position: int | None = None
    graphql_type = "MetafieldDefinition"

    @property
    def gid(self) -> str:
        return make_gid("MetafieldDefinition", self.id)


@dataclass
class OptionValue:
    id: int
    name: str
    # A linked option's value: the metaobject it is (its gid); the name is the metaobject's.
    linked_value: str | None = None
    graphql_type = "ProductOptionValue"

    @property
    def gid(self) -> str:
        return make_gid("ProductOptionValue", self.id)


@dataclass
class ProductOption:
    id: int
    name: str
    position: int
    values: list[OptionValue] = field(default_factory=list)
    # A metafield-linked option (e.g. shopify.color-pattern); None for a plain option.
    linked_namespace: str | None = None
    linked_key: str | None = None
    graphql_type = "ProductOption"

    @property
    def gid(self) -> str:
        return make_gid("ProductOption", self.id)


@dataclass
class Media:
    id: int
    url: str
    alt: str | None
    created_at: datetime
    updated_at: datetime
    image_id: int = 0
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    # The `originalSource` it was made from when that differs from `url` (a staged upload's
    # resourceUrl): a variant's `file` naming the same source links this media.
    source_url: str | None = None
    graphql_type = "MediaImage"

    @property
    def gid(self) -> str:
        return make_gid("MediaImage", self.id)


@dataclass
class Variant:
    id: int
    product_id: int
    inventory_item_id: int
    title: str
    option_values: list[str]
    price: Decimal
    created_at: datetime
    updated_at: datetime
    position: int = 1
    sku: str | None = None
    barcode: str | None = None
    compare_at_price: Decimal | None = None
    inventory_quantity: int = 0
    """Available units summed over the locations stocking the item (Shopify's inventoryQuantity);
    the primary location holds what `other_levels` does not."""
    inventory_policy: str = "DENY"
    taxable: bool = True
    tax_code: str | None = None
    weight: float | None = None
    weight_unit: str = "KILOGRAMS"
    requires_shipping: bool = True
    tracked: bool = True
    unit_cost: Decimal | None = None
    country_code_of_origin: str | None = None
    harmonized_system_code: str | None = None
    # UnitPriceMeasurement (catalog/unit_price.py): all four set, or none.
    unit_price_quantity_value: float | None = None
    unit_price_quantity_unit: str | None = None
    unit_price_reference_value: int | None = None
    unit_price_reference_unit: str | None = None
    show_unit_price: bool = False
    requires_components: bool = False
    province_code_of_origin: str | None = None
    # InventoryItem.countryHarmonizedSystemCodes: country code -> that country's HS code.
    country_hs_codes: dict[str, str] = field(default_factory=dict)
    metafields: list[Metafield] = field(default_factory=list)
    # Ids of the product's media shown for this variant (ProductVariantSetInput.file).
    media_ids: list[int] = field(default_factory=list)
    other_levels: dict[int, int] = field(default_factory=dict)
    """Available units at each location other than the primary that stocks the item."""
    graphql_type = "ProductVariant"

    @property
    def gid(self) -> str:
        return make_gid("ProductVariant", self.id)


@dataclass
class Product:
    id: int
    title: str
    handle: str
    created_at: datetime
    updated_at: datetime
    description_html: str = ""
    vendor: str = ""
    product_type: str = ""
    status: str = "ACTIVE"
    tags: list[str] = field(default_factory=list)
    template_suffix: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    category_id: str | None = None
    published_at: datetime | None = None
    gift_card: bool = False
    gift_card_template_suffix: str | None = None
    requires_selling_plan: bool = False
    # CombinedListingsRole (PARENT / CHILD), None when in no combined listing.
    combined_listing_role: str | None = None
    options: list[ProductOption] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    metafields: list[Metafield] = field(default_factory=list)
    graphql_type = "Product"

    @property
    def gid(self) -> str:
        return make_gid("Product", self.id)

    @property
    def total_inventory(self) -> int:
        return sum(v.inventory_quantity for v in self.variants)


@dataclass
class CollectionRule:
    column: str
    relation: str
    condition: str
    # A VARIANT_WEIGHT condition given with a unit (2026-10 sources); None: kilograms.
    weight_unit: str | None = None


@dataclass
class RuleSet:
    applied_disjunctively: bool
    rules: list[CollectionRule] = field(default_factory=list)


@dataclass
class Collection:
    id: int
    title: str
    handle: str
    created_at: datetime
    updated_at: datetime
    description_html: str = ""
    sort_order: str = "BEST_SELLING"
    template_suffix: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    rule_set: RuleSet | None = None
    # Members of a manual collection, in collection order; unused for smart collections.
    product_ids: list[int] = field(default_factory=list)
    metafields: list[Metafield] = field(default_factory=list)
    graphql_type = "Collection"

    @property
    def gid(self) -> str:
        return make_gid("Collection", self.id)

    @property
    def is_smart(self) -> bool:
        return self.rule_set is not None


@dataclass(frozen=True)
class UrlRedirect:
    """A redirect from `path` to `target` (catalog/redirects.py)."""

    id: int
    path: str
    target: str
    graphql_type = "UrlRedirect"

    @property
    def gid(self) -> str:
        return make_gid("UrlRedirect", self.id)


@dataclass
class UserError:
    """A userErrors entry; `code` is omitted for types without one (UserError)."""

    field: list[str] | None
    message: str
    code: str | None = None
