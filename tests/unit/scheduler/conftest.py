"""The delivery tests' bot, on a fake clock over a recording adapter."""

from __future__ import annotations

import pytest

from bot.content.catalog import Catalog
from storage import Database
from tests.fakes.harness import MONDAY, Bot, make_bot

__all__ = ["MONDAY", "Bot"]


@pytest.fixture
def bot(database: Database, sample_catalog: Catalog) -> Bot:
    return make_bot(database, sample_catalog)
