"""Delivery care's pure parts: when a parcel is late or stuck (bot.domain.delivery_care),
which tracking events get advice, and how the advice and the care messages read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.care import CarePolicy
from bot.domain.delivery_care import HORIZON, advice_for, concern, tracking_fresh
from bot.domain.enums import OrderStatus, TrackingTag
from bot.services.notices import DeliveryAdvice, DeliveryCare, ExpressLate, OrderChanged
from bot.services.outbox import Notification
from handlers.catalog import Catalog
from handlers.notifications import render
from handlers.types import SendText
from tests.harness import plain

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ON = CarePolicy(delivery_care=True)  # stuck after 4 days, tracking fresh for 48 hours


def ask(**changes: object) -> str | None:
    facts: dict[str, object] = {
        "now": NOW,
        "policy": ON,
        "status": OrderStatus.IN_TRANSIT,
        "tracking_updated_at": NOW - timedelta(hours=1),
        "estimated_delivery": NOW + timedelta(days=2),
        "last_event_at": NOW - timedelta(days=1),
        "last_tag": "InTransit",
        "shipped_at": NOW - timedelta(days=3),
    }
    facts.update(changes)
    return concern(**facts)  # type: ignore[arg-type]


def test_a_parcel_on_time_with_recent_news_is_fine() -> None:
    assert ask() is None


def test_past_the_estimate_is_late_whatever_the_tracking() -> None:
    assert ask(estimated_delivery=NOW - timedelta(minutes=1)) == "late"
    # Late is a promise broken, not a reading of the tracking: stale tracking still counts.
    assert ask(estimated_delivery=NOW - timedelta(days=1), tracking_updated_at=None) == "late"
    # ...but not for ever (the outbox forgets its dedupe keys after 90 days).
    assert ask(estimated_delivery=NOW - HORIZON - timedelta(days=1)) is None


def test_quiet_for_stuck_after_days_is_stuck_only_on_fresh_tracking() -> None:
    quiet = {"last_event_at": NOW - timedelta(days=4)}
    assert ask(**quiet) == "stuck"
    assert ask(last_event_at=NOW - timedelta(days=3, hours=23)) is None
    assert ask(**quiet, tracking_updated_at=None) is None
    assert ask(**quiet, tracking_updated_at=NOW - timedelta(hours=49)) is None
    assert ask(**quiet, tracking_updated_at=NOW - timedelta(hours=48)) == "stuck"
    longer = CarePolicy(delivery_care=True, stuck_after_days=7, tracking_fresh_hours=100)
    assert ask(**quiet, policy=longer) is None
    assert ask(**quiet, policy=longer, tracking_updated_at=NOW - timedelta(hours=99)) is None
    assert ask(last_event_at=NOW - timedelta(days=7), policy=longer) == "stuck"


def test_no_event_counts_from_shipping_and_nothing_known_is_nothing() -> None:
    assert ask(last_event_at=None, last_tag=None, shipped_at=NOW - timedelta(days=5)) == "stuck"
    assert ask(last_event_at=None, last_tag=None, shipped_at=None) is None


def test_late_wins_over_stuck() -> None:
    assert (
        ask(estimated_delivery=NOW - timedelta(days=1), last_event_at=NOW - timedelta(days=9))
        == "late"
    )


@pytest.mark.parametrize("status", ["DELIVERED", "COMPLETED", "CANCELLED"])
def test_settled_orders_are_left_alone(status: str) -> None:
    assert ask(status=OrderStatus(status), estimated_delivery=NOW - timedelta(days=1)) is None


@pytest.mark.parametrize("tag", ["Delivered", "AvailableForPickup"])
def test_a_parcel_delivered_or_at_a_pickup_point_needs_no_reminder(tag: str) -> None:
    assert ask(last_tag=tag, estimated_delivery=NOW - timedelta(days=1)) is None
    assert ask(last_tag=tag, last_event_at=NOW - timedelta(days=6)) is None


def test_off_means_nothing() -> None:
    assert ask(policy=CarePolicy(), estimated_delivery=NOW - timedelta(days=1)) is None


def test_tracking_fresh() -> None:
    assert not tracking_fresh(None, NOW, ON)
    assert tracking_fresh(NOW - timedelta(hours=48), NOW, ON)
    assert not tracking_fresh(NOW - timedelta(hours=48, seconds=1), NOW, ON)


def test_which_events_get_advice() -> None:
    assert advice_for(TrackingTag.ATTEMPT_FAIL) == "attempt_fail"
    assert advice_for("AvailableForPickup") == "pickup"
    assert advice_for("Exception") == "exception"
    assert [t for t in TrackingTag if advice_for(t)] == [
        TrackingTag.ATTEMPT_FAIL,
        TrackingTag.AVAILABLE_FOR_PICKUP,
        TrackingTag.EXCEPTION,
    ]
    assert advice_for("Teleported") is None


# ------------------------------------------------------------------ words


def rendered(notice: object, language: str = "en") -> tuple[str, str, list[str]]:
    """(plain text, HTML, button labels) of the one message a notice renders to."""
    [action] = render(Notification(1001, notice), Catalog(language))  # type: ignore[arg-type]
    assert isinstance(action, SendText)
    labels = [b.text for row in action.keyboard.rows for b in row] if action.keyboard else []
    return plain(action.text), action.text, labels


def tracking_notice(advice: DeliveryAdvice) -> OrderChanged:
    return OrderChanged(
        order_id=7, order_number="5781", status="IN_TRANSIT", status_changed=True, advice=advice
    )


def test_carrier_specific_advice_where_it_helps_and_generic_otherwise() -> None:
    ups = DeliveryAdvice(
        kind="attempt_fail",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
    )
    text, html, labels = rendered(tracking_notice(ups))
    assert "Change My Delivery" in text and "Parcel: UPS 1Z999AA10123456784" in text
    assert '<a href="https://www.ups.com/track?tracknum=1Z999AA10123456784">' in html
    assert labels == ["Open order", "🙋 Talk to a person"]
    typed = DeliveryAdvice(kind="attempt_fail", carrier="u.p.s.", tracking_number="1Z9")
    assert "Change My Delivery" in rendered(tracking_notice(typed))[0]  # as shops type it
    usps = DeliveryAdvice(kind="attempt_fail", carrier="USPS", tracking_number="9400")
    assert "usps.com/redelivery" in rendered(tracking_notice(usps))[0]
    other = DeliveryAdvice(kind="attempt_fail", carrier="OnTrac", tracking_number="C1")
    text, html, _ = rendered(tracking_notice(other))
    assert "OnTrac usually tries again on the next working day" in text
    assert "Parcel: OnTrac C1" in text and "<a " not in html


def test_pickup_names_the_place_and_people_text_is_escaped() -> None:
    at = DeliveryAdvice(
        kind="pickup", carrier="DHL", tracking_number="3318810025", location="<b>Kiosk</b> & Co"
    )
    text, html, _ = rendered(tracking_notice(at))
    assert "waiting for you at <b>Kiosk</b> & Co" in text
    assert "&lt;b&gt;Kiosk&lt;/b&gt; &amp; Co" in html
    nowhere = DeliveryAdvice(kind="pickup", carrier="DHL", tracking_number="3318810025")
    assert (
        "the carrier's tracking page below says which one" in rendered(tracking_notice(nowhere))[0]
    )


def test_exception_quotes_the_carrier_only_when_it_said_something() -> None:
    said = DeliveryAdvice(
        kind="exception", carrier="FedEx", tracking_number="1", message="Customs hold"
    )
    assert (
        "FedEx reported a problem with the parcel (“Customs hold”)."
        in rendered(tracking_notice(said))[0]
    )
    silent = DeliveryAdvice(kind="exception", carrier="FedEx", tracking_number="1")
    assert "FedEx reported a problem with the parcel. Most" in rendered(tracking_notice(silent))[0]


def care(**changes: object) -> DeliveryCare:
    facts: dict[str, object] = {
        "shop_id": 1,
        "concern": "late",
        "order_id": 7,
        "order_number": "5781",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "estimated_delivery": NOW - timedelta(days=1),
        "last_tag": "InTransit",
        "last_at": NOW - timedelta(days=2),
        "last_location": "Memphis, TN",
        "timezone": "Europe/Madrid",
    }
    facts.update(changes)
    return DeliveryCare(**facts)  # type: ignore[arg-type]


def test_late_message_in_english_and_spanish_in_the_shop_timezone() -> None:
    text, _, labels = rendered(care(can_report=True))
    assert text.startswith("⏰ Your order 5781 is running late: it was expected by Jan 14.")
    assert "Last update: In transit, Memphis, TN, Jan 13, 13:00 CET" in text
    assert labels == ["⏳ I'll wait", "📭 Report not received", "🙋 Talk to a person", "Open order"]
    text, _, labels = rendered(care(can_report=True), "es")
    assert text.startswith("⏰ Tu pedido 5781 va con retraso: se esperaba para el 14 ene.")
    assert "Última novedad: En tránsito, Memphis, TN, 13 ene, 13:00 CET" in text
    assert labels[:2] == ["⏳ Esperaré", "📭 No lo he recibido"]


def test_stuck_message_counts_days_and_says_when_nothing_came() -> None:
    text, _, labels = rendered(
        care(concern="stuck", quiet_days=1, last_tag=None, last_at=None, estimated_delivery=None)
    )
    assert "for 1 day." in text and "none yet since the label was made" in text
    assert "Estimated delivery" not in text
    assert labels == ["⏳ I'll wait", "🙋 Talk to a person", "Open order"]
    es = rendered(care(concern="stuck", quiet_days=6, estimated_delivery=NOW), "es")[0]
    assert "desde hace 6 días" in es and "Entrega estimada: 15 ene" in es


def test_the_sellers_express_flag() -> None:
    flag = ExpressLate(
        order_id=7,
        order_number="5781",
        carrier="FedEx",
        tracking_number="986578788855",
        tracking_url=None,
        estimated_delivery=NOW - timedelta(days=1),
        timezone="UTC",
    )
    text, _, labels = rendered(flag)
    assert text.startswith("🚀 Express order 5781 is late: it was expected by Jan 14.")
    assert "Parcel: FedEx 986578788855" in text and labels == []
