"""Where a lesson's local image is: one rule for the check that it exists and for the adapters
that send it, so a path the check accepts is the file a learner gets."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse


def image_path(root: Path, rel: str, src: str) -> Path | None:
    """The file that image ``src`` of the lesson at ``rel`` (relative to the lesson folder
    ``root``) names, or None when ``src`` is a URL or any other scheme, or leaves the folder.

    ``src`` is relative to the lesson file, or to the folder when it starts with ``/``, with
    percent-escapes decoded (``my%20photo.png``). The path is normalised but links are not
    resolved: a linked topic folder is part of the library, while ``../../etc/passwd`` is not.
    Whether the file exists is the caller's question.
    """
    parsed = urlparse(src)
    if parsed.scheme or not parsed.path:
        return None
    target = unquote(parsed.path)
    folder = (root / rel).parent
    candidate = root / target.lstrip("/") if target.startswith("/") else folder / target
    real = Path(os.path.normpath(candidate.absolute()))
    return real if real.is_relative_to(Path(os.path.normpath(root.absolute()))) else None
