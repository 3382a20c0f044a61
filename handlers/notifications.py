"""Rendering of outbox notifications (typed notices) into chat actions.

Services decide *that* someone is told and with which facts (`bot.services.notices`);
this module decides the words, through the catalog of the recipient's language, at
send time.  One renderer per notice class; `render` picks it by the notice's class.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OrderStatus
from bot.domain.money import format_money
from bot.services.notices import (
    CancelDecided,
    CancelRequested,
    CancelWithdrawn,
    ClaimAppealDecided,
    ClaimInfo,
    ClaimNew,
    ClaimPhotosAdded,
    ClaimReminder,
    ClaimShipped,
    ClaimUpdate,
    ClaimWithdrawn,
    GoodwillRefund,
    Notice,
    OrderChanged,
    SellerRemoved,
    StoredReply,
    TicketSla,
    TiktokConnection,
)
from bot.services.outbox import Notification
from handlers.buyer.care_text import advice_pieces
from handlers.buyer.views import format_date
from handlers.catalog import Catalog, Safe
from handlers.claim_history import note_text
from handlers.claim_labels import seller_money, type_label
from handlers.fit import CAPTION, Field, Piece, fit, line, lines
from handlers.formatting import duration
from handlers.seller.marketplace_buttons import APPROVE_CANCEL, REJECT_CANCEL, decision_row
from handlers.staff.views import topic_title
from handlers.types import (
    Button,
    Keyboard,
    Outbound,
    PhotoRef,
    RenameTopic,
    SendPhotos,
    SendText,
    SetCommands,
    action_from_json,
)

N = TypeVar("N", bound=Notice)
Renderer = Callable[[Catalog, int, Any], list[Outbound]]
RENDERERS: dict[type[Notice], Renderer] = {}


def renderer(
    cls: type[N],
) -> Callable[
    [Callable[[Catalog, int, N], list[Outbound]]], Callable[[Catalog, int, N], list[Outbound]]
]:
    """Register the renderer of one notice class (it receives that class: typed)."""

    def register(
        fn: Callable[[Catalog, int, N], list[Outbound]],
    ) -> Callable[[Catalog, int, N], list[Outbound]]:
        RENDERERS[cls] = fn
        return fn

    return register


def render(notification: Notification, catalog: Catalog | None = None) -> list[Outbound]:
    """The notice's actions, in `catalog` (default: the recipient's language)."""
    catalog = catalog or Catalog(notification.language)
    try:
        fn = RENDERERS[type(notification.notice)]
    except KeyError:
        raise ValueError(f"no renderer for notification kind {notification.kind!r}") from None
    return fn(catalog, notification.chat_id, notification.notice)


def actions_of(notification: Notification) -> list[Outbound]:
    """What delivering an outbox row sends: a stored reply's actions as they were
    decided, or the notice rendered now (the one place channels and tests share)."""
    if isinstance(notification.notice, StoredReply):
        return [action_from_json(a) for a in notification.notice.actions]
    return render(notification)


def _open_order(catalog: Catalog, order_id: int) -> Keyboard:
    return Keyboard.of([Button(catalog.plain("notify.open_order"), f"o:{order_id}")])


@renderer(OrderChanged)
def order_changed(catalog: Catalog, chat_id: int, p: OrderChanged) -> list[Outbound]:
    if p.status_changed or p.event is None:
        status = OrderStatus(p.status)
        news = line(
            catalog,
            "notify.order_status",
            number=Field(p.order_number),
            label=catalog.plain(f"status.{status.value}.label"),
            meaning=Safe(catalog.t(f"status.{status.value}.meaning")),
        )
    else:
        event = p.event
        where = f", {event.location}" if event.location else ""
        news = line(
            catalog,
            "notify.order_tracking",
            number=Field(p.order_number),
            event=Field(catalog.plain(f"tag.{event.tag}") + where),
        )
    # Delivery care: what to do next goes in this same message, not a second one.
    advice = advice_pieces(catalog, p.advice) if p.advice is not None else []
    text = fit(news, *advice, notice=catalog.t("fit.notice_plain"))
    keyboard = _open_order(catalog, p.order_id)
    if p.advice is not None:
        keyboard = Keyboard.of(
            [Button(catalog.plain("notify.open_order"), f"o:{p.order_id}")],
            [Button(catalog.plain("support.human_button"), f"hp:{p.order_id}")],
        )
    return [SendText(chat_id, text, keyboard)]


@renderer(ClaimNew)
def claim_new(catalog: Catalog, chat_id: int, p: ClaimNew) -> list[Outbound]:
    """To sellers: the summary, then the photos as an album (if any)."""
    items = [
        line(catalog, "returns.summary_item", quantity=qty, name=Field(name))
        for name, qty in p.items
    ]
    kind, reason = ClaimType(p.type), ClaimReason(p.reason)
    text = fit(
        line(
            catalog,
            "seller_notify.claim_new",
            claim=p.claim_number,
            number=p.order_number,
            type=type_label(catalog, kind, reason),
            reason=catalog.plain(f"claim_reason.{p.reason}"),
            items=lines(items, catalog, "fit.more_items"),
            money=seller_money(catalog, kind, reason, p.amount, p.currency),
            note=Field(p.note or catalog.plain("returns.no_note")),
            photos=len(p.photos),
            # The catalog trims a template's edge newlines: the line break goes here.
            reused=Safe("\n" + catalog.t("seller_notify.reused") if p.reused else ""),
            deadline=format_date(p.respond_by, zone=p.timezone, language=catalog.language)
            if p.respond_by
            else "—",
        ),
        notice=catalog.t("fit.notice_seller"),
    )
    # The summary first: it is what the seller must see and decide on, right there
    # (the claim card's own buttons: Approve still asks to confirm a refund); the
    # photos follow (an album Telegram refuses must not take the summary with it).
    claim_id = p.claim_id
    keyboard = Keyboard.of(
        [
            Button(catalog.plain("seller2.open"), f"q:{claim_id}"),
            Button(catalog.plain("seller_claims.approve"), f"qa:{claim_id}"),
            Button(catalog.plain("seller_claims.reject"), f"qr:{claim_id}"),
        ]
    )
    if p.marketplace:  # filed there: its deadline, its name, its decisions
        name = p.marketplace_name or p.marketplace
        text = fit(
            catalog.t("marketplace_claims.new_marker", marketplace=name),
            text,
            notice=catalog.t("fit.notice_seller"),
        )
        keyboard = Keyboard.of(
            [
                Button(catalog.plain("seller2.open"), f"q:{claim_id}"),
                *decision_row(catalog, claim_id, ClaimStatus.REQUESTED),
            ]
        )
    actions: list[Outbound] = [SendText(chat_id, text, keyboard)]
    if p.photos:
        actions.append(
            SendPhotos(
                chat_id,
                tuple(PhotoRef(path=path) for path in p.photos),
                caption=fit(
                    line(catalog, "seller_notify.claim_photos", claim=Field(p.claim_number)),
                    limit=CAPTION,
                ),
            )
        )
    return actions


@renderer(ClaimInfo)
def claim_info(catalog: Catalog, chat_id: int, p: ClaimInfo) -> list[Outbound]:
    text = fit(
        line(catalog, "seller_notify.claim_info", claim=p.claim_number, text=Field(p.text or "📷")),
        notice=catalog.t("fit.notice_seller"),
    )
    # The words first, as above, with the way back to the claim.
    actions: list[Outbound] = [SendText(chat_id, text, _open_claim(catalog, p.claim_id))]
    if p.photos:
        actions.append(SendPhotos(chat_id, tuple(PhotoRef(path=path) for path in p.photos)))
    return actions


@renderer(ClaimPhotosAdded)
def claim_photos_added(catalog: Catalog, chat_id: int, p: ClaimPhotosAdded) -> list[Outbound]:
    text = catalog.t("seller_notify.claim_photos_added", claim=p.claim_number, count=len(p.photos))
    return [
        SendText(chat_id, text, _open_claim(catalog, p.claim_id)),
        SendPhotos(chat_id, tuple(PhotoRef(path=path) for path in p.photos)),
    ]


@renderer(ClaimShipped)
def claim_shipped(catalog: Catalog, chat_id: int, p: ClaimShipped) -> list[Outbound]:
    text = fit(
        line(
            catalog,
            "seller_notify.claim_shipped",
            claim=p.claim_number,
            carrier=Field(p.carrier),
            tracking=Field(p.tracking),
        ),
        notice=catalog.t("fit.notice_seller"),
    )
    return [SendText(chat_id, text, _open_claim(catalog, p.claim_id))]


def _open_claim(catalog: Catalog, claim_id: int) -> Keyboard:
    """Under a seller's news about a claim: its card, where the decisions are."""
    return Keyboard.of([Button(catalog.plain("seller2.open"), f"q:{claim_id}")])


@renderer(ClaimUpdate)
def claim_update(catalog: Catalog, chat_id: int, p: ClaimUpdate) -> list[Outbound]:
    """To the buyer: what the seller (or the deadline job) decided, and what's next."""
    status = p.status
    currency = p.currency
    if p.marketplace:  # filed on a marketplace: what happened there
        key = f"marketplace_buyer.{status}"
        text = catalog.t(
            key if catalog.has(key) else "marketplace_buyer.other",
            claim=p.claim_number,
            marketplace=p.marketplace,
            status=catalog.plain(f"claim_status.{status}"),
            note=note_text(catalog, p.note, status, "buyer", currency) or "—",
        )
        button = Button(catalog.plain("claim_update.open_card"), f"cl:{p.claim_id}")
        return [SendText(chat_id, text, Keyboard.of([button]))]
    when = p.ship_by if status == "AWAITING_BUYER_SHIPMENT" else p.appeal_by
    deadline = format_date(when, zone=p.timezone, language=catalog.language) if when else "—"
    note = note_text(catalog, p.note, status, "buyer", currency) or ""
    amount = format_money(
        p.refunded if p.refunded is not None else p.amount, currency, catalog.language
    )
    key = f"claim_update.{status}"
    if _partly_refunded(p):  # less than asked, with the seller's reason: appealable
        key = "seller2.partial_refunded"  # note_text reads a tapped reason as words
    pieces: list[Piece] = [
        line(
            catalog,
            key,
            requested=format_money(p.amount, currency, catalog.language),
            claim=p.claim_number,
            amount=amount,
            note=Field(note),
            deadline=deadline,
        )
    ]
    if status == "AWAITING_BUYER_SHIPMENT":  # where to send it, and how
        address = p.return_address
        pieces.append(
            line(catalog, "journey.return_address", address=Field(address), claim=p.claim_number)
            if address
            else catalog.t("journey.return_address_pending")
        )
    text = fit(*pieces, notice=catalog.t("fit.notice_buyer"), sep="\n\n")
    buttons = {
        "AWAITING_BUYER_SHIPMENT": ("claims.ship", f"cs:{p.claim_id}"),
        "NEEDS_INFO": ("claims.answer", f"ca:{p.claim_id}"),
        "REJECTED": ("claims.appeal", f"ap:{p.claim_id}"),
    }
    if _partly_refunded(p):
        buttons["REFUNDED"] = ("claims.appeal", f"ap:{p.claim_id}")
    label, data = buttons.get(status, ("claim_update.open_card", f"cl:{p.claim_id}"))
    return [SendText(chat_id, text, Keyboard.of([Button(catalog.plain(label), data)]))]


def _partly_refunded(p: ClaimUpdate) -> bool:
    """A partial refund: less than the claim asked, with an appeal window."""
    return (
        p.status == "REFUNDED"
        and p.appeal_by is not None
        and p.refunded is not None
        and p.refunded < p.amount
    )


@renderer(CancelRequested)
def cancel_requested(catalog: Catalog, chat_id: int, p: CancelRequested) -> list[Outbound]:
    if p.auto_approved:  # cancelled within the shop's window: nothing to decide
        amount = format_money(p.refunded or Decimal(0), p.currency or "USD", catalog.language)
        text = catalog.t("cancel_request.auto_to_seller", number=p.order_number, amount=amount)
        return [SendText(chat_id, text)]
    if p.marketplace:  # filed there: decided there, by its deadline
        return [SendText(chat_id, *_marketplace_cancel(catalog, p, p.marketplace))]
    keyboard = Keyboard.of(
        [
            Button(catalog.plain("cancel_request.approve"), f"ka:{p.request_id}"),
            Button(catalog.plain("cancel_request.reject"), f"kr:{p.request_id}"),
        ]
    )
    text = catalog.t("cancel_request.to_seller", number=p.order_number)
    return [SendText(chat_id, text, keyboard)]


def _marketplace_cancel(
    catalog: Catalog, p: CancelRequested, marketplace: str
) -> tuple[str, Keyboard]:
    request_id = p.request_id
    text = catalog.t(
        "marketplace_claims.cancel_to_seller",
        number=p.order_number,
        marketplace=p.marketplace_name or marketplace,
        deadline=format_date(p.deadline, zone=p.timezone, language=catalog.language)
        if p.deadline
        else "—",
    )
    keyboard = Keyboard.of(
        [
            Button(
                catalog.plain("cancel_request.approve"), APPROVE_CANCEL.pack(request=request_id)
            ),
            Button(catalog.plain("cancel_request.reject"), REJECT_CANCEL.pack(request=request_id)),
        ]
    )
    return text, keyboard


@renderer(CancelWithdrawn)
def cancel_withdrawn(catalog: Catalog, chat_id: int, p: CancelWithdrawn) -> list[Outbound]:
    return [
        SendText(chat_id, catalog.t("cancel_request.withdrawn_to_seller", number=p.order_number))
    ]


@renderer(CancelDecided)
def cancel_decided(catalog: Catalog, chat_id: int, p: CancelDecided) -> list[Outbound]:
    if p.marketplace:  # decided on the marketplace, which refunds the buyer
        key = f"marketplace_claims.buyer_cancel_{p.status}"
        text = catalog.t(key, number=p.order_number, marketplace=p.marketplace)
        return [SendText(chat_id, text, _open_order(catalog, p.order_id))]
    key = (
        "cancel_request.buyer_approved"
        if p.status == "approved"
        else _cancel_rejected_key(catalog, p.order_status)
    )
    amount = format_money(p.refunded, p.currency, catalog.language)
    text = catalog.t(key, number=p.order_number, amount=amount)
    return [SendText(chat_id, text, _open_order(catalog, p.order_id))]


def _cancel_rejected_key(catalog: Catalog, order_status: str | None) -> str:
    """A turned-down cancellation says what is true of the order: being prepared,
    ready for the carrier, partly shipped, on its way or delivered (older
    notifications without the status get the words that fit every status)."""
    key = f"seller2.cancel_rejected.{order_status}"
    return key if order_status and catalog.has(key) else "cancel_request.buyer_rejected"


@renderer(GoodwillRefund)
def goodwill_refund(catalog: Catalog, chat_id: int, p: GoodwillRefund) -> list[Outbound]:
    text = fit(
        line(
            catalog,
            "goodwill.to_buyer",
            amount=format_money(p.amount, p.currency, catalog.language),
            number=Field(p.order_number),
            reason=Field(p.reason),
        ),
        notice=catalog.t("fit.notice_plain"),
    )
    return [SendText(chat_id, text, _open_order(catalog, p.order_id))]


@renderer(ClaimReminder)
def claim_reminder(catalog: Catalog, chat_id: int, p: ClaimReminder) -> list[Outbound]:
    text = catalog.t(
        "seller_reminder.text",
        claim=p.claim_number,
        hours=p.hours,
        deadline=format_date(p.deadline, zone=p.timezone, language=catalog.language),
    )
    keyboard = Keyboard.of([Button(catalog.plain("seller_reminder.open"), f"q:{p.claim_id}")])
    return [SendText(chat_id, text, keyboard)]


@renderer(ClaimWithdrawn)
def claim_withdrawn(catalog: Catalog, chat_id: int, p: ClaimWithdrawn) -> list[Outbound]:
    text = catalog.t("seller_notify.claim_withdrawn", claim=p.claim_number)
    return [SendText(chat_id, text)]


@renderer(ClaimAppealDecided)
def claim_appeal_decided(catalog: Catalog, chat_id: int, p: ClaimAppealDecided) -> list[Outbound]:
    """To sellers: support decided the buyer's appeal of their rejection."""
    if p.status == "REFUNDED":
        amount = format_money(p.refunded or Decimal(0), p.currency, catalog.language)
        text = catalog.t("seller_notify.appeal_refunded", claim=p.claim_number, amount=amount)
    elif p.status == "APPROVED":
        text = catalog.t("seller_notify.appeal_replacement", claim=p.claim_number)
    else:
        text = catalog.t("seller_notify.appeal_upheld", claim=p.claim_number)
    keyboard = Keyboard.of([Button(catalog.plain("seller_reminder.open"), f"q:{p.claim_id}")])
    return [SendText(chat_id, text, keyboard)]


@renderer(SellerRemoved)
def seller_removed(catalog: Catalog, chat_id: int, p: SellerRemoved) -> list[Outbound]:
    text = fit(line(catalog, "seller.removed", shop=Field(p.shop)))
    actions: list[Outbound] = [SendText(chat_id, text)]
    if not p.still_seller:
        actions.append(SetCommands(chat_id, ()))  # back to the buyer menu
    return actions


@renderer(TicketSla)
def ticket_sla(catalog: Catalog, chat_id: int, p: TicketSla) -> list[Outbound]:
    """To the staff chat: a ticket's first-response target passed without a reply."""
    thread_id = p.thread_id
    text = fit(
        line(
            catalog,
            "staff.sla_reminder",
            waited=duration(catalog, timedelta(minutes=p.waited_minutes)),
            assignee=Field(p.assignee or catalog.plain("staff.unassigned")),
        )
    )
    reply_to = None if thread_id else p.summary_message_id
    actions: list[Outbound] = [SendText(chat_id, text, thread_id=thread_id, reply_to=reply_to)]
    if thread_id:
        actions.append(RenameTopic(chat_id, thread_id, topic_title(p.title)))
    return actions


@renderer(TiktokConnection)
def tiktok_connection(catalog: Catalog, chat_id: int, p: TiktokConnection) -> list[Outbound]:
    """To sellers: their shop's TikTok Shop connection started, is about to end, ended."""
    params: dict[str, Any] = {"shop": Field(p.shop)}
    if p.event != "connected":
        params["code"] = Field(p.code)
    if p.at is not None:
        params["date"] = format_date(p.at, zone=p.timezone, language=catalog.language)
    text = fit(line(catalog, f"tiktok_notice.{p.event}", **params))
    return [SendText(chat_id, text)]


import handlers.buyer.care_notices  # noqa: E402, F401  (delivery care's renderers register)
from handlers.buyer import rating_notices  # noqa: E402, F401  (registers its renderer)
