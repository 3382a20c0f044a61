"""Importing order files into the store: all or nothing, idempotent, change-aware.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from bot.domain.money import minor_units
from bot.services import order_import
from bot.services.order_import import ImportReport, import_orders_file
from storage.importers.csv_orders import read_csv_orders, write_csv_orders
from storage.importers.json_orders import read_json_orders, write_json_orders
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    ShipmentRecord,
    TrackingEventRecord,
)
from storage.importers.writer import OrderChange, record_from_order
from storage.models import AuditEntry, Base, Order, OrderItem, Shipment, Shop, TrackingEvent
from storage.uow import UnitOfWork, UnitOfWorkFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def table_counts(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    async with uow_factory(readonly=True) as uow:
        return {
            table.name: int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def stored(uow_factory: UnitOfWorkFactory, shop_code: str) -> dict[str, OrderRecord]:
    """Every order of a shop, read back as records."""
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code(shop_code)
        assert shop is not None
        numbers = await uow.session.scalars(
            select(Order.order_number).where(Order.shop_id == shop.id)
        )
        result = {}
        for number in list(numbers):
            order = await uow.orders.get_by_number(shop.id, number)
            assert order is not None
            result[number] = record_from_order(order)
        return result


def canonical(record: OrderRecord) -> OrderRecord:
    """The store keeps events in time order; the file may list them in any order."""
    return dataclasses.replace(
        record,
        shipments=tuple(
            dataclasses.replace(
                s, events=tuple(sorted(s.events, key=lambda e: (e.at, e.tag, e.message)))
            )
            for s in record.shipments
        ),
    )


def parsed(path: Path) -> list[OrderRecord]:
    read = read_csv_orders if path.suffix == ".csv" else read_json_orders
    return [r for r in read(path) if isinstance(r, OrderRecord)]


async def imported(
    uow_factory: UnitOfWorkFactory, path: Path, clock: FakeClock, shop: str = "acme", **kw: Any
) -> ImportReport:
    report = await import_orders_file(uow_factory, path, shop, clock, **kw)
    assert report.ok, str(report)
    return report


def write_json(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(docs, indent=1), encoding="utf-8")
    return path


def example_docs() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = json.loads((EXAMPLES / "orders.json").read_text())
    return docs


# ---------------------------------------------------------------------- importing


async def test_examples_import_and_read_back_equal(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    csv_report = await imported(uow_factory, EXAMPLES / "orders.csv", clock)
    json_report = await imported(uow_factory, EXAMPLES / "orders.json", clock)
    assert csv_report.counts.orders_created == csv_report.orders_read == 9
    assert json_report.counts.orders_created == 8
    assert json_report.counts.events_added == sum(
        len(s.events) for r in parsed(EXAMPLES / "orders.json") for s in r.shipments
    )
    assert "9 created" in str(csv_report)
    in_store = await stored(uow_factory, "acme")
    for record in parsed(EXAMPLES / "orders.csv") + parsed(EXAMPLES / "orders.json"):
        assert in_store[record.order_number] == canonical(record)


async def test_missing_shop_is_created_in_the_first_orders_currency(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await imported(uow_factory, EXAMPLES / "orders.json", clock, shop="nordlicht")
    await imported(uow_factory, EXAMPLES / "orders.csv", clock, shop="nordlicht")
    async with uow_factory(readonly=True) as uow:
        shops = (await uow.session.scalars(select(Shop))).all()
        assert [(s.code, s.name, s.currency) for s in shops] == [("nordlicht", "nordlicht", "EUR")]


async def test_reimport_changes_nothing(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    for name in ("orders.csv", "orders.json"):
        await imported(uow_factory, EXAMPLES / name, clock)
    before = await table_counts(uow_factory)
    snapshot = await stored(uow_factory, "acme")
    clock.advance(timedelta(hours=1))
    for name in ("orders.csv", "orders.json"):
        report = await imported(uow_factory, EXAMPLES / name, clock)
        assert report.counts.orders_unchanged == report.orders_read
        assert report.counts.orders_created == report.counts.orders_updated == 0
        assert report.counts.items_written == report.counts.events_added == 0
    assert await table_counts(uow_factory) == before
    assert await stored(uow_factory, "acme") == snapshot


async def test_updates_are_detected_and_reported_as_changes(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    docs = example_docs()
    await imported(uow_factory, write_json(tmp_path / "day1.json", docs), clock)
    counts = await table_counts(uow_factory)

    in_transit = docs[1]  # NL-2026-0413, UPS, 3 events
    assert in_transit["status"] == "IN_TRANSIT"
    in_transit["status"] = "DELIVERED"
    in_transit["delivered_at"] = "2026-01-12T10:00:00Z"
    events = in_transit["shipments"][0]["tracking_events"]
    events.append({"at": "2026-01-12T09:55:00Z", "tag": "Delivered", "message": "Delivered"})
    fedex = docs[2]  # NL-2026-0414: only a new checkpoint, same status
    fedex["shipments"][0]["tracking_events"].append(
        {"at": "2026-01-11T06:00:00Z", "tag": "OutForDelivery", "message": "On vehicle"}
    )
    docs[3]["buyer_phone"] = "+49 30 555 0199"  # NL-2026-0415: buyer fields only

    seen: list[OrderChange] = []

    async def on_change(uow: UnitOfWork, change: OrderChange) -> None:
        seen.append(change)
        # Whatever the callback writes commits with the import.
        uow.audit.record(
            at=clock.now(),
            actor_kind="system",
            actor_id=None,
            action="order_changed",
            entity="order",
            entity_id=change.order_id,
        )

    clock.advance(timedelta(days=1))
    report = await imported(
        uow_factory, write_json(tmp_path / "day2.json", docs), clock, on_change=on_change
    )
    assert report.counts.orders_updated == 3
    assert report.counts.orders_unchanged == len(docs) - 3
    assert report.counts.events_added == 2
    assert report.notified == 2

    by_number = {c.order_number: c for c in seen}
    assert set(by_number) == {"NL-2026-0413", "NL-2026-0414"}  # phone-only: nothing to tell
    delivered = by_number["NL-2026-0413"]
    assert not delivered.created and delivered.status_changed
    assert (delivered.old_status, delivered.new_status) == (
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
    )
    assert delivered.new_events == [
        (TrackingTag.DELIVERED, datetime(2026, 1, 12, 9, 55, tzinfo=UTC), "Delivered")
    ]
    tracking = by_number["NL-2026-0414"]
    assert not tracking.status_changed and tracking.worth_telling
    assert [e[0] for e in tracking.new_events] == [TrackingTag.OUT_FOR_DELIVERY]

    after = await table_counts(uow_factory)
    assert after["tracking_events"] == counts["tracking_events"] + 2
    assert after["audit_log"] == counts["audit_log"] + 2
    assert {k: v for k, v in after.items() if k not in ("tracking_events", "audit_log")} == {
        k: v for k, v in counts.items() if k not in ("tracking_events", "audit_log")
    }
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        order = await uow.orders.get_by_number(shop.id, "NL-2026-0415")
        assert order is not None and order.buyer_phone == "49305550199"
        assert order.updated_at == clock.now()


async def test_items_are_rewritten_in_place_and_shipments_matched_by_number(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    docs = example_docs()[:1]  # NL-2026-0412: two items, one DHL shipment
    await imported(uow_factory, write_json(tmp_path / "a.json", docs), clock)
    async with uow_factory(readonly=True) as uow:
        item_ids = list(await uow.session.scalars(select(OrderItem.id).order_by(OrderItem.line_no)))
        shipment_id = await uow.session.scalar(select(Shipment.id))

    order = docs[0]
    order["items"] = [{**order["items"][0], "product_name": "Hardshell jacket, men's M, navy"}]
    order["payment"].update(subtotal="229.00", discount="0", tax="43.51", total_paid="272.51")
    order["shipments"][0]["delivery_option"] = "Standard"
    order["shipments"].append(
        {"carrier": "DHL", "tracking_number": "1234567891", "tracking_events": []}
    )
    report = await imported(uow_factory, write_json(tmp_path / "b.json", docs), clock)
    assert report.counts.items_written == 1 and report.counts.items_removed == 1
    assert report.counts.shipments_written == 2  # one changed, one new

    async with uow_factory(readonly=True) as uow:
        items = (await uow.session.execute(select(OrderItem.id, OrderItem.product_name))).all()
        assert items == [(item_ids[0], "Hardshell jacket, men's M, navy")]
        shipments = (
            await uow.session.execute(
                select(Shipment.id, Shipment.delivery_option).order_by(Shipment.id)
            )
        ).all()
        assert shipments[0] == (shipment_id, "Standard") and len(shipments) == 2
        assert await uow.session.scalar(select(func.count()).select_from(TrackingEvent)) == 5


# ------------------------------------------------------------------------- refusals

# Every file in examples/bad, with the problems its import must report.
BAD_FILES: dict[str, list[tuple[str, str, str]]] = {
    "unknown_status.csv": [("line 4", "status", "unknown status 'SHIPPED'")],
    "bad_money.csv": [("line 4", "unit_price", "'89,00' is not an amount")],
    "float_money.json": [("record 2", "payment.total_paid", "never a float")],
    "bad_date.csv": [("line 4", "placed_at", "not an ISO 8601 date-time")],
    "bad_date.json": [("record 2", "shipments[0].estimated_delivery", "not an ISO 8601")],
    "missing_order_number.csv": [("line 4", "order_number", "is required")],
    "bad_quantity.csv": [
        ("line 5", "quantity", "at least 1, got 0"),
        ("line 6", "quantity", "at least 1, got -1"),
        ("line 7", "quantity", "whole number"),
    ],
    "bad_quantity.json": [("record 2", "items[0].quantity", "whole number")],
    "unknown_currency.csv": [("line 4", "currency", "unknown currency 'USX'")],
    "wrong_column_count.csv": [("line 4", "columns", "has 25 columns, the header has 24")],
    "missing_column.csv": [("line 1", "sku", "required column is missing")],
    "unknown_column.csv": [("line 1", "buyer_emial", "unknown column")],
    "unterminated_quote.csv": [("line 7", "file", "never closed")],
    "undecodable_bytes.csv": [("line 4", "file", "not UTF-8")],
    "unknown_delivery_option.csv": [("line 4", "delivery_option", "'Overnight'")],
    "unknown_tracking_tag.json": [
        ("record 1", "shipments[0].tracking_events[1].tag", "unknown tracking tag 'Shipped'")
    ],
    "rows_disagree.csv": [("line 3", "buyer_email", "on line 2")],
    "total_mismatch.csv": [("line 4", "total_paid", "subtotal + shipping_fee")],
    "subtotal_mismatch.csv": [("line 2", "subtotal", "items add up to 37.50")],
    "bad_phone.csv": [("line 4", "buyer_phone", "at least 7")],
    "bad_email.csv": [("line 4", "buyer_email", "not an email address")],
    "malformed.json": [("record 2", "file", "invalid JSON at line 79")],
    "duplicate_order.csv": [("line 5", "order_number", "appears more than once")],
    "too_large_quantity.csv": [("line 4", "quantity", "at most 100,000")],
    "control_character.json": [("record 2", "buyer_name", "control character U+0000")],
    "duplicate_key.json": [("record 1", "status", "appears more than once")],
    "date_out_of_range.json": [("record 2", "placed_at", "outside 1970-2100")],
    "huge_number.json": [("record 1", "file", "more than 4,300 digits")],
    "semicolons.csv": [("line 1", "header", "separated by semicolons (;), not by commas")],
    "payment_outside.json": [
        ("record 1", "currency", 'belongs inside "payment"'),
        ("record 1", "discount", 'belongs inside "payment"'),
        ("record 1", "shipping_fee", 'belongs inside "payment"'),
        ("record 1", "subtotal", 'belongs inside "payment"'),
        ("record 1", "tax", 'belongs inside "payment"'),
        ("record 1", "total_paid", 'belongs inside "payment"'),
        ("record 1", "payment", "must be an object"),
    ],
}


def test_every_bad_example_has_expectations() -> None:
    assert {p.name for p in (EXAMPLES / "bad").iterdir()} == set(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
async def test_bad_files_are_refused_whole_and_change_nothing(
    name: str, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    # An already-populated store: the orders the bad files are based on exist.
    for good in ("orders.csv", "orders.json"):
        await imported(uow_factory, EXAMPLES / good, clock)
    before = await table_counts(uow_factory)
    snapshot = await stored(uow_factory, "acme")

    report = await import_orders_file(uow_factory, EXAMPLES / "bad" / name, "acme", clock)

    assert not report.ok
    found = [(p.where, p.field, p.message) for p in report.problems]
    for where, field, words in BAD_FILES[name]:
        assert any(w == where and f == field and words in m for w, f, m in found), found
    assert len(found) == len(BAD_FILES[name]), found
    text = str(report)
    assert text.startswith(f"Refused {name}") and "nothing was imported" in text
    assert report.counts.orders_created == report.counts.orders_updated == 0
    assert await table_counts(uow_factory) == before
    assert await stored(uow_factory, "acme") == snapshot


async def test_refused_file_does_not_create_the_shop(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    report = await import_orders_file(
        uow_factory, EXAMPLES / "bad" / "duplicate_order.csv", "new-shop", clock
    )
    assert not report.ok
    assert (await table_counts(uow_factory))["shops"] == 0


async def test_duplicates_across_batches_roll_everything_back(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await imported(uow_factory, EXAMPLES / "orders.json", clock)
    before = await table_counts(uow_factory)
    docs = example_docs()
    docs[0]["status"] = "COMPLETED"  # a real change, which must not be kept either
    extra = {**docs[5], "order_number": "NEW-1"}
    docs = [*docs, extra, docs[5], docs[0]]  # 0409 and 0412 again, far from their first
    monkeypatch.setattr(order_import, "BATCH_SIZE", 3)
    seen: list[OrderChange] = []

    async def on_change(uow: UnitOfWork, change: OrderChange) -> None:
        seen.append(change)

    path = write_json(tmp_path / "dups.json", docs)
    report = await import_orders_file(uow_factory, path, "acme", clock, on_change=on_change)
    assert not report.ok
    assert [(p.where, p.field) for p in report.problems] == [
        ("record 10", "order_number"),
        ("record 11", "order_number"),
    ]
    assert "'NL-2026-0409'" in report.problems[0].message
    assert await table_counts(uow_factory) == before
    async with uow_factory(readonly=True) as uow:
        assert (
            await uow.session.scalar(select(Order.id).where(Order.order_number == "NEW-1")) is None
        )
        status = await uow.session.scalar(
            select(Order.status).where(Order.order_number == "NL-2026-0412")
        )
        assert status == "DELIVERED"
    assert [c.order_number for c in seen] == ["NL-2026-0412"]  # told before the duplicate


async def test_problem_list_is_capped_but_counted(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    header, *rows = (EXAMPLES / "orders.csv").read_text().splitlines()
    bad_row = rows[2].replace("IN_TRANSIT", "LOST")  # MP-10232, one row
    lines = [header] + [bad_row.replace("MP-10232", f"X-{n}") for n in range(1_200)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    report = await import_orders_file(uow_factory, path, "acme", clock)
    assert len(report.problems) == order_import.MAX_PROBLEMS
    assert report.problems_omitted == 200 and report.problem_count == 1_200
    assert str(report).endswith("... and 200 more problems")
    assert report.problems[-1].where == f"line {order_import.MAX_PROBLEMS + 1}"


async def test_unusable_paths_and_shop_codes_are_reported(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    wrong_type = tmp_path / "orders.xlsx"
    shutil.copy(EXAMPLES / "orders.csv", wrong_type)
    report = await import_orders_file(uow_factory, wrong_type, "acme", clock)
    assert not report.ok and "unsupported file type '.xlsx'" in str(report)
    assert "Save As or Download as CSV UTF-8" in str(report)

    report = await import_orders_file(uow_factory, tmp_path / "gone.csv", "acme", clock)
    assert not report.ok and "cannot read it" in str(report)

    report = await import_orders_file(uow_factory, EXAMPLES / "orders.csv", " ", clock)
    assert not report.ok and report.problems[0].field == "code"


async def test_json_lines_and_header_only_files_import(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in example_docs()) + "\n")
    report = await imported(uow_factory, path, clock)
    assert report.counts.orders_created == 8
    empty = tmp_path / "empty.csv"
    empty.write_text((EXAMPLES / "orders.csv").read_text().splitlines()[0] + "\n")
    report = await imported(uow_factory, empty, clock)
    assert report.orders_read == 0


# ------------------------------------------------------------------ round trip


@st.composite
def order_records(draw: st.DrawFn, number: str) -> OrderRecord:
    currency = draw(st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
    unit = Decimal(1).scaleb(-minor_units(currency))

    def money(high: int = 10**7) -> Decimal:
        return draw(st.integers(0, high)) * unit

    words = (
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
        .map(str.strip)
        .filter(bool)
    )
    moments = st.builds(
        lambda when, minutes: when.replace(tzinfo=timezone(timedelta(minutes=minutes))),
        st.datetimes(datetime(2001, 1, 1), datetime(2099, 1, 1)),
        st.integers(-12 * 60, 14 * 60),
    )
    items = draw(
        st.lists(
            st.builds(ItemRecord, words, words, st.integers(1, 50), st.builds(money)),
            min_size=1,
            max_size=4,
        )
    )
    events = st.lists(
        st.builds(
            TrackingEventRecord,
            moments,
            st.sampled_from(TrackingTag),
            st.one_of(st.just(""), words),
            st.one_of(st.none(), words),
        ),
        max_size=4,
        unique_by=lambda e: (e.at, e.tag, e.message),
    )
    shipments = draw(
        st.lists(
            st.builds(
                ShipmentRecord,
                words,
                st.from_regex(r"[A-Z0-9]{6,30}", fullmatch=True),
                st.sampled_from(DeliveryOption),
                st.one_of(st.none(), moments),
                st.one_of(st.none(), moments),
                events.map(tuple),
            ),
            max_size=2,
            unique_by=lambda s: s.tracking_number,
        )
    )
    subtotal = sum((i.quantity * i.unit_price for i in items), Decimal(0))
    fee, tax = money(10**5), money(10**5)
    discount = draw(st.integers(0, int(subtotal / unit))) * unit
    return OrderRecord(
        order_number=number,
        status=draw(st.sampled_from(OrderStatus)),
        placed_at=draw(moments),
        currency=currency,
        subtotal=subtotal,
        shipping_fee=fee,
        discount=discount,
        tax=tax,
        total_paid=subtotal + fee - discount + tax,
        items=tuple(items),
        buyer_name=draw(st.one_of(st.none(), words)),
        buyer_email=draw(
            st.one_of(
                st.none(),
                st.from_regex(r"[a-z0-9.+]{1,12}@[a-z]{1,10}\.[a-z]{2,5}", fullmatch=True),
            )
        ),
        buyer_phone=draw(st.one_of(st.none(), st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True))),
        shipping_address=draw(st.one_of(st.none(), words)),
        paid_at=draw(st.one_of(st.none(), moments)),
        delivered_at=draw(st.one_of(st.none(), moments)),
        shipments=tuple(shipments),
    )


@st.composite
def order_files(draw: st.DrawFn) -> tuple[str, list[OrderRecord]]:
    fmt = draw(st.sampled_from(["csv", "json"]))
    numbers = draw(
        st.lists(
            st.from_regex(r"[A-Z0-9-]{1,20}", fullmatch=True), min_size=1, max_size=4, unique=True
        )
    )
    records = [draw(order_records(number)) for number in numbers]
    if fmt == "csv":  # one shipment, no tracking events: what CSV can carry
        records = [
            dataclasses.replace(
                r,
                shipments=tuple(dataclasses.replace(s, events=()) for s in r.shipments[:1]),
            )
            for r in records
        ]
    return fmt, records


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order_files())
async def test_random_valid_orders_round_trip(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    case: tuple[str, list[OrderRecord]],
) -> None:
    fmt, originals = case
    path = tmp_path / f"{uuid.uuid4().hex}.{fmt}"
    with path.open("w", encoding="utf-8", newline="") as out:
        (write_csv_orders if fmt == "csv" else write_json_orders)(originals, out)

    assert parsed(path) == originals  # parse
    shop = f"shop-{uuid.uuid4().hex[:8]}"  # examples share the database
    report = await imported(uow_factory, path, clock, shop=shop)  # import
    assert report.counts.orders_created == len(originals)
    in_store = await stored(uow_factory, shop)  # read back
    assert in_store == {r.order_number: canonical(r) for r in originals}
    async with uow_factory(readonly=True) as uow:
        row = await uow.shops.get_by_code(shop)
        assert isinstance(row, Shop) and row.currency == originals[0].currency
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
