"""Display names as the engine should see them: plain text on one line.

A name is shown to other learners (the `top` leaderboard), so a character that changes how
the text *around* it is laid out must go: control characters, and the bidirectional controls
(U+202E RIGHT-TO-LEFT OVERRIDE and friends), with which one learner's name could visually
reorder the rest of someone else's line. Letters of every script, and emoji sequences joined by
U+200D, stay as they are.
"""

from __future__ import annotations

import re

_LAYOUT = re.compile(
    "[\x00-\x1f\x7f-\x9f"          # C0 and C1 controls (newlines, escape, NEL, ...)
    "\u061c\u200e\u200f"           # ARABIC LETTER MARK, LEFT-TO-RIGHT and RIGHT-TO-LEFT MARK
    "\u202a-\u202e"                # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066-\u2069"                # isolates (LRI, RLI, FSI, PDI)
    "\u2028\u2029]")               # line and paragraph separators
"""What a name must not carry."""


def plain_name(name: str) -> str:
    """``name`` without control or bidirectional control characters, its spaces collapsed."""
    return " ".join(_LAYOUT.sub("", name).split())
