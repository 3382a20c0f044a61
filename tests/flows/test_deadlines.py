"""The after-sales clock, in process: the fake clock moves, the bot's deadline job runs
(the job the running bot starts), the outbox sends what it queued, and the seller and
buyer read what they would see.  (Moved from tests/e2e: none of it depends on the
framework; the outbox's delivery through aiogram and python-telegram-bot is tested in
tests/e2e/test_delivery.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from bot.clock import FakeClock
from bot.domain.enums import ClaimType
from bot.services.deadlines import DeadlineJob, DeadlineReport
from bot.services.returns import ClaimView
from storage.models import Claim, Refund, ReplyOutbox
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness, Person, alert, shown
from tests.unit.test_seller_claims import UPS, Bought, bought, file_claim, make_seller

SELLER_EXT = 3001  # harness.seller()'s user id
APPROVE, REJECT, ASK, PARTIAL = "✅ Approve", "✖ Reject", "💬 Ask for info", "💵 Partial refund"
HELP = "🆘 Ask platform support"
OPEN = "Open request"


class World:
    """A delivered acme order (mug 2 × 12.50, towel 3 × 8.00) of the buyer, acme's
    seller, and the deadline job on the harness's clock."""

    def __init__(self, harness: Harness, b: Bought, clock: FakeClock) -> None:
        self.harness = harness
        self.b = b
        self.clock = clock
        self.uow = harness.app.uow
        self.buyer = harness.buyer(1001)
        self.seller = harness.seller(SELLER_EXT)
        self.job = DeadlineJob(harness.app.uow, clock)

    async def claim(self, type: ClaimType = ClaimType.REFUND, line: int = 0) -> ClaimView:
        """One unit of the order's `line` claimed (the seller is told by the outbox)."""
        claim = await file_claim(
            self.harness.services.returns, self.b, {self.b.items[line]: 1}, type=type
        )
        await self.harness.flush()
        assert claim.number in "\n".join(self.seller.news)  # the new request
        return claim

    async def sent(self, person: Person) -> None:
        """The replies to what `person` just did go out now, as the channel sends them
        at once (the harness hands them back as `person.last` instead), so that what
        the outbox delivers later is only what the bot sends of its own accord (a sent
        reply's row is deleted, as `OutboxWorker.send_reply_now` does)."""
        async with self.uow() as uow:
            await uow.session.execute(
                delete(ReplyOutbox).where(ReplyOutbox.chat_id == person.chat_id)
            )
            await uow.commit()

    async def tick(self, by: timedelta) -> DeadlineReport:
        """Move the clock, let the deadline job run, and send what it queued."""
        self.clock.advance(by)
        report = await self.job.run_once()
        assert report.errors == []
        await self.harness.flush()
        return report

    async def status(self, claim_id: int) -> Claim:
        async with self.uow(readonly=True) as uow:
            claim = await uow.claims.get(claim_id)
            assert claim is not None
            return claim

    async def ledger(self) -> list[tuple[int | None, Decimal]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
            return [(r.claim_id, r.amount) for r in rows]


@pytest.fixture
async def world(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return World(harness, await bought(uow_factory, clock), clock)


def nothing_more(person: Person) -> None:
    assert person.news == [], person.last


async def open_request(w: World, person: Person, data: str) -> str:
    """Press an "Open request" button (its callback data): the card, with no alert."""
    await person.press(data)
    await w.sent(person)
    assert alert(person) is None
    return person.said


async def approved_return(w: World) -> ClaimView:
    """A return-and-refund claim of a towel the seller approves in the chat."""
    claim = await w.claim(ClaimType.RETURN_AND_REFUND, line=1)
    await w.seller.press(f"q:{claim.id}")
    await w.sent(w.seller)
    await w.seller.tap(APPROVE)
    await w.sent(w.seller)
    assert f"The buyer has until Jan 20, 12:00 UTC to send {claim.number} back" in w.seller.said, (
        w.seller.said
    )
    await w.harness.flush()
    assert f"{claim.number} is approved. Please send the item back by Jan 20" in "\n".join(
        w.buyer.news
    )
    return claim


async def test_seller_is_reminded_then_the_claim_is_approved_for_the_buyer(world: World) -> None:
    w = world
    claim = await w.claim()  # respond by Jan 17, 12:00 UTC

    report = await w.tick(timedelta(hours=23))  # 25 h left: too early to remind
    assert report.total == 0
    nothing_more(w.seller)

    report = await w.tick(timedelta(hours=2))  # 23 h left
    assert report.reminders == 1
    [reminder] = w.seller.news
    assert (
        f"Return request {claim.number} needs your answer within 24 hours "
        "(by Jan 17, 12:00 UTC); after that it is approved automatically."
    ) in reminder
    assert shown(w.seller) == [OPEN]
    on_reminder = w.seller.button(OPEN)
    card = await open_request(w, w.seller, on_reminder)
    assert f"Return request {claim.number} · Acme Store" in card
    assert "⏳ 23 hours" in card  # in words, not "23h"
    assert "left to respond (by Jan 17, 12:00 UTC)" in card
    assert shown(w.seller) == [APPROVE, REJECT, ASK, PARTIAL, HELP]

    # Another run (or a second worker) reminds nobody again.
    assert (await w.tick(timedelta(minutes=30))).total == 0
    nothing_more(w.seller)

    report = await w.tick(timedelta(hours=19))  # 3 h 30 min left
    assert report.reminders == 1
    [last_call] = w.seller.news
    assert f"{claim.number} needs your answer within 4 hours" in last_call

    report = await w.tick(timedelta(hours=3, minutes=31))  # past 48 h
    assert report.auto_approved == 1
    [told] = w.buyer.news
    assert f"return request {claim.number} is resolved with a refund of $12.50" in told
    assert shown(w.buyer) == [OPEN]
    assert await w.ledger() == [(claim.id, Decimal("12.50"))]
    assert (await w.status(claim.id)).status == "REFUNDED"
    nothing_more(w.seller)

    # The buyer's card tells the story; the seller's reminder button now shows it decided.
    buyer_card = await open_request(w, w.buyer, w.buyer.button(OPEN))
    assert "Status: Refunded" in buyer_card and "automatic" in buyer_card
    card = await open_request(w, w.seller, on_reminder)
    assert "Status: Refunded" in card and shown(w.seller) == []

    # Nothing more happens later.
    assert (await w.tick(timedelta(days=30))).total == 0
    assert await w.ledger() == [(claim.id, Decimal("12.50"))]
    nothing_more(w.buyer)


async def test_a_seller_who_answers_in_time_is_not_overruled(world: World) -> None:
    w = world
    claim = await w.claim()
    await w.tick(timedelta(hours=25))
    assert len(w.seller.news) == 1  # the reminder
    await open_request(w, w.seller, w.seller.button(OPEN))
    await w.seller.tap(REJECT)
    await w.seller.tap("Item is as described")
    assert "write a short note" in w.seller.said
    await w.seller.say("It matches the listing.")
    await w.sent(w.seller)
    assert f"Rejected {claim.number}" in w.seller.said
    await w.harness.flush()
    assert "was not accepted" in "\n".join(w.buyer.news)

    report = await w.tick(timedelta(hours=24))  # past the old response deadline
    assert report.auto_approved == 0
    assert (await w.status(claim.id)).status == "REJECTED"
    assert await w.ledger() == []
    nothing_more(w.buyer)
    nothing_more(w.seller)


async def test_return_not_sent_back_within_5_days_closes(world: World) -> None:
    w = world
    claim = await approved_return(w)

    assert (await w.tick(timedelta(days=4, hours=23))).total == 0
    nothing_more(w.buyer)

    report = await w.tick(timedelta(hours=1, minutes=1))
    assert report.closed_not_shipped == 1
    [told] = w.buyer.news
    assert (
        f"Your return request {claim.number} is closed: the item was not sent back in time." in told
    )
    assert shown(w.buyer) == [OPEN]
    assert (await w.status(claim.id)).status == "CLOSED"
    assert await w.ledger() == []
    card = await open_request(w, w.buyer, w.buyer.button(OPEN))
    assert "Status: Closed" in card
    assert "Enter return tracking" not in shown(w.buyer)


async def test_return_shipped_back_and_not_confirmed_within_8_days_is_refunded(
    world: World,
) -> None:
    w = world
    claim = await approved_return(w)
    w.clock.advance(timedelta(days=1))
    await w.harness.services.returns.ship_back(w.b.buyer, claim.id, "UPS", UPS)
    await w.harness.flush()
    [shipped] = w.seller.news
    assert f"The buyer shipped the return for {claim.number}: UPS {UPS}" in shipped

    # The 5-day ship-back window passes: the parcel is on its way, nothing closes.
    assert (await w.tick(timedelta(days=7, hours=23))).total == 0
    assert (await w.status(claim.id)).status == "BUYER_SHIPPED"
    nothing_more(w.buyer)

    report = await w.tick(timedelta(hours=1, minutes=1))
    assert report.auto_received == 1
    [told] = w.buyer.news  # one message, not "received" and "refunded"
    assert f"return request {claim.number} is resolved with a refund of $8.00" in told
    stored = await w.status(claim.id)
    assert stored.status == "REFUNDED"
    assert [e.to_status for e in stored.history][-2:] == ["RECEIVED", "REFUNDED"]
    assert await w.ledger() == [(claim.id, Decimal("8.00"))]

    # The seller's late "Confirm received" (a button on an old card) changes nothing.
    await w.seller.press(f"qc:{claim.id}")
    await w.sent(w.seller)
    assert f"Already decided: {claim.number} is now “Refunded”" in w.seller.said
    assert (await w.tick(timedelta(days=1))).total == 0
    assert await w.ledger() == [(claim.id, Decimal("8.00"))]
