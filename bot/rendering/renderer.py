"""Render :class:`~bot.engine.messages.Outbound` messages with one template per kind.

Templates are sandboxed: lesson text comes from trainers and queries from learners, and neither
may reach Python objects. Escaping is the caller's choice: the console shows text as it is;
Slack and Telegram adapters pass their own escape function.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.content.markdown import plain_text
from bot.engine.messages import Outbound

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Renderer:
    """Turns outbound messages into text for one platform."""

    def __init__(self, escape: Callable[[Any], str] | None = None,
                 folder: Path = TEMPLATES) -> None:
        self.environment = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
            finalize=escape, autoescape=False)
        self.environment.filters["plain"] = plain_text
        self.environment.filters["letter"] = lambda index: "ABCDEFGHIJ"[int(index)]

    def render(self, message: Outbound) -> str:
        """The text of one message."""
        template = self.environment.get_template(f"{message.kind.value}.txt")
        return template.render(**message.data, buttons=message.buttons).strip()
