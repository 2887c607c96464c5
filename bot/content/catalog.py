"""The catalog: every lesson of a folder, kept in service while trainers edit it.

A file that turns bad keeps its last good version in service while its problems are reported; a
file that was never good is not served. Checks that span files (duplicate ids, two lessons with the
same place in a track) run over the whole folder after every change.
"""

from __future__ import annotations

import difflib
import logging
import math
import posixpath
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy
from rapidfuzz.distance import OSA

from bot.content import folder, fusion
from bot.content.dictionary import english
from bot.content.lesson_cache import LessonCache
from bot.content.links import is_lesson_path, link_path
from bot.content.loader import Loaded, load_files
from bot.content.model import Lesson, Problem, Severity
from bot.content.names import NAMED_CONFIDENCE, NameIndex
from bot.content.parser import SPACED_ID, dead_link, images_found, link_warning, links_hold
from bot.content.question import clean_question, readings
from bot.content.renames import Renames, folders_renamed
from bot.content.rewordings import Kept, Rewordings, asked
from bot.content.search import Analysis, LookupHit, LookupResult, SearchIndex
from bot.content.semantic import SemanticIndex
from bot.content.unrelated import Floor
from bot.errors import ContentError, QueryError

log = logging.getLogger(__name__)

CANDIDATES = 30
"""Lessons considered per question from each side (lexical matches, nearest in meaning)."""
TYPICAL = 10
"""The question's typical similarity is the mean over its this many nearest lessons."""
SUGGEST_SIMILARITY = 0.3


def typical_similarity(similarity: numpy.typing.NDArray[numpy.float32],
                       top: numpy.typing.NDArray[numpy.intp]) -> float:
    """The question's typical similarity to lessons: the mean over its nearest few. Copies of
    one lesson (the same similarity to the last bit) count once, so that copying a lesson does
    not make the question look less distinct."""
    return float(numpy.unique(similarity[top])[-TYPICAL:].mean())


@dataclass(frozen=True)
class CatalogChange:
    """What one load or refresh changed: lesson ids added, changed and removed, and the problems
    now reported for the files it looked at."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    fixed: tuple[str, ...] = ()
    """Files (by path) whose errors are gone: served as they are now."""
    removed_broken: tuple[str, ...] = ()
    """Files (by path) deleted while they had errors (a lesson served from one as its last good
    version is in ``removed`` too)."""

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.problems or self.fixed
                    or self.removed_broken)


@dataclass
class _FileState:
    signature: tuple[int, int, int]
    good: Lesson | None = None
    problems: list[Problem] = field(default_factory=list)
    link_states: tuple[int, ...] = ()
    """What ``good``'s links led to at its latest reading (a reading that changed nothing else
    keeps ``good`` as it was, so that the lesson is no change)."""


Listener = Callable[[CatalogChange], None]


class Catalog:
    """All lessons of one folder, with lookup, tracks and live problems. Thread-safe.

    With a ``cache``, lessons parsed before are read back from it (a restart parses only the
    files that changed; :mod:`bot.content.lesson_cache`).
    """

    def __init__(
        self,
        root: Path | str,
        *,
        max_bytes: int = folder.MAX_LESSON_BYTES,
        include_drafts: bool = False,
        semantic: SemanticIndex | None = None,
        min_confidence: float = fusion.MIN_CONFIDENCE,
        refuse_unrelated: float = 0.0,
        cache: LessonCache | None = None,
        owners: Mapping[str, str] | None = None,
    ) -> None:
        """``owners``: of ids two files claim, the file that owns each (id -> path), as the
        running bot's lesson cache records them, for a catalog without a ``cache`` that must
        refuse the files the bot refuses (``lessons check``)."""
        self.root = Path(root)
        self.min_confidence = min_confidence
        self.refuse_unrelated = refuse_unrelated
        """Share of unrelated questions the bar is raised to refuse in this library (0: the
        calibrated bar alone; the bot's default is :data:`bot.content.unrelated.REFUSED`, see
        :mod:`bot.content.unrelated`)."""
        self._state = 0
        """Counts the changes to the lessons in service: the floor is measured per state."""
        self._asked_at = 0.0
        """``time.monotonic()`` at the end of the last lookup (the floor's measurement waits
        for quiet moments)."""
        self._floor = Floor(self._first_confidence, self._floor_state,
                            lambda: time.monotonic() - self._asked_at,
                            semantic.prime if semantic is not None else None)
        self._max_bytes = max_bytes
        self._include_drafts = include_drafts
        self._lock = threading.RLock()
        self._refresh_lock = threading.Lock()
        self._files: dict[str, _FileState] = {}
        self._scan_problems: list[Problem] = []
        self._cross_problems: list[Problem] = []
        self._copies: set[str] = set()
        """The files that copy another lesson (the same title and text), by path: only the
        advice to delete them is said, not the parser's advice for keeping a file there."""
        self._away: Collection[str] = ()
        """Files missing at this refresh but kept for a moment (the watcher's grace)."""
        self._renames = Renames()
        self._moves_kept: dict[str, tuple[str, str]] | None = None
        """The move warnings as the lesson cache has them (None: not read yet): written only
        when they change, not read again at every refresh."""
        self._rewordings = Rewordings()
        self._rewordings_kept: Kept | None = None
        """The reworded questions' warnings as the lesson cache has them (as the moves)."""
        self._asked: tuple[dict[str, str], list[str]] = ({}, [])
        """The lessons' questions to keep in the lesson cache (by lesson id) and the lessons
        whose questions to forget, since the last refresh: a lesson reworded while the bot is
        stopped is compared with them at the start."""
        self._served: dict[str, Lesson] = {}
        self._by_path: dict[str, Lesson] = {}
        """The lessons in service by their file's path (what a link to a lesson names)."""
        self._since: dict[str, int] = {}
        """Each file in service (by path): the choice of lessons (see ``_selections``) that
        first served it; -1 for one the lesson cache knows was served before the start. Of two
        copies, the one served later is the copy: the other is the one learners' progress is
        on."""
        self._selections = 0
        self._owners: dict[str, str] = dict(owners or {})
        """Of each id two files claim, the file that owns it (by path): the one that served
        it while both were there. It stays the owner while it is away (an editor's save that
        renames it away, a delete then a restore from git): the other file serves the lesson
        meanwhile, and gives it back when the owner returns. Kept in the lesson cache, so
        that a restart changes nothing."""
        self._owners_kept: dict[str, str] | None = None
        """The owners as the lesson cache has them (None: not read yet)."""
        self._index = SearchIndex(dictionary=english)
        self._names = NameIndex()
        self._semantic = semantic
        self._cache = cache
        self._listeners: list[Listener] = []

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> CatalogChange:
        """Read the whole folder. Raises :class:`ContentError` when it is not a folder."""
        if not self.root.is_dir():
            raise ContentError(
                f"lesson folder '{self.root}' does not exist or is not a folder; check the path "
                "(it is the folder that holds your .md lessons) or create it"
            )
        with self._lock:
            self._files.clear()
        if self._semantic is not None:  # the model loads while the lessons do
            self._semantic.prepare()
        change = self._refresh(set(), rebuild=True)
        if self._cache is not None:
            # After the load, which marked this library's entries as used: only what no
            # process asked for in months goes (older releases' parses, deleted files).
            self._cache.prune()
        self._notify(change)
        return change

    def refresh(
        self, paths: Iterable[Path | str] = (), *, recheck_assets: bool = False,
        hold: Iterable[Path | str] = (),
    ) -> CatalogChange:
        """Pick up files added, changed, removed or renamed since the last look.

        ``paths`` are files known to have changed (from file-system events); they are parsed
        again even when their size and time stamp look the same. ``recheck_assets`` parses again
        every file with errors or local images (an image may have arrived or gone), and, as
        when a lesson file comes or goes, each lesson one of whose linked files did. ``hold``
        are files still being written: left as they were (a lesson keeps its version in
        service), to be read at a later refresh; so are files missing for a moment (the
        watcher's grace: an editor's save that renames the old file away first), which are
        removed only at a refresh that no longer holds them.
        """
        forced = {folder.rel_path(self.root, Path(p)) for p in paths}
        rechecked: set[str] = set()
        if recheck_assets:
            with self._lock:
                rechecked.update(rel for rel, state in self._files.items()
                                 if any(p.is_error for p in state.problems)
                                 or (state.good is not None and state.good.images))
                rechecked.update(self._links_moved())
            rechecked -= forced
            forced |= rechecked
        held = {folder.rel_path(self.root, Path(p)) for p in hold}
        change = self._refresh(forced - held, rebuild=False, held=held, rechecked=rechecked)
        self._notify(change)
        return change

    def _refresh(self, forced: set[str], rebuild: bool, held: Collection[str] = (),
                 rechecked: Collection[str] = ()) -> CatalogChange:
        """``rechecked``: files of ``forced`` read again only in case something beside them
        changed (an image, a linked file); whatever they say that they said before is not news
        (see ``_apply``)."""
        # Listing and parsing happen outside the lock, so lookups go on during a big reload;
        # only applying the outcome holds it. Refreshes themselves run one at a time.
        with self._refresh_lock:
            if not rebuild and not self.root.is_dir():
                return self._folder_gone()
            files, scan_problems = folder.scan(self.root)
            listed = {f.rel: f for f in files}
            with self._lock:
                known = {rel: state.signature for rel, state in self._files.items()}
                if known.keys() != listed.keys():
                    # A lesson file came or went: it may be one that another lesson links to.
                    forced = forced | self._links_moved()
            todo = [found for rel, found in listed.items() if rel not in held
                    and (rel in forced or known.get(rel) != found.signature)]
            # At a start, the files served before it (read before loading records the new
            # ones): a lesson moved while the bot was stopped is warned of as one moved while
            # it runs.
            before = self._cache.known_files(self.root) if rebuild and self._cache else set()
            results = load_files(todo, self.root, self._max_bytes, self._cache)
            with self._lock:
                if rebuild:
                    self._since.update(dict.fromkeys(before, -1))
                    if self._cache is not None:
                        self._owners = self._cache.holders(self.root)
                        self._owners_kept = dict(self._owners)
                change = self._apply(listed, todo, results, scan_problems, rebuild, held,
                                     {rel for rel in rechecked if known.get(rel) is not None
                                      and known[rel] == listed[rel].signature})
                if rebuild:
                    change = self._moves_at_start(change, before, listed)
                elif self._cache is not None:
                    self._asked = ({lesson_id: asked(self._served[lesson_id])
                                    for lesson_id in (*change.added, *change.changed)},
                                   list(change.removed))
                moves = self._renames.standing()
                owners = dict(self._owners)
                change = replace(change, problems=tuple(sorted(set(folders_renamed(
                    _relinked(change.problems, self._files, self._served, moves), moves,
                    self._files, self._by_path)))))
                rewordings = self._rewordings.standing()
                kept_asked, self._asked = self._asked, ({}, [])
            if self._cache is not None:
                if owners != self._owners_kept:
                    self._cache.remember_holders(self.root, owners)
                    self._owners_kept = owners
                if moves != self._moves_kept:
                    self._cache.remember_moves(self.root, moves)
                    self._moves_kept = moves
                if rewordings != self._rewordings_kept:
                    self._cache.remember_rewordings(self.root, rewordings)
                    self._rewordings_kept = rewordings
                self._cache.remember_asked(self.root, *kept_asked)
                # Files gone (while running, or since the last run, warned of above) are not
                # "served before" at the next start: only the last run's files are.
                self._cache.forget_files(self.root,
                                         (before | known.keys()) - listed.keys() - set(held))
        if not rebuild:  # a full load's problems are the caller's to report (lessons check)
            for problem in change.problems:
                log.log(logging.ERROR if problem.is_error else logging.WARNING, "%s", problem,
                        extra={CHANGE_SAID: True})
        return change

    def _folder_gone(self) -> CatalogChange:
        # Gone for a moment (a deploy swapping folders, a branch switch) or for good: either
        # way, keep serving what was loaded rather than drop every lesson at once.
        with self._lock:
            missing = Problem(".", 1, Severity.ERROR,
                              f"lesson folder '{self.root}' is gone; still serving the "
                              f"{len(self._served)} lessons loaded before; restore the folder")
            new = [missing] if missing not in self._scan_problems else []
            self._scan_problems = [missing]
        return CatalogChange(problems=tuple(new))

    def _apply(
        self,
        listed: dict[str, folder.LessonFile],
        todo: list[folder.LessonFile],
        results: list[Loaded],
        scan_problems: list[Problem],
        rebuild: bool,
        held: Collection[str] = (),
        rechecked: Collection[str] = (),
    ) -> CatalogChange:
        touched: set[str] = set()
        self._away = held
        # A file read again only in case an image or a linked file came (any save beside a
        # lesson: an editor's or `sed -i`'s temporary file) that says what it said before is
        # not news: its problems were said when they arose (each broken file's, once).
        quiet: set[str] = set()
        crossed = {problem.path for problem in self._cross_problems if problem.is_error}
        removed_broken: list[str] = []
        for rel in list(self._files):
            if rel not in listed and rel not in held:  # held: away for a moment, kept
                if rel in crossed or any(p.is_error for p in self._files[rel].problems):
                    removed_broken.append(rel)
                del self._files[rel]
                touched.add(rel)
        analyses: dict[str, Analysis] = {}
        never_good: list[str] = []
        fixed: list[str] = []
        for found, loaded in zip(todo, results, strict=True):
            rel = found.rel
            touched.add(rel)
            state = self._files.get(rel)
            if state is None:
                state = self._files[rel] = _FileState(found.signature)
            broken = any(problem.is_error for problem in state.problems)
            if rel in rechecked and loaded.problems == state.problems:
                quiet.add(rel)
            state.signature = found.signature
            state.problems = loaded.problems
            if broken and loaded.lesson is not None:
                fixed.append(rel)  # said once it is known to be served (_reconcile)
            if loaded.lesson is not None:
                state.link_states = loaded.lesson.link_states
            if loaded.lesson is not None and loaded.lesson == state.good:
                pass  # read again unchanged (its images or links looked up again): no change
            elif loaded.lesson is not None:
                state.good = loaded.lesson
                if loaded.analysis is not None:  # keyed by path: ids can clash
                    analyses[rel] = loaded.analysis
            elif state.good is not None and rel not in quiet:
                log.warning("%s is broken; still serving its last good version", rel,
                            extra={"lesson": state.good.id, CHANGE_SAID: True})
            else:
                never_good.append(rel)
        self._served_as_before(never_good, analyses)
        new_scan = [p for p in scan_problems if rebuild or p not in self._scan_problems]
        self._scan_problems = scan_problems
        change = self._reconcile(touched, rebuild, analyses, new_scan, fixed, quiet)
        return replace(change, removed_broken=tuple(sorted(removed_broken)))

    def _moves_at_start(self, change: CatalogChange, before: set[str],
                        listed: dict[str, folder.LessonFile]) -> CatalogChange:
        """``change`` (a start's) with the move warnings standing before it, and one on each
        new file that looks like one of ``before`` (served before the start) moved while the
        bot was stopped; so too with the questions reworded (warned of before, or while the
        bot was stopped). Hold the lock."""
        if self._cache is None:
            return change
        self._moves_kept = self._cache.moves(self.root)
        warned = self._renames.restore(self._moves_kept, self._served)
        self._rewordings_kept = self._cache.rewordings(self.root)
        warned += self._rewordings.restore(self._rewordings_kept, self._served)
        before_asked = self._cache.asked(self.root)
        now = {lesson_id: asked(lesson) for lesson_id, lesson in self._served.items()}
        warned += self._rewordings.at_start(before_asked, now, self._served)
        self._asked = ({lesson_id: kept for lesson_id, kept in now.items()
                        if before_asked.get(lesson_id) != kept},
                       [lesson_id for lesson_id in before_asked if lesson_id not in now])
        gone = sorted(before - listed.keys())
        if gone:
            lessons = [lesson for lesson, _, _ in
                       self._cache.last_good(self.root, gone).values()]
            warned += self._renames.at_start(lessons, self._served, listed.keys() - before)
        if not warned:
            return change
        return replace(change, problems=tuple(sorted({*change.problems, *warned})))

    def _served_as_before(self, rels: list[str], analyses: dict[str, Analysis]) -> None:
        """Files broken when first read (at a start): their last good version, kept in the
        lesson cache, is served, as it would be had the bot been running when they broke.
        Hold the lock."""
        if self._cache is None or not rels:
            return
        for rel, (lesson, _, analysis) in self._cache.last_good(self.root, rels, served=True).items():
            # An image deleted since is left out when the lesson is sent (as while running):
            # its text and its learners' reviews are worth more than the picture.
            self._files[rel].good = lesson
            analyses[rel] = analysis
            log.warning("%s is broken; serving its last good version, from before the start%s",
                        rel, "" if images_found(lesson, self.root) else
                        " (without its picture, which is gone)", extra={"lesson": lesson.id})

    def kept_while_broken(self) -> list[str]:
        """Files with errors whose last good version is served, by path: an error of the
        file's own, or a new ``id:`` another lesson has (the version served is not the one the
        file reads as now)."""
        with self._lock:
            own = {rel for rel, state in self._files.items() if state.good is not None
                   and any(problem.is_error for problem in state.problems)}
            # A file whose new id is taken reads as a good lesson on its own; ``_select`` keeps
            # its version in service under the old id, which the demo must not call "served as
            # it is".
            taken = {rel for rel, lesson in self._by_path.items()
                     if rel in self._files and self._files[rel].good is not lesson}
            return sorted(own | taken)

    def not_served(self) -> list[str]:
        """Files with errors of which learners get nothing (no good version yet), by path; a
        file kept in its last good version, or served as it is despite an error between files
        (two lessons with one order), is not among them."""
        problems = self.problems()
        with self._lock:
            served = {lesson.path for lesson in self._served.values()}
        return sorted({problem.path for problem in problems if problem.is_error} - served)

    def _reconcile(
        self, touched: set[str], rebuild: bool, analyses: dict[str, Analysis],
        new_scan: list[Problem], fixed: list[str], quiet: Collection[str] = (),
    ) -> CatalogChange:
        served, cross = self._select()
        old = self._served
        added = tuple(sorted(i for i in served if i not in old))
        removed = tuple(sorted(i for i in old if i not in served))
        changed = tuple(sorted(i for i in served if i in old and served[i] is not old[i]))
        if rebuild:
            self._index.rebuild(served.values(), analyses)
            self._names.rebuild(served.values())
            if self._semantic is not None:
                self._semantic.start(served.values())
        else:
            for lesson_id in removed:
                self._index.remove(lesson_id)
                self._names.remove(lesson_id)
                if self._semantic is not None:
                    self._semantic.remove(lesson_id)
            for lesson_id in (*added, *changed):
                lesson = served[lesson_id]
                self._index.upsert(lesson, analyses.get(lesson.path))
                self._names.upsert(lesson)
                if self._semantic is not None:
                    self._semantic.update(lesson)
        newly_reported = [p for p in cross if p not in self._cross_problems]
        if not rebuild:
            newly_reported.extend(self._renames.update(old, served, removed, added))
            newly_reported.extend(self._rewordings.update(old, served, changed, removed))
        for path in sorted({p.path for p in self._cross_problems if p.is_error}
                            - {p.path for p in cross if p.is_error}):
            # Only a file read again is fixed: one served because the file that had its id is
            # gone did not change (the warning on it says what happened).
            if path in touched and any(lesson.path == path for lesson in served.values()):
                fixed.append(path)
        self._served = served
        self._by_path = {lesson.path: lesson for lesson in served.values()}
        self._cross_problems = cross
        problems = [p for rel in sorted(touched) if rel in self._files and rel not in quiet
                    for p in self._own_problems(rel)]
        problems.extend(newly_reported)
        problems.extend(new_scan)
        # Fixed means served as it is now: not a file whose errors moved across files (its
        # new id taken), nor a draft.
        serving = {lesson.path: lesson.id for lesson in served.values()}
        for problem in cross:
            if problem.is_error:
                serving.pop(problem.path, None)
        now_fixed = tuple(sorted(set(fixed) & serving.keys()))
        for path in now_fixed:
            # Good news, said as a lesson added or changed is (the trainer learns the fix was
            # taken). Not before the files' clashes are known: a file fixed by taking another's
            # id is not.
            log.info("%s is fixed; serving its new version", path,
                     extra={"lesson": serving[path], CHANGE_SAID: True})
        return CatalogChange(added, changed, removed, tuple(sorted(set(problems))), now_fixed)

    def _own_problems(self, rel: str) -> list[Problem]:
        """The problems of one file's own (the parser's), as reported: for an exact copy of
        another lesson, not the advice to rename the file and keep its id (the copy is to be
        deleted). Hold the lock."""
        problems = self._files[rel].problems
        if rel not in self._copies:
            return problems
        return [p for p in problems if not p.message.startswith(SPACED_ID)]

    def _select(self) -> tuple[dict[str, Lesson], list[Problem]]:
        """Choose the lessons to serve and find the problems that span files."""
        served: dict[str, Lesson] = {}
        cross: list[Problem] = []
        # Of lessons with one id, its owner keeps it (the file that served it while both were
        # there, even after a moment away: see ``_owners``), then the one in service (a file
        # that takes a running lesson's id must not swap it out for learners), then the one
        # that has it from its own path (a file whose `id:` takes another file's name is the
        # one to fix), then the file changed longest ago (the newer one made the clash).
        found = [(state.signature[2], lesson) for state in self._files.values()
                 if (lesson := state.good) is not None
                 and (self._include_drafts or not lesson.draft)]
        held = {lesson.id: lesson.path for lesson in self._served.values()}
        owners = self._owners
        candidates = sorted(found, key=lambda item: (
            owners.get(item[1].id) != item[1].path, held.get(item[1].id) != item[1].path,
            "id" in item[1].lines, item[0], item[1].path))
        refused: list[Lesson] = []
        for _, lesson in candidates:
            other = served.get(lesson.id)
            if other is not None:
                refused.append(lesson)
                cross.extend(_duplicate_id(lesson, other))
                continue
            served[lesson.id] = lesson
        previous = {lesson.path: lesson for lesson in self._served.values()}
        for lesson in refused:
            # A file in service that takes another's id keeps its last good version, as a file
            # with any other error does.
            before = previous.get(lesson.path)
            if before is not None and before.id != lesson.id and before.id not in served:
                served[before.id] = before
                log.warning("%s is broken (its new id is taken); still serving its last good "
                            "version", lesson.path, extra={"lesson": before.id})
        for lesson in served.values():
            self._since.setdefault(lesson.path, self._selections)
        paths = {lesson.path for lesson in served.values()}
        self._since = {path: since for path, since in self._since.items() if path in paths}
        self._selections += 1
        contested = {lesson.id: served[lesson.id].path for lesson in refused
                     if lesson.id in served}
        cross.extend(self._own(contested, served, {lesson.id for _, lesson in found}))
        changed = {lesson.path: at for at, lesson in found}
        # A copy of a file away for a moment is that file moved (a folder renamed: the new
        # files come before the old ones count as gone), not a copy to delete.
        twins = _copies(served, self._since, changed)
        copies = {copy: original for copy, original in twins.items()
                  if original not in self._away}
        self._copies = set(copies)
        places: dict[tuple[str, int], Lesson] = {}
        for lesson in sorted(served.values(), key=lambda item: item.path):
            if lesson.track is None or lesson.order is None:
                continue
            first = places.setdefault((lesson.track, lesson.order), lesson)
            if first is lesson:
                continue
            if lesson.content == first.content:
                # An exact copy: the clash is the copy's (deleting it ends it), not the
                # original's, the file learners' progress is on; none while the original is
                # away a moment (see above).
                for copy, other in ((lesson, first), (first, lesson)):
                    if copy.path in copies:
                        cross.append(Problem(
                            copy.path, copy.lines.get("order", 1), Severity.ERROR,
                            f"order {copy.order} in track '{copy.track}' is already taken by "
                            f"'{other.path}', of which this file is a copy; delete the copy"))
                continue
            # Said on both files: the one just added may sort first, and its trainer
            # looks at it.
            cross.append(Problem(lesson.path, lesson.lines.get("order", 1), Severity.ERROR,
                                 f"order {lesson.order} in track '{lesson.track}' is already "
                                 f"taken by '{first.path}'; give each lesson of a track its "
                                 "own order"))
            cross.append(Problem(first.path, first.lines.get("order", 1), Severity.ERROR,
                                 f"order {first.order} in track '{first.track}' is also "
                                 f"given to '{lesson.path}'; give each lesson of a track its "
                                 "own order"))
        cross.extend(_check_problems(served, copies, twins))
        cross.extend(_link_problems(self._files, served))
        return served, sorted(cross)

    def _own(self, contested: Mapping[str, str], served: Mapping[str, Lesson],
             claimed: Collection[str]) -> list[Problem]:
        """Bring ``_owners`` up to date with the ids two files claim now (``contested``: id ->
        the file serving it), and warn on each file that serves an id while its owner is away.
        Hold the lock."""
        for lesson_id, path in contested.items():
            owner = self._owners.get(lesson_id)
            if owner is None or owner in self._files:
                self._owners[lesson_id] = path
        for lesson_id, owner in list(self._owners.items()):
            # A clash resolved (the owner there and alone with the id), or no file claiming the
            # id at all, ends it; an owner away keeps it.
            if lesson_id not in claimed or (lesson_id not in contested and owner in self._files):
                del self._owners[lesson_id]
        problems = []
        for lesson_id, owner in sorted(self._owners.items()):
            lesson = served.get(lesson_id)
            if lesson is None or lesson.path == owner or owner in self._files:
                continue
            key = "'id ='" if lesson.toml else "'id:'"
            fix = f"give this lesson another {key} (or remove it: the file's name is the id)" \
                if "id" in lesson.lines else f"give this file its own {key}, or rename it"
            problems.append(Problem(
                lesson.path, lesson.lines.get("id", 1), Severity.WARNING,
                f"lesson id '{lesson_id}' is served from this file while '{owner}', which "
                f"served it before, is gone; if that file comes back, it serves the lesson "
                f"again and this one is refused; if this is a lesson of its own, {fix}"))
        return problems

    # -- reading ----------------------------------------------------------------------------

    def wait_for_meaning(self, timeout: float | None) -> bool:
        """Block until lookup uses meaning (the lessons embedded, or the model known to be
        missing), at most ``timeout`` seconds (``None``: as long as it takes), then measure the
        library's floor of confidence (a few seconds more, whatever the timeout); True when it
        is settled. For one-shot uses, such as a scripted demo, whose answers must not depend
        on how fast the model loads."""
        settled = self._semantic is None or self._semantic.wait(timeout)
        if settled and self.refuse_unrelated > 0:
            self._floor.settle()
        return settled

    def lessons(self) -> list[Lesson]:
        """Every lesson in service, sorted by id."""
        with self._lock:
            return sorted(self._served.values(), key=lambda lesson: lesson.id)

    def get(self, lesson_id: str) -> Lesson | None:
        """The lesson in service with this id, if any."""
        with self._lock:
            return self._served.get(lesson_id)

    def tracks(self) -> dict[str, tuple[Lesson, ...]]:
        """Each track's lessons in their ``order`` (ties and missing orders go by path)."""
        with self._lock:
            served = list(self._served.values())
        return _tracks(served)

    def problems(self) -> list[Problem]:
        """Every problem currently found in the folder, sorted by path and line."""
        with self._lock:
            found = [p for rel in self._files for p in self._own_problems(rel)]
            found.extend(self._scan_problems)
            found.extend(self._cross_problems)
            found.extend(self._renames.problems())
            found.extend(self._rewordings.problems())
            moves = self._renames.standing()
            found = folders_renamed(_relinked(found, self._files, self._served, moves), moves,
                                    self._files, self._by_path)
        return sorted(set(found))

    def files(self) -> int:
        """How many lesson files the folder holds, good or bad."""
        with self._lock:
            return len(self._files)

    def lookup(self, query: str, limit: int = 5) -> LookupResult:
        """The lessons a learner asking ``query`` should get, best first: lexical and semantic
        evidence fused, and nothing (with suggestions) unless the first ``limit`` are likely to
        hold a right one (``min_confidence``)."""
        if limit < 1:
            raise QueryError(f"limit must be at least 1, not {limit}")
        self._asked_at = math.inf  # under way: the floor's measurement waits
        try:
            ranked, hybrid, corrections, read_as = self._rank(query)
        finally:
            self._asked_at = time.monotonic()
        # Words only (no model), the floor cost more answers than it saved wrong ones. It stays
        # under the confidence of a lesson the question names: a lesson's name always answers.
        floor = min(self._floor.bar(self.refuse_unrelated), NAMED_CONFIDENCE) \
            if self._meaning() else 0.0
        bar = max(self.min_confidence, floor)
        answers = fusion.decide(ranked, limit, bar)

        def hit(item: fusion.Ranked) -> LookupHit | None:
            lesson = self.get(item.evidence.lesson_id)
            if lesson is None:
                return None
            e = item.evidence
            return LookupHit(
                lesson, round(item.score, 4), round(e.coverage, 3), round(e.strength, 3),
                round(e.similarity, 4) if hybrid else None, round(item.confidence, 3))

        hits = [found for found in map(hit, answers) if found is not None]
        # Which bar refused, for a trainer deciding what to change ('microlearn lookup').
        refused = hit(ranked[0]) if ranked and not hits else None
        rule = "refuse_unrelated" if floor > self.min_confidence else "min_confidence"
        suggested: list[Lesson] = []
        if not hits:
            for item in ranked[:3]:
                lesson = self.get(item.evidence.lesson_id)
                # Only lessons that share a word or come close in meaning are worth naming.
                if lesson is not None and (item.evidence.coverage > 0
                                           or item.evidence.similarity >= SUGGEST_SIMILARITY):
                    suggested.append(lesson)
        return LookupResult(query, tuple(hits), tuple(lesson.title for lesson in suggested),
                            corrections, read_as, tuple(lesson.id for lesson in suggested),
                            refused, round(bar, 3), rule)

    def _rank(self, query: str) -> tuple[list[fusion.Ranked], bool, dict[str, str], str]:
        """Every candidate for ``query``, best first, whether meaning was used, the typo
        corrections and the reading of the query they come from."""
        # A long pasted text is read in a few ways (question.readings): the surest one counts
        # (the first of equals, and any reading with a candidate before one without).
        trials = []
        for question in readings(query):
            found, meaning, fixed, named = self._evidence(question)
            trials.append((fusion.rank(found, meaning, named=named), meaning, fixed, question))
        return max(trials, key=lambda trial: trial[0][0].confidence if trial[0] else -1.0)

    def _first_confidence(self, query: str) -> float:
        """How sure lookup is of its answer to ``query`` whatever the bar (what the floor of
        confidence is measured with)."""
        ranked = self._rank(query)[0]
        return ranked[0].confidence if ranked else 0.0

    def _meaning(self) -> bool:
        """Whether lookup uses meaning now (the floor of confidence is for it alone)."""
        return self._semantic is not None and self._semantic.usable

    def _floor_state(self) -> tuple[int, int] | None:
        """The library as lookup by meaning sees it (lessons, and embedding rounds applied),
        or None while lessons wait to be embedded or meaning is not in use."""
        if self._semantic is None or not self._meaning():
            return None
        rounds = self._semantic.settled
        return None if rounds is None else (self._state, rounds)

    def evidence(self, query: str) -> tuple[list[fusion.Evidence], bool, dict[str, str]]:
        """The candidate lessons for ``query`` with their lexical and semantic evidence,
        whether meaning was used (False until the embeddings are ready, or without a model),
        and the typo corrections made."""
        return self._evidence(clean_question(query))[:3]

    def _evidence(
        self, question: str,
    ) -> tuple[list[fusion.Evidence], bool, dict[str, str], set[str]]:
        """:meth:`evidence` of a cleaned question, and the candidates it names (a lesson's
        name, or a copy of such a lesson: see :mod:`bot.content.names`)."""
        with self._lock:
            matches = self._index.match(question)
            lexical, corrections = self._index.best(matches, CANDIDATES), matches.corrections
            named = self._named_ids(question)
            if named:  # a lesson the question names is a candidate, however it ranks
                listed = {hit.lesson.id for hit in lexical}
                found_named = self._index.hits(matches, [i for i in named if i not in listed])
                lexical = [*lexical, *found_named.values(), *(
                    LookupHit(self._served[i], 0.0, 0.0, 0.0) for i in named
                    if i not in listed and i not in found_named and i in self._served)]
        # A question of only filler ("how do I"), emoji or punctuation means nothing to match;
        # the model would still find some lesson "closest" to it.
        found = self._semantic.similarities(question, corrections) \
            if self._semantic is not None and matches.asks else None
        if found is None:
            return self._finish([
                fusion.Evidence(hit.lesson.id, coverage=hit.coverage, strength=hit.strength,
                                lexical=hit.score) for hit in lexical], False, corrections, named)
        ids, similarity = found
        count = len(ids)
        top = numpy.argpartition(-similarity, min(CANDIDATES, count) - 1)[:CANDIDATES] \
            if count > CANDIDATES else numpy.arange(count)
        # How far a lesson stands out from the question's typical neighbours: an unanswerable
        # question is vaguely similar to many lessons and close to none.
        typical = typical_similarity(similarity, top) if count else 0.0
        # The candidates: the nearest in meaning and the best lexical matches, each with its
        # similarity (0 for a lesson not embedded yet).
        nearness = {ids[int(i)]: float(similarity[int(i)]) for i in top}
        if lexical:
            positions = {lesson_id: i for i, lesson_id in enumerate(ids)}
            for hit in lexical:
                at = positions.get(hit.lesson.id)
                nearness.setdefault(hit.lesson.id,
                                    float(similarity[at]) if at is not None else 0.0)
        # A lesson found by meaning alone gets its lexical evidence too: outside the best
        # lexical matches of a large library (where every page says "file") it shares the
        # question's words as much as many of them do, and counting them as unshared put it
        # below pages that merely made that cut.
        shared = {hit.lesson.id: hit for hit in lexical}
        with self._lock:
            shared.update(self._index.hits(
                matches, [lesson_id for lesson_id in nearness if lesson_id not in shared]))
        evidence = []
        for lesson_id, value in nearness.items():
            words = shared.get(lesson_id)
            evidence.append(fusion.Evidence(lesson_id, value, value - typical) if words is None
                            else fusion.Evidence(lesson_id, value, value - typical,
                                                 words.coverage, words.strength, words.score))
        return self._finish(evidence, True, corrections, named)

    def _finish(
        self, evidence: list[fusion.Evidence], hybrid: bool, corrections: dict[str, str],
        named: list[str],
    ) -> tuple[list[fusion.Evidence], bool, dict[str, str], set[str]]:
        """The candidates one per content (:meth:`_distinct`), and those that are, or are a
        copy of, a lesson the question names."""
        candidates = self._distinct(evidence)
        if not named:
            return candidates, hybrid, corrections, set()
        with self._lock:
            contents = {self._served[i].content for i in named if i in self._served}
            return candidates, hybrid, corrections, {
                item.lesson_id for item in candidates if item.lesson_id in self._served
                and self._served[item.lesson_id].content in contents}

    def knows(self, word: str) -> bool:
        """Whether a lesson in service has ``word`` (lower-cased and stemmed, as lookup reads
        it): a word of the library, not a slip."""
        with self._lock:
            return self._index.knows(word)

    def names_lesson(self, text: str) -> bool:
        """Whether ``text`` is just a lesson's name (its title, or a name before its dash), as
        lookup reads a name: words typed to find that lesson, whatever else was awaited."""
        with self._lock:
            return bool(self._named_ids(text))

    def _links_moved(self) -> set[str]:
        """The files whose lesson links to a file that came, went or changed kind since it was
        read (its warnings say otherwise now). Hold the lock."""
        listed: dict[Path, set[str]] = {}
        return {rel for rel, state in self._files.items()
                if state.good is not None and state.good.links
                and not links_hold(state.good, self.root, listed, state.link_states)}

    def lesson_links(self, lesson: Lesson) -> tuple[tuple[str, str], ...]:
        """(link as written, title) for each of ``lesson``'s links to a file that leads to
        another lesson in service, which "learn" and that title opens; looked up now, from
        the lessons in service, so a lesson renamed, moved, retitled or taken out of service is
        followed at once. A link to a draft, to a file that is not served, or to a lesson whose
        title finds another lesson too, is left out (learners get its words alone)."""
        if not lesson.links:
            return ()
        found: list[tuple[str, str]] = []
        with self._lock:
            for url in lesson.links:
                path = link_path(lesson.path, url)
                target = self._by_path.get(path) if path is not None else None
                if target is not None and not target.draft and \
                        _title_trouble(self._names, self._served, target) is None:
                    found.append((url, target.title))
        return tuple(found)

    def _named_ids(self, question: str) -> list[str]:
        """The lessons ``question`` names, if it names few enough to mean them: a title that
        many lessons share ("Introduction", "Overview") names none of them. Hold the lock."""
        named = self._names.named(question)
        contents = {self._served[i].content for i in named if i in self._served}
        return named if len(contents) <= fusion.ANSWER_DEPTH else []

    def _distinct(self, candidates: list[fusion.Evidence]) -> list[fusion.Evidence]:
        """One candidate per content: lessons with the same title and text (a file copied under
        another name, a manual page installed under each of its names) are one answer, and the
        others would push different lessons out of the learner's top three. Lessons no longer
        served are dropped: meaning still knows a removed lesson until its background thread
        forgets it, and deciding on it would show a runner-up under the bar."""
        best: dict[tuple[str, str], fusion.Evidence] = {}
        with self._lock:
            for item in candidates:
                lesson = self._served.get(item.lesson_id)
                if lesson is None:
                    continue
                key = lesson.content
                kept = best.get(key)
                if kept is None or (item.similarity, item.lexical, kept.lesson_id) > (
                        kept.similarity, kept.lexical, item.lesson_id):
                    best[key] = item
        return list(best.values())

    # -- change notification ----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after every load or refresh that changed something."""
        self._listeners.append(listener)

    def _notify(self, change: CatalogChange) -> None:
        if not change:
            return
        if change.added or change.changed or change.removed:
            with self._lock:
                self._state += 1  # the floor of confidence is measured again
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # a listener's bug must not stop reloading
                log.exception("catalog listener failed")


MIN_CHECK_QUESTIONS = 3
"""A knowledge check needs at least this many questions in its track to say anything."""


def _tracks(lessons: Iterable[Lesson]) -> dict[str, tuple[Lesson, ...]]:
    """Each track's lessons in their ``order`` (ties and missing orders go by path), tracks by
    name."""
    tracks: dict[str, list[Lesson]] = {}
    for lesson in sorted(lessons, key=lambda item: (
            item.order if item.order is not None else math.inf, item.path)):
        if lesson.track:
            tracks.setdefault(lesson.track, []).append(lesson)
    return {name: tuple(items) for name, items in sorted(tracks.items())}


def _copies(served: Mapping[str, Lesson], since: Mapping[str, int],
            changed: Mapping[str, int]) -> dict[str, str]:
    """The lessons that copy another (the same title and text), by path, each with its
    original's path. The copy is the file served later (``since``: when each path was first
    served), else one named as a copy, else the one changed last (``changed``: modification
    times; a ``cp`` makes a newer file), else the later path."""
    # Obeyed, a warning on the original deleted the file learners' progress is on: the one a
    # running bot served first is the original, else one not named as a copy ("x (1).md",
    # "x - Copy.md", "Copy of x.md"), else the older file (after 'cp x.md y.md', y.md is
    # newer, whichever name sorts first).
    first: dict[tuple[str, str], Lesson] = {}
    copies: dict[str, str] = {}
    for lesson in sorted(served.values(), key=lambda item: (
            since.get(item.path, 0), _named_as_copy(item.path), changed.get(item.path, 0),
            item.path)):
        original = first.setdefault(lesson.content, lesson)
        if original is not lesson:
            copies[lesson.path] = original.path
    return copies


def _check_problems(served: dict[str, Lesson], copies: Mapping[str, str],
                    twins: Collection[str]) -> list[Problem]:
    """A ``check`` belongs on its track's first lesson, in a track with questions enough; a
    lesson that copies another (``copies``: see :func:`_copies`) is worth a warning, on the
    copy; ``twins`` (every copy, also of a file away a moment) are not warned of as lessons
    with the same title either."""
    tracks = _tracks(served.values())
    problems = []
    titled: dict[str, Lesson] = {}
    for path, original in sorted(copies.items()):
        problems.append(Problem(path, 1, Severity.WARNING,
                                f"same title and text as '{original}': learners get "
                                "the lesson twice and lookup shows one of them; delete the "
                                "copy or make it a different lesson"))
    # Copies are warned as copies, not once more as lessons with the same title.
    for lesson in sorted(served.values(), key=lambda item: (_named_as_copy(item.path),
                                                            item.path)):
        if lesson.path in twins:
            continue
        namesake = titled.setdefault(" ".join(lesson.title.casefold().split()), lesson)
        if namesake is not lesson:
            problems.append(Problem(lesson.path, lesson.lines.get("title", 1), Severity.WARNING,
                                    f"the title '{lesson.title}' is also the title of "
                                    f"'{namesake.path}': learners cannot tell the two apart in "
                                    "a list of lessons, and its name finds either; give each "
                                    "lesson its own title"))
    problems.extend(_track_slips(tracks))
    for lesson in served.values():
        # Two lessons with the track's first order (a copy of the first lesson, say): the one
        # that sorts first by name takes the place, and the other is no less the first lesson
        # its trainer meant. That clash is the error to fix, said on both files.
        if lesson.confidence and (not lesson.track or (
                tracks[lesson.track][0] is not lesson
                and tracks[lesson.track][0].order != lesson.order)):
            problems.append(Problem(lesson.path, lesson.lines.get("confidence", 1),
                                    Severity.ERROR, "'confidence' is set for a whole track, on "
                                    "its first lesson; move it there (or set [schedule] "
                                    "confidence for every question)"))
        if not lesson.check:
            continue
        line = lesson.lines.get("check", 1)
        if not lesson.track:
            continue  # the parser said so: no lesson has it
        track = tracks[lesson.track]
        if track[0] is not lesson and track[0].order == lesson.order:
            continue  # two lessons with one order: that clash is the error to fix
        if track[0] is not lesson:
            problems.append(Problem(lesson.path, line, Severity.ERROR,
                                    f"'check' belongs on the first lesson of track "
                                    f"'{lesson.track}' ('{track[0].path}'); move it there"))
            continue
        questions = sum(len(item.questions) for item in track)
        if questions < MIN_CHECK_QUESTIONS:
            problems.append(Problem(lesson.path, line, Severity.ERROR,
                                    f"track '{lesson.track}' has {questions} quiz question"
                                    f"{'s' if questions != 1 else ''}; a check needs at least "
                                    f"{MIN_CHECK_QUESTIONS}: add questions or remove 'check'"))
        elif questions < lesson.check:
            problems.append(Problem(lesson.path, line, Severity.WARNING,
                                    f"'{lesson.setting('check', lesson.check)}' but track "
                                    f"'{lesson.track}' has "
                                    f"only {questions} questions: the check asks {questions}"))
    return problems


def _duplicate_id(refused: Lesson, served: Lesson) -> list[Problem]:
    """The errors of two lessons with one id, ``refused`` not served for it: one on the file
    not served, saying which file learners get instead (``lessons check`` of that file alone,
    and the list of files not served, had said nothing of it when the error was on the other).

    The fix is said on the file whose `id:` line made the clash when the other has the id from
    its path (a file in service that then took another's path id stays served): renaming the
    file that is named by its id would give that lesson a new id and its learners would lose
    their progress."""
    if "id" not in refused.lines and "id" in served.lines:
        key = "'id ='" if served.toml else "'id:'"  # the file's own syntax
        own = "'id ='" if refused.toml else "'id:'"
        return [Problem(
            served.path, served.lines["id"], Severity.ERROR,
            f"duplicate lesson id '{served.id}': this {key} line takes the id that "
            f"'{refused.path}' has from its path, so that file is not served while this one "
            f"is; give this lesson another {key} (or remove the line: its path is then its "
            f"id); renaming '{refused.path}' instead would start its learners over"),
            Problem(
            refused.path, 1, Severity.ERROR,
            f"lesson id '{refused.id}' (from this file's path) is also that of "
            f"'{served.path}' (its {key} line {served.lines['id']}); learners get that one, "
            f"not this; change or remove that line (giving this file its own {own} instead "
            "would start its learners over)")]
    key = "'id ='" if refused.toml else "'id:'"
    fix = f"give this lesson another {key} (or remove it: the file's name is the id)" \
        if "id" in refused.lines else f"give this file its own {key}, or rename it"
    return [Problem(refused.path, refused.lines.get("id", 1), Severity.ERROR,
                    f"duplicate lesson id '{refused.id}' (also used by '{served.path}'): "
                    f"learners get that one, not this; {fix}")]


def _title_trouble(names: NameIndex, served: Mapping[str, Lesson], lesson: Lesson) -> str | None:
    """Why typing "learn" and ``lesson``'s title would not open it (None: it does). Lookup
    answers a lesson's name with that lesson first (:mod:`bot.content.names`), as the question
    reads once cleaned of filler (:func:`bot.content.question.clean_question`); the name must
    be this lesson's alone, but for copies of it (the same title and text)."""
    named = names.named(clean_question(lesson.title))
    if lesson.id not in named:
        return "lookup does not read its title as its name; reword the title"
    if any(served[i].content != lesson.content for i in named if i in served):
        return "another lesson has that name too; give each lesson its own title"
    return None


def _link_problems(files: Mapping[str, _FileState], served: dict[str, Lesson]) -> list[Problem]:
    """Links to a lesson file of the folder that learners cannot be sent to: a draft, a file
    not served (broken, or refused for its id), a lesson whose title does not open it alone.
    (Links to other files, and to files not there, are the parser's to report.)"""
    linking = [state.good for state in files.values()
               if state.good is not None and state.good.links]
    if not linking:
        return []
    by_path = {lesson.path: lesson for lesson in served.values()}
    names: NameIndex | None = None
    live: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for lesson in linking:
        for at, url in enumerate(lesson.links):
            # (A last good version kept by an older release knows no lines: its first line.)
            line = lesson.link_lines[at] if at < len(lesson.link_lines) else 1
            path = link_path(lesson.path, url)
            if path is None or not is_lesson_path(path) or path not in files:
                continue
            target = by_path.get(path)
            known = target or files[path].good
            if known is None:
                problems.append(dead_link(lesson.path, line, url,
                                          f"'{path}' has errors and is not served"))
            elif known.draft:
                problems.append(dead_link(lesson.path, line, url,
                                          f"'{path}' is a draft, which learners do not get"))
            elif target is None:  # its id taken by another file
                problems.append(dead_link(lesson.path, line, url,
                                          f"'{path}' is not served; see its error"))
            else:
                if names is None:  # as learners find lessons: drafts are not served to them
                    live = {i: item for i, item in served.items() if not item.draft}
                    names = NameIndex()
                    names.rebuild(live.values())
                trouble = _title_trouble(names, live, target)
                if trouble is not None:
                    problems.append(link_warning(
                        lesson.path, line, url, f"leads to the lesson '{target.title}', but "
                        f"typing \"learn {target.title}\" would not open it: {trouble}"))
    return problems


def _relinked(problems: Iterable[Problem], files: Mapping[str, _FileState],
              served: Mapping[str, Lesson],
              moves: Mapping[str, tuple[str, str]]) -> list[Problem]:
    """``problems`` with each warning on a link to a lesson file no longer there told where
    that lesson went, when that is known: the lesson served under the id the file had from its
    path (moved, its ``id:`` kept), else the file :class:`Renames` took for it moved (the same
    title; ``moves`` is its :meth:`~Renames.standing`). The parser names only the closest file
    name, which a rename to other words is not."""
    moved_to = {old_path: new_path for new_path, (_, old_path) in moves.items()}
    by_id = {lesson.id: lesson.path for lesson in served.values()}
    told: dict[tuple[str, str], tuple[int, str]] = {}
    for state in files.values():
        lesson = state.good
        if lesson is None or not lesson.links:
            continue
        for at, url in enumerate(lesson.links):
            path = link_path(lesson.path, url)
            if path is None or not is_lesson_path(path) or path in files:
                continue
            old_id = str(PurePosixPath(path).with_suffix(""))
            new_path, why = by_id.get(old_id), f"its id '{old_id}' kept"
            if new_path is None:
                new_path, why = moved_to.get(path), "the same title"
            if new_path is None or new_path == path:
                continue
            line = lesson.link_lines[at] if at < len(lesson.link_lines) else 1
            anchor = url[len(url.split("#", 1)[0]):]
            written = "/" + new_path if url.startswith("/") else \
                posixpath.relpath(new_path, posixpath.dirname(lesson.path) or ".")
            said = link_warning(lesson.path, line, url, "leads to no file:").message
            told[(lesson.path, said)] = (line, f" '{path}' is not in the lesson folder; that "
                                               f"lesson was moved or renamed to '{new_path}' "
                                               f"({why}): link '{written}{anchor}'")
    if not told:
        return list(problems)
    # The parser's warning, at each line the link is written, says where the lesson went.
    found: list[Problem] = []
    for problem in problems:
        key = next(((path, said) for path, said in told if problem.path == path
                    and problem.message.startswith(said)), None)
        if key is None:
            found.append(problem)
        else:
            found.append(replace(problem, message=key[1] + told[key][1]))
    said_at = {(problem.path, problem.line) for problem in found}
    found.extend(Problem(path, line, Severity.WARNING, said + what)
                 for (path, said), (line, what) in told.items() if (path, line) not in said_at)
    return found


CHANGE_SAID = "_change_said"
"""Marks the log records that say what a :class:`CatalogChange` holds (a file's problems,
a broken file still served, a file fixed): a caller that says the change itself (the demo)
drops them, whatever their words. Private to the log's context (the leading '_')."""


COPY_NAME = re.compile(r"(\s*\(\d+\)|[\s_-]+(copy|kopie)(\s*\(?\d+\)?)?|~)$"
                       r"|^copy[\s_-]of[\s_-]", re.IGNORECASE)
"""The names file managers give a copy: "x (1)", "x - Copy", "x copy 2", "Copy of x"."""


def _named_as_copy(path: str) -> bool:
    return COPY_NAME.search(PurePosixPath(path).stem) is not None


def _track_slips(tracks: dict[str, tuple[Lesson, ...]]) -> list[Problem]:
    """A track named like another but for case, a separator or a letter or two
    ("money-maters", "Money-Matters") is most likely a slip that starts a track of its own: a
    warning on each lesson of the smaller one."""
    def form(name: str) -> str:
        return re.sub(r"[\s_-]+", "-", name.casefold())

    def similar(a: str, b: str) -> bool:
        # One word of the name misspelt, or the separators dropped; not "onboarding-uk" and
        # "-us", "level-1" and "-2" or "sales-north" and "-south": tracks of their own.
        a, b = form(a), form(b)
        if a == b or a.replace("-", "") == b.replace("-", ""):
            return True
        parts = [(x, y) for x, y in zip(a.split("-"), b.split("-"), strict=False) if x != y]
        if a.count("-") != b.count("-") or len(parts) != 1:
            return False
        x, y = parts[0]
        if re.sub(r"\d", "", x) == re.sub(r"\d", "", y):
            return False
        if sorted(x) == sorted(y) and OSA.distance(x, y) == 1:
            return len(x) >= 3  # two letters swapped: "gti", "git"
        return OSA.distance(x, y) <= (2 if min(len(x), len(y)) >= 8 else 1) and \
            min(len(x), len(y)) >= 5

    problems = []
    for name, lessons in sorted(tracks.items()):
        # The track it is a slip of: the largest one named like it (of two as large, the
        # first by name).
        bigger = [other for other in tracks if other != name and similar(name, other) and (
            len(tracks[other]), other < name) > (len(lessons), False)]
        if not bigger:
            continue
        big = min(bigger, key=lambda other: (-len(tracks[other]), other))
        count = len(tracks[big])
        for lesson in lessons:
            problems.append(Problem(
                lesson.path, lesson.lines.get("track", 1), Severity.WARNING,
                f"track '{name}' is named like track '{big}' ({count} "
                f"lesson{'s' if count != 1 else ''}): each name is a track of its own; "
                f"write '{lesson.setting('track', big)}' if this lesson belongs there"))
    return problems


def unknown_tracks(catalog: Catalog, names: Iterable[str]) -> str:
    """The names (of a config's ``track_order``) that no lesson's track has, whatever the
    case, each with the track it may mean: "" when all are there."""
    tracks = {name.casefold(): name for name in catalog.tracks()}
    unknown = []
    for name in dict.fromkeys(names):
        if name.casefold() in tracks:
            continue
        close = difflib.get_close_matches(name.casefold(), list(tracks), n=1, cutoff=0.75)
        unknown.append(f"'{name}'" + (f" (did you mean '{tracks[close[0]]}'?)" if close else ""))
    if not unknown:
        return ""
    return (f"[lessons] track_order names {', '.join(unknown)}, which no lesson's track is; "
            f"the tracks are: {', '.join(sorted(tracks.values())) or 'none'}")


def check_size(catalog: Catalog, track: str) -> int:
    """How many questions a track's knowledge check asks: its first lesson's ``check``, at
    most the track's questions; 0 when it has none or the track is too small for one."""
    lessons = catalog.tracks().get(track, ())
    if not lessons or not lessons[0].check:
        return 0
    questions = sum(len(item.questions) for item in lessons)
    return min(lessons[0].check, questions) if questions >= MIN_CHECK_QUESTIONS else 0


def asks_confidence(catalog: Catalog, lesson: Lesson) -> bool:
    """Whether a lesson's track asks how sure the learner is (its first lesson says
    ``confidence: true``)."""
    track = catalog.tracks().get(lesson.track or "", ())
    return bool(track) and track[0].confidence
