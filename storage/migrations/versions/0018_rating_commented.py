"""when a learner's words joined their rating of a lesson (the xAPI relay makes a statement
of the words when they come, after the rating's own): lesson_rating.commented_at

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lesson_rating') as batch:
        batch.add_column(sa.Column('commented_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                     nullable=True))
        batch.create_index('ix_lesson_rating_commented_at', ['commented_at'])
    # Words given before: their time is taken as the rating's (the closest known), so a
    # replay makes their statement too (the rating's own no longer carries them).
    op.execute("UPDATE lesson_rating SET commented_at = rated_at WHERE comment <> ''")


def downgrade() -> None:
    with op.batch_alter_table('lesson_rating') as batch:
        batch.drop_index('ix_lesson_rating_commented_at')
        batch.drop_column('commented_at')
