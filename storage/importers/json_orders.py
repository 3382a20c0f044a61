"""JSON orders: a top-level list of order objects (or {"orders": [...]}), or JSON Lines.

Large files are streamed: the top-level array is decoded one order at a time with
`json.JSONDecoder.raw_decode` over a buffer refilled from the file, so memory depends
on the largest order, not on the number of orders.  (No streaming JSON library is
needed for a list of small objects.)  Problems say "record N", the order's 1-based
position in the list; for JSON Lines they say "line N".  Inside a record, fields are
named by path with 0-based indexes, e.g. "items[0].quantity".
"""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Generator, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from storage.importers.common import (
    MAX_ITEMS,
    FieldReader,
    bounded_lines,
    describe_type,
    field_name,
    shown,
    too_long,
    unique_events,
)
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    Problem,
    ShipmentRecord,
    TrackingEventRecord,
)

ORDER_KEYS = frozenset(
    {
        "order_number",
        "status",
        "placed_at",
        "paid_at",
        "delivered_at",
        "buyer_name",
        "buyer_email",
        "buyer_phone",
        "shipping_address",
        "postal_code",
        "contact_masked",
        "payment",
        "items",
        "shipments",
    }
)
PAYMENT_KEYS = frozenset({"currency", "subtotal", "shipping_fee", "discount", "tax", "total_paid"})
ITEM_KEYS = frozenset({"sku", "product_name", "quantity", "unit_price"})
SHIPMENT_KEYS = frozenset(
    {
        "carrier",
        "tracking_number",
        "delivery_option",
        "estimated_delivery",
        "shipped_at",
        "tracking_events",
    }
)
EVENT_KEYS = frozenset({"at", "tag", "message", "location"})

# One order bigger than this is refused instead of being buffered without end: it is
# either a broken file (an unclosed string swallowing the rest) or not an order export.
MAX_RECORD_CHARS = 8 * 1024 * 1024
_CHUNK_BYTES = 1 << 16
_WHITESPACE = " \t\n\r"


class _Repeated(dict[str, Any]):
    """A decoded object in which a key appeared more than once (`repeated` lists them).

    The standard decoder silently keeps the last value; an export with a key twice is
    broken, and which value it meant is a guess, so the order is refused instead."""

    repeated: list[str]


def _pairs_to_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj  # the usual case: every key once
    repeated = _Repeated(obj)
    seen: set[str] = set()
    repeated.repeated = []
    for key, _ in pairs:
        if key in seen and key not in repeated.repeated:
            repeated.repeated.append(key)
        seen.add(key)
    return repeated


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_to_object)
# Python refuses to convert integers longer than this (CVE-2020-10735); the decoder
# raises a bare ValueError for them.
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


def _undecodable(exc: Exception) -> str:
    """Words for what the decoder raised besides JSONDecodeError."""
    if isinstance(exc, RecursionError):
        return "is nested too deeply (lists or objects inside each other hundreds of levels)"
    return f"has a number with more than {_MAX_INT_DIGITS:,} digits"


def decode_document(data: bytes) -> Any:
    """One whole JSON document (an HTTP body), decoded as the import decodes a record:
    a key given twice is kept for `order_from_json` to refuse.  Raises ValueError,
    with words a sender can act on, for anything that is not UTF-8 JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"byte {exc.start} of the body is not UTF-8") from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except (RecursionError, ValueError) as exc:
        raise ValueError(f"the body {_undecodable(exc)}") from None


# --------------------------------------------------------------------- one record


def order_from_json(obj: object, where: str) -> tuple[OrderRecord | None, list[Problem]]:
    """Validate one decoded order object."""
    r = FieldReader(where)
    if not isinstance(obj, dict):
        r.add("record", f"expected an order object, got {describe_type(obj)}")
        return None, r.problems
    _unknown_keys(r, obj, ORDER_KEYS)
    order = r.order_fields(obj)

    payment: dict[str, Any] = {}
    raw_payment = obj.get("payment")
    if isinstance(raw_payment, dict):
        r.prefix = "payment."
        _unknown_keys(r, raw_payment, PAYMENT_KEYS)
        payment = r.payment_fields(raw_payment)
        r.prefix = ""
    else:
        r.add(
            "payment",
            f"must be an object with currency, subtotal, ... (got {describe_type(raw_payment)})",
        )
    currency = payment.get("currency")

    raw_items = obj.get("items")
    if isinstance(raw_items, list) and len(raw_items) > MAX_ITEMS:
        r.add("items", f"has {len(raw_items):,} item lines, at most {MAX_ITEMS:,} per order")
        raw_items = []
    items: list[ItemRecord] = []
    for i, raw_item in enumerate(_objects(r, raw_items, "items", required=True)):
        r.prefix = f"items[{i}]."
        _unknown_keys(r, raw_item, ITEM_KEYS)
        items.append(r.item(raw_item, currency))
        r.prefix = ""

    shipments: list[ShipmentRecord] = []
    for i, raw_shipment in enumerate(_objects(r, obj.get("shipments"), "shipments")):
        prefix = f"shipments[{i}]."
        r.prefix = prefix
        _unknown_keys(r, raw_shipment, SHIPMENT_KEYS)
        events: list[TrackingEventRecord] = []
        for j, raw_event in enumerate(
            _objects(r, raw_shipment.get("tracking_events"), "tracking_events")
        ):
            r.prefix = f"{prefix}tracking_events[{j}]."
            _unknown_keys(r, raw_event, EVENT_KEYS)
            events.append(r.tracking_event(raw_event))
        r.prefix = prefix
        shipments.append(r.shipment(raw_shipment, unique_events(events)))
        r.prefix = ""

    record = r.finish(order, payment, items, shipments, where, payment_prefix="payment.")
    return record, r.problems


def _objects(
    r: FieldReader, value: object, field: str, *, required: bool = False
) -> list[dict[str, Any]]:
    """A list of objects; problems for anything else."""
    if type(value) is list and value and all(type(e) is dict for e in value):
        return value  # the usual case
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        wanted = "a non-empty list" if required else "a list"
        got = "an empty list" if value == [] else describe_type(value)
        r.add(field, f"must be {wanted} of objects, got {got}")
        return []
    good: list[dict[str, Any]] = []
    for i, element in enumerate(value):
        if isinstance(element, dict):
            good.append(element)
        else:
            r.add(f"{field}[{i}]", f"must be an object, got {describe_type(element)}")
    return good


def _unknown_keys(r: FieldReader, obj: dict[str, Any], known: frozenset[str]) -> None:
    # Refused rather than ignored: a misspelt key ("buyer_emial") would otherwise drop
    # its data without a word.  Every object of an order passes here, so this is also
    # where a key given twice is caught.
    if type(obj) is _Repeated:
        for key in obj.repeated:
            r.add(
                field_name(key),
                "appears more than once in the same object; give each key once",
            )
    if obj.keys() <= known:
        return
    for key in sorted(obj.keys() - known):
        home = _HOMES.get(key) if known is ORDER_KEYS else None
        if home is not None:
            r.add(field_name(key), f"belongs inside {home}, not in the order itself")
        else:
            r.add(field_name(key), f"unknown field; expected one of {', '.join(sorted(known))}")


# Keys of an order's parts written at the order's own level (a flat export): where
# each one goes, rather than a list of the order's keys that does not have it.
_HOMES: dict[str, str] = {
    **{key: '"payment"' for key in PAYMENT_KEYS},
    **{key: 'each of "items"' for key in ITEM_KEYS},
    **{key: 'each of "shipments"' for key in SHIPMENT_KEYS},
}


# ------------------------------------------------------------------------ a file


class _Malformed(Exception):
    """The file stops being JSON; nothing after this point can be trusted."""


class _Stream:
    """Decoded text of a binary file, read in chunks, with a cursor.

    Consumed text is dropped on every refill, so the buffer holds about one chunk plus
    the record being decoded.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._bytes_read = 0
        self._lines_dropped = 0
        self.buf = ""
        self.pos = 0
        self.eof = False

    def fill(self, at_least: int = 0) -> bool:
        """Append the next chunk; False at the end of the file."""
        if self.eof:
            return False
        if self.pos:
            self._lines_dropped += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        data = self._fh.read(max(_CHUNK_BYTES, at_least))
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise _Malformed(
                f"byte {self._bytes_read + exc.start} of the file is not UTF-8;"
                " save the file as UTF-8"
            ) from None
        self._bytes_read += len(data)
        self.eof = not data
        self.buf += text
        return not self.eof

    def line_at(self, pos: int) -> int:
        return self._lines_dropped + self.buf.count("\n", 0, pos) + 1

    def peek(self) -> str | None:
        """The next character that is not whitespace (not consumed); None at the end."""
        while True:
            buf, pos, end = self.buf, self.pos, len(self.buf)
            while pos < end and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < end:
                return buf[pos]
            if not self.fill():
                return None

    def value(self) -> Any:
        """Decode the JSON value at the cursor (after `peek`), refilling as needed."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except (RecursionError, ValueError) as exc:
                if isinstance(exc, json.JSONDecodeError):
                    self._retry_or_fail(exc)
                    continue
                raise _Malformed(
                    f"the value starting at line {self.line_at(self.pos)} {_undecodable(exc)}"
                ) from None
            if end - self.pos > MAX_RECORD_CHARS:
                raise _Malformed(self._too_large())
            if end == len(self.buf) and not self.eof:
                # A number at the end of the chunk may go on ("12" of "125"): read on
                # and decode again (the refill keeps the text from the cursor on).
                self.fill()
                continue
            self.pos = end
            return value

    def _too_large(self) -> str:
        return (
            f"a value starting at line {self.line_at(self.pos)} is larger than"
            f" {MAX_RECORD_CHARS // (1024 * 1024)} MiB or is not valid JSON"
        )

    def _retry_or_fail(self, exc: json.JSONDecodeError) -> None:
        """After a decode error: read more when the value may only be cut at the end of
        the buffer, else give up on the file."""
        if self.eof or self._surely_broken(exc):
            line = self.line_at(exc.pos)
            raise _Malformed(f"invalid JSON at line {line}: {exc.msg}") from None
        if len(self.buf) - self.pos > MAX_RECORD_CHARS:
            raise _Malformed(self._too_large()) from None
        # Grow geometrically, so a large record is not re-decoded per chunk.
        self.fill(at_least=len(self.buf) - self.pos)

    def _surely_broken(self, exc: json.JSONDecodeError) -> bool:
        """An error well before the end of the buffer is not a record cut at the chunk
        boundary: fail now instead of reading the rest of a broken file into memory.
        (An unterminated string reports where the string began, so it must read on.)"""
        return exc.pos < len(self.buf) - 16 and not exc.msg.startswith("Unterminated string")


def read_json_orders(path: Path) -> Generator[OrderRecord | Problem, None, None]:
    """Stream a JSON file (a list of orders, or {"orders": [...]})."""
    with path.open("rb") as fh:
        yield from parse_json_orders(fh)


def parse_json_orders(fh: IO[bytes]) -> Iterator[OrderRecord | Problem]:
    stream = _Stream(fh)
    count = 0
    try:
        for count, obj in enumerate(_top_level(stream), start=1):
            record, problems = order_from_json(obj, f"record {count}")
            yield from problems
            if record is not None:
                yield record
    except _Malformed as exc:
        yield Problem(f"record {count + 1}", "file", str(exc))


def _top_level(stream: _Stream) -> Iterator[Any]:
    first = stream.peek()
    if first == "[":
        yield from _array(stream)
    elif first == "{":
        yield from _wrapped(stream)
    else:
        found = "nothing" if first is None else repr(first)
        raise _Malformed(f'expected a list of orders or {{"orders": [...]}}, found {found}')
    if stream.peek() is not None:
        raise _Malformed(f"unexpected data after the orders at line {stream.line_at(stream.pos)}")


def _array(stream: _Stream) -> Iterator[Any]:
    stream.pos += 1  # "["
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        if stream.peek() is None:
            raise _Malformed("the file ends inside the list of orders")
        yield stream.value()
        after = stream.peek()
        stream.pos += 1
        if after is None:
            raise _Malformed("the file ends inside the list of orders")
        if after == "]":
            return
        if after != ",":
            raise _Malformed(
                f"expected ',' or ']' after an order at line {stream.line_at(stream.pos - 1)}"
            )


def _wrapped(stream: _Stream) -> Iterator[Any]:
    """{"orders": [...]}, possibly with other keys (export metadata), which are skipped."""
    stream.pos += 1  # "{"
    found = False
    keys: set[str] = set()
    if stream.peek() == "}":
        stream.pos += 1
    else:
        while True:
            if stream.peek() != '"':
                raise _Malformed(f"expected a key at line {stream.line_at(stream.pos)}")
            key = stream.value()
            line = stream.line_at(stream.pos)
            if stream.peek() != ":":
                raise _Malformed(f"expected ':' after {shown(key)} at line {line}")
            if key in keys:
                raise _Malformed(f"the key {shown(key)} appears twice in the top-level object")
            keys.add(key)
            stream.pos += 1
            if key == "orders" and stream.peek() == "[":
                found = True
                yield from _array(stream)
            elif key == "orders":
                raise _Malformed('"orders" must be a list')
            else:
                stream.peek()
                stream.value()
            after = stream.peek()
            stream.pos += 1
            if after == "}":
                break
            if after != ",":
                raise _Malformed(f"expected ',' or '}}' at line {stream.line_at(stream.pos - 1)}")
    if not found:
        raise _Malformed('the object has no "orders" list')


def read_jsonl_orders(path: Path) -> Generator[OrderRecord | Problem, None, None]:
    """Stream a JSON Lines file: one order object per line, blank lines ignored."""
    with path.open("rb") as fh:
        yield from parse_jsonl_orders(bounded_lines(fh, MAX_RECORD_CHARS))


def parse_jsonl_orders(lines: Iterable[bytes]) -> Iterator[OrderRecord | Problem]:
    for line_no, raw in enumerate(lines, start=1):
        where = f"line {line_no}"
        if len(raw) > MAX_RECORD_CHARS and too_long(raw, MAX_RECORD_CHARS):
            limit = MAX_RECORD_CHARS // (1024 * 1024)
            yield Problem(where, "file", f"the line is longer than {limit} MiB")
            continue
        if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Problem(where, "file", f"byte {exc.start + 1} of the line is not UTF-8")
            continue
        if not text.strip():
            continue
        try:
            obj = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            # Unlike a JSON array, the next line is a fresh start: keep checking.
            yield Problem(where, "file", f"invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        except (RecursionError, ValueError) as exc:
            yield Problem(where, "file", f"the line {_undecodable(exc)}")
            continue
        record, problems = order_from_json(obj, where)
        yield from problems
        if record is not None:
            yield record


# ------------------------------------------------------------------------ writing


def _text(value: Decimal | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat()


def record_to_json(record: OrderRecord) -> dict[str, Any]:
    """The JSON object of a record: the inverse of the parser, used by tests, the
    benchmark and exports.  Money is written as strings, never floats."""
    return {
        "order_number": record.order_number,
        "status": record.status.value,
        "placed_at": _text(record.placed_at),
        "paid_at": _text(record.paid_at),
        "delivered_at": _text(record.delivered_at),
        "buyer_name": record.buyer_name,
        "buyer_email": record.buyer_email,
        "buyer_phone": record.buyer_phone,
        "shipping_address": record.shipping_address,
        "postal_code": record.postal_code,
        "contact_masked": record.contact_masked,
        "payment": {
            "currency": record.currency,
            "subtotal": _text(record.subtotal),
            "shipping_fee": _text(record.shipping_fee),
            "discount": _text(record.discount),
            "tax": _text(record.tax),
            "total_paid": _text(record.total_paid),
        },
        "items": [
            {
                "sku": item.sku,
                "product_name": item.product_name,
                "quantity": item.quantity,
                "unit_price": _text(item.unit_price),
            }
            for item in record.items
        ],
        "shipments": [
            {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "delivery_option": shipment.delivery_option.value,
                "estimated_delivery": _text(shipment.estimated_delivery),
                "shipped_at": _text(shipment.shipped_at),
                "tracking_events": [
                    {
                        "at": _text(event.at),
                        "tag": event.tag.value,
                        "message": event.message,
                        "location": event.location,
                    }
                    for event in shipment.events
                ],
            }
            for shipment in record.shipments
        ],
    }


def write_json_orders(records: Iterable[OrderRecord], out: IO[str]) -> None:
    """Write records as an importable JSON list, one order per line, streaming."""
    out.write("[")
    separator = "\n"
    for record in records:
        out.write(separator)
        out.write(json.dumps(record_to_json(record), ensure_ascii=False))
        separator = ",\n"
    out.write("\n]\n")
