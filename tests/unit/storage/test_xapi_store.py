"""The xAPI outbox in storage: kept once, claimed with a lease, retried, resent, pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Database
from storage.tables import LearnerRow, TrackCheckRow
from storage.xapi import CheckEvent, NewStatement, XapiStore

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def learner(database: Database) -> int:
    with database.session() as session:
        row = LearnerRow(platform="slack", platform_user_id="U1", created_at=NOW)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def statement(n: int, learner_id: int) -> NewStatement:
    return NewStatement(f"00000000-0000-5000-8000-{n:012d}", learner_id,
                        NOW - timedelta(minutes=n), "{}")


def test_kept_once_claimed_with_a_lease_and_retried(database: Database) -> None:
    who = learner(database)
    with database.session() as session:
        store = XapiStore(session)
        assert store.add([statement(1, who), statement(2, who)], NOW) == 2
        assert store.add([statement(1, who), statement(3, who)], NOW) == 1  # 1 is kept already
    with database.session() as session:
        claimed = XapiStore(session).claim(NOW, 2, timedelta(minutes=2))
    assert [row.statement_id[-1] for row in claimed] == ["3", "2"]  # the oldest event first
    with database.session() as session:  # leased: another sender gets only the rest
        assert [row.statement_id[-1] for row in XapiStore(session).claim(
            NOW, 5, timedelta(minutes=2))] == ["1"]
    with database.session() as session:
        store = XapiStore(session)
        store.sent([claimed[0].statement_id], NOW)
        store.retry([claimed[1].statement_id], NOW + timedelta(seconds=30), "down")
        backlog = store.backlog(NOW + timedelta(seconds=10))
    assert (backlog.pending, backlog.failed) == (2, 0) and backlog.oldest_seconds == 10
    with database.session() as session:
        again = XapiStore(session).claim(NOW + timedelta(seconds=31), 5, timedelta(minutes=2))
    assert [(row.statement_id[-1], row.attempts) for row in again] == [("2", 1)]


def test_a_replay_resends_a_range_and_old_sent_ones_are_pruned(database: Database) -> None:
    who = learner(database)
    with database.session() as session:
        store = XapiStore(session)
        store.add([statement(n, who) for n in (1, 2, 3)], NOW)
        store.sent([statement(n, who).statement_id for n in (1, 2, 3)], NOW)
        assert store.resend(NOW - timedelta(minutes=2), None, NOW) == 2  # events 1 and 2
        assert store.backlog(NOW).pending == 2
        assert store.prune(NOW + timedelta(days=1)) == 1  # only sent ones go


def test_the_cursor_never_moves_back(database: Database) -> None:
    with database.session() as session:
        store = XapiStore(session)
        assert store.cursor("answers") is None
        store.move_cursor("answers", NOW)
        store.move_cursor("answers", NOW - timedelta(hours=1))
        moved = store.cursor("answers")
    assert moved is not None and moved.replace(tzinfo=UTC) == NOW


def test_a_statement_made_anew_while_being_sent_is_not_failed_for_its_old_body(
        database: Database) -> None:
    """A replica sends the old body; meanwhile a fixed config made it anew. The LRS refuses
    the old one: the new one must still go, not be marked failed with it."""
    from dataclasses import replace
    who = learner(database)
    old = statement(1, who)
    with database.session() as session:
        XapiStore(session).add([old], NOW)
    with database.session() as session:
        [claimed] = XapiStore(session).claim(NOW, 5, timedelta(minutes=2))
    with database.session() as session:
        assert XapiStore(session).add([replace(old, body='{"fixed": true}')], NOW) == 0
        XapiStore(session).failed(claimed.statement_id, "bad mbox", claimed.body)
    with database.session() as session:
        assert XapiStore(session).backlog(NOW).failed == 0
        [again] = XapiStore(session).claim(NOW + timedelta(minutes=3), 5, timedelta(minutes=2))
    assert again.body == '{"fixed": true}'
    # A refused statement made anew goes again too.
    with database.session() as session:
        XapiStore(session).failed(again.statement_id, "still bad", again.body)
        assert XapiStore(session).backlog(NOW).failed == 1
        XapiStore(session).add([replace(old, body='{"fixed": 2}')], NOW)
        assert XapiStore(session).backlog(NOW).failed == 0


def test_finished_checks_with_a_score_are_events_an_endline_with_its_baseline(
        database: Database) -> None:
    """Skipped or set aside, or still open, a check has no score and is no event."""
    who = learner(database)
    with database.session() as session:
        for track, phase, finished, skipped, right in (
                ("safe", "pre", NOW, False, 1), ("safe", "post", NOW + timedelta(days=9),
                                                 False, 3),
                ("fire", "pre", NOW, True, 0), ("water", "pre", None, False, 2)):
            session.add(TrackCheckRow(learner_id=who, track=track, phase=phase,
                                      questions="a\tq1\nb\tq2\nc\tq3\nd\tq4",
                                      started_at=NOW - timedelta(minutes=5),
                                      finished_at=finished, skipped=skipped,
                                      skipped_by="learner" if skipped else None,
                                      answered=0 if skipped else 4, right=right))
    with database.session() as session:
        events = list(XapiStore(session).checks(NOW - timedelta(days=1)))
        later = list(XapiStore(session).checks(NOW - timedelta(days=1), NOW + timedelta(days=1)))
    assert events == [
        CheckEvent(who, "slack", "U1", "safe", "pre", 1, 4, 4, NOW, None),
        CheckEvent(who, "slack", "U1", "safe", "post", 3, 4, 4, NOW + timedelta(days=9),
                   (1, 4))]
    assert later == events[:1]
