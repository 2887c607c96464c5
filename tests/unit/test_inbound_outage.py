"""A learner's message that arrives while the database is away (a failover) is held and tried
again: the platform was told it arrived and will not send it again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot import app
from bot.app import BotHost
from bot.errors import DatabaseAway
from bot.messages import Inbound, Notice, NoticeCode, Platform
from scheduler.clock import ManualClock

HELLO = Inbound(Platform.TELEGRAM, "42", "42", text="hello")
DOWN = OperationalError("SELECT 1", {}, Exception("connection refused"))


class Engine:
    """Fails ``failures`` times as a database outage would, then answers."""

    def __init__(self, failures: int, error: Exception = DOWN) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def handle(self, inbound: Inbound, now: datetime) -> list[Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return [Notice(NoticeCode.EMPTY)]


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "INBOUND_RETRY", (0.01,) * 5)


def host(engine: Engine) -> BotHost:
    return BotHost(engine, ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))  # type: ignore[arg-type]


async def test_a_message_during_a_short_outage_is_answered_once_it_is_back(
        caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine(failures=3)
    assert await host(engine).handle(HELLO) == [Notice(NoticeCode.EMPTY)]
    assert engine.calls == 4
    # One warning for the message held, not one per try (an outage flooded the log).
    assert [record.levelname for record in caplog.records
            if "the database is away" in record.getMessage()] == ["WARNING"]


async def test_a_long_outage_and_other_errors_go_up() -> None:
    longer = Engine(failures=10)
    with pytest.raises(DatabaseAway, match="the database stayed away for 0 s; a telegram "
                                           "message was not handled") as caught:
        await host(longer).handle(HELLO)
    assert isinstance(caught.value.__cause__, OperationalError)
    assert longer.calls == 6  # the first try and five more
    bug = Engine(failures=1, error=RuntimeError("a bug"))
    with pytest.raises(RuntimeError):
        await host(bug).handle(HELLO)
    assert bug.calls == 1  # a bug is not waited for


@pytest.mark.parametrize(("error", "retried"), [
    (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), True),
    (OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: learner")),
     False),  # a schema bug is not waited for
    (OperationalError("COMMIT", {}, Exception("server closed the connection"),
                      connection_invalidated=True), False),  # maybe committed: not again
])
async def test_only_an_event_that_never_reached_the_database_is_tried_again(
        error: Exception, retried: bool) -> None:
    engine = Engine(failures=1, error=error)
    if retried:
        await host(engine).handle(HELLO)
    else:
        with pytest.raises(OperationalError):
            await host(engine).handle(HELLO)
    assert engine.calls == (2 if retried else 1)
