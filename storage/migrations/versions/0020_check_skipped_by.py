"""who ended a knowledge check without a score: the learner (`skip check`) or the lesson push
that set a baseline aside: track_check.skipped_by

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('track_check') as batch:
        batch.add_column(sa.Column('skipped_by', sqlmodel.sql.sqltypes.AutoString(length=10),
                                   nullable=True))
    # An endline without a score was only ever skipped by its learner (a push sets only a
    # baseline aside), so those are known; a baseline skipped before stays NULL: nothing kept
    # says which it was, and the dashboard still says "skipped or set aside" of it.
    check = sa.table('track_check', sa.column('phase', sa.String()),
                     sa.column('skipped', sa.Boolean()), sa.column('skipped_by', sa.String()))
    op.execute(check.update().where(check.c.skipped, check.c.phase == 'post')
               .values(skipped_by='learner'))


def downgrade() -> None:
    with op.batch_alter_table('track_check') as batch:
        batch.drop_column('skipped_by')
