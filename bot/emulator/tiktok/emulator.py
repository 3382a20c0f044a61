"""Run the TikTok Shop emulator on 127.0.0.1 and push signed webhooks to an app.

emulator = await TikTokEmulator(app_key="k", app_secret="s").start()
shop = emulator.state.add_shop("Acme on TikTok")
...  # TIKTOK_API_URL = TIKTOK_AUTH_URL = emulator.url
await emulator.send_webhook(bot_url + "/hooks/tiktok", "ORDER_STATUS_CHANGE", shop.id,
                            {"order_id": "576...", "order_status": "IN_TRANSIT"})
await emulator.stop()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.tiktok.server import TikTokServer
from bot.emulator.tiktok.state import TikTokState

EVENT_NUMBERS = {
    "ORDER_STATUS_CHANGE": 1,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
}


class TikTokEmulator:
    def __init__(
        self,
        *,
        app_key: str = "emulated-app-key",
        app_secret: str = "emulated-app-secret",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.state = TikTokState(app_key=app_key, app_secret=app_secret)
        if now is not None:
            self.state.now = now
        self.server = TikTokServer(self.state)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> TikTokEmulator:
        self._runner = web.AppRunner(
            self.server.application(), handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.url = f"http://{host}:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def webhook_body(self, event_type: str | int, shop_id: str, data: dict[str, Any]) -> bytes:
        number = EVENT_NUMBERS[event_type] if isinstance(event_type, str) else event_type
        return json.dumps(
            {
                "type": number,
                "tts_notification_id": uuid.uuid4().hex,
                "shop_id": shop_id,
                "timestamp": int(self.state.now().astimezone(UTC).timestamp()),
                "data": data,
            },
            separators=(",", ":"),
        ).encode()

    def signature(self, body: bytes) -> str:
        key = self.state.app_secret.encode()
        return hmac.new(key, self.state.app_key.encode() + body, hashlib.sha256).hexdigest()

    async def post_webhook(self, url: str, body: bytes, signature: str | None = None) -> int:
        """POST a webhook body (signed correctly unless `signature` is given); returns
        the HTTP status the app answered."""
        headers = {
            "Content-Type": "application/json",
            "Authorization": self.signature(body) if signature is None else signature,
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def send_webhook(
        self, url: str, event_type: str | int, shop_id: str, data: dict[str, Any]
    ) -> int:
        return await self.post_webhook(url, self.webhook_body(event_type, shop_id, data))
