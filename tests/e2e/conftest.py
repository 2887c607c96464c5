"""Fixtures the end-to-end tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeTelegram

TELEGRAM_TOKEN = "123456:TEST-token_for-the-fake"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API on a free port (a module with a platform fake of its own under this
    name uses its own)."""
    server = FakeTelegram(token=TELEGRAM_TOKEN)
    await server.start()
    yield server
    await server.stop()
