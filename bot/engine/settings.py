"""A learner's settings: hours, time zone, days, topics, reminders, holidays, stopping and
forgetting, and the due times planned from them."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.engine import calendar, lessons, progress
from bot.engine.reviewer import remember
from bot.engine.turn import Turn
from bot.messages import (
    Invalid,
    Notice,
    NoticeCode,
    Paused,
    Resumed,
    Setting,
    SettingNow,
    SettingsSaved,
    TopicsNow,
    ZoneNow,
)
from storage.records import KEEP, DeliveryKind, Learner, LearnerChange, Streak


def plan(turn: Turn) -> None:
    """Set when the learner's next lesson and quiz are due (the scheduler's indexed columns),
    from their own hours, workdays and time zone."""
    learner = turn.learner
    if not learner.workdays:
        return
    after = turn.now
    if learner.paused and learner.paused_until is not None:
        # A holiday with an end date: due on the first learning day after it (which ends it).
        after = max(after, calendar.at_local(learner.paused_until + timedelta(days=1), "00:00",
                                             turn.tz) - timedelta(seconds=1))
    turn.update_learner(LearnerChange(
        next_lesson_at=calendar.next_at(after, learner.lesson_time, learner.workdays, turn.tz),
        next_quiz_at=calendar.next_at(after, learner.quiz_time, learner.workdays, turn.tz)))


def change(turn: Turn, settings: LearnerChange) -> None:
    """Save settings, plan the deliveries again, and confirm with all of them."""
    turn.update_learner(settings)
    plan(turn)
    turn.say(SettingsSaved(turn.view()))


def set_time(turn: Turn, args: str) -> None:
    """`time 09:30` (the lesson) or `time quiz 15:00`; alone, the times and how to change
    them."""
    parts = args.split()
    if not parts or parts in (["quiz"], ["lesson"]):
        turn.say(SettingNow(Setting.TIME, turn.view()))
        return
    try:
        if parts[0] in ("quiz", "lesson"):
            kind, hhmm = parts[0], calendar.parse_time(" ".join(parts[1:]))
        else:
            kind, hhmm = "lesson", calendar.parse_time(args)
    except ValueError as exc:
        turn.say(Invalid(str(exc)))
        return
    quiz = kind == "quiz"
    learner = turn.learner
    pending: datetime | None = learner.next_quiz_at if quiz else learner.next_lesson_at
    turn.update_learner(LearnerChange(quiz_time=hhmm) if quiz else LearnerChange(lesson_time=hhmm))
    plan(turn)
    # Today's delivery was still to come, and the new time has already passed today: it goes
    # now rather than tomorrow (moving the time earlier must not skip a day).
    if (pending is not None and pending > turn.now
            and calendar.local_date(pending, turn.tz) == turn.today
            and calendar.at_local(turn.today, hhmm, turn.tz) <= turn.now):
        turn.update_learner(LearnerChange(next_quiz_at=turn.now) if quiz
                            else LearnerChange(next_lesson_at=turn.now))
    window = turn.settings.waking_hours
    latest = None
    if quiz and turn.learner.nudges and not calendar.reminder_fits(
            hhmm, window, turn.settings.reminder_after, turn.tz, turn.today):
        last = calendar.latest_reminder(turn.today, window, turn.tz).astimezone(turn.tz)
        latest = last.strftime("%H:%M") if last.date() == turn.today else "midnight"
    turn.say(SettingsSaved(turn.view(), reminders_close=latest))


def set_zone(turn: Turn, args: str) -> None:
    """`timezone Europe/Berlin`; alone, the zone in use."""
    if not args.strip():
        turn.say(ZoneNow(calendar.zone_label(turn.learner.time_zone)))
        return
    try:
        zone = calendar.resolve_zone(args)
    except ValueError as exc:
        reason = str(exc)
        if isinstance(exc, calendar.ZoneSuggested) and len(exc.suggestions) == 1:
            turn.offer_command(f"timezone {exc.suggestions[0]}")  # "CET": "yes" takes it
            reason += ', or reply "yes"'
        turn.say(Invalid(reason))
        return
    before = turn.tz
    turn.update_learner(LearnerChange(time_zone=zone.key))
    plan(turn)
    refile(turn, before, zone)
    turn.say(SettingsSaved(turn.view()))


def _offset(zone: ZoneInfo, now: datetime) -> timedelta:
    return now.astimezone(zone).utcoffset() or timedelta(0)


def refile(turn: Turn, before: ZoneInfo, zone: ZoneInfo) -> None:
    """Keep recent deliveries and every review on their local day in a new time zone; and
    when the new zone's today has passed its lesson or quiz time with none of that kind sent
    today, it comes now (a new zone must not skip a day, as a time moved earlier does not).
    Call with the new zone saved and planned."""
    # A day's deliveries are keyed by the local day they were due on: file the recent ones
    # under their day in the new zone, or crossing the date line westwards would find
    # "tomorrow" already served and skip its lesson. Moving west files rows under earlier
    # days: the oldest first, or a row would meet the one before it still on its old day,
    # stay put, and leave today looking unserved (east: the newest first, likewise).
    outbox = turn.unit.deliveries
    west = _offset(zone, turn.now) < _offset(before, turn.now)
    recent = sorted(outbox.recent(turn.learner.id, turn.now - timedelta(days=2)),
                    key=lambda row: row.due_at, reverse=not west)
    served: set[DeliveryKind] = set()
    for delivery in recent:
        day = calendar.local_date(delivery.due_at, zone)
        if day != delivery.local_date and outbox.move_day(delivery, day):
            delivery = replace(delivery, local_date=day)
        # A day the old zone already served stays served, and so does a delivery sent
        # within three hours (two lessons within the hour, whatever the dates say, would be
        # one too many; a flight east may bring the next day's sooner).
        if delivery.local_date == turn.today or (
                delivery.sent_at is not None and turn.now - delivery.sent_at < timedelta(hours=3)):
            served.add(delivery.kind)
    # Reviews fall due at the start of a local day: keep each on its day, in the new zone.
    cards = turn.unit.cards
    for card in cards.all(turn.learner.id):
        day = calendar.local_date(card.due_at, before)
        cards.save(replace(card, due_at=calendar.at_local(day, "00:00", zone)))
    if before.key != zone.key:
        catch_up(turn, served)


def set_days(turn: Turn, args: str) -> None:
    """`days mon-fri`, or `days without fri` (the days chosen but those); alone, the days and
    how to change them."""
    if not args.split():
        turn.say(SettingNow(Setting.DAYS, turn.view()))
        return
    words = args.split(maxsplit=1)
    without = words[0].lower() in ("without", "except", "not") and len(words) == 2
    try:
        days = calendar.parse_days(words[1] if without else args)
    except ValueError as exc:
        turn.say(Invalid(str(exc)))
        return
    if without:  # "no lessons on fridays": the days chosen, but that one
        days = tuple(day for day in turn.learner.workdays if day not in days)
        if not days:
            turn.say(Invalid("that leaves no day for lessons; to stop them for a while, "
                             'type "pause"; to choose days, type something like "days mon-fri"'))
            return
    if days != turn.learner.workdays:
        progress.settle_days(turn)
    change(turn, LearnerChange(workdays=days))


TOPICS_ADD = ("add", "plus", "also", "+")
TOPICS_REMOVE = ("remove", "drop", "without", "except", "minus", "-")


def set_topics(turn: Turn, args: str) -> None:
    """`topics security git` chooses those; `topics add security` (or `+security`) and
    `topics remove git` (or `-git`, `without git`) change the choice; alone, the topics
    chosen and available; `topics all` resets."""
    available = sorted({lesson.topic for lesson in turn.catalog.lessons()})
    words = [word.strip().lower() for word in args.replace(",", " ").split()]
    if not words:
        turn.say(TopicsNow(turn.learner.topics, tuple(available)))
        return
    if words in (["all"], ["any"], ["none"]):
        change(turn, LearnerChange(topics=()))
        return
    edit = ""
    if words[0] in TOPICS_ADD + TOPICS_REMOVE and words[0] not in available:
        edit, words = ("add" if words[0] in TOPICS_ADD else "remove"), words[1:]
    elif words[0][:1] in "+-" and len(words[0]) > 1:
        edit, words = ("add" if words[0][0] == "+" else "remove"), [words[0][1:], *words[1:]]
    if edit and not words:
        turn.say(Invalid(f'name the topic to {edit}: "topics {edit} '
                         f'{available[0] if available else "security"}"'))
        return
    unknown = [word for word in words if word not in available]
    if unknown:
        guesses = [close[0] for word in unknown
                   for close in [difflib.get_close_matches(word, available, n=1, cutoff=0.6)]
                   if close]
        turn.say(Invalid(
            f"no topic called {', '.join(repr(word) for word in unknown)}"
            + (f" (did you mean {', '.join(repr(guess) for guess in guesses)}?)"
               if guesses else "")
            + f"; your topics are as they were. Topics are: {', '.join(available)}"))
        return
    chosen = turn.learner.topics
    if edit == "add":
        if not chosen:  # every topic is chosen already: adding one would narrow the choice
            turn.say(TopicsNow(chosen, tuple(available)))
            return
        words = [*chosen, *(word for word in words if word not in chosen)]
    elif edit == "remove":
        words = [topic for topic in (chosen or available) if topic not in words]
        if not words:
            turn.say(Invalid('that leaves no topic; "topics all" chooses every topic again'))
            return
        if sorted(words) == available:
            words = []
    change(turn, LearnerChange(topics=tuple(dict.fromkeys(words))))


def set_nudges(turn: Turn, args: str) -> None:
    """`nudges on|off`; alone, whether they are on."""
    word = args.strip().lower()
    if word in ("on", "yes", "true"):
        word = "on"
    elif word in ("off", "no", "false"):
        word = "off"
    elif word:
        turn.say(Invalid(f'"{args.strip()[:30]}" is not on or off: write "nudges on" or '
                         '"nudges off"'))
        return
    if word:
        turn.update_learner(LearnerChange(nudges=word == "on"))
    turn.say(Notice(NoticeCode.NUDGES_ON if turn.learner.nudges else NoticeCode.NUDGES_OFF))


def pause(turn: Turn, args: str = "") -> None:
    """A holiday: the streak is held from today. Words saying until when ("pause until
    friday", "pause for a week") give it an end date, in the learner's own days: it ends by
    itself on the first learning day after it (see :func:`end_holiday`)."""
    until = None
    if args.strip():
        try:
            until = calendar.parse_until(args, turn.today)
        except ValueError as exc:
            turn.say(Invalid(f'{exc}; or just "pause", and "resume" when you are back'))
            return
        if until < turn.today:
            turn.say(Invalid(f"{calendar.day_label(until)} has passed: name a day from today "
                             'on, like "pause until friday"'))
            return
        if until > turn.today + timedelta(days=calendar.HOLIDAY_MAX_DAYS):
            turn.say(Invalid(f"{calendar.day_label(until)} is more than "
                             f"{calendar.HOLIDAY_MAX_DAYS} days away: for a longer break, "
                             'type "pause", and "resume" when you are back'))
            return
    if turn.learner.paused and (until is None or turn.learner.stopped):
        turn.say(Notice(NoticeCode.ALREADY_PAUSED))
        return
    if not turn.learner.paused:
        turn.hold_streak(turn.today)
    # On holiday already, a date given sets (or moves) its end.
    turn.update_learner(LearnerChange(paused=True, paused_until=until))
    plan(turn)
    if until is None:
        # Said as a holiday, not as a list of settings with "on holiday" at its end.
        turn.say(Notice(NoticeCode.PAUSED))
        return
    view = turn.view()
    turn.say(Paused(view.paused_until, view.back_on))


def holiday_over(learner: Learner, now: datetime) -> bool:
    """Whether the learner is on a holiday with an end date that has passed in their time
    zone (it ends at the next turn or push: :func:`end_holiday`)."""
    return learner.paused and learner.paused_until is not None and \
        calendar.local_date(now, calendar.zone(learner.time_zone)) > learner.paused_until


def end_holiday(turn: Turn) -> bool:
    """End a holiday whose end date has passed, as `resume` does (the reviews moved by the
    days away, the streak kept), with a short welcome back; False when there is none."""
    learner = turn.learner
    if not holiday_over(learner, turn.now):
        return False
    resume(turn, ended=learner.paused_until)
    return True


def resume(turn: Turn, ended: date | None = None) -> None:
    """Back from a holiday or a stop; a holiday moves the reviews by the days away. A lesson
    asked for on holiday is extra: back on a learning day that brought one, the day's own
    comes with the welcome back (see :func:`extra_from_holiday`). ``ended``: the last day of
    a holiday that ended by itself."""
    learner = turn.learner
    if not learner.paused and not learner.stopped:
        if not any(isinstance(said, Resumed) for said in turn.out):  # ended by itself just now
            turn.say(Notice(NoticeCode.NOT_PAUSED))
        return
    streak = turn.unit.streaks.get(learner.id)
    held = 0
    if learner.paused and streak.paused_since is not None:
        held = (turn.today - streak.paused_since).days
        shift_reviews(turn, held)  # a holiday does not pile up reviews
        turn.save_streak(replace(streak, last_active=streak_after_holiday(turn, streak),
                                 paused_since=None))
    turn.update_learner(LearnerChange(paused=False, stopped=False, paused_until=None))
    keep_today = 0
    if held:
        catch_up(turn)
        # "Your streak waited" said at 20:00, then lost at midnight: say the day counts, when
        # it does (a freeze in reserve would cover it, as the reminder reckons).
        keep_today = progress.streak_at_risk(turn)
    turn.say(Resumed(held, keep_today, turn.view(),
                     ended=calendar.day_label(ended) if ended else ""))
    if held and extra_from_holiday(turn):
        lessons.send_lesson(turn, scheduled=False)


def extra_from_holiday(turn: Turn) -> bool:
    """Back on a learning day from a holiday begun before it, with a lesson asked for today
    (so on holiday) and another to come: the lesson hour would send nothing, as it cannot
    tell that lesson from one asked for today after the holiday (a lesson records how it
    came, not whether the learner was away), so the day's lesson is to come now."""
    workdays = turn.learner.workdays
    return bool(workdays) and calendar.is_workday(turn.today, workdays) and \
        lessons.got_one_today(turn) and lessons.next_lesson(turn) is not None


def catch_up(turn: Turn, served: Collection[DeliveryKind] = ()) -> None:
    """Back from a holiday, or in a new time zone, on a learning day whose lesson or quiz time
    has passed: they come now rather than tomorrow, so the day can keep the streak like any
    other; ``served``: kinds that went out today already (a new zone's today may be the old
    one's). (A day's delivery is sent once whatever its due time says: the outbox keeps one
    per kind and local day.)"""
    learner = turn.learner
    plan(turn)
    if learner.paused or learner.stopped or not learner.workdays or \
            not calendar.is_workday(turn.today, learner.workdays):
        return
    lesson, quiz = (calendar.at_local(turn.today, hhmm, turn.tz) <= turn.now
                    and kind not in served
                    for hhmm, kind in ((learner.lesson_time, DeliveryKind.LESSON),
                                       (learner.quiz_time, DeliveryKind.QUIZ)))
    if lesson or quiz:
        turn.update_learner(LearnerChange(next_lesson_at=turn.now if lesson else KEEP,
                                          next_quiz_at=turn.now if quiz else KEEP))


def streak_after_holiday(turn: Turn, streak: Streak) -> date | None:
    """The streak's last active day as if the holiday had not happened: the days away, from
    the pause day to yesterday, neither count nor break it, while workdays missed before the
    pause still do (today is a day like any other: its lesson comes at once, see
    :func:`resume`)."""
    last, paused = streak.last_active, streak.paused_since
    if last is None or paused is None:
        return last
    workdays = turn.learner.workdays
    missed = calendar.workdays_between(last, paused, workdays)
    # The day from which exactly the days missed before the pause lie ahead, up to yesterday.
    day = max(turn.today - timedelta(days=1), last)
    while missed > 0:
        if calendar.is_workday(day, workdays):
            missed -= 1
        day -= timedelta(days=1)
    return day


def shift_reviews(turn: Turn, days: int) -> None:
    """Move every review, and the memory behind it, by ``days`` local days: a holiday
    stretches the spacing, so the learner comes back to the reviews they left (local midnight
    stays local midnight)."""
    if days <= 0:
        return
    tz = turn.tz
    read_on = {receipt.lesson_id: calendar.local_date(receipt.at, tz)
               for receipt in turn.history()}

    def later(moment: datetime) -> datetime:
        return calendar.at_local(calendar.local_date(moment, tz) + timedelta(days=days),
                                 "00:00", tz)

    cards = turn.unit.cards
    for card in cards.all(turn.learner.id):
        day = read_on.get(card.lesson_id, turn.today)
        memory = turn.reviewer.memory(card, calendar.at_local(day, "00:00", tz))
        if memory.last_review is not None:
            memory.last_review = later(memory.last_review)
        memory.due = later(memory.due)
        cards.save(remember(replace(card, due_at=later(card.due_at)), memory))


def stop(turn: Turn) -> None:
    """No more daily messages; progress is kept."""
    turn.update_learner(LearnerChange(stopped=True))
    turn.say(Notice(NoticeCode.STOPPED))


FORGET_WINDOW = timedelta(minutes=5)
"""How long after `forget` a `forget confirm` deletes: a confirmation answers a question just
asked, never one from last week."""


def forget_reply(turn: Turn, said: str) -> bool:
    """"yes" (or "confirm") right after `forget`: the words that delete are repeated rather
    than guessed at (deleting is for good). False when it is no such reply."""
    asked = turn.learner.forget_asked_at
    if said not in FORGET_YES | FORGET_NO or asked is None or \
            not timedelta(0) <= turn.now - asked <= FORGET_WINDOW:
        return False
    if said in FORGET_NO:  # "cancel", "no": nothing is deleted, and a later yes deletes nothing
        turn.update_learner(LearnerChange(forget_asked_at=None))
        turn.say(Notice(NoticeCode.FORGET_CANCELLED))
        return True
    turn.say(Notice(NoticeCode.FORGET_CONFIRM))
    return True


FORGET_YES = frozenset({"yes", "y", "yes please", "yeah", "yep", "sure", "ok", "okay", "confirm",
                        "confirmed", "do it", "go ahead", "yes delete", "delete"})
FORGET_NO = frozenset({"no", "nope", "no thanks", "cancel", "don't", "dont", "keep", "keep it",
                       "keep everything", "never mind", "nevermind", "abort", "no way", "undo"})


def forget(turn: Turn, args: str) -> None:
    """`forget` asks; `forget confirm` right after it deletes everything about the learner,
    who is then not enrolled again by anything but `start`."""
    asked = turn.learner.forget_asked_at
    confirming = args.strip().lower() in ("confirm", "yes")
    if not confirming or asked is None or not timedelta(0) <= turn.now - asked <= FORGET_WINDOW:
        turn.update_learner(LearnerChange(forget_asked_at=turn.now))
        if confirming and asked is not None:
            turn.say(Notice(NoticeCode.FORGET_EXPIRED))  # the warning again, from now
        turn.say(Notice(NoticeCode.FORGET_CONFIRM))
        return
    turn.unit.learners.forget(turn.learner.id, turn.now)
    turn.out = [Notice(NoticeCode.FORGOTTEN)]
