"""user sessions revoked at: tokens issued at or before it are refused

Revision ID: 0007_user_sessions_revoked_at
Revises: 0006_product_facets_index
Create Date: 2026-12-06 05:30:00

A password reset, a disabled account or "revoke sessions" ends every token the user holds at once,
without listing them: a token is accepted only when it was issued after this instant.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_user_sessions_revoked_at"
down_revision: str | None = "0006_product_facets_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "sessions_revoked_at"


def upgrade() -> None:
    op.add_column("user", sa.Column(COLUMN, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column(COLUMN)
