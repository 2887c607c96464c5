"""the trainer dashboard: card stability and last review as columns, sign-in links, secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import json
from datetime import date, datetime

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
        batch_op.add_column(sa.Column('last_action_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('looked_up_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    op.execute("UPDATE lesson_progress SET looked_up_at = delivered_at "
               "WHERE via IN ('lookup', 'added')")
    op.execute("UPDATE lesson_progress SET added_at = delivered_at WHERE via = 'added'")
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('latest', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # Each learner's first and latest answer to each question, for the dashboard's facility
    # and latest accuracy (kept up to date as answers come from now on).
    op.execute("UPDATE answer SET first = true WHERE id IN (SELECT min(id) FROM answer "
               "GROUP BY learner_id, lesson_id, question_key)")
    op.execute("UPDATE answer SET latest = true WHERE id IN (SELECT max(id) FROM answer "
               "GROUP BY learner_id, lesson_id, question_key)")
    op.create_index('ix_answer_time', 'answer', ['answered_at'], unique=False)
    op.create_index('ix_answer_question', 'answer', ['lesson_id', 'question_key'], unique=False)
    op.create_index('ix_answer_first', 'answer', ['answered_at', 'learner_id', 'lesson_id',
                                                  'question_key', 'correct'], unique=False,
                    sqlite_where=sa.text('first = 1'), postgresql_where=sa.text('first = true'))
    op.create_index('ix_progress_delivered', 'lesson_progress', ['delivered_at'], unique=False)
    op.create_index('ix_progress_read', 'lesson_progress', ['read_at'], unique=False)
    op.create_index('ix_ask_time', 'ask', ['asked_at'], unique=False)
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
    op.create_table('dashboard_session',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('trainer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
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
    op.create_table('activity_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'learner_id'),
    sqlite_with_rowid=False
    )
    op.create_index('ix_activity_day', 'activity_day', ['day', 'platform'], unique=False)
    op.create_table('platform_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'platform')
    )
    op.create_table('question_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.Column('firsts', sa.Integer(), nullable=False),
    sa.Column('first_right', sa.Integer(), nullable=False),
    sa.Column('latest', sa.Integer(), nullable=False),
    sa.Column('latest_right', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'platform', 'lesson_id', 'question_key')
    )
    op.create_table('choice_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('lesson_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('choice', sa.Integer(), nullable=False),
    sa.Column('picked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'platform', 'lesson_id', 'question_key', 'choice')
    )
    _backfill_rollups(connection)
    op.create_table('secret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    return datetime.fromisoformat(str(value)).date()


def _backfill_rollups(connection: sa.Connection) -> None:
    """The daily aggregates of what is already recorded (later kept as things happen)."""
    learner = sa.table('learner', sa.column('id', sa.Integer()),
                       sa.column('platform', sa.String()),
                       sa.column('last_action_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    answer = sa.table('answer', sa.column('learner_id', sa.Integer()),
                      sa.column('lesson_id', sa.String()), sa.column('question_key', sa.String()),
                      sa.column('choices', sa.String()), sa.column('correct', sa.Boolean()),
                      sa.column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                      sa.column('first', sa.Boolean()), sa.column('latest', sa.Boolean()))
    progress = sa.table('lesson_progress', sa.column('learner_id', sa.Integer()),
                        sa.column('via', sa.String()),
                        sa.column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                        sa.column('read_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    ask = sa.table('ask', sa.column('learner_id', sa.Integer()),
                   sa.column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    platforms = dict(connection.execute(sa.select(learner.c.id, learner.c.platform)).all())
    days: dict[tuple[date, int], dict[str, int]] = {}
    questions: dict[tuple[date, str, str, str], list[int]] = {}
    choices: dict[tuple[date, str, str, str, int], int] = {}
    last: dict[int, datetime] = {}

    def count(day: date, learner_id: int, name: str, value: int = 1) -> None:
        row = days.setdefault((day, learner_id), dict.fromkeys(
            ("delivered", "read", "asked", "answered", "right"), 0))
        row[name] += value

    def seen(learner_id: int, moment: object) -> None:
        when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
        if learner_id not in last or last[learner_id] < when:
            last[learner_id] = when

    for row in connection.execute(sa.select(answer)):
        day, platform = _day(row.answered_at), platforms.get(row.learner_id, "")
        count(day, row.learner_id, "answered")
        count(day, row.learner_id, "right", int(bool(row.correct)))
        seen(row.learner_id, row.answered_at)
        sums = questions.setdefault((day, platform, row.lesson_id, row.question_key), [0] * 6)
        right = int(bool(row.correct))
        for index, value in enumerate((1, right, int(bool(row.first)),
                                       int(bool(row.first)) * right, int(bool(row.latest)),
                                       int(bool(row.latest)) * right)):
            sums[index] += value
        for part in {part for part in str(row.choices).split(",") if part.isdigit()}:
            key = (day, platform, row.lesson_id, row.question_key, int(part))
            choices[key] = choices.get(key, 0) + 1
    for row in connection.execute(sa.select(progress)):
        if row.via == 'lesson':
            count(_day(row.delivered_at), row.learner_id, "delivered")
        if row.read_at is not None:
            count(_day(row.read_at), row.learner_id, "read")
            seen(row.learner_id, row.read_at)
    for row in connection.execute(sa.select(ask)):
        count(_day(row.asked_at), row.learner_id, "asked")
    if days:
        op.bulk_insert(sa.table('activity_day', *(sa.column(name) for name in (
            'day', 'learner_id', 'platform', 'delivered', 'read', 'asked', 'answered', 'right'))),
            [{"day": day, "learner_id": learner_id, "platform": platforms.get(learner_id, ""),
              **counts} for (day, learner_id), counts in days.items()])
    totals: dict[tuple[date, str], dict[str, int]] = {}
    for (day, learner_id), counts in days.items():
        total = totals.setdefault((day, platforms.get(learner_id, "")), dict.fromkeys(
            ("delivered", "read", "asked", "answered", "right", "active"), 0))
        for name, value in counts.items():
            total[name] += value
        total["active"] += int(counts["read"] + counts["answered"] > 0)
    if totals:
        op.bulk_insert(sa.table('platform_day', *(sa.column(name) for name in (
            'day', 'platform', 'delivered', 'read', 'asked', 'answered', 'right', 'active'))),
            [{"day": day, "platform": platform, **counts}
             for (day, platform), counts in totals.items()])
    if questions:
        op.bulk_insert(sa.table('question_day', *(sa.column(name) for name in (
            'day', 'platform', 'lesson_id', 'question_key', 'answers', 'right', 'firsts',
            'first_right', 'latest', 'latest_right'))),
            [dict(zip(('day', 'platform', 'lesson_id', 'question_key', 'answers', 'right',
                       'firsts', 'first_right', 'latest', 'latest_right'), (*key, *sums),
                      strict=True)) for key, sums in questions.items()])
    if choices:
        op.bulk_insert(sa.table('choice_day', *(sa.column(name) for name in (
            'day', 'platform', 'lesson_id', 'question_key', 'choice', 'picked'))),
            [dict(zip(('day', 'platform', 'lesson_id', 'question_key', 'choice', 'picked'),
                      (*key, picked), strict=True)) for key, picked in choices.items()])
    for learner_id, when in last.items():
        connection.execute(learner.update().where(learner.c.id == learner_id)
                           .values(last_action_at=when))


def downgrade() -> None:
    op.drop_table('secret')
    op.drop_table('choice_day')
    op.drop_table('question_day')
    op.drop_table('platform_day')
    op.drop_index('ix_activity_day', table_name='activity_day')
    op.drop_table('activity_day')
    op.drop_table('recall_snapshot')
    op.drop_index(op.f('ix_lookup_miss_learner_id'), table_name='lookup_miss')
    op.drop_index(op.f('ix_lookup_miss_asked_at'), table_name='lookup_miss')
    op.drop_table('lookup_miss')
    op.drop_table('dashboard_session')
    op.drop_table('dashboard_link')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('stability')
    op.drop_index('ix_ask_time', table_name='ask')
    op.drop_index('ix_progress_read', table_name='lesson_progress')
    op.drop_index('ix_progress_delivered', table_name='lesson_progress')
    op.drop_index('ix_answer_first', table_name='answer')
    op.drop_index('ix_answer_question', table_name='answer')
    op.drop_index('ix_answer_time', table_name='answer')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('latest')
        batch_op.drop_column('first')
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('added_at')
        batch_op.drop_column('looked_up_at')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('last_action_at')
        batch_op.drop_column('last_lookup')
        batch_op.drop_column('last_lesson')
