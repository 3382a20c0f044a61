"""The proof throttle under concurrency and against many accounts.

A guesser must not get more checks by sending proofs in parallel (several workers on
PostgreSQL), nor by spreading guesses at one order over many Telegram accounts; and a
stranger's guessing must not lock the real buyer out of their own order.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.services.links import LinkSigner
from bot.services.orders import (
    MAX_FAILED_PROOFS,
    MAX_FAILED_PROOFS_PER_ORDER,
    OrderService,
    ProofRefused,
    TooManyAttempts,
)
from storage.models import OrderLink, ProofAttempt
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

SECRET = b"test-secret-key-0123456789"
NUMBER = "578000000000000001"
UNKNOWN = "578999999999999999"


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> OrderService:
    return OrderService(uow_factory, clock, LinkSigner(SECRET))


async def _users(service: OrderService, count: int, first: int = 5000) -> list[int]:
    return [(await service.identify("telegram", first + n, f"U{n}")).id for n in range(count)]


async def _checked(uow_factory: UnitOfWorkFactory) -> int:
    """How many proofs were actually compared with an order (each leaves one row)."""
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ProofAttempt)) or 0)


async def _outcome(service: OrderService, user: int, number: str, proof: str) -> str:
    try:
        await service.prove(user, number, email_or_phone=proof)
    except TooManyAttempts as exc:
        return f"throttled:{exc.scope}:{int(exc.retry_after.total_seconds())}"
    except ProofRefused as exc:
        return f"refused:{exc}"
    return "linked"


async def test_fifty_simultaneous_proofs_by_one_user_check_at_most_five(
    service: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    [user] = await _users(service, 1)

    outcomes = await asyncio.gather(
        *(_outcome(service, user, NUMBER, f"guess{n}@example.com") for n in range(50))
    )

    assert outcomes.count("refused:") == MAX_FAILED_PROOFS
    assert await _checked(uow_factory) == MAX_FAILED_PROOFS
    assert all(o == "refused:" or o.startswith("throttled:account:") for o in outcomes)
    # The right proof now waits too: the throttle held, it did not just slow things down.
    assert (await _outcome(service, user, NUMBER, "buyer@example.com")).startswith("throttled")


async def test_simultaneous_guesses_from_many_accounts_check_at_most_the_order_limit(
    service: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    users = await _users(service, 40)

    outcomes = await asyncio.gather(
        *(_outcome(service, u, NUMBER, f"guess{u}@example.com") for u in users)
    )

    assert outcomes.count("refused:") == MAX_FAILED_PROOFS_PER_ORDER
    assert await _checked(uow_factory) == MAX_FAILED_PROOFS_PER_ORDER
    assert all(o == "refused:" or o.startswith("throttled:order:") for o in outcomes)


async def test_many_accounts_are_slowed_alike_at_a_real_and_an_unknown_order(
    service: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    real_users = await _users(service, MAX_FAILED_PROOFS_PER_ORDER + 3, first=6000)
    unknown_users = await _users(service, MAX_FAILED_PROOFS_PER_ORDER + 3, first=7000)

    seen: dict[str, list[str]] = {NUMBER: [], UNKNOWN: []}
    for real, unknown in zip(real_users, unknown_users, strict=True):
        seen[NUMBER].append(await _outcome(service, real, NUMBER, "nope@example.com"))
        seen[UNKNOWN].append(await _outcome(service, unknown, UNKNOWN, "nope@example.com"))
        clock.advance(timedelta(seconds=30))

    # Whether the order exists or not, every account saw exactly the same replies ...
    assert seen[NUMBER] == seen[UNKNOWN]
    # ... the first 20 guesses were checked, then the order number was slowed down.
    assert seen[NUMBER][:MAX_FAILED_PROOFS_PER_ORDER] == ["refused:"] * 20
    assert all(o.startswith("throttled:order:") for o in seen[NUMBER][20:])
    # Even the right email typed by a fresh account waits, like a guess at no order.
    [late, late_unknown] = await _users(service, 2, first=8000)
    right = await _outcome(service, late, NUMBER, "buyer@example.com")
    at_unknown = await _outcome(service, late_unknown, UNKNOWN, "buyer@example.com")
    assert right == at_unknown and right.startswith("throttled:order:")
    # It lifts once the window has passed.
    clock.advance(timedelta(hours=1))
    assert await _outcome(service, late, NUMBER, "buyer@example.com") == "linked"


async def test_the_real_buyer_still_links_by_contact_and_by_signed_link(
    service: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, phone="15550100001")
    strangers = await _users(service, MAX_FAILED_PROOFS_PER_ORDER)
    for s in strangers:
        assert await _outcome(service, s, NUMBER, "+1 555 010 9999") == "refused:"
    [buyer, other] = await _users(service, 2, first=9000)
    assert (await _outcome(service, buyer, NUMBER, "15550100001")).startswith("throttled:order")

    # The buyer's own Telegram contact (its phone is on the order) links at once.
    order = await service.prove(buyer, NUMBER, email_or_phone="+15550100001", via_contact=True)
    assert order.id == order_id
    # A contact whose phone does not match is refused as any wrong proof is.
    with pytest.raises(ProofRefused):
        await service.prove(other, NUMBER, email_or_phone="+15550100777", via_contact=True)
    # And a signed link from the shop works whatever the throttle says.
    link = await service.order_link(order_id)
    await service.link_by_token(other, link.token)
    async with uow_factory(readonly=True) as uow:
        linked = await uow.session.scalars(select(OrderLink.chat_user_id))
        assert sorted(linked) == sorted([buyer, other])
