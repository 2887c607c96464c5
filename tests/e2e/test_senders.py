"""The chat adapters as the scheduler's :class:`~bot.ports.Sender`: what ``send`` returns and
how it backs off, against the fake platforms, with a host that answers from a script (no
engine, no database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.pacing import Pacer
from bot.adapters.slack import SlackAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.config import Secrets, Settings
from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.errors import ClaimLost, RateLimited
from bot.messages import (
    Button,
    Inbound,
    Notice,
    NoticeCode,
    Outbound,
    Platform,
    Profile,
    QuestionMessage,
)
from bot.ports import PollSent, Recipient, Sent
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

TOKEN = "123456:TEST-token_for-the-fake"
GOOD = Path(__file__).resolve().parents[1] / "data" / "lessons" / "good"
ADA = 4201


class ScriptedHost:
    """A host whose every answer is ``replies``; it records the polls it is told about."""

    def __init__(self, replies: Sequence[Outbound] = ()) -> None:
        self.replies = list(replies)
        self.polls: list[tuple[Platform, str, int]] = []

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        return self.replies

    async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
        self.polls.append((platform, poll_id, ask_id))

    async def learner_unreachable(self, learner_id: int, reason: str) -> None:
        pass

    async def reply_lost(self, platform: Platform, user_id: str,
                         replies: Sequence[Outbound]) -> None:
        pass

    async def standing(self, platform: Platform, user_id: str) -> Profile | None:
        return None


def a_question(ask_id: int) -> QuestionMessage:
    catalog = Catalog(GOOD)
    catalog.load()
    lesson: Lesson = next(item for item in catalog.lessons() if item.questions)
    question = lesson.questions[0]
    return QuestionMessage(lesson, question, ask_id, tuple(
        Button(choice.text, f"a:{ask_id}:{index}") for index, choice in enumerate(question.choices)))


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def polls_adapter(telegram: FakeTelegram) -> AsyncIterator[tuple[TelegramAdapter,
                                                                       ScriptedHost]]:
    settings = Settings.model_validate({"telegram": {
        "enabled": True, "api_base_url": telegram.base_url, "quiz_style": "poll"}})
    adapter = TelegramAdapter(settings.telegram, TOKEN, GOOD, pacer=Pacer(1000, 200))
    host = ScriptedHost([a_question(8)])
    await adapter.start(host)
    yield adapter, host
    await adapter.stop()


async def test_a_pushed_quiz_poll_comes_back_in_sent_not_through_the_host(
        telegram: FakeTelegram, polls_adapter: tuple[TelegramAdapter, ScriptedHost]) -> None:
    adapter, host = polls_adapter
    progressed: list[tuple[int, Sent]] = []

    async def progress(parts: int, sent: Sent) -> None:
        progressed.append((parts, sent))

    recipient = Recipient(1, Platform.TELEGRAM, str(ADA), str(ADA))
    sent = await adapter.send(recipient, [a_question(7), Notice(NoticeCode.BUDGET_DONE)],
                              progress=progress)
    intro, poll, notice = telegram.sent_to(ADA)  # the poll named first, as buttons are
    assert intro.text.startswith("Question") and poll.poll is not None
    assert notice.method == "sendMessage"
    assert sent.polls == (PollSent(poll.poll["id"], 7),)
    assert sent.message_id == str(intro.message_id) and sent.chat_id is None
    assert progressed == [(1, Sent(str(intro.message_id), None, ())),
                          (2, Sent(str(poll.message_id), None, (PollSent(poll.poll["id"], 7),)))]
    assert host.polls == []  # the dispatcher records it, with the delivery


async def test_a_quiz_poll_in_a_reply_is_told_to_the_host(
        telegram: FakeTelegram, polls_adapter: tuple[TelegramAdapter, ScriptedHost]) -> None:
    _, host = polls_adapter
    telegram.push_message(ADA, "quiz")
    [intro, poll] = await telegram.wait_sent(2, ADA)
    assert intro.text.startswith("Question") and poll.poll is not None
    await telegram.wait_for(lambda: bool(host.polls))
    assert host.polls == [(Platform.TELEGRAM, poll.poll["id"], 8)]


async def test_a_telegram_429_pauses_the_pacer_before_the_dispatcher_hears_of_it(
        telegram: FakeTelegram) -> None:
    settings = Settings.model_validate({"telegram": {
        "enabled": True, "api_base_url": telegram.base_url}})
    adapter = TelegramAdapter(settings.telegram, TOKEN, GOOD, pacer=Pacer(1000, 200),
                              rate_limit_retries=0)
    await adapter.start(ScriptedHost())
    try:
        telegram.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(RateLimited) as caught:
            await adapter.send(Recipient(1, Platform.TELEGRAM, str(ADA), str(ADA)),
                               [Notice(NoticeCode.NUDGE)])
        assert caught.value.retry_after == 3 and caught.value.sent == 0
        assert adapter.pacer.paused_for > 2
    finally:
        await adapter.stop()


def http_slack(slack: FakeSlack, **options: Any) -> SlackAdapter:
    """A Slack adapter in HTTP mode, talking to ``slack``."""
    settings = Settings.model_validate({"slack": {
        "enabled": True, "mode": "http", "api_base_url": slack.base_url}})
    return SlackAdapter(settings.slack, Secrets(BOT_TOKEN, None, "secret", None), **options)


@pytest.mark.parametrize("method", ["conversations.open", "chat.postMessage"])
async def test_a_slack_429_pauses_the_pacer_before_the_dispatcher_hears_of_it(
        method: str) -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1ANN", "Ann")
        adapter = http_slack(slack)
        slack.fail_next(method, 429, "ratelimited", retry_after=20)  # longer than the SDK waits
        with pytest.raises(RateLimited) as caught:
            await adapter.send(Recipient(1, Platform.SLACK, "U1ANN", None),
                               [Notice(NoticeCode.NUDGE)])
        assert caught.value.retry_after == 20
        assert adapter.pacer.paused_for > 19


async def test_slack_progress_gets_what_each_message_was() -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1ANN", "Ann")
        adapter = http_slack(slack, per_channel=1000)
        progressed: list[tuple[int, Sent]] = []

        async def progress(parts: int, sent: Sent) -> None:
            progressed.append((parts, sent))

        sent = await adapter.send(Recipient(1, Platform.SLACK, "U1ANN", None),
                                  [a_question(3), Notice(NoticeCode.QUIZ_DONE)],
                                  progress=progress)
        question, _ = slack.posted()
        dm = slack.dm_of("U1ANN")
        assert sent == Sent(question.ts, chat_id=dm)
        assert progressed == [(1, Sent(question.ts, chat_id=dm))]


def mine_for(messages: int) -> tuple[list[bool], Callable[[], bool]]:
    """A recipient whose delivery is this worker's for its first ``messages`` platform
    messages, then another worker's (the asks go in the list returned)."""
    asked: list[bool] = []

    def still_mine() -> bool:
        asked.append(len(asked) < messages)
        return asked[-1]

    return asked, still_mine


async def test_telegram_stops_before_the_next_message_of_a_delivery_taken_over(
        telegram: FakeTelegram) -> None:
    settings = Settings.model_validate({"telegram": {
        "enabled": True, "api_base_url": telegram.base_url}})
    adapter = TelegramAdapter(settings.telegram, TOKEN, GOOD, pacer=Pacer(1000, 200))
    await adapter.start(ScriptedHost())
    try:
        asked, still_mine = mine_for(1)
        recipient = Recipient(1, Platform.TELEGRAM, str(ADA), str(ADA), still_mine=still_mine)
        with pytest.raises(ClaimLost) as caught:
            await adapter.send(recipient, [a_question(7), Notice(NoticeCode.QUIZ_DONE)])
        assert caught.value.sent == 1 and asked == [True, False]
        [question] = telegram.sent_to(ADA)
        assert question.method == "sendMessage"
    finally:
        await adapter.stop()


async def test_slack_stops_before_the_next_message_of_a_delivery_taken_over() -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1ANN", "Ann")
        adapter = http_slack(slack, per_channel=1000)
        asked, still_mine = mine_for(1)
        recipient = Recipient(1, Platform.SLACK, "U1ANN", None, still_mine=still_mine)
        with pytest.raises(ClaimLost) as caught:
            await adapter.send(recipient, [a_question(3), Notice(NoticeCode.QUIZ_DONE)])
        assert caught.value.sent == 1 and asked == [True, False]
        assert len(slack.posted()) == 1
        asked, still_mine = mine_for(0)
        with pytest.raises(ClaimLost) as caught:
            await adapter.send(Recipient(1, Platform.SLACK, "U1ANN", None, still_mine=still_mine),
                               [Notice(NoticeCode.NUDGE)])
        assert caught.value.sent == 0 and len(slack.posted()) == 1
