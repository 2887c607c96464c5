"""Slack end to end: the real slack-bolt and slack_sdk, the real engine, due scan and dispatcher,
against the fake Slack (tests/fakes/slack_api.py) on free local ports.

Socket Mode goes through the fake's websocket (envelopes in, acks recorded); HTTP mode through
our own aiohttp server, with requests signed exactly as Slack signs them. Scheduled pushes are
driven by moving a manual clock; nothing sleeps on time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bot.adapters.slack import create
from bot.app import Runtime
from bot.config import (
    LessonsSettings,
    Secrets,
    ServerSettings,
    Settings,
    SlackSettings,
    StorageSettings,
)
from bot.errors import AdapterStartError, TemporaryDeliveryError
from bot.messages import Button, Inbound, Notice, NoticeCode, Platform, QuestionMessage
from bot.ports import Recipient
from scheduler.clock import ManualClock
from storage import Database, upgrade
from storage.repositories import Asks, Points, Progress
from tests.conftest import DATA, SAMPLE
from tests.e2e.slack_harness import (
    SlackBot,
    button_press,
    command_body,
    dm,
    event_body,
    form_body,
    home_opened,
    json_body,
    signed,
    slash,
    start_bot,
)
from tests.fakes.network import free_port
from tests.fakes.recording import RecordedWaits
from tests.fakes.slack_api import (
    APP_TOKEN,
    BOT_TOKEN,
    FakeSlack,
    Message,
    entities_ok,
    mrkdwn_texts,
)

pytestmark = pytest.mark.e2e

MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 07:00 in New York
ANN, ANN_DM = "U1ANN", "D1ANN"
GOOD = DATA / "good"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        slack.add_user(ANN, "Ann Example", tz="America/New_York", display_name="ann")
        yield slack


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_NOON)


@pytest.fixture
async def bot(fake: FakeSlack, database: Database, clock: ManualClock) -> AsyncIterator[SlackBot]:
    started = await start_bot(fake, database, clock)
    yield started
    await started.stop()


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Database]:
    """For tests of the Slack side alone (signatures, retries, escaping, error branches): the
    journey runs on both databases; what the dispatcher records is tested with it."""
    database = Database(f"sqlite:///{tmp_path / 'slack.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
async def lone_bot(fake: FakeSlack, sqlite: Database,
                   clock: ManualClock) -> AsyncIterator[SlackBot]:
    started = await start_bot(fake, sqlite, clock)
    yield started
    await started.stop()


@pytest.fixture
async def http_bot(fake: FakeSlack, sqlite: Database,
                   clock: ManualClock) -> AsyncIterator[SlackBot]:
    started = await start_bot(fake, sqlite, clock, mode="http")
    yield started
    await started.stop()


async def say(bot: SlackBot, text: str, user: str = ANN, wait: int | None = 1,
              timeout: float = 5.0) -> list[str]:
    """Ann types ``text`` in her DM (Socket Mode); the texts of the ``wait`` new posts (within
    ``timeout`` seconds)."""
    before = len(bot.fake.posted())
    envelope = await bot.fake.socket.send("events_api", event_body(dm(user, text)))
    assert await bot.fake.socket.wait_ack(envelope, timeout=3) == {"envelope_id": envelope}
    if wait is None:
        return []
    posts = await bot.fake.wait_posts(before + wait, timeout=timeout)
    return [message.text for message in posts[before:]]


def block_texts(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons_of(message: Message) -> list[dict[str, Any]]:
    """The buttons of a message's actions block."""
    elements: list[dict[str, Any]] = next(
        block for block in message.blocks if block["type"] == "actions")["elements"]
    return elements


async def press_in_dm(fake: FakeSlack, message: Message, index: int) -> None:
    """Ann presses the ``index``-th button of ``message`` in her DM; back once it is acked."""
    envelope = await fake.socket.send("interactive", button_press(
        ANN, {"ts": message.ts, "text": message.text, "blocks": message.blocks}, ANN_DM, index))
    await fake.socket.wait_ack(envelope, timeout=3)


# -- the whole journey -----------------------------------------------------------------------------

async def test_journey_from_first_dm_to_forget(bot: SlackBot, fake: FakeSlack,
                                               clock: ManualClock) -> None:
    # First DM: welcomed, enrolled in the time zone users.info gives.
    [welcome] = await say(bot, "hello")
    assert "Welcome to microlearn" in welcome and "America/New_York" in welcome
    learner = bot.learner(ANN)
    assert learner is not None
    assert (learner.time_zone, learner.chat_id, learner.display_name) == (
        "America/New_York", ANN_DM, "ann")
    assert len(fake.calls_to("users.info")) == 1

    # The scheduled lesson at 09:00 New York time, as Block Kit.
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    result = await bot.tick()
    assert result.sent == 1
    lesson = fake.posted(ANN_DM)[-1]
    kinds = [block["type"] for block in lesson.blocks]
    assert kinds[:2] == ["header", "context"] and "section" in kinds
    facts = block_texts(lesson.blocks[1]["elements"])
    assert " min" in facts and "Track:" in facts
    row = bot.delivery(learner.id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "sent" and row.platform_message_id == lesson.ts

    # "Got it" at the end of the lesson counts it: the button is replaced by what it earned,
    # and the badge it completes follows.
    [got_it] = buttons_of(lesson)
    assert got_it["action_id"] == "lesson-read" and got_it["text"]["text"] == "Got it ✓"
    posted = len(fake.posted(ANN_DM))
    await press_in_dm(fake, lesson, 0)
    await fake.wait_for(lambda: bool(lesson.edits) and len(fake.posted(ANN_DM)) > posted)
    assert not any(block["type"] == "actions" for block in lesson.blocks)
    assert "counts as read: +5 points" in block_texts(lesson.blocks)
    assert "New badge: First lesson!" in fake.posted(ANN_DM)[-1].text
    with bot.database.session() as session:
        assert Points(session).total(learner.id) == 5

    # With it, "was it useful?" and two buttons: "Not useful" is replaced by the thanks and
    # its invitation, and the next words are the comment the trainers see.
    rate = fake.posted(ANN_DM)[-1]
    assert "useful?" in block_texts(rate.blocks)
    assert [(b["action_id"], b["text"]["text"]) for b in buttons_of(rate)] == [
        ("lesson-up", "👍 Useful"), ("lesson-down", "👎 Not useful")]
    await press_in_dm(fake, rate, 1)
    await fake.wait_for(lambda: bool(rate.edits))
    assert not any(block["type"] == "actions" for block in rate.blocks)
    assert "What would have made" in block_texts(rate.blocks)
    [thanks] = await say(bot, "Too many steps")
    assert "go to the trainers" in thanks
    with bot.database.session() as session:
        assert session.execute(text("SELECT useful, comment FROM lesson_rating")).one() == (
            False, "Too many steps")

    # Monday's quiz time: nothing is due yet (reviews start the next workday).
    clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    assert (await bot.tick()).skipped == 1
    # Tuesday: the lesson, then the review question at 15:00, answered with its button.
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    assert (await bot.tick()).sent == 1
    clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=UTC))
    assert (await bot.tick()).sent == 1
    question = fake.posted(ANN_DM)[-1]
    actions = next(block for block in question.blocks if block["type"] == "actions")
    ask_id = int(str(actions["block_id"]).removeprefix("ask-"))
    with bot.database.session() as session:
        ask = Asks(session).get(ask_id)
    assert ask is not None
    right = bot.engine.catalog.get(ask.lesson_id)
    assert right is not None
    correct = next(q for q in right.questions if q.key == ask.question_key).correct_indexes[0]
    started = time.monotonic()
    await press_in_dm(fake, question, correct)
    assert time.monotonic() - started < 3
    await fake.wait_for(lambda: bool(question.edits))
    updated = block_texts(question.blocks)
    assert "You answered" in updated and "Right!" in updated
    assert not any(block["type"] == "actions" for block in question.blocks)
    with bot.database.session() as session:
        assert Points(session).total(learner.id) == 15  # 5 a lesson read, 10 for the answer

    # /learn from a channel: acknowledged at once, then told there (once the DM is open)
    # that the answer is in the DM, and answered in the DM.
    envelope = await fake.socket.send("slash_commands", slash(
        ANN, "phishing", response_url=f"{fake.url}/response/learn"))
    ack = await fake.socket.wait_ack(envelope, timeout=3)
    assert not (ack.get("payload") or {}).get("text")
    await fake.wait_for(lambda: bool(fake.responses))
    [told] = fake.responses
    assert told["response_type"] == "ephemeral" and "your messages with me" in told["text"]
    title = {"type": "header", "text": {
        "type": "plain_text", "text": "Spot a phishing email in ten seconds", "emoji": True}}
    await fake.wait_for(lambda: any(m.blocks[:1] == [title] for m in fake.posted(ANN_DM)))
    assert fake.posted("C0GENERAL") == []
    found = next(m for m in fake.posted(ANN_DM) if m.blocks[:1] == [title])
    [add, not_it] = buttons_of(found)
    assert add["action_id"] == "lesson-add" and add["text"]["text"] == "Add to my reviews"
    assert not_it["action_id"] == "lesson-notit" and not_it["text"]["text"] == "Not what I asked"
    await press_in_dm(fake, found, 0)
    await fake.wait_for(lambda: bool(found.edits))
    assert "will come back for review" in block_texts(found.blocks)

    # "Not what I asked" under the next answer: the question goes to the trainers' list.
    before = len(fake.posted(ANN_DM))
    envelope = await fake.socket.send("slash_commands", slash(ANN, "phishing"))
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: len(fake.posted(ANN_DM)) > before)
    again = fake.posted(ANN_DM)[-1]
    [only] = buttons_of(again)
    assert only["action_id"] == "lesson-notit"  # its questions are in the reviews already
    await press_in_dm(fake, again, 0)
    await fake.wait_for(lambda: bool(again.edits))
    assert 'I have passed \\"phishing\\" to the trainers' in block_texts(again.blocks)
    with bot.database.session() as session:
        assert [row[0] for row in session.execute(text("SELECT query FROM lookup_miss"))] == [
            "phishing"]

    # The App Home: streak, points, badges, the next lesson in Slack's own date format.
    envelope = await fake.socket.send("events_api", event_body(home_opened(ANN, ANN_DM)))
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: ANN in fake.homes)
    home = block_texts(fake.homes[ANN][-1]["blocks"])
    with bot.database.session() as session:
        total = Points(session).total(learner.id)  # a lookup earns nothing: still 15
    assert total == 15
    assert "*Streak:* 2 days" in home and f"*Points:* {total}" in home and "First lesson" in home
    assert "<!date^" in home and "command-lesson" in home

    # forget: a confirmation, then everything is gone.
    [confirm] = await say(bot, "forget")
    assert "forget confirm" in confirm
    [gone] = await say(bot, "forget confirm")
    assert "deleted everything" in gone
    assert bot.learner(ANN) is None

    # Opening the App Home afterwards shows an invitation and brings nothing back.
    shown = len(fake.homes[ANN])
    envelope = await fake.socket.send("events_api", event_body(home_opened(ANN, ANN_DM)))
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: len(fake.homes[ANN]) > shown)
    assert "*Streak:*" not in block_texts(fake.homes[ANN][-1]["blocks"])
    assert bot.learner(ANN) is None


async def test_an_app_home_button_runs_its_words_in_the_dm(lone_bot: SlackBot, fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    press = {"type": "block_actions", "user": {"id": ANN}, "team": {"id": "T0FAKE"},
             "container": {"type": "view", "view_id": "V1"}, "trigger_id": "t",
             "actions": [{"type": "button", "action_id": "command-lesson", "value": "lesson",
                          "block_id": "home-commands", "text": {"type": "plain_text",
                                                                "text": "Next lesson"}}]}
    envelope = await fake.socket.send("interactive", press)
    await fake.socket.wait_ack(envelope, timeout=3)
    posts = await fake.wait_posts(2, ANN_DM)
    assert posts[-1].blocks[0]["type"] == "header"


async def test_a_lesson_offered_by_did_you_mean_is_one_press_or_number_away(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    await say(lone_bot, "report a broken chair")
    offered = fake.posted(ANN_DM)[-1]
    assert "1. Report a security incident fast" in block_texts(offered.blocks)
    buttons = buttons_of(offered)
    assert [b["action_id"] for b in buttons] == ["lesson-pick-1", "lesson-pick-2", "lesson-pick-3"]
    assert buttons[0]["text"]["text"] == "1. Report a security incident fast"
    before = len(fake.posted(ANN_DM))
    await press_in_dm(fake, offered, 0)
    [answer] = (await fake.wait_posts(before + 1, ANN_DM))[before:]
    assert answer.blocks[0]["text"]["text"] == "Report a security incident fast"
    assert buttons_of(answer)[-1]["action_id"] == "lesson-notit"
    # Typed: its number.
    await say(lone_bot, "my password expired yesterday")
    [picked] = await say(lone_bot, "1")
    assert picked == "Strong passwords without the headache"


async def test_a_quiz_on_a_topic_typed_or_by_learn_is_answered_by_its_buttons(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    intro, preview = await say(lone_bot, "quiz me on passwords", wait=2)
    assert preview == "Question: Which of these is the strongest password?"
    assert intro == ('Quiz on "Strong passwords without the headache": 3 questions (they join '
                     "your reviews too).")
    question = fake.posted(ANN_DM)[-1]
    assert "Question 1 of 3" in block_texts(question.blocks)
    before = len(fake.posted(ANN_DM))
    await press_in_dm(fake, question, 2)  # the right choice: the next question follows
    await fake.wait_for(lambda: len(fake.posted(ANN_DM)) > before)
    await fake.wait_for(lambda: bool(question.edits))
    assert "Right!" in block_texts(question.blocks)
    assert "Question 2 of 3" in block_texts(fake.posted(ANN_DM)[-1].blocks)
    # Slack's one slash command, /learn, takes the same words.
    before = len(fake.posted(ANN_DM))
    envelope = await fake.socket.send("slash_commands", slash(ANN, "quiz me on phishing",
                                                              channel=ANN_DM))
    await fake.socket.wait_ack(envelope, timeout=3)
    posts = await fake.wait_posts(before + 2, ANN_DM)
    assert posts[before].text.startswith('Quiz on "Spot a phishing email in ten seconds"')


async def test_a_typed_answer_takes_the_questions_buttons_off(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    """Left, they invited a second answer ("You already answered that one")."""
    await say(lone_bot, "hi")
    await say(lone_bot, "quiz me on passwords", wait=2)
    question = fake.posted(ANN_DM)[-1]
    assert any(block["type"] == "actions" for block in question.blocks)
    before = len(fake.posted(ANN_DM))
    await say(lone_bot, "3", wait=2)
    await fake.wait_for(lambda: bool(question.edits))
    assert not any(block["type"] == "actions" for block in question.blocks)
    assert "You answered: *3)" in block_texts(question.blocks)
    feedback = block_texts(fake.posted(ANN_DM)[before].blocks)  # the result follows
    assert "Right!" in feedback or "Not quite." in feedback


async def test_a_press_takes_the_buttons_off_every_copy_of_the_question(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    await say(lone_bot, "quiz me on passwords", wait=2)
    first = fake.posted(ANN_DM)[-1]
    await say(lone_bot, "quiz")  # the open question, shown again
    again = fake.posted(ANN_DM)[-1]
    assert again.ts != first.ts
    assert any(block["type"] == "actions" for block in again.blocks)
    await press_in_dm(fake, first, 0)
    await fake.wait_for(lambda: bool(again.edits) and bool(first.edits))
    assert not any(block["type"] == "actions" for block in again.blocks)
    assert "You answered" in block_texts(again.blocks)


async def test_a_second_tap_is_told_to_the_tapper_alone(lone_bot: SlackBot,
                                                         fake: FakeSlack) -> None:
    """A double tap (or a tap on a copy not yet refreshed): "You already answered that one"
    is ephemeral, not a message that stays in the DM; when Slack refuses an ephemeral
    message, it is posted as before."""
    await say(lone_bot, "hi")
    await say(lone_bot, "quiz me on passwords", wait=2)
    question = fake.posted(ANN_DM)[-1]
    stale = Message(question.channel, question.ts, question.text, list(question.blocks))
    await press_in_dm(fake, stale, 0)
    await fake.wait_for(lambda: bool(question.edits))
    await lone_bot.adapter.listeners.drain()
    posts = len(fake.posted(ANN_DM))
    await press_in_dm(fake, stale, 1)
    await fake.wait_for(lambda: len(fake.ephemeral) == 1)
    [note] = fake.ephemeral
    assert note.channel == ANN_DM and "You already answered that one" in note.text
    assert fake.calls_to("chat.postEphemeral")[0].params["user"] == ANN
    assert len(fake.posted(ANN_DM)) == posts and len(question.edits) == 1
    fake.fail_next("chat.postEphemeral", 200, "not_in_channel")
    await press_in_dm(fake, stale, 1)
    [posted] = (await fake.wait_posts(posts + 1, ANN_DM))[posts:]
    assert "You already answered that one" in posted.text and len(fake.ephemeral) == 1


# -- what is not a person typing, retries, failures ------------------------------------------------

async def test_edits_joins_bots_and_channel_messages_are_ignored(lone_bot: SlackBot,
                                                                  fake: FakeSlack) -> None:
    ignored = [
        dm(ANN, "edited", subtype="message_changed"),
        dm(ANN, "joined", subtype="channel_join"),
        dm("U0OTHERBOT", "beep", bot_id="B0OTHER", subtype="bot_message"),
        dm("U0BOT", "my own words"),
        {**dm(ANN, "in a channel", channel="C0GENERAL"), "channel_type": "channel"},
    ]
    for event in ignored:
        envelope = await fake.socket.send("events_api", event_body(event))
        await fake.socket.wait_ack(envelope, timeout=3)
    await say(lone_bot, "help")  # a real DM afterwards is answered: the ones before were seen
    assert [inbound.text for inbound in lone_bot.host.inbounds] == ["help"]
    assert len(fake.posted()) == 1


async def test_a_dm_with_a_file_attached_is_answered_by_its_words(lone_bot: SlackBot,
                                                                    fake: FakeSlack) -> None:
    """A learner pastes a screenshot of a suspicious mail and asks about it."""
    await say(lone_bot, "hello")
    event = dm(ANN, "is this a phishing mail? how do I report it", subtype="file_share",
               files=[{"id": "F1", "name": "mail.png", "mimetype": "image/png"}])
    before = len(fake.posted())
    envelope = await fake.socket.send("events_api", event_body(event))
    await fake.socket.wait_ack(envelope, timeout=3)
    [answer] = (await fake.wait_posts(before + 1))[before:]
    assert "phishing" in answer.text.lower()


async def test_emoji_shortcodes_are_read_as_the_emoji_picked(lone_bot: SlackBot,
                                                             fake: FakeSlack) -> None:
    """Slack sends an emoji as ":tada:": it is a friendly word, not a lookup, and
    "done :white_check_mark:" is done."""
    await say(lone_bot, "hello")
    for typed in (":tada:", "thank you so much :slightly_smiling_face:", ":partyparrot:"):
        before = len(fake.posted())
        await say(lone_bot, typed)
        [reply] = (await fake.wait_posts(before + 1))[before:]
        assert "no lesson on" not in reply.text, (typed, reply.text)
    await say(lone_bot, "lesson")
    before = len(fake.posted())
    await say(lone_bot, "done :white_check_mark:")
    [reply] = (await fake.wait_posts(before + 1))[before:]
    assert "counts as read" in reply.text


async def test_a_passing_auth_error_after_start_loses_no_event(lone_bot: SlackBot,
                                                                 fake: FakeSlack) -> None:
    """The token was checked at start: bolt does not check it again at the first request,
    where an error dropped the event and told the learner to reinstall the app."""
    fake.fail_next("auth.test", 500, "internal_error", count=5)
    [reply] = await say(lone_bot, "hello")
    assert "Welcome to microlearn" in reply and "reinstall" not in reply


async def test_a_shutdown_waits_for_replies_and_counts_those_it_drops(
        lone_bot: SlackBot, caplog: pytest.LogCaptureFixture) -> None:
    listeners = lone_bot.adapter.listeners
    done: list[str] = []

    async def reply(seconds: float, name: str) -> None:
        await asyncio.sleep(seconds)
        done.append(name)

    quick = asyncio.create_task(listeners._run("U1", None, reply(0.05, "quick")))
    stuck = asyncio.create_task(listeners._run("U2", None, reply(30, "stuck")))
    await asyncio.sleep(0)  # both registered
    await listeners.drain(timeout=0.5)
    assert done == ["quick"] and quick.done() and stuck.cancelled()
    assert "1 Slack requests were still being answered" in caplog.text


async def test_a_retried_event_is_handled_once(lone_bot: SlackBot, fake: FakeSlack) -> None:
    body = event_body(dm(ANN, "help"))
    first = await fake.socket.send("events_api", body)
    await fake.socket.wait_ack(first)
    again = await fake.socket.send("events_api", body, retry_attempt=1,
                                   retry_reason="timeout")
    assert await fake.socket.wait_ack(again) == {"envelope_id": again}
    await fake.wait_posts(1)  # welcome and help, in one message
    await say(lone_bot, "me")  # everything before has been handled by now
    assert [inbound.text for inbound in lone_bot.host.inbounds] == ["help", "me"]


async def test_an_event_retried_to_another_replica_is_handled_once(
        bot: SlackBot, fake: FakeSlack, database: Database, clock: ManualClock) -> None:
    """Slack spreads envelopes over a Socket Mode app's connections: its retry of an event
    may reach another replica, which has never seen it (on both databases)."""
    await say(bot, "hello")  # enrols Ann: welcome
    body = event_body(dm(ANN, "lesson"))
    first = await fake.socket.send("events_api", body)
    await fake.socket.wait_ack(first)
    await fake.wait_posts(2)
    other = await start_bot(fake, database, clock)  # the newest connection gets the retry
    try:
        again = await fake.socket.send("events_api", body, retry_attempt=1,
                                       retry_reason="timeout")
        assert await fake.socket.wait_ack(again) == {"envelope_id": again}
        [profile] = await say(other, "me")  # everything before has been handled by now
        assert profile.startswith("ann: 0 points")
        assert len(fake.posted()) == 3  # welcome, one lesson, the profile
        assert [inbound.text for inbound in other.host.inbounds] == ["lesson", "me"]
    finally:
        await other.stop()


async def test_a_reply_outlasts_a_short_slack_outage(lone_bot: SlackBot, fake: FakeSlack) -> None:
    """Handled and recorded (an answer graded), the reply is worth a few seconds of 503s:
    lost, it would leave the learner answering a question they never saw."""
    lone_bot.adapter.reply_backoff = 0.01
    await say(lone_bot, "hello")
    fake.fail_next("chat.postMessage", 503, "service_unavailable", count=4)
    [profile] = await say(lone_bot, "me", timeout=20)  # the client's own retries: about 2 s
    assert profile.startswith("ann: 0 points")
    assert [call.status for call in fake.calls_to("chat.postMessage")][-5:] == [503] * 4 + [200]


async def test_a_reply_slack_keeps_refusing_is_said_lost_and_unreachable_learners_are_left(
        lone_bot: SlackBot, fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.slack")
    lone_bot.adapter.reply_backoff = 0.01
    await say(lone_bot, "hello")
    fake.fail_next("chat.postMessage", 503, "service_unavailable", count=8)
    [lost] = await say(lone_bot, "me", timeout=20)  # the client's own retries: about 4 s
    assert lost.startswith("Sorry, Slack did not take my reply just now")
    assert "a reply was lost" in caplog.text and "Traceback" not in caplog.text
    before = len(fake.posted())
    fake.fail_next("chat.postMessage", 200, "account_inactive")
    await say(lone_bot, "me", wait=None)
    [profile] = await say(lone_bot, "me")  # the bot goes on, and said nothing in between
    assert profile.startswith("ann: 0 points") and len(fake.posted()) == before + 1
    assert "cannot reply" in caplog.text


async def test_a_lesson_slack_never_took_is_taken_back_and_comes_again(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    lone_bot.adapter.reply_backoff = 0.01
    await say(lone_bot, "hello")
    fake.fail_next("chat.postMessage", 503, "service_unavailable", count=8)  # 4 tries, 2 each
    # The client's own retry waits 0.5-1.5 s a try: about 4 s in all, more on a busy machine.
    [lost] = await say(lone_bot, "lesson", timeout=20)
    assert lost.startswith("Sorry, Slack did not take my reply")
    refused = next(call for call in fake.calls_to("chat.postMessage") if call.status != 200)
    [lesson] = await say(lone_bot, "lesson")
    assert lesson == refused.params["text"]  # the same lesson again, not the next one
    learner = lone_bot.learner(ANN)
    assert learner is not None
    with lone_bot.database.session() as session:
        assert Progress(session).count() == 1


async def test_a_revoked_token_makes_slack_not_ready_until_a_post_goes_through(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    lone_bot.adapter.reply_backoff = 0.01
    await say(lone_bot, "hello")
    assert await lone_bot.adapter.connected()
    fake.fail_next("chat.postMessage", 200, "token_revoked", count=8)  # the apology too
    await say(lone_bot, "me", wait=None)
    await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= 6)
    assert not await lone_bot.adapter.connected()  # /healthz says not ready
    assert "check SLACK_BOT_TOKEN" in (lone_bot.adapter.token_refused or "")
    await say(lone_bot, "me")  # the token works again
    await fake.wait_for(lambda: lone_bot.adapter.token_refused is None)  # Slack's answer read
    assert await lone_bot.adapter.connected()


async def test_a_failing_event_gets_a_polite_reply_and_the_bot_goes_on(lone_bot: SlackBot) -> None:
    lone_bot.host.fail_on = "boom"
    [sorry] = await say(lone_bot, "boom")
    assert sorry.startswith("Sorry, something went wrong")
    [welcome] = await say(lone_bot, "hello")
    assert "Welcome" in welcome


async def test_acks_come_before_the_work(lone_bot: SlackBot, fake: FakeSlack) -> None:
    lone_bot.host.delay = 2.0  # the engine takes 2 s: Slack must still hear back at once
    started = time.monotonic()
    envelope = await fake.socket.send("events_api", event_body(dm(ANN, "hello")))
    await fake.socket.wait_ack(envelope, timeout=0.5)
    assert fake.posted() == []
    await fake.wait_posts(1, ANN_DM, timeout=5)
    assert time.monotonic() - started >= 2.0


async def test_hostile_text_is_escaped_and_never_breaks_a_send(lone_bot: SlackBot,
                                                               fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    # As Slack delivers it: what the learner typed arrives escaped, @channel as <!channel>.
    typed = ("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; <!channel> <@U0BOT> *bold* "
             "`tick` ~x~ \u202eevil\u202c " + "\u00e9\u0301\U0001f600 " * 50 + "x" * 5000)
    [reply] = await say(lone_bot, typed)
    texts = [text for message in fake.posted() for text in mrkdwn_texts(message.blocks)]
    assert all(entities_ok(text) for text in texts), texts
    assert all(entities_ok(message.text) for message in fake.posted())
    last = block_texts(fake.posted()[-1].blocks)
    assert "&lt;script&gt;" in last and "&lt;!channel&gt;" in last and "<!channel>" not in last
    assert reply


async def test_a_failing_users_info_is_not_asked_again_at_every_message(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    """Slack refused users.info: the next messages do not each ask again (Retry-After, else
    a pause); once the pause is over it is asked, and the profile completes the learner.
    (The pause runs on a clock of the test's: a wall-clock pause had raced a loaded
    machine.)"""
    from bot.adapters.slack.directory import QUIET_AFTER_FAILURE
    seconds = [1000.0]
    lone_bot.adapter.directory.monotonic = lambda: seconds[0]
    fake.fail_next("users.info", 500, count=2)  # the client's own retry too
    await say(lone_bot, "hi")
    asked = len(fake.calls_to("users.info"))
    learner = lone_bot.learner(ANN)
    assert learner is not None and learner.display_name == ""
    seconds[0] += QUIET_AFTER_FAILURE - 1
    await say(lone_bot, "help")
    assert len(fake.calls_to("users.info")) == asked
    seconds[0] += 2
    await say(lone_bot, "help")
    assert len(fake.calls_to("users.info")) == asked + 1
    learner = lone_bot.learner(ANN)
    assert learner is not None and learner.display_name == "ann"


async def test_a_mention_of_the_bot_in_its_dm_is_who_is_asked_not_what(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    await say(lone_bot, "hi")
    [reply] = await say(lone_bot, "<@U0BOT> help")
    assert reply.startswith("Here is what I understand"), reply
    [hello] = await say(lone_bot, "<@U0BOT>")
    assert "U0BOT" not in hello and "I have no lesson" not in hello, hello


async def test_replies_keep_one_message_a_second_in_a_dm(fake: FakeSlack, sqlite: Database,
                                                         clock: ManualClock) -> None:
    lone_bot = await start_bot(fake, sqlite, clock, per_channel=None)  # as in production
    try:
        fake.enforce_rate = True
        await say(lone_bot, "hi")
        for text in ("help", "me", "top"):
            envelope = await fake.socket.send("events_api", event_body(dm(ANN, text)))
            await fake.socket.wait_ack(envelope)
        posts = await fake.wait_posts(4, ANN_DM, timeout=8)
        assert [call.status for call in fake.calls_to("chat.postMessage")] == [200] * 4
        sent = [call.at for call in fake.calls_to("chat.postMessage")]
        assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(sent))
        assert len(posts) == 4
    finally:
        await lone_bot.stop()


# -- delivery faults -------------------------------------------------------------------------------

async def enrolled(bot: SlackBot, clock: ManualClock) -> int:
    """Ann says hi; the clock is at her first lesson time."""
    await say(bot, "hi")
    learner = bot.learner(ANN)
    assert learner is not None
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # her lesson time
    return learner.id


async def test_a_link_to_another_lesson_says_how_to_open_it_and_that_opens_it(
        fake: FakeSlack, sqlite: Database, clock: ManualClock) -> None:
    # basics/report.md links to security/spot.md (and to a handout the bot cannot send).
    bot = await start_bot(fake, sqlite, clock, lessons=DATA / "linked")
    try:
        await enrolled(bot, clock)
        assert (await bot.tick()).sent == 1  # the day's lesson, through the outbox
        pushed = fake.posted(ANN_DM)[-1]
        body = "\n".join(mrkdwn_texts(pushed.blocks))
        assert ('First read how to spot one (type "learn Spot a phishing mail") &amp; print '
                "the checklist.") in body  # a handout: its words, not a link to nowhere
        assert "spot.md" not in body and all(entities_ok(text) for text in mrkdwn_texts(
            pushed.blocks))
        [found] = await say(bot, "learn Spot a phishing mail")
        assert found == "Spot a phishing mail"
        assert fake.posted(ANN_DM)[-1].blocks[0]["text"]["text"] == "Spot a phishing mail"
    finally:
        await bot.stop()


async def test_a_short_429_is_waited_out_by_the_sdk(lone_bot: SlackBot, fake: FakeSlack,
                                                    clock: ManualClock) -> None:
    learner_id = await enrolled(lone_bot, clock)
    fake.fail_next("chat.postMessage", 429, "ratelimited", retry_after=1)
    result = await lone_bot.tick()
    assert result.sent == 1
    calls = fake.calls_to("chat.postMessage")[-2:]
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0  # Retry-After: 1, honoured
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "sent"


async def test_a_long_429_pauses_slack_sends_and_the_row_waits(lone_bot: SlackBot, fake: FakeSlack,
                                                               clock: ManualClock) -> None:
    learner_id = await enrolled(lone_bot, clock)
    fake.fail_next("chat.postMessage", 429, "ratelimited", retry_after=30)
    result = await lone_bot.tick()
    assert (result.sent, result.retried) == (0, 1)
    assert [call.status for call in fake.calls_to("chat.postMessage")][-1] == 429
    assert lone_bot.adapter.pacer.paused_for > 25
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    # A 429 is not a try: a storm of them must not give the day's lesson up.
    assert row is not None and row.status == "pending" and row.attempts == 0
    assert row.due_at == clock.now() + timedelta(seconds=30)
    assert "ratelimited" in (row.error or "")


async def test_server_errors_are_retried_then_delivered(lone_bot: SlackBot, fake: FakeSlack,
                                                        clock: ManualClock) -> None:
    learner_id = await enrolled(lone_bot, clock)
    fake.fail_next("chat.postMessage", 500, "internal_error", count=2)
    result = await lone_bot.tick()
    assert result.retried == 1
    # a scheduled post is not retried blindly inside the call: a 500 may come after Slack
    # took it, so the retry looks at the DM first
    assert [call.status for call in fake.calls_to("chat.postMessage")][-1] == 500
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "pending" and row.attempts == 1
    clock.advance(timedelta(minutes=1))
    assert (await lone_bot.tick()).retried == 1  # the second 500
    clock.advance(timedelta(minutes=1))
    assert (await lone_bot.tick()).sent == 1
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "sent"


async def test_a_dropped_connection_is_retried_after_a_look_at_the_dm(
        lone_bot: SlackBot, fake: FakeSlack, clock: ManualClock) -> None:
    await enrolled(lone_bot, clock)
    fake.fail_next("chat.postMessage", 0)  # the connection closes; the post was not taken
    assert (await lone_bot.tick()).retried == 1
    clock.advance(timedelta(minutes=1))
    assert (await lone_bot.tick()).sent == 1
    assert [call.status for call in fake.calls_to("chat.postMessage")][-2:] == [0, 200]
    assert len(fake.calls_to("conversations.history")) == 1  # looked before posting again
    assert len(fake.posted(ANN_DM)) == 2  # the welcome, and the lesson once


async def test_a_post_slack_took_without_answering_is_never_posted_again(
        lone_bot: SlackBot, fake: FakeSlack, clock: ManualClock) -> None:
    learner_id = await enrolled(lone_bot, clock)
    before = len(fake.posted(ANN_DM))
    fake.drop_after_taking_next("chat.postMessage")  # kept, but no answer came
    assert (await lone_bot.tick()).retried == 1
    assert len(fake.posted(ANN_DM)) == before + 1
    mark = fake.posted(ANN_DM)[-1].metadata
    assert mark is not None and mark["event_type"] == "microlearn_delivery"
    for minutes in (1, 5, 30):
        clock.advance(timedelta(minutes=minutes))
        await lone_bot.tick()
    assert len(fake.posted(ANN_DM)) == before + 1  # the lesson once: found in the DM
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "sent"
    assert row.platform_message_id == fake.posted(ANN_DM)[-1].ts


async def test_a_retry_sends_only_the_messages_not_sent_yet(lone_bot: SlackBot,
                                                          fake: FakeSlack) -> None:
    lesson = lone_bot.engine.catalog.get("security/spot-phishing")
    assert lesson is not None
    ask = QuestionMessage(lesson, lesson.questions[0], 9,
                          (Button("a", "a:9:0"), Button("b", "a:9:1")))
    delivery = [Notice(NoticeCode.NUDGE), ask, Notice(NoticeCode.QUIZ_DONE)]  # three messages
    recipient = Recipient(1, Platform.SLACK, ANN, ANN_DM)
    fake.fail_next("chat.postMessage", 500, "internal_error", count=2, after=1)
    with pytest.raises(TemporaryDeliveryError) as caught:
        await lone_bot.adapter.send(recipient, delivery)
    assert caught.value.sent == 1
    sent = await lone_bot.adapter.send(recipient, delivery, skip=caught.value.sent)
    posts = fake.posted(ANN_DM)
    assert len(posts) == 3 and sent.message_id == posts[1].ts
    assert [p.text.split(":")[0] for p in posts] == [
        "Your question from today is still waiting", "Question", "That's all for now. See you next time!"]


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found", "channel_not_found"])
async def test_an_unreachable_learner_is_paused(lone_bot: SlackBot, fake: FakeSlack,
                                                clock: ManualClock, error: str) -> None:
    learner_id = await enrolled(lone_bot, clock)
    fake.fail_next("chat.postMessage", 200, error)
    result = await lone_bot.tick()
    assert result.failed == 1
    learner = lone_bot.learner(ANN)
    assert learner is not None and error in (learner.unreachable or "")
    row = lone_bot.delivery(learner_id, "lesson", date(2026, 3, 2))
    assert row is not None and row.status == "failed"
    posts = len(fake.posted())
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    await lone_bot.tick()
    assert len(fake.posted()) == posts  # nothing more is pushed to her


async def test_a_dm_is_opened_for_a_learner_without_one(lone_bot: SlackBot, fake: FakeSlack,
                                                        clock: ManualClock) -> None:
    fake.add_user("U2BOB", "Bob", tz="Europe/Berlin")
    for user in ("U2BOB", "U404"):  # enrolled elsewhere (no DM known); U404 left the workspace
        lone_bot.engine.handle(Inbound(Platform.SLACK, user, chat_id=None, text="hi",
                                  time_zone="Europe/Berlin"), clock.now())
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    result = await lone_bot.tick()
    assert (result.sent, result.failed) == (1, 1)
    assert sorted(call.params["users"] for call in fake.calls_to("conversations.open")) == [
        "U2BOB", "U404"]
    bob, gone = lone_bot.learner("U2BOB"), lone_bot.learner("U404")
    assert bob is not None and bob.chat_id == "D2BOB" and fake.posted("D2BOB")
    assert gone is not None and "user_not_found" in (gone.unreachable or "")


async def test_learn_in_a_channel_says_so_there_when_the_dm_cannot_be_opened(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    """The command's quick answer says the lesson is in the DM: when the DM cannot be
    opened, the learner is told where they typed it, not left waiting."""
    fake.add_user("U3CY", "Cy", tz="UTC")
    fake.fail_next("conversations.open", 200, "internal_error", count=3)
    envelope = await fake.socket.send("slash_commands", slash(
        "U3CY", "phishing", response_url=f"{fake.url}/response/1"))
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: bool(fake.responses))
    [told] = fake.responses
    assert told["response_type"] == "ephemeral"
    assert "could not open our direct messages" in told["text"]
    assert fake.posted() == []


# -- HTTP mode -------------------------------------------------------------------------------------

async def post(bot: SlackBot, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(
            bot.events_url, data=body, headers=headers) as response:
        return response.status, await response.text()


async def test_http_mode_answers_a_signed_event(http_bot: SlackBot, fake: FakeSlack) -> None:
    body = json_body(event_body(dm(ANN, "hello")))
    assert (await post(http_bot, body, signed(body)))[0] == 200
    [welcome] = await fake.wait_posts(1, ANN_DM)
    assert "Welcome to microlearn" in welcome.text


async def test_one_learners_messages_close_together_are_handled_in_the_order_they_came(
        http_bot: SlackBot, fake: FakeSlack) -> None:
    """Each request is a task of its own: a new learner's `time 10:00`, whose profile took
    Slack a while, had been handled after the `time 11:00` typed a moment later, and the
    setting ended at 10:00 (seen by an acceptance tester against a stand-in of their own)."""
    fake.add_user("U5EVE", "Eve", tz="UTC")
    fake.slow_next("users.info", 0.5)
    for words in ("time 10:00", "time 11:00"):
        body = json_body(event_body(dm("U5EVE", words)))
        assert (await post(http_bot, body, signed(body)))[0] == 200
    await fake.wait_posts(2, "D5EVE")
    said = [block_texts(m.blocks) for m in fake.posted("D5EVE")]
    assert "Lesson at 10:00" in said[0] and "Lesson at 11:00" in said[1], said
    eve = http_bot.learner("U5EVE")
    assert eve is not None and eve.lesson_time == "11:00"
    assert len(fake.calls_to("users.info")) == 1  # the second waited, and found it known


async def test_http_mode_rejects_a_forged_signature(http_bot: SlackBot, fake: FakeSlack,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    body = json_body(event_body(dm(ANN, "hello")))
    status, text = await post(http_bot, body, signed(body, secret="not-the-secret"))
    assert status == 401 and "invalid request" in text
    tampered = body.replace(b"hello", b"forget confirm")
    assert (await post(http_bot, tampered, signed(body)))[0] == 401
    await asyncio.sleep(0.2)  # give a wrongly accepted event time to show
    assert http_bot.host.inbounds == [] and fake.posted() == []
    # A wrong signing secret refuses Slack's own requests: the log says so, once a minute.
    said = [r.getMessage() for r in caplog.records if "Slack request(s)" in r.getMessage()]
    assert len(said) == 1 and "check SLACK_SIGNING_SECRET" in said[0]


async def test_http_mode_refuses_unsigned_and_unreadable_requests_without_a_trace(
        http_bot: SlackBot, fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    body = json_body(event_body(dm(ANN, "hello")))
    for headers in ({}, {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=x"},
                    {"X-Slack-Request-Timestamp": str(int(time.time()))}):
        status, text = await post(http_bot, body, headers)
        assert status == 401 and "invalid request" in text, headers
    broken = b"{not json"
    status, text = await post(http_bot, broken, signed(broken))
    assert status == 400 and "malformed body" in text
    form = b"payload=%7Bbroken"
    status, _ = await post(http_bot, form, signed(
        form, content_type="application/x-www-form-urlencoded"))
    assert status == 400
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text
    assert http_bot.host.inbounds == [] and fake.posted() == []


async def test_http_mode_rejects_a_stale_timestamp(http_bot: SlackBot, fake: FakeSlack,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    body = json_body(event_body(dm(ANN, "hello")))
    stale = signed(body, timestamp=int(time.time()) - 301)
    assert (await post(http_bot, body, stale))[0] == 401
    assert "keep this machine's clock synchronised" in caplog.text
    fresh = signed(body, timestamp=int(time.time()) - 240)  # within five minutes: fine
    assert (await post(http_bot, body, fresh))[0] == 200
    await fake.wait_posts(1)
    assert len(http_bot.host.inbounds) == 1


async def test_http_mode_a_replayed_request_does_nothing(http_bot: SlackBot,
                                                         fake: FakeSlack) -> None:
    hello = json_body(event_body(dm(ANN, "hi")))
    assert (await post(http_bot, hello, signed(hello)))[0] == 200
    await fake.wait_posts(1, ANN_DM)
    command = command_body(slash(ANN, "strong passwords", channel=ANN_DM))
    headers = signed(command, content_type="application/x-www-form-urlencoded")
    assert (await post(http_bot, command, headers))[0] == 200
    await fake.wait_posts(2, ANN_DM)
    # The very same signed request, sent again within five minutes by someone who saw it.
    for replay in (headers, {**headers, "X-Slack-Retry-Num": "1"}):
        status, text = await post(http_bot, command, replay)
        assert status == 401 and "replayed" in text, (status, text)
    await asyncio.sleep(0.2)  # give a wrongly accepted command time to show
    assert [inbound.text for inbound in http_bot.host.inbounds] == ["hi", "learn strong passwords"]
    assert len(fake.posted()) == 2


async def test_http_mode_handles_a_retried_event_once(http_bot: SlackBot, fake: FakeSlack) -> None:
    body = json_body(event_body(dm(ANN, "help")))
    first = signed(body, timestamp=int(time.time()) - 4)  # sent; no answer within 3 s
    assert (await post(http_bot, body, first))[0] == 200
    # Slack signs each retry anew (a later timestamp: another signature)
    retry = {**signed(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await post(http_bot, body, retry))[0] == 200
    body = json_body(event_body(dm(ANN, "me")))
    assert (await post(http_bot, body, signed(body)))[0] == 200
    await fake.wait_posts(2)  # welcome with help; then me
    assert [inbound.text for inbound in http_bot.host.inbounds] == ["help", "me"]


async def test_http_mode_buttons_and_learn(http_bot: SlackBot, fake: FakeSlack,
                                           clock: ManualClock) -> None:
    body = json_body(event_body(dm(ANN, "hi")))
    await post(http_bot, body, signed(body))
    await fake.wait_posts(1)
    # /learn in the DM itself: a silent ack, the answer right there.
    command = command_body(slash(ANN, "strong passwords", channel=ANN_DM))
    status, text = await post(http_bot, command,
                              signed(command, content_type="application/x-www-form-urlencoded"))
    assert status == 200 and text == ""
    [lookup] = (await fake.wait_posts(2, ANN_DM))[1:]
    assert lookup.blocks[0]["type"] == "header"
    # A quiz question answered with a button, acknowledged at once, the message updated.
    body = json_body(event_body(dm(ANN, "lesson")))
    await post(http_bot, body, signed(body))
    await fake.wait_posts(3, ANN_DM)
    clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=UTC))  # the next workday: reviews are due
    body = json_body(event_body(dm(ANN, "quiz")))
    await post(http_bot, body, signed(body))
    messages = await fake.wait_posts(4, ANN_DM)
    question = next(m for m in reversed(messages) if "actions" in block_texts(m.blocks))
    press = form_body(button_press(ANN, {"ts": question.ts, "text": question.text,
                                         "blocks": question.blocks}, ANN_DM, 0))
    started = time.monotonic()
    status, _ = await post(http_bot, press,
                           signed(press, content_type="application/x-www-form-urlencoded"))
    assert status == 200 and time.monotonic() - started < 3
    await fake.wait_for(lambda: bool(question.edits))
    assert "You answered" in block_texts(question.blocks)


async def test_http_mode_answers_slacks_url_check(http_bot: SlackBot) -> None:
    body = json_body({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                      "type": "url_verification"})
    status, text = await post(http_bot, body, signed(body))
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


# -- starting -------------------------------------------------------------------------------------

def settings_for(fake: FakeSlack, mode: str = "socket") -> Settings:
    return Settings(slack=SlackSettings(enabled=True, mode=mode,  # type: ignore[arg-type]
                                        api_base_url=fake.base_url))


def run_settings(fake: FakeSlack, tmp_path: Path,
                 server: ServerSettings | None = None) -> Settings:
    """What `microlearn run` reads for Slack in Socket Mode, on the sample lessons and a
    database of the test's own (no web server unless ``server`` says so)."""
    return Settings(lessons=LessonsSettings(dir=str(SAMPLE)),
                    storage=StorageSettings(url=f"sqlite:///{tmp_path / 'run.db'}"),
                    server=server or ServerSettings(enabled=False),
                    slack=SlackSettings(enabled=True, mode="socket", api_base_url=fake.base_url))


@pytest.mark.parametrize(("bot_token", "app_token", "variable"), [
    ("xoxb-revoked", APP_TOKEN, "SLACK_BOT_TOKEN"),
    (BOT_TOKEN, "xapp-wrong", "SLACK_APP_TOKEN"),
])
async def test_a_rejected_token_stops_the_start_with_its_name(
        fake: FakeSlack, bot_token: str, app_token: str, variable: str) -> None:
    adapter = create(settings_for(fake), Secrets(bot_token, app_token, None, None))
    with pytest.raises(AdapterStartError, match=variable) as caught:
        await adapter.start(None)  # type: ignore[arg-type]
    assert "invalid_auth" in str(caught.value)
    assert bot_token not in str(caught.value) and app_token not in str(caught.value)
    await adapter.stop()


@pytest.mark.parametrize(("mode", "secrets", "variable"), [
    ("socket", Secrets(None, APP_TOKEN, None, None), "SLACK_BOT_TOKEN"),
    ("socket", Secrets(BOT_TOKEN, None, None, None), "SLACK_APP_TOKEN"),
    ("socket", Secrets(BOT_TOKEN, BOT_TOKEN, None, None), "SLACK_APP_TOKEN"),
    ("http", Secrets(BOT_TOKEN, None, None, None), "SLACK_SIGNING_SECRET"),
])
def test_a_missing_token_is_named(fake: FakeSlack, mode: str, secrets: Secrets,
                                  variable: str) -> None:
    with pytest.raises(AdapterStartError, match=variable):
        create(settings_for(fake, mode), secrets)


def test_every_missing_token_is_named_at_once(fake: FakeSlack) -> None:
    # Each was named only once the one before it was set.
    with pytest.raises(AdapterStartError) as caught:
        create(settings_for(fake), Secrets(None, None, None, None))
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not set" in str(caught.value)


async def test_socket_mode_reconnects_when_slack_asks(lone_bot: SlackBot, fake: FakeSlack) -> None:
    await fake.socket.disconnect()
    await fake.wait_for(lambda: fake.socket.connects >= 2)
    await fake.socket.wait_connected()
    [welcome] = await say(lone_bot, "hello")
    assert "Welcome" in welcome
    assert len(fake.calls_to("apps.connections.open")) == 2


# -- microlearn run, and the fake on its own ------------------------------------------------------

async def test_microlearn_run_brings_slack_up_and_down(fake: FakeSlack, tmp_path: Path,
                                                      clock: ManualClock,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bot.app")
    settings = run_settings(fake, tmp_path)
    runtime = Runtime(settings, Secrets(BOT_TOKEN, APP_TOKEN, None, None), clock=clock)
    await runtime.start()
    try:
        assert [adapter.platform for adapter in runtime.started] == [Platform.SLACK]
        assert runtime.web is None  # Socket Mode needs no open port, and [server] is off
        # The database is named: a replica cut off on a file of its own shows in the log.
        assert f"microlearn is running: slack, on sqlite:///{tmp_path / 'run.db'}" in caplog.text
        envelope = await fake.socket.send("events_api", event_body(dm(ANN, "hello")))
        await fake.socket.wait_ack(envelope, timeout=3)
        [welcome] = await fake.wait_posts(1, ANN_DM)
        assert "Welcome to microlearn" in welcome.text
    finally:
        await runtime.stop()
    assert fake.socket.connections == []  # the websocket was closed



async def test_run_tries_again_when_slack_fails_at_start_and_not_for_a_bad_token(
        fake: FakeSlack, tmp_path: Path, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    settings = run_settings(fake, tmp_path)
    # slack_sdk tries a server error once more itself: two tries of run, both refused.
    fake.fail_next("auth.test", 503, "service_unavailable", count=4)
    runtime = Runtime(settings, Secrets(BOT_TOKEN, APP_TOKEN, None, None), clock=clock,
                      start_waits=(0.01, 0.01, 0.01))
    await runtime.start()
    try:
        assert len(fake.calls_to("auth.test")) == 5
        tries = [r.getMessage() for r in caplog.records if "did not start" in r.getMessage()]
        assert len(tries) == 2 and "service_unavailable" in tries[0], tries
        envelope = await fake.socket.send("events_api", event_body(dm(ANN, "hello")))
        await fake.socket.wait_ack(envelope, timeout=3)
        await fake.wait_posts(1, ANN_DM)
    finally:
        await runtime.stop()
    fake.fail_next("auth.test", 200, "invalid_auth")
    calls = len(fake.calls_to("auth.test"))
    again = Runtime(settings, Secrets(BOT_TOKEN, APP_TOKEN, None, None), clock=clock,
                    start_waits=(0.01, 0.01, 0.01))
    with pytest.raises(AdapterStartError, match="Slack rejected SLACK_BOT_TOKEN"):
        await again.start()
    assert len(fake.calls_to("auth.test")) == calls + 1


async def test_a_429_at_start_is_waited_out_as_long_as_slacks_retry_after_asks(
        fake: FakeSlack, tmp_path: Path, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """A Retry-After too long for slack_sdk's own retry (over 5 s) had been tried again after
    the first 5 s wait; capped at five minutes, which the log says."""
    settings = run_settings(fake, tmp_path)
    fake.fail_next("auth.test", 429, "ratelimited", retry_after=45)
    fake.fail_next("auth.test", 429, "ratelimited", retry_after=3600)
    waits = RecordedWaits()
    runtime = Runtime(settings, Secrets(BOT_TOKEN, APP_TOKEN, None, None), clock=clock,
                      start_waits=(5.0, 10.0, 20.0), sleep=waits)
    await runtime.start()
    try:
        assert len(fake.calls_to("auth.test")) == 3 and waits == [45.0, 300.0]
        tries = [r.getMessage() for r in caplog.records if "did not start" in r.getMessage()]
        assert tries[0].startswith("slack did not start: Slack refused checking the bot "
                                   "token (auth.test): ratelimited"), tries
        assert tries[0].endswith("; trying again in 45 s (as the platform asked)"), tries
        assert tries[1].endswith("; trying again in 300 s (the platform asked for 3600 s; "
                                 "run waits 300 s at most)"), tries
    finally:
        await runtime.stop()


async def test_healthz_in_socket_mode_reports_the_database_the_socket_and_the_ticks(
        fake: FakeSlack, tmp_path: Path, clock: ManualClock) -> None:
    port = free_port()
    settings = run_settings(fake, tmp_path, ServerSettings(port=port))
    runtime = Runtime(settings, Secrets(BOT_TOKEN, APP_TOKEN, None, None), clock=clock)
    await runtime.start()
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(url) as response:
                report = await response.json()
                assert response.status == 200, report
            assert report["database"] is True and report["connected"] == {"slack": True}
            assert report["scheduler"]["ticking"] is True and report["lessons"] > 0
            async with client.get(url + "/live") as response:
                assert response.status == 200
            # Slack drops the websocket and refuses to hand out another: not ready.
            fake.fail_next("apps.connections.open", 500, "internal_error", count=10_000)
            await fake.socket.close()
            deadline = time.monotonic() + 10
            while True:
                async with client.get(url) as response:
                    status, report = response.status, await response.json()
                if report["connected"] == {"slack": False} or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            assert (status, report["connected"], report["ok"]) == (503, {"slack": False},
                                                                   False), report
            # The scheduler stops ticking (no job runs while the clock moves on): not ready.
            assert runtime.service is not None
            runtime.service.scheduler.pause()
            clock.advance(timedelta(minutes=5))
            async with client.get(url) as response:
                report = await response.json()
                assert response.status == 503 and report["scheduler"]["ticking"] is False
            async with client.get(url + "/live") as response:
                assert response.status == 200  # alive all the same: do not restart it
    finally:
        await runtime.stop()


async def test_the_fake_runs_on_its_own_and_records_posts(tmp_path: Path) -> None:
    record = tmp_path / "posted.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.slack_api", "--port", "0", "--record", str(record),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2])
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/")
        client = AsyncWebClient(token=BOT_TOKEN, base_url=base_url)
        assert (await client.auth_test())["user_id"] == "U0BOT"
        channel = (await client.conversations_open(users="U7NEW"))["channel"]["id"]
        await client.chat_postMessage(channel=channel, text="one &amp; two")
        await client.chat_postMessage(channel=channel, text="three")
        lines = record.read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["text"] for line in lines] == ["one &amp; two", "three"]
        assert json.loads(lines[0])["channel"] == channel
    finally:
        process.terminate()
        await process.wait()


async def test_mydata_shares_a_json_file_in_the_dm(bot: SlackBot, fake: FakeSlack) -> None:
    await say(bot, "hello")
    await say(bot, "lesson")
    envelope = await fake.socket.send("events_api", event_body(dm(ANN, "mydata")))
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: bool(fake.shared(ANN_DM)))
    [shared] = fake.shared(ANN_DM)
    assert shared.filename == shared.title == "microlearn-my-data-2026-03-02.json"
    assert shared.initial_comment is not None
    assert "everything microlearn stores about you" in shared.initial_comment
    assert shared.content is not None
    copy = json.loads(shared.content)
    [me] = copy["tables"]["learner"]
    assert (me["platform"], me["platform_user_id"], me["chat_id"]) == ("slack", ANN, ANN_DM)
    assert [row["via"] for row in copy["tables"]["lesson_progress"]] == ["lesson"]
    # The upload went the v2 way: an upload URL, the bytes, then the share.
    assert [call.method for call in fake.calls[-2:]] == ["files.getUploadURLExternal",
                                                         "files.completeUploadExternal"]


async def test_a_lesson_image_in_the_folder_is_shared_just_before_its_lesson(
        fake: FakeSlack, sqlite: Database, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """An image block shows only a URL Slack can fetch: a lesson's own image file is uploaded
    to the DM first; one Slack refuses is logged and the lesson still comes."""
    started = await start_bot(fake, sqlite, clock, lessons=GOOD)
    try:
        await say(started, "hello")
        start = len(fake.calls)
        [text] = await say(started, "learn Spot a phishing email in ten seconds")
        assert "Spot a phishing email" in text
        [shared] = fake.shared(ANN_DM)
        assert shared.filename == "phishing.png"
        assert shared.title == "Spot a phishing email in ten seconds"
        assert shared.content == (GOOD / "security" / "images" / "phishing.png").read_bytes()
        methods = [call.method for call in fake.calls[start:]]
        assert methods.index("files.completeUploadExternal") < methods.index("chat.postMessage")
        # Slack refuses it (a workspace without files:write, say): the lesson comes alone.
        fake.fail_next("files.getUploadURLExternal", 200, "missing_scope")
        [again] = await say(started, "learn Spot a phishing email in ten seconds")
        assert "Spot a phishing email" in again and len(fake.shared(ANN_DM)) == 1
        assert "lesson image phishing.png refused" in caplog.text
        # A lesson without an image uploads nothing.
        await say(started, "learn passwords")
        assert len(fake.shared(ANN_DM)) == 1
    finally:
        await started.stop()


async def test_a_long_lesson_arrives_as_several_posts_slack_takes(
        fake: FakeSlack, sqlite: Database, clock: ManualClock, tmp_path: Path) -> None:
    """Slack refuses a post whose blocks hold more than about 12,000 characters
    (``msg_blocks_too_long``, which the fake enforces): a long lesson goes as several posts,
    and a push that fails between them sends only the rest when it is tried again."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    paragraphs = [f"Part {i}: " + " ".join(f"w{i}x{j}" for j in range(300)) for i in range(14)]
    (folder / "long.md").write_text("---\ntitle: A long read\n---\n\n" + "\n\n".join(
        paragraphs) + "\n\n## Quiz\n\n### Long?\n- [x] yes\n- [ ] no\n", encoding="utf-8")
    started = await start_bot(fake, sqlite, clock, lessons=folder)
    try:
        await enrolled(started, clock)
        fake.fail_next("chat.postMessage", 500, "internal_error", after=1)  # the second post
        assert (await started.tick()).retried == 1
        clock.advance(timedelta(minutes=1))
        assert (await started.tick()).sent == 1
        posts = fake.posted(ANN_DM)[1:]  # after the welcome
        assert len(posts) == 3 and posts[1].text.endswith("(2/3)")
        shown = " ".join(block_texts(post.blocks) for post in posts)
        assert all(paragraph in shown for paragraph in paragraphs)
        assert [call.status for call in fake.calls_to("chat.postMessage")][-4:] == [
            200, 500, 200, 200]  # the first post was not sent again
    finally:
        await started.stop()


async def test_a_checked_track_begins_with_its_baseline_in_block_kit(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    """The security track asks for a check: `lesson` brings the baseline first, each answer
    button leaves the choice without a verdict, and the lesson follows the last; nothing
    earns points."""
    await say(lone_bot, "hello")
    await say(lone_bot, "topics security")
    intro, _ = await say(lone_bot, "lesson", wait=2)
    assert intro.startswith("Before you start Security basics: 4 quick questions")
    assert "skip check" in intro
    for number in range(4):
        question = fake.posted(ANN_DM)[-1]
        assert f"Quick check {number + 1} of 4" in block_texts(question.blocks)
        actions = next(block for block in question.blocks if block["type"] == "actions")
        posted = len(fake.posted(ANN_DM))
        press = button_press(ANN, {"ts": question.ts, "text": question.text,
                                   "blocks": question.blocks}, ANN_DM, 0)
        envelope = await fake.socket.send("interactive", press)
        await fake.socket.wait_ack(envelope, timeout=3)
        await fake.wait_for(lambda q=question, p=posted: bool(q.edits)  # type: ignore[misc]
                            and len(fake.posted(ANN_DM)) > p)
        shown = block_texts(question.blocks)
        assert actions not in question.blocks and "You answered" in shown
        assert "Right!" not in shown and "Not quite" not in shown
    await asyncio.sleep(0.2)  # nothing else should follow
    after = block_texts([block for post in fake.posted(ANN_DM)[-2:] for block in post.blocks])
    assert "Thanks: that is your starting point" in after
    assert after.index("starting point") < after.index("Spot a phishing email in ten seconds")
    learner = lone_bot.learner(ANN)
    assert learner is not None
    with lone_bot.database.session() as session:
        assert Points(session).total(learner.id) == 0
        assert session.execute(text(
            "SELECT phase, answered FROM track_check")).all() == [("pre", 4)]


async def test_typed_baseline_answers_take_their_questions_buttons_off(
        lone_bot: SlackBot, fake: FakeSlack) -> None:
    """A baseline answer has no feedback of its own, yet typed it closes its question as a
    press does (the last one too, and a "skip"), with no verdict."""
    await say(lone_bot, "hello")
    await say(lone_bot, "topics security")
    await say(lone_bot, "lesson", wait=2)
    questions = []
    for number, typed in enumerate(("1", "skip", "2", "1")):
        question = fake.posted(ANN_DM)[-1]
        assert any(block["type"] == "actions" for block in question.blocks)
        questions.append(question)
        await say(lone_bot, typed, wait=None if number == 3 else 1)
        await fake.wait_for(lambda q=question: bool(q.edits))  # type: ignore[misc]
    for question, typed in zip(questions, ("*1)", "skip", "*2)", "*1)"), strict=True):
        shown = block_texts(question.blocks)
        assert not any(block["type"] == "actions" for block in question.blocks)
        assert "You answered" in shown and typed in shown.lower(), shown
        assert "Right!" not in shown and "Not quite" not in shown
    await fake.wait_for(lambda: "starting point" in block_texts(
        [block for post in fake.posted(ANN_DM) for block in post.blocks]))


async def test_a_question_asks_how_sure_with_a_row_of_buttons_per_choice(
        lone_bot: SlackBot, fake: FakeSlack, clock: ManualClock) -> None:
    """With [schedule] confidence: a row of sure / think so / guessing per choice; one press
    answers, says how sure, and the question shows both with the result."""
    from dataclasses import replace

    lone_bot.engine.settings = replace(lone_bot.engine.settings, confidence=True)
    await say(lone_bot, "hello")
    await say(lone_bot, "lesson")
    await say(lone_bot, "done")
    await asyncio.sleep(0.2)  # what follows "done" (its rating) is posted too
    clock.set(clock.now() + timedelta(days=1))
    await say(lone_bot, "quiz")
    question = fake.posted(ANN_DM)[-1]
    rows = [block for block in question.blocks if block["type"] == "actions"]
    assert len(rows) >= 3 and all(len(row["elements"]) == 3 for row in rows)
    assert [element["text"]["text"] for element in rows[0]["elements"]] == [
        "1 · sure", "1 · think so", "1 · guessing"]
    assert "how sure you are" in block_texts(question.blocks)
    actions = rows[0]
    ask_id = int(str(actions["block_id"]).removeprefix("ask-").split("-")[0])
    with lone_bot.database.session() as session:
        ask = Asks(session).get(ask_id)
    assert ask is not None
    lesson = lone_bot.engine.catalog.get(ask.lesson_id)
    assert lesson is not None
    right = next(q for q in lesson.questions if q.key == ask.question_key).correct_indexes[0]
    wrong = (right + 1) % len(rows)
    # Sure, and wrong: the misconception the trainers will see.
    press = {"ts": question.ts, "text": question.text, "blocks": question.blocks}
    payload = button_press(ANN, press, ANN_DM, 0)
    target = rows[wrong]["elements"][0]  # the wrong choice's "sure"
    payload["actions"][0].update(action_id=target["action_id"], value=target["value"],
                                 text=target["text"], block_id=rows[wrong]["block_id"])
    envelope = await fake.socket.send("interactive", payload)
    await fake.socket.wait_ack(envelope, timeout=3)
    await fake.wait_for(lambda: bool(question.edits))
    shown = block_texts(question.blocks)
    question_of = next(q for q in lesson.questions if q.key == ask.question_key)
    words = json.dumps(question_of.choices[wrong].text, ensure_ascii=False)[1:-1]
    # The choice's words and how sure, not the button's label ("2 · sure").
    assert f"You answered: *{wrong + 1}) {words} · sure*" in shown and "You were sure" in shown
    assert not any(block["type"] == "actions" for block in question.blocks)
    with lone_bot.database.session() as session:
        assert session.execute(text("SELECT confidence, correct FROM answer")).all() == [
            ("s", False)]
