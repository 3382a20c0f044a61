"""The seller's and staff's side of a claim, in process (issue 13): a new request's
message carries the card's buttons, the card sends its photos once per chat, a partial
refund carries its reason and can be appealed, and an appeal's summary tells staff what
they decide on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OutboxStatus
from bot.services.outbox import Notification
from handlers.notifications import render
from handlers.types import SendPhotos, SendText
from storage.models import OutboxMessage
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness, Person, plain
from tests.unit.test_seller_claims import (
    Bought,
    bought,
    buyer_updates,
    file_claim,
    load_claim,
    make_seller,
    refunds,
    rendered,
)

SELLER_EXT = 3001  # harness.seller()'s user id
NUMBER = "578000000000000001"


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Bought:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return await bought(uow_factory, clock, number=NUMBER)


async def seller_news(uow_factory: UnitOfWorkFactory, kind: str) -> list[Any]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == SELLER_EXT)
        )
        return [r for r in rows if r.payload["kind"] == kind]


def albums(person: Person) -> int:
    return sum(1 for a in person.last if isinstance(a, SendPhotos))


# ------------------------------------------------------- new request: buttons


async def test_a_new_request_message_has_open_approve_and_reject(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    async with uow_factory() as uow:  # deadlines read in the shop's own time
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        shop.timezone = "America/New_York"
        await uow.commit()
    claim = await file_claim(harness.services.returns, b, photos=2)
    [row] = await seller_news(uow_factory, "claim_new")
    assert row.payload["params"]["timezone"] == "America/New_York"  # the shop's
    text, album = render(Notification.load(SELLER_EXT, "claim_new", row.payload["params"]))
    assert isinstance(text, SendText) and "Please answer by <b>Jan 17, 07:00 EST</b>" in text.text
    assert isinstance(text, SendText) and isinstance(album, SendPhotos)
    assert text.keyboard is not None
    labels = {b.text: b.data for r in text.keyboard.rows for b in r}
    assert labels == {
        "📋 Open": f"q:{claim.id}",
        "✅ Approve": f"qa:{claim.id}",
        "✖ Reject": f"qr:{claim.id}",
    }
    # Approve from the message still asks before any money moves.
    seller = harness.seller()
    await seller.press(f"qa:{claim.id}")
    assert "Nothing is paid until you confirm" in seller.said
    assert await refunds(uow_factory) == []
    await seller.tap("Confirm")
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED
    assert len(await refunds(uow_factory)) == 1


async def test_a_replacement_or_a_parcel_that_never_came_reads_right_for_the_seller(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(
        harness.services.returns,
        b,
        type=ClaimType.REPLACEMENT,
        reason=ClaimReason.DEFECTIVE,
        photos=1,
    )
    [row] = await seller_news(uow_factory, "claim_new")
    text = render(Notification.load(SELLER_EXT, "claim_new", row.payload["params"]))[0]
    assert isinstance(text, SendText)
    assert "Replacement requested: send a new one, no refund asked" in plain(text.text)
    assert "$0.00" not in text.text and "Refund requested" not in text.text
    seller = harness.seller()
    await seller.press(f"q:{claim.id}")
    assert "Replacement requested" in seller.said and "$0.00" not in seller.said

    never_came = {**row.payload["params"], "type": "REFUND", "reason": "NOT_RECEIVED"}
    text = render(Notification.load(SELLER_EXT, "claim_new", never_came))[0]
    assert isinstance(text, SendText)
    assert "Refund (the parcel never arrived)" in plain(text.text)
    assert "keep the item" not in text.text and "nothing comes back" in text.text


async def test_the_buyers_answer_and_return_parcel_come_with_an_open_button(
    harness: Harness, b: Bought
) -> None:
    for kind, extra in (
        ("claim_info", {"text": "Here it is", "photos": []}),
        ("claim_shipped", {"carrier": "UPS", "tracking": "1Z999AA10123456784"}),
    ):
        params = {"claim_id": 7, "claim_number": "C-7", **extra}
        [message] = render(Notification.load(SELLER_EXT, kind, params))
        assert isinstance(message, SendText) and message.keyboard is not None
        assert [(b.text, b.data) for r in message.keyboard.rows for b in r] == [("📋 Open", "q:7")]


# ------------------------------------------------------- photos once per chat


async def test_the_card_sends_the_photos_once_then_on_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b, photos=3)
    async with uow_factory() as uow:  # the new request's album never reached this chat
        await uow.session.execute(update(OutboxMessage).values(status=OutboxStatus.FAILED))
        await uow.commit()
    seller = harness.seller()
    await seller.press(f"q:{claim.id}")
    assert albums(seller) == 1
    assert f"Return request {claim.number}" in seller.said
    await seller.press(f"q:{claim.id}")
    assert albums(seller) == 0 and f"Return request {claim.number}" in seller.said
    await seller.say("/claims")
    await seller.press(f"q:{claim.id}")
    assert albums(seller) == 0
    await seller.tap("Show 3 photos")
    [album] = [a for a in seller.last if isinstance(a, SendPhotos)]
    assert len(album.photos) == 3
    await seller.tap("Show 3 photos")  # as often as asked
    assert albums(seller) == 1


async def test_a_chat_that_got_the_new_request_album_is_not_sent_it_again(
    harness: Harness, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b, photos=1)
    seller = harness.seller()
    await seller.press(f"q:{claim.id}")
    assert albums(seller) == 0
    await seller.tap("Show the photo")
    assert albums(seller) == 1


async def test_show_photos_is_only_for_the_shops_sellers(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b, photos=1)
    stranger = harness.seller(3999, "Eve")
    await stranger.press(f"qph:{claim.id}")
    assert albums(stranger) == 0
    assert stranger.alerts and "sellers only" in stranger.alerts[0]


async def test_a_card_without_photos_has_no_photo_button(harness: Harness, b: Bought) -> None:
    claim = await file_claim(harness.services.returns, b)
    seller = harness.seller()
    await seller.press(f"q:{claim.id}")
    assert not any("photo" in x.text.lower() for x in seller.buttons())
    assert albums(seller) == 0


# ------------------------------------------------- partial refund: reason, appeal


async def partial_by_button(harness: Harness, claim_id: int, amount: str = "5") -> Person:
    seller = harness.seller()
    await seller.press(f"qp:{claim_id}")
    await seller.say(amount)
    assert "Why refund $5.00 instead of the $12.50 asked for" in seller.said
    assert await seller.step() == "seller.partial.reason"
    return seller


async def test_a_partial_refund_asks_why_and_the_buyer_can_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)  # one mug: $12.50
    seller = await partial_by_button(harness, claim.id)
    await seller.tap("Item used or damaged by the buyer")
    assert "Reason the buyer reads: Item used or damaged by the buyer" in seller.said
    assert await refunds(uow_factory) == []  # nothing before Confirm
    await seller.tap("Confirm")
    assert "$5.00 refunded for" in seller.said and "may appeal" in seller.said
    await seller.press(f"q:{claim.id}")  # the card's history gives the reason in words
    assert "Item used or damaged by the buyer" in seller.said
    assert "used_by_buyer" not in seller.said

    [update] = await buyer_updates(uow_factory)
    told = rendered(update)
    said = plain(told.text)
    assert "refunded $5.00 of the $12.50 you asked for" in said
    assert "Reason: Item used or damaged by the buyer" in said
    assert "appeal to our support team until" in said
    assert told.keyboard is not None
    assert [(x.text, x.data) for r in told.keyboard.rows for x in r] == [
        ("⚖️ Appeal to support", f"ap:{claim.id}")
    ]

    # The buyer's request card offers the appeal too, not only the message.
    buyer = harness.buyer(1001)
    await buyer.press(f"cl:{claim.id}")
    assert "⚖️ Appeal to support" in [x.text for x in buyer.buttons()]
    # The buyer appeals; staff's "Refund buyer" pays what remains of the claim.
    await buyer.press(f"ap:{claim.id}")
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.APPEALED
    kim = harness.staff(thread_id=next(iter(harness.desk.topics)))
    await kim.press(f"av:r:{claim.id}")
    assert f"Grant the appeal on {claim.number} and refund $7.50" in kim.said
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]
    await kim.tap("Confirm")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00"), Decimal("7.50")]
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED


async def test_a_typed_reason_reaches_the_buyer_in_the_sellers_words(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    seller = await partial_by_button(harness, claim.id)
    await seller.say("ok")  # not a reason: the step asks again, with its buttons
    assert "why you refund less than was asked" in seller.said
    assert await seller.step() == "seller.partial.reason"
    await seller.say("The lid was missing from the box")
    await seller.tap("Confirm")
    [update] = await buyer_updates(uow_factory)
    assert "Reason: The lid was missing from the box" in plain(rendered(update).text)


async def test_the_history_of_a_partial_refund_shows_the_amount_and_the_reason(
    harness: Harness, b: Bought
) -> None:
    """The tester's card read "Refunded (you): box was opened", the amount lost."""
    claim = await file_claim(harness.services.returns, b)
    seller = await partial_by_button(harness, claim.id)
    await seller.say("box was opened")
    await seller.tap("Confirm")
    await seller.press(f"q:{claim.id}")
    assert "Refunded (you): partial refund of $5.00 — box was opened" in seller.said
    buyer = harness.buyer(1001)
    await buyer.press(f"cl:{claim.id}")
    assert "partial refund of $5.00 — box was opened" in buyer.said


async def test_the_whole_amount_through_partial_needs_no_reason_nor_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    seller = harness.seller()
    await seller.press(f"qp:{claim.id}")
    await seller.say("12.50")
    assert "Why refund" not in seller.said
    await seller.tap("Confirm")
    [update] = await buyer_updates(uow_factory)
    told = rendered(update)
    assert "Good news" in plain(told.text)
    assert told.keyboard is not None and "ap:" not in str(told.keyboard)


async def test_a_partial_refund_cannot_be_appealed_after_the_window(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    seller = await partial_by_button(harness, claim.id)
    await seller.tap("Item is as described")
    await seller.tap("Confirm")
    clock.advance(timedelta(hours=49))
    buyer = harness.buyer(1001)
    await buyer.press(f"ap:{claim.id}")
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED
    assert harness.desk.topics == {}


# ------------------------------------------------------- the appeal's summary


async def seller_id(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        user = await uow.chat_users.get_by_external("telegram", SELLER_EXT)
        assert user is not None
        return user.id


def summary_in(harness: Harness) -> str:
    """The last ticket summary posted in the staff chat, as staff read it."""
    posted = [
        plain(a.text) for a in harness.desk.sent if isinstance(a, SendText) and "Ticket #" in a.text
    ]
    assert posted, "no summary was posted"
    return posted[-1]


async def test_an_appeal_summary_shows_the_rejection_the_messages_and_the_timeline(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    services = harness.services
    claim = await file_claim(services.returns, b)
    sam = await seller_id(uow_factory)
    await services.seller_claims.ask_info(sam, claim.id, "Is the crack on the handle?")
    await services.returns.answer_info(b.buyer, claim.id, "Yes, right at the handle", [])
    await services.seller_claims.reject(sam, claim.id, "used_by_buyer", "Coffee stains inside")
    buyer = harness.buyer(1001)
    await buyer.press(f"ap:{claim.id}")

    said = summary_in(harness)
    assert "Why: appeal of a rejected claim" in said
    assert "Seller's rejection: Item used or damaged by the buyer" in said
    assert "Seller's note: Coffee stains inside" in said
    assert "seller asked: Is the crack on the handle?" in said
    assert "buyer answered: Yes, right at the handle" in said
    assert "Claim timeline" in said
    timeline = said.split("Claim timeline")[1]
    for event in (
        "Waiting for the seller (buyer)",
        "Seller asked the buyer a question (seller)",
        "Rejected by the seller (seller)",
        "Appealed to support (buyer)",
    ):
        assert event in timeline


async def test_an_appeal_joining_an_open_ticket_says_why_is_the_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    services = harness.services
    claim = await file_claim(services.returns, b)
    seller = harness.seller()
    await seller.press(f"qp:{claim.id}")
    await seller.say("5")
    await seller.say("The lid was missing from the box")
    await seller.tap("Confirm")
    buyer = harness.buyer(1001)
    await buyer.say("/human")  # a ticket for something else first
    assert "Why: asked for a person" in summary_in(harness)
    await buyer.press(f"ap:{claim.id}")

    said = summary_in(harness)
    why = "Why: appeal of a partial refund (the ticket was opened earlier: asked for a person)"
    assert why in said
    assert "Seller's partial refund: $5.00 of $12.50" in said
    assert "Seller's reason: The lid was missing from the box" in said
    assert "Refund buyer pays the remaining $7.50" in said


async def test_upholding_a_partial_refund_keeps_it_and_pays_nothing_more(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    seller = await partial_by_button(harness, claim.id)
    await seller.tap("Item is as described")
    await seller.tap("Confirm")
    buyer = harness.buyer(1001)
    await buyer.press(f"ap:{claim.id}")
    kim = harness.staff(thread_id=next(iter(harness.desk.topics)))
    await kim.press(f"av:u:{claim.id}")
    assert f"upheld the seller's decision on {claim.number}" in kim.said
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.CLOSED
    await buyer.press(f"ap:{claim.id}")  # decided: no second appeal
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.CLOSED
