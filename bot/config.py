"""Configuration: a TOML file (config.example.toml documents every key), typed and validated.

Secrets never live here: tokens come from the environment (see :class:`Secrets`).
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from bot.content.fusion import MIN_CONFIDENCE
from bot.content.unrelated import REFUSED
from bot.engine import calendar
from bot.errors import ConfigError

log = logging.getLogger(__name__)
TRAINER_PLATFORMS = ("slack", "telegram", "console")


def _trainer(value: str) -> str:
    platform, sep, user = value.partition(":")
    if not sep or platform not in TRAINER_PLATFORMS or not user.strip():
        example = (user if sep else value).strip() or "U024BE7LH"
        raise ValueError(f"'{value}' needs its platform: write it like 'slack:{example}' or "
                         f"'telegram:{example}' (the demo's learner is 'console:you')")
    return value


def _https(value: str | None) -> str | None:
    if value is None:
        return value
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"'{value}' is not an https:// URL; Telegram posts updates only over "
                         "HTTPS: put a TLS proxy in front of [server] (see docs/telegram.md)")
    return value


def _time(value: str) -> str:
    return calendar.parse_time(value)


def _zone(value: str) -> str:
    return calendar.zone(value).key


def _waking(value: str) -> str:
    return "-".join(calendar.parse_window(value))


def _days(value: str) -> str:
    return ",".join(calendar.parse_days(value))


class _Section(BaseModel):
    # Strict: TOML has its own booleans and numbers, so "yes", "0.5" or 0 for a boolean is a
    # slip to report, not a value to guess at; nan and inf are no setting either.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True,
                              allow_inf_nan=False)


class BotSettings(_Section):
    """[bot]"""

    trainers: list[Annotated[str, AfterValidator(_trainer)]] = Field(default_factory=list)
    """Who may use trainer commands, as 'platform:user_id' (e.g. 'slack:U024BE7LH')."""


class LessonsSettings(_Section):
    """[lessons]"""

    dir: str = "lessons"
    track_order: list[str] = Field(default_factory=list)
    """The tracks a new learner takes first, in this order (their ``track:`` names); the
    others follow by name."""


class LookupSettings(_Section):
    """[lookup]"""

    semantic: bool = True
    """Match questions to lessons by meaning as well as by words (the bundled model)."""
    min_confidence: float = Field(default=MIN_CONFIDENCE, ge=0.0, le=1.0)
    """How likely the best three lessons must be to hold a right one before the bot gives them
    (lower: fewer "no answer" replies, more wrong ones)."""
    refuse_unrelated: float = Field(default=REFUSED, ge=0.0, le=1.0)
    """Raise the bar, in this library, until it refuses this share of a built-in set of
    questions no training library answers (0: the calibrated bar alone)."""
    cache: str = ""
    """Embedding cache file; empty: microlearn/vectors.sqlite3 in the user's cache folder. Parsed
    lessons are kept beside it (``vectors.lessons.sqlite3``), so a restart parses only what
    changed."""


class ScheduleSettings(_Section):
    """[schedule]: defaults for new learners, who can change their own."""

    lesson_time: Annotated[str, AfterValidator(_time)] = "09:00"
    quiz_time: Annotated[str, AfterValidator(_time)] = "15:00"
    workdays: Annotated[str, AfterValidator(_days)] = "mon-fri"
    time_zone: Annotated[str, AfterValidator(_zone)] = "UTC"
    quiz_questions: int = Field(default=5, ge=1, le=20)
    nudge_after_hours: float = Field(default=3.0, ge=0, le=23)
    waking_hours: Annotated[str, AfterValidator(_waking)] = "08:00-20:00"
    tick_seconds: float = Field(default=30, ge=0.01, le=300)
    max_attempts: int = Field(default=8, ge=1, le=100)
    worker_timeout_seconds: float = Field(default=60, ge=30, le=3600)
    """A replica silent this long is taken for dead and its claimed deliveries go to the
    others: at least three of its 10 s heartbeats, and the same on every replica (a shorter
    one takes live replicas' rows, which then go twice)."""
    concurrency: int = Field(default=64, ge=1, le=256)
    """Deliveries this replica has in flight at once (claimed and being sent, or waiting for
    their turn of the pacer): it claims up to this many due rows at a time, so it bounds what a
    kill -9 may send twice on Telegram (the sends in flight then) and how much of a fan-out
    one replica takes alone. At most 256, the Telegram client's connection pool."""
    track_reflection: str = Field(default="What will you do differently tomorrow?",
                                  max_length=300)
    """The reflection question asked when a learner finishes a track ("" asks none); a
    lesson's own ``reflect`` comes first."""
    confidence: bool = False
    """Every single-answer review question asks how sure the learner is (sure / think so /
    guessing) in the same tap as the answer; a track can ask it alone (``confidence: true`` on
    its first lesson)."""
    check_days: int = Field(default=3, ge=0, le=365)
    """Days after a track's last lesson is read before its endline knowledge check comes
    (only tracks whose first lesson says ``check``)."""


class InboundSettings(_Section):
    """[inbound]: a limit on how fast one person's messages and button presses are read."""

    per_minute: int = Field(default=30, ge=0, le=600)
    """Events a person may send a minute, sustained (0: no limit)."""
    burst: int = Field(default=20, ge=1, le=1000)
    """Events a person may send at once before ``per_minute`` applies."""


class StorageSettings(_Section):
    """[storage]"""

    url: str = "sqlite:///microlearn.db"


class ServerSettings(_Section):
    """[server]: the HTTP server for /healthz, Slack's HTTP mode and Telegram webhooks."""

    enabled: StrictBool = True
    """Serve /healthz in every mode (polling and Socket Mode too); Slack's HTTP mode and
    Telegram webhooks need it on."""
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)


class SlackSettings(_Section):
    """[slack]"""

    enabled: StrictBool = False
    mode: Literal["socket", "http"] = "socket"
    api_base_url: str = "https://slack.com/api/"
    events_path: str = Field(default="/slack/events", pattern=r"^/[A-Za-z0-9/_.-]*$")
    """HTTP mode: the path of the Request URL (events, buttons and /learn all come here)."""
    messages_per_second: float = Field(default=10.0, gt=0, le=100)
    """Workspace-wide pace of the bot's messages (each DM also waits 1 s between messages)."""


def _webhook_path(value: str) -> str:
    if not value.startswith("/") or any(c.isspace() for c in value):
        raise ValueError(f"'{value}' is not a URL path; write it like /telegram/webhook")
    return value


class TelegramSettings(_Section):
    """[telegram]"""

    enabled: StrictBool = False
    mode: Literal["polling", "webhook"] = "polling"
    api_base_url: str = "https://api.telegram.org/bot"
    webhook_url: Annotated[str | None, AfterValidator(_https)] = None
    webhook_path: Annotated[str, AfterValidator(_webhook_path)] = "/telegram/webhook"
    """Where the bot's web server takes Telegram's webhook calls (webhook mode)."""
    quiz_style: Literal["buttons", "poll"] = "buttons"
    """Quiz questions as an inline keyboard, or as native quiz polls where a question fits."""
    messages_per_second: float = Field(default=30, gt=0, le=1000)
    """This process's share of the bot's send rate: Telegram allows a bot about 30 a second,
    so with several replicas give each its part (15 for two)."""

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("webhook_url is needed when mode = \"webhook\" (the public HTTPS "
                             "address Telegram posts to)")
        return self


def listening_url(host: str, port: int) -> str:
    """The http:// address of a server listening on ``host``:``port``, for a browser on this
    machine: an IPv6 address in brackets, and every interface (``0.0.0.0``, ``::``) reached at
    its loopback address, since the any-address is no place to connect to."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class DashboardConfig(_Section):
    """[dashboard]: the trainer dashboard on the [server]."""

    enabled: bool = False
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+")
    """Where trainers' browsers reach [server] (the sign-in links start with it); unset, where
    [server] listens (:meth:`Settings.dashboard_address`)."""
    pseudonymous: bool = False
    """Show learner ids instead of names."""
    link_minutes: int = Field(default=10, ge=1, le=60)
    idle_days: int = Field(default=5, ge=1, le=60)
    """No action for this many of the learner's own workdays puts them at risk."""
    overdue_reviews: int = Field(default=10, ge=1, le=1000)
    """This many reviews overdue puts a learner at risk."""
    timezone: Annotated[str, AfterValidator(_zone)] = "UTC"
    """The trainer's time zone (IANA, like "Pacific/Auckland"): the dashboard's days, its
    default range's "today" and every time it shows or writes."""


def _http_url(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an http:// or https:// URL; write the LRS's xAPI "
                         "base, like https://lrs.example.com/xAPI/")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        # Every request carries XAPI_USERNAME and XAPI_PASSWORD, and statements carry
        # learners' own words: in clear, anyone on the way reads both.
        raise ValueError(f"'{value}' is plain http:// to another machine, which would send the "
                         "LRS's password and learners' words unencrypted; use https:// "
                         "(http:// is for an LRS on this machine: 127.0.0.1, ::1, localhost)")
    return value


def _loopback(host: str) -> bool:
    """Whether ``host`` is this machine: 'localhost' or a loopback address (127.0.0.0/8,
    ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _activity_base(value: str) -> str:
    # Ids are the base and a path glued together: "https://learning.example.com" would
    # give lessons the host "learning.example.comlessons".
    if value.endswith(("/", ":", "#")):
        return value
    return value + ("/" if urlsplit(value).scheme in ("http", "https") else ":")


MAILBOX = re.compile(r"^[^@\s:]+@[^@\s]+\.[^@\s.]+$")


def _mailboxes(value: dict[str, str]) -> dict[str, str]:
    for account, address in value.items():
        if not re.fullmatch(r"(slack|telegram|console):\S+", account):
            raise ValueError(f"mbox: '{account}' is not 'platform:user_id' (like "
                             "\"slack:U012AB3CD\")")
        if not MAILBOX.fullmatch(address.removeprefix("mailto:")):
            raise ValueError(f"mbox: '{address}' (for {account}) is not an e-mail address; "
                             "write it like \"ann@example.com\" (an LRS refuses every "
                             "statement with another)")
    return {account: address.removeprefix("mailto:") for account, address in value.items()}


class XapiConfig(_Section):
    """[xapi]: learning records to a learning record store (LRS). The credentials come from
    the environment: XAPI_USERNAME and XAPI_PASSWORD."""

    enabled: StrictBool = False
    endpoint: Annotated[str, AfterValidator(_http_url)] = ""
    """The LRS's xAPI base (statements go to ``{endpoint}/statements``); empty: none."""
    activity_base: Annotated[str, AfterValidator(_activity_base)] = Field(
        default="urn:microlearn:", pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")
    """What activity ids start with: lessons are ``{activity_base}lessons/{id}`` (a base
    ending in none of '/', ':', '#' gets '/', or ':' for a URN)."""
    homepages: dict[Literal["slack", "telegram", "console"], str] = Field(default_factory=dict)
    """The actor account's homePage per platform (default: the platform's site)."""
    mbox: Annotated[dict[str, str], AfterValidator(_mailboxes)] = Field(default_factory=dict)
    """'platform:user_id' = 'e-mail': these learners are sent as an mbox, not an account."""
    language: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    """The language tag of lesson and question names in statements."""
    batch_size: int = Field(default=50, ge=1, le=500)
    every_seconds: float = Field(default=30, ge=0.01, le=3600)
    """How often new statements are made and sent."""
    keep_days: int = Field(default=30, ge=1, le=3650)
    """Sent statements are kept this long (a replay makes older ones again)."""

    @model_validator(mode="after")
    def _enabled_needs_endpoint(self) -> XapiConfig:
        if urlsplit(self.endpoint).username is not None:  # it would show in logs and errors
            raise ValueError("endpoint must not hold a user name or password: set "
                             "XAPI_USERNAME and XAPI_PASSWORD in the environment instead")
        if self.enabled and not self.endpoint:
            raise ValueError("endpoint is needed when enabled = true (the LRS's xAPI base, "
                             "like https://lrs.example.com/xAPI/)")
        return self


class Settings(_Section):
    """The whole configuration."""

    bot: BotSettings = Field(default_factory=BotSettings)
    lessons: LessonsSettings = Field(default_factory=LessonsSettings)
    lookup: LookupSettings = Field(default_factory=LookupSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    inbound: InboundSettings = Field(default_factory=InboundSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    xapi: XapiConfig = Field(default_factory=XapiConfig)

    def dashboard_address(self) -> str:
        """Where sign-in links start: [dashboard] public_url, else the address [server] listens
        on (a default written out had linked to port 8080 whatever [server] port said)."""
        return self.dashboard.public_url or listening_url(self.server.host, self.server.port)

    @model_validator(mode="after")
    def _endpoints_need_the_server(self) -> Settings:
        needs = [name for name, on in (
            ("[slack] mode = \"http\"", self.slack.enabled and self.slack.mode == "http"),
            ("[telegram] mode = \"webhook\"",
             self.telegram.enabled and self.telegram.mode == "webhook")) if on]
        if needs and not self.server.enabled:
            raise ValueError(f"{' and '.join(needs)} {'needs' if len(needs) == 1 else 'need'} "
                             "the HTTP server: set [server] enabled = true")
        return self


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the config allows at ``loc`` (a section's, or the sections at the top)."""
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _explained(exc: ValidationError) -> tuple[str, str]:
    """Where the first error of ``exc`` is (dotted, like ``server.port``; empty for a
    section) and what to write instead, in the words a person editing the file needs."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key; see config.example.toml for the keys there are"
        known = _keys_at(first["loc"][:-1])
        near = difflib.get_close_matches(str(first["loc"][-1]), known, n=1, cutoff=0.6)
        if len(first["loc"]) == 1:
            where = ""
            message = (f"unknown section [{first['loc'][0]}]" + (
                f"; did you mean [{near[0]}]?" if near else
                "; see config.example.toml for the sections there are"))
        elif near:
            message = f"unknown key; did you mean '{near[0]}'?"
        secret = _SECRET_KEYS.get((str(first["loc"][0]), str(first["loc"][-1]).lower())) \
            if len(first["loc"]) == 2 else None
        if secret is not None:
            message = (f"secrets never go in the config file: set {secret} in the "
                       "environment instead, and delete this line")
    elif first["type"] in ("less_than_equal", "less_than", "greater_than_equal",
                           "greater_than"):
        bound = next(iter((first.get("ctx") or {}).values()), "")
        large = first["type"].startswith("less")
        message = (f"{first['input']!r} is too {'large' if large else 'small'}; write "
                   f"{'at most' if large else 'at least'} {bound}"
                   if first["type"].endswith("equal") else
                   f"{first['input']!r} must be {'under' if large else 'over'} {bound}")
    elif first["type"] in ("literal_error", "enum"):
        expected = (first.get("ctx") or {}).get("expected", "")
        message = f"{first['input']!r} is not a choice here; write {expected}"
    elif first["type"] == "bool_type":  # "yes", 1, "false" (a string): say what is meant
        message = f"{first['input']!r} is not true or false; write true or false, unquoted"
    elif first["type"] in ("float_type", "int_type", "finite_number"):
        whole = first["type"] == "int_type"
        message = (f"{first['input']!r} is not a {'whole ' if whole else ''}number; write "
                   f"one, unquoted (like {5 if whole else 0.5})")
    elif first["type"] == "string_type":
        message = f"{first['input']!r} is not text; write it in quotes"
    elif first["type"] == "list_type":
        message = (f"{first['input']!r} is not a list; write one in brackets, like "
                   '["front-desk", "safety"]')
    return where, message


def load(path: Path | str) -> Settings:
    """Read and validate a config file; :class:`ConfigError` names the file and the key."""
    path = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such config file; copy config.example.toml to start")\
            from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        where, message = _explained(exc)
        raise ConfigError(f"{path}: {where}: {message}" if where else f"{path}: {message}") \
            from exc
    _warn(path, settings)
    return settings


def with_server(settings: Settings, host: str | None, port: int | None) -> Settings:
    """``settings`` with [server] host and port replaced by a command's --host and --port
    (None: the config's), checked by the config's own rules: a :class:`ConfigError` names the
    option, in the words a bad value in the file would get."""
    given = {name: value for name, value in (("host", host), ("port", port)) if value is not None}
    if not given:
        return settings
    try:
        server = ServerSettings.model_validate({**settings.server.model_dump(), **given})
    except ValidationError as exc:
        where, message = _explained(exc)
        raise ConfigError(f"--{where}: {message}") from exc
    return settings.model_copy(update={"server": server})


def _warn(path: Path, settings: Settings) -> None:
    """Settings that work but are likely a slip."""
    schedule = settings.schedule
    if schedule.quiz_time < schedule.lesson_time:  # 'HH:MM' strings order as times do
        log.warning("%s: schedule.quiz_time %s is before schedule.lesson_time %s: new learners "
                    "get the day's review before the day's lesson", path, schedule.quiz_time,
                    schedule.lesson_time)
    if settings.dashboard.enabled and not settings.bot.trainers:
        log.warning("%s: [dashboard] enabled = true, but [bot] trainers is empty: no one can ask "
                    "the bot for a sign-in link (add 'slack:U…' or 'telegram:…' there, or use "
                    "'microlearn dashboard' for a link)", path)

_SECRET_KEYS = {
    ("telegram", "token"): "TELEGRAM_BOT_TOKEN", ("telegram", "bot_token"): "TELEGRAM_BOT_TOKEN",
    ("telegram", "webhook_secret"): "TELEGRAM_WEBHOOK_SECRET",
    ("slack", "token"): "SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode)",
    ("slack", "bot_token"): "SLACK_BOT_TOKEN", ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("storage", "password"): "PGPASSWORD"}
"""Keys that would put a secret in the file, and the environment variable it belongs in."""


@dataclass(frozen=True)
class Secrets:
    """Tokens, from the environment only (never from a file, never logged)."""

    slack_bot_token: str | None
    slack_app_token: str | None
    slack_signing_secret: str | None
    telegram_bot_token: str | None
    telegram_webhook_secret: str | None = None
    """What Telegram must send in ``X-Telegram-Bot-Api-Secret-Token`` (webhook mode); when
    unset, one is derived from the bot token, the same on every replica."""
    xapi_username: str | None = None
    xapi_password: str | None = None
    """The LRS's HTTP Basic credentials ([xapi])."""

    @classmethod
    def from_environment(cls) -> Secrets:
        """Read the token variables."""
        return cls(os.environ.get("SLACK_BOT_TOKEN"), os.environ.get("SLACK_APP_TOKEN"),
                   os.environ.get("SLACK_SIGNING_SECRET"), os.environ.get("TELEGRAM_BOT_TOKEN"),
                   os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None,
                   os.environ.get("XAPI_USERNAME") or None,
                   os.environ.get("XAPI_PASSWORD") or None)

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"
