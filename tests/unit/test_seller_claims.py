"""SellerClaimService on a real database: the queue, the card and every decision, what
money moves, what the buyer is told, and that nobody but the shop's sellers can do any
of it (whatever ids they send)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.carriers import TrackingNumberError
from bot.domain.enums import ActorKind, ClaimReason, ClaimStatus, ClaimType, RefundStatus
from bot.domain.errors import ClaimNotFound, InvalidTransition, NotAllowed
from bot.domain.history import coded
from bot.emulator import sample_jpeg
from bot.services.outbox import Notification
from bot.services.returns import ClaimDraft, ClaimView, ReturnService, new_token
from bot.services.seller_claims import BadAmount, SellerClaimService
from handlers.notifications import render
from handlers.types import SendText
from storage.media import MediaStore
from storage.models import (
    AuditEntry,
    Claim,
    ClaimEvent,
    OrderLink,
    OutboxMessage,
    Refund,
    Seller,
    Shop,
)
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_person, make_shop_seller

ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 3, "8.00"))  # 49.00 + 4.99 = 53.99
TOTAL_PAID = Decimal("53.99")
UPS = "1Z999AA10123456784"  # a valid UPS number (check digit included)
SELLER_EXT, OTHER_SELLER_EXT, BUYER_EXT, STRANGER_EXT = 9001, 9002, 1001, 1002


# ------------------------------------------------------------------ builders


async def chat_user(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, external_id: int, name: str = "Jane"
) -> int:
    return await make_person(uow_factory, clock, external_id, name)


# A chat user registered as a seller of the shop (what an accepted invite does).
make_seller = make_shop_seller


@dataclass
class Bought:
    """A buyer who proved a delivered order."""

    buyer: int
    order_id: int
    items: list[int]  # order item ids, by line


async def bought(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    number: str = "578000000000000001",
    shop_code: str = "acme",
    buyer_ext: int = BUYER_EXT,
    items: tuple[tuple[str, int, str], ...] = ITEMS,
    **order: Any,
) -> Bought:
    order_id = await make_order(
        uow_factory,
        clock,
        number=number,
        shop_code=shop_code,
        items=items,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        **order,
    )
    buyer = await chat_user(uow_factory, clock, buyer_ext)
    async with uow_factory() as uow:
        uow.session.add(
            OrderLink(chat_user_id=buyer, order_id=order_id, method="email", created_at=clock.now())
        )
        found = await uow.orders.get(order_id)
        assert found is not None
        ids = [i.id for i in sorted(found.items, key=lambda i: i.line_no)]
        await uow.commit()
    return Bought(buyer, order_id, ids)


_seeds = iter(range(1_000_000))


async def file_claim(
    returns: ReturnService,
    b: Bought,
    items: dict[int, int] | None = None,
    *,
    type: ClaimType = ClaimType.REFUND,
    reason: ClaimReason = ClaimReason.NO_LONGER_NEEDED,
    photos: int = 0,
    note: str | None = "Not what I hoped",
) -> ClaimView:
    drafts = []
    for _ in range(photos):
        n = next(_seeds)
        drafts.append(
            await returns.accept_photo(
                sample_jpeg(seed=f"seller-{n}"), file_id=f"file-{n}", file_unique_id=f"u-{n}"
            )
        )
    return await returns.submit(
        b.buyer,
        ClaimDraft(
            order_id=b.order_id,
            items=items if items is not None else {b.items[0]: 1},
            type=type,
            reason=reason,
            photos=tuple(drafts),
            note=note,
            token=new_token(),
        ),
    )


# ------------------------------------------------------------------ reading back


async def load_claim(uow_factory: UnitOfWorkFactory, claim_id: int) -> Claim:
    async with uow_factory(readonly=True) as uow:
        claim = await uow.claims.get(claim_id)
        assert claim is not None
        return claim


async def refunds(uow_factory: UnitOfWorkFactory) -> list[Refund]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(Refund).order_by(Refund.id)))


async def buyer_updates(uow_factory: UnitOfWorkFactory, chat_id: int = BUYER_EXT) -> list[Any]:
    """The claim_update notifications queued for the buyer, oldest first."""
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [r for r in rows if r.payload["kind"] == "claim_update"]


def rendered(row: OutboxMessage) -> SendText:
    """What the buyer will read: the outbox row rendered as the worker renders it."""
    [message] = render(Notification.load(row.chat_id, row.payload["kind"], row.payload["params"]))
    assert isinstance(message, SendText)
    return message


async def audit(uow_factory: UnitOfWorkFactory, entity: str = "claim") -> list[AuditEntry]:
    async with uow_factory(readonly=True) as uow:
        return list(
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
            )
        )


async def snapshot(uow_factory: UnitOfWorkFactory) -> dict[str, Any]:
    """Everything a decision could change."""
    async with uow_factory(readonly=True) as uow:
        claims = (await uow.session.scalars(select(Claim).order_by(Claim.id))).all()

        async def count(model: Any) -> int:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "claims": [
                (
                    c.id,
                    c.status,
                    c.version,
                    c.respond_by,
                    c.respond_paused_seconds,
                    c.ship_by,
                    c.appeal_by,
                    c.replacement_tracking_number,
                )
                for c in claims
            ],
            "events": await count(ClaimEvent),
            "refunds": [(r.claim_id, r.amount) for r in await refunds(uow_factory)],
            "outbox": await count(OutboxMessage),
            "audit": await count(AuditEntry),
        }


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def returns(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> ReturnService:
    return ReturnService(uow_factory, clock, MediaStore(tmp_path / "media"))


@pytest.fixture
def sellers(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> SellerClaimService:
    return SellerClaimService(uow_factory, clock, MediaStore(tmp_path / "media"))


@pytest.fixture
async def seller(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    return await make_seller(uow_factory, clock, SELLER_EXT)


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int) -> Bought:
    return await bought(uow_factory, clock)


# ------------------------------------------------------------------ approve


async def test_approve_refund_only_refunds_the_claimed_amount_once(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b, {b.items[0]: 1})
    assert claim.amount == Decimal("12.50")
    clock.advance(timedelta(hours=3))

    decision = await sellers.approve(seller, claim.id)

    assert (decision.status, decision.refunded, decision.currency) == (
        ClaimStatus.REFUNDED,
        Decimal("12.50"),
        "USD",
    )
    stored = await load_claim(uow_factory, claim.id)
    assert stored.status == ClaimStatus.REFUNDED and stored.respond_by is None
    assert [(e.to_status, e.actor_kind, e.actor_id, e.at) for e in stored.history[1:]] == [
        (ClaimStatus.APPROVED, ActorKind.SELLER, seller, clock.now()),
        (ClaimStatus.REFUNDED, ActorKind.SELLER, seller, clock.now()),
    ]
    [refund] = await refunds(uow_factory)
    assert (refund.order_id, refund.claim_id, refund.amount, refund.currency) == (
        b.order_id,
        claim.id,
        Decimal("12.50"),
        "USD",
    )
    assert (refund.status, refund.issuer_kind, refund.issuer_id) == (
        RefundStatus.PENDING,
        ActorKind.SELLER,
        seller,
    )
    [update] = await buyer_updates(uow_factory)
    assert update.payload["params"]["status"] == "REFUNDED"
    text = rendered(update).text
    assert claim.number in text and "refund of <b>$12.50</b>" in text
    assert [a.action for a in await audit(uow_factory)][-1] == "claim.refunded"
    assert [a.action for a in await audit(uow_factory, "refund")] == ["refund.recorded"]

    # A second tap finds it decided: no second refund, no second message.
    with pytest.raises(InvalidTransition):
        await sellers.approve(seller, claim.id)
    assert len(await refunds(uow_factory)) == 1 and len(await buyer_updates(uow_factory)) == 1


async def test_approve_return_then_buyer_ships_then_seller_confirms_and_refunds(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b, {b.items[1]: 2}, type=ClaimType.RETURN_AND_REFUND)
    assert claim.amount == Decimal("16.00")
    approved_at = clock.now()

    decision = await sellers.approve(seller, claim.id)

    assert decision.status == ClaimStatus.AWAITING_BUYER_SHIPMENT
    assert decision.ship_by == approved_at + timedelta(days=5) and decision.refunded is None
    stored = await load_claim(uow_factory, claim.id)
    assert stored.ship_by == approved_at + timedelta(days=5)
    assert await refunds(uow_factory) == []  # no money before the goods are back
    [update] = await buyer_updates(uow_factory)
    message = rendered(update)
    assert "send the item back by" in message.text
    assert message.keyboard is not None
    assert message.keyboard.rows[0][0].data == f"cs:{claim.id}"
    # Nothing to confirm yet, and no second approval.
    for early in (sellers.confirm_received, sellers.approve):
        with pytest.raises(InvalidTransition):
            await early(seller, claim.id)

    clock.advance(timedelta(days=2))
    await returns.ship_back(b.buyer, claim.id, "UPS", UPS)
    [entry] = await sellers.queue(seller)
    assert entry.status == ClaimStatus.BUYER_SHIPPED
    assert entry.deadline == clock.now() + timedelta(days=8)  # the receive-by date

    clock.advance(timedelta(days=3))
    received = await sellers.confirm_received(seller, claim.id)

    assert (received.status, received.refunded) == (ClaimStatus.REFUNDED, Decimal("16.00"))
    [refund] = await refunds(uow_factory)
    assert (refund.claim_id, refund.amount) == (claim.id, Decimal("16.00"))
    stored = await load_claim(uow_factory, claim.id)
    assert [e.to_status for e in stored.history] == [
        "REQUESTED",
        "APPROVED",
        "AWAITING_BUYER_SHIPMENT",
        "BUYER_SHIPPED",
        "RECEIVED",
        "REFUNDED",
    ]
    last = (await buyer_updates(uow_factory))[-1]
    assert "refund of <b>$16.00</b>" in rendered(last).text
    assert await sellers.queue(seller) == []  # done: off the queue


async def test_shop_policy_sets_the_ship_back_and_appeal_windows(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    async with uow_factory() as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        shop.settings = {"buyer_ship_back_days": 7, "appeal_hours": 24}
        await uow.commit()
    claim = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    decision = await sellers.approve(seller, claim.id)
    assert decision.ship_by == clock.now() + timedelta(days=7)
    other = await file_claim(returns, b, {b.items[1]: 1})
    rejected = await sellers.reject(seller, other.id, "outside_policy", "Opened and used.")
    assert rejected.appeal_by == clock.now() + timedelta(hours=24)
    assert (await load_claim(uow_factory, other.id)).appeal_by == rejected.appeal_by


async def test_replacement_approved_then_marked_replaced_with_valid_tracking_only(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b, type=ClaimType.REPLACEMENT)
    assert claim.amount == Decimal(0)
    with pytest.raises(InvalidTransition):  # approve first
        await sellers.mark_replaced(seller, claim.id, "UPS", UPS)

    decision = await sellers.approve(seller, claim.id)
    assert (decision.status, decision.refunded) == (ClaimStatus.APPROVED, None)
    assert "replacement request" in rendered((await buyer_updates(uow_factory))[-1]).text

    before = await snapshot(uow_factory)
    for carrier, number in (("UPS", UPS[:-1] + "5"), ("UPS", "hello"), ("Pigeon", "1"), ("", UPS)):
        with pytest.raises(TrackingNumberError):
            await sellers.mark_replaced(seller, claim.id, carrier, number)
    assert await snapshot(uow_factory) == before

    replaced = await sellers.mark_replaced(seller, claim.id, "ups", " 1z999aa1 0123 456784 ")
    assert replaced.status == ClaimStatus.REPLACED
    stored = await load_claim(uow_factory, claim.id)
    assert stored.replacement_tracking_number == f"UPS {UPS}"
    # A fact, not a sentence: the code and its parameters (rendered when read).
    assert (stored.history[-1].actor_kind, stored.history[-1].note) == (
        "seller",
        coded("shipped", carrier="UPS", tracking=UPS),
    )
    assert await refunds(uow_factory) == []
    text = rendered((await buyer_updates(uow_factory))[-1]).text
    assert "replacement" in text and f"UPS {UPS}" in text
    with pytest.raises(InvalidTransition):
        await sellers.mark_replaced(seller, claim.id, "UPS", UPS)


async def test_mark_replaced_refused_for_refund_claims(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    await sellers.approve(seller, claim.id)
    before = await snapshot(uow_factory)
    with pytest.raises(InvalidTransition):
        await sellers.mark_replaced(seller, claim.id, "UPS", UPS)
    assert await snapshot(uow_factory) == before


# ------------------------------------------------------------------ reject


async def test_reject_needs_a_known_reason_and_a_note(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    before = await snapshot(uow_factory)
    for reason, note in (
        ("because", "Looks fine to me"),
        ("", "Looks fine to me"),
        ("not_as_claimed", ""),
        ("not_as_claimed", "   \n "),
        ("not_as_claimed", "x" * 1001),
    ):
        with pytest.raises(InvalidTransition):
            await sellers.reject(seller, claim.id, reason, note)
    assert await snapshot(uow_factory) == before

    clock.advance(timedelta(hours=5))
    decision = await sellers.reject(
        seller, claim.id, "not_as_claimed", "  The mug in the photo is the one listed.  "
    )

    assert decision.status == ClaimStatus.REJECTED
    assert decision.appeal_by == clock.now() + timedelta(hours=48)
    stored = await load_claim(uow_factory, claim.id)
    assert stored.appeal_by == clock.now() + timedelta(hours=48)
    assert stored.respond_by is None
    last = stored.history[-1]
    assert (last.from_status, last.to_status, last.actor_kind, last.actor_id, last.at) == (
        "REQUESTED",
        "REJECTED",
        "seller",
        seller,
        clock.now(),
    )
    assert last.note == coded(
        "rejected", reason="not_as_claimed", text="The mug in the photo is the one listed."
    )
    [entry] = [a for a in await audit(uow_factory) if a.action == "claim.rejected"]
    assert (entry.actor_kind, entry.actor_id, entry.entity_id, entry.at) == (
        "seller",
        seller,
        str(claim.id),
        clock.now(),
    )
    assert await refunds(uow_factory) == []
    text = rendered((await buyer_updates(uow_factory))[-1]).text
    assert "not accepted" in text
    assert "Item is as described. The mug in the photo is the one listed." in text
    assert "appeal" in text
    for late in (sellers.approve, sellers.confirm_received):
        with pytest.raises(InvalidTransition):
            await late(seller, claim.id)
    with pytest.raises(InvalidTransition):
        await sellers.partial_refund(seller, claim.id, "1.00", reason="worn")


async def test_a_note_of_exactly_the_limit_is_accepted(
    sellers: SellerClaimService, returns: ReturnService, seller: int, b: Bought
) -> None:
    claim = await file_claim(returns, b)
    decision = await sellers.reject(seller, claim.id, "other", "y" * 1000)
    assert decision.status == ClaimStatus.REJECTED


# ------------------------------------------------------------------ ask for info


async def test_ask_info_pauses_the_clock_and_the_answer_gives_the_rest_back(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    assert claim.respond_by == clock.now() + timedelta(hours=48)
    for empty in ("", "   "):
        with pytest.raises(InvalidTransition):
            await sellers.ask_info(seller, claim.id, empty)

    clock.advance(timedelta(hours=10))
    decision = await sellers.ask_info(seller, claim.id, "  Can you send a photo of the base?  ")

    assert decision.status == ClaimStatus.NEEDS_INFO
    stored = await load_claim(uow_factory, claim.id)
    assert stored.respond_by is None
    assert stored.respond_paused_seconds == 38 * 3600
    assert (stored.history[-1].note, stored.history[-1].actor_id) == (
        "Can you send a photo of the base?",
        seller,
    )
    message = rendered((await buyer_updates(uow_factory))[-1])
    assert "Can you send a photo of the base?" in message.text
    assert message.keyboard is not None
    assert message.keyboard.rows[0][0].data == f"ca:{claim.id}"
    [entry] = await sellers.queue(seller)
    assert (entry.status, entry.deadline) == (ClaimStatus.NEEDS_INFO, None)
    # The seller waits for the buyer: no decision meanwhile.
    for waiting in (sellers.approve, sellers.confirm_received):
        with pytest.raises(InvalidTransition):
            await waiting(seller, claim.id)
    with pytest.raises(InvalidTransition):
        await sellers.ask_info(seller, claim.id, "And another thing?")

    clock.advance(timedelta(hours=30))  # the buyer takes their time
    answered = await returns.answer_info(b.buyer, claim.id, "Here you go", [])

    assert answered.status == ClaimStatus.REQUESTED
    assert answered.respond_by == clock.now() + timedelta(hours=38)
    stored = await load_claim(uow_factory, claim.id)
    assert stored.respond_paused_seconds is None
    [entry] = await sellers.queue(seller)
    assert entry.deadline == clock.now() + timedelta(hours=38)
    card = await sellers.card(seller, claim.id)
    assert [(status, actor, note) for _, status, actor, note in card.history][-2:] == [
        ("NEEDS_INFO", "seller", "Can you send a photo of the base?"),
        ("REQUESTED", "buyer", "Here you go"),
    ]
    decision = await sellers.approve(seller, claim.id)  # and the seller decides
    assert decision.status == ClaimStatus.REFUNDED


async def test_an_answer_to_a_question_asked_at_the_deadline_keeps_a_deadline(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    clock.advance(timedelta(hours=48))  # the last moment
    await sellers.ask_info(seller, claim.id, "Which colour?")
    assert (await load_claim(uow_factory, claim.id)).respond_paused_seconds == 0
    answered = await returns.answer_info(b.buyer, claim.id, "Blue", [])
    assert answered.status == ClaimStatus.REQUESTED
    assert answered.respond_by is not None


# ------------------------------------------------------------------ partial refund


@pytest.mark.parametrize(
    "typed",
    ["0", "0.00", "-1", "-0.01", "abc", "", "  ", "1.005", "12,50", "NaN", "inf", "54.00", "1e9"],
)
async def test_partial_refund_refuses_bad_amounts_and_says_what_remains(
    typed: str,
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    before = await snapshot(uow_factory)
    with pytest.raises(BadAmount) as refused:
        await sellers.partial_refund(seller, claim.id, typed, reason="worn")
    assert refused.value.remaining == TOTAL_PAID
    assert await snapshot(uow_factory) == before


async def test_partial_refund_up_to_what_remains_on_the_order(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    first = await file_claim(returns, b, {b.items[0]: 1})
    second = await file_claim(returns, b, {b.items[0]: 1, b.items[1]: 3})
    await sellers.approve(seller, first.id)  # 12.50 refunded: 41.49 remains

    before = await snapshot(uow_factory)
    with pytest.raises(BadAmount) as refused:
        await sellers.partial_refund(seller, second.id, "41.50", reason="worn")
    assert refused.value.remaining == Decimal("41.49")
    assert await snapshot(uow_factory) == before
    card = await sellers.card(seller, second.id)
    assert card.remaining_refundable == Decimal("41.49")

    decision = await sellers.partial_refund(seller, second.id, "$41.49", reason="worn")

    assert (decision.status, decision.refunded) == (ClaimStatus.REFUNDED, Decimal("41.49"))
    assert [(r.claim_id, r.amount) for r in await refunds(uow_factory)] == [
        (first.id, Decimal("12.50")),
        (second.id, Decimal("41.49")),
    ]
    assert sum(r.amount for r in await refunds(uow_factory)) == TOTAL_PAID
    stored = await load_claim(uow_factory, second.id)
    assert [e.to_status for e in stored.history][-2:] == ["APPROVED", "REFUNDED"]
    assert stored.history[-2].note == coded("partial_refund", amount="41.49")
    assert "refund of <b>$41.49</b>" in rendered((await buyer_updates(uow_factory))[-1]).text


async def test_partial_refund_when_the_return_arrives(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b, {b.items[1]: 2}, type=ClaimType.RETURN_AND_REFUND)
    await sellers.approve(seller, claim.id)
    with pytest.raises(InvalidTransition):  # not while the buyer still has the goods
        await sellers.partial_refund(seller, claim.id, "5.00", reason="worn")
    await returns.ship_back(b.buyer, claim.id, "FedEx", "123456789012")

    decision = await sellers.partial_refund(seller, claim.id, "5", reason="worn")

    assert (decision.status, decision.refunded) == (ClaimStatus.REFUNDED, Decimal("5.00"))
    stored = await load_claim(uow_factory, claim.id)
    assert [e.to_status for e in stored.history][-2:] == ["RECEIVED", "REFUNDED"]
    assert [(r.claim_id, r.amount) for r in await refunds(uow_factory)] == [
        (claim.id, Decimal("5.00"))
    ]


# ------------------------------------------------------------------ queue and card


async def test_queue_lists_open_claims_of_my_shops_most_urgent_first(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
) -> None:
    b = await bought(uow_factory, clock, items=(("Mug", 10, "5.00"),))
    t0 = clock.now()
    returning = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    clock.advance(timedelta(hours=1))
    asked = await file_claim(returns, b)
    clock.advance(timedelta(hours=1))
    urgent = await file_claim(returns, b)
    clock.advance(timedelta(hours=1))
    later = await file_claim(returns, b)
    done = await file_claim(returns, b)
    await sellers.approve(seller, returning.id)  # ship by t0+3h+5d
    await sellers.ask_info(seller, asked.id, "Which colour?")  # no deadline while asked
    await sellers.approve(seller, done.id)  # refunded: off the queue
    # Another shop's claim, with the most urgent deadline of all, is not mine.
    other_seller = await make_seller(uow_factory, clock, OTHER_SELLER_EXT, "other")
    clock.set(t0 - timedelta(hours=5))
    elsewhere_buyer = await bought(
        uow_factory, clock, number="578000000000000099", shop_code="other", buyer_ext=1003
    )
    elsewhere = await file_claim(returns, elsewhere_buyer)
    clock.set(t0 + timedelta(hours=3))

    queue = await sellers.queue(seller)

    assert [e.claim_id for e in queue] == [urgent.id, later.id, returning.id, asked.id]
    assert [e.deadline for e in queue] == [
        t0 + timedelta(hours=50),
        t0 + timedelta(hours=51),
        t0 + timedelta(hours=3, days=5),
        None,
    ]
    assert {e.shop_name for e in queue} == {"Acme Store"}
    assert (queue[0].number, queue[0].amount, queue[0].currency) == (
        urgent.number,
        Decimal("5.00"),
        "USD",
    )
    assert [e.claim_id for e in await sellers.queue(other_seller)] == [elsewhere.id]
    for nobody in (b.buyer, 424242):
        with pytest.raises(NotAllowed):
            await sellers.queue(nobody)


async def test_card_shows_what_the_seller_needs(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(
        returns, b, {b.items[0]: 2}, reason=ClaimReason.DAMAGED, photos=2, note="Cracked"
    )
    card = await sellers.card(seller, claim.id)
    assert (card.number, card.status, card.type, card.reason) == (
        claim.number,
        ClaimStatus.REQUESTED,
        ClaimType.REFUND,
        "DAMAGED",
    )
    assert (card.order_number, card.shop_name, card.buyer_name) == (
        "578000000000000001",
        "Acme Store",
        "Jane",
    )
    assert card.items == (("Ceramic mug", 2, Decimal("12.50")),)
    assert (card.amount, card.remaining_refundable, card.note) == (
        Decimal("25.00"),
        TOTAL_PAID,
        "Cracked",
    )
    assert len(card.photos) == 2 and not card.reused_evidence
    assert card.deadline == clock.now() + timedelta(hours=48)
    assert [(status, actor) for _, status, actor, _ in card.history] == [("REQUESTED", "buyer")]


# ------------------------------------------------------------------ authorisation


@dataclass
class Claims:
    requested: int  # refund only, waiting for the seller
    shipped: int  # return and refund, parcel on its way back
    replacement: int  # approved replacement


async def claims_in_every_actionable_state(
    sellers: SellerClaimService, returns: ReturnService, seller: int, b: Bought
) -> Claims:
    requested = await file_claim(returns, b, {b.items[0]: 1})
    shipped = await file_claim(returns, b, {b.items[1]: 1}, type=ClaimType.RETURN_AND_REFUND)
    replacement = await file_claim(returns, b, {b.items[1]: 1}, type=ClaimType.REPLACEMENT)
    await sellers.approve(seller, shipped.id)
    await returns.ship_back(b.buyer, shipped.id, "UPS", UPS)
    await sellers.approve(seller, replacement.id)
    return Claims(requested.id, shipped.id, replacement.id)


@pytest.mark.parametrize("who", ["buyer", "other_shop_seller", "unknown_user", "no_role_user"])
async def test_only_the_shops_sellers_may_see_or_decide(
    who: str,
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claims = await claims_in_every_actionable_state(sellers, returns, seller, b)
    actor = {
        "buyer": b.buyer,
        "other_shop_seller": await make_seller(uow_factory, clock, OTHER_SELLER_EXT, "other"),
        "unknown_user": 987_654,
        "no_role_user": await chat_user(uow_factory, clock, STRANGER_EXT, "Mallory"),
    }[who]
    before = await snapshot(uow_factory)
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: sellers.card(actor, claims.requested),
        lambda: sellers.approve(actor, claims.requested),
        lambda: sellers.reject(actor, claims.requested, "other", "No."),
        lambda: sellers.ask_info(actor, claims.requested, "Why?"),
        lambda: sellers.partial_refund(actor, claims.requested, "1.00", reason="worn"),
        lambda: sellers.partial_refund(
            actor, claims.requested, "999", reason="worn"
        ),  # no amount hints
        lambda: sellers.partial_refund(actor, claims.shipped, "1.00", reason="worn"),
        lambda: sellers.confirm_received(actor, claims.shipped),
        lambda: sellers.mark_replaced(actor, claims.replacement, "UPS", UPS),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            await attempt()
    assert await snapshot(uow_factory) == before
    # The shop's own seller still sees them all.
    assert {e.claim_id for e in await sellers.queue(seller)} == {
        claims.requested,
        claims.shipped,
        claims.replacement,
    }
    if who == "other_shop_seller":
        assert await sellers.queue(actor) == []
    else:
        with pytest.raises(NotAllowed):
            await sellers.queue(actor)


async def test_a_removed_seller_loses_access_at_once(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    async with uow_factory() as uow:
        row = await uow.session.scalar(select(Seller).where(Seller.chat_user_id == seller))
        await uow.session.delete(row)
        await uow.commit()
    before = await snapshot(uow_factory)
    with pytest.raises(NotAllowed):
        await sellers.approve(seller, claim.id)
    assert await snapshot(uow_factory) == before


async def test_a_claim_that_does_not_exist(
    sellers: SellerClaimService, uow_factory: UnitOfWorkFactory, seller: int, b: Bought
) -> None:
    with pytest.raises(ClaimNotFound):
        await sellers.approve(seller, 999_999)
    with pytest.raises(ClaimNotFound):
        await sellers.card(seller, 999_999)


async def test_shop_chat_ids_alone_grant_no_decisions(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    b: Bought,
) -> None:
    """A chat id on the shop record is told about claims, but is not a seller."""
    notified = await chat_user(uow_factory, clock, 7007, "Pat")
    async with uow_factory() as uow:
        shop = await uow.session.scalar(select(Shop).where(Shop.code == "acme"))
        assert shop is not None
        shop.seller_chat_ids = [7007]
        await uow.commit()
    claim = await file_claim(returns, b)
    before = await snapshot(uow_factory)
    with pytest.raises(NotAllowed):
        await sellers.approve(notified, claim.id)
    assert await snapshot(uow_factory) == before


async def test_a_partial_refund_needs_a_reason_and_opens_an_appeal_window(
    sellers: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)  # one mug: 12.50
    with pytest.raises(InvalidTransition):  # less than asked, and no word why
        await sellers.partial_refund(seller, claim.id, "5")
    assert await refunds(uow_factory) == []

    decision = await sellers.partial_refund(seller, claim.id, "5", reason="used_by_buyer")

    assert decision.appeal_by == clock.now() + timedelta(hours=48)
    stored = await load_claim(uow_factory, claim.id)
    assert (stored.status, stored.history[-1].note) == ("REFUNDED", "used_by_buyer")
    # All that was asked, through the same button: nothing to explain or appeal.
    whole = await file_claim(returns, b, {b.items[1]: 1})  # one towel: 8.00
    decision = await sellers.partial_refund(seller, whole.id, "8")
    assert decision.appeal_by is None
