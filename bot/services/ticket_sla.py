"""First-response targets: a periodic watch that reminds the staff topic of tickets
past their target (once per wait) and prunes the conversation log kept for summaries."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import delete

from bot.clock import Clock
from bot.services.notices import TicketSla
from bot.services.outbox import Notification, enqueue
from bot.services.ticket_records import event_row, title_parts, view_of
from storage.models import ChatLogEntry
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

CHAT_LOG_KEEP = timedelta(days=7)


class SlaWatch:
    """Periodic: reminds the staff topic of tickets past their first-response target
    (once per wait), and prunes the conversation log kept for summaries."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run_once(self) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.tickets.past_first_response(now)
            for ticket in due:
                ticket.sla_breached = True
                view = await view_of(uow, ticket)
                waited = int((now - (ticket.waiting_since or ticket.opened_at)).total_seconds())
                assert ticket.staff_chat_id is not None
                await enqueue(
                    uow,
                    Notification(
                        ticket.staff_chat_id,
                        TicketSla(
                            shop_id=ticket.shop_id,
                            ticket_id=ticket.id,
                            thread_id=ticket.topic_id,
                            summary_message_id=ticket.summary_message_id,
                            title=title_parts(view),
                            waited_minutes=waited // 60,
                            assignee=ticket.assignee_name,
                        ),
                    ),
                    now=now,
                    dedupe_key=f"ticket:{ticket.id}:sla:{ticket.sla_due_at.isoformat()}"
                    if ticket.sla_due_at
                    else None,
                )
                uow.session.add(event_row(ticket.id, "sla_breached", None, now))
            await uow.session.execute(
                delete(ChatLogEntry).where(ChatLogEntry.at < now - CHAT_LOG_KEEP)
            )
            await uow.commit()
        if due:
            log.info("ticket first-response targets missed", extra={"count": len(due)})
        return len(due)

    async def run_forever(self, interval: float = 30.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("sla watch failed")
            await asyncio.sleep(interval)
