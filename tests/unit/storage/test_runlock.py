"""One ``microlearn run`` per SQLite file: a second is refused with what to do, a crashed one
never blocks the next start, and PostgreSQL (replicas) takes no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.runlock import DatabaseInUse, hold_sqlite, lock_file

SINCE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOLD = """
import sys
from datetime import UTC, datetime
from storage.runlock import hold_sqlite
held = hold_sqlite(sys.argv[1], datetime.now(UTC))
print("held" if held else "none", flush=True)
sys.stdin.read()  # until the test kills it
"""


def test_a_second_holder_is_refused_with_the_first_ones_pid_and_what_to_do(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = hold_sqlite(url, SINCE)
    assert first is not None
    with pytest.raises(DatabaseInUse) as refused:
        hold_sqlite(url, SINCE)
    message = str(refused.value)
    assert f"another microlearn run (pid {os.getpid()}, since 2026-03-02 08:00:00+00:00)" \
        in message
    assert "stop it, or use PostgreSQL for several replicas" in message
    first.release()
    assert not lock_file(tmp_path / "bot.db").exists()  # a clean stop leaves nothing behind
    again = hold_sqlite(url, SINCE)  # released: the next start runs
    assert again is not None
    again.release()


def test_a_killed_run_never_blocks_the_next_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUse, match=f"pid {holder.pid}, since"):
            hold_sqlite(url, SINCE)
    finally:
        holder.send_signal(signal.SIGKILL)  # a crash: no clean-up runs
        holder.wait(timeout=10)
    assert lock_file(tmp_path / "bot.db").exists()  # left behind, and harmless
    after = hold_sqlite(url, SINCE)
    assert after is not None
    after.release()


@pytest.mark.parametrize("url", ["postgresql://u@127.0.0.1:5432/db", "sqlite://",
                                 "sqlite:///no/such/folder/bot.db"])
def test_replicas_memory_and_missing_folders_take_no_lock(url: str) -> None:
    assert hold_sqlite(url, SINCE) is None
