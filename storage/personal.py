"""Everything stored about one learner, for their `mydata` (the right of access).

Rather than a list of tables someone must remember to extend, this reads the learner's own row
and every row of every table that refers to a learner (a ``learner_id`` column): a table added
later is in the copy without a change here. Values come out as JSON's types (times and days as
ISO 8601 text, UTC).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

import storage.tables  # noqa: F401 - every table in the metadata

SECRET_TABLES = frozenset({"link_code"})
"""Left out of the file: a live link code's hash is a key to the learner, not data about them
(a short code under a hash could be found by trying them all within its ten minutes)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    return [{key: _plain(value) for key, value in row._mapping.items()}
            for row in session.execute(select(table).where(where).order_by(*order))]


class PersonalData:
    """Reads one learner's data in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, learner_id: int) -> dict[str, list[dict[str, Any]]]:
        """Table name -> the learner's rows in it (``learner``: their own row), for every
        table that holds anything of theirs; tables without a row of theirs are left out."""
        found: dict[str, list[dict[str, Any]]] = {}
        for table in SQLModel.metadata.sorted_tables:
            if table.name in SECRET_TABLES:
                continue
            if table.name == "learner":
                rows = _rows(self.session, table, table.c.id == learner_id)
            elif "learner_id" in table.c:
                rows = _rows(self.session, table, table.c.learner_id == learner_id)
            else:
                continue
            if rows:
                found[table.name] = rows
        return found
