"""The Slack app manifests ask for every scope and event the adapter uses, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.slack.adapter import SCOPES
from bot.adapters.slack.inbound import COMMAND, EVENTS
from bot.config import SlackSettings

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "bot" / "adapters" / "slack"
MANIFESTS = sorted((ROOT / "slack").glob("manifest*.yml"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_every_web_api_call_is_listed_with_its_scope() -> None:
    called = set()
    for path in PACKAGE.glob("*.py"):
        called |= set(re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", path.read_text("utf-8")))
    assert called == set(SCOPES), "a new Web API call needs its scope in SCOPES and the manifests"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_the_manifest_has_every_scope_event_and_command(path: Path) -> None:
    manifest = load(path)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {scope for scope in SCOPES.values() if scope} | {"im:history", "commands"}
    assert scopes == needed
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENTS.values())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_there_is_one_manifest_per_mode() -> None:
    assert [path.name for path in MANIFESTS] == ["manifest.http.yml", "manifest.yml"]
    socket, http = load(ROOT / "slack" / "manifest.yml"), load(ROOT / "slack" / "manifest.http.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False
    path = SlackSettings().events_path
    urls = [http["settings"]["event_subscriptions"]["request_url"],
            http["settings"]["interactivity"]["request_url"],
            http["features"]["slash_commands"][0]["url"]]
    assert all(url.startswith("https://") and url.endswith(path) for url in urls)
