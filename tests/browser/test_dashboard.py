"""The trainer dashboard as a trainer uses it, in real headless Chromium (Debian's package,
driven by Playwright): sign in through a one-time link, every page drawn without console
errors, filters, CSV downloads, hostile names, refused sign-ins. Each page is photographed; with
MICROLEARN_SCREENSHOTS=docs set the pictures replace those in docs/images/ (the README's)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import open_engine
from bot.config import Settings
from bot.content.catalog import Catalog
from bot.dashboard.pages import PAGES, Dashboard, Share, Table
from bot.dashboard.serve import DashboardServer
from bot.engine.turn import EngineSettings
from bot.messages import Inbound, Platform
from bot.simulate import Simulation
from storage import Database
from tests.conftest import SAMPLE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
STATIC = Path(__file__).resolve().parents[2] / "bot" / "dashboard" / "static"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)>Eve & co"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="browser tests need Debian's chromium (.ci/run installs it with apt-get)")]

playwright_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Site:
    server: DashboardServer
    base: str

    def link(self, at: datetime = NOW) -> str:
        return f"{self.base}/dashboard/signin?token={self.server.signin.link('slack:UT', at)}"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a test run must not change the checkout (a plain `make test`
    left docs/images modified), so only an explicit request updates the README's pictures."""
    if os.environ.get("MICROLEARN_SCREENSHOTS") == "docs":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'cohort.db'}"
    database, engine = open_engine(SAMPLE, url, EngineSettings(quiz_questions=3))
    start = date(2026, 11, 2)
    dashboard = Dashboard(database, engine.catalog)

    def snapshot(done: int, _total: int) -> None:
        dashboard.keep_snapshot(datetime.combine(start + timedelta(days=done - 1),
                                                 datetime.min.time(), UTC) + timedelta(hours=23))
    Simulation(engine, seed=3, progress=snapshot).run(14, 18, start)
    checks_of_the_security_track(database, engine.catalog, NOW - timedelta(days=10))
    engine.handle(Inbound(Platform.TELEGRAM, "eve", "eve", text="start",
                          display_name=HOSTILE), NOW - timedelta(days=3))
    database.dispose()
    server = DashboardServer(Settings.model_validate({"bot": {"trainers": ["slack:UT"]}}), url,
                             SAMPLE, "127.0.0.1", 0, now=lambda: NOW)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.server.start(), loop).result(10)
    try:
        yield Site(server, f"http://127.0.0.1:{server.server.port}")
    finally:
        asyncio.run_coroutine_threadsafe(server.server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        server.database.dispose()


def checks_of_the_security_track(database: Database, catalog: Catalog, at: datetime) -> None:
    """Eighteen days of the simulation do not reach the sample library's checked track (the
    fourth): its knowledge checks, baseline and endline, written for ten learners."""
    questions = [(lesson.id, question.key)
                 for lesson in catalog.tracks()["security-basics"][:4]
                 for question in lesson.questions[:1]]
    with database.unit() as unit:
        for learner in range(1, 11):
            before, after = learner % 3, min(4, learner % 3 + learner % 4)
            for phase, right, moment in (("pre", before, at - timedelta(days=5)),
                                         ("post", after, at)):
                unit.checks.start(learner, "security-basics", phase, questions, moment)
                for number in range(4):
                    unit.checks.answer(learner, "security-basics", phase, number < right)
                unit.checks.finish(learner, "security-basics", phase, moment)


def sign_in(page: object, link: str) -> int:
    """Open a sign-in link and press its button, as a trainer does; the answer's status."""
    page.goto(link)  # type: ignore[attr-defined]
    with page.expect_navigation() as landed:  # type: ignore[attr-defined]
        page.click("form.signin button")  # type: ignore[attr-defined]
    return int(landed.value.status)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, site: Site) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                  accept_downloads=True)
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda message: message.type == "error" and page.problems.append(
        message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: page.problems.append(f"a dialog: {dialog.message}"))
    yield page
    context.close()


def test_sign_in_and_every_page_draws_its_charts_without_errors(page: object, site: Site,
                                                                images: Path) -> None:
    assert sign_in(page, site.link()) == 200
    assert page.url == f"{site.base}/dashboard/"  # type: ignore[attr-defined]
    total = 0
    for key in PAGES:
        page.goto(f"{site.base}/dashboard/{key}?from=2026-11-01")  # type: ignore[attr-defined]
        charts = page.locator("canvas")  # type: ignore[attr-defined]
        drawn = page.locator("canvas[data-drawn=true]")  # type: ignore[attr-defined]
        assert drawn.count() == charts.count(), key
        total += drawn.count()
        assert page.locator("table").count() >= 1, key  # type: ignore[attr-defined]
        shot = images / f"dashboard-{key}.png"
        page.screenshot(path=str(shot))  # type: ignore[attr-defined]
        assert shot.stat().st_size > 0, key
    assert page.problems == []  # type: ignore[attr-defined]
    assert total >= 7  # overview 2, tracks 2, retention 3


def test_not_useful_is_drawn_in_red(page: object, site: Site) -> None:
    """The palette's second colour is green: "not useful" must not take it."""
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/voice?from=2026-11-01")  # type: ignore[attr-defined]
    colours = page.evaluate(  # type: ignore[attr-defined]
        "() => Chart.getChart(document.querySelector('canvas')).data.datasets"
        ".map(d => [d.label, d.backgroundColor])")
    assert colours == [["useful", "#16a34a"], ["not useful", "#dc2626"]]


def telegram_only(page: object, site: Site) -> str:
    """Sign in, open the overview from 1 November, then filter it to Telegram with the form;
    the first figure before the filter."""
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/overview?from=2026-11-01")  # type: ignore[attr-defined]
    everyone = str(page.locator(".figures dd").first.inner_text())  # type: ignore[attr-defined]
    page.select_option("select[name=platform]", "telegram")  # type: ignore[attr-defined]
    page.click("form.filters button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**platform=telegram**")  # type: ignore[attr-defined]
    return everyone


def test_filters_change_the_numbers(page: object, site: Site) -> None:
    everyone = telegram_only(page, site)
    telegram = page.locator(".figures dd").first.inner_text()  # type: ignore[attr-defined]
    assert int(telegram) < int(everyone)
    page.select_option("select[name=track]", index=1)  # type: ignore[attr-defined]
    page.click("form.filters button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**track=**")  # type: ignore[attr-defined]
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_tables_heading_sorts_it_and_its_headings_stay_in_view(page: object,
                                                                 site: Site) -> None:
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/questions?from=2026-11-01")  # type: ignore[attr-defined]
    heading = page.locator("#table-questions thead th").nth(5)  # type: ignore[attr-defined]
    assert heading.inner_text().strip() == "answers"

    def answers() -> list[int]:
        cells = page.locator(  # type: ignore[attr-defined]
            "#table-questions tbody tr:not(.more) td:nth-child(6)").all_inner_texts()
        return [int(cell) for cell in cells]
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    assert answers() == sorted(answers()) and len(set(answers())) > 1
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert answers() == sorted(answers(), reverse=True)
    # Empty cells go last both ways (a lesson nobody got has no share read).
    page.goto(f"{site.base}/dashboard/lessons?from=2026-11-01")  # type: ignore[attr-defined]
    share = page.locator("#table-lessons thead th").nth(4)  # type: ignore[attr-defined]
    assert share.inner_text().strip() == "read of delivered"
    for descending in (False, True):
        share.locator("button").click()
        cells = [cell.strip() for cell in page.locator(  # type: ignore[attr-defined]
            "#table-lessons tbody tr:not(.more) td:nth-child(5)").all_inner_texts()]
        filled = [cell for cell in cells if cell]
        assert "" in cells and cells == filled + [""] * (len(cells) - len(filled)), cells
        # Shares read "67% (2 of 3)", as the cards say them, and sort by their percentage.
        assert all(re.fullmatch(r"\d+% \(\d+ of \d+\)", cell) for cell in filled), filled
        percents = [int(cell.split("%")[0]) for cell in filled]
        assert percents == sorted(percents, reverse=descending) and len(set(percents)) > 1
    page.goto(f"{site.base}/dashboard/questions?from=2026-11-01")  # type: ignore[attr-defined]
    heading = page.locator("#table-questions thead th").nth(5)  # type: ignore[attr-defined]
    # Scrolled down its box, the table keeps its headings in view.
    box = page.locator("#table-questions").locator("xpath=..")  # type: ignore[attr-defined]
    box.evaluate("element => { element.scrollTop = 600; }")
    assert abs(heading.bounding_box()["y"] - box.bounding_box()["y"]) < 2
    assert page.problems == []  # type: ignore[attr-defined]


def test_shares_sort_by_their_fraction_not_their_words_and_dashes_go_last(
        page: object, site: Site) -> None:
    """As text, "47% (693 of 1475)" came after "47% (8 of 17)" though it is the smaller share,
    a mean's "12%" came before "9% (1 of 11)", and a "-" sorted among the shares: a table
    made by the dashboard's own template and sorted by its own script, in Chromium."""
    shares = (Share.of(693, 1475), "-", Share.of(1, 11), None, Share.of(3, 3), "skipped",
              Share.of(8, 17), Share.mean(0.12))
    table = Table("sorted", "Sorted", ("row", "share", "count"), tuple(
        (f"r{number}", share, count) for number, (share, count)
        in enumerate(zip(shares, (100, 9, 47, 1475, 693, 12, 3, 8), strict=True))))
    html = site.server.web.templates.get_template("table.html").render(table=table, query="")
    page.set_content(  # type: ignore[attr-defined]
        f'<script type="application/json" id="chart-data">[]</script>{html}')
    page.add_script_tag(path=str(STATIC / "dashboard.js"))  # type: ignore[attr-defined]

    def column(number: int) -> list[str]:
        return [cell.strip() for cell in page.locator(  # type: ignore[attr-defined]
            f"#table-sorted tbody tr td:nth-child({number})").all_inner_texts()]
    share = page.locator("#table-sorted thead th").nth(1)  # type: ignore[attr-defined]
    share.locator("button").click()
    assert column(2) == ["9% (1 of 11)", "12%", "47% (693 of 1475)", "47% (8 of 17)",
                         "100% (3 of 3)", "skipped", "-", ""]
    share.locator("button").click()
    assert column(2) == ["skipped", "100% (3 of 3)", "47% (8 of 17)", "47% (693 of 1475)",
                         "12%", "9% (1 of 11)", "-", ""]
    count = page.locator("#table-sorted thead th").nth(2)  # type: ignore[attr-defined]
    count.locator("button").click()
    assert column(3) == ["3", "8", "9", "12", "47", "100", "693", "1475"]
    assert page.problems == []  # type: ignore[attr-defined]
    # The dashboard's own pages give their shares and counts a value to sort by.
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/lessons?from=2026-11-01")  # type: ignore[attr-defined]
    cells = page.locator("#table-lessons tbody tr:not(.more) td")  # type: ignore[attr-defined]
    sorts = cells.evaluate_all(
        "cells => cells.filter(cell => /^\\d+%/.test(cell.textContent.trim()))"
        ".map(cell => cell.getAttribute('data-sort'))")
    assert sorts and all(value is not None and 0 <= float(value) <= 1 for value in sorts)


def test_back_shows_the_filters_the_figures_were_made_with(page: object, site: Site) -> None:
    everyone = telegram_only(page, site)
    page.go_back()  # type: ignore[attr-defined]
    page.wait_for_url("**overview?from=2026-11-01")  # type: ignore[attr-defined]
    assert page.locator(".figures dd").first.inner_text() == everyone  # type: ignore[attr-defined]
    assert page.eval_on_selector(  # type: ignore[attr-defined]
        "select[name=platform]", "select => select.value") == ""
    page.go_forward()  # type: ignore[attr-defined]
    page.wait_for_url("**platform=telegram**")  # type: ignore[attr-defined]
    assert page.eval_on_selector(  # type: ignore[attr-defined]
        "select[name=platform]", "select => select.value") == "telegram"
    assert page.problems == []  # type: ignore[attr-defined]


def test_csv_downloads_parse_and_match_the_table(page: object, site: Site) -> None:
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/questions?from=2026-11-01")  # type: ignore[attr-defined]
    shown = page.locator("#table-questions tbody tr").count()  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("#table-questions-title a.csv")  # type: ignore[attr-defined]
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")  # with its BOM
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["question", "learners (first attempt by the range's end)",
                           "facility (first attempt, 0-1)"]
    assert len(rows) - 1 == shown and shown > 5


def test_the_gain_page_draws_its_distribution_and_downloads_its_table(
        page: object, site: Site) -> None:
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/gain?from=2026-11-01")  # type: ignore[attr-defined]
    assert page.locator("canvas[data-drawn=true]").count() == 1  # type: ignore[attr-defined]
    shown = page.locator("#table-gain").inner_text()  # type: ignore[attr-defined]
    assert "Security basics" in shown
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("#table-gain-title a.csv")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:7] == ["track", "baselines begun", "of them scored", "of them skipped",
                           "of them set aside",
                           "of them skipped or set aside (ended before the two were told apart)",
                           "both checks (endline in the range)"]
    assert rows[1][:7] == ["Security basics", "10", "10", "0", "0", "0", "10"]
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_hostile_learner_name_shows_as_text(page: object, site: Site) -> None:
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/learners?from=2026-11-01")  # type: ignore[attr-defined]
    assert HOSTILE in page.locator("#table-learners").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#table-learners img").count() == 0  # type: ignore[attr-defined]
    page.get_by_text(HOSTILE).click()  # type: ignore[attr-defined]
    page.wait_for_url("**/dashboard/learners/*")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == HOSTILE  # type: ignore[attr-defined]
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_refused_sign_in_stays_refused(page: object, browser: object, site: Site) -> None:
    for address in (f"{site.base}/dashboard/", f"{site.base}/dashboard/questions.json",
                    f"{site.base}/dashboard/questions/questions.csv"):
        response = page.goto(address)  # type: ignore[attr-defined]
        assert response.status == 403, address
    link = site.link()
    page.goto(link)  # type: ignore[attr-defined]
    page.goto(link)  # type: ignore[attr-defined]  # opened, not pressed: not used up
    assert sign_in(page, link) == 200
    other = browser.new_context()  # type: ignore[attr-defined]
    reused = other.new_page()
    assert sign_in(reused, link) == 403  # a link works once
    assert "already used" in reused.locator("main").inner_text()
    expired = other.new_page()
    assert sign_in(expired, site.link(NOW - timedelta(minutes=11))) == 403
    assert "expired: it worked for 10 minutes" in expired.locator("main").inner_text()
    other.add_cookies([{"name": "microlearn_dashboard", "value": "eyJ0cmFpbmVyIjoiaGFjayJ9.x.y",
                        "url": site.base + "/dashboard/"}])
    forged = other.new_page().goto(f"{site.base}/dashboard/")
    assert forged.status == 403
    other.close()
    assert page.goto(f"{site.base}/dashboard/").status == 200  # type: ignore[attr-defined]
    page.click("form.signout button")  # type: ignore[attr-defined]
    assert "signed out" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert page.goto(f"{site.base}/dashboard/").status == 403  # type: ignore[attr-defined]


def test_another_sites_form_cannot_sign_a_trainer_out(browser: object, site: Site) -> None:
    """A page elsewhere that posts to the dashboard's sign-out, in a real browser, over plain
    http on a name that is not localhost (so the browser sends no Sec-Fetch-Site and the
    Origin decides, as on a LAN): refused, and the trainer stays signed in; the dashboard's
    own forms work."""
    port = site.base.rsplit(":", 1)[1]
    base = f"http://dash.test:{port}"
    # A browser of its own: the name is mapped at launch.
    chromium = browser.browser_type.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM, args=[*ARGS, "--host-resolver-rules=MAP dash.test 127.0.0.1"])
    try:
        page = chromium.new_page()
        link = site.link().replace(site.base, base)
        assert sign_in(page, link) == 200
        hostile = (f'<meta name="referrer" content="no-referrer"><form method="post" '
                   f'action="{base}/dashboard/signout"></form>'
                   "<script>document.forms[0].submit()</script>")
        page.route("http://elsewhere.test/**", lambda route: route.fulfill(
            body=hostile, content_type="text/html"))
        with page.expect_navigation(url=f"{base}/dashboard/signout") as landed:
            page.goto("http://elsewhere.test/")
        assert landed.value.status == 403
        assert "dashboard's own page" in page.content()
        assert page.goto(f"{base}/dashboard/").status == 200
        page.click("form.signout button")  # its own form works
        assert "signed out" in page.locator("main").inner_text()
    finally:
        chromium.close()


def test_it_reads_on_a_phone(browser: object, site: Site, images: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, site.link())
    for key in ("overview", "questions"):
        page.goto(f"{site.base}/dashboard/{key}?from=2026-11-01")
        # Nothing wider than the screen but the tables, which scroll in their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, key
    page.goto(f"{site.base}/dashboard/overview?from=2026-11-01")
    page.screenshot(path=str(images / "dashboard-phone.png"))
    context.close()


def test_completed_is_drawn_in_green_and_no_track_in_red(page: object, site: Site) -> None:
    """Red means ill ("not useful"): a track's completions must not take it from the
    palette, nor the funnel's "completed"."""
    sign_in(page, site.link())
    page.goto(f"{site.base}/dashboard/tracks?from=2026-11-01")  # type: ignore[attr-defined]
    charts = page.evaluate(  # type: ignore[attr-defined]
        "() => Array.from(document.querySelectorAll('canvas')).map(canvas => "
        "Chart.getChart(canvas).data.datasets.map(d => [d.label, d.backgroundColor]))")
    funnel, weekly = charts
    assert dict(funnel)["completed"] == "#16a34a"
    assert dict(funnel)["half-way"] != "#16a34a"
    assert len(weekly) >= 3 and all(colour != "#dc2626" for _, colour in funnel + weekly)
    assert page.problems == []  # type: ignore[attr-defined]
