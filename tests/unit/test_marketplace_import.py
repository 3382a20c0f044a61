"""The import formats carry a marketplace order's postcode and masked contact (issue
14): CSV columns and JSON keys `postal_code` and `contact_masked`, both optional."""

from __future__ import annotations

import io
import json

from storage.importers.csv_orders import COLUMNS, parse_csv_orders
from storage.importers.json_orders import parse_json_orders
from storage.importers.records import OrderRecord, Problem

ORDER = {
    "order_number": "576900000000000001",
    "status": "DELIVERED",
    "placed_at": "2026-11-20T10:00:00Z",
    "buyer_email": "r7x2k9@scs.tiktokw.us",
    "buyer_phone": "(+44)77*****123",
    "postal_code": "sw1a 1aa",
    "contact_masked": True,
    "payment": {"currency": "GBP", "subtotal": "25.00", "total_paid": "25.00"},
    "items": [{"sku": "SKU-1", "product_name": "Mug", "quantity": 2, "unit_price": "12.50"}],
}


def _json(obj: object) -> list[OrderRecord | Problem]:
    return list(parse_json_orders(io.BytesIO(json.dumps([obj]).encode())))


def _csv(cells: dict[str, str]) -> list[OrderRecord | Problem]:
    header = [c for c in COLUMNS if c in cells]
    lines = [",".join(header), ",".join(cells[c] for c in header)]
    return list(parse_csv_orders(line.encode() + b"\n" for line in lines))


def test_json_takes_the_postcode_normalised_and_keeps_the_masked_phone_as_given() -> None:
    [record] = _json(ORDER)
    assert isinstance(record, OrderRecord)
    assert record.postal_code == "SW1A1AA" and record.contact_masked
    assert record.buyer_phone == "(+44)77*****123"


def test_a_masked_phone_is_refused_on_an_order_whose_contact_is_not_masked() -> None:
    problems = _json({**ORDER, "contact_masked": False})
    assert [p.field for p in problems if isinstance(p, Problem)] == ["buyer_phone"]


def test_csv_takes_the_same_columns_and_both_are_optional() -> None:
    cells = {
        "order_number": "576900000000000002",
        "status": "DELIVERED",
        "placed_at": "2026-11-20T10:00:00Z",
        "postal_code": "94105-1234",
        "contact_masked": "yes",
        "currency": "USD",
        "subtotal": "12.50",
        "total_paid": "12.50",
        "sku": "SKU-1",
        "product_name": "Mug",
        "quantity": "1",
        "unit_price": "12.50",
    }
    [record] = _csv(cells)
    assert isinstance(record, OrderRecord)
    assert (record.postal_code, record.contact_masked) == ("941051234", True)
    [plain] = _csv({k: v for k, v in cells.items() if k not in ("postal_code", "contact_masked")})
    assert isinstance(plain, OrderRecord)
    assert (plain.postal_code, plain.contact_masked) == (None, False)


def test_bad_values_are_problems_that_do_not_echo_the_postcode() -> None:
    bad = {"postal_code": "not a postcode at all!", "contact_masked": "maybe", "buyer_phone": None}
    problems = _json({**ORDER, **bad})
    found = {p.field: p.message for p in problems if isinstance(p, Problem)}
    assert set(found) == {"postal_code", "contact_masked"}
    assert "not a postcode at all" not in found["postal_code"]
