"""TikTok Shop's JSON (Open API 202309) in our vocabulary.

Orders become `OrderRecord`s by way of the import's own JSON shape: the TikTok order is
rewritten as an import object and validated by `order_from_json`, so a marketplace
order passes exactly the checks a shop's export does (lengths, money, emails, dates,
totals).  Then the marketplace-only fields are set: `marketplace`, the normalised
`postal_code`, and `contact_masked` (TikTok hands apps masked buyer contacts, which
must never serve as proof of owning an order).

TikTok sends one line item per unit; they are grouped back by SKU and price.  Money
comes as decimal strings; times as Unix seconds.  Parcels are the line items'
tracking numbers with the order's carrier; the order's tracking checkpoints (a
separate call, `GET /fulfillment/202309/orders/{id}/tracking`) become the first
parcel's tracking events, tagged by what their words say (`tracking_tag`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OrderStatus, TrackingTag
from bot.services.marketplace import (
    TIKTOK,
    CancellationRecord,
    ReturnLine,
    ReturnRecord,
)
from storage.importers.common import MAX_LENGTH, FieldReader, unique_events
from storage.importers.json_orders import order_from_json
from storage.importers.records import OrderRecord, Problem, TrackingEventRecord, postal_code

JsonObject = Mapping[str, Any]

RETURN_STATUSES: dict[str, ClaimStatus] = {
    "RETURN_OR_REFUND_REQUEST_PENDING": ClaimStatus.REQUESTED,
    "REPLACEMENT_REQUEST_PENDING": ClaimStatus.REQUESTED,
    "AWAITING_BUYER_RESPONSE": ClaimStatus.NEEDS_INFO,
    "REFUND_OR_RETURN_REQUEST_REJECT": ClaimStatus.REJECTED,
    "REPLACEMENT_REQUEST_REJECT": ClaimStatus.REJECTED,
    "REJECT_RECEIVE_PACKAGE": ClaimStatus.REJECTED,
    "AWAITING_BUYER_SHIP": ClaimStatus.AWAITING_BUYER_SHIPMENT,
    "BUYER_SHIPPED_ITEM": ClaimStatus.BUYER_SHIPPED,
    "RETURN_OR_REFUND_REQUEST_SUCCESS": ClaimStatus.REFUNDED,
    "REPLACEMENT_REQUEST_REFUND_SUCCESS": ClaimStatus.REFUNDED,
    "RETURN_OR_REFUND_REQUEST_COMPLETE": ClaimStatus.REFUNDED,
    "REPLACEMENT_REQUEST_COMPLETE": ClaimStatus.REPLACED,
    "RETURN_OR_REFUND_REQUEST_CANCEL": ClaimStatus.CANCELLED,
}
RETURN_TYPES: dict[str, ClaimType] = {
    "REFUND": ClaimType.REFUND,
    "RETURN_AND_REFUND": ClaimType.RETURN_AND_REFUND,
    "REPLACEMENT": ClaimType.REPLACEMENT,
}
# TikTok's reason codes are long snake-case phrases ("ecom_order_delivered_refund_and_
# return_reason_damaged"); the words in them say which of our reasons it is.
_REASON_WORDS: tuple[tuple[str, ClaimReason], ...] = (
    ("not_received", ClaimReason.NOT_RECEIVED),
    ("not_delivered", ClaimReason.NOT_RECEIVED),
    ("lost", ClaimReason.NOT_RECEIVED),
    ("damaged", ClaimReason.DAMAGED),
    ("broken", ClaimReason.DAMAGED),
    ("defective", ClaimReason.DEFECTIVE),
    ("not_work", ClaimReason.DEFECTIVE),
    ("wrong", ClaimReason.WRONG_ITEM),
    ("missing", ClaimReason.MISSING_ITEM),
    ("incomplete", ClaimReason.MISSING_ITEM),
    ("description", ClaimReason.NOT_AS_DESCRIBED),
    ("described", ClaimReason.NOT_AS_DESCRIBED),
)
CANCEL_STATUSES: dict[str, str] = {
    "CANCELLATION_REQUEST_PENDING": "requested",
    "CANCELLATION_REQUEST_SUCCESS": "approved",
    "CANCELLATION_REQUEST_COMPLETE": "approved",
    "CANCELLATION_REQUEST_REJECT": "rejected",
    # The buyer withdrew it: the order goes on, as after a refusal; `external_status`
    # tells the two apart.
    "CANCELLATION_REQUEST_CANCEL": "rejected",
}


class MappingError(ValueError):
    """A return or cancellation the bot cannot read (the message says which field)."""


# ---------------------------------------------------------------------- orders


def _iso(value: object) -> object:
    """Unix seconds → ISO text for the import's reader; anything else is passed on for
    it to refuse with its own words (0 and absent mean "not yet" at TikTok)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC).isoformat() if value > 0 else None
    return value


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal("NaN")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _address(recipient: JsonObject) -> str | None:
    full = _text(recipient.get("full_address"))
    if full:
        return full
    parts = [_text(recipient.get(f"address_line{i}")) for i in range(1, 5)]
    parts += [_text(d.get("address_name")) for d in recipient.get("district_info") or []]
    joined = ", ".join(p for p in parts if p)
    return joined or None


def _items(line_items: list[JsonObject]) -> list[dict[str, object]]:
    """One import item per (SKU, price), counting TikTok's one-per-unit lines."""
    grouped: dict[tuple[str, str], dict[str, object]] = {}
    for line in line_items:
        sku = _text(line.get("seller_sku")) or _text(line.get("sku_id"))
        price = str(line.get("sale_price", ""))
        item = grouped.get((sku, price))
        if item is None:
            name = _text(line.get("product_name"))
            variant = _text(line.get("sku_name"))
            grouped[sku, price] = {
                "sku": sku,
                "product_name": f"{name} ({variant})" if name and variant else name,
                "quantity": 1,
                "unit_price": price,
            }
        else:
            item["quantity"] = int(str(item["quantity"])) + 1
    return list(grouped.values())


def tracking_numbers(order: JsonObject) -> list[str]:
    """The order's parcels: its own tracking number first, then its line items'."""
    numbers: list[str] = []
    for line in order.get("line_items") or []:
        number = _text(line.get("tracking_number")) if isinstance(line, Mapping) else ""
        if number and number not in numbers:
            numbers.append(number)
    main = _text(order.get("tracking_number"))
    if main and main not in numbers:
        numbers.insert(0, main)
    return numbers


def _shipments(order: JsonObject) -> list[dict[str, object]]:
    carrier = _text(order.get("shipping_provider")) or "TikTok Shipping"
    express = "express" in _text(order.get("delivery_option_name")).lower()
    shipments: list[dict[str, object]] = []
    for number in tracking_numbers(order):
        shipment: dict[str, object] = {"carrier": carrier, "tracking_number": number}
        if express:
            shipment["delivery_option"] = "Express"
        shipped = _iso(order.get("collection_time") or order.get("rts_time"))
        if shipped:
            shipment["shipped_at"] = shipped
        shipments.append(shipment)
    return shipments


# TikTok's checkpoints carry words, not AfterShip's tags: the first rule whose words
# appear in the description gives the tag (order matters: "failed delivery" is an
# attempt, not a delivery); anything else is a parcel on its way.
_CHECKPOINT_WORDS: tuple[tuple[tuple[str, ...], TrackingTag], ...] = (
    (("fail", "unsuccessful", "missed", "no one"), TrackingTag.ATTEMPT_FAIL),
    (
        ("exception", "delay", "damaged", "lost", "returned to sender", "return to sender"),
        TrackingTag.EXCEPTION,
    ),
    (
        ("out for delivery", "with courier for delivery", "on its way to you today"),
        TrackingTag.OUT_FOR_DELIVERY,
    ),
    (
        ("ready for pickup", "ready for collection", "pickup point", "pick-up point", "locker"),
        TrackingTag.AVAILABLE_FOR_PICKUP,
    ),
    (("delivered",), TrackingTag.DELIVERED),
    (
        ("label", "created", "awaiting", "information received", "order placed", "packed"),
        TrackingTag.INFO_RECEIVED,
    ),
)


def tracking_tag(description: str) -> TrackingTag:
    """The AfterShip-style tag for one of TikTok's checkpoint descriptions."""
    words = description.lower()
    for needles, tag in _CHECKPOINT_WORDS:
        if any(needle in words for needle in needles):
            return tag
    return TrackingTag.IN_TRANSIT


def tracking_events(raw: object) -> tuple[TrackingEventRecord, ...]:
    """TikTok's `tracking` list as tracking events.  A checkpoint that cannot be read
    (no time, no words) is dropped rather than refusing the order; long words are cut
    to the column."""
    events: list[TrackingEventRecord] = []
    for checkpoint in raw if isinstance(raw, list) else []:
        if not isinstance(checkpoint, Mapping):
            continue
        millis = checkpoint.get("update_time_millis")
        description = _text(checkpoint.get("description"))[: MAX_LENGTH["message"]]
        if not description or not isinstance(millis, int) or isinstance(millis, bool):
            continue
        if not 0 < millis < 2**47:
            continue
        reader = FieldReader("checkpoint")
        event = reader.tracking_event(
            {
                "at": datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat(),
                "tag": tracking_tag(description).value,
                "message": description,
            }
        )
        if not reader.problems:
            events.append(event)
    return unique_events(sorted(events, key=lambda e: e.at))


def order_from_tiktok(
    order: JsonObject, tracking: tuple[TrackingEventRecord, ...] = ()
) -> tuple[OrderRecord | None, list[Problem]]:
    """Validate one TikTok order (`GET /order/202309/orders` shape); `tracking` are its
    checkpoints (`tracking_events`), put on its first parcel."""
    where = f"TikTok order {_text(order.get('id')) or '?'}"
    payment: JsonObject = order.get("payment") or {}
    recipient: JsonObject = order.get("recipient_address") or {}
    line_items = [x for x in order.get("line_items") or [] if isinstance(x, Mapping)]
    status = order.get("status")
    if status not in OrderStatus.__members__:
        return None, [Problem(where, "status", f"unknown TikTok order status {status!r}")]
    # TikTok's sub_total is what the items sold for; any difference between the total
    # and subtotal + shipping + tax is discount (or, when the total is higher, fees
    # counted as tax), so the import's totals rule holds.
    subtotal, shipping, tax = (
        _money(payment.get("sub_total")),
        _money(payment.get("shipping_fee")),
        _money(payment.get("tax")),
    )
    gap = subtotal + shipping + tax - _money(payment.get("total_amount"))
    money: dict[str, object] = {
        "shipping_fee": payment.get("shipping_fee"),
        "discount": "0",
        "tax": payment.get("tax"),
    }
    if gap.is_finite():  # otherwise the reader below says which amount is unreadable
        money = {
            "shipping_fee": str(shipping),
            "discount": str(max(gap, Decimal(0))),
            "tax": str(tax - min(gap, Decimal(0))),
        }
    raw = {
        "order_number": order.get("id"),
        "status": status,
        "placed_at": _iso(order.get("create_time")),
        "paid_at": _iso(order.get("paid_time")),
        "delivered_at": _iso(order.get("delivery_time")),
        "buyer_name": _text(recipient.get("name")) or None,
        # A masked relay address: kept for the record, never used as proof.
        "buyer_email": _text(order.get("buyer_email")) or None,
        "shipping_address": _address(recipient),
        "payment": {
            "currency": payment.get("currency"),
            "subtotal": payment.get("sub_total"),
            **money,
            "total_paid": payment.get("total_amount"),
        },
        "items": _items(line_items),
        "shipments": _shipments(order),
    }
    record, problems = order_from_json(raw, where)
    if record is None:
        return None, problems
    code = _text(recipient.get("postal_code"))
    shipments = record.shipments
    if tracking and shipments:
        first = dataclasses.replace(shipments[0], events=tracking)
        shipments = (first, *shipments[1:])
    return (
        dataclasses.replace(
            record,
            postal_code=postal_code(code) or None if code else None,
            contact_masked=True,
            marketplace=TIKTOK,
            shipments=shipments,
        ),
        [],
    )


# -------------------------------------------------------------- after-sales


def _moment(obj: JsonObject, key: str) -> datetime | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**37:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _required_moment(obj: JsonObject, key: str) -> datetime:
    moment = _moment(obj, key)
    if moment is None:
        raise MappingError(f"{key} is not a Unix time: {obj.get(key)!r}")
    return moment


def _deadline(obj: JsonObject) -> datetime | None:
    deadlines = [
        _moment(action, "deadline")
        for action in obj.get("seller_next_action_response") or []
        if isinstance(action, Mapping)
    ]
    known = [d for d in deadlines if d is not None]
    return min(known) if known else None


def claim_reason(code: str) -> ClaimReason:
    lowered = code.lower()
    for word, reason in _REASON_WORDS:
        if word in lowered:
            return reason
    return ClaimReason.NO_LONGER_NEEDED


def return_from_tiktok(obj: JsonObject) -> ReturnRecord:
    """A return (`POST /return_refund/202309/returns/search` shape).  Raises
    MappingError for what cannot be read."""
    external_id = _text(obj.get("return_id"))
    order_number = _text(obj.get("order_id"))
    if not external_id or not order_number:
        raise MappingError("a return needs return_id and order_id")
    status_word = _text(obj.get("return_status"))
    status = RETURN_STATUSES.get(status_word)
    if status is None:
        raise MappingError(f"unknown return_status {status_word!r}")
    kind = RETURN_TYPES.get(_text(obj.get("return_type")))
    if kind is None:
        raise MappingError(f"unknown return_type {obj.get('return_type')!r}")
    quantities: dict[str, int] = {}
    for line in obj.get("return_line_items") or []:
        sku = _text(line.get("seller_sku")) or _text(line.get("sku_id"))
        quantities[sku] = quantities.get(sku, 0) + 1
    amount: JsonObject = obj.get("refund_amount") or {}
    total = amount.get("refund_total")
    requested = _money(total) if total not in (None, "") else None
    if requested is not None and not requested.is_finite():
        raise MappingError(f"refund_total is not an amount: {total!r}")
    photos = tuple(
        _text(image.get("url"))
        for image in obj.get("buyer_images") or []
        if isinstance(image, Mapping) and _text(image.get("url"))
    )
    return ReturnRecord(
        marketplace=TIKTOK,
        external_id=external_id,
        order_number=order_number,
        type=kind,
        reason=claim_reason(_text(obj.get("return_reason"))),
        status=status,
        external_status=status_word,
        lines=tuple(ReturnLine(sku, qty) for sku, qty in quantities.items()),
        requested_amount=requested,
        currency=_text(amount.get("currency")),
        buyer_note=_text(obj.get("return_reason_text")) or None,
        photo_urls=photos,
        created_at=_required_moment(obj, "create_time"),
        updated_at=_required_moment(obj, "update_time"),
        seller_deadline=_deadline(obj),
    )


def cancellation_from_tiktok(obj: JsonObject) -> CancellationRecord:
    """A cancellation (`POST /return_refund/202309/cancellations/search` shape)."""
    external_id = _text(obj.get("cancel_id"))
    order_number = _text(obj.get("order_id"))
    if not external_id or not order_number:
        raise MappingError("a cancellation needs cancel_id and order_id")
    status_word = _text(obj.get("cancel_status"))
    status = CANCEL_STATUSES.get(status_word)
    if status is None:
        raise MappingError(f"unknown cancel_status {status_word!r}")
    return CancellationRecord(
        marketplace=TIKTOK,
        external_id=external_id,
        order_number=order_number,
        status=status,
        external_status=status_word,
        reason_text=_text(obj.get("cancel_reason_text")) or None,
        created_at=_required_moment(obj, "create_time"),
        seller_deadline=_deadline(obj),
    )
