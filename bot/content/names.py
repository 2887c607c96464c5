"""Lessons by name: a question that is exactly a lesson's name asks for that lesson.

A learner who types ``socket``, ``npm ci`` or ``CREATE TABLE`` names a page; ranking alone
may prefer ``socketpair``, whose title and text say "socket" more often. A lesson's names are
its title and, for titles of the form "name - what it does" (manual pages, reference pages:
``gzip, gunzip, zcat - compress or expand files``, ``CREATE TABLE — define a new table``),
each name before the dash. Names and questions are compared folded (case, accents) with
``-``, ``_``, ``.`` and ``/`` read as spaces (``npm-ci`` is named by "npm ci"), without
quotes, emoji and other punctuation, but with ``+``, ``#`` and ``&`` ("C++" does not name
"C#").
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

from bot.content.analysis import fold
from bot.content.model import Lesson

NAMED_CONFIDENCE = 0.9
"""The answer's confidence when the question is a lesson's name: of the 12 questions of the
bench sets that name a lesson, all 12 wanted it, and a reviewer's 957 page names found their
page in the top three 952 times before this rule."""
MAX_NAME_WORDS = 4
"""A part before the dash longer than this is a sentence, not a name."""

_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]+\s+")
"""A dash between spaces: "name - what it does". (A colon is a label more often than a name:
"Tip: never share passwords" is not named by "tip".)"""
_SPACES = re.compile(r"[\s\-_./]+")
_APOSTROPHES = re.compile("['\u2019\u02bc]")
KEPT_SIGNS = frozenset("+#&")
"""Signs that are part of a name ("C++" is not "C#", "Q&A" is not "QA"); every other
punctuation mark or symbol (quotes as phones type them, emoji, asterisks) is dropped."""
_ASCII_MARKS = str.maketrans(dict.fromkeys(
    (char for char in string.punctuation if char not in KEPT_SIGNS), " "))
_END = re.compile(r"[\s?!.]+$")


def normal(text: str) -> str:
    """``text`` as names are compared: folded, separators made spaces, apostrophes dropped
    ("don't" is "dont"), other punctuation and symbols but :data:`KEPT_SIGNS` made spaces."""
    text = _APOSTROPHES.sub("", _SPACES.sub(" ", fold(text)))
    if text.isascii():  # most titles: one C-speed pass (every lesson is named at load)
        return " ".join(text.translate(_ASCII_MARKS).split())
    return " ".join("".join(
        " " if unicodedata.category(char)[0] in "PS" and char not in KEPT_SIGNS else char
        for char in text).split())


def lesson_names(title: str) -> set[str]:
    """The names a lesson answers to (see the module's docstring)."""
    names = {normal(title)}
    parts = _SEPARATOR.split(title, maxsplit=1)
    if len(parts) == 2:
        for name in parts[0].split(","):
            if 0 < len(name.split()) <= MAX_NAME_WORDS:
                names.add(normal(name))
    return {name for name in names if name}


def question_name(question: str) -> str:
    """The name a (cleaned) question would be: without its closing "?" or "."."""
    return normal(_END.sub("", question))


class NameIndex:
    """Lesson ids by name, kept in step with the lessons served. Not thread-safe: guard it."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._names: dict[str, set[str]] = {}

    def rebuild(self, lessons: Iterable[Lesson]) -> None:
        """Index ``lessons`` from scratch."""
        self._ids.clear()
        self._names.clear()
        for lesson in lessons:
            self.upsert(lesson)

    def upsert(self, lesson: Lesson) -> None:
        """Add a lesson, or replace the names of the one with its id."""
        self.remove(lesson.id)
        names = lesson_names(lesson.title)
        self._names[lesson.id] = names
        for name in names:
            self._ids.setdefault(name, set()).add(lesson.id)

    def remove(self, lesson_id: str) -> None:
        """Forget a lesson; unknown ids are ignored."""
        for name in self._names.pop(lesson_id, ()):
            ids = self._ids[name]
            ids.discard(lesson_id)
            if not ids:
                del self._ids[name]

    def named(self, question: str) -> list[str]:
        """The ids of the lessons ``question`` names, sorted (none for most questions)."""
        key = question_name(question)
        return sorted(self._ids.get(key, ())) if key else []
