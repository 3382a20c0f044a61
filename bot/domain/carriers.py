"""Carrier tracking numbers: check them, make them, link to them.

A buyer who types a tracking number by hand (or a seller who pastes one) makes typos;
most carriers put a check digit in the number precisely so that a typo is caught
before anybody goes looking for a parcel that does not exist.  We use the carriers'
published formats and check-digit rules, as collected in the public
`tracking_number_data` reference (github.com/jkeen/tracking_number_data), which the
`tracking_number` libraries for Ruby, JS, Python and Go are built on.

Supported: FedEx, UPS, USPS and DHL (DHL Express waybills).

Each check digit is computed from the rest of the number, so changing the check digit
itself is always caught (except for 20-digit USPS numbers, which have two valid
readings, see `_usps_20_ok`).  Changing a *body* digit is caught by most, but not all,
of these rules; the blind spots are inherent to the carriers' algorithms and are noted
next to each one (the tests pin them down against a reference implementation).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from bot.domain.errors import DomainError

FEDEX = "FedEx"
UPS = "UPS"
USPS = "USPS"
DHL = "DHL"

KNOWN_CARRIERS: tuple[str, ...] = (FEDEX, UPS, USPS, DHL)

# What people actually type for each carrier, compared after `_carrier_key` folding
# (lower-case, no spaces, dots, dashes or underscores).
_ALIASES: dict[str, str] = {
    "fedex": FEDEX,
    "federalexpress": FEDEX,
    "fedexexpress": FEDEX,
    "fedexground": FEDEX,
    "ups": UPS,
    "unitedparcelservice": UPS,
    "usps": USPS,
    "uspostalservice": USPS,
    "unitedstatespostalservice": USPS,
    "dhl": DHL,
    "dhlexpress": DHL,
}


class TrackingNumberError(DomainError, ValueError):
    """A tracking number (or carrier) we cannot accept.

    The message says what the carrier's numbers look like, for logs and scripts; the
    person who typed it reads `key` with `params` from the catalog, in their language
    (`tracking_error.<key>`, and `tracking_expected.<carrier>`).  It is a `ValueError`
    for plain validation code and a `DomainError` so handlers treat it as a user
    mistake.
    """

    def __init__(
        self,
        message: str,
        *,
        carrier: str | None = None,
        key: str = "bad_format",
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.carrier = carrier
        self.key = key
        self.params = params or {}


def _carrier_key(name: str) -> str:
    return re.sub(r"[\s._-]+", "", name).lower()


def normalise_carrier(name: str) -> str:
    """The canonical carrier name ("FedEx", "UPS", "USPS", "DHL") for what was typed.

    Matching ignores case, spaces and punctuation, so "fed ex", "U.P.S." and
    "DHL Express" all work.  Raises `TrackingNumberError` for any other carrier.
    """
    listed = ", ".join(KNOWN_CARRIERS[:-1])
    typed = (name or "").strip()
    if not typed:
        raise TrackingNumberError(
            f"Please say which carrier it is: {listed} or {KNOWN_CARRIERS[-1]}.",
            key="no_carrier",
        )
    supported = f"{listed} and {KNOWN_CARRIERS[-1]}"
    canonical = _ALIASES.get(_carrier_key(typed))
    if canonical is None:
        raise TrackingNumberError(
            f"We can't check tracking numbers for {typed!r}. Supported carriers are {supported}.",
            key="unknown_carrier",
            params={"typed": typed},
        )
    return canonical


# ----------------------------------------------------------------- check-digit rules


def _gs1_mod10(body: str) -> int:
    """GS1 / UCC mod 10: weights 3,1,3,1... from the rightmost body digit.

    Used by USPS IMpb and 20-digit numbers and by FedEx Ground (15 and "96" 22-digit).
    Weight 3 is coprime with 10, so every single-digit change is caught.
    """
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _fedex_express_check(body: str) -> int:
    """FedEx Express 12-digit: weights 1,3,7 repeating from the right over the first 11
    digits, sum mod 11, and a remainder of 10 becomes 0 (i.e. mod 11 then mod 10).

    Blind spot: a change that moves the remainder between 0 and 10 keeps the same check
    digit (both map to 0).
    """
    weights = (1, 3, 7)
    total = sum(int(c) * weights[i % 3] for i, c in enumerate(reversed(body)))
    return total % 11 % 10


def _ups_char_value(char: str) -> int:
    """UPS maps letters to digits with (ASCII code - 63) mod 10: A=2 ... H=9, I=0, J=1 ..."""
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


def _ups_check(body: str) -> int:
    """UPS 1Z: over the 15 characters after "1Z", characters in odd positions (1st, 3rd,
    ...) count once and those in even positions count twice; the check digit brings the
    sum up to a multiple of 10.

    Blind spot: a doubled digit changed by exactly 5 (2 x 5 = 10) is not caught.
    """
    total = sum(_ups_char_value(c) * (2 if i % 2 else 1) for i, c in enumerate(body))
    return (10 - total % 10) % 10


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _s10_check(serial: str) -> int:
    """UPU S10 (international mail): weights 8,6,4,2,3,5,9,7 over the 8 serial digits,
    check = 11 - (sum mod 11), where 10 becomes 0 and 11 becomes 5.

    Blind spot: remainders 0 and 6 both give check digit 5.
    """
    remainder = sum(int(c) * w for c, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return {10: 0, 11: 5}.get(check, check)


def _dhl_check(body: str) -> int:
    """DHL Express waybill: the first 9 digits, read as a number, mod 7.

    Blind spot: a body digit changed by exactly 7 keeps the same remainder.
    """
    return int(body) % 7


# ------------------------------------------------------------------------ formats


@dataclass(frozen=True, slots=True)
class _Format:
    name: str
    pattern: re.Pattern[str]
    # Returns True when the check digit matches; None means the format has none.
    verify: Callable[[str], bool] | None
    make: Callable[[random.Random], str]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _re(pattern: str) -> re.Pattern[str]:
    # ASCII only: Python's \d and str.isdigit() also accept Arabic-Indic and other digits.
    return re.compile(pattern, re.ASCII)


def _make_fedex_express(rng: random.Random) -> str:
    body = rng.choice("4567") + _digits(rng, 10)
    return body + str(_fedex_express_check(body))


def _make_fedex_ground(rng: random.Random) -> str:
    body = _digits(rng, 14)
    return body + str(_gs1_mod10(body))


def _make_fedex_ground_96(rng: random.Random) -> str:
    # 96 + SCNC (2) + service type (3) + shipper id (7) + package id (7) + check digit.
    head = "96" + rng.choice(["11", "12", "22"]) + rng.choice(["019", "020", "021"])
    serial = _digits(rng, 14)
    return head + serial + str(_gs1_mod10(serial))


_UPS_SERVICES = ("01", "02", "03", "03", "03", "12", "13", "42")
_ALNUM = "ABCDEFGHJKLMNPRSTUVWXY0123456789"  # no I/O/Q/Z: they read as digits


def _make_ups(rng: random.Random) -> str:
    shipper = "".join(rng.choice(_ALNUM) for _ in range(6))
    body = shipper + rng.choice(_UPS_SERVICES) + _digits(rng, 7)
    return "1Z" + body + str(_ups_check(body))


def _usps_20_ok(number: str) -> bool:
    """20-digit USPS numbers come in two readings, both GS1 mod 10: older electronic
    Delivery Confirmation labels check the 19 digits as printed, while Certified Mail
    (PS Form 3800) prints the IMpb without its "91" application identifier, which still
    counts in the check.  Refusing either would reject real labels, at the price that
    two check digits in ten pass for a 20-digit number.
    """
    body, check = number[:-1], int(number[-1])
    return check in (_gs1_mod10(body), _gs1_mod10("91" + body))


def _make_usps_impb(rng: random.Random) -> str:
    # 94 Priority/First-Class, 92 commercial, 93 and 95 other IMpb service groupings.
    body = rng.choice(["9400", "9405", "9205", "9361", "9505"]) + _digits(rng, 17)
    return body + str(_gs1_mod10(body))


def _make_usps_20(rng: random.Random) -> str:
    body = rng.choice(["03", "23", "70", "71"]) + _digits(rng, 17)
    return body + str(_gs1_mod10(body))


def _make_usps_s10(rng: random.Random) -> str:
    # EA-EZ Priority Mail Express International, CP parcel post, LZ/RA letter post.
    service = rng.choice(["EA", "EC", "EZ", "CP", "LZ", "RA"])
    serial = _digits(rng, 8)
    return f"{service}{serial}{_s10_check(serial)}US"


def _make_dhl(rng: random.Random) -> str:
    body = rng.choice("123456789") + _digits(rng, 8)
    return body + str(_dhl_check(body))


_FORMATS: dict[str, tuple[_Format, ...]] = {
    FEDEX: (
        _Format(
            "12-digit Express",
            _re(r"[0-9]{12}"),
            lambda n: int(n[-1]) == _fedex_express_check(n[:-1]),
            _make_fedex_express,
        ),
        _Format(
            "15-digit Ground",
            _re(r"[0-9]{15}"),
            lambda n: int(n[-1]) == _gs1_mod10(n[:-1]),
            _make_fedex_ground,
        ),
        # Only the shipper + package ids (digits 8-21) are covered by the check digit;
        # the leading 96, SCNC and service type are not, per FedEx's label spec.
        _Format(
            "22-digit Ground 96",
            _re(r"96[0-9]{20}"),
            lambda n: int(n[-1]) == _gs1_mod10(n[7:-1]),
            _make_fedex_ground_96,
        ),
    ),
    UPS: (
        _Format(
            "1Z",
            _re(r"1Z[0-9A-Z]{15}[0-9]"),
            lambda n: int(n[-1]) == _ups_check(n[2:-1]),
            _make_ups,
        ),
    ),
    USPS: (
        _Format(
            "22-digit IMpb",
            _re(r"9[1-5][0-9]{20}"),
            lambda n: int(n[-1]) == _gs1_mod10(n[:-1]),
            _make_usps_impb,
        ),
        _Format("20-digit", _re(r"[0-9]{20}"), _usps_20_ok, _make_usps_20),
        _Format(
            "S10 international",
            _re(r"[A-Z]{2}[0-9]{9}US"),
            lambda n: int(n[10]) == _s10_check(n[2:10]),
            _make_usps_s10,
        ),
    ),
    DHL: (
        _Format(
            "10-digit Express waybill",
            _re(r"[0-9]{10}"),
            lambda n: int(n[-1]) == _dhl_check(n[:-1]),
            _make_dhl,
        ),
    ),
}

# How often each format is generated: the common domestic label first.
_MAKE_WEIGHTS: dict[str, tuple[int, ...]] = {
    FEDEX: (70, 20, 10),
    UPS: (1,),
    USPS: (80, 10, 10),
    DHL: (1,),
}

_EXPECTED: dict[str, str] = {
    FEDEX: "FedEx tracking numbers are 12, 15 or 22 digits, for example 986578788855.",
    UPS: (
        "UPS tracking numbers start with 1Z and are 18 letters and digits long, "
        "for example 1Z999AA10123456784."
    ),
    USPS: (
        "USPS tracking numbers are 22 digits starting with 92, 93, 94 or 95 "
        "(for example 9400111201080805483016), 20 digits, or 13 characters like "
        "EE123456785US for international mail."
    ),
    DHL: "DHL Express waybill numbers are 10 digits, for example 3318810025.",
}

# Spaces, tabs and the dashes people (and word processors) put in long numbers.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")


def _clean(number: str) -> str:
    return _SEPARATORS.sub("", number).upper()


def validate_tracking(carrier: str, number: str) -> str:
    """Check a tracking number against the carrier's formats and check digit.

    Returns the normalised number (no spaces or dashes, upper-case) ready to store and
    compare.  Raises `TrackingNumberError` with a message for the person who typed it.
    """
    canonical = normalise_carrier(carrier)
    cleaned = _clean(number or "")
    if not cleaned:
        raise TrackingNumberError(
            f"Please send the tracking number. {_EXPECTED[canonical]}",
            carrier=canonical,
            key="empty",
        )
    for fmt in _FORMATS[canonical]:
        if not fmt.pattern.fullmatch(cleaned):
            continue
        if fmt.verify is None or fmt.verify(cleaned):
            return cleaned
        # Right shape, wrong check digit: almost always a mistyped or swapped digit.
        raise TrackingNumberError(
            f"{cleaned} is not a valid {canonical} tracking number: its check digit does "
            "not match, which usually means a typo. Please copy it again from the "
            "shipping email or label.",
            carrier=canonical,
            key="check_digit",
            params={"number": cleaned},
        )
    raise TrackingNumberError(
        f"{cleaned} doesn't look like a {canonical} tracking number. {_EXPECTED[canonical]}",
        carrier=canonical,
        key="bad_format",
        params={"number": cleaned},
    )


def is_valid_tracking(carrier: str, number: str) -> bool:
    """`validate_tracking` as a yes/no, for filters and assertions."""
    try:
        validate_tracking(carrier, number)
    except TrackingNumberError:
        return False
    return True


def has_tracking_shape(carrier: str, number: str) -> bool:
    """The number has one of the carrier's formats, whatever its check digit says.

    For reading what a person calls a tracking number ("the USPS number is 9405…"): a
    digit slipped in typing still makes it their tracking number, not an order's;
    `validate_tracking` then tells them it looks mistyped."""
    cleaned = _clean(number or "")
    return any(fmt.pattern.fullmatch(cleaned) for fmt in _FORMATS[normalise_carrier(carrier)])


def make_tracking_number(carrier: str, rng: random.Random) -> str:
    """A random, valid tracking number in one of the carrier's real formats.

    Deterministic for a seeded `rng`: demo data and tests rely on that.  The numbers are
    well-formed but made up; any resemblance to a real parcel is a coincidence.
    """
    canonical = normalise_carrier(carrier)
    fmt = rng.choices(_FORMATS[canonical], weights=_MAKE_WEIGHTS[canonical])[0]
    return fmt.make(rng)


_TRACKING_URLS: dict[str, str] = {
    FEDEX: "https://www.fedex.com/fedextrack/?trknbr={}",
    UPS: "https://www.ups.com/track?tracknum={}",
    USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    DHL: "https://www.dhl.com/en/express/tracking.html?AWB={}",
}


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for this number.

    The number is only cleaned (spaces and dashes removed, upper-case), not validated:
    a link for a number we cannot verify still lets the buyer ask the carrier.  It is
    percent-encoded, so nothing typed can alter the URL.
    """
    canonical = normalise_carrier(carrier)
    return _TRACKING_URLS[canonical].format(quote(_clean(number), safe=""))
