"""Semantic lookup with a stand-in encoder: fusion, background indexing, the cache, failure;
and the real bundled model on the sample library."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy
import pytest

from bot.content.catalog import Catalog
from bot.content.semantic import SemanticIndex, lesson_texts
from bot.content.vector_cache import VectorCache
from tests.conftest import SAMPLE, wait_for, wide

# Meanings the stand-in model knows: words of one group are "similar".
GROUPS = [
    {"inbox", "email", "emails", "mail", "unread", "overflowing", "mailbox"},
    {"merge", "conflict", "conflicts", "branch"},
    {"pdf", "document", "files"},
    {"listen", "listening", "heard", "venting"},
]


class MeaningEncoder:
    """Maps a text to the groups its words belong to (a toy, deterministic sentence model)."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> Any:
        self.calls += 1
        rows = []
        for text in texts:
            words = {w.strip(".,?!").lower() for w in text.split()}
            row = numpy.array([len(words & group) for group in GROUPS] + [0.2], dtype=float)
            rows.append(row / numpy.linalg.norm(row))
        return numpy.array(rows)


def write(path: Path, title: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "inbox.md", "Tame your inbox", "Triage email every morning.")
    write(tmp_path / "merge.md", "Resolve a merge conflict", "Git stops when branches clash.")
    write(tmp_path / "listen.md", "Active listening", "Reflect back what you heard.")
    return tmp_path


def semantic_catalog(
    folder: Path, encoder: MeaningEncoder | None = None,
) -> tuple[Catalog, SemanticIndex]:
    index = SemanticIndex(MeaningEncoder if encoder is None else lambda: encoder)
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10)
    return catalog, index


def ids(catalog: Catalog, query: str) -> list[str]:
    return [hit.lesson.id for hit in catalog.lookup(query).hits]


def test_paraphrase_that_lexical_lookup_misses_is_found_by_meaning(folder: Path) -> None:
    lexical = Catalog(folder)
    lexical.load()
    assert ids(lexical, "my mailbox is overflowing") == []
    catalog, _ = semantic_catalog(folder)
    assert ids(catalog, "my mailbox is overflowing")[0] == "inbox"
    hit = catalog.lookup("my mailbox is overflowing").hits[0]
    assert hit.similarity is not None and hit.similarity >= 0.5


def test_lexical_answer_stays_first_and_unrelated_queries_stay_unanswered(folder: Path) -> None:
    catalog, _ = semantic_catalog(folder)
    assert ids(catalog, "merge conflict")[0] == "merge"
    assert ids(catalog, "what is the weather in paris") == []


def test_changes_reach_the_semantic_index(folder: Path) -> None:
    catalog, index = semantic_catalog(folder)
    write(folder / "pdf.md", "Combine documents", "Put several files together.")
    catalog.refresh()
    wait_for(lambda: "pdf" in ids(catalog, "join two pdf documents"), 5)
    (folder / "inbox.md").unlink()
    catalog.refresh()
    wait_for(lambda: "inbox" not in [i for i, _ in index.search("unread mail", 5)], 5)


def test_start_up_never_waits_for_the_model_and_lookups_are_lexical_meanwhile(
    folder: Path,
) -> None:
    release = threading.Event()

    def slow_model() -> MeaningEncoder:
        release.wait(10)  # a model that takes its time to load
        return MeaningEncoder()

    index = SemanticIndex(slow_model)
    catalog = Catalog(folder, semantic=index)
    catalog.load()  # returns although the model is still loading
    assert not index.ready
    assert ids(catalog, "my mailbox is overflowing") == []
    assert ids(catalog, "merge conflict") == ["merge"]
    assert not catalog.wait_for_meaning(0.05)  # a scripted demo's wait gives up in time
    release.set()
    assert catalog.wait_for_meaning(10)
    assert ids(catalog, "my mailbox is overflowing") == ["inbox"]
    assert Catalog(folder).wait_for_meaning(0)  # words only: nothing to wait for


def test_the_model_loads_while_the_lessons_do_and_ready_waits_for_them(folder: Path) -> None:
    loading = threading.Event()

    def watched() -> MeaningEncoder:
        loading.set()
        return MeaningEncoder()

    index = SemanticIndex(watched)
    index.prepare()  # what Catalog.load does before it reads the lessons
    assert loading.wait(10)
    assert not index.wait(0.2)  # the model alone is not "ready": no lesson is embedded yet
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10) and index.usable
    assert ids(catalog, "my mailbox is overflowing") == ["inbox"]


def test_a_failing_model_leaves_lexical_lookup_working(folder: Path) -> None:
    def broken() -> MeaningEncoder:
        raise RuntimeError("weights are corrupt")

    index = SemanticIndex(broken)
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10) and isinstance(index.error, RuntimeError)
    assert ids(catalog, "merge conflict") == ["merge"]


def test_a_model_that_cannot_load_logs_a_warning_and_lookup_stays_lexical(
    folder: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    def missing() -> MeaningEncoder:
        raise FileNotFoundError("minilm.npz")

    index = SemanticIndex(missing)
    catalog = Catalog(folder, semantic=index)
    with caplog.at_level(logging.WARNING, logger="bot.content.semantic"):
        catalog.load()
        assert index.wait(10)
    assert "lookup stays lexical" in caplog.text
    assert not index.usable
    assert ids(catalog, "merge conflict") == ["merge"]
    catalog.refresh()  # later changes do not wait for a model that never comes
    assert index.ready


def test_a_restart_embeds_nothing_already_in_the_cache(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "vectors.sqlite3"
    first = MeaningEncoder()
    index = SemanticIndex(lambda: first, VectorCache(path))
    Catalog(folder, semantic=index).load()
    assert index.wait(10) and first.calls >= 1
    again = MeaningEncoder()
    index = SemanticIndex(lambda: again, VectorCache(path))  # a new process, the same file
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10)
    assert again.calls == 0
    write(folder / "merge.md", "Resolve a merge conflict", "Git stops when branches clash!")
    catalog.refresh()
    wait_for(lambda: again.calls == 1, 5)  # only the changed lesson is embedded


def test_once_the_library_is_embedded_vectors_unused_for_months_are_pruned(
    folder: Path, tmp_path: Path,
) -> None:
    path = tmp_path / "vectors.sqlite3"
    days = [10]
    VectorCache(path, lambda: days[0]).put_many({"another model's": numpy.ones(4, numpy.float32)})
    pruned = threading.Event()

    class Watched(VectorCache):
        def prune(self, max_age_days: int = 90) -> int:
            count = super().prune(max_age_days)
            pruned.set()
            return count

    first = SemanticIndex(MeaningEncoder, VectorCache(path, lambda: 10))
    Catalog(folder, semantic=first).load()  # the library's own vectors, embedded on day 10 too
    assert first.wait(10)
    days[0] = 200
    again = MeaningEncoder()
    index = SemanticIndex(lambda: again, Watched(path, lambda: days[0]))
    Catalog(folder, semantic=index).load()
    assert index.wait(10) and pruned.wait(10)
    assert again.calls == 0  # the library's own vectors, 190 days old, were read, not pruned
    left = VectorCache(path, lambda: days[0])
    assert left.get_many(["another model's"]) == {}
    assert left.prune(0) == 0  # the library's vectors were all read on day 200: none is older


def test_a_running_index_keeps_marking_its_vectors_as_used(folder: Path, tmp_path: Path) -> None:
    # A bot up for months must not lose its vectors to another process's prune.
    path, days = tmp_path / "vectors.sqlite3", [10]
    prunes = threading.Semaphore(0)

    class Watched(VectorCache):
        def prune(self, max_age_days: int = 90) -> int:
            count = super().prune(max_age_days)
            prunes.release()
            return count

    index = SemanticIndex(MeaningEncoder, Watched(path, lambda: days[0]), keep_every_s=0.01)
    Catalog(folder, semantic=index).load()
    assert index.wait(10) and prunes.acquire(timeout=10)
    days[0] = 200
    assert prunes.acquire(timeout=10) and prunes.acquire(timeout=10)  # a prune after the marks
    other = VectorCache(path, lambda: 200)  # another process prunes the shared file
    other.prune(90)
    with sqlite3.connect(path) as db:
        assert {seen for (seen,) in db.execute("SELECT seen FROM vectors")} == {200}


def test_a_lesson_is_read_as_what_it_is_about_how_it_opens_and_what_its_quiz_explains() -> None:
    catalog = Catalog(SAMPLE)
    catalog.load()
    with_quiz = next(lesson for lesson in catalog.lessons() if lesson.questions)
    about, lead, quiz = lesson_texts(with_quiz)
    assert about.startswith(with_quiz.title)
    assert lead.startswith(with_quiz.title + ". ")
    first_words = [w for line in with_quiz.text.splitlines()
                   if line.strip() and line.strip() not in with_quiz.headings
                   for w in line.split()]
    assert lead.split(". ", 1)[1].split() == first_words[:80]
    assert with_quiz.questions[0].explanation.split()[0] in quiz


def test_real_model_answers_paraphrases_that_lexical_lookup_misses() -> None:
    index = SemanticIndex()
    catalog = Catalog(SAMPLE, semantic=index)
    catalog.load()
    assert index.wait(300) and index.error is None
    query = "pushed a broken change to the shared branch, need to roll it back"
    assert "git/undoing-changes" in ids(catalog, query)[:2]  # "merge conflicts" is close
    hit = catalog.lookup(query).hits[0]
    assert hit.confidence is not None and 0.0 <= hit.confidence <= 1.0
    assert ids(catalog, "what is the weather in paris tomorrow") == []
    chatty = ("Hi! Quick question. My phone keeps buzzing with sign-in approvals I didn't ask "
              "for. What should I do? Thanks!")
    assert ids(catalog, chatty)[0] == "security/use-mfa"
    filler = catalog.lookup("how do I")  # nothing to match: the model is not asked
    assert filler.hits == () and filler.suggestions == ()


def test_loading_again_reuses_the_model_and_forgets_removed_lessons(folder: Path) -> None:
    built: list[MeaningEncoder] = []

    def factory() -> MeaningEncoder:
        built.append(MeaningEncoder())
        return built[-1]

    index = SemanticIndex(factory)
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10)
    (folder / "inbox.md").unlink()
    catalog.load()
    assert index.wait(10)
    assert len(built) == 1
    assert "inbox" not in [lesson_id for lesson_id, _ in index.search("unread mail", 5)]


def test_embedding_a_large_library_logs_its_progress(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in range(80):
        write(tmp_path / f"l{number}.md", f"Lesson {number}", "Unread email piles up.")
    monkeypatch.setattr("bot.content.semantic.PROGRESS_EVERY_S", 0.0)  # a line per batch
    index = SemanticIndex(MeaningEncoder)
    with caplog.at_level(logging.INFO, logger="bot.content.semantic"):
        Catalog(tmp_path, semantic=index).load()
        assert index.wait(10)
    assert "embedding 80 lesson texts for lookup by meaning (0 found in the cache;" in caplog.text
    assert "embedded 32 of 80 lesson texts" in caplog.text
    assert "embedded 80 lesson texts in" in caplog.text


def test_a_lesson_the_catalog_no_longer_serves_is_never_a_candidate(folder: Path) -> None:
    # Between a file's removal and the background thread forgetting its vectors, meaning still
    # ranks it; lookup must decide on the lessons it can serve, not show a runner-up instead.
    from bot.content.model import Lesson

    catalog, index = semantic_catalog(folder)
    ghost = Lesson(id="ghost", path="ghost.md", title="Overflowing mailbox", summary="",
                   body="Unread email in the inbox.", text="Unread email in the inbox.",
                   topic="general")
    index.update(ghost)
    wait_for(lambda: "ghost" in [i for i, _ in index.search("overflowing mailbox", 5)], 5)
    evidence, used, _ = catalog.evidence("my mailbox is overflowing")
    assert used and "ghost" not in [e.lesson_id for e in evidence]
    result = catalog.lookup("my mailbox is overflowing")
    assert [hit.lesson.id for hit in result.hits][:1] == ["inbox"]
    assert result.hits[0].confidence is not None
    assert result.hits[0].confidence >= catalog.min_confidence


class RecordingEncoder(MeaningEncoder):
    """Records what it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Any:
        self.texts.extend(texts)
        return super().encode(texts)


class SpellingEncoder(RecordingEncoder):
    """Records what it is asked to embed, and knows the words of a small vocabulary."""

    def knows(self, word: str) -> bool:
        return word in {"heart", "rate", "resolve", "merge"}


def test_the_model_reads_a_misspelt_word_as_lexical_lookup_corrected_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Lexical lookup without its dictionary (no word list could be read), so that it reads a
    # real word the library lacks as the library's word one letter away ("heart" as "heard").
    monkeypatch.setattr("bot.content.catalog.english", lambda word: False)
    encoder = SpellingEncoder()
    catalog, _ = semantic_catalog(folder, encoder)
    result = catalog.lookup("resolve a merge conflcit")
    assert result.corrections == {"conflcit": "conflict"}
    assert encoder.texts[-1] == "resolve a merge conflict"
    # A word the model knows keeps its meaning all the same.
    assert catalog.lookup("heart rate").corrections == {"heart": "heard"}
    assert encoder.texts[-1] == "heart rate"
    # A short word it lacks is as likely a name or an acronym as a typo.
    assert catalog.lookup("merge emal").corrections == {"emal": "email"}
    assert encoder.texts[-1] == "merge emal"


def test_the_model_reads_wide_letters_and_glued_emoji_as_lexical_lookup_does(
    folder: Path,
) -> None:
    encoder = RecordingEncoder()
    catalog, _ = semantic_catalog(folder, encoder)
    catalog.lookup(wide("merge") + " conflict🔥help")
    assert encoder.texts[-1] == "merge conflict help"


def test_a_model_without_a_vocabulary_reads_every_long_word_corrected(
    folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.content.catalog.english", lambda word: False)
    encoder = RecordingEncoder()
    catalog, _ = semantic_catalog(folder, encoder)
    catalog.lookup("heart rate")
    assert encoder.texts[-1] == "heard rate"  # it cannot tell a real word from a typo
    catalog.lookup("merge emal")
    assert encoder.texts[-1] == "merge emal"


def test_a_lesson_found_by_meaning_alone_keeps_the_words_it_shares(
    folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In a large library the best lexical matches are a few dozen of the many pages that say
    # "file"; a page found by meaning outside them shares the question's words all the same.
    monkeypatch.setattr("bot.content.catalog.CANDIDATES", 1)
    catalog, _ = semantic_catalog(folder)
    evidence, used, _ = catalog.evidence("unread email conflict")
    found = {e.lesson_id: e for e in evidence}
    assert used and set(found) == {"merge", "inbox"}  # the best by words, the nearest in meaning
    assert found["merge"].lexical > found["inbox"].lexical > 0
    assert found["inbox"].similarity > found["merge"].similarity
    assert 0 < found["inbox"].coverage < 1 and found["inbox"].strength > 0
