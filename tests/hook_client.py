"""The inbound hooks as a shop's system and AfterShip see them: a real HTTP server on
127.0.0.1 (a free port) and signed requests.

Signatures are computed here from the documented schemes (README, "Inbound hooks"),
not with the bot's own helpers, so a change of scheme fails the tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.services.shops import ShopAdmin
from bot.web.hooks import hook_routes
from bot.web.server import BODY_LIMIT, HttpServer
from storage.models import Base, ChatUser, OrderLink, OutboxMessage
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop

ORDER_SECRET = "orders-secret-0123456789abcdef"
AFTERSHIP_SECRET = "aftership-secret-0123456789abc"


def order_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def aftership_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def as_body(payload: object) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


@dataclass
class Answer:
    status: int
    body: Any  # the JSON answer, or the text when it is not JSON


@dataclass
class Hooks:
    base_url: str
    http: aiohttp.ClientSession
    clock: FakeClock

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        async with self.http.post(self.base_url + path, data=body, headers=headers) as response:
            text = await response.text()
            try:
                return Answer(response.status, json.loads(text))
            except ValueError:
                return Answer(response.status, text)

    async def orders(
        self,
        payload: object,
        *,
        shop: str = "acme",
        secret: str = ORDER_SECRET,
        at: datetime | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        body = as_body(payload)
        timestamp = str(int((at or self.clock.now()).timestamp()))
        signed = {
            "Content-Type": "application/json",
            "X-Timestamp": timestamp,
            "X-Signature": order_signature(secret, timestamp, body),
        }
        return await self.post(
            f"/hooks/orders/{shop}", body, signed if headers is None else headers
        )

    async def aftership(
        self,
        payload: object,
        *,
        shop: str = "acme",
        secret: str = AFTERSHIP_SECRET,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        body = as_body(payload)
        signed = {
            "Content-Type": "application/json",
            "aftership-hmac-sha256": aftership_signature(secret, body),
        }
        return await self.post(
            f"/hooks/aftership/{shop}", body, signed if headers is None else headers
        )

    async def get(self, path: str) -> Answer:
        async with self.http.get(self.base_url + path) as response:
            return Answer(response.status, await response.json())


@asynccontextmanager
async def running_hooks(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    health: Callable[[], Awaitable[bool]] | None = None,
    body_limit: int = BODY_LIMIT,
) -> AsyncIterator[Hooks]:
    async def always_up() -> bool:
        return True

    server = HttpServer("127.0.0.1", 0, health=health or always_up, body_limit=body_limit)
    server.add_routes(hook_routes(uow_factory, clock))
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Hooks(f"http://127.0.0.1:{server.port}", http, clock)
    finally:
        await server.stop()


async def shop_with_secrets(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, code: str = "acme"
) -> int:
    shop_id = await make_shop(uow_factory, clock, code)
    admin = ShopAdmin(uow_factory)
    await admin.set(code, "order_webhook_secret", ORDER_SECRET)
    await admin.set(code, "aftership_secret", AFTERSHIP_SECRET)
    return shop_id


async def link_buyer(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, order_id: int, external_id: int = 1001
) -> None:
    async with uow_factory() as uow:
        user = ChatUser(external_id=external_id, first_name="Jane", created_at=clock.now())
        uow.session.add(user)
        await uow.flush()
        uow.session.add(
            OrderLink(
                chat_user_id=user.id, order_id=order_id, method="email", created_at=clock.now()
            )
        )
        await uow.commit()


async def notifications(uow_factory: UnitOfWorkFactory) -> list[dict[str, Any]]:
    """The outbox's messages to buyers, oldest first (chat id and params)."""
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [{"chat_id": r.chat_id, **r.payload} for r in rows]


async def table_counts(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    async with uow_factory(readonly=True) as uow:
        return {
            table.name: int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
