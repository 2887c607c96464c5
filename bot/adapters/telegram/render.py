"""Neutral outbound messages as the Telegram messages that carry them (no network here).

Every message is rendered with the shared templates (Telegram's own versions of ``lesson``,
``lookup`` and ``question``, and the words only Telegram shows, live in ``templates/``), then
escaped *as a whole*: the learner's and the trainer's text and the templates' own words alike.
Only the HTML this module makes
itself (bold titles, a lesson's Markdown as Telegram HTML) survives, through placeholders that
nobody else can forge. The result is split under Telegram's limits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot.adapters.telegram.formatting import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    escape,
    markdown_to_html,
    split_html,
    visible_length,
)
from bot.content.images import image_path
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question
from bot.messages import (
    LessonMessage,
    LookupAnswer,
    MyData,
    NoMatch,
    Outbound,
    QuestionMessage,
    RateLesson,
)
from bot.rendering.renderer import TEMPLATES, Renderer

OWN_TEMPLATES = Path(__file__).resolve().parent / "templates"
CALLBACK_DATA_LIMIT = 64
"""Bytes of ``callback_data`` Telegram accepts."""
POLL_QUESTION_LIMIT = 300
POLL_OPTION_LIMIT = 100
POLL_OPTIONS = (2, 12)
POLL_EXPLANATION_LIMIT = 200
BUTTON_LABEL = 60
"""Characters of a choice shown on its button (Telegram cuts long labels on screen anyway)."""
MULTI_TAG = "m"
"""Callback data of a select-all question's keyboard: ``m:{ask}:{ticked mask}:{index|ok}``."""


@dataclass(frozen=True)
class Button:
    """One inline keyboard button: its label and callback data."""

    label: str
    data: str


@dataclass(frozen=True)
class Text:
    """A text message in Telegram HTML, with an inline keyboard (rows of buttons) or none."""

    html: str
    keyboard: tuple[tuple[Button, ...], ...] = ()
    ask_id: int | None = None
    """The ask whose question this text shows with its answer buttons, if any."""


@dataclass(frozen=True)
class Photo:
    """A photo: a URL, or a local file to upload; its caption in Telegram HTML, with an inline
    keyboard or none."""

    source: str
    local: bool
    caption: str
    keyboard: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Poll:
    """A native, non-anonymous quiz poll standing for the ask ``ask_id``."""

    question: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str
    ask_id: int


@dataclass(frozen=True)
class Document:
    """A file for the learner (their `mydata`), with a caption in Telegram HTML."""

    filename: str
    content: bytes
    caption: str


Part = Text | Photo | Poll | Document
_PLACEHOLDER = re.compile("\ue000([0-9a-f]{8})(\\d+)\ue001")


class TelegramRenderer:
    """Turns one neutral message into the Telegram messages that carry it."""

    def __init__(self, lessons_dir: Path | str, quiz_style: str = "buttons") -> None:
        self.lessons_dir = Path(lessons_dir)
        self.quiz_style = quiz_style
        self._renderer = Renderer(folders=(OWN_TEMPLATES, TEMPLATES))
        environment = self._renderer.environment
        environment.filters["bold"] = self._tag("b")
        environment.filters["italic"] = self._tag("i")
        environment.filters["markdown"] = lambda source, links=(): self._keep(markdown_to_html(
            str(source), {url: escape(hint) for url, hint in
                          self._renderer.link_hints(links).items()}))
        self._nonce = ""
        self._kept: list[str] = []

    # -- HTML ---------------------------------------------------------------------------------

    def _keep(self, html: str) -> str:
        """A placeholder for HTML made here; restored after the whole text is escaped."""
        self._kept.append(html)
        return f"\ue000{self._nonce}{len(self._kept) - 1}\ue001"

    def _tag(self, name: str) -> Callable[[object], str]:
        def wrap(value: object) -> str:
            return self._keep(f"<{name}>{escape(value)}</{name}>")
        return wrap

    def html(self, message: Outbound) -> str:
        """One message as Telegram HTML (not yet split)."""
        return self._html(lambda: self._renderer.render(message))

    def phrase(self, name: str, **values: object) -> str:
        """The words of the template ``{name}.txt`` as Telegram HTML (see
        :meth:`bot.rendering.renderer.Renderer.phrase`)."""
        return self._html(lambda: self._renderer.phrase(name, **values))

    def _html(self, render: Callable[[], str]) -> str:
        self._nonce, self._kept = secrets.token_hex(4), []
        text = escape(render())
        nonce, kept = self._nonce, self._kept

        def restore(match: re.Match[str]) -> str:
            if match.group(1) != nonce:
                return match.group(0)
            return kept[int(match.group(2))]

        for _ in range(8):  # placeholders inside kept pieces (a filter block around a title)
            text, found = _PLACEHOLDER.subn(restore, text)
            if not found:
                break
        return text.strip()

    # -- parts --------------------------------------------------------------------------------

    def parts(self, message: Outbound) -> list[Part]:
        """The Telegram messages for one neutral message, in order."""
        match message:
            case QuestionMessage():
                return self.question(message)
            case MyData(filename=filename, content=content):
                return [Document(filename, content.encode("utf-8"),
                                 split_html(self.html(message), CAPTION_LIMIT)[0])]
            case LessonMessage(lesson=lesson) if (image := self.image(lesson)) is not None:
                return self.with_keyboard(self.with_photo(self.html(message), *image),
                                          self.action_keyboard(message))
        return self.with_keyboard(
            [Text(piece) for piece in split_html(self.html(message), MESSAGE_LIMIT)],
            self.action_keyboard(message))

    def action_keyboard(self, message: Outbound) -> tuple[tuple[Button, ...], ...]:
        """The "Got it" under a lesson, "Add to my reviews" and "Not what I asked" under a
        lookup, the two rating buttons under "was it useful?", a button for each lesson
        offered under "Did you mean"."""
        labels = dict(self._renderer.menu("buttons"))
        match message:
            case RateLesson(up=up, down=down):
                pair = tuple(Button(labels[tag], value) for tag, value in (("up", up),
                                                                             ("down", down))
                             if fits_callback(value))
                return (pair,) if len(pair) == 2 else ()
            case LessonMessage(done=value) if value:
                tag = "read"
            case LookupAnswer(add=add, not_it=not_it) if add or not_it:
                row = tuple(Button(labels[tag], value) for tag, value in (("add", add),
                                                                         ("notit", not_it))
                            if value and fits_callback(value))
                return (row,) if row else ()
            case NoMatch(suggestions=titles, picks=picks) if picks:
                # One lesson a row: titles are long ("Did you mean" buttons read them).
                return tuple((Button(_label(number, title), value),)
                             for number, (title, value) in enumerate(
                                 zip(titles, picks, strict=False), 1)
                             if fits_callback(value))
            case _:
                return ()
        return ((Button(labels[tag], value),),) if fits_callback(value) else ()

    @staticmethod
    def with_keyboard(parts: list[Part],
                      keyboard: tuple[tuple[Button, ...], ...]) -> list[Part]:
        """The keyboard goes under the last part (the end of the lesson)."""
        if not keyboard or not parts:
            return parts
        last = parts[-1]
        if isinstance(last, Text):
            return [*parts[:-1], Text(last.html, keyboard)]
        if isinstance(last, Photo):
            return [*parts[:-1], Photo(last.source, last.local, last.caption, keyboard)]
        return parts

    def with_photo(self, html: str, source: str, local: bool) -> list[Part]:
        """A lesson with its image: all of it in the caption when it fits, else the title as
        the caption and the rest as text."""
        if visible_length(html) <= CAPTION_LIMIT:
            return [Photo(source, local, html)]
        header, _, rest = html.partition("\n\n")
        captions = split_html(header, CAPTION_LIMIT)
        rest = "\n\n".join([*captions[1:], rest])
        return [Photo(source, local, captions[0] if captions else ""),
                *(Text(piece) for piece in split_html(rest, MESSAGE_LIMIT))]

    def image(self, lesson: Lesson) -> tuple[str, bool] | None:
        """The lesson's image: (URL, False) or (local path, True); None when there is none."""
        if not lesson.image:
            return None
        if urlparse(lesson.image).scheme in ("http", "https"):
            return lesson.image, False
        path = image_path(self.lessons_dir, lesson.path, lesson.image)
        if path is None or not path.is_file():
            return None
        return str(path), True

    @property
    def submit(self) -> str:
        """The label of a select-all question's Submit button."""
        return self._renderer.phrase("question_submit")

    def question(self, message: QuestionMessage) -> list[Part]:
        """A quiz question: a native quiz poll when asked for and it fits (after a text that
        names it, as a question with buttons is named), else text with an inline keyboard
        (single choice: one press answers; select-all: tick, then Submit). A baseline check's
        question is never a quiz poll: a poll shows the right answer."""
        question, ask_id = message.question, message.ask_id
        if self.quiz_style == "poll" and message.check != "pre" and not message.levels:
            poll = as_poll(question, ask_id, message.number, message.of,
                           self._renderer.link_hints(message.links))
            if poll is not None:
                # Named first, as a question with buttons is ("Question 2 of 5 (lesson)"),
                # with its situation, if any: a poll holds only the question and choices.
                intro = self.phrase("poll_intro", lesson=message.lesson, question=question,
                                    number=message.number, of=message.of, links=message.links)
                return [*(Text(piece) for piece in split_html(intro, MESSAGE_LIMIT)), poll]
        pieces = split_html(self.html(message), MESSAGE_LIMIT)
        if len(question.correct_indexes) > 1:
            keyboard = multi_keyboard(ask_id, [b.label for b in message.buttons], 0,
                                      self.submit)
        elif message.levels:  # how sure, in the same tap: a row per choice, a button a level
            levels = message.levels
            keyboard = tuple(
                tuple(Button(self._renderer.phrase("confidence_button", number=choice + 1,
                                                   level=level),
                             button.value)
                      for button, level in zip(message.buttons[choice * len(levels):
                                                               (choice + 1) * len(levels)],
                                               levels, strict=True)
                      if fits_callback(button.value))
                for choice in range(len(question.choices)))
        else:
            keyboard = single_keyboard([(b.label, b.value) for b in message.buttons])
        return [*(Text(piece) for piece in pieces[:-1]), Text(pieces[-1], keyboard, ask_id)]


def command_menu() -> tuple[tuple[str, str], ...]:
    """The command menu Telegram shows: (command, description) from ``templates/commands.txt``."""
    return tuple(Renderer(folders=(OWN_TEMPLATES,)).menu("commands"))


def _label(number: int, label: str) -> str:
    label = " ".join(label.split())
    if len(label) > BUTTON_LABEL:
        label = label[:BUTTON_LABEL - 1].rstrip() + "…"
    return f"{number}) {label}"


def fits_callback(data: str) -> bool:
    """True when Telegram accepts ``data`` as callback data (1-64 bytes)."""
    return 0 < len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT


def single_keyboard(buttons: list[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    """One button per row; a value too long for Telegram leaves its button out (the learner can
    still type the number)."""
    return tuple((Button(_label(number, label), value),)
                 for number, (label, value) in enumerate(buttons, 1) if fits_callback(value))


def multi_keyboard(ask_id: int, labels: list[str], ticked: int,
                   submit: str) -> tuple[tuple[Button, ...], ...]:
    """A select-all question's keyboard: each choice toggles a tick, ``submit`` (the last
    button's label) sends them."""
    rows = [(Button(("☑ " if ticked >> index & 1 else "☐ ") + _label(index + 1, label),
                    f"{MULTI_TAG}:{ask_id}:{ticked}:{index}"),)
            for index, label in enumerate(labels)]
    rows.append((Button(submit, f"{MULTI_TAG}:{ask_id}:{ticked}:ok"),))
    return tuple(rows)


def multi_labels(texts: list[str]) -> list[str]:
    """The choices' own labels back from a select-all keyboard's button texts."""
    return [re.sub(r"^[☑☐] \d+\) ", "", text) for text in texts]


def parse_multi(data: str) -> tuple[int, int, int | None] | None:
    """(ask id, ticked mask, index pressed or None for Submit) of a select-all button."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != MULTI_TAG:
        return None
    try:
        ask_id, ticked = int(parts[1]), int(parts[2])
        index = None if parts[3] == "ok" else int(parts[3])
    except ValueError:
        return None
    if ticked < 0 or ticked >= 1 << 16 or (index is not None and not 0 <= index < 16):
        return None
    return ask_id, ticked, index


def as_poll(question: Question, ask_id: int, number: int = 0, of: int = 0,
            hints: Mapping[str, str] | None = None) -> Poll | None:
    """The question as a native quiz poll, or None when it does not fit Telegram's poll limits
    (it then goes out with buttons). A message before it names the question (its place and
    lesson) and holds its detail, if any.
    In a pushed set, the poll's text starts with its place ("2/5 · "), room permitting.
    ``hints``: how to open the lessons its links lead to, by link (plain text)."""
    text = plain_text(question.text, hints)
    counted = f"{number}/{of} · {text}" if of > 1 else text
    if len(counted) <= POLL_QUESTION_LIMIT:
        text = counted
    options = tuple(plain_text(choice.text, hints) for choice in question.choices)
    low, high = POLL_OPTIONS
    if (not 0 < len(text) <= POLL_QUESTION_LIMIT
            or not low <= len(options) <= high
            or any(not 0 < len(option) <= POLL_OPTION_LIMIT for option in options)
            or len(set(options)) != len(options) or not question.correct_indexes):
        return None
    explanation = plain_text(question.explanation, hints)
    if len(explanation) > POLL_EXPLANATION_LIMIT:
        explanation = explanation[:POLL_EXPLANATION_LIMIT - 1].rstrip() + "…"
    return Poll(text, options, question.correct_indexes, explanation, ask_id)
