"""A seller asks for `/stats` through real Telegram traffic (aiogram ↔ emulator): the
figures as text, the chart as a photo, switching period and shop by button, and the
refusals (a buyer, a forged button, an unknown period)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from PIL import Image

from bot.app import App
from bot.clock import FakeClock
from bot.domain.enums import ActorKind, ClaimStatus
from bot.emulator import ScriptedUser, TelegramEmulator
from storage.models import ChatUser, Claim, ClaimEvent, ClaimItem, Seller
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons
from tests.factories import make_order, make_shop

Message = dict[str, Any]
SELLER_ID = 9001


async def become_seller(
    app: App, emulator: TelegramEmulator, shop_code: str = "acme", user_id: int = SELLER_ID
) -> ScriptedUser:
    """Open a one-time seller invite, as a shop owner would hand it out."""
    services = await app.services()
    token = await services.sellers.invite(shop_code)
    seller = emulator.user(user_id, "Sam Seller")
    await seller.send(f"/start {token}")
    assert "now a seller" in (await seller.wait_message())["text"]
    return seller


async def add_claim(uow_factory: UnitOfWorkFactory, clock: FakeClock, order_id: int) -> None:
    """A claim filed 5 hours ago and approved by the seller 3 hours later."""
    created = clock.now() - timedelta(hours=5)
    async with uow_factory() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        buyer = ChatUser(external_id=1001, first_name="Jane", created_at=created)
        uow.session.add(buyer)
        await uow.flush()
        uow.session.add(
            Claim(
                claim_number="RC-1",
                order_id=order_id,
                buyer_id=buyer.id,
                type="REFUND",
                reason="DAMAGED",
                status=ClaimStatus.APPROVED,
                requested_amount=Decimal("12.50"),
                currency="USD",
                created_at=created,
                updated_at=created,
                items=[ClaimItem(order_item_id=order.items[0].id, quantity=1)],
                history=[
                    ClaimEvent(to_status="REQUESTED", actor_kind=ActorKind.BUYER, at=created),
                    ClaimEvent(
                        from_status="REQUESTED",
                        to_status="APPROVED",
                        actor_kind=ActorKind.SELLER,
                        at=created + timedelta(hours=3),
                    ),
                ],
            )
        )
        await uow.commit()


async def stats_reply(user: ScriptedUser) -> tuple[Message, Message]:
    """The chart photo, then the text under it."""
    photo = await user.wait_message()
    assert "photo" in photo, photo
    text = await user.wait_message()
    assert "text" in text, text
    return photo, text


def chart_size(emulator: TelegramEmulator, photo: Message) -> tuple[int, int]:
    data = emulator.file_bytes(photo["photo"][-1]["file_id"])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).size


async def test_seller_gets_figures_and_chart_and_switches_period(
    bot: BotProcess,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    order_id = await make_order(
        uow_factory, clock, status="DELIVERED", delivered_at=clock.now() - timedelta(days=1)
    )
    await add_claim(uow_factory, clock, order_id)
    sam = await become_seller(app, emulator)

    await sam.send("/stats")
    photo, text = await stats_reply(sam)
    assert chart_size(emulator, photo) == (800, 400)
    body = text["text"]
    assert "Acme Store · last 7 days" in body
    assert "Orders placed: 1 · delivered: 1" in body  # placed 3 days ago by the factory
    assert "Return requests: 1" in body and "Return rate: 100.0%" in body
    assert "Median first response: 3 hours (1 answered)" in body
    assert "Refunded: $0.00 (0 refunds" in body
    assert "• Approved: 1" in body and "• Arrived damaged: 1" in body
    assert "1. Ceramic mug — 1 returned" in body
    assert buttons(text) == ["• 7 days •", "30 days"]  # one shop: no shop switch

    await sam.press("30 days")
    await sam.wait_callback_answer()
    photo, text = await stats_reply(sam)
    assert "last 30 days" in text["text"] and buttons(text) == ["7 days", "• 30 days •"]
    assert chart_size(emulator, photo) == (800, 400)

    await sam.send("/stats 30")
    _, text = await stats_reply(sam)
    assert "last 30 days" in text["text"]


async def test_unknown_period_gets_usage_and_forged_buttons_are_refused(
    bot: BotProcess,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_shop(uow_factory, clock, "acme")
    other = await make_shop(uow_factory, clock, "zeta")
    sam = await become_seller(app, emulator)

    await sam.send("/stats 14")
    usage = await sam.wait_message()
    assert "/stats 30" in usage["text"] and "photo" not in usage
    assert len(emulator.calls("sendPhoto")) == 0

    await sam.send("/stats")
    _, text = await stats_reply(sam)
    assert "No return requests in this period" in text["text"]
    # Another shop's id, or a period that is not offered: nothing is shown.
    await sam.press_forged(f"st:{other}:7")
    assert await sam.wait_callback_answer() == "That's for the shop's sellers only."
    await sam.press_forged("st:1:14")
    assert "no longer works" in (await sam.wait_callback_answer() or "")
    assert len(emulator.calls("sendPhoto")) == 1


async def test_a_seller_of_two_shops_picks_one(
    bot: BotProcess,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_shop(uow_factory, clock, "acme")
    zeta = await make_shop(uow_factory, clock, "zeta")
    sam = await become_seller(app, emulator)
    async with uow_factory() as uow:
        user = await uow.chat_users.get_by_external("telegram", SELLER_ID)
        assert user is not None
        uow.session.add(Seller(shop_id=zeta, chat_user_id=user.id, created_at=clock.now()))
        await uow.commit()

    await sam.send("/stats 30")
    asked = await sam.wait_message()
    assert "Which shop" in asked["text"] and buttons(asked) == ["Acme Store", "Zeta Store"]
    await sam.press("Zeta Store")
    await sam.wait_callback_answer()
    _, text = await stats_reply(sam)
    assert "Zeta Store · last 30 days" in text["text"]
    assert buttons(text) == ["7 days", "• 30 days •", "🏬 Other shop"]
    await sam.press("🏬 Other shop")
    await sam.wait_callback_answer()
    assert buttons(await sam.wait_message()) == ["Acme Store", "Zeta Store"]


async def test_a_buyer_is_told_stats_are_for_sellers(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    alex = emulator.user(1001, "Alex")
    await alex.send("/stats")
    assert (await alex.wait_message())["text"] == "That's for the shop's sellers only."
    assert len(emulator.calls("sendPhoto")) == 0
