"""Turn one lesson file's text into a :class:`Lesson` and the problems a trainer should fix.

Markdown is parsed with pyromark (pulldown-cmark: CommonMark plus GitHub's task lists and tables)
and walked as events, never matched with ad-hoc regexes; every event carries its source range, so
every element keeps its line for error messages. (Only what Markdown left as plain text is
matched, for Markdown meant but not read so: an image or a link whose path has a space.)
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import posixpath
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import ParseResult, quote, urlparse

from bot.content import frontmatter
from bot.content.folder import LESSON_SUFFIXES
from bot.content.images import image_path
from bot.content.links import is_lesson_path, link_path
from bot.content.markdown import MarkdownWalker, Tag, plain_text, without_comments
from bot.content.model import (
    SELECT_ALL,
    Choice,
    Lesson,
    Problem,
    Question,
    Severity,
    setting_line,
)

WORDS_PER_MINUTE = 200
LONG_LESSON_MINUTES = 12
SUMMARY_CHARS = 300
# Limits that chat platforms impose on quiz polls and buttons; over them a question cannot be sent
# natively, so the trainer hears about it now rather than at delivery.
MAX_QUESTION_CHARS = 300
MAX_CHOICE_CHARS = 100
MAX_EXPLANATION_CHARS = 200
MAX_CHOICES = 10
MAX_PROBLEMS = 50
"""Per file: a machine-made file can hold thousands of the same mistake."""
SPACED_ID = "the file's path has a space"
"""How the warning on a path with a space starts (its advice, to rename the file and keep its
id, is not for an exact copy, which is to be deleted: the catalog leaves it out there)."""

_QUIZ_WORDS = ("quiz", "check yourself", "test yourself", "check your understanding",
               "knowledge check", "self-check")
"""How a quiz section's heading may begin."""
_QUIZ_HEADING = re.compile(r"^(" + "|".join(map(re.escape, _QUIZ_WORDS)) + r")\b|\bquiz\b",
                           re.IGNORECASE)
"""A quiz section's heading: one of those words first, or "quiz" anywhere ("## Pop quiz")."""


def _stray_tasks(rel: str, line: int, heading: tuple[int, str, int] | None,
                 had_quiz: bool) -> Problem:
    """Task-list items outside a quiz: a checklist may mean them as text (a warning), but
    under a misspelt quiz heading ('## Quizz') or a question written with '## ' (which ends
    the quiz) they are a quiz whose answers learners would read: an error, at that heading."""
    if heading is not None:
        level, text, at = heading
        near = difflib.get_close_matches(text.lower().rstrip(":!. "), _QUIZ_WORDS, n=1,
                                         cutoff=0.75)
        fix = (f"did you mean '{'#' * level} {near[0].capitalize()}'?" if near
               else f"call it '{'#' * level} Quiz'"
               if re.search(r"\bquestions?\b", text, re.IGNORECASE) else "")
        if fix:
            return Problem(rel, at, Severity.ERROR,
                           f"heading '{text}' is not a quiz heading, so the questions under it "
                           f"would be shown to learners as text, answers included; {fix}")
        if had_quiz and text.endswith("?"):
            return Problem(rel, at, Severity.ERROR,
                           f"question '{_shorten(text, 60)}' starts with '{'#' * level} ', which "
                           "ends the quiz, so its choices would be shown to learners as text, "
                           "answers included; start each question with '### '")
    return Problem(rel, line, Severity.WARNING,
                   "task-list items outside a '## Quiz' section are shown to learners as text, "
                   "answers included; put quiz questions under '## Quiz' as '### Question?'")


_ATX_MARKS = re.compile(r"^#{1,6}\s*|\s+#+\s*$")
_QUOTE_MARK = re.compile(r"^\s{0,3}>\s?")


@dataclass
class _Draft:
    """What the token walk collects before the lesson is assembled."""

    title: str | None = None
    title_lines: tuple[int, int] | None = None
    quiz_ranges: list[tuple[int, int]] = field(default_factory=list)
    comment_ranges: list[tuple[int, int]] = field(default_factory=list)
    """HTML comments on lines of their own ('<!-- TODO ... -->'): notes for trainers."""
    questions: list[Question] = field(default_factory=list)
    summary: str = ""
    text_parts: list[str] = field(default_factory=list)
    images: list[tuple[str, int]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


def parse_lesson(
    text: str, rel: str, root: Path | None = None
) -> tuple[Lesson | None, list[Problem]]:
    """Parse a lesson's text. ``rel`` is its path relative to the lesson folder.

    Returns the lesson (``None`` when any error was found) and every problem, sorted by line.
    ``root`` is the lesson folder, used to check that local images exist; without it images are
    not checked.
    """
    conflict = _merge_conflict(text)
    if conflict is not None:
        # Whichever side is meant, the file as it is would be read wrong (its markers served
        # as text, or the front matter told as unclosed): the conflict is what to fix.
        return None, [Problem(rel, conflict, Severity.ERROR, "unresolved merge conflict: keep "
                              "one side and delete the marker lines")]
    front, problems = frontmatter.parse(text, rel)
    lines = text.split("\n")
    body_start = front.body_start
    fence = ""
    for index in range(body_start, len(lines)):
        opened = _FENCE.match(lines[index])
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]  # a code block opens or closes
            continue
        if fence:
            continue  # code is shown as written
        lines[index] = _plain_spaces_in_marker(lines[index])
        slip = _choice_marker_slip(lines[index])
        if slip:
            problems.append(Problem(rel, index + 1, Severity.ERROR, slip))
    draft = _Draft()
    walker = _Walker("\n".join(lines[body_start:]), body_start, rel, draft, problems)
    walker.run()
    if walker.stray_task_line is not None:
        stray = _stray_tasks(rel, walker.stray_task_line, walker.stray_heading,
                             bool(draft.quiz_ranges))
        if not stray.is_error and walker.stray_question is not None:
            # A question with a ticked choice under it is a quiz, whatever its section: shown
            # as text, the answer would be ticked for learners to see.
            asked, at = walker.stray_question
            section = walker.stray_heading
            fix = (f"call the section '{section[1]}' above it '## Quiz' (a quiz's heading is "
                   "English whatever the lesson's language: 'Quiz', 'Check yourself', "
                   "'Knowledge check')" if section is not None and section[0] == 2
                   else "put '## Quiz' above it (each question as '### Question?')")
            stray = Problem(rel, at, Severity.ERROR,
                            f"question '{_shorten(asked, 60)}' has ticked and unticked choices, "
                            "but is not in a '## Quiz' section, so learners would read it as text "
                            f"with the answer ticked; {fix}")
        problems.append(stray)

    values = front.values
    title = values.get("title") or draft.title or _title_from_name(rel)
    body = _body_markdown(lines, body_start, draft, keep_title=bool(values.get("title")))
    if not values.get("title") and draft.title is None and not front.broken \
            and "title" not in front.invalid:
        problems.append(Problem(rel, 1, Severity.WARNING,
                                f"no title; using '{title}' from the file name; add '# Title' "
                                "as the first line or "
                                + ("'title = \"...\"'" if front.toml else "'title:'")
                                + " in the front matter"))
    if values.get("title") and draft.title and draft.title_lines \
            and _same_words(values["title"], draft.title):
        # The front matter's title is shown above the text, and this heading kept in it.
        problems.append(Problem(rel, draft.title_lines[0] + 1, Severity.WARNING,
                                f"the heading '{_shorten(draft.title, 60)}' repeats the title "
                                "set in the front matter, so learners see the title twice; "
                                "delete this line, or make the heading say something else"))
    plain = "\n".join(draft.text_parts)
    words = len(plain.split())
    minutes = values.get("minutes") or max(1, math.ceil(words / WORDS_PER_MINUTE))
    if words / WORDS_PER_MINUTE > LONG_LESSON_MINUTES:
        problems.append(Problem(rel, 1, Severity.WARNING,
                                f"about {math.ceil(words / WORDS_PER_MINUTE)} minutes of reading "
                                "(micro-lessons work best at 2-5 minutes); split it into a track "
                                "of shorter lessons"))
    if not body.strip() and not draft.quiz_ranges and not front.broken:
        problems.append(Problem(rel, 1, Severity.ERROR,
                                "the lesson has no text; write at least a paragraph"
                                if not values.get("title") and draft.title is None else
                                "the lesson has a title but no text; write at least a paragraph"))
    paths, path_lines, path_states = _check_links(
        draft.links, None if root is None else Path(root), rel, problems)
    late = _late_front_matter(lines, body_start) if not front.values else None
    if late is not None:
        problems.append(Problem(rel, late, Severity.WARNING,
                                "this looks like front matter, but front matter must be the "
                                "file's first lines (before '# Title'); move it to the top, or "
                                "learners read it as lesson text"))
    image = values.get("image")
    if image is not None:
        draft.images.insert(0, (image, front.lines["image"]))
    if root is not None:
        _check_images(draft.images, Path(root), rel, problems)
    # The lines to add in the file's own syntax: a YAML line pasted into TOML is an error.
    track_line, order_line = ("track = \"name\"", "order = N") if front.toml \
        else ("track: name", "order: N")
    if "track" not in values and "order" in values:
        problems.append(Problem(rel, front.lines["order"], Severity.WARNING,
                                f"'order' has no effect without 'track'; add '{track_line}' "
                                "or remove 'order'"))
    if values.get("check") and "track" not in values and "track" not in front.invalid:
        # The file's own mistake: said with its others, not only once they are fixed.
        problems.append(Problem(rel, front.lines["check"], Severity.ERROR,
                                f"'check' needs a track: add '{track_line}' and make this "
                                "lesson its first, or remove 'check'"))
    if "track" in values and "order" not in values and "order" not in front.invalid:
        problems.append(Problem(rel, front.lines["track"], Severity.WARNING,
                                f"lesson is in a track but has no 'order'; add '{order_line}' so it "
                                "comes at the right place"))

    if not values.get("id"):
        problems.extend(_spaced_id(rel, front.toml, "topic" in values))
    problems.sort(key=lambda p: (p.line, p.severity.value, p.message))
    if len(problems) > MAX_PROBLEMS:
        rest = problems[MAX_PROBLEMS:]
        worst = Severity.ERROR if any(p.is_error for p in rest) else Severity.WARNING
        problems = [*problems[:MAX_PROBLEMS],
                    Problem(rel, rest[0].line, worst,
                            f"{len(rest)} more problems in this file are not shown; fix the "
                            "ones above and check again")]
    if any(p.is_error for p in problems):
        return None, problems
    lesson_id = values.get("id") or _id_from_path(rel)
    lesson = Lesson(
        id=lesson_id,
        path=rel,
        title=title,
        summary=values.get("summary") or draft.summary,
        body=body,
        text=plain,
        topic=values.get("topic") or _topic_from_path(rel),
        tags=values.get("tags", ()),
        track=values.get("track"),
        order=values.get("order"),
        minutes=minutes,
        objective=values.get("objective", ""),
        reflect=values.get("reflect", ""),
        check=values.get("check", 0),
        confidence=values.get("confidence", False),
        image=image,
        questions=tuple(draft.questions),
        draft=values.get("draft", False),
        headings=tuple(draft.headings),
        images=tuple(dict.fromkeys(
            src for src, _ in draft.images if not urlparse(src).scheme and src)),
        links=paths,
        link_lines=path_lines,
        link_states=path_states,
        lines=dict(front.lines),
        toml=front.toml,
    )
    return lesson, problems


_ODD_SPACE = "[\u00a0\u2007\u202f]"
_MARKER_SPACE = re.compile(rf"^(\s*(?:[-*+]|\d{{1,2}}[.)]))(?:{_ODD_SPACE}| )*{_ODD_SPACE}"
                           rf"(?=\[(?:[ xX]|{_ODD_SPACE})\])")
"""No-break spaces between a list marker and a task box (only there: '3.\u00a0Oktober' in
prose stays as written)."""
_FENCE = re.compile(r"^\s{0,3}(```+|~~~+)")
_BOX_SPACE = re.compile(rf"^(\s*(?:[-*+]|\d{{1,2}}[.)]) \[)(?:{_ODD_SPACE})(\])")
_AFTER_BOX = re.compile(rf"^(\s*(?:[-*+]|\d{{1,2}}[.)]) \[[ xX]\])(?:{_ODD_SPACE}| )*{_ODD_SPACE}")
_OTHER_BULLET = re.compile("^\\s*([\u2022\u2013\u2014\u00b7\u25aa\u25e6\u2023])\\s*\\[[ xX\u2713\u2714]?\\]")
"""A choice written with a bullet pasted from a word processor ('• [x] Impact')."""
_TIGHT_BULLET = re.compile(r"^ {0,3}(([-*+])(\[[ xX]\]))")
"""A choice with no space between its dash and its box ('-[x] Impact')."""


_CONFLICT_START = re.compile(r"<{7}(?:\s.*)?")
_CONFLICT_MIDDLE = re.compile(r"={7}\s*")
_CONFLICT_END = re.compile(r">{7}(?:\s.*)?")


def _merge_conflict(text: str) -> int | None:
    """The line of the first git conflict marker ``<<<<<<<`` followed by a ``=======`` line
    and a ``>>>>>>>`` line, outside fenced code blocks (where a lesson may show one); None
    when there is none. A lone ``=======`` line is a heading's underline."""
    fence = ""
    start: int | None = None
    middle = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        opened = _FENCE.match(line)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]
            continue
        if fence:
            continue
        if _CONFLICT_START.fullmatch(line):
            start, middle = number, False
        elif start is not None and _CONFLICT_MIDDLE.fullmatch(line):
            middle = True
        elif middle and _CONFLICT_END.fullmatch(line):
            return start
    return None


def _choice_marker_slip(line: str) -> str | None:
    """What is wrong with a choice Markdown does not read as one, for its marker: a word
    processor's bullet ('• [x]'), or no space after the dash ('-[x]'); None for any other
    line."""
    bullet = _OTHER_BULLET.match(line)
    if bullet:
        return (f"this choice starts with '{bullet.group(1)}', which Markdown does not read as "
                "a list; write choices as '- [ ] text' and '- [x] text'")
    tight = _TIGHT_BULLET.match(line)
    if tight:
        return (f"'{tight.group(1)}' has no space after its '{tight.group(2)}', so Markdown "
                f"does not read it as a choice; write '{tight.group(2)} {tight.group(3)}'")
    return None


def _plain_spaces_in_marker(line: str) -> str:
    """A list item's marker and box with the no-break spaces a word processor pastes made
    plain ('-\u00a0[x]\u00a0Impact'): Markdown reads no list there, and the trainer sees no
    difference to fix."""
    if "\u00a0" not in line and "\u2007" not in line and "\u202f" not in line:
        return line
    line = _MARKER_SPACE.sub(r"\1 ", line)
    line = _BOX_SPACE.sub(r"\1 \2", line)
    return _AFTER_BOX.sub(r"\1 ", line)


def _same_words(one: str, other: str) -> bool:
    """Whether two titles read the same to a learner: the same words but for case,
    punctuation and a slip or two ('Fire safety', '# Fire Safety!')."""
    def words(text: str) -> str:
        return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())
    first, second = words(one), words(other)
    return first == second or difflib.SequenceMatcher(None, first, second).ratio() >= 0.9


def _id_from_path(rel: str) -> str:
    path = PurePosixPath(rel)
    return str(path.with_suffix("")) if path.suffix.lower() in (".md", ".markdown") else rel


def _spaced_id(rel: str, toml: bool, has_topic: bool) -> list[Problem]:
    """A warning when the id a file takes from its path has a space ('hand washing.md'):
    learners are served it all the same, but every link to it must escape the space, and
    ``lessons show`` needs the id in quotes. The fix renames the file and keeps the id with
    ``id:`` (learners' progress is kept by id), not the reverse, which would start them over;
    a first folder renamed keeps its topic with ``topic:`` (learners follow topics by name)."""
    lesson_id = _id_from_path(rel)
    if not any(char.isspace() for char in lesson_id):
        return []
    parts = rel.split("/")
    fixed = "/".join("-".join(part.split()) for part in parts)
    keep = [setting_line("id", lesson_id, toml)]
    topic = _topic_from_path(rel)
    if not has_topic and topic != _topic_from_path(fixed):
        keep.append(setting_line("topic", topic, toml))
    kept = " and ".join(f"'{line}'" for line in keep)
    return [Problem(rel, 1, Severity.WARNING,
                    f"{SPACED_ID}, so its lesson id does too ('{lesson_id}'): "
                    f"a link to it must be written with '%20' for each space or in '<...>' "
                    f"('{quote(parts[-1])}'), and 'lessons show' needs the id in quotes; "
                    f"rename it '{fixed}' and add {kept} to its front matter, which keeps "
                    "its learners' progress (kept by id; a lesson no learner has had yet needs "
                    "no 'id')")]


def _topic_from_path(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    return parts[0] if len(parts) > 1 else "general"


def _title_from_name(rel: str) -> str:
    stem = PurePosixPath(rel).stem.replace("-", " ").replace("_", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else rel


_SPACED_PATH = re.compile(r"""(!?)\[([^\]\n]*)\]\(\s*((?:[^()<>"'\n]|\([^()\n]*\))+?)"""
                          r"""\s*("[^"\n]*"|'[^'\n]*')?\s*\)""")
"""An image or a link as written: its '!' (an image's), words, path (with a pair of brackets,
as in 'photo (1).png') and title. In text that Markdown did not read as an image or a link,
a path with a space."""


class _Walker(MarkdownWalker):
    """Walks a lesson body's Markdown events and fills a :class:`_Draft`.

    Event ranges are UTF-8 byte offsets into the body; they become file lines through
    ``line_starts``, and slices of ``source`` give the trainer's own Markdown where it is kept.
    Top-level blocks are collected whole (their text in ``pieces``) and handled at their end.
    """

    def __init__(
        self, body: str, body_start: int, rel: str, draft: _Draft, problems: list[Problem]
    ) -> None:
        self.source = body.encode("utf-8")
        self.line_starts = [0]
        position = self.source.find(b"\n")
        while position != -1:
            self.line_starts.append(position + 1)
            position = self.source.find(b"\n", position + 1)
        self.body_start = body_start
        self.rel = rel
        self.draft = draft
        self.problems = problems
        self.in_quiz = False
        self.quiz_start = 0
        self.question: _QuestionDraft | None = None
        self.empty_quiz: tuple[str, int] | None = None
        """The quiz's heading as written, and its line, while nothing has come under it."""
        self.stray_task_line: int | None = None
        self.heading: tuple[int, str, int] | None = None
        """The last section heading read ('#' or '##'): level, text, line."""
        self.stray_heading: tuple[int, str, int] | None = None
        """The section heading the first task-list item outside a quiz came under."""
        self.intro: tuple[str, int] | None = None
        """A paragraph that asks, before the quiz's first question heading: the first question
        written without its '### ' if choices follow it."""
        self.depth = 0
        self.top: str | None = None
        """The top-level block being read, by tag name."""
        self.top_start = self.top_end = 0
        self.heading_level = 0
        self.pieces: list[str] = []
        self.in_image = 0
        self.in_code_block = 0
        self.run_start = self.run_end = -1
        """The text being read as one run of the source (Markdown splits it at '[', ']'...)."""
        self.item_start = self.marker_end = 0
        self.marker: bool | None = None
        self.asking: tuple[str, int] | None = None
        """The block just read, when it asks (a paragraph or a '### ' heading ending in '?')."""
        self.list_asks: tuple[str, int] | None = None
        """What the list being read comes under, when that asks."""
        self.stray_question: tuple[str, int] | None = None
        """The first question outside a quiz with ticked and unticked choices under it."""
        self.list_marks: set[bool] = set()
        """The boxes of the list being read, under such a question: ticked, unticked."""
        self.nested_at: int | None = None
        """Where a list indented under the choice being read starts (its text ends there)."""
        self.nested: list[Choice] = []
        """Choices in that list (a tab-indented '- [x] ...'): read as the question's own, so
        its other checks hold (no "no correct choice" when the '[x]' was the one indented)."""
        self.nested_item: tuple[int, bool | None] | None = None
        """The item being read in that list: where its box ends, and the box (None: none)."""

    def line(self, offset: int) -> int:
        """1-based file line of a byte offset in the body."""
        return self.body_start + bisect_right(self.line_starts, offset)

    def raw(self, start: int, end: int) -> str:
        """The trainer's Markdown between two offsets, on one line, without their notes
        (HTML comments)."""
        return _one_line(self.source[start:end].decode("utf-8", "replace"))

    def run(self) -> None:
        self.walk(self.source.decode("utf-8"), merge_text=False)
        self.text_run_ends()
        self.end_quiz(len(self.line_starts) + self.body_start)

    def words(self, value: str) -> None:
        if not self.in_image:
            self.pieces.append(value)

    code = math = words  # words of the lesson like any other: they count for search and reading time

    def text(self, value: str) -> None:
        self.words(value)
        if self.in_code_block:
            return
        start, end = self.span["start"], self.span["end"]
        if start != self.run_end:
            self.text_run_ends()
            self.run_start = start
        self.run_end = end

    def text_run_ends(self) -> None:
        """Look at the text just read, as the trainer wrote it, for Markdown that was meant but
        not read as such: an image or a link whose path has a space."""
        raw = self.source[self.run_start:self.run_end]
        if b"](" not in raw:
            return
        written = raw.decode("utf-8", "replace")
        for found in _SPACED_PATH.finditer(written):
            bang, words, path, title = found.group(1), found.group(2), found.group(3).strip(), \
                found.group(4) or ""
            at = self.run_start + len(written[:found.start()].encode("utf-8"))
            if " " not in path or self.source[at - 1:at] == b"\\":  # '\![', '\[': text meant so
                continue
            kind = "an image" if bang else "a link"
            title = f" {title}" if title else ""
            self.problems.append(Problem(
                self.rel, self.line(at), Severity.WARNING,
                f"'{found.group(0)}' is not read as {kind}: Markdown ends {kind}'s path at a "
                "space, so learners see these words as typed; write the path in angle "
                f"brackets, '{bang}[{words}](<{path}>{title})', or each space as %20, "
                f"'{bang}[{words}]({path.replace(' ', '%20')}{title})'"))

    def soft_break(self) -> None:
        self.pieces.append(" ")

    hard_break = soft_break

    def task_marker(self, checked: bool) -> None:
        # A top-level item's own box (a nested list's is an error below); depth 3 in a list
        # spaced out with blank lines, whose items hold paragraphs.
        if self.depth == 2 or (self.depth == 3 and self.marker is None):
            self.marker, self.marker_end = checked, self.span["end"]
        elif self.depth in (4, 5) and self.nested_item is not None \
                and self.nested_item[1] is None:
            self.nested_item = (self.span["end"], checked)

    def rule(self) -> None:
        if self.depth == 0:
            self.block("Rule", self.span["start"], self.span["end"], [], 0)

    def start(self, tag: Tag) -> None:
        name = tag.name
        if name == "CodeBlock":
            self.in_code_block += 1
        if self.depth == 0:
            self.top, self.top_start, self.top_end = name, self.span["start"], self.span["end"]
            self.pieces = []
            self.list_asks = self.asking if name == "List" else None  # under a question?
            self.list_marks = set()
            if name == "Heading":
                self.heading_level = tag.level
            elif name == "List" and self.in_quiz and self.question is None and self.intro:
                # Choices after a paragraph that asks: the first question without its '### '.
                text, line = self.intro
                self.intro = None
                self.question = _QuestionDraft(text, line, unheaded=True)
                self.question.lists += 1
            elif name == "List" and self.in_quiz and self.question is not None:
                question = self.question
                if question.lists and question.after and _asks(question.after[-1][0]):
                    # A question between two lists of choices is the next question written
                    # without its '### ' (a bold line, "Q3."): one clear error, not a wrong one
                    # about the question before having two lists and its choices twice.
                    text, line = question.after.pop()
                    _finish_question(question, self.rel, self.problems, self.draft)
                    question = self.question = _QuestionDraft(text, line, unheaded=True)
                question.lists += 1
        elif name == "Item" and self.depth == 1 and self.top == "List":
            self.item_start, self.marker = self.span["start"], None
            self.nested_at, self.nested = None, []
        elif name == "Item" and self.depth == 3 and self.nested_at is not None:
            self.nested_item = (self.span["start"], None)
        elif name == "List" and self.depth == 2 and self.top == "List" and self.in_quiz \
                and self.question is not None:
            # Indented under a choice (a tab, or a sub-list): Markdown makes it part of that
            # choice, and a choice written there replaced the one above it, silently.
            at = self.span["start"]
            while self.source[at:at + 1] in (b" ", b"\t", b"\n", b"\r"):
                at += 1
            if self.nested_at is None:
                self.nested_at = self.span["start"]
            line_start = self.line_starts[bisect_right(self.line_starts, at) - 1]
            tabbed = b"\t" in self.source[line_start:at]
            self.problems.append(Problem(
                self.rel, self.line(at), Severity.ERROR,
                "this list is indented under the choice above it"
                f"{' by a tab' if tabbed else ''}, so Markdown reads it as part of "
                "that choice; write each choice at the start of its line ('- [ ] ...'), and "
                "put what explains a choice in the explanation ('> ...')"))
        elif name == "Image":
            self.in_image += 1
            self.draft.images.append((tag.url, self.line(self.span["start"])))
        elif name == "Link":
            self.draft.links.append((tag.url, self.line(self.span["start"])))
        self.depth += 1

    def end(self, name: str) -> None:
        self.depth -= 1
        if name == "CodeBlock":
            self.in_code_block -= 1
        if name == "Image":
            self.in_image -= 1
        elif name == "Item" and self.depth == 3 and self.nested_item is not None:
            after, checked = self.nested_item
            if checked is not None:  # its line: the box's (the item starts at the line break)
                self.nested.append(Choice(self.raw(after, self.span["end"]), checked,
                                          self.line(after - 1)))
            self.nested_item = None
        elif name == "Item" and self.depth == 1 and self.top == "List":
            self.item(self.item_start, self.marker, self.marker_end, self.span["end"])
        elif name in ("Paragraph", "Item", "TableCell", "CodeBlock"):
            self.pieces.append("\n")
        if self.depth == 0 and self.top is not None:
            self.block(self.top, self.top_start, self.top_end, self.pieces, self.heading_level)
            self.top = None

    def end_quiz(self, line: int) -> None:
        if self.in_quiz:
            if self.empty_quiz is not None:
                # Learners get no quiz, and the trainer may think the questions are there.
                heading, at = self.empty_quiz
                self.problems.append(Problem(self.rel, at, Severity.WARNING,
                                             f"'{heading}' has no questions under it; write "
                                             "each question as '### Question?' with its "
                                             "'- [ ]' choices under it, or remove the heading"))
                self.empty_quiz = None
            self.ignore_intro()
            _finish_question(self.question, self.rel, self.problems, self.draft)
            self.question = None
            self.in_quiz = False
            self.draft.quiz_ranges.append((self.quiz_start, line - 1))

    def item(self, start: int, marker: bool | None, marker_end: int, end: int) -> None:
        question = self.question
        if not self.in_quiz or question is None:
            if marker is not None and not self.in_quiz and self.stray_task_line is None:
                self.stray_task_line = self.line(start)
                self.stray_heading = self.heading
            if marker is not None and not self.in_quiz and self.list_asks:
                self.list_marks.add(marker)
            return
        if marker is None:
            # As typed (raw() would make "[  ]" look like "[ ]").
            typed = self.source[start:end if self.nested_at is None
                                else min(end, self.nested_at)].decode("utf-8", "replace").strip()
            broken = _BROKEN_BOX.match(typed)
            if broken is None:
                question.plain_items += 1
                return
            # "- [x ] right", "- [] wrong": meant as a choice, so read as one (the question's
            # other checks then hold), and named at its own line.
            box, text = broken.group(1), " ".join(broken.group(2).split())
            right = box[1:-1].strip() not in ("", "✗", "✘")
            self.problems.append(Problem(
                self.rel, self.line(start), Severity.ERROR,
                f"choice '{_shorten(text, 40)}' has the box '{box}'; write "
                f"'- [{'x' if right else ' '}] {_shorten(text, 40)}' (one x or one space "
                "between the brackets)"))
            question.choices.append(Choice(text, right, self.line(start)))
        else:
            end = self.lazy_line(question, marker_end, end if self.nested_at is None
                                 else min(end, self.nested_at))
            question.choices.append(Choice(self.raw(marker_end, end), marker, self.line(start)))
        # Choices indented under it (reported where that list starts): the question's own.
        question.choices.extend(self.nested)
        self.nested = []

    def lazy_line(self, question: _QuestionDraft, start: int, end: int) -> int:
        """Where a choice's own text ends. Markdown continues a list item on a next line that
        is not indented: 'Explanation: ...' written right under the last choice is the
        explanation, not part of that choice (which would show it, and give the answer away);
        other such text is warned."""
        typed = self.source[start:end]
        lazy = next((match.start() + 1 for match in re.finditer(rb"\n(?=\S)", typed.rstrip())),
                    None)
        if lazy is None:
            return end
        text = " ".join(typed[lazy:].decode("utf-8", "replace").split())
        line = self.line(start + lazy)
        if _EXPLANATION_LABEL.match(text):
            question.after.append((text, line))
            return start + lazy
        choice = _shorten(self.raw(start, start + lazy), 40)
        self.problems.append(Problem(self.rel, line, Severity.WARNING,
                                     f"this line joins the choice '{choice}' above it (Markdown "
                                     "goes on with a list item on the next line), so learners "
                                     "read it as part of that choice; leave a blank line before "
                                     "it, or write an explanation as '> ...'"))
        return end

    def block(self, tag: str, start: int, end: int, pieces: list[str], level: int) -> None:
        """Handle one top-level block once its events are all seen."""
        draft = self.draft
        line = self.line(start)
        text = " ".join("".join(pieces).split())
        if tag == "Heading":
            if not (self.in_quiz and level >= 3):  # a question's, or an ignored heading's
                self.stray_key(start, end, line)
            if level <= 2:
                self.heading = (level, text, line)
                self.end_quiz(line)
            if level == 1 and draft.title is None and not draft.text_parts and not draft.questions:
                draft.title = text
                draft.title_lines = (line - 1, self.line(max(start, end - 1)))
            elif level <= 2 and _QUIZ_HEADING.search(text):
                self.in_quiz = True
                self.quiz_start = line - 1
                self.empty_quiz = (f"{'#' * level} {text}", line)
            elif self.in_quiz and level == 3:
                self.empty_quiz = None
                _finish_question(self.question, self.rel, self.problems, draft)
                asked, key, slip = split_key(self.heading_source(start, end))
                if slip is not None:
                    self.problems.append(Problem(self.rel, line, Severity.ERROR, slip))
                self.question = _QuestionDraft(asked, line, key=key)
            elif self.in_quiz:
                self.empty_quiz = None  # said below: one warning, the one with its cause
                self.problems.append(Problem(self.rel, line, Severity.WARNING,
                                             f"heading '{text}' inside the quiz is ignored; start "
                                             "each question with '### '"))
            elif not text:
                self.problems.append(Problem(self.rel, line, Severity.WARNING,
                                             "empty heading; write its text after the '#' marks "
                                             "or remove the line"))
            else:
                draft.text_parts.append(text)
                draft.headings.append(text)
            # (A question's written key, '{#ssh-port}', is no part of its words.)
            asks = _KEY_MARK.sub("", text).rstrip() if level >= 3 else ""
            self.asking = (asks, line) if asks.endswith("?") else None
            return
        if tag == "HtmlBlock" and _COMMENT.fullmatch(
                self.source[start:end].decode("utf-8", "replace").strip()):
            # A trainer's note to other trainers: never shown to learners.
            draft.comment_ranges.append((line - 1, self.line(max(start, end - 1))))
            return
        if self.in_quiz:
            self.quiz_block(tag, start, end, line)
            return
        if (tag == "CodeBlock" and not self.source.startswith((b"```", b"~~~"), start)
                and _LIST_LINES.fullmatch("".join(pieces).strip())):
            self.problems.append(Problem(self.rel, line, Severity.WARNING,
                                         "this list is indented by a tab or four spaces, so "
                                         "learners see it as code; remove the indent (a nested "
                                         "list goes right under an item)"))
        if tag == "List" and self.list_asks and len(self.list_marks) == 2 \
                and self.stray_question is None:
            # Ticked and unticked boxes under a question: a quiz, whatever its section (a
            # checklist under a question ticks all or none of them).
            self.stray_question = self.list_asks
        self.asking = (text, line) if tag == "Paragraph" and text.endswith("?") else None
        if tag in ("CodeBlock", "Table", "List", "BlockQuote"):
            text = "".join(pieces).strip()
        if text and tag != "HtmlBlock":
            draft.text_parts.append(text)
            if tag == "Paragraph" and not draft.summary:
                draft.summary = _shorten(text)

    def stray_key(self, start: int, end: int, line: int) -> None:
        """A key written at the end of a heading that is no quiz question's ('## Steps
        {#steps}', as Pandoc writes a heading's id): learners would see it as written."""
        mark = _KEY_MARK.search(self.heading_source(start, end))
        if mark is not None:
            self.problems.append(Problem(
                self.rel, line, Severity.WARNING,
                f"'{mark.group(0).strip()}' at the end of this heading is shown to learners as "
                "written: only a quiz question's heading ('### ...' under '## Quiz') takes a "
                "key; remove it"))

    def heading_source(self, start: int, end: int) -> str:
        """A heading's own Markdown: without the '#' marks or a setext underline."""
        source = self.source[start:end].decode("utf-8", "replace").strip()
        source = _ATX_MARKS.sub("", source) if source.startswith("#") else source.rsplit("\n", 1)[0]
        return _one_line(source)

    def ignore_intro(self) -> None:
        """The paragraph before the quiz's first question was no question: say it is ignored."""
        if self.intro is not None:
            self.problems.append(Problem(self.rel, self.intro[1], Severity.WARNING,
                                         "text before the first question of the quiz is "
                                         "ignored; start each question with '### '"))
            self.intro = None

    def quiz_block(self, tag: str, start: int, end: int, line: int) -> None:
        if tag != "Rule":
            self.empty_quiz = None  # whatever it is, what is wrong with it is said below
        question = self.question
        if question is None:
            self.ignore_intro()
            if tag == "Rule":
                return
            text = self.raw(start, end)
            if tag == "Paragraph" and _asks(text):
                self.intro = (text, line)  # a question if choices follow
            elif tag == "List" and _TASK_BOX.search(
                    self.source[start:end].decode("utf-8", "replace")):
                self.problems.append(Problem(
                    self.rel, line, Severity.ERROR,
                    "choices before the quiz's first question heading are not read as a "
                    "question; write each question as '### Question?' with its '- [ ]' choices "
                    "under it"))
            else:
                self.problems.append(Problem(self.rel, line, Severity.WARNING,
                                             "text before the first question of the quiz is "
                                             "ignored; start each question with '### '"))
            return
        code = self.source[start:end].decode("utf-8", "replace") if tag == "CodeBlock" \
            and not self.source.startswith((b"```", b"~~~"), start) else ""
        if _TASK_BOX.search(code):
            # Choices indented by a tab or four spaces: code to Markdown. When the question
            # has no other choices, or its choices go on right under them, they were meant as
            # its choices (read as such, so its other checks hold, and named once, not as "0
            # choices" or "no correct choice"); else a code sample.
            question.indented_line = question.indented_line or line
            # From its first line's start: the block's own range begins after the indent.
            begin = self.line_starts[bisect_right(self.line_starts, start) - 1]
            code = self.source[begin:end].decode("utf-8", "replace")
            for number, row in enumerate(code.split("\n"), start=line):
                choice = _INDENTED_CHOICE.match(row)
                if choice:
                    question.indented_by_tab |= "\t" in row[:len(row) - len(row.lstrip())]
                    question.indented.append(Choice(" ".join(choice.group(2).split()),
                                                    choice.group(1) in "xX", number))
            return
        if tag == "BlockQuote":
            question.explanation_line = question.explanation_line or line
            quoted = self.source[start:end].decode("utf-8", "replace").split("\n")
            question.explanation.append(
                _one_line(" ".join(_QUOTE_MARK.sub("", row) for row in quoted)))
        elif tag == "Paragraph" and question.lists:
            question.after.append((self.raw(start, end), line))
        elif tag == "Paragraph":
            question.detail.append(self.raw(start, end))
            rows = self.source[start:end].decode("utf-8", "replace").split("\n")
            question.lettered.extend((row.strip(), number) for number, row in
                                     enumerate(rows, start=line) if _LETTERED.match(row))


@dataclass
class _QuestionDraft:
    text: str
    line: int
    detail: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    plain_items: int = 0
    explanation: list[str] = field(default_factory=list)
    lists: int = 0
    explanation_line: int = 0
    after: list[tuple[str, int]] = field(default_factory=list)
    """Paragraphs after its choices (with their lines): its detail, unless a list follows."""
    unheaded: bool = False
    """Text followed by choices but without a '### ' heading: reported, never served."""
    indented: list[Choice] = field(default_factory=list)
    """Choices in a list indented into a code block, and its line: the question's choices
    when it has no others."""
    indented_line: int = 0
    indented_by_tab: bool = False
    lettered: list[tuple[str, int]] = field(default_factory=list)
    """Lines before its choices lettered as a Word quiz's options ('A. Tomato', 'B) Onion'),
    with their lines."""
    key: str | None = None
    """The key written on its heading ('{#ssh-port}'), lower-cased; None: from its words."""


_QUESTION_LIKE = re.compile(r"^(?:\*\*|__).+(?:\*\*|__)$|\?\W*$|^(?:\*\*|__)?(?:q|question)\s*\d+\b",
                            re.IGNORECASE)


_EXPLANATION_LABEL = re.compile(
    r"^(?:\*\*|__)?(?:explanation|answer|why|reason|because|feedback)(?:\*\*|__)?\s*[:\-\u2013\u2014]"
    r"\s*(?:\*\*|__)?", re.IGNORECASE)
"""How trainers label an explanation written as plain text after the choices."""

_LIST_LINES = re.compile(r"(?:(?:[-*+]|\d+[.)])[ \t]+\S.*\n*)+")
"""Every line a list item: an indented code block of these is a list indented by mistake."""
_COMMENT = re.compile(r"<!--.*?-->(?:\s*<!--.*?-->)*", re.DOTALL)
"""One or more HTML comments and nothing else."""

_LETTERED = re.compile(r"^\s{0,3}(?:\(?[A-Ja-j]\)|[A-Ja-j]\.)\s+\S")
"""A line lettered as an option ('A. Tomato', 'b) Onion', '(C) Leek'), as a quiz pasted
from a word processor has them."""

_INDENTED_CHOICE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s*(.*)$")
"""A choice in a list indented into a code block: its box and its text."""
_TASK_BOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]", re.MULTILINE)
"""A task-list item anywhere in a block (nested ones too)."""

_BROKEN_BOX = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]+(\[[ \t]*[xXvV✓✔✗✘*]?[ \t]*\])\s*(.*)$",
                         re.DOTALL)
"""A list item opening with a box that Markdown did not read as a task box (it reads only
``[ ]`` and ``[x]``): ``[x ]``, ``[ x]``, ``[]``, ``[  ]``, ``[✓]``, ``[v]``."""


def _asks(text: str) -> bool:
    """Whether a paragraph reads as a question: a bold line, a "?" at its end, or a number
    like "Q3" first ("Also:" between two lists of choices is a split list, not a question)."""
    return bool(_QUESTION_LIKE.search(" ".join(text.split())))


def _finish_question(
    question: _QuestionDraft | None, rel: str, problems: list[Problem], draft: _Draft
) -> None:
    if question is None:
        return
    if question.indented and (not question.choices
                              or question.choices[0].line == question.indented[-1].line + 1):
        # ("\t- [x] Tomato" over "- [ ] Onion": the first choice indented, the others not.)
        one = len(question.indented) == 1
        problems.append(Problem(
            rel, question.indented_line, Severity.ERROR,
            f"{'this choice is' if one else 'these choices are'} indented by "
            f"{'a tab' if question.indented_by_tab else 'four spaces'}, so Markdown reads "
            f"{'it as code, not as a choice' if one else 'them as code, not as choices'}; "
            "remove the indent ('- [ ] ...' at the start of the line)"))
        if not question.choices:
            question.lists += 1
        question.choices[:0] = question.indented
    where = question.line
    short = _shorten(question.text, 60)
    if question.unheaded:
        heading = " ".join(question.text.replace("**", "").replace("__", "").split())
        # "###Which form?" (no space after the hashes) is a heading Markdown does not read.
        heading = heading.lstrip("#").strip() or heading
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"'{short}' is followed by choices but is not a question "
                                f"heading; write it as '### {_shorten(heading, 60)}'"))
        return
    for text, line in question.after:
        labelled = _EXPLANATION_LABEL.match(text)
        if labelled and not question.explanation:
            # "Explanation: ..." after the choices is what '> ...' is for: shown after the answer.
            question.explanation.append(text[labelled.end():].strip())
            question.explanation_line = line
            continue
        question.detail.append(text)
        problems.append(Problem(rel, line, Severity.WARNING,
                                f"the text after the choices of '{short}' is shown with the "
                                "question, before its choices; write an explanation as '> ...' "
                                "(shown after the answer), or give lesson text a '## ' heading "
                                "of its own after the quiz"))
    letters = [text[:3].strip("(). ").lower() for text, _ in question.lettered]
    if question.choices and len(letters) >= 2 and letters == sorted(set(letters)):
        # Options pasted from a Word quiz, left above the '- [ ]' choices made of them:
        # learners would read every option twice, once as text with the question.
        named = ", ".join(f"'{_shorten(text, 30)}'" for text, _ in question.lettered[:3])
        more = f" and {len(letters) - 3} more" if len(letters) > 3 else ""
        problems.append(Problem(rel, question.lettered[0][1], Severity.WARNING,
                                f"the lettered lines {named}{more} above the choices of "
                                f"'{short}' are shown with the question, so learners read the "
                                "options twice; delete them (the '- [ ]' choices are what "
                                "learners answer)"))
    first_new = len(problems)
    if not question.text:
        problems.append(Problem(rel, where, Severity.ERROR,
                                "question heading is empty; write the question after '### '"))
    if question.plain_items and not question.choices:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}': choices must be task-list items; write "
                                "'- [ ] wrong answer' and '- [x] right answer'"))
    elif len(question.choices) < 2:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has {len(question.choices)} choice(s); give "
                                "it at least two '- [ ]' items and mark the right one '- [x]'"))
    elif not any(choice.correct for choice in question.choices):
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has no correct choice; mark the right "
                                "answer as '- [x] ...'"))
    elif question.plain_items:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' mixes plain list items with '- [ ]' "
                                "choices; make every choice a '- [ ]' or '- [x]' item"))
    if question.lists > 1:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has more than one list of choices; keep "
                                "all choices in one list (no blank line between them)"))
    if len(question.choices) > MAX_CHOICES:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has {len(question.choices)} choices; chat "
                                f"quizzes allow at most {MAX_CHOICES}"))
    seen: set[str] = set()
    for choice in question.choices:
        if not choice.text:
            problems.append(Problem(rel, choice.line, Severity.ERROR,
                                    f"question '{short}' has an empty choice; write its text "
                                    "after the '[ ]'"))
        elif choice.text.casefold() in seen:
            problems.append(Problem(rel, choice.line, Severity.ERROR,
                                    f"question '{short}' has the choice '{choice.text}' twice; "
                                    "remove one"))
        seen.add(choice.text.casefold())
    worded = question_key(question.text)
    key = question.key or worded
    twin = next((q for q in draft.questions if question_key(q.text) == worded), None)
    if twin is not None:
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' is asked twice (also on line {twin.line}); "
                                "remove or reword one"))
    elif (twin := next((q for q in draft.questions if q.key == key), None)) is not None:
        # One key, two questions: their learners' reviews would be mixed up.
        source = "" if question.key else " (from its words)"
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has the key '{key}'{source}, as the "
                                f"question on line {twin.line} does, so their learners' "
                                "reviews would be mixed up; give each question its own key "
                                "('{#a-name}' at the end of its heading)"))
    explanation = " ".join(part for part in question.explanation if part)
    _limit_warnings(question, explanation, rel, problems)
    if any(p.is_error for p in problems[first_new:]):
        return
    made = Question(
        key=key,
        text=question.text,
        choices=tuple(question.choices),
        explanation=explanation,
        line=where,
        detail="\n".join(question.detail),
        key_written=question.key is not None,
    )
    if len(made.correct_indexes) == len(made.choices):
        # "Select all that apply" with nothing to leave out: ticking every box is right without
        # reading the choices, so the question shows nothing about what the learner knows.
        problems.append(Problem(rel, where, Severity.WARNING,
                                f"question '{short}' has every choice marked '- [x]', so a "
                                "learner who selects them all is right without knowing the "
                                "answer; mark the wrong choices '- [ ]', or add a choice that "
                                "is wrong"))
    elif made.says_select_all and len(made.correct_indexes) == 1:
        # Asked as a single-answer question: the learner, told to pick all, is marked wrong for
        # picking two, and the trainer may have meant more than one '[x]'.
        problems.append(Problem(rel, where, Severity.WARNING,
                                f"question '{_shorten(question.text, 60, SELECT_ALL)}' asks to "
                                "select all that apply but has one "
                                "right answer; mark every right choice '- [x]', or drop those "
                                "words"))
    elif len(made.correct_indexes) > 1 and not made.says_select_all and \
            _SAYS_ONE.search(f"{made.text} {made.detail}"):
        # Several '[x]' make it "select all that apply" (and the bot says so): a question
        # asking for one was most likely meant with one right answer.
        problems.append(Problem(rel, where, Severity.WARNING,
                                f"question '{_shorten(question.text, 60, _SAYS_ONE)}' asks for "
                                "one answer but has "
                                f"{len(made.correct_indexes)} choices marked '- [x]': learners "
                                "are asked to select all that apply; keep one '- [x]', or "
                                "reword the question"))
    draft.questions.append(made)
    draft.text_parts.append(question.text)
    draft.text_parts.extend(choice.text for choice in question.choices if choice.correct)
    if explanation:
        draft.text_parts.append(explanation)


MAX_KEY_CHARS = 40
"""A question key's length at most: storage keeps keys in columns of 40 characters."""
_KEY_MARK = re.compile(r"(?<!\\)\{\s*#([^{}]*)\}\s*$")
"""A key written at the end of a question's heading ('{#ssh-port}'), as Pandoc, Hugo, MkDocs
and pulldown-cmark's heading attributes write an id; what follows '#' is checked on its own."""
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")


def question_key(text: str) -> str:
    """The key a question takes from its words (its heading's Markdown, without a written
    key): 12 hex digits of a hash of them, case and spacing aside. Learners' reviews and
    answers are kept by it, so a question reworded without a written key is a new one."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()[:12]


def split_key(heading: str) -> tuple[str, str | None, str | None]:
    """A question heading's Markdown as learners read it, the key written at its end
    ('Which port does SSH use? {#ssh-port}': 'ssh-port', lower-cased) or None, and what is
    wrong with a key written there (None: nothing). A key that cannot be read is still taken
    off the words, so that they are checked as they will read once it is fixed."""
    mark = _KEY_MARK.search(heading)
    if mark is None:
        return heading, None, None
    asked = heading[:mark.start()].rstrip()
    written = mark.group(1).strip()
    key = written.lower()
    if not key:
        return asked, None, (f"the key '{mark.group(0).strip()}' at the end of this question "
                             "heading has no name after '#'; write one, such as "
                             "'{#ssh-port}', or remove it")
    if len(key) > MAX_KEY_CHARS or not _KEY.fullmatch(key):
        # An accented letter offered as its plain one ('café' -> 'cafe'), not cut off ('caf').
        plain = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
        fixed = re.sub(r"[^a-z0-9_-]+", "-", plain).strip("-_")[:MAX_KEY_CHARS].rstrip("-_")
        why = (f"is {len(key)} characters long (at most {MAX_KEY_CHARS})"
               if len(key) > MAX_KEY_CHARS and _KEY.fullmatch(key) else
               "may hold only the letters a to z, digits, '-' and '_', starting with a letter "
               "or a digit")
        return asked, None, (f"the question key '{{#{written}}}' {why}; write "
                             + (f"'{{#{fixed}}}'" if fixed else "one such as '{#ssh-port}'")
                             + " (learners never see it)")
    return asked, key, None


_SAYS_ONE = re.compile(r"\b(choose|pick|select|tick|give|name) (only )?one\b|\bwhich one\b"
                       r"|\b(is|'s) the (single )?(best|most|only|main)\b", re.IGNORECASE)
"""Words asking for a single answer ("Choose one", "Which ONE", "the best way")."""

def _limit_warnings(
    question: _QuestionDraft, explanation: str, rel: str, problems: list[Problem]
) -> None:
    # Markdown is never shorter than its plain text: parse only what might be over a limit.
    text = plain_text(question.text) if len(question.text) > MAX_QUESTION_CHARS else ""
    if len(text) > MAX_QUESTION_CHARS:
        problems.append(Problem(rel, question.line, Severity.WARNING,
                                f"question is {len(text)} characters; chat quiz polls "
                                f"allow {MAX_QUESTION_CHARS}: shorten it or move context into a "
                                "paragraph under the heading"))
    for choice in question.choices:
        label = plain_text(choice.text) if len(choice.text) > MAX_CHOICE_CHARS else ""
        if len(label) > MAX_CHOICE_CHARS:
            problems.append(Problem(rel, choice.line, Severity.WARNING,
                                    f"choice is {len(label)} characters; chat quiz polls "
                                    f"allow {MAX_CHOICE_CHARS}: shorten it"))
    note = plain_text(explanation) if len(explanation) > MAX_EXPLANATION_CHARS else ""
    if len(note) > MAX_EXPLANATION_CHARS:
        problems.append(Problem(rel, question.explanation_line or question.line, Severity.WARNING,
                                f"explanation is {len(note)} characters; chat quiz polls "
                                f"allow {MAX_EXPLANATION_CHARS}: shorten it"))


def images_found(lesson: Lesson, root: Path) -> bool:
    """Whether every local image of a good lesson is still where parsing found it."""
    problems: list[Problem] = []
    if lesson.images:
        _check_images([(src, 1) for src in lesson.images], Path(root), lesson.path, problems)
    return not problems


def _check_images(
    images: list[tuple[str, int]], root: Path, rel: str, problems: list[Problem]
) -> None:
    top = Path(os.path.normpath(root.absolute()))
    for src, line in images:
        parsed = _split(src)
        if parsed is None:
            problems.append(Problem(rel, line, Severity.ERROR, f"image '{src}' {_UNREADABLE}"))
            continue
        slip = _address_slip(src, parsed)
        meant = f"; did you mean '{slip[1]}'?" if slip and slip[1] else ""
        if parsed.scheme in ("http", "https", "data"):
            if slip:  # not fetched: Telegram refuses it, Slack shows no picture
                problems.append(Problem(rel, line, Severity.WARNING,
                                        f"image '{src}' {slip[0]}{meant}"))
            continue
        if parsed.scheme or not parsed.path:
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"image '{src}' must be a path relative to this file or an "
                                    f"http(s) URL{meant}"))
            continue
        real = image_path(root, rel, src)
        if real is None:
            # The bot uploads local images to chat platforms: never anything outside the folder.
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"image '{src}' is outside the lesson folder; copy it into "
                                    "the folder and point at the copy"))
            continue
        try:
            if real.is_file():
                continue
            what = "is a folder, not an image" if real.is_dir() else "does not exist"
        except OSError as exc:  # unreadable folder, name too long...
            what = f"cannot be read ({exc.strerror})"
        shown = real.relative_to(top).as_posix()
        near = ""
        if what == "does not exist":
            near = f"did you mean '{slip[1]}'?" if slip and slip[1] else _image_near(real, src)
        problems.append(Problem(rel, line, Severity.ERROR,
                                f"image '{src}' {what} (looked for '{shown}'); "
                                + (near or "add the file or fix the path, which is relative to "
                                   + ("the lesson folder (it starts with '/')"
                                      if parsed.path.startswith("/") else "this lesson"))))


def _image_near(real: Path, src: str) -> str:
    """The fix when the file is there under another case ("Receipt.PNG" for "receipt.png": a
    Windows or macOS disk does not tell them apart, the server does) or the path was written
    with '\\'; empty when there is none."""
    if "\\" in src:
        return f"write the path with '/', not '\\': '{src.replace(chr(92), '/')}'"
    try:
        found = [item.name for item in real.parent.iterdir()
                 if item.name.casefold() == real.name.casefold()]
    except OSError:
        return ""
    if not found:
        return ""
    wrote = src.rsplit("/", 1)
    return (f"did you mean '{'/'.join([*wrote[:-1], found[0]])}'? a file name's capitals must "
            "match (they do not on Windows or macOS, but do on the server)")


_UNREADABLE = ("is not an address that can be read (a '[' or ']' belongs only around an IPv6 "
               "address, as in 'http://[::1]/'); fix it or remove it")
_ADDRESS_SCHEMES = ("https", "http", "mailto", "tel")
"""The schemes a lesson's links are meant to have (a web page, an email address, a phone
number): one a letter or two away from these is a slip."""
_WEB_SCHEMES = ("https", "http")
_NO_COLON = re.compile(r"^([a-z]{3,6})[;.,]?//(?=[^/\s])", re.IGNORECASE)
"""A web address whose ':' is missing or mistyped ('http//example.com', 'https;//...'): to a
URL parser, a path."""
_HOST_LIKE = re.compile(r"^(?:www\d{0,3}\.[\w-]|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|edu|gov)"
                        r"(?:[/:?#]|$))", re.IGNORECASE)
"""A web address written without its scheme ('www.example.com', 'example.com/page'): not a
file's name ('passwords.md', 'images/flags.png')."""
_EMAIL_LIKE = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_LINK_ADVICE = ("link a web page (https://...), or name the lesson for learners to ask for "
                "('type \"learn\" and its title')")
NEAR_FILES = 20_000
"""How many of the folder's files a 'did you mean' for a missing link compares at most."""


def _split(url: str) -> ParseResult | None:
    """``url`` parsed, or None when it cannot be ('http://[x': a bracket opens an IPv6
    address)."""
    try:
        return urlparse(url)
    except ValueError:
        return None


def _address_slip(url: str, parsed: ParseResult) -> tuple[str, str | None] | None:
    """How an address meant for the web, mail or a phone is mistyped, as what is wrong with it
    ("starts with 'htps:', which no chat opens") and the address most likely meant (None when
    there is none to guess; what is wrong then says what to do). None for an address that is
    fine, and for a path, which is looked up in the folder."""
    scheme = parsed.scheme.lower()
    written = url[:len(scheme)]
    if scheme in _WEB_SCHEMES:
        if parsed.netloc:
            return None
        after = url[len(scheme) + 1:]
        rest = after.lstrip("/")
        if not rest:
            return (f"has no address after '{url}'; write the whole address "
                    f"({scheme}://example.com/page)", None)
        slashes = len(after) - len(rest)
        count = {0: "no", 1: "one", 3: "three"}.get(slashes, str(slashes))
        return (f"has {count} '/' after '{written}:' where a web address has two",
                f"{scheme}://{rest}")
    if scheme in _ADDRESS_SCHEMES:
        return None
    if scheme:
        if "." in scheme:  # 'www.example.com:8080/page': a host and its port
            return "has no 'https://', so a chat takes it for a file path", f"https://{url}"
        near = difflib.get_close_matches(scheme, _ADDRESS_SCHEMES, n=1, cutoff=0.75)
        if near:
            rest = url[len(scheme) + 1:]
            meant = (f"{near[0]}://{rest.lstrip('/')}" if near[0] in _WEB_SCHEMES
                     else f"{near[0]}:{rest}")
            return f"starts with '{written}:', which no chat opens", meant
        if scheme == "file" or len(scheme) == 1:  # 'C:\\Users\\...': a drive letter
            return ("is a file on your computer, which learners cannot open; put it where they "
                    "can (a web page, a shared drive) and link that (https://...)", None)
        return None  # an app's own link (tg:, slack:, zoommtg:): the trainer's choice
    if parsed.netloc:  # '//example.com': the scheme of the page it is on, and a chat has none
        return "has no 'https:', which a chat needs to open it", f"https:{url}"
    slip = _NO_COLON.match(url)
    near = difflib.get_close_matches(slip.group(1).lower(), _WEB_SCHEMES, n=1, cutoff=0.75) \
        if slip else []
    if slip and near:
        return (f"has no ':' after '{slip.group(1)}', so a chat takes it for a file path",
                f"{near[0]}://{url[slip.end():]}")
    if _HOST_LIKE.match(url):
        return "has no 'https://', so a chat takes it for a file path", f"https://{url}"
    if _EMAIL_LIKE.match(url):
        return "has no 'mailto:', so a chat takes it for a file path", f"mailto:{url}"
    return None


def _check_links(
    links: list[tuple[str, int]], root: Path | None, rel: str, problems: list[Problem]
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """Report the links learners could not follow from a chat, and return those that are paths
    to files (as written, once each) with the line each is first written at and what each led
    to (:data:`LINK_LESSON`...).

    A mistyped address ('htps://', 'www.example.com') is named with the address meant. A path
    to a file is a dead link in a chat, which has no folder to open it in (Telegram shows only
    the link's words); with ``root``, one to a file the folder does not have either says so,
    with the nearest file's name. A link to a lesson file of the folder is not reported here:
    the bot shows it with how to open that lesson, and whether the lesson is served (not a
    draft, not broken) is the catalog's to say (it knows the other files).
    """
    paths: dict[str, int] = {}
    states: dict[str, int] = {}
    files: list[str] | None = None  # the folder's files, listed once a link misses
    for url, line in links:
        if not url or url.startswith("#"):
            continue
        shown = _shorten(url, 60)
        parsed = _split(url)
        if parsed is None:
            # An error: the Telegram adapter could not read it either, and would fail the lesson.
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"the link '{shown}' {_UNREADABLE}"))
            continue
        slip = _address_slip(url, parsed)
        if slip is not None:
            what, meant = slip
            problems.append(Problem(rel, line, Severity.WARNING,
                                    f"the link '{shown}' {what}"
                                    + (f"; did you mean '{meant}'?" if meant else "")))
            continue
        if parsed.scheme or parsed.netloc:
            continue
        paths.setdefault(url, line)
        state = _link_state(root, rel, url)
        states.setdefault(url, state)
        if state == LINK_LESSON:
            continue  # another lesson: opened by its title (the catalog checks it is served)
        target = link_path(rel, url)
        if state != LINK_MISSING:
            why = f" ('{target}' is not a lesson: {_NOT_A_LESSON})" \
                if state == LINK_FILE and target is not None and \
                target.lower().endswith(LESSON_SUFFIXES) else ""
            problems.append(Problem(rel, line, Severity.WARNING,
                                    f"the link '{shown}' is a path to a file, which learners "
                                    f"cannot open from a chat{why}; {_LINK_ADVICE}"))
            continue
        assert root is not None
        real = image_path(root, rel, url)
        assert real is not None
        wanted = real.relative_to(Path(os.path.normpath(root.absolute()))).as_posix()
        if "\\" in url:
            hint = f" (write a path with '/', not '\\': '{url.replace(chr(92), '/')}')"
        else:
            if files is None:
                files = _folder_files(root)
            near = _nearest_file(files, wanted)
            hint = ""
            if near is not None:  # written as the link is: from the folder, or from this file
                written = "/" + near if url.startswith("/") else \
                    posixpath.relpath(near, posixpath.dirname(rel) or ".")
                hint = f" (did you mean '{written}'?)"
        problems.append(Problem(rel, line, Severity.WARNING,
                                f"the link '{shown}' leads to no file: '{wanted}' is not in the "
                                f"lesson folder{hint}, and learners could not open a file from "
                                f"a chat anyway; {_LINK_ADVICE}"))
    return tuple(paths), tuple(paths.values()), tuple(states[url] for url in paths)


LINK_UNKNOWN, LINK_MISSING, LINK_FILE, LINK_LESSON = range(4)
"""What a link to a file found when the lesson was read: nothing to look up (no folder given,
or a path out of it), no file, a file that is not a lesson, a lesson file of the folder."""


def _link_state(root: Path | None, rel: str, url: str,
                listed: dict[Path, set[str]] | None = None) -> int:
    """What the path link ``url`` of the lesson at ``rel`` leads to now (one of
    :data:`LINK_UNKNOWN`...); ``listed``: folders' file names read already, by folder."""
    # A path is read as an image's is (relative to the lesson, or to the folder from '/').
    real = image_path(root, rel, url) if root is not None else None
    if real is None:
        return LINK_UNKNOWN
    if not _exists(real):
        return LINK_MISSING
    target = link_path(rel, url)
    if target is not None and _is_lesson_file(real, target, listed):
        return LINK_LESSON
    return LINK_FILE


def links_hold(lesson: Lesson, root: Path, listed: dict[Path, set[str]] | None = None,
               states: tuple[int, ...] | None = None) -> bool:
    """Whether each file a good lesson links to is as parsing found it (there or not, a lesson
    or not): what its warnings say, so it need not be parsed again. A few file-system looks a
    link, not a parse: a library whose lessons link to each other keeps its warm start.
    ``listed`` (shared across lessons) keeps each folder's names read once; ``states``: those
    of a later reading, in place of the lesson's own."""
    states = lesson.link_states if states is None else states
    if len(states) != len(lesson.links):
        return False  # kept by a release that did not record them
    return all(_link_state(Path(root), lesson.path, url, listed) == state
               for url, state in zip(lesson.links, states, strict=True))


def link_warning(rel: str, line: int, url: str, what: str) -> Problem:
    """A warning on the link to ``url``: "the link '...' " and ``what`` is wrong with it (for
    the checks that span files)."""
    return Problem(rel, line, Severity.WARNING, f"the link '{_shorten(url, 60)}' {what}")


def dead_link(rel: str, line: int, url: str, why: str) -> Problem:
    """The warning on a link to a file that learners cannot open from a chat, ``why`` saying
    what the file is (for the checks that span files: a link to a draft, to a broken lesson)."""
    return link_warning(rel, line, url, "is a path to a file, which learners cannot open from "
                                        f"a chat ({why}); {_LINK_ADVICE}")


_NOT_A_LESSON = ("files and folders whose names start with '_' or '.', and README files, are "
                 "never served")


def _is_lesson_file(real: Path, target: str, listed: dict[Path, set[str]] | None = None) -> bool:
    """Whether the link to ``target`` (its path in the folder; ``real`` on disk) leads to a
    lesson file of the folder: a Markdown file named as a lesson, there under that very name
    (a file system that ignores case finds 'Passwords.md' for 'passwords.md'; the server's
    may not). ``listed``: folders' names read already, filled as they are read."""
    if not is_lesson_path(target):
        return False
    try:
        if not real.is_file():
            return False
        names = listed.get(real.parent) if listed is not None else None
        if names is None:
            names = set(os.listdir(real.parent))
            if listed is not None:
                listed[real.parent] = names
        return real.name in names
    except OSError:
        return False


def _exists(path: Path) -> bool:
    """Whether ``path`` is there; True when that cannot be told (a name too long, a folder
    that cannot be read): a link is said to lead nowhere only when it surely does."""
    try:
        return path.exists()
    except OSError:
        return True


def _folder_files(root: Path) -> list[str]:
    """The lesson folder's files by path, but hidden ones: at most :data:`NEAR_FILES` (a hint
    is not worth walking a huge folder whole)."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        base = Path(folder).relative_to(root).as_posix()
        for name in sorted(names):
            if not name.startswith("."):
                found.append(name if base == "." else f"{base}/{name}")
        if len(found) >= NEAR_FILES:
            break
    return found[:NEAR_FILES]


def _nearest_file(files: list[str], wanted: str) -> str | None:
    """The file of ``files`` most likely meant by the path ``wanted``, which is not there: the
    same path but for its capitals, the same name in another folder, else a name a slip or a
    word away ('pasword.md', 'passwords.md' for 'strong-passwords.md'), one in the same folder
    first; None when no name is close."""
    folded = wanted.casefold()
    folder, _, name = folded.rpartition("/")
    same_name: list[str] = []
    for path in files:
        if path.casefold() == folded:
            return path
        if path.casefold().rpartition("/")[2] == name:
            same_name.append(path)
    if same_name:
        return same_name[0]
    cutoff = 0.75
    matcher = difflib.SequenceMatcher(b=name)
    best: tuple[float, str] | None = None
    for path in files:
        other_folder, _, other = path.casefold().rpartition("/")
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            continue
        ratio = matcher.ratio()
        if ratio < cutoff:
            continue
        score = ratio + (0.05 if other_folder == folder else 0.0)
        if best is None or score > best[0]:
            best = (score, path)
    return best[1] if best else None


_KEY_LINE = re.compile(r"^[A-Za-z][\w-]*\s*:(\s|$)")


def _late_front_matter(lines: list[str], body_start: int) -> int | None:
    """The line of a '---' that opens 'key: value' lines closed by another '---' near the top
    of the body: front matter written below the title (1-based), or None."""
    for index in range(body_start, min(len(lines), body_start + 12)):
        if lines[index].strip() != "---":
            continue
        rows: list[str] = []
        for row in lines[index + 1:index + 30]:
            if row.strip() == "---":
                return index + 1 if rows and all(_KEY_LINE.match(r) or r.startswith((" ", "-"))
                                                 for r in rows) else None
            rows.append(row)
        return None
    return None


def _one_line(markdown: str) -> str:
    """Inline Markdown on one line, without HTML comments (trainers' notes)."""
    line = " ".join(markdown.split())
    if "<!--" not in line:
        return line
    # Read as the middle of a paragraph, where a comment is inline HTML and code spans hold:
    # at a line's start, Markdown would take "<!--" for an HTML block, code and all.
    return " ".join(without_comments("x " + line)[2:].split())


def _body_markdown(lines: list[str], body_start: int, draft: _Draft, keep_title: bool) -> str:
    """The Markdown a learner reads: the body without the title heading and the quiz."""
    skip: list[tuple[int, int]] = [*draft.quiz_ranges]
    if draft.title_lines and not keep_title:
        skip.append(draft.title_lines)
    # A comment's lines leave a blank line: Markdown read it as a block of its own, and the
    # text around stays as it was ("text", a comment, "---" must not become a heading).
    kept = [
        "" if any(start <= number < end for start, end in draft.comment_ranges) else line
        for number, line in enumerate(lines[body_start:], start=body_start)
        if not any(start <= number < end for start, end in skip)
    ]
    return without_comments("\n".join(kept)).strip()


def _shorten(text: str, limit: int = SUMMARY_CHARS, around: re.Pattern[str] | None = None
             ) -> str:
    """``text`` on one line, cut at a word to ``limit`` characters with '…'. With ``around``,
    the words it finds stay in: a warning about them quotes them (a question cut before its
    "choose one" showed not what the warning was about)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    found = around.search(text) if around is not None else None
    if found is None or found.end() <= limit - 1:
        cut = text[: limit - 1].rsplit(" ", 1)[0]
        return cut.rstrip(",;:") + "…"
    return _excerpt(text, limit, found.start(), found.end())


def _excerpt(text: str, limit: int, start: int, end: int) -> str:
    """About ``limit`` characters of ``text`` around ``text[start:end]`` (in full, however
    long), cut at words, with '…' where text is left out."""
    room = max(0, limit - 2 - (end - start))  # two '…'
    begin = max(0, start - room // 2)
    stop = min(len(text), end + room - (start - begin))
    begin = max(0, min(begin, stop - (end - start) - room))
    if begin > 0:  # from a word's start (or the words themselves)
        space = text.find(" ", begin - 1, start)
        begin = start if space < 0 else space + 1
    if stop < len(text):  # to a word's end
        space = text.rfind(" ", end, stop + 1)
        stop = end if space < 0 else space
    middle = text[begin:stop].rstrip(",;:")
    return ("…" if begin > 0 else "") + middle + ("…" if stop < len(text) else "")
