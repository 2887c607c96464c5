"""Repositories on both databases: settings, outbox, idempotent awards, forget, leaderboard."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from storage import Database, upgrade
from storage.records import (
    Accuracy,
    Card,
    DeliveryKind,
    FlagCount,
    LearnerChange,
    LessonSource,
    Platform,
    Receipt,
    SkippedBy,
    Streak,
)
from storage.repositories import (
    Answers,
    Asks,
    Badges,
    Cards,
    Checks,
    Deliveries,
    Flags,
    InboundEvents,
    Learners,
    Lookups,
    Points,
    Progress,
    Streaks,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TABLES = {"learner", "ask", "delivery", "lesson_progress", "card", "answer", "points", "streak",
          "badge", "flag", "lookup_miss", "alembic_version"}


def enrol(database: Database, user: str = "42", **settings: Any) -> int:
    with database.session() as session:
        learner, _ = Learners(session).enrol("telegram", user, NOW, LearnerChange(**settings))
        return learner.id


def at_once(count: int, work: Callable[[], bool]) -> list[bool]:
    """``work`` run by ``count`` threads released together; what each returned."""
    results: list[bool] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        barrier.wait(5)
        results.append(work())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == count, "a thread failed or hung"
    return results


def test_migrations_create_every_table(database: Database) -> None:
    assert set(inspect(database.engine).get_table_names()) >= TABLES


def test_enrol_once_and_keep_settings(database: Database) -> None:
    with database.session() as session:
        learners = Learners(session)
        first, created = learners.enrol("slack", "U1", NOW, LearnerChange(
            display_name="Ann", time_zone="Europe/Berlin", workdays=("mon", "wed")))
        again, created_again = learners.enrol("slack", "U1", NOW,
                                              LearnerChange(display_name="Other"))
    assert created and not created_again and again.id == first.id
    assert (again.display_name, again.time_zone, again.workdays) == (
        "Ann", "Europe/Berlin", ("mon", "wed"))
    assert again.created_at == NOW and again.created_at.tzinfo is not None
    with database.session() as session:
        updated = Learners(session).update(
            first.id, LearnerChange(paused=True, topics=("security", "git")))
    assert updated.paused and updated.topics == ("security", "git")
    assert updated.platform is Platform.SLACK


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(TypeError, match="favourite_colour"):
        LearnerChange(favourite_colour="blue")  # type: ignore[call-arg]


def test_a_change_writes_only_its_own_settings(database: Database) -> None:
    learner_id = enrol(database)
    later = NOW + timedelta(days=1)
    with database.session() as session:
        Learners(session).set_due(DeliveryKind.LESSON, {learner_id: later})
    with database.session() as session:  # a change made from an older copy of the learner
        changed = Learners(session).update(learner_id, LearnerChange(nudges=False,
                                                                      unreachable=None))
    assert changed.next_lesson_at == later and not changed.nudges


def test_outbox_row_is_unique_per_learner_kind_and_local_day(database: Database) -> None:
    learner_id = enrol(database)
    day = date(2026, 3, 2)
    with database.session() as session:
        deliveries = Deliveries(session)
        assert deliveries.enqueue(learner_id, "lesson", day, NOW, "security/phishing")
        assert not deliveries.enqueue(learner_id, "lesson", day, NOW, "other")
        assert deliveries.enqueue(learner_id, "quiz", day, NOW)
        row = deliveries.get(learner_id, "lesson", day)
        assert row is not None and row.lesson_id == "security/phishing" and row.status == "pending"
        deliveries.mark_sent(row.id, "msg-1", NOW)
    with database.session() as session:
        sent = Deliveries(session).get(learner_id, "lesson", day)
    assert sent is not None and (sent.status, sent.platform_message_id) == ("sent", "msg-1")


def test_the_same_award_pressed_twice_concurrently_counts_once(database: Database) -> None:
    learner_id = enrol(database)
    def press() -> bool:
        with database.session() as session:
            return Points(session).award(learner_id, 10, "answer", "answer:q1:d1", NOW)

    assert sorted(at_once(8, press)) == [False] * 7 + [True]
    with database.session() as session:
        assert Points(session).total(learner_id) == 10


def test_answers_badges_and_progress_are_recorded_once(database: Database) -> None:
    learner_id = enrol(database)
    with database.session() as session:
        assert Answers(session).record(learner_id, "l1", "q1", [1], True, NOW, "a1")
        assert not Answers(session).record(learner_id, "l1", "q1", [1], True, NOW, "a1")
        assert Badges(session).award(learner_id, "first-lesson", NOW)
        assert not Badges(session).award(learner_id, "first-lesson", NOW)
        assert Progress(session).delivered(learner_id, "l1", NOW)
        assert not Progress(session).delivered(learner_id, "l1", NOW)
        assert [r.read_at for r in Progress(session).history(learner_id)] == [None]
        later = NOW + timedelta(hours=1)
        assert Progress(session).read(learner_id, "l1", later)
        assert not Progress(session).read(learner_id, "l1", later)
        assert not Progress(session).read(learner_id, "l2", later)  # not theirs: nothing
        assert Progress(session).history(learner_id) == [
            Receipt("l1", NOW, LessonSource.LESSON, later)]
        # Looked up, added to the reviews, then pushed as a lesson of its track.
        assert Progress(session).delivered(learner_id, "l2", NOW, LessonSource.LOOKUP)
        assert not Progress(session).delivered(learner_id, "l2", later, LessonSource.LOOKUP)
        assert not Progress(session).read(learner_id, "l2", later)  # a lookup is never read
        assert Progress(session).add_to_reviews(learner_id, "l2", later)
        assert not Progress(session).add_to_reviews(learner_id, "l2", later)
        assert Progress(session).get(learner_id, "l2") == Receipt(
            "l2", NOW, LessonSource.ADDED, None, later, later)  # looked up again: noted
        assert Progress(session).delivered(learner_id, "l2", later)
        assert not Progress(session).delivered(learner_id, "l2", later)
        assert Progress(session).get(learner_id, "l2") == Receipt(
            "l2", later, LessonSource.LESSON, None, later, later)
        assert (Progress(session).count(), Progress(session).count(read=True)) == (2, 1)
        assert Answers(session).accuracy(NOW - timedelta(days=1)) == Accuracy(1, 1)


def test_cards_come_due_in_order(database: Database) -> None:
    learner_id = enrol(database)
    with database.session() as session:
        cards = Cards(session)
        cards.save(Card(learner_id, "l1", "q1", "{}", NOW + timedelta(days=1)))
        cards.save(Card(learner_id, "l1", "q2", "{}", NOW - timedelta(days=2)))
        cards.save(Card(learner_id, "l2", "q1", "{}", NOW - timedelta(days=1)))
        cards.save(Card(learner_id, "l2", "q1", '{"x": 1}', NOW - timedelta(days=1), reviews=1))
    with database.session() as session:
        due = Cards(session).due(learner_id, NOW, 10)
        assert [(c.lesson_id, c.question_key) for c in due] == [("l1", "q2"), ("l2", "q1")]
        assert due[1].reviews == 1 and due[1].state == '{"x": 1}'


def test_streak_round_trip(database: Database) -> None:
    learner_id = enrol(database)
    with database.session() as session:
        assert Streaks(session).get(learner_id) == Streak(learner_id)
        Streaks(session).save(Streak(learner_id, 3, 5, date(2026, 3, 2), 1))
    with database.session() as session:
        assert Streaks(session).get(learner_id) == Streak(learner_id, 3, 5, date(2026, 3, 2), 1)


def test_leaderboard_shows_only_learners_who_opted_in(database: Database) -> None:
    shy = enrol(database, "1", display_name="Shy")
    proud = enrol(database, "2", display_name="Proud", leaderboard_opt_in=True)
    keen = enrol(database, "3", display_name="Keen", leaderboard_opt_in=True)
    with database.session() as session:
        points = Points(session)
        points.award(shy, 100, "answer", "s", NOW)
        points.award(proud, 20, "answer", "p", NOW)
        points.award(keen, 50, "answer", "k", NOW)
        points.award(keen, 500, "answer", "old", NOW - timedelta(days=30))
        board = points.leaderboard(NOW - timedelta(days=7), 10)
    assert [(s.display_name, s.points) for s in board] == [("Keen", 50), ("Proud", 20)]


def test_the_points_total_follows_the_ledger(database: Database) -> None:
    learner_id = enrol(database)
    other = enrol(database, "2")
    with database.session() as session:
        points = Points(session)
        assert points.award(learner_id, 10, "answer", "a", NOW)
        assert not points.award(learner_id, 10, "answer", "a", NOW)  # the same award again
        assert points.award(learner_id, 25, "lesson", "b", NOW)
        assert points.award(other, 7, "answer", "c", NOW)
        points.revoke("b")
        points.revoke("never made")
    with database.session() as session:
        kept = dict(session.execute(text("SELECT id, points FROM learner")).all())
        ledger = dict(session.execute(text(
            "SELECT learner_id, sum(points) FROM points GROUP BY learner_id")).all())
        assert kept == ledger == {learner_id: 10, other: 7}
        assert Points(session).total(learner_id) == 10


def test_ratings_reflections_and_the_awaited_reply(database: Database) -> None:
    from storage.records import Awaited, Reflection
    from storage.repositories import Voices
    learner_id = enrol(database)
    with database.session() as session:
        voices = Voices(session)
        assert not voices.comment(learner_id, "l", "no rating yet", NOW)
        voices.rate(learner_id, "l", False, NOW)
        assert voices.comment(learner_id, "l", "too long", NOW)
        voices.rate(learner_id, "l", False, NOW + timedelta(minutes=1))  # the same: kept
        voices.rate(learner_id, "m", True, NOW)
        voices.comment(learner_id, "m", "clear", NOW)
        voices.rate(learner_id, "m", False, NOW)  # changed its mind: the words go with it
        voices.await_reply(learner_id, "comment", "l", "", NOW)
        voices.reflect(learner_id, "l", "What will you do?", "Lock my screen", NOW)
        voices.reflect(learner_id, "m", "And now?", "Report it", NOW + timedelta(days=1))
        voices.await_reply(learner_id, "comment", "l", "", NOW)
        voices.await_reply(learner_id, "reflection", "m", "And now?", NOW)  # replaces it
    with database.session() as session:
        voices = Voices(session)
        kept = [(lesson, bool(useful), words) for lesson, useful, words in session.execute(
            text("SELECT lesson_id, useful, comment FROM lesson_rating ORDER BY lesson_id"))]
        assert kept == [("l", False, "too long"), ("m", False, "")]
        assert voices.reflections(learner_id, 1) == [
            Reflection("m", "And now?", "Report it", NOW + timedelta(days=1))]
        assert voices.awaited(learner_id) == Awaited("reflection", "m", "And now?", NOW)
        assert voices.clear(learner_id) and not voices.clear(learner_id)
        assert voices.awaited(learner_id) is None


def test_forget_deletes_every_row_of_the_learner_and_only_theirs(database: Database) -> None:
    gone = enrol(database, "1")
    kept = enrol(database, "2")
    for learner_id in (gone, kept):
        with database.session() as session:
            Points(session).award(learner_id, 5, "answer", f"p{learner_id}", NOW)
            Answers(session).record(learner_id, "l", "q", [0], False, NOW, f"a{learner_id}")
            Badges(session).award(learner_id, "first-lesson", NOW)
            Progress(session).delivered(learner_id, "l", NOW)
            Cards(session).save(Card(learner_id, "l", "q", "{}", NOW))
            Deliveries(session).enqueue(learner_id, "lesson", date(2026, 3, 2), NOW)
            Streaks(session).save(Streak(learner_id, 1, 1, date(2026, 3, 2)))
            Flags(session).add(learner_id, "l", "q", "key is wrong", NOW)
            Asks(session).create(learner_id, "l", "q", NOW)
            Lookups(session).miss(learner_id, "what is kerberos", NOW)
    with database.session() as session:
        Learners(session).forget(gone)
    with database.engine.connect() as connection:
        for table in TABLES - {"alembic_version"}:
            column = "id" if table == "learner" else "learner_id"
            rows = connection.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
            assert gone not in rows and kept in rows, table


def test_flagged_questions_are_counted_for_trainers(database: Database) -> None:
    first, second = old_learner(database, "1"), old_learner(database, "2")
    with database.session() as session:
        Flags(session).add(first, "l1", "q1", "", NOW)
        Flags(session).add(second, "l1", "q1", "answer b is also right", NOW)
        Flags(session).add(second, "l2", "q9", "", NOW)
        assert Flags(session).counts() == [FlagCount("l1", "q1", 2, ("answer b is also right",)),
                                           FlagCount("l2", "q9", 1, ())]


def test_an_ask_is_answered_once_even_with_concurrent_presses(database: Database) -> None:
    learner_id = enrol(database)
    with database.session() as session:
        ask = Asks(session).create(learner_id, "l1", "q1", NOW)
        assert Asks(session).latest_open(learner_id) == ask
    def press() -> bool:
        with database.session() as session:
            return Asks(session).close(ask.id, NOW)

    assert sorted(at_once(6, press)) == [False] * 5 + [True]
    with database.session() as session:
        assert Asks(session).latest_open(learner_id) is None
        assert Asks(session).open_count(learner_id) == 0


def test_a_platform_event_is_handled_once_by_concurrent_replicas_unless_it_failed(
        database: Database) -> None:
    def receive() -> bool:
        with database.session() as session:
            return InboundEvents(session).first("slack", "Ev1", NOW)

    assert sorted(at_once(6, receive)) == [False] * 5 + [True]
    # Handling that failed rolls its record back: the platform's next try is handled.
    with pytest.raises(RuntimeError), database.unit() as unit:
        assert unit.events.first("telegram", "1:7", NOW)
        raise RuntimeError("the handling failed")
    with database.unit() as unit:
        assert unit.events.first("telegram", "1:7", NOW)
        assert unit.events.first("slack", "1:7", NOW)  # the same id on another platform
        assert not unit.events.first("telegram", "1:7", NOW + timedelta(hours=1))
    with database.unit() as unit:
        assert unit.events.prune(NOW + timedelta(seconds=1)) == 3
        assert unit.events.first("slack", "Ev1", NOW)  # forgotten days later


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path: object) -> None:
    database = Database(f"sqlite:///{tmp_path}/wal.db")  # type: ignore[str-bytes-safe]
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_a_forgotten_learners_id_is_never_given_to_the_next(database: Database) -> None:
    """Exports join on the id and a pseudonymous view says "learner #3": two people must
    never share one (SQLite hands out the highest rowid again without AUTOINCREMENT)."""
    enrol(database, "1")
    enrol(database, "2")
    last = enrol(database, "3")
    with database.session() as session:
        Learners(session).forget(last)
    assert enrol(database, "4") > last


def old_learner(database: Database, user: str) -> int:
    """A learner written as the schema before 0022 has them (the tables' model has columns
    added since), for the tests of upgrades."""
    with database.session() as session:
        return int(session.execute(text(
            "INSERT INTO learner (platform, platform_user_id, display_name, time_zone, "
            "lesson_time, quiz_time, workdays, paused, stopped, topics, "
            "leaderboard_opt_in, is_trainer, created_at, nudges, all_read_told, points) "
            "VALUES ('telegram', :user, '', 'UTC', '09:00', '15:00', 'mon', false, false, "
            "'', false, false, :at, true, false, 0) RETURNING id"),
            {"user": user, "at": NOW}).scalar_one())


def test_upgrading_to_0018_dates_the_words_given_before(tmp_path: object) -> None:
    """Words on a rating given before 0018 keep reaching the LRS: they are dated as the
    rating, so the relay and a replay make their statement."""
    from storage.xapi import XapiStore
    database = Database(f"sqlite:///{tmp_path}/old.db")
    try:
        upgrade(database, "0017")
        learner_id = old_learner(database, "1")
        with database.session() as session:
            session.execute(text(
                "INSERT INTO lesson_rating (learner_id, lesson_id, useful, comment, rated_at) "
                "VALUES (:learner, 'l', false, 'too abstract', :at), "
                "(:learner, 'm', true, '', :at)"), {"learner": learner_id, "at": NOW})
        upgrade(database)
        with database.session() as session:
            [words] = XapiStore(session).comments(NOW - timedelta(days=1))
        assert (words.lesson_id, words.comment, words.commented_at) == ("l", "too abstract",
                                                                        NOW)
    finally:
        database.dispose()


def test_upgrading_to_0019_keeps_every_learner_and_what_refers_to_them(
        tmp_path: object) -> None:
    database = Database(f"sqlite:///{tmp_path}/old.db")
    try:
        upgrade(database, "0018")
        first = old_learner(database, "1")
        second = old_learner(database, "2")
        with database.session() as session:
            Points(session).award(second, 5, "answer", "p", NOW)
            Asks(session).create(second, "l", "q", NOW)
        upgrade(database)
        with database.session() as session:
            assert [row.id for row in session.execute(text(
                "SELECT id FROM learner ORDER BY id"))] == [first, second]
            assert Points(session).total(second) == 5
            assert session.execute(text("SELECT learner_id FROM ask")).scalar_one() == second
            Learners(session).forget(second)
        assert enrol(database, "3") > second
        assert "AUTOINCREMENT" in str(database.engine.connect().execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'learner'")).scalar_one())
    finally:
        database.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_upgrading_to_0020_keeps_who_skipped_an_endline_and_leaves_a_baseline_untold(
        dialect: str) -> None:
    """A check ended without a score before 0020 kept no word of who ended it: an endline
    was only ever skipped by its learner, so it says so; a baseline may have been skipped or
    set aside by a push, so it says neither (the dashboard keeps "skipped or set aside")."""
    from tests.conftest import POSTGRES_URL
    from tests.fakes.scratch import scratch_database
    if dialect == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    with scratch_database(POSTGRES_URL if dialect == "postgresql" else None,
                          revision="0019") as database:
        learner_id = old_learner(database, "1")
        with database.session() as session:
            for track, phase, skipped in (("a", "pre", True), ("a", "post", True),
                                          ("b", "pre", False)):
                session.execute(text(
                    "INSERT INTO track_check (learner_id, track, phase, questions, started_at, "
                    "finished_at, skipped, answered, \"right\", results) VALUES (:learner, "
                    ":track, :phase, 'l\tq', :at, :at, :skipped, 0, 0, '')"),
                    {"learner": learner_id, "track": track, "phase": phase, "at": NOW,
                     "skipped": skipped})
        upgrade(database)
        with database.session() as session:
            checks = Checks(session)
            found = {(track, phase): checks.get(learner_id, track, phase)
                     for track, phase in (("a", "pre"), ("a", "post"), ("b", "pre"))}
            assert {key: (check.skipped, check.skipped_by) for key, check in found.items()
                    if check is not None} == {("a", "pre"): (True, None),
                                              ("a", "post"): (True, SkippedBy.LEARNER),
                                              ("b", "pre"): (False, None)}
            # Checks ended from now on say who ended them.
            checks.start(learner_id, "c", "pre", [("l", "q")], NOW)
            assert checks.finish(learner_id, "c", "pre", NOW, skipped_by=SkippedBy.PUSH)
            check = checks.get(learner_id, "c", "pre")
            assert check is not None and check.skipped and check.skipped_by is SkippedBy.PUSH
            assert check.score is None


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_upgrading_to_0022_keeps_a_holiday_without_an_end_date(dialect: str) -> None:
    """A learner on holiday before 0022 stays on it until `resume` (no end date), and a
    holiday's end date is kept from then on."""
    from tests.conftest import POSTGRES_URL
    from tests.fakes.scratch import scratch_database
    if dialect == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    with scratch_database(POSTGRES_URL if dialect == "postgresql" else None,
                          revision="0021") as database:
        with database.session() as session:  # as 0021 wrote a learner on holiday
            learner_id = session.execute(text(
                "INSERT INTO learner (platform, platform_user_id, display_name, time_zone, "
                "lesson_time, quiz_time, workdays, paused, stopped, topics, "
                "leaderboard_opt_in, is_trainer, created_at, nudges, all_read_told, points) "
                "VALUES ('telegram', '1', '', 'UTC', '09:00', '15:00', 'mon', true, false, "
                "'', false, false, :at, true, false, 0) RETURNING id"), {"at": NOW}).scalar_one()
        upgrade(database)
        with database.session() as session:
            learners = Learners(session)
            learner = learners.get(learner_id)
            assert learner is not None and learner.paused and learner.paused_until is None
            learners.update(learner_id, LearnerChange(paused_until=date(2026, 12, 14)))
            assert learners.get(learner_id).paused_until == date(2026, 12, 14)  # type: ignore[union-attr]


def test_upgrading_to_0006_keeps_the_lessons_had_and_totals_the_points(tmp_path: object) -> None:
    """0006 makes lesson_progress again (without rowid, on SQLite) and adds each learner's
    points total, summed from the ledger."""
    database = Database(f"sqlite:///{tmp_path}/old.db")
    try:
        upgrade(database, "0005")
        with database.session() as session:
            session.execute(text(
                "INSERT INTO learner (platform, platform_user_id, display_name, time_zone, "
                "lesson_time, quiz_time, workdays, paused, stopped, topics, leaderboard_opt_in, "
                "is_trainer, created_at, nudges, all_read_told) VALUES ('telegram', '42', 'Ann', "
                "'UTC', '09:00', '15:00', 'mon', false, false, '', false, false, :at, true, "
                "false)"), {"at": NOW})
            learner_id = int(session.execute(text("SELECT id FROM learner")).scalar_one())
            for key, points in (("a", 5), ("b", 10)):
                session.execute(text(
                    "INSERT INTO points (learner_id, points, reason, created_at, "
                    "idempotency_key) VALUES (:learner, :points, 'answer', :at, :key)"),
                    {"learner": learner_id, "points": points, "at": NOW, "key": key})
            session.execute(text(
                "INSERT INTO lesson_progress (learner_id, lesson_id, delivered_at, via, read_at, "
                "looked_up_at) VALUES (:learner, 'l', :at, 'lesson', :at, :at)"),
                {"learner": learner_id, "at": NOW})
        upgrade(database)
        with database.session() as session:
            assert session.execute(text("SELECT points FROM learner")).scalar_one() == 15
            [receipt] = Progress(session).history(learner_id)
            assert (receipt.lesson_id, receipt.read_at) == ("l", NOW)
            assert "WITHOUT ROWID" in str(session.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'lesson_progress'")).scalar_one())
    finally:
        database.dispose()


def test_upgrading_keeps_what_was_counted_as_read(tmp_path: object) -> None:
    """Before 0004 every lesson received counted as read, and a lookup's questions went into
    the reviews: after it, those stay read, and such a lookup is one added to the reviews."""
    database = Database(f"sqlite:///{tmp_path}/old.db")
    try:
        upgrade(database, "0003")
        with database.session() as session:
            session.execute(text(
                "INSERT INTO learner (platform, platform_user_id, display_name, time_zone, "
                "lesson_time, quiz_time, workdays, paused, stopped, topics, leaderboard_opt_in, "
                "is_trainer, created_at, nudges) VALUES ('telegram', '42', 'Ann', 'UTC', "
                "'09:00', '15:00', 'mon', false, false, '', false, false, :at, true)"),
                {"at": NOW})
            learner_id = int(session.execute(text("SELECT id FROM learner")).scalar_one())
        with database.session() as session:
            for lesson_id, via in (("pushed", "lesson"), ("asked", "lookup"),
                                   ("reviewed", "lookup")):
                session.execute(text(
                    "INSERT INTO lesson_progress (learner_id, lesson_id, delivered_at, via) "
                    "VALUES (:learner, :lesson, :at, :via)"),
                    {"learner": learner_id, "lesson": lesson_id, "at": NOW, "via": via})
            session.execute(text(
                "INSERT INTO card (learner_id, lesson_id, question_key, state, due_at, reviews, "
                "lapses, mastered) VALUES (:learner, 'reviewed', 'q1', :state, :at, 1, 0, false)"),
                {"learner": learner_id, "at": NOW, "state": json.dumps(
                    {"stability": 4.5, "last_review": NOW.isoformat()})})
        upgrade(database)
        with database.session() as session:
            history = {receipt.lesson_id: receipt
                       for receipt in Progress(session).history(learner_id)}
            card = Cards(session).get(learner_id, "reviewed", "q1")
    finally:
        database.dispose()
    assert {lesson: (r.via, r.read_at) for lesson, r in history.items()} == {
        "pushed": (LessonSource.LESSON, NOW), "asked": (LessonSource.LOOKUP, None),
        "reviewed": (LessonSource.ADDED, None)}  # from 0004 on, only a lesson is read
    assert card is not None and (card.stability, card.reviewed_at) == (4.5, NOW)  # 0005


def test_a_new_sqlite_database_and_its_log_are_readable_by_their_owner_only(
        tmp_path: Path) -> None:
    """Every learner's name and words had been readable by anyone on the machine (0644)."""
    import os

    before = os.umask(0o022)
    try:
        database = Database(f"sqlite:///{tmp_path}/new.db")
        upgrade(database)
        with database.unit() as unit:  # a write: the log and shared memory exist now
            assert unit.learners.count() == 0
        for name in ("new.db", "new.db-wal", "new.db-shm"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
        database.dispose()
        shared = tmp_path / "shared.db"  # one that was there keeps its mode
        shared.touch(mode=0o640)
        shared.chmod(0o640)
        Database(f"sqlite:///{shared}").engine.connect().close()
        assert shared.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(before)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_upgrading_to_0021_keeps_each_learners_first_and_last_action_of_a_day(
        dialect: str) -> None:
    """0021 fills each learner's day with their first and last action from the answers and
    reads kept (learners in batches: the second learner is in another), and from then on
    every action moves them."""
    from sqlalchemy import bindparam, select
    from sqlmodel.sql.sqltypes import UTCDateTime

    from storage.rollups import activity
    from storage.tables import ActivityDayRow
    from tests.conftest import POSTGRES_URL
    from tests.fakes.scratch import scratch_database
    if dialect == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    day = datetime(2026, 11, 29, tzinfo=UTC)
    with scratch_database(POSTGRES_URL if dialect == "postgresql" else None,
                          revision="0020") as database:
        first, second = old_learner(database, "1"), old_learner(database, "2")
        with database.session() as session:
            session.execute(text("UPDATE learner SET id = 1234 WHERE id = :id"),
                            {"id": second})
            second = 1234
            answer = text(
                "INSERT INTO answer (learner_id, lesson_id, question_key, choices, correct, "
                "answered_at, idempotency_key, first, latest) VALUES (:learner, 'l', :key, '0', "
                "true, :at, :key, true, true)").bindparams(bindparam("at", type_=UTCDateTime()))
            for learner, key, hours in ((first, "a", 10.9), (first, "b", 11.1),
                                        (second, "c", 18.3)):
                session.execute(answer, {"learner": learner, "key": f"{learner}{key}",
                                         "at": day + timedelta(hours=hours)})
            # A delivery kept its day before (no read, no answer: no action); a read.
            for learner in (first, second):
                activity(session, learner, day - timedelta(days=1), "telegram", delivered=1)
            session.execute(text(
                "INSERT INTO lesson_progress (learner_id, lesson_id, delivered_at, via, read_at) "
                "VALUES (:learner, 'm', :at, 'lesson', :read)").bindparams(
                bindparam("at", type_=UTCDateTime()), bindparam("read", type_=UTCDateTime())),
                {"learner": first, "at": day - timedelta(days=1), "read": day + timedelta(
                    hours=12)})
            session.execute(text(
                "INSERT INTO activity_day (day, learner_id, platform, delivered, read, asked, "
                "answered, \"right\") VALUES (:day, :learner, 'telegram', 0, :read, 0, :answered, "
                ":answered)"), [{"day": day.date(), "learner": first, "read": 1, "answered": 2},
                                {"day": day.date(), "learner": second, "read": 0,
                                 "answered": 1}])
        upgrade(database)
        days = ActivityDayRow.__table__  # type: ignore[attr-defined]
        spans = select(days.c.learner_id, days.c.day, days.c.first_at, days.c.last_at
                       ).order_by(days.c.learner_id, days.c.day)
        with database.session() as session:
            assert [(row[0], str(row[1]), row[2], row[3]) for row in session.execute(spans)] == [
                (first, "2026-11-28", None, None),
                (first, "2026-11-29", day + timedelta(hours=10.9), day + timedelta(hours=12)),
                (second, "2026-11-28", None, None),
                (second, "2026-11-29", day + timedelta(hours=18.3), day + timedelta(hours=18.3))]
            Answers(session).record(second, "l", "d", (0,), True, day + timedelta(hours=20),
                                    "late")
            assert session.execute(select(days.c.last_at).where(
                days.c.learner_id == second, days.c.first_at.is_not(None))
            ).scalar_one() == day + timedelta(hours=20)


def test_a_merge_keeps_the_earlier_first_and_the_later_last_action_of_a_shared_day(
        database: Database) -> None:
    from sqlalchemy import select

    from storage.identity import Accounts
    from storage.tables import ActivityDayRow
    into, other = enrol(database, "1"), enrol(database, "2")
    with database.session() as session:
        Answers(session).record(other, "l", "a", (0,), True, NOW + timedelta(hours=1), "o1")
        Answers(session).record(into, "l", "b", (0,), True, NOW + timedelta(hours=2), "i1")
        Answers(session).record(other, "l", "c", (0,), True, NOW + timedelta(hours=3), "o2")
        Accounts(session).merge(into, other, NOW + timedelta(hours=4))
        days = ActivityDayRow.__table__  # type: ignore[attr-defined]
        assert session.execute(select(days.c.first_at, days.c.last_at, days.c.answered)).all() \
            == [(NOW + timedelta(hours=1), NOW + timedelta(hours=3), 3)]
