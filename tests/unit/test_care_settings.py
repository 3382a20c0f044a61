"""A shop owner turns on what the bot sends on its own; bad values change nothing."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.domain.care import CarePolicy
from bot.services.shops import BadSetting, ShopAdmin
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop


async def test_proactive_messages_are_off_until_the_owner_turns_them_on(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    shown = await admin.show("acme")
    assert shown["delivery_care"] == "off"
    assert shown["ratings"] == "off"
    assert shown["review_link"] == "(unset)"

    await admin.set("acme", "delivery_care", "on")
    await admin.set("acme", "rating_after_days", "5")
    await admin.set("acme", "review_link", "https://shop.example.com/reviews")
    shown = await admin.show("acme")
    assert (shown["delivery_care"], shown["ratings"]) == ("on", "off")
    assert shown["rating_after_days"] == 5
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        care = CarePolicy.from_settings(shop.settings)
    assert care.delivery_care and not care.ratings
    assert care.review_link == "https://shop.example.com/reviews"

    await admin.set("acme", "delivery_care", "")  # back to the default
    assert (await admin.show("acme"))["delivery_care"] == "off"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("delivery_care", "maybe"),
        ("stuck_after_days", "0"),
        ("stuck_after_days", "²"),
        ("rating_after_days", "100"),
        ("review_link", "javascript:alert(1)"),
        ("review_link", "https://x.example.com/a b"),
    ],
)
async def test_bad_care_values_are_refused(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, key: str, value: str
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    before = await admin.show("acme")
    with pytest.raises(BadSetting, match=key):
        await admin.set("acme", key, value)
    assert await admin.show("acme") == before
