"""The Telegram adapter end to end: the real python-telegram-bot client against the fake Bot API
(tests/fakes/telegram_api.py), the real engine and database, scheduled pushes through the real
due scan and dispatcher on a manual clock."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from telegram import Bot as TelegramBot
from telegram.error import RetryAfter

from bot.adapters.inbound_limit import PAUSE, InboundLimit
from bot.adapters.pacing import Pacer
from bot.adapters.telegram import adapter as adapter_module
from bot.adapters.telegram import create
from bot.adapters.telegram.adapter import COMMANDS, TelegramAdapter
from bot.adapters.telegram.formatting import MESSAGE_LIMIT
from bot.adapters.telegram.webhook import SECRET_HEADER
from bot.app import BotHost, Runtime, serve
from bot.config import Secrets, Settings
from bot.content.catalog import Catalog
from bot.engine.engine import Engine, EngineSettings
from bot.errors import AdapterStartError
from bot.messages import Inbound, Outbound
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchResult
from scheduler.due import DueScan
from storage import Database
from storage.records import Learner
from storage.repositories import Deliveries, Learners, Points, Progress
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import TELEGRAM_TOKEN
from tests.fakes.network import free_port
from tests.fakes.recording import RecordedWaits
from tests.fakes.scratch import scratch_database
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e

TOKEN = TELEGRAM_TOKEN
GOOD = Path(__file__).resolve().parents[1] / "data" / "lessons" / "good"
MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
ADA = 4201
BOB = 4202
FAST = (1000.0, 200.0)
"""Pacing for flow tests (per second overall, per chat); the pacing test uses the real 30/1."""



@dataclass
class Bot:
    """A running Telegram adapter with its engine, on a manual clock."""

    fake: FakeTelegram
    adapter: TelegramAdapter
    engine: Engine
    database: Database
    clock: ManualClock
    host: BotHost
    results: list[DispatchResult] = field(default_factory=list)

    async def due(self) -> DispatchResult:
        """One tick of the scheduler: the due scan, then the dispatcher."""
        await asyncio.to_thread(DueScan(self.database).run, self.clock.now())
        dispatcher = Dispatcher(self.database, self.engine, {self.adapter.platform: self.adapter},
                                self.clock)
        await asyncio.to_thread(dispatcher.register)
        result = await dispatcher.dispatch()
        await dispatcher.close()
        self.results.append(result)
        return result

    def learner(self, user_id: int = ADA) -> Learner | None:
        with self.database.session() as session:
            return Learners(session).find("telegram", str(user_id))

    def deliveries(self, user_id: int = ADA) -> dict[str, int]:
        with self.database.session() as session:
            return Deliveries(session).counts()

    def points(self, user_id: int = ADA) -> int:
        learner = self.learner(user_id)
        assert learner is not None
        with self.database.session() as session:
            return Points(session).total(learner.id)

    async def says(self, text: str, user_id: int = ADA, count: int = 1,
                   **details: Any) -> list[SentMessage]:
        """A user writes; the replies that came (waits for ``count`` new ones)."""
        chat = details.get("chat_id", user_id)
        before = len(self.fake.sent_to(chat))
        self.fake.push_message(user_id, text, **details)
        await self.fake.wait_sent(before + count, chat)
        await asyncio.sleep(0.05)  # nothing else should follow
        return self.fake.sent_to(chat)[before:]


Start = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def start_bot(fake: FakeTelegram, database: Database) -> AsyncIterator[Start]:
    """Starts the adapter (options: quiz_style, mode, pacing, retries, lessons, the inbound
    limit as (per_minute, burst): none by default)."""
    running: list[TelegramAdapter] = []

    async def start(quiz_style: str = "buttons", pacing: tuple[float, float] = FAST,
                    rate_limit_retries: int = 2, lessons: Path = GOOD,
                    host: BotHost | None = None, limit: tuple[int, int] = (0, 1)) -> Bot:
        settings = Settings.model_validate({
            "lessons": {"dir": str(lessons)},
            "telegram": {"enabled": True, "api_base_url": fake.base_url,
                         "quiz_style": quiz_style}})
        catalog = Catalog(lessons)
        catalog.load()
        engine = Engine(database, catalog, EngineSettings())
        clock = ManualClock(MONDAY)
        adapter = TelegramAdapter(settings.telegram, TOKEN, lessons, pacer=Pacer(*pacing),
                                  rate_limit_retries=rate_limit_retries)
        gate = InboundLimit(*limit, lambda: clock.now().timestamp()) if limit[0] else None
        bot_host = host or BotHost(engine, clock, gate)
        await adapter.start(bot_host)
        running.append(adapter)
        return Bot(fake, adapter, engine, database, clock, bot_host)

    yield start
    for adapter in running:
        await adapter.stop()


def local(day: int, hhmm: str) -> datetime:
    """A Berlin wall-clock time in the test week (day 0 = Monday 30 Nov 2026, UTC+1)."""
    hours, minutes = map(int, hhmm.split(":"))
    return MONDAY.replace(hour=0, minute=0) + timedelta(days=day, hours=hours - 1,
                                                        minutes=minutes)


# -- the whole journey -----------------------------------------------------------------------


async def test_a_learner_goes_from_start_to_forget(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    assert [c["command"] for c in fake.commands] == [name for name, _ in COMMANDS]

    # /start greets, enrols and explains the settings.
    [welcome] = await bot.says("/start", first_name="Ada", last_name="Lovelace")
    assert "Welcome to microlearn" in welcome.text and "timezone Europe/Berlin" in welcome.text
    learner = bot.learner()
    assert learner is not None and learner.chat_id == str(ADA)
    assert learner.display_name == "Ada Lovelace"

    # Settings, typed as a command with the bot's name (as a group would send it).
    [saved] = await bot.says("/timezone@microlearn_bot Europe/Berlin")
    assert saved.text.startswith("Saved.") and "Europe/Berlin" in saved.text
    assert (learner := bot.learner()) is not None and learner.time_zone == "Europe/Berlin"

    # The scheduled lesson at 09:00 Berlin: the lesson's image with the lesson as its caption.
    bot.clock.set(local(0, "09:00"))
    result = await bot.due()
    assert result.sent == 1
    lesson = fake.sent_to(ADA)[2]
    assert lesson.method == "sendPhoto" and lesson.photo and lesson.photo.startswith("upload:")
    assert lesson.text.startswith("Spot a phishing email in ten seconds\n")
    assert {"type": "bold", "offset": 0, "length": 36} in lesson.entities
    assert "**" not in lesson.text  # Markdown became Telegram formatting
    assert bot.deliveries() == {"sent": 1}
    assert bot.points() == 0  # delivered, not yet read

    # "Got it" under the lesson counts it: the press's pop-up says what it earned, the button
    # goes, and the badge it completes follows as a message.
    [(label, data)] = lesson.buttons
    assert label == "Got it ✓" and data.startswith("read:") and len(data.encode()) <= 64
    fake.press_button(ADA, lesson, index=0)
    await fake.wait_sent(4, ADA)
    assert list(fake.callback_answers.values()) == [
        '"Spot a phishing email in ten seconds" counts as read: +5 points (5 in all).']
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, lesson.message_id))
    assert fake.sent_to(ADA)[3].text == "New badge: First lesson!"
    assert bot.points() == 5

    # Then "was it useful?" with two buttons: a press keeps the verdict, its pop-up thanks,
    # and the buttons go. "Not useful" invites a word on what was missing, in a message.
    await fake.wait_sent(5, ADA)
    rate = fake.sent_to(ADA)[4]
    assert rate.text == 'Was "Spot a phishing email in ten seconds" useful?'
    assert [label for label, _ in rate.buttons] == ["👍 Useful", "👎 Not useful"]
    assert all(len(data.encode()) <= 64 for _, data in rate.buttons)
    fake.press_button(ADA, rate, index=1)
    await fake.wait_sent(6, ADA)
    assert "What would have made" in fake.sent_to(ADA)[5].text
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, rate.message_id))
    assert [sent.text for sent in await bot.says("The example was too long")] == [
        'Thanks: your words on "Spot a phishing email in ten seconds" go to the trainers.']
    with bot.database.session() as session:
        assert session.execute(text("SELECT useful, comment FROM lesson_rating")).one() == (
            False, "The example was too long")

    # Tuesday: the next lesson at 09:00, then at 15:00 the first review question, with an
    # answer button per choice.
    bot.clock.set(local(1, "09:00"))
    assert (await bot.due()).sent == 1
    assert fake.sent_to(ADA)[7].text.startswith("Passphrases beat passwords")
    bot.clock.set(local(1, "15:00"))
    assert (await bot.due()).sent == 1
    question = fake.sent_to(ADA)[-1]
    assert "Which is the strongest sign of a phishing email?" in question.text
    assert [label for label, _ in question.buttons] == [
        "1) It comes from an address you know",
        "2) It urges you to act now and log in through a link", "3) It has the company logo"]
    assert all(data.startswith("a:") and len(data.encode()) <= 64 for _, data in question.buttons)

    # Answered by button: the press is answered, the question shows the result, and the next
    # question comes, here as a native quiz poll (as with quiz_style = "poll").
    bot.adapter.renderer.quiz_style = "poll"
    points = bot.points()
    fake.press_button(ADA, question, index=1)
    await fake.wait_for(lambda: fake.sent_to(ADA)[-1].method == "sendPoll")
    assert list(fake.callback_answers.values())[-1] == "Right!"
    edited = fake.message(ADA, question.message_id)
    assert "reply_markup" not in edited
    assert "✅ Your answer: 2) It urges you to act now" in edited["text"]
    assert "Points: " in edited["text"]
    assert bot.points() == points + 10

    assert fake.sent_to(ADA)[-2].text.startswith("Question 2 of 2 (Spot a phishing email in "
                                                 "ten seconds)\nYour manager is on holiday")
    poll = fake.sent_to(ADA)[-1].poll
    assert poll is not None and poll["type"] == "quiz" and poll["is_anonymous"] is False
    assert poll["question"].startswith("2/2 · ")
    assert poll["correct_option_ids"] == [0, 2] and poll["allows_multiple_answers"] is True
    before = len(fake.sent_to(ADA))
    fake.answer_poll(ADA, poll["id"], [0, 2])
    replies = (await fake.wait_sent(before + 2, ADA))[before:]
    assert replies[0].text.startswith("Right!") and "Points: " in replies[0].text
    assert "That's all for now" in replies[1].text
    assert bot.points() == points + 20

    # Free text is a lookup.
    [found] = await bot.says("how do I use a password manager")
    assert found.text.startswith("Passphrases beat passwords")

    # forget asks first, then deletes everything.
    [confirm] = await bot.says("forget")
    assert "forget confirm" in confirm.text
    [gone] = await bot.says("forget confirm")
    assert "deleted everything about you" in gone.text
    assert bot.learner() is None
    assert fake.unanswered_callbacks() == []


async def test_a_select_all_question_is_ticked_then_submitted(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start")
    await bot.says("lesson")  # the phishing lesson
    bot.clock.set(local(1, "10:00"))
    [first] = await bot.says("quiz")
    fake.press_button(ADA, first, index=1)  # right: the select-all question comes next
    await fake.wait_for(lambda: "Select all that apply" in fake.sent_to(ADA)[-1].text)
    multi = fake.sent_to(ADA)[-1]
    assert [label for label, _ in multi.buttons][-1] == "Submit"

    for index in (0, 2):
        edits = len(fake.edits)
        current = SentMessage(**{**multi.__dict__})
        current.reply_markup = fake.message(ADA, multi.message_id)["reply_markup"]
        fake.press_button(ADA, current, index=index)
        await fake.wait_for(lambda edits=edits: len(fake.edits) > edits)  # type: ignore[misc]
    labels = [b["text"] for row in fake.message(ADA, multi.message_id)["reply_markup"][
        "inline_keyboard"] for b in row]
    assert labels[0].startswith("☑ 1)") and labels[1].startswith("☐ 2)")
    assert labels[2].startswith("☑ 3)")

    submit = SentMessage(**{**multi.__dict__})
    submit.reply_markup = fake.message(ADA, multi.message_id)["reply_markup"]
    pressed = fake.press_button(ADA, submit, index=3)
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, multi.message_id))
    text = fake.message(ADA, multi.message_id)["text"]
    assert "✅ Your answer: 1) Report it with the phishing button; 3) Delete it after" in text
    await fake.wait_for(lambda: not fake.unanswered_callbacks())
    # Submit is answered once, with the result in its pop-up (a second answer is refused)
    assert fake.callback_answers[pressed["callback_query"]["id"]] == "Right!"
    refused = [call for call in fake.calls_of("answerCallbackQuery") if call.status != 200]
    assert refused == [], refused


async def test_quiz_on_a_topic_asks_its_lessons_questions_one_after_another(
        start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start")
    replies = await bot.says("/quiz phishing")
    texts = [message.text for message in replies]
    assert texts[0] == ('Quiz on "Spot a phishing email in ten seconds": 2 questions (they join '
                        'your reviews too).')
    assert texts[1].startswith("Question 1 of 2")
    first = replies[-1]
    assert first.buttons, texts
    fake.press_button(ADA, first, index=1)  # right: the lesson's select-all question follows
    await fake.wait_for(lambda: "Select all that apply" in fake.sent_to(ADA)[-1].text)
    assert bot.points() == 10
    # Asked in words the next day: the quiz on it begins again.
    bot.clock.set(local(1, "10:00"))
    replies = await bot.says("can you quiz me about phishing?")
    assert replies[0].text.startswith('Quiz on "Spot a phishing email in ten seconds"')


async def reviewing(start_bot: Start, quiz_style: str = "buttons") -> Bot:
    """Ada, who read a lesson yesterday: the next `quiz` asks one of its questions."""
    bot = await start_bot(quiz_style=quiz_style)
    await bot.says("/start")
    await bot.says("lesson")
    bot.clock.set(local(1, "10:00"))
    return bot


async def test_a_flood_is_read_up_to_the_limit_told_once_and_read_again_after_a_minute(
        start_bot: Start) -> None:
    """A script with Ada's account sends 40 updates at once, a button press among them: 3
    are read, the press (the first over) is told in its pop-up, nothing else is answered;
    Bob, writing meanwhile, is answered; after the pause Ada is read again."""
    bot = await start_bot(limit=(6, 3))
    fake = bot.fake
    await bot.says("/start")
    [lesson] = await bot.says("lesson")
    await bot.says("help")
    done = lesson.buttons[0][1]
    fake.press_button(ADA, lesson, data=done)
    await fake.wait_for(lambda: len(fake.callback_answers) == 1)
    assert list(fake.callback_answers.values()) == [
        "You're sending messages faster than I can read them; I'll read again in a minute."]
    before = len(fake.sent_to(ADA))
    for number in range(38):
        fake.push_message(ADA, f"spam {number}")
    fake.press_button(ADA, lesson, data=done)
    [welcome] = await bot.says("/start", user_id=BOB)  # Bob is read while Ada floods
    assert "Welcome to microlearn" in welcome.text
    await fake.wait_for(lambda: len(fake.callback_answers) == 2)
    assert list(fake.callback_answers.values())[1] is None  # answered, the spinner stops
    # Ada's updates are handled in order: the press answered, the 38 before it were too.
    assert fake.pending_updates == 0
    await asyncio.sleep(0.3)  # a reply to the flood would show by now
    assert len(fake.sent_to(ADA)) == before  # nothing read, nothing said
    with bot.database.session() as session:  # the presses were not read: the lesson is unread
        assert Progress(session).count() == 1 and Progress(session).count(read=True) == 0
    bot.clock.advance(timedelta(seconds=PAUSE))
    [profile] = await bot.says("me")
    assert profile.text.startswith("Ada: ")


async def test_a_button_pressed_twice_counts_once(start_bot: Start) -> None:
    bot = await reviewing(start_bot)
    fake = bot.fake
    [question] = await bot.says("quiz")
    fake.press_button(ADA, question, index=0)
    await fake.wait_for(lambda: len(fake.callback_answers) == 1)
    points = bot.points()
    fake.press_button(ADA, question, data=question.buttons[1][1])  # an old keyboard, again
    await fake.wait_for(lambda: len(fake.callback_answers) == 2)
    assert list(fake.callback_answers.values())[1] == "You already answered that one: it counts once."
    assert bot.points() == points


async def test_a_typed_answer_takes_the_questions_buttons_off(start_bot: Start) -> None:
    """Left, they invited a second answer ("You already answered that one")."""
    bot = await reviewing(start_bot)
    fake = bot.fake
    [question] = await bot.says("quiz")
    assert question.buttons
    feedback, *_ = await bot.says("2")
    assert feedback.text.startswith(("Right", "Not quite"))
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, question.message_id))
    # It shows the answer typed, as a press's question does, after the question as it was.
    shown = fake.message(ADA, question.message_id)["text"]
    assert shown.startswith(question.text) and shown.endswith(
        f"Your answer: 2) {question.buttons[1][0].removeprefix('2) ')}")


async def test_a_press_takes_the_buttons_off_every_copy_of_the_question(
        start_bot: Start) -> None:
    """A question shown again (asked for again, the next day's quiz, its reminder) and
    answered on one copy: the other copies' buttons only invited "already answered"."""
    bot = await reviewing(start_bot)
    fake = bot.fake
    [first] = await bot.says("quiz")
    [again] = await bot.says("quiz")
    assert first.buttons and again.buttons and again.message_id != first.message_id
    fake.press_button(ADA, first, index=0)
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, again.message_id))
    assert "reply_markup" not in fake.message(ADA, first.message_id)


async def test_a_typed_answer_closes_the_questions_quiz_poll(start_bot: Start) -> None:
    bot = await reviewing(start_bot, quiz_style="poll")
    fake = bot.fake
    # Named first, as a question with buttons is (a typed `quiz` had sent the bare poll).
    intro, poll = await bot.says("quiz", count=2)
    assert intro.text == "Question (Spot a phishing email in ten seconds)"
    assert poll.method == "sendPoll"
    await bot.says("skip")
    assert fake.message(ADA, poll.message_id)["poll"]["is_closed"] is True


async def test_a_lookup_earns_nothing_and_its_button_adds_its_questions(
        start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start")
    [found] = await bot.says("how do I spot a phishing email")
    assert found.text.startswith("Spot a phishing email in ten seconds")
    assert [label for label, _ in found.buttons] == ["Add to my reviews", "Not what I asked"]
    assert bot.points() == 0
    fake.press_button(ADA, found, index=0)
    await fake.wait_for(lambda: bool(fake.callback_answers))
    [toast] = fake.callback_answers.values()
    assert toast is not None and toast.startswith(
        'Added: 2 questions of "Spot a phishing email in ten seconds" will come back')
    # The pop-up comes first, then the buttons go: wait for both.
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, found.message_id))
    assert bot.points() == 0
    # "Not what I asked" under the next answer: the question goes to the trainers' list.
    [again] = await bot.says("how do I spot a phishing email")
    assert [label for label, _ in again.buttons] == ["Not what I asked"]  # added already
    fake.press_button(ADA, again, index=0)
    await fake.wait_for(lambda: any("to the trainers" in m.text for m in fake.sent_to(ADA)))
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, again.message_id))
    bot.clock.set(local(1, "10:00"))
    [question] = await bot.says("quiz")
    assert "phishing" in question.text


async def test_a_lesson_offered_by_did_you_mean_is_one_press_or_number_away(
        start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start")
    [offered] = await bot.says("email about a password reset")
    assert offered.text.startswith('I have no lesson on "email about a password reset".')
    assert "1. Spot a phishing email in ten seconds\n2. Passphrases beat passwords" in \
        offered.text
    assert [label for label, _ in offered.buttons] == [
        "1) Spot a phishing email in ten seconds", "2) Passphrases beat passwords"]
    fake.press_button(ADA, offered, index=1)
    await fake.wait_for(lambda: fake.sent_to(ADA)[-1].text.startswith(
        "Passphrases beat passwords"))
    assert fake.message(ADA, offered.message_id).get("reply_markup")  # another can be picked
    # Typed, on another question: "yes" to its one lesson offered.
    [again] = await bot.says("my password expired yesterday")
    assert again.text.endswith('Did you mean "Passphrases beat passwords"? Reply "yes" to read it.')
    [picked] = await bot.says("yes")
    assert picked.text.startswith("Passphrases beat passwords")
    assert [label for label, _ in picked.buttons][-1] == "Not what I asked"


# -- pacing and faults -----------------------------------------------------------------------


def long_lesson(folder: Path, paragraphs: int = 6) -> Path:
    """A lesson too long for one message (about 6,000 characters), hostile characters and
    all."""
    body = "\n\n".join(f"Paragraph {n}: <b>not bold</b> & {'words ' * 160}end {n}."
                       for n in range(1, paragraphs + 1))
    (folder / "long.md").write_text(
        f"---\ntitle: A <long> & \"tricky\" lesson\ntopic: misc\n---\n{body}\n", encoding="utf-8")
    return folder


async def enrol(bot: Bot, user_id: int) -> None:
    await bot.says("/start", user_id=user_id)


async def test_a_long_lesson_is_split_on_paragraphs_under_the_limit(
        start_bot: Start, tmp_path: Path) -> None:
    bot = await start_bot(lessons=long_lesson(tmp_path))
    await enrol(bot, ADA)
    bot.clock.set(local(0, "09:00") - timedelta(hours=-1))  # 09:00 UTC: the default zone
    assert (await bot.due()).sent == 1
    parts = bot.fake.sent_to(ADA)[1:]
    assert len(parts) == 2
    assert parts[0].buttons == [] and [label for label, _ in parts[1].buttons] == ["Got it ✓"]
    assert all(len(part.text.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for part in parts)
    assert parts[0].text.startswith('A <long> & "tricky" lesson')
    assert parts[0].text.rstrip().endswith("end 4.")  # cut between paragraphs
    assert parts[1].text.startswith("Paragraph 5: <b>not bold</b> & words")
    assert "&amp;" not in "".join(part.text for part in parts)


async def test_a_link_to_another_lesson_says_how_to_open_it_and_that_opens_it(
        start_bot: Start) -> None:
    # basics/report.md links to security/spot.md (and to a handout the bot cannot send).
    bot = await start_bot(lessons=GOOD.parent / "linked")
    await enrol(bot, ADA)
    bot.clock.set(local(0, "09:00") - timedelta(hours=-1))  # 09:00 UTC: the default zone
    assert (await bot.due()).sent == 1  # the day's lesson, through the outbox
    pushed = bot.fake.sent_to(ADA)[-1]
    assert pushed.text.startswith("Report a phishing mail")
    assert pushed.text.endswith('First read how to spot one (type "learn Spot a phishing '
                                'mail") & print the checklist.')
    assert "href" not in pushed.raw and "spot.md" not in pushed.raw
    [found] = await bot.says("learn Spot a phishing mail")
    assert found.text.startswith("Spot a phishing mail\n")


async def test_pushes_and_replies_keep_to_telegrams_rates(
        start_bot: Start, tmp_path: Path) -> None:
    bot = await start_bot(pacing=(30, 1), lessons=long_lesson(tmp_path))
    fake = bot.fake
    for user in (1, 2, 3):
        await enrol(bot, user)
    fake.limits(global_per_second=30, per_chat_per_second=1)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    started = time.monotonic()
    result = await bot.due()
    assert result.sent == 3 and fake.rejected == 0
    for user in (1, 2, 3):
        first, second = fake.sent_to(user)[1:]  # a lesson in two parts
        assert first.text.startswith("A <long>") and second.text.startswith("Paragraph 5")
        assert second.time - first.time >= 0.95  # one message a second in a chat
    assert time.monotonic() - started < 3


async def test_a_429_waits_for_retry_after_then_sends_once(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("sendPhoto", 429, retry_after=1)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert result.sent == 1
    refused, accepted = fake.calls_of("sendPhoto")
    assert refused.status == 429 and accepted.status == 200
    assert accepted.time - refused.time >= 1.0
    assert [m.method for m in fake.sent_to(ADA)] == ["sendMessage", "sendPhoto"]


async def test_a_429_beyond_the_retries_pauses_the_platform_and_retries_later(
        start_bot: Start, database: Database) -> None:
    bot = await start_bot(rate_limit_retries=0)
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("sendPhoto", 429, retry_after=1)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert result.retried == 1 and result.sent == 0
    assert bot.adapter.pacer.paused_for > 0.5
    bot.clock.advance(timedelta(seconds=2))
    assert (await bot.due()).sent == 1
    assert [m.method for m in fake.sent_to(ADA)] == ["sendMessage", "sendPhoto"]
    with database.session() as session:
        assert Deliveries(session).counts() == {"sent": 1}


async def test_a_500_half_way_is_retried_without_repeating_what_went_out(
        start_bot: Start, tmp_path: Path) -> None:
    bot = await start_bot(lessons=long_lesson(tmp_path))
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("sendMessage", 500, chat_id=ADA, after=1)  # the lesson's second part
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert result.retried == 1
    assert len(fake.sent_to(ADA)) == 2  # the welcome and the lesson's first part
    bot.clock.advance(timedelta(minutes=5))
    assert (await bot.due()).sent == 1
    parts = fake.sent_to(ADA)[1:]  # each part once, the button on the last
    assert len(parts) == 2 and parts[0].text.startswith("A <long>")
    assert parts[1].text.startswith("Paragraph 5") and parts[1].buttons
    with bot.database.session() as session:
        assert Deliveries(session).counts() == {"sent": 1}


async def test_a_slow_platform_is_waited_for_not_sent_to_twice(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.slow_next(6.0)  # Telegram takes the lesson, and answers only 6 s later
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    # A read time-out would leave the outcome unknown and the retry would send it again.
    assert (result.sent, result.retried) == (1, 0), result
    assert len(fake.sent_to(ADA)) == 2  # the welcome, and the lesson once


async def test_a_reply_survives_a_passing_server_error(start_bot: Start) -> None:
    bot = await start_bot()
    await enrol(bot, ADA)
    bot.fake.fail_next("sendMessage", 502, chat_id=ADA)
    [reply] = await bot.says("help")
    assert reply.text.startswith("Here is what I understand")


PROXY_PAGE = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
              "Gateway</h1></center><hr><center>nginx</center></body></html>")


async def test_a_proxys_error_page_is_one_line_in_the_log_without_the_page(
        start_bot: Start, caplog: pytest.LogCaptureFixture) -> None:
    """A 502 that is a proxy's HTML page, not the API's JSON (Telegram's front end answers so
    while it restarts): PTB logged an ERROR with a traceback for every try of every learner,
    and each of the dispatcher's lines quoted the whole page."""
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("*", 502, chat_id=ADA, page=PROXY_PAGE)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    caplog.clear()
    assert (await bot.due()).retried == 1
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
    [warning] = [record.getMessage() for record in caplog.records
                 if record.levelno == logging.WARNING]
    assert "Bad Gateway (502)" in warning and "nginx" not in warning, warning
    bot.clock.advance(timedelta(minutes=5))
    assert (await bot.due()).sent == 1


async def test_a_lesson_whose_reply_never_arrived_is_taken_back_and_comes_again(
        start_bot: Start) -> None:
    """`lesson` records the lesson as the learner's; when Telegram takes none of the reply
    (an outage past the retries), it is taken back: the next `lesson` brings it again, rather
    than the one after it while its questions come up for review."""
    bot = await start_bot()
    bot.adapter.network_retries = 0
    await enrol(bot, ADA)
    bot.fake.fail_next("*", 500, chat_id=ADA)  # the lesson's first part, photo or text
    bot.fake.push_message(ADA, "lesson")
    await bot.fake.wait_for(lambda: bool(bot.fake.refused_sends()))

    def had() -> int:
        with bot.database.session() as session:
            return Progress(session).count()
    await bot.fake.wait_for(lambda: had() == 0)  # taken back
    await bot.fake.wait_for(lambda: any(  # and said so
        "did not take that lesson" in sent.text for sent in bot.fake.sent_to(ADA)))
    [refused] = bot.fake.refused_sends()
    lost = str(refused.params.get("caption") or refused.params.get("text") or "")
    lesson, *rest = await bot.says("lesson")
    assert [sent.text for sent in rest] == [], rest
    assert lesson.method == refused.method and had() == 1
    assert lesson.text.split("\n")[0] in lost  # the same lesson, not the one after it


async def test_a_lesson_that_did_not_go_takes_the_notes_after_it_along(
        start_bot: Start) -> None:
    """A `lesson` whose lesson Telegram refused, while its note on the lesson before went out,
    had counted as reached: the learner saw only "(You didn't mark ... as read)", and the next
    `lesson` named the lesson they never got (an acceptance tester's stand-in found it)."""
    bot = await start_bot()
    bot.adapter.network_retries = 0
    await enrol(bot, ADA)
    await bot.says("lesson")  # the first lesson, not marked read

    def had() -> int:
        with bot.database.session() as session:
            return Progress(session).count()
    assert had() == 1
    before = len(bot.fake.sent_to(ADA))
    bot.fake.fail_next("*", 500, chat_id=ADA)  # the second lesson's first part
    bot.fake.push_message(ADA, "lesson")
    await bot.fake.wait_sent(before + 1, ADA)
    await bot.fake.wait_for(lambda: had() == 1)  # taken back
    [sorry] = bot.fake.sent_to(ADA)[before:]
    assert "did not take that lesson" in sorry.text and "mark" not in sorry.text
    [refused] = bot.fake.refused_sends()
    lost = str(refused.params.get("caption") or refused.params.get("text") or "")
    lesson, *_ = await bot.says("lesson")
    assert lesson.text.split("\n")[0] in lost and had() == 2  # the same lesson, now


async def test_a_reply_telegram_answers_too_late_is_not_sent_again_nor_taken_back(
        start_bot: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram took the reply and answered after the read time-out: it had been sent three
    times, then the lesson in it taken back as "never arrived" (a fourth copy came next)."""
    from bot.adapters.telegram import adapter as telegram_adapter
    monkeypatch.setattr(telegram_adapter, "SEND_READ_TIMEOUT", 0.3)
    bot = await start_bot()
    await enrol(bot, ADA)
    before = len(bot.fake.sent_to(ADA))
    bot.fake.slow_next(1.0)  # the lesson's first part is taken, answered a second later
    bot.fake.push_message(ADA, "lesson")
    await bot.fake.wait_sent(before + 1, ADA)
    await asyncio.sleep(1.5)  # time for retries, were there any
    first = bot.fake.sent_to(ADA)[before:]
    assert len({sent.text for sent in first}) == len(first)  # no part twice

    def had() -> int:
        with bot.database.session() as session:
            return Progress(session).count()
    assert had() == 1  # kept: it may well have reached her
    [following, *_] = await bot.says("lesson")
    assert following.text.split("\n")[0] not in first[0].text  # the next lesson, not again


async def test_a_shutdown_waits_for_replies_only_so_long(
        start_bot: Start, caplog: pytest.LogCaptureFixture) -> None:
    """A reply Telegram answered slowly held a SIGTERM for 93 s: past any stop grace, the
    process would be killed mid-send."""
    bot = await start_bot()
    await enrol(bot, ADA)
    bot.fake.slow_next(30.0)
    bot.fake.push_message(ADA, "help")
    await bot.fake.wait_for(lambda: len(bot.adapter._work) > 0)  # being answered
    await asyncio.wait_for(bot.adapter.quiesce(timeout=0.5), timeout=10)
    assert "1 updates were still being answered" in caplog.text
    assert not bot.adapter._work
    # stop() after it does not wait again, and a webhook's update meanwhile is refused
    # (Telegram sends it again, to a replica that is not stopping).
    bot.fake.slow_next(30.0)
    bot.fake.push_message(ADA, "help")
    caplog.clear()
    await asyncio.wait_for(bot.adapter.quiesce(timeout=5), timeout=1)
    assert "waiting for" not in caplog.text
    from bot.adapters.telegram.webhook import Outcome
    assert await bot.adapter._accept(bot.fake.message_update(ADA, "me"), False) \
        is Outcome.STOPPING


async def test_a_token_refused_for_a_moment_costs_no_lesson(start_bot: Start) -> None:
    """A 401 is the bot's trouble, not the learner's: the day's lesson waits and goes once the
    token works again (it used to be failed for good)."""
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("sendPhoto", 401, chat_id=ADA)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert (result.sent, result.failed, result.retried) == (0, 0, 1), result
    bot.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    result = await bot.due()
    assert result.sent == 1, result
    assert len(fake.sent_to(ADA)) == 2  # the welcome, and the lesson


async def test_a_sticker_is_its_emoji_and_a_voice_message_gets_what_the_bot_reads(
        start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    sticker = fake.message_update(ADA, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "S1", "file_unique_id": "S1u", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "\U0001F44D"}
    before = len(fake.sent_to(ADA))
    fake.push_update(sticker)
    [ack] = (await fake.wait_sent(before + 1, ADA))[before:]
    voice = fake.message_update(ADA, "x")
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "V1", "file_unique_id": "V1u", "duration": 3}
    fake.push_update(voice)
    [told] = (await fake.wait_sent(before + 2, ADA))[before + 1:]
    assert "I read text only" not in ack.text  # a thumbs-up is acknowledged like typed
    assert told.text.startswith("I read text only: type your question")


async def test_a_learner_who_blocked_the_bot_is_paused(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.fail_next("sendPhoto", 403)  # "Forbidden: bot was blocked by the user"
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert result.failed == 1
    learner = bot.learner()
    assert learner is not None and learner.unreachable and "blocked" in learner.unreachable
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    result = await bot.due()
    assert result.sent == 0 and len(fake.sent_to(ADA)) == 1  # only the welcome, long ago
    await bot.says("lesson", count=1)  # writing again un-pauses
    assert (learner := bot.learner()) is not None and learner.unreachable is None


async def lesson_refused_as_blocked(start_bot: Start) -> Bot:
    """A bot whose 09:00 lesson to Ada was refused with 403 (she had blocked it); its clock at
    09:30 that day."""
    bot = await start_bot()
    await enrol(bot, ADA)
    bot.fake.fail_next("sendPhoto", 403)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert (await bot.due()).failed == 1
    bot.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    return bot


async def the_lesson_comes_now(bot: Bot) -> None:
    bot.clock.set(datetime(2026, 11, 30, 9, 31, tzinfo=UTC))
    assert (await bot.due()).sent == 1
    assert [m.method for m in bot.fake.sent_to(ADA)][-1] == "sendPhoto"


async def test_a_lesson_refused_while_blocked_comes_when_the_learner_is_back_that_day(
        start_bot: Start) -> None:
    """It had been lost for the day (only the next day's came)."""
    bot = await lesson_refused_as_blocked(start_bot)
    await bot.says("hi", count=1)  # back the same morning
    await the_lesson_comes_now(bot)
    bot.clock.set(datetime(2026, 11, 30, 9, 40, tzinfo=UTC))
    assert (await bot.due()).sent == 0  # once
    with bot.database.session() as session:  # recorded as delivered: it will not come again
        assert len(session.execute(text("SELECT lesson_id FROM lesson_progress")).all()) == 1


async def test_a_lesson_refused_while_blocked_comes_when_the_bot_is_unblocked_that_day(
        start_bot: Start) -> None:
    bot = await lesson_refused_as_blocked(start_bot)
    bot.fake.push_update(bot.fake.membership_update(ADA, "member", "kicked"))  # unblocked
    await bot.fake.wait_for(lambda: blocked(bot) is False)
    await the_lesson_comes_now(bot)


def blocked(bot: Bot) -> bool | None:
    learner = bot.learner()
    return None if learner is None else learner.unreachable is not None


async def test_blocking_the_bot_pauses_the_learner_at_once_and_unblocking_resumes(
        start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await enrol(bot, ADA)
    fake.push_update(fake.membership_update(ADA, "kicked", "member"))  # Ada blocks the bot
    await fake.wait_for(lambda: blocked(bot) is True)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    result = await bot.due()  # her lesson is due: nothing is tried, no refused send
    assert result.sent == result.failed == 0 and len(fake.sent_to(ADA)) == 1  # the welcome
    assert fake.refused_sends() == []
    fake.push_update(fake.membership_update(ADA, "member", "kicked"))  # and unblocks it
    await fake.wait_for(lambda: blocked(bot) is False)
    bot.clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
    result = await bot.due()  # the day's lesson still goes
    assert result.sent == 1 and len(fake.sent_to(ADA)) == 2


async def test_a_group_that_became_a_supergroup_is_followed(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start", user_id=77, chat_id=-555)
    fake.migrate(-555, -100555)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert (await bot.due()).sent == 1
    # In a group the push names whose it is (a mention: Telegram notifies that member).
    assert [m.method for m in fake.sent_to(-100555)] == ["sendMessage", "sendPhoto"]
    mention = fake.sent_to(-100555)[0]
    learner = bot.learner(77)
    assert learner is not None and learner.display_name
    assert mention.text == f"{learner.display_name}, this one is for you:"  # the group sees who
    assert any(entity.get("type") == "text_link" or entity.get("url", "").startswith("tg://user")
               for entity in mention.entities or [])
    assert (learner := bot.learner(77)) is not None and learner.chat_id == "-100555"


async def test_in_a_group_the_bot_answers_only_what_is_meant_for_it(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    welcome, help_text = await bot.says("/help@microlearn_bot", user_id=78, chat_id=-600,
                                        count=2)
    assert welcome.text.startswith("Welcome") and help_text.text.startswith("Here is what I")
    fake.push_message(78, "lunch anyone?", chat_id=-600)
    fake.push_message(78, "/quiz@other_bot", chat_id=-600)  # another bot's
    fake.push_message(78, "/quiz", chat_id=-600)
    sent = await fake.wait_sent(3, -600)
    await asyncio.sleep(0.1)
    assert len(fake.sent_to(-600)) == 3
    assert "lunch" not in sent[2].text


async def test_an_edited_message_is_read_anew_in_a_private_chat_only(start_bot: Start) -> None:
    """An edit had been left without a word: a learner who fixed a typo got no answer."""
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start")
    before = len(fake.sent_to(ADA))
    fake.push_update(fake.edited_update(ADA, "how do I spot a phishing email"))
    found = (await fake.wait_sent(before + 1, ADA))[before]
    assert found.text.startswith("Spot a phishing email")
    # A command or an answer edited is not done again; an edit of long ago is left alone.
    fake.push_update(fake.edited_update(ADA, "lesson"))
    fake.push_update(fake.edited_update(ADA, "3"))
    fake.push_update(fake.edited_update(ADA, "how do I spot a phishing email", after=600))
    fake.push_message(ADA, "how do I spot a phishing email")
    await fake.wait_sent(before + 4, ADA)
    await asyncio.sleep(0.3)  # nothing else follows
    assert [m.text.split("\n")[0] for m in fake.sent_to(ADA)[before + 1:]] == [
        "I don't redo an edited command: send it again as a new message.",
        # Not "send it again": sent now, "3" would answer the question open now.
        "An answer counts as it was first sent, so editing it changes nothing (sent again, it "
        "would answer the question open now).",
        "Spot a phishing email in ten seconds"]
    fake.push_update(fake.edited_update(ADA, "/help@microlearn_bot", chat_id=-603))
    fake.push_message(ADA, "/me@microlearn_bot", chat_id=-603)
    await fake.wait_sent(1, -603)
    await asyncio.sleep(0.1)
    assert len(fake.sent_to(-603)) == 1  # the edit in the group was left alone


async def test_what_is_a_learners_alone_is_not_answered_in_a_group(start_bot: Start) -> None:
    """Their data file, notes, points and codes went to everyone in the group."""
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start", user_id=79)  # a learner of the bot's private chat
    for words in ("/mydata@microlearn_bot", "/me", "/notes", "/link", "/dashboard",
                  "/forget"):
        [said] = await bot.says(words, user_id=79, chat_id=-601)
        assert said.method == "sendMessage" and said.text.startswith("That is yours alone"), \
            words
    assert [m.method for m in fake.sent_to(-601)].count("sendDocument") == 0
    [data] = await bot.says("/mydata", user_id=79)  # privately: the file
    assert data.method == "sendDocument"


async def test_a_learner_first_seen_in_a_group_gets_pushes_privately_once_they_write_there(
        start_bot: Start) -> None:
    """Pushes had gone to the group for good: one member's lesson and quiz every day."""
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start", user_id=80, chat_id=-602)
    assert (learner := bot.learner(80)) is not None and learner.chat_id == "-602"
    await bot.says("/help@microlearn_bot", user_id=80, chat_id=-602)  # still a group: kept
    assert (learner := bot.learner(80)) is not None and learner.chat_id == "-602"
    await bot.says("hi", user_id=80)
    assert (learner := bot.learner(80)) is not None and learner.chat_id == "80"
    bot.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert (await bot.due()).sent == 1
    assert [m.method for m in fake.sent_to(80)][-1] == "sendPhoto"
    assert len(fake.sent_to(-602)) == 2  # the welcome and the help, no lesson


async def test_a_member_pressing_a_learners_button_in_a_group_is_told_it_is_not_theirs(
        start_bot: Start) -> None:
    """A bystander's press had enrolled them: a welcome to the group, "That lesson is no
    longer in the library", and their own lessons in the group from then on."""
    bot = await start_bot()
    fake = bot.fake
    await bot.says("/start", user_id=81, chat_id=-603)
    await bot.says("/lesson@microlearn_bot", user_id=81, chat_id=-603)
    await bot.says("/quiz@microlearn_bot", user_id=81, chat_id=-603)
    question = next(m for m in reversed(fake.sent_to(-603)) if m.buttons)
    before = len(fake.sent_to(-603))
    for press in ({"index": 0}, {"data": "r:" + "x" * 8}):
        query = fake.press_button(82, question, **press)["callback_query"]["id"]
        await fake.wait_for(lambda query=query: query in fake.callback_answers)
        assert fake.callback_answers[query].startswith(
            "That button is on another learner's message")
    assert bot.learner(82) is None and len(fake.sent_to(-603)) == before
    assert "reply_markup" in fake.message(-603, question.message_id)  # still the learner's
    # An enrolled member pressing another's question is told so too, and it stays open.
    await bot.says("/start", user_id=83)
    pressed = fake.press_button(83, question, index=0)
    await fake.wait_for(lambda: pressed["callback_query"]["id"] in fake.callback_answers)
    assert fake.callback_answers[pressed["callback_query"]["id"]].startswith(
        "That button is on another learner's message")
    assert "reply_markup" in fake.message(-603, question.message_id)


async def test_no_reminder_is_posted_to_a_group(start_bot: Start) -> None:
    """A group got a member's reminder every workday they left the quiz, with a mention, and
    would have got "your streak ends today" too."""
    from bot.messages import Platform, Reminder
    from bot.ports import Recipient

    bot = await start_bot()
    fake = bot.fake
    group = Recipient(1, Platform.TELEGRAM, "84", "-604", name="Gina")
    sent = await bot.adapter.send(group, [Reminder(waiting=2, streak=6)])
    assert sent.message_id is None and fake.sent_to(-604) == []
    private = Recipient(2, Platform.TELEGRAM, "85", "85", name="Pia")
    assert (await bot.adapter.send(private, [Reminder(waiting=2, streak=6)])).message_id
    assert "6-day streak" in fake.sent_to(85)[0].text


# -- hostile text ----------------------------------------------------------------------------


async def test_hostile_text_never_breaks_a_send(start_bot: Start) -> None:
    bot = await start_bot()
    fake = bot.fake
    name = "<b>Eve</b> & <i>co"
    await bot.says("/start", first_name=name)
    await bot.says("lesson")
    await bot.says("done", count=2)  # it counts, and earns its badge
    await bot.says("top join")
    hostile = ("<b>&amp; <script>" * 300)[:5000]
    [answer] = await bot.says(hostile)
    assert answer.text.startswith('I have no lesson on "<b>&amp; <script>')
    [board] = await bot.says("top")
    assert name in board.text
    refused = [call for call in fake.calls if call.status == 400]
    assert refused == []


# -- webhook mode and start-up ---------------------------------------------------------------


async def webhook_runtime(fake: FakeTelegram, tmp_path: Path,
                          url: str | None = None) -> tuple[Runtime, int]:
    """`microlearn run` in webhook mode on a free port, its secret "s3cret-For_tests",
    started; (the runtime, its port). ``url``: the database (one replicas share), else an
    SQLite file of its own."""
    from bot.config import load

    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f"""
[lessons]
dir = "{GOOD}"
[storage]
url = "{url or f"sqlite:///{tmp_path / 'bot.db'}"}"
[server]
port = {port}
[telegram]
enabled = true
mode = "webhook"
api_base_url = "{fake.base_url}"
webhook_url = "https://bot.example.com/hooks/tg"
webhook_path = "/hooks/tg"
""", encoding="utf-8")
    secrets = Secrets(None, None, None, TOKEN, "s3cret-For_tests")
    runtime = Runtime(load(config), secrets, ManualClock(MONDAY))
    await runtime.start()
    return runtime, port


async def test_webhook_mode_serves_telegram_and_refuses_a_wrong_secret(
        fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # -vv: PTB logs setWebhook's parameters
    runtime, port = await webhook_runtime(fake, tmp_path)
    try:
        assert "setWebhook" in caplog.text and "s3cret-For_tests" not in caplog.text
        assert fake.webhook is not None
        assert fake.webhook["url"] == "https://bot.example.com/hooks/tg"
        assert fake.webhook["secret_token"] == "s3cret-For_tests"
        assert fake.calls_of("getUpdates") == []
        url = f"http://127.0.0.1:{port}/hooks/tg"
        async with aiohttp.ClientSession() as client:
            for headers in ({SECRET_HEADER: "wrong"}, {}, *[{}] * 20):
                update = fake.message_update(ADA, "/start")
                async with client.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            # A scanner's calls are counted, not each logged.
            assert len([record for record in caplog.records
                        if "webhook call(s) without the right secret" in record.message]) == 1
            async with client.post(url, data="{not json",
                                   headers={SECRET_HEADER: "s3cret-For_tests"}) as response:
                assert response.status == 200  # acknowledged and dropped: never redelivered
            update = fake.message_update(ADA, "/start")
            async with client.post(url, json=update,
                                   headers={SECRET_HEADER: "s3cret-For_tests"}) as response:
                assert response.status == 200
            [welcome] = await fake.wait_sent(1, ADA)
            assert "Welcome to microlearn" in welcome.text
            async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert (await response.json())["adapters"] == ["telegram"]
        await asyncio.sleep(0.1)
        assert len(fake.sent_to(ADA)) == 1  # the refused requests were never handled
    finally:
        await runtime.stop()


async def test_a_webhook_taken_away_makes_the_replica_not_connected(
        fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A process polling the bot removes its webhook: the webhook replicas, hearing nothing,
    had gone on answering /healthz with "connected"."""
    from bot.adapters.telegram import adapter as telegram_adapter
    monkeypatch.setattr(telegram_adapter, "WEBHOOK_CHECK_S", 0.0)
    runtime, port = await webhook_runtime(fake, tmp_path)
    try:
        async with aiohttp.ClientSession() as client:
            async def connected() -> bool:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return bool((await response.json())["connected"]["telegram"])
            assert await connected()
            fake.webhook = None  # as getUpdates from another process does
            assert not await connected()
            assert "the bot's webhook is gone, not this process's" in caplog.text
    finally:
        await runtime.stop()


async def test_polling_says_it_takes_a_webhook_away(
        start_bot: Start, fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    """Replicas in webhook mode hear nothing once one process polls: that process says so,
    naming the webhook's host only (its path may hold a secret)."""
    fake.webhook = {"url": "https://bot.example.com/hooks/tg-s3cret-path"}
    bot = await start_bot()
    [warning] = [record for record in caplog.records if "had a webhook" in record.getMessage()]
    assert warning.levelname == "WARNING"
    assert "to bot.example.com" in warning.getMessage()
    assert "s3cret" not in caplog.text
    assert fake.webhook is None  # polling took it away, as Telegram does
    [reply] = await bot.says("/start")
    assert reply.text


async def test_polling_without_a_webhook_says_nothing_of_one(
        start_bot: Start, caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot()
    await bot.says("/start")
    assert "webhook" not in caplog.text


async def test_polling_given_up_at_a_401_is_said_and_taken_up_again(
        start_bot: Start, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """PTB stops polling for good at the first 401 (a revoked token, or a passing error) and
    still says it is running: the adapter says it is not connected, and polls again."""
    monkeypatch.setattr(adapter_module, "POLL_AGAIN_FIRST", 0.2)
    bot = await start_bot()
    await bot.says("/start")
    bot.fake.fail_next("getUpdates", 401, count=2)
    await bot.says("me")  # ends the long poll waiting; the next getUpdates gets the 401
    await bot.fake.wait_for(lambda: "polling for updates stopped" in caplog.text)
    assert not await bot.adapter.connected()
    for _ in range(100):  # PTB's new poll waits for updates: no call tells the fake
        if "polling for updates again" in caplog.text:
            break
        await asyncio.sleep(0.05)
    [reply] = await bot.says("help")
    assert reply.text.startswith("Here is what I understand")
    # "me", fetched before the 401, is not fetched and answered again.
    sent = [m.text for m in bot.fake.sent_to(ADA)]
    assert len(sent) == 3 and sent[1].startswith("Ada: 0 points"), sent  # welcome, me, help
    monkeypatch.setattr(adapter_module, "POLLING_QUIET", 0.0)
    assert await bot.adapter.connected()


async def test_polling_that_works_again_after_failures_says_so_once(
        start_bot: Start, caplog: pytest.LogCaptureFixture) -> None:
    """getUpdates failing, then working: one INFO line says the bot is back, how long it was
    away and how many tries failed (/healthz turned back without a word in the log)."""
    caplog.set_level(logging.INFO, logger="bot.adapters.outage")
    bot = await start_bot()
    await bot.says("/start")
    bot.fake.fail_next("getUpdates", 502, count=2)
    await bot.says("me")  # ends the long poll waiting; the next two getUpdates fail
    await bot.fake.wait_for(lambda: caplog.text.count("getUpdates failed") == 2)
    [reply] = await bot.says("help")  # fetched by the getUpdates that works
    assert reply.text.startswith("Here is what I understand")
    back = [record for record in caplog.records if "connected again" in record.getMessage()]
    assert len(back) == 1 and back[0].levelname == "INFO"
    assert re.fullmatch(r"telegram: connected again after \d+ s \(2 attempts failed\)",
                        back[0].getMessage())


async def test_polling_taken_up_again_after_failed_tries_still_fetches(
        start_bot: Start, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The token is still refused when polling is first tried again: PTB leaves its loop's
    stop signal set, and a loop started so would spin without fetching anything."""
    monkeypatch.setattr(adapter_module, "POLL_AGAIN_FIRST", 0.1)
    monkeypatch.setattr(adapter_module, "POLLING_QUIET", 0.0)
    bot = await start_bot()
    await bot.says("/start")
    bot.fake.fail_next("getUpdates", 401, count=1)
    bot.fake.fail_next("deleteWebhook", 401, count=2)
    await bot.says("me")
    for _ in range(200):
        if "polling for updates again" in caplog.text:
            break
        await asyncio.sleep(0.05)
    assert "polling again failed" in caplog.text
    [reply] = await bot.says("help")
    assert reply.text.startswith("Here is what I understand")
    assert await bot.adapter.connected()


async def test_a_redelivered_webhook_update_is_handled_once(
        fake: FakeTelegram, tmp_path: Path) -> None:
    """Telegram sends an update again when our answer was slow: "lesson" twice would send
    two lessons."""
    runtime, port = await webhook_runtime(fake, tmp_path)
    url = f"http://127.0.0.1:{port}/hooks/tg"
    headers = {SECRET_HEADER: "s3cret-For_tests"}
    try:
        async with aiohttp.ClientSession() as client:
            start = fake.message_update(ADA, "/start")
            lesson = fake.message_update(ADA, "lesson")
            for update in (start, start, lesson, lesson):
                async with client.post(url, json=update, headers=headers) as response:
                    assert response.status == 200
            await fake.wait_sent(2, ADA)
            await asyncio.sleep(0.3)  # a second welcome or lesson would show by now
        welcome, lesson_text = fake.sent_to(ADA)
        assert "Welcome to microlearn" in welcome.text and "Welcome" not in lesson_text.text
    finally:
        await runtime.stop()


async def test_an_update_sent_again_to_another_replica_is_handled_once(
        fake: FakeTelegram, tmp_path: Path) -> None:
    """Two replicas behind one webhook address: Telegram's second try of an update may reach
    the other one, which has never seen it. Replicas share PostgreSQL (a second run on one
    SQLite file is refused)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    with scratch_database(POSTGRES_URL) as database:
        # The scratch schema, as Database(schema=...) reaches it: by the connection's options.
        shared = f"{POSTGRES_URL}?options=-csearch_path%3D{database.schema}"
        replicas = [await webhook_runtime(fake, first, shared),
                    await webhook_runtime(fake, second, shared)]
        await _each_update_once(fake, replicas)


async def _each_update_once(fake: FakeTelegram, replicas: list[tuple[Runtime, int]]) -> None:
    """Each update posted to both replicas is answered once; both are stopped."""
    headers = {SECRET_HEADER: "s3cret-For_tests"}
    try:
        async with aiohttp.ClientSession() as client:
            start = fake.message_update(ADA, "/start")
            lesson = fake.message_update(ADA, "lesson")
            for update in (start, lesson):
                for _, port in replicas:
                    async with client.post(f"http://127.0.0.1:{port}/hooks/tg", json=update,
                                           headers=headers) as response:
                        assert response.status == 200
                await fake.wait_sent(1 if update is start else 2, ADA)
            await asyncio.sleep(0.3)  # a second welcome or lesson would show by now
            me = fake.message_update(ADA, "me")
            async with client.post(f"http://127.0.0.1:{replicas[1][1]}/hooks/tg", json=me,
                                   headers=headers) as response:
                assert response.status == 200
            await fake.wait_sent(3, ADA)
        welcome, lesson_text, profile = fake.sent_to(ADA)
        assert "Welcome to microlearn" in welcome.text and "Welcome" not in lesson_text.text
        assert profile.text.startswith("Ada: ")
    finally:
        for runtime, _ in replicas:
            await runtime.stop()


async def test_updates_fetched_again_after_a_crash_are_handled_once(start_bot: Start) -> None:
    """A bot killed before its next ``getUpdates`` never confirmed what it fetched: Telegram
    gives those updates to the restarted bot, which had already answered them."""
    bot = await start_bot()
    await bot.says("/start")
    lesson = bot.fake.push_message(ADA, "lesson")
    await bot.fake.wait_sent(2, ADA)
    bot.fake.push_update(json.loads(json.dumps(lesson)))  # the same update, the same id
    [profile] = await bot.says("me")
    assert profile.text.startswith("Ada: ")
    texts = [message.text for message in bot.fake.sent_to(ADA)]
    assert len(texts) == 3, texts  # welcome, one lesson, the profile


async def test_a_malformed_update_is_acknowledged_logged_once_and_the_next_is_handled(
        fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runtime, port = await webhook_runtime(fake, tmp_path)
    url = f"http://127.0.0.1:{port}/hooks/tg"
    headers = {SECRET_HEADER: "s3cret-For_tests"}
    bad = [{"update_id": 7, "message": "boom"},
           {"update_id": 8, "message": {"chat": "no", "from": 5}},
           {"update_id": 9, "callback_query": ["x"]},
           {"no": "update id"}]
    try:
        async with aiohttp.ClientSession() as client:
            for body in bad:
                caplog.clear()
                async with client.post(url, json=body, headers=headers) as response:
                    # Telegram redelivers anything but a 2xx, holding back the updates
                    # after it: an authenticated update that cannot be read is dropped.
                    assert response.status == 200, (body, response.status)
                await asyncio.sleep(0.05)
                dropped = [r for r in caplog.records if "malformed" in r.getMessage()]
                assert len(dropped) == 1, (body, caplog.text)
                assert not any(r.exc_info for r in caplog.records), caplog.text
            async with client.post(url, data="{not json", headers=headers) as response:
                assert response.status == 200
            update = fake.message_update(ADA, "/start")
            async with client.post(url, json=update, headers=headers) as response:
                assert response.status == 200
            [welcome] = await fake.wait_sent(1, ADA)
            assert "Welcome to microlearn" in welcome.text
    finally:
        await runtime.stop()


def polling_settings(fake: FakeTelegram, tmp_path: Path) -> Settings:
    return Settings.model_validate({
        "lessons": {"dir": str(GOOD)}, "storage": {"url": f"sqlite:///{tmp_path / 'bot.db'}"},
        "server": {"enabled": False},
        "telegram": {"enabled": True, "api_base_url": fake.base_url}})


async def test_run_tries_again_when_telegram_is_down_at_start(
        fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 502 from getMe while Telegram restarts had stopped `run` (the other platform and the
    scheduler with it) until someone started it again."""
    fake.fail_next("getMe", 502, count=2)
    runtime = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, TOKEN),
                      ManualClock(MONDAY), start_waits=(0.01, 0.01, 0.01))
    await runtime.start()
    try:
        assert len(fake.calls_of("getMe")) == 3
        tries = [r.getMessage() for r in caplog.records if "did not start" in r.getMessage()]
        assert len(tries) == 2 and all(r.startswith("telegram did not start: cannot reach the "
                                                    "Telegram Bot API") for r in tries), tries
        assert tries[0].endswith("; trying again in 0.01 s") and "Bad Gateway" in tries[0]
        fake.push_message(ADA, "/start")
        [welcome] = await fake.wait_sent(1, ADA)
        assert "Welcome to microlearn" in welcome.text
    finally:
        await runtime.stop()


async def test_a_429_at_start_is_waited_out_as_long_as_telegram_asks(
        fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 429 with retry_after 40 had been tried again after the first 5 s wait, into the
    same flood control."""
    fake.fail_next("getMe", 429, retry_after=40)
    waits = RecordedWaits()
    runtime = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, TOKEN),
                      ManualClock(MONDAY), start_waits=(5.0, 10.0), sleep=waits)
    await runtime.start()
    try:
        assert len(fake.calls_of("getMe")) == 2 and waits == [40.0]
        [tried] = [r.getMessage() for r in caplog.records if "did not start" in r.getMessage()]
        assert tried.startswith("telegram did not start: Telegram asked the bot to wait")
        assert tried.endswith("; trying again in 40 s (as the platform asked)"), tried
    finally:
        await runtime.stop()


async def test_a_429_at_start_asking_for_hours_waits_five_minutes_and_says_so(
        fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.fail_next("getMe", 429, retry_after=7200)
    fake.fail_next("getMe", 429, retry_after=2)  # less than planned: the planned wait
    waits = RecordedWaits()
    runtime = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, TOKEN),
                      ManualClock(MONDAY), start_waits=(5.0, 10.0), sleep=waits)
    await runtime.start()
    try:
        assert len(fake.calls_of("getMe")) == 3 and waits == [300.0, 10.0]
        tries = [r.getMessage() for r in caplog.records if "did not start" in r.getMessage()]
        assert tries[0].endswith("; trying again in 300 s (the platform asked for 7200 s; "
                                 "run waits 300 s at most)"), tries
        assert tries[1].endswith("; trying again in 10 s"), tries
    finally:
        await runtime.stop()


async def test_a_signal_while_run_waits_for_telegram_stops_it_at_once(
        fake: FakeTelegram, tmp_path: Path) -> None:
    """The start's waits for a platform that is down had held SIGTERM for minutes."""
    fake.fail_next("getMe", 502, count=100)
    runtime = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, TOKEN),
                      ManualClock(MONDAY), start_waits=(60.0, 60.0))
    task = asyncio.create_task(serve(runtime))
    loop = asyncio.get_running_loop()
    try:
        deadline = time.monotonic() + 10
        while not fake.calls_of("getMe") and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert fake.calls_of("getMe")
        await asyncio.sleep(0.1)  # into the first wait
        signalled = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 10)
        assert time.monotonic() - signalled < 5
        assert runtime.started == [] and runtime.service is None  # nothing left running
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def test_run_gives_up_after_its_tries_and_at_once_on_a_rejected_token(
        fake: FakeTelegram, tmp_path: Path) -> None:
    fake.fail_next("getMe", 500, count=10)
    runtime = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, TOKEN),
                      ManualClock(MONDAY), start_waits=(0.01, 0.01))
    with pytest.raises(AdapterStartError, match="cannot reach the Telegram Bot API"):
        await runtime.start()
    assert len(fake.calls_of("getMe")) == 3  # the first try and two more
    fresh = Runtime(polling_settings(fake, tmp_path), Secrets(None, None, None, "999:WRONG"),
                    ManualClock(MONDAY), start_waits=(0.01, 0.01))
    calls = len(fake.calls_of("getMe"))
    with pytest.raises(AdapterStartError, match="Telegram rejected the bot token"):
        await fresh.start()
    assert len(fake.calls_of("getMe")) == calls + 1  # a wrong token is not tried again


async def test_a_rejected_token_is_a_clear_error_at_start(
        fake: FakeTelegram, tmp_path: Path) -> None:
    settings = Settings.model_validate({"telegram": {"enabled": True,
                                                     "api_base_url": fake.base_url}})
    adapter = create(settings, Secrets(None, None, None, "999:WRONG-token"))
    with pytest.raises(AdapterStartError) as caught:
        await adapter.start(BotHost(None, ManualClock(MONDAY)))  # type: ignore[arg-type]
    message = str(caught.value)
    assert "TELEGRAM_BOT_TOKEN" in message and "BotFather" in message
    assert "WRONG-token" not in message


async def test_a_missing_token_or_an_unreachable_api_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings.model_validate({"telegram": {
        "enabled": True, "api_base_url": f"http://127.0.0.1:{free_port()}/bot"}})
    with pytest.raises(AdapterStartError, match="TELEGRAM_BOT_TOKEN is not set"):
        create(settings, Secrets(None, None, None, None))
    adapter = create(settings, Secrets(None, None, None, TOKEN))
    with pytest.raises(AdapterStartError, match="cannot reach the Telegram Bot API at http://"):
        await adapter.start(BotHost(None, ManualClock(MONDAY)))  # type: ignore[arg-type]


async def test_a_base_url_that_is_not_the_bot_api_is_named_not_the_token(
        fake: FakeTelegram) -> None:
    """Without its "/bot" the fake answers aiohttp's plain 404: that had been reported as a
    token Telegram rejected, sending the operator to BotFather."""
    settings = Settings.model_validate({"telegram": {
        "enabled": True, "api_base_url": fake.base_url.removesuffix("bot")}})
    adapter = create(settings, Secrets(None, None, None, TOKEN))
    with pytest.raises(AdapterStartError) as caught:
        await adapter.start(BotHost(None, ManualClock(MONDAY)))  # type: ignore[arg-type]
    message = str(caught.value)
    assert "check [telegram] api_base_url, which ends in '/bot'" in message
    assert "BotFather" not in message and TOKEN not in message


async def test_the_token_never_reaches_the_logs(
        start_bot: Start, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    await bot.says("/start")
    bot.fake.fail_next("sendMessage", 500, chat_id=ADA)
    await bot.says("help")
    await bot.adapter.stop()
    assert "getUpdates" in caplog.text  # the client's requests were logged...
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text  # ...not the token


class _FailingHost(BotHost):
    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        if inbound.text == "boom":
            raise RuntimeError("the engine broke")
        return await super().handle(inbound)


async def test_a_failing_update_gets_a_polite_reply_and_the_bot_goes_on(
        start_bot: Start, database: Database) -> None:
    catalog = Catalog(GOOD)
    catalog.load()
    host = _FailingHost(Engine(database, catalog), ManualClock(MONDAY))
    bot = await start_bot(host=host)
    [sorry] = await bot.says("boom")
    assert sorry.text.startswith("Sorry, something went wrong on my side")
    [welcome] = await bot.says("/start")
    assert "Welcome to microlearn" in welcome.text


async def test_the_fake_runs_on_its_own_and_records_every_message(tmp_path: Path) -> None:
    record = tmp_path / "sent.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--record",
        str(record), "--limit-chat", "1", cwd=Path(__file__).resolve().parents[2],
        stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
        bot = TelegramBot(TOKEN, base_url=base_url)
        async with bot:
            await bot.send_message(42, "<b>one</b>", parse_mode="HTML")
            with pytest.raises(RetryAfter):  # a second message within the second
                await bot.send_message(42, "two")
        lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
        assert [(line["method"], line["chat_id"], line["text"]) for line in lines] == [
            ("sendMessage", 42, "one")]
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_mydata_sends_a_json_document_of_everything_stored(start_bot: Start) -> None:
    bot = await start_bot()
    await bot.says("/start", first_name="Ada", last_name="Lovelace")
    await bot.says("flag the answer looks wrong")
    [document] = await bot.says("/mydata")
    assert document.method == "sendDocument"
    assert document.filename == "microlearn-my-data-2026-11-30.json"
    assert "everything microlearn stores about you" in document.text
    assert document.document is not None
    copy = json.loads(document.document.decode("utf-8"))
    [me] = copy["tables"]["learner"]
    assert me["platform_user_id"] == str(ADA) and me["display_name"] == "Ada Lovelace"
    # mydata and forget: the right of access, then of erasure.
    await bot.says("forget")
    await bot.says("forget confirm")
    assert bot.learner() is None


async def test_a_checked_track_asks_its_baseline_with_buttons_before_the_first_lesson(
        start_bot: Start, tmp_path: Path) -> None:
    """Even with quiz polls on, a baseline question is buttons (a quiz poll shows the right
    answer); its answers earn nothing, and the lesson comes after the last."""
    from tests.unit.engine.conftest import write
    from tests.unit.engine.test_checks import quiz

    folder = tmp_path / "lessons"
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 3",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one"))
    bot = await start_bot(quiz_style="poll", lessons=folder)
    fake = bot.fake
    await bot.says("/start")
    await bot.says("timezone Europe/Berlin")
    bot.clock.set(local(0, "09:00"))
    assert (await bot.due()).sent == 1
    intro, question = (await fake.wait_sent(4, ADA))[-2:]
    assert intro.text.startswith("Before you start Safe: 3 quick questions")
    assert question.method == "sendMessage" and "Quick check 1 of 3 (Safe)" in question.text
    assert not fake.calls_of("sendPoll")
    for number in range(3):
        current = fake.sent_to(ADA)[-1]
        assert f"Quick check {number + 1} of 3" in current.text and current.buttons
        before = len(fake.sent_to(ADA))
        fake.press_button(ADA, current, index=1 if number == 0 else 0)
        await fake.wait_sent(before + (1 if number < 2 else 2), ADA)
    done, lesson = fake.sent_to(ADA)[-2:]
    assert done.text == "Thanks: that is your starting point (1 of 3 right). Now the lesson."
    assert lesson.text.startswith("One\n")
    await fake.wait_for(lambda: not fake.unanswered_callbacks())
    # No pop-up gives the answer away, but each says it was kept; the question shows the
    # answer given, its buttons gone.
    assert set(fake.callback_answers.values()) == {"Noted."}
    answered = fake.message(ADA, question.message_id)
    assert "reply_markup" not in answered and "Your answer: 2) right one" in answered["text"]
    assert "✅" not in answered["text"] and "❌" not in answered["text"]
    assert bot.points() == 0
    with bot.database.session() as session:
        assert session.execute(text(
            'SELECT phase, answered, "right" FROM track_check')).all() == [("pre", 3, 1)]


async def test_typed_baseline_answers_take_their_questions_buttons_off(
        start_bot: Start, tmp_path: Path) -> None:
    """A baseline answer has no feedback of its own, yet typed it takes its question's
    buttons off as a press does: the last one too, and a "skip"."""
    from tests.unit.engine.conftest import write
    from tests.unit.engine.test_checks import quiz

    folder = tmp_path / "lessons"
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 3",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one"))
    bot = await start_bot(lessons=folder)
    fake = bot.fake
    await bot.says("/start")
    await bot.says("lesson")
    asked = []
    for typed in ("2", "skip", "1"):
        current = fake.sent_to(ADA)[-1]
        assert "Quick check" in current.text and current.buttons, current.text
        asked.append(current)
        await bot.says(typed)
    assert fake.sent_to(ADA)[-2].text.startswith("Thanks: that is your starting point")
    for question in asked:
        assert "reply_markup" not in fake.message(ADA, question.message_id)


async def test_a_question_asks_how_sure_in_the_same_tap(start_bot: Start,
                                                         tmp_path: Path) -> None:
    """A track with 'confidence: true': a row of three buttons per choice (never a quiz poll);
    one press answers and says how sure; the answer is kept with it."""
    from tests.unit.engine.conftest import write
    from tests.unit.engine.test_checks import quiz

    folder = tmp_path / "lessons"
    write(folder, "sure/one.md", "title: One\ntrack: sure\norder: 1\ntopic: sure\n"
          "confidence: true", "Lesson one about apples." + quiz("Apple one"))
    bot = await start_bot(quiz_style="poll", lessons=folder)
    fake = bot.fake
    await bot.says("/start")
    await bot.says("lesson")
    await bot.says("done", count=2)
    bot.clock.set(local(1, "10:00"))
    [question] = await bot.says("quiz")
    assert question.method == "sendMessage" and not fake.calls_of("sendPoll")
    rows = question.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [[button["text"] for button in row] for row in rows] == [
        [f"{n} · sure", f"{n} · think so", f"{n} · guessing"] for n in (1, 2, 3)]
    fake.press_button(ADA, question, data=rows[1][2]["callback_data"])  # right, guessing
    await fake.wait_for(lambda: "reply_markup" not in fake.message(ADA, question.message_id))
    shown = fake.message(ADA, question.message_id)["text"]
    assert "Your answer: 2) right one · guessing" in shown and "Right, but a guess" in shown
    with bot.database.session() as session:
        assert session.execute(text("SELECT confidence, correct FROM answer")).all() == [
            ("g", True)]


# -- webhook acknowledgements: a 200 only once the update is handled ---------------------------

HOOK_SECRET = "s3cret-For_tests"


@dataclass
class Replica:
    """A Telegram adapter in webhook mode, its route served on a port of its own."""

    adapter: TelegramAdapter
    url: str
    runner: aiohttp.web.AppRunner

    async def post(self, update: dict[str, Any]) -> int:
        """Telegram's POST of one update; the HTTP status it gets back."""
        async with aiohttp.ClientSession() as client, client.post(
                self.url, json=update, headers={SECRET_HEADER: HOOK_SECRET}) as response:
            return response.status

    async def stop(self) -> None:
        await self.adapter.stop()
        await self.runner.cleanup()


StartReplica = Callable[[BotHost], Awaitable[Replica]]


@pytest.fixture
async def start_replica(fake: FakeTelegram) -> AsyncIterator[StartReplica]:
    """Starts a webhook-mode adapter on a host of the test's choosing (several may share one
    database, as replicas do)."""
    running: list[Replica] = []

    async def start(host: BotHost) -> Replica:
        settings = Settings.model_validate({
            "lessons": {"dir": str(GOOD)},
            "telegram": {"enabled": True, "mode": "webhook", "api_base_url": fake.base_url,
                         "webhook_url": "https://bot.example.com/hooks/tg",
                         "webhook_path": "/hooks/tg"}})
        adapter = TelegramAdapter(settings.telegram, TOKEN, GOOD, webhook_secret=HOOK_SECRET,
                                  pacer=Pacer(*FAST))
        await adapter.start(host)
        app = aiohttp.web.Application()
        for route in adapter.routes():
            app.router.add_route(route.method, route.path, route.handler)
        runner = aiohttp.web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
        replica = Replica(adapter, f"http://127.0.0.1:{port}/hooks/tg", runner)
        running.append(replica)
        return replica

    yield start
    for replica in running:
        await replica.stop()


def _host(database: Database, kind: type[BotHost] = BotHost) -> BotHost:
    catalog = Catalog(GOOD)
    catalog.load()
    return kind(Engine(database, catalog), ManualClock(MONDAY))


def _recorded(database: Database, update: dict[str, Any]) -> bool:
    """Whether the engine recorded the update as handled (committed)."""
    with database.session() as session:
        return session.execute(text(
            "select count(*) from inbound_event where event_id like :id"),
            {"id": f"%:{update['update_id']}"}).scalar_one() == 1


class _GatedHost(BotHost):
    """Holds every event before the engine until ``gate`` is set."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        super().__init__(engine, clock)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        self.entered.set()
        await self.gate.wait()
        return await super().handle(inbound)


async def test_a_webhook_update_is_acknowledged_once_handled_not_once_queued(
        start_replica: StartReplica, fake: FakeTelegram, database: Database,
        tmp_path: Path) -> None:
    """A 200 tells Telegram to forget the update: given when it was only queued, a kill -9
    lost updates Telegram never sent again (an acceptance test lost 8 of 30 `time` changes).
    The replies are not waited for: the engine's commit is what counts."""
    host = _host(database, _GatedHost)
    assert isinstance(host, _GatedHost)
    replica = await start_replica(host)
    marker = tmp_path / "held"
    fake.hold_after(0, marker)  # the welcome is taken and never answered until told
    update = fake.message_update(ADA, "/start")
    post = asyncio.ensure_future(replica.post(update))
    await host.entered.wait()
    done, _ = await asyncio.wait({post}, timeout=0.5)
    assert not done, "answered while the engine had not handled the update"
    assert not _recorded(database, update)
    host.gate.set()
    assert await post == 200
    assert _recorded(database, update)
    assert not fake.sent_to(ADA) and marker.exists()  # its reply is still on its way
    marker.unlink()  # the held send is refused (500); the reply is sent again
    [welcome] = await fake.wait_sent(1, ADA)
    assert "Welcome to microlearn" in welcome.text


class _FlakyHost(BotHost):
    """'boom' always fails; 'lesson' fails the first time only."""

    failed = False

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        if inbound.text == "boom" or (inbound.text == "lesson" and not self.failed):
            self.failed = self.failed or inbound.text == "lesson"
            raise RuntimeError("the engine broke")
        return await super().handle(inbound)


async def test_a_webhook_update_that_fails_is_sent_again_and_a_poison_one_ends(
        start_replica: StartReplica, fake: FakeTelegram, database: Database,
        caplog: pytest.LogCaptureFixture) -> None:
    """Handling that fails commits nothing: a 500 makes Telegram send the update again (a
    passing failure goes unnoticed), and an update that always fails is acknowledged at its
    last try, with a sorry, so that it does not come back for ever."""
    from bot.adapters.telegram.webhook import TRIES
    replica = await start_replica(_host(database, _FlakyHost))
    assert await replica.post(fake.message_update(ADA, "/start")) == 200
    await fake.wait_sent(1, ADA)
    lesson = fake.message_update(ADA, "lesson")
    assert await replica.post(lesson) == 500
    assert not _recorded(database, lesson)
    assert "Telegram sends it again" in caplog.text
    assert await replica.post(lesson) == 200  # Telegram's second try: handled now
    [_, sent] = await fake.wait_sent(2, ADA)
    assert "Sorry" not in sent.text  # the lesson, and no sorry for the failed try
    boom = fake.message_update(ADA, "boom")
    statuses = [await replica.post(boom) for _ in range(TRIES + 1)]
    assert statuses == [500] * (TRIES - 1) + [200, 200]
    [sorry] = (await fake.wait_sent(3, ADA))[2:]
    assert sorry.text.startswith("Sorry, something went wrong on my side")
    await replica.stop()  # every reply written
    assert len(fake.sent_to(ADA)) == 3  # one sorry, at the last try


async def test_a_press_sent_again_to_another_replica_leaves_the_pop_up_to_the_first(
        start_replica: StartReplica, fake: FakeTelegram, database: Database) -> None:
    """The same press reaching two replicas is handled by one; the other, finding it handled
    already, had answered it with an empty pop-up, which blanked "+5 points" when it reached
    Telegram first (6 of 15 presses in an acceptance test)."""
    first = await start_replica(_host(database))
    second = await start_replica(_host(database))
    assert await first.post(fake.message_update(ADA, "/start")) == 200
    assert await first.post(fake.message_update(ADA, "lesson")) == 200
    [_, lesson] = await fake.wait_sent(2, ADA)
    press = fake.callback_update(ADA, lesson, index=0)  # Got it
    assert await first.post(press) == 200
    assert await second.post(press) == 200
    await first.stop()  # every answer and edit made
    await second.stop()
    answers = fake.calls_of("answerCallbackQuery")
    assert len(answers) == 1, answers
    assert "counts as read" in answers[0].params.get("text", "")
