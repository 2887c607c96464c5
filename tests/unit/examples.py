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
    CheckDone,
    CheckIntro,
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
    LookupAnswer,
    NoMatch,
    Noted,
    NoteEntry,
    Notes,
    NothingDue,
    Notice,
    NoticeCode,
    Outbound,
    Profile,
    QuestionFigure,
    QuestionMessage,
    Rated,
    RateLesson,
    ReflectionPrompt,
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
    TrackGain,
    TrackProgress,
    UnknownCommand,
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
        Feedback(lesson, question, False, (0,), False, 12, confidence="s"),
        Feedback(lesson, question, True, (1,), False, 22, earned=10, confidence="g"),
        LookupAnswer("phish <b> & co", lesson, (other,), (("phsh", "phish"), ("<a>", "b&c"))),
        NoMatch("<@U1> & <!here>", ("Spot <phishing>",)),
        Profile(LEARNER, 42, 7, StreakView(3, 5, 1), ("First lesson", "Track & field"), 4, 28, 1,
                (TrackProgress("Git <basics>", 3, 7),), 2, 1, 0.8, 10,
                (TrackGain("Git <basics>", 0.25, 0.75, 2 / 3), TrackGain("All & known", 1.0, 1.0,
                                                                           None))),
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
        LessonRead("Spot <phishing> & co", 5, 47),
        LessonRead("Spot <phishing> & co", 5, 47, by_answer=True),
        ReviewsAdded("Spot <phishing> & co", 2,
                     first_due=datetime(2026, 3, 3, tzinfo=ZoneInfo("Europe/Berlin"))),
        RateLesson("Spot <phishing> & co", "rate:0123456789ab:up", "rate:0123456789ab:down"),
        Rated("Spot <phishing> & co", False, ask_comment=True),
        Rated("Spot <phishing> & co", True, comment="clear <b> & short"),
        ReflectionPrompt("What will you do <differently> & why?", "Spot <phishing> & co",
                         "Security <basics>"),
        Noted("reflection", "Spot <phishing> & co"),
        CheckIntro("Git <basics>", 4, "pre"),
        CheckIntro("Git <basics>", 4, "pre", left=2),
        CheckIntro("Git <basics>", 4, "post"),
        CheckDone("Git <basics>", "pre", 1, 4),
        CheckDone("Git <basics>", "post", 3, 4, before=1),
        QuestionMessage(lesson, question, 8, buttons, 1, 4, check="pre"),
        QuestionMessage(lesson, lesson.questions[0], 9, tuple(
            Button(f"{choice.text[:20]} <{index}>", f"a:9:{index}:{level}")
            for index, choice in enumerate(lesson.questions[0].choices)
            for level in ("s", "t", "g")), levels=("s", "t", "g")),
        Notes((NoteEntry(datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("Europe/Berlin")),
                         "Spot <phishing> & co", "What <now>?", "Lock my screen & <more>"),),
              11),
    ]
