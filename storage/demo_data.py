"""Demo shops and orders: enough realistic data to try every conversation the bot has.

`generate_demo_orders` yields validated `OrderRecord`s, the same records the CSV/JSON
importers produce, so the demo goes through the real import path.  Everything is
deterministic for a given seed and `now`: the same call always yields the same orders,
which keeps the demo reproducible and the tests exact.  Times are computed backwards
from `now`, so the data always looks fresh (a parcel "delivered 3 days ago" is 3 days
before whatever `now` the caller passes).

Nothing here points at real people: e-mail addresses use the example.com/.org/.net
domains reserved by RFC 2606, US phone numbers use 555-0100..0199 (reserved for
fiction by the North American Numbering Plan), and European buyers use Ofcom's
07700 900xxx drama range (the EU states publish no fictional ranges).  Tracking numbers
are well-formed for their carrier but made up.

`DEMO_TRY_ME` lists a few fixed orders a new user can look up straight away.
`storage/demo_history.py` adds months of finished orders and their after-sales before
these (`DEMO_HISTORY_DAYS`), for seller insight.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain import carriers
from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from bot.domain.money import quantize
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    ShipmentRecord,
    TrackingEventRecord,
)

# --------------------------------------------------------------------------- shops


@dataclass(frozen=True, slots=True)
class DemoShop:
    code: str
    name: str
    currency: str
    timezone: str


DEMO_SHOPS: tuple[DemoShop, ...] = (
    DemoShop("harbor-home", "Harbor & Home", "USD", "America/New_York"),
    DemoShop("lumen-audio", "Lumen Audio", "EUR", "Europe/Berlin"),
)

# Days after delivery during which a buyer may ask for a return (TikTok Shop's default).
# Used only to place demo deliveries clearly inside or outside the window.
RETURN_WINDOW_DAYS = 15

# How far back the demo's order history goes (storage/demo_history.py says what is in
# it): about five months, enough weeks for a weekly pattern and a promotion peak.
DEMO_HISTORY_DAYS = 150


@dataclass(frozen=True, slots=True)
class _Product:
    sku: str
    name: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class _Buyer:
    name: str
    email: str
    phone: str  # digits only, with country code
    address: str
    city: str  # "Portland, OR, US": where the last tracking events happen
    tax_rate: Decimal  # US sales tax at the destination; 0 where prices include VAT


@dataclass(frozen=True, slots=True)
class _ShopProfile:
    shop: DemoShop
    catalogue: tuple[_Product, ...]
    carriers: tuple[str, ...]
    carrier_weights: tuple[int, ...]
    origin: str  # the shop's warehouse, where parcels are picked up
    hubs: dict[str, tuple[str, ...]]  # carrier -> sort facilities on the way
    standard_fee: Decimal
    express_fee: Decimal
    free_standard_over: Decimal


def _products(rows: list[tuple[str, str, str]]) -> tuple[_Product, ...]:
    return tuple(_Product(sku, name, Decimal(price)) for sku, name, price in rows)


_HARBOR = _ShopProfile(
    shop=DEMO_SHOPS[0],
    catalogue=_products(
        [
            ("HH-MUG-12-SAGE", "Stoneware Mug 12 oz, Sage", "18.00"),
            ("HH-MUG-12-SAND", "Stoneware Mug 12 oz, Sand", "18.00"),
            ("HH-TWL-BATH-WHT", "Organic Cotton Bath Towel, White", "29.50"),
            ("HH-TWL-HAND-SLT", "Organic Cotton Hand Towel, Slate", "14.00"),
            ("HH-CNDL-CEDAR-8", "Cedar & Sage Soy Candle 8 oz", "24.99"),
            ("HH-THROW-WAF-OAT", "Waffle Knit Throw Blanket, Oatmeal", "64.00"),
            ("HH-PILLOW-LIN-18", "Linen Pillow Cover 18 x 18 in, Natural", "22.00"),
            ("HH-KNIFE-CHEF-8", "Chef's Knife 8 in, German Steel", "79.95"),
            ("HH-BOARD-WAL-L", "Walnut Cutting Board, Large", "54.00"),
            ("HH-SKILLET-CI-10", "Pre-seasoned Cast Iron Skillet 10 in", "39.99"),
            ("HH-JAR-GLS-SET4", "Glass Storage Jars, Set of 4", "27.50"),
            ("HH-DIFF-USB-WHT", "Ultrasonic Aroma Diffuser, White", "34.99"),
            ("HH-LAMP-DESK-BRS", "Brass Desk Lamp with LED Bulb", "89.00"),
            ("HH-PLANTER-6-TER", "Ceramic Planter 6 in with Saucer, Terracotta", "19.95"),
            ("HH-APRON-CNV-NVY", "Canvas Apron, Navy", "26.00"),
            ("HH-SHEET-Q-PERC", "Percale Sheet Set, Queen, White", "119.00"),
        ]
    ),
    carriers=(carriers.USPS, carriers.UPS, carriers.FEDEX, carriers.DHL),
    carrier_weights=(35, 30, 25, 10),
    origin="Columbus, OH, US",
    hubs={
        carriers.USPS: ("Columbus, OH, US", "Indianapolis, IN, US", "Chicago, IL, US"),
        carriers.UPS: ("Columbus, OH, US", "Louisville, KY, US", "Hodgkins, IL, US"),
        carriers.FEDEX: ("Grove City, OH, US", "Memphis, TN, US", "Indianapolis, IN, US"),
        carriers.DHL: ("Wilmington, OH, US", "Cincinnati, OH, US"),
    },
    standard_fee=Decimal("5.99"),
    express_fee=Decimal("14.99"),
    free_standard_over=Decimal("75.00"),
)

_LUMEN = _ShopProfile(
    shop=DEMO_SHOPS[1],
    catalogue=_products(
        [
            ("LA-BUDS-PRO-BLK", "Lumen Buds Pro Wireless Earbuds, Black", "129.00"),
            ("LA-BUDS-PRO-WHT", "Lumen Buds Pro Wireless Earbuds, White", "129.00"),
            ("LA-HP-OVER-ANC", "Lumen Over-Ear ANC Headphones", "199.00"),
            ("LA-SPK-MINI-BLU", "Mini Bluetooth Speaker, Blue", "49.90"),
            ("LA-SPK-HOME-OAK", "Home Speaker, Oak Finish", "249.00"),
            ("LA-CBL-USBC-1M", "Braided USB-C Cable 1 m", "12.90"),
            ("LA-CBL-USBC-2M", "Braided USB-C Cable 2 m", "15.90"),
            ("LA-CHG-65W-GAN", "65 W GaN USB-C Charger", "44.90"),
            ("LA-CASE-BUDS-SIL", "Silicone Case for Lumen Buds", "14.90"),
            ("LA-TIPS-FOAM-M", "Memory Foam Ear Tips, 3 Pairs, Size M", "19.90"),
            ("LA-STAND-ALU", "Aluminium Headphone Stand", "34.90"),
            ("LA-DAC-USBC", "USB-C Headphone DAC Adapter", "29.90"),
        ]
    ),
    carriers=(carriers.DHL, carriers.UPS, carriers.FEDEX),
    carrier_weights=(50, 30, 20),
    origin="Berlin, DE",
    hubs={
        carriers.DHL: ("Berlin, DE", "Leipzig, DE"),
        carriers.UPS: ("Ludwigsfelde, DE", "Koeln, DE"),
        carriers.FEDEX: ("Berlin, DE", "Paris-Roissy, FR", "Liege, BE"),
    },
    standard_fee=Decimal("4.90"),
    express_fee=Decimal("12.90"),
    free_standard_over=Decimal("50.00"),
)

_PROFILES: tuple[_ShopProfile, ...] = (_HARBOR, _LUMEN)

# ------------------------------------------------------------------------- buyers

_US_FIRST = (
    "Avery",
    "Blake",
    "Cameron",
    "Dana",
    "Elena",
    "Felix",
    "Grace",
    "Hannah",
    "Isaac",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Nina",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Tyler",
    "Uma",
    "Victor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zane",
    "Bella",
    "Diego",
    "Hiro",
)
_US_LAST = (
    "Anderson",
    "Brooks",
    "Carter",
    "Diaz",
    "Evans",
    "Foster",
    "Garcia",
    "Hughes",
    "Ito",
    "Johnson",
    "Kim",
    "Lopez",
    "Mitchell",
    "Nguyen",
    "Okafor",
    "Park",
    "Quinlan",
    "Ramirez",
    "Singh",
    "Turner",
    "Vasquez",
    "Walker",
    "Young",
    "Zhang",
)
# (city, state, ZIP, area code, sales tax rate): the area code keeps 555-01xx numbers
# looking local; the rates approximate combined state and local sales tax.
_US_CITIES = (
    ("Portland", "OR", "97205", "503", "0"),
    ("Austin", "TX", "78701", "512", "0.0825"),
    ("Columbus", "OH", "43215", "614", "0.0775"),
    ("Denver", "CO", "80202", "303", "0.0881"),
    ("Raleigh", "NC", "27601", "919", "0.0725"),
    ("Madison", "WI", "53703", "608", "0.055"),
    ("Sacramento", "CA", "95814", "916", "0.0875"),
    ("Tucson", "AZ", "85701", "520", "0.087"),
    ("Boise", "ID", "83702", "208", "0.06"),
    ("Richmond", "VA", "23219", "804", "0.06"),
    ("Burlington", "VT", "05401", "802", "0.07"),
    ("Albany", "NY", "12207", "518", "0.08"),
)
_US_STREETS = (
    "Maple Ave",
    "Oak St",
    "Cedar Ln",
    "Elm St",
    "Pine Rd",
    "Birch Way",
    "Willow Dr",
    "Lakeview Ter",
    "Harbor Blvd",
    "Orchard Ct",
)

_EU_FIRST = (
    "Lena",
    "Jonas",
    "Sophie",
    "Lucas",
    "Emma",
    "Noah",
    "Mila",
    "Finn",
    "Clara",
    "Luca",
    "Anna",
    "Elias",
    "Julia",
    "Matteo",
    "Marie",
    "Hugo",
    "Ines",
    "Sven",
    "Nora",
    "Pieter",
    "Aoife",
    "Cian",
)
_EU_LAST = (
    "Schmidt",
    "Jansen",
    "Dubois",
    "Murphy",
    "Huber",
    "Visser",
    "Moreau",
    "Kelly",
    "Wagner",
    "Bakker",
    "Laurent",
    "Byrne",
    "Gruber",
    "Fischer",
    "Peeters",
    "Novak",
)
# (city, postcode, country code, street)
_EU_CITIES = (
    ("Berlin", "10115", "DE", "Invalidenstrasse"),
    ("Hamburg", "20095", "DE", "Moenckebergstrasse"),
    ("Munich", "80331", "DE", "Sendlinger Strasse"),
    ("Amsterdam", "1012 AB", "NL", "Damrak"),
    ("Utrecht", "3511 AA", "NL", "Oudegracht"),
    ("Lyon", "69002", "FR", "Rue de la Republique"),
    ("Dublin", "D02 X285", "IE", "Grafton Street"),
    ("Vienna", "1010", "AT", "Kaerntner Strasse"),
    ("Ghent", "9000", "BE", "Veldstraat"),
)

_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def _email_local(name: str) -> str:
    return re.sub(r"[^a-z.]", "", name.lower().replace(" ", "."))


# ---------------------------------------------------------------- "try me" orders


@dataclass(frozen=True, slots=True)
class _TryMe:
    order_number: str
    status: OrderStatus
    variant: str
    note: str
    buyer: _Buyer
    skus: tuple[str, ...]
    carrier: str
    option: DeliveryOption
    days_ago: float  # delivered this long ago (delivered orders only)


def _us_buyer(name: str, email: str, phone: str, street: str, city_index: int) -> _Buyer:
    city, state, zip_code, _, rate = _US_CITIES[city_index]
    return _Buyer(
        name=name,
        email=email,
        phone=phone,
        address=f"{street}, {city}, {state} {zip_code}, US",
        city=f"{city}, {state}, US",
        tax_rate=Decimal(rate),
    )


# Buyers of the try-me orders that show delivery care and ratings (555-0105..0109).
_TAYLOR = _us_buyer("Taylor Brooks", "taylor.brooks@example.com", "15205550105", "8 Birch Way", 7)
_MORGAN = _us_buyer("Morgan Diaz", "morgan.diaz@example.org", "12085550106", "61 Willow Dr", 8)
_JAMIE = _us_buyer("Jamie Foster", "jamie.foster@example.net", "18045550107", "3 Orchard Ct", 9)
_DREW = _us_buyer("Drew Nguyen", "drew.nguyen@example.com", "18025550108", "27 Elm St", 10)
_ROBIN = _us_buyer("Robin Park", "robin.park@example.org", "15185550109", "140 Pine Rd", 11)

# Fixed orders in the first shop, the same for every seed, for the README and the demo
# banner.  Their numbers use a block (5761000000000000xx) the random ones never take.
_TRY_ME: tuple[_TryMe, ...] = (
    _TryMe(
        "576100000000000001",
        OrderStatus.DELIVERED,
        "in_window",
        "delivered 3 days ago: inside the 15-day return window, two items",
        _us_buyer("Alex Rivera", "alex.rivera@example.com", "15035550100", "12 Maple Ave", 0),
        ("HH-MUG-12-SAGE", "HH-TWL-BATH-WHT"),
        carriers.USPS,
        DeliveryOption.STANDARD,
        3.0,
    ),
    _TryMe(
        "576100000000000002",
        OrderStatus.IN_TRANSIT,
        "on_time",
        "in transit with UPS Express, on schedule",
        _us_buyer("Jordan Lee", "jordan.lee@example.org", "15125550101", "48 Oak St", 1),
        ("HH-KNIFE-CHEF-8",),
        carriers.UPS,
        DeliveryOption.EXPRESS,
        0.0,
    ),
    _TryMe(
        "576100000000000003",
        OrderStatus.AWAITING_SHIPMENT,
        "default",
        "paid, not shipped yet: can still be cancelled",
        _us_buyer("Sam Patel", "sam.patel@example.net", "16145550102", "7 Cedar Ln", 2),
        ("HH-THROW-WAF-OAT", "HH-PILLOW-LIN-18"),
        carriers.FEDEX,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000004",
        OrderStatus.UNPAID,
        "default",
        "placed but not paid",
        _us_buyer("Casey Morgan", "casey.morgan@example.com", "13035550103", "301 Elm St", 3),
        ("HH-CNDL-CEDAR-8",),
        carriers.USPS,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000005",
        OrderStatus.DELIVERED,
        "out_of_window",
        "delivered 25 days ago: the return window has closed",
        _us_buyer("Riley Chen", "riley.chen@example.org", "19195550104", "95 Pine Rd", 4),
        ("HH-SKILLET-CI-10",),
        carriers.FEDEX,
        DeliveryOption.STANDARD,
        25.0,
    ),
    # What the bot does on its own (delivery care, rating requests; the demo shops have
    # both on): prove one of these and the care job writes within a minute.
    _TryMe(
        "576100000000000006",
        OrderStatus.IN_TRANSIT,
        "late",
        "in transit, past its estimated delivery: the bot says so before you ask",
        _TAYLOR,
        ("HH-LAMP-DESK-BRS",),
        carriers.USPS,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000007",
        OrderStatus.IN_TRANSIT,
        "stuck",
        "in transit, no tracking news for 5 days: stuck",
        _MORGAN,
        ("HH-BOARD-WAL-L", "HH-APRON-CNV-NVY"),
        carriers.FEDEX,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000008",
        OrderStatus.IN_TRANSIT,
        "late",
        "Express and late: the buyer and the sellers hear about it",
        _JAMIE,
        ("HH-SHEET-Q-PERC",),
        carriers.UPS,
        DeliveryOption.EXPRESS,
        0.0,
    ),
    _TryMe(
        "576100000000000009",
        OrderStatus.IN_TRANSIT,
        "attempt_fail",
        "delivery attempted, nobody home: what to do next",
        _DREW,
        ("HH-SKILLET-CI-10", "HH-JAR-GLS-SET4"),
        carriers.FEDEX,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000010",
        OrderStatus.IN_TRANSIT,
        "pickup",
        "waiting at the post office for pickup",
        _ROBIN,
        ("HH-DIFF-USB-WHT",),
        carriers.USPS,
        DeliveryOption.STANDARD,
        0.0,
    ),
    _TryMe(
        "576100000000000011",
        OrderStatus.DELIVERED,
        "in_window",
        "delivered 4 days ago: asked for a rating",
        _TAYLOR,
        ("HH-MUG-12-SAND", "HH-CNDL-CEDAR-8"),
        carriers.UPS,
        DeliveryOption.STANDARD,
        4.0,
    ),
    _TryMe(
        "576100000000000012",
        OrderStatus.DELIVERED,
        "in_window",
        "delivered 3 days ago: asked for a rating",
        _ROBIN,
        ("HH-TWL-HAND-SLT",),
        carriers.USPS,
        DeliveryOption.STANDARD,
        3.5,
    ),
)

DEMO_TRY_ME: list[dict[str, str]] = [
    {
        "shop_code": DEMO_SHOPS[0].code,
        "order_number": t.order_number,
        "email": t.buyer.email,
        "phone": t.buyer.phone,
        "status": t.status.value,
        "note": t.note,
    }
    for t in _TRY_ME
]

# -------------------------------------------------------------------- scenarios

# (status, variant).  The variant picks the story within a status, e.g. a late parcel.
_Scenario = tuple[OrderStatus, str]

# Every shop gets each of these once, so any seed covers every status and story.
_MANDATORY: tuple[_Scenario, ...] = (
    (OrderStatus.UNPAID, "default"),
    (OrderStatus.ON_HOLD, "default"),
    (OrderStatus.AWAITING_SHIPMENT, "default"),
    (OrderStatus.AWAITING_COLLECTION, "default"),
    (OrderStatus.PARTIALLY_SHIPPING, "default"),
    (OrderStatus.IN_TRANSIT, "on_time"),
    (OrderStatus.IN_TRANSIT, "out_for_delivery"),
    (OrderStatus.IN_TRANSIT, "late"),
    (OrderStatus.IN_TRANSIT, "exception"),
    (OrderStatus.IN_TRANSIT, "attempt_fail"),
    (OrderStatus.DELIVERED, "in_window"),
    (OrderStatus.DELIVERED, "out_of_window"),
    (OrderStatus.COMPLETED, "default"),
    (OrderStatus.CANCELLED, "unpaid"),
    (OrderStatus.CANCELLED, "paid"),
)

# The rest are drawn with roughly the mix a small shop sees: most orders are on the way
# or delivered, a few wait for payment or get cancelled.
_RANDOM_SCENARIOS: tuple[tuple[_Scenario, int], ...] = (
    ((OrderStatus.UNPAID, "default"), 5),
    ((OrderStatus.ON_HOLD, "default"), 3),
    ((OrderStatus.AWAITING_SHIPMENT, "default"), 9),
    ((OrderStatus.AWAITING_COLLECTION, "default"), 6),
    ((OrderStatus.PARTIALLY_SHIPPING, "default"), 4),
    ((OrderStatus.IN_TRANSIT, "on_time"), 8),
    ((OrderStatus.IN_TRANSIT, "out_for_delivery"), 3),
    ((OrderStatus.IN_TRANSIT, "late"), 4),
    ((OrderStatus.IN_TRANSIT, "exception"), 2),
    ((OrderStatus.IN_TRANSIT, "attempt_fail"), 2),
    ((OrderStatus.DELIVERED, "any"), 25),
    ((OrderStatus.COMPLETED, "default"), 17),
    ((OrderStatus.CANCELLED, "unpaid"), 6),
    ((OrderStatus.CANCELLED, "paid"), 6),
)

# Promised door-to-door days once the carrier has the parcel.
_PROMISE_DAYS = {DeliveryOption.STANDARD: 6, DeliveryOption.EXPRESS: 2}

_EXCEPTIONS = (
    "Delayed: severe weather in the area",
    "Address could not be verified; the carrier will contact the recipient",
    "Shipment delayed in transit",
)
_ATTEMPTS = (
    "Delivery attempted: recipient not available",
    "Delivery attempted: no safe place to leave the parcel",
)
_PICKUP = "Available for pickup at the Post Office; held for 15 days"
_DELIVERED_MESSAGES = (
    "Delivered, left at front door",
    "Delivered, handed to resident",
    "Delivered to mailroom",
    "Delivered to parcel locker",
)


# ---------------------------------------------------------------------- generator


def generate_demo_orders(
    seed: int = 7, count: int = 240, now: datetime | None = None
) -> Iterator[tuple[str, OrderRecord]]:
    """Yield `count` demo orders as (shop code, record), deterministically.

    The first orders are the fixed `DEMO_TRY_ME` ones (first shop); then every shop gets
    one order per status and story (late parcel, failed delivery, ...), so any seed with
    a reasonable count covers them all; the rest are drawn at random.  All times are
    before `now`, which should come from the caller's clock; without it the current time
    is read at call time (never at import).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _DemoGenerator(seed, now.astimezone(UTC)).orders(count)


class _DemoGenerator:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        # Whole minutes, strictly before `now`: every time is `anchor - n minutes`, n >= 1.
        self.anchor = now.replace(second=0, microsecond=0)
        self.order_numbers: set[str] = {t.order_number for t in _TRY_ME}
        self.tracking_numbers: set[str] = set()
        reserved_emails = {t.buyer.email for t in _TRY_ME}
        self.buyers = (
            self._us_buyers(90, reserved_emails),
            self._eu_buyers(60, reserved_emails),
        )

    # --------------------------------------------------------------- top level

    def orders(self, count: int) -> Iterator[tuple[str, OrderRecord]]:
        produced = 0
        for spec in _TRY_ME:
            if produced >= count:
                return
            yield _HARBOR.shop.code, self._try_me(spec)
            produced += 1

        # Interleave the shops' mandatory scenarios so a small count still touches both.
        plan: list[tuple[int, _Scenario]] = [
            (shop_index, scenario)
            for scenario in _MANDATORY
            for shop_index in range(len(_PROFILES))
        ]
        scenarios = [s for s, _ in _RANDOM_SCENARIOS]
        weights = [w for _, w in _RANDOM_SCENARIOS]
        index = 0
        while produced < count:
            if index < len(plan):
                shop_index, scenario = plan[index]
                # Rotating carriers and options over the mandatory orders guarantees each
                # shop ships with all its carriers and both options (`step` is the
                # position in _MANDATORY; its ten shipped stories cover four carriers).
                step = index // len(_PROFILES)
                shop_carriers = _PROFILES[shop_index].carriers
                carrier_pick: str | None = shop_carriers[step % len(shop_carriers)]
                option_pick: DeliveryOption | None = (
                    DeliveryOption.EXPRESS if step % 3 == 1 else DeliveryOption.STANDARD
                )
            else:
                shop_index = 0 if self.rng.random() < 0.6 else 1
                scenario = self.rng.choices(scenarios, weights=weights)[0]
                carrier_pick = option_pick = None
            profile = _PROFILES[shop_index]
            record = self._random_order(profile, shop_index, scenario, carrier_pick, option_pick)
            yield profile.shop.code, record
            produced += 1
            index += 1

    def _try_me(self, spec: _TryMe) -> OrderRecord:
        # Its own RNG, seeded by the order number: the same details for every seed.
        rng = random.Random(spec.order_number)
        by_sku = {p.sku: p for p in _HARBOR.catalogue}
        items = tuple(ItemRecord(sku, by_sku[sku].name, 1, by_sku[sku].price) for sku in spec.skus)
        return self._build(
            rng,
            _HARBOR,
            spec.order_number,
            (spec.status, spec.variant),
            spec.buyer,
            items,
            spec.carrier,
            spec.option,
            delivered_days_ago=spec.days_ago or None,
            source=f"try-me {spec.order_number}",
        )

    def _random_order(
        self,
        profile: _ShopProfile,
        shop_index: int,
        scenario: _Scenario,
        carrier: str | None,
        option: DeliveryOption | None,
    ) -> OrderRecord:
        rng = self.rng
        status, variant = scenario
        buyer = rng.choice(self.buyers[shop_index])
        # Mostly single-item orders, as in real shops; a partial shipment needs 2+.
        count = rng.choices((1, 2, 3, 4), weights=(55, 25, 13, 7))[0]
        if status is OrderStatus.PARTIALLY_SHIPPING:
            count = max(count, 2)
        products = rng.sample(profile.catalogue, count)
        items = tuple(
            ItemRecord(p.sku, p.name, rng.choices((1, 2, 3), weights=(80, 15, 5))[0], p.price)
            for p in products
        )
        if carrier is None:
            carrier = rng.choices(profile.carriers, weights=profile.carrier_weights)[0]
        if option is None:
            option = DeliveryOption.EXPRESS if rng.random() < 0.25 else DeliveryOption.STANDARD
        delivered_days_ago: float | None = None
        if status is OrderStatus.DELIVERED:
            # Spread over the last 40 days: some inside the return window, some outside.
            low, high = {
                "in_window": (1.0, RETURN_WINDOW_DAYS - 3.0),
                "out_of_window": (RETURN_WINDOW_DAYS + 3.0, 38.0),
            }.get(variant, (0.1, 40.0))
            delivered_days_ago = rng.uniform(low, high)
        elif status is OrderStatus.COMPLETED:
            delivered_days_ago = rng.uniform(RETURN_WINDOW_DAYS + 5.0, 90.0)
        return self._build(
            rng,
            profile,
            self._order_number(),
            scenario,
            buyer,
            items,
            carrier,
            option,
            delivered_days_ago=delivered_days_ago,
            source=f"demo {profile.shop.code}",
        )

    # ------------------------------------------------------------------ one order

    def _build(
        self,
        rng: random.Random,
        profile: _ShopProfile,
        order_number: str,
        scenario: _Scenario,
        buyer: _Buyer,
        items: tuple[ItemRecord, ...],
        carrier: str,
        option: DeliveryOption,
        *,
        delivered_days_ago: float | None,
        source: str,
    ) -> OrderRecord:
        status = scenario[0]
        currency = profile.shop.currency
        placed_at, paid_at, delivered_at, shipment = self._timeline(
            rng, profile, scenario, buyer, carrier, option, delivered_days_ago
        )
        subtotal = quantize(sum((i.unit_price * i.quantity for i in items), Decimal(0)), currency)
        if option is DeliveryOption.EXPRESS:
            shipping_fee = profile.express_fee
        elif subtotal >= profile.free_standard_over:
            shipping_fee = Decimal(0)
        else:
            shipping_fee = profile.standard_fee
        shipping_fee = quantize(shipping_fee, currency)
        discount = quantize(Decimal(0), currency)
        if rng.random() < 0.25:
            # A shop voucher: 10% off or a fixed 5 off, never more than the goods.
            voucher = subtotal * Decimal("0.10") if rng.random() < 0.5 else Decimal(5)
            discount = quantize(min(voucher, subtotal), currency)
        # US sales tax is charged on the discounted goods; EU prices already include VAT.
        tax = quantize((subtotal - discount) * buyer.tax_rate, currency)
        total = subtotal + shipping_fee - discount + tax
        return OrderRecord(
            order_number=order_number,
            status=status,
            placed_at=placed_at,
            currency=currency,
            subtotal=subtotal,
            shipping_fee=shipping_fee,
            discount=discount,
            tax=tax,
            total_paid=total,
            items=items,
            buyer_name=buyer.name,
            buyer_email=buyer.email,
            buyer_phone=buyer.phone,
            shipping_address=buyer.address,
            paid_at=paid_at,
            delivered_at=delivered_at,
            shipments=(shipment,) if shipment is not None else (),
            source=source,
        )

    def _ago(self, days: float) -> datetime:
        """A whole-minute time `days` before now, never later than one minute before."""
        return self.anchor - timedelta(minutes=max(1, round(days * 1440)))

    def _timeline(
        self,
        rng: random.Random,
        profile: _ShopProfile,
        scenario: _Scenario,
        buyer: _Buyer,
        carrier: str,
        option: DeliveryOption,
        delivered_days_ago: float | None,
    ) -> tuple[datetime, datetime | None, datetime | None, ShipmentRecord | None]:
        """(placed_at, paid_at, delivered_at, shipment) for the scenario.

        Works backwards from the most recent milestone so everything lands before now.
        """
        status, variant = scenario
        minutes = timedelta(minutes=1)

        def paid_before(moment: datetime) -> tuple[datetime, datetime]:
            # Sellers hand over within 2-36 hours of payment (Express: up to 12).
            handling_h = rng.uniform(2, 12 if option is DeliveryOption.EXPRESS else 36)
            paid = moment - timedelta(minutes=round(handling_h * 60))
            placed = paid - rng.randint(1, 30) * minutes
            return placed, paid

        if status is OrderStatus.UNPAID:
            return self._ago(rng.uniform(0.01, 0.9)), None, None, None
        if status is OrderStatus.ON_HOLD:
            # TikTok holds a fresh paid order for about an hour so the buyer can cancel.
            paid = self.anchor - rng.randint(3, 45) * minutes
            return paid - rng.randint(1, 5) * minutes, paid, None, None
        if status is OrderStatus.AWAITING_SHIPMENT:
            paid = self._ago(rng.uniform(0.1, 2.5))
            return paid - rng.randint(1, 30) * minutes, paid, None, None
        if status is OrderStatus.CANCELLED:
            placed = self._ago(rng.uniform(1, 30))
            paid_at = placed + rng.randint(1, 20) * minutes if variant == "paid" else None
            return placed, paid_at, None, None

        promise = timedelta(days=_PROMISE_DAYS[option])
        tracking = self._tracking_number(rng, carrier)
        hubs = profile.hubs[carrier]

        if status is OrderStatus.AWAITING_COLLECTION:
            label_at = self._ago(rng.uniform(0.1, 1.5))
            placed, paid = paid_before(label_at)
            event = TrackingEventRecord(
                label_at,
                TrackingTag.INFO_RECEIVED,
                f"Shipping label created; {carrier} awaiting item",
                profile.origin,
            )
            shipment = ShipmentRecord(
                carrier=carrier,
                tracking_number=tracking,
                delivery_option=option,
                estimated_delivery=label_at + promise + timedelta(days=1),
                events=(event,),
            )
            return placed, paid, None, shipment

        if status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
            assert delivered_days_ago is not None
            delivered = self._ago(delivered_days_ago)
            transit_days = (
                rng.uniform(0.8, 2.0)
                if option is DeliveryOption.EXPRESS
                else rng.uniform(2.5, _PROMISE_DAYS[option] + 1.5)  # a few arrive late
            )
            shipped = delivered - timedelta(minutes=round(transit_days * 1440))
            out_for_delivery = delivered - timedelta(minutes=rng.randint(60, 360))
            events = [
                *self._departure(rng, profile, carrier, shipped),
                *self._hops(rng, hubs, buyer, shipped, out_for_delivery),
                TrackingEventRecord(
                    out_for_delivery, TrackingTag.OUT_FOR_DELIVERY, "Out for delivery", buyer.city
                ),
                TrackingEventRecord(
                    delivered, TrackingTag.DELIVERED, rng.choice(_DELIVERED_MESSAGES), buyer.city
                ),
            ]
            placed, paid = paid_before(events[0].at)
            shipment = self._shipment(carrier, tracking, option, shipped, events)
            return placed, paid, delivered, shipment

        # On the way: PARTIALLY_SHIPPING (one parcel of several) or IN_TRANSIT.
        last = self.anchor - rng.randint(20, 240) * minutes  # the latest scan
        if status is OrderStatus.PARTIALLY_SHIPPING or variant == "on_time":
            # Shipped recently enough that the promise still holds.
            shipped = last - timedelta(minutes=round(rng.uniform(0.3, 0.8) * promise / minutes))
        elif variant == "late":
            # The estimate has passed and the parcel has not moved for a day or more.
            last = self.anchor - timedelta(minutes=round(rng.uniform(1.0, 3.0) * 1440))
            shipped = self.anchor - promise - timedelta(minutes=round(rng.uniform(1.5, 5) * 1440))
        elif variant == "stuck":
            # Picked up, one scan, then silence for more than five days; the estimate
            # has not passed yet, so only the silence says something is wrong.
            last = self.anchor - timedelta(minutes=round(rng.uniform(5.2, 5.6) * 1440))
            shipped = last - rng.randint(240, 600) * minutes
        else:
            # On its way and not late: only the orders made late on purpose (the "late"
            # variant, and the try-me orders) are, so delivery care in the demo writes
            # about those and not about every parcel on the road.
            shipped = last - timedelta(minutes=round(rng.uniform(0.5, 0.85) * promise / minutes))
        events = list(self._departure(rng, profile, carrier, shipped))
        if variant == "out_for_delivery":
            events += self._hops(rng, hubs, buyer, shipped, last)
            events.append(
                TrackingEventRecord(
                    last, TrackingTag.OUT_FOR_DELIVERY, "Out for delivery", buyer.city
                )
            )
        elif variant == "attempt_fail":
            out_at = last - rng.randint(60, 300) * minutes
            events += self._hops(rng, hubs, buyer, shipped, out_at)
            events += [
                TrackingEventRecord(
                    out_at, TrackingTag.OUT_FOR_DELIVERY, "Out for delivery", buyer.city
                ),
                TrackingEventRecord(
                    last, TrackingTag.ATTEMPT_FAIL, rng.choice(_ATTEMPTS), buyer.city
                ),
            ]
        elif variant == "pickup":
            events += self._hops(rng, hubs, buyer, shipped, last)
            events.append(
                TrackingEventRecord(last, TrackingTag.AVAILABLE_FOR_PICKUP, _PICKUP, buyer.city)
            )
        elif variant == "exception":
            hops = self._hops(rng, hubs, buyer, shipped, last, progress=rng.uniform(0.3, 0.8))
            where = hops[-1].location if hops else profile.origin
            events += hops
            events.append(
                TrackingEventRecord(last, TrackingTag.EXCEPTION, rng.choice(_EXCEPTIONS), where)
            )
        else:
            # Still moving (or, when late, stuck): the latest scan is a sort facility
            # about as far along the route as the time elapsed suggests.
            progress = min(1.0, (last - shipped) / promise)
            events += self._hops(rng, hubs, buyer, shipped, last, progress=progress, ends=True)
        placed, paid = paid_before(events[0].at)
        shipment = self._shipment(carrier, tracking, option, shipped, events)
        return placed, paid, None, shipment

    @staticmethod
    def _shipment(
        carrier: str,
        tracking: str,
        option: DeliveryOption,
        shipped: datetime,
        events: list[TrackingEventRecord],
    ) -> ShipmentRecord:
        """A parcel the carrier has: the estimate is the promise counted from pickup."""
        return ShipmentRecord(
            carrier=carrier,
            tracking_number=tracking,
            delivery_option=option,
            estimated_delivery=shipped + timedelta(days=_PROMISE_DAYS[option]),
            shipped_at=shipped,
            events=tuple(events),
        )

    # ----------------------------------------------------------------- tracking

    def _departure(
        self, rng: random.Random, profile: _ShopProfile, carrier: str, shipped: datetime
    ) -> list[TrackingEventRecord]:
        """The label (InfoReceived), a few hours before the carrier picks it up."""
        label_at = shipped - rng.randint(120, 1200) * timedelta(minutes=1)
        return [
            TrackingEventRecord(
                label_at,
                TrackingTag.INFO_RECEIVED,
                f"Shipping label created; {carrier} awaiting item",
                profile.origin,
            ),
            TrackingEventRecord(
                shipped, TrackingTag.IN_TRANSIT, f"Picked up by {carrier}", profile.origin
            ),
        ]

    def _hops(
        self,
        rng: random.Random,
        hubs: tuple[str, ...],
        buyer: _Buyer,
        start: datetime,
        end: datetime,
        *,
        progress: float = 1.0,
        ends: bool = False,
    ) -> list[TrackingEventRecord]:
        """Sort-facility scans between `start` and `end`, in route order.

        `progress` (0-1) is how much of the route the parcel has covered.  The scans are
        strictly between `start` and `end`, or with `ends` the last one is at `end` (it is
        the latest scan of a parcel still on its way).
        """
        # The first hub sorts at origin, later ones are regional; the last is local.
        route = [
            (f"Arrived at {'origin' if i == 0 else 'regional'} sort facility", hub)
            for i, hub in enumerate(hubs)
        ]
        route.append(("Arrived at destination facility", buyer.city))
        stops = route[: max(1, round(len(route) * progress))]
        times = _spread(rng, start, end, len(stops))
        if ends and times:
            times[-1] = end  # still after the others: they sit in earlier slices
        return [
            TrackingEventRecord(at, TrackingTag.IN_TRANSIT, message, location)
            for at, (message, location) in zip(times, stops, strict=False)
        ]

    def _tracking_number(self, rng: random.Random, carrier: str) -> str:
        while True:
            number = carriers.make_tracking_number(carrier, rng)
            if number not in self.tracking_numbers:
                self.tracking_numbers.add(number)
                return number

    # ---------------------------------------------------------------- identities

    def _order_number(self) -> str:
        """18 digits starting 57 or 58, like TikTok Shop order ids; unique per run."""
        while True:
            number = self.rng.choice(("57", "58")) + "".join(
                self.rng.choice("0123456789") for _ in range(16)
            )
            if number not in self.order_numbers and not number.startswith("5761000000"):
                self.order_numbers.add(number)
                return number

    def _us_buyers(self, count: int, reserved: set[str]) -> tuple[_Buyer, ...]:
        rng = self.rng
        buyers: list[_Buyer] = []
        emails = set(reserved)
        phones: set[str] = set()
        while len(buyers) < count:
            name = f"{rng.choice(_US_FIRST)} {rng.choice(_US_LAST)}"
            city, state, zip_code, area, rate = rng.choice(_US_CITIES)
            # 555-0110..0199: 0100-0109 are kept for the try-me buyers.
            phone = f"1{area}55501{rng.randint(10, 99)}"
            email = self._email(name, emails)
            if phone in phones:
                continue
            phones.add(phone)
            emails.add(email)
            street = f"{rng.randint(10, 9899)} {rng.choice(_US_STREETS)}"
            if rng.random() < 0.3:
                street += f", Apt {rng.randint(1, 40)}"
            buyers.append(
                _Buyer(
                    name,
                    email,
                    phone,
                    f"{street}, {city}, {state} {zip_code}, US",
                    f"{city}, {state}, US",
                    Decimal(rate),
                )
            )
        return tuple(buyers)

    def _eu_buyers(self, count: int, reserved: set[str]) -> tuple[_Buyer, ...]:
        rng = self.rng
        buyers: list[_Buyer] = []
        emails = set(reserved)
        phones: set[str] = set()
        while len(buyers) < count:
            name = f"{rng.choice(_EU_FIRST)} {rng.choice(_EU_LAST)}"
            city, postcode, country, street = rng.choice(_EU_CITIES)
            phone = f"447700900{rng.randint(10, 999):03d}"  # Ofcom drama range
            email = self._email(name, emails)
            if phone in phones:
                continue
            phones.add(phone)
            emails.add(email)
            buyers.append(
                _Buyer(
                    name,
                    email,
                    phone,
                    f"{street} {rng.randint(1, 180)}, {postcode} {city}, {country}",
                    f"{city}, {country}",
                    Decimal(0),
                )
            )
        return tuple(buyers)

    def _email(self, name: str, taken: set[str]) -> str:
        local = _email_local(name)
        domain = self.rng.choice(_EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        suffix = 2
        while email in taken:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        return email


def _spread(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """Up to `n` whole-minute times strictly between `start` and `end`, increasing.

    The interval is cut into `n` equal slices with one time in each, so scans spread
    over the journey instead of bunching up.
    """
    span = int((end - start).total_seconds() // 60)
    n = max(0, min(n, span - 1))
    if n == 0:
        return []
    width = (span - 1) // n
    return [
        start + timedelta(minutes=rng.randint(1 + i * width, (i + 1) * width)) for i in range(n)
    ]
