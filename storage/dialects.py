"""The one place that picks a database's own INSERT (ON CONFLICT is not portable SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_for(dialect: str) -> Any:
    """``insert`` of ``dialect`` ('postgresql', else SQLite's), with ON CONFLICT clauses."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_of(session: Session) -> Any:
    """:func:`insert_for` the database ``session`` is bound to."""
    return insert_for(session.get_bind().dialect.name)
