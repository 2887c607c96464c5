"""platform events already handled, so that one sent again is handled once by any replica:
inbound_event

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_event',
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'event_id'),
    )
    op.create_index('ix_inbound_event_handled_at', 'inbound_event', ['handled_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbound_event_handled_at', table_name='inbound_event')
    op.drop_table('inbound_event')
