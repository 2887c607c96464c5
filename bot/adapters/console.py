"""The console adapter: the bot in a terminal, one line in, the replies out.

It reads line by line, so it works the same typed by hand or fed through a pipe, and prints a
prompt only to a terminal (a prompt in a pipe would garble scripted output).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.messages import Inbound, Platform
from bot.rendering.renderer import Renderer

log = logging.getLogger(__name__)

USER = "you"
QUIT = ("/quit", "quit", "/exit", "exit")


def to_inbound(text: str) -> Inbound:
    """A typed line as the neutral event (the console has one learner)."""
    return Inbound(Platform.CONSOLE, USER, chat_id=USER, text=text, display_name="You")


class ConsoleAdapter:
    """Feeds lines to ``respond`` and prints the replies until the lines end or '/quit'."""

    def __init__(self, respond: Callable[[str], Iterable[str]], output: TextIO,
                 prompt: bool = False) -> None:
        self.respond = respond
        self.output = output
        self.prompt = prompt
        self.words = Renderer()

    def run(self, lines: Iterable[str], first: str | None = "start") -> None:
        """Answer ``first`` (a greeting), then every line."""
        if first is not None:
            self.print(self.respond(first))
        self.ask()
        for line in lines:
            text = line.strip()
            if text.lower() in QUIT:
                break
            self.print(self.answer(text))
            self.ask()
        self.print([self.words.phrase("bye")])

    def answer(self, text: str) -> Iterable[str]:
        """The replies to one line; a failure is logged and answered politely, never fatal."""
        try:
            return list(self.respond(text))
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            log.exception("console message failed", extra={"platform": "console"})
            return [self.words.phrase("sorry")]

    def ask(self) -> None:
        if self.prompt:
            self.output.write("> ")
            self.output.flush()

    def print(self, replies: Iterable[str]) -> None:
        for reply in replies:
            self.output.write(reply + "\n\n")
        self.output.flush()
