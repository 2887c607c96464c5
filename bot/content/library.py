"""The lesson catalog as the bot's ``[lookup]`` settings ask for it: one place that turns those
settings into a catalog, for the bot and for the command line alike."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.cache_file import cache_path
from bot.content.catalog import Catalog
from bot.content.lesson_cache import LessonCache, lesson_cache_path
from bot.content.semantic import SemanticIndex
from bot.content.vector_cache import VectorCache

if TYPE_CHECKING:
    from bot.config import LookupSettings


def open_catalog(lessons: Path, lookup: LookupSettings | None = None,
                 include_drafts: bool = False, owners: Mapping[str, str] | None = None) -> Catalog:
    """The lesson catalog, with lookup by meaning unless ``lookup`` turns it off (``None``:
    words only and no caches, as tests and the lesson-checking commands want it). Parsed
    lessons are kept beside the embedding cache; the lessons are embedded in the background.
    ``owners``: who owns the ids two files claim, without a cache (see :class:`Catalog`)."""
    if lookup is None:
        return Catalog(lessons, include_drafts=include_drafts, owners=owners)
    path = cache_path(lookup.cache)
    semantic = SemanticIndex(cache=VectorCache(path)) if lookup.semantic else None
    return Catalog(lessons, semantic=semantic, include_drafts=include_drafts,
                   min_confidence=lookup.min_confidence,
                   refuse_unrelated=lookup.refuse_unrelated,
                   cache=LessonCache(lesson_cache_path(path)))
