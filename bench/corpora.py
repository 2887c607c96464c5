"""Real pages written by others, turned into lesson folders for the lookup benchmarks.

Two corpora come from Debian packages and are converted once into a cache folder (they are not
copied into this repository):

- ``man-pages``: the English manual pages of sections 1, 5, 7 and 8 on this machine (thousands
  of pages from coreutils, util-linux, git, apt, systemd, OpenSSH, ...), rendered with
  ``man`` and cut into a title (the NAME line), section headings and text. The thousands of
  generated ``gcloud`` reference pages are left out: they are one tool's flag listings, not
  pages a learner would be sent to.
- ``python-docs``: the reStructuredText sources of Python's documentation that the
  ``python3.11-doc`` package ships (library, tutorial, how-tos, FAQ, reference, using).

Usage::

    python -m bench.corpora [--cache DIR]      # builds both, prints the number of pages
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

MAN_ROOT = Path("/usr/share/man")
MAN_SECTIONS = ("1", "5", "7", "8")
PYDOC_ROOT = Path("/usr/share/doc/python3.11/html/_sources")
PYDOC_PARTS = ("library", "tutorial", "howto", "faq", "reference", "using")
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
    else:
        raise ValueError(f"unknown corpus {name!r}")
    done.write_text("")
    return folder


CORPORA = ("man-pages", "python-docs")


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
