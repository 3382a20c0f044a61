"""A shop's business hours, and time arithmetic in "open minutes".

Used for promises such as "first response within 15 business minutes": a ticket opened
on Friday at 17:55 in a Mon-Fri 09:00-18:00 shop is due on Monday at 09:10.

Hours are local wall-clock times in the shop's timezone, while everything that goes in
or comes out of the arithmetic is an aware UTC instant.  The shop thinks "we open at
nine" whatever the season, so each day's opening and closing are worked out on that
day's wall clock and only then turned into instants; that is what keeps the sums right
across daylight-saving changes.

Pure code: no I/O, no clock; callers pass "now" in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ALL_DAYS = frozenset(range(7))
_MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)
_EXAMPLE = "e.g. 'Mon-Fri 09:00-18:00', 'daily 08:00-20:00', 'Mon-Fri' or '24/7'"
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Open on `days` (Monday = 0) from `start` until `end`, on the wall clock of `tz`.

    `end=None` means midnight at the end of the day ("24:00"), so "00:00-24:00" is a whole
    day.  Hours that run past midnight (22:00-02:00) are not supported: end > start.
    """

    days: frozenset[int]
    start: time
    end: time | None
    tz: ZoneInfo

    def __post_init__(self) -> None:
        # Accept any iterable of weekdays from hand-written callers, but store a frozenset
        # so that equal schedules compare and hash equal.
        object.__setattr__(self, "days", frozenset(self.days))
        if not self.days:
            raise ValueError("Business hours need at least one open day.")
        if not self.days <= _ALL_DAYS:
            raise ValueError(f"Weekdays are 0 (Monday) to 6 (Sunday), got {sorted(self.days)}.")
        if not isinstance(self.tz, ZoneInfo):
            raise TypeError(f"tz must be a zoneinfo.ZoneInfo, got {type(self.tz).__name__}.")
        for label, value in (("opening", self.start), ("closing", self.end)):
            if value is None:
                continue
            # Wall-clock times only: an offset here would fight with `tz` twice a year.
            if value.tzinfo is not None:
                raise ValueError(f"The {label} time must be a plain wall-clock time, no tzinfo.")
            # Whole minutes keep describe() exact, so a schedule survives a round trip.
            if value.second or value.microsecond:
                raise ValueError(f"The {label} time must be whole minutes, got {value}.")
        if self.end is not None and self.end <= self.start:
            hint = (
                " (for midnight at the end of the day use end=None)"
                if self.end == _MIDNIGHT
                else ""
            )
            raise ValueError(
                f"Closing time {_hhmm(self.end)} must be after opening time "
                f"{_hhmm(self.start)}; hours past midnight are not supported{hint}."
            )

    # -- construction -----------------------------------------------------------------

    @classmethod
    def always(cls, tz: str | ZoneInfo = "UTC") -> BusinessHours:
        """Every day, all day: business minutes are plain minutes."""
        return cls(days=_ALL_DAYS, start=_MIDNIGHT, end=None, tz=_zone(tz))

    @classmethod
    def parse(cls, text: str, tz: str | ZoneInfo = "UTC") -> BusinessHours:
        """Read hours as a shop owner would type them.

        Accepts "Mon-Fri 09:00-18:00", "mon-sat 9:00-17:30", "Mon,Wed,Fri 10:00-16:00",
        "Fri-Mon 10:00-14:00" (ranges wrap past Sunday), "daily 08:00-20:00", "24/7" and
        days without hours ("Mon-Fri": all day).  Case and spacing do not matter; full day
        names and en dashes are fine too.  Raises ValueError with a message fit to show
        the shop owner.
        """
        zone = _zone(tz)
        # Normalise first so the grammar below only sees one spelling of each thing.
        norm = text.strip().lower().replace("–", "-").replace("—", "-")
        norm = re.sub(r"\s+", " ", norm)
        norm = re.sub(r"\s*([,-])\s*", r"\1", norm)
        if not norm:
            raise ValueError(f"The business hours are empty; write them as {_EXAMPLE}.")
        if norm == "24/7":
            return cls.always(zone)

        # Days are letters and the hours start at the first digit, so split there; this
        # also copes with "Mon-Fri, 09:00-18:00".
        digit = re.search(r"\d", norm)
        cut = digit.start() if digit else len(norm)
        days_text, hours_text = norm[:cut].strip(" ,"), norm[cut:].strip()
        if not days_text:
            raise ValueError(f"Say which days the hours are for in {text.strip()!r}; {_EXAMPLE}.")
        days = _parse_days(days_text, text)
        if not hours_text:
            return cls(days=days, start=_MIDNIGHT, end=None, tz=zone)

        parts = hours_text.split("-")
        if len(parts) != 2:
            raise ValueError(
                f"Can't read the hours {hours_text!r}; write them as HH:MM-HH:MM, e.g. 09:00-18:00."
            )
        start = _parse_opening(parts[0])
        end = _parse_closing(parts[1])
        if end is not None and end <= start:
            raise ValueError(
                f"Closing time {_hhmm(end)} must be after opening time {_hhmm(start)}; "
                "hours past midnight are not supported."
            )
        return cls(days=days, start=start, end=end, tz=zone)

    # -- presentation -----------------------------------------------------------------

    @property
    def is_always(self) -> bool:
        return self.days == _ALL_DAYS and self.start == _MIDNIGHT and self.end is None

    def describe(self, *, with_tz: bool = True) -> str:
        """Canonical short form, e.g. "Mon-Fri 09:00-18:00 (Europe/Berlin)".

        Without the timezone the text parses back to the same hours, so it is also the
        form to store.
        """
        if self.is_always:
            text = "24/7"
        else:
            text = "daily" if self.days == _ALL_DAYS else _describe_days(self.days)
            if not (self.start == _MIDNIGHT and self.end is None):
                end = "24:00" if self.end is None else _hhmm(self.end)
                text += f" {_hhmm(self.start)}-{end}"
        return f"{text} ({self.tz.key or self.tz})" if with_tz else text

    def __str__(self) -> str:
        return self.describe()

    # -- arithmetic -------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether the shop is open at `at` (aware); opening inclusive, closing exclusive."""
        at = _as_utc(at)
        opens, _ = next(self._intervals_from(at))
        return opens <= at

    def next_open(self, at: datetime) -> datetime:
        """`at` (in UTC) if open then, else the UTC instant the shop next opens."""
        at = _as_utc(at)
        opens, _ = next(self._intervals_from(at))
        return max(opens, at)

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The UTC instant by which `minutes` of open time have passed since `start`.

        Zero minutes gives `start` if open, else the next opening: the clock for an answer
        only starts running when someone is there to give it.  The result may be a closing
        time exactly (17:45 + 15 minutes is due 18:00).
        """
        if minutes < 0:
            raise ValueError(f"Business minutes can't be negative, got {minutes}.")
        cursor = _as_utc(start)
        if self.is_always:
            # Shortcut, and a guarantee of termination for huge spans: every real minute
            # is a business minute (DST changes the wall clock, not elapsed time).
            return cursor + timedelta(minutes=minutes)
        if minutes == 0:
            return self.next_open(cursor)
        remaining = timedelta(minutes=minutes)
        # Walk whole open intervals, spending each one's open time, so the cost grows with
        # the number of days covered, never with the number of minutes.
        for opens, closes in self._intervals_from(cursor):
            begin = max(opens, cursor)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: the interval walk is endless")  # pragma: no cover

    # -- internals --------------------------------------------------------------------

    def _intervals_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals [opens, closes) in UTC, in order, from the first to end after `at`.

        The intervals never overlap (each lies within its own local day) and days whose
        hours vanish entirely in a clock change are skipped, so the first interval yielded
        is the only one that can contain `at`.
        """
        # Start a day early: local date of `at` is the day of the interval at the latest,
        # and a clock going back over midnight can put `at` on the next local date.
        day = at.astimezone(self.tz).date() - _ONE_DAY
        while True:
            if day.weekday() in self.days:
                opens, closes = self._interval(day)
                if closes > at and opens < closes:
                    yield opens, closes
            day += _ONE_DAY

    def _interval(self, day: date) -> tuple[datetime, datetime]:
        opens = _first_instant_at_or_after(datetime.combine(day, self.start), self.tz)
        closing_wall = (
            datetime.combine(day + _ONE_DAY, _MIDNIGHT)
            if self.end is None
            else datetime.combine(day, self.end)
        )
        return opens, _first_instant_at_or_after(closing_wall, self.tz)


def _first_instant_at_or_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first UTC instant at which the clocks in `tz` show `wall` or later.

    An ambiguous wall time (clocks going back) gives its first occurrence, fold=0.  A wall
    time inside a gap (clocks going forward) never happens; the first instant after it is
    the moment of the jump, e.g. 02:30 on Berlin's spring-forward night gives 03:00 CEST.
    """
    guess = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if guess.astimezone(tz).replace(tzinfo=None) == wall:
        return guess
    # In a gap, fold=0 and fold=1 map the wall time with the offsets from either side of
    # the jump, so the jump lies between them.  zoneinfo exposes no transition list, so
    # bisect to the second (transitions happen on whole seconds): ~17 steps for a gap as
    # long as a whole skipped day.
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = sorted((int(guess.timestamp()), int(other.timestamp())))
    # Invariant: at `low` the clock shows less than `wall`, at `high` at least `wall`.
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _as_utc(at: datetime) -> datetime:
    if not isinstance(at, datetime):
        raise TypeError(f"Expected a datetime, got {type(at).__name__}.")
    # A naive time would silently be read as server-local time: refuse it instead.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"Business-hours arithmetic needs an aware datetime, got naive {at}.")
    return at.astimezone(UTC)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz.strip())
    # ZoneInfoNotFoundError is a KeyError; malformed keys raise ValueError and directory
    # names raise OSError.  Callers get one exception type for "bad input".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    # As a person types it: "europe/amsterdam", "America/New York" are that zone.
    typed = "_".join(tz.split()).lower()
    zones = _zones()
    if typed in zones:
        return ZoneInfo(zones[typed])
    # A city alone ("Amsterdam"): the zone named after it, to say which to write.
    cities = sorted(name for key, name in zones.items() if key.rsplit("/", 1)[-1] == typed)
    hint = f" (did you mean {' or '.join(repr(c) for c in cities[:3])}?)" if cities else "."
    raise ValueError(
        f"Unknown timezone {tz!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'{hint}"
    )


@functools.cache
def _zones() -> dict[str, str]:
    """The system's IANA zone names, by their lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def _parse_days(days_text: str, original: str) -> frozenset[int]:
    days: set[int] = set()
    for item in days_text.split(","):
        if item == "daily":
            days |= _ALL_DAYS
            continue
        ends = item.split("-")
        if len(ends) > 2 or not all(ends):
            raise ValueError(f"Can't read the days {item!r} in {original.strip()!r}; {_EXAMPLE}.")
        first, last = (_parse_day(name) for name in (ends[0], ends[-1]))
        # Ranges wrap past Sunday, so "Fri-Mon" is Fri, Sat, Sun, Mon.
        days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
    return frozenset(days)


def _parse_day(name: str) -> int:
    # Any prefix of three letters or more: "mon", "tues", "thurs", "friday".
    if len(name) >= 3:
        for number, full in enumerate(_FULL_DAY_NAMES):
            if full.startswith(name):
                return number
    raise ValueError(f"Unknown day {name!r}; use Mon, Tue, Wed, Thu, Fri, Sat, Sun or 'daily'.")


def _parse_opening(text: str) -> time:
    hour, minute = _parse_clock(text)
    if hour == 24:
        raise ValueError("24:00 can only be a closing time; open at 00:00 instead.")
    return time(hour, minute)


def _parse_closing(text: str) -> time | None:
    hour, minute = _parse_clock(text)
    # 24:00 is the end of the day, which `time` can't hold: the class spells it None.
    return None if hour == 24 else time(hour, minute)


def _parse_clock(text: str) -> tuple[int, int]:
    """HH:MM or H:MM, 00:00 to 24:00 inclusive."""
    match = _TIME.fullmatch(text)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if (hour < 24 and minute < 60) or (hour, minute) == (24, 0):
            return hour, minute
    raise ValueError(f"{text!r} is not a time of day; write HH:MM, e.g. 09:00 or 17:30.")


def _describe_days(days: frozenset[int]) -> str:
    # Start at Monday unless a run wraps round from Sunday ("Fri-Mon"); then start at the
    # beginning of that run so it stays in one piece.
    first = 0
    while first in days and (first - 1) % 7 in days:
        first = (first - 1) % 7
    runs: list[list[int]] = []
    for step in range(7):
        day = (first + step) % 7
        if day not in days:
            continue
        if runs and (runs[-1][-1] + 1) % 7 == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
        for run in runs
    )


def _hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
