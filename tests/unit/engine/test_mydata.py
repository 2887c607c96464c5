"""`mydata`: a JSON copy of everything stored about the learner, and nothing of anyone else."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import SQLModel

from bot.adapters.console import ConsoleAdapter
from bot.engine.engine import Engine
from bot.messages import MyData
from tests.unit.engine.conftest import Say, learner_of, read_lesson

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def my_data(say: Say, user: str = "ann") -> dict[str, object]:
    [reply] = say("mydata", at=MONDAY, user=user)
    assert isinstance(reply, MyData)
    assert reply.filename == "microlearn-my-data-2026-03-02.json"
    copy: dict[str, object] = json.loads(reply.content)
    tables = copy["tables"]
    assert isinstance(tables, dict)
    assert reply.records == sum(len(rows) for rows in tables.values())
    return copy


def test_mydata_holds_settings_progress_answers_points_badges_and_flags(
        say: Say, engine: Engine) -> None:
    say("time 08:30", at=MONDAY)
    read_lesson(say, MONDAY)
    say("rate not useful: too long", at=MONDAY)
    tuesday = MONDAY + timedelta(days=1, hours=6)
    assert say("quiz", at=tuesday)
    say("2", at=tuesday)
    say("flag the key looks wrong", at=tuesday)
    say("how do I grow cherries", at=MONDAY)
    say("hello", at=MONDAY, user="bob")  # someone else
    copy = my_data(say)
    tables = copy["tables"]
    assert isinstance(tables, dict)
    [me] = tables["learner"]
    assert (me["platform_user_id"], me["lesson_time"]) == ("ann", "08:30")
    assert {"lesson_progress", "card", "answer", "points", "streak", "badge", "flag",
            "ask"} <= set(tables)
    assert tables["flag"][0]["note"] == "the key looks wrong"
    ann = learner_of(engine).id
    everything = [row for rows in tables.values() for row in rows]
    assert all(row.get("learner_id", ann) == ann for row in everything)
    assert all(row.get("id", ann) == ann for row in tables["learner"])
    [rating] = tables["lesson_rating"]
    assert (rating["useful"], rating["comment"]) == (False, "too long")


def test_every_table_that_refers_to_a_learner_is_in_the_copy() -> None:
    # A table added later is covered without a change: the copy reads every table with a
    # learner_id column (this lists them so a reviewer sees what a learner gets).
    import storage.tables  # noqa: F401

    referring = {table.name for table in SQLModel.metadata.sorted_tables
                 if "learner_id" in table.c}
    assert {"answer", "card", "flag", "points", "badge", "streak", "lesson_progress",
            "delivery", "ask", "poll", "lookup_miss", "activity_day"} <= referring


def test_after_forget_there_is_nothing_left_to_copy(say: Say) -> None:
    read_lesson(say, MONDAY)
    say("forget", at=MONDAY)
    say("forget confirm", at=MONDAY)
    say("start", at=MONDAY)  # enrolled again, from nothing
    tables = my_data(say)["tables"]
    assert isinstance(tables, dict)
    assert "lesson_progress" not in tables and "points" not in tables


def test_the_console_writes_the_file_and_prints_its_path(tmp_path: Path) -> None:
    console = ConsoleAdapter(io.StringIO(), files=tmp_path / "out")
    [shown] = console.show([MyData("microlearn-my-data-2026-03-02.json", "{}\n", 0)])
    path = tmp_path / "out" / "microlearn-my-data-2026-03-02.json"
    assert shown.splitlines()[-1] == str(path.resolve())
    assert path.read_text(encoding="utf-8") == "{}\n"


def test_the_file_is_named_by_the_learners_own_date(say: Say) -> None:
    # At 03:00 UTC on the 3rd it is still the 2nd in Los Angeles: the name had said the 3rd.
    say("timezone Los Angeles", at=MONDAY)
    [reply] = say("mydata", at=MONDAY.replace(hour=3) + timedelta(days=1))
    assert isinstance(reply, MyData) and reply.filename == "microlearn-my-data-2026-03-02.json"


def test_mydata_puts_the_lesson_title_and_question_words_beside_their_ids(say: Say) -> None:
    # The file named questions by their keys alone: the learner could not read it.
    read_lesson(say, MONDAY)
    tuesday = MONDAY + timedelta(days=1, hours=6)
    assert say("quiz", at=tuesday)
    say("2", at=tuesday)
    tables = my_data(say)["tables"]
    assert isinstance(tables, dict)
    [answer] = tables["answer"]
    assert (answer["lesson_id"], answer["lesson_title"]) == ("basics/one", "One")
    assert answer["question_text"] == "Question one?"
    assert answer["question_key"]  # the stored key stays beside its words
    assert all(row["lesson_title"] == "One" for row in tables["lesson_progress"])
