"""Issue 14 end to end with the core's real marketplace claims: a TikTok return by
webhook becomes a claim the sellers are told about; a seller's decision goes to TikTok
(signed, checked by the emulator) and moves the claim; TikTok's refusal brings the
claim to TikTok's status."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok.inbox import ClaimsInbox
from bot.services.marketplace import DecisionRefused
from bot.services.marketplace_claims import MarketplaceClaims
from bot.services.marketplace_decisions import MarketplaceDecisions
from storage.media import MediaStore
from storage.models import CancelRequest, Claim
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import SELLER_CHAT, World
from tests.tiktok.helpers import outbox
from tests.unit.test_seller_claims import make_seller

NUMBER = "576000000000000901"
RETURN_ID = "4035000000000901"


async def _claim(uow_factory: UnitOfWorkFactory) -> Claim:
    async with uow_factory(readonly=True) as uow:
        claim = await uow.session.scalar(select(Claim).where(Claim.external_id == RETURN_ID))
    assert claim is not None
    return claim


@pytest.fixture
async def filed(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> Claim:
    await world.connect()
    claims = MarketplaceClaims(uow_factory, clock, MediaStore(tmp_path / "media"))
    world.connector.after_sales = ClaimsInbox(lambda: claims, world.connector, uow_factory)
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="DELIVERED"))
    state.put_return(
        world.em_shop.id,
        {
            "return_id": RETURN_ID,
            "order_id": NUMBER,
            "return_type": "REFUND",
            "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
            "return_reason": "ecom_order_delivered_refund_reason_damaged",
            "return_reason_text": "Arrived cracked",
            "refund_amount": {"currency": "USD", "refund_total": "12.50"},
            "return_line_items": [{"seller_sku": "MUG-1"}],
            "seller_next_action_response": [
                {
                    "action": "SELLER_RESPOND_REFUND",
                    "deadline": int(clock.now().timestamp()) + 172800,
                }
            ],
        },
    )
    status = await world.tiktok.send_webhook(
        world.hook_url, "RETURN_STATUS_CHANGE", world.em_shop.id, {"return_id": RETURN_ID}
    )
    assert status == 200
    return await _claim(uow_factory)


async def test_a_tiktok_return_becomes_a_claim_the_sellers_hear_about(
    world: World, uow_factory: UnitOfWorkFactory, filed: Claim
) -> None:
    assert (filed.marketplace, filed.status) == ("tiktok", "REQUESTED")
    assert SELLER_CHAT in [chat for chat, _ in await outbox(uow_factory, "claim_new")]
    # TikTok sends the event again: still one claim, the sellers told once.
    await world.tiktok.send_webhook(
        world.hook_url, "RETURN_STATUS_CHANGE", world.em_shop.id, {"return_id": RETURN_ID}
    )
    async with uow_factory(readonly=True) as uow:
        claims = (await uow.session.scalars(select(Claim))).all()
    assert len(claims) == 1
    assert len(await outbox(uow_factory, "claim_new")) == 1


async def test_a_seller_s_approval_reaches_tiktok_and_moves_the_claim(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock, filed: Claim
) -> None:
    seller = await make_seller(uow_factory, clock, 777)
    decisions = MarketplaceDecisions(uow_factory, clock, {"tiktok": world.connector})
    await decisions.approve(seller, filed.id)
    [decision] = world.tiktok.state.decisions
    assert (decision.kind, decision.target_id, decision.body) == (
        "approve_return",
        RETURN_ID,
        {"decision": "APPROVE_REFUND"},
    )
    assert (await _claim(uow_factory)).status != "REQUESTED"


async def test_tiktok_refusing_brings_the_claim_to_tiktok_s_status(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock, filed: Claim
) -> None:
    seller = await make_seller(uow_factory, clock, 777)
    # The seller already decided in TikTok's Seller Center.
    ret = world.tiktok.state.shops[world.em_shop.id].returns[RETURN_ID]
    ret["return_status"] = "REFUND_OR_RETURN_REQUEST_REJECT"
    decisions = MarketplaceDecisions(uow_factory, clock, {"tiktok": world.connector})
    with pytest.raises(DecisionRefused):
        await decisions.approve(seller, filed.id)
    assert world.tiktok.state.decisions == []
    assert (await _claim(uow_factory)).status == "REJECTED"


async def test_tiktok_refusing_a_cancellation_decision_brings_the_request_to_tiktok_s_state(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock, filed: Claim
) -> None:
    state = world.tiktok.state
    cancel_number = "576000000000000902"
    state.put_order(world.em_shop.id, tiktok_order(cancel_number, status="AWAITING_SHIPMENT"))
    state.put_cancellation(
        world.em_shop.id,
        {
            "cancel_id": "9902",
            "order_id": cancel_number,
            "cancel_status": "CANCELLATION_REQUEST_PENDING",
        },
    )
    await world.tiktok.send_webhook(
        world.hook_url, "CANCELLATION_STATUS_CHANGE", world.em_shop.id, {"cancel_id": "9902"}
    )
    async with uow_factory(readonly=True) as uow:
        request = await uow.session.scalar(
            select(CancelRequest).where(CancelRequest.external_id == "9902")
        )
    assert request is not None and request.status == "requested"
    # The seller approved it in TikTok's Seller Center; the event has not come yet.
    state.shops[world.em_shop.id].cancellations["9902"]["cancel_status"] = (
        "CANCELLATION_REQUEST_SUCCESS"
    )
    seller = await make_seller(uow_factory, clock, 777)
    decisions = MarketplaceDecisions(uow_factory, clock, {"tiktok": world.connector})
    reasons = await decisions.cancellation_reasons(seller, request.id)
    with pytest.raises(DecisionRefused):
        await decisions.decide_cancellation(
            seller, request.id, approve=False, reason=reasons[0].code
        )
    assert state.decisions == []
    async with uow_factory(readonly=True) as uow:
        after = await uow.session.get(CancelRequest, request.id)
    assert after is not None and after.status == "approved"  # TikTok's answer, at once
