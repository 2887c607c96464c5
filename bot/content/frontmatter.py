"""YAML front matter: split it from the Markdown, load it, and check every key against the schema.

Each key keeps its source line so a problem points at the exact line a trainer must edit.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.content.model import Problem, Severity, double_quoted, setting_line

try:  # the C loader is much faster and reports the same marks
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

FENCE = "---"
TOML_FENCE = "+++"
_DECIMAL = re.compile(r"[+-]?[0-9]+")


@dataclass
class FrontMatter:
    """Front-matter values that passed their checks, with the source line of every key."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body_start: int = 0
    """0-based index of the first Markdown line after the front matter."""
    broken: bool = False
    """True when the front matter could not be read at all (so its keys are unknown)."""
    invalid: set[str] = field(default_factory=set)
    """Keys that were present but rejected."""
    toml: bool = False
    """Written in TOML (between '+++' lines): the fixes it is given are TOML lines."""


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    return str(value).strip()


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return int(value.strip())  # "010" is ten here, not YAML 1.1's octal eight
    return None


def _as_tags(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):  # "a, b" is a common hand-written form
        items: list[Any] = [part for part in value.split(",")]
    elif isinstance(value, list):
        items = value
    else:
        return None
    tags = []
    for item in items:
        text = _as_text(item)
        if text is None:
            return None
        if text:
            tags.append(text.lower())
    return tuple(tags)


def _as_bool(value: Any) -> bool | None:
    """True or false as the loader read it (YAML's own words, unquoted; TOML's true/false);
    text is not read here: :func:`_quoted_boolean` says what to write instead."""
    return value if isinstance(value, bool) else None


CHECK_QUESTIONS = 4
"""How many questions ``check: true`` asks."""


def _as_check(value: Any) -> int | None:
    """``check``: true (the usual number of questions), false (none), or a number from 3 to 5;
    the number of questions a track's knowledge check asks (0: none)."""
    flag = _as_bool(value)  # read as every true/false key is: a quoted "yes" is text
    if flag is not None:
        return CHECK_QUESTIONS if flag else 0
    number = _as_int(value)
    return number if number is not None and 3 <= number <= 5 else None


@dataclass(frozen=True)
class _Key:
    convert: Callable[[Any], Any]
    expected: str
    example: str | int | bool | tuple[str, ...]
    """A good value, shown in the file's own syntax (:func:`setting_line`)."""
    low: int | None = None
    high: int | None = None
    boolean: bool = False
    """It takes true and false (perhaps among other values): read by YAML's own rules, and
    a true/false word written as text refused with the line to write."""


SCHEMA: dict[str, _Key] = {
    "id": _Key(_as_text, "a text", "security/phishing"),
    "title": _Key(_as_text, "a text", "Spot a phishing email"),
    "summary": _Key(_as_text, "a text", "One sentence that sums the lesson up"),
    "topic": _Key(_as_text, "a text", "security"),
    "tags": _Key(_as_tags, "a list of words", ("phishing", "email")),
    "track": _Key(_as_text, "a text", "security-basics"),
    "order": _Key(_as_int, "a whole number", 1, low=0, high=100_000),
    "minutes": _Key(_as_int, "a whole number of minutes", 3, low=1, high=60),
    "objective": _Key(_as_text, "a text", "Recognise the red flags of phishing"),
    "image": _Key(_as_text, "a path or URL", "images/phishing.png"),
    "draft": _Key(_as_bool, "true or false", True, boolean=True),
    "reflect": _Key(_as_text, "a text (one question, at most 300 characters)",
                    "What will you do differently tomorrow?", high=300),
    "check": _Key(_as_check, "true, false or a number of questions from 3 to 5, on a track's "
                  "first lesson", 4, boolean=True),
    "confidence": _Key(_as_bool, "true or false", True, boolean=True),
}
"""Every key a lesson may set. Other keys are reported as warnings and ignored."""

PROSE = frozenset({"title", "summary", "objective", "reflect"})
"""Keys whose text may hold a '#' meant as a word ("Use #hashtags well"), which YAML cuts as a
comment: warned. A comment after any other value (`track: basics  # sent in order`, as
docs/lesson-format.md shows) is a comment."""

ALIASES = {
    "description": "summary",
    "excerpt": "summary",
    "keywords": "tags",
    "categories": "tags",
    "category": "topic",
}
"""Names other site generators (Hugo, Jekyll, Docusaurus, MkDocs) use for our keys.

Pages written for those tools then load with their metadata intact; our own key wins when both are
set, except that tags, keywords and categories are merged."""

FOREIGN_KEYS = frozenset({
    "aliases", "author", "authors", "comments", "created", "date", "has_children", "hide",
    "lang", "language", "last_modified", "lastmod", "layout", "nav_order", "parent", "permalink",
    "redirect_from", "section", "series", "sidebar_label", "sidebar_position", "slug", "template",
    "toc", "updated", "version", "weight",
})
"""Keys of other site generators that mean nothing here: ignored without a warning."""


DASHED_FENCE = re.compile(r"^(?=.*[\u2012-\u2015])[-\u2012-\u2015]{1,3}$")
"""A fence Word or Outlook autocorrected: an em or en dash, alone or with another (three at most)."""


FENCE_SEARCH = 40
"""How many lines below an opening fence a closing one is looked for where its shape is in
doubt (a dash autocorrected, a fence doubled): front matter is a few settings, not a page."""


def _dashed_front_matter(lines: list[str], start: int) -> bool:
    """Whether the dash at ``start`` opens front matter: 'key: value' lines follow, closed by
    another fence (a dash alone on a lesson's first line may be just that)."""
    for index in range(start + 1, min(len(lines), start + FENCE_SEARCH)):
        row = lines[index].rstrip()
        if DASHED_FENCE.match(row) or row in (FENCE, "..."):
            return index > start + 1 and all(
                _KEY.match(item) or not item.strip() for item in lines[start + 1:index])
    return False


class UnclosedFrontMatter(ValueError):
    """Front matter whose fence is never closed, or opened with an autocorrected dash;
    ``line`` (1-based) is where its error belongs, or None for the opening fence's line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _settings_end(lines: list[str], start: int, toml: bool) -> int | None:
    """0-based index of the last line of the front matter's last setting ('key: value', or
    'key = value' in TOML; its indented or listed continuation included) after an opening
    fence at ``start`` that is never closed; None when no setting comes before the text."""
    rows = lines[start + 1:]
    prose = None if toml else _first_prose_line("\n".join(rows))
    key = _TOML_KEY if toml else _KEY
    last = None
    for index, row in enumerate(rows[:prose]):
        if key.match(row) and row[0] not in " \t#-":
            last = index
        elif last is not None and row.strip() and row[0] in " \t-]":
            last = index  # a list or value continued under the last key
        elif row.strip():
            break  # a heading or other text: the lesson has begun
    return None if last is None else start + 1 + last


def _dashed_closer(lines: list[str], start: int, index: int) -> bool:
    """Whether ``lines[index]``, a dash an editor's autocorrect made of '---', closes the
    front matter opened at ``start``: only settings come between them."""
    return (index > start + 1 and DASHED_FENCE.match(lines[index].rstrip()) is not None
            and _first_prose_line("\n".join(lines[start + 1:index])) is None)


def split(text: str) -> tuple[str | None, int, int, str]:
    """Return (front matter text or None, 0-based line of the opening fence, 0-based first body
    line, "yaml" or "toml").

    YAML sits between '---' lines; TOML (as Hugo writes it) between '+++' lines. Blank lines
    before the opening fence are allowed (an easy slip when pasting). A YAML closing fence
    autocorrected to an em or en dash closes it too (``parse`` warns of it).
    Raises ``UnclosedFrontMatter`` when the front matter is never closed.
    """
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    opening = lines[start].rstrip() if start < len(lines) else ""
    if DASHED_FENCE.match(opening) and _dashed_front_matter(lines, start):
        raise UnclosedFrontMatter(f"the front matter's '---' became '{opening}' (an editor's "
                                  "autocorrect turns hyphens into a dash); type three hyphens "
                                  "'---' here and on the line that closes it")
    if opening not in (FENCE, TOML_FENCE):
        return None, 0, 0, "yaml"
    closers = (TOML_FENCE,) if opening == TOML_FENCE else (FENCE, "...")
    for index in range(start + 1, len(lines)):
        if lines[index].rstrip() in closers or (
                opening == FENCE and _dashed_closer(lines, start, index)):
            kind = "toml" if opening == TOML_FENCE else "yaml"
            return "\n".join(lines[start + 1:index]), start, index + 1, kind
    # "Add a '---' line after it" was taken to mean after the opening line: the file then
    # passed with its settings shown to learners as text. Name the line it belongs after, and
    # report the error where it is missing.
    toml = opening == TOML_FENCE
    setting = "'key = value'" if toml else "'key: value'"
    end = _settings_end(lines, start, toml)
    if end is None:
        raise UnclosedFrontMatter(f"front matter starts with '{opening}' but is never closed; "
                                  f"add a '{opening}' line after its last {setting} line")
    raise UnclosedFrontMatter(
        f"front matter starts with '{opening}' but is never closed; add a '{opening}' line "
        f"after line {end + 1} (the last {setting} line)",
        min(end + 2, len(text.rstrip("\n").split("\n"))))


_KEY = re.compile(r"[^:]*:(\s|$)")


def _doubled_fence(lines: list[str], fence: int, kind: str) -> tuple[str, int] | None:
    """For a front matter opened at 0-based line ``fence`` and closed on the next line: when
    'key: value' lines ('key = value' in TOML) follow, closed by a third fence, the settings
    between the second fence and the third, and the 0-based first body line after it; else
    None (an empty front matter before lesson text is fine)."""
    closer = TOML_FENCE if kind == "toml" else FENCE
    key = _TOML_KEY if kind == "toml" else _KEY
    start = fence + 2
    for index in range(start, min(len(lines), start + FENCE_SEARCH)):
        if lines[index].rstrip() != closer:
            continue
        rows = lines[start:index]
        settings = [row for row in rows if row[:1].strip() and row[0] not in "#-[]" and
                    key.match(row)]
        if not settings or not key.match(rows[0]):
            return None
        if kind == "toml":
            prose = any(row[:1].strip() and row[0] not in "#[]\"'" and not key.match(row)
                        for row in rows)
        else:
            prose = _first_prose_line("\n".join(rows)) is not None
        return None if prose else ("\n".join(rows), index + 1)
    return None


def _first_prose_line(source: str) -> int | None:
    """0-based index of the first line that cannot be front matter: one that is neither
    indented, a list item, a comment, YAML syntax nor a 'key:' line, or whose 'key' is several
    words (a sentence with a colon)."""
    for index, row in enumerate(source.split("\n")):
        if not row.strip() or row[0] in " \t-#?:{[|>!&*'\"":
            continue
        key = _KEY.match(row)
        if key is None or len(key.group().split()) > 3:
            return index
    return None


def parse(text: str, rel: str) -> tuple[FrontMatter, list[Problem]]:
    """Load and check the front matter of a lesson's text."""
    problems: list[Problem] = []
    try:
        source, fence, body_start, kind = split(text)
    except UnclosedFrontMatter as exc:
        first = next((n for n, row in enumerate(text.split("\n"), 1) if row.strip()), 1)
        return FrontMatter(broken=True), [Problem(rel, exc.line or first, Severity.ERROR,
                                                  str(exc))]
    doubled = _doubled_fence(text.split("\n"), fence, kind) if source == "" else None
    if doubled is not None:
        # '---' twice at the top: an empty front matter, and its settings were lesson text
        # (a setext heading) with only a "no title" warning. Read as meant, so the settings'
        # own problems are said in the same check.
        source, body_start = doubled
        problems.append(Problem(rel, fence + 2, Severity.ERROR,
                                f"this '{text.split(chr(10))[fence].rstrip()}' closes the front "
                                "matter right after it opens, so the settings below it are "
                                "shown to learners as lesson text; delete this line"))
        fence += 1
    front = FrontMatter(body_start=body_start)
    closing = text.split("\n")[body_start - 1].rstrip() if body_start else ""
    if DASHED_FENCE.match(closing):
        # Read as the closing fence (only settings come before it), so the lesson is served;
        # another editor, or a later check, may not read it so.
        problems.append(Problem(rel, body_start, Severity.WARNING,
                                f"the front matter's closing '---' became '{closing}' (an "
                                "editor's autocorrect turns hyphens into a dash); type three "
                                "hyphens '---' on this line"))
    if source is None or not source.strip():
        return front, problems
    offset = fence + 2  # 1-based file line of the front matter's first line
    front.toml = kind == "toml"
    return front, _settings(source, offset, rel, front, problems)


def _settings(source: str, offset: int, rel: str, front: FrontMatter,
              problems: list[Problem], left_out: tuple[int, ...] = ()) -> list[Problem]:
    """Check the settings of ``source`` (front matter whose first line is file line
    ``offset``), with ``problems`` found before.

    A syntax error stops YAML's or TOML's reading, not the check: when the line it is on holds
    a whole setting, the others are checked again with that line left blank, so the
    independent mistakes of a file are said in one check (a trainer had fixed them one round
    each). The values stay unknown (``front.broken``): a second reading's are not kept.
    ``left_out``: the file lines left blank so far."""
    found, read_on = _settings_read(source, offset, rel, front, problems)
    if left_out and front.broken and found and found[-1].line < left_out[-1]:
        return []  # broken above the line left out, by leaving it out: noise
    if not (front.broken and read_on and found and found[-1].is_error) or \
            len(left_out) >= MAX_REREADS:
        return found
    error = found[-1]
    rest = _without_setting(source, error.line - offset, front.toml)
    if rest is None:
        return found  # the value may go on below its line: what follows would be noise
    more = _settings(rest, offset, rel, FrontMatter(toml=front.toml), [],
                     (*left_out, error.line))
    return [*found, *(p for p in more if p.line != error.line)]


MAX_REREADS = 20
"""Settings with a syntax error each: how many a check reads past, at most."""
_SETTING_START = re.compile(r"[A-Za-z_][\w.-]*\s*(:|=|\s)")
"""A line that starts a setting, with or without its ':' or '='."""


def _without_setting(source: str, index: int, toml: bool) -> str | None:
    """``source`` with its 0-based line ``index`` left blank (the other lines keep their
    numbers), when that line holds a whole setting: it starts one, and the next line that is
    not blank starts another (or there is none). None otherwise."""
    rows = source.split("\n")
    key = _TOML_KEY if toml else _KEY
    if not 0 <= index < len(rows) or not _SETTING_START.match(rows[index]) or not (
            key.match(rows[index]) or _key_without_colon(source, index) is not None):
        return None
    after = next((row for row in rows[index + 1:] if row.strip() and row[0] != "#"), None)
    if after is not None and not (after[0] not in " \t-" and (
            key.match(after) or (toml and after.startswith("[") and after.rstrip()[-1:] == "]"))):
        return None
    return "\n".join([*rows[:index], "", *rows[index + 1:]])


def _settings_read(source: str, offset: int, rel: str, front: FrontMatter,
                   problems: list[Problem]) -> tuple[list[Problem], bool]:
    """One reading of :func:`_settings`: the problems, the last of them the syntax error that
    stopped it when ``front.broken``, and whether reading on past that error's line may be
    worth it (not past lesson text, where the front matter was not closed)."""
    if front.toml:
        return _check_toml(source, offset, rel, front, problems)[1], True
    prose = _first_prose_line(source)
    slip = _key_without_colon(source, prose)
    if slip is not None:
        front.broken = True
        index, key, rest = slip
        return [*problems, Problem(rel, offset + index, Severity.ERROR,
                                   f"'{key} {rest}' needs a colon after the key: "
                                   f"'{key}: {rest}'")], True
    if prose is not None:
        # A closing '---' was found, but further down: a horizontal rule in the lesson. What
        # follows is lesson text, not settings: nothing more is read.
        front.broken = True
        return [*problems, Problem(rel, offset + prose, Severity.ERROR,
                                   "this line looks like lesson text inside the front matter: "
                                   "the closing '---' is missing above it; add a '---' line "
                                   "where the front matter ends")], False
    copies = _anchors(source, offset, rel)
    if copies:
        front.broken = True
        return [*problems, *copies], False
    loader = _Loader(source)
    try:
        return _check(loader, source, offset, rel, front, problems)[1], True
    finally:
        loader.dispose()


def _anchors(source: str, offset: int, rel: str) -> list[Problem]:
    """An error on each line with a YAML anchor ('&name') or alias ('*name'). An alias stands
    for a copy of the anchored value, so a few lines of them can stand for a billion values
    (a security review's nine lines hung `lessons check` and took gigabytes in a running bot);
    no setting needs them."""
    found: dict[int, str] = {}
    try:
        for event in yaml.parse(source, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent) and event.anchor and event.start_mark:
                what = ("alias '*" if isinstance(event, yaml.AliasEvent) else "anchor '&")
                found.setdefault(offset + event.start_mark.line, f"the {what}{event.anchor}'")
    except yaml.YAMLError:
        return []  # a syntax error: said by the reading that follows, which copies nothing
    return [Problem(rel, line, Severity.ERROR,
                    f"{what}: YAML anchors and aliases ('&name', '*name') are not allowed in "
                    "front matter; write the value out in full") for line, what in found.items()]


def _key_without_colon(source: str, prose: int | None) -> tuple[int, str, str] | None:
    """A setting written without its colon ('minutes 3'): (0-based line, key, value). It was
    taken for lesson text, and the error said the closing '---' was missing."""
    if prose is None:
        return None
    key, _, rest = source.split("\n")[prose].strip().partition(" ")
    if key.lower() in SCHEMA or key.lower() in ALIASES:
        return prose, key, rest.strip()
    return None


CURLY_QUOTES = ("\u201c", "\u201d", "\u2018", "\u2019", "\u201e", "\u00ab", "\u00bb")
"""Quotes a word processor puts for straight ones."""
_STRAIGHT = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"}
"""The straight quote each curly one stands for (guillemets are kept: French text's own)."""


def _yaml_text(text: str) -> str:
    """``text`` as a one-line YAML value that reads back as exactly ``text``: in double quotes
    when nothing in it needs escaping there, else in single quotes (which keep a backslash as
    it is; an apostrophe in them is written twice)."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _bad_escape(exc: yaml.MarkedYAMLError, rows: list[str]) -> tuple[int, str] | None:
    """(0-based line of ``rows``, what to say) for a backslash in double quotes that YAML cannot
    read ('"C:\\Users"': '\\U' wants eight hex digits), which PyYAML calls a quote never
    closed, or for one before the closing quote ('"C:\\"'). None when the problem is
    another."""
    mark, opened = exc.problem_mark, exc.context_mark
    problem = exc.problem or ""
    if mark is None or opened is None or opened.line >= len(rows):
        return None
    text = "\n".join(rows[opened.line:])
    if text[opened.column:opened.column + 1] != '"':
        return None
    if any(word in problem for word in ("escape", "hexadecimal", "hexdecimal")):
        # The C loader marks the character after the backslash, PyYAML the one after that.
        end = min(sum(len(row) + 1 for row in rows[opened.line:mark.line]) + mark.column + 1,
                  len(text))
        at = text.rfind("\\", opened.column, end)
        if at < 0:
            return None
        closed = _DOUBLE_QUOTED.match(text, opened.column)
        line_end = text.find("\n", at)
        # Left open as well: the text up to the end of the backslash's line.
        written = closed.group() if closed is not None else \
            text[opened.column:len(text) if line_end < 0 else line_end]
        key = _whole_value(rows[opened.line], opened.column, written, _YAML_KEY) \
            if closed is not None else None
        return (opened.line + text.count("\n", 0, at),
                _unreadable_escape(written, at - opened.column, key, "YAML", "xuU"))
    said = _quote_escaped(rows[opened.line], opened.column, _YAML_KEY)
    return None if said is None else (opened.line, said)


_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\[\s\S])*"')
"""A string in double quotes as written, escapes and line breaks in it."""
_YAML_KEY = re.compile(r"\s*([^\s#:][^:]*?)\s*:\s+")
_TOML_KEY = re.compile(r"""\s*([A-Za-z0-9_.-]+|"[^"\n]*"|'[^'\n]*')\s*=\s*""")
"""A key and what assigns it, as written before a value (YAML's ': ', TOML's ' = ')."""
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def _whole_value(row: str, column: int, written: str, key: re.Pattern[str]) -> str | None:
    """The key whose whole value ``written`` (starting at ``column`` of ``row``) is, when it is
    on one line with at most a comment after it: the fix can then write the line out."""
    found = key.fullmatch(row[:column])
    rest = row[column + len(written):].strip()
    if found is None or "\n" in written or (rest and not rest.startswith("#")):
        return None
    return found.group(1)


def _unreadable_escape(written: str, at: int, key: str | None, language: str,
                       hex_escapes: str) -> str:
    """What to say of the backslash at ``at`` of ``written`` (a string in double quotes, as
    written) that starts an escape ``language`` cannot read; ``hex_escapes`` are its escapes
    by a character's number ('\\u00e9'); ``key``: the string is that key's whole value."""
    letter = written[at + 1:at + 2]
    escape = "\\" + letter if letter.strip() or letter == " " else "\\"
    digits = _HEX_DIGITS.get(letter, 0) if letter and letter in hex_escapes else 0
    given = written[at + 2:at + 2 + digits]
    detail = "" if not digits or (len(given) == digits and all(
        char in "0123456789abcdefABCDEF" for char in given)) else \
        f" ('{escape}' takes {digits} hex digits after it)"
    assign = ": " if language == "YAML" else " = "
    shown = written if key is not None else _shortened(written, at)
    said = (f"'{escape}' in {shown} starts an escape (inside double quotes a backslash does, "
            f"as in '\\n' for a new line) that {language} cannot read{detail}")
    if key is None:
        return f"{said}; write each backslash twice ('\\\\'), or quote the value with single " \
            "quotes"
    return f"{said}; {_backslashes_kept(key, written, assign)}"


def _quote_escaped(row: str, column: int, key_pattern: re.Pattern[str]) -> str | None:
    """What to say of a string opened at ``column`` of ``row`` and never closed, when its last
    quote on that line is escaped by the backslash before it ('"C:\\"': a trainer's path that
    ends in a backslash). None when it has no quote after the opening one."""
    last = row.rfind('"', column + 1)
    if last < 0 or row[last - 1] != "\\":
        return None
    written = row[column:last + 1]
    quoted_inside = '\\"' in written[:-2]
    key = None if quoted_inside else _whole_value(row, column, written, key_pattern)
    shown = written if key is not None else _shortened(written, len(written) - 2)
    said = (f"the backslash at the end of {shown} "
            "makes its closing quote part of the text (inside double quotes '\\\"' is a "
            "quote), so the value never ends")
    if key is None:
        return (f"{said}; to end it with a backslash, write it twice ('\\\\') or quote the "
                "value with single quotes; if that quote is meant as text, add the closing "
                "quote after it")
    assign = ": " if key_pattern is _YAML_KEY else " = "
    # Its backslash written twice, it is the text the trainer meant.
    return f"{said}; to end it with a backslash, " + \
        _backslashes_kept(key, written[:-2] + '\\\\"', assign)


_PATH_KEYS = frozenset({"image"})
"""Keys whose value is a path: a backslash in one is a Windows separator, written '/' here."""
_SLASH_FIX = "write the path with '/', not '\\'"


def _path_written(key: str, value: str, assign: str = ": ") -> str | None:
    """``key``'s line with the path ``value`` (in double quotes, as written) in '/' when
    ``key`` takes a path relative to the lesson ('images\\x.png'): kept as typed, the
    backslash is only the next warning. None for any other key or value ('C:\\...')."""
    text = re.sub(r'\\([\\"])', r"\1", value[1:-1])
    if key not in _PATH_KEYS or "\\" not in text or re.match(r"^[A-Za-z][\w+.-]*:", text):
        return None
    return setting_line(key, text.replace("\\", "/"), assign != ": ")


def _backslashes_kept(key: str, value: str, assign: str = ": ") -> str:
    """How to write ``key: value`` (a value in double quotes, on one line) with its backslashes
    as typed; ``assign`` is TOML's " = " for TOML. A path ('image') is written with '/'."""
    path = _path_written(key, value, assign)
    if path is not None:
        return f"{_SLASH_FIX}: {path}"
    # The text meant: its backslashes as typed, but for the escapes it may hold on purpose.
    text = re.sub(r'\\([\\"])', r"\1", value[1:-1])
    doubled = double_quoted(text)
    if "'" in text:  # in single quotes its apostrophe would need writing twice (YAML), or
        # could not be at all (TOML)
        return f"write each backslash twice: {key}{assign}{doubled}"
    return (f"quote the value with single quotes, which keep a backslash as it is: "
            f"{key}{assign}{_yaml_text(text)}, or write each backslash twice: "
            f"{key}{assign}{doubled}")


_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.|\n|$)")
"""A backslash escape in a double-quoted YAML value or a TOML basic string, as written."""

_SURPRISING = {"0": "a null character", "a": "a bell character", "b": "a backspace",
               "t": "a tab", "n": "a line break", "v": "a vertical tab", "f": "a form feed",
               "r": "a carriage return", "e": "an escape character",
               "N": "a next-line character", "_": "a no-break space",
               "L": "a line separator", "P": "a paragraph separator"}
"""What YAML's one-letter escapes make that text typed for learners hardly means (a Windows
path's '\\temp' is a tab): '\\"', '\\\\', '\\/' and '\\ ' are meant as escapes."""


def _escape_slip(node: yaml.ScalarNode, rows: list[str], key: str,
                 whole: bool) -> tuple[int, str] | None:
    """(0-based line, what to say) for the first escape of a double-quoted ``node`` that makes a
    control character or other text hardly meant ('"C:\\temp"' holds a tab): valid YAML, so
    nothing else says it. ``whole``: the node is ``key``'s value, which the fix can then write
    out. None when there is none."""
    if node.style != '"':
        return None
    first, last = node.start_mark, node.end_mark
    written = "\n".join(rows[first.line:last.line + 1])
    written = written[first.column:len(written) - len(rows[last.line]) + last.column]
    slip = _escape_said(written, key, whole)
    return None if slip is None else (first.line + slip[0], slip[1])


def _escape_said(written: str, key: str, whole: bool,
                 assign: str = ": ") -> tuple[int, str] | None:
    """(0-based line in ``written``, what to say) for the first escape that makes a control
    character or other text hardly meant in ``written``, a string in double quotes as written
    (YAML's, or a TOML basic string: the escapes TOML reads are YAML's too). ``whole``: it is
    ``key``'s value, which the fix can then write out when it is on one line; ``assign`` is
    how a key and its value are written (": ", TOML's " = "). None when there is none."""
    for found in _ESCAPE.finditer(written, 1):
        code = found.group(1)
        if len(code) > 1:
            char = chr(int(code[1:], 16))
            what = f"the control character U+{ord(char):04X}" \
                if unicodedata.category(char) == "Cc" else None
        else:
            what = _SURPRISING.get(code)
        if what is None:
            continue
        one_line = "\n" not in written
        path = _path_written(key, written, assign) if whole and one_line else None
        shown = written if whole and one_line else _shortened(written, found.start())
        said = (f"'{found.group(0)}' in {shown} "
                f"is read as "
                f"{what}: inside double quotes a backslash starts an escape; "
                + ("" if path is not None else "to keep the backslash as typed, "))
        fix = _backslashes_kept(key, written, assign) if whole and one_line else \
            ("quote the value with single quotes, which keep a backslash as it is, or write "
             "each backslash twice ('\\\\')")
        return written.count("\n", 0, found.start()), said + fix
    return None


def _shortened(written: str, at: int = 0) -> str:
    """A quoted value as written, on one line and cut to a readable length, around its
    character ``at`` (the backslash a problem is about: a value cut before it showed not what
    the problem was)."""
    text = " ".join(written.split())
    if len(text) <= 60:
        return text
    at = len(" ".join((written[:at] + "x").split())) - 1  # where it is on one line
    if at < 50:
        return f"{text[:57]}...\""
    begin = max(0, min(at - 27, len(text) - 54))
    stop = min(len(text), begin + 54)
    space = text.find(" ", begin, at)
    begin = begin if space < 0 else space + 1  # from a word's start
    return "\"..." + text[begin:stop] + ("...\"" if stop < len(text) else "")


def _yaml_problem(exc: yaml.MarkedYAMLError, source: str, offset: int) -> tuple[int, str]:
    """The line to point at and the words for a trainer, for PyYAML's error: where the fix
    goes (the list or the quote that was opened), in words about the file, not the parser."""
    mark = exc.problem_mark or exc.context_mark
    rows = source.split("\n")
    last = offset + source.rstrip("\n").count("\n")
    # PyYAML may notice a problem only at the end of the text: never point past the YAML.
    line = min(offset + (mark.line if mark else 0), last)
    context, problem = exc.context or "", exc.problem or ""
    opened = exc.context_mark
    if opened is not None and ("flow sequence" in context or "flow mapping" in context):
        close, kind, start = ("]", "list", "[") if "sequence" in context else ("}", "mapping", "{")
        return (min(offset + opened.line, last),
                f"the {kind} opened with '{start}' here is not closed; end it with '{close}', "
                "with ',' between items, and quote items that contain ':' or '#'")
    if opened is not None and "quoted scalar" in context:
        escape = _bad_escape(exc, rows)
        if escape is not None:
            return min(offset + escape[0], last), escape[1]
        return (min(offset + opened.line, last),
                "the quote opened here is not closed; end the value with the same quote mark, "
                "or remove it")
    row = rows[mark.line] if mark is not None and mark.line < len(rows) else ""
    if "\t" in row and "cannot start any token" in problem:
        return line, "a tab indents this line; front matter is indented with spaces only"
    if "tab character" in problem:
        tabbed = next((index for index, text in enumerate(rows)
                       if "\t" in text[:len(text) - len(text.lstrip())]), None)
        if tabbed is not None:
            return (min(offset + tabbed, last), "a tab indents this line; start every "
                    "front-matter key at the beginning of its line (indent with spaces only)")
    key, _, value = row.partition(":")
    value = value.strip()
    if value[:1] in CURLY_QUOTES:
        # Pasted from a word processor: YAML reads only straight quotes as quotes.
        return line, (f"the value starts with a curly quote ({value[0]}), which YAML does not "
                      f"read as a quote; use straight quotes: {key.strip()}: "
                      f"{_yaml_text(_straightened(value))}")
    if value.startswith('"') and value.count('"') > 2:
        inner = value[1:value.rfind('"')]
        if "'" in inner:  # single quotes would end at its apostrophe: escape the inner ones
            escaped = inner.replace('"', '\\"')
            return line, (f"the quotes inside {value} end it early; write each inner quote "
                          f"as \\\": {key.strip()}: \"{escaped}\"")
        return line, (f"the quotes inside {value} end it early; quote the value with single "
                      f"quotes instead: {key.strip()}: '{inner}'")
    above = rows[mark.line - 1].rstrip() if mark is not None and 0 < mark.line <= len(rows) \
        else ""
    if "mapping values are not allowed" in problem and row[:1] == " " and \
            _KEY.match(row.strip()) and not above.endswith((":", "|", ">", "|-", ">-")):
        # '  topic: support' under 'title: ...': not a quoting problem, an indent.
        return line, "this line is indented; start every front-matter key at the beginning " \
            "of its line"
    quoted = re.match(r"\s*([\w-]+):\s*'(.*)'\s*$", row)
    if quoted and "'" in quoted.group(2):
        key, text = quoted.group(1), quoted.group(2)
        return line, (f"the apostrophe in '{text}' ends the quotes around it; quote the value "
                      f"with double quotes instead: {key}: \"{text}\"")
    if "mapping values are not allowed" in problem:
        key, _, value = row.partition(":")
        example = f"{key.strip()}: \"{value.strip()}\"" if value.strip() else "title: \"a: b\""
        return line, (f"a value that contains ': ' must be quoted, like {example}")
    what = problem or context or "syntax error"
    if context and opened is not None and problem:
        what = f"{context} on line {offset + opened.line}, {problem}"
    return line, f"{what}; check the indentation and quote values that contain ':' or '#'"


def _check(
    loader: yaml.SafeLoader, source: str, offset: int, rel: str, front: FrontMatter,
    problems: list[Problem],
) -> tuple[FrontMatter, list[Problem]]:
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        front.broken = True
        line, what = _yaml_problem(exc, source, offset)
        return front, [*problems, Problem(rel, line, Severity.ERROR,
                               f"front matter is not valid YAML: {what}")]
    except yaml.YAMLError as exc:
        front.broken = True
        return front, [*problems, Problem(rel, offset, Severity.ERROR,
                                          f"front matter is not valid YAML: {exc}")]
    if node is None:
        return front, problems
    if not isinstance(node, yaml.MappingNode):
        front.broken = True
        return front, [*problems, Problem(rel, offset + node.start_mark.line, Severity.ERROR,
                               "front matter must be 'key: value' lines, for example 'title: ...'")]
    seen: dict[str, int] = {}
    written = {str(key.value) for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
    rows = source.split("\n")
    for key_node, value_node in node.value:
        line = offset + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(rel, line, Severity.ERROR,
                                    "a front-matter key must be a plain word like 'title:'"))
            continue
        key = str(key_node.value)
        if key in seen:
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"key '{key}' is set twice (also on line {seen[key]}); keep one"))
            continue
        seen[key] = line
        if key in FOREIGN_KEYS:
            continue
        key, target, spec = _spec_of(key, written, line, rel, problems)
        if spec is None:
            problems.append(Problem(rel, line, Severity.WARNING,
                                    f"unknown front-matter key '{key}' is ignored; {_hint(key)}"))
            continue
        try:
            # Text and numbers are taken as written: YAML 1.1 would turn "No" into false and
            # "010" into 8. Only keys that take true/false use YAML's own reading.
            raw = (loader.construct_object(value_node, deep=True) if spec.boolean
                   else _as_written(value_node))
        except yaml.YAMLError as exc:  # e.g. an unparsable timestamp
            problems.append(Problem(rel, line, Severity.ERROR, f"'{key}': {exc}"))
            front.invalid.add(key)
            continue
        value = _accept(key, spec, raw, line, rel, front, problems,
                        quoted=isinstance(value_node, yaml.ScalarNode)
                        and value_node.style in ("'", '"'))
        if value is None:
            continue
        scalars = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for scalar in scalars:
            slip = _escape_slip(scalar, rows, key, scalar is value_node) \
                if isinstance(scalar, yaml.ScalarNode) else None
            if slip is not None:
                problems.append(Problem(rel, offset + slip[0], Severity.WARNING, slip[1]))
        if target in PROSE and isinstance(value_node, yaml.ScalarNode) and \
                not value_node.style and " #" in rows[key_node.start_mark.line]:
            problems.append(Problem(rel, line, Severity.WARNING,
                                    f"'{key}' is cut at '{value_node.value}': in YAML ' #' starts "
                                    "a comment; put the whole value in quotes"))
        _store(key, target, value, line, front)
    return front, problems


def _store(key: str, target: str, value: Any, line: int, front: FrontMatter) -> None:
    if target == "tags" and "tags" in front.values:
        value = tuple(dict.fromkeys((*front.values["tags"], *value)))
    elif target != key and target in front.values:
        return  # our own key, seen earlier, wins over its alias
    front.values[target] = value
    front.lines.setdefault(target, line)


def _example(spec: _Key, toml: bool) -> str:
    # Named by the schema's key, not an alias or a capitalised key as the file wrote it.
    name = next(name for name, item in SCHEMA.items() if item is spec)
    return setting_line(name, spec.example, toml)


def _accept(
    key: str, spec: _Key, raw: Any, line: int, rel: str, front: FrontMatter,
    problems: list[Problem], quoted: bool = True,
) -> Any:
    """Check one value against its key's rules; the converted value, or None when rejected.
    ``quoted``: a text value was written in quotes (always so in TOML)."""
    if raw is None and key not in ("id", "title"):
        problems.append(Problem(rel, line, Severity.WARNING,
                                f"'{key}' has no value and is ignored; give it one or remove "
                                "the line"))
        return None
    value = spec.convert(raw)
    said = _quoted_boolean(key, spec, raw, quoted, front.toml)
    if said is not None:
        problems.append(Problem(rel, line, Severity.ERROR, said))
        front.invalid.add(key)
        return None
    if value is None:
        problems.append(Problem(rel, line, Severity.ERROR,
                                f"'{key}' must be {spec.expected}, not {_describe(raw)}; "
                                f"for example '{_example(spec, front.toml)}'"))
        front.invalid.add(key)
        return None
    if isinstance(value, int) and not isinstance(value, bool) and (
        (spec.low is not None and value < spec.low)
        or (spec.high is not None and value > spec.high)
    ):
        problems.append(Problem(rel, line, Severity.ERROR,
                                f"'{key}' must be between {spec.low} and {spec.high}, "
                                f"not {value}"))
        front.invalid.add(key)
        return None
    if isinstance(value, str) and spec.high is not None and len(value) > spec.high:
        problems.append(Problem(rel, line, Severity.ERROR,
                                f"'{key}' is {len(value)} characters long; keep it to "
                                f"{spec.high} (one short question)"))
        front.invalid.add(key)
        return None
    if isinstance(value, str) and not value and key in ("id", "title"):
        problems.append(Problem(rel, line, Severity.ERROR,
                                f"'{key}' is empty; give it a value or remove the line"))
        front.invalid.add(key)
        return None
    if isinstance(value, str) and len(value) > 2 and (value[0], value[-1]) in _CURLY_PAIRS \
            and value[0] not in value[1:-1] and value[-1] not in value[1:-1]:
        # Valid YAML (a plain value), so no parse error named it: a word processor's quotes
        # around the whole value, which learners would read as part of the title.
        problems.append(Problem(rel, line, Severity.WARNING,
                                f"'{key}' is wrapped in curly quotes ({value[0]}...{value[-1]}), "
                                f"which {'TOML' if front.toml else 'YAML'} does not read as "
                                "quotes: they are left out; use straight quotes"
                                + (f": {setting_line(key, value[1:-1], True)}" if front.toml
                                   else f" or none: {key}: {_yaml_text(value[1:-1])}")))
        return value[1:-1]
    return value


_BOOLEAN_WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False,
                  "off": False}
"""Words a trainer writes for true or false (YAML reads them so unquoted, in lower, title or
upper case; TOML only true and false)."""


def _quoted_boolean(key: str, spec: _Key, raw: Any, quoted: bool, toml: bool) -> str | None:
    """What to write instead of a true/false key given one of :data:`_BOOLEAN_WORDS` as text
    (``draft: "yes"``, ``draft = "true"``, ``draft: tRUE``), or None. Still refused: quotes
    make it text, and "must be true or false, not 'yes'" had read as if yes were refused."""
    if not spec.boolean or not isinstance(raw, str):
        return None
    meant = _BOOLEAN_WORDS.get(raw.strip().lower())
    if meant is None:
        return None
    fix = setting_line(key, meant, toml)
    if quoted:
        return (f"'{key}' must be true or false, not the text {raw!r} (quotes make it text); "
                f"write {fix} without quotes")
    return f"'{key}' must be true or false, not {raw!r} (YAML reads it as text); write {fix}"


def _straightened(value: str) -> str:
    """The text meant by a value that starts with a curly quote: quotes around it all were
    meant as YAML's (left out); quotes around a part of it ('\u201cMerci\u201d : dire merci')
    are the text's own, made straight, both of them (a stray curly one had been left)."""
    closers = [close for open_, close in _CURLY_PAIRS if open_ == value[0]]
    if len(value) > 1 and value[-1] in closers and not any(
            quote in value[1:-1] for quote in (value[0], *closers)):
        return value[1:-1]
    end = min((at for close in closers if (at := value.find(close, 1)) > 0), default=-1)
    straight = [_STRAIGHT.get(value[0], value[0])]
    for at, char in enumerate(value[1:], start=1):
        straight.append(_STRAIGHT.get(char, char) if at == end else char)
    return "".join(straight)


_CURLY_PAIRS = frozenset({("\u201c", "\u201d"), ("\u2018", "\u2019"), ("\u201e", "\u201c"),
                          ("\u201e", "\u201d"), ("\u00ab", "\u00bb"), ("\u201d", "\u201d")})
"""Opening and closing curly quotes as word processors write them (English, German, French,
Swedish)."""


_TOML_LINE = re.compile(r"at line (\d+)")
_TOML_BARE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=\s*([^\"'\[{\s].*)$")
"""A key whose value is text without quotes ('title = Phone calls')."""


def _unclosed_toml(source: str) -> tuple[int, str] | None:
    """(line, its opening '[', '{' or quotes) of the first bracket or multi-line string of
    ``source`` that is never closed, or None. Strings and comments are skipped; a string left
    open on its own line is the parser's own error, with its line."""
    stack: list[tuple[int, str]] = []
    line, at = 1, 0
    while at < len(source):
        char = source[at]
        if char == "\n":
            line += 1
        elif char == "#":
            end = source.find("\n", at)
            at = len(source) if end < 0 else end
            continue
        elif source.startswith(('"""', "'''"), at):
            quote = source[at:at + 3]
            end = source.find(quote, at + 3)
            if end < 0:
                return line, quote
            line += source.count("\n", at, end)
            at = end + 3
            continue
        elif char in "\"'":
            end = at + 1
            while end < len(source) and source[end] not in (char, "\n"):
                end += 2 if char == '"' and source[end] == "\\" else 1
            at = end + 1
            continue
        elif char in "[{":
            stack.append((line, char))
        elif char in "]}" and stack:
            stack.pop()
        at += 1
    return stack[0] if stack else None


def _toml_escape(source: str, at: int, multi: bool) -> int | None:
    """How many characters the escape whose backslash is at ``at`` of ``source`` takes, in a
    basic string (``multi``: one over several lines); None when TOML cannot read it."""
    if multi:
        ending = _TOML_LINE_END.match(source, at)
        if ending is not None:  # a backslash at a line's end joins it to the next
            return ending.end() - at
    if source[at + 1:at + 2] in ('"', "\\"):
        return 2
    # Asked of the parser itself, so an escape a later TOML adds ('\e') is read as it reads it.
    # Hex digits are never a backslash or a quote: scanning on after two characters is safe.
    escape = _TOML_ESCAPE.match(source, at)
    try:
        tomllib.loads(f'x = "{escape.group() if escape else ""}"')
    except tomllib.TOMLDecodeError:
        return None
    return 2


_TOML_LINE_END = re.compile(r"\\[ \t]*\r?\n")
_TOML_ESCAPE = re.compile(r"\\(?:[A-Za-z][0-9A-Fa-f]{0,8}|.)?")
"""A backslash and what may belong to its escape (at most eight hex digits after a letter)."""
_TOML_QUOTED = (re.compile(r'"(?:[^"\\\n]|\\.)*"'), re.compile(r'"""(?:[^\\]|\\[\s\S])*?"""'))
"""A basic string as written: on one line, or over several."""


def _toml_backslash(source: str) -> tuple[int, str, bool] | None:
    """(0-based line, what to say, whether the string is left open) for the first basic string
    of ``source`` with a backslash TOML cannot read as an escape ('"C:\\Users"'), or with one
    before the quote meant to close it ('"C:\\"', which then never ends). Comments and literal
    strings ('C:\\Users') keep a backslash as typed: skipped. None when there is none."""
    rows = source.split("\n")
    at = 0
    while at < len(source):
        char = source[at]
        if char == "#":
            end = source.find("\n", at)
            at = len(source) if end < 0 else end
        elif char == "'":
            quote = "'''" if source.startswith("'''", at) else "'"
            end = source.find(quote, at + len(quote))
            newline = source.find("\n", at) if quote == "'" else -1
            at = len(source) if end < 0 else \
                newline if 0 <= newline < end else end + len(quote)
        elif char == '"':
            found = _toml_basic(source, rows, at)
            if not isinstance(found, int):  # a slip, or a string left open without one
                return found
            at = found
        else:
            at += 1
    return None


def _toml_basic(source: str, rows: list[str], start: int) -> int | tuple[int, str, bool] | None:
    """Read the basic string opened at ``start`` of ``source``: where it ends, or what
    :func:`_toml_backslash` says of it."""
    multi = source.startswith('"""', start)
    at = start + (3 if multi else 1)
    while at < len(source) and (multi or source[at] != "\n"):
        if source.startswith('"""' if multi else '"', at):
            # A multi-line string may end in one or two quotes of its own: '"""a""""'.
            run = len(source[at:at + 5]) - len(source[at:at + 5].lstrip('"'))
            return at + (run if multi else 1)
        if source[at] != "\\":
            at += 1
            continue
        step = _toml_escape(source, at, multi)
        if step is None:
            closed = _TOML_QUOTED[multi].match(source, start)
            line_end = source.find("\n", at)
            written = closed.group() if closed is not None else \
                source[start:len(source) if line_end < 0 else line_end]
            line = source.count("\n", 0, start)
            column = start - source.rfind("\n", 0, start) - 1
            key = _whole_value(rows[line], column, written, _TOML_KEY) \
                if closed is not None else None
            return (source.count("\n", 0, at),
                    _unreadable_escape(written, at - start, key, "TOML", "uU"), False)
        at += step
    return _toml_left_open(source, rows, start, at, multi)


def _toml_left_open(source: str, rows: list[str], start: int, stop: int,
                    multi: bool) -> tuple[int, str, bool] | None:
    """For a basic string opened at ``start`` of ``source`` and never closed (read up to
    ``stop``): what to say when a backslash escaped the quote meant to close it."""
    line = source.count("\n", 0, start)
    if not multi:
        said = _quote_escaped(rows[line], start - source.rfind("\n", 0, start) - 1, _TOML_KEY)
        return None if said is None else (line, said, True)
    last = source.rfind('\\"""', start + 3, stop)
    if last < 0:
        return None
    return (source.count("\n", 0, last),
            f"the backslash at the end of {_shortened(source[start:last + 4], last - start)} makes its "
            "closing quotes part of the text (inside double quotes '\\\"' is a quote), so the "
            "value never ends; to end it with a backslash, write it twice ('\\\\')", True)


def _check_toml(
    source: str, offset: int, rel: str, front: FrontMatter, problems: list[Problem]
) -> tuple[FrontMatter, list[Problem]]:
    """TOML front matter (Hugo's '+++'): the same keys and checks as YAML."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        front.broken = True
        found = _TOML_LINE.search(str(exc))
        said = str(exc).split(" (at")[0]
        backslash = _toml_backslash(source)
        if backslash is not None and (
                int(found.group(1)) - 1 == backslash[0] if found else backslash[2]):
            # tomllib names no backslash ('Invalid hex value', 'Illegal character'): which
            # one, and how to keep it as typed. Only for the error it raised (at that line;
            # at the document's end a string left open has no line).
            return front, [*problems, Problem(rel, offset + backslash[0], Severity.ERROR,
                                   f"front matter is not valid TOML: {backslash[1]}")]
        unclosed = _unclosed_toml(source) if said.startswith("Unclosed") or not found else None
        if unclosed is not None:
            # The parser notices only where the value should have ended (the next key's
            # line, or the end of the front matter): the trainer's slip is where it opened.
            number, opened = unclosed
            closer = {"[": "]", "{": "}"}.get(opened, opened)  # a string ends as it began
            quote = '"' if "'" in opened else "'"
            return front, [*problems, Problem(rel, offset + number - 1, Severity.ERROR,
                                   f"front matter is not valid TOML: the {quote}{opened}{quote} "
                                   f"opened on this line is never closed; end it with "
                                   f"{quote}{closer}{quote}")]
        number = int(found.group(1)) if found else 1
        row = source.split("\n")[number - 1] if found else ""
        bare = _TOML_BARE.match(row)
        if bare is not None and said == "Invalid value":
            # A comment after it stays out of the quotes the hint writes.
            value = bare.group(2).split(" #")[0].strip().replace('"', '\\"')
            key = bare.group(1)
            fix = f"text needs quotes: write {key} = \"{value}\""
        else:
            fix = "write it as 'key = \"value\"' lines"
        return front, [*problems, Problem(rel, offset + number - 1, Severity.ERROR,
                               f"front matter is not valid TOML: {said}; {fix}")]
    rows = source.split("\n")
    for key, raw in data.items():
        if isinstance(raw, dict):
            continue  # a [table] such as Hugo's [params]: nothing of ours
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        line = offset + next((n for n, row in enumerate(rows) if pattern.match(row)), 0)
        if key in FOREIGN_KEYS:
            continue
        key, target, spec = _spec_of(key, data.keys(), line, rel, problems)
        if spec is None:
            problems.append(Problem(rel, line, Severity.WARNING,
                                    f"unknown front-matter key '{key}' is ignored; "
                                    f"{_hint(key)}"))
            continue
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        value = _accept(key, spec, raw, line, rel, front, problems)
        if value is not None:
            for at, written in _toml_strings(source, line - offset):
                slip = _escape_said(written, key, isinstance(raw, str), " = ") \
                    if written.startswith('"') else None
                if slip is not None:
                    problems.append(Problem(rel, offset + source.count("\n", 0, at) + slip[0],
                                            Severity.WARNING, slip[1]))
            _store(key, target, value, line, front)
    return front, problems


_TOML_TOKEN = re.compile(r'"""(?:[^\\]|\\[\s\S])*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
                         r"|'[^'\n]*'|#[^\n]*|[\[\]{}\n]")
"""What a TOML value is read in: strings (basic, literal; on one line or several),
comments, brackets and line ends."""


def _toml_strings(source: str, index: int) -> list[tuple[int, str]]:
    """The strings of the value set on ``source``'s 0-based line ``index`` ('key = ...'), as
    written, with where each starts in ``source``: a value ends at a line end outside its
    brackets and strings."""
    at = source.find("=", sum(len(row) + 1 for row in source.split("\n")[:index]))
    strings: list[tuple[int, str]] = []
    if at < 0:
        return strings
    depth = 0
    for token in _TOML_TOKEN.finditer(source, at + 1):
        text = token.group()
        if text[0] in "\"'":
            strings.append((token.start(), text))
        elif text in "[{":
            depth += 1
        elif text in "]}":
            depth -= 1
        elif text == "\n" and depth <= 0:
            break
    return strings


def _spec_of(key: str, written: Collection[str], line: int, rel: str,
             problems: list[Problem]) -> tuple[str, str, _Key | None]:
    """(the key as read, the key it stands for, its spec; None: unknown). A known key written
    with capitals ('Title', as Hugo allows) is read as that key, with a warning, unless the
    file (whose keys are ``written``) also has it in lower case."""
    target = ALIASES.get(key, key)
    spec = SCHEMA.get(target)
    lower = key.lower()
    if spec is None and lower != key and lower not in written and \
            (lower in SCHEMA or lower in ALIASES):
        problems.append(Problem(rel, line, Severity.WARNING,
                                f"key '{key}' is read as '{lower}'; write it in lower case"))
        key, target = lower, ALIASES.get(lower, lower)
        spec = SCHEMA[target]
    return key, target, spec


def _hint(key: str) -> str:
    close = difflib.get_close_matches(key.lower(), SCHEMA, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"known keys are: {', '.join(SCHEMA)}"


def _as_written(node: yaml.Node) -> Any:
    """A node's value as the trainer wrote it: strings for scalars, lists and dicts of them."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag.endswith(":null") and not node.style else str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_as_written(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): _as_written(v) for k, v in node.value}
    return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, list):
        nested = next((item for item in value if isinstance(item, dict)), None)
        if nested:  # "[safety: fire]": YAML read the colon as a key and its value
            key, item = next(iter(nested.items()))
            return (f"a list holding '{key}: {item}', which YAML reads as a key and a value "
                    "because of its ': ' (quote that item, \"...\", or drop the colon)")
        return "a list"
    if isinstance(value, dict):
        return "a nested mapping"
    return f"'{value}'"
