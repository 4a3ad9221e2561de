"""Inventory: the store's locations and each variant's quantities per location.

What Shopify has not told us stays unknown (NULL), never 0: a quantity the dashboard did not read
must not be written back as a zero. `shopify_available` is the quantity we last saw in Shopify at
that location, the `changeFromQuantity` of our next compare-and-set write.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.weights import GRAMS_PER_UNIT as GRAMS_PER_UNIT
from product_dashboard.kit.weights import WeightUnit as WeightUnit
from product_dashboard.kit.weights import whole_grams as whole_grams
from product_dashboard.models.base import TimestampedModel

PLACEHOLDER_PRIMARY_NAME = "Primary location"


class InventoryPolicy(StrEnum):
    """Shopify's `ProductVariantInventoryPolicy`: sell when out of stock or not."""

    deny = "DENY"
    continue_ = "CONTINUE"


class Location(TimestampedModel):
    """A Shopify location. The row without `shopify_location_id` is the placeholder primary
    location that holds the quantities migrated from before locations were known; it takes the
    store's primary location's id when the locations are first pulled."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    shopify_location_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    fulfills_online_orders: Mapped[bool | None] = mapped_column(Boolean)


class InventoryLevel(TimestampedModel):
    """One variant's quantities at one location."""

    __tablename__ = "inventory_level"
    __table_args__ = (
        UniqueConstraint("variant_id", "location_id"),
        # The few levels a push sent and has not recorded yet (`inventory.push`), found at each
        # push's start without reading every level.
        Index(
            "ix_inventory_level_in_flight",
            "push_key",
            sqlite_where=text("push_key IS NOT NULL"),
            postgresql_where=text("push_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variant.id", ondelete="CASCADE"), nullable=False
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The merchant's intent: what should be available here (NULL: not known, leave Shopify's).
    available: Mapped[int | None] = mapped_column(Integer)
    on_hand: Mapped[int | None] = mapped_column(Integer)
    # What Shopify last reported here, and when: the compare-and-set base of the next write.
    shopify_available: Mapped[int | None] = mapped_column(Integer)
    shopify_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A write sent to Shopify and not recorded yet: its request's idempotency key, the number
    # sent and the base it was sent from. A push that died before recording it left these; the
    # next push resends that request with its key to learn whether Shopify applied it.
    push_key: Mapped[str | None] = mapped_column(String(64))
    push_sent: Mapped[int | None] = mapped_column(Integer)
    push_from: Mapped[int | None] = mapped_column(Integer)
