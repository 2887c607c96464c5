"""Configuration: the example documents every key, loads as is, and bad values name the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import Secrets, Settings, load
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= keys(annotation, f"{prefix}{name}.")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_setting_is_in_the_example_file() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = set()
    for section, values in tomllib.loads(text).items():
        documented |= {f"{section}.{key}" for key in values}
    # Keys commented out in the example count as documented too: optional ones with no
    # default, and public_url, whose default written out would be taken for an address chosen.
    documented |= {f"telegram.{line.split('=')[0].strip('# ').strip()}"
                   for line in text.splitlines() if line.startswith("# webhook_url")}
    documented |= {"dashboard.public_url"} if "\n# public_url = " in text else set()
    assert keys(Settings) == documented


def test_the_example_loads_and_equals_the_defaults() -> None:
    assert load(EXAMPLE) == Settings()


def test_links_go_where_the_server_listens_unless_public_url_says_otherwise() -> None:
    """With [server] port changed and no public_url, `run` had linked trainers to port 8080
    (the default public_url, not derived from [server])."""
    from bot.app import engine_settings

    moved = Settings.model_validate({"server": {"port": 9000}, "dashboard": {"enabled": True}})
    assert moved.dashboard_address() == "http://127.0.0.1:9000"
    assert engine_settings(moved).dashboard_url == "http://127.0.0.1:9000"
    anywhere = Settings.model_validate({"server": {"host": "0.0.0.0", "port": 9000}})
    assert anywhere.dashboard_address() == "http://127.0.0.1:9000"  # not http://0.0.0.0
    ipv6 = Settings.model_validate({"server": {"host": "::", "port": 9000}})
    assert ipv6.dashboard_address() == "http://[::1]:9000"
    proxied = Settings.model_validate({"server": {"port": 9000},
                                       "dashboard": {"public_url": "https://learn.example.com"}})
    assert proxied.dashboard_address() == "https://learn.example.com"


def test_the_example_copied_chooses_no_dashboard_address() -> None:
    """Its public_url, written out, had made `dashboard --port N` link to 8080."""
    assert "public_url" not in load(EXAMPLE).dashboard.model_fields_set


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[schedule]\nlesson_time = "25:00"', "schedule.lesson_time: '25:00' is not a time"),
        ('[schedule]\ntime_zone = "Mars/Base"', "schedule.time_zone: 'Mars/Base' is not a time"),
        ("[schedule]\nquiz_questions = 0", "schedule.quiz_questions:"),
        ('[slack]\nmode = "carrier-pigeon"', "slack.mode:"),
        ("[storage]\nurll = 'x'", "storage.urll: unknown key"),
        ("[lookup]\nmin_confidence = 1.5", "lookup.min_confidence:"),
        ("[lookup]\nsemantic = 'maybe'", "lookup.semantic:"),
        # Quoted or numeric stand-ins are refused, not guessed at.
        ('[lookup]\nsemantic = "yes"', "lookup.semantic: 'yes' is not true or false"),
        ("[lookup]\nsemantic = 0", "lookup.semantic: 0 is not true or false"),
        ('[lookup]\nmin_confidence = "0.5"', "lookup.min_confidence: '0.5' is not a number"),
        ("[lookup]\nmin_confidence = nan", "lookup.min_confidence: nan is not a number"),
        ("[lookup]\nrefuse_unrelated = 1.2", "lookup.refuse_unrelated:"),
        ('[lookup]\nrefuse_unrelated = "0.9"', "lookup.refuse_unrelated: '0.9' is not a number"),
        ("[schedule]\nquiz_questions = 2.5", "schedule.quiz_questions: 2.5 is not a whole"),
        ('[dashboard]\nenabled = "false"', "dashboard.enabled: 'false' is not true or false"),
        ("[schedule\n", "not valid TOML"),
        ('[lessons]\ntrack_order = "front-desk"',
         "lessons.track_order: 'front-desk' is not a list; write one in brackets"),
        # A secret written into the file is sent to the environment, not called unknown.
        ('[telegram]\ntoken = "123:abc"', "telegram.token: secrets never go in the config file: "
                                          "set TELEGRAM_BOT_TOKEN in the environment instead"),
        ('[storage]\npassword = "x"', "storage.password: secrets never go in the config file: "
                                      "set PGPASSWORD in the environment"),
        # An operator's slips, each had been pydantic's own words or no hint.
        ("[schedul]\nlesson_time = '08:00'", "unknown section [schedul]; did you mean [schedule]?"),
        ("[schedule]\nworker_timeout_secnds = 40",
         "schedule.worker_timeout_secnds: unknown key; did you mean 'worker_timeout_seconds'?"),
        ("[server]\nport = 70000", "server.port: 70000 is too large; write at most 65535"),
        ("[schedule]\nconcurrency = 0", "schedule.concurrency: 0 is too small; write at least 1"),
        ("[schedule]\nconcurrency = 1000",
         "schedule.concurrency: 1000 is too large; write at most 256"),
        ('[schedule]\nconcurrency = "10"', "schedule.concurrency: '10' is not a whole number"),
        ('[dashboard]\ntimezone = "Auckland/NZ"', "dashboard.timezone: 'Auckland/NZ' is not a "
                                                 "time zone I know; write it like Europe/Berlin"),
        ('[telegram]\nquiz_style = "quiz"',
         "telegram.quiz_style: 'quiz' is not a choice here; write 'buttons' or 'poll'"),
        # The per-person inbound limit: values as written, 0 only where it means off.
        ("[inbound]\nburst = 0", "inbound.burst: 0 is too small; write at least 1"),
        ("[inbound]\nper_minute = -1", "inbound.per_minute: -1 is too small; write at least 0"),
        ("[inbound]\nper_minute = 20.5", "inbound.per_minute: 20.5 is not a whole number"),
        ('[inbound]\nper_minute = "20"', "inbound.per_minute: '20' is not a whole number"),
        ("[inbound]\nper_minute = 6000", "inbound.per_minute: 6000 is too large; write at most"),
        ("[inbound]\nper_minut = 20", "inbound.per_minut: unknown key; did you mean 'per_minute'?"),
        ('[server]\nenabled = false\n[telegram]\nenabled = true\nmode = "webhook"\n'
         'webhook_url = "https://bot.example.com/tg"\n[slack]\nenabled = true\nmode = "http"',
         ': [slack] mode = "http" and [telegram] mode = "webhook" need the HTTP server'),
    ],
)
def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)
    assert ": : " not in str(caught.value)  # a check across sections names no key


def test_missing_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"copy config\.example\.toml"):
        load(tmp_path / "nope.toml")


def test_secrets_come_from_the_environment_and_never_print(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    secrets = Secrets.from_environment()
    assert secrets.telegram_bot_token == "123:SECRET"
    assert "SECRET" not in repr(secrets) and "SECRET" not in str(secrets)


def test_an_lrs_endpoint_with_credentials_in_it_is_refused() -> None:
    import pytest
    from pydantic import ValidationError

    from bot.config import Settings
    with pytest.raises(ValidationError, match="XAPI_USERNAME"):
        Settings.model_validate({"xapi": {"enabled": True,
                                          "endpoint": "https://ann:secret@lrs.example.com/xAPI/"}})


def test_an_activity_base_is_given_its_separator() -> None:
    """Ids glue the base and a path: without the slash, lessons would get another host."""
    from bot.config import XapiConfig
    assert XapiConfig(activity_base="https://learning.example.com").activity_base == \
        "https://learning.example.com/"
    assert XapiConfig(activity_base="https://learning.example.com/x/").activity_base == \
        "https://learning.example.com/x/"
    assert XapiConfig(activity_base="urn:acme").activity_base == "urn:acme:"
    assert XapiConfig().activity_base == "urn:microlearn:"


def test_an_mbox_must_be_an_email_of_a_platform_account() -> None:
    import pytest
    from pydantic import ValidationError

    from bot.config import XapiConfig
    assert XapiConfig(mbox={"slack:U1": "mailto:ann@example.com"}).mbox == {
        "slack:U1": "ann@example.com"}
    with pytest.raises(ValidationError, match=r"'ann\.example\.com' .*is not an e-mail address"):
        XapiConfig(mbox={"slack:U1": "ann.example.com"})
    with pytest.raises(ValidationError, match="'U1' is not 'platform:user_id'"):
        XapiConfig(mbox={"U1": "ann@example.com"})


def secret_variables() -> set[str]:
    """Every secret the code reads from the environment: the names given to os.environ.get
    (or a *_ENV constant) in bot/, storage/ and scheduler/, but for cache and path settings."""
    root = EXAMPLE.parent
    found: set[str] = set()
    for source in [*root.glob("bot/**/*.py"), *root.glob("storage/**/*.py"),
                   *root.glob("scheduler/**/*.py")]:
        text = source.read_text(encoding="utf-8")
        found |= set(re.findall(r'environ\.get\("([A-Z_]+)"\)', text))
        found |= set(re.findall(r'^[A-Z_]+_ENV = "([A-Z_]+)"', text, re.MULTILINE))
    return found - {"XDG_CACHE_HOME"}


def test_every_secret_variable_is_listed_in_the_readme_and_the_example_header() -> None:
    """An operator reads the one list in either place (MICROLEARN_DASHBOARD_SECRET had been
    in docs/dashboard.md only)."""
    names = secret_variables()
    assert {"TELEGRAM_BOT_TOKEN", "MICROLEARN_DASHBOARD_SECRET"} <= names
    header = EXAMPLE.read_text(encoding="utf-8").split("\n[", 1)[0]
    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert {name for name in names if name not in header} == set()
    assert {name for name in names if f"`{name}`" not in readme} == set()


def test_a_plain_http_lrs_endpoint_must_be_on_this_machine() -> None:
    """Every request carries the LRS's password and statements carry learners' words: over
    plain http:// to another host, anyone on the way reads both (a security review's)."""
    import pytest
    from pydantic import ValidationError

    from bot.config import XapiConfig
    for remote in ("http://lrs.example.com/xAPI/", "http://10.0.0.5:8100/xAPI/",
                   "HTTP://lrs.example.com/xAPI/", "http://[2001:db8::1]/xAPI/"):
        with pytest.raises(ValidationError, match="unencrypted; use https://"):
            XapiConfig(enabled=True, endpoint=remote)
    for local in ("https://lrs.example.com/xAPI/", "http://127.0.0.1:8100/xAPI/",
                  "http://127.1.2.3/xAPI/", "http://[::1]:8100/xAPI/",
                  "http://localhost:8100/xAPI/", "http://LOCALHOST/xAPI/"):
        assert XapiConfig(enabled=True, endpoint=local).endpoint == local


def test_the_sends_in_flight_are_a_setting_the_dispatcher_takes(tmp_path: Path) -> None:
    """docs/delivery.md named `[schedule] concurrency` as the bound on a kill -9's duplicates,
    but the config refused the key and the dispatcher's 64 was fixed (a replica review)."""
    from bot.app import dispatch_settings

    path = tmp_path / "config.toml"
    path.write_text("[schedule]\nconcurrency = 10\n", encoding="utf-8")
    assert dispatch_settings(load(path)).concurrency == 10
    assert dispatch_settings(Settings()).concurrency == 64
