"""StatsService and the /stats chart on a known data set: every figure is worked out by
hand below, for both periods, with rows placed on the window's edges on purpose."""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from PIL import Image

from bot.clock import FakeClock
from bot.domain.enums import ActorKind, ClaimStatus, RefundStatus
from bot.domain.errors import NotAllowed
from bot.services.charts import BAR, HEIGHT, WIDTH, render_claims_chart
from bot.services.sellers import ShopRef
from bot.services.stats import (
    ChooseShop,
    DayCount,
    InvalidPeriod,
    ProductReturns,
    StatsService,
    day_slices,
    median,
)
from handlers.catalog import Catalog
from handlers.seller.stats import duration, parse_days, summary_text
from storage.models import (
    ChatUser,
    Claim,
    ClaimEvent,
    ClaimItem,
    Order,
    OrderItem,
    Refund,
    Seller,
    Shop,
)
from storage.uow import UnitOfWorkFactory

H, D = timedelta(hours=1), timedelta(days=1)
_ids = count(1)


@dataclass
class World:
    """Ids of the people and shops of the data set."""

    seller: int
    other_seller: int
    buyer: int
    shop: int
    other_shop: int
    items: dict[tuple[str, str], int] = field(default_factory=dict)  # (order, product) → id


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> StatsService:
    return StatsService(uow_factory, clock)


async def add_user(uow_factory: UnitOfWorkFactory, clock: FakeClock, external_id: int) -> int:
    async with uow_factory() as uow:
        user = ChatUser(
            external_id=external_id, first_name=f"U{external_id}", created_at=clock.now()
        )
        uow.session.add(user)
        await uow.commit()
        return user.id


async def add_shop(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, code: str, *sellers: int
) -> int:
    async with uow_factory() as uow:
        shop = Shop(code=code, name=code.title() + " Store", currency="USD", created_at=clock.now())
        uow.session.add(shop)
        await uow.flush()
        for user_id in sellers:
            uow.session.add(Seller(shop_id=shop.id, chat_user_id=user_id, created_at=clock.now()))
        await uow.commit()
        return shop.id


async def add_order(
    uow_factory: UnitOfWorkFactory,
    world: World,
    shop_id: int,
    number: str,
    placed: datetime,
    delivered: datetime | None,
    products: tuple[str, ...] = ("Mug",),
) -> int:
    async with uow_factory() as uow:
        order = Order(
            shop_id=shop_id,
            order_number=number,
            status="DELIVERED" if delivered else "IN_TRANSIT",
            placed_at=placed,
            delivered_at=delivered,
            updated_at=placed,
        )
        for line, name in enumerate(products, start=1):
            order.items.append(
                OrderItem(
                    line_no=line,
                    sku=name.upper(),
                    product_name=name,
                    quantity=9,
                    unit_price=Decimal("10.00"),
                )
            )
        uow.session.add(order)
        await uow.commit()
        for item in order.items:
            world.items[(number, item.product_name)] = item.id
        return order.id


async def add_claim(
    uow_factory: UnitOfWorkFactory,
    world: World,
    order_id: int,
    number: str,
    *,
    created: datetime,
    reason: str,
    status: ClaimStatus,
    items: dict[str, int],
    moves: tuple[tuple[ClaimStatus, ClaimStatus, ActorKind, timedelta], ...] = (),
) -> int:
    """A claim with its filing event and `moves` (from, to, who, after creation)."""
    async with uow_factory() as uow:
        claim = Claim(
            claim_number=f"C-{next(_ids)}",
            order_id=order_id,
            buyer_id=world.buyer,
            type="RETURN_AND_REFUND",
            reason=reason,
            status=status,
            requested_amount=Decimal("10.00"),
            currency="USD",
            created_at=created,
            updated_at=created,
        )
        claim.items = [
            ClaimItem(order_item_id=world.items[(number, name)], quantity=q)
            for name, q in items.items()
        ]
        claim.history = [
            ClaimEvent(
                from_status=None,
                to_status=ClaimStatus.REQUESTED,
                actor_kind=ActorKind.BUYER,
                at=created,
            ),
            *(
                ClaimEvent(from_status=a, to_status=b, actor_kind=who, at=created + after)
                for a, b, who, after in moves
            ),
        ]
        uow.session.add(claim)
        await uow.commit()
        return claim.id


async def add_refund(
    uow_factory: UnitOfWorkFactory,
    order_id: int,
    amount: str,
    created: datetime,
    status: RefundStatus = RefundStatus.SUCCEEDED,
    currency: str = "USD",
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            Refund(
                order_id=order_id,
                amount=Decimal(amount),
                currency=currency,
                status=status,
                issuer_kind="seller",
                reason="test",
                idempotency_key=f"r-{next(_ids)}",
                created_at=created,
                updated_at=created,
            )
        )
        await uow.commit()


R, A, NI, RJ, RF, CL, CX = (
    ClaimStatus.REQUESTED,
    ClaimStatus.APPROVED,
    ClaimStatus.NEEDS_INFO,
    ClaimStatus.REJECTED,
    ClaimStatus.REFUNDED,
    ClaimStatus.CLOSED,
    ClaimStatus.CANCELLED,
)
SELLER, BUYER, SYSTEM, STAFF = ActorKind.SELLER, ActorKind.BUYER, ActorKind.SYSTEM, ActorKind.STAFF


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    """now = 2026-01-15 12:00 UTC.

    order placed  delivered  products              7d: placed/deliv  30d
    O1    -2d     -1d        Mug, Lamp             ✓ ✓               ✓ ✓
    O2    -5d     -3d        Mug, Towel            ✓ ✓               ✓ ✓
    O3    -10d    -8d        Lamp Towel Cup Plate Vase  · ·          ✓ ✓
    O4    -20d    -15d       Lamp                  · ·               ✓ ✓
    O5    -40d    -35d       Mug                   · ·               · ·
    O6    -1d     —          Mug                   ✓ ·               ✓ ·
    O7    -7d     now        Mug                   ✓ · (end is open) ✓ ·
    B1-8  -6d     -4d        Mug                   ✓ ✓ ×8            ✓ ✓ ×8
    → 7d: 12 placed, 10 delivered; 30d: 14 placed, 12 delivered.
    """
    now = clock.now()
    seller = await add_user(uow_factory, clock, 9001)
    other_seller = await add_user(uow_factory, clock, 9002)
    buyer = await add_user(uow_factory, clock, 1001)
    shop = await add_shop(uow_factory, clock, "acme", seller)
    other_shop = await add_shop(uow_factory, clock, "zeta", other_seller)
    w = World(seller, other_seller, buyer, shop, other_shop)

    o1 = await add_order(uow_factory, w, shop, "O1", now - 2 * D, now - D, ("Mug", "Lamp"))
    o2 = await add_order(uow_factory, w, shop, "O2", now - 5 * D, now - 3 * D, ("Mug", "Towel"))
    o3 = await add_order(
        uow_factory,
        w,
        shop,
        "O3",
        now - 10 * D,
        now - 8 * D,
        ("Lamp", "Towel", "Cup", "Plate", "Vase"),
    )
    o4 = await add_order(uow_factory, w, shop, "O4", now - 20 * D, now - 15 * D, ("Lamp",))
    o5 = await add_order(uow_factory, w, shop, "O5", now - 40 * D, now - 35 * D)
    await add_order(uow_factory, w, shop, "O6", now - D, None)
    await add_order(uow_factory, w, shop, "O7", now - 7 * D, now)
    for n in range(8):
        await add_order(uow_factory, w, shop, f"B{n}", now - 6 * D, now - 4 * D)
    z1 = await add_order(uow_factory, w, other_shop, "Z1", now - 2 * D, now - D)

    # C1: answered by the seller after 2 h.
    await add_claim(
        uow_factory,
        w,
        o1,
        "O1",
        created=now - 20 * H,
        reason="DAMAGED",
        status=RF,
        items={"Mug": 2},
        moves=((R, A, SELLER, 2 * H), (A, RF, SELLER, 2 * H)),
    )
    # C2: still waiting: no response time.
    await add_claim(
        uow_factory,
        w,
        o2,
        "O2",
        created=now - 2 * D,
        reason="DEFECTIVE",
        status=R,
        items={"Mug": 1, "Towel": 1},
    )
    # C3: the seller's question after 4 h is the first response, not the later rejection.
    await add_claim(
        uow_factory,
        w,
        o2,
        "O2",
        created=now - 3 * D,
        reason="DAMAGED",
        status=RJ,
        items={"Towel": 3},
        moves=((R, NI, SELLER, 4 * H), (NI, R, BUYER, 6 * H), (R, RJ, SELLER, 10 * H)),
    )
    # C4 (30 days only): approved by the deadline job after 48 h.
    await add_claim(
        uow_factory,
        w,
        o3,
        "O3",
        created=now - 9 * D,
        reason="WRONG_ITEM",
        status=A,
        items={"Lamp": 1, "Cup": 1, "Plate": 1, "Vase": 1},
        moves=((R, A, SYSTEM, 48 * H),),
    )
    # C5 (30 days only): withdrawn by the buyer: counted, but no seller response.
    await add_claim(
        uow_factory,
        w,
        o4,
        "O4",
        created=now - 14 * D,
        reason="DAMAGED",
        status=CX,
        items={"Lamp": 2},
        moves=((R, CX, BUYER, H),),
    )
    # C6: before both windows.
    await add_claim(
        uow_factory,
        w,
        o5,
        "O5",
        created=now - 31 * D,
        reason="DAMAGED",
        status=RF,
        items={"Mug": 5},
        moves=((R, RF, SELLER, H),),
    )
    # C7: exactly on the 7-day window's start: inside (the window is [start, end)).
    await add_claim(
        uow_factory,
        w,
        o3,
        "O3",
        created=now - 7 * D,
        reason="DEFECTIVE",
        status=RF,
        items={"Towel": 1},
        moves=((R, RF, SELLER, timedelta(minutes=30)),),
    )
    # C8: closed by staff: that is not the seller answering.
    await add_claim(
        uow_factory,
        w,
        o1,
        "O1",
        created=now - 6 * D,
        reason="NO_LONGER_NEEDED",
        status=CL,
        items={"Lamp": 1},
        moves=((R, CL, STAFF, H),),
    )
    # C9: exactly at `now`: outside (the end is open).
    await add_claim(
        uow_factory, w, o1, "O1", created=now, reason="DAMAGED", status=R, items={"Mug": 1}
    )
    # Another shop's claim and refund never count.
    await add_claim(
        uow_factory,
        w,
        z1,
        "Z1",
        created=now - D,
        reason="DAMAGED",
        status=RF,
        items={"Mug": 4},
        moves=((R, RF, SELLER, H),),
    )
    await add_refund(uow_factory, z1, "99.00", now - D)

    await add_refund(uow_factory, o1, "25.00", now - 18 * H)  # C1
    await add_refund(uow_factory, o3, "8.00", now - 7 * D + H, RefundStatus.PENDING)  # C7
    await add_refund(uow_factory, o2, "100.00", now - 2 * D, RefundStatus.FAILED)
    await add_refund(uow_factory, o4, "5.50", now - 12 * D)  # goodwill, 30 days only
    await add_refund(uow_factory, o5, "60.00", now - 31 * D)  # before both windows
    return w


# ------------------------------------------------------------------ figures


async def test_last_7_days(service: StatsService, world: World, clock: FakeClock) -> None:
    s = await service.shop_stats(world.seller, None, 7)
    now = clock.now()
    assert (s.shop.id, s.shop.name, s.currency, s.days) == (world.shop, "Acme Store", "USD", 7)
    assert (s.start, s.end, s.shop_count) == (now - 7 * D, now, 1)
    assert (s.orders_placed, s.orders_delivered, s.claims_created) == (12, 10, 5)
    assert s.by_status == (
        (ClaimStatus.REFUNDED, 2),
        (ClaimStatus.CLOSED, 1),
        (ClaimStatus.REJECTED, 1),
        (ClaimStatus.REQUESTED, 1),
    )
    assert s.by_reason == (("DAMAGED", 2), ("DEFECTIVE", 2), ("NO_LONGER_NEEDED", 1))
    assert s.return_rate == Decimal("0.5000")
    # Responses: C7 30 min, C1 2 h, C3 4 h → median 2 h.
    assert (s.median_response, s.responses) == (2 * H, 3)
    assert s.refunds == (("USD", Decimal("33.00")),) and s.refund_count == 2
    assert isinstance(s.refunds[0][1], Decimal)
    assert s.top_products == (
        ProductReturns("TOWEL", "Towel", 5, 3),
        ProductReturns("MUG", "Mug", 3, 2),
        ProductReturns("LAMP", "Lamp", 1, 1),
    )
    assert s.per_day == tuple(
        DayCount(date(2026, 1, day), n)
        for day, n in zip(range(9, 16), (1, 1, 0, 0, 1, 1, 1), strict=True)
    )
    assert sum(d.count for d in s.per_day) == s.claims_created


async def test_last_30_days(service: StatsService, world: World) -> None:
    s = await service.shop_stats(world.seller, world.shop, 30)
    assert (s.orders_placed, s.orders_delivered, s.claims_created) == (14, 12, 7)
    assert s.by_status == (
        (ClaimStatus.REFUNDED, 2),
        (ClaimStatus.APPROVED, 1),
        (ClaimStatus.CANCELLED, 1),
        (ClaimStatus.CLOSED, 1),
        (ClaimStatus.REJECTED, 1),
        (ClaimStatus.REQUESTED, 1),
    )
    assert s.by_reason == (
        ("DAMAGED", 3),
        ("DEFECTIVE", 2),
        ("NO_LONGER_NEEDED", 1),
        ("WRONG_ITEM", 1),
    )
    assert s.return_rate == Decimal("0.5833")  # 7 / 12, half up
    # 30 min, 2 h, 4 h, 48 h → (2 h + 4 h) / 2.
    assert (s.median_response, s.responses) == (3 * H, 4)
    assert s.refunds == (("USD", Decimal("38.50")),) and s.refund_count == 3
    # Lamp 1+1+2, Towel 3+1+1, Mug 2+1; then ties of one unit by name; Vase is sixth.
    assert [(p.name, p.quantity, p.claims) for p in s.top_products] == [
        ("Towel", 5, 3),
        ("Lamp", 4, 3),
        ("Mug", 3, 2),
        ("Cup", 1, 1),
        ("Plate", 1, 1),
    ]
    assert len(s.per_day) == 30 and s.per_day[-1].day == date(2026, 1, 15)
    assert sum(d.count for d in s.per_day) == 7


async def test_an_empty_shop_has_zeros_and_no_rate(
    service: StatsService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await add_user(uow_factory, clock, 9001)
    await add_shop(uow_factory, clock, "quiet", seller)
    s = await service.shop_stats(seller, None, 30)
    assert (s.orders_placed, s.orders_delivered, s.claims_created) == (0, 0, 0)
    assert s.return_rate is None and s.median_response is None and s.responses == 0
    assert s.by_status == s.by_reason == s.refunds == s.top_products == ()
    assert s.refund_count == 0
    assert [d.count for d in s.per_day] == [0] * 30


async def test_refunds_in_several_currencies_are_totalled_apart(
    service: StatsService, world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get_by_number(world.shop, "O6")
        assert order is not None
    await add_refund(uow_factory, order.id, "7.25", clock.now() - H, currency="EUR")
    s = await service.shop_stats(world.seller, None, 7)
    assert s.refunds == (("EUR", Decimal("7.25")), ("USD", Decimal("33.00")))
    assert s.refund_count == 3


# ------------------------------------------------------------- authorisation


async def test_a_buyer_is_refused(service: StatsService, world: World) -> None:
    with pytest.raises(NotAllowed):
        await service.shop_stats(world.buyer, None, 7)
    with pytest.raises(NotAllowed):
        await service.shop_stats(world.buyer, world.shop, 7)


async def test_another_shops_seller_is_refused(service: StatsService, world: World) -> None:
    with pytest.raises(NotAllowed):
        await service.shop_stats(world.other_seller, world.shop, 7)
    own = await service.shop_stats(world.other_seller, None, 7)  # their own shop: fine
    assert own.shop.id == world.other_shop
    assert (own.claims_created, own.refunds) == (1, (("USD", Decimal("99.00")),))


async def test_a_seller_of_several_shops_is_asked_which(
    service: StatsService, world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            Seller(shop_id=world.other_shop, chat_user_id=world.seller, created_at=clock.now())
        )
        await uow.commit()
    with pytest.raises(ChooseShop) as asked:
        await service.shop_stats(world.seller, None, 7)
    assert [(s.id, s.name) for s in asked.value.shops] == [
        (world.shop, "Acme Store"),
        (world.other_shop, "Zeta Store"),
    ]
    chosen = await service.shop_stats(world.seller, world.other_shop, 30)
    assert chosen.shop.id == world.other_shop and chosen.shop_count == 2


@pytest.mark.parametrize("days", [0, 1, 14, 31, -7])
async def test_only_7_or_30_days(service: StatsService, world: World, days: int) -> None:
    with pytest.raises(InvalidPeriod):
        await service.shop_stats(world.seller, None, days)


# ------------------------------------------------------------------ helpers


def test_median_of_odd_even_and_none() -> None:
    assert median([3 * H, H, 2 * H]) == 2 * H
    assert median([H, 4 * H]) == timedelta(hours=2, minutes=30)
    assert median([]) is None


def test_day_slices_name_each_slice_by_the_date_it_ends_on() -> None:
    start = datetime(2026, 1, 1, 0, 0, tzinfo=FakeClock().now().tzinfo)
    slices = day_slices(start, 7, [start, start + D - timedelta(microseconds=1), start + 7 * D])
    assert slices[0] == DayCount(date(2026, 1, 1), 2)  # midnight to midnight: that day
    assert [d.count for d in slices] == [2, 0, 0, 0, 0, 0, 0]  # the end is excluded


# ---------------------------------------------------------------- the chart


def colours(png: bytes) -> set[object]:
    """Every RGB colour in the image (the chart has a few hundred: anti-aliased text)."""
    found = Image.open(io.BytesIO(png)).convert("RGB").getcolors(WIDTH * HEIGHT)
    assert found is not None
    return {rgb for _, rgb in found}


async def test_chart_is_a_deterministic_png_of_phone_size(
    service: StatsService, world: World
) -> None:
    for days in (7, 30):
        stats = await service.shop_stats(world.seller, None, days)
        png = render_claims_chart(stats, title="Return requests per day")
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        image.verify()
        image = Image.open(io.BytesIO(png))
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT)) == ("PNG", (800, 400))
        assert BAR in colours(png)
        assert render_claims_chart(stats, title="Return requests per day") == png
        assert render_claims_chart(stats) != png  # the default title is the shop and dates


async def test_chart_without_claims_has_no_bars(
    service: StatsService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await add_user(uow_factory, clock, 9001)
    await add_shop(uow_factory, clock, "quiet", seller)
    png = render_claims_chart(await service.shop_stats(seller, None, 7))
    assert BAR not in colours(png)


# ------------------------------------------------------------- chat wording


@pytest.mark.parametrize(
    ("args", "days"),
    [("", 7), ("7", 7), (" 30 ", 30), ("30d", 30), ("30 days", 30), ("14", None), ("x", None)],
)
def test_parse_days(args: str, days: int | None) -> None:
    assert parse_days(args) == days


def test_durations_are_coarse_and_worded_by_the_catalog() -> None:
    catalog = Catalog()
    assert duration(catalog, None) == "—"
    assert duration(catalog, timedelta(seconds=59)) == "less than a minute"
    assert duration(catalog, timedelta(minutes=12, seconds=40)) == "12 minutes"
    assert duration(catalog, timedelta(hours=3, minutes=20)) == "3 hours 20 minutes"
    assert duration(catalog, timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert duration(catalog, timedelta(days=2, hours=4, minutes=5)) == "2 days 4 hours"


async def test_summary_text_escapes_the_shop_name(service: StatsService, world: World) -> None:
    stats = await service.shop_stats(world.seller, None, 7)
    evil = replace(stats, shop=ShopRef(1, "x", "<b>Evil</b> & Co"))
    text = summary_text(Catalog(), evil)
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in text
    assert "Return rate: <b>50.0%</b>" in text and "Refunded: <b>$33.00</b>" in text
    assert "Median first response: <b>2 hours</b> (3 answered)" in text
    assert "1. Towel — 5 returned" in text and "• Refunded: 2" in text
    assert "3. Lamp — 1 returned" in text and "pcs" not in text
    assert "• Arrived damaged: 2" in text


async def test_summary_text_of_a_quiet_shop(
    service: StatsService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await add_user(uow_factory, clock, 9001)
    await add_shop(uow_factory, clock, "quiet", seller)
    text = summary_text(Catalog(), await service.shop_stats(seller, None, 7))
    assert "Return rate: <b>—</b>" in text and "Refunded: <b>$0.00</b> (0 refunds" in text
    assert "Median first response: <b>—</b> (0 answered)" in text
    assert "No return requests in this period" in text and "Requests by status" not in text
