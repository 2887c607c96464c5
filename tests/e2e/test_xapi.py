"""xAPI end to end: the real engine's events, the relay and its outbox, against a real LRS
(Ralph, run locally on its file-system backend), on a manual clock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text as text_sql

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import Inbound, Platform
from bot.metrics import XapiCollector
from bot.xapi.client import LrsClient
from bot.xapi.relay import XapiRelay
from bot.xapi.statements import (
    ANSWERED,
    COMMENTED,
    COMPLETED,
    EXPERIENCED,
    NORMALISED_GAIN,
    RATED,
    SCORED,
    Vocabulary,
)
from scheduler.clock import ManualClock
from storage import Database
from storage.xapi import NewStatement, XapiStore
from tests.e2e.ralph import PASSWORD, USERNAME, Ralph
from tests.fakes.network import free_port

pytest.importorskip("ralph.backends.lrs.fs", reason="the LRS tests need the dev extra (ralph-malph)")
pytestmark = pytest.mark.e2e

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
QUIZ = """
## Quiz

### {q}?
- [ ] wrong one
- [x] right one
- [ ] wrong two
> Because it is right.
"""


@pytest.fixture(scope="module")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ralph]:
    lrs = Ralph(tmp_path_factory.mktemp("ralph")).start()
    yield lrs
    lrs.stop()


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    folder = tmp_path / "lessons"
    for name, front, body in (
            ("basics/one.md", "title: One\ntrack: basics\norder: 1", "Apples." + QUIZ.format(q="One")),
            ("basics/two.md", "title: Two\ntrack: basics\norder: 2", "Pears." + QUIZ.format(q="Two")),
            ("extra/three.md", "title: Three", "Cherries.")):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    loaded = Catalog(folder)
    loaded.load()
    return loaded


def learn(engine: Engine, user: str, at: datetime) -> None:
    """A learner reads the track's two lessons on Monday and answers a review on Tuesday."""
    def say(text: str, moment: datetime) -> None:
        engine.handle(Inbound(Platform.CONSOLE, user, user, text=text, display_name=user), moment)
    say("hello", at)
    for _ in range(2):
        say("lesson", at)
        say("done", at)
    tuesday = at + timedelta(days=1)
    say("quiz", tuesday)
    say("2", tuesday)


def relay_for(database: Database, catalog: Catalog, clock: ManualClock, endpoint: str,
              password: str = PASSWORD) -> XapiRelay:
    return XapiRelay(database, catalog, LrsClient(endpoint, USERNAME, password), Vocabulary(),
                     clock.now)


def mine(ralph: Ralph, user: str) -> list[dict[str, object]]:
    return [s for s in ralph.statements()
            if s["actor"].get("account", {}).get("name") == user]  # type: ignore[union-attr]


async def test_events_reach_a_real_lrs_once_and_a_replay_duplicates_nothing(
        database: Database, catalog: Catalog, ralph: Ralph) -> None:
    user = f"ada-{database.schema or 'sqlite'}"
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, catalog, clock, ralph.endpoint)
    first = await relay.run()  # enabled now: the cursors start here, the past is for replay
    assert first.made == 0
    learn(Engine(database, catalog, EngineSettings()), user, MONDAY)
    clock.set(MONDAY + timedelta(days=1, minutes=1))
    result = await relay.run()
    assert result.error is None and result.sent == result.made == 4
    held = mine(ralph, user)
    assert sorted(s["verb"]["id"] for s in held) == sorted(  # type: ignore[index]
        [EXPERIENCED, EXPERIENCED, COMPLETED, ANSWERED])
    answer = next(s for s in held if s["verb"]["id"] == ANSWERED)  # type: ignore[index]
    assert answer["result"]["success"] is True and answer["result"]["response"] == "b"  # type: ignore[index]
    assert answer["object"]["definition"]["interactionType"] == "choice"  # type: ignore[index]

    # The next run makes nothing new (the look back overlaps, the ids are stable).
    clock.advance(timedelta(minutes=1))
    assert (await relay.run()).made == 0

    # A replay sends everything again: the LRS still holds one of each.
    made, queued = await asyncio.to_thread(
        relay.replay, MONDAY - timedelta(days=1), None, clock.now())
    assert (made, queued) == (0, 4)
    again = await relay.send_due()
    assert again.error is None and again.sent + again.conflicts == 4
    assert len(mine(ralph, user)) == 4
    with database.session() as session:
        assert XapiStore(session).backlog(clock.now()).pending == 0

    # A rating is "rated", with its score; the learner's words are "commented".
    engine = Engine(database, catalog, EngineSettings())
    later = clock.now()
    for text in ("lesson", "done", "rate not useful: too short"):
        engine.handle(Inbound(Platform.CONSOLE, user, user, text=text), later)
    clock.advance(timedelta(minutes=1))
    assert (await relay.run()).sent >= 2
    [rating] = [s for s in mine(ralph, user) if s["verb"]["id"] == RATED]  # type: ignore[index]
    assert rating["result"]["score"]["raw"] == 0  # type: ignore[index]
    [words] = [s for s in mine(ralph, user) if s["verb"]["id"] == COMMENTED]  # type: ignore[index]
    assert words["result"]["response"] == "too short"  # type: ignore[index]
    assert words["object"]["id"] == rating["object"]["id"]  # type: ignore[index]
    await relay.close()


async def test_words_given_after_the_rating_reached_the_lrs_reach_it_too(
        database: Database, catalog: Catalog, ralph: Ralph) -> None:
    """The usual order: a thumbs down, the relay sends its statement, then the learner says
    what was missing (the bot asked them). The LRS never changes a statement it holds, so
    the words are a statement of their own."""
    user = f"bea-{database.schema or 'sqlite'}"
    clock = ManualClock(MONDAY)
    relay = relay_for(database, catalog, clock, ralph.endpoint)
    await relay.run()
    engine = Engine(database, catalog, EngineSettings())

    def say(text: str) -> None:
        engine.handle(Inbound(Platform.CONSOLE, user, user, text=text), clock.now())
    for text in ("hello", "lesson", "done", "rate down"):
        say(text)
    clock.advance(timedelta(minutes=1))
    assert (await relay.run()).error is None
    assert [s["verb"]["id"] for s in mine(ralph, user) if s["verb"]["id"] == RATED] == [  # type: ignore[index]
        RATED]
    clock.advance(timedelta(minutes=1))
    say("the examples were too abstract")  # the reply the bot invited
    clock.advance(timedelta(minutes=1))
    result = await relay.run()
    assert result.error is None and result.made == result.sent == 1
    [words] = [s for s in mine(ralph, user) if s["verb"]["id"] == COMMENTED]  # type: ignore[index]
    assert words["result"]["response"] == "the examples were too abstract"  # type: ignore[index]
    await relay.close()


async def test_knowledge_checks_reach_the_lrs_scored_with_the_gain_and_a_skip_sends_none(
        database: Database, tmp_path: Path, ralph: Ralph) -> None:
    """A baseline one of three right, the track read, an endline all right four days on: two
    ``scored`` statements, the endline's with the normalised gain (1.0); a replay adds
    nothing. A learner who skips the baseline sends no check statement."""
    from tests.unit.engine.conftest import deliver, write

    folder = tmp_path / "checked"
    write(folder, "basics/one.md", "title: One\ntrack: basics\norder: 1\ncheck: 3",
          "Apples." + QUIZ.format(q="One"))
    write(folder, "basics/two.md", "title: Two\ntrack: basics\norder: 2",
          "Pears." + QUIZ.format(q="Two"))
    write(folder, "basics/three.md", "title: Three\ntrack: basics\norder: 3",
          "Plums." + QUIZ.format(q="Three"))  # a check asks three questions at least
    checked = Catalog(folder)
    checked.load()
    user, skipper = (f"{name}-{database.schema or 'sqlite'}" for name in ("kit", "lou"))
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, checked, clock, ralph.endpoint)
    await relay.run()  # the cursors start here
    engine = Engine(database, checked, EngineSettings())

    def say(text: str, at: datetime, who: str = user) -> None:
        engine.handle(Inbound(Platform.CONSOLE, who, who, text=text, display_name=who), at)
    for text in ("hello", "lesson", "2", "1", "1", "done", "lesson", "done", "lesson", "done"):
        say(text, MONDAY)  # the baseline (one of three right), then the track's lessons
    for text in ("hello", "lesson", "skip check"):
        say(text, MONDAY, skipper)
    later = MONDAY + timedelta(days=4)
    with database.session() as session:
        learner_id = session.execute(text_sql("SELECT id FROM learner WHERE platform_user_id"
                                              " = :user"), {"user": user}).scalar_one()
    deliver(engine, learner_id, "quiz", later)  # the push opens with the endline
    for _ in range(3):
        say("2", later)
    clock.set(later + timedelta(minutes=1))
    assert (await relay.run()).error is None
    checks = sorted((s for s in mine(ralph, user)
                     if s["verb"]["id"] == SCORED),  # type: ignore[index]
                    key=lambda s: str(s["timestamp"]))
    assert [s["object"]["id"] for s in checks] == [  # type: ignore[index]
        "urn:microlearn:tracks/basics/checks/baseline",
        "urn:microlearn:tracks/basics/checks/endline"]
    assert [s["result"]["score"] for s in checks] == [  # type: ignore[index]
        {"raw": 1, "min": 0, "max": 3, "scaled": 1 / 3},
        {"raw": 3, "min": 0, "max": 3, "scaled": 1.0}]
    assert checks[1]["result"]["extensions"] == {NORMALISED_GAIN: 1.0}  # type: ignore[index]
    assert not [s for s in mine(ralph, skipper)
                if s["verb"]["id"] == SCORED]  # type: ignore[index]

    made, _ = await asyncio.to_thread(relay.replay, MONDAY - timedelta(days=1), None,
                                      clock.now())
    assert made == 0
    assert (await relay.send_due()).error is None
    assert len([s for s in mine(ralph, user) if s["verb"]["id"] == SCORED]) == 2  # type: ignore[index]
    await relay.close()


async def test_a_statement_not_yet_in_the_lrs_is_made_anew_from_the_config_of_now(
        database: Database, catalog: Catalog, ralph: Ralph) -> None:
    """A wrong e-mail mapping made the LRS refuse; fixed in the config, the next run (or a
    replay) sends the statement as the config says now: what the LRS refused is not stuck."""
    user = f"cy-{database.schema or 'sqlite'}"
    clock = ManualClock(MONDAY)
    wrong = XapiRelay(database, catalog, LrsClient(ralph.endpoint, USERNAME, PASSWORD),
                      Vocabulary(mbox={f"console:{user}": "cy-at-example.com"}), clock.now)
    await wrong.run()
    engine = Engine(database, catalog, EngineSettings())
    for text in ("hello", "lesson", "done"):
        engine.handle(Inbound(Platform.CONSOLE, user, user, text=text), clock.now())
    clock.advance(timedelta(minutes=1))
    refused = await wrong.run()
    assert refused.invalid == 1 and refused.sent == 0 and len(refused.refusals) == 1
    await wrong.close()
    right = XapiRelay(database, catalog, LrsClient(ralph.endpoint, USERNAME, PASSWORD),
                      Vocabulary(mbox={f"console:{user}": f"{user}@example.com"}), clock.now)
    clock.advance(timedelta(minutes=1))
    made, queued = await asyncio.to_thread(right.replay, MONDAY - timedelta(days=1), None,
                                           clock.now())
    assert made == 0 and queued >= 1  # made anew in place, not added
    again = await right.send_due()
    assert again.error is None and again.invalid == 0 and again.sent >= 1
    held = [s for s in ralph.statements()
            if s["actor"].get("mbox") == f"mailto:{user}@example.com"]  # type: ignore[union-attr]
    assert [s["verb"]["id"] for s in held] == [EXPERIENCED]  # type: ignore[index]
    await right.close()


async def test_an_lrs_that_is_down_loses_nothing_and_backs_off(
        database: Database, catalog: Catalog, tmp_path: Path) -> None:
    user = f"bea-{database.schema or 'sqlite'}"
    lrs = Ralph(tmp_path / "lrs")  # not started yet: connections are refused
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, catalog, clock, lrs.endpoint)
    await relay.run()
    learn(Engine(database, catalog, EngineSettings()), user, MONDAY)
    clock.set(MONDAY + timedelta(days=1, minutes=1))
    down = await relay.run()
    assert down.made == 4 and down.sent == 0 and down.waiting == 4
    assert down.error is not None and "cannot be reached" in down.error
    metrics = {metric.name: metric.samples[0].value
               for metric in XapiCollector(relay.backlog, clock.now).collect()}
    assert metrics["microlearn_xapi_backlog"] == 4

    # Within the back-off nothing is tried (no request at all: the LRS is not hammered).
    clock.advance(timedelta(seconds=20))
    assert (await relay.send_due()).waiting == 0
    lrs.start()
    try:
        clock.advance(timedelta(seconds=20))  # past the first delay (30 s, jitter at most 20%)
        back = await relay.send_due()
        assert back.sent == 4 and back.error is None
        assert len(mine(lrs, user)) == 4
        metrics = {metric.name: metric.samples[0].value
                   for metric in XapiCollector(relay.backlog, clock.now).collect()}
        assert metrics["microlearn_xapi_backlog"] == 0
    finally:
        lrs.stop()
        await relay.close()


async def test_wrong_credentials_wait_and_say_which_variables_to_fix(
        database: Database, catalog: Catalog, ralph: Ralph) -> None:
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, catalog, clock, ralph.endpoint, password="wrong")
    await relay.run()
    learn(Engine(database, catalog, EngineSettings()), "cy", MONDAY)
    clock.set(MONDAY + timedelta(days=1, minutes=1))
    result = await relay.run()
    assert result.waiting == 4 and result.error is not None
    assert "XAPI_USERNAME and XAPI_PASSWORD" in result.error and "wrong" not in result.error
    await relay.close()


async def test_a_statement_the_lrs_refuses_does_not_hold_back_the_others(
        database: Database, catalog: Catalog, ralph: Ralph) -> None:
    user = f"dee-{database.schema or 'sqlite'}"
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, catalog, clock, ralph.endpoint)
    await relay.run()
    learn(Engine(database, catalog, EngineSettings()), user, MONDAY)
    with database.unit() as unit:
        found = unit.learners.find("console", user)
        assert found is not None
    with database.session() as session:  # a broken row (no actor), the oldest of all
        XapiStore(session).add([NewStatement(
            "00000000-0000-5000-8000-000000000001", found.id, MONDAY - timedelta(hours=1),
            '{"id":"00000000-0000-5000-8000-000000000001","verb":{"id":"http://x.example/v"},'
            '"object":{"id":"urn:x"}}')], clock.now())
    clock.set(MONDAY + timedelta(days=1, minutes=1))
    result = await relay.run()
    assert (result.sent, result.invalid) == (4, 1)
    assert len(mine(ralph, user)) == 4
    with database.session() as session:
        backlog = XapiStore(session).backlog(clock.now())
    assert (backlog.pending, backlog.failed) == (0, 1)
    await relay.close()


async def test_forget_takes_the_statements_not_yet_sent(database: Database,
                                                        catalog: Catalog) -> None:
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    relay = relay_for(database, catalog, clock, f"http://127.0.0.1:{free_port()}/xAPI/")
    await relay.run()
    engine = Engine(database, catalog, EngineSettings())
    learn(engine, "eve", MONDAY)
    clock.set(MONDAY + timedelta(days=1, minutes=1))
    assert (await relay.run()).waiting == 4
    later = MONDAY + timedelta(days=1, minutes=2)
    for text in ("forget", "forget confirm"):
        engine.handle(Inbound(Platform.CONSOLE, "eve", "eve", text=text), later)
    with database.session() as session:
        assert XapiStore(session).backlog(later).pending == 0
    await relay.close()


def replay_of(tmp_path: Path, catalog: Catalog, ralph: Ralph, user: str,
              also: Callable[[Database], None] = lambda _: None) -> tuple[list[str], Path]:
    """`microlearn xapi replay` from 2026-03-01 on a database where ``user`` learnt (and
    ``also`` wrote what else it needs), its config sending to ``ralph``: the command, and
    the config."""
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    database = Database(url)
    from storage import upgrade
    upgrade(database)
    learn(Engine(database, catalog, EngineSettings()), user, MONDAY)
    also(database)
    database.dispose()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n[lessons]\ndir = "{catalog.root}"\n'
                      f'[xapi]\nendpoint = "{ralph.endpoint}"\n', encoding="utf-8")
    return [sys.executable, "-m", "bot", "xapi", "replay", "--config", str(config),
            "--since", "2026-03-01"], config


CREDENTIALS = {"XAPI_USERNAME": USERNAME, "XAPI_PASSWORD": PASSWORD, "PATH": ""}


def test_the_command_line_replays_a_range_to_the_lrs(tmp_path: Path, catalog: Catalog,
                                                     ralph: Ralph) -> None:
    command, _ = replay_of(tmp_path, catalog, ralph, "fay")
    env = CREDENTIALS
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                           check=False)
    assert first.returncode == 0, first.stderr
    assert "4 statements from 2026-03-01 to send (4 made anew)" in first.stderr
    assert first.stdout.strip().startswith("sent 4")
    assert len(mine(ralph, "fay")) == 4
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    assert second.returncode == 0, second.stderr
    assert len(mine(ralph, "fay")) == 4  # stable ids: nothing twice
    wrong = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                           env={**env, "XAPI_PASSWORD": "nope"})
    assert wrong.returncode == 1
    assert "XAPI_USERNAME and XAPI_PASSWORD" in wrong.stderr and "nope" not in wrong.stderr
    # Without credentials it says they are unset, and says the refusal once.
    unset = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                           env={"PATH": ""})
    assert unset.returncode == 1
    assert "XAPI_USERNAME and XAPI_PASSWORD are not set" in unset.stderr
    assert unset.stderr.count("refused our credentials") == 1
    assert unset.stderr.count("wait in the outbox") == 1
    assert "WARNING" not in unset.stderr


def test_a_replay_says_why_the_lrs_refused_and_never_makes_a_database(
        tmp_path: Path, catalog: Catalog, ralph: Ralph) -> None:
    def refused_by_the_lrs(database: Database) -> None:
        with database.session() as session:  # a statement the LRS will not take
            XapiStore(session).add([NewStatement(
                "0a0b6f0e-4f6e-4b7e-9d1c-3c2f1e0d9a8b", 1, MONDAY,
                '{"id":"0a0b6f0e-4f6e-4b7e-9d1c-3c2f1e0d9a8b","actor":{"mbox":"mailto:nobody"},'
                '"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},'
                '"object":{"id":"urn:microlearn:lessons/x"}}')], MONDAY)
    command, config = replay_of(tmp_path, catalog, ralph, "gus", refused_by_the_lrs)
    env = CREDENTIALS
    refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                             check=False)
    assert refused.returncode == 0, refused.stderr
    assert "1 refused as invalid" in refused.stdout
    assert "refused 0a0b6f0e-4f6e-4b7e-9d1c-3c2f1e0d9a8b: " in refused.stderr
    assert "run the replay again" in refused.stderr

    typo = tmp_path / "typo.toml"
    typo.write_text(config.read_text(encoding="utf-8").replace("replay.db", "replya.db"),
                    encoding="utf-8")
    missing = subprocess.run([*command[:6], str(typo), *command[7:]], capture_output=True,
                             text=True, env=env, timeout=120, check=False)
    assert missing.returncode == 1
    assert f"no database at {tmp_path / 'replya.db'}" in missing.stderr
    assert not (tmp_path / "replya.db").exists()


async def test_microlearn_run_relays_to_the_lrs_and_shows_the_backlog_on_metrics(
        tmp_path: Path, catalog: Catalog, ralph: Ralph) -> None:
    import aiohttp

    from bot.app import Runtime
    from bot.config import Secrets, Settings
    from tests.fakes.recording import RecordingAdapter

    port = free_port()
    settings = Settings.model_validate({
        "lessons": {"dir": str(catalog.root)}, "server": {"port": port},
        "storage": {"url": f"sqlite:///{tmp_path / 'run.db'}"},
        "xapi": {"enabled": True, "endpoint": ralph.endpoint, "every_seconds": 0.2}})
    clock = ManualClock(MONDAY - timedelta(minutes=5))
    runtime = Runtime(settings, Secrets(None, None, None, None, None, USERNAME, PASSWORD), clock,
                      adapters={Platform.TELEGRAM: RecordingAdapter(clock.now)})
    await runtime.start()
    try:
        assert runtime.xapi is not None and runtime.engine is not None
        relay = runtime.xapi
        await asyncio.sleep(0.2)  # the job's first run sets its cursors
        learn(runtime.engine, "gus", MONDAY)
        clock.set(MONDAY + timedelta(days=1, minutes=1))
        deadline = time.monotonic() + 20
        while (relay.backlog(clock.now()).pending or len(mine(ralph, "gus")) < 4) \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert len(mine(ralph, "gus")) == 4
        assert relay.backlog(clock.now()).pending == 0
        wanted = ("microlearn_xapi_backlog 0.0", "microlearn_xapi_backlog_age_seconds 0.0")
        text = ""
        async with aiohttp.ClientSession() as client:
            # A scrape while the relay writes to SQLite may find the database locked, and then
            # leaves the figure out (as documented); the next one has it.
            for _ in range(50):
                async with client.get(f"http://127.0.0.1:{port}/metrics") as response:
                    text = await response.text()
                if all(line in text for line in wanted):
                    break
                await asyncio.sleep(0.2)
        xapi = [line for line in text.splitlines() if line.startswith("microlearn_xapi")]
        assert all(line in text for line in wanted), xapi
    finally:
        await runtime.stop()
