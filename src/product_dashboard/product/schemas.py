"""Request and response shapes of the product API. Money is a decimal string, as Shopify has it."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from product_dashboard.kit.hs_codes import CountryHsCodes, hs_codes_problem
from product_dashboard.kit.money import MAX_PRICE_CENTS, to_cents
from product_dashboard.kit.unit_price import UnitPriceMeasure, UnitPriceUnit, measure_problem
from product_dashboard.models.inventory import InventoryPolicy, WeightUnit

ProductStatusLiteral = Literal["active", "draft", "archived"]
SyncStateLiteral = Literal["never_synced", "pending", "synced", "error", "conflict"]

MAX_OPTIONS = 3
TAXONOMY_ID = re.compile(r"^gid://shopify/TaxonomyCategory/[A-Za-z0-9_-]+$")
MAX_VARIANTS = 2048
MAX_TAGS = 250
MAX_IMAGES = 250
MAX_LINKED_VALUES = 2048
MAX_METAFIELDS = 250


def _money(value: Any) -> str:
    if type(value) is str:
        return _money_of_text(value)  # prices repeat across a catalog: each read once
    return _money_of(value)


def _money_of(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError('must be a decimal amount such as "19.99"')
    cents = to_cents(value)
    if cents < 0:
        raise ValueError("must not be negative")
    if cents > MAX_PRICE_CENTS:
        raise ValueError("is too large")
    return f"{cents // 100}.{cents % 100:02d}"


_money_of_text = functools.lru_cache(maxsize=8192)(_money_of)  # an error is not kept: raised anew


Money = Annotated[
    str,
    BeforeValidator(_money),
    Field(examples=["19.99"], description="Decimal amount with at most 2 decimals"),
]
ShortText = Annotated[str, Field(max_length=255)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Name = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_not_blank)]
"""A title, option name or option value: stored without its edge spaces, so spaces alone would
be an empty one (which Shopify refuses)."""
MAX_EXTRA_COLUMNS = 200
ExtraColumns = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=255)],
        Annotated[str, Field(max_length=65_536)],
    ],
    Field(
        max_length=MAX_EXTRA_COLUMNS,
        description="Shopify CSV columns the catalog does not model (column → cell), kept from "
        "an import and exported again. On update the given columns are merged in; a column given "
        "as an empty string is removed.",
    ),
]


def _holds_nul(value: Any) -> bool:
    """Whether a string anywhere in `value` (dict values, list items, nested) holds a NUL."""
    try:
        # orjson writes every string of these (and more: keys, tuples) with a NUL as \u0000,
        # in C: without that text there is none; with it, the walk below says where it counts.
        if b"\\u0000" not in orjson.dumps(value, default=_left_out):
            return False
    except TypeError:  # orjson.JSONEncodeError: a value it does not write (the walk reads it)
        pass
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _left_out(value: Any) -> None:
    """What orjson writes of a value it does not know (the walk does not look inside it)."""
    return None


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None, max_length=255, examples=["gid://shopify/TaxonomyCategory/aa-1-13-8"]
    )
    name: str = Field(
        min_length=1,
        max_length=512,
        examples=["Apparel & Accessories > Clothing > Clothing Tops > T-Shirts"],
    )

    @field_validator("id")
    @classmethod
    def _taxonomy_gid(cls, value: str | None) -> str | None:
        if value is not None and not TAXONOMY_ID.match(value):
            raise ValueError("must be a Shopify taxonomy id: gid://shopify/TaxonomyCategory/…")
        return value


class LinkedMetafield(BaseModel):
    """The metafield an option takes its values from (e.g. shopify.color-pattern)."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(min_length=1, max_length=255)
    key: str = Field(min_length=1, max_length=255)
    values: dict[str, str] | None = Field(
        default=None,
        max_length=MAX_LINKED_VALUES,
        description="Each option value's metaobject in Shopify (gid), as pulled; omitted keeps "
        "those known for the same metafield.",
    )


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    values: list[Name] = Field(
        default_factory=list,
        description="Allowed values in display order; derived from the variants when omitted.",
    )
    linked_metafield: LinkedMetafield | None = None


class MetafieldIn(BaseModel):
    """A metafield as Shopify holds it: namespace.key, its type, and the value as a string."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(min_length=1, max_length=255, examples=["custom"])
    key: str = Field(min_length=1, max_length=255, examples=["material"])
    type: str = Field(min_length=1, max_length=255, examples=["single_line_text_field"])
    value: str = Field(max_length=512_000)


class UnitPriceMeasurement(BaseModel):
    """Shopify's unit price measurement: `quantity_value quantity_unit` (what the variant holds,
    750 ML) priced per `reference_value reference_unit` (100 ML); both units must measure the
    same thing."""

    model_config = ConfigDict(extra="forbid")

    quantity_value: Decimal = Field(gt=0, le=Decimal("1e9"), examples=["750"])
    quantity_unit: UnitPriceUnit = Field(examples=["ML"])
    reference_value: int = Field(ge=1, le=1_000_000, examples=[100])
    reference_unit: UnitPriceUnit = Field(examples=["ML"])

    @model_validator(mode="after")
    def _one_measured_type(self) -> UnitPriceMeasurement:
        problem = measure_problem(
            self.quantity_value, self.quantity_unit, self.reference_value, self.reference_unit
        )
        if problem is not None:
            raise ValueError(problem)
        return self

    def to_measure(self) -> UnitPriceMeasure:
        return UnitPriceMeasure(
            self.quantity_value,
            self.quantity_unit.value,
            self.reference_value,
            self.reference_unit.value,
        )


def _measure_from_text(value: Any) -> Any:
    """A measurement may be given as the text the product page and conflicts show it in
    ("750 ML / 100 ML")."""
    if not isinstance(value, str):
        return value
    try:
        return UnitPriceMeasure.parse(value.strip().upper()).to_api()
    except ValueError:
        raise ValueError(
            "write a unit price measurement as quantity, unit, '/', reference, unit: "
            "750 ML / 100 ML"
        ) from None


class CountryHsCode(BaseModel):
    """One country's harmonized system code for the item (Shopify's CountryHarmonizedSystemCode)."""

    model_config = ConfigDict(extra="forbid")

    country_code: str = Field(pattern=r"^[A-Z]{2}$", examples=["CA"])
    harmonized_system_code: str = Field(min_length=6, max_length=20, examples=["1509.20.2000"])


def hs_codes_in(codes: list[CountryHsCode] | None) -> CountryHsCodes | None:
    if codes is None:
        return None
    return CountryHsCodes.of((c.country_code, c.harmonized_system_code) for c in codes)


class VariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, description="Keep an existing variant (on update).")
    sku: str | None = Field(default=None, max_length=255)
    barcode: str | None = Field(default=None, max_length=255)
    price: Money = "0.00"
    compare_at_price: Money | None = None
    inventory_quantity: int = Field(default=0, ge=-1_000_000_000, le=1_000_000_000)
    weight_grams: int | None = Field(default=None, ge=0, le=10_000_000)
    option_values: list[Name] = Field(default_factory=list, max_length=MAX_OPTIONS)
    # None: not known (Shopify has not told us, nobody set it here).
    taxable: bool | None = None
    tax_code: str | None = Field(default=None, max_length=64)
    requires_shipping: bool | None = None
    fulfillment_service: str | None = Field(default=None, max_length=255)
    image_src: str | None = Field(
        default=None, max_length=2048, description="The product image shown for this variant."
    )
    metafields: list[MetafieldIn] | None = Field(default=None, max_length=MAX_METAFIELDS)
    extra_columns: ExtraColumns | None = None
    # The inventory item (#15 item 1); on a variant kept, a field not given keeps its value.
    inventory_tracked: bool | None = None
    inventory_policy: InventoryPolicy | None = None
    cost: Money | None = Field(default=None, description="Cost per item.")
    country_of_origin: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code."
    )
    hs_code: str | None = Field(default=None, max_length=16, description="Harmonized System code.")
    weight_value: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("1e9"),
        description="Weight exactly as given in weight_unit (8 OUNCES stays 8 OUNCES).",
    )
    weight_unit: WeightUnit | None = None
    unit_price_measurement: Annotated[
        UnitPriceMeasurement | None, BeforeValidator(_measure_from_text)
    ] = Field(
        default=None,
        description="Unit pricing: an object, or its text (750 ML / 100 ML). Null: none here "
        "(a push leaves Shopify's as it is).",
    )
    show_unit_price: bool | None = Field(
        default=None, description="Whether the shop shows the unit price (Shopify's showUnitPrice)."
    )
    requires_components: bool | None = Field(
        default=None, description="Sold only as a bundle of its components."
    )
    province_code_of_origin: str | None = Field(
        default=None,
        pattern=r"^([A-Z0-9]{1,3})?$",
        description='ISO 3166-2 province code of origin, without the country (QC, ON); "" '
        "none (a push clears Shopify's); null: not known here (a push leaves Shopify's as it is).",
    )
    country_hs_codes: list[CountryHsCode] | None = Field(
        default=None,
        max_length=250,
        description="The whole list of per-country HS codes ([] none); null: not known here "
        "(a push leaves Shopify's list as it is).",
    )

    @field_validator("country_hs_codes")
    @classmethod
    def _one_code_per_country(cls, codes: list[CountryHsCode] | None) -> list[CountryHsCode] | None:
        if codes is not None:
            problem = hs_codes_problem((c.country_code, c.harmonized_system_code) for c in codes)
            if problem is not None:
                raise ValueError(problem)
        return codes


class ImageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    src: str = Field(min_length=1, max_length=2048)
    alt: str | None = Field(default=None, max_length=512)
    shopify_media_id: str | None = Field(
        default=None,
        max_length=64,
        description="Shopify's media id, as read; an image kept by src keeps its id anyway.",
    )

    @field_validator("src")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://", "/")):
            raise ValueError("must be an http(s) URL or a path on this server")
        return value


_SUFFIX = (
    'The theme template a {} page uses; "" none (the default: a push clears Shopify\'s); '
    "null: not known here (a push leaves Shopify's as it is)."
)


_SEO = (
    'The page {0} search engines show; "" none (Shopify shows the product\'s own {0}: a push '
    "clears Shopify's); null: not known here (a push leaves Shopify's as it is)."
)


class ProductFields(BaseModel):
    """Fields shared by create and update; on update every field is optional."""

    model_config = ConfigDict(extra="forbid")

    description_html: str | None = Field(default=None, max_length=512_000)
    vendor: ShortText | None = None
    product_type: ShortText | None = None
    category: CategoryIn | None = None
    tags: list[Annotated[str, Field(min_length=1, max_length=255)]] | None = Field(
        default=None, max_length=MAX_TAGS
    )
    status: ProductStatusLiteral | None = None
    handle: str | None = Field(default=None, max_length=255)
    options: list[OptionIn] | None = Field(default=None, max_length=MAX_OPTIONS)
    variants: list[VariantIn] | None = Field(default=None, max_length=MAX_VARIANTS)
    images: list[ImageIn] | None = Field(default=None, max_length=MAX_IMAGES)
    seo_title: str | None = Field(default=None, max_length=5_000, description=_SEO.format("title"))
    seo_description: str | None = Field(
        default=None, max_length=50_000, description=_SEO.format("description")
    )
    template_suffix: str | None = Field(
        default=None,
        max_length=255,
        description=_SUFFIX.format("product"),
    )
    gift_card: bool | None = None
    published_online_store: bool | None = None
    gift_card_template_suffix: str | None = Field(
        default=None,
        max_length=255,
        description=_SUFFIX.format("gift card"),
    )
    requires_selling_plan: bool | None = Field(
        default=None, description="Sold only with a selling plan (subscription)."
    )
    combined_listing_role: Literal["PARENT", "CHILD"] | None = Field(
        default=None,
        description="Read from Shopify (its combined listing mutations set it): never pushed.",
    )
    metafields: list[MetafieldIn] | None = Field(default=None, max_length=MAX_METAFIELDS)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # Neither database stores a NUL character (the description is no longer rewritten on
        # the way in, which used to drop them): refused, never silently altered.
        if _holds_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data

    extra_columns: ExtraColumns | None = None

    @field_validator("tags")
    @classmethod
    def _no_commas(cls, tags: list[str] | None) -> list[str] | None:
        if tags is not None and any("," in tag for tag in tags):
            raise ValueError("a tag cannot contain a comma")
        return tags


class ProductCreate(ProductFields):
    title: Name


class ProductUpdate(ProductFields):
    title: Name | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version you edited; a stale one gets 409."
    )


class OptionRead(BaseModel):
    name: str
    position: int
    values: list[str]
    linked_metafield: LinkedMetafield | None = None


class MetafieldRead(MetafieldIn):
    shopify_metafield_id: str | None


class VariantRead(BaseModel):
    id: int
    position: int
    title: str
    sku: str | None
    barcode: str | None
    price: str
    compare_at_price: str | None
    inventory_quantity: int
    weight_grams: int | None
    option_values: list[str]
    shopify_variant_id: str | None
    taxable: bool | None = None
    tax_code: str | None = None
    requires_shipping: bool | None = None
    fulfillment_service: str | None = None
    image_src: str | None = None
    metafields: list[MetafieldRead] = Field(default_factory=list)
    extra_columns: dict[str, str] = Field(default_factory=dict)
    inventory_tracked: bool | None = None
    inventory_policy: str | None = None
    cost: str | None = None
    country_of_origin: str | None = None
    hs_code: str | None = None
    weight_value: str | None = None
    weight_unit: str | None = None
    unit_price_measurement: UnitPriceMeasurement | None = None
    show_unit_price: bool | None = None
    requires_components: bool | None = None
    province_code_of_origin: str | None = None
    country_hs_codes: list[CountryHsCode] | None = None


class ImageRead(BaseModel):
    id: int
    position: int
    src: str
    alt: str | None
    shopify_media_id: str | None = None
    media_content_type: str | None = None
    local: bool = Field(
        default=False,
        description="Uploaded here: `src` is the authenticated route serving the file.",
    )


class CategoryRead(BaseModel):
    id: str | None
    name: str


class SyncInfo(BaseModel):
    state: SyncStateLiteral
    shopify_product_id: str | None
    synced_version: int | None
    synced_at: datetime | None
    error: str | None


class ProductSummary(BaseModel):
    id: int
    title: str
    handle: str
    vendor: str
    product_type: str
    status: ProductStatusLiteral
    tags: list[str]
    price_min: str | None
    price_max: str | None
    total_inventory: int
    variants_count: int
    icon_url: str | None
    version: int
    sync_state: SyncStateLiteral
    created_at: datetime
    updated_at: datetime


class ProductRead(ProductSummary):
    description_html: str
    category: CategoryRead | None
    options: list[OptionRead]
    variants: list[VariantRead]
    images: list[ImageRead]
    seo_title: str | None = None
    seo_description: str | None = None
    template_suffix: str | None = None
    gift_card: bool | None = None
    published_online_store: bool | None = None
    gift_card_template_suffix: str | None = None
    requires_selling_plan: bool | None = None
    combined_listing_role: str | None = None
    metafields: list[MetafieldRead] = Field(default_factory=list)
    media_complete: bool = Field(
        default=True, description="Whether every media of the product in Shopify is known here."
    )
    metafields_complete: bool = True
    variant_metafields_complete: bool = Field(
        default=True,
        description="Whether every variant's metafields in Shopify are known here (a push sends "
        "a variant's metafields only then, or for a variant Shopify does not hold yet).",
    )
    extra_columns: dict[str, str] = Field(default_factory=dict)
    sync: SyncInfo
    synced_snapshot: dict[str, Any] | None = Field(
        description="The product as last pushed to or pulled from Shopify (base for conflicts)."
    )


class Suggestion(BaseModel):
    value: str
    count: int = Field(description="Live products with this value")
    id: int | None = Field(default=None, description="The collection's id (filter collection_id)")


class AuditEventRead(BaseModel):
    id: int
    at: datetime
    actor_email: str | None
    source: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    batch_id: str | None
