"""TikTok's order, return and cancellation JSON in our vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, DeliveryOption, OrderStatus
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok.mapping import (
    MappingError,
    cancellation_from_tiktok,
    order_from_tiktok,
    return_from_tiktok,
)


def test_order_maps_status_money_items_parcel_and_masked_contact() -> None:
    raw = tiktok_order(
        "576461413038785752",
        status="IN_TRANSIT",
        items=(("MUG-1", "Ceramic mug", "12.50", 2), ("CAP-9", "Cap", "9.99", 1)),
        shipping_fee="4.99",
        postal_code="sw1a 1aa",
        tracking_number="9400111899223197428490",
        carrier="USPS",
    )
    raw["delivery_option_name"] = "Express shipping"
    record, problems = order_from_tiktok(raw)
    assert problems == []
    assert record is not None
    assert record.order_number == "576461413038785752"
    assert record.status is OrderStatus.IN_TRANSIT
    assert record.marketplace == "tiktok"
    assert record.contact_masked is True
    assert record.buyer_phone is None  # TikTok's masked phone is never stored as digits
    assert record.postal_code == "SW1A1AA"
    assert record.placed_at == datetime.fromtimestamp(1_768_000_000, tz=UTC)
    assert [(i.sku, i.quantity, i.unit_price) for i in record.items] == [
        ("MUG-1", 2, Decimal("12.50")),
        ("CAP-9", 1, Decimal("9.99")),
    ]
    assert record.subtotal == Decimal("34.99")
    assert record.total_paid == Decimal("39.98")
    assert isinstance(record.total_paid, Decimal)
    (parcel,) = record.shipments
    assert (parcel.carrier, parcel.tracking_number) == ("USPS", "9400111899223197428490")
    assert parcel.delivery_option is DeliveryOption.EXPRESS


@pytest.mark.parametrize("status", [s.value for s in OrderStatus])
def test_every_tiktok_status_maps_to_ours(status: str) -> None:
    record, _ = order_from_tiktok(tiktok_order("1", status=status))
    assert record is not None and record.status.value == status


def test_discounts_make_the_totals_add_up() -> None:
    raw = tiktok_order("2", items=(("A", "A thing", "20.00", 1),), shipping_fee="5.00")
    raw["payment"]["total_amount"] = "21.00"  # a 4.00 discount
    record, problems = order_from_tiktok(raw)
    assert problems == [] and record is not None
    assert (record.discount, record.total_paid) == (Decimal("4.00"), Decimal("21.00"))


def test_a_broken_order_is_refused_with_the_import_s_words() -> None:
    raw = tiktok_order("3")
    raw["payment"]["sub_total"] = "twelve"
    record, problems = order_from_tiktok(raw)
    assert record is None
    assert any(p.field == "payment.subtotal" for p in problems)
    unknown = tiktok_order("4", status="TELEPORTED")
    record, problems = order_from_tiktok(unknown)
    assert record is None and "TELEPORTED" in problems[0].message


RETURN = {
    "return_id": "4035633475056536357",
    "order_id": "576461413038785752",
    "return_type": "RETURN_AND_REFUND",
    "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
    "return_reason": "ecom_order_delivered_refund_and_return_reason_damaged_product",
    "return_reason_text": "Arrived cracked",
    "create_time": 1_768_100_000,
    "update_time": 1_768_100_500,
    "refund_amount": {"currency": "USD", "refund_total": "25.00"},
    "return_line_items": [
        {"seller_sku": "MUG-1", "product_name": "Ceramic mug"},
        {"seller_sku": "MUG-1", "product_name": "Ceramic mug"},
    ],
    "buyer_images": [{"url": "https://cdn.example/p1.jpg"}],
    "seller_next_action_response": [{"action": "SELLER_RESPOND_RETURN", "deadline": 1_768_300_000}],
}


def test_return_maps_to_a_return_record() -> None:
    record = return_from_tiktok(RETURN)
    assert record.type is ClaimType.RETURN_AND_REFUND
    assert record.reason is ClaimReason.DAMAGED
    assert record.status is ClaimStatus.REQUESTED
    assert record.external_status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert [(line.sku, line.quantity) for line in record.lines] == [("MUG-1", 2)]
    assert record.requested_amount == Decimal("25.00")
    assert record.photo_urls == ("https://cdn.example/p1.jpg",)
    assert record.seller_deadline == datetime.fromtimestamp(1_768_300_000, tz=UTC)


def test_a_return_with_an_unknown_status_is_refused() -> None:
    with pytest.raises(MappingError, match="return_status"):
        return_from_tiktok({**RETURN, "return_status": "SOMETHING_NEW"})
    with pytest.raises(MappingError, match="create_time"):
        return_from_tiktok({**RETURN, "create_time": "yesterday"})


def test_cancellation_maps_to_ours() -> None:
    raw = {
        "cancel_id": "5781",
        "order_id": "576",
        "cancel_status": "CANCELLATION_REQUEST_PENDING",
        "cancel_reason_text": "Ordered by mistake",
        "create_time": 1_768_100_000,
        "update_time": 1_768_100_000,
    }
    record = cancellation_from_tiktok(raw)
    assert (record.status, record.reason_text) == ("requested", "Ordered by mistake")
    done = cancellation_from_tiktok({**raw, "cancel_status": "CANCELLATION_REQUEST_SUCCESS"})
    assert done.status == "approved"
