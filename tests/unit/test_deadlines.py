"""The deadline job under an injected clock: nothing sleeps, the clock moves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType
from bot.services.deadlines import DeadlineJob
from bot.services.returns import ClaimDraft, ReturnService, new_token
from bot.services.seller_claims import SellerClaimService
from storage.media import MediaStore
from storage.models import ChatUser, Claim, OrderLink, OutboxMessage, Refund, Seller, Shop
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order


class World:
    """One shop with a seller, one buyer who proved one delivered order."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp: Path) -> None:
        self.uow, self.clock = uow_factory, clock
        self.returns = ReturnService(uow_factory, clock, MediaStore(tmp / "media"))
        self.sellers = SellerClaimService(uow_factory, clock, MediaStore(tmp / "media"))
        self.job = DeadlineJob(uow_factory, clock)

    async def setup(self, **shop_settings: object) -> None:
        self.order_id = await make_order(
            self.uow, self.clock, status="DELIVERED", delivered_at=self.clock.now()
        )
        async with self.uow() as uow:
            buyer = ChatUser(external_id=1001, first_name="Jane", created_at=self.clock.now())
            seller = ChatUser(external_id=2001, first_name="Sam", created_at=self.clock.now())
            uow.session.add_all([buyer, seller])
            await uow.flush()
            shop = (await uow.session.scalars(select(Shop))).one()
            shop.settings = dict(shop_settings)
            uow.session.add(
                OrderLink(
                    chat_user_id=buyer.id,
                    order_id=self.order_id,
                    method="email",
                    created_at=self.clock.now(),
                )
            )
            uow.session.add(
                Seller(shop_id=shop.id, chat_user_id=seller.id, created_at=self.clock.now())
            )
            await uow.commit()
            self.buyer, self.seller = buyer.id, seller.id
        async with self.uow(readonly=True) as uow:
            order = await uow.orders.get(self.order_id)
            assert order is not None
            self.item_id = order.items[0].id

    async def claim(self, kind: ClaimType = ClaimType.REFUND) -> int:
        draft = ClaimDraft(
            self.order_id, {self.item_id: 1}, kind, ClaimReason.NO_LONGER_NEEDED, token=new_token()
        )
        return (await self.returns.submit(self.buyer, draft)).id

    async def status(self, claim_id: int) -> ClaimStatus:
        async with self.uow(readonly=True) as uow:
            claim = await uow.session.get(Claim, claim_id)
            assert claim is not None
            return ClaimStatus(claim.status)

    async def refunds(self) -> list[Decimal]:
        async with self.uow(readonly=True) as uow:
            return [r.amount for r in (await uow.session.scalars(select(Refund))).all()]

    async def outbox_kinds(self) -> list[str]:
        async with self.uow(readonly=True) as uow:
            rows = (
                await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ).all()
            return [r.payload["kind"] for r in rows]


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> World:
    w = World(uow_factory, clock, tmp_path)
    await w.setup()
    return w


async def test_unanswered_claim_is_approved_for_the_buyer_after_48_hours(
    world: World, clock: FakeClock
) -> None:
    claim_id = await world.claim()
    clock.advance(timedelta(hours=47, minutes=59))
    assert (await world.job.run_once()).auto_approved == 0
    assert await world.status(claim_id) == ClaimStatus.REQUESTED
    clock.advance(timedelta(minutes=2))
    report = await world.job.run_once()
    assert report.auto_approved == 1
    assert await world.status(claim_id) == ClaimStatus.REFUNDED
    assert await world.refunds() == [Decimal("12.50")]
    assert "claim_update" in await world.outbox_kinds()
    # Running again (or on a second worker) changes nothing more.
    assert (await world.job.run_once()).total == 0
    assert await world.refunds() == [Decimal("12.50")]


async def test_return_and_refund_auto_approval_waits_for_the_parcel(
    world: World, clock: FakeClock
) -> None:
    claim_id = await world.claim(ClaimType.RETURN_AND_REFUND)
    clock.advance(timedelta(hours=49))
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT
    assert await world.refunds() == []


async def test_return_not_shipped_within_5_days_closes(world: World, clock: FakeClock) -> None:
    claim_id = await world.claim(ClaimType.RETURN_AND_REFUND)
    await world.sellers.approve(world.seller, claim_id)
    clock.advance(timedelta(days=4, hours=23))
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT
    clock.advance(timedelta(hours=2))
    assert (await world.job.run_once()).closed_not_shipped == 1
    assert await world.status(claim_id) == ClaimStatus.CLOSED
    assert await world.refunds() == []


async def test_receipt_auto_confirmed_and_refunded_8_days_after_shipping(
    world: World, clock: FakeClock
) -> None:
    claim_id = await world.claim(ClaimType.RETURN_AND_REFUND)
    await world.sellers.approve(world.seller, claim_id)
    await world.returns.ship_back(world.buyer, claim_id, "UPS", "1Z999AA10123456784")
    clock.advance(timedelta(days=8, minutes=1))
    assert (await world.job.run_once()).auto_received == 1
    assert await world.status(claim_id) == ClaimStatus.REFUNDED
    assert await world.refunds() == [Decimal("12.50")]


async def test_appeal_window_closes_after_48_hours(world: World, clock: FakeClock) -> None:
    claim_id = await world.claim()
    await world.sellers.reject(world.seller, claim_id, "evidence_insufficient", "no photo")
    clock.advance(timedelta(hours=47))
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.REJECTED
    clock.advance(timedelta(hours=2))
    assert (await world.job.run_once()).appeals_closed == 1
    assert await world.status(claim_id) == ClaimStatus.CLOSED


async def test_sellers_are_reminded_at_24_and_4_hours_once_each(
    world: World, clock: FakeClock
) -> None:
    await world.claim()
    clock.advance(timedelta(hours=23))  # 25 h left
    await world.job.run_once()
    assert (await world.outbox_kinds()).count("claim_reminder") == 0
    clock.advance(timedelta(hours=2))  # 23 h left
    await world.job.run_once()
    await world.job.run_once()
    assert (await world.outbox_kinds()).count("claim_reminder") == 1
    clock.advance(timedelta(hours=20))  # 3 h left
    await world.job.run_once()
    await world.job.run_once()
    assert (await world.outbox_kinds()).count("claim_reminder") == 2


async def test_needs_info_pauses_the_clock(world: World, clock: FakeClock) -> None:
    claim_id = await world.claim()
    clock.advance(timedelta(hours=40))
    await world.sellers.ask_info(world.seller, claim_id, "Which size did you order?")
    clock.advance(timedelta(days=10))  # the buyer takes their time
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.NEEDS_INFO
    await world.returns.answer_info(world.buyer, claim_id, "Size M", [])
    clock.advance(timedelta(hours=7))  # 8 h were left when the seller asked
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.REQUESTED
    clock.advance(timedelta(hours=2))
    await world.job.run_once()
    assert await world.status(claim_id) == ClaimStatus.REFUNDED


async def test_small_refund_only_claims_auto_approve_at_once(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    world = World(uow_factory, clock, tmp_path)
    await world.setup(auto_approve_refund_below="20.00")
    small = await world.claim()
    big = await world.claim(ClaimType.RETURN_AND_REFUND)
    await world.job.run_once()
    assert await world.status(small) == ClaimStatus.REFUNDED
    assert await world.status(big) == ClaimStatus.REQUESTED


async def test_a_decision_racing_the_job_is_not_applied_twice(
    world: World, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    claim_id = await world.claim()
    clock.advance(timedelta(hours=49))
    await world.sellers.approve(world.seller, claim_id)  # the seller was just in time
    report = await world.job.run_once()
    assert report.auto_approved == 0
    assert await world.refunds() == [Decimal("12.50")]
    async with uow_factory() as uow:  # and a job with a stale view skips quietly
        await uow.session.execute(update(Claim).values(respond_by=clock.now()))
        await uow.commit()
    assert (await world.job.run_once()).auto_approved == 0
