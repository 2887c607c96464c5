"""Semantic lookup: sentence embeddings that match a question to a lesson by meaning.

Lexical lookup cannot tell that "my inbox is overflowing" is about "Tame your inbox" but "merge two
PDF files" is not about "Resolve a merge conflict". A small sentence-embedding model can. It is
on by default: all-MiniLM-L6-v2 runs on numpy (``bot/content/embedding.py``) from weights this
package ships, so nothing is fetched and no PyTorch is needed.

Each lesson gets three vectors: what it is about (title, objective, summary, tags, headings),
how it opens (title and the first words of its text) and what its quiz asks and explains; a
question's similarity to a lesson is the best of the three.
Vectors are cached by content hash (:mod:`bot.content.vector_cache`). Lessons are embedded in a
background thread with progress in the log: lookups stay lexical until the embeddings are
ready, and start-up never waits for them. A model that cannot load leaves lookup lexical, with
a warning, and the bot running.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from bot.content.embedding import MiniLM, Vectors
from bot.content.model import Lesson
from bot.content.question import for_model, with_corrections
from bot.content.vector_cache import VectorCache, text_key
from bot.errors import ContentError

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2/numpy-int8"
"""Part of every cache key: vectors of another model (or another export) are never mixed in."""
BATCH = 32
QUIET_BATCH = 8
"""Texts embedded at a time in the background between learners' lookups (the floor's questions,
:meth:`SemanticIndex.prime`): a learner who asks meanwhile waits for one such batch at most."""
PROGRESS_EVERY_S = 10.0
"""Seconds between progress lines while a large library is embedded."""
KEEP_EVERY_S = 6 * 3600.0
"""Seconds between two markings of a running index's vectors as used (a few a day: a row is
kept for 90 days after its last use)."""
QUERY_CACHE = 1024
"""Recent questions whose vectors are kept: the same question asked again costs nothing."""


class SemanticUnavailable(ContentError):
    """The embedding model cannot be loaded."""


class Encoder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    def encode(self, texts: Sequence[str]) -> Any:
        """A 2-D array, one L2-normalised row per text."""


@runtime_checkable
class Vocabulary(Protocol):
    """An encoder that can tell the words it learnt as a whole (the bundled model can)."""

    def knows(self, word: str) -> bool:
        """Whether ``word`` is one token of the model's vocabulary."""


def default_encoder() -> Encoder:
    """The bundled all-MiniLM-L6-v2 (numpy)."""
    return MiniLM.load()


LEAD_WORDS = 80
"""Words of a lesson's text read as its opening (with the title, about the 128 tokens the model
reads)."""


def lesson_texts(lesson: Lesson) -> tuple[str, str, str]:
    """What the model reads of a lesson: what it is about, how it opens, and what its quiz
    asks and explains ("" without a quiz). The model reads the first 128 tokens, so the most
    telling parts come first.

    The opening matters where titles are terse and headings generic (a manual page's
    "Synopsis", "Description"): on the tuning halves of five query sets, adding it raised the
    model's own hit@3 on every set (bench/lookup_bench.py, docs/lookup.md)."""
    parts = [lesson.title + ".", lesson.objective, lesson.summary, " ".join(lesson.tags)]
    parts.extend(lesson.headings[:12])
    about = " ".join(part for part in parts if part)
    headings = set(lesson.headings)
    words: list[str] = []
    for line in lesson.text.splitlines():
        if line.strip() and line.strip() not in headings:
            words.extend(line.split())
            if len(words) >= LEAD_WORDS:
                break
    lead = f"{lesson.title}. {' '.join(words[:LEAD_WORDS])}" if words else ""
    quiz = " ".join(f"{question.text} {question.explanation}".strip()
                    for question in lesson.questions)
    return about, lead, (f"{lesson.title}. {quiz}" if quiz else "")


MIN_CORRECTED = 5
"""Shortest misspelt word the model reads as corrected: one letter of four is too much to be
sure of, and short words a library lacks are often names and acronyms ("wifi", "okrs")."""


class SemanticIndex:
    """Embeddings of the lessons in service, kept in step with the catalog. Thread-safe."""

    def __init__(
        self, encoder_factory: Callable[[], Encoder] = default_encoder,
        cache: VectorCache | None = None, model_name: str = MODEL_NAME,
        keep_every_s: float = KEEP_EVERY_S,
    ) -> None:
        """``keep_every_s``: how often a running index marks its vectors in the cache as used
        (and prunes the cache), so that other processes sharing it do not prune them."""
        self._keep_every_s = keep_every_s
        self._factory = encoder_factory
        self._cache = cache or VectorCache()
        self._model_name = model_name
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._vectors: dict[str, tuple[Vectors | None, ...]] = {}
        self._keys: dict[str, tuple[str, ...]] = {}  # each lesson's vectors in the cache
        self._ids: list[str] = []
        self._matrices: tuple[Vectors, ...] = ()
        self._ready = threading.Event()
        self._queue: list[Lesson | str] = []
        self._applying = False
        self._rounds = 0
        self._primed: dict[str, Vectors] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._started = False
        self.error: Exception | None = None
        self._query_vector = functools.lru_cache(maxsize=QUERY_CACHE)(self._encode_query)

    @property
    def ready(self) -> bool:
        """True once the lessons given to :meth:`start` are embedded (or the model failed: see
        :attr:`error`)."""
        return self._ready.is_set()

    @property
    def usable(self) -> bool:
        """True when lookups can use meaning now."""
        return self.ready and self.error is None and self._encoder is not None

    @property
    def settled(self) -> int | None:
        """How many rounds of embedding have been applied, or None while lessons wait to be
        embedded (what the library's floor of confidence is measured for)."""
        with self._wake:
            return None if self._queue or self._applying else self._rounds

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ready (or the timeout passes); True when ready."""
        return self._ready.wait(timeout)

    def prepare(self) -> None:
        """Start loading the model in the background (while the lessons load, for instance);
        :meth:`start` does it too when it has not begun."""
        with self._wake:
            self._spawn()

    def start(self, lessons: Iterable[Lesson]) -> None:
        """Embed ``lessons`` (replacing any earlier set) in a background thread, loading the
        model first if needed."""
        lessons = list(lessons)
        with self._wake:
            keep = {lesson.id for lesson in lessons}
            with self._lock:
                gone = [lesson_id for lesson_id in self._vectors if lesson_id not in keep]
            self._queue.extend([*gone, *lessons])
            if self.error is None:
                self._ready.clear()
            self._started = True
            self._wake.notify()
            self._spawn()

    def _spawn(self) -> None:
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
        except Exception as exc:  # a missing or broken model must leave lexical lookup working
            self.error = exc
            log.warning("semantic lookup is off, lookup stays lexical: the embedding model "
                        "could not load (%s)", exc)
            self._ready.set()  # nobody waits for what will never come
            return
        pruned = False
        try:
            while True:
                with self._wake:
                    while not self._queue:
                        if self._started:  # ready means: the lessons of start() embedded
                            self._ready.set()
                            if not pruned:
                                break
                        if not self._wake.wait(self._keep_every_s) and self._started:
                            break  # a quiet while: time to say the vectors are in use
                    batch, self._queue = self._queue, []
                    self._applying = bool(batch)
                if batch:
                    try:
                        self._apply(batch)
                    finally:
                        with self._wake:
                            self._applying = False
                            self._rounds += 1
                else:
                    # After the library is embedded, and again every few hours while the bot
                    # runs: its vectors are marked as used, and only what no process asked
                    # for in months goes (old texts, other models). Another bot, or a
                    # lookup from the command line, would otherwise prune the vectors of one
                    # that has run for months without a restart.
                    pruned = True
                    with self._lock:
                        in_service = [key for keys in self._keys.values() for key in keys]
                    self._cache.keep(in_service)
                    self._cache.prune()
        except Exception as exc:  # a failing model must not take lexical lookup down with it
            self.error = exc
            log.exception("semantic lookup is off, lookup stays lexical: embedding failed")
            self._ready.set()

    def _apply(self, batch: list[Lesson | str]) -> None:
        latest: dict[str, Lesson | None] = {}
        for item in batch:  # the last word on each lesson wins
            if isinstance(item, str):
                latest[item] = None
            else:
                latest[item.id] = item
        todo = {lesson_id: lesson_texts(lesson) for lesson_id, lesson in latest.items()
                if lesson is not None}
        keys = {text: text_key(self._model_name, text)
                for texts in todo.values() for text in texts if text}
        vectors = self._embed(keys)
        with self._lock:
            for lesson_id, lesson in latest.items():
                if lesson is None:
                    self._vectors.pop(lesson_id, None)
                    self._keys.pop(lesson_id, None)
            for lesson_id, texts in todo.items():
                self._vectors[lesson_id] = tuple(vectors[text] if text else None
                                                 for text in texts)
                self._keys[lesson_id] = tuple(keys[text] for text in texts if text)
            self._rebuild()

    def _embed(self, keys: dict[str, str], what: str = "lesson texts",
               pause: Callable[[], None] | None = None) -> dict[str, Vectors]:
        """Vectors of the texts of ``keys`` (text -> cache key), from the cache where
        possible; progress is logged (``what`` they are). ``pause`` is called before each
        batch, which is then smaller (:data:`QUIET_BATCH`)."""
        assert self._encoder is not None
        cached = self._cache.get_many(keys.values()) if keys else {}
        result = {text: cached[key] for text, key in keys.items() if key in cached}
        missing = [text for text in keys if text not in result]
        if len(missing) > BATCH:
            log.info("embedding %d %s for lookup by meaning (%d found in the cache; "
                     "%s)", len(missing), what, len(result),
                     "these are kept there for the next start" if self._cache.persistent
                     else "the cache is unusable: this is done again at every start")
        started = last = time.monotonic()
        batch = BATCH if pause is None else QUIET_BATCH
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            if pause is not None:
                pause()
            rows = np.asarray(self._encoder.encode(chunk), dtype=np.float32)
            fresh = dict(zip(chunk, rows, strict=True))
            result.update(fresh)
            self._cache.put_many({keys[text]: vector for text, vector in fresh.items()})
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                log.info("embedded %d of %d %s (%.0f s)", start + len(chunk),
                         len(missing), what, now - started)
        if len(missing) > BATCH:
            log.info("embedded %d %s in %.1f s", len(missing), what,
                     time.monotonic() - started)
        return result

    def _rebuild(self) -> None:
        self._ids = sorted(self._vectors)
        if not self._ids:
            self._matrices = ()
            return
        matrices = []
        for kind in range(len(self._vectors[self._ids[0]])):
            rows = [self._vectors[i][kind] for i in self._ids]
            present = next((row for row in rows if row is not None), None)
            if present is None:
                continue
            # A lesson without this text (no quiz, no text) gets a zero row: similarity 0 never
            # beats its "about" row, which every lesson has.
            zero = np.zeros_like(present)
            matrices.append(np.stack([zero if row is None else row for row in rows]))
        self._matrices = tuple(matrices)

    def _encode_query(self, query: str) -> Vectors:
        primed = self._primed.get(query)
        if primed is not None:
            return primed
        assert self._encoder is not None
        vector: Vectors = np.asarray(self._encoder.encode([query]), dtype=np.float32)[0]
        return vector

    def prime(self, questions: Sequence[str], pause: Callable[[], None] | None = None) -> None:
        """Have the vectors of ``questions`` ready, from the cache where they are kept and
        embedded together otherwise (the library's floor of confidence asks the same few
        hundred at every start: in batches, then the cache, instead of one at a time).
        ``pause`` is called before each batch (to wait for a quiet moment)."""
        if not self.usable:
            return
        texts = [for_model(question) for question in questions]
        keys = {text: text_key(self._model_name, text) for text in texts
                if text not in self._primed}
        if keys:
            self._primed.update(self._embed(keys, "questions of the floor of confidence", pause))

    def similarities(
        self, query: str, corrections: Mapping[str, str] | None = None,
    ) -> tuple[list[str], Vectors] | None:
        """Every embedded lesson's id and its similarity to ``query`` (None until ready).

        ``corrections`` (lexical lookup's, misspelt word -> the library's word) are applied to
        words of five letters or more that the model does not know as a whole: "direcotry"
        falls apart into word pieces that mean nothing to it, while a real word that the
        library lacks ("desk", which lexical lookup would read as "disk") keeps its own
        meaning, and so does a short one, as likely a name or an acronym as a typo ("wifi" is
        not "wiki"). An encoder that is no :class:`Vocabulary` gets every correction of a
        long word."""
        if not self.usable:
            return None
        if corrections:
            vocabulary = self._encoder if isinstance(self._encoder, Vocabulary) else None
            query = with_corrections(query, {
                word: right for word, right in corrections.items()
                if len(word) >= MIN_CORRECTED
                and (vocabulary is None or not vocabulary.knows(word))})
        with self._lock:
            ids, matrices = self._ids, self._matrices
        if not matrices:
            return None
        vector = self._query_vector(for_model(query))
        similarity: Vectors = matrices[0] @ vector
        for matrix in matrices[1:]:
            similarity = np.maximum(similarity, matrix @ vector)
        return ids, similarity

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        """Lesson ids by similarity to ``query``, best first ([] until ready)."""
        found = self.similarities(query)
        if found is None:
            return []
        ids, similarity = found
        best = np.argsort(-similarity)[:limit]
        return [(ids[i], float(similarity[i])) for i in best]
