"""Every message class and every notice renders to real text, and the console shows each kind
exactly as it always has."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.content.model import Choice, Lesson, Question
from bot.messages import (
    MESSAGE_TYPES,
    AllRead,
    BadgeBoard,
    BadgeGoal,
    BadgesEarned,
    Button,
    CheckDone,
    CheckIntro,
    ChoiceRange,
    DashboardLink,
    Feedback,
    FlagFigure,
    FlagNoted,
    Help,
    Invalid,
    Kind,
    Leaderboard,
    LearnerView,
    LearnWhat,
    LessonMessage,
    LessonRead,
    LinkCode,
    Linked,
    LookedUpDone,
    LookupAnswer,
    MyData,
    NoMatch,
    Noted,
    NoteEntry,
    Notes,
    NothingDue,
    Notice,
    NoticeCode,
    NotIt,
    Outbound,
    Paused,
    PickRange,
    Profile,
    PushTo,
    QuestionFigure,
    QuestionMessage,
    Rated,
    RateLesson,
    ReflectionPrompt,
    Reloaded,
    Reminder,
    Resumed,
    ReviewsAdded,
    Setting,
    SettingNow,
    SettingsSaved,
    Standing,
    Stats,
    StreakNews,
    StreakView,
    TopicQuiz,
    TopicsNow,
    TrackGain,
    TrackProgress,
    UnknownCommand,
    Unlinked,
    Welcome,
    ZoneNow,
)
from bot.rendering.renderer import TEMPLATES, Renderer

QUESTION = Question("k", "Which **one**?", (Choice("A", False, 1), Choice("`B`", True, 2)),
                    "Because B.", 1, detail="Picture this.")
LESSON = Lesson(id="x/l", path="x/l.md", title="Title", summary="", body="Body **text**.",
                text="Body text.", topic="x", track="basics", minutes=3, objective="Learn it",
                questions=(QUESTION,))
LEARNER = LearnerView("Ann", "Europe/Berlin", "09:00", "15:00", ("mon", "tue"), topics=("git",),
                      leaderboard_opt_in=True, next_lesson_at=datetime(2026, 3, 3, 8, tzinfo=UTC))

RENDERED: list[tuple[Outbound, str]] = [
    (Welcome(LEARNER, 28),
     "Welcome to microlearn! Every workday you get one short lesson (09:00) and a few review "
     "questions (15:00), in your time zone (Europe/Berlin).\n28 lessons are waiting. Type "
     '"lesson" for your first one now, or ask me anything, like "how do I spot a phishing '
     'email?".\nSettings: "time 08:30", "time quiz 16:00", "timezone Europe/Berlin", "days '
     'mon-fri", "topics". Type "help" for everything else.'),
    (Welcome(LEARNER, 28, read=4),
     "Welcome back! Every workday you get one short lesson (09:00) and a few review "
     "questions (15:00), in your time zone (Europe/Berlin).\nYou have read 4 of 28 lessons. "
     'Type "lesson" for the next one, "me" for your progress, or ask me anything, like "how '
     'do I spot a phishing email?".\nSettings: "time 08:30", "time quiz 16:00", "timezone '
     'Europe/Berlin", "days mon-fri", "topics". Type "help" for everything else.'),
    (Welcome(LEARNER, 28, read=4, topic_lessons=7, topic_read=3),
     "Welcome back! Every workday you get one short lesson (09:00) and a few review "
     "questions (15:00), in your time zone (Europe/Berlin).\nYou have read 3 of 7 lessons in "
     'your topics (4 of 28 in the whole library). Type "lesson" for the next one, "me" for '
     'your progress, or ask me anything, like "how do I spot a phishing email?".\nSettings: '
     '"time 08:30", "time quiz 16:00", "timezone Europe/Berlin", "days mon-fri", "topics". '
     'Type "help" for everything else.'),
    (Welcome(LEARNER, 28, topic_lessons=7),
     "Welcome to microlearn! Every workday you get one short lesson (09:00) and a few review "
     "questions (15:00), in your time zone (Europe/Berlin).\n7 lessons in your topics are "
     'waiting. Type "lesson" for your first one now, or ask me anything, like "how do I spot '
     'a phishing email?".\nSettings: "time 08:30", "time quiz 16:00", "timezone '
     'Europe/Berlin", "days mon-fri", "topics". Type "help" for everything else.'),
    (LessonMessage(LESSON),
     "# Title\n3 min · Basics · Goal: Learn it\n\nBody **text**.\n\n(1 question from this "
     "lesson will come back for review, from your next workday on.)"),
    (QuestionMessage(LESSON, QUESTION, 7, (Button("A", "a:7:0"), Button("B", "a:7:1"))),
     "Question (Title):\nWhich one?\nPicture this.\n  1) A\n  2) B\nAnswer with a number "
     "(or letter)."),
    (QuestionMessage(LESSON, replace(QUESTION, choices=(Choice("A", True, 1),
                                                        Choice("B", True, 2))), 8),
     "Question (Title):\nWhich one?\nPicture this.\n  1) A\n  2) B\nSelect all that apply: "
     "answer with every right number, like 1 3."),
    # The question says it already: the hint does not say it twice.
    (QuestionMessage(LESSON, replace(QUESTION, text="Which? (Select all that apply)",
                                     choices=(Choice("A", True, 1), Choice("B", True, 2))), 9),
     "Question (Title):\nWhich? (Select all that apply)\nPicture this.\n  1) A\n  2) B\n"
     "Answer with every right number, like 1 3."),
    (Feedback(LESSON, QUESTION, True, (1,), False, 12), "Right!\nBecause B.\nPoints: 12."),
    (Feedback(LESSON, QUESTION, False, (0,), True, 3),
     "Not quite. The answer: 2) B\nBecause B.\nYou have mastered this question: it will rest "
     "for a long while.\nPoints: 3."),
    (LookupAnswer("q", LESSON, (LESSON,), (("tite", "title"), ("lern", "learn"))),
     "(I read: tite -> title, lern -> learn)\n# Title\n3 min · Basics · Goal: Learn it\n\nBody "
     '**text**.\n\nRelated: "Title" (type "learn" and a title).'),
    (NoMatch("xyz", ("A", "B")),
     'I have no lesson on "xyz".\nDid you mean:\n1. A\n2. B\nReply with its number to read one.'),
    (NoMatch("xyz", ("A",)), 'I have no lesson on "xyz".\nDid you mean "A"? Reply "yes" to read it.'),
    (PickRange(2), "I offered 2 lessons: reply with a number from 1 to 2, or ask again in other words."),
    (Profile(LEARNER, 42, 7, StreakView(3, 5, 2), (), 4, 28, 1,
             gains=(TrackGain("Git basics", 0.25, 0.75, 2 / 3),
                    TrackGain("Phishing", 1.0, 0.75, None))),
     "Ann: 42 points (7 this week).\nStreak: 3 days (best 5), 2 streak freezes in reserve.\n"
     "Lessons: 4 of 28 read; 1 question mastered.\nChecks: Git basics 25% before, 75% after, "
     "gain 67%; Phishing 100% before, 75% after, gain undefined (you knew it all before).\n"
     "Reviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    (Profile(LEARNER, 42, 7, StreakView(0, 0, 0), (), 1, 28, 0, day_off=True),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 0). Today is not one of your "
     "learning days (mon, tue): it neither adds to your streak nor breaks it.\n"
     "Lessons: 1 of 28 read; 0 questions mastered.\nReviews: 0 due today, 0 tomorrow.\n"
     "Badges: none yet."),
    (Profile(LEARNER, 42, 7, StreakView(0, 5, 0, ended=5, ended_on="Tue 10 Mar"), (), 4, 28, 1),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 5). Your 5-day streak ended on Tue 10 "
     "Mar, a learning day with no lesson read and no question answered: the next one you read "
     "or answer starts a new streak.\nLessons: 4 of 28 read; 1 question mastered.\n"
     "Reviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    (Profile(replace(LEARNER, topics=()), 0, 0, StreakView(0, 0, 0), (), 0, 0, 0,
             lessons_left=False, none_in_topics=True),
     "Ann: 0 points (0 this week).\nStreak: 0 days (best 0).\nLessons: 0 of 0 read; 0 questions "
     "mastered. The library has no lessons yet: a new one comes when a trainer adds it.\n"
     "Reviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    (Profile(replace(LEARNER, topics=("gone",)), 42, 7, StreakView(0, 3, 0), (), 0, 28, 0,
             lessons_left=False, none_in_topics=True),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 3).\n"
     'Lessons: 0 of 28 read; 0 questions mastered. No lesson is in your topics now: "topics all" '
     "brings back every one.\nReviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    (Profile(LEARNER, 42, 7, StreakView(0, 3, 0), (), 28, 28, 9, lessons_left=False),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 3).\n"
     "Lessons: 28 of 28 read; 9 questions mastered. You have read every lesson in your topics: a new one "
     "comes when a trainer adds it.\nReviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    # Topics chosen: the lessons they will get first, the library's beside them.
    (Profile(LEARNER, 42, 7, StreakView(0, 0, 0), (), 3, 28, 0, topic_lessons=9, topic_read=2),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 0).\nLessons: 2 of 9 read in your "
     "topics, 3 of 28 in the whole library; 0 questions mastered.\nReviews: 0 due today, 0 "
     "tomorrow.\nBadges: none yet."),
    # Topics that hold every lesson: the library's count alone.
    (Profile(LEARNER, 42, 7, StreakView(0, 0, 0), (), 3, 28, 0, topic_lessons=28, topic_read=3),
     "Ann: 42 points (7 this week).\nStreak: 0 days (best 0).\nLessons: 3 of 28 read; 0 "
     "questions mastered.\nReviews: 0 due today, 0 tomorrow.\nBadges: none yet."),
    (Profile(LEARNER, 42, 7, StreakView(3, 5, 2), ("First lesson",), 4, 28, 1),
     "Ann: 42 points (7 this week).\nStreak: 3 days (best 5), 2 streak freezes in reserve.\n"
     "Lessons: 4 of 28 read; 1 question mastered.\nReviews: 0 due today, 0 tomorrow.\n"
     "Badges: First lesson."),
    (Profile(LEARNER, 42, 7, StreakView(1, 1, 0), (), 4, 28, 0,
             (TrackProgress("Git basics", 3, 7),), 2, 1, 0.8, 10),
     "Ann: 42 points (7 this week).\nStreak: 1 day (best 1).\nLessons: 4 of 28 read; 0 "
     "questions mastered.\nTracks: Git basics 3/7.\nReviews: 2 due today (\"quiz\" asks them), 1 "
     "tomorrow. Last 30 days: 80% right of 10 answers.\nBadges: none yet."),
    (Profile(LEARNER, 42, 7, StreakView(1, 1, 0), (), 4, 28, 0, due_tomorrow=3, next_day="Mon"),
     "Ann: 42 points (7 this week).\nStreak: 1 day (best 1).\nLessons: 4 of 28 read; 0 "
     "questions mastered.\nReviews: 0 due today, 3 on Mon.\nBadges: none yet."),
    (Leaderboard((Standing("Ann", 30), Standing("", 10)), True, 30),
     "This week's leaderboard:\n  1. Ann: 30\n  2. Anonymous: 10\nYou: 30 points this week "
     '("top leave" hides you).'),
    (Leaderboard((), False, 0),
     "This week's leaderboard:\n  Nobody yet: be the first!\nYou are not on the board (0 "
     'points this week). Type "top join" to appear.'),
    (Leaderboard((), False, 5, changed=True),  # `top leave`: said first (it had not been)
     "Done: you are off the board, and your points are kept.\nThis week's leaderboard:\n"
     "  Nobody yet: be the first!\nYou are not on the board (5 points this week). Type "
     '"top join" to appear.'),
    (Leaderboard((Standing("Ann", 30),), True, 30, asked=True),  # `top join` when on it
     "You are on the board already.\nThis week's leaderboard:\n  1. Ann: 30\nYou: 30 points "
     'this week ("top leave" hides you).'),
    (Leaderboard((), False, 5, asked=True),  # `top leave` when off it
     "You are not on the board: nothing to leave.\nThis week's leaderboard:\n  Nobody yet: be "
     'the first!\nYou are not on the board (5 points this week). Type "top join" to appear.'),
    (SettingsSaved(LEARNER),
     "Saved. Lesson at 09:00, quiz at 15:00 (Europe/Berlin), on mon, tue; topics: git."),
    (SettingsSaved(LEARNER, from_profile=True),  # the platform's profile came late
     "Your profile says you are in Europe/Berlin, so your times are that zone's now: lesson at "
     "09:00, quiz at 15:00 (Europe/Berlin), on mon, tue; topics: git."),
    (SettingsSaved(replace(LEARNER, quiz_time="19:00"), reminders_close="19:30"),
     "Saved. Lesson at 09:00, quiz at 19:00 (Europe/Berlin), on mon, tue; topics: git. A quiz "
     "this late gets no reminder if you leave it unanswered: a reminder comes the same day, no "
     "later than 19:30."),
    (SettingsSaved(replace(LEARNER, quiz_time="07:00")),
     "Saved. Lesson at 09:00, quiz at 07:00 (Europe/Berlin), on mon, tue; topics: git. Your quiz "
     "comes before your lesson, so it asks about earlier lessons."),
    (Stats(10, 4, 55, 0.756, 120, (QuestionFigure("x/l: Which?", 1, 5),),
           (FlagFigure("x/l: Which?", 2, ("a", "b", "c", "d")),)),
     "Learners: 10 (4 active this week). Lessons sent: 55, read: 0.\nQuiz accuracy (30 days): 76% of "
     "120 answers.\nHardest questions:\n  x/l: Which? (1/5 right)\nFlagged as wrong by "
     'learners:\n  x/l: Which? (2 flags)\n    "a"\n    "b"\n    "c"'),
    (Notice(NoticeCode.QUIZ_DONE), "That's all for now. See you next time!"),
    (Notice(NoticeCode.TRAINERS_ONLY, account="telegram:42"),
     'That is for trainers. An administrator makes you one by adding "telegram:42" to trainers '
     "in the [bot] section of the bot's configuration, then restarting it."),
    (Reminder(), 'Your question from today is still waiting: one minute keeps what you '
     'learnt. (Type "nudges off" to stop these reminders.)'),
    (Reminder(4, streak=6), "4 of today's questions are still waiting (the first is below): "
     "one minute keeps what you learnt. Your 6-day streak ends today unless you answer: one "
     'question keeps it. (Type "nudges off" to stop these reminders.)'),
    (Notice(NoticeCode.PAUSED), 'Enjoy your break! No lessons or quizzes come until you say '
     '"resume", and your streak waits for you (your reviews move by the days away).'),
    (Resumed(3), "Welcome back! Your reviews moved 3 days later and your streak waited for "
     "you. Daily messages are on again."),
    (Resumed(learner=LEARNER),
     'Welcome back! Daily messages are on again. Lesson at 09:00, quiz at 15:00 (Europe/Berlin), '
     'on mon, tue: "time", "days" and "timezone" change them.'),
    (Resumed(), "Welcome back! Daily messages are on again."),
    (Resumed(2, keep_today=4), "Welcome back! Your reviews moved 2 days later and your streak "
     "waited for you. Daily messages are on again. Today counts again: read today's lesson or "
     "answer a question before midnight to keep your 4-day streak."),
    (ZoneNow("UTC"), 'Your time zone is UTC. Change it with "timezone Area/City", like '
     '"timezone Europe/Berlin".'),
    (UnknownCommand("foo"), 'I don\'t know "/foo". Type "help" for the list.'),
    (UnknownCommand("lesosn", meant="lesson", slashed=False),
     'Did you mean "lesson"? Type it to do that, or ask in more words to look "lesosn" up.'),
    (UnknownCommand("lesosn", meant="lesson", slashed=False, reply_open="reflection",
                    prompt="What will you do differently?"),
     'Did you mean "lesson"? Type it to do that. Your reflection is still open: What will you '
     "do differently? (Type your answer, or just carry on.)"),
    (AllRead(("git",)), 'You have read every lesson in your topics! Review with "quiz", or ask '
     "me anything."),
    (AllRead(("git", "ssh"), none_in_topics=True), 'No lesson is in your topics (git, ssh) now: '
     '"topics" lists the library\'s topics, "topics all" brings back every one.'),
    (AllRead((), none_in_topics=True), "The library has no lessons yet: a new one comes when a "
     "trainer adds it."),
    (NothingDue(datetime(2026, 3, 3, tzinfo=timezone(timedelta(hours=1)))),
     "No questions due right now. The next one comes on Tue 03 Mar."),
    (NothingDue(None, check="Security basics"),
     "No questions due right now. A lesson's questions come back for review from the next "
     'workday: type "lesson" for one. Your knowledge check of "Security basics" is waiting: '
     'type "lesson" to go on with it.'),
    (ChoiceRange(4, True), "Please answer with the numbers of every right choice, like 1 3, "
     "from 1 to 4."),
    (ChoiceRange(3, False), "Please answer with a number from 1 to 3 (or a letter from a to c)."),
    (ChoiceRange(3, False, fits=(1, 2)), "That fits more than one choice (1 and 2). Please "
     "answer with a number from 1 to 3 (or a letter from a to c)."),
    (BadgesEarned(("A", "B")), "New badges: A, B!"),
    (Invalid("not a time"), "Not a time."),
    (TopicsNow((), ("git", "security")), 'Your topics: all. Available: git, security. Choose '
     'with "topics git security".'),
    (Welcome(LEARNER, 3, "use git stash?", ("git", "security")),
     "Welcome to microlearn! Every workday you get one short lesson (09:00) and a few review "
     "questions (15:00), in your time zone (Europe/Berlin).\n3 lessons are waiting. Type "
     '"lesson" for your first one now, or ask me anything, like "use git stash?".\nSettings: '
     '"time 08:30", "time quiz 16:00", "timezone Europe/Berlin", "days mon-fri", "topics git '
     'security". Type "help" for everything else.'),
    (SettingNow(Setting.TIME, LEARNER),
     'Your lesson comes at 09:00 and your review questions at 15:00 (Europe/Berlin). Change '
     'them with "time 08:30" or "time quiz 16:00".'),
    (SettingNow(Setting.DAYS, LEARNER),
     'You learn on mon, tue. Change it with "days mon-fri", "days mon,wed,fri" or "days every '
     'day".'),
    (LearnWhat("git"), 'Learn what? Try "learn git".'),
    (StreakNews(5, freeze_earned=True), "5 days in a row: you earned a streak freeze (a missed "
     "workday will not break your streak)."),
    (StreakNews(7, freezes_used=1), "Your streak held: 1 streak freeze covered the missed "
     "workday. 7 days now."),
    (StreakNews(4, at_risk=True), "Your 4-day streak ends today unless you answer: one "
     "question keeps it."),
    (Feedback(LESSON, QUESTION, True, (1,), True, 42, earned=30, mastered_points=20),
     "Right!\nBecause B.\nYou have mastered this question: it will rest for a long while.\n"
     "Points: 42 (+30, 20 of them for mastering it)."),
    (Feedback(LESSON, QUESTION, True, (1,), True, 42, earned=10),
     "Right!\nBecause B.\nYou have mastered this question: it will rest for a long while.\n"
     "Points: 42 (+10)."),
    (StreakNews(10, freeze_earned=True, freezes_used=1),
     "Your streak held: 1 streak freeze covered the missed workday. 10 days now.\n10 days in "
     "a row: you earned a streak freeze (a missed workday will not break your streak)."),
    (QuestionMessage(LESSON, QUESTION, 7, (), levels=("s", "t", "g")),
     "Question (Title):\nWhich one?\nPicture this.\n  1) A\n  2) B\nAnswer with the number "
     "and how sure you are: like 2 sure, 2 think so, or 2 guess."),
    (Feedback(LESSON, QUESTION, True, (1,), False, 22, earned=10, confidence="g"),
     "Right!\nBecause B.\nRight, but a guess: it comes back sooner than a question you knew.\n"
     "Points: 22 (+10)."),
    (Feedback(LESSON, QUESTION, False, (0,), False, 12, confidence="s"),
     "Not quite. The answer: 2) B\nBecause B.\nYou were sure, yet it was not right: worth "
     "reading the explanation twice.\nPoints: 12."),
    (QuestionMessage(LESSON, QUESTION, 7, (), 2, 5),
     "Question 2 of 5 (Title):\nWhich one?\nPicture this.\n  1) A\n  2) B\nAnswer with a "
     "number (or letter)."),
    # A baseline check's question names its track, not a lesson the learner has not read,
    # and is not numbered like the day's reviews.
    (QuestionMessage(LESSON, QUESTION, 7, (), 1, 4, check="pre"),
     "Quick check 1 of 4 (Basics):\nWhich one?\nPicture this.\n  1) A\n  2) B\nAnswer with "
     "a number (or letter)."),
    (Feedback(LESSON, QUESTION, False, (), False, 12, skipped=True),
     "Here is the answer. 2) B\nBecause B.\nPoints: 12."),
    (LessonMessage(LESSON, done="read:x"),
     "# Title\n3 min · Basics · Goal: Learn it\n\nBody **text**.\n\n(1 question from this "
     "lesson will come back for review, from your next workday on.)\n\n(Read it? Type "
     '"done": it then counts, with its points and your streak day.)'),
    (LookupAnswer("q", LESSON, (), add="add:x"),
     '# Title\n3 min · Basics · Goal: Learn it\n\nBody **text**.\n\n(Type "add" to have its questions '
     "come back for review.)"),
    (LookupAnswer("q", LESSON, (), unsure=True),
     "I'm not sure this is what you asked, but it is the closest lesson I have:\n# Title\n"
     "3 min · Basics · Goal: Learn it\n\nBody **text**.\n\n(Not it? Say \"not what I asked\" and I'll "
     "pass your question on to the trainers.)"),
    (LessonRead("Title", 5, 20), '"Title" counts as read: +5 points (20 in all).'),
    (DashboardLink("https://x.example/dashboard/signin?token=abc", 10),
     "Your sign-in link to the dashboard (it works once, for 10 minutes; do not share it):\n"
     "https://x.example/dashboard/signin?token=abc"),
    (LinkCode("ABCD2345", 10),
     'Your link code: ABCD2345\nOn your other platform (Slack or Telegram), type "link '
     'ABCD2345" within 10 minutes: your progress, streak, reviews and points become one.'),
    (Linked(("slack", "telegram"), "slack"),
     "Linked: you are one learner on slack and telegram, with one progress, streak, set of "
     'reviews and points. Lessons and quizzes go to slack; "push <platform>" changes that, '
     '"unlink" separates this account again.'),
    (Unlinked("telegram"),
     "This telegram account is on its own again; your learning stays with your other account. "
     "Write here again to start afresh."),
    (PushTo("telegram"), "From now on, lessons and quizzes come to telegram."),
    (MyData("microlearn-my-data-2026-03-02.json", "{}", 12),
     "Here is everything microlearn stores about you: 12 records, in "
     'microlearn-my-data-2026-03-02.json. Say "forget" to delete it all.'),
    (MyData("microlearn-my-data-2026-03-02.json", "{}", 1),  # had been "1 records"
     "Here is everything microlearn stores about you: 1 record, in "
     'microlearn-my-data-2026-03-02.json. Say "forget" to delete it all.'),
    (LessonRead("Title", 5, 20, by_answer=True),
     'That counts "Title" as read: +5 points (20 in all).'),
    (LessonRead("Title", 0, 20, already=True), '"Title" already counts as read.'),
    (LookedUpDone("Title", 2, waiting="Mine"),
     '"Title" was an answer to your question, and looked-up lessons earn no points: nothing '
     'was counted. To practise it, type "add" to have its 2 questions come back for review.'
     '\n\nYour lesson "Mine" is still waiting to be marked: type "done" again to count it.'),
    (LookedUpDone("Title", in_reviews=True),
     '"Title" was an answer to your question, and looked-up lessons earn no points: nothing '
     "was counted. Its questions are in your reviews."),
    (ReviewsAdded("Title", 1, first_due=datetime(2026, 3, 3)),
     'Added: 1 question of "Title" will come back for review from Tue 03 Mar.'),
    (ReviewsAdded("Title", 2, already=True),
     'The questions of "Title" are already in your reviews.'),
    (Reloaded(1, 2, 3, ("a.md:1: error: x",)),
     "Lessons reloaded: 1 added, 2 changed, 3 removed.\na.md:1: error: x"),
    (Reloaded(0, 0, 0, ("a.md:1: error: x", "b.md:2: error: y"), ("a.md",), ("b.md",), 4),
     "Lessons reloaded: 0 added, 0 changed, 0 removed.\na.md:1: error: x\nb.md:2: error: y\n"
     '... and 4 more ("microlearn lessons check" on the lesson folder lists them all).\n'
     "Still served in their last good version until fixed: a.md.\n"
     "Not served at all until fixed (no good version yet): b.md."),
    (RateLesson("Title", "rate:x:up", "rate:x:down"),
     'Was "Title" useful? Type "rate up" or "rate down", with a few words if you like (or '
     "just carry on)."),
    (Rated("Title", False, ask_comment=True),
     'Thanks for saying so. What would have made "Title" useful? Type it and I\'ll pass it on '
     "to the trainers (or just carry on)."),
    (Rated("Title", True), 'Thanks: glad "Title" was useful.'),
    # A looked-up lesson rated down: the question goes on only with "not what I asked".
    (Rated("Title", False, ask_comment=True, can_pass_on=True),
     'Thanks for saying so. What would have made "Title" useful? Type it and I\'ll pass it on '
     'to the trainers (or just carry on). If it did not answer your question at all, say "not '
     'what I asked" and I\'ll pass the question on too, as one without a good lesson yet.'),
    (Rated("Title", False, comment="too long", can_pass_on=True),
     'Thanks: your rating of "Title" and your words go to the trainers. If it did not answer '
     'your question at all, say "not what I asked" and I\'ll pass the question on too, as one '
     "without a good lesson yet."),
    (Rated("Title", True, can_pass_on=True), 'Thanks: glad "Title" was useful.'),
    (FlagNoted("Which one is right?"), 'Thanks: a trainer will look at "Which one is right?".'),
    (FlagNoted('Someone from "the IT help desk" phones'),  # no quotes in quotes
     'Thanks: a trainer will look at \u201cSomeone from "the IT help desk" phones\u201d.'),
    (NotIt("fake invoices", "Title"),
     'Sorry that "Title" was not it. I have passed "fake invoices" to the trainers as a '
     "question without a good lesson yet. Asking in other words may find one."),
    (Rated("Title", False, comment="too long"),
     'Thanks: your rating of "Title" and your words go to the trainers.'),
    (ReflectionPrompt("What now?", "Title", "Basics"),
     "You finished Basics. One question to think about: What now?\n(Type your answer: it is "
     "kept in your notes, which your trainers can read too. Or just carry on.)"),
    (Noted("reflection", "Title"),
     'Kept in your notes ("notes" shows them; your trainers see them too).'),
    (Noted("comment", "Title"), 'Thanks: your words on "Title" go to the trainers.'),
    (Notes((NoteEntry(datetime(2026, 3, 3, 9), "Title", "What now?", "Lock it"),), 1),
     "Your notes:\n\nTue 03 Mar 2026 · Title\nWhat now?\n“Lock it”"),
    (CheckIntro("Basics", 4, "pre"),
     'Before you start Basics: 4 quick questions to see what you know already. No points, '
     'nothing counts against you; "skip" if you don\'t know, "skip check" to skip them all and '
     "go straight to the lesson."),
    (CheckIntro("Basics", 4, "pre", left=2),
     'Before you start Basics: 2 of the 4 quick questions are still waiting. No points, '
     'nothing counts against you; "skip" if you don\'t know, "skip check" to skip them all and '
     "go straight to the lesson."),
    (CheckIntro("Basics", 3, "post"),
     "You finished Basics a few days ago: 3 questions from its start, to see what stuck. They "
     'count like any review; "skip check" to skip the check.'),
    (CheckDone("Basics", "pre", 1, 4),
     "Thanks: that is your starting point (1 of 4 right). Now the lesson."),
    (CheckDone("Basics", "post", 3, 4, before=1),
     "Check done: 3 of 4 right, 1 of 4 before you started Basics."),
    (NoMatch("stres", ("Manage stress", "Take notes"), ("pick:a", "pick:b"), quiz=True),
     'I have no lesson on "stres".\nDid you mean:\n1. Manage stress\n2. Take notes\nReply with '
     "its number to take its quiz."),
    (NoMatch("stres", ("Manage stress",), ("pick:a",), numbered=False, quiz=True),
     'I have no lesson on "stres".\nDid you mean "Manage stress"? Type "quiz me on Manage '
     'stress" to take its quiz.'),
    (NotIt("passwords", "Title", taken_back=True),
     'Sorry that "Title" was not it. I have passed "passwords" to the trainers as a question '
     "without a good lesson yet. Its questions are out of your reviews again. Asking in other "
     "words may find one."),
    (TopicQuiz("Title", "start", 3, 3), 'Quiz on "Title": 3 questions.'),
    (TopicQuiz("Title", "start", 3, 3, subject="Git basics"),
     'Quiz on Git basics, lesson "Title": 3 questions.'),
    (TopicQuiz("git", "subject_done", due=0),
     'You have answered every question on git today: they come back in your reviews. Type '
     '"quiz me on" another topic, or "lesson" for a new one.'),
    (TopicQuiz("Title", "start", 1, 1, added=True),
     'Quiz on "Title": 1 question (they join your reviews too).'),
    (TopicQuiz("Title", "start", 3, 2), 'Quiz on "Title": 2 of its 3 questions are left for today.'),
    (TopicQuiz("Title", "start", 3, 1, corrections=(("pasword", "password"),)),
     '(I read "pasword" as "password".)\nQuiz on "Title": 1 of its 3 questions is left for today.'),
    (TopicQuiz("Title", "done", 3, due=2),
     'That was the last question on "Title" for today. 2 review questions are waiting: type '
     '"quiz".'),
    (TopicQuiz("Title", "done", 3),
     'That was the last question on "Title" for today. Type "quiz me on" another topic, or '
     '"lesson" for a new one.'),
    (TopicQuiz("Title", "answered", 3, due=1),
     'You have answered every question on "Title" today: they come back in your reviews. 1 '
     'review question is waiting: type "quiz".'),
    (TopicQuiz("Title", "done", 3, check="Security basics"),
     'That was the last question on "Title" for today. Your knowledge check of "Security '
     'basics" is still open: type "quiz" to go on with it.'),
    (TopicQuiz("Title", "answered", 3, due=2, check="Git"),
     'You have answered every question on "Title" today: they come back in your reviews. Your '
     'knowledge check of "Git" is still open: type "quiz" to go on with it (then 2 review '
     'questions).'),
    (TopicQuiz("Title", "none"),
     'The lesson on that, "Title", has no quiz questions. Type "learn Title" to read it.'),
    (TopicQuiz("Title", "none", other="Other"),
     'The lesson on that, "Title", has no quiz questions. Type "learn Title" to read it, or '
     '"quiz me on Other" for a quiz on the closest lesson that has questions.'),
    (TopicQuiz("Title", "unsure", topic="pishing"),
     'I\'m not sure I have a quiz on "pishing". The closest lesson is "Title": type "quiz me on '
     'Title" to take its quiz, or "learn Title" to read it.'),
    (TopicQuiz("Title", "unsure", topic="pishing", pick=True),
     'I\'m not sure I have a quiz on "pishing". The closest lesson is "Title": type "yes" (or '
     '"quiz me on Title") to take its quiz, or "learn Title" to read it.'),
    (TopicQuiz("", "no_last"),
     'You have no lesson yet to be quizzed on. Type "quiz me on" a topic, like "quiz me on '
     'passwords", or "lesson" for your first lesson.'),
    (Paused("Fri 6 Mar", "Mon 9 Mar"),
     "Enjoy your break! No lessons or quizzes come until your holiday ends on Fri 6 Mar: they "
     "start again on Mon 9 Mar. Your streak waits for you (your reviews move by the days "
     'away). Back sooner? Type "resume".'),
    (Resumed(3, 2, LEARNER, ended="Fri 6 Mar"),
     "Welcome back: your holiday ended on Fri 6 Mar. Your reviews moved 3 days later and your "
     "streak waited for you. Read today's lesson or answer a question before midnight to keep "
     "your 2-day streak."),
    (BadgeBoard((), (BadgeGoal("5-day streak", "streak", 5, 3),
                     BadgeGoal("10 lessons", "lessons", 10, 1)), 3, 0, 2, 5, 2),
     "Badges: none yet.\nStill to earn:\n- 5-day streak: learn on 5 learning days in a row (2 "
     "more days of streak)\n- 10 lessons: read 10 lessons (9 more)\nStreak freezes: every 5 "
     "days of streak earn one (you keep up to 2); a freeze covers a missed learning day, so "
     "your streak holds. You have 0: 2 more days of streak to your first freeze."),
    (Profile(LEARNER, 42, 7, StreakView(1, 1, 0), (), 4, 28, 0, due_today=33, daily_quiz=5),
     "Ann: 42 points (7 this week).\nStreak: 1 day (best 1).\nLessons: 4 of 28 read; 0 "
     'questions mastered.\nReviews: 33 due today (the daily quiz brings up to 5; "quiz" asks '
     'them all), 0 tomorrow.\nBadges: none yet.'),
    (Notes((), 0), "No notes yet. When a lesson or the end of a track asks you a question to "
     "think about, type your answer: it is kept here."),
]


@pytest.mark.parametrize(("message", "text"), RENDERED,
                         ids=[type(message).__name__ for message, _ in RENDERED])
def test_the_console_shows_each_message_as_before(message: Outbound, text: str) -> None:
    assert Renderer().render(message) == text


def test_every_message_class_renders() -> None:
    shown = {type(message) for message, _ in RENDERED}
    assert shown | {Help} == set(MESSAGE_TYPES)
    assert "Trainers: stats" in Renderer().render(Help(trainer=True))
    assert "Trainers" not in Renderer().render(Help())


@pytest.mark.parametrize("code", list(NoticeCode))
def test_every_notice_code_has_its_own_words(code: NoticeCode) -> None:
    text = Renderer().render(Notice(code))
    assert text and text != code.value


def test_every_kind_has_a_template_and_every_class_its_kind() -> None:
    assert {f"{kind.value}.txt" for kind in Kind} <= {p.name for p in Path(TEMPLATES).iterdir()}
    assert sorted(cls.kind for cls in MESSAGE_TYPES) == sorted(Kind)


def test_the_feedback_title_is_the_one_place_for_right_and_not_quite() -> None:
    renderer = Renderer()
    assert renderer.phrase("feedback_title", correct=True, skipped=False) == "Right!"
    assert renderer.phrase("feedback_title", correct=False, skipped=False) == "Not quite."
    assert renderer.phrase("feedback_title", correct=False, skipped=True) == "Here is the answer."


def test_an_answer_is_recapped_with_its_choices_words_and_how_sure() -> None:
    """Its words (a button's label cuts them at 75 characters, a confidence button has none),
    and how sure the learner said they were."""
    from bot.content.model import Choice, Question
    from bot.messages import AnswerGiven
    from bot.rendering.renderer import Renderer

    long = "Report it with your mail app's phishing button, or forward it to the help desk " \
        "as an attachment"
    question = Question("k", "What now?", (Choice("Ignore it", False, 3), Choice(long, True, 4)),
                        "Because.", 2)
    renderer = Renderer()
    lesson = None  # not read by the recap

    def recap(choices: tuple[int, ...], confidence: str = "") -> str:
        given = AnswerGiven(1, lesson, question, choices, confidence)  # type: ignore[arg-type]
        return renderer.phrase("answer_given", picked=given.picked(),
                               confidence=given.confidence)
    assert recap((1,), "s") == f"2) {long} · sure"
    assert recap((0, 1)) == f"1) Ignore it; 2) {long}"
    assert recap((), "") == "I don't know (skip)"


# -- links to other lessons --------------------------------------------------------------------

LINKED_BODY = ("See [Strong passwords](../security/passwords.md#managers) first, then "
               "[the **VPN** guide](vpn.md), [the wiki](https://example.com) and "
               "`[not a link](passwords.md)`.")
LINKS = (("../security/passwords.md#managers", "Strong passwords"),)
"""What the engine gives with a lesson linking to security/passwords.md (vpn.md: a draft)."""


def test_the_console_shows_a_link_to_a_lesson_with_how_to_open_it() -> None:
    linked = replace(LESSON, body=LINKED_BODY)
    text = Renderer().render(LessonMessage(linked, links=LINKS))
    assert ('See Strong passwords (type "learn Strong passwords") first, then '
            "[the **VPN** guide](vpn.md), [the wiki](https://example.com) and "
            "`[not a link](passwords.md)`.") in text
    # Without the engine's word (a draft, a missing file), the link is shown as it was.
    assert LINKED_BODY in Renderer().render(LessonMessage(linked))
    looked_up = Renderer().render(LookupAnswer("passwords", linked, links=LINKS))
    assert 'Strong passwords (type "learn Strong passwords")' in looked_up


def test_a_terminal_shows_the_hint_formatted_with_the_words() -> None:
    from bot.adapters.console import ConsoleAdapter

    linked = replace(LESSON, body=LINKED_BODY)
    [styled] = ConsoleAdapter(io.StringIO(), styled=True).show(
        [LessonMessage(linked, links=LINKS)])
    plain = re.sub("\x1b\\[[0-9;]*m", "", styled)
    assert 'See Strong passwords (type "learn Strong passwords") first' in " ".join(plain.split())


def test_quiz_text_and_explanations_name_the_lesson_a_link_leads_to() -> None:
    question = Question("k", "Read [Strong passwords](../security/passwords.md#managers)?",
                        (Choice("[Yes](../security/passwords.md#managers)", True, 1),
                         Choice("No", False, 2)),
                        "See [Strong passwords](../security/passwords.md#managers) again.", 1)
    linked = replace(LESSON, questions=(question,))
    asked = Renderer().render(QuestionMessage(linked, question, 1, links=LINKS))
    assert 'Read Strong passwords (type "learn Strong passwords")?' in asked
    assert '1) Yes (type "learn Strong passwords")' in asked
    told = Renderer().render(Feedback(linked, question, False, (1,), False, 3, links=LINKS))
    assert 'See Strong passwords (type "learn Strong passwords") again.' in told
    assert "See Strong passwords again." in Renderer().render(
        Feedback(linked, question, False, (1,), False, 3))
