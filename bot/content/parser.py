"""Turn one lesson file's text into a :class:`Lesson` and the problems a trainer should fix.

Markdown is parsed with markdown-it-py (CommonMark) and walked as tokens, never matched with ad-hoc
regexes, so every element keeps its source line for error messages.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.content import frontmatter
from bot.content.model import Choice, Lesson, Problem, Question, Severity

WORDS_PER_MINUTE = 200
LONG_LESSON_MINUTES = 12
SUMMARY_CHARS = 300
# Limits that chat platforms impose on quiz polls and buttons; over them a question cannot be sent
# natively, so the trainer hears about it now rather than at delivery.
MAX_QUESTION_CHARS = 300
MAX_CHOICE_CHARS = 100
MAX_EXPLANATION_CHARS = 200
MAX_CHOICES = 10

_CHECKBOX = re.compile(r"^\[([ xX])\]\s+")
_QUIZ_HEADING = re.compile(r"^(quiz|check yourself|test yourself)\b", re.IGNORECASE)

_markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@dataclass
class _Draft:
    """What the token walk collects before the lesson is assembled."""

    title: str | None = None
    title_lines: tuple[int, int] | None = None
    quiz_ranges: list[tuple[int, int]] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    summary: str = ""
    text_parts: list[str] = field(default_factory=list)
    images: list[tuple[str, int]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


def parse_lesson(
    text: str, rel: str, root: Path | None = None
) -> tuple[Lesson | None, list[Problem]]:
    """Parse a lesson's text. ``rel`` is its path relative to the lesson folder.

    Returns the lesson (``None`` when any error was found) and every problem, sorted by line.
    ``root`` is the lesson folder, used to check that local images exist; without it images are
    not checked.
    """
    front, problems = frontmatter.parse(text, rel)
    lines = text.split("\n")
    body_start = front.body_start
    tokens = _markdown.parse("\n".join(lines[body_start:]))
    draft = _Draft()
    _walk(tokens, lines, body_start, rel, draft, problems)

    values = front.values
    title = values.get("title") or draft.title or _title_from_name(rel)
    body = _body_markdown(lines, body_start, draft, keep_title=bool(values.get("title")))
    if not values.get("title") and draft.title is None and not front.broken \
            and "title" not in front.invalid:
        problems.append(Problem(rel, 1, Severity.WARNING,
                                f"no title; using '{title}' from the file name; add '# Title' "
                                "as the first line or 'title:' in the front matter"))
    plain = "\n".join(draft.text_parts)
    words = len(plain.split())
    minutes = values.get("minutes") or max(1, math.ceil(words / WORDS_PER_MINUTE))
    if words / WORDS_PER_MINUTE > LONG_LESSON_MINUTES:
        problems.append(Problem(rel, 1, Severity.WARNING,
                                f"about {math.ceil(words / WORDS_PER_MINUTE)} minutes of reading "
                                "(micro-lessons work best at 2-5 minutes); split it into a track "
                                "of shorter lessons"))
    if not body.strip() and not draft.quiz_ranges:
        problems.append(Problem(rel, 1, Severity.ERROR,
                                "the lesson has a title but no text; write at least a paragraph"))
    image = values.get("image")
    if image is not None:
        draft.images.insert(0, (image, front.lines["image"]))
    if root is not None:
        _check_images(draft.images, Path(root), rel, problems)
    if "track" not in values and "order" in values:
        problems.append(Problem(rel, front.lines["order"], Severity.WARNING,
                                "'order' has no effect without 'track'; add 'track: name' "
                                "or remove 'order'"))
    if "track" in values and "order" not in values and "order" not in front.invalid:
        problems.append(Problem(rel, front.lines["track"], Severity.WARNING,
                                "lesson is in a track but has no 'order'; add 'order: N' so it "
                                "comes at the right place"))

    problems.sort(key=lambda p: (p.line, p.severity.value, p.message))
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
        image=image,
        questions=tuple(draft.questions),
        draft=values.get("draft", False),
        headings=tuple(draft.headings),
        lines=dict(front.lines),
    )
    return lesson, problems


def _id_from_path(rel: str) -> str:
    path = PurePosixPath(rel)
    return str(path.with_suffix("")) if path.suffix.lower() in (".md", ".markdown") else rel


def _topic_from_path(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    return parts[0] if len(parts) > 1 else "general"


def _title_from_name(rel: str) -> str:
    stem = PurePosixPath(rel).stem.replace("-", " ").replace("_", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else rel


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: link text kept, markup and images dropped."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _file_line(token: Token, body_start: int) -> int:
    """1-based file line of a block token."""
    return body_start + (token.map[0] if token.map else 0) + 1


def _walk(
    tokens: Sequence[Token],
    lines: list[str],
    body_start: int,
    rel: str,
    draft: _Draft,
    problems: list[Problem],
) -> None:
    index = 0
    in_quiz = False
    quiz_start = 0
    question: _QuestionDraft | None = None
    total = len(tokens)
    while index < total:
        token = tokens[index]
        if token.type == "heading_open":
            level = int(token.tag[1])
            heading = _inline_text(tokens[index + 1])
            line = _file_line(token, body_start)
            if level <= 2 and in_quiz:
                _finish_question(question, rel, problems, draft)
                question = None
                in_quiz = False
                draft.quiz_ranges.append((quiz_start, line - 1))
            if level == 1 and draft.title is None and not draft.text_parts and not draft.questions:
                draft.title = heading
                draft.title_lines = (line - 1, body_start + (token.map[1] if token.map else 0))
            elif level == 2 and _QUIZ_HEADING.match(heading):
                in_quiz = True
                quiz_start = line - 1
            elif in_quiz and level == 3:
                _finish_question(question, rel, problems, draft)
                question = _QuestionDraft(heading, line)
            elif in_quiz:
                problems.append(Problem(rel, line, Severity.WARNING,
                                        f"heading '{heading}' inside the quiz is ignored; start "
                                        "each question with '### '"))
            else:
                draft.text_parts.append(heading)
                draft.headings.append(heading)
            index += 3
            continue
        if in_quiz:
            index = _quiz_block(tokens, index, body_start, rel, question, problems)
            continue
        if token.type == "inline":
            text = _inline_text(token)
            if text:
                draft.text_parts.append(text)
                if not draft.summary and tokens[index - 1].type == "paragraph_open" \
                        and token.level == 1:
                    draft.summary = _shorten(text)
            _collect_images(token, lines, body_start, draft)
        elif token.type in ("fence", "code_block"):
            draft.text_parts.append(token.content)
        index += 1
    if in_quiz:
        _finish_question(question, rel, problems, draft)
        draft.quiz_ranges.append((quiz_start, len(lines)))


@dataclass
class _QuestionDraft:
    text: str
    line: int
    detail: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    plain_items: int = 0
    explanation: list[str] = field(default_factory=list)
    lists: int = 0


def _quiz_block(
    tokens: Sequence[Token],
    index: int,
    body_start: int,
    rel: str,
    question: _QuestionDraft | None,
    problems: list[Problem],
) -> int:
    """Consume one top-level block inside the quiz section; return the next token index."""
    token = tokens[index]
    end = _block_end(tokens, index)
    if question is None:
        if token.type != "hr":
            problems.append(Problem(rel, _file_line(token, body_start), Severity.WARNING,
                                    "text before the first question of the quiz is ignored; "
                                    "start each question with '### '"))
        return end
    if token.type in ("bullet_list_open", "ordered_list_open"):
        question.lists += 1
        for item_index in range(index + 1, end):
            item = tokens[item_index]
            if item.type == "list_item_open" and item.level == token.level + 1:
                inline = next(t for t in tokens[item_index:end] if t.type == "inline")
                text = _inline_text(inline)
                match = _CHECKBOX.match(inline.content)
                line = _file_line(item, body_start)
                if match:
                    label = _CHECKBOX.sub("", text, count=1) if _CHECKBOX.match(text) else text
                    question.choices.append(Choice(label.strip(), match.group(1) in "xX", line))
                else:
                    question.plain_items += 1
    elif token.type == "blockquote_open":
        question.explanation.extend(
            _inline_text(t) for t in tokens[index:end] if t.type == "inline"
        )
    elif token.type == "paragraph_open":
        question.detail.append(_inline_text(tokens[index + 1]))
    return end


def _block_end(tokens: Sequence[Token], index: int) -> int:
    """Index just past the block that starts at ``index`` (its matching close token)."""
    token = tokens[index]
    if token.nesting != 1:
        return index + 1
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position + 1
    return len(tokens)


def _finish_question(
    question: _QuestionDraft | None, rel: str, problems: list[Problem], draft: _Draft
) -> None:
    if question is None:
        return
    where = question.line
    short = _shorten(question.text, 60)
    errors_before = sum(p.is_error for p in problems)
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
    if any(not choice.text for choice in question.choices):
        problems.append(Problem(rel, where, Severity.ERROR,
                                f"question '{short}' has an empty choice; write its text after "
                                "the '[ ]'"))
    explanation = " ".join(part for part in question.explanation if part)
    _limit_warnings(question, explanation, rel, problems)
    if sum(p.is_error for p in problems) > errors_before:
        return
    key = hashlib.sha1(" ".join(question.text.lower().split()).encode()).hexdigest()[:12]
    draft.questions.append(Question(
        key=key,
        text=question.text,
        choices=tuple(question.choices),
        explanation=explanation,
        line=where,
        detail="\n".join(question.detail),
    ))
    draft.text_parts.append(question.text)
    draft.text_parts.extend(choice.text for choice in question.choices if choice.correct)
    if explanation:
        draft.text_parts.append(explanation)


def _limit_warnings(
    question: _QuestionDraft, explanation: str, rel: str, problems: list[Problem]
) -> None:
    if len(question.text) > MAX_QUESTION_CHARS:
        problems.append(Problem(rel, question.line, Severity.WARNING,
                                f"question is {len(question.text)} characters; chat quiz polls "
                                f"allow {MAX_QUESTION_CHARS}: shorten it or move context into a "
                                "paragraph under the heading"))
    for choice in question.choices:
        if len(choice.text) > MAX_CHOICE_CHARS:
            problems.append(Problem(rel, choice.line, Severity.WARNING,
                                    f"choice is {len(choice.text)} characters; chat quiz polls "
                                    f"allow {MAX_CHOICE_CHARS}: shorten it"))
    if len(explanation) > MAX_EXPLANATION_CHARS:
        problems.append(Problem(rel, question.line, Severity.WARNING,
                                f"explanation is {len(explanation)} characters; chat quiz polls "
                                f"allow {MAX_EXPLANATION_CHARS}: shorten it"))


def _collect_images(token: Token, lines: list[str], body_start: int, draft: _Draft) -> None:
    first = body_start + (token.map[0] if token.map else 0)
    last = body_start + (token.map[1] if token.map else 1)
    for child in token.children or ():
        if child.type != "image":
            continue
        src = str(child.attrs.get("src", ""))
        line = next((n + 1 for n in range(first, last) if src in lines[n]), first + 1)
        draft.images.append((src, line))


def _check_images(
    images: list[tuple[str, int]], root: Path, rel: str, problems: list[Problem]
) -> None:
    folder = (root / rel).parent
    for src, line in images:
        parsed = urlparse(src)
        if parsed.scheme in ("http", "https", "data"):
            continue
        if parsed.scheme:
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"image '{src}' must be a path relative to this file or an "
                                    "http(s) URL"))
            continue
        target = unquote(parsed.path)
        candidate = root / target.lstrip("/") if target.startswith("/") else folder / target
        if not candidate.is_file():
            problems.append(Problem(rel, line, Severity.ERROR,
                                    f"image '{src}' does not exist (looked for "
                                    f"'{_display(candidate, root)}'); add the file or fix the "
                                    "path, which is relative to this lesson"))


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _body_markdown(lines: list[str], body_start: int, draft: _Draft, keep_title: bool) -> str:
    """The Markdown a learner reads: the body without the title heading and the quiz."""
    skip: list[tuple[int, int]] = list(draft.quiz_ranges)
    if draft.title_lines and not keep_title:
        skip.append(draft.title_lines)
    kept = [
        line for number, line in enumerate(lines[body_start:], start=body_start)
        if not any(start <= number < end for start, end in skip)
    ]
    return "\n".join(kept).strip()


def _shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
