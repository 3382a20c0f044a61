"""Webhooks from the emulator to the connector's route, through the real store."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.emulator.tiktok import tiktok_order
from bot.services.marketplace import NotConnected
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import SELLER_CHAT, World
from tests.tiktok.helpers import connection, link_buyer, order, outbox

NUMBER = "576000000000000201"
BUYER_CHAT = 424_242


async def test_a_new_order_by_webhook_is_written_then_its_buyer_told_of_a_change_once(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, postal_code="94105-1234"))
    status = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200
    stored = await order(uow_factory, NUMBER)
    assert stored is not None
    assert (stored.status, stored.marketplace, stored.contact_masked) == (
        "AWAITING_SHIPMENT",
        "tiktok",
        True,
    )
    assert stored.postal_code == "941051234"
    assert stored.payment is not None and stored.payment.total_paid == Decimal("29.99")
    await link_buyer(uow_factory, clock, stored.id, BUYER_CHAT)

    # The seller ships it on TikTok; TikTok tells the bot.
    clock.advance(timedelta(hours=5))
    state.put_order(
        world.em_shop.id,
        tiktok_order(NUMBER, status="IN_TRANSIT", tracking_number="9400111899223197428490"),
    )
    body = world.tiktok.webhook_body("ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER})
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    # TikTok delivers the same event again (a replay): the buyer is told once.
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    stored = await order(uow_factory, NUMBER)
    assert stored is not None and stored.status == "IN_TRANSIT"
    assert [s.tracking_number for s in stored.shipments] == ["9400111899223197428490"]
    told = await outbox(uow_factory, "order_changed")
    assert [(chat, p["status"]) for chat, p in told] == [(BUYER_CHAT, "IN_TRANSIT")]


async def test_a_webhook_with_a_bad_signature_is_401_and_changes_nothing(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    body = world.tiktok.webhook_body("ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER})
    forged = "0" * 64
    assert await world.tiktok.post_webhook(world.hook_url, body, signature=forged) == 401
    assert await world.tiktok.post_webhook(world.hook_url, body, signature="") == 401
    # Signed with another app's secret:
    other = world.tiktok.signature(body + b"x")
    assert await world.tiktok.post_webhook(world.hook_url, body, signature=other) == 401
    assert await order(uow_factory, NUMBER) is None
    # Nothing was fetched from TikTok either: the body was never acted on.
    assert not [c for c in world.tiktok.state.calls if c[0].startswith("/order/")]


async def test_a_signed_body_that_is_not_json_is_400(world: World) -> None:
    assert await world.tiktok.post_webhook(world.hook_url, b"not json") == 400


async def test_deauthorization_revokes_tells_sellers_and_later_calls_are_refused(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    world.tiktok.state.revoke(world.em_shop.id)
    data = {"message": "seller deauthorized"}
    status = await world.tiktok.send_webhook(
        world.hook_url, "SELLER_DEAUTHORIZATION", world.em_shop.id, data
    )
    assert status == 200
    conn = await connection(uow_factory)
    assert conn.status == "revoked" and conn.access_token is None and conn.refresh_token is None
    events = [p["event"] for chat, p in await outbox(uow_factory, "tiktok_connection")]
    assert events == ["connected", "deauthorized"]
    assert {chat for chat, _ in await outbox(uow_factory, "tiktok_connection")} == {SELLER_CHAT}
    with pytest.raises(NotConnected, match="removed the bot's access"):
        await world.connector.refresh_orders(world.shop_id, [NUMBER])
    with pytest.raises(NotConnected):
        await world.connector.approve_return(world.shop_id, "4035")
    # A replay of the deauthorisation tells nobody again.
    await world.tiktok.send_webhook(
        world.hook_url, "SELLER_DEAUTHORIZATION", world.em_shop.id, data
    )
    assert len(await outbox(uow_factory, "tiktok_connection")) == 2


async def test_upcoming_expiration_warns_sellers_once(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    at = int(clock.now().timestamp()) + 3 * 86400
    data = {"message": "expiring in 3 days", "expiration_time": at}
    for _ in range(2):
        await world.tiktok.send_webhook(
            world.hook_url, "UPCOMING_AUTHORIZATION_EXPIRATION", world.em_shop.id, data
        )
    events = [p["event"] for _, p in await outbox(uow_factory, "tiktok_connection")]
    assert events == ["connected", "expiring"]


async def test_rate_limits_and_server_errors_are_retried_with_backoff(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    world.tiktok.state.faults.fail_next(429, path="/order/202309/orders")
    world.tiktok.state.faults.fail_next(503, path="/order/202309/orders")
    status = await world.tiktok.send_webhook(
        world.hook_url, "PACKAGE_UPDATE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200
    assert await order(uow_factory, NUMBER) is not None
    assert world.sleeps == [0.5, 1.0]  # exponential backoff between the three tries
    codes = [code for path, code in world.tiktok.state.calls if path == "/order/202309/orders"]
    assert codes == [36009009, 36009500, 0]


async def test_a_timeout_is_retried(world: World, uow_factory: UnitOfWorkFactory) -> None:
    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    world.tiktok.state.faults.hang_next(3.0, path="/order/202309/orders")
    status = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200
    assert await order(uow_factory, NUMBER) is not None
    assert world.sleeps == [0.5]


async def test_tiktok_down_for_good_answers_503_so_tiktok_sends_it_again(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    world.tiktok.state.faults.fail_next(500, count=4, path="/order/202309/orders")
    status = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 503
    assert await order(uow_factory, NUMBER) is None
    # TikTok retries the event later, and then it goes through.
    status = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200 and await order(uow_factory, NUMBER) is not None


async def test_return_and_cancellation_events_hand_records_to_the_core(world: World) -> None:
    await world.connect()
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="DELIVERED"))
    state.put_return(
        world.em_shop.id,
        {
            "return_id": "4035001",
            "order_id": NUMBER,
            "return_type": "REFUND",
            "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
            "return_reason": "ecom_order_delivered_refund_reason_wrong_item",
            "refund_amount": {"currency": "USD", "refund_total": "12.50"},
            "return_line_items": [{"seller_sku": "MUG-1"}],
        },
    )
    state.put_cancellation(
        world.em_shop.id,
        {"cancel_id": "9001", "order_id": NUMBER, "cancel_status": "CANCELLATION_REQUEST_PENDING"},
    )
    await world.tiktok.send_webhook(
        world.hook_url, "RETURN_STATUS_CHANGE", world.em_shop.id, {"return_id": "4035001"}
    )
    await world.tiktok.send_webhook(
        world.hook_url,
        "CANCELLATION_STATUS_CHANGE",
        world.em_shop.id,
        {"cancel_id": "9001", "order_id": NUMBER},
    )
    [(shop_id, ret)] = world.inbox.returns
    assert shop_id == world.shop_id and ret.external_id == "4035001"
    assert ret.order_number == NUMBER and str(ret.requested_amount) == "12.50"
    [(_, cancel)] = world.inbox.cancellations
    assert (cancel.external_id, cancel.status) == ("9001", "requested")


async def test_an_oversized_body_is_413_before_anything_else(world: World) -> None:
    body = b"{" + b" " * (300 * 1024) + b"}"
    assert await world.tiktok.post_webhook(world.hook_url, body) == 413


async def test_an_event_for_a_shop_that_is_not_connected_is_acknowledged_and_ignored(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    status = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200  # TikTok need not send it again: nothing here can use it
    assert await order(uow_factory, NUMBER) is None


async def test_an_address_update_rewrites_the_order_without_a_buyer_message(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER, postal_code="94105"))
    await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    stored = await order(uow_factory, NUMBER)
    assert stored is not None
    await link_buyer(uow_factory, clock, stored.id, BUYER_CHAT)
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER, postal_code="10001"))
    status = await world.tiktok.send_webhook(
        world.hook_url, "RECIPIENT_ADDRESS_UPDATE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert status == 200
    stored = await order(uow_factory, NUMBER)
    assert stored is not None and stored.postal_code == "10001"
    assert stored.shipping_address is not None and "10001" in stored.shipping_address
    assert await outbox(uow_factory, "order_changed") == []


async def test_two_events_for_a_new_order_at_once_store_it_once(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    import asyncio

    from sqlalchemy import func, select

    from storage.models import Order

    await world.connect()
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    statuses = await asyncio.gather(
        *(
            world.tiktok.send_webhook(world.hook_url, kind, world.em_shop.id, {"order_id": NUMBER})
            for kind in ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "RECIPIENT_ADDRESS_UPDATE")
        )
    )
    assert statuses == [200, 200, 200]
    async with uow_factory(readonly=True) as uow:
        count = await uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.order_number == NUMBER)
        )
    assert count == 1
