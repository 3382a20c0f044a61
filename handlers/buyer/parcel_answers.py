"""One-line answers about the order whose card is still on the buyer's screen.

"When will it arrive?", "has it moved at all?", "why is it stuck", "what carrier is
it with": each asks for one fact the card holds.  The whole card again (items, money,
timeline) for every follow-up buries the answer, so while the card is on screen
(`views.card_on_screen`) these questions get the fact, and what the buyer can do
about it.  None means the card says it better (late, a carrier's advice, nothing
shipped yet): the caller shows the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.policy import ON_ITS_WAY
from bot.services.notices import DeliveryAdvice
from bot.services.views import OrderView, ShipmentView
from bot.understanding.parcel_questions import (
    asks_about_the_parcel,
    asks_for_the_carrier,
    asks_if_it_moved,
    asks_until_when,
    asks_what_time,
    asks_what_to_do,
    asks_when_it_arrives,
    asks_why_late,
    missed_the_delivery,
)
from handlers.buyer.care_text import advice_pieces, eta_text, last_event_line, parcel_line
from handlers.buyer.views import format_date, parcel_advice, safe_tracking_url
from handlers.catalog import Catalog
from handlers.fit import Field, Piece, fit, line


@dataclass(frozen=True, slots=True)
class LineAnswer:
    text: str
    # The buyer may want a person next (a parcel gone quiet): the caller adds the button.
    offer_person: bool = False
    # The order may be reported as not received now (a late parcel): its button too.
    offer_report: bool = False


def answer_in_a_line(
    catalog: Catalog, order: OrderView, said: str, now: datetime
) -> LineAnswer | None:
    """The fact `said` asks for about `order`, or None (show the card)."""
    if order.status not in ON_ITS_WAY:
        return None
    advice = parcel_advice(order)
    if advice is not None:
        # A missed delivery, a parcel at a pickup point: what to do is the answer to
        # "can they try again", "where do i pick it up", "has it moved", "when".
        asked = (
            asks_what_to_do(said)
            or asks_about_the_parcel(said)
            or asks_when_it_arrives(said)
            or missed_the_delivery(said)
        )
        return _what_to_do(catalog, order, advice, said) if asked else None
    late = order.estimated_delivery is not None and now > order.estimated_delivery
    if late:
        # "why is it late", "has it moved", "what now": the carrier's news and what
        # the buyer can do, as the late notice says it; anything else gets the card.
        asked = (
            asks_why_late(said)
            or asks_if_it_moved(said)
            or asks_when_it_arrives(said)
            or asks_what_to_do(said)
        )
        return _late(catalog, order, now) if asked else None
    if missed_the_delivery(said):
        return _no_attempt_yet(catalog, order)
    if asks_if_it_moved(said):
        return _news(catalog, order, now)
    if asks_for_the_carrier(said):
        return _carrier(catalog, order)
    if asks_when_it_arrives(said) and (when := when_it_arrives(catalog, order)) is not None:
        if asks_what_time(said) and (shipments := _tracked(order)):
            # "what time will it come": no estimate has the hour; the carrier's page
            # shows it on the day.
            pieces: list[Piece] = [when, "", catalog.t("parcel_answer.time_of_day")]
            return LineAnswer(fit(*pieces, *(_parcel(catalog, s) for s in shipments)))
        return LineAnswer(when)
    return None


def _what_to_do(
    catalog: Catalog, order: OrderView, advice: DeliveryAdvice, said: str
) -> LineAnswer:
    """The parcel's latest news, what to do about it (the card's advice, in the
    carrier's terms) and where to track it; a person may still help."""
    shipment = next(s for s in order.shipments if s.tracking_number == advice.tracking_number)
    last = shipment.events[-1]  # the event the advice is for
    pieces: list[Piece] = [
        line(catalog, "parcel_answer.what_to_do", number=Field(order.order_number)),
        last_event_line(
            catalog,
            tag=last.tag.value,
            at=last.at,
            location=last.location,
            timezone=order.timezone,
        ),
        *advice_pieces(catalog, advice),
    ]
    if advice.kind == "pickup" and asks_until_when(said):
        pieces.append(line(catalog, "parcel_answer.pickup_until", carrier=Field(advice.carrier)))
    return LineAnswer(fit(*pieces), offer_person=True)


def _late(catalog: Catalog, order: OrderView, now: datetime) -> LineAnswer | None:
    """A parcel past its estimate: that it is late, the carrier's latest news, and what
    the buyer can do (report it as not received, when the return rules allow it now)."""
    shipments = _tracked(order)
    if not shipments or order.estimated_delivery is None:
        return None
    eta = eta_text(catalog, order.estimated_delivery, order.timezone)
    key = "care.late_express" if order.is_express else "care.late"
    pieces: list[Piece] = [line(catalog, key, number=Field(order.order_number), eta=eta), ""]
    pieces += _latest_news(catalog, order, shipments)
    can_report = order.may_report_not_received(now)
    pieces += ["", catalog.t("care.late_help_report" if can_report else "care.late_help")]
    return LineAnswer(fit(*pieces), offer_person=True, offer_report=can_report)


def when_it_arrives(catalog: Catalog, order: OrderView) -> str | None:
    """ "When will it arrive?" about an order on schedule: the day.  None with no
    estimate."""
    eta = order.estimated_delivery
    if eta is None:
        return None
    date = format_date(eta, with_time=False, zone=order.timezone, language=catalog.language)
    return catalog.t("card.eta_answer", number=order.order_number, date=date)


def _tracked(order: OrderView) -> list[ShipmentView]:
    return [s for s in order.shipments if s.tracking_number]


def _carrier(catalog: Catalog, order: OrderView) -> LineAnswer | None:
    shipments = _tracked(order)
    if not shipments:
        return None
    pieces: list[Piece] = [line(catalog, "parcel_answer.carrier", number=order.order_number)]
    pieces += [_parcel(catalog, s) for s in shipments]
    return LineAnswer(fit(*pieces))


def _parcel(catalog: Catalog, shipment: ShipmentView) -> Piece:
    url = safe_tracking_url(shipment.carrier, shipment.tracking_number)
    return parcel_line(catalog, shipment.carrier, shipment.tracking_number, url)


def _latest_news(catalog: Catalog, order: OrderView, shipments: list[ShipmentView]) -> list[Piece]:
    """Each parcel's carrier and tracking link, and its newest checkpoint."""
    pieces: list[Piece] = []
    for shipment in shipments:
        last = shipment.events[-1] if shipment.events else None
        pieces += [
            _parcel(catalog, shipment),
            last_event_line(
                catalog,
                tag=last.tag.value if last else None,
                at=last.at if last else None,
                location=last.location if last else None,
                timezone=order.timezone,
            ),
        ]
    return pieces


def _no_attempt_yet(catalog: Catalog, order: OrderView) -> LineAnswer | None:
    """ "the courier couldnt find my house", "ups says nobody was home but i was home
    all day" about a parcel whose tracking shows no failed attempt (found in the demo:
    the card again, which says nothing of it): what the tracking does show, that an
    attempt can take a while to appear there, and a person who can ask the carrier."""
    shipments = _tracked(order)
    if not shipments:
        return None
    pieces: list[Piece] = [
        line(catalog, "parcel_answer.no_attempt_yet", number=Field(order.order_number))
    ]
    pieces += _latest_news(catalog, order, shipments)
    pieces += ["", catalog.t("parcel_answer.no_attempt_help")]
    return LineAnswer(fit(*pieces), offer_person=True)


def _news(catalog: Catalog, order: OrderView, now: datetime) -> LineAnswer | None:
    """The newest checkpoint of each parcel and when the order is due; a parcel quiet
    for the shop's "stuck" days says so, with what the buyer can do."""
    shipments = _tracked(order)
    if not shipments:
        return None
    quiet_days = order.quiet_days(now) or 0
    stuck = order.gone_quiet(now)
    number = Field(order.order_number)
    pieces: list[Piece] = [
        line(catalog, "care.stuck", number=number, count=quiet_days)
        if stuck
        else line(catalog, "parcel_answer.moving", number=number)
    ]
    pieces += _latest_news(catalog, order, shipments)
    eta = order.estimated_delivery
    pieces.append(catalog.t("care.eta", eta=eta_text(catalog, eta, order.timezone)))
    if stuck:
        pieces += [
            "",
            catalog.t("parcel_answer.stuck_help", eta=eta_text(catalog, eta, order.timezone))
            if eta is not None
            else catalog.t("care.stuck_help"),
        ]
    return LineAnswer(fit(*pieces), offer_person=stuck)
