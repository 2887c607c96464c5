"""`mydata`: a copy of everything stored about the learner (their right of access; `forget` is
their right of erasure).

The copy is JSON: the learner's settings, progress, cards, answers, points, streak, badges,
flags, ratings, reflections, lookups and deliveries, one list of records per table, as
stored. What storage reads is
decided there (every table that refers to the learner); this module only wraps it.
"""

from __future__ import annotations

import json

from bot.engine.turn import Turn
from bot.messages import MyData

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
        "tables": tables,
    }
    stamp = turn.today.isoformat()  # the learner's own date, as they will look for it
    turn.say(MyData(f"microlearn-my-data-{stamp}.json",
                    json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n",
                    sum(len(rows) for rows in tables.values())))
