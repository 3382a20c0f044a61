"""Entities in a buyer's message, by rules: order numbers, tracking numbers, amounts
with their currency, carriers; and payment card numbers, read only so that they are
never taken for an order or tracking number (`card_numbers`).

Rules, not the model, because these are exact strings the bot must act on: a tracking
number is only taken when the carrier's check digit matches (`bot/domain/carriers.py`),
so an order number is not mistaken for one by its length alone; an amount needs a
currency sign or word next to it ("$350", "350 dollars", "12.50 USD"), or cents ("it
should be 245.00", its currency then unknown), so "5 stars" or "3 months" are not money.

Values are strings, as typed (the slot definitions are in
`tests/data/understanding/README.md`): order numbers without "#" (and, when typed in
digit groups, "5761-0000-0000-0000-02", as their digits), tracking numbers without
spaces, amounts with "." for decimals and no thousands separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.cards import card_spans, said_card
from bot.domain.carriers import DHL, KNOWN_CARRIERS, UPS, has_tracking_shape, is_valid_tracking
from bot.domain.money import currency_marker, currency_signs
from bot.understanding.carrier_names import NAMED, NAMES, UPS_GROUPED, first_named

# ------------------------------------------------------------------- tracking numbers

# Shapes a tracking number can have: UPS 1Z... (also as its label prints it, in groups:
# "1Z 999 AA1 01 2345 678 4"), UPU S10 (LZ123456785US), long digit runs (possibly typed
# in groups: "9400 1118 9922 3197 4284 90").
TRACKING_SHAPE = re.compile(
    rf"(?<![\w])(?:{UPS_GROUPED}|[A-Z]{{2}}\d{{9}}US|\d{{10,22}}"
    r"|\d{4}(?:[ -]\d{4}){2,5}(?:[ -]\d{1,4})?)(?![\w])",
    re.ASCII | re.IGNORECASE,
)
# Words just before a number that make it an order number ("order no. 5913...", "#5913").
# Spanish: "pedido 4587", "orden nº 4587", "número de pedido 4587", "mi compra es la 4587".
_CUE_WORDS = r"order|ordr|orer|oder|ordder|odrer|ord|purchase|pedido|pedio|peddo|orden|compra"
_CUE_TAIL = (
    r"(?:no\b\.?|nr\b\.?|number\b|num\b|id\b|is\b|n[º°o]\.?|n[uú]m(?:ero)?\b\.?|"
    r"es\s+(?:el|la)\b|es\b|pl[sz]\b|please\b)?"
)
_ORDER_CUE = re.compile(
    rf"(?:#|\b(?:{_CUE_WORDS})s?\b\.?\s*{_CUE_TAIL}\s*[:#]?)\s*$",
    re.IGNORECASE,
)
_TRACKING_CUE = re.compile(
    r"track|trak|waybill|\bawb\b|\bdhl\b|seguimiento|rastreo|\bgu[ií]a\b", re.IGNORECASE
)


def _carrier_of(number: str) -> str | None:
    for carrier in KNOWN_CARRIERS:
        if is_valid_tracking(carrier, number):
            return carrier
    return None


# "tracking no. 9405…", "waybill: 4829…", "número de seguimiento 9405…" right before the
# number: the buyer says what it is ("track 5820…" is not: there "track" is what to do
# with an order number as often as not).
_TRACKING_BEFORE = re.compile(
    r"(?:tracking|trac?kin[g']?|trakeo|tracing|\btrk|waybill|\bawb|seguimiento|rastreo|gu[ií]a)\s*"
    r"(?:no\b\.?|nr\b\.?|number\b|num\b|#|id\b|code\b|n[º°o]\.?)?\s*(?:is\b|es\b)?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _called_tracking(text: str, match: re.Match[str], number: str) -> str | None:
    """The carrier of a number whose check digit does not match but that the buyer calls
    a tracking number: it has the shape of the carrier they name ("DHL 4829103756",
    "the USPS number is 9405…"), or of any carrier right after "tracking no.", or it is
    UPS's own "1Z…", which nothing else looks like.  A slipped digit does not make a
    parcel's number an order's; the bot then says the number looks mistyped."""
    shaped = [c for c in KNOWN_CARRIERS if has_tracking_shape(c, number)]
    if not shaped:
        return None
    if number.startswith("1Z") and UPS in shaped:
        return UPS
    named = carrier(text)
    if named in shaped:
        return named
    if _TRACKING_BEFORE.search(text[: match.start()]):
        return shaped[0]
    return None


def _tracking_at(text: str, match: re.Match[str]) -> str | None:
    """The tracking number this match is, or None when it is not one (or an order's)."""
    number = re.sub(r"[ -]", "", match.group(0)).upper()
    lettered = not number.isdigit()
    if not lettered and _ORDER_CUE.search(text[: match.start()]):
        return None  # "order 5136747593": the buyer says it is an order number
    carrier = _carrier_of(number)
    if carrier is None:
        return number if _called_tracking(text, match, number) else None
    if carrier == DHL and not _TRACKING_CUE.search(text):
        # One in seven 10-digit order numbers passes DHL's check digit by chance: a
        # bare 10-digit number is only a waybill when the message says so.
        return None
    return number


def tracking_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, number) of every tracking number in the text."""
    found = []
    for match in TRACKING_SHAPE.finditer(text):
        number = _tracking_at(text, match)
        if number is not None:
            found.append((match.start(), match.end(), number))
    return found


# --------------------------------------------------------------------------- amounts

# "1,234.50" (English grouping), "1.234,50" (Spanish), "12.50", "12,50".
# "1.200.000" (dots grouping thousands, no decimals: two groups or more, since "1.200"
# could be 1.2).
_NUM = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+,\d{1,2}|\d{1,3}(?:\.\d{3}){2,}(?![.,]?\d)"
    r"|\d+(?:[.,]\d{1,2})?"
)
# ISO codes buyers type beside a sum; not those that are also English words ("try",
# "all", "top", "pen").
_CODES = (
    r"usd|eur|gbp|cad|aud|nzd|mxn|inr|php|ngn|brl|vnd|jpy|cny|krw|chf|sek|nok|dkk|pln"
    r"|zar|sgd|hkd|idr|myr|thb|aed|sar|egp|pkr|kes|lkr|bdt|ghs|gtq|hnl|crc|pyg|nio|cop|clp|uyu"
)
# Local short forms typed before a sum: Malaysia's "RM 89.90", Kenya's "KSh 4,500",
# South Asia's "Rs. 1,299" (read as rupees of India, where most such buyers are),
# Indonesia's "Rp 150.000".
_LOCAL = r"rm|ksh|rs\.?|rp"
_SIGNS = "|".join(re.escape(sign) for sign in currency_signs())
_PRE = rf"(?:{_SIGNS}|{_CODES}|{_LOCAL})"
_POST = (
    rf"(?:{_SIGNS}|{_CODES}|dollars?|bucks?|euros?|pounds?|quid|rupees?|naira|lira|dong|yen"
    r"|yuan|rmb|reais|zł|d[oó]lar(?:es)?|pesos?(?:\s+(?:mexicanos|colombianos|argentinos|chilenos|"
    r"uruguayos))?|pavos|ringgit|rupiah|quetzal(?:es)?|lempiras?|colon(?:es)?|col[oó]n|"
    r"guaran[ií](?:es)?|c[oó]rdobas?|bolivianos?)"
)
MONEY = re.compile(
    rf"(?:(?<![\w$€£]){_PRE}\s?(?P<a>{_NUM})(?![\d,.]?\d)|(?<![\w.,])(?P<b>{_NUM})\s?(?P<post>{_POST})(?![\w]))",
    re.IGNORECASE,
)
_PRE_MARKER = re.compile(_PRE, re.IGNORECASE)
_CURRENCY_WORDS = {
    "$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    # Spanish: "dólares", "pesos" (Mexican, the peso TikTok Shop sells in), "pavos"
    # (Spain's slang for euros).
    "dolar": "USD",
    "dolares": "USD",
    "dólar": "USD",
    "dólares": "USD",
    "peso": "MXN",
    "pesos": "MXN",
    "pesos mexicanos": "MXN",
    # Central and South America: "350 quetzales", "45000 colones", "1.200.000 guaraníes"
    "pesos colombianos": "COP",
    "pesos argentinos": "ARS",
    "pesos chilenos": "CLP",
    "pesos uruguayos": "UYU",
    "quetzal": "GTQ",
    "quetzales": "GTQ",
    "lempira": "HNL",
    "lempiras": "HNL",
    "colon": "CRC",
    "colón": "CRC",
    "colones": "CRC",
    "guarani": "PYG",
    "guaraní": "PYG",
    "guaranies": "PYG",
    "guaraníes": "PYG",
    "cordoba": "NIO",
    "córdoba": "NIO",
    "cordobas": "NIO",
    "córdobas": "NIO",
    "boliviano": "BOB",
    "bolivianos": "BOB",
    "pavos": "EUR",
    "rm": "MYR",
    "ringgit": "MYR",
    "ksh": "KES",
    "rs": "INR",
    "rs.": "INR",
    "rp": "IDR",
    "rupiah": "IDR",
}
# A sum with no currency still reads as money when it has cents ("it should be 245.00",
# "charged 59.99 twice"), unless a unit follows ("4.50 stars", "2.50 kg").
_BARE_SUM = re.compile(
    r"(?<![\w.,$€£:/-])\d+\.\d{2}(?![\w.,%:/]|\s*(?:stars?|kg|lbs?|cm|mm|m|ml|l|g|oz|inch(?:es)?"
    r"|in|ft|am|pm|h|hrs?|hours?|mins?|minutes?|days?|weeks?|months?|years?|x)\b)",
    re.IGNORECASE,
)


def _amount_value(number: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", number):  # "1.200.000"
        return number.replace(".", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", number):  # "1.234,50"
        return number.replace(".", "").replace(",", ".")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", number):
        return number.replace(",", "")
    return number.replace(",", ".")


def _currency(marker: str) -> str | None:
    key = " ".join(marker.strip().lower().split())
    if key in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[key]
    named = currency_marker(key)
    if not named:
        return None
    if len(named) == 1:
        return next(iter(named))
    return "USD" if "USD" in named else None


def amounts(text: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, amount, currency) of every sum of money with a currency; failing
    that, of every sum with cents (currency None)."""
    found = []
    for match in MONEY.finditer(text):
        if match.group("a") is not None:
            number = match.group("a")
            prefix = _PRE_MARKER.match(match.group(0))
            marker = prefix.group(0) if prefix else "$"
        else:
            number, marker = match.group("b"), match.group("post")
        found.append((match.start(), match.end(), _amount_value(number), _currency(marker)))
    if not found:
        found = [
            (m.start(), m.end(), m.group(0), None)
            for m in _BARE_SUM.finditer(text)
            if not _sale_day(text, m)
        ]
    return found


# Shopping days named by their date: "the 11.11 sale", "during 12.12", "on 10.10".
_SALE_AFTER = re.compile(
    r"\s*(?:mega\s+|big\s+|flash\s+)?(?:sales?|deals?|promos?|campaign|event)\b"
)
_SALE_BEFORE = re.compile(r"\b(?:the|during|on|for|in|at|this|last|since)\s*$", re.IGNORECASE)


def _sale_day(text: str, match: re.Match[str]) -> bool:
    """A month's day-and-month twin ("11.11", "12.12") named as a sale, not a sum."""
    if not re.fullmatch(r"(0?[1-9]|1[0-2])\.\1", match.group(0)):
        return False
    after = _SALE_AFTER.match(text, match.end(), len(text))
    return bool(after or _SALE_BEFORE.search(text, 0, match.start()))


# ---------------------------------------------------------------------------- carriers

# A social handle ("@UPSHelp", "@DHL_US", "@RoyalMail"): its words, to find a carrier
# tagged in a post.
_HANDLE = re.compile(r"@(\w+)")
_HANDLE_WORDS = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|_")


def carrier(text: str) -> str | None:
    """The first carrier named in the text, canonical spelling; a carrier's social
    handle tagged in it ("@UPSHelp", "@DPD_UK") names it too."""
    text = _HANDLE.sub(lambda m: " " + _HANDLE_WORDS.sub(" ", m.group(1)) + " ", text)
    return first_named(NAMED, NAMES, text)


# ------------------------------------------------------------------------ order numbers

ORDER_AFTER_CUE = re.compile(
    rf"(?:#\s?|\b(?:{_CUE_WORDS})s?\b\.?\s*{_CUE_TAIL}\s*[:#,]?\s*|\b(?:{_CUE_WORDS})(?=\d))"
    # Four digits or more; or the first group of digits typed in groups ("order no.
    # 309-551-874"), which counts only as the whole run (`_grouped_order`).
    r"(?P<n>\d{4,}(?![\d.,]?\d)|\d{2,3}(?=[ -]\d))",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"(?<![\w.,$€£])\d{7,}(?![\w]|[.,]\d)")
# A number another document's "#" or "no." names: "invoice #85632", "receipt no.
# 4471902", "ticket #60", "apt #1204".  Not an order's, although "#" alone often is
# ("#5781…"); "invoice 5781…" with no such mark still names the order it is for.
_OTHER_NUMBER = re.compile(
    r"\b(?:invoice|inv|receipt|bill|ticket|case|ref(?:erence)?|sku|item|model|serial|room|"
    r"apt|apartment|suite|unit|flat|phone|tel|factura|recibo)\s*"
    r"(?:#|no\b\.?|nr\b\.?|number\b|num\b|n[º°o]\.?)\s*[:#]?\s*(?P<n>\d[\d -]*\d)",
    re.IGNORECASE,
)

# The most digits a phone number has (E.164).  A longer run of digits is never one: an
# order number a buyer types in groups ("5761 0000 0000 0000 02") is read as one number
# only past this length, so "555 010 0199" or "07700 900123" stay phone numbers.
LONGEST_PHONE = 15
# Digits typed in groups of up to seven, each group joined to the next by one space or
# dash: "5761-0000-0000-0000-02", "576 100 000 000 000 002", and the marketplaces'
# "114-3941689-8772232" (read as its middle group before, "order 3941689").  Not after
# "+" (a phone's country code), and from the first group of a run only.
_GROUPED = re.compile(
    r"(?<![\w+.,$€£-])(?<!\d\s)\d{2,7}(?:[ -]\d{2,7})*[ -]\d{1,7}(?![\w]|[.,]\d|[ -]\d)"
)
# Grouped digits that are a date ("2024-05-12", "12-05-2024"), never an order number.
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2,4}")
# After an order cue, a run of this many digits, deliberately grouped (three groups or
# more, or dashes), is the order number too: "order no. 5761-0000-02".
_CUED_GROUPED_MIN = 8
# "tracking number: 9400 1112 …" right before a run: a tracking number (one whose check
# digit failed, or the rules would have taken it), not an order number.
_AFTER_TRACKING_CUE = re.compile(
    rf"(?:{_TRACKING_CUE.pattern})\w*\.?(?:\s*(?:no\b\.?|nr\b\.?|number|num|id|is|#))*\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _deliberate(run: str) -> bool:
    """Digits grouped on purpose (an order's or a date's), not "order 12345 20 days"."""
    return "-" in run or len(re.split(r"[ -]", run)) >= 3


def _grouped_order(run: str, *, cued: bool) -> str | None:
    """The order number a run of digit groups is, joined; None when it is not one."""
    digits = re.sub(r"[ -]", "", run)
    if _DATE.fullmatch(run):
        return None
    if len(digits) > LONGEST_PHONE:
        return digits
    if cued and _deliberate(run) and len(digits) >= _CUED_GROUPED_MIN:
        return digits
    return None


# ------------------------------------------------------------------------ card numbers


def card_numbers(
    text: str, tracking: list[tuple[int, int, str]] | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every payment card number in the text
    (`bot.domain.cards`), never to be read as an order or tracking number.

    Two readings the shape alone cannot make win over it, unless the message says it
    is a card: a number right after an order word ("order 4111111111111111": the buyer
    says what it is) and a tracking number whose carrier's check digit matches."""
    if tracking is None:
        tracking = tracking_spans(text)
    return [
        (start, end, digits)
        for start, end, digits in card_spans(text)
        if said_card(text, start, end)
        or (
            not _ORDER_CUE.search(text[:start])
            and not any(s <= start and end <= e for s, e, _ in tracking)
        )
    ]


@dataclass(frozen=True, slots=True)
class Slots:
    """What the message names; None for what it does not.  `card_number` is never
    written to the evaluation data (`as_dict`): it is read only to be refused."""

    order_number: str | None = None
    tracking_number: str | None = None
    amount: str | None = None
    currency: str | None = None
    carrier: str | None = None
    card_number: str | None = None

    def as_dict(self) -> dict[str, str]:
        """Only the slots present, the way the evaluation data writes them."""
        return {
            key: value
            for key in ("order_number", "tracking_number", "amount", "currency", "carrier")
            if (value := getattr(self, key)) is not None
        }


def extract(text: str) -> Slots:
    """Every slot the message gives (the first of each kind)."""
    text = text or ""
    tracking = tracking_spans(text)
    cards = card_numbers(text, tracking)
    tracking = [t for t in tracking if not any(t[0] < e and s < t[1] for s, e, _ in cards)]
    money = amounts(text)
    found = _order_number(text, tracking, money, cards)
    return Slots(
        order_number=found[0] if found else None,
        tracking_number=tracking[0][2] if tracking else None,
        amount=money[0][2] if money else None,
        currency=money[0][3] if money else None,
        carrier=carrier(text),
        card_number=cards[0][2] if cards else None,
    )


def _order_number(
    text: str,
    tracking: list[tuple[int, int, str]],
    money: list[tuple[int, int, str, str | None]],
    cards: list[tuple[int, int, str]],
) -> tuple[str, bool] | None:
    """The order number in the text and whether the buyer said it is one (a word such
    as "order" before it; "#" alone is no such word: "phone # 5125550101"): a number
    after a cue first, else the first long number; never digits read as a tracking
    number, an amount or a card number."""
    taken = [(s, e) for s, e, _ in tracking] + [(s, e) for s, e, _, _ in money]
    taken += [(s, e) for s, e, _ in cards]
    taken += [m.span("n") for m in _OTHER_NUMBER.finditer(text)]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in ORDER_AFTER_CUE.finditer(text):
        said = not match.group(0).startswith("#")
        run = _GROUPED.match(text, match.start("n"))
        if run is not None:
            joined = _grouped_order(run.group(0), cued=True)
            if joined is not None and free(run.start(), run.end()):
                return joined, said
            if _deliberate(run.group(0)):
                continue  # "order 2024-05-12": no first group cut from the rest
        if len(match.group("n")) >= 4 and free(match.start("n"), match.end("n")):
            return match.group("n"), said
    bare = [(m.start(), m.group(0)) for m in _BARE_NUMBER.finditer(text) if free(*m.span())]
    for run in _GROUPED.finditer(text):
        joined = _grouped_order(run.group(0), cued=False)
        if (
            joined is not None
            and free(*run.span())
            and not _AFTER_TRACKING_CUE.search(text[: run.start()])
        ):
            bare.append((run.start(), joined))
    return (min(bare)[1], False) if bare else None


def named_order_number(text: str) -> str | None:
    """The order number in the text when it cannot be a phone number: the buyer says it
    is an order's ("order 5781…"), or it has more digits than any phone number.

    Where the bot waits for an email or phone, that is a different order named, while
    "5125550101" is the phone number asked for."""
    text = text or ""
    tracking = tracking_spans(text)
    found = _order_number(text, tracking, amounts(text), card_numbers(text, tracking))
    if found is None:
        return None
    number, cued = found
    return number if cued or len(number) > LONGEST_PHONE else None
