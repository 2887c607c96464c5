"""HTTP mode: Slack's Request URL served on the bot's one aiohttp server.

DESIGN mentions an ASGI app; the bot's web server is aiohttp (bot/web/server.py), so the route
hands the raw request to bolt through its aiohttp adapter instead of mounting a second server.
bolt checks every request before any listener sees it: ``X-Slack-Signature`` must be
``v0=HMAC-SHA256(signing secret, "v0:{X-Slack-Request-Timestamp}:{raw body}")`` and the
timestamp within five minutes of now, else the answer is 401 and nothing is handled.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.adapters.base import Route


def events_route(app: AsyncApp, path: str) -> Route:
    """``POST path``: events, interactivity (buttons) and the slash command alike."""
    async def slack_events(request: web.Request) -> web.StreamResponse:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)
    return Route("POST", path, slack_events)
