"""the words a learner's last looked-up lesson answered (learner.last_query), so that "not
what I asked" can pass them on to trainers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.add_column(sa.Column('last_query', sqlmodel.sql.sqltypes.AutoString(length=500),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner') as batch:
        batch.drop_column('last_query')
