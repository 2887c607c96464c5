"""a question asked in a quiz on a topic the learner named ("quiz me on passwords"):
ask.topic

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.add_column(sa.Column('topic', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.drop_column('topic')
