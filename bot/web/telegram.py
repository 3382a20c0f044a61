"""Telegram's webhook route: the secret token first, then the body.

The channel only receives verified updates (`TelegramChannel.receive`); this module
does the HTTP: the `X-Telegram-Bot-Api-Secret-Token` header is compared in constant
time before the body is read, and an update is answered 200 only once it is stored,
so Telegram retries it otherwise.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Receive = Callable[[list[dict[str, Any]]], Awaitable[bool]]


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # public HTTPS URL Telegram posts to
    secret: str  # required: checked against X-Telegram-Bot-Api-Secret-Token

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a webhook needs a secret token")

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def telegram_route(hook: WebhookConfig, receive: Receive) -> web.RouteDef:
    expected = hook.secret.encode()
    refused = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal refused
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            refused += 1
            if refused & (refused - 1) == 0:  # 1st, 2nd, 4th, 8th…: no log flood
                log.warning(
                    "webhook requests without the right secret refused",
                    extra={"refused": refused},
                )
            return web.Response(status=401)
        try:
            update = json.loads(await request.read())
            int(update["update_id"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return web.Response(status=400)
        if not await receive([update]):
            return web.Response(status=503)  # not stored: Telegram sends it again
        return web.Response()

    return web.post(hook.path, handle)
