"""TikTok Shop's HTTP endpoints on the bot's server, as aiohttp route definitions.

`POST /hooks/tiktok`: a webhook.  The body is read (at most MAX_BODY bytes) and its
`Authorization` signature checked in constant time before anything is parsed; a bad
or missing signature is 401 and changes nothing.  A verified event is applied
(`TikTokConnector.handle_event`): 200 when done or when there is nothing to do, 503
when TikTok could not be reached to fetch the detail (TikTok then sends it again).

`GET /tiktok/callback?code=...&state=...`: where TikTok sends the seller after they
authorise the app; the `state` (a random nonce handed out for one shop) is what
authenticates the request.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from bot.marketplace.tiktok.auth import ConnectRefused
from bot.marketplace.tiktok.connector import EventRefused, TikTokConnector
from bot.marketplace.tiktok.signing import verify_webhook
from bot.services.marketplace import MarketplaceError

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
WEBHOOK_PATH = "/hooks/tiktok"
CALLBACK_PATH = "/tiktok/callback"


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(connector: TikTokConnector, *, app_key: str, app_secret: str) -> list[web.RouteDef]:
    from aiohttp import web

    async def webhook(request: web.Request) -> web.Response:
        body = await _read_limited(request, MAX_BODY)
        if body is None:
            return web.json_response({"error": "body too large"}, status=413)
        if not verify_webhook(app_key, app_secret, body, request.headers.get("Authorization")):
            log.warning("tiktok webhook with a bad signature refused")
            return web.json_response({"error": "bad signature"}, status=401)
        try:
            event = json.loads(body)
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(event, dict):
            return web.json_response({"error": "body is not a JSON object"}, status=400)
        try:
            done = await connector.handle_event(event)
        except EventRefused as exc:
            log.warning("tiktok webhook not applied", extra={"why": exc.message})
            return web.json_response({"code": 0, "message": exc.message})
        except MarketplaceError as exc:
            log.warning("tiktok webhook failed", extra={"why": exc.message})
            return web.json_response({"error": exc.message}, status=503)
        except Exception:  # a bug or the database: TikTok sends the event again later
            log.exception("tiktok webhook failed unexpectedly")
            return web.json_response({"error": "not processed; send it again"}, status=500)
        log.info("tiktok webhook", extra={"type": event.get("type"), "done": done})
        return web.json_response({"code": 0, "message": "success"})

    async def callback(request: web.Request) -> web.Response:
        code = request.query.get("code", "")
        state = request.query.get("state", "")
        if not code or not state:
            return web.Response(
                status=400, text="This address needs the code and state TikTok sends."
            )
        try:
            connected = await connector.auth.connect(code, state=state)
        except ConnectRefused as exc:
            return web.Response(status=400, text=f"Not connected: {exc.message}.")
        except MarketplaceError as exc:
            return web.Response(status=502, text=f"Not connected: {exc.message}.")
        try:
            report = await connector.sync(connected.shop_id)
            synced = f" Recent orders loaded: {report}."
        except MarketplaceError as exc:
            synced = f" Loading recent orders failed ({exc.message}); the next sync retries."
        name = connected.external_shop_name or connected.external_shop_id
        return web.Response(
            text=f"Connected TikTok shop {name} to {connected.shop_code}."
            f" You can close this page.{synced}"
        )

    return [web.post(WEBHOOK_PATH, webhook), web.get(CALLBACK_PATH, callback)]
