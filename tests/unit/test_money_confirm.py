"""The service side of confirming money actions: a dry run shows exactly what the
action would pay and writes nothing; a confirmed action pays only the amount shown;
the same goodwill refund (order, amount) within ten minutes is reported instead of
paid; one pending action pays once however often (or however concurrently) it is
confirmed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.domain.errors import AmountChanged
from bot.services.cancellations import DuplicateGoodwill
from bot.services.refunds import issue_refund
from storage.uow import UnitOfWorkFactory
from tests.unit.test_cancellations import NUMBER, World, requested


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(uow_factory, clock)
    await w.setup()
    return w


async def test_a_goodwill_dry_run_shows_the_refund_and_writes_nothing(world: World) -> None:
    before = await world.snapshot()
    shown = await world.service.goodwill_refund(
        world.seller, NUMBER, "5.00", "late", request_key="p1", dry_run=True
    )
    assert (shown.order_number, shown.refunded, shown.currency) == (NUMBER, Decimal("5.00"), "USD")
    assert (shown.remaining, shown.earlier) == (Decimal("32.99"), None)
    assert await world.snapshot() == before


async def test_the_same_goodwill_refund_within_ten_minutes_is_asked_about_not_paid(
    world: World,
) -> None:
    first = await world.service.goodwill_refund(
        world.seller, NUMBER, "10.00", "late", request_key="p1"
    )
    world.clock.advance(timedelta(minutes=4))
    # The seller sends the same /refund again: the dry run names the earlier refund.
    shown = await world.service.goodwill_refund(
        world.seller, NUMBER, "10.00", "late", request_key="p2", dry_run=True
    )
    assert shown.earlier is not None
    assert (shown.earlier.amount, shown.earlier.at) == (
        Decimal("10.00"),
        world.clock.now() - timedelta(minutes=4),
    )
    # Paying it without having seen that refund is refused, and pays nothing.
    with pytest.raises(DuplicateGoodwill):
        await world.service.goodwill_refund(world.seller, NUMBER, "10.00", "late", request_key="p2")
    assert await world.amounts() == [first.refunded]
    # Confirmed after seeing it ("Refund again?"): paid.
    await world.service.goodwill_refund(
        world.seller,
        NUMBER,
        "10.00",
        "late",
        request_key="p2",
        acknowledged=shown.earlier.refund_id,
    )
    assert await world.amounts() == [Decimal("10.00"), Decimal("10.00")]
    # A newer same refund than the one acknowledged is asked about again.
    with pytest.raises(DuplicateGoodwill):
        await world.service.goodwill_refund(
            world.seller,
            NUMBER,
            "10.00",
            "late",
            request_key="p3",
            acknowledged=shown.earlier.refund_id,
        )
    # Another amount, or the same one after the window, is simply paid.
    await world.service.goodwill_refund(world.seller, NUMBER, "3.00", "box", request_key="p4")
    world.clock.advance(timedelta(minutes=11))
    await world.service.goodwill_refund(world.seller, NUMBER, "10.00", "late", request_key="p5")
    assert await world.amounts() == [Decimal("10.00")] * 2 + [Decimal("3.00"), Decimal("10.00")]
    # One pending action confirmed five times at once (several bot processes): paid once,
    # the buyer told once, and none of the taps is mistaken for a "same refund again".
    notices = len(await world.outbox())
    results = await asyncio.gather(
        *(
            world.service.goodwill_refund(
                world.seller, NUMBER, "1.00", "late", request_key="telegram:9001:abc"
            )
            for _ in range(5)
        )
    )
    assert {r.refunded for r in results} == {Decimal("1.00")}
    assert (await world.amounts())[-2:] == [Decimal("10.00"), Decimal("1.00")]
    assert len(await world.outbox()) == notices + 1


async def test_approving_a_cancellation_pays_only_what_was_shown(world: World) -> None:
    request_id = await requested(world)
    shown = await world.service.decide(world.seller, request_id, approve=True, dry_run=True)
    assert (shown.refunded, shown.buyer_name, shown.remaining) == (
        Decimal("37.99"),
        "Jane",
        Decimal("0.00"),
    )
    assert await world.order_status() == "AWAITING_SHIPMENT" and await world.amounts() == []
    await issue_refund(  # a goodwill refund lands before the seller confirms
        world.uow,
        order_id=world.order_id,
        amount=Decimal("5.00"),
        issuer_kind="seller",
        issuer_id=world.seller,
        reason="goodwill: sorry",
        idempotency_key="goodwill:x",
        now=world.clock.now(),
    )
    with pytest.raises(AmountChanged) as changed:
        await world.service.decide(world.seller, request_id, approve=True, expect=shown.refunded)
    assert changed.value.amount == Decimal("32.99")
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.amounts() == [Decimal("5.00")]
    done = await world.service.decide(
        world.seller, request_id, approve=True, expect=changed.value.amount
    )
    assert (done.status, done.refunded) == ("approved", Decimal("32.99"))
    assert await world.amounts() == [Decimal("5.00"), Decimal("32.99")]
