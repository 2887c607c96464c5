"""``microlearn db upgrade`` as an operator uses it: the URL from the config, a word when it
made a new database, and no migration chatter at the default log level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def microlearn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_db_upgrade_reads_the_url_from_the_config_and_says_it_created_the_database(
        tmp_path: Path) -> None:
    database = tmp_path / "from-config.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    first = microlearn("db", "upgrade", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert database.exists()
    assert f"created a new database at sqlite:///{database}" in first.stdout, first.stdout
    assert first.stderr == ""  # no INFO lines of the migrations
    again = microlearn("db", "upgrade", "--config", str(config))
    assert again.returncode == 0 and "created" not in again.stdout
    assert again.stdout.strip() == f"database sqlite:///{database} is up to date"


def test_db_upgrade_names_the_config_key_when_its_url_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\nurl = "mysql://x@y/z"\n', encoding="utf-8")
    result = microlearn("db", "upgrade", "--config", str(config))
    assert result.returncode == 1 and "[storage] url:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_takes_a_url_or_a_config_not_both(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    result = microlearn("db", "upgrade", "--config", str(config), "--db", "sqlite:///x.db")
    assert result.returncode == 2 and "either --db or --config" in result.stderr


def test_microlearn_run_logs_no_migration_chatter(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "run.db"}"\n'
                      '[server]\nenabled = false\n'
                      '[telegram]\nenabled = true\napi_base_url = "http://127.0.0.1:9/bot"\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"TELEGRAM_BOT_TOKEN": "123:abc", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1  # the API cannot be reached; the migrations ran before
    assert "alembic" not in result.stderr and "Running upgrade" not in result.stderr, \
        result.stderr
    # One line of ours says the schema was made (a run on an empty database had said nothing).
    made = [line for line in result.stderr.splitlines() if "created microlearn's tables" in line]
    assert len(made) == 1 and f"in sqlite:///{tmp_path / 'run.db'} at schema 0" in made[0], \
        result.stderr


def test_an_upgrade_on_start_is_said_and_a_missing_folder_or_database_is_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A dashboard started on an older database upgraded it without a word; the errors for a
    # folder that does not exist and a PostgreSQL database never made pointed at a "server".
    from storage import Database, StorageError, upgrade

    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(database, "0014")
        before, after = upgrade(database)
    finally:
        database.dispose()
    assert before == "0014" and after is not None and after != before
    assert [r.getMessage() for r in caplog.records if "upgraded the database" in r.getMessage()
            ] == [f"upgraded the database at sqlite:///{tmp_path / 'old.db'} from schema 0014 "
                  f"to {after}"]
    nowhere = Database(f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")
    with pytest.raises(StorageError, match=r"the folder .* does not exist; create it"):
        upgrade(nowhere)
    nowhere.dispose()


def test_a_postgresql_database_never_made_is_named_with_how_to_make_it() -> None:
    import os

    from sqlalchemy.engine import make_url

    from storage import Database, StorageError, upgrade

    url = os.environ.get("MICROLEARN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    missing = make_url(url).set(database="microlearn_never_made").render_as_string(
        hide_password=False)
    database = Database(missing)
    try:
        with pytest.raises(StorageError, match="has no database 'microlearn_never_made'; "
                                               "create it"):
            upgrade(database)
    finally:
        database.dispose()


def test_a_password_is_never_shown_in_part() -> None:
    """'hun@ter2' had been read as the password 'hun' and the host 'ter2@127.0.0.1', which the
    driver's error then printed."""
    from storage import Database, StorageError

    with pytest.raises(StorageError) as refused:
        Database("postgresql://postgres:hun@ter2@127.0.0.1:5432/shop")
    assert "ter2" not in str(refused.value) and "hun" not in str(refused.value)
    assert "'@' as %40" in str(refused.value)
    for url, shown in (
            ("postgresql://app:s3cret@db:5432/shop?sslmode=require",
             "postgresql://app:***@db:5432/shop?sslmode=require"),
            ("postgresql://app:p%40ss@db/shop", "postgresql://app:***@db/shop"),
            ("postgresql://app@db/shop", "postgresql://app@db/shop")):
        assert Database(url).safe_url == shown
    # Nor in a URL that cannot be read (a missing ':', a port that is not a number).
    for url in ("postgresql//app:s3cret@db/shop", "postgresql://app:s3cret@db:abc/shop"):
        with pytest.raises(StorageError, match="is not a database URL") as bad:
            Database(url)
        assert "s3cret" not in str(bad.value) and "app:***@db" in str(bad.value)


def test_a_schema_made_on_start_is_said_once_without_the_password(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two replicas started on an empty database: the one that made the schema says so, at
    INFO, naming the revision; the other finds it up to date and says nothing (a review found
    no word of it in either log). A password in the URL is never shown."""
    import logging
    import os
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    from storage import Database, upgrade

    caplog.set_level(logging.INFO, logger="storage.database")
    url, shown = f"sqlite:///{tmp_path / 'new.db'}", f"sqlite:///{tmp_path / 'new.db'}"
    made = None
    server = os.environ.get("MICROLEARN_TEST_POSTGRES_URL")
    if server:  # PostgreSQL: a database of its own, and a password (trust auth ignores it)
        made = f"ml_created_{uuid.uuid4().hex[:8]}"
        base = make_url(server)
        with psycopg.connect(base.set(drivername="postgresql").render_as_string(
                hide_password=False), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {made}")
        url = base.set(database=made, password="s3cret").render_as_string(hide_password=False)
        shown = url.replace(":s3cret@", ":***@")
    try:
        for _ in range(2):
            database = Database(url)
            try:
                before, after = upgrade(database)
            finally:
                database.dispose()
        lines = [r for r in caplog.records if r.name == "storage.database"]
        assert [(r.levelno, r.getMessage()) for r in lines] == [
            (logging.INFO, f"created microlearn's tables in {shown} at schema {after}")]
        assert before == after and "s3cret" not in caplog.text
    finally:
        if made is not None:
            with psycopg.connect(make_url(server).set(drivername="postgresql").render_as_string(
                    hide_password=False), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {made} WITH (FORCE)")
