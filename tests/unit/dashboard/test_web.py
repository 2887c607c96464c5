"""The dashboard's HTTP side without a browser: filters refused with a reason, CSV that a
spreadsheet cannot run, JSON with the page's numbers, and /metrics."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard, Filters
from bot.dashboard.signin import COOKIE, Refusal, Refused, SignIn
from bot.dashboard.web import DashboardWeb, _refused_link, csv_name
from bot.messages import Inbound, Platform
from bot.metrics import REGISTRY, OutboxCollector
from bot.web.server import WebServer
from storage import Database
from storage.records import DeliveryKind, LearnerChange, SkippedBy

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(database: Database, sample_catalog: Catalog) -> AsyncIterator[Client]:
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
            {COOKIE: signin.start("slack:UT", NOW)})
        yield client
    REGISTRY.unregister(collector)


async def _ok() -> dict[str, object]:
    return {"ok": True}


async def test_a_filter_that_cannot_be_read_is_refused_with_what_to_write(
        client: Client) -> None:
    response = await client.get("/dashboard/overview?from=yesterday")
    assert response.status == 400
    assert "'from' must be a date like 2026-03-01" in html.unescape(await response.text())
    response = await client.get("/dashboard/overview?from=2026-03-10&to=2026-03-01")
    assert response.status == 400 and "swap them" in html.unescape(await response.text())
    assert (await client.get("/dashboard/overview?track=nope")).status == 400
    assert (await client.get("/dashboard/nothing-here")).status == 404
    assert (await client.get("/dashboard/?to=9999-12-31")).status == 400
    assert (await client.get("/dashboard/?to=0001-01-05")).status == 400
    assert (await client.get("/dashboard/learners/99999999999999999999999")).status == 404
    response = await client.get("/dashboard/overview?from=2026-03-21")  # NOW is the 20th
    assert response.status == 400 and "nothing has happened yet" in await response.text()


async def test_a_learner_address_that_is_not_a_number_gets_the_not_found_page(
        client: Client) -> None:
    """As /learners/999 does: a page with the way back, JSON for .json, a sentence for
    .csv; so does any address under the dashboard that no route reads."""
    for address in ("/dashboard/learners/abc", "/dashboard/learners/-1",
                    "/dashboard/learners/\u0661", "/dashboard/learners/1/answers",
                    "/dashboard/learners/1.5",
                    "/dashboard/overview/platforms/more"):
        response = await client.get(address)
        page = html.unescape(await response.text())
        assert response.status == 404 and response.content_type == "text/html", address
        assert '<a href="/dashboard/">Back to the overview</a>' in page, address
    response = await client.get("/dashboard/learners/abc.json")
    assert response.status == 404 and response.content_type == "application/json"
    assert (await response.json())["error"].startswith("There is no learner with this number")
    response = await client.get("/dashboard/learners/abc/answers.csv")
    assert response.status == 404 and response.content_type == "text/plain"
    assert (await client.get("/dashboard/learners/learners.csv")).status == 200
    client.session.cookie_jar.clear()  # not signed in: refused before anything is looked up
    assert (await client.get("/dashboard/learners/1/answers")).status == 403


async def test_a_csv_download_is_named_by_its_table_range_and_filters(client: Client) -> None:
    """Two views of one table never share a file name, and no word is said twice."""
    async def name(address: str) -> str:
        response = await client.get(address)
        assert response.status == 200, address
        return response.headers["Content-Disposition"]
    assert await name("/dashboard/gain/gain.csv?from=2026-03-01&platform=slack") == (
        'attachment; filename="gain_2026-03-01_2026-03-20_slack.csv"')
    assert await name("/dashboard/gain/gain.csv") == (  # the last 30 days, NOW the 20th
        'attachment; filename="gain_2026-02-19_2026-03-20.csv"')
    assert await name("/dashboard/overview/platforms.csv?from=2026-03-02&to=2026-03-08"
                      "&platform=telegram") == (
        'attachment; filename="overview-platforms_2026-03-02_2026-03-08_telegram.csv"')
    assert csv_name("tracks", "tracks", Filters(date(2026, 11, 1), date(2026, 11, 30),
                                                None, "security/\u00e9t\u00e9 x"),
                    None, date(2026, 12, 6)) == (
        "tracks_2026-11-01_2026-11-30_security-t-x.csv")
    assert csv_name("learner", "checks", None, "learner-7", date(2026, 12, 6)) == (
        "learner-7_checks_2026-12-06.csv")


async def test_a_range_into_the_future_ends_today(client: Client) -> None:
    """Days to come would be drawn as activity falling to zero."""
    data = await (await client.get("/dashboard/overview.json?from=2026-03-15&to=2027-12-31"
                                   )).json()
    [chart] = [chart for chart in data["charts"] if chart["key"] == "daily-active"]
    assert chart["labels"][0] == "2026-03-15" and chart["labels"][-1] == "2026-03-20"


async def test_not_signed_in_a_program_gets_json_or_text_not_a_page(
        client: Client) -> None:
    client.session.cookie_jar.clear()
    response = await client.get("/dashboard/overview.json")
    assert response.status == 403 and "Sign in first" in (await response.json())["error"]
    response = await client.get("/dashboard/overview/platforms.csv")
    assert response.status == 403 and (await response.text()).startswith("Sign in first")
    response = await client.get("/dashboard/")
    assert response.status == 403 and "<html" in await response.text()


async def test_the_json_figures_carry_numbers_a_program_can_read(client: Client,
                                                                 database: Database) -> None:
    """"81%" and "75% (3 of 4)" are for people; a program gets 0.81 and 0.75, and counts as
    numbers."""
    with database.unit() as unit:
        learner = unit.learners.find("slack", "U1")
        assert learner is not None
        for question, right in (("q1", True), ("q2", True), ("q3", False)):
            unit.answers.record(learner.id, "security/phishing-basics", question, [0], right,
                                NOW - timedelta(hours=2), f"test:{question}")
    body = await (await client.get("/dashboard/overview.json")).json()
    figures = {figure["label"]: figure for figure in body["figures"]}
    assert figures["enrolled"] == {"label": "enrolled", "value": "1", "number": 1}
    assert figures["answers"]["number"] == 3
    assert figures["accuracy"] == {"label": "accuracy", "value": "67% (2 of 3)", "number": 0.6667}
    learner_page = await (await client.get(f"/dashboard/learners/{learner.id}.json")).json()
    by_label = {figure["label"]: figure for figure in learner_page["figures"]}
    assert by_label["platform"] == {"label": "platform", "value": "slack", "number": None}


async def test_an_address_that_names_nothing_says_so_with_a_way_back(client: Client) -> None:
    """A person gets a page with a link back; a JSON client gets JSON; a CSV download the
    sentence alone."""
    response = await client.get("/dashboard/nothing-here")
    page = html.unescape(await response.text())
    assert response.status == 404 and response.content_type == "text/html"
    assert "There is no page 'nothing-here': the pages are overview," in page
    assert '<a href="/dashboard/">Back to the overview</a>' in page
    response = await client.get("/dashboard/questions?from=yesterday&platform=slack")
    page = html.unescape(await response.text())
    assert response.status == 400 and "'from' must be a date like" in page
    assert '<a href="/dashboard/questions">The same page without filters</a>' in page
    response = await client.get("/dashboard/learners/4242.json")
    assert response.status == 404 and response.content_type == "application/json"
    assert (await response.json())["error"].startswith("There is no learner with this number")
    response = await client.get("/dashboard/overview.json?to=9999-12-31")
    assert response.status == 400 and "to" in (await response.json())["error"]
    response = await client.get("/dashboard/overview/nope.csv")
    assert response.status == 404 and response.content_type == "text/plain"
    assert "There is no table 'nope' on this page: its tables are " in await response.text()


async def test_a_chart_with_nothing_to_draw_says_so(client: Client) -> None:
    """No learner has taken both knowledge checks: bare axes would look broken."""
    page = await (await client.get("/dashboard/gain?from=2026-03-01")).text()
    assert "Nothing yet in this view." in page and "<canvas" not in page
    overview = await (await client.get("/dashboard/overview?from=2026-03-01")).text()
    assert "<canvas" in overview  # the enrolment is something to draw
    assert "Days and times in UTC" in overview  # learners are in many zones: say whose


async def test_csv_cells_a_spreadsheet_would_run_are_quoted(client: Client) -> None:
    response = await client.get("/dashboard/learners/learners.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"


async def test_a_long_table_shows_its_first_rows_and_its_csv_and_figure_have_all(
        client: Client, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trainer with 250 unanswered lookups had seen 200, and a figure of 200."""
    from bot.dashboard import pages
    monkeypatch.setattr(pages, "LISTED", 2)
    with database.unit() as unit:
        learner = unit.learners.find("slack", "U1")
        assert learner is not None
        for words in ("vpn setup", "expenses", "parking", "expenses"):
            unit.lookups.miss(learner.id, words, NOW - timedelta(hours=1))
    page = await (await client.get("/dashboard/lessons")).text()
    assert "The first 2 of 3 rows; the CSV has them all." in page
    assert page.count("<td>2026-03-20 11:00</td>") == 2
    body = await (await client.get("/dashboard/lessons.json")).json()
    assert {"label": "unanswered lookups", "value": "4", "number": 4} in body["figures"]
    response = await client.get("/dashboard/lessons/unanswered.csv")
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert [row[:2] for row in rows[1:]] == [["expenses", "2"], ["parking", "1"],
                                             ["vpn setup", "1"]]


async def test_a_learners_page_offers_no_filters_it_would_not_apply(
        client: Client, database: Database) -> None:
    with database.unit() as unit:
        learner = unit.learners.find("slack", "U1")
    assert learner is not None
    page = await (await client.get(
        f"/dashboard/learners/{learner.id}?from=2026-03-01&platform=telegram")).text()
    assert 'name="from"' not in page and 'name="platform"' not in page
    assert "do not apply here" in page
    body = await (await client.get(f"/dashboard/learners/{learner.id}.json")).json()
    assert body["filters"] is None
    overview = await (await client.get("/dashboard/overview")).text()
    assert 'name="from"' in overview


async def test_json_has_the_pages_numbers(client: Client) -> None:
    response = await client.get("/dashboard/overview.json?from=2026-03-01")
    body = await response.json()
    assert body["page"] == "overview" and body["filters"]["from"] == "2026-03-01"
    assert body["figures"][0] == {"label": "enrolled", "value": "1", "number": 1}
    assert body["charts"][0]["key"] == "daily-active"
    assert len(body["charts"][0]["labels"]) == 20  # 1 to 20 March


async def test_metrics_show_the_outbox_and_inbound_events(client: Client,
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


def test_a_trainer_asks_for_a_link_in_chat_and_it_works_once(database: Database,
                                                            sample_catalog: Catalog) -> None:
    from bot.engine.engine import Engine
    from bot.engine.turn import EngineSettings
    from bot.messages import DashboardLink, Notice, NoticeCode

    def say(engine: Engine, user: str) -> list[object]:
        return list(engine.handle(Inbound(Platform.SLACK, user, user, text="dashboard"), NOW))

    off = Engine(database, sample_catalog, EngineSettings(trainers=("slack:UT",)))
    assert say(off, "UT")[-1] == Notice(NoticeCode.DASHBOARD_OFF)
    on = Engine(database, sample_catalog, EngineSettings(
        trainers=("slack:UT",), dashboard_url="https://learn.example.com/"))
    # The account to list is named: the first to try it is often a trainer not listed yet.
    assert say(on, "U2")[-1] == Notice(NoticeCode.TRAINERS_ONLY, account="slack:U2")
    link = say(on, "UT")[-1]
    assert isinstance(link, DashboardLink) and link.minutes == 10
    assert link.url.startswith("https://learn.example.com/dashboard/signin?token=")
    token = link.url.split("token=")[1]
    signin = SignIn(database)
    assert signin.redeem(token, NOW + timedelta(minutes=9)) == "slack:UT"
    assert signin.redeem(token, NOW + timedelta(minutes=9)) is None  # once
    later = say(on, "UT")[-1]
    assert isinstance(later, DashboardLink)
    assert signin.redeem(later.url.split("token=")[1], NOW + timedelta(minutes=11)) is None


def test_a_trainer_taken_off_the_list_is_signed_out(database: Database) -> None:
    """A session (or a link) of someone no longer in [bot] trainers stops working at once;
    the operator's command-line links are not tied to the list."""
    before = SignIn(database, trainers=("slack:UT", "slack:UX"))
    cookie = before.start("slack:UT", NOW)
    waiting = before.link("slack:UT", NOW)
    operator = before.start("cli", NOW)
    kept = before.start("slack:UX", NOW)
    after = SignIn(database, trainers=("slack:UX",))  # the config changed, the bot restarted
    assert after.trainer(cookie, NOW) is None
    assert after.redeem(waiting, NOW) is None
    assert after.refusal(waiting) == Refusal(Refused.NOT_A_TRAINER)  # not "used"
    assert after.trainer(operator, NOW) == "cli"
    assert after.trainer(kept, NOW) == "slack:UX"
    assert before.trainer(cookie, NOW) is None  # the session was ended, not just refused


def test_microlearn_simulate_and_dashboard_from_the_command_line(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    root = Path(__file__).resolve().parents[3]
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    simulated = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", "--db", url, "--learners", "4", "--days", "6",
         "--start", "2026-03-02", "--lessons", str(root / "lessons")],
        capture_output=True, text=True, timeout=120, cwd=root, check=False)
    assert simulated.returncode == 0, simulated.stderr
    assert simulated.stdout.startswith("4 learners over 6 days:")
    served = subprocess.Popen(
        [sys.executable, "-m", "bot", "dashboard", "--db", url, "--port", "0",
         "--lessons", str(root / "lessons")],
        stdout=subprocess.PIPE, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert served.stdout is not None
        lines = [served.stdout.readline() for _ in range(3)]
        link = lines[2].strip()
        assert lines[0].startswith("The dashboard is at http://127.0.0.1:")
        assert link.startswith("http://127.0.0.1:") and "/dashboard/signin?token=" in link

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None
        opener = urllib.request.build_opener(Stay)
        with opener.open(link, timeout=10) as page:  # opening shows a button, uses nothing
            assert page.status == 200 and b'name="token"' in page.read()
        target = link.split("?")[0]
        form = link.split("?")[1].encode()
        try:
            opener.open(urllib.request.Request(target, data=form), timeout=10)
            raise AssertionError("a sign-in redirects")
        except urllib.error.HTTPError as answer:
            assert answer.code == 302 and "microlearn_dashboard=" in answer.headers[
                "Set-Cookie"]
        try:
            opener.open(urllib.request.Request(target, data=form), timeout=10)
            raise AssertionError("a link works once")
        except urllib.error.HTTPError as answer:
            assert answer.code == 403
    finally:
        served.send_signal(signal.SIGTERM)
        assert served.wait(20) == 0


async def test_reading_the_database_gives_no_session_and_signing_out_ends_it(
        client: Client, database: Database) -> None:
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import text

    async def status(cookie: str, path: str = "/dashboard/") -> int:
        response = await client.get(path, cookies={COOKIE: cookie})
        return response.status

    with database.engine.connect() as connection:
        secret = connection.execute(text("SELECT value FROM secret")).scalar_one()
    forged = URLSafeTimedSerializer(secret, salt="microlearn-dashboard").dumps(
        {"session": "made-up"})
    client.session.cookie_jar.clear()
    assert await status(forged) == 403  # signed with the real secret, but no such session
    cookie = SignIn(database).start("slack:UT", NOW)
    assert await status(cookie) == 200
    assert (await client.get("/dashboard/signout", cookies={COOKIE: cookie})).status == 404
    # Another site's form, posted by the trainer's browser, signs no one out.
    for foreign in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://localhost:8799"},
                    {"Origin": "null"}):  # a hostile page with no-referrer sends "null"
        refused = await client.post("/dashboard/signout", cookies={COOKIE: cookie},
                                    headers=foreign)
        assert refused.status == 403 and "dashboard's own page" in await refused.text()
        assert await status(cookie) == 200
    # Its own form over plain http on a LAN address: no Sec-Fetch-Site, its full Origin
    # (the pages' Referrer-Policy is same-origin, so the browser does not send "null").
    own = {"Origin": f"http://{client.host}:{client.port}"}
    assert out_policy(await client.get("/dashboard/", cookies={COOKIE: cookie})) == "same-origin"
    # The sign-in page's address holds a token: what it loads names only the origin.
    assert out_policy(await client.get("/dashboard/signin?token=abc")) == "strict-origin"
    out = await client.post("/dashboard/signout", cookies={COOKIE: cookie}, headers=own,
                            allow_redirects=False)
    # To a page fetched with GET: reloading it had posted the sign-out form again.
    assert out.status == 303 and out.headers["Location"] == "/dashboard/signin?out"
    landed = await client.get("/dashboard/signin?out")
    assert landed.status == 200 and "signed out" in (await landed.text())
    # With no token, the sign-in page's button could only fail: it says how to get a link.
    bare = await client.get("/dashboard/signin")
    assert bare.status == 403 and "takes a sign-in link" in (await bare.text())
    assert await status(cookie) == 403  # every copy of the cookie: the session has ended


def out_policy(response: object) -> str:
    return str(response.headers.get("Referrer-Policy"))  # type: ignore[attr-defined]


def test_an_origin_is_compared_as_a_browser_writes_it() -> None:
    from bot.dashboard.web import _host
    assert _host("https://Learn.Example.com:443/dashboard") == "learn.example.com"
    assert _host("http://learn.example.com:8080") == "learn.example.com:8080"
    assert _host("http://127.0.0.1:80") == "127.0.0.1"
    assert _host("http://x:notaport") == ""


async def test_a_database_outage_is_a_503_page_and_metrics_go_on(
        client: Client, database: Database, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """While the database refuses connections, every page that needs it says it is away (it
    was a bare 500 with a traceback), and /metrics still serves the other metrics."""
    def refused(*args: object, **kwargs: object) -> None:
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(database.engine, "connect", refused)
    for _ in range(2):
        page = await client.get("/dashboard/overview")
        assert page.status == 503 and "database cannot be reached" in await page.text()
        metrics = await client.get("/metrics")
        assert metrics.status == 200
        text = await metrics.text()
        assert "microlearn_database_readable 0.0" in text
        assert "microlearn_rate_limited_total" in text
        assert "microlearn_deliveries" not in text
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    said = [r.getMessage() for r in caplog.records if "/metrics leaves out" in r.getMessage()]
    assert len(said) == 1  # once per outage, not at every scrape
    monkeypatch.undo()
    assert "microlearn_database_readable 1.0" in await (await client.get("/metrics")).text()
    assert (await client.get("/dashboard/overview")).status == 200


async def test_head_is_answered_wherever_get_is(client: Client) -> None:
    """A monitor or a link checker asks with HEAD: the headers of the page, no body."""
    page = await client.head("/dashboard/overview")
    assert page.status == 200 and page.content_type == "text/html"
    assert await page.read() == b""
    assert (await client.head("/dashboard/learners/learners.csv")).content_type == "text/csv"
    assert (await client.head("/healthz")).status == 200
    assert (await client.head("/dashboard/nothing-here")).status == 404
    assert (await client.post("/dashboard/overview")).status == 405


def test_the_dashboard_warns_when_its_lesson_folder_is_not_the_bots(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Started without --lessons, the dashboard showed every question as removed and every
    lesson unread, and nothing said why."""
    from bot.app import open_engine
    from bot.content.catalog import Catalog
    from bot.dashboard.serve import _check_folder
    from bot.engine.turn import EngineSettings
    from bot.simulate import Simulation
    from tests.unit.engine.conftest import write

    mine = tmp_path / "mine"
    write(mine, "kitchen/knives.md", "title: Knives\ntopic: kitchen", "Hold the knife well.")
    write(mine, "kitchen/heat.md", "title: Heat\ntopic: kitchen", "Mind the oven.")
    database, engine = open_engine(mine, f"sqlite:///{tmp_path / 'c.db'}", EngineSettings())
    Simulation(engine, seed=1).run(3, 3, date(2026, 3, 2))
    other = tmp_path / "other"
    write(other, "x.md", "title: X\ntopic: x", "Something else.")
    wrong = Catalog(other)
    wrong.load()
    with caplog.at_level("WARNING", logger="bot.dashboard.serve"):
        _check_folder(database, engine.catalog, mine)
        assert not caplog.records
        _check_folder(database, wrong, other)
    database.dispose()
    [warning] = caplog.records
    assert "2 of the 2 lessons learners got are not in the lesson folder" in warning.message
    assert "--lessons" in warning.message


async def test_the_at_risk_footnote_counts_workdays_as_the_rows_do(client: Client) -> None:
    """The rows say "no action for 6 workdays" (the learner's own workdays are counted): the
    footnote must not say "days"."""
    page = html.unescape(await (await client.get("/dashboard/learners")).text())
    assert "At risk: no action for 5 of their workdays," in page
    assert "no action for 5 days" not in page


async def test_the_weekly_chart_starts_at_the_ranges_first_day(client: Client) -> None:
    """A range from Wednesday 4 March: its first week counts from the 4th, so its bar is
    labelled so, not with Monday the 2nd (days the range leaves out); the others by their
    Monday."""
    response = await client.get("/dashboard/tracks/completions.csv?from=2026-03-04")
    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["2026-03-04", "2026-03-09", "2026-03-16"]
    body = await (await client.get("/dashboard/tracks.json?from=2026-03-02")).json()
    [chart] = [chart for chart in body["charts"] if chart["key"] == "completions"]
    assert chart["labels"] == ["2026-03-02", "2026-03-09", "2026-03-16"]  # from a Monday


async def test_completed_is_drawn_in_the_good_green_not_red(client: Client) -> None:
    """Red reads as bad: the funnel's "completed" takes the green of "useful", and "half-way"
    a colour of its own (the palette's next would be that green too)."""
    from bot.dashboard.pages import BAD, GOOD
    body = await (await client.get("/dashboard/tracks.json")).json()
    [funnel] = [chart for chart in body["charts"] if chart["key"] == "funnel"]
    colours = {series["name"]: series["colour"] for series in funnel["series"]}
    assert colours["completed"] == GOOD
    assert colours["half-way"] not in (GOOD, BAD)


async def test_a_used_link_and_an_expired_one_are_told_apart(client: Client,
                                                             database: Database) -> None:
    """Both are refused (403), each with what happened: a used link is no use again, an
    expired one says how long links last; a token never made says it is not one."""
    client.session.cookie_jar.clear()
    signin = SignIn(database)

    async def refusal(token: str) -> str:
        response = await client.post("/dashboard/signin", data={"token": token},
                                     allow_redirects=False)
        assert response.status == 403
        return html.unescape(await response.text())
    used = signin.link("slack:UT", NOW - timedelta(minutes=1))
    assert signin.redeem(used, NOW) == "slack:UT"
    page = await refusal(used)
    assert "This sign-in link was already used: a link works once." in page
    assert "expired" not in page
    page = await refusal(signin.link("slack:UT", NOW - timedelta(minutes=11)))
    assert "This sign-in link expired: it worked for 10 minutes after it was made." in page
    assert "already used" not in page
    page = await refusal("never-made")
    assert "This sign-in link is not one the dashboard made" in page
    for page in (await refusal(used), await refusal("never-made")):
        assert 'Type "dashboard" in your chat with the bot for a new one' in page


def test_a_link_of_someone_taken_off_the_trainers_says_what_to_do() -> None:
    """A trainer taken off [bot] trainers is told who can list them again and how to get a
    new link once listed: the page is all they see."""
    page = _refused_link(Refusal(Refused.NOT_A_TRAINER))
    assert "no longer a trainer" in page
    assert "ask whoever runs the bot to list you again" in page
    assert 'type "dashboard" in your chat with the bot for a new link' in page


async def test_a_check_without_a_score_says_who_ended_it_in_words(client: Client,
                                                                 database: Database) -> None:
    """A learner page's knowledge checks: a baseline with no score says "skipped" (`skip
    check`) or "set aside" (not answered on its day when the next lesson came), and only one
    ended before the two were kept apart still says "skipped or set aside"; an endline with
    none "skipped", one under way "open"; the page says what each means. An empty cell is
    only a check not asked yet."""
    with database.unit() as unit:
        learner = unit.learners.find("slack", "U1")
        other, _ = unit.learners.enrol("slack", "U2", NOW - timedelta(days=3))
        assert learner is not None
        questions = [("security/phishing-basics", "q1")]
        unit.checks.start(learner.id, "security-basics", "pre", questions, NOW)
        unit.checks.finish(learner.id, "security-basics", "pre", NOW,
                           skipped_by=SkippedBy.LEARNER)
        unit.checks.start(learner.id, "git-basics", "pre", questions, NOW)
        unit.checks.answer(learner.id, "git-basics", "pre", True)
        unit.checks.finish(learner.id, "git-basics", "pre", NOW)
        unit.checks.start(learner.id, "git-basics", "post", questions, NOW)
        unit.checks.finish(learner.id, "git-basics", "post", NOW, skipped_by=SkippedBy.LEARNER)
        unit.checks.start(learner.id, "writing", "pre", questions, NOW)
        unit.checks.finish(learner.id, "writing", "pre", NOW, skipped_by=SkippedBy.PUSH)
        unit.checks.start(learner.id, "zz-old", "pre", questions, NOW)
        unit.checks.finish(learner.id, "zz-old", "pre", NOW, skipped_by=SkippedBy.PUSH)
        unit.checks.start(other.id, "security-basics", "pre", questions, NOW)
    with database.session() as session:  # as a baseline skipped before 0020 was kept
        session.execute(text("UPDATE track_check SET skipped_by = NULL "
                             "WHERE track = 'zz-old'"))
    body = await (await client.get(f"/dashboard/learners/{learner.id}.json")).json()
    [checks] = [table for table in body["tables"] if table["key"] == "checks"]
    assert checks["rows"] == [["Git basics", 1.0, "skipped", None],
                              ["Security basics", "skipped", None, None],
                              ["Writing", "set aside", None, None],
                              ["Zz old", "skipped or set aside", None, None]]
    page = html.unescape(await (await client.get(f"/dashboard/learners/{learner.id}")).text())
    assert "<td>skipped</td>" in page and "<td>set aside</td>" in page
    assert "<td>skipped or set aside</td>" in page
    assert "set aside: not answered on the day it was asked" in page
    assert "before the bot kept which of the two it was" in page
    body = await (await client.get(f"/dashboard/learners/{other.id}.json")).json()
    [checks] = [table for table in body["tables"] if table["key"] == "checks"]
    assert checks["rows"] == [["Security basics", "open", None, None]]


async def test_cards_and_tables_show_a_share_alike_with_its_count(client: Client,
                                                                 database: Database) -> None:
    """The overview's accuracy card said 67% and its table 0.67: both say "67% (2 of 3)" on
    the page, while the CSV and JSON keep the share a program reads (0 to 1)."""
    with database.unit() as unit:
        learner = unit.learners.find("slack", "U1")
        assert learner is not None
        for question, right in (("q1", True), ("q2", True), ("q3", False)):
            unit.answers.record(learner.id, "security/phishing-basics", question, [0], right,
                                NOW - timedelta(hours=2), f"test:{question}")
    page = html.unescape(await (await client.get("/dashboard/overview")).text())
    assert "<dt>accuracy</dt><dd>67% (2 of 3)</dd>" in page
    # The platform's row; it sorts by the share's own fraction, not by its words.
    assert '<td data-sort="0.6666666666666666">67% (2 of 3)</td>' in page
    assert "0.67" not in page
    rows = list(csv.reader(io.StringIO(
        (await (await client.get("/dashboard/overview/platforms.csv")).text()).lstrip("\ufeff"))))
    assert rows[1][0] == "slack" and rows[1][-1] == "0.67"
    body = await (await client.get("/dashboard/overview.json")).json()
    assert body["tables"][0]["rows"][0][-1] == 0.67
    accuracy = next(figure for figure in body["figures"] if figure["label"] == "accuracy")
    assert accuracy == {"label": "accuracy", "value": "67% (2 of 3)", "number": 0.6667}


AUCKLAND_NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # Wednesday 2 December, 01:00 in Auckland


async def _zoned_client(database: Database, catalog: Catalog,
                        timezone: str) -> tuple[TestClient, int]:
    """The dashboard in ``timezone`` over one Auckland learner who acted on Monday 30
    November and Tuesday 1 December, local time, near both midnights."""
    from bot.dashboard.pages import DashboardSettings

    lesson = next(lesson for lesson in catalog.lessons() if lesson.questions)
    key = lesson.questions[0].key
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("console", "kiri", datetime(2026, 11, 29, tzinfo=UTC),
                                         LearnerChange(display_name="Kiri"))
        unit.progress.delivered(learner.id, lesson.id, datetime(2026, 11, 29, 19, 40, tzinfo=UTC))
        # Monday 08:50, Tuesday 00:10 and Tuesday 23:50 in Auckland (UTC+13): in UTC, Sunday,
        # Monday and Tuesday.
        unit.progress.read(learner.id, lesson.id, datetime(2026, 11, 29, 19, 50, tzinfo=UTC))
        for number, at in enumerate((datetime(2026, 11, 30, 11, 10, tzinfo=UTC),
                                     datetime(2026, 12, 1, 10, 50, tzinfo=UTC))):
            unit.answers.record(learner.id, lesson.id, key, (0,), True, at, f"kiri:{number}")
    signin = SignIn(database)
    web = DashboardWeb(Dashboard(database, catalog, DashboardSettings(timezone=timezone)),
                       signin, lambda: AUCKLAND_NOW)
    server = WebServer("127.0.0.1", 0, web.routes(), lambda: _ok())
    client = TestClient(TestServer(server.app))
    await client.start_server()
    client.session.cookie_jar.update_cookies({COOKIE: signin.start("slack:UT", AUCKLAND_NOW)})
    return client, learner.id


async def test_days_are_the_trainers_when_a_timezone_is_set(
        database: Database, sample_catalog: Catalog) -> None:
    # Days were UTC days only: an Auckland learner active Monday and Tuesday showed active on
    # Sunday, Monday and Tuesday, and times were written with no zone.
    client, learner = await _zoned_client(database, sample_catalog, "Pacific/Auckland")
    try:
        daily = await client.get("/dashboard/overview/daily-active.csv?from=2026-11-27")
        assert daily.status == 200
        rows = list(csv.reader(io.StringIO((await daily.text()).lstrip("\ufeff"))))
        active = {day: count for day, count in rows[1:] if count != "0"}
        assert active == {"2026-11-30": "1", "2026-12-01": "1"}
        # Today is Wednesday the 2nd in Auckland (still the 1st in UTC): the range ends there.
        overview = await (await client.get("/dashboard/overview.json?from=2026-12-02")).json()
        assert overview["filters"]["to"] == "2026-12-02"
        # Every time written has its offset, as the export's JSON Lines have theirs.
        page = await (await client.get(f"/dashboard/learners/{learner}.json")).json()
        [answers] = [table for table in page["tables"] if table["key"] == "answers"]
        assert {row[0] for row in answers["rows"]} == {"2026-12-01T00:10:00+13:00",
                                                       "2026-12-01T23:50:00+13:00"}
        written = await (await client.get(f"/dashboard/learners/{learner}/lessons.csv")).text()
        assert "2026-11-30T08:40:00+13:00" in written and "2026-11-30T08:50:00+13:00" in written
        shown = await (await client.get(f"/dashboard/learners/{learner}")).text()
        assert "2026-11-30 08:50" in shown and "Days and times in Pacific/Auckland" in shown
    finally:
        await client.close()


async def test_without_a_timezone_days_are_utc_and_times_say_so(
        database: Database, sample_catalog: Catalog) -> None:
    client, learner = await _zoned_client(database, sample_catalog, "UTC")
    try:
        daily = await client.get("/dashboard/overview/daily-active.csv?from=2026-11-27")
        rows = list(csv.reader(io.StringIO((await daily.text()).lstrip("\ufeff"))))
        assert {day for day, count in rows[1:] if count != "0"} == {
            "2026-11-29", "2026-11-30", "2026-12-01"}
        assert (await client.get("/dashboard/overview.json?from=2026-12-02")).status == 400
        page = await (await client.get(f"/dashboard/learners/{learner}.json")).json()
        [answers] = [table for table in page["tables"] if table["key"] == "answers"]
        assert "2026-12-01T10:50:00+00:00" in {row[0] for row in answers["rows"]}
    finally:
        await client.close()


def test_a_timezone_not_known_is_refused_with_the_option_named(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    result = CliRunner().invoke(main, ["dashboard", "--db", f"sqlite:///{tmp_path / 'x.db'}",
                                       "--pseudonymous", "--timezone", "Auckland/NZ"])
    assert result.exit_code == 2
    assert "--timezone" in result.output and "'Auckland/NZ' is not a time zone I know" in \
        result.output
    assert not (tmp_path / "x.db").exists()
