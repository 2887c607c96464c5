"""A chat that understands its learner: bare command words, settings as people type them,
answers in many forms, "skip", small talk, examples from the library in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine import calendar, progress, voice
from bot.engine.engine import Engine
from bot.messages import (
    ChoiceRange,
    Feedback,
    Inbound,
    Invalid,
    Leaderboard,
    LearnWhat,
    LessonMessage,
    LessonRead,
    LookedUpDone,
    LookupAnswer,
    NoMatch,
    Notice,
    NoticeCode,
    Outbound,
    Platform,
    Profile,
    QuestionMessage,
    Reminder,
    Resumed,
    ReviewsAdded,
    Setting,
    SettingNow,
    SettingsSaved,
    StreakNews,
    TrackProgress,
    UnknownCommand,
    Welcome,
)
from storage.records import Delivery, DeliveryKind, DeliveryStatus, LessonSource, Streak
from storage.reports import Scope
from storage.repositories import Points, Progress
from tests.unit.engine.conftest import (
    Say,
    deliver,
    kinds,
    learner_of,
    more_lessons,
    read_lesson,
    rewrite_one,
    write,
)

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
TUE = MON + timedelta(days=1)


def read_count(engine: Engine) -> int:
    with engine.store.session() as session:
        return Progress(session).count()


def test_a_bare_setting_word_shows_the_setting_and_never_delivers_a_lesson(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [shown] = say("time", at=MON)
    assert isinstance(shown, SettingNow) and shown.setting is Setting.TIME
    assert (shown.learner.lesson_time, shown.learner.quiz_time) == ("09:00", "15:00")
    assert kinds(say("days", at=MON)) == ["setting_now"]
    assert kinds(say("time quiz", at=MON)) == ["setting_now"]
    assert kinds(say("timezone", at=MON)) == ["notice:zone_now"]
    assert kinds(say("nudges", at=MON)) == ["notice:nudges_on"]
    assert kinds(say("topics", at=MON)) == ["notice:topics"]
    assert kinds(say("top", at=MON)) == ["leaderboard"]
    assert read_count(engine) == 0


def test_joining_or_leaving_the_board_twice_says_where_the_learner_already_is(
        say: Say) -> None:
    say("hi", at=MON)
    said = [say(typed, at=MON)[0] for typed in ("top join", "top join", "top leave", "top leave",
                                                "top")]
    assert all(isinstance(board, Leaderboard) for board in said)
    assert [(b.opted_in, b.changed, b.asked) for b in said if isinstance(b, Leaderboard)] == [
        (True, True, True), (True, False, True), (False, True, True), (False, False, True),
        (False, False, False)]


def test_times_are_understood_as_people_type_them_or_refused_with_an_example(
        say: Say) -> None:
    say("hi", at=MON)
    for typed, saved in (("time 8am", "08:00"), ("time 8:30pm", "20:30"), ("time 0830", "08:30"),
                         ("time 8.30", "08:30"), ("time 8h30", "08:30")):
        [reply] = say(typed, at=MON)
        assert isinstance(reply, SettingsSaved) and reply.learner.lesson_time == saved, typed
    [quiz] = say("time quiz 4:15 pm", at=MON)
    assert isinstance(quiz, SettingsSaved) and quiz.learner.quiz_time == "16:15"
    [noon] = say("time quiz noon", at=MON)
    assert isinstance(noon, SettingsSaved) and noon.learner.quiz_time == "12:00"
    [refused] = say("time 25:00", at=MON)
    assert isinstance(refused, Invalid) and "like 08:30" in refused.reason
    # A time in words is a setting to refuse with an example, not a question to look up.
    for typed in ("time half past eight", "time eight", "time quiz quarter to five",
                  "time eight o'clock in the morning"):
        [refused] = say(typed, at=MON)
        assert isinstance(refused, Invalid) and "like 08:30" in refused.reason, typed
    for question in ("time management tips", "time to learn", "time for one more coffee"):
        assert kinds(say(question, at=MON))[0] in ("lookup", "no_match"), question


def test_time_zones_by_city_offset_or_a_did_you_mean(say: Say) -> None:
    say("hi", at=MON)
    [berlin] = say("timezone berlin", at=MON)
    assert isinstance(berlin, SettingsSaved) and berlin.learner.time_zone == "Europe/Berlin"
    [york] = say("timezone new york", at=MON)
    assert isinstance(york, SettingsSaved) and york.learner.time_zone == "America/New_York"
    [offset] = say("timezone UTC+2", at=MON)  # kept as Etc/GMT-2, shown as people write it
    assert isinstance(offset, SettingsSaved) and offset.learner.time_zone == "UTC+2"
    [far] = say("timezone UTC-13", at=MON)  # no such offset: refused, not a crash
    assert isinstance(far, Invalid)
    [spelt] = say("time zone tokyo", at=MON)
    assert isinstance(spelt, SettingsSaved) and spelt.learner.time_zone == "Asia/Tokyo"
    [cet] = say("timezone CET", at=MON)
    assert isinstance(cet, Invalid) and "did you mean Europe/Berlin" in cet.reason
    # Half-hour offsets and the places people name that the zone database calls otherwise.
    for words, zone in (("UTC+5:30", "Asia/Kolkata"), ("india", "Asia/Kolkata"),
                        ("mumbai", "Asia/Kolkata"), ("new delhi", "Asia/Kolkata"),
                        ("UTC+05:45", "Asia/Kathmandu"), ("germany", "Europe/Berlin"),
                        # Zones said in words (both had been refused as unknown).
                        ("pacific time", "America/Los_Angeles"), ("Berlin time", "Europe/Berlin"),
                        ("Eastern Standard Time", "America/New_York")):
        [saved] = say(f"timezone {words}", at=MON)
        assert isinstance(saved, SettingsSaved) and saved.learner.time_zone == zone, words
    [odd] = say("timezone UTC+5:20", at=MON)
    assert isinstance(odd, Invalid) and "write your city" in odd.reason


def test_every_place_and_offset_named_is_a_zone_this_machine_knows() -> None:
    for name in (*calendar.PLACES.values(), *calendar.HALF_HOURS.values()):
        calendar.zone(name)


def test_days_in_common_forms_and_a_typo_is_refused_not_looked_up(say: Say) -> None:
    say("hi", at=MON)
    [saved] = say("days monday to thursday", at=MON)
    assert isinstance(saved, SettingsSaved)
    assert saved.learner.workdays == ("mon", "tue", "wed", "thu")
    [short] = say("days M-F", at=MON)
    assert isinstance(short, SettingsSaved)
    assert short.learner.workdays == ("mon", "tue", "wed", "thu", "fri")
    for typo in ("days mon-fry", "days none", "days 5"):
        [refused] = say(typo, at=MON)
        assert isinstance(refused, Invalid) and "not a day" in refused.reason, typo


def open_question(say: Say, week: int = 0, user: str = "ann") -> datetime:
    """Lesson one on a Monday, its question asked on the Tuesday (right: 2, "right one");
    the Tuesday, when the question is open."""
    monday, tuesday = MON + timedelta(weeks=week), TUE + timedelta(weeks=week)
    say("lesson", at=monday, user=user)
    assert kinds(say("quiz", at=tuesday, user=user)) == ["question"]
    return tuesday


def test_an_open_question_takes_answers_in_many_forms(say: Say) -> None:
    for number, typed in enumerate(("(2)", "#2", "2!", "B)", "two", "Right one")):
        learner = f"learner{number}"  # each with a question of their own, open
        tuesday = open_question(say, user=learner)
        reply = say(typed, at=tuesday, user=learner)
        assert isinstance(reply[0], Feedback) and reply[0].correct, typed


def test_several_numbers_on_a_one_answer_question_ask_again_instead_of_grading(
        say: Say, engine: Engine) -> None:
    open_question(say)
    assert kinds(say("1 3", at=TUE)) == ["notice:one_choice"]
    reply = say("2", at=TUE)
    assert isinstance(reply[0], Feedback) and reply[0].correct  # still open, then graded


def test_skip_shows_the_answer_without_points_and_a_question_mark_is_help_otherwise(
        say: Say, engine: Engine) -> None:
    assert kinds(say("?", at=MON))[-1] == "notice:short_help"  # "help" is the whole list
    open_question(say)
    with engine.store.session() as session:
        before = Points(session).total(1)
    [shown, *rest] = say("I don't know", at=TUE)
    assert isinstance(shown, Feedback) and shown.skipped and not shown.correct
    assert shown.points == before + 2  # what a wrong guess earns: guessing never pays more
    assert kinds(rest) == ["notice:quiz_done"]  # nothing left open
    assert kinds(say("skip", at=TUE)) == ["notice:nothing_to_skip"]
    for words in ("dunno", "no clue"):  # had been looked up: "I have no lesson on dunno"
        learner = f"learner-{words}"
        open_question(say, user=learner)
        [shown, *_] = say(words, at=TUE, user=learner)
        assert isinstance(shown, Feedback) and shown.skipped, words


def test_other_words_while_a_question_is_open_are_looked_up_and_it_stays_open(
        say: Say) -> None:
    open_question(say)
    for question in ("how do I peel bananas", "what is 2fa", "top 10 tips"):
        reply = kinds(say(question, at=TUE))
        assert reply[0] in ("lookup", "no_match"), question
        assert reply[-1] == "notice:question_open", question
    # The open question's own lesson would show its answer: not given until it is answered.
    assert kinds(say("one more thing about apples", at=TUE)) == ["notice:answer_first"]
    assert kinds(say("2", at=TUE))[0] == "feedback"


def test_an_answer_wrapped_in_words_is_an_answer(say: Say) -> None:
    for number, (typed, right) in enumerate((
            ("I think 2", True), ("b i guess", True), ("answer B", True),
            ("option 2 please", True), ("the third one", False))):
        learner = f"learner{number}"
        tuesday = open_question(say, user=learner)
        [feedback, *_] = say(typed, at=tuesday, user=learner)
        assert isinstance(feedback, Feedback) and feedback.correct is right, typed


def test_yes_or_no_answers_the_choice_that_opens_with_it_and_two_alike_are_asked_about(
        say: Say, engine: Engine, lessons: Path) -> None:
    """"no" or "yes i'm sure" to a question whose choices open "Yes, ..." and "No, ..." had
    been greeted ("Hello! Type lesson for a lesson ...") and the question left waiting."""
    rewrite_one(engine, lessons, "### Is this moment 5?\n- [x] Yes, this is moment 5\n"
                "- [ ] No, you did not get there yet\n> Because it is.\n")
    for number, (typed, right) in enumerate((
            ("no", False), ("yes", True), ("Yes I'm sure", True), ("no it isn't", False),
            ("Yeah.", True), ("nope, not yet", False), ("yes this is", True))):
        learner = f"learner{number}"
        tuesday = open_question(say, user=learner)
        [feedback, *_] = say(typed, at=tuesday, user=learner)
        assert isinstance(feedback, Feedback) and feedback.correct is right, typed
    # Words that open no choice are still looked up, and "no idea" still does not know.
    tuesday = open_question(say, user="asker")
    assert kinds(say("how do I peel bananas", at=tuesday, user="asker"))[-1] == \
        "notice:question_open"
    [shown, *_] = say("no idea", at=tuesday, user="asker")
    assert isinstance(shown, Feedback) and shown.skipped
    # Two choices that open alike: "yes" is asked about, not guessed; a number then answers.
    rewrite_one(engine, lessons, "### Do you lock your screen?\n- [ ] Yes, always\n"
                "- [x] Yes, when I leave my desk\n- [ ] No\n> Because.\n")
    tuesday = open_question(say, user="bo")
    [asked] = say("yes", at=tuesday, user="bo")
    assert asked == ChoiceRange(3, False, fits=(1, 2))
    [feedback, *_] = say("yes when i leave", at=tuesday, user="bo")  # the most words alike
    assert isinstance(feedback, Feedback) and feedback.correct
    tuesday = open_question(say, user="cy")
    [feedback, *_] = say("no", at=tuesday, user="cy")
    assert isinstance(feedback, Feedback) and not feedback.correct


def test_yes_and_no_keep_their_meaning_with_no_question_open(say: Say, engine: Engine) -> None:
    """With no question open, "yes" still confirms 'Did you mean ...?' and `forget`; with a
    question open, it answers `forget` when `forget` came after the question."""
    say("hi", at=MON)
    say("lesosn", at=MON)
    assert kinds(say("yes", at=MON))[0] == "lesson"
    assert kinds(say("no", at=MON)) == ["notice:small_talk"]
    tuesday = open_question(say, user="di")
    say("forget", at=tuesday, user="di")
    assert kinds(say("no", at=tuesday, user="di")) == ["notice:forget_cancelled"]


def test_cancel_with_nothing_waiting_is_not_looked_up(say: Say) -> None:
    say("hi", at=MON)
    for words in ("cancel", "Never mind", "abort"):
        assert kinds(say(words, at=MON)) == ["notice:nothing_to_cancel"], words
    say("forget", at=MON)
    assert kinds(say("cancel", at=MON)) == ["notice:forget_cancelled"]  # there, it cancels


def test_thanks_and_emoji_get_a_friendly_word_not_a_lookup(say: Say) -> None:
    say("hi", at=MON)
    for words, code in (("thanks!", "thanks"), ("thank you so much 🙂", "thanks"),
                        ("cool thanks", "thanks"), ("perfect, thank you!", "thanks"),
                        ("ok great thx", "thanks"), ("no thanks", "small_talk"),
                        ("👍", "ack"), ("ok", "ack"), ("Sounds good!", "ack"), ("👋", "small_talk"),
                        ("👍🏽", "ack"), ("🙂🙂", "ack"), ("❤️", "ack"), ("🙏", "thanks"),
                        # Not agreement: a thumbs-up had answered a puzzled face or a sad one.
                        ("🤔", "unclear"), ("👎", "unclear"), ("😢", "unclear"),
                        ("😂", "ack"), ("👍!", "ack"), ("...", "unclear"), ("!!", "unclear"),
                        ("good morning", "small_talk"),
                        ("how are you?", "small_talk"), ("bye", "bye"),
                        # A greeting with a few words of its own had been looked up ("I have
                        # no lesson on ...").
                        ("hi, I'm here again", "small_talk"), ("hey there everyone", "small_talk"),
                        ("hello, it's me again", "small_talk")):
        assert kinds(say(words, at=MON)) == [f"notice:{code}"], words
    assert kinds(say("hello, how do I peel bananas quickly at work", at=MON))[0] in (
        "lookup", "no_match")


def test_a_command_said_after_a_greeting_is_that_command(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("I'm on holiday", at=MON)
    assert kinds(say("hi, I'm back", at=MON)) == ["notice:resumed"]
    assert not learner_of(engine).paused
    assert kinds(say("hello, lesson please", at=MON)) == ["lesson"]


def test_a_question_edited_to_fix_a_typo_does_not_get_the_same_lesson_twice(
        say: Say, engine: Engine) -> None:
    """The whole lesson had come a second time for a typo fixed in its question."""
    def edited(text: str, at: datetime) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text, edited=True),
                             at)
    say("hi", at=MON)
    assert kinds(say("tell me about bananas", at=MON)) == ["lookup"]
    assert kinds(edited("tell me about banannas", MON + timedelta(minutes=1))) == [
        "notice:same_answer"]
    # Another lesson found by the edit comes whole; an edit long after is a new question.
    assert kinds(edited("tell me about cherries", MON + timedelta(minutes=2))) == ["lookup"]
    assert kinds(edited("tell me about cherries", MON + timedelta(hours=1))) == ["lookup"]

    say("hi", at=MON)
    say("time 07:30", at=MON)
    say("stop", at=MON)
    [back] = say("start", at=MON)
    # Told when the messages come again: a stop may have been weeks ago.
    assert isinstance(back, Resumed) and back.learner is not None
    assert back.learner.lesson_time == "07:30" and not back.learner.stopped
    assert kinds(say("start", at=MON)) == ["welcome"]


def test_examples_come_from_the_library_in_use(say: Say) -> None:
    [welcome] = say("hello", at=MON)
    assert isinstance(welcome, Welcome)
    assert welcome.example == "one" and "basics" in welcome.topics
    [learn] = say("learn", at=MON)
    assert isinstance(learn, LearnWhat) and learn.example == "basics"  # the commonest topic


def test_forget_confirm_counts_only_right_after_forget_and_then_only_start_enrols(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    assert kinds(say("forget confirm", at=MON)) == ["notice:forget_confirm"]  # nothing asked
    assert kinds(say("forget", at=MON)) == ["notice:forget_confirm"]
    # "OK" is answered with the words that delete, never taken for them (nor for small talk);
    # only a "yes" as the very next message deletes (see test_chatter).
    assert kinds(say("OK", at=MON)) == ["notice:forget_confirm"]
    assert kinds(say("yes", at=MON + timedelta(minutes=6))) == ["notice:small_talk"]
    # "Cancel" or "no" backs out: a "yes" after it deletes nothing.
    say("forget", at=MON)
    assert kinds(say("cancel", at=MON)) == ["notice:forget_cancelled"]
    assert kinds(say("forget confirm", at=MON)) == ["notice:forget_confirm"]  # asked anew
    assert kinds(say("No", at=MON)) == ["notice:forget_cancelled"]
    # A confirmation long after "forget" says why it deleted nothing, and asks again.
    say("forget", at=MON)
    assert kinds(say("forget confirm", at=MON + timedelta(minutes=6))) == [
        "notice:forget_expired", "notice:forget_confirm"]
    assert kinds(say("No", at=MON + timedelta(minutes=6))) == ["notice:forget_cancelled"]
    later = MON + timedelta(minutes=10)
    assert kinds(say("forget confirm", at=later)) == ["notice:forget_confirm"]  # too late
    assert kinds(say("forget confirm", at=later + timedelta(minutes=1))) == ["notice:forgotten"]
    for words in ("hello", "lesson", "2"):
        assert kinds(say(words, at=later)) == ["notice:stay_forgotten"]
    with engine.store.session() as session:
        assert Progress(session).count() == 0
    assert kinds(say("start", at=later))[0] == "welcome"


def test_when_every_lesson_is_read_a_push_says_so_once_and_the_reviews_go_on(
        say: Say, engine: Engine) -> None:
    for day in range(3):
        read_lesson(say, MON + timedelta(days=day))
    learner = learner_of(engine)
    thursday = MON + timedelta(days=3)
    assert kinds(deliver(engine, learner.id, "lesson", thursday)) == ["notice:all_read"]
    assert deliver(engine, learner.id, "lesson", thursday + timedelta(days=1)) == []
    assert kinds(say("lesson", at=thursday))[0] == "notice:all_read"  # asked for: always said
    assert kinds(deliver(engine, learner.id, "quiz", thursday))[0] == "question"
    # `me` and the App Home no longer promise a next lesson.
    standing = engine.standing(Platform.CONSOLE, "ann", thursday)
    assert standing is not None and not standing.lessons_left


def test_me_promises_a_next_lesson_while_one_is_left(say: Say, engine: Engine) -> None:
    read_lesson(say, MON)
    standing = engine.standing(Platform.CONSOLE, "ann", MON)
    assert standing is not None and standing.lessons_left


def test_me_counts_the_lessons_read_of_the_library_as_it_is_now(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A trainer deleted a lesson read: "4 of 9" had counted it, and could pass the total."""
    say("hi", at=MON)
    read_lesson(say, MON)
    read_lesson(say, TUE)
    [me] = say("me", at=TUE)
    assert isinstance(me, Profile) and (me.lessons_read, me.lessons_total) == (2, 3)
    (lessons / "basics/two.md").unlink()
    engine.catalog.refresh()
    [me] = say("me", at=TUE)
    assert isinstance(me, Profile) and (me.lessons_read, me.lessons_total) == (1, 2)


def test_me_counts_the_lessons_of_the_learners_topics_beside_the_library(
        say: Say) -> None:
    """A learner of one topic was told "0 of 3 read", the library's lessons, not theirs."""
    say("hi", at=MON)
    [me] = say("me", at=MON)
    assert isinstance(me, Profile) and me.topic_lessons is None  # every lesson is theirs
    say("topics extra", at=MON)
    read_lesson(say, MON)  # Three, the one lesson in "extra"
    [me] = say("me", at=MON)
    assert isinstance(me, Profile)
    assert (me.topic_read, me.topic_lessons, me.lessons_read, me.lessons_total) == (1, 1, 1, 3)
    say("topics basics", at=MON)
    [me] = say("me", at=MON)
    assert isinstance(me, Profile)
    assert (me.topic_read, me.topic_lessons, me.lessons_read, me.lessons_total) == (0, 2, 1, 3)


def test_me_shows_tracks_reviews_due_and_recent_accuracy(say: Say) -> None:
    say("hi", at=MON)
    [one] = say("lesson", at=MON)  # basics/one
    [two, _] = say("lesson", at=TUE)  # basics/two (and that One is not marked read)
    assert isinstance(one, LessonMessage) and isinstance(two, LessonMessage)
    [me] = say("me", at=TUE)
    assert isinstance(me, Profile)
    assert me.tracks == (TrackProgress("Basics", 0, 2),)  # delivered, not yet read
    say(None, at=TUE, answer=one.done)  # Got it, under Monday's lesson
    say("got it", at=TUE)  # the lesson got last: Tuesday's
    [me] = say("me", at=TUE)
    assert isinstance(me, Profile)
    assert me.tracks == (TrackProgress("Basics", 2, 2),) and me.lessons_read == 2
    assert (me.due_today, me.due_tomorrow) == (1, 1)  # one's question today, two's tomorrow
    assert me.accuracy is None and me.answered == 0
    [question] = say("quiz", at=TUE)
    assert isinstance(question, QuestionMessage)
    say(None, at=TUE, answer=question.buttons[question.question.correct_indexes[0]].value)
    [me] = say("me", at=TUE)
    assert isinstance(me, Profile)
    assert (me.due_today, me.accuracy, me.answered) == (0, 1.0, 1)


def test_each_answer_says_what_it_earned_and_a_pushed_set_is_counted(
        say: Say, engine: Engine) -> None:
    say("lesson", at=MON)
    say("lesson", at=TUE)
    learner = learner_of(engine)
    wednesday = MON + timedelta(days=2, hours=6)
    [first] = deliver(engine, learner.id, "quiz", wednesday)
    assert isinstance(first, QuestionMessage) and (first.number, first.of) == (1, 2)
    replies = say(None, at=wednesday, answer=first.buttons[0].value)  # a wrong choice
    assert isinstance(replies[0], Feedback) and replies[0].earned == 2
    second = replies[-1]
    assert isinstance(second, QuestionMessage) and (second.number, second.of) == (2, 2)
    right = second.buttons[second.question.correct_indexes[0]].value
    [feedback, *_] = say(None, at=wednesday, answer=right)
    assert isinstance(feedback, Feedback) and feedback.earned == 10
    assert kinds(say(None, at=wednesday, answer=right)) == ["notice:already_answered"]


def test_a_freeze_earned_and_used_is_said_and_a_reminder_warns_of_a_streak_at_risk(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    for day in range(5):  # Monday to Friday: the fifth day in a row earns a freeze
        replies = read_lesson(say, MON + timedelta(days=day))
    assert StreakNews(5, freeze_earned=True) in replies
    tuesday = MON + timedelta(days=8)  # Monday missed: the freeze covers it
    assert StreakNews(6, freezes_used=1) in read_lesson(say, tuesday)
    learner = learner_of(engine)
    read_lesson(say, tuesday + timedelta(days=1))  # Wednesday: 7 days
    thursday = tuesday + timedelta(days=2, hours=6)
    pushed = deliver(engine, learner.id, "quiz", thursday)
    assert pushed and isinstance(pushed[0], QuestionMessage)
    reminder = deliver(engine, learner.id, "nudge", thursday + timedelta(hours=3))
    # One message says how many wait and the streak at stake (no freeze left: today
    # decides); the question follows.
    assert kinds(reminder) == ["reminder", "question"]
    assert reminder[0] == Reminder(2, streak=7)


def test_a_question_asked_again_keeps_its_place_and_one_carried_over_is_counted(
        say: Say, engine: Engine) -> None:
    say("lesson", at=MON)
    say("lesson", at=TUE)
    learner = learner_of(engine)
    wednesday = MON + timedelta(days=2, hours=6)
    [first] = deliver(engine, learner.id, "quiz", wednesday)
    assert isinstance(first, QuestionMessage) and (first.number, first.of) == (1, 2)
    reminder = deliver(engine, learner.id, "nudge", wednesday + timedelta(hours=2))
    assert isinstance(reminder[-1], QuestionMessage)
    assert (reminder[-1].number, reminder[-1].of) == (1, 2)
    [again] = say("quiz", at=wednesday + timedelta(hours=3))
    assert isinstance(again, QuestionMessage) and (again.number, again.of) == (1, 2)
    # Unanswered until Thursday's push: it opens Thursday's set and is counted in it.
    thursday = wednesday + timedelta(days=1)
    [carried] = deliver(engine, learner.id, "quiz", thursday)
    assert isinstance(carried, QuestionMessage) and carried.ask_id == first.ask_id
    assert (carried.number, carried.of) == (1, 2)
    replies = say("1", at=thursday)
    assert isinstance(replies[-1], QuestionMessage)
    assert (replies[-1].number, replies[-1].of) == (2, 2)


def test_no_streak_is_at_risk_on_a_day_off(engine: Engine) -> None:
    assert engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text="hi"), MON)
    friday, saturday = MON + timedelta(days=4), MON + timedelta(days=5)
    learner = learner_of(engine)
    with engine.store.unit() as unit:
        unit.streaks.save(Streak(learner.id, 4, 4, (friday - timedelta(days=1)).date(), 0, None))
        assert progress.streak_at_risk(engine.turn(unit, learner, friday)) == 4
        assert progress.streak_at_risk(engine.turn(unit, learner, saturday)) == 0


def test_done_counts_only_the_lesson_got_last_and_points_are_capped_a_day(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    say("hi", at=MON)
    learner = learner_of(engine)
    for day in range(3):  # three lessons pushed, none read
        deliver(engine, learner.id, "lesson", MON + timedelta(days=day))
    wednesday = MON + timedelta(days=2, hours=1)
    [read, *_, named] = say("done", at=wednesday)
    assert isinstance(read, LessonRead) and read.title == "Three" and read.earned == 5
    # The lesson before is named, which a `done` typed within half an hour counts; later,
    # `done` is about the lesson got last again.
    assert named == Notice(NoticeCode.STILL_UNMARKED, title="Two")
    wednesday += voice.NOT_IT_WINDOW + timedelta(minutes=1)
    assert say("done!", at=wednesday)[0] == LessonRead("Three", 0, 5, already=True)
    # Asking for lesson after lesson and saying done to each: three a day earn points.
    earned = []
    for _ in range(4):
        say("lesson", at=wednesday)
        earned.append(say("Done.", at=wednesday)[0])
    assert [(m.earned, m.capped) for m in earned if isinstance(m, LessonRead)] == [
        (5, False), (5, False), (0, True), (0, True)]


def test_done_after_a_lookup_counts_nothing_and_names_the_lesson_still_waiting(
        say: Say, engine: Engine) -> None:
    """A learner got a lesson, asked a question and got another lesson, then typed "done"
    meaning that one: the lesson got before had been counted, with its points."""
    say("hi", at=MON)
    [lesson] = say("lesson", at=MON)
    assert isinstance(lesson, LessonMessage) and lesson.lesson.title == "One"
    say("learn bananas", at=MON + timedelta(minutes=1))  # Two, looked up: one question
    assert say("done", at=MON + timedelta(minutes=2)) == [
        LookedUpDone("Two", 1, waiting="One")]
    with engine.store.unit() as unit:
        learner_id = learner_of(engine).id
        assert [r.read_at for r in unit.progress.history(learner_id)] == [None, None]
        assert unit.points.total(learner_id) == 0
    # Told so, "done" again is the lesson waiting.
    [read, *_] = say("done", at=MON + timedelta(minutes=3))
    assert isinstance(read, LessonRead) and (read.title, read.earned) == ("One", 5)
    # Another lookup after it: that is what "done" is about; the lesson is read.
    say("learn cherries", at=MON + timedelta(minutes=4))  # Three: no questions
    assert say("done", at=MON + timedelta(minutes=5)) == [LookedUpDone("Three")]
    say("learn bananas", at=MON + timedelta(minutes=6))
    say("add", at=MON + timedelta(minutes=6))
    assert say("done", at=MON + timedelta(minutes=7)) == [LookedUpDone("Two", in_reviews=True)]
    with engine.store.unit() as unit:
        assert [r.lesson_id for r in unit.progress.history(learner_id) if r.read_at] == [
            "basics/one"]


def test_done_counts_a_lesson_got_after_a_lookup_or_found_again_by_one(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("learn bananas", at=MON)  # Two, looked up before any lesson
    assert say("done", at=MON + timedelta(minutes=1)) == [LookedUpDone("Two", 1)]
    say("lesson", at=MON + timedelta(minutes=2))  # One: got after the lookup
    [read, *_] = say("done", at=MON + timedelta(minutes=3))
    assert isinstance(read, LessonRead) and read.title == "One"
    tuesday = MON + timedelta(days=1)
    say("lesson", at=tuesday)  # Two, now one of their lessons
    say("learn apples", at=tuesday + timedelta(minutes=1))  # One, read already
    say("learn bananas", at=tuesday + timedelta(minutes=2))  # Two again, by a question
    [read, *_] = say("done", at=tuesday + timedelta(minutes=3))
    assert isinstance(read, LessonRead) and (read.title, read.earned) == ("Two", 5)


def test_add_takes_the_lookup_made_last_and_a_lookup_is_never_read(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("learn bananas", at=MON)  # Two: one question
    say("learn cherries", at=MON)  # Three: none
    assert kinds(say("add", at=MON)) == ["notice:no_questions"]
    say("learn bananas", at=MON)  # the same instant: still the one looked up last
    [added] = say("add", at=MON)
    assert isinstance(added, ReviewsAdded) and added.title == "Two"
    tuesday = MON + timedelta(days=1)
    [question] = say("quiz", at=tuesday)
    assert isinstance(question, QuestionMessage)
    replies = say(None, at=tuesday, answer=question.buttons[0].value)
    assert isinstance(replies[0], Feedback) and kinds(replies)[1:] == ["notice:quiz_done"]
    learner = learner_of(engine)
    with engine.store.unit() as unit:  # answered, yet looked up: not read, no lesson points
        assert unit.progress.history(learner.id)[0].read_at is None
        assert unit.points.total(learner.id) == 2


def test_a_lesson_asked_for_today_leaves_the_days_push_nothing_to_send(
        say: Say, engine: Engine) -> None:
    """A second lesson had come at 09:00, minutes after one asked for at 08:55."""
    say("hi", at=MON)
    tuesday = MON + timedelta(days=1)
    asked = say("lesson", at=tuesday.replace(hour=7, minute=55))
    assert kinds(asked) == ["lesson"]
    learner = learner_of(engine)
    assert deliver(engine, learner.id, "lesson", tuesday.replace(hour=8)) == []
    [wednesday] = deliver(engine, learner.id, "lesson", tuesday + timedelta(days=1))
    assert isinstance(wednesday, LessonMessage)  # the next day's push as ever
    thursday_at = tuesday + timedelta(days=2)
    say("learn bananas", at=thursday_at - timedelta(minutes=5))
    [thursday] = deliver(engine, learner.id, "lesson", thursday_at)
    assert isinstance(thursday, LessonMessage)  # a lesson looked up is no lesson of the day


def test_a_failed_push_of_a_lesson_added_before_keeps_it_added(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [found] = say("learn bananas", at=MON)
    assert isinstance(found, LookupAnswer)
    say(None, at=MON, answer=found.add)
    learner = learner_of(engine)
    tuesday = MON + timedelta(days=1)
    say("lesson", at=MON + timedelta(hours=1))  # One (a lesson asked for today skips the push)
    [pushed] = deliver(engine, learner.id, "lesson", tuesday + timedelta(hours=1))
    assert isinstance(pushed, LessonMessage) and pushed.lesson.title == "Two"
    failed = Delivery(0, learner.id, DeliveryKind.LESSON, tuesday.date(), pushed.lesson.id, "",
                      DeliveryStatus.FAILED, 1, tuesday, None, None)
    with engine.store.unit() as unit:
        engine.withdraw(unit, failed)
    with engine.store.unit() as unit:
        receipt = unit.progress.get(learner.id, "basics/two")
        assert receipt is not None and receipt.via is LessonSource.ADDED
    with engine.store.reports() as reports:  # the delivery taken back is not counted either
        week = Scope(MON, MON + timedelta(days=7))
        assert reports.activity(week) == reports.activity_from_rows(week)
        assert reports.activity(week).delivered == 1  # One, not Two
    with engine.store.unit() as unit:
        assert [card.lesson_id for card in unit.cards.all(learner.id)
                if card.lesson_id == "basics/two"] == ["basics/two"]


def test_an_answer_shows_its_own_points_then_the_lesson_it_counts(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("lesson", at=MON)  # One, never acknowledged
    [question] = say("quiz", at=TUE)
    assert isinstance(question, QuestionMessage)
    right = question.buttons[question.question.correct_indexes[0]].value
    feedback, read, *_ = say(None, at=TUE, answer=right)
    assert isinstance(feedback, Feedback) and (feedback.points, feedback.earned) == (10, 10)
    assert isinstance(read, LessonRead) and (read.earned, read.points) == (5, 15)


def test_command_words_with_punctuation_and_nudges_refused_with_an_example(
        say: Say) -> None:
    say("hi", at=MON)
    assert kinds(say("me?", at=MON)) == ["profile"]
    assert kinds(say("lesson.", at=MON)) == ["lesson"]
    assert kinds(say("Done ✅", at=MON))[0] == "read"
    assert kinds(say("ok, got it!", at=MON))[0] == "read"
    [refused] = say("nudges maybe", at=MON)
    assert isinstance(refused, Invalid) and '"nudges off"' in refused.reason


MAIL = ("Dear colleague, your mailbox quota has been exceeded and your account will be "
        "suspended within twenty four hours unless you confirm your details on our portal, "
        "which is required by the new policy of the central service desk for every office.\n"
        ) * 4


def test_a_question_after_a_pasted_mail_is_looked_up_whatever_its_length(say: Say) -> None:
    say("hi", at=MON)
    text = f"{MAIL}\nI got the mail above. What should I do about cherries and passwords?"
    assert len(text) > 500  # the bot used to cut here, before the question
    [answer, *_] = say(text, at=MON)
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "Three"
    assert answer.query == "What should I do about cherries and passwords?"  # what it read


def test_an_unanswered_paste_is_repeated_short(say: Say) -> None:
    say("hi", at=MON)
    [reply] = say(MAIL + "\nWhat is this about?", at=MON)
    assert isinstance(reply, NoMatch) and len(reply.query) <= 201
    assert reply.query.startswith("What is this about?")  # the question it read, not the mail


def test_a_long_paste_of_lines_then_a_question_reaches_lookup_whole(say: Say) -> None:
    say("hi", at=MON)
    lines = "\n".join(f"line {n} of a pasted log without any full stop at all here and there"
                      for n in range(80))  # about 5,000 characters, no sentence ends
    [answer, *_] = say(f"{lines}\nWhat do cherries and passwords have to do with it?", at=MON)
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "Three"


def test_learn_followed_by_a_pasted_mail_reaches_lookup_whole(say: Say) -> None:
    say("hi", at=MON)
    question = "What should I do about cherries and passwords?"
    for text in (f"/learn {MAIL * 5}\n{question}", f"learn\n{MAIL * 5}\n{question}"):
        assert len(text) > 4000  # the command's words used to be cut here
        [answer, *_] = say(text, at=MON)
        assert isinstance(answer, LookupAnswer) and answer.lesson.title == "Three"
        assert answer.query == question



def test_me_on_a_day_off_says_the_day_neither_adds_to_the_streak_nor_breaks_it(
        say: Say) -> None:
    saturday = MON + timedelta(days=5)
    say("hi", at=saturday)
    [profile] = say("me", at=saturday)
    assert isinstance(profile, Profile) and profile.day_off
    [profile] = say("me", at=MON + timedelta(days=7))
    assert isinstance(profile, Profile) and not profile.day_off


def test_me_on_a_friday_counts_the_reviews_of_the_next_learning_day(say: Say) -> None:
    friday = MON + timedelta(days=4)
    say("hi", at=friday)
    read_lesson(say, friday)
    [profile] = say("me", at=friday)
    assert isinstance(profile, Profile)
    assert (profile.due_today, profile.next_day) == (0, "Mon")
    assert profile.due_tomorrow > 0  # its questions come back on Monday, not "0 tomorrow"
    [profile] = say("me", at=MON + timedelta(days=7))
    assert isinstance(profile, Profile) and profile.next_day == ""
    assert profile.due_today > 0


def test_a_holiday_in_other_words_or_with_a_date_pauses_and_says_how_it_ends(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    for words in ("I'm on holiday", "going on vacation", "pause until Friday",
                  "pause for 2 weeks", "pause till 12 Apr", "I'm going on vacation",
                  "I am going on vacation", "I'll be on leave", "taking a break"):
        out = say(words, at=MON)
        dated = words.startswith("pause")
        assert kinds(out) == (["paused"] if dated else ["notice:paused"]), words
        assert learner_of(engine).paused, words
        assert (learner_of(engine).paused_until is not None) == dated, words
        assert kinds(say("I'm back", at=MON)) == ["notice:resumed"], words
        assert learner_of(engine).paused_until is None, words
    # Words that only share "pause" are questions.
    assert kinds(say("pause a video call", at=MON))[0] in ("lookup", "no_match")
    assert not learner_of(engine).paused


def test_a_command_word_one_slip_away_is_asked_about_not_looked_up(say: Say) -> None:
    # "pasue" had given "(I read: pasue -> pause)" and a lesson on Pomodoros, no pause.
    say("hi", at=MON)
    for typed, meant in (("pasue", "pause"), ("lesosn", "lesson"), ("hepl", "help"),
                         ("Quizz!", "quiz")):
        [reply] = say(typed, at=MON)
        assert isinstance(reply, UnknownCommand) and reply.meant == meant, typed
        assert not reply.slashed
    assert say("/pasue", at=MON) == [UnknownCommand("pasue", meant="pause")]
    # An English word is no slip ("quit" is not "quiz"); a word of the library is looked up,
    # and so is a sentence.
    assert not isinstance(say("quit", at=MON)[0], UnknownCommand)
    assert kinds(say("apples", at=MON))[0] == "lookup"
    assert kinds(say("pasue the lesson", at=MON))[0] in ("lookup", "no_match")


def test_a_slip_of_a_command_among_filler_words_is_asked_about_not_looked_up(
        say: Say) -> None:
    """"lesosn pls" or "next lesosn please" had been looked up ("(I read: lesosn -> lesson)"
    and a git lesson, "not sure this is it") where "lesosn" alone was asked about; after a
    reflection prompt they were asked about already."""
    say("hi", at=MON)
    for typed, word, meant in (("lesosn pls", "lesosn", "lesson"), ("quizz now", "quizz", "quiz"),
                               ("next lesosn please", "lesosn", "lesson"),
                               ("hepl me", "hepl", "help")):
        [reply] = say(typed, at=MON)
        assert isinstance(reply, UnknownCommand) and (reply.word, reply.meant) == (word, meant), \
            typed
    assert kinds(say("yes", at=MON))[0] == "help"  # the command meant, as offered
    # Words that say something more are a question, as before.
    assert kinds(say("pasue the lesson", at=MON))[0] in ("lookup", "no_match")
    assert kinds(say("lesosn about feedback", at=MON))[0] in ("lookup", "no_match")


def test_yes_to_did_you_mean_runs_the_command_unless_it_could_do_harm(say: Say) -> None:
    """"yes" had been greeted ("Hello!") and the command not run."""
    say("hi", at=MON)
    say("lesosn", at=MON)
    assert kinds(say("yes", at=MON))[0] == "lesson"
    assert kinds(say("yes", at=MON))[0] != "lesson"  # said once
    say("pasue", at=MON)  # a slip may be anything: "yes" does not pause
    say("yes", at=MON)
    [shown] = say("me", at=MON)
    assert isinstance(shown, Profile) and not shown.learner.paused
    say("hepl", at=MON)
    assert kinds(say("yes", at=MON + timedelta(hours=1)))[0] != "help"  # too late
    # Only right after it: anything else lets it go ("yes" to "was it useful?" is not it).
    say("lesosn", at=MON)
    say("me", at=MON)
    assert kinds(say("yes", at=MON))[0] != "lesson"
    say("lesosn", at=MON)
    say("pasue", at=MON)  # a slip "yes" never runs lets the earlier one go too
    assert kinds(say("yes", at=MON))[0] != "lesson"
    say("/lesosn", at=MON)  # with its slash too: it had been "Hello!"
    assert kinds(say("yes", at=MON))[0] == "lesson"
    say("/pasue", at=MON)
    say("yes", at=MON)
    [shown] = say("me", at=MON)
    assert isinstance(shown, Profile) and not shown.learner.paused


def test_yes_after_a_slashed_slip_runs_its_command_not_a_lesson_offered_before(
        say: Say) -> None:
    say("hi", at=MON)
    offered = say("zzqx apples", at=MON)  # "Did you mean <one lesson>? Reply yes"
    assert kinds(say("/quizz", at=MON)) == ["notice:unknown_command"]
    assert kinds(say("yes", at=MON))[0] == "notice:nothing_due", offered  # the quiz, not One


def test_a_slashed_slip_while_a_question_is_open_says_the_question_still_waits(
        say: Say) -> None:
    """'/qiuz' or '/2' with a quiz question open got only "Did you mean quiz?" or "I don't
    know /2": the learner, who may have meant an answer, was not told the question waits."""
    read_lesson(say, MON)
    tuesday = MON + timedelta(days=1)
    assert kinds(say("quiz", at=tuesday)) == ["question"]
    assert kinds(say("/qiuz", at=tuesday)) == ["notice:unknown_command", "notice:question_open"]
    assert kinds(say("/2", at=tuesday)) == ["notice:unknown_command", "notice:question_open"]
    assert kinds(say("/lessson", at=tuesday)) == ["notice:unknown_command",
                                                  "notice:question_open"]
    assert kinds(say("yes", at=tuesday))[0] == "lesson"  # the command meant, as offered
    [feedback, *_] = say("2", at=tuesday)  # and the question was not lost
    assert isinstance(feedback, Feedback) and feedback.correct


def test_a_slip_typed_without_its_slash_while_a_question_is_open_is_asked_about_too(
        say: Say, engine: Engine) -> None:
    """'pasue' with a quiz question open had been looked up: "(I read: pasue -> pause)" and
    an unrelated lesson, "not sure this is it", where with no question open (or with the
    slash) the learner is asked "Did you mean pause?"."""
    read_lesson(say, MON)
    assert kinds(say("quiz", at=TUE)) == ["question"]
    for typed in ("pasue", "lesosn", "Quizz!"):
        assert kinds(say(typed, at=TUE)) == ["notice:unknown_command",
                                             "notice:question_open"], typed
    assert not learner_of(engine).paused
    say("lesosn", at=TUE)
    assert kinds(say("yes", at=TUE))[0] == "lesson"  # the command meant, as offered
    [feedback, *_] = say("2", at=TUE)  # and the question was not lost
    assert isinstance(feedback, Feedback)


def test_a_slip_between_lessons_offered_and_their_number_keeps_the_offer(say: Say) -> None:
    say("hi", at=MON)
    offered = say("zzqx apples bananas", at=MON)
    assert kinds(offered)[0] == "no_match"
    say("lesosn", at=MON)
    assert kinds(say("2", at=MON))[0] == "lookup"  # the second lesson offered


def test_a_word_of_the_library_one_slip_from_a_command_is_looked_up(
        say: Say, engine: Engine, lessons: Path) -> None:
    write(lessons, "extra/quizz.md", "title: The Quizz app\ntopic: extra",
          "Quizz is the app we use for team trivia.")
    engine.catalog.refresh()
    say("hi", at=MON)
    assert kinds(say("quizz", at=MON))[0] == "lookup"


def test_changing_the_days_leaves_the_days_passed_as_they_were(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A day off that is a learning day now had broken a streak after the fact; a missed
    day that is a day off now had mended a broken one."""
    more_lessons(engine, lessons)
    say("hi", at=MON)
    say("days mon-thu", at=MON)
    for day in range(4):  # Monday to Thursday
        read_lesson(say, MON + timedelta(days=day))
    next_monday = MON + timedelta(days=7)
    [before] = say("me", at=next_monday)
    assert isinstance(before, Profile) and before.streak.current == 4
    say("days mon-fri", at=next_monday)  # Friday was a day off when it passed
    [me] = say("me", at=next_monday)
    assert isinstance(me, Profile) and me.streak.current == 4
    for day in range(3):  # Monday to Wednesday; Thursday and Friday, learning days, missed
        read_lesson(say, next_monday + timedelta(days=day))
    monday_after = next_monday + timedelta(days=7)
    say("days mon-wed", at=monday_after)  # days off now: they broke the streak still
    [me] = say("me", at=monday_after)
    assert isinstance(me, Profile) and me.streak.current == 0


def test_me_says_when_and_why_a_streak_ended(say: Say, engine: Engine, lessons: Path) -> None:
    """"Streak: 0 days (best 5)" with no reason had read as a lost streak by a bug."""
    more_lessons(engine, lessons)
    say("hi", at=MON)
    for day in range(5):  # Monday to Friday: 5 days and a freeze
        read_lesson(say, MON + timedelta(days=day))
    # Monday missed: the freeze covers it, nothing ended.
    [me] = say("me", at=MON + timedelta(days=8))
    assert isinstance(me, Profile) and (me.streak.current, me.streak.ended) == (5, 0)
    # Tuesday missed too: the streak ended on Tuesday, the day no freeze covered.
    [me] = say("me", at=MON + timedelta(days=9))
    assert isinstance(me, Profile) and me.streak.current == 0
    assert (me.streak.ended, me.streak.ended_on) == (5, "Tue 10 Mar")
    # Acting again starts a new streak: nothing ended since.
    read_lesson(say, MON + timedelta(days=9))
    [me] = say("me", at=MON + timedelta(days=9))
    assert isinstance(me, Profile) and (me.streak.current, me.streak.ended) == (1, 0)


def test_a_streak_broken_before_a_days_change_spends_no_freeze_after_it(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    say("hi", at=MON)
    for day in range(5):  # Monday to Friday: 5 days and a freeze
        read_lesson(say, MON + timedelta(days=day))
    thursday = MON + timedelta(days=10)  # Monday to Wednesday missed: more than one freeze
    say("days mon, thu, fri", at=thursday)
    said = read_lesson(say, thursday)
    assert not any(isinstance(m, StreakNews) and m.freezes_used for m in said)
    [me] = say("me", at=thursday)
    assert isinstance(me, Profile) and (me.streak.current, me.streak.freezes) == (1, 1)


def test_a_days_change_on_holiday_judges_the_days_before_it_by_the_days_then(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    say("hi", at=MON)
    for day in range(2, 5):  # Wednesday to Friday
        read_lesson(say, MON + timedelta(days=day))
    say("pause", at=MON + timedelta(days=7))
    say("days every day", at=MON + timedelta(days=7))  # the weekend was off when it passed
    say("resume", at=MON + timedelta(days=9))
    [me] = say("me", at=MON + timedelta(days=9))
    assert isinstance(me, Profile) and me.streak.current == 3
