"""Semantic lookup with a stand-in encoder: blending, background indexing, failure, the extra."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy
import pytest

from bot.content.catalog import Catalog
from bot.content.semantic import SemanticIndex, SemanticUnavailable, SentenceEncoder, blend
from tests.conftest import SAMPLE, wait_for

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


def semantic_catalog(folder: Path) -> tuple[Catalog, SemanticIndex]:
    index = SemanticIndex(MeaningEncoder)
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
    release.set()
    assert index.wait(10)
    assert ids(catalog, "my mailbox is overflowing") == ["inbox"]


def test_a_failing_model_leaves_lexical_lookup_working(folder: Path) -> None:
    def broken() -> MeaningEncoder:
        raise RuntimeError("weights are corrupt")

    index = SemanticIndex(broken)
    catalog = Catalog(folder, semantic=index)
    catalog.load()
    assert index.wait(10) and isinstance(index.error, RuntimeError)
    assert ids(catalog, "merge conflict") == ["merge"]


def test_blend_needs_more_similarity_alone_than_alongside_a_lexical_answer() -> None:
    neighbours = [("a", 0.45), ("b", 0.42)]
    assert blend([], neighbours, 3) == []
    assert blend(["c"], neighbours, 3) == ["c", "a", "b"]
    assert blend(["b"], neighbours, 3)[0] == "b"


def test_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(SemanticUnavailable, match=r"pip install 'microlearn\[semantic\]'"):
        SentenceEncoder()


@pytest.mark.skipif("sentence_transformers" not in sys.modules and
                    __import__("importlib").util.find_spec("sentence_transformers") is None,
                    reason="the 'semantic' extra is not installed (pip install 'microlearn[semantic]')")
def test_real_model_answers_paraphrases_that_lexical_lookup_misses() -> None:  # pragma: no cover
    index = SemanticIndex(SentenceEncoder)
    catalog = Catalog(SAMPLE, semantic=index)
    catalog.load()
    assert index.wait(300) and index.error is None
    query = "pushed a broken change to the shared branch, need to roll it back"
    assert ids(catalog, query)[0] == "git/undoing-changes"
    assert ids(catalog, "what is the weather in paris tomorrow") == []


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
