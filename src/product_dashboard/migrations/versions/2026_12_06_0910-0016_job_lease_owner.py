"""job lease owner: the process holding a running job (host/pid/start time)

Revision ID: 0016_job_lease_owner
Revises: 0015_import_extras
Create Date: 2026-12-06 09:10:00

A restarted dashboard takes back at once the jobs of its own killed process, instead of waiting
for their heartbeat to go stale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_job_lease_owner"
down_revision: str | None = "0015_import_extras"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("job", sa.Column("lease_owner", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("lease_owner")
