"""the choices of a question as the learner was shown them (an answer's numbers refer to
them, whatever order the lesson's file has now): ask.shown

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.add_column(sa.Column('shown', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.drop_column('shown')
