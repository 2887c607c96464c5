"""the trainer dashboard: card stability and last review as columns, sign-in links, secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_lesson',
                                      sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('last_lookup',
                                      sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('looked_up_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    op.execute("UPDATE lesson_progress SET looked_up_at = delivered_at "
               "WHERE via IN ('lookup', 'added')")
    op.execute("UPDATE lesson_progress SET added_at = delivered_at WHERE via = 'added'")
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stability', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    # Copy each reviewed card's stability and last review out of its FSRS state.
    card = sa.table('card', sa.column('learner_id', sa.Integer()),
                    sa.column('lesson_id', sa.String()), sa.column('question_key', sa.String()),
                    sa.column('state', sa.String()), sa.column('stability', sa.Float()),
                    sa.column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(card.c.learner_id, card.c.lesson_id,
                                        card.c.question_key, card.c.state)
                              .where(card.c.state != '')).all()
    for learner_id, lesson_id, question_key, state in rows:
        memory = json.loads(state)
        if memory.get('stability') is None or memory.get('last_review') is None:
            continue
        connection.execute(card.update().where(
            card.c.learner_id == learner_id, card.c.lesson_id == lesson_id,
            card.c.question_key == question_key).values(
            stability=float(memory['stability']),
            reviewed_at=datetime.fromisoformat(memory['last_review'])))
    op.create_table('dashboard_link',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('trainer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('lookup_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lookup_miss_asked_at'), 'lookup_miss', ['asked_at'], unique=False)
    op.create_index(op.f('ix_lookup_miss_learner_id'), 'lookup_miss', ['learner_id'],
                    unique=False)
    op.create_table('recall_snapshot',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recall', sa.Float(), nullable=False),
    sa.Column('cards', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'name')
    )
    op.create_table('secret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('secret')
    op.drop_table('recall_snapshot')
    op.drop_index(op.f('ix_lookup_miss_learner_id'), table_name='lookup_miss')
    op.drop_index(op.f('ix_lookup_miss_asked_at'), table_name='lookup_miss')
    op.drop_table('lookup_miss')
    op.drop_table('dashboard_link')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('stability')
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('added_at')
        batch_op.drop_column('looked_up_at')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('last_lookup')
        batch_op.drop_column('last_lesson')
