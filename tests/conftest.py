"""Shared fixtures: lesson folders, a migrated database on SQLite and PostgreSQL, bounded waits."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.content.catalog import Catalog
from storage import Database, upgrade

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
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'test.db'}")
        upgrade(db)
        yield db
        db.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = Database(POSTGRES_URL)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(POSTGRES_URL, schema=schema)
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
