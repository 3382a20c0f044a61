"""Renderers of delivery care's notices (`bot.services.delivery_care`): the buyer's
"late" and "stuck" messages with their buttons, and the sellers' Express flag.

Registered with `handlers.notifications.renderer` (imported at the end of that module).
"""

from __future__ import annotations

from bot.services.notices import DeliveryCare, ExpressLate
from handlers.buyer.care import WAIT
from handlers.buyer.care_text import eta_text, last_event_line, parcel_line
from handlers.catalog import Catalog
from handlers.fit import Field, Piece, fit, line
from handlers.notifications import renderer
from handlers.types import Button, Keyboard, Outbound, SendText


@renderer(DeliveryCare)
def delivery_care(catalog: Catalog, chat_id: int, p: DeliveryCare) -> list[Outbound]:
    """What the bot knows about the parcel, and the buttons that apply."""
    eta = eta_text(catalog, p.estimated_delivery, p.timezone)
    if p.concern == "late":
        title = line(
            catalog,
            "care.late_express" if p.express else "care.late",
            number=Field(p.order_number),
            eta=eta,
        )
    else:
        title = line(catalog, "care.stuck", number=Field(p.order_number), count=p.quiet_days)
    pieces: list[Piece] = [
        title,
        "",
        parcel_line(catalog, p.carrier, p.tracking_number, p.tracking_url),
        last_event_line(
            catalog, tag=p.last_tag, at=p.last_at, location=p.last_location, timezone=p.timezone
        ),
    ]
    if p.concern != "late" and p.estimated_delivery is not None:
        pieces.append(catalog.t("care.eta", eta=eta))
    help_key = "help_report" if p.can_report else "help"
    pieces += ["", catalog.t(f"care.{p.concern}_{help_key}")]
    text = fit(*pieces, notice=catalog.t("fit.notice_plain"))
    first = [Button(catalog.plain("care.wait_button"), WAIT.pack(order=p.order_id))]
    if p.can_report:
        # The card's Return button: the flow checks the one rule again when pressed,
        # and for a parcel past its estimate it offers "not received" only.
        first.append(Button(catalog.plain("care.report_button"), f"rs:{p.order_id}"))
    second = [
        Button(catalog.plain("support.human_button"), f"hp:{p.order_id}"),
        Button(catalog.plain("notify.open_order"), f"o:{p.order_id}"),
    ]
    return [SendText(chat_id, text, Keyboard.of(first, second))]


@renderer(ExpressLate)
def express_late(catalog: Catalog, chat_id: int, p: ExpressLate) -> list[Outbound]:
    """To sellers: an Express parcel is past its estimate."""
    text = fit(
        line(
            catalog,
            "care.express_seller",
            number=Field(p.order_number),
            eta=eta_text(catalog, p.estimated_delivery, p.timezone),
        ),
        parcel_line(catalog, p.carrier, p.tracking_number, p.tracking_url),
        last_event_line(catalog, tag=p.last_tag, at=p.last_at, location=None, timezone=p.timezone),
        "",
        catalog.t("care.express_seller_hint"),
        notice=catalog.t("fit.notice_plain"),
    )
    return [SendText(chat_id, text)]
