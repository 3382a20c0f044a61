"""Refunds racing each other, each in its own unit of work (its own connection).

On SQLite, write transactions serialise with BEGIN IMMEDIATE and the busy timeout; on
PostgreSQL (TEST_DATABASE_URL) with the payment row lock.  The same tests run on both.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import ActorKind, RefundStatus
from bot.services.gateways import GatewayResult, RefundRequest
from bot.services.refunds import (
    IdempotencyKeyReused,
    RefundExceedsRemaining,
    RefundService,
    issue_refund,
    record_refund,
    remaining_refundable,
)
from storage.models import AuditEntry, Refund
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

CALLS = 50
TOTAL = Decimal("29.99")  # 25.00 + 4.99 shipping


async def _order(uow_factory: UnitOfWorkFactory, clock: FakeClock, number: str) -> int:
    return await make_order(
        uow_factory, clock, number=number, items=(("Lamp", 1, "25.00"),), shipping="4.99"
    )


async def _refund(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, order_id: int, amount: Decimal, key: str
) -> Refund:
    return await issue_refund(
        uow_factory,
        order_id=order_id,
        amount=amount,
        issuer_kind=ActorKind.SELLER,
        issuer_id=9,
        reason="partial refund",
        idempotency_key=key,
        now=clock.now(),
    )


async def _ledger(uow_factory: UnitOfWorkFactory, order_id: int | None = None) -> list[Refund]:
    async with uow_factory(readonly=True) as uow:
        query = select(Refund).order_by(Refund.id)
        if order_id is not None:
            query = query.where(Refund.order_id == order_id)
        return list((await uow.session.scalars(query)).all())


async def test_concurrent_partial_refunds_never_exceed_what_was_paid(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock, "578000000000000001")
    results = await asyncio.gather(
        *(
            _refund(uow_factory, clock, order_id, Decimal("1.00"), f"part-{n}")
            for n in range(CALLS)
        ),
        return_exceptions=True,
    )
    recorded = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, RefundExceedsRemaining)]
    assert len(recorded) + len(refused) == CALLS, [r for r in results if isinstance(r, Exception)]
    assert len(recorded) == 29  # what fits in 29.99
    ledger = await _ledger(uow_factory, order_id)
    assert sorted(r.id for r in ledger) == sorted(r.id for r in recorded)
    assert sum((r.amount for r in ledger), Decimal(0)) == Decimal("29.00")
    assert {e.remaining for e in refused} == {Decimal("0.99")}
    async with uow_factory(readonly=True) as uow:
        assert await remaining_refundable(uow, order_id) == Decimal("0.99")


async def test_concurrent_refunds_of_mixed_amounts_keep_the_invariant(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock, "578000000000000001")
    amounts = [Decimal(a) for a in ("0.37", "1.25", "2.10", "0.05", "3.33")] * (CALLS // 5)
    results = await asyncio.gather(
        *(_refund(uow_factory, clock, order_id, a, f"mix-{n}") for n, a in enumerate(amounts)),
        return_exceptions=True,
    )
    refused_amounts = [
        a for a, r in zip(amounts, results, strict=True) if isinstance(r, RefundExceedsRemaining)
    ]
    recorded = [r for r in results if isinstance(r, Refund)]
    assert len(recorded) + len(refused_amounts) == CALLS
    refunded = sum((r.amount for r in await _ledger(uow_factory, order_id)), Decimal(0))
    assert refunded == sum((r.amount for r in recorded), Decimal(0))
    assert refunded <= TOTAL
    # Whatever was refused did not fit even in what is left at the end (what was left
    # when it was refused can only have been more).
    assert all(a > TOTAL - refunded for a in refused_amounts)


async def test_concurrent_calls_with_one_key_make_one_refund(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock, "578000000000000001")
    results = await asyncio.gather(
        *(
            _refund(uow_factory, clock, order_id, Decimal("5.00"), "claim-4:approve")
            for _ in range(CALLS)
        )
    )
    assert {r.id for r in results} == {results[0].id}
    assert [r.amount for r in await _ledger(uow_factory)] == [Decimal("5.00")]
    async with uow_factory(readonly=True) as uow:
        audits = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "refund.recorded")
            )
        ).all()
    assert len(audits) == 1


async def test_one_key_racing_on_two_orders_makes_one_refund(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    first = await _order(uow_factory, clock, "578000000000000001")
    second = await _order(uow_factory, clock, "578000000000000002")
    results = await asyncio.gather(
        *(
            _refund(uow_factory, clock, (first, second)[n % 2], Decimal("1.00"), "shared")
            for n in range(CALLS)
        ),
        return_exceptions=True,
    )
    (row,) = await _ledger(uow_factory)
    winners = [r for r in results if isinstance(r, Refund)]
    losers = [r for r in results if isinstance(r, IdempotencyKeyReused)]
    assert len(winners) + len(losers) == CALLS, [r for r in results if isinstance(r, Exception)]
    assert {r.id for r in winners} == {row.id}
    assert len(winners) == CALLS // 2  # every call for the winning order gets its row


async def test_a_key_taken_by_an_uncommitted_refund_leaves_the_callers_work_intact(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """B cannot see A's refund (not committed) when it checks the key.  On PostgreSQL
    B's insert then waits on the unique index and fails when A commits; the savepoint
    keeps B's own transaction usable.  On SQLite B waits for A before it starts."""
    order_a = await _order(uow_factory, clock, "578000000000000001")
    order_b = await _order(uow_factory, clock, "578000000000000002")
    recorded, release = asyncio.Event(), asyncio.Event()

    async def a() -> None:
        async with uow_factory() as uow:
            await record_refund(
                uow,
                order_id=order_a,
                amount=Decimal("2.00"),
                issuer_kind=ActorKind.SELLER,
                issuer_id=1,
                reason="a",
                idempotency_key="same",
                now=clock.now(),
            )
            recorded.set()
            await release.wait()
            await uow.commit()

    async def b() -> bool:
        await recorded.wait()
        async with uow_factory() as uow:
            uow.audit.record(
                at=clock.now(),
                actor_kind=ActorKind.SELLER,
                actor_id=2,
                action="claim.approved",
                entity="claim",
                entity_id=1,
            )
            refused = False
            try:
                await record_refund(
                    uow,
                    order_id=order_b,
                    amount=Decimal("2.00"),
                    issuer_kind=ActorKind.SELLER,
                    issuer_id=2,
                    reason="b",
                    idempotency_key="same",
                    now=clock.now(),
                )
            except IdempotencyKeyReused:
                refused = True
            await uow.commit()
            return refused

    task_a, task_b = asyncio.create_task(a()), asyncio.create_task(b())
    await recorded.wait()
    await asyncio.sleep(0.3)  # let B get as far as it can while A holds on
    release.set()
    await task_a
    assert await task_b is True
    assert [(r.order_id, r.reason) for r in await _ledger(uow_factory)] == [(order_a, "a")]
    async with uow_factory(readonly=True) as uow:
        kept = await uow.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "claim.approved")
        )
    assert kept is not None


class CountingGateway:
    def __init__(self) -> None:
        self.calls: list[int] = []

    async def refund(self, request: RefundRequest) -> GatewayResult:
        self.calls.append(request.refund_id)
        await asyncio.sleep(0.01)  # let the other worker run meanwhile
        return GatewayResult("succeeded", f"ref-{request.refund_id}")


@pytest.mark.parametrize("workers", [2, 4])
async def test_concurrent_workers_send_each_refund_once(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, workers: int
) -> None:
    order_id = await _order(uow_factory, clock, "578000000000000001")
    for n in range(10):
        await _refund(uow_factory, clock, order_id, Decimal("1.00"), f"w-{n}")
    gateway = CountingGateway()
    services = [RefundService(uow_factory, clock, gateway) for _ in range(workers)]
    tried = await asyncio.gather(*(s.settle_due() for s in services))
    assert sum(tried) == 10
    assert sorted(gateway.calls) == sorted(set(gateway.calls)) and len(gateway.calls) == 10
    ledger = await _ledger(uow_factory, order_id)
    assert {r.status for r in ledger} == {RefundStatus.SUCCEEDED}
    assert all(r.attempts == 1 for r in ledger)
