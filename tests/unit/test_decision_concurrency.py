"""Sellers tapping at once: one claim is decided once and refunded once, and refunds on
one order never add up to more than the buyer paid.  Every call runs in its own unit of
work, as two sellers' updates (or two bot processes) would; this must hold on SQLite
and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, ClaimType
from bot.domain.errors import InvalidTransition, RefundExceedsPaid
from bot.services.returns import ReturnService
from bot.services.seller_claims import AlreadyDecided, BadAmount, Decision, SellerClaimService
from storage.media import MediaStore
from storage.models import ClaimEvent, Payment, Refund
from storage.uow import UnitOfWorkFactory
from tests.unit.test_seller_claims import (
    BUYER_EXT,
    OTHER_SELLER_EXT,
    SELLER_EXT,
    bought,
    buyer_updates,
    file_claim,
    load_claim,
    make_seller,
    refunds,
)

TAPS = 50


@pytest.fixture
def returns(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> ReturnService:
    return ReturnService(uow_factory, clock, MediaStore(tmp_path / "media"))


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> SellerClaimService:
    return SellerClaimService(uow_factory, clock, MediaStore(tmp_path / "media"))


async def test_fifty_approve_taps_by_two_sellers_decide_and_refund_once(
    service: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    sam = await make_seller(uow_factory, clock, SELLER_EXT)
    kim = await make_seller(uow_factory, clock, OTHER_SELLER_EXT)  # same shop
    b = await bought(uow_factory, clock)
    claim = await file_claim(returns, b, {b.items[0]: 2}, type=ClaimType.REFUND)
    assert claim.amount == Decimal("25.00")

    async def tap(n: int) -> Decision | Exception:
        try:
            return await service.approve(sam if n % 2 else kim, claim.id)
        except (AlreadyDecided, InvalidTransition) as exc:
            return exc

    results = await asyncio.gather(*(tap(n) for n in range(TAPS)))

    decided = [r for r in results if isinstance(r, Decision)]
    assert len(decided) == 1, results
    assert (decided[0].status, decided[0].refunded) == (ClaimStatus.REFUNDED, Decimal("25.00"))
    assert all(
        isinstance(r, AlreadyDecided | InvalidTransition) for r in results if r not in decided
    )
    async with uow_factory(readonly=True) as uow:
        events = (
            await uow.session.scalars(
                select(ClaimEvent.to_status).where(ClaimEvent.claim_id == claim.id)
            )
        ).all()
    assert sorted(events) == ["APPROVED", "REFUNDED", "REQUESTED"]
    assert [(r.claim_id, r.amount) for r in await refunds(uow_factory)] == [
        (claim.id, Decimal("25.00"))
    ]
    assert len(await buyer_updates(uow_factory, BUYER_EXT)) == 1  # told once
    stored = await load_claim(uow_factory, claim.id)
    assert stored.status == ClaimStatus.REFUNDED


async def test_concurrent_different_decisions_on_one_claim_leave_one_outcome(
    service: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    """Approve, reject, ask and partial-refund all at once: exactly one wins."""
    sam = await make_seller(uow_factory, clock, SELLER_EXT)
    kim = await make_seller(uow_factory, clock, OTHER_SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(returns, b, {b.items[0]: 1})
    calls = [
        lambda: service.approve(sam, claim.id),
        lambda: service.reject(kim, claim.id, "other", "No."),
        lambda: service.ask_info(sam, claim.id, "Which one?"),
        lambda: service.partial_refund(kim, claim.id, "3.00", reason="worn"),
    ] * 10

    async def run(n: int) -> Decision | Exception:
        try:
            return await calls[n]()
        except (AlreadyDecided, InvalidTransition) as exc:
            return exc

    results = await asyncio.gather(*(run(n) for n in range(len(calls))))

    decided = [r for r in results if isinstance(r, Decision)]
    assert len(decided) == 1, results
    stored = await load_claim(uow_factory, claim.id)
    assert stored.status == decided[0].status
    ledger = await refunds(uow_factory)
    assert sum((r.amount for r in ledger), Decimal(0)) == (decided[0].refunded or Decimal(0))
    assert len(ledger) <= 1
    assert len(await buyer_updates(uow_factory, BUYER_EXT)) == 1


async def test_fifty_partial_refunds_on_one_order_never_exceed_what_was_paid(
    service: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    sam = await make_seller(uow_factory, clock, SELLER_EXT)
    kim = await make_seller(uow_factory, clock, OTHER_SELLER_EXT)
    b = await bought(uow_factory, clock, items=(("Mug", TAPS, "1.00"),), shipping="0.00")
    claims = [await file_claim(returns, b, {b.items[0]: 1}) for _ in range(TAPS)]
    async with uow_factory(readonly=True) as uow:
        payment = await uow.session.scalar(select(Payment).where(Payment.order_id == b.order_id))
        assert payment is not None
        paid = payment.total_paid
    assert paid == Decimal("50.00")

    async def refund(n: int) -> Decision | Exception:
        try:
            return await service.partial_refund(
                sam if n % 2 else kim, claims[n].id, "3.00", reason="worn"
            )
        except BadAmount as exc:
            return exc

    results = await asyncio.gather(*(refund(n) for n in range(TAPS)))

    granted = [r for r in results if isinstance(r, Decision)]
    refused = [r for r in results if isinstance(r, BadAmount)]
    assert len(granted) + len(refused) == TAPS
    # Every refund is the amount the seller typed, never silently less.
    assert {r.refunded for r in granted} == {Decimal("3.00")}
    assert len(granted) == 16  # 16 × 3.00 = 48.00; 2.00 is left, less than asked
    assert {r.remaining for r in refused} == {Decimal("2.00")}
    ledger = await refunds(uow_factory)
    assert len(ledger) == len(granted)
    assert sum((r.amount for r in ledger), Decimal(0)) == Decimal("48.00") <= paid
    assert {r.claim_id for r in ledger} == {r.claim_id for r in granted}
    # The claims that got no money are untouched, still waiting for a decision.
    for claim in claims:
        stored = await load_claim(uow_factory, claim.id)
        expected = "REFUNDED" if claim.id in {r.claim_id for r in granted} else "REQUESTED"
        assert stored.status == expected


async def test_concurrent_full_approvals_share_out_what_remains(
    service: SellerClaimService,
    returns: ReturnService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    """Full approvals of many claims on one order, racing a partial refund that takes
    most of the money: the ledger never passes what was paid, and no approval fails
    with an error the seller cannot act on."""
    sam = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock, items=(("Mug", 20, "1.00"),), shipping="0.00")
    claims = [await file_claim(returns, b, {b.items[0]: 1}) for _ in range(20)]

    async def decide(n: int) -> Decision | Exception:
        try:
            if n == 0:
                return await service.partial_refund(sam, claims[0].id, "15.00", reason="worn")
            return await service.approve(sam, claims[n].id)
        except (BadAmount, RefundExceedsPaid) as exc:
            return exc

    results = await asyncio.gather(*(decide(n) for n in range(20)))

    assert not [r for r in results if isinstance(r, RefundExceedsPaid)], results
    async with uow_factory(readonly=True) as uow:
        total = sum(
            (r.amount for r in (await uow.session.scalars(select(Refund))).all()), Decimal(0)
        )
    assert total <= Decimal("20.00")
    assert total == sum(
        (r.refunded or Decimal(0) for r in results if isinstance(r, Decision)), Decimal(0)
    )
