# The fixtures (tickets, returns, sellers, seller, b) come from the tickets suite.
# ruff: noqa: F811
"""Staff deciding one appeal at once: the claim row is locked in the appeal path, so
exactly one verdict wins and everyone else is told, plainly, who decided it (never a
raw StaleDataError that staff would see as a generic error).  Each call runs in its own
unit of work, as several staff members' taps (or several bot processes) would; this
must hold on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus
from bot.domain.errors import AmountChanged
from bot.services.refunds import issue_refund
from bot.services.returns import ReturnService
from bot.services.seller_claims import SellerClaimService
from bot.services.tickets import AppealDecided, AppealDecision, TicketService
from storage.uow import UnitOfWorkFactory
from tests.unit.test_seller_claims import BUYER_EXT, Bought, buyer_updates, chat_user, load_claim
from tests.unit.test_tickets import (  # noqa: F401 - fixtures
    b,
    media,
    refunds,
    rejected,
    returns,
    seller,
    sellers,
    tickets,
)

TAPS = 50
STAFF = {6001 + n: name for n, name in enumerate(("Anna", "Ben", "Chris", "Dana", "Eli"))}


async def test_fifty_concurrent_verdicts_on_one_appeal_decide_once_and_name_the_winner(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b, items={b.items[0]: 2})
    await tickets.appeal(b.buyer, claim.id)
    staff = [(await chat_user(uow_factory, clock, ext, name), name) for ext, name in STAFF.items()]
    before = len(await buyer_updates(uow_factory, BUYER_EXT))

    async def verdict(n: int) -> AppealDecision:
        staff_id, name = staff[n % len(staff)]
        return await tickets.decide_appeal(
            claim.id, staff_id=staff_id, staff_name=name, refund=n % 2 == 0
        )

    results = await asyncio.gather(*(verdict(n) for n in range(TAPS)), return_exceptions=True)

    won = [r for r in results if isinstance(r, AppealDecision)]
    assert len(won) == 1, results
    others = [r for r in results if not isinstance(r, AppealDecision)]
    # No StaleDataError, no generic error: everyone else hears who decided.
    assert all(isinstance(r, AppealDecided) for r in others), {type(r).__name__ for r in others}
    stored = await load_claim(uow_factory, claim.id)
    winner_id = stored.history[-1].actor_id
    winner = dict(staff)[winner_id]
    assert {r.by for r in others if isinstance(r, AppealDecided)} == {winner}
    ledger = await refunds(uow_factory)
    if won[0].status == ClaimStatus.REFUNDED:
        assert [(r.claim_id, r.amount, r.issuer_id) for r in ledger] == [
            (claim.id, Decimal("25.00"), winner_id)
        ]
    else:
        assert won[0].status == ClaimStatus.CLOSED and ledger == []
    assert stored.status == won[0].status
    assert len(await buyer_updates(uow_factory, BUYER_EXT)) == before + 1  # told once


async def test_a_verdict_after_the_decision_names_who_decided(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    claim = await rejected(returns, sellers, seller, b)
    await tickets.appeal(b.buyer, claim.id)
    anna = await chat_user(uow_factory, clock, 6001, "Anna")
    ben = await chat_user(uow_factory, clock, 6002, "Ben")
    await tickets.decide_appeal(claim.id, staff_id=anna, staff_name="Anna", refund=False)

    for refund in (True, False):
        for dry_run in (True, False):
            try:
                await tickets.decide_appeal(
                    claim.id, staff_id=ben, staff_name="Ben", refund=refund, dry_run=dry_run
                )
            except AppealDecided as exc:
                assert exc.by == "Anna"
            else:
                raise AssertionError("a second verdict went through")
    assert await refunds(uow_factory) == []


async def test_a_refund_on_appeal_previewed_then_changed_pays_nothing(
    tickets: TicketService,
    returns: ReturnService,
    sellers: SellerClaimService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    b: Bought,
) -> None:
    """What staff were shown is what is paid: the dry run writes nothing, and when the
    order's remainder shrank before Confirm, nothing is paid and the new amount named."""
    claim = await rejected(returns, sellers, seller, b, items={b.items[0]: 2})
    await tickets.appeal(b.buyer, claim.id)
    anna = await chat_user(uow_factory, clock, 6001, "Anna")

    shown = await tickets.decide_appeal(
        claim.id, staff_id=anna, staff_name="Anna", refund=True, dry_run=True
    )
    assert (shown.refunded, shown.currency, shown.buyer_name) == (Decimal("25.00"), "USD", "Jane")
    assert shown.remaining == Decimal("28.99")  # of 53.99 paid
    assert await refunds(uow_factory) == []
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.APPEALED

    await issue_refund(  # the shop refunds part of the order meanwhile
        uow_factory,
        order_id=b.order_id,
        amount=Decimal("35.00"),
        issuer_kind="seller",
        issuer_id=None,
        reason="goodwill",
        idempotency_key="g-1",
        now=clock.now(),
    )
    try:
        await tickets.decide_appeal(
            claim.id, staff_id=anna, staff_name="Anna", refund=True, expect=shown.refunded
        )
    except AmountChanged as exc:
        assert (exc.amount, exc.currency) == (Decimal("18.99"), "USD")
    else:
        raise AssertionError("paid a different amount than was confirmed")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("35.00")]
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.APPEALED
