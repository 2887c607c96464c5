"""Shared fixtures: lesson folders, a migrated database on SQLite and PostgreSQL, bounded waits."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from storage import Database
from tests.fakes.scratch import scratch_database

DATA = Path(__file__).parent / "data" / "lessons"
SAMPLE = Path(__file__).parent.parent / "lessons"


@pytest.fixture
def data_dir() -> Path:
    """The checked-in test lesson folders (good/, bad/, cross/)."""
    return DATA


def wait_for(condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> float:
    """Poll ``condition`` until it holds; return the seconds it took. Fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started


@pytest.fixture(scope="session")
def sample_catalog() -> Catalog:
    """The sample library, loaded once."""
    catalog = Catalog(SAMPLE)
    catalog.load()
    return catalog


POSTGRES_URL = os.environ.get("MICROLEARN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated database of the test's own, on SQLite and on PostgreSQL."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    with scratch_database(POSTGRES_URL if request.param == "postgresql" else None) as db:
        yield db


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedding caches (and anything else kept in the user's cache folder) go to a scratch
    folder, also for the commands tests start: a test never writes to the real home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def _logger_levels() -> Iterator[None]:
    """Each test starts with the loggers' levels as the previous one found them: a command run
    in-process quietens loggers for its own output (`export` sets bot.content to ERROR), which
    had hidden the catalog's log lines from the tests that came after it."""
    loggers = [logging.getLogger(), *(logger for logger in logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    levels = {logger: logger.level for logger in loggers}
    yield
    for logger, level in levels.items():
        logger.setLevel(level)
    for made in logging.root.manager.loggerDict.values():
        if isinstance(made, logging.Logger) and made not in levels:
            made.setLevel(logging.NOTSET)  # made during the test: as a new one starts


def wide(text: str) -> str:
    """``text`` in full-width letters, as some East Asian keyboards type Latin ones."""
    return "".join(chr(ord(char) + 0xFEE0) if char.isascii() and char.isalpha() else char
                   for char in text)
