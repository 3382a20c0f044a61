"""Rendering of orders for buyers: the order card and the orders list."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from bot.domain.carriers import tracking_url
from bot.domain.delivery_care import SETTLED, advice_for
from bot.domain.enums import DeliveryOption, OrderStatus
from bot.domain.marketplace import buyer_acts_here, display_name
from bot.domain.money import format_money
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST
from bot.services.notices import DeliveryAdvice
from bot.services.orders import OrderPage
from bot.services.views import OrderView
from handlers.buyer.care_text import advice_line
from handlers.catalog import Catalog, Safe
from handlers.core import CARD_SHOWN, Context, within
from handlers.fit import BUTTON, Field, Lines, Piece, cut, fit, line, lines
from handlers.formatting import format_when, line_price, zone_name
from handlers.types import Button, Keyboard

TIMELINE_EVENTS = 4


def format_date(
    moment: datetime,
    *,
    with_time: bool = True,
    zone: tzinfo | str | None = None,
    show_zone: bool | None = None,
    language: str = "en",
) -> str:
    """A moment in the one date style ("Dec 7, 14:05"), in the shop's timezone `zone`.
    A single time (a deadline) names its zone ("Dec 7, 14:05 CET"), so nobody must
    guess it; a list of times (history, tracking) passes `show_zone=False` and names
    the zone once, in its title."""
    if show_zone is None:
        show_zone = with_time
    return format_when(moment, zone, with_time=with_time, show_zone=show_zone, language=language)


def status_label(catalog: Catalog, status: OrderStatus) -> str:
    return catalog.plain(f"status.{status.value}.label")


def next_step(catalog: Catalog, order: OrderView) -> str:
    """What happens next; for a cancelled order, what is true of its money (nothing was
    charged, or the refund is on its way), not "if you paid"."""
    if order.status == OrderStatus.CANCELLED:
        paid = order.paid_at is not None and order.total_paid > 0
        return catalog.t("cards2.cancelled_paid" if paid else "cards2.cancelled_unpaid")
    return catalog.t(f"status.{order.status.value}.next", days=order.policy.return_window_days)


def parcel_advice(order: OrderView) -> DeliveryAdvice | None:
    """What the buyer can do about a parcel whose last checkpoint calls for it (a failed
    delivery attempt, a pickup point, a carrier problem), while the order is on its way:
    the same advice the tracking notice carried, for a buyer who missed that notice or
    linked the order after it ("can they try again tomorrow?" under the card)."""
    if order.status in SETTLED:  # the parcels are no longer watched
        return None
    for shipment in order.shipments:
        if not shipment.events:
            continue
        last = shipment.events[-1]
        if (kind := advice_for(last.tag)) is not None:
            return DeliveryAdvice(
                kind=kind,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                tracking_url=safe_tracking_url(shipment.carrier, shipment.tracking_number),
                location=last.location,
                message=last.message,
            )
    return None


def _next_line(catalog: Catalog, order: OrderView) -> Piece:
    advice = parcel_advice(order)
    if advice is not None:
        return advice_line(catalog, advice)
    return catalog.t("card.next", next=Safe(next_step(catalog, order)))


def marketplace_note(catalog: Catalog, order: OrderView) -> list[str]:
    """For a marketplace order, where it is cancelled and returned (its app)."""
    if order.marketplace is None or buyer_acts_here(order.marketplace):
        return []
    return [catalog.t("marketplace_buyer.order_note", marketplace=display_name(order.marketplace))]


def card_text(catalog: Catalog, order: OrderView, now: datetime) -> str:
    """The order card, within Telegram's limit however many items (with names of up to
    300 characters) and parcels the order has: long names are shortened first, then
    the last items and parcels are counted instead of listed."""
    t = catalog.t
    status = order.status
    items = [
        line(
            catalog,
            "card.item",
            quantity=item.quantity,
            name=Field(item.name),
            price=line_price(catalog, item.quantity, item.unit_price, order.currency),
        )
        for item in order.items
    ]
    zone = order.timezone
    pieces: list[Piece] = [
        line(catalog, "card.title", number=Field(order.order_number), shop=Field(order.shop_name)),
        "",
        t(
            "card.status",
            label=status_label(catalog, status),
            meaning=Safe(t(f"status.{status.value}.meaning")),
        ),
        _next_line(catalog, order),
        *([t("card.cancel_asked")] if order.cancel_asked else []),
        *marketplace_note(catalog, order),
        "",
        t("card.items_title"),
        lines(items, catalog, "fit.more_items"),
        *money_rows(catalog, order),
    ]
    parcels: list[Piece] = []
    for shipment in order.shipments:
        option = t(
            "card.express"
            if shipment.delivery_option == DeliveryOption.EXPRESS
            else "card.standard"
        )
        url = safe_tracking_url(shipment.carrier, shipment.tracking_number)
        parcel: list[Piece] = [
            "",
            line(
                catalog,
                "card.delivery" if url else "card.delivery_no_link",
                option=Safe(option),
                carrier=Field(shipment.carrier),
                tracking=Field(shipment.tracking_number),
                url=url or "",
            ),
        ]
        if status == OrderStatus.DELIVERED and order.delivered_at:
            parcel.append(
                t(
                    "card.delivered_on",
                    date=format_date(order.delivered_at, zone=zone, language=catalog.language),
                )
            )
        elif shipment.estimated_delivery and status not in (
            OrderStatus.COMPLETED,
            OrderStatus.CANCELLED,
        ):
            late = now > shipment.estimated_delivery
            parcel.append(
                t(
                    "card.eta_late" if late else "card.eta",
                    date=format_date(
                        shipment.estimated_delivery,
                        with_time=False,
                        zone=zone,
                        language=catalog.language,
                    ),
                )
            )
        if shipment.events:
            latest = shipment.events[-1].at
            parcel.append(t("cards2.timeline_title", zone=zone_name(latest, zone)))
            for event in list(reversed(shipment.events))[:TIMELINE_EVENTS]:
                place = (
                    line(catalog, "card.event_place", location=Field(event.location))
                    if event.location
                    else ""
                )
                parcel.append(
                    line(
                        catalog,
                        "card.event",
                        date=format_date(
                            event.at, zone=zone, show_zone=False, language=catalog.language
                        ),
                        tag=catalog.plain(f"tag.{event.tag.value}"),
                        place=place,
                    )
                )
        parcels.append(Lines(parcel))
    if parcels:
        pieces.append(lines(parcels, catalog, "fit.more_parcels"))
    return fit(*pieces, notice=t("fit.notice_order"))


def money_rows(catalog: Catalog, order: OrderView) -> list[str]:
    """What the order cost, row by row: items, shipping, discount, tax, then what was
    paid (or is due).  Only non-zero rows; with no extra row the total alone says it.
    The rows always add up to the total shown: anything the breakdown does not explain
    (a total imported without its parts) is its own row, not silently lost."""
    t, cur = catalog.t, order.currency
    total_key = "card.unpaid_total" if order.status == OrderStatus.UNPAID else "card.total"
    total = t(total_key, total=format_money(order.total_paid, cur, catalog.language))
    if not (order.subtotal or order.shipping or order.discount or order.tax):
        return [total]  # no breakdown on record (no payment yet): nothing to add up
    subtotal = order.subtotal
    rows: list[tuple[str, Decimal]] = [
        ("cards2.shipping", order.shipping),
        ("cards2.discount", order.discount),
        ("cards2.tax", order.tax),
    ]
    explained = subtotal + order.shipping - order.discount + order.tax
    rows.append(("cards2.adjustment", order.total_paid - explained))
    shown = [
        t(key, amount=format_money(amount, cur, catalog.language))
        for key, amount in rows
        if amount != 0
    ]
    if not shown:
        return [total]
    return [
        t("cards2.subtotal", amount=format_money(subtotal, cur, catalog.language)),
        *shown,
        total,
    ]


def safe_tracking_url(carrier: str, number: str) -> str | None:
    try:
        return tracking_url(carrier, number)
    except ValueError:
        return None  # a carrier we have no link for: show the number only


def card_fingerprint(text: str) -> str:
    """Short hash of a rendered card, carried in the Refresh button so that refreshing
    an unchanged card answers "no changes" instead of an edit Telegram would refuse."""
    return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def card_keyboard(catalog: Catalog, order: OrderView, text: str, now: datetime) -> Keyboard:
    """Only the buttons that apply to this order now."""
    p = catalog.plain
    row: list[Button] = [Button(p("card.refresh"), f"or:{order.id}:{card_fingerprint(text)}")]
    if not buyer_acts_here(order.marketplace):
        pass  # cancelled and returned on the marketplace (the card says so)
    elif order.status in CANCEL_AT_ONCE:
        row.append(Button(p("card.cancel"), f"oc:{order.id}"))
    elif order.status in CANCEL_ON_REQUEST and not order.cancel_asked:
        row.append(Button(p("cancel_request.button"), f"ok:{order.id}"))
    elif order.status in CANCEL_ON_REQUEST:  # asked, not answered: it can be taken back
        row.append(Button(p("cancel_request.withdraw_button"), f"kw:{order.id}"))
    extra: list[Button] = []
    if order.why_no_request(now) is None:
        extra.append(Button(p("returns.return_button"), f"rs:{order.id}"))
    extra.append(Button(p("support.human_button"), f"hp:{order.id}"))
    return Keyboard.of(row, extra, [Button(p("card.back_to_list"), "ol:1")])


def render_card(catalog: Catalog, order: OrderView, now: datetime) -> tuple[str, Keyboard]:
    text = card_text(catalog, order, now)
    return text, card_keyboard(catalog, order, text, now)


# The order whose card was shown last is remembered (`CARD_SHOWN`, kept across flows)
# with when: a message soon after that points back at it ("whats happening with it??"
# right under a card was asked "Which order do you mean?") is about that one.
CARD_CONTEXT = timedelta(minutes=30)


# The orders a list just showed, as buttons (`handlers.buyer.orders.listed`): "2" or
# "the late one" typed next means that button.
LISTED = "orders_listed"


def show_card(ctx: Context, order: OrderView) -> None:
    """Send the order's card, and remember it as the order the conversation is on (a
    refresh edits a card already remembered).  A list shown before is answered: what
    is typed under the card is about the card (found in the demo: "why is it late"
    under a card tapped from /orders was read as "the late one" of the list)."""
    now = ctx.services.clock.now()
    ctx.reply(*render_card(ctx.catalog, order, now))
    ctx.state.data[CARD_SHOWN] = {"order": order.id, "at": now.isoformat()}
    ctx.state.data.pop(LISTED, None)


def card_just_shown(ctx: Context) -> int | None:
    """The order whose card was shown last, if that was recent (see CARD_SHOWN)."""
    shown = ctx.state.data.get(CARD_SHOWN)
    if not isinstance(shown, dict) or not within(ctx, shown.get("at"), CARD_CONTEXT):
        return None
    order = shown.get("order")
    return order if isinstance(order, int) else None


# A card shown this recently is still on the buyer's screen: a question about it is
# answered in a line, not with the whole card again.
ON_SCREEN = timedelta(minutes=5)


def card_on_screen(ctx: Context, order_id: int) -> bool:
    """Whether this order's card was the one shown last, moments ago."""
    shown = ctx.state.data.get(CARD_SHOWN)
    if not isinstance(shown, dict) or shown.get("order") != order_id:
        return False
    return within(ctx, shown.get("at"), ON_SCREEN)


def orders_list(catalog: Catalog, page: OrderPage) -> tuple[str, Keyboard]:
    text = catalog.t("orders.list_title", total=page.total, page=page.page, pages=page.pages)
    rows: list[list[Button]] = [
        [
            Button(
                catalog.plain(
                    "orders.list_button",
                    number=cut(order.order_number, BUTTON),
                    status=status_label(catalog, order.status),
                    total=format_money(order.total_paid, order.currency, catalog.language),
                ),
                f"o:{order.id}",
            )
        ]
        for order in page.orders
    ]
    nav: list[Button] = []
    if page.page > 1:
        nav.append(Button(catalog.plain("orders.prev"), f"ol:{page.page - 1}"))
    if page.page < page.pages:
        nav.append(Button(catalog.plain("orders.next"), f"ol:{page.page + 1}"))
    rows.append(nav)
    return text, Keyboard.of(*rows)


# Orders a "Which order?" question offers at most (a buyer with more picks from /orders).
PICKABLE = 10


def which_order_keyboard(catalog: Catalog, orders: list[OrderView], prefix: str) -> Keyboard:
    """ "Which order do you mean?": a button an order (number · status), each pressing
    `prefix:ID`; the first PICKABLE."""
    return Keyboard.of(
        *(
            [
                Button(
                    f"{cut(o.order_number, BUTTON)} · "
                    + catalog.plain(f"status.{o.status.value}.label"),
                    f"{prefix}:{o.id}",
                )
            ]
            for o in orders[:PICKABLE]
        )
    )
