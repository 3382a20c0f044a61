"""Business hours: reading what a shop owner types, and due times counted in open minutes.

Dates are chosen so the weekday is obvious from the comment: 2026-03-02 is a Monday.
Expected instants are written in UTC where a wrong offset (DST, far timezones) is the
mistake being guarded against, and in the shop's local time elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.hours import BusinessHours

BERLIN = "Europe/Berlin"
WEEKDAYS = frozenset(range(5))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def local(tz: str, *wall: int) -> datetime:
    """A wall-clock time in `tz`, as the aware UTC instant the code works with."""
    return utc(*wall).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def office(tz: str = BERLIN) -> BusinessHours:
    return BusinessHours.parse("Mon-Fri 09:00-18:00", tz)


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("Mon-Fri 09:00-18:00", WEEKDAYS, time(9), time(18)),
        ("mon-sat 9:00-17:30", frozenset(range(6)), time(9), time(17, 30)),
        ("Mon,Wed,Fri 10:00-16:00", frozenset({0, 2, 4}), time(10), time(16)),
        ("Sat-Sun 10:00-14:00", frozenset({5, 6}), time(10), time(14)),
        ("daily 08:00-20:00", frozenset(range(7)), time(8), time(20)),
        ("24/7", frozenset(range(7)), time(0), None),
        ("daily", frozenset(range(7)), time(0), None),
        ("Mon-Fri", WEEKDAYS, time(0), None),
        ("Mon-Fri 00:00-24:00", WEEKDAYS, time(0), None),
        ("Mon-Fri 20:00-24:00", WEEKDAYS, time(20), None),
        ("Fri-Mon 10:00-14:00", frozenset({4, 5, 6, 0}), time(10), time(14)),
        ("Sun-Sun 10:00-14:00", frozenset({6}), time(10), time(14)),
        ("  MON  -  fri    09:00 -  18:00  ", WEEKDAYS, time(9), time(18)),
        ("Mon, Wed ,Fri 10:00-16:00", frozenset({0, 2, 4}), time(10), time(16)),
        ("Mon-Wed,Fri 09:00-18:00", frozenset({0, 1, 2, 4}), time(9), time(18)),
        ("Monday-Friday 09:00-18:00", WEEKDAYS, time(9), time(18)),
        ("Tues,Thurs 09:00-12:00", frozenset({1, 3}), time(9), time(12)),
        ("Mon–Fri 09:00–18:00", WEEKDAYS, time(9), time(18)),
        ("Mon-Fri, 09:00-18:00", WEEKDAYS, time(9), time(18)),
    ],
)
def test_parse_reads_what_shops_write(
    text: str, days: frozenset[int], start: time, end: time | None
) -> None:
    hours = BusinessHours.parse(text)
    assert (hours.days, hours.start, hours.end) == (days, start, end)
    assert hours.tz == ZoneInfo("UTC")


def test_parse_uses_the_given_timezone() -> None:
    hours = BusinessHours.parse("Mon-Fri 09:00-18:00", tz="Europe/Berlin")
    assert hours.tz == ZoneInfo("Europe/Berlin")
    assert hours == office()


@pytest.mark.parametrize(
    ("text", "tz", "message"),
    [
        ("", "UTC", "The business hours are empty"),
        ("   ", "UTC", "The business hours are empty"),
        ("Funday 09:00-18:00", "UTC", "Unknown day 'funday'"),
        ("Mon-Fry 09:00-18:00", "UTC", "Unknown day 'fry'"),
        ("Mo-Fr 09:00-18:00", "UTC", "Unknown day 'mo'"),
        ("Mon--Fri 09:00-18:00", "UTC", "Can't read the days 'mon--fri'"),
        ("09:00-18:00", "UTC", "Say which days"),
        ("Mon-Fri 18:00-09:00", "UTC", "Closing time 09:00 must be after opening time 18:00"),
        ("Mon-Fri 09:00-09:00", "UTC", "Closing time 09:00 must be after opening time 09:00"),
        ("Mon-Fri 22:00-02:00", "UTC", "hours past midnight are not supported"),
        ("Mon-Fri 25:00-26:00", "UTC", "'25:00' is not a time of day"),
        ("Mon-Fri 09:00-18:60", "UTC", "'18:60' is not a time of day"),
        ("Mon-Fri 9:7-18:00", "UTC", "'9:7' is not a time of day"),
        ("Mon-Fri 09:00-24:30", "UTC", "'24:30' is not a time of day"),
        ("Mon-Fri 24:00-24:00", "UTC", "24:00 can only be a closing time"),
        ("Mon-Fri 9-18", "UTC", "'9' is not a time of day; write HH:MM, e.g. 09:00"),
        ("Mon-Fri 09:00-18:00-20:00", "UTC", "Can't read the hours '09:00-18:00-20:00'"),
        ("Mon-Fri 09:00", "UTC", "Can't read the hours '09:00'"),
        ("Mon-Fri 09:00-18:00", "Mars/Olympus", "Unknown timezone 'Mars/Olympus'"),
        ("Mon-Fri 09:00-18:00", "Europe", "Unknown timezone 'Europe'"),
        ("Mon-Fri 09:00-18:00", "", "Unknown timezone ''"),
        ("Mon-Fri 09:00-18:00", "../etc/passwd", "Unknown timezone '../etc/passwd'"),
    ],
)
def test_parse_rejects_bad_input_with_a_readable_message(text: str, tz: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        BusinessHours.parse(text, tz)


def test_a_timezone_typed_in_lower_case_or_with_spaces_is_that_zone() -> None:
    assert BusinessHours.always("europe/amsterdam").tz.key == "Europe/Amsterdam"
    assert BusinessHours.always(" America/New York ").tz.key == "America/New_York"
    assert BusinessHours.parse("Mon-Fri 09:00-18:00", "asia/tokyo").tz.key == "Asia/Tokyo"


def test_a_city_alone_is_told_its_zone() -> None:
    with pytest.raises(ValueError, match=re.escape("did you mean 'Europe/Amsterdam'?")):
        BusinessHours.always("Amsterdam")
    with pytest.raises(ValueError, match=re.escape("did you mean 'America/New_York'?")):
        BusinessHours.always("new york")


def test_unknown_timezone_is_a_plain_value_error() -> None:
    # ZoneInfoNotFoundError is a KeyError; callers catching ValueError must still catch it.
    with pytest.raises(ValueError) as caught:
        BusinessHours.always("Nowhere/Special")
    assert not isinstance(caught.value, KeyError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": frozenset()}, "at least one open day"),
        ({"days": frozenset({7})}, "Weekdays are 0 (Monday) to 6 (Sunday)"),
        ({"end": time(0)}, "use end=None"),
        ({"end": time(8)}, "Closing time 08:00 must be after opening time 09:00"),
        ({"start": time(9, 0, 30)}, "whole minutes"),
        ({"start": time(9, tzinfo=UTC)}, "plain wall-clock time"),
    ],
)
def test_constructor_checks_its_fields(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "days": WEEKDAYS,
        "start": time(9),
        "end": time(18),
        "tz": ZoneInfo(BERLIN),
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        BusinessHours(**{**fields, **kwargs})  # type: ignore[arg-type]


# -- describe --------------------------------------------------------------------------


def test_describe_names_days_hours_and_timezone() -> None:
    assert office().describe() == "Mon-Fri 09:00-18:00 (Europe/Berlin)"
    assert str(office()) == "Mon-Fri 09:00-18:00 (Europe/Berlin)"
    assert office().describe(with_tz=False) == "Mon-Fri 09:00-18:00"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon-Fri 09:00-18:00", "Mon-Fri 09:00-18:00"),
        ("mon-sat 9:00-17:30", "Mon-Sat 09:00-17:30"),
        ("Mon,Wed,Fri 10:00-16:00", "Mon,Wed,Fri 10:00-16:00"),
        ("sat,sun 10:00-14:00", "Sat-Sun 10:00-14:00"),
        ("daily 08:00-20:00", "daily 08:00-20:00"),
        ("Mon-Sun 08:00-20:00", "daily 08:00-20:00"),
        ("24/7", "24/7"),
        ("daily 00:00-24:00", "24/7"),
        ("Mon-Fri", "Mon-Fri"),
        ("Mon-Fri 00:00-24:00", "Mon-Fri"),
        ("Mon-Fri 20:00-24:00", "Mon-Fri 20:00-24:00"),
        ("Fri-Mon 10:00-14:00", "Fri-Mon 10:00-14:00"),
        ("sun,mon,wed 10:00-14:00", "Sun-Mon,Wed 10:00-14:00"),
        ("mon,tue,wed,fri", "Mon-Wed,Fri"),
        ("Thu-Tue 09:00-17:00", "Thu-Tue 09:00-17:00"),
        ("Wed", "Wed"),
    ],
)
def test_describe_is_canonical_and_parses_back(text: str, canonical: str) -> None:
    hours = BusinessHours.parse(text, "Asia/Tokyo")
    assert hours.describe() == f"{canonical} (Asia/Tokyo)"
    assert BusinessHours.parse(hours.describe(with_tz=False), "Asia/Tokyo") == hours
    # Stripping the zone off the full form by hand works just as well.
    assert BusinessHours.parse(hours.describe().rsplit(" (", 1)[0], "Asia/Tokyo") == hours


def test_always_is_every_day_all_day() -> None:
    assert BusinessHours.always() == BusinessHours.parse("24/7")
    assert BusinessHours.always().describe() == "24/7 (UTC)"
    assert BusinessHours.always("Asia/Tokyo").tz == ZoneInfo("Asia/Tokyo")
    assert BusinessHours.always().is_always
    assert not office().is_always


# -- is_open ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        ((2026, 3, 3, 8, 59, 59), False),  # Tuesday, a second before opening
        ((2026, 3, 3, 9, 0), True),  # opening time is open
        ((2026, 3, 3, 17, 59, 59), True),
        ((2026, 3, 3, 18, 0), False),  # closing time is closed
        ((2026, 3, 7, 12, 0), False),  # Saturday noon
        ((2026, 3, 8, 23, 59), False),  # Sunday night
        ((2026, 3, 9, 9, 0), True),  # Monday opening
    ],
)
def test_is_open_edges(wall: tuple[int, ...], expected: bool) -> None:
    assert office().is_open(local(BERLIN, *wall)) is expected


def test_is_open_uses_the_shops_weekday_not_utcs() -> None:
    tokyo = BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Tokyo")
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo: open.
    assert tokyo.is_open(utc(2026, 3, 1, 23, 30))
    # Friday 23:30 UTC is already Saturday 08:30 in Tokyo: closed.
    assert not tokyo.is_open(utc(2026, 3, 6, 23, 30))
    la = BusinessHours.parse("Mon-Fri 09:00-18:00", "America/Los_Angeles")
    # Saturday 01:30 UTC is Friday 17:30 in Los Angeles: still open.
    assert la.is_open(utc(2026, 3, 7, 1, 30))


def test_is_open_all_day_hours_include_midnight() -> None:
    hours = BusinessHours.parse("Mon-Fri 20:00-24:00", BERLIN)
    assert hours.is_open(local(BERLIN, 2026, 3, 3, 23, 59, 59))
    assert not hours.is_open(local(BERLIN, 2026, 3, 4, 0, 0))
    always = BusinessHours.always(BERLIN)
    assert always.is_open(local(BERLIN, 2026, 3, 29, 2, 0))  # no such wall time: still open
    assert always.is_open(utc(2026, 10, 25, 0, 30))  # 02:30 CEST, the first one
    assert always.is_open(utc(2026, 10, 25, 1, 30))  # 02:30 CET, the second one


# -- next_open -------------------------------------------------------------------------


def test_next_open_after_friday_closing_is_monday_morning() -> None:
    friday_evening = local(BERLIN, 2026, 3, 6, 18, 0)
    assert office().next_open(friday_evening) == local(BERLIN, 2026, 3, 9, 9, 0)
    assert office().next_open(friday_evening) == utc(2026, 3, 9, 8, 0)


def test_next_open_over_the_weekend_from_saturday() -> None:
    assert office().next_open(local(BERLIN, 2026, 3, 7, 12, 0)) == utc(2026, 3, 9, 8, 0)


def test_next_open_before_opening_is_the_same_morning() -> None:
    tuesday_early = local(BERLIN, 2026, 3, 3, 7, 30)
    assert office().next_open(tuesday_early) == local(BERLIN, 2026, 3, 3, 9, 0)


def test_next_open_at_opening_or_while_open_is_now() -> None:
    opening = local(BERLIN, 2026, 3, 3, 9, 0)
    assert office().next_open(opening) == opening
    midday = local(BERLIN, 2026, 3, 3, 12, 34)
    assert office().next_open(midday) == midday


def test_next_open_returns_utc_even_for_other_aware_input() -> None:
    at = datetime(2026, 3, 7, 12, 0, tzinfo=ZoneInfo(BERLIN))
    result = office().next_open(at)
    assert result.tzinfo is UTC
    assert result == utc(2026, 3, 9, 8, 0)


def test_next_open_with_wrapping_days() -> None:
    weekend = BusinessHours.parse("Fri-Mon 10:00-14:00", BERLIN)
    # Tuesday: next opening is Friday 10:00.
    assert weekend.next_open(local(BERLIN, 2026, 3, 3, 12, 0)) == local(BERLIN, 2026, 3, 6, 10)
    # Monday before ten is still part of the weekend run.
    assert weekend.next_open(local(BERLIN, 2026, 3, 9, 8, 0)) == local(BERLIN, 2026, 3, 9, 10)


def test_next_open_in_tokyo_can_be_the_previous_utc_day() -> None:
    tokyo = BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Tokyo")
    # Friday 17:00 JST -> Monday 08:00 JST, which is Sunday 23:00 UTC.
    assert tokyo.next_open(utc(2026, 3, 6, 8, 0)) == utc(2026, 3, 8, 23, 0)


def test_next_open_when_opening_time_falls_in_the_spring_gap() -> None:
    # Berlin jumps from 02:00 CET to 03:00 CEST on Sunday 2026-03-29 (01:00 UTC); there
    # is no 02:30 that day, so the shop opens at the first instant after: 03:00 CEST.
    night = BusinessHours.parse("Sun 02:30-05:00", BERLIN)
    assert night.next_open(utc(2026, 3, 29, 0, 0)) == utc(2026, 3, 29, 1, 0)
    assert not night.is_open(utc(2026, 3, 29, 0, 59, 59))
    assert night.is_open(utc(2026, 3, 29, 1, 0))
    # A week later the usual 02:30 CEST applies again.
    assert night.next_open(utc(2026, 3, 29, 3, 0)) == utc(2026, 4, 5, 0, 30)


def test_next_open_across_the_autumn_change() -> None:
    # Sunday 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET.  A shop opening
    # Monday at 09:00 opens at 08:00 UTC, not 07:00 UTC as it did the week before.
    assert office().next_open(utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 26, 8, 0)
    assert office().next_open(utc(2026, 10, 17, 12, 0)) == utc(2026, 10, 19, 7, 0)


# -- add_business_minutes --------------------------------------------------------------


def test_fifteen_minutes_inside_opening_hours() -> None:
    start = local(BERLIN, 2026, 3, 3, 10, 0)
    assert office().add_business_minutes(start, 15) == local(BERLIN, 2026, 3, 3, 10, 15)


def test_due_time_carries_over_closing_to_next_morning() -> None:
    # Tuesday 17:55: five minutes today, ten tomorrow.
    start = local(BERLIN, 2026, 3, 3, 17, 55)
    assert office().add_business_minutes(start, 15) == local(BERLIN, 2026, 3, 4, 9, 10)


def test_due_time_can_be_closing_time_exactly() -> None:
    start = local(BERLIN, 2026, 3, 3, 17, 45)
    assert office().add_business_minutes(start, 15) == local(BERLIN, 2026, 3, 3, 18, 0)


def test_friday_evening_ticket_is_due_monday_morning() -> None:
    start = local(BERLIN, 2026, 3, 6, 17, 55)
    assert office().add_business_minutes(start, 15) == local(BERLIN, 2026, 3, 9, 9, 10)


def test_weekend_ticket_clock_starts_at_monday_opening() -> None:
    start = local(BERLIN, 2026, 3, 7, 12, 0)
    assert office().add_business_minutes(start, 15) == local(BERLIN, 2026, 3, 9, 9, 15)


def test_zero_minutes_is_now_if_open_else_next_opening() -> None:
    open_now = local(BERLIN, 2026, 3, 3, 12, 0)
    assert office().add_business_minutes(open_now, 0) == open_now
    saturday = local(BERLIN, 2026, 3, 7, 12, 0)
    assert office().add_business_minutes(saturday, 0) == local(BERLIN, 2026, 3, 9, 9, 0)


def test_a_working_week_of_minutes() -> None:
    monday = local(BERLIN, 2026, 3, 2, 9, 0)
    week = 5 * 9 * 60
    assert office().add_business_minutes(monday, week) == local(BERLIN, 2026, 3, 6, 18, 0)
    assert office().add_business_minutes(monday, week + 1) == local(BERLIN, 2026, 3, 9, 9, 1)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="can't be negative"):
        office().add_business_minutes(local(BERLIN, 2026, 3, 3, 12, 0), -1)


def test_friday_ticket_before_spring_change_is_due_at_monday_summer_time() -> None:
    # Friday 2026-03-27 17:55 CET (16:55 UTC); clocks go forward on Sunday, so Monday
    # 09:10 is CEST, 07:10 UTC (a fixed +1 offset would say 08:10 UTC).
    assert office().add_business_minutes(utc(2026, 3, 27, 16, 55), 15) == utc(2026, 3, 30, 7, 10)


def test_friday_ticket_before_autumn_change_is_due_at_monday_winter_time() -> None:
    # Friday 2026-10-23 17:55 CEST (15:55 UTC) -> Monday 09:10 CET, 08:10 UTC.
    assert office().add_business_minutes(utc(2026, 10, 23, 15, 55), 15) == utc(2026, 10, 26, 8, 10)


def test_short_spring_night_counts_real_minutes() -> None:
    # 00:00-12:00 on 2026-03-29 in Berlin is only 11 real hours (23:00 to 10:00 UTC).
    mornings = BusinessHours.parse("daily 00:00-12:00", BERLIN)
    start = utc(2026, 3, 28, 23, 0)
    assert mornings.add_business_minutes(start, 11 * 60) == utc(2026, 3, 29, 10, 0)
    # One more minute spills into Monday 00:00 CEST = Sunday 22:00 UTC.
    assert mornings.add_business_minutes(start, 11 * 60 + 1) == utc(2026, 3, 29, 22, 1)


def test_long_autumn_night_counts_real_minutes() -> None:
    # 00:00-12:00 on 2026-10-25 in Berlin is 13 real hours (22:00 to 11:00 UTC).
    mornings = BusinessHours.parse("daily 00:00-12:00", BERLIN)
    start = utc(2026, 10, 24, 22, 0)
    assert mornings.add_business_minutes(start, 12 * 60) == utc(2026, 10, 25, 10, 0)
    assert mornings.add_business_minutes(start, 13 * 60) == utc(2026, 10, 25, 11, 0)
    assert mornings.add_business_minutes(start, 13 * 60 + 1) == utc(2026, 10, 25, 23, 1)


def test_tokyo_friday_ticket_is_due_on_sunday_utc() -> None:
    tokyo = BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Tokyo")
    # Friday 16:55 JST (07:55 UTC) -> Monday 08:10 JST, which is Sunday 23:10 UTC.
    assert tokyo.add_business_minutes(utc(2026, 3, 6, 7, 55), 15) == utc(2026, 3, 8, 23, 10)


def test_los_angeles_friday_ticket_across_us_spring_change() -> None:
    la = office("America/Los_Angeles")
    # Friday 2026-03-06 17:55 PST is Saturday 01:55 UTC; the US springs forward on
    # Sunday 03-08, so Monday 09:10 PDT is 16:10 UTC (not 17:10).
    assert la.add_business_minutes(utc(2026, 3, 7, 1, 55), 15) == utc(2026, 3, 9, 16, 10)
    # A ticket on Saturday morning UTC is still Friday afternoon in LA.
    assert la.add_business_minutes(utc(2026, 3, 7, 0, 0), 15) == utc(2026, 3, 7, 0, 15)


@pytest.mark.parametrize("minutes", [0, 1, 15, 60 * 24, 60 * 24 * 400, 10**8])
@pytest.mark.parametrize("tz", ["UTC", BERLIN, "Pacific/Apia"])
def test_always_open_is_plain_addition(minutes: int, tz: str) -> None:
    # Starts just before Berlin's spring change: elapsed time, not wall time, counts.
    start = utc(2026, 3, 29, 0, 30)
    due = BusinessHours.always(tz).add_business_minutes(start, minutes)
    assert due == start + timedelta(minutes=minutes)


def test_all_week_all_day_spelled_out_is_always_too() -> None:
    hours = BusinessHours.parse("Mon-Sun 00:00-24:00", BERLIN)
    start = utc(2026, 10, 24, 12, 0)
    assert hours.add_business_minutes(start, 3 * 24 * 60) == utc(2026, 10, 27, 12, 0)


def test_walk_is_interval_by_interval() -> None:
    # One minute a week: 1000 minutes is 1000 Wednesdays, nearly twenty years; a
    # minute-by-minute walk would take hours.
    tiny = BusinessHours.parse("Wed 12:00-12:01", BERLIN)
    due = tiny.add_business_minutes(local(BERLIN, 2026, 3, 2, 0, 0), 1000)
    assert due == local(BERLIN, 2045, 4, 26, 12, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda h, at: h.is_open(at),
        lambda h, at: h.next_open(at),
        lambda h, at: h.add_business_minutes(at, 15),
        lambda h, at: h.add_business_minutes(at, 0),
    ],
    ids=["is_open", "next_open", "add_business_minutes", "add_zero"],
)
def test_naive_datetimes_are_refused(call: Callable[[BusinessHours, datetime], object]) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        call(office(), datetime(2026, 3, 3, 12, 0))


# -- cross-check against a minute-by-minute count --------------------------------------

SCHEDULES = [
    "Mon-Fri 09:00-18:00",
    "daily 00:00-12:00",
    "Sun 01:00-05:00",
    "Fri-Mon 22:00-24:00",
    "Mon,Wed,Fri 10:00-16:00",
]


def _minute(at: datetime) -> int:
    return int(at.timestamp()) // 60


def _open_by_wall_clock(hours: BusinessHours, at: datetime) -> bool:
    # An independent oracle: read the shop's clock and compare, nothing cleverer.
    wall = at.astimezone(hours.tz)
    end_ok = hours.end is None or wall.time() < hours.end
    return wall.weekday() in hours.days and hours.start <= wall.time() and end_ok


@settings(max_examples=40, deadline=None)
@given(
    text=st.sampled_from(SCHEDULES),
    tz=st.sampled_from([BERLIN, "America/Los_Angeles", "Asia/Tokyo"]),
    # Around both 2026 clock changes in Europe and the US.
    start_minute=st.one_of(
        st.integers(_minute(utc(2026, 3, 5)), _minute(utc(2026, 4, 2))),
        st.integers(_minute(utc(2026, 10, 20)), _minute(utc(2026, 11, 4))),
    ),
    minutes=st.integers(0, 600),
)
def test_due_time_matches_a_minute_by_minute_count(
    text: str, tz: str, start_minute: int, minutes: int
) -> None:
    hours = BusinessHours.parse(text, tz)
    start = datetime.fromtimestamp(start_minute * 60, UTC)
    due = hours.add_business_minutes(start, minutes)
    counted, cursor = 0, start
    while cursor < due:
        counted += _open_by_wall_clock(hours, cursor)
        cursor += timedelta(minutes=1)
    assert counted == minutes
    assert hours.is_open(start) is _open_by_wall_clock(hours, start)
    if minutes:
        # The last minute counted really was open: the due time is as early as it can be.
        assert _open_by_wall_clock(hours, due - timedelta(minutes=1))
