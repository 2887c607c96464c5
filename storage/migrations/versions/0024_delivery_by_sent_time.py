"""deliveries by the time they were sent: ix_delivery_sent

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every `microlearn run` asks for the latest send (is this database ahead of the clock, as
    # a simulated run leaves it?): without an index that read the whole outbox at each start.
    op.create_index('ix_delivery_sent', 'delivery', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_delivery_sent', table_name='delivery')
