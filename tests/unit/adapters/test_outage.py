"""The end of a connection's failing stretch is one INFO line, with how long and how many."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.outage import Outage


def test_connected_again_is_said_once_with_the_time_and_the_failed_attempts(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    outage = Outage("telegram", lambda: now[0])
    caplog.set_level(logging.INFO, logger="bot.adapters.outage")
    outage.answered()  # nothing failed: nothing to say
    for _ in range(12):
        outage.failed()
        now[0] += 4.0
    assert outage.failing
    outage.answered()
    outage.answered()  # said once
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [("INFO", "telegram: connected again after 48 s (12 attempts failed)")]
    assert not outage.failing and outage.failures == 0


def test_one_failed_attempt_is_singular(caplog: pytest.LogCaptureFixture) -> None:
    outage = Outage("slack", lambda: 0.0)
    caplog.set_level(logging.INFO, logger="bot.adapters.outage")
    outage.failed()
    outage.answered()
    assert caplog.records[0].getMessage() == "slack: connected again after 0 s (1 attempt failed)"
