"""``microlearn db upgrade`` as an operator uses it: the URL from the config, a word when it
made a new database, and no migration chatter at the default log level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def microlearn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_db_upgrade_reads_the_url_from_the_config_and_says_it_created_the_database(
        tmp_path: Path) -> None:
    database = tmp_path / "from-config.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    first = microlearn("db", "upgrade", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert database.exists()
    assert f"created a new database at sqlite:///{database}" in first.stdout, first.stdout
    assert first.stderr == ""  # no INFO lines of the migrations
    again = microlearn("db", "upgrade", "--config", str(config))
    assert again.returncode == 0 and "created" not in again.stdout
    assert again.stdout.strip() == f"database sqlite:///{database} is up to date"


def test_db_upgrade_names_the_config_key_when_its_url_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\nurl = "mysql://x@y/z"\n', encoding="utf-8")
    result = microlearn("db", "upgrade", "--config", str(config))
    assert result.returncode == 1 and "[storage] url:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_takes_a_url_or_a_config_not_both(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    result = microlearn("db", "upgrade", "--config", str(config), "--db", "sqlite:///x.db")
    assert result.returncode == 2 and "either --db or --config" in result.stderr


def test_microlearn_run_logs_no_migration_chatter(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "run.db"}"\n'
                      '[server]\nenabled = false\n'
                      '[telegram]\nenabled = true\napi_base_url = "http://127.0.0.1:9/bot"\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"TELEGRAM_BOT_TOKEN": "123:abc", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1  # the API cannot be reached; the migrations ran before
    assert "alembic" not in result.stderr and "Running upgrade" not in result.stderr, \
        result.stderr
