"""The console adapter: the bot in a terminal, on the same ports as Slack and Telegram.

Inbound, each typed line goes to the :class:`~bot.ports.Host` as the one console learner's
:class:`~bot.messages.Inbound`; outbound, the scheduler's dispatcher sends deliveries through
:meth:`ConsoleAdapter.send`, which prints them. Replies and pushes render with the same
templates. It is also the test backend: a test drives ``answer`` and reads what was written.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.adapters.base import Route
from bot.errors import DatabaseAway
from bot.messages import Inbound, LessonMessage, LookupAnswer, MyData, Outbound, Platform
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
                 renderer: Renderer | None = None, styled: bool = False,
                 files: Path | None = None) -> None:
        self.output = output
        self.files = files
        """Where files for the learner (their `mydata`) are written: this folder, else the
        current one."""
        self.prompt = prompt
        self.renderer = renderer or Renderer()
        self.styled = styled
        """Lessons as formatted Markdown (bold, lists, code, links): for a terminal, not a
        pipe, whose transcript stays plain text."""
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
            recipient.confirm(index - skip)
            self.print(self.show([messages[index]]))
            if progress is not None and index < len(messages) - 1:
                await progress(index + 1, Sent(None))
        return Sent(None)

    async def answer(self, text: str) -> list[str]:
        """The rendered replies to one typed line; a failure is logged and answered politely,
        never fatal."""
        if self._host is None:
            raise RuntimeError("the console adapter is not started: call start(host) first")
        try:
            return self.show(await self._host.handle(to_inbound(text)))
        except DatabaseAway as exc:
            log.warning("%s", exc, extra={"platform": "console"})
            return [self.renderer.phrase("sorry")]
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            log.exception("console message failed", extra={"platform": "console"})
            return [self.renderer.phrase("sorry")]

    def show(self, messages: Sequence[Outbound]) -> list[str]:
        """The text of each message: plain, or, when styled, a lesson's Markdown formatted for
        the terminal."""
        shown = []
        for message in messages:
            text = self.renderer.render(message)
            if self.styled and isinstance(message, LessonMessage | LookupAnswer):
                text = terminal_markdown(text)
            if isinstance(message, LessonMessage) and message.lesson.image:
                # Chat platforms send the lesson's picture first; a terminal names it.
                text = f"[picture: {message.lesson.image}]\n{text}"
            if isinstance(message, MyData):
                text += "\n" + str(self.save(message))
            shown.append(text)
        return shown

    def save(self, message: MyData) -> Path:
        """Write a file for the learner; its path (the terminal has no attachments)."""
        folder = self.files or Path.cwd()
        folder.mkdir(parents=True, exist_ok=True)
        path = (folder / Path(message.filename).name).resolve()
        # Everything about a person: readable by them only (0600), also on a shared machine.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(message.content)
        path.chmod(0o600)  # a file that was there already keeps its old mode otherwise
        return path

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


def terminal_markdown(text: str, width: int | None = None) -> str:
    """Markdown as a terminal shows it (bold, lists, code, links), with rich's ANSI styles."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(width=width or min(shutil.get_terminal_size().columns, 100),
                      force_terminal=True, highlight=False)
    with console.capture() as captured:
        console.print(Markdown(text, hyperlinks=False))
    # rich pads every line to the width: a copied transcript should not carry the padding.
    return "\n".join(line.rstrip() for line in captured.get().rstrip().splitlines())
