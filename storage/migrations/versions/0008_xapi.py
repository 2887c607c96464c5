"""xAPI: statements for a learning record store, with an outbox and a cursor of their own

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_statement',
    sa.Column('statement_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('event_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id')
    )
    op.create_index('ix_xapi_due', 'xapi_statement', ['status', 'due_at'], unique=False)
    op.create_index(op.f('ix_xapi_statement_event_at'), 'xapi_statement', ['event_at'],
                    unique=False)
    op.create_index(op.f('ix_xapi_statement_learner_id'), 'xapi_statement', ['learner_id'],
                    unique=False)
    op.create_table('xapi_cursor',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('xapi_cursor')
    op.drop_index(op.f('ix_xapi_statement_learner_id'), table_name='xapi_statement')
    op.drop_index(op.f('ix_xapi_statement_event_at'), table_name='xapi_statement')
    op.drop_index('ix_xapi_due', table_name='xapi_statement')
    op.drop_table('xapi_statement')
