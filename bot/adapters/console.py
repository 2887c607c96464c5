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
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
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


def to_inbound(text: str, time_zone: str | None = None) -> Inbound:
    """A typed line as the neutral event (the console has one learner; ``time_zone``: the
    one they gave, as a platform's profile gives one)."""
    return Inbound(Platform.CONSOLE, USER, chat_id=USER, text=text, display_name="You",
                   time_zone=time_zone)


class ConsoleAdapter:
    """Prints replies and pushes to ``output``; one platform message per neutral message."""

    platform = Platform.CONSOLE

    def __init__(self, output: TextIO, prompt: bool = False,
                 renderer: Renderer | None = None, styled: bool = False,
                 files: Path | None = None, time_zone: str | None = None) -> None:
        self.output = output
        self.time_zone = time_zone
        """The learner's time zone when they gave one (`demo --timezone`): enrolled in it,
        they are greeted in their own time zone, not asked where they are."""
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
            return self.show(await self._host.handle(to_inbound(text, self.time_zone)))
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


class Prompt:
    """The prompt a person types at in a terminal, and the one way other threads write to
    that terminal while it waits (the lesson folder's watcher, lookup loading in the
    background): such a line goes on a line of its own above the prompt, which is drawn again
    with what was typed so far. Written straight to the terminal, a log line had run on after
    the prompt ("> xyz2026-... ERROR ...") and left the person typing on a line with no
    prompt.

    ``read`` shows the prompt and reads a line (``input``, which has line editing and history
    where readline is loaded); ``typed`` tells what is typed so far (readline's line buffer)."""

    def __init__(self, text: str = "> ", output: TextIO | None = None,
                 read: Callable[[str], str] = input,
                 typed: Callable[[], str] | None = None) -> None:
        self.text = text
        self.output = output if output is not None else sys.stdout
        self._read = read
        self._typed = typed if typed is not None else _line_buffer
        self._lock = threading.Lock()
        self._waiting = False

    def lines(self) -> Iterator[str]:
        """Lines typed at the prompt, until end of input (Ctrl-D)."""
        while True:
            with self._lock:
                self._waiting = True
            try:
                line = self._read(self.text)
            except EOFError:
                return
            finally:
                with self._lock:
                    self._waiting = False
            yield line

    def write(self, text: str, stream: TextIO) -> None:
        """Write ``text`` as a line of its own to ``stream``: above the prompt, drawn again
        after it, while the prompt waits on the same screen; as it is otherwise."""
        with self._lock:
            if self._waiting and _same_screen(stream, self.output):
                stream.write(f"\r{CLEAR_LINE}{text}\n")
                stream.flush()
                self.output.write(self.text + self._typed())
                self.output.flush()
            else:
                stream.write(text + "\n")
                stream.flush()


CLEAR_LINE = "\x1b[K"
"""The terminal's 'erase to the end of the line' (after a carriage return: the prompt's line)."""


class PromptLog(logging.Handler):
    """Log records written through a :class:`Prompt`, so a warning from another thread shows
    above the prompt instead of running into what is being typed."""

    def __init__(self, prompt: Prompt, stream: TextIO, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.prompt = prompt
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.prompt.write(self.format(record), self.stream)
        except Exception:  # logging's own rule: a failing handler reports, never raises
            self.handleError(record)


def _same_screen(stream: TextIO, output: TextIO) -> bool:
    """Whether ``stream`` shows where the prompt does: the same stream, or both terminals
    (standard error and output in a terminal; not a log redirected to a file)."""
    if stream is output:
        return True
    try:
        return stream.isatty() and output.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def _line_buffer() -> str:
    """What is typed at the prompt so far (readline's buffer; nothing without readline)."""
    readline = sys.modules.get("readline")
    get = getattr(readline, "get_line_buffer", None)
    return str(get()) if get is not None else ""


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
