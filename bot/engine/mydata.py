"""`mydata`: a copy of everything stored about the learner (their right of access; `forget` is
their right of erasure).

The copy is JSON: the learner's settings, progress, cards, answers, points, streak, badges,
flags, ratings, reflections, lookups and deliveries, one list of records per table, as
stored. What storage reads is
decided there (every table that refers to the learner); this module only wraps it, and puts
words beside the ids a learner cannot read: the lesson's title beside each ``lesson_id``, the
question's text beside each ``question_key``, and a knowledge check's questions with right or
wrong for each (its stored ``questions`` and ``results`` stay as they are).
"""

from __future__ import annotations

import json
from typing import Any

from bot.content.catalog import Catalog
from bot.content.markdown import plain_text
from bot.engine.turn import Turn
from bot.messages import MyData

GONE = "no longer in the library"
"""Said for a lesson or a question the library no longer has (only its id is known)."""

RESULTS = {"1": "right", "0": "wrong or not known"}
"""A knowledge check's stored result characters, in words."""

FORMAT = 1
"""The version of the file's layout."""

def my_data(turn: Turn, _: str) -> None:
    """Send the learner a JSON file of everything stored about them."""
    learner = turn.learner
    tables = turn.unit.personal.of(learner.id)
    document = {
        "format": FORMAT,
        "about": "Everything microlearn stores about you, one list of records per table, as "
                 "stored (times in UTC). Say 'forget' to delete it all.",
        "exported_at": turn.now.isoformat(),
        "platform": learner.platform.value,
        "platform_user_id": learner.platform_user_id,
        "tables": _readable(tables, turn.catalog),
    }
    stamp = turn.today.isoformat()  # the learner's own date, as they will look for it
    turn.say(MyData(f"microlearn-my-data-{stamp}.json",
                    json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n",
                    sum(len(rows) for rows in tables.values())))


def _readable(tables: dict[str, list[dict[str, Any]]],
              catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """``tables`` with words beside the ids, as the library has them now."""
    def title(lesson_id: str) -> str:
        lesson = catalog.get(lesson_id)
        return lesson.title if lesson else GONE

    def text(lesson_id: str, key: str) -> str:
        lesson = catalog.get(lesson_id)
        question = next((q for q in lesson.questions if q.key == key), None) if lesson else None
        return plain_text(question.text) if question else GONE

    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in tables.items():
        out[name] = []
        for row in rows:
            row = dict(row)
            lesson_id = row.get("lesson_id")
            if isinstance(lesson_id, str):
                row["lesson_title"] = title(lesson_id)
                if isinstance(row.get("question_key"), str):
                    row["question_text"] = text(lesson_id, row["question_key"])
            if name == "track_check" and isinstance(row.get("questions"), str):
                results = str(row.get("results") or "")
                row["questions_in_words"] = [
                    {"lesson": title(lesson), "question": text(lesson, key),
                     "result": RESULTS.get(results[number:number + 1], "not answered")}
                    for number, (lesson, _, key) in enumerate(
                        line.partition("\t") for line in row["questions"].splitlines())]
            out[name].append(row)
    return out
