"""when the words of a learner's last looked-up lesson were answered (learner.last_query_at):
"not what I asked" is honoured only for a recent answer

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.add_column(sa.Column('last_query_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.drop_column('last_query_at')
