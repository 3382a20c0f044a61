"""`POST /hooks/aftership/SHOP`: AfterShip's tracking webhooks, signed with the shop's
`aftership_secret`.

Over real HTTP on 127.0.0.1; runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.logging import JsonFormatter
from bot.services.outbox import QUEUE as OUTBOX_QUEUE
from bot.services.shops import ShopAdmin
from bot.web.server import BODY_LIMIT
from storage.models import Order, Shipment
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop
from tests.hook_client import (
    AFTERSHIP_SECRET,
    Hooks,
    aftership_signature,
    link_buyer,
    notifications,
    running_hooks,
    shop_with_secrets,
    table_counts,
)

TRACKING = "1Z999AA10123456784"  # the factory order's UPS parcel
NUMBER = "578000000000000001"


def checkpoint(at: str, tag: str, message: str, **more: Any) -> dict[str, Any]:
    return {
        "slug": "ups",
        "checkpoint_time": at,
        "tag": tag,
        "subtag": f"{tag}_001",
        "message": message,
        "location": more.pop("location", None),
        "city": more.pop("city", None),
        "country_name": more.pop("country_name", None),
        "created_at": "2026-01-15T11:00:00+00:00",
        **more,
    }


def webhook(
    checkpoints: list[dict[str, Any]],
    *,
    tag: str = "InTransit",
    event_id: str = "evt-0001",
    tracking: str = TRACKING,
    event: str = "tracking_update",
) -> dict[str, Any]:
    """AfterShip's webhook body, with the fields it sends that the bot does not read."""
    return {
        "event": event,
        "event_id": event_id,
        "is_tracking_first_tag": False,
        "msg": {
            "id": "5b7658cec7c33c0e007de3c5",
            "tracking_number": tracking,
            "title": "Order",
            "slug": "ups",
            "tag": tag,
            "subtag": f"{tag}_001",
            "active": True,
            "shipment_type": "UPS Ground",
            "checkpoints": checkpoints,
        },
        "ts": 1768478400,
    }


DELIVERED = [
    checkpoint("2026-01-15T08:10:00Z", "OutForDelivery", "Out for delivery", city="Memphis"),
    checkpoint(
        "2026-01-15T11:42:00-05:00",
        "Delivered",
        "Delivered, front door",
        location="Memphis, TN, US",
    ),
]


@pytest.fixture
async def hooks(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Any:
    await shop_with_secrets(uow_factory, clock)
    async with running_hooks(uow_factory, clock) as running:
        yield running


async def in_transit_order(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    order_id = await make_order(
        uow_factory, clock, number=NUMBER, status="IN_TRANSIT", tracking=TRACKING
    )
    await link_buyer(uow_factory, clock, order_id, external_id=1001)
    return order_id


async def order_now(uow_factory: UnitOfWorkFactory, order_id: int) -> Order:
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        return order


def events_of(order: Order) -> list[tuple[str, str, str | None]]:
    return [(e.tag, e.message, e.location) for s in order.shipments for e in s.events]


async def test_a_delivered_parcel_delivers_the_order_and_tells_the_buyer_once(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    answer = await hooks.aftership(webhook(DELIVERED, tag="Delivered"))
    assert answer.status == 200
    assert answer.body == {"matched": True, "orders": [NUMBER], "events_added": 2, "skipped": 0}
    order = await order_now(uow_factory, order_id)
    assert order.status == "DELIVERED"
    assert order.delivered_at == datetime(2026, 1, 15, 16, 42, tzinfo=UTC)  # -05:00 in UTC
    assert events_of(order)[-2:] == [
        ("OutForDelivery", "Out for delivery", "Memphis"),
        ("Delivered", "Delivered, front door", "Memphis, TN, US"),
    ]
    told = await notifications(uow_factory)
    assert [(n["chat_id"], n["kind"], n["params"]["status"]) for n in told] == [
        (1001, "order_changed", "DELIVERED")
    ]
    # AfterShip sends the same checkpoints again under a new event id: nothing is new.
    again = await hooks.aftership(webhook(DELIVERED, tag="Delivered", event_id="evt-0002"))
    assert again.status == 200 and again.body["events_added"] == 0
    assert events_of(await order_now(uow_factory, order_id)) == events_of(order)
    assert len(await notifications(uow_factory)) == 1


async def test_a_new_checkpoint_without_a_status_change_is_told_as_tracking(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    answer = await hooks.aftership(webhook(DELIVERED[:1], tag="OutForDelivery"))
    assert answer.status == 200 and answer.body["events_added"] == 1
    assert (await order_now(uow_factory, order_id)).status == "IN_TRANSIT"
    [told] = await notifications(uow_factory)
    assert told["params"]["status_changed"] is False
    assert told["params"]["event"]["tag"] == "OutForDelivery"


async def test_a_parcel_on_its_way_moves_an_order_awaiting_collection_to_in_transit(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="AWAITING_COLLECTION", events=())
    answer = await hooks.aftership(
        webhook([checkpoint("2026-01-15T08:00:00Z", "InTransit", "Departed facility")])
    )
    assert answer.status == 200
    assert (await order_now(uow_factory, order_id)).status == "IN_TRANSIT"


async def test_nothing_moves_a_cancelled_or_completed_order(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="CANCELLED")
    answer = await hooks.aftership(webhook(DELIVERED, tag="Delivered"))
    assert answer.status == 200 and answer.body["events_added"] == 2
    order = await order_now(uow_factory, order_id)
    assert order.status == "CANCELLED" and order.delivered_at is None


async def test_a_replayed_event_id_changes_nothing(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    first = await hooks.aftership(webhook(DELIVERED[:1], tag="OutForDelivery"))
    assert first.status == 200 and first.body["events_added"] == 1
    before = await table_counts(uow_factory)
    # The same event id again, even with more checkpoints in it: a replay.
    replay = await hooks.aftership(webhook(DELIVERED, tag="Delivered"))
    assert replay.status == 200
    assert replay.body == {"matched": True, "replayed": True}
    assert await table_counts(uow_factory) == before
    assert (await order_now(uow_factory, order_id)).status == "IN_TRANSIT"
    assert len(await notifications(uow_factory)) == 1


async def test_tracking_numbers_match_without_case_and_spaces(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    answer = await hooks.aftership(
        webhook(DELIVERED, tag="Delivered", tracking=" 1z999aa1 0123456784 ")
    )
    assert answer.status == 200 and answer.body["orders"] == [NUMBER]
    assert (await order_now(uow_factory, order_id)).status == "DELIVERED"


async def test_an_unknown_tracking_number_is_acknowledged_and_changes_nothing(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await in_transit_order(uow_factory, clock)
    # Another shop's parcel is unknown here too.
    await make_order(uow_factory, clock, number="9001", shop_code="other", tracking="OTHER1")
    before = await table_counts(uow_factory)
    for number in ("NOPE123", "OTHER1"):
        answer = await hooks.aftership(webhook(DELIVERED, tag="Delivered", tracking=number))
        assert (answer.status, answer.body) == (200, {"matched": False})
    assert await table_counts(uow_factory) == before


async def test_unreadable_checkpoints_are_skipped_and_the_rest_applied(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    odd = [
        checkpoint("2026-01-15", "InTransit", "a date without a time"),
        checkpoint("2026-01-15T07:00:00Z", "Teleported", "an unknown tag"),
        "not a checkpoint",
        DELIVERED[0],
    ]
    answer = await hooks.aftership(webhook(odd, tag="OutForDelivery"))
    assert answer.status == 200
    assert (answer.body["events_added"], answer.body["skipped"]) == (1, 3)
    assert events_of(await order_now(uow_factory, order_id))[-1][0] == "OutForDelivery"


async def test_other_aftership_events_are_acknowledged_and_ignored(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await in_transit_order(uow_factory, clock)
    before = await table_counts(uow_factory)
    answer = await hooks.aftership(webhook(DELIVERED, tag="Delivered", event="tracking_delete"))
    assert answer.status == 200 and "ignored" in answer.body
    assert await table_counts(uow_factory) == before


async def test_bad_signatures_unknown_shops_and_shops_without_a_secret_get_the_same_401(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await in_transit_order(uow_factory, clock)
    await make_shop(uow_factory, clock, "no-secret")
    before = await table_counts(uow_factory)
    body = webhook(DELIVERED, tag="Delivered")
    answers = [
        await hooks.aftership(body, secret="another-secret-0123456789"),
        await hooks.aftership(body, headers={}),
        await hooks.aftership(body, headers={"aftership-hmac-sha256": "bm90IGl0"}),
        await hooks.aftership(body, headers={"aftership-hmac-sha256": "ключ"}),
        await hooks.aftership(body, shop="nobody"),
        await hooks.aftership(body, shop="no-secret"),
        # Garbage with a wrong signature: refused for the signature, never parsed.
        await hooks.aftership(b"\x00{", secret="another-secret-0123456789"),
    ]
    assert {a.status for a in answers} == {401}
    assert all(a.body == answers[0].body for a in answers)
    # Signed over other bytes than those sent (re-serialised JSON): refused.
    sent = b'{"event": "tracking_update"}'
    signed = aftership_signature(AFTERSHIP_SECRET, b'{"event":"tracking_update"}')
    tampered = await hooks.post("/hooks/aftership/acme", sent, {"aftership-hmac-sha256": signed})
    assert tampered.status == 401
    assert await table_counts(uow_factory) == before


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"event": "tracking_update", "msg": {"tracking_number": "X"}}',  # no event_id
        b'{"event": "tracking_update", "event_id": "e1", "msg": "x"}',
        b'{"event": "tracking_update", "event_id": "e1", "msg": {}}',
        b'{"event": "tracking_update", "event_id": "e1", "msg": {"tracking_number": "X",'
        b' "tag": "Nowhere"}}',
        b'{"event": "tracking_update", "event_id": "e1", "msg": {"tracking_number": "X",'
        b' "checkpoints": {}}}',
    ],
    ids=["text", "list", "no-event-id", "msg-text", "no-number", "bad-tag", "checkpoints"],
)
async def test_a_malformed_body_gets_400_and_changes_nothing(
    body: bytes, hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await in_transit_order(uow_factory, clock)
    before = await table_counts(uow_factory)
    answer = await hooks.aftership(body)
    assert answer.status == 400 and answer.body["error"]
    assert await table_counts(uow_factory) == before


async def test_an_oversized_body_gets_413(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await in_transit_order(uow_factory, clock)
    before = await table_counts(uow_factory)
    huge = webhook(DELIVERED, tag="Delivered")
    huge["msg"]["title"] = "x" * BODY_LIMIT
    answer = await hooks.aftership(huge)
    assert answer.status == 413
    assert await table_counts(uow_factory) == before


async def test_the_inbound_event_record_is_generic_and_transactional(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        assert await uow.inbound_events.first_time("tiktok", "push-1", now)
        assert not await uow.inbound_events.first_time("tiktok", "push-1", now)
        # not committed: rolled back with the use case's transaction
    async with uow_factory() as uow:
        assert await uow.inbound_events.first_time("tiktok", "push-1", now)
        assert await uow.inbound_events.first_time("aftership", "push-1", now)  # per source
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.inbound_events.first_time("tiktok", "push-1", now + timedelta(1))


async def test_the_same_event_delivered_twice_at_once_is_applied_once(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    before = len(events_of(await order_now(uow_factory, order_id)))
    answers = await asyncio.gather(
        *(hooks.aftership(webhook(DELIVERED, tag="Delivered")) for _ in range(4))
    )
    assert {a.status for a in answers} == {200}
    assert sorted(a.body.get("replayed", False) for a in answers) == [False, True, True, True]
    assert len(events_of(await order_now(uow_factory, order_id))) == before + 2
    assert len(await notifications(uow_factory)) == 1


async def test_a_second_worker_recording_the_same_event_meanwhile_sees_a_replay(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Two workers get one event at once: the second waits for the first's commit (the
    unique key on PostgreSQL, the write lock on SQLite) and is told it is a replay,
    with its own transaction still usable."""
    now = clock.now()
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> bool:
        async with uow_factory() as uow:
            recorded = await uow.inbound_events.first_time("aftership", "1:evt-9", now)
            first_in.set()
            await release.wait()
            await uow.commit()
            return recorded

    async def second() -> tuple[bool, bool]:
        await first_in.wait()
        async with uow_factory() as uow:
            recorded = await uow.inbound_events.first_time("aftership", "1:evt-9", now)
            other = await uow.inbound_events.first_time("aftership", "1:evt-10", now)
            await uow.commit()
            return recorded, other

    task_one, task_two = asyncio.create_task(first()), asyncio.create_task(second())
    await first_in.wait()
    await asyncio.sleep(0.3)  # the second is now waiting on the first
    release.set()
    assert await task_one is True
    assert await task_two == (False, True)


async def test_the_log_names_the_orders_and_event_but_no_buyer_data(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await in_transit_order(uow_factory, clock)
    with caplog.at_level(logging.INFO, logger="bot.services.aftership"):
        assert (await hooks.aftership(webhook(DELIVERED, tag="Delivered"))).status == 200
    [record] = [r for r in caplog.records if r.name == "bot.services.aftership"]
    line = json.loads(JsonFormatter().format(record))
    assert line["order_number"] == [NUMBER] and line["event_id"] == "evt-0001"
    assert "buyer@example.com" not in json.dumps(line)


async def test_an_order_of_two_parcels_is_delivered_when_both_are(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await in_transit_order(uow_factory, clock)
    async with uow_factory() as uow:
        uow.session.add(Shipment(order_id=order_id, carrier="UPS", tracking_number="1ZSECOND"))
        await uow.commit()
    first = await hooks.aftership(webhook(DELIVERED, tag="Delivered"))
    assert first.status == 200 and first.body["events_added"] == 2
    assert (await order_now(uow_factory, order_id)).status == "IN_TRANSIT"  # one still out
    second = await hooks.aftership(
        webhook(DELIVERED, tag="Delivered", tracking="1ZSECOND", event_id="evt-0002")
    )
    assert second.status == 200
    order = await order_now(uow_factory, order_id)
    assert order.status == "DELIVERED"
    # The first parcel's arrival was told as tracking news, the order's as a status.
    told = [
        (n["params"]["status"], n["params"]["status_changed"])
        for n in await notifications(uow_factory)
    ]
    assert told == [("IN_TRANSIT", False), ("DELIVERED", True)]


async def test_the_outbox_is_woken_when_a_buyer_notice_was_queued_and_only_then(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    # The commit that queues the buyer's notice wakes the running bot's outbox worker
    # (listening as below): it goes out at once instead of at the worker's next look.
    await shop_with_secrets(uow_factory, clock)
    wakes: list[int] = []
    uow_factory.after_commit.subscribe(OUTBOX_QUEUE, lambda: wakes.append(1))
    async with running_hooks(uow_factory, clock) as hooks:
        await in_transit_order(uow_factory, clock)
        assert (await hooks.aftership(webhook(DELIVERED[:1], tag="OutForDelivery"))).status == 200
        assert wakes == [1]
        await hooks.aftership(webhook(DELIVERED[:1], tag="OutForDelivery"))  # a replay
        unknown = webhook(DELIVERED, tag="Delivered", event_id="evt-9", tracking="NOSUCH1")
        assert (await hooks.aftership(unknown)).body["matched"] is False
        assert wakes == [1]  # nothing new was queued


async def test_a_parcel_at_a_pickup_point_says_where_in_the_same_notice(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Delivery care on: the tracking notice carries what to do (pick it up, where),
    and the hook brought the shop's tracking up to date, even for a replayed event."""
    await ShopAdmin(uow_factory).set("acme", "delivery_care", "on")
    await in_transit_order(uow_factory, clock)
    pickup = checkpoint(
        "2026-01-15T09:00:00Z",
        "AvailableForPickup",
        "Held at UPS Access Point",
        location="The UPS Store #1234, Austin, TX",
    )
    answer = await hooks.aftership(webhook([pickup], tag="AvailableForPickup"))
    assert answer.status == 200 and answer.body["events_added"] == 1
    [told] = await notifications(uow_factory)
    assert told["params"]["advice"] == {
        "kind": "pickup",
        "carrier": "UPS",
        "tracking_number": TRACKING,
        "tracking_url": f"https://www.ups.com/track?tracknum={TRACKING}",
        "location": "The UPS Store #1234, Austin, TX",
        "message": "Held at UPS Access Point",
    }
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None and shop.tracking_updated_at == clock.now()
