"""Notifications and refunds go out when the decision commits, not at the workers' next
poll (issue 15): with both workers polling once an hour, a seller's approval still
reaches the buyer and the payment gateway while the test waits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, RefundStatus
from bot.services.gateways import GatewayResult, RefundRequest
from bot.services.notices import ClaimUpdate
from bot.services.outbox import Notification, OutboxWorker, Parts
from bot.services.refunds import RefundService
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness
from tests.unit.test_seller_claims import (
    BUYER_EXT,
    Bought,
    bought,
    file_claim,
    load_claim,
    make_seller,
    refunds,
)

SELLER_EXT = 3001  # harness.seller()'s user id
AN_HOUR = 3600.0
WAIT = 10.0  # a failure guard only: without a wake-up nothing comes for an hour


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Bought:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return await bought(uow_factory, clock, buyer_ext=BUYER_EXT)


class Gateway:
    """The shop's payment endpoint: records what it was asked to pay."""

    def __init__(self) -> None:
        self.asked: list[RefundRequest] = []
        self.called = asyncio.Event()

    async def refund(self, request: RefundRequest) -> GatewayResult:
        self.asked.append(request)
        self.called.set()
        return GatewayResult("succeeded", f"pay-{request.refund_id}")


class Telegram:
    """The Bot API as the outbox worker sees it: records each notification."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.news = asyncio.Event()

    async def deliver(self, notification: Notification, parts: Parts) -> None:
        self.sent.append(notification)
        self.news.set()

    def to(self, chat_id: int) -> list[Notification]:
        return [n for n in self.sent if n.chat_id == chat_id]


def after_each_look(
    look: Callable[[], Awaitable[int]], looked: asyncio.Event
) -> Callable[[], Awaitable[int]]:
    """A worker's pass that says when it is over: the loop then waits (an hour) for a
    wake-up before it looks again."""

    async def counted() -> int:
        done = await look()
        looked.set()
        return done

    return counted


@contextlib.asynccontextmanager
async def idle_workers(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, telegram: Telegram, gateway: Gateway
) -> AsyncIterator[asyncio.Event]:
    """The running bot's outbox worker and refund settler, polling once an hour, started
    and left idle: each made its first look (the seller's news about the new claim is
    sent then) and now sleeps.  Yields the event set when the settler's next pass is
    over (its gateway's answer stored)."""
    outbox = OutboxWorker(uow_factory, clock, telegram.deliver)
    settler = RefundService(uow_factory, clock, gateway)
    outbox_looked, settler_looked = asyncio.Event(), asyncio.Event()
    outbox.run_once = after_each_look(outbox.run_once, outbox_looked)  # type: ignore[method-assign]
    settler.settle_due = after_each_look(settler.settle_due, settler_looked)  # type: ignore[method-assign]
    loops = [
        asyncio.create_task(outbox.run_forever(idle_seconds=AN_HOUR)),
        asyncio.create_task(settler.run_forever(idle_seconds=AN_HOUR)),
    ]
    try:
        await asyncio.wait_for(telegram.news.wait(), WAIT)  # the seller's "new request"
        # A pass that sent something is followed by another at once; wait for the look
        # that found nothing, after which the loop sleeps.
        while True:
            outbox_looked.clear()
            await asyncio.wait_for(outbox_looked.wait(), WAIT)
            if len(telegram.sent) == 1:
                break
        await asyncio.wait_for(settler_looked.wait(), WAIT)
        telegram.news.clear()
        settler_looked.clear()
        yield settler_looked
    finally:
        for loop in loops:
            loop.cancel()
        for loop in loops:
            with contextlib.suppress(asyncio.CancelledError):
                await loop


async def test_an_approval_reaches_the_buyer_and_the_gateway_while_the_workers_sleep(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    telegram, gateway = Telegram(), Gateway()
    async with idle_workers(uow_factory, clock, telegram, gateway) as settled:
        assert [n.kind for n in telegram.to(SELLER_EXT)] == ["claim_new"]
        assert telegram.to(BUYER_EXT) == [] and gateway.asked == []

        seller = harness.seller()
        await seller.press(f"qa:{claim.id}")
        assert "Nothing is paid until you confirm" in seller.said
        await seller.tap("Confirm")

        await asyncio.wait_for(gateway.called.wait(), WAIT)
        await asyncio.wait_for(settled.wait(), WAIT)
        await asyncio.wait_for(telegram.news.wait(), WAIT)
    [paid] = gateway.asked
    assert paid.amount == claim.amount
    [told] = telegram.to(BUYER_EXT)
    assert isinstance(told.notice, ClaimUpdate) and told.notice.status == ClaimStatus.REFUNDED
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED
    [refund] = await refunds(uow_factory)
    assert refund.status == RefundStatus.SUCCEEDED  # the gateway's answer is stored
