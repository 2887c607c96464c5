"""a learner's first and last action of each UTC day: activity_day.first_at and last_at, filled
from the answers and the reads kept

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BATCH = 500
"""Learners filled per statement: a year of 500 learners' actions is about 300,000 rows to
group, not the whole history at once."""


def upgrade() -> None:
    op.add_column('activity_day', sa.Column('first_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                            nullable=True))
    op.add_column('activity_day', sa.Column('last_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                            nullable=True))
    bind = op.get_bind()
    day_table = sa.table('activity_day', sa.column('day', sa.Date()),
                         sa.column('learner_id', sa.Integer()),
                         sa.column('first_at', sa.DateTime(timezone=True)),
                         sa.column('last_at', sa.DateTime(timezone=True)))
    answer = sa.table('answer', sa.column('learner_id', sa.Integer()),
                      sa.column('answered_at', sa.DateTime(timezone=True)))
    progress = sa.table('lesson_progress', sa.column('learner_id', sa.Integer()),
                        sa.column('read_at', sa.DateTime(timezone=True)))
    highest = bind.execute(sa.select(sa.func.max(day_table.c.learner_id))).scalar()
    for low in range(0, int(highest or 0) + 1, BATCH):
        high = low + BATCH
        actions = sa.union_all(
            sa.select(answer.c.learner_id, answer.c.answered_at.label('at')).where(
                answer.c.learner_id >= low, answer.c.learner_id < high),
            sa.select(progress.c.learner_id, progress.c.read_at.label('at')).where(
                progress.c.learner_id >= low, progress.c.learner_id < high,
                progress.c.read_at.is_not(None))).subquery()
        # The UTC day as activity_day keeps it: SQLite's text 'YYYY-MM-DD', PostgreSQL's date
        # (of the time in UTC, whatever the session's zone).
        day = (sa.func.date(actions.c.at) if bind.dialect.name == 'sqlite'
               else sa.cast(sa.func.timezone('UTC', actions.c.at), sa.Date()))
        spans = (sa.select(actions.c.learner_id, day.label('day'),
                           sa.func.min(actions.c.at).label('first_at'),
                           sa.func.max(actions.c.at).label('last_at'))
                 .group_by(actions.c.learner_id, day).subquery())
        bind.execute(day_table.update()
                     .where(day_table.c.learner_id == spans.c.learner_id,
                            day_table.c.day == spans.c.day)
                     .values(first_at=spans.c.first_at, last_at=spans.c.last_at))


def downgrade() -> None:
    with op.batch_alter_table('activity_day') as batch:
        batch.drop_column('last_at')
        batch.drop_column('first_at')
