"""Reconciliation (missed webhooks), token refresh, and TikTok's timestamp window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok import connector as connector_module
from bot.marketplace.tiktok.client import INVALID_TIMESTAMP, TikTokApiError
from bot.marketplace.tiktok.setup import TikTokSyncTask
from bot.services.marketplace import NotConnected
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import World, make_client
from tests.tiktok.helpers import connection, link_buyer, order, outbox


async def test_sync_repairs_missed_webhooks_page_by_page(
    world: World,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await world.connect()
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order("576000000000000301"))
    await world.connector.sync(world.shop_id)
    first = await order(uow_factory, "576000000000000301")
    assert first is not None
    await link_buyer(uow_factory, clock, first.id, 5151)

    # Meanwhile five orders change and no webhook arrives (the bot was down).
    clock.advance(timedelta(hours=2))
    state.put_order(
        world.em_shop.id,
        tiktok_order("576000000000000301", status="IN_TRANSIT", tracking_number="1Z999"),
    )
    for n in range(2, 6):
        state.put_order(world.em_shop.id, tiktok_order(f"57600000000000030{n}"))
    monkeypatch.setattr(connector_module, "PAGE_SIZE", 2)
    seen: list[tuple[str, int, int]] = []
    report = await world.connector.sync(
        world.shop_id, progress=lambda what, done, total: seen.append((what, done, total))
    )
    assert (report.orders.created, report.orders.updated) == (4, 1)
    assert seen == [
        ("orders", 2, 5),
        ("orders", 4, 5),
        ("orders", 5, 5),
        ("returns", 0, 0),
        ("cancellations", 0, 0),
    ]
    for n in range(1, 6):
        assert await order(uow_factory, f"57600000000000030{n}") is not None
    told = await outbox(uow_factory, "order_changed")
    assert [(chat, p["status"]) for chat, p in told] == [(5151, "IN_TRANSIT")]
    assert (await connection(uow_factory)).synced_until == clock.now()
    async with uow_factory(readonly=True) as uow:  # delivery care may trust its silence
        shop = await uow.shops.get(world.shop_id)
        assert shop is not None and shop.tracking_updated_at == clock.now()

    # The next sync starts where this one ended (less a small overlap, whose orders
    # are written again unchanged, telling nobody).
    ended = clock.now()
    clock.advance(timedelta(hours=1))
    state.put_order(world.em_shop.id, tiktok_order("576000000000000309"))
    report = await world.connector.sync(world.shop_id)
    assert report.since == ended - connector_module.SYNC_OVERLAP
    assert (report.orders.created, report.orders.updated, report.orders.unchanged) == (1, 0, 5)
    assert len(await outbox(uow_factory, "order_changed")) == 1


async def test_tokens_are_refreshed_before_they_expire(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    old = (await connection(uow_factory)).access_token
    assert await world.connector.auth.refresh_due() == 0  # a week left: nothing to do
    clock.advance(world.tiktok.state.access_ttl - timedelta(hours=12))
    task = TikTokSyncTask(world.connector)
    assert await task.run_once() == 1  # refreshed, then synced
    conn = await connection(uow_factory)
    assert conn.access_token != old
    assert conn.access_expires_at is not None and conn.access_expires_at > clock.now()
    assert [p for p, _ in world.tiktok.state.calls].count("/api/v2/token/refresh") == 1
    # The new token works; the old one no longer would.
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order("576000000000000401"))
    await world.connector.refresh_orders(world.shop_id, ["576000000000000401"])
    assert await order(uow_factory, "576000000000000401") is not None


async def test_an_expired_access_token_is_refreshed_and_the_call_repeated(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    world.tiktok.state.expire_access(world.em_shop.id)  # TikTok ended it early
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order("576000000000000402"))
    await world.connector.refresh_orders(world.shop_id, ["576000000000000402"])
    assert await order(uow_factory, "576000000000000402") is not None
    codes = [c for p, c in world.tiktok.state.calls if p == "/order/202309/orders"]
    assert codes == [105002, 0]


async def test_an_ended_authorisation_is_marked_expired_and_sellers_told(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    clock.advance(world.tiktok.state.refresh_ttl - timedelta(days=3))
    await world.connector.auth.refresh_due()
    events = [p["event"] for _, p in await outbox(uow_factory, "tiktok_connection")]
    assert events == ["connected", "expiring"]
    clock.advance(timedelta(days=4))
    await world.connector.auth.refresh_due()
    assert (await connection(uow_factory)).status == "expired"
    events = [p["event"] for _, p in await outbox(uow_factory, "tiktok_connection")]
    assert events == ["connected", "expiring", "expired"]
    with pytest.raises(NotConnected, match="expired"):
        await world.connector.sync(world.shop_id)


async def test_a_request_with_a_stale_timestamp_is_refused(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    conn = await connection(uow_factory)
    assert conn.access_token and conn.shop_cipher
    slow = FakeClock(clock.now() - timedelta(minutes=6))  # this computer's clock is behind
    client = make_client(slow, world.tiktok.url, [])
    try:
        with pytest.raises(TikTokApiError) as refused:
            await client.call(
                "GET",
                "/order/202309/orders",
                access_token=conn.access_token,
                shop_cipher=conn.shop_cipher,
                query={"ids": "1"},
            )
        assert refused.value.code == INVALID_TIMESTAMP
        assert "clock" in refused.value.message
        # Within the window it goes through.
        slow.set(clock.now() - timedelta(minutes=4))
        await client.call(
            "GET",
            "/order/202309/orders",
            access_token=conn.access_token,
            shop_cipher=conn.shop_cipher,
            query={"ids": "1"},
        )
    finally:
        await client.close()


async def test_a_wrong_cipher_or_secret_is_refused(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    conn = await connection(uow_factory)
    assert conn.access_token
    client = make_client(clock, world.tiktok.url, [])
    try:
        with pytest.raises(TikTokApiError) as refused:
            await client.call(
                "GET",
                "/order/202309/orders",
                access_token=conn.access_token,
                shop_cipher="ROW_someone_else",
                query={"ids": "1"},
            )
        assert refused.value.code == 106011
        client._secret = "not-the-secret"
        with pytest.raises(TikTokApiError) as refused:
            await client.call("GET", "/authorization/202309/shops", access_token=conn.access_token)
        assert refused.value.code == 36009004
        assert "TIKTOK_APP_SECRET" in refused.value.message
    finally:
        await client.close()
