"""The support desk end to end (aiogram, and once python-telegram-bot, against the
emulator): appeals decided by staff, sellers asking for help, first-response reminders,
/tickets and /transcript, deleted topics, blocked buyers, a staff group without topics
or without the right to manage them, and everyone outside the staff chat refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ActorKind
from bot.emulator import ScriptedUser, Supergroup, TelegramEmulator
from bot.services.links import LinkSigner
from bot.services.refunds import issue_refund
from bot.services.returns import ClaimView
from bot.services.sellers import SellerService
from storage.models import (
    ChatUser,
    InboxUpdate,
    OutboxMessage,
    ProcessedUpdate,
    Refund,
    Ticket,
    TicketMessage,
)
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.e2e.test_seller import (
    CANCEL,
    REJECT,
    Shop,
    buyer_is_told,
    chat_user_id,
    claim_row,
    confirm_label,
    delivered_order,
    join,
    open_card,
    tap,
)
from tests.factories import make_order
from tests.pictures import photo_jpeg, same_picture

Message = dict[str, Any]

STAFF_CHAT = -1001000000001
ANNA, BEN, MALLORY = 7001, 7002, 7009  # administrator, member, not in the staff chat
BUYER, OTHER_BUYER = 1001, 1002
SELLER, OTHER_SELLER = 9001, 9002
OTHER_NUMBER = "578000000000000002"

APPEAL = "⚖️ Appeal to support"
UPHOLD, REFUND = "⚖️ Uphold seller", "💸 Refund buyer"
ASSIGN, CLOSE = "🙋 Assign to me", "✅ Close"
SELLER_HELP = "🆘 Ask platform support"
OPENED = "passed our conversation to a person"
NOT_STAFF = "Only members of the support team can do that."
STAFF_ONLY = "That command is for our support team's chat"
EXPIRED = "This button no longer works"
SLA = "⏰ First-response target missed"
NO_TOPIC_RIGHTS = "I can't create topics in this chat"


# ------------------------------------------------------------------ set-up


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_chat_id": STAFF_CHAT})


@pytest.fixture
def group_kind() -> str:
    """The staff chat: "forum" (topics, the bot may manage them), "plain" (a supergroup
    without topics) or "no_rights" (a forum where the bot may not manage topics).
    Tests parametrize it."""
    return "forum"


@pytest.fixture
def framework() -> str:
    return "aiogram"


@pytest.fixture
def desk(emulator: TelegramEmulator, group_kind: str) -> Supergroup:
    """The staff group, as it is before the bot starts: Anna runs it, Ben is a member,
    Mallory left it."""
    emulator.user(ANNA, "Anna")
    emulator.user(BEN, "Ben")
    emulator.user(MALLORY, "Mallory")
    return emulator.supergroup(
        STAFF_CHAT,
        "Support",
        forum=group_kind != "plain",
        members={ANNA: "administrator", BEN: "member", MALLORY: "left"},
        bot_can_manage_topics=group_kind == "forum",
    )


@pytest.fixture
async def bot(
    app: App, emulator: TelegramEmulator, desk: Supergroup, framework: str
) -> AsyncIterator[BotProcess]:
    """The bot, started once the staff group exists (it looks at the group at start)."""
    process = BotProcess(app, emulator, framework=framework)
    await process.start()
    yield process
    await process.stop()


@pytest.fixture
def anna(emulator: TelegramEmulator) -> ScriptedUser:
    return emulator.user(ANNA)


async def buyer_with_order(
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    user_id: int = BUYER,
    name: str = "Alex",
    number: str = NUMBER,
) -> ScriptedUser:
    """A buyer who linked an order of the acme shop in the chat."""
    email = f"{name.lower()}@example.com"
    await make_order(uow_factory, clock, number=number, email=email)
    buyer = emulator.user(user_id, name)
    await buyer.send("/start")
    await buyer.wait_message()
    await link(buyer, number, email)
    return buyer


async def ask_for_a_person(buyer: ScriptedUser, desk: Supergroup) -> Message:
    """/human; returns the ticket's summary as staff see it."""
    await buyer.send("/human")
    told = await buyer.wait_message()
    assert OPENED in told["text"], told["text"]
    summary = await desk.wait_message()
    assert "Ticket #" in summary["text"]
    return summary


def title(desk: Supergroup, thread: int) -> str:
    return desk.topics[thread].name


def texts(desk: Supergroup, thread: int | None = None) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in desk.messages(thread_id=thread)]


async def tickets(uow_factory: UnitOfWorkFactory) -> list[Ticket]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(Ticket).order_by(Ticket.id)))


async def ledger(uow_factory: UnitOfWorkFactory) -> list[tuple[int | None, Decimal, str, Any]]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
        return [(r.claim_id, r.amount, r.issuer_kind, r.issuer_id) for r in rows]


async def count(uow_factory: UnitOfWorkFactory, model: Any) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def desk_state(uow_factory: UnitOfWorkFactory) -> tuple[Any, ...]:
    """What staff actions could change: tickets, what was said, refunds, notifications."""
    rows = [
        (t.id, t.status, t.assignee_id, t.closed_at, t.claim_id, t.topic_id)
        for t in await tickets(uow_factory)
    ]
    return (
        rows,
        await count(uow_factory, TicketMessage),
        await ledger(uow_factory),
        await count(uow_factory, OutboxMessage),
    )


async def from_outsider(
    desk: Supergroup, user: ScriptedUser, status: str, act: Callable[[], Awaitable[Any]]
) -> None:
    """`user` acts in the staff chat while their status there is `status` ("left").

    Telegram lets anyone who can see a (public) group press its buttons, and a
    modified client can send any callback data; the emulator only scripts members.
    So the update is scripted as a member and the status set back before the bot can
    read it: the scripted action never yields to the event loop the bot runs on, so
    the bot only ever sees `status`."""
    desk.set_member(user.id, "member")
    try:
        await act()
    finally:
        desk.set_member(user.id, status)


async def recorded(uow_factory: UnitOfWorkFactory, entries: int) -> None:
    """Wait until tickets hold `entries` transcript entries: a relayed copy shows in the
    other chat a moment before the ticket records it, and the next step must not
    overtake that."""
    for _ in range(250):
        if await count(uow_factory, TicketMessage) >= entries:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"tickets never recorded {entries} entries")


async def outbox_settled(uow_factory: UnitOfWorkFactory) -> None:
    """Wait until no notification is pending: a message shows in the chat a moment
    before the outbox marks it sent, and moving the clock past the send's lease in
    between would let it go out again."""
    for _ in range(250):
        async with uow_factory(readonly=True) as uow:
            pending = await uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        if not pending:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("notifications still pending")


async def updates_handled(uow_factory: UnitOfWorkFactory) -> None:
    """Wait until every update the bot stored is handled (committed): a relayed copy
    shows in the topic a moment before the handler's transaction commits, and moving
    the clock in between would date what it writes (the wait's start) too late."""
    for _ in range(250):
        async with uow_factory(readonly=True) as uow:
            stored = await uow.session.scalar(select(func.count()).select_from(InboxUpdate))
            handled = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
        if stored == handled:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("stored updates still unhandled")


def expect_rejections(emulator: TelegramEmulator, *descriptions: str) -> None:
    """The refusals a scenario provokes on purpose (a deleted topic, a blocked bot);
    checked here and cleared, so the fixture's teardown still catches any other."""
    assert [r.description for r in emulator.rejections] == list(descriptions)
    emulator.rejections.clear()


# ------------------------------------------------------------------ appeals


class Appeals:
    """An acme order, its buyer Alex, its seller Sam, and claims on it that Sam rejects
    in the chat."""

    def __init__(self, shop: Shop, desk: Supergroup, anna: ScriptedUser) -> None:
        self.shop = shop
        self.desk = desk
        self.anna = anna
        self.buyer = shop.buyer
        self.uow_factory = shop.uow_factory
        self.clock = shop.clock

    async def rejected(self, photos: int = 0) -> tuple[ClaimView, Message]:
        """A claim for both mugs ($25.00), rejected by Sam; returns it and the buyer's
        rejection notification."""
        shots = [photo_jpeg(f"mug-{n}") for n in range(photos)]
        claim = await self.shop.claim({"Ceramic mug": 2}, photos=shots)
        card = await open_card(self.shop.seller, claim)
        reasons = await tap(self.shop.seller, REJECT, card)
        await tap(self.shop.seller, "Item is as described", reasons)
        await self.shop.seller.send("The mugs in the photos are intact.")
        assert f"Rejected {claim.number}" in (await self.shop.seller.wait_message())["text"]
        told = await buyer_is_told(self.shop)
        assert f"Your return request {claim.number} was not accepted" in told["text"]
        assert buttons(told) == [APPEAL]
        return claim, told

    async def appealed(self, photos: int = 0) -> tuple[ClaimView, Message]:
        """A rejected claim the buyer appealed; returns it and the ticket's summary."""
        claim, told = await self.rejected(photos)
        await self.buyer.press(APPEAL, message=told)
        assert await self.buyer.wait_callback_answer() is None
        sent = await self.buyer.wait_message()
        assert (
            f"Your appeal of {claim.number} went to our support team (ticket #1)" in (sent["text"])
        )
        summary = await self.desk.wait_message()
        return claim, summary


async def refund_confirmed(
    staff: ScriptedUser, summary: Message, desk: Supergroup, amount: str
) -> Message:
    """Refund buyer under the summary, the question in the topic, the Confirm tap;
    returns what the topic is told."""
    thread = summary["message_thread_id"]
    await staff.press(REFUND, message=summary, chat=desk)
    assert await staff.wait_callback_answer() is None
    asked = await desk.wait_message(thread_id=thread)
    assert f"refund {amount} to the buyer, Alex?" in asked["text"], asked["text"]
    assert buttons(asked) == [confirm_label(amount), CANCEL]
    await staff.press(confirm_label(amount), message=asked, chat=desk)
    assert await staff.wait_callback_answer() == "Decision recorded"
    return await desk.wait_message(thread_id=thread)


@pytest.fixture
async def appeals(
    app: App,
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
    desk: Supergroup,
    anna: ScriptedUser,
) -> Appeals:
    shop = Shop(bot, emulator, uow_factory, clock, settings)
    shop.order_id = await delivered_order(uow_factory, clock)
    shop.buyer = emulator.user(BUYER, "Alex")
    await link(shop.buyer)
    shop.buyer_user = await chat_user_id(uow_factory, BUYER)
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(shop.order_id)
        assert order is not None
        shop.items = {i.product_name: i.id for i in order.items}
    sellers = SellerService(uow_factory, clock, LinkSigner(await app.link_secret()))
    shop.seller = await join(emulator, await sellers.invite("acme"), SELLER, "Sam")
    return Appeals(shop, desk, anna)


async def test_appeal_opens_a_ticket_with_the_claim_and_its_photos(
    appeals: Appeals, desk: Supergroup, emulator: TelegramEmulator
) -> None:
    claim, summary = await appeals.appealed(photos=2)

    assert (await claim_row(appeals.uow_factory, claim.id)).status == "APPEALED"
    thread = summary["message_thread_id"]
    assert title(desk, thread) == f"#1 · Alex · {NUMBER}"
    text = summary["text"]
    assert "Ticket #1" in text and "Buyer: Alex" in text
    assert "Why: appeal of a rejected claim" in text
    assert f"Claim {claim.number} on order {NUMBER}: Under review by our support team" in text
    assert "Refund only (keep the item)" in text and "$25.00, 2 photos" in text
    assert "The buyer appeals the seller's rejection" in text
    assert buttons(summary) == [UPHOLD, REFUND, ASSIGN, CLOSE]
    # The claim's photos follow the summary in the topic, the pictures the buyer sent.
    album = [await desk.wait_message(thread_id=thread) for _ in range(2)]
    sent = [emulator.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert all(map(same_picture, sent, [photo_jpeg("mug-0"), photo_jpeg("mug-1")]))


@pytest.mark.parametrize(
    ("refunded_before", "refund"), [(None, Decimal("25.00")), (Decimal("20.00"), Decimal("17.99"))]
)
async def test_refund_buyer_refunds_the_claim_once_with_staff_as_issuer(
    appeals: Appeals,
    desk: Supergroup,
    anna: ScriptedUser,
    refunded_before: Decimal | None,
    refund: Decimal,
) -> None:
    claim, summary = await appeals.appealed()
    thread = summary["message_thread_id"]
    if refunded_before is not None:
        # Meanwhile the shop refunded part of the order ($37.99 paid): $17.99 remains.
        await issue_refund(
            appeals.uow_factory,
            order_id=appeals.shop.order_id,
            amount=refunded_before,
            issuer_kind=ActorKind.SELLER,
            issuer_id=None,
            reason="goodwill",
            idempotency_key="goodwill-1",
            now=appeals.clock.now(),
        )
    before = await ledger(appeals.uow_factory)

    said = await refund_confirmed(anna, summary, desk, f"${refund}")
    assert f"Anna refunded ${refund} on {claim.number}. The buyer was told." in said["text"]

    anna_user = await chat_user_id(appeals.uow_factory, ANNA)
    assert await ledger(appeals.uow_factory) == [*before, (claim.id, refund, "staff", anna_user)]
    assert (await claim_row(appeals.uow_factory, claim.id)).status == "REFUNDED"
    told = await buyer_is_told(appeals.shop)
    assert f"{claim.number} is resolved with a refund of ${refund}" in told["text"]
    # The verdict buttons are gone from the summary; the ticket's own stay.
    await appeals.shop.emulator.wait_until(
        lambda: buttons(desk.messages(thread_id=thread)[0]) == [ASSIGN, CLOSE]
    )

    # Pressing again (a stale screen, a colleague at the same moment) decides nothing.
    notifications = await count(appeals.uow_factory, OutboxMessage)
    await anna.press_forged(f"av:r:{claim.id}", message=summary, chat=desk)
    assert await anna.wait_callback_answer() == "This appeal was already decided by Anna."
    await anna.press_forged(f"av:u:{claim.id}", message=summary, chat=desk)
    assert await anna.wait_callback_answer() == "This appeal was already decided by Anna."
    assert await ledger(appeals.uow_factory) == [*before, (claim.id, refund, "staff", anna_user)]
    assert (await claim_row(appeals.uow_factory, claim.id)).status == "REFUNDED"
    assert await count(appeals.uow_factory, OutboxMessage) == notifications
    await appeals.shop.bot.flush_outbox()
    assert appeals.buyer.messages[-1]["message_id"] == told["message_id"]  # told once


async def test_uphold_seller_closes_the_claim_without_a_refund(
    appeals: Appeals, desk: Supergroup, anna: ScriptedUser
) -> None:
    claim, summary = await appeals.appealed()
    thread = summary["message_thread_id"]

    await anna.press(UPHOLD, message=summary, chat=desk)
    assert await anna.wait_callback_answer() == "Decision recorded"
    said = await desk.wait_message(thread_id=thread)
    assert f"Anna upheld the seller's decision on {claim.number}" in said["text"]

    assert (await claim_row(appeals.uow_factory, claim.id)).status == "CLOSED"
    assert await ledger(appeals.uow_factory) == []
    told = await buyer_is_told(appeals.shop)
    assert f"Your return request {claim.number} is closed" in told["text"]
    await anna.press_forged(f"av:r:{claim.id}", message=summary, chat=desk)
    assert await anna.wait_callback_answer() == "This appeal was already decided by Anna."
    assert await ledger(appeals.uow_factory) == []


async def test_refund_buyer_asks_first_and_only_the_asker_confirms_once(
    appeals: Appeals, desk: Supergroup, anna: ScriptedUser, emulator: TelegramEmulator
) -> None:
    claim, summary = await appeals.appealed()
    thread = summary["message_thread_id"]
    ben = emulator.user(BEN)

    await anna.press(REFUND, message=summary, chat=desk)
    assert await anna.wait_callback_answer() is None
    asked = await desk.wait_message(thread_id=thread)
    text = asked["text"]
    assert f"Grant the appeal on {claim.number} and refund $25.00 to the buyer, Alex?" in text
    assert f"Order: {NUMBER}" in text and "after this: $12.99" in text
    data = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # Staff typing in the topic meanwhile still talk to the buyer.
    await anna.send("Looking at your appeal now.", chat=desk, thread_id=thread)
    assert (await appeals.buyer.wait_message())["text"] == "Anna:\nLooking at your appeal now."
    # Ben pressing Anna's Confirm (or forged data) changes nothing: it is not his.
    await ben.press(confirm_label("$25.00"), message=asked, chat=desk)
    assert (await ben.wait_callback_answer() or "").startswith("This confirmation is no longer")
    await anna.press_forged(data.rsplit(":", 1)[0] + ":2500.00", message=asked, chat=desk)
    assert (await anna.wait_callback_answer() or "").startswith("This confirmation is no longer")
    # Cancel: nothing paid, the verdict buttons stay.
    await anna.press(CANCEL, message=asked, chat=desk)
    await anna.wait_callback_answer()
    await emulator.wait_until(
        lambda: (
            "Nothing was paid" in desk.messages(thread_id=thread)[-1]["text"]
            or any("Nothing was paid" in m["text"] for m in desk.messages(thread_id=thread))
        )
    )
    assert await ledger(appeals.uow_factory) == []
    assert (await claim_row(appeals.uow_factory, claim.id)).status == "APPEALED"
    assert buttons(desk.messages(thread_id=thread)[0]) == [UPHOLD, REFUND, ASSIGN, CLOSE]

    await anna.press(REFUND, message=summary, chat=desk)
    await anna.wait_callback_answer()
    asked = await desk.wait_message(thread_id=thread)
    data = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await anna.press(confirm_label("$25.00"), message=asked, chat=desk)
    assert await anna.wait_callback_answer() == "Decision recorded"
    said = await desk.wait_message(thread_id=thread)
    assert f"Anna refunded $25.00 on {claim.number}" in said["text"]
    # Confirmed twice (a stale screen, a double tap): paid once.
    await anna.press_forged(data, message=asked, chat=desk)
    assert (await anna.wait_callback_answer() or "").startswith("This confirmation is no longer")
    # A colleague a moment later learns who decided.
    await ben.press_forged(f"av:r:{claim.id}", message=summary, chat=desk)
    assert await ben.wait_callback_answer() == "This appeal was already decided by Anna."
    anna_user = await chat_user_id(appeals.uow_factory, ANNA)
    assert await ledger(appeals.uow_factory) == [(claim.id, Decimal("25.00"), "staff", anna_user)]


async def test_an_appeal_after_the_window_is_refused_and_changes_nothing(
    appeals: Appeals, desk: Supergroup
) -> None:
    claim, told = await appeals.rejected()
    appeal_by = (await claim_row(appeals.uow_factory, claim.id)).appeal_by
    assert appeal_by is not None
    appeals.clock.set(appeal_by.replace(tzinfo=UTC) + timedelta(minutes=1))

    await appeals.buyer.press(APPEAL, message=told)
    await appeals.buyer.wait_callback_answer()
    refused = await appeals.buyer.wait_message()
    assert "can't be appealed any more: the appeal window has ended" in refused["text"]

    assert (await claim_row(appeals.uow_factory, claim.id)).status == "REJECTED"
    assert await tickets(appeals.uow_factory) == []
    assert desk.topics == {} and texts(desk) == []


async def test_a_forged_appeal_from_another_buyer_changes_nothing(
    appeals: Appeals, desk: Supergroup, emulator: TelegramEmulator
) -> None:
    claim, _told = await appeals.rejected()
    bea = emulator.user(OTHER_BUYER, "Bea")
    await bea.send("/start")
    await bea.wait_message()

    await bea.press_forged(f"ap:{claim.id}")
    assert EXPIRED in (await bea.wait_callback_answer() or "")

    stored = await claim_row(appeals.uow_factory, claim.id)
    assert (stored.status, stored.appeal_by is not None) == ("REJECTED", True)
    assert await tickets(appeals.uow_factory) == []
    assert desk.topics == {} and texts(desk) == []
    assert len(bea.messages) == 1  # the greeting only


async def test_an_appeal_joining_an_open_ticket_still_reaches_staff_with_the_verdicts(
    appeals: Appeals, desk: Supergroup, anna: ScriptedUser
) -> None:
    summary = await ask_for_a_person(appeals.buyer, desk)
    thread = summary["message_thread_id"]
    claim, told = await appeals.rejected()

    await appeals.buyer.press(APPEAL, message=told)
    await appeals.buyer.wait_callback_answer()
    sent = await appeals.buyer.wait_message()
    assert f"Your appeal of {claim.number} went to our support team (ticket #1)" in sent["text"]
    assert (await claim_row(appeals.uow_factory, claim.id)).status == "APPEALED"
    shown = await desk.wait_message(thread_id=thread)
    assert claim.number in shown["text"] and "appeals" in shown["text"]
    assert buttons(shown)[:2] == [UPHOLD, REFUND]
    assert len(desk.topics) == 1

    said = await refund_confirmed(anna, shown, desk, "$25.00")
    assert "Anna refunded $25.00" in said["text"]
    assert (await claim_row(appeals.uow_factory, claim.id)).status == "REFUNDED"


# ------------------------------------------------------------------ sellers asking for help


async def test_a_seller_asks_for_help_on_a_claim_and_talks_with_staff(
    app: App,
    appeals: Appeals,
    desk: Supergroup,
    anna: ScriptedUser,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    sam = appeals.shop.seller
    claim = await appeals.shop.claim({"Tea towel": 1}, note="Wrong colour")
    card = await open_card(sam, claim)
    assert SELLER_HELP in buttons(card)

    await sam.press(SELLER_HELP, message=card)
    assert await sam.wait_callback_answer() is None
    assert "passed our conversation to a person (ticket #1)" in (await sam.wait_message())["text"]
    summary = await desk.wait_message()
    thread = summary["message_thread_id"]
    assert title(desk, thread) == f"#1 · Sam · {NUMBER}"
    text = summary["text"]
    assert f"Seller: Sam (—, id {SELLER})" in text
    assert "Why: the seller asks for help with a claim" in text
    assert f"Claim {claim.number} on order {NUMBER}: Waiting for the seller" in text
    assert "Buyer's note: Wrong colour" in text

    await sam.send("The buyer keeps changing their story. What can I do?")
    copied = await desk.wait_message(thread_id=thread)
    assert copied["text"] == "The buyer keeps changing their story. What can I do?"
    await anna.send("Reject it with a note; we review appeals.", chat=desk, thread_id=thread)
    assert (await sam.wait_message())["text"] == (
        "Anna:\nReject it with a note; we review appeals."
    )
    assert (await claim_row(uow_factory, claim.id)).status == "REQUESTED"

    # Eve sells for another shop: a forged "help with that claim" opens nothing.
    await make_order(uow_factory, clock, number=OTHER_NUMBER, shop_code="other")
    sellers = SellerService(uow_factory, clock, LinkSigner(await app.link_secret()))
    eve = await join(emulator, await sellers.invite("other"), OTHER_SELLER, "Eve")
    topics, said = dict(desk.topics), texts(desk)
    await eve.press_forged(f"sh:{claim.id}")
    assert EXPIRED in (await eve.wait_callback_answer() or "")
    assert len(await tickets(uow_factory)) == 1
    assert desk.topics.keys() == topics.keys() and texts(desk) == said
    assert len(eve.messages) == 1  # the welcome only


# ------------------------------------------------------------------ first-response target


async def test_first_response_reminder_once_then_the_mark_goes_with_a_reply(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    thread = summary["message_thread_id"]
    assert title(desk, thread) == "#1 · Alex"
    await buyer.send("Hello? My parcel is late.")
    await desk.wait_message(thread_id=thread)
    await updates_handled(uow_factory)

    clock.advance(timedelta(minutes=14))
    assert bot.runner is not None
    assert await bot.runner.sla.run_once() == 0
    clock.advance(timedelta(minutes=2))
    assert await bot.runner.sla.run_once() == 1
    await bot.flush_outbox()
    reminder = await desk.wait_message(thread_id=thread)
    assert f"{SLA}: waiting 16 minutes. Assigned: unassigned." in reminder["text"]
    await emulator.wait_until(lambda: title(desk, thread) == "⏰ #1 · Alex")

    # Once per wait: running again sends nothing new.
    await outbox_settled(uow_factory)
    said = texts(desk, thread)
    clock.advance(timedelta(minutes=10))
    assert await bot.runner.sla.run_once() == 0
    assert await bot.flush_outbox() == 0
    assert texts(desk, thread) == said

    await anna.send("Sorry for the wait! Checking now.", chat=desk, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna:\nSorry for the wait! Checking now."
    await emulator.wait_until(lambda: title(desk, thread) == "#1 · Alex")


async def test_first_response_target_counts_business_minutes_only(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    async with uow_factory() as uow:
        acme = await uow.shops.get_by_code("acme")
        assert acme is not None
        acme.settings = {**(acme.settings or {}), "business_hours": "Mon-Fri 09:00-18:00"}
        await uow.commit()
    clock.set(datetime(2026, 1, 15, 20, 0, tzinfo=UTC))  # Thursday evening

    await buyer.send("/human")
    told = (await buyer.wait_message())["text"]
    assert "Our team is away right now; they'll answer from Jan 16, 09:00" in told
    summary = await desk.wait_message()
    thread = summary["message_thread_id"]
    assert "Told the requester we answer from Jan 16, 09:00" in summary["text"]
    said = texts(desk, thread)

    assert bot.runner is not None
    for moment in (datetime(2026, 1, 15, 20, 16), datetime(2026, 1, 16, 9, 14)):
        clock.set(moment.replace(tzinfo=UTC))
        assert await bot.runner.sla.run_once() == 0, moment
        await bot.flush_outbox()
        assert texts(desk, thread) == said, moment
        assert not title(desk, thread).startswith("⏰")

    clock.set(datetime(2026, 1, 16, 9, 16, tzinfo=UTC))  # 16 business minutes
    assert await bot.runner.sla.run_once() == 1
    await bot.flush_outbox()
    assert SLA in (await desk.wait_message(thread_id=thread))["text"]
    await emulator.wait_until(lambda: title(desk, thread).startswith("⏰ #1"))


# ------------------------------------------------------------------ /tickets and /transcript


async def test_tickets_lists_open_tickets_with_waiting_times_and_assignees(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    await anna.send("/tickets", chat=desk)
    assert (await desk.wait_message())["text"] == "No open tickets. 🎉"

    alex = await buyer_with_order(emulator, uow_factory, clock)
    bea = await buyer_with_order(emulator, uow_factory, clock, OTHER_BUYER, "Bea", OTHER_NUMBER)
    first = await ask_for_a_person(alex, desk)
    clock.advance(timedelta(minutes=3))
    await ask_for_a_person(bea, desk)
    await anna.press(ASSIGN, message=first, chat=desk)
    assert await anna.wait_callback_answer() == "Assigned to you"
    assert "Anna took this ticket" in (await desk.wait_message())["text"]
    clock.advance(timedelta(minutes=9))

    await anna.send("/tickets", chat=desk)
    listed = (await desk.wait_message())["text"].splitlines()
    assert listed == [
        "Open tickets (2)",
        "• #1 · Alex: waiting 12 minutes, Anna",
        "• #2 · Bea: waiting 9 minutes, unassigned",
    ]

    await anna.send("On it, Alex.", chat=desk, thread_id=first["message_thread_id"])
    await alex.wait_message()
    # The reply is recorded right after it reached Alex (delivery first): wait for that.
    for _ in range(100):
        async with uow_factory(readonly=True) as uow:
            if await uow.session.scalar(select(Ticket.waiting_since).where(Ticket.id == 1)) is None:
                break
        await asyncio.sleep(0.05)
    await anna.send("/tickets", chat=desk)
    listed = (await desk.wait_message())["text"].splitlines()
    assert listed[1] == "• #1 · Alex: answered, Anna"


async def test_transcript_is_a_text_file_of_everything_in_order(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)  # entry 1: opened
    thread = summary["message_thread_id"]
    clock.advance(timedelta(minutes=1))
    await anna.press(ASSIGN, message=summary, chat=desk)
    await anna.wait_callback_answer()
    await desk.wait_message(thread_id=thread)
    await buyer.send("My mug arrived broken")
    await desk.wait_message(thread_id=thread)
    await buyer.send_photo(caption="see the handle")
    await desk.wait_message(thread_id=thread)
    await recorded(uow_factory, 4)
    clock.advance(timedelta(minutes=2))
    await anna.send("Sorry! A new one ships today.", chat=desk, thread_id=thread)
    await buyer.wait_message()
    await anna.send("/note check stock before promising", chat=desk, thread_id=thread)
    assert "Internal note saved" in (await desk.wait_message(thread_id=thread))["text"]
    await buyer.send("Thanks!")
    await desk.wait_message(thread_id=thread)
    await recorded(uow_factory, 7)

    await anna.send("/transcript", chat=desk, thread_id=thread)
    sent = await desk.wait_message(thread_id=thread)
    assert sent["document"]["file_name"] == "ticket-1.txt"
    assert sent["caption"] == "Transcript of ticket #1 (7 entries)"
    lines = emulator.file_bytes(sent["document"]["file_id"]).decode().splitlines()
    # First what the summary showed (whole, one line each), then the ticket itself.
    before = lines.index("Last messages with the bot before the ticket:")
    after = lines.index("", before)
    assert lines[before + 1] == "[Jan 15, 12:00 UTC] them: /start"
    assert lines[after - 2] == "[Jan 15, 12:00 UTC] them: /human"
    assert lines[:before] + lines[after + 1 :] == [
        "Ticket #1: Alex, order —",
        "",
        "[Jan 15, 12:00 UTC] * Ticket opened (requested)",
        "[Jan 15, 12:01 UTC] * Assigned — Anna",
        "[Jan 15, 12:01 UTC] Requester Alex: My mug arrived broken",
        "[Jan 15, 12:01 UTC] Requester Alex: [photo] see the handle",
        "[Jan 15, 12:03 UTC] Staff Anna: Sorry! A new one ships today.",
        "[Jan 15, 12:03 UTC] Internal note by Anna: check stock before promising",
        "[Jan 15, 12:03 UTC] Requester Alex: Thanks!",
    ]
    assert not any("check stock" in (m.get("text") or "") for m in buyer.messages)


# ------------------------------------------------------------------ when things go wrong


async def test_a_deleted_topic_is_recreated_for_the_same_ticket(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    old = summary["message_thread_id"]
    await buyer.send("First question")
    await desk.wait_message(thread_id=old)
    await recorded(uow_factory, 2)
    await anna.send("First answer", chat=desk, thread_id=old)
    await buyer.wait_message()

    await desk.delete_topic(old, by=anna)
    await buyer.send("Are you still there?")
    fresh = await desk.wait_message()
    new = fresh["message_thread_id"]
    assert new != old and list(desk.topics) == [new]
    assert title(desk, new) == "#1 · Alex"
    assert "Ticket #1" in fresh["text"] and "Buyer: Alex" in fresh["text"]
    assert buttons(fresh) == [ASSIGN, CLOSE]
    copied = await desk.wait_message(thread_id=new)
    assert copied["text"] == "Are you still there?"
    await recorded(uow_factory, 5)
    assert "couldn't pass that message" not in (buyer.last_message or {}).get("text", "")
    expect_rejections(emulator, "Bad Request: message thread not found")
    [ticket] = await tickets(uow_factory)
    assert (ticket.id, ticket.topic_id, ticket.status) == (1, new, "open")

    await anna.send("Yes, here!", chat=desk, thread_id=new)
    assert (await buyer.wait_message())["text"] == "Anna:\nYes, here!"
    await anna.send("/transcript", chat=desk, thread_id=new)
    sent = await desk.wait_message(thread_id=new)
    lines = emulator.file_bytes(sent["document"]["file_id"]).decode().splitlines()
    assert lines[2] == "Last messages with the bot before the ticket:"
    ticket_lines = lines[lines.index("", 2) + 1 :]
    said = [line.split("] ", 1)[1] for line in ticket_lines]
    assert said == [
        "* Ticket opened (requested)",
        "Requester Alex: First question",
        "Staff Anna: First answer",
        "* Topic was deleted; a new one was opened",
        "Requester Alex: Are you still there?",
        "Staff Anna: Yes, here!",
    ]


async def test_a_buyer_who_blocked_the_bot_is_marked_and_staff_are_told(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    thread = summary["message_thread_id"]
    seen = len(buyer.messages)

    buyer.block_bot()
    await anna.send("Did the courier call you?", chat=desk, thread_id=thread)
    said = (await desk.wait_message(thread_id=thread))["text"]
    assert "Alex has blocked the bot: your message was not delivered" in said
    assert "The ticket stays open" in said
    expect_rejections(emulator, "Forbidden: bot was blocked by the user")

    async with uow_factory(readonly=True) as uow:
        user = await uow.session.scalar(select(ChatUser).where(ChatUser.external_id == BUYER))
        assert user is not None and user.unreachable
    [ticket] = await tickets(uow_factory)
    assert ticket.status == "open"
    assert len(buyer.messages) == seen


@pytest.mark.parametrize("group_kind", ["plain"])
async def test_a_group_without_topics_relays_by_replies(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    assert "message_thread_id" not in summary and desk.topics == {}
    assert buttons(summary) == [ASSIGN, CLOSE]

    await buyer.send("Where is it?")
    copied = await desk.wait_message()
    assert copied["text"] == "Where is it?"
    assert copied["reply_to_message"]["message_id"] == summary["message_id"]

    await anna.send("Checking, one moment.", chat=desk, reply_to=summary)
    assert (await buyer.wait_message())["text"] == "Anna:\nChecking, one moment."
    await anna.send("It is in your town.", chat=desk, reply_to=copied)
    assert (await buyer.wait_message())["text"] == "Anna:\nIt is in your town."

    # Staff talking among themselves: not a reply to a ticket message, nothing relayed.
    chatter = await emulator.user(BEN).send("Lunch at one?", chat=desk)
    await anna.send("Sure", chat=desk, reply_to=chatter)
    await anna.send("/note prefers a call", chat=desk, reply_to=copied)
    noted = await desk.wait_message()
    assert "Internal note saved" in noted["text"]
    await anna.send("/close", chat=desk)
    assert "Use this inside a ticket's topic" in (await desk.wait_message())["text"]
    assert [ticket.status for ticket in await tickets(uow_factory)] == ["open"]

    await anna.send("/close", chat=desk, reply_to=summary)
    closed = await buyer.wait_message()
    assert "Our team closed ticket #1" in closed["text"]
    assert "Closed by Anna" in (await desk.wait_message())["text"]
    assert [ticket.status for ticket in await tickets(uow_factory)] == ["closed"]
    relayed = [m["text"] for m in buyer.messages if m["text"].startswith("Anna:")]
    assert relayed == ["Anna:\nChecking, one moment.", "Anna:\nIt is in your town."]
    assert not any("prefers a call" in m["text"] for m in buyer.messages)
    assert emulator.calls("createForumTopic") == []


@pytest.mark.parametrize("group_kind", ["no_rights"])
async def test_without_the_right_to_manage_topics_the_bot_warns_and_relays_by_replies(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    warning = await desk.wait_message()
    assert NO_TOPIC_RIGHTS in warning["text"] and "Manage topics" in warning["text"]

    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    assert "message_thread_id" not in summary and desk.topics == {}
    await buyer.send("Hello?")
    copied = await desk.wait_message()
    assert copied["text"] == "Hello?"
    assert copied["reply_to_message"]["message_id"] == summary["message_id"]
    await anna.send("Hi Alex!", chat=desk, reply_to=copied)
    assert (await buyer.wait_message())["text"] == "Anna:\nHi Alex!"
    assert emulator.calls("createForumTopic") == []


async def test_the_warning_about_topic_rights_is_logged_at_start(
    app: App,
    emulator: TelegramEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.supergroup(STAFF_CHAT, "Support", forum=True, bot_can_manage_topics=False)
    process = BotProcess(app, emulator)
    with caplog.at_level(logging.INFO):
        await process.start()
        await process.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("may not manage topics in the staff chat" in e for e in errors), errors


# ------------------------------------------------------------------ only staff


async def test_people_outside_the_staff_chat_are_refused_and_change_nothing(
    appeals: Appeals,
    desk: Supergroup,
    anna: ScriptedUser,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
) -> None:
    claim, summary = await appeals.appealed()
    thread = summary["message_thread_id"]
    mallory = emulator.user(MALLORY)
    before = await desk_state(uow_factory)
    said = texts(desk, thread)

    for data in ("tk:a:1", "tk:c:1", f"av:r:{claim.id}", f"av:u:{claim.id}"):

        async def press(data: str = data) -> None:
            await mallory.press_forged(data, message=summary, chat=desk)

        await from_outsider(desk, mallory, "left", press)
        assert await mallory.wait_callback_answer() == NOT_STAFF, data
    assert await desk_state(uow_factory) == before
    assert (await claim_row(uow_factory, claim.id)).status == "APPEALED"
    assert texts(desk, thread) == said
    assert buttons(desk.messages(thread_id=thread)[0]) == [UPHOLD, REFUND, ASSIGN, CLOSE]

    # Staff commands in a private chat, from the buyer whose ticket it is.
    buyer = appeals.buyer
    for command in ("/tickets", "/close", "/note the seller is right", "/transcript"):
        await buyer.send(command)
        assert STAFF_ONLY in (await buyer.wait_message())["text"], command
    await appeals.shop.bot.flush_outbox()
    assert await desk_state(uow_factory) == before
    assert texts(desk, thread) == said


async def test_a_removed_staff_member_loses_access_after_a_minute(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    ben = emulator.user(BEN)
    await ben.send("/tickets", chat=desk)
    assert "Open tickets (1)" in (await desk.wait_message())["text"]

    desk.set_member(BEN, "left")  # removed from the group
    clock.advance(timedelta(seconds=61))
    before = await desk_state(uow_factory)

    async def tickets_command() -> None:
        await ben.send("/tickets", chat=desk)

    await from_outsider(desk, ben, "left", tickets_command)
    assert NOT_STAFF in (await desk.wait_message())["text"]

    async def assign() -> None:
        await ben.press_forged("tk:a:1", message=summary, chat=desk)

    await from_outsider(desk, ben, "left", assign)
    assert await ben.wait_callback_answer() == NOT_STAFF
    assert await desk_state(uow_factory) == before


# ------------------------------------------------------------------ python-telegram-bot


@pytest.mark.parametrize("framework", ["ptb"])
async def test_hand_over_with_python_telegram_bot(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,
    anna: ScriptedUser,
) -> None:
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    thread = summary["message_thread_id"]
    assert title(desk, thread) == "#1 · Alex"

    await buyer.send("Is my parcel lost?")
    assert (await desk.wait_message(thread_id=thread))["text"] == "Is my parcel lost?"
    photo = await buyer.send_photo(caption="the label")
    copied = await desk.wait_message(thread_id=thread)
    assert copied["photo"] == photo["photo"] and copied["caption"] == "the label"
    await anna.send("No, it arrives <b>tomorrow</b>.", chat=desk, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna:\nNo, it arrives <b>tomorrow</b>."

    await anna.send("/close", chat=desk, thread_id=thread)
    closed = await buyer.wait_message()
    assert "Our team closed ticket #1" in closed["text"]
    assert buttons(closed)[0] == "⭐"
    await emulator.wait_until(lambda: desk.topics[thread].closed)
    assert title(desk, thread) == "✅ #1 · Alex"
    assert [ticket.status for ticket in await tickets(uow_factory)] == ["closed"]
