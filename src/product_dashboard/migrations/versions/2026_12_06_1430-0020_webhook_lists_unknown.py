"""webhook-created lists unknown: products a webhook created alone no longer claim the store's lists

Revision ID: 0020_webhook_lists_unknown
Revises: 0019_caseless_list_indexes
Create Date: 2026-12-06 14:30:00

Until now a product created here from a single products/create webhook kept "media and
metafields known in full", though a webhook's body carries no metafields: its next push would
have given productSet an empty metafield list, which replaces the store's. Those products (their
create recorded in the audit trail with the webhook as source) are marked "not known in full"
for media and metafields, so a push leaves the store's lists alone until a pull has read them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_webhook_lists_unknown"
down_revision: str | None = "0019_caseless_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE product SET media_complete = false, metafields_complete = false "
        "WHERE CAST(id AS VARCHAR(64)) IN (SELECT entity_id FROM audit_event "
        "WHERE entity_type = 'product' AND action = 'create' AND source = 'webhook')"
    )


def downgrade() -> None:
    """Nothing to undo: "not known in full" only holds a push back until the next pull."""
