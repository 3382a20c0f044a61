"""Money is `Decimal` with a currency; never a float.

Amounts are validated against the currency's minor unit (2 decimals for USD, 0 for
JPY, 3 for KWD), so "19.999 USD" is an input error, not something to round silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
    floats are refused (they already lost precision).
    """
    if isinstance(raw, (bool, float)):
        raise MoneyError("amount must be written as text or an integer, not a float")
    text = str(raw).strip()
    if not text:
        raise MoneyError("amount is empty")
    if isinstance(raw, str) and not all(c.isdigit() or c in "+-." for c in text):
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


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def format_money(amount: Decimal, currency: str) -> str:
    """`$1,234.50`, `€9.00`, `1,200 JPY`-style text for people."""
    value = quantize(amount, currency)
    places = minor_units(currency)
    text = f"{value:,.{places}f}"
    symbol = _SYMBOLS.get(currency)
    if symbol and currency != "JPY":
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text} {currency}"
