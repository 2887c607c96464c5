"""``microlearn run`` on SQLite: a second run on the same file is refused before it touches the
database or a platform (both would poll one Telegram bot), and starts once the first stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.runlock import DatabaseInUse
from tests.conftest import SAMPLE
from tests.unit.test_run_logging import runtime_on


async def test_a_second_run_on_one_sqlite_file_is_refused_until_the_first_stops(
        tmp_path: Path) -> None:
    first = runtime_on(tmp_path, {"dir": str(SAMPLE)})
    second = runtime_on(tmp_path, {"dir": str(SAMPLE)})
    await first.start()
    try:
        with pytest.raises(DatabaseInUse, match=r"another microlearn run \(pid \d+, since"):
            await second.start()
        assert second.started == []  # no platform was started
    finally:
        await first.stop()
    await second.start()
    await second.stop()
