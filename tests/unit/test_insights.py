"""InsightService on hand-built data where the right answer is worked out by hand: a
product whose returns doubled is flagged with its top reason, one that rose less and
one with too few claims are not; ratings and their trend; support load per week; the
weekly rhythm of orders found by the forecast; the shop's timezone for weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from bot.clock import FakeClock
from bot.domain.errors import NotAllowed
from bot.domain.forecast import Method
from bot.services.insights import (
    ChooseShop,
    InsightService,
    InvalidPeriod,
    ProductReturns,
    ProductWeek,
    ShopInsights,
    Week,
    as_json,
    is_marked_rise,
    weeks_ending,
)
from handlers.catalog import Catalog
from handlers.fit import fit, utf16_len
from handlers.seller.insights import chart_png, flag_line, insight_text, parse_days
from storage.models import Shop
from storage.uow import UnitOfWorkFactory
from tests.factories import (
    Sale,
    make_cancel_request,
    make_claim_on,
    make_person,
    make_rating,
    make_sale,
    make_shop,
    make_shop_seller,
    make_ticket,
)

# FakeClock's default: Thursday 2026-01-15 12:00 UTC.  The shop is on UTC, so
# "this week" is Jan 9–15 and "last week" Jan 2–8.
H, D = timedelta(hours=1), timedelta(days=1)
SELLER = 3001
THIS_WEEK = datetime(2026, 1, 10, 10, tzinfo=UTC)  # Saturday of this week
LAST_WEEK = datetime(2026, 1, 3, 10, tzinfo=UTC)  # Saturday of last week


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@dataclass
class World:
    shop: int
    seller: int
    buyer: int


async def sales(
    uow_factory: UnitOfWorkFactory, shop: int, product: str, count: int, delivered: datetime
) -> list[Sale]:
    """`count` orders of `product`, placed the day before their delivery."""
    return [
        await make_sale(uow_factory, shop, (product,), delivered - D, delivered)
        for _ in range(count)
    ]


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    seller = await make_shop_seller(uow_factory, clock, SELLER, "acme")
    shop = await make_shop(uow_factory, clock, "acme")
    buyer = await make_person(uow_factory, clock, 1001, "Jane")

    # Stoneware Mug: 1 of 10 last week, 4 of 10 this week (3 damaged): flagged.
    mug_before = await sales(uow_factory, shop, "Stoneware Mug", 10, LAST_WEEK)
    mug_now = await sales(uow_factory, shop, "Stoneware Mug", 10, THIS_WEEK)
    await make_claim_on(uow_factory, mug_before[0], "DAMAGED", at(4))
    for sale in mug_now[:3]:
        await make_claim_on(uow_factory, sale, "DAMAGED", at(12))
    await make_claim_on(uow_factory, mug_now[3], "DEFECTIVE", at(12))

    # Linen Towel: 2 of 10, then 3 of 10: up by half, not doubled: not flagged.
    towel_before = await sales(uow_factory, shop, "Linen Towel", 10, LAST_WEEK)
    towel_now = await sales(uow_factory, shop, "Linen Towel", 10, THIS_WEEK)
    for sale in towel_before[:2]:
        await make_claim_on(uow_factory, sale, "NOT_AS_DESCRIBED", at(5))
    for sale in towel_now[:3]:
        await make_claim_on(uow_factory, sale, "NOT_AS_DESCRIBED", at(13))

    # Tea Spoon: 0, then 2 of 5: from nothing, but under 3 claims: not flagged.
    spoon_now = await sales(uow_factory, shop, "Tea Spoon", 5, THIS_WEEK)
    for sale in spoon_now[:2]:
        await make_claim_on(uow_factory, sale, "WRONG_ITEM", at(14))

    # Ratings: the mug 5, 5, 4 the week before (4.67), 3 and 2 this week (2.50).
    for sale, stars in zip(mug_before[5:8], (5, 5, 4), strict=True):
        await make_rating(uow_factory, shop, sale, buyer, stars, at(6))
    for sale, stars in zip(mug_now[5:7], (3, 2), strict=True):
        await make_rating(uow_factory, shop, sale, buyer, stars, at(13))
    await make_rating(uow_factory, shop, towel_now[5], buyer, 4, at(13))

    # Support: tickets (first reply, close), cancellation requests.
    await make_ticket(uow_factory, shop, buyer, at(5), at(5) + 30 * timedelta(minutes=1), at(6))
    await make_ticket(uow_factory, shop, buyer, at(11), at(11) + H, at(11) + 5 * H)
    await make_ticket(uow_factory, shop, buyer, at(12), at(12) + 3 * H)
    await make_cancel_request(uow_factory, towel_before[9], at(6))
    await make_cancel_request(uow_factory, towel_now[9], at(11))
    await make_cancel_request(uow_factory, mug_now[9], at(11))
    return World(shop, seller, buyer)


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> InsightService:
    return InsightService(uow_factory, clock)


def by_name(ins: ShopInsights, name: str) -> ProductReturns:
    return next(p for p in ins.returns if p.name == name)


# ------------------------------------------------------------------ returns


async def test_returns_that_doubled_are_flagged_with_their_top_reason(
    service: InsightService, world: World
) -> None:
    ins = await service.for_seller(world.seller, None, 7)

    assert ins.weeks == (
        Week(date(2026, 1, 2), date(2026, 1, 8)),
        Week(date(2026, 1, 9), date(2026, 1, 15)),
    )
    mug = by_name(ins, "Stoneware Mug")
    assert mug.weeks == (ProductWeek(1, 10), ProductWeek(4, 10))
    assert mug.this_week.rate == Decimal("0.4000")
    assert mug.flagged
    assert mug.top_reason == ("DAMAGED", 3)
    assert mug.reasons == (("DAMAGED", 3), ("DEFECTIVE", 1))

    towel = by_name(ins, "Linen Towel")
    assert towel.weeks == (ProductWeek(2, 10), ProductWeek(3, 10))
    assert not towel.flagged  # 30% after 20%: a rise, not a doubling

    spoon = by_name(ins, "Tea Spoon")
    assert spoon.weeks == (ProductWeek(0, 0), ProductWeek(2, 5))
    assert not spoon.flagged  # from nothing, but only 2 claims

    assert ins.flagged == (mug,)
    assert [p.name for p in ins.returns] == ["Stoneware Mug", "Linen Towel", "Tea Spoon"]

    text = insight_text(Catalog(), ins)
    assert (
        "⚠️ <b>Stoneware Mug</b>: 4 of 10 orders returned this week, "
        "3 “Arrived damaged”: check packaging." in text
    )
    assert "Linen Towel</b>:" not in text  # listed, not flagged
    assert "• Linen Towel: 3 of 10 (30.0%) · last week 2 of 10 (20.0%)" in text


def test_the_flag_rule() -> None:
    assert is_marked_rise(ProductWeek(4, 10), ProductWeek(2, 10))  # doubled, 4 claims
    assert not is_marked_rise(ProductWeek(4, 20), ProductWeek(2, 10))  # same rate
    assert not is_marked_rise(ProductWeek(2, 10), ProductWeek(0, 10))  # too few
    assert is_marked_rise(ProductWeek(3, 10), ProductWeek(0, 10))  # from nothing
    assert is_marked_rise(ProductWeek(3, 0), ProductWeek(1, 0))  # no deliveries: counts


async def test_a_30_day_period_has_four_weeks_and_counts_the_whole_period(
    service: InsightService, world: World
) -> None:
    ins = await service.for_seller(world.seller, None, 30)
    assert len(ins.weeks) == 4 and ins.weeks[-1].last == date(2026, 1, 15)
    mug = by_name(ins, "Stoneware Mug")
    assert mug.period_claims == 5
    assert mug.weeks[-2:] == (ProductWeek(1, 10), ProductWeek(4, 10))


# ------------------------------------------------------------------ ratings


async def test_ratings_per_product_and_their_trend(service: InsightService, world: World) -> None:
    ins = await service.for_seller(world.seller, None, 7)
    mug = next(r for r in ins.ratings if r.name == "Stoneware Mug")
    assert (mug.count, mug.average) == (2, Decimal("2.50"))
    assert (mug.previous_count, mug.previous_average) == (3, Decimal("4.67"))
    assert mug.change == Decimal("-2.17")
    towel = next(r for r in ins.ratings if r.name == "Linen Towel")
    assert (towel.count, towel.average, towel.previous_average, towel.change) == (
        1,
        Decimal("4.00"),
        None,
        None,
    )
    text = insight_text(Catalog(), ins)
    assert "• Stoneware Mug: ★ 2.5 (2) · before ★ 4.67 (3) ↓ 2.17" in text


# ------------------------------------------------------------------ support


async def test_support_load_per_week(service: InsightService, world: World) -> None:
    ins = await service.for_seller(world.seller, None, 7)
    before, now = ins.support
    assert (before.claims, before.cancellations, before.tickets) == (3, 1, 1)
    assert before.first_response == timedelta(minutes=30)
    assert before.resolution == D
    assert (now.claims, now.cancellations, now.tickets) == (9, 2, 2)
    assert now.first_response == 2 * H  # median of 1 h and 3 h
    assert (now.resolution, now.resolved) == (5 * H, 1)  # the open one is not resolved
    text = insight_text(Catalog(), ins)
    assert "• Jan 9 – Jan 15: 9 · 2 · 2 · 2 hours · 5 hours" in text


async def test_expected_support_follows_the_forecast(service: InsightService, world: World) -> None:
    ins = await service.for_seller(world.seller, None, 7)
    # Placed this period: the 25 orders delivered this week (placed the day before).
    assert ins.orders == 25
    assert ins.claims_per_order == Decimal("0.3600")  # 9 claims
    assert ins.tickets_per_order == Decimal("0.0800")  # 2 tickets
    for load in ins.expected:
        assert load.claims == pytest.approx(load.orders * 0.36)
        assert load.tickets == pytest.approx(load.orders * 0.08)


# ------------------------------------------------------------------ demand


async def test_the_weekly_rhythm_of_orders_is_forecast(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService
) -> None:
    """Eight weeks to yesterday: 2 orders on weekdays, 6 on Saturdays and Sundays
    (22 a week)."""
    seller = await make_shop_seller(uow_factory, clock, SELLER, "rhythm")
    shop = await make_shop(uow_factory, clock, "rhythm")
    today = date(2026, 1, 15)
    for back in range(56, 0, -1):
        day = today - timedelta(days=back)
        for n in range(6 if day.weekday() >= 5 else 2):
            placed = datetime(day.year, day.month, day.day, 9 + n, tzinfo=UTC)
            await make_sale(uow_factory, shop, ("Kettle",), placed)

    ins = await service.for_seller(seller, None, 30)
    fc = ins.demand.forecast
    assert ins.demand.history[-7:] in ((2, 2, 6, 6, 2, 2, 2),)  # Thu..Wed
    assert fc.method is Method.SEASONAL and fc.history_days == 56
    assert fc.first_day == today
    expected = [6.0 if (today + timedelta(days=i)).weekday() >= 5 else 2.0 for i in range(28)]
    assert fc.values == pytest.approx(expected, abs=0.05)
    assert all(day.weekday() >= 5 for day in fc.peaks())
    assert fc.backtest is not None and fc.backtest.mae == pytest.approx(0, abs=0.05)
    (kettle,) = ins.products
    assert kettle.name == "Kettle" and kettle.forecast.total(14) == pytest.approx(44, abs=0.5)
    text = insight_text(Catalog(), ins)
    assert "Forecast: <b>~44</b> orders in the next 14 days, <b>~88</b> in the next 28." in text
    assert "Busiest days ahead: Sat, Jan 17 · Sun, Jan 18 · Sat, Jan 24" in text
    png = chart_png(Catalog(), ins)
    assert png.startswith(b"\x89PNG")


async def test_a_new_shop_gets_the_simple_model_and_says_so(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService
) -> None:
    seller = await make_shop_seller(uow_factory, clock, SELLER, "fresh")
    shop = await make_shop(uow_factory, clock, "fresh")
    for back in range(1, 11):  # ten days, 3 a day
        for n in range(3):
            await make_sale(uow_factory, shop, ("Kettle",), at(15) - back * D + n * H)
    ins = await service.for_seller(seller, None, 7)
    assert ins.demand.forecast.method is Method.WEEKDAY_MEAN
    assert ins.demand.forecast.total(14) == pytest.approx(42)
    text = insight_text(Catalog(), ins)
    assert "only 10 days of orders, too few for a weekly pattern" in text
    assert "Too little history to test the forecast yet (10 days, 21 needed)." in text


async def test_a_shop_without_orders(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService
) -> None:
    seller = await make_shop_seller(uow_factory, clock, SELLER, "empty")
    ins = await service.for_seller(seller, None, 90)
    assert ins.demand.forecast.method is Method.NONE
    assert ins.returns == () and ins.ratings == ()
    text = insight_text(Catalog(), ins)
    assert "No orders yet: nothing to forecast from." in text
    assert "No return requests in these weeks." in text
    assert chart_png(Catalog(), ins).startswith(b"\x89PNG")


# ------------------------------------------------------------------ time zones


async def test_weeks_are_the_shops_local_days(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService, world: World
) -> None:
    """Jan 9 03:00 UTC is still Jan 8 in New York: last week there, this week in UTC."""
    sale = await make_sale(uow_factory, world.shop, ("Kettle",), at(2), at(3))
    await make_claim_on(uow_factory, sale, "DAMAGED", datetime(2026, 1, 9, 3, tzinfo=UTC))
    ins = await service.for_seller(world.seller, None, 7)
    assert by_name(ins, "Kettle").weeks == (ProductWeek(0, 1), ProductWeek(1, 0))
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Shop).where(Shop.id == world.shop).values(timezone="America/New_York")
        )
        await uow.commit()
    ins = await service.for_seller(world.seller, None, 7)
    assert ins.today == date(2026, 1, 15)
    assert by_name(ins, "Kettle").weeks == (ProductWeek(1, 1), ProductWeek(0, 0))


def test_weeks_end_today() -> None:
    assert weeks_ending(date(2026, 1, 15), 2) == (
        Week(date(2026, 1, 2), date(2026, 1, 8)),
        Week(date(2026, 1, 9), date(2026, 1, 15)),
    )


# ------------------------------------------------------------------ who may see it


async def test_only_the_shops_sellers_see_it(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService, world: World
) -> None:
    with pytest.raises(NotAllowed):
        await service.for_seller(world.buyer, None, 7)
    other = await make_shop_seller(uow_factory, clock, 3002, "other")
    with pytest.raises(NotAllowed):
        await service.for_seller(other, world.shop, 7)
    with pytest.raises(InvalidPeriod):
        await service.for_seller(world.seller, None, 12)


async def test_a_seller_of_two_shops_chooses(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService, world: World
) -> None:
    await make_shop_seller(uow_factory, clock, SELLER, "second")
    with pytest.raises(ChooseShop) as chosen:
        await service.for_seller(world.seller, None, 7)
    assert {s.code for s in chosen.value.shops} == {"acme", "second"}
    ins = await service.for_seller(world.seller, world.shop, 7)
    assert ins.shop.code == "acme" and ins.shop_count == 2


# ------------------------------------------------------------------ text and JSON


async def test_the_text_fits_one_message_with_hundreds_of_long_product_names(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, service: InsightService, world: World
) -> None:
    for n in range(120):
        sale = await make_sale(
            uow_factory, world.shop, (f"{n} {'Very long name ' * 19}".strip(),), at(9), at(10)
        )
        await make_rating(uow_factory, world.shop, sale, world.buyer, 1 + n % 5, at(12))
    ins = await service.for_seller(world.seller, None, 90)
    text = insight_text(Catalog(), ins)
    assert utf16_len(text) <= 4096
    assert "Stoneware Mug" in text  # the flagged product is still named


async def test_json_has_every_figure(service: InsightService, world: World) -> None:
    data = as_json(await service.for_seller(world.seller, None, 7))
    mug = next(p for p in data["returns"] if p["name"] == "Stoneware Mug")
    assert mug["flagged"] is True
    assert mug["weeks"][-1] == {"claims": 4, "delivered": 10, "rate": "0.4000"}
    assert data["support"][-1]["median_first_response_seconds"] == 7200
    assert len(data["demand"]["forecast"]) == 28


def test_periods_are_read_like_stats() -> None:
    assert parse_days("") == 30
    assert [parse_days(x) for x in ("7", "30d", "90 days")] == [7, 30, 90]
    assert [parse_days(x) for x in ("12", "abc", "-7", "٧")] == [None] * 4


def test_a_flag_without_deliveries_this_week_says_so() -> None:
    product = ProductReturns(
        sku="MUG",
        name="Mug",
        weeks=(ProductWeek(1, 4), ProductWeek(3, 0)),
        reasons=(("WRONG_ITEM", 2), ("DAMAGED", 1)),
        period_reasons=(("WRONG_ITEM", 2), ("DAMAGED", 2)),
        flagged=True,
    )
    text = fit(flag_line(Catalog(), product))
    assert text == (
        "⚠️ <b>Mug</b>: 3 return requests this week, none of its orders delivered this "
        "week, 2 “Wrong item sent”: check picking and labels."
    )
