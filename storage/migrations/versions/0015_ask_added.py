"""the first question of a quiz on a topic that put its lesson's questions into the reviews
("not what I asked" takes them back): ask.added

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.add_column(sa.Column('added', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('ask') as batch:
        batch.drop_column('added')
