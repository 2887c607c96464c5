"""The ``microlearn`` command line (DESIGN §3)."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from bot import __version__
from bot.content.catalog import Catalog, CatalogChange
from bot.content.folder import (
    LESSON_SUFFIXES,
    MAX_LESSON_BYTES,
    is_ignored_name,
    not_markdown,
    rel_path,
    set_aside,
)
from bot.content.loader import load_file
from bot.content.model import Lesson, Problem
from bot.content.search import LookupResult
from bot.errors import MicrolearnError

if TYPE_CHECKING:
    from bot.adapters.console import Prompt
    from bot.config import LookupSettings, Settings

DEFAULT_LESSONS = "lessons"
DEFAULT_DB = "sqlite:///microlearn.db"


class When(click.DateTime):
    """A date (or date and time) option whose refusal shows an example, not the strptime
    pattern ("does not match the format '%Y-%m-%dT%H:%M'" meant little to a trainer)."""

    def __init__(self, with_time: bool) -> None:
        self.example = "2026-03-02T09:00" if with_time else "2026-03-02"
        super().__init__(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] if with_time else ["%Y-%m-%d"])

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        """Shown in --help: the shape, not the pattern."""
        return "YYYY-MM-DDTHH:MM" if "T" in self.example else "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is not a real {'date and time' if 'T' in self.example else 'date'}"
                      f": write it like {self.example}", param, ctx)


class Instant(click.ParamType[datetime]):
    """A date and time in ISO form, with an offset (``+13:00``, ``Z``) or without one (then
    read in a zone the command chooses): `run --start`."""

    name = "instant"
    example = "2027-01-04T08:55"

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        """Shown in --help: the shape."""
        return "YYYY-MM-DDTHH:MM[+HH:MM]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            if len(text) < 16 or text[10] not in "T ":  # a date alone says no time of day
                raise ValueError(text)
            return datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not a date and time: write it like {self.example}, or "
                      f"with its offset like {self.example}+13:00 or {self.example}Z", param,
                      ctx)


def _existing_database(url: str, fix: str) -> None:
    """Refuse an SQLite file that is not there: opening it would make an empty database
    (a mistyped path would show empty figures, or none), so say ``fix`` instead."""
    from storage.database import sqlite_file

    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise click.ClickException(f"no database at {file}: {fix}")


def _config_here(config_file: str | None, url: str | None) -> str | None:
    """The config file a database command reads: the one given, else ./config.toml when it
    exists and no --db was given (as `run` and `xapi replay` read it: an operator who runs
    `db upgrade` beside the bot's config means the bot's database, not a new SQLite file)."""
    if config_file is None and url is None and Path("config.toml").is_file():
        click.echo("reading config.toml (give --db or --config to choose another database)",
                   err=True)
        return "config.toml"
    return config_file


def _learners_config(config_file: str | None, url: str | None) -> str | None:
    """The config a command that shows learners' data reads, found as `run` finds it
    (:func:`_config_read`), with or without --db, and said on stderr when found here. A --db
    given chooses only the database: naming it must not drop the config's [dashboard]
    pseudonymous (a trainer who promised learners pseudonymity would get their names by typing
    the database's URL)."""
    found = _config_read(config_file)
    if config_file is None and found is not None:
        click.echo("reading config.toml (give --db or --config to choose another database)"
                   if url is None else
                   "reading config.toml for its settings ([dashboard] pseudonymous among "
                   "them; the database is the one --db gives)", err=True)
    return found


def _learners_settings(config_file: str | None, url: str | None,
                       pseudonymous: bool) -> tuple[Settings, str]:
    """The settings and the database URL of a command that shows learners' data (see
    :func:`_learners_config`); ``pseudonymous`` (the --pseudonymous flag) hides names whatever
    the config says. Says once on stderr when names are shown because no config was read."""
    from bot.config import Settings, load

    config_file = _learners_config(config_file, url)
    settings = load(config_file) if config_file else Settings()
    url = url or (settings.storage.url if config_file else DEFAULT_DB)
    if pseudonymous and not settings.dashboard.pseudonymous:
        settings = settings.model_copy(update={"dashboard": settings.dashboard.model_copy(
            update={"pseudonymous": True})})
    if config_file is None and not settings.dashboard.pseudonymous:
        click.echo("showing learners' names: no config with pseudonymous found; pass "
                   "--config or --pseudonymous", err=True)
    return settings, url


def _load(lessons: str, lookup: LookupSettings | None = None, drafts: bool = False,
          owners: dict[str, str] | None = None) -> Catalog:
    """The catalog of ``lessons`` loaded, as ``lookup`` asks (``None``: words only, no caches),
    with lookup by meaning ready when it is on: a one-shot command has nothing better to do.
    ``owners``: of ids two files claim, which file keeps each (see :func:`_bot_owners`)."""
    from bot.content.library import open_catalog

    catalog = open_catalog(Path(lessons), lookup, include_drafts=drafts, owners=owners)
    # The first embedding of a large folder takes minutes: its progress lines (stderr) are
    # shown even without -v, or a first run looks hung.
    semantic_log = logging.getLogger("bot.content.semantic")
    quiet = semantic_log.level
    if semantic_log.getEffectiveLevel() > logging.INFO:
        semantic_log.setLevel(logging.INFO)
    try:
        catalog.load()
        # A model that cannot load leaves lookup lexical; the index has logged why.
        catalog.wait_for_meaning(None)
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        semantic_log.setLevel(quiet)
    return catalog


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime"}


def _context(record: logging.LogRecord) -> dict[str, object]:
    """What a record was logged with (``extra``: platform, learner, delivery, job, ...)."""
    return {key: value for key, value in vars(record).items()
            if key not in _RECORD_FIELDS and not key.startswith("_")}


class TextLines(logging.Formatter):
    """A line a person reads, ending with the record's context in brackets
    (``[platform=slack learner=12]``): without it, an operator could not tell whose
    delivery failed."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        context = " ".join(f"{key}={value}" for key, value in _context(record).items())
        return f"{line} [{context}]" if context else line


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line, for log shippers: time (UTC, ISO 8601),
    level, logger, message, the record's context (``extra``: platform, learner, job, ...) and
    the exception's traceback text, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(_context(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # already masked by a token filter, when one saw it
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class _Commands(click.Group):
    """The top-level commands; a subcommand typed without its group (`microlearn check`) is
    named with it (`microlearn lessons check`), as Click alone says only "No such command"."""

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            name = args[0] if args else ""
            owners = [group for group, command in self.commands.items()
                      if isinstance(command, click.Group) and name in command.commands]
            if not owners:
                raise
            raise click.UsageError(
                f"No such command '{name}'. Did you mean "
                + " or ".join(f"'microlearn {owner} {name}'" for owner in owners) + "?",
                ctx) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="microlearn")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one JSON object per line, for log shippers.")
@click.pass_context
def main(context: click.Context, verbose: int, log_format: str) -> None:
    """microlearn: just-in-time micro-lessons and spaced quizzes in chat."""
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    logging.basicConfig(level=level, handlers=[handler])
    context.obj = {"json": log_format == "json"}


@main.group()
def lessons() -> None:
    """Work with a lesson folder: check it, show a lesson, watch it while you edit."""


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _summary(catalog: Catalog) -> str:
    served = catalog.lessons()
    problems = catalog.problems()
    errors = sum(p.is_error for p in problems)
    questions = sum(len(lesson.questions) for lesson in served)
    drafts = sum(lesson.draft for lesson in served)
    return (
        f"{_count(catalog.files(), 'file')}, {_count(len(served), 'lesson')}"
        + (f" ({_count(drafts, 'draft')})" if drafts else "")
        + f", {_count(questions, 'question')}, {_count(len(catalog.tracks()), 'track')}: "
        f"{_count(errors, 'error')}, {_count(len(problems) - errors, 'warning')}"
    )


def _config_read(config_file: str | None) -> str | None:
    """The config file a command reads: the one given, else ./config.toml when it exists (as
    `run` reads it), else None (the settings' defaults)."""
    if config_file is None and Path("config.toml").is_file():
        return "config.toml"
    return config_file


def _configured_lessons(config_file: str | None) -> tuple[str, str] | None:
    """The lesson folder a config file sets (``[lessons] dir``) and where it was said (for the
    note naming the folder read): the file :func:`_config_read` finds. None when it sets none:
    the command's own default then applies."""
    from bot.config import load

    config_file = _config_read(config_file)
    if config_file is None:
        return None
    try:
        settings = load(config_file)
    except MicrolearnError as exc:
        raise click.ClickException(f"{exc} (or give the lesson folder with --lessons DIR)") \
            from exc
    if "dir" not in settings.lessons.model_fields_set:
        return None
    return settings.lessons.dir, f"[lessons] dir in {config_file}"


def _bot_owners(folder: str, config_file: str | None) -> dict[str, str]:
    """Of ids two files of ``folder`` claim, the file the bot serves each from, as its lesson
    cache records it (the file that served the id first keeps it, even after a moment away):
    when the config (:func:`_config_read`) serves this folder and its cache is there. Without
    them, check would blame the file the bot serves whenever the one it refuses has the id from
    its path."""
    from bot.config import load
    from bot.content.cache_file import cache_path
    from bot.content.lesson_cache import LessonCache, lesson_cache_path

    config_file = _config_read(config_file)
    if config_file is None:
        return {}
    try:
        settings = load(config_file)
        served = Path(settings.lessons.dir)
        if not served.is_dir() or not served.samefile(folder):
            return {}
        path = lesson_cache_path(cache_path(settings.lookup.cache))
    except (MicrolearnError, OSError):  # said by the check itself, or nothing to compare
        return {}
    if not path.is_file():
        return {}
    cache = LessonCache(path)
    try:
        return cache.holders(served)
    finally:
        cache.close()


def _configured_folder(configured: tuple[str, str]) -> str:
    """The folder a config names, refused (with the setting named) when it is not there: a
    'does not exist' alone had not said where the name came from."""
    folder, where = configured
    if not Path(folder).is_dir():
        raise click.ClickException(f"lesson folder '{folder}' ({where}) does not exist or is "
                                   "not a folder; give the folder that holds your .md lessons "
                                   "with --lessons DIR")
    return folder


def _configured_holding(path: Path, config_file: str | None) -> tuple[str, str] | None:
    """The config's lesson folder and where it is set (see :func:`_configured_lessons`) when
    it is there and holds the lesson file ``path``, else None: a file elsewhere is read with
    its own folder, as before the config was read."""
    configured = _configured_lessons(config_file)
    if configured is None or not Path(configured[0]).is_dir() or \
            not _inside(path, Path(configured[0])):
        return None
    return configured


def _chosen_lessons(folder: str | None, config_file: str | None) -> tuple[str, str | None]:
    """The lesson folder a command reads, as every command finds it: ``folder`` given, else the
    config's ``[lessons] dir`` (of ``config_file``, else of ./config.toml, as `run` reads it;
    refused with the setting named when it is not there), else ./lessons. With it, where a
    folder from a config was set (for the command's note), else None."""
    if folder is not None:
        return folder, None
    configured = _configured_lessons(config_file)
    if configured is None:
        return DEFAULT_LESSONS, None
    return _configured_folder(configured), configured[1]


_CONFIG_HELP = ("Take the lesson folder from this config file's [lessons] dir, as the bot does "
                "(default: ./config.toml when it exists; --lessons or a FOLDER given wins).")


@lessons.command("check")
@click.argument("folder", default=None, required=False, type=click.Path())
@click.option("--lessons", "lessons_dir", default=None, type=click.Path(file_okay=False),
              help="The lesson folder a FILE is checked with (default: the config's [lessons] "
                   "dir when the file is in it, else lessons when the file is in it, else the "
                   "current folder when the file is under it, else the file's own folder).")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help=_CONFIG_HELP)
def lessons_check(folder: str | None, lessons_dir: str | None, config_file: str | None) -> None:
    """Validate FOLDER (default: the config's [lessons] dir, else lessons), or one lesson file:
    one 'path:line: message' per problem, a summary last. A file is checked with its lesson
    folder, which its links lead into and whose ids and tracks it is compared with; only its
    own problems are said, and the folder read is named.

    Exits 1 when any error was found, 0 otherwise (warnings alone do not fail). Drafts are
    checked too.
    """
    # The order: a FOLDER or --lessons given, then the config's [lessons] dir, then the
    # defaults (for a file, the config's folder only when it holds the file).
    if folder is not None and Path(folder).is_file():
        sys.exit(_check_file(Path(folder), lessons_dir, None if lessons_dir is not None
                             else _configured_holding(Path(folder), config_file), config_file))
    if folder is not None and lessons_dir is not None and \
            Path(folder).resolve() != Path(lessons_dir).resolve():
        raise click.UsageError(f"give the folder once: '{folder}' or --lessons {lessons_dir}")
    folder, where = _chosen_lessons(folder or lessons_dir, config_file)
    catalog = _load(folder, drafts=True, owners=_bot_owners(folder, config_file))
    problems = catalog.problems()
    for problem in problems:
        click.echo(f"{Path(folder) / problem.path}:{problem.line}: {problem.severity.value}: "
                   f"{problem.message}")
    aside = set_aside(Path(folder))
    if aside:
        shown = ", ".join(aside[:5]) + (f" and {len(aside) - 5} more" if len(aside) > 5 else "")
        click.echo(f"note: {_count(len(aside), 'file')} left out, as names starting with '_' "
                   f"(or in such a folder) are not lessons: {shown}; rename to serve them")
    if where is not None:
        click.echo(f"note: checked the lesson folder {folder} ({where}); give a FOLDER "
                   "or --lessons DIR to choose another")
    click.echo(_summary(catalog))
    sys.exit(1 if any(p.is_error for p in problems) else 0)


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


def _lesson_folder(path: Path, given: str | None) -> Path:
    """The lesson folder of a lesson file given alone: the --lessons folder (``given``, else
    ./lessons, as ``lessons show`` takes it) when the file is in it; else the current folder
    when the file is under it, as a trainer runs check from inside a folder named as they
    like; else the file's own folder.

    The current folder is not taken when it holds the lesson folder: it is then the project
    around the lessons (a file outside them is not one of them), and reading it would take
    every Markdown file there for a lesson."""
    default = Path(given or DEFAULT_LESSONS)
    if default.is_dir() and _inside(path, default):
        return default
    if given is None and not default.is_dir() and _inside(path, Path(".")):
        return Path(".")
    return path.parent


def _check_file(path: Path, given: str | None = None,
                configured: tuple[str, str] | None = None, config_file: str | None = None) -> int:
    """Check one lesson file as the check of its lesson folder does (its links and the errors
    between it and the other files included), saying only what is on it. ``configured``: the
    config's folder that holds the file and where it is set (:func:`_configured_holding`)."""
    if given is not None and not Path(given).is_dir():
        raise click.BadParameter(f"no folder at {given}", param_hint="--lessons")
    if given is not None and not _inside(path, Path(given)):
        raise click.BadParameter(f"{path} is not in the lesson folder {given}; give the "
                                 "folder that holds it", param_hint="--lessons")
    if is_ignored_name(path.name) or not path.name.lower().endswith(LESSON_SUFFIXES):
        return _check_alone(path)
    source = ""
    if given is None and configured is not None:
        root, source = Path(configured[0]), f" ({configured[1]})"
    else:
        root = _lesson_folder(path, given)
    rel = rel_path(root, path)
    catalog = _load(str(root), drafts=True, owners=_bot_owners(str(root), config_file))
    problems = [problem for problem in catalog.problems() if problem.path == rel]
    lesson = next((item for item in catalog.lessons() if item.path == rel), None)
    if lesson is None and not problems:  # not read from the folder (in a folder named '_...')
        return _check_alone(path)
    for problem in problems:
        click.echo(f"{path}:{problem.line}: {problem.severity.value}: {problem.message}")
    # Which folder its ids, tracks and links were compared with: a wrong guess had passed a
    # duplicate id in silence.
    shown = "." if os.path.abspath(root) == os.path.abspath(".") else str(root)
    click.echo(f"note: checked with the lesson folder {shown}{source} "
               f"({_count(catalog.files(), 'file')}); give --lessons DIR to choose another")
    errors = sum(p.is_error for p in problems)
    click.echo(f"1 file, {_count(int(lesson is not None), 'lesson')}, "
               f"{_count(len(lesson.questions) if lesson else 0, 'question')}: "
               f"{_count(errors, 'error')}, {_count(len(problems) - errors, 'warning')}")
    return 1 if errors else 0


def _check_alone(path: Path) -> int:
    """Check one file on its own (its folder is taken as the lesson folder, for images): one
    that a lesson folder does not read."""
    loaded = load_file(str(path), path.name, str(path.parent), MAX_LESSON_BYTES)
    for problem in loaded.problems:
        click.echo(f"{path.parent / problem.path}:{problem.line}: {problem.severity.value}: "
                   f"{problem.message}")
    errors = sum(p.is_error for p in loaded.problems)
    if is_ignored_name(path.name):
        click.echo(f"note: {path.name} is not served from a lesson folder: names starting with "
                   "'_' or '.', and README files, are not lessons; rename it to serve it")
    elif not path.name.lower().endswith(LESSON_SUFFIXES):
        hint = not_markdown(path) or f"rename it to {path.stem}.md"
        click.echo(f"note: {path.name} is not read from a lesson folder: only Markdown files "
                   f"(.md) are lessons; {hint}")
    if loaded.lesson is not None:
        # An id taken twice, an order clash or a check on the wrong lesson of a track span
        # files: "0 errors" here does not promise the folder takes it.
        click.echo("note: checked on its own; its id and its place in its track are compared "
                   "with the other lessons only when you check the whole folder")
    questions = len(loaded.lesson.questions) if loaded.lesson else 0
    click.echo(f"1 file, {_count(int(loaded.lesson is not None), 'lesson')}, "
               f"{_count(questions, 'question')}: {_count(errors, 'error')}, "
               f"{_count(len(loaded.problems) - errors, 'warning')}")
    return 1 if errors else 0


@lessons.command("show")
@click.argument("lesson_id")
@click.option("--lessons", "folder", default=None, type=click.Path(file_okay=False),
              help="Lesson folder (default: the config's [lessons] dir, else lessons).")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help=_CONFIG_HELP.replace(" or a FOLDER", ""))
def lessons_show(lesson_id: str, folder: str | None, config_file: str | None) -> None:
    """Show LESSON_ID as the bot understood it: fields, body and quiz with the right answers.
    LESSON_ID may also be a lesson file's path (in the lesson folder, or anywhere: then it is
    read on its own)."""
    given = Path(lesson_id)
    where = None
    if folder is None and given.is_file():
        # As `lessons check FILE`: the config's folder only when it is there and holds the file.
        configured = _configured_holding(given, config_file)
        if configured is not None:
            folder, where = configured
    if folder is None:
        folder, where = _chosen_lessons(folder, config_file)
    if where is not None:
        click.echo(f"note: read the lesson folder {folder} ({where}); give --lessons DIR to "
                   "choose another", err=True)
    if given.is_file():
        if not Path(folder).is_dir() or not given.resolve().is_relative_to(
                Path(folder).resolve()):
            _show_file(given)
            return
        lesson_id = given.resolve().relative_to(Path(folder).resolve()).as_posix()
    elif lesson_id.endswith(".md") and not Path(folder).is_dir():
        raise click.ClickException(f"no such file: {lesson_id}; check the path")
    catalog = _load(folder, drafts=True)
    by_path = next((item for item in catalog.lessons() if item.path == lesson_id), None)
    lesson = by_path or catalog.get(lesson_id.removesuffix(".md"))
    if lesson is None:
        wanted = lesson_id.removesuffix(".md")
        errors = [problem for problem in catalog.problems() if problem.is_error
                  and problem.path.rsplit(".", 1)[0] == wanted]
        if errors:  # its file is there, and not served
            first = errors[0]
            raise click.ClickException(
                f"'{first.path}' has {_count(len(errors), 'error')} and is not served; the "
                f"first: {first.path}:{first.line}: {first.message} (all of them: microlearn "
                f"lessons check {folder})")
        if lesson_id.endswith(".md") or given.is_absolute() or \
                lesson_id.startswith(("./", "../", ".\\", "..\\")):
            # Meant as a file: lessons whose words happen to match are no answer.
            raise click.ClickException(
                f"no such file: {lesson_id} (nor a lesson of that path in {folder}); check "
                f"the path, or give a lesson id ('microlearn lessons check {folder}' lists the "
                "files)")
        close = catalog.lookup(lesson_id.replace("/", " "), 3)
        hint = ", ".join(hit.lesson.id for hit in close.hits)
        raise click.ClickException(
            f"no lesson with id '{lesson_id}' in {folder}"
            + (f"; did you mean: {hint}?" if hint
               else f"; 'microlearn lessons check {folder}' shows what is there")
        )
    _print_lesson(lesson, catalog.lesson_links(lesson))


def _show_file(path: Path) -> None:
    """Show one lesson file read on its own (its folder taken as the lesson folder)."""
    loaded = load_file(str(path), path.name, str(path.parent), MAX_LESSON_BYTES)
    errors = [problem for problem in loaded.problems if problem.is_error]
    if loaded.lesson is None or errors:
        first = errors[0] if errors else None
        raise click.ClickException(
            f"'{path}' has {_count(len(errors), 'error')} and is not served"
            + (f"; the first: {path.parent / first.path}:{first.line}: {first.message}"
               if first else "") + f" (all of them: microlearn lessons check {path})")
    _print_lesson(loaded.lesson)
    # Its id and topic come from where it lies in the lesson folder, which is not known here.
    click.echo(f"\n(Read on its own, as if at the top of a lesson folder: in a folder its id "
               f"and topic come from its path there. To see them, give the folder: microlearn "
               f"lessons show --lessons FOLDER {path})", err=True)


def _print_lesson(lesson: Lesson, links: tuple[tuple[str, str], ...] = ()) -> None:
    """Print ``lesson`` as learners read it: its ``links`` to lessons in service (as written,
    and the title each leads to) are shown as the console shows them, its words and how to open
    that lesson; each link as written is listed last, for the trainer."""
    from bot.content.markdown import with_link_hints
    from bot.rendering.renderer import Renderer

    hints = Renderer().link_hints(links)

    def shown(text: str) -> str:
        return with_link_hints(text, hints)

    click.secho(lesson.title, bold=True)
    meta = [f"id: {lesson.id}", f"topic: {lesson.topic}", f"{lesson.minutes} min"]
    if lesson.track:
        meta.append(f"track: {lesson.track} #{lesson.order}")
    if lesson.tags:
        meta.append("tags: " + ", ".join(lesson.tags))
    if lesson.draft:
        meta.append("DRAFT: not served to learners")
    click.echo(" | ".join(meta))
    if lesson.objective:
        click.echo(f"Objective: {lesson.objective}")
    if lesson.image:
        click.echo(f"Image sent with it: {lesson.image}")
    if lesson.check:
        click.echo(f"Knowledge check: {lesson.check} questions before and after the track")
    if lesson.confidence:
        click.echo("Asks how sure: the track's one-answer review questions ask sure / think so "
                   "/ guessing with the answer")
    click.echo(f"\n{shown(lesson.body)}\n")
    for number, question in enumerate(lesson.questions, start=1):
        say_several = len(question.correct_indexes) > 1 and not question.says_select_all
        click.secho(f"Q{number}. {shown(question.text)}"
                    + (" (select all that apply)" if say_several else ""), bold=True)
        if question.detail:
            click.echo(f"  {shown(question.detail)}")
        for letter, choice in zip("ABCDEFGHIJ", question.choices, strict=False):
            click.echo(f"  {'*' if choice.correct else ' '} {letter}) {shown(choice.text)}")
        if question.explanation:
            click.echo(f"  > {shown(question.explanation)}")
        click.echo(f"  key: {question.key}" + ("" if question.key_written else " (from its words)"))
    if not all(question.key_written for question in lesson.questions):
        # Found where it is needed: before rewording a question learners have.
        click.echo("\n(Learners' reviews of a question are kept by its key. A key from its "
                   "words changes when you reword it; to keep the reviews, first end the "
                   "question's heading with its key, as in '### Which port? {#a1b2c3d4e5f6}'.)")
    if lesson.reflect:
        click.echo(f"\nAfter the lesson, it asks: {lesson.reflect}")
    if lesson.links:
        # For the trainer: what each link is in the file, and what learners get of it.
        leads = dict(links)
        click.echo("\n(Links as written in the file, and what learners get:")
        for url in lesson.links:
            click.echo(f"  {url} -> " + (f"'{leads[url]}': its words, then {hints[url]}"
                                         if url in leads else
                                         "no lesson in service: Slack and Telegram show its "
                                         "words alone, the console its path ('lessons check' "
                                         "says why)"))
        click.echo(")")


@lessons.command("watch")
@click.argument("folder", default=None, required=False, type=click.Path(file_okay=False))
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help=_CONFIG_HELP)
def lessons_watch(folder: str | None, config_file: str | None) -> None:
    """Check FOLDER (default: the config's [lessons] dir, else lessons), then report every
    change and problem as you edit, until Ctrl-C (or SIGTERM)."""
    from bot.content.watcher import CatalogWatcher

    folder, where = _chosen_lessons(folder, config_file)
    catalog = _load(folder)
    for problem in catalog.problems():
        click.echo(f"{Path(folder) / problem.path}:{problem.line}: {problem.severity.value}: "
                   f"{problem.message}")
    click.echo(_summary(catalog))

    def report(change: CatalogChange) -> None:
        for kind, ids in (("added", change.added), ("changed", change.changed),
                          ("removed", change.removed)):
            for lesson_id in ids:
                click.echo(f"{kind}: {lesson_id}")
        for path in change.fixed:
            click.echo(f"fixed: {Path(folder) / path} (served as it is now)")
        for path in change.removed_broken:
            click.echo(f"removed: {Path(folder) / path} (it had errors)")
        for problem in change.problems:
            click.echo(f"{Path(folder) / problem.path}:{problem.line}: "
                       f"{problem.severity.value}: {problem.message}")
        click.echo(_summary(catalog))

    catalog.subscribe(report)
    # The report above prints every problem; the catalog's own log lines would repeat them.
    logging.getLogger("bot.content.catalog").setLevel(logging.CRITICAL)
    # Handlers of its own, as `run` has: Python turns Ctrl-C into KeyboardInterrupt only when
    # the parent left SIGINT alone, and a shell ignores it in jobs it starts in the background.
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with CatalogWatcher(catalog):
            click.echo(f"watching {folder}{f' ({where})' if where else ''} "
                       "(Ctrl-C to stop)")
            stop.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@main.command("demo")
@click.option("--lessons", "folder", default=None, type=click.Path(file_okay=False),
              help="Lesson folder (default: the --config file's [lessons] dir, else lessons).")
@click.option("--db", "url", default=None,
              help="Database URL (default: a fresh SQLite file for this run).")
@click.option("--timezone", "zone", default=None,
              help="The demo learner's time zone, like Europe/Berlin, as if they had said "
                   "where they are (default: the config's [schedule] time_zone, else UTC, "
                   "which the greeting asks them to change).")
@click.option("--start", type=When(with_time=True), default=None,
              help="Start the demo clock here (local time, YYYY-MM-DDTHH:MM).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Take the lesson folder ([lessons] dir, unless --lessons is given), schedule "
                   "defaults, trainers and [lookup] settings from this config file.")
def demo(folder: str | None, url: str | None, zone: str | None, start: datetime | None,
         config_file: str | None) -> None:
    """The whole bot in this terminal, on SQLite: type, or pipe lines in. Ends on EOF or /quit."""
    import dataclasses
    import tempfile

    from bot.adapters.console import ConsoleAdapter
    from bot.app import engine_settings, open_engine
    from bot.config import Settings, load
    from bot.content.catalog import unknown_tracks
    from bot.demo import Demo, demo_clock
    from bot.engine import calendar

    try:
        config = load(config_file) if config_file else Settings()
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    # The bot's own folder, as `run` reads it: a trainer trying their config had been sent to
    # ./lessons whatever it said.
    if folder is None:
        folder = config.lessons.dir if config_file else DEFAULT_LESSONS
        if not Path(folder).is_dir():  # said where it came from, and how to give another
            where = f"[lessons] dir in {config_file}" if config_file else "the default"
            raise click.ClickException(
                f"lesson folder '{folder}' ({where}) does not exist or is not a folder; give "
                "the folder that holds your .md lessons with --lessons DIR"
                + ("" if config_file else ", or a config file that sets [lessons] dir with "
                   "--config FILE"))
    settings = engine_settings(config)
    if zone is not None:  # the learner's own: the default for the demo's one learner too
        try:
            zone = calendar.zone(zone).key
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--timezone") from exc
        settings = dataclasses.replace(settings, time_zone=zone)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            database, engine = open_engine(Path(folder), url or f"sqlite:///{scratch}/demo.db",
                                           settings, config.lookup)
        except MicrolearnError as exc:
            raise click.ClickException(str(exc)) from exc
        unknown = unknown_tracks(engine.catalog, settings.track_order)
        if unknown:
            click.echo(f"warning: {unknown}", err=True)
        clock = demo_clock(start.replace(tzinfo=calendar.zone(settings.time_zone))
                           if start else None, settings, database)
        interactive = sys.stdin.isatty()
        if not interactive:
            # A scripted demo reads its questions at once: let them be answered by meaning,
            # as a person typing would be, not by words alone while the model still loads.
            engine.catalog.wait_for_meaning(DEMO_MEANING_WAIT_S)
        # A zone given is the learner's, as a platform gives one (Slack's profile): the
        # greeting says it is theirs instead of asking where they are.
        console = ConsoleAdapter(sys.stdout, styled=interactive and sys.stdout.isatty(),
                                 time_zone=zone)
        prompt = typing_prompt() if interactive else None
        lines: Iterable[str] = prompt.lines() if prompt is not None else io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8", errors="replace")
        if prompt is not None:
            log_above(prompt)
        catalog = engine.catalog

        def changed(change: CatalogChange) -> None:  # a trainer trying an edit sees it taken
            for line in change_lines(change, catalog):
                if prompt is not None:
                    prompt.write(line, sys.stderr)
                else:
                    click.echo(line, err=True)

        catalog.subscribe(changed)
        said = ChangesSaid()
        catalog_log = logging.getLogger("bot.content.catalog")
        catalog_log.addFilter(said)
        try:
            Demo(engine, database, clock, console, echo=not interactive, watch=True).run(lines)
        finally:
            catalog_log.removeFilter(said)
            database.dispose()


class ChangesSaid(logging.Filter):
    """Drops the catalog's log lines that the demo's own lines (:func:`change_lines`) say: each
    problem of a change, and that a broken file's last good version is still served (or that
    its new version is, once fixed); the catalog marks them (``CHANGE_SAID``). A file broken
    while the demo ran had its error printed twice, as a log line and as the demo's line."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bot.content.catalog import CHANGE_SAID

        return not getattr(record, CHANGE_SAID, False)


def change_lines(change: CatalogChange, catalog: Catalog) -> list[str]:
    """What the demo tells a trainer trying an edit: lessons added, changed, removed, files
    fixed, each file broken now, with whether learners still get its last good version (and
    its errors after the first), and each warning."""
    lines = []
    fixed: dict[str, str] = dict.fromkeys(change.fixed, "")  # a fixed file's lesson, said with it
    for kind, ids in (("added", change.added), ("changed", change.changed),
                      ("removed", change.removed)):
        for lesson_id in ids:
            lesson = catalog.get(lesson_id)
            if lesson is not None and lesson.path in fixed and kind != "removed":
                fixed[lesson.path] = f"; {kind} {lesson_id}"
                continue
            lines.append(f"(lessons: {kind} {lesson_id}"
                         f"{f' from {lesson.path}' if lesson else ''})")
    lines.extend(f"(lessons: {path} is fixed{said})" for path, said in fixed.items())
    lines.extend(f"(lessons: {path} removed; it had errors)" for path in change.removed_broken)
    kept, unserved = set(catalog.kept_while_broken()), set(catalog.not_served())
    errors: dict[str, list[Problem]] = {}
    for problem in change.problems:
        if problem.is_error:
            errors.setdefault(problem.path, []).append(problem)
    for path, found in errors.items():
        served = "its last good version is still served" if path in kept \
            else "it is not served" if path in unserved else "it is served as it is"
        lines.append(f"(lessons: {path} has {_count(len(found), 'error')}, {served}; the "
                     f"first: {found[0]})")
        lines.extend(f"(lessons: {problem})" for problem in found[1:])
    # Said here, not by the catalog's log as well (ChangesSaid).
    lines.extend(f"(lessons: {problem})" for problem in change.problems if not problem.is_error)
    return lines


DEMO_MEANING_WAIT_S = 120.0
"""How long a scripted demo waits for lookup by meaning (seconds: the sample library embeds in
a few, a warm cache loads in one)."""


def typing_prompt() -> Prompt:
    """The demo's prompt in a terminal, with line editing and history (readline) where the
    platform has it."""
    import contextlib

    from bot.adapters.console import Prompt

    with contextlib.suppress(ImportError):  # Windows has none: plain input there
        import readline  # noqa: F401 - importing it gives input() editing and history
    return Prompt("> ")


def log_above(prompt: Prompt) -> None:
    """Write the log lines meant for standard error (warnings and errors; more with -v) above
    ``prompt``: one from another thread (the lesson folder's watcher, lookup loading in the
    background) had run into the line being typed."""
    from bot.adapters.console import PromptLog

    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
            above = PromptLog(prompt, sys.stderr, handler.level)
            above.setFormatter(handler.formatter)
            root.removeHandler(handler)
            root.addHandler(above)


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""The hosts a [dashboard] public_url names when it means this machine, not a proxy."""

_host_option = click.option("--host", default=None,
                            help="Listen on this address (default: [server] host).")


def _link_base(public_url: str | None, host: str, port: int, given: bool) -> str | None:
    """The address sign-in links start with: ``public_url`` (the config's; None when it sets
    none), or None for where this process listens. With --host or --port ``given``, a
    public_url on this machine at another port is the copied default, not a proxy: its links
    would go nowhere, or to another process (a `run` on 8080), so the listener's address is
    used. One naming another host (a proxy) is kept, and stderr says so: the operator chose a
    port the link does not show."""
    if public_url is None or not given:
        return public_url
    parts = urlsplit(public_url)
    if parts.hostname in LOOPBACK:
        said = parts.port or (443 if parts.scheme == "https" else 80)
        return public_url if said == port else None
    listening = f"{host}:{port}" if port else f"{host} (a free port)"
    click.echo(f"the sign-in link uses [dashboard] public_url ({public_url}); this process "
               f"listens on {listening}", err=True)
    return public_url


def _served_here(settings: Settings, host: str | None, port: int | None) -> Settings:
    """``settings`` with `run`'s --host and --port (see :func:`bot.config.with_server`), and
    [dashboard] public_url dropped (links then go where the bot listens) when it was this
    machine's at another port (see :func:`_link_base`)."""
    from bot.config import with_server

    settings = with_server(settings, host, port)
    server, config = settings.server, settings.dashboard
    if not config.enabled or _link_base(config.public_url, server.host, server.port,
                                        host is not None or port is not None) is not None:
        return settings
    return settings.model_copy(update={"dashboard": config.model_copy(
        update={"public_url": None})})


@main.command("run")
@click.option("--config", "config_file", default="config.toml", show_default=True,
              type=click.Path(dir_okay=False),
              help="The config file (copy config.example.toml to start).")
@_host_option
@click.option("--port", default=None, type=int,
              help="Listen on this port, 1-65535 (default: [server] port); with --host, "
                   "replicas on one machine share one config file.")
@click.option("--start", type=Instant(), default=None,
              help="For trying schedules, never in production: run on a simulated clock that "
                   "starts here (without an offset, in the config's [schedule] time_zone) and "
                   "runs --speed times as fast as real time.")
@click.option("--speed", type=float, default=None,
              help="How many times as fast as real time the simulated clock runs (default 1 "
                   "with --start; alone: from now), above 0 and at most 1440.")
@click.pass_context
def run(context: click.Context, config_file: str, host: str | None, port: int | None,
        start: datetime | None, speed: float | None) -> None:
    """Every adapter enabled in the config, the scheduler and (when needed) the HTTP server,
    until SIGINT or SIGTERM."""
    import asyncio

    from bot.app import MAX_SPEED, Runtime, serve
    from bot.config import Secrets, load
    from bot.engine import calendar
    from scheduler.clock import Clock, SimulatedClock, SystemClock

    if speed is not None and not 0 < speed <= MAX_SPEED:  # NaN and inf too
        raise click.BadParameter(
            f"{speed:g} is not a speed a simulated clock can run at: give one above 0 and at "
            f"most {MAX_SPEED:g} (a day a real minute; faster, the due scan falls behind the "
            "learners' days, docs/operations.md), or leave --speed out for real time",
            param_hint="--speed")

    root = logging.getLogger()
    if root.level > logging.INFO:  # a service says what it does, but not every tick
        root.setLevel(logging.INFO)
        # Their INFO lines say nothing an operator acts on (every request, every migration
        # step); -v shows them.
        for chatty in ("apscheduler", "httpx", "aiohttp.access", "alembic"):
            logging.getLogger(chatty).setLevel(logging.ERROR if chatty == "apscheduler"
                                               else logging.WARNING)
    try:
        settings = _served_here(load(config_file), host, port)
        clock: Clock = SystemClock()
        if start is not None or speed is not None:
            if start is None:
                start = datetime.now(UTC)
            elif start.tzinfo is None:  # read as `demo --start` reads it
                start = start.replace(tzinfo=calendar.zone(settings.schedule.time_zone))
            clock = SimulatedClock(start, speed if speed is not None else 1.0)
        asyncio.run(serve(Runtime(settings, Secrets.from_environment(), clock)))
    except MicrolearnError as exc:
        if context.obj and context.obj.get("json"):  # the reason, as a line like the others
            logging.getLogger("bot.cli").error("microlearn run stopped: %s", exc)
            sys.exit(1)
        raise click.ClickException(str(exc)) from exc


@main.command("dashboard")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read [storage], [lessons], [server] and [dashboard] from this file "
                   "(default: ./config.toml when it exists; --db overrides only its "
                   "[storage] url).")
@click.option("--db", "url", default=None, help="Database URL (default: the config's, or "
              f"{DEFAULT_DB}).")
@click.option("--lessons", "folder", default=None, type=click.Path(file_okay=False),
              help="Lesson folder (default: the config's, or lessons).")
@_host_option
@click.option("--port", default=None, type=click.IntRange(0, 65535),
              help="Listen on this port, 0-65535; 0: a free one (default: [server] port).")
@click.option("--pseudonymous", is_flag=True, default=False,
              help="Show 'learner #ID' instead of names, whatever the config says.")
@click.option("--timezone", "zone", default=None,
              help="The trainer's time zone, like Pacific/Auckland, for the days, 'today' and "
                   "the times shown (default: the config's [dashboard] timezone, else UTC).")
def dashboard(config_file: str | None, url: str | None, folder: str | None, host: str | None,
              port: int | None, pseudonymous: bool, zone: str | None) -> None:
    """The trainer dashboard alone, until Ctrl-C; prints a one-time sign-in link."""
    import asyncio

    from bot.dashboard.serve import DashboardServer
    from bot.engine import calendar

    try:
        settings, url = _learners_settings(config_file, url, pseudonymous)
        if zone is not None:
            try:
                zone = calendar.zone(zone).key
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--timezone") from exc
            settings = settings.model_copy(update={"dashboard": settings.dashboard.model_copy(
                update={"timezone": zone})})
        _existing_database(url, "give the URL of the bot's database (or of a cohort made by "
                                "'microlearn simulate') with --db, or its config with --config")
        listen_host = host or settings.server.host
        listen_port = port if port is not None else settings.server.port
        # The config's address when it names one (behind a proxy); else where it listens.
        server = DashboardServer(
            settings, url, Path(folder or settings.lessons.dir), listen_host, listen_port,
            _link_base(settings.dashboard.public_url, listen_host, listen_port,
                       host is not None or port is not None))

        def started(link: str) -> None:
            click.echo(f"The dashboard is at {server.public_url}/dashboard/")
            click.echo(f"Sign in (this link works once, for {settings.dashboard.link_minutes} "
                       f"minutes):\n  {link}")
        asyncio.run(server.serve(started))
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("simulate")
@click.option("--db", "url", required=True, help="Database URL to fill (SQLite file or "
              "postgresql://...); the cohort is added to what is there.")
@click.option("--learners", default=40, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--lessons", "folder", default=None, type=click.Path(file_okay=False),
              help="Lesson folder (default: the config's [lessons] dir, else lessons).")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help="Take the lesson folder from this config file's [lessons] dir, as the bot "
                   "does (default: ./config.toml when it exists; --lessons given wins).")
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same cohort.")
@click.option("--start", type=When(with_time=False), default=None,
              help="The first simulated day (default: the last DAYS days up to today, the "
              "dashboard's default range).")
def simulate(url: str, learners: int, days: int, folder: str | None, config_file: str | None,
             seed: int, start: datetime | None) -> None:
    """Fill a database with a synthetic cohort made by the real engine (for the dashboard)."""
    from datetime import UTC, timedelta

    from bot.app import open_engine
    from bot.dashboard.pages import Dashboard
    from bot.engine.turn import EngineSettings
    from bot.simulate import Simulation
    from storage.reports import Scope

    folder, where = _chosen_lessons(folder, config_file)
    if where is not None:
        click.echo(f"note: lessons from {folder} ({where}); give --lessons DIR to choose "
                   "another", err=True)
    try:
        # How sure is asked where the library asks it (a track's `confidence: true`), as the
        # bot would with the config's defaults: it had been asked of every question.
        database, engine = open_engine(Path(folder), url, EngineSettings(quiz_questions=3))
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    # Up to today: the dashboard shows the last 30 days with today, and a cohort ending
    # yesterday had lost its first day there (its baselines, its first deliveries).
    first = start.date() if start else (datetime.now(UTC) - timedelta(days=days - 1)).date()
    dashboard = Dashboard(database, engine.catalog)
    with click.progressbar(length=days, label=f"simulating {learners} learners",
                           file=sys.stderr) as bar:
        def progress(done: int, _total: int) -> None:
            moment = datetime.combine(first + timedelta(days=done - 1),
                                      datetime.min.time(), UTC) + timedelta(hours=23)
            dashboard.keep_snapshot(moment)  # the retention trend, one point a day
            bar.update(1)
        result = Simulation(engine, seed, progress).run(learners, days, first)
    # Lessons read as the dashboard counts them ("Got it", or answering one of its questions),
    # from the first local morning (east of UTC it is the day before in UTC) to the last.
    since = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
    with database.reports() as reports:
        read = reports.activity(Scope(since, since + timedelta(days=days + 3))).read
    database.dispose()
    click.echo(f"{result.learners} learners over {result.days} days: {read} lessons read, "
               f"{result.answers} answers ({result.events} engine events) in "
               f"{database.safe_url}")


@main.group()
def db() -> None:
    """Manage the database."""


@db.command("upgrade")
@click.option("--db", "url", default=None,
              help=f"Database URL (SQLite file or postgresql://...) [default: {DEFAULT_DB}].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Take the URL from this config file's [storage] url (default: "
                   "./config.toml when it exists and no --db is given).")
def db_upgrade(url: str | None, config_file: str | None) -> None:
    """Create the tables, or bring an existing database up to the current schema."""
    from bot.config import load
    from storage import Database, StorageError, upgrade
    from storage.database import sqlite_file

    if url is not None and config_file is not None:
        raise click.UsageError("give either --db or --config, not both")
    config_file = _config_here(config_file, url)
    where = ""
    if config_file is not None:
        try:
            url = load(config_file).storage.url
        except MicrolearnError as exc:
            raise click.ClickException(str(exc)) from exc
        where = "[storage] url: "  # an error names the setting to fix
    url = url or DEFAULT_DB
    file = sqlite_file(url)
    new_file = file is not None and not file.exists()
    try:
        database = Database(url)
        try:
            before, after = upgrade(database, announce=False)
        finally:
            database.dispose()
    except StorageError as exc:
        raise click.ClickException(f"{where}{exc}") from exc
    if before is None:
        click.echo(f"created a new database at {database.safe_url}" if new_file else
                   f"created microlearn's tables in {database.safe_url}")
    elif before != after:
        click.echo(f"upgraded {database.safe_url} from schema {before} to {after}")
    click.echo(f"database {database.safe_url} is up to date")


def _finite(_: click.Context, parameter: click.Parameter, value: float | None) -> float | None:
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan is not a number between 0 and 1", param=parameter)
    return value


@main.command("lookup")
@click.argument("words", nargs=-1, required=True)
@click.option("--lessons", "folder", default=None, type=click.Path(file_okay=False),
              help="Lesson folder (default: the config's [lessons] dir, else lessons).")
@click.option("--limit", default=3, show_default=True, type=click.IntRange(min=1),
              help="At most this many lessons per query (the bot gives three).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per query: q, results (id, path, title, score, "
                   "confidence), suggestions, corrections, ms.")
@click.option("--lexical", is_flag=True,
              help="Match words only, without the embedding model (as when it cannot load).")
@click.option("--semantic", is_flag=True, hidden=True,
              help="Kept for old scripts: matching by meaning is the default now.")
@click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=None,
              callback=_finite,
              help="Answer only when the results are at least this likely to hold a right "
                   "lesson (default: [lookup] min_confidence's default).")
@click.option("--refuse-unrelated", type=click.FloatRange(0.0, 1.0), default=None,
              callback=_finite,
              help="Raise the bar until it refuses this share of built-in questions no "
                   "training library answers (default: [lookup] refuse_unrelated's; 0: off).")
@click.option("--cache", type=click.Path(), default=None,
              help="Embedding cache file, or a folder for it (default: in the user's cache "
                   "folder). Parsed lessons are kept beside it, in <name>.lessons.sqlite3.")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help="Take [lookup] semantic, min_confidence, refuse_unrelated and cache, and "
                   "the lesson folder ([lessons] dir), from this config file, as the bot does "
                   "(default: ./config.toml, when it exists; the options above win).")
def lookup(words: tuple[str, ...], folder: str | None, limit: int, as_json: bool, lexical: bool,
           semantic: bool, min_confidence: float | None, refuse_unrelated: float | None,
           cache: str | None, config_file: str | None) -> None:
    """What a learner asking WORDS would get, best first (quotes are optional). '-' reads one
    query per line.

    With --json, "reply" says how the bot answers: "sure", "hedged" (under 0.8, it says it is
    not sure) or "none" (it has no lesson; suggestions are offered). A result's "confidence"
    is, for the first, how likely the answer holds a right lesson; for each later one, how
    likely that lesson itself is right."""
    from bot.config import LookupSettings, load

    if len(words) > 1 and Path(words[0]).is_dir() and folder is None:
        raise click.UsageError(
            f"'{words[0]}' is a folder: give the lesson folder with --lessons, like "
            f"microlearn lookup --lessons {words[0]} \"{' '.join(words[1:])}\"")
    query = " ".join(words)
    if not query.strip():
        raise click.UsageError("give the words a learner would ask, like microlearn lookup "
                               "\"how do I report a phishing mail\" (or - to read them "
                               "from stdin)")

    # The whole config read from one file, [lookup] as [lessons] dir: the bar tried is the bot's.
    config_file = _config_read(config_file)
    try:
        settings = load(config_file).lookup if config_file is not None else LookupSettings()
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    changes: dict[str, object] = {"semantic": settings.semantic and not lexical}
    if min_confidence is not None:
        changes["min_confidence"] = min_confidence
    if refuse_unrelated is not None:
        changes["refuse_unrelated"] = refuse_unrelated
    if cache is not None:
        changes["cache"] = cache  # as typed: a trailing "/" says it is a folder
    # No note of where the folder came from: --json output is a contract, and a query's
    # lines are all the plain output says.
    folder, _ = _chosen_lessons(folder, config_file)
    catalog = _load(folder, settings.model_copy(update=changes))
    # Bad bytes must not stop a batch, whatever the terminal's encoding.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    queries = (line.rstrip("\r\n") for line in stdin) if query == "-" else iter([query])
    for text in queries:
        if query == "-" and not text.strip():
            continue
        started = time.perf_counter()
        result = catalog.lookup(text, limit)
        elapsed = (time.perf_counter() - started) * 1000
        if as_json:
            click.echo(json.dumps(_as_json(result, elapsed), ensure_ascii=False))
        else:
            _print_result(result, catalog.refuse_unrelated)


def _reply(result: LookupResult) -> str:
    """How the bot would answer: 'sure', 'hedged' ("I'm not sure this is what you asked")
    or 'none' ("I have no lesson on ...")."""
    from bot.engine.lessons import SURE

    if not result.hits:
        return "none"
    confidence = result.hits[0].confidence
    return "hedged" if confidence is not None and confidence < SURE else "sure"


def _as_json(result: LookupResult, ms: float) -> dict[str, object]:
    return {
        "q": result.query,
        "reply": _reply(result),
        "results": [
            {"id": hit.lesson.id, "path": hit.lesson.path, "title": hit.lesson.title,
             "score": hit.score, "confidence": hit.confidence}
            for hit in result.hits
        ],
        "ms": round(ms, 3),
        "suggestions": list(result.suggestions),
        "corrections": result.corrections,
    }


def _refusal(result: LookupResult, refuse_unrelated: float) -> str:
    """Why no lesson was given: the best one's confidence and the bar it fell under, with the
    setting that made the bar, so that a trainer knows what to change."""
    best = result.refused
    if best is None or best.confidence is None:
        return "No lesson answers that: none shares a word with it or comes close in meaning."
    said = (f"No lesson answers that: the best, {best.lesson.title} [{best.lesson.id}], has "
            f"confidence {best.confidence:.0%}, under the bar of {result.bar:.0%}")
    if result.bar_rule == "refuse_unrelated":
        return (said + f", this library's floor, which refuses {refuse_unrelated:.0%} of "
                "built-in questions no library answers ([lookup] refuse_unrelated, or "
                "--refuse-unrelated: lower it, or 0 to turn it off, to answer more).")
    return said + " ([lookup] min_confidence, or --min-confidence: lower it to answer more)."


def _print_result(result: LookupResult, refuse_unrelated: float = 0.0) -> None:
    click.secho(f"? {result.query}", bold=True)
    if result.corrections:
        fixed = ", ".join(f"{a} -> {b}" for a, b in result.corrections.items())
        click.echo(f"  (read as: {fixed})")
    for rank, hit in enumerate(result.hits, start=1):
        sure = "" if hit.confidence is None else f", confidence {hit.confidence:.0%}"
        click.echo(f"  {rank}. {hit.lesson.title}  [{hit.lesson.id}]  score {hit.score:.2f}{sure}")
    if _reply(result) == "hedged":
        click.echo("  (the bot answers with a hedge: \"I'm not sure this is what you asked\")")
    if not result.hits:
        click.echo(f"  {_refusal(result, refuse_unrelated)}")
        if result.suggestions:
            click.echo("  Did you mean: " + "; ".join(result.suggestions))



@main.command("export")
# Spelled out, not bot.export.KINDS: that import (the dashboard's) waits until an export runs.
@click.argument("kind", type=click.Choice(["answers", "progress", "learners", "flags",
                                           "ratings", "checks", "reflections", "lookups"]))
@click.option("--db", "url", default=None, help=f"Database URL (default: the config's, or "
              f"{DEFAULT_DB}).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read [storage], [lessons] and [dashboard] (pseudonymous) from this file "
                   "(default: ./config.toml when it exists; --db overrides only its "
                   "[storage] url).")
@click.option("--lessons", "folder", default=None,
              type=click.Path(file_okay=False, exists=True),  # named: a typo is no fallback
              help="Lesson folder, for titles and question texts (default: the config's, or "
                   "lessons).")
@click.option("--format", "form", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="csv (with a header, for spreadsheets) or jsonl (one "
              "JSON object per line).")
@click.option("--since", type=When(with_time=False), default=None,
              help="Only records from this UTC day on (YYYY-MM-DD).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True, help="Write here ('-': standard output).")
@click.option("--pseudonymous", is_flag=True, default=False,
              help="Write 'learner #ID' instead of names, whatever the config says.")
def export(kind: str, url: str | None, config_file: str | None, folder: str | None, form: str,
           since: datetime | None, out_file: str, pseudonymous: bool) -> None:
    """Stream stored records (answers, progress, learners, flags, ratings, knowledge
    checks, reflections, lookups no lesson answered) as CSV or JSON Lines, row by row: a year
    of a large cohort is never held in memory."""
    from bot.dashboard.pages import DashboardSettings
    from bot.export import Exporter, open_output
    from storage import Database

    try:
        settings, url = _learners_settings(config_file, url, pseudonymous)
        _existing_database(url, "give the URL of the bot's database with --db, or its config "
                                "with --config")
        exporter = Exporter(Database(url),
                            Catalog(Path(folder or settings.lessons.dir)), DashboardSettings(
            pseudonymous=settings.dashboard.pseudonymous,
            idle_days=settings.dashboard.idle_days,
            overdue_reviews=settings.dashboard.overdue_reviews))
        exporter.columns(kind)  # ratings fail here, before any file is made
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    if Path(folder or settings.lessons.dir).is_dir():
        logging.getLogger("bot.content").setLevel(logging.ERROR)  # the lessons' own problems
        exporter.dashboard.catalog.load()
    else:  # the rows still come, with ids for titles: say why
        click.echo(f"no lesson folder at {folder or settings.lessons.dir}: lessons and "
                   "questions are named by their ids (give the folder with --lessons)", err=True)
    try:
        with open_output(out_file) as out:
            count = exporter.write(out, kind, since.date() if since else None, form)
    except MicrolearnError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        exporter.database.dispose()
    if out_file != "-":
        click.echo(f"{count} {kind} rows written to {out_file}", err=True)


REFUSALS_SHOWN = 5
"""The LRS's reasons a replay prints (the outbox keeps every one)."""


@main.group("xapi")
def xapi_group() -> None:
    """Learning records to the learning record store ([xapi] in the config)."""


@xapi_group.command("replay")
@click.option("--config", "config_file", default="config.toml", show_default=True,
              type=click.Path(dir_okay=False), help="Read [xapi], [storage] and [lessons] here.")
@click.option("--since", required=True, type=When(with_time=False),
              help="The first UTC day to send again (YYYY-MM-DD).")
@click.option("--until", type=When(with_time=False), default=None,
              help="The first UTC day not to send (default: up to now).")
def xapi_replay(config_file: str, since: datetime, until: datetime | None) -> None:
    """(Re)send the statements of the events from SINCE: statement ids are stable, so the LRS
    keeps one of each and a replay duplicates nothing."""
    import asyncio

    from bot.config import Secrets, load
    from bot.xapi.relay import RelayResult, relay_from
    from storage import Database, upgrade

    start = since.replace(tzinfo=UTC)
    end = until.replace(tzinfo=UTC) if until else None
    if end is not None and end <= start:
        raise click.UsageError("--until must come after --since (it is the first day left "
                               "out)")
    settings = None
    secrets = Secrets.from_environment()
    try:
        settings = load(config_file)
        _existing_database(settings.storage.url, f"check [storage] url in {config_file}")
        database = Database(settings.storage.url)
        upgrade(database)
        catalog = _load(settings.lessons.dir)
        relay = relay_from(settings.xapi, secrets, database, catalog,
                           lambda: datetime.now(UTC))
    except MicrolearnError as exc:
        off = settings is not None and not settings.xapi.enabled
        raise click.ClickException(
            f"{config_file}: {exc}" if off and "[xapi]" in str(exc) else str(exc)) from exc
    # The relay's own warnings would say the LRS's refusal a second time, before the summary.
    logging.getLogger("bot.xapi").setLevel(logging.CRITICAL)

    async def send_all() -> RelayResult:
        total = RelayResult()
        try:
            while True:
                result = await relay.send_due()
                total.sent += result.sent
                total.conflicts += result.conflicts
                total.invalid += result.invalid
                total.refusals += result.refusals
                total.waiting, total.error = result.waiting, result.error
                if result.error or not (result.sent or result.conflicts or result.invalid):
                    return total
        finally:
            await relay.close()

    try:
        made, queued = relay.replay(start, end, datetime.now(UTC))
        click.echo(f"{queued} statements from {start.date()} to send ({made} made anew)",
                   err=True)
        total = asyncio.run(send_all())
        waiting = relay.backlog(datetime.now(UTC)).pending
    finally:
        database.dispose()
    click.echo(f"sent {total.sent}" + (f", {total.conflicts} already held differently by the "
                                       "LRS (kept as it has them)" if total.conflicts else "")
               + (f", {total.invalid} refused as invalid" if total.invalid else ""))
    for refusal in total.refusals[:REFUSALS_SHOWN]:
        click.echo(f"  refused {refusal}", err=True)
    if len(total.refusals) > REFUSALS_SHOWN:
        click.echo(f"  ... and {len(total.refusals) - REFUSALS_SHOWN} more (the outbox keeps "
                   "each one's reason: xapi_statement.error)", err=True)
    if total.refusals:
        click.echo("  fix what the LRS names (often [xapi] mbox or activity_base), then run the "
                   "replay again: statements not in the LRS are made anew", err=True)
    if total.error:
        later = ("a running bot with [xapi] enabled sends them" if settings.xapi.enabled else
                 f"[xapi] enabled = false in {config_file}: run the replay again, or enable it")
        unset = [name for name, value in (("XAPI_USERNAME", secrets.xapi_username),
                                          ("XAPI_PASSWORD", secrets.xapi_password))
                 if not value]
        hint = (f"; {' and '.join(unset)} {'is' if len(unset) == 1 else 'are'} not set (an "
                "LRS that asks for credentials refuses every statement)") if unset else ""
        raise click.ClickException(f"{total.error}; {waiting} statements wait in the outbox "
                                   f"({later}){hint}")
