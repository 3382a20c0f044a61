"""Money is `Decimal` with a currency; never a float.

Amounts are validated against the currency's minor unit (2 decimals for USD, 0 for
JPY, 3 for KWD), so "19.999 USD" is an input error, not something to round silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache

# ISO 4217 active codes with their minor units (exponent).  Kept in code because the
# set changes about once a decade and a lookup must not need the network.
_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR
LRD LSL MAD MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB
PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
"""
_NO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_MINOR_UNITS: dict[str, int] = {
    **{code: 2 for code in _TWO_DECIMALS.split()},
    **{code: 0 for code in _NO_DECIMALS.split()},
    **{code: 3 for code in _THREE_DECIMALS.split()},
}

# Storage keeps every amount as an integer count of 1/10_000 units (see storage.types),
# which covers every currency's minor unit exactly.
STORAGE_SCALE = 4
MAX_AMOUNT = Decimal("100000000000")  # 1e11: far above any order, far below int64 limits


class MoneyError(ValueError):
    """An amount or currency that cannot be accepted."""


def is_currency(code: str) -> bool:
    return code in _MINOR_UNITS


def minor_units(currency: str) -> int:
    try:
        return _MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


def parse_amount(
    raw: str | int | Decimal, currency: str, *, allow_negative: bool = False
) -> Decimal:
    """Parse a money amount written by a person or a file.

    Accepts "19.99", "19", "1,234.50" is refused (ambiguous thousands separators),
    floats are refused (they already lost precision), and so are digits other than
    ASCII 0-9 (`Decimal("١٢")` is 12, but nobody's file or chat means that).
    What a person types in the chat goes through `read_amount` instead.
    """
    if isinstance(raw, (bool, float)):
        raise MoneyError("amount must be written as text or an integer, not a float")
    text = str(raw).strip()
    if not text:
        raise MoneyError("amount is empty")
    if isinstance(raw, str) and not all(c in "0123456789+-." for c in text):
        # Decimal() also reads "1e3", "Infinity" and "1_000": not how people write money.
        raise MoneyError(f"{text!r} is not an amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not an amount")
    if value < 0 and not allow_negative:
        raise MoneyError(f"amount {text} is negative")
    if abs(value) >= MAX_AMOUNT:
        raise MoneyError(f"amount {text} is too large")
    places = minor_units(currency)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values have an int exponent
    if -exponent > places:
        raise MoneyError(f"amount {text} has more than {places} decimals for {currency}")
    return quantize(value, currency)


# ---------------------------------------------------------- amounts people type


class AmountProblem(StrEnum):
    """Why a typed amount could not be read; each names the format the person should
    use instead (the chat renders `amount.<value>` from the catalog)."""

    EMPTY = "empty"
    WORDS = "words"  # no digits at all: "ten dollars"
    DIGITS = "digits"  # digits other than 0-9: "١٢", "１２", "৫"
    FORMAT = "format"  # digits among things that are no amount: "5 apples", "5e3"
    SEPARATORS = "separators"  # "1,000", "1.000.000", "1 000", "12,50"
    DECIMALS = "decimals"  # more decimals than the currency has: "5.555" USD
    NEGATIVE = "negative"
    ZERO = "zero"
    CURRENCY = "currency"  # another currency than the order's: "€5" on a USD order
    TOO_LARGE = "too_large"


class AmountInputError(MoneyError):
    """A typed amount that cannot be read, with what the message to the person needs:
    the problem, the expected currency and its decimals, the currency given (if any)."""

    def __init__(self, problem: AmountProblem, currency: str, given: str | None = None) -> None:
        super().__init__(f"{problem.value} (expected {currency})")
        self.problem = problem
        self.currency = currency
        self.places = minor_units(currency)
        self.given = given

    @property
    def example(self) -> str:
        """An amount written the way we read it, with cents where the currency has
        them: "12.50" (USD), "1250" (JPY), "12.500" (KWD)."""
        return "1250" if self.places == 0 else "12." + ("50" + "0" * self.places)[: self.places]


# Currencies written with a dollar sign; "$5" or "5 dollars" fits any of them.
_DOLLARS = frozenset(
    [
        "USD",
        "CAD",
        "AUD",
        "NZD",
        "HKD",
        "SGD",
        "TWD",
        "MXN",
        "BSD",
        "BBD",
        "BZD",
        "BMD",
        "BND",
        "FJD",
        "GYD",
        "JMD",
        "KYD",
        "LRD",
        "NAD",
        "SBD",
        "SRD",
        "TTD",
        "XCD",
    ]
)
_MARKERS: dict[str, frozenset[str]] = {
    "$": _DOLLARS,
    "dollar": _DOLLARS,
    "dollars": _DOLLARS,
    "buck": _DOLLARS,
    "bucks": _DOLLARS,
    "us$": frozenset({"USD"}),
    "c$": frozenset({"CAD"}),
    "ca$": frozenset({"CAD"}),
    "a$": frozenset({"AUD"}),
    "au$": frozenset({"AUD"}),
    "nz$": frozenset({"NZD"}),
    "hk$": frozenset({"HKD"}),
    "s$": frozenset({"SGD"}),
    "mx$": frozenset({"MXN"}),
    "r$": frozenset({"BRL"}),
    "€": frozenset({"EUR"}),
    "euro": frozenset({"EUR"}),
    "euros": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "pound": frozenset({"GBP"}),
    "pounds": frozenset({"GBP"}),
    "quid": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "￥": frozenset({"JPY", "CNY"}),
    "yen": frozenset({"JPY"}),
    "yuan": frozenset({"CNY"}),
    "rmb": frozenset({"CNY"}),
    "₹": frozenset({"INR"}),
    "rupee": frozenset({"INR"}),
    "rupees": frozenset({"INR"}),
    "₩": frozenset({"KRW"}),
    "won": frozenset({"KRW"}),
    "₽": frozenset({"RUB"}),
    "₺": frozenset({"TRY"}),
    "₪": frozenset({"ILS"}),
    "₫": frozenset({"VND"}),
    "₱": frozenset({"PHP"}),
    "฿": frozenset({"THB"}),
    "₴": frozenset({"UAH"}),
    "₦": frozenset({"NGN"}),
    "₡": frozenset({"CRC"}),
    "zł": frozenset({"PLN"}),
    "kr": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "fr": frozenset({"CHF"}),
    "franc": frozenset({"CHF"}),
    "francs": frozenset({"CHF"}),
    "lira": frozenset({"TRY"}),
    "naira": frozenset({"NGN"}),
    "ksh": frozenset({"KES"}),
    "rand": frozenset({"ZAR"}),
    "₵": frozenset({"GHS"}),
    "gh₵": frozenset({"GHS"}),
    "cedi": frozenset({"GHS"}),
    "cedis": frozenset({"GHS"}),
    "dong": frozenset({"VND"}),
    "reais": frozenset({"BRL"}),
}
_MINUS = "\\-\u2212\u2013\u2014"  # for a character class: hyphen-minus, minus sign, en and em dash
# [sign] [currency] [sign] number [currency]; the number part is checked on its own.
_MARKER = r"[^\W\d_]{1,10}\$?\.?|[^\w\s.,'’+" + _MINUS + r"]"
_AMOUNT = re.compile(
    rf"""^(?P<sign>[+{_MINUS}])?\s*
    (?:(?P<pre>{_MARKER})\s*)?
    (?P<sign2>[+{_MINUS}])?\s*
    (?P<number>[.,]?[0-9](?:[0-9.,'’_]|\s(?=[0-9]))*)
    \s*(?P<post>{_MARKER})?\s*$""",
    re.VERBOSE,
)
_GROUPING = re.compile(r"['’_\s]")
_MAX_INTEGER_DIGITS = len(str(int(MAX_AMOUNT))) - 1


def currency_signs() -> list[str]:
    """The currency markers that are signs rather than words ("$", "NZ$", "€", "₦"),
    longest first (so "NZ$" is read before "$")."""
    return sorted((m for m in _MARKERS if not m.isalpha()), key=len, reverse=True)


def currency_marker(word: str) -> frozenset[str] | None:
    """The currencies a symbol, code or word names ("$", "usd", "euros"), or None."""
    key = word.strip().rstrip(".").lower()
    if key.upper() in _MINOR_UNITS:
        return frozenset({key.upper()})
    return _MARKERS.get(key)


def read_amount(text: str, currency: str) -> Decimal:
    """An amount a person typed for an order in `currency`, e.g. a partial or goodwill
    refund.  Reads "5", "5.00", ".5", "$5", "5$", "5 dollars", "5.00 USD",
    "USD 5", "€5" (a currency given must be the order's).  Only ASCII digits; the
    amount must be more than zero and have at most the currency's decimals.

    Raises `AmountInputError` naming what is wrong with the format; whether the amount
    fits what may be refunded is the caller's check (a different message)."""
    minor_units(currency)  # an unknown currency is our error, not the person's
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise AmountInputError(AmountProblem.EMPTY, currency)
    if any(c.isdigit() and c not in "0123456789" for c in text):
        raise AmountInputError(AmountProblem.DIGITS, currency)
    if not any(c in "0123456789" for c in text):
        raise AmountInputError(AmountProblem.WORDS, currency)
    if len(text) > 64:
        raise AmountInputError(AmountProblem.FORMAT, currency)
    match = _AMOUNT.match(text)
    if match is None:
        raise AmountInputError(AmountProblem.FORMAT, currency)
    if any((match[g] or "+") != "+" for g in ("sign", "sign2")):
        raise AmountInputError(AmountProblem.NEGATIVE, currency)
    for marker in (match["pre"], match["post"]):
        if marker is None:
            continue
        named = currency_marker(marker)
        if named is None:
            raise AmountInputError(AmountProblem.FORMAT, currency)
        if currency not in named:
            given = next(iter(named)) if len(named) == 1 else marker.strip()
            raise AmountInputError(AmountProblem.CURRENCY, currency, given)
    value = _read_number(match["number"], currency)
    if value == 0:
        raise AmountInputError(AmountProblem.ZERO, currency)
    if value >= MAX_AMOUNT:
        raise AmountInputError(AmountProblem.TOO_LARGE, currency)
    return quantize(value, currency)


def _read_number(number: str, currency: str) -> Decimal:
    """ASCII digits with at most one decimal point, a dot; separators are refused as
    ambiguous."""
    if _GROUPING.search(number):
        raise AmountInputError(AmountProblem.SEPARATORS, currency)
    # "1,000" is a thousand or one (a decimal comma); "12,50" likely 12.50 but we do
    # not guess with money: any comma, or more than one dot, asks for the plain form.
    if "," in number or number.count(".") > 1:
        raise AmountInputError(AmountProblem.SEPARATORS, currency)
    whole, _, fraction = number.partition(".")
    whole = whole.lstrip("0")
    if len(whole) > _MAX_INTEGER_DIGITS:
        raise AmountInputError(AmountProblem.TOO_LARGE, currency)
    fraction = fraction.rstrip("0")  # 5.50 is 5.5: numerically, not as written
    if len(fraction) > minor_units(currency):
        raise AmountInputError(AmountProblem.DECIMALS, currency)
    return Decimal(f"{whole or 0}.{fraction or 0}")


def take_amount(words: list[str]) -> tuple[str, list[str]]:
    """Split the amount off the front of a command's words: "5", "$5", "5$", or two
    words when one is a currency ("5 dollars", "5.00 USD", "USD 5").  Returns the
    amount's text and the words after it."""
    if len(words) >= 2:
        first, second = words[0], words[1]
        first_has_digits = any(c.isdigit() for c in first)
        second_has_digits = any(c.isdigit() for c in second)
        if first_has_digits and not second_has_digits and currency_marker(second):
            return f"{first} {second}", words[2:]
        if not first_has_digits and second_has_digits and currency_marker(first):
            return f"{first} {second}", words[2:]
    return (words[0], words[1:]) if words else ("", [])


def quantize(value: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit (half up, as shops print receipts)."""
    places = minor_units(currency)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        minor_units(self.currency)

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: Decimal, currency: str, language: str = "en") -> str:
    """The amount as a reader of `language` expects it, with the currency's symbol and
    decimals from CLDR (Babel): "$1,234.50", "€9.00", "¥1,200", "1.234,50 €".

    The number follows the currency's home country when the language is spoken there
    (USD in Spanish reads "$1,234.50" as in es_US, MXN in Spanish "$1,234.50" as in
    es_MX), else the language's own convention ("1.234,50 GBP"): the reader sees the
    price the way that currency is written for them, never a bare code where a symbol
    is usual."""
    from babel.numbers import format_currency  # imported on first use, not at start

    value = quantize(amount, currency)
    return str(format_currency(value, currency, locale=money_locale(language, currency)))


@cache
def money_locale(language: str, currency: str) -> str:
    """`es_US` for USD in Spanish, `en_GB` for GBP in English; the language alone when
    Babel has no locale for it in the currency's country (EUR, or GBP in Spanish)."""
    from babel.localedata import exists

    home = f"{language}_{currency[:2]}"
    return home if exists(home) else language
