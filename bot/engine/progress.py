"""Progress: points, streaks and badges as they are earned, and what `me`, `top` and `stats`
show of them (the rules themselves are in :mod:`bot.engine.rules`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.content.markdown import plain_text
from bot.content.model import Lesson, track_title
from bot.engine import calendar, checks, rules
from bot.engine.commands import plain_words
from bot.engine.turn import Turn
from bot.messages import (
    BadgeBoard,
    BadgeGoal,
    BadgesEarned,
    FlagFigure,
    Leaderboard,
    MissFigure,
    Profile,
    QuestionFigure,
    Standing,
    Stats,
    StreakNews,
    StreakView,
    TrackProgress,
)
from storage.records import Card, LearnerChange, LessonSource, Streak


def award(turn: Turn, points: int, reason: str, key: str) -> bool:
    """Award points once per ``key`` (an idempotency key: a second press scores nothing)."""
    return turn.unit.points.award(turn.learner.id, points, reason, key, turn.now)


def lesson_key(learner_id: int, lesson_id: str) -> str:
    """The idempotency key of a lesson's points."""
    return f"lesson:{learner_id}:{lesson_id}"


def activity(turn: Turn) -> None:
    """A lesson read or a question answered today keeps the streak (in local workdays, with
    freezes): only what the learner does counts, never what the bot sends."""
    streak = turn.streak()
    today = turn.today
    workdays = turn.learner.workdays
    if streak.last_active is not None and streak.last_active >= today:
        return  # the same day, or a time-zone change that went back a day
    if workdays and not calendar.is_workday(today, workdays):
        return  # a day off neither adds to the streak nor breaks it
    if turn.learner.paused:
        # Nor does a day of a holiday: a lesson read there is a reading (its points, "read"),
        # and counted as a day it had broken a streak the holiday held.
        return
    current, freezes = streak.current, streak.freezes
    if streak.last_active is None:
        current = 1
    else:
        missed = calendar.workdays_between(streak.last_active, today, workdays)
        if missed == 0:
            current += 1
        elif missed <= freezes:
            freezes -= missed
            current += 1
        else:
            current = 1
    used = streak.freezes - freezes
    earned = False
    if current % rules.FREEZE_EVERY == 0 and freezes < rules.MAX_FREEZES:
        freezes, earned = freezes + 1, True
    turn.save_streak(Streak(turn.learner.id, current, max(streak.longest, current), today,
                            freezes, streak.paused_since))
    if used or earned:
        turn.say(StreakNews(current, freeze_earned=earned, freezes_used=used))


def settle_days(turn: Turn) -> None:
    """The learning days are about to change: the days already passed keep the verdict of the
    days set when they passed. Without this, a day off that is a learning day now broke a
    streak after the fact, and a missed day that is a day off now mended a broken one."""
    streak = turn.streak()
    # On holiday, the days up to the pause (those after it neither count nor break it).
    until = streak.paused_since if turn.learner.paused and streak.paused_since else turn.today
    if streak.last_active is None or streak.last_active >= until - timedelta(days=1):
        return
    missed = calendar.workdays_between(streak.last_active, until, turn.learner.workdays)
    held = missed <= streak.freezes
    # From the day before ``until`` on, nothing is missed under any days: broken, it stays
    # broken (and spends no freeze later); held, what held it is spent.
    turn.save_streak(replace(streak, last_active=until - timedelta(days=1),
                             current=streak.current if held else 0,
                             freezes=streak.freezes - missed if held else streak.freezes))


def streak_at_risk(turn: Turn) -> int:
    """The streak a reminder should mention: one of days that ends today unless the learner
    acts (0 when there is none, or today already counts)."""
    workdays = turn.learner.workdays
    if workdays and not calendar.is_workday(turn.today, workdays):
        return 0  # a day off neither adds to the streak nor breaks it
    streak = effective_streak(turn)
    if streak.current == 0 or (streak.last_active is not None
                               and streak.last_active >= turn.today):
        return 0
    missed = calendar.workdays_between(streak.last_active or turn.today, turn.today,
                                       turn.learner.workdays)
    return streak.current if missed >= streak.freezes else 0


def check_badges(turn: Turn, lesson: Lesson | None, answered: bool = False) -> None:
    """Award the badges this turn earned (``lesson``: one just read; ``answered``: a question
    was answered). Counts grow one at a time, so a badge is earned exactly when its count
    reaches the mark: only then is it written, once (this runs after every lesson read and
    answer, and most turns reach no mark)."""
    learner_id = turn.learner.id
    read = turn.read()
    counts = {"lessons": len(read), "streak": turn.streak().current}
    candidates = [code for code, (what, mark) in rules.BADGE_MARKS.items()
                  if counts.get(what) == mark]
    badges = turn.unit.badges
    if answered:  # questions are mastered by answers only: their count is read only then
        held, mastered = badges.codes(learner_id), turn.unit.cards.mastered(learner_id)
        candidates += [code for code, (what, mark) in rules.BADGE_MARKS.items()
                       if what == "mastered" and code not in held and mastered >= mark]
    if lesson is not None and lesson.track:
        track = turn.catalog.tracks().get(lesson.track, ())
        if track and all(item.id in read for item in track):
            candidates.append(f"track:{lesson.track}")
    earned = []
    for code in candidates:
        if badges.award(learner_id, code, turn.now):  # False when already held
            earned.append(rules.badge_name(code))
    if earned:
        turn.say(BadgesEarned(tuple(earned)))


def badge_board(turn: Turn) -> BadgeBoard:
    """What `badges` shows: the badges earned, those still to earn with how close the
    learner is (the closest first), and how streak freezes work and when the next comes."""
    learner_id = turn.learner.id
    held = turn.unit.badges.codes(learner_id)
    streak = effective_streak(turn)
    read = turn.read()
    have = {"lessons": len(read), "streak": streak.current,
            "mastered": turn.unit.cards.mastered(learner_id)}
    goals = [BadgeGoal(rules.badge_name(code), what, mark, min(have[what], mark))
             for code, (what, mark) in rules.BADGE_MARKS.items() if code not in held]
    # A track's badge: those the learner started (every track would be a long list).
    tracks = turn.catalog.tracks()
    started = {lesson.track for receipt in turn.history()
               if (lesson := turn.catalog.get(receipt.lesson_id)) is not None
               and lesson.track in tracks}
    for track in sorted(started):
        if f"track:{track}" not in held:
            items = tracks[track]
            goals.append(BadgeGoal(rules.badge_name(f"track:{track}"), "track", len(items),
                                   sum(item.id in read for item in items)))
    goals.sort(key=lambda goal: goal.target - goal.have)
    freezes = reserve(turn, streak)
    full = freezes >= rules.MAX_FREEZES
    return BadgeBoard(
        earned=tuple(rules.badge_name(code) for code in held), goals=tuple(goals),
        streak=streak.current, freezes=freezes, max_freezes=rules.MAX_FREEZES,
        freeze_every=rules.FREEZE_EVERY,
        to_next_freeze=0 if full else rules.FREEZE_EVERY - streak.current % rules.FREEZE_EVERY,
        first_freeze=freezes == 0 and streak.longest < rules.FREEZE_EVERY)


def effective_streak(turn: Turn, stored: Streak | None = None) -> Streak:
    """The streak as it stands today: broken if more workdays were missed than freezes cover
    (it is only written when the learner is active); ``stored``: as read already."""
    streak = stored or turn.unit.streaks.get(turn.learner.id)
    return replace(streak, current=rules.streak_held(
        streak.current, streak.last_active, streak.freezes, turn.today, turn.learner.workdays,
        turn.learner.paused))


def streak_view(turn: Turn) -> StreakView:
    """The streak as `me` shows it: with, when it ended since the learner last acted, its
    length and the learning day it was lost on (a "0 days" with no reason had read as a bug)."""
    stored = turn.unit.streaks.get(turn.learner.id)
    streak = effective_streak(turn, stored)
    view = StreakView(streak.current, streak.longest, reserve(turn, streak))
    if streak.current or not stored.current or stored.last_active is None:
        return view
    day = stored.last_active
    for _ in range(stored.freezes + 1):  # each freeze covered one missed day
        day = calendar.next_workday(day, turn.learner.workdays)
    return replace(view, ended=stored.current, ended_on=f"{day:%a} {day.day} {day:%b}")


def reserve(turn: Turn, streak: Streak) -> int:
    """The streak freezes still in reserve: those the workdays missed since the last active
    day will use at the next action are spent already."""
    if not streak.current or streak.last_active is None or turn.learner.paused:
        return streak.freezes
    missed = calendar.workdays_between(streak.last_active, turn.today, turn.learner.workdays)
    return max(0, streak.freezes - missed)


def track_progress(turn: Turn) -> tuple[TrackProgress, ...]:
    """Each track the learner started, in the order started: lessons read of its total."""
    tracks = turn.catalog.tracks()
    read = turn.read()
    started = []
    for receipt in reversed(turn.history()):
        if receipt.via is not LessonSource.LESSON and receipt.read_at is None:
            continue  # only looked up: not a track started
        lesson = turn.catalog.get(receipt.lesson_id)
        if lesson is not None and lesson.track in tracks and lesson.track not in started:
            started.append(lesson.track)
    return tuple(TrackProgress(track_title(track), sum(item.id in read for item in tracks[track]),
                               len(tracks[track])) for track in started)


def due_counts(turn: Turn, waiting: set[tuple[str, str]] | None = None,
               cards: list[Card] | None = None) -> tuple[int, int, date]:
    """Review questions due by the end of the learner's day, those that fall due by the end
    of their next learning day (on a Friday, Monday's: the weekend's come then too), and that
    day. With ``waiting`` (the questions `quiz` would ask now), today's are those; a question
    whose day has come but that is not yet worth asking (after a holiday) counts as next.
    ``cards``: the learner's cards when the caller has read them already."""
    tomorrow = turn.today + timedelta(days=1)
    workdays = turn.learner.workdays
    following = calendar.next_workday(turn.today, workdays) if workdays else tomorrow
    end_today = calendar.at_local(tomorrow, "00:00", turn.tz)
    end_next = calendar.at_local(following + timedelta(days=1), "00:00", turn.tz)
    due = [((card.lesson_id, card.question_key), card.due_at)
           for card in (turn.unit.cards.all(turn.learner.id) if cards is None else cards)
           if turn.find_question(card.lesson_id, card.question_key) is not None]
    if waiting is None:
        return (sum(at < end_today for _, at in due),
                sum(end_today <= at < end_next for _, at in due), following)
    return (len(waiting),
            sum(at < end_next and key not in waiting for key, at in due), following)


def profile(turn: Turn, waiting: set[tuple[str, str]] | None = None,
            cards: list[Card] | None = None) -> Profile:
    """What `me` shows: points, streak, badges, lessons read, questions mastered, the tracks
    started, the reviews due today and tomorrow, and the last 30 days' accuracy. ``waiting``:
    the questions `quiz` would ask now, said as today's (the reviews whose day has come are
    not all worth asking yet: what `me` says must be what `quiz` does)."""
    learner_id = turn.learner.id
    unit = turn.unit
    today, upcoming, following = due_counts(turn, waiting, cards)
    recent = unit.answers.accuracy(turn.now - timedelta(days=30), learner_id)
    return Profile(
        learner=turn.view(),
        points=unit.points.total(learner_id),
        week_points=unit.points.total(learner_id, calendar.local_week_start(turn.now, turn.tz)),
        streak=streak_view(turn),
        badges=tuple(rules.badge_name(code) for code in unit.badges.codes(learner_id)),
        lessons_read=turn.read_in_library(),
        lessons_total=len(turn.catalog.lessons()),
        mastered=unit.cards.mastered(learner_id),
        tracks=track_progress(turn), due_today=today, due_tomorrow=upcoming,
        next_day="" if following == turn.today + timedelta(days=1)
        else following.strftime("%a"),
        accuracy=(recent.right / recent.total) if recent.total else None,
        answered=recent.total, gains=checks.gains(turn),
        daily_quiz=turn.settings.quiz_questions,
        day_off=bool(turn.learner.workdays)
        and not calendar.is_workday(turn.today, turn.learner.workdays))


def leaderboard(turn: Turn, args: str) -> None:
    """This week's leaderboard; `top join` and `top leave` choose whether to appear on it."""
    word = args.strip().lower()
    before = turn.learner.leaderboard_opt_in
    wanted = {"join": True, "on": True, "in": True, "leave": False, "off": False,
              "out": False}.get(word)
    if wanted is not None:
        turn.update_learner(LearnerChange(leaderboard_opt_in=wanted))
    since = calendar.week_start(turn.now)
    board = turn.unit.points.leaderboard(since, 10)
    turn.say(Leaderboard(
        board=tuple(Standing(row.display_name, row.points) for row in board),
        opted_in=turn.learner.leaderboard_opt_in,
        my_points=turn.unit.points.total(turn.learner.id, since),
        changed=turn.learner.leaderboard_opt_in != before, asked=wanted is not None))


def stats(turn: Turn) -> None:
    """How learners are doing, for trainers: activity, accuracy, the hardest and the flagged
    questions."""
    if not turn.for_trainers_only():
        return
    unit = turn.unit
    accuracy = unit.answers.accuracy(turn.now - timedelta(days=30))
    missed = unit.lookups.missed_since(turn.now - timedelta(days=30))
    # The same words in another case or with other punctuation are the same question; the
    # way it was asked last is shown.
    asked: dict[str, tuple[int, str]] = {}
    for query in missed:
        key = " ".join(plain_words(query))
        asked[key] = (asked.get(key, (0, ""))[0] + 1, query)
    most_missed = sorted(asked.values(), key=lambda item: -item[0])[:5]
    turn.say(Stats(
        learners=unit.learners.count(),
        active=unit.points.active_learners(turn.now - timedelta(days=7)),
        lessons_sent=unit.progress.count(),
        lessons_read=unit.progress.count(read=True),
        accuracy=(accuracy.right / accuracy.total) if accuracy.total else None,
        answers=accuracy.total,
        hardest=tuple(QuestionFigure(question_text(turn, score.lesson_id, score.question_key),
                                     score.right, score.total)
                      for score in unit.answers.hardest(3, 5)),
        flags=tuple(FlagFigure(question_text(turn, flag.lesson_id, flag.question_key),
                               flag.count, flag.notes)
                    for flag in unit.flags.counts()[:5]),
        missed=len(missed), different=len(asked),
        most_missed=tuple(MissFigure(query, count) for count, query in most_missed)))


def question_text(turn: Turn, lesson_id: str, key: str) -> str:
    """A question as a trainer reads it in `stats`: its lesson and its text."""
    found = turn.find_question(lesson_id, key)
    return f"{lesson_id}: {plain_text(found[1].text)}" if found else f"{lesson_id} #{key}"
