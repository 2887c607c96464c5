"""Connecting to the database and bringing its schema up to date.

SQLite is the embedded default: one file, write-ahead logging so readers never wait for the
writer, a busy timeout instead of "database is locked" errors, and foreign keys on (SQLite leaves
them off). PostgreSQL is for several bot processes sharing one database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlmodel import Session, create_engine

from storage.errors import MigrationError, StorageError
from storage.reports import Reports, outbox
from storage.unit import Unit

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """Accept the URLs people write: 'postgresql://' means the psycopg 3 driver here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL points at (None for PostgreSQL, an in-memory database or a URL
    that cannot be read)."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _private_sqlite_file(path: Path) -> None:
    """Create the SQLite file ``path``, readable and writable by its owner only (0600), when
    it is not there yet: it holds every learner's name and words, and SQLite gives its -wal
    and -shm files the database file's mode. A file that is there keeps its mode (the
    operator's choice)."""
    # There already, or its folder missing: SQLite then opens it, or says why in its words.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def remove_sqlite_file(path: Path) -> None:
    """Delete an SQLite database file and its companions (write-ahead log, shared memory)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _database_error(error: BaseException) -> BaseException | None:
    """The driver's error ``error`` is, or was raised from (a repository may wrap it)."""
    return error if isinstance(error, DBAPIError) else error.__cause__


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is away for now (refused or dropped connections, a
    server restarting, SQLite's busy lock) rather than that a statement is wrong: worth
    waiting for, since the same work succeeds once the database is back."""
    found = _database_error(error)
    if isinstance(found, DBAPIError) and found.connection_invalidated:
        return True
    return isinstance(found, OperationalError | InterfaceError)


def never_reached(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached at all, so nothing of the work
    was stored and doing it again cannot apply it twice: a connection that could not be made,
    or SQLite's busy lock. A connection dropped mid-way (maybe during the commit) is not: its
    outcome is unknown."""
    found = _database_error(error)
    if not isinstance(found, OperationalError) or found.connection_invalidated:
        return False
    if isinstance(found.orig, sqlite3.Error):
        return "locked" in str(found.orig) or "busy" in str(found.orig)
    return True


class Database:
    """One database: an engine, sessions, and the schema version.

    ``schema`` (PostgreSQL only) puts every table in that schema, which tests use to stay apart.
    """

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.given_url = url
        self.url = normalize_url(url)
        self.schema = schema
        try:
            parsed = make_url(self.url)
        except (ArgumentError, ValueError) as exc:  # a port that is not a number: ValueError
            raise StorageError(
                f"storage url '{_hide_password(url)}' is not a database URL; use for example "
                "'sqlite:///microlearn.db' or 'postgresql://user@host:5432/dbname'"
            ) from exc
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise StorageError(
                f"storage url '{parsed.render_as_string()}' is a "
                f"{parsed.get_backend_name()} database; microlearn runs on SQLite "
                "('sqlite:///microlearn.db') or PostgreSQL ('postgresql://user@host:5432/db')")
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if "@" in (parsed.host or ""):
            # "user:p@ss@host": the driver would read "ss@host" as the host and print it,
            # a piece of the password, in its error.
            raise StorageError(
                f"storage url '{self.safe_url}' has an '@' in its password (or two '@'); "
                "write it percent-encoded, '@' as %40, or keep the password out of the URL "
                "(PGPASSWORD or ~/.pgpass)")
        options: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite}
        if not self.is_sqlite:
            # A server that does not answer (a partition, a dead host) is an outage in 10 s,
            # not a connection attempt hanging for minutes with the dispatcher's database
            # thread, and so the heartbeat, behind it; keepalives find a dead connection.
            # The URL's own settings win (?connect_timeout=30).
            connect: dict[str, Any] = {
                "connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                "keepalives_interval": 10, "keepalives_count": 3}
            connect = {key: value for key, value in connect.items()
                       if key not in parsed.query}
            if schema:
                connect["options"] = f"-csearch_path={schema}"
            options["connect_args"] = connect
        try:
            self.engine: Engine = create_engine(self.url, **options)
        except (ArgumentError, ImportError) as exc:
            raise StorageError(f"cannot use storage url '{parsed.render_as_string()}': {exc}") \
                from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            file = sqlite_file(self.url)
            if file is not None and "uri" not in parsed.query:  # a file: URI names no path
                # Before SQLite opens it: it would create the file with the umask's mode.
                event.listen(self.engine, "do_connect",
                             lambda *_: _private_sqlite_file(file))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """The repositories of one transaction: committed on success, rolled back on any
        error (what the engine and the scheduler work with; they never see a session)."""
        with self.session() as session:
            yield Unit(session)

    def outbox_figures(self, now: datetime) -> tuple[dict[str, int], int, int, float]:
        """The outbox's figures for /metrics (see :func:`storage.reports.outbox`)."""
        with self.session() as session:
            return outbox(session, now)

    @contextmanager
    def reports(self) -> Iterator[Reports]:
        """The dashboard's read-only queries, in one transaction."""
        with self.session() as session:
            yield Reports(session)

    @property
    def safe_url(self) -> str:
        """The URL as given, with any password hidden, fit for logs and messages: all between
        the user's ':' and the last '@' before the host, which a password with an '@' in it
        (not percent-encoded) would leave partly shown by the URL parser."""
        return _hide_password(self.given_url)

    def server_time(self) -> datetime | None:
        """The database server's clock (None on SQLite, which has no server: its time is this
        machine's; None too when it cannot be read: the database's errors come with its first
        real use)."""
        if self.is_sqlite:
            return None
        try:
            with self.engine.connect() as connection:
                value = connection.exec_driver_sql("SELECT now()").scalar_one()
        except SQLAlchemyError:
            return None
        return value if isinstance(value, datetime) else None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _hide_password(url: str) -> str:
    """``url`` with all between the user's ':' and the last '@' before the host hidden (a
    password with an '@' in it, not percent-encoded, would be left partly shown by a URL
    parser). Without '//' to find the user by, all before the last '@' is hidden."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, sep, rest = url.partition("//")  # "postgresql//u:p@h/db", a slip
        if not sep:
            return url if "@" not in url else "***@" + url.rpartition("@")[2]
    path_at = rest.find("/", rest.rfind("@") + 1)
    authority, tail = (rest, "") if path_at < 0 else (rest[:path_at], rest[path_at:])
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}{sep}{user}{':***' if colon else ''}@{host}{tail}"


UPGRADE_LOCK = 0x6D6C5F6D6967  # "ml_mig": one number for every microlearn process
"""The PostgreSQL advisory lock a schema upgrade holds."""


def upgrade(database: Database, revision: str = "head",
            announce: bool = True) -> tuple[str | None, str | None]:
    """Apply the migrations up to ``revision`` (what start-up and ``microlearn db upgrade`` do);
    the schema's revision before (None: a database without microlearn's tables) and after.
    ``announce``: log a schema made or changed (a dashboard or a bot started on an older
    database upgraded it without a word; `db upgrade` says so itself)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        connection = database.engine.connect()
    except OperationalError as exc:
        file = sqlite_file(database.url)
        if file is not None and not file.parent.is_dir():
            raise StorageError(
                f"cannot make the database {file}: the folder {file.parent} does not exist; "
                "create it, or give a path in a folder that exists") from exc
        name = make_url(database.url).database
        if f'database "{name}" does not exist' in str(exc.orig) and not database.is_sqlite:
            raise StorageError(
                f"the database server at '{database.safe_url}' has no database {name!r}; "
                f"create it (CREATE DATABASE {name}, or createdb {name}) or fix the URL"
            ) from exc
        raise StorageError(
            f"cannot reach the database at '{database.safe_url}': "
            f"{exc.orig}; check the URL and that the server is running"
        ) from exc
    except SQLAlchemyError as exc:
        file = sqlite_file(database.url)
        if file is not None:  # SQLite opens any file, and fails at its first statement
            raise StorageError(
                f"{file} is not an SQLite database ({getattr(exc, 'orig', exc)}); point the "
                "URL at a microlearn database, or at a new file name to make one") from exc
        raise StorageError(
            f"cannot use the database at '{database.safe_url}': "
            f"{getattr(exc, 'orig', exc)}") from exc
    try:
        with connection:
            if database.is_sqlite:
                # SQLite alters a table by copying it and dropping the old one; with foreign keys
                # on, that drop would cascade and delete every row that refers to it. The pragma
                # only takes effect outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            with connection.begin():
                if not database.is_sqlite:
                    # Replicas starting together on an empty database would each create the
                    # tables: one upgrades, the others wait for it (the lock ends with the
                    # transaction) and then find the schema up to date.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
                before = MigrationContext.configure(connection).get_current_revision()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                after = MigrationContext.configure(connection).get_current_revision()
            if database.is_sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
        if announce and before is None:
            # Replicas started together on an empty database: only this line tells which one
            # made the schema (the others find it up to date), or that it was made at all.
            log.info("created microlearn's tables in %s at schema %s", database.safe_url, after)
        elif announce and before != after:
            log.warning("upgraded the database at %s from schema %s to %s", database.safe_url,
                        before, after)
        return before, after
    except CommandError as exc:
        raise MigrationError(
            f"the database at '{database.safe_url}' has a schema this version does not know "
            f"({exc}); is it used by a newer microlearn? Upgrade microlearn, or point at "
            "another database") from exc
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise MigrationError(
            f"could not upgrade the database schema at '{database.safe_url}': {reason}; if "
            "the database holds tables of another program, use a database of its own"
        ) from exc
