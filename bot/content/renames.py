"""Spotting a lesson file moved or renamed while the bot runs.

A lesson's id is its path unless its front matter sets ``id``, and learners' progress (read,
reviews, points) is kept by id: a file moved to another folder is a new lesson to the bot, and
everyone who read it gets it again. The catalog cannot know a move from a deletion and a new
file, but a lesson that comes back under a new path with the title of one removed is most
likely the same one, so the trainer is told how to keep its learners' progress (``id:``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping

from bot.content.model import Lesson, Problem, Severity

MOVED = "this looks like '"
"""How a move warning starts."""
REMEMBERED = 200
"""Removed lessons remembered for a match (a big reorganisation removes many at once)."""


def _name(lesson: Lesson) -> str:
    return " ".join(lesson.title.casefold().split())


def _still_lost(lesson: Lesson | None, old_id: str, served: Mapping[str, Lesson]) -> bool:
    """Whether a warning on ``lesson`` (a moved file, as served now) still holds: it is there
    without the old id, and the old id is not served (by the old file come back)."""
    return lesson is not None and lesson.id != old_id and old_id not in served


class Renames:
    """Lessons removed and added since the start, matched by title across paths; a warning on
    each new file that looks like a removed one moved, kept until that file takes the old id
    (or goes, or the old id is served again). A move made as a copy and a deletion is caught
    whichever the catalog sees first. Not thread-safe: the catalog calls it under its lock."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._remembered = remembered
        self._gone: OrderedDict[str, tuple[Lesson, str, str]] = OrderedDict()
        """Removed lessons by id, each with the id its learners' progress is under (a file
        warned of and moved again keeps pointing at the first) and, for a file warned of, the
        path its warning named (said again if it comes back)."""
        self._fresh: OrderedDict[str, Lesson] = OrderedDict()
        """Lessons added since the start, by id."""
        self._warned: dict[str, tuple[str, str, Problem]] = {}
        """By the new file's path: the old id, the path it was moved from, and the warning."""

    def update(self, old: Mapping[str, Lesson], served: Mapping[str, Lesson],
               removed: Iterable[str], added: Iterable[str]) -> list[Problem]:
        """Record what one change removed and added, and match them; the new warnings."""
        removed, added = list(removed), list(added)
        if not removed and not added:
            return []
        origins = {path: (old_id, old_path) for path, (old_id, old_path, _) in
                   self._warned.items()}
        for lesson_id in removed:
            lesson = old[lesson_id]
            self._gone.pop(lesson_id, None)
            self._gone[lesson_id] = (lesson, *origins.get(lesson.path, (lesson_id, lesson.path)))
            self._fresh.pop(lesson_id, None)
        back: list[tuple[Lesson, str, str]] = []
        for lesson_id in added:
            entry = self._gone.pop(lesson_id, None)
            if entry is not None and entry[1] != lesson_id:
                # A file warned of, gone a moment (a branch switch) and back: its learners'
                # progress is still under the first id.
                back.append((served[lesson_id], entry[1], entry[2]))
            self._fresh.pop(lesson_id, None)
            self._fresh[lesson_id] = served[lesson_id]
        while len(self._gone) > self._remembered:
            self._gone.popitem(last=False)
        while len(self._fresh) > self._remembered:
            self._fresh.popitem(last=False)
        by_path = {lesson.path: lesson for lesson in served.values()}
        for path, (old_id, _, _) in list(self._warned.items()):
            if not _still_lost(by_path.get(path), old_id, served):
                del self._warned[path]
        new = [self._warn(lesson, old_path, old_id) for lesson, old_id, old_path in back
               if old_id not in served and lesson.path not in self._warned]
        return new + self._match_all(served)

    def at_start(self, gone: Iterable[Lesson], served: Mapping[str, Lesson],
                 new_paths: Collection[str]) -> list[Problem]:
        """A start's warnings: each file new since the last run (``new_paths``) with the title
        of a lesson served then whose file is ``gone`` (moved while the bot was stopped, as a
        `git pull` and a restart do)."""
        by_name: dict[str, list[Lesson]] = {}
        for lesson in served.values():
            if lesson.path in new_paths:
                by_name.setdefault(_name(lesson), []).append(lesson)
        new: list[Problem] = []
        for old in sorted(gone, key=lambda lesson: lesson.path):
            if old.id in served:
                continue  # its id is served (the moved file took it): nothing was lost
            for lesson in sorted(by_name.get(_name(old), ()), key=lambda lesson: lesson.path):
                if lesson.path not in self._warned:
                    new.append(self._warn(lesson, old.path, old.id))
                    break
        return new

    def standing(self) -> dict[str, tuple[str, str]]:
        """The files warned of now: path -> (the id their learners' progress is under, the
        path the warning names), to be kept across a restart."""
        return {path: (old_id, old_path) for path, (old_id, old_path, _) in self._warned.items()}

    def restore(self, moves: Mapping[str, tuple[str, str]],
                served: Mapping[str, Lesson]) -> list[Problem]:
        """At a start, the warnings that stood before it (:meth:`standing`) and still hold:
        the file is served without the old id, and the old id is not served."""
        by_path = {lesson.path: lesson for lesson in served.values()}
        new = []
        for path, (old_id, old_path) in sorted(moves.items()):
            lesson = by_path.get(path)
            if lesson is not None and _still_lost(lesson, old_id, served) and \
                    path not in self._warned:
                new.append(self._warn(lesson, old_path, old_id))
        return new

    def problems(self) -> list[Problem]:
        """The warnings standing now."""
        return [problem for _, _, problem in self._warned.values()]

    def _match_all(self, served: Mapping[str, Lesson]) -> list[Problem]:
        new: list[Problem] = []
        for lesson_id in reversed(self._fresh):
            lesson = served.get(lesson_id)  # as it is now: the copy may have been edited
            if lesson is None or lesson.path in self._warned:
                continue
            match = self._match(lesson, served)
            if match is None:
                continue
            gone, old_id = match
            del self._gone[gone.id]
            new.append(self._warn(lesson, gone.path, old_id))
        return new

    def _warn(self, lesson: Lesson, old_path: str, old_id: str) -> Problem:
        problem = Problem(
            lesson.path, 1, Severity.WARNING,
            f"{MOVED}{old_path}' moved or renamed (the same title, "
            f"'{lesson.title}'): learners who read it will get it again as a new lesson "
            f"and its questions' reviews start over; to keep their progress, add "
            f"'{lesson.setting('id', old_id)}' to this file's front matter")
        self._warned[lesson.path] = (old_id, old_path, problem)
        return problem

    def _match(self, lesson: Lesson,
               served: Mapping[str, Lesson]) -> tuple[Lesson, str] | None:
        # The latest removed first. A file that changed its own id (`id:` edited in place) is
        # the trainer's choice, not a move; an old id served again lost nothing.
        for gone, old_id, _ in reversed(self._gone.values()):
            if gone.path != lesson.path and old_id not in served and \
                    _name(gone) == _name(lesson):
                return gone, old_id
        return None


FOLDER_AT_LEAST = 2
"""Lessons moved from one folder to another under the same names that are told as a folder
renamed, in one line, rather than one warning each."""


def _folders(old_path: str, new_path: str) -> tuple[str, str] | None:
    """The folders renamed when ``old_path`` became ``new_path`` with its name (and the
    folders under the renamed one) kept: ('hr', 'people') for 'hr/a.md' and 'people/a.md'."""
    old, new = old_path.split("/"), new_path.split("/")
    kept = 0
    while kept < min(len(old), len(new)) and old[-1 - kept] == new[-1 - kept]:
        kept += 1
    if kept == 0 or kept == len(old) or kept == len(new):
        return None  # renamed itself, or moved from or to the top of the folder
    return "/".join(old[:-kept]), "/".join(new[:-kept])


def folders_renamed(problems: Iterable[Problem], moves: Mapping[str, tuple[str, str]],
                    files: Collection[str], by_path: Mapping[str, Lesson]) -> list[Problem]:
    """``problems`` with the move warnings (``moves``: :meth:`Renames.standing`) of a folder
    renamed as a whole told in one line: every lesson file the warnings name under the old
    folder is one of them (``files``: the folder's lesson files now, none left under it), at
    least :data:`FOLDER_AT_LEAST` of them (``by_path``: the lessons in service, for the
    example's syntax). A trainer who renamed a topic folder will not add
    200 ``id:`` lines by hand: renaming it back is the fix worth saying first."""
    problems = list(problems)
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for path, (old_id, old_path) in moves.items():
        folders = _folders(old_path, path)
        if folders is not None:
            groups.setdefault(folders, []).append((path, old_id, old_path))
    told: dict[str, Problem] = {}
    for (old_dir, new_dir), moved in sorted(groups.items()):
        if len(moved) < FOLDER_AT_LEAST or any(rel.startswith(old_dir + "/") for rel in files):
            continue
        path, old_id, _ = min(moved)
        lesson = by_path.get(path)
        example = f"'{lesson.setting('id', old_id) if lesson else f'id: {old_id}'}' in '{path}'"
        summary = Problem(
            new_dir, 1, Severity.WARNING,
            f"'{old_dir}/' looks renamed to '{new_dir}/' ({len(moved)} lessons moved with "
            f"their names and titles): learners who read them will get them again as new "
            f"lessons and their questions' reviews start over; to keep their progress, rename "
            f"the folder back to '{old_dir}' (then move lessons one by one, each with its "
            f"old 'id:'), or add to each of the {len(moved)} files the id it had, as "
            f"{example}")
        for moved_path, _, _ in moved:
            told[moved_path] = summary
    if not told:
        return problems
    found: list[Problem] = []
    for problem in problems:
        folder = told.get(problem.path) if problem.message.startswith(MOVED) else None
        if folder is None:
            found.append(problem)
        elif folder not in found:
            found.append(folder)
    return found
