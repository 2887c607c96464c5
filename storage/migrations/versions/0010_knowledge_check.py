"""knowledge checks of tracks: baseline and endline per learner (track_check), the check an
ask belongs to; the confidence given with an answer, and its daily aggregate (confidence_day)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'track_check',
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('track', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('questions', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('skipped', sa.Boolean(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('right', sa.Integer(), nullable=False),
        sa.Column('results', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id', 'track', 'phase'))
    op.create_index('ix_track_check_track', 'track_check', ['track', 'phase', 'finished_at'],
                    unique=False)
    with op.batch_alter_table('ask') as batch:
        batch.add_column(sa.Column('check_phase', sqlmodel.sql.sqltypes.AutoString(length=4),
                                   nullable=True))
        batch.add_column(sa.Column('check_track', sqlmodel.sql.sqltypes.AutoString(length=200),
                                   nullable=True))
    with op.batch_alter_table('answer') as batch:
        batch.add_column(sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(length=1),
                                   nullable=True))
    op.create_table(
        'confidence_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('right', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'platform', 'lesson_id', 'question_key', 'confidence'))
    op.create_index('ix_confidence_day_question', 'confidence_day',
                    ['lesson_id', 'question_key', 'confidence', 'day', 'platform', 'answers',
                     'right'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_confidence_day_question', table_name='confidence_day')
    op.drop_table('confidence_day')
    with op.batch_alter_table('answer') as batch:
        batch.drop_column('confidence')
    with op.batch_alter_table('ask') as batch:
        batch.drop_column('check_track')
        batch.drop_column('check_phase')
    op.drop_index('ix_track_check_track', table_name='track_check')
    op.drop_table('track_check')
