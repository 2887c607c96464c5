"""Folder walk and file reading: odd files, links and loops are reported, never fatal."""

from __future__ import annotations

import os
from pathlib import Path

from bot.content.catalog import Catalog
from bot.content.folder import MAX_LESSON_BYTES, scan

LESSON = "# A lesson\n\nSome text.\n"


def write(path: Path, text: str = LESSON) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_ignored_names_are_not_lessons(tmp_path: Path) -> None:
    for name in ("a.md", "_b.md", ".c.md", "README.md", "readme.markdown", "_drafts/d.md",
                 ".git/e.md", "topic/f.markdown"):
        write(tmp_path / name)
    write(tmp_path / "notes.txt", "ideas for next month\n")  # text, and not like a lesson
    files, problems = scan(tmp_path)
    assert [f.rel for f in files] == ["a.md", "topic/f.markdown"]
    assert problems == []


def test_file_over_the_size_limit_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "big.md", "# Big\n\n" + "word " * (MAX_LESSON_BYTES // 5 + 10))
    write(tmp_path / "ok.md")
    catalog = Catalog(tmp_path)
    catalog.load()
    [problem] = catalog.problems()
    assert (problem.path, problem.line, problem.is_error) == ("big.md", 1, True)
    assert "512 KiB limit" in problem.message and "split it" in problem.message
    assert [lesson.id for lesson in catalog.lessons()] == ["ok"]


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\n" + "x" * 2000)
    catalog = Catalog(tmp_path, max_bytes=1024)
    catalog.load()
    assert "1 KiB limit" in catalog.problems()[0].message


def test_folder_link_loop_is_reported_and_the_walk_ends(tmp_path: Path) -> None:
    write(tmp_path / "topic/a.md")
    os.symlink("..", tmp_path / "topic/back")
    files, problems = scan(tmp_path)
    assert [f.rel for f in files] == ["topic/a.md"]
    assert [(p.path, p.line, p.is_error) for p in problems] == [("topic/back", 1, True)]
    assert "folder link loop" in problems[0].message


def test_file_link_loop_and_broken_link_are_reported(tmp_path: Path) -> None:
    os.symlink("b.md", tmp_path / "a.md")
    os.symlink("a.md", tmp_path / "b.md")
    os.symlink("missing.md", tmp_path / "c.md")
    write(tmp_path / "d.md")
    os.symlink("missing.png", tmp_path / "e.png")
    files, problems = scan(tmp_path)
    # Lesson files whose link leads nowhere are listed (a lesson that turned bad, not one
    # deleted: a running bot keeps its last good version); reading them says why.
    assert [f.rel for f in files] == ["a.md", "b.md", "c.md", "d.md"]
    assert [(p.path, p.line) for p in problems] == [("e.png", 1)]
    assert "broken link" in problems[0].message
    catalog = Catalog(tmp_path)
    catalog.load()
    problems = catalog.problems()
    assert [(p.path, p.line, p.is_error) for p in problems] == [
        ("a.md", 1, True), ("b.md", 1, True), ("c.md", 1, True), ("e.png", 1, True)]
    assert "link loop" in problems[0].message
    assert "broken link" in problems[2].message and "missing.md" in problems[2].message


def test_linked_folder_outside_the_tree_is_followed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    write(shared / "common.md")
    root = tmp_path / "lessons"
    root.mkdir()
    os.symlink(shared, root / "common")
    files, problems = scan(root)
    assert [f.rel for f in files] == ["common/common.md"] and problems == []



def test_folder_named_like_a_lesson_is_walked_not_read(tmp_path: Path) -> None:
    write(tmp_path / "odd.md/inner.md")
    files, problems = scan(tmp_path)
    assert [f.rel for f in files] == ["odd.md/inner.md"] and problems == []


def test_files_meant_as_lessons_but_not_markdown_are_named_with_how_to_fix(
        tmp_path: Path) -> None:
    # A reviewer's booking.md.txt (Windows hides the .txt) and notes.docx went unnoticed:
    # the summary only said one file fewer.
    lesson = "---\ntitle: Booking\n---\nBook the slot.\n"
    write(tmp_path / "desk/booking.md.txt", lesson)
    write(tmp_path / "refunds.txt", "# Refunds\nHow to refund.\n")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    write(tmp_path / "todo.txt", "buy milk\n")  # a text file that is no lesson: left alone
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "_draft.docx").write_bytes(b"PK\x03\x04")  # set aside on purpose
    (tmp_path / "~$notes.docx").write_bytes(b"\x05Ann")  # Word's owner file while it is open
    (tmp_path / "plan.md.rtf").write_bytes(b"{\\rtf1}")
    write(tmp_path / "desk/fees.md", lesson)  # and its copy, which would be overwritten
    write(tmp_path / "desk/fees.md.txt", lesson)
    files, problems = scan(tmp_path)
    assert [f.rel for f in files] == ["desk/fees.md"]
    assert [(p.path, p.line, p.is_error) for p in problems] == [
        ("desk/booking.md.txt", 1, False), ("desk/fees.md.txt", 1, False),
        ("notes.docx", 1, False), ("plan.md.rtf", 1, False), ("refunds.txt", 1, False)]
    hints = [p.message.partition("; ")[2].removesuffix(
        " (or start its name with '_' to keep it here unread)") for p in problems]
    assert hints == ["rename it to booking.md", "fees.md is there too: keep one of them",
                     "save it as Markdown, as notes.md", "save it as Markdown, as plan.md",
                     "rename it to refunds.md"]
