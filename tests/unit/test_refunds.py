"""The refund ledger on a real database: exact sums, the paid-amount ceiling, idempotency
keys, and settling through a gateway without ever guessing an outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.domain.enums import ActorKind, RefundStatus
from bot.domain.errors import OrderNotFound, RefundExceedsPaid
from bot.services.gateways import GatewayResult, RecordOnlyGateway, RefundRequest
from bot.services.refunds import (
    IdempotencyKeyReused,
    InvalidRefundAmount,
    RefundExceedsRemaining,
    RefundService,
    issue_refund,
    record_refund,
    refund_backoff,
    remaining_refundable,
)
from storage.models import AuditEntry, Order, Payment, Refund
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

THIRTY_CENTS = (("Enamel pin", 3, "0.10"),)  # 0.30, no shipping


async def _order(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    items: tuple[tuple[str, int, str], ...] = THIRTY_CENTS,
    shipping: str = "0",
    number: str = "578000000000000001",
) -> int:
    return await make_order(uow_factory, clock, number=number, items=items, shipping=shipping)


async def _refund(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    order_id: int,
    amount: str,
    key: str,
    **extra: Any,
) -> Refund:
    return await issue_refund(
        uow_factory,
        order_id=order_id,
        amount=Decimal(amount),
        issuer_kind=ActorKind.SELLER,
        issuer_id=77,
        reason="damaged in transit",
        idempotency_key=key,
        now=clock.now(),
        **extra,
    )


async def _ledger(uow_factory: UnitOfWorkFactory, order_id: int) -> list[Refund]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.refunds.for_order(order_id))


async def _remaining(uow_factory: UnitOfWorkFactory, order_id: int) -> Decimal:
    async with uow_factory(readonly=True) as uow:
        return await remaining_refundable(uow, order_id)


async def _set_status(uow_factory: UnitOfWorkFactory, refund_id: int, status: str) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Refund).where(Refund.id == refund_id).values(status=status)
        )
        await uow.commit()


class ScriptedGateway:
    """Answers from a script (then succeeds) and remembers every request it got."""

    def __init__(self, *answers: GatewayResult | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[RefundRequest] = []
        self.on_call: Callable[[], Any] | None = None

    async def refund(self, request: RefundRequest) -> GatewayResult:
        self.requests.append(request)
        if self.on_call is not None:
            await self.on_call()
        answer = self.answers.pop(0) if self.answers else GatewayResult("succeeded", "ref-ok")
        if isinstance(answer, Exception):
            raise answer
        return answer


UNKNOWN = GatewayResult("unknown", None, "HTTP 503")
DECLINED = GatewayResult("declined", None, "HTTP 402: card closed")


# ---------------------------------------------------------------- the ledger


async def test_three_dimes_fit_a_thirty_cent_order_and_one_cent_more_does_not(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    for n in range(3):
        await _refund(uow_factory, clock, order_id, "0.10", f"dime-{n}")
    assert await _remaining(uow_factory, order_id) == Decimal("0.00")
    with pytest.raises(RefundExceedsRemaining) as refused:
        await _refund(uow_factory, clock, order_id, "0.01", "one-cent")
    assert refused.value.remaining == Decimal("0.00")
    assert isinstance(refused.value, RefundExceedsPaid)  # what handlers already catch
    ledger = await _ledger(uow_factory, order_id)
    assert sum((r.amount for r in ledger), Decimal(0)) == Decimal("0.30")  # not 0.30000000000000004
    assert len(ledger) == 3


async def test_a_refund_over_what_remains_is_refused_and_says_what_remains(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock, items=(("Lamp", 1, "25.00"),), shipping="4.99")
    await _refund(uow_factory, clock, order_id, "20.00", "first")
    with pytest.raises(RefundExceedsRemaining) as refused:
        await _refund(uow_factory, clock, order_id, "10.00", "second")
    assert (refused.value.requested, refused.value.remaining) == (Decimal("10.00"), Decimal("9.99"))
    assert refused.value.currency == "USD"
    assert len(await _ledger(uow_factory, order_id)) == 1
    assert await _remaining(uow_factory, order_id) == Decimal("9.99")
    await _refund(uow_factory, clock, order_id, "9.99", "exactly-the-rest")
    assert await _remaining(uow_factory, order_id) == Decimal(0)


async def test_failed_refunds_do_not_count_towards_what_was_refunded(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    failed = await _refund(uow_factory, clock, order_id, "0.30", "bounced")
    await _set_status(uow_factory, failed.id, RefundStatus.FAILED)
    assert await _remaining(uow_factory, order_id) == Decimal("0.30")
    await _refund(uow_factory, clock, order_id, "0.30", "again")
    assert await _remaining(uow_factory, order_id) == Decimal(0)


async def test_pending_and_succeeded_refunds_both_count(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    paid = await _refund(uow_factory, clock, order_id, "0.20", "paid")
    await _set_status(uow_factory, paid.id, RefundStatus.SUCCEEDED)
    await _refund(uow_factory, clock, order_id, "0.05", "pending")
    assert await _remaining(uow_factory, order_id) == Decimal("0.05")


async def test_the_remaining_amount_is_what_could_actually_be_refunded(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """A payment with sub-cent tax leaves fractions no USD refund can pay back."""
    order_id = await _order(uow_factory, clock)
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Payment).where(Payment.order_id == order_id).values(total_paid=Decimal("0.3025"))
        )
        await uow.commit()
    assert await _remaining(uow_factory, order_id) == Decimal("0.30")
    await _refund(uow_factory, clock, order_id, "0.30", "all")
    with pytest.raises(RefundExceedsRemaining) as refused:
        await _refund(uow_factory, clock, order_id, "0.01", "more")
    assert refused.value.remaining == Decimal("0.00")


async def test_the_same_key_twice_is_one_refund(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    first = await _refund(uow_factory, clock, order_id, "0.25", "claim-9:approve")
    again = await _refund(uow_factory, clock, order_id, "0.250", "claim-9:approve")
    assert again.id == first.id
    assert len(await _ledger(uow_factory, order_id)) == 1
    async with uow_factory(readonly=True) as uow:
        audits = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "refund.recorded")
            )
        ).all()
    assert [(a.entity_id, a.actor_kind, a.actor_id) for a in audits] == [
        (str(first.id), "seller", 77)
    ]
    assert audits[0].details["amount"] == "0.25"


async def test_the_same_key_for_another_amount_or_order_is_refused(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    other_id = await _order(uow_factory, clock, number="578000000000000002")
    await _refund(uow_factory, clock, order_id, "0.10", "k")
    with pytest.raises(IdempotencyKeyReused):
        await _refund(uow_factory, clock, order_id, "0.20", "k")
    with pytest.raises(IdempotencyKeyReused):
        await _refund(uow_factory, clock, other_id, "0.10", "k")
    assert len(await _ledger(uow_factory, order_id)) == 1
    assert await _ledger(uow_factory, other_id) == []


@pytest.mark.parametrize(
    "amount",
    [
        Decimal(0),
        Decimal("-0.10"),
        Decimal("0.001"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("0.1" + "0" * 30 + "1"),
        0.1,
        "0.10",
    ],
)
async def test_amounts_that_are_not_money_are_refused(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, amount: Any
) -> None:
    order_id = await _order(uow_factory, clock)
    with pytest.raises(InvalidRefundAmount):
        async with uow_factory() as uow:
            await record_refund(
                uow,
                order_id=order_id,
                amount=amount,
                issuer_kind=ActorKind.STAFF,
                issuer_id=1,
                reason="goodwill",
                idempotency_key="bad",
                now=clock.now(),
            )
    assert await _ledger(uow_factory, order_id) == []


async def test_an_unknown_order_is_not_found(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    with pytest.raises(OrderNotFound):
        await _refund(uow_factory, clock, 424242, "1.00", "nowhere")


async def test_the_refund_commits_with_the_callers_decision_or_not_at_all(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)

    async def decide(commit: bool, key: str) -> None:
        async with uow_factory() as uow:
            order = await uow.orders.get(order_id)
            assert order is not None
            order.status = "COMPLETED"  # the caller's own change, pending in the session
            await record_refund(
                uow,
                order_id=order_id,
                amount=Decimal("0.10"),
                issuer_kind=ActorKind.SELLER,
                issuer_id=5,
                reason="approved",
                idempotency_key=key,
                claim_id=None,
                now=clock.now(),
            )
            if commit:
                await uow.commit()

    await decide(False, "abandoned")
    assert await _ledger(uow_factory, order_id) == []
    await decide(True, "kept")
    assert [r.idempotency_key for r in await _ledger(uow_factory, order_id)] == ["kept"]
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(Order.status).where(Order.id == order_id)) == (
            "COMPLETED"
        )


async def test_new_refunds_are_pending_and_due_at_once(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    refund = await _refund(uow_factory, clock, order_id, "0.10", "k", claim_id=None)
    assert (refund.status, refund.attempts, refund.next_attempt_at) == (
        RefundStatus.PENDING,
        0,
        clock.now(),
    )
    assert (refund.currency, refund.issuer_kind, refund.reason) == (
        "USD",
        "seller",
        "damaged in transit",
    )


# ---------------------------------------------------------------- settlement


async def test_record_only_gateway_marks_refunds_succeeded(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    await _refund(uow_factory, clock, order_id, "0.10", "a")
    await _refund(uow_factory, clock, order_id, "0.20", "b")
    service = RefundService(uow_factory, clock, RecordOnlyGateway())
    assert await service.settle_due() == 2
    assert await service.settle_due() == 0
    views = await service.refunds_for_order(order_id)
    assert [(v.amount, v.status, v.gateway_reference, v.attempts) for v in views] == [
        (Decimal("0.10"), RefundStatus.SUCCEEDED, "manual", 1),
        (Decimal("0.20"), RefundStatus.SUCCEEDED, "manual", 1),
    ]
    assert views[0].issuer_kind == ActorKind.SELLER
    # Succeeded refunds still count: nothing is left to refund.
    assert await _remaining(uow_factory, order_id) == Decimal(0)


async def test_the_gateway_gets_the_order_shop_and_exact_amount(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock, items=(("Lamp", 1, "12.50"),))
    refund = await _refund(uow_factory, clock, order_id, "12.5", "exact")
    gateway = ScriptedGateway()
    await RefundService(uow_factory, clock, gateway).settle_due()
    assert gateway.requests == [
        RefundRequest(
            refund_id=refund.id,
            order_number="578000000000000001",
            shop_code="acme",
            amount=Decimal("12.50"),
            currency="USD",
            reason="damaged in transit",
            idempotency_key="exact",
        )
    ]
    assert str(gateway.requests[0].amount) == "12.50"


async def test_an_unknown_outcome_stays_pending_and_is_retried_with_the_same_key(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    await _refund(uow_factory, clock, order_id, "0.30", "claim-1:approve")
    gateway = ScriptedGateway(UNKNOWN, UNKNOWN)
    service = RefundService(uow_factory, clock, gateway)

    assert await service.settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.attempts) == (RefundStatus.PENDING, 1)
    assert row.next_attempt_at == clock.now() + refund_backoff(1)
    assert await service.settle_due() == 0  # not due yet: backing off
    # Still pending means still counted: no second refund of the same money.
    with pytest.raises(RefundExceedsPaid):
        await _refund(uow_factory, clock, order_id, "0.01", "extra")

    clock.advance(refund_backoff(1))
    assert await service.settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.attempts) == (RefundStatus.PENDING, 2)
    assert row.next_attempt_at == clock.now() + refund_backoff(2)

    clock.advance(refund_backoff(2))
    assert await service.settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.attempts, row.gateway_reference) == (
        RefundStatus.SUCCEEDED,
        3,
        "ref-ok",
    )
    assert {r.idempotency_key for r in gateway.requests} == {"claim-1:approve"}
    assert len(gateway.requests) == 3


async def test_backoff_grows_and_is_capped() -> None:
    waits = [refund_backoff(n) for n in range(1, 30)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert waits == sorted(waits)
    assert waits[-1] == timedelta(hours=1)


async def test_a_declined_refund_fails_and_its_amount_is_refundable_again(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    await _refund(uow_factory, clock, order_id, "0.30", "first-try")
    service = RefundService(uow_factory, clock, ScriptedGateway(DECLINED))
    assert await service.settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.next_attempt_at) == (RefundStatus.FAILED, None)
    clock.advance(timedelta(days=1))
    assert await service.settle_due() == 0  # failed rows are never retried
    assert await _remaining(uow_factory, order_id) == Decimal("0.30")
    await _refund(uow_factory, clock, order_id, "0.30", "second-try")
    async with uow_factory(readonly=True) as uow:
        actions = (
            await uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        ).all()
    assert "refund.declined" in actions


async def test_a_crashing_gateway_is_an_unknown_outcome_not_a_failure(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    await _refund(uow_factory, clock, order_id, "0.10", "k")
    service = RefundService(uow_factory, clock, ScriptedGateway(RuntimeError("bug")))
    assert await service.settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.attempts) == (RefundStatus.PENDING, 1)


async def test_rows_written_without_a_schedule_are_settled_too(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Some use cases add ledger rows directly (e.g. cancelling an unshipped order)."""
    order_id = await _order(uow_factory, clock)
    async with uow_factory() as uow:
        uow.refunds.add(
            Refund(
                order_id=order_id,
                amount=Decimal("0.30"),
                currency="USD",
                status=RefundStatus.PENDING,
                issuer_kind=ActorKind.BUYER,
                issuer_id=1,
                reason="order cancelled",
                idempotency_key=f"cancel:{order_id}",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
    assert await RefundService(uow_factory, clock, RecordOnlyGateway()).settle_due() == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert row.status == RefundStatus.SUCCEEDED


async def test_settle_due_stops_at_the_limit(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await _order(uow_factory, clock)
    for n in range(3):
        await _refund(uow_factory, clock, order_id, "0.10", f"k{n}")
    service = RefundService(uow_factory, clock, RecordOnlyGateway())
    assert await service.settle_due(limit=2) == 2
    assert await service.settle_due(limit=2) == 1


async def test_a_late_unknown_never_undoes_an_answer_stored_meanwhile(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Worker A's call outlives its lease; worker B retries (same key) and is told
    "paid".  A's "no answer" afterwards must not put the refund back to pending."""
    order_id = await _order(uow_factory, clock)
    await _refund(uow_factory, clock, order_id, "0.10", "k")
    b = RefundService(uow_factory, clock, ScriptedGateway(GatewayResult("succeeded", "ref-b")))
    slow = ScriptedGateway(UNKNOWN)
    a = RefundService(uow_factory, clock, slow, lease=timedelta(0))

    async def meanwhile() -> None:
        assert await b.settle_due() == 1  # A's zero lease has run out

    slow.on_call = meanwhile
    assert await a.settle_due(limit=1) == 1
    (row,) = await _ledger(uow_factory, order_id)
    assert (row.status, row.gateway_reference, row.attempts) == (
        RefundStatus.SUCCEEDED,
        "ref-b",
        2,
    )
