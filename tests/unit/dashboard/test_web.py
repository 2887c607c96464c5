"""The dashboard's HTTP side without a browser: filters refused with a reason, CSV that a
spreadsheet cannot run, JSON with the page's numbers, and /metrics."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard
from bot.dashboard.signin import COOKIE, SignIn
from bot.dashboard.web import DashboardWeb
from bot.messages import Inbound, Platform
from bot.metrics import REGISTRY, OutboxCollector
from bot.web.server import WebServer
from storage import Database
from storage.records import DeliveryKind, LearnerChange

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


@pytest.fixture
async def client(database: Database, sample_catalog: Catalog) -> AsyncIterator[TestClient]:
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("slack", "U1", NOW - timedelta(days=3), LearnerChange(
            display_name="=HYPERLINK(\"http://evil\")"))
        unit.deliveries.enqueue(learner.id, DeliveryKind.LESSON, NOW.date(),
                                NOW - timedelta(minutes=90))
    signin = SignIn(database)
    web = DashboardWeb(Dashboard(database, sample_catalog), signin, lambda: NOW)
    server = WebServer("127.0.0.1", 0, web.routes(), lambda: _ok())
    collector = OutboxCollector(database.outbox_figures, lambda: NOW)
    REGISTRY.register(collector)
    async with TestClient(TestServer(server.app)) as client:
        client.session.cookie_jar.update_cookies(
            {COOKIE: signin.cookie("slack:UT")})
        yield client
    REGISTRY.unregister(collector)


async def _ok() -> dict[str, object]:
    return {"ok": True}


async def test_a_filter_that_cannot_be_read_is_refused_with_what_to_write(
        client: TestClient) -> None:
    response = await client.get("/dashboard/overview?from=yesterday")
    assert response.status == 400
    assert "'from' must be a date like 2026-03-01" in await response.text()
    response = await client.get("/dashboard/overview?from=2026-03-10&to=2026-03-01")
    assert response.status == 400 and "swap them" in await response.text()
    assert (await client.get("/dashboard/overview?track=nope")).status == 400
    assert (await client.get("/dashboard/nothing-here")).status == 404


async def test_csv_cells_a_spreadsheet_would_run_are_quoted(client: TestClient) -> None:
    response = await client.get("/dashboard/learners/learners.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"


async def test_json_has_the_pages_numbers(client: TestClient) -> None:
    response = await client.get("/dashboard/overview.json?from=2026-03-01")
    body = await response.json()
    assert body["page"] == "overview" and body["filters"]["from"] == "2026-03-01"
    assert body["figures"][0] == {"label": "enrolled", "value": "1"}
    assert body["charts"][0]["key"] == "daily-active"
    assert len(body["charts"][0]["labels"]) == 20  # 1 to 20 March


async def test_metrics_show_the_outbox_and_inbound_events(client: TestClient,
                                                          database: Database,
                                                          tmp_path: Path) -> None:
    from bot.app import BotHost
    from bot.engine.engine import Engine
    from scheduler.clock import ManualClock

    catalog = Catalog(tmp_path)
    catalog.load()
    host = BotHost(Engine(database, catalog), ManualClock(NOW))
    await host.handle(Inbound(Platform.TELEGRAM, "42", "42", text="hello"))
    text = await (await client.get("/metrics")).text()
    assert 'microlearn_deliveries{status="pending"} 1.0' in text
    assert "microlearn_due_backlog 1.0" in text
    assert "microlearn_due_backlog_age_seconds 5400.0" in text
    assert 'microlearn_inbound_seconds_count{platform="telegram"}' in text
    assert "microlearn_rate_limited_total" in text
