"""The dashboard's pages as data: figures, charts and tables, the same numbers whether they are
shown as HTML, downloaded as CSV or read as JSON.

Every chart has a table of its own numbers (shown under it for screen readers and phones), and
every table can be downloaded. Nothing here knows HTTP or HTML.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC as _UTC
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.content.catalog import Catalog
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question, track_title
from bot.dashboard import figures
from bot.engine.checks import normalised_gain
from bot.engine.reviewer import Reviewer
from storage import Database
from storage.records import SkippedBy
from storage.reports import (
    GAIN_BUCKETS,
    LessonReads,
    Reports,
    Scope,
    TrackFunnel,
    TrackGainRow,
    midnight,
)

Cell = str | int | float | None


class Share(float):
    """A share from 0 to 1 in a table: to every program (CSV, JSON, a test) the float it is,
    rounded to two places; on the page it reads like a card, with the counts behind it,
    "67% (2 of 3)" (a mean of shares has none: "19%")."""

    part: int | None
    whole: int | None

    def __new__(cls, value: float, part: int | None = None, whole: int | None = None) -> Share:
        share = super().__new__(cls, round(value, 2))
        share.part, share.whole = part, whole
        return share

    @classmethod
    def of(cls, part: int, whole: int) -> Share | None:
        """``part`` of ``whole``; None when there is nothing to divide."""
        return cls(part / whole, part, whole) if whole else None

    @classmethod
    def mean(cls, value: float | None) -> Share | None:
        """A mean of shares (no counts behind it); None when there is none."""
        return None if value is None else cls(value)

    def shown(self) -> str:
        """As the page shows it."""
        if self.part is None or not self.whole:
            return percent(float(self))
        return percent_of(self.part, self.whole)


@dataclass(frozen=True)
class Figure:
    """One headline number: ``value`` as the page shows it, ``number`` as a program reads it
    (a count, or a share from 0 to 1; None when there is none, or the figure is not a
    number)."""

    label: str
    value: str
    number: int | float | None = None

    @classmethod
    def count(cls, label: str, count: int) -> Figure:
        return cls(label, str(count), count)

    @classmethod
    def share(cls, label: str, share: float | None) -> Figure:
        """A share from 0 to 1 (a mean, with no count behind it), shown as a percentage."""
        return cls(label, percent(share), rounded(share, 4))

    @classmethod
    def part(cls, label: str, part: int, whole: int) -> Figure:
        """``part`` of ``whole``, shown as a percentage with its counts: "67% (2 of 3)"."""
        return cls(label, percent_of(part, whole), rounded(figures.ratio(part, whole), 4))


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | int | None, ...]
    colour: str | None = None
    """A colour that carries meaning ("not useful" in red, not the palette's next green);
    None: the palette's, in order."""


@dataclass(frozen=True)
class Chart:
    """A chart: ``kind`` is 'line' or 'bar'; one value per label in each series."""

    key: str
    title: str
    kind: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def empty(self) -> bool:
        """Nothing to draw: no value, or only zeros (bare axes would look like a broken chart)."""
        return all(not value for series in self.series for value in series.values)

    def table(self) -> Table:
        """The chart's numbers as a table."""
        return Table(self.key, self.title, ("label", *(s.name for s in self.series)),
                     tuple((label, *(s.values[i] for s in self.series))
                           for i, label in enumerate(self.labels)))


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    links: tuple[str | None, ...] = ()
    """A link for each row's first cell (empty: none)."""
    marked: tuple[bool, ...] = ()
    """Rows to draw attention to (broken questions, learners at risk)."""
    shown: int = 0
    """Rows the page shows (0: all); the CSV and JSON have every row."""


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    filtered: bool = True
    """Whether the filters (dates, platform, track) apply to it."""

    def all_tables(self) -> dict[str, Table]:
        """Every table of the page, the charts' own included, by key."""
        tables = {chart.key: chart.table() for chart in self.charts}
        tables.update({table.key: table for table in self.tables})
        return tables


@dataclass(frozen=True)
class Filters:
    """What the trainer chose to look at."""

    since: date
    until: date
    """Inclusive: the last day shown."""
    platform: str | None = None
    track: str | None = None


@dataclass
class DashboardSettings:
    pseudonymous: bool = False
    """Show learner ids instead of names."""
    idle_days: int = 5
    """No action for this many of the learner's own workdays puts them at risk."""
    overdue_reviews: int = 10
    """This many reviews overdue by more than two days puts a learner at risk."""
    timezone: str = "UTC"
    """The trainer's zone: the range's days (from its midnight to its midnight, for every
    figure but the retention trend's), "today", and every time shown or written (with its
    offset in CSV and JSON)."""

    @property
    def zone(self) -> tzinfo:
        return _UTC if self.timezone == "UTC" else ZoneInfo(self.timezone)


class Stamp(str):
    """A time as a page shows it ("2026-11-30 20:00", in the dashboard's zone), keeping the
    moment itself for CSV and JSON, which write it in ISO 8601 with its offset."""

    moment: datetime | None = None

    @classmethod
    def of(cls, moment: datetime | None, zone: tzinfo) -> Stamp:
        if moment is None:
            return cls("")
        local = _utc(moment).astimezone(zone)
        stamp = cls(local.strftime("%Y-%m-%d %H:%M"))
        stamp.moment = local
        return stamp

    @property
    def iso(self) -> str:
        """The moment in ISO 8601 with its offset ("2026-12-01T09:00:00+13:00"); empty for
        none."""
        return self.moment.isoformat() if self.moment is not None else ""


PAGES = ("overview", "tracks", "gain", "questions", "retention", "learners", "lessons",
         "voice")
_FAR = datetime(9999, 1, 1, tzinfo=_UTC)
"""An end later than any record: every learner enrolled so far."""
_EPOCH = datetime(2000, 1, 1, tzinfo=_UTC)
"""Before any answer: a question is judged on every first attempt up to the range's end."""
RECALL_FRESH = timedelta(minutes=5)
"""How old Retention's "now" may be (every card is read to compute it)."""
LISTED = 500
"""Rows a long table shows on its page (learners, unanswered lookups); its CSV has all."""
GOOD, BAD = "#16a34a", "#dc2626"
"""Colours of series that mean well and ill (green, red). The charts' palette for series
that mean neither (tracks) has no red: red reads as bad."""
HALF_WAY = "#0891b2"
"""The funnel's "half-way" (cyan): between its "started" (the palette's blue) and its
"completed" (:data:`GOOD`)."""


UNSCORED = {SkippedBy.LEARNER: "skipped", SkippedBy.PUSH: "set aside"}
"""What a check that ended without a score says, by who ended it: the learner typed 'skip
check', or the next day's lesson push set a baseline aside that had not been answered."""
NO_SCORE = {"pre": "skipped or set aside", "post": "skipped"}
"""What one says that ended without a score before schema 0020 kept who ended it, by phase:
a baseline may have been either, an endline was only ever skipped."""


def check_outcome(phase: str, finished: bool, by: SkippedBy | None) -> str:
    """What a check without a score says: open (under way), or how it ended (:data:`UNSCORED`
    by who ended it; :data:`NO_SCORE` when that was not kept)."""
    if not finished:
        return "open"
    return UNSCORED[by] if by is not None else NO_SCORE.get(phase, "skipped")


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def percent_of(part: int, whole: int) -> str:
    """A share with the counts behind it, "67% (2 of 3)"; "-" of nothing."""
    return f"{percent(part / whole)} ({part} of {whole})" if whole else "-"


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class Dashboard:
    """Builds each page from the database and the lesson library."""

    def __init__(self, database: Database, catalog: Catalog,
                 settings: DashboardSettings | None = None) -> None:
        self.database = database
        self.catalog = catalog
        self.settings = settings or DashboardSettings()
        self.reviewer = Reviewer()
        # The predicted recall of every card, by platform and lessons in view: reading every
        # card takes most of a second for 10,000 learners, so "now" is at most this old.
        self._recall: dict[tuple[str | None, tuple[str, ...] | None],
                           tuple[datetime, list[tuple[str, float, int]]]] = {}
        self._computing = threading.Lock()  # two cold views at once compute it once

    # -- helpers ------------------------------------------------------------------------------

    def scope(self, filters: Filters) -> Scope:
        """The filters' range, from its first day's midnight to the midnight after its last,
        in the dashboard's zone."""
        lessons = None
        if filters.track:
            lessons = tuple(lesson.id for lesson in self.catalog.tracks().get(filters.track, ()))
        zone = self.settings.zone
        return Scope(midnight(filters.since, zone),
                     midnight(filters.until + timedelta(days=1), zone), filters.platform,
                     lessons, zone)

    def stamp(self, moment: datetime | None) -> Stamp:
        """A time as the dashboard says it: in its zone."""
        return Stamp.of(moment, self.settings.zone)

    def name(self, learner_id: int, display_name: str) -> str:
        if self.settings.pseudonymous or not display_name:
            return f"learner #{learner_id}"
        return display_name

    def _question(self, lesson_id: str, key: str) -> tuple[Lesson | None, Question | None]:
        """The lesson and its question of that key, as the library has them now."""
        lesson = self.catalog.get(lesson_id)
        return lesson, next((q for q in lesson.questions if q.key == key), None) \
            if lesson else None

    def question_text(self, lesson_id: str, key: str) -> tuple[str, str, int]:
        """(lesson title, question text, number of choices) as the library has them now."""
        lesson, question = self._question(lesson_id, key)
        if lesson is None or question is None:
            # With no library read (an export without its lesson folder), it says so: the
            # question may well still be there.
            why = "no longer in the library" if self.catalog.files() else "no library read"
            return lesson_id, f"#{key} ({why})", 0
        return lesson.title, plain_text(question.text), len(question.choices)

    def choice_labels(self, lesson_id: str, key: str, width: int = 40) -> list[str]:
        """Each choice's words as the library has them now, cut to ``width`` characters: a
        share picked means little to a trainer without what was picked."""
        _, question = self._question(lesson_id, key)
        if question is None:
            return []
        return [text if len(text) <= width else text[:width - 1].rstrip() + "…"
                for text in (plain_text(choice.text) for choice in question.choices)]

    def question_file(self, lesson_id: str, key: str) -> str:
        """Where a trainer edits the question: 'security/phishing.md:24' (relative to the
        lesson folder), or '' when the library has no such question now."""
        lesson, question = self._question(lesson_id, key)
        return f"{lesson.path}:{question.line}" if lesson and question else ""

    def lesson_file(self, lesson_id: str) -> str:
        """The lesson's file relative to the lesson folder, or '' when it is gone."""
        lesson = self.catalog.get(lesson_id)
        return lesson.path if lesson else ""

    def correct_choices(self, lesson_id: str, key: str) -> tuple[int, ...]:
        """The right choices of a question as the library has it now."""
        _, question = self._question(lesson_id, key)
        return question.correct_indexes if question else ()

    def build(self, key: str, filters: Filters, now: datetime,
              learner_id: int | None = None) -> Page:
        """One page by its key (see :data:`PAGES`; 'learner' with ``learner_id``)."""
        with self.database.reports() as reports:
            if key == "learner" and learner_id is not None:
                return self.learner(reports, filters, now, learner_id)
            builder = {"overview": self.overview, "tracks": self.tracks,
                       "questions": self.questions, "retention": self.retention,
                       "learners": self.learners, "lessons": self.lessons,
                       "voice": self.voice, "gain": self.gain}[key]
            return builder(reports, filters, now)

    # -- pages --------------------------------------------------------------------------------

    def overview(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        counts = reports.learner_counts(scope)
        activity = reports.activity(scope)
        days = _days(filters.since, filters.until)
        active = dict(reports.daily_active(scope))
        daily = Chart("daily-active", "Learners active each day", "line",
                      tuple(day.isoformat() for day in days),
                      (Series("learners who read or answered",
                              tuple(active.get(day, 0) for day in days)),))
        buckets = [(0, 0, "0"), (1, 4, "1-4"), (5, 9, "5-9"), (10, 19, "10-19"),
                   (20, 10**9, "20+")]
        held = figures.streaks_now(reports.streaks(scope), now)
        none = max(0, counts.enrolled - len(held))  # no streak stored, or one broken since
        streaks = Chart("streaks", "Streaks held now (days)", "bar",
                        tuple(label for _, _, label in buckets),
                        (Series("learners", (none, *(
                            sum(1 for days_ in held if low <= days_ <= high)
                            for low, high, _ in buckets[1:]))),))
        platforms = reports.by_platform(scope)
        # Reads of the range's own deliveries: reads in the range also count lessons delivered
        # before it, and over a short range would pass 100%.
        delivered, read = reports.read_of_delivered(scope)
        table = Table("platforms", "Per platform",
                      ("platform", "enrolled", "active (the 30 days to the range's end)", "lessons delivered",
                       "of them read by the range's end", "questions asked", "answered",
                       "accuracy"),
                      tuple((row.platform, row.enrolled, row.active_30, *reports.read_of_delivered(
                          replace(scope, platform=row.platform)), row.activity.asked,
                             row.activity.answered,
                             Share.of(row.activity.right, row.activity.answered))
                            for row in platforms))
        return Page("overview", "Overview", (
            Figure.count("enrolled", counts.enrolled),
            Figure.count("active, the 7 days to the range's end", counts.active_7),
            Figure.count("active, the 30 days to the range's end", counts.active_30),
            Figure.part("lessons delivered in the range and read by its end", read, delivered),
            Figure.count("questions asked", activity.asked),
            Figure.count("answers", activity.answered),
            Figure.part("accuracy", activity.right, activity.answered),
        ), (daily, streaks), (table,), (
            *(("No learner yet: the figures come as learners write to the bot (microlearn "
               "run), or from a synthetic cohort to look around with (microlearn simulate, "
               "README).",) if not counts.enrolled  # asked again only when the view is empty
              and not reports.learner_counts(Scope(scope.since, _FAR)).enrolled else ()),
            "Active means the learner read a lesson (Got it, done, or an answer to one of its "
            "questions) or answered a question: a lesson the bot sent does not count. The 7 "
            "and 30 days of the active cards end on the range's last day, and reach before "
            "its first when the range is shorter.",
            "A question counts on the day it was last asked, an answer on the day it came: "
            "answers in a range may be to questions asked before it, so the two are not a "
            "share of each other.",))

    def tracks(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        rows = []
        names, started_s, half_s, done_s = [], [], [], []
        weeks = _weeks(filters.since, filters.until)
        completions: dict[str, list[float]] = {}
        library = {track: lessons for track, lessons in sorted(self.catalog.tracks().items())
                   if not filters.track or track == filters.track}
        chosen = {track: tuple(lesson.id for lesson in lessons)
                  for track, lessons in library.items()}
        topics = {track: frozenset(lesson.topic for lesson in lessons)
                  for track, lessons in library.items()}
        funnels = reports.tracks(scope, chosen, topics)
        applies = reports.track_enrolled(scope, topics)
        for track, ids in chosen.items():
            one = funnels.get(track, TrackFunnel(0, 0, 0, []))
            started, halfway, done, finished = (one.started, one.halfway, one.completed,
                                                one.completions)
            # Learners it applies to, and any who started it anyway (a lesson looked up,
            # topics changed since): the funnel's steps never exceed the one before.
            enrolled = applies.get(track, 0) + one.outside
            rows.append((track_title(track), len(ids), enrolled, started, halfway, done,
                         Share.of(done, started)))
            names.append(track_title(track))
            started_s.append(started)
            half_s.append(halfway)
            done_s.append(done)
            completions[track_title(track)] = [  # completed in each week of the range
                sum(count for day, count in finished
                    if max(week, filters.since) <= day < week + timedelta(days=7))
                for week in weeks]
        funnel = Chart("funnel", "Track funnel: started, half-way, completed", "bar",
                       tuple(names), (Series("started", tuple(started_s)),
                                      Series("half-way", tuple(half_s), HALF_WAY),
                                      Series("completed", tuple(done_s), GOOD)))
        over_time = Chart("completions", "Learners who completed each track, per week (from "
                          "Monday; the first week from the range's first day)", "bar",
                          # The first week is labelled by the range's first day, not by a
                          # Monday before it: its bar counts no day the range leaves out.
                          tuple(max(week, filters.since).isoformat() for week in weeks),
                          tuple(Series(name, tuple(values))
                                for name, values in completions.items()))
        table = Table("tracks", "Tracks", ("track", "lessons", "enrolled", "started", "half-way",
                                           "completed", "completion of started"), tuple(rows))
        return Page("tracks", "Tracks", (), (funnel, over_time), (table,), (
            "Enrolled: learners (joined by the range's end) whose topics include the track, or "
            "who chose no topics, and any who started it anyway. Started: read one of its "
            "lessons (Got it, done, or an answer to one of its questions); a lesson only sent "
            "and a baseline check alone do not count. Half-way and completed count lessons "
            "read too. All as it stood at the end of the range.",))

    def questions(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        # Facility is judged on every first attempt by the range's end, not only those in
        # the range: in a recent window of a running programme, the first attempts at older
        # lessons are the late, weaker learners', and a sound question looked too hard. (From
        # the daily aggregates: cheap. Discrimination, a correlation within the learners in
        # view, is less swayed by who they are, and over all history would cost a year's
        # answers on every view: it stays the range's.)
        totals = {(row.lesson_id, row.question_key): row for row in reports.item_totals(scope)}
        firsts = {(row.lesson_id, row.question_key): row for row in reports.questions(
            replace(scope, since=_EPOCH))}
        given: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for lesson, key, text, times in reports.choices(scope):
            given[(lesson, key)].append((text, times))
        flags = {(lesson, key): (count, notes) for lesson, key, count, notes
                 in reports.flags(scope)}
        rows = []
        for row in reports.questions(scope):
            ident = (row.lesson_id, row.question_key)
            title, text, choices = self.question_text(*ident)
            keys = self.correct_choices(*ident)
            first = firsts.get(ident, row)
            facility = figures.ratio(first.first_right, first.learners)
            sums = totals.get(ident)
            index = figures.discrimination(sums) if sums is not None else None
            count, notes = flags.pop(ident, (0, []))
            verdict = figures.judge(first.learners, facility, index, count,
                                    sums.n if sums is not None else 0)
            picks = figures.choice_counts(given.get(ident, []), choices)
            labels = self.choice_labels(*ident)
            spread = " · ".join(
                f"{number}) {labels[number - 1]}: {percent(figures.ratio(n, row.answers))}"
                f"{' (right)' if number - 1 in keys else ''}"
                for number, n in enumerate(picks, 1))
            rows.append((verdict.broken, -count, facility if facility is not None else 1.0, (
                f"{title}: {text}", first.learners, rounded(facility),
                rounded(figures.ratio(row.latest_right, row.latest)), rounded(index),
                row.answers, spread, count, " | ".join(dict.fromkeys(notes)),
                ", ".join(verdict.reasons), self.question_file(*ident))))
        for (lesson, key), (count, notes) in flags.items():  # flagged, never answered in view
            title, text, _ = self.question_text(lesson, key)
            rows.append((True, -count, 1.0, (f"{title}: {text}", 0, None, None, None, 0, "",
                                              count, " | ".join(notes), "flagged",
                                              self.question_file(lesson, key))))
        # Broken first: the most flagged, then the lowest facility.
        rows.sort(key=lambda item: (not item[0], item[1], item[2], str(item[3][0])))
        table = Table("questions", "Questions (those that look broken first)", (
            "question", "learners (first attempt by the range's end)",
            "facility (first attempt, 0-1)",
            "latest accuracy",
            "discrimination (-1 to 1)", "answers", "choices picked", "flags", "flag notes",
            "looks broken", "file"),
            tuple(values for *_, values in rows), marked=tuple(row[0] for row in rows))
        broken = sum(1 for row in rows if row[0])
        answered = sum(1 for *_, values in rows if values[5])  # flagged alone: not answered
        sure = self.confidence_table(reports, scope)
        return Page("questions", "Questions", (
            Figure.count("questions answered", answered),
            Figure.count("look broken", broken),
        ), (), (table, sure), (
            "Facility: the share of learners whose first answer was right. Discrimination: the "
            "correlation between a question's first attempt and the learner's first attempts at "
            "the other questions in view (below 0: those who know the material get it wrong "
            "more often), over first attempts in the range. The questions listed are those "
            "answered in the range; learners and facility count every learner's first attempt "
            "up to the range's end (in a recent range, the first attempts at an older lesson "
            "are only the latecomers'), while latest accuracy, answers and choices picked count "
            "the range's answers. A question looks broken with a facility under 30%, a discrimination below "
            "-2/\u221an for n learners (beyond what chance gives; with 5 learners or more), or "
            "a flag.",
            "How sure: where questions ask it ([schedule] confidence, or a track's "
            "'confidence: true'), each answer comes with sure, think so or guessing. Answers "
            "given sure and wrong are the misconceptions to address: a question with a third or "
            "more of its sure answers wrong (3 or more) is marked, the most first.",))

    def confidence_table(self, reports: Reports, scope: Scope) -> Table:
        """The confidence-accuracy matrix per question: right and wrong answers at each level,
        the questions answered sure and wrong most often first."""
        counts: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
        for lesson, key, level, right, total in reports.confidence(scope):
            counts[(lesson, key)][level] = (right, total - right)
        rows = []
        for (lesson, key), levels in counts.items():
            title, text, _ = self.question_text(lesson, key)
            cells = [value for level in ("s", "t", "g") for value in levels.get(level, (0, 0))]
            sure_right, sure_wrong = cells[0], cells[1]
            share = figures.ratio(sure_wrong, sure_right + sure_wrong)
            rows.append((f"{title}: {text}", *cells, rounded(share),
                         self.question_file(lesson, key),
                         share is not None and share >= 1 / 3 and sure_wrong >= 3))
        rows.sort(key=lambda row: (-int(row[2] or 0), str(row[0])))
        return Table("confidence", "How sure, and right: per question (sure and wrong first)", (
            "question", "sure, right", "sure, wrong", "think so, right", "think so, wrong",
            "guessing, right", "guessing, wrong", "sure but wrong (of sure)", "file"),
            tuple(row[:-1] for row in rows), marked=tuple(bool(row[-1]) for row in rows))

    def retention(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        per_lesson, as_of = self.recall_cached(reports, scope, now)
        if not reports.recall_on(now.date()):
            # Today's point of the trend, once a day, over everyone.
            everyone = per_lesson if scope.platform is None and scope.lessons is None \
                else self.recall_cached(reports, replace(scope, platform=None, lessons=None),
                                        now)[0]
            self.keep_points(everyone, now)
        by_track = figures.weighted_recall(per_lesson, {
            lesson.id: track_title(lesson.track) for lesson in self.catalog.lessons()
            if lesson.track})
        by_topic = figures.weighted_recall(per_lesson, {
            lesson.id: lesson.topic for lesson in self.catalog.lessons() if lesson.topic})
        overall = figures.weighted_recall(per_lesson, {lesson: "all" for lesson, _, _
                                                       in per_lesson}).get("all")
        tracks = Chart("recall-tracks", "Predicted recall now, per track", "bar",
                       tuple(sorted(by_track)),
                       (Series("recall", tuple(Share.mean(by_track[name][0]) for name
                                               in sorted(by_track))),))
        topics = Chart("recall-topics", "Predicted recall now, per topic", "bar",
                       tuple(sorted(by_topic)),
                       (Series("recall", tuple(Share.mean(by_topic[name][0]) for name
                                               in sorted(by_topic))),))
        if filters.track:  # the track's own trend; a platform's is not kept (all of them)
            trend = reports.recall_trend("track", filters.since, filters.until,
                                         track_title(filters.track))
        else:
            trend = reports.recall_trend("all", filters.since, filters.until)
        history = Chart("recall-trend", "Predicted recall over time"
                        + (f" ({track_title(filters.track)})" if filters.track else " (all cards)")
                        + (", every platform" if filters.platform else ""), "line",
                        tuple(day.isoformat() for day, _, _ in trend),
                        (Series("recall", tuple(Share.mean(value) for _, _, value in trend)),))
        table = Table("recall", "Predicted recall per track and topic", (
            "kind", "name", "predicted recall now", "cards"),
            tuple([("track", name, Share.mean(value), cards) for name, (value, cards)
                   in sorted(by_track.items())]
                  + [("topic", name, Share.mean(value), cards) for name, (value, cards)
                     in sorted(by_topic.items())]))
        return Page("retention", "Retention", (
            Figure.share("predicted recall now", overall[0] if overall else None),
            Figure.count("cards", overall[1] if overall else 0),
        ), (tracks, topics, history), (table,), (
            "What the learners would still know today: for each question a learner has met, "
            "FSRS's forgetting curve gives the chance they recall it now (a question never asked "
            "holds the memory its lesson gave). \"Now\" is as of "
            f"{self.stamp(as_of)[-5:]} {self.settings.timezone}: it is computed at most every "
            "five minutes. The trend is kept once a day.",
            "The date range sets the trend's days only: \"now\" is today, for every card, "
            "whenever it was met.",
            *(() if scope.utc_days else (
                "The trend's points are kept once a day and dated by the UTC day they were "
                f"kept on, not by {self.settings.timezone}'s: the range picks them by those "
                "UTC days.",))))

    def keep_snapshot(self, now: datetime) -> None:
        """Keep today's predicted recall (over everyone: all cards, each track, each topic)
        for the trend; the retention page does it when first shown on a day, a simulation
        every simulated day."""
        with self.database.reports() as reports:
            per_lesson = self.recall_now(reports, Scope(now - timedelta(days=1), now), now)
        self.keep_points(per_lesson, now)

    def keep_points(self, per_lesson: list[tuple[str, float, int]], now: datetime) -> None:
        """Keep today's points of the trend from every card's recall (per lesson)."""
        groups = {
            "all": {lesson: "all" for lesson, _, _ in per_lesson},
            "track": {lesson.id: track_title(lesson.track) for lesson in self.catalog.lessons()
                      if lesson.track},
            "topic": {lesson.id: lesson.topic for lesson in self.catalog.lessons()
                      if lesson.topic}}
        with self.database.unit() as unit:
            for kind, group in groups.items():
                for name, (recall, cards) in figures.weighted_recall(per_lesson, group).items():
                    unit.snapshots.keep(now.date(), kind, name, recall, cards)

    def recall_cached(self, reports: Reports, scope: Scope,
                      now: datetime) -> tuple[list[tuple[str, float, int]], datetime]:
        """:meth:`recall_now`, computed at most every :data:`RECALL_FRESH`; with when."""
        key = (scope.platform, scope.lessons)

        def fresh() -> tuple[datetime, list[tuple[str, float, int]]] | None:
            kept = self._recall.get(key)
            return kept if kept is not None and timedelta(0) <= now - kept[0] < RECALL_FRESH \
                else None
        kept = fresh()  # a view within five minutes does not wait on another's computing
        if kept is not None:
            return kept[1], kept[0]
        with self._computing:
            kept = fresh()  # computed while this one waited
            if kept is not None:
                return kept[1], kept[0]
            per_lesson = self.recall_now(reports, scope, now)
            # Only fresh entries are kept: a track's lesson list gone with a reload goes too.
            self._recall = {kept_key: entry for kept_key, entry in self._recall.items()
                            if timedelta(0) <= now - entry[0] < RECALL_FRESH}
            self._recall[key] = (now, per_lesson)
            return per_lesson, now

    def recall_now(self, reports: Reports, scope: Scope,
                   now: datetime) -> list[tuple[str, float, int]]:
        """Per lesson: the mean predicted recall of its cards now."""
        first = self.reviewer.first_exposure(now).stability or 1.0
        return reports.recall(scope, now, self.reviewer.factor, self.reviewer.decay, first)

    def learners(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        rows = reports.learners(scope, now, timedelta(days=2))
        risks = figures.at_risk(rows, now, self.settings.idle_days,
                                self.settings.overdue_reviews)
        risky = {risk.learner.learner_id: risk for risk in risks}
        ordered = [risk.learner for risk in risks] + [
            row for row in rows if row.learner_id not in risky]
        table = Table("learners", "Learners (those at risk first)", (
            "learner", "platform", "last action", "reviews overdue", "streak", "longest streak",
            "points", "at risk because"),
            tuple((self.name(row.learner_id, row.display_name), row.platform,
                   self.stamp(row.last_action), row.overdue, figures.learner_streak(row, now),
                   row.longest, row.points,
                   ", ".join(risky[row.learner_id].reasons) if row.learner_id in risky else "")
                  for row in ordered),
            links=tuple(f"learners/{row.learner_id}" for row in ordered),
            marked=tuple(row.learner_id in risky for row in ordered), shown=LISTED)
        return Page("learners", "Learners", (
            Figure.count("learners", len(rows)),
            Figure.count("at risk", len(risks)),
        ), (), (table,), (
            f"At risk: no action for {self.settings.idle_days} of their workdays, "
            f"{self.settings.overdue_reviews} reviews or more overdue with no answer for "
            f"{figures.QUIET_WORKDAYS} of their workdays or more (a backlog of someone who "
            "answers what the bot asks is the daily budget's, not theirs; one day's quiz missed "
            "is a day off), or a streak of 3 days or more lost. The list is as of "
            "now (the platform filter applies; dates and track do not). The first "
            f"{LISTED} are listed; the CSV has them all.",))

    def learner(self, reports: Reports, filters: Filters, now: datetime,
                learner_id: int) -> Page:
        scope = self.scope(Filters(filters.since, filters.until))
        found = reports.learners(scope, now, timedelta(days=2), learner_id)
        if not found:
            raise KeyError(learner_id)
        row = found[0]
        lessons = reports.learner_lessons(learner_id)
        read = {lesson for lesson, _, _, at in lessons if at is not None}
        tracks = tuple((track_title(track), sum(lesson.id in read for lesson in items),
                        len(items)) for track, items in sorted(self.catalog.tracks().items())
                       if any(lesson.id in {entry[0] for entry in lessons} for lesson in items))
        answers = reports.learner_answers(learner_id, 50)
        right = sum(1 for *_, correct in answers if correct)
        scores: dict[str, dict[str, tuple[int, int] | str]] = defaultdict(dict)
        for track, phase, score, finished, by in reports.learner_checks(learner_id):
            # A check without a score says why in words: an empty cell is one not asked yet.
            scores[track][phase] = score if score is not None \
                else check_outcome(phase, finished, by)
        checked = tuple((track_title(track), _score(pair.get("pre")), _score(pair.get("post")),
                         rounded(normalised_gain(before[0] / before[1], after[0] / after[1]))
                         if isinstance(before := pair.get("pre"), tuple)
                         and isinstance(after := pair.get("post"), tuple) else None)
                        for track, pair in sorted(scores.items()))
        return Page("learner", self.name(row.learner_id, row.display_name), (
            Figure("platform", row.platform),
            Figure.count("points", row.points),
            Figure("streak", f"{figures.learner_streak(row, now)} (longest {row.longest})",
                   figures.learner_streak(row, now)),
            Figure("last action", self.stamp(row.last_action) or "never"),
            Figure.part("accuracy, last 50 answers", right, len(answers)),
            Figure.count("reviews overdue", row.overdue),
        ), (), (
            Table("progress", "Progress per track", ("track", "read", "lessons"), tracks),
            Table("checks", "Knowledge checks (share right; empty: not asked yet)", (
                "track", "before", "after", "normalised gain"), checked),
            Table("lessons", "Lessons", ("lesson", "how", "delivered", "read"), tuple(
                (self.catalog.get(lesson).title if self.catalog.get(lesson) else lesson,  # type: ignore[union-attr]
                 via, self.stamp(at), self.stamp(read_at)) for lesson, via, at, read_at in lessons)),
            Table("answers", "Recent answers", ("when", "question", "right"), tuple(
                (self.stamp(at), ": ".join(self.question_text(lesson, key)[:2]),
                 "yes" if correct else "no") for at, lesson, key, correct in answers)),
        ), ("One learner as of now, over everything they did: the other pages' dates, "
            "platform and track do not apply here.",
            "Knowledge checks without a score: skipped, the learner typed 'skip check'; set "
            "aside: not answered on the day it was asked, so the track's first lesson came "
            "with the next day's push instead (only a baseline is set aside); skipped or set "
            "aside: a baseline that ended so before the bot kept which of the two it was; "
            "open: being answered now."),
            filtered=False)

    def lessons(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        scope = self.scope(filters)
        def title(lesson_id: str) -> str:
            lesson = self.catalog.get(lesson_id)
            return lesson.title if lesson else lesson_id
        had = {row.lesson_id: row for row in reports.lesson_reads(scope)}
        # Every lesson in view, also those nobody got yet (a lesson nobody reaches is news).
        shown = scope.lessons if scope.lessons is not None else tuple(
            lesson.id for lesson in self.catalog.lessons())
        for lesson_id in shown:
            had.setdefault(lesson_id, LessonReads(lesson_id, 0, 0, 0, None))
        rows = sorted(had.values(), key=lambda row: (title(row.lesson_id), row.lesson_id))
        table = Table("lessons", "Lessons", (
            "lesson", "delivered", "read", "delivered and read by the range's end",
            "read of delivered", "looked up", "hours from delivery to read", "file"),
            tuple((title(row.lesson_id), row.delivered, row.read, row.delivered_read,
                   Share.of(row.delivered_read, row.delivered),
                   row.looked_up, rounded(row.hours_to_read, 1), self.lesson_file(row.lesson_id))
                  for row in rows))
        misses = Table("unanswered", "Questions the library could not answer (what to write "
                       "next)", ("words", "times asked", "last asked"),
                       tuple((words, times, self.stamp(last))
                             for words, times, last in reports.misses(scope)), shown=LISTED)
        return Page("lessons", "Lessons", (
            Figure.count("lessons in the track" if scope.lessons is not None
                         else "lessons in the library", len(shown)),
            Figure.count("lessons nobody got in the range (delivered, read or looked up)", sum(
                1 for row in rows if not (row.delivered or row.read or row.looked_up))),
            Figure.count("unanswered lookups", sum(row[1] for row in misses.rows
                                                   if isinstance(row[1], int))),
        ), (), (table, misses))


    def gain(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        """What the tracks taught: each track's knowledge checks, before its first lesson and
        days after its last, as normalised gain, with its distribution over learners."""
        scope = self.scope(filters)
        tracks = (filters.track,) if filters.track else None
        rows = reports.gains(scope, tracks)
        library = self.catalog.tracks()
        asked = {track: lessons[0].check for track, lessons in library.items() if lessons}
        unmeasured = reports.read_without_baseline(scope, {
            track: tuple(lesson.id for lesson in lessons) for track, lessons in library.items()
            if asked.get(track) and (tracks is None or track in tracks)})
        # A track whose readers all came without a baseline still gets its row: that is news.
        rows += [TrackGainRow(track, 0, 0, 0, 0, 0, 0, None, None, None, 0)
                 for track in sorted(set(unmeasured) - {row.track for row in rows})]
        table = Table("gain", "Knowledge gain per track", (
            "track", "baselines begun", "of them scored", "of them skipped",
            "of them set aside",
            "of them skipped or set aside (ended before the two were told apart)",
            "both checks (endline in the range)", "questions per check", "mean before",
            "mean after", "mean normalised gain", "gain undefined (knew all before)",
            "began reading without a baseline"),
            tuple((track_title(row.track), row.began, row.scored, row.skipped, row.set_aside,
                   row.untold, row.both,
                   asked.get(row.track) or None, Share.mean(row.mean_pre),
                   Share.mean(row.mean_post), Share.mean(row.mean_gain), row.undefined,
                   unmeasured.get(row.track, 0) if asked.get(row.track) else None)
                  for row in rows),
            # A loss from fewer learners than a verdict needs is noise, not a track to fix.
            marked=tuple(row.mean_gain is not None and row.mean_gain < 0
                         and row.both - row.undefined >= figures.MIN_LEARNERS for row in rows))
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for track, band, count in reports.gain_distribution(scope, tracks):
            counts[track][band] = count
        chart = Chart("gain-distribution", "Learners by normalised gain, per track", "bar",
                      GAIN_BUCKETS, tuple(Series(track_title(track), tuple(
                          counts[track].get(band, 0) for band in GAIN_BUCKETS))
                          for track in sorted(counts)))
        both = sum(row.both for row in rows)
        defined = [(row.mean_gain, row.both - row.undefined) for row in rows
                   if row.mean_gain is not None]
        weight = sum(count for _, count in defined)

        def mean(values: list[tuple[float | None, int]]) -> float | None:
            total = sum(count for value, count in values if value is not None)
            return (sum(value * count for value, count in values if value is not None) / total
                    if total else None)
        notes = []
        if 0 < weight < figures.MIN_LEARNERS:
            notes.append(
                f"Only {weight} learner{'s' if weight != 1 else ''} with a gain in this view: "
                f"the figures describe {'them' if weight != 1 else 'one person'}, not the "
                f"track (a verdict needs {figures.MIN_LEARNERS} or more); widen the range.")
        unasked = sorted(track_title(track) for track, size in asked.items()
                         if not size and (tracks is None or track in tracks))
        if unasked:
            notes.append(
                f"{', '.join(unasked)} "
                f"{'asks' if len(unasked) == 1 else 'ask'} no knowledge check, so there is "
                f"no gain to show: add 'check: true' to a track's first lesson to measure it.")
        if any(unmeasured.values()):
            missed = sum(unmeasured.values())
            notes.append(
                f"{missed} learner{'s' if missed != 1 else ''} first read a lesson of a track "
                "that asks a check in this range without ever beginning its baseline (they "
                "added a looked-up lesson of it to their reviews, or began it before it asked "
                "a check): "
                "their gain cannot be measured, and they are in no other column. Export "
                "'progress' and 'checks' list them.")
        return Page("gain", "Knowledge gain", (
            Figure.count("learners with both checks", both),
            Figure.share("mean before", mean([(row.mean_pre, row.both) for row in rows])),
            Figure.share("mean after", mean([(row.mean_post, row.both) for row in rows])),
            Figure.share("mean normalised gain",
                         sum(value * count for value, count in defined) / weight if weight else None),
        ), (chart,), (table,), (*notes,
            "A track whose first lesson says 'check' asks a few of its questions before that "
            "lesson (the baseline: nothing counts) and again in a quiz days after its last "
            "lesson (the endline). Before and after are the shares of those questions answered "
            "right; normalised gain is (after - before) / (1 - before), the share of what was "
            "not known that was learnt: undefined for a learner who knew everything before. "
            "The mean normalised gain is the mean of each learner's own gain, not the gain of "
            "the mean scores: one learner from 0% to 25% (gain 0.25) and one from 25% to 0% "
            "(gain -0.33) average -4%, with before and after both 12%.",
            "Baselines count in the range they began in: those skipped ('skip check') or set "
            "aside (not answered on the day, when the next lesson came) have no score, and "
            "those open are still being answered; a baseline that ended without a score "
            "before the bot kept which of the two it was is counted as skipped or set aside. "
            "Learners with both checks count in the range their endline was answered in, so "
            "a baseline begun before the range can pair with an endline in it. Gain is "
            "measured only on learners who finished both: compare 'both checks' with "
            "'baselines begun' to see how many that leaves out. A track "
            f"whose mean gain is below zero, from {figures.MIN_LEARNERS} learners or more, is "
            "marked.",))

    def voice(self, reports: Reports, filters: Filters, now: datetime) -> Page:
        """What learners said: their ratings of lessons (with their words), and their
        reflections."""
        scope = self.scope(filters)

        def title(lesson_id: str) -> str:
            lesson = self.catalog.get(lesson_id)
            return lesson.title if lesson else lesson_id
        rated = sorted(reports.ratings(scope), key=lambda row: (-(row[1] + row[2]), row[0]))
        table = Table("ratings", "Ratings per lesson (most rated first)", (
            "lesson", "useful", "not useful", "useful of rated", "with words", "file"),
            tuple((title(lesson), up, down, Share.of(up, up + down), words,
                   self.lesson_file(lesson)) for lesson, up, down, words in rated),
            marked=tuple(down > up for _, up, down, _ in rated))
        shown = rated[:20]
        chart = Chart("ratings-chart", "Ratings of the most rated lessons", "bar",
                      tuple(title(lesson) for lesson, *_ in shown),
                      (Series("useful", tuple(up for _, up, _, _ in shown), GOOD),
                       Series("not useful", tuple(down for _, _, down, _ in shown), BAD)))
        comments = Table("comments", "Their words on lessons (the latest 200)", (
            "when", "learner", "lesson", "rated", "words"),
            tuple((self.stamp(at), self.name(learner, name), title(lesson),
                   "useful" if useful else "not useful", words)
                  for at, learner, name, lesson, useful, words in reports.comments(scope, 200)))
        written = reports.reflections(scope, 200)
        reflections = Table("reflections", "Reflections (the latest 200)", (
            "when", "learner", "lesson", "question", "answer"),
            tuple((self.stamp(at), self.name(learner, name), title(lesson), prompt, answer)
                  for at, learner, name, lesson, prompt, answer in written))
        up = sum(row[1] for row in rated)
        down = sum(row[2] for row in rated)
        return Page("voice", "Learners' voice", (
            Figure.count("ratings", up + down),
            Figure.part("rated useful", up, up + down),
            Figure.count("ratings with words", sum(row[3] for row in rated)),
            Figure.count("reflections", reports.reflection_count(scope)),
        ), (chart,), (table, comments, reflections), (
            "A learner rates a lesson with one tap after reading it (typing \"rate up\" or "
            "\"rate down\" later changes it); \"not useful\" invites a few words. "
            "Reflections answer a lesson's own question or the one asked when a track is "
            "completed. Lessons rated not useful more often than useful are marked.",))


def _score(value: tuple[int, int] | str | None) -> Cell:
    """A check's cell: its share right (of answered), or the words of why it has none."""
    return Share.of(*value) if isinstance(value, tuple) else value


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _weeks(first: date, last: date) -> list[date]:
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(weeks=n) for n in range((last - start).days // 7 + 1)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=_UTC)
