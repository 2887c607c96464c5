"""One learner on Slack and Telegram: the real SDKs against both stand-in platforms, one engine
and one database; `link` on one, `link CODE` on the other, progress shared, lessons pushed where
the learner chose, `unlink`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.adapters.pacing import Pacer
from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import BotHost
from bot.config import Secrets, Settings
from bot.content.catalog import Catalog
from bot.engine.engine import Engine, EngineSettings
from bot.messages import Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.due import DueScan
from storage import Database
from storage.repositories import Learners
from tests.conftest import SAMPLE
from tests.e2e.slack_harness import dm, event_body
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

TOKEN = "123456:TEST-token_for-the-fake"
MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
ANN, ANN_DM, ANN_TG = "U1ANN", "D1ANN", 4201


class Both:
    """Slack and Telegram on one engine."""

    def __init__(self, slack: FakeSlack, telegram: FakeTelegram, database: Database) -> None:
        self.slack, self.telegram, self.database = slack, telegram, database
        self.clock = ManualClock(MONDAY)
        catalog = Catalog(SAMPLE)
        catalog.load()
        self.engine = Engine(database, catalog, EngineSettings())
        settings = Settings.model_validate({
            "slack": {"enabled": True, "api_base_url": slack.base_url},
            "telegram": {"enabled": True, "api_base_url": telegram.base_url}})
        self.slack_adapter = SlackAdapter(settings.slack,
                                          Secrets(BOT_TOKEN, APP_TOKEN, None, None),
                                          per_channel=50.0)  # faster than Slack's 1/s: not the test
        self.telegram_adapter = TelegramAdapter(settings.telegram, TOKEN, SAMPLE,
                                                pacer=Pacer(1000.0, 200.0))
        self.host = BotHost(self.engine, self.clock)
        self.dispatcher = Dispatcher(database, self.engine,
                                     {Platform.SLACK: self.slack_adapter,
                                      Platform.TELEGRAM: self.telegram_adapter},
                                     self.clock, DispatchSettings(retry_base=2.0))

    async def start(self) -> None:
        await self.slack_adapter.start(self.host)
        await self.telegram_adapter.start(self.host)
        self.dispatcher.register()

    async def stop(self) -> None:
        await self.dispatcher.close(timeout=1)
        await self.slack_adapter.stop()
        await self.telegram_adapter.stop()

    async def on_slack(self, text: str) -> str:
        before = len(self.slack.posted(ANN_DM))
        envelope = await self.slack.socket.send("events_api", event_body(dm(ANN, text)))
        await self.slack.socket.wait_ack(envelope, timeout=3)
        await self.slack.wait_posts(before + 1, ANN_DM)
        await asyncio.sleep(0.05)  # anything that follows
        return "\n".join(post.text for post in self.slack.posted(ANN_DM)[before:])

    async def on_telegram(self, text: str, count: int = 1) -> str:
        before = len(self.telegram.sent_to(ANN_TG))
        self.telegram.push_message(ANN_TG, text, first_name="Ann")
        await self.telegram.wait_sent(before + count, ANN_TG)
        await asyncio.sleep(0.05)
        return "\n".join(sent.text for sent in self.telegram.sent_to(ANN_TG)[before:])

    async def tick(self) -> None:
        await asyncio.to_thread(DueScan(self.database).run, self.clock.now())
        await self.dispatcher.dispatch()


@pytest.fixture
async def both(database: Database) -> AsyncIterator[Both]:
    async with FakeSlack() as slack:
        slack.add_user(ANN, "Ann Example", tz="UTC", display_name="ann")
        telegram = FakeTelegram(token=TOKEN)
        await telegram.start()
        bot = Both(slack, telegram, database)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
            await telegram.stop()


async def test_link_on_slack_then_telegram_is_one_learner_pushed_where_chosen(
        both: Both) -> None:
    await both.on_slack("hello")
    await both.on_slack("lesson")
    await both.on_slack("done")
    points = await both.on_slack("me")
    assert "5 points" in points, points

    reply = await both.on_slack("link")
    code = re.search(r"Your link code: ([A-Z0-9]{8})", reply)
    assert code is not None, reply
    await both.on_telegram("/start")
    linked = await both.on_telegram(f"/link {code.group(1)}")
    assert "Linked: you are one learner on slack and telegram" in linked

    # One progress: Telegram's "me" shows what was earned on Slack.
    profile = await both.on_telegram("/me")
    assert "5 points" in profile and "Lessons: 1 of 28 read" in profile, profile
    with both.database.session() as session:
        ann = Learners(session).find("telegram", str(ANN_TG))
        assert ann is not None and ann == Learners(session).find("slack", ANN)

    # Lessons go to Telegram once asked; the scheduled lesson arrives there, not on Slack.
    assert "From now on, lessons and quizzes come to telegram" in \
        await both.on_telegram("/push telegram")
    slack_before = len(both.slack.posted(ANN_DM))
    telegram_before = len(both.telegram.sent_to(ANN_TG))
    both.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))  # Tuesday's lesson time (UTC)
    await both.tick()
    await both.telegram.wait_sent(telegram_before + 1, ANN_TG)
    assert len(both.slack.posted(ANN_DM)) == slack_before

    # Unlink on Telegram: lessons go back to Slack, which keeps the learning.
    assert "This telegram account is on its own again" in await both.on_telegram("/unlink")
    with both.database.session() as session:
        ann = Learners(session).find("slack", ANN)
        assert ann is not None and ann.platform is Platform.SLACK
        assert Learners(session).find("telegram", str(ANN_TG)) is None
