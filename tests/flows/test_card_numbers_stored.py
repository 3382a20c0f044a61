"""No payment card number is written to the database, from the webhook on.

The raw update is stored before Telegram is told it arrived (README, "Architecture"),
so these tests feed Telegram's JSON through the webhook route itself, to the real
aiogram and python-telegram-bot channels (only their Bot API calls are recorded
instead of made), then read every table: the stored update keeps the card's last four
digits like a receipt, the chat log the same, and nothing else holds it.  Order
numbers that pass the card check still link, and a masked update handled again after
a crash is refused like the original."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.aiogram_channel import AiogramChannel, make_bot
from bot.channels.base import TelegramChannel
from bot.channels.ptb_channel import PtbChannel, make_application
from bot.channels.telegram import ApiCall
from bot.clock import FakeClock
from bot.web.server import HttpServer
from bot.web.telegram import SECRET_HEADER, WebhookConfig, telegram_route
from storage.models import Base, ChatLogEntry, InboxUpdate
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, plain

TOKEN = "123456:TEST-token-for-recorded-calls"
SECRET = "webhook-secret-for-card-tests-0123"
NOT_HERE = "Please don't send card details in this chat"
# Any of the card's first twelve digits, grouped or not: what must never be stored.
CARD_DIGITS = re.compile(r"4111[ -]?1111[ -]?1111|3782[ -]?822463[ -]?1")
RECEIPT = "•••• •••• •••• 1111"


class Webhook:
    """A running webhook in front of one channel, and what the channel sent."""

    def __init__(self, channel: TelegramChannel, url: str, http: aiohttp.ClientSession) -> None:
        self.channel = channel
        self.url = url
        self.http = http
        self.sent: list[ApiCall] = []
        self._ids = iter(range(1, 1_000_000))

    def message(self, **fields: Any) -> dict[str, Any]:
        """A private message from the buyer (1001), as Telegram posts it."""
        update_id = next(self._ids)
        buyer = {"id": 1001, "is_bot": False, "first_name": "Jane", "language_code": "en"}
        message = {
            "message_id": 100 + update_id,
            "date": 1767225600,
            "chat": {"id": 1001, "type": "private", "first_name": "Jane"},
            "from": buyer,
            **fields,
        }
        return {"update_id": update_id, "message": message}

    async def post(self, update: dict[str, Any]) -> None:
        body = json.dumps(update).encode()
        async with self.http.post(self.url, data=body, headers={SECRET_HEADER: SECRET}) as r:
            assert r.status == 200
        await self.handled()

    async def handled(self) -> None:
        # What was received is being handled by the channel's own tasks: wait for them.
        await self.channel.stop()
        self.channel._accepting = True

    @property
    def said(self) -> str:
        return "\n".join(plain(str(c.params.get("text", ""))) for c in self.sent)


def channel_for(library: str, harness: Harness) -> TelegramChannel:
    inbox = harness.app.inbox()
    if library == "aiogram":
        return AiogramChannel(
            make_bot(TOKEN, None), harness.core, bot_username="shop_bot", inbox=inbox
        )
    return PtbChannel(
        make_application(TOKEN, None), harness.core, bot_username="shop_bot", inbox=inbox
    )


@asynccontextmanager
async def webhook(harness: Harness, library: str) -> AsyncIterator[Webhook]:
    channel = channel_for(library, harness)
    hook = WebhookConfig("https://shop.example/telegram", SECRET)
    server = HttpServer("127.0.0.1", 0, health=_up)
    server.add_routes([telegram_route(hook, channel.receive)])
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{server.port}{hook.path}"
            recorded = Webhook(channel, url, http)

            async def call(api_call: ApiCall) -> Any:
                recorded.sent.append(api_call)
                return True

            channel.call = call  # type: ignore[method-assign]
            yield recorded
    finally:
        await server.stop()
        await channel.close()


async def _up() -> bool:
    return True


async def everything_stored(uow_factory: UnitOfWorkFactory) -> str:
    """Every row of every table, as text (the stored updates' JSON decoded)."""
    lines: list[str] = []
    async with uow_factory(readonly=True) as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).all():
                lines.append(f"{table.name}: {tuple(row)}")
        payloads = await uow.session.scalars(select(InboxUpdate.payload))
        lines += [json.dumps(json.loads(p), ensure_ascii=False) for p in payloads]
    return "\n".join(lines)


async def stored_update(uow_factory: UnitOfWorkFactory, update_id: int) -> dict[str, Any]:
    async with uow_factory(readonly=True) as uow:
        payload = await uow.session.scalar(
            select(InboxUpdate.payload).where(InboxUpdate.update_id == update_id)
        )
    assert payload is not None, "the update was not stored"
    return dict(json.loads(payload))


LIBRARIES = pytest.mark.parametrize("library", ["aiogram", "ptb"])


@LIBRARIES
async def test_a_typed_card_number_is_stored_masked_like_a_receipt(
    harness: Harness, uow_factory: UnitOfWorkFactory, library: str
) -> None:
    async with webhook(harness, library) as hook:
        text = "my card is 4111 1111 1111 1111, why is the order unpaid?"
        update = hook.message(
            text=text, entities=[{"type": "bank_card", "offset": 11, "length": 19}]
        )
        await hook.post(update)
    assert NOT_HERE in hook.said
    message = (await stored_update(uow_factory, update["update_id"]))["message"]
    assert message["text"] == f"my card is {RECEIPT}, why is the order unpaid?"
    # One character for one: Telegram's entity still points at the (masked) number.
    entity = message["entities"][0]
    assert message["text"][entity["offset"] : entity["offset"] + entity["length"]] == RECEIPT
    stored = await everything_stored(uow_factory)
    assert not CARD_DIGITS.search(stored), stored
    async with uow_factory(readonly=True) as uow:
        log = list(await uow.session.scalars(select(ChatLogEntry.text)))
    assert any(RECEIPT in line for line in log), log


@LIBRARIES
async def test_a_card_number_in_a_caption_or_a_quoted_message_is_never_stored(
    harness: Harness, uow_factory: UnitOfWorkFactory, library: str
) -> None:
    photo = [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 800, "height": 600}]
    async with webhook(harness, library) as hook:
        earlier = hook.message(text="4111111111111111")
        await hook.post(earlier)
        captioned = hook.message(
            photo=photo,
            caption="receipt, paid with amex 3782 822463 10005",
            reply_to_message=earlier["message"],
        )
        await hook.post(captioned)
    assert hook.said.count(NOT_HERE) == 2
    # The photo with the card under it was refused whole: nothing fetched or copied.
    assert not any(c.method in ("getFile", "copyMessage") for c in hook.sent)
    message = (await stored_update(uow_factory, captioned["update_id"]))["message"]
    assert message["caption"] == "receipt, paid with amex •••• •••••• •0005"
    assert message["reply_to_message"]["text"] == "••••••••••••1111"
    stored = await everything_stored(uow_factory)
    assert not CARD_DIGITS.search(stored), stored


@LIBRARIES
async def test_order_numbers_that_pass_the_card_check_are_stored_and_link(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, library: str
) -> None:
    # 18 digits passing Luhn (TikTok's and the demo's), and a shop's own order number
    # shaped like a card: both are orders, kept as typed and linked.
    await make_order(uow_factory, clock, number="576100000000000008")
    await make_order(uow_factory, clock, number="4111111111111111", email="b@example.com")
    async with webhook(harness, library) as hook:
        for number, proof in (
            ("576100000000000008", "buyer@example.com"),
            ("4111 1111 1111 1111", "b@example.com"),
        ):
            update = hook.message(text=number)
            await hook.post(update)
            digits = number.replace(" ", "")
            assert f"make sure order {digits}" in hook.said, hook.said
            stored = await stored_update(uow_factory, update["update_id"])
            assert stored["message"]["text"] == number
            hook.sent.clear()
            await hook.post(hook.message(text=proof))
            assert "now linked" in hook.said, hook.said
            assert NOT_HERE not in hook.said


async def test_a_masked_update_handled_after_a_crash_is_refused_like_the_card(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    """Stored, then the process died before handling it: the next start handles the
    masked update, and the buyer gets the same answer the card would have got."""
    channel = channel_for("aiogram", harness)
    sent: list[ApiCall] = []

    async def call(api_call: ApiCall) -> Any:
        sent.append(api_call)
        return True

    channel.call = call  # type: ignore[method-assign]
    update = {
        "update_id": 77,
        "message": {
            "message_id": 700,
            "date": 1767225600,
            "chat": {"id": 1001, "type": "private"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Jane", "language_code": "en"},
            "text": "refund to 4111-1111-1111-1111 please",
        },
    }
    assert channel.inbox is not None
    await channel.inbox.record([(77, update)])
    await channel.replay_pending()
    await channel.stop()
    await channel.close()
    said = "\n".join(str(c.params.get("text", "")) for c in sent)
    assert NOT_HERE in said, said
    assert "make sure order" not in said
    assert not CARD_DIGITS.search(await everything_stored(uow_factory))
