"""One learner on several platforms: `link`, `link CODE`, the merge's rules, `push`, `unlink`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.engine.engine import Engine
from bot.messages import (
    Inbound,
    LinkCode,
    Linked,
    Notice,
    NoticeCode,
    Outbound,
    Platform,
    Profile,
    PushTo,
    Unlinked,
)
from storage.tables import AnswerRow, CardRow, LearnerRow, PointsRow, ProgressRow

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
ANN_SLACK = (Platform.SLACK, "U1ANN")
ANN_TELEGRAM = (Platform.TELEGRAM, "4201")


def say(engine: Engine, who: tuple[Platform, str], text: str,
        at: datetime = MONDAY) -> list[Outbound]:
    platform, user = who
    return engine.handle(Inbound(platform, user, f"chat-{user}", text=text,
                                 display_name="Ann"), at)


def code_of(engine: Engine, who: tuple[Platform, str], at: datetime = MONDAY) -> str:
    [reply] = say(engine, who, "link", at)
    assert isinstance(reply, LinkCode) and reply.minutes == 10
    assert len(reply.code) == 8 and reply.code.isalnum() and reply.code.isupper()
    return reply.code


def learn(engine: Engine, who: tuple[Platform, str], at: datetime) -> None:
    say(engine, who, "lesson", at)
    say(engine, who, "done", at)


def count(engine: Engine, table: type, **where: object) -> int:
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        session = unit._session
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(session.execute(query).scalar())


def test_linking_makes_one_learner_with_one_progress_streak_and_points(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    learn(engine, ANN_SLACK, MONDAY)
    say(engine, ANN_TELEGRAM, "hello")
    learn(engine, ANN_TELEGRAM, MONDAY + timedelta(hours=1))  # the same first lesson, later
    tuesday = MONDAY + timedelta(days=1)
    for who, hours in ((ANN_SLACK, 0), (ANN_TELEGRAM, 1)):  # both review its question
        say(engine, who, "quiz", tuesday + timedelta(hours=hours))
        say(engine, who, "2", tuesday + timedelta(hours=hours))
    assert count(engine, AnswerRow, first=True) == 2
    code = code_of(engine, ANN_SLACK, tuesday + timedelta(hours=2))
    [linked] = say(engine, ANN_TELEGRAM, f"link {code.lower()}", tuesday + timedelta(hours=2))
    assert linked == Linked(("slack", "telegram"), "slack")
    assert count(engine, LearnerRow) == 1
    # The lesson both read is one lesson, and its points count once; both answers' points
    # stay (each was earned); the profile is the same from either side, and the total kept
    # for the dashboard is the ledger's.
    assert count(engine, ProgressRow) == 1
    [from_telegram] = say(engine, ANN_TELEGRAM, "me", tuesday + timedelta(hours=3))
    [from_slack] = say(engine, ANN_SLACK, "me", tuesday + timedelta(hours=3))
    assert isinstance(from_telegram, Profile) and from_telegram == from_slack
    assert from_telegram.lessons_read == 1 and from_telegram.points == 25
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        assert unit._session.execute(select(LearnerRow.points)).scalar_one() == 25
        assert unit._session.execute(select(func.sum(PointsRow.points))).scalar_one() == 25
    # One card per question (the one reviewed last; on a tie, the code's learner's).
    assert count(engine, CardRow) == 1
    # Both answers are kept; one of them is the first, one the latest.
    assert count(engine, AnswerRow) == 2
    assert count(engine, AnswerRow, first=True) == count(engine, AnswerRow, latest=True) == 1


def test_a_code_works_once_and_not_after_ten_minutes(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    code = code_of(engine, ANN_SLACK)
    late = MONDAY + timedelta(minutes=11)
    assert say(engine, ANN_TELEGRAM, f"link {code}", late)[-1] == Notice(
        NoticeCode.LINK_UNKNOWN)
    code = code_of(engine, ANN_SLACK)
    assert isinstance(say(engine, ANN_TELEGRAM, f"link {code}")[-1], Linked)
    assert say(engine, (Platform.TELEGRAM, "9999"), f"link {code}")[-1] == Notice(
        NoticeCode.LINK_UNKNOWN)


def test_the_streak_kept_last_is_the_one_that_runs(engine: Engine) -> None:
    """Slack's two-day streak of the first week is long broken; Telegram's one day this
    week is the streak: linking does not bring the old one back."""
    say(engine, ANN_SLACK, "hello")
    learn(engine, ANN_SLACK, MONDAY)
    learn(engine, ANN_SLACK, MONDAY + timedelta(days=1))
    later = MONDAY + timedelta(days=14)
    say(engine, ANN_TELEGRAM, "hello", later)
    learn(engine, ANN_TELEGRAM, later)
    code = code_of(engine, ANN_SLACK, later)
    say(engine, ANN_TELEGRAM, f"link {code}", later)
    [profile] = say(engine, ANN_SLACK, "me", later)
    assert isinstance(profile, Profile)
    assert (profile.streak.current, profile.streak.longest) == (1, 2)


def test_own_code_and_a_second_account_on_a_platform_are_refused(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    assert say(engine, ANN_SLACK, f"link {code_of(engine, ANN_SLACK)}") == [
        Notice(NoticeCode.LINK_SELF)]
    say(engine, ANN_TELEGRAM, "hello")
    say(engine, ANN_TELEGRAM, f"link {code_of(engine, ANN_SLACK)}")
    other_telegram = (Platform.TELEGRAM, "7777")
    say(engine, other_telegram, "hello")
    code = code_of(engine, ANN_SLACK)
    assert say(engine, other_telegram, f"link {code}") == [Notice(NoticeCode.LINK_TAKEN)]
    # A refused link does not use the code up: it still works where it may.
    bob_slack = (Platform.SLACK, "U2BOB")
    say(engine, bob_slack, "hello")
    bobs = code_of(engine, bob_slack)
    assert say(engine, ANN_SLACK, f"link {bobs}") == [Notice(NoticeCode.LINK_TAKEN)]
    [linked] = say(engine, other_telegram, f"link {bobs}")
    assert isinstance(linked, Linked)


def test_push_moves_lessons_to_the_other_account_and_unlink_parts_them(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    learn(engine, ANN_SLACK, MONDAY)
    say(engine, ANN_TELEGRAM, f"link {code_of(engine, ANN_SLACK)}")
    assert say(engine, ANN_SLACK, "push telegram") == [PushTo("telegram")]
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        learner = unit.learners.find("slack", "U1ANN")
        assert learner is not None
        assert (learner.platform, learner.platform_user_id, learner.chat_id) == (
            Platform.TELEGRAM, "4201", "chat-4201")
    assert say(engine, ANN_TELEGRAM, "push") == [PushTo("telegram", changed=False)]
    assert say(engine, ANN_SLACK, "push console") == [Notice(NoticeCode.PUSH_WHERE)]
    # Unlink from Telegram (where lessons go now): they go back to Slack, which keeps the
    # learning; Telegram starts afresh.
    assert say(engine, ANN_TELEGRAM, "unlink") == [Unlinked("telegram")]
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        ann = unit.learners.find("slack", "U1ANN")
        assert ann is not None and ann.platform is Platform.SLACK
        assert unit.learners.find("telegram", "4201") is None
    fresh = say(engine, ANN_TELEGRAM, "me")
    assert isinstance(fresh[-1], Profile) and fresh[-1].lessons_read == 0
    assert say(engine, ANN_SLACK, "unlink") == [Notice(NoticeCode.NOT_LINKED)]


def test_forget_forgets_every_linked_account(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    say(engine, ANN_TELEGRAM, f"link {code_of(engine, ANN_SLACK)}")
    say(engine, ANN_TELEGRAM, "forget")
    say(engine, ANN_TELEGRAM, "forget confirm")
    assert count(engine, LearnerRow) == 0
    assert say(engine, ANN_SLACK, "hello") == [Notice(NoticeCode.STAY_FORGOTTEN)]
    assert say(engine, ANN_TELEGRAM, "hello") == [Notice(NoticeCode.STAY_FORGOTTEN)]


def test_a_check_of_a_track_both_took_keeps_the_code_learners(engine: Engine) -> None:
    say(engine, ANN_SLACK, "hello")
    say(engine, ANN_TELEGRAM, "hello")
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        for who, asked in ((ANN_SLACK, (("a", "q1"),)), (ANN_TELEGRAM, (("b", "q2"),))):
            learner = unit.learners.find(who[0].value, who[1])
            unit.checks.start(learner.id, "basics", "pre", asked, MONDAY)
        # Telegram also took the track's endline: it goes with its baseline, not paired
        # with Slack's baseline of other questions.
        telegram = unit.learners.find("telegram", "4201")
        unit.checks.start(telegram.id, "basics", "post", (("b", "q2"),), MONDAY)
    code = code_of(engine, ANN_SLACK)
    [linked] = say(engine, ANN_TELEGRAM, f"link {code}")
    assert isinstance(linked, Linked)
    with engine.store.unit() as unit:  # type: ignore[attr-defined]
        learner = unit.learners.find("slack", "U1ANN")
        [kept] = unit.checks.of_learner(learner.id)
    assert kept.questions == (("a", "q1"),)


def test_writing_from_a_linked_account_leaves_the_push_chat_and_a_block_alone(
        engine: Engine) -> None:
    """A Telegram chat id had replaced the Slack learner's DM: every Slack push then failed."""
    say(engine, ANN_SLACK, "hello")
    code = code_of(engine, ANN_SLACK)
    say(engine, ANN_TELEGRAM, "hello")
    say(engine, ANN_TELEGRAM, f"link {code}")
    engine.unreachable(learner_id(engine), "account_inactive")  # Slack refused a push
    say(engine, ANN_TELEGRAM, "how do I spot a phishing email")
    with engine.store.unit() as unit:
        learner = unit.learners.find(*[value.value if isinstance(value, Platform) else value
                                       for value in ANN_SLACK])
        assert learner is not None and learner.platform == "slack"
        assert learner.chat_id == "chat-U1ANN" and learner.unreachable == "account_inactive"


def learner_id(engine: Engine) -> int:
    with engine.store.unit() as unit:
        learner = unit.learners.find("slack", "U1ANN")
        assert learner is not None
        return learner.id


def test_a_profile_known_late_sets_the_zone_after_the_answer_and_keeps_reviews_local(
        engine: Engine) -> None:
    """Slack's users.info failed at the first message: Ann was enrolled in UTC. When her
    profile comes with a later message, her zone is New York's, said after what she asked
    (not "Saved.": she saved nothing), and her reviews stay on their local days."""
    from bot.messages import LessonMessage, SettingsSaved

    def say(text: str, at: datetime, profile: bool) -> list[Outbound]:
        return engine.handle(Inbound(
            Platform.SLACK, "U1ANN", "D1", text=text,
            display_name="Ann" if profile else "", time_zone="America/New_York"
            if profile else None), at)
    say("hi", MONDAY, profile=False)
    say("lesson", MONDAY, profile=False)
    say("done", MONDAY, profile=False)
    with engine.store.unit() as unit:
        learner = unit.learners.find("slack", "U1ANN")
        assert learner is not None and learner.time_zone == "UTC"
        due_before = {(card.lesson_id, card.question_key): card.due_at
                      for card in unit.cards.all(learner.id)}
    replies = say("lesson", MONDAY + timedelta(hours=1), profile=True)
    assert isinstance(replies[0], LessonMessage)
    assert isinstance(replies[-1], SettingsSaved) and replies[-1].from_profile
    with engine.store.unit() as unit:
        learner = unit.learners.find("slack", "U1ANN")
        assert learner is not None and learner.time_zone == "America/New_York"
        assert learner.display_name == "Ann"
        due_after = {(card.lesson_id, card.question_key): card.due_at
                     for card in unit.cards.all(learner.id)}
    # Tuesday 00:00 UTC became Tuesday 00:00 in New York (05:00 UTC).
    assert due_before and {key: due_after[key] - due for key, due in due_before.items()} == {
        key: timedelta(hours=5) for key in due_before}


def test_a_profile_known_late_is_not_said_against_what_the_learner_just_set(
        engine: Engine) -> None:
    """The profile came with "timezone Europe/Paris" or "time 07:30": the learner's own
    change is what is said, once, as it stands."""
    from bot.messages import SettingsSaved

    def say(user: str, text: str, profile: bool) -> list[Outbound]:
        return engine.handle(Inbound(
            Platform.SLACK, user, f"D{user}", text=text, display_name=user.title()
            if profile else "", time_zone="America/New_York" if profile else None), MONDAY)
    say("ubea", "hi", profile=False)
    [saved] = [m for m in say("ubea", "timezone Europe/Paris", profile=True)
               if isinstance(m, SettingsSaved)]
    assert not saved.from_profile and saved.learner.time_zone == "Europe/Paris"
    say("ucy", "hi", profile=False)
    [saved] = [m for m in say("ucy", "time 07:30", profile=True)
               if isinstance(m, SettingsSaved)]
    assert saved.learner.lesson_time == "07:30"
    assert saved.learner.time_zone == "America/New_York"
