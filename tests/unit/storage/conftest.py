"""A migrated database per test, on SQLite and, when its URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, upgrade

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
