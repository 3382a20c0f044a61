# The `shop` and `world` fixtures come from the seller and cancellation suites.
# ruff: noqa: F811
"""Money actions by people take a confirming tap, through real Telegram traffic (aiogram
↔ emulator): the question shows the amount, the order, who gets it and what stays
refundable; Cancel changes nothing; Confirm pays once, however often it is tapped;
forged or stale confirm data changes nothing; typed text while a question waits gets
the question again; the same /refund twice asks "again?" instead of paying."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.enums import ActorKind
from bot.emulator import ScriptedUser
from bot.services.refunds import issue_refund
from handlers.formatting import format_when
from tests.e2e.test_buyer_orders import NUMBER, buttons
from tests.e2e.test_cancellations import (
    World,
    current,
    nothing_more,
    world,  # noqa: F401 - the fixture
)
from tests.e2e.test_seller import (
    APPROVE,
    CANCEL,
    OTHER_SELLER_ID,
    PARTIAL,
    SELLER_ID,
    Shop,
    claim_row,
    confirm_label,
    invite,
    join,
    ledger,
    open_card,
    shop,  # noqa: F401 - the fixture
    step_of,
    tap,
)

Message = dict[str, Any]
STALE = "This confirmation is no longer open"
CANCELLED = "Cancelled. Nothing was paid."


async def stale(user: ScriptedUser, data: str, message: Message | None = None) -> None:
    await user.press_forged(data, message=message)
    answer = await user.wait_callback_answer() or ""
    assert answer.startswith(STALE), (data, answer)


def confirm_data(message: Message) -> str:
    """The callback data of the Confirm button under a question."""
    markup = message.get("reply_markup") or {}
    return markup["inline_keyboard"][0][0]["callback_data"]


async def test_approve_asks_first_cancel_changes_nothing_confirm_pays_once(
    shop: Shop, database_url: str, tmp_path: Any
) -> None:
    claim = await shop.claim({"Ceramic mug": 2})
    card = await open_card(shop.seller, claim)

    asked = await tap(shop.seller, APPROVE, card)
    text = asked["text"]
    assert f"Approve {claim.number} and refund $25.00 to the buyer, Alex?" in text
    assert f"Order: {NUMBER}" in text
    assert "Still refundable on the order after this: $12.99" in text
    assert buttons(asked) == [confirm_label("$25.00"), CANCEL]

    # Cancel: the question says so, nothing moved, the buyer hears nothing.
    await shop.seller.press(CANCEL, message=asked)
    assert await shop.seller.wait_callback_answer() is None
    assert CANCELLED in current(shop.seller, asked)["text"]
    assert buttons(current(shop.seller, asked)) == []
    assert await ledger(shop.uow_factory) == []
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"
    await shop.bot.flush_outbox()
    await nothing_more(shop.buyer)
    # The cancelled question's Confirm, replayed, does nothing either.
    await stale(shop.seller, confirm_data(asked), asked)
    assert await ledger(shop.uow_factory) == []

    # Asked again; typed text meanwhile gets the question again, not an answer.
    asked = await tap(shop.seller, APPROVE, card)
    await shop.seller.send("where is my money")
    assert (
        "Please confirm or cancel this refund first" in (await shop.seller.wait_message())["text"]
    )
    again = await shop.seller.wait_message()
    assert f"Approve {claim.number} and refund $25.00" in again["text"]
    assert confirm_data(again) == confirm_data(asked)  # the same pending action
    assert await ledger(shop.uow_factory) == []

    # Forged data: another id, another amount, or someone else pressing it.
    pending_id = confirm_data(asked).split(":")[1]
    await stale(shop.seller, "cf:0123456789ab:25.00", asked)
    await stale(shop.seller, f"cf:{pending_id}:0.01", asked)
    await stale(shop.seller, f"cf:{pending_id}:9999.00", asked)
    await stale(shop.seller, f"cf:{pending_id}", asked)
    await stale(shop.seller, f"cx:{pending_id}x", asked)
    kim = await join(
        shop.emulator, await invite(shop.uow_factory, shop.clock), OTHER_SELLER_ID, "Kim"
    )
    await stale(kim, confirm_data(asked))
    assert await ledger(shop.uow_factory) == []
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"

    # Confirm pays the amount shown, once; the second tap (a stale screen) pays nothing.
    done = await tap(shop.seller, confirm_label("$25.00"), asked)
    assert f"Approved. $25.00 refunded to the buyer for {claim.number}" in done["text"]
    assert buttons(current(shop.seller, asked)) == []
    await stale(shop.seller, confirm_data(again), again)
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("25.00"))]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REFUNDED"
    assert await step_of(shop.uow_factory, SELLER_ID) is None
    await shop.bot.flush_outbox()
    assert "resolved with a refund of $25.00" in (await shop.buyer.wait_message())["text"]
    await nothing_more(shop.buyer)


async def test_partial_refund_asks_with_the_typed_amount_and_pays_it_once(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 2, "Tea towel": 1})
    card = await open_card(shop.seller, claim)
    await tap(shop.seller, PARTIAL, card)
    await shop.seller.send("12.50")
    assert "Why refund $12.50" in (await shop.seller.wait_message())["text"]
    await shop.seller.send("The towel was used")
    asked = await shop.seller.wait_message()
    assert f"Refund $12.50 for {claim.number} to the buyer, Alex?" in asked["text"]
    assert "Still refundable on the order after this: $25.49" in asked["text"]
    await shop.seller.press(CANCEL, message=asked)
    await shop.seller.wait_callback_answer()
    assert await ledger(shop.uow_factory) == []
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"

    await tap(shop.seller, PARTIAL, card)
    await shop.seller.send("12.50")
    assert "Why refund $12.50" in (await shop.seller.wait_message())["text"]
    await shop.seller.send("The towel was used")
    asked = await shop.seller.wait_message()
    data = confirm_data(asked)
    done = await tap(shop.seller, confirm_label("$12.50"), asked)
    assert f"$12.50 refunded for {claim.number}" in done["text"]
    await stale(shop.seller, data, asked)  # confirmed twice
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("12.50"))]


async def test_an_approval_that_no_longer_pays_what_was_shown_asks_again(shop: Shop) -> None:
    """Another refund on the order lands between the question and the tap: nothing is
    paid at the old amount; the seller sees the new one and confirms that."""
    claim = await shop.claim({"Ceramic mug": 2})  # $25.00 of $37.99
    asked = await tap(shop.seller, APPROVE, await open_card(shop.seller, claim))
    assert "refund $25.00" in asked["text"]
    await issue_refund(
        shop.uow_factory,
        order_id=shop.order_id,
        amount=Decimal("30.00"),
        issuer_kind=ActorKind.SELLER,
        issuer_id=None,
        reason="goodwill",
        idempotency_key="goodwill-1",
        now=shop.clock.now(),
    )
    await shop.seller.press(confirm_label("$25.00"), message=asked)
    assert await shop.seller.wait_callback_answer() is None
    assert "The amount changed" in (await shop.seller.wait_message())["text"]
    asked = await shop.seller.wait_message()
    assert f"Approve {claim.number} and refund $7.99" in asked["text"]
    assert await ledger(shop.uow_factory) == [(None, Decimal("30.00"))]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"
    done = await tap(shop.seller, confirm_label("$7.99"), asked)
    assert f"Approved. $7.99 refunded to the buyer for {claim.number}" in done["text"]
    assert await ledger(shop.uow_factory) == [
        (None, Decimal("30.00")),
        (claim.id, Decimal("7.99")),
    ]


# ------------------------------------------------------------------ cancellations, /refund


async def test_approving_a_cancellation_asks_and_pays_once(world: World) -> None:
    request = await world.ask_to_cancel()
    await world.seller.press("✅ Approve (full refund)", message=request)
    assert await world.seller.wait_callback_answer() is None
    asked = await world.seller.wait_message()
    assert f"Cancel order {NUMBER} and refund $37.99 to the buyer, Alex?" in asked["text"]
    assert "Still refundable on the order after this: $0.00" in asked["text"]
    await world.seller.press(CANCEL, message=asked)
    await world.seller.wait_callback_answer()
    assert CANCELLED in current(world.seller, asked)["text"]
    assert await world.order_status() == "AWAITING_SHIPMENT" and await world.ledger() == []
    await world.bot.flush_outbox()
    await nothing_more(world.buyer)

    await world.seller.press("✅ Approve (full refund)", message=request)
    await world.seller.wait_callback_answer()
    asked = await world.seller.wait_message()
    data = confirm_data(asked)
    await world.seller.press(confirm_label("$37.99"), message=asked)
    assert await world.seller.wait_callback_answer() is None
    assert "is cancelled and $37.99 is refunded" in current(world.seller, request)["text"]
    await stale(world.seller, data, asked)
    assert await world.order_status() == "CANCELLED"
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("37.99")]


async def test_the_same_refund_command_twice_asks_again_instead_of_paying(
    world: World,
) -> None:
    command = f"/refund {NUMBER} 10 late delivery"
    await world.seller.send(command)
    asked = await world.seller.wait_message()
    text = asked["text"]
    assert f"Refund $10.00 on order {NUMBER} to the buyer, Jane Buyer, as a goodwill" in text
    assert "“late delivery”" in text and "after this: $27.99" in text
    assert buttons(asked) == [confirm_label("$10.00"), CANCEL]
    assert await world.ledger() == []
    data = confirm_data(asked)
    await world.seller.press(confirm_label("$10.00"), message=asked)
    await world.seller.wait_callback_answer()
    assert "Refunded $10.00" in (await world.seller.wait_message())["text"]
    await stale(world.seller, data, asked)  # confirmed twice: paid once
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("10.00")]

    # The same command again (a resend, a double paste): asked "again?", not paid.
    await world.seller.send(command)
    again = await world.seller.wait_message()
    at = format_when(world.clock.now(), show_zone=True)  # "Jan 15, 12:00 UTC"
    assert f"You already refunded $10.00 on order {NUMBER} at {at}. Refund again?" in again["text"]
    assert buttons(again) == [confirm_label("$10.00"), CANCEL]
    await world.seller.press(CANCEL, message=again)
    await world.seller.wait_callback_answer()
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("10.00")]

    # Asked again and confirmed: a second refund, deliberately.
    await world.seller.send(command)
    again = await world.seller.wait_message()
    assert "Refund again?" in again["text"]
    await world.seller.press(confirm_label("$10.00"), message=again)
    await world.seller.wait_callback_answer()
    assert "Refunded $10.00" in (await world.seller.wait_message())["text"]
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("10.00")] * 2
    await world.bot.flush_outbox()
    told = [(await world.buyer.wait_message())["text"] for _ in range(2)]
    assert all("The shop refunded you $10.00" in t for t in told)
    await nothing_more(world.buyer)
