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


# -- support desk settings (business hours, first response, signature, timezone) --------


async def test_business_hours_are_stored_in_canonical_form(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "business_hours", "  mon - fri  9:00 – 18:00 ")
    assert (await admin.show("acme"))["business_hours"] == "Mon-Fri 09:00-18:00"
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        assert shop.settings["business_hours"] == "Mon-Fri 09:00-18:00"
    await admin.set("acme", "business_hours", "daily")
    assert (await admin.show("acme"))["business_hours"] == "24/7"
    await admin.set("acme", "business_hours", "")  # back to the default: always open
    assert (await admin.show("acme"))["business_hours"] == "24/7"
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None and "business_hours" not in shop.settings


async def test_desk_settings_are_stored_and_shown(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    assert (await admin.show("acme"))["timezone"] == "UTC"
    await admin.set("acme", "first_response_minutes", "1")
    await admin.set("acme", "first_response_minutes", "10080")  # a week at most
    await admin.set("acme", "staff_signature", "shop")
    await admin.set("acme", "timezone", " Europe/Berlin ")
    shown = await admin.show("acme")
    assert (shown["first_response_minutes"], shown["staff_signature"], shown["timezone"]) == (
        10080,
        "shop",
        "Europe/Berlin",
    )
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        assert shop.timezone == "Europe/Berlin" and "timezone" not in shop.settings
    await admin.set("acme", "staff_signature", "staff")
    await admin.set("acme", "timezone", "")  # back to UTC
    shown = await admin.show("acme")
    assert (shown["staff_signature"], shown["timezone"]) == ("staff", "UTC")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("business_hours", "Mon-Fri 18:00-09:00", "business_hours: Closing time 09:00"),
        ("business_hours", "whenever", "business_hours: Unknown day 'whenever'"),
        ("business_hours", "Mon-Fri 9-18", "business_hours: '9' is not a time of day"),
        ("first_response_minutes", "0", "first_response_minutes must be a whole number"),
        ("first_response_minutes", "10081", "from 1 to 10080"),
        ("first_response_minutes", "15m", "first_response_minutes must be a whole number"),
        ("first_response_minutes", "-5", "first_response_minutes must be a whole number"),
        ("first_response_minutes", "²", "first_response_minutes must be a whole number"),
        ("seller_response_hours", "²", "seller_response_hours must be a whole number"),
        ("seller_chat_ids", "12,²", "seller_chat_ids is a comma-separated list"),
        ("staff_signature", "Shop", "staff_signature is 'staff'"),
        ("staff_signature", "alex", "staff_signature is 'staff'"),
        ("timezone", "Mars/Olympus_Mons", "timezone: Unknown timezone 'Mars/Olympus_Mons'"),
        ("timezone", "../../etc/passwd", "timezone: Unknown timezone"),
    ],
)
async def test_bad_desk_settings_are_refused_with_the_reason(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, key: str, value: str, message: str
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "business_hours", "Mon-Fri 09:00-18:00")
    before = await admin.show("acme")
    with pytest.raises(BadSetting) as refused:
        await admin.set("acme", key, value)
    assert message in str(refused.value)
    assert await admin.show("acme") == before
