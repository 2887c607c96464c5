"""A library's floor of confidence: the bar raised until most questions no library answers are
refused, measured per state of the library and kind of lookup."""

from __future__ import annotations

import difflib
import json
import math
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.content import unrelated
from bot.content.catalog import Catalog
from bot.content.semantic import SemanticIndex, default_encoder
from bot.content.unrelated import Floor, unrelated_questions
from bot.content.vector_cache import VectorCache

QUERIES = Path(__file__).resolve().parents[3] / "bench" / "queries"

def test_the_unrelated_questions_ship_with_the_package() -> None:
    questions = unrelated_questions()
    assert len(questions) == 278
    assert len({q.casefold() for q in questions}) == len(questions)
    assert all(0 < len(q) <= 200 for q in questions)


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_no_unrelated_question_is_one_of_the_benchmarks_questions() -> None:
    # The benchmarks' held-out sets measure the floor: a question in both would flatter it.
    asked = [words(json.loads(line)["q"]) for path in sorted(QUERIES.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(asked) > 1000
    close = [(q, difflib.get_close_matches(words(q), asked, n=1, cutoff=0.75))
             for q in unrelated_questions()]
    assert [pair for pair in close if pair[1]] == []


def test_the_floor_is_measured_in_the_background_and_again_after_a_change() -> None:
    asked: list[str] = []
    level = {"value": 0.5}
    library: dict[str, object] = {"state": 1}
    gate = threading.Event()

    def confidence(question: str) -> float:
        gate.wait(5)
        asked.append(question)
        return level["value"]

    floor = Floor(confidence, lambda: library["state"])
    assert floor.bar(0.9) == 0.0  # nothing measured yet: the calibrated bar alone
    gate.set()
    floor.join(10)
    assert floor.bar(0.9) == 0.5
    assert len(asked) == len(unrelated_questions())
    level["value"], library["state"] = 0.7, 2
    assert floor.bar(0.9) == 0.5  # the library changed: the last floor meanwhile
    floor.join(10)
    assert floor.bar(0.9) == 0.7
    assert len(asked) == 2 * len(unrelated_questions())
    floor.bar(0.9)  # current: not measured again
    floor.join(10)
    assert len(asked) == 2 * len(unrelated_questions())
    assert floor.bar(0.0) == 0.0  # turned off


def test_nothing_is_measured_while_the_library_is_changing() -> None:
    library: dict[str, object] = {"state": None}  # lessons waiting to be embedded
    asked: list[str] = []

    def confidence(question: str) -> float:
        asked.append(question)
        if len(asked) == 10:
            library["state"] = 4  # changed during the measurement: dropped
        return 0.9

    floor = Floor(confidence, lambda: library["state"])
    floor.settle()
    assert floor.bar(0.9) == 0.0 and asked == []
    library["state"] = 3
    floor.settle()
    assert floor.bar(0.9) == 0.0  # measured for 3, but the library is 4 now: asked again
    floor.join(10)
    assert floor.bar(0.9) == 0.9


def test_a_failed_measurement_is_not_retried_until_the_library_changes(
        caplog: pytest.LogCaptureFixture) -> None:
    library = {"state": 1}
    calls = {"n": 0}

    def confidence(question: str) -> float:
        calls["n"] += 1
        raise ValueError("broken")

    floor = Floor(confidence, lambda: library["state"])
    for _ in range(3):
        assert floor.bar(0.9) == 0.0
        floor.join(10)
    assert calls["n"] == 1 and "calibrated bar" in caplog.text
    library["state"] = 2
    floor.bar(0.9)
    floor.join(10)
    assert calls["n"] == 2


def write(folder: Path, name: str, title: str, body: str) -> None:
    (folder / name).write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")


def test_a_library_close_to_unrelated_questions_refuses_more_of_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "Unrelated" questions that this library answers with near certainty put the floor near
    # 1: a question it is less sure of is refused, one it is as sure of is not.
    monkeypatch.setattr(unrelated, "unrelated_questions", lambda: (
        "submit my expense report", "expense report receipts", "who approves the expense report",
        "when does payroll pay my expense report", "expense report deadline"))
    write(tmp_path, "meetings.md", "Running meetings",
          "Send an agenda before every meeting, start on time, end with actions and owners.")
    write(tmp_path, "expenses.md", "Expense reports",
          "Submit your expense report within 30 days with the receipts attached; your manager "
          "approves the expense report before payroll pays it.")
    question = "who signs my receipts"
    catalog = Catalog(tmp_path, semantic=SemanticIndex(), refuse_unrelated=0.0)
    catalog.load()
    assert catalog.wait_for_meaning(None)
    [answer] = catalog.lookup(question, 3).hits  # the calibrated bar alone answers it
    assert answer.lesson.id == "expenses" and answer.confidence is not None
    catalog.refuse_unrelated = 0.9
    assert catalog.wait_for_meaning(None)  # the floor measured for lookup with meaning
    assert catalog._floor.bar(0.9) > answer.confidence
    assert catalog.lookup(question, 3).hits == ()
    assert catalog.lookup("Running meetings", 3).hits  # a lesson's name: sure enough
    words = Catalog(tmp_path, refuse_unrelated=0.9)  # no model: no floor (it cost answers)
    words.load()
    words.wait_for_meaning(None)
    plain = Catalog(tmp_path)
    plain.load()
    for asked in (question, "expense report", "agenda for meetings"):
        assert words.lookup(asked, 3) == plain.lookup(asked, 3)
    words._floor.join(10)
    assert not words._floor._measured


def test_the_background_measurement_waits_for_a_quiet_moment() -> None:
    busy = {"until": True}
    asked: list[str] = []

    def quiet() -> float:
        return -math.inf if busy["until"] else 1.0  # a lookup under way, then none

    def confidence(question: str) -> float:
        asked.append(question)
        return 0.5

    floor = Floor(confidence, lambda: 1, quiet)
    floor.bar(0.9)
    time.sleep(0.2)
    assert asked == []  # it waited while learners' lookups went on
    busy["until"] = False
    floor.join(10)
    assert floor.bar(0.9) == 0.5


class HeldEncoder:
    """The bundled model, holding back texts that carry a marker until released."""

    def __init__(self, release: threading.Event) -> None:
        self.inner = default_encoder()
        self.release = release

    def knows(self, word: str) -> bool:
        return self.inner.knows(word)

    def encode(self, texts: Sequence[str]) -> object:
        if any("zzmarker" in text for text in texts):
            self.release.wait(30)
        return self.inner.encode(texts)


def test_after_a_change_the_floor_waits_for_the_changed_lessons_to_be_embedded(
        tmp_path: Path) -> None:
    # Measured on the old vectors, under the new library's name, it would have been kept
    # until the next change (a reviewer saw 0.99 kept where 0.04 was right).
    release = threading.Event()
    write(tmp_path, "git.md", "Git branches", "Create a branch, commit, merge it back.")
    close = unrelated_questions()[:30]
    for n, question in enumerate(close):
        write(tmp_path, f"l{n}.md", question, f"{question}. {question}.")
    index = SemanticIndex(lambda: HeldEncoder(release), VectorCache(None))
    catalog = Catalog(tmp_path, semantic=index, refuse_unrelated=0.9)
    catalog.load()
    assert catalog.wait_for_meaning(30)
    before = catalog._floor.bar(0.9)
    for n in range(len(close)):  # a trainer rewrites them into something else entirely
        write(tmp_path, f"l{n}.md", f"Kubernetes pods {n}", f"zzmarker pods and helm charts {n}.")
    catalog.refresh()
    catalog.lookup("branch merge")
    catalog._floor.join(10)
    assert catalog._floor.bar(0.9) == before  # not measured on vectors about to change
    release.set()
    assert index.wait(30)
    deadline = time.monotonic() + 30
    while catalog._floor_state() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    catalog.lookup("branch merge")  # now measured for the library as it is
    catalog._floor.join(30)
    fresh = Floor(catalog._first_confidence, catalog._floor_state)
    fresh.settle()
    assert catalog._floor.bar(0.9) == fresh.bar(0.9) < before


class CountingEncoder:
    """The bundled model, counting the texts it embeds."""

    def __init__(self, counts: list[int]) -> None:
        self.inner = default_encoder()
        self.counts = counts

    def knows(self, word: str) -> bool:
        return self.inner.knows(word)

    def encode(self, texts: Sequence[str]) -> object:
        self.counts.append(len(texts))
        return self.inner.encode(texts)


def test_the_floors_questions_are_embedded_in_batches_once_then_read_from_the_cache(
        tmp_path: Path) -> None:
    write(tmp_path, "git.md", "Git branches", "Create a branch, commit, merge it back.")
    cache = tmp_path / "vectors.sqlite3"
    floors = []
    for _ in range(2):  # two starts on one cache file
        counts: list[int] = []
        catalog = Catalog(tmp_path, semantic=SemanticIndex(
            lambda counts=counts: CountingEncoder(counts), VectorCache(cache)),
            refuse_unrelated=0.9)
        catalog.load()
        assert catalog.wait_for_meaning(30)
        floors.append((catalog._floor.bar(0.9), list(counts)))
    (first, embedded), (second, again) = floors
    assert first == second > 0
    assert sum(embedded) >= len(unrelated_questions()) and max(embedded) > 1  # in batches
    # The second start read the lesson and the questions from the cache; only the few that
    # lookup reads with a typo corrected for this library were embedded (one by one, as any
    # learner's question is).
    assert sum(again) <= len(unrelated_questions()) // 20 and set(again) <= {1}


def test_the_floors_questions_are_embedded_between_learners_lookups(tmp_path: Path) -> None:
    # At a first start embedding the 278 questions is most of the measurement (about a
    # second): done in one go, it held up learners asking meanwhile.
    busy = threading.Event()
    busy.set()
    counts: list[int] = []
    index = SemanticIndex(lambda: CountingEncoder(counts), VectorCache(None))
    write(tmp_path, "git.md", "Git branches", "Create a branch, commit, merge it back.")
    catalog = Catalog(tmp_path, semantic=index)  # no floor of its own: this test drives one
    catalog.load()
    assert catalog.wait_for_meaning(30)
    before = len(counts)
    floor = Floor(catalog._first_confidence, lambda: 1,
                  lambda: -math.inf if busy.is_set() else 1.0, index.prime)
    floor.bar(0.9)
    time.sleep(0.3)
    assert len(counts) == before  # not one question embedded while learners asked
    busy.clear()
    floor.join(60)
    assert floor.bar(0.9) > 0
    primed = [count for count in counts[before:] if count > 1]
    assert sum(primed) > 200 and max(primed) <= 8  # small batches, a quiet moment before each


def test_a_floor_measured_at_once_primes_its_questions_without_waiting() -> None:
    calls: list[object] = []

    def prime(questions: Sequence[str], pause: object) -> None:
        calls.append(pause)

    floor = Floor(lambda question: 0.5, lambda: 1, lambda: -math.inf, prime)
    floor.settle()  # the command line: nobody else is asking
    assert calls == [None] and floor.bar(0.9) == 0.5
