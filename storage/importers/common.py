"""Field rules shared by the CSV and JSON order parsers.

Both formats hand raw values (text from CSV cells, JSON scalars) to a `FieldReader`,
which turns each into a typed value or records a `Problem` naming where it is and
which field is wrong.  Keeping the rules here means a CSV file and a JSON file with
the same content are accepted or refused for the same reasons, with the same words.

A reader never raises for bad input: it collects every problem of a record so that
the person fixing the file sees all of them in one run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from bot.domain.money import MAX_AMOUNT, MoneyError, is_currency, parse_amount
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    Problem,
    ShipmentRecord,
    TrackingEventRecord,
    postal_code,
)
from storage.models import Order, OrderItem, Shipment, TrackingEvent

# The report keeps this many problems; the rest are only counted.  A file with 100,000
# broken rows needs its first problems fixed, not a million-line listing.
MAX_PROBLEMS = 1000


def _length(column: Any) -> int:
    return int(column.type.length)


# Text limits come from the schema, so PostgreSQL never refuses a value half-way
# through an import that SQLite (which ignores VARCHAR lengths) would have accepted.
MAX_LENGTH: dict[str, int] = {
    "order_number": _length(Order.order_number),
    "buyer_name": _length(Order.buyer_name),
    "buyer_email": _length(Order.buyer_email),
    "sku": _length(OrderItem.sku),
    "product_name": _length(OrderItem.product_name),
    "carrier": _length(Shipment.carrier),
    "tracking_number": _length(Shipment.tracking_number),
    "message": _length(TrackingEvent.message),
    "location": _length(TrackingEvent.location),
}
# Addresses are TEXT in the schema; a bound still keeps one bad cell from being huge.
MAX_ADDRESS_LENGTH = 2000

# Upper bounds that both databases accept, checked before anything is written.
# Quantities are INTEGER (32-bit on PostgreSQL); no order line is anywhere near this.
MAX_QUANTITY = 100_000
# Item lines per order: `line_no` stays small, and a CSV order (whose rows are held
# together until the order ends) cannot grow without end.
MAX_ITEMS = 1_000
# Money is stored as a BIGINT count of 1/10,000 units.  Every amount is below
# MAX_AMOUNT (1e11, from bot.domain.money), and the subtotal must equal the sum of
# quantity x unit_price, so no line, sum or total can come near 2**63 / 10,000.
# A longer text is not an amount; the bound also keeps the parse cache small.
MAX_AMOUNT_CHARS = 32
# Times outside this range are typos or placeholders ("0001-01-01"), and near year 1
# or 9999 an offset would not even convert to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

# Characters refused in text: C0/C1 control characters (PostgreSQL refuses NUL in
# text outright; the others break the bot's messages) and lone surrogates (not
# encodable as UTF-8).  Free text may hold tabs, addresses also line breaks;
# identifiers and contact fields nothing of the kind.
_CONTROL_IN_IDENTIFIER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_ADDRESS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FREE_TEXT = frozenset({"buyer_name", "product_name", "message", "location"})
# Fields whose values are personal data: a problem names the field, never the value.
PERSONAL_FIELDS = frozenset(
    {"buyer_name", "buyer_email", "buyer_phone", "shipping_address", "postal_code"}
)

_STATUSES = {s.value: s for s in OrderStatus}
_DELIVERY_OPTIONS = {o.value.lower(): o for o in DeliveryOption}
_TRACKING_TAGS = {t.value.lower(): t for t in TrackingTag}

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# What may separate the digits of a phone number as people write it.
_PHONE_SEPARATORS = re.compile(r"[\s()./-]+")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164
# ISO 8601 dates are at most 10 characters (2026-01-05, 2026-W02-1); anything with a
# time of day is longer ("2026-01-05T10" is 13).
_MAX_DATE_ONLY_LENGTH = 10
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


@functools.lru_cache(maxsize=4096)
def _amount(raw: str | int, currency: str) -> Decimal:
    """`parse_amount`, remembered: exports repeat the same prices, fees and zeros on
    every order, and a cached Decimal (immutable) is as good as a fresh one."""
    return parse_amount(raw, currency)


_ZERO = Decimal(0)
_NO_TIME = datetime.min.replace(tzinfo=UTC)  # placeholder in records that are refused


def describe_type(value: object) -> str:
    """A JSON value's kind in words, for problems ("got a list")."""
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number"
    )


# What a value echoed in a problem must not show: anything around an "@" (an email,
# even cut short), and runs of 7+ digits with phone separators that are not a date.
_EMAIL_LIKE = re.compile(r"[^\s'\"]*@[^\s'\"]*")
# A spreadsheet's date ("1/5/2026 2:30 PM", "05.01.2026") is no phone either: told as
# "<phone>:30 PM" it hid what was wrong with it.  "01.23.45.67.89" still is one.
_PHONE_LIKE = re.compile(
    r"(?<!\d)(?<!\d[/.])(?!\d{4}-\d\d-\d\d)(?!(?:[012]?\d|3[01])([/.])(?:[012]?\d|3[01])\1\d{4}(?![./-]?\d))"
    r"\+?\d(?:[\s()./-]*\d){6,}"
)


def _is_iso_date(text: str) -> bool:
    """ "2026-01-05" (a date that lacks its time), not "12/31/2026" or "soon" (which
    are no ISO 8601 at all, and are told so)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def mask_personal(text: str) -> str:
    """`text` with email- and phone-like parts replaced, for echoing values of
    non-personal fields (a shifted CSV column can put a phone number in `status`)."""
    if "@" in text:
        text = _EMAIL_LIKE.sub("<email>", text)
    return _PHONE_LIKE.sub("<phone>", text)


def shown(value: object, limit: int = 40) -> str:
    """A value as echoed in a problem: quoted with escapes (control characters and
    lone surrogates cannot reach the terminal raw), shortened, emails and phone
    numbers masked.  Containers are described, not printed: a deeply nested value
    would exceed the recursion limit in repr()."""
    if isinstance(value, (dict, list)):
        return f"{describe_type(value)} of {len(value)}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "a number with too many digits"
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[: 4 * limit]  # mask before cutting, on a bounded copy
    text = mask_personal(repr(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def field_name(name: str) -> str:
    """A key or column name from the file, fit to be printed as a field name."""
    if name.isprintable() and len(name) <= 40 and mask_personal(name) == name:
        return name
    return shown(name)


def bounded_lines(fh: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of a binary file, never holding more than `limit` + 1 bytes of one.

    A longer line yields only its first `limit` + 1 bytes (the rest is read and
    dropped): a reader sees it is too long with `too_long(line, limit)`.  Iterating
    the file itself would read a 100 MB line whole, then decode it into another 100 MB.
    """
    readline = fh.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of this line, a chunk at a time
                rest = readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def too_long(line: bytes, limit: int) -> bool:
    """Whether a line (with or without its line break) holds more than `limit` bytes."""
    return len(line) > limit and len(line.rstrip(b"\r\n")) > limit


class FieldReader:
    """Reads the fields of one record, collecting problems instead of raising.

    `where` is "line N" (CSV) or "record N" (JSON) and may be moved while reading a
    CSV order whose rows span several lines; `prefix` names the part of a JSON record
    being read ("items[0].") and is put in front of field names in problems.  Every
    method returns None for a missing or invalid value; a record is only built when
    `problems` stays empty, so the two never need telling apart.

    The common case (a well-formed value) takes a short path in each method: every
    order of a file is read twice (validate, then write), at 100,000s per import.
    """

    __slots__ = ("prefix", "problems", "where")

    def __init__(self, where: str) -> None:
        self.where = where
        self.prefix = ""
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.where, self.prefix + field, message))

    @staticmethod
    def _echo(field: str, raw: object) -> str:
        """ " 'value'" for a problem's message; nothing for personal data."""
        return "" if field in PERSONAL_FIELDS else f" {shown(raw)}"

    def _clean(self, field: str, text: str, pattern: re.Pattern[str]) -> str | None:
        """`text`, or None (and a problem) when it holds a refused character."""
        if text.isprintable():  # the usual case, and much cheaper than the search
            return text
        bad = pattern.search(text)
        if bad is None:
            return text
        char = bad.group()
        self.add(
            field,
            f"contains the control character U+{ord(char):04X} at position {bad.start() + 1};"
            " remove it (NUL and other control characters cannot be stored)"
            if ord(char) < 0xD800
            else f"contains a lone surrogate U+{ord(char):04X} at position {bad.start() + 1},"
            " which is not valid Unicode text",
        )
        return None

    # ------------------------------------------------------------------ scalars

    def _present(self, field: str, raw: object, required: bool) -> str | None:
        """The stripped text of a value, or None when it is absent (None or blank).

        JSON numbers are accepted where text is expected only by the callers that say
        so (money, quantity); everywhere else a non-string is a problem.
        """
        if isinstance(raw, str):
            text = raw.strip()
            if text:
                return text
        elif raw is not None:
            self.add(field, f"must be text, got {describe_type(raw)}{self._echo(field, raw)}")
            return None
        if required:
            self.add(field, "is required")
        return None

    def text(self, field: str, raw: object, required: bool = False) -> str | None:
        """Free text, limited to the schema's length for the column named `field`."""
        limit = MAX_LENGTH[field]
        refused = _CONTROL_IN_TEXT if field in _FREE_TEXT else _CONTROL_IN_IDENTIFIER
        if type(raw) is str:
            stripped = raw.strip()
            if stripped and len(stripped) <= limit and stripped.isprintable():
                return stripped  # printable text has no control characters
        text = self._present(field, raw, required)
        if text is not None and len(text) > limit:
            self.add(field, f"is {len(text)} characters long, at most {limit} allowed")
            return None
        return None if text is None else self._clean(field, text, refused)

    def address(self, field: str, raw: object) -> str | None:
        text = self._present(field, raw, False)
        if text is not None and len(text) > MAX_ADDRESS_LENGTH:
            self.add(field, f"is {len(text)} characters long, at most {MAX_ADDRESS_LENGTH}")
            return None
        return None if text is None else self._clean(field, text, _CONTROL_IN_ADDRESS)

    def status(self, field: str, raw: object) -> OrderStatus | None:
        text = self._present(field, raw, True)
        if text is None:
            return None
        status = _STATUSES.get(text.upper())
        if status is None:
            expected = ", ".join(_STATUSES)
            self.add(field, f"unknown status {shown(text)}; expected one of {expected}")
        return status

    def currency(self, field: str, raw: object) -> str | None:
        text = self._present(field, raw, True)
        if text is None:
            return None
        code = text.upper()
        if not is_currency(code):
            self.add(field, f"unknown currency {shown(text)}; expected an ISO 4217 code like USD")
            return None
        return code

    def money(
        self, field: str, raw: object, currency: str | None, required: bool = True
    ) -> Decimal | None:
        """An exact amount in `currency`.  JSON may give a string or an integer; a
        float has already lost precision, so it is refused rather than rounded.
        Optional amounts (fees, discount, tax) default to zero when absent."""
        if (
            type(raw) is str
            and currency is not None
            and len(raw) <= MAX_AMOUNT_CHARS
            and raw.isascii()
        ):
            try:
                return _amount(raw, currency)
            except MoneyError:
                pass  # blank, malformed or too precise: the careful path says which
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.add(field, "is required")
                return None
            return _ZERO
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            self.add(
                field,
                f'{shown(raw)} is not an amount: write money as a string like "19.99"'
                " or an integer, never a float",
            )
            return None
        if currency is None:
            return None  # the currency's own problem is already reported
        if isinstance(raw, int) and abs(raw) >= MAX_AMOUNT:
            self.add(field, f"is too large; amounts must be below {MAX_AMOUNT:,}")
            return None
        if isinstance(raw, str):
            text = raw.strip()
            if len(text) > MAX_AMOUNT_CHARS or not text.isascii():
                self.add(
                    field,
                    f'{shown(text)} is not an amount: digits 0-9 and a dot, like "19.99"'
                    f" (at most {MAX_AMOUNT_CHARS} characters)",
                )
                return None
        try:
            return _amount(raw, currency)
        except MoneyError as exc:
            message = mask_personal(str(exc))
            if isinstance(raw, str) and "," in raw:  # "19,99", "1,019.99": a spreadsheet's
                message += ': use a dot for decimals and no thousands separators, like "1019.99"'
            self.add(field, message)
            return None

    def quantity(self, field: str, raw: object) -> int | None:
        if type(raw) is int and 0 < raw <= MAX_QUANTITY:
            return raw
        if isinstance(raw, bool) or not isinstance(raw, (str, int, type(None))):
            self.add(field, f"must be a whole number, got {shown(raw)}")
            return None
        if isinstance(raw, int):
            value = raw
        else:
            text = self._present(field, raw, True)
            if text is None:
                return None
            if not _WHOLE_NUMBER.fullmatch(text):
                self.add(field, f"must be a whole number, got {shown(text)}")
                return None
            # Sized on the text: int() of thousands of digits is slow or refused.
            significant = text.lstrip("+-").lstrip("0") or "0"
            value = int(significant) if len(significant) <= 9 else MAX_QUANTITY + 1
            if text.startswith("-"):
                value = -value
        if value <= 0:
            self.add(field, f"must be at least 1, got {shown(value)}")
            return None
        if value > MAX_QUANTITY:
            self.add(field, f"must be at most {MAX_QUANTITY:,}")
            return None
        return value

    def moment(
        self, field: str, raw: object, required: bool = False, date_only_ok: bool = False
    ) -> datetime | None:
        """An ISO 8601 time, returned as aware UTC.

        A time without an offset is taken as UTC: exports rarely say, and guessing the
        importing machine's zone would make the result depend on where it ran.  A bare
        date is refused unless `date_only_ok` (estimated delivery is a day, not a time);
        it then means midnight UTC of that day.
        """
        if type(raw) is str and len(raw) > _MAX_DATE_ONLY_LENGTH:
            try:
                value = datetime.fromisoformat(raw)
                if value.tzinfo is not UTC:  # "...Z" is the common case
                    value = (
                        value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
                    )
            except (ValueError, OverflowError):
                pass  # maybe only padded with spaces: the careful path says
            else:
                if EARLIEST <= value <= LATEST:
                    return value
        text = self._present(field, raw, required)
        if text is None:
            return None
        if len(text) <= _MAX_DATE_ONLY_LENGTH and not date_only_ok and _is_iso_date(text):
            self.add(field, f"{shown(text)} has no time of day; expected e.g. 2026-01-05T14:30:00Z")
            return None
        try:
            written = datetime.fromisoformat(text)
        except ValueError:
            self.add(field, f"{shown(text)} is not an ISO 8601 date-time like 2026-01-05T14:30:00Z")
            return None
        utc: datetime | None
        try:
            utc = written.replace(tzinfo=UTC) if written.tzinfo is None else written.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 with an offset: there is no such UTC time
            utc = None
        if utc is None or not EARLIEST <= utc <= LATEST:
            self.add(
                field,
                f"{shown(text)} is outside {EARLIEST.year}-{LATEST.year}"
                " (after conversion to UTC); check the year",
            )
            return None
        return utc

    def delivery_option(self, field: str, raw: object) -> DeliveryOption | None:
        text = self._present(field, raw, False)
        if text is None:
            return DeliveryOption.STANDARD
        option = _DELIVERY_OPTIONS.get(text.lower())
        if option is None:
            expected = " or ".join(o.value for o in DeliveryOption)
            self.add(field, f"unknown delivery option {shown(text)}; expected {expected}")
        return option

    def tracking_tag(self, field: str, raw: object) -> TrackingTag | None:
        text = self._present(field, raw, True)
        if text is None:
            return None
        tag = _TRACKING_TAGS.get(text.lower())
        if tag is None:
            expected = ", ".join(t.value for t in TrackingTag)
            self.add(field, f"unknown tracking tag {shown(text)}; expected one of {expected}")
        return tag

    def email(self, field: str, raw: object) -> str | None:
        """Lower-cased so that a buyer proving ownership by email matches exactly."""
        text = self._present(field, raw, False)
        if text is None:
            return None
        email = text.lower()
        if len(email) > MAX_LENGTH["buyer_email"] or not _EMAIL.fullmatch(email):
            self.add(field, "is not an email address (the value is not repeated here)")
            return None
        return self._clean(field, email, _CONTROL_IN_IDENTIFIER)

    def phone(self, field: str, raw: object) -> str | None:
        """Digits only, country code kept: "+1 (555) 010-0199" -> "15550100199".

        A leading "00" is the international call prefix, the same as "+".  Letters or
        other symbols are refused instead of dropped: "555-CALL-NOW" is not a number.
        """
        text = self._present(field, raw, False)
        if text is None:
            return None
        digits = _PHONE_SEPARATORS.sub("", text)
        if digits.startswith("+"):
            digits = digits[1:]
        elif digits.startswith("00"):
            digits = digits[2:]
        # The value itself is never repeated in these problems: it is personal data.
        if not (digits.isascii() and digits.isdigit()):
            self.add(field, "is not a phone number (digits, spaces, +, -, () only)")
            return None
        if len(digits) < MIN_PHONE_DIGITS:
            self.add(field, f"has {len(digits)} digits, at least {MIN_PHONE_DIGITS}")
            return None
        if len(digits) > MAX_PHONE_DIGITS:
            self.add(field, f"has {len(digits)} digits, at most {MAX_PHONE_DIGITS}")
            return None
        return digits

    def postcode(self, field: str, raw: object) -> str | None:
        """A delivery postcode, normalised ("sw1a 1aa" -> "SW1A1AA"): 2 to 10 ASCII
        letters and digits once spaces and dashes are dropped."""
        text = self._present(field, raw, False)
        if text is None:
            return None
        code = postal_code(text)
        if not (code.isascii() and 2 <= len(code) <= 10) or len(text) > 16:
            self.add(field, "is not a postcode (2 to 10 letters and digits)")
            return None
        return code

    def flag(self, field: str, raw: object) -> bool:
        """A yes/no value: true/false, yes/no, 1/0 (blank or absent: no)."""
        if raw is None or isinstance(raw, bool):
            return bool(raw)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in ("", "false", "no", "0"):
                return False
            if word in ("true", "yes", "1"):
                return True
        self.add(field, "must be true or false")
        return False

    def masked_phone(self, field: str, raw: object) -> str | None:
        """A phone as the marketplace masked it: kept as given (digits, *, +, spaces)."""
        text = self._present(field, raw, False)
        if text is None:
            return None
        if len(text) > 32 or not all(c.isdigit() or c in "*+-() ." for c in text):
            self.add(field, "is not a masked phone number (digits, *, +, -, () only)")
            return None
        return text

    # ------------------------------------------------------------------ groups
    # Each takes a mapping of raw values by field name: a CSV row as a dict, or the
    # JSON object itself.

    def order_fields(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The order-level fields that CSV and JSON name alike (no money, no items)."""
        get = raw.get
        masked = self.flag("contact_masked", get("contact_masked"))
        return {
            "order_number": self.text("order_number", get("order_number"), True),
            "status": self.status("status", get("status")),
            "placed_at": self.moment("placed_at", get("placed_at"), True),
            "paid_at": self.moment("paid_at", get("paid_at")),
            "delivered_at": self.moment("delivered_at", get("delivered_at")),
            "buyer_name": self.text("buyer_name", get("buyer_name")),
            "buyer_email": self.email("buyer_email", get("buyer_email")),
            # A marketplace's masked phone ("+44 77*****123") is kept as given: shown
            # to staff, never used as proof.
            "buyer_phone": (
                self.masked_phone("buyer_phone", get("buyer_phone"))
                if masked
                else self.phone("buyer_phone", get("buyer_phone"))
            ),
            "shipping_address": self.address("shipping_address", get("shipping_address")),
            "postal_code": self.postcode("postal_code", get("postal_code")),
            "contact_masked": masked,
        }

    def payment_fields(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        get = raw.get
        currency = self.currency("currency", get("currency"))
        return {
            "currency": currency,
            "subtotal": self.money("subtotal", get("subtotal"), currency),
            "shipping_fee": self.money("shipping_fee", get("shipping_fee"), currency, False),
            "discount": self.money("discount", get("discount"), currency, False),
            "tax": self.money("tax", get("tax"), currency, False),
            "total_paid": self.money("total_paid", get("total_paid"), currency),
        }

    def item(self, raw: Mapping[str, Any], currency: str | None) -> ItemRecord:
        get = raw.get
        return ItemRecord(
            # Placeholders stand in for invalid values; the record is discarded anyway.
            sku=self.text("sku", get("sku"), True) or "",
            product_name=self.text("product_name", get("product_name"), True) or "",
            quantity=self.quantity("quantity", get("quantity")) or 0,
            unit_price=self.money("unit_price", get("unit_price"), currency) or _ZERO,
        )

    def shipment(
        self, raw: Mapping[str, Any], events: tuple[TrackingEventRecord, ...] = ()
    ) -> ShipmentRecord:
        get = raw.get
        return ShipmentRecord(
            carrier=self.text("carrier", get("carrier"), True) or "",
            tracking_number=self.text("tracking_number", get("tracking_number"), True) or "",
            delivery_option=(
                self.delivery_option("delivery_option", get("delivery_option"))
                or DeliveryOption.STANDARD
            ),
            estimated_delivery=self.moment(
                "estimated_delivery", get("estimated_delivery"), date_only_ok=True
            ),
            shipped_at=self.moment("shipped_at", get("shipped_at")),
            events=events,
        )

    def tracking_event(self, raw: Mapping[str, Any]) -> TrackingEventRecord:
        get = raw.get
        return TrackingEventRecord(
            at=self.moment("at", get("at"), True) or _NO_TIME,
            tag=self.tracking_tag("tag", get("tag")) or TrackingTag.PENDING,
            message=self.text("message", get("message")) or "",
            location=self.text("location", get("location")),
        )

    # ------------------------------------------------------------------ the record

    def finish(
        self,
        order: dict[str, Any],
        payment: dict[str, Any],
        items: list[ItemRecord],
        shipments: list[ShipmentRecord],
        source: str,
        payment_prefix: str = "",
        *,
        check_totals: bool = True,
    ) -> OrderRecord | None:
        """Check that the money adds up and build the record, or None if anything in
        this record was refused (the problems say what).  Call with `prefix` reset;
        `payment_prefix` is where the payment's fields are ("payment." in JSON)."""
        if self.problems:
            return None  # totals of half-parsed money would only add noise
        if check_totals:
            self._check_totals(payment, items, payment_prefix)
        numbers = {s.tracking_number for s in shipments}
        if len(numbers) != len(shipments):
            self.add("shipments", "the same tracking_number is listed twice")
        if self.problems:
            return None
        return OrderRecord(
            **order, **payment, items=tuple(items), shipments=tuple(shipments), source=source
        )

    def _check_totals(
        self, payment: dict[str, Any], items: list[ItemRecord], payment_prefix: str
    ) -> None:
        """Shops' exports must add up; a mismatch means a broken export (a column
        shifted, a discount with the wrong sign), which we refuse rather than store."""
        subtotal = payment["subtotal"]
        lines = sum([i.quantity * i.unit_price for i in items], _ZERO)
        if lines != subtotal:
            self.add(
                payment_prefix + "subtotal",
                f"is {subtotal} but the items add up to {lines} (sum of quantity x unit_price)",
            )
        expected = subtotal + payment["shipping_fee"] - payment["discount"] + payment["tax"]
        if payment["total_paid"] != expected:
            self.add(
                payment_prefix + "total_paid",
                f"is {payment['total_paid']} but subtotal + shipping_fee - discount + tax"
                f" = {expected}",
            )


def unique_events(events: list[TrackingEventRecord]) -> tuple[TrackingEventRecord, ...]:
    """Drop repeated checkpoints (same time, tag and message): carrier feeds repeat
    them, and the store keeps one of each (its unique key)."""
    if len({(e.at, e.tag, e.message) for e in events}) == len(events):
        return tuple(events)  # the usual case: nothing repeated
    seen: set[tuple[datetime, str, str]] = set()
    kept: list[TrackingEventRecord] = []
    for event in events:
        key = (event.at, event.tag, event.message)
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return tuple(kept)
