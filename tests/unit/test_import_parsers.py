"""The CSV and JSON order parsers: what they accept, how they normalise, what they refuse,
and that they stream (no database here; see test_import_service for the writer)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from storage.importers import json_orders
from storage.importers.csv_orders import (
    COLUMNS,
    parse_csv_orders,
    read_csv_orders,
    write_csv_orders,
)
from storage.importers.json_orders import (
    parse_json_orders,
    parse_jsonl_orders,
    read_json_orders,
    record_to_json,
    write_json_orders,
)
from storage.importers.records import OrderRecord, Problem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

Parsed = list[OrderRecord | Problem]


def records(parsed: Parsed) -> list[OrderRecord]:
    return [p for p in parsed if isinstance(p, OrderRecord)]


def problems(parsed: Parsed) -> list[Problem]:
    return [p for p in parsed if isinstance(p, Problem)]


def csv_of(*rows: dict[str, str], header: list[str] | None = None) -> bytes:
    """A CSV file from rows given as {column: value}; missing columns are empty."""
    columns = header or list(COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return out.getvalue().encode("utf-8")


def csv_row(**changes: str) -> dict[str, str]:
    row = {
        "order_number": "A-1",
        "status": "IN_TRANSIT",
        "placed_at": "2026-01-05T10:00:00Z",
        "currency": "USD",
        "subtotal": "20.00",
        "shipping_fee": "4.99",
        "discount": "1.00",
        "tax": "1.60",
        "total_paid": "25.59",
        "sku": "MUG",
        "product_name": "Mug",
        "quantity": "2",
        "unit_price": "10.00",
    }
    row.update(changes)
    return row


def parse_csv(data: bytes) -> Parsed:
    return list(parse_csv_orders(io.BytesIO(data)))


def json_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_number": "J-1",
        "status": "DELIVERED",
        "placed_at": "2026-01-05T10:00:00+02:00",
        "buyer_email": "  Someone@Example.COM ",
        "payment": {
            "currency": "USD",
            "subtotal": "20.00",
            "shipping_fee": 5,
            "total_paid": "25.00",
        },
        "items": [{"sku": "MUG", "product_name": "Mug", "quantity": 2, "unit_price": "10.00"}],
        "shipments": [
            {
                "carrier": "UPS",
                "tracking_number": "1Z999AA10123456784",
                "delivery_option": "express",
                "estimated_delivery": "2026-01-08",
                "tracking_events": [
                    {"at": "2026-01-06T08:00:00Z", "tag": "intransit", "message": "Departed"},
                ],
            }
        ],
    }
    order.update(changes)
    return order


def parse_json(data: Any) -> Parsed:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(parse_json_orders(io.BytesIO(raw)))


def only_problem(parsed: Parsed) -> Problem:
    found = problems(parsed)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------------ examples


def test_csv_example_parses_into_its_orders() -> None:
    parsed = list(read_csv_orders(EXAMPLES / "orders.csv"))
    assert problems(parsed) == []
    orders = records(parsed)
    assert len(orders) == 9
    assert len({o.order_number for o in orders}) == 9
    assert {o.status for o in orders} >= {
        OrderStatus.UNPAID,
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
    }
    first = orders[0]
    assert first.source == "line 2"
    assert len(first.items) == 2  # two rows, one order
    assert first.buyer_email == "dana.whitfield@example.com"  # lower-cased
    assert first.buyer_phone == "12125550147"  # "+1 (212) 555-0147"
    assert first.shipments[0].carrier == "USPS"
    assert first.shipments[0].estimated_delivery == datetime(2026, 1, 7, tzinfo=UTC)
    assert {o.source for o in orders[1:3]} == {"line 4", "line 5"}


def test_json_example_parses_into_its_orders() -> None:
    parsed = list(read_json_orders(EXAMPLES / "orders.json"))
    assert problems(parsed) == []
    orders = records(parsed)
    assert len(orders) == 8
    first = orders[0]
    assert first.source == "record 1"
    assert first.currency == "EUR"
    # "+01:00" offsets are stored as UTC.
    assert first.placed_at == datetime(2026, 1, 8, 9, 14, tzinfo=UTC)
    assert first.placed_at.utcoffset() == timedelta(0)
    events = first.shipments[0].events
    assert [e.tag for e in events][-1] is TrackingTag.DELIVERED
    carriers = {s.carrier for o in orders for s in o.shipments}
    assert carriers == {"DHL", "UPS", "FedEx", "USPS"}


def test_writers_are_the_parsers_inverse(tmp_path: Path) -> None:
    originals = records(list(read_json_orders(EXAMPLES / "orders.json")))
    path = tmp_path / "again.json"
    with path.open("w", encoding="utf-8") as out:
        write_json_orders(originals, out)
    assert records(list(read_json_orders(path))) == originals

    csv_originals = records(list(read_csv_orders(EXAMPLES / "orders.csv")))
    path = tmp_path / "again.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv_orders(csv_originals, out)
    assert records(list(read_csv_orders(path))) == csv_originals


# ---------------------------------------------------------------- normalisation


def test_json_values_are_normalised() -> None:
    (order,) = records(parse_json([json_order()]))
    assert order.buyer_email == "someone@example.com"
    assert order.shipping_fee == Decimal("5.00")  # integer money is fine
    assert order.discount == Decimal(0) and order.tax == Decimal(0)  # optional: zero
    shipment = order.shipments[0]
    assert shipment.delivery_option is DeliveryOption.EXPRESS  # case-insensitive
    assert shipment.events[0].tag is TrackingTag.IN_TRANSIT  # case-insensitive
    assert shipment.events[0].location is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+1 (555) 010-0199", "15550100199"),
        ("0044 20 7946 0958", "442079460958"),  # 00 = international prefix
        ("+49 30.555.0112", "49305550112"),
        ("555 0100", "5550100"),
    ],
)
def test_phone_numbers_keep_digits_and_country_code(typed: str, stored: str) -> None:
    (order,) = records(parse_json([json_order(buyer_phone=typed)]))
    assert order.buyer_phone == stored


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T10:00:00Z", datetime(2026, 1, 5, 10, tzinfo=UTC)),
        ("2026-01-05T10:00:00", datetime(2026, 1, 5, 10, tzinfo=UTC)),  # naive = UTC
        ("2026-01-05 10:00", datetime(2026, 1, 5, 10, tzinfo=UTC)),
        ("2026-01-05T12:00:00+02:00", datetime(2026, 1, 5, 10, tzinfo=UTC)),
        ("2026-01-05T10:00:00.123456Z", datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_times_are_iso_8601_and_stored_as_utc(text: str, expected: datetime) -> None:
    (order,) = records(parse_csv(csv_of(csv_row(placed_at=text))))
    assert order.placed_at == expected
    assert order.placed_at.tzinfo is UTC


def test_estimated_delivery_may_be_a_date_but_other_times_may_not() -> None:
    (order,) = records(
        parse_csv(
            csv_of(csv_row(carrier="UPS", tracking_number="1Z1", estimated_delivery="2026-01-09"))
        )
    )
    assert order.shipments[0].estimated_delivery == datetime(2026, 1, 9, tzinfo=UTC)
    problem = only_problem(parse_csv(csv_of(csv_row(placed_at="2026-01-05"))))
    assert (problem.where, problem.field) == ("line 2", "placed_at")
    assert "no time of day" in problem.message


def test_csv_allows_bom_crlf_blank_lines_and_quoted_newlines() -> None:
    rows = [
        csv_row(order_number="A-1", shipping_address="1 Main St\nApt 2"),
        csv_row(order_number="A-2"),
    ]
    data = csv_of(*rows).replace(b"\n", b"\r\n")
    data = b"\xef\xbb\xbf" + data.replace(b"\r\n", b"\r\n\r\n", 1)  # BOM, blank line 2
    parsed = parse_csv(data)
    assert problems(parsed) == []
    first, second = records(parsed)
    assert first.shipping_address == "1 Main St\r\nApt 2"
    # Header line 1, blank line 2, order A-1 on lines 3-4 (quoted newline), A-2 on 5.
    assert (first.source, second.source) == ("line 3", "line 5")


def test_csv_may_leave_out_optional_columns() -> None:
    header = [
        "order_number",
        "status",
        "placed_at",
        "currency",
        "subtotal",
        "total_paid",
        "sku",
        "product_name",
        "quantity",
        "unit_price",
    ]
    row = csv_row(shipping_fee="", discount="", tax="", total_paid="20.00")
    (order,) = records(parse_csv(csv_of(row, header=header)))
    assert order.total_paid == Decimal("20.00") and order.shipments == ()


def test_json_accepts_wrapped_list_and_json_lines() -> None:
    wrapped = {"exported_at": "2026-01-09", "shop": {"x": [1, 2]}, "orders": [json_order()]}
    assert len(records(parse_json(wrapped))) == 1
    assert records(parse_json([])) == [] and problems(parse_json([])) == []
    lines = b"\n".join(json.dumps(json_order(order_number=n)).encode() for n in ("J-1", "J-2"))
    parsed = list(parse_jsonl_orders(io.BytesIO(lines + b"\n\n")))
    assert [r.source for r in records(parsed)] == ["line 1", "line 2"]


def test_repeated_tracking_events_are_kept_once() -> None:
    event = {"at": "2026-01-06T08:00:00Z", "tag": "InTransit", "message": "Departed"}
    order = json_order()
    order["shipments"][0]["tracking_events"] = [event, dict(event), {**event, "message": "x"}]
    (parsed,) = records(parse_json([order]))
    assert len(parsed.shipments[0].events) == 2


# ----------------------------------------------------------------------- streaming


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_json_is_read_one_order_at_a_time() -> None:
    orders = [json_order(order_number=f"J-{n}") for n in range(5_000)]
    source = CountingReader(json.dumps(orders).encode())
    assert len(source.getvalue()) > 10 * json_orders._CHUNK_BYTES
    first = next(parse_json_orders(source))
    assert isinstance(first, OrderRecord)
    assert source.bytes_read <= 2 * json_orders._CHUNK_BYTES  # a chunk, not the file


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_json_chunk_boundaries_never_change_the_result(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks cut through numbers, escapes and multi-byte characters alike."""
    order = json_order(buyer_name="Zoë \\u00e9 \u2603 “quoted”", shipping_address="Straße 1")
    order["items"][0].update(quantity=12345, unit_price="0.01")  # long number
    order["payment"].update(subtotal="123.45", total_paid="128.45")
    both = {"orders": [order, json_order(order_number="J-2")]}
    data = json.dumps(both, ensure_ascii=False).encode()  # raw multi-byte UTF-8
    expected = parse_json(data)
    monkeypatch.setattr(json_orders, "_CHUNK_BYTES", chunk)
    assert parse_json(data) == expected
    assert len(records(expected)) == 2


# ------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"status": "SHIPPED"}, "status", "unknown status"),
        ({"unit_price": "12,50"}, "unit_price", "use a dot for decimals and no thousands"),
        ({"unit_price": "10.005"}, "unit_price", "more than 2 decimals"),
        ({"tax": "-1.00"}, "tax", "negative"),
        ({"placed_at": "05/01/2026 10:00"}, "placed_at", "ISO 8601"),
        ({"placed_at": ""}, "placed_at", "required"),
        ({"order_number": ""}, "order_number", "required"),
        ({"quantity": "0"}, "quantity", "at least 1"),
        ({"quantity": "-2"}, "quantity", "at least 1"),
        ({"quantity": "1.5"}, "quantity", "whole number"),
        ({"currency": "XYZ"}, "currency", "unknown currency"),
        ({"buyer_email": "not-an-email"}, "buyer_email", "not an email"),
        ({"buyer_phone": "12-34"}, "buyer_phone", "at least 7"),
        ({"buyer_phone": "555-CALL-NOW"}, "buyer_phone", "not a phone number"),
        ({"total_paid": "25.60"}, "total_paid", "subtotal + shipping_fee - discount + tax"),
        ({"subtotal": "21.00", "total_paid": "26.59"}, "subtotal", "items add up to 20.00"),
        ({"sku": "S" * 65}, "sku", "at most 64"),
        (
            {"carrier": "UPS", "tracking_number": "1Z1", "delivery_option": "Overnight"},
            "delivery_option",
            "Standard or Express",
        ),
        ({"tracking_number": "1Z1"}, "carrier", "required"),
    ],
)
def test_csv_refusals_name_line_and_field(changes: dict[str, str], field: str, words: str) -> None:
    ok = csv_row(order_number="OK-1")
    bad = csv_row(**{"order_number": "BAD-1", **changes})
    parsed = parse_csv(csv_of(ok, bad))
    problem = only_problem(parsed)
    assert (problem.where, problem.field) == ("line 3", field)
    assert words in problem.message
    assert [r.order_number for r in records(parsed)] == ["OK-1"]


def test_every_problem_of_a_row_is_reported() -> None:
    bad = csv_row(status="NOPE", quantity="x", currency="ZZZ", placed_at="soon")
    fields = [p.field for p in problems(parse_csv(csv_of(bad)))]
    assert fields == ["status", "placed_at", "currency", "quantity"]


def test_rows_of_one_order_must_agree() -> None:
    first = csv_row(subtotal="30.00", total_paid="35.59")
    second = csv_row(subtotal="30.00", total_paid="35.59", sku="CUP", unit_price="5.00")
    second["quantity"] = "2"
    second["buyer_name"] = "Someone Else"
    parsed = parse_csv(csv_of(first, second))
    problem = only_problem(parsed)
    assert (problem.where, problem.field) == ("line 3", "buyer_name")
    assert "line 2" in problem.message
    ok = parse_csv(csv_of(first, {**second, "buyer_name": ""}))
    (order,) = records(ok)
    assert [i.sku for i in order.items] == ["MUG", "CUP"]


@pytest.mark.parametrize(
    ("data", "where", "field", "words"),
    [
        (b"", "line 1", "header", "empty"),
        (b"order_number,status\n", "line 1", "sku", "required column is missing"),
        (csv_of(csv_row(), header=[*COLUMNS, "note"]), "line 1", "note", "unknown column"),
        (csv_of(csv_row()) + b"A-2,IN_TRANSIT\n", "line 3", "columns", "has 2 columns"),
        (csv_of(csv_row()) + b'A-2,"IN_TRANSIT\n', "line 3", "file", "never closed"),
        (
            csv_of(csv_row(buyer_name="Jos\xe9")).replace(b"Jos\xc3\xa9", b"Jos\xe9"),
            "line 2",
            "file",
            "not UTF-8",
        ),
    ],
)
def test_malformed_csv_is_refused(data: bytes, where: str, field: str, words: str) -> None:
    found = problems(parse_csv(data))
    assert any((p.where, p.field) == (where, field) and words in p.message for p in found), found


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"payment": {**json_order()["payment"], "total_paid": 25.0}},
            "payment.total_paid",
            "float",
        ),
        (
            {"items": [{"sku": "A", "product_name": "A", "quantity": 2.0, "unit_price": "10.00"}]},
            "items[0].quantity",
            "whole number",
        ),
        (
            {"items": [{"sku": "A", "product_name": "A", "quantity": True, "unit_price": "10.00"}]},
            "items[0].quantity",
            "whole number",
        ),
        ({"items": []}, "items", "non-empty list of objects, got an empty list"),
        ({"payment": None}, "payment", "must be an object"),
        ({"buyer_name": 42}, "buyer_name", "must be text"),
        ({"buyer_emial": "x@example.com"}, "buyer_emial", "unknown field"),
        ({"status": "shipped"}, "status", "unknown status"),
    ],
)
def test_json_refusals_name_record_and_field(
    change: dict[str, Any], field: str, words: str
) -> None:
    parsed = parse_json([json_order(order_number="J-OK"), json_order(**change)])
    problem = only_problem(parsed)
    assert (problem.where, problem.field) == ("record 2", field)
    assert words in problem.message


def test_json_tracking_problems_name_the_event() -> None:
    order = json_order()
    order["shipments"][0]["tracking_events"][0]["tag"] = "Shipped"
    problem = only_problem(parse_json([order]))
    assert problem.field == "shipments[0].tracking_events[0].tag"
    assert "unknown tracking tag" in problem.message


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (b"", "record 1", "expected a list of orders"),
        (b'"orders"', "record 1", "expected a list of orders"),
        (b'{"shop": "x"}', "record 1", 'no "orders" list'),
        (b"[1, 2]", "record 1", "expected an order object"),
        (json.dumps([json_order()]).encode()[:-1], "record 2", "ends inside the list"),
        (json.dumps([json_order()]).encode() + b"[]", "record 2", "unexpected data"),
        (b'[{"order_number": "J-1",}]', "record 1", "invalid JSON at line 1"),
        (b'[{"order_number": "Jos\xe9"}]', "record 1", "not UTF-8"),
    ],
)
def test_malformed_json_is_refused(data: bytes, where: str, words: str) -> None:
    found = problems(parse_json(data))
    assert any(p.where == where and words in p.message for p in found), found


def test_json_lines_go_on_after_a_broken_line() -> None:
    data = b'{"order_number": \n' + json.dumps(json_order()).encode() + b"\n"
    parsed = list(parse_jsonl_orders(io.BytesIO(data)))
    assert [p.where for p in problems(parsed)] == ["line 1"]
    assert [r.source for r in records(parsed)] == ["line 2"]


def test_record_to_json_never_writes_floats() -> None:
    (order,) = records(parse_json([json_order()]))
    text = json.dumps(record_to_json(order))
    assert '"subtotal": "20.00"' in text and "20.0," not in text


def test_non_utc_offsets_survive_a_round_trip() -> None:
    tz = timezone(timedelta(hours=-5))
    (order,) = records(
        parse_json([json_order(placed_at=datetime(2026, 1, 5, 5, tzinfo=tz).isoformat())])
    )
    assert order.placed_at == datetime(2026, 1, 5, 10, tzinfo=UTC)


# ------------------------------------------------------------ a spreadsheet's own style


@pytest.mark.parametrize(("mark", "words"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_a_header_separated_otherwise_is_one_problem_that_says_so(mark: str, words: str) -> None:
    """A spreadsheet set to a language with a decimal comma saves "CSV" with
    semicolons: one problem that says so, not every column unknown and missing."""
    data = csv_of(csv_row()).decode().replace(",", mark).encode()
    problem = only_problem(parse_csv(data))
    assert (problem.where, problem.field) == ("line 1", "header")
    assert f"separated by {words}, not by commas" in problem.message


def test_header_names_written_as_a_spreadsheet_writes_them_are_read() -> None:
    header = [name.replace("_", " ").title() for name in COLUMNS]  # "Order Number"
    header[COLUMNS.index("placed_at")] = " placed-at "
    data = csv_of(csv_row()).split(b"\n", 1)[1]
    (order,) = records(parse_csv(",".join(header).encode() + b"\n" + data))
    assert order.order_number == "A-1" and order.total_paid == Decimal("25.59")


def test_unknown_columns_suggest_the_close_one_and_list_the_known_once() -> None:
    data = csv_of(csv_row(), header=[*COLUMNS[:-1], "unit_prise", "colour", "size"])
    found = problems(parse_csv(data))
    messages = {p.field: p.message for p in found}
    assert messages["unit_prise"] == "unknown column; did you mean unit_price?"
    assert messages["colour"].startswith("unknown column; known: order_number, status,")
    assert messages["size"] == "unknown column (the known ones are listed above)"
    assert messages["unit_price"] == "required column is missing from the header"


def test_payment_fields_written_in_the_order_say_where_they_go() -> None:
    order = json_order()
    payment = order.pop("payment")
    flat = {**order, "currency": payment["currency"], "carrier": "UPS"}
    found = problems(parse_json([flat]))
    messages = {p.field: p.message for p in found}
    assert messages["currency"] == 'belongs inside "payment", not in the order itself'
    assert messages["carrier"] == 'belongs inside each of "shipments", not in the order itself'
    assert "payment" in messages  # and the payment is still missing


@pytest.mark.parametrize("typed", ["1/5/2026 2:30 PM", "05.01.2026 14:30", "12/31/2026"])
def test_a_spreadsheets_date_is_quoted_as_written_not_masked_as_a_phone(typed: str) -> None:
    problem = only_problem(parse_csv(csv_of(csv_row(placed_at=typed))))
    assert problem.field == "placed_at"
    assert problem.message.startswith(f"'{typed}' is not an ISO 8601 date-time")


@pytest.mark.parametrize("phone", ["01.23.45.67.89", "+1 (212) 555-0147", "030/1234567"])
def test_a_phone_in_a_date_column_is_still_masked(phone: str) -> None:
    problem = only_problem(parse_csv(csv_of(csv_row(placed_at=phone))))
    assert problem.field == "placed_at" and "<phone>" in problem.message
    assert phone not in problem.message
