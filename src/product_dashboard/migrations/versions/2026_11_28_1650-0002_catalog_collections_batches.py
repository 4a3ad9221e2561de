"""catalog: collections, product batches (with undo data), legacy batches

Revision ID: 0002_catalog
Revises: 25fddc86fde6
Create Date: 2026-11-28 16:35:45.034628
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_catalog"
down_revision: str | None = "25fddc86fde6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("handle", sa.String(length=255), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("collection_type", sa.String(length=16), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("disjunctive", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.String(length=32), nullable=False),
        sa.Column("auto_key", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.Column("shopify_collection_id", sa.String(length=64), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection")),
        sa.UniqueConstraint("auto_key", name=op.f("uq_collection_auto_key")),
        sa.UniqueConstraint("handle", name=op.f("uq_collection_handle")),
        sa.UniqueConstraint(
            "shopify_collection_id", name=op.f("uq_collection_shopify_collection_id")
        ),
    )
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collection_collection_type"), ["collection_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_collection_deleted_at"), ["deleted_at"], unique=False)

    op.create_table(
        "legacy_batch",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("total_items", sa.Integer(), nullable=False),
        sa.Column("processed_items", sa.Integer(), nullable=False),
        sa.Column("failed_items", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_batch")),
    )
    with op.batch_alter_table("legacy_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legacy_batch_state"), ["state"], unique=False)

    op.create_table(
        "product_batch",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("undo_job_id", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_batch")),
    )
    with op.batch_alter_table("product_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_batch_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_batch_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_batch_state"), ["state"], unique=False)

    op.create_table(
        "collection_product",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collection.id"],
            name=op.f("fk_collection_product_collection_id_collection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_collection_product_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "product_id", name=op.f("pk_collection_product")),
    )
    with op.batch_alter_table("collection_product", schema=None) as batch_op:
        batch_op.create_index(
            "ix_collection_product_order", ["collection_id", "position"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_collection_product_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "legacy_batch_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["legacy_batch.id"],
            name=op.f("fk_legacy_batch_item_batch_id_legacy_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_batch_item")),
    )
    with op.batch_alter_table("legacy_batch_item", schema=None) as batch_op:
        batch_op.create_index("ix_legacy_batch_item_order", ["batch_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_legacy_batch_item_state"), ["state"], unique=False)

    op.create_table(
        "product_batch_item",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.Column("old_status", sa.String(length=16), nullable=True),
        sa.Column("old_category_id", sa.String(length=255), nullable=True),
        sa.Column("old_category_name", sa.String(length=512), nullable=True),
        sa.Column("old_handle", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["product_batch.id"],
            name=op.f("fk_product_batch_item_batch_id_product_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "product_id", name=op.f("pk_product_batch_item")),
    )
    op.create_table(
        "product_batch_variant",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("old_price_cents", sa.Integer(), nullable=False),
        sa.Column("old_compare_at_price_cents", sa.Integer(), nullable=True),
        sa.Column("new_price_cents", sa.Integer(), nullable=False),
        sa.Column("new_compare_at_price_cents", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["product_batch.id"],
            name=op.f("fk_product_batch_variant_batch_id_product_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "variant_id", name=op.f("pk_product_batch_variant")),
    )


def downgrade() -> None:
    op.drop_table("product_batch_variant")
    op.drop_table("product_batch_item")
    with op.batch_alter_table("legacy_batch_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_batch_item_state"))
        batch_op.drop_index("ix_legacy_batch_item_order")

    op.drop_table("legacy_batch_item")
    with op.batch_alter_table("collection_product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_product_product_id"))
        batch_op.drop_index("ix_collection_product_order")

    op.drop_table("collection_product")
    with op.batch_alter_table("product_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_batch_state"))
        batch_op.drop_index(batch_op.f("ix_product_batch_kind"))
        batch_op.drop_index(batch_op.f("ix_product_batch_created_at"))

    op.drop_table("product_batch")
    with op.batch_alter_table("legacy_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_batch_state"))

    op.drop_table("legacy_batch")
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_collection_collection_type"))

    op.drop_table("collection")
