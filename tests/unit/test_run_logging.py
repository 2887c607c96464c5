"""What ``microlearn run`` tells an operator's log: the library it loaded, each lesson file
added, changed or removed later, and, with ``--log-format json``, one JSON object per line."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Runtime
from bot.config import Secrets, Settings
from bot.messages import Platform
from scheduler.clock import ManualClock
from tests.conftest import SAMPLE
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def runtime_on(tmp_path: Path, lessons: dict[str, object]) -> Runtime:
    """The bot on these ``[lessons]`` settings, a database in ``tmp_path``, one recording
    adapter and no web server (not started)."""
    settings = Settings.model_validate({
        "lessons": lessons, "server": {"enabled": False},
        "storage": {"url": f"sqlite:///{tmp_path / 'bot.db'}"}})
    clock = ManualClock(MONDAY)
    return Runtime(settings, Secrets(None, None, None, None), clock,
                   adapters={Platform.TELEGRAM: RecordingAdapter(clock.now)})


async def test_an_empty_lesson_folder_is_warned_about(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """A volume not mounted yet: the bot had run with an INFO line and learners got nothing."""
    (tmp_path / "empty").mkdir()
    runtime = runtime_on(tmp_path, {"dir": str(tmp_path / "empty")})
    await runtime.start()
    try:
        [warning] = [record for record in caplog.records
                     if "holds no lesson" in record.getMessage()]
        assert warning.levelname == "WARNING"
        assert "check [lessons] dir (a volume not mounted?)" in warning.getMessage()
    finally:
        await runtime.stop()


async def test_start_logs_the_library_and_later_each_file_added_changed_or_removed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lessons = tmp_path / "lessons"
    shutil.copytree(SAMPLE, lessons)
    runtime = runtime_on(tmp_path, {"dir": str(lessons)})
    caplog.set_level(logging.INFO)
    await runtime.start()
    try:
        assert f"lessons: 28 lessons in 4 tracks, 84 questions, loaded from {lessons}" in \
            messages(caplog), messages(caplog)
        assert runtime.engine is not None
        catalog = runtime.engine.catalog
        caplog.clear()
        (lessons / "security" / "new-one.md").write_text("# Lock your screen\n\nAlways.\n",
                                                        encoding="utf-8")
        catalog.refresh()  # what the folder watcher does on a file-system event
        (lessons / "git" / "branches.md").write_text("# Branches, in short\n\nBranch.\n",
                                                    encoding="utf-8")
        catalog.refresh([lessons / "git" / "branches.md"])
        (lessons / "productivity" / "taking-notes.md").unlink()
        catalog.refresh()
        (lessons / "security" / "broken.md").write_text("---\norder: x\n---\n# B\n\nB.\n",
                                                       encoding="utf-8")
        catalog.refresh()
        (lessons / "security" / "broken.md").unlink()  # its errors were logged: now it is gone
        catalog.refresh()
        assert [m for m in messages(caplog) if m.startswith("lesson ")] == [
            "lesson added: security/new-one (security/new-one.md)",
            "lesson changed: git/branches (git/branches.md)",
            "lesson removed: productivity/taking-notes",
            "lesson file removed: security/broken.md (it had errors)",
        ], messages(caplog)
    finally:
        await runtime.stop()


def test_log_format_json_writes_one_object_per_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n'
                      f'[storage]\nurl = "sqlite:///{tmp_path / "run.db"}"\n'
                      '[server]\nenabled = false\n'
                      '[telegram]\nenabled = true\napi_base_url = "http://127.0.0.1:9/bot"\n',
                      encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--log-format", "json", "run", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
        env={"TELEGRAM_BOT_TOKEN": "123:abc", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    loaded = [r for r in records if r["message"].startswith("lessons: 28 lessons")]
    assert len(loaded) == 1 and loaded[0]["level"] == "INFO"
    assert records[-1]["level"] == "ERROR"
    assert "cannot reach the Telegram Bot API" in records[-1]["message"]
    assert "123:abc" not in result.stderr


async def test_a_track_order_naming_no_track_is_logged_at_start(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runtime = runtime_on(tmp_path, {"dir": str(SAMPLE),
                                    "track_order": ["Git-Basics", "securty-basics"]})
    caplog.set_level(logging.INFO)
    await runtime.start()
    try:
        [warning] = [m for m in messages(caplog) if m.startswith("[lessons] track_order")]
        assert warning.startswith(  # a name in another case is the track
            "[lessons] track_order names 'securty-basics' (did you mean 'security-basics'?), "
            "which no lesson's track is; the tracks are: ")
    finally:
        await runtime.stop()


def test_text_lines_end_with_the_records_context() -> None:
    """An operator reading the text log sees whose delivery failed, as the JSON log says."""
    from bot.cli import TextLines

    logger = logging.getLogger("microlearn.test.text")
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1,
                               "delivery %s failed: %s", (7, "channel_not_found"), None,
                               extra={"platform": "slack", "learner": 12, "delivery": 7})
    line = TextLines().format(record)
    assert line.endswith(
        "WARNING microlearn.test.text: delivery 7 failed: channel_not_found "
        "[platform=slack learner=12 delivery=7]"), line
    plain = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "started", (), None)
    assert TextLines().format(plain).endswith("INFO microlearn.test.text: started")


def test_a_start_logs_a_few_warnings_of_each_kind_and_counts_the_rest(
        caplog: pytest.LogCaptureFixture) -> None:
    """200 files with the same warning were 200 lines at every start."""
    from bot.app import START_WARNINGS_OF_A_KIND, log_start_problems
    from bot.content.model import Problem, Severity

    caplog.set_level(logging.WARNING)
    spaced = [Problem(f"hr/policy {number:03}.md", 1, Severity.WARNING,
                      f"the file's path has a space, so its lesson id does too ('hr/policy "
                      f"{number:03}'): rename it") for number in range(1, 201)]
    errors = [Problem(f"bad-{number}.md", 2, Severity.ERROR, "empty file") for number in range(8)]
    other = Problem("x.md", 3, Severity.WARNING, "unknown front-matter key 'titel' is ignored")
    log_start_problems([*errors, *spaced, other])
    said = messages(caplog)
    assert said[:8] == [str(error) for error in errors]  # every error
    assert said[8:8 + START_WARNINGS_OF_A_KIND] == [str(p) for p in spaced[:5]]
    assert str(other) in said and len(said) == 8 + 5 + 1 + 1
    assert said[-1] == ("... and 195 more warnings like the one on hr/policy 005.md, not logged "
                        "one by one: hr/policy 006.md, hr/policy 007.md, hr/policy 008.md, ... "
                        "(`microlearn lessons check` lists a folder's problems)")
