"""the lessons a learner's last unanswered question was offered ("did you mean"), to be picked
by their number (learner.suggested)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.add_column(sa.Column('suggested', sqlmodel.sql.sqltypes.AutoString(length=2000),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.drop_column('suggested')
