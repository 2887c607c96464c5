"""a learner's id is never given to another after a `forget`: on SQLite, the learner table
with AUTOINCREMENT (PostgreSQL's sequence never gave one back)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    # Copied into a new table: the ids kept, and from now on SQLite never hands out an id
    # at or below the highest it gave (one forgotten before this upgrade may still come
    # back once).
    with op.batch_alter_table('learner', recreate='always',
                              table_kwargs={'sqlite_autoincrement': True}):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('learner', recreate='always',
                              table_kwargs={'sqlite_autoincrement': False}):
        pass
