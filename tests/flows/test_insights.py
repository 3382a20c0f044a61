"""`/insights` in the chat (issue 17): what a seller sees (the chart, then the text
with the flagged product and the period buttons), bad periods, a buyer or another
shop's seller refused like `/stats` refuses them, a seller of two shops choosing, and
forged buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from bot.clock import FakeClock
from handlers.catalog import Catalog
from handlers.menus import menu
from handlers.types import SendPhotos
from storage.uow import UnitOfWorkFactory
from tests.factories import make_claim_on, make_sale, make_shop, make_shop_seller
from tests.harness import Harness, alert

SELLER = 3001  # harness.seller()'s user id
THIS_WEEK = datetime(2026, 1, 10, 10, tzinfo=UTC)  # the default FakeClock: Jan 15 12:00


async def a_shop_with_rising_returns(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, code: str = "acme"
) -> int:
    """Mugs: 4 of 8 delivered this week came back, 3 of them damaged; none last week."""
    await make_shop_seller(uow_factory, clock, SELLER, code)
    shop = await make_shop(uow_factory, clock, code)
    for n in range(8):
        sale = await make_sale(uow_factory, shop, ("Stoneware Mug",), THIS_WEEK, THIS_WEEK)
        if n < 4:
            reason = "DAMAGED" if n < 3 else "DEFECTIVE"
            await make_claim_on(uow_factory, sale, reason, datetime(2026, 1, 12, tzinfo=UTC))
    return shop


async def test_a_seller_gets_the_chart_then_the_text(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_shop_with_rising_returns(uow_factory, clock)
    sam = harness.seller()
    await sam.say("/insights 7")

    photos = [a for a in sam.last if isinstance(a, SendPhotos)]
    assert len(photos) == 1
    path = photos[0].photos[0].path
    assert path is not None
    with Image.open(Path(path)) as chart:
        assert chart.format == "PNG" and chart.size == (800, 400)
    text = sam.said
    assert "Acme Store · insight, last 7 days" in text
    assert (
        "Stoneware Mug: 4 of 8 orders returned this week, 3 “Arrived damaged”: check packaging."
        in text
    )
    assert "Busiest days ahead" in text
    assert [b.text for b in sam.buttons()] == ["• 7 days •", "30 days", "90 days"]

    await sam.press(sam.button("90 days"))
    assert "last 90 days" in sam.said
    assert [b.text for b in sam.buttons()] == ["7 days", "30 days", "• 90 days •"]


async def test_bad_periods_name_the_ones_there_are(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_shop_with_rising_returns(uow_factory, clock)
    sam = harness.seller()
    for bad in ("/insights 12", "/insights abc"):
        await sam.say(bad)
        assert "Periods: 7 / 30 / 90 days." in sam.said
        assert not any(isinstance(a, SendPhotos) for a in sam.last)


async def test_a_buyer_is_refused_as_stats_refuses(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_shop_with_rising_returns(uow_factory, clock)
    jane = harness.buyer()
    await jane.say("/stats")
    refusal = jane.said
    await jane.say("/insights")
    assert jane.said == refusal == "That's for the shop's sellers only."
    assert not any(isinstance(a, SendPhotos) for a in jane.last)


async def test_forged_buttons_change_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_shop_with_rising_returns(uow_factory, clock)
    other = await make_shop(uow_factory, clock, "other")
    sam = harness.seller()
    await sam.press(f"ins:{other}:7")  # a shop Sam does not sell for
    assert alert(sam) == "That's for the shop's sellers only."
    assert not any(isinstance(a, SendPhotos) for a in sam.last)
    for forged in ("ins:1:12", "ins:x:7", "insp:8", "ins:1"):
        await sam.press(forged)
        assert alert(sam) == Catalog().plain("common.button_expired")


async def test_a_seller_of_two_shops_chooses_first(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await a_shop_with_rising_returns(uow_factory, clock, "acme")
    await make_shop_seller(uow_factory, clock, SELLER, "beta")
    sam = harness.seller()
    await sam.say("/insights")
    assert sam.said == "Which shop's insight would you like to see?"
    assert sorted(b.text for b in sam.buttons()) == ["Acme Store", "Beta Store"]
    await sam.press(sam.button("Acme Store"))
    assert "Acme Store · insight, last 30 days" in sam.said
    assert "🏬 Other shop" in [b.text for b in sam.buttons()]
    await sam.press(sam.button("Other shop"))
    assert sam.said == "Which shop's insight would you like to see?"


def test_insights_is_in_the_sellers_menu() -> None:
    for language in ("en", "es"):
        commands = [name for name, _ in menu(Catalog(language), "seller")]
        assert commands.index("insights") == commands.index("stats") + 1
