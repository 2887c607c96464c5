"""Display names reach the engine as plain text: no control characters, and no bidirectional
controls (U+202E and friends) with which one learner could reorder others' lines in `top`."""

from __future__ import annotations

import pytest
from telegram import Bot, Update

from bot.adapters.names import plain_name
from bot.adapters.slack.directory import to_person
from bot.adapters.telegram.inbound import to_inbound
from tests.fakes.telegram_api import FakeTelegram

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("control", [*BIDI, "\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_telegram_name_loses_bidi_and_control_characters(control: str) -> None:
    data = FakeTelegram().message_update(42, "top", first_name=f"Eve{control}1000",
                                         last_name=f"{control}pts")
    update = Update.de_json(data, Bot("123:TOKEN"))
    assert update is not None
    inbound = to_inbound(update, 7, "microlearn_bot")
    assert inbound is not None
    assert inbound.display_name == "Eve1000 pts"


@pytest.mark.parametrize("control", list(BIDI))
def test_a_slack_name_loses_bidi_characters(control: str) -> None:
    person = to_person({"id": "U1", "profile": {"display_name": f"\u202eeve{control} smith"}})
    assert person.display_name == "eve smith"


def test_names_in_any_script_and_emoji_sequences_stay_whole() -> None:
    for name in ("José Núñez", "مريم", "שרה כהן", "李小龙", "Ana 👩‍💻", "🏳️‍🌈 Kai"):
        assert plain_name(name) == name
