"""Markdown as typed events, one walker for every writer; and plain text from inline Markdown.

pyromark (pulldown-cmark) yields each event as a bare string (``"SoftBreak"``) or a one-key dict
(``{"Start": {"Heading": {...}}}``, ``{"End": "Paragraph"}``, ``{"Text": "..."}``).
:func:`events` decodes them once into the small frozen classes below, and :func:`walk` hands them
to a :class:`MarkdownWriter`'s callbacks: plain text here, Telegram HTML and Slack mrkdwn in the
adapters, none of which decodes pyromark's shapes itself. The lesson parser, which needs each
event's place in the source, reads :func:`events_with_range`.

Quiz questions, choices and explanations keep the trainer's inline Markdown (so a renderer can
show `code` or **bold** where the platform allows it); :func:`plain_text` gives the text a quiz
poll or a button needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeAlias

import pyromark

LESSON_MARKDOWN = (pyromark.Options.ENABLE_TASKLISTS | pyromark.Options.ENABLE_TABLES
                   | pyromark.Options.ENABLE_STRIKETHROUGH)
"""The Markdown lessons are written in: CommonMark plus GitHub's task lists, tables and ~~strike~~."""


@dataclass(frozen=True, slots=True)
class Tag:
    """A container as it opens: its name and the attributes a writer may need."""

    name: str
    """pulldown-cmark's name for it: ``Paragraph``, ``Heading``, ``List``, ``Item``, ``Link``,
    ``Image``, ``CodeBlock``, ``BlockQuote``, ``Emphasis``, ``Strong``, ``Table``, ``TableCell``..."""
    level: int = 0
    """A heading's level, 1 to 6."""
    number: int | None = None
    """An ordered list's first number; ``None`` for a bullet list."""
    url: str = ""
    """A link's or an image's destination, a reference link's resolved."""
    info: str | None = None
    """A fenced code block's info string (``""`` for a bare fence); ``None`` for an indented one."""


@dataclass(frozen=True, slots=True)
class Start:
    """A container opens; everything up to the :class:`End` of the same name is inside it."""

    tag: Tag


@dataclass(frozen=True, slots=True)
class End:
    """A container closes."""

    name: str


@dataclass(frozen=True, slots=True)
class Text:
    """Text, with Markdown's escapes and entities already resolved."""

    value: str


@dataclass(frozen=True, slots=True)
class Code:
    """An inline code span's text."""

    value: str


@dataclass(frozen=True, slots=True)
class Html:
    """Raw HTML as the trainer wrote it: an inline tag, or a line of an HTML block."""

    value: str


@dataclass(frozen=True, slots=True)
class Math:
    """A ``$math$`` span's source (only with pyromark's math option)."""

    value: str


@dataclass(frozen=True, slots=True)
class TaskMarker:
    """The ``[ ]`` or ``[x]`` opening a task-list item."""

    checked: bool


@dataclass(frozen=True, slots=True)
class FootnoteReference:
    """A ``[^label]`` reference (only with pyromark's footnote option)."""

    label: str


@dataclass(frozen=True, slots=True)
class SoftBreak:
    """A line break inside a paragraph that Markdown shows as a space."""


@dataclass(frozen=True, slots=True)
class HardBreak:
    """A line break the trainer asked for (two trailing spaces or a backslash)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A thematic break (``---``)."""


MarkdownEvent: TypeAlias = (Start | End | Text | Code | Html | Math | TaskMarker
                            | FootnoteReference | SoftBreak | HardBreak | Rule)


class MarkdownWriter:
    """What :func:`walk` calls, one callback per kind of event; each does nothing unless overridden,
    so a writer implements only what it shows."""

    def start(self, tag: Tag) -> None:
        """A container opens."""

    def end(self, name: str) -> None:
        """The innermost open container, named ``name``, closes."""

    def text(self, value: str) -> None:
        """Text to show."""

    def code(self, value: str) -> None:
        """An inline code span."""

    def html(self, value: str) -> None:
        """Raw HTML from the Markdown."""

    def math(self, value: str) -> None:
        """A math span's source."""

    def task_marker(self, checked: bool) -> None:
        """A task-list item's box."""

    def footnote_reference(self, label: str) -> None:
        """A footnote reference."""

    def soft_break(self) -> None:
        """A soft line break."""

    def hard_break(self) -> None:
        """A hard line break."""

    def rule(self) -> None:
        """A thematic break."""


def walk(source: str, writer: MarkdownWriter,
         options: pyromark.Options = LESSON_MARKDOWN) -> None:
    """Parse ``source`` and send each of its events, in order, to ``writer``'s callbacks."""
    for event in events(source, options):
        match event:
            case Text(value):
                writer.text(value)
            case Start(tag):
                writer.start(tag)
            case End(name):
                writer.end(name)
            case Code(value):
                writer.code(value)
            case SoftBreak():
                writer.soft_break()
            case TaskMarker(checked):
                writer.task_marker(checked)
            case HardBreak():
                writer.hard_break()
            case Rule():
                writer.rule()
            case Html(value):
                writer.html(value)
            case Math(value):
                writer.math(value)
            case FootnoteReference(label):
                writer.footnote_reference(label)


def events(source: str, options: pyromark.Options = LESSON_MARKDOWN) -> Iterator[MarkdownEvent]:
    """The events of ``source``, decoded; adjacent text comes merged into one :class:`Text`."""
    for raw in pyromark.events(source, options=options):
        event = _decode(raw)
        if event is not None:
            yield event


def events_with_range(
    source: str, options: pyromark.Options = LESSON_MARKDOWN
) -> Iterator[tuple[MarkdownEvent, int, int]]:
    """The events of ``source``, decoded, each with its source range as UTF-8 byte offsets
    (slice ``source.encode()``, not ``source``). Text is not merged: each piece has its own range.
    """
    for raw, span in pyromark.events_with_range(source, options=options):
        event = _decode(raw)
        if event is not None:
            yield event, span["start"], span["end"]


# Events without a payload of their own are shared: they are immutable, and a library has
# hundreds of thousands of them, most of them the same few starts and ends.
@cache
def _start(name: str) -> Start:
    return Start(Tag(name))


_end = cache(End)
_MARKERS: dict[str, MarkdownEvent] = {
    "SoftBreak": SoftBreak(), "HardBreak": HardBreak(), "Rule": Rule()}
_TASK_MARKERS = {True: TaskMarker(True), False: TaskMarker(False)}


def _decode(raw: Any) -> MarkdownEvent | None:
    """One pyromark event as a typed event, or ``None`` for a kind this module does not know
    (writers skip those, as they skip events they have no use for)."""
    if isinstance(raw, str):
        return _MARKERS.get(raw)
    # Tried in the order they are most common in lessons.
    kind, value = next(iter(raw.items()))
    if kind == "Text":
        return Text(value)
    if kind == "Start":
        return _start(value) if isinstance(value, str) else Start(_tag(value))
    if kind == "End":
        return _end(value if isinstance(value, str) else next(iter(value)))
    if kind == "TaskListMarker":
        return _TASK_MARKERS[bool(value)]
    if kind == "Code":
        return Code(value)
    if kind in ("Html", "InlineHtml"):
        return Html(value)
    if kind in ("InlineMath", "DisplayMath"):
        return Math(value)
    if kind == "FootnoteReference":
        return FootnoteReference(value)
    return None


def _tag(value: dict[str, Any]) -> Tag:
    name, attributes = next(iter(value.items()))
    if name == "Heading":
        return Tag(name, level=int(attributes["level"][1]))
    if name == "List":
        return Tag(name, number=attributes)
    if name in ("Link", "Image"):
        return Tag(name, url=str(attributes["dest_url"]))
    if name == "CodeBlock":
        return Tag(name, info=attributes["Fenced"] if isinstance(attributes, dict) else None)
    return Tag(name)


_MARKUP = re.compile(r"[*_`\[\]<>&\\!~]")


@lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Plain text of inline Markdown ("Use `git add`" -> "Use git add"); images are dropped."""
    if not _MARKUP.search(source):
        return " ".join(source.split())
    writer = _PlainWriter()
    walk(source, writer, pyromark.Options.ENABLE_STRIKETHROUGH)
    return " ".join("".join(writer.pieces).split())


class _PlainWriter(MarkdownWriter):
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.in_image = 0

    def start(self, tag: Tag) -> None:
        if tag.name == "Image":
            self.in_image += 1

    def end(self, name: str) -> None:
        if name == "Image":
            self.in_image -= 1

    def text(self, value: str) -> None:
        if not self.in_image:
            self.pieces.append(value)

    code = text

    def soft_break(self) -> None:
        self.pieces.append(" ")

    hard_break = rule = soft_break
