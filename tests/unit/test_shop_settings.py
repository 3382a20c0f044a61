"""A shop owner changes windows and rules; bad values change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.domain.errors import ShopNotFound
from bot.domain.policy import ShopPolicy
from bot.services.shops import BadSetting, ShopAdmin
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop


async def test_set_changes_only_that_setting(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "seller_response_hours", "24")
    await admin.set("acme", "auto_approve_refund_below", "15.50")
    shown = await admin.show("acme")
    assert shown["seller_response_hours"] == 24
    assert shown["auto_approve_refund_below"] == Decimal("15.50")
    assert shown["return_window_days"] == 15  # untouched default
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        assert ShopPolicy.from_settings(shop.settings).seller_response_hours == 24
    await admin.set("acme", "seller_response_hours", "")  # back to the default
    assert (await admin.show("acme"))["seller_response_hours"] == 48


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("seller_response_hours", "-1"),
        ("seller_response_hours", "two"),
        ("auto_approve_refund_below", "1e999999"),
        ("auto_approve_refund_below", "-5"),
        ("refund_webhook_url", "ftp://x"),
        ("refund_webhook_secret", "short"),
        ("favourite_colour", "blue"),
        ("seller_chat_ids", "12,abc"),
    ],
)
async def test_bad_values_are_refused_and_change_nothing(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, key: str, value: str
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    before = await admin.show("acme")
    with pytest.raises(BadSetting):
        await admin.set("acme", key, value)
    assert await admin.show("acme") == before


async def test_secret_is_never_shown(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "refund_webhook_secret", "s3cret-s3cret-s3cret")
    assert (await admin.show("acme"))["refund_webhook_secret"] == "(set)"


async def test_unknown_shop(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(ShopNotFound):
        await ShopAdmin(uow_factory).show("nope")
