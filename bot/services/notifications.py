"""Telling buyers when their order moves on (status or tracking), via the outbox.

Called inside the import's transaction (and later by webhooks), so the notification
is stored exactly when the change is: both commit, or neither does.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.care import CarePolicy
from bot.domain.carriers import tracking_url
from bot.domain.delivery_care import advice_for
from bot.domain.marketplace import display_name
from bot.services.notices import ClaimNew, DeliveryAdvice, OrderChanged, TrackingNews
from bot.services.outbox import Notification, enqueue
from storage.care_repository import CareRepository
from storage.importers.writer import OrderChange
from storage.media import MediaStore
from storage.models import Claim, Order
from storage.uow import UnitOfWork


async def notify_order_change(uow: UnitOfWork, change: OrderChange, now: datetime) -> int:
    """Queue one message per linked chat.  A status change is one message; otherwise
    the newest tracking event is.  Dedupe keys make a re-run of the same import (or a
    retried transaction) queue nothing new.  Returns how many were queued."""
    if not change.worth_telling:
        return 0
    chat_ids = await uow.orders.linked_chat_ids(change.order_id)
    if not chat_ids:
        return 0
    event: TrackingNews | None = None
    if change.status_changed:
        key = f"order:{change.order_id}:status:{change.new_status.value}"
    else:
        tag, at, message = change.new_events[-1]
        event = TrackingNews(tag=tag.value, at=at, message=message)
        key = f"order:{change.order_id}:event:{tag.value}:{at.isoformat()}"
    notice = OrderChanged(
        order_id=change.order_id,
        order_number=change.order_number,
        status=change.new_status.value,
        status_changed=change.status_changed,
        event=event,
        advice=await delivery_advice(uow, change),
    )
    queued = 0
    for chat_id in chat_ids:
        notification = Notification(chat_id, notice)
        if await enqueue(uow, notification, now=now, dedupe_key=f"{key}:chat:{chat_id}"):
            queued += 1
    return queued


async def delivery_advice(uow: UnitOfWork, change: OrderChange) -> DeliveryAdvice | None:
    """What to do next, when the newest tracking event of this change is a failed
    attempt, a parcel waiting at a pickup point or a carrier problem, and the shop has
    delivery care on.  Looked at whether or not the status changed too: an import
    that moves an order to IN_TRANSIT with an `Exception` checkpoint sends one message
    (the status) and it must still carry the advice."""
    if not change.new_events:
        return None
    tag, at, message = change.new_events[-1]
    kind = advice_for(tag)
    if kind is None:
        return None
    facts = await CareRepository(uow.session).event_facts(change.order_id, tag.value, at)
    if facts is None or not CarePolicy.from_settings(facts.settings).delivery_care:
        return None
    try:
        url: str | None = tracking_url(facts.carrier, facts.tracking_number)
    except ValueError:
        url = None  # a carrier we have no link for: the advice names it only
    return DeliveryAdvice(
        kind=kind,
        carrier=facts.carrier,
        tracking_number=facts.tracking_number,
        tracking_url=url,
        location=facts.location,
        message=message,
    )


async def notify_claim_new(
    uow: UnitOfWork,
    order: Order,
    claim: Claim,
    media: MediaStore,
    chat_ids: list[int],
    now: datetime,
) -> None:
    """Tell the sellers about a new claim (filed in the chat or on a marketplace), once
    per chat.  A marketplace claim carries its marketplace's deadline and name; its card
    then offers only the marketplace's decisions."""
    names = {item.id: item.product_name for item in order.items}
    deadline = claim.external_deadline if claim.marketplace else claim.respond_by
    notice = ClaimNew(
        shop_id=order.shop_id,
        claim_id=claim.id,
        claim_number=claim.claim_number,
        order_number=order.order_number,
        type=claim.type,
        reason=claim.reason,
        amount=claim.requested_amount,
        currency=claim.currency,
        items=tuple((names[i.order_item_id], i.quantity) for i in claim.items),
        note=claim.buyer_note,
        # Stored files, not Telegram file ids: evidence sent as an image *file* has a
        # document id that Telegram refuses to send as a photo.
        photos=tuple(str(media.absolute(p.path)) for p in claim.photos),
        reused=claim.reused_evidence,
        respond_by=deadline,
        timezone=order.shop.timezone or "UTC",  # the deadline is shown in it
        marketplace=claim.marketplace or None,
        marketplace_name=display_name(claim.marketplace) if claim.marketplace else None,
    )
    for chat_id in chat_ids:
        await enqueue(
            uow,
            Notification(int(chat_id), notice),
            now=now,
            dedupe_key=f"claim:{claim.id}:new:chat:{chat_id}",
        )
