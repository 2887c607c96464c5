"""One message of every outbound class, for the tests that walk them all (the outbox codec,
each platform's renderer). A new class in ``bot.messages.MESSAGE_TYPES`` needs an example here:
``test_examples_cover_every_message_class`` says so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.content.model import Lesson
from bot.messages import (
    AllRead,
    BadgesEarned,
    Button,
    ChoiceRange,
    DashboardLink,
    Feedback,
    FlagFigure,
    Help,
    Invalid,
    Leaderboard,
    LearnerView,
    LearnWhat,
    LessonMessage,
    LessonRead,
    LinkCode,
    Linked,
    LookupAnswer,
    MyData,
    NoMatch,
    NothingDue,
    Notice,
    NoticeCode,
    Outbound,
    Profile,
    PushTo,
    QuestionFigure,
    QuestionMessage,
    Reloaded,
    Resumed,
    ReviewsAdded,
    Setting,
    SettingNow,
    SettingsSaved,
    Standing,
    Stats,
    StreakNews,
    StreakView,
    TopicsNow,
    TrackProgress,
    UnknownCommand,
    Unlinked,
    Welcome,
    ZoneNow,
)

LEARNER = LearnerView("Ann <admin> & co", "Europe/Berlin", "09:00", "15:00", ("mon", "tue"),
                      topics=("git",), paused=True, leaderboard_opt_in=True,
                      next_lesson_at=datetime(2026, 3, 3, 8, tzinfo=UTC))


def one_of_each(lesson: Lesson, other: Lesson) -> list[Outbound]:
    """Every outbound class once; ``lesson`` must have questions. Learners' and trainers' text
    holds markup characters, so renderers' escaping is exercised too."""
    question = lesson.questions[-1]
    buttons = tuple(Button(f"{choice.text[:20]} <{index}>", f"a:7:{index}")
                    for index, choice in enumerate(question.choices))
    return [
        Welcome(LEARNER, 28),
        Help(trainer=True),
        LessonMessage(lesson, done="read:0123456789ab"),
        QuestionMessage(lesson, question, 7, buttons),
        Feedback(lesson, question, False, (0, 2), False, 12),
        LookupAnswer("phish <b> & co", lesson, (other,), (("phsh", "phish"), ("<a>", "b&c"))),
        NoMatch("<@U1> & <!here>", ("Spot <phishing>",)),
        Profile(LEARNER, 42, 7, StreakView(3, 5, 1), ("First lesson", "Track & field"), 4, 28, 1,
                (TrackProgress("Git <basics>", 3, 7),), 2, 1, 0.8, 10),
        Leaderboard((Standing("Ann <x>", 30), Standing("", 10)), False, 3),
        SettingsSaved(LEARNER),
        Stats(10, 4, 55, 0.756, 120, (QuestionFigure("x: Which <one>?", 1, 5),),
              (FlagFigure("x: Which <one>?", 2, ("wrong & <bad>", "really")),)),
        Notice(NoticeCode.BUDGET_DONE),
        Resumed(3),
        ZoneNow("Europe/Berlin"),
        UnknownCommand("fo<o>"),
        AllRead(("git", "security")),
        NothingDue(datetime(2026, 3, 3, tzinfo=ZoneInfo("Europe/Berlin"))),
        ChoiceRange(4, True),
        BadgesEarned(("First lesson", "Streak & <5>")),
        Invalid("bad <input> & more"),
        TopicsNow((), ("git", "security")),
        Reloaded(1, 2, 3, ("a.md:1: error: x <y>",)),
        SettingNow(Setting.TIME, LEARNER),
        LearnWhat("git & <co>"),
        StreakNews(5, freeze_earned=True),
        Feedback(lesson, question, False, (), False, 12, skipped=True),
        LookupAnswer("how <to> & co", lesson, add="add:0123456789ab"),
        DashboardLink("https://example.com/dashboard/signin?token=a&b<c>", 10),
        MyData("microlearn-my-data-2026-03-02.json", '{"tables": {"x": "<&>"}}\n', 3),
        LinkCode("ABCD2345", 10),
        Linked(("slack", "telegram"), "slack"),
        Unlinked("telegram"),
        PushTo("telegram"),
        PushTo("slack", changed=False),
        LessonRead("Spot <phishing> & co", 5, 47),
        LessonRead("Spot <phishing> & co", 5, 47, by_answer=True),
        ReviewsAdded("Spot <phishing> & co", 2,
                     first_due=datetime(2026, 3, 3, tzinfo=ZoneInfo("Europe/Berlin"))),
    ]
