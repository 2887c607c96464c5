"""Telegram HTML: escaping, a lesson's Markdown as Telegram HTML, and splitting under the limits.

Telegram's HTML knows a handful of tags (b, i, u, s, a, code, pre, blockquote, spoiler) and
only ``&lt; &gt; &amp; &quot;`` plus numeric entities; every other ``<``, ``>`` and ``&`` must
be escaped. Its limits (4,096 characters for a message, 1,024 for a caption) count the text
*after* entity parsing, in UTF-16 code units, so :func:`visible_length` measures that.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from bot.content.markdown import MarkdownWalker, Tag

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_LINK_SCHEMES = ("http", "https", "tg", "mailto")
_LANGUAGE = re.compile(r"[^\w+#-]")


def escape(value: object) -> str:
    """Text as Telegram HTML: ``& < >`` escaped (quotes may stay in text)."""
    return html.escape(str(value), quote=False)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def markdown_to_html(source: str, hints: Mapping[str, str] | None = None) -> str:
    """A lesson's Markdown as Telegram HTML.

    Headings become bold lines, lists get bullets or numbers, code blocks ``<pre>``, quotes
    ``<blockquote>``, tables one line per row. Raw HTML in the Markdown is shown as text, links
    other than http(s), tg: and mailto: keep only their text, and local images are left out (the
    lesson's own image goes out as a photo). A link whose destination (as written) is in
    ``hints`` is its text followed by its hint, Telegram HTML already (how to open the lesson
    a link to a lesson file leads to).
    """
    return _MarkdownWriter(hints or {}).write(source)


class _MarkdownWriter(MarkdownWalker):
    def __init__(self, hints: Mapping[str, str]) -> None:
        self.out: list[str] = []
        self.hints = hints
        self.lists: list[int | None] = []
        self.links: list[bool | str] = []
        """For each link open: True when it is an <a>, else its hint ("" for none)."""
        self.image = 0
        self.alt: list[str] = []
        self.image_url = ""
        self.quotes = 0
        self.in_code = False
        self.code_closing = "</pre>"
        self.cells = 0

    def write(self, source: str) -> str:
        self.walk(source)
        text = "".join(self.out)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def text(self, value: str) -> None:
        if self.image:
            self.alt.append(value)
        else:
            self.out.append(escape(value))

    def code(self, value: str) -> None:
        if self.image:
            self.alt.append(value)
        else:
            self.out.append(f"<code>{escape(value)}</code>")

    def picture(self, alt: str) -> None:
        """An inline image is not sent (only ``image:`` is): what it shows stays in the
        text, as its words, and a web image's address is a link to it (as on Slack)."""
        url = self.image_url
        inside_link = any(link is True for link in self.links)  # an <a> is open
        if urlparse(url).scheme in ("http", "https") and not inside_link:
            self.out.append(f'<a href="{html.escape(url, quote=True)}">{escape(alt or "image")}</a>')
        elif alt:
            self.out.append(f"<i>{escape(alt)}</i>" if not inside_link else escape(alt))

    def html(self, value: str) -> None:
        self.out.append(escape(value))  # shown as typed: Telegram takes only its own few tags

    math = html  # no math rendering in a chat: its source, as typed

    def task_marker(self, checked: bool) -> None:
        self.out.append("☑ " if checked else "☐ ")

    def soft_break(self) -> None:
        self.out.append("\n" if self.in_code else " ")

    def hard_break(self) -> None:
        self.out.append("\n")

    def rule(self) -> None:
        self.blank()
        self.out.append("———")
        self.blank()

    def tail(self) -> str:
        return "".join(self.out[-2:])

    def newline(self) -> None:
        if self.out and not self.tail().endswith("\n"):
            self.out.append("\n")

    def blank(self) -> None:
        if not self.out or self.out[-1] == "<blockquote>":
            return
        end = self.tail()
        if not end.endswith("\n\n"):
            self.out.append("\n" if end.endswith("\n") else "\n\n")

    def trim(self) -> None:
        """Drop trailing newlines before a closing tag."""
        while self.out and self.out[-1].endswith("\n"):
            self.out[-1] = self.out[-1].rstrip("\n")
            if not self.out[-1]:
                self.out.pop()

    def start(self, tag: Tag) -> None:
        name = tag.name
        if self.image and name != "Image":
            return  # an image's words are plain: only they are shown
        if name == "Paragraph":
            if not self.lists:
                self.blank()
        elif name == "Heading":
            self.blank()
            self.out.append("<b>")
        elif name == "Strong":
            self.out.append("<b>")
        elif name == "Emphasis":
            self.out.append("<i>")
        elif name == "Strikethrough":
            self.out.append("<s>")
        elif name == "Link":
            url = tag.url
            ok = urlparse(url).scheme in _LINK_SCHEMES
            self.links.append(ok or self.hints.get(url, ""))
            if ok:
                self.out.append(f'<a href="{html.escape(url, quote=True)}">')
        elif name == "Image":
            if not self.image:
                self.alt, self.image_url = [], tag.url
            self.image += 1
        elif name == "List":
            if not self.lists:
                self.blank()
            self.lists.append(tag.number)
        elif name == "Item":
            self.newline()
            depth = len(self.lists)
            number = self.lists[-1] if self.lists else None
            if number is None:
                bullet = "•" if depth <= 1 else "◦"
            else:
                bullet = f"{number}."
                self.lists[-1] = number + 1
            self.out.append("   " * (depth - 1) + bullet + " ")
        elif name == "BlockQuote":
            self.blank()
            self.quotes += 1
            self.out.append("<blockquote>")
        elif name == "CodeBlock":
            self.blank()
            self.in_code = True
            words = (tag.info or "").split()
            language = _LANGUAGE.sub("", words[0]) if words else ""
            self.code_closing = "</code></pre>" if language else "</pre>"
            self.out.append(f'<pre><code class="language-{language}">' if language else "<pre>")
        elif name == "Table":
            self.blank()
        elif name in ("TableHead", "TableRow"):
            self.newline()
            self.cells = 0
            if name == "TableHead":
                self.out.append("<b>")
        elif name == "TableCell":
            if self.cells:
                self.out.append(" | ")
            self.cells += 1

    def end(self, name: str) -> None:
        if self.image and name != "Image":
            return
        if name == "Paragraph":
            if self.lists:
                self.newline()
            else:
                self.blank()
        elif name == "Heading":
            self.out.append("</b>")
            self.blank()
        elif name == "Strong":
            self.out.append("</b>")
        elif name == "Emphasis":
            self.out.append("</i>")
        elif name == "Strikethrough":
            self.out.append("</s>")
        elif name == "Link":
            link = self.links.pop()
            if link is True:
                self.out.append("</a>")
            elif link:
                self.out.append(f" {link}")
        elif name == "Image":
            self.image -= 1
            if not self.image:
                self.picture("".join(self.alt).strip())
        elif name == "List":
            self.lists.pop()
            if not self.lists:
                self.blank()
        elif name == "Item":
            self.newline()
        elif name == "BlockQuote":
            self.trim()
            self.quotes -= 1
            self.out.append("</blockquote>")
            self.blank()
        elif name == "CodeBlock":
            self.trim()
            self.in_code = False
            self.out.append(self.code_closing)
            self.blank()
        elif name == "TableHead":
            self.out.append("</b>")
            self.newline()
        elif name == "TableRow":
            self.newline()
        elif name == "Table":
            self.blank()


# -- splitting ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"(<[^>]*>)|(&#?\w+;)|(\n\n+)|(\n)|([ \t]+)|([^<&\s]+|[<&\s])")
_WORD_PIECE = 64
_PARA, _LINE, _SPACE, _JOIN = 3, 2, 1, 0


@dataclass(frozen=True)
class _Token:
    raw: str
    width: int
    tag: str = ""
    """The tag name for an opening tag, '/name' for a closing one, '' for text."""
    gap: int = -1
    """For whitespace: how good a place to cut right after it is (paragraph, line, space)."""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        tag, entity, para, line, space, word = match.groups()
        if tag is not None:
            name = tag.strip("<>/ ").split()[0].lower() if tag.strip("<>/ ") else ""
            tokens.append(_Token(tag, 0, f"/{name}" if tag.startswith("</") else name))
        elif entity is not None:
            tokens.append(_Token(entity, utf16_length(html.unescape(entity))))
        elif para is not None:
            tokens.append(_Token(para, utf16_length(para), gap=_PARA))
        elif line is not None:
            tokens.append(_Token(line, 1, gap=_LINE))
        elif space is not None:
            tokens.append(_Token(space, utf16_length(space), gap=_SPACE))
        else:
            for start in range(0, len(word), _WORD_PIECE):
                piece = word[start:start + _WORD_PIECE]
                tokens.append(_Token(piece, utf16_length(piece)))
    return tokens


def visible_length(text: str) -> int:
    """Length of Telegram HTML after entity parsing, as Telegram counts it."""
    return sum(token.width for token in _tokens(text))


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram HTML in pieces of at most ``limit`` visible characters.

    Cuts go at a paragraph break where one is far enough in, else a line break, a space, or
    (for a run of text with no space at all) anywhere. Tags open at a cut are closed at the end
    of one piece and opened again at the start of the next, so every piece is valid on its own.
    """
    text = text.strip()
    if not text:
        return []
    if visible_length(text) <= limit:
        return [text]
    tokens = _tokens(text)
    pieces: list[str] = []
    reopen: list[_Token] = []
    i = 0
    while i < len(tokens):
        while i < len(tokens) and tokens[i].gap >= 0:
            i += 1  # no piece starts with white space
        if i >= len(tokens):
            break
        end, still_open = _cut(tokens, i, reopen, limit)
        body = "".join(token.raw for token in tokens[i:end]).rstrip()
        piece = ("".join(token.raw for token in reopen) + body
                 + "".join(f"</{token.tag}>" for token in reversed(still_open)))
        if visible_length(piece):
            pieces.append(piece)
        reopen, i = still_open, end
    return pieces


def _cut(tokens: list[_Token], start: int, reopen: list[_Token],
         limit: int) -> tuple[int, list[_Token]]:
    """Where the piece starting at ``start`` ends, and the tags still open there."""
    stack = list(reopen)
    width = 0
    best: dict[int, tuple[int, int, list[_Token]]] = {}  # gap -> (end, width, open tags)
    i = start
    while i < len(tokens):
        token = tokens[i]
        if width + token.width > limit:
            break
        width += token.width
        if token.tag.startswith("/"):
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].tag == token.tag[1:]:
                    del stack[depth:]
                    break
        elif token.tag:
            stack.append(token)
        i += 1
        if token.gap >= 0:
            best[token.gap] = (i, width, list(stack))
        elif (not token.tag and i < len(tokens) and not tokens[i].tag
              and tokens[i].gap < 0):
            best[_JOIN] = (i, width, list(stack))
    if i >= len(tokens):
        return i, stack
    # A paragraph break if the piece is at least a quarter full, else the best break that
    # fills half of it; else the latest break there is.
    for gap, share in ((_PARA, 4), (_LINE, 2), (_SPACE, 2), (_JOIN, 2)):
        if gap in best and best[gap][1] >= limit // share:
            return best[gap][0], best[gap][2]
    if best:
        end, _, still_open = max(best.values(), key=lambda found: found[0])
        return end, still_open
    return max(i, start + 1), stack


def to_plain(text: str) -> str:
    """Telegram HTML as the plain text a user would see (the last resort when HTML fails)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))
