"""Replicas that start together on an empty PostgreSQL database: one upgrades the schema, the
others wait for it and find it up to date (each used to try to create the tables, and all but
one stopped with a duplicate-key error)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from storage import Database, upgrade
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL tests need "
                    "MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
def test_replicas_upgrading_an_empty_database_at_once_all_start() -> None:
    assert POSTGRES_URL is not None
    schema = f"race_{uuid.uuid4().hex[:12]}"
    admin = Database(POSTGRES_URL)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    replicas = [Database(POSTGRES_URL, schema=schema) for _ in range(3)]
    try:
        with ThreadPoolExecutor(len(replicas)) as pool:
            results = list(pool.map(upgrade, replicas))
        befores = sorted(str(before) for before, _ in results)
        assert befores.count("None") == 1  # one made the schema, the others found it made
        assert len({after for _, after in results}) == 1
    finally:
        for database in replicas:
            database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
