"""Where a lesson's link to a file leads: one rule for the check (is it a lesson of the folder?)
and for the bot, which turns a link to a lesson in service into how to open that lesson.

A link's path is read as an image's is (:func:`bot.content.images.image_path`): relative to the
lesson's file, or to the lesson folder when it starts with ``/``; ``./`` and ``..`` are
normalised, percent-escapes decoded (``strong%20passwords.md``), and what follows ``#`` or ``?``
(``passwords.md#managers``) is not part of the file's path. Everything here works on paths
relative to the folder, without touching the disk: the bot resolves links at send time from the
catalog, so a lesson renamed or moved is followed as soon as the catalog knows it.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlparse

from bot.content.folder import LESSON_SUFFIXES, is_ignored_name


def link_path(rel: str, url: str) -> str | None:
    """The path, relative to the lesson folder, of the file that link ``url`` of the lesson at
    ``rel`` names; None for a web, mail or any other address, an ``#anchor`` alone, a path
    written with ``\\``, and one that leaves the folder."""
    try:
        parsed = urlparse(url)
    except ValueError:  # 'http://[x': not an address at all (the check says so)
        return None
    if parsed.scheme or parsed.netloc or not parsed.path:
        return None
    target = unquote(parsed.path)
    if "\\" in target:  # a Windows path: the check asks for '/'
        return None
    joined = target.lstrip("/") if target.startswith("/") else \
        posixpath.join(posixpath.dirname(rel), target)
    path = posixpath.normpath(joined) if joined else ""
    if path in ("", ".", "..") or path.startswith("../"):
        return None
    return path


def is_lesson_path(path: str) -> bool:
    """Whether a file at ``path`` (relative to the lesson folder) would be read as a lesson:
    Markdown, and neither it nor a folder on its way named as never a lesson (``_drafts/``,
    ``README.md``)."""
    return path.lower().endswith(LESSON_SUFFIXES) and \
        not any(is_ignored_name(part) for part in path.split("/"))
