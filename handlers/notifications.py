"""Rendering of outbox notifications (neutral kind + params) into chat actions.

Services decide *that* someone is told and with which facts; this module decides the
words, through the catalog, at send time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OrderStatus
from bot.domain.money import format_money
from bot.services.outbox import Notification
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
)

Renderer = Callable[[Catalog, Notification], list[Outbound]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def render(notification: Notification, catalog: Catalog | None = None) -> list[Outbound]:
    catalog = catalog or Catalog()
    try:
        fn = RENDERERS[notification.kind]
    except KeyError:
        raise ValueError(f"no renderer for notification kind {notification.kind!r}") from None
    return fn(catalog, notification)


def _open_order(catalog: Catalog, params: dict[str, Any]) -> Keyboard:
    return Keyboard.of([Button(catalog.plain("notify.open_order"), f"o:{params['order_id']}")])


@renderer("order_changed")
def order_changed(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    if p.get("status_changed"):
        status = OrderStatus(p["status"])
        text = fit(
            line(
                catalog,
                "notify.order_status",
                number=Field(p["order_number"]),
                label=catalog.plain(f"status.{status.value}.label"),
                meaning=Safe(catalog.t(f"status.{status.value}.meaning")),
            ),
            notice=catalog.t("fit.notice_plain"),
        )
    else:
        event = p["event"]
        where = f", {event['location']}" if event.get("location") else ""
        text = fit(
            line(
                catalog,
                "notify.order_tracking",
                number=Field(p["order_number"]),
                event=Field(catalog.plain(f"tag.{event['tag']}") + where),
            ),
            notice=catalog.t("fit.notice_plain"),
        )
    return [SendText(n.chat_id, text, _open_order(catalog, p))]


@renderer("claim_new")
def claim_new(catalog: Catalog, n: Notification) -> list[Outbound]:
    """To sellers: the summary, then the photos as an album (if any)."""
    p = n.params
    items = [
        line(catalog, "returns.summary_item", quantity=qty, name=Field(name))
        for name, qty in p["items"]
    ]
    deadline = datetime.fromisoformat(p["respond_by"]) if p.get("respond_by") else None
    text = fit(
        line(
            catalog,
            "seller_notify.claim_new",
            claim=p["claim_number"],
            number=p["order_number"],
            type=type_label(catalog, ClaimType(p["type"]), ClaimReason(p["reason"])),
            reason=catalog.plain(f"claim_reason.{p['reason']}"),
            items=lines(items, catalog, "fit.more_items"),
            money=seller_money(
                catalog,
                ClaimType(p["type"]),
                ClaimReason(p["reason"]),
                Decimal(p["amount"]),
                p["currency"],
            ),
            note=Field(p.get("note") or catalog.plain("returns.no_note")),
            photos=len(p["photos"]),
            # The catalog trims a template's edge newlines: the line break goes here.
            reused=Safe("\n" + catalog.t("seller_notify.reused") if p.get("reused") else ""),
            deadline=format_date(deadline, zone=p.get("timezone"), language=catalog.language)
            if deadline
            else "—",
        ),
        notice=catalog.t("fit.notice_seller"),
    )
    # The summary first: it is what the seller must see and decide on, right there
    # (the claim card's own buttons: Approve still asks to confirm a refund); the
    # photos follow (an album Telegram refuses must not take the summary with it).
    claim_id = p["claim_id"]
    keyboard = Keyboard.of(
        [
            Button(catalog.plain("seller2.open"), f"q:{claim_id}"),
            Button(catalog.plain("seller_claims.approve"), f"qa:{claim_id}"),
            Button(catalog.plain("seller_claims.reject"), f"qr:{claim_id}"),
        ]
    )
    if p.get("marketplace"):  # filed there: its deadline, its name, its decisions
        name = p.get("marketplace_name") or p["marketplace"]
        text = fit(
            catalog.t("marketplace_claims.new_marker", marketplace=name),
            text,
            notice=catalog.t("fit.notice_seller"),
        )
        keyboard = Keyboard.of(
            [
                Button(catalog.plain("seller2.open"), f"q:{claim_id}"),
                *decision_row(catalog, int(claim_id), ClaimStatus.REQUESTED),
            ]
        )
    actions: list[Outbound] = [SendText(n.chat_id, text, keyboard)]
    if p["photos"]:
        actions.append(
            SendPhotos(
                n.chat_id,
                tuple(PhotoRef(path=path) for path in p["photos"]),
                caption=fit(
                    line(catalog, "seller_notify.claim_photos", claim=Field(p["claim_number"])),
                    limit=CAPTION,
                ),
            )
        )
    return actions


@renderer("claim_info")
def claim_info(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    text = fit(
        line(
            catalog,
            "seller_notify.claim_info",
            claim=p["claim_number"],
            text=Field(p.get("text") or "📷"),
        ),
        notice=catalog.t("fit.notice_seller"),
    )
    # The words first, as above, with the way back to the claim.
    actions: list[Outbound] = [SendText(n.chat_id, text, _open_claim(catalog, p))]
    if p.get("photos"):
        photos = tuple(PhotoRef(path=path) for path in p["photos"])
        actions.append(SendPhotos(n.chat_id, photos))
    return actions


@renderer("claim_shipped")
def claim_shipped(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    text = fit(
        line(
            catalog,
            "seller_notify.claim_shipped",
            claim=p["claim_number"],
            carrier=Field(p["carrier"]),
            tracking=Field(p["tracking"]),
        ),
        notice=catalog.t("fit.notice_seller"),
    )
    return [SendText(n.chat_id, text, _open_claim(catalog, p))]


def _open_claim(catalog: Catalog, params: dict[str, Any]) -> Keyboard:
    """Under a seller's news about a claim: its card, where the decisions are."""
    return Keyboard.of([Button(catalog.plain("seller2.open"), f"q:{params['claim_id']}")])


@renderer("claim_update")
def claim_update(catalog: Catalog, n: Notification) -> list[Outbound]:
    """To the buyer: what the seller (or the deadline job) decided, and what's next."""
    p = n.params
    status = p["status"]
    if p.get("marketplace"):  # filed on a marketplace: what happened there
        key = f"marketplace_buyer.{status}"
        text = catalog.t(
            key if catalog.has(key) else "marketplace_buyer.other",
            claim=p["claim_number"],
            marketplace=p["marketplace"],
            status=catalog.plain(f"claim_status.{status}"),
            note=note_text(catalog, p.get("note"), status, "buyer", p.get("currency")) or "—",
        )
        button = Button(catalog.plain("claim_update.open_card"), f"cl:{p['claim_id']}")
        return [SendText(n.chat_id, text, Keyboard.of([button]))]
    deadline_iso = p.get("ship_by") if status == "AWAITING_BUYER_SHIPMENT" else p.get("appeal_by")
    deadline = (
        format_date(
            datetime.fromisoformat(deadline_iso), zone=p.get("timezone"), language=catalog.language
        )
        if deadline_iso
        else "—"
    )
    note = note_text(catalog, p.get("note"), status, "buyer", p.get("currency")) or ""
    amount = format_money(
        Decimal(p.get("refunded") or p["amount"]), p["currency"], catalog.language
    )
    key = f"claim_update.{status}"
    if _partly_refunded(p):  # less than asked, with the seller's reason: appealable
        key = "seller2.partial_refunded"  # note_text reads a tapped reason as words
    pieces: list[Piece] = [
        line(
            catalog,
            key,
            requested=format_money(Decimal(p["amount"]), p["currency"], catalog.language),
            claim=p["claim_number"],
            amount=amount,
            note=Field(note),
            deadline=deadline,
        )
    ]
    if status == "AWAITING_BUYER_SHIPMENT":  # where to send it, and how
        address = p.get("return_address")
        pieces.append(
            line(
                catalog,
                "journey.return_address",
                address=Field(address),
                claim=p["claim_number"],
            )
            if address
            else catalog.t("journey.return_address_pending")
        )
    text = fit(*pieces, notice=catalog.t("fit.notice_buyer"), sep="\n\n")
    buttons = {
        "AWAITING_BUYER_SHIPMENT": ("claims.ship", f"cs:{p['claim_id']}"),
        "NEEDS_INFO": ("claims.answer", f"ca:{p['claim_id']}"),
        "REJECTED": ("claims.appeal", f"ap:{p['claim_id']}"),
    }
    if _partly_refunded(p):
        buttons["REFUNDED"] = ("claims.appeal", f"ap:{p['claim_id']}")
    label, data = buttons.get(status, ("claim_update.open_card", f"cl:{p['claim_id']}"))
    return [SendText(n.chat_id, text, Keyboard.of([Button(catalog.plain(label), data)]))]


def _partly_refunded(p: dict[str, Any]) -> bool:
    """A partial refund: less than the claim asked, with an appeal window."""
    return (
        p["status"] == "REFUNDED"
        and bool(p.get("appeal_by"))
        and p.get("refunded") is not None
        and Decimal(p["refunded"]) < Decimal(p["amount"])
    )


@renderer("cancel_requested")
def cancel_requested(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    if p.get("auto_approved"):  # cancelled within the shop's window: nothing to decide
        amount = format_money(Decimal(p["refunded"]), p["currency"], catalog.language)
        text = catalog.t("cancel_request.auto_to_seller", number=p["order_number"], amount=amount)
        return [SendText(n.chat_id, text)]
    if p.get("marketplace"):  # filed there: decided there, by its deadline
        return [SendText(n.chat_id, *_marketplace_cancel(catalog, p))]
    keyboard = Keyboard.of(
        [
            Button(catalog.plain("cancel_request.approve"), f"ka:{p['request_id']}"),
            Button(catalog.plain("cancel_request.reject"), f"kr:{p['request_id']}"),
        ]
    )
    text = catalog.t("cancel_request.to_seller", number=p["order_number"])
    return [SendText(n.chat_id, text, keyboard)]


def _marketplace_cancel(catalog: Catalog, p: dict[str, Any]) -> tuple[str, Keyboard]:
    request_id = int(p["request_id"])
    deadline = datetime.fromisoformat(p["deadline"]) if p.get("deadline") else None
    text = catalog.t(
        "marketplace_claims.cancel_to_seller",
        number=p["order_number"],
        marketplace=p.get("marketplace_name") or p["marketplace"],
        deadline=format_date(deadline, zone=p.get("timezone"), language=catalog.language)
        if deadline
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


@renderer("cancel_decided")
def cancel_decided(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    if p.get("marketplace"):  # decided on the marketplace, which refunds the buyer
        key = f"marketplace_claims.buyer_cancel_{p['status']}"
        text = catalog.t(key, number=p["order_number"], marketplace=p["marketplace"])
        return [SendText(n.chat_id, text, _open_order(catalog, p))]
    key = (
        "cancel_request.buyer_approved"
        if p["status"] == "approved"
        else _cancel_rejected_key(catalog, p.get("order_status"))
    )
    amount = format_money(Decimal(p["refunded"]), p["currency"], catalog.language)
    text = catalog.t(key, number=p["order_number"], amount=amount)
    return [SendText(n.chat_id, text, _open_order(catalog, p))]


def _cancel_rejected_key(catalog: Catalog, order_status: str | None) -> str:
    """A turned-down cancellation says what is true of the order: being prepared,
    ready for the carrier, partly shipped, on its way or delivered (older
    notifications without the status get the words that fit every status)."""
    key = f"seller2.cancel_rejected.{order_status}"
    return key if order_status and catalog.has(key) else "cancel_request.buyer_rejected"


@renderer("goodwill_refund")
def goodwill_refund(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    amount = format_money(Decimal(p["amount"]), p["currency"], catalog.language)
    text = fit(
        line(
            catalog,
            "goodwill.to_buyer",
            amount=amount,
            number=Field(p["order_number"]),
            reason=Field(p["reason"]),
        ),
        notice=catalog.t("fit.notice_plain"),
    )
    return [SendText(n.chat_id, text, _open_order(catalog, p))]


@renderer("claim_reminder")
def claim_reminder(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    text = catalog.t(
        "seller_reminder.text",
        claim=p["claim_number"],
        hours=p["hours"],
        deadline=format_date(
            datetime.fromisoformat(p["deadline"]), zone=p.get("timezone"), language=catalog.language
        ),
    )
    keyboard = Keyboard.of([Button(catalog.plain("seller_reminder.open"), f"q:{p['claim_id']}")])
    return [SendText(n.chat_id, text, keyboard)]


@renderer("claim_withdrawn")
def claim_withdrawn(catalog: Catalog, n: Notification) -> list[Outbound]:
    text = catalog.t("seller_notify.claim_withdrawn", claim=n.params["claim_number"])
    return [SendText(n.chat_id, text)]


@renderer("claim_appeal_decided")
def claim_appeal_decided(catalog: Catalog, n: Notification) -> list[Outbound]:
    """To sellers: support decided the buyer's appeal of their rejection."""
    p = n.params
    status = p["status"]
    if status == "REFUNDED":
        amount = format_money(Decimal(p["refunded"] or 0), p["currency"], catalog.language)
        text = catalog.t("seller_notify.appeal_refunded", claim=p["claim_number"], amount=amount)
    elif status == "APPROVED":
        text = catalog.t("seller_notify.appeal_replacement", claim=p["claim_number"])
    else:
        text = catalog.t("seller_notify.appeal_upheld", claim=p["claim_number"])
    keyboard = Keyboard.of([Button(catalog.plain("seller_reminder.open"), f"q:{p['claim_id']}")])
    return [SendText(n.chat_id, text, keyboard)]


@renderer("seller_removed")
def seller_removed(catalog: Catalog, n: Notification) -> list[Outbound]:
    text = fit(line(catalog, "seller.removed", shop=Field(n.params["shop"])))
    actions: list[Outbound] = [SendText(n.chat_id, text)]
    if not n.params.get("still_seller"):
        actions.append(SetCommands(n.chat_id, ()))  # back to the buyer menu
    return actions


@renderer("ticket_sla")
def ticket_sla(catalog: Catalog, n: Notification) -> list[Outbound]:
    """To the staff chat: a ticket's first-response target passed without a reply."""
    p = n.params
    thread_id = p.get("thread_id")
    text = fit(
        line(
            catalog,
            "staff.sla_reminder",
            waited=duration(catalog, timedelta(minutes=int(p["waited_minutes"]))),
            assignee=Field(p.get("assignee") or catalog.plain("staff.unassigned")),
        )
    )
    reply_to = None if thread_id else p.get("summary_message_id")
    actions: list[Outbound] = [SendText(n.chat_id, text, thread_id=thread_id, reply_to=reply_to)]
    if thread_id:
        actions.append(RenameTopic(n.chat_id, thread_id, topic_title(p["title"])))
    return actions


@renderer("tiktok_connection")
def tiktok_connection(catalog: Catalog, n: Notification) -> list[Outbound]:
    """To sellers: their shop's TikTok Shop connection started, is about to end, ended."""
    p = n.params
    params: dict[str, Any] = {"shop": Field(p["shop"])}
    if p["event"] != "connected":
        params["code"] = Field(p.get("code", ""))
    if p.get("at"):
        params["date"] = format_date(
            datetime.fromisoformat(p["at"]), zone=p.get("timezone"), language=catalog.language
        )
    text = fit(line(catalog, f"tiktok_notice.{p['event']}", **params))
    return [SendText(n.chat_id, text)]
