"""A replica whose clock is far from the database server's is warned of at start."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from bot.app import Runtime
from bot.config import Secrets, Settings
from scheduler.clock import SystemClock
from storage import Database


class Shifted(SystemClock):
    """This machine's clock set ``by`` off the true time."""

    def __init__(self, by: timedelta) -> None:
        self.by = by

    def now(self) -> datetime:
        return super().now() + self.by


def clock_warnings(database: Database, clock: SystemClock,
                   caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    Runtime(Settings(), Secrets(None, None, None, None), clock)._check_clock(database)
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "clock" in r.getMessage()]


def test_a_clock_far_from_the_database_servers_is_warned_of(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    if database.is_sqlite:  # one machine: no other clock to differ from
        assert database.server_time() is None
        assert clock_warnings(database, Shifted(timedelta(hours=1)), caplog) == []
        return
    assert clock_warnings(database, Shifted(timedelta(0)), caplog) == []
    assert clock_warnings(database, Shifted(timedelta(seconds=5)), caplog) == []
    [ahead] = clock_warnings(database, Shifted(timedelta(seconds=90)), caplog)
    assert ahead.startswith("this machine's clock is 90 s ahead of the database server's")
    assert "half of [schedule] worker_timeout_seconds (60 s)" in ahead and "NTP" in ahead
    [behind] = clock_warnings(database, Shifted(timedelta(seconds=-20)), caplog)
    assert "20 s behind the database server's" in behind


def test_a_database_that_cannot_be_reached_is_no_clock_error() -> None:
    unreachable = Database("postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert unreachable.server_time() is None
