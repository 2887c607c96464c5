"""`microlearn run` killed with SIGKILL in the middle of a fan-out, then restarted: at the fake
Telegram, every learner has each message exactly once (0 lost, 0 duplicated)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, upgrade
from tests.fakes.harness import enrol_due
from tests.fakes.network import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
LEARNERS = 40
TOKEN = "123456:CRASH-test-token"
PARAGRAPH = ("Feedback lands when it names what happened, what it changed, and what to try "
             "next; say it soon, in private, and ask how the other person saw it. ")


def long_lesson(folder: Path) -> Path:
    """One lesson longer than a Telegram message: each delivery is two platform messages, so
    a kill can fall between them."""
    folder.mkdir()
    body = "\n\n".join(f"{number}. {PARAGRAPH * 3}" for number in range(12))
    (folder / "long.md").write_text(f"---\ntitle: Feedback in depth\ntopic: feedback\n---\n"
                                    f"{body}\n", encoding="utf-8")
    return folder



def start(command: list[str], log: Path, **environment: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **environment})


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def sent_lines(record: Path) -> list[str]:
    """The fake platform's complete record lines: it may be writing the last one as it is read,
    and half a line is neither a send nor valid JSON."""
    text = record.read_text()
    return text.split("\n")[:-1]  # the part after the last line break is unfinished or empty


def recorded(url: str) -> int:
    """Platform messages the outbox has recorded as out: all of a sent lesson's two, and the
    parts of the others."""
    database = Database(url)
    try:
        with database.session() as session:
            rows = session.execute(text("SELECT status, parts_sent FROM delivery")).all()
    finally:
        database.dispose()
    return sum(2 if status == "sent" else parts for status, parts in rows)


def test_sigkill_mid_fan_out_then_restart_loses_and_repeats_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    database = Database(url)
    upgrade(database)
    enrol_due(database, LEARNERS)
    database.dispose()
    record, marker = tmp_path / "sent.jsonl", tmp_path / "holding"
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api", "--record", str(record),
         "--limit-global", "30", "--limit-chat", "1", "--hold-after", str(LEARNERS // 2 * 2),
         "--hold-marker", str(marker)],
        cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert fake.stdout is not None
    base_url = fake.stdout.readline().decode().strip()
    config = tmp_path / "config.toml"
    port = free_port()
    config.write_text(f"""
[lessons]
dir = "{long_lesson(tmp_path / 'lessons')}"
[storage]
url = "{url}"
[schedule]
tick_seconds = 0.2
[server]
port = {port}
[telegram]
enabled = true
api_base_url = "{base_url}"
""", encoding="utf-8")
    log = tmp_path / "run.log"
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    bots: list[subprocess.Popen[bytes]] = []
    try:
        bots.append(start(command, log, TELEGRAM_BOT_TOKEN=TOKEN))
        wait_until(marker.exists, 60, "the fan-out to reach the held message")
        # The window docs/delivery.md admits (accepted, killed before it was recorded) is not
        # what this test is about: the fake now holds every send, so nothing more is accepted;
        # kill once all it accepted is recorded, however slow the machine is.
        while True:  # a send let through just before the hold may still be answered: settle
            accepted = len(sent_lines(record))
            wait_until(lambda: recorded(url) >= accepted, 30,  # noqa: B023 - read at once
                       "the accepted messages to be recorded")
            if len(sent_lines(record)) == accepted:
                break
        bots[0].send_signal(signal.SIGKILL)
        bots[0].wait(10)
        accepted_before = len(sent_lines(record))
        marker.unlink()  # the held send was never accepted: it fails
        bots.append(start(command, log, TELEGRAM_BOT_TOKEN=TOKEN))

        def lines() -> list[dict[str, object]]:
            return [json.loads(line) for line in sent_lines(record)]

        wait_until(lambda: len({line["chat_id"] for line in lines()}) == LEARNERS
                   and len(lines()) >= 2 * LEARNERS, 60, "every learner's lesson")
        time.sleep(0.5)  # anything sent twice would show up now
        # /healthz is served in polling mode too: the database, the poller, the ticks.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            health = json.loads(answer.read())
        assert health["ok"] is True and health["connected"] == {"telegram": True}, health
        bots[1].send_signal(signal.SIGTERM)
        assert bots[1].wait(20) == 0, log.read_text()[-3000:]
    finally:
        for process in (*bots, fake):
            if process.poll() is None:
                process.kill()
                process.wait()
    sent = lines()
    assert 0 < accepted_before < 2 * LEARNERS  # the kill came in the middle
    per_chat = Counter(line["chat_id"] for line in sent)
    assert len(per_chat) == LEARNERS and set(per_chat.values()) == {2}, per_chat  # 0 lost
    assert set(Counter((line["chat_id"], line["text"]) for line in sent).values()) == {1}
    database = Database(url)
    with database.unit() as unit:
        assert unit.deliveries.counts() == {"sent": LEARNERS}
    database.dispose()
