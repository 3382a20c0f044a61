"""Telling buyers when their order moves on (status or tracking), via the outbox.

Called inside the import's transaction (and later by webhooks), so the notification
is stored exactly when the change is: both commit, or neither does.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.outbox import Notification, enqueue
from storage.importers.writer import OrderChange
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
    params: dict[str, object] = {
        "order_id": change.order_id,
        "order_number": change.order_number,
        "status": change.new_status.value,
        "status_changed": change.status_changed,
    }
    if change.status_changed:
        key = f"order:{change.order_id}:status:{change.new_status.value}"
    else:
        tag, at, message = change.new_events[-1]
        params["event"] = {"tag": tag.value, "at": at.isoformat(), "message": message}
        key = f"order:{change.order_id}:event:{tag.value}:{at.isoformat()}"
    queued = 0
    for chat_id in chat_ids:
        notification = Notification(chat_id=chat_id, kind="order_changed", params=params)
        if await enqueue(uow, notification, now=now, dedupe_key=f"{key}:chat:{chat_id}"):
            queued += 1
    return queued
