"""Config mistakes an operator made trying the bot: each refused with the file and the key, or
warned about, before anything starts."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load
from bot.errors import ConfigError


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[bot]\ntrainers = ["U024BE7LH"]',
         "bot.trainers.0: 'U024BE7LH' needs its platform: write it like 'slack:U024BE7LH'"),
        ('[bot]\ntrainers = ["skype:bob"]', "bot.trainers.0: 'skype:bob' needs its platform"),
        ('[bot]\ntrainers = ["telegram:"]', "bot.trainers.0: 'telegram:' needs"),
        ('[telegram]\nenabled = true\nmode = "webhook"\nwebhook_url = "http://bot.example.com/tg"',
         "telegram.webhook_url: 'http://bot.example.com/tg' is not an https:// URL"),
        ('[telegram]\nwebhook_url = "bot.example.com/tg"', "telegram.webhook_url: "),
        ('[telegram]\nenabled = "yes"', "telegram.enabled: 'yes' is not true or false"),
        ("[slack]\nenabled = 1", "slack.enabled: 1 is not true or false"),
        ('[server]\nenabled = "false"', "server.enabled: 'false' is not true or false"),
        ('[schedule]\nwaking_hours = "08:00-08:00"', "schedule.waking_hours: '08:00-08:00' is "
         "empty"),
    ],
)
def test_a_bad_value_is_refused_with_the_key(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: {words}"), str(caught.value)


def test_good_trainers_and_a_https_webhook_pass(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[bot]\ntrainers = ["slack:U024BE7LH", "telegram:42", "console:you"]\n'
                    '[telegram]\nenabled = true\nmode = "webhook"\n'
                    'webhook_url = "https://bot.example.com/tg"\n', encoding="utf-8")
    settings = load(path)
    assert settings.bot.trainers == ["slack:U024BE7LH", "telegram:42", "console:you"]


def warnings_loading(text: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings loading a config of ``text`` logs."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        load(path)
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_quiz_time_before_the_lesson_time_is_warned_about(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    [warning] = warnings_loading('[schedule]\nlesson_time = "09:00"\nquiz_time = "08:30"\n',
                                 tmp_path, caplog)
    assert "schedule.quiz_time" in warning and "before schedule.lesson_time" in warning
    assert warnings_loading('[schedule]\nlesson_time = "09:00"\nquiz_time = "15:00"\n',
                            tmp_path, caplog) == []


def test_a_dashboard_no_trainer_can_sign_in_to_is_warned_about(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    [warning] = warnings_loading("[dashboard]\nenabled = true\n", tmp_path, caplog)
    assert "[bot] trainers is empty" in warning
    assert warnings_loading('[bot]\ntrainers = ["slack:U1"]\n[dashboard]\nenabled = true\n',
                            tmp_path, caplog) == []


def test_the_storage_url_is_checked_before_the_platforms(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # Both wrong: no token for Telegram, and a database microlearn cannot use.
    config.write_text('[storage]\nurl = "mysql://x@y/z"\n[telegram]\nenabled = true\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "[storage] url:" in result.stderr and "TELEGRAM_BOT_TOKEN" not in result.stderr, \
        result.stderr


def test_waking_hours_across_midnight_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "night.toml"
    path.write_text('[schedule]\nwaking_hours = "20:00-08:00"\n', encoding="utf-8")
    assert load(path).schedule.waking_hours == "20:00-08:00"
