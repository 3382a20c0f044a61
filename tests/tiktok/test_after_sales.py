"""The AfterSales port: decisions reach TikTok signed, with the seller's reason; a
refusal comes back as DecisionRefused with TikTok's current status."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.enums import ClaimStatus
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok.connector import TikTokConnector
from bot.services.marketplace import AfterSales, DecisionRefused, MarketplaceError, RejectReason
from tests.tiktok.conftest import World

NUMBER = "576000000000000501"


def _return(return_id: str, kind: str = "RETURN_AND_REFUND") -> dict[str, Any]:
    return {
        "return_id": return_id,
        "order_id": NUMBER,
        "return_type": kind,
        "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
        "return_reason": "ecom_order_delivered_refund_and_return_reason_defective",
        "refund_amount": {"currency": "USD", "refund_total": "12.50"},
        "return_line_items": [{"seller_sku": "MUG-1"}],
    }


@pytest.fixture
async def port(world: World) -> AfterSales:
    await world.connect()
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="DELIVERED"))
    state.put_return(world.em_shop.id, _return("4035101"))
    state.put_return(world.em_shop.id, _return("4035102", "REFUND"))
    state.put_cancellation(
        world.em_shop.id,
        {"cancel_id": "9101", "order_id": NUMBER, "cancel_status": "CANCELLATION_REQUEST_PENDING"},
    )
    connector: AfterSales = world.connector  # the connector is the port's adapter
    assert isinstance(world.connector, TikTokConnector)
    return connector


async def test_reject_reasons_are_tiktok_s(world: World, port: AfterSales) -> None:
    reasons = await port.reject_reasons(world.shop_id, "4035101")
    assert RejectReason("seller_reject_apply_product_used", "The product has been used") in reasons


async def test_reject_reaches_tiktok_with_reason_and_note(world: World, port: AfterSales) -> None:
    await port.reject_return(
        world.shop_id, "4035101", "seller_reject_apply_no_evidence", "No photo of the crack"
    )
    [decision] = world.tiktok.state.decisions
    assert (decision.kind, decision.target_id) == ("reject_return", "4035101")
    assert decision.body == {
        "decision": "REJECT_RETURN",
        "reject_reason": "seller_reject_apply_no_evidence",
        "comment": "No photo of the crack",
    }
    status = world.tiktok.state.shops[world.em_shop.id].returns["4035101"]["return_status"]
    assert status == "REFUND_OR_RETURN_REQUEST_REJECT"


async def test_approve_sends_the_decision_for_the_return_s_type(
    world: World, port: AfterSales
) -> None:
    await port.approve_return(world.shop_id, "4035101")
    await port.approve_return(world.shop_id, "4035102")
    bodies = [(d.target_id, d.body["decision"]) for d in world.tiktok.state.decisions]
    assert bodies == [("4035101", "APPROVE_RETURN"), ("4035102", "APPROVE_REFUND")]


async def test_tiktok_refusing_raises_decision_refused_with_its_status(
    world: World, port: AfterSales
) -> None:
    await port.approve_return(world.shop_id, "4035102")  # refunded at TikTok
    with pytest.raises(DecisionRefused) as refused:
        await port.reject_return(world.shop_id, "4035102", "seller_reject_apply_product_used", None)
    assert refused.value.status is ClaimStatus.REFUNDED
    assert "cannot be rejected" in refused.value.message
    assert len(world.tiktok.state.decisions) == 1


async def test_an_unknown_reject_reason_is_refused_in_words(world: World, port: AfterSales) -> None:
    with pytest.raises(MarketplaceError, match="reject_reason"):
        await port.reject_return(world.shop_id, "4035101", "because", None)
    assert world.tiktok.state.decisions == []


async def test_cancellation_decisions(world: World, port: AfterSales) -> None:
    await port.approve_cancellation(world.shop_id, "9101")
    assert world.tiktok.state.shops[world.em_shop.id].orders[NUMBER]["status"] == "CANCELLED"
    with pytest.raises(DecisionRefused):
        await port.reject_cancellation(
            world.shop_id, "9101", "seller_reject_apply_product_has_been_packed", "Packed"
        )
    assert [d.kind for d in world.tiktok.state.decisions] == ["approve_cancellation"]


async def test_photos_are_downloaded(world: World, port: AfterSales) -> None:
    world.tiktok.state.images["p1.jpg"] = b"\xff\xd8\xff-a-jpeg"
    data = await port.photo(world.shop_id, f"{world.tiktok.url}/images/p1.jpg")
    assert data == b"\xff\xd8\xff-a-jpeg"
    with pytest.raises(MarketplaceError):
        await port.photo(world.shop_id, f"{world.tiktok.url}/images/missing.jpg")
