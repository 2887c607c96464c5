"""Find the lesson files in a folder and read them safely.

The walk follows links (trainers use them to share a lesson between topics) but reports link loops
and dangling links instead of hanging or crashing; reading rejects what is not a UTF-8 text lesson
with a message that says how to fix it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.content.model import Problem, Severity

LESSON_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = frozenset({".txt", ".text", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtext"})
DOCUMENT_SUFFIXES = frozenset({".doc", ".docx", ".odt", ".rtf", ".pages"})
"""Files that may be meant as lessons but are not read as such (text files only when they open
like one): they are reported, with how to make them lessons."""
MAX_LESSON_BYTES = 512 * 1024
"""Default size limit: a micro-lesson is a few kilobytes; anything this large is a mistake."""


@dataclass(frozen=True)
class LessonFile:
    """A candidate lesson file: where it is and what identifies its current content on disk."""

    rel: str
    abs: Path
    signature: tuple[int, int, int]
    """(inode, size, mtime in ns): when it changes, the file must be parsed again."""


def is_ignored_name(name: str) -> bool:
    """Files and folders starting with ``_`` or ``.``, README files, and the owner files
    Microsoft Office keeps beside an open document (``~$handbook.docx``) are never lessons."""
    return name.startswith(("_", ".", "~$")) or name.lower() in ("readme.md", "readme.markdown")


def set_aside(root: Path) -> list[str]:
    """Lesson files under ``root`` left out because their name, or a folder's, starts with
    ``_`` (a trainer's drafts, or a real page such as ``_exit.2.md``): what ``lessons check``
    names, so that none goes missing unnoticed. Hidden folders are not looked into."""
    found: list[str] = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        inside = Path(folder).relative_to(root).parts
        for name in names:
            if name.lower().endswith(LESSON_SUFFIXES) and any(
                    part.startswith("_") for part in (*inside, name)):
                found.append(rel_path(root, Path(folder) / name))
    return sorted(found)


def rel_path(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` with POSIX separators (the form reports and ids use)."""
    return Path(os.path.relpath(path, root)).as_posix()


def scan(root: Path) -> tuple[list[LessonFile], list[Problem]]:
    """List every lesson file under ``root``, sorted by relative path, with walk problems."""
    files: list[LessonFile] = []
    problems: list[Problem] = []
    root = Path(root)
    try:
        root_stat = root.stat()
    except OSError:
        return files, problems
    _walk(root, root, {(root_stat.st_dev, root_stat.st_ino)}, files, problems)
    files.sort(key=lambda f: f.rel)
    problems.sort()
    return files, problems


def _walk(
    root: Path,
    folder: Path,
    ancestors: set[tuple[int, int]],
    files: list[LessonFile],
    problems: list[Problem],
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(
            Problem(rel_path(root, folder), 1, Severity.ERROR,
                    f"cannot open this folder ({exc.strerror}); check its permissions")
        )
        return
    for entry in entries:
        if is_ignored_name(entry.name):
            continue
        path = Path(entry.path)
        rel = rel_path(root, path)
        try:
            st = path.stat()  # follows links
        except OSError as exc:
            if entry.is_symlink() and entry.name.lower().endswith(LESSON_SUFFIXES):
                # A lesson whose link leads nowhere (its target deleted, or a loop) is a file
                # that turned bad, not one deleted: the link is still there, and a running bot
                # keeps the lesson's last good version. Reading it says why (read_bytes).
                try:
                    link = entry.stat(follow_symlinks=False)
                except OSError:  # the link itself gone meanwhile
                    continue
                files.append(LessonFile(rel, path, (link.st_ino, -1, link.st_mtime_ns)))
            elif entry.is_symlink():
                problems.append(_link_problem(rel, path, exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                problems.append(
                    Problem(rel, 1, Severity.ERROR,
                            f"folder link loop: '{rel}' points back to "
                            f"'{os.readlink(path) if entry.is_symlink() else rel}', which contains "
                            "it; remove the link or point it elsewhere")
                )
                continue
            _walk(root, path, ancestors | {key}, files, problems)
        elif stat.S_ISREG(st.st_mode) and entry.name.lower().endswith(LESSON_SUFFIXES):
            files.append(LessonFile(rel, path, (st.st_ino, st.st_size, st.st_mtime_ns)))
        elif stat.S_ISREG(st.st_mode) and (hint := not_markdown(path)):
            problems.append(Problem(
                rel, 1, Severity.WARNING, f"not read: only Markdown files (.md) are lessons; "
                f"{hint} (or start its name with '_' to keep it here unread)"))


def not_markdown(path: Path) -> str:
    """How to make a file that looks meant as a lesson one ("" for any other file: images,
    PDFs, a notes.txt and the like sit in lesson folders as they are)."""
    name = path.name
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix.lower()}"
    if not dot or suffix in LESSON_SUFFIXES:
        return ""
    # "booking.md.txt": Windows hid the .txt that Notepad added.
    inner = next((stem[:-len(known)] for known in LESSON_SUFFIXES
                  if stem.lower().endswith(known)), stem)
    target = path.with_name(f"{inner}.md")
    if suffix in DOCUMENT_SUFFIXES:
        how = f"save it as Markdown, as {target.name}"
    elif suffix in TEXT_SUFFIXES and (inner != stem or _starts_like_a_lesson(path)):
        how = f"rename it to {target.name}"
    else:
        return ""
    if target.exists():
        return f"{target.name} is there too: keep one of them"
    return how


def _starts_like_a_lesson(path: Path) -> bool:
    """Whether a text file opens as a lesson does: front matter, or a Markdown heading."""
    try:
        with path.open("rb") as file:
            head = file.read(256).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith((b"---", b"+++", b"# "))


def _link_problem(rel: str, path: Path, exc: OSError) -> Problem:
    target = os.readlink(path)
    if exc.errno == errno.ELOOP:  # a chain of links that never reaches a file
        reason = f"link loop: '{rel}' -> '{target}' never reaches a real file; remove the link"
    else:
        reason = f"broken link: '{rel}' points to '{target}', which does not exist; fix or remove it"
    return Problem(rel, 1, Severity.ERROR, reason)


def read_text(path: Path, rel: str, max_bytes: int = MAX_LESSON_BYTES) -> tuple[str | None, list[Problem]]:
    """Read a lesson as UTF-8 text, or explain why it cannot be a lesson."""
    raw, problems = read_bytes(path, rel, max_bytes)
    return (None, problems) if raw is None else decode_text(raw, rel, max_bytes)


def read_bytes(path: Path, rel: str, max_bytes: int = MAX_LESSON_BYTES) -> tuple[bytes | None, list[Problem]]:
    """A lesson file's bytes, at most ``max_bytes`` and one more (to tell that it is too large)."""
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1), []
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP) and path.is_symlink():
            return None, [_link_problem(rel, path, exc)]
        return None, [Problem(rel, 1, Severity.ERROR,
                              f"cannot read this file ({exc.strerror}); check its permissions")]


def decode_text(raw: bytes, rel: str, max_bytes: int = MAX_LESSON_BYTES) -> tuple[str | None, list[Problem]]:
    """A lesson's bytes (from :func:`read_bytes`) as UTF-8 text, or why it cannot be a lesson."""
    if len(raw) > max_bytes:
        return None, [Problem(rel, 1, Severity.ERROR,
                              f"file is larger than the {max_bytes // 1024} KiB limit for a lesson; "
                              "split it into several lessons")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(rel, 1, Severity.ERROR,
                              "the file is UTF-16, not UTF-8; save it as UTF-8")]
    if b"\x00" in raw[:8192]:
        return None, [Problem(rel, 1, Severity.ERROR,
                              "binary file, not a Markdown lesson; move it out of the lesson "
                              "folder or rename it to start with '_'")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        column = len(before[start:].decode("utf-8", "replace")) + 1
        try:  # what the trainer typed there, as the editor that saved it shows it
            typed = f" ('{raw[exc.start:exc.start + 1].decode('cp1252')}')"
        except UnicodeDecodeError:
            typed = ""
        return None, [Problem(rel, line, Severity.ERROR,
                              f"not valid UTF-8: column {column}, byte 0x{raw[exc.start]:02x}"
                              f"{typed}; {_encoding_hint(raw)}save the file as UTF-8 (most "
                              "editors: 'Save as', encoding 'UTF-8')")]
    if not text.strip():
        return None, [Problem(rel, 1, Severity.ERROR,
                              "empty file; write a '# Title' and a paragraph, or delete the file")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _encoding_hint(raw: bytes) -> str:
    """Name the likely encoding of a file that is not UTF-8, so the fix is easy to find."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it looks like UTF-16; "
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return "it looks like Windows-1252 or Latin-1; "
