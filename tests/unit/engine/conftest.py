"""An engine on a temporary SQLite database and a small lesson folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import Inbound, Kind, Notice, Outbound, Platform
from storage import Database
from storage.records import Delivery, DeliveryKind, DeliveryStatus, Learner

QUIZ = """
## Quiz

### {q}?
- [ ] wrong one
- [x] right one
- [ ] wrong two
> Because it is right.
"""


def write(folder: Path, name: str, front: str, body: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


ONE = "title: One\ntrack: basics\norder: 1\ntopic: basics"
"""The front matter of the small library's first lesson, basics/one.md."""


def rewrite_one(engine: Engine, folder: Path, quiz: str,
                body: str = "Lesson one about apples.") -> None:
    """basics/one.md as a trainer saves it anew, with ``quiz`` (from '## Quiz' on), and the
    catalog told of it."""
    write(folder, "basics/one.md", ONE, f"{body}\n\n## Quiz\n\n{quiz}")
    engine.catalog.refresh()


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    write(folder, "basics/one.md", ONE, "Lesson one about apples." + QUIZ.format(q="Question one"))
    write(folder, "basics/two.md", "title: Two\ntrack: basics\norder: 2\ntopic: basics",
          "Lesson two about bananas." + QUIZ.format(q="Question two"))
    write(folder, "extra/three.md", "title: Three\ntopic: extra",
          "Lesson three about cherries and passwords.")
    return folder


@pytest.fixture
def engine(database: Database, lessons: Path) -> Iterator[Engine]:
    catalog = Catalog(lessons)
    catalog.load()
    yield Engine(database, catalog, EngineSettings(trainers=("console:boss",)))


Say = Callable[..., list[Outbound]]


@pytest.fixture
def say(engine: Engine) -> Say:
    def send(text: str | None = None, at: datetime = datetime(2026, 3, 2, 9, tzinfo=UTC),
             user: str = "ann", answer: str | None = None, zone: str | None = None,
             ) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, user, user, text=text, answer=answer,
                                     display_name=user.title(), time_zone=zone), at)
    return send


NOTICES = frozenset({Kind.RESUMED, Kind.ZONE_NOW, Kind.UNKNOWN_COMMAND, Kind.ALL_READ,
                     Kind.NOTHING_DUE, Kind.CHOICE_RANGE, Kind.BADGES, Kind.INVALID, Kind.TOPICS,
                     Kind.RELOADED})
"""Notices that carry data, each a kind of its own."""


def kinds(messages: list[Outbound]) -> list[str]:
    """Each message's kind; a notice as 'notice:<code or kind>'."""
    return [f"notice:{m.code.value}" if isinstance(m, Notice)
            else f"notice:{m.kind.value}" if m.kind in NOTICES else m.kind.value
            for m in messages]


def deliver(engine: Engine, learner_id: int, kind: str, now: datetime) -> list[Outbound]:
    """What a scheduled delivery of ``kind`` composes for a learner at ``now`` (the one path
    the dispatcher takes), in a transaction of its own."""
    row = Delivery(0, learner_id, DeliveryKind(kind), now.date(), None, "",
                   DeliveryStatus.CLAIMED, 0, now, None, None)
    with engine.store.unit() as unit:
        return engine.compose(unit, row, now)


def read_lesson(say: Say, at: datetime, user: str = "ann") -> list[Outbound]:
    """What a learner does to count a lesson and keep the day: asks for one, reads it, says
    "done"; the replies to "done"."""
    say("lesson", at=at, user=user)
    return say("done", at=at, user=user)


def more_lessons(engine: Engine, folder: Path, count: int = 10) -> None:
    """Lessons without questions beyond the three of the small library, for long streaks."""
    for number in range(count):
        write(folder, f"more/m{number}.md", f"title: More {number}\ntopic: more",
              f"Lesson {number} about kiwis.")
    engine.catalog.refresh()


def learner_of(engine: Engine, user: str = "ann") -> Learner:
    """A console learner as stored (they must have written first)."""
    with engine.store.unit() as unit:
        learner = unit.learners.find("console", user)
    assert learner is not None, f"{user} has not written yet"
    return learner
