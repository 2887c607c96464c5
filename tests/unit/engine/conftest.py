"""An engine on a temporary SQLite database and a small lesson folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine.engine import Engine, EngineSettings
from bot.engine.messages import Inbound, Kind, Outbound, Platform
from storage import Database

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


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    write(folder, "basics/one.md", "title: One\ntrack: basics\norder: 1\ntopic: basics",
          "Lesson one about apples." + QUIZ.format(q="Question one"))
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


def kinds(messages: list[Outbound]) -> list[str]:
    return [m.kind.value if m.kind is not Kind.NOTICE else f"notice:{m.data['code']}"
            for m in messages]
