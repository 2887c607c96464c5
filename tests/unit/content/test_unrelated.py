"""A library's floor of confidence: the bar raised until most questions no library answers are
refused, measured per state of the library and kind of lookup."""

from __future__ import annotations

import difflib
import json
import math
import re
import threading
import time
from pathlib import Path

import pytest

from bot.content import unrelated
from bot.content.catalog import Catalog
from bot.content.semantic import SemanticIndex
from bot.content.unrelated import Floor, unrelated_questions

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
    gate = threading.Event()

    def confidence(question: str) -> float:
        gate.wait(5)
        asked.append(question)
        return level["value"]

    floor = Floor(confidence, lambda: True)
    assert floor.bar(1, True, 0.9) == 0.0  # nothing measured yet: the calibrated bar alone
    gate.set()
    floor.join(10)
    assert floor.bar(1, True, 0.9) == 0.5
    assert len(asked) == len(unrelated_questions())
    level["value"] = 0.7
    assert floor.bar(2, True, 0.9) == 0.5  # the library changed: the last floor meanwhile
    floor.join(10)
    assert floor.bar(2, True, 0.9) == 0.7
    assert len(asked) == 2 * len(unrelated_questions())
    assert floor.bar(2, True, 0.9) == 0.7  # current: not measured again
    floor.join(10)
    assert len(asked) == 2 * len(unrelated_questions())
    assert floor.bar(2, True, 0.0) == 0.0  # turned off


def test_a_measurement_that_sees_the_kind_of_lookup_change_is_dropped() -> None:
    calls = {"n": 0}

    def confidence(question: str) -> float:
        calls["n"] += 1
        return 0.9

    def meaning() -> bool:
        return calls["n"] > 10  # meaning becomes ready during the first measurement

    floor = Floor(confidence, meaning)
    floor.settle(1)  # begun on words only: dropped
    assert floor.bar(1, False, 0.9) == 0.0 and floor.bar(1, True, 0.9) == 0.0
    floor.join(10)
    floor.settle(1)
    assert floor.bar(1, True, 0.9) == 0.9


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
    assert catalog._floor.bar(catalog._state, True, 0.9) > answer.confidence
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

    floor = Floor(lambda question: asked.append(question) or 0.5, lambda: True, quiet)
    floor.bar(1, True, 0.9)
    time.sleep(0.2)
    assert asked == []  # it waited while learners' lookups went on
    busy["until"] = False
    floor.join(10)
    assert floor.bar(1, True, 0.9) == 0.5
