"""Tickets on a real database: opening with a first-response target counted in the
shop's business hours, one conversation per requester, reopening, who may rate, appeal
or ask for help (whatever ids a button carries), staff verdicts on appeals and the
money they move, the transcript and summary staff read, and the SLA watch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.enums import (
    ActorKind,
    ClaimReason,
    ClaimStatus,
    ClaimType,
    EscalationReason,
    RefundStatus,
    TicketStatus,
)
from bot.domain.errors import ClaimNotFound, InvalidTransition, NotAllowed
from bot.services.outbox import Notification
from bot.services.refunds import issue_refund
from bot.services.returns import ClaimView, ReturnService
from bot.services.seller_claims import SellerClaimService
from bot.services.shops import ShopAdmin
from bot.services.tickets import (
    MAX_COMMENT,
    DeskPolicy,
    SlaWatch,
    TicketClosed,
    TicketNotFound,
    TicketService,
    TicketStillOpen,
    TicketView,
    title_parts,
)
from handlers.notifications import render
from handlers.staff.views import topic_title
from handlers.types import RenameTopic, SendText
from storage.media import MediaStore
from storage.models import (
    ChatLogEntry,
    OutboxMessage,
    Refund,
    Shop,
    Ticket,
    TicketMessage,
)
from storage.uow import UnitOfWorkFactory
from tests.unit.test_seller_claims import (
    BUYER_EXT,
    OTHER_SELLER_EXT,
    SELLER_EXT,
    STRANGER_EXT,
    Bought,
    bought,
    chat_user,
    file_claim,
    load_claim,
    make_seller,
)

BERLIN = ZoneInfo("Europe/Berlin")
STAFF_CHAT = -100_777
STAFF_ID = 5001  # a staff member's Telegram id
OFFICE = "Mon-Fri 09:00-18:00"


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Berlin in January 2026 (the 16th is a Friday), as UTC."""
    return datetime(2026, 1, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


# ------------------------------------------------------------------ builders


async def configure(uow_factory: UnitOfWorkFactory, code: str = "acme", **values: str) -> None:
    """Shop settings as a shop owner sets them (`shop set`), validation included."""
    admin = ShopAdmin(uow_factory)
    for key, value in values.items():
        await admin.set(code, key, value)


async def stored(uow_factory: UnitOfWorkFactory, ticket_id: int) -> Ticket:
    async with uow_factory(readonly=True) as uow:
        ticket = await uow.session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def count(uow_factory: UnitOfWorkFactory, model: Any) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def refunds(uow_factory: UnitOfWorkFactory) -> list[Refund]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(Refund).order_by(Refund.id)))


async def sla_reminders(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in rows if r.payload["kind"] == "ticket_sla"]


async def events(uow_factory: UnitOfWorkFactory, ticket_id: int) -> list[str]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(TicketMessage.text)
            .where(TicketMessage.ticket_id == ticket_id, TicketMessage.direction == "event")
            .order_by(TicketMessage.id)
        )
        return [str(text) for text in rows]


async def log_line(
    uow_factory: UnitOfWorkFactory, chat_id: int, direction: str, text: str, at: datetime
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            ChatLogEntry(channel="telegram", chat_id=chat_id, direction=direction, text=text, at=at)
        )
        await uow.commit()


async def requester(uow_factory: UnitOfWorkFactory, clock: FakeClock, ext: int) -> int:
    return await chat_user(uow_factory, clock, ext, f"User {ext}")


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


@pytest.fixture
def tickets(uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore) -> TicketService:
    return TicketService(uow_factory, clock, media)  # as the app builds it


@pytest.fixture
def watch(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> SlaWatch:
    return SlaWatch(uow_factory, clock)


@pytest.fixture
def returns(uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore) -> ReturnService:
    return ReturnService(uow_factory, clock, media)


@pytest.fixture
def sellers(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore
) -> SellerClaimService:
    return SellerClaimService(uow_factory, clock, media)


@pytest.fixture
async def seller(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    return await make_seller(uow_factory, clock, SELLER_EXT)


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int) -> Bought:
    return await bought(uow_factory, clock)


async def rejected(
    returns: ReturnService, sellers: SellerClaimService, seller: int, b: Bought, **kw: Any
) -> ClaimView:
    claim = await file_claim(returns, b, **kw)
    await sellers.reject(seller, claim.id, "not_as_claimed", "The mug arrived intact.")
    return claim


# ------------------------------------------------------------------ policy


def test_desk_policy_defaults_without_a_shop_or_settings() -> None:
    for shop in (None, Shop(code="x", name="X", timezone=None, settings=None)):
        policy = DeskPolicy.for_shop(shop)
        assert policy.hours.is_always and policy.hours.tz.key == "UTC"
        assert (policy.first_response_minutes, policy.signature) == (15, "staff")


def test_desk_policy_reads_the_shops_values() -> None:
    shop = Shop(
        code="x",
        name="X",
        timezone="Europe/Berlin",
        settings={
            "business_hours": OFFICE,
            "first_response_minutes": 30,
            "staff_signature": "shop",
        },
    )
    policy = DeskPolicy.for_shop(shop)
    assert policy.hours.describe() == "Mon-Fri 09:00-18:00 (Europe/Berlin)"
    assert (policy.first_response_minutes, policy.signature) == (30, "shop")
    # Friday 17:50 in Berlin + 30 open minutes: 10 on Friday, 20 on Monday.
    assert policy.hours.add_business_minutes(berlin(16, 17, 50), 30) == berlin(19, 9, 20)


@pytest.mark.parametrize("hours", ["Funday 25:00-26:00", "Mon-Fri 18:00-09:00", 42])
def test_a_corrupt_stored_business_hours_falls_back_to_always_open(hours: Any) -> None:
    shop = Shop(code="x", name="X", timezone="Europe/Berlin", settings={"business_hours": hours})
    policy = DeskPolicy.for_shop(shop)
    assert policy.hours.is_always
    assert policy.first_response_minutes == 15
    assert policy.hours.tz.key == "Europe/Berlin"  # staff still read the shop's times


def test_a_corrupt_stored_timezone_falls_back_to_always_open() -> None:
    shop = Shop(code="x", name="X", timezone="Mars/Base", settings={"business_hours": OFFICE})
    policy = DeskPolicy.for_shop(shop)
    assert policy.hours.is_always and policy.hours.tz.key == "UTC"


# ------------------------------------------------------------------ opening


async def test_open_counts_the_first_response_in_the_shops_business_hours(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    await configure(uow_factory, timezone="Europe/Berlin", business_hours=OFFICE)
    clock.set(berlin(16, 17, 55))  # Friday, five minutes before closing

    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED, order_id=b.order_id)

    assert opened.created and opened.answer_from is None  # someone is there now
    view = opened.ticket
    assert (view.status, view.reason, view.requester_id) == (
        TicketStatus.OPEN,
        EscalationReason.REQUESTED,
        b.buyer,
    )
    assert (view.order_id, view.order_number, view.shop_name) == (
        b.order_id,
        "578000000000000001",
        "Acme Store",
    )
    assert view.waiting_since == clock.now() and view.opened_at == clock.now()
    row = await stored(uow_factory, view.id)
    # 5 open minutes on Friday, 10 on Monday morning.
    assert row.sla_due_at == berlin(19, 9, 10)
    assert not row.sla_breached
    assert await events(uow_factory, view.id) == ["opened:requested"]


async def test_open_outside_hours_says_when_people_are_back(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    await configure(
        uow_factory, timezone="Europe/Berlin", business_hours=OFFICE, first_response_minutes="20"
    )
    clock.set(berlin(17, 11))  # Saturday

    # No order on the button: the shop of the requester's linked orders applies.
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)

    assert opened.created and opened.ticket.order_id is None
    assert opened.ticket.shop_name == "Acme Store"
    assert opened.answer_from == berlin(19, 9)
    assert (await stored(uow_factory, opened.ticket.id)).sla_due_at == berlin(19, 9, 20)


async def test_requester_with_orders_of_two_shops_gets_the_platform_defaults(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    await configure(uow_factory, timezone="Europe/Berlin", business_hours=OFFICE)
    await bought(uow_factory, clock, number="578000000000000002", shop_code="globex")
    clock.set(berlin(17, 11))  # Saturday: Acme is closed, but which shop is it about?

    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)

    assert opened.ticket.shop_name is None and opened.answer_from is None
    assert (await stored(uow_factory, opened.ticket.id)).sla_due_at == clock.now() + timedelta(
        minutes=15
    )


async def test_second_open_returns_the_same_ticket_and_fills_in_what_was_missing(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    other = await bought(uow_factory, clock, number="578000000000000002")
    first = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    assert first.created and first.ticket.order_id is None
    due = (await stored(uow_factory, first.ticket.id)).sla_due_at

    clock.advance(timedelta(minutes=5))
    again = await tickets.open(b.buyer, EscalationReason.REQUESTED, order_id=b.order_id)
    assert (again.created, again.ticket.id) == (False, first.ticket.id)
    assert again.ticket.order_id == b.order_id and again.answer_from is None

    # An order is attached once; a later one does not replace it.
    third = await tickets.open(b.buyer, EscalationReason.REQUESTED, order_id=other.order_id)
    assert (third.ticket.id, third.ticket.order_id) == (first.ticket.id, b.order_id)

    # An appeal joins the open conversation and brings its claim.
    claim = await rejected(returns, sellers, seller, b)
    appealed = await tickets.appeal(b.buyer, claim.id)
    assert (appealed.created, appealed.ticket.id) == (False, first.ticket.id)
    assert (appealed.ticket.claim_id, appealed.ticket.claim_status) == (
        claim.id,
        ClaimStatus.APPEALED,
    )
    assert appealed.ticket.reason == EscalationReason.REQUESTED  # the first reason stays
    row = await stored(uow_factory, first.ticket.id)
    assert row.sla_due_at == due and row.opened_at == first.ticket.opened_at
    assert await count(uow_factory, Ticket) == 1
    assert await events(uow_factory, first.ticket.id) == [
        "opened:requested",
        "also:requested",
        "also:requested",
        "also:appeal",
    ]


async def test_open_drops_an_order_the_requester_has_not_linked(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    await configure(uow_factory, timezone="Europe/Berlin", business_hours=OFFICE)
    clock.set(berlin(17, 11))  # Saturday: the shop's hours would say "Monday"
    stranger = await requester(uow_factory, clock, STRANGER_EXT)

    opened = await tickets.open(stranger, EscalationReason.REQUESTED, order_id=b.order_id)

    view = opened.ticket
    assert (view.order_id, view.order_number, view.shop_name) == (None, None, None)
    assert opened.answer_from is None  # the platform's 24/7 defaults, not the shop's
    row = await stored(uow_factory, view.id)
    assert (row.order_id, row.shop_id) == (None, None)
    # Opening again with the button's order still attaches nothing.
    again = await tickets.open(stranger, EscalationReason.REQUESTED, order_id=b.order_id)
    assert (again.created, again.ticket.order_id) == (False, None)


async def test_open_drops_a_claim_of_someone_else(
    tickets: TicketService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    stranger = await requester(uow_factory, clock, STRANGER_EXT)

    opened = await tickets.open(stranger, EscalationReason.REQUESTED, claim_id=claim.id)

    assert (opened.ticket.claim_id, opened.ticket.order_id) == (None, None)
    assert (await tickets.summary(opened.ticket.id)).claim is None
    mine = await tickets.open(b.buyer, EscalationReason.REQUESTED, claim_id=claim.id)
    assert (mine.ticket.claim_id, mine.ticket.order_id) == (claim.id, b.order_id)


# ------------------------------------------------------------------ reopening


async def test_a_message_within_a_day_of_closing_reopens_the_ticket(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    assert await tickets.for_message(b.buyer) is None  # nothing to relay to
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    assert await tickets.for_message(b.buyer) == (opened.ticket, False)
    await tickets.record_staff(
        opened.ticket.id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Hi", copy=None
    )
    await tickets.close(opened.ticket.id, staff_name="Alex")

    clock.advance(timedelta(hours=23, minutes=59))
    found = await tickets.for_message(b.buyer)

    assert found is not None
    view, reopened = found
    assert reopened and view.id == opened.ticket.id
    assert (view.status, view.closed_at, view.waiting_since) == (
        TicketStatus.OPEN,
        None,
        clock.now(),
    )
    row = await stored(uow_factory, view.id)
    assert row.sla_due_at == clock.now() + timedelta(minutes=15)  # a new target
    assert (await events(uow_factory, view.id))[-1] == "reopened"
    assert await tickets.for_message(b.buyer) == (await tickets.get(view.id), False)


async def test_a_ticket_closed_more_than_a_day_ago_stays_closed(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    await tickets.close(opened.ticket.id, staff_name="Alex")

    clock.advance(timedelta(hours=24, minutes=1))

    assert await tickets.for_message(b.buyer) is None
    row = await stored(uow_factory, opened.ticket.id)
    assert (row.status, row.sla_due_at) == (TicketStatus.CLOSED, None)
    # Asking again starts a new ticket.
    fresh = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    assert fresh.created and fresh.ticket.id != opened.ticket.id


# ------------------------------------------------------------------ rating


async def test_only_the_requester_rates_their_closed_ticket_one_to_five(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    ticket_id = opened.ticket.id

    with pytest.raises(TicketStillOpen):
        await tickets.rate(b.buyer, ticket_id, 5)
    await tickets.close(ticket_id, staff_name="Alex")
    for stars in (0, 6, -1):
        with pytest.raises(NotAllowed):
            await tickets.rate(b.buyer, ticket_id, stars)
    with pytest.raises(TicketNotFound):  # someone else's ticket does not exist for them
        await tickets.rate(stranger, ticket_id, 1)
    with pytest.raises(TicketNotFound):
        await tickets.rate(b.buyer, ticket_id + 100, 5)
    assert (await stored(uow_factory, ticket_id)).rating is None

    for stars in (1, 5):
        view = await tickets.rate(b.buyer, ticket_id, stars)
        assert view.rating == stars
    assert (await stored(uow_factory, ticket_id)).rating == 5


async def test_the_rating_comment_is_trimmed_capped_and_the_requesters_only(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    await tickets.close(opened.ticket.id, staff_name="Alex")
    await tickets.rate(b.buyer, opened.ticket.id, 4)

    with pytest.raises(TicketNotFound):
        await tickets.comment(stranger, opened.ticket.id, "Terrible")
    assert (await stored(uow_factory, opened.ticket.id)).rating_comment is None

    await tickets.comment(b.buyer, opened.ticket.id, "  \n Quick and kind.  \n")
    assert (await stored(uow_factory, opened.ticket.id)).rating_comment == "Quick and kind."

    await tickets.comment(b.buyer, opened.ticket.id, " " + "x" * (MAX_COMMENT + 50))
    assert (await stored(uow_factory, opened.ticket.id)).rating_comment == "x" * MAX_COMMENT


# ------------------------------------------------------------------ appeals


async def test_appeal_moves_a_rejected_claim_to_staff(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)
    clock.advance(timedelta(hours=47))  # the default window is 48 hours

    opened = await tickets.appeal(b.buyer, claim.id)

    assert opened.created
    view = opened.ticket
    assert (view.reason, view.claim_id, view.claim_number, view.order_id) == (
        EscalationReason.APPEAL,
        claim.id,
        claim.number,
        b.order_id,
    )
    assert (view.claim_status, view.shop_name) == (ClaimStatus.APPEALED, "Acme Store")
    row = await load_claim(uow_factory, claim.id)
    assert (row.status, row.appeal_by) == (ClaimStatus.APPEALED, None)
    last = row.history[-1]
    assert (last.from_status, last.to_status, last.actor_kind, last.actor_id, last.at) == (
        ClaimStatus.REJECTED,
        ClaimStatus.APPEALED,
        ActorKind.BUYER,
        b.buyer,
        clock.now(),
    )
    with pytest.raises(InvalidTransition):  # appealed already
        await tickets.appeal(b.buyer, claim.id)


async def test_only_the_claims_buyer_appeals_and_only_a_rejection_in_time(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    pending = await file_claim(returns, b)  # not decided yet
    claim = await rejected(returns, sellers, seller, b, items={b.items[1]: 1})

    for who in (stranger, seller):
        with pytest.raises(ClaimNotFound):
            await tickets.appeal(who, claim.id)
    with pytest.raises(ClaimNotFound):
        await tickets.appeal(b.buyer, claim.id + 100)
    with pytest.raises(InvalidTransition):
        await tickets.appeal(b.buyer, pending.id)
    clock.advance(timedelta(hours=48, seconds=1))
    with pytest.raises(InvalidTransition):
        await tickets.appeal(b.buyer, claim.id)

    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REJECTED
    assert (await load_claim(uow_factory, pending.id)).status == ClaimStatus.REQUESTED
    assert await count(uow_factory, Ticket) == 0


async def test_staff_refund_on_appeal_goes_through_the_ledger_once(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)
    opened = await tickets.appeal(b.buyer, claim.id)
    clock.advance(timedelta(hours=1))

    decision = await tickets.decide_appeal(
        claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True
    )

    assert (decision.status, decision.refunded, decision.currency) == (
        ClaimStatus.REFUNDED,
        Decimal("12.50"),
        "USD",
    )
    assert [t.id for t in decision.tickets] == [opened.ticket.id]
    [refund] = await refunds(uow_factory)
    assert (refund.order_id, refund.claim_id, refund.amount, refund.status) == (
        b.order_id,
        claim.id,
        Decimal("12.50"),
        RefundStatus.PENDING,
    )
    assert (refund.issuer_kind, refund.issuer_id) == (ActorKind.STAFF, STAFF_ID)
    last = (await load_claim(uow_factory, claim.id)).history[-1]
    assert (last.to_status, last.actor_kind, last.actor_id) == (
        ClaimStatus.REFUNDED,
        ActorKind.STAFF,
        STAFF_ID,
    )
    assert (await events(uow_factory, opened.ticket.id))[-1] == "appeal_refunded"

    # A second press (or a colleague's) decides nothing more.
    for refund_again in (True, False):
        with pytest.raises(InvalidTransition):
            await tickets.decide_appeal(
                claim.id, staff_id=STAFF_ID + 1, staff_name="Sam", refund=refund_again
            )
    assert len(await refunds(uow_factory)) == 1
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED


async def test_staff_refund_on_appeal_never_exceeds_what_remains_on_the_order(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)  # asks 12.50 of 53.99 paid
    await tickets.appeal(b.buyer, claim.id)
    await issue_refund(
        uow_factory,
        order_id=b.order_id,
        amount=Decimal("50.00"),
        issuer_kind=ActorKind.STAFF,
        issuer_id=STAFF_ID,
        reason="goodwill for the late parcel",
        idempotency_key="goodwill-1",
        now=clock.now(),
    )

    decision = await tickets.decide_appeal(
        claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True
    )

    assert decision.refunded == Decimal("3.99")
    assert [(r.claim_id, r.amount) for r in await refunds(uow_factory)] == [
        (None, Decimal("50.00")),
        (claim.id, Decimal("3.99")),
    ]


async def test_staff_upholding_the_seller_closes_the_claim_without_money(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)
    with pytest.raises(InvalidTransition):  # not appealed (yet): nothing to arbitrate
        await tickets.decide_appeal(claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True)
    with pytest.raises(ClaimNotFound):
        await tickets.decide_appeal(
            claim.id + 100, staff_id=STAFF_ID, staff_name="Alex", refund=True
        )
    opened = await tickets.appeal(b.buyer, claim.id)

    decision = await tickets.decide_appeal(
        claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=False
    )

    assert (decision.status, decision.refunded) == (ClaimStatus.CLOSED, None)
    assert decision.tickets[0].claim_status == ClaimStatus.CLOSED
    row = await load_claim(uow_factory, claim.id)
    assert (row.status, row.history[-1].actor_kind) == (ClaimStatus.CLOSED, ActorKind.STAFF)
    assert await refunds(uow_factory) == []
    assert (await events(uow_factory, opened.ticket.id))[-1] == "appeal_upheld"
    with pytest.raises(InvalidTransition):
        await tickets.decide_appeal(claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True)
    assert await refunds(uow_factory) == []


async def test_granting_an_appealed_replacement_approves_it_and_tells_the_seller(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(
        returns,
        sellers,
        seller,
        b,
        type=ClaimType.REPLACEMENT,
        reason=ClaimReason.WRONG_ITEM,
        photos=1,
    )
    await tickets.appeal(b.buyer, claim.id)

    decision = await tickets.decide_appeal(
        claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True
    )

    # A replacement is granted, not paid: the seller now owes the buyer a new item.
    assert (decision.status, decision.refunded) == (ClaimStatus.APPROVED, None)
    assert await refunds(uow_factory) == []
    async with uow_factory(readonly=True) as uow:
        told = (
            (
                await uow.session.execute(
                    select(OutboxMessage).where(OutboxMessage.chat_id == SELLER_EXT)
                )
            )
            .scalars()
            .all()
        )
    verdicts = [m.payload for m in told if m.payload["kind"] == "claim_appeal_decided"]
    assert len(verdicts) == 1
    (action,) = render(Notification.load(SELLER_EXT, "claim_appeal_decided", verdicts[0]["params"]))
    assert isinstance(action, SendText) and "granted the replacement" in action.text


async def test_the_seller_learns_when_support_refunds_their_rejected_claim(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)
    await tickets.appeal(b.buyer, claim.id)
    await tickets.decide_appeal(claim.id, staff_id=STAFF_ID, staff_name="Alex", refund=True)

    async with uow_factory(readonly=True) as uow:
        told = (
            (
                await uow.session.execute(
                    select(OutboxMessage).where(OutboxMessage.chat_id == SELLER_EXT)
                )
            )
            .scalars()
            .all()
        )
    verdicts = [m.payload for m in told if m.payload["kind"] == "claim_appeal_decided"]
    (action,) = render(Notification.load(SELLER_EXT, "claim_appeal_decided", verdicts[0]["params"]))
    assert isinstance(action, SendText) and "refunded the buyer" in action.text


# ------------------------------------------------------------------ seller help


async def test_only_a_seller_of_the_claims_shop_asks_for_help(
    tickets: TicketService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await file_claim(returns, b)
    other_seller = await make_seller(uow_factory, clock, OTHER_SELLER_EXT, "globex")

    for who in (other_seller, b.buyer):
        with pytest.raises(NotAllowed):
            await tickets.seller_help(who, claim.id)
    with pytest.raises(ClaimNotFound):
        await tickets.seller_help(seller, claim.id + 100)
    assert await count(uow_factory, Ticket) == 0

    opened = await tickets.seller_help(seller, claim.id)

    view = opened.ticket
    assert opened.created
    assert (view.requester_id, view.reason, view.claim_id, view.order_id, view.shop_name) == (
        seller,
        EscalationReason.SELLER_HELP,
        claim.id,
        b.order_id,
        "Acme Store",
    )
    summary = await tickets.summary(view.id)
    assert summary.role == "seller"
    # Not the seller's own linked order, yet staff see which order it is about.
    assert [number for number, _, _ in summary.orders] == ["578000000000000001"]
    assert summary.claim is not None and summary.claim.number == claim.number
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REQUESTED


# ------------------------------------------------------------------ what was said


async def test_staff_reply_ends_the_wait_and_clears_the_overdue_mark(
    tickets: TicketService,
    watch: SlaWatch,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    b: Bought,
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    ticket_id = opened.ticket.id
    await tickets.place(ticket_id, staff_chat_id=STAFF_CHAT, topic_id=11, summary_message_id=12)
    clock.advance(timedelta(minutes=16))
    assert await watch.run_once() == 1
    assert title_parts(await tickets.get(ticket_id)).breached

    clock.advance(timedelta(minutes=4))
    replied = await tickets.record_staff(
        ticket_id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Hello!", copy=None
    )

    assert replied.first and replied.was_breached
    row = await stored(uow_factory, ticket_id)
    assert (row.waiting_since, row.sla_due_at, row.first_response_at) == (
        None,
        None,
        clock.now(),
    )
    # The topic is renamed from this view: the ⏰ goes once someone answered.
    assert not title_parts(replied.ticket).breached
    assert not topic_title(title_parts(replied.ticket)).startswith("⏰")

    again = await tickets.record_staff(
        ticket_id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="More.", copy=None
    )
    assert not again.first and not again.was_breached
    assert (await stored(uow_factory, ticket_id)).first_response_at == row.first_response_at


async def test_requester_messages_start_a_wait_only_when_none_is_running(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    ticket_id = opened.ticket.id
    clock.advance(timedelta(minutes=3))
    await tickets.record_requester(
        ticket_id, author_name="Jane", kind="text", text="Still there?", copy=None
    )
    assert (await stored(uow_factory, ticket_id)).waiting_since == opened.ticket.opened_at

    await tickets.record_staff(
        ticket_id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Yes", copy=None
    )
    clock.advance(timedelta(minutes=10))
    asked_at = clock.now()
    await tickets.record_requester(ticket_id, author_name="Jane", kind="text", text="Q", copy=None)
    clock.advance(timedelta(minutes=10))
    await tickets.record_requester(
        ticket_id, author_name="Jane", kind="photo", text=None, copy=None
    )

    assert (await stored(uow_factory, ticket_id)).waiting_since == asked_at
    replied = await tickets.record_staff(
        ticket_id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="A", copy=None
    )
    assert replied.first and not replied.was_breached  # a new wait, answered


async def test_by_message_finds_the_ticket_from_its_summary_or_a_relayed_copy(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    mine = (await tickets.open(b.buyer, EscalationReason.REQUESTED)).ticket.id
    theirs = (await tickets.open(stranger, EscalationReason.REQUESTED)).ticket.id
    await tickets.place(mine, staff_chat_id=STAFF_CHAT, topic_id=None, summary_message_id=100)
    await tickets.place(theirs, staff_chat_id=STAFF_CHAT, topic_id=None, summary_message_id=200)
    await tickets.record_requester(
        mine, author_name="Jane", kind="text", text="Hi", copy=(STAFF_CHAT, 101)
    )
    await tickets.record_requester(
        theirs, author_name="Bo", kind="text", text="Yo", copy=(STAFF_CHAT, 201)
    )
    # A staff reply copied into the requester's private chat maps from that chat only.
    await tickets.record_staff(
        mine, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Hey", copy=(BUYER_EXT, 300)
    )

    async def found(chat_id: int, message_id: int) -> int | None:
        view = await tickets.by_message(chat_id, message_id)
        return view.id if view else None

    assert await found(STAFF_CHAT, 100) == mine
    assert await found(STAFF_CHAT, 101) == mine
    assert await found(STAFF_CHAT, 200) == theirs
    assert await found(STAFF_CHAT, 201) == theirs
    assert await found(STAFF_CHAT, 300) is None
    assert await found(STAFF_CHAT, 999) is None
    assert await found(-100_888, 100) is None  # another group's message 100


async def test_transcript_lists_everything_in_order_with_notes_marked(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    ticket_id = opened.ticket.id
    clock.advance(timedelta(minutes=1))
    await tickets.record_requester(
        ticket_id, author_name="Jane", kind="text", text="Where is it?", copy=(STAFF_CHAT, 5)
    )
    clock.advance(timedelta(minutes=1))
    await tickets.record_note(ticket_id, staff_id=STAFF_ID, staff_name="Alex", text="Check UPS")
    clock.advance(timedelta(minutes=1))
    await tickets.record_staff(
        ticket_id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Tomorrow.", copy=None
    )
    await tickets.record_requester(
        ticket_id, author_name="Jane", kind="photo", text=None, copy=None
    )
    await tickets.close(ticket_id, staff_name="Alex")

    view, lines = await tickets.transcript(ticket_id)

    assert view.status == TicketStatus.CLOSED
    start = opened.ticket.opened_at
    assert [(line.direction, line.author, line.kind, line.text, line.at) for line in lines] == [
        ("event", None, "event", "opened:requested", start),
        ("buyer", "Jane", "text", "Where is it?", start + timedelta(minutes=1)),
        ("note", "Alex", "text", "Check UPS", start + timedelta(minutes=2)),
        ("staff", "Alex", "text", "Tomorrow.", start + timedelta(minutes=3)),
        ("buyer", "Jane", "photo", None, start + timedelta(minutes=3)),
        ("event", "Alex", "event", "closed", start + timedelta(minutes=3)),
    ]


async def test_summary_shows_orders_claim_photos_and_the_last_words_before_opening(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    media: MediaStore,
    seller: int,
    b: Bought,
) -> None:
    await bought(uow_factory, clock, number="578000000000000002", shop_code="globex")
    claim = await rejected(returns, sellers, seller, b, photos=2, note="Cracked handle")
    base = clock.now() - timedelta(hours=1)
    for minute in range(12):
        await log_line(
            uow_factory, BUYER_EXT, "in" if minute % 2 else "out", f"line {minute}", base
        )
        base += timedelta(minutes=1)
    await log_line(uow_factory, STRANGER_EXT, "in", "someone else's chat", clock.now())
    opened = await tickets.appeal(b.buyer, claim.id)
    clock.advance(timedelta(minutes=1))
    await log_line(uow_factory, BUYER_EXT, "in", "said after opening", clock.now())

    summary = await tickets.summary(opened.ticket.id)

    assert summary.role == "buyer" and summary.ticket.id == opened.ticket.id
    assert sorted(number for number, _, _ in summary.orders) == [
        "578000000000000001",
        "578000000000000002",
    ]
    assert {(number, shop) for number, _, shop in summary.orders} == {
        ("578000000000000001", "Acme Store"),
        ("578000000000000002", "Globex Store"),
    }
    facts = summary.claim
    assert facts is not None
    assert (facts.number, facts.status, facts.order_number, facts.note) == (
        claim.number,
        ClaimStatus.APPEALED,
        "578000000000000001",
        "Cracked handle",
    )
    assert (facts.amount, facts.currency, facts.type) == (Decimal("12.50"), "USD", ClaimType.REFUND)
    async with uow_factory(readonly=True) as uow:
        row = await uow.claims.get(claim.id)
        assert row is not None
        # Files the relay can send to staff as they are, in the order they were added.
        assert facts.photos == tuple(str(media.absolute(p.path)) for p in row.photos)
    assert len(facts.photos) == 2
    assert [await asyncio.to_thread(Path(p).is_file) for p in facts.photos] == [True, True]
    # The last ten lines before the hand-over, oldest first; nothing from other chats.
    assert [text for _, text, _ in summary.recent] == [f"line {m}" for m in range(2, 12)]
    assert [direction for direction, _, _ in summary.recent][:2] == ["out", "in"]


async def test_a_topic_finds_its_ticket_until_it_is_deleted(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    mine = (await tickets.open(b.buyer, EscalationReason.REQUESTED)).ticket.id
    theirs = (await tickets.open(stranger, EscalationReason.REQUESTED)).ticket.id
    await tickets.place(mine, staff_chat_id=STAFF_CHAT, topic_id=10, summary_message_id=11)
    await tickets.place(theirs, staff_chat_id=STAFF_CHAT, topic_id=20, summary_message_id=21)

    async def in_topic(thread_id: int, chat_id: int = STAFF_CHAT) -> int | None:
        view = await tickets.by_topic(chat_id, thread_id)
        return view.id if view else None

    assert (await in_topic(10), await in_topic(20), await in_topic(30)) == (mine, theirs, None)
    assert await in_topic(10, chat_id=-100_888) is None

    view = await tickets.forget_place(mine)  # someone deleted the topic

    assert (view.topic_id, view.summary_message_id) == (None, None)
    assert await in_topic(10) is None
    assert (await events(uow_factory, mine))[-1] == "topic_recreated"
    await tickets.place(mine, staff_chat_id=STAFF_CHAT, topic_id=30, summary_message_id=31)
    assert await in_topic(30) == mine


async def test_assign_close_and_the_open_list(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    stranger = await requester(uow_factory, clock, STRANGER_EXT)
    first = (await tickets.open(b.buyer, EscalationReason.REQUESTED)).ticket.id
    clock.advance(timedelta(minutes=1))
    second = (await tickets.open(stranger, EscalationReason.REQUESTED)).ticket.id

    view = await tickets.assign(first, staff_id=STAFF_ID, staff_name="Alex")
    assert (view.assignee_id, view.assignee_name) == (STAFF_ID, "Alex")
    assert [t.id for t in await tickets.open_tickets()] == [first, second]

    closed = await tickets.close(first, staff_name="Sam")

    assert (closed.status, closed.closed_at) == (TicketStatus.CLOSED, clock.now())
    assert [t.id for t in await tickets.open_tickets()] == [second]
    # A colleague pressing Close or Assign a moment later is told it is closed.
    with pytest.raises(TicketClosed):
        await tickets.close(first, staff_name="Alex")
    with pytest.raises(TicketClosed):
        await tickets.assign(first, staff_id=STAFF_ID + 1, staff_name="Sam")
    assert (await stored(uow_factory, first)).assignee_name == "Alex"
    assert await events(uow_factory, first) == ["opened:requested", "assigned", "closed"]
    with pytest.raises(TicketNotFound):
        await tickets.close(second + 100, staff_name="Alex")


async def test_a_requester_who_blocked_the_bot_is_marked_unreachable(
    tickets: TicketService, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    assert not opened.ticket.requester_unreachable

    await tickets.requester_unreachable(opened.ticket.id)

    assert (await tickets.get(opened.ticket.id)).requester_unreachable
    async with uow_factory(readonly=True) as uow:
        user = await uow.chat_users.get(b.buyer)
        assert user is not None and user.unreachable
    assert (await events(uow_factory, opened.ticket.id))[-1] == "unreachable"


# ------------------------------------------------------------------ SLA watch


async def test_sla_watch_reminds_once_per_overdue_placed_ticket(
    tickets: TicketService,
    watch: SlaWatch,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    people = [await requester(uow_factory, clock, 2000 + n) for n in range(5)]
    views: list[TicketView] = []
    for n, person in enumerate(people):
        if n == 4:
            clock.advance(timedelta(minutes=10))  # the last one is opened later
        views.append((await tickets.open(person, EscalationReason.REQUESTED)).ticket)
        if n != 3:  # ticket 3 is not in the staff chat (yet)
            await tickets.place(
                views[-1].id, staff_chat_id=STAFF_CHAT, topic_id=10 + n, summary_message_id=None
            )
    due, answered, closed, unplaced, later = views
    await tickets.record_staff(
        answered.id, staff_id=STAFF_ID, staff_name="Alex", kind="text", text="Hi", copy=None
    )
    await tickets.close(closed.id, staff_name="Alex")
    await tickets.assign(due.id, staff_id=STAFF_ID, staff_name="Alex")
    clock.advance(timedelta(minutes=6))  # 16 minutes after the first four opened

    assert await watch.run_once() == 1

    [reminder] = await sla_reminders(uow_factory)
    assert reminder.chat_id == STAFF_CHAT
    params = reminder.payload["params"]
    assert (params["ticket_id"], params["thread_id"], params["waited_minutes"]) == (due.id, 10, 16)
    assert params["assignee"] == "Alex"
    # What staff see: a reminder in the ticket's topic, and the ⏰ on its title.
    send, rename = render(Notification.load(reminder.chat_id, "ticket_sla", params))
    assert isinstance(send, SendText) and isinstance(rename, RenameTopic)
    assert (send.chat_id, send.thread_id) == (STAFF_CHAT, 10)
    assert "waiting 16 minutes" in send.text and "Assigned: Alex" in send.text
    assert rename.name.startswith("⏰") and f"#{due.id}" in rename.name
    flags = {t.id: (await stored(uow_factory, t.id)).sla_breached for t in views}
    assert flags == {
        due.id: True,
        answered.id: False,
        closed.id: False,
        unplaced.id: False,
        later.id: False,
    }
    assert (await events(uow_factory, due.id))[-1] == "sla_breached"

    # Once per wait: running again (or again later) adds nothing for the same ticket.
    assert await watch.run_once() == 0
    clock.advance(timedelta(minutes=9))  # now the later ticket is overdue too
    assert await watch.run_once() == 1
    assert [r.payload["params"]["ticket_id"] for r in await sla_reminders(uow_factory)] == [
        due.id,
        later.id,
    ]

    # The unplaced ticket is reminded about once it has a place to be reminded in.
    await tickets.place(unplaced.id, staff_chat_id=STAFF_CHAT, topic_id=None, summary_message_id=77)
    assert await watch.run_once() == 1
    last = (await sla_reminders(uow_factory))[-1].payload["params"]
    assert (last["ticket_id"], last["thread_id"], last["summary_message_id"]) == (
        unplaced.id,
        None,
        77,
    )
    [plain] = render(Notification.load(STAFF_CHAT, "ticket_sla", last))
    assert isinstance(plain, SendText) and plain.reply_to == 77  # plain group: a reply
    assert await watch.run_once() == 0


async def test_a_reopened_ticket_gets_a_new_target_and_a_new_reminder(
    tickets: TicketService,
    watch: SlaWatch,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    b: Bought,
) -> None:
    opened = await tickets.open(b.buyer, EscalationReason.REQUESTED)
    ticket_id = opened.ticket.id
    await tickets.place(ticket_id, staff_chat_id=STAFF_CHAT, topic_id=10, summary_message_id=None)
    clock.advance(timedelta(minutes=20))
    assert await watch.run_once() == 1
    await tickets.close(ticket_id, staff_name="Alex")
    clock.advance(timedelta(hours=2))

    found = await tickets.for_message(b.buyer)

    assert found is not None and found[1]
    assert not found[0].sla_breached
    assert await watch.run_once() == 0  # a fresh 15 minutes
    clock.advance(timedelta(minutes=15))
    assert await watch.run_once() == 1
    assert [r.payload["params"]["ticket_id"] for r in await sla_reminders(uow_factory)] == [
        ticket_id,
        ticket_id,
    ]


async def test_sla_watch_prunes_the_chat_log_after_a_week(
    watch: SlaWatch, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    now = clock.now()
    await log_line(uow_factory, BUYER_EXT, "in", "old", now - timedelta(days=7, minutes=1))
    await log_line(uow_factory, BUYER_EXT, "out", "recent", now - timedelta(days=6, hours=23))
    await log_line(uow_factory, STRANGER_EXT, "in", "today", now)

    await watch.run_once()

    async with uow_factory(readonly=True) as uow:
        kept = await uow.session.scalars(select(ChatLogEntry.text).order_by(ChatLogEntry.id))
        assert list(kept) == ["recent", "today"]
    clock.advance(timedelta(hours=2))
    await watch.run_once()
    async with uow_factory(readonly=True) as uow:
        kept = await uow.session.scalars(select(ChatLogEntry.text).order_by(ChatLogEntry.id))
        assert list(kept) == ["today"]
