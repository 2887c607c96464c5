"""Spotting a quiz question reworded while the bot runs, or while it was stopped.

Learners' reviews and answers of a question are kept by its key: the key written at the end of
its heading (``### Which port? {#ssh-port}``), else one from its words
(:func:`bot.content.parser.question_key`). A typo fixed in a question without a written key
makes it a new question, and every learner's reviews of it start again. The catalog cannot
tell a typo fixed from a new question, and does not guess (a question asking about HTTPS
instead of SSH, with the same choices, is a new one): when a changed lesson loses a question
and gains one with the same choices or with words very close to it, the trainer is told how to
keep its history, the key it had, written on its heading.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence

from bot.content.markdown import plain_text
from bot.content.model import Choice, Lesson, Problem, Question, Severity
from bot.content.parser import question_key

CLOSE_WORDING = 0.8
"""How alike two questions' words are at least (difflib's ratio, case and spacing aside) to
be taken for one reworded."""

Kept = dict[tuple[str, str], tuple[str, str, str]]
"""The questions warned of: (lesson id, the question's key now) -> (the key its learners'
reviews are under, the question's words then, why it was taken for that one reworded)."""


def asked(lesson: Lesson) -> str:
    """A lesson's questions as :meth:`Rewordings.at_start` compares them with the lessons
    served after a restart (their keys, words and choices' words), in JSON."""
    return json.dumps([[question.key, question.text, [choice.text for choice in
                                                      question.choices]]
                       for question in lesson.questions], ensure_ascii=False)


def _questions(kept: str) -> tuple[Question, ...]:
    """The questions :func:`asked` kept, enough of them to be matched."""
    return tuple(Question(key, text, tuple(Choice(choice, False, 0) for choice in choices),
                          "", 0) for key, text, choices in json.loads(kept))


def _words(text: str) -> str:
    return " ".join(plain_text(text).casefold().split())


def _choices(question: Question) -> tuple[str, ...]:
    return tuple(sorted(_words(choice.text) for choice in question.choices))


def _written(question: Question) -> bool:
    """Whether the question's key is written on its heading (not one from its words)."""
    return question.key != question_key(question.text)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(plain_text(text).split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def _pairs(before: Sequence[Question],
           after: Sequence[Question]) -> list[tuple[Question, Question, str]]:
    """The questions of ``after`` that look like one of ``before`` reworded (its key not in
    ``after``), each with that one and why: the same choices (when no other question of either
    version has them: a quiz of true-or-false questions would match any two), or words very
    close. Best matches first, each question in one pair at most."""
    keys_after = {question.key for question in after}
    keys_before = {question.key for question in before}
    gone = [question for question in before if question.key not in keys_after]
    fresh = [question for question in after if question.key not in keys_before]
    if not gone or not fresh:
        return []
    shared = {choices for questions in (before, after)
              for choices, count in _counts(questions).items() if count > 1}
    scored: list[tuple[float, int, int, str]] = []
    for new_at, new in enumerate(fresh):
        new_words, new_choices = _words(new.text), _choices(new)
        for old_at, old in enumerate(gone):
            same = new_choices == _choices(old) and new_choices not in shared
            ratio = difflib.SequenceMatcher(None, _words(old.text), new_words).ratio()
            if not same and ratio < CLOSE_WORDING:
                continue
            why = "the same choices" if ratio < CLOSE_WORDING else "close words"
            scored.append((ratio + same, new_at, old_at, why))
    pairs: list[tuple[Question, Question, str]] = []
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    for _, new_at, old_at, why in sorted(scored, key=lambda item: (-item[0], item[1], item[2])):
        if new_at in taken_new or old_at in taken_old:
            continue
        taken_new.add(new_at)
        taken_old.add(old_at)
        pairs.append((gone[old_at], fresh[new_at], why))
    return pairs


def _counts(questions: Sequence[Question]) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for question in questions:
        choices = _choices(question)
        counts[choices] = counts.get(choices, 0) + 1
    return counts


class Rewordings:
    """Questions reworded in lessons changed since the start, each warned of at its line until
    it takes the key its learners' reviews are under (or goes, or that key is served again in
    its lesson). Not thread-safe: the catalog calls it under its lock."""

    def __init__(self) -> None:
        self._warned: Kept = {}
        self._problems: dict[tuple[str, str], Problem] = {}
        """Each warning as last said, by the same keys as ``_warned``."""

    def update(self, old: Mapping[str, Lesson], served: Mapping[str, Lesson],
               changed: Iterable[str], removed: Iterable[str]) -> list[Problem]:
        """Match what one change did to the questions of the lessons it ``changed``; the
        warnings standing on those lessons (said again with the file's other problems, at the
        question's line now), new ones among them."""
        gone_ids = set(removed)
        for place in [place for place in self._warned if place[0] in gone_ids]:
            self._forget(place)
        said: list[Problem] = []
        for lesson_id in changed:
            self._match(old[lesson_id].questions, served[lesson_id])
            said.extend(self._standing(served[lesson_id]))
        return said

    def at_start(self, kept: Mapping[str, str], now: Mapping[str, str],
                 served: Mapping[str, Lesson]) -> list[Problem]:
        """A start's warnings on questions reworded while the bot was stopped (a `git pull`
        and a restart): ``kept`` is each lesson's questions as :func:`asked` gave them when
        last served, ``now`` as it gives them for the lessons ``served`` now, by lesson id."""
        said: list[Problem] = []
        for lesson_id, before in sorted(kept.items()):
            lesson = served.get(lesson_id)
            if lesson is None or before == now.get(lesson_id):
                continue
            self._match(_questions(before), lesson)
            said.extend(self._standing(lesson))
        return said

    def _match(self, before: Sequence[Question], after: Lesson) -> None:
        """Warn of the questions of ``after`` that look like one of ``before`` reworded."""
        lesson_id = after.id
        for gone, new, why in _pairs(before, after.questions):
            entry = self._warned.get((lesson_id, gone.key))
            self._forget((lesson_id, gone.key))
            if _written(gone) and _written(new):
                continue  # a key written changed for another: the trainer's choice
            if entry is None:
                origin, worded = gone.key, gone.text
            elif _written(new) and _words(new.text) == _words(gone.text):
                # The question warned of, given a key of its own: the trainer's answer
                # that it is a new question.
                continue
            else:  # reworded again before the advice was taken: the first key still
                origin, worded, _ = entry
            self._warned[lesson_id, new.key] = (origin, worded, why)

    def standing(self) -> Kept:
        """The questions warned of now, to be kept across a restart."""
        return dict(self._warned)

    def restore(self, kept: Kept, served: Mapping[str, Lesson]) -> list[Problem]:
        """At a start, the warnings that stood before it (:meth:`standing`) and still hold."""
        self._warned.update({place: entry for place, entry in kept.items()
                             if place[0] in served})
        return [problem for lesson_id in sorted({lesson_id for lesson_id, _ in kept})
                if lesson_id in served for problem in self._standing(served[lesson_id])]

    def problems(self) -> list[Problem]:
        """The warnings standing now."""
        return list(self._problems.values())

    def _forget(self, place: tuple[str, str]) -> None:
        self._warned.pop(place, None)
        self._problems.pop(place, None)

    def _standing(self, lesson: Lesson) -> list[Problem]:
        """The warnings on ``lesson`` as it is now, at their questions' lines: those whose
        question is there without the key its reviews are under; the others are dropped."""
        by_key = {question.key: question for question in lesson.questions}
        said: list[Problem] = []
        for place, (origin, worded, why) in list(self._warned.items()):
            if place[0] != lesson.id:
                continue
            question = by_key.get(place[1])
            if question is None or origin in by_key:
                self._forget(place)
                continue
            asked = _shorten(question.text)
            if _words(question.text) == _words(worded):
                what = (f"question '{asked}' has the words of the one whose learners' reviews "
                        f"and answers are kept under the key '{origin}', and another key now")
            else:
                what = (f"question '{asked}' looks like '{_shorten(worded)}' reworded ({why}): "
                        "learners' reviews and answers of a question are kept by its key, "
                        "which its words changed")
            problem = self._problems[place] = Problem(
                lesson.path, question.line, Severity.WARNING,
                f"{what}, so they start again as for a new question; to keep them, end its "
                f"heading with '{{#{origin}}}' (a new question on purpose: write a key of its "
                "own on it, such as '{#a-name}', and this warning goes)")
            said.append(problem)
        return said
