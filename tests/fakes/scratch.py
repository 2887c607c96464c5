"""Throw-away databases for tests and benchmarks: a temporary SQLite file, or a schema of its
own in a PostgreSQL database, migrated, and dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from storage import Database, upgrade


@contextmanager
def scratch_database(url: str | None = None, prefix: str = "test",
                     revision: str = "head") -> Iterator[Database]:
    """A migrated database nobody else uses: SQLite in a temporary folder when ``url`` is
    None, else a fresh schema (``database.schema``) in the PostgreSQL database at ``url``.
    ``revision``: the schema to migrate it to (an older one, to test an upgrade from it)."""
    if url is None or not url.startswith("postgres"):
        with tempfile.TemporaryDirectory() as folder:
            database = Database(url or f"sqlite:///{folder}/{prefix}.db")
            try:
                upgrade(database, revision)
                yield database
            finally:
                database.dispose()
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(url, schema=schema)
    try:
        upgrade(database, revision)
        yield database
    finally:
        database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
