"""Carrier checkpoints from TikTok (`GET /fulfillment/202309/orders/{id}/tracking`):
a PACKAGE_UPDATE webhook for a parcel on its way brings its new scans into the order's
shipment, and the linked buyer hears of the newest one, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.clock import FakeClock
from bot.domain.enums import TrackingTag
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok.mapping import tracking_events, tracking_tag
from storage.models import Order, Shipment
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import World
from tests.tiktok.helpers import link_buyer, order, outbox

NUMBER = "576000000000000301"
TRACKING = "9400111899223197428301"
TRACKING_PATH = f"/fulfillment/202309/orders/{NUMBER}/tracking"
BUYER_CHAT = 434_343


async def _events(uow_factory: UnitOfWorkFactory) -> list[tuple[str, str]]:
    async with uow_factory(readonly=True) as uow:
        stored = await uow.session.scalar(
            select(Order)
            .where(Order.order_number == NUMBER)
            .options(selectinload(Order.shipments).selectinload(Shipment.events))
        )
        assert stored is not None
        return [(e.tag, e.message) for s in stored.shipments for e in s.events]


async def _shop_with_order(world: World, order: dict[str, object], scan: str) -> str:
    """The connected shop on TikTok, holding `order` with one carrier scan."""
    await world.connect()
    shop = world.em_shop.id
    world.tiktok.state.put_order(shop, order)
    world.tiktok.state.add_checkpoint(shop, NUMBER, scan)
    return shop


def _moving() -> dict[str, object]:
    return tiktok_order(NUMBER, status="IN_TRANSIT", tracking_number=TRACKING)


async def test_a_package_update_brings_the_new_scan_to_the_buyer_once(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    shop = await _shop_with_order(world, _moving(), "Picked up by the carrier")
    state = world.tiktok.state
    assert (
        await world.tiktok.send_webhook(
            world.hook_url, "ORDER_STATUS_CHANGE", shop, {"order_id": NUMBER}
        )
        == 200
    )
    assert await _events(uow_factory) == [("InTransit", "Picked up by the carrier")]
    stored = await order(uow_factory, NUMBER)
    assert stored is not None
    await link_buyer(uow_factory, clock, stored.id, BUYER_CHAT)

    clock.advance(timedelta(hours=20))
    state.add_checkpoint(shop, NUMBER, "Out for delivery")
    body = world.tiktok.webhook_body("PACKAGE_UPDATE", shop, {"order_id": NUMBER})
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200  # a replay

    assert await _events(uow_factory) == [
        ("InTransit", "Picked up by the carrier"),
        ("OutForDelivery", "Out for delivery"),
    ]
    told = await outbox(uow_factory, "order_changed")
    assert [(chat, p.get("event", {}).get("tag")) for chat, p in told] == [
        (BUYER_CHAT, "OutForDelivery")
    ]


async def test_old_delivered_orders_cost_no_tracking_call(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """A back-fill of orders delivered long ago asks TikTok for no checkpoints."""
    old = tiktok_order(NUMBER, status="DELIVERED", tracking_number=TRACKING)
    old["delivery_time"] = int((clock.now() - timedelta(days=20)).timestamp())
    await _shop_with_order(world, old, "Delivered")
    state = world.tiktok.state
    await world.connector.refresh_orders(world.shop_id, [NUMBER])
    assert TRACKING_PATH not in [path for path, _ in state.calls]
    assert await _events(uow_factory) == []


async def test_tiktok_failing_on_tracking_still_writes_the_order(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await _shop_with_order(world, _moving(), "Picked up by the carrier")
    state = world.tiktok.state
    state.faults.fail_next(503, count=20, path=TRACKING_PATH)
    await world.connector.refresh_orders(world.shop_id, [NUMBER])
    stored = await order(uow_factory, NUMBER)
    assert stored is not None and stored.status == "IN_TRANSIT"  # the status still counts
    assert await _events(uow_factory) == []
    assert (TRACKING_PATH, 36009500) in state.calls


def test_checkpoint_words_become_aftership_tags() -> None:
    assert tracking_tag("Your package has been delivered.") is TrackingTag.DELIVERED
    assert tracking_tag("Delivery attempt failed: no one home") is TrackingTag.ATTEMPT_FAIL
    assert tracking_tag("Out for delivery") is TrackingTag.OUT_FOR_DELIVERY
    assert tracking_tag("Ready for pickup at the parcel locker") is (
        TrackingTag.AVAILABLE_FOR_PICKUP
    )
    assert tracking_tag("Shipping label created") is TrackingTag.INFO_RECEIVED
    assert tracking_tag("Arrived at the sort facility in Memphis") is TrackingTag.IN_TRANSIT
    events = tracking_events(
        [
            {"description": "Out for delivery", "update_time_millis": 1_768_100_000_000},
            {"description": "Picked up", "update_time_millis": 1_768_000_000_000},
            {"description": "Picked up", "update_time_millis": 1_768_000_000_000},
            {"description": "", "update_time_millis": 1_768_000_000_000},
            {"description": "Lost?", "update_time_millis": True},
            "junk",
        ]
    )
    assert [(e.message, e.tag) for e in events] == [
        ("Picked up", TrackingTag.IN_TRANSIT),
        ("Out for delivery", TrackingTag.OUT_FOR_DELIVERY),
    ]
