"""One walker over a Markdown document's events, for every writer; and plain text from Markdown.

pyromark (pulldown-cmark) yields each event as a bare string (``"SoftBreak"``) or a one-key dict
(``{"Start": {"Heading": {...}}}``, ``{"End": "Paragraph"}``, ``{"Text": "..."}``).
:meth:`MarkdownWalker.walk` decodes them in one place and calls one method per kind of event, with
typed arguments (a container's :class:`Tag`, a text, a task box's state), the way
:class:`html.parser.HTMLParser` calls ``handle_starttag``. Plain text here, Telegram HTML and
Slack mrkdwn in the adapters and the lesson parser are subclasses that override only the methods
they need, and none of them reads pyromark's shapes.

Quiz questions, choices and explanations keep the trainer's inline Markdown (so a renderer can
show `code` or **bold** where the platform allows it); :func:`plain_text` gives the text a quiz
poll or a button needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyromark
from pyromark.event import Range

LESSON_MARKDOWN = (pyromark.Options.ENABLE_TASKLISTS | pyromark.Options.ENABLE_TABLES
                   | pyromark.Options.ENABLE_STRIKETHROUGH)
"""The Markdown lessons are written in: CommonMark plus GitHub's task lists, tables and ~~strike~~."""


@dataclass(frozen=True, slots=True)
class Tag:
    """A container as it opens: its name and the attributes a walker may need."""

    name: str
    """pulldown-cmark's name for it: ``Paragraph``, ``Heading``, ``List``, ``Item``, ``Link``,
    ``Image``, ``CodeBlock``, ``BlockQuote``, ``Emphasis``, ``Strong``, ``Table``, ``TableCell``..."""
    level: int = 0
    """A heading's level, 1 to 6."""
    number: int | None = None
    """An ordered list's first number; ``None`` for a bullet list."""
    url: str = ""
    """A link's or an image's destination (a reference link's resolved; an email autolink's,
    ``<ann@example.com>``, with its ``mailto:``)."""
    info: str | None = None
    """A fenced code block's info string (``""`` for a bare fence); ``None`` for an indented one."""


class MarkdownWalker:
    """Walks a Markdown document's events, calling one method per event in document order.

    Every method does nothing here: a subclass overrides those it has a use for. While a method
    runs, :attr:`span` is the event's place in the source.
    """

    span: Range
    """The current event's source range, as UTF-8 byte offsets: slice ``source.encode()`` with
    ``span["start"]`` and ``span["end"]``, not ``source``."""

    def walk(self, source: str, options: pyromark.Options = LESSON_MARKDOWN, *,
             merge_text: bool = True) -> None:
        """Parse ``source`` and call this walker's methods for its events, in order.

        Adjacent pieces of text come as one :meth:`text` call unless ``merge_text`` is false,
        which saves copying them for a walker that joins its text anyway. Event kinds that
        pyromark may add later, or that no method here stands for, are skipped.
        """
        # Decoded inline rather than into an event object per event: lessons have hundreds of
        # thousands of events, and the lesson parser walks them all on every load. The events are
        # pyromark's TypedDicts, read here by their keys alone (hence Any).
        stream: Iterator[tuple[Any, Range]] = pyromark.events_with_range(
            source, options=options, merge_text=merge_text)
        for raw, span in stream:
            self.span = span
            if raw.__class__ is str:
                if raw == "SoftBreak":
                    self.soft_break()
                elif raw == "HardBreak":
                    self.hard_break()
                elif raw == "Rule":
                    self.rule()
                continue
            (kind, value), = raw.items()
            if kind == "Text":  # tried in the order they are most common in lessons
                self.text(value)
            elif kind == "Start":
                self.start(_tag(value))
            elif kind == "End":
                if value.__class__ is not str:
                    (value, _), = value.items()  # {"Heading": "H2"}: the level is in the start
                self.end(value)
            elif kind == "TaskListMarker":
                self.task_marker(value)
            elif kind == "Code":
                self.code(value)
            elif kind == "InlineHtml":
                # A comment inside a paragraph is a trainer's note, as one on lines of its own
                # is: no writer shows it (pulldown-cmark gives it whole, as one event).
                if not (value.startswith("<!--") and value.endswith("-->")):
                    self.html(value)
            elif kind == "Html":
                self.html(value)
            elif kind in ("InlineMath", "DisplayMath"):
                self.math(value)
            elif kind == "FootnoteReference":
                self.footnote_reference(value)

    def start(self, tag: Tag) -> None:
        """A container opens; everything up to the :meth:`end` of the same name is inside it."""

    def end(self, name: str) -> None:
        """The innermost open container, named ``name``, closes."""

    def text(self, value: str) -> None:
        """Text, with Markdown's escapes and entities resolved."""

    def code(self, value: str) -> None:
        """An inline code span's text."""

    def html(self, value: str) -> None:
        """Raw HTML as the trainer wrote it: an inline tag, or a line of an HTML block."""

    def math(self, value: str) -> None:
        """A ``$math$`` span's source (only with pyromark's math option)."""

    def task_marker(self, checked: bool) -> None:
        """The ``[ ]`` or ``[x]`` opening a task-list item."""

    def footnote_reference(self, label: str) -> None:
        """A ``[^label]`` reference (only with pyromark's footnote option)."""

    def soft_break(self) -> None:
        """A line break inside a paragraph, which Markdown shows as a space."""

    def hard_break(self) -> None:
        """A line break the trainer asked for (two trailing spaces or a backslash)."""

    def rule(self) -> None:
        """A thematic break (``---``)."""


# Tags are shared rather than built again where their attributes allow: a tag is immutable, and
# a library has hundreds of thousands of them, nearly all the same few.
_PLAIN_TAGS: dict[str, Tag] = {}


def _tag(value: Any) -> Tag:
    """pyromark's ``{"Start": value}`` as a :class:`Tag`."""
    if value.__class__ is str:
        return _PLAIN_TAGS.get(value) or _PLAIN_TAGS.setdefault(value, Tag(value))
    (name, attributes), = value.items()
    if name in ("Link", "Image"):
        url = str(attributes["dest_url"])
        if attributes.get("link_type") == "Email":  # '<ann@example.com>': CommonMark's mailto
            url = "mailto:" + url
        return Tag(name, url=url)
    if name == "Heading":
        return _shared_tag(name, level=int(attributes["level"][1]))
    if name == "List":
        return _shared_tag(name, number=attributes)
    if name == "CodeBlock":
        return Tag(name, info=attributes["Fenced"] if isinstance(attributes, dict) else None)
    return _shared_tag(name)  # a block quote's alert kind, a table's alignments: not used


@lru_cache(maxsize=256)  # bounded: a list's first number is the trainer's to choose
def _shared_tag(name: str, level: int = 0, number: int | None = None) -> Tag:
    return Tag(name, level=level, number=number)


_MARKUP = re.compile(r"[*_`\[\]<>&\\!~]")


def plain_text(source: str, hints: Mapping[str, str] | None = None) -> str:
    """Plain text of inline Markdown ("Use `git add`" -> "Use git add"); images are dropped.

    ``hints``: words to show after a link's words, by the link's destination as written (how
    to open the lesson a link to a lesson file leads to: "Strong passwords (type ...)").
    """
    if hints:  # a lesson that links to lessons: rare enough to go uncached
        return _plain_text(source, hints)
    return _cached_plain_text(source)


@lru_cache(maxsize=4096)
def _cached_plain_text(source: str) -> str:
    if not _MARKUP.search(source):
        return " ".join(source.split())
    return _plain_text(source, None)


def _plain_text(source: str, hints: Mapping[str, str] | None) -> str:
    walker = _PlainText(hints or {})
    walker.walk(source, pyromark.Options.ENABLE_STRIKETHROUGH)
    return " ".join("".join(walker.pieces).split())


class _PlainText(MarkdownWalker):
    def __init__(self, hints: Mapping[str, str]) -> None:
        self.pieces: list[str] = []
        self.in_image = 0
        self.hints = hints
        self.links: list[str] = []

    def start(self, tag: Tag) -> None:
        if tag.name == "Image":
            self.in_image += 1
        elif tag.name == "Link":
            self.links.append(tag.url)

    def end(self, name: str) -> None:
        if name == "Image":
            self.in_image -= 1
        elif name == "Link":
            hint = self.hints.get(self.links.pop())
            if hint and not self.in_image:
                self.pieces.append(f" {hint}")

    def text(self, value: str) -> None:
        if not self.in_image:  # an image's alt text is not part of the sentence
            self.pieces.append(value)

    code = text
    # Raw HTML is shown as the trainer typed it, as the adapters show it in a lesson's text:
    # "Press <Enter>" keeps its key (a comment never comes here).
    html = text

    def soft_break(self) -> None:
        self.pieces.append(" ")

    hard_break = rule = soft_break


def with_link_hints(source: str, hints: Mapping[str, str]) -> str:
    """Markdown ``source`` with each link whose destination (as written) is in ``hints`` made
    its words followed by its hint: ``[Strong passwords](passwords.md)`` becomes ``Strong
    passwords (type ...)`` (for a reader of Markdown, such as a terminal, that has no lesson
    folder to open the link in). Other links, and code, are left as they are."""
    if not hints or "[" not in source:
        return source
    walker = _LinkSpans(hints)
    walker.walk(source)
    if not walker.found:
        return source
    raw = source.encode()
    kept = bytearray()
    at = 0
    for start, label, end, hint in walker.found:
        if raw[start:start + 1] != b"[":  # not '[words](...)' nor '[words][ref]'
            continue
        words = raw[start + 1:label].decode() if label > start else ""
        kept += raw[at:start] + (f"{words} {hint}" if words.strip() else hint).encode()
        at = end
    kept += raw[at:]
    return kept.decode()


class _LinkSpans(MarkdownWalker):
    """Where each link with a hint is: (start, end of its words, end, hint), in UTF-8 bytes."""

    def __init__(self, hints: Mapping[str, str]) -> None:
        self.hints = hints
        self.open: list[tuple[int, int, str | None]] = []  # start, end of words so far, hint
        self.found: list[tuple[int, int, int, str]] = []

    def _inside(self) -> None:
        if self.open:
            start, _, hint = self.open[-1]
            self.open[-1] = (start, max(self.open[-1][1], self.span["end"]), hint)

    def start(self, tag: Tag) -> None:
        self._inside()
        if tag.name == "Link":
            start = self.span["start"]
            self.open.append((start, start, self.hints.get(tag.url)))

    def end(self, name: str) -> None:
        if name == "Link" and self.open:
            start, words, hint = self.open.pop()
            if hint is not None:
                self.found.append((start, words, self.span["end"], hint))
        self._inside()

    def text(self, value: str) -> None:
        self._inside()

    code = html = math = text

    def soft_break(self) -> None:
        self._inside()

    hard_break = soft_break


_HTML_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_GONE = b"\xff"
"""Where a comment was: a byte UTF-8 never holds, so no text of the lesson is taken for it."""


def without_comments(source: str) -> str:
    """``source`` without its HTML comments (trainers' notes, never for learners), wherever
    Markdown reads one: inside a paragraph, a list item, or an HTML block with text after it
    on its line ("<!-- note --> more text"). Comments inside code are kept, being the code's
    text; a line left empty by a comment is dropped, so a paragraph stays one."""
    if "<!--" not in source:
        return source
    raw = source.encode()
    cuts: list[tuple[int, int]] = []
    html_block: int | None = None
    for event, span in pyromark.events_with_range(source, options=LESSON_MARKDOWN):
        if event == {"Start": "HtmlBlock"}:
            html_block = span["start"]
        elif event == {"End": "HtmlBlock"} and html_block is not None:
            cuts.extend(found.span() for found in
                        _HTML_COMMENT.finditer(raw, html_block, span["end"]))
            html_block = None
        elif isinstance(event, dict) and "InlineHtml" in event and \
                _HTML_COMMENT.fullmatch(raw, span["start"], span["end"]):
            cuts.append((span["start"], span["end"]))
    if not cuts:
        return source
    kept = bytearray()
    at = 0
    for start, end in sorted(cuts):
        kept += raw[at:start] + _GONE
        at = end
    kept += raw[at:]
    lines = [line for line in kept.split(b"\n")
             if _GONE not in line or line.replace(_GONE, b"").strip()]
    return b"\n".join(lines).replace(_GONE, b"").decode()
