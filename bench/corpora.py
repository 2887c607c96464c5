"""Real pages written by others, turned into lesson folders for the lookup benchmarks.

Three corpora come from Debian packages and are converted once into a cache folder (they are not
copied into this repository):

- ``man-pages``: the English manual pages of sections 1, 5, 7 and 8 on this machine (thousands
  of pages from coreutils, util-linux, git, apt, systemd, OpenSSH, ...), rendered with
  ``man`` and cut into a title (the NAME line), section headings and text. The thousands of
  generated ``gcloud`` reference pages are left out: they are one tool's flag listings, not
  pages a learner would be sent to.
- ``python-docs``: the reStructuredText sources of Python's documentation that the
  ``python3.11-doc`` package ships (library, tutorial, how-tos, FAQ, reference, using).
- ``postgres-docs``: PostgreSQL 15's documentation as ``postgresql-doc-15`` ships it, one HTML
  page a lesson whose id is the file name (``sql-createtable``, ``backup-dump``): the title
  (a reference page's "name — purpose" line), section headings and plain text, without the
  navigation around it; a chapter page that is only a table of contents keeps that list.

Usage::

    python -m bench.corpora [--cache DIR]      # builds all three, prints the number of pages
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

MAN_ROOT = Path("/usr/share/man")
MAN_SECTIONS = ("1", "5", "7", "8")
PYDOC_ROOT = Path("/usr/share/doc/python3.11/html/_sources")
PYDOC_PARTS = ("library", "tutorial", "howto", "faq", "reference", "using")
PGDOC_ROOT = Path("/usr/share/doc/postgresql-doc-15/html")
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "microlearn-bench"


def man_pages() -> Iterator[tuple[str, Path]]:
    """(lesson id, source file) of every man page in the corpus, in a stable order."""
    for section in MAN_SECTIONS:
        folder = MAN_ROOT / f"man{section}"
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            name = path.name.removesuffix(".gz")
            if name.startswith("gcloud"):
                continue
            yield f"man{section}/{name}", path


_HEADING = re.compile(r"^[A-Z][A-Z0-9 ,/&()-]*$")


def man_to_markdown(path: Path) -> str | None:
    """Render one man page as a lesson: ``# name - what it does``, ``##`` per section."""
    rendered = subprocess.run(
        ["man", "--nh", "--nj", "-l", str(path)], capture_output=True, timeout=60,
        env={**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "0", "LC_ALL": "C.UTF-8"},
        check=False,
    ).stdout.decode("utf-8", "replace")
    rendered = re.sub(r".\x08", "", rendered)  # overstrike bold/underline
    lines = rendered.splitlines()[1:-1]  # the running header and footer
    title = ""
    out: list[str] = []
    section = ""
    for line in lines:
        if _HEADING.match(line.rstrip()):
            section = line.strip()
            if section != "NAME":
                out.append(f"\n## {section.title()}\n")
            continue
        text = line.strip()
        if section == "NAME" and text:
            title = f"{title} {text}".strip()
            continue
        out.append(text)
    if not title:
        return None
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return f"# {title}\n\n{body}\n"


_ROLE = re.compile(r":[a-z:]+:`(?:~?([^`<]*?)\s*<[^`]*>|~?([^`]*))`")


def rst_to_markdown(text: str) -> str:
    """A rough reStructuredText to Markdown: headings, roles and literals become plain."""
    text = _ROLE.sub(lambda m: (m.group(1) or m.group(2) or "").split(".")[-1]
                     if (m.group(2) or "").startswith("~") else (m.group(1) or m.group(2) or ""),
                     text)
    text = text.replace("``", "`")
    lines = text.splitlines()
    out: list[str] = []
    levels: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        under = lines[index + 1] if index + 1 < len(lines) else ""
        if (line.strip() and under and len(set(under.strip())) == 1 and under.strip()[0] in "=-~^*#\""
                and len(under.strip()) >= len(line.strip()) > 0 and not line.startswith(" ")):
            mark = under.strip()[0]
            if mark not in levels:
                levels.append(mark)
            out.append("#" * min(4, levels.index(mark) + 1) + " " + line.strip())
            index += 2
            continue
        if re.match(r"^\s*\.\. [a-z-]+::", line) and not re.match(
                r"^\s*\.\. (note|warning|seealso|tip|important)::", line):
            index += 1
            continue
        if re.fullmatch(r"[=\-~^*#]{4,}", line.strip()):
            index += 1
            continue
        out.append(line)
        index += 1
    return "\n".join(out) + "\n"


def python_docs() -> Iterator[tuple[str, Path]]:
    """(lesson id, source file) of every page of Python's documentation in the corpus."""
    for part in PYDOC_PARTS:
        folder = PYDOC_ROOT / part
        if folder.is_dir():
            for path in sorted(folder.rglob("*.rst.txt")):
                yield str(path.relative_to(PYDOC_ROOT)).removesuffix(".rst.txt"), path


_NUMBER = re.compile(r"^(?:(?:Chapter|Part|Appendix) )?(?:[0-9]+|[A-Z]|[IVXL]+)(?:\.[0-9]+)*\.\s+")
_BLOCKS = {"p", "div", "dt", "dd", "li", "tr", "table", "blockquote", "dl", "ul", "ol", "pre",
           "h1", "h2", "h3", "h4", "h5", "h6"}
_ASIDES = ("note", "tip", "warning", "caution", "important")


class _PgPage(HTMLParser):
    """One page of PostgreSQL's HTML documentation, read into a title and Markdown blocks.

    The navigation header and footer are dropped; the table of contents is kept apart (a
    chapter page that has nothing else shows it); a reference page's "name — purpose" line
    is its title; the page's own heading is not repeated, and section numbers are cut."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[str] = []
        self.toc: list[str] = []
        self._open: list[tuple[str, str]] = []  # (tag, class) of every open element
        self._text: list[str] = []
        self._headings = 0
        self._top = 0  # the heading level one above the page's sections (those become ##)

    def _inside(self, *classes: str) -> bool:
        return any(cls in classes for _, cls in self._open)

    def _end_block(self, tag: str) -> None:
        raw = "".join(self._text)
        self._text = []
        text = " ".join(raw.split())
        if self._inside("navheader", "navfooter") or not raw.strip():
            return
        heading = re.fullmatch(r"h[1-6]", tag) is not None
        if tag == "title":
            self.title = self.title or _NUMBER.sub("", text)
        elif self._inside("refnamediv"):
            if tag == "p":
                self.title = text  # "CREATE TABLE — define a new table"
            elif heading:  # the sections that follow are at the same level
                self._headings, self._top = 1, int(tag[1]) - 1
        elif self._inside("toc"):
            self.toc.append(text)
        elif tag == "pre":
            self.blocks.append("```\n" + raw.strip("\n") + "\n```")
        elif heading and not self._inside(*_ASIDES):  # not "Note", "Tip", ...
            level = int(tag[1])
            self._headings += 1
            if self._headings == 1:  # the page's own heading
                self._top = level
            else:
                self.blocks.append("#" * min(4, max(2, level - self._top + 1)) + " "
                                   + _NUMBER.sub("", text))
        else:
            self.blocks.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag == "title":
            self._end_block("div")
        elif tag in ("td", "th") and "".join(self._text).strip():
            self._text.append(" | ")
        self._open.append((tag, dict(attrs).get("class") or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._text.append("\n" if self._inside_pre() else " ")

    def _inside_pre(self) -> bool:
        return any(tag == "pre" for tag, _ in self._open)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS or tag == "title":
            self._end_block(tag)
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def pg_to_markdown(html: str) -> str | None:
    """Render one page of PostgreSQL's documentation as a lesson: ``# title``, ``##`` per
    section, plain paragraphs and fenced examples; None for a page with no title."""
    page = _PgPage()
    page.feed(html)
    page.close()
    if not page.title:
        return None
    body = "\n\n".join(page.blocks or page.toc)
    return f"# {page.title}\n\n{body}\n"


def postgres_docs() -> Iterator[tuple[str, Path]]:
    """(lesson id, source file) of every page of PostgreSQL's documentation in the corpus."""
    for path in sorted(PGDOC_ROOT.glob("*.html")):
        yield path.stem, path


def _convert_man(item: tuple[str, Path, Path]) -> bool:
    _, source, target = item
    try:
        text = man_to_markdown(source)
    except (OSError, subprocess.SubprocessError):
        return False
    if text is None:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True


def build(name: str, cache: Path = DEFAULT_CACHE) -> Path | None:
    """The lesson folder of corpus ``name`` (built on first use); None where its package is
    missing on this machine."""
    folder = cache / name
    done = folder / ".complete"
    if done.exists():
        return folder
    if name == "man-pages":
        if not MAN_ROOT.is_dir():
            return None
        items = [(lesson_id, source, folder / f"{lesson_id}.md")
                 for lesson_id, source in man_pages()]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(_convert_man, items, chunksize=32))
    elif name == "python-docs":
        if not PYDOC_ROOT.is_dir():
            return None
        for lesson_id, source in python_docs():
            target = folder / f"{lesson_id}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rst_to_markdown(source.read_text(encoding="utf-8")),
                              encoding="utf-8")
    elif name == "postgres-docs":
        if not PGDOC_ROOT.is_dir():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        for lesson_id, source in postgres_docs():
            text = pg_to_markdown(source.read_text(encoding="utf-8"))
            if text is not None:
                (folder / f"{lesson_id}.md").write_text(text, encoding="utf-8")
    else:
        raise ValueError(f"unknown corpus {name!r}")
    done.write_text("")
    return folder


CORPORA = ("man-pages", "python-docs", "postgres-docs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for name in CORPORA:
        folder = build(name, args.cache)
        count = sum(1 for _ in folder.rglob("*.md")) if folder else 0
        print(f"{name}: {count} pages in {folder}")


if __name__ == "__main__":
    main()
