"""whole product: SEO, template, gift card, publication, option links, variant fields, media,
metafields and their definitions

Revision ID: 0009_whole_product
Revises: 0008_inventory
Create Date: 2026-12-06 08:00:00

Every new field Shopify may not have told us about is nullable: NULL is "not known". Products
already linked to Shopify were pulled without their media and metafields, so those lists are marked
as not read in full (a push must not replace the store's lists with what little is here).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_whole_product"
down_revision: str | None = "0008_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRODUCT_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("seo_title", sa.Text(), nullable=True),
    sa.Column("seo_description", sa.Text(), nullable=True),
    sa.Column("template_suffix", sa.String(length=255), nullable=True),
    sa.Column("gift_card", sa.Boolean(), nullable=True),
    sa.Column("published_online_store", sa.Boolean(), nullable=True),
    sa.Column("media_complete", sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column("metafields_complete", sa.Boolean(), server_default=sa.true(), nullable=False),
)
OPTION_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("linked_metafield_namespace", sa.String(length=255), nullable=True),
    sa.Column("linked_metafield_key", sa.String(length=255), nullable=True),
)
VARIANT_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("taxable", sa.Boolean(), nullable=True),
    sa.Column("tax_code", sa.String(length=64), nullable=True),
    sa.Column("requires_shipping", sa.Boolean(), nullable=True),
    sa.Column("fulfillment_service", sa.String(length=255), nullable=True),
)
IMAGE_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("media_content_type", sa.String(length=32), nullable=True),
    sa.Column("media_status", sa.String(length=32), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("product") as batch:
        for column in PRODUCT_COLUMNS:
            batch.add_column(column)
    op.execute(
        "UPDATE product SET media_complete = false, metafields_complete = false "
        "WHERE shopify_product_id IS NOT NULL"
    )
    with op.batch_alter_table("product_option") as batch:
        for column in OPTION_COLUMNS:
            batch.add_column(column)
    with op.batch_alter_table("product_image") as batch:
        for column in IMAGE_COLUMNS:
            batch.add_column(column)
    with op.batch_alter_table("product_variant") as batch:
        for column in VARIANT_COLUMNS:
            batch.add_column(column)
        batch.add_column(sa.Column("image_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_product_variant_image_id_product_image",
            "product_image",
            ["image_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_product_variant_image_id", ["image_id"])

    op.create_table(
        "product_metafield",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("shopify_metafield_id", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name="fk_product_metafield_product_id_product",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variant.id"],
            name="fk_product_metafield_variant_id_product_variant",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_product_metafield"),
    )
    op.create_index("ix_product_metafield_product_id", "product_metafield", ["product_id"])
    op.create_index(
        "ix_product_metafield_lookup", "product_metafield", ["namespace", "key", "product_id"]
    )
    product_level = sa.text("variant_id IS NULL")
    variant_level = sa.text("variant_id IS NOT NULL")
    op.create_index(
        "uq_product_metafield_product_key",
        "product_metafield",
        ["product_id", "namespace", "key"],
        unique=True,
        sqlite_where=product_level,
        postgresql_where=product_level,
    )
    op.create_index(
        "uq_product_metafield_variant_key",
        "product_metafield",
        ["variant_id", "namespace", "key"],
        unique=True,
        sqlite_where=variant_level,
        postgresql_where=variant_level,
    )

    op.create_table(
        "metafield_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=32), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("shopify_definition_id", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_metafield_definition"),
        sa.UniqueConstraint(
            "owner_type",
            "namespace",
            "key",
            name="uq_metafield_definition_owner_type_namespace_key",
        ),
        sa.UniqueConstraint(
            "shopify_definition_id", name="uq_metafield_definition_shopify_definition_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("metafield_definition")
    op.drop_table("product_metafield")
    with op.batch_alter_table("product_variant") as batch:
        batch.drop_index("ix_product_variant_image_id")
        batch.drop_constraint("fk_product_variant_image_id_product_image", type_="foreignkey")
        batch.drop_column("image_id")
        for column in reversed(VARIANT_COLUMNS):
            batch.drop_column(column.name)
    with op.batch_alter_table("product_image") as batch:
        for column in reversed(IMAGE_COLUMNS):
            batch.drop_column(column.name)
    with op.batch_alter_table("product_option") as batch:
        for column in reversed(OPTION_COLUMNS):
            batch.drop_column(column.name)
    with op.batch_alter_table("product") as batch:
        for column in reversed(PRODUCT_COLUMNS):
            batch.drop_column(column.name)
