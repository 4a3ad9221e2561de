"""inventory: locations, inventory item fields per variant, quantities per location

Revision ID: 0008_inventory
Revises: 0007_user_sessions_revoked_at
Create Date: 2026-12-06 08:00:00

Today's single `inventory_quantity` becomes the variant's quantity at the primary location (a
placeholder row until the store's locations are pulled; the variant column stays as the
denormalised total). What Shopify last reported is not known for migrated rows, so
`shopify_available` starts NULL: the first push re-reads it before a compare-and-set write.
`weight_grams` becomes `weight_value` + `weight_unit` (GRAMS), so a weight keeps its own unit and
fraction from now on; the downgrade rounds it back into whole grams.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_inventory"
down_revision: str | None = "0007_user_sessions_revoked_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACEHOLDER_PRIMARY_NAME = "Primary location"
GRAMS_PER_UNIT = {
    "GRAMS": "1",
    "KILOGRAMS": "1000",
    "OUNCES": "28.349523125",
    "POUNDS": "453.59237",
}


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        )
        for name in ("created_at", "updated_at")
    ]


def upgrade() -> None:
    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shopify_location_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("fulfills_online_orders", sa.Boolean(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("shopify_location_id", name=op.f("uq_location_shopify_location_id")),
    )
    op.create_table(
        "inventory_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("on_hand", sa.Integer(), nullable=True),
        sa.Column("shopify_available", sa.Integer(), nullable=True),
        sa.Column("shopify_seen_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_inventory_level_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variant.id"],
            name=op.f("fk_inventory_level_variant_id_product_variant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_level")),
        sa.UniqueConstraint(
            "variant_id", "location_id", name=op.f("uq_inventory_level_variant_id_location_id")
        ),
    )
    op.create_index(
        op.f("ix_inventory_level_location_id"), "inventory_level", ["location_id"], unique=False
    )

    with op.batch_alter_table("product_variant") as batch:
        batch.add_column(sa.Column("shopify_inventory_item_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("inventory_tracked", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("inventory_policy", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cost_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("country_of_origin", sa.String(2), nullable=True))
        batch.add_column(sa.Column("hs_code", sa.String(16), nullable=True))
        batch.add_column(sa.Column("weight_value", sa.Numeric(18, 9), nullable=True))
        batch.add_column(sa.Column("weight_unit", sa.String(16), nullable=True))

    op.execute(
        "UPDATE product_variant SET weight_value = weight_grams, weight_unit = 'GRAMS' "
        "WHERE weight_grams IS NOT NULL"
    )
    with op.batch_alter_table("product_variant") as batch:
        batch.drop_column("weight_grams")

    # A placeholder primary location holds the migrated quantities, when there are any.
    location = sa.table(
        "location",
        sa.column("name", sa.String),
        sa.column("is_primary", sa.Boolean),
        sa.column("is_active", sa.Boolean),
    )
    variant = sa.table("product_variant", sa.column("id", sa.Integer))
    op.execute(
        sa.insert(location).from_select(
            ["name", "is_primary", "is_active"],
            sa.select(sa.literal(PLACEHOLDER_PRIMARY_NAME), sa.true(), sa.true()).where(
                sa.exists(sa.select(variant.c.id))
            ),
        )
    )
    op.execute(
        "INSERT INTO inventory_level (variant_id, location_id, available) "
        "SELECT v.id, (SELECT min(id) FROM location), v.inventory_quantity FROM product_variant v"
    )


def downgrade() -> None:
    with op.batch_alter_table("product_variant") as batch:
        batch.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
    factor = " ".join(f"WHEN '{unit}' THEN {grams}" for unit, grams in GRAMS_PER_UNIT.items())
    op.execute(
        f"UPDATE product_variant SET weight_grams = "
        f"CAST(ROUND(weight_value * CASE weight_unit {factor} ELSE 1 END) AS INTEGER) "
        "WHERE weight_value IS NOT NULL"
    )
    # The variant's single quantity becomes the total over its locations again.
    op.execute(
        "UPDATE product_variant SET inventory_quantity = COALESCE((SELECT sum(l.available) "
        "FROM inventory_level l WHERE l.variant_id = product_variant.id), inventory_quantity)"
    )
    with op.batch_alter_table("product_variant") as batch:
        for column in (
            "weight_unit",
            "weight_value",
            "hs_code",
            "country_of_origin",
            "cost_cents",
            "inventory_policy",
            "inventory_tracked",
            "shopify_inventory_item_id",
        ):
            batch.drop_column(column)
    op.drop_index(op.f("ix_inventory_level_location_id"), table_name="inventory_level")
    op.drop_table("inventory_level")
    op.drop_table("location")
