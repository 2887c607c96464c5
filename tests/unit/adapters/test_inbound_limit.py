"""The per-person inbound limit: token buckets on an injected clock, one notice per flood,
bounded memory; and the bot's host, which reads nothing of a person over it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.inbound_limit import PAUSE, InboundLimit, Verdict
from bot.app import BotHost, inbound_limit
from bot.config import Settings
from bot.messages import Inbound, Notice, NoticeCode, Platform
from bot.metrics import FLOODS, LIMITED, REGISTRY
from scheduler.clock import ManualClock

READ, TELL, DROP = Verdict.READ, Verdict.TELL, Verdict.DROP


class Clock:
    """Seconds, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limit(per_minute: int = 20, burst: int = 10, people: int = 100) -> tuple[InboundLimit, Clock]:
    clock = Clock()
    return InboundLimit(per_minute, burst, clock, people), clock


def test_a_burst_is_read_then_one_notice_then_silence() -> None:
    gate, _ = limit()
    verdicts = [gate.check("ada") for _ in range(15)]
    assert verdicts == [READ] * 10 + [TELL] + [DROP] * 4


def test_another_person_is_not_limited_by_someones_flood() -> None:
    gate, _ = limit()
    for _ in range(50):
        gate.check("ada")
    assert [gate.check("bob") for _ in range(10)] == [READ] * 10
    assert gate.check("ada") is DROP


def test_a_person_is_read_again_after_the_pause_and_a_new_flood_is_told_again() -> None:
    gate, clock = limit()
    for _ in range(11):
        gate.check("ada")
    clock.now += PAUSE - 0.001
    assert gate.check("ada") is DROP
    clock.now += 0.001
    # The pause refilled the bucket (60 s at 20 a minute, capped at the burst).
    assert [gate.check("ada") for _ in range(11)] == [READ] * 10 + [TELL]


def test_a_quick_learner_is_never_limited_by_the_defaults() -> None:
    """A whole quiz of 20 (the most [schedule] quiz_questions allows) tapped as fast as a
    thumb can, then a learner typing a message every 2 s for ten minutes."""
    defaults = Settings().inbound
    gate, clock = limit(defaults.per_minute, defaults.burst)
    for _ in range(20):
        assert gate.check("ada") is READ
        clock.now += 0.3
    for _ in range(300):
        clock.now += 2.0
        assert gate.check("ada") is READ


def test_sustained_over_the_rate_is_limited() -> None:
    gate, clock = limit(per_minute=20, burst=10)
    verdicts = []
    for _ in range(60):  # one a second: three times the rate
        verdicts.append(gate.check("ada"))
        clock.now += 1.0
    # 10 at once, and one more for every 3 s that passed: 14 read in the first 14 s, then
    # the bucket is dry (10 + 14/3 < 15), and the rest of the minute is one flood.
    assert verdicts.index(TELL) == 14 and verdicts.count(TELL) == 1


def test_a_script_sending_without_end_is_read_a_burst_and_told_once_a_pause() -> None:
    gate, clock = limit(per_minute=20, burst=10)
    verdicts = []
    for _ in range(3000):  # 10 a second for five minutes
        verdicts.append(gate.check("bot"))
        clock.now += 0.1
    assert verdicts.count(TELL) == 5 and verdicts.count(READ) <= 5 * 10 + 10


def test_zero_per_minute_reads_everything() -> None:
    gate, _ = limit(per_minute=0)
    assert {gate.check("ada") for _ in range(1000)} == {READ}
    assert len(gate) == 0


def test_idle_people_are_forgotten_and_memory_stays_bounded() -> None:
    gate, clock = limit(per_minute=20, burst=10, people=100)
    for person in range(50):
        gate.check(person)
    clock.now += 30.0  # 10 tokens at 20 a minute: full again
    gate.check("ada")
    assert len(gate) == 1
    for person in range(1000):
        gate.check(person)
    assert len(gate) == 100


def test_someone_paused_is_not_forgotten_while_others_are_idle() -> None:
    gate, clock = limit(per_minute=20, burst=10, people=100)
    for _ in range(11):
        gate.check("ada")
    clock.now += 40.0
    gate.check("bob")
    assert gate.check("ada") is DROP


def test_the_limit_cannot_be_made_without_a_burst() -> None:
    with pytest.raises(ValueError, match="burst"):
        InboundLimit(20, 0, Clock())


# -- the host -----------------------------------------------------------------------------------


class Engine:
    """Counts what it reads."""

    def __init__(self) -> None:
        self.read: list[Inbound] = []

    def handle(self, inbound: Inbound, now: datetime) -> list[Any]:
        self.read.append(inbound)
        return [Notice(NoticeCode.ACK)]


def said(platform: str) -> tuple[float, float]:
    labels = {"platform": platform}
    return (REGISTRY.get_sample_value("microlearn_inbound_floods_total", labels) or 0.0,
            REGISTRY.get_sample_value("microlearn_inbound_limited_total", labels) or 0.0)


async def test_the_host_reads_nothing_over_the_limit_and_says_so_once(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    settings = Settings.model_validate({"inbound": {"per_minute": 6, "burst": 3}})
    engine = Engine()
    host = BotHost(engine, clock, inbound_limit(settings, clock))  # type: ignore[arg-type]
    ada = Inbound(Platform.SLACK, "U0ADA", "D0ADA", text="a secret of ada's")
    press = Inbound(Platform.SLACK, "U0ADA", "D0ADA", answer="ask:7:1")
    bob = Inbound(Platform.SLACK, "U0BOB", "D0BOB", text="hello")
    floods, limited = said("slack")
    with caplog.at_level(logging.INFO):
        replies = [await host.handle(ada) for _ in range(3)]
        replies += [await host.handle(press), await host.handle(ada), await host.handle(press)]
        assert await host.handle(bob) == [Notice(NoticeCode.ACK)]
    assert replies == [[Notice(NoticeCode.ACK)]] * 3 + [[Notice(NoticeCode.TOO_FAST)], [], []]
    assert len(engine.read) == 4  # Ada's three and Bob's one
    assert said("slack") == (floods + 1, limited + 3)
    [line] = [record for record in caplog.records if "faster" in record.getMessage()]
    assert "slack:U0ADA" in line.getMessage() and "secret" not in line.getMessage()
    clock.advance(timedelta(seconds=PAUSE))
    assert await host.handle(press) == [Notice(NoticeCode.ACK)]


def test_the_flood_notice_says_what_happens() -> None:
    from bot.rendering.renderer import Renderer

    assert Renderer().render(Notice(NoticeCode.TOO_FAST)) == (
        "You're sending messages faster than I can read them; I'll read again in a minute.")


def test_zero_in_the_config_turns_the_limit_off() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert inbound_limit(Settings.model_validate({"inbound": {"per_minute": 0}}), clock) is None
    assert inbound_limit(Settings(), clock) is not None


del FLOODS, LIMITED  # imported for their registration with REGISTRY
