"""held level event index: find the level events held as `not_linked` without a scan

Revision ID: 0023_held_level_event_index
Revises: 0022_variant_item_index
Create Date: 2026-12-07 04:00:00

Every transaction that links inventory items (a pull chunk with new products, a
`products/create`) looks for the level events held for them: it read every retained
`inventory_levels/update` event (~35 ms per 100k). A partial index holds only the held ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_held_level_event_index"
down_revision: str | None = "0022_variant_item_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_webhook_event_held"
HELD = sa.text("outcome = 'not_linked'")


def upgrade() -> None:
    op.create_index(
        INDEX, "webhook_event", ["topic", "received_at"], sqlite_where=HELD, postgresql_where=HELD
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="webhook_event")
