"""a holiday with an end date: learner.paused_until

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every learner on holiday before: their holiday lasts until `resume`, as then.
    with op.batch_alter_table('learner') as batch:
        batch.add_column(sa.Column('paused_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.drop_column('paused_until')
