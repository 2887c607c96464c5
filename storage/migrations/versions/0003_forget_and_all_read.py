"""forget confirmation, forgotten accounts, all-read told once

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forget_asked_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('all_read_told', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table('forgotten',
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('forgotten_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'digest')
    )


def downgrade() -> None:
    op.drop_table('forgotten')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('all_read_told')
        batch_op.drop_column('forget_asked_at')
