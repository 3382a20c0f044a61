"""What a new user reads: durations in words, one date style in the shop's timezone,
order money that adds up, cancelled orders that say what is true, history in the
reader's voice (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

from bot.domain.enums import (
    ActorKind,
    ClaimReason,
    ClaimStatus,
    ClaimType,
    DeliveryOption,
    OrderStatus,
    TrackingTag,
)
from bot.domain.history import coded
from bot.domain.policy import ShopPolicy
from bot.services.outbox import Notification
from bot.services.returns import ClaimView, HistoryEntry
from bot.services.seller_claims import SellerCard
from bot.services.ticket_records import Line as TranscriptLine
from bot.services.views import EventView, ItemView, OrderView, ShipmentView
from handlers.buyer.claims import claim_text
from handlers.buyer.linking import format_wait
from handlers.buyer.views import card_text
from handlers.catalog import Catalog
from handlers.formatting import duration, format_when, line_price
from handlers.notifications import render
from handlers.seller.claims import card_text as seller_card_text
from handlers.seller.claims import time_left
from handlers.staff.views import tickets_list, transcript_text
from handlers.types import SendText
from tests.unit import test_fit_cards as fit_cards

NOW = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
CATALOG = Catalog()


def plain(html: str) -> str:
    return unescape(html.replace("<b>", "").replace("</b>", ""))


# ------------------------------------------------------------------- durations


def test_durations_take_the_two_largest_units_with_plurals() -> None:
    assert duration(CATALOG, timedelta(hours=191)) == "7 days 23 hours"
    assert duration(CATALOG, timedelta(hours=2)) == "2 hours"
    assert duration(CATALOG, timedelta(minutes=45)) == "45 minutes"
    assert duration(CATALOG, timedelta(days=1, minutes=1)) == "1 day"
    assert duration(CATALOG, timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert duration(CATALOG, timedelta(seconds=20)) == "less than a minute"


def test_a_wait_is_rounded_up_and_never_says_sixty_minutes() -> None:
    assert format_wait(CATALOG, timedelta(minutes=60)) == "1 hour"
    assert format_wait(CATALOG, timedelta(seconds=61)) == "2 minutes"
    assert format_wait(CATALOG, timedelta(seconds=5)) == "1 minute"


def test_a_sellers_time_left_is_in_words() -> None:
    assert time_left(CATALOG, NOW + timedelta(hours=191), NOW) == "7 days 23 hours left"
    assert time_left(CATALOG, NOW - timedelta(minutes=1), NOW) == "overdue"


# ----------------------------------------------------------------------- dates


def test_dates_are_shown_in_the_shops_timezone_in_one_style() -> None:
    assert format_when(NOW, "Europe/Berlin") == "Dec 7, 14:05"
    assert format_when(NOW, "Europe/Berlin", show_zone=True) == "Dec 7, 14:05 CET"
    assert format_when(NOW, "America/New_York", with_time=False) == "Dec 7"
    assert format_when(NOW, "Not/AZone") == "Dec 7, 13:05"  # a bad setting falls back to UTC


def test_line_prices_show_the_unit_price_only_for_several() -> None:
    assert line_price(CATALOG, 1, Decimal("24.99"), "USD") == "$24.99"
    assert line_price(CATALOG, 2, Decimal("12.99"), "USD") == "$25.98 ($12.99 each)"


# ------------------------------------------------------------------ order card


def order(**changes: object) -> OrderView:
    values: dict[str, object] = {
        "id": 1,
        "shop_id": 1,
        "shop_name": "Hearth",
        "order_number": "578000000000000001",
        "status": OrderStatus.IN_TRANSIT,
        "placed_at": NOW - timedelta(days=3),
        "paid_at": NOW - timedelta(days=3),
        "delivered_at": None,
        "currency": "USD",
        "total_paid": Decimal("33.18"),
        "items": (ItemView(1, "C1", "Soy Candle", 1, Decimal("24.99")),),
        "shipments": (),
        "policy": ShopPolicy(),
        "subtotal": Decimal("24.99"),
        "shipping": Decimal("5.99"),
        "discount": Decimal("0"),
        "tax": Decimal("2.20"),
        "timezone": "UTC",
    }
    values.update(changes)
    return OrderView(**values)  # type: ignore[arg-type]


def test_the_order_card_shows_a_breakdown_that_adds_up() -> None:
    text = plain(card_text(CATALOG, order(), NOW))
    assert "• 1 × Soy Candle — $24.99" in text
    assert "Items: $24.99\nShipping: $5.99\nTax: $2.20\nTotal paid: $33.18" in text
    assert "Discount" not in text  # a zero row is not shown


def test_the_card_prices_several_of_an_item_once_and_each() -> None:
    mugs = order(
        items=(ItemView(1, "M1", "Mug", 2, Decimal("12.99")),),
        subtotal=Decimal("25.98"),
        shipping=Decimal("0"),
        tax=Decimal("0"),
        discount=Decimal("5.98"),
        total_paid=Decimal("20.00"),
        status=OrderStatus.UNPAID,
        paid_at=None,
    )
    text = plain(card_text(CATALOG, mugs, NOW))
    assert "• 2 × Mug — $25.98 ($12.99 each)" in text
    assert "Items: $25.98\nDiscount: −$5.98\nAmount due: $20.00" in text


def test_a_card_with_nothing_but_items_shows_the_total_alone() -> None:
    text = plain(
        card_text(
            CATALOG, order(shipping=Decimal(0), tax=Decimal(0), total_paid=Decimal("24.99")), NOW
        )
    )
    assert "Items:" not in text and "Total paid: $24.99" in text


def test_rows_the_breakdown_does_not_explain_are_shown_not_lost() -> None:
    text = plain(card_text(CATALOG, order(total_paid=Decimal("34.18")), NOW))
    assert "Adjustment: $1.00\nTotal paid: $34.18" in text


def test_a_cancelled_order_says_what_is_true_of_its_money() -> None:
    unpaid = plain(card_text(CATALOG, order(status=OrderStatus.CANCELLED, paid_at=None), NOW))
    assert "Nothing was charged" in unpaid and "If you paid" not in unpaid
    assert "refund" not in unpaid.replace("nothing to refund", "")
    paid = plain(card_text(CATALOG, order(status=OrderStatus.CANCELLED), NOW))
    assert "Your payment is refunded" in paid and "If you paid" not in paid


def parcel(*events: EventView) -> ShipmentView:
    return ShipmentView(
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        delivery_option=DeliveryOption.STANDARD,
        estimated_delivery=NOW + timedelta(days=2),
        events=events,
    )


def test_a_card_says_what_to_do_after_a_failed_attempt_while_it_is_the_last_news() -> None:
    """Found in the demo: a buyer who linked the order after the carrier's failed
    attempt read "Next: Follow it with the tracking link below", and had to ask."""
    attempted = EventView(NOW, TrackingTag.ATTEMPT_FAIL, "No one home", "Denver")
    text = plain(card_text(CATALOG, order(shipments=(parcel(attempted),)), NOW))
    assert "What to do: UPS usually tries again on the next business day" in text
    assert "Next:" not in text
    later = EventView(NOW + timedelta(hours=20), TrackingTag.OUT_FOR_DELIVERY, "", "Denver")
    text = plain(card_text(CATALOG, order(shipments=(parcel(attempted, later),)), NOW))
    assert "What to do" not in text and "Follow it with the tracking link below" in text


def test_a_card_of_a_parcel_at_a_pickup_point_says_where_and_to_take_an_id() -> None:
    waiting = EventView(NOW, TrackingTag.AVAILABLE_FOR_PICKUP, "", "Main St Post Office")
    text = plain(card_text(CATALOG, order(shipments=(parcel(waiting),)), NOW))
    assert "waiting for you at Main St Post Office. Take an ID" in text
    delivered = order(shipments=(parcel(waiting),), status=OrderStatus.DELIVERED, delivered_at=NOW)
    assert "What to do" not in plain(card_text(CATALOG, delivered, NOW))


def test_card_times_are_in_the_shops_timezone_named_once() -> None:
    shipment = ShipmentView(
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        delivery_option=DeliveryOption.STANDARD,
        estimated_delivery=NOW + timedelta(days=2),
        events=(EventView(NOW, TrackingTag.IN_TRANSIT, "scan", "Denver"),),
    )
    text = plain(card_text(CATALOG, order(shipments=(shipment,), timezone="Europe/Berlin"), NOW))
    assert "Tracking (times in CET)" in text
    assert "Dec 7, 14:05 — In transit, Denver" in text
    assert "Estimated delivery: Dec 9" in text
    assert "UTC" not in text


# --------------------------------------------------------------- claim history


def claim_view(history: tuple[HistoryEntry, ...], status: ClaimStatus) -> ClaimView:
    return ClaimView(
        id=1,
        number="R1",
        order_id=1,
        order_number="578000000000000001",
        shop_id=1,
        status=status,
        type=ClaimType.RETURN_AND_REFUND,
        reason=ClaimReason.DAMAGED,
        amount=Decimal("40.00"),
        currency="USD",
        items=(("Knives", 1),),
        photo_count=0,
        reused_evidence=False,
        ship_back_days=5,
        note=None,
        respond_by=None,
        ship_by=None,
        return_carrier=None,
        return_tracking=None,
        created_at=NOW,
        history=history,
        timezone="Europe/Berlin",
    )


def test_buyers_see_a_rejection_reason_as_its_label_not_its_code() -> None:
    history = (
        HistoryEntry(NOW, None, ClaimStatus.REQUESTED, ActorKind.BUYER, "Blunt"),
        HistoryEntry(
            NOW + timedelta(hours=1),
            ClaimStatus.REQUESTED,
            ClaimStatus.REJECTED,
            ActorKind.SELLER,
            "used_by_buyer: Knives were used",
        ),
    )
    text = plain(claim_text(CATALOG, claim_view(history, ClaimStatus.REJECTED)))
    assert (
        "Dec 7, 15:05 — Rejected by the seller (seller): "
        "Item used or damaged by the buyer. Knives were used"
    ) in text
    assert "used_by_buyer" not in text


def test_the_buyer_sees_one_line_for_an_approval_that_asks_for_the_item_back() -> None:
    later = NOW + timedelta(hours=2)
    history = (
        HistoryEntry(NOW, None, ClaimStatus.REQUESTED, ActorKind.BUYER, None),
        HistoryEntry(later, ClaimStatus.REQUESTED, ClaimStatus.APPROVED, ActorKind.SELLER, None),
        HistoryEntry(
            later,
            ClaimStatus.APPROVED,
            ClaimStatus.AWAITING_BUYER_SHIPMENT,
            ActorKind.SELLER,
            None,
        ),
    )
    text = plain(claim_text(CATALOG, claim_view(history, ClaimStatus.AWAITING_BUYER_SHIPMENT)))
    assert "Approved (seller)" not in text
    assert "Approved: please send the item back (seller)" in text


def seller_card(history: tuple[tuple[datetime, str, str, str | None], ...]) -> SellerCard:
    return SellerCard(
        claim_id=1,
        number="R1",
        status=ClaimStatus.AWAITING_BUYER_SHIPMENT,
        type=ClaimType.RETURN_AND_REFUND,
        reason="DAMAGED",
        order_number="578000000000000001",
        shop_name="Hearth",
        buyer_name="Alex",
        items=(("Mug", 2, Decimal("12.99")),),
        amount=Decimal("25.98"),
        currency="USD",
        note=None,
        photos=(("/a.jpg", True),) * 9,
        reused_evidence=True,
        deadline=None,
        remaining_refundable=Decimal("25.98"),
        history=history,
        timezone="America/New_York",
    )


def test_the_seller_reads_the_history_in_the_sellers_voice() -> None:
    later = NOW + timedelta(hours=2)
    history = (
        (NOW, "REQUESTED", "buyer", None),
        (NOW + timedelta(hours=1), "NEEDS_INFO", "seller", "Which knife?"),
        (NOW + timedelta(minutes=90), "REQUESTED", "buyer", "The big one"),
        (later, "APPROVED", "seller", None),
        (later, "AWAITING_BUYER_SHIPMENT", "seller", None),
    )
    text = plain(seller_card_text(CATALOG, seller_card(history), NOW))
    assert "Dec 7, 08:05 — Return requested (buyer)" in text
    assert "Dec 7, 09:05 — You asked the buyer a question (you): Which knife?" in text
    assert "Dec 7, 09:35 — The buyer answered (buyer): The big one" in text
    assert "The seller asked you a question" not in text
    assert "(seller)" not in text
    assert text.count("Approved") == 2  # the status line and one history line
    assert "Approved: the buyer sends the item back (you)" in text


def test_the_sellers_card_prices_items_like_the_buyers_and_keeps_its_line_breaks() -> None:
    text = plain(seller_card_text(CATALOG, seller_card(()), NOW))
    assert "• 2 × Mug — $25.98 ($12.99 each)" in text
    assert "Photos: 9\n⚠️ Reused evidence:" in text


def test_notes_the_bot_writes_are_codes_rendered_for_each_reader() -> None:
    note = coded("seller_late")
    assert json.loads(note)["code"] == "seller_late"
    buyer = (HistoryEntry(NOW, None, ClaimStatus.APPROVED, ActorKind.SYSTEM, note),)
    text = plain(claim_text(CATALOG, claim_view(buyer, ClaimStatus.APPROVED)))
    assert "Approved (automatic): the seller did not answer in time" in text
    seller = plain(
        seller_card_text(CATALOG, seller_card(((NOW, "APPROVED", "system", note),)), NOW)
    )
    assert "Approved (automatic): you did not answer in time" in seller


def test_old_rows_written_as_sentences_still_read_well() -> None:
    old = (
        HistoryEntry(
            NOW, None, ClaimStatus.APPROVED, ActorKind.SYSTEM, "seller did not answer in time"
        ),
        HistoryEntry(NOW, None, ClaimStatus.CANCELLED, ActorKind.BUYER, "withdrawn by the buyer"),
        HistoryEntry(NOW, None, ClaimStatus.REQUESTED, ActorKind.BUYER, "a note someone typed"),
    )
    text = plain(claim_text(CATALOG, claim_view(old, ClaimStatus.CANCELLED)))
    assert "Approved (automatic): the seller did not answer in time" in text
    assert "Withdrawn (you)" in text and "withdrawn by the buyer" not in text
    assert "Waiting for the seller (you): a note someone typed" in text


def test_a_closing_notification_renders_the_coded_note() -> None:
    n = Notification.load(
        1,
        "claim_update",
        {
            "claim_id": 1,
            "claim_number": "R1",
            "status": "CLOSED",
            "amount": "10.00",
            "refunded": None,
            "currency": "USD",
            "note": coded("not_sent_back"),
            "ship_by": None,
            "appeal_by": None,
        },
    )
    [sent] = render(n, CATALOG)
    assert isinstance(sent, SendText)
    assert "is closed: the item was not sent back in time." in plain(sent.text)


# ------------------------------------------------------------------ transcripts


def test_transcript_lines_are_stamped_in_the_shops_zone() -> None:
    ticket = fit_cards.ticket(timezone="Europe/Berlin")
    text = transcript_text(CATALOG, ticket, [TranscriptLine(NOW, "buyer", "Alex", "text", "hi")])
    assert "[Dec 7, 14:05 CET] Requester Alex: hi" in text


def test_staff_see_how_long_a_ticket_waits_in_words() -> None:
    waiting = fit_cards.ticket(waiting_since=NOW - timedelta(hours=50, minutes=3))
    assert "waiting 2 days 2 hours" in plain(tickets_list(CATALOG, [waiting], NOW))
