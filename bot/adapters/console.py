"""The console adapter: the bot in a terminal, on the same ports as Slack and Telegram.

Inbound, each typed line goes to the :class:`~bot.ports.Host` as the one console learner's
:class:`~bot.messages.Inbound`; outbound, the scheduler's dispatcher sends deliveries through
:meth:`ConsoleAdapter.send`, which prints them. Replies and pushes render with the same
templates. It is also the test backend: a test drives ``answer`` and reads what was written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TextIO

from bot.adapters.base import Route
from bot.messages import Inbound, Outbound, Platform
from bot.ports import Host, Progress, Recipient, Sent
from bot.rendering.renderer import Renderer

log = logging.getLogger(__name__)

USER = "you"
"""The console learner's user id (and chat id): trainers name them as 'console:you'."""
QUIT = ("/quit", "quit", "/exit", "exit")


def to_inbound(text: str) -> Inbound:
    """A typed line as the neutral event (the console has one learner)."""
    return Inbound(Platform.CONSOLE, USER, chat_id=USER, text=text, display_name="You")


class ConsoleAdapter:
    """Prints replies and pushes to ``output``; one platform message per neutral message."""

    platform = Platform.CONSOLE

    def __init__(self, output: TextIO, prompt: bool = False,
                 renderer: Renderer | None = None) -> None:
        self.output = output
        self.prompt = prompt
        self.renderer = renderer or Renderer()
        self._host: Host | None = None

    async def start(self, host: Host) -> None:
        """Take events to ``host`` from now on."""
        self._host = host

    def routes(self) -> Sequence[Route]:
        """The console serves no HTTP endpoint."""
        return ()

    async def stop(self) -> None:
        """Nothing to close: the terminal stays the caller's."""
        self._host = None

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        """Print one delivery (see :class:`~bot.ports.Sender`)."""
        for index in range(skip, len(messages)):
            self.print([self.renderer.render(messages[index])])
            if progress is not None and index < len(messages) - 1:
                await progress(index + 1, Sent(None))
        return Sent(None)

    async def answer(self, text: str) -> list[str]:
        """The rendered replies to one typed line; a failure is logged and answered politely,
        never fatal."""
        if self._host is None:
            raise RuntimeError("the console adapter is not started: call start(host) first")
        try:
            replies = await self._host.handle(to_inbound(text))
            return [self.renderer.render(reply) for reply in replies]
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            log.exception("console message failed", extra={"platform": "console"})
            return [self.renderer.phrase("sorry")]

    def ask(self) -> None:
        """Show the prompt, in a terminal only (a prompt in a pipe garbles scripted output)."""
        if self.prompt:
            self.output.write("> ")
            self.output.flush()

    def bye(self) -> str:
        """The words the console leaves with."""
        return self.renderer.phrase("bye")

    def print(self, replies: Sequence[str]) -> None:
        """Write replies, a blank line after each."""
        for reply in replies:
            self.output.write(reply + "\n\n")
        self.output.flush()
