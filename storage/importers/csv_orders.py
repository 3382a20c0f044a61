"""CSV orders: one row per line item, the order's fields repeated on each of its rows.

The rows of one order are adjacent; a new order number starts a new order.  The file
is read one physical line at a time, so memory depends on the largest order, never on
the size of the file.  Problems name the physical line ("line 1" is the header), which
is what a spreadsheet or `sed -n 12p` shows.  The format is described for shops in
README.md, "Importing orders".
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from collections.abc import Generator, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from storage.importers.common import (
    MAX_ITEMS,
    PERSONAL_FIELDS,
    FieldReader,
    bounded_lines,
    field_name,
    shown,
    too_long,
)
from storage.importers.records import ItemRecord, OrderRecord, Problem, ShipmentRecord

SHIPMENT_COLUMNS: tuple[str, ...] = (
    "carrier",
    "tracking_number",
    "delivery_option",
    "estimated_delivery",
    "shipped_at",
)
# Order-level columns: every row of an order must repeat the same values.
ORDER_COLUMNS: tuple[str, ...] = (
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
    "currency",
    "subtotal",
    "shipping_fee",
    "discount",
    "tax",
    "total_paid",
    *SHIPMENT_COLUMNS,
)
ITEM_COLUMNS: tuple[str, ...] = ("sku", "product_name", "quantity", "unit_price")
COLUMNS: tuple[str, ...] = ORDER_COLUMNS + ITEM_COLUMNS
REQUIRED_COLUMNS: frozenset[str] = frozenset(
    {"order_number", "status", "placed_at", "currency", "subtotal", "total_paid", *ITEM_COLUMNS}
)


# No row of an order export comes near this (every text field at its limit, in
# 4-byte characters, is about 20 KiB); a longer physical line is refused unread.
MAX_LINE_BYTES = 64 * 1024


class _Lines:
    """The file's physical lines as text.  Bytes that are not UTF-8 become a problem
    for their line, and U+FFFD in the text, so parsing goes on and the report also
    lists the file's other problems.  A line longer than MAX_LINE_BYTES is a problem
    too; the CSV reader sees an empty line in its place, and `broken` is set."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self.line_no = 0
        self.problems: list[Problem] = []
        self.broken = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.line_no += 1
        if len(raw) > MAX_LINE_BYTES and too_long(raw, MAX_LINE_BYTES):
            self.problems.append(
                Problem(
                    f"line {self.line_no}",
                    "file",
                    f"the line is longer than {MAX_LINE_BYTES:,} bytes; no order row is that"
                    " long (is this a CSV order export?)",
                )
            )
            self.broken = True
            return "\n"
        if self.line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]  # Excel writes "UTF-8 with BOM"
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(
                Problem(
                    f"line {self.line_no}",
                    "file",
                    f"byte 0x{raw[exc.start]:02x} at position {exc.start + 1} is not UTF-8;"
                    " save the file as UTF-8",
                )
            )
            return raw.decode("utf-8", errors="replace")

    def drain(self) -> list[Problem]:
        found, self.problems = self.problems, []
        return found


def read_csv_orders(path: Path) -> Generator[OrderRecord | Problem, None, None]:
    """Stream a CSV file as validated records and problems, in file order."""
    with path.open("rb") as fh:
        yield from parse_csv_orders(bounded_lines(fh, MAX_LINE_BYTES))


def parse_csv_orders(lines: Iterable[bytes]) -> Iterator[OrderRecord | Problem]:
    text = _Lines(lines)
    # strict: a quote that is never closed, or text after a closing quote, is an error
    # instead of being silently glued into a field.
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield Problem("line 1", "header", "the file is empty; expected a header row")
        return
    except csv.Error as exc:
        yield from text.drain()
        yield Problem("line 1", "header", f"malformed CSV: {exc}")
        return
    yield from text.drain()
    separator = _other_separator(header)
    if separator is not None:
        yield Problem(
            "line 1",
            "header",
            f"the columns are separated by {separator}, not by commas; save the file as"
            " comma-separated CSV (in a spreadsheet: CSV UTF-8, comma delimited)",
        )
        return
    names = [column_name(name) for name in header]
    header_problems = _check_header(names)
    if header_problems:
        yield from header_problems
        return
    orders = _OrderAssembler(names)
    number_at = names.index("order_number")
    group: list[tuple[int, list[str]]] = []
    # A row lost to a structural error belongs to the open order or the next one; their
    # totals cannot add up, and saying so would only bury the real problem.
    group_broken = next_broken = False
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from text.drain()
            yield Problem(f"line {start}", "file", _csv_error(exc))
            group_broken = next_broken = True
            continue
        if text.problems:
            yield from text.drain()
        if text.broken:  # a line too long to read was part of this row
            text.broken = False
            group_broken = next_broken = True
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) != len(names):
            yield Problem(
                f"line {start}", "columns", f"has {len(row)} columns, the header has {len(names)}"
            )
            group_broken = next_broken = True
            continue
        number = row[number_at].strip()
        # A row without an order number is its own (invalid) order: grouping blank
        # numbers together would blame the wrong rows.
        if group and number and number == group[0][1][number_at].strip():
            if len(group) <= MAX_ITEMS:  # rows held are bounded; later ones are dropped
                group.append((start, row))
                if len(group) > MAX_ITEMS:
                    yield Problem(
                        f"line {start}",
                        "order_number",
                        f"order {number!r} has more than {MAX_ITEMS:,} rows (item lines);"
                        f" at most {MAX_ITEMS:,} per order",
                    )
                    group_broken = True
            continue
        if group:
            yield from orders.assemble(group, check_totals=not group_broken)
        group = [(start, row)]
        group_broken, next_broken = next_broken, False
    if group:
        yield from orders.assemble(group, check_totals=not group_broken)


def _csv_error(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):
        return "malformed CSV: a quoted field that starts on this line is never closed"
    if "field larger than field limit" in str(exc):
        return (
            f"a value is longer than {csv.field_size_limit():,} characters"
            " (perhaps a quote that is never closed)"
        )
    return f"malformed CSV: {exc}"


_SEPARATORS = {";": "semicolons (;)", "\t": "tabs", "|": "bars (|)"}


def _other_separator(header: list[str]) -> str | None:
    """How the columns are separated, in words, when a header read as one column holds
    several names joined by another separator (a spreadsheet set to a language whose
    decimal mark is a comma saves "CSV" with semicolons)."""
    if len(header) != 1:
        return None
    for mark, words in _SEPARATORS.items():
        parts = [column_name(part) for part in header[0].split(mark)]
        if len(parts) > 1 and sum(part in COLUMNS for part in parts) >= 2:
            return words
    return None


def column_name(name: str) -> str:
    """A header cell as the column it names: case, spaces at the ends and spaces or
    dashes between words do not matter ("Order Number", "order-number" are
    `order_number`), as a spreadsheet's own headers are written."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _check_header(names: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    known = set(COLUMNS)
    seen: set[str] = set()
    listed = False  # the known columns are listed once, at the first unknown one
    for name in names:
        if name in seen:
            problems.append(Problem("line 1", field_name(name) or "header", "column appears twice"))
        seen.add(name)
        if name not in known:
            # Refused rather than ignored: a misspelt optional column ("buyer_emial")
            # would otherwise drop its data without a word.
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.75)
            if close and close[0] not in names:
                message = f"unknown column; did you mean {close[0]}?"
            elif not listed:
                message = f"unknown column; known: {', '.join(COLUMNS)}"
                listed = True
            else:
                message = "unknown column (the known ones are listed above)"
            problems.append(Problem("line 1", field_name(name) or "header", message))
    for name in COLUMNS:
        if name in REQUIRED_COLUMNS and name not in seen:
            problems.append(Problem("line 1", name, "required column is missing from the header"))
    return problems


class _OrderAssembler:
    """Turns the rows of one order into a record (or its problems)."""

    def __init__(self, names: list[str]) -> None:
        self._names = names
        self._order_at = [i for i, name in enumerate(names) if name in ORDER_COLUMNS]
        self._shipment_at = [i for i, name in enumerate(names) if name in SHIPMENT_COLUMNS]

    def assemble(
        self, group: list[tuple[int, list[str]]], *, check_totals: bool = True
    ) -> Iterator[OrderRecord | Problem]:
        first_line, first = group[0]
        where = f"line {first_line}"
        r = FieldReader(where)
        values = dict(zip(self._names, first, strict=True))
        order = r.order_fields(values)
        payment = r.payment_fields(values)
        shipments: list[ShipmentRecord] = []
        if any(first[i].strip() for i in self._shipment_at):
            shipments.append(r.shipment(values))
        self._check_rows_agree(r, group)
        items: list[ItemRecord] = []
        for line, row in group:
            r.where = f"line {line}"
            items.append(r.item(dict(zip(self._names, row, strict=True)), payment["currency"]))
        r.where = where
        record = r.finish(order, payment, items, shipments, where, check_totals=check_totals)
        yield from r.problems
        if record is not None:
            yield record

    def _check_rows_agree(self, r: FieldReader, group: list[tuple[int, list[str]]]) -> None:
        first_line, first = group[0]
        expected = [first[i] for i in self._order_at]
        for line, row in group[1:]:
            if [row[i] for i in self._order_at] == expected:
                continue
            r.where = f"line {line}"
            for i in self._order_at:
                if row[i].strip() != first[i].strip():
                    name = self._names[i]
                    if name in PERSONAL_FIELDS:  # personal data: say where, not what
                        differs = f"differs from the value on line {first_line}"
                    else:
                        differs = (
                            f"is {shown(row[i].strip())} here but {shown(first[i].strip())}"
                            f" on line {first_line}"
                        )
                    r.add(name, f"{differs}; every row of an order must repeat its order fields")
        r.where = f"line {first_line}"


# ------------------------------------------------------------------------ writing


def _text(value: str | Decimal | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def record_to_rows(record: OrderRecord) -> list[list[str]]:
    """The CSV rows (in `COLUMNS` order) of a record: the inverse of the parser, used
    by tests, the benchmark and exports.  CSV has no tracking events, so they are left
    out; it has room for one shipment only."""
    if len(record.shipments) > 1:
        raise ValueError(f"order {record.order_number}: CSV holds at most one shipment")
    shipment = record.shipments[0] if record.shipments else None
    order_cells = [
        record.order_number,
        record.status.value,
        _text(record.placed_at),
        _text(record.paid_at),
        _text(record.delivered_at),
        _text(record.buyer_name),
        _text(record.buyer_email),
        _text(record.buyer_phone),
        _text(record.shipping_address),
        _text(record.postal_code),
        "true" if record.contact_masked else "",
        record.currency,
        _text(record.subtotal),
        _text(record.shipping_fee),
        _text(record.discount),
        _text(record.tax),
        _text(record.total_paid),
        *(
            [
                shipment.carrier,
                shipment.tracking_number,
                shipment.delivery_option.value,
                _text(shipment.estimated_delivery),
                _text(shipment.shipped_at),
            ]
            if shipment
            else [""] * len(SHIPMENT_COLUMNS)
        ),
    ]
    return [
        [*order_cells, item.sku, item.product_name, str(item.quantity), _text(item.unit_price)]
        for item in record.items
    ]


def write_csv_orders(records: Iterable[OrderRecord], out: IO[str]) -> None:
    """Write records as an importable CSV file (`out` opened with newline="")."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerows(record_to_rows(record))
