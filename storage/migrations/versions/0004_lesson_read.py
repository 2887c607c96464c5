"""a lesson delivered is not a lesson read: lesson_progress.read_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    # Until now every lesson received counted as read (its points and streak day were given
    # on delivery): those stay read, but for one still waiting in the outbox (it may never
    # arrive) and for a lookup (from now on only a lesson is read). A lesson found by a question had its questions added to
    # the reviews, which is what 'added' means from now on.
    op.execute("UPDATE lesson_progress SET read_at = delivered_at WHERE via = 'lesson' AND NOT "
               "EXISTS (SELECT 1 FROM delivery WHERE delivery.learner_id = "
               "lesson_progress.learner_id AND delivery.lesson_id = lesson_progress.lesson_id "
               "AND delivery.status IN ('pending', 'claimed'))")
    op.execute("UPDATE lesson_progress SET via = 'added' WHERE via = 'lookup' AND EXISTS "
               "(SELECT 1 FROM card WHERE card.learner_id = lesson_progress.learner_id "
               "AND card.lesson_id = lesson_progress.lesson_id)")


def downgrade() -> None:
    op.execute("UPDATE lesson_progress SET via = 'lookup' WHERE via = 'added'")
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('read_at')
