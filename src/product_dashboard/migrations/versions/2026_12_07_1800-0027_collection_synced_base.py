"""collection synced base: what Shopify held at a collection's last sync

Revision ID: 0027_collection_synced_base
Revises: 0026_updated_index_holds_the_id
Create Date: 2026-12-07 18:00:00

A push sent every field of a collection and made Shopify's members the local ones, so what the
merchant changed in the store since the last sync was overwritten. The base recorded here lets a
push send only what changed locally. Null (rows synced before this): the push works as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_collection_synced_base"
down_revision: str | None = "0026_updated_index_holds_the_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection") as batch:
        batch.add_column(sa.Column("synced_base", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collection") as batch:
        batch.drop_column("synced_base")
