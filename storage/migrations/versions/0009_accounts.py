"""one learner on several platforms: linked accounts and one-time link codes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('learner_account',
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('platform_user_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('linked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform', 'platform_user_id')
    )
    op.create_index(op.f('ix_learner_account_learner_id'), 'learner_account', ['learner_id'],
                    unique=False)
    op.create_table('link_code',
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code_hash')
    )
    op.create_index(op.f('ix_link_code_learner_id'), 'link_code', ['learner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_link_code_learner_id'), table_name='link_code')
    op.drop_table('link_code')
    op.drop_index(op.f('ix_learner_account_learner_id'), table_name='learner_account')
    op.drop_table('learner_account')
