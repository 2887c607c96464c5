"""Slack's mrkdwn: escaping text, and the trainers' Markdown turned into it.

Slack decodes exactly three entities in message text, ``&amp; &lt; &gt;``, and treats a bare
``<`` as the start of a link or mention: so every piece of text that is not our own markup goes
through :func:`escape`, and nothing else is entity-encoded (``&#39;`` would show as typed).
Inbound text arrives the other way round, escaped and with links as ``<url|label>``:
:func:`to_plain` undoes that before the engine sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import emoji

from bot.content.markdown import MarkdownWalker, Tag

_WRAPS = {"Strong": "*", "Emphasis": "_", "Strikethrough": "~"}
_SLACK_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def escape(value: Any) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities; everything else as it is."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_plain(text: str) -> str:
    """What a person typed, from Slack's escaped message text: ``<https://x|x>`` becomes its
    label, ``<@U123>`` stays a readable mention, and the three entities are decoded."""
    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            return label
        if target.startswith(("@", "#", "!")):
            return f"<{target}>"  # a mention: keep it recognisable, it is not a lookup word
        return target.removeprefix("mailto:")
    plain = _SLACK_MARKUP.sub(replace, text)
    return emojis(plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


_SHORTCODE = re.compile(r"(?<![^\s:]):(?=[^:\s]*[a-z]|[+-]1:)[a-z0-9_+'-]+:(?![^\s:])",
                        re.IGNORECASE)
"""A shortcode standing apart (Slack puts spaces or another shortcode around the emoji a
learner picks), with a letter in it: "a:b:c", "1:100:1000", "10:30:00" and `key:ok:value`
are text, not emoji."""

_SKIN_TONE = re.compile(r":skin-tone-\d:")
"""Slack's skin tone, written after the emoji it changes (``:+1::skin-tone-3:``)."""


def emojis(text: str) -> str:
    """Slack's ``:tada:`` as the emoji "🎉" a learner picked (the engine reads an emoji as a
    friendly word, "done ✅" as done); a workspace's own emoji, which has no character, is
    dropped, and a message of nothing else is read as "🙂"."""
    if ":" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        found = emoji.emojize(match.group(0), language="alias")
        return "" if found == match.group(0) else found
    plain = _SHORTCODE.sub(one, _SKIN_TONE.sub("", text))
    if plain == text:
        return text
    return plain.strip() or "🙂"


_LINK_SCHEMES = ("http", "https", "mailto")
"""Links mrkdwn opens; any other keeps only its words."""


def link(url: str, label: str) -> str:
    """A mrkdwn link; the URL may hold neither ``|`` nor ``>``."""
    target = escape(url.replace("|", "%7C"))
    return f"<{target}|{escape(label)}>" if label and label != url else f"<{target}>"


class _Writer(MarkdownWalker):
    """Writes a Markdown document's events as mrkdwn paragraphs."""

    def __init__(self, hints: Mapping[str, str]) -> None:
        self.hints = hints
        """Mrkdwn to show after a link's words instead of linking, by destination."""
        self.paragraphs: list[str] = []
        self.line: list[str] = []
        self.lists: list[int | None] = []   # a counter per open list (None: bullets)
        self.quote = 0
        self.links: list[str] = []
        self.image: list[str] | None = None  # alt text being collected
        self.image_url = ""
        self.code_block = False
        self.item_fresh = False
        """True right after a list item's bullet: its first paragraph joins the bullet."""

    def text(self, value: str) -> None:
        if self.image is not None:
            self.image.append(value)
        else:
            self.item_fresh = False
            self.line.append(escape(value))

    # Raw HTML and math are shown as typed, escaped like any other text.
    html = math = text

    def footnote_reference(self, label: str) -> None:
        self.text(f"[{label}]")

    def code(self, value: str) -> None:
        self.line.append(f"`{escape(value)}`" if self.image is None else "")

    def task_marker(self, checked: bool) -> None:
        self.line.append("☑ " if checked else "☐ ")

    def soft_break(self) -> None:
        self.text(" ")

    def hard_break(self) -> None:
        self.line.append("\n")

    def rule(self) -> None:
        self.flush()
        self.paragraphs.append("───")

    def flush(self) -> None:
        text = "".join(self.line).strip("\n")
        self.line = []
        if not text.strip():
            return
        if self.quote:
            text = "\n".join(f"> {row}" for row in text.split("\n"))
        if self.lists and self.paragraphs and not self.quote:
            self.paragraphs[-1] += "\n" + text  # list items stay together
        else:
            self.paragraphs.append(text)

    def start(self, tag: Tag) -> None:
        name = tag.name
        if name in _WRAPS:
            self.line.append(_WRAPS[name])
        elif name == "Heading":
            self.flush()
            self.line.append("*")
        elif name == "List":
            self.flush()
            self.lists.append(tag.number)
        elif name == "Item":
            self.flush()
            depth = "    " * (len(self.lists) - 1)
            counter = self.lists[-1] if self.lists else None
            if counter is None:
                self.line.append(f"{depth}• " if len(self.lists) < 2 else f"{depth}◦ ")
            else:
                self.line.append(f"{depth}{counter}. ")
                self.lists[-1] = counter + 1
            self.item_fresh = True
        elif name == "BlockQuote":
            self.flush()
            self.quote += 1
        elif name == "CodeBlock":
            self.flush()
            self.code_block = True
            self.line.append("```\n")
        elif name == "Link":
            self.links.append(tag.url)
            self.line.append("\0")  # where the label starts
        elif name == "Image":
            self.image = []
            self.image_url = tag.url
        elif name == "Paragraph" and self.item_fresh:
            pass
        elif name in ("Paragraph", "Table", "TableHead", "TableRow"):
            self.flush()

    def end(self, name: str) -> None:
        if name in _WRAPS:
            self.line.append(_WRAPS[name])
        elif name == "Heading":
            self.line.append("*")
            self.flush()
        elif name == "List":
            self.flush()
            self.lists.pop()
        elif name == "BlockQuote":
            self.flush()
            self.quote -= 1
        elif name == "CodeBlock":
            self.line.append("```")
            self.code_block = False
            self.flush()
        elif name == "Link":
            url = self.links.pop()
            joined = "".join(self.line)
            cut = joined.rfind("\0")
            label = joined[cut + 1:]
            hint = self.hints.get(url)
            if hint is not None:  # a lesson of the folder: its words, and how to open it
                self.line = [joined[:cut], f"{label} {hint}" if label.strip() else hint]
            else:
                self.line = [joined[:cut], self._link(url, label)]
        elif name == "Image":
            alt = "".join(self.image or [])
            self.image = None
            if self.image_url.startswith(("http://", "https://")):
                self.line.append(link(self.image_url, alt or "image"))
            elif alt:
                self.line.append(f"_{escape(alt)}_")
        elif name in ("TableHead", "TableRow"):
            if self.line and self.line[-1] == " | ":
                self.line.pop()
            self.flush()
        elif name == "Paragraph":
            self.flush()
        elif name == "TableCell":
            self.line.append(" | ")

    @staticmethod
    def _link(url: str, label: str) -> str:
        if urlparse(url).scheme not in _LINK_SCHEMES:
            # A handout beside the lesson, an #anchor, a tel: number: Slack would open nothing
            # (or read <#steps> as a channel), so its words alone, as Telegram shows them.
            return label
        # The label is already mrkdwn; inside <...|...> only its text survives, so strip markup.
        plain = label.replace("*", "").replace("_", "").replace("`", "").replace("~", "")
        target = escape(url.replace("|", "%7C"))
        return f"<{target}|{plain}>" if plain else f"<{target}>"


def from_markdown(source: str, hints: Mapping[str, str] | None = None) -> list[str]:
    """Markdown (a lesson body, a quiz question) as mrkdwn paragraphs: ``**b**`` -> ``*b*``,
    ``[t](u)`` -> ``<u|t>``, headings bold, lists with bullets, every text escaped. A link whose
    destination (as written) is in ``hints`` is its words followed by its hint, mrkdwn already
    (how to open the lesson a link to a lesson file leads to), not a link."""
    writer = _Writer(hints or {})
    writer.walk(source)
    writer.flush()
    return writer.paragraphs


def inline(source: str, hints: Mapping[str, str] | None = None) -> str:
    """One line of inline Markdown (a question, a choice) as mrkdwn (``hints``: as for
    :func:`from_markdown`)."""
    return "\n".join(from_markdown(source, hints))
