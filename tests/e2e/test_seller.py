"""A seller joins through an invite link and decides return requests through real
Telegram traffic (aiogram ↔ emulator): the queue, the card with the buyer's photos, every
decision by button, what the buyer is told, and crafted buttons from everyone else."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ClaimReason, ClaimType
from bot.domain.history import coded
from bot.emulator import ScriptedUser, TelegramEmulator, image_size, sample_jpeg, sample_png
from bot.services.links import LinkSigner
from bot.services.returns import BadPhoto, ClaimDraft, ClaimView, ReturnService, new_token
from bot.services.sellers import SellerService
from storage.media import MediaStore
from storage.models import ChatUser, Claim, ConversationState, OutboxMessage, Refund
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BOT_USERNAME, BotProcess
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.factories import make_order
from tests.pictures import (
    blank_png,
    jpeg_pdf_polyglot,
    panorama_png,
    pdf_in_jpeg_shell,
    photo_jpeg,
    same_picture,
)

Message = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
LINK_SECRET = b"e2e-link-secret-0123456789abcdef"  # the bot's, from the e2e settings
ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 = 37.99
UPS = "1Z999AA10123456784"
SELLER_ID, OTHER_SELLER_ID, BUYER_ID, STRANGER_ID = 9001, 9002, 1001, 1003
APPROVE, REJECT, ASK, PARTIAL = "✅ Approve", "✖ Reject", "💬 Ask for info", "💵 Partial refund"
HELP = "🆘 Ask platform support"
CANCEL = "✖ Cancel"


def confirm_label(amount: str) -> str:
    """The Confirm button under a money action's question, naming the amount."""
    return f"✅ Confirm: refund {amount}"


ONLY_SELLERS = "That's for the shop's sellers only."


# ------------------------------------------------------------------ set-up


async def invite_link(database_url: str, tmp_path: Path, shop: str = "acme") -> str:
    """The shop's tool prints a one-time link, in a process of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINK_SECRET": "e2e-link-secret-0123456789abcdef",
        "BOT_USERNAME": BOT_USERNAME,
    }
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "seller",
        "invite",
        shop,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(done.communicate(), timeout=60)
    assert done.returncode == 0, err.decode()
    url = out.decode().strip()
    assert url.startswith(f"https://t.me/{BOT_USERNAME}?start=s"), url
    token = url.split("start=")[1]
    assert len(token) <= 64
    return token


async def invite(uow_factory: UnitOfWorkFactory, clock: FakeClock, shop: str = "acme") -> str:
    """The same one-time link, made in this process: the tool itself is tested once
    (`test_invite_link_makes_a_seller_with_the_seller_menu`); a process per test only
    added its start-up time."""
    return await SellerService(uow_factory, clock, LinkSigner(LINK_SECRET)).invite(shop)


async def join(emulator: TelegramEmulator, token: str, user_id: int, name: str) -> ScriptedUser:
    seller = emulator.user(user_id, name)
    await seller.send(f"/start {token}")
    welcome = await seller.wait_message()
    assert "You're now a seller of" in welcome["text"], welcome["text"]
    return seller


async def delivered_order(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, number: str = NUMBER, **order: Any
) -> int:
    order.setdefault("items", ITEMS)
    return await make_order(
        uow_factory,
        clock,
        number=number,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        events=(("Delivered", "Left at front door"),),
        **order,
    )


async def chat_user_id(uow_factory: UnitOfWorkFactory, external_id: int) -> int:
    async with uow_factory(readonly=True) as uow:
        user = await uow.session.scalar(select(ChatUser).where(ChatUser.external_id == external_id))
        assert user is not None
        return user.id


class Shop:
    """An acme order, its buyer (linked in the chat), its seller, and the way to file
    claims on it.  Claims are filed through the buyer's service for speed (the chat flow
    is covered in test_returns); photos are real Telegram files the buyer uploaded."""

    def __init__(
        self,
        bot: BotProcess,
        emulator: TelegramEmulator,
        uow_factory: UnitOfWorkFactory,
        clock: FakeClock,
        settings: Settings,
    ) -> None:
        self.bot = bot
        self.emulator = emulator
        self.uow_factory = uow_factory
        self.clock = clock
        self.returns = ReturnService(uow_factory, clock, MediaStore(settings.media_dir))
        self.buyer: ScriptedUser
        self.seller: ScriptedUser
        self.order_id = 0
        self.buyer_user = 0
        self.items: dict[str, int] = {}

    async def claim(
        self,
        items: dict[str, int],
        type: ClaimType = ClaimType.REFUND,
        reason: ClaimReason = ClaimReason.NO_LONGER_NEEDED,
        photos: list[bytes] | None = None,
        note: str | None = None,
    ) -> ClaimView:
        drafts = []
        for data in photos or []:
            stored = self.emulator.files.add_photo(data, *(image_size(data) or (64, 64)))
            drafts.append(
                await self.returns.accept_photo(
                    data, file_id=stored.file_id, file_unique_id=stored.file_unique_id
                )
            )
        claim = await self.returns.submit(
            self.buyer_user,
            ClaimDraft(
                order_id=self.order_id,
                items={self.items[name]: qty for name, qty in items.items()},
                type=type,
                reason=reason,
                photos=tuple(drafts),
                note=note,
                token=new_token(),
            ),
        )
        # The seller is told at once: the summary, then the album (if any).
        await self.bot.flush_outbox()
        told = await self.seller.wait_message()
        assert f"Return request {claim.number} for order {NUMBER}" in told["text"]
        for _ in photos or []:
            assert "photo" in await self.seller.wait_message()
        return claim


@pytest.fixture
async def shop(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
) -> Shop:
    s = Shop(bot, emulator, uow_factory, clock, settings)
    s.order_id = await delivered_order(uow_factory, clock)
    s.buyer = emulator.user(BUYER_ID, "Alex")
    await link(s.buyer)
    s.buyer_user = await chat_user_id(uow_factory, BUYER_ID)
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(s.order_id)
        assert order is not None
        s.items = {i.product_name: i.id for i in order.items}
    s.seller = await join(emulator, await invite(uow_factory, clock), SELLER_ID, "Sam")
    return s


# ------------------------------------------------------------------ reading back


async def claim_row(uow_factory: UnitOfWorkFactory, claim_id: int) -> Claim:
    async with uow_factory(readonly=True) as uow:
        claim = await uow.claims.get(claim_id)
        assert claim is not None
        return claim


async def ledger(uow_factory: UnitOfWorkFactory) -> list[tuple[int | None, Decimal]]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
        return [(r.claim_id, r.amount) for r in rows]


async def step_of(uow_factory: UnitOfWorkFactory, external_id: int) -> str | None:
    async with uow_factory(readonly=True) as uow:
        state = await uow.session.scalar(
            select(ConversationState).where(ConversationState.user_id == external_id)
        )
        return state.step if state else None


async def buyer_is_told(shop: Shop) -> Message:
    await shop.bot.flush_outbox()
    return await shop.buyer.wait_message()


async def tap(user: ScriptedUser, label: str, message: Message | None = None) -> Message:
    """Press a button that answers with a new message; return that message."""
    await user.press(label, message=message)
    assert await user.wait_callback_answer() is None  # no alert
    return await user.wait_message()


async def open_card(seller: ScriptedUser, claim: ClaimView) -> Message:
    """/claims, then the claim's button: the card (its photos came with the new
    request's message; the card offers them again on request)."""
    await seller.send("/claims")
    queue = await seller.wait_message()
    label = next(b for b in buttons(queue) if b.startswith(claim.number))
    await seller.press(label, message=queue)
    await seller.wait_callback_answer()
    card = await seller.wait_message()
    assert f"Return request {claim.number}" in card["text"]
    return card


# ------------------------------------------------------------------ joining


async def test_invite_link_makes_a_seller_with_the_seller_menu(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    await delivered_order(uow_factory, clock)
    token = await invite_link(database_url, tmp_path)
    sam = emulator.user(SELLER_ID, "Sam")
    await sam.send(f"/start {token}")
    welcome = (await sam.wait_message())["text"]
    assert "You're now a seller of Acme Store" in welcome and "/claims" in welcome
    menu = emulator.commands(scope={"type": "chat", "chat_id": SELLER_ID})
    assert {c["command"] for c in menu} >= {"claims", "refund", "stats", "orders", "help"}
    await sam.send("/claims")
    assert "No open return requests" in (await sam.wait_message())["text"]

    # The same link does nothing for anyone else, and gives them no seller menu.
    eve = emulator.user(OTHER_SELLER_ID, "Eve")
    await eve.send(f"/start {token}")
    assert "not valid or was already used" in (await eve.wait_message())["text"]
    assert emulator.commands(scope={"type": "chat", "chat_id": OTHER_SELLER_ID}) == []
    await eve.send("/claims")
    assert ONLY_SELLERS in (await eve.wait_message())["text"]
    # A tampered link neither.
    await eve.send(f"/start {token[:-2]}xy")
    assert "not valid" in (await eve.wait_message())["text"]
    # Sam opening his link again is fine.
    await sam.send(f"/start {token}")
    assert "You're now a seller of Acme Store" in (await sam.wait_message())["text"]
    async with uow_factory(readonly=True) as uow:
        acme = await uow.shops.get_by_code("acme")
        assert acme is not None
        registered = await uow.shops.seller_user_ids(acme.id)
    assert registered == [await chat_user_id(uow_factory, SELLER_ID)]


# ------------------------------------------------------------------ queue and card


async def test_queue_and_card_with_the_buyers_photos(shop: Shop) -> None:
    crack, box = photo_jpeg("crack"), photo_jpeg("box")
    claim = await shop.claim(
        {"Ceramic mug": 1},
        reason=ClaimReason.DAMAGED,
        photos=[crack, box],
        note="Handle <b>off</b>",
    )
    shop.clock.advance(timedelta(hours=6))
    await shop.seller.send("/claims")
    queue = await shop.seller.wait_message()
    assert "Open return requests (1)" in queue["text"]
    # In the seller's voice, and the time left in words ("42h left" before).
    assert buttons(queue) == [f"{claim.number} · Waiting for your decision · 1 day 18 hours left"]

    await shop.seller.press(buttons(queue)[0])
    await shop.seller.wait_callback_answer()
    # The photos came with the new request: the card comes alone, offering them.
    card = await shop.seller.wait_message()
    assert "🖼 Show 2 photos" in buttons(card)
    text = card["text"]
    assert f"Return request {claim.number} · Acme Store" in text
    assert f"Order: {NUMBER} · Buyer: Alex" in text
    assert "Status: Waiting for your decision" in text
    assert "Request: Refund only (keep the item) · Arrived damaged" in text
    assert "1 × Ceramic mug — $12.50" in text
    assert "Refund requested: $12.50 (still refundable on the order: $37.99)" in text
    assert "Buyer's note: Handle <b>off</b>" in text  # shown literally
    assert "Photos: 2" in text and "Reused evidence" not in text
    assert "1 day 18 hours left to respond (by Jan 17, 12:00 UTC)" in text
    assert "Return requested (buyer)" in text  # history
    assert buttons(card) == [APPROVE, REJECT, ASK, PARTIAL, "🖼 Show 2 photos", HELP]
    # On request, the stored photos, in order, as one album (as often as asked).
    await shop.seller.press("🖼 Show 2 photos", message=card)
    await shop.seller.wait_callback_answer()
    album = [await shop.seller.wait_message(), await shop.seller.wait_message()]
    shown = [shop.emulator.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert all(map(same_picture, shown, [crack, box]))
    assert album[0].get("media_group_id") and album[0]["media_group_id"] == album[1].get(
        "media_group_id"
    )


# ------------------------------------------------------------------ decisions


async def test_approve_refund_only(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 2})
    card = await open_card(shop.seller, claim)

    asked = await tap(shop.seller, APPROVE, card)
    assert f"Approve {claim.number} and refund $25.00 to the buyer, Alex?" in asked["text"]
    assert buttons(asked) == [confirm_label("$25.00"), CANCEL]
    assert await ledger(shop.uow_factory) == []  # nothing paid before the tap
    done = await tap(shop.seller, confirm_label("$25.00"), asked)

    assert f"Approved. $25.00 refunded to the buyer for {claim.number}" in done["text"]
    told = await buyer_is_told(shop)
    assert f"return request {claim.number} is resolved with a refund of $25.00" in told["text"]
    assert buttons(told) == ["Open request"]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REFUNDED"
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("25.00"))]
    # A second tap on the same card decides nothing more.
    again = await tap(shop.seller, APPROVE, card)
    assert f"Already decided: {claim.number} is now “Refunded”" in again["text"]
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("25.00"))]
    await shop.seller.send("/claims")
    assert "No open return requests" in (await shop.seller.wait_message())["text"]


async def test_reject_with_a_reason_and_a_note(shop: Shop) -> None:
    claim = await shop.claim({"Tea towel": 1})
    card = await open_card(shop.seller, claim)

    reasons = await tap(shop.seller, REJECT, card)
    assert f"Why are you rejecting {claim.number}?" in reasons["text"]
    assert buttons(reasons) == [
        "Photos don't show the problem",
        "Item is as described",
        "Item used or damaged by the buyer",
        "Outside the shop's return policy",
        "Other reason",
    ]
    asked = await tap(shop.seller, "Item is as described", reasons)
    assert "write a short note" in asked["text"]
    await shop.seller.send("x" * 1001)
    assert "at most 1000 characters" in (await shop.seller.wait_message())["text"]
    await shop.seller.send("The towel is <the> listed colour & size.")
    done = await shop.seller.wait_message()
    assert f"Rejected {claim.number}" in done["text"] and "within 48 hours" in done["text"]

    told = await buyer_is_told(shop)
    assert f"Your return request {claim.number} was not accepted" in told["text"]
    assert (
        "Reason: Item is as described. The towel is <the> listed colour & size." in (told["text"])
    )
    assert "appeal to our support team until Jan 17, 12:00 UTC" in told["text"]
    stored = await claim_row(shop.uow_factory, claim.id)
    assert stored.status == "REJECTED"
    assert stored.history[-1].note == coded(  # a fact: rendered when read
        "rejected", reason="not_as_claimed", text="The towel is <the> listed colour & size."
    )
    assert await ledger(shop.uow_factory) == []
    assert await step_of(shop.uow_factory, SELLER_ID) is None


async def test_ask_for_info_and_the_buyer_answers(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 1})
    card = await open_card(shop.seller, claim)
    shop.clock.advance(timedelta(hours=8))

    prompt = await tap(shop.seller, ASK, card)
    assert f"What would you like to ask the buyer about {claim.number}?" in prompt["text"]
    await shop.seller.send("Is the box damaged too?")
    assert "is with the buyer" in (await shop.seller.wait_message())["text"]
    stored = await claim_row(shop.uow_factory, claim.id)
    assert (stored.status, stored.respond_by, stored.respond_paused_seconds) == (
        "NEEDS_INFO",
        None,
        40 * 3600,
    )

    question = await buyer_is_told(shop)
    assert "The seller has a question" in question["text"]
    assert "Is the box damaged too?" in question["text"]
    assert buttons(question) == ["Answer the seller"]
    shop.clock.advance(timedelta(hours=20))
    await tap(shop.buyer, "Answer the seller", question)
    await shop.buyer.send("Yes, the box is crushed.")
    answered = await shop.buyer.wait_message()
    # The seller has the 40 hours that were left when they asked.
    assert "They now have until Jan 18, 08:00 UTC" in answered["text"], answered["text"]

    await shop.bot.flush_outbox()
    heard = await shop.seller.wait_message()
    assert f"The buyer answered on return request {claim.number}" in heard["text"]
    assert "Yes, the box is crushed." in heard["text"]
    stored = await claim_row(shop.uow_factory, claim.id)
    assert stored.status == "REQUESTED"
    assert stored.respond_by == shop.clock.now() + timedelta(hours=40)
    card = await open_card(shop.seller, claim)
    assert "Is the box damaged too?" in card["text"] and "Yes, the box is crushed." in card["text"]
    assert buttons(card) == [APPROVE, REJECT, ASK, PARTIAL, HELP]


async def test_partial_refund_refuses_too_much_then_refunds_what_was_typed(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 2, "Tea towel": 1})
    assert claim.amount == Decimal("37.99")
    card = await open_card(shop.seller, claim)

    prompt = await tap(shop.seller, PARTIAL, card)
    assert f"How much do you want to refund for {claim.number}? Up to $37.99" in prompt["text"]
    await shop.seller.send("38.00")
    refused = (await shop.seller.wait_message())["text"]
    assert "That amount doesn't work" in refused and "at most $37.99" in refused
    # "1,000" is a thousand (a comma before three digits is no decimal comma in USD).
    await shop.seller.send("1,000")
    assert "at most $37.99" in (await shop.seller.wait_message())["text"]
    # No amount at all: what the step expects, then its question again.
    await shop.seller.send("abc")
    assert "can't read that as an amount" in (await shop.seller.wait_message())["text"]
    assert "Up to $37.99" in (await shop.seller.wait_message())["text"]
    # What is not written as an amount is told the format to use, not the range.
    for typed, expected in (
        ("١٢", "can't read that as an amount. Please type it in digits, like 12.50"),
        ("１２", "can't read that as an amount"),
        ("৫", "can't read that as an amount"),
        ("0", "must be more than 0"),
        ("-5", "without a minus sign"),
        ("1.005", "USD amounts have at most 2 decimals"),
        ("5.555", "USD amounts have at most 2 decimals"),
        ("1.000.000", "without separators, with a dot for cents: like 1000 or 12.50"),
        ("€5", "This order is paid in USD, not EUR"),
        ("5 apples", "can't read that as an amount"),
    ):
        await shop.seller.send(typed)
        refused = (await shop.seller.wait_message())["text"]
        assert expected in refused and "at most $37.99" not in refused, typed
    assert await ledger(shop.uow_factory) == []
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"

    await shop.seller.send("15.50 dollars")
    why = await shop.seller.wait_message()  # less than asked: the seller says why
    assert "Why refund $15.50 instead of the $37.99 asked for" in why["text"]
    assert "Item used or damaged by the buyer" in buttons(why)
    await shop.seller.send("One mug came back chipped")
    asked = await shop.seller.wait_message()
    assert f"Refund $15.50 for {claim.number} to the buyer, Alex?" in asked["text"]
    assert "Reason the buyer reads: One mug came back chipped" in asked["text"]
    assert await ledger(shop.uow_factory) == []
    done = await tap(shop.seller, confirm_label("$15.50"), asked)
    assert f"$15.50 refunded for {claim.number}" in done["text"]
    told = await buyer_is_told(shop)
    assert "refunded $15.50 of the $37.99 you asked for" in told["text"]
    assert "Reason: One mug came back chipped" in told["text"]
    assert buttons(told) == ["⚖️ Appeal to support"]
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("15.50"))]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REFUNDED"
    assert await step_of(shop.uow_factory, SELLER_ID) is None


async def test_return_approved_shipped_back_and_confirmed_received(shop: Shop) -> None:
    claim = await shop.claim({"Tea towel": 1}, type=ClaimType.RETURN_AND_REFUND)
    card = await open_card(shop.seller, claim)

    done = await tap(shop.seller, APPROVE, card)
    assert f"The buyer has until Jan 20, 12:00 UTC to send {claim.number} back" in done["text"]
    told = await buyer_is_told(shop)
    assert f"{claim.number} is approved. Please send the item back by Jan 20" in told["text"]
    assert buttons(told) == ["Enter return tracking"]
    assert await ledger(shop.uow_factory) == []

    shop.clock.advance(timedelta(days=1))
    await shop.returns.ship_back(shop.buyer_user, claim.id, "UPS", UPS)
    await shop.bot.flush_outbox()
    shipped = await shop.seller.wait_message()
    assert f"The buyer shipped the return for {claim.number}: UPS {UPS}" in shipped["text"]

    card = await open_card(shop.seller, claim)
    assert "Status: Sent back by the buyer" in card["text"]
    assert buttons(card) == ["📦 Confirm received", PARTIAL, HELP]
    asked = await tap(shop.seller, "📦 Confirm received", card)
    assert f"Mark {claim.number} received and refund $8.00" in asked["text"]
    received = await tap(shop.seller, confirm_label("$8.00"), asked)
    assert f"Marked received. $8.00 refunded for {claim.number}" in received["text"]
    told = await buyer_is_told(shop)
    assert f"{claim.number} is resolved with a refund of $8.00" in told["text"]
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("8.00"))]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REFUNDED"


async def test_replacement_approved_then_marked_replaced(shop: Shop) -> None:
    claim = await shop.claim(
        {"Ceramic mug": 1},
        type=ClaimType.REPLACEMENT,
        reason=ClaimReason.DEFECTIVE,
        photos=[sample_jpeg(seed="defect")],
    )
    card = await open_card(shop.seller, claim)
    assert "Replacement requested: send a new one, no refund asked" in card["text"]
    assert "$0.00" not in card["text"] and "Refund requested" not in card["text"]
    done = await tap(shop.seller, APPROVE, card)
    assert f"Tap Mark replaced on {claim.number}" in done["text"]
    told = await buyer_is_told(shop)
    assert f"replacement request {claim.number} is approved" in told["text"]

    card = await open_card(shop.seller, claim)
    assert buttons(card) == ["🔁 Mark replaced", "🖼 Show the photo", HELP]
    carriers = await tap(shop.seller, "🔁 Mark replaced", card)
    assert buttons(carriers) == ["FedEx", "UPS", "USPS", "DHL"]
    asked = await tap(shop.seller, "UPS", carriers)
    assert "Type the UPS tracking number" in asked["text"]
    await shop.seller.send(UPS[:-1] + "5")  # a typo: check digit wrong
    said = (await shop.seller.wait_message())["text"]
    assert "isn't a valid UPS tracking number" in said
    assert "check digit that does not match" in said  # why, from the catalog
    assert (await claim_row(shop.uow_factory, claim.id)).status == "APPROVED"
    await shop.seller.send(UPS)
    assert f"Marked replaced: UPS {UPS}" in (await shop.seller.wait_message())["text"]

    told = await buyer_is_told(shop)
    assert f"Your replacement for {claim.number} is on its way: UPS {UPS}" in told["text"]
    stored = await claim_row(shop.uow_factory, claim.id)
    assert (stored.status, stored.replacement_tracking_number) == ("REPLACED", f"UPS {UPS}")
    assert await ledger(shop.uow_factory) == []


# ------------------------------------------------------------------ refusals


async def outbox_count(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_crafted_buttons_from_anyone_but_the_shops_sellers_change_nothing(
    shop: Shop, database_url: str, tmp_path: Path
) -> None:
    requested = await shop.claim({"Ceramic mug": 1})
    returning = await shop.claim({"Tea towel": 1}, type=ClaimType.RETURN_AND_REFUND)
    replacing = await shop.claim({"Ceramic mug": 1}, type=ClaimType.REPLACEMENT)
    for claim in (returning, replacing):
        await tap(shop.seller, APPROVE, await open_card(shop.seller, claim))
    await shop.returns.ship_back(shop.buyer_user, returning.id, "UPS", UPS)
    await shop.bot.flush_outbox()
    await shop.seller.wait_message()  # "the buyer shipped the return"
    for _ in range(2):  # the buyer's two "approved" messages
        await shop.buyer.wait_message()

    await delivered_order(shop.uow_factory, shop.clock, "578000000000000002", shop_code="other")
    eve = await join(
        shop.emulator, await invite(shop.uow_factory, shop.clock, "other"), OTHER_SELLER_ID, "Eve"
    )
    mallory = shop.emulator.user(STRANGER_ID, "Mallory")
    await mallory.send("/start")
    await mallory.wait_message()

    async def snapshot() -> tuple[Any, ...]:
        states = []
        for claim in (requested, returning, replacing):
            row = await claim_row(shop.uow_factory, claim.id)
            states.append((row.status, row.version))
        return (tuple(states), await ledger(shop.uow_factory), await outbox_count(shop.uow_factory))

    before = await snapshot()
    r, s, m = requested.id, returning.id, replacing.id
    crafted = {
        "buyer": (shop.buyer, [f"qa:{r}", f"qp:{r}", f"q:{r}"]),
        "seller of another shop": (
            eve,
            [
                f"q:{r}",
                f"qa:{r}",
                f"qr:{r}",
                f"qrr:{r}:other",
                f"qi:{r}",
                f"qp:{r}",
                f"qp:{s}",
                f"qc:{s}",
                f"qm:{m}",
                f"qmc:{m}:UPS",
            ],
        ),
        "stranger": (mallory, [f"qa:{r}", f"qr:{r}", f"qp:{r}", f"qc:{s}", f"qmc:{m}:UPS"]),
    }
    for who, (user, presses) in crafted.items():
        seen = len(user.messages)
        for data in presses:
            await user.press_forged(data)
            assert await user.wait_callback_answer() == ONLY_SELLERS, (who, data)
            assert await step_of(shop.uow_factory, user.id) is None, (who, data)
        assert len(user.messages) == seen, who  # an alert only: no card, no prompt
    for data in ("qa:abc", "qa:", "qc:-1", "qrr:1:nonsense", "qmc:1:Pigeon"):
        await eve.press_forged(data)
        assert "no longer works" in (await eve.wait_callback_answer() or ""), data
    # Eve may not type her way in either: /claims shows only her own shop's (none).
    await eve.send("/claims")
    assert "No open return requests" in (await eve.wait_message())["text"]

    await shop.bot.flush_outbox()
    assert await snapshot() == before
    with pytest.raises(TimeoutError):
        await shop.buyer.wait_message(timeout=0.3)  # the buyer was told nothing


async def test_a_seller_removed_mid_flow_is_refused_when_they_type(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 1})
    card = await open_card(shop.seller, claim)
    await tap(shop.seller, PARTIAL, card)
    # The shop owner removes Sam (`seller remove`) while he is typing the amount.
    sellers = SellerService(shop.uow_factory, shop.clock, LinkSigner(b"unused-secret-0123456789"))
    assert await sellers.remove("acme", SELLER_ID)
    await shop.seller.send("5.00")
    # The removal notice (outbox, sent in the background) may arrive before or after
    # the refusal; both must come, the refusal being the answer to what he typed.
    got = [(await shop.seller.wait_message())["text"] for _ in range(2)]
    assert any(ONLY_SELLERS in text for text in got), got
    assert any("no longer a seller" in text for text in got), got
    assert await ledger(shop.uow_factory) == []
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REQUESTED"
    assert await step_of(shop.uow_factory, SELLER_ID) is None


async def test_card_shows_evidence_that_was_sent_as_an_image_file(shop: Shop) -> None:
    png = sample_png(seed="as-a-file")
    stored = shop.emulator.files.add(png, "document", file_name="crack.png", mime_type="image/png")
    draft = await shop.returns.accept_photo(
        png, file_id=stored.file_id, file_unique_id=stored.file_unique_id
    )
    claim = await shop.returns.submit(
        shop.buyer_user,
        ClaimDraft(
            order_id=shop.order_id,
            items={shop.items["Ceramic mug"]: 1},
            type=ClaimType.REFUND,
            reason=ClaimReason.DAMAGED,
            photos=(draft,),
            token=new_token(),
        ),
    )
    # The new-claim message uploads the stored file (fixed there), so the seller has it.
    await shop.bot.flush_outbox()
    assert f"Return request {claim.number}" in (await shop.seller.wait_message())["text"]
    told = await shop.seller.wait_message()  # the summary first, then the picture
    assert same_picture(shop.emulator.file_bytes(told["photo"][-1]["file_id"]), png)
    # The card comes alone (the picture came with the new request); on request the
    # stored picture is sent again, as a photo Telegram takes.
    card = await open_card(shop.seller, claim)
    await shop.seller.press("🖼 Show the photo", message=card)
    await shop.seller.wait_callback_answer()
    refused = list(shop.emulator.rejections)
    shop.emulator.rejections.clear()  # reported by this test, not by the fixture's teardown
    assert not refused, refused[0].description
    picture = await shop.seller.wait_message(timeout=1)
    assert same_picture(
        shop.emulator.file_bytes((picture.get("photo") or [{}])[-1].get("file_id", "")), png
    )


async def test_card_shows_evidence_made_from_files_telegram_refuses_as_photos(
    shop: Shop,
) -> None:
    """A panorama wider than Telegram takes and a JPEG carrying a PDF: the seller gets the
    album and summary when the claim is filed, and the card with its photos and buttons."""
    panorama, polyglot = panorama_png(12000, 700), jpeg_pdf_polyglot()
    for refused in (blank_png(20000, 20000), pdf_in_jpeg_shell()):
        with pytest.raises(BadPhoto):
            await shop.returns.accept_photo(refused, file_id="f", file_unique_id="u")
    claim = await shop.claim(  # asserts that the album and the summary arrive
        {"Ceramic mug": 1}, reason=ClaimReason.DAMAGED, photos=[panorama, polyglot]
    )
    card = await open_card(shop.seller, claim)
    assert "Photos: 2" in card["text"]
    assert buttons(card) == [APPROVE, REJECT, ASK, PARTIAL, "🖼 Show 2 photos", HELP]
    async with shop.uow_factory(readonly=True) as uow:
        statuses = list(await uow.session.scalars(select(OutboxMessage.status)))
    assert statuses == ["sent"]  # the new-claim message went out whole


async def test_a_removed_seller_is_told_and_gets_the_buyer_menu_back(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    await delivered_order(uow_factory, clock)
    sam = await join(emulator, await invite(uow_factory, clock), SELLER_ID, "Sam")
    assert emulator.commands(scope={"type": "chat", "chat_id": SELLER_ID})
    sellers = SellerService(uow_factory, clock, LinkSigner(b"unused-secret-0123456789"))
    assert await sellers.remove("acme", SELLER_ID)
    await bot.flush_outbox()
    assert "no longer a seller of Acme Store" in (await sam.wait_message())["text"]
    assert emulator.commands(scope={"type": "chat", "chat_id": SELLER_ID}) == []
    await sam.send("/claims")
    assert ONLY_SELLERS in (await sam.wait_message())["text"]
