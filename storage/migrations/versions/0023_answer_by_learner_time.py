"""answers by learner and time: ix_answer_learner_id becomes ix_answer_learner_time

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The learners page asks every learner's last answer: one seek each by (learner, time).
    # It replaces the learner-only index (which its first column still serves), so an answer
    # writes no more index entries than before.
    op.create_index('ix_answer_learner_time', 'answer', ['learner_id', 'answered_at'],
                    unique=False)
    op.drop_index('ix_answer_learner_id', table_name='answer')


def downgrade() -> None:
    op.create_index('ix_answer_learner_id', 'answer', ['learner_id'], unique=False)
    op.drop_index('ix_answer_learner_time', table_name='answer')
