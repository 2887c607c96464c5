"""Plain text from inline Markdown, for platforms that take no markup.

Quiz questions, choices and explanations keep the trainer's inline Markdown (so a renderer can
show `code` or **bold** where the platform allows it); :func:`plain_text` gives the text a quiz
poll or a button needs.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyromark

_MARKUP = re.compile(r"[*_`\[\]<>&\\!~]")


@lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Plain text of inline Markdown ("Use `git add`" -> "Use git add"); images are dropped."""
    if not _MARKUP.search(source):
        return " ".join(source.split())
    pieces: list[str] = []
    in_image = 0
    for event in pyromark.events(source, options=pyromark.Options.ENABLE_STRIKETHROUGH):
        if isinstance(event, str):
            pieces.append(" ")
            continue
        kind, value = next(iter(event.items()))
        if kind == "Start" and isinstance(value, dict) and "Image" in value:
            in_image += 1
        elif kind == "End" and value == "Image":
            in_image -= 1
        elif kind in ("Text", "Code") and not in_image:
            pieces.append(str(value))
    return " ".join("".join(pieces).split())
