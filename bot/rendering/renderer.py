"""Render outbound messages (:data:`bot.messages.Outbound`) with one template per kind.

A message's template is ``{kind}.txt``, given the message's fields as variables. Smaller
templates hold the words a platform shows around a message (``feedback_title.txt``: "Right!");
:meth:`Renderer.phrase` renders those, so no learner-facing sentence lives in Python code.

Templates are sandboxed: lesson text comes from trainers and queries from learners, and neither
may reach Python objects. Escaping is the caller's choice: the console shows text as it is;
Slack and Telegram adapters pass their own escape function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.content.markdown import plain_text, with_link_hints
from bot.content.model import track_title
from bot.messages import LessonLinks, Outbound

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Renderer:
    """Turns outbound messages into text for one platform.

    ``folders`` are searched in order, so a platform's own folder can hold its version of a
    template and take the shared one for the rest.
    """

    def __init__(self, escape: Callable[[Any], str] | None = None,
                 folders: Sequence[Path] = (TEMPLATES,)) -> None:
        self.environment = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader([str(folder) for folder in folders]),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=False, finalize=escape, autoescape=False)
        self.environment.filters["plain"] = \
            lambda source, links=(): plain_text(source, self.link_hints(links))
        self.environment.filters["linked"] = \
            lambda source, links=(): with_link_hints(source, self.link_hints(links))
        self.environment.filters["track"] = track_title
        self.environment.filters["letter"] = lambda index: "ABCDEFGHIJ"[int(index)]

    def render(self, message: Outbound) -> str:
        """The text of one message: its kind's template, given the message's fields."""
        values = {field.name: getattr(message, field.name) for field in fields(message)}
        return self.phrase(message.kind.value, **values)

    def phrase(self, name: str, **values: Any) -> str:
        """The text of the template ``{name}.txt`` (a message's, or words shown with one)."""
        return self.environment.get_template(f"{name}.txt").render(**values).strip()

    def link_hints(self, links: LessonLinks) -> dict[str, str]:
        """How to open the lesson each link leads to (``lesson_link.txt``: 'type "learn ..."'),
        by the link as written, escaped as this renderer escapes."""
        return {url: self.phrase("lesson_link", title=title) for url, title in links}

    def menu(self, name: str) -> list[tuple[str, str]]:
        """(word, label) for each ``word: label`` line of the template ``{name}.txt`` (a menu
        of commands, each with the words a learner sees)."""
        entries = []
        for line in self.phrase(name).splitlines():
            word, _, label = line.partition(":")
            if word.strip():
                entries.append((word.strip(), label.strip()))
        return entries
