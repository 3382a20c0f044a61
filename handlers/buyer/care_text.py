"""Words of delivery care (catalog table `care`): what to do after a failed delivery
attempt, at a pickup point or after a carrier problem, and the parcel lines the late
and stuck messages share.

Pieces for `handlers.fit.fit`: the carrier's words and places are `Field`s (escaped,
shortened first when a message would be too long).  Used by the order-change notice
(`handlers.notifications.order_changed`, the advice goes in that same message) and
by the delivery care renderers (`handlers.buyer.care_notices`).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.carriers import normalise_carrier
from bot.services.notices import DeliveryAdvice
from handlers.catalog import Catalog
from handlers.fit import Field, Piece, line
from handlers.formatting import format_when


def advice_pieces(catalog: Catalog, advice: DeliveryAdvice) -> list[Piece]:
    """What to do next, then where to track it."""
    return [
        "",
        advice_line(catalog, advice),
        parcel_line(catalog, advice.carrier, advice.tracking_number, advice.tracking_url),
    ]


def advice_line(catalog: Catalog, advice: DeliveryAdvice) -> Piece:
    """What to do next, in the carrier's own terms when the catalog has them
    (`care.by_carrier.<kind>.<carrier>`), else in general ones.  The order card says it
    too, in place of its "Next:" line, for as long as the event is the parcel's last."""
    try:
        carrier = normalise_carrier(advice.carrier)  # "ups", "U.P.S." → "UPS"
    except ValueError:
        carrier = advice.carrier  # a carrier with no wording of its own
    specific = f"care.by_carrier.{advice.kind}.{carrier}"
    key = specific if catalog.has(specific) else f"care.advice.{advice.kind}"
    params: dict[str, object] = {"carrier": Field(advice.carrier)}
    if advice.kind == "pickup":
        if advice.location:
            params["place"] = Field(advice.location)
        else:
            key = "care.advice.pickup_no_place"
    if advice.kind == "exception":
        params["detail"] = (
            line(catalog, "care.advice.carrier_said", message=Field(advice.message))
            if advice.message
            else ""
        )
    return line(catalog, key, **params)


def parcel_line(catalog: Catalog, carrier: str, tracking: str, url: str | None) -> Piece:
    """The carrier and the tracking number, linked to the carrier's page when known."""
    if url:
        return line(
            catalog, "care.parcel", carrier=Field(carrier), tracking=Field(tracking), url=url
        )
    return line(catalog, "care.parcel_no_link", carrier=Field(carrier), tracking=Field(tracking))


def last_event_line(
    catalog: Catalog,
    *,
    tag: str | None,
    at: datetime | None,
    location: str | None,
    timezone: str,
) -> Piece:
    """The newest checkpoint and when it was, in the shop's timezone; or that the
    carrier has reported nothing since the label was made."""
    if tag is None or at is None:
        return catalog.t("care.no_event")
    place = line(catalog, "card.event_place", location=Field(location)) if location else ""
    return line(
        catalog,
        "care.last_event",
        tag=catalog.plain(f"tag.{tag}") if catalog.has(f"tag.{tag}") else Field(tag),
        place=place,
        when=format_when(at, timezone, show_zone=True, language=catalog.language),
    )


def eta_text(catalog: Catalog, eta: datetime | None, timezone: str) -> str:
    if eta is None:
        return catalog.plain("care.no_eta")
    return format_when(eta, timezone, with_time=False, language=catalog.language)
