"""How times, durations, quantities and prices read to people: one style everywhere.

Storage keeps every moment in UTC; a moment shown to a person is converted to the
shop's timezone here, at the last step, and written one way ("Dec 7, 14:05").  A
duration is written in its two largest units with real plurals ("7 days 23 hours",
"2 hours", "45 minutes"), never "191h" or "60 minutes".  Words come from the catalog
(plural tables chosen by Babel's rules); the date patterns come from Babel, so the
month names follow the catalog's language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton, format_time

from bot.domain.money import format_money
from handlers.catalog import Catalog

# CLDR skeletons: each language orders month and day its own way ("Dec 7", "7 dic").
DATE_ONLY = "MMMd"
TIME = "HH:mm"  # 24-hour everywhere: "14:05"
_UNITS = (("day", 24 * 60), ("hour", 60), ("minute", 1))


@cache
def shop_zone(name: str | None) -> tzinfo:
    """The shop's timezone by IANA name; UTC when unset or unknown (a bad value must
    not stop a card from rendering; the settings command refuses bad names anyway)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_name(moment: datetime, zone: tzinfo | str | None) -> str:
    """The zone's abbreviation at that moment ("CET", "EST", "UTC")."""
    tz = shop_zone(zone) if zone is None or isinstance(zone, str) else zone
    if moment.tzinfo is None:  # naive values from storage are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).tzname() or "UTC"


def format_when(
    moment: datetime,
    zone: tzinfo | str | None = None,
    *,
    with_time: bool = True,
    show_zone: bool = False,
    language: str = "en",
) -> str:
    """`moment` (aware, UTC in storage) as the shop's local "Dec 7, 14:05" or "Dec 7"
    ("7 dic, 14:05" in Spanish); with `show_zone`, the zone's abbreviation follows
    ("Dec 7, 14:05 CET")."""
    tz = shop_zone(zone) if zone is None or isinstance(zone, str) else zone
    if moment.tzinfo is None:  # naive values from storage are UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    text = format_skeleton(DATE_ONLY, local, locale=language)
    if with_time:
        text = f"{text}, {format_time(local, TIME, locale=language)}"
    return f"{text} {zone_name(moment, tz)}" if show_zone else text


def duration(catalog: Catalog, value: timedelta, *, round_up: bool = False) -> str:
    """A span in its two largest units: "7 days 23 hours", "1 hour 5 minutes",
    "2 hours", "45 minutes"; "less than a minute" below one.  Time left is rounded
    down to the minute; a wait (`round_up`) up, so "wait 1 minute" is never too short."""
    seconds = max(0, int(value.total_seconds()))
    minutes = -(-seconds // 60) if round_up else seconds // 60
    if minutes == 0:
        return catalog.plain("cards2.duration.under_minute")
    parts: list[tuple[str, int]] = []
    rest = minutes
    for unit, size in _UNITS:
        amount, rest = divmod(rest, size)
        parts.append((unit, amount))
    first = next(i for i, (_, amount) in enumerate(parts) if amount)
    shown = [(unit, amount) for unit, amount in parts[first : first + 2] if amount]
    words = [catalog.plain(f"cards2.duration.{unit}", count=amount) for unit, amount in shown]
    if len(words) == 1:
        return words[0]
    return catalog.plain("cards2.duration.pair", first=words[0], second=words[1])


def line_price(catalog: Catalog, quantity: int, unit_price: Decimal, currency: str) -> str:
    """The price of an order line, one convention for buyers and sellers: the line
    total, and the unit price when more than one ("$25.98 ($12.99 each)")."""
    total = format_money(unit_price * quantity, currency, catalog.language)
    if quantity == 1:
        return total
    each = format_money(unit_price, currency, catalog.language)
    return catalog.plain("cards2.price_each", total=total, each=each)
