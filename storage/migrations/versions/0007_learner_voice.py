"""the learner's voice: lesson ratings with comments, reflections, the reply awaited

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lesson_rating',
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('useful', sa.Boolean(), nullable=False),
        sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('rated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id', 'lesson_id'))
    op.create_index('ix_lesson_rating_rated_at', 'lesson_rating', ['rated_at'], unique=False)
    op.create_table(
        'reflection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('prompt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('written_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_reflection_learner_id', 'reflection', ['learner_id'], unique=False)
    op.create_index('ix_reflection_written_at', 'reflection', ['written_at'], unique=False)
    op.create_table(
        'awaited_reply',
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('prompt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id'))


def downgrade() -> None:
    op.drop_table('awaited_reply')
    op.drop_index('ix_reflection_written_at', table_name='reflection')
    op.drop_index('ix_reflection_learner_id', table_name='reflection')
    op.drop_table('reflection')
    op.drop_index('ix_lesson_rating_rated_at', table_name='lesson_rating')
    op.drop_table('lesson_rating')
