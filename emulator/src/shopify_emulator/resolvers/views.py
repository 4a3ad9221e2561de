"""Small read-only shapes the schema exposes that are not stored records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shopify_emulator.gid import make_gid
from shopify_emulator.models import Location, Media, OptionValue, ProductOption, Variant


@dataclass
class Count:
    count: int
    precision: str = "EXACT"


@dataclass
class MoneyV2:
    amount: Decimal
    currency_code: str = "USD"


@dataclass
class PriceRange:
    min_variant_price: MoneyV2
    max_variant_price: MoneyV2


@dataclass
class Seo:
    title: str | None
    description: str | None


@dataclass
class Weight:
    unit: str
    value: float


@dataclass
class OptionValueView:
    value: OptionValue
    has_variants: bool
    graphql_type = "ProductOptionValue"

    @property
    def gid(self) -> str:
        return self.value.gid

    @property
    def name(self) -> str:
        return self.value.name

    @property
    def linked_metafield_value(self) -> str | None:
        return self.value.linked_value


@dataclass
class OptionView:
    option: ProductOption
    used: set[str]
    graphql_type = "ProductOption"

    @property
    def gid(self) -> str:
        return self.option.gid


@dataclass
class SelectedOption:
    name: str
    value: str
    option_value: OptionValueView


@dataclass
class InventoryItemView:
    variant: Variant
    graphql_type = "InventoryItem"

    @property
    def gid(self) -> str:
        return make_gid("InventoryItem", self.variant.inventory_item_id)


@dataclass
class MeasurementView:
    variant: Variant
    graphql_type = "InventoryItemMeasurement"

    @property
    def gid(self) -> str:
        return make_gid("InventoryItemMeasurement", self.variant.inventory_item_id)


@dataclass
class ImageView:
    media: Media

    @property
    def gid(self) -> str:
        return make_gid("ProductImage", self.media.image_id)


@dataclass
class ShopPlan:
    display_name: str
    public_display_name: str
    partner_development: bool
    shopify_plus: bool


@dataclass
class ShopView:
    id: int
    name: str
    myshopify_domain: str
    plan: ShopPlan
    created_at: datetime
    updated_at: datetime
    email: str
    currency_code: str
    weight_unit: str
    iana_timezone: str
    url: str
    description: str | None = None
    graphql_type = "Shop"

    @property
    def contact_email(self) -> str:
        return self.email

    @property
    def gid(self) -> str:
        return make_gid("Shop", self.id)


@dataclass
class LocationView:
    """A location of the shop, unchanged since it was created."""

    id: int
    name: str
    created_at: datetime
    is_active: bool = True
    is_primary: bool = True
    fulfills_online_orders: bool = True
    ships_inventory: bool = True
    graphql_type = "Location"

    @classmethod
    def of(cls, location: Location) -> LocationView:
        return cls(
            location.id,
            location.name,
            location.created_at,
            is_active=location.is_active,
            is_primary=location.ships_inventory,
            fulfills_online_orders=location.fulfills_online_orders,
            ships_inventory=location.ships_inventory,
        )

    @property
    def updated_at(self) -> datetime:
        return self.created_at

    @property
    def gid(self) -> str:
        return make_gid("Location", self.id)


def option_value_views(option: ProductOption, used: set[str]) -> list[OptionValueView]:
    return [OptionValueView(v, v.name in used) for v in option.values]
