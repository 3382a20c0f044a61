"""Connecting a shop: by code, by pasted redirect URL, by the OAuth callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.clock import FakeClock
from bot.marketplace.tiktok.auth import ConnectRefused
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import SELLER_CHAT, World
from tests.tiktok.helpers import connection, outbox


async def test_connect_with_a_code_stores_shop_cipher_and_tokens_and_tells_sellers(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    url = await world.connector.auth.authorization_url("acme")
    query = parse_qs(urlsplit(url).query)
    assert query["service_id"] == ["7311"] and query["state"][0]
    assert (await connection(uow_factory)).status == "pending"

    await world.connect()

    conn = await connection(uow_factory)
    assert conn.status == "active"
    assert conn.external_shop_id == world.em_shop.id
    assert conn.shop_cipher == world.em_shop.cipher
    grant = world.tiktok.state.grants[-1]
    assert conn.access_token == grant.access_token
    assert conn.refresh_token == grant.refresh_token
    assert conn.access_expires_at is not None and conn.auth_state is None
    notices = await outbox(uow_factory, "tiktok_connection")
    assert [(chat, p["event"], p["shop"]) for chat, p in notices] == [
        (SELLER_CHAT, "connected", "Acme Store")
    ]


async def test_connect_with_the_pasted_redirect_url(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    url = await world.connector.auth.authorization_url("acme")
    state = parse_qs(urlsplit(url).query)["state"][0]
    code = world.tiktok.state.authorize(world.em_shop.id)
    pasted = f"https://bot.example.com/tiktok/callback?code={code}&state={state}"
    connected = await world.connector.auth.connect(pasted, shop_code="acme")
    assert connected.external_shop_id == world.em_shop.id
    assert (await connection(uow_factory)).status == "active"


async def test_a_redirect_url_started_for_another_shop_is_refused(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connector.auth.authorization_url("acme")
    code = world.tiktok.state.authorize(world.em_shop.id)
    with pytest.raises(ConnectRefused, match="not started for this shop"):
        await world.connector.auth.connect(
            f"https://x/cb?code={code}&state=forged", shop_code="acme"
        )
    assert (await connection(uow_factory)).status == "pending"
    assert world.tiktok.state.grants == []  # the code was never spent


async def test_a_used_code_is_refused_in_words(world: World) -> None:
    code = world.tiktok.state.authorize(world.em_shop.id)
    await world.connector.auth.connect(code, shop_code="acme")
    with pytest.raises(ConnectRefused) as refused:
        await world.connector.auth.connect(code, shop_code="acme")
    assert "authorisation code" in refused.value.message


async def test_the_oauth_callback_connects_and_backfills(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    from bot.emulator.tiktok import tiktok_order

    world.tiktok.state.put_order(world.em_shop.id, tiktok_order("576000000000000101"))
    url = await world.connector.auth.authorization_url("acme")
    # The seller opens the page and clicks Authorize: TikTok redirects to the callback.
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        text = await response.text()
        assert response.status == 200, text
    assert "Connected TikTok shop Acme on TikTok to acme" in text
    conn = await connection(uow_factory)
    assert conn.status == "active" and conn.synced_until == clock.now()
    from tests.tiktok.helpers import order

    assert await order(uow_factory, "576000000000000101") is not None


async def test_the_callback_with_an_unknown_state_changes_nothing(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    code = world.tiktok.state.authorize(world.em_shop.id)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{world.bot_url}/tiktok/callback", params={"code": code, "state": "x"}) as r,
    ):
        assert r.status == 400
        assert "unknown" in await r.text()
    assert world.tiktok.state.grants == []


async def test_an_authorisation_link_expires_after_a_day(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    from datetime import timedelta

    url = await world.connector.auth.authorization_url("acme")
    state = parse_qs(urlsplit(url).query)["state"][0]
    clock.advance(timedelta(days=1, minutes=1))
    code = world.tiktok.state.authorize(world.em_shop.id)
    with pytest.raises(ConnectRefused, match="expired"):
        await world.connector.auth.connect(code, state=state)
    assert (await connection(uow_factory)).status == "pending"
    assert world.tiktok.state.grants == []
