"""Buyer order use cases: proving ownership, throttling, visibility, cancelling."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.domain.errors import InvalidTransition, OrderNotFound
from bot.services.links import LinkSigner
from bot.services.orders import (
    MAX_FAILED_PROOFS,
    OrderService,
    ProofRefused,
    TooManyAttempts,
    phones_match,
)
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

SECRET = b"test-secret-key-0123456789"


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> OrderService:
    return OrderService(uow_factory, clock, LinkSigner(SECRET))


async def _user(service: OrderService, external_id: int = 1001) -> int:
    return (await service.identify("telegram", external_id, "Jane")).id


async def test_email_proof_links_the_order(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    order_id = await make_order(uow_factory, clock, email="jane@example.com")
    user = await _user(service)
    order = await service.prove(user, "578000000000000001", email_or_phone=" Jane@Example.com ")
    assert order.id == order_id
    assert (await service.orders(user)).total == 1
    assert (await service.order(user, order_id)).order_number == "578000000000000001"


async def test_phone_proof_accepts_national_format(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    await make_order(uow_factory, clock, phone="15550100001")
    user = await _user(service)
    await service.prove(user, "578000000000000001", email_or_phone="(555) 010-0001")
    assert (await service.orders(user)).total == 1


@pytest.mark.parametrize(
    ("given", "stored", "expected"),
    [
        ("+1 555 010 0001", "15550100001", True),
        ("5550100001", "15550100001", True),
        ("5550100002", "15550100001", False),
        ("0100001", "15550100001", False),  # a short suffix is not enough
        ("", "15550100001", False),
    ],
)
def test_phone_matching(given: str, stored: str, expected: bool) -> None:
    assert phones_match(given, stored) is expected


async def test_wrong_proof_and_unknown_order_fail_alike(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    await make_order(uow_factory, clock)
    user = await _user(service)
    with pytest.raises(ProofRefused) as wrong:
        await service.prove(user, "578000000000000001", email_or_phone="other@example.com")
    with pytest.raises(ProofRefused) as unknown:
        await service.prove(user, "999999999", email_or_phone="buyer@example.com")
    assert str(wrong.value) == str(unknown.value)
    assert (await service.orders(user)).total == 0


async def test_five_failures_in_an_hour_lock_the_buyer_out(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    await make_order(uow_factory, clock)
    user = await _user(service)
    for _ in range(MAX_FAILED_PROOFS):
        with pytest.raises(ProofRefused):
            await service.prove(user, "578000000000000001", email_or_phone="x@example.com")
    clock.advance(timedelta(minutes=10))
    # Even the right proof is refused while locked out, with the time left.
    with pytest.raises(TooManyAttempts) as locked:
        await service.prove(user, "578000000000000001", email_or_phone="buyer@example.com")
    assert timedelta(minutes=49) < locked.value.retry_after <= timedelta(minutes=50)
    clock.advance(timedelta(minutes=51))
    await service.prove(user, "578000000000000001", email_or_phone="buyer@example.com")


async def test_order_is_invisible_to_users_who_did_not_prove_it(
    service, uow_factory, clock
) -> None:  # type: ignore[no-untyped-def]
    order_id = await make_order(uow_factory, clock)
    owner, stranger = await _user(service, 1), await _user(service, 2)
    await service.prove(owner, "578000000000000001", email_or_phone="buyer@example.com")
    with pytest.raises(OrderNotFound):
        await service.order(stranger, order_id)
    with pytest.raises(OrderNotFound):
        await service.cancel(stranger, order_id)


async def test_signed_link_links_and_forged_link_does_not(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    order_id = await make_order(uow_factory, clock)
    user = await _user(service)
    token = (await service.order_link(order_id)).token
    assert len(token) <= 64
    forged = LinkSigner(b"another-secret-0123456789").sign(
        "o", order_id, expires_at=clock.now() + timedelta(days=1)
    )
    with pytest.raises(ProofRefused):
        await service.link_by_token(user, forged)
    # Two characters of the signature changed (never to what they were: a token that
    # happened to end in "AA" made this a no-op, about one run in 4,096).
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(ProofRefused):
        await service.link_by_token(user, tampered)
    await service.link_by_token(user, token)
    assert (await service.order(user, order_id)).id == order_id


async def test_cancel_on_hold_records_a_full_refund(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    order_id = await make_order(uow_factory, clock, status="ON_HOLD", carrier=None)
    user = await _user(service)
    await service.prove(user, "578000000000000001", email_or_phone="buyer@example.com")
    result = await service.cancel(user, order_id)
    assert result.order.status == "CANCELLED"
    assert result.refund_amount == Decimal("29.99")
    async with uow_factory(readonly=True) as uow:
        refunds = await uow.refunds.for_order(order_id)
    assert [(r.amount, r.status) for r in refunds] == [(Decimal("29.99"), "pending")]
    with pytest.raises(InvalidTransition):  # a second tap changes nothing
        await service.cancel(user, order_id)


@pytest.mark.parametrize("status", ["AWAITING_SHIPMENT", "IN_TRANSIT", "DELIVERED", "COMPLETED"])
async def test_cancel_refused_once_fulfilment_started(service, uow_factory, clock, status) -> None:  # type: ignore[no-untyped-def]
    order_id = await make_order(uow_factory, clock, status=status)
    user = await _user(service)
    await service.prove(user, "578000000000000001", email_or_phone="buyer@example.com")
    with pytest.raises(InvalidTransition):
        await service.cancel(user, order_id)
    assert (await service.order(user, order_id)).status == status


async def test_orders_are_paged_newest_first(service, uow_factory, clock) -> None:  # type: ignore[no-untyped-def]
    user = await _user(service)
    for n in range(7):
        await make_order(uow_factory, clock, number=f"57800000000000010{n}")
        clock.advance(timedelta(hours=1))
        await service.prove(user, f"57800000000000010{n}", email_or_phone="buyer@example.com")
    first, second = await service.orders(user, 1), await service.orders(user, 2)
    assert (first.total, first.pages, len(first.orders), len(second.orders)) == (7, 2, 5, 2)
    assert first.orders[0].order_number == "578000000000000106"
    assert (await service.orders(user, 99)).page == 2  # out of range clamps, never errors
