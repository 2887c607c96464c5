"""The dashboard's HTTP routes on the bot's one aiohttp server.

Every page is HTML from Jinja2 templates (autoescaped: what learners typed is shown as text),
with its numbers also at ``<page>.json`` and each table at ``<page>/<table>.csv``. Nothing is
served without a session from a one-time link (see :mod:`bot.dashboard.signin`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import math
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.adapters.base import Route
from bot.content.model import track_title
from bot.dashboard.pages import PAGES, Dashboard, Filters, Page, Share, Stamp
from bot.dashboard.signin import COOKIE, SESSION_HOURS, Refusal, Refused, SignIn
from bot.messages import Platform

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PREFIX = "/dashboard"
TITLES = {"overview": "Overview", "tracks": "Tracks", "gain": "Gain", "questions": "Questions",
          "retention": "Retention", "learners": "Learners", "lessons": "Lessons",
          "voice": "Voice"}
DEFAULT_DAYS = 30
PLATFORMS = tuple(platform.value for platform in Platform)
MAX_DAYS = 3 * 366


class BadFilter(ValueError):
    """A filter in the address that cannot be read; the message says what to write."""


SIGNED_OUT = ("You are signed out. Type \"dashboard\" in your chat with the bot to sign in "
              "again.")


class DashboardWeb:
    """Serves the dashboard: sign-in, pages, JSON and CSV."""

    def __init__(self, dashboard: Dashboard, signin: SignIn, now: Callable[[], datetime],
                 secure_cookie: bool = False, public_url: str | None = None) -> None:
        self.dashboard = dashboard
        self.signin = signin
        self.now = now
        self.secure_cookie = secure_cookie
        # Where trainers' browsers reach it (behind a proxy the Host may be another).
        self.public_host = _host(public_url) if public_url else None
        self.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                     autoescape=select_autoescape(["html"]),
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.filters["shown"] = _shown
        self.templates.filters["sort_key"] = sort_key

    def routes(self) -> list[Route]:
        """The routes to add to the server."""
        return [Route("GET", f"{PREFIX}/signin", self.sign_in_form),
                Route("POST", f"{PREFIX}/signin", self.sign_in),
                Route("POST", f"{PREFIX}/signout", self.sign_out),
                Route("GET", f"{PREFIX}/static/{{name}}", self.static),
                Route("GET", f"{PREFIX}", self.redirect_home),
                Route("GET", f"{PREFIX}/", self.page),
                # Any learner id without a dot, read in build(): one that is not a number
                # gets the same "no learner" page as one that names nobody. (aiohttp tries
                # the longest fixed prefix first: with a dot, learners/learners.csv is the
                # Learners page's table.)
                Route("GET", f"{PREFIX}/learners/{{learner:[^/.]+}}.json", self.json),
                Route("GET", f"{PREFIX}/learners/{{learner:[^/.]+}}/{{table}}.csv", self.csv),
                Route("GET", f"{PREFIX}/learners/{{learner:[^/.]+}}", self.page),
                Route("GET", f"{PREFIX}/{{page}}.json", self.json),
                Route("GET", f"{PREFIX}/{{page}}/{{table}}.csv", self.csv),
                Route("GET", f"{PREFIX}/{{page}}", self.page),
                Route("GET", f"{PREFIX}/{{anything:.+}}", self.nowhere)]

    # -- sign-in ------------------------------------------------------------------------------

    async def sign_in_form(self, request: web.Request) -> web.StreamResponse:
        """The link opens a page with a button: only the press uses the link up, so a link
        preview or a mail scanner that fetches it cannot."""
        if await self.trainer(request) is not None:
            raise web.HTTPFound(f"{PREFIX}/", headers=_HEADERS)  # signed in already
        token = request.query.get("token", "")[:200]
        if "out" in request.query and not token:  # where signing out leads
            html = self.templates.get_template("refused.html").render(
                reason=SIGNED_OUT, title="Signed out")
            return web.Response(text=html, content_type="text/html", headers=_HEADERS)
        if not token:  # a button that could only fail
            return self.refused(request, "Signing in takes a sign-in link. Type \"dashboard\" in "
                                "your chat with the bot for one (or run microlearn dashboard, "
                                "which prints one).")
        html = self.templates.get_template("signin.html").render(token=token)
        # Its address holds the token: requests from it (its style sheet, the form) name only
        # the origin, so a proxy's log of Referer headers never holds a live link.
        return web.Response(text=html, content_type="text/html",
                            headers={**_HEADERS, "Referrer-Policy": "strict-origin"})

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        self.same_origin(request)
        token = str((await request.post()).get("token", ""))
        if await self.trainer(request) is not None:
            raise web.HTTPFound(f"{PREFIX}/", headers=_HEADERS)  # signed in already
        trainer = await asyncio.to_thread(self.signin.redeem, token, self.now())
        if trainer is None:
            refusal = await asyncio.to_thread(self.signin.refusal, token)
            log.info("dashboard: a sign-in link was refused (%s)", refusal.why.value)
            return self.refused(request, _refused_link(refusal))
        cookie = await asyncio.to_thread(self.signin.start, trainer, self.now())
        response = web.HTTPFound(f"{PREFIX}/", headers=_HEADERS)
        response.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600,
                            httponly=True, samesite="Strict", secure=self.secure_cookie,
                            path=PREFIX)
        log.info("dashboard: %s signed in", trainer)
        raise response

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        self.same_origin(request)
        await asyncio.to_thread(self.signin.end, request.cookies.get(COOKIE), self.now())
        # To a page of its own (303: fetched with GET), so that reloading it does not post the
        # sign-out form again.
        response = web.HTTPSeeOther(f"{PREFIX}/signin?out", headers=_HEADERS)
        response.del_cookie(COOKIE, path=PREFIX)
        raise response

    def same_origin(self, request: web.Request) -> None:
        """A form posted from another site (which could sign a trainer out, or into another
        account) is refused. Browsers say where a request comes from: ``Sec-Fetch-Site``
        (on https and localhost), else ``Origin``, which our pages send in full to
        themselves (Referrer-Policy: same-origin) and a hostile page may send as "null"."""
        site = request.headers.get("Sec-Fetch-Site")
        origin = request.headers.get("Origin")
        if site is not None:
            foreign = site not in ("same-origin", "none")
        elif origin is None:
            foreign = False  # not a browser's form (or one too old to say): no cookie to ride
        else:
            foreign = origin == "null" or _host(origin) not in (
                _host(f"{request.scheme}://{request.host}"), self.public_host)
        if foreign:
            log.info("dashboard: a form posted from another site was refused (%s)",
                     origin or site)
            raise web.HTTPForbidden(text="This form works only from the dashboard's own page.",
                                    headers=_HEADERS)

    def refused(self, request: web.Request, reason: str) -> web.Response:
        """Not signed in (403): a page for a person, or what :func:`_for_a_program` gives."""
        plain = _for_a_program(request, 403, reason)
        if plain is not None:
            return plain
        html = self.templates.get_template("refused.html").render(reason=reason, title=None)
        return web.Response(text=html, status=403, content_type="text/html",
                            headers=_HEADERS)

    async def trainer(self, request: web.Request) -> str | None:
        return await asyncio.to_thread(self.signin.trainer, request.cookies.get(COOKIE),
                                       self.now())

    # -- pages --------------------------------------------------------------------------------

    async def redirect_home(self, _request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{PREFIX}/", headers=_HEADERS)

    async def static(self, request: web.Request) -> web.StreamResponse:
        found = _STATIC.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound(headers=_HEADERS)
        body, content_type = found
        return web.Response(body=body, content_type=content_type,
                            headers={**_HEADERS, "Cache-Control": "max-age=3600"})

    async def build(self, request: web.Request) -> tuple[Page, Filters] | web.Response:
        """The page asked for, or the response that refuses it."""
        if await self.trainer(request) is None:
            return self.refused(request, "Sign in first: type \"dashboard\" in your chat with "
                                "the bot (trainers only) and open the link it sends.")
        key = request.match_info.get("page", "overview")
        learner = request.match_info.get("learner")
        if learner is not None and not (learner.isascii() and learner.isdigit()
                                        and 0 < int(learner) < 2**31):
            return self.problem(request, 404, "There is no learner with this number.")
        if learner is None and key not in PAGES:
            return self.problem(request, 404, f"There is no page {key!r}: the pages are "
                                f"{', '.join(PAGES)}.")
        try:
            filters = self.filters(request)
        except BadFilter as exc:
            return self.problem(request, 400, str(exc), back=request.path)
        try:
            page = await asyncio.to_thread(
                self.dashboard.build, "learner" if learner else key, filters, self.now(),
                int(learner) if learner else None)
        except KeyError:
            return self.problem(request, 404, "There is no learner with this number (a "
                                "learner who asked to be forgotten has none any more).")
        return page, filters

    async def nowhere(self, request: web.Request) -> web.StreamResponse:
        """An address under the dashboard that no route reads (``learners/1/x/y``,
        ``learners/1.5``): the
        not-found page (or what a program gets), not the server's bare "404: Not Found"."""
        if await self.trainer(request) is None:
            return self.refused(request, "Sign in first: type \"dashboard\" in your chat with "
                                "the bot (trainers only) and open the link it sends.")
        return self.problem(request, 404, "There is nothing at this address: the pages are "
                            f"{', '.join(PAGES)}.")

    def problem(self, request: web.Request, status: int, reason: str,
                back: str = f"{PREFIX}/") -> web.Response:
        """An address that names nothing (404) or a filter that cannot be read (400): a page
        saying so with a way back for a person, ``{"error": ...}`` for a JSON client, the
        sentence alone for a CSV download."""
        plain = _for_a_program(request, status, reason)
        if plain is not None:
            return plain
        html = self.templates.get_template("problem.html").render(
            title="Not found" if status == 404 else "This address cannot be read",
            reason=reason, back=back,
            back_label="Back to the overview" if back == f"{PREFIX}/"
            else "The same page without filters")
        return web.Response(text=html, status=status, content_type="text/html",
                            headers=_HEADERS)

    async def page(self, request: web.Request) -> web.StreamResponse:
        built = await self.build(request)
        if isinstance(built, web.Response):
            return built
        page, filters = built
        html = self.templates.get_template("page.html").render(
            page=page, filters=filters, pages=TITLES, query=request.query_string,
            platforms=PLATFORMS, zone=self.dashboard.settings.timezone,
            tracks=[(track, track_title(track)) for track in sorted(self.dashboard.catalog
                                                                    .tracks())],
            base=f"{PREFIX}/learners/{request.match_info['learner']}"
            if "learner" in request.match_info else f"{PREFIX}/{page.key}",
            chart_data=[asdict(chart) for chart in page.charts])
        return web.Response(text=html, content_type="text/html", headers=_HEADERS)

    async def json(self, request: web.Request) -> web.StreamResponse:
        built = await self.build(request)
        if isinstance(built, web.Response):
            return built
        page, filters = built
        body = {"page": page.key, "title": page.title,
                "filters": {"from": filters.since.isoformat(), "to": filters.until.isoformat(),
                            "platform": filters.platform, "track": filters.track}
                if page.filtered else None,
                "figures": [{**asdict(figure), "value": _written(figure.value)}
                            for figure in page.figures],
                "charts": [asdict(chart) for chart in page.charts],
                "tables": [{"key": table.key, "title": table.title,
                            "columns": list(table.columns),
                            "rows": [[_written(cell) for cell in row] for row in table.rows]}
                           for table in page.tables]}
        return web.json_response(body, headers=_HEADERS)

    async def csv(self, request: web.Request) -> web.StreamResponse:
        built = await self.build(request)
        if isinstance(built, web.Response):
            return built
        page, filters = built
        table = page.all_tables().get(request.match_info["table"])
        if table is None:
            return self.problem(request, 404, f"There is no table "
                                f"{request.match_info['table']!r} on this page: its tables "
                                f"are {', '.join(page.all_tables()) or 'none'}.")
        out = io.StringIO()
        out.write("\ufeff")  # a BOM: spreadsheets then read the names as UTF-8
        writer = csv.writer(out)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_csv_cell(cell) for cell in row])
        learner = request.match_info.get("learner")
        name = csv_name(page.key, table.key, None if learner else filters,
                        f"learner-{int(learner)}" if learner else None,
                        self.today())
        return web.Response(text=out.getvalue(), content_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"', **_HEADERS})

    def today(self) -> date:
        """The day it is in the dashboard's zone (the trainer's)."""
        return self.now().astimezone(self.dashboard.settings.zone).date()

    def filters(self, request: web.Request) -> Filters:
        """The filters in the address: ``from``, ``to`` (YYYY-MM-DD), ``platform``,
        ``track``; the last 30 days of every platform and track by default."""
        today = self.today()
        # Days to come hold nothing yet: drawn, they look like activity falling to zero.
        until = min(_date(request.query.get("to"), "to", today), today)
        if request.query.get("from") and _date(request.query.get("from"), "from", today) > today:
            raise BadFilter(f"'from' is after today ({today}): nothing has happened yet")
        since = _date(request.query.get("from"), "from",
                      max(EARLIEST, until - timedelta(days=DEFAULT_DAYS - 1)))
        if since > until:
            raise BadFilter("'from' comes after 'to': swap them")
        if (until - since).days > MAX_DAYS:
            raise BadFilter(f"a range of at most {MAX_DAYS} days, please")
        platform = request.query.get("platform") or None
        if platform is not None and platform not in PLATFORMS:
            raise BadFilter(f"platform is one of {', '.join(PLATFORMS)}")
        track = request.query.get("track") or None
        if track is not None and track not in self.dashboard.catalog.tracks():
            raise BadFilter(f"no track {track!r} in the library")
        return Filters(since, until, platform, track)


_STATIC = {name: ((HERE / "static" / name).read_bytes(), content_type)
           for name, content_type in (("chart.umd.min.js", "text/javascript"),
                                      ("dashboard.js", "text/javascript"),
                                      ("dashboard.css", "text/css"))}
"""The dashboard's own files, read once (Chart.js is 200 kB)."""

ANOTHER_LINK = "Type \"dashboard\" in your chat with the bot for a new one."


def _refused_link(refusal: Refusal) -> str:
    """What a trainer is told about a sign-in link refused, and what to do."""
    if refusal.why is Refused.USED:
        return f"This sign-in link was already used: a link works once. {ANOTHER_LINK}"
    if refusal.why is Refused.EXPIRED:
        minutes = f"{refusal.minutes} minute{'s' if refusal.minutes != 1 else ''}"
        return (f"This sign-in link expired: it worked for {minutes} after it was made. "
                f"{ANOTHER_LINK}")
    if refusal.why is Refused.NOT_A_TRAINER:
        return ("This sign-in link was made for someone who is no longer a trainer (listed "
                "under [bot] trainers in the bot's config): if you should still be one, ask "
                "whoever runs the bot to list you again, then type \"dashboard\" in your chat "
                "with the bot for a new link.")
    return ("This sign-in link is not one the dashboard made: check that its address was "
            f"copied whole. {ANOTHER_LINK}")


def _host(url: str) -> str:
    """An address's host and port as a browser's Origin says them: lower case, without the
    scheme's default port (``https://Learn.Example.com:443`` is ``learn.example.com``)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    return host if port in (None, default) else f"{host}:{port}"


# same-origin: our own forms carry our Origin (no-referrer made it "null", like a hostile
# page's), and no address (a sign-in link's token) goes to another site.
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                       "style-src 'self'; script-src 'self'",
            "Cache-Control": "no-store"}
"""Pages load nothing from elsewhere and run only our own scripts."""


EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def _for_a_program(request: web.Request, status: int, reason: str) -> web.Response | None:
    """A refusal for a JSON client (``{"error": ...}``) or a CSV download (the sentence
    alone), which must not parse a page; None for an address a person reads."""
    if request.path.endswith(".json"):
        return web.json_response({"error": reason}, status=status, headers=_HEADERS)
    if request.path.endswith(".csv"):
        return web.Response(text=reason, status=status, headers=_HEADERS)
    return None


def _date(text: str | None, name: str, default: date) -> date:
    if not text:
        return default
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise BadFilter(f"'{name}' must be a date like 2026-03-01, not {text[:40]!r}") from None
    if not EARLIEST <= value <= LATEST:
        raise BadFilter(f"'{name}' must be between {EARLIEST} and {LATEST}")
    return value


def _shown(cell: Any) -> Any:
    """A table's cell as the page shows it: a share as a percentage with its counts (the CSV
    and JSON have the share itself), nothing for None."""
    if isinstance(cell, Share):
        return cell.shown()
    return "" if cell is None else cell


def sort_key(cell: Any) -> str | None:
    """The number a table's cell sorts by in the browser (its ``data-sort``): a share's own
    fraction, from its counts where it has them (the page shows it rounded, "47% (693 of
    1475)", and as words it sorted as text), any other number itself; None for words, an
    empty cell or a number that is not finite (they sort by what they say)."""
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    value = cell.part / cell.whole if isinstance(cell, Share) and cell.part is not None \
        and cell.whole else cell
    return repr(value) if math.isfinite(value) else None


def csv_name(page: str, table: str, filters: Filters | None, learner: str | None,
             today: date) -> str:
    """A download's file name: its table, then the view it holds, so that two downloads of a
    table never share a name (``gain_2026-11-01_2026-11-30_slack.csv``;
    ``overview-platforms_...`` for a table named apart from its page; a learner's page,
    which takes no filters, ``learner-7_checks_<today>.csv``, as of the day it was taken)."""
    what = table if table.startswith(page) else f"{page}-{table}"
    if learner is not None or filters is None:
        parts = [learner or page, table, today.isoformat()]
    else:
        parts = [what, filters.since.isoformat(), filters.until.isoformat(),
                 *(value for value in (filters.platform, filters.track) if value)]
    # Only what every file system and the header's quoted string take (a track is a folder).
    return "_".join(re.sub(r"[^A-Za-z0-9-]+", "-", part).strip("-") or "-"
                    for part in parts) + ".csv"


def _written(cell: Any) -> Any:
    """A cell as CSV and JSON write it: a time in ISO 8601 with its offset, as the export's
    JSON Lines write times; anything else as it is."""
    return cell.iso if isinstance(cell, Stamp) and cell.moment is not None else cell


def _csv_cell(cell: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted with a leading apostrophe;
    a time is written with its offset."""
    cell = _written(cell)
    if isinstance(cell, str) and cell.lstrip(" \n")[:1] in ("=", "+", "-", "@", "\t", "\r",
                                                           ";"):
        return "'" + cell
    return "" if cell is None else cell
