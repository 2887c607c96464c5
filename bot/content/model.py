"""The neutral lesson model: what a trainer's Markdown file becomes once parsed.

Everything here is a frozen dataclass so a loaded lesson can be shared between the watcher thread and
the bot without copies or locks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

import yaml

SELECT_ALL = re.compile(r"\b(?:select|choose|tick|pick|mark|check)\s+(?:all|every|each)\b",
                        re.IGNORECASE)
"""Words asking for every right choice ("Select all that apply")."""


class Severity(StrEnum):
    """How bad a problem is: an error keeps the file out of service, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing a trainer should fix, reported as ``path:line: severity: message``.

    ``path`` is relative to the lesson folder (POSIX separators) so reports read the same on
    every machine; ``line`` is 1-based.
    """

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value}: {self.message}"

    @property
    def is_error(self) -> bool:
        """True when the problem keeps the file (or its new version) out of service."""
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class Choice:
    """One answer option of a quiz question; ``text`` is inline Markdown as the trainer wrote it
    (``bot.content.markdown.plain_text`` gives the plain form for polls and buttons)."""

    text: str
    correct: bool
    line: int


@dataclass(frozen=True)
class Question:
    """A quiz question: a ``###`` heading under ``## Quiz``, its task-list choices and explanation.

    ``text``, ``detail`` and ``explanation`` are inline Markdown as the trainer wrote them.

    ``key`` is what learners' review history (cards, asks, answers) is kept by: the key
    written at the end of the heading (``### Which port? {#ssh-port}``, never part of
    ``text``), else one from the question's words (``bot.content.parser.question_key``). It
    stays the same when questions are reordered; a question reworded keeps it only when it is
    written. ``key_written`` says which: a key written may be the one its words would give
    (the first step of rewording a question learners have), so the key alone cannot tell.
    """

    key: str
    text: str
    choices: tuple[Choice, ...]
    explanation: str
    line: int
    detail: str = ""
    key_written: bool = False

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        """Zero-based positions of the correct choices."""
        return tuple(i for i, choice in enumerate(self.choices) if choice.correct)

    @property
    def marks(self) -> str:
        """The choices in their order, each as a short fingerprint of its words: kept with a
        question asked, so that an answer is read against the choices the learner saw, even
        after a trainer reordered them."""
        return ",".join(hashlib.blake2s(choice.text.encode(), digest_size=4).hexdigest()
                        for choice in self.choices)

    def as_shown(self, marks: str | None) -> tuple[Question, tuple[int, ...]] | None:
        """This question with its choices in the order ``marks`` (:attr:`marks` when it was
        asked) had them, and each shown choice's place now; None when the choices changed
        otherwise than by order (one reworded, added or removed): the learner saw another
        question."""
        if not marks or marks == self.marks:
            return self, tuple(range(len(self.choices)))
        now = self.marks.split(",")
        order: list[int] = []
        for mark in marks.split(","):
            place = next((i for i, m in enumerate(now) if m == mark and i not in order), None)
            if place is None:
                return None
            order.append(place)
        if len(order) != len(now):
            return None
        return replace(self, choices=tuple(self.choices[i] for i in order)), tuple(order)

    @property
    def says_select_all(self) -> bool:
        """True when the question's own words ask for every right answer ("Select all that
        apply"), so a hint need not say it again."""
        return bool(SELECT_ALL.search(f"{self.text} {self.detail}"))


@dataclass(frozen=True)
class Lesson:
    """A parsed, valid lesson.

    ``id`` defaults to the path relative to the lesson folder without ``.md``; ``path`` is that
    relative path with its extension. ``body`` is the Markdown to show a learner (without the
    title heading and the quiz); ``text`` is its plain text, used for search.
    """

    id: str
    path: str
    title: str
    summary: str
    body: str
    text: str
    topic: str
    tags: tuple[str, ...] = ()
    track: str | None = None
    order: int | None = None
    minutes: int = 1
    objective: str = ""
    image: str | None = None
    questions: tuple[Question, ...] = ()
    draft: bool = False
    images: tuple[str, ...] = ()
    """Local image paths the lesson uses (``image`` and inline images), relative to its file."""
    links: tuple[str, ...] = ()
    """Paths to files the lesson links to, as written (relative to its file, with any
    ``#anchor``): a chat cannot open a file, so a link to another lesson in service is shown
    with how to open that lesson (resolved when it is sent: :meth:`Catalog.lesson_links
    <bot.content.catalog.Catalog.lesson_links>`), and the others with their words alone.
    Whether each is in the folder was looked up when the file was read."""
    link_lines: tuple[int, ...] = field(default=(), compare=False, hash=False)
    """The source line of each of ``links`` (where it is first written), for the checks that
    span files (a link to a draft)."""
    link_states: tuple[int, ...] = field(default=(), compare=False, hash=False)
    """What each of ``links`` led to when the file was read (no file, a file, a lesson file:
    ``bot.content.parser.LINK_LESSON`` and its kin), so that a lesson is parsed again only
    when one of them changed (``bot.content.parser.links_hold``)."""
    headings: tuple[str, ...] = ()
    """Section headings of the body: a strong hint of what the lesson covers, used by lookup."""
    reflect: str = ""
    """A reflection prompt to ask once the lesson is read (front matter ``reflect``)."""
    check: int = 0
    """On a track's first lesson: how many questions the track's knowledge check (before the
    first lesson and after the last) asks; 0 for none (front matter ``check``)."""
    confidence: bool = False
    """On a track's first lesson: its questions ask how sure the learner is with the answer
    (front matter ``confidence``; ``[schedule] confidence`` asks it everywhere)."""
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    """Source line of each front-matter key, so catalog-wide checks can point at it."""
    toml: bool = field(default=False, compare=False, hash=False)
    """The front matter is TOML (between '+++' lines), so a fix that says which line to add is
    written ``key = "value"`` (:meth:`setting`)."""

    def setting(self, key: str, value: str | int | bool) -> str:
        """The front-matter line that sets ``key`` to ``value`` in this lesson's file, as a
        trainer would paste it."""
        return setting_line(key, value, self.toml)

    @property
    def content(self) -> tuple[str, str]:
        """What makes two lessons copies of each other (a file copied under another name, a
        manual page installed under each of its names): the same title and text."""
        return self.title, self.text


def setting_line(key: str, value: str | int | bool | tuple[str, ...], toml: bool) -> str:
    """A front-matter line setting ``key`` to ``value``: YAML's ``key: value``, or in a TOML
    ('+++') file ``key = "value"``. Each is an error pasted into the other kind of file."""
    if isinstance(value, bool):
        written = "true" if value else "false"
    elif isinstance(value, int):
        written = str(value)
    elif isinstance(value, tuple):
        items = (double_quoted(item) if toml or not _plain_yaml(item, in_list=True) else item
                 for item in value)
        written = "[" + ", ".join(items) + "]"
    elif not toml and _plain_yaml(value):
        written = value
    else:
        written = double_quoted(value)
    return f"{key} = {written}" if toml else f"{key}: {written}"


def _plain_yaml(value: str, in_list: bool = False) -> bool:
    """Whether ``value`` may be written unquoted after a YAML key (or as an item of a ``[...]``
    list) and read back as the same text, as YAML's own writer judges it ('a: b', '#x', 'yes',
    '12' or a date need quotes); else it is written in double quotes."""
    written = yaml.safe_dump({"k": [value] if in_list else value}, allow_unicode=True,
                             width=1_000_000, default_flow_style=in_list)
    return written == ("{k: [" + value + "]}\n" if in_list else f"k: {value}\n")


def double_quoted(value: str) -> str:
    """``value`` in double quotes, its backslashes and quotes escaped: a TOML basic string, or
    a YAML double-quoted one, that reads back as exactly ``value``."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def track_title(track: str) -> str:
    """A track's name as learners read it: 'git-basics' is 'Git basics', 'GDPR-basics' is
    'GDPR basics' (capitals written are kept)."""
    words = " ".join(track.replace("-", " ").replace("_", " ").split())
    return words[:1].upper() + words[1:]
