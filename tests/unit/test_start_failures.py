"""``microlearn run`` failing at start, in a real subprocess: a clear message naming the setting,
never a traceback, and no database file left behind by a start that did not happen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLE
from tests.fakes.network import free_port


def run_bot(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc"})


def telegram(api: str) -> str:
    return f'[server]\nport = {free_port()}\n[telegram]\nenabled = true\napi_base_url = "{api}"\n'


def test_a_storage_url_at_a_file_that_is_not_sqlite_names_the_setting(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    before = notes.read_bytes()
    config = tmp_path / "config.toml"
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "sqlite:///{notes}"\n'
                      + telegram(f"http://127.0.0.1:{free_port()}/bot"), encoding="utf-8")
    result = run_bot(config)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"[storage] url: {notes} is not an SQLite database" in result.stderr, result.stderr
    assert notes.read_bytes() == before  # the file is left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "notes.txt"]


def test_a_failed_start_leaves_no_new_database_file(tmp_path: Path) -> None:
    database = tmp_path / "new.db"
    config = tmp_path / "config.toml"
    # The lessons folder is wrong: the start fails after the database was opened.
    config.write_text(f'[lessons]\ndir = "{tmp_path}/none"\n[storage]\n'
                      f'url = "sqlite:///{database}"\n'
                      + telegram(f"http://127.0.0.1:{free_port()}/bot"), encoding="utf-8")
    result = run_bot(config)
    assert result.returncode == 1 and "[lessons] dir:" in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    # The platform cannot be reached: the start fails after the lessons loaded.
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "sqlite:///{database}"\n'
                      + telegram(f"http://127.0.0.1:{free_port()}/bot"), encoding="utf-8")
    result = run_bot(config)
    assert result.returncode == 1 and "cannot reach the Telegram Bot API" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_a_failed_start_keeps_a_database_that_was_there(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    url = f"sqlite:///{database}"
    made = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--db", url],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    config = tmp_path / "config.toml"
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "{url}"\n'
                      + telegram(f"http://127.0.0.1:{free_port()}/bot"), encoding="utf-8")
    result = run_bot(config)
    assert result.returncode == 1
    assert database.exists()
